//! [`Errno`]: a Linux error number, with its name and glibc's message.

use core::fmt;
use std::io;

use crate::errno_generated::{BY_NAME, IN_HEADER_ORDER, MAX, TABLE};

/// A Linux error number, as the kernel returns it (negated) from a failed system call.
///
/// Any `i32` is representable, so conversions never lose a value; the named constants
/// (`Errno::ENOENT`, …) cover every number the kernel defines.
///
/// ```
/// use sysbridge::Errno;
/// let e = Errno::from_name("ENOENT").unwrap();
/// assert_eq!(e, Errno::ENOENT);
/// assert_eq!(e.raw(), 2);
/// assert_eq!(e.name(), Some("ENOENT"));
/// assert_eq!(e.message().to_string(), "No such file or directory");
/// assert_eq!(e.to_string(), "ENOENT (No such file or directory)");
/// assert_eq!(Errno::from_raw(999).message().to_string(), "Unknown error 999");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct Errno(pub(crate) i32);

impl Errno {
    /// The error with number `raw`, whatever its value.
    #[inline]
    pub const fn from_raw(raw: i32) -> Errno {
        Errno(raw)
    }

    /// The error number.
    #[inline]
    pub const fn raw(self) -> i32 {
        self.0
    }

    /// The error whose symbolic name is `name` (`"ENOENT"`; aliases such as
    /// `"EWOULDBLOCK"` and `"ENOTSUP"` included), matched exactly.
    pub fn from_name(name: &str) -> Option<Errno> {
        BY_NAME
            .binary_search_by(|(n, _)| n.cmp(&name))
            .ok()
            .map(|i| Errno(BY_NAME[i].1))
    }

    /// The symbolic name (`"ENOENT"`), or `None` for a number the kernel does not
    /// define. Where several names share a number, this is the kernel's first one
    /// (`EAGAIN`, not `EWOULDBLOCK`).
    pub fn name(self) -> Option<&'static str> {
        self.entry().and_then(|(name, _)| name)
    }

    /// The text glibc's `strerror` gives for this number: `"No such file or
    /// directory"`, and `"Unknown error N"` for a number it does not know.
    pub fn message(self) -> ErrnoMessage {
        ErrnoMessage(self.0)
    }

    /// Every number the kernel names, in increasing order.
    pub fn all() -> impl Iterator<Item = Errno> {
        (1..=MAX).map(Errno).filter(|e| e.name().is_some())
    }

    /// Every name the kernel's headers define, aliases included (`EWOULDBLOCK` beside
    /// `EAGAIN`), in the headers' order, with glibc's own alias `ENOTSUP` last: the
    /// order in which moreutils' `errno -l` lists them.
    ///
    /// ```
    /// use sysbridge::Errno;
    /// let names: Vec<_> = Errno::names().collect();
    /// assert_eq!(names[0], ("EPERM", Errno::EPERM));
    /// assert!(names.contains(&("EWOULDBLOCK", Errno::EAGAIN)));
    /// ```
    pub fn names() -> impl ExactSizeIterator<Item = (&'static str, Errno)> {
        IN_HEADER_ORDER
            .iter()
            .map(|&(name, raw)| (name, Errno(raw)))
    }

    /// The error number carried by `err`, if it came from the operating system.
    pub fn from_io_error(err: &io::Error) -> Option<Errno> {
        err.raw_os_error().map(Errno)
    }

    fn entry(self) -> Option<(Option<&'static str>, &'static str)> {
        usize::try_from(self.0)
            .ok()
            .and_then(|i| TABLE.get(i))
            .copied()
    }
}

/// The glibc message of an [`Errno`], from [`Errno::message`]; formats without
/// allocating.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrnoMessage(i32);

impl ErrnoMessage {
    /// The message as a static string, when it is one glibc has a text for.
    pub fn as_str(self) -> Option<&'static str> {
        Errno(self.0).entry().map(|(_, message)| message)
    }
}

impl fmt::Display for ErrnoMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_str() {
            Some(message) => f.write_str(message),
            None => write!(f, "Unknown error {}", self.0),
        }
    }
}

/// `ENOENT (No such file or directory)`, as strace prints an error; a number with no
/// name prints as its message alone (`Unknown error 999`).
impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} ({})", self.message()),
            None => write!(f, "{}", self.message()),
        }
    }
}

/// `Errno::ENOENT`, or `Errno(999)` for a number with no name.
impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "Errno::{name}"),
            None => write!(f, "Errno({})", self.0),
        }
    }
}

impl std::error::Error for Errno {}

/// Keeps the number: `io::Error::raw_os_error()` gives it back.
impl From<Errno> for io::Error {
    #[inline]
    fn from(err: Errno) -> io::Error {
        io::Error::from_raw_os_error(err.0)
    }
}

/// Succeeds for errors that carry an OS error number; any other error is handed back
/// unchanged, so nothing is lost either way.
impl TryFrom<io::Error> for Errno {
    type Error = io::Error;

    fn try_from(err: io::Error) -> Result<Errno, io::Error> {
        Errno::from_io_error(&err).ok_or(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_both_ways() {
        for e in Errno::all() {
            let name = e.name().unwrap();
            assert_eq!(Errno::from_name(name), Some(e), "{name}");
        }
        assert_eq!(Errno::from_name("EWOULDBLOCK"), Some(Errno::EAGAIN));
        assert_eq!(Errno::from_name("EDEADLOCK"), Some(Errno::EDEADLK));
        assert_eq!(Errno::from_name("ENOTSUP"), Some(Errno::EOPNOTSUPP));
        assert_eq!(Errno::from_name("enoent"), None);
        assert_eq!(Errno::from_name(""), None);
    }

    #[test]
    fn unnamed_values() {
        assert_eq!(Errno::from_raw(41).name(), None);
        assert_eq!(Errno::from_raw(-3).name(), None);
        assert_eq!(
            Errno::from_raw(-3).message().to_string(),
            "Unknown error -3"
        );
        assert_eq!(format!("{:?}", Errno::from_raw(4096)), "Errno(4096)");
        assert_eq!(format!("{:?}", Errno::EINTR), "Errno::EINTR");
        assert_eq!(Errno::from_raw(0).message().to_string(), "Success");
    }

    #[test]
    fn io_error_round_trip() {
        for raw in [-1, 0, 1, 2, 41, 133, 600, i32::MAX, i32::MIN] {
            let io: io::Error = Errno::from_raw(raw).into();
            assert_eq!(io.raw_os_error(), Some(raw));
            assert_eq!(Errno::try_from(io).unwrap().raw(), raw);
        }
        let custom = io::Error::other("not an OS error");
        let back = Errno::try_from(custom).unwrap_err();
        assert_eq!(back.to_string(), "not an OS error");
    }
}
