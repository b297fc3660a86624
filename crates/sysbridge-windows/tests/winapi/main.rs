//! The crate's tests against the Windows API (run under Wine on Linux: `.ci/windows`).
//! One test binary, so that Wine starts once; one module per area.

mod dll;
mod errors;
mod fs;
mod generated;
mod iocp;
mod memory;
mod process;
mod time;
mod wide;

#[path = "../../gen/tables.rs"]
mod tables;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use sysbridge_windows::LazyDll;

/// kernel32, for the tests that call through the dynamic API.
pub static KERNEL32: LazyDll = LazyDll::new("kernel32.dll");

/// A path in the temporary directory that no other test (or run) uses.
pub fn temp_path(tag: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("sysbridge-{}-{}-{}", std::process::id(), n, tag))
}
