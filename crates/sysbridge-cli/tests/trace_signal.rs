//! The signal and time families against strace: dispositions, masks, alternate stacks,
//! waiting for and sending signals, handlers and `rt_sigreturn`, clocks, sleeps,
//! interval and POSIX timers, and the `--- SIG... ---` / `+++ killed by +++` lines.
//!
//! Most calls are made through `ctypes` with arguments of every kind (bad pointers,
//! NULLs, unknown values, odd sizes), since libc reads most clocks in the vDSO.

mod support;

use support::{assert_identical, python, strace_available};

/// The Python prelude of the scripts: `sc(nr, *args)` makes system call `nr` with
/// 64-bit arguments, `A` takes addresses.
const PRELUDE: &str = r#"
import ctypes, os, signal, threading, time
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def sc(nr, *a):
    return libc.syscall(ctypes.c_long(nr), *[ctypes.c_ulong(x & 0xffffffffffffffff) for x in a])
A = ctypes.addressof
pid = os.getpid()
"#;

/// Dispositions, masks, pending sets, alternate stacks, and the errors of each.
const MASKS: &str = r#"
act = (ctypes.c_ulong*11)()
act[0] = 0x1234; act[1] = 0xfc000407; act[2] = 0x5678; act[3] = 0xfffffffffffffffe
sc(13, 10, A(act), 0, 8)
old = (ctypes.c_ulong*11)()
sc(13, 10, 0, A(old), 8)
act[0] = 1; act[1] = 0x100000000; act[3] = (1<<9)|(1<<31)|(1<<33)
sc(13, 12, A(act), A(old), 8)
act[0] = 0xffffffffffffffff; act[1] = 0
sc(13, 12, A(act), A(old), 8)
sc(13, 0, A(act), A(old), 8)
sc(13, 99, A(act), A(old), 8)
sc(13, 12, A(act), A(old), 4)
sc(13, 12, 1, 2, 8)
sc(13, 12, 0, 0, 8)
sc(13, 34, 0, A(old), 8)
s = (ctypes.c_ulong*1)(0xffffffffffffffff); o = (ctypes.c_ulong*1)()
sc(14, 0, A(s), A(o), 16)
sc(14, 1, A(s), A(o), 8)
sc(14, 2, 0, A(o), 8)
s[0] = (1<<31)|(1<<32)
sc(14, 0, A(s), A(o), 8)
sc(14, 1, A(s), A(o), 8)
s[0] = 0xffffffff
sc(14, 0, A(s), 0, 8)
sc(14, 1, A(s), A(o), 8)
sc(14, 0x100000007, A(s), A(o), 8)
sc(14, 0, 1, A(o), 8)
sc(14, 0, A(s), 1, 8)
sc(127, A(o), 8); sc(127, A(o), 4); sc(127, A(o), 3); sc(127, A(o), 9); sc(127, 1, 8); sc(127, 0, 8)
stk = ctypes.create_string_buffer(65536)
ss = (ctypes.c_ulong*3)(A(stk), 0, 65536); oss = (ctypes.c_ulong*3)()
sc(131, A(ss), A(oss))
sc(131, 0, A(oss))
ss[1] = 2
sc(131, A(ss), A(oss))
ss[1] = 0x80000001
sc(131, A(ss), A(oss))
sc(131, 1, 0)
ss[1] = 0x10
sc(131, A(ss), 0)
sc(130, A(s), 4)
sc(130, 1, 8)
"#;

/// Waiting for signals, queueing them with every kind of `siginfo_t`, and sending.
const QUEUES: &str = r#"
s = (ctypes.c_ulong*1)(1<<11)
si = (ctypes.c_ubyte*128)()
ts = (ctypes.c_long*2)(0, 1000)
sc(14, 0, A(s), 0, 8)
sc(128, A(s), A(si), A(ts), 8)
sc(128, A(s), 0, A(ts), 8)
sc(128, A(s), A(si), 0, 4)
sc(128, A(s), A(si), 1, 8)
sc(62, pid, 12)
sc(128, A(s), 0, 0, 8)
sc(62, pid, 12)
sc(128, A(s), A(si), 0, 8)
def info(signo, code, words):
    b = (ctypes.c_ubyte*128)()
    ctypes.memmove(b, (ctypes.c_int*3)(signo, 0, code), 12)
    for off, val, size in words:
        ctypes.memmove(A(b)+off, (ctypes.c_ulong*1)(val & 0xffffffffffffffff), size)
    return b
cases = [
  info(10, -1, [(16, 42, 4), (20, 1000, 4), (24, 0x77, 8)]),
  info(10, -1, [(16, 42, 4), (20, 0xffffffff, 4)]),
  info(10, -2, [(16, 5, 4), (20, 3, 4), (24, 0x1234, 8)]),
  info(10, -5, [(16, 7, 8), (24, 1, 4)]),
  info(10, 100, []),
  info(10, -50, [(16, 1, 4)]),
  info(10, 0x80, [(16, 1, 4), (24, 9, 8)]),
  info(17, 1, [(16, 5, 4), (24, 3, 4), (32, 250, 8), (40, 3, 8)]),
  info(17, 2, [(16, 5, 4), (24, 9, 4)]),
  info(11, 1, [(16, 0xdead, 8)]),
  info(11, 3, [(16, 0xdead, 8), (32, 1, 8), (40, 2, 8)]),
  info(11, 4, [(16, 0xdead, 8), (32, 7, 4)]),
  info(7, 4, [(16, 0xdead, 8), (24, 12, 2)]),
  info(5, 6, [(16, 0xdead, 8), (24, 5, 8), (32, 1, 4), (36, 1, 4)]),
  info(8, 1, [(16, 0xbeef, 8)]),
  info(29, 1, [(16, 3, 8), (24, 0, 4)]),
  info(29, 9, [(16, 3, 8), (24, 0, 4)]),
  info(31, 1, [(16, 0xbeef, 8), (24, 59, 4), (28, 0xc000003e, 4)]),
  info(31, 1, [(16, 0xbeef, 8), (24, 11, 4), (28, 5, 4)]),
  info(27, 1, []),
  info(0, 1, [(16, 5, 4)]),
  info(40, -1, [(16, 5, 4), (4, 2, 4)]),
  info(12, -6, [(4, 0xffff, 4)]),
]
for c in cases:
    sc(129, 999999, 10, A(c))
sc(129, 999999, 10, 1)
sc(129, 999999, 10, 0)
sc(297, pid, 999999, 10, A(cases[0]))
fd = sc(434, pid, 0)
sc(424, fd, 0, 0, 0)
sc(424, fd, 10, A(cases[0]), 0x10)
sc(424, 999, 10, 0, 0)
sc(62, pid, 0); sc(200, 999999, 0); sc(234, pid, pid, 0)
sc(62, 0x1ffffffff, 0); sc(62, pid, 99); sc(62, 999999, 40); sc(200, 999999, 33)
sc(234, pid, 999999, 64); sc(234, pid, 999999, 65); sc(234, pid, 999999, -1)
"#;

/// Handlers: signals taken in `pause`, `rt_sigsuspend` and an interrupted sleep, each
/// followed by `rt_sigreturn`; a thread waiting in `sigwait` and `sigwaitinfo`.
const HANDLERS: &str = r#"
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGUSR2})
got = []
def waiter():
    got.append(signal.sigwait({signal.SIGUSR1}))
    got.append(signal.sigwaitinfo({signal.SIGUSR2}).si_signo)
t = threading.Thread(target=waiter); t.start()
time.sleep(0.05)
signal.pthread_kill(t.ident, signal.SIGUSR1)
time.sleep(0.05)
os.kill(os.getpid(), signal.SIGUSR2)
t.join()
signal.signal(signal.SIGALRM, lambda s, f: None)
signal.setitimer(signal.ITIMER_REAL, 0.05)
signal.pause()
signal.setitimer(signal.ITIMER_REAL, 0.05)
libc.sigsuspend((ctypes.c_ulong*16)())
signal.signal(signal.SIGUSR1, lambda s, f: None)
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGUSR1})
signal.setitimer(signal.ITIMER_REAL, 0.05)
time.sleep(0.2)
stk = ctypes.create_string_buffer(65536)
ss = (ctypes.c_ulong*3)(A(stk), 0, 65536)
sc(131, A(ss), 0)
signal.signal(signal.SIGUSR2, lambda s, f: None)
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGUSR2})
os.kill(pid, signal.SIGUSR2)
"#;

/// Clocks, sleeps, interval timers, alarms, POSIX timers, `times`.
const CLOCKS: &str = r#"
signal.signal(signal.SIGALRM, lambda s, f: None)
ts = (ctypes.c_long*2)(0, 1000)
sc(35, A(ts), 0)
sc(35, 1, 0)
bad = (ctypes.c_long*2)(0, -1)
sc(35, A(bad), 0)
rem = (ctypes.c_long*2)()
sc(230, 1, 0, A(ts), A(rem))
sc(230, 1, 1, A(ts), A(rem))
sc(230, 1, 2, A(ts), A(rem))
sc(230, 99, 0, A(ts), A(rem))
sc(230, -6, 1, A(ts), A(rem))
sc(230, 1, 0x100000000, A(ts), A(rem))
sc(230, 1, 0, 1, 0)
out = (ctypes.c_long*2)()
sc(228, 3, 0)
sc(228, 1, 1)
sc(228, 1000, A(out))
sc(229, 0, A(out))
sc(229, 0, 0)
sc(229, 99, A(out))
sc(227, 1, A(ts))
sc(227, 0, 1)
sc(96, 0, 0)
sc(96, 1, 0)
tz = (ctypes.c_int*2)()
sc(96, 0, A(tz))
sc(164, 1, 0)
sc(164, 0, 1)
sc(201, 1)
sc(36, 5, A(out))
itv = (ctypes.c_long*4)(0, 0, 0, 0); oitv = (ctypes.c_long*4)()
sc(36, 0, A(oitv))
sc(36, 1, 1)
sc(38, 1, A(itv), A(oitv))
sc(38, 2, A(itv), 0)
sc(38, 0, 1, 0)
sc(38, 9, A(itv), A(oitv))
sc(37, 0x1000000005)
sc(37, 0)
sc(225, -1)
sc(226, 0x1ffffffff)
sc(100, 1)
tid = (ctypes.c_int*1)()
sc(222, 1, 0, A(tid))
ev = (ctypes.c_ulong*8)()
ctypes.memmove(A(ev)+8, (ctypes.c_int*2)(10, 0), 8); ev[0] = 0x55
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
sc(222, 1, A(ev), A(tid))
ctypes.memmove(A(ev)+8, (ctypes.c_int*2)(0, 1), 8); ev[0] = 0
sc(222, 0, A(ev), A(tid))
ctypes.memmove(A(ev)+8, (ctypes.c_int*2)(12, 2), 8); ev[2] = 0x1111; ev[3] = 0x2222
sc(222, 1, A(ev), A(tid))
ctypes.memmove(A(ev)+8, (ctypes.c_int*2)(77, 9), 8)
sc(222, 1, A(ev), A(tid))
sc(222, 1, 1, A(tid))
sc(222, 1, 0, 1)
sc(222, 99, 0, A(tid))
its = (ctypes.c_long*4)(0, 0, 5, 0); oits = (ctypes.c_long*4)()
sc(223, 0, 0, A(its), A(oits))
sc(223, 0, 1, A(its), 0)
sc(223, 0, 3, A(its), 0)
sc(223, 77, 0, A(its), A(oits))
sc(223, 0, 0, 1, 0)
sc(224, 0, A(oits))
sc(224, 0, 1)
sc(224, 55, A(oits))
sc(225, 0)
sc(226, 0)
sc(226, 0)
tx = (ctypes.c_ubyte*208)()
sc(159, 1)
sc(305, 0, 1)
sc(305, 99, A(tx))
sc(305, 1, A(tx))
"#;

/// The calls of the scripts above.
const SIGNAL_CALLS: &str = "trace=%signal,setitimer,pause";
const TIME_CALLS: &str = "trace=%clock,nanosleep,clock_nanosleep,getitimer,setitimer,alarm,\
                          timer_create,timer_settime,timer_gettime,timer_getoverrun,\
                          timer_delete,times,rt_sigreturn";

fn script(body: &str) -> String {
    format!("{PRELUDE}{body}")
}

#[test]
fn dispositions_masks_and_stacks_match_strace() {
    if !strace_available() {
        return;
    }
    let Some(py) = python() else {
        return;
    };
    let s = script(MASKS);
    for opts in [
        &["-e", SIGNAL_CALLS][..],
        &["-v", "-e", SIGNAL_CALLS],
        &["-s", "8", "-x", "-e", SIGNAL_CALLS],
        &["-e", "verbose=none", "-e", SIGNAL_CALLS],
    ] {
        assert_identical(opts, &[py, "-c", &s]);
    }
}

#[test]
fn waiting_queueing_and_sending_match_strace() {
    if !strace_available() {
        return;
    }
    let Some(py) = python() else {
        return;
    };
    let s = script(QUEUES);
    assert_identical(&["-e", SIGNAL_CALLS], &[py, "-c", &s]);
    assert_identical(&["-e", "verbose=none", "-e", SIGNAL_CALLS], &[py, "-c", &s]);
    assert_identical(
        &["-e", "raw=kill,rt_sigqueueinfo", "-e", SIGNAL_CALLS],
        &[py, "-c", &s],
    );
}

#[test]
fn handlers_and_sigreturn_match_strace() {
    if !strace_available() {
        return;
    }
    let Some(py) = python() else {
        return;
    };
    let s = script(HANDLERS);
    let calls = "trace=%signal,setitimer,pause,clock_nanosleep,sigaltstack";
    assert_identical(&["-f", "-e", calls], &[py, "-c", &s]);
    assert_identical(&["-f", "-e", "verbose=none", "-e", calls], &[py, "-c", &s]);
    assert_identical(&["-f", "--seccomp-bpf", "-e", calls], &[py, "-c", &s]);
}

#[test]
fn signal_filters_match_strace() {
    if !strace_available() {
        return;
    }
    let Some(py) = python() else {
        return;
    };
    let s = script(HANDLERS);
    for set in ["none", "!SIGALRM", "USR1,14"] {
        let filter = format!("signal={set}");
        assert_identical(
            &[
                "-f",
                "-e",
                &filter,
                "-e",
                "trace=pause,rt_sigsuspend,kill,tgkill,rt_sigreturn",
            ],
            &[py, "-c", &s],
        );
    }
}

#[test]
fn clocks_sleeps_and_timers_match_strace() {
    if !strace_available() {
        return;
    }
    let Some(py) = python() else {
        return;
    };
    let s = script(CLOCKS);
    for opts in [
        &["-e", TIME_CALLS][..],
        &["-v", "-e", TIME_CALLS],
        &["-e", "verbose=none", "-e", TIME_CALLS],
    ] {
        assert_identical(opts, &[py, "-c", &s]);
    }
}

#[test]
fn shell_traps_kills_and_sleeps_match_strace() {
    if !strace_available() {
        return;
    }
    let calls = "trace=%signal,%clock,nanosleep,clock_nanosleep";
    // The `SIGTERM` comes from a background job that first sleeps: sent at once, it
    // would race the shell's own fork of `sleep 0.3` (a fast tracer loses that race
    // more often than strace does).
    let script = "trap 'echo got >/dev/null' USR1; kill -USR1 $$; trap '' USR2; kill -USR2 $$; \
                  sleep 0.01; (sleep 0.05; kill -TERM $$) & sleep 0.3";
    assert_identical(&["-f", "-e", calls], &["sh", "-c", script]);
    // A sleep interrupted by a child's death, and resumed.
    assert_identical(
        &["-e", calls],
        &["sh", "-c", "(sleep 0.05; true) & exec sleep 0.3"],
    );
}

#[test]
fn deaths_by_signal_match_strace() {
    if !strace_available() {
        return;
    }
    let Some(py) = python() else {
        return;
    };
    let none = ["-f", "-e", "trace=none"];
    assert_identical(&none, &[py, "-c", "import ctypes; ctypes.string_at(0)"]);
    assert_identical(&none, &[py, "-c", "import os; os.abort()"]);
    assert_identical(
        &none,
        &[
            "sh",
            "-c",
            "sleep 0.3 & p=$!; sleep 0.05; kill -STOP $p; sleep 0.05; kill -CONT $p; wait",
        ],
    );
    assert_identical(&none, &["sh", "-c", "kill -TERM $$"]);
}
