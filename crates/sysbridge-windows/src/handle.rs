//! Kernel object handles. Ownership uses std's [`OwnedHandle`] (closed with `CloseHandle`
//! on drop) and [`BorrowedHandle`]/[`AsHandle`], so handles move freely between this
//! crate and std (`File::from(OwnedHandle)` and back); [`close_handle`] closes one and
//! reports the error that dropping would ignore.

pub use std::os::windows::io::{AsHandle, AsRawHandle, BorrowedHandle, OwnedHandle};
use std::os::windows::io::{FromRawHandle, IntoRawHandle};

use crate::error::check;
use crate::{sys, Win32Error};

/// Closes `handle` (`CloseHandle`), reporting a failure.
pub fn close_handle(handle: OwnedHandle) -> Result<(), Win32Error> {
    let raw = handle.into_raw_handle();
    // SAFETY: `raw` was owned by `handle`, whose ownership ends here: nothing else
    // closes it or uses it afterwards.
    check(unsafe { sys::CloseHandle(raw) })
}

/// Takes ownership of what a function returning `INVALID_HANDLE_VALUE` on failure
/// (`CreateFileW`) returned, or the thread's last error.
///
/// # Safety
/// `raw` must be the function's fresh return value: a handle nobody else owns, or
/// `INVALID_HANDLE_VALUE`, with the last error untouched since.
pub(crate) unsafe fn owned_or_invalid(raw: sys::HANDLE) -> Result<OwnedHandle, Win32Error> {
    if raw == sys::INVALID_HANDLE_VALUE {
        Err(Win32Error::last())
    } else {
        // SAFETY: a fresh handle owned by no one else, per the contract.
        Ok(unsafe { OwnedHandle::from_raw_handle(raw) })
    }
}

/// Takes ownership of what a function returning NULL on failure (`CreateEventW`,
/// `CreateIoCompletionPort`) returned, or the thread's last error.
///
/// # Safety
/// As for [`owned_or_invalid`], with NULL as the failure value.
pub(crate) unsafe fn owned_or_null(raw: sys::HANDLE) -> Result<OwnedHandle, Win32Error> {
    if raw.is_null() {
        Err(Win32Error::last())
    } else {
        // SAFETY: a fresh handle owned by no one else, per the contract.
        Ok(unsafe { OwnedHandle::from_raw_handle(raw) })
    }
}
