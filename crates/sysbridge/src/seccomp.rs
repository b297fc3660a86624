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
/// numbers mean other calls; numbers from 512 up, x32's among them, get `miss`).
///
/// The set is a bitmap of sixteen 32-bit words: four comparisons find the call's word,
/// a shift tests its bit, so every call costs the same dozen instructions whatever the
/// set's size (a list of comparisons would cost one per member, and its 8-bit jump
/// offsets could not span a set of more than 255 calls).
///
/// ```
/// use sysbridge::seccomp::{filter_syscalls, RET_ALLOW, RET_TRACE};
/// use sysbridge::{Sysno, SysnoSet};
/// let set: SysnoSet = [Sysno::openat, Sysno::execve].into_iter().collect();
/// let prog = filter_syscalls(&set, RET_TRACE, RET_ALLOW);
/// assert!(prog.len() < 64);
/// ```
pub fn filter_syscalls(set: &SysnoSet, hit: u32, miss: u32) -> Vec<Insn> {
    let mut words = [0u32; WORDS];
    for nr in set.iter() {
        let nr = nr.raw() as usize;
        words[nr / 32] |= 1 << (nr % 32);
    }
    let mut prog = vec![
        Insn::load_arch(),
        Insn::jump_eq(AUDIT_ARCH_X86_64, 1, 0),
        Insn::ret(RET_KILL_PROCESS),
        Insn::load_nr(),
        Insn::jump(p::BPF_JGE, (WORDS * 32) as u32, 0, 1),
    ];
    let mut far = vec![(prog.len(), Label::Miss)];
    prog.push(Insn::goto(0));
    search(&mut prog, &mut far, &words, 0, WORDS);
    // The word's bit: A = nr, X = the word. Its bit is (word >> (nr % 32)) & 1.
    let tail = prog.len();
    prog.extend([
        Insn::stmt(p::BPF_STX, 0),
        Insn::stmt(p::BPF_ALU | p::BPF_AND | p::BPF_K, 31),
        Insn::stmt(p::BPF_MISC | p::BPF_TAX, 0),
        Insn::stmt(p::BPF_LD | p::BPF_MEM, 0),
        Insn::stmt(p::BPF_ALU | p::BPF_RSH | p::BPF_X, 0),
        Insn::stmt(p::BPF_ALU | p::BPF_AND | p::BPF_K, 1),
        Insn::jump_eq(1, 1, 0),
    ]);
    let miss_at = prog.len();
    prog.extend([Insn::ret(miss), Insn::ret(hit)]);
    for (at, label) in far {
        let to = match label {
            Label::Miss => miss_at,
            Label::Hit => miss_at + 1,
            Label::Tail => tail,
        };
        prog[at].k = (to - at - 1) as u32;
    }
    prog
}

/// The bitmap words of [`filter_syscalls`]: numbers 0 to 511.
const WORDS: usize = 16;

/// Where an unconditional jump of [`filter_syscalls`] goes, patched once laid out.
#[derive(Clone, Copy)]
enum Label {
    Hit,
    Miss,
    Tail,
}

/// Appends the search of words `lo..hi` for the word holding call `A`: a binary tree
/// of comparisons, each leaf loading its word into X for the tail (or jumping straight
/// to a verdict when the word is empty or full).
fn search(
    prog: &mut Vec<Insn>,
    far: &mut Vec<(usize, Label)>,
    words: &[u32],
    lo: usize,
    hi: usize,
) {
    if hi - lo == 1 {
        let label = match words[lo] {
            0 => Label::Miss,
            u32::MAX => Label::Hit,
            word => {
                prog.push(Insn::stmt(p::BPF_LDX | p::BPF_IMM, word));
                Label::Tail
            }
        };
        far.push((prog.len(), label));
        prog.push(Insn::goto(0));
        return;
    }
    let mid = (lo + hi) / 2;
    let node = prog.len();
    prog.push(Insn::jump(p::BPF_JGE, (mid * 32) as u32, 0, 0));
    search(prog, far, words, lo, mid);
    // The upper half starts right after the lower one (at most 23 instructions).
    prog[node].jt = u8::try_from(prog.len() - node - 1).expect("a short lower half");
    search(prog, far, words, mid, hi);
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

    /// Runs a classic BPF program over `seccomp_data` with `nr` and `arch`: the
    /// instructions `filter_syscalls` emits, as the kernel's checker and interpreter
    /// define them.
    fn run(prog: &[Insn], nr: u32, arch: u32) -> u32 {
        let (mut a, mut x, mut mem) = (0u32, 0u32, [0u32; 16]);
        let mut pc = 0;
        loop {
            let i = prog[pc];
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
                c if c == p::BPF_LD | p::BPF_MEM => a = mem[i.k as usize],
                c if c == p::BPF_LDX | p::BPF_IMM => x = i.k,
                c if c == p::BPF_STX => mem[i.k as usize] = x,
                c if c == p::BPF_ALU | p::BPF_AND | p::BPF_K => a &= i.k,
                c if c == p::BPF_ALU | p::BPF_RSH | p::BPF_X => a >>= x,
                c if c == p::BPF_MISC | p::BPF_TAX => x = a,
                c if c == p::BPF_JMP | p::BPF_JA => pc += i.k as usize,
                c if c == p::BPF_JMP | p::BPF_JEQ | p::BPF_K => {
                    pc += usize::from(if a == i.k { i.jt } else { i.jf });
                }
                c if c == p::BPF_JMP | p::BPF_JGE | p::BPF_K => {
                    pc += usize::from(if a >= i.k { i.jt } else { i.jf });
                }
                c if c == p::BPF_RET | p::BPF_K => return i.k,
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
            assert!(prog.len() <= 80, "{} instructions", prog.len());
            for nr in (0..600).chain([0x4000_0000, 0x4000_0001, u32::MAX]) {
                let want = if set.contains_raw(u64::from(nr)) {
                    RET_TRACE
                } else {
                    RET_ALLOW
                };
                assert_eq!(run(&prog, nr, AUDIT_ARCH_X86_64), want, "nr {nr}");
            }
            assert_eq!(run(&prog, 1, 0x4000_0003), RET_KILL_PROCESS);
        }
    }
}
