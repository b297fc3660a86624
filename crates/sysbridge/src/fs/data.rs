//! A file's data on storage and the space it takes: `fsync(2)`, `fdatasync(2)`,
//! `ftruncate(2)`, `fallocate(2)`.

use std::os::fd::AsFd;

use linux_raw_sys::general::{
    FALLOC_FL_COLLAPSE_RANGE, FALLOC_FL_INSERT_RANGE, FALLOC_FL_KEEP_SIZE, FALLOC_FL_NO_HIDE_STALE,
    FALLOC_FL_PUNCH_HOLE, FALLOC_FL_UNSHARE_RANGE, FALLOC_FL_WRITE_ZEROES, FALLOC_FL_ZERO_RANGE,
};

use crate::{Errno, Sysno, args, raw};

/// Waits until the data and metadata of the file `fd` refers to are on stable storage.
/// Issues `fsync(2)`; blocking. `EINVAL` for files that cannot be synced (pipes,
/// sockets).
///
/// ```
/// let file = tempfile::tempfile().unwrap();
/// sysbridge::fs::fsync(&file).unwrap();
/// ```
#[inline]
pub fn fsync(fd: impl AsFd) -> Result<(), Errno> {
    // SAFETY: fsync touches no user memory.
    unsafe { raw::syscall1_readonly(Sysno::fsync, args::fd(fd.as_fd())) }?;
    Ok(())
}

/// Like [`fsync`], but skips metadata that reading the data back does not need (such
/// as the modification time). Issues `fdatasync(2)`; blocking.
#[inline]
pub fn fdatasync(fd: impl AsFd) -> Result<(), Errno> {
    // SAFETY: fdatasync touches no user memory.
    unsafe { raw::syscall1_readonly(Sysno::fdatasync, args::fd(fd.as_fd())) }?;
    Ok(())
}

/// Sets the size of the regular file `fd` (open for writing) to `len` bytes, cutting
/// or extending it with zeros. Issues `ftruncate(2)`; blocking. `EINVAL` for a `len`
/// above `i64::MAX` or a descriptor not open for writing.
///
/// ```
/// let file = tempfile::tempfile().unwrap();
/// sysbridge::fs::ftruncate(&file, 4096).unwrap();
/// assert_eq!(file.metadata().unwrap().len(), 4096);
/// ```
#[inline]
pub fn ftruncate(fd: impl AsFd, len: u64) -> Result<(), Errno> {
    // SAFETY: ftruncate reads no user memory. Not `readonly`: shrinking zeroes the
    // tail of a shared mapping of the file in this process.
    unsafe { raw::syscall2(Sysno::ftruncate, args::fd(fd.as_fd()), len as usize) }?;
    Ok(())
}

bitflags::bitflags! {
    /// What [`fallocate`] does (`FALLOC_FL_*`). No flags (the default) allocates the
    /// range, growing the file if it ends beyond it (`FALLOC_FL_ALLOCATE_RANGE`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct FallocateFlags: u32 {
        /// `FALLOC_FL_KEEP_SIZE`: allocate without changing the file size.
        const KEEP_SIZE = FALLOC_FL_KEEP_SIZE;
        /// `FALLOC_FL_PUNCH_HOLE`: free the range, which then reads as zeros (needs
        /// `KEEP_SIZE`, else `EOPNOTSUPP`).
        const PUNCH_HOLE = FALLOC_FL_PUNCH_HOLE;
        /// `FALLOC_FL_NO_HIDE_STALE`: reserved; no mainline file system accepts it.
        const NO_HIDE_STALE = FALLOC_FL_NO_HIDE_STALE;
        /// `FALLOC_FL_COLLAPSE_RANGE`: remove the range and shift the rest down
        /// (block-aligned range).
        const COLLAPSE_RANGE = FALLOC_FL_COLLAPSE_RANGE;
        /// `FALLOC_FL_ZERO_RANGE`: make the range read as zeros, allocated.
        const ZERO_RANGE = FALLOC_FL_ZERO_RANGE;
        /// `FALLOC_FL_INSERT_RANGE`: insert a hole at the offset, shifting the rest
        /// up (block-aligned range).
        const INSERT_RANGE = FALLOC_FL_INSERT_RANGE;
        /// `FALLOC_FL_UNSHARE_RANGE`: unshare copy-on-write blocks in the range.
        const UNSHARE_RANGE = FALLOC_FL_UNSHARE_RANGE;
        /// `FALLOC_FL_WRITE_ZEROES`: zero the range with the device's write-zeroes
        /// command, leaving it allocated and written (recent kernels only).
        const WRITE_ZEROES = FALLOC_FL_WRITE_ZEROES;
    }
}

/// Allocates, frees or zeroes `len` bytes of the file `fd` from `offset`, as `flags`
/// say. Issues `fallocate(2)`; blocking. `EINVAL` for a zero `len`; `EOPNOTSUPP` where
/// the file system lacks the operation.
///
/// ```
/// use sysbridge::fs::{fallocate, FallocateFlags};
/// let file = tempfile::tempfile().unwrap();
/// fallocate(&file, FallocateFlags::empty(), 0, 8192).unwrap();
/// assert_eq!(file.metadata().unwrap().len(), 8192);
/// ```
#[inline]
pub fn fallocate(fd: impl AsFd, flags: FallocateFlags, offset: u64, len: u64) -> Result<(), Errno> {
    // SAFETY: fallocate reads no user memory. Not `readonly`: punching or zeroing a
    // range changes any shared mapping of it in this process.
    unsafe {
        raw::syscall4(
            Sysno::fallocate,
            args::fd(fd.as_fd()),
            flags.bits() as usize,
            offset as usize,
            len as usize,
        )
    }?;
    Ok(())
}
