//! `stat`, `lstat`, `fstat`, `newfstatat` (`struct stat`), `statx` (`struct statx`),
//! `statfs`, `fstatfs` (`struct statfs`): the structure prints at exit.
//!
//! Abbreviated (the default), a stat shows the mode and the size (or the device of a
//! device file) then `...`; with `-v` every field, times with their local date.

use super::{S_IFBLK, S_IFCHR, S_IFMT, bare, dev_text, local_pair, symbolic_mode, time_comment};
use crate::decode::line::write_flags;
use crate::decode::xlat_generated as x;
use crate::decode::{Ctx, Ret, Step, types};
use crate::mem::Fields;

/// A structure the kernel fills, at argument `i`: printed at exit by `print`.
fn filled_at_exit(ctx: &mut Ctx<'_>, i: usize, print: fn(&mut Ctx<'_>, u64)) -> Step {
    if ctx.entering() {
        return Step::Exit;
    }
    ctx.line.arg();
    print(ctx, ctx.args[i]);
    Step::Done(Ret::Dec)
}

/// `stat(path, buf)`, `lstat`, `fstat(fd, buf)`.
pub(super) fn stat_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    filled_at_exit(ctx, i, stat_buf)
}

/// `newfstatat(dirfd, path, buf, flags)`: the flags at exit too, after the structure.
pub(super) fn newfstatat_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    let step = stat_rest(ctx, i);
    if ctx.exiting {
        ctx.arg_flags(i + 1, &x::AT_FLAGS);
    }
    step
}

/// x86_64's `struct stat` (144 bytes).
fn stat_buf(ctx: &mut Ctx<'_>, addr: u64) {
    let mut b = [0u8; 144];
    if !ctx.fetch_or_addr(addr, &mut b) {
        return;
    }
    let mode = b.u32_at(24);
    let full = !ctx.abbrev;
    let l = &mut *ctx.line;
    l.struct_begin();
    if full {
        l.field("st_dev");
        l.sym(&dev_text(b.u64_at(0)));
        l.field("st_ino");
        l.udec(b.u64_at(8));
    }
    l.field("st_mode");
    l.sym(&symbolic_mode(mode));
    if full {
        l.field("st_nlink");
        l.udec(b.u64_at(16));
        l.field("st_uid");
        l.udec(u64::from(b.u32_at(28)));
        l.field("st_gid");
        l.udec(u64::from(b.u32_at(32)));
        l.field("st_blksize");
        l.udec(b.u64_at(56));
        l.field("st_blocks");
        l.udec(b.u64_at(64));
    }
    if matches!(mode & S_IFMT, S_IFCHR | S_IFBLK) {
        l.field("st_rdev");
        l.sym(&dev_text(b.u64_at(40)));
    } else {
        l.field("st_size");
        l.udec(b.u64_at(48));
    }
    if full {
        for (name, at) in [("st_atime", 72), ("st_mtime", 88), ("st_ctime", 104)] {
            let (sec, nsec) = (b.i64_at(at), b.u64_at(at + 8));
            ctx.line.field(name);
            ctx.line.dec(sec);
            time_comment(ctx, crate::tz::date_text(sec, nsec, 999_999_999, 9));
            ctx.line.field(&format!("{name}_nsec"));
            ctx.line.udec(nsec);
        }
    } else {
        l.more();
    }
    ctx.line.struct_end();
}

const STATX_TYPE: u32 = 0x1;
const STATX_MODE: u32 = 0x2;
const STATX_NLINK: u32 = 0x4;
const STATX_UID: u32 = 0x8;
const STATX_GID: u32 = 0x10;
const STATX_ATIME: u32 = 0x20;
const STATX_MTIME: u32 = 0x40;
const STATX_CTIME: u32 = 0x80;
const STATX_INO: u32 = 0x100;
const STATX_SIZE: u32 = 0x200;
const STATX_BLOCKS: u32 = 0x400;
const STATX_BTIME: u32 = 0x800;
const STATX_MNT_ID: u32 = 0x1000;
const STATX_DIOALIGN: u32 = 0x2000;
const AT_STATX_SYNC_TYPE: u64 = 0x6000;

/// `statx(dirfd, path, flags, mask, buf)`.
pub(super) fn statx_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    if ctx.entering() {
        // The sync type first (by name even when zero), then the other AT_* flags.
        let flags = u64::from(ctx.args[i] as u32);
        let mut text = String::new();
        write_flags(
            &mut text,
            &bare(&x::AT_STATX_SYNC_TYPES),
            flags & AT_STATX_SYNC_TYPE,
        );
        let rest = flags & !AT_STATX_SYNC_TYPE;
        if rest != 0 {
            text.push('|');
            write_flags(&mut text, &bare(&x::AT_FLAGS), rest);
        }
        ctx.line.arg();
        ctx.line.sym(&text);
        ctx.arg_flags(i + 1, &x::STATX_MASKS);
        return Step::Exit;
    }
    ctx.line.arg();
    let mut b = [0u8; 256];
    if !ctx.fetch_or_addr(ctx.args[i + 2], &mut b) {
        return Step::Done(Ret::Dec);
    }
    let mask = b.u32_at(0);
    let full = !ctx.abbrev;
    let has = |bit: u32| mask & bit != 0;
    let l = &mut *ctx.line;
    l.struct_begin();
    l.field("stx_mask");
    l.flags(&x::STATX_MASKS, u64::from(mask));
    if full {
        l.field("stx_blksize");
        l.udec(u64::from(b.u32_at(4)));
    }
    l.field("stx_attributes");
    l.flags(&x::STATX_ATTRS, b.u64_at(8));
    if full {
        if has(STATX_NLINK) {
            l.field("stx_nlink");
            l.udec(u64::from(b.u32_at(16)));
        }
        for (bit, name, at) in [(STATX_UID, "stx_uid", 20), (STATX_GID, "stx_gid", 24)] {
            if has(bit) {
                l.field(name);
                types::id(l, b.u32_at(at));
            }
        }
    }
    if has(STATX_TYPE | STATX_MODE) {
        l.field("stx_mode");
        l.sym(&symbolic_mode(u32::from(b.u16_at(28))));
    }
    if full && has(STATX_INO) {
        l.field("stx_ino");
        l.udec(b.u64_at(32));
    }
    if has(STATX_SIZE) {
        l.field("stx_size");
        l.udec(b.u64_at(40));
    }
    if !full {
        l.more();
        l.struct_end();
        return Step::Done(Ret::Dec);
    }
    if has(STATX_BLOCKS) {
        l.field("stx_blocks");
        l.udec(b.u64_at(48));
    }
    l.field("stx_attributes_mask");
    l.flags(&x::STATX_ATTRS, b.u64_at(56));
    for (bit, name, at) in [
        (STATX_ATIME, "stx_atime", 64),
        (STATX_BTIME, "stx_btime", 80),
        (STATX_CTIME, "stx_ctime", 96),
        (STATX_MTIME, "stx_mtime", 112),
    ] {
        if has(bit) {
            let (sec, nsec) = (b.i64_at(at), u64::from(b.u32_at(at + 8)));
            ctx.line.field(name);
            ctx.line.struct_begin();
            ctx.line.field("tv_sec");
            ctx.line.dec(sec);
            ctx.line.field("tv_nsec");
            ctx.line.udec(nsec);
            ctx.line.struct_end();
            time_comment(ctx, crate::tz::date_text(sec, nsec, 999_999_999, 9));
        }
    }
    let l = &mut *ctx.line;
    for (name, at) in [
        ("stx_rdev_major", 128),
        ("stx_rdev_minor", 132),
        ("stx_dev_major", 136),
        ("stx_dev_minor", 140),
    ] {
        l.field(name);
        l.udec(u64::from(b.u32_at(at)));
    }
    if has(STATX_MNT_ID) {
        l.field("stx_mnt_id");
        l.hex(b.u64_at(144));
    }
    if has(STATX_DIOALIGN) {
        l.field("stx_dio_mem_align");
        l.udec(u64::from(b.u32_at(152)));
        l.field("stx_dio_offset_align");
        l.udec(u64::from(b.u32_at(156)));
    }
    l.struct_end();
    Step::Done(Ret::Dec)
}

/// `statfs(path, buf)`, `fstatfs(fd, buf)`.
pub(super) fn statfs_rest(ctx: &mut Ctx<'_>, i: usize) -> Step {
    filled_at_exit(ctx, i, statfs_buf)
}

/// x86_64's `struct statfs` (120 bytes); every field, abbreviated or not.
fn statfs_buf(ctx: &mut Ctx<'_>, addr: u64) {
    const ST_VALID: u64 = 0x20;
    let mut b = [0u8; 120];
    if !ctx.fetch_or_addr(addr, &mut b) {
        return;
    }
    let l = &mut *ctx.line;
    l.struct_begin();
    l.field("f_type");
    l.xval(&x::FSMAGIC, b.u64_at(0));
    for (name, at) in [
        ("f_bsize", 8),
        ("f_blocks", 16),
        ("f_bfree", 24),
        ("f_bavail", 32),
        ("f_files", 40),
        ("f_ffree", 48),
    ] {
        l.field(name);
        l.udec(b.u64_at(at));
    }
    l.field("f_fsid");
    l.struct_begin();
    l.field("val");
    local_pair(ctx, |ctx, i| ctx.line.hex(u64::from(b.u32_at(56 + 4 * i))));
    let l = &mut *ctx.line;
    l.struct_end();
    l.field("f_namelen");
    l.udec(b.u64_at(64));
    l.field("f_frsize");
    l.udec(b.u64_at(72));
    let flags = b.u64_at(80);
    if flags & ST_VALID != 0 {
        l.field("f_flags");
        l.flags(&x::STATFS_FLAGS, flags);
    }
    l.struct_end();
}
