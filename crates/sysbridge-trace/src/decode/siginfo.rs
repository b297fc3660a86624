//! `siginfo_t` as strace prints it: after `--- SIGCHLD ` in a trace, and wherever a
//! call takes or fills one (`waitid`, `rt_sigqueueinfo`, `rt_sigtimedwait`,
//! `PTRACE_GETSIGINFO`).

use sysbridge::signal::Signal;
use sysbridge::{Errno, Sysno};

use super::Ctx;
use super::line::Line;
use super::types::{clock_t, id, signal};
use super::xlat_generated as x;
use crate::mem::Fields;

/// The size of `siginfo_t`.
pub(crate) const SIGINFO_SIZE: usize = 128;

/// A `siginfo_t` at `addr`.
pub(crate) fn siginfo_at(ctx: &mut Ctx<'_>, addr: u64) {
    let mut si = [0u8; SIGINFO_SIZE];
    if ctx.fetch_or_addr(addr, &mut si) {
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
pub(crate) fn siginfo(ctx: &mut Ctx<'_>, si: &[u8]) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::testing::{addr, decode, ok};
    use crate::decode::{Ret, Step};

    fn at_arg0(ctx: &mut Ctx<'_>) -> Step {
        ctx.line.arg();
        siginfo_at(ctx, ctx.args[0]);
        Step::Done(Ret::Dec)
    }

    #[test]
    fn a_child_s_exit_prints_its_fields() {
        let mut si = [0u8; SIGINFO_SIZE];
        si[0..4].copy_from_slice(&17i32.to_ne_bytes());
        si[8..12].copy_from_slice(&1i32.to_ne_bytes());
        si[16..20].copy_from_slice(&4242i32.to_ne_bytes());
        let (text, _) = decode(at_arg0, &ok([addr(&si), 0, 0, 0, 0, 0], 0));
        assert_eq!(
            text,
            "{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=4242, si_uid=0, si_status=0, \
             si_utime=0, si_stime=0}"
        );
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
