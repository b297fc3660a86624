//! Files by path: opening, stat, links, directories, permissions, xattrs, file systems
//! (mount, the new mount API's open_tree/move_mount/fspick, swap, acct).
//!
//! What each call prints, and when, follows strace 6.1: paths whole (no `-s` limit),
//! modes as `%#03o` (`0644`, `000`), `st_mode` symbolically (`S_IFREG|0644`), devices
//! as `makedev(0x8, 0x1)`, times with a local-time comment
//! (`1700000000 /* 2023-11-14T22:13:20+0000 */`), ids of -1 as `-1`. Structures the
//! kernel fills (stat, statx, statfs, dirents, link targets, xattr values) print at
//! exit, as an address when the call failed.

mod dirent;
mod stat;
#[cfg(test)]
mod tests;

use sysbridge::Sysno;

use super::line::{Xlat, octal, write_flags};
use super::types::open_modes;
use super::{Ctx, Decoder, Ret, Step, types};
use crate::decode::xlat_generated as x;
use crate::mem::Fields;
use crate::options::HexStrings;

/// The decoder this family has for `nr`, if any.
///
/// Most calls name a file (by path, by descriptor, or by directory descriptor and
/// path) and then take arguments of their own: [`by_path`], [`by_fd`] and [`by_at`]
/// print the first part, a [`Rest`] the others.
pub(super) fn lookup(nr: Sysno) -> Option<Decoder> {
    let decoder: Decoder = match nr {
        Sysno::open => |c| by_path(c, open_rest),
        Sysno::openat => |c| by_at(c, open_rest),
        Sysno::creat => |c| by_path(c, creat_rest),
        Sysno::openat2 => |c| by_at(c, openat2_rest),
        Sysno::name_to_handle_at => |c| by_at(c, name_to_handle_rest),
        Sysno::open_by_handle_at => |c| by_fd(c, open_by_handle_rest),
        Sysno::access => |c| by_path(c, access_rest),
        Sysno::faccessat => |c| by_at(c, access_rest),
        Sysno::faccessat2 => |c| by_at(c, faccessat2_rest),
        Sysno::stat | Sysno::lstat => |c| by_path(c, stat::stat_rest),
        Sysno::fstat => |c| by_fd(c, stat::stat_rest),
        Sysno::newfstatat => |c| by_at(c, stat::newfstatat_rest),
        Sysno::statx => |c| by_at(c, stat::statx_rest),
        Sysno::statfs => |c| by_path(c, stat::statfs_rest),
        Sysno::fstatfs => |c| by_fd(c, stat::statfs_rest),
        Sysno::readlink => |c| by_path(c, readlink_rest),
        Sysno::readlinkat => |c| by_at(c, readlink_rest),
        Sysno::unlink
        | Sysno::rmdir
        | Sysno::chdir
        | Sysno::chroot
        | Sysno::acct
        | Sysno::swapoff
        | Sysno::uselib => |c| by_path(c, nothing),
        Sysno::fchdir | Sysno::syncfs => |c| by_fd(c, nothing),
        Sysno::unlinkat => |c| by_at(c, at_flags_rest),
        Sysno::mkdir | Sysno::chmod => |c| by_path(c, mode_rest),
        Sysno::mkdirat | Sysno::fchmodat => |c| by_at(c, mode_rest),
        Sysno::fchmod => |c| by_fd(c, mode_rest),
        Sysno::rename | Sysno::link | Sysno::symlink | Sysno::pivot_root => {
            |c| by_path(c, path_rest)
        }
        Sysno::renameat => |c| by_at(c, at_rest),
        Sysno::renameat2 => |c| by_at(c, renameat2_rest),
        Sysno::linkat => |c| by_at(c, linkat_rest),
        Sysno::symlinkat => |c| by_path(c, at_rest),
        Sysno::chown | Sysno::lchown => |c| by_path(c, owner_rest),
        Sysno::fchown => |c| by_fd(c, owner_rest),
        Sysno::fchownat => |c| by_at(c, fchownat_rest),
        Sysno::truncate => |c| by_path(c, length_rest),
        Sysno::ftruncate => |c| by_fd(c, length_rest),
        Sysno::utime => |c| by_path(c, utimbuf_rest),
        Sysno::utimes => |c| by_path(c, timevals_rest),
        Sysno::futimesat => |c| by_at(c, timevals_rest),
        Sysno::utimensat => |c| by_at(c, timespecs_rest),
        Sysno::mknod => |c| by_path(c, mknod_rest),
        Sysno::mknodat => |c| by_at(c, mknod_rest),
        Sysno::setxattr | Sysno::lsetxattr => |c| by_path(c, setxattr_rest),
        Sysno::fsetxattr => |c| by_fd(c, setxattr_rest),
        Sysno::getxattr | Sysno::lgetxattr => |c| by_path(c, getxattr_rest),
        Sysno::fgetxattr => |c| by_fd(c, getxattr_rest),
        Sysno::listxattr | Sysno::llistxattr => |c| by_path(c, listxattr_rest),
        Sysno::flistxattr => |c| by_fd(c, listxattr_rest),
        Sysno::removexattr | Sysno::lremovexattr => |c| by_path(c, name_rest),
        Sysno::fremovexattr => |c| by_fd(c, name_rest),
        Sysno::umount2 => |c| by_path(c, umount2_rest),
        Sysno::swapon => |c| by_path(c, swapon_rest),
        Sysno::open_tree => |c| by_at(c, open_tree_rest),
        Sysno::move_mount => |c| by_at(c, move_mount_rest),
        Sysno::fspick => |c| by_at(c, fspick_rest),
        Sysno::getcwd => getcwd,
        Sysno::umask => umask,
        Sysno::mount => mount,
        Sysno::getdents => dirent::getdents,
        Sysno::getdents64 => dirent::getdents64,
        _ => return None,
    };
    Some(decoder)
}

/// What a decoder prints after the arguments that name the file, from argument `i`
/// on: at entry and, when it returns [`Step::Exit`], at exit.
type Rest = fn(&mut Ctx<'_>, usize) -> Step;

/// `call(path, ...)`.
fn by_path(ctx: &mut Ctx<'_>, rest: Rest) -> Step {
    if ctx.entering() {
        ctx.arg_path(0);
    }
    rest(ctx, 1)
}

/// `call(fd, ...)`.
fn by_fd(ctx: &mut Ctx<'_>, rest: Rest) -> Step {
    if ctx.entering() {
        ctx.arg_fd(0);
    }
    rest(ctx, 1)
}

/// `call(dirfd, path, ...)`.
fn by_at(ctx: &mut Ctx<'_>, rest: Rest) -> Step {
    if ctx.entering() {
        ctx.arg_dirfd(0);
        ctx.arg_path(1);
    }
    rest(ctx, 2)
}

// ---- constants ----

const O_CREAT: u64 = 0o100;
const O_TMPFILE_BIT: u64 = 0o20000000;
const S_IFMT: u32 = 0o170000;
const S_IFCHR: u32 = 0o020000;
const S_IFBLK: u32 = 0o060000;
const S_ISUID: u32 = 0o4000;
const S_ISGID: u32 = 0o2000;
const S_ISVTX: u32 = 0o1000;
const UTIME_NOW: i64 = (1 << 30) - 1;
const UTIME_OMIT: i64 = (1 << 30) - 2;
const XATTR_SIZE_MAX: u64 = 65536;
const MAX_HANDLE_SZ: u32 = 128;
const PATH_MAX: u64 = 4096;

// ---- value texts (shared printers; candidates for decode/types.rs) ----

/// A file mode as strace's `print_symbolic_mode_t` writes it: the type's name, the
/// set-id and sticky bits by name, then the permissions in octal
/// (`S_IFREG|S_ISUID|0755`); the whole mode in octal when the type is unknown.
pub(crate) fn symbolic_mode(mode: u32) -> String {
    let ifmt = mode & S_IFMT;
    let name = if ifmt == 0 {
        ""
    } else {
        match x::MODETYPES.name(u64::from(ifmt)) {
            Some(n) => n,
            None => return octal(u64::from(mode)),
        }
    };
    let mut s = String::new();
    if !name.is_empty() {
        s.push_str(name);
        s.push('|');
    }
    for (bit, n) in [
        (S_ISUID, "S_ISUID|"),
        (S_ISGID, "S_ISGID|"),
        (S_ISVTX, "S_ISVTX|"),
    ] {
        if mode & bit != 0 {
            s.push_str(n);
        }
    }
    s.push_str(&octal(u64::from(
        mode & !(S_IFMT | S_ISUID | S_ISGID | S_ISVTX),
    )));
    s
}

/// A device number as `makedev(0xMAJOR, 0xMINOR)`, split as glibc's `major`/`minor`.
pub(crate) fn dev_text(dev: u64) -> String {
    let major = ((dev >> 32) & 0xffff_f000) | ((dev >> 8) & 0xfff);
    let minor = ((dev >> 12) & 0xffff_ff00) | (dev & 0xff);
    let hex = |v: u64| {
        if v == 0 {
            "0".to_string()
        } else {
            format!("{v:#x}")
        }
    };
    format!("makedev({}, {})", hex(major), hex(minor))
}

// ---- argument printers of this family ----

/// A mode argument as `%#03o` of its low 16 bits (strace's `print_numeric_umode_t`).
fn arg_umode(ctx: &mut Ctx<'_>, i: usize) {
    ctx.line.arg();
    ctx.line.sym(&octal(u64::from(ctx.args[i] as u16)));
}

/// A user or group id: `-1` for (uid_t)-1, else unsigned.
fn arg_id(ctx: &mut Ctx<'_>, i: usize) {
    ctx.line.arg();
    types::id(ctx.line, ctx.args[i] as u32);
}

/// A path of at most `n` bytes (strace's `printpathn`): `NULL`, the address if
/// unreadable, else the string with `...` when longer. Returns -1 when nothing was
/// read, else whether the NUL was seen (1 or 0).
fn pathn(ctx: &mut Ctx<'_>, addr: u64, n: u64) -> i32 {
    if addr == 0 {
        ctx.line.sym("NULL");
        return -1;
    }
    let n = n.min(PATH_MAX - 1) as usize;
    match ctx.mem.read_cstr(ctx.tid, addr, n, ctx.scratch) {
        Ok(nul_seen) => {
            ctx.line.string(ctx.scratch, !nul_seen, ctx.opts.hex);
            i32::from(nul_seen)
        }
        Err(_) => {
            ctx.line.hex(addr);
            -1
        }
    }
}

/// `len` bytes at `addr` whose last byte, when printed and NUL, is left out (strace's
/// `printstr_ex(…, QUOTE_OMIT_TRAILING_0)`, for xattr values).
fn buf_omit_trailing_nul(ctx: &mut Ctx<'_>, addr: u64, len: u64) {
    if addr == 0 {
        ctx.line.sym("NULL");
        return;
    }
    let strsize = ctx.opts.strsize as u64;
    let fetch = len.min(strsize + 1) as usize;
    let mut bytes = vec![0u8; fetch];
    if !ctx.read(addr, &mut bytes) {
        ctx.line.hex(addr);
        return;
    }
    bytes.truncate(fetch.min(strsize as usize));
    let all_hex = match ctx.opts.hex {
        HexStrings::All => true,
        HexStrings::NonAscii => bytes
            .iter()
            .any(|&c| c > 0x7e || (c < b' ' && !(9..=13).contains(&c))),
        HexStrings::Escaped => false,
    };
    // Hex printing shows every byte; the escaped form drops a trailing NUL, and then
    // counts the string as whole (no `...`).
    let omitted = !all_hex && bytes.last() == Some(&0);
    if omitted {
        bytes.pop();
    }
    let style = if all_hex {
        HexStrings::All
    } else {
        HexStrings::Escaped
    };
    ctx.line.string(&bytes, len > strsize && !omitted, style);
}

/// A two-element array held locally (strace's `print_local_array`): cut with `...`
/// after `-s` elements when abbreviated.
fn local_pair(ctx: &mut Ctx<'_>, mut each: impl FnMut(&mut Ctx<'_>, usize)) {
    let limit = if ctx.abbrev {
        ctx.opts.strsize.min(2)
    } else {
        2
    };
    ctx.line.array_begin();
    for i in 0..2 {
        if i >= limit {
            ctx.line.more();
            break;
        }
        ctx.line.elem();
        each(ctx, i);
    }
    ctx.line.array_end();
}

/// A comment with a time's local date, when there is one.
fn time_comment(ctx: &mut Ctx<'_>, text: Option<String>) {
    if let Some(t) = text {
        ctx.line.comment(&t);
    }
}

/// `{tv_sec=S, tv_usec=U} /* date */` pairs of utimes(2), or `{tv_sec, tv_nsec}` pairs
/// with `UTIME_NOW`/`UTIME_OMIT` of utimensat(2).
fn utime_pair(ctx: &mut Ctx<'_>, addr: u64, nanos: bool) {
    let mut b = [0u8; 32];
    if !ctx.fetch_or_addr(addr, &mut b) {
        return;
    }
    local_pair(ctx, |ctx, i| {
        let sec = b.i64_at(16 * i);
        let frac = b.i64_at(16 * i + 8);
        if nanos && (frac == UTIME_NOW || frac == UTIME_OMIT) {
            ctx.line.sym(if frac == UTIME_NOW {
                "UTIME_NOW"
            } else {
                "UTIME_OMIT"
            });
            return;
        }
        let elem = &b[16 * i..16 * i + 16];
        types::seconds_and(ctx.line, elem, if nanos { "tv_nsec" } else { "tv_usec" });
        let text = if nanos {
            crate::tz::date_text(sec, frac as u64, 999_999_999, 9)
        } else {
            crate::tz::date_text(sec, frac as u64, 999_999, 6)
        };
        time_comment(ctx, text);
    });
}

// ---- opening ----

/// `open(path, flags[, mode])`, `openat(dirfd, path, flags[, mode])`: the mode only
/// when the flags create a file.
fn open_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    let flags = u64::from(ctx.args[i] as u32);
    ctx.line.arg();
    ctx.line.sym(&open_modes(flags));
    if flags & (O_CREAT | O_TMPFILE_BIT) != 0 {
        arg_umode(ctx, i + 1);
    }
    Step::Done(Ret::Fd)
}

/// `creat(path, mode)`.
fn creat_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    arg_umode(ctx, i);
    Step::Done(Ret::Fd)
}

/// `openat2(dirfd, path, how, size)`: `struct open_how` (its first 24 bytes; later
/// non-zero bytes shown in hex).
fn openat2_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    ctx.line.arg();
    open_how(ctx, ctx.args[i], ctx.args[i + 1]);
    ctx.arg_ulong(i + 1);
    Step::Done(Ret::Fd)
}

fn open_how(ctx: &mut Ctx<'_>, addr: u64, size: u64) {
    const MIN_SIZE: u64 = 24;
    let mut how = [0u8; 24];
    if size < MIN_SIZE || !ctx.fetch_or_addr(addr, &mut how) {
        if size < MIN_SIZE {
            ctx.line.ptr(addr);
        }
        return;
    }
    let (flags, mode, resolve) = (how.u64_at(0), how.u64_at(8), how.u64_at(16));
    ctx.line.struct_begin();
    ctx.line.field("flags");
    ctx.line.sym(&open_modes(flags));
    if flags & (O_CREAT | O_TMPFILE_BIT) != 0 || mode != 0 {
        ctx.line.field("mode");
        ctx.line.sym(&octal(mode));
    }
    ctx.line.field("resolve");
    ctx.line.flags(&x::OPEN_RESOLVE_FLAGS, resolve);
    if size > MIN_SIZE {
        // Bytes past the known structure, up to a page: shown when not all zero.
        let total = size.min(4096);
        let len = (total - MIN_SIZE) as usize;
        let mut rest = vec![0u8; len];
        if !ctx.read(addr.wrapping_add(MIN_SIZE), &mut rest) {
            ctx.line.elem();
            ctx.line.sym("???");
        } else if rest.iter().any(|&b| b != 0) {
            ctx.line.elem();
            ctx.line
                .text_fmt(format_args!("/* bytes {}..{} */ ", MIN_SIZE, total - 1));
            let shown = len.min(ctx.opts.strsize);
            ctx.line
                .string(&rest[..shown], shown < len, HexStrings::All);
        }
    }
    ctx.line.struct_end();
}

/// `open_by_handle_at(mount_fd, handle, flags)`.
fn open_by_handle_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    ctx.line.arg();
    let addr = ctx.args[i];
    let mut h = [0u8; 8];
    if ctx.fetch_or_addr(addr, &mut h) {
        ctx.line.struct_begin();
        ctx.line.field("handle_bytes");
        ctx.line.udec(u64::from(h.u32_at(0)));
        ctx.line.field("handle_type");
        ctx.line.dec(i64::from(h.i32_at(4)));
        ctx.line.field("f_handle");
        f_handle(ctx, addr, h.u32_at(0));
        ctx.line.struct_end();
    }
    ctx.line.arg();
    ctx.line.sym(&open_modes(u64::from(ctx.args[i + 1] as u32)));
    Step::Done(Ret::Fd)
}

/// The bytes of a `struct file_handle` in hex (at most `MAX_HANDLE_SZ`), `???` when
/// unreadable.
fn f_handle(ctx: &mut Ctx<'_>, addr: u64, handle_bytes: u32) {
    let len = handle_bytes.min(MAX_HANDLE_SZ) as usize;
    let at = addr.wrapping_add(8);
    let mut bytes = vec![0u8; len];
    if at > 8 && ctx.read(at, &mut bytes) {
        ctx.line
            .string(&bytes, handle_bytes as usize > len, HexStrings::All);
    } else {
        ctx.line.sym("???");
    }
}

/// `name_to_handle_at(dirfd, path, handle, mount_id, flags)`: the handle's size at
/// entry, what the kernel wrote at exit.
fn name_to_handle_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    let addr = ctx.args[i];
    if ctx.entering() {
        ctx.line.arg();
        let mut h = [0u8; 8];
        if !ctx.fetch_or_addr(addr, &mut h) {
            ctx.arg_ptr(i + 1);
            ctx.arg_flags(i + 2, &x::NAME_TO_HANDLE_AT_FLAGS);
            return Step::Done(Ret::Dec);
        }
        ctx.line.struct_begin();
        ctx.line.field("handle_bytes");
        ctx.line.udec(u64::from(h.u32_at(0)));
        *ctx.saved = u64::from(h.u32_at(0));
        return Step::Exit;
    }
    let overflow = ctx.error == Some(sysbridge::Errno::EOVERFLOW);
    let mut h = [0u8; 8];
    if (!ctx.failed() || overflow) && ctx.read(addr, &mut h) {
        let bytes = h.u32_at(0);
        if u64::from(bytes) != *ctx.saved {
            ctx.line.changed();
            ctx.line.udec(u64::from(bytes));
        }
        if !ctx.failed() {
            ctx.line.field("handle_type");
            ctx.line.dec(i64::from(h.i32_at(4)));
            ctx.line.field("f_handle");
            f_handle(ctx, addr, bytes);
        }
    }
    ctx.line.struct_end();
    ctx.line.arg();
    ctx.num_i32_at(ctx.args[i + 1]);
    ctx.arg_flags(i + 2, &x::NAME_TO_HANDLE_AT_FLAGS);
    Step::Done(Ret::Dec)
}

// ---- permissions ----

/// `access(path, mode)`, `faccessat(dirfd, path, mode)`.
fn access_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    ctx.arg_flags(i, &x::ACCESS_MODES);
    Step::Done(Ret::Dec)
}

/// `faccessat2(dirfd, path, mode, flags)`.
fn faccessat2_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    ctx.arg_flags(i, &x::ACCESS_MODES);
    ctx.arg_flags(i + 1, &x::FACCESSAT_FLAGS);
    Step::Done(Ret::Dec)
}

/// A mode: `chmod`, `fchmod`, `fchmodat`, `mkdir`, `mkdirat`.
fn mode_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    arg_umode(ctx, i);
    Step::Done(Ret::Dec)
}

/// Owner and group: `chown`, `lchown`, `fchown`.
fn owner_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    arg_id(ctx, i);
    arg_id(ctx, i + 1);
    Step::Done(Ret::Dec)
}

/// `fchownat(dirfd, path, owner, group, flags)`.
fn fchownat_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    owner_rest(ctx, i);
    at_flags_rest(ctx, i + 2)
}

/// `umask(mask)`: the old mask returns in octal.
fn umask(ctx: &mut Ctx<'_>) -> Step {
    arg_umode(ctx, 0);
    Step::Done(Ret::Oct)
}

// ---- names ----

/// Nothing more: `unlink`, `rmdir`, `chdir`, `chroot`, `fchdir`, `syncfs`.
fn nothing(_: &mut Ctx<'_>, _: usize) -> Step {
    Step::Done(Ret::Dec)
}

/// `AT_*` flags: `unlinkat(dirfd, path, flags)`.
fn at_flags_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    ctx.arg_flags(i, &x::AT_FLAGS);
    Step::Done(Ret::Dec)
}

/// A second path: `rename`, `link`, `symlink`.
fn path_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    ctx.arg_path(i);
    Step::Done(Ret::Dec)
}

/// A second directory descriptor and path: `renameat`, `symlinkat(target, newdirfd,
/// linkpath)`.
fn at_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    ctx.arg_dirfd(i);
    path_rest(ctx, i + 1)
}

/// `renameat2(olddirfd, oldpath, newdirfd, newpath, flags)`.
fn renameat2_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    at_rest(ctx, i);
    ctx.arg_flags(i + 2, &x::RENAME_FLAGS);
    Step::Done(Ret::Dec)
}

/// `linkat(olddirfd, oldpath, newdirfd, newpath, flags)`.
fn linkat_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    at_rest(ctx, i);
    at_flags_rest(ctx, i + 2)
}

/// `readlink(path, buf, bufsiz)`, `readlinkat`: the target at exit (not
/// NUL-terminated: as many bytes as returned).
fn readlink_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    if ctx.entering() {
        return Step::Exit;
    }
    if ctx.failed() {
        ctx.arg_ptr(i);
    } else {
        ctx.arg_buf(i, ctx.rval as u64);
    }
    ctx.arg_ulong(i + 1);
    Step::Done(Ret::Dec)
}

/// `getcwd(buf, size)`: everything at exit.
fn getcwd(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        return Step::Exit;
    }
    ctx.line.arg();
    if ctx.failed() {
        ctx.line.ptr(ctx.args[0]);
    } else {
        // The length returned counts the NUL.
        pathn(
            ctx,
            ctx.args[0],
            u64::from((ctx.rval as u32).wrapping_sub(1)),
        );
    }
    ctx.arg_ulong(1);
    Step::Done(Ret::Dec)
}

/// The mode symbolically, and the device only for device files: `mknod`, `mknodat`.
fn mknod_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    let mode = u32::from(ctx.args[i] as u16);
    ctx.line.arg();
    ctx.line.sym(&symbolic_mode(mode));
    if matches!(mode & S_IFMT, S_IFCHR | S_IFBLK) {
        ctx.line.arg();
        ctx.line.sym(&dev_text(u64::from(ctx.args[i + 1] as u32)));
    }
    Step::Done(Ret::Dec)
}

// ---- sizes and times ----

/// A length: `truncate`, `ftruncate`.
fn length_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    ctx.arg_ulong(i);
    Step::Done(Ret::Dec)
}

/// `utime(path, times)`: `{actime=T /* date */, modtime=T /* date */}`.
fn utimbuf_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    ctx.line.arg();
    let mut b = [0u8; 16];
    if ctx.fetch_or_addr(ctx.args[i], &mut b) {
        ctx.line.struct_begin();
        for (k, name) in ["actime", "modtime"].into_iter().enumerate() {
            let t = b.i64_at(8 * k);
            ctx.line.field(name);
            ctx.line.dec(t);
            time_comment(ctx, crate::tz::date_text(t, 0, 0, 0));
        }
        ctx.line.struct_end();
    }
    Step::Done(Ret::Dec)
}

/// `utimes(path, times)`, `futimesat(dirfd, path, times)`.
fn timevals_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    ctx.line.arg();
    utime_pair(ctx, ctx.args[i], false);
    Step::Done(Ret::Dec)
}

/// `utimensat(dirfd, path, times, flags)`.
fn timespecs_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    ctx.line.arg();
    utime_pair(ctx, ctx.args[i], true);
    at_flags_rest(ctx, i + 1)
}

// ---- extended attributes ----

/// The value and size of a set (at entry) or get (at exit, `size` what was
/// returned): the address when larger than an xattr can be.
fn xattr_value(ctx: &mut Ctx<'_>, addr: u64, insize: u64, size: u64) {
    ctx.line.arg();
    if size > XATTR_SIZE_MAX {
        ctx.line.ptr(addr);
    } else {
        buf_omit_trailing_nul(ctx, addr, size);
    }
    ctx.line.arg();
    ctx.line.udec(insize);
}

/// `setxattr(path, name, value, size, flags)`, `lsetxattr`, `fsetxattr`.
fn setxattr_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    ctx.arg_cstr(i);
    xattr_value(ctx, ctx.args[i + 1], ctx.args[i + 2], ctx.args[i + 2]);
    ctx.arg_flags(i + 3, &x::XATTRFLAGS);
    Step::Done(Ret::Dec)
}

/// `getxattr(path, name, value, size)`, `lgetxattr`, `fgetxattr`: the value at exit.
fn getxattr_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    if ctx.entering() {
        ctx.arg_cstr(i);
        return Step::Exit;
    }
    // A failed call's return is -1: too large, so the address prints.
    let size = if ctx.failed() {
        u64::MAX
    } else {
        ctx.rval as u64
    };
    xattr_value(ctx, ctx.args[i + 1], ctx.args[i + 2], size);
    Step::Done(Ret::Dec)
}

/// `listxattr(path, list, size)`, `llistxattr`, `flistxattr`: the names at exit.
fn listxattr_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    if ctx.entering() {
        return Step::Exit;
    }
    if ctx.args[i + 1] == 0 || ctx.failed() {
        ctx.arg_ptr(i);
    } else {
        ctx.arg_buf(i, ctx.rval as u64);
    }
    ctx.arg_ulong(i + 1);
    Step::Done(Ret::Dec)
}

/// An attribute's name: `removexattr`, `lremovexattr`, `fremovexattr`.
fn name_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    ctx.arg_cstr(i);
    Step::Done(Ret::Dec)
}

// ---- file systems ----

/// `mount(source, target, fstype, flags, data)`: the type and data as addresses when
/// the flags say the kernel ignores them; the old magic number by name.
fn mount(ctx: &mut Ctx<'_>) -> Step {
    const MS_MGC_VAL: u64 = 0xc0ed_0000;
    const MS_MGC_MSK: u64 = 0xffff_0000;
    const MS_REMOUNT: u64 = 32;
    // MS_BIND | MS_MOVE | MS_UNBINDABLE | MS_PRIVATE | MS_SLAVE | MS_SHARED
    const IGNORE_ALL: u64 = 1 << 12 | 1 << 13 | 1 << 17 | 1 << 18 | 1 << 19 | 1 << 20;
    let mut flags = ctx.args[3];
    let magic = flags & MS_MGC_MSK == MS_MGC_VAL;
    if magic {
        flags &= !MS_MGC_MSK;
    }
    let (ignore_type, ignore_data) = if flags & MS_REMOUNT != 0 {
        (true, false)
    } else if flags & IGNORE_ALL != 0 {
        (true, true)
    } else {
        (false, false)
    };
    ctx.arg_path(0);
    ctx.arg_path(1);
    if ignore_type {
        ctx.arg_ptr(2);
    } else {
        ctx.arg_cstr(2);
    }
    ctx.line.arg();
    let mut text = String::new();
    if magic {
        text.push_str("MS_MGC_VAL");
        if flags != 0 {
            text.push('|');
        }
    }
    if flags != 0 || !magic {
        write_flags(&mut text, &x::MOUNT_FLAGS, flags);
    }
    ctx.line.sym(&text);
    if ignore_data {
        ctx.arg_ptr(4);
    } else {
        ctx.arg_cstr(4);
    }
    Step::Done(Ret::Dec)
}

/// `umount2(target, flags)`.
fn umount2_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    ctx.arg_flags(i, &x::UMOUNT_FLAGS);
    Step::Done(Ret::Dec)
}

/// `swapon(path, flags)`: the flags by name, then the priority in the low bits
/// (`SWAP_FLAG_PREFER|5`, or `0`).
fn swapon_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    const PRIO_MASK: u64 = 0x7fff;
    let flags = u64::from(ctx.args[i] as u32);
    let mut text = String::new();
    if flags & !PRIO_MASK != 0 {
        write_flags(&mut text, &x::SWAP_FLAGS, flags & !PRIO_MASK);
        text.push('|');
    }
    text.push_str(&(flags & PRIO_MASK).to_string());
    ctx.line.arg();
    ctx.line.sym(&text);
    Step::Done(Ret::Dec)
}

/// `open_tree(dirfd, path, flags)`: a new descriptor.
fn open_tree_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    ctx.arg_flags(i, &x::OPEN_TREE_FLAGS);
    Step::Done(Ret::Fd)
}

/// `move_mount(from_dirfd, from_path, to_dirfd, to_path, flags)`.
fn move_mount_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    at_rest(ctx, i);
    ctx.arg_flags(i + 2, &x::MOVE_MOUNT_FLAGS);
    Step::Done(Ret::Dec)
}

/// `fspick(dirfd, path, flags)`: a new descriptor.
fn fspick_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    ctx.arg_flags(i, &x::FSPICK_FLAGS);
    Step::Done(Ret::Fd)
}

/// A copy of `table` without its unknown comment (strace's `printflags(…, NULL)`).
fn bare(table: &Xlat) -> Xlat {
    Xlat {
        entries: table.entries,
        unknown: None,
    }
}

#[cfg(test)]
mod text_tests {
    use super::*;

    #[test]
    fn modes_print_like_strace() {
        assert_eq!(octal(0), "000");
        assert_eq!(octal(7), "007");
        assert_eq!(octal(0o644), "0644");
        assert_eq!(octal(0o177777), "0177777");
        assert_eq!(symbolic_mode(0o100644), "S_IFREG|0644");
        assert_eq!(symbolic_mode(0o104755), "S_IFREG|S_ISUID|0755");
        assert_eq!(symbolic_mode(0o041777), "S_IFDIR|S_ISVTX|0777");
        assert_eq!(symbolic_mode(0o020000), "S_IFCHR|000");
        assert_eq!(symbolic_mode(0o644), "0644");
        assert_eq!(symbolic_mode(0o6000), "S_ISUID|S_ISGID|000");
        // An unknown type: the whole mode in octal.
        assert_eq!(symbolic_mode(0o070644), "070644");
    }

    #[test]
    fn open_flags_print_like_strace() {
        assert_eq!(open_modes(0), "O_RDONLY");
        assert_eq!(open_modes(0o2000000), "O_RDONLY|O_CLOEXEC");
        assert_eq!(open_modes(0o1101), "O_WRONLY|O_CREAT|O_TRUNC");
        assert_eq!(open_modes(3), "O_ACCMODE");
        assert_eq!(open_modes(0o4010002), "O_RDWR|O_SYNC");
        assert_eq!(open_modes(0o20200002), "O_RDWR|O_TMPFILE");
        assert_eq!(open_modes(0o20000000), "O_RDONLY|__O_TMPFILE");
        assert_eq!(open_modes(0o200000), "O_RDONLY|O_DIRECTORY");
        assert_eq!(open_modes(0x8000_0000), "O_RDONLY|0x80000000");
        assert_eq!(open_modes(0x8000_0041), "O_WRONLY|O_CREAT|0x80000000");
    }

    #[test]
    fn devices_print_like_strace() {
        assert_eq!(dev_text(0), "makedev(0, 0)");
        assert_eq!(dev_text(0x801), "makedev(0x8, 0x1)");
        assert_eq!(
            dev_text(0x0000_1234_5678_9abc),
            "makedev(0x189a, 0x234567bc)"
        );
    }
}
