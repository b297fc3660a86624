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
        Insn::jump(p::BPF_JEQ, k, jt, jf)
    }

    /// A conditional jump (`BPF_JEQ`, `BPF_JGE`, …) comparing A with `k`.
    const fn jump(op: u32, k: u32, jt: u8, jf: u8) -> Insn {
        Insn {
            code: (p::BPF_JMP | op | p::BPF_K) as u16,
            jt,
            jf,
            k,
        }
    }

    /// An unconditional jump over `k` instructions.
    const fn goto(k: u32) -> Insn {
        Insn::stmt(p::BPF_JMP | p::BPF_JA, k)
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
/// numbers mean other calls; numbers past the last system call, x32's among them, get
/// `miss`).
///
/// The numbers fall into runs that share a verdict, and the filter is a binary search
/// over the runs' first numbers: about twenty instructions for any call, whatever the
/// set. It uses only loads of the number and architecture, `JGE`/`JEQ`/`JA` and
/// returns, the instructions the kernel can evaluate once per number when the filter
/// is installed: each call whose verdict is `RET_ALLOW` then goes through the
/// kernel's allow-cache and never runs the filter at all.
///
/// ```
/// use sysbridge::seccomp::{filter_syscalls, RET_ALLOW, RET_TRACE};
/// use sysbridge::{Sysno, SysnoSet};
/// let set: SysnoSet = [Sysno::openat, Sysno::execve].into_iter().collect();
/// let prog = filter_syscalls(&set, RET_TRACE, RET_ALLOW);
/// assert!(prog.len() < 64);
/// ```
pub fn filter_syscalls(set: &SysnoSet, hit: u32, miss: u32) -> Vec<Insn> {
    // (first number, verdict) of each run, ascending; the last run reaches u32::MAX.
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for nr in 0..=LAST {
        let verdict = if set.contains_raw(u64::from(nr)) {
            hit
        } else {
            miss
        };
        if runs.last().is_none_or(|&(_, v)| v != verdict) {
            runs.push((nr, verdict));
        }
    }
    let mut prog = vec![
        Insn::load_arch(),
        Insn::jump_eq(AUDIT_ARCH_X86_64, 1, 0),
        Insn::ret(RET_KILL_PROCESS),
        Insn::load_nr(),
    ];
    search(&mut prog, &runs);
    prog
}

/// A number past every system call number (`Sysno`'s go up to 469).
const LAST: u32 = 512;

/// Appends the search of `runs` for the run holding call `A`, ending in its verdict.
fn search(prog: &mut Vec<Insn>, runs: &[(u32, u32)]) {
    let mid = runs.len() / 2;
    if mid == 0 {
        prog.push(Insn::ret(runs[0].1));
        return;
    }
    // `A >= first of the upper half`: on to the unconditional jump there (a
    // conditional jump's 8-bit offset may not reach past a long lower half), else
    // over it into the lower half.
    prog.push(Insn::jump(p::BPF_JGE, runs[mid].0, 0, 1));
    let over_lower = prog.len();
    prog.push(Insn::goto(0));
    search(prog, &runs[..mid]);
    prog[over_lower].k = (prog.len() - over_lower - 1) as u32;
    search(prog, &runs[mid..]);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a classic BPF program over `seccomp_data` with `nr` and `arch`, as the
    /// kernel's interpreter does, and returns the verdict and how many instructions
    /// ran. It knows only the instructions the kernel's allow-cache emulator
    /// (`seccomp_is_const_allow`) knows, and panics on any other.
    fn run(prog: &[Insn], nr: u32, arch: u32) -> (u32, usize) {
        let mut a = 0u32;
        let mut pc = 0;
        let mut ran = 0;
        loop {
            let i = prog[pc];
            ran += 1;
            let code = u32::from(i.code);
            pc += 1;
            match code {
                c if c == p::BPF_LD | p::BPF_W | p::BPF_ABS => {
                    a = match i.k {
                        0 => nr,
                        4 => arch,
                        k => panic!("load of offset {k}"),
                    }
                }
                c if c == p::BPF_JMP | p::BPF_JA => pc += i.k as usize,
                c if c == p::BPF_JMP | p::BPF_JEQ | p::BPF_K => {
                    pc += usize::from(if a == i.k { i.jt } else { i.jf });
                }
                c if c == p::BPF_JMP | p::BPF_JGE | p::BPF_K => {
                    pc += usize::from(if a >= i.k { i.jt } else { i.jf });
                }
                c if c == p::BPF_RET | p::BPF_K => return (i.k, ran),
                c => panic!("unexpected instruction {c:#x}"),
            }
        }
    }

    #[test]
    fn every_number_gets_its_verdict_whatever_the_set() {
        let odd: SysnoSet = Sysno::all().filter(|s| s.raw() % 2 == 1).collect();
        let sets = [
            SysnoSet::default(),
            [Sysno::read].into_iter().collect(),
            [Sysno::openat, Sysno::execve, Sysno::clone3]
                .into_iter()
                .collect(),
            odd,
            SysnoSet::all(),
            SysnoSet::all().complement(),
            {
                let mut all_but_one = SysnoSet::all();
                all_but_one.remove(Sysno::write);
                all_but_one
            },
        ];
        for set in &sets {
            let prog = filter_syscalls(set, RET_TRACE, RET_ALLOW);
            // The kernel's limit (BPF_MAXINSNS).
            assert!(prog.len() <= 4096, "{} instructions", prog.len());
            for nr in (0..600).chain([0x4000_0000, 0x4000_0001, u32::MAX]) {
                let want = if set.contains_raw(u64::from(nr)) {
                    RET_TRACE
                } else {
                    RET_ALLOW
                };
                let (verdict, ran) = run(&prog, nr, AUDIT_ARCH_X86_64);
                assert_eq!(verdict, want, "nr {nr}");
                // Four to check the call, two per level of a search over at most
                // 513 runs, one to return.
                assert!(ran <= 4 + 2 * 10 + 1, "nr {nr}: {ran} instructions");
            }
            assert_eq!(run(&prog, 1, 0x4000_0003).0, RET_KILL_PROCESS);
        }
    }
}
