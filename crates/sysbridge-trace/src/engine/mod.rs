//! The tracer's loop: one `wait4(2)` per event, each tracee a small state machine
//! (outside a call, or between a call's entry and exit), one ptrace request to learn
//! what a syscall-stop is about and one to resume.

mod json;
mod report;
mod spawn;
mod tids;

use std::fmt::Write as _;
use std::sync::atomic::{AtomicI32, Ordering};

use sysbridge::process::{self, Pid, Rusage, WaitFor, WaitOptions, WaitStatus};
use sysbridge::ptrace::{self, Event, Options as PtraceOptions, SyscallInfo};
use sysbridge::signal::{self, SaFlags, SigAction, SigHandler, SigSet, Siginfo, Signal};
use sysbridge::time::{ClockId, Timespec, clock_gettime};
use sysbridge::{Errno, Sysno, SysnoSet, seccomp};

use self::tids::TidMap;
use crate::decode::line::Line;
use crate::decode::{Ctx, DecodeOpts, Decoder, Decoders, Ret, Step};
use crate::decode::{fdinfo, siginfo};
use crate::filter::{Class, Status};
use crate::mem::Mem;
use crate::options::{Options, SeccompBpf, Summary as SummaryMode};
use crate::out::Printer;
use crate::summary::Summary;
use crate::sysent::ROWS;

/// How the traced command ended, for the tracer to end the same way.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Outcome {
    /// It exited with this status (also the answer when only attached processes
    /// were traced: 0).
    Exited(i32),
    /// A signal killed it.
    Killed(Signal),
}

/// The signal that interrupted tracing, if any (set by the handler).
static INTERRUPTED: AtomicI32 = AtomicI32::new(0);

extern "C" fn interrupt(sig: i32) {
    INTERRUPTED.store(sig, Ordering::SeqCst);
}

/// One traced thread.
struct Tracee {
    /// Between a call's entry and exit.
    in_syscall: bool,
    /// The current call: number, arguments, and the stack pointer at entry.
    nr: u64,
    args: [u64; 6],
    sp: u64,
    nargs: u8,
    decoder: Decoder,
    /// What the decoder said at entry.
    step: Step,
    /// This call is printed.
    printed: bool,
    /// Held-back text of a call whose printing depends on its outcome (`-z`, `-Z`).
    staged: Option<String>,
    saved: u64,
    line: Line,
    /// Output is hidden until the started command's first `execve`.
    hidden: bool,
    /// The first stop of a new tracee is still to come.
    starting: bool,
    /// Whether this thread's syscall-stops are known to be at an entry or an exit:
    /// after the first one is asked about, they alternate, so later ones need no
    /// question to tell.
    synced: bool,
    /// The current call needs nothing at its exit (neither printed nor counted): its
    /// exit stop is only resumed.
    quiet_exit: bool,
    /// The instruction pointer at the current stop, when known (`-i`).
    ip: Option<u64>,
    /// The last call whose exit was printed (strace's `s_prev_ent`).
    prev_nr: Option<u64>,
    /// The call's exit must be introduced with `<... NAME resumed>` whatever was
    /// printed since its entry (its thread changed id in `execve`).
    reprint: bool,
    /// Entry time of the current call (monotonic), and system CPU time then.
    entry_time: Timespec,
    entry_stime: Timespec,
}

impl Tracee {
    fn new(json: bool, hidden: bool) -> Tracee {
        Tracee {
            in_syscall: false,
            nr: 0,
            args: [0; 6],
            sp: 0,
            nargs: 0,
            decoder: crate::decode::fallback(),
            step: Step::Done(Ret::Dec),
            printed: false,
            staged: None,
            saved: 0,
            line: Line::new(json),
            hidden,
            starting: true,
            synced: false,
            quiet_exit: false,
            ip: None,
            prev_nr: None,
            reprint: false,
            entry_time: Timespec::default(),
            entry_stime: Timespec::default(),
        }
    }
}

/// The tracer's state.
struct Engine {
    opts: Options,
    decode_opts: DecodeOpts,
    tracees: TidMap<Tracee>,
    printer: Printer,
    mem: Mem,
    decoders: Decoders,
    /// Argument count and classes by call number.
    rows: Vec<Option<(u8, Class)>>,
    summary: Option<Summary>,
    /// The started command, while it lives, and how it ended.
    child: Option<Pid>,
    outcome: Option<Outcome>,
    /// Tracees run under a seccomp filter: untraced calls do not stop.
    seccomp: bool,
    /// Whether the trace lines are printed at all (not with `-c`).
    printing: bool,
    scratch: Vec<u8>,
    text: String,
    /// What follows a returned descriptor (`-y`), built here to reuse its buffer.
    fd_note: String,
    started_at: Timespec,
    /// The wall-clock time at `started_at`.
    started_wall: Timespec,
}

/// The name of call `nr`: the kernel's, or `syscall_0x1c3` for a number no table knows.
fn call_name(nr: u64) -> std::borrow::Cow<'static, str> {
    match u32::try_from(nr).ok().and_then(Sysno::from_raw) {
        Some(s) => s.name().into(),
        None => format!("syscall_{nr:#x}").into(),
    }
}

fn ts_add(a: Timespec, b: Timespec) -> Timespec {
    let mut s = a.tv_sec + b.tv_sec;
    let mut n = a.tv_nsec + b.tv_nsec;
    if n >= 1_000_000_000 {
        s += 1;
        n -= 1_000_000_000;
    }
    Timespec {
        tv_sec: s,
        tv_nsec: n,
    }
}

fn ts_sub(a: Timespec, b: Timespec) -> Timespec {
    let mut s = a.tv_sec - b.tv_sec;
    let mut n = a.tv_nsec - b.tv_nsec;
    if n < 0 {
        s -= 1;
        n += 1_000_000_000;
    }
    Timespec {
        tv_sec: s,
        tv_nsec: n,
    }
}

/// Traces as `opts` says and returns how the traced command ended.
pub fn run(mut opts: Options) -> Result<Outcome, String> {
    if opts.command.is_empty() && opts.attach.is_empty() {
        return Err("must have PROG [ARGS] or -p PID".into());
    }
    if opts.output_separately && opts.output.is_none() {
        opts.output_separately = false;
    }
    let started = !opts.command.is_empty();
    let leaves_calls_out = !opts.trace.is_all_known();
    if opts.seccomp_bpf == SeccompBpf::On && !(started && opts.follow_forks) {
        eprintln!("sysbridge: trace: --seccomp-bpf needs -f and a command to start, disabling");
    }
    // A filter is inherited by every child, whose filtered calls would fail with
    // ENOSYS if nobody traced them: only possible when every child is followed.
    let seccomp = started
        && opts.follow_forks
        && match opts.seccomp_bpf {
            SeccompBpf::On => true,
            SeccompBpf::Off => false,
            SeccompBpf::Auto => leaves_calls_out,
        };

    let mut ptrace_opts =
        PtraceOptions::TRACESYSGOOD | PtraceOptions::TRACEEXEC | PtraceOptions::TRACEEXIT;
    if opts.follow_forks {
        ptrace_opts |=
            PtraceOptions::TRACECLONE | PtraceOptions::TRACEFORK | PtraceOptions::TRACEVFORK;
    }
    if seccomp {
        ptrace_opts |= PtraceOptions::TRACESECCOMP;
    }
    let mut rows = vec![None; 512];
    for r in ROWS {
        rows[r.nr.raw() as usize] = Some((r.nargs, r.classes));
    }
    let printer = Printer::new(&opts, opts.attach.len())?;
    let mut engine = Engine {
        decode_opts: DecodeOpts {
            strsize: opts.strsize,
            hex: opts.hex,
            fd_paths: opts.fd_paths,
        },
        tracees: TidMap::default(),
        printer,
        mem: Mem::default(),
        decoders: Decoders::new(),
        rows,
        summary: (opts.summary != SummaryMode::Off).then(Summary::default),
        child: None,
        outcome: None,
        seccomp,
        printing: opts.summary != SummaryMode::Only,
        scratch: Vec::new(),
        text: String::new(),
        fd_note: String::new(),
        started_at: clock_gettime(ClockId::Monotonic),
        started_wall: clock_gettime(ClockId::Realtime),
        opts,
    };
    if started {
        let path = spawn::resolve(&engine.opts.command[0])?;
        let filter = seccomp.then(|| engine.seccomp_filter());
        let prepared = spawn::Prepared::new(&path, &engine.opts.command, &engine.opts.env, filter)?;
        let pid = spawn::start(&prepared, ptrace_opts | PtraceOptions::EXITKILL)?;
        engine.child = Some(pid);
        // Seized in its own group-stop, the child first reports that stop: its startup.
        engine
            .tracees
            .insert(pid.as_raw(), Tracee::new(engine.opts.json, true));
    }
    // Before attaching, so that a Ctrl-C once a process is seized always detaches it;
    // after the fork, so that the command does not inherit ignored signals.
    install_signal_handlers(started && engine.opts.output.is_some());
    for &pid in &engine.opts.attach.clone() {
        for tid in spawn::attach(pid, ptrace_opts)? {
            engine
                .tracees
                .insert(tid.as_raw(), Tracee::new(engine.opts.json, false));
            if engine.opts.quiet == 0 {
                eprintln!("sysbridge: Process {tid} attached");
            }
        }
    }
    let result = engine.main_loop();
    engine.printer.flush();
    if let Some(summary) = engine.summary.take() {
        let table = summary.render(engine.opts.sort_by, engine.opts.summary_wall_clock);
        if engine.opts.summary == SummaryMode::Also {
            engine.printer.push(&table);
            engine.printer.flush();
        } else {
            // `-c` alone prints the table to the trace output (standard error by default).
            engine.printer.push(&table);
            engine.printer.flush();
        }
    }
    if let Some(e) = engine.printer.error() {
        return Err(format!("write: {e}"));
    }
    result?;
    Ok(engine.outcome.unwrap_or(Outcome::Exited(0)))
}

/// Fatal signals end tracing when the tracer is interactive (output to standard error,
/// or attached processes); with `-o` and a started command they are ignored, so that
/// the command handles its own Ctrl-C and the trace records it.
fn install_signal_handlers(non_interactive: bool) {
    let handler = if non_interactive {
        SigHandler::Ignore
    } else {
        SigHandler::Handler(interrupt)
    };
    let action = SigAction {
        handler,
        flags: SaFlags::empty(),
        mask: SigSet::EMPTY,
    };
    let ignore = SigAction {
        handler: SigHandler::Ignore,
        flags: SaFlags::empty(),
        mask: SigSet::EMPTY,
    };
    for sig in [
        Signal::SIGHUP,
        Signal::SIGINT,
        Signal::SIGQUIT,
        Signal::SIGPIPE,
        Signal::SIGTERM,
    ] {
        // SAFETY: `interrupt` only stores to an atomic, which is async-signal-safe.
        let _ = unsafe { signal::sigaction(sig, &action) };
    }
    for sig in [Signal::SIGTTOU, Signal::SIGTTIN] {
        // SAFETY: ignoring a signal installs no code.
        let _ = unsafe { signal::sigaction(sig, &ignore) };
    }
}

impl Engine {
    /// The calls a `--seccomp-bpf` filter stops: the traced ones, and those that change
    /// the process tree or program (the tracer must see them).
    fn seccomp_filter(&self) -> Vec<seccomp::Insn> {
        let mut set: SysnoSet = self.opts.trace.known().clone();
        set.extend(
            ROWS.iter()
                .filter(|r| r.classes.contains(Class::SECCOMP_DEFAULT))
                .map(|r| r.nr),
        );
        seccomp::filter_syscalls(&set, seccomp::RET_TRACE, seccomp::RET_ALLOW)
    }

    fn main_loop(&mut self) -> Result<(), String> {
        let cputime = self.summary.is_some() && !self.opts.summary_wall_clock;
        while !self.tracees.is_empty() {
            let sig = INTERRUPTED.swap(0, Ordering::SeqCst);
            if sig != 0 {
                self.cleanup(Signal::from_raw(sig));
                break;
            }
            let waited = if cputime {
                process::wait4_rusage(WaitFor::Any, WaitOptions::ALL)
                    .map(|w| w.map(|(p, s, r)| (p, s, Some(r))))
            } else {
                process::wait4(WaitFor::Any, WaitOptions::ALL).map(|w| w.map(|(p, s)| (p, s, None)))
            };
            match waited {
                Ok(Some((pid, status, usage))) => self.handle(pid.as_raw(), status, usage),
                Ok(None) | Err(Errno::EINTR) => {}
                Err(Errno::ECHILD) => break,
                Err(e) => return Err(format!("wait4(__WALL): {e}")),
            }
        }
        Ok(())
    }

    /// Resumes `tid` to its next stop of interest, delivering `sig`. Under a seccomp
    /// filter, a tracee outside a call runs until the filter stops it.
    fn resume(&self, tid: i32, sig: Option<Signal>) {
        let pid = Pid::from_raw(tid);
        let in_syscall = self.tracees.get(&tid).is_some_and(|t| t.in_syscall);
        // A tracee that vanished meanwhile reports its death through wait4.
        let _ = if self.seccomp && !in_syscall {
            ptrace::cont(pid, sig)
        } else {
            ptrace::syscall(pid, sig)
        };
    }

    fn handle(&mut self, tid: i32, status: WaitStatus, usage: Option<Rusage>) {
        if let Some(code) = status.exit_code() {
            self.on_death(tid, Outcome::Exited(code), false);
            return;
        }
        if let Some(sig) = status.term_signal() {
            self.on_death(tid, Outcome::Killed(sig), status.core_dumped());
            return;
        }
        let Some(sig) = status.stop_signal() else {
            return;
        };
        if !self.tracees.contains_key(&tid) {
            // A new child can report before its parent's fork event.
            self.adopt(tid);
        }
        if sig.raw() == Signal::SIGTRAP.raw() | 0x80 {
            self.on_syscall_stop(tid, usage);
            return;
        }
        match Event::from_raw(status.ptrace_event()) {
            None => self.on_signal(tid, sig),
            Some(Event::Fork | Event::Vfork | Event::Clone) => {
                if let Ok(new) = ptrace::get_event_msg(Pid::from_raw(tid))
                    && !self.tracees.contains_key(&(new as i32))
                {
                    self.adopt(new as i32);
                }
                self.resume(tid, None);
            }
            Some(Event::Exec) => {
                if let Ok(former) = ptrace::get_event_msg(Pid::from_raw(tid))
                    && former as i32 != tid
                {
                    self.thread_execed(former as i32, tid);
                }
                self.resume(tid, None);
            }
            Some(Event::Exit) => {
                self.finish_unfinished(tid);
                self.resume(tid, None);
            }
            Some(Event::Stop) => {
                let starting = self
                    .tracees
                    .get_mut(&tid)
                    .is_some_and(|t| std::mem::replace(&mut t.starting, false));
                let group_stop = [
                    Signal::SIGSTOP,
                    Signal::SIGTSTP,
                    Signal::SIGTTIN,
                    Signal::SIGTTOU,
                ]
                .contains(&sig);
                if group_stop && !starting {
                    self.print_stopped(tid, sig);
                    let _ = ptrace::listen(Pid::from_raw(tid));
                } else {
                    self.resume(tid, None);
                }
            }
            // Since Linux 4.8 the kernel reports the syscall-entry stop before running
            // seccomp; resumed with PTRACE_CONT, a tracee under our filter reaches no
            // entry stop at all, so the seccomp stop is where the call enters.
            Some(Event::Seccomp) => self.on_syscall_stop(tid, usage),
            Some(Event::VforkDone) => self.resume(tid, None),
        }
    }

    /// A thread other than the leader ran `execve`: it takes the leader's id (`pid`)
    /// and the leader's state is gone. As strace does, an open line of the thread is
    /// ended with ` <pid changed to PID ...>`, the change is announced under the new
    /// id, and the call's exit is introduced with `<... execve resumed>`.
    fn thread_execed(&mut self, former: i32, pid: i32) {
        self.tracees.remove(&pid);
        let Some(mut t) = self.tracees.remove(&former) else {
            return;
        };
        self.mem.forget(former);
        self.mem.forget(pid);
        t.reprint = self.printing && !self.opts.json;
        self.tracees.insert(pid, t);
        if self.printing && self.opts.json {
            self.printer.whole_line(pid, &json::superseded(pid, former));
        } else if self.printing {
            self.printer.pid_changed(former, pid);
            if self.opts.quiet < 3 {
                self.lead(pid, self.tracees.len());
                self.printer
                    .push(&format!("+++ superseded by execve in pid {former} +++"));
                self.printer.newline();
            }
        }
    }

    /// Starts tracking a new child or thread (auto-attached with `-f`).
    fn adopt(&mut self, tid: i32) {
        self.tracees.insert(tid, Tracee::new(self.opts.json, false));
        if self.opts.quiet == 0 {
            self.printer.flush();
            eprintln!("sysbridge: Process {tid} attached");
        }
    }

    fn on_syscall_stop(&mut self, tid: i32, usage: Option<Rusage>) {
        let count_only = !self.printing;
        let Some(t) = self.tracees.get_mut(&tid) else {
            return;
        };
        if t.synced {
            if t.in_syscall && t.quiet_exit {
                // The exit of a call nobody asked about: resume, no question.
                t.in_syscall = false;
                t.quiet_exit = false;
                self.resume(tid, None);
                return;
            }
            if count_only && !t.hidden {
                // -c alone: nothing is needed at entry; at exit, the registers give the
                // call's number and result at once.
                if t.in_syscall {
                    self.count_exit(tid, usage);
                } else {
                    t.in_syscall = true;
                    t.quiet_exit = false;
                    self.stamp_entry(tid, usage);
                }
                self.resume(tid, None);
                return;
            }
        }
        match ptrace::get_syscall_info(Pid::from_raw(tid)) {
            Ok(
                SyscallInfo::Entry { nr, args, ip, sp }
                | SyscallInfo::Seccomp {
                    nr, args, ip, sp, ..
                },
            ) => {
                if let Some(t) = self.tracees.get_mut(&tid) {
                    t.ip = Some(ip);
                }
                self.on_entry(tid, nr, args, sp, usage);
            }
            Ok(SyscallInfo::Exit { rval, is_error }) => self.on_exit(tid, rval, is_error, usage),
            Ok(_) => {}
            // The tracee died under us: its death is reported next.
            Err(_) => return,
        }
        if let Some(t) = self.tracees.get_mut(&tid) {
            t.synced = true;
        }
        self.resume(tid, None);
    }

    /// Records the times a call entered at, for `-c` and `-T`.
    fn stamp_entry(&mut self, tid: i32, usage: Option<Rusage>) {
        let timed = self.summary.is_some() || self.opts.syscall_times || self.opts.json;
        let Some(t) = self.tracees.get_mut(&tid) else {
            return;
        };
        if timed {
            t.entry_time = clock_gettime(ClockId::Monotonic);
        }
        if let Some(u) = usage {
            t.entry_stime = Timespec {
                tv_sec: u.stime.tv_sec,
                tv_nsec: u.stime.tv_usec * 1000,
            };
        }
    }

    /// The exit of a call under `-c` alone: its number and result from the registers.
    fn count_exit(&mut self, tid: i32, usage: Option<Rusage>) {
        let Some(t) = self.tracees.get_mut(&tid) else {
            return;
        };
        t.in_syscall = false;
        let Ok(regs) = ptrace::get_regs(Pid::from_raw(tid)) else {
            return;
        };
        // rt_sigreturn restores every register from the signal frame and sets orig_rax
        // to -1, the only x86_64 call to do so; its result is the restored rax.
        let nr = if regs.orig_rax == u64::MAX {
            u64::from(Sysno::rt_sigreturn.raw())
        } else {
            regs.orig_rax
        };
        if !self.opts.trace.contains_raw(nr) {
            return;
        }
        let never_fails = self
            .rows
            .get(nr as usize)
            .copied()
            .flatten()
            .is_some_and(|(_, c)| c.contains(Class::NEVER_FAILS));
        let failed = !never_fails && regs.rax > -4096i64 as u64;
        let spent = self.time_spent(tid, usage);
        if let Some(summary) = &mut self.summary {
            summary.count(nr, failed, spent);
        }
    }

    /// The time call of `tid` took: system CPU time from the stop's resource usage, or
    /// wall-clock time with `-w`.
    fn time_spent(&self, tid: i32, usage: Option<Rusage>) -> Timespec {
        let Some(t) = self.tracees.get(&tid) else {
            return Timespec::default();
        };
        match usage {
            Some(u) => ts_sub(
                Timespec {
                    tv_sec: u.stime.tv_sec,
                    tv_nsec: u.stime.tv_usec * 1000,
                },
                t.entry_stime,
            ),
            None => ts_sub(clock_gettime(ClockId::Monotonic), t.entry_time),
        }
    }

    fn nprocs(&self) -> usize {
        self.tracees.len()
    }

    fn on_entry(&mut self, tid: i32, nr: u64, args: [u64; 6], sp: u64, usage: Option<Rusage>) {
        let row = self.rows.get(nr as usize).copied().flatten();
        let nargs = row.map_or(6, |(n, _)| n);
        let timed = self.summary.is_some() || self.opts.syscall_times || self.opts.json;
        let Some(t) = self.tracees.get_mut(&tid) else {
            return;
        };
        t.in_syscall = true;
        t.nr = nr;
        t.args = args;
        t.sp = sp;
        t.nargs = nargs;
        if timed {
            t.entry_time = clock_gettime(ClockId::Monotonic);
        }
        if let Some(u) = usage {
            t.entry_stime = Timespec {
                tv_sec: u.stime.tv_sec,
                tv_nsec: u.stime.tv_usec * 1000,
            };
        }
        if t.hidden {
            let exec =
                nr == u64::from(Sysno::execve.raw()) || nr == u64::from(Sysno::execveat.raw());
            if !exec {
                t.printed = false;
                return;
            }
            t.hidden = false;
        }
        t.printed = self.opts.trace.contains_raw(nr);
        if !t.printed {
            return;
        }
        let raw = self.opts.raw.contains_raw(nr);
        t.decoder = if raw {
            crate::decode::fallback()
        } else {
            self.decoders.get(nr)
        };
        if !self.printing {
            t.step = Step::Done(Ret::Dec);
            return;
        }
        let staged = !self.opts.status.is_all() || self.opts.json;
        t.line.reset();
        t.saved = 0;
        let mut ctx = Ctx {
            tid,
            args,
            sp,
            nargs,
            exiting: false,
            rval: 0,
            error: None,
            saved: &mut t.saved,
            prev_nr: t.prev_nr,
            abbrev: self.opts.abbrev.contains_raw(nr),
            verbose: self.opts.verbose.contains_raw(nr),
            line: &mut t.line,
            mem: &mut self.mem,
            opts: &self.decode_opts,
            scratch: &mut self.scratch,
        };
        let step = (t.decoder)(&mut ctx);
        let step = if raw { Step::Done(Ret::Hex) } else { step };
        if step == Step::Exit {
            t.line.end_entry_phase();
        }
        t.step = step;
        let name = call_name(nr);
        if staged {
            t.staged = Some(format!("{name}({}", t.line.text));
        } else {
            self.lead(tid, self.tracees.len());
            self.printer.push(&name);
            self.printer.push("(");
            let t = self.tracees.get_mut(&tid).expect("present");
            self.printer.push(&t.line.text);
        }
        if let Some(t) = self.tracees.get_mut(&tid) {
            t.line.text.clear();
        }
    }

    fn on_exit(&mut self, tid: i32, rval: i64, is_error: bool, usage: Option<Rusage>) {
        let nprocs = self.nprocs();
        let Some(t) = self.tracees.get_mut(&tid) else {
            return;
        };
        if !t.in_syscall {
            // Attached in the middle of a call: its entry was never seen.
            return;
        }
        t.in_syscall = false;
        let nr = t.nr;
        let never_fails = self
            .rows
            .get(nr as usize)
            .copied()
            .flatten()
            .is_some_and(|(_, c)| c.contains(Class::NEVER_FAILS));
        let error = (is_error && !never_fails).then(|| Errno::from_raw((-rval) as i32));
        if !t.printed {
            return;
        }
        let now = (self.summary.is_some() || self.opts.syscall_times || self.opts.json)
            .then(|| clock_gettime(ClockId::Monotonic));
        if let (Some(summary), Some(now)) = (&mut self.summary, now) {
            let spent = match usage {
                Some(u) => {
                    let stime = Timespec {
                        tv_sec: u.stime.tv_sec,
                        tv_nsec: u.stime.tv_usec * 1000,
                    };
                    ts_sub(stime, t.entry_stime)
                }
                None => ts_sub(now, t.entry_time),
            };
            summary.count(nr, error.is_some(), spent);
        }
        if !self.printing {
            return;
        }
        let publish = if error.is_some() {
            self.opts.status.contains(Status::Failed)
        } else {
            self.opts.status.contains(Status::Successful)
        };
        let staged = t.staged.take();
        t.prev_nr = Some(nr);
        let ret = match &t.step {
            Step::Exit | Step::Result => {
                let mut ctx = Ctx {
                    tid,
                    args: t.args,
                    sp: t.sp,
                    nargs: t.nargs,
                    exiting: true,
                    rval,
                    error,
                    saved: &mut t.saved,
                    prev_nr: t.prev_nr,
                    abbrev: self.opts.abbrev.contains_raw(nr),
                    verbose: self.opts.verbose.contains_raw(nr),
                    line: &mut t.line,
                    mem: &mut self.mem,
                    opts: &self.decode_opts,
                    scratch: &mut self.scratch,
                };
                match (t.decoder)(&mut ctx) {
                    Step::Done(ret) => ret,
                    Step::Exit | Step::Result => Ret::Dec,
                }
            }
            Step::Done(ret) => ret.clone(),
        };
        if !publish {
            t.line.text.clear();
            return;
        }
        if self.opts.json {
            let entry_time = t.entry_time;
            let end = json::End {
                rval,
                error,
                duration: now.map_or_else(Timespec::default, |now| ts_sub(now, entry_time)),
            };
            let line = self.json_call(tid, Some(end));
            self.printer.whole_line(tid, &line);
            return;
        }
        let t = self.tracees.get_mut(&tid).expect("present");
        let exit_text = std::mem::take(&mut t.line.text);
        let entry_time = t.entry_time;
        let reprint = std::mem::take(&mut t.reprint);
        self.reopen_line(tid, nprocs, nr, staged, reprint);
        self.printer.push(&exit_text);
        self.printer.push(") ");
        self.printer.tabto();
        let mut text = std::mem::take(&mut self.text);
        text.clear();
        let mut note = std::mem::take(&mut self.fd_note);
        note.clear();
        if ret == Ret::Fd && error.is_none() {
            fdinfo::annotate(
                &mut note,
                tid,
                rval as i32,
                self.opts.fd_paths,
                self.decode_opts.hex,
            );
        }
        report::result(&mut text, rval, error, &ret, &note);
        self.fd_note = note;
        if let Some(now) = now.filter(|_| self.opts.syscall_times) {
            let d = ts_sub(now, entry_time);
            let _ = write!(text, " <{}.{:06}>", d.tv_sec, d.tv_nsec / 1000);
        }
        self.printer.push(&text);
        self.printer.newline();
        self.text = text;
        if let Some(t) = self.tracees.get_mut(&tid) {
            t.line.text = exit_text;
        }
    }

    /// The JSON record of `tid`'s call, ended (`end`) or not.
    fn json_call(&mut self, tid: i32, end: Option<json::End>) -> String {
        let t = self.tracees.get_mut(&tid).expect("present");
        let args = t.line.take_json().unwrap_or(serde_json::Value::Null);
        let since_start = ts_sub(t.entry_time, self.started_at);
        json::Call {
            pid: tid,
            name: &call_name(t.nr),
            nr: t.nr,
            args,
            raw_args: &t.args[..usize::from(t.nargs)],
            time: ts_add(self.started_wall, since_start),
            end,
        }
        .to_line()
    }

    /// Starts a line for `tid` (see [`Printer::leader`]), then, with `-n` and `-i`, the
    /// number of its current (or last) call and its instruction pointer, as strace
    /// writes them: `[ 257] [00007f0c1d2e3f4a] `.
    fn lead(&mut self, tid: i32, nprocs: usize) {
        self.printer.leader(tid, nprocs);
        if !self.opts.syscall_numbers && !self.opts.instruction_pointer {
            return;
        }
        let t = self.tracees.get(&tid);
        let mut text = String::new();
        if self.opts.syscall_numbers {
            let _ = write!(text, "[{:4}] ", t.map_or(0, |t| t.nr));
        }
        if self.opts.instruction_pointer {
            match t.and_then(|t| t.ip) {
                Some(ip) => {
                    let _ = write!(text, "[{ip:016x}] ");
                }
                None => text.push_str("[????????????????] "),
            }
        }
        self.printer.push(&text);
    }

    /// At a stop that is not a system call's: with `-i`, where `tid` stands; with `-n`
    /// under a seccomp filter (which hides untraced calls), the number of its last
    /// call, left in `orig_rax` (all ones when no call is under way).
    fn refresh_regs(&mut self, tid: i32) {
        let numbers = self.opts.syscall_numbers && self.seccomp;
        if !self.opts.instruction_pointer && !numbers {
            return;
        }
        let regs = ptrace::get_regs(Pid::from_raw(tid)).ok();
        if let Some(t) = self.tracees.get_mut(&tid) {
            t.ip = regs.map(|r| r.rip);
            if let Some(nr) = regs
                .map(|r| r.orig_rax)
                .filter(|&n| numbers && n != u64::MAX)
            {
                t.nr = nr;
            }
        }
    }

    /// Makes the printer ready for the rest of `tid`'s call `nr`: its held-back entry
    /// (`-z`, `-Z`, `--json`) printed now, or `<... NAME resumed>` when something else
    /// was printed since its entry (or its thread changed id), or its line continued.
    fn reopen_line(
        &mut self,
        tid: i32,
        nprocs: usize,
        nr: u64,
        staged: Option<String>,
        reprint: bool,
    ) {
        match staged {
            Some(text) => {
                self.lead(tid, nprocs);
                self.printer.push(&text);
            }
            None if reprint || self.printer.needs_resume(tid) => {
                self.lead(tid, nprocs);
                self.printer
                    .push(&format!("<... {} resumed>", call_name(nr)));
            }
            None => self.printer.continue_with(tid),
        }
    }

    /// A call that will never return (the tracee is exiting): `) = ?`, as strace ends it.
    fn finish_unfinished(&mut self, tid: i32) {
        let nprocs = self.nprocs();
        let Some(t) = self.tracees.get_mut(&tid) else {
            return;
        };
        if !t.in_syscall {
            return;
        }
        t.in_syscall = false;
        if !t.printed || !self.printing || !self.opts.status.contains(Status::Unfinished) {
            t.staged = None;
            return;
        }
        let needs_more = t.step == Step::Exit;
        let nr = t.nr;
        if self.opts.json {
            let line = self.json_call(tid, None);
            self.printer.whole_line(tid, &line);
            return;
        }
        let staged = t.staged.take();
        let reprint = std::mem::take(&mut t.reprint);
        self.reopen_line(tid, nprocs, nr, staged, reprint);
        if needs_more {
            self.printer.push(" <unfinished ...>");
        }
        self.printer.push(") ");
        self.printer.tabto();
        self.printer.push("= ?");
        self.printer.newline();
    }

    fn on_signal(&mut self, tid: i32, sig: Signal) {
        let hidden = self.tracees.get(&tid).is_some_and(|t| t.hidden);
        if !hidden && self.printing && self.opts.signals.contains(sig) {
            let info = ptrace::get_siginfo(Pid::from_raw(tid)).ok();
            let mut line = Line::new(self.opts.json);
            match &info {
                Some(si) => self.print_siginfo(tid, &mut line, si),
                None => line.sym("?"),
            }
            if self.opts.json {
                let siginfo = line.take_json().and_then(|v| v.get(0).cloned());
                self.printer
                    .whole_line(tid, &json::signal(tid, sig, siginfo));
            } else {
                self.refresh_regs(tid);
                self.lead(tid, self.nprocs());
                self.printer.push(&format!("--- {sig} "));
                self.printer.push(&line.text);
                self.printer.push(" ---");
                self.printer.newline();
            }
        }
        self.resume(tid, Some(sig));
    }

    /// `si` as strace prints a signal's information (descriptors annotated with
    /// `-y`, which needs the tracee).
    fn print_siginfo(&mut self, tid: i32, line: &mut Line, si: &Siginfo) {
        let mut saved = 0;
        let mut ctx = Ctx {
            tid,
            args: [0; 6],
            sp: 0,
            nargs: 0,
            exiting: false,
            rval: 0,
            error: None,
            saved: &mut saved,
            prev_nr: None,
            abbrev: true,
            verbose: true,
            line,
            mem: &mut self.mem,
            opts: &self.decode_opts,
            scratch: &mut self.scratch,
        };
        siginfo::siginfo(&mut ctx, si.as_bytes());
    }

    fn print_stopped(&mut self, tid: i32, sig: Signal) {
        let hidden = self.tracees.get(&tid).is_some_and(|t| t.hidden);
        if hidden || !self.printing || !self.opts.signals.contains(sig) {
            return;
        }
        if self.opts.json {
            self.printer.whole_line(tid, &json::stopped(tid, sig));
            return;
        }
        self.refresh_regs(tid);
        self.lead(tid, self.nprocs());
        self.printer.push(&format!("--- stopped by {sig} ---"));
        self.printer.newline();
    }

    fn on_death(&mut self, tid: i32, how: Outcome, core: bool) {
        let nprocs = self.nprocs();
        if let Some(t) = self.tracees.get(&tid)
            && t.in_syscall
            && t.printed
        {
            // Killed inside a call without an exit stop: the line is left unfinished.
            if let Some(t) = self.tracees.get_mut(&tid) {
                t.in_syscall = false;
            }
        }
        if let Some(t) = self.tracees.get_mut(&tid) {
            // A dead process has no registers.
            t.ip = None;
        }
        if self.printing && self.tracees.contains_key(&tid) {
            let text = match how {
                Outcome::Exited(code) if self.opts.quiet < 2 => {
                    Some(format!("+++ exited with {code} +++"))
                }
                Outcome::Killed(sig) if self.opts.signals.contains(sig) => Some(format!(
                    "+++ killed by {sig} {}+++",
                    if core { "(core dumped) " } else { "" }
                )),
                _ => None,
            };
            if let Some(text) = text {
                if self.opts.json {
                    let line = match how {
                        Outcome::Exited(code) => json::exited(tid, code),
                        Outcome::Killed(sig) => json::killed(tid, sig, core),
                    };
                    self.printer.whole_line(tid, &line);
                } else {
                    self.lead(tid, nprocs);
                    self.printer.push(&text);
                    self.printer.newline();
                }
            }
        }
        if self.child == Some(Pid::from_raw(tid)) {
            self.outcome = Some(how);
            self.child = None;
        }
        self.tracees.remove(&tid);
        self.mem.forget(tid);
    }

    /// Interrupted by `sig`: the started command gets `SIGCONT` and `sig` (as strace
    /// does), and every tracee is detached and left running.
    fn cleanup(&mut self, sig: Signal) {
        if let Some(child) = self.child {
            let _ = signal::kill(child, Signal::SIGCONT);
            let _ = signal::kill(child, sig);
        }
        let tids: Vec<i32> = self.tracees.keys().copied().collect();
        for tid in tids {
            self.detach(tid);
        }
    }

    /// Detaches from `tid`: stops it with `PTRACE_INTERRUPT`, waits for that stop (other
    /// events first reported are handled: a pending signal is passed on), detaches.
    fn detach(&mut self, tid: i32) {
        let pid = Pid::from_raw(tid);
        if ptrace::interrupt(pid).is_err() {
            self.tracees.remove(&tid);
            return;
        }
        loop {
            match process::wait4(WaitFor::Pid(pid), WaitOptions::ALL) {
                Ok(Some((_, status))) => {
                    if status.exit_code().is_some() || status.term_signal().is_some() {
                        break;
                    }
                    let Some(sig) = status.stop_signal() else {
                        continue;
                    };
                    let event = status.ptrace_event();
                    let pending =
                        (event == 0 && sig.raw() != Signal::SIGTRAP.raw() | 0x80).then_some(sig);
                    if event == Event::Stop as u32
                        || pending.is_some()
                        || sig.raw() == Signal::SIGTRAP.raw() | 0x80
                    {
                        let _ = ptrace::detach(pid, pending.filter(|s| *s != Signal::SIGSTOP));
                        if self.opts.quiet == 0 {
                            eprintln!("sysbridge: Process {tid} detached");
                        }
                        break;
                    }
                    let _ = ptrace::cont(pid, None);
                }
                Ok(None) | Err(Errno::EINTR) => {}
                Err(_) => break,
            }
        }
        self.tracees.remove(&tid);
    }
}
