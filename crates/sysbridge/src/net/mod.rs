//! Sockets: unix, TCP, UDP, raw and packet sockets; their addresses, options and
//! messages.
//!
//! | part | system calls |
//! |---|---|
//! | [creating](socket()) | [`socket`](socket()), [`socketpair`] |
//! | naming and connecting | [`bind`], [`listen`], [`accept4`], [`accept4_from`], [`connect`], [`shutdown`], [`getsockname`], [`getpeername`] |
//! | data | [`send`], [`recv`], [`sendto`], [`recvfrom`] |
//! | messages | [`sendmsg`], [`recvmsg`] (with [control messages](ControlBuffer)), [`sendmmsg`], [`recvmmsg`] |
//! | options | [`sockopt`]: typed `getsockopt(2)` and `setsockopt(2)` |
//! | addresses | [`SocketAddrAny`]: IPv4 and IPv6 (to and from std's [`SocketAddr`](std::net::SocketAddr)), [`UnixAddr`], [`LinkAddr`] (no system call) |
//!
//! As in the [`raw`](crate::raw) table, calls that may wait for a peer or for data
//! ([`accept4`], [`connect`], [`shutdown`], the sends and receives) go through the hooked
//! entries; calls that only set up or query a socket ([`socket`](socket()), [`socketpair`],
//! [`bind`], [`listen`], [`getsockname`], [`getpeername`], the socket options) never
//! sleep and go through the raw ones. None retries on `EINTR`.
//!
//! x86_64 has no `send` and `recv` system calls: [`send`] and [`recv`] issue `sendto(2)`
//! and `recvfrom(2)` without an address, as glibc does.
//!
//! Not wrapped here (yet): `accept` (use [`accept4`]), multicast membership and the
//! other `IP_*`/`IPV6_*` options beyond those in [`sockopt`], `TCP_CONGESTION` and the
//! string-valued options, reading filters back (`SO_GET_FILTER`), eBPF programs,
//! `SO_PEERSEC`/`SO_PEERPIDFD`, packet rings (`PACKET_RX_RING`), `MSG_ZEROCOPY`, and
//! control messages other than `SCM_RIGHTS` and `SCM_CREDENTIALS` (they are handed
//! over undecoded as [`ControlMessage::Other`]); addresses of families other than
//! IPv4, IPv6, unix and packet decode as [`SocketAddrAny::Other`], family only.
//! [`sendmmsg`] and [`recvmmsg`] take one buffer per datagram and at most
//! [`MMSG_BATCH`] datagrams per call.
//!
//! ```
//! use sysbridge::net::{self, AddressFamily, Protocol, SockFlags, SocketType};
//! use std::io::{Read, Write};
//!
//! let listener = net::socket(AddressFamily::INET, SocketType::STREAM, SockFlags::CLOEXEC,
//!                            Protocol::DEFAULT).unwrap();
//! net::bind(&listener, "127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap()).unwrap();
//! net::listen(&listener, 16).unwrap();
//! let addr = std::net::SocketAddr::try_from(net::getsockname(&listener).unwrap()).unwrap();
//!
//! let mut client = std::net::TcpStream::connect(addr).unwrap();
//! let conn = net::accept4(&listener, SockFlags::CLOEXEC).unwrap();
//! client.write_all(b"ping").unwrap();
//! let mut buf = [0; 4];
//! assert_eq!(net::recv(&conn, &mut buf, net::MsgFlags::WAITALL), Ok(4));
//! net::send(&conn, b"pong", net::MsgFlags::NOSIGNAL).unwrap();
//! client.read_exact(&mut buf).unwrap();
//! assert_eq!(&buf, b"pong");
//! ```

use linux_raw_sys::general::{O_CLOEXEC, O_NONBLOCK};
use linux_raw_sys::if_ether::ETH_P_ALL;
use linux_raw_sys::net::{
    AF_INET, AF_INET6, AF_NETLINK, AF_PACKET, AF_UNIX, AF_UNSPEC, IPPROTO_ICMP, IPPROTO_ICMPV6,
    IPPROTO_RAW, IPPROTO_TCP, IPPROTO_UDP, MSG_CMSG_CLOEXEC, MSG_CONFIRM, MSG_CTRUNC,
    MSG_DONTROUTE, MSG_DONTWAIT, MSG_EOR, MSG_ERRQUEUE, MSG_MORE, MSG_NOSIGNAL, MSG_OOB, MSG_PEEK,
    MSG_TRUNC, MSG_WAITALL, SHUT_RD, SHUT_RDWR, SHUT_WR, SOCK_DGRAM, SOCK_RAW, SOCK_RDM,
    SOCK_SEQPACKET, SOCK_STREAM,
};

/// `MSG_WAITFORONE`, from the kernel's internal `<linux/socket.h>` (outside the UAPI
/// headers that `linux-raw-sys` is generated from).
const MSG_WAITFORONE: u32 = 0x10000;

mod addr;
mod filter;
mod mmsg;
mod msg;
mod socket;
pub mod sockopt;
mod tcp_info;

pub use self::addr::{LinkAddr, SocketAddrAny, UnixAddr};
pub use self::filter::{SockFilter, attach_filter, detach_filter};
pub use self::mmsg::{MMSG_BATCH, recvmmsg, sendmmsg};
pub use self::msg::{
    ControlBuffer, ControlMessage, ControlMessages, RecvMsg, Rights, SendControl, Ucred,
    cmsg_space, recvmsg, sendmsg,
};
pub use self::socket::{
    RecvFrom, accept4, accept4_from, bind, connect, getpeername, getsockname, listen, recv,
    recvfrom, send, sendto, shutdown, socket, socketpair,
};
pub use self::tcp_info::TcpInfo;

/// A socket's address family (`AF_*`), the `domain` of [`socket`](socket()).
///
/// A number rather than an enum: the kernel reports families this crate has no name
/// for, in addresses it returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AddressFamily(pub u16);

impl AddressFamily {
    /// `AF_UNSPEC`: no family (also the family of an address that was never set).
    pub const UNSPEC: AddressFamily = AddressFamily(AF_UNSPEC as u16);
    /// `AF_UNIX`: local sockets named by paths or abstract names.
    pub const UNIX: AddressFamily = AddressFamily(AF_UNIX as u16);
    /// `AF_INET`: IPv4.
    pub const INET: AddressFamily = AddressFamily(AF_INET as u16);
    /// `AF_INET6`: IPv6.
    pub const INET6: AddressFamily = AddressFamily(AF_INET6 as u16);
    /// `AF_NETLINK`: the kernel's message sockets.
    pub const NETLINK: AddressFamily = AddressFamily(AF_NETLINK as u16);
    /// `AF_PACKET`: link-layer frames ([`LinkAddr`]); needs `CAP_NET_RAW`.
    pub const PACKET: AddressFamily = AddressFamily(AF_PACKET as u16);
}

/// A socket's type (`SOCK_*`), the `type` of [`socket`](socket()) without its flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SocketType(pub u32);

impl SocketType {
    /// `SOCK_STREAM`: a reliable, ordered byte stream (TCP, unix stream).
    pub const STREAM: SocketType = SocketType(SOCK_STREAM);
    /// `SOCK_DGRAM`: datagrams (UDP, unix datagram, cooked packet sockets).
    pub const DGRAM: SocketType = SocketType(SOCK_DGRAM);
    /// `SOCK_RAW`: raw IP datagrams or link-layer frames.
    pub const RAW: SocketType = SocketType(SOCK_RAW);
    /// `SOCK_RDM`: reliable datagrams (few families).
    pub const RDM: SocketType = SocketType(SOCK_RDM);
    /// `SOCK_SEQPACKET`: reliable, ordered datagrams with boundaries (unix).
    pub const SEQPACKET: SocketType = SocketType(SOCK_SEQPACKET);
}

bitflags::bitflags! {
    /// Flags or'ed into the type of [`socket`](socket()) and [`socketpair`], and the
    /// flags of [`accept4`] (`SOCK_*`; the kernel defines them as the `O_*` values).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct SockFlags: u32 {
        /// `SOCK_NONBLOCK`: calls that would wait fail with `EAGAIN` instead.
        const NONBLOCK = O_NONBLOCK;
        /// `SOCK_CLOEXEC`: set `FD_CLOEXEC` on the new descriptor(s), atomically.
        const CLOEXEC = O_CLOEXEC;
    }
}

/// The protocol of [`socket`](socket()): an `IPPROTO_*` number for IP sockets, an
/// ethertype in network byte order for packet sockets, zero for the family's default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Protocol(pub u32);

impl Protocol {
    /// `0`: the default protocol of the family and type (TCP for an IP stream…).
    pub const DEFAULT: Protocol = Protocol(0);
    /// `IPPROTO_TCP`.
    pub const TCP: Protocol = Protocol(IPPROTO_TCP as u32);
    /// `IPPROTO_UDP`.
    pub const UDP: Protocol = Protocol(IPPROTO_UDP as u32);
    /// `IPPROTO_ICMP`: with [`SocketType::RAW`], ICMP messages (needs `CAP_NET_RAW`).
    pub const ICMP: Protocol = Protocol(IPPROTO_ICMP as u32);
    /// `IPPROTO_ICMPV6`.
    pub const ICMPV6: Protocol = Protocol(IPPROTO_ICMPV6);
    /// `IPPROTO_RAW`: a raw IP socket that sends whole datagrams (implies `IP_HDRINCL`).
    pub const RAW: Protocol = Protocol(IPPROTO_RAW as u32);
    /// `htons(ETH_P_ALL)`: every frame, for an [`AddressFamily::PACKET`] socket.
    pub const ETH_ALL: Protocol = Protocol::ethertype(ETH_P_ALL as u16);

    /// The protocol of a packet socket that receives frames of `ethertype` (an
    /// `ETH_P_*` value, converted to network byte order as the kernel wants it).
    ///
    /// ```
    /// use sysbridge::net::Protocol;
    /// assert_eq!(Protocol::ethertype(0x0003), Protocol::ETH_ALL);
    /// ```
    pub const fn ethertype(ethertype: u16) -> Protocol {
        Protocol(ethertype.to_be() as u32)
    }
}

/// Which directions [`shutdown`] closes (`SHUT_*`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shutdown {
    /// `SHUT_RD`: no more receptions.
    Read = SHUT_RD,
    /// `SHUT_WR`: no more transmissions (TCP sends its FIN).
    Write = SHUT_WR,
    /// `SHUT_RDWR`: both.
    Both = SHUT_RDWR,
}

bitflags::bitflags! {
    /// Flags of the sends and receives (`MSG_*`), and the flags [`recvmsg`] reports.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct MsgFlags: u32 {
        /// `MSG_OOB`: out-of-band data.
        const OOB = MSG_OOB;
        /// `MSG_PEEK`: return data without removing it from the queue.
        const PEEK = MSG_PEEK;
        /// `MSG_DONTROUTE`: send only to directly connected hosts.
        const DONTROUTE = MSG_DONTROUTE;
        /// `MSG_CTRUNC` (reported): control data was cut short for lack of room.
        const CTRUNC = MSG_CTRUNC;
        /// `MSG_TRUNC`: (reported) the datagram was longer than the buffer; (given to
        /// a receive) return the datagram's real length.
        const TRUNC = MSG_TRUNC;
        /// `MSG_DONTWAIT`: this call does not wait, as if the socket were non-blocking.
        const DONTWAIT = MSG_DONTWAIT;
        /// `MSG_EOR`: end of record (`SOCK_SEQPACKET`).
        const EOR = MSG_EOR;
        /// `MSG_WAITALL`: a stream receive waits for the whole buffer (or an error,
        /// signal or end of stream).
        const WAITALL = MSG_WAITALL;
        /// `MSG_CONFIRM`: the link layer made progress (tell ARP / neighbour discovery).
        const CONFIRM = MSG_CONFIRM;
        /// `MSG_ERRQUEUE`: receive from the socket's error queue.
        const ERRQUEUE = MSG_ERRQUEUE;
        /// `MSG_NOSIGNAL`: a send to a closed stream fails with `EPIPE` without
        /// raising `SIGPIPE`.
        const NOSIGNAL = MSG_NOSIGNAL;
        /// `MSG_MORE`: more data follows; hold this send (as `TCP_CORK`, for one call).
        const MORE = MSG_MORE;
        /// `MSG_WAITFORONE`: [`recvmmsg`] turns non-blocking after the first message.
        const WAITFORONE = MSG_WAITFORONE;
        /// `MSG_CMSG_CLOEXEC`: descriptors received by `SCM_RIGHTS` get
        /// `FD_CLOEXEC` ([`recvmsg`] always sets it).
        const CMSG_CLOEXEC = MSG_CMSG_CLOEXEC;
    }
}
