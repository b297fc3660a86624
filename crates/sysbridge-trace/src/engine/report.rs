//! The text strace writes about a call's result and about signals: `= -1 ENOENT (No
//! such file or directory)`, `= ? ERESTARTSYS (...)`, and
//! `{si_signo=SIGCHLD, si_code=CLD_EXITED, ...}`.

use std::fmt::Write as _;

use sysbridge::Errno;
use sysbridge::signal::{Siginfo, Signal};

use crate::decode::Ret;
use crate::decode::line::{Line, write_hex, write_oct};
use crate::decode::xlat_generated as x;

/// Names of the error numbers only the kernel uses (a tracer sees them when a call is
/// interrupted); glibc has no message for them.
const KERNEL_ERRNO_NAMES: [(i32, &str); 19] = [
    (512, "ERESTARTSYS"),
    (513, "ERESTARTNOINTR"),
    (514, "ERESTARTNOHAND"),
    (515, "ENOIOCTLCMD"),
    (516, "ERESTART_RESTARTBLOCK"),
    (517, "EPROBE_DEFER"),
    (518, "EOPENSTALE"),
    (519, "ENOPARAM"),
    (521, "EBADHANDLE"),
    (522, "ENOTSYNC"),
    (523, "EBADCOOKIE"),
    (524, "ENOTSUPP"),
    (525, "ETOOSMALL"),
    (526, "ESERVERFAULT"),
    (527, "EBADTYPE"),
    (528, "EJUKEBOX"),
    (529, "EIOCBQUEUED"),
    (530, "ERECALLCONFLICT"),
    (531, "ENOGRACE"),
];

/// The name strace gives error number `e`, if any.
pub(crate) fn errno_name(e: Errno) -> Option<&'static str> {
    e.name().or_else(|| {
        KERNEL_ERRNO_NAMES
            .iter()
            .find(|(n, _)| *n == e.raw())
            .map(|(_, s)| *s)
    })
}

/// What strace says of the kernel's restart codes, which a tracer sees when a signal
/// interrupts a call (its result is then `?`: the call may yet be restarted).
fn restart_message(e: Errno) -> Option<&'static str> {
    match e.raw() {
        512 => Some("To be restarted if SA_RESTART is set"),
        513 => Some("To be restarted"),
        514 => Some("To be restarted if no handler"),
        516 => Some("Interrupted by signal"),
        _ => None,
    }
}

/// The explanation strace prints after error `e`'s name.
pub(crate) fn errno_message(e: Errno) -> String {
    restart_message(e).map_or_else(|| e.message().to_string(), str::to_string)
}

/// Appends `= ...` for a call that returned `rval`, or failed with `error`; `fd_note`
/// follows a returned descriptor (its `<path>` with `-y`).
pub(crate) fn result(out: &mut String, rval: i64, error: Option<Errno>, ret: &Ret, fd_note: &str) {
    if let Some(e) = error {
        match (restart_message(e), errno_name(e)) {
            (Some(why), Some(name)) => {
                let _ = write!(out, "= ? {name} ({why})");
            }
            (_, Some(name)) => {
                let _ = write!(out, "= -1 {name} ({})", e.message());
            }
            (_, None) => {
                let _ = write!(out, "= -1 (errno {})", e.raw());
            }
        }
        return;
    }
    out.push_str("= ");
    match ret {
        Ret::Dec => {
            let _ = write!(out, "{rval}");
        }
        Ret::Udec => {
            let _ = write!(out, "{}", rval as u64);
        }
        Ret::Hex => write_hex(out, rval as u64),
        Ret::Oct => write_oct(out, rval as u64),
        Ret::Fd => {
            let _ = write!(out, "{rval}");
            out.push_str(fd_note);
        }
        Ret::DecWith(aux) => {
            let _ = write!(out, "{rval} ({aux})");
        }
        Ret::HexWith(aux) => {
            write_hex(out, rval as u64);
            let _ = write!(out, " ({aux})");
        }
    }
}

/// The `si_code` name for signal `sig`: a generic code first, then the signal's own.
fn code_name(code: i32, sig: Signal) -> Option<&'static str> {
    let value = i64::from(code) as u64;
    x::SIGINFO_CODES.name(value).or_else(|| {
        let table = match sig {
            s if s == Signal::SIGCHLD => &x::SIGCHLD_CODES,
            s if s == Signal::SIGSEGV => &x::SIGSEGV_CODES,
            s if s == Signal::SIGBUS => &x::SIGBUS_CODES,
            s if s == Signal::SIGILL => &x::SIGILL_CODES,
            s if s == Signal::SIGFPE => &x::SIGFPE_CODES,
            s if s == Signal::SIGTRAP => &x::SIGTRAP_CODES,
            s if s == Signal::SIGIO => &x::SIGPOLL_CODES,
            s if s == Signal::SIGSYS => &x::SIGSYS_CODES,
            _ => return None,
        };
        table.name(value)
    })
}

/// Prints `siginfo` as strace's `printsiginfo` does.
pub(crate) fn siginfo(line: &mut Line, si: &Siginfo) {
    let sig = si.signo();
    line.struct_begin();
    line.field("si_signo");
    line.sym(&sig.to_string());
    line.field("si_code");
    match code_name(si.code(), sig) {
        Some(name) => line.sym(name),
        None => line.dec(i64::from(si.code())),
    }
    if si.errno() != 0 {
        line.field("si_errno");
        match Errno::from_raw(si.errno()).name() {
            Some(name) => line.sym(name),
            None => line.dec(i64::from(si.errno())),
        }
    }
    let source = |line: &mut Line| {
        line.field("si_pid");
        line.dec(i64::from(si.pid()));
        line.field("si_uid");
        line.udec(u64::from(si.uid()));
    };
    let value = |line: &mut Line| {
        line.field("si_int");
        line.dec(i64::from(si.value() as i32));
        line.field("si_ptr");
        line.ptr(si.value());
    };
    if si.code() <= 0 {
        // Sent by a process: kill, tgkill, sigqueue, timers, and async I/O.
        match si.code() {
            0 | -6 => source(line),
            -2 => {
                line.field("si_timerid");
                line.hex(si.timerid() as u32 as u64);
                line.field("si_overrun");
                line.dec(i64::from(si.overrun()));
                value(line);
            }
            -5 => {
                line.field("si_band");
                line.dec(si.band());
                line.field("si_fd");
                line.dec(i64::from(si.fd()));
            }
            _ => {
                source(line);
                if si.value() != 0 {
                    value(line);
                }
            }
        }
    } else if sig == Signal::SIGCHLD {
        source(line);
        line.field("si_status");
        if si.code() == 1 {
            line.dec(i64::from(si.status()));
        } else {
            line.sym(&Signal::from_raw(si.status()).to_string());
        }
        line.field("si_utime");
        line.dec(si.utime());
        line.field("si_stime");
        line.dec(si.stime());
    } else if [
        Signal::SIGILL,
        Signal::SIGFPE,
        Signal::SIGBUS,
        Signal::SIGSEGV,
        Signal::SIGTRAP,
    ]
    .contains(&sig)
    {
        line.field("si_addr");
        line.ptr(si.addr());
    } else if sig == Signal::SIGIO {
        if (1..=6).contains(&si.code()) {
            line.field("si_band");
            line.dec(si.band());
            line.field("si_fd");
            line.dec(i64::from(si.fd()));
        }
    } else if sig == Signal::SIGSYS {
        line.field("si_call_addr");
        line.ptr(si.call_addr());
        line.field("si_syscall");
        match sysbridge::Sysno::from_raw(si.syscall() as u32) {
            Some(nr) => line.text_fmt(format_args!("__NR_{}", nr.name())),
            None => line.dec(i64::from(si.syscall())),
        }
        line.field("si_arch");
        line.xval(&x::AUDIT_ARCH, u64::from(si.arch()));
    } else {
        if si.pid() != 0 || si.uid() != 0 {
            source(line);
        }
        if si.value() != 0 {
            value(line);
        }
    }
    line.struct_end();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_read_like_strace() {
        let r = |rval, error, ret: Ret| {
            let mut s = String::new();
            result(&mut s, rval, error, &ret, "");
            s
        };
        assert_eq!(r(3, None, Ret::Dec), "= 3");
        assert_eq!(
            r(-1, Some(Errno::ENOENT), Ret::Dec),
            "= -1 ENOENT (No such file or directory)"
        );
        assert_eq!(r(0x7f00, None, Ret::Hex), "= 0x7f00");
        assert_eq!(r(0o22, None, Ret::Oct), "= 022");
        assert_eq!(
            r(-1, Some(Errno::from_raw(512)), Ret::Dec),
            "= ? ERESTARTSYS (To be restarted if SA_RESTART is set)"
        );
        assert_eq!(
            r(-1, Some(Errno::from_raw(515)), Ret::Dec),
            "= -1 ENOIOCTLCMD (Unknown error 515)"
        );
        assert_eq!(
            r(-1, Some(Errno::from_raw(4000)), Ret::Dec),
            "= -1 (errno 4000)"
        );
    }

    #[test]
    fn a_child_signal_prints_its_fields() {
        let mut si = Siginfo::default();
        let bytes = si.as_mut_bytes();
        bytes[0..4].copy_from_slice(&17i32.to_ne_bytes());
        bytes[8..12].copy_from_slice(&1i32.to_ne_bytes());
        bytes[16..20].copy_from_slice(&4242i32.to_ne_bytes());
        let mut line = Line::new(false);
        siginfo(&mut line, &si);
        assert_eq!(
            line.text,
            "{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=4242, si_uid=0, si_status=0, si_utime=0, si_stime=0}"
        );
    }
}
