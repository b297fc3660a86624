//! Starting programs: `fork` (a raw `clone(2)`), `execve(2)` and `execveat(2)`, with
//! argument vectors prepared before the fork so that the child allocates nothing.

use core::ffi::{CStr, c_char};
use std::ffi::CString;
use std::os::fd::AsFd;

use super::Pid;
use crate::fs::AtFlags;
use crate::{Errno, Sysno, args, raw};

/// A NUL-terminated array of C strings (`argv` or `envp` for [`execve`]), built
/// before a fork so that the child only passes pointers.
///
/// ```
/// use sysbridge::process::CStrArray;
/// let argv = CStrArray::new(["ls", "-l"]).unwrap();
/// assert_eq!(argv.len(), 2);
/// assert!(CStrArray::new(["a\0b"]).is_err());
/// ```
#[derive(Debug)]
pub struct CStrArray {
    strings: Vec<CString>,
    ptrs: Vec<*const c_char>,
}

// SAFETY: the pointers point into the `CString`s this value owns, which are never
// changed after construction; sharing or moving the whole is like sharing `Vec<CString>`.
unsafe impl Send for CStrArray {}
// SAFETY: as above; nothing is mutated through a shared reference.
unsafe impl Sync for CStrArray {}

impl CStrArray {
    /// The array of `items`; `EINVAL` if one holds a NUL byte.
    pub fn new<I>(items: I) -> Result<CStrArray, Errno>
    where
        I: IntoIterator,
        I::Item: Into<Vec<u8>>,
    {
        let strings = items
            .into_iter()
            .map(|s| CString::new(s).map_err(|_| Errno::EINVAL))
            .collect::<Result<Vec<_>, _>>()?;
        let mut ptrs: Vec<*const c_char> = strings.iter().map(|s| s.as_ptr()).collect();
        ptrs.push(core::ptr::null());
        Ok(CStrArray { strings, ptrs })
    }

    /// How many strings (the terminating null pointer not counted).
    pub fn len(&self) -> usize {
        self.strings.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }

    /// The strings.
    pub fn iter(&self) -> impl Iterator<Item = &CStr> {
        self.strings.iter().map(CString::as_c_str)
    }

    fn as_ptr(&self) -> *const *const c_char {
        self.ptrs.as_ptr()
    }
}

/// Replaces this process's program with `path`, run with `argv` and `envp`. Issues
/// `execve(2)` through the raw entry (no hooks: it is meant to run in a forked
/// child). Returns only on failure, with the error.
pub fn execve(path: &CStr, argv: &CStrArray, envp: &CStrArray) -> Errno {
    // SAFETY: the path and both arrays are NUL-terminated and live for the call; on
    // success the process image is replaced, so no Rust state outlives it.
    let result = unsafe {
        raw::raw_syscall3_readonly(
            Sysno::execve,
            args::ptr(path.as_ptr()),
            args::ptr(argv.as_ptr()),
            args::ptr(envp.as_ptr()),
        )
    };
    result.err().unwrap_or(Errno::EINVAL)
}

/// Replaces this process's program with the file `path` names relative to the
/// directory `dirfd` ([`fs::CWD`](crate::fs::CWD) for the current one), or with the
/// file `dirfd` itself given an empty path and [`AtFlags::EMPTY_PATH`] (`fexecve`).
/// [`AtFlags::SYMLINK_NOFOLLOW`] refuses a symbolic link (`ELOOP`). Issues
/// `execveat(2)` through the raw entry; returns only on failure, with the error.
///
/// ```
/// use sysbridge::fs::{AtFlags, CWD};
/// use sysbridge::process::{execveat, CStrArray};
/// let argv = CStrArray::new(["x"]).unwrap();
/// let envp = CStrArray::new(Vec::<Vec<u8>>::new()).unwrap();
/// assert_eq!(execveat(CWD, c"/nonexistent", &argv, &envp, AtFlags::empty()),
///            sysbridge::Errno::ENOENT);
/// ```
pub fn execveat(
    dirfd: impl AsFd,
    path: &CStr,
    argv: &CStrArray,
    envp: &CStrArray,
    flags: AtFlags,
) -> Errno {
    // SAFETY: as for `execve`; the directory is only read, and borrowed for the call.
    let result = unsafe {
        raw::raw_syscall5_readonly(
            Sysno::execveat,
            args::fd(dirfd.as_fd()),
            args::ptr(path.as_ptr()),
            args::ptr(argv.as_ptr()),
            args::ptr(envp.as_ptr()),
            flags.bits() as usize,
        )
    };
    result.err().unwrap_or(Errno::EINVAL)
}

/// Creates a child process that continues from this point: `Ok(None)` in the child,
/// `Ok(Some(pid))` in the parent. Issues `clone(2)` with `SIGCHLD` (what `fork(2)`
/// is) through the raw entry; no fork handlers run.
///
/// # Safety
/// In the child only the calling thread exists, and locks other threads held stay
/// locked forever (the allocator's among them), and libc's own per-thread state still
/// describes the parent's thread. Until it calls [`execve`] or exits, the child must
/// only make system calls through sysbridge's raw entries on data prepared before the
/// fork: no allocation, no locks, no `std::io`.
pub unsafe fn fork() -> Result<Option<Pid>, Errno> {
    // SAFETY: clone with SIGCHLD and no other flag duplicates the process; the
    // caller's contract covers what the child does next.
    let pid = unsafe {
        raw::raw_syscall5(
            Sysno::clone,
            linux_raw_sys::general::SIGCHLD as usize,
            0,
            0,
            0,
            0,
        )
    }?;
    Ok((pid != 0).then(|| Pid::from_raw(pid as i32)))
}

/// Ends the calling process at once with `code`: no destructors, no buffers flushed.
/// Issues `exit_group(2)` through the raw entry.
pub fn exit_group(code: i32) -> ! {
    loop {
        // SAFETY: exit_group does not return; nothing of this process runs after it.
        let _ = unsafe { raw::raw_syscall1_readonly(Sysno::exit_group, code as usize) };
    }
}
