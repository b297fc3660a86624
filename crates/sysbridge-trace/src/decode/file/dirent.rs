//! `getdents`, `getdents64`: the directory entries the kernel wrote, at exit.
//!
//! Abbreviated (the default), the buffer is its address and a count of the entries
//! in it (`0x5555... /* 12 entries */`); with `-v`, every entry
//! (`[{d_ino=2, d_off=1, d_reclen=24, d_type=DT_DIR, d_name="."}, ...]`), never cut by
//! `-s`. Malformed records are reported as strace does (`/* 5 bytes overflow */`).

use super::pathn;
use crate::decode::xlat_generated as x;
use crate::decode::{Ctx, Ret, Step};
use crate::mem::Fields;
use crate::options::HexStrings;

/// The longest name printed.
const D_NAME_LEN_MAX: u32 = 256;

/// `getdents(fd, dirp, count)`: `struct linux_dirent`, the type in the record's last
/// byte.
pub(super) fn getdents(ctx: &mut Ctx<'_>) -> Step {
    dents(ctx, false)
}

/// `getdents64(fd, dirp, count)`: `struct linux_dirent64`.
pub(super) fn getdents64(ctx: &mut Ctx<'_>) -> Step {
    dents(ctx, true)
}

fn dents(ctx: &mut Ctx<'_>, is64: bool) -> Step {
    if ctx.entering() {
        ctx.arg_fd(0);
        return Step::Exit;
    }
    let count = ctx.args[2] as u32;
    ctx.line.arg();
    if ctx.failed() || !ctx.verbose || ctx.rval as u64 > u64::from(count) {
        ctx.line.ptr(ctx.args[1]);
    } else {
        entries(ctx, ctx.args[1], ctx.rval as u32, is64);
    }
    ctx.line.arg();
    ctx.line.udec(u64::from(count));
    Step::Done(Ret::Dec)
}

/// The `len` bytes of entries at `addr`.
fn entries(ctx: &mut Ctx<'_>, mut addr: u64, mut len: u32, is64: bool) {
    // The bytes before the name: ino, off, reclen (and the type, in the 64-bit form).
    let header: u32 = if is64 { 19 } else { 18 };
    let abbrev = ctx.abbrev;
    let mut count = 0u32;
    if abbrev {
        ctx.line.ptr(addr);
    }
    loop {
        if len < header {
            if !abbrev {
                if len == 0 {
                    ctx.line.array_begin();
                    count += 1;
                } else {
                    // A tail too short for an entry: its bytes in hex.
                    if count > 0 {
                        ctx.line.elem();
                    }
                    let mut rest = vec![0u8; len as usize];
                    if ctx.read(addr, &mut rest) {
                        let shown = rest.len().min(ctx.opts.strsize);
                        ctx.line
                            .string(&rest[..shown], rest.len() > shown, HexStrings::All);
                    } else {
                        ctx.line.hex(addr);
                    }
                }
            }
            break;
        }
        let mut head = [0u8; 19];
        if !ctx.read(addr, &mut head[..header as usize]) {
            if !abbrev {
                if count > 0 {
                    ctx.line.more();
                    ctx.line.comment(&format!("{addr:#x}"));
                } else {
                    ctx.line.hex(addr);
                }
            }
            break;
        }
        if !abbrev {
            if count == 0 {
                ctx.line.array_begin();
            }
            ctx.line.elem();
            ctx.line.struct_begin();
            ctx.line.field("d_ino");
            ctx.line.udec(head.u64_at(0));
            ctx.line.field("d_off");
            ctx.line.udec(head.u64_at(8));
            ctx.line.field("d_reclen");
            ctx.line.udec(u64::from(head.u16_at(16)));
        }
        count += 1;
        let prefix = if abbrev { "d_reclen " } else { "" };
        let mut reclen = u32::from(head.u16_at(16));
        let mut next_addr = 0u64;
        let next_len;
        if reclen > len {
            ctx.line
                .comment(&format!("{prefix}{} bytes overflow", reclen - len));
            reclen = len;
            next_len = 0;
        } else if reclen < header {
            ctx.line
                .comment(&format!("{prefix}{} bytes underflow", header - reclen));
            reclen = header;
            next_len = len - header;
        } else {
            next_len = len - reclen;
            if next_len > 0 {
                match addr.checked_add(u64::from(reclen)) {
                    Some(next) => next_addr = next,
                    None => ctx.line.comment("address overflow"),
                }
            }
        }
        len = next_len;
        if !abbrev {
            let name_at = addr.wrapping_add(u64::from(header));
            let rc = if is64 {
                tail64(ctx, name_at, head[18], reclen - header)
            } else {
                tail(ctx, name_at, reclen - header)
            };
            if next_addr != 0 && rc < 0 {
                ctx.line.more();
                break;
            }
        }
        if next_addr == 0 {
            break;
        }
        addr = next_addr;
    }
    if !abbrev {
        if count > 0 {
            ctx.line.array_end();
        }
    } else {
        let plus = if len > 0 { "+" } else { "" };
        ctx.line.comment(&format!("{count}{plus} entries"));
    }
}

/// The rest of a `linux_dirent64`: type, then name. Returns -1 when the name could
/// not be read.
fn tail64(ctx: &mut Ctx<'_>, name_at: u64, d_type: u8, name_len: u32) -> i32 {
    ctx.line.field("d_type");
    ctx.line.xval(&x::DIRENT_TYPES, u64::from(d_type));
    let mut rc = 0;
    if name_len > 0 {
        let n = name_len.min(D_NAME_LEN_MAX);
        ctx.line.field("d_name");
        rc = pathn(ctx, name_at, u64::from(n - 1));
    }
    ctx.line.struct_end();
    rc
}

/// The rest of a `linux_dirent`: name, then the type byte that ends the record.
fn tail(ctx: &mut Ctx<'_>, name_at: u64, name_type_len: u32) -> i32 {
    let mut rc = 0;
    if name_type_len > 0 {
        let name_len = (name_type_len - 1).min(D_NAME_LEN_MAX);
        if name_len > 0 {
            ctx.line.field("d_name");
            rc = pathn(ctx, name_at, u64::from(name_len - 1));
        }
        ctx.line.field("d_type");
        let type_at = name_at.wrapping_add(u64::from(name_type_len - 1));
        let mut t = [0u8; 1];
        if ctx.read(type_at, &mut t) {
            ctx.line.xval(&x::DIRENT_TYPES, u64::from(t[0]));
        } else {
            ctx.line.ptr(type_at);
            rc = -1;
        }
    }
    ctx.line.struct_end();
    rc
}
