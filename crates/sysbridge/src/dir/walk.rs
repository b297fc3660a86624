//! [`Walk`]: Go's `fs.WalkDir` as an iterator, confined to a [`Dir`](super::Dir).

use core::fmt;
use core::iter::FusedIterator;
use std::ffi::OsString;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use super::{Entry, open_beneath, read_entries};
use crate::Errno;
use crate::fs::{FileType, Mode, OFlags};

/// One file a [`Walk`] reached.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct WalkEntry {
    /// The path relative to the walked directory: `.` for that directory itself, then
    /// `a`, `a/b`… (no `./` prefix). Every such path can be given back to the
    /// [`Dir`](super::Dir)'s methods.
    pub path: PathBuf,
    /// The type of the file itself: a symbolic link is [`FileType::Symlink`] and is not
    /// followed.
    pub file_type: FileType,
    /// How deep: 0 for the walked directory, 1 for its entries, and so on.
    pub depth: usize,
}

/// An error a [`Walk`] met, with the path where it happened; the walk goes on past it.
///
/// ```
/// use sysbridge::dir::WalkError;
/// let err = WalkError { path: "a/b".into(), errno: sysbridge::Errno::EACCES };
/// assert_eq!(err.to_string(), "a/b: EACCES (Permission denied)");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct WalkError {
    /// The directory that could not be opened or read, relative to the walked one.
    pub path: PathBuf,
    /// What the kernel answered.
    pub errno: Errno,
}

impl fmt::Display for WalkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.errno)
    }
}

impl std::error::Error for WalkError {}

/// A directory on the walk's current path: its descriptor (to open its
/// subdirectories by name) and its entries not yet yielded.
#[derive(Debug)]
struct Level {
    fd: OwnedFd,
    path: PathBuf,
    depth: usize,
    entries: std::vec::IntoIter<Entry>,
}

/// The directory yielded last, which the next call opens and reads unless
/// [`Walk::skip_dir`] was called. Its parent is the innermost [`Level`] (the walked
/// directory itself when there is none).
#[derive(Debug)]
struct Pending {
    name: OsString,
    path: PathBuf,
    depth: usize,
}

/// A depth-first, pre-order walk of a directory tree that never leaves it, from
/// [`Dir::walk`](super::Dir::walk): Go's `fs.WalkDir` as an iterator.
///
/// The walked directory comes first, as the path `.` at depth 0; then each entry of a
/// directory, in byte order of the names, each directory's whole subtree before the
/// next entry. Symbolic links are yielded as such, never followed. A directory is
/// opened and read only when the item after it is asked for, so that
/// [`Walk::skip_dir`] can prune it unread.
///
/// Each subdirectory is opened by its name relative to its parent's descriptor, with
/// `openat2(2)`, `O_NOFOLLOW | O_DIRECTORY` and `RESOLVE_BENEATH`: a directory replaced
/// by a symbolic link between its listing and its opening yields the error `ENOTDIR`
/// at its path (the link is not followed, and is no directory), never the link's
/// target. The descriptors held are those of the
/// directories on the current path, one per level, and their entries; the walk is a
/// loop over that stack, with no recursion.
///
/// Errors (a directory that cannot be opened or read) are yielded as [`WalkError`]s
/// after the directory's own item, and the walk goes on with the next entry. Each
/// directory costs `openat2` and `getdents64` until its end (see the
/// [module table](super)).
///
/// ```
/// use sysbridge::dir::Dir;
/// use sysbridge::fs::FileType;
/// let tree = std::env::temp_dir().join(format!("sysbridge-dir-doc-walk-{}", std::process::id()));
/// std::fs::create_dir_all(tree.join("b/inner")).unwrap();
/// std::fs::write(tree.join("a"), "").unwrap();
/// std::fs::write(tree.join("b/inner/c"), "").unwrap();
/// std::os::unix::fs::symlink("/", tree.join("b/root")).unwrap();
///
/// let dir = Dir::open(&tree).unwrap();
/// let found: Vec<_> = dir.walk().map(|item| {
///     let entry = item.unwrap();
///     (entry.path, entry.file_type, entry.depth)
/// }).collect();
/// assert_eq!(found, [
///     (".".into(), FileType::Directory, 0),
///     ("a".into(), FileType::RegularFile, 1),
///     ("b".into(), FileType::Directory, 1),
///     ("b/inner".into(), FileType::Directory, 2),
///     ("b/inner/c".into(), FileType::RegularFile, 3),
///     ("b/root".into(), FileType::Symlink, 2),
/// ]);
/// std::fs::remove_dir_all(&tree).unwrap();
/// ```
#[derive(Debug)]
pub struct Walk<'a> {
    root: BorrowedFd<'a>,
    /// The directories on the current path, innermost last.
    stack: Vec<Level>,
    pending: Option<Pending>,
    /// Whether the walked directory's own item has been yielded.
    started: bool,
}

impl<'a> Walk<'a> {
    /// A walk of the directory `root`, which nothing has read yet.
    pub(super) fn new(root: BorrowedFd<'a>) -> Walk<'a> {
        Walk {
            root,
            stack: Vec::new(),
            pending: None,
            started: false,
        }
    }

    /// Prunes the directory the walk yielded last: it is not opened, and nothing below
    /// it is yielded. No effect when the last item was not a directory (unlike Go's
    /// `SkipDir`, which then skips the rest of the parent) or was an error.
    ///
    /// ```
    /// use sysbridge::dir::Dir;
    /// let proc = Dir::open("/proc").unwrap();
    /// let mut walk = proc.walk();
    /// let root = walk.next().unwrap().unwrap();
    /// assert_eq!(root.path, std::path::Path::new("."));
    /// walk.skip_dir();
    /// assert!(walk.next().is_none());
    /// ```
    pub fn skip_dir(&mut self) {
        self.pending = None;
    }

    /// Opens and reads the pending directory, by name relative to its parent, and
    /// pushes it on the stack.
    fn descend(&mut self, dir: Pending) -> Result<(), WalkError> {
        let parent = self
            .stack
            .last()
            .map_or(self.root, |level| level.fd.as_fd());
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW;
        let opened = open_beneath(parent, &dir.name, flags, Mode::empty())
            .and_then(|fd| read_entries(fd.as_fd()).map(|entries| (fd, entries)));
        match opened {
            Ok((fd, entries)) => {
                self.stack.push(Level {
                    fd,
                    path: dir.path,
                    depth: dir.depth,
                    entries: entries.into_iter(),
                });
                Ok(())
            }
            Err(errno) => Err(WalkError {
                path: dir.path,
                errno,
            }),
        }
    }

    /// Yields `path` as a directory at `depth`, to be descended into by the next call.
    fn yield_dir(&mut self, name: OsString, path: PathBuf, depth: usize) -> WalkEntry {
        self.pending = Some(Pending {
            name,
            path: path.clone(),
            depth,
        });
        WalkEntry {
            path,
            file_type: FileType::Directory,
            depth,
        }
    }
}

impl Iterator for Walk<'_> {
    type Item = Result<WalkEntry, WalkError>;

    fn next(&mut self) -> Option<Result<WalkEntry, WalkError>> {
        if !self.started {
            self.started = true;
            return Some(Ok(self.yield_dir(".".into(), ".".into(), 0)));
        }
        if let Some(dir) = self.pending.take() {
            if let Err(err) = self.descend(dir) {
                return Some(Err(err));
            }
        }
        loop {
            let level = self.stack.last_mut()?;
            let Some(entry) = level.entries.next() else {
                self.stack.pop();
                continue;
            };
            let parent: &Path = if level.depth == 0 {
                Path::new("")
            } else {
                &level.path
            };
            let path = parent.join(&entry.name);
            let depth = level.depth + 1;
            return Some(Ok(match entry.file_type {
                FileType::Directory => self.yield_dir(entry.name, path, depth),
                file_type => WalkEntry {
                    path,
                    file_type,
                    depth,
                },
            }));
        }
    }
}

impl FusedIterator for Walk<'_> {}
