//! Waiting for children: `wait4(2)` (with resource usage) and `waitid(2)`.

use linux_raw_sys::general as g;

use super::Pid;
use crate::signal::{Siginfo, Signal};
use crate::time::Timeval;
use crate::{Errno, Sysno, args, raw};

bitflags::bitflags! {
    /// Options of [`wait4`] and [`waitid`] (`W*`).
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct WaitOptions: u32 {
        /// `WNOHANG`: return at once when no child has changed state.
        const NOHANG = g::WNOHANG;
        /// `WSTOPPED` (`WUNTRACED`): report stopped children too.
        const STOPPED = g::WSTOPPED;
        /// `WEXITED`: report children that ended ([`waitid`] needs it to).
        const EXITED = g::WEXITED;
        /// `WCONTINUED`: report stopped children resumed by `SIGCONT`.
        const CONTINUED = g::WCONTINUED;
        /// `WNOWAIT`: leave the child waitable ([`waitid`] only).
        const NOWAIT = g::WNOWAIT;
        /// `__WALL`: wait for every child, threads and clones included.
        const ALL = g::__WALL;
        /// `__WCLONE`: wait only for clone children (not reporting `SIGCHLD`).
        const CLONE = g::__WCLONE;
        /// `__WNOTHREAD`: not for children of other threads of this process.
        const NOTHREAD = g::__WNOTHREAD;
    }
}

/// Which children [`wait4`] waits for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum WaitFor {
    /// Any child (`-1`).
    Any,
    /// This child.
    Pid(Pid),
    /// Any child in this process group (`-pgid`).
    Group(Pid),
    /// Any child in our own process group (`0`).
    OwnGroup,
}

impl WaitFor {
    fn raw(self) -> i32 {
        match self {
            WaitFor::Any => -1,
            WaitFor::Pid(p) => p.as_raw(),
            WaitFor::Group(p) => -p.as_raw(),
            WaitFor::OwnGroup => 0,
        }
    }
}

/// A child's new state as `wait4(2)` reports it: the `int` status word, read with
/// the C macros' logic.
///
/// ```
/// use sysbridge::process::WaitStatus;
/// let exited = WaitStatus::from_raw(3 << 8);
/// assert_eq!(exited.exit_code(), Some(3));
/// assert_eq!(exited.term_signal(), None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct WaitStatus(i32);

impl WaitStatus {
    /// The status word `raw`.
    pub const fn from_raw(raw: i32) -> WaitStatus {
        WaitStatus(raw)
    }

    /// The status word.
    pub const fn raw(self) -> i32 {
        self.0
    }

    /// `WEXITSTATUS` when the child exited (`WIFEXITED`).
    pub const fn exit_code(self) -> Option<i32> {
        if self.0 & 0x7f == 0 {
            Some((self.0 >> 8) & 0xff)
        } else {
            None
        }
    }

    /// `WTERMSIG` when a signal ended the child (`WIFSIGNALED`).
    pub const fn term_signal(self) -> Option<Signal> {
        let sig = self.0 & 0x7f;
        if sig != 0 && sig != 0x7f {
            Some(Signal::from_raw(sig))
        } else {
            None
        }
    }

    /// `WCOREDUMP`: the signal that ended the child left a core dump.
    pub const fn core_dumped(self) -> bool {
        self.term_signal().is_some() && self.0 & 0x80 != 0
    }

    /// `WSTOPSIG` when the child is stopped (`WIFSTOPPED`), including ptrace stops;
    /// a syscall-stop with `PTRACE_O_TRACESYSGOOD` reports `SIGTRAP | 0x80`.
    pub const fn stop_signal(self) -> Option<Signal> {
        if self.0 & 0xff == 0x7f {
            Some(Signal::from_raw((self.0 >> 8) & 0xff))
        } else {
            None
        }
    }

    /// The ptrace event of a stop (`status >> 16`: `PTRACE_EVENT_*`), 0 for none.
    pub const fn ptrace_event(self) -> u32 {
        if self.stop_signal().is_some() {
            (self.0 >> 16) as u32 & 0xff
        } else {
            0
        }
    }

    /// `WIFCONTINUED`: a stopped child resumed.
    pub const fn continued(self) -> bool {
        self.0 == 0xffff
    }
}

impl core::fmt::Debug for WaitStatus {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if let Some(code) = self.exit_code() {
            write!(f, "Exited({code})")
        } else if let Some(sig) = self.term_signal() {
            write!(
                f,
                "Signaled({sig}{})",
                if self.core_dumped() { ", core" } else { "" }
            )
        } else if let Some(sig) = self.stop_signal() {
            write!(f, "Stopped({sig:?}, event {})", self.ptrace_event())
        } else if self.continued() {
            f.write_str("Continued")
        } else {
            write!(f, "WaitStatus({:#x})", self.0)
        }
    }
}

/// Resource usage of a child, as `wait4(2)` reports it (`struct rusage`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
#[repr(C)]
pub struct Rusage {
    /// User CPU time.
    pub utime: Timeval,
    /// System CPU time.
    pub stime: Timeval,
    /// Maximum resident set size, in KiB.
    pub maxrss: i64,
    /// Unused on Linux.
    pub ixrss: i64,
    /// Unused on Linux.
    pub idrss: i64,
    /// Unused on Linux.
    pub isrss: i64,
    /// Page faults served without I/O.
    pub minflt: i64,
    /// Page faults that needed I/O.
    pub majflt: i64,
    /// Unused on Linux.
    pub nswap: i64,
    /// Blocks read by the file system.
    pub inblock: i64,
    /// Blocks written by the file system.
    pub oublock: i64,
    /// Unused on Linux.
    pub msgsnd: i64,
    /// Unused on Linux.
    pub msgrcv: i64,
    /// Unused on Linux.
    pub nsignals: i64,
    /// Voluntary context switches.
    pub nvcsw: i64,
    /// Involuntary context switches.
    pub nivcsw: i64,
}

const _: () = assert!(size_of::<Rusage>() == size_of::<g::rusage>());

/// Waits for a child of `which` to change state and returns its id and status, or
/// `None` with [`WaitOptions::NOHANG`] when none has. Issues `wait4(2)`; blocking.
///
/// ```
/// use sysbridge::process::{wait4, WaitFor, WaitOptions};
/// let child = std::process::Command::new("true").spawn().unwrap();
/// let pid = sysbridge::process::Pid::from_raw(child.id() as i32);
/// let (who, status) = wait4(WaitFor::Pid(pid), WaitOptions::empty()).unwrap().unwrap();
/// assert_eq!((who, status.exit_code()), (pid, Some(0)));
/// ```
pub fn wait4(which: WaitFor, options: WaitOptions) -> Result<Option<(Pid, WaitStatus)>, Errno> {
    let mut status = 0i32;
    // SAFETY: the kernel writes one int to `status`; no rusage pointer.
    let pid = unsafe {
        raw::syscall4(
            Sysno::wait4,
            which.raw() as usize,
            args::mut_ptr(&mut status),
            options.bits() as usize,
            0,
        )
    }?;
    Ok((pid != 0).then(|| (Pid::from_raw(pid as i32), WaitStatus(status))))
}

/// [`wait4`] that also returns the child's resource usage (all of it, threads and
/// waited-for descendants included, once the child is reaped). Issues `wait4(2)`;
/// blocking.
pub fn wait4_rusage(
    which: WaitFor,
    options: WaitOptions,
) -> Result<Option<(Pid, WaitStatus, Rusage)>, Errno> {
    let mut status = 0i32;
    let mut usage = Rusage::default();
    // SAFETY: the kernel writes one int to `status` and a `struct rusage`, whose
    // layout `Rusage` has, to `usage`.
    let pid = unsafe {
        raw::syscall4(
            Sysno::wait4,
            which.raw() as usize,
            args::mut_ptr(&mut status),
            options.bits() as usize,
            args::mut_ptr(&mut usage),
        )
    }?;
    Ok((pid != 0).then(|| (Pid::from_raw(pid as i32), WaitStatus(status), usage)))
}

/// Which children [`waitid`] waits for (`idtype` and `id`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum WaitId {
    /// `P_ALL`: any child.
    All,
    /// `P_PID`: this child.
    Pid(Pid),
    /// `P_PGID`: any child in this process group.
    Pgid(Pid),
    /// `P_PIDFD`: the child this pidfd refers to.
    PidFd(std::os::fd::RawFd),
}

/// Waits for a child of `which` as [`WaitOptions`] say (at least one of `EXITED`,
/// `STOPPED`, `CONTINUED`) and returns what `waitid(2)` filled in, or `None` with
/// `NOHANG` when no child has changed state. Issues `waitid(2)`; blocking.
pub fn waitid(which: WaitId, options: WaitOptions) -> Result<Option<Siginfo>, Errno> {
    let (idtype, id) = match which {
        WaitId::All => (g::P_ALL, 0),
        WaitId::Pid(p) => (g::P_PID, p.as_raw()),
        WaitId::Pgid(p) => (g::P_PGID, p.as_raw()),
        WaitId::PidFd(fd) => (g::P_PIDFD, fd),
    };
    let mut info = Siginfo::default();
    // SAFETY: the kernel writes a 128-byte siginfo into `info`; no rusage pointer.
    unsafe {
        raw::syscall5(
            Sysno::waitid,
            idtype as usize,
            id as usize,
            args::mut_ptr(info.as_mut_bytes()),
            options.bits() as usize,
            0,
        )
    }?;
    // With WNOHANG and nothing to report, the kernel leaves si_pid zero.
    Ok((info.pid() != 0).then_some(info))
}
