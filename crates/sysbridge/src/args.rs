//! Conversions from typed arguments to the `usize` registers the raw layer takes.

use std::os::fd::{AsRawFd, BorrowedFd};

/// A descriptor as a register value (sign-extended, as the kernel reads an `int`).
#[inline(always)]
pub(crate) fn fd(fd: BorrowedFd<'_>) -> usize {
    fd.as_raw_fd() as usize
}

/// A pointer as a register value.
#[inline(always)]
pub(crate) fn ptr<T: ?Sized>(p: *const T) -> usize {
    p.cast::<u8>() as usize
}

/// A mutable pointer as a register value.
#[inline(always)]
pub(crate) fn mut_ptr<T: ?Sized>(p: *mut T) -> usize {
    p.cast::<u8>() as usize
}
