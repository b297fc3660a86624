//! Sockets: creation, addresses, connections, messages and options.
//!
//! The calls decoded here print as strace 6.1 prints them: families, types and
//! protocols by name, socket addresses as structures (`{sa_family=AF_INET,
//! sin_port=htons(80), sin_addr=inet_addr("127.0.0.1")}`), the in/out address and
//! option lengths as `[128 => 16]`, message headers with their iovecs and control
//! messages, and socket options by level.

mod bpf;
mod msghdr;
mod sockaddr;
mod sockopt;

use sysbridge::Sysno;

use super::line::{Line, Xlat, write_flags, write_hex};
use super::quote::quote;
use super::{Ctx, Decoder, Ret, Step};
use crate::decode::xlat_generated as x;
use crate::mem::Fields;
use crate::options::HexStrings;

pub(crate) use sockaddr::sockaddr_at;

/// The decoder this family has for `nr`, if any.
pub(super) fn lookup(nr: Sysno) -> Option<Decoder> {
    Some(match nr {
        Sysno::socket => socket,
        Sysno::socketpair => socketpair,
        Sysno::bind | Sysno::connect => bind,
        Sysno::listen => listen,
        Sysno::accept => accept,
        Sysno::accept4 => accept4,
        Sysno::getsockname | Sysno::getpeername => getsockname,
        Sysno::sendto => sendto,
        Sysno::recvfrom => recvfrom,
        Sysno::shutdown => shutdown,
        Sysno::setsockopt => sockopt::setsockopt,
        Sysno::getsockopt => sockopt::getsockopt,
        Sysno::sendmsg => msghdr::sendmsg,
        Sysno::recvmsg => msghdr::recvmsg,
        Sysno::sendmmsg => msghdr::sendmmsg,
        Sysno::recvmmsg => msghdr::recvmmsg,
        _ => return None,
    })
}

// Address families whose numbers decide how other arguments print.
const AF_UNIX: u64 = 1;
const AF_INET: u64 = 2;
const AF_AX25: u64 = 3;
const AF_IPX: u64 = 4;
const AF_X25: u64 = 9;
const AF_INET6: u64 = 10;
const AF_NETLINK: u64 = 16;
const AF_PACKET: u64 = 17;
const AF_IRDA: u64 = 23;
const AF_CAN: u64 = 29;
const AF_BLUETOOTH: u64 = 31;
const AF_RXRPC: u64 = 33;
const AF_ISDN: u64 = 34;
const AF_PHONET: u64 = 35;
const AF_CAIF: u64 = 37;
const AF_ALG: u64 = 38;
const AF_NFC: u64 = 39;
const AF_VSOCK: u64 = 40;
const AF_KCM: u64 = 41;
const AF_QIPCRTR: u64 = 42;
const AF_SMC: u64 = 43;
const AF_XDP: u64 = 44;
const AF_MCTP: u64 = 45;

/// The low bits of a socket type that name the type; the rest are flags.
const SOCK_TYPE_MASK: u32 = 0xf;

// ---- helpers shared by this family's files ----

/// A value of `table` by name, else in hex with the comment `unknown` (for tables
/// printed with several fallbacks).
fn xval_or(line: &mut Line, table: &Xlat, v: u64, unknown: &str) {
    match table.name(v) {
        Some(name) => line.sym(name),
        None => {
            line.hex(v);
            line.comment(unknown);
        }
    }
}

/// A value in hex followed by its name in a comment, unknown ones with `unknown`
/// (strace's verbose style: `0xcc /* AX25_P_IP */`).
fn xval_verbose(line: &mut Line, table: &Xlat, v: u64, unknown: &str) {
    line.hex(v);
    line.comment(table.name(v).unwrap_or(unknown));
}

/// `bytes` quoted as strace quotes them under the current `-x` setting.
fn quoted(bytes: &[u8], hex: HexStrings) -> String {
    let mut s = String::new();
    quote(&mut s, bytes, hex);
    s
}

/// C's `%#0*x` with `width` (the size of the field in hex digits): zero-padded, with
/// `0x` counted in the width, and no `0x` for zero (`00000000`, `0x000001`).
fn hex_padded(v: u64, width: usize) -> String {
    if v == 0 {
        "0".repeat(width)
    } else {
        format!("{v:#0width$x}")
    }
}

/// A buffer of `len` bytes at `addr` printed wholly in hex escapes, cut at `-s`
/// (strace's `printstr_ex` with `QUOTE_FORCE_HEX`).
fn buf_hex(ctx: &mut Ctx<'_>, addr: u64, len: u64) {
    if addr == 0 {
        ctx.line.sym("NULL");
        return;
    }
    let strsize = ctx.opts.strsize as u64;
    let fetch_len = len.min(strsize + 1) as usize;
    let mut bytes = vec![0u8; fetch_len];
    if !ctx.read(addr, &mut bytes) {
        ctx.line.hex(addr);
        return;
    }
    let shown = fetch_len.min(strsize as usize);
    ctx.line
        .string(&bytes[..shown], len > strsize, HexStrings::All);
}

/// A length the kernel read and wrote back: `[16]`, or `[128 => 16]` when it changed.
fn len_changed(ctx: &mut Ctx<'_>, before: i32, after: i32) {
    ctx.indirect(|ctx| {
        if before != after {
            ctx.line.dec(i64::from(before));
            ctx.line.changed();
        }
        ctx.line.dec(i64::from(after));
    });
}

/// A length the call did not write back: `[16]`.
fn len_only(ctx: &mut Ctx<'_>, len: i32) {
    ctx.indirect(|ctx| ctx.line.dec(i64::from(len)));
}

/// Elements printed from local bytes, as strace's `print_local_array`: `[a, b]`, cut
/// after `-s` elements with `...` when abbreviated.
fn local_array(ctx: &mut Ctx<'_>, count: usize, mut print: impl FnMut(&mut Ctx<'_>, usize)) {
    let limit = if ctx.abbrev {
        count.min(ctx.opts.strsize)
    } else {
        count
    };
    ctx.line.array_begin();
    for i in 0..count {
        if i >= limit {
            ctx.line.more();
            break;
        }
        ctx.line.elem();
        print(ctx, i);
    }
    ctx.line.array_end();
}

/// An interface index as strace prints it: `if_nametoindex("lo")` when an interface
/// of this network namespace has it, else the number.
fn ifindex(ctx: &mut Ctx<'_>, index: u32) {
    match interface_name(index) {
        Some(name) => {
            let text = format!("if_nametoindex({})", quoted(name.as_bytes(), ctx.opts.hex));
            ctx.line.sym(&text);
        }
        None => ctx.line.udec(u64::from(index)),
    }
}

/// The name of the interface with index `index`, from `/sys/class/net`.
fn interface_name(index: u32) -> Option<String> {
    if index == 0 {
        return None;
    }
    let dir = std::fs::read_dir("/sys/class/net").ok()?;
    for entry in dir.flatten() {
        let path = entry.path().join("ifindex");
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        if text.trim().parse::<u32>().ok() == Some(index) {
            return entry.file_name().to_str().map(str::to_string);
        }
    }
    None
}

// ---- the calls ----

/// A socket type: its name, then its flags (`SOCK_STREAM|SOCK_CLOEXEC`); a type no
/// entry names is printed with the flags as bits.
fn sock_type(line: &mut Line, ty: u32) {
    let mut text = String::new();
    let mut rest = ty;
    if let Some(name) = x::SOCKTYPES.name(u64::from(ty & SOCK_TYPE_MASK)) {
        text.push_str(name);
        rest &= !SOCK_TYPE_MASK;
        if rest == 0 {
            line.sym(&text);
            return;
        }
        text.push('|');
    }
    write_flags(&mut text, &x::SOCK_TYPE_FLAGS, u64::from(rest));
    line.sym(&text);
}

/// `socket(domain, type, protocol)`: the protocol by the family's table.
fn socket(ctx: &mut Ctx<'_>) -> Step {
    let (family, proto) = (ctx.args[0], ctx.args[2]);
    ctx.arg_xval(0, &x::ADDRFAMS);
    ctx.line.arg();
    sock_type(ctx.line, ctx.args[1] as u32);
    ctx.line.arg();
    let p = u64::from(proto as u32);
    let line = &mut *ctx.line;
    match family {
        AF_INET | AF_INET6 => line.xval(&x::INET_PROTOCOLS, p),
        AF_AX25 => xval_verbose(line, &x::AX25_PROTOCOLS, p, "AX25_P_???"),
        AF_NETLINK => line.xval(&x::NETLINK_PROTOCOLS, p),
        AF_PACKET => {
            let host = u64::from((proto as u16).swap_bytes());
            let mut text = String::from("htons(");
            match x::ETHERNET_PROTOCOLS.name(host) {
                Some(name) => text.push_str(name),
                None => {
                    write_hex(&mut text, host);
                    text.push_str(" /* ETH_P_??? */");
                }
            }
            text.push(')');
            line.sym(&text);
        }
        AF_IRDA => xval_or(line, &x::CAN_PROTOCOLS, p, "IRDAPROTO_???"),
        AF_CAN => line.xval(&x::CAN_PROTOCOLS, p),
        AF_BLUETOOTH => line.xval(&x::BT_PROTOCOLS, p),
        AF_RXRPC => line.xval(&x::ADDRFAMS, p),
        AF_ISDN => line.xval(&x::ISDN_PROTOCOLS, p),
        AF_PHONET => line.xval(&x::PHONET_PROTOCOLS, p),
        AF_CAIF => line.xval(&x::CAIF_PROTOCOLS, p),
        AF_NFC => line.xval(&x::NFC_PROTOCOLS, p),
        AF_KCM => line.xval(&x::KCM_PROTOCOLS, p),
        AF_SMC => line.xval(&x::SMC_PROTOCOLS, p),
        _ => line.udec(proto),
    }
    Step::Done(Ret::Fd)
}

/// A pair of descriptors at `addr` (`socketpair`'s result): `[3, 4]`.
fn fd_pair(ctx: &mut Ctx<'_>, addr: u64) {
    ctx.array(addr, 2, 4, |ctx, b| {
        ctx.fd(b.i32_at(0));
        true
    });
}

/// `socketpair(domain, type, protocol, sv)`: the pair at exit.
fn socketpair(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        ctx.arg_xval(0, &x::ADDRFAMS);
        ctx.line.arg();
        sock_type(ctx.line, ctx.args[1] as u32);
        ctx.arg_ulong(2);
        return Step::Exit;
    }
    ctx.line.arg();
    fd_pair(ctx, ctx.args[3]);
    Step::Done(Ret::Dec)
}

/// `bind(fd, addr, addrlen)`, `connect(fd, addr, addrlen)`.
fn bind(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    let len = ctx.int(2);
    ctx.line.arg();
    sockaddr_at(ctx, ctx.args[1], len);
    ctx.arg_int(2);
    Step::Done(Ret::Dec)
}

/// `listen(fd, backlog)`.
fn listen(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    ctx.arg_int(1);
    Step::Done(Ret::Dec)
}

/// `shutdown(fd, how)`.
fn shutdown(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    ctx.arg_xval(1, &x::SHUTDOWN_MODES);
    Step::Done(Ret::Dec)
}

/// The address length a caller passes at `lenp`, when an address is to be decoded.
fn fetch_socklen(ctx: &mut Ctx<'_>, addr: u64, lenp: u64) -> Option<i32> {
    if !ctx.verbose || addr == 0 || lenp == 0 {
        return None;
    }
    ctx.read_i32(lenp)
}

/// The `(fd, addr, addrlen)` of `accept`, `getsockname`, `getpeername`: the address
/// and `[in => out]` length at exit. Returns whether everything is printed.
fn sockname(ctx: &mut Ctx<'_>) -> bool {
    let (addr, lenp) = (ctx.args[1], ctx.args[2]);
    if ctx.entering() {
        ctx.arg_fd(0);
        if let Some(ulen) = fetch_socklen(ctx, addr, lenp) {
            *ctx.saved = u64::from(ulen as u32);
            return false;
        }
        ctx.arg_ptr(1);
        ctx.arg_ptr(2);
        return true;
    }
    ctx.line.arg();
    value_and_len(ctx, addr, lenp, |ctx, ulen, rlen| {
        sockaddr_at(ctx, addr, ulen.min(rlen));
    });
    true
}

/// The exit of a call that wrote a value at `addr` and its length at `lenp`, the
/// length the caller passed having been saved at entry: the value by `print` (given
/// the length passed and the length returned) and `[in => out]`; after a failure or
/// when the length cannot be read, the address and `[in]`.
fn value_and_len(
    ctx: &mut Ctx<'_>,
    addr: u64,
    lenp: u64,
    print: impl FnOnce(&mut Ctx<'_>, i32, i32),
) {
    let ulen = *ctx.saved as u32 as i32;
    let rlen = if ctx.failed() {
        None
    } else {
        ctx.read_i32(lenp)
    };
    match rlen {
        None => {
            ctx.line.ptr(addr);
            ctx.line.arg();
            len_only(ctx, ulen);
        }
        Some(rlen) => {
            print(ctx, ulen, rlen);
            ctx.line.arg();
            len_changed(ctx, ulen, rlen);
        }
    }
}

/// `accept(fd, addr, addrlen)`.
fn accept(ctx: &mut Ctx<'_>) -> Step {
    if sockname(ctx) {
        Step::Done(Ret::Fd)
    } else {
        Step::Exit
    }
}

/// `accept4(fd, addr, addrlen, flags)`.
fn accept4(ctx: &mut Ctx<'_>) -> Step {
    if sockname(ctx) {
        ctx.arg_flags(3, &x::SOCK_TYPE_FLAGS);
        Step::Done(Ret::Fd)
    } else {
        Step::Exit
    }
}

/// `getsockname(fd, addr, addrlen)`, `getpeername(fd, addr, addrlen)`.
fn getsockname(ctx: &mut Ctx<'_>) -> Step {
    if sockname(ctx) {
        Step::Done(Ret::Dec)
    } else {
        Step::Exit
    }
}

/// `sendto(fd, buf, len, flags, addr, addrlen)`.
fn sendto(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    ctx.arg_buf(1, ctx.args[2]);
    ctx.arg_ulong(2);
    ctx.arg_flags(3, &x::MSG_FLAGS);
    let len = ctx.int(5);
    ctx.line.arg();
    sockaddr_at(ctx, ctx.args[4], len);
    ctx.arg_int(5);
    Step::Done(Ret::Dec)
}

/// `recvfrom(fd, buf, len, flags, addr, addrlen)`: all but the descriptor at exit.
fn recvfrom(ctx: &mut Ctx<'_>) -> Step {
    let (addr, lenp) = (ctx.args[4], ctx.args[5]);
    if ctx.entering() {
        ctx.arg_fd(0);
        if let Some(ulen) = fetch_socklen(ctx, addr, lenp) {
            *ctx.saved = u64::from(ulen as u32);
        }
        return Step::Exit;
    }
    if ctx.failed() {
        ctx.arg_ptr(1);
    } else {
        ctx.arg_buf(1, (ctx.rval as u64).min(ctx.args[2]));
    }
    ctx.arg_ulong(2);
    ctx.arg_flags(3, &x::MSG_FLAGS);
    ctx.line.arg();
    let ulen = *ctx.saved as u32 as i32;
    let Some(rlen) = fetch_socklen(ctx, addr, lenp) else {
        ctx.line.ptr(addr);
        ctx.arg_ptr(5);
        return Step::Done(Ret::Dec);
    };
    if ctx.failed() {
        ctx.line.ptr(addr);
        ctx.line.arg();
        len_only(ctx, ulen);
    } else {
        sockaddr_at(ctx, addr, ulen.min(rlen));
        ctx.line.arg();
        len_changed(ctx, ulen, rlen);
    }
    Step::Done(Ret::Dec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_hex_is_c_s() {
        assert_eq!(hex_padded(0, 8), "00000000");
        assert_eq!(hex_padded(1, 8), "0x000001");
        assert_eq!(hex_padded(0xdeadbeef, 8), "0xdeadbeef");
        assert_eq!(hex_padded(0x11, 2), "0x11");
        assert_eq!(hex_padded(1, 2), "0x1");
    }
}
