//! Virtual memory: [`VirtualRegion`], committed pages owned from `VirtualAlloc` to
//! `VirtualFree`, re-protected with `VirtualProtect` and inspected with `VirtualQuery`.
//!
//! The region remembers the protection it set, and hands out `&[u8]` only while its pages
//! are readable and `&mut [u8]` only while they are writable, so safe code can never touch
//! a page the processor would fault on. Protection changes need `&mut self`, so no slice
//! outlives the protection it was handed out under.

use std::ffi::c_void;
use std::ptr::NonNull;

use crate::error::check;
use crate::{codes, sys, Win32Error};

/// A page protection (`PAGE_*`), without the `PAGE_GUARD`/`PAGE_NOCACHE` modifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum PageProtection {
    /// `PAGE_NOACCESS`: any access faults.
    NoAccess = 0x01,
    /// `PAGE_READONLY`.
    ReadOnly = 0x02,
    /// `PAGE_READWRITE`.
    ReadWrite = 0x04,
    /// `PAGE_WRITECOPY`: for mapped views only; `VirtualAlloc` refuses it.
    WriteCopy = 0x08,
    /// `PAGE_EXECUTE`.
    Execute = 0x10,
    /// `PAGE_EXECUTE_READ`.
    ExecuteRead = 0x20,
    /// `PAGE_EXECUTE_READWRITE`.
    ExecuteReadWrite = 0x40,
    /// `PAGE_EXECUTE_WRITECOPY`: for mapped views only.
    ExecuteWriteCopy = 0x80,
}

/// The modifier bits `VirtualQuery` may report beside the protection.
const PAGE_MODIFIERS: u32 = 0x100 | 0x200 | 0x400; // PAGE_GUARD, PAGE_NOCACHE, PAGE_WRITECOMBINE

impl PageProtection {
    const ALL: [PageProtection; 8] = [
        PageProtection::NoAccess,
        PageProtection::ReadOnly,
        PageProtection::ReadWrite,
        PageProtection::WriteCopy,
        PageProtection::Execute,
        PageProtection::ExecuteRead,
        PageProtection::ExecuteReadWrite,
        PageProtection::ExecuteWriteCopy,
    ];

    /// The protection a raw `PAGE_*` value names, modifiers ignored; `None` for 0 or a
    /// value that is not exactly one protection.
    pub fn from_raw(raw: u32) -> Option<PageProtection> {
        let base = raw & !PAGE_MODIFIERS;
        PageProtection::ALL
            .iter()
            .copied()
            .find(|&p| p as u32 == base)
    }

    /// Whether pages with this protection can be read.
    pub fn is_readable(self) -> bool {
        !matches!(self, PageProtection::NoAccess | PageProtection::Execute)
    }

    /// Whether pages with this protection can be written.
    pub fn is_writable(self) -> bool {
        matches!(
            self,
            PageProtection::ReadWrite
                | PageProtection::WriteCopy
                | PageProtection::ExecuteReadWrite
                | PageProtection::ExecuteWriteCopy
        )
    }
}

/// The state of a range of pages (`MEM_COMMIT`, `MEM_RESERVE`, `MEM_FREE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MemoryState {
    /// `MEM_COMMIT`: backed by memory or the page file.
    Commit,
    /// `MEM_RESERVE`: address space reserved, nothing behind it.
    Reserve,
    /// `MEM_FREE`: unallocated.
    Free,
}

/// What `VirtualQuery` tells about the run of pages containing an address
/// (`MEMORY_BASIC_INFORMATION`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryInfo {
    /// Start of the run of pages with the same attributes.
    pub base_address: usize,
    /// Start of the allocation the pages belong to.
    pub allocation_base: usize,
    /// The protection the allocation was made with (raw `PAGE_*`; 0 if free).
    pub allocation_protect: u32,
    /// Length of the run, in bytes.
    pub region_size: usize,
    /// Committed, reserved or free.
    pub state: MemoryState,
    /// The pages' current protection (raw `PAGE_*` with modifiers; 0 unless committed);
    /// see [`MemoryInfo::protection`].
    pub protect: u32,
}

impl MemoryInfo {
    /// The current protection, if the pages are committed.
    pub fn protection(&self) -> Option<PageProtection> {
        PageProtection::from_raw(self.protect)
    }
}

/// Describes the pages containing `address` in this process (`VirtualQuery`). Only
/// reads the process's page tables, so any address may be asked about;
/// `ERROR_INVALID_PARAMETER` above the user address space.
pub fn virtual_query(address: usize) -> Result<MemoryInfo, Win32Error> {
    // SAFETY: all-zero is a valid MEMORY_BASIC_INFORMATION (integers and null pointers).
    let mut info: sys::MEMORY_BASIC_INFORMATION = unsafe { std::mem::zeroed() };
    let size = std::mem::size_of::<sys::MEMORY_BASIC_INFORMATION>();
    // SAFETY: VirtualQuery does not dereference `address`; `info` is writable for
    // `size` bytes.
    let written = unsafe { sys::VirtualQuery(address as *const c_void, &mut info, size) };
    if written == 0 {
        return Err(Win32Error::last());
    }
    let state = match info.State {
        sys::MEM_COMMIT => MemoryState::Commit,
        sys::MEM_RESERVE => MemoryState::Reserve,
        _ => MemoryState::Free,
    };
    Ok(MemoryInfo {
        base_address: info.BaseAddress as usize,
        allocation_base: info.AllocationBase as usize,
        allocation_protect: info.AllocationProtect,
        region_size: info.RegionSize,
        state,
        protect: info.Protect,
    })
}

/// Committed, zero-filled pages of this process, released (`VirtualFree`) on drop.
#[derive(Debug)]
pub struct VirtualRegion {
    address: NonNull<u8>,
    len: usize,
    protection: PageProtection,
}

// SAFETY: the region exclusively owns its pages; access goes through &self/&mut self.
unsafe impl Send for VirtualRegion {}
// SAFETY: &VirtualRegion gives only shared reads (as_slice) and queries.
unsafe impl Sync for VirtualRegion {}

impl VirtualRegion {
    /// Reserves and commits at least `len` bytes (whole pages) with `protection`
    /// (`VirtualAlloc(NULL, len, MEM_COMMIT | MEM_RESERVE, protection)`).
    /// `ERROR_INVALID_PARAMETER` for `len` 0 or a write-copy protection.
    pub fn alloc(len: usize, protection: PageProtection) -> Result<VirtualRegion, Win32Error> {
        if len == 0 {
            return Err(codes::ERROR_INVALID_PARAMETER);
        }
        // SAFETY: a null address lets the system choose fresh pages: nothing existing
        // is touched.
        let address = unsafe {
            sys::VirtualAlloc(
                std::ptr::null_mut(),
                len,
                sys::MEM_COMMIT | sys::MEM_RESERVE,
                protection as u32,
            )
        };
        let address = NonNull::new(address.cast::<u8>()).ok_or_else(Win32Error::last)?;
        Ok(VirtualRegion {
            address,
            len,
            protection,
        })
    }

    /// The first byte's address.
    pub fn as_ptr(&self) -> *const u8 {
        self.address.as_ptr()
    }

    /// The first byte's address, for writing through raw pointers (which the current
    /// protection must allow).
    pub fn as_mut_ptr(&mut self) -> *mut u8 {
        self.address.as_ptr()
    }

    /// The length asked for (the pages behind it may extend further).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false: a region has at least one byte.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The protection last set through this region.
    pub fn protection(&self) -> PageProtection {
        self.protection
    }

    /// The bytes, if the protection allows reading.
    pub fn as_slice(&self) -> Option<&[u8]> {
        if !self.protection.is_readable() {
            return None;
        }
        // SAFETY: the region owns `len` committed, initialised (zero-filled, then only
        // written as u8) bytes, readable under the current protection, which cannot
        // change while this shared borrow lives (protect takes &mut self).
        Some(unsafe { std::slice::from_raw_parts(self.address.as_ptr(), self.len) })
    }

    /// The bytes, writable, if the protection allows writing.
    pub fn as_mut_slice(&mut self) -> Option<&mut [u8]> {
        if !self.protection.is_writable() {
            return None;
        }
        // SAFETY: as for as_slice, the pages also writable; the exclusive borrow of
        // self makes this the only reference.
        Some(unsafe { std::slice::from_raw_parts_mut(self.address.as_ptr(), self.len) })
    }

    /// Changes the protection of all the region's pages (`VirtualProtect`): the previous
    /// one (of the first page, as Windows reports it).
    pub fn protect(&mut self, protection: PageProtection) -> Result<PageProtection, Win32Error> {
        let mut old = 0u32;
        // SAFETY: the range is the region's own committed pages; no reference into them
        // is alive (this takes &mut self); `old` is a valid out-parameter.
        check(unsafe {
            sys::VirtualProtect(
                self.address.as_ptr().cast(),
                self.len,
                protection as u32,
                &mut old,
            )
        })?;
        self.protection = protection;
        Ok(PageProtection::from_raw(old).unwrap_or(protection))
    }

    /// What `VirtualQuery` reports for the region's first page.
    pub fn query(&self) -> Result<MemoryInfo, Win32Error> {
        virtual_query(self.address.as_ptr() as usize)
    }

    /// Releases the pages (`VirtualFree(address, 0, MEM_RELEASE)`), reporting a failure
    /// that dropping would ignore.
    pub fn free(self) -> Result<(), Win32Error> {
        let address = self.address;
        std::mem::forget(self);
        release(address)
    }
}

impl Drop for VirtualRegion {
    fn drop(&mut self) {
        let _ = release(self.address);
    }
}

/// `VirtualFree(address, 0, MEM_RELEASE)`.
fn release(address: NonNull<u8>) -> Result<(), Win32Error> {
    // SAFETY: `address` is the base of an allocation this process made with
    // VirtualAlloc and owns alone; nothing refers into it any more.
    check(unsafe { sys::VirtualFree(address.as_ptr().cast(), 0, sys::MEM_RELEASE) })
}
