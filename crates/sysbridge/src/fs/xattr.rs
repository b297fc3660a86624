//! Extended attributes: `getxattr(2)`.

use crate::path::Arg;
use crate::{Errno, Sysno, args, raw};

/// Reads the extended attribute `name` of the file at `path` (following symbolic
/// links) into `buf`, and returns its length. Issues `getxattr(2)`; blocking.
///
/// An empty `buf` asks for the length only. `ENODATA` when the file has no such
/// attribute, `ERANGE` when `buf` is too small, `ENOTSUP` when the file system keeps
/// none.
///
/// ```
/// use sysbridge::fs::getxattr;
/// // The kernel names a socket's protocol in an attribute of its /proc link.
/// let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
/// let path = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&socket));
/// let mut buf = [0u8; 32];
/// let n = getxattr(path.as_str(), "system.sockprotoname", &mut buf).unwrap();
/// assert_eq!(&buf[..n], b"UDP\0"); // with its NUL, as the kernel stores it
/// ```
pub fn getxattr(path: impl Arg, name: impl Arg, buf: &mut [u8]) -> Result<usize, Errno> {
    path.with_c_str(|path| {
        name.with_c_str(|name| {
            // SAFETY: the kernel reads the two NUL-terminated strings and writes at
            // most `buf.len()` bytes into `buf`, borrowed mutably for the call.
            unsafe {
                raw::syscall4(
                    Sysno::getxattr,
                    args::ptr(path.as_ptr()),
                    args::ptr(name.as_ptr()),
                    args::mut_ptr(buf.as_mut_ptr()),
                    buf.len(),
                )
            }
        })
    })
}
