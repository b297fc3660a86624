//! Timers as descriptors: `timerfd_create(2)`, `timerfd_settime(2)`,
//! `timerfd_gettime(2)`, and reading the expiration count.

use core::mem::size_of;
use std::os::fd::{AsFd, OwnedFd};

use linux_raw_sys::general::{
    __kernel_itimerspec, TFD_CLOEXEC, TFD_NONBLOCK, TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET,
};

use crate::time::{ClockId, Timespec};
use crate::{Errno, Sysno, args, fd, raw};

bitflags::bitflags! {
    /// Flags of [`timerfd_create`] (`TFD_*`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct TfdFlags: u32 {
        /// `TFD_CLOEXEC`: set `FD_CLOEXEC` on the descriptor.
        const CLOEXEC = TFD_CLOEXEC;
        /// `TFD_NONBLOCK`: a read before expiry fails with `EAGAIN` instead of waiting.
        const NONBLOCK = TFD_NONBLOCK;
    }
}

bitflags::bitflags! {
    /// Flags of [`timerfd_settime`] (`TFD_TIMER_*`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct TimerFlags: u32 {
        /// `TFD_TIMER_ABSTIME`: `value` is a time on the timer's clock, not a delay.
        const ABSTIME = TFD_TIMER_ABSTIME;
        /// `TFD_TIMER_CANCEL_ON_SET`: with `ABSTIME` on a realtime clock, a read fails
        /// with `ECANCELED` when the clock is set.
        const CANCEL_ON_SET = TFD_TIMER_CANCEL_ON_SET;
    }
}

/// A timer setting (`struct itimerspec`): the first expiry and the period.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Itimerspec {
    /// `it_interval`: the period after the first expiry (zero: expire once).
    pub interval: Timespec,
    /// `it_value`: the first expiry, a delay or (with [`TimerFlags::ABSTIME`]) a time;
    /// zero disarms the timer.
    pub value: Timespec,
}

const _: () = assert!(size_of::<Itimerspec>() == size_of::<__kernel_itimerspec>());

/// A new, disarmed timer on `clock` ([`ClockId::Realtime`], [`ClockId::Monotonic`] or
/// [`ClockId::Boottime`]; other clocks are `EINVAL`). Issues `timerfd_create(2)`;
/// non-blocking (no hooks).
#[inline]
pub fn timerfd_create(clock: ClockId, flags: TfdFlags) -> Result<OwnedFd, Errno> {
    // SAFETY: timerfd_create reads and writes no user memory.
    let ret = unsafe {
        raw::raw_syscall2_readonly(Sysno::timerfd_create, clock as usize, flags.bits() as usize)
    }?;
    // SAFETY: timerfd_create has just created the descriptor `ret`.
    Ok(unsafe { fd::owned(ret) })
}

/// Arms (or, with a zero `value`, disarms) the timer and returns its previous setting,
/// as time left. Issues `timerfd_settime(2)`; non-blocking (no hooks).
///
/// ```
/// use sysbridge::event::{timerfd_create, timerfd_read, timerfd_settime, Itimerspec, TfdFlags, TimerFlags};
/// use sysbridge::time::{ClockId, Timespec};
/// let t = timerfd_create(ClockId::Monotonic, TfdFlags::CLOEXEC).unwrap();
/// let soon = Itimerspec { value: Timespec { tv_sec: 0, tv_nsec: 1_000_000 }, ..Default::default() };
/// timerfd_settime(&t, TimerFlags::empty(), &soon).unwrap();
/// assert_eq!(timerfd_read(&t), Ok(1));
/// ```
#[inline]
pub fn timerfd_settime(
    fd: impl AsFd,
    flags: TimerFlags,
    new: &Itimerspec,
) -> Result<Itimerspec, Errno> {
    let mut old = Itimerspec::default();
    // SAFETY: the kernel reads `*new` and writes `old`; both have the layout of
    // `struct __kernel_itimerspec`.
    unsafe {
        raw::raw_syscall4(
            Sysno::timerfd_settime,
            args::fd(fd.as_fd()),
            flags.bits() as usize,
            args::ptr(new),
            args::mut_ptr(&mut old),
        )
    }?;
    Ok(old)
}

/// The timer's setting: time left to the next expiry (zero if disarmed) and period.
/// Issues `timerfd_gettime(2)`; non-blocking (no hooks).
#[inline]
pub fn timerfd_gettime(fd: impl AsFd) -> Result<Itimerspec, Errno> {
    let mut cur = Itimerspec::default();
    // SAFETY: the kernel writes `cur`, which has the layout of `struct
    // __kernel_itimerspec`.
    unsafe {
        raw::raw_syscall2(
            Sysno::timerfd_gettime,
            args::fd(fd.as_fd()),
            args::mut_ptr(&mut cur),
        )
    }?;
    Ok(cur)
}

/// The number of expirations since the last read (at least 1), resetting it. Issues
/// `read(2)` of 8 bytes; blocking (hooks run) until the next expiry, or `EAGAIN` with
/// [`TfdFlags::NONBLOCK`].
#[inline]
pub fn timerfd_read(fd: impl AsFd) -> Result<u64, Errno> {
    super::read_u64(fd)
}
