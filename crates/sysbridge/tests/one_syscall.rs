//! Every wrapper issues exactly its one system call (and the vDSO calls none), as
//! strace sees it.
//!
//! The test binary runs itself under `strace -f`. In that child (`SYSBRIDGE_PROBE=1`)
//! each probe prepares its arguments, then makes the wrapper call between two marker
//! calls (`faccessat` on a path naming the probe), with nothing allocated in between.
//! The parent reads strace's log and checks that between the markers of each probe
//! there is exactly the expected list of system calls.

use std::fs::File;
use std::hint::black_box;
use std::io::{IoSlice, IoSliceMut};
use std::os::fd::OwnedFd;
use std::process::{Command, ExitCode};

use sysbridge::{Sysno, io, process, raw};

const MARK: &str = "/@sysbridge-probe/";

/// One wrapper call to check: its name, the syscalls strace must see, and the call.
struct Probe {
    name: &'static str,
    expect: &'static [&'static str],
    call: Box<dyn FnMut()>,
}

fn probe(
    name: &'static str,
    expect: &'static [&'static str],
    call: impl FnMut() + 'static,
) -> Probe {
    Probe {
        name,
        expect,
        call: Box::new(call),
    }
}

/// The marker: a `faccessat` of a path that cannot exist, naming the probe.
fn mark(path: &std::ffi::CStr) {
    // SAFETY: faccessat reads the NUL-terminated path and writes nothing.
    let r = unsafe {
        raw::raw_syscall3(
            Sysno::faccessat,
            (-100isize) as usize,
            path.as_ptr() as usize,
            0,
        )
    };
    black_box(r).ok();
}

fn scratch_file() -> OwnedFd {
    tempfile::tempfile().expect("temporary file").into()
}

/// The probes. Arguments are made here, before the markers; each closure only calls.
fn probes() -> Vec<Probe> {
    let zero: OwnedFd = File::open("/dev/zero").unwrap().into();
    let null: OwnedFd = File::options()
        .write(true)
        .open("/dev/null")
        .unwrap()
        .into();
    let file = scratch_file();
    io::write(&file, &[7u8; 64]).unwrap();
    let (z1, z2) = (zero.try_clone().unwrap(), zero);
    let (n1, n2, n3) = (null.try_clone().unwrap(), null.try_clone().unwrap(), null);
    let (f1, f2, f3) = (file.try_clone().unwrap(), file.try_clone().unwrap(), file);
    let mut buf = [0u8; 16];
    let mut buf2 = [0u8; 16];
    let mut buf3 = [0u8; 16];
    vec![
        probe("getpid", &["getpid"], || {
            black_box(process::getpid());
        }),
        probe("io::read", &["read"], move || {
            black_box(io::read(&z1, &mut buf)).ok();
        }),
        probe("io::write", &["write"], move || {
            black_box(io::write(&n1, b"x")).ok();
        }),
        probe("io::pread", &["pread64"], move || {
            black_box(io::pread(&f1, &mut buf2, 3)).ok();
        }),
        probe("io::pwrite", &["pwrite64"], move || {
            black_box(io::pwrite(&f2, b"abc", 5)).ok();
        }),
        probe("io::readv", &["readv"], move || {
            let (a, b) = buf3.split_at_mut(8);
            black_box(io::readv(
                &z2,
                &mut [IoSliceMut::new(a), IoSliceMut::new(b)],
            ))
            .ok();
        }),
        probe("io::writev", &["writev"], move || {
            black_box(io::writev(&n2, &[IoSlice::new(b"a"), IoSlice::new(b"b")])).ok();
        }),
        probe("io::lseek", &["lseek"], move || {
            black_box(io::lseek(&f3, io::SeekFrom::End(0))).ok();
        }),
        probe("io::read EBADF", &["read"], move || {
            // An error is still exactly one call: reading a write-only descriptor.
            let r = io::read(&n3, &mut [0u8; 1]);
            assert_eq!(black_box(r), Err(sysbridge::Errno::EBADF));
        }),
    ]
}

/// In the traced child: run every probe between its markers.
fn run_probes() {
    let mut probes = probes();
    let marks: Vec<(std::ffi::CString, std::ffi::CString)> = probes
        .iter()
        .map(|p| {
            let begin = format!("{MARK}{}", p.name);
            let end = format!("{MARK}{}/end", p.name);
            (
                std::ffi::CString::new(begin).unwrap(),
                std::ffi::CString::new(end).unwrap(),
            )
        })
        .collect();
    for (p, (begin, end)) in probes.iter_mut().zip(&marks) {
        mark(begin);
        (p.call)();
        mark(end);
    }
}

/// The syscall name of one strace line, pid prefix removed.
fn syscall_name(line: &str) -> Option<&str> {
    let line = line.trim_start();
    let line = match line.split_once(' ') {
        Some((pid, rest)) if pid.bytes().all(|b| b.is_ascii_digit()) => rest.trim_start(),
        _ => line,
    };
    if line.starts_with("---") || line.starts_with("+++") {
        return None;
    }
    line.split_once('(').map(|(name, _)| name)
}

fn check_log(log: &str, probes: &[Probe]) -> Vec<String> {
    let mut failures = Vec::new();
    let lines: Vec<&str> = log.lines().collect();
    for p in probes {
        let begin = format!("\"{MARK}{}\"", p.name);
        let end = format!("\"{MARK}{}/end\"", p.name);
        let Some(start) = lines.iter().position(|l| l.contains(&begin)) else {
            failures.push(format!("{}: begin marker not in the log", p.name));
            continue;
        };
        let Some(len) = lines[start..].iter().position(|l| l.contains(&end)) else {
            failures.push(format!("{}: end marker not in the log", p.name));
            continue;
        };
        let seen: Vec<&str> = lines[start + 1..start + len]
            .iter()
            .filter_map(|l| syscall_name(l))
            .collect();
        if seen != p.expect {
            failures.push(format!(
                "{}: expected {:?}, strace saw {:?}",
                p.name, p.expect, seen
            ));
        } else {
            println!("ok   {:<28} {:?}", p.name, seen);
        }
    }
    failures
}

fn main() -> ExitCode {
    if std::env::var_os("SYSBRIDGE_PROBE").is_some() {
        run_probes();
        return ExitCode::SUCCESS;
    }
    if Command::new("strace").arg("-V").output().is_err() {
        eprintln!("SKIPPED one_syscall: strace is not installed (apt-get install strace)");
        return ExitCode::SUCCESS;
    }
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("strace.log");
    let status = Command::new("strace")
        .args(["-f", "-qq", "-o"])
        .arg(&log_path)
        .arg("--")
        .arg(std::env::current_exe().unwrap())
        .env("SYSBRIDGE_PROBE", "1")
        .status()
        .expect("strace runs");
    if !status.success() {
        eprintln!("FAILED: the traced probe run exited with {status}");
        return ExitCode::FAILURE;
    }
    let log = std::fs::read_to_string(&log_path).unwrap();
    let failures = check_log(&log, &probes());
    if failures.is_empty() {
        println!("one_syscall: every wrapper made exactly its system call(s)");
        ExitCode::SUCCESS
    } else {
        for f in &failures {
            eprintln!("FAILED {f}");
        }
        ExitCode::FAILURE
    }
}
