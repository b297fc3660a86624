//! Ours against hand-written inline asm, glibc and rustix, for the calls with a
//! performance target (see `shared/DESIGN.md` and README.md).
//!
//! # How it measures
//!
//! - **Interleaved rounds.** Criterion measures one route after another, which these
//!   noisy 2-vCPU machines punish: a burst of load lands on one route and not the other.
//!   Here each round runs every route of a group once, in a fresh random order (so that
//!   no route always follows the same one), for a short batch of calls; the ratio of
//!   each route to the group's baseline is taken within the round, so both saw the same
//!   machine. The report gives the median of those paired ratios with its
//!   inter-quartile range, and the ratio of the fastest batches ("min ratio").
//! - **Thirty-two placements per route.** On this machine's CPU the cost of a `syscall`
//!   instruction depends on where it sits in the binary: two loops with the same
//!   instructions at different addresses differ by up to 40 % in most batches (measured
//!   while writing this harness: the raw entry and rustix, both `syscall; cmp; cmov`,
//!   came out 1.3x apart; sixteen copies of one loop, 64 bytes apart, had medians from
//!   198 to 263 ns). A single copy of each loop would let the linker's layout decide the
//!   ratio. So every loop is a `const`-generic function instantiated [`COPIES`] times,
//!   each at its own address, and a route's batch is spread evenly over its copies.
//!   Loops are aligned to 16 bytes, so copies of one size would all sit at the same
//!   place within a 64-byte line; [`shift`] moves each copy to one of the four 16-byte
//!   offsets. (With 32 copies and no shift, the same wrapper in three loops of
//!   different shape came out 1.02x, 1.07x and 1.17x; with both, 1.06x in all three.)
//! - **Only results go through `black_box`,** each as one register value. The `asm!`
//!   blocks and the wrappers are volatile, so nothing is hoisted out of the loops anyway;
//!   a `black_box` on an argument forces a store and a reload just before `syscall`, and
//!   one on a whole 16-byte `Result` spills it to memory: either costs more than the
//!   code being compared.
//!
//! The baseline's `asm!` lives here, not in the library, on purpose: it is the bare
//! instruction our wrappers are measured against (and [`shift`] is placement, not a
//! system call).
//!
//! Run pinned on a quiet machine: `taskset -c 1 cargo bench -p sysbridge --bench
//! syscalls` (`-- --quick` for fewer rounds; `-- FILTER` for groups whose name contains
//! FILTER).

use std::arch::asm;
use std::fs::File;
use std::hint::black_box;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};

use sysbridge::raw::{Hooks, set_hooks};
use sysbridge::time::{ClockId, clock_gettime};
use sysbridge::{Errno, Sysno};

mod harness;
use harness::{Group, Route, run_group};

/// How many copies of each loop, at distinct addresses, a route is spread over.
const COPIES: usize = 32;

/// A loop of `n` calls on descriptor `fd` (reading, or writing when the flag is set).
type IoLoop = fn(BorrowedFd<'_>, bool, u32);

/// A loop of `n` calls that take no argument.
type PlainLoop = fn(u32);

/// The [`COPIES`] instances of a `const`-generic loop, each a distinct function.
macro_rules! copies {
    ($f:ident as $ty:ty) => {
        copies!(@ $f as $ty; 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15
                16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31)
    };
    (@ $f:ident as $ty:ty; $first:literal $($k:literal)*) => {
        [$f::<$first> as $ty, $($f::<$k>),*]
    };
}

fn io_route<'a>(
    name: &'static str,
    fd: BorrowedFd<'a>,
    write: bool,
    copies: [IoLoop; COPIES],
) -> Route<'a> {
    let run = move |n: u32| {
        for f in copies {
            f(fd, write, n / COPIES as u32);
        }
    };
    Route {
        name,
        run: Box::new(run),
    }
}

fn plain_route<'a>(name: &'static str, copies: [PlainLoop; COPIES]) -> Route<'a> {
    let run = move |n: u32| {
        for f in copies {
            f(n / COPIES as u32);
        }
    };
    Route {
        name,
        run: Box::new(run),
    }
}

/// The bare instruction for a call of up to three arguments.
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

/// Shifts the code that follows by `K % 4` × 16 bytes (jumped over, never run), so
/// that the copies of a loop start at each of the four 16-byte offsets within a 64-byte
/// line: loops are aligned to 16 bytes, and copies of one size would otherwise share
/// their place within the line.
#[inline(always)]
fn shift<const K: u8>() {
    // SAFETY: a jump over padding bytes; no register, flag, memory or stack is touched.
    unsafe {
        asm!("jmp 2f", ".skip {n}, 0xcc", "2:", n = const (K as usize % 4) * 16,
             options(nomem, nostack, preserves_flags));
    }
}

// ---- getpid ----

#[inline(never)]
fn asm_getpid<const K: u8>(n: u32) {
    shift::<K>();
    for _ in 0..n {
        // SAFETY: getpid takes no arguments and touches no memory.
        black_box(unsafe { asm_syscall3(Sysno::getpid, 0, 0, 0) });
    }
    black_box(K);
}

#[inline(never)]
fn ours_getpid<const K: u8>(n: u32) {
    shift::<K>();
    for _ in 0..n {
        black_box(sysbridge::process::getpid());
    }
    black_box(K);
}

#[inline(never)]
fn libc_getpid<const K: u8>(n: u32) {
    shift::<K>();
    for _ in 0..n {
        // SAFETY: getpid has no preconditions.
        black_box(unsafe { libc::getpid() });
    }
    black_box(K);
}

#[inline(never)]
fn rustix_getpid<const K: u8>(n: u32) {
    shift::<K>();
    for _ in 0..n {
        black_box(rustix::process::getpid());
    }
    black_box(K);
}

fn getpid_group<'a>() -> Group<'a> {
    Group {
        name: "getpid",
        batch: 4_000,
        routes: vec![
            plain_route("inline asm", copies!(asm_getpid as PlainLoop)),
            plain_route(
                "sysbridge::process::getpid",
                copies!(ours_getpid as PlainLoop),
            ),
            plain_route("libc::getpid", copies!(libc_getpid as PlainLoop)),
            plain_route(
                "rustix::process::getpid",
                copies!(rustix_getpid as PlainLoop),
            ),
        ],
    }
}

// ---- one-byte read and write ----

#[inline(never)]
fn asm_io<const K: u8>(fd: BorrowedFd<'_>, write: bool, n: u32) {
    shift::<K>();
    let fd = fd.as_raw_fd() as usize;
    let mut byte = [0u8; 1];
    let (nr, buf) = if write {
        (Sysno::write, byte.as_ptr() as usize)
    } else {
        (Sysno::read, byte.as_mut_ptr() as usize)
    };
    for _ in 0..n {
        // SAFETY: a one-byte buffer for a one-byte read or write.
        black_box(unsafe { asm_syscall3(nr, fd, buf, 1) });
    }
    black_box(K);
}

/// Our wrappers; each result consumed as one register value, as a caller would.
#[inline(never)]
fn ours_io<const K: u8>(fd: BorrowedFd<'_>, write: bool, n: u32) {
    shift::<K>();
    let mut byte = [0u8; 1];
    for _ in 0..n {
        let r = if write {
            sysbridge::io::write(fd, &byte)
        } else {
            sysbridge::io::read(fd, &mut byte)
        };
        black_box(r.unwrap_or(0));
    }
    black_box(K);
}

/// The raw entry (Go's `RawSyscall`), which has no hook check: against [`ours_io`],
/// the price of that check when no hook is registered.
#[inline(never)]
fn raw_entry_io<const K: u8>(fd: BorrowedFd<'_>, write: bool, n: u32) {
    shift::<K>();
    let fd = fd.as_raw_fd() as usize;
    let mut byte = [0u8; 1];
    let (nr, buf) = if write {
        (Sysno::write, byte.as_ptr() as usize)
    } else {
        (Sysno::read, byte.as_mut_ptr() as usize)
    };
    for _ in 0..n {
        // SAFETY: a one-byte buffer for a one-byte read or write.
        black_box(unsafe { sysbridge::raw::raw_syscall3(nr, fd, buf, 1) }.unwrap_or(0));
    }
    black_box(K);
}

fn noop_enter(_: Sysno) {}
fn noop_exit(_: Sysno, _: Result<usize, Errno>) {}
static NOOP_HOOKS: Hooks = Hooks {
    enter: noop_enter,
    exit: noop_exit,
};

/// [`ours_io`] with no-op hooks registered for the loop.
#[inline(never)]
fn hooked_io<const K: u8>(fd: BorrowedFd<'_>, write: bool, n: u32) {
    shift::<K>();
    let previous = set_hooks(Some(&NOOP_HOOKS));
    ours_io::<K>(fd, write, n);
    set_hooks(previous);
}

#[inline(never)]
fn libc_io<const K: u8>(fd: BorrowedFd<'_>, write: bool, n: u32) {
    shift::<K>();
    let fd = fd.as_raw_fd();
    let mut byte = [0u8; 1];
    for _ in 0..n {
        let p = byte.as_mut_ptr();
        // SAFETY: a one-byte buffer for a one-byte read or write.
        let r = unsafe {
            if write {
                libc::write(fd, p.cast(), 1)
            } else {
                libc::read(fd, p.cast(), 1)
            }
        };
        black_box(r);
    }
    black_box(K);
}

#[inline(never)]
fn rustix_io<const K: u8>(fd: BorrowedFd<'_>, write: bool, n: u32) {
    shift::<K>();
    let mut byte = [0u8; 1];
    for _ in 0..n {
        let r = if write {
            rustix::io::write(fd, &byte)
        } else {
            rustix::io::read(fd, &mut byte)
        };
        black_box(r.unwrap_or(0));
    }
    black_box(K);
}

/// read of 1 byte from /dev/zero, or write of 1 byte to /dev/null, by every route.
fn io_group<'a>(name: &'static str, fd: BorrowedFd<'a>, write: bool) -> Group<'a> {
    let (ours, libc, rustix) = if write {
        ("sysbridge::io::write", "libc::write", "rustix::io::write")
    } else {
        ("sysbridge::io::read", "libc::read", "rustix::io::read")
    };
    Group {
        name,
        batch: 4_000,
        routes: vec![
            io_route("inline asm", fd, write, copies!(asm_io as IoLoop)),
            io_route(ours, fd, write, copies!(ours_io as IoLoop)),
            io_route(
                "  ... raw entry, no hook check",
                fd,
                write,
                copies!(raw_entry_io as IoLoop),
            ),
            io_route(
                "  ... with no-op hooks registered",
                fd,
                write,
                copies!(hooked_io as IoLoop),
            ),
            io_route(libc, fd, write, copies!(libc_io as IoLoop)),
            io_route(rustix, fd, write, copies!(rustix_io as IoLoop)),
        ],
    }
}

// ---- clock_gettime through the vDSO ----

#[inline(never)]
fn libc_clock<const K: u8>(n: u32) {
    shift::<K>();
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    for _ in 0..n {
        // SAFETY: `ts` is a valid timespec to write.
        black_box(unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) });
        black_box(ts);
    }
    black_box(K);
}

#[inline(never)]
fn ours_clock<const K: u8>(n: u32) {
    shift::<K>();
    for _ in 0..n {
        black_box(clock_gettime(ClockId::Monotonic));
    }
    black_box(K);
}

#[inline(never)]
fn rustix_clock<const K: u8>(n: u32) {
    shift::<K>();
    for _ in 0..n {
        black_box(rustix::time::clock_gettime(
            rustix::time::ClockId::Monotonic,
        ));
    }
    black_box(K);
}

fn clock_group<'a>() -> Group<'a> {
    Group {
        name: "clock_gettime(CLOCK_MONOTONIC)",
        batch: 40_000,
        routes: vec![
            plain_route(
                "libc::clock_gettime (glibc vDSO)",
                copies!(libc_clock as PlainLoop),
            ),
            plain_route(
                "sysbridge::time::clock_gettime",
                copies!(ours_clock as PlainLoop),
            ),
            plain_route(
                "rustix::time::clock_gettime",
                copies!(rustix_clock as PlainLoop),
            ),
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
    let rounds = if quick { 101 } else { 1001 };

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
    println!("ratio: a route's time over the first route's, paired within each round");
    for g in &mut groups {
        if filter.is_empty() || filter.iter().any(|f| g.name.contains(f.as_str())) {
            run_group(g, rounds);
        }
    }
}
