//! Permissions: `fchmod(2)` sets them, `faccessat(2)` and `faccessat2(2)` check them.

use core::ffi::CStr;
use std::os::fd::AsFd;

use linux_raw_sys::general::{R_OK, W_OK, X_OK};

use super::{AtFlags, Mode};
use crate::path::Arg;
use crate::{Errno, Sysno, args, raw};

/// Sets the permission bits of the file `fd` refers to. Issues `fchmod(2)`; blocking.
///
/// ```
/// use sysbridge::fs::{fchmod, fstat, Mode};
/// let file = tempfile::tempfile().unwrap();
/// fchmod(&file, Mode::RUSR).unwrap();
/// assert_eq!(fstat(&file).unwrap().permissions(), Mode::RUSR);
/// ```
#[inline]
pub fn fchmod(fd: impl AsFd, mode: Mode) -> Result<(), Errno> {
    // SAFETY: fchmod touches no user memory.
    unsafe { raw::syscall2_readonly(Sysno::fchmod, args::fd(fd.as_fd()), mode.bits() as usize) }?;
    Ok(())
}

bitflags::bitflags! {
    /// What [`faccessat`] checks: `R_OK`, `W_OK`, `X_OK`; no flags (`F_OK`) checks
    /// only that the file exists.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct Access: u32 {
        /// `R_OK`: may read.
        const READ = R_OK;
        /// `W_OK`: may write.
        const WRITE = W_OK;
        /// `X_OK`: may execute (or search, for a directory).
        const EXEC = X_OK;
    }
}

/// Issues `faccessat2(2)`, or `faccessat(2)` when `flags` is `None`, on a converted
/// path.
#[inline]
fn access(
    dirfd: impl AsFd,
    path: &CStr,
    access: Access,
    flags: Option<AtFlags>,
) -> Result<(), Errno> {
    let (nr, flags) = match flags {
        Some(flags) => (Sysno::faccessat2, flags.bits()),
        None => (Sysno::faccessat, 0),
    };
    // SAFETY: the kernel reads the NUL-terminated `path` and writes no user memory
    // (faccessat ignores the fourth register).
    unsafe {
        raw::syscall4_readonly(
            nr,
            args::fd(dirfd.as_fd()),
            args::ptr(path.as_ptr()),
            access.bits() as usize,
            flags as usize,
        )
    }?;
    Ok(())
}

/// Whether this process may access the file `path` (relative to `dirfd`) as `access`
/// says, judged with its *real* user and group ids, following symbolic links: `Ok(())`
/// or the reason (`EACCES`, `ENOENT`, `EROFS`…). Issues `faccessat(2)`, the
/// three-argument system call (which has no flags); blocking.
///
/// ```
/// use sysbridge::fs::{faccessat, Access, CWD};
/// assert_eq!(faccessat(CWD, "/etc/hostname", Access::empty()), Ok(()));
/// assert_eq!(faccessat(CWD, "/nonexistent", Access::empty()), Err(sysbridge::Errno::ENOENT));
/// ```
#[inline]
pub fn faccessat(dirfd: impl AsFd, path: impl Arg, access: Access) -> Result<(), Errno> {
    path.with_c_str(|path| self::access(dirfd, path, access, None))
}

/// [`faccessat`] with `flags`: [`AtFlags::EACCESS`] (judge with the effective ids),
/// [`AtFlags::SYMLINK_NOFOLLOW`] (check a symbolic link itself) and
/// [`AtFlags::EMPTY_PATH`]; `EINVAL` for others. Issues `faccessat2(2)` (Linux 5.8);
/// blocking.
#[inline]
pub fn faccessat2(
    dirfd: impl AsFd,
    path: impl Arg,
    access: Access,
    flags: AtFlags,
) -> Result<(), Errno> {
    path.with_c_str(|path| self::access(dirfd, path, access, Some(flags)))
}
