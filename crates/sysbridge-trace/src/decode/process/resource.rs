//! Limits and usage (`prlimit64`, `getrlimit`, `setrlimit`, `getrusage`, `times`),
//! the system (`uname`, `sysinfo`), priorities, personality, `getrandom`.

use sysbridge::Sysno;

use super::util::{hex_string, rusage};
use crate::decode::line::{Xlat, write_flags, write_hex};
use crate::decode::types::clock_t;
use crate::decode::xlat_generated as x;
use crate::decode::{Ctx, Decoder, Ret, Step};
use crate::mem::Fields;

/// The decoder this file has for `nr`, if any.
pub(super) fn lookup(nr: Sysno) -> Option<Decoder> {
    Some(match nr {
        Sysno::prlimit64 => prlimit64,
        Sysno::getrlimit => getrlimit,
        Sysno::setrlimit => setrlimit,
        Sysno::getrusage => getrusage,
        Sysno::times => times,
        Sysno::uname => uname,
        Sysno::sysinfo => sysinfo,
        Sysno::getpriority => getpriority,
        Sysno::setpriority => setpriority,
        Sysno::personality => personality,
        Sysno::getrandom => getrandom,
        _ => return None,
    })
}

/// A limit: `RLIM64_INFINITY`, `8192*1024` for a multiple of 1024, else decimal.
fn rlim(ctx: &mut Ctx<'_>, v: u64) {
    if v == u64::MAX {
        ctx.line.sym("RLIM64_INFINITY");
    } else if v > 1024 && v % 1024 == 0 {
        ctx.line.sym(&format!("{}*1024", v / 1024));
    } else {
        ctx.line.udec(v);
    }
}

/// A `struct rlimit` at `addr`: `{rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}`.
fn rlimit_at(ctx: &mut Ctx<'_>, addr: u64) {
    let mut b = [0u8; 16];
    if ctx.fetch_or_addr(addr, &mut b) {
        ctx.line.struct_begin();
        ctx.line.field("rlim_cur");
        rlim(ctx, b.u64_at(0));
        ctx.line.field("rlim_max");
        rlim(ctx, b.u64_at(8));
        ctx.line.struct_end();
    }
}

/// `getrlimit(resource, rlim)`.
fn getrlimit(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        ctx.arg_xval(0, &x::RLIMIT_RESOURCES);
        return Step::Exit;
    }
    ctx.line.arg();
    rlimit_at(ctx, ctx.args[1]);
    Step::Done(Ret::Dec)
}

/// `setrlimit(resource, rlim)`.
fn setrlimit(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_xval(0, &x::RLIMIT_RESOURCES);
    ctx.line.arg();
    rlimit_at(ctx, ctx.args[1]);
    Step::Done(Ret::Dec)
}

/// `prlimit64(pid, resource, new_limit, old_limit)`: the old limit at exit.
fn prlimit64(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        ctx.arg_int(0);
        ctx.arg_xval(1, &x::RLIMIT_RESOURCES);
        ctx.line.arg();
        rlimit_at(ctx, ctx.args[2]);
        return Step::Exit;
    }
    ctx.line.arg();
    rlimit_at(ctx, ctx.args[3]);
    Step::Done(Ret::Dec)
}

/// An enumeration argument of 32 bits whose table has negative entries (stored
/// sign-extended): `RUSAGE_CHILDREN`.
fn arg_xval_i32(ctx: &mut Ctx<'_>, i: usize, table: &Xlat) {
    let v = ctx.args[i] as u32;
    ctx.line.arg();
    match table.name(i64::from(v as i32) as u64) {
        Some(name) => ctx.line.sym(name),
        None => ctx.line.xval(table, u64::from(v)),
    }
}

/// `getrusage(who, usage)`.
fn getrusage(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        arg_xval_i32(ctx, 0, &x::USAGE_WHO);
        return Step::Exit;
    }
    ctx.line.arg();
    rusage(ctx, ctx.args[1]);
    Step::Done(Ret::Dec)
}

/// `times(buf)`: the four times, in clock ticks, at exit.
fn times(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        return Step::Exit;
    }
    ctx.line.arg();
    let mut b = [0u8; 32];
    if ctx.fetch_or_addr(ctx.args[0], &mut b) {
        ctx.line.struct_begin();
        for (k, name) in ["tms_utime", "tms_stime", "tms_cutime", "tms_cstime"]
            .iter()
            .enumerate()
        {
            ctx.line.field(name);
            clock_t(ctx.line, b.u64_at(8 * k));
        }
        ctx.line.struct_end();
    }
    Step::Done(Ret::Dec)
}

/// One `char[65]` field of `struct utsname`: the whole string (no `-s` limit), `...`
/// when it has no NUL.
fn uts_field(ctx: &mut Ctx<'_>, name: &str, field: &[u8]) {
    ctx.line.field(name);
    let shown = &field[..field.len() - 1];
    let (text, cut) = match shown.iter().position(|&c| c == 0) {
        Some(end) => (&shown[..end], false),
        None => (shown, true),
    };
    ctx.line.string(text, cut, ctx.opts.hex);
}

/// `uname(buf)`: `{sysname="Linux", nodename="vm", ...}` (all six with `-v`).
fn uname(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        return Step::Exit;
    }
    ctx.line.arg();
    const LEN: usize = 65;
    let mut b = [0u8; 6 * LEN];
    if ctx.fetch_or_addr(ctx.args[0], &mut b) {
        ctx.line.struct_begin();
        let names = [
            "sysname",
            "nodename",
            "release",
            "version",
            "machine",
            "domainname",
        ];
        for (k, name) in names.iter().enumerate() {
            if k == 2 && ctx.abbrev {
                ctx.line.more();
                break;
            }
            uts_field(ctx, name, &b[k * LEN..(k + 1) * LEN]);
        }
        ctx.line.struct_end();
    }
    Step::Done(Ret::Dec)
}

/// `sysinfo(info)`, every field.
fn sysinfo(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        return Step::Exit;
    }
    ctx.line.arg();
    let mut b = [0u8; 112];
    if ctx.fetch_or_addr(ctx.args[0], &mut b) {
        ctx.line.struct_begin();
        ctx.line.field("uptime");
        ctx.line.dec(b.i64_at(0));
        ctx.line.field("loads");
        ctx.line.array_begin();
        for k in 0..3 {
            if ctx.abbrev && k >= ctx.opts.strsize {
                ctx.line.more();
                break;
            }
            ctx.line.elem();
            ctx.line.udec(b.u64_at(8 + 8 * k));
        }
        ctx.line.array_end();
        let longs = [
            ("totalram", 32),
            ("freeram", 40),
            ("sharedram", 48),
            ("bufferram", 56),
            ("totalswap", 64),
            ("freeswap", 72),
        ];
        for (name, off) in longs {
            ctx.line.field(name);
            ctx.line.udec(b.u64_at(off));
        }
        ctx.line.field("procs");
        ctx.line.udec(u64::from(b.u16_at(80)));
        ctx.line.field("totalhigh");
        ctx.line.udec(b.u64_at(88));
        ctx.line.field("freehigh");
        ctx.line.udec(b.u64_at(96));
        ctx.line.field("mem_unit");
        ctx.line.udec(u64::from(b.u32_at(104)));
        ctx.line.struct_end();
    }
    Step::Done(Ret::Dec)
}

/// `getpriority(which, who)`.
fn getpriority(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_xval(0, &x::PRIORITY_WHICH);
    ctx.arg_int(1);
    Step::Done(Ret::Dec)
}

/// `setpriority(which, who, prio)`.
fn setpriority(ctx: &mut Ctx<'_>) -> Step {
    getpriority(ctx);
    ctx.arg_int(2);
    Step::Done(Ret::Dec)
}

/// The personality bits that are not the type.
const PER_MASK: u32 = 0xff;

/// A personality: the type by name, then its flags: `PER_LINUX|ADDR_NO_RANDOMIZE`.
fn personality_text(pers: u32) -> String {
    let mut out = String::new();
    let kind = u64::from(pers & PER_MASK);
    match x::PERSONALITY_TYPES.name(kind) {
        Some(name) => out.push_str(name),
        None => {
            write_hex(&mut out, kind);
            out.push_str(" /* PER_??? */");
        }
    }
    let rest = pers & !PER_MASK;
    if rest != 0 {
        out.push('|');
        write_flags(&mut out, &x::PERSONALITY_FLAGS, u64::from(rest));
    }
    out
}

/// `personality(persona)`: the previous personality, named, is the result.
fn personality(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        ctx.line.arg();
        let pers = ctx.args[0] as u32;
        if pers == u32::MAX {
            ctx.line.hex(u64::from(pers));
        } else {
            let text = personality_text(pers);
            ctx.line.sym(&text);
        }
        return Step::Result;
    }
    if ctx.failed() {
        return Step::Done(Ret::Dec);
    }
    Step::Done(Ret::HexWith(personality_text(ctx.rval as u32)))
}

/// `getrandom(buf, buflen, flags)`: the bytes, in hex, at exit.
fn getrandom(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        return Step::Exit;
    }
    ctx.line.arg();
    if ctx.failed() {
        ctx.line.ptr(ctx.args[0]);
    } else {
        hex_string(ctx, ctx.args[0], ctx.rval as u64);
    }
    ctx.arg_ulong(1);
    ctx.arg_flags(2, &x::GETRANDOM_FLAGS);
    Step::Done(Ret::Dec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personalities_read_like_strace() {
        assert_eq!(personality_text(0), "PER_LINUX");
        assert_eq!(personality_text(0x40000), "PER_LINUX|ADDR_NO_RANDOMIZE");
        assert_eq!(personality_text(0x8), "PER_LINUX32");
        assert_eq!(personality_text(0x42), "0x42 /* PER_??? */");
    }
}
