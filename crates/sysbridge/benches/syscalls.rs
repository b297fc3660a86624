//! Ours against hand-written inline asm, glibc and rustix, for the calls with a
//! performance target (see `shared/DESIGN.md` and README.md).
//!
//! Criterion measures one route after another, which these noisy 2-vCPU machines
//! punish: a neighbour's burst lands on one route and not the other. This harness
//! interleaves instead. Each round runs every route of a group once, in a rotating
//! order, for a fixed batch of calls; the ratio of each route to the group's baseline
//! is taken within the round (so both saw the same machine), and the report gives the
//! median of those paired ratios with its inter-quartile range, and the ratio of the
//! fastest batches ("min ratio"), which a burst of load on the other vCPU cannot
//! inflate. Pin the run to one CPU (`taskset -c 1 cargo bench ...`) on a quiet machine.
//!
//! The baseline's `asm!` lives here, not in the library, on purpose: it is the bare
//! instruction our wrappers are measured against.
//!
//! Run: `cargo bench -p sysbridge --bench syscalls` (`-- --quick` for fewer rounds;
//! `-- FILTER` to run groups whose name contains FILTER).

use std::arch::asm;
use std::fs::File;
use std::hint::black_box;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::time::Instant;

use sysbridge::raw::{Hooks, set_hooks};
use sysbridge::{Errno, Sysno};

/// One way of doing the group's operation `batch` times.
struct Route<'a> {
    name: &'static str,
    run: Box<dyn FnMut(u32) + 'a>,
}

struct Group<'a> {
    name: &'static str,
    /// Calls per route per round.
    batch: u32,
    /// The route ratios are taken against (the first one).
    routes: Vec<Route<'a>>,
}

fn route<'a>(name: &'static str, run: impl FnMut(u32) + 'a) -> Route<'a> {
    Route {
        name,
        run: Box::new(run),
    }
}

/// Nanoseconds per call of one batch.
fn time_batch(route: &mut Route<'_>, batch: u32) -> f64 {
    let start = Instant::now();
    (route.run)(batch);
    start.elapsed().as_nanos() as f64 / f64::from(batch)
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

fn run_group(group: &mut Group<'_>, rounds: usize) {
    let n = group.routes.len();
    for r in &mut group.routes {
        time_batch(r, group.batch); // warm caches and lazy initialisation
    }
    let mut ns: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); n];
    let mut ratios: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); n];
    for round in 0..rounds {
        let mut this_round = vec![0.0; n];
        for k in 0..n {
            let i = (round + k) % n;
            this_round[i] = time_batch(&mut group.routes[i], group.batch);
        }
        for i in 0..n {
            ns[i].push(this_round[i]);
            ratios[i].push(this_round[i] / this_round[0]);
        }
    }
    println!(
        "\n{} ({} rounds of {} calls)",
        group.name, rounds, group.batch
    );
    println!(
        "  {:<30} {:>9} {:>9} {:>10} {:>17} {:>10}",
        "route", "median ns", "min ns", "ratio", "ratio IQR", "min ratio"
    );
    let floor0 = ns[0].iter().copied().fold(f64::INFINITY, f64::min);
    for (i, route) in group.routes.iter().enumerate() {
        ns[i].sort_by(f64::total_cmp);
        ratios[i].sort_by(f64::total_cmp);
        println!(
            "  {:<30} {:>9.1} {:>9.1} {:>9.3}x {:>8.3}..{:<8.3} {:>9.3}x",
            route.name,
            quantile(&ns[i], 0.5),
            ns[i][0],
            quantile(&ratios[i], 0.5),
            quantile(&ratios[i], 0.25),
            quantile(&ratios[i], 0.75),
            ns[i][0] / floor0,
        );
    }
}

/// The bare instruction: `getpid` as a human would inline it.
#[inline(always)]
fn asm_getpid() -> usize {
    let ret;
    // SAFETY: getpid takes no arguments and touches no memory.
    unsafe {
        asm!("syscall", inlateout("rax") Sysno::getpid.raw() as usize => ret,
             lateout("rcx") _, lateout("r11") _, options(nostack, preserves_flags, readonly));
    }
    ret
}

/// The bare instruction for a three-argument call (read or write).
///
/// # Safety
/// As for the system call `nr` with these arguments.
#[inline(always)]
unsafe fn asm_syscall3(nr: Sysno, a0: usize, a1: usize, a2: usize) -> usize {
    let ret;
    // SAFETY: forwarded from the caller.
    unsafe {
        asm!("syscall", inlateout("rax") nr.raw() as usize => ret,
             in("rdi") a0, in("rsi") a1, in("rdx") a2,
             lateout("rcx") _, lateout("r11") _, options(nostack, preserves_flags));
    }
    ret
}

fn noop_enter(_: Sysno) {}
fn noop_exit(_: Sysno, _: Result<usize, Errno>) {}
static NOOP_HOOKS: Hooks = Hooks {
    enter: noop_enter,
    exit: noop_exit,
};

/// Runs `f` with no-op hooks registered, restoring the previous hooks after.
fn with_noop_hooks(f: impl FnOnce()) {
    let previous = set_hooks(Some(&NOOP_HOOKS));
    f();
    set_hooks(previous);
}

fn getpid_group<'a>() -> Group<'a> {
    Group {
        name: "getpid",
        batch: 20_000,
        routes: vec![
            route("inline asm", |n| {
                for _ in 0..n {
                    black_box(asm_getpid());
                }
            }),
            route("sysbridge::process::getpid", |n| {
                for _ in 0..n {
                    black_box(sysbridge::process::getpid());
                }
            }),
            route("libc::getpid", |n| {
                for _ in 0..n {
                    // SAFETY: getpid has no preconditions.
                    black_box(unsafe { libc::getpid() });
                }
            }),
            route("rustix::process::getpid", |n| {
                for _ in 0..n {
                    black_box(rustix::process::getpid());
                }
            }),
        ],
    }
}

/// `n` one-byte reads or writes through our wrappers.
fn ours(fd: BorrowedFd<'_>, write: bool, n: u32) {
    let mut byte = [0u8; 1];
    for _ in 0..n {
        let fd = black_box(fd);
        let r = if write {
            sysbridge::io::write(fd, black_box(&byte))
        } else {
            sysbridge::io::read(fd, black_box(&mut byte))
        };
        black_box(r).ok();
    }
}

/// read of 1 byte from /dev/zero, or write of 1 byte to /dev/null, by every route.
fn io_group<'a>(name: &'static str, fd: BorrowedFd<'a>, write: bool) -> Group<'a> {
    let nr = if write { Sysno::write } else { Sysno::read };
    let raw = fd.as_raw_fd();
    let routes = vec![
        route("inline asm", move |n| {
            let mut byte = [0u8; 1];
            for _ in 0..n {
                let p = black_box(byte.as_mut_ptr()) as usize;
                // SAFETY: a one-byte buffer for a one-byte read or write.
                black_box(unsafe { asm_syscall3(nr, black_box(raw) as usize, p, 1) });
            }
        }),
        route(
            if write {
                "sysbridge::io::write"
            } else {
                "sysbridge::io::read"
            },
            move |n| ours(fd, write, n),
        ),
        route("  ... with no-op hooks", move |n| {
            with_noop_hooks(|| ours(fd, write, n))
        }),
        route(if write { "libc::write" } else { "libc::read" }, move |n| {
            let mut byte = [0u8; 1];
            for _ in 0..n {
                let p = black_box(byte.as_mut_ptr());
                // SAFETY: a one-byte buffer for a one-byte read or write.
                let r = unsafe {
                    if write {
                        libc::write(black_box(raw), p.cast(), 1)
                    } else {
                        libc::read(black_box(raw), p.cast(), 1)
                    }
                };
                black_box(r);
            }
        }),
        route(
            if write {
                "rustix::io::write"
            } else {
                "rustix::io::read"
            },
            move |n| {
                let mut byte = [0u8; 1];
                for _ in 0..n {
                    let fd = black_box(fd);
                    let r = if write {
                        rustix::io::write(fd, black_box(&byte))
                    } else {
                        rustix::io::read(fd, black_box(&mut byte))
                    };
                    black_box(r).ok();
                }
            },
        ),
    ];
    Group {
        name,
        batch: 20_000,
        routes,
    }
}

fn clock_group<'a>() -> Group<'a> {
    use sysbridge::time::{ClockId, clock_gettime};
    Group {
        name: "clock_gettime(CLOCK_MONOTONIC)",
        batch: 200_000,
        routes: vec![
            route("libc::clock_gettime (glibc vDSO)", |n| {
                let mut ts = libc::timespec {
                    tv_sec: 0,
                    tv_nsec: 0,
                };
                for _ in 0..n {
                    // SAFETY: `ts` is a valid timespec to write.
                    black_box(unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) });
                    black_box(ts);
                }
            }),
            route("sysbridge::time::clock_gettime", |n| {
                for _ in 0..n {
                    black_box(clock_gettime(black_box(ClockId::Monotonic)));
                }
            }),
            route("rustix::time::clock_gettime", |n| {
                for _ in 0..n {
                    black_box(rustix::time::clock_gettime(black_box(
                        rustix::time::ClockId::Monotonic,
                    )));
                }
            }),
        ],
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let quick = args.iter().any(|a| a == "--quick");
    let filter: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let rounds = if quick { 15 } else { 101 };

    let zero = File::open("/dev/zero").expect("/dev/zero");
    let null = File::options()
        .write(true)
        .open("/dev/null")
        .expect("/dev/null");
    let mut groups = vec![
        getpid_group(),
        io_group("read 1 byte from /dev/zero", zero.as_fd(), false),
        io_group("write 1 byte to /dev/null", null.as_fd(), true),
        clock_group(),
    ];
    println!(
        "ratio = this route's time / the first route's, paired within each round; median and IQR"
    );
    for g in &mut groups {
        if filter.is_empty() || filter.iter().any(|f| g.name.contains(f.as_str())) {
            run_group(g, rounds);
        }
    }
}
