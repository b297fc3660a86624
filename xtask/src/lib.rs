//! Generators for sysbridge's checked-in tables.
//!
//! Inputs:
//! - the kernel's x86_64 UAPI headers as `linux-raw-sys` carries them (bindgen output of
//!   `asm/unistd_64.h` and `asm-generic/errno*.h`), at the version `Cargo.lock` pins,
//!   located through `cargo metadata`;
//! - glibc's `strerror` on the generating machine, for the error messages (the text
//!   users see from C programs and from strace).
//!
//! Outputs: `crates/sysbridge/src/sysno_generated.rs` and
//! `crates/sysbridge/src/errno_generated.rs`. `cargo xtask gen` writes them;
//! `cargo xtask check` (and the test in `tests/tables_fresh.rs`) fails when they differ
//! from what the generator produces now.

pub mod xlat;

use std::ffi::CStr;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// An error of the generator: a message for the developer.
pub type Error = String;

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

/// One generated file: where it goes and what it holds.
pub struct Output {
    /// Path relative to the workspace root.
    pub path: &'static str,
    /// The file's full text.
    pub text: String,
}

/// Produces every generated file from the current inputs.
pub fn render_all() -> Result<Vec<Output>, Error> {
    let headers = HeaderSource::locate()?;
    let syscalls: Vec<(String, u32)> =
        parse_consts(&headers.read("src/x86_64/general.rs")?, "__NR_")
            .into_iter()
            .map(|(name, nr)| (name["__NR_".len()..].to_string(), nr))
            .collect();
    if syscalls.len() < 300 {
        return Err(format!(
            "only {} syscalls found in {}",
            syscalls.len(),
            headers.describe()
        ));
    }
    let errnos = parse_consts(&headers.read("src/x86_64/errno.rs")?, "E");
    if errnos.len() < 130 {
        return Err(format!(
            "only {} errno values found in {}",
            errnos.len(),
            headers.describe()
        ));
    }
    let mut sources = Vec::new();
    let dir = headers.dir.join("src/x86_64");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    for f in files {
        sources.push(std::fs::read_to_string(&f).map_err(|e| format!("{}: {e}", f.display()))?);
    }
    let consts = xlat::constants(&sources);
    let spec_dir = workspace_root().join("crates/sysbridge-trace/xlat");
    let mut spec_files: Vec<_> = std::fs::read_dir(&spec_dir)
        .map_err(|e| format!("{}: {e}", spec_dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "in"))
        .collect();
    spec_files.sort();
    let mut specs = Vec::new();
    for f in &spec_files {
        let text = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
        let name = f
            .file_name()
            .map_or_else(String::new, |n| format!("xlat/{}", n.to_string_lossy()));
        specs.push((name, text));
    }
    let mut xlat_header = String::new();
    header(
        &mut xlat_header,
        "The tracer's named-value tables",
        &format!(
            "crates/sysbridge-trace/xlat/*.in and the values of {} src/x86_64/*.rs (the kernel's UAPI headers)",
            headers.describe()
        ),
    );
    Ok(vec![
        Output {
            path: "crates/sysbridge-trace/src/decode/xlat_generated.rs",
            text: rustfmt(&xlat::render(&specs, &consts, &xlat_header)?)?,
        },
        Output {
            path: "crates/sysbridge/src/sysno_generated.rs",
            text: rustfmt(&render_sysno(&headers, &syscalls))?,
        },
        Output {
            path: "crates/sysbridge/src/errno_generated.rs",
            text: rustfmt(&render_errno(&headers, &errnos))?,
        },
    ])
}

/// Where the UAPI bindings are: the `linux-raw-sys` package this workspace resolves.
struct HeaderSource {
    dir: PathBuf,
    version: String,
}

impl HeaderSource {
    fn locate() -> Result<Self, Error> {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let out = Command::new(&cargo)
            .args(["metadata", "--format-version", "1", "--locked"])
            .current_dir(workspace_root())
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("cannot run `{cargo} metadata`: {e}"))?;
        if !out.status.success() {
            return Err(format!("`{cargo} metadata` failed ({})", out.status));
        }
        let meta: serde_json::Value =
            serde_json::from_slice(&out.stdout).map_err(|e| format!("cargo metadata: {e}"))?;
        let packages = meta["packages"]
            .as_array()
            .ok_or("cargo metadata: no packages")?;
        let pkg = packages
            .iter()
            .find(|p| p["name"] == "linux-raw-sys")
            .ok_or("linux-raw-sys is not in the dependency graph")?;
        let manifest = pkg["manifest_path"]
            .as_str()
            .ok_or("linux-raw-sys: no manifest_path")?;
        let dir = Path::new(manifest)
            .parent()
            .ok_or("linux-raw-sys: odd manifest path")?;
        Ok(Self {
            dir: dir.to_path_buf(),
            version: pkg["version"].as_str().unwrap_or("?").to_string(),
        })
    }

    fn read(&self, rel: &str) -> Result<String, Error> {
        let path = self.dir.join(rel);
        std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
    }

    fn describe(&self) -> String {
        format!("linux-raw-sys {}", self.version)
    }
}

/// Extracts `pub const NAME: u32 = N;` lines whose NAME starts with `prefix`, as
/// `(NAME, N)` in file order.
pub fn parse_consts(source: &str, prefix: &str) -> Vec<(String, u32)> {
    source
        .lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix("pub const ")?;
            let (name, rest) = rest.split_once(": u32 = ")?;
            let value = rest.strip_suffix(';')?.parse().ok()?;
            let word = name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            (word && name.len() > prefix.len() && name.starts_with(prefix))
                .then(|| (name.to_string(), value))
        })
        .collect()
}

fn header(out: &mut String, what: &str, input: &str) {
    writeln!(
        out,
        "// @generated by `cargo xtask gen` (xtask/src/lib.rs) from {input}."
    )
    .unwrap();
    writeln!(
        out,
        "// {what}. Do not edit: change the generator and run it again."
    )
    .unwrap();
    out.push('\n');
}

fn render_sysno(src: &HeaderSource, syscalls: &[(String, u32)]) -> String {
    let mut sorted = syscalls.to_vec();
    sorted.sort_by_key(|(_, n)| *n);
    let mut by_name = sorted.clone();
    by_name.sort();
    let n = sorted.len();
    let mut o = String::new();
    header(
        &mut o,
        "x86_64 system-call numbers and names",
        &format!(
            "{} src/x86_64/general.rs (the kernel's asm/unistd_64.h)",
            src.describe()
        ),
    );
    o.push_str(
        "/// An x86_64 Linux system-call number.\n///\n\
         /// Variants are spelled as the kernel spells the call (`Sysno::openat`). The list\n\
         /// is generated from the kernel's headers; numbers the kernel has not assigned\n\
         /// have no variant, so a `Sysno` is always a real system call.\n\
         ///\n/// ```\n/// use sysbridge::Sysno;\n\
         /// assert_eq!(Sysno::openat.raw(), 257);\n\
         /// assert_eq!(Sysno::from_name(\"openat\"), Some(Sysno::openat));\n/// ```\n\
         #[repr(u32)]\n#[non_exhaustive]\n#[allow(non_camel_case_types)]\n\
         #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]\npub enum Sysno {\n",
    );
    for (name, nr) in &sorted {
        writeln!(
            o,
            "    /// `{name}`, number {nr} (`man 2 {name}`).\n    {name} = {nr},"
        )
        .unwrap();
    }
    o.push_str("}\n\n");
    writeln!(o, "/// Every system call, in number order.").unwrap();
    writeln!(o, "pub(crate) const ALL: [Sysno; {n}] = [").unwrap();
    for (name, _) in &sorted {
        writeln!(o, "    Sysno::{name},").unwrap();
    }
    o.push_str("];\n\n");
    writeln!(o, "/// Every system call with its name, sorted by name.").unwrap();
    writeln!(o, "pub(crate) const BY_NAME: [(&str, Sysno); {n}] = [").unwrap();
    for (name, _) in &by_name {
        writeln!(o, "    (\"{name}\", Sysno::{name}),").unwrap();
    }
    o.push_str("];\n\n");
    o.push_str("/// The kernel's name of a system call.\n");
    o.push_str("pub(crate) const fn name(nr: Sysno) -> &'static str {\n    match nr {\n");
    for (name, _) in &sorted {
        writeln!(o, "        Sysno::{name} => \"{name}\",").unwrap();
    }
    o.push_str("    }\n}\n\n");
    o.push_str("/// The system call with number `nr`, if the kernel assigns it.\n");
    o.push_str("pub(crate) const fn from_raw(nr: u32) -> Option<Sysno> {\n    match nr {\n");
    for (name, nr) in &sorted {
        writeln!(o, "        {nr} => Some(Sysno::{name}),").unwrap();
    }
    o.push_str("        _ => None,\n    }\n}\n");
    o
}

/// glibc's `strerror` text for `n`.
fn glibc_message(n: u32) -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; the XSI strerror_r writes a
    // NUL-terminated string into it (truncating if needed).
    let rc = unsafe { libc::strerror_r(n as i32, buf.as_mut_ptr().cast(), buf.len()) };
    assert!(
        rc == 0 || rc == libc::EINVAL,
        "strerror_r({n}) failed: {rc}"
    );
    CStr::from_bytes_until_nul(&buf)
        .expect("NUL-terminated")
        .to_string_lossy()
        .into_owned()
}

fn glibc_version() -> String {
    // SAFETY: gnu_get_libc_version returns a static NUL-terminated string.
    let v = unsafe { CStr::from_ptr(gnu_get_libc_version()) };
    v.to_string_lossy().into_owned()
}

unsafe extern "C" {
    fn gnu_get_libc_version() -> *const libc::c_char;
}

/// Aliases that glibc's `<errno.h>` defines and the kernel's headers do not.
const GLIBC_ONLY_ALIASES: &[(&str, &str)] = &[("ENOTSUP", "EOPNOTSUPP")];

fn render_errno(src: &HeaderSource, errnos: &[(String, u32)]) -> String {
    // The first name a number appears under is its own; later ones are aliases.
    let mut primary: Vec<(String, u32)> = Vec::new();
    let mut aliases: Vec<(String, String)> = Vec::new();
    for (name, nr) in errnos {
        match primary.iter().find(|(_, p)| p == nr) {
            Some((first, _)) => aliases.push((name.clone(), first.clone())),
            None => primary.push((name.clone(), *nr)),
        }
    }
    for (alias, of) in GLIBC_ONLY_ALIASES {
        aliases.push((alias.to_string(), of.to_string()));
    }
    primary.sort_by_key(|(_, n)| *n);
    let max = primary.last().map_or(0, |(_, n)| *n);
    let mut o = String::new();
    header(
        &mut o,
        "Linux errno values, names and messages",
        &format!(
            "{} src/x86_64/errno.rs (the kernel's asm-generic/errno*.h) and the messages of glibc {}'s strerror",
            src.describe(),
            glibc_version()
        ),
    );
    o.push_str("use super::Errno;\n\nimpl Errno {\n");
    for (name, nr) in &primary {
        writeln!(o, "    /// `{name}` ({nr}): {}.", glibc_message(*nr)).unwrap();
        writeln!(o, "    pub const {name}: Errno = Errno({nr});").unwrap();
    }
    for (alias, of) in &aliases {
        writeln!(o, "    /// `{alias}`: another name for [`Errno::{of}`].").unwrap();
        writeln!(o, "    pub const {alias}: Errno = Errno::{of};").unwrap();
    }
    o.push_str("}\n\n");
    writeln!(o, "/// The largest errno value the kernel defines.").unwrap();
    writeln!(o, "pub(crate) const MAX: i32 = {max};\n").unwrap();
    writeln!(
        o,
        "/// Each value's name (none for values the kernel leaves unused) and glibc's"
    )
    .unwrap();
    writeln!(o, "/// `strerror` text, indexed by value (`0..=MAX`).").unwrap();
    writeln!(
        o,
        "pub(crate) const TABLE: [(Option<&str>, &str); {}] = [",
        max + 1
    )
    .unwrap();
    for n in 0..=max {
        let name = primary.iter().find(|(_, p)| *p == n).map(|(name, _)| name);
        writeln!(o, "    ({name:?}, {:?}),", glibc_message(n)).unwrap();
    }
    o.push_str("];\n\n");
    let mut by_name: Vec<(String, u32)> = primary.clone();
    for (alias, of) in &aliases {
        let nr = primary
            .iter()
            .find(|(p, _)| p == of)
            .expect("alias of a known name")
            .1;
        by_name.push((alias.clone(), nr));
    }
    // The headers' order is the file's (errnos), then glibc's own aliases.
    let mut in_order: Vec<(String, u32)> = errnos.to_vec();
    in_order.extend_from_slice(&by_name[by_name.len() - GLIBC_ONLY_ALIASES.len()..]);
    o.push_str("/// Every name, aliases included, in the kernel headers' order (glibc's own\n");
    o.push_str("/// aliases last), with its value.\n");
    writeln!(
        o,
        "pub(crate) const IN_HEADER_ORDER: [(&str, i32); {}] = [",
        in_order.len()
    )
    .unwrap();
    for (name, nr) in &in_order {
        writeln!(o, "    (\"{name}\", {nr}),").unwrap();
    }
    o.push_str("];\n\n");
    by_name.sort();
    writeln!(
        o,
        "/// Every name, aliases included, sorted, with its value."
    )
    .unwrap();
    writeln!(
        o,
        "pub(crate) const BY_NAME: [(&str, i32); {}] = [",
        by_name.len()
    )
    .unwrap();
    for (name, nr) in &by_name {
        writeln!(o, "    (\"{name}\", {nr}),").unwrap();
    }
    o.push_str("];\n");
    o
}

/// Formats Rust source with the toolchain's rustfmt, so that `cargo fmt --check`
/// and the freshness check agree on one text.
fn rustfmt(source: &str) -> Result<String, Error> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run rustfmt: {e}"))?;
    let mut stdin = child.stdin.take().expect("piped");
    let text = source.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let out = child
        .wait_with_output()
        .map_err(|e| format!("rustfmt: {e}"))?;
    writer
        .join()
        .expect("writer thread")
        .map_err(|e| format!("rustfmt stdin: {e}"))?;
    if !out.status.success() {
        return Err(format!("rustfmt failed ({})", out.status));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("rustfmt output: {e}"))
}
