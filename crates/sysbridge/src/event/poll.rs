//! `poll(2)` and `ppoll(2)`.

use core::marker::PhantomData;
use core::mem::size_of;
use std::os::fd::{AsRawFd, BorrowedFd};

use linux_raw_sys::general::{
    POLLERR, POLLHUP, POLLIN, POLLMSG, POLLNVAL, POLLOUT, POLLPRI, POLLRDBAND, POLLRDHUP,
    POLLRDNORM, POLLWRBAND, POLLWRNORM, pollfd,
};

use crate::time::Timespec;
use crate::{Errno, Sysno, args, raw};

bitflags::bitflags! {
    /// What a [`PollFd`] asks for or reports (`POLL*`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct PollFlags: u16 {
        /// `POLLIN`: readable.
        const IN = POLLIN as u16;
        /// `POLLPRI`: urgent data or an exceptional condition.
        const PRI = POLLPRI as u16;
        /// `POLLOUT`: writable.
        const OUT = POLLOUT as u16;
        /// `POLLERR` (reported only): an error is pending.
        const ERR = POLLERR as u16;
        /// `POLLHUP` (reported only): hung up.
        const HUP = POLLHUP as u16;
        /// `POLLNVAL` (reported only): the descriptor is not open.
        const NVAL = POLLNVAL as u16;
        /// `POLLRDNORM`: normal data readable.
        const RDNORM = POLLRDNORM as u16;
        /// `POLLRDBAND`: priority data readable.
        const RDBAND = POLLRDBAND as u16;
        /// `POLLWRNORM`: normal data writable.
        const WRNORM = POLLWRNORM as u16;
        /// `POLLWRBAND`: priority data writable.
        const WRBAND = POLLWRBAND as u16;
        /// `POLLMSG`: unused by Linux.
        const MSG = POLLMSG as u16;
        /// `POLLRDHUP`: the stream peer shut its writing half.
        const RDHUP = POLLRDHUP as u16;
    }
}

/// One descriptor to poll (`struct pollfd`), borrowed for as long as the entry lives.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct PollFd<'fd> {
    fd: i32,
    events: u16,
    revents: u16,
    _fd: PhantomData<BorrowedFd<'fd>>,
}

const _: () = assert!(size_of::<PollFd<'static>>() == size_of::<pollfd>());

impl<'fd> PollFd<'fd> {
    /// Polls `fd` for `events`.
    pub fn new(fd: BorrowedFd<'fd>, events: PollFlags) -> PollFd<'fd> {
        PollFd {
            fd: fd.as_raw_fd(),
            events: events.bits(),
            revents: 0,
            _fd: PhantomData,
        }
    }

    /// What the last [`poll`] or [`ppoll`] reported for this entry.
    pub fn revents(&self) -> PollFlags {
        PollFlags::from_bits_retain(self.revents)
    }
}

/// Waits up to `timeout_ms` milliseconds (`-1`: forever) until one of `fds` is ready,
/// fills their [`PollFd::revents`] and returns how many entries have some. Issues
/// `poll(2)`; blocking (hooks run).
///
/// ```
/// use sysbridge::event::{poll, PollFd, PollFlags};
/// use std::os::fd::AsFd;
/// let (r, w) = sysbridge::fd::pipe2(Default::default()).unwrap();
/// let mut fds = [PollFd::new(r.as_fd(), PollFlags::IN), PollFd::new(w.as_fd(), PollFlags::OUT)];
/// assert_eq!(poll(&mut fds, 0), Ok(1));
/// assert_eq!(fds[1].revents(), PollFlags::OUT);
/// ```
#[inline]
pub fn poll(fds: &mut [PollFd<'_>], timeout_ms: i32) -> Result<usize, Errno> {
    // SAFETY: the kernel reads and writes `fds.len()` entries of `fds`, borrowed
    // mutably; `PollFd` has the layout of `struct pollfd`.
    unsafe {
        raw::syscall3(
            Sysno::poll,
            args::mut_ptr(fds.as_mut_ptr()),
            fds.len(),
            timeout_ms as usize,
        )
    }
}

/// Like [`poll`] with a nanosecond timeout (`None`: forever) and the signal mask
/// `sigmask` in force during the wait. Issues `ppoll(2)`; blocking (hooks run).
///
/// The kernel writes the time left back into its copy of the timeout, not into
/// `timeout`.
#[inline]
pub fn ppoll(
    fds: &mut [PollFd<'_>],
    timeout: Option<&Timespec>,
    sigmask: Option<&u64>,
) -> Result<usize, Errno> {
    // A copy: ppoll writes the time left into the timespec it is given.
    let mut left = timeout.copied();
    // SAFETY: as for `poll`; the kernel also reads and writes the copied timespec,
    // if any, and reads the 8-byte mask, if any.
    unsafe {
        raw::syscall5(
            Sysno::ppoll,
            args::mut_ptr(fds.as_mut_ptr()),
            fds.len(),
            left.as_mut().map_or(0, |t| args::mut_ptr(t)),
            sigmask.map_or(0, |m| args::ptr(m)),
            size_of::<u64>(),
        )
    }
}
