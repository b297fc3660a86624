//! System-call filters: classic BPF programs over `struct seccomp_data`, installed with
//! `seccomp(2)`.
//!
//! A filter is a list of [`Insn`]s. [`Insn::load_nr`] and [`Insn::load_arch`] read the
//! call being filtered; jumps compare; returns give the verdict ([`RET_ALLOW`],
//! [`RET_TRACE`], [`ret_errno`]…). [`filter_syscalls`] builds the common shape "these
//! calls get one action, all others another".

use linux_raw_sys::ptrace as p;

use crate::{Errno, Sysno, SysnoSet, args, raw};

/// One classic BPF instruction (`struct sock_filter`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(C)]
pub struct Insn {
    /// The operation (`BPF_LD | BPF_W | BPF_ABS`, …).
    pub code: u16,
    /// Instructions to skip when a conditional jump's test holds.
    pub jt: u8,
    /// Instructions to skip when it fails.
    pub jf: u8,
    /// The operand.
    pub k: u32,
}

const _: () = assert!(size_of::<Insn>() == size_of::<p::sock_filter>());

/// Allow the call.
pub const RET_ALLOW: u32 = p::SECCOMP_RET_ALLOW;
/// Stop the caller for its ptrace tracer (`PTRACE_EVENT_SECCOMP`); without a tracer
/// the call fails with `ENOSYS`.
pub const RET_TRACE: u32 = p::SECCOMP_RET_TRACE;
/// Kill the whole process.
pub const RET_KILL_PROCESS: u32 = p::SECCOMP_RET_KILL_PROCESS;
/// The audit architecture of x86_64 system calls, for [`Insn::load_arch`] checks.
pub const AUDIT_ARCH_X86_64: u32 = p::AUDIT_ARCH_X86_64;

/// Fail the call with `errno` instead of making it.
pub const fn ret_errno(errno: Errno) -> u32 {
    p::SECCOMP_RET_ERRNO | (errno.raw() as u32 & p::SECCOMP_RET_DATA)
}

impl Insn {
    /// `A = seccomp_data.nr`.
    pub const fn load_nr() -> Insn {
        Insn::stmt(p::BPF_LD | p::BPF_W | p::BPF_ABS, 0)
    }

    /// `A = seccomp_data.arch`.
    pub const fn load_arch() -> Insn {
        Insn::stmt(p::BPF_LD | p::BPF_W | p::BPF_ABS, 4)
    }

    /// `if A == k`: skip `jt` instructions when true, `jf` when false.
    pub const fn jump_eq(k: u32, jt: u8, jf: u8) -> Insn {
        Insn {
            code: (p::BPF_JMP | p::BPF_JEQ | p::BPF_K) as u16,
            jt,
            jf,
            k,
        }
    }

    /// `return k`: the verdict.
    pub const fn ret(k: u32) -> Insn {
        Insn::stmt(p::BPF_RET | p::BPF_K, k)
    }

    const fn stmt(code: u32, k: u32) -> Insn {
        Insn {
            code: code as u16,
            jt: 0,
            jf: 0,
            k,
        }
    }
}

/// A filter giving the calls in `set` the verdict `hit` and every other call `miss`,
/// for x86_64 calls only (a call of another architecture is killed, since its
/// numbers mean other calls). One comparison per call in the set.
///
/// ```
/// use sysbridge::seccomp::{filter_syscalls, RET_ALLOW, RET_TRACE};
/// use sysbridge::{Sysno, SysnoSet};
/// let set: SysnoSet = [Sysno::openat, Sysno::execve].into_iter().collect();
/// let prog = filter_syscalls(&set, RET_TRACE, RET_ALLOW);
/// assert_eq!(prog.len(), 4 + 2 + 2);
/// ```
pub fn filter_syscalls(set: &SysnoSet, hit: u32, miss: u32) -> Vec<Insn> {
    let calls: Vec<Sysno> = set.iter().collect();
    let mut prog = vec![
        Insn::load_arch(),
        Insn::jump_eq(AUDIT_ARCH_X86_64, 1, 0),
        Insn::ret(RET_KILL_PROCESS),
        Insn::load_nr(),
    ];
    // Each comparison jumps forward to the `hit` return at the end when it matches.
    let n = calls.len();
    for (i, nr) in calls.iter().enumerate() {
        let to_hit = (n - i) as u8; // past the remaining comparisons and the miss return
        let jt = if n - i > usize::from(u8::MAX) {
            0
        } else {
            to_hit
        };
        prog.push(Insn::jump_eq(nr.raw(), jt, 0));
    }
    prog.push(Insn::ret(miss));
    prog.push(Insn::ret(hit));
    prog
}

bitflags::bitflags! {
    /// Flags of [`set_filter`] (`SECCOMP_FILTER_FLAG_*`).
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct FilterFlags: u32 {
        /// Install the filter on every thread of the process.
        const TSYNC = p::SECCOMP_FILTER_FLAG_TSYNC;
        /// Log every action but `SECCOMP_RET_ALLOW`.
        const LOG = p::SECCOMP_FILTER_FLAG_LOG;
        /// Do not turn on speculative-store-bypass mitigation.
        const SPEC_ALLOW = p::SECCOMP_FILTER_FLAG_SPEC_ALLOW;
    }
}

/// Installs `filter` on the calling thread (and its future children), for good:
/// filters can be added, never removed. Without `CAP_SYS_ADMIN` the thread needs
/// [`set_no_new_privs`](crate::process::set_no_new_privs) first (`EACCES` otherwise).
/// `EINVAL` for an empty, over-long (more than 4096 instructions) or malformed
/// program. Issues `seccomp(SECCOMP_SET_MODE_FILTER)`; non-blocking.
pub fn set_filter(filter: &[Insn], flags: FilterFlags) -> Result<(), Errno> {
    let len = u16::try_from(filter.len()).map_err(|_| Errno::EINVAL)?;
    #[repr(C)]
    struct Fprog {
        len: u16,
        filter: *const Insn,
    }
    let prog = Fprog {
        len,
        filter: filter.as_ptr(),
    };
    // SAFETY: the kernel copies `len` instructions from the slice and the header from
    // `prog`, and writes nothing; a filter only changes which calls this thread may make.
    unsafe {
        raw::raw_syscall3_readonly(
            Sysno::seccomp,
            p::SECCOMP_SET_MODE_FILTER as usize,
            flags.bits() as usize,
            args::ptr(&prog),
        )
    }?;
    Ok(())
}
