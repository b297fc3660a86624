//! The memory and process decoders against strace: start-up calls of real programs,
//! process trees with `-f` (clone, clone3, vfork, wait4, waitid), threads, and every
//! call of the two families driven with arbitrary arguments from `python3`'s ctypes
//! (bad pointers, NULLs, unknown values), with `-v`, `-s 8`, `-x` and
//! `-e verbose=none`.

mod support;

use support::{assert_identical, python, strace_available};

/// The calls of a program's start-up that these families decode.
const STARTUP: &str = "trace=brk,mmap,mprotect,munmap,madvise,arch_prctl,set_tid_address,\
set_robust_list,rseq,prlimit64,getrandom,futex,getpid,gettid,getuid,geteuid,\
getgid,getegid,uname,sched_getaffinity,exit_group";

/// Process creation and waiting (not `getppid`: the first process's parent is the
/// tracer).
const TREE: &str = "trace=clone,clone3,fork,vfork,wait4,waitid,exit,exit_group,\
getpid,getpgrp,setpgid,getpgid,setsid,set_robust_list,rseq";

/// With `-f`, when a child's SIGCHLD is reported relative to its parent's calls is
/// up to the scheduler: those lines are left out.
const NO_SIGNALS: &str = "signal=none";

/// Every call the ctypes scripts make, and the calls python makes on its own in
/// these families (not `getcpu` nor `sysinfo`, whose answers change from run to run,
/// nor `execve`: its environment address is the spawner's).
const DRIVEN: &str = "trace=%memory,membarrier,pkey_alloc,pkey_free,prctl,arch_prctl,\
prlimit64,getrlimit,setrlimit,getrusage,uname,getrandom,personality,\
getpriority,setpriority,setuid,setgid,setreuid,setresuid,setresgid,getresuid,getresgid,\
setfsuid,setfsgid,getgroups,setgroups,capget,capset,sched_getaffinity,\
sched_setaffinity,sched_yield,sched_getparam,sched_setparam,sched_getscheduler,\
sched_setscheduler,sched_get_priority_max,sched_get_priority_min,sched_getattr,\
sched_setattr,sched_rr_get_interval,ioprio_get,ioprio_set,futex,futex_waitv,\
set_robust_list,get_robust_list,rseq,unshare,setns,pidfd_open,pidfd_getfd,kcmp,\
process_vm_readv,process_vm_writev,userfaultfd,seccomp,ptrace,wait4,waitid,\
get_mempolicy,set_mempolicy,mbind,migrate_pages,set_mempolicy_home_node";

/// The prelude of the ctypes scripts: `S(nr, args…)` makes a raw system call;
/// `buf()` is a fresh zeroed buffer's address; `BAD` an unmapped address.
const PRELUDE: &str = r#"
import ctypes, os
_l = ctypes.CDLL(None, use_errno=True)
_s = _l.syscall
_s.restype = ctypes.c_long
_s.argtypes = [ctypes.c_long] * 7
_keep = []
def S(*a):
    a = list(a) + [0] * (7 - len(a))
    return _s(*a)
def buf(n=4096, data=None):
    b = ctypes.create_string_buffer(data, n) if data is not None else ctypes.create_string_buffer(n)
    _keep.append(b)
    return ctypes.addressof(b)
BAD = 0x10
"#;

/// Memory calls: mapping flags (types, huge page sizes, unknown bits), protections,
/// advice, locking, barriers, keys, NUMA policies; failures and bad pointers.
const MEMORY_SCRIPT: &str = r#"
S(9, 0, 4096, 3, 0x20, -1, 0)
S(9, 0, 4096, 0x13, 0x22 | (21 << 26) | 0x40000, -1, 0x1000)
S(9, 0, 4096, 0x10, 0x2f, -1, 0)
S(9, 0, 4096, 0x1000000, 0x80000000, 5, 0)
a = S(9, 0, 8192, 3, 0x22, -1, 0)
S(10, a, 4096, 1); S(10, a, 4096, 0x20)
S(25, a, 4096, 8192, 3, 0x1234); S(25, a, 4096, 8192, 8); S(25, a, 8192, 4096, 0)
S(28, a, 4096, 12345); S(28, a, 4096, 14); S(28, a, 8192, 4)
S(149, a, 4096); S(150, a, 4096); S(151, 0x10); S(26, a, 8192, 7); S(26, a, 8192, 4)
S(325, a, 4096, 1); S(325, a, 4096, 8)
v = buf(16)
S(27, a, 8192, v); S(27, a, 8192, BAD); S(27, 0x1000, 8192, 0)
S(324, 0, 0); S(324, 0x30, 1, 2); S(324, 0x200, 0); S(324, -1, 0)
S(330, 0, 3); S(330, 1, 0x10); S(331, 3); S(329, a, 4096, 1, 3)
S(216, a, 4096, 3, 0, 0x20)
nodes = buf(16)
S(237, a, 4096, 0x8002, nodes, 3, 3); S(237, a, 4096, 0, 0, 0, 0)
S(238, 0x1, 0, 0); S(238, 0x4001, nodes, 1); S(238, 0x8, 0, 1); S(238, 2, BAD, 70)
pol = buf(8)
S(239, pol, nodes, 64, 0, 0); S(239, BAD, 0, 0, 0, 0); S(239, 0, 0, 0, 0, 0x10)
S(256, 0, 64, nodes, nodes); S(450, a, 4096, 0, 0); S(448, -1, 0)
S(11, a, 8192); S(11, BAD, 4096)
"#;

/// prctl and arch_prctl options, limits, usage, identities, capabilities,
/// scheduling, I/O priorities, futexes, namespaces, pidfds, kcmp, cross-process
/// memory, userfaultfd, seccomp and ptrace, with bad pointers and unknown values.
const PROCESS_SCRIPT: &str = r#"
name = buf(32, b"worker-thread-name")
S(157, 15, name); S(157, 15, BAD); S(157, 16, buf(32)); S(157, 16, BAD)
S(157, 1, 9); S(157, 1, 200); S(157, 2, buf(4)); S(157, 2, BAD)
S(157, 3); S(157, 4, 1); S(157, 38, 1); S(157, 39); S(157, 36, 1); S(157, 37, buf(4))
S(157, 23, 21); S(157, 23, 99); S(157, 24, 99); S(157, 27); S(157, 22, 1 << 40); S(157, 22, 2, BAD)
S(157, 0x53564d41, 0, buf(), 4096, buf(8, b"anon")); S(157, 0x53564d41, 5, 1, 2, 3)
S(157, 0x59616d61, -1); S(157, 0x59616d61, 99999); S(157, 999, 1, 2, 3, 4)
S(157, 47, 1, 12); S(157, 47, 4); S(157, 47, 9, 1, 2, 3); S(157, 29, 50000)
S(157, 52, 0); S(157, 52, 7); S(157, 53, 0, 8); S(157, 53, 9, 8)
S(157, 40, buf(8)); S(157, 33, 1, 2); S(157, 33, 0, 5); S(157, 34); S(157, 26, 1); S(157, 25, buf(4))
S(157, 6, 3); S(157, 5, buf(4)); S(157, 35, 99, 1, 2, 3); S(157, 8, 1); S(157, 7)
S(157, 28, 0x10); S(157, 45, 1); S(157, 46); S(157, 59, 0, 1, 2, 3); S(157, 62, 0, 0, 0, buf(8))
S(157, 62, 1, 0, 9, 0); S(157, 57, 1); S(157, 58); S(157, 20, 1); S(157, 19, buf(4))
S(158, 0x1003, buf(8)); S(158, 0x1003, BAD); S(158, 0x1004, buf(8)); S(158, 0x1011)
S(158, 0x3001, 0x1234); S(158, 0x1021, buf(8)); S(158, 0x1022, buf(8)); S(158, 0x1023, 18)
S(158, 0x1021, BAD); S(158, 0x1001, 0)
S(302, 0, 7, 0, buf(16)); S(302, 0, 99, 0, buf(16)); S(302, 0, 3, BAD, 0); S(302, 99999, 7, 0, buf(16))
S(302, 0, 3, buf(16, b"\xff" * 16), 0)
S(97, 7, buf(16)); S(97, 7, BAD); S(160, 4, buf(16)); S(160, 4, BAD)
S(98, 0, BAD); S(98, -1, BAD); S(98, 1, BAD); S(98, 5, buf(144)); S(98, 0, 0)
S(63, BAD); S(99, BAD); S(100, BAD)
S(140, 0, 0); S(141, 0, 0, 0); S(140, 7, 0); S(140, 1, 1)
S(318, buf(16), 0, 1); S(318, BAD, 16, 0); S(318, buf(16), 4, 8)
S(135, 0xffffffff); S(135, 0x42); S(135, 0x40008)
S(105, -1); S(106, 0xfffffffe); S(113, -1, 0); S(117, -1, -1, -1); S(119, 0, 0, 0)
S(118, buf(4), buf(4), buf(4)); S(118, BAD, buf(4), 0); S(120, buf(4), buf(4), buf(4))
S(122, -1); S(123, 0)
S(115, 0, 0); S(115, 32, buf(128)); S(115, 1, BAD); S(115, -1, 0); S(116, 2, BAD); S(116, 70000, BAD)
hdr = buf(8, b"\x22\x05\x08\x20\x00\x00\x00\x00")
data = buf(24)
S(125, hdr, data); S(125, BAD, data); S(125, hdr, BAD); S(125, hdr, 0); S(126, hdr, data)
S(125, buf(8, b"\x30\x03\x98\x19\x00\x00\x00\x00"), buf(24)); S(125, buf(8, b"\x01\x02\x03\x04\x00\x00\x00\x00"), buf(24))
S(204, 0, 128, buf(128)); S(204, 0, 8, buf(8)); S(204, 0, 128, BAD); S(204, 0, 2, buf(8))
S(203, 0, 8, buf(8)); S(203, 0, 256, buf(256, b"\x03")); S(203, 0, 8, BAD)
S(143, 0, buf(4)); S(143, 0, BAD); S(145, 0); S(145, 99999); S(146, 1); S(147, 9)
S(142, 0, buf(4)); S(144, 0, 0, buf(4)); S(144, 0, 77, BAD)
S(315, 0, buf(56), 56, 0); S(315, 0, buf(56), 48, 0); S(315, 0, BAD, 56, 0); S(315, 0, 0, 0, 0)
S(314, 0, buf(56), 0); S(314, 0, buf(56, b"\x38"), 0); S(314, 0, BAD, 0)
S(148, 0, buf(16)); S(148, 0, BAD); S(24)
S(252, 1, 0); S(251, 1, 0, (2 << 13) | 4); S(252, 9, 0); S(251, 2, 0, (7 << 13) | 1)
fx = buf(4); ts = buf(16, b"\x00" * 8 + b"\xe8\x03" + b"\x00" * 6)
S(202, fx, 1, 1); S(202, fx, 0x81, 5); S(202, fx, 0, 1, ts); S(202, fx, 0x189, 1, ts, 0, 0xffffffff)
S(202, fx, 0x85, 1, 1, fx, 0x04000001); S(202, fx, 0x84, 1, 2, fx, 7); S(202, fx, 0x83, 1, 2, fx)
S(202, fx, 7); S(202, fx, 99, 1, 2, 3, 4); S(202, fx, 0x8a, 1, 0, 0, 3); S(202, fx, 0x89, 1, BAD, 0, 1)
S(202, fx, 0x100, 1, ts); S(202, fx, 0x8b, 0, ts, fx); S(202, fx, 0x8c, 1, 1, fx, 0); S(202, fx, 6, 0, ts)
S(202, BAD, 0x85, 1, 1, BAD, 0xff000000)
S(449, 0, 0, 0, 0, 1); S(449, BAD, 1, 0, 0, 1); S(449, buf(48), 2, 0, ts, 0)
S(273, buf(24), 24); S(274, 0, buf(8), buf(8)); S(274, 0, BAD, BAD); S(274, 99999, buf(8), buf(8))
S(272, 0x1); S(272, 0x80000000); S(308, 99, 0x40000000); S(308, 99, 0x1)
S(434, -5, 0x800); S(434, -5, 1); S(438, 99, 1, 0)
S(312, 99999, 99999, 0, 1, 2); S(312, 99999, 2, 3); S(312, 99999, 2, 9, 4, 5); S(312, 99999, 2, 7, 0, BAD)
S(310, 99999, BAD, 1, BAD, 1, 0); S(311, 99999, 0, 0, 0, 0, 0)
S(323, 0x80000 | 0x1000)
S(317, 0, 1, 0); S(317, 2, 0, buf(4)); S(317, 3, 0, buf(6)); S(317, 1, 0, BAD); S(317, 1, 8, buf(16, b"\x01")); S(317, 9, 1, 2)
S(101, 0x4206, 99999, 0, 0x1f); S(101, 2, 99999, 0x1000, buf(8)); S(101, 7, 99999, 0, 9)
S(101, 0x4200, 99999, 0, 0x100001); S(101, 0x10, 99999); S(101, 0x4202, 99999, 0, buf(128))
S(101, 0x4204, 99999, 1, buf(16)); S(101, 0x420b, 99999, 8, buf(8)); S(101, 12, 99999, 0, buf(8))
S(101, 0x4209, 99999, buf(16), buf(128)); S(101, 0x4201, 99999, 0, buf(8)); S(101, 0x99, 99999, 1, 2)
S(61, -1, buf(4), 1, buf(144)); S(61, -1, BAD, 0x40000000 | 1, BAD); S(61, 99999, 0, 0, 0)
S(247, 1, 99999, buf(128), 4, 0); S(247, 0, 0, buf(128), 5, buf(144)); S(247, 3, 99, 0, 4, 0); S(247, 9, 0, BAD, 4, 0)
S(24)
"#;

/// Children that exit, are killed, are waited for by wait4 and waitid (with and
/// without usage), and one started by subprocess (vfork or clone with
/// CLONE_VM|CLONE_VFORK).
const WAIT_SCRIPT: &str = r#"
import signal, subprocess, time
pid = os.fork()
if pid == 0:
    os._exit(3)
os.waitpid(pid, 0)
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    S(247, 9, 0, 0, 4, 0)
    os.write(w, b"x")
    time.sleep(5)
    os._exit(0)
os.read(r, 1)
os.kill(pid, signal.SIGKILL)
os.waitpid(pid, 0)
pid = os.fork()
if pid == 0:
    os._exit(0)
S(247, 1, pid, buf(128), 4, 0)
S(247, 0, 0, buf(128), 4 | 1, 0)
S(61, -1, buf(4), 1, 0)
subprocess.run(["true"])
pid = S(56, 17, 0, 0, 0, 0)
if pid == 0:
    os._exit(7)
os.waitpid(pid, 0)
"#;

fn script(body: &str) -> String {
    format!("{PRELUDE}{body}")
}

#[test]
fn startup_calls_match_strace() {
    if !strace_available() {
        return;
    }
    for opts in [
        &["-e", STARTUP][..],
        &["-v", "-e", STARTUP],
        &["-s", "8", "-e", STARTUP],
    ] {
        assert_identical(opts, &["true"]);
        assert_identical(opts, &["ls", "-l", "/"]);
    }
}

#[test]
fn shell_process_trees_match_strace_with_f() {
    if !strace_available() {
        return;
    }
    // The pipeline's ends exit in a known order, so that wait4 reaps them in it.
    let tree = "true | sleep 0.2; (true); (exit 3); x=$(echo b); sh -c 'exit 4'; true";
    assert_identical(&["-f", "-e", NO_SIGNALS, "-e", TREE], &["sh", "-c", tree]);
    assert_identical(
        &["-f", "-v", "-e", NO_SIGNALS, "-e", TREE],
        &["sh", "-c", tree],
    );
}

#[test]
fn python_threads_and_forks_match_strace_with_f() {
    if !strace_available() {
        return;
    }
    let Some(py) = python() else {
        return;
    };
    // One thread at a time, the first gone before the second starts: whether its
    // stack is reused is up to timing otherwise.
    let threads = "import threading, time\n\
        for _ in range(2):\n    \
        t = threading.Thread(target=len, args=([],)); t.start(); t.join(); time.sleep(0.1)";
    let calls =
        "trace=clone,clone3,wait4,exit,exit_group,set_robust_list,rseq,mprotect,mmap,munmap";
    let opts = ["-f", "-e", NO_SIGNALS, "-e", calls];
    assert_identical(&opts, &[py, "-c", threads]);
    assert_identical(&opts, &[py, "-c", "import os; os.fork()"]);
    assert_identical(
        &["-f", "-e", NO_SIGNALS, "-e", STARTUP],
        &[py, "-c", "import os; os.fork()"],
    );
}

#[test]
fn memory_calls_match_strace() {
    if !strace_available() {
        return;
    }
    let Some(py) = python() else {
        return;
    };
    let code = script(MEMORY_SCRIPT);
    for opts in [
        &["-e", DRIVEN][..],
        &["-v", "-e", DRIVEN],
        &["-s", "1", "-e", DRIVEN],
        &["-e", "verbose=none", "-e", DRIVEN],
    ] {
        assert_identical(opts, &[py, "-c", &code]);
    }
}

#[test]
fn process_calls_match_strace() {
    if !strace_available() {
        return;
    }
    let Some(py) = python() else {
        return;
    };
    let code = script(PROCESS_SCRIPT);
    for opts in [
        &["-e", DRIVEN][..],
        &["-v", "-e", DRIVEN],
        &["-s", "8", "-e", DRIVEN],
        &["-x", "-e", DRIVEN],
        &["-e", "verbose=none", "-e", DRIVEN],
    ] {
        assert_identical(opts, &[py, "-c", &code]);
    }
}

#[test]
fn wait_statuses_match_strace() {
    if !strace_available() {
        return;
    }
    let Some(py) = python() else {
        return;
    };
    let code = script(WAIT_SCRIPT);
    let calls = "trace=clone,clone3,vfork,wait4,waitid,exit_group";
    let opts = ["-f", "-e", NO_SIGNALS, "-e", calls];
    assert_identical(&opts, &[py, "-c", &code]);
}
