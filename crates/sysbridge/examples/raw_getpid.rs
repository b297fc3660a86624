//! The seed program "getpid through the raw entry": Go's
//! `syscall.RawSyscall(syscall.SYS_GETPID, 0, 0, 0)`, in Rust.
//!
//! Run: `cargo run --example raw_getpid`

use sysbridge::{Sysno, raw};

fn main() {
    // SAFETY: getpid takes no arguments and touches no memory.
    let pid = unsafe { raw::raw_syscall0(Sysno::getpid) }.expect("getpid cannot fail");
    println!("getpid via raw_syscall0: {pid}");
    // The typed wrapper issues the same single instruction.
    println!(
        "getpid via process::getpid: {}",
        sysbridge::process::getpid()
    );
}
