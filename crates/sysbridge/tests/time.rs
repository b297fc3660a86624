//! `sysbridge::time` against glibc, std and the kernel's own answers.

use std::cell::RefCell;
use std::os::unix::thread::JoinHandleExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Once};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use proptest::prelude::*;
use sysbridge::raw::{Hooks, set_hooks};
use sysbridge::time::{self, ClockId, Slept, Timespec};
use sysbridge::{Errno, Sysno};

/// What glibc's `read` (`clock_gettime` or `clock_getres`) answers for `id`.
fn libc_clock(
    id: ClockId,
    read: unsafe extern "C" fn(i32, *mut libc::timespec) -> i32,
) -> Timespec {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is valid for writes.
    assert_eq!(unsafe { read(id as i32, &mut ts) }, 0, "{id:?}");
    Timespec {
        tv_sec: ts.tv_sec,
        tv_nsec: ts.tv_nsec,
    }
}

#[test]
fn clock_gettime_reads_between_two_glibc_readings() {
    for id in ClockId::ALL {
        // A realtime clock may be stepped between the readings: try a few times.
        let within = (0..3).any(|_| {
            let before = libc_clock(id, libc::clock_gettime);
            let ours = time::clock_gettime(id);
            let after = libc_clock(id, libc::clock_gettime);
            assert!(
                ours.tv_nsec >= 0 && ours.tv_nsec < 1_000_000_000,
                "{id:?}: {ours:?}"
            );
            before <= ours && ours <= after
        });
        assert!(within, "{id:?}");
    }
}

#[test]
fn clock_getres_equals_glibc() {
    for id in ClockId::ALL {
        assert_eq!(
            time::clock_getres(id),
            libc_clock(id, libc::clock_getres),
            "{id:?}"
        );
    }
}

fn since_epoch(t: SystemTime) -> Duration {
    t.duration_since(UNIX_EPOCH).unwrap()
}

#[test]
fn gettimeofday_and_time_agree_with_system_time() {
    let before = since_epoch(SystemTime::now());
    let tv = time::gettimeofday();
    let secs = time::time();
    let after = since_epoch(SystemTime::now());
    assert!((0..1_000_000).contains(&tv.tv_usec), "{tv:?}");
    let micros = |d: Duration| d.as_micros() as i64;
    let ours = tv.tv_sec * 1_000_000 + tv.tv_usec;
    assert!(
        micros(before) <= ours && ours <= micros(after),
        "{before:?} {tv:?} {after:?}"
    );
    // time() reads the coarse clock: up to a tick behind at a second's start.
    let (first, last) = (before.as_secs() as i64, after.as_secs() as i64);
    assert!(
        first - 1 <= secs && secs <= last,
        "{before:?} {secs} {after:?}"
    );
}

#[test]
fn realtime_converts_to_system_time() {
    let before = SystemTime::now();
    let ours = SystemTime::try_from(time::clock_gettime(ClockId::Realtime)).unwrap();
    let after = SystemTime::now();
    assert!(before <= ours && ours <= after);
    assert_eq!(
        Timespec::try_from(ours).and_then(SystemTime::try_from),
        Ok(ours)
    );
}

/// The CPUs this thread may run on.
fn allowed_cpus() -> Vec<usize> {
    // SAFETY: an all-zero cpu_set_t is a valid empty set; sched_getaffinity fills it.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is valid for writes of its size.
    let ret = unsafe { libc::sched_getaffinity(0, size_of_val(&set), &mut set) };
    assert_eq!(ret, 0);
    // SAFETY: `set` is initialised.
    (0..libc::CPU_SETSIZE as usize)
        .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
        .collect()
}

#[test]
fn getcpu_agrees_with_sched_getcpu_when_pinned() {
    let cpus = allowed_cpus();
    // Pin a thread of our own, one CPU at a time, so that both answers must agree.
    thread::spawn(move || {
        for cpu in cpus {
            // SAFETY: an all-zero cpu_set_t is a valid empty set.
            let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
            // SAFETY: `cpu` < CPU_SETSIZE, as sched_getaffinity reported it.
            unsafe { libc::CPU_SET(cpu, &mut set) };
            // SAFETY: `set` is a valid cpu_set_t of the given size; 0 is this thread.
            let pinned = unsafe { libc::sched_setaffinity(0, size_of_val(&set), &set) };
            assert_eq!(pinned, 0);
            let (ours, node) = time::getcpu();
            // SAFETY: sched_getcpu has no preconditions.
            let glibc = unsafe { libc::sched_getcpu() };
            assert_eq!((ours as usize, glibc as usize), (cpu, cpu));
            let nodes = std::path::Path::new("/sys/devices/system/node");
            if nodes.exists() {
                let link = nodes.join(format!("node{node}/cpu{cpu}"));
                assert!(link.exists(), "{} is missing", link.display());
            } else {
                assert_eq!(node, 0, "no NUMA nodes in sysfs");
            }
        }
    })
    .join()
    .unwrap();
}

#[test]
fn nanosleep_sleeps_at_least_the_time_asked() {
    let ask = Duration::from_millis(20);
    let start = Duration::try_from(time::clock_gettime(ClockId::Monotonic)).unwrap();
    let req = Timespec::try_from(ask).unwrap();
    assert_eq!(time::nanosleep(&req), Ok(Slept::Fully));
    let middle = Duration::try_from(time::clock_gettime(ClockId::Monotonic)).unwrap();
    assert!(middle - start >= ask, "{:?}", middle - start);
    time::sleep(ask).unwrap();
    let end = Duration::try_from(time::clock_gettime(ClockId::Monotonic)).unwrap();
    assert!(end - middle >= ask, "{:?}", end - middle);
}

#[test]
fn clock_nanosleep_sleeps_relative_and_absolute() {
    let start = time::clock_gettime(ClockId::Monotonic);
    let step = Timespec {
        tv_sec: 0,
        tv_nsec: 10_000_000,
    };
    assert_eq!(
        time::clock_nanosleep(ClockId::Monotonic, false, &step),
        Ok(Slept::Fully)
    );
    let middle = time::clock_gettime(ClockId::Monotonic);
    let elapsed =
        |a: Timespec, b: Timespec| Duration::try_from(b).unwrap() - Duration::try_from(a).unwrap();
    assert!(elapsed(start, middle) >= Duration::from_millis(10));
    let deadline =
        Timespec::try_from(Duration::try_from(middle).unwrap() + Duration::from_millis(10))
            .unwrap();
    assert_eq!(
        time::clock_nanosleep(ClockId::Monotonic, true, &deadline),
        Ok(Slept::Fully)
    );
    assert!(time::clock_gettime(ClockId::Monotonic) >= deadline);
}

#[test]
fn invalid_times_are_einval() {
    let invalid = [
        Timespec {
            tv_sec: 0,
            tv_nsec: 1_000_000_000,
        },
        Timespec {
            tv_sec: 0,
            tv_nsec: -1,
        },
        Timespec {
            tv_sec: -1,
            tv_nsec: 0,
        },
        Timespec {
            tv_sec: i64::MIN,
            tv_nsec: i64::MAX,
        },
    ];
    for req in invalid {
        assert_eq!(time::nanosleep(&req), Err(Errno::EINVAL), "{req:?}");
        for absolute in [false, true] {
            let result = time::clock_nanosleep(ClockId::Monotonic, absolute, &req);
            assert_eq!(result, Err(Errno::EINVAL), "{req:?} absolute={absolute}");
        }
        assert_eq!(Duration::try_from(req), Err(Errno::EINVAL));
    }
    // Clocks that cannot be slept on: EINVAL, or EOPNOTSUPP on recent kernels.
    let short = Timespec {
        tv_sec: 0,
        tv_nsec: 1,
    };
    for id in [
        ClockId::ThreadCputime,
        ClockId::MonotonicRaw,
        ClockId::MonotonicCoarse,
    ] {
        let result = time::clock_nanosleep(id, false, &short);
        assert!(
            matches!(result, Err(Errno::EINVAL | Errno::EOPNOTSUPP)),
            "{id:?}: {result:?}"
        );
    }
}

#[test]
fn conversions_reject_what_does_not_fit() {
    assert_eq!(Timespec::try_from(Duration::MAX), Err(Errno::EOVERFLOW));
    let nsec = Timespec {
        tv_sec: 0,
        tv_nsec: 1_000_000_000,
    };
    assert_eq!(SystemTime::try_from(nsec), Err(Errno::EINVAL));
    // Linux's SystemTime holds the same range as Timespec, both ends included.
    for extreme in [
        Timespec {
            tv_sec: i64::MAX,
            tv_nsec: 999_999_999,
        },
        Timespec {
            tv_sec: i64::MIN,
            tv_nsec: 0,
        },
    ] {
        assert_eq!(
            SystemTime::try_from(extreme).and_then(Timespec::try_from),
            Ok(extreme)
        );
    }
    let before_epoch = UNIX_EPOCH - Duration::new(1, 250_000_000);
    let ts = Timespec {
        tv_sec: -2,
        tv_nsec: 750_000_000,
    };
    assert_eq!(Timespec::try_from(before_epoch), Ok(ts));
    assert_eq!(SystemTime::try_from(ts), Ok(before_epoch));
}

proptest! {
    #[test]
    fn durations_round_trip(secs in 0..=i64::MAX as u64, nanos in 0..1_000_000_000u32) {
        let d = Duration::new(secs, nanos);
        let ts = Timespec::try_from(d).unwrap();
        prop_assert_eq!(ts, Timespec { tv_sec: secs as i64, tv_nsec: i64::from(nanos) });
        prop_assert_eq!(Duration::try_from(ts), Ok(d));
    }

    #[test]
    fn realtime_values_round_trip(
        tv_sec in -(1i64 << 40)..(1i64 << 40),
        tv_nsec in 0..1_000_000_000i64,
    ) {
        let ts = Timespec { tv_sec, tv_nsec };
        let t = SystemTime::try_from(ts).unwrap();
        prop_assert_eq!(Timespec::try_from(t), Ok(ts));
    }
}

/// A SIGUSR1 handler that does nothing, installed without `SA_RESTART` so that the
/// signal interrupts a sleep with `EINTR`.
fn install_sigusr1_handler() {
    static ONCE: Once = Once::new();
    extern "C" fn nothing(_: i32) {}
    ONCE.call_once(|| {
        // SAFETY: an all-zero sigaction is valid: no flags, an empty mask.
        let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
        action.sa_sigaction = nothing as extern "C" fn(i32) as libc::sighandler_t;
        // SAFETY: `action` is valid; the handler is async-signal-safe (it does nothing).
        let installed = unsafe { libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut()) };
        assert_eq!(installed, 0);
    });
}

/// Runs `sleep` on a thread that receives SIGUSR1 every 20 ms until it returns.
fn under_signals<T: Send + 'static>(sleep: impl FnOnce() -> T + Send + 'static) -> T {
    install_sigusr1_handler();
    let done = Arc::new(AtomicBool::new(false));
    let sleeper = {
        let done = Arc::clone(&done);
        thread::spawn(move || {
            let result = sleep();
            done.store(true, Ordering::Release);
            result
        })
    };
    while !done.load(Ordering::Acquire) {
        thread::sleep(Duration::from_millis(20));
        // SAFETY: the thread has not been joined, so its pthread_t is valid.
        unsafe { libc::pthread_kill(sleeper.as_pthread_t(), libc::SIGUSR1) };
    }
    sleeper.join().unwrap()
}

#[test]
fn a_signal_interrupts_nanosleep_with_the_time_left() {
    let req = Timespec {
        tv_sec: 5,
        tv_nsec: 0,
    };
    let slept = under_signals(move || time::nanosleep(&req));
    let Ok(Slept::Interrupted(left)) = slept else {
        panic!("not interrupted: {slept:?}");
    };
    assert!(Timespec::default() < left && left < req, "{left:?}");
}

#[test]
fn a_signal_interrupts_clock_nanosleep_with_what_to_resume() {
    let req = Timespec {
        tv_sec: 5,
        tv_nsec: 0,
    };
    let slept = under_signals(move || time::clock_nanosleep(ClockId::Monotonic, false, &req));
    let Ok(Slept::Interrupted(left)) = slept else {
        panic!("not interrupted: {slept:?}");
    };
    assert!(Timespec::default() < left && left < req, "{left:?}");

    let mut deadline = time::clock_gettime(ClockId::Monotonic);
    deadline.tv_sec += 5;
    let slept = under_signals(move || time::clock_nanosleep(ClockId::Monotonic, true, &deadline));
    assert_eq!(slept, Ok(Slept::Interrupted(deadline)));
}

#[test]
fn sleep_resumes_after_signals_until_the_time_has_passed() {
    let ask = Duration::from_millis(150);
    let (result, took) = under_signals(move || {
        let start = std::time::Instant::now();
        (time::sleep(ask), start.elapsed())
    });
    assert_eq!(result, Ok(()));
    assert!(took >= ask, "{took:?}");
}

thread_local! {
    /// The blocking calls this thread's hooks saw.
    static HOOKED: RefCell<Vec<Sysno>> = const { RefCell::new(Vec::new()) };
}

#[test]
fn only_the_sleeps_run_hooks() {
    fn enter(nr: Sysno) {
        HOOKED.with_borrow_mut(|seen| seen.push(nr));
    }
    fn exit(_: Sysno, _: Result<usize, Errno>) {}
    static HOOKS: Hooks = Hooks { enter, exit };

    let previous = set_hooks(Some(&HOOKS));
    for id in ClockId::ALL {
        let _ = (time::clock_gettime(id), time::clock_getres(id));
    }
    let _ = (time::gettimeofday(), time::time(), time::getcpu());
    let short = Timespec {
        tv_sec: 0,
        tv_nsec: 1_000,
    };
    assert_eq!(time::nanosleep(&short), Ok(Slept::Fully));
    assert_eq!(
        time::clock_nanosleep(ClockId::Monotonic, false, &short),
        Ok(Slept::Fully)
    );
    time::sleep(Duration::from_micros(1)).unwrap();
    set_hooks(previous);
    let seen = HOOKED.take();
    assert_eq!(
        seen,
        [Sysno::nanosleep, Sysno::clock_nanosleep, Sysno::nanosleep]
    );
}
