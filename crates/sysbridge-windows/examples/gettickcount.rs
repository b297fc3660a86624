//! The seed program: GetTickCount through Go's LoadDLL / FindProc / Call, here
//! `Dll::load` / `Dll::proc` / `Proc::call`, then the same through a lazily resolved
//! static, as Go's `NewLazySystemDLL(...).NewProc(...)`.
//!
//! `cargo run --example gettickcount --target x86_64-pc-windows-gnu` (under Wine on Linux).

use sysbridge_windows::{Dll, LazyDll, LazyProc, Win32Error};

static KERNEL32: LazyDll = LazyDll::new("kernel32.dll");
static GET_TICK_COUNT: LazyProc = KERNEL32.proc("GetTickCount");

fn main() -> Result<(), Win32Error> {
    let kernel32 = Dll::load("kernel32.dll")?;
    let get_tick_count = kernel32.proc("GetTickCount")?;
    // SAFETY: DWORD GetTickCount(void) takes no arguments.
    let (ticks, _, _) = unsafe { get_tick_count.call(&[]) };
    println!(
        "GetTickCount() = {} ms since the system started",
        ticks as u32
    );

    GET_TICK_COUNT.find()?;
    // SAFETY: as above.
    let (ticks, _, _) = unsafe { GET_TICK_COUNT.call(&[]) };
    println!("lazily: {} ms", ticks as u32);

    match kernel32.proc("GetTickCount128") {
        Ok(_) => println!("unexpected: GetTickCount128 exists"),
        Err(err) => println!("kernel32.dll has no GetTickCount128: {}", err),
    }
    kernel32.release()
}
