//! The descriptor-table wrappers against independent oracles: `/proc/self/fd/N` (what
//! a number refers to), `/proc/self/fdinfo/N` (offset and status flags), and libc's
//! `fcntl` (descriptor and status flags).
//!
//! Tests run in parallel and descriptor numbers are reused, so a check that a number
//! was closed asks whether it still names *our* uniquely named file, never whether it
//! is free.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::path::PathBuf;

use sysbridge::fd::{self, DupFlags, FdFlags, PipeFlags};
use sysbridge::fs::{CWD, OFlags};
use sysbridge::{Errno, Sysno, io, raw};

/// A new file in a new temporary directory, and its path.
fn scratch(name: &str) -> (tempfile::TempDir, PathBuf, File) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    let file = File::options()
        .create_new(true)
        .read(true)
        .write(true)
        .open(&path)
        .unwrap();
    (dir, path, file)
}

/// What `/proc/self/fd/N` says descriptor `fd` refers to.
fn proc_target(fd: RawFd) -> Option<PathBuf> {
    std::fs::read_link(format!("/proc/self/fd/{fd}")).ok()
}

/// The value of `key` (`pos`, `flags`) in `/proc/self/fdinfo/N`.
fn fdinfo(fd: impl AsFd, key: &str) -> String {
    let n = fd.as_fd().as_raw_fd();
    let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{n}")).unwrap();
    let line = info
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'));
    line.unwrap_or_else(|| panic!("no {key} in {info}"))
        .trim()
        .to_string()
}

/// The status flags `/proc/self/fdinfo/N` shows (printed in octal).
fn fdinfo_flags(fd: impl AsFd) -> u32 {
    u32::from_str_radix(&fdinfo(fd, "flags"), 8).unwrap()
}

/// libc's `fcntl(fd, cmd)`, the oracle for the flag commands.
fn libc_fcntl(fd: impl AsFd, cmd: libc::c_int) -> libc::c_int {
    // SAFETY: F_GETFD and F_GETFL read no memory.
    let ret = unsafe { libc::fcntl(fd.as_fd().as_raw_fd(), cmd) };
    assert!(ret >= 0, "fcntl: {}", std::io::Error::last_os_error());
    ret
}

#[test]
fn close_releases_the_number() {
    let (_dir, path, file) = scratch("close-me");
    let copy = fd::dup(&file).unwrap();
    let n = copy.as_raw_fd();
    assert_eq!(proc_target(n).as_ref(), Some(&path));
    assert_eq!(fd::close(copy), Ok(()));
    // Either free, or already reused by another test's file: no longer ours.
    assert_ne!(proc_target(n).as_ref(), Some(&path));
    // The original is untouched.
    assert_eq!(proc_target(file.as_raw_fd()).as_ref(), Some(&path));
}

#[test]
fn dup_shares_the_open_file_but_not_cloexec() {
    let (_dir, path, file) = scratch("dup");
    let copy = fd::dup(&file).unwrap();
    assert_ne!(copy.as_raw_fd(), file.as_raw_fd());
    assert_eq!(proc_target(copy.as_raw_fd()).as_ref(), Some(&path));
    // std opened with O_CLOEXEC; dup never copies the descriptor flags.
    assert_eq!(libc_fcntl(&file, libc::F_GETFD), libc::FD_CLOEXEC);
    assert_eq!(libc_fcntl(&copy, libc::F_GETFD), 0);
    // One open file: writing through the copy moves the original's offset.
    File::from(copy).write_all(b"12345").unwrap();
    assert_eq!(fdinfo(&file, "pos"), "5");
}

#[test]
fn dup3_replaces_the_owned_target_in_place() {
    let (_dir, a_path, a) = scratch("a");
    let (_dir_b, b_path, b) = scratch("b");
    let mut b: OwnedFd = b.into();
    let b_number = b.as_raw_fd();
    assert_eq!(proc_target(b_number).as_ref(), Some(&b_path));

    fd::dup3(&a, &mut b, DupFlags::CLOEXEC).unwrap();
    assert_eq!(b.as_raw_fd(), b_number, "the number is kept");
    assert_eq!(proc_target(b_number).as_ref(), Some(&a_path));
    assert_eq!(libc_fcntl(&b, libc::F_GETFD), libc::FD_CLOEXEC);

    let mut c: OwnedFd = File::open("/dev/null").unwrap().into();
    fd::dup3(&a, &mut c, DupFlags::empty()).unwrap();
    assert_eq!(libc_fcntl(&c, libc::F_GETFD), 0);
    assert_eq!(proc_target(c.as_raw_fd()).as_ref(), Some(&a_path));
}

#[test]
fn dup3_errors_leave_the_target_alone() {
    let (_dir, path, file) = scratch("target");
    let mut target: OwnedFd = file.into();
    let bad_flags = DupFlags::from_bits_retain(libc::O_NONBLOCK as u32);
    let null = File::open("/dev/null").unwrap();
    assert_eq!(fd::dup3(&null, &mut target, bad_flags), Err(Errno::EINVAL));
    assert_eq!(
        fd::dup3(CWD, &mut target, DupFlags::empty()),
        Err(Errno::EBADF)
    );
    assert_eq!(proc_target(target.as_raw_fd()).as_ref(), Some(&path));
}

#[test]
fn descriptor_flags_agree_with_libc() {
    let file = File::open("/dev/null").unwrap();
    assert_eq!(fd::fcntl_getfd(&file), Ok(FdFlags::CLOEXEC));
    fd::fcntl_setfd(&file, FdFlags::empty()).unwrap();
    assert_eq!(libc_fcntl(&file, libc::F_GETFD), 0);
    assert_eq!(fd::fcntl_getfd(&file), Ok(FdFlags::empty()));
    fd::fcntl_setfd(&file, FdFlags::CLOEXEC).unwrap();
    assert_eq!(libc_fcntl(&file, libc::F_GETFD), libc::FD_CLOEXEC);
}

#[test]
fn status_flags_agree_with_libc_and_fdinfo() {
    let (_dir, _path, file) = scratch("status");
    let before = fd::fcntl_getfl(&file).unwrap();
    assert_eq!(
        before.bits() as libc::c_int,
        libc_fcntl(&file, libc::F_GETFL)
    );
    assert_eq!(before.access_mode(), OFlags::RDWR);
    assert!(!before.intersects(OFlags::NONBLOCK | OFlags::APPEND));

    fd::fcntl_setfl(&file, before | OFlags::NONBLOCK | OFlags::APPEND).unwrap();
    let libc_flags = libc_fcntl(&file, libc::F_GETFL);
    assert_eq!(libc_flags & libc::O_NONBLOCK, libc::O_NONBLOCK);
    assert_eq!(libc_flags & libc::O_APPEND, libc::O_APPEND);
    let proc_flags = fdinfo_flags(&file);
    assert_eq!(
        proc_flags & OFlags::NONBLOCK.bits(),
        OFlags::NONBLOCK.bits()
    );
    assert_eq!(proc_flags & OFlags::APPEND.bits(), OFlags::APPEND.bits());
    assert_eq!(
        fd::fcntl_getfl(&file).unwrap().bits() as libc::c_int,
        libc_flags
    );

    fd::fcntl_setfl(&file, before).unwrap();
    assert_eq!(
        libc_fcntl(&file, libc::F_GETFL),
        before.bits() as libc::c_int
    );
    assert_eq!(fd::fcntl_getfl(CWD), Err(Errno::EBADF));
}

#[test]
fn dupfd_cloexec_respects_the_minimum() {
    let (_dir, path, file) = scratch("high");
    let high = fd::fcntl_dupfd_cloexec(&file, 300).unwrap();
    assert!(high.as_raw_fd() >= 300);
    assert_eq!(libc_fcntl(&high, libc::F_GETFD), libc::FD_CLOEXEC);
    assert_eq!(proc_target(high.as_raw_fd()).as_ref(), Some(&path));
    assert_eq!(
        fd::fcntl_dupfd_cloexec(&file, -1).unwrap_err(),
        Errno::EINVAL
    );
}

#[test]
fn pipe2_makes_two_ends_with_the_flags_asked_for() {
    let (reader, writer) = fd::pipe2(PipeFlags::CLOEXEC | PipeFlags::NONBLOCK).unwrap();
    for end in [&reader, &writer] {
        assert_eq!(libc_fcntl(end, libc::F_GETFD), libc::FD_CLOEXEC);
        assert_eq!(
            libc_fcntl(end, libc::F_GETFL) & libc::O_NONBLOCK,
            libc::O_NONBLOCK
        );
    }
    assert_eq!(fdinfo_flags(&reader) & 0o3, 0o0, "read end is O_RDONLY");
    assert_eq!(fdinfo_flags(&writer) & 0o3, 0o1, "write end is O_WRONLY");
    let target = proc_target(reader.as_raw_fd()).unwrap();
    assert!(target.to_str().unwrap().starts_with("pipe:["), "{target:?}");
    assert_eq!(proc_target(writer.as_raw_fd()), Some(target), "one pipe");

    assert_eq!(io::read(&reader, &mut [0; 4]), Err(Errno::EAGAIN));
    let mut writer = File::from(writer);
    writer.write_all(b"ping").unwrap();
    drop(writer);
    let mut got = String::new();
    File::from(reader).read_to_string(&mut got).unwrap();
    assert_eq!(got, "ping");

    let (r, w) = fd::pipe2(PipeFlags::empty()).unwrap();
    assert_eq!(libc_fcntl(&r, libc::F_GETFD), 0);
    assert_eq!(libc_fcntl(&w, libc::F_GETFL) & libc::O_NONBLOCK, 0);
    let bad = PipeFlags::from_bits_retain(libc::O_APPEND as u32);
    assert_eq!(fd::pipe2(bad).unwrap_err(), Errno::EINVAL);
}

#[test]
fn cwd_is_not_a_descriptor() {
    assert_eq!(fd::dup(CWD).unwrap_err(), Errno::EBADF);
    assert_eq!(fd::fcntl_getfd(CWD), Err(Errno::EBADF));
    assert_eq!(fd::fcntl_dupfd_cloexec(CWD, 0).unwrap_err(), Errno::EBADF);
    assert_eq!(CWD.as_fd().as_raw_fd(), libc::AT_FDCWD);
}

#[test]
fn bad_pointer_is_efault_through_the_raw_layer() {
    // SAFETY: the kernel finds nothing mapped at address 8 and fails before creating
    // any descriptor, so no memory is written and nothing leaks.
    let ret = unsafe { raw::raw_syscall2(Sysno::pipe2, 8, 0) };
    assert_eq!(ret, Err(Errno::EFAULT));
}
