//! Event counters: `eventfd2(2)`, read and written as 8-byte integers.

use std::os::fd::{AsFd, OwnedFd};

use linux_raw_sys::general::{EFD_CLOEXEC, EFD_NONBLOCK, EFD_SEMAPHORE};

use crate::{Errno, Sysno, fd, raw};

bitflags::bitflags! {
    /// Flags of [`eventfd`] (`EFD_*`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct EfdFlags: u32 {
        /// `EFD_CLOEXEC`: set `FD_CLOEXEC` on the descriptor.
        const CLOEXEC = EFD_CLOEXEC;
        /// `EFD_NONBLOCK`: a read of a zero counter fails with `EAGAIN` instead of waiting.
        const NONBLOCK = EFD_NONBLOCK;
        /// `EFD_SEMAPHORE`: a read takes 1 from the counter instead of all of it.
        const SEMAPHORE = EFD_SEMAPHORE;
    }
}

/// A new event counter starting at `initval`. Issues `eventfd2(2)`; non-blocking (no
/// hooks).
///
/// A write adds to the counter; a read returns it and resets it to zero (or takes 1,
/// with [`EfdFlags::SEMAPHORE`]); the descriptor is readable while the counter is
/// not zero, so it wakes an epoll or poll loop from another thread.
#[inline]
pub fn eventfd(initval: u32, flags: EfdFlags) -> Result<OwnedFd, Errno> {
    // SAFETY: eventfd2 reads and writes no user memory.
    let ret = unsafe {
        raw::raw_syscall2_readonly(Sysno::eventfd2, initval as usize, flags.bits() as usize)
    }?;
    // SAFETY: eventfd2 has just created the descriptor `ret`.
    Ok(unsafe { fd::owned(ret) })
}

/// Reads the counter (and resets it, or takes 1 in semaphore mode). Issues `read(2)`
/// of 8 bytes; blocking (hooks run) while the counter is zero, or `EAGAIN` with
/// [`EfdFlags::NONBLOCK`].
///
/// ```
/// use sysbridge::event::{eventfd, eventfd_read, eventfd_write, EfdFlags};
/// let efd = eventfd(2, EfdFlags::CLOEXEC | EfdFlags::SEMAPHORE).unwrap();
/// eventfd_write(&efd, 3).unwrap();
/// assert_eq!(eventfd_read(&efd), Ok(1));
/// ```
#[inline]
pub fn eventfd_read(fd: impl AsFd) -> Result<u64, Errno> {
    super::read_u64(fd)
}

/// Adds `value` to the counter. Issues `write(2)` of 8 bytes; blocking (hooks run)
/// if the sum would pass `u64::MAX - 1`, or `EAGAIN` with [`EfdFlags::NONBLOCK`].
/// `u64::MAX` itself is `EINVAL`.
#[inline]
pub fn eventfd_write(fd: impl AsFd, value: u64) -> Result<(), Errno> {
    crate::io::write(fd, &value.to_ne_bytes())?;
    Ok(())
}
