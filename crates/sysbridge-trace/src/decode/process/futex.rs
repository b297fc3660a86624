//! Futexes (`futex`, `futex_waitv`) and the robust futex list.

use sysbridge::Sysno;

use crate::decode::line::{Xlat, write_hex};
use crate::decode::xlat_generated as x;
use crate::decode::{Ctx, Decoder, Ret, Step};
use crate::mem::Fields;

/// The decoder this file has for `nr`, if any.
pub(super) fn lookup(nr: Sysno) -> Option<Decoder> {
    Some(match nr {
        Sysno::futex => futex,
        Sysno::futex_waitv => futex_waitv,
        Sysno::set_robust_list => set_robust_list,
        Sysno::get_robust_list => get_robust_list,
        _ => return None,
    })
}

// The futex commands (the operation without its flag bits).
const FUTEX_WAIT: u32 = 0;
const FUTEX_WAKE: u32 = 1;
const FUTEX_FD: u32 = 2;
const FUTEX_REQUEUE: u32 = 3;
const FUTEX_CMP_REQUEUE: u32 = 4;
const FUTEX_WAKE_OP: u32 = 5;
const FUTEX_LOCK_PI: u32 = 6;
const FUTEX_UNLOCK_PI: u32 = 7;
const FUTEX_TRYLOCK_PI: u32 = 8;
const FUTEX_WAIT_BITSET: u32 = 9;
const FUTEX_WAKE_BITSET: u32 = 10;
const FUTEX_WAIT_REQUEUE_PI: u32 = 11;
const FUTEX_CMP_REQUEUE_PI: u32 = 12;
const FUTEX_LOCK_PI2: u32 = 13;

/// A value of `table` by name, or in hex with no comment (strace's `printxval` with
/// no default); whether it had a name.
fn name_or_hex(out: &mut String, table: &Xlat, v: u64) -> bool {
    match table.name(v) {
        Some(name) => {
            out.push_str(name);
            true
        }
        None => {
            write_hex(out, v);
            false
        }
    }
}

/// FUTEX_WAKE_OP's encoded operation, as strace spells it:
/// `FUTEX_OP_SET<<28|0<<12|FUTEX_OP_CMP_GT<<24|0x1`.
fn wake_op_text(val3: u32) -> String {
    let mut out = String::new();
    const OPARG_SHIFT: u32 = 8;
    if (val3 >> 28) & OPARG_SHIFT != 0 {
        out.push_str("FUTEX_OP_OPARG_SHIFT<<28|");
    }
    let known = name_or_hex(&mut out, &x::FUTEX_WAKE_OPS, u64::from((val3 >> 28) & 0x7));
    out.push_str("<<28");
    if !known {
        out.push_str(" /* FUTEX_OP_??? */");
    }
    out.push('|');
    write_hex(&mut out, u64::from((val3 >> 12) & 0xfff));
    out.push_str("<<12|");
    let known = name_or_hex(&mut out, &x::FUTEX_WAKE_CMPS, u64::from((val3 >> 24) & 0xf));
    out.push_str("<<24");
    if !known {
        out.push_str(" /* FUTEX_OP_CMP_??? */");
    }
    out.push('|');
    write_hex(&mut out, u64::from(val3 & 0xfff));
    out
}

/// `futex(uaddr, futex_op, val, timeout|val2, uaddr2, val3)`: the arguments each
/// command uses.
fn futex(ctx: &mut Ctx<'_>) -> Step {
    let op = ctx.args[1] as u32;
    let cmd = op & 127;
    let timeout = ctx.args[3];
    let val3 = ctx.args[5] as u32;
    ctx.arg_ptr(0);
    ctx.arg_xval(1, &x::FUTEX_OPS);
    let bitset = |ctx: &mut Ctx<'_>| {
        ctx.line.arg();
        let mut text = String::new();
        name_or_hex(&mut text, &x::FUTEX_BITSET, u64::from(val3));
        ctx.line.sym(&text);
    };
    match cmd {
        FUTEX_WAIT => {
            ctx.arg_uint(2);
            ctx.line.arg();
            ctx.timespec_at(timeout);
        }
        FUTEX_LOCK_PI | FUTEX_LOCK_PI2 => {
            ctx.line.arg();
            ctx.timespec_at(timeout);
        }
        FUTEX_WAIT_BITSET => {
            ctx.arg_uint(2);
            ctx.line.arg();
            ctx.timespec_at(timeout);
            bitset(ctx);
        }
        FUTEX_WAKE_BITSET => {
            ctx.arg_uint(2);
            bitset(ctx);
        }
        FUTEX_REQUEUE => {
            ctx.arg_uint(2);
            ctx.arg_uint(3);
            ctx.arg_ptr(4);
        }
        FUTEX_CMP_REQUEUE | FUTEX_CMP_REQUEUE_PI => {
            ctx.arg_uint(2);
            ctx.arg_uint(3);
            ctx.arg_ptr(4);
            ctx.arg_uint(5);
        }
        FUTEX_WAKE_OP => {
            ctx.arg_uint(2);
            ctx.arg_uint(3);
            ctx.arg_ptr(4);
            ctx.line.arg();
            let text = wake_op_text(val3);
            ctx.line.sym(&text);
        }
        FUTEX_WAIT_REQUEUE_PI => {
            ctx.arg_uint(2);
            ctx.line.arg();
            ctx.timespec_at(timeout);
            ctx.arg_ptr(4);
        }
        FUTEX_FD | FUTEX_WAKE => ctx.arg_uint(2),
        FUTEX_UNLOCK_PI | FUTEX_TRYLOCK_PI => {}
        _ => {
            ctx.arg_uint(2);
            ctx.arg_ptr(3);
            ctx.arg_ptr(4);
            ctx.line.arg();
            ctx.line.hex(u64::from(val3));
        }
    }
    Step::Done(Ret::Dec)
}

/// The most waiters `futex_waitv` takes.
const FUTEX_WAITV_MAX: usize = 128;

/// `futex_waitv(waiters, nr_futexes, flags, timeout, clockid)`.
fn futex_waitv(ctx: &mut Ctx<'_>) -> Step {
    let nr = ctx.args[1] as u32;
    ctx.line.arg();
    let mut n = 0usize;
    ctx.array(ctx.args[0], u64::from(nr), 24, |ctx, w| {
        if n >= FUTEX_WAITV_MAX {
            ctx.line.text.push_str("...");
            return false;
        }
        n += 1;
        ctx.line.struct_begin();
        ctx.line.field("val");
        ctx.line.hex(w.u64_at(0));
        ctx.line.field("uaddr");
        ctx.line.ptr(w.u64_at(8));
        ctx.line.field("flags");
        ctx.line
            .flags(&x::FUTEX_WAITER_FLAGS, u64::from(w.u32_at(16)));
        let reserved = w.u32_at(20);
        if reserved != 0 {
            ctx.line.field("__reserved");
            ctx.line.hex(u64::from(reserved));
        }
        ctx.line.struct_end();
        true
    });
    ctx.arg_uint(1);
    ctx.line.arg();
    ctx.line.hex(u64::from(ctx.args[2] as u32));
    ctx.line.arg();
    ctx.timespec_at(ctx.args[3]);
    ctx.arg_xval(4, &x::FUTEX_WAITV_CLOCKS);
    Step::Done(Ret::Dec)
}

/// `set_robust_list(head, len)`.
fn set_robust_list(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_ptr(0);
    ctx.arg_ulong(1);
    Step::Done(Ret::Dec)
}

/// `get_robust_list(pid, head_ptr, len_ptr)`: what the kernel wrote, at exit.
fn get_robust_list(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        ctx.arg_int(0);
        return Step::Exit;
    }
    ctx.line.arg();
    ctx.num_ptr_at(ctx.args[1]);
    ctx.line.arg();
    ctx.num_u64_at(ctx.args[2]);
    Step::Done(Ret::Dec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wake_ops_read_like_strace() {
        // FUTEX_OP(FUTEX_OP_SET, 0, FUTEX_OP_CMP_GT, 1), as glibc's condvars use it.
        assert_eq!(
            wake_op_text(0x0400_0001),
            "FUTEX_OP_SET<<28|0<<12|FUTEX_OP_CMP_GT<<24|0x1"
        );
        assert_eq!(
            wake_op_text(0xff00_0000),
            "FUTEX_OP_OPARG_SHIFT<<28|0x7<<28 /* FUTEX_OP_??? */|0<<12|0xf<<24 /* FUTEX_OP_CMP_??? */|0"
        );
    }
}
