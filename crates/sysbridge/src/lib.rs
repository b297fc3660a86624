//! # sysbridge: Linux system calls from Rust, with no libc in between
//!
//! The counterpart of Go's `syscall` and `golang.org/x/sys/unix`, for Linux on x86_64:
//!
//! - [`raw`]: the `syscall` instruction behind Go-style entries, [`raw::syscall0`] …
//!   [`raw::syscall6`] (which run the runtime's [hooks](raw::set_hooks) around calls that
//!   may block) and [`raw::raw_syscall0`] … [`raw::raw_syscall6`] (which never do), plus
//!   the [`syscall!`] macro;
//! - [`Sysno`] and [`Errno`]: every x86_64 system call and every error number, with names
//!   and glibc's messages, generated from the kernel's headers;
//! - typed, I/O-safe wrappers (std's [`OwnedFd`](std::os::fd::OwnedFd) and
//!   [`BorrowedFd`](std::os::fd::BorrowedFd), `Result<_, Errno>`, bitflags), one
//!   system call each.
//!
//! ```
//! use sysbridge::{io, process};
//! let pid = process::getpid();
//! assert_eq!(pid.as_raw() as u32, std::process::id());
//! io::write(std::io::stdout(), b"").unwrap();
//! ```
//!
//! What is deliberately left out is listed in `NOT_IMPLEMENTED.md`.

#[cfg(not(target_os = "linux"))]
compile_error!("sysbridge issues Linux system calls: it builds for target_os = \"linux\" only");

mod arch;
mod args;
mod errno;
mod errno_generated;
mod sysno;
mod sysno_generated;

mod vdso;

pub mod dir;
pub mod event;
pub mod fd;
pub mod fs;
pub mod io;
pub mod mm;
pub mod net;
pub mod path;
pub mod process;
pub mod ptrace;
pub mod rand;
pub mod raw;
pub mod seccomp;
pub mod signal;
pub mod system;
pub mod time;

pub use errno::{Errno, ErrnoMessage};
pub use sysno::SysnoSet;
pub use sysno_generated::Sysno;
