//! The seed program "ICMP ping to 127.0.0.1 over a raw socket": builds an echo request
//! with its checksum (RFC 792, RFC 1071), sends it on an `IPPROTO_ICMP` raw socket and
//! waits for the matching echo reply. Needs `CAP_NET_RAW` (root).
//!
//! Run: `sudo cargo run --example ping [-- COUNT]`

use std::net::{Ipv4Addr, SocketAddrV4};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use sysbridge::Errno;
use sysbridge::net::{self, AddressFamily, MsgFlags, Protocol, SockFlags, SocketType, sockopt};

/// ICMP message types (RFC 792).
const ECHO_REPLY: u8 = 0;
const ECHO_REQUEST: u8 = 8;

/// The internet checksum: the ones' complement of the ones' complement sum of the
/// 16-bit words.
fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for pair in data.chunks(2) {
        sum += u32::from(u16::from_be_bytes([
            pair[0],
            pair.get(1).copied().unwrap_or(0),
        ]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

fn echo_request(id: u16, seq: u16) -> Vec<u8> {
    let mut packet = vec![ECHO_REQUEST, 0, 0, 0];
    packet.extend(id.to_be_bytes());
    packet.extend(seq.to_be_bytes());
    packet.extend(b"sysbridge ping");
    let sum = checksum(&packet);
    packet[2..4].copy_from_slice(&sum.to_be_bytes());
    packet
}

fn run(count: u16) -> Result<(), Errno> {
    let sock = net::socket(
        AddressFamily::INET,
        SocketType::RAW,
        SockFlags::CLOEXEC,
        Protocol::ICMP,
    )?;
    sockopt::set_rcvtimeo(&sock, Some(Duration::from_secs(1)))?;
    let to = SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0);
    let id = std::process::id() as u16;
    for seq in 1..=count {
        let sent = Instant::now();
        net::sendto(&sock, &echo_request(id, seq), MsgFlags::empty(), to)?;
        let mut buf = [0u8; 1500];
        loop {
            let got = net::recvfrom(&sock, &mut buf, MsgFlags::empty())?;
            // A raw socket gets the IP header too; the ICMP message follows it.
            let icmp = &buf[usize::from(buf[0] & 0x0f) * 4..got.len];
            let ours = icmp.len() >= 8
                && icmp[4..6] == id.to_be_bytes()
                && icmp[6..8] == seq.to_be_bytes();
            if icmp[0] == ECHO_REPLY && ours {
                let ok = if checksum(icmp) == 0 {
                    "checksum ok"
                } else {
                    "BAD checksum"
                };
                let from = got.addr.map(|a| format!("{a:?}")).unwrap_or_default();
                println!(
                    "{} bytes from {from}: icmp_seq={seq} time={:?} ({ok})",
                    icmp.len(),
                    sent.elapsed()
                );
                break;
            }
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let count = std::env::args()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(3);
    match run(count) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e @ (Errno::EPERM | Errno::EACCES)) => {
            eprintln!("ping: {e}: raw sockets need CAP_NET_RAW (run as root)");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("ping: {e}");
            ExitCode::FAILURE
        }
    }
}
