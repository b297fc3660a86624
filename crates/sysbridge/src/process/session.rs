//! Sessions and process groups: `setsid(2)`, `getsid(2)`, `setpgid(2)`,
//! `getpgid(2)`. None can block, so all go through the raw entries.
//!
//! `None` for a process argument means the calling process (the kernel's 0).

use super::Pid;
use crate::{Errno, Sysno, raw};

fn raw_pid(pid: Option<Pid>) -> usize {
    pid.map_or(0, Pid::as_raw) as usize
}

/// Makes the calling process the leader of a new session and of a new process group,
/// both numbered as its id, with no controlling terminal; returns that id. Issues
/// `setsid(2)`; non-blocking (no hooks). `EPERM` when the caller already leads a
/// process group (a child made for the purpose never does: see
/// [`Spawn::setsid`](super::Spawn::setsid)).
pub fn setsid() -> Result<Pid, Errno> {
    // SAFETY: setsid reads and writes no memory.
    let sid = unsafe { raw::raw_syscall0_readonly(Sysno::setsid) }?;
    Ok(Pid::from_raw(sid as i32))
}

/// The session id of `pid` (`None`: the caller). Issues `getsid(2)`; non-blocking (no
/// hooks). `ESRCH` when there is no such process.
///
/// ```
/// use sysbridge::process::getsid;
/// assert_eq!(getsid(None), getsid(Some(sysbridge::process::getpid())));
/// ```
pub fn getsid(pid: Option<Pid>) -> Result<Pid, Errno> {
    // SAFETY: getsid reads and writes no memory.
    let sid = unsafe { raw::raw_syscall1_readonly(Sysno::getsid, raw_pid(pid)) }?;
    Ok(Pid::from_raw(sid as i32))
}

/// Moves `pid` (`None`: the caller; else a child that has not yet called `execve`)
/// into the process group `pgid` of the same session (`None`: a new group numbered as
/// `pid`). Issues `setpgid(2)`; non-blocking (no hooks). `EACCES` for a child that
/// has already called `execve`, `EPERM` across sessions or for a session leader.
pub fn setpgid(pid: Option<Pid>, pgid: Option<Pid>) -> Result<(), Errno> {
    // SAFETY: setpgid reads and writes no memory.
    unsafe { raw::raw_syscall2_readonly(Sysno::setpgid, raw_pid(pid), raw_pid(pgid)) }?;
    Ok(())
}

/// The process group of `pid` (`None`: the caller). Issues `getpgid(2)`;
/// non-blocking (no hooks).
///
/// ```
/// use sysbridge::process::getpgid;
/// let mine = getpgid(None).unwrap();
/// assert_eq!(sysbridge::signal::kill(sysbridge::process::Pid::from_raw(-mine.as_raw()),
///            sysbridge::signal::Signal::from_raw(0)), Ok(()));
/// ```
pub fn getpgid(pid: Option<Pid>) -> Result<Pid, Errno> {
    // SAFETY: getpgid reads and writes no memory.
    let pgid = unsafe { raw::raw_syscall1_readonly(Sysno::getpgid, raw_pid(pid)) }?;
    Ok(Pid::from_raw(pgid as i32))
}
