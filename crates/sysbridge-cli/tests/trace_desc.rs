//! The descriptor family's decoders against strace 6.1: I/O, the descriptor table,
//! fcntl, pipes, polling, epoll, event descriptors, io_uring and ioctl, on coreutils,
//! shells and Python scripts, with the options that change how they print, and on
//! bad arguments (unreadable pointers, NULLs, huge counts, unknown values).

mod support;

use std::process::Command;

use support::{assert_identical, compare, compare_on_terminal, python, strace_available};

/// Every call of the family.
const DESC: &str = "trace=read,write,close,pread64,pwrite64,readv,writev,preadv,pwritev,\
preadv2,pwritev2,close_range,dup,dup2,dup3,fcntl,flock,pipe,pipe2,lseek,ioctl,fsync,\
fdatasync,fallocate,sendfile,copy_file_range,splice,tee,vmsplice,readahead,\
sync_file_range,poll,ppoll,select,pselect6,epoll_create,epoll_create1,epoll_ctl,\
epoll_wait,epoll_pwait,epoll_pwait2,eventfd,eventfd2,signalfd,signalfd4,timerfd_create,\
timerfd_settime,timerfd_gettime,inotify_init,inotify_init1,inotify_add_watch,\
inotify_rm_watch,memfd_create,io_uring_setup,io_uring_enter,io_uring_register";

/// Runs `script` with Python under both tracers with each option set in `variants`
/// (the family's calls traced) and asserts identical stable lines.
fn python_identical(script: &str, variants: &[&[&str]]) {
    if !strace_available() {
        return;
    }
    let Some(py) = python() else { return };
    for extra in variants {
        let mut opts = extra.to_vec();
        opts.extend(["-e", DESC]);
        assert_identical(&opts, &[py, "-c", script]);
    }
}

/// With `-f`: like [`assert_identical`], the family's calls and the process-creating
/// ones traced, so that processes are told apart by their place in the tree rather
/// than by which ran first. Lines of those calls (another family's decoders) may
/// differ; every other stable line must not. Where a signal lands among a process's
/// calls is a race both strace runs may happen to agree on: a comparison is tried
/// three times (a decoder's mistake shows every time).
fn assert_identical_f(cmd: &[&str]) {
    let trace = format!("{DESC},clone,clone3,fork,vfork");
    let mut report = String::new();
    for _ in 0..3 {
        let p = compare(&["-f", "-e", &trace], cmd);
        let forks = p
            .diffs
            .iter()
            .flat_map(|(theirs, _)| theirs)
            .filter(|l| {
                ["clone(", "clone3(", "fork(", "vfork("]
                    .iter()
                    .any(|c| l.starts_with(c))
            })
            .count();
        if p.total - p.same <= forks {
            return;
        }
        report = format!(
            "-f -- {cmd:?}: {:.1}% ({}/{} lines identical, {forks} of another family)\n{}",
            p.percent(),
            p.same,
            p.total,
            p.show(8)
        );
    }
    panic!("{report}");
}

#[test]
fn coreutils_io_matches_strace() {
    if !strace_available() {
        return;
    }
    assert_identical(&["-e", DESC], &["cat", "/etc/passwd"]);
    assert_identical(
        &["-e", DESC],
        &[
            "dd",
            "if=/dev/zero",
            "of=/dev/null",
            "bs=1k",
            "count=10",
            "status=none",
        ],
    );
    assert_identical_f(&["sh", "-c", "head -c 100 /dev/urandom | od >/dev/null"]);
    for opts in [&["-s", "8"][..], &["-x"], &["-xx"], &["-v"], &["-y"]] {
        let mut opts = opts.to_vec();
        opts.extend(["-e", DESC]);
        assert_identical(&opts, &["cat", "/etc/passwd"]);
    }
}

#[test]
fn shells_and_ls_match_strace() {
    if !strace_available() {
        return;
    }
    assert_identical(&["-e", DESC], &["ls", "-la", "/"]);
    assert_identical_f(&["sh", "-c", "echo hi | cat"]);
    assert_identical_f(&[
        "bash",
        "-c",
        "read y < /etc/hostname; exec 3</etc/passwd; exec 3<&-; echo hi | cat",
    ]);
}

#[test]
fn bash_on_a_terminal_matches_strace() {
    if !strace_available() {
        return;
    }
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("SKIPPED: script (util-linux) is not installed");
        return;
    }
    // script(1) gives the tracer and bash a pseudo-terminal: bash and stty query and
    // set it. bash execs stty, so one process makes every call: traced with `-f`,
    // script's wake-ups at its child's end and bash's job control (parent and child
    // both handing the terminal to the child's group) would race the tracer.
    let p = compare_on_terminal(
        &["-e", DESC],
        &[
            "bash",
            "--norc",
            "-i",
            "-c",
            "echo hi; exec stty -a >/dev/null",
        ],
    );
    assert!(
        p.same == p.total && p.total > 20,
        "{:.1}% ({}/{} lines identical)\n{}",
        p.percent(),
        p.same,
        p.total,
        p.show(8)
    );
}

/// The descriptor table, fcntl's commands, locks, plain and vectored I/O, copies
/// between descriptors.
const FD_SCRIPT: &str = r#"
import os, fcntl, struct, tempfile
r, w = os.pipe()
a, b = os.pipe2(os.O_CLOEXEC | os.O_NONBLOCK)
fcntl.fcntl(r, fcntl.F_GETFL); fcntl.fcntl(a, fcntl.F_GETFL)
fcntl.fcntl(r, fcntl.F_SETFL, os.O_NONBLOCK | os.O_APPEND)
fcntl.fcntl(r, fcntl.F_GETFD); fcntl.fcntl(a, fcntl.F_GETFD)
fcntl.fcntl(r, fcntl.F_SETFD, fcntl.FD_CLOEXEC)
fcntl.fcntl(r, fcntl.F_DUPFD, 10); fcntl.fcntl(r, fcntl.F_DUPFD_CLOEXEC, 20)
fcntl.fcntl(r, fcntl.F_GETPIPE_SZ); fcntl.fcntl(r, fcntl.F_SETPIPE_SZ, 8192)
fcntl.fcntl(r, 10, 10); fcntl.fcntl(r, 11); fcntl.fcntl(r, 10, 0); fcntl.fcntl(r, 11)
os.dup(r); os.dup2(r, 30); os.dup2(r, 31, inheritable=False)
try: os.dup2(1000, 32)
except OSError: pass
d = tempfile.mkdtemp()
fd = os.open(d + "/f", os.O_RDWR | os.O_CREAT, 0o644)
fcntl.lockf(fd, fcntl.LOCK_EX); fcntl.lockf(fd, fcntl.LOCK_UN)
fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB); fcntl.flock(fd, fcntl.LOCK_UN)
fcntl.fcntl(fd, fcntl.F_GETLK, struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, 0, 0, 0))
fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack("hhqqi4x", fcntl.F_RDLCK, 1, 10, 20, 0))
fcntl.fcntl(fd, fcntl.F_OFD_GETLK, struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, 0, 0, 0))
fcntl.fcntl(fd, fcntl.F_GETLEASE)
try: fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
except OSError: pass
dfd = os.open(tempfile.mkdtemp(), os.O_RDONLY)
fcntl.fcntl(dfd, fcntl.F_NOTIFY, fcntl.DN_MODIFY | fcntl.DN_CREATE | fcntl.DN_MULTISHOT)
m = os.memfd_create("sealed", os.MFD_ALLOW_SEALING | os.MFD_CLOEXEC)
fcntl.fcntl(m, fcntl.F_GET_SEALS)
fcntl.fcntl(m, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW)
fcntl.fcntl(m, fcntl.F_GET_SEALS)
for cmd in (1234, 12, 13):
    try: fcntl.fcntl(m, cmd, 0x55)
    except OSError: pass
try: fcntl.fcntl(999, fcntl.F_GETFL)
except OSError: pass
os.write(fd, b"hello world\n" * 10)
os.lseek(fd, 0, os.SEEK_SET); os.lseek(fd, 5, os.SEEK_CUR); os.lseek(fd, -3, os.SEEK_END)
os.lseek(fd, 0, os.SEEK_DATA); os.lseek(fd, 0, os.SEEK_HOLE)
os.pread(fd, 20, 3); os.pwrite(fd, b"xyz\0\1\2\n\t\\\"", 100)
os.lseek(fd, 0, 0)
os.readv(fd, [bytearray(5), bytearray(100), bytearray(3)])
os.writev(fd, [b"abc", b"", b"defgh\xff\x80"])
os.preadv(fd, [bytearray(4), bytearray(4)], 2)
os.preadv(fd, [bytearray(4)], 2, os.RWF_HIPRI)
os.pwritev(fd, [b"12", b"34"], 7)
os.pwritev(fd, [b"12"], 7, os.RWF_DSYNC)
os.fsync(fd); os.fdatasync(fd)
os.posix_fallocate(fd, 0, 4096)
out = os.open(d + "/g", os.O_RDWR | os.O_CREAT, 0o600)
os.sendfile(out, fd, 0, 50); os.sendfile(out, fd, None, 10); os.sendfile(out, fd, 5000, 10)
os.lseek(fd, 0, 0)
os.copy_file_range(fd, out, 20); os.copy_file_range(fd, out, 20, 5, 7)
os.write(w, b"piped data")
os.splice(r, out, 5); os.splice(r, out, 5, offset_dst=100)
e = os.eventfd(3, os.EFD_CLOEXEC | os.EFD_NONBLOCK)
os.eventfd_write(e, 7); os.eventfd_read(e)
os.eventfd(0)
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
sc = libc.syscall
sc.restype = ctypes.c_long
sc.argtypes = [ctypes.c_long] * 7
A = ctypes.addressof
fds = ctypes.create_string_buffer(8)
sc(22, A(fds), 0, 0, 0, 0, 0)
p1r, p1w = struct.unpack("ii", fds.raw)
os.pipe2(0)
data = ctypes.create_string_buffer(b"spliced bytes\n")
iov = ctypes.create_string_buffer(struct.pack("QQ", A(data), 14), 16)
sc(278, p1w, A(iov), 1, 0, 0, 0)
p2r, p2w = os.pipe()
sc(276, p1r, p2w, 100, 2, 0, 0)
sc(187, fd, 0, 4096, 0, 0, 0)
sc(277, fd, 0, 0, 2, 0, 0)
os.writev(fd, [b"%d" % i for i in range(40)])
os.lseek(fd, 0, 0)
os.readv(fd, [bytearray(3) for i in range(40)])
os.closerange(40, 50)
os.close(fd)
try: os.close(fd)
except OSError: pass
"#;

#[test]
fn descriptors_fcntl_and_io_match_strace() {
    python_identical(
        FD_SCRIPT,
        &[
            &[],
            &["-v"],
            &["-s", "8", "-xx"],
            &["-x"],
            &["-e", "verbose=none"],
        ],
    );
}

/// select, poll, epoll, and their signal-masked and timespec variants; timerfd,
/// signalfd, inotify, eventfd. (Ready descriptors are polled with no timeout: the time
/// left of a real one differs from run to run.)
const POLL_SCRIPT: &str = r#"
import os, select, ctypes, struct, tempfile
libc = ctypes.CDLL(None, use_errno=True)
sc = libc.syscall
sc.restype = ctypes.c_long
sc.argtypes = [ctypes.c_long] * 7
def call(*a):
    return sc(*(list(a) + [0] * (7 - len(a))))
A = ctypes.addressof
r, w = os.pipe()
r2, w2 = os.pipe()
select.select([r], [], [], 0)
select.select([r, r2], [w], [], 0)
os.write(w, b"x")
select.select([r, r2], [w, w2], [r], 0)
select.select([], [], [], 0.001)
p = select.poll()
p.register(r, select.POLLIN | select.POLLPRI)
p.register(w2, select.POLLOUT)
p.poll(0); p.poll(10)
pf = ctypes.create_string_buffer(struct.pack("ihhihh", -1, 1, 0, r, 1, 0), 16)
call(7, A(pf), 2, 0); call(7, 0, 0, 0); call(7, 16, 1, 0)
ep = select.epoll()
ep.register(r, select.EPOLLIN | select.EPOLLET)
ep.register(w2, select.EPOLLOUT)
ep.modify(w2, select.EPOLLOUT | select.EPOLLONESHOT)
ep.poll(0.1); ep.poll(0)
ep.unregister(w2)
os.read(r, 1)
ep.poll(0.01, 4)
select.epoll(sizehint=5)
try: ep.register(12345, select.EPOLLIN)
except OSError: pass
ts = ctypes.create_string_buffer(struct.pack("qq", 0, 1000), 16)
mask = ctypes.create_string_buffer(struct.pack("Q", 1 << 9 | 1 << 33), 8)
pfd = ctypes.create_string_buffer(struct.pack("ihh", r2, 1, 0), 8)
call(271, A(pfd), 1, A(ts), A(mask), 8)
call(271, A(pfd), 1, A(ts), 0, 8)
os.write(w2, b"y")
call(271, A(pfd), 1, A(ctypes.create_string_buffer(struct.pack("qq", 0, 0), 16)), 0, 8)
fds = ctypes.create_string_buffer(struct.pack("Q", 1 << r2), 8)
sig = ctypes.create_string_buffer(struct.pack("QQ", A(mask), 8), 16)
call(270, r2 + 1, A(fds), 0, 0, A(ts), A(sig))
call(270, 0, 0, 0, 0, A(ctypes.create_string_buffer(struct.pack("qq", 0, 100), 16)), 0)
tv = ctypes.create_string_buffer(struct.pack("qq", 0, 0), 16)
call(23, r2 + 1, A(fds), 0, A(fds), A(tv))
evs = ctypes.create_string_buffer(12 * 4)
call(281, ep.fileno(), A(evs), 4, 0, A(mask), 8)
call(441, ep.fileno(), A(evs), 4, A(ts), 0, 8)
call(232, ep.fileno(), A(evs), 4, 0)
call(213, 1); call(291, 0)
t = call(283, 1, 0o2000000 | 0o4000)
its = ctypes.create_string_buffer(struct.pack("qqqq", 0, 0, 5, 500), 32)
old = ctypes.create_string_buffer(32)
call(286, t, 0, A(its), A(old)); call(286, t, 1, A(its), 0); call(287, t, A(old))
call(283, 0, 0); call(283, 7, 0); call(283, 99, 0); call(283, -2, 0)
call(289, -1, A(mask), 8, 0o2000000); call(282, -1, A(mask), 8); call(289, -1, A(mask), 4, 0)
i = call(294, 0o4000)
wd = call(254, i, A(ctypes.create_string_buffer(tempfile.mkdtemp().encode())), 0x100 | 0x200 | 0x40000000)
call(254, i, A(ctypes.create_string_buffer(b"/nonexistent")), 0xfff)
call(255, i, wd); call(253); call(294, 0)
call(284, 5); call(290, 1, 1)
"#;

#[test]
fn polling_and_event_descriptors_match_strace() {
    python_identical(
        POLL_SCRIPT,
        &[
            &[],
            &["-v"],
            &["-s", "8"],
            &["-e", "verbose=none"],
            &["-e", "abbrev=none"],
        ],
    );
}

/// Terminal requests on a pseudo-terminal pair, and requests strace names without
/// decoding them.
const TTY_SCRIPT: &str = r#"
import os, termios, fcntl, struct, tty, ctypes
m, s = os.openpty()
for fd in (m, s):
    a = termios.tcgetattr(fd)
termios.tcsetattr(s, termios.TCSANOW, a)
termios.tcsetattr(s, termios.TCSADRAIN, a)
termios.tcsetattr(s, termios.TCSAFLUSH, a)
tty.setraw(s)
fcntl.ioctl(s, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 640, 480))
fcntl.ioctl(s, termios.TIOCGWINSZ, b"\0" * 8)
fcntl.ioctl(s, termios.FIONREAD, b"\0" * 4)
def io(fd, req, arg=0):
    try: fcntl.ioctl(fd, req, arg)
    except OSError: pass
io(m, 0x5411, b"\0" * 4)
io(s, termios.FIONBIO, struct.pack("i", 1)); io(s, 0x5452, struct.pack("i", 0))
io(s, termios.FIOCLEX); io(s, termios.FIONCLEX)
io(m, 0x80045430, b"\0" * 4); io(m, 0x40045431, struct.pack("i", 0))
for req in (0x540f, 0x5429, 0x5424, 0x80045440):
    io(s, req, b"\0" * 4)
io(s, 0x5416, struct.pack("I", 6)); io(s, 0x5405, b"\0" * 18); io(s, 0x802c542a, b"\0" * 44)
termios.tcflush(s, termios.TCIOFLUSH); termios.tcflow(s, termios.TCOON)
io(s, 0x5409, 1); termios.tcdrain(s)
io(s, 0x5412, b"q"); io(s, 0x5422); io(s, 0x540e, 0); io(s, 0x540c); io(s, 0x540d)
for req in (0x80085413, 0x5401a, 0xc0000000, 0x1234, 0x40049409, 0x80045200, 0xb701,
            0x80086601, 0x5402ff, 0x890b, 0x8008ae00, 0x40044d00):
    io(s, req)
io(999, termios.TCGETS, b"\0" * 60)
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall(16, s, termios.TCGETS, 16)
libc.syscall(16, s, termios.TIOCGWINSZ, None)
libc.syscall(16, s, termios.TCSETS, 16)
"#;

#[test]
fn terminal_ioctls_match_strace() {
    python_identical(TTY_SCRIPT, &[&[], &["-v"], &["-e", "verbose=none"]]);
}

/// Socket requests that carry no address.
const SOCK_SCRIPT: &str = r#"
import socket, fcntl, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
f = s.fileno()
socket.if_nametoindex("lo")
ifr = struct.pack("16s24x", b"lo")
for req in (0x8913, 0x8921, 0x891d, 0x8942, 0x8970):
    fcntl.ioctl(f, req, ifr)
fcntl.ioctl(f, 0x8910, struct.pack("16si20x", b"", 1))
def io(req, arg=0):
    try: fcntl.ioctl(f, req, arg)
    except OSError: pass
io(0x8913, struct.pack("16s24x", b"nosuchif0"))
io(0x8914, struct.pack("16sH22x", b"nosuchif0", 0x1043))
io(0x8922, struct.pack("16si20x", b"nosuchif0", 1500))
io(0x8914, struct.pack("16sH22x", b"0123456789abcdef", 1))
io(0x8901, struct.pack("i", 0)); io(0x8903, struct.pack("i", 0)); io(0x8905, struct.pack("i", 0))
io(0x541b, struct.pack("i", 0)); io(0x89a1, b"nosuchbr\0"); io(0x890b)
"#;

#[test]
fn socket_ioctls_match_strace() {
    python_identical(SOCK_SCRIPT, &[&[], &["-s", "4"]]);
}

/// io_uring instances: setup with what the kernel answers, enter, register.
const URING_SCRIPT: &str = r#"
import ctypes, struct
libc = ctypes.CDLL(None, use_errno=True)
sc = libc.syscall
sc.restype = ctypes.c_long
sc.argtypes = [ctypes.c_long] * 7
A = ctypes.addressof
p = ctypes.create_string_buffer(120)
fd = sc(425, 4, A(p), 0, 0, 0, 0)
sc(426, fd, 0, 0, 1, 0, 8, 0); sc(426, fd, 0, 0, 0, 0, 0, 0)
bufs = ctypes.create_string_buffer(4096)
iov = ctypes.create_string_buffer(struct.pack("QQ", A(bufs), 4096), 16)
sc(427, fd, 0, A(iov), 1, 0, 0); sc(427, fd, 1, 0, 0, 0, 0)
fds = ctypes.create_string_buffer(struct.pack("ii", 0, 1), 8)
sc(427, fd, 2, A(fds), 2, 0, 0); sc(427, fd, 99, 0, 0, 0, 0)
p2 = ctypes.create_string_buffer(struct.pack("IIIII", 0, 0, 0x28, 1, 2) + b"\0" * 4
                                 + struct.pack("iIII", fd, 1, 0, 0) + b"\0" * 80, 120)
sc(425, 8, A(p2), 0, 0, 0, 0); sc(425, 1, 16, 0, 0, 0, 0); sc(425, 1, 0, 0, 0, 0, 0)
"#;

#[test]
fn io_uring_matches_strace() {
    python_identical(URING_SCRIPT, &[&[], &["-e", "verbose=none"]]);
}

/// Every call of the family with unreadable pointers, NULLs, huge counts and values
/// no table names.
const BAD_SCRIPT: &str = r#"
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
sc = libc.syscall
sc.restype = ctypes.c_long
sc.argtypes = [ctypes.c_long] * 7
B = 0x10
H = 1 << 62
r, w = os.pipe()
zt = ctypes.create_string_buffer(16)
Z = ctypes.addressof(zt)
os.write(w, b"abcdef")
calls = [
 (0, r, B, 5), (0, 99, 0, 5), (1, w, B, 5), (1, w, 0, 0), (17, r, B, 4, 0), (18, w, B, 3, -1),
 (19, r, B, 2), (19, r, 0, 0), (20, w, B, 2), (20, w, 0, 1), (20, w, 0, 0), (19, r, B, H),
 (295, r, B, 1, 0, 0), (296, w, B, 1, 0, 0), (327, r, B, 1, 0, 0, 0x40), (328, w, B, 1, 0, 0, 0xff),
 (22, 0), (22, B), (293, B, 0), (293, 0, 0x80000 | 0x800 | 0x4000), (293, 0, 0x10000000),
 (7, B, 2, 0), (7, 0, 1, 0), (7, B, 0, 5), (271, B, 1, B, B, 8), (271, 0, 0, B, 0, 4), (271, 0, 0, 0, B, 8),
 (23, 5, B, 0, 0, 0), (23, -1, 0, 0, 0, B), (23, 1 << 40, 0, 0, 0, Z), (23, 1 << 33 | 4, Z, Z, 0, Z),
 (23, 70, B, B, B, B), (270, 3, B, 0, 0, 0, B), (270, 3, 0, 0, 0, 0, B),
 (233, 999, 1, r, B), (233, 999, 2, r, B), (233, 999, 77, r, 0), (232, 999, B, 4, 0), (232, 999, 0, -1, 0),
 (281, 999, B, 4, 0, B, 8), (441, 999, B, 4, B, 0, 8), (213, -1), (291, 0x7fffffff),
 (286, 999, 3, B, B), (287, 999, B), (283, 1, 0xffff),
 (282, 999, B, 8), (289, 999, 0, 8, 0xfff), (289, 999, B, 7, 0),
 (40, w, r, B, 5), (40, w, r, 0, 0), (326, r, B, w, B, 5, 7), (275, r, B, w, B, 5, 0xff),
 (276, r, w, 5, 0x1f), (278, w, B, 2, 0), (278, w, 0, 0, 8),
 (187, r, -5, 10), (277, r, -1, 1 << 40, 0xff), (285, r, 0x7f, -1, 5),
 (436, 5, 2, 0), (436, 3, -1, 0x7), (32, -1), (33, r, -1), (292, r, r, 0x80001),
 (72, r, 5, B), (72, r, 6, 0), (72, r, 7, B), (72, r, 36, B), (72, r, 16, B), (72, r, 15, B),
 (72, r, 1024, 7), (72, r, 1026, 0xffffffffff), (72, r, 1033, 1 << 40), (72, r, 8, -5),
 (72, r, 10, 40), (72, r, 10, 99), (72, r, 4, 0xffffffffffff), (72, r, 1031, -1), (72, 99, 1025),
 (73, r, 0xf0), (73, r, 0), (8, r, 0, 7), (8, r, -(1 << 63), 0), (3, 12345),
 (16, r, 0x5401, B), (16, r, 0x5413, B), (16, r, 0x541b, B), (16, r, 0x5414, B), (16, r, 0x5402, 0),
 (16, r, 0x5412, B), (16, r, 0x540a, 77), (16, r, 0x8008ae00, B), (16, r, 0xb704, B),
 (319, B, 0), (319, 0, 5), (319, 0, 0xfc000007), (319, 0, 0x58000000), (319, 0, 0xf0),
 (254, 999, B, 0), (254, 999, 0, 0xffffffff), (255, 999, -1), (294, 0xffff),
 (284, 0xffffffffff), (290, 3, 0xff), (426, 999, 1, 2, 0xff, B, 8), (427, 999, 2, B, 3),
 (427, 999, 0, B, 2), (427, 999, 4, 0, 0),
]
for c in calls:
    sc(*(list(c) + [0] * (7 - len(c))))
try: os.readv(w, [bytearray(5), bytearray(3)])
except OSError: pass
"#;

#[test]
fn bad_arguments_match_strace() {
    python_identical(BAD_SCRIPT, &[&[], &["-e", "verbose=none"], &["-v"]]);
}

#[test]
fn interrupted_calls_match_strace_with_f() {
    if !strace_available() {
        return;
    }
    let Some(py) = python() else { return };
    // The reader blocks in select and poll while its writer sleeps: the calls are
    // printed `<unfinished ...>` and resumed.
    let reader = "import select, os, fcntl; select.select([0], [], [], 5); \
                  p = select.poll(); p.register(0); p.poll(3000); \
                  fcntl.fcntl(0, fcntl.F_GETFL); os.read(0, 10)";
    let script = format!("(sleep 0.3; echo hi) | {py} -c '{reader}'");
    assert_identical_f(&["sh", "-c", &script]);
}

/// Block device requests, on a loop device with no file behind it (every request
/// fails, after its argument is printed).
const BLOCK_SCRIPT: &str = r#"
import os, fcntl, struct, ctypes
lo = os.open("/dev/loop7", os.O_RDONLY)
def io(req, arg=b"\0" * 16):
    try: fcntl.ioctl(lo, req, arg)
    except OSError: pass
for req in (0x80081272, 0x1268, 0x80081270, 0x125e, 0x1263, 0x1278, 0x127e, 0x1267, 0x1260,
            0x80081280, 0x1265):
    io(req)
io(0x1277, struct.pack("QQ", 0, 4096)); io(0x127f, struct.pack("QQ", 4096, 1 << 40))
io(0x1274, 0); io(0x1269, 0); io(0x1266, 0)
part = ctypes.create_string_buffer(struct.pack("qqi64s64s", 0, 512, 1, b"loop7p1", b"v" * 64), 152)
io(0x1269, ctypes.create_string_buffer(struct.pack("iiiiQ", 1, 0, 152, 0, ctypes.addressof(part)), 24))
io(0x1269, ctypes.create_string_buffer(struct.pack("iiiiQ", 7, 0, 152, 0, 16), 24))
"#;

#[test]
fn block_device_ioctls_match_strace() {
    if !std::path::Path::new("/dev/loop7").exists() {
        eprintln!("SKIPPED: no /dev/loop7 to send block requests to");
        return;
    }
    python_identical(BLOCK_SCRIPT, &[&[], &["-s", "8"]]);
}
