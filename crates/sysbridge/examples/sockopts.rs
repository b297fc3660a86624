//! The seed program "set and read back TCP_NODELAY and SO_REUSEADDR": each option is
//! read, set, and read again, with `getsockopt(2)` and `setsockopt(2)`.
//!
//! Run: `cargo run --example sockopts`

use std::process::ExitCode;

use sysbridge::Errno;
use sysbridge::net::{self, AddressFamily, Protocol, SockFlags, SocketType, sockopt};

fn run() -> Result<(), Errno> {
    let sock = net::socket(
        AddressFamily::INET,
        SocketType::STREAM,
        SockFlags::CLOEXEC,
        Protocol::TCP,
    )?;
    println!("TCP_NODELAY  before: {}", sockopt::tcp_nodelay(&sock)?);
    sockopt::set_tcp_nodelay(&sock, true)?;
    println!("TCP_NODELAY  after:  {}", sockopt::tcp_nodelay(&sock)?);
    println!("SO_REUSEADDR before: {}", sockopt::reuseaddr(&sock)?);
    sockopt::set_reuseaddr(&sock, true)?;
    println!("SO_REUSEADDR after:  {}", sockopt::reuseaddr(&sock)?);
    if !(sockopt::tcp_nodelay(&sock)? && sockopt::reuseaddr(&sock)?) {
        return Err(Errno::EIO);
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sockopts: {e}");
            ExitCode::FAILURE
        }
    }
}
