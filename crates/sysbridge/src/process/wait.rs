//! Waiting for children: `wait4(2)` (with resource usage) and `waitid(2)`.

use std::os::fd::{AsRawFd, BorrowedFd};

use linux_raw_sys::general as g;

use super::{Pid, Uid};
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
#[derive(Clone, Copy, Debug)]
pub enum WaitId<'fd> {
    /// `P_ALL`: any child.
    All,
    /// `P_PID`: this child.
    Pid(Pid),
    /// `P_PGID`: any child in this process group.
    Pgid(Pid),
    /// `P_PIDFD` (Linux 5.4): the child this pidfd refers to (from
    /// [`pidfd_open`](super::pidfd_open) or [`Child`](super::Child)).
    PidFd(BorrowedFd<'fd>),
}

/// What happened to a child, decoded from a [`waitid`] record or a [`WaitStatus`].
///
/// ```
/// use sysbridge::process::{ChildState, WaitStatus};
/// use sysbridge::signal::Signal;
/// assert_eq!(WaitStatus::from_raw(3 << 8).state(), Some(ChildState::Exited(3)));
/// let killed = ChildState::Killed { signal: Signal::SIGTERM, core_dumped: false };
/// assert_eq!(killed.shell_code(), Some(143));
/// assert!(!killed.success());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ChildState {
    /// It called `exit` with this code (`CLD_EXITED`, `WIFEXITED`).
    Exited(i32),
    /// A signal ended it (`CLD_KILLED`/`CLD_DUMPED`, `WIFSIGNALED`).
    Killed {
        /// The signal.
        signal: Signal,
        /// Whether it left a core dump.
        core_dumped: bool,
    },
    /// A signal stopped it (`CLD_STOPPED`, `WIFSTOPPED`; from a [`WaitStatus`], ptrace
    /// stops too: the status word cannot tell them apart).
    Stopped(Signal),
    /// It stopped under ptrace (`CLD_TRAPPED`, [`waitid`] only).
    Trapped(Signal),
    /// `SIGCONT` resumed it (`CLD_CONTINUED`, `WIFCONTINUED`).
    Continued,
}

impl ChildState {
    /// Whether it exited with code 0.
    pub const fn success(self) -> bool {
        matches!(self, ChildState::Exited(0))
    }

    /// The exit code, when it exited.
    pub const fn code(self) -> Option<i32> {
        match self {
            ChildState::Exited(code) => Some(code),
            _ => None,
        }
    }

    /// The signal that ended it, when one did.
    pub const fn signal(self) -> Option<Signal> {
        match self {
            ChildState::Killed { signal, .. } => Some(signal),
            _ => None,
        }
    }

    /// The status a shell reports for an ended child (`$?`): the exit code, or 128 plus
    /// the number of the signal that ended it; `None` while it lives.
    pub const fn shell_code(self) -> Option<i32> {
        match self {
            ChildState::Exited(code) => Some(code),
            ChildState::Killed { signal, .. } => Some(128 + signal.raw()),
            _ => None,
        }
    }
}

impl WaitStatus {
    /// The status word decoded; `None` for a word no macro recognises.
    pub const fn state(self) -> Option<ChildState> {
        if let Some(code) = self.exit_code() {
            Some(ChildState::Exited(code))
        } else if let Some(signal) = self.term_signal() {
            Some(ChildState::Killed {
                signal,
                core_dumped: self.core_dumped(),
            })
        } else if let Some(signal) = self.stop_signal() {
            Some(ChildState::Stopped(signal))
        } else if self.continued() {
            Some(ChildState::Continued)
        } else {
            None
        }
    }
}

/// One child's change of state, as [`waitid`] reports it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct ChildEvent {
    /// The child (`si_pid`).
    pub pid: Pid,
    /// Its real user id (`si_uid`).
    pub uid: Uid,
    /// What happened (`si_code` with `si_status`).
    pub state: ChildState,
}

impl ChildEvent {
    /// Decodes the record `waitid(2)` (or a `SIGCHLD` handler) receives: `None` unless
    /// it is a `SIGCHLD` record with a known `si_code`.
    pub fn from_siginfo(info: &Siginfo) -> Option<ChildEvent> {
        if info.signo() != Signal::SIGCHLD {
            return None;
        }
        let status = info.status();
        let state = match u32::try_from(info.code()).ok()? {
            g::CLD_EXITED => ChildState::Exited(status),
            g::CLD_KILLED | g::CLD_DUMPED => ChildState::Killed {
                signal: Signal::from_raw(status),
                core_dumped: info.code() == g::CLD_DUMPED as i32,
            },
            g::CLD_STOPPED => ChildState::Stopped(Signal::from_raw(status)),
            g::CLD_TRAPPED => ChildState::Trapped(Signal::from_raw(status)),
            g::CLD_CONTINUED => ChildState::Continued,
            _ => return None,
        };
        Some(ChildEvent {
            pid: Pid::from_raw(info.pid()),
            uid: Uid::from_raw(info.uid()),
            state,
        })
    }
}

/// Waits for a child of `which` as [`WaitOptions`] say (at least one of `EXITED`,
/// `STOPPED`, `CONTINUED`; `NOWAIT` leaves it waitable, `NOHANG` does not wait) and
/// returns what happened to it, or `None` with `NOHANG` when no child has changed
/// state. Issues `waitid(2)`; blocking. `ECHILD` when there is no such child (or
/// another waiter reaped it), `EINTR` when a signal handler interrupted the wait.
///
/// ```
/// use sysbridge::process::{waitid, ChildState, Pid, WaitId, WaitOptions};
/// let child = std::process::Command::new("sh").args(["-c", "exit 7"]).spawn().unwrap();
/// let pid = Pid::from_raw(child.id() as i32);
/// let event = waitid(WaitId::Pid(pid), WaitOptions::EXITED).unwrap().unwrap();
/// assert_eq!((event.pid, event.state), (pid, ChildState::Exited(7)));
/// ```
pub fn waitid(which: WaitId<'_>, options: WaitOptions) -> Result<Option<ChildEvent>, Errno> {
    let (idtype, id) = match which {
        WaitId::All => (g::P_ALL, 0),
        WaitId::Pid(p) => (g::P_PID, p.as_raw()),
        WaitId::Pgid(p) => (g::P_PGID, p.as_raw()),
        WaitId::PidFd(fd) => (g::P_PIDFD, fd.as_raw_fd()),
    };
    let mut info = Siginfo::default();
    // SAFETY: the kernel writes a 128-byte siginfo into `info`; no rusage pointer. A
    // pidfd is only read, and borrowed for the call.
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
    // With WNOHANG and nothing to report, the kernel leaves the record zeroed.
    Ok(ChildEvent::from_siginfo(&info))
}
