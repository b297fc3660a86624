//! [`Child`]: a started process, held by its pidfd.

use std::mem::ManuallyDrop;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::{Mutex, PoisonError};

use super::{ChildState, Pid, WaitId, WaitOptions, waitid};
use crate::Errno;
use crate::signal::{self, Signal};

/// A child process started by [`Spawn`](super::Spawn), held by a pidfd: waiting for
/// it and signalling it cannot reach another process that reused its number.
///
/// # Dropping
///
/// `std::process::Child` does nothing when dropped: a child that ends after its
/// handle is gone stays a zombie until the parent exits. Ours does not leave one
/// behind: dropping reaps the child if it has ended, and otherwise keeps its pidfd in
/// a list that every later [`Spawn::spawn`](super::Spawn::spawn) and drop of a
/// `Child` checks (one `waitid(WNOHANG)` each), reaping those that have ended since,
/// as Python's `subprocess` does. It never kills nor waits for a running child. A
/// process that waits for any child itself (`wait4(-1)`, an init) reaps them first,
/// which is harmless. [`into_pidfd`](Child::into_pidfd) takes the child out of this
/// care.
#[derive(Debug)]
pub struct Child {
    pid: Pid,
    /// Taken out only by `into_pidfd` and `drop`, which end the value.
    pidfd: ManuallyDrop<OwnedFd>,
    /// How it ended, once reaped.
    ended: Option<ChildState>,
}

/// The pidfds of children dropped while running, to be reaped once they end.
static DROPPED: Mutex<Vec<OwnedFd>> = Mutex::new(Vec::new());

/// Reaps the dropped children that have ended, without waiting.
pub(super) fn reap_dropped() {
    let mut dropped = DROPPED.lock().unwrap_or_else(PoisonError::into_inner);
    dropped.retain(|pidfd| matches!(try_reap(pidfd.as_fd()), Ok(None)));
}

/// `waitid(P_PIDFD, WEXITED | WNOHANG)`.
fn try_reap(pidfd: BorrowedFd<'_>) -> Result<Option<ChildState>, Errno> {
    let event = waitid(
        WaitId::PidFd(pidfd),
        WaitOptions::EXITED | WaitOptions::NOHANG,
    )?;
    Ok(event.map(|e| e.state))
}

impl Child {
    pub(super) fn new(pid: Pid, pidfd: OwnedFd) -> Child {
        Child {
            pid,
            pidfd: ManuallyDrop::new(pidfd),
            ended: None,
        }
    }

    /// The child's process id (valid for `kill` and `/proc` until it is reaped).
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// Waits for the child to end and returns how it did ([`ChildState::Exited`] or
    /// [`ChildState::Killed`]), reaping it; later calls return the same. Issues
    /// `waitid(P_PIDFD, WEXITED)` (Linux 5.4), again when a signal handler interrupts
    /// it; blocking. `ECHILD` when someone else reaped it.
    pub fn wait(&mut self) -> Result<ChildState, Errno> {
        if let Some(state) = self.ended {
            return Ok(state);
        }
        loop {
            match waitid(WaitId::PidFd(self.pidfd.as_fd()), WaitOptions::EXITED) {
                Ok(Some(event)) => {
                    self.ended = Some(event.state);
                    return Ok(event.state);
                }
                Ok(None) | Err(Errno::EINTR) => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// How the child ended if it has, reaping it; `None` while it runs. Issues
    /// `waitid(P_PIDFD, WEXITED | WNOHANG)` until it has ended; non-waiting.
    pub fn try_wait(&mut self) -> Result<Option<ChildState>, Errno> {
        if self.ended.is_none() {
            self.ended = try_reap(self.pidfd.as_fd())?;
        }
        Ok(self.ended)
    }

    /// Sends `sig` to the child. Issues `pidfd_send_signal(2)`; non-blocking. `ESRCH`
    /// once it has ended (reaped or not).
    pub fn signal(&self, sig: Signal) -> Result<(), Errno> {
        signal::pidfd_send_signal(self.pidfd.as_fd(), sig)
    }

    /// Sends `SIGKILL` to the child: [`signal`](Child::signal) with `SIGKILL`.
    pub fn kill(&self) -> Result<(), Errno> {
        self.signal(Signal::SIGKILL)
    }

    /// The pidfd, for the caller to wait on, poll or signal; dropping it no longer
    /// reaps the child, which is the caller's to wait for.
    pub fn into_pidfd(self) -> OwnedFd {
        let mut this = ManuallyDrop::new(self);
        // SAFETY: `this` is never dropped, so its descriptor is taken exactly once.
        unsafe { ManuallyDrop::take(&mut this.pidfd) }
    }
}

impl AsFd for Child {
    /// The pidfd.
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.pidfd.as_fd()
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        // SAFETY: the value ends here; nothing reads the field after this.
        let pidfd = unsafe { ManuallyDrop::take(&mut self.pidfd) };
        reap_dropped();
        if self.ended.is_none() && matches!(try_reap(pidfd.as_fd()), Ok(None)) {
            DROPPED
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(pidfd);
        }
    }
}
