//! The alternate signal stack: `sigaltstack(2)`.

use linux_raw_sys::general as g;

use crate::{Errno, Sysno, args, raw};

bitflags::bitflags! {
    /// `ss_flags` of [`SigStack`] (`SS_*`).
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct SsFlags: i32 {
        /// `SS_ONSTACK` (reported only): the thread is running on the alternate stack
        /// now.
        const ONSTACK = g::SS_ONSTACK as i32;
        /// `SS_DISABLE`: no alternate stack.
        const DISABLE = g::SS_DISABLE as i32;
        /// `SS_AUTODISARM`: disarm the stack while a handler runs on it (so that a
        /// handler may switch contexts away from it).
        const AUTODISARM = g::SS_AUTODISARM as i32;
    }
}

/// An alternate signal stack (the kernel's `stack_t`): where handlers installed with
/// [`SaFlags::ONSTACK`](super::SaFlags::ONSTACK) run, so that one can still run when
/// the thread's own stack has overflowed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(C)]
pub struct SigStack {
    /// The lowest address of the stack.
    pub base: usize,
    /// [`SsFlags::DISABLE`] for none.
    pub flags: SsFlags,
    /// Its size in bytes (at least `MINSIGSTKSZ`, 2048, and a handler's needs beyond).
    pub size: usize,
}

const _: () = assert!(size_of::<SigStack>() == size_of::<g::stack_t>());

impl SigStack {
    /// No alternate stack: what [`set_sigaltstack`] installs to remove one.
    pub const DISABLED: SigStack = SigStack {
        base: 0,
        flags: SsFlags::DISABLE,
        size: 0,
    };
}

/// The calling thread's alternate signal stack ([`SsFlags::DISABLE`] when it has
/// none). Issues `sigaltstack(2)` with no new stack; non-blocking (no hooks).
///
/// ```
/// use sysbridge::signal::{sigaltstack, SsFlags};
/// // std gives each thread it starts an alternate stack, to report stack overflows.
/// let main = std::thread::spawn(|| sigaltstack().unwrap()).join().unwrap();
/// assert!(!main.flags.contains(SsFlags::DISABLE) && main.size >= 2048);
/// ```
pub fn sigaltstack() -> Result<SigStack, Errno> {
    let mut old = SigStack::DISABLED;
    // SAFETY: with a null new stack the kernel only writes a `stack_t` into `old`.
    unsafe { raw::raw_syscall2(Sysno::sigaltstack, 0, args::mut_ptr(&mut old)) }?;
    Ok(old)
}

/// Installs `new` as the calling thread's alternate signal stack and returns the
/// previous one. Issues `sigaltstack(2)`; non-blocking (no hooks). `EPERM` while the
/// thread runs on its alternate stack, `ENOMEM` when `size` is below `MINSIGSTKSZ`.
///
/// # Safety
/// Until it is replaced (or the thread ends), the memory `new.base .. new.base +
/// new.size` must stay valid, writable and unused by anything else: the kernel builds
/// signal frames there whenever an `ONSTACK` handler runs. (Installing
/// [`SigStack::DISABLED`] has no such requirement; the previous stack is then free.)
pub unsafe fn set_sigaltstack(new: &SigStack) -> Result<SigStack, Errno> {
    let mut old = SigStack::DISABLED;
    // SAFETY: the kernel reads a `stack_t` from `new` and writes one to `old`; the
    // memory `new` names is the caller's contract.
    unsafe { raw::raw_syscall2(Sysno::sigaltstack, args::ptr(new), args::mut_ptr(&mut old)) }?;
    Ok(old)
}
