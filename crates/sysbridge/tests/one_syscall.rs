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

use std::ffi::CString;
use std::os::unix::ffi::OsStringExt;

use sysbridge::{Sysno, fd, fs, io, mm, process, rand, raw, system, time};

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

/// A path inside the probes' scratch directory, as a C string made before the markers.
fn c_path(dir: &std::path::Path, name: &str) -> CString {
    CString::new(dir.join(name).into_os_string().into_vec()).unwrap()
}

/// The probes. Arguments are made here, before the markers; each closure only calls.
/// The scratch directory must outlive the run.
fn probes(scratch: &std::path::Path) -> Vec<Probe> {
    let mut all = io_probes();
    all.extend(fd_probes());
    all.extend(fs_probes(scratch));
    all.extend(mm_probes());
    all.extend(identity_probes());
    all.extend(time_probes());
    all.extend(control_probes());
    all.extend(process_probes());
    all
}

fn io_probes() -> Vec<Probe> {
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

fn fd_probes() -> Vec<Probe> {
    let base: OwnedFd = File::open("/dev/null").unwrap().into();
    let mut to_close = Some(base.try_clone().unwrap());
    let mut target = base.try_clone().unwrap();
    let dup_me = base.try_clone().unwrap();
    vec![
        probe("fd::close", &["close"], move || {
            black_box(fd::close(to_close.take().unwrap())).ok();
        }),
        probe("fd::dup", &["dup"], move || {
            // The new descriptor is closed after the end marker, when the probe list drops.
            black_box(fd::dup(&dup_me).map(std::mem::forget)).ok();
        }),
        probe("fd::dup3", &["dup3"], move || {
            black_box(fd::dup3(&base, &mut target, fd::DupFlags::CLOEXEC)).ok();
        }),
        probe("fd::fcntl_getfd", &["fcntl"], || {
            black_box(fd::fcntl_getfd(std::io::stdin())).ok();
        }),
        probe("fd::fcntl_setfl", &["fcntl"], || {
            black_box(fd::fcntl_setfl(std::io::stdin(), fs::OFlags::empty())).ok();
        }),
        probe("fd::fcntl_dupfd_cloexec", &["fcntl"], || {
            black_box(fd::fcntl_dupfd_cloexec(std::io::stdin(), 500).map(std::mem::forget)).ok();
        }),
        probe("fd::pipe2", &["pipe2"], || {
            black_box(fd::pipe2(fd::PipeFlags::CLOEXEC).map(std::mem::forget)).ok();
        }),
    ]
}

fn fs_probes(dir: &std::path::Path) -> Vec<Probe> {
    use fs::{Access, AtFlags, Mode, OFlags, OpenHow, RenameFlags, ResolveFlags, StatxMask};
    let file_path = c_path(dir, "file");
    std::fs::write(dir.join("file"), b"0123456789").unwrap();
    let dir_fd: OwnedFd = File::open(dir).unwrap().into();
    let file: OwnedFd = File::options()
        .read(true)
        .write(true)
        .open(dir.join("file"))
        .unwrap()
        .into();
    let other: OwnedFd = File::options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(dir.join("other"))
        .unwrap()
        .into();
    let (p_open, p_statx, p_access) = (file_path.clone(), file_path.clone(), file_path);
    let (d1, d2, d3, d4, d5, d6, d7, d8, d9, d10) = (
        dir_fd.try_clone().unwrap(),
        dir_fd.try_clone().unwrap(),
        dir_fd.try_clone().unwrap(),
        dir_fd.try_clone().unwrap(),
        dir_fd.try_clone().unwrap(),
        dir_fd.try_clone().unwrap(),
        dir_fd.try_clone().unwrap(),
        dir_fd.try_clone().unwrap(),
        dir_fd.try_clone().unwrap(),
        dir_fd,
    );
    let files: Vec<OwnedFd> = (0..8).map(|_| file.try_clone().unwrap()).collect();
    let mut files = files.into_iter();
    let mut f = || files.next().unwrap();
    let (f1, f2, f3, f4, f5, f6, f7, f8) = (f(), f(), f(), f(), f(), f(), f(), f());
    let other2 = other.try_clone().unwrap();
    let mut dents = vec![0u8; 4096];
    let mut link = [0u8; 64];
    let how = OpenHow {
        flags: OFlags::RDONLY | OFlags::CLOEXEC,
        resolve: ResolveFlags::BENEATH,
        ..OpenHow::default()
    };
    vec![
        probe("fs::open", &["openat"], move || {
            black_box(
                fs::open(
                    p_open.as_c_str(),
                    OFlags::RDONLY | OFlags::CLOEXEC,
                    Mode::empty(),
                )
                .map(std::mem::forget),
            )
            .ok();
        }),
        probe("fs::openat", &["openat"], move || {
            black_box(
                fs::openat(
                    &d1,
                    c"file",
                    OFlags::RDONLY | OFlags::CLOEXEC,
                    Mode::empty(),
                )
                .map(std::mem::forget),
            )
            .ok();
        }),
        probe("fs::openat2", &["openat2"], move || {
            black_box(fs::openat2(&d2, c"file", &how).map(std::mem::forget)).ok();
        }),
        probe("fs::openat ENOENT", &["openat"], move || {
            black_box(
                fs::openat(&d3, c"missing", OFlags::RDONLY, Mode::empty()).map(std::mem::forget),
            )
            .ok();
        }),
        probe("fs::fstat", &["fstat"], move || {
            black_box(fs::fstat(&f1)).ok();
        }),
        probe("fs::statx", &["statx"], move || {
            black_box(fs::statx(
                fs::CWD,
                p_statx.as_c_str(),
                AtFlags::empty(),
                StatxMask::BASIC_STATS,
            ))
            .ok();
        }),
        probe("fs::fsync", &["fsync"], move || {
            black_box(fs::fsync(&f2)).ok();
        }),
        probe("fs::fdatasync", &["fdatasync"], move || {
            black_box(fs::fdatasync(&f3)).ok();
        }),
        probe("fs::ftruncate", &["ftruncate"], move || {
            black_box(fs::ftruncate(&f4, 10)).ok();
        }),
        probe("fs::fallocate", &["fallocate"], move || {
            black_box(fs::fallocate(&f5, fs::FallocateFlags::KEEP_SIZE, 0, 4096)).ok();
        }),
        probe("fs::getdents64", &["getdents64"], move || {
            black_box(fs::getdents64(&d4, &mut dents)).ok();
        }),
        probe("fs::mkdirat", &["mkdirat"], move || {
            black_box(fs::mkdirat(&d5, c"sub", Mode::from_bits_retain(0o755))).ok();
        }),
        probe("fs::renameat2", &["renameat2"], move || {
            black_box(fs::renameat2(
                &d6,
                c"sub",
                &d6,
                c"sub2",
                RenameFlags::NOREPLACE,
            ))
            .ok();
        }),
        probe("fs::unlinkat", &["unlinkat"], move || {
            black_box(fs::unlinkat(&d7, c"sub2", AtFlags::REMOVEDIR)).ok();
        }),
        probe("fs::symlinkat", &["symlinkat"], move || {
            black_box(fs::symlinkat(c"file", &d8, c"link")).ok();
        }),
        probe("fs::readlinkat", &["readlinkat"], move || {
            black_box(fs::readlinkat(&d9, c"link", &mut link)).ok();
        }),
        probe("fs::fchmod", &["fchmod"], move || {
            black_box(fs::fchmod(&f6, Mode::from_bits_retain(0o600))).ok();
        }),
        probe("fs::faccessat", &["faccessat"], move || {
            black_box(fs::faccessat(fs::CWD, p_access.as_c_str(), Access::READ)).ok();
        }),
        probe("fs::faccessat2", &["faccessat2"], move || {
            black_box(fs::faccessat2(
                &d10,
                c"file",
                Access::READ,
                AtFlags::SYMLINK_NOFOLLOW,
            ))
            .ok();
        }),
        probe("fs::copy_file_range", &["copy_file_range"], move || {
            black_box(fs::copy_file_range(&f7, Some(&mut 0), &other, None, 4)).ok();
        }),
        probe("fs::sendfile", &["sendfile"], move || {
            black_box(fs::sendfile(&other2, &f8, Some(&mut 0), 4)).ok();
        }),
    ]
}

fn mm_probes() -> Vec<Probe> {
    use mm::{Advice, MapFlags, MfdFlags, MlockFlags, MremapFlags};
    let mut to_unmap = Some(mm::mmap_anonymous(4096, MapFlags::PRIVATE).unwrap());
    let mut to_protect = Some(mm::mmap_anonymous(4096, MapFlags::PRIVATE).unwrap());
    let advised = mm::mmap_anonymous(4096, MapFlags::PRIVATE).unwrap();
    let mut grown = mm::mmap_anonymous(4096, MapFlags::PRIVATE).unwrap();
    let locked = std::sync::Arc::new(mm::mmap_anonymous(4096, MapFlags::PRIVATE).unwrap());
    let unlock = locked.clone();
    vec![
        probe("mm::mmap_anonymous", &["mmap"], || {
            black_box(mm::mmap_anonymous(4096, MapFlags::PRIVATE).map(std::mem::forget)).ok();
        }),
        probe("mm::Mmap drop", &["munmap"], move || {
            drop(to_unmap.take());
        }),
        probe("mm::into_read_only", &["mprotect"], move || {
            // Kept mapped (forgotten) so that no munmap falls inside the markers.
            let protected = to_protect
                .take()
                .map(|m| m.into_read_only().map(std::mem::forget));
            black_box(protected);
        }),
        probe("mm::madvise", &["madvise"], move || {
            black_box(advised.madvise(Advice::WillNeed)).ok();
        }),
        probe("mm::mremap", &["mremap"], move || {
            black_box(grown.mremap(8192, MremapFlags::MAYMOVE)).ok();
        }),
        probe("mm::mlock", &["mlock2"], move || {
            black_box(locked.mlock(MlockFlags::empty())).ok();
        }),
        probe("mm::munlock", &["munlock"], move || {
            black_box(unlock.munlock()).ok();
        }),
        probe("mm::memfd_create", &["memfd_create"], || {
            black_box(mm::memfd_create(c"probe", MfdFlags::CLOEXEC).map(std::mem::forget)).ok();
        }),
    ]
}

fn identity_probes() -> Vec<Probe> {
    let mut random = [0u8; 16];
    vec![
        probe("process::getppid", &["getppid"], || {
            black_box(process::getppid());
        }),
        probe("process::gettid", &["gettid"], || {
            black_box(process::gettid());
        }),
        probe("process::getuid", &["getuid"], || {
            black_box(process::getuid());
        }),
        probe("process::geteuid", &["geteuid"], || {
            black_box(process::geteuid());
        }),
        probe("process::getgid", &["getgid"], || {
            black_box(process::getgid());
        }),
        probe("process::getegid", &["getegid"], || {
            black_box(process::getegid());
        }),
        probe("system::uname", &["uname"], || {
            black_box(system::uname()).ok();
        }),
        probe("system::sysinfo", &["sysinfo"], || {
            black_box(system::sysinfo()).ok();
        }),
        probe("rand::getrandom", &["getrandom"], move || {
            black_box(rand::getrandom(&mut random, rand::GetRandomFlags::empty())).ok();
        }),
    ]
}

/// Process control: signals, waiting, exec failure, prctl, ptrace and seccomp (the
/// calls that would change or end the probe process are made so that they fail or are
/// harmless: a missing program, a pid that cannot exist, an empty filter).
fn control_probes() -> Vec<Probe> {
    use sysbridge::process::{CStrArray, Pid, RemoteIoVec, WaitFor, WaitId, WaitOptions};
    use sysbridge::signal::{self, How, SaFlags, SigAction, SigHandler, SigSet, Signal};
    let argv = CStrArray::new(["missing"]).unwrap();
    let envp = CStrArray::new(Vec::<Vec<u8>>::new()).unwrap();
    let nobody = Pid::from_raw(i32::MAX);
    let me = process::getpid();
    let data = [1u8; 8];
    let mut copy = [0u8; 8];
    let remote = [RemoteIoVec {
        base: data.as_ptr() as u64,
        len: 8,
    }];
    let default = SigAction {
        handler: SigHandler::Default,
        flags: SaFlags::empty(),
        mask: SigSet::EMPTY,
    };
    vec![
        probe("signal::kill", &["kill"], move || {
            black_box(signal::kill(me, Signal::from_raw(0))).ok();
        }),
        probe("signal::tgkill", &["tgkill"], move || {
            black_box(signal::tgkill(nobody, nobody, Signal::SIGUSR2)).ok();
        }),
        probe("signal::sigprocmask", &["rt_sigprocmask"], || {
            black_box(signal::sigprocmask(How::Block, &SigSet::EMPTY)).ok();
        }),
        probe("signal::sigaction", &["rt_sigaction"], move || {
            // SAFETY: SIGUSR2 keeps its default action.
            black_box(unsafe { signal::sigaction(Signal::SIGUSR2, &default) }).ok();
        }),
        probe("process::wait4", &["wait4"], || {
            black_box(process::wait4(WaitFor::Any, WaitOptions::NOHANG)).ok();
        }),
        probe("process::waitid", &["waitid"], || {
            black_box(process::waitid(
                WaitId::All,
                WaitOptions::EXITED | WaitOptions::NOHANG,
            ))
            .ok();
        }),
        probe("process::execve ENOENT", &["execve"], move || {
            black_box(process::execve(c"/nonexistent/missing", &argv, &envp));
        }),
        probe("process::personality", &["personality"], || {
            black_box(process::personality(0xffff_ffff)).ok();
        }),
        probe("process::set_no_new_privs", &["prctl"], || {
            black_box(process::set_no_new_privs()).ok();
        }),
        probe(
            "process::process_vm_readv",
            &["process_vm_readv"],
            move || {
                let local = &mut [std::io::IoSliceMut::new(&mut copy)];
                black_box(process::process_vm_readv(me, local, &remote)).ok();
            },
        ),
        probe("ptrace::interrupt", &["ptrace"], move || {
            black_box(sysbridge::ptrace::interrupt(nobody)).ok();
        }),
        probe("ptrace::get_syscall_info", &["ptrace"], move || {
            black_box(sysbridge::ptrace::get_syscall_info(nobody)).ok();
        }),
        probe("seccomp::set_filter", &["seccomp"], || {
            black_box(sysbridge::seccomp::set_filter(&[], Default::default())).ok();
        }),
    ]
}

/// Process descriptors, sessions, prctl, limits, affinity, signal stacks and
/// descriptors (new descriptors are leaked on purpose: a close would add a call).
fn process_probes() -> Vec<Probe> {
    use sysbridge::process::{Pid, PidfdFlags, Resource};
    use sysbridge::signal::{self, SfdFlags, SigSet, Signal};
    let nobody = Pid::from_raw(i32::MAX);
    let me = process::getpid();
    let pidfd = process::pidfd_open(me, PidfdFlags::empty()).unwrap();
    let cpus = process::sched_getaffinity(None).unwrap();
    let usr2 = SigSet::EMPTY.with(Signal::SIGUSR2);
    let argv = process::CStrArray::new(["missing"]).unwrap();
    let envp = process::CStrArray::new(Vec::<Vec<u8>>::new()).unwrap();
    vec![
        probe("process::pidfd_open", &["pidfd_open"], move || {
            black_box(process::pidfd_open(me, PidfdFlags::empty()).map(std::mem::forget)).ok();
        }),
        probe(
            "signal::pidfd_send_signal",
            &["pidfd_send_signal"],
            move || {
                black_box(signal::pidfd_send_signal(&pidfd, Signal::from_raw(0))).ok();
            },
        ),
        probe("process::getsid", &["getsid"], || {
            black_box(process::getsid(None)).ok();
        }),
        probe("process::getpgid", &["getpgid"], || {
            black_box(process::getpgid(None)).ok();
        }),
        probe("process::setpgid", &["setpgid"], move || {
            black_box(process::setpgid(Some(nobody), None)).ok();
        }),
        probe("process::is_child_subreaper", &["prctl"], || {
            black_box(process::is_child_subreaper()).ok();
        }),
        probe("process::set_child_subreaper", &["prctl"], || {
            black_box(process::set_child_subreaper(false)).ok();
        }),
        probe("process::pdeathsig", &["prctl"], || {
            black_box(process::pdeathsig()).ok();
        }),
        probe("process::set_name", &["prctl"], || {
            black_box(process::set_name(c"probe")).ok();
        }),
        probe("process::dumpable", &["prctl"], || {
            black_box(process::dumpable()).ok();
        }),
        probe("process::no_new_privs", &["prctl"], || {
            black_box(process::no_new_privs()).ok();
        }),
        probe("process::getrlimit", &["prlimit64"], || {
            black_box(process::getrlimit(Resource::Nofile)).ok();
        }),
        probe("process::sched_getaffinity", &["sched_getaffinity"], || {
            black_box(process::sched_getaffinity(None)).ok();
        }),
        probe(
            "process::sched_setaffinity",
            &["sched_setaffinity"],
            move || {
                black_box(process::sched_setaffinity(None, &cpus)).ok();
            },
        ),
        probe("process::execveat ENOENT", &["execveat"], move || {
            black_box(process::execveat(
                fs::CWD,
                c"/nonexistent/missing",
                &argv,
                &envp,
                fs::AtFlags::empty(),
            ));
        }),
        probe("signal::sigaltstack", &["sigaltstack"], || {
            black_box(signal::sigaltstack()).ok();
        }),
        probe("signal::signalfd", &["signalfd4"], move || {
            black_box(signal::signalfd(&usr2, SfdFlags::CLOEXEC).map(std::mem::forget)).ok();
        }),
    ]
}

fn time_probes() -> Vec<Probe> {
    use time::{ClockId, Timespec};
    // The vDSO slots resolve on first use; resolve them before any marker.
    black_box(time::clock_gettime(ClockId::Monotonic));
    let zero = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    vec![
        probe("time::clock_gettime(Monotonic)", &[], || {
            black_box(time::clock_gettime(ClockId::Monotonic));
        }),
        probe("time::clock_gettime(Realtime)", &[], || {
            black_box(time::clock_gettime(ClockId::Realtime));
        }),
        probe(
            "time::clock_gettime(ProcessCputime)",
            &["clock_gettime"],
            || {
                // The vDSO itself falls back to the system call for CPU-time clocks.
                black_box(time::clock_gettime(ClockId::ProcessCputime));
            },
        ),
        probe("time::clock_getres", &[], || {
            black_box(time::clock_getres(ClockId::Monotonic));
        }),
        probe("time::gettimeofday", &[], || {
            black_box(time::gettimeofday());
        }),
        probe("time::time", &[], || {
            black_box(time::time());
        }),
        probe("time::getcpu", &[], || {
            black_box(time::getcpu());
        }),
        probe("time::nanosleep", &["nanosleep"], move || {
            black_box(time::nanosleep(&zero)).ok();
        }),
        probe("time::clock_nanosleep", &["clock_nanosleep"], move || {
            black_box(time::clock_nanosleep(ClockId::Monotonic, false, &zero)).ok();
        }),
    ]
}

/// In the traced child: run every probe between its markers.
fn run_probes() {
    let scratch = tempfile::tempdir().unwrap();
    let mut probes = probes(scratch.path());
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
    let failures = check_log(&log, &probes(dir.path()));
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
