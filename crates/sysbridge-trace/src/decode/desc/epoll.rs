//! epoll: creating an instance, registering descriptors, waiting for events.

use crate::decode::types::NSIG_BYTES;
use crate::decode::xlat_generated as x;
use crate::decode::{Ctx, Ret, Step};
use crate::mem::Fields;

const EPOLL_CTL_DEL: u32 = 2;

/// The size of `struct epoll_event` on x86_64 (packed: events, then data).
const EVENT_SIZE: usize = 12;

/// `epoll_create(size)`.
pub(super) fn epoll_create(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_int(0);
    Step::Done(Ret::Fd)
}

/// `epoll_create1(flags)`.
pub(super) fn epoll_create1(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_flags(0, &x::EPOLL_CREATE_FLAGS);
    Step::Done(Ret::Fd)
}

/// One `struct epoll_event`: `{events=EPOLLIN, data={u32=3, u64=3}}` (the data is a
/// union: both views are printed).
fn event(ctx: &mut Ctx<'_>, ev: &[u8]) -> bool {
    let data = ev.u64_at(4);
    ctx.line.struct_begin();
    ctx.line.field("events");
    ctx.line.flags(&x::EPOLL_EVENTS, u64::from(ev.u32_at(0)));
    ctx.line.field("data");
    ctx.line.struct_begin();
    ctx.line.field("u32");
    ctx.line.udec(data & 0xffff_ffff);
    ctx.line.field("u64");
    ctx.line.udec(data);
    ctx.line.struct_end();
    ctx.line.struct_end();
    true
}

/// `epoll_ctl(epfd, op, fd, event)`.
pub(super) fn epoll_ctl(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    ctx.arg_xval(1, &x::EPOLL_CTL_OPS);
    ctx.arg_fd(2);
    ctx.line.arg();
    let addr = ctx.args[3];
    if ctx.args[1] as u32 == EPOLL_CTL_DEL {
        ctx.line.ptr(addr);
    } else {
        let mut ev = [0u8; EVENT_SIZE];
        if ctx.fetch_or_addr(addr, &mut ev) {
            event(ctx, &ev);
        }
    }
    Step::Done(Ret::Dec)
}

/// The part `epoll_wait` and its variants share: the descriptor at entry, the events
/// returned, their maximum and the timeout at exit (`timeout` prints the timeout).
fn wait_common(ctx: &mut Ctx<'_>, timeout: fn(&mut Ctx<'_>)) -> Option<Step> {
    if ctx.entering() {
        ctx.arg_fd(0);
        return Some(Step::Exit);
    }
    ctx.line.arg();
    ctx.array(ctx.args[1], ctx.rval as u64, EVENT_SIZE, event);
    ctx.arg_int(2);
    ctx.line.arg();
    timeout(ctx);
    None
}

fn timeout_int(ctx: &mut Ctx<'_>) {
    ctx.line.dec(i64::from(ctx.int(3)));
}

fn timeout_timespec(ctx: &mut Ctx<'_>) {
    ctx.timespec_at(ctx.args[3]);
}

/// `epoll_wait(epfd, events, maxevents, timeout)`.
pub(super) fn epoll_wait(ctx: &mut Ctx<'_>) -> Step {
    wait_common(ctx, timeout_int).unwrap_or(Step::Done(Ret::Dec))
}

/// `epoll_pwait(epfd, events, maxevents, timeout, sigmask, sigsetsize)`.
pub(super) fn epoll_pwait(ctx: &mut Ctx<'_>) -> Step {
    pwait(ctx, timeout_int)
}

/// `epoll_pwait2(epfd, events, maxevents, timeout, sigmask, sigsetsize)`: the
/// timeout a `struct timespec`.
pub(super) fn epoll_pwait2(ctx: &mut Ctx<'_>) -> Step {
    pwait(ctx, timeout_timespec)
}

fn pwait(ctx: &mut Ctx<'_>, timeout: fn(&mut Ctx<'_>)) -> Step {
    if let Some(step) = wait_common(ctx, timeout) {
        return step;
    }
    ctx.line.arg();
    ctx.sigset_at(ctx.args[4], ctx.args[5], NSIG_BYTES);
    ctx.arg_ulong(5);
    Step::Done(Ret::Dec)
}
