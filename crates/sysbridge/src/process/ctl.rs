//! Process attributes: `prctl(2)` operations and `personality(2)`.

use linux_raw_sys::prctl;

use crate::signal::Signal;
use crate::{Errno, Sysno, raw};

/// One `prctl(2)` call with integer arguments only.
fn prctl_int(option: u32, a: usize) -> Result<usize, Errno> {
    // SAFETY: the options issued here read and write no memory through `a`.
    unsafe { raw::raw_syscall5_readonly(Sysno::prctl, option as usize, a, 0, 0, 0) }
}

/// Sets `no_new_privs`: from now on, `execve(2)` grants no privilege (set-user-ID bits
/// and file capabilities are ignored), as a seccomp filter without `CAP_SYS_ADMIN`
/// requires. Cannot be undone. Issues `prctl(PR_SET_NO_NEW_PRIVS)`; non-blocking.
pub fn set_no_new_privs() -> Result<(), Errno> {
    prctl_int(prctl::PR_SET_NO_NEW_PRIVS, 1).map(drop)
}

/// Sets the signal this process receives when its parent thread dies (`None`:
/// none). Issues `prctl(PR_SET_PDEATHSIG)`; non-blocking.
pub fn set_pdeathsig(sig: Option<Signal>) -> Result<(), Errno> {
    prctl_int(prctl::PR_SET_PDEATHSIG, sig.map_or(0, Signal::raw) as usize).map(drop)
}

/// Sets the execution domain (`PER_LINUX`, `ADDR_NO_RANDOMIZE`, …) and returns the
/// previous one; `0xffff_ffff` only queries. Issues `personality(2)`; non-blocking.
///
/// ```
/// let current = sysbridge::process::personality(0xffff_ffff).unwrap();
/// assert_eq!(sysbridge::process::personality(current), Ok(current));
/// ```
pub fn personality(persona: u32) -> Result<u32, Errno> {
    // SAFETY: personality reads and writes no memory.
    let old = unsafe { raw::raw_syscall1_readonly(Sysno::personality, persona as usize) }?;
    Ok(old as u32)
}
