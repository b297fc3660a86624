//! Signals: dispositions, masks, delivery and waiting, alternate stacks.
//!
//! Also the printers the time family shares with this one: fetching a structure the
//! way strace does before it prints one ([`fetch`]), signal numbers ([`signal`]),
//! `clock_t` values ([`clock_t`]) and `siginfo_t` ([`siginfo`]).

use sysbridge::signal::Signal;
use sysbridge::{Errno, Sysno};

use super::line::Line;
use super::types::sigset_text;
use super::xlat_generated as x;
use super::{Ctx, Decoder, Ret, Step};
use crate::mem::Fields;

/// The decoder this family has for `nr`, if any.
pub(super) fn lookup(nr: Sysno) -> Option<Decoder> {
    Some(match nr {
        Sysno::rt_sigaction => rt_sigaction,
        Sysno::rt_sigprocmask => rt_sigprocmask,
        Sysno::rt_sigreturn => rt_sigreturn,
        Sysno::sigaltstack => sigaltstack,
        Sysno::rt_sigsuspend => rt_sigsuspend,
        Sysno::rt_sigtimedwait => rt_sigtimedwait,
        Sysno::rt_sigpending => rt_sigpending,
        Sysno::rt_sigqueueinfo => rt_sigqueueinfo,
        Sysno::rt_tgsigqueueinfo => rt_tgsigqueueinfo,
        Sysno::kill | Sysno::tkill => kill,
        Sysno::tgkill => tgkill,
        Sysno::pidfd_send_signal => pidfd_send_signal,
        _ => return None,
    })
}

/// The size of the kernel's signal set on x86_64 (`NSIG / 8`).
const NSIG_BYTES: u64 = 8;
/// The size of `siginfo_t`.
const SIGINFO_SIZE: usize = 128;
/// Clock ticks per second of `clock_t` values (`USER_HZ`, 100 on every x86_64 kernel).
const CLK_TCK: u64 = 100;

// ---- printers the time family shares ----

/// Reads `buf.len()` bytes of a structure at `addr` as strace does before printing it:
/// when `addr` is NULL, when structures are not decoded (`-e verbose=`), at the exit of
/// a failed call (unless `despite_error`: a value the kernel wrote although the call
/// failed), or when the memory cannot be read, prints `NULL` or the address instead
/// and returns false.
pub(super) fn fetch(ctx: &mut Ctx<'_>, addr: u64, buf: &mut [u8], despite_error: bool) -> bool {
    let wanted = addr != 0 && ctx.verbose && (despite_error || ctx.entering() || !ctx.failed());
    if wanted && ctx.read(addr, buf) {
        return true;
    }
    ctx.line.ptr(addr);
    false
}

/// A signal number: its name (`SIGUSR1`, `SIGRT_3`), or the number when it is none.
pub(super) fn signal(line: &mut Line, sig: i32) {
    let s = Signal::from_raw(sig);
    if s.is_valid() {
        line.sym(&s.to_string());
    } else {
        line.dec(i64::from(sig));
    }
}

/// A `clock_t` value in ticks, with the seconds it makes when not zero:
/// `21 /* 0.21 s */`.
pub(super) fn clock_t(line: &mut Line, ticks: u64) {
    line.udec(ticks);
    if ticks > 0 {
        line.comment(&format!("{}.{:02} s", ticks / CLK_TCK, ticks % CLK_TCK));
    }
}

/// An ID that is unsigned except for `-1` (uids, gids).
fn id(line: &mut Line, v: u32) {
    if v == u32::MAX {
        line.dec(-1);
    } else {
        line.udec(u64::from(v));
    }
}

/// The signal set of `len` bytes at `addr`, printed when `min_len <= len <= 8` (else
/// the address): `[USR1 CHLD]`, `~[RTMIN RT_1]`.
fn sigset(ctx: &mut Ctx<'_>, addr: u64, len: u64, min_len: u64) {
    if len < min_len || len > NSIG_BYTES {
        ctx.line.ptr(addr);
        return;
    }
    let mut buf = [0u8; NSIG_BYTES as usize];
    if fetch(ctx, addr, &mut buf[..len as usize], false) {
        // The bytes after `len` are zero; strace counts whole 32-bit words.
        let size = len.div_ceil(4) as usize * 4;
        let text = sigset_text(u64::from_ne_bytes(buf), size);
        ctx.line.sym(&text);
    }
}

/// A `siginfo_t` at `addr`.
pub(super) fn siginfo_at(ctx: &mut Ctx<'_>, addr: u64) {
    let mut si = [0u8; SIGINFO_SIZE];
    if fetch(ctx, addr, &mut si, false) {
        siginfo(ctx, &si);
    }
}

/// The name of `si_code` `code` of signal `signo`: a code any signal may have, else
/// one of the signal's own.
fn si_code_name(code: i32, signo: i32) -> Option<&'static str> {
    let value = i64::from(code) as u64;
    x::SIGINFO_CODES.name(value).or_else(|| {
        let table = match Signal::from_raw(signo) {
            Signal::SIGTRAP => &x::SIGTRAP_CODES,
            Signal::SIGCHLD => &x::SIGCHLD_CODES,
            Signal::SIGIO => &x::SIGPOLL_CODES,
            Signal::SIGILL => &x::SIGILL_CODES,
            Signal::SIGFPE => &x::SIGFPE_CODES,
            Signal::SIGSEGV => &x::SIGSEGV_CODES,
            Signal::SIGBUS => &x::SIGBUS_CODES,
            Signal::SIGSYS => &x::SIGSYS_CODES,
            _ => return None,
        };
        table.name(value)
    })
}

// Offsets in `siginfo_t` (x86_64): the header, then the union from byte 16.
const SI_SIGNO: usize = 0;
const SI_ERRNO: usize = 4;
const SI_CODE: usize = 8;
const SI_PID: usize = 16;
const SI_UID: usize = 20;
const SI_VALUE: usize = 24;
const SI_TIMERID: usize = 16;
const SI_OVERRUN: usize = 20;
const SI_STATUS: usize = 24;
const SI_UTIME: usize = 32;
const SI_STIME: usize = 40;
const SI_ADDR: usize = 16;
const SI_ADDR_LSB: usize = 24;
const SI_LOWER: usize = 32;
const SI_UPPER: usize = 40;
const SI_PKEY: usize = 32;
const SI_BAND: usize = 16;
const SI_FD: usize = 24;
const SI_CALL_ADDR: usize = 16;
const SI_SYSCALL: usize = 24;
const SI_ARCH: usize = 28;

/// A `siginfo_t` (its 128 bytes), as strace prints one: the signal and code, then the
/// fields that the code (for codes a process sends) or the signal (for the kernel's
/// codes) say are meaningful; `{}` when `si_signo` is zero.
pub(super) fn siginfo(ctx: &mut Ctx<'_>, si: &[u8]) {
    let signo = si.i32_at(SI_SIGNO);
    let code = si.i32_at(SI_CODE);
    ctx.line.struct_begin();
    if signo != 0 {
        ctx.line.field("si_signo");
        signal(ctx.line, signo);
        ctx.line.field("si_code");
        match si_code_name(code, signo) {
            Some(name) => ctx.line.sym(name),
            None => ctx.line.hex(u64::from(code as u32)),
        }
        siginfo_details(ctx, si, signo, code);
    }
    ctx.line.struct_end();
}

fn siginfo_details(ctx: &mut Ctx<'_>, si: &[u8], signo: i32, code: i32) {
    let errno = si.i32_at(SI_ERRNO);
    if errno != 0 {
        ctx.line.field("si_errno");
        match Errno::from_raw(errno).name() {
            Some(name) => ctx.line.sym(name),
            None => ctx.line.udec(u64::from(errno as u32)),
        }
    }
    if code <= 0 {
        // A code a process sends (kill, sigqueue, timers, asynchronous I/O).
        match code {
            // SI_USER, SI_TKILL
            0 | -6 => si_source(ctx.line, si),
            // SI_TIMER
            -2 => {
                ctx.line.field("si_timerid");
                ctx.line.hex(u64::from(si.u32_at(SI_TIMERID)));
                ctx.line.field("si_overrun");
                ctx.line.dec(i64::from(si.i32_at(SI_OVERRUN)));
                si_value(ctx.line, si);
            }
            // SI_SIGIO
            -5 => si_band_fd(ctx, si),
            _ => {
                si_source(ctx.line, si);
                if si.u64_at(SI_VALUE) != 0 {
                    si_value(ctx.line, si);
                }
            }
        }
        return;
    }
    let line = &mut *ctx.line;
    match Signal::from_raw(signo) {
        Signal::SIGCHLD => {
            si_source(line, si);
            line.field("si_status");
            let status = si.i32_at(SI_STATUS);
            if code == 1 {
                // CLD_EXITED: an exit status; else the signal.
                line.dec(i64::from(status));
            } else {
                signal(line, status);
            }
            line.field("si_utime");
            clock_t(line, si.u64_at(SI_UTIME));
            line.field("si_stime");
            clock_t(line, si.u64_at(SI_STIME));
        }
        Signal::SIGILL | Signal::SIGFPE | Signal::SIGTRAP => si_addr(line, si),
        Signal::SIGBUS => {
            si_addr(line, si);
            // BUS_MCEERR_AR, BUS_MCEERR_AO
            if code == 4 || code == 5 {
                line.field("si_addr_lsb");
                line.hex(u64::from(si.u16_at(SI_ADDR_LSB)));
            }
        }
        Signal::SIGSEGV => {
            si_addr(line, si);
            match code {
                // SEGV_BNDERR
                3 => {
                    line.field("si_lower");
                    line.ptr(si.u64_at(SI_LOWER));
                    line.field("si_upper");
                    line.ptr(si.u64_at(SI_UPPER));
                }
                // SEGV_PKUERR
                4 => {
                    line.field("si_pkey");
                    line.udec(u64::from(si.u32_at(SI_PKEY)));
                }
                _ => {}
            }
        }
        // POLL_IN ..= POLL_HUP
        Signal::SIGIO if (1..=6).contains(&code) => si_band_fd(ctx, si),
        Signal::SIGIO => {}
        Signal::SIGSYS => {
            line.field("si_call_addr");
            line.ptr(si.u64_at(SI_CALL_ADDR));
            line.field("si_syscall");
            let nr = si.u32_at(SI_SYSCALL);
            let arch = si.u32_at(SI_ARCH);
            let name = (x::AUDIT_ARCH.name(u64::from(arch)) == Some("AUDIT_ARCH_X86_64"))
                .then(|| Sysno::from_raw(nr))
                .flatten();
            match name {
                Some(nr) => line.text_fmt(format_args!("__NR_{}", nr.name())),
                None => line.udec(u64::from(nr)),
            }
            line.field("si_arch");
            line.xval(&x::AUDIT_ARCH, u64::from(arch));
        }
        _ => {
            if si.i32_at(SI_PID) != 0 || si.u32_at(SI_UID) != 0 {
                si_source(line, si);
            }
            if si.u64_at(SI_VALUE) != 0 {
                si_value(line, si);
            }
        }
    }
}

/// The sender: `si_pid=1, si_uid=0`.
fn si_source(line: &mut Line, si: &[u8]) {
    line.field("si_pid");
    line.dec(i64::from(si.i32_at(SI_PID)));
    line.field("si_uid");
    id(line, si.u32_at(SI_UID));
}

/// The value sent along: `si_int=1, si_ptr=0x1`.
fn si_value(line: &mut Line, si: &[u8]) {
    line.field("si_int");
    line.dec(i64::from(si.i32_at(SI_VALUE)));
    line.field("si_ptr");
    line.ptr(si.u64_at(SI_VALUE));
}

/// The faulting address.
fn si_addr(line: &mut Line, si: &[u8]) {
    line.field("si_addr");
    line.ptr(si.u64_at(SI_ADDR));
}

/// The I/O event and its descriptor.
fn si_band_fd(ctx: &mut Ctx<'_>, si: &[u8]) {
    ctx.line.field("si_band");
    ctx.line.dec(si.i64_at(SI_BAND));
    ctx.line.field("si_fd");
    ctx.fd(si.i32_at(SI_FD));
}

// ---- dispositions ----

/// `SA_RESTORER`: the flag saying that `sa_restorer` is set (and printed).
const SA_RESTORER: u64 = 0x0400_0000;

/// The size strace reads of a `struct sigaction` (the kernel's, with a mask of
/// `NSIG` bytes as strace declares it: 24 + 64).
const SIGACTION_SIZE: usize = 88;

/// A `struct sigaction` at `addr`:
/// `{sa_handler=SIG_IGN, sa_mask=[], sa_flags=SA_RESTORER, sa_restorer=0x7f...}`.
fn sigaction_at(ctx: &mut Ctx<'_>, addr: u64) {
    let mut sa = [0u8; SIGACTION_SIZE];
    if !fetch(ctx, addr, &mut sa, false) {
        return;
    }
    let (handler, flags, restorer) = (sa.u64_at(0), sa.u64_at(8), sa.u64_at(16));
    let line = &mut *ctx.line;
    line.struct_begin();
    line.field("sa_handler");
    match x::SA_HANDLER_VALUES.name(handler) {
        Some(name) => line.sym(name),
        None => line.ptr(handler),
    }
    line.field("sa_mask");
    line.sym(&sigset_text(sa.u64_at(24), NSIG_BYTES as usize));
    line.field("sa_flags");
    line.flags(&x::SIGACT_FLAGS, flags);
    if flags & SA_RESTORER != 0 {
        line.field("sa_restorer");
        line.ptr(restorer);
    }
    line.struct_end();
}

/// `rt_sigaction(sig, act, oldact, sigsetsize)`: the old action is known at exit.
fn rt_sigaction(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        ctx.line.arg();
        signal(ctx.line, ctx.int(0));
        ctx.line.arg();
        sigaction_at(ctx, ctx.args[1]);
        return Step::Exit;
    }
    ctx.line.arg();
    sigaction_at(ctx, ctx.args[2]);
    ctx.arg_ulong(3);
    Step::Done(Ret::Dec)
}

// ---- masks ----

/// `rt_sigprocmask(how, set, oldset, sigsetsize)`.
fn rt_sigprocmask(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        ctx.arg_xval(0, &x::SIGPROCMASKCMDS);
        ctx.line.arg();
        sigset(ctx, ctx.args[1], ctx.args[3], NSIG_BYTES);
        return Step::Exit;
    }
    ctx.line.arg();
    sigset(ctx, ctx.args[2], ctx.args[3], NSIG_BYTES);
    ctx.arg_ulong(3);
    Step::Done(Ret::Dec)
}

/// `rt_sigpending(set, sigsetsize)`: any size up to the kernel's is accepted.
fn rt_sigpending(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        return Step::Exit;
    }
    ctx.line.arg();
    sigset(ctx, ctx.args[0], ctx.args[1], 1);
    ctx.arg_ulong(1);
    Step::Done(Ret::Dec)
}

/// `rt_sigsuspend(mask, sigsetsize)`.
fn rt_sigsuspend(ctx: &mut Ctx<'_>) -> Step {
    ctx.line.arg();
    sigset(ctx, ctx.args[0], ctx.args[1], NSIG_BYTES);
    ctx.arg_ulong(1);
    Step::Done(Ret::Dec)
}

/// Where `uc_sigmask` lies from the stack pointer at `rt_sigreturn`'s entry. The
/// signal frame starts with the handler's return address, then the `ucontext_t`, whose
/// mask follows `uc_flags` (8), `uc_link` (8), `uc_stack` (24) and `uc_mcontext`
/// (256); the handler's `ret` has popped the return address, so the stack pointer is
/// the `ucontext_t`'s address.
const SIGMASK_FROM_SP: u64 = 8 + 8 + 24 + 256;

/// `rt_sigreturn()`: the mask being restored, read from the signal frame on the
/// stack: `rt_sigreturn({mask=[USR2]})`.
fn rt_sigreturn(ctx: &mut Ctx<'_>) -> Step {
    let Some(sp) = stack_pointer(ctx.tid) else {
        return Step::Done(Ret::Dec);
    };
    ctx.line.arg();
    ctx.line.struct_begin();
    ctx.line.field("mask");
    let addr = sp.wrapping_add(SIGMASK_FROM_SP);
    sigset(ctx, addr, NSIG_BYTES, NSIG_BYTES);
    ctx.line.struct_end();
    Step::Done(Ret::Dec)
}

/// The stack pointer of stopped thread `tid` at a system call's entry, from
/// `/proc/TID/syscall` (`NR ARG1 ... ARG6 SP PC`).
///
/// Interim: `PTRACE_GET_SYSCALL_INFO`, which the engine calls at every stop, reports
/// the stack pointer too; once [`Ctx`] carries it, this read goes.
fn stack_pointer(tid: i32) -> Option<u64> {
    use sysbridge::fs::{Mode, OFlags};
    let path = format!("/proc/{tid}/syscall");
    let file = sysbridge::fs::open(
        path.as_str(),
        OFlags::RDONLY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .ok()?;
    let mut buf = [0u8; 256];
    let n = sysbridge::io::read(&file, &mut buf).ok()?;
    parse_stack_pointer(&buf[..n])
}

/// The seventh word of a `/proc/TID/syscall` line taken at a system call.
fn parse_stack_pointer(text: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(text).ok()?;
    let mut words = text.split_whitespace();
    let nr: i64 = words.next()?.parse().ok()?;
    if nr < 0 {
        return None;
    }
    let sp = words.nth(6)?;
    u64::from_str_radix(sp.strip_prefix("0x")?, 16).ok()
}

/// `sigaltstack(ss, old_ss)`: the old stack is known at exit.
fn sigaltstack(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        ctx.line.arg();
        stack_t_at(ctx, ctx.args[0]);
        return Step::Exit;
    }
    ctx.line.arg();
    stack_t_at(ctx, ctx.args[1]);
    Step::Done(Ret::Dec)
}

/// A `stack_t` at `addr`: `{ss_sp=0x..., ss_flags=SS_ONSTACK, ss_size=8192}`.
fn stack_t_at(ctx: &mut Ctx<'_>, addr: u64) {
    let mut ss = [0u8; 24];
    if !fetch(ctx, addr, &mut ss, false) {
        return;
    }
    let line = &mut *ctx.line;
    line.struct_begin();
    line.field("ss_sp");
    line.ptr(ss.u64_at(0));
    line.field("ss_flags");
    line.flags(&x::SIGALTSTACK_FLAGS, u64::from(ss.u32_at(8)));
    line.field("ss_size");
    line.udec(ss.u64_at(16));
    line.struct_end();
}

// ---- waiting ----

/// `rt_sigtimedwait(set, info, timeout, sigsetsize)`: the signal taken is returned,
/// with its name (`= 10 (SIGUSR1)`), and its information written to `info`.
///
/// With no `info` to print at exit (NULL, or `-e verbose=`), strace prints every
/// argument at entry; here the size waits for the exit, since a decoder that prints
/// everything at entry cannot name the returned signal.
fn rt_sigtimedwait(ctx: &mut Ctx<'_>) -> Step {
    let info_at_exit = ctx.args[1] != 0 && ctx.verbose;
    if ctx.entering() {
        ctx.line.arg();
        sigset(ctx, ctx.args[0], ctx.args[3], NSIG_BYTES);
        if !info_at_exit {
            ctx.arg_ptr(1);
            ctx.line.arg();
            super::time::timespec_arg(ctx, ctx.args[2], true);
        }
        return Step::Exit;
    }
    if info_at_exit {
        ctx.line.arg();
        siginfo_at(ctx, ctx.args[1]);
        // The timeout as it was at entry: the kernel does not write it.
        ctx.line.arg();
        super::time::timespec_arg(ctx, ctx.args[2], true);
    }
    ctx.arg_ulong(3);
    if !ctx.failed() && ctx.rval != 0 {
        let sig = Signal::from_raw(ctx.rval as i32);
        if sig.is_valid() && i64::from(sig.raw()) == ctx.rval {
            return Step::Done(Ret::DecWith(sig.to_string()));
        }
    }
    Step::Done(Ret::Dec)
}

// ---- sending ----

/// `kill(pid, sig)`, `tkill(tid, sig)`.
fn kill(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_int(0);
    ctx.line.arg();
    signal(ctx.line, ctx.int(1));
    Step::Done(Ret::Dec)
}

/// `tgkill(tgid, tid, sig)`.
fn tgkill(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_int(0);
    ctx.arg_int(1);
    ctx.line.arg();
    signal(ctx.line, ctx.int(2));
    Step::Done(Ret::Dec)
}

/// The signal and `siginfo_t` arguments `sig` and `sig + 1` of the queueing calls.
fn sig_and_info(ctx: &mut Ctx<'_>, sig: usize) {
    ctx.line.arg();
    signal(ctx.line, ctx.int(sig));
    ctx.line.arg();
    siginfo_at(ctx, ctx.args[sig + 1]);
}

/// `rt_sigqueueinfo(tgid, sig, info)`.
fn rt_sigqueueinfo(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_int(0);
    sig_and_info(ctx, 1);
    Step::Done(Ret::Dec)
}

/// `rt_tgsigqueueinfo(tgid, tid, sig, info)`.
fn rt_tgsigqueueinfo(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_int(0);
    ctx.arg_int(1);
    sig_and_info(ctx, 2);
    Step::Done(Ret::Dec)
}

/// `pidfd_send_signal(pidfd, sig, info, flags)`.
fn pidfd_send_signal(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    sig_and_info(ctx, 1);
    ctx.line.arg();
    ctx.line.hex(u64::from(ctx.args[3] as u32));
    Step::Done(Ret::Dec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::DecodeOpts;
    use crate::mem::Mem;
    use crate::options::{FdPaths, HexStrings};

    /// How one call is decoded in a test: its registers, and at exit its result.
    struct Call {
        args: [u64; 6],
        verbose: bool,
        rval: i64,
        error: Option<Errno>,
    }

    /// Decodes `call` with `decoder`, reading this process's memory, both phases;
    /// returns the text and the form of the return value.
    fn decode(decoder: Decoder, call: &Call) -> (String, Ret) {
        let mut line = Line::new(true);
        let mut mem = Mem::default();
        let opts = DecodeOpts {
            strsize: 32,
            hex: HexStrings::Escaped,
            fd_paths: FdPaths::No,
        };
        let mut scratch = Vec::new();
        let mut saved = 0;
        let mut text = String::new();
        let mut step = Step::Exit;
        for exiting in [false, true] {
            let mut ctx = Ctx {
                tid: sysbridge::process::getpid().as_raw(),
                nr: 0,
                args: call.args,
                nargs: 6,
                exiting,
                rval: call.rval,
                error: call.error,
                saved: &mut saved,
                abbrev: true,
                verbose: call.verbose,
                line: &mut line,
                mem: &mut mem,
                opts: &opts,
                scratch: &mut scratch,
            };
            step = decoder(&mut ctx);
            if step == Step::Exit && !exiting {
                line.end_entry_phase();
            }
            text.push_str(&line.text);
            line.text.clear();
            if let Step::Done(_) = step {
                break;
            }
        }
        let ret = match step {
            Step::Done(ret) => ret,
            Step::Exit => Ret::Dec,
        };
        (text, ret)
    }

    fn addr<T>(v: &T) -> u64 {
        std::ptr::from_ref(v) as u64
    }

    fn ok(args: [u64; 6], rval: i64) -> Call {
        Call {
            args,
            verbose: true,
            rval,
            error: None,
        }
    }

    #[test]
    fn sigaction_prints_like_strace() {
        let mut act = [0u64; 11];
        act[0] = 0x1234;
        act[1] = 0x0400_0000 | 0x1000_0000 | 4 | 0x400;
        act[2] = 0x5678;
        act[3] = 1 << 9 | 1 << 16;
        let old = [1u64, 0x100, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let (text, ret) = decode(rt_sigaction, &ok([10, addr(&act), addr(&old), 8, 0, 0], 0));
        assert_eq!(
            text,
            "SIGUSR1, {sa_handler=0x1234, sa_mask=[USR1 CHLD], \
             sa_flags=SA_RESTORER|SA_RESTART|SA_SIGINFO|0x400, sa_restorer=0x5678}, \
             {sa_handler=SIG_IGN, sa_mask=[], sa_flags=0x100 /* SA_??? */}, 8"
        );
        assert_eq!(ret, Ret::Dec);
        // After a failure the old action is an address; with `-e verbose=` both are.
        let failed = Call {
            error: Some(Errno::EINVAL),
            ..ok([99, 0, addr(&old), 4, 0, 0], -22)
        };
        let (text, _) = decode(rt_sigaction, &failed);
        assert_eq!(text, format!("99, NULL, {:#x}, 4", addr(&old)));
        let quiet = Call {
            verbose: false,
            ..ok([10, addr(&act), 0, 8, 0, 0], 0)
        };
        let (text, _) = decode(rt_sigaction, &quiet);
        assert_eq!(text, format!("SIGUSR1, {:#x}, NULL, 8", addr(&act)));
    }

    #[test]
    fn sigtimedwait_names_the_signal_taken() {
        let set = 1u64 << 11;
        let mut si = [0u8; SIGINFO_SIZE];
        si[0..4].copy_from_slice(&12i32.to_ne_bytes());
        si[16..20].copy_from_slice(&42i32.to_ne_bytes());
        let ts = [0i64, -1];
        let (text, ret) = decode(
            rt_sigtimedwait,
            &ok([addr(&set), addr(&si), addr(&ts), 8, 0, 0], 12),
        );
        assert_eq!(
            text,
            "[USR2], {si_signo=SIGUSR2, si_code=SI_USER, si_pid=42, si_uid=0}, \
             {tv_sec=0, tv_nsec=18446744073709551615}, 8"
        );
        assert_eq!(ret, Ret::DecWith("SIGUSR2".into()));
        let (text, _) = decode(rt_sigtimedwait, &ok([addr(&set), 0, 0, 8, 0, 0], 12));
        assert_eq!(text, "[USR2], NULL, NULL, 8");
    }

    #[test]
    fn siginfo_of_a_child_counts_seconds() {
        let mut si = [0u8; SIGINFO_SIZE];
        si[0..4].copy_from_slice(&17i32.to_ne_bytes());
        si[8..12].copy_from_slice(&2i32.to_ne_bytes());
        si[24..28].copy_from_slice(&9i32.to_ne_bytes());
        si[32..40].copy_from_slice(&250u64.to_ne_bytes());
        let (text, _) = decode(rt_sigqueueinfo, &ok([1, 10, addr(&si), 0, 0, 0], 0));
        assert_eq!(
            text,
            "1, SIGUSR1, {si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=0, si_uid=0, \
             si_status=SIGKILL, si_utime=250 /* 2.50 s */, si_stime=0}"
        );
        let empty = [0u8; SIGINFO_SIZE];
        let (text, _) = decode(rt_sigqueueinfo, &ok([1, 65, addr(&empty), 0, 0, 0], 0));
        assert_eq!(text, "1, 65, {}");
    }

    /// Every decoder of this family and of the time family, on registers of every
    /// kind (NULL, small, unmapped, huge, pointing at random bytes), at entry and exit,
    /// failed or not: never a panic, and always some text.
    #[test]
    fn garbage_never_panics() {
        let mut noise = vec![0u8; 4096];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for b in &mut noise {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            *b = seed as u8;
        }
        let near_end = noise.as_ptr() as u64 + 4090;
        let values = [
            0,
            1,
            8,
            u64::MAX,
            0x8000_0000_0000_0000,
            noise.as_ptr() as u64,
            near_end,
            0xffff_ffff,
        ];
        let decoders: Vec<Decoder> = Sysno::all()
            .filter_map(|nr| lookup(nr).or_else(|| super::super::time::lookup(nr)))
            .collect();
        assert!(decoders.len() >= 30, "{}", decoders.len());
        for (k, decoder) in decoders.iter().enumerate() {
            for (i, &v) in values.iter().enumerate() {
                let args =
                    std::array::from_fn(|j| values[(i + j * (k + 1)) % values.len()] ^ (v & 1));
                for error in [None, Some(Errno::EFAULT), Some(Errno::from_raw(516))] {
                    for verbose in [true, false] {
                        let call = Call {
                            args,
                            verbose,
                            rval: if error.is_some() { -14 } else { v as i64 },
                            error,
                        };
                        let _ = decode(*decoder, &call);
                    }
                }
            }
        }
    }

    #[test]
    fn the_stack_pointer_is_the_seventh_word() {
        let line = b"15 0x0 0x0 0x0 0x0 0x0 0x0 0x7ffd1234 0x7f0011223344\n";
        assert_eq!(parse_stack_pointer(line), Some(0x7ffd_1234));
        assert_eq!(parse_stack_pointer(b"running\n"), None);
        assert_eq!(parse_stack_pointer(b"-1 0x7ffd1234 0x7f00\n"), None);
        assert_eq!(parse_stack_pointer(b"15 0x0"), None);
        assert_eq!(parse_stack_pointer(&[0xff, 0xfe]), None);
    }

    #[test]
    fn the_mask_lies_296_bytes_above_the_stack_pointer() {
        assert_eq!(SIGMASK_FROM_SP, 296);
    }

    #[test]
    fn codes_are_named_generic_first() {
        assert_eq!(si_code_name(0, 10), Some("SI_USER"));
        assert_eq!(si_code_name(-6, 10), Some("SI_TKILL"));
        assert_eq!(si_code_name(1, 17), Some("CLD_EXITED"));
        assert_eq!(si_code_name(1, 11), Some("SEGV_MAPERR"));
        // strace knows no code of SIGPROF's own.
        assert_eq!(si_code_name(1, 27), None);
        assert_eq!(si_code_name(1, 10), None);
        assert_eq!(si_code_name(0x80, 11), Some("SI_KERNEL"));
    }
}
