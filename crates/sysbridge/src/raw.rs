//! Raw system-call entry points, in Go's two kinds.
//!
//! | Go | sysbridge | hooks |
//! |---|---|---|
//! | `syscall.Syscall`, `Syscall6` | [`syscall0`] … [`syscall6`] | run |
//! | `syscall.RawSyscall`, `RawSyscall6` | [`raw_syscall0`] … [`raw_syscall6`] | never run |
//!
//! Both return `Ok(rax)` or, when the kernel answers with a value in `-4095..=-1`,
//! `Err(Errno)`: one range check, no thread-local `errno`.
//!
//! # Hooks: the runtime's view of a blocked thread
//!
//! Go's runtime wraps a blocking call in `entersyscall`/`exitsyscall` so that its
//! scheduler can hand the thread's work to another thread while the kernel sleeps. A
//! runtime, a profiler or a tracer of our own can do the same here: [`set_hooks`]
//! registers an [`Hooks::enter`] callback, run just before the call, and an
//! [`Hooks::exit`] callback, run just after it with the result. With no hooks
//! registered a hooked entry is the raw entry behind one load and one predicted branch
//! (see `benches/syscalls.rs` and README.md for what that measures); with hooks, the
//! call is still made inline, between two outlined calls.
//!
//! A hook runs on the thread making the call. A system call made from inside a hook
//! does not run the hooks again (a thread-local guard prevents the recursion). A hook
//! must not panic: a panic in a hook aborts the process, since unwinding into a
//! wrapper between its system call and what follows could leak a new descriptor or
//! leave a mapping recorded where it no longer is.
//!
//! # Which wrappers are blocking
//!
//! Like Go's `//sys` versus `//sysnb`, each wrapper picks its entry by whether the
//! kernel may put the thread to sleep:
//!
//! - **blocking (hooks run):** everything that reads or writes a descriptor (`read`,
//!   `write`, `pread`, `pwrite`, `readv`, `writev`, `sendfile`, `copy_file_range`),
//!   every path and file-system operation (`openat`, `openat2`, `statx`, `fstat`,
//!   `getdents64`, `mkdirat`, `unlinkat`, `renameat2`, `symlinkat`, `readlinkat`,
//!   `faccessat`, `fchmod`, `fsync`, `fdatasync`, `ftruncate`, `fallocate`, `lseek`),
//!   `close` (it may flush, as on NFS), `fcntl`, memory calls that may fault pages in or
//!   wait for writeback (`mmap`, `munmap`, `mprotect`, `madvise`, `mremap`, `mlock`,
//!   `munlock`), `getrandom` (may wait for the entropy pool), and `nanosleep`.
//! - **non-blocking (hooks never run):** identity and system queries (`getpid`,
//!   `getppid`, `gettid`, `getuid`, `geteuid`, `getgid`, `getegid`, `uname`,
//!   `sysinfo`), descriptor table operations (`dup`, `dup3`, `pipe2`,
//!   `memfd_create`), the vDSO calls (`clock_gettime`, `clock_getres`, `gettimeofday`,
//!   `time`, `getcpu`) and their fallbacks.
//!
//! Each wrapper's documentation repeats its kind.

use core::cell::Cell;
use core::ptr;
use core::sync::atomic::{AtomicPtr, Ordering};

use crate::arch;
use crate::{Errno, Sysno};

/// Callbacks that run around every blocking system call (Go's `entersyscall` and
/// `exitsyscall`).
///
/// # Example
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use sysbridge::raw::{set_hooks, Hooks};
/// use sysbridge::{Errno, Sysno};
///
/// static BLOCKING: AtomicUsize = AtomicUsize::new(0);
/// fn enter(_: Sysno) { BLOCKING.fetch_add(1, Ordering::Relaxed); }
/// fn exit(_: Sysno, _: Result<usize, Errno>) {}
/// static HOOKS: Hooks = Hooks { enter, exit };
///
/// let previous = set_hooks(Some(&HOOKS));
/// let devnull = std::fs::File::open("/dev/null").unwrap();
/// sysbridge::io::read(&devnull, &mut [0u8; 1]).unwrap();
/// set_hooks(previous);
/// assert!(BLOCKING.load(Ordering::Relaxed) >= 1);
/// ```
#[derive(Debug)]
pub struct Hooks {
    /// Runs on the calling thread just before the kernel is entered.
    pub enter: fn(Sysno),
    /// Runs on the calling thread just after the kernel returns, with the result.
    pub exit: fn(Sysno, Result<usize, Errno>),
}

static HOOKS: AtomicPtr<Hooks> = AtomicPtr::new(ptr::null_mut());

thread_local! {
    /// Set while this thread runs a hook, so that calls made by the hook skip hooks.
    static IN_HOOK: Cell<bool> = const { Cell::new(false) };
}

/// Registers `hooks` for all threads (or removes them with `None`) and returns the
/// hooks that were registered before.
///
/// Threads that are inside a blocking call when the hooks change finish that call
/// with the hooks they started it with.
pub fn set_hooks(hooks: Option<&'static Hooks>) -> Option<&'static Hooks> {
    let new = hooks.map_or(ptr::null_mut(), |h| ptr::from_ref(h).cast_mut());
    let old = HOOKS.swap(new, Ordering::AcqRel);
    // SAFETY: every non-null value stored in HOOKS came from a `&'static Hooks`.
    unsafe { old.as_ref() }
}

/// The hooks registered now, if any.
pub fn hooks() -> Option<&'static Hooks> {
    // SAFETY: every non-null value stored in HOOKS came from a `&'static Hooks`.
    unsafe { HOOKS.load(Ordering::Acquire).as_ref() }
}

/// Runs the enter hook, unless this thread is already inside a hook. Outlined and
/// cold: the system call itself stays inline in the caller, its arguments in registers.
#[cold]
#[inline(never)]
fn enter_hook(hooks: &Hooks, nr: Sysno) {
    if !IN_HOOK.get() {
        in_hook(|| (hooks.enter)(nr));
    }
}

/// Runs the exit hook with the result, unless this thread is already inside a hook.
#[cold]
#[inline(never)]
fn exit_hook(hooks: &Hooks, nr: Sysno, result: Result<usize, Errno>) {
    if !IN_HOOK.get() {
        in_hook(|| (hooks.exit)(nr, result));
    }
}

/// Runs a hook with this thread's `IN_HOOK` flag set.
///
/// A hook must not unwind into the wrapper that called it: the wrapper may be between
/// its system call and the bookkeeping that follows (a new descriptor not yet owned, a
/// moved mapping not yet recorded), and unwinding there would leak it or leave a value
/// describing memory that has moved. So a panicking hook aborts the process (after the
/// panic message is printed).
fn in_hook(hook: impl FnOnce()) {
    struct AbortOnUnwind;
    impl Drop for AbortOnUnwind {
        fn drop(&mut self) {
            std::process::abort();
        }
    }
    IN_HOOK.set(true);
    let guard = AbortOnUnwind;
    hook();
    core::mem::forget(guard);
    IN_HOOK.set(false);
}

/// Turns the kernel's raw answer into a `Result`: `-4095..=-1` is an error number.
#[inline(always)]
pub(crate) fn check(ret: usize) -> Result<usize, Errno> {
    if ret > -4096isize as usize {
        Err(Errno::from_raw(ret.wrapping_neg() as i32))
    } else {
        Ok(ret)
    }
}

/// Defines a raw entry: the `arch` function of the same arity, and the error check.
macro_rules! raw_fn {
    ($(#[$attr:meta])* $vis:vis $name:ident => $arch:ident $(, $a:ident)*) => {
        $(#[$attr])*
        #[inline(always)]
        $vis unsafe fn $name(nr: Sysno $(, $a: usize)*) -> Result<usize, Errno> {
            // SAFETY: forwarded from this function's contract.
            check(unsafe { arch::$arch(nr.raw() as usize $(, $a)*) })
        }
    };
}

/// Defines a hooked entry: one load of the hooks pointer and a predicted branch on it.
/// With no hooks registered the rest is the raw entry, nothing more; with hooks, a
/// second copy of the call sits between the outlined cold hook calls, so both paths
/// keep the `syscall` instruction inline in the caller with its arguments in registers.
/// The one pointer serves enter and exit, so a thread sees `enter` and `exit` of the
/// same hooks even if they are replaced meanwhile.
macro_rules! hooked_fn {
    ($(#[$attr:meta])* $vis:vis $name:ident => $raw:ident $(, $a:ident)*) => {
        $(#[$attr])*
        #[inline(always)]
        $vis unsafe fn $name(nr: Sysno $(, $a: usize)*) -> Result<usize, Errno> {
            // SAFETY: every non-null value stored in HOOKS came from a `&'static Hooks`.
            match unsafe { HOOKS.load(Ordering::Acquire).as_ref() } {
                // SAFETY: forwarded from this function's contract.
                None => unsafe { $raw(nr $(, $a)*) },
                Some(hooks) => {
                    enter_hook(hooks, nr);
                    // SAFETY: forwarded from this function's contract.
                    let result = unsafe { $raw(nr $(, $a)*) };
                    exit_hook(hooks, nr, result);
                    result
                }
            }
        }
    };
}

/// Defines, for one arity, the public hooked and raw entries and the crate's
/// `readonly` counterparts of both. The `arch` functions carry the hooked names.
macro_rules! entries {
    ($n:literal: $hooked:ident, $hooked_ro:ident, $raw:ident, $raw_ro:ident; $($a:ident),*) => {
        hooked_fn! {
            #[doc = concat!("Issues system call `nr` with ", $n, " argument(s), running \
                the registered [`Hooks`] around it (Go's `Syscall`).\n\n\
                Use it for calls that may block. Returns the kernel's return value, or \
                the error number when it is in `-4095..=-1`.\n\n\
                # Safety\n\
                The call must be safe to make with these arguments: pointers valid for \
                what the kernel reads or writes through them, descriptors that the \
                caller may use or close as the call does, no memory unmapped or altered \
                under live Rust references.")]
            pub $hooked => $raw $(, $a)*
        }
        hooked_fn! {
            /// The hooked entry for a call that never writes this process's memory.
            ///
            /// # Safety
            /// As for the non-`readonly` entry, and the kernel must write no user memory.
            #[allow(dead_code, reason = "one of the 28 entries; not every arity is used")]
            pub(crate) $hooked_ro => $raw_ro $(, $a)*
        }
        raw_fn! {
            #[doc = concat!("Issues system call `nr` with ", $n, " argument(s) and never \
                runs hooks (Go's `RawSyscall`).\n\n\
                Use it where a hook must not run: between `fork` and `exec`, in a signal \
                handler, inside a hook, or for calls that never block.\n\n\
                # Safety\n\
                As for the hooked entry of the same arity.")]
            pub $raw => $hooked $(, $a)*
        }
        raw_fn! {
            /// The raw entry for a call that never writes this process's memory.
            ///
            /// # Safety
            /// As for the non-`readonly` entry, and the kernel must write no user memory.
            #[allow(dead_code, reason = "one of the 28 entries; not every arity is used")]
            pub(crate) $raw_ro => $hooked_ro $(, $a)*
        }
    };
}

entries! { "0": syscall0, syscall0_readonly, raw_syscall0, raw_syscall0_readonly; }
entries! { "1": syscall1, syscall1_readonly, raw_syscall1, raw_syscall1_readonly; a0 }
entries! { "2": syscall2, syscall2_readonly, raw_syscall2, raw_syscall2_readonly; a0, a1 }
entries! { "3": syscall3, syscall3_readonly, raw_syscall3, raw_syscall3_readonly; a0, a1, a2 }
entries! { "4": syscall4, syscall4_readonly, raw_syscall4, raw_syscall4_readonly; a0, a1, a2, a3 }
entries! { "5": syscall5, syscall5_readonly, raw_syscall5, raw_syscall5_readonly; a0, a1, a2, a3, a4 }
entries! { "6": syscall6, syscall6_readonly, raw_syscall6, raw_syscall6_readonly; a0, a1, a2, a3, a4, a5 }

/// Calls the entry of the right arity among seven, converting each argument with
/// `as usize`. The shared body of [`syscall!`](crate::syscall) and
/// [`raw_syscall!`](crate::raw_syscall); not for direct use.
#[doc(hidden)]
#[macro_export]
macro_rules! __syscall_by_arity {
    ([$e0:path, $($e:path),*] $nr:expr $(,)?) => {
        $e0($nr)
    };
    ([$e0:path, $e1:path, $($e:path),*] $nr:expr, $a0:expr $(,)?) => {
        $e1($nr, $a0 as usize)
    };
    ([$e0:path, $e1:path, $e2:path, $($e:path),*] $nr:expr, $a0:expr, $a1:expr $(,)?) => {
        $e2($nr, $a0 as usize, $a1 as usize)
    };
    ([$e0:path, $e1:path, $e2:path, $e3:path, $($e:path),*]
     $nr:expr, $a0:expr, $a1:expr, $a2:expr $(,)?) => {
        $e3($nr, $a0 as usize, $a1 as usize, $a2 as usize)
    };
    ([$e0:path, $e1:path, $e2:path, $e3:path, $e4:path, $($e:path),*]
     $nr:expr, $a0:expr, $a1:expr, $a2:expr, $a3:expr $(,)?) => {
        $e4($nr, $a0 as usize, $a1 as usize, $a2 as usize, $a3 as usize)
    };
    ([$e0:path, $e1:path, $e2:path, $e3:path, $e4:path, $e5:path, $e6:path]
     $nr:expr, $a0:expr, $a1:expr, $a2:expr, $a3:expr, $a4:expr $(,)?) => {
        $e5(
            $nr,
            $a0 as usize,
            $a1 as usize,
            $a2 as usize,
            $a3 as usize,
            $a4 as usize,
        )
    };
    ([$e0:path, $e1:path, $e2:path, $e3:path, $e4:path, $e5:path, $e6:path]
     $nr:expr, $a0:expr, $a1:expr, $a2:expr, $a3:expr, $a4:expr, $a5:expr $(,)?) => {
        $e6(
            $nr,
            $a0 as usize,
            $a1 as usize,
            $a2 as usize,
            $a3 as usize,
            $a4 as usize,
            $a5 as usize,
        )
    };
}

/// Issues any system call through the hooked entry ([`raw::syscall0`] … [`raw::syscall6`]),
/// converting each argument with `as usize`; for calls no wrapper covers yet.
///
/// The expansion is an `unsafe` call, so the macro must be used inside an `unsafe`
/// block whose `// SAFETY:` comment argues the call.
///
/// [`raw::syscall0`]: crate::raw::syscall0
/// [`raw::syscall6`]: crate::raw::syscall6
///
/// # Example
/// ```
/// use sysbridge::{syscall, Sysno};
/// // SAFETY: getpriority reads no memory and has no effect.
/// let nice = unsafe { syscall!(Sysno::getpriority, 0 /* PRIO_PROCESS */, 0) };
/// assert!(nice.is_ok());
/// ```
#[macro_export]
macro_rules! syscall {
    ($($call:tt)*) => {
        $crate::__syscall_by_arity!(
            [
                $crate::raw::syscall0, $crate::raw::syscall1, $crate::raw::syscall2,
                $crate::raw::syscall3, $crate::raw::syscall4, $crate::raw::syscall5,
                $crate::raw::syscall6
            ]
            $($call)*
        )
    };
}

/// Like [`syscall!`](crate::syscall) but through the raw entries, which never run hooks.
///
/// # Example
/// ```
/// use sysbridge::{raw_syscall, Sysno};
/// // SAFETY: gettid reads and writes no memory.
/// let tid = unsafe { raw_syscall!(Sysno::gettid) }.unwrap();
/// assert!(tid > 0);
/// ```
#[macro_export]
macro_rules! raw_syscall {
    ($($call:tt)*) => {
        $crate::__syscall_by_arity!(
            [
                $crate::raw::raw_syscall0, $crate::raw::raw_syscall1, $crate::raw::raw_syscall2,
                $crate::raw::raw_syscall3, $crate::raw::raw_syscall4, $crate::raw::raw_syscall5,
                $crate::raw::raw_syscall6
            ]
            $($call)*
        )
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_range_is_exactly_minus_4095_to_minus_1() {
        let neg = |n: isize| n as usize;
        assert_eq!(check(0), Ok(0));
        assert_eq!(check(neg(-4096)), Ok(neg(-4096)));
        assert_eq!(check(neg(-4095)), Err(Errno::from_raw(4095)));
        assert_eq!(check(neg(-2)), Err(Errno::ENOENT));
        assert_eq!(check(neg(-1)), Err(Errno::EPERM));
        assert_eq!(check(isize::MAX as usize), Ok(isize::MAX as usize));
    }
}
