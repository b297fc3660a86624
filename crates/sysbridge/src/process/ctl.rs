//! Process attributes: `prctl(2)` operations and `personality(2)`.

use core::ffi::CStr;
use std::ffi::CString;

use linux_raw_sys::prctl;

use crate::signal::Signal;
use crate::{Errno, Sysno, args, path, raw};

/// One `prctl(2)` call with integer arguments only.
fn prctl_int(option: u32, a: usize) -> Result<usize, Errno> {
    // SAFETY: the options issued here read and write no memory through `a`.
    unsafe { raw::raw_syscall5_readonly(Sysno::prctl, option as usize, a, 0, 0, 0) }
}

/// One `prctl(2)` call that writes its answer to the buffer at `out` (an `int` for
/// the `PR_GET_*` options that return a value that way, 16 bytes for `PR_GET_NAME`).
///
/// # Safety
/// `out` must be valid for what `option` writes.
unsafe fn prctl_out(option: u32, out: *mut u8) -> Result<(), Errno> {
    // SAFETY: the caller vouches for `out`; nothing else is written.
    unsafe { raw::raw_syscall5(Sysno::prctl, option as usize, out as usize, 0, 0, 0) }?;
    Ok(())
}

/// One `prctl(2)` call that returns an `int` through a pointer.
fn prctl_get_int(option: u32) -> Result<i32, Errno> {
    let mut value = 0i32;
    // SAFETY: the options passed here write one `int`.
    unsafe { prctl_out(option, args::mut_ptr(&mut value) as *mut u8) }?;
    Ok(value)
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

/// Whether `no_new_privs` is set (see [`set_no_new_privs`]). Issues
/// `prctl(PR_GET_NO_NEW_PRIVS)`; non-blocking.
pub fn no_new_privs() -> Result<bool, Errno> {
    prctl_int(prctl::PR_GET_NO_NEW_PRIVS, 0).map(|v| v != 0)
}

/// The signal this process receives when its parent thread dies, if any (see
/// [`set_pdeathsig`]). Issues `prctl(PR_GET_PDEATHSIG)`; non-blocking.
///
/// ```
/// assert_eq!(sysbridge::process::pdeathsig(), Ok(None));
/// ```
pub fn pdeathsig() -> Result<Option<Signal>, Errno> {
    let sig = prctl_get_int(prctl::PR_GET_PDEATHSIG)?;
    Ok((sig != 0).then(|| Signal::from_raw(sig)))
}

/// Makes this process a child subreaper (or no longer one): orphaned descendants are
/// reparented to it instead of to the PID namespace's init, so that it can wait for
/// them, as `sysbridge init -s` does when it is not process 1. Issues
/// `prctl(PR_SET_CHILD_SUBREAPER)`; non-blocking. Children made afterwards do not
/// inherit it.
pub fn set_child_subreaper(on: bool) -> Result<(), Errno> {
    prctl_int(prctl::PR_SET_CHILD_SUBREAPER, usize::from(on)).map(drop)
}

/// Whether this process is a child subreaper. Issues
/// `prctl(PR_GET_CHILD_SUBREAPER)`; non-blocking.
///
/// ```
/// assert_eq!(sysbridge::process::is_child_subreaper(), Ok(false));
/// ```
pub fn is_child_subreaper() -> Result<bool, Errno> {
    prctl_get_int(prctl::PR_GET_CHILD_SUBREAPER).map(|v| v != 0)
}

/// Sets the calling thread's name (`comm`, shown by `ps` and in
/// `/proc/self/task/TID/comm`): the kernel keeps its first 15 bytes. Issues
/// `prctl(PR_SET_NAME)`; non-blocking. `EINVAL` for a name with a NUL byte.
///
/// ```
/// use sysbridge::process::{name, set_name};
/// std::thread::spawn(|| {
///     set_name("worker-with-a-long-name").unwrap();
///     assert_eq!(name().unwrap().as_bytes(), b"worker-with-a-l");
/// }).join().unwrap();
/// ```
pub fn set_name(name: impl path::Arg) -> Result<(), Errno> {
    name.with_c_str(|name| {
        // SAFETY: the kernel reads at most 16 bytes of the NUL-terminated name.
        unsafe {
            raw::raw_syscall5_readonly(
                Sysno::prctl,
                prctl::PR_SET_NAME as usize,
                args::ptr(name.as_ptr()),
                0,
                0,
                0,
            )
        }
        .map(drop)
    })
}

/// The calling thread's name (see [`set_name`]). Issues `prctl(PR_GET_NAME)`;
/// non-blocking.
pub fn name() -> Result<CString, Errno> {
    let mut buf = [0u8; 16];
    // SAFETY: PR_GET_NAME writes at most 16 bytes, NUL included.
    unsafe { prctl_out(prctl::PR_GET_NAME, buf.as_mut_ptr()) }?;
    let name = CStr::from_bytes_until_nul(&buf).map_err(|_| Errno::EINVAL)?;
    Ok(name.to_owned())
}

/// Whether this process may dump core and be attached to by its user's debuggers
/// (set-user-ID programs and credential changes clear it). Issues
/// `prctl(PR_GET_DUMPABLE)`; non-blocking.
pub fn dumpable() -> Result<bool, Errno> {
    prctl_int(prctl::PR_GET_DUMPABLE, 0).map(|v| v != 0)
}

/// Sets whether this process may dump core and be attached to by unprivileged
/// debuggers (and whether its `/proc/PID` files belong to its user or to root).
/// Issues `prctl(PR_SET_DUMPABLE)`; non-blocking.
pub fn set_dumpable(on: bool) -> Result<(), Errno> {
    prctl_int(prctl::PR_SET_DUMPABLE, usize::from(on)).map(drop)
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
