//! Processes: identity (`getpid(2)`, `getppid(2)`, `gettid(2)`, `getuid(2)`,
//! `geteuid(2)`, `getgid(2)`, `getegid(2)`: none can fail, touch memory or block, so
//! all go through the raw entries), starting programs ([`Spawn`] and its [`Child`];
//! raw: [`fork`], [`clone3`], [`clone3_run`], [`execve`], [`execveat`]), waiting
//! ([`wait4`], [`waitid`], decoded as [`ChildState`]), process descriptors
//! ([`pidfd_open`]), sessions and groups ([`setsid`], [`setpgid`]…), attributes
//! ([`set_child_subreaper`], [`set_pdeathsig`], [`set_name`], [`personality`]…),
//! resource limits ([`prlimit`]), CPU affinity ([`sched_setaffinity`]), and reading
//! another process's memory ([`process_vm_readv`]).
//!
//! An init (process 1 of a container, or a subreaper) is built from these: [`Spawn`]
//! the main program (with [`Spawn::setsid`] or [`Spawn::process_group`] to signal
//! its whole group), [`set_child_subreaper`] when not process 1, forward signals
//! received with [`signal::Notify`](crate::signal::Notify) (or read from a
//! [`signalfd`](crate::signal::signalfd)) with [`kill`](crate::signal::kill) or
//! [`Child::signal`], and on `SIGCHLD` reap every ended child with
//! `waitid(WaitId::All, EXITED | NOHANG)` until it answers `None`, noting when the
//! main child's pid comes by. The `mini_init` example does exactly that.

mod affinity;
mod clone;
mod ctl;
mod exec;
mod handle;
mod limit;
mod pidfd;
mod session;
mod spawn;
mod vm;
mod wait;

pub use affinity::{CpuSet, sched_getaffinity, sched_setaffinity};
pub use clone::{CloneArgs, CloneFlags, clone3, clone3_run};
pub use ctl::{
    dumpable, is_child_subreaper, name, no_new_privs, pdeathsig, personality, set_child_subreaper,
    set_dumpable, set_name, set_no_new_privs, set_pdeathsig,
};
pub use exec::{CStrArray, execve, execveat, exit_group, fork};
pub use handle::Child;
pub use limit::{Resource, Rlimit, getrlimit, prlimit, setrlimit};
pub use pidfd::{PidfdFlags, pidfd_open};
pub use session::{getpgid, getsid, setpgid, setsid};
pub use spawn::Spawn;
pub use vm::{RemoteIoVec, process_vm_readv};
pub use wait::{
    ChildEvent, ChildState, Rusage, WaitFor, WaitId, WaitOptions, WaitStatus, wait4, wait4_rusage,
    waitid,
};

use crate::{Sysno, raw};

/// A process (or thread) id.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
#[repr(transparent)]
pub struct Pid(i32);

impl Pid {
    /// The id `raw`, as the kernel numbers it.
    #[inline]
    pub const fn from_raw(raw: i32) -> Pid {
        Pid(raw)
    }

    /// The id as the kernel numbers it.
    #[inline]
    pub const fn as_raw(self) -> i32 {
        self.0
    }
}

impl core::fmt::Display for Pid {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.fmt(f)
    }
}

/// This process's id. Issues `getpid(2)`, which cannot fail; non-blocking (no hooks).
///
/// Should a seccomp filter or a tracer make it fail anyway, the process is aborted
/// with a message: every value it could return would be a lie, and a guessed one is
/// dangerous (to `kill(2)`, pid 0 means "my process group"). The same holds for every
/// identity query of this module.
///
/// ```
/// assert_eq!(sysbridge::process::getpid().as_raw() as u32, std::process::id());
/// ```
#[inline(always)]
pub fn getpid() -> Pid {
    // SAFETY: getpid takes no arguments and touches no memory.
    match unsafe { raw::raw_syscall0_readonly(Sysno::getpid) } {
        Ok(pid) => Pid(pid as i32),
        Err(e) => refused(Sysno::getpid, e),
    }
}

/// Ends the process after a call that cannot fail has failed (only a seccomp filter
/// or a tracer can make it): no value it could return is true, and a guessed one is
/// dangerous (0 as a pid means "my process group" to `kill(2)`; 0 as a user id means
/// root). Writes the reason to standard error without allocating, then aborts.
#[cold]
#[inline(never)]
fn refused(nr: Sysno, e: crate::Errno) -> ! {
    let stderr = std::io::stderr();
    for part in [
        "sysbridge: ",
        nr.name(),
        "(2) failed with ",
        e.name().unwrap_or("an unknown error"),
        "; it cannot fail unless a seccomp filter or a tracer refuses it: aborting\n",
    ] {
        let _ = crate::io::write(&stderr, part.as_bytes());
    }
    std::process::abort()
}

/// Issues a call that takes no arguments and returns an id, with no error return (a
/// failure anyway aborts, as [`getpid`] explains).
///
/// # Safety
/// `nr` must be such a call: no arguments, no memory read or written.
#[inline(always)]
unsafe fn id_query(nr: Sysno) -> usize {
    // SAFETY: forwarded from this function's contract.
    match unsafe { raw::raw_syscall0_readonly(nr) } {
        Ok(id) => id,
        Err(e) => refused(nr, e),
    }
}

/// The parent's process id (that of the process that made this one, or of the reaper
/// that adopted it). Issues `getppid(2)`, which cannot fail; non-blocking (no hooks).
///
/// ```
/// assert!(sysbridge::process::getppid().as_raw() >= 0);
/// ```
#[inline]
pub fn getppid() -> Pid {
    // SAFETY: getppid takes no arguments, touches no memory and always succeeds.
    Pid(unsafe { id_query(Sysno::getppid) } as i32)
}

/// The calling thread's id (equal to [`getpid`] on the main thread). Issues
/// `gettid(2)`, which cannot fail; non-blocking (no hooks).
///
/// ```
/// use sysbridge::process::{getpid, gettid};
/// let tid = std::thread::spawn(gettid).join().unwrap();
/// assert_ne!(tid, getpid());
/// ```
#[inline]
pub fn gettid() -> Pid {
    // SAFETY: gettid takes no arguments, touches no memory and always succeeds.
    Pid(unsafe { id_query(Sysno::gettid) } as i32)
}

/// Defines a 32-bit user or group id type.
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
        #[repr(transparent)]
        pub struct $name(u32);

        impl $name {
            /// The id `raw`, as the kernel numbers it.
            #[inline]
            pub const fn from_raw(raw: u32) -> $name {
                $name(raw)
            }

            /// The id as the kernel numbers it.
            #[inline]
            pub const fn as_raw(self) -> u32 {
                self.0
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type! {
    /// A user id (`uid_t`): 0 is root.
    Uid
}

id_type! {
    /// A group id (`gid_t`).
    Gid
}

/// The real user id: who started the process. Issues `getuid(2)`, which cannot fail;
/// non-blocking (no hooks).
///
/// ```
/// let uid = sysbridge::process::getuid();
/// assert_eq!(uid.to_string(), uid.as_raw().to_string());
/// ```
#[inline]
pub fn getuid() -> Uid {
    // SAFETY: getuid takes no arguments, touches no memory and always succeeds.
    Uid(unsafe { id_query(Sysno::getuid) } as u32)
}

/// The effective user id: whose permissions the process has. Issues `geteuid(2)`,
/// which cannot fail; non-blocking (no hooks).
#[inline]
pub fn geteuid() -> Uid {
    // SAFETY: geteuid takes no arguments, touches no memory and always succeeds.
    Uid(unsafe { id_query(Sysno::geteuid) } as u32)
}

/// The real group id. Issues `getgid(2)`, which cannot fail; non-blocking (no hooks).
#[inline]
pub fn getgid() -> Gid {
    // SAFETY: getgid takes no arguments, touches no memory and always succeeds.
    Gid(unsafe { id_query(Sysno::getgid) } as u32)
}

/// The effective group id. Issues `getegid(2)`, which cannot fail; non-blocking (no
/// hooks).
#[inline]
pub fn getegid() -> Gid {
    // SAFETY: getegid takes no arguments, touches no memory and always succeeds.
    Gid(unsafe { id_query(Sysno::getegid) } as u32)
}
