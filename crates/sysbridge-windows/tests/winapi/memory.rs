use std::io::SeekFrom;

use sysbridge_windows::fs::{
    create_file, delete_file, set_file_pointer, write_file, CreationDisposition, FileAccess,
    FileFlags, FileShare,
};
use sysbridge_windows::handle::AsRawHandle;
use sysbridge_windows::memory::{virtual_query, MemoryState, PageProtection, VirtualRegion};
use sysbridge_windows::{codes, LazyProc, Win32Error};

use crate::{temp_path, KERNEL32};

static READ_FILE: LazyProc = KERNEL32.proc("ReadFile");

/// Asks the kernel to write `len` bytes of a file into `dest` (ReadFile from offset 0):
/// a write that is refused with an error, not a crash, when the pages are read-only.
fn kernel_write(dest: *mut u8, len: usize) -> Result<usize, Win32Error> {
    let path = temp_path("kernel-write");
    let file = create_file(
        &path,
        FileAccess::GENERIC_READ | FileAccess::GENERIC_WRITE,
        FileShare::empty(),
        CreationDisposition::CreateNew,
        FileFlags::FLAG_DELETE_ON_CLOSE,
    )?;
    write_file(&file, &vec![0xA5; len])?;
    set_file_pointer(&file, SeekFrom::Start(0))?;
    let mut read = 0u32;
    // SAFETY: ReadFile(HANDLE, LPVOID, DWORD, LPDWORD, LPOVERLAPPED) on a synchronous
    // handle: `dest` is the caller's region of at least `len` bytes (the kernel checks
    // that it may write there), `read` a valid out-parameter, no OVERLAPPED.
    let (ok, _, err) = unsafe {
        READ_FILE.call(&[
            file.as_raw_handle() as usize,
            dest as usize,
            len,
            &mut read as *mut u32 as usize,
            0,
        ])
    };
    drop(file);
    let _ = delete_file(&path);
    if ok != 0 {
        Ok(read as usize)
    } else {
        Err(err)
    }
}

#[test]
fn allocated_memory_is_writable_and_read_only_is_honoured() {
    let mut region = VirtualRegion::alloc(3 * 4096, PageProtection::ReadWrite).unwrap();
    assert_eq!(region.len(), 3 * 4096);
    assert_eq!(region.as_ptr() as usize % 4096, 0);
    let info = region.query().unwrap();
    assert_eq!(info.state, MemoryState::Commit);
    assert_eq!(info.protection(), Some(PageProtection::ReadWrite));
    assert_eq!(info.base_address, region.as_ptr() as usize);
    assert!(info.region_size >= 3 * 4096);

    // Fresh pages are zero; writes stick.
    let bytes = region.as_mut_slice().unwrap();
    assert!(bytes.iter().all(|&b| b == 0));
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = i as u8;
    }
    assert_eq!(region.as_slice().unwrap()[4097], 1);
    // The kernel may write there too.
    assert_eq!(kernel_write(region.as_mut_ptr(), 4096), Ok(4096));
    assert_eq!(region.as_slice().unwrap()[0], 0xA5);

    // Read-only: VirtualQuery reports it, no writable slice is handed out, and a write
    // by the kernel is refused with ERROR_NOACCESS, leaving the bytes as they were.
    let old = region.protect(PageProtection::ReadOnly).unwrap();
    assert_eq!(old, PageProtection::ReadWrite);
    assert_eq!(region.protection(), PageProtection::ReadOnly);
    assert_eq!(
        region.query().unwrap().protection(),
        Some(PageProtection::ReadOnly)
    );
    assert!(region.as_mut_slice().is_none());
    let refused = kernel_write(region.as_mut_ptr().wrapping_add(4096), 4096).unwrap_err();
    assert_eq!(refused, codes::ERROR_NOACCESS);
    assert_eq!(refused.to_errno(), Some(sysbridge_windows::errno::EFAULT));
    let bytes = region.as_slice().unwrap();
    assert_eq!((bytes[0], bytes[4097], bytes[8194]), (0xA5, 1, 2));

    // No access at all: not even a shared slice.
    assert_eq!(
        region.protect(PageProtection::NoAccess),
        Ok(PageProtection::ReadOnly)
    );
    assert!(region.as_slice().is_none());
    assert_eq!(
        region.query().unwrap().protection(),
        Some(PageProtection::NoAccess)
    );

    // Writable again.
    region.protect(PageProtection::ReadWrite).unwrap();
    assert_eq!(
        kernel_write(region.as_mut_ptr().wrapping_add(4096), 10),
        Ok(10)
    );
    assert_eq!(region.as_slice().unwrap()[4096], 0xA5);
    region.free().unwrap();
}

#[test]
fn bad_allocations_are_errors() {
    let zero = VirtualRegion::alloc(0, PageProtection::ReadWrite).unwrap_err();
    assert_eq!(zero, codes::ERROR_INVALID_PARAMETER);
    let write_copy = VirtualRegion::alloc(4096, PageProtection::WriteCopy).unwrap_err();
    assert_eq!(write_copy, codes::ERROR_INVALID_PARAMETER);
}

#[test]
fn query_describes_the_stack_and_raw_protections_decode() {
    let local = 0u64;
    let info = virtual_query(&local as *const u64 as usize).unwrap();
    assert_eq!(info.state, MemoryState::Commit);
    assert_eq!(info.protection(), Some(PageProtection::ReadWrite));
    assert!(info.base_address <= &local as *const u64 as usize);
    assert_eq!(
        PageProtection::from_raw(0x104),
        Some(PageProtection::ReadWrite)
    ); // PAGE_GUARD
    assert_eq!(PageProtection::from_raw(0), None);
    assert_eq!(PageProtection::from_raw(0x06), None);
    assert!(
        PageProtection::ExecuteRead.is_readable() && !PageProtection::ExecuteRead.is_writable()
    );
    assert!(!PageProtection::Execute.is_readable());
}
