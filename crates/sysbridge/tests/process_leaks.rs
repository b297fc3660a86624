//! No descriptor, child or zombie is left behind by `Spawn` (success and every kind of
//! failure), `Child` (waited for, dropped ended, dropped running), `Notify`,
//! `signalfd` or `pidfd_open`: `/proc/self/fd` counts the same before and after many
//! rounds, and `/proc/self/task/*/children` lists no child.
//!
//! This binary holds one test, so no other test thread opens descriptors or starts
//! children meanwhile.

use std::os::fd::AsFd;
use std::time::Duration;

use sysbridge::fd::{self, PipeFlags};
use sysbridge::process::{self, PidfdFlags, Spawn};
use sysbridge::signal::{self, Notify, SfdFlags, SigSet, Signal};
use sysbridge::{Errno, io};

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// The children of every thread of this process, as the kernel lists them.
fn children() -> Vec<String> {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .flat_map(|t| {
            let list = std::fs::read_to_string(t.unwrap().path().join("children")).unwrap();
            list.split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn round(dir: &std::path::Path) {
    // Success, with descriptors moved around.
    let (reader, writer) = fd::pipe2(PipeFlags::CLOEXEC).unwrap();
    let mut child = Spawn::new("sh")
        .args(["-c", "echo hi >&7"])
        .fd(7, writer.as_fd())
        .spawn()
        .unwrap();
    drop(writer);
    let mut buf = [0u8; 8];
    assert_eq!(io::read(&reader, &mut buf), Ok(3));
    assert!(child.wait().unwrap().success());

    // Failures: in the plan, in the child before exec, at exec.
    assert_eq!(Spawn::new("a\0").spawn().err(), Some(Errno::EINVAL));
    assert_eq!(
        Spawn::new("true").cwd("/nonexistent").spawn().err(),
        Some(Errno::ENOENT)
    );
    assert_eq!(
        Spawn::new("/nonexistent").spawn().err(),
        Some(Errno::ENOENT)
    );
    assert_eq!(Spawn::new(dir).spawn().err(), Some(Errno::EACCES));
    assert_eq!(
        Spawn::new("sysbridge-missing").spawn().err(),
        Some(Errno::ENOENT)
    );

    // Dropped after it ended, and dropped while running (reaped by a later spawn).
    let ended = Spawn::new("true").spawn().unwrap();
    std::thread::sleep(Duration::from_millis(2));
    drop(ended);
    let (stdin, feed) = fd::pipe2(PipeFlags::CLOEXEC).unwrap();
    let running = Spawn::new("cat").stdin(stdin.as_fd()).spawn().unwrap();
    drop(running);
    drop(feed);

    // Notify, signalfd, pidfd.
    let n = Notify::new(SigSet::EMPTY.with(Signal::SIGUSR1)).unwrap();
    signal::kill(process::getpid(), Signal::SIGUSR1).unwrap();
    assert_eq!(
        n.recv_timeout(Duration::from_secs(10)),
        Some(Signal::SIGUSR1)
    );
    n.stop().unwrap();
    drop(signal::signalfd(&SigSet::EMPTY.with(Signal::SIGUSR2), SfdFlags::CLOEXEC).unwrap());
    drop(process::pidfd_open(process::getpid(), PidfdFlags::empty()).unwrap());
}

/// Waits for the last child dropped while running to end, and spawns until a spawn
/// has reaped it (and closed the pidfd kept for it).
fn settle() {
    for _ in 0..500 {
        if children().is_empty() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
        Spawn::new("true").status().unwrap();
    }
}

#[test]
fn nothing_is_left_behind() {
    let dir = tempfile::tempdir().unwrap();
    round(dir.path());
    settle();
    let before = open_fds();
    for _ in 0..100 {
        round(dir.path());
    }
    settle();
    assert_eq!(children(), Vec::<String>::new(), "children (zombies) left");
    assert_eq!(open_fds(), before, "descriptors left");
}
