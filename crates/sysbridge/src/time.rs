//! Clocks and sleeping: `clock_gettime(2)`, `clock_getres(2)`, `gettimeofday(2)`,
//! `time(2)`, `getcpu(2)` (all through the vDSO first), `nanosleep(2)` and
//! `clock_nanosleep(2)`.
//!
//! The clock readers call the kernel's vDSO functions, found without libc, and fall
//! back to the system call where the vDSO lacks one; they never block, so no
//! [hooks](crate::raw::set_hooks) run. Once resolved, [`clock_gettime`] is one load of a
//! function pointer, one indirect call into the vDSO and a test of its result: glibc's
//! path without its call through the PLT, its null check and its `errno` store.
//!
//! Resolving happens on the first call of any clock reader, and needs the auxiliary
//! vector. In a glibc program it was captured before `main` and resolving makes no
//! system call. Elsewhere (musl, or a library loaded in an unusual way) that first call
//! also issues `prctl(PR_GET_AUXV)`, and if that fails (Linux before 6.4) `openat`,
//! `read` and `close` on `/proc/self/auxv`: a strict seccomp allow-list must permit
//! them, or call a clock reader once before installing the filter.
//!
//! The sleeps block and run the hooks. Each is one system call: a signal handler that
//! interrupts it ends it with [`Slept::Interrupted`] and what to pass to resume.
//! [`sleep`] is the loop that resumes until the time has passed.
//!
//! ```
//! use sysbridge::time::{self, ClockId};
//! let start = time::clock_gettime(ClockId::Monotonic);
//! time::sleep(std::time::Duration::from_millis(1)).unwrap();
//! assert!(time::clock_gettime(ClockId::Monotonic) > start);
//! ```
//!
//! Not wrapped here: setting clocks (`clock_settime`, `settimeofday`, `adjtimex`:
//! privileged), POSIX timers and timer descriptors, dynamic clocks (another process's
//! CPU clock, PTP devices), the `*_ALARM` clocks (see [`ClockId`]) and the auxiliary
//! clocks of Linux 6.17.

use core::ptr;
use core::time::Duration;
use std::time::{SystemTime, UNIX_EPOCH};

use linux_raw_sys::general::{
    __kernel_old_timeval, __kernel_timespec, CLOCK_BOOTTIME, CLOCK_MONOTONIC,
    CLOCK_MONOTONIC_COARSE, CLOCK_MONOTONIC_RAW, CLOCK_PROCESS_CPUTIME_ID, CLOCK_REALTIME,
    CLOCK_REALTIME_COARSE, CLOCK_TAI, CLOCK_THREAD_CPUTIME_ID, TIMER_ABSTIME,
};

use crate::{Errno, Sysno, args, raw, vdso};

const NANOS_PER_SEC: i64 = 1_000_000_000;

/// A time in seconds and nanoseconds, as the kernel reads and writes it
/// (`struct __kernel_timespec`, the 64-bit `struct timespec`).
///
/// A valid value has `0 <= tv_nsec < 1_000_000_000`; `tv_sec` is negative only for
/// realtime values before 1970. The order is the order of time for valid values.
///
/// ```
/// use std::time::Duration;
/// use sysbridge::time::Timespec;
/// let ts = Timespec::try_from(Duration::from_millis(1500)).unwrap();
/// assert_eq!(ts, Timespec { tv_sec: 1, tv_nsec: 500_000_000 });
/// assert_eq!(Duration::try_from(ts), Ok(Duration::from_millis(1500)));
/// ```
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timespec {
    /// Whole seconds.
    pub tv_sec: i64,
    /// Nanoseconds, `0..1_000_000_000`.
    pub tv_nsec: i64,
}

/// A time in seconds and microseconds, as `gettimeofday(2)` writes it
/// (`struct __kernel_old_timeval`, the 64-bit `struct timeval`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timeval {
    /// Whole seconds.
    pub tv_sec: i64,
    /// Microseconds, `0..1_000_000`.
    pub tv_usec: i64,
}

/// Checks at compile time that a public type has its kernel type's layout, so that a
/// pointer to one may be passed as a pointer to the other.
macro_rules! same_layout {
    ($($ours:ty = $kernel:ty { $($field:ident),* };)*) => {$(
        const _: () = {
            assert!(size_of::<$ours>() == size_of::<$kernel>());
            assert!(align_of::<$ours>() == align_of::<$kernel>());
            $(assert!(
                core::mem::offset_of!($ours, $field) == core::mem::offset_of!($kernel, $field)
            );)*
        };
    )*};
}
same_layout! {
    Timespec = __kernel_timespec { tv_sec, tv_nsec };
    Timeval = __kernel_old_timeval { tv_sec, tv_usec };
}

impl Timespec {
    /// The nanoseconds, or [`Errno::EINVAL`] unless they are in `0..1_000_000_000` (the
    /// kernel's own check).
    fn nanos(self) -> Result<u32, Errno> {
        match u32::try_from(self.tv_nsec) {
            Ok(nanos) if i64::from(nanos) < NANOS_PER_SEC => Ok(nanos),
            _ => Err(Errno::EINVAL),
        }
    }
}

/// Fails with [`Errno::EOVERFLOW`] past `i64::MAX` seconds.
impl TryFrom<Duration> for Timespec {
    type Error = Errno;

    fn try_from(d: Duration) -> Result<Timespec, Errno> {
        Ok(Timespec {
            tv_sec: i64::try_from(d.as_secs()).map_err(|_| Errno::EOVERFLOW)?,
            tv_nsec: i64::from(d.subsec_nanos()),
        })
    }
}

/// Fails with [`Errno::EINVAL`] for a negative time or nanoseconds outside
/// `0..1_000_000_000`.
impl TryFrom<Timespec> for Duration {
    type Error = Errno;

    fn try_from(ts: Timespec) -> Result<Duration, Errno> {
        let secs = u64::try_from(ts.tv_sec).map_err(|_| Errno::EINVAL)?;
        Ok(Duration::new(secs, ts.nanos()?))
    }
}

/// A realtime value: the time since the Epoch, negative before 1970. Fails with
/// [`Errno::EOVERFLOW`] beyond 64-bit seconds (never on Linux, where `SystemTime`
/// holds the same range).
impl TryFrom<SystemTime> for Timespec {
    type Error = Errno;

    fn try_from(t: SystemTime) -> Result<Timespec, Errno> {
        match t.duration_since(UNIX_EPOCH) {
            Ok(after) => Timespec::try_from(after),
            Err(before) => {
                // -(s + n) = -(s + 1) + (1 - n): the nanoseconds stay non-negative.
                let before = before.duration();
                let (borrow, tv_nsec) = match i64::from(before.subsec_nanos()) {
                    0 => (0i64, 0),
                    nanos => (1, NANOS_PER_SEC - nanos),
                };
                let tv_sec = (-borrow).checked_sub_unsigned(before.as_secs());
                Ok(Timespec {
                    tv_sec: tv_sec.ok_or(Errno::EOVERFLOW)?,
                    tv_nsec,
                })
            }
        }
    }
}

/// A realtime value as a [`SystemTime`]. Fails with [`Errno::EINVAL`] for nanoseconds
/// outside `0..1_000_000_000`, and with [`Errno::EOVERFLOW`] where `SystemTime` cannot
/// go (nowhere on Linux, where both hold 64-bit seconds).
impl TryFrom<Timespec> for SystemTime {
    type Error = Errno;

    fn try_from(ts: Timespec) -> Result<SystemTime, Errno> {
        let nanos = Duration::from_nanos(u64::from(ts.nanos()?));
        let secs = Duration::from_secs(ts.tv_sec.unsigned_abs());
        let whole = match ts.tv_sec {
            0.. => UNIX_EPOCH.checked_add(secs),
            _ => UNIX_EPOCH.checked_sub(secs),
        };
        whole
            .and_then(|t| t.checked_add(nanos))
            .ok_or(Errno::EOVERFLOW)
    }
}

/// A clock [`clock_gettime`] can read: every `CLOCK_*` of `<linux/time.h>` but the
/// alarm clocks.
///
/// `CLOCK_REALTIME_ALARM` and `CLOCK_BOOTTIME_ALARM` are left out: they exist to arm
/// timers that wake the system, and reading them fails with `EINVAL` on a machine
/// without a real-time clock device, which would make [`clock_gettime`] fallible.
/// Every clock here exists since Linux 3.10.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClockId {
    /// `CLOCK_REALTIME`: wall-clock time since the Epoch; jumps when the time is set.
    Realtime = CLOCK_REALTIME as i32,
    /// `CLOCK_MONOTONIC`: time since an unspecified start (boot); never jumps, slewed by
    /// NTP, stops while the system is suspended.
    Monotonic = CLOCK_MONOTONIC as i32,
    /// `CLOCK_PROCESS_CPUTIME_ID`: CPU time consumed by this process (all threads).
    ProcessCputime = CLOCK_PROCESS_CPUTIME_ID as i32,
    /// `CLOCK_THREAD_CPUTIME_ID`: CPU time consumed by the calling thread.
    ThreadCputime = CLOCK_THREAD_CPUTIME_ID as i32,
    /// `CLOCK_MONOTONIC_RAW`: like `Monotonic`, but the hardware's rate, without NTP
    /// slewing.
    MonotonicRaw = CLOCK_MONOTONIC_RAW as i32,
    /// `CLOCK_REALTIME_COARSE`: `Realtime` as of the last tick; faster, less precise.
    RealtimeCoarse = CLOCK_REALTIME_COARSE as i32,
    /// `CLOCK_MONOTONIC_COARSE`: `Monotonic` as of the last tick; faster, less precise.
    MonotonicCoarse = CLOCK_MONOTONIC_COARSE as i32,
    /// `CLOCK_BOOTTIME`: like `Monotonic`, but counting time suspended.
    Boottime = CLOCK_BOOTTIME as i32,
    /// `CLOCK_TAI`: International Atomic Time; `Realtime` plus the leap seconds the
    /// system was told about (often none).
    Tai = CLOCK_TAI as i32,
}

impl ClockId {
    /// Every clock, in the kernel's numbering order.
    pub const ALL: [ClockId; 9] = [
        ClockId::Realtime,
        ClockId::Monotonic,
        ClockId::ProcessCputime,
        ClockId::ThreadCputime,
        ClockId::MonotonicRaw,
        ClockId::RealtimeCoarse,
        ClockId::MonotonicCoarse,
        ClockId::Boottime,
        ClockId::Tai,
    ];
}

/// Reads clock `id`. `__vdso_clock_gettime`, else `clock_gettime(2)`; non-blocking (no
/// hooks).
///
/// Cannot fail: every [`ClockId`] is valid. Should the call be refused anyway (a
/// seccomp filter that forbids it, where the vDSO falls back to the system call), the
/// result is zero.
///
/// ```
/// use sysbridge::time::{clock_gettime, ClockId};
/// let a = clock_gettime(ClockId::Monotonic);
/// let b = clock_gettime(ClockId::Monotonic);
/// assert!(a <= b);
/// ```
#[inline]
pub fn clock_gettime(id: ClockId) -> Timespec {
    // SAFETY: `read_timespec` passes a pointer valid for writes of a timespec.
    read_timespec(|ts| unsafe { vdso::clock_gettime(id as i32, ts) })
}

/// The timespec `read` fills (it returns 0 when it did), or zero if it fails.
///
/// The timespec starts zeroed rather than uninitialised: a seccomp filter or a tracer
/// can make the call "succeed" without writing anything, and an uninitialised result
/// would then be read. Zeroing costs one store.
#[inline(always)]
fn read_timespec(read: impl FnOnce(*mut __kernel_timespec) -> i32) -> Timespec {
    let mut ts = Timespec::default();
    if read(ptr::from_mut(&mut ts).cast()) == 0 {
        ts
    } else {
        Timespec::default()
    }
}

/// The resolution of clock `id`: the smallest step between two readings.
/// `__vdso_clock_getres`, else `clock_getres(2)`; non-blocking (no hooks).
///
/// Cannot fail, as for [`clock_gettime`].
///
/// ```
/// use sysbridge::time::{clock_getres, ClockId, Timespec};
/// assert!(clock_getres(ClockId::Monotonic) <= Timespec { tv_sec: 0, tv_nsec: 1_000_000 });
/// ```
#[inline]
pub fn clock_getres(id: ClockId) -> Timespec {
    // SAFETY: `read_timespec` passes a pointer valid for writes of a timespec.
    read_timespec(|ts| unsafe { vdso::clock_getres(id as i32, ts) })
}

/// The wall-clock time, in microseconds (the realtime clock, truncated).
/// `__vdso_gettimeofday`, else `gettimeofday(2)`; non-blocking (no hooks). Cannot fail.
#[inline]
pub fn gettimeofday() -> Timeval {
    let mut tv = Timeval::default();
    // SAFETY: `tv` is valid for writes and has `__kernel_old_timeval`'s layout; the
    // time-zone argument may be null.
    unsafe { vdso::gettimeofday(ptr::from_mut(&mut tv).cast(), ptr::null_mut()) };
    tv
}

/// The seconds since the Epoch. `__vdso_time`, else `time(2)`; non-blocking (no hooks).
/// Cannot fail.
///
/// The kernel answers from the coarse realtime clock, updated once a tick, so just
/// after a second begins this may still say the previous second while
/// [`clock_gettime`]`(ClockId::Realtime)` says the new one.
#[inline]
pub fn time() -> i64 {
    // SAFETY: a null `tloc` is allowed: nothing is stored.
    unsafe { vdso::time(ptr::null_mut()) }
}

/// The CPU the calling thread is running on and that CPU's NUMA node, as
/// `(cpu, node)`. `__vdso_getcpu`, else `getcpu(2)`; non-blocking (no hooks). Cannot
/// fail.
///
/// The answer may be stale as soon as it is returned, unless the thread's affinity
/// allows one CPU only.
#[inline]
pub fn getcpu() -> (u32, u32) {
    let (mut cpu, mut node) = (0, 0);
    // SAFETY: `cpu` and `node` are valid for writes; the cache argument may be null.
    unsafe { vdso::getcpu(&mut cpu, &mut node, ptr::null_mut()) };
    (cpu, node)
}

/// How a sleep ended: [`nanosleep`] and [`clock_nanosleep`] make one system call, which
/// a signal handler may cut short.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use = "an interrupted sleep is not over; resume it with the value it carries"]
pub enum Slept {
    /// The whole time passed.
    Fully,
    /// A signal handler ran first (`EINTR`). Calling again with this value resumes the
    /// sleep: it is the time left for a relative sleep, the same deadline for an
    /// absolute one.
    Interrupted(Timespec),
}

/// Turns a sleep's result into a [`Slept`], `resume` being what to sleep for next.
fn slept(result: Result<usize, Errno>, resume: Timespec) -> Result<Slept, Errno> {
    match result {
        Ok(_) => Ok(Slept::Fully),
        Err(Errno::EINTR) => Ok(Slept::Interrupted(resume)),
        Err(e) => Err(e),
    }
}

/// Sleeps for `req` (measured on the monotonic clock). Issues `nanosleep(2)` once;
/// blocking (hooks run).
///
/// A signal handler that runs meanwhile ends the sleep early with
/// [`Slept::Interrupted`]`(remaining)`; a handler installed with `SA_RESTART`, or a
/// stop and continue, does not (the kernel resumes the sleep itself). An invalid `req`
/// (`tv_sec < 0`, or `tv_nsec` outside `0..1_000_000_000`) is [`Errno::EINVAL`].
///
/// ```
/// use sysbridge::time::{nanosleep, Slept, Timespec};
/// let req = Timespec { tv_sec: 0, tv_nsec: 1_000 };
/// assert_eq!(nanosleep(&req), Ok(Slept::Fully));
/// let bad = Timespec { tv_sec: 0, tv_nsec: 1_000_000_000 };
/// assert_eq!(nanosleep(&bad), Err(sysbridge::Errno::EINVAL));
/// ```
#[inline]
pub fn nanosleep(req: &Timespec) -> Result<Slept, Errno> {
    let mut remaining = Timespec::default();
    // SAFETY: the kernel reads `*req` and may write `remaining`; both have the kernel's
    // layout.
    let result = unsafe {
        raw::syscall2(
            Sysno::nanosleep,
            args::ptr(req),
            args::mut_ptr(&mut remaining),
        )
    };
    slept(result, remaining)
}

/// Sleeps on clock `id` for `t` or, if `absolute`, until the clock reads `t`. Issues
/// `clock_nanosleep(2)` once; blocking (hooks run).
///
/// Interruptions end it as for [`nanosleep`], with the value to resume with. An
/// absolute sleep on [`ClockId::Realtime`] follows changes to the clock. Not every clock
/// can be slept on: [`ClockId::ThreadCputime`] is [`Errno::EINVAL`] (or
/// [`Errno::EOPNOTSUPP`] on recent kernels), and so are the raw and coarse clocks.
///
/// ```
/// use sysbridge::time::{clock_gettime, clock_nanosleep, ClockId, Slept, Timespec};
/// let now = clock_gettime(ClockId::Monotonic);
/// let deadline = Timespec { tv_nsec: 0, tv_sec: now.tv_sec - 1 };
/// assert_eq!(clock_nanosleep(ClockId::Monotonic, true, &deadline), Ok(Slept::Fully));
/// ```
#[inline]
pub fn clock_nanosleep(id: ClockId, absolute: bool, t: &Timespec) -> Result<Slept, Errno> {
    let flags = if absolute { TIMER_ABSTIME } else { 0 };
    let mut remaining = Timespec::default();
    // SAFETY: the kernel reads `*t` and may write `remaining`; both have the kernel's
    // layout.
    let result = unsafe {
        raw::syscall4(
            Sysno::clock_nanosleep,
            id as usize,
            flags as usize,
            args::ptr(t),
            args::mut_ptr(&mut remaining),
        )
    };
    slept(result, if absolute { *t } else { remaining })
}

/// Sleeps for `duration`, resuming after every signal handler that interrupts it until
/// the whole time has passed: [`nanosleep`] in a loop on `EINTR`; blocking (hooks run
/// around each call).
///
/// A duration beyond `i64::MAX` seconds sleeps for `i64::MAX` seconds (the kernel caps
/// it at about 292 years). Nothing else can fail short of a seccomp filter.
///
/// ```
/// let start = std::time::Instant::now();
/// sysbridge::time::sleep(std::time::Duration::from_millis(2)).unwrap();
/// assert!(start.elapsed() >= std::time::Duration::from_millis(2));
/// ```
pub fn sleep(duration: Duration) -> Result<(), Errno> {
    let longest = Timespec {
        tv_sec: i64::MAX,
        tv_nsec: NANOS_PER_SEC - 1,
    };
    let mut req = Timespec::try_from(duration).unwrap_or(longest);
    while let Slept::Interrupted(remaining) = nanosleep(&req)? {
        req = remaining;
    }
    Ok(())
}
