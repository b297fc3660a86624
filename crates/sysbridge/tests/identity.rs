//! Who the process is and what it runs on: `process` ids against std, glibc and
//! `/proc/thread-self`; `system::uname` against glibc and `/proc/sys/kernel`;
//! `system::sysinfo` against `/proc/meminfo`, `/proc/uptime` and `/proc/loadavg`.

use std::time::Duration;

use sysbridge::process::{self, Gid, Pid, Uid};
use sysbridge::system;

fn proc_text(path: &str) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .trim_end()
        .to_string()
}

#[test]
fn getpid_and_getppid_match_std_and_glibc() {
    assert_eq!(process::getpid().as_raw() as u32, std::process::id());
    // SAFETY: getppid has no preconditions.
    assert_eq!(process::getppid().as_raw(), unsafe { libc::getppid() });
    assert_eq!(
        process::getppid().as_raw() as u32,
        std::os::unix::process::parent_id()
    );
}

#[test]
fn user_and_group_ids_match_glibc() {
    // SAFETY: getuid has no preconditions (nor have the three below).
    let uid = unsafe { libc::getuid() };
    // SAFETY: as above.
    let euid = unsafe { libc::geteuid() };
    // SAFETY: as above.
    let gid = unsafe { libc::getgid() };
    // SAFETY: as above.
    let egid = unsafe { libc::getegid() };
    assert_eq!(process::getuid(), Uid::from_raw(uid));
    assert_eq!(process::geteuid(), Uid::from_raw(euid));
    assert_eq!(process::getgid(), Gid::from_raw(gid));
    assert_eq!(process::getegid(), Gid::from_raw(egid));
    assert_eq!(process::getuid().as_raw(), uid);
    assert_eq!(process::getegid().as_raw(), egid);
}

#[test]
fn user_and_group_ids_match_proc_status() {
    let status = proc_text("/proc/self/status");
    // `Uid:` and `Gid:` list real, effective, saved and file-system ids.
    let ids = |key: &str| -> Vec<String> {
        let line = status.lines().find(|l| l.starts_with(key)).unwrap();
        line[key.len()..]
            .split_whitespace()
            .map(String::from)
            .collect()
    };
    let (uids, gids) = (ids("Uid:"), ids("Gid:"));
    assert_eq!(process::getuid().to_string(), uids[0]);
    assert_eq!(process::geteuid().to_string(), uids[1]);
    assert_eq!(process::getgid().to_string(), gids[0]);
    assert_eq!(process::getegid().to_string(), gids[1]);
}

/// This thread's id, and what `/proc` says of the calling thread: the pid and tid
/// `/proc/thread-self` links to (`PID/task/TID`), and whether `/proc/self/task` lists
/// the id.
fn gettid_and_proc() -> (i32, (i32, i32), bool) {
    let tid = process::gettid().as_raw();
    let link = std::fs::read_link("/proc/thread-self").unwrap();
    let (pid, proc_tid) = link.to_str().unwrap().split_once("/task/").unwrap();
    let listed = std::path::Path::new(&format!("/proc/self/task/{tid}")).exists();
    (
        tid,
        (pid.parse().unwrap(), proc_tid.parse().unwrap()),
        listed,
    )
}

#[test]
fn gettid_matches_proc_thread_self_on_every_thread() {
    let pid = process::getpid().as_raw();
    let on_this_thread = gettid_and_proc();
    let on_a_new_thread = std::thread::spawn(gettid_and_proc).join().unwrap();
    for (tid, proc_ids, listed) in [on_this_thread, on_a_new_thread] {
        assert_eq!(proc_ids, (pid, tid));
        assert!(listed, "{tid} not in /proc/self/task");
    }
    // A spawned thread is never the main thread, whose id is the pid.
    assert_ne!(on_a_new_thread.0, pid);
    assert_ne!(on_a_new_thread.0, on_this_thread.0);
}

#[test]
fn gettid_is_the_pid_on_the_main_thread() {
    // Tests run on spawned threads; a child process's main thread shows the rule.
    // SAFETY: the child only calls async-signal-safe code (two system calls and
    // _exit) before exiting.
    let child = unsafe { libc::fork() };
    assert!(child >= 0);
    if child == 0 {
        let same = process::gettid() == process::getpid();
        // SAFETY: _exit ends the child without running the parent's destructors.
        unsafe { libc::_exit(if same { 0 } else { 1 }) };
    }
    let mut status = 0;
    // SAFETY: waits for the child just forked, writing its status into `status`.
    assert_eq!(unsafe { libc::waitpid(child, &mut status, 0) }, child);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{status:#x}"
    );
}

#[test]
fn ids_display_as_numbers() {
    assert_eq!(Pid::from_raw(42).to_string(), "42");
    assert_eq!(Uid::from_raw(0).to_string(), "0");
    assert_eq!(Gid::from_raw(u32::MAX).to_string(), "4294967295");
    assert_eq!(format!("{:?}", Uid::from_raw(7)), "Uid(7)");
}

/// A `utsname` field as text.
fn c_field(field: &[libc::c_char]) -> String {
    // SAFETY: glibc's uname NUL-terminates each field within its array.
    let c = unsafe { std::ffi::CStr::from_ptr(field.as_ptr()) };
    c.to_str().unwrap().to_string()
}

#[test]
fn uname_matches_glibc() {
    let ours = system::uname().unwrap();
    // SAFETY: `libc::utsname` is plain bytes, so zeroes are a valid value.
    let mut theirs: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: uname writes one `struct utsname` into `theirs`.
    assert_eq!(unsafe { libc::uname(&mut theirs) }, 0);
    let pairs = [
        (ours.sysname(), c_field(&theirs.sysname)),
        (ours.nodename(), c_field(&theirs.nodename)),
        (ours.release(), c_field(&theirs.release)),
        (ours.version(), c_field(&theirs.version)),
        (ours.machine(), c_field(&theirs.machine)),
        (ours.domainname(), c_field(&theirs.domainname)),
    ];
    for (ours, theirs) in pairs {
        assert_eq!(ours.to_str().unwrap(), theirs);
    }
}

#[test]
fn uname_matches_proc_sys_kernel() {
    let u = system::uname().unwrap();
    let text = |c: &std::ffi::CStr| c.to_str().unwrap().to_string();
    assert_eq!(text(u.sysname()), proc_text("/proc/sys/kernel/ostype"));
    assert_eq!(text(u.nodename()), proc_text("/proc/sys/kernel/hostname"));
    assert_eq!(text(u.release()), proc_text("/proc/sys/kernel/osrelease"));
    assert_eq!(text(u.version()), proc_text("/proc/sys/kernel/version"));
    assert_eq!(
        text(u.domainname()),
        proc_text("/proc/sys/kernel/domainname")
    );
    assert_eq!(text(u.machine()), std::env::consts::ARCH);
    let debug = format!("{u:?}");
    assert!(debug.contains("sysname: \"Linux\""), "{debug}");
}

/// The value in kB of `key` in `/proc/meminfo`.
fn meminfo_kb(key: &str) -> u64 {
    let text = proc_text("/proc/meminfo");
    // `MemTotal:       16318412 kB`
    let line = text.lines().find(|l| l.starts_with(key)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn sysinfo_memory_matches_proc_meminfo() {
    let info = system::sysinfo().unwrap();
    assert!(info.mem_unit >= 1);
    let bytes = |units: u64| units * u64::from(info.mem_unit);
    // Both come from the same page count and never change while the system runs
    // (memory hot-plug aside).
    assert_eq!(bytes(info.totalram), meminfo_kb("MemTotal:") * 1024);
    assert_eq!(bytes(info.totalswap), meminfo_kb("SwapTotal:") * 1024);
    assert!(info.freeram <= info.totalram);
    assert!(info.freeswap <= info.totalswap);
    assert_eq!((info.totalhigh, info.freehigh), (0, 0));
}

#[test]
fn sysinfo_uptime_matches_proc_uptime() {
    let before: f64 = proc_text("/proc/uptime")
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let info = system::sysinfo().unwrap();
    let after: f64 = proc_text("/proc/uptime")
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // sysinfo rounds up to whole seconds; /proc/uptime truncates to hundredths.
    let uptime = info.uptime as f64;
    assert!(
        before - 1.0 <= uptime && uptime <= after + 2.0,
        "{before} {uptime} {after}"
    );
}

/// `/proc/loadavg`: the three averages and the total number of threads.
fn loadavg() -> ([f64; 3], u64) {
    let text = proc_text("/proc/loadavg");
    let fields: Vec<&str> = text.split_whitespace().collect();
    let avg = |i: usize| fields[i].parse::<f64>().unwrap();
    let total = fields[3].split_once('/').unwrap().1.parse().unwrap();
    ([avg(0), avg(1), avg(2)], total)
}

#[test]
fn sysinfo_procs_and_loads_match_proc_loadavg() {
    // Other processes come and go: retry until both reads agree within a margin.
    let mut last = String::new();
    for _ in 0..20 {
        let (loads_before, threads_before) = loadavg();
        let info = system::sysinfo().unwrap();
        let (loads_after, threads_after) = loadavg();
        let procs = u64::from(info.procs);
        let threads_ok = threads_before.min(threads_after).saturating_sub(5) <= procs
            && procs <= threads_before.max(threads_after) + 5;
        let loads_ok = (0..3).all(|i| {
            let ours = info.load_averages()[i];
            let low = loads_before[i].min(loads_after[i]) - 0.011;
            let high = loads_before[i].max(loads_after[i]) + 0.011;
            low <= ours && ours <= high
        });
        if threads_ok && loads_ok {
            return;
        }
        last = format!(
            "{info:?} vs {loads_before:?}/{threads_before} {loads_after:?}/{threads_after}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("sysinfo never agreed with /proc/loadavg: {last}");
}
