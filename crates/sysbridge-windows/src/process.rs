//! Processes: `GetCurrentProcessId`, `CreateProcessW`, `GetExitCodeProcess`. Wait for a
//! child with [`wait_for_single_object`](crate::wait::wait_for_single_object) or
//! [`ProcessInformation::wait`].

use std::ffi::OsStr;
use std::os::windows::io::FromRawHandle;
use std::time::Duration;

use crate::error::check;
use crate::handle::{AsHandle, AsRawHandle, OwnedHandle};
use crate::wait::{wait_for_single_object, WaitStatus};
use crate::wide::WideCString;
use crate::{sys, Win32Error};

/// The exit code `GetExitCodeProcess` reports for a process still running.
pub const STILL_ACTIVE: u32 = 259;

/// The calling process's identifier (`GetCurrentProcessId`).
pub fn get_current_process_id() -> u32 {
    // SAFETY: GetCurrentProcessId takes nothing and reads the process's own id.
    unsafe { sys::GetCurrentProcessId() }
}

/// A started process: `CreateProcessW`'s `PROCESS_INFORMATION`, handles owned.
#[derive(Debug)]
pub struct ProcessInformation {
    /// The process handle (all access).
    pub process: OwnedHandle,
    /// The handle of its first thread.
    pub thread: OwnedHandle,
    /// The process identifier.
    pub process_id: u32,
    /// The first thread's identifier.
    pub thread_id: u32,
}

impl ProcessInformation {
    /// Waits for the process to end, at most `timeout` (`None`: forever)
    /// (`WaitForSingleObject`).
    pub fn wait(&self, timeout: Option<Duration>) -> Result<WaitStatus, Win32Error> {
        wait_for_single_object(&self.process, timeout)
    }

    /// Its exit code, [`STILL_ACTIVE`] while it runs (`GetExitCodeProcess`).
    pub fn exit_code(&self) -> Result<u32, Win32Error> {
        get_exit_code_process(&self.process)
    }
}

/// Starts `command_line` (`CreateProcessW`: no inherited handles, default creation
/// flags, environment and directory, a zeroed `STARTUPINFOW`).
///
/// With `application` `None` the program is the command line's first token, searched
/// for as `CreateProcessW` does (the program's directory, the current directory, then
/// System32, the Windows directory and `PATH`); give `application` as a full path to
/// search nothing. `ERROR_INVALID_PARAMETER` if either string contains a NUL.
pub fn create_process(
    application: Option<&OsStr>,
    command_line: &OsStr,
) -> Result<ProcessInformation, Win32Error> {
    let application = application.map(WideCString::new).transpose()?;
    // CreateProcessW may write into the command line, so it gets its own buffer.
    let mut command_line = WideCString::new(command_line)?;
    // SAFETY: STARTUPINFOW and PROCESS_INFORMATION are plain integers and pointers, for
    // which all-zero is a valid value (null pointers, no flags).
    let mut startup: sys::STARTUPINFOW = unsafe { std::mem::zeroed() };
    startup.cb = std::mem::size_of::<sys::STARTUPINFOW>() as u32;
    // SAFETY: as above.
    let mut info: sys::PROCESS_INFORMATION = unsafe { std::mem::zeroed() };
    // SAFETY: the strings are NUL-terminated and live across the call (the command line
    // writable, as required); `startup` has its size set; `info` is a valid
    // out-parameter; null security, environment and directory mean the defaults.
    check(unsafe {
        sys::CreateProcessW(
            application
                .as_ref()
                .map_or(std::ptr::null(), WideCString::as_ptr),
            command_line.as_mut_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            sys::FALSE,
            0,
            std::ptr::null_mut(),
            std::ptr::null(),
            &mut startup,
            &mut info,
        )
    })?;
    // SAFETY: on success both handles are fresh and owned by the caller alone.
    let (process, thread) = unsafe {
        (
            OwnedHandle::from_raw_handle(info.hProcess),
            OwnedHandle::from_raw_handle(info.hThread),
        )
    };
    Ok(ProcessInformation {
        process,
        thread,
        process_id: info.dwProcessId,
        thread_id: info.dwThreadId,
    })
}

/// The exit code of `process`, [`STILL_ACTIVE`] while it runs (`GetExitCodeProcess`).
pub fn get_exit_code_process(process: impl AsHandle) -> Result<u32, Win32Error> {
    let mut code = 0u32;
    // SAFETY: the handle is open for the borrow; `code` is a valid out-parameter.
    check(unsafe { sys::GetExitCodeProcess(process.as_handle().as_raw_handle(), &mut code) })?;
    Ok(code)
}
