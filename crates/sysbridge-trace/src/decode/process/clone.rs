//! New processes and threads: `clone`, `clone3`; namespaces: `unshare`, `setns`.

use std::sync::OnceLock;

use sysbridge::Sysno;

use crate::decode::line::Xlat;
use crate::decode::types::signal;
use crate::decode::xlat_generated as x;
use crate::decode::{Ctx, Decoder, Ret, Step};
use crate::mem::Fields;

/// The decoder this file has for `nr`, if any.
pub(super) fn lookup(nr: Sysno) -> Option<Decoder> {
    Some(match nr {
        Sysno::clone => clone,
        Sysno::clone3 => clone3,
        Sysno::unshare => unshare,
        Sysno::setns => setns,
        _ => return None,
    })
}

/// The exit signal's bits in clone's flags.
const CSIGNAL: u64 = 0xff;
const CLONE_PIDFD: u64 = 0x1000;
const CLONE_SETTLS: u64 = 0x80000;
const CLONE_PARENT_SETTID: u64 = 0x100000;
const CLONE_CHILD_CLEARTID: u64 = 0x200000;
const CLONE_CHILD_SETTID: u64 = 0x1000000;
const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;

/// The flags clone has and the ones clone3 adds, as one table (strace's order: the
/// first, then the second).
fn clone3_flags() -> &'static Xlat {
    static TABLE: OnceLock<Xlat> = OnceLock::new();
    TABLE.get_or_init(|| {
        let entries: Vec<(u64, &'static str)> = x::CLONE_FLAGS
            .entries
            .iter()
            .chain(x::CLONE3_FLAGS.entries)
            .copied()
            .collect();
        Xlat {
            entries: Vec::leak(entries),
            unknown: Some("CLONE_???"),
        }
    })
}

/// `clone(flags, stack, parent_tid, child_tid, tls)` (x86_64's order), printed as
/// strace names them: `clone(child_stack=NULL, flags=CLONE_VM|…|SIGCHLD,
/// child_tidptr=0x…)`; what the kernel writes back (the parent's tid, a pidfd) at
/// exit, with the pointers that go with the flags.
fn clone(ctx: &mut Ctx<'_>) -> Step {
    let flags = ctx.args[0] & !CSIGNAL;
    if ctx.entering() {
        let sig = (ctx.args[0] & CSIGNAL) as i32;
        ctx.line.field("child_stack");
        ctx.line.ptr(ctx.args[1]);
        ctx.line.field("flags");
        if flags != 0 {
            let mut text = String::new();
            crate::decode::line::write_flags(&mut text, &x::CLONE_FLAGS, flags);
            if sig != 0 {
                text.push('|');
                text.push_str(&sig_name(sig));
            }
            ctx.line.sym(&text);
        } else {
            signal(ctx.line, sig);
        }
        let later = CLONE_PARENT_SETTID
            | CLONE_PIDFD
            | CLONE_CHILD_SETTID
            | CLONE_CHILD_CLEARTID
            | CLONE_SETTLS;
        if flags & later == 0 {
            return Step::Done(Ret::Dec);
        }
        return Step::Exit;
    }
    if flags & (CLONE_PARENT_SETTID | CLONE_PIDFD) != 0 {
        ctx.line.field("parent_tid");
        // A tid or a descriptor, both `[N]`.
        ctx.num_i32_at(ctx.args[2]);
    }
    if flags & CLONE_SETTLS != 0 {
        ctx.line.field("tls");
        ctx.line.ptr(ctx.args[4]);
    }
    if flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID) != 0 {
        ctx.line.field("child_tidptr");
        ctx.line.ptr(ctx.args[3]);
    }
    Step::Done(Ret::Dec)
}

/// A signal's name, or its number.
fn sig_name(sig: i32) -> String {
    sysbridge::signal::Signal::from_raw(sig).to_string()
}

/// The size of `struct clone_args` as we know it, and the least the kernel takes.
const CLONE_ARGS_SIZE: u64 = 88;
const CLONE_ARGS_MIN: u64 = 64;

/// `clone3(args, size)`: the structure at entry; at exit, when the kernel wrote a
/// pidfd or the parent's tid, what it wrote: `{flags=…, …} => {parent_tid=[42]}, 88`.
fn clone3(ctx: &mut Ctx<'_>) -> Step {
    let addr = ctx.args[0];
    let size = ctx.args[1];
    let fetch_size = size.min(CLONE_ARGS_SIZE);
    let mut a = [0u8; CLONE_ARGS_SIZE as usize];
    if ctx.entering() {
        if fetch_size < CLONE_ARGS_MIN || !ctx.fetch(addr, &mut a[..fetch_size as usize]) {
            ctx.line.arg();
            ctx.line.ptr(addr);
            ctx.line.arg();
            ctx.line.udec(size);
            return Step::Done(Ret::Dec);
        }
        let flags = a.u64_at(0);
        let later = flags & (CLONE_PIDFD | CLONE_PARENT_SETTID) != 0;
        // When the exit adds to this argument, the entry leaves it open: not marking
        // it as an argument keeps the separator from being written after it.
        if !later {
            ctx.line.arg();
        }
        clone_args(ctx, &a, fetch_size);
        if later {
            return Step::Exit;
        }
        ctx.line.arg();
        ctx.line.udec(size);
        return Step::Done(Ret::Dec);
    }
    // The structure printed at entry is the first argument.
    ctx.line.arg();
    if !ctx.failed() {
        if !ctx.read(addr, &mut a[..fetch_size as usize]) {
            ctx.line.changed();
            ctx.line.ptr(addr);
        } else {
            let flags = a.u64_at(0);
            ctx.line.changed();
            ctx.line.struct_begin();
            if flags & CLONE_PIDFD != 0 {
                ctx.line.field("pidfd");
                ctx.num_i32_at(a.u64_at(8));
            }
            if flags & CLONE_PARENT_SETTID != 0 {
                ctx.line.field("parent_tid");
                ctx.num_i32_at(a.u64_at(24));
            }
            ctx.line.struct_end();
        }
    }
    ctx.line.arg();
    ctx.line.udec(size);
    Step::Done(Ret::Dec)
}

/// The fields of `struct clone_args` (`fetched` bytes of it in `a`).
fn clone_args(ctx: &mut Ctx<'_>, a: &[u8], fetched: u64) {
    let flags = a.u64_at(0);
    ctx.line.struct_begin();
    ctx.line.field("flags");
    ctx.line.flags(clone3_flags(), flags);
    if flags & CLONE_PIDFD != 0 {
        ctx.line.field("pidfd");
        ctx.line.ptr(a.u64_at(8));
    }
    if flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID) != 0 {
        ctx.line.field("child_tid");
        ctx.line.ptr(a.u64_at(16));
    }
    if flags & CLONE_PARENT_SETTID != 0 {
        ctx.line.field("parent_tid");
        ctx.line.ptr(a.u64_at(24));
    }
    let exit_signal = a.u64_at(32);
    ctx.line.field("exit_signal");
    if exit_signal < i32::MAX as u64 {
        signal(ctx.line, exit_signal as i32);
    } else {
        ctx.line.udec(exit_signal);
    }
    ctx.line.field("stack");
    ctx.line.ptr(a.u64_at(40));
    ctx.line.field("stack_size");
    ctx.line.hex(a.u64_at(48));
    if flags & CLONE_SETTLS != 0 {
        ctx.line.field("tls");
        ctx.line.ptr(a.u64_at(56));
    }
    if fetched >= 80 {
        let (set_tid, set_tid_size) = (a.u64_at(64), a.u64_at(72));
        if set_tid != 0 || set_tid_size != 0 {
            ctx.line.field("set_tid");
            if set_tid == 0 || set_tid_size == 0 || set_tid_size > 32 {
                ctx.line.ptr(set_tid);
            } else {
                ctx.array(set_tid, set_tid_size, 4, |ctx, b| {
                    ctx.line.dec(i64::from(b.i32_at(0)));
                    true
                });
            }
            ctx.line.field("set_tid_size");
            ctx.line.udec(set_tid_size);
        }
    }
    if fetched > 80 {
        let cgroup = a.u64_at(80);
        if cgroup != 0 || flags & CLONE_INTO_CGROUP != 0 {
            ctx.line.field("cgroup");
            ctx.line.udec(cgroup);
        }
    }
    ctx.line.struct_end();
}

/// `unshare(flags)`.
fn unshare(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_flags64(0, &x::UNSHARE_FLAGS);
    Step::Done(Ret::Dec)
}

/// `setns(fd, nstype)`.
fn setns(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    ctx.arg_flags(1, &x::SETNS_TYPES);
    Step::Done(Ret::Dec)
}
