//! The one place that calls a function by address: an x64 trampoline taking up to
//! [`MAX_ARGS`] `usize` arguments, Go's `SyscallN` on windows/amd64.
//!
//! Every call passes all fifteen argument slots (the unused ones zero): in the x64
//! convention the caller owns the argument area, so a callee that takes fewer simply
//! never reads the rest. Like Go, the first four arguments go both to the integer
//! registers (RCX, RDX, R8, R9) and to XMM0..XMM3, so that a callee taking `float` or
//! `double` there receives the bits it was given; the result is RAX, plus XMM0 as the
//! second value (a floating-point result's bits). The thread's last error is cleared
//! before the call and read right after it.

use std::arch::asm;

use crate::{sys, Win32Error};

/// The most arguments [`Proc::call`](crate::Proc::call) passes (Go's limit on windows/amd64, too).
pub const MAX_ARGS: usize = 15;

/// Calls the function at `address` with `args`: `(RAX, XMM0 bits, last error)`.
///
/// # Panics
/// If `args` has more than [`MAX_ARGS`] values.
///
/// # Safety
/// `address` must be the address of a function using the Windows x64 calling
/// convention, and calling it with `args` (each `usize` standing for the integer,
/// pointer or floating-point bits it expects, zeros for the slots it does not take)
/// must be sound by that function's own contract: pointers valid for what it does with
/// them, handles open, and so on.
pub(crate) unsafe fn call(address: usize, args: &[usize]) -> (usize, usize, Win32Error) {
    assert!(
        args.len() <= MAX_ARGS,
        "a Win32 call takes at most {} arguments, got {}",
        MAX_ARGS,
        args.len()
    );
    let mut slots = [0usize; MAX_ARGS];
    slots[..args.len()].copy_from_slice(args);
    let r1: usize;
    let r2: usize;
    // SAFETY: SetLastError only writes the thread's error slot.
    unsafe { sys::SetLastError(0) };
    // SAFETY: the caller guarantees that `address` is a Windows x64 function that may be
    // called with these arguments. The block builds a conforming frame: RSP 16-byte
    // aligned at the call, 32 bytes of home space, stack arguments 5..15 copied from
    // `slots` (which outlives the block) right above it; R12 (non-volatile, so kept by
    // the callee) holds the original RSP, restored before the block ends. DF is clear
    // on entry as asm! guarantees and the ABI requires. Every register the callee may
    // change is declared: clobber_abi("system") for the volatile ones, RDI/RSI/R12 used
    // here explicitly.
    unsafe {
        asm!(
            "mov r12, rsp",
            "and rsp, -16",
            "sub rsp, 128", // home space (4 slots) + 11 stack arguments, rounded to 16 slots
            "lea rdi, [rsp + 32]",
            "lea rsi, [r10 + 32]",
            "mov ecx, 11",
            "rep movsq",
            "mov rcx, [r10]",
            "mov rdx, [r10 + 8]",
            "mov r8, [r10 + 16]",
            "mov r9, [r10 + 24]",
            "movq xmm0, rcx",
            "movq xmm1, rdx",
            "movq xmm2, r8",
            "movq xmm3, r9",
            "call rax",
            "mov rsp, r12",
            "movq rdx, xmm0",
            inout("rax") address => r1,
            in("r10") slots.as_ptr(),
            lateout("rdx") r2,
            out("r12") _,
            out("rdi") _,
            out("rsi") _,
            clobber_abi("system"),
        );
    }
    (r1, r2, Win32Error::last())
}
