//! The seed program "epoll edge-triggered echo server handling 10k concurrent
//! connections": one thread, one epoll instance, non-blocking sockets registered with
//! `EPOLLET`, each drained until `EAGAIN`. The program loads itself: it starts a copy
//! of itself as the client, which opens the connections (10,000 by default, fewer if
//! `RLIMIT_NOFILE` is lower), holds them all open, sends a message on each and checks
//! every echo.
//!
//! Run: `cargo run --release --example epoll_echo [-- CONNECTIONS]`

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::{AsRawFd, OwnedFd};
use std::process::ExitCode;

use linux_raw_sys::general::RLIMIT_NOFILE;
use sysbridge::event::{
    EpollCreateFlags, EpollEvent, EpollFlags, epoll_add, epoll_create1, epoll_wait,
};
use sysbridge::net::{self, AddressFamily, MsgFlags, Protocol, SockFlags, SocketType};
use sysbridge::{Errno, Sysno, raw_syscall};

const LISTENER: u64 = u64::MAX;

/// Echoes until `expected` connections have been served and closed.
fn serve(listener: OwnedFd, expected: usize) -> Result<usize, Errno> {
    let ep = epoll_create1(EpollCreateFlags::CLOEXEC)?;
    epoll_add(
        &ep,
        &listener,
        EpollEvent::new(EpollFlags::IN | EpollFlags::ET, LISTENER),
    )?;
    let mut conns: HashMap<u64, OwnedFd> = HashMap::new();
    let (mut accepted, mut peak) = (0, 0);
    let mut events = vec![EpollEvent::default(); 1024];
    while accepted < expected || !conns.is_empty() {
        let n = match epoll_wait(&ep, &mut events, -1) {
            Err(Errno::EINTR) => continue,
            other => other?,
        };
        for event in &events[..n] {
            if event.data() == LISTENER {
                // Edge-triggered: accept until the queue is empty.
                loop {
                    match net::accept4(&listener, SockFlags::NONBLOCK | SockFlags::CLOEXEC) {
                        Ok(conn) => {
                            let key = conn.as_raw_fd() as u64;
                            let interest = EpollFlags::IN | EpollFlags::RDHUP | EpollFlags::ET;
                            epoll_add(&ep, &conn, EpollEvent::new(interest, key))?;
                            conns.insert(key, conn);
                            accepted += 1;
                            peak = peak.max(conns.len());
                        }
                        Err(Errno::EAGAIN) => break,
                        Err(Errno::EINTR | Errno::ECONNABORTED) => {}
                        Err(e) => return Err(e),
                    }
                }
                continue;
            }
            let Some(conn) = conns.get(&event.data()) else {
                continue;
            };
            if !drain(conn)? {
                conns.remove(&event.data());
            }
        }
    }
    Ok(peak)
}

/// Reads until `EAGAIN`, echoing everything; `false` once the peer has closed.
fn drain(conn: &OwnedFd) -> Result<bool, Errno> {
    let mut buf = [0u8; 4096];
    loop {
        match net::recv(conn, &mut buf, MsgFlags::empty()) {
            Ok(0) => return Ok(false),
            // Small echoes fit the socket buffer; a real server would queue the rest.
            Ok(n) => {
                net::send(conn, &buf[..n], MsgFlags::NOSIGNAL)?;
            }
            Err(Errno::EAGAIN) => return Ok(true),
            Err(Errno::EINTR) => {}
            Err(Errno::ECONNRESET) => return Ok(false),
            Err(e) => return Err(e),
        }
    }
}

/// The soft descriptor limit, raised to the hard one.
fn nofile_limit() -> u64 {
    let mut limit = [0u64; 2];
    // SAFETY: prlimit64(0, RLIMIT_NOFILE, NULL, &old) writes two u64s into `limit`.
    if unsafe { raw_syscall!(Sysno::prlimit64, 0, RLIMIT_NOFILE, 0, limit.as_mut_ptr()) }.is_err() {
        return 1024;
    }
    limit[0] = limit[1];
    // SAFETY: prlimit64 reads the new limit (two u64s); the old-limit pointer is null.
    unsafe { raw_syscall!(Sysno::prlimit64, 0, RLIMIT_NOFILE, limit.as_ptr(), 0) }.ok();
    limit[0]
}

/// The client side: `count` connections to `addr`, all open at once.
fn clients(addr: SocketAddr, count: usize) -> Result<(), Errno> {
    let mut clients = Vec::with_capacity(count);
    for _ in 0..count {
        clients.push(TcpStream::connect(addr).map_err(|_| Errno::ECONNREFUSED)?);
    }
    for (i, c) in clients.iter_mut().enumerate() {
        c.write_all(format!("hello {i:05}").as_bytes())
            .map_err(|_| Errno::EIO)?;
    }
    for (i, c) in clients.iter_mut().enumerate() {
        let mut back = [0u8; 11];
        c.read_exact(&mut back).map_err(|_| Errno::EIO)?;
        if back != *format!("hello {i:05}").as_bytes() {
            return Err(Errno::EIO);
        }
    }
    Ok(())
}

fn run(wanted: usize) -> Result<(), Errno> {
    let count = wanted.min((nofile_limit() as usize).saturating_sub(64));
    let flags = SockFlags::NONBLOCK | SockFlags::CLOEXEC;
    let listener = net::socket(
        AddressFamily::INET,
        SocketType::STREAM,
        flags,
        Protocol::TCP,
    )?;
    net::bind(
        &listener,
        "127.0.0.1:0"
            .parse::<SocketAddr>()
            .map_err(|_| Errno::EINVAL)?,
    )?;
    net::listen(&listener, 4096)?;
    let addr = SocketAddr::try_from(net::getsockname(&listener)?)?;
    let exe = std::env::current_exe().map_err(|_| Errno::ENOENT)?;
    let mut client = std::process::Command::new(exe)
        .args(["--client", &addr.to_string(), &count.to_string()])
        .spawn()
        .map_err(|_| Errno::ECHILD)?;
    let peak = serve(listener, count)?;
    if !client.wait().map_err(|_| Errno::ECHILD)?.success() {
        return Err(Errno::EIO);
    }
    println!("{count} connections echoed; {peak} open at once");
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        // The client copy: never starts another copy.
        [flag, addr, count] if flag == "--client" => match (addr.parse(), count.parse()) {
            (Ok(addr), Ok(count)) => clients(addr, count),
            _ => Err(Errno::EINVAL),
        },
        [count] => count.parse().map_or(Err(Errno::EINVAL), run),
        [] => run(10_000),
        _ => Err(Errno::EINVAL),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("epoll_echo: {e} (usage: epoll_echo [CONNECTIONS])");
            ExitCode::FAILURE
        }
    }
}
