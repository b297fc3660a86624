//! Socket addresses: IPv4, IPv6, unix (paths, abstract names, unnamed) and link layer,
//! encoded to and decoded from the kernel's `struct sockaddr_*` bytes without `unsafe`.

use core::fmt;
use core::mem::{offset_of, size_of};
use std::ffi::OsStr;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use linux_raw_sys::if_packet::sockaddr_ll;
use linux_raw_sys::net::{sockaddr_in, sockaddr_in6, sockaddr_un};

use super::AddressFamily;
use crate::Errno;

/// Bytes in `struct sockaddr_storage`, the largest address the kernel writes.
const STORAGE_BYTES: usize = 128;
/// Bytes in `sun_path`.
const SUN_PATH: usize = 108;
/// Where `sun_path` starts (after `sun_family`).
const SUN_PATH_AT: usize = offset_of!(sockaddr_un, sun_path);

/// An address as the kernel reads and writes it: `sockaddr_storage` bytes and the
/// length in use (`socklen_t`), kept together so that a pointer to each can be passed.
#[repr(C, align(8))]
#[derive(Clone, Copy)]
pub(crate) struct RawAddr {
    pub(crate) bytes: [u8; STORAGE_BYTES],
    pub(crate) len: u32,
}

impl RawAddr {
    /// An empty buffer for the kernel to fill, its length the whole capacity.
    pub(crate) fn buffer() -> RawAddr {
        RawAddr {
            bytes: [0; STORAGE_BYTES],
            len: STORAGE_BYTES as u32,
        }
    }

    /// A buffer with `family` in place and `len` bytes in use.
    fn with_family(family: AddressFamily, len: usize) -> RawAddr {
        let mut raw = RawAddr::buffer();
        raw.len = len as u32;
        raw.put(0, &family.0.to_ne_bytes());
        raw
    }

    fn put(&mut self, at: usize, bytes: &[u8]) {
        self.bytes[at..at + bytes.len()].copy_from_slice(bytes);
    }

    fn get<const N: usize>(&self, at: usize) -> [u8; N] {
        let mut out = [0; N];
        out.copy_from_slice(&self.bytes[at..at + N]);
        out
    }

    /// The bytes in use, as far as the buffer holds them (the kernel reports the full
    /// length of an address it had to truncate).
    fn used(&self) -> usize {
        (self.len as usize).min(STORAGE_BYTES)
    }
}

/// Any socket address the system calls of [`net`](super) take or return.
///
/// IPv4 and IPv6 addresses are std's types, converted with `From` and `TryFrom`:
///
/// ```
/// use std::net::SocketAddr;
/// use sysbridge::net::SocketAddrAny;
/// let std_addr: SocketAddr = "[::1]:8080".parse().unwrap();
/// let any = SocketAddrAny::from(std_addr);
/// assert_eq!(SocketAddr::try_from(any), Ok(std_addr));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SocketAddrAny {
    /// `struct sockaddr_in`.
    V4(SocketAddrV4),
    /// `struct sockaddr_in6` (with flow information and scope id).
    V6(SocketAddrV6),
    /// `struct sockaddr_un`.
    Unix(UnixAddr),
    /// `struct sockaddr_ll`.
    Link(LinkAddr),
    /// An address of another family, or one too short for its family: only the
    /// family is kept.
    Other(AddressFamily),
}

impl SocketAddrAny {
    /// The address family.
    ///
    /// ```
    /// use sysbridge::net::{AddressFamily, SocketAddrAny, UnixAddr};
    /// let any = SocketAddrAny::from(UnixAddr::new("/tmp/x.sock").unwrap());
    /// assert_eq!(any.family(), AddressFamily::UNIX);
    /// ```
    pub fn family(&self) -> AddressFamily {
        match self {
            SocketAddrAny::V4(_) => AddressFamily::INET,
            SocketAddrAny::V6(_) => AddressFamily::INET6,
            SocketAddrAny::Unix(_) => AddressFamily::UNIX,
            SocketAddrAny::Link(_) => AddressFamily::PACKET,
            SocketAddrAny::Other(family) => *family,
        }
    }

    /// The kernel's bytes for this address.
    pub(crate) fn encode(&self) -> RawAddr {
        match self {
            SocketAddrAny::V4(v4) => {
                let mut raw = RawAddr::with_family(AddressFamily::INET, size_of::<sockaddr_in>());
                raw.put(offset_of!(sockaddr_in, sin_port), &v4.port().to_be_bytes());
                raw.put(offset_of!(sockaddr_in, sin_addr), &v4.ip().octets());
                raw
            }
            SocketAddrAny::V6(v6) => {
                let mut raw = RawAddr::with_family(AddressFamily::INET6, size_of::<sockaddr_in6>());
                raw.put(
                    offset_of!(sockaddr_in6, sin6_port),
                    &v6.port().to_be_bytes(),
                );
                let flowinfo = v6.flowinfo().to_be_bytes();
                raw.put(offset_of!(sockaddr_in6, sin6_flowinfo), &flowinfo);
                raw.put(offset_of!(sockaddr_in6, sin6_addr), &v6.ip().octets());
                let scope = v6.scope_id().to_ne_bytes();
                raw.put(offset_of!(sockaddr_in6, sin6_scope_id), &scope);
                raw
            }
            SocketAddrAny::Unix(unix) => {
                // A path gets its terminating NUL when there is room for it.
                let nul = usize::from(!unix.is_abstract() && unix.len < SUN_PATH as u8);
                let used = usize::from(unix.len);
                let mut raw = RawAddr::with_family(AddressFamily::UNIX, SUN_PATH_AT + used + nul);
                raw.put(SUN_PATH_AT, &unix.bytes[..used]);
                raw
            }
            SocketAddrAny::Link(link) => {
                let mut raw = RawAddr::with_family(AddressFamily::PACKET, size_of::<sockaddr_ll>());
                let protocol = link.protocol.to_be_bytes();
                raw.put(offset_of!(sockaddr_ll, sll_protocol), &protocol);
                let ifindex = link.ifindex.to_ne_bytes();
                raw.put(offset_of!(sockaddr_ll, sll_ifindex), &ifindex);
                let hatype = link.hatype.to_ne_bytes();
                raw.put(offset_of!(sockaddr_ll, sll_hatype), &hatype);
                raw.put(offset_of!(sockaddr_ll, sll_pkttype), &[link.pkttype]);
                raw.put(offset_of!(sockaddr_ll, sll_halen), &[link.halen]);
                raw.put(offset_of!(sockaddr_ll, sll_addr), &link.addr);
                raw
            }
            SocketAddrAny::Other(family) => RawAddr::with_family(*family, size_of::<u16>()),
        }
    }

    /// The address the kernel wrote, or `None` when it wrote none (length below the
    /// family field: an unconnected datagram peer, a stream's `recvfrom`).
    pub(crate) fn decode(raw: &RawAddr) -> Option<SocketAddrAny> {
        let used = raw.used();
        if used < size_of::<u16>() {
            return None;
        }
        let family = AddressFamily(u16::from_ne_bytes(raw.get(0)));
        let fits = |size: usize| used >= size;
        Some(match family {
            AddressFamily::INET if fits(size_of::<sockaddr_in>()) => {
                let port = u16::from_be_bytes(raw.get(offset_of!(sockaddr_in, sin_port)));
                let ip = Ipv4Addr::from(raw.get::<4>(offset_of!(sockaddr_in, sin_addr)));
                SocketAddrAny::V4(SocketAddrV4::new(ip, port))
            }
            AddressFamily::INET6 if fits(size_of::<sockaddr_in6>()) => {
                let port = u16::from_be_bytes(raw.get(offset_of!(sockaddr_in6, sin6_port)));
                let flow = u32::from_be_bytes(raw.get(offset_of!(sockaddr_in6, sin6_flowinfo)));
                let ip = Ipv6Addr::from(raw.get::<16>(offset_of!(sockaddr_in6, sin6_addr)));
                let scope = u32::from_ne_bytes(raw.get(offset_of!(sockaddr_in6, sin6_scope_id)));
                SocketAddrAny::V6(SocketAddrV6::new(ip, port, flow, scope))
            }
            AddressFamily::UNIX => SocketAddrAny::Unix(UnixAddr::decode(&raw.bytes[..used])),
            AddressFamily::PACKET if fits(size_of::<sockaddr_ll>()) => {
                SocketAddrAny::Link(LinkAddr {
                    protocol: u16::from_be_bytes(raw.get(offset_of!(sockaddr_ll, sll_protocol))),
                    ifindex: i32::from_ne_bytes(raw.get(offset_of!(sockaddr_ll, sll_ifindex))),
                    hatype: u16::from_ne_bytes(raw.get(offset_of!(sockaddr_ll, sll_hatype))),
                    pkttype: raw.bytes[offset_of!(sockaddr_ll, sll_pkttype)],
                    halen: raw.bytes[offset_of!(sockaddr_ll, sll_halen)],
                    addr: raw.get(offset_of!(sockaddr_ll, sll_addr)),
                })
            }
            other => SocketAddrAny::Other(other),
        })
    }
}

impl From<SocketAddrV4> for SocketAddrAny {
    fn from(addr: SocketAddrV4) -> SocketAddrAny {
        SocketAddrAny::V4(addr)
    }
}

impl From<SocketAddrV6> for SocketAddrAny {
    fn from(addr: SocketAddrV6) -> SocketAddrAny {
        SocketAddrAny::V6(addr)
    }
}

impl From<SocketAddr> for SocketAddrAny {
    fn from(addr: SocketAddr) -> SocketAddrAny {
        match addr {
            SocketAddr::V4(v4) => SocketAddrAny::V4(v4),
            SocketAddr::V6(v6) => SocketAddrAny::V6(v6),
        }
    }
}

impl From<UnixAddr> for SocketAddrAny {
    fn from(addr: UnixAddr) -> SocketAddrAny {
        SocketAddrAny::Unix(addr)
    }
}

impl From<LinkAddr> for SocketAddrAny {
    fn from(addr: LinkAddr) -> SocketAddrAny {
        SocketAddrAny::Link(addr)
    }
}

/// Fails with [`Errno::EAFNOSUPPORT`] unless the address is IPv4 or IPv6.
impl TryFrom<SocketAddrAny> for SocketAddr {
    type Error = Errno;

    fn try_from(addr: SocketAddrAny) -> Result<SocketAddr, Errno> {
        match addr {
            SocketAddrAny::V4(v4) => Ok(SocketAddr::V4(v4)),
            SocketAddrAny::V6(v6) => Ok(SocketAddr::V6(v6)),
            _ => Err(Errno::EAFNOSUPPORT),
        }
    }
}

/// A unix-domain address (`struct sockaddr_un`): a path in the file system, a name in
/// the abstract namespace (Linux: no file, gone with the last socket), or unnamed (a
/// socket that was never bound, as [`getpeername`](super::getpeername) reports a client).
///
/// ```
/// use sysbridge::net::UnixAddr;
/// let path = UnixAddr::new("/run/app.sock").unwrap();
/// assert_eq!(path.path(), Some(std::path::Path::new("/run/app.sock")));
/// let name = UnixAddr::new_abstract(b"app").unwrap();
/// assert_eq!(name.abstract_name(), Some(&b"app"[..]));
/// assert!(UnixAddr::unnamed().is_unnamed());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct UnixAddr {
    /// `sun_path`; an abstract name starts with its NUL. Unused bytes are zero.
    bytes: [u8; SUN_PATH],
    /// How many bytes of `bytes` are the address (without a path's NUL).
    len: u8,
}

impl UnixAddr {
    /// A path address. Fails with [`Errno::EINVAL`] if the path holds a NUL byte or is
    /// empty, and with [`Errno::ENAMETOOLONG`] beyond 108 bytes (`sun_path`; a path of
    /// exactly 108 bytes is sent without its NUL, as Linux allows).
    pub fn new(path: impl AsRef<Path>) -> Result<UnixAddr, Errno> {
        let bytes = path.as_ref().as_os_str().as_bytes();
        if bytes.is_empty() || bytes.contains(&0) {
            return Err(Errno::EINVAL);
        }
        UnixAddr::from_sun_path(bytes)
    }

    /// A name in the abstract namespace (any bytes, NULs included). Fails with
    /// [`Errno::ENAMETOOLONG`] beyond 107 bytes.
    pub fn new_abstract(name: &[u8]) -> Result<UnixAddr, Errno> {
        if name.len() >= SUN_PATH {
            return Err(Errno::ENAMETOOLONG);
        }
        let mut addr = UnixAddr::from_sun_path(&[0])?;
        addr.bytes[1..=name.len()].copy_from_slice(name);
        addr.len += name.len() as u8;
        Ok(addr)
    }

    /// The unnamed address (`sun_path` empty); binding to it autobinds an abstract name.
    pub fn unnamed() -> UnixAddr {
        UnixAddr {
            bytes: [0; SUN_PATH],
            len: 0,
        }
    }

    fn from_sun_path(bytes: &[u8]) -> Result<UnixAddr, Errno> {
        if bytes.len() > SUN_PATH {
            return Err(Errno::ENAMETOOLONG);
        }
        let mut addr = UnixAddr::unnamed();
        addr.bytes[..bytes.len()].copy_from_slice(bytes);
        addr.len = bytes.len() as u8;
        Ok(addr)
    }

    /// The address in `sun_path` bytes as the kernel wrote them (family included).
    fn decode(sockaddr: &[u8]) -> UnixAddr {
        let path = sockaddr.get(SUN_PATH_AT..).unwrap_or_default();
        let path = &path[..path.len().min(SUN_PATH)];
        let used = match path.first() {
            // Abstract: every byte counts. A path: up to its NUL, if it has one.
            Some(0) | None => path,
            Some(_) => path.split(|&b| b == 0).next().unwrap_or_default(),
        };
        // `used` holds at most SUN_PATH bytes, so this cannot fail.
        UnixAddr::from_sun_path(used).unwrap_or_else(|_| UnixAddr::unnamed())
    }

    /// The path, for a path address.
    pub fn path(&self) -> Option<&Path> {
        match self.bytes[0] {
            0 => None,
            _ => Some(Path::new(OsStr::from_bytes(
                &self.bytes[..usize::from(self.len)],
            ))),
        }
    }

    /// The name without its leading NUL, for an abstract address.
    pub fn abstract_name(&self) -> Option<&[u8]> {
        self.is_abstract()
            .then(|| &self.bytes[1..usize::from(self.len)])
    }

    /// Whether this is an abstract address.
    pub fn is_abstract(&self) -> bool {
        self.len > 0 && self.bytes[0] == 0
    }

    /// Whether this is the unnamed address.
    pub fn is_unnamed(&self) -> bool {
        self.len == 0
    }
}

impl fmt::Debug for UnixAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(path) = self.path() {
            f.debug_tuple("Path").field(&path).finish()
        } else if let Some(name) = self.abstract_name() {
            f.debug_tuple("Abstract")
                .field(&String::from_utf8_lossy(name))
                .finish()
        } else {
            f.write_str("Unnamed")
        }
    }
}

/// A link-layer address (`struct sockaddr_ll`) of an [`AddressFamily::PACKET`] socket:
/// what [`bind`](super::bind) takes to pick an interface, and what
/// [`recvfrom`](super::recvfrom) reports about each frame.
///
/// ```
/// use sysbridge::net::{LinkAddr, SocketAddrAny};
/// let lo = LinkAddr::new(1, 0x0003);
/// assert_eq!(SocketAddrAny::from(lo).family(), sysbridge::net::AddressFamily::PACKET);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct LinkAddr {
    /// `sll_protocol`: the ethertype (`ETH_P_*`), in host byte order here.
    pub protocol: u16,
    /// `sll_ifindex`: the interface index (`0` for any interface).
    pub ifindex: i32,
    /// `sll_hatype`: the ARP hardware type (`ARPHRD_*`; loopback is 772).
    pub hatype: u16,
    /// `sll_pkttype`: what the frame was to this host (`PACKET_HOST`,
    /// `PACKET_OUTGOING`…).
    pub pkttype: u8,
    /// `sll_halen`: the length of the hardware address in `addr`.
    pub halen: u8,
    /// `sll_addr`: the hardware address.
    pub addr: [u8; 8],
}

impl LinkAddr {
    /// The address of interface `ifindex` for frames of `protocol` (an `ETH_P_*`
    /// ethertype, host byte order), the other fields zero: what `bind` takes.
    pub fn new(ifindex: i32, protocol: u16) -> LinkAddr {
        LinkAddr {
            protocol,
            ifindex,
            ..LinkAddr::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_lengths_follow_the_kernel() {
        let path = SocketAddrAny::from(UnixAddr::new("/a").unwrap()).encode();
        assert_eq!(path.len as usize, SUN_PATH_AT + 3);
        let name = SocketAddrAny::from(UnixAddr::new_abstract(b"ab").unwrap()).encode();
        assert_eq!(name.len as usize, SUN_PATH_AT + 3);
        let full = UnixAddr::new("x".repeat(SUN_PATH)).unwrap();
        assert_eq!(
            SocketAddrAny::from(full).encode().len as usize,
            SUN_PATH_AT + SUN_PATH
        );
        assert_eq!(
            UnixAddr::new("x".repeat(SUN_PATH + 1)),
            Err(Errno::ENAMETOOLONG)
        );
        assert_eq!(
            UnixAddr::new_abstract(&[1; SUN_PATH]),
            Err(Errno::ENAMETOOLONG)
        );
        assert_eq!(UnixAddr::new("a\0b"), Err(Errno::EINVAL));
        assert_eq!(UnixAddr::new(""), Err(Errno::EINVAL));
    }

    #[test]
    fn short_or_unknown_addresses_keep_the_family() {
        let mut raw = RawAddr::buffer();
        raw.len = 1;
        assert_eq!(SocketAddrAny::decode(&raw), None);
        raw.len = 4;
        raw.bytes[0] = AddressFamily::INET.0 as u8;
        assert_eq!(
            SocketAddrAny::decode(&raw),
            Some(SocketAddrAny::Other(AddressFamily::INET))
        );
        raw.len = 1000;
        raw.bytes[0] = AddressFamily::UNIX.0 as u8;
        raw.bytes[SUN_PATH_AT..].fill(b'z');
        let long = SocketAddrAny::decode(&raw).unwrap();
        let SocketAddrAny::Unix(unix) = long else {
            panic!("{long:?}")
        };
        assert_eq!(unix.path().unwrap().as_os_str().len(), SUN_PATH);
    }

    /// The bytes of a libc struct without padding.
    fn bytes_of<T>(value: &T) -> &[u8] {
        // SAFETY: the libc sockaddr structs compared here have no padding, so every
        // byte is initialised; the slice borrows `value`.
        unsafe { core::slice::from_raw_parts(core::ptr::from_ref(value).cast(), size_of::<T>()) }
    }

    proptest::proptest! {
        /// Our encoding against libc's structs, field by field: the oracle for layout
        /// and byte order.
        #[test]
        fn ip_addresses_encode_as_libc_lays_them_out(
            v4 in proptest::num::u32::ANY, v6 in proptest::num::u128::ANY,
            port in proptest::num::u16::ANY, flow in proptest::num::u32::ANY,
            scope in proptest::num::u32::ANY,
        ) {
            let a4 = SocketAddrV4::new(Ipv4Addr::from(v4), port);
            let c4 = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: port.to_be(),
                sin_addr: libc::in_addr { s_addr: u32::from_ne_bytes(a4.ip().octets()) },
                sin_zero: [0; 8],
            };
            let ours = SocketAddrAny::from(a4).encode();
            proptest::prop_assert_eq!(&ours.bytes[..ours.len as usize], bytes_of(&c4));

            let a6 = SocketAddrV6::new(Ipv6Addr::from(v6), port, flow, scope);
            let c6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: port.to_be(),
                sin6_flowinfo: flow.to_be(),
                sin6_addr: libc::in6_addr { s6_addr: a6.ip().octets() },
                sin6_scope_id: scope,
            };
            let ours = SocketAddrAny::from(a6).encode();
            proptest::prop_assert_eq!(&ours.bytes[..ours.len as usize], bytes_of(&c6));
            proptest::prop_assert_eq!(SocketAddrAny::decode(&ours), Some(SocketAddrAny::V6(a6)));
        }

        #[test]
        fn any_bytes_decode_without_panic(bytes in proptest::collection::vec(0u8..=255, 0..=STORAGE_BYTES), len in 0u32..300) {
            let mut raw = RawAddr::buffer();
            raw.bytes[..bytes.len()].copy_from_slice(&bytes);
            raw.len = len;
            if let Some(addr) = SocketAddrAny::decode(&raw) {
                // What decodes re-encodes to something that decodes the same.
                proptest::prop_assert_eq!(SocketAddrAny::decode(&addr.encode()), Some(addr));
            }
        }

        #[test]
        fn abstract_names_round_trip(name in proptest::collection::vec(0u8..=255, 0..SUN_PATH)) {
            let addr = SocketAddrAny::from(UnixAddr::new_abstract(&name).unwrap());
            proptest::prop_assert_eq!(SocketAddrAny::decode(&addr.encode()), Some(addr));
        }
    }
}
