//! Descriptors: I/O, the descriptor table, fcntl, ioctl, pipes, polling and epoll, event
//! descriptors.

use sysbridge::Sysno;

use super::{Ctx, Decoder, Ret, Step};

/// The decoder this family has for `nr`, if any.
pub(super) fn lookup(nr: Sysno) -> Option<Decoder> {
    Some(match nr {
        Sysno::read => read,
        Sysno::write => write,
        Sysno::close => close,
        _ => return None,
    })
}

/// `read(fd, buf, count)`: the bytes read, known at exit.
fn read(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        ctx.arg_fd(0);
        return Step::Exit;
    }
    if ctx.failed() {
        ctx.arg_ptr(1);
    } else {
        ctx.arg_buf(1, ctx.rval as u64);
    }
    ctx.arg_ulong(2);
    Step::Done(Ret::Dec)
}

/// `write(fd, buf, count)`.
fn write(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    ctx.arg_buf(1, ctx.args[2]);
    ctx.arg_ulong(2);
    Step::Done(Ret::Dec)
}

/// `close(fd)`.
fn close(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    Step::Done(Ret::Dec)
}
