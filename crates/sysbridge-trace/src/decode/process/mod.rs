//! Processes: exec, clone and fork, waiting, exit, identities, limits, scheduling,
//! prctl, futex, randomness.

mod clone;
mod creds;
mod futex;
mod misc;
mod prctl;
mod resource;
mod sched;
pub(in crate::decode) mod util;
mod wait;

use sysbridge::Sysno;

use super::{Ctx, Decoder, Ret, Step};
use crate::decode::xlat_generated as x;

/// The decoder this family has for `nr`, if any.
///
/// Calls strace prints with its generic printer (every argument in hex) have none:
/// the no-argument getters (`getpid`, `gettid`, `getuid`, `fork`, `sched_yield`,
/// `setsid`, …), `set_tid_address` and `rseq`.
pub(super) fn lookup(nr: Sysno) -> Option<Decoder> {
    Some(match nr {
        Sysno::execve => execve,
        Sysno::execveat => execveat,
        Sysno::exit | Sysno::exit_group => exit,
        _ => {
            return clone::lookup(nr)
                .or_else(|| wait::lookup(nr))
                .or_else(|| prctl::lookup(nr))
                .or_else(|| resource::lookup(nr))
                .or_else(|| sched::lookup(nr))
                .or_else(|| futex::lookup(nr))
                .or_else(|| creds::lookup(nr))
                .or_else(|| misc::lookup(nr));
        }
    })
}

/// `execve(path, argv, envp)`: argv as an array of strings, envp as a count unless
/// `-v` (or the arrays as addresses without `-e verbose`).
fn execve(ctx: &mut Ctx<'_>) -> Step {
    exec_args(ctx, 0);
    Step::Done(Ret::Dec)
}

/// `execveat(dirfd, path, argv, envp, flags)`.
fn execveat(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_dirfd(0);
    exec_args(ctx, 1);
    ctx.arg_flags(4, &x::AT_FLAGS);
    Step::Done(Ret::Dec)
}

fn exec_args(ctx: &mut Ctx<'_>, first: usize) {
    ctx.arg_path(first);
    ctx.line.arg();
    string_array(ctx, ctx.args[first + 1]);
    ctx.line.arg();
    if ctx.abbrev {
        array_count(ctx, ctx.args[first + 2]);
    } else {
        string_array(ctx, ctx.args[first + 2]);
    }
}

/// A NULL-terminated array of string pointers: `["ls", "-l"]`, cut after `-s`
/// elements when abbreviated; an unreadable tail ends with `..., /* 0x... */`.
fn string_array(ctx: &mut Ctx<'_>, addr: u64) {
    if addr == 0 || !ctx.verbose {
        ctx.line.ptr(addr);
        return;
    }
    let mut at = addr;
    let mut n = 0usize;
    loop {
        let Some(ptr) = ctx.read_u64(at) else {
            if n == 0 {
                ctx.line.hex(addr);
                return;
            }
            ctx.line.more();
            ctx.line.comment(&format!("{at:#x}"));
            break;
        };
        if n == 0 {
            ctx.line.array_begin();
        }
        if ptr == 0 {
            break;
        }
        if ctx.abbrev && n >= ctx.opts.strsize {
            ctx.line.more();
            break;
        }
        ctx.line.elem();
        ctx.cstr(ptr);
        n += 1;
        at = at.wrapping_add(8);
    }
    ctx.line.array_end();
}

/// The address of a NULL-terminated array, with a comment counting its entries:
/// `0x7ffd... /* 35 vars */`.
fn array_count(ctx: &mut Ctx<'_>, addr: u64) {
    ctx.line.ptr(addr);
    if addr == 0 || !ctx.verbose {
        return;
    }
    let mut n = 0u64;
    let mut at = addr;
    loop {
        match ctx.read_u64(at) {
            Some(0) => break,
            Some(_) => n += 1,
            None if n == 0 => return,
            None => break,
        }
        at = at.wrapping_add(8);
    }
    let plural = if n == 1 { "" } else { "s" };
    ctx.line.comment(&format!("{n} var{plural}"));
}

/// `exit(status)`, `exit_group(status)`.
fn exit(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_int(0);
    Step::Done(Ret::Dec)
}
