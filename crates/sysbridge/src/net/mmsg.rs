//! Several datagrams in one call: `sendmmsg(2)` and `recvmmsg(2)`.
//!
//! Both take one buffer per datagram and handle up to [`MMSG_BATCH`] datagrams per
//! call (the headers live on the stack); the count they return says how many went.

use std::io::{IoSlice, IoSliceMut};
use std::os::fd::AsFd;

use linux_raw_sys::net::mmsghdr;

use super::addr::RawAddr;
use super::msg::header;
use super::socket::RecvFrom;
use super::{MsgFlags, SocketAddrAny};
use crate::time::Timespec;
use crate::{Errno, Sysno, args, raw};

/// The most datagrams [`sendmmsg`] and [`recvmmsg`] handle in one call.
pub const MMSG_BATCH: usize = 64;

/// Sends each buffer of `datagrams` as its own datagram, to `addr` (or the connected
/// peer), and returns how many were sent (at most [`MMSG_BATCH`]). Issues
/// `sendmmsg(2)`; blocking (hooks run).
///
/// An error on the first datagram is returned as the error; an error on a later one
/// ends the batch, and the count says where.
///
/// ```
/// use std::io::IoSlice;
/// use std::net::UdpSocket;
/// use sysbridge::net::{sendmmsg, MsgFlags};
/// let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
/// let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
/// tx.connect(rx.local_addr().unwrap()).unwrap();
/// let sent = sendmmsg(&tx, None, &[IoSlice::new(b"a"), IoSlice::new(b"bc")], MsgFlags::empty());
/// assert_eq!(sent, Ok(2));
/// let mut buf = [0; 4];
/// assert_eq!(rx.recv(&mut buf).unwrap(), 1);
/// assert_eq!(rx.recv(&mut buf).unwrap(), 2);
/// ```
pub fn sendmmsg(
    fd: impl AsFd,
    addr: Option<SocketAddrAny>,
    datagrams: &[IoSlice<'_>],
    flags: MsgFlags,
) -> Result<usize, Errno> {
    let datagrams = &datagrams[..datagrams.len().min(MMSG_BATCH)];
    let mut name = addr.map(|a| a.encode());
    let mut headers: [mmsghdr; MMSG_BATCH] = core::array::from_fn(|i| mmsghdr {
        msg_hdr: header(
            name.as_mut(),
            datagrams.get(i).map_or(core::ptr::null_mut(), |d| {
                core::ptr::from_ref(d).cast_mut().cast()
            }),
            1,
            &mut [],
        ),
        msg_len: 0,
    });
    // SAFETY: the kernel reads `datagrams.len()` headers, each pointing to one iovec
    // (`IoSlice` is ABI-compatible with `struct iovec`) of a borrowed buffer and to the
    // encoded address, and writes only each header's `msg_len`, in `headers`, which is
    // borrowed mutably.
    unsafe {
        raw::syscall4(
            Sysno::sendmmsg,
            args::fd(fd.as_fd()),
            args::mut_ptr(headers.as_mut_ptr()),
            datagrams.len(),
            flags.bits() as usize,
        )
    }
}

/// Receives up to one datagram into each buffer of `bufs` (at most [`MMSG_BATCH`])
/// and returns, per datagram received, its length and sender. Issues `recvmmsg(2)`;
/// blocking (hooks run).
///
/// `timeout` bounds the whole call, but the kernel checks it only after each datagram
/// (`recvmmsg(2)`, BUGS): use [`MsgFlags::WAITFORONE`] or a non-blocking socket to
/// return once some datagrams are in.
///
/// ```
/// use std::io::IoSliceMut;
/// use std::net::UdpSocket;
/// use sysbridge::net::{recvmmsg, MsgFlags};
/// let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
/// let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
/// for d in [&b"x"[..], b"yz"] { tx.send_to(d, rx.local_addr().unwrap()).unwrap(); }
/// let (mut a, mut b, mut c) = ([0; 4], [0; 4], [0; 4]);
/// let mut bufs = [IoSliceMut::new(&mut a), IoSliceMut::new(&mut b), IoSliceMut::new(&mut c)];
/// let got = recvmmsg(&rx, &mut bufs, MsgFlags::DONTWAIT, None).unwrap();
/// assert_eq!(got.iter().map(|r| r.len).collect::<Vec<_>>(), [1, 2]);
/// ```
pub fn recvmmsg(
    fd: impl AsFd,
    bufs: &mut [IoSliceMut<'_>],
    flags: MsgFlags,
    timeout: Option<&Timespec>,
) -> Result<Vec<RecvFrom>, Errno> {
    let count = bufs.len().min(MMSG_BATCH);
    let mut names = [RawAddr::buffer(); MMSG_BATCH];
    let mut iovs = bufs.iter_mut();
    let mut names_iter = names.iter_mut();
    let mut headers: [mmsghdr; MMSG_BATCH] = core::array::from_fn(|_| mmsghdr {
        msg_hdr: header(
            names_iter.next(),
            iovs.next()
                .map_or(core::ptr::null_mut(), |b| core::ptr::from_mut(b).cast()),
            1,
            &mut [],
        ),
        msg_len: 0,
    });
    let timeout = timeout.map_or(0, |t| args::ptr(t));
    // SAFETY: the kernel reads `count` headers and writes through each into its
    // address buffer and its one iovec's buffer (`IoSliceMut` is ABI-compatible with
    // `struct iovec` and borrows its buffer mutably), within their lengths, and into
    // the headers themselves; all are borrowed mutably. It reads the optional timespec.
    let received = unsafe {
        raw::syscall5(
            Sysno::recvmmsg,
            args::fd(fd.as_fd()),
            args::mut_ptr(headers.as_mut_ptr()),
            count,
            flags.bits() as usize,
            timeout,
        )
    }?;
    let received = received.min(count);
    let results = headers[..received].iter().zip(&mut names);
    Ok(results
        .map(|(h, name)| {
            name.len = h.msg_hdr.msg_namelen as u32;
            RecvFrom {
                len: h.msg_len as usize,
                addr: SocketAddrAny::decode(name),
            }
        })
        .collect())
}
