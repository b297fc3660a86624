//! The flag types that several file-system calls share: `O_*`, `S_I*` and `AT_*`.
//! Flags that belong to one call sit beside it.

use linux_raw_sys::general::{
    AT_EACCESS, AT_EMPTY_PATH, AT_NO_AUTOMOUNT, AT_REMOVEDIR, AT_STATX_DONT_SYNC,
    AT_STATX_FORCE_SYNC, AT_SYMLINK_FOLLOW, AT_SYMLINK_NOFOLLOW, FASYNC, O_ACCMODE, O_APPEND,
    O_CLOEXEC, O_CREAT, O_DIRECT, O_DIRECTORY, O_DSYNC, O_EXCL, O_LARGEFILE, O_NOATIME, O_NOCTTY,
    O_NOFOLLOW, O_NONBLOCK, O_PATH, O_RDONLY, O_RDWR, O_SYNC, O_TMPFILE, O_TRUNC, O_WRONLY,
    S_IRGRP, S_IROTH, S_IRUSR, S_IRWXG, S_IRWXO, S_IRWXU, S_ISGID, S_ISUID, S_ISVTX, S_IWGRP,
    S_IWOTH, S_IWUSR, S_IXGRP, S_IXOTH, S_IXUSR,
};

bitflags::bitflags! {
    /// Open flags (`O_*`): the access mode, creation flags and file status flags of
    /// [`openat`](super::openat), [`OpenHow`](super::OpenHow) and
    /// [`fcntl_getfl`](crate::fd::fcntl_getfl).
    ///
    /// The access mode is a two-bit number, not a flag: [`OFlags::RDONLY`] is zero, so
    /// `flags.contains(OFlags::RDONLY)` is always true. Compare
    /// [`OFlags::access_mode`] with `RDONLY`, `WRONLY` or `RDWR` instead.
    ///
    /// `O_CLOEXEC` is not added for you: pass [`OFlags::CLOEXEC`] unless the descriptor
    /// is meant to survive `execve` (std's `File::open` always sets it).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct OFlags: u32 {
        /// `O_RDONLY`: read only (the access mode zero).
        const RDONLY = O_RDONLY;
        /// `O_WRONLY`: write only.
        const WRONLY = O_WRONLY;
        /// `O_RDWR`: read and write.
        const RDWR = O_RDWR;
        /// `O_ACCMODE`: the two bits of the access mode.
        const ACCMODE = O_ACCMODE;
        /// `O_CREAT`: create the file if it does not exist (give a [`Mode`]).
        const CREAT = O_CREAT;
        /// `O_EXCL`: with `CREAT`, fail with `EEXIST` if the name exists.
        const EXCL = O_EXCL;
        /// `O_NOCTTY`: a terminal opened does not become the controlling terminal.
        const NOCTTY = O_NOCTTY;
        /// `O_TRUNC`: truncate a regular file opened for writing to length zero.
        const TRUNC = O_TRUNC;
        /// `O_APPEND`: every write goes to the end of the file.
        const APPEND = O_APPEND;
        /// `O_NONBLOCK`: calls that would wait fail with `EAGAIN` instead.
        const NONBLOCK = O_NONBLOCK;
        /// `O_DSYNC`: each write waits until its data (and the metadata needed to
        /// read it) is on stable storage.
        const DSYNC = O_DSYNC;
        /// `O_ASYNC` (`FASYNC`): signal-driven I/O.
        const ASYNC = FASYNC;
        /// `O_DIRECT`: transfer between the device and user memory without the page
        /// cache; buffers, offsets and lengths must be aligned (see
        /// [`AlignedBuf`](super::AlignedBuf)).
        const DIRECT = O_DIRECT;
        /// `O_LARGEFILE`: offsets beyond 2 GiB (always on for 64-bit processes, and
        /// reported by `fcntl_getfl`).
        const LARGEFILE = O_LARGEFILE;
        /// `O_DIRECTORY`: fail with `ENOTDIR` unless the path is a directory.
        const DIRECTORY = O_DIRECTORY;
        /// `O_NOFOLLOW`: fail with `ELOOP` if the last component is a symbolic link.
        const NOFOLLOW = O_NOFOLLOW;
        /// `O_NOATIME`: reads do not update the access time (owner or
        /// `CAP_FOWNER` only).
        const NOATIME = O_NOATIME;
        /// `O_CLOEXEC`: set `FD_CLOEXEC` on the new descriptor, atomically.
        const CLOEXEC = O_CLOEXEC;
        /// `O_SYNC`: each write waits until data and metadata are on stable storage
        /// (includes `DSYNC`).
        const SYNC = O_SYNC;
        /// `O_PATH`: a descriptor that only names a location, for `*at` calls and
        /// `fstat`; no reads or writes.
        const PATH = O_PATH;
        /// `O_TMPFILE`: an unnamed regular file in the directory given as path
        /// (includes `DIRECTORY`; needs `WRONLY` or `RDWR`).
        const TMPFILE = O_TMPFILE;
    }
}

impl OFlags {
    /// The access-mode bits alone: equal to [`OFlags::RDONLY`], [`OFlags::WRONLY`] or
    /// [`OFlags::RDWR`].
    ///
    /// ```
    /// use sysbridge::fs::OFlags;
    /// let flags = OFlags::WRONLY | OFlags::APPEND;
    /// assert_eq!(flags.access_mode(), OFlags::WRONLY);
    /// assert_ne!(flags.access_mode(), OFlags::RDONLY);
    /// ```
    #[inline]
    pub const fn access_mode(self) -> OFlags {
        OFlags::from_bits_retain(self.bits() & O_ACCMODE)
    }
}

bitflags::bitflags! {
    /// Permission bits of a file mode (`S_I*`): for [`openat`](super::openat) with
    /// `CREAT`, [`mkdirat`](super::mkdirat) and [`fchmod`](super::fchmod), and as read
    /// by [`Stat::permissions`](super::Stat::permissions). The process's umask clears
    /// bits of a mode given at creation.
    ///
    /// ```
    /// use sysbridge::fs::Mode;
    /// assert_eq!(Mode::RWXU | Mode::RGRP | Mode::ROTH, Mode::from_bits_retain(0o744));
    /// ```
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct Mode: u32 {
        /// `S_ISUID`: set user id on execution.
        const SUID = S_ISUID;
        /// `S_ISGID`: set group id on execution (or inherit the group, on a directory).
        const SGID = S_ISGID;
        /// `S_ISVTX`: sticky (on a directory, only owners may remove entries).
        const SVTX = S_ISVTX;
        /// `S_IRWXU`: read, write and execute for the owner.
        const RWXU = S_IRWXU;
        /// `S_IRUSR`: read for the owner.
        const RUSR = S_IRUSR;
        /// `S_IWUSR`: write for the owner.
        const WUSR = S_IWUSR;
        /// `S_IXUSR`: execute (or search) for the owner.
        const XUSR = S_IXUSR;
        /// `S_IRWXG`: read, write and execute for the group.
        const RWXG = S_IRWXG;
        /// `S_IRGRP`: read for the group.
        const RGRP = S_IRGRP;
        /// `S_IWGRP`: write for the group.
        const WGRP = S_IWGRP;
        /// `S_IXGRP`: execute (or search) for the group.
        const XGRP = S_IXGRP;
        /// `S_IRWXO`: read, write and execute for others.
        const RWXO = S_IRWXO;
        /// `S_IROTH`: read for others.
        const ROTH = S_IROTH;
        /// `S_IWOTH`: write for others.
        const WOTH = S_IWOTH;
        /// `S_IXOTH`: execute (or search) for others.
        const XOTH = S_IXOTH;
    }
}

bitflags::bitflags! {
    /// Flags of the `*at` calls (`AT_*`). Each call accepts only some of them and
    /// answers `EINVAL` for the others: [`statx`](super::statx) takes
    /// `SYMLINK_NOFOLLOW`, `EMPTY_PATH`, `NO_AUTOMOUNT` and the `STATX_*` sync flags;
    /// [`unlinkat`](super::unlinkat) takes `REMOVEDIR`; [`faccessat2`](super::faccessat2)
    /// takes `EACCESS`, `SYMLINK_NOFOLLOW` and `EMPTY_PATH`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct AtFlags: u32 {
        /// `AT_SYMLINK_NOFOLLOW`: act on a symbolic link itself, not its target.
        const SYMLINK_NOFOLLOW = AT_SYMLINK_NOFOLLOW;
        /// `AT_SYMLINK_FOLLOW`: follow a symbolic link (`linkat`).
        const SYMLINK_FOLLOW = AT_SYMLINK_FOLLOW;
        /// `AT_NO_AUTOMOUNT`: do not trigger an automount at the last component.
        const NO_AUTOMOUNT = AT_NO_AUTOMOUNT;
        /// `AT_EMPTY_PATH`: with an empty path, act on `dirfd` itself (which may be
        /// any kind of file).
        const EMPTY_PATH = AT_EMPTY_PATH;
        /// `AT_STATX_FORCE_SYNC`: make a network file system fetch fresh attributes.
        const STATX_FORCE_SYNC = AT_STATX_FORCE_SYNC;
        /// `AT_STATX_DONT_SYNC`: take whatever attributes are cached.
        const STATX_DONT_SYNC = AT_STATX_DONT_SYNC;
        /// `AT_REMOVEDIR`: [`unlinkat`](super::unlinkat) removes a directory (as
        /// `rmdir`). Same bit as `EACCESS`.
        const REMOVEDIR = AT_REMOVEDIR;
        /// `AT_EACCESS`: [`faccessat2`](super::faccessat2) checks with the effective
        /// ids instead of the real ones. Same bit as `REMOVEDIR`.
        const EACCESS = AT_EACCESS;
    }
}
