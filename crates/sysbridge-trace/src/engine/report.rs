//! The text strace writes about a call's result: `= -1 ENOENT (No such file or
//! directory)`, `= ? ERESTARTSYS (...)`, `= 0x8002 (flags O_RDWR)`.

use std::fmt::Write as _;

use sysbridge::Errno;

use crate::decode::Ret;
use crate::decode::line::{write_hex, write_oct};

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
}
