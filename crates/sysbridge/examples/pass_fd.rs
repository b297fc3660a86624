//! The seed program "passing an fd to another process over a unix socket": the
//! parent opens a file, reads its first line, and deletes its name; it then starts a
//! second process (this program again, with [`Spawn`]) that holds one end of a
//! `socketpair` as descriptor 3, and sends it the open file with `SCM_RIGHTS`. The
//! child reads the rest of the file and reports what it got.
//!
//! What the child holds is the same open file, not just the same file: `fstat` gives
//! the same device and inode on both sides, and the child's read starts where the
//! parent's stopped (the file offset is shared), at the second line. Nor could it have
//! opened the file itself: the file had no name any more.
//!
//! Run: `cargo run --example pass_fd`

use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsFd, FromRawFd, OwnedFd};
use std::process::ExitCode;

use sysbridge::Errno;
use sysbridge::fs::{self, Mode, OFlags};
use sysbridge::io::{self, SeekFrom};
use sysbridge::net::{
    self, AddressFamily, ControlBuffer, ControlMessage, MsgFlags, Protocol, SendControl, SockFlags,
    SocketType,
};
use sysbridge::process::{ChildState, Spawn, getpid};

/// The argument that makes this program the receiving child.
const RECEIVE: &str = "--receive-on-fd-3";

const CONTENTS: &[u8] = b"first line, read by the parent\nsecond line, read by the child\n";

fn main() -> ExitCode {
    let result = if std::env::args().nth(1).as_deref() == Some(RECEIVE) {
        receive()
    } else {
        send()
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pass_fd: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `what` failed with `e`: the message.
fn failed(what: &'static str) -> impl Fn(Errno) -> String {
    move |e| format!("{what}: {e}")
}

/// The parent: open, read a line, unlink, spawn, send, compare.
fn send() -> Result<(), String> {
    let path = std::env::temp_dir().join(format!("pass_fd.{}", getpid()));
    let flags = OFlags::RDWR | OFlags::CREAT | OFlags::EXCL | OFlags::CLOEXEC;
    let file = fs::open(&path, flags, Mode::RUSR | Mode::WUSR).map_err(failed("open"))?;
    // From here on the file has no name: only descriptors reach it.
    std::fs::remove_file(&path).map_err(|e| format!("unlink: {e}"))?;
    io::write(&file, CONTENTS).map_err(failed("write"))?;
    io::lseek(&file, SeekFrom::Start(0)).map_err(failed("lseek"))?;
    let first_line = CONTENTS.iter().position(|&b| b == b'\n').unwrap_or(0) + 1;
    let mut line = vec![0u8; first_line];
    io::read(&file, &mut line).map_err(failed("read"))?;
    print!("parent read:  {}", String::from_utf8_lossy(&line));

    let (ours, theirs) = net::socketpair(
        AddressFamily::UNIX,
        SocketType::STREAM,
        SockFlags::CLOEXEC,
        Protocol::DEFAULT,
    )
    .map_err(failed("socketpair"))?;
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    // The child gets `theirs` as its descriptor 3, and no other but 0, 1 and 2.
    let mut child = Spawn::new(exe)
        .arg(RECEIVE)
        .fd(3, theirs.as_fd())
        .spawn()
        .map_err(failed("spawn"))?;
    drop(theirs); // the child's copy is the only one left: its exit means end of file

    // One byte of data carries the control message: the open file.
    let files = [file.as_fd()];
    net::sendmsg(
        &ours,
        None,
        &[IoSlice::new(b"F")],
        &[SendControl::Rights(&files)],
        MsgFlags::empty(),
    )
    .map_err(failed("sendmsg"))?;

    let mut reply = Vec::new();
    let mut buf = [0u8; 256];
    loop {
        match io::read(&ours, &mut buf) {
            Ok(0) => break,
            Ok(n) => reply.extend_from_slice(&buf[..n]),
            Err(Errno::EINTR) => {}
            Err(e) => return Err(format!("read the reply: {e}")),
        }
    }
    let state = child.wait().map_err(failed("wait"))?;
    if state != ChildState::Exited(0) {
        return Err(format!("the child ended: {state:?}"));
    }

    let st = fs::fstat(&file).map_err(failed("fstat"))?;
    let expected = format!(
        "{} {} {}",
        st.st_dev,
        st.st_ino,
        String::from_utf8_lossy(&CONTENTS[first_line..])
    );
    let reply = String::from_utf8_lossy(&reply);
    println!("parent fstat: dev {} ino {}", st.st_dev, st.st_ino);
    if reply != expected {
        return Err(format!("the child saw {reply:?}, expected {expected:?}"));
    }
    println!("same open file: same dev and ino, and the child read on from our offset");
    Ok(())
}

/// The child: receive the file on descriptor 3, read on from the shared offset, and
/// send back `DEV INO REST`.
fn receive() -> Result<(), String> {
    // SAFETY: the parent started us with RECEIVE only after mapping its end of the
    // socket pair to our descriptor 3 (`Spawn::fd`); nothing else in this process
    // owns or closes it.
    let socket = unsafe { OwnedFd::from_raw_fd(3) };
    let mut control = ControlBuffer::for_fds(1);
    let mut byte = [0u8];
    let got = net::recvmsg(
        &socket,
        &mut [IoSliceMut::new(&mut byte)],
        &mut control,
        MsgFlags::empty(),
    )
    .map_err(failed("recvmsg"))?;
    if got.flags.contains(MsgFlags::CTRUNC) {
        return Err("the control message was truncated".into());
    }
    let file = control
        .messages()
        .find_map(|message| match message {
            ControlMessage::Rights(mut fds) => fds.next(),
            _ => None,
        })
        .ok_or("no descriptor came with the message")?;
    let st = fs::fstat(&file).map_err(failed("fstat"))?;
    let mut rest = [0u8; 256];
    let n = io::read(&file, &mut rest).map_err(failed("read"))?;
    let text = String::from_utf8_lossy(&rest[..n]);
    println!("child fstat:  dev {} ino {}", st.st_dev, st.st_ino);
    print!("child read:   {text}");
    let reply = format!("{} {} {text}", st.st_dev, st.st_ino);
    io::write(&socket, reply.as_bytes()).map_err(failed("write"))?;
    Ok(())
}
