//! The process-control calls a tracer is built on: signals, fork and exec, waiting,
//! prctl, process_vm_readv, ptrace and seccomp, each against an independent view
//! (libc's constants, `/proc/<pid>/status`, `/proc/self/mem`, the child's own fate).
//!
//! Children made with `fork` run only raw-entry calls on data prepared before the fork
//! (the test harness is multi-threaded, so a child must not allocate or lock).

use std::ffi::CStr;
use std::io::{IoSliceMut, Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicI32, Ordering};

use sysbridge::process::{
    self, CStrArray, ChildState, Pid, RemoteIoVec, WaitFor, WaitId, WaitOptions, WaitStatus,
};
use sysbridge::ptrace::{self, Event, Options, SyscallInfo};
use sysbridge::seccomp::{self, FilterFlags, RET_ALLOW};
use sysbridge::signal::{self, How, SaFlags, SigAction, SigHandler, SigSet, Signal};
use sysbridge::{Errno, Sysno, SysnoSet};

mod common;
use common::status_field;

/// Forks a child that runs `child` (raw calls only) and exits with what it returns.
fn fork_child(child: impl FnOnce() -> i32) -> Pid {
    // SAFETY: the child runs only `child`, which the callers keep to raw-entry calls on
    // prepared data, then exits without unwinding or running destructors.
    match unsafe { process::fork() }.unwrap() {
        None => process::exit_group(child()),
        Some(pid) => pid,
    }
}

fn wait_exit(pid: Pid) -> WaitStatus {
    let (who, status) = process::wait4(WaitFor::Pid(pid), WaitOptions::ALL)
        .unwrap()
        .unwrap();
    assert_eq!(who, pid);
    status
}

unsafe extern "C" {
    /// glibc (2.32+): the abbreviated name of a signal ("CHLD"), or null.
    fn sigabbrev_np(sig: libc::c_int) -> *const libc::c_char;
}

#[test]
fn signal_numbers_and_names_are_the_kernel_s() {
    let libc_numbers = [
        (Signal::SIGHUP, libc::SIGHUP),
        (Signal::SIGINT, libc::SIGINT),
        (Signal::SIGKILL, libc::SIGKILL),
        (Signal::SIGSEGV, libc::SIGSEGV),
        (Signal::SIGCHLD, libc::SIGCHLD),
        (Signal::SIGSTOP, libc::SIGSTOP),
        (Signal::SIGSYS, libc::SIGSYS),
        (Signal::SIGSTKFLT, libc::SIGSTKFLT),
        (Signal::SIGPWR, libc::SIGPWR),
    ];
    for (ours, theirs) in libc_numbers {
        assert_eq!(ours.raw(), theirs, "{ours}");
    }
    for sig in (1..32).map(Signal::from_raw) {
        let name = sig.name().unwrap();
        assert_eq!(Signal::from_name(name), Some(sig));
        // glibc's own abbreviation, without "SIG".
        // SAFETY: sigabbrev_np returns a static string or null.
        let abbrev = unsafe { sigabbrev_np(sig.raw()) };
        if !abbrev.is_null() {
            // SAFETY: non-null results are NUL-terminated static strings.
            let abbrev = unsafe { CStr::from_ptr(abbrev) }.to_str().unwrap();
            // glibc abbreviates 29 as "POLL", its other name; the kernel and strace
            // say SIGIO.
            if sig == Signal::SIGIO {
                assert_eq!((abbrev, Signal::from_name("SIGPOLL")), ("POLL", Some(sig)));
            } else {
                assert_eq!(&name[3..], abbrev, "signal {}", sig.raw());
            }
        }
    }
    assert_eq!(Signal::from_raw(32).to_string(), "SIGRTMIN");
    assert_eq!(Signal::from_raw(64).to_string(), "SIGRT_32");
    assert_eq!(Signal::from_raw(65).to_string(), "65");
    assert_eq!(Signal::all().count(), 64);
}

#[test]
fn sigprocmask_is_what_proc_reports() {
    // On a thread of its own, so that the other tests' threads keep their masks.
    std::thread::spawn(|| {
        let set = SigSet::EMPTY.with(Signal::SIGUSR2).with(Signal::SIGWINCH);
        let old = signal::sigprocmask(How::Block, &set).unwrap();
        let tid = process::gettid();
        let blocked = std::fs::read_to_string(format!("/proc/self/task/{tid}/status")).unwrap();
        let line = blocked.lines().find(|l| l.starts_with("SigBlk:")).unwrap();
        let bits = u64::from_str_radix(line["SigBlk:".len()..].trim(), 16).unwrap();
        assert_eq!(bits & set.bits(), set.bits());
        let restored = signal::sigprocmask(How::SetMask, &old).unwrap();
        assert!(restored.contains(Signal::SIGUSR2) && restored.contains(Signal::SIGWINCH));
        // SIGKILL cannot be blocked: the kernel drops it from the mask silently.
        let kill = SigSet::EMPTY.with(Signal::SIGKILL);
        signal::sigprocmask(How::Block, &kill).unwrap();
        let now = signal::sigprocmask(How::SetMask, &old).unwrap();
        assert!(!now.contains(Signal::SIGKILL));
    })
    .join()
    .unwrap();
}

static HANDLED: AtomicI32 = AtomicI32::new(0);

extern "C" fn record_signal(sig: i32) {
    HANDLED.store(sig, Ordering::SeqCst);
}

#[test]
fn a_handler_runs_and_returns_through_our_restorer() {
    let action = SigAction {
        handler: SigHandler::Handler(record_signal),
        flags: SaFlags::RESTART,
        mask: SigSet::EMPTY,
    };
    // SAFETY: the handler only stores to an atomic; SIGUSR1 is used by no other test.
    let old = unsafe { signal::sigaction(Signal::SIGUSR1, &action) }.unwrap();
    assert!(matches!(old.handler, SigHandler::Default));
    let caught = status_field(process::getpid(), "SigCgt:");
    let caught = u64::from_str_radix(&caught, 16).unwrap();
    assert_ne!(caught & 1 << (Signal::SIGUSR1.raw() - 1), 0);
    // A signal to this very thread runs the handler before tgkill returns; returning
    // from it goes through `restore_rt` and rt_sigreturn, or the process would crash.
    signal::tgkill(process::getpid(), process::gettid(), Signal::SIGUSR1).unwrap();
    assert_eq!(HANDLED.load(Ordering::SeqCst), Signal::SIGUSR1.raw());
    let back = SigAction {
        handler: SigHandler::Default,
        flags: SaFlags::empty(),
        mask: SigSet::EMPTY,
    };
    // SAFETY: restores the default action.
    let mine = unsafe { signal::sigaction(Signal::SIGUSR1, &back) }.unwrap();
    assert!(mine.flags.contains(SaFlags::RESTORER | SaFlags::RESTART));
    assert_eq!(
        signal::kill(Pid::from_raw(i32::MAX), Signal::SIGUSR1),
        Err(Errno::ESRCH)
    );
}

#[test]
fn fork_exec_and_wait_report_what_happened() {
    let path = c"/bin/sh";
    let argv = CStrArray::new(["sh", "-c", "exit 7"]).unwrap();
    let envp = CStrArray::new(Vec::<Vec<u8>>::new()).unwrap();
    let child = fork_child(|| process::execve(path, &argv, &envp).raw());
    let status = wait_exit(child);
    assert_eq!(status.exit_code(), Some(7), "{status:?}");

    // A failed exec returns the error; the child reports it as its exit code.
    let missing = c"/nonexistent/program";
    let child = fork_child(|| process::execve(missing, &argv, &envp).raw());
    assert_eq!(wait_exit(child).exit_code(), Some(Errno::ENOENT.raw()));

    // A child killed by a signal, with its resource usage.
    let child = fork_child(|| {
        let _ = signal::kill(process::getpid(), Signal::SIGKILL);
        0
    });
    let (who, status, usage) = process::wait4_rusage(WaitFor::Pid(child), WaitOptions::empty())
        .unwrap()
        .unwrap();
    assert_eq!((who, status.term_signal()), (child, Some(Signal::SIGKILL)));
    assert!(usage.maxrss > 0, "{usage:?}");

    // Nothing left to wait for: NOHANG reports none (other tests' children may still
    // run, so only our own pid is asked about).
    assert_eq!(
        process::wait4(WaitFor::Pid(child), WaitOptions::NOHANG),
        Err(Errno::ECHILD)
    );
}

#[test]
fn waitid_sees_a_stopped_child_without_reaping_it() {
    let child = fork_child(|| {
        let _ = signal::kill(process::getpid(), Signal::SIGSTOP);
        3
    });
    let info = process::waitid(
        WaitId::Pid(child),
        WaitOptions::STOPPED | WaitOptions::NOWAIT,
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        (info.pid, info.state),
        (child, ChildState::Stopped(Signal::SIGSTOP))
    );
    assert_eq!(status_field(child, "State:").chars().next(), Some('T'));
    signal::kill(child, Signal::SIGCONT).unwrap();
    let info = process::waitid(WaitId::Pid(child), WaitOptions::EXITED)
        .unwrap()
        .unwrap();
    assert_eq!(info.state, ChildState::Exited(3));
}

#[test]
fn no_new_privs_and_personality() {
    let child = fork_child(|| {
        if process::set_no_new_privs().is_err() {
            return 1;
        }
        let _ = signal::kill(process::getpid(), Signal::SIGSTOP);
        0
    });
    let info = process::waitid(WaitId::Pid(child), WaitOptions::STOPPED)
        .unwrap()
        .unwrap();
    assert_eq!(info.state, ChildState::Stopped(Signal::SIGSTOP));
    assert_eq!(status_field(child, "NoNewPrivs:"), "1");
    signal::kill(child, Signal::SIGCONT).unwrap();
    assert_eq!(wait_exit(child).exit_code(), Some(0));
    // SAFETY: 0xffffffff only queries.
    let theirs = unsafe { libc::personality(0xffff_ffff) };
    assert_eq!(process::personality(0xffff_ffff), Ok(theirs as u32));
}

#[test]
fn process_vm_readv_agrees_with_proc_mem() {
    let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7) as u8).collect();
    let mut ours = vec![0u8; 10_000];
    let remote = [RemoteIoVec {
        base: data.as_ptr() as u64,
        len: data.len(),
    }];
    let n = process::process_vm_readv(
        process::getpid(),
        &mut [IoSliceMut::new(&mut ours)],
        &remote,
    )
    .unwrap();
    assert_eq!(n, data.len());
    let mut mem = std::fs::File::open("/proc/self/mem").unwrap();
    mem.seek(SeekFrom::Start(data.as_ptr() as u64)).unwrap();
    let mut theirs = vec![0u8; 10_000];
    mem.read_exact(&mut theirs).unwrap();
    assert_eq!(ours, theirs);
    // Unmapped memory: EFAULT, never a crash.
    let bad = [RemoteIoVec { base: 8, len: 16 }];
    let r = process::process_vm_readv(process::getpid(), &mut [IoSliceMut::new(&mut ours)], &bad);
    assert_eq!(r, Err(Errno::EFAULT));
}

#[test]
fn ptrace_sees_every_system_call_of_a_traced_child() {
    let path = c"/bin/true";
    let argv = CStrArray::new(["true"]).unwrap();
    let envp = CStrArray::new(Vec::<Vec<u8>>::new()).unwrap();
    let child = fork_child(|| {
        let _ = signal::kill(process::getpid(), Signal::SIGSTOP);
        process::execve(path, &argv, &envp).raw()
    });
    // The child stops itself; seize it there, then let it run to its exec.
    let info = process::waitid(WaitId::Pid(child), WaitOptions::STOPPED)
        .unwrap()
        .unwrap();
    assert_eq!(info.state, ChildState::Stopped(Signal::SIGSTOP));
    let opts = Options::TRACESYSGOOD | Options::TRACEEXEC | Options::EXITKILL;
    ptrace::seize(child, opts).unwrap();
    // Tracing is per thread: the tracer is this test's thread.
    assert_eq!(
        status_field(child, "TracerPid:"),
        process::gettid().to_string()
    );
    signal::kill(child, Signal::SIGCONT).unwrap();

    let mut entries = Vec::new();
    let mut exits = 0;
    let mut saw_exec = false;
    loop {
        let (_, status) = process::wait4(WaitFor::Pid(child), WaitOptions::ALL)
            .unwrap()
            .unwrap();
        if let Some(code) = status.exit_code() {
            assert_eq!(code, 0);
            break;
        }
        let sig = status.stop_signal().expect("a stop");
        let mut inject = None;
        if sig.raw() == Signal::SIGTRAP.raw() | 0x80 {
            match ptrace::get_syscall_info(child).unwrap() {
                SyscallInfo::Entry { nr, sp, .. } => {
                    assert_ne!(sp, 0, "the stack pointer is reported");
                    entries.push(nr);
                }
                SyscallInfo::Exit { rval, .. } => {
                    // The registers agree with the syscall info: number and result.
                    let regs = ptrace::get_regs(child).unwrap();
                    assert_eq!(regs.rax as i64, rval);
                    assert_eq!(Some(&regs.orig_rax), entries.last());
                    exits += 1;
                }
                _ => {}
            }
        } else if Event::from_raw(status.ptrace_event()) == Some(Event::Exec) {
            saw_exec = true;
            assert_eq!(ptrace::get_event_msg(child).unwrap(), child.as_raw() as u64);
        } else if status.ptrace_event() == 0 && sig != Signal::SIGCONT && sig != Signal::SIGSTOP {
            inject = Some(sig);
        }
        ptrace::syscall(child, inject).unwrap();
    }
    assert!(saw_exec);
    assert_eq!(entries.first(), Some(&(Sysno::execve.raw() as u64)));
    assert_eq!(entries.last(), Some(&(Sysno::exit_group.raw() as u64)));
    assert!(entries.len() > 5, "{entries:?}");
    // Every call returned but the last, exit_group.
    assert_eq!(exits, entries.len() - 1);
}

#[test]
fn ptrace_interrupt_and_detach_leave_the_tracee_running() {
    let mut sleeper = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .unwrap();
    let pid = Pid::from_raw(sleeper.id() as i32);
    ptrace::seize(pid, Options::empty()).unwrap();
    ptrace::interrupt(pid).unwrap();
    let (_, status) = process::wait4(WaitFor::Pid(pid), WaitOptions::ALL)
        .unwrap()
        .unwrap();
    assert_eq!(
        Event::from_raw(status.ptrace_event()),
        Some(Event::Stop),
        "{status:?}"
    );
    assert_eq!(ptrace::get_syscall_info(pid), Ok(SyscallInfo::None));
    ptrace::detach(pid, None).unwrap();
    assert_eq!(status_field(pid, "TracerPid:"), "0");
    assert_ne!(status_field(pid, "State:").chars().next(), Some('t'));
    sleeper.kill().unwrap();
    sleeper.wait().unwrap();
    assert_eq!(ptrace::interrupt(pid), Err(Errno::ESRCH));
}

#[test]
fn a_seccomp_filter_changes_what_calls_return() {
    let set: SysnoSet = [Sysno::getppid].into_iter().collect();
    let prog = seccomp::filter_syscalls(&set, seccomp::ret_errno(Errno::EPERM), RET_ALLOW);
    let child = fork_child(|| {
        if process::set_no_new_privs().is_err()
            || seccomp::set_filter(&prog, FilterFlags::empty()).is_err()
        {
            return 100;
        }
        // getppid now fails with EPERM; other calls still work.
        // SAFETY: getppid has no arguments.
        let filtered = unsafe { sysbridge::raw::raw_syscall0(Sysno::getppid) };
        let other = process::getpid().as_raw();
        match (filtered, other > 0) {
            (Err(e), true) if e == Errno::EPERM => 0,
            _ => 101,
        }
    });
    assert_eq!(wait_exit(child).exit_code(), Some(0));
    assert_eq!(
        seccomp::set_filter(&[], FilterFlags::empty()),
        Err(Errno::EINVAL)
    );
}

#[test]
fn calls_faked_to_succeed_leave_outputs_zeroed_not_uninitialised() {
    use sysbridge::time::{ClockId, Timespec, clock_gettime};
    // Resolve the vDSO before the fork, so the child makes no extra calls.
    clock_gettime(ClockId::Monotonic);
    let set: SysnoSet = [Sysno::clock_gettime, Sysno::uname, Sysno::sysinfo]
        .into_iter()
        .collect();
    // ERRNO(0): the call "succeeds" with 0 and the kernel writes nothing.
    let prog = seccomp::filter_syscalls(&set, seccomp::ret_errno(Errno::from_raw(0)), RET_ALLOW);
    let child = fork_child(|| {
        if process::set_no_new_privs().is_err()
            || seccomp::set_filter(&prog, FilterFlags::empty()).is_err()
        {
            return 100;
        }
        // CPU-time clocks are not answered by the vDSO: they reach the filter.
        let zero = clock_gettime(ClockId::ProcessCputime) == Timespec::default();
        let uname_empty = sysbridge::system::uname().is_ok_and(|u| u.sysname().is_empty());
        let sysinfo_zero =
            sysbridge::system::sysinfo().is_ok_and(|i| i.totalram == 0 && i.uptime == 0);
        match (zero, uname_empty, sysinfo_zero) {
            (true, true, true) => 0,
            (false, _, _) => 1,
            (_, false, _) => 2,
            (_, _, false) => 3,
        }
    });
    assert_eq!(wait_exit(child).exit_code(), Some(0));
}
