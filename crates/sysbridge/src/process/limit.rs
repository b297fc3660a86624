//! Resource limits: `prlimit64(2)`, which also serves as `getrlimit` and `setrlimit`.

use linux_raw_sys::general as g;

use super::Pid;
use crate::{Errno, Sysno, args, raw};

/// A resource [`prlimit`] limits (`RLIMIT_*`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[repr(u32)]
pub enum Resource {
    /// `RLIMIT_CPU`: CPU time, in seconds (`SIGXCPU` at the soft limit).
    Cpu = g::RLIMIT_CPU,
    /// `RLIMIT_FSIZE`: the largest file the process may write, in bytes.
    Fsize = g::RLIMIT_FSIZE,
    /// `RLIMIT_DATA`: data segment and private mappings, in bytes.
    Data = g::RLIMIT_DATA,
    /// `RLIMIT_STACK`: the main thread's stack, in bytes.
    Stack = g::RLIMIT_STACK,
    /// `RLIMIT_CORE`: the largest core dump, in bytes.
    Core = g::RLIMIT_CORE,
    /// `RLIMIT_RSS`: no effect since Linux 2.6.
    Rss = g::RLIMIT_RSS,
    /// `RLIMIT_NPROC`: processes (threads) of the real user.
    Nproc = g::RLIMIT_NPROC,
    /// `RLIMIT_NOFILE`: one more than the highest descriptor number.
    Nofile = g::RLIMIT_NOFILE,
    /// `RLIMIT_MEMLOCK`: locked memory, in bytes.
    Memlock = g::RLIMIT_MEMLOCK,
    /// `RLIMIT_AS`: the address space, in bytes.
    As = g::RLIMIT_AS,
    /// `RLIMIT_LOCKS`: no effect since Linux 2.4.25.
    Locks = g::RLIMIT_LOCKS,
    /// `RLIMIT_SIGPENDING`: signals queued for the real user.
    Sigpending = g::RLIMIT_SIGPENDING,
    /// `RLIMIT_MSGQUEUE`: bytes in POSIX message queues of the real user.
    Msgqueue = g::RLIMIT_MSGQUEUE,
    /// `RLIMIT_NICE`: the nice value may go down to `20 - limit`.
    Nice = g::RLIMIT_NICE,
    /// `RLIMIT_RTPRIO`: the highest real-time priority.
    Rtprio = g::RLIMIT_RTPRIO,
    /// `RLIMIT_RTTIME`: CPU time without blocking under a real-time policy, in µs.
    Rttime = g::RLIMIT_RTTIME,
}

/// A soft and a hard limit (`struct rlimit64`); [`Rlimit::INFINITY`] is no limit.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[repr(C)]
pub struct Rlimit {
    /// The soft limit: what the kernel enforces.
    pub cur: u64,
    /// The hard limit: the ceiling of the soft one (raising it needs
    /// `CAP_SYS_RESOURCE`).
    pub max: u64,
}

impl Rlimit {
    /// `RLIM_INFINITY`: no limit.
    pub const INFINITY: u64 = u64::MAX;
}

const _: () = assert!(size_of::<Rlimit>() == size_of::<g::rlimit64>());

/// Sets the limits of `resource` for `pid` (`None`: the caller) to `new` when given,
/// and returns the limits as they were. Issues `prlimit64(2)`; non-blocking (no
/// hooks). `EINVAL` when `new.cur > new.max`, `EPERM` when raising a hard limit
/// without the capability or acting on another user's process, `ESRCH` when there is
/// no such process.
///
/// ```
/// use sysbridge::process::{prlimit, Resource};
/// let nofile = prlimit(None, Resource::Nofile, None).unwrap();
/// assert!(nofile.cur <= nofile.max);
/// ```
pub fn prlimit(
    pid: Option<Pid>,
    resource: Resource,
    new: Option<&Rlimit>,
) -> Result<Rlimit, Errno> {
    let mut old = Rlimit { cur: 0, max: 0 };
    let new_ptr = new.map_or(0, |n| args::ptr(n));
    // SAFETY: the kernel reads a `struct rlimit64` from `new_ptr` when it is not null
    // and writes one to `old`; `Rlimit` has that layout. Lowering a limit of this very
    // process only makes later calls fail (or raises a signal), never touches memory.
    unsafe {
        raw::raw_syscall4(
            Sysno::prlimit64,
            pid.map_or(0, Pid::as_raw) as usize,
            resource as usize,
            new_ptr,
            args::mut_ptr(&mut old),
        )
    }?;
    Ok(old)
}

/// The limits of `resource` for the calling process: [`prlimit`] with no new value.
/// Issues `prlimit64(2)`; non-blocking (no hooks).
pub fn getrlimit(resource: Resource) -> Result<Rlimit, Errno> {
    prlimit(None, resource, None)
}

/// Sets the limits of `resource` for the calling process: [`prlimit`] with a new
/// value. Issues `prlimit64(2)`; non-blocking (no hooks).
///
/// ```
/// use sysbridge::process::{getrlimit, setrlimit, Resource};
/// let core = getrlimit(Resource::Core).unwrap();
/// setrlimit(Resource::Core, &core).unwrap();
/// ```
pub fn setrlimit(resource: Resource, limit: &Rlimit) -> Result<(), Errno> {
    prlimit(None, resource, Some(limit)).map(drop)
}
