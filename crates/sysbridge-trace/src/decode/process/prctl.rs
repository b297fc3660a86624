//! `prctl` (every option strace decodes, with its argument shapes) and `arch_prctl`.
//!
//! Some options are fully printed at entry yet need the exit to name the result
//! (`prctl(PR_GET_DUMPABLE) = 1 (SUID_DUMP_USER)`): their entry says
//! [`Step::Result`].

use sysbridge::Sysno;

use super::util::cstr_upto;
use crate::decode::line::{Xlat, write_flags, write_hex};
use crate::decode::types::signal;
use crate::decode::xlat_generated as x;
use crate::decode::{Ctx, Decoder, Ret, Step};
use crate::mem::Fields;

/// The decoder this file has for `nr`, if any.
pub(super) fn lookup(nr: Sysno) -> Option<Decoder> {
    Some(match nr {
        Sysno::prctl => prctl,
        Sysno::arch_prctl => arch_prctl,
        _ => return None,
    })
}

/// Flag names for a return value's comment, as strace's "auxstr" flags: the names,
/// and leftover bits in hex after them; `None` when no name applies.
fn aux_flags(table: &Xlat, v: u64) -> Option<String> {
    if v == 0 {
        return table.name(0).map(str::to_string);
    }
    let known = table
        .entries
        .iter()
        .any(|&(bits, _)| bits != 0 && v & bits == bits);
    if !known {
        return None;
    }
    let mut out = String::new();
    write_flags(&mut out, table, v);
    Some(out)
}

/// Flags in strace's verbose style: the value, then the names in a comment
/// (`0x3 /* XFEATURE_MASK_FPSSE */`), or the unknown comment.
fn verbose_flags(table: &Xlat, v: u64) -> String {
    let mut out = String::new();
    write_hex(&mut out, v);
    if v == 0 {
        return out;
    }
    out.push_str(" /* ");
    match aux_flags(table, v) {
        Some(names) => out.push_str(&names),
        None => out.push_str(table.unknown.unwrap_or("")),
    }
    out.push_str(" */");
    out
}

/// Arguments `from..5` in hex (strace's `print_prctl_args`).
fn hex_args(ctx: &mut Ctx<'_>, from: usize) {
    for i in from..5 {
        ctx.arg_hex(i);
    }
}

// Option numbers, from <linux/prctl.h>.
const PR_SET_PDEATHSIG: u32 = 1;
const PR_GET_PDEATHSIG: u32 = 2;
const PR_GET_DUMPABLE: u32 = 3;
const PR_SET_DUMPABLE: u32 = 4;
const PR_GET_UNALIGN: u32 = 5;
const PR_SET_UNALIGN: u32 = 6;
const PR_GET_KEEPCAPS: u32 = 7;
const PR_SET_KEEPCAPS: u32 = 8;
const PR_GET_FPEMU: u32 = 9;
const PR_SET_FPEMU: u32 = 10;
const PR_GET_FPEXC: u32 = 11;
const PR_SET_FPEXC: u32 = 12;
const PR_GET_TIMING: u32 = 13;
const PR_SET_TIMING: u32 = 14;
const PR_SET_NAME: u32 = 15;
const PR_GET_NAME: u32 = 16;
const PR_GET_ENDIAN: u32 = 19;
const PR_SET_ENDIAN: u32 = 20;
const PR_GET_SECCOMP: u32 = 21;
const PR_SET_SECCOMP: u32 = 22;
const PR_CAPBSET_READ: u32 = 23;
const PR_CAPBSET_DROP: u32 = 24;
const PR_GET_TSC: u32 = 25;
const PR_SET_TSC: u32 = 26;
const PR_GET_SECUREBITS: u32 = 27;
const PR_SET_SECUREBITS: u32 = 28;
const PR_SET_TIMERSLACK: u32 = 29;
const PR_GET_TIMERSLACK: u32 = 30;
const PR_TASK_PERF_EVENTS_DISABLE: u32 = 31;
const PR_TASK_PERF_EVENTS_ENABLE: u32 = 32;
const PR_MCE_KILL: u32 = 33;
const PR_MCE_KILL_GET: u32 = 34;
const PR_SET_MM: u32 = 35;
const PR_SET_CHILD_SUBREAPER: u32 = 36;
const PR_GET_CHILD_SUBREAPER: u32 = 37;
const PR_SET_NO_NEW_PRIVS: u32 = 38;
const PR_GET_TID_ADDRESS: u32 = 40;
const PR_SET_THP_DISABLE: u32 = 41;
const PR_SET_FP_MODE: u32 = 45;
const PR_GET_FP_MODE: u32 = 46;
const PR_CAP_AMBIENT: u32 = 47;
const PR_GET_SPECULATION_CTRL: u32 = 52;
const PR_SET_SPECULATION_CTRL: u32 = 53;
const PR_GET_TAGGED_ADDR_CTRL: u32 = 56;
const PR_SET_IO_FLUSHER: u32 = 57;
const PR_SET_SYSCALL_USER_DISPATCH: u32 = 59;
const PR_PAC_SET_ENABLED_KEYS: u32 = 60;
const PR_PAC_GET_ENABLED_KEYS: u32 = 61;
const PR_SCHED_CORE: u32 = 62;
const PR_SET_VMA: u32 = 0x5356_4d41;
const PR_SET_PTRACER: u32 = 0x5961_6d61;

/// The longest task name, with its NUL.
const TASK_COMM_LEN: u64 = 16;

/// `prctl(option, arg2, arg3, arg4, arg5)`.
fn prctl(ctx: &mut Ctx<'_>) -> Step {
    let option = ctx.args[0] as u32;
    let (arg2, arg3) = (ctx.args[1], ctx.args[2]);
    let entering = ctx.entering();
    match option {
        PR_GET_KEEPCAPS
        | PR_GET_SECCOMP
        | PR_GET_TIMERSLACK
        | PR_GET_TIMING
        | PR_TASK_PERF_EVENTS_DISABLE
        | PR_TASK_PERF_EVENTS_ENABLE => {
            ctx.arg_xval(0, &x::PRCTL_OPTIONS);
            Step::Done(Ret::Dec)
        }
        PR_GET_CHILD_SUBREAPER | PR_GET_ENDIAN | PR_GET_FPEMU | PR_GET_FPEXC => {
            if entering {
                ctx.arg_xval(0, &x::PRCTL_OPTIONS);
                return Step::Exit;
            }
            ctx.line.arg();
            ctx.num_u32_at(arg2);
            Step::Done(Ret::Dec)
        }
        PR_GET_DUMPABLE | PR_GET_SECUREBITS | PR_GET_FP_MODE => {
            if entering {
                ctx.arg_xval(0, &x::PRCTL_OPTIONS);
                return Step::Result;
            }
            if ctx.failed() {
                return Step::Done(Ret::Dec);
            }
            let v = ctx.rval as u64;
            if option == PR_GET_DUMPABLE {
                return Step::Done(match x::PR_DUMPABLE.name(v) {
                    Some(name) => Ret::DecWith(name.to_string()),
                    None => Ret::Dec,
                });
            }
            let table = if option == PR_GET_SECUREBITS {
                &x::SECBITS
            } else {
                &x::PR_FP_MODE
            };
            if v == 0 {
                return Step::Done(Ret::Dec);
            }
            Step::Done(match aux_flags(table, v) {
                Some(text) => Ret::HexWith(text),
                None => Ret::Hex,
            })
        }
        PR_GET_NAME => {
            if entering {
                ctx.arg_xval(0, &x::PRCTL_OPTIONS);
                return Step::Exit;
            }
            ctx.line.arg();
            if ctx.failed() {
                ctx.line.ptr(arg2);
            } else {
                cstr_upto(ctx, arg2, TASK_COMM_LEN);
            }
            Step::Done(Ret::Dec)
        }
        PR_GET_PDEATHSIG | PR_GET_TSC | PR_GET_UNALIGN => {
            if entering {
                ctx.arg_xval(0, &x::PRCTL_OPTIONS);
                return Step::Exit;
            }
            ctx.line.arg();
            let mut b = [0u8; 4];
            if ctx.fetch_or_addr(arg2, &mut b) {
                let v = b.u32_at(0);
                ctx.indirect(|ctx| match option {
                    PR_GET_PDEATHSIG => signal(ctx.line, v as i32),
                    PR_GET_TSC => ctx.line.xval(&x::PR_TSC, u64::from(v)),
                    _ => ctx.line.flags(&x::PR_UNALIGN_FLAGS, u64::from(v)),
                });
            }
            Step::Done(Ret::Dec)
        }
        PR_GET_TID_ADDRESS => {
            if entering {
                ctx.arg_xval(0, &x::PRCTL_OPTIONS);
                return Step::Exit;
            }
            ctx.line.arg();
            ctx.num_ptr_at(arg2);
            Step::Done(Ret::Dec)
        }
        PR_GET_SPECULATION_CTRL => {
            if entering {
                ctx.arg_xval(0, &x::PRCTL_OPTIONS);
                return Step::Exit;
            }
            ctx.arg_xval64(1, &x::PR_SPEC_CMDS);
            if ctx.failed() || arg2 > 2 {
                return Step::Done(Ret::Dec);
            }
            Step::Done(match aux_flags(&x::PR_SPEC_GET_FLAGS, ctx.rval as u64) {
                Some(text) => Ret::HexWith(text),
                None => Ret::Hex,
            })
        }
        PR_MCE_KILL_GET | PR_GET_TAGGED_ADDR_CTRL | PR_PAC_GET_ENABLED_KEYS => {
            if entering {
                ctx.arg_xval(0, &x::PRCTL_OPTIONS);
                for i in 1..5 {
                    ctx.arg_hex(i);
                }
                return Step::Result;
            }
            if ctx.failed() || option != PR_MCE_KILL_GET {
                return Step::Done(Ret::Dec);
            }
            Step::Done(match x::PR_MCE_KILL_POLICY.name(ctx.rval as u64) {
                Some(name) => Ret::DecWith(name.to_string()),
                None => Ret::Dec,
            })
        }
        _ => {
            if entering {
                ctx.arg_xval(0, &x::PRCTL_OPTIONS);
            }
            prctl_set(ctx, option, arg2, arg3)
        }
    }
}

/// The options printed wholly at entry.
fn prctl_set(ctx: &mut Ctx<'_>, option: u32, arg2: u64, arg3: u64) -> Step {
    match option {
        PR_SET_CHILD_SUBREAPER
        | PR_SET_ENDIAN
        | PR_SET_FPEMU
        | PR_SET_FPEXC
        | PR_SET_KEEPCAPS
        | PR_SET_TIMING => ctx.arg_ulong(1),
        PR_SET_DUMPABLE => ctx.arg_xval64(1, &x::PR_DUMPABLE),
        PR_CAPBSET_DROP | PR_CAPBSET_READ => ctx.arg_xval64(1, &x::CAPABILITIES),
        PR_CAP_AMBIENT => {
            ctx.arg_xval64(1, &x::PR_CAP_AMBIENT);
            // IS_SET, RAISE, LOWER take a capability.
            if (1..=3).contains(&arg2) {
                ctx.arg_xval64(2, &x::CAPABILITIES);
                hex_args(ctx, 3);
            } else {
                hex_args(ctx, 2);
            }
        }
        PR_MCE_KILL => {
            ctx.arg_xval64(1, &x::PR_MCE_KILL);
            if arg2 == 1 {
                ctx.arg_xval64(2, &x::PR_MCE_KILL_POLICY);
            } else {
                ctx.arg_hex(2);
            }
            hex_args(ctx, 3);
        }
        PR_SET_NAME => {
            ctx.line.arg();
            cstr_upto(ctx, arg2, TASK_COMM_LEN - 1);
        }
        PR_SET_VMA => {
            ctx.arg_xval64(1, &x::PR_SET_VMA);
            if arg2 == 0 {
                ctx.arg_ptr(2);
                ctx.arg_ulong(3);
                ctx.arg_cstr(4);
            } else {
                hex_args(ctx, 2);
            }
        }
        PR_SET_MM => {
            ctx.arg_xval(1, &x::PR_SET_MM);
            hex_args(ctx, 2);
        }
        PR_SET_PDEATHSIG => {
            ctx.line.arg();
            if arg2 > 128 {
                ctx.line.udec(arg2);
            } else {
                signal(ctx.line, arg2 as i32);
            }
        }
        PR_SET_PTRACER => {
            ctx.line.arg();
            if arg2 as i32 == -1 {
                ctx.line.sym("PR_SET_PTRACER_ANY");
            } else {
                ctx.line.dec(i64::from(arg2 as i32));
            }
        }
        PR_SET_SECCOMP => {
            ctx.arg_xval64(1, &x::SECCOMP_MODE);
            match arg2 {
                1 => {}
                2 => {
                    ctx.line.arg();
                    super::misc::sock_fprog(ctx, arg3);
                }
                _ => hex_args(ctx, 2),
            }
        }
        PR_SET_SECUREBITS => ctx.arg_flags64(1, &x::SECBITS),
        PR_SET_TIMERSLACK => ctx.arg_long(1),
        PR_SET_TSC => ctx.arg_xval(1, &x::PR_TSC),
        PR_SET_UNALIGN => ctx.arg_flags(1, &x::PR_UNALIGN_FLAGS),
        PR_SET_NO_NEW_PRIVS | PR_SET_THP_DISABLE | PR_SET_IO_FLUSHER => {
            ctx.arg_ulong(1);
            hex_args(ctx, 2);
        }
        PR_SET_FP_MODE => ctx.arg_flags(1, &x::PR_FP_MODE),
        PR_SET_SPECULATION_CTRL => {
            ctx.arg_xval64(1, &x::PR_SPEC_CMDS);
            if arg2 <= 2 {
                ctx.arg_xval64(2, &x::PR_SPEC_SET_FLAGS);
            } else {
                ctx.arg_hex(2);
            }
        }
        PR_SET_SYSCALL_USER_DISPATCH => {
            ctx.arg_xval64(1, &x::PR_SUD_CMDS);
            ctx.arg_hex(2);
            ctx.arg_hex(3);
            ctx.arg_ptr(4);
        }
        PR_PAC_SET_ENABLED_KEYS => {
            ctx.arg_hex(1);
            ctx.arg_hex(2);
            hex_args(ctx, 3);
        }
        PR_SCHED_CORE => return sched_core(ctx),
        _ => hex_args(ctx, 1),
    }
    Step::Done(Ret::Dec)
}

/// `prctl(PR_SCHED_CORE, cmd, pid, pid_type, cookie)`: the cookie is written at
/// exit by `PR_SCHED_CORE_GET`.
fn sched_core(ctx: &mut Ctx<'_>) -> Step {
    let cmd = ctx.args[1] as u32;
    if ctx.entering() {
        ctx.arg_xval(1, &x::PR_SCHED_CORE_CMDS);
        ctx.arg_int(2);
        ctx.line.arg();
        let kind = ctx.args[3] as u32;
        let mut text = String::new();
        write_hex(&mut text, u64::from(kind));
        text.push_str(" /* ");
        text.push_str(
            x::PR_SCHED_CORE_PIDTYPES
                .name(u64::from(kind))
                .unwrap_or("PIDTYPE_???"),
        );
        text.push_str(" */");
        ctx.line.sym(&text);
        if cmd == 0 {
            return Step::Exit;
        }
        ctx.arg_ptr(4);
        return Step::Done(Ret::Dec);
    }
    ctx.line.arg();
    if ctx.failed() {
        ctx.line.ptr(ctx.args[4]);
    } else {
        let mut b = [0u8; 8];
        if ctx.fetch_or_addr(ctx.args[4], &mut b) {
            ctx.indirect(|ctx| ctx.line.hex(b.u64_at(0)));
        }
    }
    Step::Done(Ret::Dec)
}

// arch_prctl codes, from <asm/prctl.h>.
const ARCH_GET_FS: u32 = 0x1003;
const ARCH_GET_GS: u32 = 0x1004;
const ARCH_GET_CPUID: u32 = 0x1011;
const ARCH_GET_XCOMP_SUPP: u32 = 0x1021;
const ARCH_GET_XCOMP_PERM: u32 = 0x1022;
const ARCH_REQ_XCOMP_PERM: u32 = 0x1023;
const ARCH_GET_XCOMP_GUEST_PERM: u32 = 0x1024;
const ARCH_REQ_XCOMP_GUEST_PERM: u32 = 0x1025;

/// `arch_prctl(code, addr)`: the address in hex for the setters, what the kernel
/// wrote there for the getters (`[0x7f...]`).
fn arch_prctl(ctx: &mut Ctx<'_>) -> Step {
    let code = ctx.args[0] as u32;
    let addr = ctx.args[1];
    match code {
        ARCH_GET_FS | ARCH_GET_GS => {
            if ctx.entering() {
                ctx.arg_xval(0, &x::ARCH_PRCTL_CODES);
                return Step::Exit;
            }
            ctx.line.arg();
            ctx.num_ptr_at(addr);
            Step::Done(Ret::Dec)
        }
        ARCH_GET_CPUID => {
            ctx.arg_xval(0, &x::ARCH_PRCTL_CODES);
            Step::Done(Ret::Dec)
        }
        ARCH_GET_XCOMP_SUPP | ARCH_GET_XCOMP_PERM | ARCH_GET_XCOMP_GUEST_PERM => {
            if ctx.entering() {
                ctx.arg_xval(0, &x::ARCH_PRCTL_CODES);
                return Step::Exit;
            }
            ctx.line.arg();
            let mut b = [0u8; 8];
            if ctx.fetch_or_addr(addr, &mut b) {
                let text = verbose_flags(&x::X86_XFEATURES, b.u64_at(0));
                ctx.indirect(|ctx| ctx.line.sym(&text));
            }
            Step::Done(Ret::Dec)
        }
        ARCH_REQ_XCOMP_PERM | ARCH_REQ_XCOMP_GUEST_PERM => {
            // The code and the feature number; the exit names the result.
            if ctx.entering() {
                ctx.arg_xval(0, &x::ARCH_PRCTL_CODES);
                ctx.line.arg();
                ctx.line.hex(addr);
                ctx.line
                    .comment(x::X86_XFEATURE_BITS.name(addr).unwrap_or("XFEATURE_???"));
                return Step::Result;
            }
            if ctx.failed() || ctx.rval <= 0 {
                return Step::Done(Ret::Dec);
            }
            Step::Done(match aux_flags(&x::X86_XFEATURES, ctx.rval as u64) {
                Some(text) => Ret::HexWith(text),
                None => Ret::Hex,
            })
        }
        _ => {
            ctx.arg_xval(0, &x::ARCH_PRCTL_CODES);
            ctx.arg_hex(1);
            Step::Done(Ret::Dec)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_flags_name_what_they_can() {
        assert_eq!(
            aux_flags(&x::SECBITS, 0x11).as_deref(),
            Some("SECBIT_NOROOT|SECBIT_KEEP_CAPS")
        );
        assert_eq!(aux_flags(&x::SECBITS, 0x100), None);
        assert_eq!(
            aux_flags(&x::PR_SPEC_GET_FLAGS, 0).as_deref(),
            Some("PR_SPEC_NOT_AFFECTED")
        );
        assert_eq!(
            aux_flags(&x::PR_SPEC_GET_FLAGS, 0x103).as_deref(),
            Some("PR_SPEC_PRCTL|PR_SPEC_ENABLE|0x100")
        );
    }
}
