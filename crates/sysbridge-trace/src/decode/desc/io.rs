//! Reading and writing, plain and vectored, copying between descriptors, seeking,
//! space and sync hints; the descriptor table (`close`, `dup*`, `close_range`), file
//! locks and pipes.

use super::fd_elem;
use crate::decode::xlat_generated as x;
use crate::decode::{Ctx, Ret, Step};
use crate::mem::Fields;

/// `read(fd, buf, count)`: the bytes read, known at exit.
pub(super) fn read(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        ctx.arg_fd(0);
        return Step::Exit;
    }
    read_buf(ctx);
    ctx.arg_ulong(2);
    Step::Done(Ret::Dec)
}

/// The buffer of a read at exit: the address if the call failed, else the bytes read.
fn read_buf(ctx: &mut Ctx<'_>) {
    if ctx.failed() {
        ctx.arg_ptr(1);
    } else {
        ctx.arg_buf(1, ctx.rval as u64);
    }
}

/// `write(fd, buf, count)`.
pub(super) fn write(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    ctx.arg_buf(1, ctx.args[2]);
    ctx.arg_ulong(2);
    Step::Done(Ret::Dec)
}

/// `close(fd)`, and the calls that take only a descriptor (`fsync`, `fdatasync`).
pub(super) fn close(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    Step::Done(Ret::Dec)
}

/// `pread64(fd, buf, count, offset)`.
pub(super) fn pread64(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        ctx.arg_fd(0);
        return Step::Exit;
    }
    read_buf(ctx);
    ctx.arg_ulong(2);
    ctx.arg_long(3);
    Step::Done(Ret::Dec)
}

/// `pwrite64(fd, buf, count, offset)`.
pub(super) fn pwrite64(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    ctx.arg_buf(1, ctx.args[2]);
    ctx.arg_ulong(2);
    ctx.arg_long(3);
    Step::Done(Ret::Dec)
}

/// An array of `count` `struct iovec` at `addr`, as strace prints it: each buffer
/// quoted, no more than `data` bytes of them in all (what the call transferred), or,
/// when `data` is `None` (a failed read), each buffer's address. Printed even at the
/// exit of a failed call.
pub(super) fn iov(ctx: &mut Ctx<'_>, addr: u64, count: u64, data: Option<u64>) {
    let mut left = data.unwrap_or(u64::MAX);
    ctx.array_despite_error(addr, count, 16, |ctx, v| {
        let (base, len) = (v.u64_at(0), v.u64_at(8));
        ctx.line.struct_begin();
        ctx.line.field("iov_base");
        if data.is_some() {
            let shown = len.min(left);
            left -= shown;
            ctx.buf(base, shown);
        } else {
            ctx.line.ptr(base);
        }
        ctx.line.field("iov_len");
        ctx.line.udec(len);
        ctx.line.struct_end();
        true
    });
}

/// The buffers of a vectored read at exit.
fn read_iov(ctx: &mut Ctx<'_>, count: u64) {
    ctx.line.arg();
    let data = (!ctx.failed()).then_some(ctx.rval as u64);
    iov(ctx, ctx.args[1], count, data);
}

/// `readv(fd, iov, iovcnt)`.
pub(super) fn readv(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        ctx.arg_fd(0);
        return Step::Exit;
    }
    read_iov(ctx, ctx.args[2]);
    ctx.arg_ulong(2);
    Step::Done(Ret::Dec)
}

/// `writev(fd, iov, iovcnt)`.
pub(super) fn writev(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    ctx.line.arg();
    iov(ctx, ctx.args[1], ctx.args[2], Some(u64::MAX));
    ctx.arg_ulong(2);
    Step::Done(Ret::Dec)
}

/// `preadv(fd, iov, iovcnt, pos_l, pos_h)`, `preadv2(..., flags)`: on x86_64 the
/// offset is all in `pos_l`.
fn do_preadv(ctx: &mut Ctx<'_>, flags: bool) -> Step {
    if ctx.entering() {
        ctx.arg_fd(0);
        return Step::Exit;
    }
    read_iov(ctx, ctx.args[2]);
    ctx.arg_ulong(2);
    ctx.arg_long(3);
    if flags {
        ctx.arg_flags(5, &x::RWF_FLAGS);
    }
    Step::Done(Ret::Dec)
}

pub(super) fn preadv(ctx: &mut Ctx<'_>) -> Step {
    do_preadv(ctx, false)
}

pub(super) fn preadv2(ctx: &mut Ctx<'_>) -> Step {
    do_preadv(ctx, true)
}

/// `pwritev(fd, iov, iovcnt, pos_l, pos_h)`, `pwritev2(..., flags)`.
fn do_pwritev(ctx: &mut Ctx<'_>, flags: bool) -> Step {
    ctx.arg_fd(0);
    ctx.line.arg();
    iov(ctx, ctx.args[1], ctx.args[2], Some(u64::MAX));
    ctx.arg_ulong(2);
    ctx.arg_long(3);
    if flags {
        ctx.arg_flags(5, &x::RWF_FLAGS);
    }
    Step::Done(Ret::Dec)
}

pub(super) fn pwritev(ctx: &mut Ctx<'_>) -> Step {
    do_pwritev(ctx, false)
}

pub(super) fn pwritev2(ctx: &mut Ctx<'_>) -> Step {
    do_pwritev(ctx, true)
}

/// `lseek(fd, offset, whence)`.
pub(super) fn lseek(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    ctx.arg_long(1);
    ctx.arg_xval(2, &x::DESC_WHENCE);
    Step::Done(Ret::Dec)
}

/// `sendfile(out_fd, in_fd, offset, count)`: the offset is a pointer to a 64-bit
/// value the kernel advances, printed `[0] => [4096]`.
///
/// The value read at entry is kept and printed at exit, with the rest, rather than at
/// entry (the line reads the same).
pub(super) fn sendfile(ctx: &mut Ctx<'_>) -> Step {
    let offset = ctx.args[2];
    if ctx.entering() {
        ctx.arg_fd(0);
        ctx.arg_fd(1);
        let mut b = [0u8; 8];
        if ctx.fetch(offset, &mut b) {
            *ctx.saved = u64::from_ne_bytes(b);
            return Step::Exit;
        }
        ctx.arg_ptr(2);
        ctx.arg_ulong(3);
        return Step::Done(Ret::Dec);
    }
    ctx.line.arg();
    ctx.indirect(|ctx| ctx.line.dec(*ctx.saved as i64));
    if !ctx.failed() && ctx.rval != 0 {
        ctx.line.changed();
        ctx.num_i64_at(offset);
    }
    ctx.arg_ulong(3);
    Step::Done(Ret::Dec)
}

/// An optional `loff_t *` argument: `NULL`, `[offset]` or the address.
fn arg_offset_ptr(ctx: &mut Ctx<'_>, i: usize) {
    ctx.line.arg();
    ctx.num_i64_at(ctx.args[i]);
}

/// `copy_file_range(fd_in, off_in, fd_out, off_out, len, flags)`.
pub(super) fn copy_file_range(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    arg_offset_ptr(ctx, 1);
    ctx.arg_fd(2);
    arg_offset_ptr(ctx, 3);
    ctx.arg_ulong(4);
    ctx.arg_uint(5);
    Step::Done(Ret::Dec)
}

/// `splice(fd_in, off_in, fd_out, off_out, len, flags)`.
pub(super) fn splice(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    arg_offset_ptr(ctx, 1);
    ctx.arg_fd(2);
    arg_offset_ptr(ctx, 3);
    ctx.arg_ulong(4);
    ctx.arg_flags(5, &x::SPLICE_FLAGS);
    Step::Done(Ret::Dec)
}

/// `tee(fd_in, fd_out, len, flags)`.
pub(super) fn tee(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    ctx.arg_fd(1);
    ctx.arg_ulong(2);
    ctx.arg_flags(3, &x::SPLICE_FLAGS);
    Step::Done(Ret::Dec)
}

/// `vmsplice(fd, iov, nr_segs, flags)`.
pub(super) fn vmsplice(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    ctx.line.arg();
    iov(ctx, ctx.args[1], ctx.args[2], Some(u64::MAX));
    ctx.arg_ulong(2);
    ctx.arg_flags(3, &x::SPLICE_FLAGS);
    Step::Done(Ret::Dec)
}

/// `readahead(fd, offset, count)`.
pub(super) fn readahead(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    ctx.arg_long(1);
    ctx.arg_ulong(2);
    Step::Done(Ret::Dec)
}

/// `sync_file_range(fd, offset, nbytes, flags)`.
pub(super) fn sync_file_range(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    ctx.arg_long(1);
    ctx.arg_long(2);
    ctx.arg_flags(3, &x::SYNC_FILE_RANGE_FLAGS);
    Step::Done(Ret::Dec)
}

/// `fallocate(fd, mode, offset, len)`.
pub(super) fn fallocate(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    ctx.arg_flags(1, &x::FALLOC_FLAGS);
    ctx.arg_long(2);
    ctx.arg_long(3);
    Step::Done(Ret::Dec)
}

/// `close_range(first, last, flags)`: the bounds as unsigned numbers.
pub(super) fn close_range(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_uint(0);
    ctx.arg_uint(1);
    ctx.arg_flags(2, &x::CLOSE_RANGE_FLAGS);
    Step::Done(Ret::Dec)
}

/// `dup(oldfd)`.
pub(super) fn dup(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    Step::Done(Ret::Fd)
}

/// `dup2(oldfd, newfd)`.
pub(super) fn dup2(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    ctx.arg_fd(1);
    Step::Done(Ret::Fd)
}

/// `dup3(oldfd, newfd, flags)`.
pub(super) fn dup3(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    ctx.arg_fd(1);
    ctx.arg_flags(2, &x::OPEN_MODE_FLAGS);
    Step::Done(Ret::Fd)
}

/// `flock(fd, operation)`.
pub(super) fn flock(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    ctx.arg_flags(1, &x::FLOCK_OPS);
    Step::Done(Ret::Dec)
}

/// `pipe(fds)`: the pair is known at exit, `[3, 4]`.
pub(super) fn pipe(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        return Step::Exit;
    }
    pipe_fds(ctx);
    Step::Done(Ret::Dec)
}

/// `pipe2(fds, flags)`: everything at exit, as strace prints it.
pub(super) fn pipe2(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        return Step::Exit;
    }
    pipe_fds(ctx);
    ctx.arg_flags(1, &x::OPEN_MODE_FLAGS);
    Step::Done(Ret::Dec)
}

fn pipe_fds(ctx: &mut Ctx<'_>) {
    ctx.line.arg();
    ctx.array(ctx.args[0], 2, 4, fd_elem);
}

/// `fadvise64(fd, offset, len, advice)`.
pub(super) fn fadvise64(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    ctx.arg_long(1);
    ctx.arg_ulong(2);
    ctx.arg_xval64(3, &x::ADVISE);
    Step::Done(Ret::Dec)
}
