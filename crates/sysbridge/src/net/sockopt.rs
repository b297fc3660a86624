//! Typed socket options: `getsockopt(2)` and `setsockopt(2)`, one function each way
//! per option, with the option's C name in its documentation.
//!
//! Each function issues one system call through the raw entries (no hooks: setting or
//! reading an option never sleeps). Values are typed: `bool` for on/off options,
//! [`Duration`] for times, [`Ucred`], [`TcpInfo`], [`IfName`], [`PacketMreq`]. The
//! kernel's own adjustments show on reading back: Linux doubles `SO_RCVBUF` and
//! `SO_SNDBUF` (room for its bookkeeping) and rounds timeouts to its clock tick.
//!
//! ```
//! use sysbridge::net::{self, sockopt, AddressFamily, Protocol, SockFlags, SocketType};
//! let s = net::socket(AddressFamily::INET, SocketType::STREAM, SockFlags::CLOEXEC,
//!                     Protocol::TCP).unwrap();
//! sockopt::set_tcp_nodelay(&s, true).unwrap();
//! assert_eq!(sockopt::tcp_nodelay(&s), Ok(true));
//! assert_eq!(sockopt::socket_type(&s), Ok(SocketType::STREAM));
//! ```
//!
//! Classic BPF filters (`SO_ATTACH_FILTER`) are set with
//! [`attach_filter`](super::attach_filter).

use core::mem::{MaybeUninit, size_of};
use core::time::Duration;
use std::os::fd::{AsFd, BorrowedFd};

use linux_raw_sys::general::__kernel_old_timeval;
use linux_raw_sys::if_packet::{
    PACKET_ADD_MEMBERSHIP, PACKET_DROP_MEMBERSHIP, PACKET_MR_PROMISC, packet_mreq,
};
use linux_raw_sys::net::{
    IP_HDRINCL, IP_TOS, IP_TTL, IPV6_V6ONLY, SO_BINDTODEVICE, SO_ERROR, SO_INCOMING_CPU,
    SO_KEEPALIVE, SO_LINGER, SO_PASSCRED, SO_PEERCRED, SO_RCVBUF, SO_RCVTIMEO, SO_REUSEADDR,
    SO_REUSEPORT, SO_SNDBUF, SO_SNDTIMEO, SO_TYPE, SOL_IP, SOL_IPV6, SOL_PACKET, SOL_SOCKET,
    SOL_TCP, TCP_CORK, TCP_INFO, TCP_KEEPCNT, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_NODELAY, linger,
    tcp_info, ucred,
};

use super::{SocketType, TcpInfo, Ucred};
use crate::{Errno, Sysno, args, raw};

/// A C type that a socket option is read into: plain integers, valid for any bytes,
/// zero included.
///
/// # Safety
/// Every byte pattern, in particular all zeros, must be a valid value.
unsafe trait Plain: Copy {}
// SAFETY: integers, arrays of bytes and structs of integers (no padding that matters,
// no pointers, no enums) are valid for any bytes.
unsafe impl Plain for i32 {}
// SAFETY: as above.
unsafe impl Plain for [u8; IFNAMSIZ] {}
// SAFETY: as above.
unsafe impl Plain for __kernel_old_timeval {}
// SAFETY: as above.
unsafe impl Plain for linger {}
// SAFETY: as above.
unsafe impl Plain for ucred {}
// SAFETY: as above.
unsafe impl Plain for tcp_info {}
// SAFETY: as above.
unsafe impl Plain for packet_mreq {}

/// How an option's Rust value maps to the bytes the kernel reads or writes.
trait OptValue: Sized {
    /// The C type.
    type Raw: Plain;
    /// The C value to pass to `setsockopt`, and how many of its bytes to pass.
    fn to_raw(&self) -> Result<(Self::Raw, usize), Errno>;
    /// The value `getsockopt` wrote: `len` bytes of `raw`, the rest zero.
    fn from_raw(raw: Self::Raw, len: usize) -> Self;
}

impl OptValue for bool {
    type Raw = i32;
    fn to_raw(&self) -> Result<(i32, usize), Errno> {
        Ok((i32::from(*self), size_of::<i32>()))
    }
    fn from_raw(raw: i32, _: usize) -> bool {
        raw != 0
    }
}

impl OptValue for u32 {
    type Raw = i32;
    fn to_raw(&self) -> Result<(i32, usize), Errno> {
        let value = i32::try_from(*self).map_err(|_| Errno::EINVAL)?;
        Ok((value, size_of::<i32>()))
    }
    fn from_raw(raw: i32, _: usize) -> u32 {
        raw as u32
    }
}

/// A timeout: `None` (no timeout) is zero, as the kernel reads and reports it.
impl OptValue for Option<Duration> {
    type Raw = __kernel_old_timeval;
    fn to_raw(&self) -> Result<(__kernel_old_timeval, usize), Errno> {
        let d = self.unwrap_or_default();
        let tv = __kernel_old_timeval {
            tv_sec: i64::try_from(d.as_secs()).map_err(|_| Errno::EDOM)?,
            tv_usec: i64::from(d.subsec_micros()),
        };
        Ok((tv, size_of::<__kernel_old_timeval>()))
    }
    fn from_raw(raw: __kernel_old_timeval, _: usize) -> Option<Duration> {
        let secs = u64::try_from(raw.tv_sec).unwrap_or(0);
        let micros = u32::try_from(raw.tv_usec).unwrap_or(0);
        let d = Duration::from_secs(secs) + Duration::from_micros(u64::from(micros));
        (!d.is_zero()).then_some(d)
    }
}

/// `SO_LINGER`: `None` is off; `Some(t)` makes `close` wait up to `t` (whole seconds)
/// for unsent data, and `Some(0)` makes it reset the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Linger(Option<Duration>);

impl OptValue for Linger {
    type Raw = linger;
    fn to_raw(&self) -> Result<(linger, usize), Errno> {
        let l = match self.0 {
            None => linger {
                l_onoff: 0,
                l_linger: 0,
            },
            Some(d) => linger {
                l_onoff: 1,
                l_linger: i32::try_from(d.as_secs()).map_err(|_| Errno::EINVAL)?,
            },
        };
        Ok((l, size_of::<linger>()))
    }
    fn from_raw(raw: linger, _: usize) -> Linger {
        let secs = u64::try_from(raw.l_linger).unwrap_or(0);
        Linger((raw.l_onoff != 0).then(|| Duration::from_secs(secs)))
    }
}

impl OptValue for Ucred {
    type Raw = ucred;
    fn to_raw(&self) -> Result<(ucred, usize), Errno> {
        let c = ucred {
            pid: self.pid as u32,
            uid: self.uid,
            gid: self.gid,
        };
        Ok((c, size_of::<ucred>()))
    }
    fn from_raw(raw: ucred, _: usize) -> Ucred {
        Ucred {
            pid: raw.pid as i32,
            uid: raw.uid,
            gid: raw.gid,
        }
    }
}

impl OptValue for SocketType {
    type Raw = i32;
    fn to_raw(&self) -> Result<(i32, usize), Errno> {
        Ok((self.0 as i32, size_of::<i32>()))
    }
    fn from_raw(raw: i32, _: usize) -> SocketType {
        SocketType(raw as u32)
    }
}

/// `SO_ERROR`: zero is no error.
impl OptValue for Option<Errno> {
    type Raw = i32;
    fn to_raw(&self) -> Result<(i32, usize), Errno> {
        Ok((self.map_or(0, Errno::raw), size_of::<i32>()))
    }
    fn from_raw(raw: i32, _: usize) -> Option<Errno> {
        (raw != 0).then(|| Errno::from_raw(raw))
    }
}

impl OptValue for TcpInfo {
    type Raw = tcp_info;
    fn to_raw(&self) -> Result<(tcp_info, usize), Errno> {
        Err(Errno::ENOPROTOOPT)
    }
    fn from_raw(raw: tcp_info, _: usize) -> TcpInfo {
        TcpInfo::from_kernel(&raw)
    }
}

/// `IFNAMSIZ`: the size of an interface name with its NUL.
const IFNAMSIZ: usize = 16;

/// An interface name (`eth0`, `lo`): at most 15 bytes, no NUL, as `SO_BINDTODEVICE`
/// takes and reports it. The empty name means no interface.
///
/// ```
/// use sysbridge::net::sockopt::IfName;
/// assert_eq!(IfName::new(b"lo").unwrap().as_bytes(), b"lo");
/// assert!(IfName::new(b"a-name-too-long-for-linux").is_err());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct IfName {
    bytes: [u8; IFNAMSIZ],
}

impl IfName {
    /// The name `name`. Fails with [`Errno::EINVAL`] if it holds a NUL byte and with
    /// [`Errno::ENAMETOOLONG`] beyond 15 bytes.
    pub fn new(name: &[u8]) -> Result<IfName, Errno> {
        if name.contains(&0) {
            return Err(Errno::EINVAL);
        }
        if name.len() >= IFNAMSIZ {
            return Err(Errno::ENAMETOOLONG);
        }
        let mut bytes = [0; IFNAMSIZ];
        bytes[..name.len()].copy_from_slice(name);
        Ok(IfName { bytes })
    }

    /// The name's bytes, without a NUL.
    pub fn as_bytes(&self) -> &[u8] {
        let len = self.bytes.iter().position(|&b| b == 0).unwrap_or(IFNAMSIZ);
        &self.bytes[..len]
    }
}

impl OptValue for IfName {
    type Raw = [u8; IFNAMSIZ];
    fn to_raw(&self) -> Result<([u8; IFNAMSIZ], usize), Errno> {
        Ok((self.bytes, self.as_bytes().len()))
    }
    fn from_raw(mut raw: [u8; IFNAMSIZ], len: usize) -> IfName {
        // Keep a NUL at the end whatever the kernel wrote.
        raw[len.min(IFNAMSIZ - 1)..].fill(0);
        IfName { bytes: raw }
    }
}

/// A packet socket's membership request (`struct packet_mreq`) for
/// [`set_packet_add_membership`]: promiscuous mode on an interface, for as long as the
/// socket holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PacketMreq {
    /// `mr_ifindex`: the interface.
    pub ifindex: i32,
    /// `mr_type`: `PACKET_MR_*`; [`PacketMreq::promisc`] sets `PACKET_MR_PROMISC`.
    pub kind: u16,
    /// `mr_alen`: how many bytes of `address` are used (multicast memberships).
    pub alen: u16,
    /// `mr_address`: a link-layer address (multicast memberships).
    pub address: [u8; 8],
}

impl PacketMreq {
    /// Promiscuous mode on interface `ifindex` (`PACKET_MR_PROMISC`).
    pub fn promisc(ifindex: i32) -> PacketMreq {
        PacketMreq {
            ifindex,
            kind: PACKET_MR_PROMISC as u16,
            alen: 0,
            address: [0; 8],
        }
    }
}

impl OptValue for PacketMreq {
    type Raw = packet_mreq;
    fn to_raw(&self) -> Result<(packet_mreq, usize), Errno> {
        let m = packet_mreq {
            mr_ifindex: self.ifindex,
            mr_type: self.kind,
            mr_alen: self.alen,
            mr_address: self.address,
        };
        Ok((m, size_of::<packet_mreq>()))
    }
    fn from_raw(raw: packet_mreq, _: usize) -> PacketMreq {
        PacketMreq {
            ifindex: raw.mr_ifindex,
            kind: raw.mr_type,
            alen: raw.mr_alen,
            address: raw.mr_address,
        }
    }
}

/// Reads option `name` at `level`. Issues `getsockopt(2)`.
fn get<V: OptValue>(fd: BorrowedFd<'_>, level: u32, name: u32) -> Result<V, Errno> {
    let mut value = MaybeUninit::<V::Raw>::zeroed();
    let mut len = size_of::<V::Raw>() as u32;
    // SAFETY: the kernel writes at most `len` bytes into `value` and the length into
    // `len`, both borrowed mutably for the call.
    unsafe {
        raw::raw_syscall5(
            Sysno::getsockopt,
            args::fd(fd),
            level as usize,
            name as usize,
            args::mut_ptr(value.as_mut_ptr()),
            args::mut_ptr(&mut len),
        )
    }?;
    // SAFETY: `V::Raw` is `Plain`: the zeroed bytes, partly overwritten by the kernel,
    // are a valid value.
    let value = unsafe { value.assume_init() };
    Ok(V::from_raw(value, len as usize))
}

/// Sets option `name` at `level`. Issues `setsockopt(2)`.
fn set<V: OptValue>(fd: BorrowedFd<'_>, level: u32, name: u32, value: &V) -> Result<(), Errno> {
    let (raw_value, len) = value.to_raw()?;
    set_bytes(fd, level, name, &raw_value, len)
}

/// Issues `setsockopt(2)` with the first `len` bytes of `value` (at most all of it).
pub(super) fn set_bytes<T>(
    fd: BorrowedFd<'_>,
    level: u32,
    name: u32,
    value: &T,
    len: usize,
) -> Result<(), Errno> {
    // SAFETY: the kernel reads at most `size_of::<T>()` bytes of `value`, borrowed for
    // the call (and, for options that hold pointers, what they point to: reads only),
    // and writes no user memory.
    unsafe {
        raw::raw_syscall5_readonly(
            Sysno::setsockopt,
            args::fd(fd),
            level as usize,
            name as usize,
            args::ptr(value),
            len.min(size_of::<T>()),
        )
    }?;
    Ok(())
}

/// Defines, per option, a reader (`getsockopt`) and, unless the option is read-only,
/// a setter (`setsockopt`).
macro_rules! sockopts {
    () => {};
    (
        $(#[$doc:meta])*
        $level:ident, $name:ident: $ty:ty => get $get:ident, set $set:ident;
        $($rest:tt)*
    ) => {
        $(#[$doc])*
        #[doc = concat!("\n\nSets `", stringify!($name), "`: `setsockopt(2)` at `",
            stringify!($level), "`; non-blocking (no hooks). Read it with [`", stringify!($get), "`].")]
        #[inline]
        pub fn $set(fd: impl AsFd, value: $ty) -> Result<(), Errno> {
            set(fd.as_fd(), $level, $name, &value)
        }
        sockopts! { $(#[$doc])* $level, $name: $ty => get $get; $($rest)* }
    };
    (
        $(#[$doc:meta])*
        $level:ident, $name:ident: $ty:ty => get $get:ident;
        $($rest:tt)*
    ) => {
        $(#[$doc])*
        #[doc = concat!("\n\nReads `", stringify!($name), "`: `getsockopt(2)` at `",
            stringify!($level), "`; non-blocking (no hooks).")]
        #[inline]
        pub fn $get(fd: impl AsFd) -> Result<$ty, Errno> {
            get(fd.as_fd(), $level, $name)
        }
        sockopts! { $($rest)* }
    };
}

sockopts! {
    /// `SO_REUSEADDR`: bind to a local address even while connections to it linger
    /// in `TIME_WAIT`.
    SOL_SOCKET, SO_REUSEADDR: bool => get reuseaddr, set set_reuseaddr;
    /// `SO_REUSEPORT`: let several sockets (of the same user) bind the same address
    /// and port; the kernel spreads incoming connections or datagrams among them.
    SOL_SOCKET, SO_REUSEPORT: bool => get reuseport, set set_reuseport;
    /// `SO_KEEPALIVE`: probe an idle connection (timing from the `TCP_KEEP*` options).
    SOL_SOCKET, SO_KEEPALIVE: bool => get keepalive, set set_keepalive;
    /// `SO_RCVBUF`: the receive buffer size in bytes (Linux stores and reports twice
    /// the value set).
    SOL_SOCKET, SO_RCVBUF: u32 => get rcvbuf, set set_rcvbuf;
    /// `SO_SNDBUF`: the send buffer size in bytes (Linux stores and reports twice the
    /// value set).
    SOL_SOCKET, SO_SNDBUF: u32 => get sndbuf, set set_sndbuf;
    /// `SO_RCVTIMEO`: how long a blocking receive waits before failing with `EAGAIN`
    /// (`None`: forever). Microsecond precision; beyond the kernel's range, `EDOM`.
    SOL_SOCKET, SO_RCVTIMEO: Option<Duration> => get rcvtimeo, set set_rcvtimeo;
    /// `SO_SNDTIMEO`: how long a blocking send waits before failing with `EAGAIN`
    /// (`None`: forever).
    SOL_SOCKET, SO_SNDTIMEO: Option<Duration> => get sndtimeo, set set_sndtimeo;
    /// `SO_ERROR`: the pending error (cleared by reading it), as left by a
    /// non-blocking `connect`.
    SOL_SOCKET, SO_ERROR: Option<Errno> => get socket_error;
    /// `SO_TYPE`: the socket's type.
    SOL_SOCKET, SO_TYPE: SocketType => get socket_type;
    /// `SO_PEERCRED`: the process, user and group of the peer of a unix socket, as
    /// they were at `connect` or `socketpair`.
    SOL_SOCKET, SO_PEERCRED: Ucred => get peercred;
    /// `SO_PASSCRED`: receive `SCM_CREDENTIALS` control messages with each
    /// [`recvmsg`](super::recvmsg) on a unix socket.
    SOL_SOCKET, SO_PASSCRED: bool => get passcred, set set_passcred;
    /// `SO_INCOMING_CPU`: the CPU that processed the socket's last packet; set on the
    /// listeners of an `SO_REUSEPORT` group, it sends each new connection to the
    /// listener whose number is the CPU that received the connection.
    SOL_SOCKET, SO_INCOMING_CPU: u32 => get incoming_cpu, set set_incoming_cpu;
    /// `SO_BINDTODEVICE`: send and receive only through this interface (the empty
    /// name unbinds). Setting needs `CAP_NET_RAW`.
    SOL_SOCKET, SO_BINDTODEVICE: IfName => get bindtodevice, set set_bindtodevice;
    /// `TCP_NODELAY`: send small segments at once instead of coalescing them (Nagle's
    /// algorithm off).
    SOL_TCP, TCP_NODELAY: bool => get tcp_nodelay, set set_tcp_nodelay;
    /// `TCP_KEEPIDLE`: seconds of idleness before the first keep-alive probe.
    SOL_TCP, TCP_KEEPIDLE: u32 => get tcp_keepidle, set set_tcp_keepidle;
    /// `TCP_KEEPINTVL`: seconds between keep-alive probes.
    SOL_TCP, TCP_KEEPINTVL: u32 => get tcp_keepintvl, set set_tcp_keepintvl;
    /// `TCP_KEEPCNT`: unanswered probes before the connection is dropped.
    SOL_TCP, TCP_KEEPCNT: u32 => get tcp_keepcnt, set set_tcp_keepcnt;
    /// `TCP_CORK`: hold partial segments until uncorked (or 200 ms pass).
    SOL_TCP, TCP_CORK: bool => get tcp_cork, set set_tcp_cork;
    /// `TCP_INFO`: the connection's state and counters, decoded. Fields newer than
    /// the running kernel read as zero.
    SOL_TCP, TCP_INFO: TcpInfo => get tcp_info;
    /// `IP_TOS`: the type-of-service byte of outgoing IPv4 packets (DSCP and ECN
    /// bits; Linux may clear the ECN bits of a TCP socket).
    SOL_IP, IP_TOS: u32 => get ip_tos, set set_ip_tos;
    /// `IP_TTL`: the time-to-live of outgoing IPv4 packets (1..=255).
    SOL_IP, IP_TTL: u32 => get ip_ttl, set set_ip_ttl;
    /// `IP_HDRINCL`: on a raw IPv4 socket, the data sent includes the IP header.
    SOL_IP, IP_HDRINCL: bool => get ip_hdrincl, set set_ip_hdrincl;
    /// `IPV6_V6ONLY`: an IPv6 socket bound to `::` does not accept IPv4 as mapped
    /// addresses.
    SOL_IPV6, IPV6_V6ONLY: bool => get ipv6_v6only, set set_ipv6_v6only;
}

/// `SO_LINGER`: whether and how long `close` waits for unsent data. `None`: it
/// returns at once and the kernel sends in the background; `Some(t)`: it waits up to
/// `t` (whole seconds); `Some(Duration::ZERO)`: it resets the connection (RST).
///
/// Reads `SO_LINGER`: `getsockopt(2)` at `SOL_SOCKET`; non-blocking (no hooks).
#[inline]
pub fn linger(fd: impl AsFd) -> Result<Option<Duration>, Errno> {
    get::<Linger>(fd.as_fd(), SOL_SOCKET, SO_LINGER).map(|l| l.0)
}

/// Sets `SO_LINGER` (see [`linger()`]; sub-second parts are dropped, and more than
/// `i32::MAX` seconds is `EINVAL`): `setsockopt(2)` at `SOL_SOCKET`; non-blocking (no
/// hooks).
#[inline]
pub fn set_linger(fd: impl AsFd, value: Option<Duration>) -> Result<(), Errno> {
    set(fd.as_fd(), SOL_SOCKET, SO_LINGER, &Linger(value))
}

/// `PACKET_ADD_MEMBERSHIP`: on an [`AddressFamily::PACKET`](super::AddressFamily::PACKET)
/// socket, join `mreq` (for [`PacketMreq::promisc`], put the interface in promiscuous
/// mode until the socket leaves or closes). Issues `setsockopt(2)` at `SOL_PACKET`;
/// non-blocking (no hooks).
#[inline]
pub fn set_packet_add_membership(fd: impl AsFd, mreq: PacketMreq) -> Result<(), Errno> {
    set(fd.as_fd(), SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq)
}

/// `PACKET_DROP_MEMBERSHIP`: leave what [`set_packet_add_membership`] joined. Issues
/// `setsockopt(2)` at `SOL_PACKET`; non-blocking (no hooks).
#[inline]
pub fn set_packet_drop_membership(fd: impl AsFd, mreq: PacketMreq) -> Result<(), Errno> {
    set(fd.as_fd(), SOL_PACKET, PACKET_DROP_MEMBERSHIP, &mreq)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_their_c_form() {
        fn round<V: OptValue + PartialEq + core::fmt::Debug>(v: V) {
            let (raw, len) = v.to_raw().unwrap();
            assert_eq!(V::from_raw(raw, len), v);
        }
        round(true);
        round(7u32);
        round(Some(Duration::from_micros(1_500_001)));
        round(None::<Duration>);
        round(Linger(Some(Duration::from_secs(3))));
        round(Linger(None));
        round(Some(Errno::ECONNREFUSED));
        round(IfName::new(b"lo").unwrap());
        round(PacketMreq::promisc(1));
        assert_eq!(u32::MAX.to_raw().err(), Some(Errno::EINVAL));
        assert_eq!(Some(Duration::MAX).to_raw().err(), Some(Errno::EDOM));
        let full = IfName::from_raw([b'x'; IFNAMSIZ], IFNAMSIZ);
        assert_eq!(full.as_bytes().len(), IFNAMSIZ - 1);
    }
}
