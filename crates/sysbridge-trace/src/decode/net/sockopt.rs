//! Socket options: `setsockopt` and `getsockopt`, the option name by level, the value
//! by option.

use sysbridge::Errno;

use super::bpf;
use super::sockaddr::{SOCKADDR_STORAGE, inet_addr_field, inet6_addr_field, sockaddr};
use super::{buf_hex, ifindex, value_and_len, xval_or};
use crate::decode::xlat_generated as x;
use crate::decode::{Ctx, Ret, Step};
use crate::mem::Fields;

// Levels.
const SOL_IP: u32 = 0;
const SOL_SOCKET: u32 = 1;
const SOL_TCP: u32 = 6;
const SOL_UDP: u32 = 17;
const AF_VSOCK: u32 = 40;
const SOL_IPV6: u32 = 41;
const SOL_CAN_RAW: u32 = 101;
const SOL_SCTP: u32 = 132;
const SOL_RAW: u32 = 255;
const SOL_IPX: u32 = 256;
const SOL_AX25: u32 = 257;
const SOL_PACKET: u32 = 263;
const SOL_IRDA: u32 = 266;
const SOL_LLC: u32 = 268;
const SOL_DCCP: u32 = 269;
const SOL_NETLINK: u32 = 270;
const SOL_TIPC: u32 = 271;
const SOL_RXRPC: u32 = 272;
const SOL_PPPOL2TP: u32 = 273;
const SOL_BLUETOOTH: u32 = 274;
const SOL_PNPIPE: u32 = 275;
const SOL_RDS: u32 = 276;
const SOL_IUCV: u32 = 277;
const SOL_CAIF: u32 = 278;
const SOL_ALG: u32 = 279;
const SOL_NFC: u32 = 280;
const SOL_KCM: u32 = 281;
const SOL_TLS: u32 = 282;
const SOL_XDP: u32 = 283;

// SOL_SOCKET options with a value of their own.
const SO_ERROR: u32 = 4;
const SO_LINGER: u32 = 13;
const SO_PEERCRED: u32 = 17;
const SO_ATTACH_FILTER: u32 = 26;
const SO_ATTACH_REUSEPORT_CBPF: u32 = 51;
const SO_TXREHASH: u32 = 74;

/// The SOL_SOCKET options whose value is an `int`.
const SO_INTS: &[u32] = &[
    1,  // SO_DEBUG
    2,  // SO_REUSEADDR
    5,  // SO_DONTROUTE
    6,  // SO_BROADCAST
    7,  // SO_SNDBUF
    8,  // SO_RCVBUF
    9,  // SO_KEEPALIVE
    10, // SO_OOBINLINE
    11, // SO_NO_CHECK
    12, // SO_PRIORITY
    14, // SO_BSDCOMPAT
    15, // SO_REUSEPORT
    16, // SO_PASSCRED
    18, // SO_RCVLOWAT
    19, // SO_SNDLOWAT
    27, // SO_DETACH_FILTER
    29, // SO_TIMESTAMP_OLD
    30, // SO_ACCEPTCONN
    32, // SO_SNDBUFFORCE
    33, // SO_RCVBUFFORCE
    34, // SO_PASSSEC
    35, // SO_TIMESTAMPNS_OLD
    36, // SO_MARK
    37, // SO_TIMESTAMPING_OLD
    40, // SO_RXQ_OVFL
    41, // SO_WIFI_STATUS
    42, // SO_PEEK_OFF
    43, // SO_NOFCS
    44, // SO_LOCK_FILTER
    45, // SO_SELECT_ERR_QUEUE
    46, // SO_BUSY_POLL
    49, // SO_INCOMING_CPU
    53, // SO_CNX_ADVICE
    56, // SO_INCOMING_NAPI_ID
    60, // SO_ZEROCOPY
    63, // SO_TIMESTAMP_NEW
    64, // SO_TIMESTAMPNS_NEW
    65, // SO_TIMESTAMPING_NEW
    68, // SO_DETACH_REUSEPORT_BPF
    69, // SO_PREFER_BUSY_POLL
    70, // SO_BUSY_POLL_BUDGET
    73, // SO_RESERVE_MEM
    75, // SO_RCVMARK
];

// Options of other levels with a value of their own.
const IP_ADD_MEMBERSHIP: u32 = 35;
const IP_DROP_MEMBERSHIP: u32 = 36;
const MCAST_JOIN_GROUP: u32 = 42;
const MCAST_LEAVE_GROUP: u32 = 45;
const IPV6_ADD_MEMBERSHIP: u32 = 20;
const IPV6_DROP_MEMBERSHIP: u32 = 21;
const IPV6_JOIN_ANYCAST: u32 = 27;
const IPV6_LEAVE_ANYCAST: u32 = 28;
const PACKET_ADD_MEMBERSHIP: u32 = 1;
const PACKET_DROP_MEMBERSHIP: u32 = 2;
const PACKET_RX_RING: u32 = 5;
const PACKET_STATISTICS: u32 = 6;
const PACKET_TX_RING: u32 = 13;
const ICMP_FILTER: u32 = 1;
const NETLINK_LIST_MEMBERSHIPS: u32 = 9;

/// `fd, level, optname`: the name by the level's table.
fn fd_level_name(ctx: &mut Ctx<'_>, get: bool) {
    ctx.arg_fd(0);
    let (level, name) = (ctx.args[1] as u32, ctx.args[2] as u32);
    ctx.arg_xval(1, &x::SOCKETLAYERS);
    ctx.line.arg();
    let n = u64::from(name);
    let (table, unknown) = match level {
        SOL_SOCKET if get => (&x::GETSOCK_OPTIONS, "SO_???"),
        SOL_SOCKET => (&x::SETSOCK_OPTIONS, "SO_???"),
        SOL_IP if get => (&x::GETSOCK_IP_OPTIONS, "IP_???"),
        SOL_IP => (&x::SETSOCK_IP_OPTIONS, "IP_???"),
        AF_VSOCK => (&x::SOCK_VSOCK_OPTIONS, "SO_VM_???"),
        SOL_IPV6 if get => (&x::GETSOCK_IPV6_OPTIONS, "IPV6_???"),
        SOL_IPV6 => (&x::SETSOCK_IPV6_OPTIONS, "IPV6_???"),
        SOL_IPX => (&x::SOCK_IPX_OPTIONS, "IPX_???"),
        SOL_AX25 => (&x::SOCK_AX25_OPTIONS, "AX25_???"),
        SOL_PACKET => (&x::SOCK_PACKET_OPTIONS, "PACKET_???"),
        SOL_TCP => (&x::SOCK_TCP_OPTIONS, "TCP_???"),
        SOL_CAN_RAW => (&x::SOCK_CAN_RAW_OPTIONS, "CAN_RAW_???"),
        SOL_SCTP => (&x::SOCK_SCTP_OPTIONS, "SCTP_???"),
        SOL_RAW => (&x::SOCK_RAW_OPTIONS, "RAW_???"),
        SOL_NETLINK => (&x::SOCK_NETLINK_OPTIONS, "NETLINK_???"),
        SOL_UDP => (&x::SOCK_UDP_OPTIONS, "UDP_???"),
        SOL_IRDA => (&x::SOCK_IRDA_OPTIONS, "IRLMP_???"),
        SOL_LLC => (&x::SOCK_LLC_OPTIONS, "LLC_OPT_???"),
        SOL_DCCP => (&x::SOCK_DCCP_OPTIONS, "DCCP_SOCKOPT_???"),
        SOL_TIPC => (&x::SOCK_TIPC_OPTIONS, "TIPC_???"),
        SOL_RXRPC => (&x::SOCK_RXRPC_OPTIONS, "RXRPC_???"),
        SOL_PPPOL2TP => (&x::SOCK_PPPOL2TP_OPTIONS, "PPPOL2TP_SO_???"),
        SOL_BLUETOOTH => (&x::SOCK_BLUETOOTH_OPTIONS, "BT_???"),
        SOL_PNPIPE => (&x::SOCK_PNP_OPTIONS, "PNPIPE_???"),
        SOL_RDS => (&x::SOCK_RDS_OPTIONS, "RDS_???"),
        SOL_IUCV => (&x::SOCK_IUCV_OPTIONS, "SO_???"),
        SOL_CAIF => (&x::SOCK_CAIF_OPTIONS, "CAIFSO_???"),
        SOL_ALG => (&x::SOCK_ALG_OPTIONS, "ALG_???"),
        SOL_NFC => (&x::SOCK_NFCLLCP_OPTIONS, "NFC_LLCP_???"),
        SOL_KCM => (&x::SOCK_KCM_OPTIONS, "KCM_???"),
        SOL_TLS => (&x::SOCK_TLS_OPTIONS, "TLS_???"),
        SOL_XDP => (&x::SOCK_XDP_OPTIONS, "XDP_???"),
        _ => {
            ctx.line.udec(n);
            return;
        }
    };
    xval_or(ctx.line, table, n, unknown);
}

/// `setsockopt(fd, level, optname, optval, optlen)`.
pub(super) fn setsockopt(ctx: &mut Ctx<'_>) -> Step {
    fd_level_name(ctx, false);
    ctx.line.arg();
    let (level, name, addr, len) = (
        ctx.args[1] as u32,
        ctx.args[2] as u32,
        ctx.args[3],
        ctx.int(4),
    );
    set_value(ctx, level, name, addr, len);
    ctx.arg_int(4);
    Step::Done(Ret::Dec)
}

/// The value `setsockopt` passes.
fn set_value(ctx: &mut Ctx<'_>, level: u32, name: u32, addr: u64, len: i32) {
    if addr != 0 && ctx.verbose {
        let done = match (level, name) {
            (SOL_SOCKET, SO_LINGER) => {
                set_linger(ctx, addr, len);
                true
            }
            (SOL_SOCKET, SO_ATTACH_FILTER | SO_ATTACH_REUSEPORT_CBPF) => {
                if len == bpf::SOCK_FPROG {
                    bpf::sock_fprog(ctx, addr);
                } else {
                    ctx.line.ptr(addr);
                }
                true
            }
            (SOL_SOCKET, SO_TXREHASH) => {
                txrehash(ctx, addr, len);
                true
            }
            (SOL_SOCKET, n) if SO_INTS.contains(&n) => {
                if len < 4 {
                    ctx.line.ptr(addr);
                } else {
                    ctx.num_i32_at(addr);
                }
                true
            }
            (SOL_IP, IP_ADD_MEMBERSHIP | IP_DROP_MEMBERSHIP) => {
                mreq(ctx, addr, len);
                true
            }
            (SOL_IP | SOL_IPV6, MCAST_JOIN_GROUP | MCAST_LEAVE_GROUP) => {
                group_req(ctx, addr, len);
                true
            }
            (
                SOL_IPV6,
                IPV6_ADD_MEMBERSHIP | IPV6_DROP_MEMBERSHIP | IPV6_JOIN_ANYCAST | IPV6_LEAVE_ANYCAST,
            ) => {
                mreq6(ctx, addr, len);
                true
            }
            (SOL_PACKET, PACKET_RX_RING | PACKET_TX_RING) => {
                tpacket_req(ctx, addr, len);
                true
            }
            (SOL_PACKET, PACKET_ADD_MEMBERSHIP | PACKET_DROP_MEMBERSHIP) => {
                packet_mreq(ctx, addr, len);
                true
            }
            (SOL_RAW, ICMP_FILTER) => {
                icmp_filter(ctx, addr, len);
                true
            }
            (SOL_NETLINK, _) => {
                if len < 4 {
                    ctx.line.ptr(addr);
                } else {
                    ctx.num_i32_at(addr);
                }
                true
            }
            _ => false,
        };
        if done {
            return;
        }
    }
    if !ctx.verbose {
        ctx.line.ptr(addr);
    } else if len == 4 {
        ctx.num_i32_at(addr);
    } else {
        ctx.buf(addr, i64::from(len) as u64);
    }
}

/// `getsockopt(fd, level, optname, optval, optlen)`: the value and `[in => out]`
/// length at exit.
pub(super) fn getsockopt(ctx: &mut Ctx<'_>) -> Step {
    let (level, name, addr, lenp) = (
        ctx.args[1] as u32,
        ctx.args[2] as u32,
        ctx.args[3],
        ctx.args[4],
    );
    if ctx.entering() {
        fd_level_name(ctx, true);
        let ulen = if ctx.verbose && lenp != 0 {
            ctx.read_i32(lenp)
        } else {
            None
        };
        if let Some(ulen) = ulen {
            *ctx.saved = u64::from(ulen as u32);
            return Step::Exit;
        }
        ctx.arg_ptr(3);
        ctx.arg_ptr(4);
        return Step::Done(Ret::Dec);
    }
    ctx.line.arg();
    value_and_len(ctx, addr, lenp, |ctx, ulen, rlen| {
        get_value(ctx, level, name, addr, ulen, rlen);
    });
    Step::Done(Ret::Dec)
}

/// The value `getsockopt` returned, `rlen` bytes of a `ulen`-byte buffer.
fn get_value(ctx: &mut Ctx<'_>, level: u32, name: u32, addr: u64, ulen: i32, rlen: i32) {
    if ulen <= 0 || rlen <= 0 {
        ctx.line.ptr(addr);
        return;
    }
    let len = rlen as usize;
    if addr != 0 && ctx.verbose {
        match (level, name) {
            (SOL_SOCKET, SO_LINGER) => {
                sized_fields(ctx, addr, len, LINGER);
                return;
            }
            (SOL_SOCKET, SO_PEERCRED) => {
                sized_fields(
                    ctx,
                    addr,
                    len,
                    &[("pid", Num::Dec), ("uid", Num::Id), ("gid", Num::Id)],
                );
                return;
            }
            (SOL_SOCKET, SO_ATTACH_FILTER) => {
                // The length is the number of instructions, an unsigned short.
                match u16::try_from(rlen) {
                    Ok(n) => bpf::filter_array(ctx, addr, n),
                    Err(_) => ctx.line.ptr(addr),
                }
                return;
            }
            (SOL_SOCKET, SO_ERROR) => {
                get_error(ctx, addr, len);
                return;
            }
            (SOL_SOCKET, SO_TXREHASH) => {
                txrehash(ctx, addr, rlen);
                return;
            }
            (SOL_SOCKET, n) if SO_INTS.contains(&n) => {
                if rlen >= 4 {
                    ctx.num_i32_at(addr);
                } else {
                    buf_hex(ctx, addr, len as u64);
                }
                return;
            }
            (SOL_PACKET, PACKET_STATISTICS) => {
                sized_fields(
                    ctx,
                    addr,
                    len,
                    &[
                        ("tp_packets", Num::Udec),
                        ("tp_drops", Num::Udec),
                        ("tp_freeze_q_cnt", Num::Udec),
                    ],
                );
                return;
            }
            (SOL_RAW, ICMP_FILTER) => {
                icmp_filter(ctx, addr, rlen);
                return;
            }
            (SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS) => {
                let count = ulen.min(rlen) as u64 / 4;
                if ctx.failed() {
                    ctx.line.ptr(addr);
                } else {
                    ctx.array(addr, count, 4, |ctx, b| {
                        ctx.line.udec(u64::from(b.u32_at(0)));
                        true
                    });
                }
                return;
            }
            (SOL_NETLINK, _) => {
                ctx.num_i32_at(addr);
                return;
            }
            _ => {}
        }
    }
    if !ctx.verbose {
        ctx.line.ptr(addr);
    } else if rlen == 4 {
        ctx.num_i32_at(addr);
    } else {
        ctx.buf(addr, len as u64);
    }
}

/// How a field of a small structure prints.
#[derive(Clone, Copy)]
enum Num {
    Dec,
    Udec,
    /// A user or group id: `-1`, else unsigned.
    Id,
}

/// A structure of 32-bit `fields` of which the kernel returned `len` bytes: the
/// fields it holds whole, a field it holds in part as hex bytes (strace's
/// `MAYBE_PRINT_FIELD_LEN`).
fn sized_fields(ctx: &mut Ctx<'_>, addr: u64, len: usize, fields: &[(&str, Num)]) {
    let len = len.min(fields.len() * 4);
    let mut buf = vec![0u8; len];
    if !ctx.fetch_or_addr(addr, &mut buf) {
        return;
    }
    ctx.line.struct_begin();
    for (i, &(name, num)) in fields.iter().enumerate() {
        let start = i * 4;
        if len <= start {
            break;
        }
        ctx.line.field(name);
        if len < start + 4 {
            ctx.line
                .string(&buf[start..], false, crate::options::HexStrings::All);
            break;
        }
        let v = buf.u32_at(start);
        match num {
            Num::Dec => ctx.line.dec(i64::from(v as i32)),
            Num::Udec => ctx.line.udec(u64::from(v)),
            Num::Id => crate::decode::types::id(ctx.line, v),
        }
    }
    ctx.line.struct_end();
}

/// `SO_ERROR`'s value: `[ECONNREFUSED]`.
fn get_error(ctx: &mut Ctx<'_>, addr: u64, len: usize) {
    if len < 4 {
        buf_hex(ctx, addr, len as u64);
        return;
    }
    let mut b = [0u8; 4];
    if !ctx.fetch_or_addr(addr, &mut b) {
        return;
    }
    let err = b.u32_at(0);
    let name = i32::try_from(err)
        .ok()
        .and_then(|e| Errno::from_raw(e).name())
        .filter(|_| err != 0);
    ctx.indirect(|ctx| match name {
        Some(name) => ctx.line.sym(name),
        None => ctx.line.udec(u64::from(err)),
    });
}

/// `SO_TXREHASH`'s value: `[SOCK_TXREHASH_ENABLED]`.
fn txrehash(ctx: &mut Ctx<'_>, addr: u64, len: i32) {
    if len < 4 {
        if ctx.entering() {
            ctx.line.ptr(addr);
        } else {
            buf_hex(ctx, addr, i64::from(len) as u64);
        }
        return;
    }
    let mut b = [0u8; 4];
    if !ctx.fetch_or_addr(addr, &mut b) {
        return;
    }
    ctx.indirect(|ctx| {
        ctx.line
            .xval_dec(&x::SOCKOPT_TXREHASH_VALS, i64::from(b.i32_at(0)));
    });
}

/// The fields of `struct linger`.
const LINGER: &[(&str, Num)] = &[("l_onoff", Num::Dec), ("l_linger", Num::Dec)];

/// `struct linger` that `setsockopt` passes.
fn set_linger(ctx: &mut Ctx<'_>, addr: u64, len: i32) {
    if len < 8 {
        ctx.line.ptr(addr);
    } else {
        sized_fields(ctx, addr, 8, LINGER);
    }
}

/// `struct ip_mreq`.
fn mreq(ctx: &mut Ctx<'_>, addr: u64, len: i32) {
    let mut b = [0u8; 8];
    if len < 8 || !ctx.fetch(addr, &mut b) {
        ctx.line.ptr(addr);
        return;
    }
    ctx.line.struct_begin();
    inet_addr_field(ctx, "imr_multiaddr", &b[0..4]);
    inet_addr_field(ctx, "imr_interface", &b[4..8]);
    ctx.line.struct_end();
}

/// `struct ipv6_mreq`.
fn mreq6(ctx: &mut Ctx<'_>, addr: u64, len: i32) {
    let mut b = [0u8; 20];
    if len < 20 || !ctx.fetch(addr, &mut b) {
        ctx.line.ptr(addr);
        return;
    }
    ctx.line.struct_begin();
    inet6_addr_field(ctx, "ipv6mr_multiaddr", &b[0..16]);
    ctx.line.field("ipv6mr_interface");
    ifindex(ctx, b.u32_at(16));
    ctx.line.struct_end();
}

/// `struct group_req`: an interface and a socket address.
fn group_req(ctx: &mut Ctx<'_>, addr: u64, len: i32) {
    // gr_interface, padding, then a sockaddr_storage.
    const SIZE: usize = 8 + SOCKADDR_STORAGE;
    let mut b = [0u8; SIZE + 1];
    if len < SIZE as i32 || !ctx.fetch(addr, &mut b[..SIZE]) {
        ctx.line.ptr(addr);
        return;
    }
    ctx.line.struct_begin();
    ctx.line.field("gr_interface");
    ifindex(ctx, b.u32_at(0));
    ctx.line.field("gr_group");
    sockaddr(ctx, &b[8..], SOCKADDR_STORAGE);
    ctx.line.struct_end();
}

/// `struct tpacket_req`.
fn tpacket_req(ctx: &mut Ctx<'_>, addr: u64, len: i32) {
    let mut b = [0u8; 16];
    if len != 16 || !ctx.read(addr, &mut b) {
        ctx.line.ptr(addr);
        return;
    }
    ctx.line.struct_begin();
    for (i, name) in [
        "tp_block_size",
        "tp_block_nr",
        "tp_frame_size",
        "tp_frame_nr",
    ]
    .iter()
    .enumerate()
    {
        ctx.line.field(name);
        ctx.line.udec(u64::from(b.u32_at(i * 4)));
    }
    ctx.line.struct_end();
}

/// `struct packet_mreq`.
fn packet_mreq(ctx: &mut Ctx<'_>, addr: u64, len: i32) {
    let mut b = [0u8; 16];
    if len != 16 || !ctx.read(addr, &mut b) {
        ctx.line.ptr(addr);
        return;
    }
    ctx.line.struct_begin();
    ctx.line.field("mr_ifindex");
    ifindex(ctx, b.u32_at(0));
    ctx.line.field("mr_type");
    ctx.line.xval(&x::PACKET_MREQ_TYPE, u64::from(b.u16_at(4)));
    let alen = b.u16_at(6);
    ctx.line.field("mr_alen");
    ctx.line.udec(u64::from(alen));
    ctx.line.field("mr_address");
    let size = usize::from(alen).min(8);
    let mac: Vec<String> = b[8..8 + size].iter().map(|c| format!("{c:02x}")).collect();
    ctx.line.sym(&mac.join(":"));
    ctx.line.struct_end();
}

/// `struct icmp_filter`: the ICMP types it filters, `~[...]` when most are.
fn icmp_filter(ctx: &mut Ctx<'_>, addr: u64, len: i32) {
    if len <= 0 {
        ctx.line.ptr(addr);
        return;
    }
    let len = (len as usize).min(4);
    let mut b = [0xffu8; 4];
    if !ctx.fetch_or_addr(addr, &mut b[..len]) {
        return;
    }
    let mut bits = b.u32_at(0);
    let mut text = String::new();
    if bits.count_ones() > 16 {
        bits = !bits;
        text.push('~');
    }
    text.push('[');
    let mut first = true;
    for i in 0..32 {
        if bits & (1 << i) == 0 {
            continue;
        }
        if !first {
            text.push(' ');
        }
        first = false;
        match x::ICMP_FILTER_FLAGS.name(i) {
            Some(name) => text.push_str(name),
            None => {
                crate::decode::line::write_hex(&mut text, i);
                text.push_str(" /* ICMP_??? */");
            }
        }
    }
    text.push(']');
    ctx.line.sym(&text);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_options_are_sorted_and_unique() {
        assert!(SO_INTS.windows(2).all(|w| w[0] < w[1]));
    }
}
