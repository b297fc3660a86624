//! Creating processes and threads: `clone3(2)`, raw.
//!
//! [`clone3`] is `fork` with every knob of the kernel's `struct clone_args`: the child
//! continues from the call, in a copy of the address space. [`clone3_run`] starts the
//! child on a stack of its own running one function, which is what `CLONE_VM` (a
//! child sharing our memory) needs; [`Spawn`](super::Spawn) is the safe use of it.

use linux_raw_sys::general as g;

use super::Pid;
use crate::{Errno, Sysno, arch, args, raw};

bitflags::bitflags! {
    /// `flags` of [`CloneArgs`] (`CLONE_*`); the exit signal is a field of its own.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    #[repr(transparent)]
    pub struct CloneFlags: u64 {
        /// `CLONE_VM`: share the address space.
        const VM = g::CLONE_VM as u64;
        /// `CLONE_FS`: share the root, current directory and umask.
        const FS = g::CLONE_FS as u64;
        /// `CLONE_FILES`: share the descriptor table.
        const FILES = g::CLONE_FILES as u64;
        /// `CLONE_SIGHAND`: share the signal dispositions (needs `VM`).
        const SIGHAND = g::CLONE_SIGHAND as u64;
        /// `CLONE_PIDFD`: write a pidfd for the child to [`CloneArgs::pidfd`].
        const PIDFD = g::CLONE_PIDFD as u64;
        /// `CLONE_PTRACE`: the child is traced too if the parent is.
        const PTRACE = g::CLONE_PTRACE as u64;
        /// `CLONE_VFORK`: the calling thread sleeps until the child calls `execve(2)` or
        /// exits.
        const VFORK = g::CLONE_VFORK as u64;
        /// `CLONE_PARENT`: the child's parent is our parent.
        const PARENT = g::CLONE_PARENT as u64;
        /// `CLONE_THREAD`: a thread of this process (needs `SIGHAND`).
        const THREAD = g::CLONE_THREAD as u64;
        /// `CLONE_NEWNS`: a new mount namespace.
        const NEWNS = g::CLONE_NEWNS as u64;
        /// `CLONE_SYSVSEM`: share System V semaphore adjustments.
        const SYSVSEM = g::CLONE_SYSVSEM as u64;
        /// `CLONE_SETTLS`: the thread pointer becomes [`CloneArgs::tls`].
        const SETTLS = g::CLONE_SETTLS as u64;
        /// `CLONE_PARENT_SETTID`: write the child's id to [`CloneArgs::parent_tid`].
        const PARENT_SETTID = g::CLONE_PARENT_SETTID as u64;
        /// `CLONE_CHILD_CLEARTID`: zero [`CloneArgs::child_tid`] and wake a futex there
        /// when the child exits.
        const CHILD_CLEARTID = g::CLONE_CHILD_CLEARTID as u64;
        /// `CLONE_UNTRACED`: a tracer cannot force `CLONE_PTRACE`.
        const UNTRACED = g::CLONE_UNTRACED as u64;
        /// `CLONE_CHILD_SETTID`: write the child's id to [`CloneArgs::child_tid`] in the
        /// child's memory.
        const CHILD_SETTID = g::CLONE_CHILD_SETTID as u64;
        /// `CLONE_NEWCGROUP`: a new cgroup namespace.
        const NEWCGROUP = g::CLONE_NEWCGROUP as u64;
        /// `CLONE_NEWUTS`: a new UTS (host name) namespace.
        const NEWUTS = g::CLONE_NEWUTS as u64;
        /// `CLONE_NEWIPC`: a new IPC namespace.
        const NEWIPC = g::CLONE_NEWIPC as u64;
        /// `CLONE_NEWUSER`: a new user namespace.
        const NEWUSER = g::CLONE_NEWUSER as u64;
        /// `CLONE_NEWPID`: a new PID namespace, the child its process 1.
        const NEWPID = g::CLONE_NEWPID as u64;
        /// `CLONE_NEWNET`: a new network namespace.
        const NEWNET = g::CLONE_NEWNET as u64;
        /// `CLONE_IO`: share the I/O context.
        const IO = g::CLONE_IO as u64;
        /// `CLONE_CLEAR_SIGHAND` (Linux 5.5): every signal with a handler goes back to
        /// its default action in the child (ignored ones stay ignored).
        const CLEAR_SIGHAND = g::CLONE_CLEAR_SIGHAND;
        /// `CLONE_INTO_CGROUP` (Linux 5.7): start in the cgroup [`CloneArgs::cgroup`].
        const INTO_CGROUP = g::CLONE_INTO_CGROUP;
        /// `CLONE_NEWTIME`: a new time namespace.
        const NEWTIME = g::CLONE_NEWTIME as u64;
    }
}

/// The kernel's `struct clone_args` (version 2, 88 bytes) for [`clone3`]: pointers
/// and descriptors as 64-bit integers, as the kernel takes them.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
#[repr(C)]
pub struct CloneArgs {
    /// What the child shares or gets anew.
    pub flags: CloneFlags,
    /// With [`CloneFlags::PIDFD`]: the address of an `int` that receives the pidfd.
    pub pidfd: u64,
    /// With `CHILD_SETTID`/`CHILD_CLEARTID`: the address of the child's `int`.
    pub child_tid: u64,
    /// With `PARENT_SETTID`: the address of the parent's `int`.
    pub parent_tid: u64,
    /// The signal the parent gets when the child ends (`SIGCHLD` for a process that
    /// `wait4` without `__WCLONE` sees; 0 for none).
    pub exit_signal: u64,
    /// The lowest address of the child's stack (0: the parent's stack pointer).
    pub stack: u64,
    /// The size of the child's stack (0 with `stack` 0).
    pub stack_size: u64,
    /// With [`CloneFlags::SETTLS`]: the child's thread pointer (`fs` base).
    pub tls: u64,
    /// The address of an array of ids the child gets in each PID namespace.
    pub set_tid: u64,
    /// How many ids `set_tid` holds.
    pub set_tid_size: u64,
    /// With [`CloneFlags::INTO_CGROUP`]: a descriptor of the cgroup's directory.
    pub cgroup: u64,
}

const _: () = assert!(size_of::<CloneArgs>() == size_of::<g::clone_args>());
const _: () = assert!(size_of::<CloneArgs>() == g::CLONE_ARGS_SIZE_VER2 as usize);

/// Creates a child that continues from this call, as `fork` does: `Ok(None)` in the
/// child, `Ok(Some(pid))` in the parent. Issues `clone3(2)` through the raw entry; no
/// fork handlers run.
///
/// A child that continues on the parent's stack cannot share its memory, so
/// [`CloneFlags::VM`] and a non-zero [`CloneArgs::stack`] are `EINVAL` here, before any
/// system call: [`clone3_run`] starts such a child on its own stack.
///
/// # Safety
/// As for [`fork`](super::fork) (in a multi-threaded process, the child may only make
/// raw system calls on data prepared before the call, then `execve` or exit), and
/// every address in `args` must be valid for what its flag makes the kernel write. A
/// child with [`CloneFlags::THREAD`] or [`CloneFlags::SETTLS`] runs Rust code in a
/// state Rust's runtime does not know about.
pub unsafe fn clone3(args: &CloneArgs) -> Result<Option<Pid>, Errno> {
    if args.flags.contains(CloneFlags::VM) || args.stack != 0 {
        return Err(Errno::EINVAL);
    }
    // SAFETY: without CLONE_VM and without a stack, the child runs in a copy of this
    // address space and continues on its copy of this stack; the caller's contract
    // covers what it does next and the addresses the kernel writes to.
    let pid = unsafe { raw::raw_syscall2(Sysno::clone3, args::ptr(args), size_of::<CloneArgs>()) }?;
    Ok((pid != 0).then(|| Pid::from_raw(pid as i32)))
}

/// Creates a child that runs `f(arg)` on the stack `args.stack .. args.stack +
/// args.stack_size` and exits (`exit(2)`, ending that thread) with the value `f`
/// returns; returns the child's id. Issues `clone3(2)` through the raw entry.
///
/// This is the form a child sharing our memory ([`CloneFlags::VM`]) needs: it cannot
/// return into the code that called it, whose stack frames it does not own.
/// [`Spawn`](super::Spawn) uses it with `VM | VFORK`.
///
/// # Safety
/// - the stack must be valid, writable, 16-byte aligned at its top, large enough for
///   `f`, and used by nothing else until the child has exited or called `execve`;
/// - with [`CloneFlags::VM`], `f` runs alongside this process's other threads in the
///   same memory, but as a thread Rust's runtime does not know: it has no thread-local
///   storage of its own (it sees the calling thread's), must not unwind, allocate, lock
///   or run signal handlers of this process (block signals around the call, or
///   [`CloneFlags::CLEAR_SIGHAND`]), and may only touch memory no other thread
///   changes meanwhile;
/// - every address in `args` must be valid for what its flag makes the kernel write.
pub unsafe fn clone3_run(
    args: &CloneArgs,
    f: extern "C" fn(usize) -> i32,
    arg: usize,
) -> Result<Pid, Errno> {
    if args.stack == 0 || args.stack_size == 0 {
        return Err(Errno::EINVAL);
    }
    // SAFETY: the child runs `f` on the stack the caller's contract provides and never
    // returns here; in the parent, clone3 reads `args` and writes where its flags say,
    // which the caller's contract makes valid.
    let ret = unsafe {
        arch::clone_run(
            Sysno::clone3.raw() as usize,
            args::ptr(args),
            size_of::<CloneArgs>(),
            0,
            0,
            0,
            f,
            arg,
        )
    };
    raw::check(ret).map(|pid| Pid::from_raw(pid as i32))
}

/// `clone(2)` for a child that runs `f(arg)` on the stack whose top is `stack_top`:
/// the fallback of [`Spawn`](super::Spawn) where `clone3` is refused. `flags` holds
/// the exit signal in its low byte; with `CLONE_PIDFD`, the kernel writes the pidfd
/// to `pidfd`. Issues `clone(2)` through the raw entry.
///
/// # Safety
/// As for [`clone3_run`], with the stack given by its top.
pub(crate) unsafe fn clone_legacy_run(
    flags: u64,
    stack_top: usize,
    pidfd: *mut i32,
    f: extern "C" fn(usize) -> i32,
    arg: usize,
) -> Result<Pid, Errno> {
    // SAFETY: forwarded from this function's contract; x86_64's clone takes (flags,
    // stack, parent_tid, child_tid, tls), and CLONE_PIDFD uses parent_tid.
    let ret = unsafe {
        arch::clone_run(
            Sysno::clone.raw() as usize,
            flags as usize,
            stack_top,
            args::mut_ptr(pidfd),
            0,
            0,
            f,
            arg,
        )
    };
    raw::check(ret).map(|pid| Pid::from_raw(pid as i32))
}
