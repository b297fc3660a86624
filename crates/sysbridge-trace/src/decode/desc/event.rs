//! Descriptors that deliver events: eventfd, signalfd, timerfd, inotify; anonymous
//! memory files; io_uring instances.

use super::fd_elem;
use crate::decode::line::write_flags;
use crate::decode::types::NSIG_BYTES;
use crate::decode::types::seconds_and;
use crate::decode::xlat_generated as x;
use crate::decode::{Ctx, Ret, Step};
use crate::mem::Fields;

/// `eventfd(initval)`.
pub(super) fn eventfd(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_uint(0);
    Step::Done(Ret::Fd)
}

/// `eventfd2(initval, flags)`.
pub(super) fn eventfd2(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_uint(0);
    ctx.arg_flags(1, &x::EFD_FLAGS);
    Step::Done(Ret::Fd)
}

/// `signalfd(fd, mask, sizemask)`.
pub(super) fn signalfd(ctx: &mut Ctx<'_>) -> Step {
    signalfd_common(ctx);
    Step::Done(Ret::Fd)
}

/// `signalfd4(fd, mask, sizemask, flags)`.
pub(super) fn signalfd4(ctx: &mut Ctx<'_>) -> Step {
    signalfd_common(ctx);
    ctx.arg_flags(3, &x::SFD_FLAGS);
    Step::Done(Ret::Fd)
}

fn signalfd_common(ctx: &mut Ctx<'_>) {
    ctx.arg_fd(0);
    ctx.line.arg();
    ctx.sigset_at(ctx.args[1], ctx.args[2], NSIG_BYTES);
    ctx.arg_ulong(2);
}

/// `timerfd_create(clockid, flags)`.
pub(super) fn timerfd_create(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_xval(0, &x::DESC_CLOCKS);
    ctx.arg_flags(1, &x::TIMERFD_FLAGS);
    Step::Done(Ret::Fd)
}

/// A `struct itimerspec` at `addr`:
/// `{it_interval={tv_sec=0, tv_nsec=0}, it_value={tv_sec=1, tv_nsec=0}}`.
fn itimerspec(ctx: &mut Ctx<'_>, addr: u64) {
    let mut b = [0u8; 32];
    if !ctx.fetch_or_addr(addr, &mut b) {
        return;
    }
    ctx.line.struct_begin();
    ctx.line.field("it_interval");
    seconds_and(ctx.line, &b[..16], "tv_nsec");
    ctx.line.field("it_value");
    seconds_and(ctx.line, &b[16..], "tv_nsec");
    ctx.line.struct_end();
}

/// `timerfd_settime(fd, flags, new_value, old_value)`: the old value at exit.
pub(super) fn timerfd_settime(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        ctx.arg_fd(0);
        ctx.arg_flags(1, &x::TIMERFD_FLAGS);
        ctx.line.arg();
        itimerspec(ctx, ctx.args[2]);
        return Step::Exit;
    }
    ctx.line.arg();
    itimerspec(ctx, ctx.args[3]);
    Step::Done(Ret::Dec)
}

/// `timerfd_gettime(fd, curr_value)`.
pub(super) fn timerfd_gettime(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        ctx.arg_fd(0);
        return Step::Exit;
    }
    ctx.line.arg();
    itimerspec(ctx, ctx.args[1]);
    Step::Done(Ret::Dec)
}

/// `inotify_init()`.
pub(super) fn inotify_init(_: &mut Ctx<'_>) -> Step {
    Step::Done(Ret::Fd)
}

/// `inotify_init1(flags)`.
pub(super) fn inotify_init1(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_flags(0, &x::INOTIFY_INIT_FLAGS);
    Step::Done(Ret::Fd)
}

/// `inotify_add_watch(fd, path, mask)`.
pub(super) fn inotify_add_watch(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    ctx.arg_path(1);
    ctx.arg_flags(2, &x::INOTIFY_FLAGS);
    Step::Done(Ret::Dec)
}

/// `inotify_rm_watch(fd, wd)`.
pub(super) fn inotify_rm_watch(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    ctx.arg_int(1);
    Step::Done(Ret::Dec)
}

/// The longest name `memfd_create` takes (255 less the `memfd:` prefix), plus one:
/// how much strace reads of it.
const MFD_NAME_MAX: usize = 255 - 6 + 1;

/// `memfd_create(name, flags)`.
pub(super) fn memfd_create(ctx: &mut Ctx<'_>) -> Step {
    ctx.line.arg();
    let addr = ctx.args[0];
    if ctx.opts.strsize < MFD_NAME_MAX || addr == 0 {
        ctx.cstr(addr);
    } else {
        // strace reads no more of the name than the kernel would take.
        match ctx.mem.read_cstr(ctx.tid, addr, MFD_NAME_MAX, ctx.scratch) {
            Ok(nul_seen) => ctx.line.string(ctx.scratch, !nul_seen, ctx.opts.hex),
            Err(_) => ctx.line.hex(addr),
        }
    }
    ctx.line.arg();
    ctx.line.sym(&memfd_flags_text(ctx.args[1] as u32));
    Step::Done(Ret::Fd)
}

/// `memfd_create`'s flags: the named ones, then a huge page size as
/// `21<<MFD_HUGE_SHIFT`.
fn memfd_flags_text(flags: u32) -> String {
    const SHIFT: u32 = 26;
    const MASK: u32 = 0x3f << SHIFT;
    if flags == 0 {
        return "0".into();
    }
    let huge = flags & MASK;
    let rest = flags & !MASK;
    let mut s = String::new();
    if rest != 0 || huge == 0 {
        write_flags(&mut s, &x::MEMFD_FLAGS, u64::from(rest));
    }
    if huge != 0 {
        if rest != 0 {
            s.push('|');
        }
        s.push_str(&format!("{}<<MFD_HUGE_SHIFT", huge >> SHIFT));
    }
    s
}

// ---- io_uring ----

const IORING_SETUP_ATTACH_WQ: u32 = 1 << 5;
const PARAMS_SIZE: usize = 120;

/// `io_uring_setup(entries, params)`: the structure is opened at entry with what the
/// caller asks for, and closed at exit with what the kernel answered.
pub(super) fn io_uring_setup(ctx: &mut Ctx<'_>) -> Step {
    let addr = ctx.args[1];
    let mut p = [0u8; PARAMS_SIZE];
    if ctx.entering() {
        ctx.arg_uint(0);
        ctx.line.arg();
        if !ctx.fetch_or_addr(addr, &mut p) {
            return Step::Done(Ret::Fd);
        }
        let flags = p.u32_at(8);
        ctx.line.struct_begin();
        ctx.line.field("flags");
        ctx.line.flags(&x::URING_SETUP_FLAGS, u64::from(flags));
        ctx.line.field("sq_thread_cpu");
        ctx.line.hex(u64::from(p.u32_at(12)));
        ctx.line.field("sq_thread_idle");
        ctx.line.udec(u64::from(p.u32_at(16)));
        if flags & IORING_SETUP_ATTACH_WQ != 0 {
            ctx.line.field("wq_fd");
            ctx.fd(p.i32_at(24));
        }
        let resv = [p.u32_at(28), p.u32_at(32), p.u32_at(36)];
        if resv.iter().any(|&r| r != 0) {
            ctx.line.field("resv");
            ctx.line.array_begin();
            for r in resv {
                ctx.line.elem();
                ctx.line.hex(u64::from(r));
            }
            ctx.line.array_end();
        }
        return Step::Exit;
    }
    if ctx.fetch(addr, &mut p) {
        ctx.line.field("sq_entries");
        ctx.line.udec(u64::from(p.u32_at(0)));
        ctx.line.field("cq_entries");
        ctx.line.udec(u64::from(p.u32_at(4)));
        ctx.line.field("features");
        ctx.line
            .flags(&x::URING_SETUP_FEATURES, u64::from(p.u32_at(20)));
        ctx.line.field("sq_off");
        ring_offsets(
            ctx,
            &p[40..80],
            &[
                "head",
                "tail",
                "ring_mask",
                "ring_entries",
                "flags",
                "dropped",
                "array",
            ],
        );
        ctx.line.field("cq_off");
        ring_offsets(
            ctx,
            &p[80..120],
            &[
                "head",
                "tail",
                "ring_mask",
                "ring_entries",
                "overflow",
                "cqes",
                "flags",
            ],
        );
    }
    ctx.line.struct_end();
    Step::Done(Ret::Fd)
}

/// `struct io_sqring_offsets` or `struct io_cqring_offsets`: seven `u32` fields, then
/// the reserved ones when they are not zero.
fn ring_offsets(ctx: &mut Ctx<'_>, b: &[u8], names: &[&str; 7]) {
    ctx.line.struct_begin();
    for (i, name) in names.iter().enumerate() {
        ctx.line.field(name);
        ctx.line.udec(u64::from(b.u32_at(i * 4)));
    }
    let resv1 = b.u32_at(28);
    if resv1 != 0 {
        ctx.line.field("resv1");
        ctx.line.hex(u64::from(resv1));
    }
    let resv2 = b.u64_at(32);
    if resv2 != 0 {
        ctx.line.field("resv2");
        ctx.line.hex(resv2);
    }
    ctx.line.struct_end();
}

/// `io_uring_enter(fd, to_submit, min_complete, flags, sig, sigsz)`.
pub(super) fn io_uring_enter(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    ctx.arg_uint(1);
    ctx.arg_uint(2);
    ctx.arg_flags(3, &x::URING_ENTER_FLAGS);
    ctx.line.arg();
    ctx.sigset_at(ctx.args[4], ctx.args[5], NSIG_BYTES);
    ctx.arg_ulong(5);
    Step::Done(Ret::Dec)
}

const IORING_REGISTER_BUFFERS: u32 = 0;
const IORING_REGISTER_FILES: u32 = 2;
const IORING_REGISTER_EVENTFD: u32 = 4;
const IORING_REGISTER_EVENTFD_ASYNC: u32 = 7;

/// `io_uring_register(fd, opcode, arg, nr_args)`: buffers and descriptor arrays are
/// decoded; the structures of the other opcodes print as addresses.
pub(super) fn io_uring_register(ctx: &mut Ctx<'_>) -> Step {
    let opcode = ctx.args[1] as u32;
    let (arg, nargs) = (ctx.args[2], u64::from(ctx.args[3] as u32));
    ctx.arg_fd(0);
    ctx.arg_xval(1, &x::URING_REGISTER_OPCODES);
    ctx.line.arg();
    match opcode {
        IORING_REGISTER_BUFFERS => super::io::iov(ctx, arg, nargs, None),
        IORING_REGISTER_FILES | IORING_REGISTER_EVENTFD | IORING_REGISTER_EVENTFD_ASYNC => {
            ctx.array(arg, nargs, 4, fd_elem);
        }
        _ => ctx.line.ptr(arg),
    }
    ctx.arg_uint(3);
    Step::Done(Ret::Dec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memfd_flags_read_like_strace() {
        assert_eq!(memfd_flags_text(0), "0");
        assert_eq!(memfd_flags_text(3), "MFD_CLOEXEC|MFD_ALLOW_SEALING");
        assert_eq!(
            memfd_flags_text(4 | 21 << 26),
            "MFD_HUGETLB|21<<MFD_HUGE_SHIFT"
        );
        assert_eq!(memfd_flags_text(21 << 26), "21<<MFD_HUGE_SHIFT");
        assert_eq!(memfd_flags_text(0x100), "0x100 /* MFD_??? */");
    }
}
