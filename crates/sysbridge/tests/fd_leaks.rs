//! No descriptor is leaked by any wrapper, on success or on error: the number of
//! entries in `/proc/self/fd` is the same before and after many rounds of every call.
//!
//! This binary holds one test, so no other test thread opens descriptors meanwhile.

use std::fs::File;
use std::os::fd::OwnedFd;

use sysbridge::fs::{self, AtFlags, Mode, OFlags, OpenHow, ResolveFlags, StatxMask};
use sysbridge::{Errno, fd, mm, time};

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc is mounted")
        .count()
}

/// One round of every descriptor-creating or descriptor-using wrapper, with its
/// error paths.
fn round(dir: &std::path::Path) {
    let dir_fd: OwnedFd = File::open(dir).unwrap().into();
    let cloexec = OFlags::RDONLY | OFlags::CLOEXEC;

    // Opening: success, ENOENT, ENOTDIR, interior NUL, bad openat2 flags, escapes.
    drop(fs::openat(&dir_fd, "file", cloexec, Mode::empty()).unwrap());
    assert_eq!(
        fs::openat(&dir_fd, "missing", cloexec, Mode::empty()).err(),
        Some(Errno::ENOENT)
    );
    assert_eq!(
        fs::openat(&dir_fd, "file/x", cloexec, Mode::empty()).err(),
        Some(Errno::ENOTDIR)
    );
    assert_eq!(
        fs::openat(&dir_fd, "a\0b", cloexec, Mode::empty()).err(),
        Some(Errno::EINVAL)
    );
    let beneath = OpenHow {
        flags: cloexec,
        resolve: ResolveFlags::BENEATH,
        ..OpenHow::default()
    };
    drop(fs::openat2(&dir_fd, "file", &beneath).unwrap());
    assert_eq!(
        fs::openat2(&dir_fd, "../x", &beneath).err(),
        Some(Errno::EXDEV)
    );
    let bad = OpenHow {
        flags: OFlags::from_bits_retain(0x8000_0000),
        ..OpenHow::default()
    };
    assert_eq!(
        fs::openat2(&dir_fd, "file", &bad).err(),
        Some(Errno::EINVAL)
    );

    // Descriptor table: dup, dup3 (success and failure), fcntl, pipes, close.
    let file = fs::openat(&dir_fd, "file", cloexec, Mode::empty()).unwrap();
    let mut copy = fd::dup(&file).unwrap();
    fd::dup3(&dir_fd, &mut copy, fd::DupFlags::CLOEXEC).unwrap();
    assert!(fd::dup3(&dir_fd, &mut copy, fd::DupFlags::from_bits_retain(0x1234)).is_err());
    drop(fd::fcntl_dupfd_cloexec(&file, 10).unwrap());
    assert_eq!(
        fd::fcntl_dupfd_cloexec(&file, -1).err(),
        Some(Errno::EINVAL)
    );
    let (r, w) = fd::pipe2(fd::PipeFlags::CLOEXEC).unwrap();
    assert!(fd::pipe2(fd::PipeFlags::from_bits_retain(0x4)).is_err());
    fd::close(r).unwrap();
    fd::close(w).unwrap();
    fd::close(copy).unwrap();

    // Directory reading, links, stat, copies.
    let listing = fs::openat(&dir_fd, ".", cloexec | OFlags::DIRECTORY, Mode::empty()).unwrap();
    let names = fs::ReadDir::new(listing).filter_map(Result::ok).count();
    assert!(names >= 3);
    assert_eq!(
        fs::readlinkat_path(&dir_fd, "link").unwrap(),
        std::path::Path::new("file")
    );
    assert_eq!(
        fs::readlinkat_path(&dir_fd, "file").err(),
        Some(Errno::EINVAL)
    );
    fs::statx(&dir_fd, "file", AtFlags::empty(), StatxMask::BASIC_STATS).unwrap();
    assert_eq!(fs::fstat(&file).unwrap().st_size, 5);
    let out = fs::openat(
        &dir_fd,
        "copy",
        OFlags::WRONLY | OFlags::CREAT | OFlags::TRUNC | OFlags::CLOEXEC,
        Mode::from_bits_retain(0o600),
    )
    .unwrap();
    assert_eq!(
        fs::copy_file_range(&file, Some(&mut 0), &out, None, 5),
        Ok(5)
    );
    assert_eq!(fs::sendfile(&out, &file, Some(&mut 0), 5), Ok(5));
    drop(fs::AlignedBuf::new(4096, 4096).unwrap());
    assert_eq!(fs::AlignedBuf::new(4096, 3).err(), Some(Errno::EINVAL));

    // Memory: a memfd, a shared mapping of it, an error path.
    let memfd = mm::memfd_create("leak-check", mm::MfdFlags::CLOEXEC).unwrap();
    fs::ftruncate(&memfd, 4096).unwrap();
    // SAFETY: the memfd is ours alone and is not resized while mapped.
    let map = unsafe { mm::mmap_file_mut(&memfd, 0, 4096, mm::MapFlags::SHARED) }.unwrap();
    drop(map);
    assert!(mm::memfd_create("bad\0name", mm::MfdFlags::CLOEXEC).is_err());
    assert_eq!(
        mm::mmap_anonymous(0, mm::MapFlags::PRIVATE).err(),
        Some(Errno::EINVAL)
    );

    // The vDSO resolves without keeping anything open (its /proc fallback included).
    time::clock_gettime(time::ClockId::Monotonic);
}

#[test]
fn no_wrapper_leaks_a_descriptor() {
    let scratch = tempfile::tempdir().unwrap();
    std::fs::write(scratch.path().join("file"), b"hello").unwrap();
    std::os::unix::fs::symlink("file", scratch.path().join("link")).unwrap();
    round(scratch.path()); // first round: lazy initialisation of anything
    let before = open_fds();
    for _ in 0..200 {
        round(scratch.path());
    }
    let after = open_fds();
    assert_eq!(
        before, after,
        "descriptors leaked: {before} open before, {after} after 200 rounds"
    );
}
