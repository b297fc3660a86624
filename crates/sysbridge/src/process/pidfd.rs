//! Process descriptors: `pidfd_open(2)`.

use std::os::fd::OwnedFd;

use linux_raw_sys::general as g;

use super::Pid;
use crate::{Errno, Sysno, fd, raw};

bitflags::bitflags! {
    /// Flags of [`pidfd_open`] (`PIDFD_*`, from `<linux/pidfd.h>`, which
    /// `linux-raw-sys` does not carry; a test compares them with libc's).
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct PidfdFlags: u32 {
        /// `PIDFD_NONBLOCK` (`O_NONBLOCK`): `waitid` on it fails with `EAGAIN` instead
        /// of waiting.
        const NONBLOCK = g::O_NONBLOCK;
        /// `PIDFD_THREAD` (`O_EXCL`, Linux 6.9): refer to the thread `pid`, not to its
        /// process.
        const THREAD = g::O_EXCL;
    }
}

/// A descriptor referring to process `pid`, with close-on-exec set: unlike the number,
/// it cannot come to mean another process once `pid` is reaped and reused. Poll it
/// for readability to learn that the process ended; wait for it with
/// [`WaitId::PidFd`](super::WaitId::PidFd) (a child only); signal it with
/// [`signal::pidfd_send_signal`](crate::signal::pidfd_send_signal). Issues
/// `pidfd_open(2)` (Linux 5.3); non-blocking (no hooks). `ESRCH` when there is no
/// such process, `EINVAL` when `pid` is not a process (a thread without
/// [`PidfdFlags::THREAD`]).
///
/// ```
/// use sysbridge::process::{getpid, pidfd_open, PidfdFlags};
/// let me = pidfd_open(getpid(), PidfdFlags::empty()).unwrap();
/// sysbridge::signal::pidfd_send_signal(&me, sysbridge::signal::Signal::from_raw(0)).unwrap();
/// ```
pub fn pidfd_open(pid: Pid, flags: PidfdFlags) -> Result<OwnedFd, Errno> {
    // SAFETY: pidfd_open reads and writes no memory; the descriptor it returns is new.
    let ret = unsafe {
        raw::raw_syscall2_readonly(
            Sysno::pidfd_open,
            pid.as_raw() as usize,
            flags.bits() as usize,
        )
    }?;
    // SAFETY: pidfd_open has just created the descriptor `ret`.
    Ok(unsafe { fd::owned(ret) })
}
