//! The file-system wrappers against independent oracles: `std::fs` (what is on disk,
//! metadata, directory listings, links, permissions), libc where std has nothing
//! (`fstat`, `lseek`, `mkfifo`, `fcntl`), and a recorder on the raw layer's hooks that
//! lists the system calls each wrapper made.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs::{File, Permissions};
use std::io::{Read, Seek, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirEntryExt, MetadataExt, PermissionsExt};
use std::path::Path;
use std::sync::Once;

use sysbridge::fs::{
    self, Access, AlignedBuf, AtFlags, CWD, DirEntries, FallocateFlags, FileType, Mode, OFlags,
    OpenHow, ReadDir, RenameFlags, ResolveFlags, StatxMask,
};
use sysbridge::raw::{Hooks, set_hooks};
use sysbridge::{Errno, Sysno, fd, io, raw};

// ---------------------------------------------------------------------------------
// The recorder: which hooked system calls a closure made on this thread.

thread_local! {
    static RECORDING: Cell<bool> = const { Cell::new(false) };
    static CALLS: RefCell<Vec<Sysno>> = const { RefCell::new(Vec::new()) };
}

fn record_enter(nr: Sysno) {
    if RECORDING.get() {
        CALLS.with_borrow_mut(|calls| calls.push(nr));
    }
}

fn record_exit(_: Sysno, _: Result<usize, Errno>) {}

static RECORDER: Hooks = Hooks {
    enter: record_enter,
    exit: record_exit,
};

/// Runs `f` and returns what it returned with the hooked system calls it made.
fn calls_of<T>(f: impl FnOnce() -> T) -> (T, Vec<Sysno>) {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        set_hooks(Some(&RECORDER));
    });
    CALLS.with_borrow_mut(Vec::clear);
    RECORDING.set(true);
    let out = f();
    RECORDING.set(false);
    (out, CALLS.take())
}

// ---------------------------------------------------------------------------------
// Helpers.

fn dir_fd(path: &Path) -> OwnedFd {
    fs::open(path, OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty()).unwrap()
}

fn read_all(fd: impl AsFd) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 1000];
    loop {
        match io::read(fd.as_fd(), &mut buf).unwrap() {
            0 => return out,
            n => out.extend_from_slice(&buf[..n]),
        }
    }
}

/// libc's idea of the descriptor's offset.
fn libc_offset(fd: impl AsFd) -> i64 {
    // SAFETY: lseek touches no memory.
    unsafe { libc::lseek(fd.as_fd().as_raw_fd(), 0, libc::SEEK_CUR) }
}

const RW_CREATE: OFlags = OFlags::RDWR.union(OFlags::CREAT).union(OFlags::CLOEXEC);

// ---------------------------------------------------------------------------------
// One system call per wrapper.

/// Asserts that `$call` made exactly the one hooked system call `$nr` and returned
/// `$outcome` (any `Ok` value dropped only after the recording, so that closing a
/// returned descriptor does not count).
macro_rules! assert_one_call {
    ($nr:ident, $call:expr) => {
        assert_one_call!($nr, $call, Ok(()))
    };
    ($nr:ident, $call:expr, $outcome:expr) => {{
        let (result, calls) = calls_of(|| $call);
        assert_eq!(result.map(drop), $outcome, "{}", stringify!($call));
        assert_eq!(calls, [Sysno::$nr], "{}", stringify!($call));
    }};
}

#[test]
fn every_blocking_wrapper_makes_exactly_its_one_system_call() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = dir_fd(tmp.path());
    std::fs::write(tmp.path().join("f"), b"data").unwrap();
    let file = fs::openat(&dir, "f", OFlags::RDWR | OFlags::CLOEXEC, Mode::empty()).unwrap();
    let (reader, writer) = fd::pipe2(fd::PipeFlags::CLOEXEC).unwrap();
    let how = OpenHow {
        flags: OFlags::RDONLY | OFlags::CLOEXEC,
        ..OpenHow::default()
    };
    let (none, nofollow) = (Mode::empty(), AtFlags::SYMLINK_NOFOLLOW);

    assert_one_call!(openat, fs::open(tmp.path(), OFlags::RDONLY, none));
    assert_one_call!(
        openat,
        fs::openat(&dir, "no", OFlags::RDONLY, none),
        Err(Errno::ENOENT)
    );
    assert_one_call!(openat2, fs::openat2(&dir, "f", &how));
    assert_one_call!(fstat, fs::fstat(&file));
    assert_one_call!(
        statx,
        fs::statx(&dir, "f", AtFlags::empty(), StatxMask::all())
    );
    assert_one_call!(fsync, fs::fsync(&file));
    assert_one_call!(fdatasync, fs::fdatasync(&file));
    assert_one_call!(ftruncate, fs::ftruncate(&file, 4));
    assert_one_call!(
        fallocate,
        fs::fallocate(&file, FallocateFlags::KEEP_SIZE, 0, 4)
    );
    assert_one_call!(getdents64, fs::getdents64(&dir, &mut [0; 1024]));
    assert_one_call!(mkdirat, fs::mkdirat(&dir, "d", Mode::RWXU));
    assert_one_call!(unlinkat, fs::unlinkat(&dir, "d", AtFlags::REMOVEDIR));
    assert_one_call!(symlinkat, fs::symlinkat("f", &dir, "l"));
    assert_one_call!(readlinkat, fs::readlinkat(&dir, "l", &mut [0; 16]));
    assert_one_call!(readlinkat, fs::readlinkat_path(&dir, "l"));
    assert_one_call!(
        renameat2,
        fs::renameat2(&dir, "l", &dir, "m", RenameFlags::NOREPLACE)
    );
    assert_one_call!(fchmod, fs::fchmod(&file, Mode::RUSR | Mode::WUSR));
    assert_one_call!(faccessat, fs::faccessat(&dir, "f", Access::READ));
    assert_one_call!(
        faccessat2,
        fs::faccessat2(&dir, "m", Access::empty(), nofollow)
    );
    assert_one_call!(
        copy_file_range,
        fs::copy_file_range(&file, Some(&mut 0), &file, Some(&mut 8), 4)
    );
    assert_one_call!(sendfile, fs::sendfile(&writer, &file, Some(&mut 0), 4));
    assert_one_call!(fcntl, fd::fcntl_getfd(&reader));
    assert_one_call!(fcntl, fd::fcntl_setfl(&reader, OFlags::NONBLOCK));
    let copy = fd::dup(&reader).unwrap();
    assert_one_call!(close, fd::close(copy));
}

#[test]
fn descriptor_table_calls_run_no_hooks_and_bad_paths_make_no_call() {
    let file = tempfile::tempfile().unwrap();
    let (_, calls) = calls_of(|| {
        let copy = fd::dup(&file).unwrap();
        let (mut r, _w) = fd::pipe2(fd::PipeFlags::CLOEXEC).unwrap();
        fd::dup3(&copy, &mut r, fd::DupFlags::CLOEXEC).unwrap();
        std::mem::forget(r); // no hooked close either
    });
    assert_eq!(calls, []);
    // An interior NUL is refused before the kernel is asked, short path or long.
    let long = format!("{}\0x", "a".repeat(1000));
    for bad in ["a\0b", long.as_str()] {
        let (r, calls) = calls_of(|| fs::open(bad, OFlags::RDONLY, Mode::empty()));
        assert_eq!(r.unwrap_err(), Errno::EINVAL);
        assert_eq!(calls, []);
    }
}

// ---------------------------------------------------------------------------------
// Opening.

#[test]
fn we_read_what_std_wrote_and_std_reads_what_we_wrote() {
    let tmp = tempfile::tempdir().unwrap();
    let theirs = tmp.path().join("theirs");
    std::fs::write(&theirs, b"written by std").unwrap();
    let fd = fs::open(&theirs, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty()).unwrap();
    assert_eq!(read_all(&fd), b"written by std");

    let dir = dir_fd(tmp.path());
    let ours = fs::openat(
        &dir,
        "ours",
        RW_CREATE | OFlags::EXCL,
        Mode::RUSR | Mode::WUSR,
    )
    .unwrap();
    assert_eq!(io::write(&ours, b"written by sysbridge"), Ok(20));
    fs::fsync(&ours).unwrap();
    assert_eq!(
        std::fs::read(tmp.path().join("ours")).unwrap(),
        b"written by sysbridge"
    );
    let perms = std::fs::metadata(tmp.path().join("ours"))
        .unwrap()
        .permissions();
    assert_eq!(perms.mode() & 0o777, 0o600);
}

#[test]
fn open_keeps_the_flags_exactly_as_given() {
    let without = fs::open("/dev/null", OFlags::RDONLY, Mode::empty()).unwrap();
    let with = fs::open("/dev/null", OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty()).unwrap();
    // SAFETY: F_GETFD reads no memory.
    let fd_flags = |fd: &OwnedFd| unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFD) };
    assert_eq!(fd_flags(&without), 0);
    assert_eq!(fd_flags(&with), libc::FD_CLOEXEC);
    let appending = fs::open("/dev/null", OFlags::WRONLY | OFlags::APPEND, Mode::empty()).unwrap();
    let flags = fd::fcntl_getfl(&appending).unwrap();
    assert_eq!(flags.access_mode(), OFlags::WRONLY);
    assert!(flags.contains(OFlags::APPEND));
}

#[test]
fn open_reports_the_kernels_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("file");
    std::fs::write(&file, b"").unwrap();
    let none = Mode::empty();
    let missing = tmp.path().join("missing");
    assert_eq!(
        fs::open(&missing, OFlags::RDONLY, none).unwrap_err(),
        Errno::ENOENT
    );
    let exclusive = RW_CREATE | OFlags::EXCL;
    assert_eq!(
        fs::open(&file, exclusive, Mode::RUSR).unwrap_err(),
        Errno::EEXIST
    );
    assert_eq!(
        fs::open(&file, OFlags::DIRECTORY, none).unwrap_err(),
        Errno::ENOTDIR
    );
    let not_a_dir = fs::open(&file, OFlags::RDONLY, none).unwrap();
    assert_eq!(
        fs::openat(&not_a_dir, "x", OFlags::RDONLY, none).unwrap_err(),
        Errno::ENOTDIR
    );
    assert_eq!(
        fs::open(tmp.path(), OFlags::WRONLY, none).unwrap_err(),
        Errno::EISDIR
    );
    assert_eq!(
        fs::open(&file, OFlags::TMPFILE, none).unwrap_err(),
        Errno::EINVAL
    );
}

#[test]
fn openat_from_cwd_is_relative_to_the_current_directory() {
    // Cargo runs integration tests in the package directory.
    let ours = read_all(fs::openat(CWD, "Cargo.toml", OFlags::RDONLY, Mode::empty()).unwrap());
    assert_eq!(ours, std::fs::read("Cargo.toml").unwrap());
}

#[test]
fn openat2_resolve_flags_confine_the_lookup() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("inner")).unwrap();
    std::fs::write(tmp.path().join("secret"), b"outside").unwrap();
    std::fs::write(tmp.path().join("inner/f"), b"inside").unwrap();
    std::os::unix::fs::symlink("../secret", tmp.path().join("inner/escape")).unwrap();
    let inner = dir_fd(&tmp.path().join("inner"));
    let beneath = OpenHow {
        flags: OFlags::RDONLY | OFlags::CLOEXEC,
        resolve: ResolveFlags::BENEATH,
        ..OpenHow::default()
    };
    assert_eq!(
        read_all(fs::openat2(&inner, "f", &beneath).unwrap()),
        b"inside"
    );
    for escape in ["../secret", "escape", "/etc/hostname", "./../inner/f"] {
        assert_eq!(
            fs::openat2(&inner, escape, &beneath).unwrap_err(),
            Errno::EXDEV,
            "{escape}"
        );
    }
    // The same names resolve with plain openat: only the resolve flags stop them.
    assert!(fs::openat(&inner, "escape", OFlags::RDONLY, Mode::empty()).is_ok());

    let in_root = OpenHow {
        resolve: ResolveFlags::IN_ROOT,
        ..beneath
    };
    assert_eq!(
        read_all(fs::openat2(&inner, "../../f", &in_root).unwrap()),
        b"inside"
    );
    let no_symlinks = OpenHow {
        resolve: ResolveFlags::NO_SYMLINKS,
        ..beneath
    };
    assert_eq!(
        fs::openat2(&inner, "escape", &no_symlinks).unwrap_err(),
        Errno::ELOOP
    );

    // openat2 rejects what openat would ignore.
    let unknown_flag = OpenHow {
        flags: OFlags::from_bits_retain(1 << 30),
        ..beneath
    };
    assert_eq!(
        fs::openat2(&inner, "f", &unknown_flag).unwrap_err(),
        Errno::EINVAL
    );
    let unknown_resolve = OpenHow {
        resolve: ResolveFlags::from_bits_retain(1 << 40),
        ..beneath
    };
    assert_eq!(
        fs::openat2(&inner, "f", &unknown_resolve).unwrap_err(),
        Errno::EINVAL
    );
    let mode_without_creat = OpenHow {
        mode: Mode::RUSR,
        ..beneath
    };
    assert_eq!(
        fs::openat2(&inner, "f", &mode_without_creat).unwrap_err(),
        Errno::EINVAL
    );
    let create = OpenHow {
        flags: RW_CREATE,
        mode: Mode::RUSR | Mode::WUSR,
        ..beneath
    };
    io::write(fs::openat2(&inner, "new", &create).unwrap(), b"made").unwrap();
    assert_eq!(
        std::fs::read(tmp.path().join("inner/new")).unwrap(),
        b"made"
    );
}

// ---------------------------------------------------------------------------------
// Metadata.

#[test]
fn fstat_agrees_with_std_and_libc() {
    let mut file = tempfile::tempfile().unwrap();
    file.write_all(&[1u8; 12345]).unwrap();
    let st = fs::fstat(&file).unwrap();
    let meta = file.metadata().unwrap();
    assert_eq!(st.st_ino, meta.ino());
    assert_eq!(st.st_dev, meta.dev());
    assert_eq!(st.st_size, 12345);
    assert_eq!(st.st_mode, meta.mode());
    assert_eq!(st.st_nlink, 0, "an unlinked temporary file");
    assert_eq!((st.st_uid, st.st_gid), (meta.uid(), meta.gid()));
    assert_eq!(st.file_type(), FileType::RegularFile);
    assert_eq!(st.permissions().bits(), meta.permissions().mode() & 0o7777);

    let mut theirs = std::mem::MaybeUninit::<libc::stat>::zeroed();
    // SAFETY: fstat writes one `struct stat` into `theirs`.
    let ret = unsafe { libc::fstat(file.as_raw_fd(), theirs.as_mut_ptr()) };
    assert_eq!(ret, 0);
    // SAFETY: fstat succeeded and filled it.
    let theirs = unsafe { theirs.assume_init() };
    assert_eq!(st.st_blocks, theirs.st_blocks);
    assert_eq!(st.st_blksize, theirs.st_blksize);
    assert_eq!(st.st_rdev, theirs.st_rdev);
    assert_eq!(
        (st.st_mtime, st.st_mtime_nsec),
        (theirs.st_mtime, theirs.st_mtime_nsec)
    );
    assert_eq!(
        (st.st_atime, st.st_atime_nsec),
        (theirs.st_atime, theirs.st_atime_nsec)
    );
    assert_eq!(
        (st.st_ctime, st.st_ctime_nsec),
        (theirs.st_ctime, theirs.st_ctime_nsec)
    );

    assert_eq!(fs::fstat(CWD).unwrap_err(), Errno::EBADF);
}

#[test]
fn statx_agrees_with_std() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("f");
    std::fs::write(&path, vec![7u8; 5000]).unwrap();
    std::fs::hard_link(&path, tmp.path().join("g")).unwrap();
    let meta = std::fs::metadata(&path).unwrap();
    let st = fs::statx(CWD, &path, AtFlags::empty(), StatxMask::BASIC_STATS).unwrap();
    assert!(
        st.mask().contains(StatxMask::BASIC_STATS),
        "{:?}",
        st.mask()
    );
    assert_eq!(st.stx_ino, meta.ino());
    assert_eq!(st.stx_size, 5000);
    assert_eq!(u32::from(st.stx_mode), meta.mode());
    assert_eq!(st.stx_nlink, 2);
    assert_eq!((st.stx_uid, st.stx_gid), (meta.uid(), meta.gid()));
    assert_eq!(st.stx_blocks, meta.blocks());
    assert_eq!(
        (st.stx_mtime.tv_sec, i64::from(st.stx_mtime.tv_nsec)),
        (meta.mtime(), meta.mtime_nsec())
    );
    assert_eq!(
        libc::makedev(st.stx_dev_major, st.stx_dev_minor),
        meta.dev()
    );

    // On a descriptor, through AT_EMPTY_PATH.
    let file = File::open(&path).unwrap();
    let by_fd = fs::statx(&file, "", AtFlags::EMPTY_PATH, StatxMask::INO).unwrap();
    assert_eq!(by_fd.stx_ino, meta.ino());
    assert_eq!(
        fs::statx(&file, "", AtFlags::empty(), StatxMask::INO).unwrap_err(),
        Errno::ENOENT
    );

    // A symbolic link, followed or not.
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink("f", &link).unwrap();
    let nofollow = fs::statx(
        CWD,
        &link,
        AtFlags::SYMLINK_NOFOLLOW,
        StatxMask::BASIC_STATS,
    )
    .unwrap();
    let link_meta = std::fs::symlink_metadata(&link).unwrap();
    assert_eq!(nofollow.file_type(), FileType::Symlink);
    assert_eq!(nofollow.stx_ino, link_meta.ino());
    assert_eq!(nofollow.stx_size, 1, "the length of the target \"f\"");
    assert_eq!(
        fs::statx(CWD, &link, AtFlags::empty(), StatxMask::INO)
            .unwrap()
            .stx_ino,
        meta.ino()
    );

    let missing = tmp.path().join("missing");
    assert_eq!(
        fs::statx(CWD, &missing, AtFlags::empty(), StatxMask::TYPE).unwrap_err(),
        Errno::ENOENT
    );
    assert_eq!(
        fs::statx(CWD, &path, AtFlags::REMOVEDIR, StatxMask::TYPE).unwrap_err(),
        Errno::EINVAL
    );
    assert_eq!(
        fs::statx(CWD, path.join("x"), AtFlags::empty(), StatxMask::TYPE).unwrap_err(),
        Errno::ENOTDIR
    );
}

#[test]
fn file_types_agree_with_std_for_every_kind() {
    let tmp = tempfile::tempdir().unwrap();
    let p = |name: &str| tmp.path().join(name);
    std::fs::write(p("reg"), b"").unwrap();
    std::fs::create_dir(p("dir")).unwrap();
    std::os::unix::fs::symlink("reg", p("lnk")).unwrap();
    let fifo = std::ffi::CString::new(p("fifo").as_os_str().as_bytes()).unwrap();
    // SAFETY: mkfifo reads the NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    let _socket = std::os::unix::net::UnixListener::bind(p("sock")).unwrap();

    let dir = dir_fd(tmp.path());
    let from_dirents: BTreeMap<OsString, FileType> = ReadDir::new(&dir)
        .map(Result::unwrap)
        .filter(|e| !e.is_dot_or_dot_dot())
        .map(|e| (e.file_name().to_owned(), e.file_type))
        .collect();
    assert_eq!(from_dirents.len(), 5);
    for entry in std::fs::read_dir(tmp.path()).unwrap() {
        let entry = entry.unwrap();
        let std_type = entry.file_type().unwrap();
        let ours = fs::statx(
            &dir,
            entry.file_name().as_os_str(),
            AtFlags::SYMLINK_NOFOLLOW,
            StatxMask::TYPE,
        )
        .unwrap()
        .file_type();
        let expected = [
            (std_type.is_file(), FileType::RegularFile),
            (std_type.is_dir(), FileType::Directory),
            (std_type.is_symlink(), FileType::Symlink),
            (
                std::os::unix::fs::FileTypeExt::is_fifo(&std_type),
                FileType::Fifo,
            ),
            (
                std::os::unix::fs::FileTypeExt::is_socket(&std_type),
                FileType::Socket,
            ),
        ]
        .into_iter()
        .find_map(|(is, t)| is.then_some(t))
        .unwrap();
        assert_eq!(ours, expected, "{:?}", entry.file_name());
        assert_eq!(
            from_dirents[&entry.file_name()],
            expected,
            "{:?}",
            entry.file_name()
        );
    }
    let null = File::open("/dev/null").unwrap();
    assert_eq!(fs::fstat(&null).unwrap().file_type(), FileType::CharDevice);
}

// ---------------------------------------------------------------------------------
// Data and space.

#[test]
fn sync_calls_succeed_on_files_and_fail_on_pipes() {
    let file = tempfile::tempfile().unwrap();
    assert_eq!(fs::fsync(&file), Ok(()));
    assert_eq!(fs::fdatasync(&file), Ok(()));
    let (reader, _writer) = fd::pipe2(fd::PipeFlags::CLOEXEC).unwrap();
    assert_eq!(fs::fsync(&reader), Err(Errno::EINVAL));
    assert_eq!(fs::fdatasync(&reader), Err(Errno::EINVAL));
    assert_eq!(fs::fsync(CWD), Err(Errno::EBADF));
}

#[test]
fn ftruncate_sets_the_size_std_sees() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("t");
    std::fs::write(&path, b"0123456789").unwrap();
    let fd = fs::open(&path, OFlags::RDWR | OFlags::CLOEXEC, Mode::empty()).unwrap();
    fs::ftruncate(&fd, 4).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"0123");
    fs::ftruncate(&fd, 1 << 20).unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 1 << 20);
    assert_eq!(fs::ftruncate(&fd, u64::MAX), Err(Errno::EINVAL));
    let read_only = File::open(&path).unwrap();
    assert_eq!(fs::ftruncate(&read_only, 0), Err(Errno::EINVAL));
}

#[test]
fn fallocate_allocates_keeps_size_and_punches_holes() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("space");
    let fd = fs::open(&path, RW_CREATE, Mode::RUSR | Mode::WUSR).unwrap();
    fs::fallocate(&fd, FallocateFlags::empty(), 0, 64 * 1024).unwrap();
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.len(), 64 * 1024);
    assert!(meta.blocks() * 512 >= 64 * 1024, "{} blocks", meta.blocks());

    fs::fallocate(&fd, FallocateFlags::KEEP_SIZE, 64 * 1024, 64 * 1024).unwrap();
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.len(), 64 * 1024, "KEEP_SIZE keeps the size");
    assert!(
        meta.blocks() * 512 >= 128 * 1024,
        "{} blocks",
        meta.blocks()
    );

    io::pwrite(&fd, &[0xaa; 16 * 1024], 0).unwrap();
    let punch = FallocateFlags::PUNCH_HOLE | FallocateFlags::KEEP_SIZE;
    match fs::fallocate(&fd, punch, 4096, 8192) {
        Ok(()) => {
            let data = std::fs::read(&path).unwrap();
            assert!(data[..4096].iter().all(|&b| b == 0xaa));
            assert!(
                data[4096..12288].iter().all(|&b| b == 0),
                "the hole reads as zeros"
            );
            assert!(data[12288..16384].iter().all(|&b| b == 0xaa));
        }
        Err(Errno::EOPNOTSUPP) => eprintln!("SKIPPED: hole punching unsupported here"),
        Err(e) => panic!("punch hole: {e}"),
    }
    let punch_alone = FallocateFlags::PUNCH_HOLE;
    assert_eq!(
        fs::fallocate(&fd, punch_alone, 0, 4096),
        Err(Errno::EOPNOTSUPP)
    );
    assert_eq!(
        fs::fallocate(&fd, FallocateFlags::empty(), 0, 0),
        Err(Errno::EINVAL)
    );
}

// ---------------------------------------------------------------------------------
// Directory entries.

#[test]
fn read_dir_matches_std_across_many_refills() {
    let tmp = tempfile::tempdir().unwrap();
    for i in 0..1200 {
        File::create(tmp.path().join(format!("entry-{i:05}-with-a-longer-name"))).unwrap();
    }
    std::fs::create_dir(tmp.path().join("subdir")).unwrap();
    let std_entries: BTreeMap<OsString, u64> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| (e.file_name(), e.ino()))
        .collect();
    assert_eq!(std_entries.len(), 1201);

    let dir = dir_fd(tmp.path());
    let (ours, calls) = calls_of(|| ReadDir::new(dir).collect::<Result<Vec<_>, _>>().unwrap());
    let (dots, ours): (Vec<_>, Vec<_>) = ours.into_iter().partition(|e| e.is_dot_or_dot_dot());
    assert_eq!(dots.len(), 2);
    let ours: BTreeMap<OsString, u64> = ours
        .iter()
        .map(|e| (e.file_name().to_owned(), e.ino))
        .collect();
    assert_eq!(ours, std_entries);
    // ~48 bytes an entry, 8 KiB a refill: several refills, one getdents64 each, plus
    // the one that finds the end, and nothing else.
    assert!(calls.len() >= 7, "{} calls", calls.len());
    assert!(calls.iter().all(|&nr| nr == Sysno::getdents64), "{calls:?}");
}

#[test]
fn getdents64_fills_a_buffer_that_dir_entries_reads() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["a", "bb", "ccc"] {
        std::fs::write(tmp.path().join(name), name).unwrap();
    }
    let dir = dir_fd(tmp.path());
    assert_eq!(
        fs::getdents64(&dir, &mut [0u8; 10]),
        Err(Errno::EINVAL),
        "too small for one"
    );
    let mut buf = vec![0u8; 100];
    let mut names = Vec::new();
    loop {
        let n = fs::getdents64(&dir, &mut buf).unwrap();
        if n == 0 {
            break;
        }
        let mut entries = DirEntries::new(&buf[..n]);
        names.extend(entries.by_ref().map(|e| e.file_name().to_owned()));
        assert!(entries.remainder().is_empty());
    }
    names.sort();
    assert_eq!(names, [".", "..", "a", "bb", "ccc"]);
    // Read again from the start after a rewind.
    io::lseek(&dir, io::SeekFrom::Start(0)).unwrap();
    assert!(fs::getdents64(&dir, &mut buf).unwrap() > 0);

    let file = File::open(tmp.path().join("a")).unwrap();
    assert_eq!(fs::getdents64(&file, &mut buf), Err(Errno::ENOTDIR));
}

#[test]
fn read_dir_reports_an_error_once_then_ends() {
    let file = tempfile::tempfile().unwrap();
    let mut entries = ReadDir::new(&file);
    assert_eq!(entries.next(), Some(Err(Errno::ENOTDIR)));
    assert_eq!(entries.next(), None);
    let debug = format!("{entries:?}");
    assert!(
        debug.contains("done: true") && debug.contains("buffer_size: 8192"),
        "{debug}"
    );
    let mut tiny = ReadDir::with_buffer_size(dir_fd(Path::new("/")), 8);
    assert_eq!(tiny.next(), Some(Err(Errno::EINVAL)));
    assert_eq!(tiny.next(), None);
    assert_eq!(
        ReadDir::new(&file).into_inner().as_raw_fd(),
        file.as_raw_fd()
    );
}

// ---------------------------------------------------------------------------------
// Names.

#[test]
fn mkdirat_and_unlinkat_agree_with_std() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = dir_fd(tmp.path());
    fs::mkdirat(&dir, "sub", Mode::RWXU).unwrap();
    let meta = std::fs::metadata(tmp.path().join("sub")).unwrap();
    assert!(meta.is_dir());
    assert_eq!(meta.permissions().mode() & 0o777, 0o700);
    assert_eq!(fs::mkdirat(&dir, "sub", Mode::RWXU), Err(Errno::EEXIST));
    assert_eq!(fs::mkdirat(&dir, "no/such", Mode::RWXU), Err(Errno::ENOENT));

    std::fs::write(tmp.path().join("sub/file"), b"x").unwrap();
    assert_eq!(
        fs::unlinkat(&dir, "sub", AtFlags::REMOVEDIR),
        Err(Errno::ENOTEMPTY)
    );
    assert_eq!(
        fs::unlinkat(&dir, "sub", AtFlags::empty()),
        Err(Errno::EISDIR)
    );
    assert_eq!(
        fs::unlinkat(&dir, "sub/file", AtFlags::REMOVEDIR),
        Err(Errno::ENOTDIR)
    );
    fs::unlinkat(&dir, "sub/file", AtFlags::empty()).unwrap();
    assert!(!tmp.path().join("sub/file").exists());
    fs::unlinkat(&dir, "sub", AtFlags::REMOVEDIR).unwrap();
    assert!(!tmp.path().join("sub").exists());
    assert_eq!(
        fs::unlinkat(&dir, "sub", AtFlags::REMOVEDIR),
        Err(Errno::ENOENT)
    );
}

#[test]
fn renameat2_replaces_refuses_and_exchanges() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = dir_fd(tmp.path());
    std::fs::create_dir(tmp.path().join("other")).unwrap();
    let other = dir_fd(&tmp.path().join("other"));
    let write = |name: &str, text: &str| std::fs::write(tmp.path().join(name), text).unwrap();
    let read = |name: &str| std::fs::read_to_string(tmp.path().join(name)).unwrap();
    write("a", "A");
    write("b", "B");

    assert_eq!(
        fs::renameat2(&dir, "a", &dir, "b", RenameFlags::NOREPLACE),
        Err(Errno::EEXIST)
    );
    assert_eq!((read("a"), read("b")), ("A".into(), "B".into()));
    fs::renameat2(&dir, "a", &dir, "b", RenameFlags::EXCHANGE).unwrap();
    assert_eq!((read("a"), read("b")), ("B".into(), "A".into()));
    let both = RenameFlags::NOREPLACE | RenameFlags::EXCHANGE;
    assert_eq!(
        fs::renameat2(&dir, "a", &dir, "b", both),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        fs::renameat2(&dir, "a", &dir, "zz", RenameFlags::EXCHANGE),
        Err(Errno::ENOENT)
    );
    fs::renameat2(&dir, "a", &other, "moved", RenameFlags::NOREPLACE).unwrap();
    assert_eq!(read("other/moved"), "B");
    fs::renameat2(&other, "moved", &dir, "b", RenameFlags::empty()).unwrap();
    assert_eq!(read("b"), "B");
    assert!(!tmp.path().join("a").exists());
}

#[test]
fn symlinks_read_back_as_std_sees_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = dir_fd(tmp.path());
    fs::symlinkat("some/target", &dir, "short").unwrap();
    assert_eq!(
        std::fs::read_link(tmp.path().join("short")).unwrap(),
        Path::new("some/target")
    );
    assert_eq!(fs::symlinkat("x", &dir, "short"), Err(Errno::EEXIST));

    let mut buf = [0u8; 64];
    let n = fs::readlinkat(&dir, "short", &mut buf).unwrap();
    assert_eq!(&buf[..n], b"some/target");
    let mut small = [0u8; 4];
    assert_eq!(
        fs::readlinkat(&dir, "short", &mut small),
        Ok(4),
        "cut short, no error"
    );
    assert_eq!(&small, b"some");
    std::fs::write(tmp.path().join("plain"), b"").unwrap();
    assert_eq!(fs::readlinkat(&dir, "plain", &mut buf), Err(Errno::EINVAL));
    assert_eq!(
        fs::readlinkat(&dir, "missing", &mut buf),
        Err(Errno::ENOENT)
    );

    // A target longer than the first guess: 256, 512, 1024, 2048 bytes, then it fits.
    let long_target: String = (0..300).map(|i| format!("d{i:02}/")).collect::<String>() + "end";
    assert!(long_target.len() > 1024 && long_target.len() < 2048);
    std::os::unix::fs::symlink(&long_target, tmp.path().join("long")).unwrap();
    let (target, calls) = calls_of(|| fs::readlinkat_path(&dir, "long").unwrap());
    assert_eq!(target, std::fs::read_link(tmp.path().join("long")).unwrap());
    assert_eq!(calls, [Sysno::readlinkat; 4]);
    let (target, calls) = calls_of(|| fs::readlinkat_path(&dir, "short").unwrap());
    assert_eq!(target, Path::new("some/target"));
    assert_eq!(calls, [Sysno::readlinkat]);
}

// ---------------------------------------------------------------------------------
// Permissions.

#[test]
fn fchmod_sets_what_std_reads() {
    let file = tempfile::NamedTempFile::new().unwrap();
    for mode in [0o600, 0o755, 0o4711, 0o000] {
        fs::fchmod(file.as_file(), Mode::from_bits_retain(mode)).unwrap();
        assert_eq!(
            std::fs::metadata(file.path()).unwrap().permissions().mode() & 0o7777,
            mode
        );
    }
    let (reader, _writer) = fd::pipe2(fd::PipeFlags::CLOEXEC).unwrap();
    assert!(
        fs::fchmod(&reader, Mode::RUSR).is_ok(),
        "a pipe has an inode too"
    );
    assert_eq!(fs::fchmod(CWD, Mode::RUSR), Err(Errno::EBADF));
}

#[test]
fn faccessat_checks_existence_and_permission() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = dir_fd(tmp.path());
    std::fs::write(tmp.path().join("f"), b"").unwrap();
    std::fs::set_permissions(tmp.path().join("f"), Permissions::from_mode(0o644)).unwrap();
    assert_eq!(fs::faccessat(&dir, "f", Access::empty()), Ok(()));
    assert_eq!(fs::faccessat(&dir, "f", Access::READ), Ok(()));
    // No execute bit for anyone: refused even to root.
    assert_eq!(fs::faccessat(&dir, "f", Access::EXEC), Err(Errno::EACCES));
    assert_eq!(
        fs::faccessat(&dir, "nope", Access::empty()),
        Err(Errno::ENOENT)
    );

    std::os::unix::fs::symlink("nope", tmp.path().join("dangling")).unwrap();
    assert_eq!(
        fs::faccessat(&dir, "dangling", Access::empty()),
        Err(Errno::ENOENT)
    );
    let nofollow = AtFlags::SYMLINK_NOFOLLOW;
    assert_eq!(
        fs::faccessat2(&dir, "dangling", Access::empty(), nofollow),
        Ok(())
    );
    assert_eq!(
        fs::faccessat2(&dir, "f", Access::READ, AtFlags::EACCESS),
        Ok(())
    );
    let file = File::open(tmp.path().join("f")).unwrap();
    assert_eq!(
        fs::faccessat2(&file, "", Access::READ, AtFlags::EMPTY_PATH),
        Ok(())
    );
    assert_eq!(
        fs::faccessat2(&dir, "f", Access::empty(), AtFlags::STATX_DONT_SYNC),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        fs::faccessat(&dir, "f", Access::from_bits_retain(8)),
        Err(Errno::EINVAL)
    );
}

// ---------------------------------------------------------------------------------
// In-kernel copies.

#[test]
fn copy_file_range_with_and_without_offsets() {
    let mut src = tempfile::tempfile().unwrap();
    src.write_all(b"0123456789abcdef").unwrap();
    let mut dst = tempfile::tempfile().unwrap();

    let (mut from, mut to) = (4u64, 2u64);
    assert_eq!(
        fs::copy_file_range(&src, Some(&mut from), &dst, Some(&mut to), 6),
        Ok(6)
    );
    assert_eq!((from, to), (10, 8), "explicit offsets advance");
    assert_eq!(libc_offset(&src), 16, "the descriptor offsets do not move");
    assert_eq!(libc_offset(&dst), 0);
    let mut got = Vec::new();
    dst.read_to_end(&mut got).unwrap();
    assert_eq!(got, b"\0\x00456789");

    // Without offsets: the descriptors' own, which advance.
    src.seek(std::io::SeekFrom::Start(10)).unwrap();
    assert_eq!(fs::copy_file_range(&src, None, &dst, None, 100), Ok(6));
    assert_eq!((libc_offset(&src), libc_offset(&dst)), (16, 14));
    assert_eq!(
        fs::copy_file_range(&src, None, &dst, None, 100),
        Ok(0),
        "end of input"
    );
    assert_eq!(
        std::fs::read(format!("/proc/self/fd/{}", dst.as_raw_fd())).unwrap(),
        b"\0\x00456789abcdef"
    );

    let read_only = File::open("/etc/hostname").unwrap();
    assert_eq!(
        fs::copy_file_range(&src, Some(&mut 0), &read_only, None, 1),
        Err(Errno::EBADF)
    );
}

#[test]
fn sendfile_copies_to_a_pipe_and_to_a_file() {
    let mut src = tempfile::tempfile().unwrap();
    src.write_all(b"hello, sendfile").unwrap();
    let (reader, writer) = fd::pipe2(fd::PipeFlags::CLOEXEC).unwrap();
    let mut offset = 7u64;
    assert_eq!(fs::sendfile(&writer, &src, Some(&mut offset), 100), Ok(8));
    assert_eq!(offset, 15);
    assert_eq!(libc_offset(&src), 15, "untouched by an explicit offset");
    drop(writer);
    assert_eq!(read_all(&reader), b"sendfile");

    let dst = tempfile::NamedTempFile::new().unwrap();
    src.seek(std::io::SeekFrom::Start(0)).unwrap();
    assert_eq!(fs::sendfile(dst.as_file(), &src, None, 5), Ok(5));
    assert_eq!(libc_offset(&src), 5, "the descriptor offset advances");
    assert_eq!(std::fs::read(dst.path()).unwrap(), b"hello");
    assert_eq!(fs::sendfile(dst.as_file(), CWD, None, 5), Err(Errno::EBADF));
}

// ---------------------------------------------------------------------------------
// O_DIRECT and AlignedBuf.

#[test]
fn aligned_buf_is_aligned_zeroed_and_refuses_bad_input() {
    for shift in 0..=16 {
        let align = 1usize << shift;
        for len in [0, 1, 511, 4096, 10_000] {
            let mut buf = AlignedBuf::new(len, align).unwrap();
            assert_eq!(buf.as_ptr() as usize % align, 0, "len {len} align {align}");
            assert_eq!((buf.len(), buf.align()), (len, align));
            assert!(buf.iter().all(|&b| b == 0));
            buf.fill(0x5a);
            assert!(buf.iter().all(|&b| b == 0x5a));
        }
    }
    for bad_align in [0, 3, 12, 4097, usize::MAX] {
        assert_eq!(
            AlignedBuf::new(4096, bad_align).unwrap_err(),
            Errno::EINVAL,
            "{bad_align}"
        );
    }
    assert_eq!(
        AlignedBuf::new(isize::MAX as usize, 4096).unwrap_err(),
        Errno::EINVAL
    );
    assert_eq!(AlignedBuf::new(1 << 62, 4096).unwrap_err(), Errno::ENOMEM);
}

#[test]
fn o_direct_round_trip_with_aligned_buffers() {
    // Not on tmpfs, which may refuse O_DIRECT: under Cargo's target directory.
    let tmp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let path = tmp.path().join("direct");
    let flags = RW_CREATE | OFlags::DIRECT;
    let fd = match fs::open(&path, flags, Mode::RUSR | Mode::WUSR) {
        Ok(fd) => fd,
        Err(Errno::EINVAL) => {
            eprintln!(
                "SKIPPED: the file system under {:?} refuses O_DIRECT",
                tmp.path()
            );
            return;
        }
        Err(e) => panic!("open O_DIRECT: {e}"),
    };
    assert!(fd::fcntl_getfl(&fd).unwrap().contains(OFlags::DIRECT));
    let st = fs::statx(&fd, "", AtFlags::EMPTY_PATH, StatxMask::DIOALIGN).unwrap();
    let (mem, offset) = match st.dio_alignment() {
        Some(a) => (a.mem, a.offset),
        None => {
            eprintln!(
                "note: no STATX_DIOALIGN answer; using {}",
                fs::FALLBACK_DIO_ALIGN
            );
            (fs::FALLBACK_DIO_ALIGN, fs::FALLBACK_DIO_ALIGN)
        }
    };
    let len = 4 * offset.max(4096);
    let mut out = AlignedBuf::new(len, mem).unwrap();
    for (i, b) in out.iter_mut().enumerate() {
        *b = (i % 251) as u8;
    }
    assert_eq!(io::pwrite(&fd, &out, offset as u64), Ok(len));
    // A misaligned file offset is refused: proof that O_DIRECT is in force.
    assert_eq!(io::pwrite(&fd, &out[..offset], 1), Err(Errno::EINVAL));
    fs::fsync(&fd).unwrap();

    let mut back = AlignedBuf::new(len, mem).unwrap();
    assert_eq!(io::pread(&fd, &mut back, offset as u64), Ok(len));
    assert_eq!(&back[..], &out[..]);
    let on_disk = std::fs::read(&path).unwrap();
    assert_eq!(on_disk.len(), offset + len);
    assert_eq!(&on_disk[offset..], &out[..]);
}

#[test]
fn bad_pointer_is_efault_through_the_raw_layer() {
    let file = tempfile::tempfile().unwrap();
    // SAFETY: nothing is mapped at address 16, so the kernel writes nothing.
    let ret = unsafe { raw::syscall2(Sysno::fstat, file.as_raw_fd() as usize, 16) };
    assert_eq!(ret, Err(Errno::EFAULT));
}

#[test]
fn an_absurd_read_dir_buffer_size_is_capped_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a"), b"").unwrap();
    let fd = fs::open(
        dir.path(),
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .unwrap();
    let names: Vec<_> = fs::ReadDir::with_buffer_size(fd, usize::MAX)
        .map(|e| e.unwrap().file_name().to_owned())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
}

#[test]
fn extended_attributes_read_as_libc_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    File::create(&path).unwrap();
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    let value = b"sysbridge\0bytes";
    // SAFETY: NUL-terminated path and name, and a value slice with its length.
    let set = unsafe {
        libc::setxattr(
            c_path.as_ptr(),
            c"user.test".as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            0,
        )
    };
    if set != 0 {
        eprintln!(
            "SKIPPED: this file system keeps no user attributes ({})",
            std::io::Error::last_os_error()
        );
        return;
    }
    let mut buf = [0u8; 64];
    let n = sysbridge::fs::getxattr(path.as_path(), "user.test", &mut buf).unwrap();
    assert_eq!(&buf[..n], value);
    // The size alone, and what libc says it is.
    assert_eq!(
        sysbridge::fs::getxattr(path.as_path(), "user.test", &mut []),
        Ok(value.len())
    );
    // SAFETY: a NULL buffer of size 0 asks for the size only.
    let libc_len = unsafe {
        libc::getxattr(
            c_path.as_ptr(),
            c"user.test".as_ptr(),
            std::ptr::null_mut(),
            0,
        )
    };
    assert_eq!(libc_len, value.len() as isize);
    assert_eq!(
        sysbridge::fs::getxattr(path.as_path(), "user.test", &mut buf[..3]),
        Err(Errno::ERANGE)
    );
    assert_eq!(
        sysbridge::fs::getxattr(path.as_path(), "user.none", &mut buf),
        Err(Errno::ENODATA)
    );
}
