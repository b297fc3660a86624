//! Creating, naming, connecting and closing sockets, and plain sends and receives.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use super::addr::RawAddr;
use super::{AddressFamily, MsgFlags, Protocol, Shutdown, SockFlags, SocketAddrAny, SocketType};
use crate::{Errno, Sysno, args, fd, raw};

/// A new socket. Issues `socket(2)`; non-blocking (no hooks).
///
/// `flags` are or'ed into the type; pass [`SockFlags::CLOEXEC`] unless the socket is
/// meant to survive `execve`.
///
/// ```
/// use sysbridge::net::{socket, AddressFamily, Protocol, SockFlags, SocketType};
/// let udp = socket(AddressFamily::INET6, SocketType::DGRAM, SockFlags::CLOEXEC, Protocol::UDP);
/// assert!(udp.is_ok());
/// let bad = socket(AddressFamily(9999), SocketType::STREAM, SockFlags::CLOEXEC, Protocol::DEFAULT);
/// assert_eq!(bad.err(), Some(sysbridge::Errno::EAFNOSUPPORT));
/// ```
#[inline]
pub fn socket(
    family: AddressFamily,
    ty: SocketType,
    flags: SockFlags,
    protocol: Protocol,
) -> Result<OwnedFd, Errno> {
    // SAFETY: socket reads and writes no user memory.
    let ret = unsafe {
        raw::raw_syscall3_readonly(
            Sysno::socket,
            usize::from(family.0),
            (ty.0 | flags.bits()) as usize,
            protocol.0 as usize,
        )
    }?;
    // SAFETY: socket has just created the descriptor `ret`.
    Ok(unsafe { fd::owned(ret) })
}

/// A pair of connected sockets (unix family only on Linux). Issues `socketpair(2)`;
/// non-blocking (no hooks).
///
/// ```
/// use sysbridge::net::{socketpair, AddressFamily, Protocol, SockFlags, SocketType};
/// let (a, b) = socketpair(AddressFamily::UNIX, SocketType::SEQPACKET, SockFlags::CLOEXEC,
///                         Protocol::DEFAULT).unwrap();
/// sysbridge::io::write(&a, b"one").unwrap();
/// assert_eq!(sysbridge::io::read(&b, &mut [0; 8]), Ok(3));
/// ```
#[inline]
pub fn socketpair(
    family: AddressFamily,
    ty: SocketType,
    flags: SockFlags,
    protocol: Protocol,
) -> Result<(OwnedFd, OwnedFd), Errno> {
    let mut fds = [-1i32; 2];
    // SAFETY: the kernel writes two ints into `fds`, borrowed mutably for the call.
    unsafe {
        raw::raw_syscall4(
            Sysno::socketpair,
            usize::from(family.0),
            (ty.0 | flags.bits()) as usize,
            protocol.0 as usize,
            args::mut_ptr(fds.as_mut_ptr()),
        )
    }?;
    // SAFETY: on success socketpair has just created both descriptors.
    Ok(unsafe { (fd::owned(fds[0] as usize), fd::owned(fds[1] as usize)) })
}

/// Gives `fd` the local address `addr`. Issues `bind(2)`; non-blocking (no hooks).
///
/// ```
/// use sysbridge::net::{bind, getsockname, socket, AddressFamily, Protocol, SockFlags,
///                      SocketAddrAny, SocketType, UnixAddr};
/// let name = UnixAddr::new_abstract(format!("sysbridge-doc-{}", std::process::id()).as_bytes()).unwrap();
/// let s = socket(AddressFamily::UNIX, SocketType::DGRAM, SockFlags::CLOEXEC, Protocol::DEFAULT).unwrap();
/// bind(&s, name).unwrap();
/// assert_eq!(getsockname(&s), Ok(SocketAddrAny::Unix(name)));
/// ```
#[inline]
pub fn bind(fd: impl AsFd, addr: impl Into<SocketAddrAny>) -> Result<(), Errno> {
    let raw = addr.into().encode();
    // SAFETY: bind reads `raw.len` bytes of the address and writes no user memory.
    with_address(&raw, |addr, len| unsafe {
        raw::raw_syscall3_readonly(Sysno::bind, args::fd(fd.as_fd()), addr, len)
    })
}

/// Calls `call` with an encoded address as the pointer and length registers.
#[inline(always)]
fn with_address(
    raw: &RawAddr,
    call: impl FnOnce(usize, usize) -> Result<usize, Errno>,
) -> Result<(), Errno> {
    call(args::ptr(raw.bytes.as_ptr()), raw.len as usize)?;
    Ok(())
}

/// Marks a stream or seqpacket socket as accepting connections, with a queue of
/// `backlog` pending ones (capped by `net.core.somaxconn`). Issues `listen(2)`;
/// non-blocking (no hooks).
#[inline]
pub fn listen(fd: impl AsFd, backlog: i32) -> Result<(), Errno> {
    // SAFETY: listen reads and writes no user memory.
    unsafe { raw::raw_syscall2_readonly(Sysno::listen, args::fd(fd.as_fd()), backlog as usize) }?;
    Ok(())
}

/// Takes the next connection from a listening socket, without its peer's address.
/// Issues `accept4(2)`; blocking (hooks run), or `EAGAIN` on a non-blocking socket with
/// no connection pending.
///
/// `flags` apply to the new socket; it does not inherit the listener's `O_NONBLOCK`.
#[inline]
pub fn accept4(fd: impl AsFd, flags: SockFlags) -> Result<OwnedFd, Errno> {
    // SAFETY: with null address pointers accept4 writes no user memory.
    let ret = unsafe {
        raw::syscall4_readonly(
            Sysno::accept4,
            args::fd(fd.as_fd()),
            0,
            0,
            flags.bits() as usize,
        )
    }?;
    // SAFETY: accept4 has just created the descriptor `ret`.
    Ok(unsafe { fd::owned(ret) })
}

/// Like [`accept4`], and also returns the peer's address. Issues `accept4(2)`;
/// blocking (hooks run).
#[inline]
pub fn accept4_from(fd: impl AsFd, flags: SockFlags) -> Result<(OwnedFd, SocketAddrAny), Errno> {
    let mut peer = RawAddr::buffer();
    // SAFETY: the kernel writes at most `peer.len` bytes into `peer.bytes` and the
    // length into `peer.len`, both borrowed mutably for the call.
    let ret = unsafe {
        raw::syscall4(
            Sysno::accept4,
            args::fd(fd.as_fd()),
            args::mut_ptr(peer.bytes.as_mut_ptr()),
            args::mut_ptr(&mut peer.len),
            flags.bits() as usize,
        )
    }?;
    // SAFETY: accept4 has just created the descriptor `ret`.
    let conn = unsafe { fd::owned(ret) };
    let addr = SocketAddrAny::decode(&peer).unwrap_or(SocketAddrAny::Other(AddressFamily::UNSPEC));
    Ok((conn, addr))
}

/// Connects `fd` to `addr` (for a datagram socket: sets its default peer). Issues
/// `connect(2)`; blocking (hooks run). On a non-blocking stream socket, `EINPROGRESS`
/// means the connection goes on: wait until writable, then read
/// [`sockopt::socket_error`](super::sockopt::socket_error). A signal that interrupts
/// a blocking connect (`EINTR`) does not stop it either; it completes in the
/// background as for `EINPROGRESS`.
#[inline]
pub fn connect(fd: impl AsFd, addr: impl Into<SocketAddrAny>) -> Result<(), Errno> {
    let raw = addr.into().encode();
    // SAFETY: connect reads `raw.len` bytes of the address and writes no user memory.
    with_address(&raw, |addr, len| unsafe {
        raw::syscall3_readonly(Sysno::connect, args::fd(fd.as_fd()), addr, len)
    })
}

/// Closes one or both directions of a connection, for every descriptor of the socket
/// (unlike `close`). Issues `shutdown(2)`; blocking (hooks run: it may send).
#[inline]
pub fn shutdown(fd: impl AsFd, how: Shutdown) -> Result<(), Errno> {
    // SAFETY: shutdown reads and writes no user memory.
    unsafe { raw::syscall2_readonly(Sysno::shutdown, args::fd(fd.as_fd()), how as usize) }?;
    Ok(())
}

/// Reads an address with `getsockname` or `getpeername`.
fn name_of(nr: Sysno, fd: impl AsFd) -> Result<SocketAddrAny, Errno> {
    let mut addr = RawAddr::buffer();
    // SAFETY: the kernel writes at most `addr.len` bytes into `addr.bytes` and the
    // length into `addr.len`, both borrowed mutably for the call.
    unsafe {
        raw::raw_syscall3(
            nr,
            args::fd(fd.as_fd()),
            args::mut_ptr(addr.bytes.as_mut_ptr()),
            args::mut_ptr(&mut addr.len),
        )
    }?;
    Ok(SocketAddrAny::decode(&addr).unwrap_or(SocketAddrAny::Other(AddressFamily::UNSPEC)))
}

/// The local address of `fd`. Issues `getsockname(2)`; non-blocking (no hooks).
#[inline]
pub fn getsockname(fd: impl AsFd) -> Result<SocketAddrAny, Errno> {
    name_of(Sysno::getsockname, fd)
}

/// The address of the peer `fd` is connected to (`ENOTCONN` if none). Issues
/// `getpeername(2)`; non-blocking (no hooks).
#[inline]
pub fn getpeername(fd: impl AsFd) -> Result<SocketAddrAny, Errno> {
    name_of(Sysno::getpeername, fd)
}

/// Sends `buf` on a connected socket and returns how many bytes were sent. Issues
/// `sendto(2)` with no address; blocking (hooks run).
///
/// On a stream, writing to a peer that has gone raises `SIGPIPE` unless `flags` has
/// [`MsgFlags::NOSIGNAL`].
#[inline]
pub fn send(fd: impl AsFd, buf: &[u8], flags: MsgFlags) -> Result<usize, Errno> {
    sendto_raw(fd.as_fd(), buf, flags, None)
}

/// Sends `buf` to `addr` (a datagram socket's destination). Issues `sendto(2)`;
/// blocking (hooks run).
#[inline]
pub fn sendto(
    fd: impl AsFd,
    buf: &[u8],
    flags: MsgFlags,
    addr: impl Into<SocketAddrAny>,
) -> Result<usize, Errno> {
    let raw = addr.into().encode();
    sendto_raw(fd.as_fd(), buf, flags, Some(&raw))
}

/// Issues `sendto(2)`, with a null address for `None`.
#[inline(always)]
fn sendto_raw(
    fd: BorrowedFd<'_>,
    buf: &[u8],
    flags: MsgFlags,
    to: Option<&RawAddr>,
) -> Result<usize, Errno> {
    let (to, to_len) = to.map_or((0, 0), |a| (args::ptr(a.bytes.as_ptr()), a.len as usize));
    // SAFETY: the kernel reads `buf.len()` bytes of `buf` and `to_len` bytes of the
    // address (none when null), both borrowed for the call, and writes no user memory.
    unsafe {
        raw::syscall6_readonly(
            Sysno::sendto,
            args::fd(fd),
            args::ptr(buf.as_ptr()),
            buf.len(),
            flags.bits() as usize,
            to,
            to_len,
        )
    }
}

/// Receives into `buf` and returns the length: `Ok(0)` is the end of a stream (or an
/// empty datagram). With [`MsgFlags::TRUNC`] a datagram socket returns the datagram's
/// real length, which may exceed `buf.len()`. Issues `recvfrom(2)` with no address;
/// blocking (hooks run).
#[inline]
pub fn recv(fd: impl AsFd, buf: &mut [u8], flags: MsgFlags) -> Result<usize, Errno> {
    recvfrom_raw(fd.as_fd(), buf, flags, None)
}

/// Issues `recvfrom(2)`, with null address pointers for `None`.
#[inline(always)]
fn recvfrom_raw(
    fd: BorrowedFd<'_>,
    buf: &mut [u8],
    flags: MsgFlags,
    from: Option<&mut RawAddr>,
) -> Result<usize, Errno> {
    let (from, from_len) = from.map_or((0, 0), |a| {
        (
            args::mut_ptr(a.bytes.as_mut_ptr()),
            args::mut_ptr(&mut a.len),
        )
    });
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf` and, when given,
    // at most the address buffer's length into it and the length into its `len`; all
    // are borrowed mutably for the call.
    unsafe {
        raw::syscall6(
            Sysno::recvfrom,
            args::fd(fd),
            args::mut_ptr(buf.as_mut_ptr()),
            buf.len(),
            flags.bits() as usize,
            from,
            from_len,
        )
    }
}

/// What [`recvfrom`] received: the length (as [`recv`] returns it) and the sender.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecvFrom {
    /// Bytes received (or the datagram's length, with [`MsgFlags::TRUNC`]).
    pub len: usize,
    /// The sender, when the protocol reports one (`None` on a connected stream).
    pub addr: Option<SocketAddrAny>,
}

/// Receives into `buf` and reports the sender. Issues `recvfrom(2)`; blocking (hooks
/// run).
///
/// ```
/// use std::net::UdpSocket;
/// use sysbridge::net::{recvfrom, MsgFlags, SocketAddrAny};
/// let (a, b) = (UdpSocket::bind("127.0.0.1:0").unwrap(), UdpSocket::bind("127.0.0.1:0").unwrap());
/// a.send_to(b"hi", b.local_addr().unwrap()).unwrap();
/// let mut buf = [0; 8];
/// let got = recvfrom(&b, &mut buf, MsgFlags::empty()).unwrap();
/// assert_eq!(got.len, 2);
/// assert_eq!(got.addr, Some(SocketAddrAny::from(a.local_addr().unwrap())));
/// ```
#[inline]
pub fn recvfrom(fd: impl AsFd, buf: &mut [u8], flags: MsgFlags) -> Result<RecvFrom, Errno> {
    let mut from = RawAddr::buffer();
    let len = recvfrom_raw(fd.as_fd(), buf, flags, Some(&mut from))?;
    Ok(RecvFrom {
        len,
        addr: SocketAddrAny::decode(&from),
    })
}
