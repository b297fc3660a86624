//! # sysbridge-init: a PID 1 for containers
//!
//! The engine of `sysbridge init`, as a library: run a command as our child, forward
//! to it every signal we receive, reap every process that ends under us (orphans
//! reparented to us included), and end with the command's status. The command line
//! (`crates/sysbridge-cli/src/init.rs`) parses the options into [`Options`] and prints
//! the [`Event`]s; everything else is here.
//!
//! ```no_run
//! use sysbridge_init::{Options, run};
//! let options = Options { command: vec!["sh".into(), "-c".into(), "exit 3".into()],
//!                         ..Options::default() };
//! let status = run(&options, &mut |event| eprintln!("{event:?}")).unwrap();
//! assert_eq!(status, 3);
//! ```
//!
//! # How it waits: one descriptor, no timeout
//!
//! Before anything else, [`run`] blocks every signal (`rt_sigprocmask`; `SIGKILL` and
//! `SIGSTOP` cannot be) and opens a `signalfd` for all of them. From then on a signal
//! sent to us is never acted upon by a disposition and never lost: it stays pending
//! until the loop reads it from the descriptor. The child is started after that, with
//! the signal mask we were given back, so the `SIGCHLD` of its end (or of any orphan's)
//! cannot come before we listen for it.
//!
//! The loop sleeps in `ppoll(2)` on that one descriptor, with no timeout at all while
//! the command runs: idle, init uses no CPU and is never woken (tini wakes once a
//! second). When it wakes it reads every pending signal; `SIGCHLD` means "reap", any
//! other is forwarded.
//!
//! Standard signals do not queue: ten children ending together raise one pending
//! `SIGCHLD`. So a `SIGCHLD` is taken as "some children may have ended", and we call
//! `waitid(P_ALL, WEXITED | WNOHANG)` until it answers "none ended" or `ECHILD`. No
//! end is missed: a child that ends after our last `waitid` answered "none" makes
//! `SIGCHLD` pending again (the previous one has been read), which wakes the next
//! `ppoll`; one that ends before is reaped by that loop, and its `SIGCHLD` then only
//! costs one `waitid` that finds nothing.
//!
//! # Signals
//!
//! Every signal that can be caught is forwarded (`SIGHUP`…`SIGSYS`, `SIGTSTP`,
//! `SIGTTIN`, `SIGTTOU`, real-time signals), except `SIGCHLD`, which is ours. To the
//! main child through its pidfd (so that a forwarded signal can never reach a process
//! that took the number of a reaped child), or with [`Options::signal_group`] to its
//! process group. `SIGKILL` and `SIGSTOP` cannot be caught, so cannot be forwarded:
//! `SIGKILL` ends init (and, for process 1 of a PID namespace, every process in it).
//! Blocking the fault signals (`SIGSEGV`…) is harmless: a real fault in init is forced
//! through by the kernel; one sent with `kill` is forwarded like the rest.
//!
//! Process 1 of a PID namespace gets no signal from inside its namespace, and from
//! outside only `SIGKILL`/`SIGSTOP`, unless it handles the signal, or blocks it: the
//! kernel never discards a blocked signal. Blocking everything is what makes
//! `docker stop`'s `SIGTERM` reach us.
//!
//! The child runs in a process group of its own (as tini does), and, when our standard
//! input is our controlling terminal and our group is its foreground group, takes the
//! terminal over ([`Spawn::foreground`]): Ctrl-C then reaches the command's group once,
//! not init as well (which would forward a second `SIGINT`), and the command can read
//! the terminal without being stopped by `SIGTTIN`.
//!
//! # Ending
//!
//! When the main child has ended and been reaped, init reaps whatever else has already
//! ended and returns the child's status: its exit code, or 128 + N if signal N killed
//! it (whether or not we forwarded that signal), then mapped to 0 if it is one of
//! [`Options::remap`]. Orphans still running are left to the kernel: as process 1 of a
//! PID namespace, our exit kills them (and the kernel reaps them); as a subreaper,
//! they move to the next reaper up.
//!
//! With [`Options::wait_all`], init waits instead until it has no child left: every
//! descendant has then ended (each lives under one of our children or has been
//! reparented to us). With [`Options::kill_orphans`], it first sends `SIGTERM` to every
//! descendant left, waits the grace period (`ppoll`'s timeout, the only one), then
//! sends `SIGKILL`, again every half second until none is left. Signals that arrive in
//! this phase go to every descendant left. As process 1 the descendants are reached
//! with `kill(-1, …)` (every process in the namespace but us, atomically with respect
//! to `fork`); as a subreaper they are found in `/proc`, each one opened as a pidfd
//! and checked to be still ours before it is signalled.
//!
//! [`run`] returns with every signal still blocked: one that arrives as init ends is
//! dropped at exit instead of being acted upon (a late `SIGTERM` must not turn the
//! status init reports into 143). It must be called from a single-threaded process
//! (another thread that does not block the signals would take them).

mod descendants;

use std::collections::BTreeSet;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::os::fd::{AsFd, OwnedFd};
use std::time::{Duration, Instant};

use sysbridge::Errno;
use sysbridge::event::{self, PollFd, PollFlags};
use sysbridge::process::{self, ChildState, Pid, Spawn, WaitId, WaitOptions};
use sysbridge::signal::{self, How, SfdFlags, SigSet, Signal, SignalfdSiginfo};
use sysbridge::time::Timespec;

/// How often `SIGKILL` is sent again, once sent, to descendants a `/proc` scan may have
/// missed (made while a process was forking).
const KILL_AGAIN: Duration = Duration::from_millis(500);

/// What to run, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// The program (looked up in `PATH` unless it has a `/`) and its arguments.
    pub command: Vec<OsString>,
    /// Register as a child subreaper when not process 1 (`-s`), so that orphaned
    /// descendants are reparented to us, to be reaped.
    pub subreaper: bool,
    /// The signal we receive when our parent dies (`-p`), set before the child starts
    /// (and so forwarded to it like any other).
    pub parent_death_signal: Option<Signal>,
    /// Forward signals to the child's process group, not to the child alone (`-g`).
    pub signal_group: bool,
    /// Exit codes reported as 0 (`-e`), compared after a death by signal N became
    /// 128 + N.
    pub remap: BTreeSet<u8>,
    /// Once the main child has ended, wait until every other descendant has too (`-a`;
    /// makes us a subreaper when not process 1).
    pub wait_all: bool,
    /// Once the main child has ended, send `SIGTERM` to every descendant left, and
    /// `SIGKILL` after this grace period (implies [`wait_all`](Options::wait_all)).
    pub kill_orphans: Option<Duration>,
    /// Hand our terminal (standard input) to the child's process group when it is
    /// ours, as tini does (default: true).
    pub foreground: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            command: Vec::new(),
            subreaper: false,
            parent_death_signal: None,
            signal_group: false,
            remap: BTreeSet::new(),
            wait_all: false,
            kill_orphans: None,
            foreground: true,
        }
    }
}

impl Options {
    /// Whether init outlives the main child until every descendant has ended.
    fn waits_for_all(&self) -> bool {
        self.wait_all || self.kill_orphans.is_some()
    }
}

/// Where a signal went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The main child, through its pidfd.
    Child(Pid),
    /// The main child's process group (its number is the child's).
    Group(Pid),
    /// Every descendant left once the main child has ended.
    Descendants,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Child(pid) => write!(f, "child {pid}"),
            Target::Group(pid) => write!(f, "process group {pid}"),
            Target::Descendants => f.write_str("the descendants left"),
        }
    }
}

/// What init does, as it does it, for the caller to report (or not).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event<'a> {
    /// We are neither process 1 nor a child subreaper: orphans will not be reparented
    /// to us, so we cannot reap them.
    NotReaper,
    /// The main child has started the program.
    Spawned {
        /// Its process id.
        pid: Pid,
        /// The program, as given.
        program: &'a OsStr,
    },
    /// A signal we received was passed on.
    Forwarded {
        /// The signal.
        signal: Signal,
        /// To whom.
        to: Target,
    },
    /// A signal we received could not be passed on (`ESRCH`: the target has ended).
    ForwardFailed {
        /// The signal.
        signal: Signal,
        /// To whom.
        to: Target,
        /// Why.
        errno: Errno,
    },
    /// A process other than the main child ended and was reaped (an orphan, most
    /// likely).
    Reaped {
        /// Its process id.
        pid: Pid,
        /// How it ended.
        state: ChildState,
    },
    /// The main child ended and was reaped.
    MainExited {
        /// Its process id.
        pid: Pid,
        /// How it ended.
        state: ChildState,
        /// The status init will end with (after [`Options::remap`]).
        status: u8,
    },
    /// A signal was sent to the descendants left ([`Options::kill_orphans`]).
    Orphans {
        /// `SIGTERM`, then `SIGKILL`.
        signal: Signal,
        /// How many were signalled, when known (`kill(-1)` does not say).
        count: Option<usize>,
    },
}

/// Why init could not do its job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// [`Options::command`] is empty.
    NoCommand,
    /// The program could not be started (`ENOENT`: not found; `EACCES`: not
    /// executable; …).
    Exec {
        /// The program, as given.
        program: OsString,
        /// The child's `errno`.
        errno: Errno,
    },
    /// A system call init needs failed.
    System {
        /// Which.
        call: &'static str,
        /// Why.
        errno: Errno,
    },
}

impl Error {
    /// The status to exit with, as a shell would: 127 for a program not found, 126
    /// for one found but not runnable, 1 for a failure of init itself.
    pub fn exit_status(&self) -> u8 {
        match self {
            Error::Exec {
                errno: Errno::ENOENT,
                ..
            } => 127,
            Error::Exec { .. } => 126,
            Error::NoCommand | Error::System { .. } => 1,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NoCommand => f.write_str("no command to run"),
            Error::Exec { program, errno } => {
                write!(f, "exec {} failed: {errno}", program.to_string_lossy())
            }
            Error::System { call, errno } => write!(f, "{call}: {errno}"),
        }
    }
}

impl std::error::Error for Error {}

/// An [`Error::System`] maker for `map_err`.
fn sys(call: &'static str) -> impl Fn(Errno) -> Error {
    move |errno| Error::System { call, errno }
}

/// Runs `options.command` as init, telling `events` what happens, and returns the
/// status to exit with (see the crate documentation).
///
/// Issues `rt_sigprocmask`, `signalfd4`, `prctl` (`PR_SET_PDEATHSIG`,
/// `PR_SET_CHILD_SUBREAPER`, `PR_GET_CHILD_SUBREAPER`), what
/// [`Spawn::spawn`] issues, then `ppoll`, `read`, `waitid`, `pidfd_send_signal` /
/// `kill` as events come; with [`Options::kill_orphans`] as a subreaper, reads
/// `/proc` and issues `pidfd_open`.
pub fn run(options: &Options, events: &mut dyn FnMut(Event<'_>)) -> Result<u8, Error> {
    let program = options.command.first().ok_or(Error::NoCommand)?;
    // Every signal blocked before the child exists: none can be missed, or acted on.
    let given_mask =
        signal::sigprocmask(How::SetMask, &SigSet::FULL).map_err(sys("rt_sigprocmask"))?;
    let signals = signal::signalfd(&SigSet::FULL, SfdFlags::CLOEXEC | SfdFlags::NONBLOCK)
        .map_err(sys("signalfd"))?;
    if let Some(sig) = options.parent_death_signal {
        process::set_pdeathsig(Some(sig)).map_err(sys("prctl(PR_SET_PDEATHSIG)"))?;
    }
    let pid1 = process::getpid().as_raw() == 1;
    if !pid1 && (options.subreaper || options.waits_for_all()) {
        process::set_child_subreaper(true).map_err(sys("prctl(PR_SET_CHILD_SUBREAPER)"))?;
    }
    if !pid1 && !process::is_child_subreaper().unwrap_or(false) {
        events(Event::NotReaper);
    }

    let stdin = std::io::stdin();
    let mut spawn = Spawn::new(program);
    spawn
        .args(&options.command[1..])
        .process_group(Pid::from_raw(0))
        .signal_mask(given_mask);
    if options.foreground {
        spawn.foreground(stdin.as_fd());
    }
    let child = spawn.spawn().map_err(|errno| Error::Exec {
        program: program.clone(),
        errno,
    })?;
    let main = child.pid();
    events(Event::Spawned { pid: main, program });
    let mut init = Init {
        options,
        pid1,
        main,
        // Reaping is ours (waitid(P_ALL)); the pidfd stays for signalling.
        main_pidfd: child.into_pidfd(),
        status: None,
        phase: Phase::Running,
    };
    init.run(&signals, events)
}

/// Where init is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// The main child runs: signals go to it.
    Running,
    /// It has ended; we wait for the other descendants (`wait_all`).
    Draining,
    /// It has ended; the others got `SIGTERM`, and get `SIGKILL` at the deadline.
    Terminating { deadline: Instant },
    /// The others got `SIGKILL`; again at `next`, until none is left.
    Killing { next: Instant },
}

impl Phase {
    /// When the loop must wake even if no signal comes.
    fn deadline(self) -> Option<Instant> {
        match self {
            Phase::Running | Phase::Draining => None,
            Phase::Terminating { deadline } => Some(deadline),
            Phase::Killing { next } => Some(next),
        }
    }
}

/// The running init.
struct Init<'o> {
    options: &'o Options,
    pid1: bool,
    main: Pid,
    main_pidfd: OwnedFd,
    /// The status to end with, once the main child has ended.
    status: Option<u8>,
    phase: Phase,
}

impl Init<'_> {
    /// The loop: sleep until a signal (or the phase's deadline), forward, reap, move on.
    fn run(&mut self, signals: &OwnedFd, events: &mut dyn FnMut(Event<'_>)) -> Result<u8, Error> {
        let mut records = [SignalfdSiginfo::default(); 16];
        loop {
            sleep(signals, self.phase.deadline())?;
            let mut reap = false;
            loop {
                match signal::read_signalfd(signals, &mut records) {
                    Ok(n) => {
                        for record in records.iter().take(n) {
                            match record.signal() {
                                Signal::SIGCHLD => reap = true,
                                sig => self.forward(sig, events),
                            }
                        }
                    }
                    Err(Errno::EAGAIN) => break,
                    Err(Errno::EINTR) => {}
                    Err(e) => return Err(sys("read(signalfd)")(e)),
                }
            }
            if self.phase.deadline().is_some_and(|d| Instant::now() >= d) {
                self.deadline_passed(events);
                reap = true;
            }
            if !reap {
                continue;
            }
            let children_left = self.reap(events)?;
            if let Some(status) = self.status {
                if !self.options.waits_for_all() || !children_left {
                    return Ok(status);
                }
                if self.phase == Phase::Running {
                    self.main_ended(events);
                }
            }
        }
    }

    /// Passes `sig` on: to the main child (or its group) while it runs, else to every
    /// descendant left.
    fn forward(&mut self, sig: Signal, events: &mut dyn FnMut(Event<'_>)) {
        let (to, sent) = match self.phase {
            Phase::Running if self.options.signal_group => (
                Target::Group(self.main),
                signal::kill(Pid::from_raw(-self.main.as_raw()), sig),
            ),
            Phase::Running => (
                Target::Child(self.main),
                signal::pidfd_send_signal(&self.main_pidfd, sig),
            ),
            _ => (Target::Descendants, self.signal_descendants(sig).map(drop)),
        };
        events(match sent {
            Ok(()) => Event::Forwarded { signal: sig, to },
            Err(errno) => Event::ForwardFailed {
                signal: sig,
                to,
                errno,
            },
        });
    }

    /// Reaps every child that has ended; returns whether any child is left.
    fn reap(&mut self, events: &mut dyn FnMut(Event<'_>)) -> Result<bool, Error> {
        loop {
            match process::waitid(WaitId::All, WaitOptions::EXITED | WaitOptions::NOHANG) {
                Ok(Some(ended)) if ended.pid == self.main && self.status.is_none() => {
                    let status = self.status_of(ended.state);
                    self.status = Some(status);
                    events(Event::MainExited {
                        pid: ended.pid,
                        state: ended.state,
                        status,
                    });
                }
                Ok(Some(ended)) => events(Event::Reaped {
                    pid: ended.pid,
                    state: ended.state,
                }),
                Ok(None) => return Ok(true),
                Err(Errno::ECHILD) => return Ok(false),
                Err(Errno::EINTR) => {}
                Err(e) => return Err(sys("waitid")(e)),
            }
        }
    }

    /// The status init ends with for a main child that ended so.
    fn status_of(&self, state: ChildState) -> u8 {
        let code = state.shell_code().unwrap_or(1) as u8;
        if self.options.remap.contains(&code) {
            0
        } else {
            code
        }
    }

    /// The main child has ended and others are left: wait for them, or end them.
    fn main_ended(&mut self, events: &mut dyn FnMut(Event<'_>)) {
        self.phase = match self.options.kill_orphans {
            None => Phase::Draining,
            Some(grace) => {
                self.orphans(Signal::SIGTERM, events);
                match Instant::now().checked_add(grace) {
                    Some(deadline) => Phase::Terminating { deadline },
                    // A grace period longer than the clock can count: no SIGKILL.
                    None => Phase::Draining,
                }
            }
        };
    }

    /// The phase's deadline has passed: `SIGKILL` (again) for what is left.
    fn deadline_passed(&mut self, events: &mut dyn FnMut(Event<'_>)) {
        self.orphans(Signal::SIGKILL, events);
        self.phase = Phase::Killing {
            next: Instant::now() + KILL_AGAIN,
        };
    }

    /// Sends `sig` to every descendant left and says so (the first time for
    /// `SIGKILL`; it is repeated quietly).
    fn orphans(&mut self, sig: Signal, events: &mut dyn FnMut(Event<'_>)) {
        let count = self.signal_descendants(sig).ok().flatten();
        if !matches!(self.phase, Phase::Killing { .. }) {
            events(Event::Orphans { signal: sig, count });
        }
    }

    /// Sends `sig` to every descendant: `kill(-1)` as process 1 (count unknown), one
    /// by one through `/proc` and pidfds otherwise.
    fn signal_descendants(&self, sig: Signal) -> Result<Option<usize>, Errno> {
        if self.pid1 {
            return match signal::kill(Pid::from_raw(-1), sig) {
                Ok(()) => Ok(None),
                Err(Errno::ESRCH) => Ok(Some(0)),
                Err(e) => Err(e),
            };
        }
        Ok(Some(descendants::signal_all(process::getpid(), sig)))
    }
}

/// Sleeps in `ppoll` until `signals` is readable, or until `deadline`.
fn sleep(signals: &OwnedFd, deadline: Option<Instant>) -> Result<(), Error> {
    let timeout = deadline.map(|d| {
        let left = d.saturating_duration_since(Instant::now());
        // A deadline too far to write as a timespec is no deadline worth keeping.
        Timespec::try_from(left).unwrap_or(Timespec {
            tv_sec: i64::MAX,
            tv_nsec: 0,
        })
    });
    let mut fds = [PollFd::new(signals.as_fd(), PollFlags::IN)];
    match event::ppoll(&mut fds, timeout.as_ref(), None) {
        Ok(_) | Err(Errno::EINTR) => Ok(()),
        Err(e) => Err(sys("ppoll")(e)),
    }
}
