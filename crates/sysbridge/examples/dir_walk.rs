//! The seed program "a `Dir` walk that refuses to escape": it builds a small tree in
//! the system's temporary directory, walks it through a `Dir` handle and prints what it
//! finds, then shows that `../x`, `/etc/passwd` and a symbolic link pointing outside
//! are refused by the kernel with `EXDEV`, while a link that stays inside works.
//!
//! Run: `cargo run --example dir_walk`. Trace it to see each lookup go through
//! `openat2` with `RESOLVE_BENEATH`: `strace -e trace=openat2 cargo run --example dir_walk`.

use std::os::unix::fs::symlink;
use std::path::Path;

use sysbridge::dir::Dir;
use sysbridge::fs::{FileType, Mode, OFlags};
use sysbridge::io;

/// Builds the tree below `top`: `x` beside the walked `top/tree`, which holds files,
/// directories and links pointing inside and outside.
fn build(top: &Path) -> std::io::Result<()> {
    let tree = top.join("tree");
    std::fs::create_dir_all(tree.join("docs/drafts"))?;
    std::fs::create_dir_all(tree.join("empty"))?;
    std::fs::write(top.join("x"), "outside the tree\n")?;
    std::fs::write(tree.join("README"), "read me\n")?;
    std::fs::write(tree.join("docs/drafts/v1.txt"), "first draft\n")?;
    symlink("docs/drafts", tree.join("latest"))?;
    symlink("../x", tree.join("escape"))?;
    symlink("/", tree.join("root"))?;
    Ok(())
}

/// Walks `dir` and prints each item, indented by depth.
fn print_walk(dir: &Dir) {
    for item in dir.walk() {
        match item {
            Ok(entry) => {
                let mark = match entry.file_type {
                    FileType::Directory => "/".to_owned(),
                    FileType::Symlink => match dir.read_link(&entry.path) {
                        Ok(target) => format!(" -> {}", target.display()),
                        Err(e) => format!(" -> ({e})"),
                    },
                    _ => String::new(),
                };
                let name = entry.path.file_name().unwrap_or(entry.path.as_os_str());
                let indent = "  ".repeat(entry.depth);
                println!("{indent}{}{mark}", name.to_string_lossy());
            }
            Err(err) => println!("error: {err}"),
        }
    }
}

fn run(top: &Path) -> Result<(), Box<dyn std::error::Error>> {
    build(top)?;
    let dir = Dir::open(top.join("tree"))?;
    // Files can be made through the handle too, beneath it.
    let note = dir.open_with(
        "docs/note",
        OFlags::WRONLY | OFlags::CREAT,
        Mode::RUSR | Mode::WUSR,
    )?;
    io::write(&note, b"written through the handle\n")?;

    println!("walk of {}:", top.join("tree").display());
    print_walk(&dir);

    println!("\nlookups through the handle:");
    for path in [
        "latest/v1.txt",
        "docs/../README",
        "../x",
        "/etc/passwd",
        "escape",
        "root/etc/passwd",
    ] {
        match dir.read_file(path) {
            Ok(data) => println!("  {path:18} read {} bytes", data.len()),
            Err(e) => println!("  {path:18} refused: {e}"),
        }
    }
    let docs = dir.sub("docs")?;
    for path in ["drafts/v1.txt", "../README"] {
        match docs.read_file(path) {
            Ok(data) => println!("  docs: {path:12} read {} bytes", data.len()),
            Err(e) => println!("  docs: {path:12} refused: {e}"),
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let top = std::env::temp_dir().join(format!("sysbridge-dir-walk-{}", std::process::id()));
    let result = run(&top);
    std::fs::remove_dir_all(&top)?;
    result
}
