//! Directory entries: `getdents64(2)`, the [`DirEntries`] parser over what it fills,
//! and the [`ReadDir`] iterator that refills as it goes.

use core::ffi::CStr;
use core::fmt;
use core::iter::FusedIterator;
use core::mem::offset_of;
use std::ffi::{CString, OsStr};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;

use linux_raw_sys::general::linux_dirent64;

use super::FileType;
use crate::{Errno, Sysno, args, raw};

/// Fills `buf` with as many whole directory entries of the directory `fd` as fit,
/// starting at its current offset (which it advances), and returns the number of bytes
/// used: `Ok(0)` at the end of the directory. Read the bytes with [`DirEntries`].
/// Issues `getdents64(2)`; blocking.
///
/// `EINVAL` when `buf` cannot hold the next entry (an entry takes at most 280 bytes);
/// `ENOTDIR` when `fd` is not a directory. The entries come in the file system's
/// order, `.` and `..` included.
///
/// ```
/// use sysbridge::fs::{getdents64, open, DirEntries, Mode, OFlags};
/// let dir = open("/", OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty()).unwrap();
/// let mut buf = [0u8; 4096];
/// let n = getdents64(&dir, &mut buf).unwrap();
/// assert!(DirEntries::new(&buf[..n]).any(|e| e.name == c".."));
/// ```
#[inline]
pub fn getdents64(fd: impl AsFd, buf: &mut [u8]) -> Result<usize, Errno> {
    // The kernel takes the count as an `unsigned int` but refuses sizes above
    // `INT_MAX`: larger buffers are used in part.
    let len = buf.len().min(i32::MAX as usize);
    // SAFETY: the kernel writes at most `len <= buf.len()` bytes into `buf`, which is
    // borrowed mutably for the call.
    unsafe {
        raw::syscall3(
            Sysno::getdents64,
            args::fd(fd.as_fd()),
            args::mut_ptr(buf.as_mut_ptr()),
            len,
        )
    }
}

/// One directory entry, borrowed from the buffer [`getdents64`] filled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DirEntry<'a> {
    /// Inode number.
    pub ino: u64,
    /// The file system's position cookie after this entry (opaque: only for `lseek`).
    pub off: i64,
    /// The type, or [`FileType::Unknown`] when the file system does not fill `d_type`.
    pub file_type: FileType,
    /// The name, without any directory part.
    pub name: &'a CStr,
}

impl DirEntry<'_> {
    /// The name as an `OsStr`, as `std::fs::DirEntry::file_name` gives it.
    #[inline]
    pub fn file_name(&self) -> &OsStr {
        OsStr::from_bytes(self.name.to_bytes())
    }

    /// Whether this is the entry `.` or `..`, which `std::fs::read_dir` skips.
    #[inline]
    pub fn is_dot_or_dot_dot(&self) -> bool {
        is_dot_or_dot_dot(self.name)
    }

    /// A copy that owns its name.
    #[inline]
    pub fn into_owned(self) -> OwnedDirEntry {
        OwnedDirEntry {
            ino: self.ino,
            off: self.off,
            file_type: self.file_type,
            name: self.name.to_owned(),
        }
    }
}

/// One directory entry that owns its name, as the [`ReadDir`] iterator yields it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OwnedDirEntry {
    /// Inode number.
    pub ino: u64,
    /// The file system's position cookie after this entry (opaque: only for `lseek`).
    pub off: i64,
    /// The type, or [`FileType::Unknown`] when the file system does not fill `d_type`.
    pub file_type: FileType,
    /// The name, without any directory part.
    pub name: CString,
}

impl OwnedDirEntry {
    /// The name as an `OsStr`, as `std::fs::DirEntry::file_name` gives it.
    #[inline]
    pub fn file_name(&self) -> &OsStr {
        OsStr::from_bytes(self.name.to_bytes())
    }

    /// Whether this is the entry `.` or `..`, which `std::fs::read_dir` skips.
    #[inline]
    pub fn is_dot_or_dot_dot(&self) -> bool {
        is_dot_or_dot_dot(&self.name)
    }
}

fn is_dot_or_dot_dot(name: &CStr) -> bool {
    matches!(name.to_bytes(), b"." | b"..")
}

/// `N` bytes of `buf` from `at`, if `buf` has them.
#[inline]
fn bytes<const N: usize>(buf: &[u8], at: usize) -> Option<[u8; N]> {
    buf.get(at..at.checked_add(N)?)?.try_into().ok()
}

/// The first record of `buf` (a `struct linux_dirent64`) and its length, or `None`
/// when `buf` does not start with a whole, well-formed record: a header cut short,
/// a `d_reclen` beyond the buffer, or a name with no NUL inside the record. Every
/// record returned is at least one byte longer than the header, so a caller that
/// skips `d_reclen` bytes always advances.
fn parse(buf: &[u8]) -> Option<(DirEntry<'_>, usize)> {
    let reclen = usize::from(u16::from_ne_bytes(bytes(
        buf,
        offset_of!(linux_dirent64, d_reclen),
    )?));
    let record = buf.get(..reclen)?;
    let name =
        CStr::from_bytes_until_nul(record.get(offset_of!(linux_dirent64, d_name)..)?).ok()?;
    let entry = DirEntry {
        ino: u64::from_ne_bytes(bytes(record, offset_of!(linux_dirent64, d_ino))?),
        off: i64::from_ne_bytes(bytes(record, offset_of!(linux_dirent64, d_off))?),
        file_type: FileType::from_dirent_type(*record.get(offset_of!(linux_dirent64, d_type))?),
        name,
    };
    Some((entry, reclen))
}

/// The entries in a buffer that [`getdents64`] filled, in order, borrowed from it.
///
/// It never reads outside the buffer and never panics: it stops at the first record
/// that is cut short or malformed, and [`DirEntries::remainder`] then holds the bytes
/// it could not read (empty after a whole buffer from the kernel).
///
/// ```
/// use sysbridge::fs::DirEntries;
/// assert_eq!(DirEntries::new(&[]).count(), 0);
/// let garbage = [0xffu8; 7];
/// let mut entries = DirEntries::new(&garbage);
/// assert!(entries.next().is_none());
/// assert_eq!(entries.remainder(), &garbage);
/// ```
#[derive(Clone, Debug)]
pub struct DirEntries<'a> {
    rest: &'a [u8],
}

impl<'a> DirEntries<'a> {
    /// The entries in `buf` (the filled part only: `&buf[..n]` for the `n` that
    /// [`getdents64`] returned).
    #[inline]
    pub const fn new(buf: &'a [u8]) -> DirEntries<'a> {
        DirEntries { rest: buf }
    }

    /// The bytes not yet read: after the iterator has ended, those that do not form a
    /// whole record.
    #[inline]
    pub const fn remainder(&self) -> &'a [u8] {
        self.rest
    }
}

impl<'a> Iterator for DirEntries<'a> {
    type Item = DirEntry<'a>;

    fn next(&mut self) -> Option<DirEntry<'a>> {
        let (entry, len) = parse(self.rest)?;
        self.rest = &self.rest[len..];
        Some(entry)
    }
}

impl FusedIterator for DirEntries<'_> {}

/// Size of the buffer [`ReadDir::new`] reads into: 8 KiB, a few hundred entries a
/// system call.
pub const READ_DIR_BUFFER_SIZE: usize = 8192;

/// The largest buffer [`ReadDir::with_buffer_size`] allocates: 1 MiB, several thousand
/// entries per `getdents64` call.
pub const MAX_READ_DIR_BUFFER_SIZE: usize = 1 << 20;

/// The entries of a directory, read through its descriptor with one [`getdents64`]
/// call each time the buffer runs dry.
///
/// Reading starts at the descriptor's current offset and moves it (an `lseek` to 0
/// starts again). The entries `.` and `..` are included
/// ([`OwnedDirEntry::is_dot_or_dot_dot`]). The iterator yields owned entries;
/// [`ReadDir::next_entry`] lends them instead, with no allocation.
///
/// After an error (yielded once) the iterator ends. A record the kernel wrote that
/// cannot be read whole is reported as `EIO`.
///
/// ```
/// use sysbridge::fs::{open, Mode, OFlags, ReadDir};
/// let dir = open("/", OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty()).unwrap();
/// let names: Vec<_> = ReadDir::new(dir).map(|e| e.unwrap().name).collect();
/// assert!(names.iter().any(|n| n.as_c_str() == c"etc"));
/// ```
pub struct ReadDir<Fd: AsFd = OwnedFd> {
    fd: Fd,
    buf: Box<[u8]>,
    /// The unread entries are `buf[start..end]`.
    start: usize,
    end: usize,
    /// End of directory reached, or an error reported.
    done: bool,
}

impl<Fd: AsFd> ReadDir<Fd> {
    /// Reads the directory `fd` with a buffer of [`READ_DIR_BUFFER_SIZE`] bytes. No
    /// system call is made until the first entry is asked for.
    #[inline]
    pub fn new(fd: Fd) -> ReadDir<Fd> {
        ReadDir::with_buffer_size(fd, READ_DIR_BUFFER_SIZE)
    }

    /// Reads the directory `fd` with a buffer of `size` bytes (fewer than the next
    /// entry needs, at most 280, and the first refill fails with `EINVAL`). Sizes
    /// above [`MAX_READ_DIR_BUFFER_SIZE`] are cut to it: larger buffers hold more
    /// entries per call but gain nothing measurable, and an absurd size must not abort
    /// the process on allocation.
    #[inline]
    pub fn with_buffer_size(fd: Fd, size: usize) -> ReadDir<Fd> {
        ReadDir {
            fd,
            buf: vec![0; size.min(MAX_READ_DIR_BUFFER_SIZE)].into_boxed_slice(),
            start: 0,
            end: 0,
            done: false,
        }
    }

    /// The directory descriptor.
    #[inline]
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// The directory descriptor, back (entries read into the buffer but not yet
    /// yielded are lost).
    #[inline]
    pub fn into_inner(self) -> Fd {
        self.fd
    }

    /// The next entry, borrowed from the buffer: `None` at the end. Issues
    /// `getdents64(2)` when the buffer is used up; blocking.
    pub fn next_entry(&mut self) -> Option<Result<DirEntry<'_>, Errno>> {
        if self.start == self.end {
            if self.done {
                return None;
            }
            match getdents64(&self.fd, &mut self.buf) {
                Ok(0) => {
                    self.done = true;
                    return None;
                }
                Ok(n) => (self.start, self.end) = (0, n.min(self.buf.len())),
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        match parse(&self.buf[self.start..self.end]) {
            Some((entry, len)) => {
                self.start += len;
                Some(Ok(entry))
            }
            None => {
                (self.start, self.done) = (self.end, true);
                Some(Err(Errno::EIO))
            }
        }
    }
}

/// Shows the descriptor and the reading state, not the buffer's bytes.
impl<Fd: AsFd + fmt::Debug> fmt::Debug for ReadDir<Fd> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadDir")
            .field("fd", &self.fd)
            .field("buffer_size", &self.buf.len())
            .field("unread_bytes", &(self.end - self.start))
            .field("done", &self.done)
            .finish()
    }
}

impl<Fd: AsFd> Iterator for ReadDir<Fd> {
    type Item = Result<OwnedDirEntry, Errno>;

    fn next(&mut self) -> Option<Result<OwnedDirEntry, Errno>> {
        self.next_entry()
            .map(|entry| entry.map(DirEntry::into_owned))
    }
}

impl<Fd: AsFd> FusedIterator for ReadDir<Fd> {}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record as the kernel lays it out, padded to 8 bytes.
    fn record(ino: u64, off: i64, d_type: u8, name: &[u8]) -> Vec<u8> {
        let name_at = offset_of!(linux_dirent64, d_name);
        let reclen = (name_at + name.len() + 1).next_multiple_of(8);
        let mut rec = vec![0u8; reclen];
        rec[..8].copy_from_slice(&ino.to_ne_bytes());
        rec[8..16].copy_from_slice(&off.to_ne_bytes());
        rec[16..18].copy_from_slice(&(reclen as u16).to_ne_bytes());
        rec[18] = d_type;
        rec[name_at..name_at + name.len()].copy_from_slice(name);
        rec
    }

    #[test]
    fn well_formed_records() {
        let mut buf = record(7, 1, 4, b".");
        buf.extend(record(8, 2, 8, b"a-file"));
        let got: Vec<_> = DirEntries::new(&buf).collect();
        assert_eq!(got.len(), 2);
        assert_eq!(
            (got[0].ino, got[0].off, got[0].file_type),
            (7, 1, FileType::Directory)
        );
        assert!(got[0].is_dot_or_dot_dot());
        assert_eq!(got[1].name, c"a-file");
        assert_eq!(got[1].file_type, FileType::RegularFile);
    }

    #[test]
    fn malformed_records_stop_without_panic() {
        let good = record(1, 1, 8, b"ok");
        let cases: [(&str, Vec<u8>); 5] = [
            ("reclen zero", {
                let mut r = record(2, 2, 8, b"x");
                r[16..18].copy_from_slice(&0u16.to_ne_bytes());
                r
            }),
            ("reclen past the end", {
                let mut r = record(2, 2, 8, b"x");
                r[16..18].copy_from_slice(&1000u16.to_ne_bytes());
                r
            }),
            ("reclen inside the header", {
                let mut r = record(2, 2, 8, b"x");
                r[16..18].copy_from_slice(&19u16.to_ne_bytes());
                r
            }),
            ("no NUL in the name", {
                let mut r = record(2, 2, 8, b"abcd");
                let len = r.len();
                r[19..len].fill(b'z');
                r
            }),
            ("header cut short", record(2, 2, 8, b"x")[..12].to_vec()),
        ];
        for (what, bad) in cases {
            let mut buf = good.clone();
            buf.extend_from_slice(&bad);
            let mut entries = DirEntries::new(&buf);
            assert_eq!(entries.next().map(|e| e.name), Some(c"ok"), "{what}");
            assert_eq!(entries.next(), None, "{what}");
            assert_eq!(entries.remainder(), &bad[..], "{what}");
            assert_eq!(entries.next(), None, "{what}: fused");
        }
    }

    proptest::proptest! {
        /// Whole records, then random bytes overwritten and the end cut off: the parser
        /// reads the intact records, stays inside the buffer, always advances and never
        /// panics.
        #[test]
        fn damaged_records_never_panic(
            names in proptest::collection::vec(proptest::collection::vec(1u8..=255, 1..40), 0..12),
            damage in proptest::collection::vec((proptest::num::usize::ANY, proptest::num::u8::ANY), 0..4),
            cut in proptest::num::usize::ANY,
        ) {
            let mut buf: Vec<u8> = names.iter().enumerate()
                .flat_map(|(i, name)| record(i as u64, i as i64, 8, name))
                .collect();
            let intact = damage.is_empty() && cut % 2 == 0;
            if !intact && !buf.is_empty() {
                for &(at, byte) in &damage {
                    let at = at % buf.len();
                    buf[at] = byte;
                }
                buf.truncate(cut % (buf.len() + 1));
            }
            let range = buf.as_ptr_range();
            let mut entries = DirEntries::new(&buf);
            let mut left = buf.len();
            let mut seen = Vec::new();
            while let Some(entry) = entries.next() {
                let name = entry.name.to_bytes_with_nul().as_ptr_range();
                proptest::prop_assert!(range.start <= name.start && name.end <= range.end);
                proptest::prop_assert!(entries.remainder().len() < left);
                left = entries.remainder().len();
                seen.push(entry.name.to_bytes().to_vec());
            }
            if intact {
                proptest::prop_assert_eq!(seen, names);
                proptest::prop_assert!(entries.remainder().is_empty());
            }
        }
    }
}
