//! DLLs and procedures resolved on first use, for statics: Go's `NewLazySystemDLL` and
//! `LazyDLL.NewProc`.
//!
//! ```text
//! static KERNEL32: LazyDll = LazyDll::new("kernel32.dll");
//! static GET_TICK_COUNT: LazyProc = KERNEL32.proc("GetTickCount");
//! ```
//!
//! Resolution is lock-free and thread-safe: the first successful lookup is stored in an
//! atomic and every later use reads it. A failed lookup is not stored, so a later call
//! tries again (as Go's `Load` and `Find` do). A module loaded this way stays loaded for
//! the rest of the process, which is what lets a [`LazyProc`] hand out `'static`
//! [`Proc`]s.

use std::ffi::c_void;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicPtr, Ordering};

use crate::dll::{find_proc, free_module, load_system_module, Proc};
use crate::Win32Error;

/// A System32 DLL loaded on first use; usable in a `static`.
#[derive(Debug)]
pub struct LazyDll {
    name: &'static str,
    handle: AtomicPtr<c_void>,
}

impl LazyDll {
    /// A DLL to be loaded from System32 by `name` when first needed; loads nothing yet.
    pub const fn new(name: &'static str) -> LazyDll {
        LazyDll {
            name,
            handle: AtomicPtr::new(std::ptr::null_mut()),
        }
    }

    /// A procedure of this DLL, resolved when first needed.
    pub const fn proc(&'static self, name: &'static str) -> LazyProc {
        LazyProc {
            dll: self,
            name,
            address: AtomicPtr::new(std::ptr::null_mut()),
        }
    }

    /// The DLL's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Loads the DLL now if it is not loaded yet (Go's `LazyDLL.Load`): the error
    /// [`Dll::load`](crate::Dll::load) would give.
    pub fn load(&self) -> Result<(), Win32Error> {
        self.handle().map(|_| ())
    }

    /// The module handle, loading the DLL if needed.
    pub fn handle(&self) -> Result<NonNull<c_void>, Win32Error> {
        resolve(&self.handle, || {
            let handle = load_system_module(self.name)?;
            Ok((handle, Some(handle)))
        })
    }
}

/// A procedure of a [`LazyDll`], found on first use; usable in a `static`.
#[derive(Debug)]
pub struct LazyProc {
    dll: &'static LazyDll,
    name: &'static str,
    address: AtomicPtr<c_void>,
}

impl LazyProc {
    /// The procedure `name` of `dll`, resolved when first needed.
    pub const fn new(dll: &'static LazyDll, name: &'static str) -> LazyProc {
        dll.proc(name)
    }

    /// The procedure's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Loads the DLL and finds the procedure now if not done yet (Go's
    /// `LazyProc.Find`): `ERROR_MOD_NOT_FOUND` or `ERROR_PROC_NOT_FOUND`.
    pub fn find(&self) -> Result<Proc<'static>, Win32Error> {
        let address = resolve(&self.address, || {
            Ok((find_proc(self.dll.handle()?, self.name)?, None))
        })?;
        Ok(Proc::from_address(address, self.name))
    }

    /// The procedure's address, resolving it if needed.
    pub fn addr(&self) -> Result<usize, Win32Error> {
        self.find().map(|proc| proc.addr())
    }

    /// Resolves the procedure if needed and calls it, as [`Proc::call`] does (Go's
    /// `LazyProc.Call`).
    ///
    /// # Panics
    /// If the DLL or the procedure cannot be found (as Go's `LazyProc.Call` does; use
    /// [`find`](LazyProc::find) first to handle that), or with more than
    /// [`MAX_ARGS`](crate::MAX_ARGS) arguments.
    ///
    /// # Safety
    /// As for [`Proc::call`].
    pub unsafe fn call(&self, args: &[usize]) -> (usize, usize, Win32Error) {
        let proc = match self.find() {
            Ok(proc) => proc,
            Err(err) => panic!("{} in {}: {}", self.name, self.dll.name, err),
        };
        // SAFETY: the caller vouches for the arguments, as Proc::call requires.
        unsafe { proc.call(args) }
    }
}

/// The value cached in `slot`, or the one `lookup` finds, stored for next time. When two
/// threads race, one value wins and the loser's `release` (a module reference it took)
/// is given back.
fn resolve(
    slot: &AtomicPtr<c_void>,
    lookup: impl FnOnce() -> Result<(NonNull<c_void>, Option<NonNull<c_void>>), Win32Error>,
) -> Result<NonNull<c_void>, Win32Error> {
    if let Some(found) = NonNull::new(slot.load(Ordering::Acquire)) {
        return Ok(found);
    }
    let (found, release) = lookup()?;
    match slot.compare_exchange(
        std::ptr::null_mut(),
        found.as_ptr(),
        Ordering::AcqRel,
        Ordering::Acquire,
    ) {
        Ok(_) => Ok(found),
        Err(winner) => {
            if let Some(module) = release {
                let _ = free_module(module);
            }
            // A non-null value was stored by the winner.
            Ok(NonNull::new(winner).unwrap_or(found))
        }
    }
}
