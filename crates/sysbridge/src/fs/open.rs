//! Opening files: `openat(2)` and `openat2(2)`.

use core::mem::size_of;
use std::os::fd::{AsFd, OwnedFd};

use linux_raw_sys::general::{
    RESOLVE_BENEATH, RESOLVE_CACHED, RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS,
    RESOLVE_NO_XDEV, open_how,
};

use super::{CWD, Mode, OFlags};
use crate::fd::owned;
use crate::path::Arg;
use crate::{Errno, Sysno, args, raw};

/// Opens (or with [`OFlags::CREAT`], creates) the file at `path`, relative to `dirfd`,
/// and returns a new descriptor. Issues `openat(2)`; blocking.
///
/// `flags` go to the kernel exactly as given: add [`OFlags::CLOEXEC`] unless the
/// descriptor should survive `execve`. `mode` is used only with `CREAT` or `TMPFILE`
/// (and then reduced by the umask); pass [`Mode::empty()`] otherwise. Unknown flag bits
/// are ignored by `openat`; [`openat2`] rejects them.
///
/// ```
/// use sysbridge::fs::{openat, Mode, OFlags, CWD};
/// let fd = openat(CWD, "/etc/hostname", OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty()).unwrap();
/// assert_eq!(openat(&fd, "x", OFlags::RDONLY, Mode::empty()).unwrap_err(), sysbridge::Errno::ENOTDIR);
/// ```
#[inline]
pub fn openat(
    dirfd: impl AsFd,
    path: impl Arg,
    flags: OFlags,
    mode: Mode,
) -> Result<OwnedFd, Errno> {
    let dirfd = dirfd.as_fd();
    path.with_c_str(|path| {
        // SAFETY: the kernel reads the NUL-terminated `path`; the new descriptor is
        // ours. Not a `readonly` entry: `O_TRUNC` zeroes the pages of any shared
        // mapping of the file in this process.
        let ret = unsafe {
            raw::syscall4(
                Sysno::openat,
                args::fd(dirfd),
                args::ptr(path.as_ptr()),
                flags.bits() as usize,
                mode.bits() as usize,
            )
        }?;
        // SAFETY: openat has just created the descriptor `ret`.
        Ok(unsafe { owned(ret) })
    })
}

/// [`openat`] from the current directory ([`CWD`]), as `open(2)` does; the system call
/// issued is `openat(2)`; blocking.
///
/// ```
/// use sysbridge::fs::{open, Mode, OFlags};
/// assert_eq!(open("/nonexistent", OFlags::RDONLY, Mode::empty()).unwrap_err(),
///            sysbridge::Errno::ENOENT);
/// ```
#[inline]
pub fn open(path: impl Arg, flags: OFlags, mode: Mode) -> Result<OwnedFd, Errno> {
    openat(CWD, path, flags, mode)
}

bitflags::bitflags! {
    /// How [`openat2`] may resolve a path (`RESOLVE_*`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct ResolveFlags: u64 {
        /// `RESOLVE_NO_XDEV`: no crossing of mount points (`EXDEV`).
        const NO_XDEV = RESOLVE_NO_XDEV as u64;
        /// `RESOLVE_NO_MAGICLINKS`: no `/proc/*/fd`-style magic links (`ELOOP`).
        const NO_MAGICLINKS = RESOLVE_NO_MAGICLINKS as u64;
        /// `RESOLVE_NO_SYMLINKS`: no symbolic links at all (`ELOOP`).
        const NO_SYMLINKS = RESOLVE_NO_SYMLINKS as u64;
        /// `RESOLVE_BENEATH`: the path must stay beneath `dirfd`: absolute paths,
        /// `..` above it and symbolic links leading out fail with `EXDEV`.
        const BENEATH = RESOLVE_BENEATH as u64;
        /// `RESOLVE_IN_ROOT`: resolve as if `dirfd` were `/` (a chroot for this
        /// lookup): `..` and absolute paths stay inside it.
        const IN_ROOT = RESOLVE_IN_ROOT as u64;
        /// `RESOLVE_CACHED`: succeed only from the dentry cache, else `EAGAIN`.
        const CACHED = RESOLVE_CACHED as u64;
    }
}

/// What [`openat2`] opens with: the kernel's `struct open_how`.
///
/// Unlike [`openat`], `openat2` answers `EINVAL` for unknown bits in `flags` or
/// `resolve`, and for a non-zero `mode` without `CREAT` or `TMPFILE`.
///
/// ```
/// use sysbridge::fs::{OFlags, OpenHow, ResolveFlags};
/// let how = OpenHow {
///     flags: OFlags::RDONLY | OFlags::CLOEXEC,
///     resolve: ResolveFlags::BENEATH | ResolveFlags::NO_MAGICLINKS,
///     ..OpenHow::default()
/// };
/// # let _ = how;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct OpenHow {
    /// The open flags, as for [`openat`].
    pub flags: OFlags,
    /// The mode of a created file; must be empty unless `flags` has `CREAT` or
    /// `TMPFILE`.
    pub mode: Mode,
    /// Restrictions on path resolution.
    pub resolve: ResolveFlags,
}

/// Opens `path` relative to `dirfd` as `how` says, with [`ResolveFlags`] limiting the
/// lookup. Issues `openat2(2)` (Linux 5.6); blocking.
///
/// With `BENEATH` or `IN_ROOT`, a path containing `..` fails with `EAGAIN` when any
/// rename happened anywhere on the system during the lookup (the kernel cannot then
/// prove the walk stayed inside). Nothing has been opened or created at that point,
/// so the call can simply be retried; [`Dir`](crate::dir::Dir) does so.
///
/// ```
/// use sysbridge::fs::{open, openat2, Mode, OFlags, OpenHow, ResolveFlags};
/// use sysbridge::Errno;
/// let etc = open("/etc", OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty()).unwrap();
/// let how = OpenHow {
///     flags: OFlags::RDONLY | OFlags::CLOEXEC,
///     resolve: ResolveFlags::BENEATH,
///     ..OpenHow::default()
/// };
/// assert!(openat2(&etc, "hostname", &how).is_ok());
/// assert_eq!(openat2(&etc, "../etc/hostname", &how).unwrap_err(), Errno::EXDEV);
/// assert_eq!(openat2(&etc, "/etc/hostname", &how).unwrap_err(), Errno::EXDEV);
/// ```
#[inline]
pub fn openat2(dirfd: impl AsFd, path: impl Arg, how: &OpenHow) -> Result<OwnedFd, Errno> {
    let dirfd = dirfd.as_fd();
    let how = open_how {
        flags: u64::from(how.flags.bits()),
        mode: u64::from(how.mode.bits()),
        resolve: how.resolve.bits(),
    };
    path.with_c_str(|path| {
        // SAFETY: the kernel reads the NUL-terminated `path` and the `open_how` of the
        // size we pass; the new descriptor is ours. Not `readonly`: `O_TRUNC` changes
        // shared mappings of the file.
        let ret = unsafe {
            raw::syscall4(
                Sysno::openat2,
                args::fd(dirfd),
                args::ptr(path.as_ptr()),
                args::ptr(&how),
                size_of::<open_how>(),
            )
        }?;
        // SAFETY: openat2 has just created the descriptor `ret`.
        Ok(unsafe { owned(ret) })
    })
}
