//! Starting programs with `Spawn`, waiting, sessions and groups, limits, affinity and
//! prctl, each against an independent view: the child's `/proc/PID/{status,stat,fd}`,
//! what the started program itself prints, libc's answers.

use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};

use sysbridge::fd::{self, PipeFlags};
use sysbridge::process::{
    self, ChildState, CpuSet, Gid, Pid, Resource, Rlimit, Spawn, Uid, WaitFor, WaitId, WaitOptions,
};
use sysbridge::signal::{self, SaFlags, SigAction, SigHandler, SigSet, Signal};
use sysbridge::{Errno, io};

mod common;
use common::status_field;

/// Everything readable from `fd` until end of file.
fn read_all(fd: &OwnedFd) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match io::read(fd, &mut buf) {
            Ok(0) => return out,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(Errno::EINTR) => {}
            Err(e) => panic!("read: {e}"),
        }
    }
}

/// Runs `program` as `configure` says, with standard output to a pipe; returns what
/// the child wrote and how it ended.
fn output(program: &str, configure: impl FnOnce(&mut Spawn<'_>)) -> (String, ChildState) {
    let (reader, writer) = fd::pipe2(PipeFlags::CLOEXEC).unwrap();
    let mut spawn = Spawn::new(program);
    configure(&mut spawn);
    let mut child = spawn.stdout(writer.as_fd()).spawn().unwrap();
    drop(spawn);
    drop(writer);
    let out = read_all(&reader);
    let state = child.wait().unwrap();
    (String::from_utf8(out).unwrap(), state)
}

/// Fields of `/proc/<pid>/stat` after the command name: state is 0, ppid 1, pgrp 2,
/// session 3.
fn stat_fields(pid: Pid) -> Vec<String> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let rest = &text[text.rfind(')').unwrap() + 2..];
    rest.split_whitespace().map(str::to_string).collect()
}

/// The descriptor numbers open in process `pid`.
fn open_fds(pid: Pid) -> Vec<i32> {
    let mut fds: Vec<i32> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_str().unwrap().parse().unwrap())
        .collect();
    fds.sort();
    fds
}

#[test]
fn exit_codes_and_signals() {
    let st = Spawn::new("sh").args(["-c", "exit 3"]).status().unwrap();
    assert_eq!(st, ChildState::Exited(3));
    assert_eq!(st.shell_code(), Some(3));
    let st = Spawn::new("sh")
        .args(["-c", "kill -TERM $$"])
        .status()
        .unwrap();
    assert_eq!(
        st,
        ChildState::Killed {
            signal: Signal::SIGTERM,
            core_dumped: false
        }
    );
    assert_eq!(st.shell_code(), Some(143));
    assert!(Spawn::new("true").status().unwrap().success());
}

#[test]
fn missing_program_is_enoent_and_not_executable_is_eacces() {
    assert_eq!(
        Spawn::new("/nonexistent/program").spawn().err(),
        Some(Errno::ENOENT)
    );
    assert_eq!(
        Spawn::new("sysbridge-no-such-program").spawn().err(),
        Some(Errno::ENOENT)
    );
    assert_eq!(Spawn::new("").spawn().err(), Some(Errno::ENOENT));
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("script");
    std::fs::write(&script, "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(Spawn::new(&script).spawn().err(), Some(Errno::EACCES));
    assert_eq!(Spawn::new(dir.path()).spawn().err(), Some(Errno::EACCES));
    // Along PATH, a non-executable match is EACCES unless a later one works.
    let mut lookup = Spawn::new("script");
    lookup.env("PATH", dir.path());
    assert_eq!(lookup.spawn().err(), Some(Errno::EACCES));
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join("script"), "#!/bin/sh\nexit 4\n").unwrap();
    std::fs::set_permissions(
        other.path().join("script"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let path = std::env::join_paths([dir.path(), other.path()]).unwrap();
    let st = Spawn::new("script").env("PATH", &path).status().unwrap();
    assert_eq!(st, ChildState::Exited(4));
    // A step before exec that fails reports its own errno.
    let missing_dir = Spawn::new("true").cwd("/nonexistent").spawn();
    assert_eq!(missing_dir.err(), Some(Errno::ENOENT));
    // Strings with NUL, names with '=' are refused before any clone.
    assert_eq!(Spawn::new("a\0b").spawn().err(), Some(Errno::EINVAL));
    assert_eq!(
        Spawn::new("true").env("A=B", "c").spawn().err(),
        Some(Errno::EINVAL)
    );
}

#[test]
fn environment_arguments_and_directory() {
    let (out, st) = output("env", |s| {
        s.env_clear().env("A", "b").env("Z", "1");
    });
    assert_eq!((out.as_str(), st), ("A=b\nZ=1\n", ChildState::Exited(0)));
    let (out, _) = output("sh", |s| {
        s.args([
            "-c",
            "echo \"$0|$1|$HOME_TEST\"; tr '\\0' '|' </proc/$$/cmdline",
        ])
        .arg0("zero")
        .args(["one", "two words"])
        .env("HOME_TEST", "set")
        .env_remove("PATH");
    });
    let script = "echo \"$0|$1|$HOME_TEST\"; tr '\\0' '|' </proc/$$/cmdline";
    assert_eq!(
        out,
        format!("one|two words|set\nzero|-c|{script}|one|two words|")
    );
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = output("pwd", |s| {
        s.cwd(dir.path());
    });
    let real = std::fs::canonicalize(dir.path()).unwrap();
    assert_eq!(out.trim_end().as_bytes(), real.as_os_str().as_bytes());
    // A relative program path starts from the child's directory.
    std::fs::write(dir.path().join("prog"), "#!/bin/sh\necho relative\n").unwrap();
    std::fs::set_permissions(
        dir.path().join("prog"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let (out, _) = output("./prog", |s| {
        s.cwd(dir.path());
    });
    assert_eq!(out, "relative\n");
}

/// Polls until process `pid` has finished its `execve` of `comm` (the kernel sets the
/// name after closing the close-on-exec descriptors).
fn wait_for_exec(pid: Pid, comm: &str) {
    for _ in 0..2000 {
        let now = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap();
        if now.trim_end() == comm {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    panic!("{pid} never became {comm}");
}

/// SIGURG ignored in this process (its default action is to ignore it anyway, so
/// tests running meanwhile cannot tell).
fn ignore_sigurg() {
    let ignore = SigAction {
        handler: SigHandler::Ignore,
        flags: SaFlags::empty(),
        mask: SigSet::EMPTY,
    };
    // SAFETY: ignoring installs no code.
    unsafe { signal::sigaction(Signal::SIGURG, &ignore) }.unwrap();
}

fn sig_bits(field: &str) -> u64 {
    u64::from_str_radix(field, 16).unwrap()
}

#[test]
fn child_proc_status_shows_descriptors_mask_dispositions_and_session() {
    ignore_sigurg();
    let devnull = std::fs::File::open("/dev/null").unwrap();
    let file = tempfile::tempfile().unwrap();
    // A descriptor without close-on-exec must not leak either.
    let leaky = std::fs::File::open("/dev/zero").unwrap();
    fd::fcntl_setfd(&leaky, fd::FdFlags::empty()).unwrap();
    let mask = SigSet::EMPTY.with(Signal::SIGUSR1).with(Signal::SIGHUP);
    let mut child = Spawn::new("sleep")
        .arg("30")
        .stdin(devnull.as_fd())
        .fd(5, file.as_fd())
        .close_fd(2)
        .setsid(true)
        .signal_mask(mask)
        .spawn()
        .unwrap();
    let pid = child.pid();
    wait_for_exec(pid, "sleep");
    assert_eq!(open_fds(pid), [0, 1, 5]);
    let link = |p: String| std::fs::read_link(p).unwrap();
    assert_eq!(
        link(format!("/proc/{pid}/fd/5")),
        link(format!("/proc/self/fd/{}", file.as_raw_fd()))
    );
    assert_eq!(
        link(format!("/proc/{pid}/fd/0")),
        std::path::Path::new("/dev/null")
    );
    assert_eq!(sig_bits(&status_field(pid, "SigBlk:")), mask.bits());
    let ignored = SigSet::from_bits(sig_bits(&status_field(pid, "SigIgn:")));
    assert!(
        ignored.contains(Signal::SIGURG),
        "ignored signals stay ignored"
    );
    assert!(
        !ignored.contains(Signal::SIGPIPE),
        "SIGPIPE back to default"
    );
    assert_eq!(sig_bits(&status_field(pid, "SigCgt:")), 0);
    let stat = stat_fields(pid);
    assert_eq!(stat[1], process::getpid().to_string(), "ppid");
    assert_eq!(
        (stat[2].as_str(), stat[3].as_str()),
        (&*pid.to_string(), &*pid.to_string())
    );
    assert_eq!(child.try_wait(), Ok(None));
    child.kill().unwrap();
    assert_eq!(
        child.wait(),
        Ok(ChildState::Killed {
            signal: Signal::SIGKILL,
            core_dumped: false
        })
    );
    assert_eq!(
        child.wait().unwrap().signal(),
        Some(Signal::SIGKILL),
        "cached"
    );
    assert_eq!(child.signal(Signal::SIGTERM), Err(Errno::ESRCH));
}

#[test]
fn default_signals_and_process_group() {
    ignore_sigurg();
    let mut child = Spawn::new("sleep")
        .arg("30")
        .default_signals(SigSet::EMPTY.with(Signal::SIGURG))
        .process_group(Pid::from_raw(0))
        .spawn()
        .unwrap();
    let pid = child.pid();
    wait_for_exec(pid, "sleep");
    let ignored = SigSet::from_bits(sig_bits(&status_field(pid, "SigIgn:")));
    assert!(!ignored.contains(Signal::SIGURG));
    assert!(
        ignored.contains(Signal::SIGPIPE),
        "Rust's ignored SIGPIPE, kept"
    );
    assert_eq!(sig_bits(&status_field(pid, "SigBlk:")), 0);
    let stat = stat_fields(pid);
    assert_eq!(stat[2], pid.to_string(), "own process group");
    // SAFETY: getsid has no preconditions.
    let our_sid = unsafe { libc::getsid(0) };
    assert_eq!(stat[3], our_sid.to_string(), "our session");
    assert_eq!(process::getpgid(Some(pid)), Ok(pid));
    assert_eq!(process::getsid(Some(pid)).unwrap().as_raw(), our_sid);
    // After its execve, we may no longer move it.
    assert_eq!(process::setpgid(Some(pid), None), Err(Errno::EACCES));
    // A signal to the group reaches it.
    signal::kill(Pid::from_raw(-pid.as_raw()), Signal::SIGTERM).unwrap();
    assert_eq!(child.wait().unwrap().signal(), Some(Signal::SIGTERM));
}

/// `foreground` hands over only a terminal that is ours: a pipe (no terminal) and a
/// pseudo-terminal master (a terminal, but nobody's controlling one) are left alone,
/// and the spawn succeeds. (`sysbridge init`'s tests hand over a real one, under
/// `script`.)
#[test]
fn foreground_leaves_a_terminal_that_is_not_ours_alone() {
    let (reader, _writer) = fd::pipe2(PipeFlags::CLOEXEC).unwrap();
    let Ok(ptmx) = sysbridge::fs::open(
        "/dev/ptmx",
        sysbridge::fs::OFlags::RDWR
            | sysbridge::fs::OFlags::NOCTTY
            | sysbridge::fs::OFlags::CLOEXEC,
        sysbridge::fs::Mode::empty(),
    ) else {
        eprintln!("SKIPPED in part: no /dev/ptmx");
        return;
    };
    for tty in [reader.as_fd(), ptmx.as_fd()] {
        let state = Spawn::new("sh")
            .args(["-c", "exit 4"])
            .process_group(Pid::from_raw(0))
            .foreground(tty)
            .status();
        assert_eq!(state, Ok(ChildState::Exited(4)));
    }
}

#[test]
fn descriptor_numbers_may_be_swapped() {
    let (r1, w1) = fd::pipe2(PipeFlags::CLOEXEC).unwrap();
    let (r2, w2) = fd::pipe2(PipeFlags::CLOEXEC).unwrap();
    let (a, b) = (w1.as_raw_fd(), w2.as_raw_fd());
    let script = format!("echo one >&{a}; echo two >&{b}; echo three; echo four >&2");
    let mut child = Spawn::new("sh")
        .args(["-c", &script])
        .fd(a, w2.as_fd())
        .fd(b, w1.as_fd())
        // Standard output and error swapped onto pipes too, one source used twice.
        .stdout(w1.as_fd())
        .stderr(w2.as_fd())
        .spawn()
        .unwrap();
    drop((w1, w2));
    assert_eq!(child.wait(), Ok(ChildState::Exited(0)));
    assert_eq!(read_all(&r1), b"two\nthree\n");
    assert_eq!(read_all(&r2), b"one\nfour\n");
}

#[test]
fn negative_descriptor_is_ebadf() {
    let null = std::fs::File::open("/dev/null").unwrap();
    assert_eq!(
        Spawn::new("true").fd(-3, null.as_fd()).spawn().err(),
        Some(Errno::EBADF)
    );
}

#[test]
fn credentials_as_root() {
    if process::geteuid().as_raw() != 0 {
        eprintln!("SKIPPED: not root, cannot change user");
        return;
    }
    let (out, st) = output("sh", |s| {
        s.args(["-c", "id -u; id -g; id -G"])
            .uid(Uid::from_raw(65534))
            .gid(Gid::from_raw(65534));
    });
    assert_eq!(
        (out.as_str(), st),
        ("65534\n65534\n65534\n", ChildState::Exited(0))
    );
    let (out, _) = output("id", |s| {
        s.arg("-G")
            .uid(Uid::from_raw(65534))
            .gid(Gid::from_raw(65534))
            .groups(&[Gid::from_raw(65534), Gid::from_raw(4)]);
    });
    assert_eq!(out, "65534 4\n");
}

#[test]
fn unprivileged_uid_change_is_eperm() {
    if process::geteuid().as_raw() == 0 {
        eprintln!("SKIPPED: root may take any user id");
        return;
    }
    let root = Uid::from_raw(0);
    assert_eq!(
        Spawn::new("true").uid(root).spawn().err(),
        Some(Errno::EPERM)
    );
}

#[test]
fn parent_death_signal_follows_the_spawning_thread() {
    let child = std::thread::spawn(|| {
        Spawn::new("sleep")
            .arg("30")
            .parent_death_signal(Signal::SIGKILL)
            .spawn()
            .unwrap()
    })
    .join()
    .unwrap();
    let mut child = child;
    // The thread that spawned it has ended: the kernel sent SIGKILL.
    assert_eq!(child.wait().unwrap().signal(), Some(Signal::SIGKILL));
}

/// Waits until child `pid` has ended, leaving it unreaped.
fn wait_unreaped(pid: Pid) {
    let pidfd = process::pidfd_open(pid, process::PidfdFlags::empty()).unwrap();
    process::waitid(
        WaitId::PidFd(pidfd.as_fd()),
        WaitOptions::EXITED | WaitOptions::NOWAIT,
    )
    .unwrap()
    .unwrap();
}

#[test]
fn dropping_a_child_leaves_no_zombie() {
    // Ended before the drop: reaped by it.
    let child = Spawn::new("true").spawn().unwrap();
    let pid = child.pid();
    wait_unreaped(pid);
    assert_eq!(stat_fields(pid)[0], "Z");
    drop(child);
    assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
    // Running at the drop: reaped by a later spawn once it has ended.
    let (reader, writer) = fd::pipe2(PipeFlags::CLOEXEC).unwrap();
    let child = Spawn::new("cat").stdin(reader.as_fd()).spawn().unwrap();
    let pid = child.pid();
    drop(child);
    drop(writer); // cat reads end of file and exits
    wait_unreaped(pid);
    Spawn::new("true").status().unwrap();
    assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
}

#[test]
fn into_pidfd_hands_over_the_wait() {
    let pidfd = Spawn::new("sh")
        .args(["-c", "exit 9"])
        .spawn()
        .unwrap()
        .into_pidfd();
    let event = process::waitid(WaitId::PidFd(pidfd.as_fd()), WaitOptions::EXITED)
        .unwrap()
        .unwrap();
    assert_eq!(event.state, ChildState::Exited(9));
    assert_eq!(event.uid, process::getuid());
}

#[test]
fn waitid_by_group_pidfd_and_any_with_stop_continue_and_nowait() {
    let mut child = Spawn::new("sleep")
        .arg("30")
        .process_group(Pid::from_raw(0))
        .spawn()
        .unwrap();
    let pid = child.pid();
    signal::kill(pid, Signal::SIGSTOP).unwrap();
    let stopped = process::waitid(WaitId::Pgid(pid), WaitOptions::STOPPED)
        .unwrap()
        .unwrap();
    assert_eq!(
        (stopped.pid, stopped.state),
        (pid, ChildState::Stopped(Signal::SIGSTOP))
    );
    child.signal(Signal::SIGCONT).unwrap();
    let resumed = process::waitid(WaitId::PidFd(child.as_fd()), WaitOptions::CONTINUED)
        .unwrap()
        .unwrap();
    assert_eq!(resumed.state, ChildState::Continued);
    // The same through wait4's status word, against libc's macros.
    signal::kill(pid, Signal::SIGSTOP).unwrap();
    let (who, status) = process::wait4(WaitFor::Group(pid), WaitOptions::STOPPED)
        .unwrap()
        .unwrap();
    assert_eq!(who, pid);
    assert!(libc::WIFSTOPPED(status.raw()));
    assert_eq!(
        status.state(),
        Some(ChildState::Stopped(Signal::from_raw(libc::WSTOPSIG(
            status.raw()
        ))))
    );
    child.signal(Signal::SIGCONT).unwrap();
    let (_, status) = process::wait4(WaitFor::Pid(pid), WaitOptions::CONTINUED)
        .unwrap()
        .unwrap();
    assert!(libc::WIFCONTINUED(status.raw()));
    assert_eq!(status.state(), Some(ChildState::Continued));
    child.signal(Signal::SIGTERM).unwrap();
    // WNOWAIT leaves it waitable; NOHANG on a running group member says None.
    let peek = process::waitid(WaitId::Pid(pid), WaitOptions::EXITED | WaitOptions::NOWAIT)
        .unwrap()
        .unwrap();
    assert_eq!(peek.state.signal(), Some(Signal::SIGTERM));
    assert_eq!(child.wait().unwrap().signal(), Some(Signal::SIGTERM));
    assert_eq!(
        process::waitid(WaitId::Pid(pid), WaitOptions::EXITED | WaitOptions::NOHANG),
        Err(Errno::ECHILD)
    );
}

/// Set by the handler when it runs in a process other than this one (a Spawn child
/// that kept our handler would run it over our memory, where we can see it).
static RAN_ELSEWHERE: AtomicUsize = AtomicUsize::new(0);
static RAN_HERE: AtomicUsize = AtomicUsize::new(0);
static OUR_PID: AtomicI32 = AtomicI32::new(0);

extern "C" fn count_where(_: i32) {
    if process::getpid().as_raw() == OUR_PID.load(Ordering::Relaxed) {
        RAN_HERE.fetch_add(1, Ordering::Relaxed);
    } else {
        RAN_ELSEWHERE.fetch_add(1, Ordering::Relaxed);
    }
}

/// Spawns `rounds` children into a process group that another thread floods with
/// `SIGUSR2`, which this process handles: our handler must never run in a child.
fn handlers_never_run_in_the_child(rounds: usize) {
    OUR_PID.store(process::getpid().as_raw(), Ordering::Relaxed);
    let handler = SigAction {
        handler: SigHandler::Handler(count_where),
        flags: SaFlags::RESTART,
        mask: SigSet::EMPTY,
    };
    // SAFETY: the handler only makes a raw getpid and updates atomics.
    unsafe { signal::sigaction(Signal::SIGUSR2, &handler) }.unwrap();
    let usr2 = SigSet::EMPTY.with(Signal::SIGUSR2);
    let mut leader = Spawn::new("sleep")
        .arg("60")
        .process_group(Pid::from_raw(0))
        .signal_mask(usr2)
        .spawn()
        .unwrap();
    let group = leader.pid();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flood = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let _ = signal::kill(Pid::from_raw(-group.as_raw()), Signal::SIGUSR2);
            }
        })
    };
    for _ in 0..rounds {
        // The child joins the flooded group early, and unblocks SIGUSR2 before exec.
        let state = Spawn::new("true").process_group(group).status().unwrap();
        assert!(
            state.success() || state.signal() == Some(Signal::SIGUSR2),
            "{state:?}"
        );
    }
    stop.store(true, Ordering::Relaxed);
    flood.join().unwrap();
    leader.kill().unwrap();
    leader.wait().unwrap();
    assert_eq!(RAN_ELSEWHERE.load(Ordering::Relaxed), 0);
}

#[test]
fn our_signal_handlers_never_run_in_the_child() {
    handlers_never_run_in_the_child(300);
}

/// The `clone(2)` fallback, used where `clone3` is refused (as Docker's seccomp
/// profile used to): this test runs itself again under a filter that answers
/// `clone3` with `ENOSYS`, where the child below does the work.
#[test]
fn legacy_clone_fallback() {
    if std::env::var_os("SYSBRIDGE_NO_CLONE3").is_some() {
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args([
            "--exact",
            "legacy_clone_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SYSBRIDGE_NO_CLONE3", "1")
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("clone3 refused; clone used"), "{text}");
}

#[test]
fn legacy_clone_child() {
    if std::env::var_os("SYSBRIDGE_NO_CLONE3").is_none() {
        return;
    }
    use sysbridge::seccomp::{self, FilterFlags, RET_ALLOW, filter_syscalls, ret_errno};
    let set: sysbridge::SysnoSet = [sysbridge::Sysno::clone3].into_iter().collect();
    let filter = filter_syscalls(&set, ret_errno(Errno::ENOSYS), RET_ALLOW);
    if seccomp::set_filter(&filter, FilterFlags::empty()) == Err(Errno::EACCES) {
        process::set_no_new_privs().unwrap();
        seccomp::set_filter(&filter, FilterFlags::empty()).unwrap();
    }
    let args = process::CloneArgs::default();
    // SAFETY: the filter refuses the call before any child exists.
    assert_eq!(unsafe { process::clone3(&args) }, Err(Errno::ENOSYS));
    let (out, st) = output("sh", |s| {
        s.args(["-c", "echo fallback; exit 5"]);
    });
    assert_eq!((out.as_str(), st), ("fallback\n", ChildState::Exited(5)));
    assert_eq!(
        Spawn::new("/nonexistent").spawn().err(),
        Some(Errno::ENOENT)
    );
    handlers_never_run_in_the_child(100);
    println!("clone3 refused; clone used");
}

#[test]
fn session_and_group_queries_agree_with_libc() {
    // SAFETY: getsid and getpgid have no preconditions.
    let (sid, pgid) = unsafe { (libc::getsid(0), libc::getpgid(0)) };
    assert_eq!(process::getsid(None).unwrap().as_raw(), sid);
    assert_eq!(process::getpgid(None).unwrap().as_raw(), pgid);
    assert_eq!(
        process::getsid(Some(Pid::from_raw(i32::MAX))),
        Err(Errno::ESRCH)
    );
    // setsid in a forked child: it becomes the leader of both.
    // SAFETY: the child makes raw calls only (setsid, getpid, exit_group).
    match unsafe { process::fork() }.unwrap() {
        None => {
            let ok = process::setsid() == Ok(process::getpid())
                && process::getsid(None) == Ok(process::getpid())
                && process::setsid() == Err(Errno::EPERM);
            process::exit_group(if ok { 0 } else { 1 });
        }
        Some(pid) => {
            let (_, status) = process::wait4(WaitFor::Pid(pid), WaitOptions::empty())
                .unwrap()
                .unwrap();
            assert_eq!(status.state(), Some(ChildState::Exited(0)));
        }
    }
}

#[test]
fn resource_limits_agree_with_libc_and_proc() {
    let mut theirs = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `theirs` is a valid rlimit to write.
    let r = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut theirs) };
    assert_eq!(r, 0);
    let ours = process::getrlimit(Resource::Nofile).unwrap();
    assert_eq!((ours.cur, ours.max), (theirs.rlim_cur, theirs.rlim_max));
    let stack = process::getrlimit(Resource::Stack).unwrap();
    assert!(stack.max == Rlimit::INFINITY || stack.max >= stack.cur);
    // On a child: set, then read back through /proc.
    let mut child = Spawn::new("sleep").arg("30").spawn().unwrap();
    let pid = child.pid();
    let new = Rlimit { cur: 77, max: 99 };
    let old = process::prlimit(Some(pid), Resource::Nofile, Some(&new)).unwrap();
    assert_eq!(old, ours);
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap();
    assert_eq!(
        line.split_whitespace().collect::<Vec<_>>()[3..5],
        ["77", "99"]
    );
    assert_eq!(
        process::prlimit(
            Some(pid),
            Resource::Nofile,
            Some(&Rlimit { cur: 9, max: 8 })
        ),
        Err(Errno::EINVAL)
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn affinity_agrees_with_libc_and_proc() {
    let ours = process::sched_getaffinity(None).unwrap();
    // SAFETY: a zeroed cpu_set_t is valid; the call writes at most its size.
    let theirs = unsafe {
        let mut set: libc::cpu_set_t = core::mem::zeroed();
        assert_eq!(
            libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &mut set),
            0
        );
        set
    };
    for cpu in 0..CpuSet::CAPACITY {
        // SAFETY: `cpu` is below CPU_SETSIZE.
        let set = unsafe { libc::CPU_ISSET(cpu, &theirs) };
        assert_eq!(ours.contains(cpu), set, "{cpu}");
    }
    let first = ours.iter().next().unwrap();
    std::thread::spawn(move || {
        let one: CpuSet = [first].into_iter().collect();
        process::sched_setaffinity(None, &one).unwrap();
        let listed = std::fs::read_to_string("/proc/thread-self/status").unwrap();
        let line = listed
            .lines()
            .find(|l| l.starts_with("Cpus_allowed_list:"))
            .unwrap();
        assert_eq!(
            line.split_whitespace().nth(1),
            Some(first.to_string().as_str())
        );
        assert_eq!(process::sched_getaffinity(None), Ok(one));
        assert_eq!(
            process::sched_setaffinity(None, &CpuSet::new()),
            Err(Errno::EINVAL)
        );
    })
    .join()
    .unwrap();
}

#[test]
fn prctl_names_subreaper_and_flags() {
    std::thread::spawn(|| {
        process::set_name("sb-test-name").unwrap();
        let tid = process::gettid();
        let comm = std::fs::read_to_string(format!("/proc/self/task/{tid}/comm")).unwrap();
        assert_eq!(comm, "sb-test-name\n");
        assert_eq!(process::name().unwrap().to_bytes(), b"sb-test-name");
        assert_eq!(process::set_name("a\0b"), Err(Errno::EINVAL));
    })
    .join()
    .unwrap();
    // SAFETY: PR_GET_DUMPABLE reads nothing.
    let dumpable = unsafe { libc::prctl(libc::PR_GET_DUMPABLE) };
    assert_eq!(process::dumpable(), Ok(dumpable == 1));
    assert_eq!(process::no_new_privs(), Ok(false));
    assert_eq!(process::pdeathsig(), Ok(None));
    // Subreaper: in a forked child, whose orphaned grandchild it then reaps.
    // SAFETY: the child makes raw calls only, on nothing allocated after the fork.
    match unsafe { process::fork() }.unwrap() {
        None => {
            let code = (|| {
                process::set_child_subreaper(true).ok()?;
                if process::is_child_subreaper() != Ok(true) {
                    return None;
                }
                // A child that forks a grandchild and exits at once.
                // SAFETY: as above.
                if unsafe { process::fork() }.ok()?.is_none() {
                    // SAFETY: as above.
                    if unsafe { process::fork() }.ok()?.is_none() {
                        process::exit_group(42);
                    }
                    process::exit_group(0);
                }
                // Reap both: the child, and the orphan reparented to us.
                let mut codes = 0;
                for _ in 0..2 {
                    let event = process::waitid(WaitId::All, WaitOptions::EXITED).ok()??;
                    codes += event.state.code()?;
                }
                (codes == 42).then_some(0)
            })();
            process::exit_group(code.unwrap_or(1));
        }
        Some(pid) => {
            let (_, status) = process::wait4(WaitFor::Pid(pid), WaitOptions::empty())
                .unwrap()
                .unwrap();
            assert_eq!(status.state(), Some(ChildState::Exited(0)));
        }
    }
    assert_eq!(process::is_child_subreaper(), Ok(false));
}

#[test]
fn spawn_output_agrees_with_std_command() {
    let ours = output("ls", |s| {
        s.args(["-l", "/usr/bin"]);
    });
    let theirs = std::process::Command::new("ls")
        .args(["-l", "/usr/bin"])
        .output()
        .unwrap();
    assert_eq!(ours.0.as_bytes(), theirs.stdout.as_slice());
    assert_eq!(ours.1, ChildState::Exited(0));
}
