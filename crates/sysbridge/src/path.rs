//! Path and name arguments: anything string-like becomes a NUL-terminated `&CStr`,
//! on the stack when it is short.

use core::ffi::CStr;
use std::ffi::{CString, OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::Errno;

/// Longest argument (without its NUL) copied onto the stack; longer ones go to the
/// heap. The same bound as std's.
const STACK_BYTES: usize = 384;

/// A value that can be passed to the kernel as a NUL-terminated string: `&str`,
/// `&Path`, `&OsStr`, `&CStr` and their owned forms.
///
/// A `&CStr` is passed as it is. Anything else is copied, with a NUL appended, into a
/// buffer on the stack when it is shorter than 384 bytes (no heap allocation) and into
/// a `CString` otherwise. An interior NUL byte is [`Errno::EINVAL`], before any system
/// call is made.
pub trait Arg {
    /// Calls `f` with this value as a C string.
    fn with_c_str<T>(self, f: impl FnOnce(&CStr) -> Result<T, Errno>) -> Result<T, Errno>;
}

/// Runs `f` on `bytes` with a NUL appended, on the stack when short.
#[inline]
fn with_bytes<T>(bytes: &[u8], f: impl FnOnce(&CStr) -> Result<T, Errno>) -> Result<T, Errno> {
    if bytes.len() >= STACK_BYTES {
        return with_bytes_on_heap(bytes, f);
    }
    // Zeroed rather than uninitialised: a dozen vector stores, nothing next to the
    // system call, and no `unsafe`. The zero after the copied bytes is the NUL.
    let mut buf = [0u8; STACK_BYTES];
    buf[..bytes.len()].copy_from_slice(bytes);
    let with_nul = &buf[..=bytes.len()];
    let c = CStr::from_bytes_with_nul(with_nul).map_err(|_| Errno::EINVAL)?;
    f(c)
}

#[cold]
fn with_bytes_on_heap<T>(
    bytes: &[u8],
    f: impl FnOnce(&CStr) -> Result<T, Errno>,
) -> Result<T, Errno> {
    let c = CString::new(bytes).map_err(|_| Errno::EINVAL)?;
    f(&c)
}

impl Arg for &CStr {
    #[inline]
    fn with_c_str<T>(self, f: impl FnOnce(&CStr) -> Result<T, Errno>) -> Result<T, Errno> {
        f(self)
    }
}

impl Arg for &CString {
    #[inline]
    fn with_c_str<T>(self, f: impl FnOnce(&CStr) -> Result<T, Errno>) -> Result<T, Errno> {
        f(self)
    }
}

impl Arg for CString {
    #[inline]
    fn with_c_str<T>(self, f: impl FnOnce(&CStr) -> Result<T, Errno>) -> Result<T, Errno> {
        f(&self)
    }
}

/// Implements [`Arg`] for types that are bytes to be NUL-terminated.
macro_rules! arg_from_bytes {
    ($($ty:ty => $bytes:expr;)*) => {$(
        impl Arg for $ty {
            #[inline]
            fn with_c_str<T>(self, f: impl FnOnce(&CStr) -> Result<T, Errno>) -> Result<T, Errno> {
                let to_bytes: fn(&Self) -> &[u8] = $bytes;
                with_bytes(to_bytes(&self), f)
            }
        }
    )*};
}

arg_from_bytes! {
    &str => |s| s.as_bytes();
    &String => |s| s.as_bytes();
    String => |s| s.as_bytes();
    &OsStr => |s| s.as_bytes();
    &OsString => |s| s.as_bytes();
    OsString => |s| s.as_bytes();
    &Path => |p| p.as_os_str().as_bytes();
    &PathBuf => |p| p.as_os_str().as_bytes();
    PathBuf => |p| p.as_os_str().as_bytes();
    &[u8] => |b| b;
    &Vec<u8> => |b| b;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn echo(arg: impl Arg) -> Result<Vec<u8>, Errno> {
        arg.with_c_str(|c| Ok(c.to_bytes().to_vec()))
    }

    #[test]
    fn short_and_long_paths() {
        assert_eq!(echo("/etc/passwd").unwrap(), b"/etc/passwd");
        assert_eq!(echo("").unwrap(), b"");
        let long = "x".repeat(STACK_BYTES - 1);
        assert_eq!(echo(long.as_str()).unwrap(), long.as_bytes());
        let longer = "y".repeat(STACK_BYTES * 3);
        assert_eq!(echo(Path::new(&longer)).unwrap(), longer.as_bytes());
        assert_eq!(echo(c"/tmp").unwrap(), b"/tmp");
    }

    #[test]
    fn interior_nul_is_einval() {
        assert_eq!(echo("a\0b"), Err(Errno::EINVAL));
        let long = format!("{}\0", "z".repeat(STACK_BYTES * 2));
        assert_eq!(echo(long), Err(Errno::EINVAL));
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_round_trip_or_einval(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..1000)) {
            let got = echo(bytes.as_slice());
            if bytes.contains(&0) {
                proptest::prop_assert_eq!(got, Err(Errno::EINVAL));
            } else {
                proptest::prop_assert_eq!(got.unwrap(), bytes);
            }
        }
    }
}
