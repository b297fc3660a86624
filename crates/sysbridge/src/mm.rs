//! Memory: `mmap(2)` as an owned mapping, `munmap(2)`, `mprotect(2)`, `madvise(2)`,
//! `mremap(2)`, `mlock2(2)`, `munlock(2)` and `memfd_create(2)`.
//!
//! Two layers:
//!
//! - **Owned mappings**: [`Mmap`] (readable) and [`MmapMut`] (readable and writable)
//!   own a range of pages, dereference to `[u8]` (and `MmapMut` to `&mut [u8]`) and
//!   unmap it when dropped. [`mmap_anonymous`] is safe; [`mmap_file`] and
//!   [`mmap_file_mut`] are `unsafe` because another process can change a file under a
//!   Rust reference.
//! - **Raw calls**: [`mmap`], [`munmap`], [`mprotect`], [`madvise`] and [`mremap`] on
//!   raw addresses, all `unsafe`, for memory the caller manages.
//!
//! Every function issues exactly one system call, through the hooked entries: the
//! kernel may fault pages in or wait for writeback ([`memfd_create`], which only
//! creates a descriptor, is the exception and never runs hooks). Dropping an owned
//! mapping is one `munmap(2)`, and up to two more for a huge-page mapping whose
//! length is not a multiple of its page size. A `munmap` that fails otherwise (`ENOMEM`
//! when splitting would pass `vm.max_map_count`) leaves the pages mapped: a leak,
//! never a fault.
//!
//! # Why the owned mappings are sound
//!
//! A `&[u8]` promises that the bytes can be read and do not change while it lives; a
//! `&mut [u8]` adds that they can be written and that nothing else reads or writes
//! them. A mapping is Rust memory only if the kernel keeps both promises, so the types
//! carry this invariant, and every operation on them keeps it:
//!
//! 1. **Ownership.** A mapping owns `ptr..ptr + len` (the kernel rounds the end up to
//!    a page): it was placed by the kernel in free address space (never with
//!    `MAP_FIXED`, which would replace live memory: the safe constructors refuse it,
//!    and only the `unsafe` [`mmap`] takes an address), and nothing else unmaps,
//!    remaps or reprotects it (the raw calls that could are `unsafe`, and their
//!    contracts forbid it). Drop unmaps exactly this range, once.
//! 2. **Access.** Every page of an [`Mmap`] is readable; every page of an [`MmapMut`]
//!    is readable and writable. The constructors ask for `PROT_READ` or
//!    `PROT_READ | PROT_WRITE`, never `PROT_NONE`, and the only safe way to change
//!    protection is to change the type: [`MmapMut::into_read_only`] and
//!    [`Mmap::into_mut`] consume the mapping. When `mprotect(2)` fails it may have
//!    changed part of the range (it works area by area), so the failure hands back
//!    the mapping as an [`Mmap`], which every page still satisfies: each is either
//!    still as it was or already as requested, and both include `PROT_READ`
//!    ([`ProtectError`]).
//! 3. **Stable contents.** Only this process writes the bytes, and only through
//!    `&mut`:
//!    - anonymous private memory is this process's alone; anonymous shared memory is
//!      shared only with children made by `fork`, which Rust treats as `unsafe` (as
//!      libc's, nix's and rustix's `fork` are): a child inherits a bitwise copy of
//!      every owner in the process, and the caller of `fork` answers for what the
//!      copies do;
//!    - for file mappings, other processes can write or truncate the file, which Rust
//!      cannot prevent: keeping the file long enough, and its bytes still while they
//!      are borrowed, is the `unsafe` contract of [`mmap_file`] and
//!      [`mmap_file_mut`]. [`mremap`](Mmap::mremap) grows only private anonymous
//!      memory: not a file mapping past the range that contract covered, nor shared
//!      anonymous memory past the size of its shared-memory object (its new pages
//!      would fault); [`mremap_unchecked`](Mmap::mremap_unchecked) is the `unsafe`
//!      way to do it. Making a shared file mapping writable is refused too
//!      ([`Mmap::into_mut`]): its writes would change the bytes other mappings of the
//!      file lend out; [`Mmap::into_mut_unchecked`] is the `unsafe` way;
//!    - advice that changes what the bytes read as (`MADV_DONTNEED`,
//!      `MADV_DONTNEED_LOCKED`, `MADV_REMOVE`) takes `&mut self`
//!      ([`madvise_mut`](Mmap::madvise_mut)), so no borrow sees the change. Advice
//!      whose effect is not over when the call returns (`MADV_FREE`: pages may be
//!      zeroed at any later moment), that makes pages inaccessible
//!      (`MADV_GUARD_INSTALL`, `MADV_HWPOISON`), that re-exposes guard pages
//!      (`MADV_GUARD_REMOVE`), or that gives a `fork` child a mapping different from
//!      its copy of the owner (`MADV_DONTFORK`, `MADV_WIPEONFORK`) is refused by both
//!      methods: it is only for the `unsafe` [`madvise`];
//!    - [`mremap`](Mmap::mremap) may move the mapping, so it takes `&mut self`; it
//!      accepts only `MREMAP_MAYMOVE`, since `MREMAP_FIXED` would replace memory at
//!      another address and `MREMAP_DONTUNMAP` would leave the old range mapped and
//!      unowned.
//!
//! What lies outside any Rust type (a debugger or another process writing
//! `/proc/PID/mem`, `process_vm_writev`, a hardware memory error) is outside this
//! argument, as it is for the rest of Rust's memory.
//!
//! # Example
//! ```
//! use sysbridge::mm::{mmap_anonymous, MapFlags};
//!
//! let mut page = mmap_anonymous(4096, MapFlags::PRIVATE).unwrap();
//! assert!(page.iter().all(|&b| b == 0));
//! page[..5].copy_from_slice(b"hello");
//! let page = page.into_read_only().unwrap();
//! assert_eq!(&page[..5], b"hello");
//! // Dropping `page` unmaps it.
//! ```

use core::ffi::c_void;
use core::fmt;
use core::marker::PhantomData;
use core::mem::ManuallyDrop;
use core::ops::{Deref, DerefMut};
use core::ptr::{self, NonNull};
use std::os::fd::{AsFd, BorrowedFd, FromRawFd, OwnedFd};

use linux_raw_sys::general;

use crate::{Errno, Sysno, arch, args, path, raw};

bitflags::bitflags! {
    /// Page protection for [`mmap`] and [`mprotect`]: the `PROT_*` flags. The empty
    /// set is `PROT_NONE`.
    #[repr(transparent)]
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct ProtFlags: u32 {
        /// `PROT_READ`: pages may be read.
        const READ = general::PROT_READ;
        /// `PROT_WRITE`: pages may be written.
        const WRITE = general::PROT_WRITE;
        /// `PROT_EXEC`: pages may be executed.
        const EXEC = general::PROT_EXEC;
        /// `PROT_SEM`: pages may be used for atomic operations (ignored on x86_64).
        const SEM = general::PROT_SEM;
        /// `PROT_GROWSDOWN` ([`mprotect`] only): extend the change down to the start of
        /// a grows-down mapping.
        const GROWSDOWN = general::PROT_GROWSDOWN;
        /// `PROT_GROWSUP` ([`mprotect`] only): extend the change up to the end of a
        /// grows-up mapping (no such mappings on x86_64).
        const GROWSUP = general::PROT_GROWSUP;
    }
}

bitflags::bitflags! {
    /// Mapping flags for [`mmap`] and the owned constructors: the `MAP_*` flags.
    ///
    /// Exactly one of [`SHARED`](Self::SHARED), [`PRIVATE`](Self::PRIVATE) or
    /// [`SHARED_VALIDATE`](Self::SHARED_VALIDATE) is required.
    #[repr(transparent)]
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct MapFlags: u32 {
        /// `MAP_SHARED`: writes reach the file (or the shared memory) and other
        /// mappings of it.
        const SHARED = general::MAP_SHARED;
        /// `MAP_PRIVATE`: copy-on-write; writes stay in this mapping.
        const PRIVATE = general::MAP_PRIVATE;
        /// `MAP_SHARED_VALIDATE`: `MAP_SHARED`, failing with `EOPNOTSUPP` on flags the
        /// kernel does not know.
        const SHARED_VALIDATE = general::MAP_SHARED_VALIDATE;
        /// `MAP_DROPPABLE` (Linux 6.11): the kernel may zero pages under memory
        /// pressure at any time. Raw [`mmap`] only.
        const DROPPABLE = general::MAP_DROPPABLE;
        /// `MAP_FIXED`: place the mapping at exactly `addr`, replacing whatever is
        /// there. Raw [`mmap`] only.
        const FIXED = general::MAP_FIXED;
        /// `MAP_ANONYMOUS`: no file; zero-filled memory.
        const ANONYMOUS = general::MAP_ANONYMOUS;
        /// `MAP_32BIT`: place the mapping in the first 2 GiB.
        const _32BIT = general::MAP_32BIT;
        /// `MAP_ABOVE4G` (Linux 6.7): place the mapping above 4 GiB.
        const ABOVE4G = general::MAP_ABOVE4G;
        /// `MAP_GROWSDOWN`: a stack that the kernel extends downwards on faults below
        /// it. Raw [`mmap`] only.
        const GROWSDOWN = general::MAP_GROWSDOWN;
        /// `MAP_LOCKED`: lock the pages in memory, as `mlock(2)` would.
        const LOCKED = general::MAP_LOCKED;
        /// `MAP_NORESERVE`: reserve no swap space.
        const NORESERVE = general::MAP_NORESERVE;
        /// `MAP_POPULATE`: fault all pages in now.
        const POPULATE = general::MAP_POPULATE;
        /// `MAP_NONBLOCK`: with `MAP_POPULATE`, do not wait for reads.
        const NONBLOCK = general::MAP_NONBLOCK;
        /// `MAP_STACK`: the mapping is a stack (no transparent huge pages).
        const STACK = general::MAP_STACK;
        /// `MAP_HUGETLB`: use huge pages (the default size, or a `HUGE_*` one). The
        /// kernel rounds the length up to whole huge pages; an owned mapping still
        /// derefs to the length asked for, and unmaps the whole extent when dropped.
        const HUGETLB = general::MAP_HUGETLB;
        /// `MAP_HUGE_2MB`: with `MAP_HUGETLB`, 2 MiB pages.
        const HUGE_2MB = general::MAP_HUGE_2MB;
        /// `MAP_HUGE_1GB`: with `MAP_HUGETLB`, 1 GiB pages.
        const HUGE_1GB = general::MAP_HUGE_1GB;
        /// `MAP_SYNC`: with `MAP_SHARED_VALIDATE` on a DAX file, synchronous page
        /// faults.
        const SYNC = general::MAP_SYNC;
        /// `MAP_FIXED_NOREPLACE`: place the mapping at exactly `addr`, failing with
        /// `EEXIST` if anything is there. Raw [`mmap`] only.
        const FIXED_NOREPLACE = general::MAP_FIXED_NOREPLACE;
        /// `MAP_UNINITIALIZED`: do not clear anonymous pages (honoured only by kernels
        /// built for it, on systems without an MMU). Shares its bit with the huge page
        /// sizes.
        const UNINITIALIZED = general::MAP_UNINITIALIZED;
    }
}

impl MapFlags {
    /// The flags the owned constructors accept: the mapping types that keep their
    /// contents (not `MAP_DROPPABLE`), hints, and huge page sizes. Left out: placement
    /// at an address (the constructors take none, and `MAP_FIXED` would replace live
    /// memory), `MAP_GROWSDOWN` (the kernel would extend the mapping past the range the
    /// owner unmaps), `MAP_ANONYMOUS` (implied by which constructor is called) and any
    /// bit unknown today.
    const OWNED: MapFlags = MapFlags::SHARED
        .union(MapFlags::PRIVATE)
        .union(MapFlags::_32BIT)
        .union(MapFlags::ABOVE4G)
        .union(MapFlags::LOCKED)
        .union(MapFlags::NORESERVE)
        .union(MapFlags::POPULATE)
        .union(MapFlags::NONBLOCK)
        .union(MapFlags::STACK)
        .union(MapFlags::HUGETLB)
        .union(MapFlags::from_bits_retain(
            general::MAP_HUGE_MASK << general::MAP_HUGE_SHIFT,
        ))
        .union(MapFlags::SYNC);
}

bitflags::bitflags! {
    /// Flags for [`mremap`] and [`Mmap::mremap`]: the `MREMAP_*` flags.
    #[repr(transparent)]
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct MremapFlags: u32 {
        /// `MREMAP_MAYMOVE`: the kernel may move the mapping to a new address.
        const MAYMOVE = general::MREMAP_MAYMOVE;
        /// `MREMAP_FIXED`: move the mapping to exactly `new_addr`, replacing what is
        /// there. Raw [`mremap`] only.
        const FIXED = general::MREMAP_FIXED;
        /// `MREMAP_DONTUNMAP` (Linux 5.7): move the pages but leave the old range
        /// mapped (and empty). Raw [`mremap`] only.
        const DONTUNMAP = general::MREMAP_DONTUNMAP;
    }
}

bitflags::bitflags! {
    /// Flags for [`Mmap::mlock`]: the `MLOCK_*` flags of `mlock2(2)`.
    #[repr(transparent)]
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct MlockFlags: u32 {
        /// `MLOCK_ONFAULT`: lock pages as they are faulted in, rather than all now.
        const ONFAULT = general::MLOCK_ONFAULT;
    }
}

bitflags::bitflags! {
    /// Flags for [`memfd_create`]: the `MFD_*` flags.
    #[repr(transparent)]
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct MfdFlags: u32 {
        /// `MFD_CLOEXEC`: close the descriptor on `execve`.
        const CLOEXEC = general::MFD_CLOEXEC;
        /// `MFD_ALLOW_SEALING`: allow `F_ADD_SEALS`.
        const ALLOW_SEALING = general::MFD_ALLOW_SEALING;
        /// `MFD_HUGETLB`: back the file with huge pages.
        const HUGETLB = general::MFD_HUGETLB;
        /// `MFD_NOEXEC_SEAL` (Linux 6.3): not executable, sealed so.
        const NOEXEC_SEAL = general::MFD_NOEXEC_SEAL;
        /// `MFD_EXEC` (Linux 6.3): executable.
        const EXEC = general::MFD_EXEC;
        /// `MFD_HUGE_2MB`: with `MFD_HUGETLB`, 2 MiB pages.
        const HUGE_2MB = general::MFD_HUGE_2MB;
        /// `MFD_HUGE_1GB`: with `MFD_HUGETLB`, 1 GiB pages.
        const HUGE_1GB = general::MFD_HUGE_1GB;
    }
}

/// Advice for [`madvise`], [`Mmap::madvise`] and [`Mmap::madvise_mut`]: the `MADV_*`
/// values.
///
/// Each value falls in one of three classes, which decide where it is accepted:
///
/// - **hints**, which leave what the bytes read as unchanged: accepted by
///   [`Mmap::madvise`] (`&self`), [`Mmap::madvise_mut`] and [`madvise`];
/// - **discards** ([`DontNeed`](Self::DontNeed), [`DontNeedLocked`](Self::DontNeedLocked),
///   [`Remove`](Self::Remove)), which change the contents during the call: accepted by
///   [`Mmap::madvise_mut`] (`&mut self`) and [`madvise`];
/// - **raw only** ([`Free`](Self::Free), [`DontFork`](Self::DontFork),
///   [`WipeOnFork`](Self::WipeOnFork), [`HwPoison`](Self::HwPoison),
///   [`GuardInstall`](Self::GuardInstall), [`GuardRemove`](Self::GuardRemove)), whose
///   effects no borrow can contain: accepted by the `unsafe` [`madvise`] only.
#[repr(u32)]
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Advice {
    /// `MADV_NORMAL`: no special treatment (hint).
    Normal = general::MADV_NORMAL,
    /// `MADV_RANDOM`: expect random access; read ahead less (hint).
    Random = general::MADV_RANDOM,
    /// `MADV_SEQUENTIAL`: expect sequential access; read ahead more (hint).
    Sequential = general::MADV_SEQUENTIAL,
    /// `MADV_WILLNEED`: expect access soon; start reading (hint).
    WillNeed = general::MADV_WILLNEED,
    /// `MADV_DONTNEED`: free the pages now; private anonymous memory reads as zeros
    /// afterwards, file-backed memory as the file (discard).
    DontNeed = general::MADV_DONTNEED,
    /// `MADV_FREE`: the kernel may free the pages at any later time, until they are
    /// written (raw only: the contents can change after the call returns).
    Free = general::MADV_FREE,
    /// `MADV_REMOVE`: free the pages and their backing store (a hole in the file or
    /// shared memory); shared mappings only (discard).
    Remove = general::MADV_REMOVE,
    /// `MADV_DONTFORK`: children made by `fork` do not inherit the range (raw only).
    DontFork = general::MADV_DONTFORK,
    /// `MADV_DOFORK`: undo `MADV_DONTFORK` (hint).
    DoFork = general::MADV_DOFORK,
    /// `MADV_HWPOISON`: simulate a memory error; access then raises `SIGBUS`
    /// (`CAP_SYS_ADMIN`; raw only).
    HwPoison = general::MADV_HWPOISON,
    /// `MADV_SOFT_OFFLINE`: move the contents to other physical pages
    /// (`CAP_SYS_ADMIN`; hint).
    SoftOffline = general::MADV_SOFT_OFFLINE,
    /// `MADV_MERGEABLE`: let KSM merge identical pages (hint).
    Mergeable = general::MADV_MERGEABLE,
    /// `MADV_UNMERGEABLE`: undo `MADV_MERGEABLE` (hint).
    Unmergeable = general::MADV_UNMERGEABLE,
    /// `MADV_HUGEPAGE`: use transparent huge pages (hint).
    HugePage = general::MADV_HUGEPAGE,
    /// `MADV_NOHUGEPAGE`: do not use transparent huge pages (hint).
    NoHugePage = general::MADV_NOHUGEPAGE,
    /// `MADV_DONTDUMP`: leave the range out of core dumps (hint).
    DontDump = general::MADV_DONTDUMP,
    /// `MADV_DODUMP`: undo `MADV_DONTDUMP` (hint).
    DoDump = general::MADV_DODUMP,
    /// `MADV_WIPEONFORK`: children made by `fork` see the range zeroed (raw only).
    WipeOnFork = general::MADV_WIPEONFORK,
    /// `MADV_KEEPONFORK`: undo `MADV_WIPEONFORK` (hint).
    KeepOnFork = general::MADV_KEEPONFORK,
    /// `MADV_COLD`: the pages are unlikely to be used soon; deactivate them (hint).
    Cold = general::MADV_COLD,
    /// `MADV_PAGEOUT`: reclaim the pages now, to swap or the file (hint).
    PageOut = general::MADV_PAGEOUT,
    /// `MADV_POPULATE_READ`: fault the pages in, readable (hint).
    PopulateRead = general::MADV_POPULATE_READ,
    /// `MADV_POPULATE_WRITE`: fault the pages in, writable (hint).
    PopulateWrite = general::MADV_POPULATE_WRITE,
    /// `MADV_DONTNEED_LOCKED`: `MADV_DONTNEED`, also for locked pages (discard).
    DontNeedLocked = general::MADV_DONTNEED_LOCKED,
    /// `MADV_COLLAPSE`: collapse the range into transparent huge pages now (hint).
    Collapse = general::MADV_COLLAPSE,
    /// `MADV_GUARD_INSTALL` (Linux 6.13): make the pages fault on any access
    /// (raw only).
    GuardInstall = general::MADV_GUARD_INSTALL,
    /// `MADV_GUARD_REMOVE` (Linux 6.13): remove guard pages; they read as zeros
    /// (raw only).
    GuardRemove = general::MADV_GUARD_REMOVE,
}

impl Advice {
    /// Whether the advice leaves what the bytes read as unchanged.
    const fn is_hint(self) -> bool {
        !self.is_discard() && !self.is_raw_only()
    }

    /// Whether the advice changes the contents, within the call only.
    const fn is_discard(self) -> bool {
        matches!(
            self,
            Advice::DontNeed | Advice::DontNeedLocked | Advice::Remove
        )
    }

    /// Whether the advice has effects that no borrow of an owned mapping can contain.
    const fn is_raw_only(self) -> bool {
        matches!(
            self,
            Advice::Free
                | Advice::DontFork
                | Advice::WipeOnFork
                | Advice::HwPoison
                | Advice::GuardInstall
                | Advice::GuardRemove
        )
    }
}

/// Maps `len` bytes: `mmap(addr, len, prot, flags, fd, offset)`, anonymous when `fd` is
/// `None` (pass [`MapFlags::ANONYMOUS`]). Returns the address of the mapping.
/// Issues `mmap(2)`; blocking.
///
/// `addr` is a hint, or with [`MapFlags::FIXED`] the exact place. `offset` must be a
/// multiple of the page size.
///
/// # Safety
/// - With `MAP_FIXED`, whatever is mapped in `addr..addr + len` is replaced: nothing
///   there may still be in use (no Rust reference, no owned mapping, no allocator's
///   memory).
/// - The memory returned may be used only as `prot` and the flags allow: reading
///   `PROT_NONE` memory, or keeping a reference across a change of its contents (by
///   another mapping of the same file, `MAP_DROPPABLE` reclaim, ...), is undefined
///   behaviour.
///
/// ```
/// use core::ptr;
/// use sysbridge::mm::{mmap, munmap, MapFlags, ProtFlags};
/// // SAFETY: no MAP_FIXED, so nothing is replaced; the page is written and read
/// // within its length while mapped read-write, then unmapped once.
/// unsafe {
///     let p = mmap(ptr::null_mut(), 4096, ProtFlags::READ | ProtFlags::WRITE,
///                  MapFlags::PRIVATE | MapFlags::ANONYMOUS, None, 0).unwrap();
///     p.cast::<u8>().write(7);
///     assert_eq!(p.cast::<u8>().read(), 7);
///     munmap(p, 4096).unwrap();
/// }
/// ```
#[inline]
pub unsafe fn mmap(
    addr: *mut c_void,
    len: usize,
    prot: ProtFlags,
    flags: MapFlags,
    fd: Option<BorrowedFd<'_>>,
    offset: u64,
) -> Result<*mut c_void, Errno> {
    // The kernel reads the descriptor as an `int`: -1 means none.
    let fd = fd.map_or(usize::MAX, args::fd);
    // SAFETY: forwarded from this function's contract; the kernel writes no memory
    // but the mapping it creates (or replaces, with MAP_FIXED, as the caller allows).
    let addr = unsafe {
        raw::syscall6(
            Sysno::mmap,
            args::mut_ptr(addr),
            len,
            prot.bits() as usize,
            flags.bits() as usize,
            fd,
            offset as usize,
        )
    }?;
    Ok(ptr::with_exposed_provenance_mut(addr))
}

/// Unmaps the pages in `addr..addr + len` (the end rounded up to a page). Issues
/// `munmap(2)`; blocking.
///
/// # Safety
/// Nothing in the range may still be in use: no reference, no owned mapping (which
/// would unmap it again when dropped), no allocator's memory.
#[inline]
pub unsafe fn munmap(addr: *mut c_void, len: usize) -> Result<(), Errno> {
    // SAFETY: forwarded from this function's contract. Not `readonly`: the memory's
    // contents are gone after the call.
    unsafe { raw::syscall2(Sysno::munmap, args::mut_ptr(addr), len) }?;
    Ok(())
}

/// Changes the protection of the pages in `addr..addr + len` (`addr` page-aligned).
/// Issues `mprotect(2)`; blocking.
///
/// On failure, part of the range may already have the new protection.
///
/// # Safety
/// No live reference may rely on an access the new protection removes (a `&[u8]` over
/// pages made `PROT_NONE`, a `&mut [u8]` over pages made read-only), and the range may
/// not belong to an owned mapping.
#[inline]
pub unsafe fn mprotect(addr: *mut c_void, len: usize, prot: ProtFlags) -> Result<(), Errno> {
    // SAFETY: forwarded from this function's contract; mprotect writes no user memory.
    unsafe {
        raw::syscall3_readonly(
            Sysno::mprotect,
            args::mut_ptr(addr),
            len,
            prot.bits() as usize,
        )
    }?;
    Ok(())
}

/// Gives the kernel `advice` about the pages in `addr..addr + len` (`addr`
/// page-aligned). Issues `madvise(2)`; blocking.
///
/// # Safety
/// No reference to the range, live now or made later (an owned mapping's slices
/// included), may be affected by what the advice does: discards
/// ([`Advice::DontNeed`], ...) change contents, [`Advice::Free`] may change them at any
/// later time, [`Advice::GuardInstall`] makes pages inaccessible, and the fork advice
/// changes what a child inherits.
#[inline]
pub unsafe fn madvise(addr: *mut c_void, len: usize, advice: Advice) -> Result<(), Errno> {
    // SAFETY: forwarded from this function's contract. Not `readonly`: discards change
    // memory.
    unsafe { raw::syscall3(Sysno::madvise, args::mut_ptr(addr), len, advice as usize) }?;
    Ok(())
}

/// Resizes, and with [`MremapFlags::MAYMOVE`] possibly moves, the mapping at
/// `old_addr`; returns its new address. `new_addr` is read only with
/// [`MremapFlags::FIXED`]. Issues `mremap(2)`; blocking.
///
/// # Safety
/// Nothing may still use the old range once the mapping has moved or shrunk (an owned
/// mapping of it would unmap it again when dropped), and with
/// `MREMAP_FIXED`, whatever is mapped at `new_addr..new_addr + new_len` is replaced, as
/// with [`mmap`]'s `MAP_FIXED`.
#[inline]
pub unsafe fn mremap(
    old_addr: *mut c_void,
    old_len: usize,
    new_len: usize,
    flags: MremapFlags,
    new_addr: *mut c_void,
) -> Result<*mut c_void, Errno> {
    // SAFETY: forwarded from this function's contract. Not `readonly`: the contents
    // move to another address.
    let addr = unsafe {
        raw::syscall5(
            Sysno::mremap,
            args::mut_ptr(old_addr),
            old_len,
            new_len,
            flags.bits() as usize,
            args::mut_ptr(new_addr),
        )
    }?;
    Ok(ptr::with_exposed_provenance_mut(addr))
}

/// Creates an anonymous file in memory, named `name` in `/proc/PID/fd` (as
/// `/memfd:NAME`), and returns a descriptor for it. Issues `memfd_create(2)`;
/// non-blocking (no hooks).
///
/// `name` may be at most 249 bytes; an interior NUL is [`Errno::EINVAL`].
///
/// ```
/// use sysbridge::mm::{memfd_create, MfdFlags};
/// let fd = memfd_create("scratch", MfdFlags::CLOEXEC).unwrap();
/// let file = std::fs::File::from(fd);
/// file.set_len(4096).unwrap();
/// assert_eq!(file.metadata().unwrap().len(), 4096);
/// ```
#[inline]
pub fn memfd_create(name: impl path::Arg, flags: MfdFlags) -> Result<OwnedFd, Errno> {
    name.with_c_str(|name| {
        // SAFETY: the kernel only reads the NUL-terminated `name`.
        let fd = unsafe {
            raw::raw_syscall2_readonly(
                Sysno::memfd_create,
                args::ptr(name.as_ptr()),
                flags.bits() as usize,
            )
        }?;
        // SAFETY: memfd_create returned a new descriptor that nothing else owns.
        Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
    })
}

mod sealed {
    /// Keeps [`Access`](super::Access) to the two kinds defined here.
    pub trait Sealed {
        /// The protection every page of the mapping has.
        const PROT: super::ProtFlags;
    }
}

/// What an owned mapping may do with its pages: [`ReadOnly`] or [`ReadWrite`].
pub trait Access: sealed::Sealed {}

/// Marks an [`Mmap`] whose pages are readable (`PROT_READ`).
#[derive(Debug)]
pub enum ReadOnly {}

/// Marks an [`Mmap`] whose pages are readable and writable
/// (`PROT_READ | PROT_WRITE`): an [`MmapMut`].
#[derive(Debug)]
pub enum ReadWrite {}

impl sealed::Sealed for ReadOnly {
    const PROT: ProtFlags = ProtFlags::READ;
}
impl Access for ReadOnly {}

impl sealed::Sealed for ReadWrite {
    const PROT: ProtFlags = ProtFlags::READ.union(ProtFlags::WRITE);
}
impl Access for ReadWrite {}

/// An owned memory mapping, unmapped (`munmap(2)`) when dropped; it dereferences to
/// `[u8]`, and when it is an [`MmapMut`] to `&mut [u8]` too.
///
/// The module documentation argues why this is sound: the mapping is owned, every page
/// has at least the access `A` says, and its bytes change only through `&mut`.
///
/// Made by [`mmap_anonymous`] (then [`MmapMut::into_read_only`]), [`mmap_file`] and
/// [`mmap_file_mut`].
pub struct Mmap<A: Access = ReadOnly> {
    ptr: NonNull<u8>,
    len: usize,
    /// Where the pages come from, which decides whether the mapping may grow and
    /// whether making it writable is safe.
    backing: Backing,
    access: PhantomData<A>,
}

/// What backs an owned mapping.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Backing {
    /// Private anonymous memory: ours alone, free to grow.
    Private,
    /// Shared anonymous memory: a shared-memory object whose size was fixed when it was
    /// mapped, so pages past it would fault (`SIGBUS`).
    SharedAnonymous,
    /// A private file mapping: writes stay ours, but the `unsafe` constructor's
    /// contract covers the file only up to the length mapped.
    PrivateFile,
    /// A shared file mapping: writes reach the file, and every other mapping of it.
    SharedFile,
}

impl Backing {
    fn of(anonymous: bool, flags: MapFlags) -> Backing {
        match (anonymous, flags.intersects(MapFlags::SHARED)) {
            (true, false) => Backing::Private,
            (true, true) => Backing::SharedAnonymous,
            (false, false) => Backing::PrivateFile,
            (false, true) => Backing::SharedFile,
        }
    }

    /// Whether growing keeps every page backed and covered by the constructor's
    /// contract.
    fn can_grow(self) -> bool {
        self == Backing::Private
    }
}

/// An owned mapping whose pages are readable and writable: it dereferences to
/// `&mut [u8]`.
pub type MmapMut = Mmap<ReadWrite>;

// SAFETY: an owned mapping is memory owned by one value, like a `Box<[u8]>`: moving
// it to another thread moves that ownership, and shared access is only reading.
unsafe impl<A: Access> Send for Mmap<A> {}
// SAFETY: as above; `&Mmap` gives only `&[u8]` and calls that do not change contents.
unsafe impl<A: Access> Sync for Mmap<A> {}

/// Where the kernel placed a mapping it was free to place (no `MAP_FIXED`, no
/// `MREMAP_FIXED`, no address hint).
///
/// The kernel's search for free address space starts at one page or more (the
/// top-down search's floor is `PAGE_SIZE`, the bottom-up one starts at the mmap base),
/// so the answer is never 0; if a kernel broke that, no owned mapping could be
/// built, and the process stops rather than keep an unowned or null mapping.
fn placed(addr: *mut c_void) -> NonNull<u8> {
    NonNull::new(addr.cast()).unwrap_or_else(|| std::process::abort())
}

/// Maps `len` bytes with access `A` and checked `flags`, anonymous when `fd` is `None`.
///
/// # Safety
/// With a file, the contract of [`mmap_file`].
unsafe fn map<A: Access>(
    len: usize,
    flags: MapFlags,
    fd: Option<BorrowedFd<'_>>,
    offset: u64,
) -> Result<Mmap<A>, Errno> {
    let anonymous = fd.is_none();
    let flags = if anonymous {
        flags.difference(MapFlags::ANONYMOUS)
    } else {
        flags
    };
    if !MapFlags::OWNED.contains(flags) {
        return Err(Errno::EINVAL);
    }
    // Huge pages without a reservation fault (SIGBUS) on first touch when the pool
    // runs dry; an owned mapping must be usable wherever it is read.
    if flags.contains(MapFlags::HUGETLB | MapFlags::NORESERVE) {
        return Err(Errno::EINVAL);
    }
    let flags = if anonymous {
        flags.union(MapFlags::ANONYMOUS)
    } else {
        flags
    };
    // SAFETY: no MAP_FIXED and no address, so the kernel replaces nothing; the protection
    // is `A`'s and the contents are stable (anonymous memory is ours; a file's is the
    // caller's contract).
    let addr = unsafe { mmap(ptr::null_mut(), len, A::PROT, flags, fd, offset) }?;
    Ok(Mmap {
        ptr: placed(addr),
        len,
        backing: Backing::of(anonymous, flags),
        access: PhantomData,
    })
}

/// Maps `len` bytes of zero-filled memory, readable and writable. Issues `mmap(2)`;
/// blocking.
///
/// `flags` must include [`MapFlags::PRIVATE`] or [`MapFlags::SHARED`] (shared memory is
/// inherited by children made by `fork`, and shared with them) and may include hints
/// such as [`MapFlags::POPULATE`]; [`MapFlags::ANONYMOUS`] is implied. Placement flags
/// ([`MapFlags::FIXED`], [`MapFlags::FIXED_NOREPLACE`]), [`MapFlags::GROWSDOWN`],
/// [`MapFlags::DROPPABLE`] and unknown bits are [`Errno::EINVAL`], before any system
/// call. A zero `len` is `EINVAL`, one larger than the address space `ENOMEM`.
///
/// ```
/// use sysbridge::mm::{mmap_anonymous, MapFlags};
/// let mut m = mmap_anonymous(10_000, MapFlags::PRIVATE).unwrap();
/// assert_eq!(m.len(), 10_000);
/// m[9_999] = 1;
/// assert_eq!(mmap_anonymous(4096, MapFlags::PRIVATE | MapFlags::FIXED).err(),
///            Some(sysbridge::Errno::EINVAL));
/// ```
pub fn mmap_anonymous(len: usize, flags: MapFlags) -> Result<MmapMut, Errno> {
    // SAFETY: no file.
    unsafe { map(len, flags, None, 0) }
}

/// Maps `len` bytes of the file `fd` from `offset` (a multiple of the page size),
/// readable. Issues `mmap(2)`; blocking.
///
/// `flags` are checked as for [`mmap_anonymous`], and [`MapFlags::ANONYMOUS`] is
/// `EINVAL` too. `fd` must be open for reading; the mapping stays valid after it is
/// closed.
///
/// # Safety
/// For as long as the mapping lives (including as the mappings it turns into), the file
/// must cover the mapped part (`offset..offset + len`): reading a page past its end
/// raises `SIGBUS`. And while a slice borrowed from the mapping lives, the bytes it
/// covers may change only through that slice: not through another mapping with
/// [`MapFlags::SHARED`], `write(2)`, another process, .... Bytes may change between
/// borrows; a [`MapFlags::PRIVATE`] mapping still shows the file's changes to pages it
/// has not written.
pub unsafe fn mmap_file(
    fd: impl AsFd,
    offset: u64,
    len: usize,
    flags: MapFlags,
) -> Result<Mmap, Errno> {
    // SAFETY: forwarded from this function's contract.
    unsafe { map(len, flags, Some(fd.as_fd()), offset) }
}

/// Maps `len` bytes of the file `fd` from `offset` (a multiple of the page size),
/// readable and writable; with [`MapFlags::SHARED`], writes reach the file. Issues
/// `mmap(2)`; blocking.
///
/// As [`mmap_file`]; `fd` must also be open for writing when the mapping is shared.
///
/// # Safety
/// As for [`mmap_file`]: the file must cover the mapped part while the mapping lives,
/// and nothing but the mapping may change bytes a live borrow of it covers.
///
/// ```
/// use std::os::unix::fs::FileExt;
/// use sysbridge::mm::{memfd_create, mmap_file_mut, MapFlags, MfdFlags};
/// let file = std::fs::File::from(memfd_create("shared", MfdFlags::CLOEXEC).unwrap());
/// file.set_len(4096).unwrap();
/// // SAFETY: the memfd is ours alone, is not written through `file` nor resized while
/// // mapped.
/// let mut map = unsafe { mmap_file_mut(&file, 0, 4096, MapFlags::SHARED) }.unwrap();
/// map[..2].copy_from_slice(b"hi");
/// let mut back = [0; 2];
/// file.read_exact_at(&mut back, 0).unwrap();
/// assert_eq!(&back, b"hi");
/// ```
pub unsafe fn mmap_file_mut(
    fd: impl AsFd,
    offset: u64,
    len: usize,
    flags: MapFlags,
) -> Result<MmapMut, Errno> {
    // SAFETY: forwarded from this function's contract.
    unsafe { map(len, flags, Some(fd.as_fd()), offset) }
}

impl<A: Access> Mmap<A> {
    /// The start of the mapping as the raw calls take it.
    fn addr(&self) -> *mut c_void {
        self.ptr.as_ptr().cast()
    }

    /// Gives the kernel a hint about the whole mapping (one that leaves the contents
    /// unchanged, see [`Advice`]); other advice is [`Errno::EINVAL`] before any system
    /// call. Issues `madvise(2)`; blocking.
    ///
    /// ```
    /// use sysbridge::mm::{mmap_anonymous, Advice, MapFlags};
    /// let m = mmap_anonymous(4096, MapFlags::PRIVATE).unwrap();
    /// m.madvise(Advice::Sequential).unwrap();
    /// assert_eq!(m.madvise(Advice::DontNeed), Err(sysbridge::Errno::EINVAL));
    /// ```
    pub fn madvise(&self, advice: Advice) -> Result<(), Errno> {
        if !advice.is_hint() {
            return Err(Errno::EINVAL);
        }
        // SAFETY: the range is this mapping, and a hint leaves its contents and access
        // as they are.
        unsafe { madvise(self.addr(), self.len, advice) }
    }

    /// Gives the kernel advice about the whole mapping, including advice that changes
    /// the contents during the call ([`Advice::DontNeed`]: private anonymous memory
    /// reads as zeros again); raw-only advice is [`Errno::EINVAL`] before any system
    /// call. Issues `madvise(2)`; blocking.
    ///
    /// ```
    /// use sysbridge::mm::{mmap_anonymous, Advice, MapFlags};
    /// let mut m = mmap_anonymous(4096, MapFlags::PRIVATE).unwrap();
    /// m[0] = 42;
    /// m.madvise_mut(Advice::DontNeed).unwrap();
    /// assert_eq!(m[0], 0);
    /// ```
    pub fn madvise_mut(&mut self, advice: Advice) -> Result<(), Errno> {
        if advice.is_raw_only() {
            return Err(Errno::EINVAL);
        }
        // SAFETY: the range is this mapping, borrowed mutably so no reference sees the
        // change; discards finish within the call and keep the access as it is.
        unsafe { madvise(self.addr(), self.len, advice) }
    }

    /// Locks the mapping's pages in memory (all now, or as they are faulted in with
    /// [`MlockFlags::ONFAULT`]). Issues `mlock2(2)`; blocking.
    ///
    /// Fails with `EPERM` or `ENOMEM` past `RLIMIT_MEMLOCK` without `CAP_IPC_LOCK`.
    pub fn mlock(&self, flags: MlockFlags) -> Result<(), Errno> {
        // SAFETY: the range is this mapping; locking keeps contents and access, and the
        // kernel writes no user memory.
        unsafe {
            raw::syscall3_readonly(
                Sysno::mlock2,
                args::mut_ptr(self.addr()),
                self.len,
                flags.bits() as usize,
            )
        }?;
        Ok(())
    }

    /// Unlocks the mapping's pages. Issues `munlock(2)`; blocking.
    pub fn munlock(&self) -> Result<(), Errno> {
        // SAFETY: the range is this mapping; unlocking keeps contents and access, and
        // the kernel writes no user memory.
        unsafe { raw::syscall2_readonly(Sysno::munlock, args::mut_ptr(self.addr()), self.len) }?;
        Ok(())
    }

    /// Resizes the mapping to `new_len` bytes; with [`MremapFlags::MAYMOVE`] the kernel
    /// may move it when it cannot grow in place. New anonymous pages read as zeros and
    /// have the mapping's access. Issues `mremap(2)`; blocking.
    ///
    /// Flags other than `MAYMOVE`, and growing a file mapping past the length it was
    /// made with, are [`Errno::EINVAL`] before any system call (see
    /// [`mremap_unchecked`](Self::mremap_unchecked)); a zero `new_len` is `EINVAL`;
    /// growing in place where the next pages are taken is `ENOMEM`. On failure the
    /// mapping is unchanged.
    ///
    /// ```
    /// use sysbridge::mm::{mmap_anonymous, MapFlags, MremapFlags};
    /// let mut m = mmap_anonymous(4096, MapFlags::PRIVATE).unwrap();
    /// m[0] = 9;
    /// m.mremap(3 * 4096, MremapFlags::MAYMOVE).unwrap();
    /// assert_eq!((m.len(), m[0], m[3 * 4096 - 1]), (3 * 4096, 9, 0));
    /// ```
    pub fn mremap(&mut self, new_len: usize, flags: MremapFlags) -> Result<(), Errno> {
        if !self.backing.can_grow() && new_len > self.len {
            return Err(Errno::EINVAL);
        }
        // SAFETY: only private anonymous memory grows, and its new pages are zeroed
        // memory of ours; everything else keeps the extent its pages are backed for.
        unsafe { self.mremap_unchecked(new_len, flags) }
    }

    /// [`mremap`](Self::mremap), also growing a file mapping. Issues `mremap(2)`;
    /// blocking.
    ///
    /// # Safety
    /// For a file mapping, the contract of [`mmap_file`] extends to the new length: the
    /// file must cover it, unchanged, for as long as the mapping lives.
    pub unsafe fn mremap_unchecked(
        &mut self,
        new_len: usize,
        flags: MremapFlags,
    ) -> Result<(), Errno> {
        if !MremapFlags::MAYMOVE.contains(flags) {
            return Err(Errno::EINVAL);
        }
        // SAFETY: the range is this mapping, borrowed mutably, so nothing uses the old
        // address once it moves; without MREMAP_FIXED nothing is replaced; new pages
        // get the mapping's protection, and a file's are the caller's contract.
        let addr = unsafe { mremap(self.addr(), self.len, new_len, flags, ptr::null_mut()) }?;
        self.ptr = placed(addr);
        self.len = new_len;
        Ok(())
    }

    /// Changes every page to `B`'s protection, consuming the mapping; on failure hands
    /// it back as an [`Mmap`] (see [`ProtectError`]).
    fn reprotect<B: Access>(self) -> Result<Mmap<B>, ProtectError> {
        // SAFETY: the range is this mapping, consumed, so no reference relies on its
        // old protection.
        match unsafe { mprotect(self.addr(), self.len, B::PROT) } {
            // SAFETY: every page now has B's protection.
            Ok(()) => Ok(unsafe { self.retype() }),
            Err(errno) => Err(ProtectError {
                errno,
                // SAFETY: each page has its old protection or B's, both readable.
                mapping: unsafe { self.retype() },
            }),
        }
    }

    /// The same pages, owned as an `Mmap<B>`.
    ///
    /// # Safety
    /// Every page must have (at least) `B`'s access.
    unsafe fn retype<B: Access>(self) -> Mmap<B> {
        let this = ManuallyDrop::new(self);
        Mmap {
            ptr: this.ptr,
            len: this.len,
            backing: this.backing,
            access: PhantomData,
        }
    }
}

impl Mmap<ReadOnly> {
    /// Makes the mapping writable too (`PROT_READ | PROT_WRITE`). Issues
    /// `mprotect(2)`; blocking.
    ///
    /// A shared file mapping is refused with `EPERM` before any call: writes through
    /// it would change the file under other mappings of it, whose borrows this value
    /// cannot see; [`into_mut_unchecked`](Self::into_mut_unchecked) does it when the
    /// caller can vouch for them. A mapping of a descriptor opened read-only fails
    /// with `EACCES`. The error holds the mapping.
    pub fn into_mut(self) -> Result<MmapMut, ProtectError> {
        if self.backing == Backing::SharedFile {
            return Err(ProtectError {
                errno: Errno::EPERM,
                mapping: self,
            });
        }
        self.reprotect()
    }

    /// [`into_mut`](Self::into_mut), shared file mappings included. Issues
    /// `mprotect(2)`; blocking.
    ///
    /// # Safety
    /// For a shared file mapping: while the result lives, no other mapping of the same
    /// file range in this process may be borrowed, since writes through this one
    /// change what they read.
    pub unsafe fn into_mut_unchecked(self) -> Result<MmapMut, ProtectError> {
        self.reprotect()
    }
}

impl Mmap<ReadWrite> {
    /// Makes the mapping read-only (`PROT_READ`). Issues `mprotect(2)`; blocking.
    ///
    /// On failure the error holds the mapping, read-only as far as its type goes.
    pub fn into_read_only(self) -> Result<Mmap, ProtectError> {
        self.reprotect()
    }
}

impl<A: Access> Deref for Mmap<A> {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        // SAFETY: `ptr..ptr + len` is mapped, owned by self, readable and changes only
        // through `&mut self` (the type's invariant); `len` fits in the address space,
        // so below `isize::MAX`.
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl DerefMut for Mmap<ReadWrite> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as for `deref`, and every page is writable; `&mut self` makes the
        // slice the only access.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl<A: Access> Drop for Mmap<A> {
    fn drop(&mut self) {
        // SAFETY: the range is owned by self and nothing borrows it any more.
        if unsafe { munmap(self.addr(), self.len) } != Err(Errno::EINVAL) {
            return;
        }
        // A huge-page mapping (MAP_HUGETLB, hugetlbfs, MFD_HUGETLB) extends to a whole
        // number of its pages, and munmap must name that whole extent. Try each huge
        // page size, smallest first: a size smaller than the mapping's fails without
        // unmapping anything (the kernel refuses to split a huge page), so the first
        // success is exactly the extent the kernel mapped for us.
        for page in arch::HUGE_PAGE_SIZES {
            let Some(extent) = self.len.checked_next_multiple_of(page) else {
                return;
            };
            // SAFETY: as above; `extent` is at most the mapping's own extent (see the
            // argument above), so no neighbouring mapping is touched.
            if unsafe { munmap(self.addr(), extent) }.is_ok() {
                return;
            }
        }
    }
}

impl<A: Access> fmt::Debug for Mmap<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mmap")
            .field("ptr", &self.ptr)
            .field("len", &self.len)
            .field("prot", &A::PROT)
            .field("backing", &self.backing)
            .finish()
    }
}

/// A failed [`Mmap::into_mut`] or [`MmapMut::into_read_only`]: the error, and the
/// mapping back as an [`Mmap`].
///
/// `mprotect(2)` can fail after changing part of the range, so neither the old nor the
/// new access can be promised for every page; both include reading, which is all an
/// [`Mmap`] promises.
#[derive(Debug)]
pub struct ProtectError {
    /// What `mprotect(2)` answered.
    pub errno: Errno,
    /// The mapping, readable.
    pub mapping: Mmap,
}

impl From<ProtectError> for Errno {
    fn from(err: ProtectError) -> Errno {
        err.errno
    }
}

impl fmt::Display for ProtectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "mprotect: {}", self.errno)
    }
}

impl std::error::Error for ProtectError {}
