//! Time: clocks, sleeps, timers and alarms.

use sysbridge::Sysno;

use super::line::Line;
use super::types::{seconds_and, signal};
use super::xlat_generated as x;
use super::{Ctx, Decoder, Ret, Step};
use crate::mem::Fields;

/// The decoder this family has for `nr`, if any.
pub(super) fn lookup(nr: Sysno) -> Option<Decoder> {
    Some(match nr {
        Sysno::nanosleep => nanosleep,
        Sysno::clock_nanosleep => clock_nanosleep,
        Sysno::clock_gettime | Sysno::clock_getres => clock_gettime,
        Sysno::clock_settime => clock_settime,
        Sysno::clock_adjtime => clock_adjtime,
        Sysno::adjtimex => adjtimex,
        Sysno::gettimeofday => gettimeofday,
        Sysno::settimeofday => settimeofday,
        Sysno::time => time,
        Sysno::getitimer => getitimer,
        Sysno::setitimer => setitimer,
        Sysno::alarm => alarm,
        Sysno::timer_create => timer_create,
        Sysno::timer_settime => timer_settime,
        Sysno::timer_gettime => timer_gettime,
        Sysno::timer_getoverrun | Sysno::timer_delete => timer_id,
        _ => return None,
    })
}

// ---- structures ----

/// An interval and a value (`struct itimerval` with `tv_usec`, `struct itimerspec`
/// with `tv_nsec`) at `addr`: `{it_interval={...}, it_value={...}}`.
fn interval_arg(ctx: &mut Ctx<'_>, addr: u64, fraction: &str) {
    let mut t = [0u8; 32];
    if !ctx.fetch_or_addr(addr, &mut t) {
        return;
    }
    ctx.line.struct_begin();
    ctx.line.field("it_interval");
    seconds_and(ctx.line, &t[..16], fraction);
    ctx.line.field("it_value");
    seconds_and(ctx.line, &t[16..], fraction);
    ctx.line.struct_end();
}

/// A `struct timezone` at `addr`: `{tz_minuteswest=0, tz_dsttime=0}`.
fn timezone_arg(ctx: &mut Ctx<'_>, addr: u64) {
    let mut tz = [0u8; 8];
    if !ctx.fetch_or_addr(addr, &mut tz) {
        return;
    }
    ctx.line.struct_begin();
    ctx.line.field("tz_minuteswest");
    ctx.line.dec(i64::from(tz.i32_at(0)));
    ctx.line.field("tz_dsttime");
    ctx.line.dec(i64::from(tz.i32_at(4)));
    ctx.line.struct_end();
}

/// Argument `i` as a clock: `CLOCK_MONOTONIC`, or hex with `/* CLOCK_??? */` (CPU-time
/// clocks of other processes and clock descriptors print so, as strace prints them).
fn arg_clock(ctx: &mut Ctx<'_>, i: usize) {
    ctx.arg_xval(i, &x::CLOCKNAMES);
}

/// The size of `struct timex`.
const TIMEX_SIZE: usize = 208;

/// A `struct timex` at `addr`, every field; false when only the address (or `NULL`)
/// was printed.
fn timex_arg(ctx: &mut Ctx<'_>, addr: u64) -> bool {
    let mut tx = [0u8; TIMEX_SIZE];
    if !ctx.fetch_or_addr(addr, &mut tx) {
        return false;
    }
    let line = &mut *ctx.line;
    let long = |line: &mut Line, name: &str, off: usize| {
        line.field(name);
        line.dec(tx.i64_at(off));
    };
    let int = |line: &mut Line, name: &str, off: usize| {
        line.field(name);
        line.dec(i64::from(tx.i32_at(off)));
    };
    line.struct_begin();
    line.field("modes");
    line.flags(&x::ADJTIMEX_MODES, u64::from(tx.u32_at(0)));
    long(line, "offset", 8);
    long(line, "freq", 16);
    long(line, "maxerror", 24);
    long(line, "esterror", 32);
    line.field("status");
    line.flags(&x::ADJTIMEX_STATUS, u64::from(tx.u32_at(40)));
    long(line, "constant", 48);
    long(line, "precision", 56);
    long(line, "tolerance", 64);
    line.field("time");
    seconds_and(line, &tx[72..88], "tv_usec");
    long(line, "tick", 88);
    long(line, "ppsfreq", 96);
    long(line, "jitter", 104);
    int(line, "shift", 112);
    long(line, "stabil", 120);
    long(line, "jitcnt", 128);
    long(line, "calcnt", 136);
    long(line, "errcnt", 144);
    long(line, "stbcnt", 152);
    int(line, "tai", 160);
    line.struct_end();
    true
}

/// The return value of the `adjtimex` calls: the clock's state, named
/// (`= 5 (TIME_ERROR)`) when the structure was printed.
fn clock_state(ctx: &Ctx<'_>, printed: bool) -> Ret {
    if printed && !ctx.failed() {
        if let Some(name) = x::ADJTIMEX_STATE.name(ctx.rval as u64) {
            return Ret::DecWith(name.to_string());
        }
    }
    Ret::Dec
}

/// The size strace reads of a `struct sigevent`: the value, the signal, the kind of
/// notification, and the thread id or the function and attributes.
const SIGEVENT_SIZE: usize = 32;

/// A `struct sigevent` at `addr`:
/// `{sigev_value={sival_int=1, sival_ptr=0x1}, sigev_signo=SIGALRM,
/// sigev_notify=SIGEV_SIGNAL}` (the value only when set).
fn sigevent_arg(ctx: &mut Ctx<'_>, addr: u64) {
    let mut ev = [0u8; SIGEVENT_SIZE];
    if !ctx.fetch_or_addr(addr, &mut ev) {
        return;
    }
    let line = &mut *ctx.line;
    let (value, signo, notify) = (ev.u64_at(0), ev.i32_at(8), ev.i32_at(12));
    line.struct_begin();
    if value != 0 {
        line.field("sigev_value");
        line.struct_begin();
        line.field("sival_int");
        line.dec(i64::from(value as i32));
        line.field("sival_ptr");
        line.ptr(value);
        line.struct_end();
    }
    // SIGEV_SIGNAL, SIGEV_THREAD, SIGEV_THREAD_ID carry a signal.
    let with_signal = matches!(notify, 0 | 2 | 4);
    line.field("sigev_signo");
    if with_signal {
        signal(line, signo);
    } else {
        line.udec(u64::from(signo as u32));
    }
    line.field("sigev_notify");
    line.xval(&x::SIGEV_VALUE, u64::from(notify as u32));
    match notify {
        4 => {
            line.field("sigev_notify_thread_id");
            line.dec(i64::from(ev.i32_at(16)));
        }
        2 => {
            line.field("sigev_notify_function");
            line.ptr(ev.u64_at(16));
            line.field("sigev_notify_attributes");
            line.ptr(ev.u64_at(24));
        }
        _ => {}
    }
    line.struct_end();
}

/// An `int` at `addr` the call wrote: `[3]`.
fn int_result(ctx: &mut Ctx<'_>, addr: u64) {
    let mut v = [0u8; 4];
    if ctx.fetch_or_addr(addr, &mut v) {
        ctx.line.array_begin();
        ctx.line.elem();
        ctx.line.dec(i64::from(v.i32_at(0)));
        ctx.line.array_end();
    }
}

// ---- sleeping ----

/// Whether the call was interrupted to be restarted: then the kernel wrote the time
/// that remained.
fn interrupted(ctx: &Ctx<'_>) -> bool {
    ctx.error
        .is_some_and(|e| matches!(e.raw(), 512..=514 | 516))
}

/// `nanosleep(req, rem)`: what remained, when interrupted.
fn nanosleep(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        ctx.line.arg();
        ctx.timespec_at(ctx.args[0]);
        return Step::Exit;
    }
    remaining(ctx, 1, interrupted(ctx));
    Step::Done(Ret::Dec)
}

/// The remaining time of the sleep calls, argument `i`: printed when `written`, else
/// its address.
fn remaining(ctx: &mut Ctx<'_>, i: usize, written: bool) {
    if written {
        ctx.line.arg();
        ctx.timespec_at_despite_error(ctx.args[i]);
    } else {
        ctx.arg_ptr(i);
    }
}

/// `clock_nanosleep(clockid, flags, request, remain)`: what remained, when a relative
/// sleep was interrupted.
fn clock_nanosleep(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        arg_clock(ctx, 0);
        ctx.arg_flags(1, &x::CLOCKFLAGS);
        ctx.line.arg();
        ctx.timespec_at(ctx.args[2]);
        return Step::Exit;
    }
    remaining(ctx, 3, ctx.args[1] == 0 && interrupted(ctx));
    Step::Done(Ret::Dec)
}

// ---- clocks ----

/// `clock_gettime(clockid, tp)`, `clock_getres(clockid, res)`.
fn clock_gettime(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        arg_clock(ctx, 0);
        return Step::Exit;
    }
    ctx.line.arg();
    ctx.timespec_at(ctx.args[1]);
    Step::Done(Ret::Dec)
}

/// `clock_settime(clockid, tp)`.
fn clock_settime(ctx: &mut Ctx<'_>) -> Step {
    arg_clock(ctx, 0);
    ctx.line.arg();
    ctx.timespec_at(ctx.args[1]);
    Step::Done(Ret::Dec)
}

/// `clock_adjtime(clockid, buf)`: the structure as the kernel left it.
fn clock_adjtime(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        arg_clock(ctx, 0);
        return Step::Exit;
    }
    ctx.line.arg();
    let printed = timex_arg(ctx, ctx.args[1]);
    Step::Done(clock_state(ctx, printed))
}

/// `adjtimex(buf)`: the structure as the kernel left it.
fn adjtimex(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        return Step::Exit;
    }
    ctx.line.arg();
    let printed = timex_arg(ctx, ctx.args[0]);
    Step::Done(clock_state(ctx, printed))
}

/// `gettimeofday(tv, tz)`.
fn gettimeofday(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        return Step::Exit;
    }
    settimeofday(ctx)
}

/// `settimeofday(tv, tz)`.
fn settimeofday(ctx: &mut Ctx<'_>) -> Step {
    ctx.line.arg();
    ctx.timeval_at(ctx.args[0]);
    ctx.line.arg();
    timezone_arg(ctx, ctx.args[1]);
    Step::Done(Ret::Dec)
}

/// `time(tloc)`: the time stored, and the one returned, with their dates:
/// `time([1700000000 /* 2023-11-14T22:13:20+0000 */]) = 1700000000 (2023-...)`.
fn time(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        return Step::Exit;
    }
    ctx.line.arg();
    let mut t = [0u8; 8];
    if ctx.fetch_or_addr(ctx.args[0], &mut t) {
        let t = t.i64_at(0);
        ctx.line.array_begin();
        ctx.line.elem();
        ctx.line.dec(t);
        if let Some(date) = crate::tz::date_text(t, 0, 0, 0) {
            ctx.line.comment(&date);
        }
        ctx.line.array_end();
    }
    match crate::tz::date_text(ctx.rval, 0, 0, 0).filter(|_| !ctx.failed()) {
        Some(date) => Step::Done(Ret::DecWith(date)),
        None => Step::Done(Ret::Dec),
    }
}

// ---- interval timers and alarms ----

/// `getitimer(which, curr_value)`.
fn getitimer(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        ctx.arg_xval(0, &x::ITIMER_WHICH);
        return Step::Exit;
    }
    ctx.line.arg();
    interval_arg(ctx, ctx.args[1], "tv_usec");
    Step::Done(Ret::Dec)
}

/// `setitimer(which, new_value, old_value)`.
fn setitimer(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        ctx.arg_xval(0, &x::ITIMER_WHICH);
        ctx.line.arg();
        interval_arg(ctx, ctx.args[1], "tv_usec");
        return Step::Exit;
    }
    ctx.line.arg();
    interval_arg(ctx, ctx.args[2], "tv_usec");
    Step::Done(Ret::Dec)
}

/// `alarm(seconds)`.
fn alarm(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_uint(0);
    Step::Done(Ret::Dec)
}

// ---- POSIX timers ----

/// `timer_create(clockid, sevp, timerid)`: the new timer's id at exit.
fn timer_create(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        arg_clock(ctx, 0);
        ctx.line.arg();
        sigevent_arg(ctx, ctx.args[1]);
        return Step::Exit;
    }
    ctx.line.arg();
    int_result(ctx, ctx.args[2]);
    Step::Done(Ret::Dec)
}

/// `timer_settime(timerid, flags, new_value, old_value)`.
fn timer_settime(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        ctx.arg_int(0);
        ctx.arg_flags(1, &x::CLOCKFLAGS);
        ctx.line.arg();
        interval_arg(ctx, ctx.args[2], "tv_nsec");
        return Step::Exit;
    }
    ctx.line.arg();
    interval_arg(ctx, ctx.args[3], "tv_nsec");
    Step::Done(Ret::Dec)
}

/// `timer_gettime(timerid, curr_value)`.
fn timer_gettime(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        ctx.arg_int(0);
        return Step::Exit;
    }
    ctx.line.arg();
    interval_arg(ctx, ctx.args[1], "tv_nsec");
    Step::Done(Ret::Dec)
}

/// `timer_getoverrun(timerid)`, `timer_delete(timerid)`.
fn timer_id(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_int(0);
    Step::Done(Ret::Dec)
}
