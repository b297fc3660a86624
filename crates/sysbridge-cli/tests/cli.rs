//! The `sysbridge` binary, driven as a user drives it, against outside oracles: glibc's
//! `strerror_r`, the kernel's `asm/unistd_64.h` and moreutils' `errno`.

use std::collections::HashSet;
use std::ffi::{CStr, OsStr};
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use sysbridge::{Errno, Sysno};

const BIN: &str = env!("CARGO_BIN_EXE_sysbridge");

/// The kernel's x86_64 system-call numbers, as Debian's linux-libc-dev installs them.
const UNISTD_64: &str = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h";

/// What one run of a command left behind.
#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn new(output: Output) -> Run {
        let run = Run {
            code: output.status.code(),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        };
        assert!(!run.stderr.contains("panicked"), "{run:?}");
        run
    }

    /// Exit status 0 and nothing on stderr: the output is all there is.
    fn ok(self) -> String {
        assert_eq!((self.code, self.stderr.as_str()), (Some(0), ""), "{self:?}");
        self.stdout
    }

    /// Exit status 1 with nothing on stdout: what stderr says.
    fn failed(self) -> String {
        assert_eq!((self.code, self.stdout.as_str()), (Some(1), ""), "{self:?}");
        self.stderr
    }
}

/// Runs a command in the C locale, with no input.
fn run(program: impl AsRef<OsStr>, args: impl IntoIterator<Item = impl AsRef<OsStr>>) -> Run {
    let output = Command::new(program)
        .args(args)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .output()
        .expect("the command runs");
    Run::new(output)
}

fn sysbridge(args: impl IntoIterator<Item = impl AsRef<OsStr>>) -> Run {
    run(BIN, args)
}

/// `sysbridge TOOL` followed by `args`.
fn tool(tool: &str, args: impl IntoIterator<Item = impl Into<String>>) -> Run {
    sysbridge(
        [tool.to_owned()]
            .into_iter()
            .chain(args.into_iter().map(Into::into)),
    )
}

/// glibc's message for `errnum`, in the C locale (this process never calls setlocale).
fn strerror(errnum: i32) -> String {
    let mut buf = [0u8; 256];
    // SAFETY: `buf` is writable for `buf.len()` bytes; the XSI strerror_r, which is the
    // one the libc crate binds on glibc, writes a NUL-terminated string within them.
    unsafe { libc::strerror_r(errnum, buf.as_mut_ptr().cast(), buf.len()) };
    let message = CStr::from_bytes_until_nul(&buf).expect("strerror_r terminates the text");
    message
        .to_str()
        .expect("glibc's messages are ASCII")
        .to_owned()
}

/// The `(NAME, NUMBER)` starting each line of `output`.
fn names_and_numbers(output: &str) -> Vec<(&str, i64)> {
    output
        .lines()
        .map(|line| {
            let mut words = line.split(' ');
            let name = words.next().expect("a name");
            let number = words.next().and_then(|n| n.parse().ok());
            (
                name,
                number.unwrap_or_else(|| panic!("no number in {line:?}")),
            )
        })
        .collect()
}

/// Each line of a `--list` has a number greater than the line before.
fn assert_number_order(list: &str) {
    let numbers: Vec<i64> = names_and_numbers(list).iter().map(|&(_, n)| n).collect();
    assert!(numbers.is_sorted_by(|a, b| a < b), "{numbers:?}");
}

/// Every line of `tool -l` is what looking up its name prints, or its name in the other
/// letter case; and the first line listing each number is what looking up that number
/// prints, in decimal or hexadecimal (a later line is an alias, which a number cannot
/// name).
fn assert_round_trips(tool_name: &str) {
    let list = tool(tool_name, ["-l"]).ok();
    let entries = names_and_numbers(&list);
    let flip_case = |name: &str| -> String {
        let flip = |c: char| match c.is_ascii_uppercase() {
            true => c.to_ascii_lowercase(),
            false => c.to_ascii_uppercase(),
        };
        name.chars().map(flip).collect()
    };
    let names: Vec<String> = entries.iter().map(|&(name, _)| name.to_owned()).collect();
    let flipped: Vec<String> = entries.iter().map(|&(name, _)| flip_case(name)).collect();
    assert_eq!(tool(tool_name, &names).ok(), list, "{tool_name} by name");
    assert_eq!(
        tool(tool_name, &flipped).ok(),
        list,
        "{tool_name} by name, case flipped"
    );

    let mut seen = HashSet::new();
    let (firsts, numbers): (String, Vec<i64>) = list
        .lines()
        .zip(&entries)
        .filter(|&(_, &(_, n))| seen.insert(n))
        .map(|(line, &(_, n))| (format!("{line}\n"), n))
        .unzip();
    let decimal: Vec<String> = numbers.iter().map(i64::to_string).collect();
    let hex: Vec<String> = numbers.iter().map(|n| format!("{n:#x}")).collect();
    assert_eq!(
        tool(tool_name, &decimal).ok(),
        firsts,
        "{tool_name} by number"
    );
    assert_eq!(
        tool(tool_name, &hex).ok(),
        firsts,
        "{tool_name} by hex number"
    );
}

/// `program` as the shell would find it on `PATH`.
fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

#[test]
fn errno_numbers_carry_glibc_messages() {
    let mut named = 0;
    for number in 1..=133 {
        let message = strerror(number);
        let run = tool("errno", [number.to_string()]);
        if run.stdout.is_empty() {
            // Numbers Linux leaves unnamed: 41 and 58 on x86_64.
            assert_eq!(message, format!("Unknown error {number}"));
            let expected = format!("sysbridge: errno: no error has number {number}\n");
            assert_eq!(run.failed(), expected);
            continue;
        }
        let line = run.ok();
        let (name, rest) = line.split_once(' ').expect("NAME NUMBER MESSAGE");
        assert!(name.starts_with('E'), "{line:?}");
        assert_eq!(rest, format!("{number} {message}\n"), "{line:?}");
        named += 1;
    }
    assert_eq!(named, Errno::all().count());
}

#[test]
fn errno_list_is_every_name_in_header_order() {
    let list = tool("errno", ["-l"]).ok();
    assert_eq!(list, tool("errno", ["--list"]).ok());
    assert_eq!(list.lines().count(), Errno::names().len());
    for (line, (name, errno)) in list.lines().zip(Errno::names()) {
        let number = errno.raw();
        assert_eq!(line, format!("{name} {number} {}", strerror(number)));
    }
    // Each number the kernel names is listed, under its own name first.
    let firsts: Vec<&str> = names_and_numbers(&list)
        .into_iter()
        .scan(HashSet::new(), |seen, (name, n)| {
            Some(seen.insert(n).then_some(name))
        })
        .flatten()
        .collect();
    let canonical: Vec<&str> = Errno::all().filter_map(Errno::name).collect();
    let mut sorted_firsts = firsts.clone();
    sorted_firsts.sort_unstable();
    let mut sorted_canonical = canonical.clone();
    sorted_canonical.sort_unstable();
    assert_eq!(sorted_firsts, sorted_canonical);
}

#[test]
fn errno_names_and_numbers_round_trip() {
    assert_round_trips("errno");
}

#[test]
fn errno_aliases_print_under_the_name_given() {
    let aliases = ["EWOULDBLOCK", "edeadlock", "EnotSup", "EAGAIN", "EDEADLK"];
    let expected: String = [
        ("EWOULDBLOCK", libc::EWOULDBLOCK),
        ("EDEADLOCK", libc::EDEADLOCK),
        ("ENOTSUP", libc::ENOTSUP),
        ("EAGAIN", libc::EAGAIN),
        ("EDEADLK", libc::EDEADLK),
    ]
    .iter()
    .map(|&(name, number)| format!("{name} {number} {}\n", strerror(number)))
    .collect();
    assert_eq!(tool("errno", aliases).ok(), expected);
}

#[test]
fn errno_search_finds_every_word_in_any_case() {
    let found = tool("errno", ["-s", "No such file"]).ok();
    assert_eq!(found, "ENOENT 2 No such file or directory\n");
    assert_eq!(
        tool("errno", ["--search", "file", "SUCH", "no"]).ok(),
        found
    );

    let list = tool("errno", ["-l"]).ok();
    let found = tool("errno", ["-s", "no", "such"]).ok();
    let expected: Vec<&str> = list
        .lines()
        .filter(|line| {
            let message = line.splitn(3, ' ').nth(2).unwrap().to_lowercase();
            message.contains("no") && message.contains("such")
        })
        .collect();
    assert!(expected.len() > 3, "{expected:?}");
    assert_eq!(found.lines().collect::<Vec<_>>(), expected);

    // Nothing found: status 1, silently, like grep.
    assert_eq!(tool("errno", ["-s", "zzzz"]).failed(), "");
    assert_eq!(tool("errno", ["-s", "file", "zzzz"]).failed(), "");
}

#[test]
fn errno_unknown_inputs_fail_on_stderr_only() {
    let cases = [
        ("FOO", "no error named 'FOO'"),
        ("ENOENT2", "no error named 'ENOENT2'"),
        ("", "no error named ''"),
        ("41", "no error has number 41"),
        ("600", "no error has number 600"),
        ("0", "no error has number 0"),
        ("-1", "no error has number -1"),
        ("-2", "no error has number -2"),
        ("0x29", "no error has number 0x29"),
        ("4294967298", "no error has number 4294967298"),
        (
            "99999999999999999999",
            "no error has number 99999999999999999999",
        ),
        ("2abc", "'2abc' is not a number"),
        ("0x", "'0x' is not a number"),
    ];
    for (arg, problem) in cases {
        let stderr = tool("errno", [arg]).failed();
        assert_eq!(stderr, format!("sysbridge: errno: {problem}\n"), "{arg:?}");
    }
    // The others are still printed, in order, and the status says something was missing.
    let run = tool("errno", ["2", "FOO", "3", "41"]);
    assert_eq!(run.code, Some(1));
    assert_eq!(
        run.stdout,
        "ENOENT 2 No such file or directory\nESRCH 3 No such process\n"
    );
    let expected = "sysbridge: errno: no error named 'FOO'\n\
                    sysbridge: errno: no error has number 41\n";
    assert_eq!(run.stderr, expected);
}

#[test]
fn sysno_looks_up_names_and_numbers() {
    assert_eq!(tool("sysno", ["openat"]).ok(), "openat 257\n");
    assert_eq!(tool("sysno", ["257"]).ok(), "openat 257\n");
    assert_eq!(tool("sysno", ["0x101"]).ok(), "openat 257\n");
    assert_eq!(tool("sysno", ["OpenAt"]).ok(), "openat 257\n");
    assert_eq!(tool("sysno", ["0"]).ok(), "read 0\n");
    assert_eq!(
        tool("sysno", ["read", "1", "close"]).ok(),
        "read 0\nwrite 1\nclose 3\n"
    );
}

#[test]
fn sysno_unknown_inputs_fail_on_stderr_only() {
    let cases = [
        ("foo", "no system call named 'foo'"),
        ("SYS_openat", "no system call named 'SYS_openat'"),
        ("336", "no system call has number 336"),
        ("-1", "no system call has number -1"),
        // 2^32 + 257 must not wrap around to openat.
        ("4294967553", "no system call has number 4294967553"),
        ("12x", "'12x' is not a number"),
    ];
    for (arg, problem) in cases {
        let stderr = tool("sysno", [arg]).failed();
        assert_eq!(stderr, format!("sysbridge: sysno: {problem}\n"), "{arg:?}");
    }
}

#[test]
fn sysno_list_is_the_library_table_in_number_order() {
    let list = tool("sysno", ["-l"]).ok();
    assert_eq!(list, tool("sysno", ["--list"]).ok());
    assert_eq!(list.lines().count(), Sysno::COUNT);
    assert_number_order(&list);
    let expected: String = Sysno::all()
        .map(|s| format!("{} {}\n", s.name(), s.raw()))
        .collect();
    assert_eq!(list, expected);
    assert_round_trips("sysno");
}

#[test]
fn sysno_list_agrees_with_the_kernel_header() {
    let header = match std::fs::read_to_string(UNISTD_64) {
        Ok(header) => header,
        Err(err) => {
            eprintln!("SKIPPED: {UNISTD_64}: {err} (apt-get install -y linux-libc-dev)");
            return;
        }
    };
    let list = tool("sysno", ["-l"]).ok();
    let listed: HashSet<&str> = list.lines().collect();
    let mut checked = 0;
    for line in header.lines() {
        let mut words = line.split_whitespace();
        let (Some("#define"), Some(macro_name), Some(number), None) =
            (words.next(), words.next(), words.next(), words.next())
        else {
            continue;
        };
        let Some(name) = macro_name.strip_prefix("__NR_") else {
            continue;
        };
        let line = format!("{name} {number}");
        assert!(listed.contains(line.as_str()), "{UNISTD_64} has {line:?}");
        checked += 1;
    }
    assert!(checked > 300, "only {checked} system calls in {UNISTD_64}");
}

#[test]
fn sysno_search_finds_every_substring() {
    let found = tool("sysno", ["-s", "open", "AT"]).ok();
    assert!(found.lines().any(|line| line == "openat 257"), "{found}");
    assert!(found.lines().any(|line| line == "openat2 437"), "{found}");
    for (name, _) in names_and_numbers(&found) {
        assert!(name.contains("open") && name.contains("at"), "{name}");
    }
    assert_number_order(&found);
    assert_eq!(tool("sysno", ["--search", "zzz"]).failed(), "");
}

#[test]
fn usage_errors_exit_with_2() {
    let cases: [&[&str]; 9] = [
        &[],
        &["bogus"],
        &["errno"],
        &["errno", "-x"],
        &["errno", "-l", "2"],
        &["errno", "-s"],
        &["errno", "2", "-s", "file"],
        &["sysno"],
        &["sysno", "-l", "-s", "open"],
    ];
    for args in cases {
        let run = sysbridge(args);
        assert_eq!(run.code, Some(2), "{args:?}: {run:?}");
        assert_eq!(run.stdout, "", "{args:?}");
        // clap's message, or the whole help when no subcommand is given; both point
        // to --help.
        assert!(run.stderr.contains("--help"), "{args:?}: {run:?}");
    }
}

#[test]
fn help_and_version() {
    let version = format!("sysbridge {}\n", env!("CARGO_PKG_VERSION"));
    assert_eq!(sysbridge(["--version"]).ok(), version);
    assert_eq!(sysbridge(["-V"]).ok(), version);
    let help = sysbridge(["--help"]).ok();
    assert!(help.contains("errno") && help.contains("sysno"), "{help}");
    let help = sysbridge(["errno", "--help"]).ok();
    for needle in ["sysbridge errno -s WORD...", "Exit status", "moreutils"] {
        assert!(help.contains(needle), "{needle:?} not in {help}");
    }
    assert_eq!(sysbridge(["help", "errno"]).ok(), help);
    let help = sysbridge(["sysno", "--help"]).ok();
    assert!(
        help.contains("NAME NUMBER") && help.contains("Exit status"),
        "{help}"
    );
}

/// The writing end of a pipe whose reading end is already closed: every write to it
/// fails with EPIPE.
fn closed_pipe() -> OwnedFd {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(rc, 0, "pipe2: {}", std::io::Error::last_os_error());
    // SAFETY: pipe2 succeeded, so both descriptors are open and owned by nobody else.
    let [read, write] = fds.map(|fd| unsafe { OwnedFd::from_raw_fd(fd) });
    drop(read);
    write
}

/// Enough arguments to print far more than a pipe holds (64 KiB), so that a writer
/// meets a closed pipe however late the reader closes it.
fn many(arg: &str) -> Vec<String> {
    vec![arg.to_owned(); 20_000]
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    let cases: [&[&str]; 6] = [
        &["errno", "-l"],
        &["errno", "-s", "no"],
        &["errno", "2", "FOO"],
        &["sysno", "-l"],
        &["--help"],
        &["errno", "--help"],
    ];
    for args in cases {
        let output = Command::new(BIN)
            .args(args)
            .stdin(Stdio::null())
            .stdout(closed_pipe())
            .output()
            .expect("sysbridge runs");
        let run = Run::new(output);
        assert_eq!((run.code, run.stderr.as_str()), (Some(0), ""), "{args:?}");
    }
}

#[test]
fn a_closed_pipe_under_head_in_a_shell() {
    if !Path::new("/bin/bash").exists() {
        eprintln!("SKIPPED: no /bin/bash for the `| head -1` pipeline");
        return;
    }
    let script = format!(
        "set -o pipefail; '{BIN}' errno -l | head -1 && '{BIN}' errno {} | head -1",
        many("1").join(" ")
    );
    let out = run("/bin/bash", ["-c", &script]).ok();
    assert_eq!(out, "EPERM 1 Operation not permitted\n".repeat(2));
}

#[test]
fn other_write_errors_are_reported() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        eprintln!("SKIPPED: no /dev/full to write to");
        return;
    };
    let output = Command::new(BIN)
        .args(["errno", "-l"])
        .stdout(full)
        .output()
        .unwrap();
    let stderr = Run::new(output).failed();
    let expected = "sysbridge: errno: write to stdout: ENOSPC (No space left on device)\n";
    assert_eq!(stderr, expected);
}

/// moreutils' `errno`, if installed (Debian: `apt-get install -y moreutils`).
fn moreutils_errno() -> Option<PathBuf> {
    let found = on_path("errno").filter(|errno| {
        let list = run(errno, ["-l"]);
        list.stdout.starts_with("EPERM 1 Operation not permitted\n")
    });
    if found.is_none() {
        eprintln!("SKIPPED: moreutils' errno is not installed (apt-get install -y moreutils)");
    }
    found
}

#[test]
fn errno_list_matches_moreutils() {
    let Some(moreutils) = moreutils_errno() else {
        return;
    };
    let theirs = run(&moreutils, ["-l"]).ok();
    let ours = tool("errno", ["-l"]).ok();
    assert_eq!(ours, theirs);
}

#[test]
fn errno_lookups_match_moreutils() {
    let Some(moreutils) = moreutils_errno() else {
        return;
    };
    // Numbers, named or not: the same lines on stdout and status 1 for both (we also
    // say on stderr which numbers have no name; moreutils does not).
    let numbers: Vec<String> = (0..=140).map(|n| n.to_string()).collect();
    let theirs = run(&moreutils, &numbers);
    let ours = tool("errno", numbers);
    assert_eq!((ours.code, theirs.code), (Some(1), Some(1)));
    assert_eq!(ours.stdout, theirs.stdout);
    // Names, aliases included, in lower case.
    let list = run(&moreutils, ["-l"]).ok();
    let names: Vec<String> = names_and_numbers(&list)
        .iter()
        .map(|&(name, _)| name.to_lowercase())
        .collect();
    assert_eq!(tool("errno", &names).ok(), run(&moreutils, &names).ok());
    // Searches.
    for args in [
        &["-s", "no", "such"][..],
        &["-s", "FILE"],
        &["-s", "network", "is"],
    ] {
        let theirs = run(&moreutils, args).ok();
        assert_eq!(tool("errno", args.iter().copied()).ok(), theirs, "{args:?}");
    }
}
