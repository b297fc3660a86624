//! Readiness and event descriptors against the kernel's documented semantics: epoll
//! edge- and level-triggered, one-shot and `EPOLLRDHUP`; poll; eventfd counters;
//! timerfd expiries measured on the monotonic clock; inotify events with names, move
//! cookies and queue overflow.

use std::ffi::OsStr;
use std::os::fd::{AsFd, OwnedFd};
use std::time::Duration;

use sysbridge::event::*;
use sysbridge::net::{self, AddressFamily, Protocol, Shutdown, SockFlags, SocketType};
use sysbridge::time::{ClockId, Timespec, clock_gettime};
use sysbridge::{Errno, io};

fn pair() -> (OwnedFd, OwnedFd) {
    net::socketpair(
        AddressFamily::UNIX,
        SocketType::STREAM,
        SockFlags::CLOEXEC | SockFlags::NONBLOCK,
        Protocol::DEFAULT,
    )
    .unwrap()
}

fn epoll() -> OwnedFd {
    epoll_create1(EpollCreateFlags::CLOEXEC).unwrap()
}

fn wait_now(ep: &OwnedFd) -> Vec<EpollEvent> {
    let mut events = [EpollEvent::default(); 8];
    let n = epoll_wait(ep, &mut events, 0).unwrap();
    events[..n].to_vec()
}

#[test]
fn edge_triggered_reports_each_arrival_once() {
    let (a, b) = pair();
    let ep = epoll();
    epoll_add(
        &ep,
        &b,
        EpollEvent::new(EpollFlags::IN | EpollFlags::ET, 42),
    )
    .unwrap();
    assert!(wait_now(&ep).is_empty());
    io::write(&a, b"xy").unwrap();
    let events = wait_now(&ep);
    assert_eq!(events.len(), 1);
    assert_eq!((events[0].data(), events[0].flags()), (42, EpollFlags::IN));
    // Still readable, but no new edge: nothing.
    assert!(wait_now(&ep).is_empty());
    io::read(&b, &mut [0u8; 1]).unwrap();
    assert!(wait_now(&ep).is_empty());
    // New data is a new edge.
    io::write(&a, b"z").unwrap();
    assert_eq!(wait_now(&ep).len(), 1);

    // Level-triggered, for contrast: reported while readable.
    let ep2 = epoll();
    epoll_add(&ep2, &b, EpollEvent::new(EpollFlags::IN, 7)).unwrap();
    assert_eq!(wait_now(&ep2).len(), 1);
    assert_eq!(wait_now(&ep2).len(), 1);
    io::read(&b, &mut [0u8; 8]).unwrap();
    assert!(wait_now(&ep2).is_empty());
}

#[test]
fn oneshot_disables_until_rearmed() {
    let (a, b) = pair();
    let ep = epoll();
    epoll_add(
        &ep,
        &b,
        EpollEvent::new(EpollFlags::IN | EpollFlags::ONESHOT, 1),
    )
    .unwrap();
    io::write(&a, b"1").unwrap();
    assert_eq!(wait_now(&ep).len(), 1);
    io::write(&a, b"2").unwrap();
    assert!(wait_now(&ep).is_empty(), "disarmed after one event");
    epoll_mod(
        &ep,
        &b,
        EpollEvent::new(EpollFlags::IN | EpollFlags::ONESHOT, 2),
    )
    .unwrap();
    let events = wait_now(&ep);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].data(), 2);
}

#[test]
fn rdhup_reports_the_peers_shutdown() {
    let (a, b) = pair();
    let ep = epoll();
    epoll_add(
        &ep,
        &b,
        EpollEvent::new(EpollFlags::IN | EpollFlags::RDHUP | EpollFlags::ET, 5),
    )
    .unwrap();
    net::shutdown(&a, Shutdown::Write).unwrap();
    let events = wait_now(&ep);
    assert_eq!(events.len(), 1);
    assert!(
        events[0]
            .flags()
            .contains(EpollFlags::RDHUP | EpollFlags::IN),
        "{:?}",
        events[0]
    );
    assert!(!events[0].flags().contains(EpollFlags::HUP));
    drop(a);
    let events = wait_now(&ep);
    assert!(events[0].flags().contains(EpollFlags::HUP), "{events:?}");
}

#[test]
fn ctl_errors_and_exclusive() {
    let (_a, b) = pair();
    let ep = epoll();
    assert_eq!(
        epoll_mod(&ep, &b, EpollEvent::new(EpollFlags::IN, 0)),
        Err(Errno::ENOENT)
    );
    assert_eq!(epoll_del(&ep, &b), Err(Errno::ENOENT));
    epoll_add(
        &ep,
        &b,
        EpollEvent::new(EpollFlags::IN | EpollFlags::EXCLUSIVE, 0),
    )
    .unwrap();
    assert_eq!(
        epoll_add(&ep, &b, EpollEvent::new(EpollFlags::IN, 0)),
        Err(Errno::EEXIST)
    );
    // EXCLUSIVE may not be modified.
    assert_eq!(
        epoll_mod(&ep, &b, EpollEvent::new(EpollFlags::IN, 0)),
        Err(Errno::EINVAL)
    );
    epoll_del(&ep, &b).unwrap();
    // An epoll instance cannot watch itself; a regular file cannot be watched at all.
    assert_eq!(
        epoll_add(&ep, &ep, EpollEvent::new(EpollFlags::IN, 0)),
        Err(Errno::EINVAL)
    );
    let file = std::fs::File::open("/etc/hostname").unwrap();
    assert_eq!(
        epoll_add(&ep, &file, EpollEvent::new(EpollFlags::IN, 0)),
        Err(Errno::EPERM)
    );
}

#[test]
fn waits_time_out_on_time() {
    let ep = epoll();
    let mut events = [EpollEvent::default(); 2];
    let start = clock_gettime(ClockId::Monotonic);
    assert_eq!(epoll_wait(&ep, &mut events, 30), Ok(0));
    let sigmask = 0u64;
    assert_eq!(epoll_pwait(&ep, &mut events, 30, Some(&sigmask)), Ok(0));
    let t = Timespec {
        tv_sec: 0,
        tv_nsec: 30_000_000,
    };
    assert_eq!(epoll_pwait2(&ep, &mut events, Some(&t), None), Ok(0));
    let mut fds: [PollFd<'_>; 0] = [];
    assert_eq!(ppoll(&mut fds, Some(&t), Some(&sigmask)), Ok(0));
    assert_eq!(poll(&mut fds, 30), Ok(0));
    let elapsed = elapsed_since(start);
    assert!(elapsed >= Duration::from_millis(150), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

fn elapsed_since(start: Timespec) -> Duration {
    let now = clock_gettime(ClockId::Monotonic);
    let ns =
        (now.tv_sec - start.tv_sec) as i128 * 1_000_000_000 + (now.tv_nsec - start.tv_nsec) as i128;
    Duration::from_nanos(ns as u64)
}

#[test]
fn poll_reports_per_descriptor() {
    let (a, b) = pair();
    let mut fds = [
        PollFd::new(b.as_fd(), PollFlags::IN),
        PollFd::new(a.as_fd(), PollFlags::OUT),
    ];
    assert_eq!(poll(&mut fds, 0), Ok(1));
    assert_eq!(fds[0].revents(), PollFlags::empty());
    assert_eq!(fds[1].revents(), PollFlags::OUT);
    io::write(&a, b"!").unwrap();
    assert_eq!(poll(&mut fds, 0), Ok(2));
    assert_eq!(fds[0].revents(), PollFlags::IN);
    drop(a);
    let mut hup = [PollFd::new(b.as_fd(), PollFlags::IN | PollFlags::RDHUP)];
    ppoll(&mut hup, None, None).unwrap();
    assert!(
        hup[0].revents().contains(PollFlags::RDHUP | PollFlags::HUP),
        "{:?}",
        hup[0].revents()
    );
}

#[test]
fn eventfd_counts() {
    let efd = eventfd(5, EfdFlags::CLOEXEC | EfdFlags::NONBLOCK).unwrap();
    eventfd_write(&efd, 3).unwrap();
    assert_eq!(eventfd_read(&efd), Ok(8));
    assert_eq!(eventfd_read(&efd), Err(Errno::EAGAIN));
    assert_eq!(eventfd_write(&efd, u64::MAX), Err(Errno::EINVAL));
    // The counter saturates at u64::MAX - 1; a non-blocking write past it is EAGAIN.
    eventfd_write(&efd, u64::MAX - 1).unwrap();
    assert_eq!(eventfd_write(&efd, 1), Err(Errno::EAGAIN));
    assert_eq!(eventfd_read(&efd), Ok(u64::MAX - 1));

    let sem = eventfd(
        2,
        EfdFlags::CLOEXEC | EfdFlags::NONBLOCK | EfdFlags::SEMAPHORE,
    )
    .unwrap();
    assert_eq!(eventfd_read(&sem), Ok(1));
    assert_eq!(eventfd_read(&sem), Ok(1));
    assert_eq!(eventfd_read(&sem), Err(Errno::EAGAIN));
    assert_eq!(
        eventfd(0, EfdFlags::from_bits_retain(0x8000_0000)).err(),
        Some(Errno::EINVAL)
    );

    // A blocked read wakes when another thread writes.
    let blocking = std::sync::Arc::new(eventfd(0, EfdFlags::CLOEXEC).unwrap());
    let writer = std::sync::Arc::clone(&blocking);
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        eventfd_write(&*writer, 9).unwrap();
    });
    assert_eq!(eventfd_read(&*blocking), Ok(9));
    t.join().unwrap();
}

fn ms(n: i64) -> Timespec {
    Timespec {
        tv_sec: n / 1000,
        tv_nsec: (n % 1000) * 1_000_000,
    }
}

#[test]
fn timerfd_relative_absolute_and_periodic() {
    let t = timerfd_create(ClockId::Monotonic, TfdFlags::CLOEXEC).unwrap();
    assert_eq!(timerfd_gettime(&t), Ok(Itimerspec::default()));

    // Relative: a 50 ms delay.
    let start = clock_gettime(ClockId::Monotonic);
    timerfd_settime(
        &t,
        TimerFlags::empty(),
        &Itimerspec {
            interval: Timespec::default(),
            value: ms(50),
        },
    )
    .unwrap();
    let left = timerfd_gettime(&t).unwrap().value;
    assert!(left <= ms(50) && left > Timespec::default(), "{left:?}");
    assert_eq!(timerfd_read(&t), Ok(1));
    let waited = elapsed_since(start);
    assert!(waited >= Duration::from_millis(50), "{waited:?}");

    // Absolute: a time on the monotonic clock 40 ms from now.
    let now = clock_gettime(ClockId::Monotonic);
    let mut at = now;
    at.tv_nsec += 40_000_000;
    if at.tv_nsec >= 1_000_000_000 {
        at.tv_sec += 1;
        at.tv_nsec -= 1_000_000_000;
    }
    let old = timerfd_settime(
        &t,
        TimerFlags::ABSTIME,
        &Itimerspec {
            interval: Timespec::default(),
            value: at,
        },
    )
    .unwrap();
    assert_eq!(old, Itimerspec::default(), "the one-shot had expired");
    assert_eq!(timerfd_read(&t), Ok(1));
    assert!(clock_gettime(ClockId::Monotonic) >= at);

    // Periodic every 10 ms: after 65 ms, at least 5 expirations in one read.
    let start = clock_gettime(ClockId::Monotonic);
    timerfd_settime(
        &t,
        TimerFlags::empty(),
        &Itimerspec {
            interval: ms(10),
            value: ms(10),
        },
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(65));
    let expirations = timerfd_read(&t).unwrap();
    let elapsed = elapsed_since(start).as_millis() as u64;
    assert!(
        (5..=elapsed / 10).contains(&expirations),
        "{expirations} in {elapsed} ms"
    );
    assert_eq!(timerfd_gettime(&t).unwrap().interval, ms(10));

    // Disarm; a non-blocking read then has nothing.
    timerfd_settime(&t, TimerFlags::empty(), &Itimerspec::default()).unwrap();
    let nb = timerfd_create(ClockId::Monotonic, TfdFlags::CLOEXEC | TfdFlags::NONBLOCK).unwrap();
    assert_eq!(timerfd_read(&nb), Err(Errno::EAGAIN));
    assert_eq!(
        timerfd_create(ClockId::ThreadCputime, TfdFlags::CLOEXEC).err(),
        Some(Errno::EINVAL)
    );
    let bad = Itimerspec {
        interval: Timespec::default(),
        value: Timespec {
            tv_sec: 0,
            tv_nsec: 2_000_000_000,
        },
    };
    assert_eq!(
        timerfd_settime(&t, TimerFlags::empty(), &bad),
        Err(Errno::EINVAL)
    );
}

/// Held by the tests that create inotify instances: the overflow test lowers the
/// system-wide queue limit for a moment, and no other instance may be created then.
static INOTIFY: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn read_events(ino: &OwnedFd) -> Vec<(WatchDescriptor, WatchMask, u32, Option<String>)> {
    let mut buf = vec![0u8; 64 * INOTIFY_BUFFER_MIN];
    let n = io::read(ino, &mut buf).unwrap();
    InotifyEvents::new(&buf[..n])
        .map(|e| {
            (
                e.wd,
                e.mask,
                e.cookie,
                e.name.map(|n| n.to_string_lossy().into_owned()),
            )
        })
        .collect()
}

#[test]
fn inotify_names_cookies_and_removal() {
    let _serial = INOTIFY.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let ino = inotify_init1(InotifyFlags::CLOEXEC | InotifyFlags::NONBLOCK).unwrap();
    let mask = WatchMask::CREATE
        | WatchMask::DELETE
        | WatchMask::MOVED_FROM
        | WatchMask::MOVED_TO
        | WatchMask::CLOSE_WRITE;
    let wd = inotify_add_watch(&ino, dir.path(), mask).unwrap();
    assert_eq!(
        io::read(&ino, &mut [0u8; INOTIFY_BUFFER_MIN]),
        Err(Errno::EAGAIN)
    );

    std::fs::write(dir.path().join("a.txt"), b"x").unwrap();
    std::fs::rename(dir.path().join("a.txt"), dir.path().join("b.txt")).unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::remove_file(dir.path().join("b.txt")).unwrap();
    let events = read_events(&ino);
    let names: Vec<_> = events.iter().map(|e| (e.1, e.3.as_deref())).collect();
    assert_eq!(
        names,
        [
            (WatchMask::CREATE, Some("a.txt")),
            (WatchMask::CLOSE_WRITE, Some("a.txt")),
            (WatchMask::MOVED_FROM, Some("a.txt")),
            (WatchMask::MOVED_TO, Some("b.txt")),
            (WatchMask::CREATE | WatchMask::ISDIR, Some("sub")),
            (WatchMask::DELETE, Some("b.txt")),
        ]
    );
    assert!(events.iter().all(|e| e.0 == wd));
    assert_eq!(
        events[2].2, events[3].2,
        "a move's two halves share a cookie"
    );
    assert_ne!(events[2].2, 0);

    inotify_rm_watch(&ino, wd).unwrap();
    let events = read_events(&ino);
    assert_eq!(events, [(wd, WatchMask::IGNORED, 0, None)]);
    assert_eq!(inotify_rm_watch(&ino, wd), Err(Errno::EINVAL));
    assert_eq!(
        inotify_add_watch(&ino, dir.path().join("missing").as_path(), mask),
        Err(Errno::ENOENT)
    );
    assert_eq!(
        inotify_add_watch(&ino, OsStr::new("a\0b"), mask),
        Err(Errno::EINVAL)
    );
}

/// Restores `/proc/sys/fs/inotify/max_queued_events` when dropped.
struct QueueLimit(String);

impl Drop for QueueLimit {
    fn drop(&mut self) {
        std::fs::write("/proc/sys/fs/inotify/max_queued_events", &self.0).unwrap();
    }
}

#[test]
fn inotify_queue_overflow_is_reported() {
    let _serial = INOTIFY.lock().unwrap_or_else(|e| e.into_inner());
    const PATH: &str = "/proc/sys/fs/inotify/max_queued_events";
    let old = std::fs::read_to_string(PATH).unwrap();
    // The limit is read when an instance is created: lower it, create, restore.
    if std::fs::write(PATH, "4").is_err() {
        eprintln!("SKIPPED: IN_Q_OVERFLOW needs root to lower {PATH} for a moment");
        return;
    }
    let ino = {
        let _restore = QueueLimit(old.clone());
        inotify_init1(InotifyFlags::CLOEXEC | InotifyFlags::NONBLOCK).unwrap()
    };
    assert_eq!(std::fs::read_to_string(PATH).unwrap(), old);
    let dir = tempfile::tempdir().unwrap();
    inotify_add_watch(&ino, dir.path(), WatchMask::CREATE).unwrap();
    for i in 0..10 {
        std::fs::write(dir.path().join(format!("f{i}")), b"").unwrap();
    }
    let events = read_events(&ino);
    assert_eq!(events.len(), 5, "{events:?}");
    let last = events.last().unwrap();
    assert_eq!(
        (last.0, last.1, last.3.as_deref()),
        (WatchDescriptor(-1), WatchMask::Q_OVERFLOW, None)
    );
    assert!(events[..4].iter().all(|e| e.1 == WatchMask::CREATE));
}
