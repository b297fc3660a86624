//! [`Win32Error`]: a `GetLastError` code with its symbolic name (from the generated
//! [`codes`](crate::codes) table) and its system message (`FormatMessageW`); NTSTATUS
//! conversion (`RtlNtStatusToDosError`); conversion to and from [`std::io::Error`].
//!
//! The POSIX errno mapping lives in [`errno_map`](crate::errno_map).

use std::fmt;
use std::io;

use crate::{codes, sys};

/// A Win32 error code, as `GetLastError` returns it (Winsock's `WSAE*` codes share the
/// space).
///
/// It converts into [`std::io::Error`] keeping the raw code
/// (`io::Error::raw_os_error() == Some(code)`), and to and from POSIX errno values
/// through [`to_errno`](Win32Error::to_errno) and [`from_errno`](Win32Error::from_errno).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Win32Error(u32);

impl Win32Error {
    /// The error with code `code`; every `u32` is accepted, named or not.
    pub const fn new(code: u32) -> Self {
        Win32Error(code)
    }

    /// The numeric code.
    pub const fn code(self) -> u32 {
        self.0
    }

    /// The calling thread's last error (`GetLastError`).
    pub fn last() -> Self {
        // SAFETY: GetLastError takes nothing and only reads the thread's error slot.
        Win32Error(unsafe { sys::GetLastError() })
    }

    /// The symbolic name (`"ERROR_FILE_NOT_FOUND"`), or `None` for a code that
    /// mingw-w64's `winerror.h` does not name. When several names share a code the
    /// first one the header gives is returned (`ERROR_SUCCESS`, not `NO_ERROR`).
    pub fn name(self) -> Option<&'static str> {
        codes::name(self.0)
    }

    /// The error whose [`name`](Win32Error::name) is `name`, if there is one.
    pub fn from_name(name: &str) -> Option<Self> {
        codes::NAMES
            .iter()
            .find(|&&(_, n)| n == name)
            .map(|&(code, _)| Win32Error(code))
    }

    /// The system's text for the code (`FormatMessageW` with
    /// `FORMAT_MESSAGE_FROM_SYSTEM`), trailing line break removed; `"Win32 error N"`
    /// when the system has no text for it.
    pub fn message(self) -> String {
        // Messages are short; FormatMessageW accepts at most 64 KiB characters.
        for size in [512usize, 65_535] {
            let mut buf = vec![0u16; size];
            // SAFETY: buf is writable for `size` UTF-16 units, which is the size passed;
            // IGNORE_INSERTS means the (null) argument array is never read.
            let len = unsafe {
                sys::FormatMessageW(
                    sys::FORMAT_MESSAGE_FROM_SYSTEM | sys::FORMAT_MESSAGE_IGNORE_INSERTS,
                    std::ptr::null(),
                    self.0,
                    0,
                    buf.as_mut_ptr(),
                    size as u32,
                    std::ptr::null_mut(),
                )
            } as usize;
            if len > 0 {
                let text = String::from_utf16_lossy(&buf[..len.min(size)]);
                return text.trim_end().to_string();
            }
            if Win32Error::last() != codes::ERROR_INSUFFICIENT_BUFFER {
                break;
            }
        }
        format!("Win32 error {}", self.0)
    }

    /// The Win32 error an NTSTATUS value stands for (`RtlNtStatusToDosError`);
    /// `ERROR_MR_MID_NOT_FOUND` (317) for a status with no Win32 counterpart.
    pub fn from_ntstatus(status: i32) -> Self {
        // SAFETY: RtlNtStatusToDosError only maps a number to a number.
        Win32Error(unsafe { sys::RtlNtStatusToDosError(status) })
    }

    /// The Win32 error an [`io::Error`] carries, if it came from the OS
    /// (`raw_os_error`).
    pub fn from_io_error(err: &io::Error) -> Option<Self> {
        err.raw_os_error().map(|code| Win32Error(code as u32))
    }
}

impl fmt::Debug for Win32Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{}({})", name, self.0),
            None => write!(f, "Win32Error({})", self.0),
        }
    }
}

/// `ERROR_FILE_NOT_FOUND (2): The system cannot find the file specified.`
impl fmt::Display for Win32Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{} ({}): {}", name, self.0, self.message()),
            None => write!(f, "Win32 error {}: {}", self.0, self.message()),
        }
    }
}

impl std::error::Error for Win32Error {}

/// Keeps the raw code: `io::Error::raw_os_error()` returns it, and std derives the
/// [`io::ErrorKind`] from it.
impl From<Win32Error> for io::Error {
    fn from(err: Win32Error) -> io::Error {
        io::Error::from_raw_os_error(err.0 as i32)
    }
}

/// `Ok(())` for a nonzero `BOOL`, else the thread's last error.
pub(crate) fn check(ok: sys::BOOL) -> Result<(), Win32Error> {
    if ok != sys::FALSE {
        Ok(())
    } else {
        Err(Win32Error::last())
    }
}
