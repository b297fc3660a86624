//! What runs in the child between the clone and `execve`.
//!
//! The rules (argued in the parent module's documentation): raw system calls only, on
//! the prepared [`Plan`]; no allocation, no lock, no hook, no thread-local, no panic;
//! stores only to the atomics of the plan and context. Each function here keeps to
//! them: slices are walked with iterators (no indexing), numbers are only compared
//! and copied, and every call goes through `raw::raw_syscall*` or a wrapper that does
//! nothing else ([`signal::sigaction`], [`signal::disposition`], [`execve`],
//! [`exit_group`]).

use core::convert::Infallible;
use std::sync::atomic::Ordering;

use linux_raw_sys::general as g;
use linux_raw_sys::{ioctl, prctl};

use super::{Ctx, FdMove, Plan};
use crate::process::{execve, exit_group};
use crate::signal::{self, SaFlags, SigAction, SigHandler, Signal};
use crate::{Errno, Sysno, args, raw};

/// `CLOSE_RANGE_CLOEXEC` (`<linux/close_range.h>`; not in `linux-raw-sys`).
const CLOSE_RANGE_CLOEXEC: usize = 1 << 2;

/// The child's entry: runs the plan, and if it fails, leaves the `errno` in the
/// context and exits.
pub(super) extern "C" fn main(ctx: usize) -> i32 {
    // SAFETY: the parent passes the address of a `Ctx` that outlives the child's use
    // of it (the parent sleeps in the clone until the child calls execve or exits).
    let ctx = unsafe { &*(ctx as *const Ctx<'_>) };
    let Err(errno) = run(ctx.plan, ctx.reset_handlers);
    ctx.errno.store(errno.raw(), Ordering::Relaxed);
    exit_group(127)
}

/// Every step, in order; returns only with an error.
fn run(p: &Plan, reset_handlers: bool) -> Result<Infallible, Errno> {
    dispositions(p, reset_handlers)?;
    // Whether the terminal is ours to hand over: asked before we change groups.
    let terminal = p.foreground.filter(|&tty| owns_terminal(tty));
    if p.setsid {
        // SAFETY: setsid touches no memory.
        unsafe { raw::raw_syscall0(Sysno::setsid) }?;
    }
    if let Some(pgid) = p.process_group {
        // SAFETY: setpgid touches no memory.
        unsafe { raw::raw_syscall2(Sysno::setpgid, 0, pgid as usize) }?;
    }
    if let Some(tty) = terminal {
        give_terminal(tty)?;
    }
    credentials(p)?;
    if let Some(dir) = &p.cwd {
        // SAFETY: chdir reads the NUL-terminated path.
        unsafe { raw::raw_syscall1(Sysno::chdir, args::ptr(dir.as_ptr())) }?;
    }
    // After the credentials: changing them clears the parent-death signal.
    if let Some(sig) = p.pdeathsig {
        let set = prctl::PR_SET_PDEATHSIG as usize;
        // SAFETY: PR_SET_PDEATHSIG reads and writes no memory.
        unsafe { raw::raw_syscall5(Sysno::prctl, set, sig as usize, 0, 0, 0) }?;
        // SAFETY: getppid touches no memory.
        let parent = unsafe { raw::raw_syscall0(Sysno::getppid) }?;
        if parent as i32 != p.parent {
            // We died before the signal was armed: it would never come.
            return Err(Errno::ESRCH);
        }
    }
    descriptors(&p.fds.moves, p.fds.park_above, &p.fds.close)?;
    // SAFETY: the kernel reads the 8-byte mask. Only now may signals arrive, and every
    // signal with a handler of the parent has its default action by now.
    unsafe {
        raw::raw_syscall4(
            Sysno::rt_sigprocmask,
            g::SIG_SETMASK as usize,
            args::ptr(&p.mask),
            0,
            8,
        )
    }?;
    Err(exec(p))
}

/// Gives the default action to the signals asked for, and (after a plain `clone`) to
/// every signal with a handler.
fn dispositions(p: &Plan, reset_handlers: bool) -> Result<(), Errno> {
    let default = SigAction {
        handler: SigHandler::Default,
        flags: SaFlags::empty(),
        mask: signal::SigSet::EMPTY,
    };
    for sig in 1..=g::_NSIG as i32 {
        let sig = Signal::from_raw(sig);
        if sig == Signal::SIGKILL || sig == Signal::SIGSTOP {
            continue;
        }
        let reset = p.defaults.contains(sig)
            || (reset_handlers
                && matches!(
                    signal::disposition(sig)?.handler,
                    SigHandler::Handler(_) | SigHandler::Raw(_)
                ));
        if reset {
            // SAFETY: the default action installs no code.
            unsafe { signal::sigaction(sig, &default) }?;
        }
    }
    Ok(())
}

/// Whether `tty` is our controlling terminal with our process group in the
/// foreground (`tcgetpgrp(tty) == getpgrp()`); false for whatever is no terminal of
/// ours, or when asking fails.
fn owns_terminal(tty: i32) -> bool {
    let mut foreground = 0i32;
    // SAFETY: TIOCGPGRP writes one `pid_t` into `foreground`, on this child's stack.
    let asked = unsafe {
        raw::raw_syscall3(
            Sysno::ioctl,
            tty as usize,
            ioctl::TIOCGPGRP as usize,
            args::mut_ptr(&mut foreground),
        )
    };
    // SAFETY: getpgid(0) touches no memory.
    let ours = unsafe { raw::raw_syscall1(Sysno::getpgid, 0) };
    matches!((asked, ours), (Ok(_), Ok(group)) if group as i32 == foreground)
}

/// Makes our (new) process group the foreground group of `tty`
/// (`tcsetpgrp(tty, getpgrp())`). `ENOTTY` (after `setsid`, `tty` is no longer our
/// controlling terminal) and `ENXIO` (the terminal has gone) leave it as it is.
fn give_terminal(tty: i32) -> Result<(), Errno> {
    // SAFETY: getpgid(0) touches no memory.
    let group = unsafe { raw::raw_syscall1(Sysno::getpgid, 0) }? as i32;
    // SAFETY: TIOCSPGRP reads one `pid_t` from `group`, on this child's stack. SIGTTOU,
    // which a background group gets for it, is blocked here, so it cannot stop us.
    let given = unsafe {
        raw::raw_syscall3(
            Sysno::ioctl,
            tty as usize,
            ioctl::TIOCSPGRP as usize,
            args::ptr(&group),
        )
    };
    match given {
        Ok(_) | Err(Errno::ENOTTY | Errno::ENXIO) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Supplementary groups, group, user: in that order, since each may take away the
/// right to make the next.
fn credentials(p: &Plan) -> Result<(), Errno> {
    if let Some(groups) = &p.groups {
        // SAFETY: the kernel reads `groups.len()` 32-bit group ids.
        unsafe { raw::raw_syscall2(Sysno::setgroups, groups.len(), args::ptr(groups.as_ptr())) }?;
    } else if p.drop_groups {
        // SAFETY: an empty list; nothing is read. EPERM: not ours to drop.
        match unsafe { raw::raw_syscall2(Sysno::setgroups, 0, 0) } {
            Ok(_) | Err(Errno::EPERM) => {}
            Err(e) => return Err(e),
        }
    }
    if let Some(gid) = p.gid {
        // SAFETY: setgid touches no memory.
        unsafe { raw::raw_syscall1(Sysno::setgid, gid as usize) }?;
    }
    if let Some(uid) = p.uid {
        // SAFETY: setuid touches no memory.
        unsafe { raw::raw_syscall1(Sysno::setuid, uid as usize) }?;
    }
    Ok(())
}

/// Issues `fcntl(fd, cmd, arg)`, for commands that take an integer.
fn fcntl(fd: i32, cmd: u32, arg: usize) -> Result<usize, Errno> {
    // SAFETY: the commands used here (F_DUPFD_CLOEXEC, F_SETFD) take an integer and
    // only edit this child's descriptor table, which no one else uses.
    unsafe { raw::raw_syscall3(Sysno::fcntl, fd as usize, cmd as usize, arg) }
}

/// Puts each source at its target number, then marks every other descriptor
/// close-on-exec.
fn descriptors(moves: &[FdMove], park_above: i32, close: &[(u32, u32)]) -> Result<(), Errno> {
    // Sources that are also targets would be overwritten by an earlier move: copy them
    // above every target first.
    for m in moves.iter().filter(|m| m.park) {
        let parked = fcntl(m.source, g::F_DUPFD_CLOEXEC, park_above as usize)?;
        m.parked.store(parked as i32, Ordering::Relaxed);
    }
    for m in moves {
        let source = if m.park {
            m.parked.load(Ordering::Relaxed)
        } else {
            m.source
        };
        let result = if source == m.target {
            // dup3 refuses equal numbers, and would keep close-on-exec anyway.
            fcntl(source, g::F_SETFD, 0)
        } else {
            // SAFETY: dup3 only edits this child's descriptor table.
            unsafe { raw::raw_syscall3(Sysno::dup3, source as usize, m.target as usize, 0) }
        };
        match result {
            Ok(_) => {}
            Err(Errno::EBADF) if m.optional => {}
            Err(e) => return Err(e),
        }
    }
    for &(first, last) in close {
        // SAFETY: close_range only edits this child's descriptor table.
        let marked = unsafe {
            raw::raw_syscall3(
                Sysno::close_range,
                first as usize,
                last as usize,
                CLOSE_RANGE_CLOEXEC,
            )
        };
        if marked == Err(Errno::EINVAL) {
            // Before Linux 5.11, no CLOEXEC mode: close them outright (they are this
            // child's copies).
            // SAFETY: as above.
            unsafe { raw::raw_syscall3(Sysno::close_range, first as usize, last as usize, 0) }?;
        } else {
            marked?;
        }
    }
    Ok(())
}

/// `execve` on each candidate path, as `execvp(3)` goes through `PATH`: a path that
/// is not there moves on to the next; `EACCES` is remembered and moves on; any other
/// error stops. Returns the error to report.
fn exec(p: &Plan) -> Errno {
    let mut denied = false;
    let mut last = Errno::ENOENT;
    for path in &p.candidates {
        let e = execve(path, &p.argv, &p.envp);
        if !p.search {
            return e;
        }
        match e {
            Errno::EACCES => denied = true,
            Errno::ENOENT | Errno::ENOTDIR | Errno::ESTALE | Errno::ENODEV | Errno::ETIMEDOUT => {}
            other => return other,
        }
        last = e;
    }
    if denied { Errno::EACCES } else { last }
}
