//! # sysbridge-trace: a strace-compatible system-call tracer
//!
//! The engine of `sysbridge trace`, as a library: start a command or attach to
//! processes, follow their system calls with `ptrace(2)`, and print them as strace does
//! (line for line), as JSON Lines, or as a `-c` summary table.
//!
//! ```no_run
//! use sysbridge_trace::{Options, run};
//! let opts = Options { command: vec!["true".into()], ..Options::default() };
//! let outcome = run(opts).unwrap();
//! ```

mod decode;
mod engine;
mod filter;
mod mem;
mod options;
mod out;
mod summary;
mod sysent;
mod tz;

pub use engine::{Outcome, run};
pub use filter::{SignalSet, Status, StatusSet, SyscallSet};
pub use options::{FdPaths, HexStrings, Options, SeccompBpf, SortBy, Summary, Timestamps};
