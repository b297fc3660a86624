//! Signals: dispositions, masks, delivery and waiting, alternate stacks.

use sysbridge::Sysno;
use sysbridge::signal::Signal;

use super::siginfo::siginfo_at;
use super::types::{NSIG_BYTES, signal, sigset_text};
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
        Sysno::restart_syscall => restart_syscall,
        _ => return None,
    })
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
    if !ctx.fetch_or_addr(addr, &mut sa) {
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
        ctx.sigset_at(ctx.args[1], ctx.args[3], NSIG_BYTES);
        return Step::Exit;
    }
    ctx.line.arg();
    ctx.sigset_at(ctx.args[2], ctx.args[3], NSIG_BYTES);
    ctx.arg_ulong(3);
    Step::Done(Ret::Dec)
}

/// `rt_sigpending(set, sigsetsize)`: any size up to the kernel's is accepted.
fn rt_sigpending(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        return Step::Exit;
    }
    ctx.line.arg();
    ctx.sigset_at(ctx.args[0], ctx.args[1], 1);
    ctx.arg_ulong(1);
    Step::Done(Ret::Dec)
}

/// `rt_sigsuspend(mask, sigsetsize)`.
fn rt_sigsuspend(ctx: &mut Ctx<'_>) -> Step {
    ctx.line.arg();
    ctx.sigset_at(ctx.args[0], ctx.args[1], NSIG_BYTES);
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
    ctx.line.arg();
    ctx.line.struct_begin();
    ctx.line.field("mask");
    let addr = ctx.sp.wrapping_add(SIGMASK_FROM_SP);
    ctx.sigset_at(addr, NSIG_BYTES, NSIG_BYTES);
    ctx.line.struct_end();
    Step::Done(Ret::Dec)
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
    if !ctx.fetch_or_addr(addr, &mut ss) {
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
fn rt_sigtimedwait(ctx: &mut Ctx<'_>) -> Step {
    let info_at_exit = ctx.args[1] != 0 && ctx.verbose;
    if ctx.entering() {
        ctx.line.arg();
        ctx.sigset_at(ctx.args[0], ctx.args[3], NSIG_BYTES);
        if info_at_exit {
            return Step::Exit;
        }
        ctx.arg_ptr(1);
        ctx.line.arg();
        ctx.timespec_at_despite_error(ctx.args[2]);
        ctx.arg_ulong(3);
        return Step::Result;
    }
    if info_at_exit {
        ctx.line.arg();
        siginfo_at(ctx, ctx.args[1]);
        // The timeout as it was at entry: the kernel does not write it.
        ctx.line.arg();
        ctx.timespec_at_despite_error(ctx.args[2]);
        ctx.arg_ulong(3);
    }
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

/// `restart_syscall()`, which the kernel makes to resume a sleep a signal
/// interrupted: `restart_syscall(<... resuming interrupted clock_nanosleep ...>)`,
/// naming the thread's last call printed.
fn restart_syscall(ctx: &mut Ctx<'_>) -> Step {
    let name = ctx
        .prev_nr
        .and_then(|nr| u32::try_from(nr).ok())
        .and_then(Sysno::from_raw)
        .map_or("system call", Sysno::name);
    ctx.line.arg();
    ctx.line
        .text_fmt(format_args!("<... resuming interrupted {name} ...>"));
    Step::Done(Ret::Dec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::siginfo::SIGINFO_SIZE;
    use crate::decode::testing::{Call, addr, decode, ok};
    use sysbridge::Errno;

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
}
