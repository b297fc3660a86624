//! Credentials: user and group ids, supplementary groups, capabilities.

use sysbridge::Sysno;

use crate::decode::line::write_flags;
use crate::decode::types::id;
use crate::decode::xlat_generated as x;
use crate::decode::{Ctx, Decoder, Ret, Step};
use crate::mem::Fields;

/// The decoder this file has for `nr`, if any.
pub(super) fn lookup(nr: Sysno) -> Option<Decoder> {
    Some(match nr {
        Sysno::setuid | Sysno::setgid | Sysno::setfsuid | Sysno::setfsgid => ids1,
        Sysno::setreuid | Sysno::setregid => ids2,
        Sysno::setresuid | Sysno::setresgid => ids3,
        Sysno::getresuid | Sysno::getresgid => getresuid,
        Sysno::getgroups => getgroups,
        Sysno::setgroups => setgroups,
        Sysno::capget => capget,
        Sysno::capset => capset,
        _ => return None,
    })
}

/// Argument `i` as a user or group id.
fn arg_id(ctx: &mut Ctx<'_>, i: usize) {
    ctx.line.arg();
    id(ctx.line, ctx.args[i] as u32);
}

/// `setuid(uid)`, `setgid(gid)`, `setfsuid(fsuid)`, `setfsgid(fsgid)`.
fn ids1(ctx: &mut Ctx<'_>) -> Step {
    arg_id(ctx, 0);
    Step::Done(Ret::Dec)
}

/// `setreuid(ruid, euid)`, `setregid(rgid, egid)`.
fn ids2(ctx: &mut Ctx<'_>) -> Step {
    arg_id(ctx, 0);
    arg_id(ctx, 1);
    Step::Done(Ret::Dec)
}

/// `setresuid(ruid, euid, suid)`, `setresgid(rgid, egid, sgid)`.
fn ids3(ctx: &mut Ctx<'_>) -> Step {
    arg_id(ctx, 0);
    arg_id(ctx, 1);
    arg_id(ctx, 2);
    Step::Done(Ret::Dec)
}

/// `getresuid(ruid, euid, suid)`, `getresgid(…)`: `[0], [0], [0]` at exit.
fn getresuid(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        return Step::Exit;
    }
    for i in 0..3 {
        ctx.line.arg();
        let mut b = [0u8; 4];
        if ctx.fetch_or_addr(ctx.args[i], &mut b) {
            ctx.indirect(|ctx| id(ctx.line, b.u32_at(0)));
        }
    }
    Step::Done(Ret::Dec)
}

/// The most supplementary groups (`sysconf(_SC_NGROUPS_MAX)`, the kernel's
/// `NGROUPS_MAX`).
const NGROUPS_MAX: u32 = 65536;

/// `len` group ids at `addr`: `[0, 4, 27]`.
fn groups(ctx: &mut Ctx<'_>, len: u32, addr: u64) {
    if len > NGROUPS_MAX {
        ctx.line.ptr(addr);
        return;
    }
    ctx.array(addr, u64::from(len), 4, |ctx, b| {
        id(ctx.line, b.u32_at(0));
        true
    });
}

/// `getgroups(size, list)`: the groups at exit.
fn getgroups(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        ctx.arg_int(0);
        return Step::Exit;
    }
    ctx.line.arg();
    groups(ctx, ctx.rval as u32, ctx.args[1]);
    Step::Done(Ret::Dec)
}

/// `setgroups(size, list)`.
fn setgroups(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_int(0);
    ctx.line.arg();
    groups(ctx, ctx.args[0] as u32, ctx.args[1]);
    Step::Done(Ret::Dec)
}

const CAP_V2: u32 = 0x2007_1026;
const CAP_V3: u32 = 0x2008_0522;

/// The capability header at `addr` (version, pid), when it can be read.
fn cap_header(ctx: &mut Ctx<'_>, addr: u64) -> Option<(u32, i32)> {
    let mut b = [0u8; 8];
    (addr != 0 && ctx.verbose && ctx.read(addr, &mut b)).then(|| (b.u32_at(0), b.i32_at(4)))
}

/// The header: `{version=_LINUX_CAPABILITY_VERSION_3, pid=0}`, or its address.
fn print_cap_header(ctx: &mut Ctx<'_>, addr: u64, h: Option<(u32, i32)>) {
    let Some((version, pid)) = h else {
        ctx.line.ptr(addr);
        return;
    };
    ctx.line.struct_begin();
    ctx.line.field("version");
    ctx.line.xval(&x::CAP_VERSION, u64::from(version));
    ctx.line.field("pid");
    ctx.line.dec(i64::from(pid));
    ctx.line.struct_end();
}

/// A capability set of two words: `CAP_CHOWN|CAP_KILL|…`.
fn cap_bits(lo: u32, hi: u32) -> String {
    let mut out = String::new();
    if lo != 0 || hi == 0 {
        write_flags(&mut out, &x::CAP_MASK0, u64::from(lo));
    }
    if hi != 0 {
        if lo != 0 {
            out.push('|');
        }
        write_flags(&mut out, &x::CAP_MASK1, u64::from(hi));
    }
    out
}

/// The capability data at `addr`, one or two words each as the header's version
/// says: `{effective=…, permitted=…, inheritable=…}`.
fn print_cap_data(ctx: &mut Ctx<'_>, addr: u64, h: Option<(u32, i32)>) {
    let Some((version, _)) = h.filter(|_| addr != 0) else {
        ctx.line.ptr(addr);
        return;
    };
    let words = if version == CAP_V2 || version == CAP_V3 {
        2
    } else {
        1
    };
    let mut b = [0u8; 24];
    if !ctx.fetch_or_addr(addr, &mut b[..12 * words]) {
        return;
    }
    ctx.line.struct_begin();
    for (k, name) in ["effective", "permitted", "inheritable"].iter().enumerate() {
        ctx.line.field(name);
        let hi = if words > 1 { b.u32_at(12 + 4 * k) } else { 0 };
        let text = cap_bits(b.u32_at(4 * k), hi);
        ctx.line.sym(&text);
    }
    ctx.line.struct_end();
}

/// `capget(hdrp, datap)`: the data at exit.
fn capget(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        let h = cap_header(ctx, ctx.args[0]);
        ctx.line.arg();
        print_cap_header(ctx, ctx.args[0], h);
        return Step::Exit;
    }
    let h = if ctx.failed() {
        None
    } else {
        cap_header(ctx, ctx.args[0])
    };
    ctx.line.arg();
    print_cap_data(ctx, ctx.args[1], h);
    Step::Done(Ret::Dec)
}

/// `capset(hdrp, datap)`.
fn capset(ctx: &mut Ctx<'_>) -> Step {
    let h = cap_header(ctx, ctx.args[0]);
    ctx.line.arg();
    print_cap_header(ctx, ctx.args[0], h);
    ctx.line.arg();
    print_cap_data(ctx, ctx.args[1], h);
    Step::Done(Ret::Dec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capability_sets_read_like_strace() {
        assert_eq!(cap_bits(0, 0), "0");
        assert_eq!(cap_bits(1 | 1 << 5, 0), "1<<CAP_CHOWN|1<<CAP_KILL");
        assert_eq!(cap_bits(0, 1 << 7), "1<<CAP_BPF");
        assert_eq!(cap_bits(1, 1), "1<<CAP_CHOWN|1<<CAP_MAC_OVERRIDE");
    }
}
