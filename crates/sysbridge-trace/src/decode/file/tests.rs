//! Decoders run on crafted memory: the "tracee" is this test process itself (reading
//! one's own memory with `process_vm_readv` is allowed), so that arguments can point
//! at any bytes, at unmapped pages, or at the edge of a mapping.

use sysbridge::Errno;

use super::*;
use crate::decode::line::Line;
use crate::decode::{DecodeOpts, Decoder};
use crate::mem::Mem;

/// How one call is decoded.
struct Call {
    args: [u64; 6],
    rval: i64,
    error: Option<Errno>,
    abbrev: bool,
    verbose: bool,
    strsize: usize,
    hex: HexStrings,
}

impl Call {
    fn new(args: &[u64]) -> Call {
        let mut a = [0u64; 6];
        a[..args.len()].copy_from_slice(args);
        Call {
            args: a,
            rval: 0,
            error: None,
            abbrev: true,
            verbose: true,
            strsize: 32,
            hex: HexStrings::Escaped,
        }
    }
    fn ret(mut self, rval: i64) -> Call {
        self.rval = rval;
        self
    }
    fn fail(mut self, e: Errno) -> Call {
        self.rval = -i64::from(e.raw());
        self.error = Some(e);
        self
    }
    fn v(mut self) -> Call {
        self.abbrev = false;
        self
    }
    fn s(mut self, n: usize) -> Call {
        self.strsize = n;
        self
    }
    fn x(mut self, hex: HexStrings) -> Call {
        self.hex = hex;
        self
    }
    fn quiet(mut self) -> Call {
        self.verbose = false;
        self
    }

    /// The arguments as the engine would print them, and the return form.
    fn run(&self, dec: Decoder) -> (String, Ret) {
        let mut line = Line::new(true);
        let mut mem = Mem::default();
        let opts = DecodeOpts {
            strsize: self.strsize,
            hex: self.hex,
            fd_paths: crate::options::FdPaths::No,
        };
        let mut scratch = Vec::new();
        let mut saved = 0u64;
        let tid = sysbridge::process::getpid().as_raw();
        let mut out = String::new();
        let mut exiting = false;
        loop {
            let mut ctx = Ctx {
                tid,
                args: self.args,
                nargs: 6,
                sp: 0,
                exiting,
                rval: self.rval,
                error: self.error,
                saved: &mut saved,
                prev_nr: None,
                abbrev: self.abbrev,
                verbose: self.verbose,
                line: &mut line,
                mem: &mut mem,
                opts: &opts,
                scratch: &mut scratch,
            };
            let step = dec(&mut ctx);
            if step == Step::Exit && !exiting {
                line.end_entry_phase();
                out.push_str(&line.text);
                line.text.clear();
                exiting = true;
                continue;
            }
            out.push_str(&line.text);
            let ret = match step {
                Step::Done(r) => r,
                Step::Exit | Step::Result => Ret::Dec,
            };
            // The JSON side must stay well formed whatever was printed.
            assert!(line.take_json().is_some());
            return (out, ret);
        }
    }

    fn text(&self, dec: Decoder) -> String {
        self.run(dec).0
    }
}

/// This family's decoder of `nr`.
fn d(nr: Sysno) -> Decoder {
    lookup(nr).expect("a decoder")
}

fn a<T>(v: &T) -> u64 {
    std::ptr::from_ref(v) as u64
}

fn s(v: &[u8]) -> u64 {
    v.as_ptr() as u64
}

/// A page that cannot be read, after a readable one: (readable start, unmapped start).
fn edge() -> (u64, u64) {
    use std::sync::OnceLock;
    static EDGE: OnceLock<(u64, u64)> = OnceLock::new();
    *EDGE.get_or_init(|| {
        use sysbridge::mm::{self, MapFlags, ProtFlags};
        // SAFETY: a fresh anonymous mapping that nothing else refers to; it is never
        // unmapped (the test process ends with it), so its addresses stay valid.
        unsafe {
            let p = mm::mmap(
                std::ptr::null_mut(),
                8192,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::PRIVATE | MapFlags::ANONYMOUS,
                None,
                0,
            )
            .expect("mmap");
            mm::mprotect(p.cast::<u8>().add(4096).cast(), 4096, ProtFlags::empty())
                .expect("mprotect");
            (p as u64, p as u64 + 4096)
        }
    })
}

/// Writes `bytes` so that they end exactly where the readable page ends.
fn at_edge(bytes: &[u8]) -> u64 {
    let (_, end) = edge();
    let start = end - bytes.len() as u64;
    // SAFETY: the range lies in the readable, writable page of `edge()`.
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), start as *mut u8, bytes.len()) };
    start
}

const BAD: u64 = 0xdead_0000;
const FD_CWD: u64 = (-100i64) as u64;

#[test]
fn open_calls() {
    let p = b"/etc/passwd\0";
    assert_eq!(
        Call::new(&[s(p), 0o2000000, 0o777]).run(d(Sysno::open)),
        ("\"/etc/passwd\", O_RDONLY|O_CLOEXEC".into(), Ret::Fd)
    );
    assert_eq!(
        Call::new(&[FD_CWD, s(p), 0o101, 0o100644]).text(d(Sysno::openat)),
        "AT_FDCWD, \"/etc/passwd\", O_WRONLY|O_CREAT, 0100644"
    );
    // The mode is a 16-bit value.
    assert_eq!(
        Call::new(&[s(p), 0o100, 0x1_0000 | 0o644]).text(d(Sysno::open)),
        "\"/etc/passwd\", O_RDONLY|O_CREAT, 0644"
    );
    assert_eq!(
        Call::new(&[3, BAD, 0o20000000, 0]).text(d(Sysno::openat)),
        "3, 0xdead0000, O_RDONLY|__O_TMPFILE, 000"
    );
    assert_eq!(Call::new(&[0, 0o4755]).text(d(Sysno::creat)), "NULL, 04755");
    // open_how: too small, unreadable, short, with non-zero bytes after it.
    let how: [u64; 5] = [0o100, 0, 0x4, 0, 0x0102];
    let c = |size| Call::new(&[FD_CWD, s(p), a(&how), size]);
    assert!(
        c(8).text(d(Sysno::openat2))
            .ends_with(&format!(", {:#x}, 8", a(&how)))
    );
    assert!(
        c(24)
            .text(d(Sysno::openat2))
            .ends_with("{flags=O_RDONLY|O_CREAT, mode=000, resolve=RESOLVE_NO_SYMLINKS}, 24")
    );
    assert!(c(40).text(d(Sysno::openat2)).ends_with(
        "{flags=O_RDONLY|O_CREAT, mode=000, resolve=RESOLVE_NO_SYMLINKS, \
         /* bytes 24..39 */ \"\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\
         \\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\"}, 40"
    ));
    assert!(
        c(40)
            .s(2)
            .text(d(Sysno::openat2))
            .ends_with("/* bytes 24..39 */ \"\\x00\\x00\"...}, 40")
    );
    // A size past the readable memory: the tail is unavailable.
    let tail = at_edge(&[0u8; 24]);
    assert!(
        Call::new(&[FD_CWD, s(p), tail, 100])
            .text(d(Sysno::openat2))
            .ends_with("resolve=0, ???}, 100")
    );
    assert!(
        Call::new(&[FD_CWD, s(p), BAD, 24])
            .text(d(Sysno::openat2))
            .ends_with(", 0xdead0000, 24")
    );
}

#[test]
fn stat_structures() {
    let mut st = [0u8; 144];
    st[24..28].copy_from_slice(&0o20620u32.to_ne_bytes());
    st[40..48].copy_from_slice(&0x8801u64.to_ne_bytes());
    st[72..80].copy_from_slice(&(-1i64).to_ne_bytes());
    st[80..88].copy_from_slice(&2_000_000_000u64.to_ne_bytes());
    let p = b"/dev/x\0";
    let c = Call::new(&[s(p), a(&st)]);
    assert_eq!(
        c.text(d(Sysno::stat)),
        "\"/dev/x\", {st_mode=S_IFCHR|0620, st_rdev=makedev(0x88, 0x1), ...}"
    );
    let full = c.v().text(d(Sysno::stat));
    assert!(full.contains("st_rdev=makedev(0x88, 0x1), st_atime=-1, st_atime_nsec=2000000000, "));
    assert!(full.contains("st_mtime=0, st_mtime_nsec=0, "));
    // A failed call, -e verbose=none, NULL, a structure running off the mapping.
    assert_eq!(
        Call::new(&[s(p), a(&st)])
            .fail(Errno::ENOENT)
            .text(d(Sysno::stat)),
        format!("\"/dev/x\", {:#x}", a(&st))
    );
    assert_eq!(
        Call::new(&[s(p), a(&st)]).quiet().text(d(Sysno::stat)),
        format!("\"/dev/x\", {:#x}", a(&st))
    );
    assert_eq!(
        Call::new(&[s(p), 0]).text(d(Sysno::stat)),
        "\"/dev/x\", NULL"
    );
    let short = at_edge(&[0u8; 100]);
    assert_eq!(
        Call::new(&[7, short]).text(d(Sysno::fstat)),
        format!("7, {short:#x}")
    );
    assert_eq!(
        Call::new(&[FD_CWD, s(p), a(&st), 0x1100]).text(d(Sysno::newfstatat)),
        "AT_FDCWD, \"/dev/x\", {st_mode=S_IFCHR|0620, st_rdev=makedev(0x88, 0x1), ...}, \
         AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH"
    );
}

#[test]
fn statx_structure() {
    let mut stx = [0u8; 256];
    stx[0..4].copy_from_slice(&0x3fffu32.to_ne_bytes());
    stx[8..16].copy_from_slice(&(0x4u64 | 0x8000_0000).to_ne_bytes());
    stx[20..24].copy_from_slice(&u32::MAX.to_ne_bytes());
    stx[28..30].copy_from_slice(&0o104755u16.to_ne_bytes());
    stx[64..72].copy_from_slice(&1_700_000_000i64.to_ne_bytes());
    stx[72..76].copy_from_slice(&(-1i32).to_ne_bytes());
    stx[144..152].copy_from_slice(&0x1bu64.to_ne_bytes());
    let p = b"f\0";
    let c = Call::new(&[FD_CWD, s(p), 0x6100 | 0x10000, 0xffff_ffff, a(&stx)]);
    assert_eq!(
        c.text(d(Sysno::statx)),
        "AT_FDCWD, \"f\", AT_STATX_FORCE_SYNC|AT_STATX_DONT_SYNC|AT_SYMLINK_NOFOLLOW|0x10000, \
         STATX_ALL|STATX_MNT_ID|STATX_DIOALIGN|0xffffc000, {stx_mask=STATX_ALL|STATX_MNT_ID|STATX_DIOALIGN, \
         stx_attributes=STATX_ATTR_COMPRESSED|0x80000000, stx_mode=S_IFREG|S_ISUID|0755, stx_size=0, ...}"
    );
    let full = c.v().text(d(Sysno::statx));
    assert!(full.contains("stx_uid=-1, stx_gid=0, "));
    // A nanosecond count out of range: no date.
    assert!(full.contains(
        "stx_atime={tv_sec=1700000000, tv_nsec=4294967295}, stx_btime={tv_sec=0, tv_nsec=0}, "
    ));
    assert!(full.ends_with(
        "stx_dev_minor=0, stx_mnt_id=0x1b, stx_dio_mem_align=0, stx_dio_offset_align=0}"
    ));
    let none = Call::new(&[FD_CWD, s(p), 0, 0, a(&[0u8; 256])]).text(d(Sysno::statx));
    assert_eq!(
        none,
        "AT_FDCWD, \"f\", AT_STATX_SYNC_AS_STAT, 0, {stx_mask=0, stx_attributes=0, ...}"
    );
}

#[test]
fn statfs_structure() {
    let mut b = [0u8; 120];
    b[0..8].copy_from_slice(&0x1234u64.to_ne_bytes());
    b[56..60].copy_from_slice(&7u32.to_ne_bytes());
    b[80..88].copy_from_slice(&0x21u64.to_ne_bytes());
    let text = Call::new(&[3, a(&b)]).s(1).text(d(Sysno::fstatfs));
    assert_eq!(
        text,
        "3, {f_type=0x1234, f_bsize=0, f_blocks=0, f_bfree=0, f_bavail=0, f_files=0, \
         f_ffree=0, f_fsid={val=[0x7, ...]}, f_namelen=0, f_frsize=0, f_flags=ST_VALID|ST_RDONLY}"
    );
}

#[test]
fn directory_entries() {
    // Two 64-bit entries, then one whose length runs past the data.
    let mut buf = Vec::new();
    for (ino, name) in [(1u64, &b"."[..]), (2, b"a-long-name")] {
        let reclen = (19 + name.len() + 1).next_multiple_of(8);
        let mut e = vec![0u8; reclen];
        e[0..8].copy_from_slice(&ino.to_ne_bytes());
        e[8..16].copy_from_slice(&(ino * 10).to_ne_bytes());
        e[16..18].copy_from_slice(&(reclen as u16).to_ne_bytes());
        e[18] = 4;
        e[19..19 + name.len()].copy_from_slice(name);
        buf.extend_from_slice(&e);
    }
    let good = buf.len();
    let mut bad = [0u8; 24];
    bad[16..18].copy_from_slice(&100u16.to_ne_bytes());
    bad[18] = 99;
    buf.extend_from_slice(&bad);
    let addr = s(&buf);
    let c = |len: usize| Call::new(&[3, addr, 4096]).ret(len as i64);
    assert_eq!(
        c(good).text(d(Sysno::getdents64)),
        format!("3, {addr:#x} /* 2 entries */, 4096")
    );
    assert_eq!(
        c(buf.len()).text(d(Sysno::getdents64)),
        format!("3, {addr:#x} /* d_reclen 76 bytes overflow */ /* 3 entries */, 4096")
    );
    assert_eq!(
        c(good).v().text(d(Sysno::getdents64)),
        "3, [{d_ino=1, d_off=10, d_reclen=24, d_type=DT_DIR, d_name=\".\"}, \
         {d_ino=2, d_off=20, d_reclen=32, d_type=DT_DIR, d_name=\"a-long-name\"}], 4096"
    );
    assert_eq!(
        c(buf.len())
            .v()
            .text(d(Sysno::getdents64))
            .split("}, ")
            .last()
            .unwrap(),
        "{d_ino=0, d_off=0, d_reclen=100 /* 76 bytes overflow */, d_type=0x63 /* DT_??? */, d_name=\"\"}], 4096"
    );
    // A tail too short for a header; an empty read; a return above the count.
    assert!(
        c(good + 5)
            .v()
            .text(d(Sysno::getdents64))
            .ends_with("d_name=\"a-long-name\"}, \"\\x00\\x00\\x00\\x00\\x00\"], 4096")
    );
    assert_eq!(c(0).v().text(d(Sysno::getdents64)), "3, [], 4096");
    assert_eq!(
        c(0).text(d(Sysno::getdents64)),
        format!("3, {addr:#x} /* 0 entries */, 4096")
    );
    assert_eq!(
        Call::new(&[3, addr, 10]).ret(24).text(d(Sysno::getdents64)),
        format!("3, {addr:#x}, 10")
    );
    // Entries running into unmapped memory.
    let edge_at = at_edge(&buf[..good]);
    assert_eq!(
        Call::new(&[3, edge_at, 4096])
            .ret(good as i64 + 40)
            .text(d(Sysno::getdents64)),
        format!("3, {edge_at:#x} /* 2+ entries */, 4096")
    );
    assert!(
        Call::new(&[3, edge_at, 4096])
            .ret(good as i64 + 40)
            .v()
            .text(d(Sysno::getdents64))
            .ends_with(&format!(
                "d_name=\"a-long-name\"}}, ... /* {:#x} */], 4096",
                edge_at + good as u64
            ))
    );
    // Old-style entries: the name, then the type in the last byte.
    let mut old = vec![0u8; 24];
    old[0..8].copy_from_slice(&5u64.to_ne_bytes());
    old[16..18].copy_from_slice(&24u16.to_ne_bytes());
    old[18..21].copy_from_slice(b"abc");
    old[23] = 8;
    assert_eq!(
        Call::new(&[3, s(&old), 100])
            .ret(24)
            .v()
            .text(d(Sysno::getdents)),
        "3, [{d_ino=5, d_off=0, d_reclen=24, d_name=\"abc\", d_type=DT_REG}], 100"
    );
    // An underflowing length.
    let mut under = [0u8; 40];
    under[16..18].copy_from_slice(&3u16.to_ne_bytes());
    assert_eq!(
        Call::new(&[3, s(&under), 100])
            .ret(40)
            .text(d(Sysno::getdents)),
        format!(
            "3, {:#x} /* d_reclen 15 bytes underflow */ /* 1+ entries */, 100",
            s(&under)
        )
    );
}

#[test]
fn links_and_buffers() {
    let target = b"0123456789abcdef";
    let c = Call::new(&[s(b"l\0"), s(target), 100]).ret(16);
    assert_eq!(
        c.text(d(Sysno::readlink)),
        "\"l\", \"0123456789abcdef\", 100"
    );
    assert_eq!(c.s(4).text(d(Sysno::readlink)), "\"l\", \"0123\"..., 100");
    assert_eq!(
        Call::new(&[s(b"l\0"), BAD, 100])
            .fail(Errno::EFAULT)
            .text(d(Sysno::readlink)),
        "\"l\", 0xdead0000, 100"
    );
    let cwd = b"/tmp\0garbage";
    assert_eq!(
        Call::new(&[s(cwd), 100]).ret(5).text(d(Sysno::getcwd)),
        "\"/tmp\", 100"
    );
    // A length that disagrees with the NUL: cut, as strace's printpathn does.
    assert_eq!(
        Call::new(&[s(cwd), 100]).ret(3).text(d(Sysno::getcwd)),
        "\"/t\"..., 100"
    );
    assert_eq!(
        Call::new(&[s(cwd), 2])
            .fail(Errno::ERANGE)
            .text(d(Sysno::getcwd)),
        format!("{:#x}, 2", s(cwd))
    );
    // An unterminated path that runs into unmapped memory: its address.
    let unterminated = at_edge(b"/no/nul/here");
    assert_eq!(
        Call::new(&[unterminated]).text(d(Sysno::unlink)),
        format!("{unterminated:#x}")
    );
    assert_eq!(
        Call::new(&[0o22]).run(d(Sysno::umask)),
        ("022".into(), Ret::Oct)
    );
}

#[test]
fn modes_ids_and_devices() {
    let p = b"n\0";
    assert_eq!(
        Call::new(&[s(p), 0o60600, 0x1234_5678_9abc_def0]).text(d(Sysno::mknod)),
        "\"n\", S_IFBLK|0600, makedev(0xcde, 0x9abf0)"
    );
    assert_eq!(
        Call::new(&[s(p), 0o10644, 5]).text(d(Sysno::mknod)),
        "\"n\", S_IFIFO|0644"
    );
    assert_eq!(
        Call::new(&[s(p), u64::MAX, u64::MAX]).text(d(Sysno::chown)),
        "\"n\", -1, -1"
    );
    assert_eq!(
        Call::new(&[FD_CWD, s(p), 0x1_0000_0000, 4_294_967_294, 0]).text(d(Sysno::fchownat)),
        "AT_FDCWD, \"n\", 0, 4294967294, 0"
    );
    assert_eq!(
        Call::new(&[s(p), 0x1_0000_0007]).text(d(Sysno::access)),
        "\"n\", R_OK|W_OK|X_OK"
    );
    assert_eq!(
        Call::new(&[s(p), 0x10]).text(d(Sysno::access)),
        "\"n\", 0x10 /* ?_OK */"
    );
}

#[test]
fn times() {
    let p = b"f\0";
    let ts: [i64; 4] = [1_700_000_000, 5, 0, UTIME_OMIT];
    let ts_text = Call::new(&[FD_CWD, s(p), a(&ts), 0])
        .s(1)
        .text(d(Sysno::utimensat));
    assert!(ts_text.starts_with("AT_FDCWD, \"f\", [{tv_sec=1700000000, tv_nsec=5} /* 2023-11-14T"));
    assert!(ts_text.ends_with(" */, ...], 0"));
    assert_eq!(
        Call::new(&[FD_CWD, s(p), a(&ts), 0])
            .s(0)
            .text(d(Sysno::utimensat)),
        "AT_FDCWD, \"f\", [...], 0"
    );
    let zero: [i64; 4] = [0, 0, 0, UTIME_OMIT];
    assert_eq!(
        Call::new(&[FD_CWD, s(p), a(&zero), 0]).text(d(Sysno::utimensat)),
        "AT_FDCWD, \"f\", [{tv_sec=0, tv_nsec=0}, UTIME_OMIT], 0"
    );
    let tv: [i64; 4] = [0, -1, 0, 1_000_000];
    assert_eq!(
        Call::new(&[s(p), a(&tv)]).text(d(Sysno::utimes)),
        "\"f\", [{tv_sec=0, tv_usec=18446744073709551615}, {tv_sec=0, tv_usec=1000000}]"
    );
    let ut: [i64; 2] = [0, i64::MAX];
    assert_eq!(
        Call::new(&[s(p), a(&ut)]).text(d(Sysno::utime)),
        "\"f\", {actime=0, modtime=9223372036854775807}"
    );
}

#[test]
fn xattrs() {
    let p = b"f\0";
    let name = b"user.a\0";
    let v = b"value\0";
    assert_eq!(
        Call::new(&[s(p), s(name), s(v), 6, 1]).text(d(Sysno::setxattr)),
        "\"f\", \"user.a\", \"value\", 6, XATTR_CREATE"
    );
    // -x: the NUL makes the string hex, and it stays.
    assert_eq!(
        Call::new(&[s(p), s(name), s(v), 6, 0])
            .x(HexStrings::NonAscii)
            .text(d(Sysno::setxattr)),
        "\"f\", \"user.a\", \"\\x76\\x61\\x6c\\x75\\x65\\x00\", 6, 0"
    );
    assert_eq!(
        Call::new(&[s(p), s(name), s(v), 6, 0])
            .s(3)
            .text(d(Sysno::setxattr)),
        "\"f\", \"use\"..., \"val\"..., 6, 0"
    );
    // A cut that ends on a NUL drops it and the `...` with it.
    let acl = b"\x02\0\0\0\x01\0\x06\0";
    assert_eq!(
        Call::new(&[s(p), s(name), s(acl), 8, 0])
            .s(4)
            .text(d(Sysno::setxattr)),
        "\"f\", \"user\"..., \"\\2\\0\\0\", 8, 0"
    );
    assert_eq!(
        Call::new(&[s(p), s(name), s(v), 70000, 0]).text(d(Sysno::setxattr)),
        format!("\"f\", \"user.a\", {:#x}, 70000, 0", s(v))
    );
    assert_eq!(
        Call::new(&[s(p), s(name), s(v), 100])
            .ret(6)
            .text(d(Sysno::getxattr)),
        "\"f\", \"user.a\", \"value\", 100"
    );
    assert_eq!(
        Call::new(&[s(p), s(name), s(v), 100])
            .fail(Errno::ENODATA)
            .text(d(Sysno::getxattr)),
        format!("\"f\", \"user.a\", {:#x}, 100", s(v))
    );
    let list = b"user.a\0user.b\0";
    assert_eq!(
        Call::new(&[3, s(list), 100])
            .ret(14)
            .text(d(Sysno::flistxattr)),
        "3, \"user.a\\0user.b\\0\", 100"
    );
    assert_eq!(
        Call::new(&[3, s(list), 0])
            .ret(14)
            .text(d(Sysno::flistxattr)),
        format!("3, {:#x}, 0", s(list))
    );
}

#[test]
fn mounts_and_handles() {
    let (src, dst, ty) = (b"none\0", b"/mnt\0", b"tmpfs\0");
    assert_eq!(
        Call::new(&[s(src), s(dst), s(ty), 0xc0ed_0000 | 0x21, 0]).text(d(Sysno::mount)),
        format!(
            "\"none\", \"/mnt\", {:#x}, MS_MGC_VAL|MS_RDONLY|MS_REMOUNT, NULL",
            s(ty)
        )
    );
    assert_eq!(
        Call::new(&[s(src), s(dst), s(ty), 0, 0]).text(d(Sysno::mount)),
        "\"none\", \"/mnt\", \"tmpfs\", 0, NULL"
    );
    let mut h = [0u32; 6];
    h[0] = 16;
    let id = 0i32;
    let entry = Call::new(&[FD_CWD, s(b"f\0"), a(&h), a(&id), 0]);
    assert_eq!(
        entry
            .fail(Errno::EOVERFLOW)
            .text(d(Sysno::name_to_handle_at)),
        format!("AT_FDCWD, \"f\", {{handle_bytes=16}}, {:#x}, 0", a(&id))
    );
    assert_eq!(
        Call::new(&[3, a(&h), 0o2000000]).text(d(Sysno::open_by_handle_at)),
        "3, {handle_bytes=16, handle_type=0, f_handle=\"\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\"}, O_RDONLY|O_CLOEXEC"
    );
    // A handle whose bytes run off the mapping.
    let tail = at_edge(&[255, 0, 0, 0, 1, 0, 0, 0, 9]);
    assert_eq!(
        Call::new(&[3, tail, 0]).text(d(Sysno::open_by_handle_at)),
        "3, {handle_bytes=255, handle_type=1, f_handle=???}, O_RDONLY"
    );
}

/// Random registers and memory: nothing panics, and every call ends.
#[test]
fn garbage_never_panics() {
    let decoders: Vec<Decoder> = Sysno::all().filter_map(lookup).collect();
    let mut junk = vec![0u8; 8192];
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for b in junk.iter_mut() {
        *b = next() as u8;
    }
    let (_, end) = edge();
    let junk_at = s(&junk);
    for round in 0..400 {
        let mut args = [0u64; 6];
        for arg in &mut args {
            *arg = match next() % 6 {
                0 => 0,
                1 => junk_at + next() % 8192,
                2 => end - next() % 64,
                3 => BAD,
                4 => next() % 70_000,
                _ => next(),
            };
        }
        for &dec in &decoders {
            let mut c = Call::new(&args).ret((next() % 9000) as i64);
            if round % 3 == 0 {
                c = c.v();
            }
            if round % 5 == 0 {
                c = c.fail(Errno::EFAULT);
            }
            c.s((next() % 40) as usize).x(HexStrings::NonAscii).run(dec);
        }
    }
}
