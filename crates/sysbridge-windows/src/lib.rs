//! # sysbridge-windows: the Windows half of sysbridge
//!
//! What Go's `golang.org/x/sys/windows` (with `syscall` on Windows) is to Go, for Rust:
//!
//! - **Dynamic calls** ([`dll`], [`lazy`]): [`Dll::load`] (System32 only),
//!   [`Dll::proc`], [`Proc::call`] with 0 to [`MAX_ARGS`] arguments returning Go's
//!   `(r1, r2, err)`, and [`LazyDll`]/[`LazyProc`] for statics.
//! - **Typed wrappers**, one Win32 function each, named after it in snake case without
//!   its `W`/`Ex` suffix: [`fs`] (`CreateFileW` … `CreateDirectoryW`), [`time`],
//!   [`process`], [`wait`], [`memory`] (`VirtualAlloc` through an owning region),
//!   [`iocp`] (overlapped reads completed on a completion port), [`handle`].
//! - **Errors** ([`error`], [`codes`], [`errno`], [`errno_map`]): [`Win32Error`] with
//!   its symbolic name, its system message, NTSTATUS conversion, conversion into
//!   [`std::io::Error`], and the documented Win32 ↔ POSIX errno table.
//! - **Strings** ([`wide`]): UTF-16 with NUL checks.
//!
//! Handles are std's [`OwnedHandle`]/[`BorrowedHandle`]/[`AsHandle`]; errors are
//! [`Win32Error`] everywhere. Every wrapper documents the function it calls, and
//! Microsoft's documentation of that function is the reference for its behaviour.
//!
//! The crate builds with Rust 1.63 (Debian bookworm's `rustc` and
//! `libstd-rust-dev-windows`), has no dependencies, and is tested on Linux under Wine
//! against the real Windows API: `.ci/windows` in the repository. Its runnable examples
//! are `examples/gettickcount.rs` (Go's `LoadDLL`/`FindProc`/`Call`) and
//! `examples/createfile.rs`.
//!
//! ## Not implemented
//! Chosen scope, so that nobody has to guess:
//! - x86_64 only: the call trampoline ([`Proc::call`]) is x64 assembly, and the
//!   structure layouts are checked for x64. 32-bit and ARM64 Windows are not targets.
//! - No loading of DLLs by path or from the default search order (Go's `LoadDLL`):
//!   only the System32 search, which cannot be hijacked by planting a DLL.
//! - No security attributes, templates or inheritable handles: `CreateFileW`,
//!   `CreateDirectoryW` and `CreateProcessW` use the defaults; `CreateProcessW` takes no
//!   creation flags, environment, directory or standard handles.
//! - Overlapped I/O: reads only ([`iocp::ReadOp`]); writes, sockets and
//!   `GetQueuedCompletionStatusEx` are not wrapped.
//! - Paths are converted on the heap: Windows paths are UTF-16, so the stack-buffer
//!   conversion of the Linux crate does not carry over as is.
//! - Doc examples are text, not doctests: cargo cannot run doctests for a cross target
//!   on a stable toolchain. The examples in `examples/` are built and run instead.

#![deny(unsafe_op_in_unsafe_fn, missing_docs)]
#![warn(unreachable_pub, clippy::undocumented_unsafe_blocks)]

#[cfg(not(all(windows, target_arch = "x86_64")))]
compile_error!(
    "sysbridge-windows targets x86_64 Windows: build with --target x86_64-pc-windows-gnu"
);

mod call;
pub mod dll;
pub mod errno_map;
pub mod error;
mod flags;
pub mod fs;
pub mod handle;
pub mod iocp;
pub mod lazy;
pub mod memory;
pub mod process;
mod sys;
pub mod time;
pub mod wait;
pub mod wide;

#[path = "codes_generated.rs"]
pub mod codes;
#[path = "errno_generated.rs"]
pub mod errno;

pub use call::MAX_ARGS;
pub use dll::{Dll, Proc};
pub use error::Win32Error;
pub use handle::{AsHandle, BorrowedHandle, OwnedHandle};
pub use lazy::{LazyDll, LazyProc};
