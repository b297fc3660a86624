//! Waiting for children: `wait4`, `waitid`.

use sysbridge::Sysno;

use super::util::rusage;
use crate::decode::siginfo::siginfo_at;

use crate::decode::line::write_hex;
use crate::decode::xlat_generated as x;
use crate::decode::{Ctx, Decoder, Ret, Step};
use crate::mem::Fields;

/// The decoder this file has for `nr`, if any.
pub(super) fn lookup(nr: Sysno) -> Option<Decoder> {
    Some(match nr {
        Sysno::wait4 => wait4,
        Sysno::waitid => waitid,
        _ => return None,
    })
}

/// A signal's name for a wait status, or its number.
fn sig_text(sig: i32) -> String {
    sysbridge::signal::Signal::from_raw(sig).to_string()
}

/// A wait status as strace writes it, between the brackets:
/// `{WIFEXITED(s) && WEXITSTATUS(s) == 0}`, `{WIFSIGNALED(s) && WTERMSIG(s) ==
/// SIGKILL}`, then any ptrace event (`|PTRACE_EVENT_EXEC<<16`) and leftover bits.
pub(super) fn status_text(status: i32) -> String {
    let mut s = status as u32;
    let low = s & 0x7f;
    let mut out = String::new();
    if s & 0xff == 0x7f {
        let sig = (s >> 8) & 0xff;
        out.push_str(&format!(
            "{{WIFSTOPPED(s) && WSTOPSIG(s) == {}{}}}",
            sig_text((sig & 0x7f) as i32),
            if sig & 0x80 != 0 { " | 0x80" } else { "" }
        ));
        s &= !(sig << 8 | 0x7f);
    } else if low != 0 && low != 0x7f {
        out.push_str(&format!(
            "{{WIFSIGNALED(s) && WTERMSIG(s) == {}{}}}",
            sig_text(low as i32),
            if s & 0x80 != 0 {
                " && WCOREDUMP(s)"
            } else {
                ""
            }
        ));
        s &= !(low | 0x80);
    } else if low == 0 {
        let code = (s >> 8) & 0xff;
        out.push_str(&format!("{{WIFEXITED(s) && WEXITSTATUS(s) == {code}}}"));
        s &= !(code << 8);
    } else if s == 0xffff {
        out.push_str("{WIFCONTINUED(s)}");
        s &= !0xffff;
    } else {
        write_hex(&mut out, u64::from(s));
        return out;
    }
    if s != 0 {
        let event = s >> 16;
        if event != 0 {
            out.push('|');
            match x::PTRACE_EVENTS.name(u64::from(event)) {
                Some(name) => out.push_str(name),
                None => {
                    write_hex(&mut out, u64::from(event));
                    out.push_str(" /* PTRACE_EVENT_??? */");
                }
            }
            out.push_str("<<16");
            s &= 0xffff;
        }
        if s != 0 {
            out.push('|');
            write_hex(&mut out, u64::from(s));
        }
    }
    out
}

/// `wait4(pid, wstatus, options, rusage)`: the status and usage at exit.
fn wait4(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        ctx.arg_int(0);
        return Step::Exit;
    }
    ctx.line.arg();
    let status_addr = ctx.args[1];
    if ctx.rval == 0 {
        ctx.line.ptr(status_addr);
    } else {
        let mut b = [0u8; 4];
        if ctx.fetch_or_addr(status_addr, &mut b) {
            let text = status_text(b.i32_at(0));
            ctx.indirect(|ctx| ctx.line.sym(&text));
        }
    }
    ctx.arg_flags(2, &x::WAIT4_OPTIONS);
    ctx.line.arg();
    if ctx.rval > 0 {
        rusage(ctx, ctx.args[3]);
    } else {
        ctx.line.ptr(ctx.args[3]);
    }
    Step::Done(Ret::Dec)
}

/// `waitid(idtype, id, infop, options, rusage)`.
fn waitid(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        ctx.arg_xval(0, &x::WAITID_TYPES);
        const P_PIDFD: u32 = 3;
        if ctx.args[0] as u32 == P_PIDFD {
            ctx.arg_fd(1);
        } else {
            ctx.arg_int(1);
        }
        return Step::Exit;
    }
    ctx.line.arg();
    siginfo_at(ctx, ctx.args[2]);
    ctx.arg_flags(3, &x::WAIT4_OPTIONS);
    ctx.line.arg();
    rusage(ctx, ctx.args[4]);
    Step::Done(Ret::Dec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_statuses_read_like_strace() {
        assert_eq!(status_text(0), "{WIFEXITED(s) && WEXITSTATUS(s) == 0}");
        assert_eq!(status_text(3 << 8), "{WIFEXITED(s) && WEXITSTATUS(s) == 3}");
        assert_eq!(status_text(9), "{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}");
        assert_eq!(
            status_text(11 | 0x80),
            "{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV && WCOREDUMP(s)}"
        );
        assert_eq!(
            status_text(19 << 8 | 0x7f),
            "{WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP}"
        );
        assert_eq!(
            status_text(0x85 << 8 | 0x7f),
            "{WIFSTOPPED(s) && WSTOPSIG(s) == SIGTRAP | 0x80}"
        );
        assert_eq!(
            status_text(4 << 16 | 5 << 8 | 0x7f),
            "{WIFSTOPPED(s) && WSTOPSIG(s) == SIGTRAP}|PTRACE_EVENT_EXEC<<16"
        );
        assert_eq!(status_text(0xffff), "{WIFCONTINUED(s)}");
    }
}
