//! Scheduling: policies and parameters, attributes, CPU affinity, `getcpu`, I/O
//! priorities.

use sysbridge::Sysno;

use super::util::cpu_set;
use crate::decode::line::write_hex;
use crate::decode::xlat_generated as x;
use crate::decode::{Ctx, Decoder, Ret, Step};
use crate::mem::Fields;

/// The decoder this file has for `nr`, if any.
pub(super) fn lookup(nr: Sysno) -> Option<Decoder> {
    Some(match nr {
        Sysno::sched_getscheduler => sched_getscheduler,
        Sysno::sched_setscheduler => sched_setscheduler,
        Sysno::sched_getparam => sched_getparam,
        Sysno::sched_setparam => sched_setparam,
        Sysno::sched_get_priority_max | Sysno::sched_get_priority_min => sched_priority_bound,
        Sysno::sched_rr_get_interval => sched_rr_get_interval,
        Sysno::sched_getaffinity => sched_getaffinity,
        Sysno::sched_setaffinity => sched_setaffinity,
        Sysno::sched_getattr => sched_getattr,
        Sysno::sched_setattr => sched_setattr,
        Sysno::getcpu => getcpu,
        Sysno::ioprio_get => ioprio_get,
        Sysno::ioprio_set => ioprio_set,
        _ => return None,
    })
}

/// `sched_getscheduler(pid)`: the policy, named, is the result.
fn sched_getscheduler(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        ctx.arg_int(0);
        return Step::Result;
    }
    if ctx.failed() {
        return Step::Done(Ret::Dec);
    }
    Step::Done(match x::SCHEDULERS.name(ctx.rval as u64) {
        Some(name) => Ret::DecWith(name.to_string()),
        None => Ret::Dec,
    })
}

/// `sched_setscheduler(pid, policy, param)`.
fn sched_setscheduler(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_int(0);
    ctx.arg_xval(1, &x::SCHEDULERS);
    ctx.line.arg();
    ctx.num_i32_at(ctx.args[2]);
    Step::Done(Ret::Dec)
}

/// `sched_getparam(pid, param)`.
fn sched_getparam(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        ctx.arg_int(0);
        return Step::Exit;
    }
    ctx.line.arg();
    ctx.num_i32_at(ctx.args[1]);
    Step::Done(Ret::Dec)
}

/// `sched_setparam(pid, param)`.
fn sched_setparam(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_int(0);
    ctx.line.arg();
    ctx.num_i32_at(ctx.args[1]);
    Step::Done(Ret::Dec)
}

/// `sched_get_priority_max(policy)`, `sched_get_priority_min(policy)`.
fn sched_priority_bound(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_xval(0, &x::SCHEDULERS);
    Step::Done(Ret::Dec)
}

/// `sched_rr_get_interval(pid, tp)`.
fn sched_rr_get_interval(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        ctx.arg_int(0);
        return Step::Exit;
    }
    ctx.line.arg();
    if ctx.failed() {
        ctx.line.ptr(ctx.args[1]);
    } else {
        ctx.timespec_at(ctx.args[1]);
    }
    Step::Done(Ret::Dec)
}

/// `sched_getaffinity(pid, cpusetsize, mask)`: the CPUs at exit, `[0 1]`.
fn sched_getaffinity(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        ctx.arg_int(0);
        ctx.arg_uint(1);
        return Step::Exit;
    }
    ctx.line.arg();
    cpu_set(ctx, ctx.args[2], ctx.rval as u32);
    Step::Done(Ret::Dec)
}

/// `sched_setaffinity(pid, cpusetsize, mask)`.
fn sched_setaffinity(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_int(0);
    ctx.arg_uint(1);
    ctx.line.arg();
    cpu_set(ctx, ctx.args[2], ctx.args[1] as u32);
    Step::Done(Ret::Dec)
}

/// The sizes of `struct sched_attr`: the first version, and the one with the
/// utilisation clamps.
const SCHED_ATTR_SIZE_VER0: usize = 48;
const SCHED_ATTR_SIZE_VER1: usize = 56;
const SCHED_FLAG_KEEP_POLICY: u64 = 0x08;
const SCHED_FLAG_KEEP_PARAMS: u64 = 0x10;

/// A `struct sched_attr` at `addr`. `usize` is the size the caller gave
/// (`sched_getattr`), or 0 for `sched_setattr`, where the structure's own size field
/// says.
fn sched_attr(ctx: &mut Ctx<'_>, addr: u64, usize_arg: u32) {
    let mut b = [0u8; SCHED_ATTR_SIZE_VER1];
    let is_set = usize_arg == 0;
    let (size, given) = if !is_set {
        let want = (usize_arg as usize).min(SCHED_ATTR_SIZE_VER1);
        if !ctx.fetch_or_addr(addr, &mut b[..want]) {
            return;
        }
        let size = b.u32_at(0) as usize;
        (size, size)
    } else {
        if !ctx.fetch_or_addr(addr, &mut b[..4]) {
            return;
        }
        let mut given = b.u32_at(0) as usize;
        if given == 0 {
            given = SCHED_ATTR_SIZE_VER0;
        }
        let size = given.min(SCHED_ATTR_SIZE_VER1);
        if size >= SCHED_ATTR_SIZE_VER0 && !ctx.fetch_or_addr(addr, &mut b[..size]) {
            return;
        }
        (size, given)
    };
    let policy = b.u32_at(4);
    let flags = b.u64_at(8);
    ctx.line.struct_begin();
    ctx.line.field("size");
    ctx.line.udec(u64::from(b.u32_at(0)));
    if size >= SCHED_ATTR_SIZE_VER0 {
        if !is_set
            || (policy as i32) < 0
            || flags & (SCHED_FLAG_KEEP_POLICY | SCHED_FLAG_KEEP_PARAMS) == 0
        {
            ctx.line.field("sched_policy");
            ctx.line.xval(&x::SCHEDULERS, u64::from(policy));
        }
        ctx.line.field("sched_flags");
        ctx.line.flags(&x::SCHED_FLAGS, flags);
        if !is_set || flags & SCHED_FLAG_KEEP_PARAMS == 0 {
            ctx.line.field("sched_nice");
            ctx.line.dec(i64::from(b.i32_at(16)));
            ctx.line.field("sched_priority");
            ctx.line.udec(u64::from(b.u32_at(20)));
            ctx.line.field("sched_runtime");
            ctx.line.udec(b.u64_at(24));
            ctx.line.field("sched_deadline");
            ctx.line.udec(b.u64_at(32));
            ctx.line.field("sched_period");
            ctx.line.udec(b.u64_at(40));
        }
        if size >= SCHED_ATTR_SIZE_VER1 {
            ctx.line.field("sched_util_min");
            ctx.line.udec(u64::from(b.u32_at(48)));
            ctx.line.field("sched_util_max");
            ctx.line.udec(u64::from(b.u32_at(52)));
        }
    }
    if given > size {
        ctx.line.more();
    }
    ctx.line.struct_end();
}

/// `sched_setattr(pid, attr, flags)`.
fn sched_setattr(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_int(0);
    ctx.line.arg();
    sched_attr(ctx, ctx.args[1], 0);
    ctx.arg_uint(2);
    Step::Done(Ret::Dec)
}

/// `sched_getattr(pid, attr, size, flags)`: the attributes at exit.
fn sched_getattr(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        ctx.arg_int(0);
        return Step::Exit;
    }
    let size = ctx.args[2] as u32;
    ctx.line.arg();
    if size != 0 {
        sched_attr(ctx, ctx.args[1], size);
    } else {
        ctx.line.ptr(ctx.args[1]);
    }
    ctx.arg_uint(2);
    ctx.arg_uint(3);
    Step::Done(Ret::Dec)
}

/// `getcpu(cpu, node, tcache)`: everything at exit.
fn getcpu(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        return Step::Exit;
    }
    ctx.line.arg();
    ctx.num_u32_at(ctx.args[0]);
    ctx.line.arg();
    ctx.num_u32_at(ctx.args[1]);
    ctx.arg_ptr(2);
    Step::Done(Ret::Dec)
}

/// An I/O priority: `IOPRIO_PRIO_VALUE(IOPRIO_CLASS_BE, 4)`.
fn ioprio_text(ioprio: u32) -> String {
    let class = u64::from(ioprio >> 13);
    let data = ioprio & 0x1fff;
    let class = match x::IOPRIO_CLASS.name(class) {
        Some(name) => name.to_string(),
        None => {
            let mut s = String::new();
            write_hex(&mut s, class);
            s.push_str(" /* IOPRIO_CLASS_??? */");
            s
        }
    };
    format!("IOPRIO_PRIO_VALUE({class}, {data})")
}

/// `ioprio_get(which, who)`: the priority, spelt out, is the result.
fn ioprio_get(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        ctx.arg_xval(0, &x::IOPRIO_WHO);
        ctx.arg_int(1);
        return Step::Result;
    }
    if ctx.failed() {
        return Step::Done(Ret::Dec);
    }
    Step::Done(Ret::DecWith(ioprio_text(ctx.rval as u32)))
}

/// `ioprio_set(which, who, ioprio)`.
fn ioprio_set(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_xval(0, &x::IOPRIO_WHO);
    ctx.arg_int(1);
    ctx.line.arg();
    let text = ioprio_text(ctx.args[2] as u32);
    ctx.line.sym(&text);
    Step::Done(Ret::Dec)
}
