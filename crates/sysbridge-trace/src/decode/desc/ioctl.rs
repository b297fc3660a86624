//! `ioctl`: the request by name (every name strace knows for the code, joined by
//! ` or `, else `_IOC(dir, type, nr, size)`), and the argument of the requests whose
//! argument strace decodes: terminals (`TCGETS`, `TIOCGWINSZ`, `FIONREAD`…), file
//! clones, the random device, namespaces, inotify, file systems. Any other argument
//! prints in hex.

mod sock;
mod term;

use crate::decode::line::{Xlat, write_flags};
use crate::decode::xlat_generated as x;
use crate::decode::{Ctx, Ret, Step};

/// What decoding a request's argument did, in the current phase.
enum Outcome {
    /// Printed (or nothing to print): the call is done.
    Done(Ret),
    /// More at exit.
    AtExit,
    /// Every argument printed; the exit only names the result.
    Result,
    /// Not decoded: the argument prints in hex now.
    Raw,
}

/// `ioctl(fd, request, arg)`.
pub(super) fn ioctl(ctx: &mut Ctx<'_>) -> Step {
    let code = ctx.args[1] as u32;
    if ctx.entering() {
        ctx.arg_fd(0);
        ctx.line.arg();
        ctx.line.sym(&request_text(code));
    }
    match decode(ctx, code) {
        Outcome::Done(ret) => Step::Done(ret),
        Outcome::AtExit if ctx.entering() => Step::Exit,
        Outcome::Result if ctx.entering() => Step::Result,
        Outcome::AtExit | Outcome::Result | Outcome::Raw => {
            ctx.arg_hex(2);
            Step::Done(Ret::Dec)
        }
    }
}

fn ioc_dir(code: u32) -> u32 {
    code >> 30
}

fn ioc_type(code: u32) -> u32 {
    (code >> 8) & 0xff
}

fn ioc_nr(code: u32) -> u32 {
    code & 0xff
}

fn ioc_size(code: u32) -> u32 {
    (code >> 16) & 0x3fff
}

const IOC_WRITE: u32 = 1;
const IOC_READ: u32 = 2;

/// How strace names a request: names it decodes from the number itself, then the
/// names of its table; `_IOC(...)` when it knows none.
fn request_text(code: u32) -> String {
    let mut s = String::new();
    let from_number = number_name(code, &mut s);
    let entries = x::IOCTL_NAMES.entries;
    let first = entries.partition_point(|&(v, _)| v < u64::from(code));
    let names = entries[first..]
        .iter()
        .take_while(|&&(v, _)| v == u64::from(code));
    let mut any = false;
    for (_, name) in names {
        if any || from_number {
            s.push_str(" or ");
        }
        s.push_str(name);
        any = true;
    }
    if !any && !from_number {
        s.push_str("_IOC(");
        write_flags(&mut s, &x::IOCTL_DIRS, u64::from(ioc_dir(code)));
        for part in [ioc_type(code), ioc_nr(code), ioc_size(code)] {
            s.push_str(", ");
            crate::decode::line::write_hex(&mut s, u64::from(part));
        }
        s.push(')');
    }
    s
}

/// The names strace builds from a request's fields for families whose codes carry a
/// parameter (`EVIOCGNAME(256)`, `MIXER_READ(0)`); true when it wrote one.
fn number_name(code: u32, s: &mut String) -> bool {
    let (dir, nr, size) = (ioc_dir(code), ioc_nr(code), ioc_size(code));
    let named = |s: &mut String, name: &str, n: u32| {
        s.push_str(&format!("{name}({n})"));
        true
    };
    match ioc_type(code) {
        0x21 if code == (IOC_READ << 30 | 0x21 << 8 | 2 | 8 << 16) => {
            s.push_str("SECCOMP_IOCTL_NOTIF_ID_VALID_WRONG_DIR");
            true
        }
        // Input devices: the fixed-name requests with a length (those naming an axis
        // or an event type are left to the table).
        0x45 if dir == IOC_READ => match nr {
            0x06 => named(s, "EVIOCGNAME", size),
            0x07 => named(s, "EVIOCGPHYS", size),
            0x08 => named(s, "EVIOCGUNIQ", size),
            0x09 => named(s, "EVIOCGPROP", size),
            0x0a => named(s, "EVIOCGMTSLOTS", size),
            0x18 => named(s, "EVIOCGKEY", size),
            0x19 => named(s, "EVIOCGLED", size),
            0x1a => named(s, "EVIOCGSND", size),
            0x1b => named(s, "EVIOCGSW", size),
            _ => false,
        },
        0x48 if dir == IOC_READ => match nr {
            0x04 => named(s, "HIDIOCGRAWNAME", size),
            0x05 => named(s, "HIDIOCGRAWPHYS", size),
            0x06 => named(s, "HIDIOCSFEATURE", size),
            0x08 => named(s, "HIDIOCGRAWUNIQ", size),
            0x12 => named(s, "HIDIOCGPHYS", size),
            _ => false,
        },
        0x48 if dir == IOC_READ | IOC_WRITE => match nr {
            0x06 => named(s, "HIDIOCSFEATURE", size),
            0x07 => named(s, "HIDIOCGFEATURE", size),
            _ => false,
        },
        0x4d if dir == IOC_WRITE => named(s, "MIXER_WRITE", nr),
        0x4d if dir == IOC_READ => named(s, "MIXER_READ", nr),
        0x55 if dir == IOC_READ && nr == 0x2c => named(s, "UI_GET_SYSNAME", size),
        0x6a if dir == IOC_READ && nr == 0x13 => named(s, "JSIOCGNAME", size),
        0x6b if dir == IOC_WRITE && nr == 0 => named(s, "SPI_IOC_MESSAGE", size),
        _ => false,
    }
}

/// The request types strace has an argument decoder for: a request of these types it
/// does not know prints its argument at entry; of any other type, at exit.
const DECODED_TYPES: &[u32] = &[
    0x03, 0x12, 0x21, 0x22, 0x24, 0x3d, 0x3e, 0x45, 0x49, 0x4b, 0x4c, 0x4d, 0x4f, 0x52, 0x54, 0x56,
    0x57, 0x58, 0x66, 0x69, 0x6f, 0x70, 0x89, 0x94, 0xa4, 0xaa, 0xab, 0xae, 0xb4, 0xb7, 0xfd,
];

fn decode(ctx: &mut Ctx<'_>, code: u32) -> Outcome {
    let ty = ioc_type(code);
    let decoded = match ty {
        0x54 => term::decode(ctx, code),
        0x49 => inotify(ctx, code),
        0x12 => block(ctx, code),
        0x52 => random(ctx, code),
        0x58 => fs_x(ctx, code),
        0x66 => fs_f(ctx, code),
        0x89 => sock::decode(ctx, code),
        0x94 => fs_0x94(ctx, code),
        0xb7 => nsfs(ctx, code),
        _ => None,
    };
    match decoded {
        Some(outcome) => outcome,
        None if DECODED_TYPES.contains(&ty) => Outcome::Raw,
        None if ctx.entering() => Outcome::AtExit,
        None => Outcome::Raw,
    }
}

/// Requests with an `int` argument the kernel reads: `[42]`.
fn int_in(ctx: &mut Ctx<'_>) -> Outcome {
    num_arg(ctx, Num::I32, false)
}

/// Requests with an `int` the kernel writes: `[42]` at exit.
fn int_out(ctx: &mut Ctx<'_>) -> Outcome {
    num_arg(ctx, Num::I32, true)
}

/// Requests with flag bits in an `unsigned int` the kernel reads: `[A|B]`.
fn flags_in(ctx: &mut Ctx<'_>, table: &Xlat) -> Outcome {
    ctx.line.arg();
    let mut b = [0u8; 4];
    if ctx.fetch_or_addr(ctx.args[2], &mut b) {
        ctx.line.array_begin();
        ctx.line.elem();
        ctx.line.flags(table, u64::from(u32::from_ne_bytes(b)));
        ctx.line.array_end();
    }
    Outcome::Done(Ret::Dec)
}

/// Requests whose argument is a plain `int`.
fn int_value(ctx: &mut Ctx<'_>) -> Outcome {
    ctx.arg_int(2);
    Outcome::Done(Ret::Dec)
}

/// Requests without an argument.
fn no_arg() -> Outcome {
    Outcome::Done(Ret::Dec)
}

/// The type of a number the argument points to.
#[derive(Clone, Copy)]
enum Num {
    U16,
    I32,
    U32,
    I64,
    U64,
}

/// The number the argument points to, in brackets (`[512]`), or the address; at exit
/// for the requests that return one (`out`).
fn num_arg(ctx: &mut Ctx<'_>, num: Num, out: bool) -> Outcome {
    if out && ctx.entering() {
        return Outcome::AtExit;
    }
    ctx.line.arg();
    let mut b = [0u8; 8];
    let size = match num {
        Num::U16 => 2,
        Num::I32 | Num::U32 => 4,
        Num::I64 | Num::U64 => 8,
    };
    if ctx.fetch_or_addr(ctx.args[2], &mut b[..size]) {
        let raw = u64::from_ne_bytes(b);
        ctx.line.array_begin();
        ctx.line.elem();
        match num {
            Num::I32 => ctx.line.dec(i64::from(raw as u32 as i32)),
            Num::I64 => ctx.line.dec(raw as i64),
            Num::U16 | Num::U32 | Num::U64 => ctx.line.udec(raw),
        }
        ctx.line.array_end();
    }
    Outcome::Done(Ret::Dec)
}

const BLKROSET: u32 = 0x125d;
const BLKROGET: u32 = 0x125e;
const BLKRRPART: u32 = 0x125f;
const BLKGETSIZE: u32 = 0x1260;
const BLKFLSBUF: u32 = 0x1261;
const BLKRASET: u32 = 0x1262;
const BLKRAGET: u32 = 0x1263;
const BLKFRASET: u32 = 0x1264;
const BLKFRAGET: u32 = 0x1265;
const BLKSECTGET: u32 = 0x1267;
const BLKPG: u32 = 0x1269;
const BLKSSZGET: u32 = 0x1268;
const BLKTRACESTART: u32 = 0x1274;
const BLKTRACESTOP: u32 = 0x1275;
const BLKTRACETEARDOWN: u32 = 0x1276;
const BLKDISCARD: u32 = 0x1277;
const BLKIOMIN: u32 = 0x1278;
const BLKIOOPT: u32 = 0x1279;
const BLKALIGNOFF: u32 = 0x127a;
const BLKPBSZGET: u32 = 0x127b;
const BLKDISCARDZEROES: u32 = 0x127c;
const BLKSECDISCARD: u32 = 0x127d;
const BLKROTATIONAL: u32 = 0x127e;
const BLKZEROOUT: u32 = 0x127f;
const BLKBSZGET: u32 = 0x8008_1270;
const BLKBSZSET: u32 = 0x4008_1271;
const BLKGETSIZE64: u32 = 0x8008_1272;
const BLKGETDISKSEQ: u32 = 0x8008_1280;
const BLKGETZONESZ: u32 = 0x8004_1284;
const BLKGETNRZONES: u32 = 0x8004_1285;

/// Block devices (`blockdev`, `lsblk`, `dd` on a disk). (`BLKPG` and
/// `BLKTRACESETUP` print in hex.)
fn block(ctx: &mut Ctx<'_>, code: u32) -> Option<Outcome> {
    Some(match code {
        BLKRASET | BLKFRASET => {
            ctx.arg_ulong(2);
            Outcome::Done(Ret::Dec)
        }
        BLKSECTGET | BLKROTATIONAL => num_arg(ctx, Num::U16, true),
        BLKROGET | BLKBSZGET | BLKSSZGET | BLKALIGNOFF => num_arg(ctx, Num::I32, true),
        BLKROSET | BLKBSZSET => num_arg(ctx, Num::I32, false),
        BLKPBSZGET | BLKIOMIN | BLKIOOPT | BLKDISCARDZEROES | BLKGETZONESZ | BLKGETNRZONES => {
            num_arg(ctx, Num::U32, true)
        }
        BLKRAGET | BLKFRAGET => num_arg(ctx, Num::I64, true),
        BLKGETSIZE | BLKGETSIZE64 | BLKGETDISKSEQ => num_arg(ctx, Num::U64, true),
        BLKDISCARD | BLKSECDISCARD | BLKZEROOUT => {
            ctx.line.arg();
            let mut b = [0u8; 16];
            if ctx.fetch_or_addr(ctx.args[2], &mut b) {
                ctx.line.array_begin();
                for half in b.chunks(8) {
                    ctx.line.elem();
                    ctx.line
                        .udec(u64::from_ne_bytes(half.try_into().expect("8")));
                }
                ctx.line.array_end();
            }
            Outcome::Done(Ret::Dec)
        }
        BLKPG => {
            ctx.line.arg();
            blkpg(ctx, ctx.args[2]);
            Outcome::Done(Ret::Dec)
        }
        BLKRRPART | BLKFLSBUF | BLKTRACESTART | BLKTRACESTOP | BLKTRACETEARDOWN => no_arg(),
        _ => return None,
    })
}

/// A `struct blkpg_ioctl_arg` and the partition it points to.
fn blkpg(ctx: &mut Ctx<'_>, addr: u64) {
    let mut a = [0u8; 24];
    if !ctx.fetch_or_addr(addr, &mut a) {
        return;
    }
    let int = |off: usize| i64::from(i32::from_ne_bytes(a[off..off + 4].try_into().expect("4")));
    ctx.line.struct_begin();
    ctx.line.field("op");
    ctx.line.xval(&x::BLKPG_OPS, int(0) as u64);
    ctx.line.field("flags");
    ctx.line.dec(int(4));
    ctx.line.field("datalen");
    ctx.line.dec(int(8));
    ctx.line.field("data");
    let mut p = [0u8; 152];
    let data = u64::from_ne_bytes(a[16..24].try_into().expect("8"));
    if ctx.fetch_or_addr(data, &mut p) {
        let long = |off: usize| i64::from_ne_bytes(p[off..off + 8].try_into().expect("8"));
        ctx.line.struct_begin();
        ctx.line.field("start");
        ctx.line.dec(long(0));
        ctx.line.field("length");
        ctx.line.dec(long(8));
        ctx.line.field("pno");
        ctx.line.dec(i64::from(i32::from_ne_bytes(
            p[16..20].try_into().expect("4"),
        )));
        ctx.line.field("devname");
        sock::cstring_field(ctx, &p[20..84]);
        ctx.line.field("volname");
        sock::cstring_field(ctx, &p[84..148]);
        ctx.line.struct_end();
    }
    ctx.line.struct_end();
}

const INOTIFY_IOC_SETNEXTWD: u32 = 0x4004_4900;

fn inotify(ctx: &mut Ctx<'_>, code: u32) -> Option<Outcome> {
    (code == INOTIFY_IOC_SETNEXTWD).then(|| int_value(ctx))
}

const RNDGETENTCNT: u32 = 0x8004_5200;
const RNDADDTOENTCNT: u32 = 0x4004_5201;
const RNDZAPENTCNT: u32 = 0x5204;
const RNDCLEARPOOL: u32 = 0x5206;
const RNDRESEEDCRNG: u32 = 0x5207;

/// The random device. (`RNDADDENTROPY`'s structure prints in hex.)
fn random(ctx: &mut Ctx<'_>, code: u32) -> Option<Outcome> {
    Some(match code {
        RNDGETENTCNT => int_out(ctx),
        RNDADDTOENTCNT => int_in(ctx),
        RNDZAPENTCNT | RNDCLEARPOOL | RNDRESEEDCRNG => no_arg(),
        _ => return None,
    })
}

const FIFREEZE: u32 = 0xc004_5877;
const FITHAW: u32 = 0xc004_5878;
const FITRIM: u32 = 0xc018_5879;

/// File-system freezing and trimming. (The `fsxattr` requests print in hex.)
fn fs_x(ctx: &mut Ctx<'_>, code: u32) -> Option<Outcome> {
    Some(match code {
        FITRIM => {
            ctx.line.arg();
            let mut b = [0u8; 24];
            if ctx.fetch_or_addr(ctx.args[2], &mut b) {
                let u = |i: usize| u64::from_ne_bytes(b[i * 8..i * 8 + 8].try_into().expect("8"));
                ctx.line.struct_begin();
                ctx.line.field("start");
                ctx.line.hex(u(0));
                ctx.line.field("len");
                ctx.line.udec(u(1));
                ctx.line.field("minlen");
                ctx.line.udec(u(2));
                ctx.line.struct_end();
            }
            Outcome::Done(Ret::Dec)
        }
        FIFREEZE | FITHAW => no_arg(),
        _ => return None,
    })
}

const FS_IOC_GETFLAGS: u32 = 0x8008_6601;
const FS_IOC_SETFLAGS: u32 = 0x4008_6602;
const FS_IOC32_GETFLAGS: u32 = 0x8004_6601;
const FS_IOC32_SETFLAGS: u32 = 0x4004_6602;

/// Inode flags (`lsattr`, `chattr`). (`FS_IOC_FIEMAP` prints in hex.)
fn fs_f(ctx: &mut Ctx<'_>, code: u32) -> Option<Outcome> {
    match code {
        FS_IOC_GETFLAGS | FS_IOC32_GETFLAGS if ctx.entering() => Some(Outcome::AtExit),
        FS_IOC_GETFLAGS | FS_IOC32_GETFLAGS | FS_IOC_SETFLAGS | FS_IOC32_SETFLAGS => {
            Some(flags_in(ctx, &x::FS_IOC_FLAGS))
        }
        _ => None,
    }
}

const FICLONE: u32 = 0x4004_9409;
const FICLONERANGE: u32 = 0x4020_940d;

/// File clones (`cp --reflink`). (Dedupe ranges, labels and btrfs print in hex.)
fn fs_0x94(ctx: &mut Ctx<'_>, code: u32) -> Option<Outcome> {
    Some(match code {
        FICLONE => int_value(ctx),
        FICLONERANGE => {
            ctx.line.arg();
            let mut b = [0u8; 32];
            if ctx.fetch_or_addr(ctx.args[2], &mut b) {
                let u = |i: usize| u64::from_ne_bytes(b[i * 8..i * 8 + 8].try_into().expect("8"));
                ctx.line.struct_begin();
                ctx.line.field("src_fd");
                ctx.fd(u(0) as i64 as i32);
                ctx.line.field("src_offset");
                ctx.line.udec(u(1));
                ctx.line.field("src_length");
                ctx.line.udec(u(2));
                ctx.line.field("dest_offset");
                ctx.line.udec(u(3));
                ctx.line.struct_end();
            }
            Outcome::Done(Ret::Dec)
        }
        _ => return None,
    })
}

const NS_GET_USERNS: u32 = 0xb701;
const NS_GET_PARENT: u32 = 0xb702;
const NS_GET_NSTYPE: u32 = 0xb703;
const NS_GET_OWNER_UID: u32 = 0xb704;

/// Namespace descriptors.
fn nsfs(ctx: &mut Ctx<'_>, code: u32) -> Option<Outcome> {
    Some(match code {
        NS_GET_USERNS | NS_GET_PARENT => Outcome::Done(Ret::Fd),
        NS_GET_NSTYPE if ctx.entering() => Outcome::Result,
        NS_GET_NSTYPE => match x::NS_TYPES.name(ctx.rval as u64).filter(|_| !ctx.failed()) {
            Some(name) => Outcome::Done(Ret::DecWith(name.to_string())),
            None => Outcome::Done(Ret::Dec),
        },
        NS_GET_OWNER_UID if ctx.entering() => Outcome::AtExit,
        NS_GET_OWNER_UID => {
            ctx.line.arg();
            let mut b = [0u8; 4];
            if ctx.fetch_or_addr(ctx.args[2], &mut b) {
                let uid = u32::from_ne_bytes(b);
                ctx.line.array_begin();
                ctx.line.elem();
                if uid == u32::MAX {
                    ctx.line.dec(-1);
                } else {
                    ctx.line.udec(u64::from(uid));
                }
                ctx.line.array_end();
            }
            Outcome::Done(Ret::Dec)
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_named_like_strace() {
        assert_eq!(request_text(0x5401), "TCGETS");
        assert_eq!(request_text(0x5402), "SNDCTL_TMR_START or TCSETS");
        assert_eq!(request_text(0x541b), "FIONREAD");
        assert_eq!(request_text(0x4004_9409), "BTRFS_IOC_CLONE or FICLONE");
        assert_eq!(
            request_text(0x8008_5413),
            "_IOC(_IOC_READ, 0x54, 0x13, 0x8)"
        );
        assert_eq!(
            request_text(0xc000_0000),
            "_IOC(_IOC_READ|_IOC_WRITE, 0, 0, 0)"
        );
        assert_eq!(request_text(0x0000_ff00), "_IOC(_IOC_NONE, 0xff, 0, 0)");
        assert_eq!(request_text(0x8100_4506), "EVIOCGNAME(256)");
        assert_eq!(request_text(0x4004_4d00), "MIXER_WRITE(0)");
    }

    #[test]
    fn the_name_table_is_sorted_by_code() {
        let e = x::IOCTL_NAMES.entries;
        assert!(e.windows(2).all(|w| w[0].0 <= w[1].0));
    }
}
