//! Files and directories: `CreateFileW` with typed access, share, disposition and flags,
//! `ReadFile`, `WriteFile`, `SetFilePointerEx`, `GetFileSizeEx`, `FlushFileBuffers`,
//! `DeleteFileW`, `CreateDirectoryW`, `RemoveDirectoryW`.
//!
//! Handles made here are synchronous: [`FileFlags`] has no `FILE_FLAG_OVERLAPPED`, and
//! [`create_file`] refuses that bit if it is smuggled in through
//! [`FileFlags::from_bits_retain`]. A read or write with no `OVERLAPPED` on an
//! overlapped handle may return before the kernel is done with the buffer; overlapped
//! I/O therefore has its own type, [`OverlappedFile`](crate::iocp::OverlappedFile).
//! Paths are anything that is `AsRef<OsStr>` (`&str`, `&Path`, `&OsStr`, …).

use std::ffi::OsStr;
use std::io::SeekFrom;

use crate::error::check;
use crate::flags::flags;
use crate::handle::{owned_or_invalid, AsHandle, AsRawHandle, OwnedHandle};
use crate::wide::WideCString;
use crate::{codes, sys, Win32Error};

flags! {
    /// What a handle may do with the file (`dwDesiredAccess`: the `GENERIC_*`, `FILE_*`
    /// and standard access rights).
    pub struct FileAccess {
        /// `GENERIC_READ`: read data, attributes and extended attributes.
        const GENERIC_READ = 0x8000_0000;
        /// `GENERIC_WRITE`: write and append data, attributes and extended attributes.
        const GENERIC_WRITE = 0x4000_0000;
        /// `GENERIC_EXECUTE`: execute, read attributes.
        const GENERIC_EXECUTE = 0x2000_0000;
        /// `GENERIC_ALL`: every right.
        const GENERIC_ALL = 0x1000_0000;
        /// `FILE_READ_DATA`.
        const FILE_READ_DATA = 0x0001;
        /// `FILE_WRITE_DATA`.
        const FILE_WRITE_DATA = 0x0002;
        /// `FILE_APPEND_DATA`: writes go to the end of the file.
        const FILE_APPEND_DATA = 0x0004;
        /// `FILE_READ_ATTRIBUTES`.
        const FILE_READ_ATTRIBUTES = 0x0080;
        /// `FILE_WRITE_ATTRIBUTES`.
        const FILE_WRITE_ATTRIBUTES = 0x0100;
        /// `DELETE`: the file may be deleted or renamed through the handle.
        const DELETE = 0x0001_0000;
        /// `READ_CONTROL`: read the security descriptor.
        const READ_CONTROL = 0x0002_0000;
        /// `SYNCHRONIZE`: wait on the handle.
        const SYNCHRONIZE = 0x0010_0000;
    }
}

flags! {
    /// What other handles to the file may do while this one is open (`dwShareMode`,
    /// `FILE_SHARE_*`); empty means exclusive.
    pub struct FileShare {
        /// `FILE_SHARE_READ`.
        const READ = 0x1;
        /// `FILE_SHARE_WRITE`.
        const WRITE = 0x2;
        /// `FILE_SHARE_DELETE`: others may delete or rename the file.
        const DELETE = 0x4;
    }
}

flags! {
    /// Attributes of a created file and flags of the handle (`dwFlagsAndAttributes`:
    /// `FILE_ATTRIBUTE_*`, `FILE_FLAG_*`), `FILE_FLAG_OVERLAPPED` excepted.
    pub struct FileFlags {
        /// `FILE_ATTRIBUTE_READONLY`.
        const ATTRIBUTE_READONLY = 0x0001;
        /// `FILE_ATTRIBUTE_HIDDEN`.
        const ATTRIBUTE_HIDDEN = 0x0002;
        /// `FILE_ATTRIBUTE_SYSTEM`.
        const ATTRIBUTE_SYSTEM = 0x0004;
        /// `FILE_ATTRIBUTE_ARCHIVE`.
        const ATTRIBUTE_ARCHIVE = 0x0020;
        /// `FILE_ATTRIBUTE_NORMAL`: no other attribute (valid only alone).
        const ATTRIBUTE_NORMAL = 0x0080;
        /// `FILE_ATTRIBUTE_TEMPORARY`: kept in memory when possible.
        const ATTRIBUTE_TEMPORARY = 0x0100;
        /// `FILE_FLAG_OPEN_REPARSE_POINT`: open a symbolic link itself.
        const FLAG_OPEN_REPARSE_POINT = 0x0020_0000;
        /// `FILE_FLAG_POSIX_SEMANTICS`: case-sensitive name lookup.
        const FLAG_POSIX_SEMANTICS = 0x0100_0000;
        /// `FILE_FLAG_BACKUP_SEMANTICS`: needed to open a directory.
        const FLAG_BACKUP_SEMANTICS = 0x0200_0000;
        /// `FILE_FLAG_DELETE_ON_CLOSE`: deleted when the last handle closes.
        const FLAG_DELETE_ON_CLOSE = 0x0400_0000;
        /// `FILE_FLAG_SEQUENTIAL_SCAN`: a caching hint.
        const FLAG_SEQUENTIAL_SCAN = 0x0800_0000;
        /// `FILE_FLAG_RANDOM_ACCESS`: a caching hint.
        const FLAG_RANDOM_ACCESS = 0x1000_0000;
        /// `FILE_FLAG_NO_BUFFERING`: no system cache; buffers and offsets must then be
        /// sector-aligned.
        const FLAG_NO_BUFFERING = 0x2000_0000;
        /// `FILE_FLAG_WRITE_THROUGH`: writes go through the cache to the disk.
        const FLAG_WRITE_THROUGH = 0x8000_0000;
    }
}

/// What `CreateFileW` does when the file exists or does not (`dwCreationDisposition`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum CreationDisposition {
    /// `CREATE_NEW`: create; `ERROR_FILE_EXISTS` if it exists.
    CreateNew = 1,
    /// `CREATE_ALWAYS`: create, or truncate an existing file.
    CreateAlways = 2,
    /// `OPEN_EXISTING`: open; `ERROR_FILE_NOT_FOUND` if it does not exist.
    OpenExisting = 3,
    /// `OPEN_ALWAYS`: open, or create if it does not exist.
    OpenAlways = 4,
    /// `TRUNCATE_EXISTING`: open and truncate (needs `GENERIC_WRITE`); fails if absent.
    TruncateExisting = 5,
}

/// Opens or creates the file `path` for synchronous I/O (`CreateFileW`, no security
/// attributes, no template). `ERROR_INVALID_PARAMETER` if `path` contains a NUL or
/// `flags` carries `FILE_FLAG_OVERLAPPED`.
pub fn create_file<P: AsRef<OsStr>>(
    path: P,
    access: FileAccess,
    share: FileShare,
    disposition: CreationDisposition,
    flags: FileFlags,
) -> Result<OwnedHandle, Win32Error> {
    if flags.bits() & sys::FILE_FLAG_OVERLAPPED != 0 {
        return Err(codes::ERROR_INVALID_PARAMETER);
    }
    create_file_raw(path.as_ref(), access, share, disposition, flags.bits())
}

/// `CreateFileW` with raw flags, the overlapped bit allowed (for
/// [`OverlappedFile`](crate::iocp::OverlappedFile)).
pub(crate) fn create_file_raw(
    path: &OsStr,
    access: FileAccess,
    share: FileShare,
    disposition: CreationDisposition,
    flags: u32,
) -> Result<OwnedHandle, Win32Error> {
    let path = WideCString::new(path)?;
    // SAFETY: `path` is NUL-terminated and lives across the call; null security
    // attributes and template are allowed. The result goes straight to
    // owned_or_invalid, with the last error untouched.
    unsafe {
        owned_or_invalid(sys::CreateFileW(
            path.as_ptr(),
            access.bits(),
            share.bits(),
            std::ptr::null_mut(),
            disposition as u32,
            flags,
            std::ptr::null_mut(),
        ))
    }
}

/// Reads into `buf` at the file pointer (`ReadFile`): the number of bytes read, 0 at
/// the end of the file. At most `u32::MAX` bytes per call.
pub fn read_file(file: impl AsHandle, buf: &mut [u8]) -> Result<usize, Win32Error> {
    let len = clamp_len(buf.len());
    let mut read = 0u32;
    // SAFETY: `buf` is writable for `len` bytes and borrowed across the call; `read` is
    // a valid out-parameter; with no OVERLAPPED on a synchronous handle the call is
    // complete when it returns (see the module documentation).
    check(unsafe {
        sys::ReadFile(
            file.as_handle().as_raw_handle(),
            buf.as_mut_ptr(),
            len,
            &mut read,
            std::ptr::null_mut(),
        )
    })?;
    Ok(read as usize)
}

/// Writes `buf` at the file pointer (`WriteFile`): the number of bytes written. At most
/// `u32::MAX` bytes per call.
pub fn write_file(file: impl AsHandle, buf: &[u8]) -> Result<usize, Win32Error> {
    let len = clamp_len(buf.len());
    let mut written = 0u32;
    // SAFETY: `buf` is readable for `len` bytes and borrowed across the call; `written`
    // is a valid out-parameter; synchronous as for read_file.
    check(unsafe {
        sys::WriteFile(
            file.as_handle().as_raw_handle(),
            buf.as_ptr(),
            len,
            &mut written,
            std::ptr::null_mut(),
        )
    })?;
    Ok(written as usize)
}

/// Moves the file pointer (`SetFilePointerEx`): the new position from the start.
/// `ERROR_NEGATIVE_SEEK` for a position before the start; an offset from the start
/// beyond `i64::MAX` is `ERROR_INVALID_PARAMETER`.
pub fn set_file_pointer(file: impl AsHandle, pos: SeekFrom) -> Result<u64, Win32Error> {
    let (distance, how) = match pos {
        SeekFrom::Start(offset) => (
            i64::try_from(offset).map_err(|_| codes::ERROR_INVALID_PARAMETER)?,
            sys::FILE_BEGIN,
        ),
        SeekFrom::Current(offset) => (offset, sys::FILE_CURRENT),
        SeekFrom::End(offset) => (offset, sys::FILE_END),
    };
    let mut new = 0i64;
    // SAFETY: the handle is open for the borrow; `new` is a valid out-parameter.
    check(unsafe {
        sys::SetFilePointerEx(file.as_handle().as_raw_handle(), distance, &mut new, how)
    })?;
    Ok(new as u64)
}

/// The file's size in bytes (`GetFileSizeEx`).
pub fn get_file_size(file: impl AsHandle) -> Result<u64, Win32Error> {
    let mut size = 0i64;
    // SAFETY: the handle is open for the borrow; `size` is a valid out-parameter.
    check(unsafe { sys::GetFileSizeEx(file.as_handle().as_raw_handle(), &mut size) })?;
    Ok(size as u64)
}

/// Writes the file's buffered data to the device (`FlushFileBuffers`).
pub fn flush_file_buffers(file: impl AsHandle) -> Result<(), Win32Error> {
    // SAFETY: the handle is open for the borrow.
    check(unsafe { sys::FlushFileBuffers(file.as_handle().as_raw_handle()) })
}

/// Deletes the file `path` (`DeleteFileW`).
pub fn delete_file<P: AsRef<OsStr>>(path: P) -> Result<(), Win32Error> {
    path_call(path.as_ref(), |p| {
        // SAFETY: `p` is a NUL-terminated path alive across the call.
        unsafe { sys::DeleteFileW(p) }
    })
}

/// Creates the directory `path` with default security (`CreateDirectoryW`);
/// `ERROR_ALREADY_EXISTS` if it exists.
pub fn create_directory<P: AsRef<OsStr>>(path: P) -> Result<(), Win32Error> {
    path_call(path.as_ref(), |p| {
        // SAFETY: `p` is a NUL-terminated path alive across the call; null security
        // attributes mean the default ones.
        unsafe { sys::CreateDirectoryW(p, std::ptr::null_mut()) }
    })
}

/// Removes the empty directory `path` (`RemoveDirectoryW`); `ERROR_DIR_NOT_EMPTY` if it
/// is not empty.
pub fn remove_directory<P: AsRef<OsStr>>(path: P) -> Result<(), Win32Error> {
    path_call(path.as_ref(), |p| {
        // SAFETY: `p` is a NUL-terminated path alive across the call.
        unsafe { sys::RemoveDirectoryW(p) }
    })
}

/// Converts `path` and calls `f` with it, turning its `BOOL` into a result.
fn path_call(path: &OsStr, f: impl FnOnce(*const u16) -> sys::BOOL) -> Result<(), Win32Error> {
    let path = WideCString::new(path)?;
    check(f(path.as_ptr()))
}

/// A buffer length as the `DWORD` `ReadFile`/`WriteFile` take: longer buffers are used
/// up to `u32::MAX` bytes, as a short read or write.
pub(crate) fn clamp_len(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}
