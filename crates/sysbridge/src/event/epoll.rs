//! epoll: `epoll_create1(2)`, `epoll_ctl(2)`, `epoll_wait(2)`, `epoll_pwait(2)` and
//! `epoll_pwait2(2)`.

use core::fmt;
use core::mem::{offset_of, size_of};
use std::os::fd::{AsFd, OwnedFd};

use linux_raw_sys::general::{
    EPOLL_CLOEXEC, EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD, EPOLLERR, EPOLLET, EPOLLEXCLUSIVE,
    EPOLLHUP, EPOLLIN, EPOLLMSG, EPOLLONESHOT, EPOLLOUT, EPOLLPRI, EPOLLRDBAND, EPOLLRDHUP,
    EPOLLRDNORM, EPOLLWAKEUP, EPOLLWRBAND, EPOLLWRNORM, epoll_event,
};

use crate::time::Timespec;
use crate::{Errno, Sysno, args, fd, raw};

bitflags::bitflags! {
    /// Flags of [`epoll_create1`].
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct EpollCreateFlags: u32 {
        /// `EPOLL_CLOEXEC`: set `FD_CLOEXEC` on the new descriptor.
        const CLOEXEC = EPOLL_CLOEXEC;
    }
}

bitflags::bitflags! {
    /// What an [`EpollEvent`] asks for or reports (`EPOLL*`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct EpollFlags: u32 {
        /// `EPOLLIN`: readable (or a connection to accept).
        const IN = EPOLLIN;
        /// `EPOLLPRI`: urgent data or an exceptional condition.
        const PRI = EPOLLPRI;
        /// `EPOLLOUT`: writable.
        const OUT = EPOLLOUT;
        /// `EPOLLERR` (always reported): an error is pending.
        const ERR = EPOLLERR;
        /// `EPOLLHUP` (always reported): hung up; for a socket, both directions shut.
        const HUP = EPOLLHUP;
        /// `EPOLLRDNORM`: normal data readable.
        const RDNORM = EPOLLRDNORM;
        /// `EPOLLRDBAND`: priority data readable.
        const RDBAND = EPOLLRDBAND;
        /// `EPOLLWRNORM`: normal data writable.
        const WRNORM = EPOLLWRNORM;
        /// `EPOLLWRBAND`: priority data writable.
        const WRBAND = EPOLLWRBAND;
        /// `EPOLLMSG`: unused by Linux.
        const MSG = EPOLLMSG;
        /// `EPOLLRDHUP`: the stream peer shut its writing half (sent FIN).
        const RDHUP = EPOLLRDHUP;
        /// `EPOLLEXCLUSIVE` (with `ADD` only): when several epoll instances wait on
        /// the same descriptor, wake one or more of them rather than all.
        const EXCLUSIVE = EPOLLEXCLUSIVE;
        /// `EPOLLWAKEUP`: keep the system from suspending while the event is pending
        /// (needs `CAP_BLOCK_SUSPEND`; silently ignored without it).
        const WAKEUP = EPOLLWAKEUP;
        /// `EPOLLONESHOT`: report one event, then disable the descriptor until
        /// [`epoll_mod`] re-arms it.
        const ONESHOT = EPOLLONESHOT;
        /// `EPOLLET`: edge-triggered: report a change of readiness once, rather than
        /// for as long as the descriptor is ready; read or write until `EAGAIN`.
        const ET = EPOLLET;
    }
}

/// An event to register or one reported (`struct epoll_event`, packed on x86_64):
/// the flags and 64 bits of user data, returned as given.
#[repr(C, packed)]
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct EpollEvent {
    events: u32,
    data: u64,
}

const _: () = {
    assert!(size_of::<EpollEvent>() == size_of::<epoll_event>());
    assert!(offset_of!(EpollEvent, events) == offset_of!(epoll_event, events));
    assert!(offset_of!(EpollEvent, data) == offset_of!(epoll_event, data));
};

impl EpollEvent {
    /// An event with `flags` and `data`.
    pub const fn new(flags: EpollFlags, data: u64) -> EpollEvent {
        EpollEvent {
            events: flags.bits(),
            data,
        }
    }

    /// The flags (every bit the kernel set, named or not).
    pub const fn flags(&self) -> EpollFlags {
        EpollFlags::from_bits_retain(self.events)
    }

    /// The user data.
    pub const fn data(&self) -> u64 {
        self.data
    }
}

impl fmt::Debug for EpollEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EpollEvent")
            .field("flags", &self.flags())
            .field("data", &self.data())
            .finish()
    }
}

/// A new epoll instance. Issues `epoll_create1(2)`; non-blocking (no hooks).
#[inline]
pub fn epoll_create1(flags: EpollCreateFlags) -> Result<OwnedFd, Errno> {
    // SAFETY: epoll_create1 reads and writes no user memory.
    let ret = unsafe { raw::raw_syscall1_readonly(Sysno::epoll_create1, flags.bits() as usize) }?;
    // SAFETY: epoll_create1 has just created the descriptor `ret`.
    Ok(unsafe { fd::owned(ret) })
}

/// Issues `epoll_ctl(epfd, op, fd, event)`.
#[inline(always)]
fn ctl(epfd: impl AsFd, op: u32, fd: impl AsFd, event: Option<&EpollEvent>) -> Result<(), Errno> {
    let event = event.map_or(0, |e| args::ptr(e));
    // SAFETY: the kernel reads the event, if any, and writes no user memory.
    unsafe {
        raw::raw_syscall4_readonly(
            Sysno::epoll_ctl,
            args::fd(epfd.as_fd()),
            op as usize,
            args::fd(fd.as_fd()),
            event,
        )
    }?;
    Ok(())
}

/// Adds `fd` to the interest list of `epfd` (`EEXIST` if it is there). Issues
/// `epoll_ctl(2)` with `EPOLL_CTL_ADD`; non-blocking (no hooks).
///
/// The interest belongs to the open file, not the descriptor number: it lasts until
/// [`epoll_del`] or until every descriptor of the file is closed.
#[inline]
pub fn epoll_add(epfd: impl AsFd, fd: impl AsFd, event: EpollEvent) -> Result<(), Errno> {
    ctl(epfd, EPOLL_CTL_ADD, fd, Some(&event))
}

/// Changes the event registered for `fd` (`ENOENT` if not registered; re-arms an
/// [`EpollFlags::ONESHOT`] one). Issues `epoll_ctl(2)` with `EPOLL_CTL_MOD`;
/// non-blocking (no hooks).
#[inline]
pub fn epoll_mod(epfd: impl AsFd, fd: impl AsFd, event: EpollEvent) -> Result<(), Errno> {
    ctl(epfd, EPOLL_CTL_MOD, fd, Some(&event))
}

/// Removes `fd` from the interest list. Issues `epoll_ctl(2)` with `EPOLL_CTL_DEL`;
/// non-blocking (no hooks).
#[inline]
pub fn epoll_del(epfd: impl AsFd, fd: impl AsFd) -> Result<(), Errno> {
    ctl(epfd, EPOLL_CTL_DEL, fd, None)
}

/// `maxevents` for a slice: `EINVAL` when empty, as the kernel says; capped at
/// `i32::MAX`.
fn max_events(events: &[EpollEvent]) -> usize {
    events.len().min(i32::MAX as usize)
}

/// Waits up to `timeout_ms` milliseconds (`-1`: forever, `0`: not at all) for events,
/// writes them at the start of `events` and returns how many. Issues `epoll_wait(2)`;
/// blocking (hooks run).
#[inline]
pub fn epoll_wait(
    epfd: impl AsFd,
    events: &mut [EpollEvent],
    timeout_ms: i32,
) -> Result<usize, Errno> {
    // SAFETY: the kernel writes at most `max_events` events into `events`, borrowed
    // mutably; `EpollEvent` has the layout of `struct epoll_event`.
    unsafe {
        raw::syscall4(
            Sysno::epoll_wait,
            args::fd(epfd.as_fd()),
            args::mut_ptr(events.as_mut_ptr()),
            max_events(events),
            timeout_ms as usize,
        )
    }
}

/// Like [`epoll_wait`], with the signal mask `sigmask` in force during the wait
/// (atomically). Issues `epoll_pwait(2)`; blocking (hooks run).
#[inline]
pub fn epoll_pwait(
    epfd: impl AsFd,
    events: &mut [EpollEvent],
    timeout_ms: i32,
    sigmask: Option<&u64>,
) -> Result<usize, Errno> {
    pwait(
        Sysno::epoll_pwait,
        epfd,
        events,
        timeout_ms as usize,
        sigmask,
    )
}

/// Like [`epoll_pwait`] with a nanosecond timeout (`None`: forever). Issues
/// `epoll_pwait2(2)` (Linux 5.11); blocking (hooks run).
#[inline]
pub fn epoll_pwait2(
    epfd: impl AsFd,
    events: &mut [EpollEvent],
    timeout: Option<&Timespec>,
    sigmask: Option<&u64>,
) -> Result<usize, Errno> {
    let timeout = timeout.map_or(0, |t| args::ptr(t));
    pwait(Sysno::epoll_pwait2, epfd, events, timeout, sigmask)
}

/// Issues `epoll_pwait` or `epoll_pwait2`, whose timeout argument is an int or a
/// pointer to a timespec (valid while the caller borrows it).
#[inline(always)]
fn pwait(
    nr: Sysno,
    epfd: impl AsFd,
    events: &mut [EpollEvent],
    timeout: usize,
    sigmask: Option<&u64>,
) -> Result<usize, Errno> {
    // SAFETY: the kernel writes at most `max_events` events into `events`, borrowed
    // mutably (`EpollEvent` has the layout of `struct epoll_event`); it reads the
    // 8-byte mask, if any, and the timeout: an int, or a `Timespec` (the layout of
    // `struct __kernel_timespec`) the caller borrows.
    unsafe {
        raw::syscall6(
            nr,
            args::fd(epfd.as_fd()),
            args::mut_ptr(events.as_mut_ptr()),
            max_events(events),
            timeout,
            sigmask.map_or(0, |m| args::ptr(m)),
            size_of::<u64>(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_event_lists_are_einval() {
        let ep = epoll_create1(EpollCreateFlags::CLOEXEC).unwrap();
        assert_eq!(epoll_wait(&ep, &mut [], 0), Err(Errno::EINVAL));
        let none = Timespec::default();
        assert_eq!(
            epoll_pwait2(&ep, &mut [], Some(&none), None),
            Err(Errno::EINVAL)
        );
    }
}
