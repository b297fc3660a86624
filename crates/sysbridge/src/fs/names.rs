//! Names in directories: `mkdirat(2)`, `unlinkat(2)`, `renameat2(2)`, `symlinkat(2)`,
//! `readlinkat(2)`.

use core::ffi::CStr;
use std::ffi::OsString;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

use linux_raw_sys::general::{RENAME_EXCHANGE, RENAME_NOREPLACE, RENAME_WHITEOUT};

use super::{AtFlags, Mode};
use crate::path::Arg;
use crate::{Errno, Sysno, args, raw};

/// Creates the directory `path` relative to `dirfd`, with permissions `mode` less the
/// umask. Issues `mkdirat(2)`; blocking. `EEXIST` when the name exists.
///
/// ```
/// use sysbridge::fs::{mkdirat, Mode, CWD};
/// let tmp = tempfile::tempdir().unwrap();
/// let dir = tmp.path().join("d");
/// mkdirat(CWD, &dir, Mode::RWXU).unwrap();
/// assert_eq!(mkdirat(CWD, &dir, Mode::RWXU), Err(sysbridge::Errno::EEXIST));
/// ```
#[inline]
pub fn mkdirat(dirfd: impl AsFd, path: impl Arg, mode: Mode) -> Result<(), Errno> {
    let dirfd = dirfd.as_fd();
    path.with_c_str(|path| {
        // SAFETY: the kernel reads the NUL-terminated `path` and writes no user memory.
        unsafe {
            raw::syscall3_readonly(
                Sysno::mkdirat,
                args::fd(dirfd),
                args::ptr(path.as_ptr()),
                mode.bits() as usize,
            )
        }?;
        Ok(())
    })
}

/// Removes the name `path` relative to `dirfd`: a file's link, or with
/// [`AtFlags::REMOVEDIR`] an empty directory. Issues `unlinkat(2)`; blocking.
///
/// `EISDIR` for a directory without `REMOVEDIR`, `ENOTDIR` for a non-directory with
/// it, `ENOTEMPTY` for a directory with entries.
#[inline]
pub fn unlinkat(dirfd: impl AsFd, path: impl Arg, flags: AtFlags) -> Result<(), Errno> {
    let dirfd = dirfd.as_fd();
    path.with_c_str(|path| {
        // SAFETY: the kernel reads the NUL-terminated `path` and writes no user memory.
        unsafe {
            raw::syscall3_readonly(
                Sysno::unlinkat,
                args::fd(dirfd),
                args::ptr(path.as_ptr()),
                flags.bits() as usize,
            )
        }?;
        Ok(())
    })
}

bitflags::bitflags! {
    /// How [`renameat2`] renames (`RENAME_*`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct RenameFlags: u32 {
        /// `RENAME_NOREPLACE`: fail with `EEXIST` rather than replace the new name.
        const NOREPLACE = RENAME_NOREPLACE;
        /// `RENAME_EXCHANGE`: swap the two names atomically (both must exist).
        const EXCHANGE = RENAME_EXCHANGE;
        /// `RENAME_WHITEOUT`: leave a whiteout at the old name (overlay file systems;
        /// needs `CAP_MKNOD`).
        const WHITEOUT = RENAME_WHITEOUT;
    }
}

/// Renames `old` (relative to `old_dirfd`) to `new` (relative to `new_dirfd`), as
/// `flags` say; the names must be on the same file system (else `EXDEV`).
/// Issues `renameat2(2)`; blocking.
///
/// ```
/// use sysbridge::fs::{renameat2, RenameFlags, CWD};
/// let tmp = tempfile::tempdir().unwrap();
/// let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
/// std::fs::write(&a, "A").unwrap();
/// std::fs::write(&b, "B").unwrap();
/// assert_eq!(renameat2(CWD, &a, CWD, &b, RenameFlags::NOREPLACE), Err(sysbridge::Errno::EEXIST));
/// renameat2(CWD, &a, CWD, &b, RenameFlags::EXCHANGE).unwrap();
/// assert_eq!(std::fs::read_to_string(&b).unwrap(), "A");
/// ```
#[inline]
pub fn renameat2(
    old_dirfd: impl AsFd,
    old: impl Arg,
    new_dirfd: impl AsFd,
    new: impl Arg,
    flags: RenameFlags,
) -> Result<(), Errno> {
    let (old_dirfd, new_dirfd) = (old_dirfd.as_fd(), new_dirfd.as_fd());
    old.with_c_str(|old| {
        new.with_c_str(|new| {
            // SAFETY: the kernel reads the two NUL-terminated paths and writes no user
            // memory.
            unsafe {
                raw::syscall5_readonly(
                    Sysno::renameat2,
                    args::fd(old_dirfd),
                    args::ptr(old.as_ptr()),
                    args::fd(new_dirfd),
                    args::ptr(new.as_ptr()),
                    flags.bits() as usize,
                )
            }?;
            Ok(())
        })
    })
}

/// Creates the symbolic link `link_path` (relative to `dirfd`) holding `target`, which
/// is stored as given and need not exist. Issues `symlinkat(2)`; blocking.
///
/// ```
/// use sysbridge::fs::{readlinkat_path, symlinkat, CWD};
/// let tmp = tempfile::tempdir().unwrap();
/// let link = tmp.path().join("l");
/// symlinkat("no/such/target", CWD, &link).unwrap();
/// assert_eq!(readlinkat_path(CWD, &link).unwrap(), std::path::Path::new("no/such/target"));
/// ```
#[inline]
pub fn symlinkat(target: impl Arg, dirfd: impl AsFd, link_path: impl Arg) -> Result<(), Errno> {
    let dirfd = dirfd.as_fd();
    target.with_c_str(|target| {
        link_path.with_c_str(|link_path| {
            // SAFETY: the kernel reads the two NUL-terminated strings and writes no user
            // memory.
            unsafe {
                raw::syscall3_readonly(
                    Sysno::symlinkat,
                    args::ptr(target.as_ptr()),
                    args::fd(dirfd),
                    args::ptr(link_path.as_ptr()),
                )
            }?;
            Ok(())
        })
    })
}

/// `readlinkat(2)` on a path already converted.
#[inline]
fn readlinkat_c(dirfd: BorrowedFd<'_>, path: &CStr, buf: &mut [u8]) -> Result<usize, Errno> {
    // The kernel reads the size as an `int`: larger buffers are used in part.
    let len = buf.len().min(i32::MAX as usize);
    // SAFETY: the kernel reads the NUL-terminated `path` and writes at most
    // `len <= buf.len()` bytes into `buf`, which is borrowed mutably for the call.
    unsafe {
        raw::syscall4(
            Sysno::readlinkat,
            args::fd(dirfd),
            args::ptr(path.as_ptr()),
            args::mut_ptr(buf.as_mut_ptr()),
            len,
        )
    }
}

/// Reads the target of the symbolic link `path` (relative to `dirfd`) into `buf` and
/// returns its length. Issues `readlinkat(2)`; blocking.
///
/// The target is not NUL-terminated, and is cut short without an error when `buf` is
/// too small: a result equal to `buf.len()` may mean truncation (see
/// [`readlinkat_path`]). `EINVAL` when `path` is not a symbolic link or `buf` is empty.
/// With an empty `path` it reads the link `dirfd` itself refers to (opened with
/// `O_PATH | O_NOFOLLOW`); then a `dirfd` that is not a link gives `ENOENT`, not
/// `EINVAL`.
///
/// ```
/// use sysbridge::fs::{readlinkat, CWD};
/// let mut buf = [0u8; 64];
/// let n = readlinkat(CWD, "/proc/self", &mut buf).unwrap();
/// assert_eq!(&buf[..n], std::process::id().to_string().as_bytes());
/// ```
#[inline]
pub fn readlinkat(dirfd: impl AsFd, path: impl Arg, buf: &mut [u8]) -> Result<usize, Errno> {
    let dirfd = dirfd.as_fd();
    path.with_c_str(|path| readlinkat_c(dirfd, path, buf))
}

/// First buffer size of [`readlinkat_path`]: most link targets are shorter.
const READLINK_FIRST_GUESS: usize = 256;

/// The whole target of the symbolic link `path` (relative to `dirfd`), in a new
/// `PathBuf`. Issues `readlinkat(2)` once for a target shorter than 256 bytes; for a
/// longer one the buffer was too small, so it doubles the buffer and issues it again,
/// until the target fits.
#[inline]
pub fn readlinkat_path(dirfd: impl AsFd, path: impl Arg) -> Result<PathBuf, Errno> {
    let dirfd = dirfd.as_fd();
    path.with_c_str(|path| {
        let mut buf = vec![0u8; READLINK_FIRST_GUESS];
        loop {
            let len = readlinkat_c(dirfd, path, &mut buf)?;
            if len < buf.len() {
                buf.truncate(len);
                return Ok(PathBuf::from(OsString::from_vec(buf)));
            }
            buf.resize(buf.len() * 2, 0);
        }
    })
}
