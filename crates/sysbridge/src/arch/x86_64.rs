//! x86_64 system-call entry: `syscall` with the number in `rax`, arguments in `rdi`,
//! `rsi`, `rdx`, `r10`, `r8`, `r9`, the result in `rax`.
//!
//! The instruction overwrites `rcx` (with the return address) and `r11` (with the
//! saved `rflags`); `sysret` restores `rflags` from that copy, so the flags survive
//! (`preserves_flags`). The kernel runs on its own stack and never touches ours
//! (`nostack`, which also lets the compiler keep data in the red zone across the call).
//!
//! Two variants exist per arity:
//! - `syscallN`: the kernel may read and write any memory the arguments point to, so
//!   the compiler must assume all memory changed (the default `asm!` contract).
//! - `syscallN_readonly`: for calls that never write user memory (`getpid`, `close`,
//!   `lseek`, ...), marked `readonly` so the compiler may keep values in registers
//!   across the call. "Never" includes the indirect ways: writing or truncating a
//!   file changes any shared mapping of it in this process, and a signal sent to
//!   ourselves runs a handler before the call returns, so `write`, `ftruncate`,
//!   `openat` (`O_TRUNC`) and `kill` are not `readonly`. None is `pure`: every system call may observe or change state
//!   that is not in its arguments (a `getpid` after `fork` answers differently).

use core::arch::asm;

/// Defines one entry: the `syscall` instruction with `$arg`s in `$reg`s and the given
/// `asm!` options.
macro_rules! syscall_fn {
    ($(#[$doc:meta])* $name:ident, [$($opt:ident),*] $(, $arg:ident => $reg:tt)*) => {
        $(#[$doc])*
        #[inline(always)]
        pub(crate) unsafe fn $name(nr: usize $(, $arg: usize)*) -> usize {
            let ret: usize;
            // SAFETY: the register contract is the x86_64 Linux syscall ABI stated in
            // the module doc; the call's own effects are the caller's contract.
            unsafe {
                asm!(
                    "syscall",
                    inlateout("rax") nr => ret,
                    $(in($reg) $arg,)*
                    lateout("rcx") _,
                    lateout("r11") _,
                    options($($opt),*),
                );
            }
            ret
        }
    };
}

/// Defines `syscallN` and `syscallN_readonly` for one arity, given the argument
/// registers in ABI order.
macro_rules! syscall_entry {
    ($name:ident, $readonly:ident $(, $arg:ident => $reg:tt)*) => {
        syscall_fn! {
            /// Issues `syscall`; the kernel may write memory the arguments point to.
            ///
            /// # Safety
            /// `nr` and the arguments must form a call whose effects the caller has
            /// made safe: pointers valid for what the kernel reads and writes,
            /// descriptors owned or borrowed as the call requires.
            $name, [nostack, preserves_flags] $(, $arg => $reg)*
        }
        syscall_fn! {
            /// Issues `syscall` for a call that never writes user memory.
            ///
            /// # Safety
            /// As for the non-`readonly` variant, and the call must not write to any
            /// memory of this process (the compiler is told so and may cache values
            /// across it).
            $readonly, [nostack, preserves_flags, readonly] $(, $arg => $reg)*
        }
    };
}

syscall_entry!(syscall0, syscall0_readonly);
syscall_entry!(syscall1, syscall1_readonly, a0 => "rdi");
syscall_entry!(syscall2, syscall2_readonly, a0 => "rdi", a1 => "rsi");
syscall_entry!(syscall3, syscall3_readonly, a0 => "rdi", a1 => "rsi", a2 => "rdx");
syscall_entry!(syscall4, syscall4_readonly, a0 => "rdi", a1 => "rsi", a2 => "rdx", a3 => "r10");
syscall_entry!(syscall5, syscall5_readonly, a0 => "rdi", a1 => "rsi", a2 => "rdx", a3 => "r10", a4 => "r8");
syscall_entry!(syscall6, syscall6_readonly, a0 => "rdi", a1 => "rsi", a2 => "rdx", a3 => "r10", a4 => "r8", a5 => "r9");

/// Issues `clone3(2)` or `clone(2)` (`nr`, arguments `a0`…`a4` in the usual registers)
/// for a child that starts on a stack of its own: in the child, `f(arg)` runs on that
/// stack and its return value ends the thread with `exit(2)`; the parent gets the
/// kernel's answer (the child's id, or `-errno`).
///
/// The child cannot return into the caller's code: that code's frame lives on the
/// parent's stack, which the child does not have. So the child leaves this `asm!` block
/// by `call` alone, with `rbp` cleared (the end of any frame-pointer walk) and `rsp`
/// aligned to 16 bytes as the ABI requires at a call. `f` and `arg` travel in `r12` and
/// `r13`, which the kernel hands to the child unchanged.
///
/// # Safety
/// The arguments must make the kernel give the child its own stack, valid and large
/// enough for `f`, unused by anything else until the child has exited or called
/// `execve` (with `CLONE_VM`, the child shares every other byte of memory with this
/// process, and `f` must act accordingly). In the parent the call is an ordinary system
/// call with these arguments.
#[inline(always)]
#[allow(
    clippy::too_many_arguments,
    reason = "the system call's five plus the child's function and argument"
)]
pub(crate) unsafe fn clone_run(
    nr: usize,
    a0: usize,
    a1: usize,
    a2: usize,
    a3: usize,
    a4: usize,
    f: extern "C" fn(usize) -> i32,
    arg: usize,
) -> usize {
    let ret: usize;
    // SAFETY: in the parent this is a `syscall` with the ABI's register contract (the
    // kernel preserves every register but rax, rcx and r11, and the flags are
    // clobbered by `test`). The child never leaves the block except through `exit`:
    // it runs on the stack the caller's contract provides, in registers no one else
    // reads, so it cannot disturb the parent's view of its registers or stack.
    unsafe {
        asm!(
            "syscall",
            "test rax, rax",
            "jnz 2f",
            "xor ebp, ebp",
            "and rsp, -16",
            "mov rdi, r13",
            "call r12",
            "mov edi, eax",
            "mov eax, {exit}",
            "syscall",
            "ud2",
            "2:",
            exit = const crate::Sysno::exit as u32,
            inlateout("rax") nr => ret,
            in("rdi") a0,
            in("rsi") a1,
            in("rdx") a2,
            in("r10") a3,
            in("r8") a4,
            in("r12") f,
            in("r13") arg,
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    ret
}

/// The vDSO's symbol names and their version on x86_64 (another architecture names
/// them differently: `__kernel_clock_gettime` at `LINUX_2.6.39` on aarch64).
pub(crate) mod vdso {
    /// The version every x86_64 vDSO function is defined at.
    pub(crate) const VERSION: &[u8] = b"LINUX_2.6";
    /// `clock_gettime(2)` in the vDSO.
    pub(crate) const CLOCK_GETTIME: &[u8] = b"__vdso_clock_gettime";
    /// `clock_getres(2)` in the vDSO.
    pub(crate) const CLOCK_GETRES: &[u8] = b"__vdso_clock_getres";
    /// `gettimeofday(2)` in the vDSO.
    pub(crate) const GETTIMEOFDAY: &[u8] = b"__vdso_gettimeofday";
    /// `time(2)` in the vDSO.
    pub(crate) const TIME: &[u8] = b"__vdso_time";
    /// `getcpu(2)` in the vDSO.
    pub(crate) const GETCPU: &[u8] = b"__vdso_getcpu";
}

/// The huge page sizes x86_64 offers, smallest first (2 MiB, and 1 GiB with `pdpe1gb`).
pub(crate) const HUGE_PAGE_SIZES: [usize; 2] = [2 << 20, 1 << 30];

/// The signal-return trampoline every `rt_sigaction` installs as `sa_restorer`: when
/// a handler returns, it returns here, and this calls `rt_sigreturn(2)` so the kernel
/// restores the interrupted context from the signal frame. There is no libc to
/// provide it. It never returns, and must not touch the stack: the frame the kernel
/// built sits exactly at `rsp`.
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn restore_rt() -> ! {
    core::arch::naked_asm!(
        "mov eax, {nr}",
        "syscall",
        "ud2",
        nr = const crate::Sysno::rt_sigreturn as u32,
    );
}

/// The general registers of a stopped thread, as `ptrace(PTRACE_GETREGS)` copies them
/// (the kernel's `struct user_regs_struct`). At a syscall-exit stop, `orig_rax` holds
/// the call's number, `rax` its result, and `rdi`, `rsi`, `rdx`, `r10`, `r8`, `r9` its
/// arguments (the kernel preserves them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
#[allow(missing_docs, reason = "the kernel's register names say what each is")]
pub struct Regs {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub rbp: u64,
    pub rbx: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rax: u64,
    pub rcx: u64,
    pub rdx: u64,
    pub rsi: u64,
    pub rdi: u64,
    pub orig_rax: u64,
    pub rip: u64,
    pub cs: u64,
    pub eflags: u64,
    pub rsp: u64,
    pub ss: u64,
    pub fs_base: u64,
    pub gs_base: u64,
    pub ds: u64,
    pub es: u64,
    pub fs: u64,
    pub gs: u64,
}

const _: () = assert!(size_of::<Regs>() == 27 * 8);
