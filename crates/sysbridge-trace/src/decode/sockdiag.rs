//! What `-yy` prints after a socket descriptor: its protocol and addresses, asked of
//! the kernel's socket diagnostics (`NETLINK_SOCK_DIAG`), as strace asks them:
//! `TCP:[127.0.0.1:80->127.0.0.1:41000]`, `UDPv6:[[::1]:53]`,
//! `UNIX-STREAM:[4242->4243,"/run/sock"]`, `NETLINK:[ROUTE:1234]`.
//!
//! The protocol comes from the `system.sockprotoname` attribute of the descriptor's
//! `/proc` link. Details found are kept (as strace keeps them: a socket described once
//! keeps that description, until a socket whose inode shares its slot replaces it); a
//! socket the kernel does not report (not yet bound, say) prints as `PROTO:[INODE]` and
//! is asked about again next time.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::os::fd::OwnedFd;

use sysbridge::net::{self, AddressFamily, MsgFlags, Protocol, SockFlags, SocketType};

use super::quote::quote;
use crate::options::HexStrings;

/// How a protocol's sockets are asked about.
#[derive(Clone, Copy)]
enum Query {
    Unix,
    /// Internet sockets of a family and IP protocol.
    Inet(u8, u8),
    Netlink,
}

const AF_UNIX: u8 = 1;
const AF_INET: u8 = 2;
const AF_INET6: u8 = 10;
const AF_NETLINK: u8 = 16;
const IPPROTO_ICMP: u8 = 1;
const IPPROTO_TCP: u8 = 6;
const IPPROTO_UDP: u8 = 17;
const IPPROTO_DCCP: u8 = 33;
const IPPROTO_SCTP: u8 = 132;
const IPPROTO_UDPLITE: u8 = 136;
const IPPROTO_L2TP: u8 = 115;
const IPPROTO_RAW: u8 = 255;

/// The protocols strace knows by the kernel's names for them, in its order (which
/// matters when the name is unknown and each is tried in turn).
const PROTOCOLS: [(&str, Query); 19] = [
    ("UNIX", Query::Unix),
    ("UNIX-STREAM", Query::Unix),
    ("TCP", Query::Inet(AF_INET, IPPROTO_TCP)),
    ("UDP", Query::Inet(AF_INET, IPPROTO_UDP)),
    ("UDPLITE", Query::Inet(AF_INET, IPPROTO_UDPLITE)),
    ("DCCP", Query::Inet(AF_INET, IPPROTO_DCCP)),
    ("SCTP", Query::Inet(AF_INET, IPPROTO_SCTP)),
    ("L2TP/IP", Query::Inet(AF_INET, IPPROTO_L2TP)),
    ("PING", Query::Inet(AF_INET, IPPROTO_ICMP)),
    ("RAW", Query::Inet(AF_INET, IPPROTO_RAW)),
    ("TCPv6", Query::Inet(AF_INET6, IPPROTO_TCP)),
    ("UDPv6", Query::Inet(AF_INET6, IPPROTO_UDP)),
    ("UDPLITEv6", Query::Inet(AF_INET6, IPPROTO_UDPLITE)),
    ("DCCPv6", Query::Inet(AF_INET6, IPPROTO_DCCP)),
    ("SCTPv6", Query::Inet(AF_INET6, IPPROTO_SCTP)),
    ("L2TP/IPv6", Query::Inet(AF_INET6, IPPROTO_L2TP)),
    ("PINGv6", Query::Inet(AF_INET6, IPPROTO_ICMP)),
    ("RAWv6", Query::Inet(AF_INET6, IPPROTO_RAW)),
    ("NETLINK", Query::Netlink),
];

/// Netlink protocols by number, as strace names them after `NETLINK_`.
const NETLINK_PROTOCOLS: [(u8, &str); 22] = [
    (0, "ROUTE"),
    (1, "UNUSED"),
    (2, "USERSOCK"),
    (3, "FIREWALL"),
    (4, "SOCK_DIAG"),
    (5, "NFLOG"),
    (6, "XFRM"),
    (7, "SELINUX"),
    (8, "ISCSI"),
    (9, "AUDIT"),
    (10, "FIB_LOOKUP"),
    (11, "CONNECTOR"),
    (12, "NETFILTER"),
    (13, "IP6_FW"),
    (14, "DNRTMSG"),
    (15, "KOBJECT_UEVENT"),
    (16, "GENERIC"),
    (18, "SCSITRANSPORT"),
    (19, "ECRYPTFS"),
    (20, "RDMA"),
    (21, "CRYPTO"),
    (22, "SMC"),
];

// Netlink framing (`<linux/netlink.h>`, `<linux/sock_diag.h>`).
const NLMSG_HDRLEN: usize = 16;
const SOCK_DIAG_BY_FAMILY: u16 = 20;
const NLM_F_REQUEST: u16 = 1;
const NLM_F_DUMP: u16 = 0x300;
const NETLINK_SOCK_DIAG: u32 = 4;
// `<linux/unix_diag.h>`.
const UDIAG_SHOW_NAME: u32 = 1;
const UDIAG_SHOW_PEER: u32 = 4;
const UNIX_DIAG_NAME: u16 = 0;
const UNIX_DIAG_PEER: u16 = 2;
/// The longest `sun_path`.
const UNIX_PATH_MAX: usize = 108;
// `<linux/netlink_diag.h>`.
const NDIAG_PROTO_ALL: u8 = 255;

/// Slots of the table of details found: strace keeps 1024, chosen by the inode's low
/// bits, a newer socket replacing an older one in its slot.
const SLOTS: u64 = 1024;

thread_local! {
    /// Details found: slot, then the inode they describe and the text.
    static FOUND: RefCell<HashMap<u64, (u64, String)>> = RefCell::new(HashMap::new());
}

/// The text inside `<...>` for the socket of inode `inode`, open as `link` (its
/// `/proc/TID/fd/N` path); `None` when not even the protocol is known (then the link's
/// target, `socket:[INODE]`, is printed).
pub(crate) fn describe(link: &str, inode: u64, hex: HexStrings) -> Option<String> {
    let slot = inode % SLOTS;
    let cached = FOUND.with(|f| {
        f.borrow()
            .get(&slot)
            .filter(|(ino, _)| *ino == inode)
            .map(|(_, details)| details.clone())
    });
    if cached.is_some() {
        return cached;
    }
    let proto = protocol(link);
    let candidates: Vec<(&str, Query)> = match proto {
        Some(i) => vec![PROTOCOLS[i]],
        None => PROTOCOLS.to_vec(),
    };
    let socket = net::socket(
        AddressFamily::NETLINK,
        SocketType::RAW,
        SockFlags::CLOEXEC,
        Protocol(NETLINK_SOCK_DIAG),
    )
    .ok();
    let found = socket.and_then(|fd| {
        candidates
            .iter()
            .find_map(|&(name, query)| ask(&fd, name, query, inode, hex))
    });
    match found {
        Some(details) => {
            FOUND.with(|f| f.borrow_mut().insert(slot, (inode, details.clone())));
            Some(details)
        }
        None => proto.map(|i| format!("{}:[{inode}]", PROTOCOLS[i].0)),
    }
}

/// The index in [`PROTOCOLS`] of the socket's protocol, from its attribute.
fn protocol(link: &str) -> Option<usize> {
    let mut buf = [0u8; 256];
    let n = sysbridge::fs::getxattr(link, "system.sockprotoname", &mut buf[..255]).ok()?;
    let name = buf[..n].split(|&b| b == 0).next()?;
    PROTOCOLS.iter().position(|(p, _)| p.as_bytes() == name)
}

/// Asks about `inode` as a `query` socket; the details, named `name`, if the kernel
/// reports it.
fn ask(fd: &OwnedFd, name: &str, query: Query, inode: u64, hex: HexStrings) -> Option<String> {
    let mut req = Vec::with_capacity(72);
    match query {
        Query::Unix => {
            header(&mut req, 24, NLM_F_REQUEST);
            req.extend([AF_UNIX, 0, 0, 0]);
            req.extend(u32::MAX.to_ne_bytes()); // every state
            req.extend((inode as u32).to_ne_bytes());
            req.extend((UDIAG_SHOW_NAME | UDIAG_SHOW_PEER).to_ne_bytes());
            req.extend([0xff; 8]); // no cookie
        }
        Query::Inet(family, ip_proto) => {
            header(&mut req, 56, NLM_F_REQUEST | NLM_F_DUMP);
            req.extend([family, ip_proto, 0, 0]);
            req.extend(u32::MAX.to_ne_bytes()); // every state
            req.extend([0; 48]); // any socket id
        }
        Query::Netlink => {
            header(&mut req, 20, NLM_F_REQUEST | NLM_F_DUMP);
            req.extend([AF_NETLINK, NDIAG_PROTO_ALL, 0, 0]);
            req.extend([0; 16]);
        }
    }
    net::send(fd, &req, MsgFlags::empty()).ok()?;
    let mut buf = vec![0u8; 8192];
    let mut flags = MsgFlags::empty();
    loop {
        let len = net::recv(fd, &mut buf, flags).ok()?;
        let mut at = 0;
        let mut any = false;
        while let Some((kind, body, next)) = message(&buf[..len], at) {
            any = true;
            if kind != SOCK_DIAG_BY_FAMILY {
                // NLMSG_DONE or NLMSG_ERROR: the dump ended without it.
                return None;
            }
            match parse(name, query, body, inode, hex) {
                Parsed::Found(details) => return Some(details),
                Parsed::Other => {}
                Parsed::Bad => return None,
            }
            at = next;
        }
        if !any {
            return None;
        }
        flags = MsgFlags::DONTWAIT;
    }
}

/// Appends a netlink header for a request of `payload` bytes.
fn header(req: &mut Vec<u8>, payload: usize, flags: u16) {
    req.extend(((NLMSG_HDRLEN + payload) as u32).to_ne_bytes());
    req.extend(SOCK_DIAG_BY_FAMILY.to_ne_bytes());
    req.extend(flags.to_ne_bytes());
    req.extend([0; 8]); // sequence, port
}

/// The netlink message at `at` of `buf`: its type, its payload, and where the next
/// one starts; `None` past the last whole one.
fn message(buf: &[u8], at: usize) -> Option<(u16, &[u8], usize)> {
    let head = buf.get(at..at + NLMSG_HDRLEN)?;
    let len = u32::from_ne_bytes(head[..4].try_into().ok()?) as usize;
    let kind = u16::from_ne_bytes(head[4..6].try_into().ok()?);
    if len < NLMSG_HDRLEN {
        return None;
    }
    let body = buf.get(at + NLMSG_HDRLEN..at + len)?;
    Some((kind, body, at + len.next_multiple_of(4)))
}

/// What one reply said about the inode asked about.
enum Parsed {
    Found(String),
    /// Another socket: read on.
    Other,
    /// Malformed, or of another family: give up.
    Bad,
}

fn u16_be(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_ne(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn parse(name: &str, query: Query, body: &[u8], inode: u64, hex: HexStrings) -> Parsed {
    let parsed = match query {
        Query::Unix => parse_unix(name, body, inode, hex),
        Query::Inet(..) => parse_inet(name, body, inode),
        Query::Netlink => parse_netlink(name, body, inode),
    };
    parsed.unwrap_or(Parsed::Bad)
}

/// `struct inet_diag_msg`: family, state, timer, retransmits, then the socket id
/// (ports and addresses, big-endian) at 4, the inode at 68.
fn parse_inet(name: &str, m: &[u8], inode: u64) -> Option<Parsed> {
    if u64::from(u32_ne(m, 68)?) != inode {
        return Some(Parsed::Other);
    }
    let (sport, dport) = (u16_be(m, 4)?, u16_be(m, 6)?);
    let (src, dst) = (m.get(8..24)?, m.get(24..40)?);
    let addr = |a: &[u8]| -> Option<String> {
        match m[0] {
            AF_INET => Some(Ipv4Addr::from(<[u8; 4]>::try_from(&a[..4]).ok()?).to_string()),
            AF_INET6 => Some(format!(
                "[{}]",
                Ipv6Addr::from(<[u8; 16]>::try_from(a).ok()?)
            )),
            _ => None,
        }
    };
    let zero = if m[0] == AF_INET { &dst[..4] } else { dst };
    let mut out = format!("{name}:[{}:{sport}", addr(src)?);
    if dport != 0 || zero.iter().any(|&b| b != 0) {
        let _ = write!(out, "->{}:{dport}", addr(dst)?);
    }
    out.push(']');
    Some(Parsed::Found(out))
}

/// `struct unix_diag_msg` (family, type, state, pad, inode at 4, cookie), then
/// attributes: the bound name and the peer's inode.
fn parse_unix(name: &str, m: &[u8], inode: u64, hex: HexStrings) -> Option<Parsed> {
    if u64::from(u32_ne(m, 4)?) != inode {
        return Some(Parsed::Other);
    }
    if m[0] != AF_UNIX {
        return None;
    }
    let (mut path, mut peer) = (None, 0u32);
    let mut at = 16;
    while let Some(len) = m.get(at..at + 2).and_then(|b| b.try_into().ok()) {
        let len = usize::from(u16::from_ne_bytes(len));
        let kind = u16::from_ne_bytes(m.get(at + 2..at + 4)?.try_into().ok()?);
        if len < 4 || at + len > m.len() {
            break;
        }
        let payload = &m[at + 4..at + len];
        match kind {
            UNIX_DIAG_NAME if path.is_none() => {
                path = Some(&payload[..payload.len().min(UNIX_PATH_MAX)]);
            }
            UNIX_DIAG_PEER if payload.len() >= 4 => peer = u32_ne(payload, 0)?,
            _ => {}
        }
        at += len.next_multiple_of(4);
    }
    let path = path.filter(|p| !p.is_empty());
    if peer == 0 && path.is_none() {
        return None;
    }
    let mut out = format!("{name}:[{inode}");
    if peer != 0 {
        let _ = write!(out, "->{peer}");
    }
    if let Some(path) = path {
        out.push(',');
        // A NUL-terminated C string, quoted; an abstract name after `@`.
        let (prefix, text) = match path.split_first() {
            Some((0, rest)) => ("@", rest),
            _ => ("", path),
        };
        out.push_str(prefix);
        let text = text.split(|&b| b == 0).next().unwrap_or_default();
        quote(&mut out, text, hex);
    }
    out.push(']');
    Some(Parsed::Found(out))
}

/// `struct netlink_diag_msg`: family, type, protocol, state, port id at 4, the inode
/// at 16.
fn parse_netlink(name: &str, m: &[u8], inode: u64) -> Option<Parsed> {
    if u64::from(u32_ne(m, 16)?) != inode {
        return Some(Parsed::Other);
    }
    if m[0] != AF_NETLINK {
        return None;
    }
    let protocol = m[2];
    Some(Parsed::Found(
        match NETLINK_PROTOCOLS.iter().find(|(p, _)| *p == protocol) {
            Some((_, proto)) => format!("{name}:[{proto}:{}]", u32_ne(m, 4)?),
            None => format!("{name}:[{protocol}]"),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::MetadataExt;

    fn inode(fd: &impl AsRawFd) -> (String, u64) {
        let link = format!("/proc/self/fd/{}", fd.as_raw_fd());
        (link.clone(), std::fs::metadata(&link).unwrap().ino())
    }

    #[test]
    fn tcp_sockets_show_their_addresses() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (link, ino) = inode(&listener);
        assert_eq!(
            describe(&link, ino, HexStrings::Escaped).unwrap(),
            format!("TCP:[127.0.0.1:{port}]")
        );
        let client = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        let local = client.local_addr().unwrap().port();
        let (link, ino) = inode(&client);
        assert_eq!(
            describe(&link, ino, HexStrings::Escaped).unwrap(),
            format!("TCP:[127.0.0.1:{local}->127.0.0.1:{port}]")
        );
    }

    #[test]
    fn udp6_and_unix_pairs() {
        let udp = std::net::UdpSocket::bind("[::1]:0").unwrap();
        let port = udp.local_addr().unwrap().port();
        let (link, ino) = inode(&udp);
        assert_eq!(
            describe(&link, ino, HexStrings::Escaped).unwrap(),
            format!("UDPv6:[[::1]:{port}]")
        );
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let ((la, ia), (_, ib)) = (inode(&a), inode(&b));
        assert_eq!(
            describe(&la, ia, HexStrings::Escaped).unwrap(),
            format!("UNIX-STREAM:[{ia}->{ib}]")
        );
    }

    #[test]
    fn an_unbound_socket_is_its_protocol_and_inode() {
        let fd = net::socket(
            AddressFamily::INET,
            SocketType::STREAM,
            SockFlags::CLOEXEC,
            Protocol(0),
        )
        .unwrap();
        let (link, ino) = inode(&fd);
        assert_eq!(
            describe(&link, ino, HexStrings::Escaped).unwrap(),
            format!("TCP:[{ino}]")
        );
    }
}
