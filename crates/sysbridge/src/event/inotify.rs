//! File-system events: `inotify_init1(2)`, `inotify_add_watch(2)`,
//! `inotify_rm_watch(2)`, and the events a `read(2)` of the descriptor returns.

use core::mem::{offset_of, size_of};
use std::ffi::OsStr;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;

use linux_raw_sys::general::{
    IN_ACCESS, IN_ALL_EVENTS, IN_ATTRIB, IN_CLOEXEC, IN_CLOSE_NOWRITE, IN_CLOSE_WRITE, IN_CREATE,
    IN_DELETE, IN_DELETE_SELF, IN_DONT_FOLLOW, IN_EXCL_UNLINK, IN_IGNORED, IN_ISDIR, IN_MASK_ADD,
    IN_MASK_CREATE, IN_MODIFY, IN_MOVE_SELF, IN_MOVED_FROM, IN_MOVED_TO, IN_NONBLOCK, IN_ONESHOT,
    IN_ONLYDIR, IN_OPEN, IN_Q_OVERFLOW, IN_UNMOUNT, NAME_MAX, inotify_event,
};

use crate::path::Arg;
use crate::{Errno, Sysno, args, fd, raw};

bitflags::bitflags! {
    /// Flags of [`inotify_init1`] (`IN_CLOEXEC`, `IN_NONBLOCK`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct InotifyFlags: u32 {
        /// `IN_CLOEXEC`: set `FD_CLOEXEC` on the descriptor.
        const CLOEXEC = IN_CLOEXEC;
        /// `IN_NONBLOCK`: a read with no event pending fails with `EAGAIN`.
        const NONBLOCK = IN_NONBLOCK;
    }
}

bitflags::bitflags! {
    /// Events to watch for and events reported (`IN_*`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct WatchMask: u32 {
        /// `IN_ACCESS`: a file was read.
        const ACCESS = IN_ACCESS;
        /// `IN_MODIFY`: a file was written.
        const MODIFY = IN_MODIFY;
        /// `IN_ATTRIB`: metadata changed.
        const ATTRIB = IN_ATTRIB;
        /// `IN_CLOSE_WRITE`: a file opened for writing was closed.
        const CLOSE_WRITE = IN_CLOSE_WRITE;
        /// `IN_CLOSE_NOWRITE`: a file not opened for writing was closed.
        const CLOSE_NOWRITE = IN_CLOSE_NOWRITE;
        /// `IN_OPEN`: a file was opened.
        const OPEN = IN_OPEN;
        /// `IN_MOVED_FROM`: a name left the watched directory (paired by cookie).
        const MOVED_FROM = IN_MOVED_FROM;
        /// `IN_MOVED_TO`: a name arrived in the watched directory (paired by cookie).
        const MOVED_TO = IN_MOVED_TO;
        /// `IN_CREATE`: a name was created in the watched directory.
        const CREATE = IN_CREATE;
        /// `IN_DELETE`: a name was deleted from the watched directory.
        const DELETE = IN_DELETE;
        /// `IN_DELETE_SELF`: the watched object was deleted.
        const DELETE_SELF = IN_DELETE_SELF;
        /// `IN_MOVE_SELF`: the watched object was moved.
        const MOVE_SELF = IN_MOVE_SELF;
        /// `IN_UNMOUNT` (reported): the file system was unmounted.
        const UNMOUNT = IN_UNMOUNT;
        /// `IN_Q_OVERFLOW` (reported, watch descriptor -1): events were lost.
        const Q_OVERFLOW = IN_Q_OVERFLOW;
        /// `IN_IGNORED` (reported): the watch was removed.
        const IGNORED = IN_IGNORED;
        /// `IN_ONLYDIR`: watch the path only if it is a directory.
        const ONLYDIR = IN_ONLYDIR;
        /// `IN_DONT_FOLLOW`: do not follow a final symbolic link.
        const DONT_FOLLOW = IN_DONT_FOLLOW;
        /// `IN_EXCL_UNLINK`: no events for children after they are unlinked.
        const EXCL_UNLINK = IN_EXCL_UNLINK;
        /// `IN_MASK_CREATE`: fail with `EEXIST` if the path is already watched.
        const MASK_CREATE = IN_MASK_CREATE;
        /// `IN_MASK_ADD`: add to the mask of an existing watch instead of replacing it.
        const MASK_ADD = IN_MASK_ADD;
        /// `IN_ISDIR` (reported): the subject of the event is a directory.
        const ISDIR = IN_ISDIR;
        /// `IN_ONESHOT`: remove the watch after its first event.
        const ONESHOT = IN_ONESHOT;
        /// `IN_ALL_EVENTS`: every event above that can be watched for.
        const ALL_EVENTS = IN_ALL_EVENTS;
    }
}

/// A watch, as [`inotify_add_watch`] returns it and events report it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WatchDescriptor(pub i32);

/// The smallest read buffer that holds any one event: a header and a name of
/// `NAME_MAX` bytes with its NUL. A smaller buffer can make `read` fail with `EINVAL`.
pub const INOTIFY_BUFFER_MIN: usize = size_of::<inotify_event>() + NAME_MAX as usize + 1;

/// A new inotify instance. Issues `inotify_init1(2)`; non-blocking (no hooks).
#[inline]
pub fn inotify_init1(flags: InotifyFlags) -> Result<OwnedFd, Errno> {
    // SAFETY: inotify_init1 reads and writes no user memory.
    let ret = unsafe { raw::raw_syscall1_readonly(Sysno::inotify_init1, flags.bits() as usize) }?;
    // SAFETY: inotify_init1 has just created the descriptor `ret`.
    Ok(unsafe { fd::owned(ret) })
}

/// Watches `path` for the events of `mask` (replacing an existing watch's mask unless
/// [`WatchMask::MASK_ADD`]). Issues `inotify_add_watch(2)`; blocking (hooks run: it
/// looks the path up, as every path operation does).
#[inline]
pub fn inotify_add_watch(
    fd: impl AsFd,
    path: impl Arg,
    mask: WatchMask,
) -> Result<WatchDescriptor, Errno> {
    path.with_c_str(|path| {
        // SAFETY: the kernel reads the NUL-terminated path and writes no user memory.
        let wd = unsafe {
            raw::syscall3_readonly(
                Sysno::inotify_add_watch,
                args::fd(fd.as_fd()),
                args::ptr(path.as_ptr()),
                mask.bits() as usize,
            )
        }?;
        Ok(WatchDescriptor(wd as i32))
    })
}

/// Removes a watch (its [`WatchMask::IGNORED`] event follows). Issues
/// `inotify_rm_watch(2)`; non-blocking (no hooks).
#[inline]
pub fn inotify_rm_watch(fd: impl AsFd, wd: WatchDescriptor) -> Result<(), Errno> {
    // SAFETY: inotify_rm_watch reads and writes no user memory.
    unsafe {
        raw::raw_syscall2_readonly(Sysno::inotify_rm_watch, args::fd(fd.as_fd()), wd.0 as usize)
    }?;
    Ok(())
}

/// One event from an inotify read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InotifyEvent<'a> {
    /// The watch (`-1` for [`WatchMask::Q_OVERFLOW`]).
    pub wd: WatchDescriptor,
    /// What happened.
    pub mask: WatchMask,
    /// Pairs an `IN_MOVED_FROM` with its `IN_MOVED_TO`.
    pub cookie: u32,
    /// The name inside a watched directory, without its padding NULs.
    pub name: Option<&'a OsStr>,
}

impl InotifyEvent<'_> {
    /// Whether events were lost because the queue was full (`IN_Q_OVERFLOW`).
    pub fn is_overflow(&self) -> bool {
        self.mask.contains(WatchMask::Q_OVERFLOW)
    }
}

/// The events in the bytes one `read(2)` of an inotify descriptor returned. A
/// truncated or malformed record ends the iteration.
///
/// ```
/// use sysbridge::event::*;
/// let dir = tempfile::tempdir().unwrap();
/// let ino = inotify_init1(InotifyFlags::CLOEXEC).unwrap();
/// let wd = inotify_add_watch(&ino, dir.path(), WatchMask::CREATE).unwrap();
/// std::fs::write(dir.path().join("new"), b"").unwrap();
/// let mut buf = [0u8; INOTIFY_BUFFER_MIN];
/// let n = sysbridge::io::read(&ino, &mut buf).unwrap();
/// let event = InotifyEvents::new(&buf[..n]).next().unwrap();
/// assert_eq!((event.wd, event.mask), (wd, WatchMask::CREATE));
/// assert_eq!(event.name, Some(std::ffi::OsStr::new("new")));
/// ```
#[derive(Clone, Debug)]
pub struct InotifyEvents<'a> {
    rest: &'a [u8],
}

impl<'a> InotifyEvents<'a> {
    /// The events in `buf`.
    pub fn new(buf: &'a [u8]) -> InotifyEvents<'a> {
        InotifyEvents { rest: buf }
    }
}

impl<'a> Iterator for InotifyEvents<'a> {
    type Item = InotifyEvent<'a>;

    fn next(&mut self) -> Option<InotifyEvent<'a>> {
        let buf = core::mem::take(&mut self.rest);
        let word = |at: usize| -> Option<[u8; 4]> { buf.get(at..at + 4)?.try_into().ok() };
        let wd = i32::from_ne_bytes(word(offset_of!(inotify_event, wd))?);
        let mask = u32::from_ne_bytes(word(offset_of!(inotify_event, mask))?);
        let cookie = u32::from_ne_bytes(word(offset_of!(inotify_event, cookie))?);
        let len = u32::from_ne_bytes(word(offset_of!(inotify_event, len))?) as usize;
        let end = size_of::<inotify_event>().checked_add(len)?;
        let name = buf.get(size_of::<inotify_event>()..end)?;
        self.rest = &buf[end..];
        let name = name.split(|&b| b == 0).next().unwrap_or_default();
        Some(InotifyEvent {
            wd: WatchDescriptor(wd),
            mask: WatchMask::from_bits_retain(mask),
            cookie,
            name: (!name.is_empty()).then(|| OsStr::from_bytes(name)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(wd: i32, mask: u32, name: &[u8]) -> Vec<u8> {
        let padded = name.len().next_multiple_of(16);
        let mut out = Vec::new();
        for word in [wd as u32, mask, 0, padded as u32] {
            out.extend(word.to_ne_bytes());
        }
        out.extend(name);
        out.resize(size_of::<inotify_event>() + padded, 0);
        out
    }

    #[test]
    fn names_overflow_and_truncation() {
        let mut buf = record(1, IN_CREATE, b"file");
        buf.extend(record(-1, IN_Q_OVERFLOW, b""));
        let events: Vec<_> = InotifyEvents::new(&buf).collect();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].name, Some(OsStr::new("file")));
        assert!(events[1].is_overflow() && events[1].name.is_none());
        assert_eq!(events[1].wd, WatchDescriptor(-1));
        // A record cut short is not reported.
        assert_eq!(InotifyEvents::new(&buf[..buf.len() - 1]).count(), 1);
        assert_eq!(InotifyEvents::new(&buf[..20]).count(), 0);
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_iterate_safely(bytes in proptest::collection::vec(0u8..=255, 0..300)) {
            let n = InotifyEvents::new(&bytes).count();
            proptest::prop_assert!(n <= bytes.len() / size_of::<inotify_event>());
        }
    }
}
