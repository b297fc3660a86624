//! The raw Win32 layer: the `extern "system"` declarations of the functions this crate
//! calls, the structures they take, and their constants. Nothing here is public; the
//! typed wrappers in the other modules are the only callers.
//!
//! Layouts are those of x86_64 Windows, checked by the `const` assertions at the end.

#![allow(non_snake_case, non_camel_case_types, clippy::upper_case_acronyms)]

use std::ffi::c_void;
use std::os::windows::io::RawHandle;

pub(crate) type BOOL = i32;
pub(crate) type HANDLE = RawHandle;
pub(crate) type HMODULE = *mut c_void;

pub(crate) const FALSE: BOOL = 0;
pub(crate) const TRUE: BOOL = 1;
pub(crate) const INVALID_HANDLE_VALUE: HANDLE = -1isize as HANDLE;
pub(crate) const INFINITE: u32 = 0xFFFF_FFFF;

// LoadLibraryExW
pub(crate) const LOAD_LIBRARY_SEARCH_SYSTEM32: u32 = 0x0000_0800;

// FormatMessageW
pub(crate) const FORMAT_MESSAGE_IGNORE_INSERTS: u32 = 0x0000_0200;
pub(crate) const FORMAT_MESSAGE_FROM_SYSTEM: u32 = 0x0000_1000;

// CreateFileW
pub(crate) const FILE_FLAG_OVERLAPPED: u32 = 0x4000_0000;

// SetFilePointerEx
pub(crate) const FILE_BEGIN: u32 = 0;
pub(crate) const FILE_CURRENT: u32 = 1;
pub(crate) const FILE_END: u32 = 2;

// VirtualAlloc / VirtualFree
pub(crate) const MEM_COMMIT: u32 = 0x0000_1000;
pub(crate) const MEM_RESERVE: u32 = 0x0000_2000;
pub(crate) const MEM_RELEASE: u32 = 0x0000_8000;

// WaitForSingleObject
pub(crate) const WAIT_OBJECT_0: u32 = 0;
pub(crate) const WAIT_ABANDONED: u32 = 0x80;
pub(crate) const WAIT_TIMEOUT: u32 = 258;
pub(crate) const WAIT_FAILED: u32 = 0xFFFF_FFFF;

/// `OVERLAPPED`, with the `Offset`/`OffsetHigh` arm of its union.
#[repr(C)]
pub(crate) struct OVERLAPPED {
    pub(crate) Internal: usize,
    pub(crate) InternalHigh: usize,
    pub(crate) Offset: u32,
    pub(crate) OffsetHigh: u32,
    pub(crate) hEvent: HANDLE,
}

#[repr(C)]
pub(crate) struct STARTUPINFOW {
    pub(crate) cb: u32,
    pub(crate) lpReserved: *mut u16,
    pub(crate) lpDesktop: *mut u16,
    pub(crate) lpTitle: *mut u16,
    pub(crate) dwX: u32,
    pub(crate) dwY: u32,
    pub(crate) dwXSize: u32,
    pub(crate) dwYSize: u32,
    pub(crate) dwXCountChars: u32,
    pub(crate) dwYCountChars: u32,
    pub(crate) dwFillAttribute: u32,
    pub(crate) dwFlags: u32,
    pub(crate) wShowWindow: u16,
    pub(crate) cbReserved2: u16,
    pub(crate) lpReserved2: *mut u8,
    pub(crate) hStdInput: HANDLE,
    pub(crate) hStdOutput: HANDLE,
    pub(crate) hStdError: HANDLE,
}

#[repr(C)]
pub(crate) struct PROCESS_INFORMATION {
    pub(crate) hProcess: HANDLE,
    pub(crate) hThread: HANDLE,
    pub(crate) dwProcessId: u32,
    pub(crate) dwThreadId: u32,
}

#[repr(C)]
pub(crate) struct MEMORY_BASIC_INFORMATION {
    pub(crate) BaseAddress: *mut c_void,
    pub(crate) AllocationBase: *mut c_void,
    pub(crate) AllocationProtect: u32,
    pub(crate) PartitionId: u16,
    pub(crate) RegionSize: usize,
    pub(crate) State: u32,
    pub(crate) Protect: u32,
    pub(crate) Type: u32,
}

#[link(name = "kernel32")]
extern "system" {
    pub(crate) fn GetLastError() -> u32;
    pub(crate) fn SetLastError(code: u32);
    pub(crate) fn FormatMessageW(
        flags: u32,
        source: *const c_void,
        message_id: u32,
        language_id: u32,
        buffer: *mut u16,
        size: u32,
        arguments: *mut c_void,
    ) -> u32;

    pub(crate) fn LoadLibraryExW(name: *const u16, file: HANDLE, flags: u32) -> HMODULE;
    pub(crate) fn FreeLibrary(module: HMODULE) -> BOOL;
    pub(crate) fn GetProcAddress(module: HMODULE, name: *const u8) -> *mut c_void;

    pub(crate) fn CloseHandle(handle: HANDLE) -> BOOL;
    pub(crate) fn CreateFileW(
        name: *const u16,
        access: u32,
        share: u32,
        security: *mut c_void,
        disposition: u32,
        flags: u32,
        template: HANDLE,
    ) -> HANDLE;
    pub(crate) fn ReadFile(
        file: HANDLE,
        buffer: *mut u8,
        len: u32,
        read: *mut u32,
        overlapped: *mut OVERLAPPED,
    ) -> BOOL;
    pub(crate) fn WriteFile(
        file: HANDLE,
        buffer: *const u8,
        len: u32,
        written: *mut u32,
        overlapped: *mut OVERLAPPED,
    ) -> BOOL;
    pub(crate) fn SetFilePointerEx(file: HANDLE, distance: i64, new: *mut i64, how: u32) -> BOOL;
    pub(crate) fn GetFileSizeEx(file: HANDLE, size: *mut i64) -> BOOL;
    pub(crate) fn FlushFileBuffers(file: HANDLE) -> BOOL;
    pub(crate) fn DeleteFileW(name: *const u16) -> BOOL;
    pub(crate) fn CreateDirectoryW(name: *const u16, security: *mut c_void) -> BOOL;
    pub(crate) fn RemoveDirectoryW(name: *const u16) -> BOOL;

    pub(crate) fn GetTickCount64() -> u64;
    pub(crate) fn QueryPerformanceCounter(count: *mut i64) -> BOOL;
    pub(crate) fn QueryPerformanceFrequency(frequency: *mut i64) -> BOOL;

    pub(crate) fn VirtualAlloc(
        address: *mut c_void,
        size: usize,
        kind: u32,
        protect: u32,
    ) -> *mut c_void;
    pub(crate) fn VirtualFree(address: *mut c_void, size: usize, kind: u32) -> BOOL;
    pub(crate) fn VirtualProtect(
        address: *mut c_void,
        size: usize,
        protect: u32,
        old: *mut u32,
    ) -> BOOL;
    pub(crate) fn VirtualQuery(
        address: *const c_void,
        info: *mut MEMORY_BASIC_INFORMATION,
        len: usize,
    ) -> usize;

    pub(crate) fn GetCurrentProcessId() -> u32;
    pub(crate) fn CreateProcessW(
        application: *const u16,
        command_line: *mut u16,
        process_security: *mut c_void,
        thread_security: *mut c_void,
        inherit_handles: BOOL,
        flags: u32,
        environment: *mut c_void,
        directory: *const u16,
        startup: *mut STARTUPINFOW,
        info: *mut PROCESS_INFORMATION,
    ) -> BOOL;
    pub(crate) fn GetExitCodeProcess(process: HANDLE, code: *mut u32) -> BOOL;
    pub(crate) fn WaitForSingleObject(handle: HANDLE, milliseconds: u32) -> u32;
    pub(crate) fn CreateEventW(
        security: *mut c_void,
        manual_reset: BOOL,
        initial_state: BOOL,
        name: *const u16,
    ) -> HANDLE;

    pub(crate) fn CreateIoCompletionPort(
        file: HANDLE,
        port: HANDLE,
        key: usize,
        threads: u32,
    ) -> HANDLE;
    pub(crate) fn GetQueuedCompletionStatus(
        port: HANDLE,
        bytes: *mut u32,
        key: *mut usize,
        overlapped: *mut *mut OVERLAPPED,
        milliseconds: u32,
    ) -> BOOL;
    pub(crate) fn PostQueuedCompletionStatus(
        port: HANDLE,
        bytes: u32,
        key: usize,
        overlapped: *mut OVERLAPPED,
    ) -> BOOL;
    pub(crate) fn GetOverlappedResult(
        file: HANDLE,
        overlapped: *mut OVERLAPPED,
        bytes: *mut u32,
        wait: BOOL,
    ) -> BOOL;
    pub(crate) fn CancelIoEx(file: HANDLE, overlapped: *mut OVERLAPPED) -> BOOL;
}

#[link(name = "ntdll")]
extern "system" {
    pub(crate) fn RtlNtStatusToDosError(status: i32) -> u32;
}

// The x86_64 layouts the declarations above rely on.
const _: () = assert!(std::mem::size_of::<OVERLAPPED>() == 32);
const _: () = assert!(std::mem::size_of::<STARTUPINFOW>() == 104);
const _: () = assert!(std::mem::size_of::<PROCESS_INFORMATION>() == 24);
const _: () = assert!(std::mem::size_of::<MEMORY_BASIC_INFORMATION>() == 48);
