//! `fcntl`: every command, its argument and, for the getters, the explanation strace
//! adds to the return value (`= 0x8002 (flags O_RDWR|O_LARGEFILE)`).

use super::signal_name;
use crate::decode::line::flags_text;
use crate::decode::types::open_modes;
use crate::decode::xlat_generated as x;
use crate::decode::{Ctx, Ret, Step};
use crate::mem::Fields;

// The commands (<asm-generic/fcntl.h>, <linux/fcntl.h>).
const F_DUPFD: u32 = 0;
const F_GETFD: u32 = 1;
const F_SETFD: u32 = 2;
const F_GETFL: u32 = 3;
const F_SETFL: u32 = 4;
const F_GETLK: u32 = 5;
const F_SETLK: u32 = 6;
const F_SETLKW: u32 = 7;
const F_SETOWN: u32 = 8;
const F_GETOWN: u32 = 9;
const F_SETSIG: u32 = 10;
const F_GETSIG: u32 = 11;
const F_SETOWN_EX: u32 = 15;
const F_GETOWN_EX: u32 = 16;
const F_OFD_GETLK: u32 = 36;
const F_OFD_SETLK: u32 = 37;
const F_OFD_SETLKW: u32 = 38;
const F_SETLEASE: u32 = 1024;
const F_GETLEASE: u32 = 1025;
const F_NOTIFY: u32 = 1026;
const F_DUPFD_CLOEXEC: u32 = 1030;
const F_SETPIPE_SZ: u32 = 1031;
const F_GETPIPE_SZ: u32 = 1032;
const F_ADD_SEALS: u32 = 1033;
const F_GET_SEALS: u32 = 1034;

/// `fcntl(fd, cmd, arg)`.
pub(super) fn fcntl(ctx: &mut Ctx<'_>) -> Step {
    let cmd = ctx.args[1] as u32;
    if ctx.entering() {
        ctx.arg_fd(0);
        ctx.arg_xval(1, &x::FCNTL_CMDS);
    }
    match cmd {
        F_SETFD => ctx.arg_flags(2, &x::FD_FLAGS),
        F_SETOWN => ctx.arg_int(2),
        F_SETPIPE_SZ => ctx.arg_long(2),
        F_DUPFD | F_DUPFD_CLOEXEC => {
            ctx.arg_long(2);
            return Step::Done(Ret::Fd);
        }
        F_SETFL => {
            ctx.line.arg();
            ctx.line.sym(&open_modes(u64::from(ctx.args[2] as u32)));
        }
        F_SETLK | F_SETLKW | F_OFD_SETLK | F_OFD_SETLKW => {
            ctx.line.arg();
            flock(ctx, ctx.args[2], false);
        }
        F_SETOWN_EX => {
            ctx.line.arg();
            owner_ex(ctx, ctx.args[2]);
        }
        F_NOTIFY => ctx.arg_flags64(2, &x::DNOTIFY_FLAGS),
        F_SETLEASE => {
            ctx.line.arg();
            ctx.line.xval(&x::LOCK_TYPES, ctx.args[2]);
        }
        F_ADD_SEALS => ctx.arg_flags64(2, &x::F_SEALS),
        F_SETSIG => {
            ctx.line.arg();
            signal(ctx, ctx.args[2] as i32);
        }
        F_GETOWN | F_GETPIPE_SZ => {}
        F_GETLK | F_OFD_GETLK | F_GETOWN_EX => {
            if ctx.entering() {
                return Step::Exit;
            }
            ctx.line.arg();
            if cmd == F_GETOWN_EX {
                owner_ex(ctx, ctx.args[2]);
            } else {
                flock(ctx, ctx.args[2], true);
            }
        }
        F_GETFD | F_GETFL | F_GETLEASE | F_GET_SEALS | F_GETSIG => {
            if ctx.entering() {
                return Step::Result;
            }
            return Step::Done(getter_result(ctx, cmd));
        }
        _ => ctx.arg_hex(2),
    }
    Step::Done(Ret::Dec)
}

/// The return value of a getter, with what it means.
fn getter_result(ctx: &Ctx<'_>, cmd: u32) -> Ret {
    let v = ctx.rval as u64;
    if ctx.failed() || (v == 0 && cmd != F_GETFL && cmd != F_GETLEASE) {
        return Ret::Dec;
    }
    match cmd {
        F_GETFD => Ret::HexWith(format!("flags {}", flags_text(&x::FD_FLAGS, v))),
        F_GETFL => Ret::HexWith(format!("flags {}", open_modes(u64::from(v as u32)))),
        F_GETLEASE => match x::LOCK_TYPES.name(v) {
            Some(name) => Ret::HexWith(name.to_string()),
            None => Ret::Hex,
        },
        F_GET_SEALS => Ret::HexWith(format!("seals {}", flags_text(&x::F_SEALS, v))),
        _ => match signal_name(ctx.rval) {
            Some(name) => Ret::DecWith(name),
            None => Ret::Dec,
        },
    }
}

/// A signal number: its name, or the number when it has none.
fn signal(ctx: &mut Ctx<'_>, sig: i32) {
    match signal_name(i64::from(sig)) {
        Some(name) => ctx.line.sym(&name),
        None => ctx.line.dec(i64::from(sig)),
    }
}

/// A `struct flock` at `addr` (the same layout as `struct flock64` on x86_64):
/// `{l_type=F_RDLCK, l_whence=SEEK_SET, l_start=0, l_len=0}`, with `l_pid` for the
/// lock-query commands.
fn flock(ctx: &mut Ctx<'_>, addr: u64, with_pid: bool) {
    let mut b = [0u8; 32];
    if !ctx.fetch_or_addr(addr, &mut b) {
        return;
    }
    let short = |off: usize| i64::from(b.u16_at(off) as i16) as u64;
    ctx.line.struct_begin();
    ctx.line.field("l_type");
    ctx.line.xval(&x::LOCK_TYPES, short(0));
    ctx.line.field("l_whence");
    ctx.line.xval(&x::DESC_WHENCE, short(2));
    ctx.line.field("l_start");
    ctx.line.dec(b.i64_at(8));
    ctx.line.field("l_len");
    ctx.line.dec(b.i64_at(16));
    if with_pid {
        ctx.line.field("l_pid");
        ctx.line.dec(i64::from(b.i32_at(24)));
    }
    ctx.line.struct_end();
}

/// A `struct f_owner_ex` at `addr`: `{type=F_OWNER_PID, pid=1234}`.
fn owner_ex(ctx: &mut Ctx<'_>, addr: u64) {
    let mut b = [0u8; 8];
    if !ctx.fetch_or_addr(addr, &mut b) {
        return;
    }
    ctx.line.struct_begin();
    ctx.line.field("type");
    ctx.line
        .xval(&x::F_OWNER_TYPES, i64::from(b.i32_at(0)) as u64);
    ctx.line.field("pid");
    ctx.line.dec(i64::from(b.i32_at(4)));
    ctx.line.struct_end();
}
