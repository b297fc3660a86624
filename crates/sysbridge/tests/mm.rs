//! `mm` against the kernel's own account of this process's memory: `/proc/self/maps`
//! and `/proc/self/smaps` for placement, permissions and flags, `/proc/self/fd` and
//! plain file I/O for memfd.
//!
//! The tests take one lock: reading `/proc/self/maps` to see that a range is no longer
//! mapped is only meaningful while no other test maps memory.

use core::ptr;
use std::fs::File;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::fs::FileExt;
use std::sync::{Mutex, MutexGuard};

use sysbridge::Errno;
use sysbridge::mm::{
    self, Advice, MapFlags, MfdFlags, MlockFlags, Mmap, MmapMut, MremapFlags, ProtFlags,
};

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn page() -> usize {
    // SAFETY: sysconf reads a constant.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size).unwrap()
}

/// One line of `/proc/self/smaps`: a mapped area, with its `Key: value` lines.
#[derive(Debug)]
struct Area {
    start: usize,
    end: usize,
    perms: String,
    path: String,
    details: Vec<String>,
}

impl Area {
    /// The number in a `Key: N kB` line.
    fn kb(&self, key: &str) -> u64 {
        let line = self.details.iter().find(|l| l.starts_with(key)).unwrap();
        // `Locked:               16 kB`
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    /// The two-letter flags of the `VmFlags:` line.
    fn vm_flags(&self) -> Vec<String> {
        let line = self
            .details
            .iter()
            .find(|l| l.starts_with("VmFlags:"))
            .unwrap();
        line["VmFlags:".len()..]
            .split_whitespace()
            .map(String::from)
            .collect()
    }
}

/// Every area of `/proc/self/smaps` (the same first lines as `/proc/self/maps`).
fn areas() -> Vec<Area> {
    let text = std::fs::read_to_string("/proc/self/smaps").unwrap();
    let mut areas: Vec<Area> = Vec::new();
    for line in text.lines() {
        let mut fields = line.split_whitespace();
        let first = fields.next().unwrap_or("");
        match first.split_once('-') {
            Some((start, end)) if !first.ends_with(':') => {
                let perms = fields.next().unwrap().to_string();
                let path = fields.skip(3).collect::<Vec<_>>().join(" ");
                areas.push(Area {
                    start: usize::from_str_radix(start, 16).unwrap(),
                    end: usize::from_str_radix(end, 16).unwrap(),
                    perms,
                    path,
                    details: Vec::new(),
                });
            }
            _ => areas.last_mut().unwrap().details.push(line.to_string()),
        }
    }
    areas
}

/// The area holding `addr`, if it is mapped.
fn area_at(addr: usize) -> Option<Area> {
    areas()
        .into_iter()
        .find(|a| a.start <= addr && addr < a.end)
}

/// The area holding all of `m`, which the kernel may have merged with neighbours.
fn area_of(m: &[u8]) -> Area {
    let start = m.as_ptr() as usize;
    let area = area_at(start).unwrap_or_else(|| panic!("{start:#x} is not mapped"));
    assert!(
        area.end >= start + m.len(),
        "{area:?} ends inside {start:#x}+{}",
        m.len()
    );
    area
}

fn memfd(name: &str, len: u64) -> File {
    let file = File::from(mm::memfd_create(name, MfdFlags::CLOEXEC).unwrap());
    file.set_len(len).unwrap();
    file
}

#[test]
fn anonymous_private_mapping_is_rw_p_zeroed_and_writable() {
    let _serial = serial();
    let len = 3 * page() + 100;
    let mut m = mm::mmap_anonymous(len, MapFlags::PRIVATE).unwrap();
    assert_eq!(m.len(), len);
    assert_eq!(m.as_ptr() as usize % page(), 0);
    assert_eq!(area_of(&m).perms, "rw-p");
    assert!(m.iter().all(|&b| b == 0));
    for (i, b) in m.iter_mut().enumerate() {
        *b = i as u8;
    }
    assert!(m.iter().enumerate().all(|(i, &b)| b == i as u8));
}

#[test]
fn shared_anonymous_mapping_is_rw_s() {
    let _serial = serial();
    let m = mm::mmap_anonymous(page(), MapFlags::SHARED).unwrap();
    let area = area_of(&m);
    assert_eq!(area.perms, "rw-s");
    assert!(area.path.starts_with("/dev/zero"), "{area:?}");
}

#[test]
fn drop_unmaps() {
    let _serial = serial();
    let m = mm::mmap_anonymous(2 * page(), MapFlags::PRIVATE).unwrap();
    let start = m.as_ptr() as usize;
    area_of(&m);
    drop(m);
    assert!(area_at(start).is_none());
    assert!(area_at(start + page()).is_none());

    // A file mapping carries the file's name: its line goes, whatever else is mapped.
    let file = memfd("sysbridge-drop-test", page() as u64);
    // SAFETY: the memfd is this test's alone and is not written or resized.
    let m = unsafe { mm::mmap_file(&file, 0, page(), MapFlags::SHARED) }.unwrap();
    let named = || {
        areas()
            .into_iter()
            .filter(|a| a.path.contains("sysbridge-drop-test"))
    };
    assert_eq!(
        named().map(|a| a.start).collect::<Vec<_>>(),
        [m.as_ptr() as usize]
    );
    drop(m);
    assert_eq!(named().count(), 0);
}

#[test]
fn into_read_only_and_back_change_permissions_and_keep_contents() {
    let _serial = serial();
    let mut m = mm::mmap_anonymous(2 * page(), MapFlags::PRIVATE).unwrap();
    m[..5].copy_from_slice(b"kept!");
    let start = m.as_ptr() as usize;
    let ro: Mmap = m.into_read_only().unwrap();
    assert_eq!(ro.as_ptr() as usize, start);
    assert_eq!(area_of(&ro).perms, "r--p");
    assert_eq!(&ro[..5], b"kept!");
    let mut rw: MmapMut = ro.into_mut().unwrap();
    assert_eq!(area_of(&rw).perms, "rw-p");
    rw[5] = b'?';
    assert_eq!(&rw[..6], b"kept!?");
}

#[test]
fn making_a_read_only_shared_file_mapping_writable_fails_and_hands_it_back() {
    let _serial = serial();
    let file = memfd("sysbridge-ro-test", page() as u64);
    file.write_all_at(b"file bytes", 0).unwrap();
    let path = format!("/proc/self/fd/{}", file.as_raw_fd());
    let read_only = File::open(path).unwrap();
    // SAFETY: the memfd is this test's alone and is not written or resized while
    // mapped.
    let m = unsafe { mm::mmap_file(&read_only, 0, page(), MapFlags::SHARED) }.unwrap();
    assert_eq!(area_of(&m).perms, "r--s");
    // The safe upgrade refuses any shared file mapping before a call; the unsafe one
    // reaches the kernel, which refuses a descriptor opened read-only.
    let m = m.into_mut().unwrap_err().mapping;
    // SAFETY: no other mapping of the memfd exists.
    let err = unsafe { m.into_mut_unchecked() }.unwrap_err();
    assert_eq!(err.errno, Errno::EACCES);
    let m = err.mapping;
    assert_eq!(area_of(&m).perms, "r--s");
    assert_eq!(&m[..10], b"file bytes");
    // SAFETY: as above.
    let again = unsafe { m.into_mut_unchecked() }.map_err(Errno::from);
    assert_eq!(again.err(), Some(Errno::EACCES));
    // Writing a shared mapping needs a descriptor open for writing.
    // SAFETY: as above.
    let denied = unsafe { mm::mmap_file_mut(&read_only, 0, page(), MapFlags::SHARED) };
    assert_eq!(denied.err(), Some(Errno::EACCES));
}

#[test]
fn mremap_grows_moves_and_shrinks() {
    let _serial = serial();
    let p = page();
    let mut m = mm::mmap_anonymous(2 * p, MapFlags::PRIVATE).unwrap();
    m[0] = 1;
    m[2 * p - 1] = 2;
    let old = m.as_ptr() as usize;
    // Occupy the page after the mapping (unless something already does) so that it
    // cannot grow in place.
    // SAFETY: MAP_FIXED_NOREPLACE replaces nothing; the page is unmapped below and
    // never read.
    let blocker = match unsafe {
        mm::mmap(
            (old + 2 * p) as *mut _,
            p,
            ProtFlags::empty(),
            MapFlags::PRIVATE | MapFlags::ANONYMOUS | MapFlags::FIXED_NOREPLACE,
            None,
            0,
        )
    } {
        Ok(addr) => Some(addr),
        Err(Errno::EEXIST) => None,
        Err(e) => panic!("blocking the next page: {e}"),
    };

    assert_eq!(m.mremap(4 * p, MremapFlags::empty()), Err(Errno::ENOMEM));
    assert_eq!((m.as_ptr() as usize, m.len(), m[0]), (old, 2 * p, 1));

    m.mremap(4 * p, MremapFlags::MAYMOVE).unwrap();
    let new = m.as_ptr() as usize;
    assert_ne!(new, old);
    assert_eq!(m.len(), 4 * p);
    assert_eq!(area_of(&m).perms, "rw-p");
    assert!(area_at(old).is_none() && area_at(old + p).is_none());
    assert_eq!((m[0], m[2 * p - 1]), (1, 2));
    assert!(m[2 * p..].iter().all(|&b| b == 0));
    m[4 * p - 1] = 3;

    m.mremap(p, MremapFlags::empty()).unwrap();
    assert_eq!((m.as_ptr() as usize, m.len(), m[0]), (new, p, 1));
    assert!(area_at(new + p).is_none() && area_at(new + 3 * p).is_none());
    area_of(&m);

    if let Some(blocker) = blocker {
        // SAFETY: the blocker page is this test's and unused.
        unsafe { mm::munmap(blocker, p) }.unwrap();
    }
}

#[test]
fn mremap_refuses_what_it_cannot_keep_sound() {
    let _serial = serial();
    let p = page();
    let mut m = mm::mmap_anonymous(p, MapFlags::PRIVATE).unwrap();
    for flags in [
        MremapFlags::FIXED | MremapFlags::MAYMOVE,
        MremapFlags::DONTUNMAP | MremapFlags::MAYMOVE,
        MremapFlags::from_bits_retain(0x100),
    ] {
        assert_eq!(m.mremap(2 * p, flags), Err(Errno::EINVAL), "{flags:?}");
    }
    assert_eq!(m.mremap(0, MremapFlags::MAYMOVE), Err(Errno::EINVAL));
    assert!(m.mremap(usize::MAX, MremapFlags::MAYMOVE).is_err());
    assert!(m.mremap(1 << 62, MremapFlags::MAYMOVE).is_err());
    assert_eq!(m.len(), p);
    m[p - 1] = 1;
    area_of(&m);

    // A file mapping may shrink, but not grow past what `mmap_file` was promised.
    let file = memfd("sysbridge-remap-test", 2 * p as u64);
    // SAFETY: the memfd is this test's alone and is not written or resized.
    let mut f = unsafe { mm::mmap_file(&file, 0, 2 * p, MapFlags::SHARED) }.unwrap();
    assert_eq!(f.mremap(3 * p, MremapFlags::MAYMOVE), Err(Errno::EINVAL));
    f.mremap(p, MremapFlags::empty()).unwrap();
    assert_eq!(f.len(), p);
    file.set_len(2 * p as u64).unwrap();
    // SAFETY: the file is two pages long, and stays so while mapped.
    unsafe { f.mremap_unchecked(2 * p, MremapFlags::MAYMOVE) }.unwrap();
    assert_eq!(f.len(), 2 * p);
    assert_eq!(area_of(&f).perms, "r--s");
}

#[test]
fn constructors_refuse_bad_requests_without_panicking() {
    let _serial = serial();
    let private = MapFlags::PRIVATE;
    assert_eq!(mm::mmap_anonymous(0, private).err(), Some(Errno::EINVAL));
    assert_eq!(
        mm::mmap_anonymous(usize::MAX, private).err(),
        Some(Errno::ENOMEM)
    );
    assert_eq!(
        mm::mmap_anonymous(1 << 62, private).err(),
        Some(Errno::ENOMEM)
    );
    for flags in [
        private | MapFlags::FIXED,
        private | MapFlags::FIXED_NOREPLACE,
        private | MapFlags::GROWSDOWN,
        MapFlags::DROPPABLE,
        MapFlags::empty(),
        private | MapFlags::from_bits_retain(1 << 23),
    ] {
        assert_eq!(
            mm::mmap_anonymous(page(), flags).err(),
            Some(Errno::EINVAL),
            "{flags:?}"
        );
    }
    // ANONYMOUS is implied, and allowed, for anonymous memory.
    mm::mmap_anonymous(page(), private | MapFlags::ANONYMOUS).unwrap();

    let file = memfd("sysbridge-bad-test", 2 * page() as u64);
    let map = |offset, len, flags| {
        // SAFETY: the memfd is this test's alone and is not written or resized.
        unsafe { mm::mmap_file(&file, offset, len, flags) }
    };
    assert_eq!(map(1, page(), MapFlags::SHARED).err(), Some(Errno::EINVAL));
    assert_eq!(map(0, 0, MapFlags::SHARED).err(), Some(Errno::EINVAL));
    assert_eq!(
        map(0, usize::MAX, MapFlags::SHARED).err(),
        Some(Errno::ENOMEM)
    );
    assert_eq!(
        map(u64::MAX - 0xfff, page(), MapFlags::SHARED).err(),
        Some(Errno::EOVERFLOW)
    );
    let anonymous = MapFlags::SHARED | MapFlags::ANONYMOUS;
    assert_eq!(map(0, page(), anonymous).err(), Some(Errno::EINVAL));
    assert_eq!(
        map(0, page(), MapFlags::SHARED | MapFlags::FIXED).err(),
        Some(Errno::EINVAL)
    );
}

#[test]
fn file_mapping_at_an_offset_sees_that_page() {
    let _serial = serial();
    let p = page();
    let file = memfd("sysbridge-offset-test", 3 * p as u64);
    for i in 0..3u8 {
        file.write_all_at(&vec![b'a' + i; p], u64::from(i) * p as u64)
            .unwrap();
    }
    // SAFETY: the memfd is this test's alone and is not written or resized while
    // mapped.
    let m = unsafe { mm::mmap_file(&file, p as u64, 2 * p, MapFlags::PRIVATE) }.unwrap();
    assert_eq!(
        (m[0], m[p - 1], m[p], m[2 * p - 1]),
        (b'b', b'b', b'c', b'c')
    );
    let area = area_of(&m);
    assert_eq!(area.perms, "r--p");
    assert!(
        area.path.starts_with("/memfd:sysbridge-offset-test"),
        "{area:?}"
    );
}

#[test]
fn memfd_is_named_and_shared_mappings_see_file_io() {
    let _serial = serial();
    let fd: OwnedFd = mm::memfd_create("sysbridge-memfd-test", MfdFlags::CLOEXEC).unwrap();
    let link = std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd())).unwrap();
    assert_eq!(
        link.to_str().unwrap(),
        "/memfd:sysbridge-memfd-test (deleted)"
    );
    // SAFETY: F_GETFD reads a descriptor flag.
    let fd_flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFD) };
    assert_eq!(fd_flags & libc::FD_CLOEXEC, libc::FD_CLOEXEC);

    let file = File::from(fd);
    file.set_len(page() as u64).unwrap();
    file.write_all_at(b"written through the fd", 0).unwrap();
    // SAFETY: the memfd is this test's; while the mappings live it is written
    // only through `rw`, and `ro` is read only after each write.
    let ro = unsafe { mm::mmap_file(&file, 0, page(), MapFlags::SHARED) }.unwrap();
    // SAFETY: as above.
    let mut rw = unsafe { mm::mmap_file_mut(&file, 0, page(), MapFlags::SHARED) }.unwrap();
    assert_eq!(&ro[..22], b"written through the fd");
    assert_eq!(area_of(&rw).perms, "rw-s");
    rw[..7].copy_from_slice(b"WRITTEN");
    let mut back = [0; 22];
    file.read_exact_at(&mut back, 0).unwrap();
    assert_eq!(&back, b"WRITTEN through the fd");
    assert_eq!(&ro[..7], b"WRITTEN");

    let no_cloexec = mm::memfd_create("sysbridge-inherit", MfdFlags::empty()).unwrap();
    // SAFETY: F_GETFD reads a descriptor flag.
    let fd_flags = unsafe { libc::fcntl(no_cloexec.as_raw_fd(), libc::F_GETFD) };
    assert_eq!(fd_flags, 0);
}

#[test]
fn memfd_names_are_checked() {
    assert_eq!(
        mm::memfd_create("a\0b", MfdFlags::CLOEXEC).err(),
        Some(Errno::EINVAL)
    );
    // The kernel's limit is 249 bytes.
    mm::memfd_create("n".repeat(249).as_str(), MfdFlags::CLOEXEC).unwrap();
    let too_long = "n".repeat(250);
    assert_eq!(
        mm::memfd_create(too_long.as_str(), MfdFlags::CLOEXEC).err(),
        Some(Errno::EINVAL)
    );
    let unknown = MfdFlags::from_bits_retain(1 << 20);
    assert_eq!(mm::memfd_create("x", unknown).err(), Some(Errno::EINVAL));
}

#[test]
fn dontneed_zeroes_private_memory_and_not_shared_memory() {
    let _serial = serial();
    let mut private = mm::mmap_anonymous(2 * page(), MapFlags::PRIVATE).unwrap();
    let mut shared = mm::mmap_anonymous(2 * page(), MapFlags::SHARED).unwrap();
    private.fill(0xa5);
    shared.fill(0x5a);
    private.madvise_mut(Advice::DontNeed).unwrap();
    shared.madvise_mut(Advice::DontNeed).unwrap();
    assert!(private.iter().all(|&b| b == 0));
    assert!(shared.iter().all(|&b| b == 0x5a));
    // Removing a hole in the shared memory itself does zero it.
    shared.madvise_mut(Advice::Remove).unwrap();
    assert!(shared.iter().all(|&b| b == 0));
}

#[test]
fn advice_is_sorted_by_what_it_does() {
    let _serial = serial();
    let mut m = mm::mmap_anonymous(page(), MapFlags::PRIVATE).unwrap();
    m[0] = 7;
    for discard in [Advice::DontNeed, Advice::DontNeedLocked, Advice::Remove] {
        assert_eq!(m.madvise(discard), Err(Errno::EINVAL), "{discard:?}");
    }
    for raw_only in [
        Advice::Free,
        Advice::DontFork,
        Advice::WipeOnFork,
        Advice::HwPoison,
        Advice::GuardInstall,
        Advice::GuardRemove,
    ] {
        assert_eq!(m.madvise(raw_only), Err(Errno::EINVAL), "{raw_only:?}");
        assert_eq!(m.madvise_mut(raw_only), Err(Errno::EINVAL), "{raw_only:?}");
    }
    for hint in [
        Advice::Normal,
        Advice::Random,
        Advice::Sequential,
        Advice::WillNeed,
    ] {
        m.madvise(hint).unwrap();
    }
    assert_eq!(m[0], 7);

    // MADV_DONTDUMP shows in smaps as the `dd` flag.
    assert!(!area_of(&m).vm_flags().contains(&"dd".to_string()));
    m.madvise(Advice::DontDump).unwrap();
    assert!(area_of(&m).vm_flags().contains(&"dd".to_string()));
    m.madvise(Advice::DoDump).unwrap();
    assert!(!area_of(&m).vm_flags().contains(&"dd".to_string()));
}

#[test]
fn mlock_shows_in_smaps() {
    let _serial = serial();
    let len = 4 * page();
    let m = mm::mmap_anonymous(len, MapFlags::PRIVATE).unwrap();
    match m.mlock(MlockFlags::empty()) {
        Err(e @ (Errno::EPERM | Errno::ENOMEM | Errno::EAGAIN)) => {
            eprintln!("SKIPPED: mlock_shows_in_smaps: mlock2 failed with {e} (RLIMIT_MEMLOCK?)");
            return;
        }
        other => other.unwrap(),
    }
    let area = area_of(&m);
    assert!(area.vm_flags().contains(&"lo".to_string()), "{area:?}");
    assert!(area.kb("Locked:") >= (len / 1024) as u64, "{area:?}");
    m.munlock().unwrap();
    let area = area_of(&m);
    assert!(!area.vm_flags().contains(&"lo".to_string()), "{area:?}");

    // MLOCK_ONFAULT locks nothing until a fault.
    let mut m: MmapMut = mm::mmap_anonymous(len, MapFlags::PRIVATE).unwrap();
    m.mlock(MlockFlags::ONFAULT).unwrap();
    let area = area_of(&m);
    assert_eq!(area.kb("Locked:"), 0, "{area:?}");
    m[0] = 1;
    let area = area_of(&m);
    assert_eq!(area.kb("Locked:"), (page() / 1024) as u64, "{area:?}");
}

#[test]
fn raw_calls_follow_prot_none_to_read_to_unmapped() {
    let _serial = serial();
    let p = page();
    // SAFETY: no MAP_FIXED, so nothing is replaced.
    let addr = unsafe {
        mm::mmap(
            ptr::null_mut(),
            2 * p,
            ProtFlags::empty(),
            MapFlags::PRIVATE | MapFlags::ANONYMOUS,
            None,
            0,
        )
    }
    .unwrap();
    let start = addr as usize;
    assert_eq!(area_at(start).unwrap().perms, "---p");
    // SAFETY: the pages are this test's, and nothing refers to them.
    unsafe { mm::mprotect(addr, p, ProtFlags::READ) }.unwrap();
    assert_eq!(area_at(start).unwrap().perms, "r--p");
    assert_eq!(area_at(start + p).unwrap().perms, "---p");
    // SAFETY: the first page is now readable.
    assert_eq!(unsafe { addr.cast::<u8>().read() }, 0);
    // SAFETY: a hint changes nothing a reference could see (and there is none).
    unsafe { mm::madvise(addr, 2 * p, Advice::WillNeed) }.unwrap();
    // SAFETY: nothing refers to the second page, which the shrink unmaps.
    let same = unsafe { mm::mremap(addr, 2 * p, p, MremapFlags::empty(), ptr::null_mut()) };
    assert_eq!(same, Ok(addr));
    assert!(area_at(start + p).is_none());
    // SAFETY: nothing refers to the page, which is unmapped once.
    unsafe { mm::munmap(addr, p) }.unwrap();
    assert!(area_at(start).is_none());
    let unaligned = addr.wrapping_byte_add(1);
    // SAFETY: the call fails on the unaligned address.
    let ret = unsafe { mm::mprotect(unaligned, p, ProtFlags::READ) };
    assert_eq!(ret, Err(Errno::EINVAL));
}

#[test]
fn raw_map_fixed_replaces_what_was_there() {
    let _serial = serial();
    let mut m = mm::mmap_anonymous(page(), MapFlags::PRIVATE).unwrap();
    m.fill(1);
    let addr = m.as_mut_ptr().cast();
    // SAFETY: the range is `m`'s, which is not borrowed across the call, and the new
    // mapping has the same access, so `m` owns it from here.
    let same = unsafe {
        mm::mmap(
            addr,
            page(),
            ProtFlags::READ | ProtFlags::WRITE,
            MapFlags::PRIVATE | MapFlags::ANONYMOUS | MapFlags::FIXED,
            None,
            0,
        )
    }
    .unwrap();
    assert_eq!(same, addr);
    assert!(m.iter().all(|&b| b == 0));
}

#[test]
fn raw_mmap_of_an_o_path_descriptor_is_ebadf() {
    use std::os::unix::fs::OpenOptionsExt;
    let path = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_PATH)
        .open("/proc/self/exe")
        .unwrap();
    // SAFETY: no MAP_FIXED; the call fails, as an O_PATH descriptor cannot be mapped.
    let ret = unsafe {
        mm::mmap(
            ptr::null_mut(),
            page(),
            ProtFlags::READ,
            MapFlags::PRIVATE,
            Some(path.as_fd()),
            0,
        )
    };
    assert_eq!(ret, Err(Errno::EBADF));
}

#[test]
fn mappings_are_send_and_sync() {
    let _serial = serial();
    let mut m = mm::mmap_anonymous(page(), MapFlags::PRIVATE).unwrap();
    m[0] = 3;
    let m = std::thread::spawn(move || {
        m[1] = 4;
        m
    })
    .join()
    .unwrap();
    let ro = m.into_read_only().unwrap();
    let sum: u32 = std::thread::scope(|s| {
        let readers: Vec<_> = (0..2)
            .map(|_| s.spawn(|| u32::from(ro[0] + ro[1])))
            .collect();
        readers.into_iter().map(|r| r.join().unwrap()).sum()
    });
    assert_eq!(sum, 14);
}

/// The flags the owned constructors accept (the module documentation's list).
fn accepted() -> MapFlags {
    MapFlags::SHARED
        | MapFlags::PRIVATE
        | MapFlags::_32BIT
        | MapFlags::ABOVE4G
        | MapFlags::LOCKED
        | MapFlags::NORESERVE
        | MapFlags::POPULATE
        | MapFlags::NONBLOCK
        | MapFlags::STACK
        | MapFlags::HUGETLB
        | MapFlags::from_bits_retain(0x3f << 26)
        | MapFlags::SYNC
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Any length and flags: a mapping of exactly that length, read-write where
    /// `/proc/self/maps` says so, or an error, `EINVAL` for flags outside the accepted
    /// set; never a panic. (Huge pages are left out, as there may be none, and so are
    /// flags that would fault in or lock every page of a huge request, which a root
    /// process could otherwise be granted.)
    #[test]
    fn any_request_is_a_usable_mapping_or_an_error(
        len in proptest::prop_oneof![1usize..(1 << 20), 0usize..2, proptest::num::usize::ANY],
        bits in proptest::num::u32::ANY,
        mask in proptest::prop_oneof![
            proptest::strategy::Just(accepted()),
            proptest::strategy::Just(MapFlags::all()),
            proptest::strategy::Just(MapFlags::from_bits_retain(!0)),
        ],
    ) {
        let _serial = serial();
        let mut flags = MapFlags::from_bits_retain(bits & mask.bits());
        flags.remove(MapFlags::HUGETLB);
        if len > 1 << 20 {
            flags.remove(MapFlags::POPULATE | MapFlags::LOCKED);
        }
        let refused = !accepted().contains(flags.difference(MapFlags::ANONYMOUS));
        match mm::mmap_anonymous(len, flags) {
            Ok(mut m) => {
                proptest::prop_assert!(!refused, "{flags:?} accepted");
                proptest::prop_assert_eq!(m.len(), len);
                proptest::prop_assert!(area_of(&m).perms.starts_with("rw-"));
                m[0] = 1;
                m[len - 1] = 2;
                proptest::prop_assert_eq!((m[0], m[len - 1]), (if len == 1 { 2 } else { 1 }, 2));
            }
            Err(e) => proptest::prop_assert!(!refused || e == Errno::EINVAL, "{flags:?}: {e}"),
        }
    }
}

/// Reserves `more` extra 2 MiB huge pages for the life of the guard (root only), and
/// puts the pool back as it was when dropped.
struct HugePages {
    knob: &'static str,
    before: String,
}

impl HugePages {
    fn reserve(more: u64) -> Option<HugePages> {
        let knob = "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages";
        let before = std::fs::read_to_string(knob).ok()?;
        let count: u64 = before.trim().parse().ok()?;
        std::fs::write(knob, (count + more).to_string()).ok()?;
        let guard = HugePages { knob, before };
        let now: u64 = std::fs::read_to_string(knob).ok()?.trim().parse().ok()?;
        (now >= count + more).then_some(guard)
    }
}

impl Drop for HugePages {
    fn drop(&mut self) {
        let _ = std::fs::write(self.knob, &self.before);
    }
}

#[test]
fn huge_page_mappings_of_any_length_are_unmapped_whole_on_drop() {
    let _serial = serial();
    let Some(_pool) = HugePages::reserve(2) else {
        eprintln!("SKIPPED: cannot reserve 2 MiB huge pages (needs root and free memory)");
        return;
    };
    for (len, flags) in [
        // The length is not a multiple of the huge page: the kernel maps a whole one.
        (
            4096,
            MapFlags::PRIVATE | MapFlags::HUGETLB | MapFlags::HUGE_2MB,
        ),
        (3 << 20, MapFlags::PRIVATE | MapFlags::HUGETLB),
        (2 << 20, MapFlags::SHARED | MapFlags::HUGETLB),
    ] {
        let mut m = mm::mmap_anonymous(len, flags).unwrap();
        assert_eq!(m.len(), len);
        m[len - 1] = 7;
        let start = m.as_ptr() as usize;
        let area = area_at(start).unwrap();
        assert_eq!(area.kb("KernelPageSize:"), 2048, "{area:?}");
        assert_eq!(area.end - area.start, len.next_multiple_of(2 << 20));
        drop(m);
        assert!(
            area_at(start).is_none(),
            "{len} bytes with {flags:?}: still mapped after drop"
        );
    }
}

#[test]
fn only_private_anonymous_memory_grows() {
    let _serial = serial();
    // Shared anonymous memory is a shared-memory object of fixed size: pages past it
    // would fault, so growing is refused before any call; shrinking is fine.
    let mut shared = mm::mmap_anonymous(page(), MapFlags::SHARED).unwrap();
    assert_eq!(
        shared.mremap(3 * page(), MremapFlags::MAYMOVE),
        Err(Errno::EINVAL)
    );
    let mut shared = mm::mmap_anonymous(2 * page(), MapFlags::SHARED).unwrap();
    shared.mremap(page(), MremapFlags::MAYMOVE).unwrap();
    assert_eq!(shared.len(), page());
    let mut private = mm::mmap_anonymous(page(), MapFlags::PRIVATE).unwrap();
    private.mremap(3 * page(), MremapFlags::MAYMOVE).unwrap();
    private[3 * page() - 1] = 1;
}

#[test]
fn unreserved_huge_pages_are_refused() {
    let flags = MapFlags::PRIVATE | MapFlags::HUGETLB | MapFlags::NORESERVE;
    assert_eq!(
        mm::mmap_anonymous(2 << 20, flags).err(),
        Some(Errno::EINVAL)
    );
}

#[test]
fn a_shared_file_mapping_becomes_writable_only_unsafely() {
    let _serial = serial();
    let file = memfd("sysbridge-into-mut", page() as u64);
    // SAFETY: the memfd is this test's alone; nothing else maps it.
    let m = unsafe { mm::mmap_file(&file, 0, page(), MapFlags::SHARED) }.unwrap();
    let refused = m.into_mut().unwrap_err();
    assert_eq!(refused.errno, Errno::EPERM);
    // SAFETY: no other mapping of the memfd exists, so no borrow can see the writes.
    let mut m = unsafe { refused.mapping.into_mut_unchecked() }.unwrap();
    m[0] = 9;
    let mut byte = [0u8; 1];
    sysbridge::io::pread(&file, &mut byte, 0).unwrap();
    assert_eq!(byte, [9]);
    // A private file mapping's writes stay private: upgrading it is safe.
    // SAFETY: as above.
    let private = unsafe { mm::mmap_file(&file, 0, page(), MapFlags::PRIVATE) }.unwrap();
    let mut private = private.into_mut().unwrap();
    private[0] = 1;
    sysbridge::io::pread(&file, &mut byte, 0).unwrap();
    assert_eq!(byte, [9]);
}
