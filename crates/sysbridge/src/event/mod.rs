//! Readiness and event descriptors: epoll, poll, eventfd, timerfd, inotify.
//!
//! | part | system calls |
//! |---|---|
//! | [epoll](epoll_create1) | [`epoll_create1`], [`epoll_add`], [`epoll_mod`], [`epoll_del`] (`epoll_ctl`), [`epoll_wait`], [`epoll_pwait`], [`epoll_pwait2`] |
//! | [poll](poll()) | [`poll`](poll()), [`ppoll`] |
//! | [eventfd](eventfd()) | [`eventfd`](eventfd()) (`eventfd2`), [`eventfd_read`], [`eventfd_write`] |
//! | [timerfd](timerfd_create) | [`timerfd_create`], [`timerfd_settime`], [`timerfd_gettime`], [`timerfd_read`] |
//! | [inotify](inotify_init1) | [`inotify_init1`], [`inotify_add_watch`], [`inotify_rm_watch`], and [`InotifyEvents`] over what a `read` returned |
//!
//! Setting up (creating descriptors, `epoll_ctl`, arming timers, removing watches)
//! never sleeps and goes through the raw entries; waiting (`epoll_wait` and kin,
//! `poll`, `ppoll`) and reading or writing the descriptors go through the hooked ones,
//! as does `inotify_add_watch`, which looks a path up. None retries on `EINTR`: a
//! signal handler that runs during a wait ends it with `EINTR`.
//!
//! The signal masks of [`epoll_pwait`], [`epoll_pwait2`] and [`ppoll`] are the
//! kernel's `sigset_t`, a `u64` in which bit `n - 1` stands for signal `n`.
//!
//! Not wrapped here: `epoll_create` and `epoll_ctl`'s busy-poll ioctls, `select` and
//! `pselect6` (use [`poll`](poll()) or epoll), `signalfd` (it belongs with the signal
//! family), `fanotify`, and the timerfd ioctl `TFD_IOC_SET_TICKS`.
//!
//! ```
//! use sysbridge::event::*;
//! let ep = epoll_create1(EpollCreateFlags::CLOEXEC).unwrap();
//! let efd = eventfd(0, EfdFlags::CLOEXEC | EfdFlags::NONBLOCK).unwrap();
//! epoll_add(&ep, &efd, EpollEvent::new(EpollFlags::IN, 7)).unwrap();
//! eventfd_write(&efd, 1).unwrap();
//! let mut events = [EpollEvent::default(); 4];
//! assert_eq!(epoll_wait(&ep, &mut events, -1), Ok(1));
//! assert_eq!(events[0].data(), 7);
//! assert_eq!(eventfd_read(&efd), Ok(1));
//! ```

use std::os::fd::AsFd;

use crate::Errno;

mod epoll;
mod eventfd;
mod inotify;
mod poll;
mod timerfd;

pub use self::epoll::{
    EpollCreateFlags, EpollEvent, EpollFlags, epoll_add, epoll_create1, epoll_del, epoll_mod,
    epoll_pwait, epoll_pwait2, epoll_wait,
};
pub use self::eventfd::{EfdFlags, eventfd, eventfd_read, eventfd_write};
pub use self::inotify::{
    INOTIFY_BUFFER_MIN, InotifyEvent, InotifyEvents, InotifyFlags, WatchDescriptor, WatchMask,
    inotify_add_watch, inotify_init1, inotify_rm_watch,
};
pub use self::poll::{PollFd, PollFlags, poll, ppoll};
pub use self::timerfd::{
    Itimerspec, TfdFlags, TimerFlags, timerfd_create, timerfd_gettime, timerfd_read,
    timerfd_settime,
};

/// Reads the 8-byte counter of an eventfd or timerfd: one `read(2)`, hooked.
fn read_u64(fd: impl AsFd) -> Result<u64, Errno> {
    let mut buf = [0u8; 8];
    match crate::io::read(fd, &mut buf)? {
        8 => Ok(u64::from_ne_bytes(buf)),
        _ => Err(Errno::EIO),
    }
}
