//! Classic BPF socket filters: `SO_ATTACH_FILTER` and `SO_DETACH_FILTER`.

use core::mem::size_of;
use std::os::fd::AsFd;

use linux_raw_sys::net::{SO_ATTACH_FILTER, SO_DETACH_FILTER, SOL_SOCKET};

use super::sockopt::set_bytes;
use crate::Errno;

/// One classic BPF instruction (`struct sock_filter`), as `tcpdump -dd` prints them.
///
/// ```
/// use sysbridge::net::SockFilter;
/// // "ret #0": accept no byte of any packet (drop everything).
/// let drop_all = [SockFilter { code: 0x06, jt: 0, jf: 0, k: 0 }];
/// # let _ = drop_all;
/// ```
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SockFilter {
    /// The opcode (`BPF_LD | BPF_W | BPF_ABS`…).
    pub code: u16,
    /// Jump offset if true.
    pub jt: u8,
    /// Jump offset if false.
    pub jf: u8,
    /// The constant operand.
    pub k: u32,
}

/// `struct sock_fprog`: a program's length and its first instruction.
#[repr(C)]
struct SockFprog {
    len: u16,
    filter: *const SockFilter,
}

/// Attaches the classic BPF program `program` to `fd`, replacing any filter it had:
/// from then on each packet is cut to the length the program returns (zero drops it).
/// Issues `setsockopt(2)` with `SO_ATTACH_FILTER`; non-blocking (no hooks).
///
/// The kernel checks the program (`EINVAL` for an invalid one, an empty one or more
/// than 4096 instructions); a program longer than 65535 instructions is `EINVAL` here.
#[inline]
pub fn attach_filter(fd: impl AsFd, program: &[SockFilter]) -> Result<(), Errno> {
    let prog = SockFprog {
        len: u16::try_from(program.len()).map_err(|_| Errno::EINVAL)?,
        filter: program.as_ptr(),
    };
    // The kernel reads the program through `prog.filter` while `program` is borrowed.
    set_bytes(
        fd.as_fd(),
        SOL_SOCKET,
        SO_ATTACH_FILTER,
        &prog,
        size_of::<SockFprog>(),
    )
}

/// Removes the filter of `fd` (`ENOENT` if it has none). Issues `setsockopt(2)` with
/// `SO_DETACH_FILTER`; non-blocking (no hooks).
#[inline]
pub fn detach_filter(fd: impl AsFd) -> Result<(), Errno> {
    // The kernel ignores the value.
    set_bytes(
        fd.as_fd(),
        SOL_SOCKET,
        SO_DETACH_FILTER,
        &0i32,
        size_of::<i32>(),
    )
}
