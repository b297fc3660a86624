//! What a descriptor refers to, as `-y` and `-yy` print it after the number: the path
//! (`3</etc/passwd>`, `(deleted)` after a removed file's), a device's numbers
//! (`3</dev/null<char 1:3>>`), a pidfd's process (`3<pid:42>`), a socket's protocol
//! and addresses (`3<TCP:[127.0.0.1:80]>`).

use std::fmt::Write as _;

use sysbridge::fs::{self, AtFlags, FileType, StatxMask};

use crate::options::{FdPaths, HexStrings};

use super::quote::quote_bare;

/// The longest path the kernel gives (`PATH_MAX`).
const PATH_MAX: usize = 4096;

/// What the kernel appends to the link of a descriptor whose file was removed.
const DELETED: &[u8] = b" (deleted)";

/// Appends `<...>` for descriptor `fd` of thread `tid` as `mode` asks, or nothing
/// when the descriptor is not open (or `/proc` tells nothing).
pub(crate) fn annotate(out: &mut String, tid: i32, fd: i32, mode: FdPaths, hex: HexStrings) {
    if mode == FdPaths::No || fd < 0 {
        return;
    }
    let link = format!("/proc/{tid}/fd/{fd}");
    let mut buf = [0u8; PATH_MAX];
    let Ok(len) = fs::readlinkat(fs::CWD, link.as_str(), &mut buf) else {
        return;
    };
    let (target, deleted) = strip_deleted(&link, &buf[..len]);
    if mode == FdPaths::All
        && (socket(out, &link, target, hex)
            || device(out, target, hex)
            || pidfd(out, tid, fd, target))
    {
        return;
    }
    out.push('<');
    quote_bare(out, target, hex, b"<>");
    out.push('>');
    if deleted {
        out.push_str("(deleted)");
    }
}

/// Appends `<path>` for the working directory of `tid` (`AT_FDCWD</tmp>`).
pub(crate) fn annotate_cwd(out: &mut String, tid: i32, hex: HexStrings) {
    let mut buf = [0u8; PATH_MAX];
    if let Ok(len) = fs::readlinkat(fs::CWD, format!("/proc/{tid}/cwd").as_str(), &mut buf) {
        out.push('<');
        quote_bare(out, &buf[..len], hex, b"<>");
        out.push('>');
    }
}

/// The target without a ` (deleted)` suffix the kernel added, and whether it did: a
/// file really named so is still there, and is the same file as the descriptor's.
fn strip_deleted<'a>(link: &str, target: &'a [u8]) -> (&'a [u8], bool) {
    let Some(stem) = target.strip_suffix(DELETED).filter(|s| !s.is_empty()) else {
        return (target, false);
    };
    let Ok(open) = fs::statx(fs::CWD, link, AtFlags::empty(), StatxMask::INO) else {
        return (target, false);
    };
    let same =
        fs::statx(fs::CWD, target, AtFlags::SYMLINK_NOFOLLOW, StatxMask::INO).is_ok_and(|named| {
            (named.stx_ino, named.stx_dev_major, named.stx_dev_minor)
                == (open.stx_ino, open.stx_dev_major, open.stx_dev_minor)
        });
    if same { (target, false) } else { (stem, true) }
}

/// `<PROTO:[details]>` for a socket (see [`sockdiag`](super::sockdiag)); `false` for
/// anything else.
fn socket(out: &mut String, link: &str, target: &[u8], hex: HexStrings) -> bool {
    let Some(inode) = socket_inode(target) else {
        return false;
    };
    out.push('<');
    match super::sockdiag::describe(link, inode, hex) {
        Some(details) => out.push_str(&details),
        None => out.push_str(&String::from_utf8_lossy(target)),
    }
    out.push('>');
    true
}

/// The inode of a `socket:[INODE]` link target.
fn socket_inode(target: &[u8]) -> Option<u64> {
    let digits = target.strip_prefix(b"socket:[")?.strip_suffix(b"]")?;
    std::str::from_utf8(digits)
        .ok()?
        .parse()
        .ok()
        .filter(|&n| n != 0)
}

/// `<path<char MAJOR:MINOR>>` for a character or block device; `false` otherwise.
fn device(out: &mut String, target: &[u8], hex: HexStrings) -> bool {
    if target.first() != Some(&b'/') {
        return false;
    }
    let Ok(st) = fs::statx(fs::CWD, target, AtFlags::empty(), StatxMask::TYPE) else {
        return false;
    };
    let kind = match st.file_type() {
        FileType::CharDevice => "char",
        FileType::BlockDevice => "block",
        _ => return false,
    };
    out.push('<');
    quote_bare(out, target, hex, b"<>");
    let _ = write!(out, "<{kind} {}:{}>>", st.stx_rdev_major, st.stx_rdev_minor);
    true
}

/// `<pid:N>` for a pidfd, N from its `fdinfo`; `false` for anything else.
fn pidfd(out: &mut String, tid: i32, fd: i32, target: &[u8]) -> bool {
    if target != b"anon_inode:[pidfd]" {
        return false;
    }
    let pid = std::fs::read_to_string(format!("/proc/{tid}/fdinfo/{fd}"))
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("Pid:\t"))
                .and_then(|p| p.trim().parse::<i32>().ok())
        })
        .filter(|&p| p > 0);
    match pid {
        Some(pid) => {
            let _ = write!(out, "<pid:{pid}>");
        }
        None => out.push_str("<anon_inode:[pidfd]>"),
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_inodes_parse_strictly() {
        assert_eq!(socket_inode(b"socket:[1234]"), Some(1234));
        assert_eq!(socket_inode(b"socket:[0]"), None);
        assert_eq!(socket_inode(b"socket:[12x]"), None);
        assert_eq!(socket_inode(b"pipe:[12]"), None);
    }

    #[test]
    fn removed_files_are_marked_and_present_ones_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f (deleted)");
        let file = std::fs::File::create(&path).unwrap();
        let fd = std::os::fd::AsRawFd::as_raw_fd(&file);
        let tid = std::process::id() as i32;
        let mut out = String::new();
        annotate(&mut out, tid, fd, FdPaths::Paths, HexStrings::Escaped);
        assert_eq!(out, format!("<{}>", path.display()));
        std::fs::remove_file(&path).unwrap();
        out.clear();
        annotate(&mut out, tid, fd, FdPaths::Paths, HexStrings::Escaped);
        assert_eq!(out, format!("<{}>(deleted)", path.display()));
    }

    #[test]
    fn devices_show_their_numbers_with_yy() {
        let null = std::fs::File::open("/dev/null").unwrap();
        let fd = std::os::fd::AsRawFd::as_raw_fd(&null);
        let tid = std::process::id() as i32;
        let mut out = String::new();
        annotate(&mut out, tid, fd, FdPaths::All, HexStrings::Escaped);
        assert_eq!(out, "</dev/null<char 1:3>>");
        out.clear();
        annotate(&mut out, tid, fd, FdPaths::Paths, HexStrings::Escaped);
        assert_eq!(out, "</dev/null>");
    }
}
