//! [`Dir`]: a directory handle that opens, reads, walks and narrows, and that no path
//! can escape. The counterpart of Go's `fs.FS` (`Open`, `ReadFile`, `ReadDir`, `Stat`,
//! `ReadLink`), `fs.Sub` and `fs.WalkDir`, with a guarantee Go's `os.DirFS` lacks: the
//! kernel, not a string check, keeps every lookup inside the directory.
//!
//! # Confinement
//!
//! Every path given to a [`Dir`] method is resolved by `openat2(2)` relative to the
//! handle's descriptor with `RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS`. The kernel then
//! refuses, with [`Errno::EXDEV`], any lookup that would leave the directory at any step:
//! an absolute path, a `..` above the handle, a symbolic link whose target is absolute
//! or climbs out (however many links the chain has). Lookups that stay inside work as
//! usual: `a/../b`, and symbolic links whose targets resolve inside. `/proc`-style
//! magic links (`/proc/self/fd/N`, `/proc/self/cwd`) are refused with
//! [`Errno::ELOOP`]. Since the check is made by the kernel during the lookup itself,
//! there is no window between a check and a use for a concurrent rename to exploit.
//!
//! The root itself may be anywhere: [`Dir::open`] resolves its path as `open(2)`
//! does. A handle from [`Dir::sub`] is a root of its own: nothing through it reaches
//! its parent, even though the parent is a real directory inside the first handle.
//!
//! A `..` that the kernel cannot prove to stay inside, because a rename or a mount
//! happened somewhere in the system during the lookup, fails with [`Errno::EAGAIN`];
//! every method then tries again, up to 16 calls in all, before it gives that answer
//! (so an `O_NONBLOCK` open that meets a lease, which also answers `EAGAIN`, costs 16
//! calls). The confinement is that of a lookup: a directory that is renamed out of the
//! tree while a [`Walk`] holds it open is still walked (its contents moved with it;
//! nothing that was outside is reached through it).
//!
//! # Kernel requirement
//!
//! `openat2` appeared in Linux 5.6. On older kernels (and where a seccomp filter denies
//! it) every method that takes a path fails with [`Errno::ENOSYS`] (or the filter's
//! error), and a [`Walk`] reports that error for its root: nothing falls back to
//! `openat`, which could not keep a lookup inside.
//!
//! # System calls
//!
//! | method | system calls |
//! |---|---|
//! | [`Dir::open`] | `openat` |
//! | [`Dir::from_fd`] | `fstat` |
//! | [`Dir::open_file`], [`Dir::open_with`], [`Dir::sub`] | `openat2` |
//! | [`Dir::read_file`] | `openat2`, `fstat`, `read` until it returns 0 |
//! | [`Dir::read_dir`] | `openat2`, `getdents64` until the end |
//! | [`Dir::stat`], [`Dir::lstat`] | `openat2` (`O_PATH`), `statx` (`AT_EMPTY_PATH`) |
//! | [`Dir::read_link`] | `openat2` (`O_PATH \| O_NOFOLLOW`), `readlinkat` (empty path) |
//! | [`Dir::walk`] | per directory: `openat2`, `getdents64` until the end |
//!
//! (`openat2` is issued again when it answers `EAGAIN`; see above.)
//!
//! Where a file system leaves an entry's type unknown (`DT_UNKNOWN`), reading the
//! directory adds one `statx` of that entry (by its name, not followed).
//!
//! ```
//! use sysbridge::dir::Dir;
//! use sysbridge::Errno;
//! let tree = std::env::temp_dir().join(format!("sysbridge-dir-doc-{}", std::process::id()));
//! std::fs::create_dir_all(tree.join("docs")).unwrap();
//! std::fs::write(tree.join("docs/hello.txt"), "hello").unwrap();
//!
//! let dir = Dir::open(&tree).unwrap();
//! assert_eq!(dir.read_file("docs/hello.txt").unwrap(), b"hello");
//! assert_eq!(dir.read_file("docs/../docs/hello.txt").unwrap(), b"hello");
//! assert_eq!(dir.read_file("/etc/passwd").unwrap_err(), Errno::EXDEV);
//! let docs = dir.sub("docs").unwrap();
//! assert_eq!(docs.read_file("../docs/hello.txt").unwrap_err(), Errno::EXDEV);
//!
//! std::fs::remove_dir_all(&tree).unwrap();
//! ```

use std::ffi::OsString;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::PathBuf;

use crate::Errno;
use crate::fs::{
    self, AtFlags, FileType, Mode, OFlags, OpenHow, ReadDir, ResolveFlags, Statx, StatxMask,
};
use crate::io;
use crate::path::Arg;

mod walk;

pub use self::walk::{Walk, WalkEntry, WalkError};

/// How every path given to a [`Dir`] is resolved.
const RESOLVE: ResolveFlags = ResolveFlags::BENEATH.union(ResolveFlags::NO_MAGICLINKS);

/// How many times a lookup is tried while the kernel answers `EAGAIN` (it could not
/// prove that a `..` stayed inside, because a rename or a mount happened somewhere in
/// the system during the lookup). Under a storm of renames a few percent of such
/// lookups fail once; a second try almost always succeeds.
const EAGAIN_ATTEMPTS: u32 = 16;

/// Opens `path` beneath `dir` with `flags` (and `O_CLOEXEC`) and `mode`: the one door
/// through which every path given to this module reaches the kernel. Retries on
/// `EAGAIN`, up to [`EAGAIN_ATTEMPTS`] calls in all: a lookup's `EAGAIN` comes before
/// anything is opened or created, so a retry changes nothing.
fn open_beneath(
    dir: BorrowedFd<'_>,
    path: impl Arg,
    flags: OFlags,
    mode: Mode,
) -> Result<OwnedFd, Errno> {
    let how = OpenHow {
        flags: flags | OFlags::CLOEXEC,
        mode,
        resolve: RESOLVE,
    };
    path.with_c_str(|path| {
        let mut attempts = 1;
        loop {
            match fs::openat2(dir, path, &how) {
                Err(Errno::EAGAIN) if attempts < EAGAIN_ATTEMPTS => attempts += 1,
                result => return result,
            }
        }
    })
}

/// One entry of a directory, as [`Dir::read_dir`] lists it (Go's `fs.DirEntry`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Entry {
    /// The name, without any directory part; never `.` or `..`.
    pub name: OsString,
    /// The type of the entry itself (a symbolic link is [`FileType::Symlink`], whatever
    /// it points to). Never [`FileType::Unknown`] unless the file system reports a type
    /// this crate has no name for.
    pub file_type: FileType,
    /// The inode number.
    pub ino: u64,
}

/// The entries of the directory `dir` (a descriptor of its own, read from its current
/// offset), without `.` and `..`, sorted by name bytes. An entry whose type the file
/// system left unknown gets it from `statx` of its name, not followed (an entry removed
/// in between is left out, as if it had never been listed).
fn read_entries(dir: BorrowedFd<'_>) -> Result<Vec<Entry>, Errno> {
    let mut entries = Vec::new();
    let mut reader = ReadDir::new(dir);
    while let Some(entry) = reader.next_entry() {
        let entry = entry?;
        if entry.is_dot_or_dot_dot() {
            continue;
        }
        let file_type = match entry.file_type {
            FileType::Unknown => {
                match fs::statx(dir, entry.name, AtFlags::SYMLINK_NOFOLLOW, StatxMask::TYPE) {
                    Ok(st) => st.file_type(),
                    Err(Errno::ENOENT) => continue,
                    Err(e) => return Err(e),
                }
            }
            known => known,
        };
        entries.push(Entry {
            name: entry.file_name().to_owned(),
            file_type,
            ino: entry.ino,
        });
    }
    entries.sort_unstable_by(|a, b| a.name.cmp(&b.name));
    Ok(entries)
}

/// Smallest buffer [`Dir::read_file`] reads into, and smallest step it grows by.
const READ_FILE_MIN: usize = 512;

/// Reads `file` from its offset to its end into a new vector, starting with room for
/// `size_hint` bytes and one more (so that the `read` that finds the end needs no
/// growth), then doubling. Restarts a `read` interrupted by a signal (`EINTR`), since
/// what was read so far would otherwise be lost. Memory that cannot be had is `ENOMEM`.
fn read_to_end(file: BorrowedFd<'_>, size_hint: usize) -> Result<Vec<u8>, Errno> {
    let mut buf = Vec::new();
    let mut filled = 0;
    loop {
        if filled == buf.len() {
            let more = match buf.len() {
                0 => size_hint.saturating_add(1),
                len => len,
            };
            buf.try_reserve_exact(more.max(READ_FILE_MIN))
                .map_err(|_| Errno::ENOMEM)?;
            buf.resize(buf.capacity(), 0);
        }
        match io::read(file, &mut buf[filled..]) {
            Ok(0) => {
                buf.truncate(filled);
                return Ok(buf);
            }
            Ok(n) => filled += n,
            Err(Errno::EINTR) => {}
            Err(e) => return Err(e),
        }
    }
}

/// A directory, held open, through which files are reached by paths that cannot lead
/// out of it (see the [module documentation](self) for the guarantee and its limits).
///
/// It owns a descriptor of the directory: from [`Dir::open`], `O_RDONLY | O_DIRECTORY |
/// O_CLOEXEC`; from [`Dir::from_fd`], whatever the caller opened (an `O_PATH`
/// descriptor works too). Every method takes `&self`, so a `Dir` can be shared between
/// threads; each opens what it needs afresh and shares no file offset with another.
///
/// ```
/// use sysbridge::dir::Dir;
/// use sysbridge::fs::FileType;
/// let etc = Dir::open("/etc").unwrap();
/// assert_eq!(etc.stat(".").unwrap().file_type(), FileType::Directory);
/// assert_eq!(etc.open_file("../etc/hostname").unwrap_err(), sysbridge::Errno::EXDEV);
/// ```
#[derive(Debug)]
pub struct Dir {
    fd: OwnedFd,
}

impl Dir {
    /// Opens the directory at `path` (relative to the current directory, or absolute;
    /// symbolic links on the way are followed, as by `open(2)`): the root of the new
    /// handle may be anywhere. Issues `openat(2)` with `O_RDONLY | O_DIRECTORY |
    /// O_CLOEXEC`; blocking.
    ///
    /// `ENOTDIR` when `path` is not a directory, `ENOENT` when it does not exist,
    /// `EINVAL` when it holds a NUL byte.
    ///
    /// ```
    /// use sysbridge::dir::Dir;
    /// use sysbridge::Errno;
    /// assert!(Dir::open("/").is_ok());
    /// assert_eq!(Dir::open("/etc/hostname").unwrap_err(), Errno::ENOTDIR);
    /// assert_eq!(Dir::open("/no\0where").unwrap_err(), Errno::EINVAL);
    /// ```
    pub fn open(path: impl Arg) -> Result<Dir, Errno> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        fs::open(path, flags, Mode::empty()).map(|fd| Dir { fd })
    }

    /// A handle on the directory `fd` refers to, which may have been opened in any way
    /// (`O_PATH` included). Issues `fstat(2)` to check that it is a directory:
    /// `ENOTDIR` when it is not, and the descriptor is then closed.
    ///
    /// ```
    /// use sysbridge::dir::Dir;
    /// use sysbridge::fs::{open, Mode, OFlags};
    /// let fd = open("/etc", OFlags::PATH | OFlags::CLOEXEC, Mode::empty()).unwrap();
    /// let etc = Dir::from_fd(fd).unwrap();
    /// assert!(etc.read_file("hostname").is_ok());
    /// let file = open("/etc/hostname", OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty()).unwrap();
    /// assert_eq!(Dir::from_fd(file).unwrap_err(), sysbridge::Errno::ENOTDIR);
    /// ```
    pub fn from_fd(fd: OwnedFd) -> Result<Dir, Errno> {
        match fs::fstat(&fd)?.file_type() {
            FileType::Directory => Ok(Dir { fd }),
            _ => Err(Errno::ENOTDIR),
        }
    }

    /// The descriptor, given back.
    pub fn into_fd(self) -> OwnedFd {
        self.fd
    }

    /// Opens `path` beneath this directory for reading, following symbolic links that
    /// stay inside, with `O_CLOEXEC` (Go's `fs.FS.Open`). Issues `openat2(2)`; blocking.
    ///
    /// ```
    /// use sysbridge::dir::Dir;
    /// let etc = Dir::open("/etc").unwrap();
    /// let file = etc.open_file("hostname").unwrap();
    /// assert!(sysbridge::io::read(&file, &mut [0u8; 16]).is_ok());
    /// ```
    pub fn open_file(&self, path: impl Arg) -> Result<OwnedFd, Errno> {
        self.open_with(path, OFlags::RDONLY, Mode::empty())
    }

    /// Opens (or with [`OFlags::CREAT`] creates) `path` beneath this directory with the
    /// caller's `flags`, to which `O_CLOEXEC` is added, and `mode`. Issues
    /// `openat2(2)`; blocking.
    ///
    /// `openat2` is stricter than `openat`: a non-empty `mode` without `CREAT` or
    /// `TMPFILE` is `EINVAL`, as are unknown flag bits. A file is created only beneath
    /// this directory: a dangling symbolic link whose target is outside is `EXDEV`, not
    /// a new file there.
    ///
    /// ```
    /// use sysbridge::dir::Dir;
    /// use sysbridge::fs::{Mode, OFlags};
    /// let tmp = std::env::temp_dir().join(format!("sysbridge-dir-doc-open-with-{}", std::process::id()));
    /// std::fs::create_dir_all(&tmp).unwrap();
    /// let dir = Dir::open(&tmp).unwrap();
    /// let file = dir.open_with("new", OFlags::WRONLY | OFlags::CREAT, Mode::RUSR | Mode::WUSR).unwrap();
    /// sysbridge::io::write(&file, b"made inside").unwrap();
    /// assert_eq!(dir.read_file("new").unwrap(), b"made inside");
    /// std::fs::remove_dir_all(&tmp).unwrap();
    /// ```
    pub fn open_with(&self, path: impl Arg, flags: OFlags, mode: Mode) -> Result<OwnedFd, Errno> {
        open_beneath(self.fd.as_fd(), path, flags, mode)
    }

    /// The whole content of the file at `path` beneath this directory (Go's
    /// `fs.ReadFile`). Issues `openat2(2)`, `fstat(2)` for the size to expect, then
    /// `read(2)` until it returns 0 (restarted when a signal interrupts it); blocking.
    ///
    /// Files whose size says nothing (those of `/proc` and `/sys`) are read all the
    /// same, the buffer doubling as it fills. `EISDIR` for a directory, `ENOMEM` when
    /// the memory cannot be had.
    ///
    /// ```
    /// use sysbridge::dir::Dir;
    /// let kernel = Dir::open("/proc/sys/kernel").unwrap();
    /// assert_eq!(kernel.read_file("ostype").unwrap(), b"Linux\n");
    /// ```
    pub fn read_file(&self, path: impl Arg) -> Result<Vec<u8>, Errno> {
        let file = self.open_file(path)?;
        let size = usize::try_from(fs::fstat(&file)?.st_size).unwrap_or(0);
        read_to_end(file.as_fd(), size)
    }

    /// The entries of the directory at `path` beneath this one, without `.` and `..`,
    /// sorted by name bytes (Go's `fs.ReadDir`). Issues `openat2(2)`, then
    /// `getdents64(2)` until the end of the directory (and `statx(2)` for an entry of
    /// unknown type); blocking.
    ///
    /// `ENOTDIR` when `path` is not a directory.
    ///
    /// ```
    /// use sysbridge::dir::Dir;
    /// let root = Dir::open("/").unwrap();
    /// let names: Vec<_> = root.read_dir("proc/self").unwrap().into_iter().map(|e| e.name).collect();
    /// assert!(names.iter().any(|n| n == "status"));
    /// assert!(names.is_sorted());
    /// ```
    pub fn read_dir(&self, path: impl Arg) -> Result<Vec<Entry>, Errno> {
        let dir = self.open_with(path, OFlags::RDONLY | OFlags::DIRECTORY, Mode::empty())?;
        read_entries(dir.as_fd())
    }

    /// Metadata of the file at `path` beneath this directory, following a final
    /// symbolic link that stays inside (Go's `fs.Stat`). No `statx` flag confines a
    /// lookup, so this issues `openat2(2)` with `O_PATH`, then `statx(2)` of that
    /// descriptor (`AT_EMPTY_PATH`, [`StatxMask::BASIC_STATS`]); blocking.
    ///
    /// ```
    /// use sysbridge::dir::Dir;
    /// use sysbridge::fs::FileType;
    /// let etc = Dir::open("/etc").unwrap();
    /// let st = etc.stat("hostname").unwrap();
    /// assert_eq!(st.file_type(), FileType::RegularFile);
    /// assert_eq!(st.stx_size, std::fs::metadata("/etc/hostname").unwrap().len());
    /// ```
    pub fn stat(&self, path: impl Arg) -> Result<Statx, Errno> {
        self.statx_of(path, OFlags::PATH)
    }

    /// Metadata of the file at `path` beneath this directory without following a final
    /// symbolic link: the link itself is described (Go's `ReadLinkFS.Lstat`). Issues
    /// `openat2(2)` with `O_PATH | O_NOFOLLOW`, then `statx(2)` of that descriptor;
    /// blocking.
    ///
    /// ```
    /// use sysbridge::dir::Dir;
    /// use sysbridge::fs::FileType;
    /// let proc = Dir::open("/proc").unwrap();
    /// assert_eq!(proc.lstat("self").unwrap().file_type(), FileType::Symlink);
    /// assert_eq!(proc.stat("self").unwrap().file_type(), FileType::Directory);
    /// ```
    pub fn lstat(&self, path: impl Arg) -> Result<Statx, Errno> {
        self.statx_of(path, OFlags::PATH | OFlags::NOFOLLOW)
    }

    /// `statx` of what `open_with(path, flags)` opens.
    fn statx_of(&self, path: impl Arg, flags: OFlags) -> Result<Statx, Errno> {
        let file = self.open_with(path, flags, Mode::empty())?;
        fs::statx(&file, c"", AtFlags::EMPTY_PATH, StatxMask::BASIC_STATS)
    }

    /// The target of the symbolic link at `path` beneath this directory, as stored
    /// (Go's `ReadLinkFS.ReadLink`): the link must lie inside, the target may point
    /// anywhere, since it is read, not followed. Issues `openat2(2)` with `O_PATH |
    /// O_NOFOLLOW`, which opens the link itself, then `readlinkat(2)` of that
    /// descriptor with an empty path (again for a target of 256 bytes or more);
    /// blocking.
    ///
    /// `EINVAL` when `path` is not a symbolic link, as for `readlink(2)`.
    ///
    /// ```
    /// use sysbridge::dir::Dir;
    /// let proc = Dir::open("/proc").unwrap();
    /// assert_eq!(proc.read_link("self").unwrap(), std::path::Path::new(&std::process::id().to_string()));
    /// assert_eq!(proc.read_link("self/status").unwrap_err(), sysbridge::Errno::EINVAL);
    /// ```
    pub fn read_link(&self, path: impl Arg) -> Result<PathBuf, Errno> {
        let link = self.open_with(path, OFlags::PATH | OFlags::NOFOLLOW, Mode::empty())?;
        // With an empty path, readlinkat answers ENOENT where readlink answers EINVAL:
        // the descriptor is open, so ENOENT can only mean "not a symbolic link".
        fs::readlinkat_path(&link, c"").map_err(|e| match e {
            Errno::ENOENT => Errno::EINVAL,
            other => other,
        })
    }

    /// A handle on the directory at `path` beneath this one, confined to it (Go's
    /// `fs.Sub`): through the new handle, `..` is `EXDEV` even though this directory
    /// lies above. Issues `openat2(2)` with `O_RDONLY | O_DIRECTORY`; blocking.
    ///
    /// `ENOTDIR` when `path` is not a directory.
    ///
    /// ```
    /// use sysbridge::dir::Dir;
    /// use sysbridge::Errno;
    /// let root = Dir::open("/").unwrap();
    /// let etc = root.sub("etc").unwrap();
    /// assert!(etc.stat("hostname").is_ok());
    /// assert_eq!(etc.stat("..").unwrap_err(), Errno::EXDEV);
    /// assert_eq!(root.sub("etc/hostname").unwrap_err(), Errno::ENOTDIR);
    /// ```
    pub fn sub(&self, path: impl Arg) -> Result<Dir, Errno> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY;
        self.open_with(path, flags, Mode::empty())
            .map(|fd| Dir { fd })
    }

    /// A depth-first walk of the tree below this directory, which never follows a
    /// symbolic link (Go's `fs.WalkDir`): see [`Walk`]. No system call is made until
    /// the first item after the root is asked for.
    pub fn walk(&self) -> Walk<'_> {
        Walk::new(self.fd.as_fd())
    }
}

impl AsFd for Dir {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}
