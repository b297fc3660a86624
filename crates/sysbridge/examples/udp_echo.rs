//! The seed program "UDP echo": a server socket sends every datagram back to its
//! sender (`recvfrom`, `sendto`); a client sends a few and waits for each echo, with
//! a receive timeout (`SO_RCVTIMEO`) so that a lost datagram cannot hang it.
//!
//! Run: `cargo run --example udp_echo`

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use sysbridge::Errno;
use sysbridge::net::{self, AddressFamily, MsgFlags, Protocol, SockFlags, SocketType, sockopt};

fn udp_on(addr: &str) -> Result<std::os::fd::OwnedFd, Errno> {
    let sock = net::socket(
        AddressFamily::INET,
        SocketType::DGRAM,
        SockFlags::CLOEXEC,
        Protocol::UDP,
    )?;
    net::bind(
        &sock,
        addr.parse::<SocketAddr>().map_err(|_| Errno::EINVAL)?,
    )?;
    Ok(sock)
}

fn run() -> Result<(), Errno> {
    let server = udp_on("127.0.0.1:0")?;
    let server_addr = net::getsockname(&server)?;
    let echo = std::thread::spawn(move || -> Result<(), Errno> {
        let mut buf = [0u8; 2048];
        loop {
            let got = net::recvfrom(&server, &mut buf, MsgFlags::empty())?;
            let Some(from) = got.addr else { continue };
            net::sendto(&server, &buf[..got.len], MsgFlags::empty(), from)?;
            if &buf[..got.len] == b"bye" {
                return Ok(());
            }
        }
    });

    let client = udp_on("127.0.0.1:0")?;
    sockopt::set_rcvtimeo(&client, Some(Duration::from_secs(2)))?;
    for message in ["one", "two", "bye"] {
        net::sendto(&client, message.as_bytes(), MsgFlags::empty(), server_addr)?;
        let mut buf = [0u8; 2048];
        let got = net::recvfrom(&client, &mut buf, MsgFlags::empty())?;
        println!(
            "{message:?} came back as {:?} from {:?}",
            String::from_utf8_lossy(&buf[..got.len]),
            got.addr
        );
    }
    echo.join().unwrap_or(Err(Errno::EIO))
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("udp_echo: {e}");
            ExitCode::FAILURE
        }
    }
}
