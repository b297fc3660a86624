//! Reading, writing and seeking on descriptors: `read(2)`, `write(2)`, `pread(2)`,
//! `pwrite(2)`, `readv(2)`, `writev(2)`, `lseek(2)`.
//!
//! All of these may block, so all go through the hooked entries
//! ([`raw::syscall3`] and kin). None retries on `EINTR`: a
//! signal interrupts the call and the caller decides.

use std::io::{IoSlice, IoSliceMut};
use std::os::fd::AsFd;

use crate::{Errno, Sysno, args, raw};

/// Reads up to `buf.len()` bytes from `fd` into `buf`; `Ok(0)` is end of file.
/// Issues `read(2)`; blocking.
///
/// ```
/// let file = std::fs::File::open("/dev/zero").unwrap();
/// let mut buf = [1u8; 4];
/// assert_eq!(sysbridge::io::read(&file, &mut buf), Ok(4));
/// assert_eq!(buf, [0; 4]);
/// ```
#[inline(always)]
pub fn read(fd: impl AsFd, buf: &mut [u8]) -> Result<usize, Errno> {
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`, which is
    // borrowed mutably for the call.
    unsafe {
        raw::syscall3(
            Sysno::read,
            args::fd(fd.as_fd()),
            args::mut_ptr(buf.as_mut_ptr()),
            buf.len(),
        )
    }
}

/// Writes up to `buf.len()` bytes from `buf` to `fd` and returns how many were
/// written. Issues `write(2)`; blocking.
///
/// ```
/// let n = sysbridge::io::write(std::io::stderr(), b"hello world\n").unwrap();
/// assert_eq!(n, 12);
/// ```
#[inline(always)]
pub fn write(fd: impl AsFd, buf: &[u8]) -> Result<usize, Errno> {
    // SAFETY: the kernel reads at most `buf.len()` bytes from `buf`. Not a `readonly`
    // entry: writing a file changes the memory of any shared mapping of it here.
    unsafe {
        raw::syscall3(
            Sysno::write,
            args::fd(fd.as_fd()),
            args::ptr(buf.as_ptr()),
            buf.len(),
        )
    }
}

/// Reads up to `buf.len()` bytes at `offset` without moving the file offset.
/// Issues `pread64(2)`; blocking.
#[inline]
pub fn pread(fd: impl AsFd, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
    // SAFETY: the kernel writes at most `buf.len()` bytes into the borrowed `buf`.
    unsafe {
        raw::syscall4(
            Sysno::pread64,
            args::fd(fd.as_fd()),
            args::mut_ptr(buf.as_mut_ptr()),
            buf.len(),
            offset as usize,
        )
    }
}

/// Writes up to `buf.len()` bytes at `offset` without moving the file offset (on a
/// file opened with `O_APPEND`, Linux appends regardless of `offset`).
/// Issues `pwrite64(2)`; blocking.
#[inline]
pub fn pwrite(fd: impl AsFd, buf: &[u8], offset: u64) -> Result<usize, Errno> {
    // SAFETY: the kernel only reads `buf.len()` bytes from `buf` (not `readonly`: the
    // file may be mapped shared here).
    unsafe {
        raw::syscall4(
            Sysno::pwrite64,
            args::fd(fd.as_fd()),
            args::ptr(buf.as_ptr()),
            buf.len(),
            offset as usize,
        )
    }
}

/// Reads into several buffers in order, filling each before the next (scatter).
/// Issues `readv(2)`; blocking.
#[inline]
pub fn readv(fd: impl AsFd, bufs: &mut [IoSliceMut<'_>]) -> Result<usize, Errno> {
    // SAFETY: `IoSliceMut` is ABI-compatible with `struct iovec` on Unix; each one
    // borrows its buffer mutably, and the kernel writes within their lengths.
    unsafe {
        raw::syscall3(
            Sysno::readv,
            args::fd(fd.as_fd()),
            args::mut_ptr(bufs.as_mut_ptr()),
            bufs.len(),
        )
    }
}

/// Writes several buffers in order as one write (gather).
/// Issues `writev(2)`; blocking.
#[inline]
pub fn writev(fd: impl AsFd, bufs: &[IoSlice<'_>]) -> Result<usize, Errno> {
    // SAFETY: `IoSlice` is ABI-compatible with `struct iovec` on Unix; the kernel
    // only reads the iovecs and the buffers they describe (not `readonly`: the file may
    // be mapped shared here).
    unsafe {
        raw::syscall3(
            Sysno::writev,
            args::fd(fd.as_fd()),
            args::ptr(bufs.as_ptr()),
            bufs.len(),
        )
    }
}

/// Where [`lseek`] counts from: std's three origins plus Linux's holes and data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeekFrom {
    /// `SEEK_SET`: from the start of the file.
    Start(u64),
    /// `SEEK_CUR`: from the current offset.
    Current(i64),
    /// `SEEK_END`: from the end of the file.
    End(i64),
    /// `SEEK_DATA`: the first byte of data at or after the offset (`ENXIO` past it).
    Data(u64),
    /// `SEEK_HOLE`: the first hole at or after the offset (end of file counts as one).
    Hole(u64),
}

impl From<std::io::SeekFrom> for SeekFrom {
    fn from(pos: std::io::SeekFrom) -> SeekFrom {
        match pos {
            std::io::SeekFrom::Start(o) => SeekFrom::Start(o),
            std::io::SeekFrom::Current(o) => SeekFrom::Current(o),
            std::io::SeekFrom::End(o) => SeekFrom::End(o),
        }
    }
}

/// Moves the file offset and returns the new one, from the start of the file.
/// Issues `lseek(2)`; blocking.
///
/// Offsets of `2^64 - 4095` and above, which only files with unsigned offsets such as
/// `/proc/PID/mem` reach, come back from the kernel inside the error range: such a seek
/// moves the offset yet reports an error (glibc's `lseek` does the same).
///
/// ```
/// use sysbridge::io::{lseek, SeekFrom};
/// let file = std::fs::File::open("/etc/hostname").unwrap();
/// let len = file.metadata().unwrap().len();
/// assert_eq!(lseek(&file, SeekFrom::End(0)), Ok(len));
/// ```
#[inline]
pub fn lseek(fd: impl AsFd, pos: SeekFrom) -> Result<u64, Errno> {
    use linux_raw_sys::general::{SEEK_CUR, SEEK_DATA, SEEK_END, SEEK_HOLE, SEEK_SET};
    let (offset, whence) = match pos {
        SeekFrom::Start(o) => (o as i64, SEEK_SET),
        SeekFrom::Current(o) => (o, SEEK_CUR),
        SeekFrom::End(o) => (o, SEEK_END),
        SeekFrom::Data(o) => (o as i64, SEEK_DATA),
        SeekFrom::Hole(o) => (o as i64, SEEK_HOLE),
    };
    // SAFETY: lseek reads and writes no user memory.
    let off = unsafe {
        raw::syscall3_readonly(
            Sysno::lseek,
            args::fd(fd.as_fd()),
            offset as usize,
            whence as usize,
        )
    }?;
    Ok(off as u64)
}
