//! Signals: numbers and names, sets, sending (`kill(2)`, `tgkill(2)`,
//! `pidfd_send_signal(2)`), masks (`rt_sigprocmask(2)`), dispositions
//! (`rt_sigaction(2)`, with our own return trampoline, since there is no libc), the
//! alternate stack (`sigaltstack(2)`), signals as a descriptor (`signalfd4(2)`), the
//! kernel's `siginfo_t`, and [`Notify`], Go's `signal.Notify`: signals received as
//! values by any number of subscribers.

use core::fmt;
use std::os::fd::AsFd;

use linux_raw_sys::general as g;

use crate::process::Pid;
use crate::{Errno, Sysno, arch, args, raw};

mod notify;
mod signalfd;
mod stack;

pub use notify::Notify;
pub use signalfd::{SfdFlags, SignalfdSiginfo, read_signalfd, signalfd, signalfd_set_mask};
pub use stack::{SigStack, SsFlags, set_sigaltstack, sigaltstack};

/// A signal number, `1..=64` on Linux.
///
/// ```
/// use sysbridge::signal::Signal;
/// assert_eq!(Signal::SIGCHLD.name(), Some("SIGCHLD"));
/// assert_eq!(Signal::from_name("SIGTERM"), Some(Signal::SIGTERM));
/// assert_eq!(Signal::from_raw(34).to_string(), "SIGRT_2");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct Signal(i32);

/// The names of signals 1 to 31, indexed by number.
const NAMES: [&str; 32] = [
    "",
    "SIGHUP",
    "SIGINT",
    "SIGQUIT",
    "SIGILL",
    "SIGTRAP",
    "SIGABRT",
    "SIGBUS",
    "SIGFPE",
    "SIGKILL",
    "SIGUSR1",
    "SIGSEGV",
    "SIGUSR2",
    "SIGPIPE",
    "SIGALRM",
    "SIGTERM",
    "SIGSTKFLT",
    "SIGCHLD",
    "SIGCONT",
    "SIGSTOP",
    "SIGTSTP",
    "SIGTTIN",
    "SIGTTOU",
    "SIGURG",
    "SIGXCPU",
    "SIGXFSZ",
    "SIGVTALRM",
    "SIGPROF",
    "SIGWINCH",
    "SIGIO",
    "SIGPWR",
    "SIGSYS",
];

macro_rules! signal_consts {
    ($($name:ident),* $(,)?) => {
        impl Signal {
            $(
                #[doc = concat!("`", stringify!($name), "`.")]
                pub const $name: Signal = Signal(g::$name as i32);
            )*
        }
    };
}

signal_consts!(
    SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGKILL, SIGUSR1, SIGSEGV,
    SIGUSR2, SIGPIPE, SIGALRM, SIGTERM, SIGSTKFLT, SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN,
    SIGTTOU, SIGURG, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGWINCH, SIGIO, SIGPWR, SIGSYS,
);

impl Signal {
    /// The kernel's first real-time signal (glibc reserves 32 and 33 for itself, so its
    /// `SIGRTMIN` is 34).
    pub const SIGRTMIN: Signal = Signal(g::SIGRTMIN as i32);
    /// The last real-time signal.
    pub const SIGRTMAX: Signal = Signal(g::_NSIG as i32);

    /// The signal numbered `raw` (any value; [`Signal::is_valid`] says whether the
    /// kernel has it).
    #[inline]
    pub const fn from_raw(raw: i32) -> Signal {
        Signal(raw)
    }

    /// The signal number.
    #[inline]
    pub const fn raw(self) -> i32 {
        self.0
    }

    /// Whether the number is a signal the kernel delivers (`1..=64`).
    pub const fn is_valid(self) -> bool {
        self.0 >= 1 && self.0 <= g::_NSIG as i32
    }

    /// The name of a standard signal (`"SIGCHLD"`); `None` for real-time signals and
    /// numbers that are no signal.
    pub fn name(self) -> Option<&'static str> {
        usize::try_from(self.0)
            .ok()
            .and_then(|i| NAMES.get(i))
            .copied()
            .filter(|n| !n.is_empty())
    }

    /// The standard signal named `name` (`"SIGTERM"`), or `SIGRTMIN`/`SIGRTMAX`.
    pub fn from_name(name: &str) -> Option<Signal> {
        match name {
            "SIGRTMIN" => Some(Signal::SIGRTMIN),
            "SIGRTMAX" => Some(Signal::SIGRTMAX),
            "SIGIOT" => Some(Signal::SIGABRT),
            "SIGPOLL" => Some(Signal::SIGIO),
            "SIGUNUSED" => Some(Signal::SIGSYS),
            _ => NAMES
                .iter()
                .position(|&n| !n.is_empty() && n == name)
                .map(|i| Signal(i as i32)),
        }
    }

    /// Every signal the kernel delivers, `1..=64`.
    pub fn all() -> impl Iterator<Item = Signal> {
        (1..=g::_NSIG as i32).map(Signal)
    }
}

/// `SIGCHLD`; real-time signals as `SIGRTMIN` and `SIGRT_n` (n from `SIGRTMIN`, as
/// strace writes them); anything else as its number.
impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None if *self == Signal::SIGRTMIN => f.write_str("SIGRTMIN"),
            None if self.is_valid() => write!(f, "SIGRT_{}", self.0 - Signal::SIGRTMIN.0),
            None => write!(f, "{}", self.0),
        }
    }
}

impl fmt::Debug for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A set of signals as the kernel stores it: one bit per signal, signal `n` at bit
/// `n - 1` (the 8-byte `sigset_t` of the `rt_sig*` calls).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Debug)]
#[repr(transparent)]
pub struct SigSet(u64);

impl SigSet {
    /// No signal.
    pub const EMPTY: SigSet = SigSet(0);
    /// Every signal.
    pub const FULL: SigSet = SigSet(u64::MAX);

    /// The set with these bits (bit `n - 1` for signal `n`).
    pub const fn from_bits(bits: u64) -> SigSet {
        SigSet(bits)
    }

    /// The bits of the set.
    pub const fn bits(self) -> u64 {
        self.0
    }

    /// The set with `sig` added; numbers that are no signal are ignored.
    #[must_use]
    pub const fn with(self, sig: Signal) -> SigSet {
        if sig.is_valid() {
            SigSet(self.0 | 1 << (sig.0 - 1))
        } else {
            self
        }
    }

    /// The set with `sig` removed.
    #[must_use]
    pub const fn without(self, sig: Signal) -> SigSet {
        if sig.is_valid() {
            SigSet(self.0 & !(1 << (sig.0 - 1)))
        } else {
            self
        }
    }

    /// Whether the set has no signal.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether `sig` is in the set.
    pub const fn contains(self, sig: Signal) -> bool {
        sig.is_valid() && self.0 & (1 << (sig.0 - 1)) != 0
    }

    /// The signals in the set, in increasing order.
    pub fn iter(self) -> impl Iterator<Item = Signal> {
        Signal::all().filter(move |&s| self.contains(s))
    }
}

impl FromIterator<Signal> for SigSet {
    fn from_iter<I: IntoIterator<Item = Signal>>(iter: I) -> SigSet {
        iter.into_iter().fold(SigSet::EMPTY, SigSet::with)
    }
}

/// Sends `sig` to process `pid` (or, as `kill(2)` reads `pid`: 0 for our process
/// group, -1 for every process we may signal, `-pgid` for a group). Issues `kill(2)`;
/// non-blocking. `sig` 0 only checks that the process exists.
///
/// ```
/// use sysbridge::{process, signal};
/// signal::kill(process::getpid(), signal::Signal::from_raw(0)).unwrap();
/// ```
pub fn kill(pid: Pid, sig: Signal) -> Result<(), Errno> {
    // SAFETY: kill reads no memory. Not a `readonly` entry: a signal to ourselves runs
    // its handler before the call returns, and what the handler writes must not be
    // read from before the call.
    unsafe { raw::raw_syscall2(Sysno::kill, pid.as_raw() as usize, sig.raw() as usize) }?;
    Ok(())
}

/// Sends `sig` to thread `tid` of thread group `tgid`. Issues `tgkill(2)`;
/// non-blocking.
pub fn tgkill(tgid: Pid, tid: Pid, sig: Signal) -> Result<(), Errno> {
    // SAFETY: as for `kill`, handler included.
    unsafe {
        raw::raw_syscall3(
            Sysno::tgkill,
            tgid.as_raw() as usize,
            tid.as_raw() as usize,
            sig.raw() as usize,
        )
    }?;
    Ok(())
}

/// Sends `sig` to the process the pidfd `pidfd` refers to (made by
/// [`pidfd_open`](crate::process::pidfd_open) or held by a
/// [`Child`](crate::process::Child)): unlike [`kill`], it cannot reach another process
/// that reused the number. Issues `pidfd_send_signal(2)` (Linux 5.1); non-blocking.
/// `ESRCH` once the process has ended, `EPERM` without permission to signal it; `sig`
/// 0 only checks.
pub fn pidfd_send_signal(pidfd: impl AsFd, sig: Signal) -> Result<(), Errno> {
    // SAFETY: with a null siginfo the call reads and writes no memory; as for `kill`,
    // not `readonly`, since a signal to ourselves runs its handler before returning.
    unsafe {
        raw::raw_syscall4(
            Sysno::pidfd_send_signal,
            args::fd(pidfd.as_fd()),
            sig.raw() as usize,
            0,
            0,
        )
    }?;
    Ok(())
}

/// How [`sigprocmask`] changes the mask.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u32)]
pub enum How {
    /// `SIG_BLOCK`: add the set to the mask.
    Block = g::SIG_BLOCK,
    /// `SIG_UNBLOCK`: remove the set from the mask.
    Unblock = g::SIG_UNBLOCK,
    /// `SIG_SETMASK`: the set becomes the mask.
    SetMask = g::SIG_SETMASK,
}

/// Changes this thread's signal mask and returns the previous one (`SIGKILL` and
/// `SIGSTOP` cannot be blocked; the kernel drops them silently). Issues
/// `rt_sigprocmask(2)`; non-blocking.
pub fn sigprocmask(how: How, set: &SigSet) -> Result<SigSet, Errno> {
    let mut old = SigSet::EMPTY;
    // SAFETY: the kernel reads 8 bytes of `set` and writes 8 bytes to `old`, both
    // valid `u64`s; a mask change affects which signals arrive, not memory.
    unsafe {
        raw::raw_syscall4(
            Sysno::rt_sigprocmask,
            how as usize,
            args::ptr(set),
            args::mut_ptr(&mut old),
            8,
        )
    }?;
    Ok(old)
}

/// What a signal does when it arrives: `sa_handler` of [`SigAction`].
#[derive(Clone, Copy, Debug)]
pub enum SigHandler {
    /// `SIG_DFL`: the default action.
    Default,
    /// `SIG_IGN`: nothing.
    Ignore,
    /// A function run on the interrupted thread's stack (or the alternate one).
    Handler(extern "C" fn(i32)),
    /// Another value the kernel reported (a `SA_SIGINFO` handler installed elsewhere).
    Raw(usize),
}

bitflags::bitflags! {
    /// `sa_flags` of [`SigAction`] (`SA_*`); `SA_RESTORER` is set by [`sigaction`]
    /// itself.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct SaFlags: u64 {
        /// `SA_NOCLDSTOP`: no `SIGCHLD` when a child stops or continues.
        const NOCLDSTOP = g::SA_NOCLDSTOP as u64;
        /// `SA_NOCLDWAIT`: children do not become zombies.
        const NOCLDWAIT = g::SA_NOCLDWAIT as u64;
        /// `SA_SIGINFO`: the handler takes three arguments.
        const SIGINFO = g::SA_SIGINFO as u64;
        /// `SA_ONSTACK`: run on the alternate signal stack.
        const ONSTACK = g::SA_ONSTACK as u64;
        /// `SA_RESTART`: restart interrupted system calls.
        const RESTART = g::SA_RESTART as u64;
        /// `SA_NODEFER`: do not block the signal while its handler runs.
        const NODEFER = g::SA_NODEFER as u64;
        /// `SA_RESETHAND`: back to the default action once the handler ran.
        const RESETHAND = g::SA_RESETHAND as u64;
        /// `SA_RESTORER`: `sa_restorer` is valid.
        const RESTORER = g::SA_RESTORER as u64;
    }
}

/// A signal disposition: the kernel's `struct sigaction` for `rt_sigaction(2)`.
#[derive(Clone, Copy, Debug)]
pub struct SigAction {
    /// What the signal does.
    pub handler: SigHandler,
    /// How.
    pub flags: SaFlags,
    /// Signals blocked while the handler runs.
    pub mask: SigSet,
}

#[repr(C)]
#[derive(Default)]
struct KernelSigaction {
    handler: usize,
    flags: u64,
    restorer: usize,
    mask: u64,
}

/// Sets the disposition of `sig` and returns the previous one. Issues
/// `rt_sigaction(2)`; non-blocking. `SA_RESTORER` is always set, pointing at our own
/// trampoline that calls `rt_sigreturn(2)`.
///
/// # Safety
/// A handler runs at any point of any thread's execution: it must be
/// async-signal-safe (no allocation, no locks, only atomics and system calls), and
/// it replaces whatever handler other code in the process relied on.
pub unsafe fn sigaction(sig: Signal, action: &SigAction) -> Result<SigAction, Errno> {
    let handler = match action.handler {
        SigHandler::Default => 0,
        SigHandler::Ignore => 1,
        SigHandler::Handler(f) => f as *const () as usize,
        SigHandler::Raw(v) => v,
    };
    let new = KernelSigaction {
        handler,
        flags: (action.flags | SaFlags::RESTORER).bits(),
        restorer: arch::restore_rt as *const () as usize,
        mask: action.mask.bits(),
    };
    let mut old = KernelSigaction::default();
    // SAFETY: both structs have the kernel's x86_64 layout and size 32; the handler's
    // conduct is the caller's contract; the restorer never returns and never touches
    // the stack below the signal frame.
    unsafe {
        raw::raw_syscall4(
            Sysno::rt_sigaction,
            sig.raw() as usize,
            args::ptr(&new),
            args::mut_ptr(&mut old),
            8,
        )
    }?;
    Ok(old.into_action())
}

impl KernelSigaction {
    fn into_action(self) -> SigAction {
        let handler = match self.handler {
            0 => SigHandler::Default,
            1 => SigHandler::Ignore,
            other => SigHandler::Raw(other),
        };
        SigAction {
            handler,
            flags: SaFlags::from_bits_retain(self.flags),
            mask: SigSet(self.mask),
        }
    }
}

/// The current disposition of `sig`, changing nothing. Issues `rt_sigaction(2)` with
/// no new action; non-blocking. A handler comes back as [`SigHandler::Raw`].
///
/// ```
/// use sysbridge::signal::{disposition, SigHandler, Signal};
/// // Rust's runtime ignores SIGPIPE (writes to a closed pipe fail with EPIPE instead).
/// assert!(matches!(disposition(Signal::SIGPIPE).unwrap().handler, SigHandler::Ignore));
/// ```
pub fn disposition(sig: Signal) -> Result<SigAction, Errno> {
    let mut old = KernelSigaction::default();
    // SAFETY: with a NULL new action the kernel only writes the current one into `old`,
    // which has the kernel's layout and size 32.
    unsafe {
        raw::raw_syscall4(
            Sysno::rt_sigaction,
            sig.raw() as usize,
            0,
            args::mut_ptr(&mut old),
            8,
        )
    }?;
    Ok(old.into_action())
}

/// The kernel's `siginfo_t`: 128 bytes whose meaning depends on the signal and
/// `si_code`. Fields are read from their x86_64 offsets; which ones are meaningful is
/// the reader's call (as in C).
#[derive(Clone, Copy)]
#[repr(C, align(8))]
pub struct Siginfo([u8; 128]);

impl Default for Siginfo {
    fn default() -> Siginfo {
        Siginfo([0; 128])
    }
}

impl Siginfo {
    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 128] {
        &self.0
    }

    /// The raw bytes, for `ptrace(PTRACE_GETSIGINFO)` or `waitid(2)` to fill.
    pub fn as_mut_bytes(&mut self) -> &mut [u8; 128] {
        &mut self.0
    }

    fn i32_at(&self, off: usize) -> i32 {
        i32::from_ne_bytes(self.0[off..off + 4].try_into().expect("4 bytes"))
    }

    fn u64_at(&self, off: usize) -> u64 {
        u64::from_ne_bytes(self.0[off..off + 8].try_into().expect("8 bytes"))
    }

    /// `si_signo`.
    pub fn signo(&self) -> Signal {
        Signal(self.i32_at(0))
    }
    /// `si_errno`.
    pub fn errno(&self) -> i32 {
        self.i32_at(4)
    }
    /// `si_code`.
    pub fn code(&self) -> i32 {
        self.i32_at(8)
    }
    /// `si_pid` (kill, queue, child and real-time signals).
    pub fn pid(&self) -> i32 {
        self.i32_at(16)
    }
    /// `si_uid` (kill, queue, child and real-time signals).
    pub fn uid(&self) -> u32 {
        self.i32_at(20) as u32
    }
    /// `si_status` (`SIGCHLD`): the exit code or signal.
    pub fn status(&self) -> i32 {
        self.i32_at(24)
    }
    /// `si_utime` (`SIGCHLD`), in clock ticks.
    pub fn utime(&self) -> i64 {
        self.u64_at(32) as i64
    }
    /// `si_stime` (`SIGCHLD`), in clock ticks.
    pub fn stime(&self) -> i64 {
        self.u64_at(40) as i64
    }
    /// `si_value` (queued and timer signals): the integer or pointer sent.
    pub fn value(&self) -> u64 {
        self.u64_at(24)
    }
    /// `si_timerid` (POSIX timer signals).
    pub fn timerid(&self) -> i32 {
        self.i32_at(16)
    }
    /// `si_overrun` (POSIX timer signals).
    pub fn overrun(&self) -> i32 {
        self.i32_at(20)
    }
    /// `si_addr` (`SIGSEGV`, `SIGBUS`, `SIGILL`, `SIGFPE`, `SIGTRAP`).
    pub fn addr(&self) -> u64 {
        self.u64_at(16)
    }
    /// `si_band` (`SIGIO`/`SIGPOLL`).
    pub fn band(&self) -> i64 {
        self.u64_at(16) as i64
    }
    /// `si_fd` (`SIGIO`/`SIGPOLL`).
    pub fn fd(&self) -> i32 {
        self.i32_at(24)
    }
    /// `si_call_addr` (`SIGSYS` from seccomp).
    pub fn call_addr(&self) -> u64 {
        self.u64_at(16)
    }
    /// `si_syscall` (`SIGSYS` from seccomp).
    pub fn syscall(&self) -> i32 {
        self.i32_at(24)
    }
    /// `si_arch` (`SIGSYS` from seccomp).
    pub fn arch(&self) -> u32 {
        self.i32_at(28) as u32
    }
}

impl fmt::Debug for Siginfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Siginfo")
            .field("signo", &self.signo())
            .field("errno", &self.errno())
            .field("code", &self.code())
            .finish_non_exhaustive()
    }
}
