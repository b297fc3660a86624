//! The descriptor table: `close(2)`, `dup(2)`, `dup3(2)`, `fcntl(2)`, `pipe2(2)`.
//!
//! Every call that creates a descriptor returns an [`OwnedFd`]; every call that uses
//! one takes `impl AsFd`. Nothing here lets safe code close or replace a descriptor it
//! does not own: [`close`] consumes an `OwnedFd`, and [`dup3`] writes only onto an
//! `OwnedFd` borrowed mutably, which no [`BorrowedFd`](std::os::fd::BorrowedFd) can
//! outlive.
//!
//! `dup`, `dup3` and `pipe2` only edit the descriptor table and never sleep, so they go
//! through the raw entries (no hooks); `close` (which may flush, as on NFS) and `fcntl`
//! go through the hooked ones, as the table in [`raw`] lists.

use std::os::fd::{AsFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};

use linux_raw_sys::general::{
    F_DUPFD_CLOEXEC, F_GETFD, F_GETFL, F_SETFD, F_SETFL, FD_CLOEXEC, O_CLOEXEC, O_DIRECT,
    O_NONBLOCK,
};

use crate::fs::OFlags;
use crate::{Errno, Sysno, args, raw};

bitflags::bitflags! {
    /// Descriptor flags (`FD_*`), read and set with [`fcntl_getfd`] and
    /// [`fcntl_setfd`]. They belong to the descriptor, not to the open file it refers
    /// to, so a [`dup`] does not share them.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct FdFlags: u32 {
        /// `FD_CLOEXEC`: close the descriptor in the new program on `execve`.
        const CLOEXEC = FD_CLOEXEC;
    }
}

bitflags::bitflags! {
    /// Flags of [`dup3`] (`O_CLOEXEC` is the only one the kernel accepts).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct DupFlags: u32 {
        /// `O_CLOEXEC`: set [`FdFlags::CLOEXEC`] on the new descriptor.
        const CLOEXEC = O_CLOEXEC;
    }
}

bitflags::bitflags! {
    /// Flags of [`pipe2`] (`O_*` values).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct PipeFlags: u32 {
        /// `O_CLOEXEC`: set [`FdFlags::CLOEXEC`] on both ends.
        const CLOEXEC = O_CLOEXEC;
        /// `O_NONBLOCK`: reads and writes that would wait fail with `EAGAIN` instead.
        const NONBLOCK = O_NONBLOCK;
        /// `O_DIRECT`: "packet mode", each write is a packet that one read returns.
        const DIRECT = O_DIRECT;
    }
}

/// Takes ownership of a descriptor that a system call has just created (its return
/// value, or a number it wrote, as `pipe2` does).
///
/// # Safety
/// `ret` must be a descriptor that a successful call has just created and that
/// nothing else owns.
#[inline(always)]
pub(crate) unsafe fn owned(ret: usize) -> OwnedFd {
    // SAFETY: by this function's contract `ret` is a new descriptor (0..=i32::MAX,
    // never -1) that nothing else owns.
    unsafe { OwnedFd::from_raw_fd(ret as RawFd) }
}

/// Closes `fd` and returns the kernel's answer, which dropping an `OwnedFd` ignores.
/// Issues `close(2)`; blocking (it may flush, as on NFS).
///
/// The descriptor is gone whatever the result: Linux releases it before it reports a
/// deferred write error or `EINTR`, so an error must not lead to a retry (the number
/// may already belong to another thread's new file).
///
/// ```
/// let file = std::fs::File::open("/dev/null").unwrap();
/// sysbridge::fd::close(file.into()).unwrap();
/// ```
#[inline]
pub fn close(fd: OwnedFd) -> Result<(), Errno> {
    let raw = fd.into_raw_fd();
    // SAFETY: `raw` came out of an `OwnedFd` that this function consumed, so no one
    // else may use or close it; close writes no user memory.
    unsafe { raw::syscall1_readonly(Sysno::close, raw as usize) }?;
    Ok(())
}

/// A new descriptor, the lowest free number, for the same open file as `fd` (sharing
/// its offset and status flags; the new one has no [`FdFlags::CLOEXEC`]).
/// Issues `dup(2)`; non-blocking (no hooks).
///
/// ```
/// let file = std::fs::File::open("/dev/null").unwrap();
/// let copy = sysbridge::fd::dup(&file).unwrap();
/// assert_eq!(sysbridge::fd::fcntl_getfd(&copy), Ok(sysbridge::fd::FdFlags::empty()));
/// ```
#[inline]
pub fn dup(fd: impl AsFd) -> Result<OwnedFd, Errno> {
    // SAFETY: dup reads no user memory and writes none; the new descriptor is ours.
    let ret = unsafe { raw::raw_syscall1_readonly(Sysno::dup, args::fd(fd.as_fd())) }?;
    // SAFETY: dup has just created the descriptor `ret`.
    Ok(unsafe { owned(ret) })
}

/// Makes the descriptor `new` refer to the open file of `old`, keeping its number:
/// the kernel closes what `new` referred to and reuses the number, atomically.
/// Issues `dup3(2)`; non-blocking (no hooks).
///
/// `new` is an `OwnedFd` borrowed mutably, so only its owner can have its file
/// replaced, and no borrowed copy of it can observe the switch. To redirect a standard
/// stream, the caller who owns it wraps it (`OwnedFd::from_raw_fd(1)`, an `unsafe`
/// step that states that ownership). The close of the old file happens inside the
/// kernel, which ignores its errors.
///
/// Fails with `EINVAL` for flags other than [`DupFlags::CLOEXEC`]; `old` and `new`
/// cannot be the same descriptor (the borrow checker rules that out).
///
/// ```
/// use sysbridge::fd::{dup3, fcntl_getfd, DupFlags, FdFlags};
/// let null = std::fs::File::open("/dev/null").unwrap();
/// let mut zero: std::os::fd::OwnedFd = std::fs::File::open("/dev/zero").unwrap().into();
/// dup3(&null, &mut zero, DupFlags::CLOEXEC).unwrap();
/// assert_eq!(fcntl_getfd(&zero), Ok(FdFlags::CLOEXEC));
/// let mut byte = [7u8];
/// assert_eq!(sysbridge::io::read(&zero, &mut byte), Ok(0)); // now /dev/null
/// ```
#[inline]
pub fn dup3(old: impl AsFd, new: &mut OwnedFd, flags: DupFlags) -> Result<(), Errno> {
    // SAFETY: dup3 touches no user memory. It replaces the file behind `new`, which the
    // caller owns and has lent us exclusively: no borrow of it is alive, and its number
    // stays open and owned by the same `OwnedFd` after the call.
    unsafe {
        raw::raw_syscall3_readonly(
            Sysno::dup3,
            args::fd(old.as_fd()),
            args::fd(new.as_fd()),
            flags.bits() as usize,
        )
    }?;
    Ok(())
}

/// The `fcntl` commands this module issues: each takes an integer argument (or none),
/// writes no user memory, and neither closes nor replaces a descriptor.
#[derive(Clone, Copy)]
#[repr(u32)]
enum IntCmd {
    GetFd = F_GETFD,
    SetFd = F_SETFD,
    GetFl = F_GETFL,
    SetFl = F_SETFL,
    DupFdCloexec = F_DUPFD_CLOEXEC,
}

/// Issues `fcntl(fd, cmd, arg)`.
#[inline(always)]
fn fcntl_int(fd: impl AsFd, cmd: IntCmd, arg: usize) -> Result<usize, Errno> {
    // SAFETY: every `IntCmd` takes an integer argument, writes no user memory and
    // neither closes nor replaces a descriptor.
    unsafe { raw::syscall3_readonly(Sysno::fcntl, args::fd(fd.as_fd()), cmd as usize, arg) }
}

/// The descriptor flags of `fd`. Issues `fcntl(2)` with `F_GETFD`; blocking (hooked).
#[inline]
pub fn fcntl_getfd(fd: impl AsFd) -> Result<FdFlags, Errno> {
    let ret = fcntl_int(fd, IntCmd::GetFd, 0)?;
    Ok(FdFlags::from_bits_retain(ret as u32))
}

/// Sets the descriptor flags of `fd` (all of them: read, modify, write to change one).
/// Issues `fcntl(2)` with `F_SETFD`; blocking (hooked).
///
/// ```
/// use sysbridge::fd::{fcntl_getfd, fcntl_setfd, FdFlags};
/// let file = std::fs::File::open("/dev/null").unwrap(); // std sets CLOEXEC
/// fcntl_setfd(&file, FdFlags::empty()).unwrap();
/// assert_eq!(fcntl_getfd(&file), Ok(FdFlags::empty()));
/// ```
#[inline]
pub fn fcntl_setfd(fd: impl AsFd, flags: FdFlags) -> Result<(), Errno> {
    fcntl_int(fd, IntCmd::SetFd, flags.bits() as usize)?;
    Ok(())
}

/// The access mode and status flags of the open file behind `fd` (use
/// [`OFlags::access_mode`] for the mode; Linux also reports `O_LARGEFILE` on x86_64).
/// Issues `fcntl(2)` with `F_GETFL`; blocking (hooked).
#[inline]
pub fn fcntl_getfl(fd: impl AsFd) -> Result<OFlags, Errno> {
    let ret = fcntl_int(fd, IntCmd::GetFl, 0)?;
    Ok(OFlags::from_bits_retain(ret as u32))
}

/// Sets the status flags of the open file behind `fd`, shared by every descriptor of
/// it. Linux changes only `APPEND`, `ASYNC`, `DIRECT`, `NOATIME` and `NONBLOCK` and
/// ignores the other bits. Issues `fcntl(2)` with `F_SETFL`; blocking (hooked).
///
/// ```
/// use sysbridge::fd::{fcntl_getfl, fcntl_setfl};
/// use sysbridge::fs::OFlags;
/// let (reader, _writer) = sysbridge::fd::pipe2(Default::default()).unwrap();
/// let flags = fcntl_getfl(&reader).unwrap();
/// fcntl_setfl(&reader, flags | OFlags::NONBLOCK).unwrap();
/// assert_eq!(sysbridge::io::read(&reader, &mut [0; 1]), Err(sysbridge::Errno::EAGAIN));
/// ```
#[inline]
pub fn fcntl_setfl(fd: impl AsFd, flags: OFlags) -> Result<(), Errno> {
    fcntl_int(fd, IntCmd::SetFl, flags.bits() as usize)?;
    Ok(())
}

/// A new descriptor for the open file of `fd`, numbered `min_fd` or above, with
/// [`FdFlags::CLOEXEC`] set. Issues `fcntl(2)` with `F_DUPFD_CLOEXEC`; blocking
/// (hooked). `EINVAL` when `min_fd` is negative or beyond the descriptor limit.
///
/// ```
/// let file = std::fs::File::open("/dev/null").unwrap();
/// let high = sysbridge::fd::fcntl_dupfd_cloexec(&file, 100).unwrap();
/// assert!(std::os::fd::AsRawFd::as_raw_fd(&high) >= 100);
/// ```
#[inline]
pub fn fcntl_dupfd_cloexec(fd: impl AsFd, min_fd: RawFd) -> Result<OwnedFd, Errno> {
    let ret = fcntl_int(fd, IntCmd::DupFdCloexec, min_fd as usize)?;
    // SAFETY: F_DUPFD_CLOEXEC has just created the descriptor `ret`.
    Ok(unsafe { owned(ret) })
}

/// A new pipe: `(read end, write end)`. Issues `pipe2(2)`; non-blocking (no hooks).
///
/// ```
/// use sysbridge::{fd, io};
/// let (reader, writer) = fd::pipe2(fd::PipeFlags::CLOEXEC).unwrap();
/// io::write(&writer, b"hi").unwrap();
/// let mut buf = [0; 2];
/// assert_eq!(io::read(&reader, &mut buf), Ok(2));
/// assert_eq!(&buf, b"hi");
/// ```
#[inline]
pub fn pipe2(flags: PipeFlags) -> Result<(OwnedFd, OwnedFd), Errno> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: the kernel writes two ints into `fds`, which is borrowed mutably and
    // large enough.
    unsafe {
        raw::raw_syscall2(
            Sysno::pipe2,
            args::mut_ptr(fds.as_mut_ptr()),
            flags.bits() as usize,
        )
    }?;
    // SAFETY: pipe2 succeeded, so `fds[0]` is a new descriptor that we own.
    let reader = unsafe { owned(fds[0] as usize) };
    // SAFETY: and so is `fds[1]`.
    let writer = unsafe { owned(fds[1] as usize) };
    Ok((reader, writer))
}
