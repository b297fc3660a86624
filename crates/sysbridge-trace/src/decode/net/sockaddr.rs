//! Socket addresses: `struct sockaddr` of the families strace decodes, and the
//! textual forms of IPv4 and IPv6 addresses.

use std::fmt::Write as _;

use super::{
    AF_ALG, AF_INET, AF_INET6, AF_IPX, AF_MCTP, AF_NETLINK, AF_PACKET, AF_QIPCRTR, AF_UNIX,
    AF_VSOCK, AF_X25, AF_XDP, hex_padded, ifindex, quoted,
};
use crate::decode::Ctx;
use crate::decode::line::write_hex;
use crate::decode::xlat_generated as x;
use crate::mem::Fields;
use crate::options::HexStrings;

/// `sizeof(struct sockaddr_storage)`: the most of an address that is read.
pub(super) const SOCKADDR_STORAGE: usize = 128;
/// The size of `sa_family`.
const FAMILY_SIZE: usize = 2;
/// `sizeof(struct sockaddr_un)`.
const SOCKADDR_UN: usize = 110;
/// `offsetof(struct sockaddr_in6, sin6_scope_id)`: an IPv6 address without a scope.
const SIN6_MIN_LEN: usize = 24;

/// The address of `len` bytes at `addr` (strace's `decode_sockaddr`): the address
/// itself when it is too short, NULL, unreadable (or `-e verbose` is off); else the
/// structure. Returns the family when the structure was printed.
pub(crate) fn sockaddr_at(ctx: &mut Ctx<'_>, addr: u64, len: i32) -> Option<u16> {
    if len < FAMILY_SIZE as i32 {
        ctx.line.ptr(addr);
        return None;
    }
    let len = (len as usize).min(SOCKADDR_STORAGE);
    // One byte more than the largest address, zeroed: printers may look past the end.
    let mut buf = [0u8; SOCKADDR_STORAGE + 1];
    if !ctx.fetch(addr, &mut buf[..len]) {
        ctx.line.ptr(addr);
        return None;
    }
    sockaddr(ctx, &buf, len);
    Some(buf.u16_at(0))
}

/// An address already read: `len` bytes at the start of `buf`, which holds at least
/// `SOCKADDR_STORAGE + 1` bytes (zero after `len`).
pub(super) fn sockaddr(ctx: &mut Ctx<'_>, buf: &[u8], len: usize) {
    let family = u64::from(buf.u16_at(0));
    ctx.line.struct_begin();
    ctx.line.field("sa_family");
    ctx.line.xval(&x::ADDRFAMS, family);
    if len > FAMILY_SIZE {
        let min_len = match family {
            AF_UNIX => Some(FAMILY_SIZE + 1),
            AF_INET => Some(16),
            AF_INET6 => Some(SIN6_MIN_LEN),
            AF_NETLINK | AF_QIPCRTR | AF_MCTP => Some(12),
            AF_PACKET => Some(20),
            AF_IPX | AF_VSOCK | AF_XDP => Some(16),
            AF_X25 => Some(18),
            AF_ALG => Some(ALG_NAME + 1),
            _ => None,
        };
        match min_len {
            Some(min) if len >= min => match family {
                AF_UNIX => unix(ctx, buf, len),
                AF_INET => inet(ctx, buf),
                AF_INET6 => inet6(ctx, buf, len),
                AF_NETLINK => netlink(ctx, buf),
                AF_PACKET => packet(ctx, buf, len),
                AF_IPX => ipx(ctx, buf),
                AF_X25 => {
                    ctx.line.field("sx25_addr");
                    ctx.line.struct_begin();
                    c_string_field(ctx, "x25_addr", &buf[2..18]);
                    ctx.line.struct_end();
                }
                AF_VSOCK => vsock(ctx, buf),
                AF_ALG => alg(ctx, buf, len),
                AF_QIPCRTR => {
                    ctx.line.field("sq_node");
                    ctx.line.xval(&x::QIPCRTR_NODES, u64::from(buf.u32_at(4)));
                    ctx.line.field("sq_port");
                    ctx.line.xval(&x::QIPCRTR_PORTS, u64::from(buf.u32_at(8)));
                }
                AF_XDP => xdp(ctx, buf),
                _ => mctp(ctx, buf),
            },
            _ => {
                ctx.line.field("sa_data");
                ctx.line.string(&buf[FAMILY_SIZE..len], false, ctx.opts.hex);
            }
        }
    }
    ctx.line.struct_end();
}

/// A field holding a NUL-terminated string in `bytes` (strace's 0-terminated quoting
/// that expects the last byte to be NUL): the string, or all but the last byte and
/// `...` when no NUL ends it.
fn c_string_field(ctx: &mut Ctx<'_>, name: &str, bytes: &[u8]) {
    ctx.line.field(name);
    let Some((&last, body)) = bytes.split_last() else {
        ctx.line.string(&[], false, ctx.opts.hex);
        return;
    };
    match body.iter().position(|&b| b == 0) {
        Some(end) => ctx.line.string(&body[..end], false, ctx.opts.hex),
        None => ctx.line.string(body, last != 0, ctx.opts.hex),
    }
}

/// `struct sockaddr_ipx`.
fn ipx(ctx: &mut Ctx<'_>, buf: &[u8]) {
    net_port(ctx, "sipx_port", [buf[2], buf[3]]);
    ctx.line.field("sipx_network");
    let network = u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]);
    let mut text = String::from("htonl(");
    write_hex(&mut text, u64::from(network));
    text.push(')');
    ctx.line.sym(&text);
    ctx.line.field("sipx_node");
    ctx.line.array_begin();
    for &b in &buf[8..14] {
        ctx.line.elem();
        ctx.line.sym(&hex_padded(u64::from(b), 2));
    }
    ctx.line.array_end();
    ctx.line.field("sipx_type");
    ctx.line.sym(&hex_padded(u64::from(buf[14]), 2));
    if buf[15] != 0 {
        ctx.line.field("sipx_zero");
        ctx.line.hex(u64::from(buf[15]));
    }
}

/// `struct sockaddr_vm`.
fn vsock(ctx: &mut Ctx<'_>, buf: &[u8]) {
    let reserved = buf.u16_at(2);
    if reserved != 0 {
        ctx.line.field("svm_reserved1");
        ctx.line.hex(u64::from(reserved));
    }
    ctx.line.field("svm_cid");
    ctx.line.xval(&x::VSOCK_CIDS, u64::from(buf.u32_at(8)));
    ctx.line.field("svm_port");
    ctx.line.xval(&x::VSOCK_PORTS, u64::from(buf.u32_at(4)));
    ctx.line.field("svm_flags");
    ctx.line.flags(&x::VSOCK_FLAGS, u64::from(buf[12]));
    if buf[13..16] != [0, 0, 0] {
        ctx.line.field("svm_zero");
        ctx.line.string(&buf[13..16], false, HexStrings::All);
    }
}

/// Where `salg_name` starts in `struct sockaddr_alg`.
const ALG_NAME: usize = 24;

/// `struct sockaddr_alg`: the type and name of a kernel crypto algorithm.
fn alg(ctx: &mut Ctx<'_>, buf: &[u8], len: usize) {
    c_string_field(ctx, "salg_type", &buf[2..16]);
    for (name, off) in [("salg_feat", 16), ("salg_mask", 20)] {
        ctx.line.field(name);
        flags_verbose(ctx, &x::ALG_SOCKADDR_FLAGS, u64::from(buf.u32_at(off)));
    }
    c_string_field(ctx, "salg_name", &buf[ALG_NAME..len]);
}

/// Flags in strace's verbose style: `0x1001 /* CRYPTO_ALG_KERN_DRIVER_ONLY|0x1 */`,
/// and `0` alone.
fn flags_verbose(ctx: &mut Ctx<'_>, table: &crate::decode::line::Xlat, v: u64) {
    if v == 0 {
        ctx.line.dec(0);
        return;
    }
    let mut names = String::new();
    crate::decode::line::write_flags(&mut names, table, v);
    let mut text = String::new();
    write_hex(&mut text, v);
    // An unknown value already carries its comment.
    match names.split_once(" /* ") {
        Some((_, comment)) => {
            text.push_str(" /* ");
            text.push_str(comment);
        }
        None => {
            text.push_str(" /* ");
            text.push_str(&names);
            text.push_str(" */");
        }
    }
    ctx.line.sym(&text);
}

/// `struct sockaddr_xdp`.
fn xdp(ctx: &mut Ctx<'_>, buf: &[u8]) {
    let flags = buf.u16_at(2);
    ctx.line.field("sxdp_flags");
    ctx.line.flags(&x::XDP_SOCKADDR_FLAGS, u64::from(flags));
    ctx.line.field("sxdp_ifindex");
    ifindex(ctx, buf.u32_at(4));
    ctx.line.field("sxdp_queue_id");
    ctx.line.udec(u64::from(buf.u32_at(8)));
    let umem_fd = buf.u32_at(12);
    // XDP_SHARED_UMEM: the descriptor of the socket whose memory is shared.
    if flags & 1 != 0 {
        ctx.line.field("sxdp_shared_umem_fd");
        ctx.fd(umem_fd as i32);
    } else if umem_fd != 0 {
        ctx.line.field("sxdp_shared_umem_fd");
        ctx.line.hex(u64::from(umem_fd));
    }
}

/// `struct sockaddr_mctp`.
fn mctp(ctx: &mut Ctx<'_>, buf: &[u8]) {
    let pad0 = buf.u16_at(2);
    if pad0 != 0 {
        ctx.line.field("__smctp_pad0");
        ctx.line.hex(u64::from(pad0));
    }
    ctx.line.field("smctp_network");
    ctx.line.xval(&x::MCTP_NETS, u64::from(buf.u32_at(4)));
    ctx.line.field("smctp_addr");
    ctx.line.struct_begin();
    ctx.line.field("s_addr");
    ctx.line.xval(&x::MCTP_ADDRS, u64::from(buf[8]));
    ctx.line.struct_end();
    ctx.line.field("smctp_type");
    ctx.line.hex(u64::from(buf[9]));
    ctx.line.field("smctp_tag");
    ctx.line.hex(u64::from(buf[10]));
    if buf[11] != 0 {
        ctx.line.field("__smctp_pad1");
        ctx.line.hex(u64::from(buf[11]));
    }
}

/// `sun_path="/path"`, or `sun_path=@"name"` for an abstract address.
fn unix(ctx: &mut Ctx<'_>, buf: &[u8], len: usize) {
    let path_len = len.min(SOCKADDR_UN) - FAMILY_SIZE;
    let path = &buf[FAMILY_SIZE..FAMILY_SIZE + path_len];
    ctx.line.field("sun_path");
    if path[0] != 0 {
        let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
        ctx.line.string(&path[..end], false, ctx.opts.hex);
    } else {
        let text = format!("@{}", quoted(&path[1..], ctx.opts.hex));
        ctx.line.sym(&text);
    }
}

/// `htons(80)`: a port in network order.
pub(super) fn net_port(ctx: &mut Ctx<'_>, name: &str, bytes: [u8; 2]) {
    ctx.line.field(name);
    ctx.line
        .text_fmt(format_args!("htons({})", u16::from_be_bytes(bytes)));
}

/// `name=inet_addr("127.0.0.1")`.
pub(super) fn inet_addr_field(ctx: &mut Ctx<'_>, name: &str, a: &[u8]) {
    ctx.line.field(name);
    let ip = format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3]);
    let text = format!("inet_addr({})", quoted(ip.as_bytes(), ctx.opts.hex));
    ctx.line.sym(&text);
}

/// `inet_pton(AF_INET6, "::1", &name)`: the field's name is part of the value.
pub(super) fn inet6_addr_field(ctx: &mut Ctx<'_>, name: &str, a: &[u8]) {
    ctx.line.elem();
    let mut octets = [0u8; 16];
    octets.copy_from_slice(&a[..16]);
    let ip = ipv6_text(&octets);
    let text = format!(
        "inet_pton(AF_INET6, {}, &{name})",
        quoted(ip.as_bytes(), ctx.opts.hex)
    );
    ctx.line.sym(&text);
}

fn inet(ctx: &mut Ctx<'_>, buf: &[u8]) {
    net_port(ctx, "sin_port", [buf[2], buf[3]]);
    inet_addr_field(ctx, "sin_addr", &buf[4..8]);
}

fn inet6(ctx: &mut Ctx<'_>, buf: &[u8], len: usize) {
    net_port(ctx, "sin6_port", [buf[2], buf[3]]);
    ctx.line.field("sin6_flowinfo");
    let flow = u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]);
    ctx.line.text_fmt(format_args!("htonl({flow})"));
    let a = &buf[8..24];
    inet6_addr_field(ctx, "sin6_addr", a);
    if len <= SIN6_MIN_LEN {
        return;
    }
    let scope = buf.u32_at(24);
    ctx.line.field("sin6_scope_id");
    let link_local = a[0] == 0xfe && a[1] & 0xc0 == 0x80;
    let mc_link_local = a[0] == 0xff && a[1] & 0x0f == 0x02;
    if link_local || mc_link_local {
        ifindex(ctx, scope);
    } else {
        ctx.line.udec(u64::from(scope));
    }
}

fn netlink(ctx: &mut Ctx<'_>, buf: &[u8]) {
    let pad = buf.u16_at(2);
    if pad != 0 {
        ctx.line.field("nl_pad");
        ctx.line.hex(u64::from(pad));
    }
    ctx.line.field("nl_pid");
    ctx.line.dec(i64::from(buf.i32_at(4)));
    ctx.line.field("nl_groups");
    ctx.line.sym(&hex_padded(u64::from(buf.u32_at(8)), 8));
}

/// `struct sockaddr_ll`.
fn packet(ctx: &mut Ctx<'_>, buf: &[u8], len: usize) {
    let proto = u64::from(u16::from_be_bytes([buf[2], buf[3]]));
    ctx.line.field("sll_protocol");
    let mut text = String::from("htons(");
    match x::ETHERNET_PROTOCOLS.name(proto) {
        Some(name) => text.push_str(name),
        None => {
            write_hex(&mut text, proto);
            text.push_str(" /* ETH_P_??? */");
        }
    }
    text.push(')');
    ctx.line.sym(&text);
    ctx.line.field("sll_ifindex");
    ifindex(ctx, buf.u32_at(4));
    ctx.line.field("sll_hatype");
    ctx.line
        .xval(&x::ARP_HARDWARE_TYPES, u64::from(buf.u16_at(8)));
    ctx.line.field("sll_pkttype");
    ctx.line.xval(&x::AF_PACKET_TYPES, u64::from(buf[10]));
    let halen = usize::from(buf[11]);
    ctx.line.field("sll_halen");
    ctx.line.udec(halen as u64);
    if halen == 0 {
        return;
    }
    // The bytes of the address the given length holds.
    let in_bounds = len - 12;
    ctx.line.field("sll_addr");
    ctx.line.array_begin();
    for i in 0..halen {
        if i >= in_bounds {
            ctx.line.more();
            break;
        }
        ctx.line.elem();
        let b = buf.get(12 + i).copied().unwrap_or(0);
        ctx.line.sym(&hex_padded(u64::from(b), 2));
    }
    ctx.line.array_end();
}

/// An IPv6 address as glibc's `inet_ntop` writes it: the longest run of two or more
/// zero groups (the first of equal runs) as `::`, and the last 32 bits in dotted form
/// for IPv4-compatible (`::1.2.3.4`) and IPv4-mapped (`::ffff:1.2.3.4`) addresses.
pub(super) fn ipv6_text(a: &[u8; 16]) -> String {
    let words: Vec<u16> = a
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    // The longest run of zero words, as (start, length).
    let mut best: Option<(usize, usize)> = None;
    let mut cur: Option<(usize, usize)> = None;
    for (i, &w) in words.iter().chain(std::iter::once(&1)).enumerate() {
        if w == 0 {
            cur = Some(cur.map_or((i, 1), |(base, n)| (base, n + 1)));
        } else if let Some(c) = cur.take() {
            if best.is_none_or(|b| c.1 > b.1) {
                best = Some(c);
            }
        }
    }
    let best = best.filter(|b| b.1 >= 2);
    let mut out = String::new();
    let mut i = 0;
    while i < 8 {
        if best.is_some_and(|(base, n)| (base..base + n).contains(&i)) {
            if best.is_some_and(|(base, _)| base == i) {
                out.push(':');
            }
            i += 1;
            continue;
        }
        if i != 0 {
            out.push(':');
        }
        let embedded_v4 = i == 6
            && best
                .is_some_and(|(base, n)| base == 0 && (n == 6 || (n == 5 && words[5] == 0xffff)));
        if embedded_v4 {
            let _ = write!(out, "{}.{}.{}.{}", a[12], a[13], a[14], a[15]);
            return out;
        }
        let _ = write!(out, "{:x}", words[i]);
        i += 1;
    }
    if best.is_some_and(|(base, n)| base + n == 8) {
        out.push(':');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v6(s: &str) -> String {
        let addr: std::net::Ipv6Addr = s.parse().unwrap();
        ipv6_text(&addr.octets())
    }

    #[test]
    fn ipv6_reads_like_glibc() {
        assert_eq!(v6("::"), "::");
        assert_eq!(v6("::1"), "::1");
        assert_eq!(v6("fe80::1"), "fe80::1");
        assert_eq!(v6("::ffff:1.2.3.4"), "::ffff:1.2.3.4");
        assert_eq!(v6("::1.2.3.4"), "::1.2.3.4");
        assert_eq!(v6("1:0:0:2:0:0:0:3"), "1:0:0:2::3");
        assert_eq!(v6("1:0:0:2:3:0:0:4"), "1::2:3:0:0:4");
        assert_eq!(v6("1:2:3:4:5:6:7:0"), "1:2:3:4:5:6:7:0");
        assert_eq!(v6("1:2:3:4:5:6:0:0"), "1:2:3:4:5:6::");
        assert_eq!(v6("2001:db8::ff00:42:8329"), "2001:db8::ff00:42:8329");
    }
}
