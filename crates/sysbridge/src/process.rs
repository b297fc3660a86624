//! Process identity: `getpid(2)`, `getppid(2)`, `gettid(2)`.

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
/// ```
/// assert_eq!(sysbridge::process::getpid().as_raw() as u32, std::process::id());
/// ```
#[inline(always)]
pub fn getpid() -> Pid {
    // SAFETY: getpid takes no arguments, touches no memory and always succeeds.
    let pid = unsafe { raw::raw_syscall0_readonly(Sysno::getpid) };
    // getpid has no error return; `unwrap_or` keeps the code branch-free of panics.
    Pid(pid.unwrap_or(0) as i32)
}
