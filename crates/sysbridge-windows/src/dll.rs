//! Loaded DLLs and the procedures in them: Go's `LoadDLL` / `FindProc` / `Proc.Call`.
//!
//! [`Dll::load`] searches System32 only (`LoadLibraryExW` with
//! `LOAD_LIBRARY_SEARCH_SYSTEM32`, as Go's `NewLazySystemDLL` does), so that a DLL
//! planted in the current or the program's directory is never picked up. A [`Proc`]
//! borrows its [`Dll`], so it cannot outlive the module it points into.

use std::ffi::{c_void, CString};
use std::fmt;
use std::marker::PhantomData;
use std::ptr::NonNull;

use crate::error::check;
use crate::wide::WideCString;
use crate::{call, codes, sys, Win32Error};

/// A loaded DLL; `FreeLibrary` when dropped (or [`release`](Dll::release)d).
pub struct Dll {
    handle: NonNull<c_void>,
    name: String,
}

// SAFETY: a module handle is a process-wide value, usable and releasable from any thread.
unsafe impl Send for Dll {}
// SAFETY: &Dll only looks procedures up (GetProcAddress), which is thread-safe.
unsafe impl Sync for Dll {}

impl Dll {
    /// Loads `name` from System32 (`LoadLibraryExW(name, NULL,
    /// LOAD_LIBRARY_SEARCH_SYSTEM32)`): `ERROR_MOD_NOT_FOUND` if it is not there,
    /// `ERROR_INVALID_PARAMETER` if `name` contains a NUL.
    pub fn load(name: &str) -> Result<Dll, Win32Error> {
        let handle = load_system_module(name)?;
        Ok(Dll {
            handle,
            name: name.to_string(),
        })
    }

    /// The name it was loaded by.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The module handle (`HMODULE`).
    pub fn handle(&self) -> *mut c_void {
        self.handle.as_ptr()
    }

    /// Finds the exported procedure `name` (`GetProcAddress`): `ERROR_PROC_NOT_FOUND`
    /// if the DLL does not export it.
    pub fn proc(&self, name: &str) -> Result<Proc<'_>, Win32Error> {
        Ok(Proc::from_address(find_proc(self.handle, name)?, name))
    }

    /// Unloads the DLL (`FreeLibrary`), reporting a failure that dropping would ignore.
    pub fn release(self) -> Result<(), Win32Error> {
        let handle = self.handle;
        std::mem::forget(self);
        free_module(handle)
    }
}

impl Drop for Dll {
    fn drop(&mut self) {
        let _ = free_module(self.handle);
    }
}

impl fmt::Debug for Dll {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dll")
            .field("name", &self.name)
            .field("handle", &self.handle)
            .finish()
    }
}

/// A procedure found in a [`Dll`], callable with [`call`](Proc::call).
pub struct Proc<'dll> {
    address: NonNull<c_void>,
    name: String,
    dll: PhantomData<&'dll Dll>,
}

// SAFETY: a Proc is an address in a module kept loaded by the borrow; calling it from
// any thread is as (un)safe as `call` says.
unsafe impl Send for Proc<'_> {}
// SAFETY: as for Send; &Proc gives nothing but the address and `call`.
unsafe impl Sync for Proc<'_> {}

impl<'dll> Proc<'dll> {
    /// A procedure at `address` in a module that stays loaded for `'dll`.
    pub(crate) fn from_address(address: NonNull<c_void>, name: &str) -> Proc<'dll> {
        Proc {
            address,
            name: name.to_string(),
            dll: PhantomData,
        }
    }

    /// The name it was found by.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The procedure's address.
    pub fn addr(&self) -> usize {
        self.address.as_ptr() as usize
    }

    /// Calls the procedure with `args` (0 to [`MAX_ARGS`](crate::MAX_ARGS) of them), Go's
    /// `Proc.Call`: returns `(r1, r2, err)` where `r1` is the integer result (RAX), `r2`
    /// the bits of a floating-point result (XMM0; `f64::from_bits(r2 as u64)`), and `err`
    /// the thread's last error right after the call (cleared before it). As in Go, `err`
    /// is meaningful only when `r1` says the call failed, by that function's rules.
    ///
    /// A `double` argument is passed as `x.to_bits() as usize` (the first four reach
    /// XMM0..XMM3 too); a `float` as `x.to_bits() as usize`.
    ///
    /// # Panics
    /// With more than [`MAX_ARGS`](crate::MAX_ARGS) arguments.
    ///
    /// # Safety
    /// The arguments must be what the procedure expects, in number and meaning, and the
    /// call must be sound by its contract (valid pointers, open handles, …): nothing
    /// here can check what a DLL function does with them. The procedure must not let an
    /// SEH exception escape: the trampoline's frame carries no unwind information.
    pub unsafe fn call(&self, args: &[usize]) -> (usize, usize, Win32Error) {
        // SAFETY: the address came from GetProcAddress on a module kept loaded by the
        // borrow; the caller vouches for the arguments.
        unsafe { call::call(self.addr(), args) }
    }
}

impl fmt::Debug for Proc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proc")
            .field("name", &self.name)
            .field("address", &self.address)
            .finish()
    }
}

/// `LoadLibraryExW(name, NULL, LOAD_LIBRARY_SEARCH_SYSTEM32)`.
pub(crate) fn load_system_module(name: &str) -> Result<NonNull<c_void>, Win32Error> {
    let wide = WideCString::new(name)?;
    // SAFETY: `wide` is a NUL-terminated UTF-16 string living across the call; the
    // reserved file handle must be null.
    let handle = unsafe {
        sys::LoadLibraryExW(
            wide.as_ptr(),
            std::ptr::null_mut(),
            sys::LOAD_LIBRARY_SEARCH_SYSTEM32,
        )
    };
    NonNull::new(handle).ok_or_else(Win32Error::last)
}

/// `FreeLibrary(handle)`.
pub(crate) fn free_module(handle: NonNull<c_void>) -> Result<(), Win32Error> {
    // SAFETY: the caller owns one reference to the module, given up here.
    check(unsafe { sys::FreeLibrary(handle.as_ptr()) })
}

/// `GetProcAddress(module, name)`.
pub(crate) fn find_proc(
    module: NonNull<c_void>,
    name: &str,
) -> Result<NonNull<c_void>, Win32Error> {
    let name = CString::new(name).map_err(|_| codes::ERROR_INVALID_PARAMETER)?;
    // SAFETY: `module` is a loaded module (its owner keeps it so); `name` is a
    // NUL-terminated string living across the call.
    let address = unsafe { sys::GetProcAddress(module.as_ptr(), name.as_ptr().cast()) };
    NonNull::new(address).ok_or_else(Win32Error::last)
}
