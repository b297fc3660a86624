//! Socket requests (type 0x89): owners and process groups, bridges, and the
//! `struct ifreq` requests whose field is a name or a number. (Those carrying socket
//! or hardware addresses, and `SIOCGIFCONF`, print in hex.)

use super::{Outcome, int_in, int_out};
use crate::decode::xlat_generated as x;
use crate::decode::{Ctx, Ret};
use crate::mem::Fields;

const FIOSETOWN: u32 = 0x8901;
const SIOCSPGRP: u32 = 0x8902;
const FIOGETOWN: u32 = 0x8903;
const SIOCGPGRP: u32 = 0x8904;
const SIOCATMARK: u32 = 0x8905;
const SIOCGIFENCAP: u32 = 0x8925;
const SIOCSIFENCAP: u32 = 0x8926;
const SIOCOUTQNSD: u32 = 0x894b;
const SIOCBRADDBR: u32 = 0x89a0;
const SIOCBRDELBR: u32 = 0x89a1;

const SIOCGIFNAME: u32 = 0x8910;
const SIOCGIFFLAGS: u32 = 0x8913;
const SIOCSIFFLAGS: u32 = 0x8914;
const SIOCGIFMETRIC: u32 = 0x891d;
const SIOCSIFMETRIC: u32 = 0x891e;
const SIOCGIFMTU: u32 = 0x8921;
const SIOCSIFMTU: u32 = 0x8922;
const SIOCSIFNAME: u32 = 0x8923;
const SIOCGIFSLAVE: u32 = 0x8929;
const SIOCSIFSLAVE: u32 = 0x8930;
const SIOCGIFINDEX: u32 = 0x8933;
const SIOCGIFTXQLEN: u32 = 0x8942;
const SIOCSIFTXQLEN: u32 = 0x8943;
const SIOCGIFMAP: u32 = 0x8970;
const SIOCSIFMAP: u32 = 0x8971;

/// Requests whose argument strace prints as an address, whatever it points to.
const ADDRESS_ONLY: &[u32] = &[
    0x8980,
    0x890b,
    0x8995,
    0x8990,
    0x8994,
    0x8991,
    0x8992,
    0x8993,
    0x8953,
    0x8981,
    0x890c,
    0x8936,
    0x8960,
    0x8946,
    0x8954,
    0x89b1,
    0x8940,
    0x8938,
    0x891f,
    0x8935,
    0x8982,
    0x8947,
    0x8948,
    0x8961,
    0x894c,
    0x8906,
    0x8010_8906,
    0x8907,
    0x8010_8907,
    0x890d,
    0x8955,
    0x89b0,
    0x8941,
    0x8911,
    0x8920,
    0x8934,
    0x8983,
    0x8949,
    0x8962,
    0x894a,
];

/// `struct ifreq`: the interface name, then a union.
const IFREQ_SIZE: usize = 40;
const IFNAMSIZ: usize = 16;

pub(super) fn decode(ctx: &mut Ctx<'_>, code: u32) -> Option<Outcome> {
    Some(match code {
        FIOGETOWN | SIOCATMARK | SIOCGIFENCAP | SIOCGPGRP | SIOCOUTQNSD => int_out(ctx),
        FIOSETOWN | SIOCSIFENCAP | SIOCSPGRP => int_in(ctx),
        SIOCBRADDBR | SIOCBRDELBR => {
            ctx.line.arg();
            bridge_name(ctx, ctx.args[2]);
            Outcome::Done(Ret::Dec)
        }
        SIOCSIFFLAGS | SIOCSIFMETRIC | SIOCSIFMTU | SIOCSIFNAME | SIOCSIFSLAVE | SIOCSIFTXQLEN
        | SIOCSIFMAP => {
            ctx.line.arg();
            let mut ifr = [0u8; IFREQ_SIZE];
            if ctx.fetch_or_addr(ctx.args[2], &mut ifr) {
                ctx.line.struct_begin();
                ctx.line.field("ifr_name");
                cstring_field(ctx, &ifr[..IFNAMSIZ]);
                ifreq_field(ctx, code, &ifr);
                ctx.line.struct_end();
            }
            Outcome::Done(Ret::Dec)
        }
        SIOCGIFFLAGS | SIOCGIFINDEX | SIOCGIFMETRIC | SIOCGIFMTU | SIOCGIFNAME | SIOCGIFSLAVE
        | SIOCGIFTXQLEN | SIOCGIFMAP => {
            let mut ifr = [0u8; IFREQ_SIZE];
            if ctx.entering() {
                ctx.line.arg();
                if !ctx.fetch_or_addr(ctx.args[2], &mut ifr) {
                    return Some(Outcome::Done(Ret::Dec));
                }
                ctx.line.struct_begin();
                if code == SIOCGIFNAME {
                    ctx.line.field("ifr_ifindex");
                    ctx.line.dec(i64::from(ifr.i32_at(16)));
                } else {
                    ctx.line.field("ifr_name");
                    cstring_field(ctx, &ifr[..IFNAMSIZ]);
                }
                return Some(Outcome::AtExit);
            }
            // Read whatever `-e verbose` says: strace reads it back with a plain read.
            let addr = ctx.args[2];
            if !ctx.failed() && addr != 0 && ctx.read(addr, &mut ifr) {
                ifreq_field(ctx, code, &ifr);
            }
            ctx.line.struct_end();
            Outcome::Done(Ret::Dec)
        }
        _ if ADDRESS_ONLY.contains(&code) => {
            ctx.line.arg();
            ctx.line.ptr(ctx.args[2]);
            Outcome::Done(Ret::Dec)
        }
        _ => return None,
    })
}

/// A bridge name at `addr`: a string of no more than `IFNAMSIZ` bytes, cut at `-s`.
fn bridge_name(ctx: &mut Ctx<'_>, addr: u64) {
    if addr == 0 || ctx.opts.strsize < IFNAMSIZ {
        ctx.cstr(addr);
        return;
    }
    match ctx.mem.read_cstr(ctx.tid, addr, IFNAMSIZ, ctx.scratch) {
        // strace reads no more than IFNAMSIZ bytes: a NUL just after them is unseen.
        Ok(nul_seen) => {
            let cut = !nul_seen || ctx.scratch.len() == IFNAMSIZ;
            ctx.line.string(ctx.scratch, cut, ctx.opts.hex);
        }
        Err(_) => ctx.line.hex(addr),
    }
}

/// A `char[N]` field holding a NUL-terminated string (strace's `print_quoted_cstring`:
/// no more than `N - 1` bytes, `...` when no NUL ends them).
pub(super) fn cstring_field(ctx: &mut Ctx<'_>, bytes: &[u8]) {
    let last = bytes.len() - 1;
    let room = &bytes[..last];
    match room.iter().position(|&b| b == 0) {
        Some(n) => ctx.line.string(&room[..n], false, ctx.opts.hex),
        None => ctx.line.string(room, bytes[last] != 0, ctx.opts.hex),
    }
}

/// The union member of a `struct ifreq` that request `code` uses.
fn ifreq_field(ctx: &mut Ctx<'_>, code: u32, ifr: &[u8]) {
    match code {
        SIOCSIFFLAGS | SIOCGIFFLAGS => {
            ctx.line.field("ifr_flags");
            ctx.line.flags(&x::IFF_FLAGS, u64::from(ifr.u16_at(16)));
        }
        SIOCGIFINDEX => {
            ctx.line.field("ifr_ifindex");
            ctx.line.dec(i64::from(ifr.i32_at(16)));
        }
        SIOCSIFMETRIC | SIOCGIFMETRIC => {
            ctx.line.field("ifr_metric");
            ctx.line.dec(i64::from(ifr.i32_at(16)));
        }
        SIOCSIFMTU | SIOCGIFMTU => {
            ctx.line.field("ifr_mtu");
            ctx.line.dec(i64::from(ifr.i32_at(16)));
        }
        SIOCSIFSLAVE | SIOCGIFSLAVE => {
            ctx.line.field("ifr_slave");
            cstring_field(ctx, &ifr[16..16 + IFNAMSIZ]);
        }
        SIOCSIFNAME => {
            ctx.line.field("ifr_newname");
            cstring_field(ctx, &ifr[16..16 + IFNAMSIZ]);
        }
        SIOCGIFNAME => {
            ctx.line.field("ifr_name");
            cstring_field(ctx, &ifr[..IFNAMSIZ]);
        }
        SIOCSIFTXQLEN | SIOCGIFTXQLEN => {
            ctx.line.field("ifr_qlen");
            ctx.line.dec(i64::from(ifr.i32_at(16)));
        }
        SIOCSIFMAP | SIOCGIFMAP => {
            ctx.line.field("ifr_map");
            ctx.line.struct_begin();
            ctx.line.field("mem_start");
            ctx.line.hex(ifr.u64_at(16));
            ctx.line.field("mem_end");
            ctx.line.hex(ifr.u64_at(24));
            ctx.line.field("base_addr");
            ctx.line.hex(u64::from(ifr.u16_at(32)));
            for (name, off) in [("irq", 34), ("dma", 35), ("port", 36)] {
                ctx.line.field(name);
                ctx.line.hex(u64::from(ifr[off]));
            }
            ctx.line.struct_end();
        }
        _ => {}
    }
}
