//! The seed program "file watcher on inotify": watches a directory and prints each
//! event with the name it concerns, until interrupted (or, with no directory given,
//! makes a temporary one, changes it, and prints what inotify saw).
//!
//! Run: `cargo run --example inotify_watch [-- DIR]`

use std::process::ExitCode;

use sysbridge::event::{
    INOTIFY_BUFFER_MIN, InotifyEvents, InotifyFlags, WatchMask, inotify_add_watch, inotify_init1,
};
use sysbridge::{Errno, io};

fn watch(dir: &std::path::Path, stop_after: Option<usize>) -> Result<(), Errno> {
    let ino = inotify_init1(InotifyFlags::CLOEXEC)?;
    let mask = WatchMask::CREATE
        | WatchMask::DELETE
        | WatchMask::MODIFY
        | WatchMask::CLOSE_WRITE
        | WatchMask::MOVED_FROM
        | WatchMask::MOVED_TO;
    inotify_add_watch(&ino, dir, mask)?;
    println!("watching {}", dir.display());
    let mut buf = vec![0u8; 16 * INOTIFY_BUFFER_MIN];
    let mut seen = 0;
    loop {
        let n = match io::read(&ino, &mut buf) {
            Err(Errno::EINTR) => continue,
            other => other?,
        };
        for event in InotifyEvents::new(&buf[..n]) {
            if event.is_overflow() {
                println!("(queue overflow: events were lost)");
            }
            let name = event.name.map(|n| n.to_string_lossy()).unwrap_or_default();
            println!("{:?} {name} (cookie {})", event.mask, event.cookie);
            seen += 1;
        }
        if stop_after.is_some_and(|limit| seen >= limit) {
            return Ok(());
        }
    }
}

fn demo() -> Result<(), Errno> {
    let dir = std::env::temp_dir().join(format!("sysbridge-inotify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|_| Errno::EIO)?;
    let changer_dir = dir.clone();
    let changer = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(100));
        let a = changer_dir.join("a.txt");
        std::fs::write(&a, b"hello").ok();
        std::fs::rename(&a, changer_dir.join("b.txt")).ok();
        std::fs::remove_file(changer_dir.join("b.txt")).ok();
    });
    // CREATE, MODIFY, CLOSE_WRITE, MOVED_FROM, MOVED_TO, DELETE.
    let result = watch(&dir, Some(6));
    changer.join().ok();
    std::fs::remove_dir(&dir).ok();
    result
}

fn main() -> ExitCode {
    let result = match std::env::args_os().nth(1) {
        Some(dir) => watch(std::path::Path::new(&dir), None),
        None => demo(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("inotify_watch: {e}");
            ExitCode::FAILURE
        }
    }
}
