//! UTF-16 strings for the `W` functions: [`WideCString`] (NUL-terminated, built from any
//! `&str`/`&OsStr`/`&Path`, an interior NUL refused rather than silently truncating the
//! string) and [`from_wide`] back to an [`OsString`].
//!
//! Windows strings are potentially ill-formed UTF-16; [`OsStr`] holds exactly those, so a
//! round trip through [`WideCString`] loses nothing, unpaired surrogates included.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::os::windows::ffi::{OsStrExt, OsStringExt};

use crate::{codes, Win32Error};

/// An owned, NUL-terminated UTF-16 string with no NUL before the terminator.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct WideCString {
    /// The units, terminator included.
    units: Vec<u16>,
}

/// A string given to [`WideCString::new`] contained a NUL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InteriorNul {
    position: usize,
}

impl InteriorNul {
    /// Index, in UTF-16 units, of the first NUL.
    pub fn position(&self) -> usize {
        self.position
    }
}

impl fmt::Display for InteriorNul {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "string contains a NUL at UTF-16 unit {}", self.position)
    }
}

impl std::error::Error for InteriorNul {}

/// `ERROR_INVALID_PARAMETER` (EINVAL), as Go's `UTF16PtrFromString` gives `EINVAL`.
impl From<InteriorNul> for Win32Error {
    fn from(_: InteriorNul) -> Win32Error {
        codes::ERROR_INVALID_PARAMETER
    }
}

impl WideCString {
    /// Encodes `s` as UTF-16 and appends the terminator; an error if `s` contains a NUL.
    pub fn new<S: AsRef<OsStr>>(s: S) -> Result<Self, InteriorNul> {
        let mut units: Vec<u16> = s.as_ref().encode_wide().collect();
        if let Some(position) = units.iter().position(|&u| u == 0) {
            return Err(InteriorNul { position });
        }
        units.push(0);
        Ok(WideCString { units })
    }

    /// Pointer to the first unit, valid while `self` lives, for an `LPCWSTR` argument.
    pub fn as_ptr(&self) -> *const u16 {
        self.units.as_ptr()
    }

    /// Mutable pointer to the first unit, for the `LPWSTR` arguments that Windows may
    /// write to (`CreateProcessW`'s command line).
    pub(crate) fn as_mut_ptr(&mut self) -> *mut u16 {
        self.units.as_mut_ptr()
    }

    /// The units without the terminator.
    pub fn as_units(&self) -> &[u16] {
        &self.units[..self.units.len() - 1]
    }

    /// The units with the terminator.
    pub fn as_units_with_nul(&self) -> &[u16] {
        &self.units
    }

    /// Decodes back into an [`OsString`].
    pub fn to_os_string(&self) -> OsString {
        OsString::from_wide(self.as_units())
    }
}

impl fmt::Debug for WideCString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.to_os_string())
    }
}

/// Decodes UTF-16 units up to the first NUL (or the end) into an [`OsString`], as
/// Windows returns strings in fixed buffers.
pub fn from_wide(units: &[u16]) -> OsString {
    let end = units.iter().position(|&u| u == 0).unwrap_or(units.len());
    OsString::from_wide(&units[..end])
}
