//! File metadata: `fstat(2)` into [`Stat`], `statx(2)` into [`Statx`], and the
//! [`FileType`] both encode in their mode.

use core::mem::MaybeUninit;
use std::os::fd::AsFd;

use linux_raw_sys::general::{
    DT_BLK, DT_CHR, DT_DIR, DT_FIFO, DT_LNK, DT_REG, DT_SOCK, DT_UNKNOWN, S_IFMT, STATX_ATIME,
    STATX_ATTR_APPEND, STATX_ATTR_AUTOMOUNT, STATX_ATTR_COMPRESSED, STATX_ATTR_DAX,
    STATX_ATTR_ENCRYPTED, STATX_ATTR_IMMUTABLE, STATX_ATTR_MOUNT_ROOT, STATX_ATTR_NODUMP,
    STATX_ATTR_VERITY, STATX_ATTR_WRITE_ATOMIC, STATX_BASIC_STATS, STATX_BLOCKS, STATX_BTIME,
    STATX_CTIME, STATX_DIO_READ_ALIGN, STATX_DIOALIGN, STATX_GID, STATX_INO, STATX_MNT_ID,
    STATX_MNT_ID_UNIQUE, STATX_MODE, STATX_MTIME, STATX_NLINK, STATX_SIZE, STATX_SUBVOL,
    STATX_TYPE, STATX_UID, STATX_WRITE_ATOMIC,
};

use super::{AtFlags, Mode};
use crate::path::Arg;
use crate::{Errno, Sysno, args, raw};

/// The kind of a file, from the `S_IFMT` bits of a mode or from a directory entry's
/// `d_type` (the same numbers shifted: `DT_x == S_IFx >> 12`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum FileType {
    /// `S_IFIFO` / `DT_FIFO`: a named pipe.
    Fifo = DT_FIFO as u8,
    /// `S_IFCHR` / `DT_CHR`: a character device.
    CharDevice = DT_CHR as u8,
    /// `S_IFDIR` / `DT_DIR`: a directory.
    Directory = DT_DIR as u8,
    /// `S_IFBLK` / `DT_BLK`: a block device.
    BlockDevice = DT_BLK as u8,
    /// `S_IFREG` / `DT_REG`: a regular file.
    RegularFile = DT_REG as u8,
    /// `S_IFLNK` / `DT_LNK`: a symbolic link.
    Symlink = DT_LNK as u8,
    /// `S_IFSOCK` / `DT_SOCK`: a Unix-domain socket.
    Socket = DT_SOCK as u8,
    /// `DT_UNKNOWN`: the file system did not say (call `statx` to find out), or a
    /// value this enum has no name for.
    Unknown = DT_UNKNOWN as u8,
}

impl FileType {
    /// The type in a directory entry's `d_type`.
    ///
    /// ```
    /// use sysbridge::fs::FileType;
    /// assert_eq!(FileType::from_dirent_type(4), FileType::Directory); // DT_DIR
    /// assert_eq!(FileType::from_dirent_type(200), FileType::Unknown);
    /// ```
    pub const fn from_dirent_type(d_type: u8) -> FileType {
        match d_type as u32 {
            DT_FIFO => FileType::Fifo,
            DT_CHR => FileType::CharDevice,
            DT_DIR => FileType::Directory,
            DT_BLK => FileType::BlockDevice,
            DT_REG => FileType::RegularFile,
            DT_LNK => FileType::Symlink,
            DT_SOCK => FileType::Socket,
            _ => FileType::Unknown,
        }
    }

    /// The type in the `S_IFMT` bits of `st_mode` or `stx_mode`.
    ///
    /// ```
    /// use sysbridge::fs::FileType;
    /// assert_eq!(FileType::from_mode(0o100644), FileType::RegularFile);
    /// ```
    pub const fn from_mode(mode: u32) -> FileType {
        FileType::from_dirent_type(((mode & S_IFMT) >> 12) as u8)
    }
}

/// Checks at compile time that `$ours` has the kernel type's size, alignment and field
/// offsets, so that the kernel may write one into the other.
macro_rules! same_layout {
    ($ours:ty, $kernel:ty, $($field:ident),+ $(,)?) => {
        const _: () = {
            assert!(size_of::<$ours>() == size_of::<$kernel>());
            assert!(align_of::<$ours>() == align_of::<$kernel>());
            $(assert!(
                core::mem::offset_of!($ours, $field) == core::mem::offset_of!($kernel, $field)
            );)+
        };
    };
}

/// File metadata as `fstat(2)` returns it: the x86_64 kernel's `struct stat`, field for
/// field (times are seconds and nanoseconds since the epoch).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct Stat {
    /// Device holding the file (`makedev(major, minor)` encoding).
    pub st_dev: u64,
    /// Inode number.
    pub st_ino: u64,
    /// Number of hard links.
    pub st_nlink: u64,
    /// File type and permission bits (see [`Stat::file_type`], [`Stat::permissions`]).
    pub st_mode: u32,
    /// Owner's user id.
    pub st_uid: u32,
    /// Owner's group id.
    pub st_gid: u32,
    __pad0: u32,
    /// The device a device file stands for.
    pub st_rdev: u64,
    /// Size in bytes (for a symbolic link, the length of its target).
    pub st_size: i64,
    /// Preferred block size for I/O.
    pub st_blksize: i64,
    /// Number of 512-byte blocks allocated.
    pub st_blocks: i64,
    /// Last access, seconds.
    pub st_atime: i64,
    /// Last access, nanoseconds.
    pub st_atime_nsec: i64,
    /// Last modification of the data, seconds.
    pub st_mtime: i64,
    /// Last modification of the data, nanoseconds.
    pub st_mtime_nsec: i64,
    /// Last change of the inode, seconds.
    pub st_ctime: i64,
    /// Last change of the inode, nanoseconds.
    pub st_ctime_nsec: i64,
    __unused: [i64; 3],
}

same_layout!(
    Stat,
    linux_raw_sys::general::stat,
    st_dev,
    st_ino,
    st_nlink,
    st_mode,
    st_uid,
    st_gid,
    __pad0,
    st_rdev,
    st_size,
    st_blksize,
    st_blocks,
    st_atime,
    st_atime_nsec,
    st_mtime,
    st_mtime_nsec,
    st_ctime,
    st_ctime_nsec,
    __unused,
);

impl Stat {
    /// The file type in `st_mode`.
    #[inline]
    pub const fn file_type(&self) -> FileType {
        FileType::from_mode(self.st_mode)
    }

    /// The permission bits of `st_mode` (with set-id and sticky bits).
    #[inline]
    pub const fn permissions(&self) -> Mode {
        Mode::from_bits_truncate(self.st_mode)
    }
}

/// Metadata of the file `fd` refers to. Issues `fstat(2)`; blocking.
///
/// ```
/// let file = std::fs::File::open("/etc/hostname").unwrap();
/// let st = sysbridge::fs::fstat(&file).unwrap();
/// assert_eq!(st.file_type(), sysbridge::fs::FileType::RegularFile);
/// assert_eq!(st.st_size as u64, file.metadata().unwrap().len());
/// ```
#[inline]
pub fn fstat(fd: impl AsFd) -> Result<Stat, Errno> {
    let mut st = MaybeUninit::<Stat>::zeroed();
    // SAFETY: the kernel writes one `struct stat` into `st`, which has its layout (see
    // `same_layout!`) and is borrowed mutably for the call.
    unsafe {
        raw::syscall2(
            Sysno::fstat,
            args::fd(fd.as_fd()),
            args::mut_ptr(st.as_mut_ptr()),
        )
    }?;
    // SAFETY: every field of `Stat` is an integer, so all-zero bytes (and anything the
    // kernel wrote over them) is a valid value.
    Ok(unsafe { st.assume_init() })
}

bitflags::bitflags! {
    /// Which fields [`statx`] is asked for, and which it filled (`STATX_*`; see
    /// [`Statx::mask`]). A file system may fill more or fewer than asked.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct StatxMask: u32 {
        /// `STATX_TYPE`: the type bits of `stx_mode`.
        const TYPE = STATX_TYPE;
        /// `STATX_MODE`: the permission bits of `stx_mode`.
        const MODE = STATX_MODE;
        /// `STATX_NLINK`: `stx_nlink`.
        const NLINK = STATX_NLINK;
        /// `STATX_UID`: `stx_uid`.
        const UID = STATX_UID;
        /// `STATX_GID`: `stx_gid`.
        const GID = STATX_GID;
        /// `STATX_ATIME`: `stx_atime`.
        const ATIME = STATX_ATIME;
        /// `STATX_MTIME`: `stx_mtime`.
        const MTIME = STATX_MTIME;
        /// `STATX_CTIME`: `stx_ctime`.
        const CTIME = STATX_CTIME;
        /// `STATX_INO`: `stx_ino`.
        const INO = STATX_INO;
        /// `STATX_SIZE`: `stx_size`.
        const SIZE = STATX_SIZE;
        /// `STATX_BLOCKS`: `stx_blocks`.
        const BLOCKS = STATX_BLOCKS;
        /// `STATX_BASIC_STATS`: everything `fstat` gives.
        const BASIC_STATS = STATX_BASIC_STATS;
        /// `STATX_BTIME`: `stx_btime`, the creation time.
        const BTIME = STATX_BTIME;
        /// `STATX_MNT_ID`: `stx_mnt_id`.
        const MNT_ID = STATX_MNT_ID;
        /// `STATX_DIOALIGN`: `stx_dio_mem_align` and `stx_dio_offset_align` (Linux
        /// 6.1), the `O_DIRECT` alignments; see [`Statx::dio_alignment`].
        const DIOALIGN = STATX_DIOALIGN;
        /// `STATX_MNT_ID_UNIQUE`: `stx_mnt_id` as a unique, never reused id.
        const MNT_ID_UNIQUE = STATX_MNT_ID_UNIQUE;
        /// `STATX_SUBVOL`: `stx_subvol`.
        const SUBVOL = STATX_SUBVOL;
        /// `STATX_WRITE_ATOMIC`: the `stx_atomic_write_*` fields.
        const WRITE_ATOMIC = STATX_WRITE_ATOMIC;
        /// `STATX_DIO_READ_ALIGN`: `stx_dio_read_offset_align`.
        const DIO_READ_ALIGN = STATX_DIO_READ_ALIGN;
    }
}

bitflags::bitflags! {
    /// File attributes in [`Statx::attributes`] (`STATX_ATTR_*`); which of them the
    /// file system knows is in `stx_attributes_mask`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct StatxAttributes: u64 {
        /// `STATX_ATTR_COMPRESSED`: compressed by the file system.
        const COMPRESSED = STATX_ATTR_COMPRESSED as u64;
        /// `STATX_ATTR_IMMUTABLE`: cannot be modified, deleted or renamed.
        const IMMUTABLE = STATX_ATTR_IMMUTABLE as u64;
        /// `STATX_ATTR_APPEND`: can only be opened for appending.
        const APPEND = STATX_ATTR_APPEND as u64;
        /// `STATX_ATTR_NODUMP`: not a candidate for backup.
        const NODUMP = STATX_ATTR_NODUMP as u64;
        /// `STATX_ATTR_ENCRYPTED`: needs a key to be decrypted.
        const ENCRYPTED = STATX_ATTR_ENCRYPTED as u64;
        /// `STATX_ATTR_AUTOMOUNT`: an automount trigger.
        const AUTOMOUNT = STATX_ATTR_AUTOMOUNT as u64;
        /// `STATX_ATTR_MOUNT_ROOT`: the root of a mount.
        const MOUNT_ROOT = STATX_ATTR_MOUNT_ROOT as u64;
        /// `STATX_ATTR_VERITY`: protected by fs-verity.
        const VERITY = STATX_ATTR_VERITY as u64;
        /// `STATX_ATTR_DAX`: in DAX (direct access) state.
        const DAX = STATX_ATTR_DAX as u64;
        /// `STATX_ATTR_WRITE_ATOMIC`: supports atomic (untorn) writes.
        const WRITE_ATOMIC = STATX_ATTR_WRITE_ATOMIC as u64;
    }
}

/// A time in [`Statx`]: the kernel's `struct statx_timestamp`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(C)]
pub struct StatxTimestamp {
    /// Seconds since the epoch.
    pub tv_sec: i64,
    /// Nanoseconds, `0..1_000_000_000`.
    pub tv_nsec: u32,
    __reserved: i32,
}

same_layout!(
    StatxTimestamp,
    linux_raw_sys::general::statx_timestamp,
    tv_sec,
    tv_nsec,
    __reserved,
);

/// File metadata as `statx(2)` returns it: the kernel's `struct statx`, field for
/// field. Only the fields named in [`Statx::mask`] hold values; the others are zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct Statx {
    /// Which fields were filled (`STATX_*`); see [`Statx::mask`].
    pub stx_mask: u32,
    /// Preferred block size for I/O.
    pub stx_blksize: u32,
    /// File attributes (`STATX_ATTR_*`); see [`Statx::attributes`].
    pub stx_attributes: u64,
    /// Number of hard links.
    pub stx_nlink: u32,
    /// Owner's user id.
    pub stx_uid: u32,
    /// Owner's group id.
    pub stx_gid: u32,
    /// File type and permission bits.
    pub stx_mode: u16,
    __spare0: [u16; 1],
    /// Inode number.
    pub stx_ino: u64,
    /// Size in bytes.
    pub stx_size: u64,
    /// Number of 512-byte blocks allocated.
    pub stx_blocks: u64,
    /// Which bits of `stx_attributes` the file system supports.
    pub stx_attributes_mask: u64,
    /// Last access.
    pub stx_atime: StatxTimestamp,
    /// Creation.
    pub stx_btime: StatxTimestamp,
    /// Last change of the inode.
    pub stx_ctime: StatxTimestamp,
    /// Last modification of the data.
    pub stx_mtime: StatxTimestamp,
    /// Major number of the device a device file stands for.
    pub stx_rdev_major: u32,
    /// Minor number of the device a device file stands for.
    pub stx_rdev_minor: u32,
    /// Major number of the device holding the file.
    pub stx_dev_major: u32,
    /// Minor number of the device holding the file.
    pub stx_dev_minor: u32,
    /// Mount id (unique with `MNT_ID_UNIQUE`).
    pub stx_mnt_id: u64,
    /// `O_DIRECT` alignment of user buffers, in bytes (0: no `O_DIRECT`).
    pub stx_dio_mem_align: u32,
    /// `O_DIRECT` alignment of file offsets and lengths, in bytes (0: no `O_DIRECT`).
    pub stx_dio_offset_align: u32,
    /// Subvolume id.
    pub stx_subvol: u64,
    /// Smallest atomic write, in bytes.
    pub stx_atomic_write_unit_min: u32,
    /// Largest atomic write, in bytes.
    pub stx_atomic_write_unit_max: u32,
    /// Largest number of segments (iovecs) in an atomic write.
    pub stx_atomic_write_segments_max: u32,
    /// `O_DIRECT` alignment of file offsets and lengths for reads (0: as
    /// `stx_dio_offset_align`).
    pub stx_dio_read_offset_align: u32,
    /// Largest atomic write the file system handles well, in bytes.
    pub stx_atomic_write_unit_max_opt: u32,
    __spare2: [u32; 1],
    __spare3: [u64; 8],
}

same_layout!(
    Statx,
    linux_raw_sys::general::statx,
    stx_mask,
    stx_blksize,
    stx_attributes,
    stx_nlink,
    stx_uid,
    stx_gid,
    stx_mode,
    __spare0,
    stx_ino,
    stx_size,
    stx_blocks,
    stx_attributes_mask,
    stx_atime,
    stx_btime,
    stx_ctime,
    stx_mtime,
    stx_rdev_major,
    stx_rdev_minor,
    stx_dev_major,
    stx_dev_minor,
    stx_mnt_id,
    stx_dio_mem_align,
    stx_dio_offset_align,
    stx_subvol,
    stx_atomic_write_unit_min,
    stx_atomic_write_unit_max,
    stx_atomic_write_segments_max,
    stx_dio_read_offset_align,
    stx_atomic_write_unit_max_opt,
    __spare2,
    __spare3,
);

/// The alignments `O_DIRECT` needs for one file, from [`Statx::dio_alignment`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DioAlign {
    /// Alignment of user buffers in memory, in bytes: the `align` of an
    /// [`AlignedBuf`](super::AlignedBuf).
    pub mem: usize,
    /// Alignment of file offsets and transfer lengths, in bytes.
    pub offset: usize,
}

impl Statx {
    /// The fields that were filled.
    #[inline]
    pub const fn mask(&self) -> StatxMask {
        StatxMask::from_bits_retain(self.stx_mask)
    }

    /// The file type in `stx_mode` (valid with [`StatxMask::TYPE`]).
    #[inline]
    pub const fn file_type(&self) -> FileType {
        FileType::from_mode(self.stx_mode as u32)
    }

    /// The permission bits of `stx_mode` (valid with [`StatxMask::MODE`]).
    #[inline]
    pub const fn permissions(&self) -> Mode {
        Mode::from_bits_truncate(self.stx_mode as u32)
    }

    /// The file attributes that are set.
    #[inline]
    pub const fn attributes(&self) -> StatxAttributes {
        StatxAttributes::from_bits_retain(self.stx_attributes)
    }

    /// The `O_DIRECT` alignments, when [`StatxMask::DIOALIGN`] was asked for and
    /// filled and the file supports `O_DIRECT` (both alignments non-zero); `None`
    /// otherwise: then either `O_DIRECT` is unsupported or the kernel (before 6.1) or
    /// file system does not say, and
    /// [`FALLBACK_DIO_ALIGN`](super::FALLBACK_DIO_ALIGN) is the usual guess.
    #[inline]
    pub const fn dio_alignment(&self) -> Option<DioAlign> {
        if !self.mask().contains(StatxMask::DIOALIGN)
            || self.stx_dio_mem_align == 0
            || self.stx_dio_offset_align == 0
        {
            return None;
        }
        Some(DioAlign {
            mem: self.stx_dio_mem_align as usize,
            offset: self.stx_dio_offset_align as usize,
        })
    }
}

/// Metadata of the file at `path` relative to `dirfd` (or, with an empty path and
/// [`AtFlags::EMPTY_PATH`], of `dirfd` itself), with the fields in `mask` asked for.
/// Issues `statx(2)`; blocking.
///
/// `flags` may hold `SYMLINK_NOFOLLOW` (describe a symbolic link itself),
/// `EMPTY_PATH`, `NO_AUTOMOUNT` and one of the `STATX_*_SYNC` flags.
///
/// ```
/// use sysbridge::fs::{statx, AtFlags, FileType, StatxMask, CWD};
/// let file = std::fs::File::open("/etc/hostname").unwrap();
/// let st = statx(&file, "", AtFlags::EMPTY_PATH, StatxMask::BASIC_STATS).unwrap();
/// assert!(st.mask().contains(StatxMask::SIZE));
/// assert_eq!(st.stx_size, file.metadata().unwrap().len());
/// let link = statx(CWD, "/proc/self", AtFlags::SYMLINK_NOFOLLOW, StatxMask::TYPE).unwrap();
/// assert_eq!(link.file_type(), FileType::Symlink);
/// ```
#[inline]
pub fn statx(
    dirfd: impl AsFd,
    path: impl Arg,
    flags: AtFlags,
    mask: StatxMask,
) -> Result<Statx, Errno> {
    let dirfd = dirfd.as_fd();
    path.with_c_str(|path| {
        let mut stx = MaybeUninit::<Statx>::zeroed();
        // SAFETY: the kernel reads the NUL-terminated `path` and writes one
        // `struct statx` into `stx`, which has its layout (see `same_layout!`) and is
        // borrowed mutably for the call.
        unsafe {
            raw::syscall5(
                Sysno::statx,
                args::fd(dirfd),
                args::ptr(path.as_ptr()),
                flags.bits() as usize,
                mask.bits() as usize,
                args::mut_ptr(stx.as_mut_ptr()),
            )
        }?;
        // SAFETY: every field of `Statx` is an integer, so all-zero bytes (and
        // anything the kernel wrote over them) is a valid value.
        Ok(unsafe { stx.assume_init() })
    })
}
