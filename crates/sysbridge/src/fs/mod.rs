//! Files and directories, by path and by descriptor: opening, metadata, data and
//! space, directory entries, names and links, permissions, in-kernel copies, and
//! buffers for `O_DIRECT`.
//!
//! | module part | system calls |
//! |---|---|
//! | opening | [`openat`], [`open`], [`openat2`] |
//! | metadata | [`fstat`], [`statx`] |
//! | data and space | [`fsync`], [`fdatasync`], [`ftruncate`], [`fallocate`] |
//! | directory entries | [`getdents64`], read by [`DirEntries`] and [`ReadDir`] |
//! | names | [`mkdirat`], [`unlinkat`], [`renameat2`], [`symlinkat`], [`readlinkat`] |
//! | permissions | [`fchmod`], [`faccessat`], [`faccessat2`] |
//! | copies | [`copy_file_range`], [`sendfile`] |
//! | `O_DIRECT` | [`AlignedBuf`] (no system call) |
//!
//! Every function issues exactly one system call, through the hooked entries (all of
//! these may block); the exceptions say so: [`readlinkat_path`] repeats `readlinkat`
//! only when its buffer was too small, and [`ReadDir`] makes one `getdents64` call
//! each time its buffer runs dry. Paths are [`path::Arg`](crate::path::Arg): `&str`, `&Path`,
//! `&CStr`… Relative paths of the `*at` calls start at the directory `dirfd`, or at the
//! current directory when `dirfd` is [`CWD`].
//!
//! ```
//! use sysbridge::fs::{self, Mode, OFlags};
//! use sysbridge::io;
//! let dir = tempfile::tempdir().unwrap();
//! let dirfd = fs::open(dir.path(), OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty()).unwrap();
//! let file = fs::openat(&dirfd, "hello", OFlags::CREAT | OFlags::WRONLY | OFlags::CLOEXEC,
//!                       Mode::RUSR | Mode::WUSR).unwrap();
//! io::write(&file, b"hello").unwrap();
//! assert_eq!(fs::fstat(&file).unwrap().st_size, 5);
//! ```

use std::os::fd::BorrowedFd;

use linux_raw_sys::general::AT_FDCWD;

mod copy;
mod data;
mod direct;
mod dirent;
mod flags;
mod names;
mod open;
mod perm;
mod stat;
mod xattr;

pub use self::copy::{copy_file_range, sendfile};
pub use self::data::{FallocateFlags, fallocate, fdatasync, fsync, ftruncate};
pub use self::direct::{AlignedBuf, FALLBACK_DIO_ALIGN};
pub use self::dirent::{
    DirEntries, DirEntry, MAX_READ_DIR_BUFFER_SIZE, OwnedDirEntry, READ_DIR_BUFFER_SIZE, ReadDir,
    getdents64,
};
pub use self::flags::{AtFlags, Mode, OFlags};
pub use self::names::{
    RenameFlags, mkdirat, readlinkat, readlinkat_path, renameat2, symlinkat, unlinkat,
};
pub use self::open::{OpenHow, ResolveFlags, open, openat, openat2};
pub use self::perm::{Access, faccessat, faccessat2, fchmod};
pub use self::stat::{
    DioAlign, FileType, Stat, Statx, StatxAttributes, StatxMask, StatxTimestamp, fstat, statx,
};
pub use self::xattr::getxattr;

/// The current working directory as the `dirfd` of the `*at` calls (`AT_FDCWD`): a
/// relative path is then looked up from the current directory, as by `open(2)`.
///
/// It is not a descriptor: any call that wants a real one (`fstat`, `read`, `dup`…)
/// fails with `EBADF`.
///
/// ```
/// use sysbridge::fs::{statx, AtFlags, StatxMask, CWD};
/// let st = statx(CWD, ".", AtFlags::empty(), StatxMask::TYPE).unwrap();
/// assert_eq!(st.file_type(), sysbridge::fs::FileType::Directory);
/// ```
// SAFETY: AT_FDCWD (-100) is not -1, which `BorrowedFd` reserves; it names no open
// file, so nothing can close it while borrowed, and the kernel treats it as the current
// directory in every `*at` call and as an invalid descriptor (EBADF) everywhere else.
pub const CWD: BorrowedFd<'static> = unsafe { BorrowedFd::borrow_raw(AT_FDCWD) };
