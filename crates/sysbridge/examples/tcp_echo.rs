//! The seed programs "TCP echo server" and "client": the server echoes what each
//! connection sends, one thread per connection; the client sends lines and checks
//! that they come back.
//!
//! Run: `cargo run --example tcp_echo` (both, on a port the kernel picks), or
//! `-- server 127.0.0.1:7007` and `-- client 127.0.0.1:7007` separately.

use std::net::SocketAddr;
use std::os::fd::OwnedFd;
use std::process::ExitCode;

use sysbridge::Errno;
use sysbridge::net::{self, AddressFamily, MsgFlags, Protocol, SockFlags, SocketType, sockopt};

fn tcp(addr: SocketAddr) -> Result<OwnedFd, Errno> {
    let family = if addr.is_ipv4() {
        AddressFamily::INET
    } else {
        AddressFamily::INET6
    };
    net::socket(
        family,
        SocketType::STREAM,
        SockFlags::CLOEXEC,
        Protocol::TCP,
    )
}

fn listen(addr: SocketAddr) -> Result<(OwnedFd, SocketAddr), Errno> {
    let sock = tcp(addr)?;
    sockopt::set_reuseaddr(&sock, true)?;
    net::bind(&sock, addr)?;
    net::listen(&sock, 128)?;
    let local = SocketAddr::try_from(net::getsockname(&sock)?)?;
    Ok((sock, local))
}

/// Echoes one connection until its peer shuts down.
fn echo(conn: OwnedFd) -> Result<(), Errno> {
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = net::recv(&conn, &mut buf, MsgFlags::empty())?;
        if n == 0 {
            return Ok(());
        }
        let mut sent = 0;
        while sent < n {
            sent += net::send(&conn, &buf[sent..n], MsgFlags::NOSIGNAL)?;
        }
    }
}

fn serve(listener: OwnedFd, clients: usize) -> Result<(), Errno> {
    let mut threads = Vec::new();
    for _ in 0..clients {
        let (conn, peer) = net::accept4_from(&listener, SockFlags::CLOEXEC)?;
        eprintln!("server: connection from {peer:?}");
        threads.push(std::thread::spawn(move || echo(conn)));
    }
    threads
        .into_iter()
        .try_for_each(|t| t.join().unwrap_or(Err(Errno::EIO)))
}

fn client(addr: SocketAddr) -> Result<(), Errno> {
    let sock = tcp(addr)?;
    net::connect(&sock, addr)?;
    sockopt::set_tcp_nodelay(&sock, true)?;
    for line in ["ping", "a longer line of text", "bye"] {
        net::send(&sock, line.as_bytes(), MsgFlags::NOSIGNAL)?;
        let mut back = vec![0u8; line.len()];
        net::recv(&sock, &mut back, MsgFlags::WAITALL)?;
        println!(
            "client: sent {line:?}, got {:?}",
            String::from_utf8_lossy(&back)
        );
        if back != line.as_bytes() {
            return Err(Errno::EIO);
        }
    }
    net::shutdown(&sock, net::Shutdown::Write)
}

fn run(args: &[String]) -> Result<(), Errno> {
    let addr = |s: &String| s.parse::<SocketAddr>().map_err(|_| Errno::EINVAL);
    match args {
        [mode, a] if mode == "server" => serve(listen(addr(a)?)?.0, usize::MAX),
        [mode, a] if mode == "client" => client(addr(a)?),
        [] => {
            let (listener, local) = listen("127.0.0.1:0".parse().map_err(|_| Errno::EINVAL)?)?;
            let server = std::thread::spawn(move || serve(listener, 1));
            client(local)?;
            server.join().unwrap_or(Err(Errno::EIO))
        }
        _ => Err(Errno::EINVAL),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tcp_echo: {e} (usage: tcp_echo [server|client ADDR:PORT])");
            ExitCode::FAILURE
        }
    }
}
