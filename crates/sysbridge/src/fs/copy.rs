//! Copies inside the kernel, with no trip through user memory: `copy_file_range(2)`
//! and `sendfile(2)`.
//!
//! An offset given as `Some(&mut off)` is where the copy starts in that file; the
//! kernel advances `off` by the bytes copied and leaves the descriptor's own offset
//! alone. With `None` the descriptor's offset is used and advanced.

use std::os::fd::AsFd;

use crate::{Errno, Sysno, args, raw};

/// An optional offset as the kernel's `loff_t *` (null for `None`).
#[inline(always)]
fn offset_ptr(offset: Option<&mut u64>) -> usize {
    offset.map_or(0, |off| args::mut_ptr(off))
}

/// Copies up to `len` bytes from `fd_in` to `fd_out` (regular files; same file system
/// needed before Linux 5.19) and returns how many were copied: `Ok(0)` at the end of
/// `fd_in`. File systems may share the blocks instead of copying (reflink).
/// Issues `copy_file_range(2)` with no flags; blocking.
///
/// ```
/// use sysbridge::fs::copy_file_range;
/// use std::io::Write;
/// let (mut src, dst) = (tempfile::tempfile().unwrap(), tempfile::tempfile().unwrap());
/// src.write_all(b"0123456789").unwrap();
/// let (mut from, mut to) = (2, 0);
/// assert_eq!(copy_file_range(&src, Some(&mut from), &dst, Some(&mut to), 5), Ok(5));
/// assert_eq!((from, to), (7, 5));
/// ```
#[inline]
pub fn copy_file_range(
    fd_in: impl AsFd,
    off_in: Option<&mut u64>,
    fd_out: impl AsFd,
    off_out: Option<&mut u64>,
    len: usize,
) -> Result<usize, Errno> {
    // SAFETY: the kernel reads and writes the two optional `loff_t`s, each a
    // mutably borrowed `u64` (same size and alignment) or null, and no other user
    // memory.
    unsafe {
        raw::syscall6(
            Sysno::copy_file_range,
            args::fd(fd_in.as_fd()),
            offset_ptr(off_in),
            args::fd(fd_out.as_fd()),
            offset_ptr(off_out),
            len,
            0,
        )
    }
}

/// Copies up to `count` bytes from `in_fd` (a file that can be mapped, such as a
/// regular file) to `out_fd` (any file since Linux 2.6.33; a socket or pipe is the
/// usual case) and returns how many were copied. Issues `sendfile(2)`; blocking.
///
/// ```
/// use sysbridge::{fd, fs, io};
/// let file = std::fs::File::open("/etc/hostname").unwrap();
/// let (reader, writer) = fd::pipe2(fd::PipeFlags::CLOEXEC).unwrap();
/// let mut offset = 0;
/// let n = fs::sendfile(&writer, &file, Some(&mut offset), 4).unwrap();
/// assert_eq!(offset, n as u64);
/// let mut buf = [0; 4];
/// assert_eq!(io::read(&reader, &mut buf), Ok(n));
/// ```
#[inline]
pub fn sendfile(
    out_fd: impl AsFd,
    in_fd: impl AsFd,
    offset: Option<&mut u64>,
    count: usize,
) -> Result<usize, Errno> {
    // SAFETY: the kernel reads and writes the optional `off_t`, a mutably borrowed
    // `u64` (same size and alignment) or null, and no other user memory.
    unsafe {
        raw::syscall4(
            Sysno::sendfile,
            args::fd(out_fd.as_fd()),
            args::fd(in_fd.as_fd()),
            offset_ptr(offset),
            count,
        )
    }
}
