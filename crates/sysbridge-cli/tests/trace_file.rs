//! The file family's decoders against strace 6.1: opening, stat/statx/statfs, links
//! and names, permissions and owners, times, directory entries, extended attributes,
//! mounts and file handles; on coreutils, shell scripts and Python scripts that pass
//! bad pointers, NULLs, odd flags and sizes; with `-v`, `-s`, `-x`, `-xx`, `-y`,
//! `-e verbose=none` and under several time zones.

mod support;

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};

use support::{assert_identical, group, python, strace_available, sysbridge, trace_lines};

/// `%file` with the descriptor-only calls of this family it leaves out. Not `umask`:
/// its octal return prints as `%#o` (`= 0`) where strace writes `%#03o` (`= 000`),
/// which is the engine's (`engine/report.rs`, `Ret::Oct`).
const FAMILY: &str = "trace=%file,fstat,fstatfs,getdents,getdents64,fchmod,fchown,fchdir,\
                      ftruncate,syncfs,sync,fgetxattr,fsetxattr,flistxattr,fremovexattr,\
                      open_by_handle_at";

/// Names of this family's calls (for checking only their lines).
const NAMES: &[&str] = &[
    "open",
    "openat",
    "openat2",
    "creat",
    "access",
    "faccessat",
    "faccessat2",
    "stat",
    "lstat",
    "fstat",
    "newfstatat",
    "statx",
    "statfs",
    "fstatfs",
    "readlink",
    "readlinkat",
    "unlink",
    "unlinkat",
    "mkdir",
    "mkdirat",
    "rmdir",
    "rename",
    "renameat",
    "renameat2",
    "link",
    "linkat",
    "symlink",
    "symlinkat",
    "chmod",
    "fchmod",
    "fchmodat",
    "chown",
    "fchown",
    "lchown",
    "fchownat",
    "truncate",
    "ftruncate",
    "utime",
    "utimes",
    "futimesat",
    "utimensat",
    "chdir",
    "fchdir",
    "getcwd",
    "chroot",
    "mknod",
    "mknodat",
    "umask",
    "getdents",
    "getdents64",
    "setxattr",
    "lsetxattr",
    "fsetxattr",
    "getxattr",
    "lgetxattr",
    "fgetxattr",
    "listxattr",
    "llistxattr",
    "flistxattr",
    "removexattr",
    "lremovexattr",
    "fremovexattr",
    "sync",
    "syncfs",
    "mount",
    "umount2",
    "name_to_handle_at",
    "open_by_handle_at",
    "acct",
    "swapon",
    "swapoff",
    "uselib",
    "pivot_root",
    "open_tree",
    "move_mount",
    "fspick",
];

/// The options of a comparison: `extra`, this family's calls, no signal lines (their
/// times and pids are the engine's business).
fn opts<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = extra.to_vec();
    v.extend(["-e", FAMILY, "-e", "signal=none"]);
    v
}

/// This family's calls by name, `execve` left out (its arrays print as addresses
/// under `-e verbose=none`, and those are in each tracer's own memory).
fn names_opts<'a>(extra: &[&'a str], names: &'a str) -> Vec<&'a str> {
    let mut v = extra.to_vec();
    v.extend(["-e", names, "-e", "signal=none"]);
    v
}

/// A scratch directory for one test (commands get its path, the same in every run).
fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("trace-file-")
        .tempdir()
        .unwrap()
}

/// Opens, stats and directory reads of everyday tools.
#[test]
fn coreutils_match_strace() {
    if !strace_available() {
        return;
    }
    for extra in [&[][..], &["-v"], &["-s", "8", "-x"], &["-y"]] {
        assert_identical(&opts(extra), &["stat", "/etc/passwd"]);
        if extra.len() != 1 {
            // Four thousand lines: two variants are enough.
            assert_identical(&opts(extra), &["find", "/usr/share/doc", "-maxdepth", "2"]);
        }
        // With -v, the link counts of /proc and /tmp change from run to run.
        let dir = if extra == ["-v"] { "/usr" } else { "/" };
        assert_identical(&opts(extra), &["ls", "-la", dir]);
    }
}

/// A shell session that creates, copies, moves, links, changes and removes files.
#[test]
fn file_operations_match_strace() {
    if !strace_available() {
        return;
    }
    let dir = scratch();
    let script = format!(
        "cd {} && mkdir -p D/a/b && echo hi > D/f && cp D/f D/g && cp -a D E && \
         mv D/g D/h && ln -s f D/l && ln D/f D/hard && chmod 4755 D/f && chmod -R go-w D && \
         touch -d @1700000000.5 D/f && touch -h D/l && readlink D/l && stat D/l && \
         ls -l D E && truncate -s 10 D/h && rmdir D/a/b && rm -r D E",
        dir.path().display()
    );
    // Not -v: files made during the run have new inode numbers and times, which the
    // two strace runs may share by chance (an inode freed and taken again) and ours not.
    // Two variants only: with 17 processes, the harness's grouping takes seconds.
    for extra in [&["-f"][..], &["-f", "-y", "-s", "4"]] {
        assert_identical(&opts(extra), &["sh", "-c", &script]);
    }
}

/// The files every script finds in the scratch directory, made once before the runs
/// (so that their inode numbers are the same in every run): `f`, the links `l` and
/// `long`, and forty files whose names hold unprintable bytes.
const SETUP: &str = r#"
import os, sys
os.chdir(sys.argv[1])
open("f", "w").write("hello")
os.symlink("f", "l")
os.symlink("x" * 100, "long")
for i in range(40):
    open("name-%02d-\x01\xe9" % i, "w").close()
"#;

/// What every script starts with: `sc(NR, args...)` makes a system call with any
/// arguments (integers as `long`), `addr(buffer)` is a buffer's address, `BAD` an
/// unmapped one; the scratch directory is the current one, put back as `SETUP` left
/// it (each script runs three times there).
const PRELUDE: &str = r#"
import ctypes, os, shutil, sys
L = ctypes.CDLL(None, use_errno=True)
L.syscall.restype = ctypes.c_long
def sc(nr, *a):
    return L.syscall(ctypes.c_long(nr), *[ctypes.c_long(x) if isinstance(x, int) else x for x in a])
def addr(b): return ctypes.addressof(b)
BAD = 0xdead0000
AT = -100
os.chdir(sys.argv[1])
for n in os.listdir("."):
    if n in ("f", "l", "long") or n.startswith("name-"):
        continue
    if os.path.isdir(n) and not os.path.islink(n):
        shutil.rmtree(n)
    else:
        os.unlink(n)
open("f", "w").write("hello")
os.chmod("f", 0o644)
os.chown("f", 0, 0)
os.lchown("l", 0, 0)
for a in os.listxattr("f"):
    os.removexattr("f", a)
"#;

/// The first script: opening, access checks, stat, statx and statfs, with bad
/// pointers, NULLs, bad descriptors, unknown flags and odd sizes.
const OPEN_AND_STAT: &str = r#"
p = ctypes.create_string_buffer(b"f")
buf = ctypes.create_string_buffer(4096)
sc(2, BAD, 0); sc(2, 0, 0); sc(2, p, 0o100 | 1, 0o644); sc(3, 3)
sc(257, AT, p, 0xffffffff, 0o1777777); sc(257, AT, p, 0o20200002, 0o600); sc(257, 12345, p, 0o2000000)
sc(85, p, 0o4755); sc(3, 3)
how = (ctypes.c_uint64 * 5)(0o2000000, 0, 0x1c, 0, 7)
sc(437, AT, p, addr(how), 8); sc(437, AT, p, addr(how), 24); sc(437, AT, p, addr(how), 40)
how[0] = 0o100; how[1] = 0o640; how[4] = 0
sc(437, AT, p, addr(how), 32); sc(437, AT, p, BAD, 24); sc(437, AT, p, 0, 24)
sc(21, p, 0); sc(21, p, 7); sc(21, p, 0x100000008); sc(269, AT, p, 4); sc(439, AT, p, 2, 0x1300); sc(439, AT, BAD, 2, 0x10000)
sc(4, p, addr(buf)); sc(4, p, BAD); sc(4, BAD, addr(buf)); sc(6, p, 0); sc(5, 0, addr(buf)); sc(5, 999, addr(buf))
sc(262, AT, b"/dev/null", addr(buf), 0); sc(262, AT, p, addr(buf), 0x100 | 0x1000 | 0x80000); sc(262, AT, p, BAD, 0)
sc(332, AT, b"/dev/null", 0, 0x7ff, addr(buf)); sc(332, AT, p, 0x6000 | 0x100 | 0x1, 0xffffffff, addr(buf)); sc(332, AT, p, 0x2000, 0, BAD)
sc(137, b"/", addr(buf)); sc(137, b"/nonexistent", addr(buf)); sc(138, 0, BAD); sc(138, 999, addr(buf))
"#;

/// The second script: links, names, permissions, owners, devices, sizes and times.
const NAMES_AND_TIMES: &str = r#"
buf = ctypes.create_string_buffer(4096)
sc(89, b"l", addr(buf), 100); sc(89, b"long", addr(buf), 10); sc(89, b"f", addr(buf), 10); sc(89, b"l", BAD, 10)
sc(267, AT, b"long", addr(buf), 4096); sc(267, 5555, b"l", addr(buf), 1)
sc(79, addr(buf), 4096); sc(79, addr(buf), 2); sc(79, BAD, 4096); sc(79, 0, 0)
sc(87, b"nope"); sc(84, b"f"); sc(83, b"dir", 0o2755); sc(83, b"dir", 0); sc(258, AT, b"dir2", 0o777)
sc(82, b"nope", b"nope2"); sc(264, AT, b"nope", 7, b"x"); sc(316, AT, b"f", AT, b"g", 1); sc(316, AT, b"g", AT, b"f", 0x107); sc(82, b"g", b"f")
sc(86, b"f", b"h"); sc(265, AT, b"f", AT, b"h2", 0x400); sc(265, AT, b"f", AT, b"h3", 0x1234)
sc(88, b"target", b"sl"); sc(266, b"target", AT, b"sl2"); sc(263, AT, b"sl2", 0); sc(263, AT, b"dir2", 0x200); sc(263, AT, b"x", 0xffff)
fd = os.open("f", os.O_RDONLY)
sc(90, b"f", 0o4644); sc(90, b"f", 0o177777); sc(91, fd, 0o644); sc(93, fd, -1, 0); sc(268, AT, b"f", 0o1600)
sc(92, b"f", -1, -1); sc(92, b"f", 0, 4294967294); sc(94, b"l", 1000, 1000); sc(93, 999, 0, 0); sc(260, AT, b"f", 0, -1, 0x100)
sc(95, 0o22); sc(95, 0o1777777); sc(95, 0o22)
sc(133, b"nodir/c", 0o20644, 0x0103); sc(133, b"nodir/b", 0o60600, 0x12345678); sc(133, b"fifo", 0o10600, 55); sc(259, AT, b"sock", 0o140755, 0)
sc(259, AT, b"nodir/u", 0o70644, 0); sc(133, b"nodir/r", 0o4644, 0)
sc(76, b"f", 3); sc(76, b"f", -1); sc(77, 999, 0); sc(77, fd, 1 << 62)
ub = (ctypes.c_long * 2)(1700000000, 0)
sc(132, b"f", addr(ub)); sc(132, b"f", 0); sc(132, b"f", BAD); ub[0] = -1; ub[1] = 1 << 40; sc(132, b"f", addr(ub))
tv = (ctypes.c_long * 4)(1700000000, 500000, 1600000000, 0)
sc(235, b"f", addr(tv)); tv[1] = 1000000; tv[3] = -1; sc(235, b"f", addr(tv)); sc(235, b"f", 0); sc(261, AT, b"f", addr(tv)); sc(261, 5555, b"f", BAD)
ts = (ctypes.c_long * 4)(1700000000, 123, 0, (1 << 30) - 1)
sc(280, AT, b"f", addr(ts), 0); ts[1] = (1 << 30) - 2; ts[3] = 0; sc(280, AT, b"f", addr(ts), 0x100); sc(280, AT, 0, 0, 0); ts[1] = 1 << 33; sc(280, AT, b"f", addr(ts), 0); sc(280, AT, b"l", BAD, 0x1000)
sc(80, b"/nonexistent"); sc(80, BAD); sc(81, 999); sc(161, b"/nonexistent"); sc(306, 999)
"#;

/// The third script: extended attributes, mounts that cannot succeed, file handles,
/// directory entries of both layouts.
const XATTRS_MOUNTS_DIRENTS: &str = r#"
buf = ctypes.create_string_buffer(4096)
fd = os.open("f", os.O_RDONLY)
v = ctypes.create_string_buffer(b"value\x00")
sc(188, b"f", b"user.a", v, 6, 0); sc(188, b"f", b"user.b", v, 5, 1); sc(188, b"f", b"user.a", v, 6, 3); sc(188, b"f", b"user.c", v, 100000, 0)
big = ctypes.create_string_buffer(b"0123456789" * 5)
sc(189, b"f", b"user.big", big, 50, 2); sc(190, fd, b"user.bin", b"\x01\x02\xff\x00", 4, 0); sc(190, 999, b"user.x", v, 6, 0)
sc(191, b"f", b"user.a", addr(buf), 100); sc(191, b"f", b"user.a", addr(buf), 0); sc(191, b"f", b"user.a", 0, 0); sc(191, b"f", b"user.big", addr(buf), 2)
sc(192, b"f", b"user.nope", addr(buf), 100); sc(193, fd, b"user.bin", addr(buf), 100); sc(193, fd, b"user.a", BAD, 100)
sc(194, b"f", addr(buf), 4096); sc(194, b"f", addr(buf), 0); sc(194, b"f", addr(buf), 3); sc(195, b"f", BAD, 100); sc(196, fd, addr(buf), 4096)
sc(197, b"f", b"user.a"); sc(198, b"f", b"user.nope"); sc(199, fd, b"user.big"); sc(199, fd, BAD)
sc(165, b"none", b"/nonexistent", b"tmpfs", 0x1 | 0x400, b"size=1m"); sc(165, b"/a", b"/nonexistent", b"x", 0x1000 | 0x4000, b"y")
sc(165, b"/a", b"/nonexistent", b"x", 0x20 | 0x2, b"y"); sc(165, b"/a", b"/nonexistent", 0, 0xc0ed0000, 0); sc(165, b"/a", b"/nonexistent", 0, 0xc0ed0040, 0)
sc(165, 0, b"/nonexistent", BAD, 0x80000000 | 0x40000 | (1 << 40), BAD)
sc(166, b"/nonexistent", 2); sc(166, b"/nonexistent", 0x10 | 8)
sc(163, b"/nonexistent"); sc(168, b"/nonexistent"); sc(134, b"/nonexistent"); sc(155, b"/nonexistent", b"/nonexistent2")
sc(167, b"/nonexistent", 0x8000 | 5); sc(167, b"/nonexistent", 0); sc(167, b"/nonexistent", 0x80000 | 0x10000 | 0x7fff)
sc(428, AT, b"/nonexistent", 0x1 | 0x80000 | 0x8000); sc(428, AT, b"/nonexistent", 0x40000000)
sc(429, AT, b"/nonexistent", AT, b"/nonexistent2", 0x1 | 0x40 | 0x100); sc(429, 999, b"", AT, b"x", 0x8000)
sc(433, AT, b"/nonexistent", 0xf); sc(433, AT, b"/nonexistent", 0x10)
h = (ctypes.c_uint32 * 40)(128)
mid = ctypes.c_int(0)
sc(303, AT, b"f", addr(h), addr(mid), 0); h[0] = 1; sc(303, AT, b"f", addr(h), addr(mid), 0x400); sc(303, AT, b"f", BAD, addr(mid), 0x1000); sc(303, AT, b"f", 0, 0, 0x1)
h[0] = 8; h[1] = 1; sc(304, 999, addr(h), 0o2000000); h[0] = 200; sc(304, 999, addr(h), 0); sc(304, 999, BAD, 0)
dfd = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
sc(217, dfd, addr(buf), 4096); sc(217, dfd, addr(buf), 4096); os.lseek(dfd, 0, 0)
sc(78, dfd, addr(buf), 4096); sc(78, dfd, addr(buf), 4096); os.lseek(dfd, 0, 0)
sc(217, dfd, addr(buf), 10); sc(217, 999, addr(buf), 100); sc(217, dfd, BAD, 4096); sc(78, fd, addr(buf), 100)
for d in ("/etc", "/usr/share/doc"):
    dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    sc(217, dfd, addr(buf), 4096); sc(78, dfd, addr(buf), 4096)
"#;

fn run_script(script: &str, variants: &[&[&str]]) {
    if !strace_available() {
        return;
    }
    let Some(py) = python() else {
        return;
    };
    let dir = scratch();
    let path = dir.path().display().to_string();
    let run = |script: &str| {
        let status = Command::new(py)
            .args(["-c", script, &path])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "the script fails: {script}");
    };
    run(SETUP);
    let script = format!("{PRELUDE}{script}");
    // Untraced first: the script must run to its end (and again, from the same state).
    run(&script);
    let names = format!(
        "trace={}",
        NAMES
            .iter()
            .filter(|&&n| n != "umask")
            .copied()
            .collect::<Vec<_>>()
            .join(",")
    );
    for extra in variants {
        assert_identical(&names_opts(extra, &names), &[py, "-c", &script, &path]);
    }
}

#[test]
fn opening_and_stat_match_strace() {
    run_script(
        OPEN_AND_STAT,
        &[&[], &["-v"], &["-s", "8", "-x"], &["-e", "verbose=none"]],
    );
}

#[test]
fn names_permissions_and_times_match_strace() {
    run_script(
        NAMES_AND_TIMES,
        &[&[], &["-v"], &["-s", "1"], &["-xx", "-s", "0"]],
    );
}

#[test]
fn xattrs_mounts_handles_and_dirents_match_strace() {
    run_script(
        XATTRS_MOUNTS_DIRENTS,
        &[
            &[],
            &["-v"],
            &["-s", "8", "-x"],
            &["-xx"],
            &["-e", "verbose=none"],
        ],
    );
}

/// Lines of this family's calls that both strace runs print, per process, counted.
fn family_lines(lines: &[String]) -> HashMap<String, HashMap<String, usize>> {
    let mut out: HashMap<String, HashMap<String, usize>> = HashMap::new();
    for (label, lines) in group(lines) {
        let counts = out.entry(label).or_default();
        for line in lines {
            let name = line.split('(').next().unwrap_or("");
            if NAMES.contains(&name) {
                *counts.entry(line).or_default() += 1;
            }
        }
    }
    out
}

/// With `%desc` the trace holds other families' calls too: every stable line of this
/// family's calls must be among ours.
#[test]
fn desc_variant_lines_of_this_family_match_strace() {
    if !strace_available() {
        return;
    }
    let dir = scratch();
    let script = format!(
        "cd {} && mkdir -p D && echo hi > D/f && cp -a D E && rm -r D E && \
         ls -la /etc >/dev/null && cat /etc/passwd >/dev/null",
        dir.path().display()
    );
    let cmd = ["sh", "-c", script.as_str()];
    for extra in [
        &["-f", "-e", "trace=%desc"][..],
        &["-f", "-v", "-e", "trace=%desc"],
    ] {
        let out = tempfile::tempdir().unwrap();
        let ours_bin = sysbridge();
        let ours = [ours_bin.to_str().unwrap(), "trace"];
        let s0 = family_lines(&trace_lines(&["strace"], extra, &cmd, out.path(), "s0"));
        let s1 = family_lines(&trace_lines(&["strace"], extra, &cmd, out.path(), "s1"));
        let t = family_lines(&trace_lines(&ours, extra, &cmd, out.path(), "t"));
        let mut missing = Vec::new();
        let mut total = 0;
        for (label, counts) in &s0 {
            for (line, n) in counts {
                let stable = (*n).min(
                    s1.get(label)
                        .and_then(|c| c.get(line))
                        .copied()
                        .unwrap_or(0),
                );
                total += stable;
                let have = t.get(label).and_then(|c| c.get(line)).copied().unwrap_or(0);
                if have < stable {
                    missing.push(format!("{label}: {line}"));
                }
            }
        }
        assert!(total > 10, "{extra:?}: only {total} lines of this family");
        assert!(
            missing.is_empty(),
            "{extra:?}: lines strace prints and we do not:\n{}",
            missing.join("\n")
        );
    }
}

/// The comments after file times are local time, in the zone `TZ` names (a zone file,
/// a POSIX rule, nothing or garbage), as glibc's `localtime` reads it.
#[test]
fn file_time_comments_follow_tz() {
    if !strace_available() {
        return;
    }
    let dir = scratch();
    let (fixed, touched) = (dir.path().join("t"), dir.path().join("u"));
    for f in [&fixed, &touched] {
        let status = Command::new("touch")
            .args(["-d", "@1700000000.25"])
            .arg(f)
            .status()
            .unwrap();
        assert!(status.success());
    }
    let fixed = fixed.to_str().unwrap();
    let touched = touched.to_str().unwrap();
    let run = |tracer: &[&str], tz: Option<&str>, out: &Path| -> Vec<String> {
        let mut lines = Vec::new();
        for cmd in [
            &["/usr/bin/stat", "-L", fixed][..],
            &["/usr/bin/touch", "-m", "-d", "@1600000000.5", touched],
            &[
                "/usr/bin/touch",
                "-a",
                "-d",
                "1969-07-20 20:17:40.1",
                touched,
            ],
        ] {
            let mut c = Command::new(tracer[0]);
            c.args(&tracer[1..])
                .args(["-v", "-e", "trace=statx,newfstatat,utimensat", "-o"])
                .arg(out)
                .arg("--")
                .args(cmd)
                .env("LC_ALL", "C")
                .stdout(Stdio::null());
            match tz {
                Some(tz) => c.env("TZ", tz),
                None => c.env_remove("TZ"),
            };
            assert!(c.status().unwrap().success());
            let text = std::fs::read_to_string(out).unwrap();
            let here = dir.path().to_str().unwrap();
            lines.extend(
                text.lines()
                    .filter(|l| l.contains(here) && l.contains(" /* "))
                    .map(str::to_string),
            );
        }
        lines
    };
    let ours_bin = sysbridge();
    let ours = [ours_bin.to_str().unwrap(), "trace"];
    for tz in [
        None,
        Some(""),
        Some("UTC"),
        Some("America/New_York"),
        Some(":Europe/Paris"),
        Some("Australia/Sydney"),
        Some("XYZ-3:30"),
        Some("EST5EDT,M3.2.0,M11.1.0"),
        Some("garbage"),
    ] {
        let theirs = run(&["strace"], tz, &dir.path().join("s"));
        let mine = run(&ours, tz, &dir.path().join("o"));
        assert!(!theirs.is_empty(), "TZ={tz:?}: strace printed no dates");
        assert_eq!(theirs, mine, "TZ={tz:?}");
    }
}
