//! Waiting on descriptors: `poll`, `ppoll`, `select`, `pselect6`. The arguments print
//! at entry; what became ready, and the time left, explain the return value:
//! `= 1 ([{fd=3, revents=POLLIN}])`, `= 1 (in [3], left {tv_sec=0, tv_usec=999})`.

use super::{Frac, time_text};
use crate::decode::line::flags_text;
use crate::decode::types::NSIG_BYTES;
use crate::decode::xlat_generated as x;
use crate::decode::{Ctx, Ret, Step};
use crate::mem::Fields;

/// The size of the buffer strace builds these explanations in, and so the point where
/// it stops adding to them.
const OUTSTR: usize = 1024;

/// `poll(fds, nfds, timeout)`.
pub(super) fn poll(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        pollfds(ctx);
        ctx.arg_int(2);
        return Step::Result;
    }
    Step::Done(poll_result(ctx, 0))
}

/// `ppoll(fds, nfds, tmo_p, sigmask, sigsetsize)`.
pub(super) fn ppoll(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        pollfds(ctx);
        ctx.line.arg();
        ctx.timespec_at(ctx.args[2]);
        ctx.line.arg();
        ctx.sigset_at(ctx.args[3], ctx.args[4], NSIG_BYTES);
        ctx.arg_ulong(4);
        return Step::Result;
    }
    Step::Done(poll_result(ctx, ctx.args[2]))
}

/// The `struct pollfd` array and its length: `[{fd=3, events=POLLIN}], 1`.
fn pollfds(ctx: &mut Ctx<'_>) {
    let nfds = u64::from(ctx.args[1] as u32);
    ctx.line.arg();
    ctx.array(ctx.args[0], nfds, 8, |ctx, p| {
        let fd = p.i32_at(0);
        ctx.line.struct_begin();
        ctx.line.field("fd");
        ctx.fd(fd);
        if fd >= 0 {
            ctx.line.field("events");
            ctx.line.flags(&x::POLL_EVENTS, u64::from(p.u16_at(4)));
        }
        ctx.line.struct_end();
        true
    });
    ctx.line.arg();
    ctx.line.udec(nfds);
}

/// What `poll` and `ppoll` return: `Timeout`, or the descriptors with events and,
/// for `ppoll`, the time left of the timeout at `tmo` (if any).
fn poll_result(ctx: &mut Ctx<'_>, tmo: u64) -> Ret {
    if ctx.failed() {
        return Ret::Dec;
    }
    if ctx.rval == 0 {
        return Ret::DecWith("Timeout".into());
    }
    let start = ctx.args[0];
    let nfds = u64::from(ctx.args[1] as u32);
    if !ctx.verbose || start == 0 || nfds == 0 || start.checked_add(nfds * 8).is_none() {
        return Ret::Dec;
    }
    let max = if ctx.abbrev {
        ctx.opts.strsize as u64
    } else {
        u64::MAX
    };
    let mut s = String::new();
    let mut printed = 0u64;
    for i in 0..nfds {
        let at = start + i * 8;
        let mut p = [0u8; 8];
        if !ctx.read(at, &mut p) {
            s.push_str(if s.is_empty() { "[" } else { ", " });
            s.push_str(&format!("{at:#x}"));
            break;
        }
        let revents = p.u16_at(6);
        if revents == 0 {
            continue;
        }
        s.push_str(if s.is_empty() { "[" } else { ", " });
        if printed >= max {
            s.push_str("...");
            break;
        }
        let head = format!("{{fd={}, revents=", p.i32_at(0));
        let names = flags_text(&x::POLL_EVENTS, u64::from(revents));
        // strace keeps room for the tail (`, ], ...` and an address) in its buffer.
        if s.len() + head.len() + names.len() + 1 >= OUTSTR - (2 + 16 + 9) {
            s.push_str("...");
            break;
        }
        s.push_str(&head);
        s.push_str(&names);
        s.push('}');
        printed += 1;
    }
    if !s.is_empty() {
        s.push(']');
    }
    if tmo != 0 {
        let left = time_text(ctx, tmo, Frac::Nsec);
        if s.len() + 8 + left.len() < OUTSTR {
            s.push_str(if s.is_empty() { "left " } else { ", left " });
            s.push_str(&left);
        } else {
            s.push_str(", ...");
        }
    }
    if s.is_empty() {
        Ret::Dec
    } else {
        Ret::DecWith(s)
    }
}

/// The number of descriptors `select` looks at, as the kernel bounds it, and the
/// size of its sets in bytes (whole words).
fn select_sizes(nfds_arg: u64) -> (u32, usize) {
    let nfds = (nfds_arg as i32).clamp(0, 1024 * 1024) as u32;
    let size = (nfds as usize).div_ceil(8).next_multiple_of(8);
    (nfds, size)
}

/// The set bits below `nfds` of a descriptor set.
fn set_bits(set: &[u8], nfds: u32) -> impl Iterator<Item = u32> + '_ {
    (0..nfds).filter(move |&j| set[(j / 8) as usize] & (1 << (j % 8)) != 0)
}

/// `select(nfds, readfds, writefds, exceptfds, timeout)`.
pub(super) fn select(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        select_sets(ctx);
        ctx.line.arg();
        ctx.timeval_at(ctx.args[4]);
        return Step::Result;
    }
    Step::Done(select_result(ctx, Frac::Usec))
}

/// `pselect6(nfds, readfds, writefds, exceptfds, timeout, sigmask_and_size)`.
pub(super) fn pselect6(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        select_sets(ctx);
        ctx.line.arg();
        ctx.timespec_at(ctx.args[4]);
        ctx.line.arg();
        let mut b = [0u8; 16];
        if ctx.fetch_or_addr(ctx.args[5], &mut b) {
            ctx.line.struct_begin();
            ctx.line.field("sigmask");
            ctx.sigset_at(b.u64_at(0), b.u64_at(8), NSIG_BYTES);
            ctx.line.field("sigsetsize");
            ctx.line.udec(b.u64_at(8));
            ctx.line.struct_end();
        }
        return Step::Result;
    }
    Step::Done(select_result(ctx, Frac::Nsec))
}

/// `nfds` and the three sets: `4, [0 3], NULL, NULL`.
fn select_sets(ctx: &mut Ctx<'_>) {
    ctx.arg_int(0);
    let (nfds, size) = select_sizes(ctx.args[0]);
    let mut set = vec![0u8; size];
    for i in 1..4 {
        let addr = ctx.args[i];
        ctx.line.arg();
        if !ctx.verbose || size == 0 {
            ctx.line.ptr(addr);
            continue;
        }
        if !ctx.fetch_or_addr(addr, &mut set) {
            continue;
        }
        // strace writes sets with spaces between descriptors: `[0 3]`.
        ctx.line.array_begin();
        for (n, fd) in set_bits(&set, nfds).enumerate() {
            if n > 0 {
                ctx.line.text.push(' ');
            }
            ctx.fd(fd as i32);
        }
        ctx.line.array_end();
    }
}

/// What `select` and `pselect6` return: `Timeout`, or the ready descriptors of each
/// set and the time left.
fn select_result(ctx: &mut Ctx<'_>, frac: Frac) -> Ret {
    if ctx.failed() {
        return Ret::Dec;
    }
    let mut ready = ctx.rval;
    if ready == 0 {
        return Ret::DecWith("Timeout".into());
    }
    let (nfds, size) = select_sizes(ctx.args[0]);
    let mut set = vec![0u8; size];
    let mut s = String::new();
    let mut sep = "";
    for (i, name) in ["in", "out", "except"].into_iter().enumerate() {
        if ready <= 0 {
            break;
        }
        let addr = ctx.args[i + 1];
        if addr == 0 || !ctx.read(addr, &mut set) {
            continue;
        }
        let mut first = true;
        for fd in set_bits(&set, nfds) {
            // Room for `, except [`, a number, `]` and the NUL.
            if s.len() < OUTSTR - (11 + 12 + 2) {
                if first {
                    s.push_str(&format!("{sep}{name} [{fd}"));
                    first = false;
                    sep = ", ";
                } else {
                    s.push_str(&format!(" {fd}"));
                }
            }
            ready -= 1;
            if ready == 0 {
                break;
            }
        }
        if !s.is_empty() {
            s.push(']');
        }
    }
    let tmo = ctx.args[4];
    if tmo != 0 {
        let left = time_text(ctx, tmo, frac);
        if s.len() + 6 + sep.len() + left.len() < OUTSTR {
            s.push_str(&format!("{sep}left {left}"));
        }
    }
    Ret::DecWith(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_bounds_its_sets_like_the_kernel() {
        assert_eq!(select_sizes(4), (4, 8));
        assert_eq!(select_sizes(0), (0, 0));
        assert_eq!(select_sizes(65), (65, 16));
        assert_eq!(select_sizes(u64::MAX), (0, 0));
        assert_eq!(select_sizes(0x7fff_ffff), (1 << 20, 1 << 17));
        let set = [0b1001u8, 0, 0, 0, 0, 0, 0, 0x80];
        assert_eq!(set_bits(&set, 64).collect::<Vec<_>>(), [0, 3, 63]);
        assert_eq!(set_bits(&set, 3).collect::<Vec<_>>(), [0]);
    }
}
