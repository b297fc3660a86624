//! CPU affinity: `sched_getaffinity(2)` and `sched_setaffinity(2)`, with [`CpuSet`].

use core::fmt;

use super::Pid;
use crate::{Errno, Sysno, args, raw};

/// A set of CPUs, numbered from 0 below [`CpuSet::CAPACITY`]: the kernel's
/// `cpumask` as the affinity calls read and write it (glibc's `cpu_set_t`).
///
/// ```
/// use sysbridge::process::CpuSet;
/// let mut set = CpuSet::new();
/// set.insert(0);
/// set.insert(3);
/// assert!(set.contains(3) && !set.contains(2));
/// assert_eq!(set.iter().collect::<Vec<_>>(), [0, 3]);
/// assert_eq!(set.to_string(), "0,3");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(C)]
pub struct CpuSet {
    bits: [u64; CpuSet::CAPACITY / 64],
}

impl CpuSet {
    /// How many CPUs a set can name (1024, as glibc's `CPU_SETSIZE`). On a machine
    /// whose kernel counts more possible CPUs, [`sched_getaffinity`] fails with
    /// `EINVAL`.
    pub const CAPACITY: usize = 1024;

    /// The empty set.
    pub const fn new() -> CpuSet {
        CpuSet {
            bits: [0; CpuSet::CAPACITY / 64],
        }
    }

    /// Adds `cpu`.
    ///
    /// # Panics
    /// When `cpu` is not below [`CpuSet::CAPACITY`].
    pub fn insert(&mut self, cpu: usize) {
        assert!(cpu < CpuSet::CAPACITY, "CPU {cpu} beyond CpuSet::CAPACITY");
        self.bits[cpu / 64] |= 1 << (cpu % 64);
    }

    /// Removes `cpu` (nothing when it is beyond the capacity).
    pub fn remove(&mut self, cpu: usize) {
        if let Some(word) = self.bits.get_mut(cpu / 64) {
            *word &= !(1 << (cpu % 64));
        }
    }

    /// Whether `cpu` is in the set.
    pub fn contains(&self, cpu: usize) -> bool {
        self.bits
            .get(cpu / 64)
            .is_some_and(|word| word & (1 << (cpu % 64)) != 0)
    }

    /// How many CPUs the set holds (`CPU_COUNT`).
    pub fn len(&self) -> usize {
        self.bits.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.bits.iter().all(|&w| w == 0)
    }

    /// The CPUs of the set, in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        (0..CpuSet::CAPACITY).filter(|&cpu| self.contains(cpu))
    }
}

impl FromIterator<usize> for CpuSet {
    /// # Panics
    /// When a CPU is not below [`CpuSet::CAPACITY`].
    fn from_iter<I: IntoIterator<Item = usize>>(iter: I) -> CpuSet {
        let mut set = CpuSet::new();
        for cpu in iter {
            set.insert(cpu);
        }
        set
    }
}

/// The CPUs as a comma-separated list (`0,2,5`).
impl fmt::Display for CpuSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, cpu) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{cpu}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for CpuSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// The CPUs thread `pid` may run on (`None`: the calling thread). Issues
/// `sched_getaffinity(2)`; non-blocking (no hooks). `ESRCH` when there is no such
/// thread.
///
/// ```
/// let cpus = sysbridge::process::sched_getaffinity(None).unwrap();
/// assert!(!cpus.is_empty());
/// ```
pub fn sched_getaffinity(pid: Option<Pid>) -> Result<CpuSet, Errno> {
    let mut set = CpuSet::new();
    // SAFETY: the kernel writes at most `size_of::<CpuSet>()` bytes into `set`, any bit
    // pattern of which is a valid set; the bytes it does not write stay zero.
    unsafe {
        raw::raw_syscall3(
            Sysno::sched_getaffinity,
            pid.map_or(0, Pid::as_raw) as usize,
            size_of::<CpuSet>(),
            args::mut_ptr(&mut set),
        )
    }?;
    Ok(set)
}

/// Restricts thread `pid` (`None`: the calling thread, not its whole process) to the
/// CPUs of `set` (those that exist and the cgroup allows). Issues
/// `sched_setaffinity(2)`; non-blocking (no hooks). `EINVAL` when no CPU of `set` is
/// usable, `EPERM` for another user's thread without `CAP_SYS_NICE`.
///
/// ```
/// use sysbridge::process::{sched_getaffinity, sched_setaffinity};
/// std::thread::spawn(|| {
///     let all = sched_getaffinity(None).unwrap();
///     let first = all.iter().next().unwrap();
///     sched_setaffinity(None, &[first].into_iter().collect()).unwrap();
///     assert_eq!(sched_getaffinity(None).unwrap().len(), 1);
/// }).join().unwrap();
/// ```
pub fn sched_setaffinity(pid: Option<Pid>, set: &CpuSet) -> Result<(), Errno> {
    // SAFETY: the kernel reads `size_of::<CpuSet>()` bytes from `set`.
    unsafe {
        raw::raw_syscall3_readonly(
            Sysno::sched_setaffinity,
            pid.map_or(0, Pid::as_raw) as usize,
            size_of::<CpuSet>(),
            args::ptr(set),
        )
    }?;
    Ok(())
}
