//! The seed programs "Unix-domain stream server" and "client": a server bound to a
//! socket file answers each line a client sends with the line upper-cased.
//!
//! Run: `cargo run --example unix_stream` (server and client in one process; the
//! server is a thread). With `-- server PATH` or `-- client PATH`, one side only.

use std::os::fd::OwnedFd;
use std::process::ExitCode;

use sysbridge::Errno;
use sysbridge::net::{self, AddressFamily, MsgFlags, Protocol, SockFlags, SocketType, UnixAddr};

fn unix_stream() -> Result<OwnedFd, Errno> {
    net::socket(
        AddressFamily::UNIX,
        SocketType::STREAM,
        SockFlags::CLOEXEC,
        Protocol::DEFAULT,
    )
}

/// Binds `path` and listens: socket(2), bind(2), listen(2).
fn listen(path: &str) -> Result<OwnedFd, Errno> {
    let sock = unix_stream()?;
    net::bind(&sock, UnixAddr::new(path)?)?;
    net::listen(&sock, 16)?;
    Ok(sock)
}

/// Serves `clients` connections: accept4(2), then recv and send until the client ends.
fn serve(listener: &OwnedFd, clients: usize) -> Result<(), Errno> {
    for _ in 0..clients {
        let conn = net::accept4(listener, SockFlags::CLOEXEC)?;
        let mut buf = [0u8; 4096];
        loop {
            let n = net::recv(&conn, &mut buf, MsgFlags::empty())?;
            if n == 0 {
                break;
            }
            buf[..n].make_ascii_uppercase();
            net::send(&conn, &buf[..n], MsgFlags::NOSIGNAL)?;
        }
    }
    Ok(())
}

/// Connects to `path`, sends each message and prints the answers.
fn client(path: &str, messages: &[&str]) -> Result<(), Errno> {
    let sock = unix_stream()?;
    net::connect(&sock, UnixAddr::new(path)?)?;
    for message in messages {
        net::send(&sock, message.as_bytes(), MsgFlags::NOSIGNAL)?;
        let mut answer = vec![0u8; message.len()];
        net::recv(&sock, &mut answer, MsgFlags::WAITALL)?;
        println!("{message} -> {}", String::from_utf8_lossy(&answer));
    }
    net::shutdown(&sock, net::Shutdown::Write)
}

fn run(args: &[String]) -> Result<(), Errno> {
    match args {
        [mode, path] if mode == "server" => serve(&listen(path)?, usize::MAX),
        [mode, path] if mode == "client" => client(path, &["hello", "unix sockets"]),
        [] => {
            let path =
                std::env::temp_dir().join(format!("sysbridge-unix-{}.sock", std::process::id()));
            let path = path.to_string_lossy().into_owned();
            let listener = listen(&path)?;
            let server = std::thread::spawn(move || serve(&listener, 1));
            let result = client(&path, &["hello", "unix sockets"]);
            let served = server.join().unwrap_or(Err(Errno::EIO));
            std::fs::remove_file(&path).ok();
            result.and(served)
        }
        _ => Err(Errno::EINVAL),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("unix_stream: {e} (usage: unix_stream [server|client PATH])");
            ExitCode::FAILURE
        }
    }
}
