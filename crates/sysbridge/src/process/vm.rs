//! Reading another process's memory: `process_vm_readv(2)`.

use std::io::IoSliceMut;

use super::Pid;
use crate::{Errno, Sysno, args, raw};

/// A range of another process's address space (`struct iovec` naming remote memory,
/// which this process never dereferences).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(C)]
pub struct RemoteIoVec {
    /// The start address in the other process.
    pub base: u64,
    /// The length in bytes.
    pub len: usize,
}

/// Copies the `remote` ranges of process `pid` into the `local` buffers, in order, and
/// returns the number of bytes copied: short when a remote range is partly unmapped
/// (the copy stops there), `EFAULT` when nothing could be read, `ESRCH` when the
/// process is gone, `EPERM` without ptrace access to it. Issues `process_vm_readv(2)`;
/// blocking.
///
/// ```
/// use std::io::IoSliceMut;
/// use sysbridge::process::{getpid, process_vm_readv, RemoteIoVec};
/// let secret = *b"hello";
/// let mut copy = [0u8; 5];
/// let remote = [RemoteIoVec { base: secret.as_ptr() as u64, len: 5 }];
/// let n = process_vm_readv(getpid(), &mut [IoSliceMut::new(&mut copy)], &remote).unwrap();
/// assert_eq!((n, &copy), (5, b"hello"));
/// ```
pub fn process_vm_readv(
    pid: Pid,
    local: &mut [IoSliceMut<'_>],
    remote: &[RemoteIoVec],
) -> Result<usize, Errno> {
    // SAFETY: `IoSliceMut` is ABI-compatible with `struct iovec` and each borrows its
    // buffer mutably, so the kernel writes only within them; the remote iovecs are only
    // read, and name the other process's memory, never ours through a reference.
    unsafe {
        raw::syscall6(
            Sysno::process_vm_readv,
            pid.as_raw() as usize,
            args::mut_ptr(local.as_mut_ptr()),
            local.len(),
            args::ptr(remote.as_ptr()),
            remote.len(),
            0,
        )
    }
}
