//! The vDSO: the small shared object the kernel maps into every process, whose
//! functions answer `clock_gettime`, `clock_getres`, `gettimeofday`, `time` and `getcpu`
//! without entering the kernel.
//!
//! # Finding it
//!
//! The kernel passes the vDSO's address as `AT_SYSINFO_EHDR` in the auxiliary vector,
//! which sits on the initial stack right after the environment's NULL. We read that
//! vector without libc, from the first of these that works:
//!
//! 1. with glibc, an `.init_array` constructor receives `argc`, `argv` and `envp` (std
//!    relies on the same) and records where the vector starts;
//! 2. `prctl(PR_GET_AUXV)` (Linux 6.4+) copies it;
//! 3. `/proc/self/auxv` holds it.
//!
//! No `AT_SYSINFO_EHDR` (a kernel booted with `vdso=0`) means no vDSO.
//!
//! # Reading it
//!
//! The image is an ELF64 shared object. We trust its first page only as far as the ELF
//! header and program headers: the loadable segment at offset 0 gives the image's
//! length, and every further read (dynamic section, symbol, string, hash and version
//! tables) is bounds-checked against that length, so a corrupt image means "no such
//! symbol", never a fault or a panic. Symbols match by name and version (`LINUX_2.6`
//! on x86_64), and only global, defined functions count, as the kernel's
//! `Documentation/ABI/stable/vdso` asks.
//!
//! # Calling it: slots
//!
//! Each function is called through a slot, an atomic pointer that starts out holding a
//! private `resolve` function of the same type. The first call through any slot runs
//! `resolve`, which looks every symbol up once and stores, in every slot, either the
//! vDSO function or a `fallback` that makes the system call; then it forwards the call.
//! Later calls load the slot and call what it holds: one load and one indirect call,
//! with no "is it resolved yet?" branch. Two threads resolving at once store the same
//! values, so the race is benign; resolving makes only raw system calls and allocates
//! nothing, so it may happen in a signal handler or after `fork`.

use core::ffi::c_void;
use core::mem;
use core::ptr;
use core::slice;
use core::sync::atomic::{AtomicPtr, Ordering};

use linux_raw_sys::auxvec::{AT_NULL, AT_PAGESZ, AT_SYSINFO_EHDR};
use linux_raw_sys::elf::{
    DT_GNU_HASH, DT_HASH, DT_NULL, DT_STRTAB, DT_SYMTAB, DT_VERDEF, DT_VERSYM, EI_CLASS, EI_DATA,
    ELF_ST_BIND, ELF_ST_TYPE, ELFCLASS, ELFDATA, ELFMAG, EM_CURRENT, ET_DYN, Elf_Ehdr, Elf_Phdr,
    Elf_Sym, Elf_Verdaux, Elf_Verdef, PF_X, PT_DYNAMIC, PT_LOAD, SELFMAG, SHN_UNDEF, STB_GLOBAL,
    STT_FUNC, VER_FLG_BASE,
};
use linux_raw_sys::general::{
    __kernel_old_timeval, __kernel_timespec, AT_FDCWD, O_CLOEXEC, O_RDONLY,
};
use linux_raw_sys::prctl::PR_GET_AUXV;

use crate::{Errno, Sysno, arch, args, raw};

/// The version every x86_64 vDSO function is defined at.
const VERSION: &[u8] = arch::vdso::VERSION;

/// The smallest page size: `AT_SYSINFO_EHDR` starts a mapping at least this long.
const MIN_PAGE: usize = 4096;

// ---------------------------------------------------------------------------------
// The auxiliary vector

/// The start of the auxiliary vector on the initial stack: `(type, value)` pairs up
/// to `AT_NULL`. Null unless [`capture_auxv`] ran.
static AUXV: AtomicPtr<[usize; 2]> = AtomicPtr::new(ptr::null_mut());

/// Runs [`capture_auxv`] among the first constructors, before `main` (or, for a
/// library loaded by `dlopen`, before `dlopen` returns).
#[cfg(target_env = "gnu")]
#[used]
#[unsafe(link_section = ".init_array.00099")]
static CAPTURE_AUXV: unsafe extern "C" fn(i32, *const *const u8, *const *const u8) = capture_auxv;

/// Records where the auxiliary vector starts: right after the NULL that ends `envp`.
///
/// glibc calls constructors with `argc`, `argv` and `envp`, but for a library loaded by
/// `dlopen` that `envp` is the current `environ`, which `setenv` may have moved to the
/// heap. The vector follows `envp` only while `envp` directly follows `argv`'s NULL, so
/// anything else is ignored and the fallbacks take over.
///
/// # Safety
/// Only the C runtime calls it, with the process's `argc`, `argv` and `envp`.
#[cfg(target_env = "gnu")]
unsafe extern "C" fn capture_auxv(argc: i32, argv: *const *const u8, envp: *const *const u8) {
    let Ok(argc) = usize::try_from(argc) else {
        return;
    };
    if argv.is_null() || envp.is_null() || argv.wrapping_add(argc + 1) != envp {
        return;
    }
    let mut entry = envp;
    // SAFETY: `envp` is the initial environment array, readable up to its NULL.
    while !unsafe { entry.read() }.is_null() {
        entry = entry.wrapping_add(1);
    }
    let auxv = entry.wrapping_add(1).cast::<[usize; 2]>().cast_mut();
    // A host program that cut `environ` short in place (`environ[0] = NULL`) before
    // loading us would put `auxv` among the environment's pointers: keep it only if
    // it reads like an auxiliary vector, the page size within its first entries.
    let mut page_size = None;
    for i in 0..64 {
        // SAFETY: the initial stack holds the vector and then the argument and
        // environment strings, far more than 64 entries' worth, all mapped.
        let [tag, value] = unsafe { auxv.wrapping_add(i).read() };
        if tag == AT_NULL as usize {
            break;
        }
        if tag == AT_PAGESZ as usize {
            page_size = Some(value);
        }
    }
    if page_size == Some(MIN_PAGE) {
        AUXV.store(auxv, Ordering::Relaxed);
    }
}

/// The value of auxiliary-vector entry `key`, or `None` if the vector has none or
/// cannot be read.
fn getauxval(key: usize) -> Option<usize> {
    let captured = AUXV.load(Ordering::Relaxed);
    if captured.is_null() {
        return auxv_copy().and_then(|copy| find(copy.into_iter(), key));
    }
    let entry = |i| {
        // SAFETY: `capture_auxv` stored the start of the initial stack's auxiliary
        // vector, which stays mapped and unchanged for the life of the process; `find`
        // reads the entries in order and stops at `AT_NULL`, the vector's last entry.
        unsafe { captured.wrapping_add(i).read() }
    };
    find((0..).map(entry), key)
}

/// The value of `key` among `entries`, which end at the first `AT_NULL`.
fn find(entries: impl Iterator<Item = [usize; 2]>, key: usize) -> Option<usize> {
    entries
        .take_while(|&[tag, _]| tag != AT_NULL as usize)
        .find(|&[tag, _]| tag == key)
        .map(|[_, value]| value)
}

/// Room for a copy of the auxiliary vector (Linux fills about 25 entries); the zero
/// entries past what the kernel copies read as `AT_NULL`.
type AuxvCopy = [[usize; 2]; 64];

/// The auxiliary vector, copied by `prctl` or read from `/proc/self/auxv`.
fn auxv_copy() -> Option<AuxvCopy> {
    let mut copy = [[0; 2]; 64];
    (prctl_auxv(&mut copy).is_ok() || proc_auxv(&mut copy).is_ok()).then_some(copy)
}

/// Copies the auxiliary vector with `prctl(PR_GET_AUXV)` (Linux 6.4+) and returns its
/// full size in bytes.
fn prctl_auxv(copy: &mut AuxvCopy) -> Result<usize, Errno> {
    // SAFETY: the kernel writes at most `size_of_val(copy)` bytes into `copy`.
    unsafe {
        raw::raw_syscall5(
            Sysno::prctl,
            PR_GET_AUXV as usize,
            args::mut_ptr(copy),
            size_of_val(copy),
            0,
            0,
        )
    }
}

/// Reads `/proc/self/auxv` into `copy`, with raw `openat`, `read` and `close`.
fn proc_auxv(copy: &mut AuxvCopy) -> Result<(), Errno> {
    // SAFETY: the path is NUL-terminated; openat writes no user memory.
    let fd = unsafe {
        raw::raw_syscall4_readonly(
            Sysno::openat,
            AT_FDCWD as usize,
            args::ptr(c"/proc/self/auxv".as_ptr()),
            (O_RDONLY | O_CLOEXEC) as usize,
            0,
        )
    }?;
    let (start, len) = (args::mut_ptr(copy), size_of_val(copy));
    let mut filled = 0;
    let result = loop {
        if filled >= len {
            break Ok(());
        }
        // SAFETY: the kernel writes at most `len - filled` bytes at `start + filled`,
        // the part of `copy` not filled yet.
        match unsafe { raw::raw_syscall3(Sysno::read, fd, start + filled, len - filled) } {
            Ok(0) => break Ok(()),
            Ok(n) => filled += n,
            Err(Errno::EINTR) => {}
            Err(e) => break Err(e),
        }
    };
    // SAFETY: `fd` was opened above, is ours, and is closed once.
    let _ = unsafe { raw::raw_syscall1_readonly(Sysno::close, fd) };
    result
}

// ---------------------------------------------------------------------------------
// The ELF image

/// A type any bytes are a valid value of.
///
/// # Safety
/// Implement only for integers and `repr(C)` structs and arrays of integers.
unsafe trait Plain: Sized {}

/// Implements [`Plain`] for each listed type.
macro_rules! plain {
    ($($t:ty),*) => {$(
        // SAFETY: an integer, or a `repr(C)` struct or array of integers (linux-raw-sys
        // declares the ELF structures from `<linux/elf.h>`).
        unsafe impl Plain for $t {}
    )*};
}
plain! { u16, u32, [usize; 2], Elf_Ehdr, Elf_Phdr, Elf_Sym, Elf_Verdef, Elf_Verdaux }

/// Entry `index` of a table of `T` that starts at byte `table` of `image`, or `None`
/// unless the entry lies entirely inside `image`.
fn entry<T: Plain>(image: &[u8], table: usize, index: usize) -> Option<T> {
    let start = index.checked_mul(size_of::<T>())?.checked_add(table)?;
    let bytes = image.get(start..)?.get(..size_of::<T>())?;
    // SAFETY: `bytes` holds `size_of::<T>()` initialised bytes, any bytes are a valid
    // `T` (`Plain`), and the read does not need alignment.
    Some(unsafe { bytes.as_ptr().cast::<T>().read_unaligned() })
}

/// The program headers of `image`, if it starts with an ELF header for this machine
/// whose program-header table lies inside `image`.
fn program_headers(image: &[u8]) -> Option<impl Iterator<Item = Elf_Phdr> + '_> {
    let header = entry::<Elf_Ehdr>(image, 0, 0)?;
    let ident = header.e_ident;
    let ours = ident[..SELFMAG] == ELFMAG
        && ident[EI_CLASS] == ELFCLASS
        && ident[EI_DATA] == ELFDATA
        && header.e_type == ET_DYN
        && header.e_machine == EM_CURRENT
        && usize::from(header.e_phentsize) == size_of::<Elf_Phdr>();
    let count = usize::from(header.e_phnum);
    let end = count
        .checked_mul(size_of::<Elf_Phdr>())?
        .checked_add(header.e_phoff)?;
    (ours && end <= image.len())
        .then(|| (0..count).map_while(move |i| entry(image, header.e_phoff, i)))
}

/// The executable loadable segment that starts at file offset 0 (the vDSO has just
/// that one): its virtual address and its length.
fn first_load(image: &[u8]) -> Option<(usize, usize)> {
    program_headers(image)?
        .find(|ph| ph.p_type == PT_LOAD && ph.p_offset == 0 && ph.p_flags & PF_X != 0)
        .map(|ph| (ph.p_vaddr, ph.p_filesz))
}

/// The vDSO image mapped at `base`, as long as its headers say.
///
/// # Safety
/// `base` must start a mapping of at least [`MIN_PAGE`] bytes that is never written or
/// unmapped and, if it starts with an ELF header, covers the loadable segment that
/// header describes: what the kernel promises for `AT_SYSINFO_EHDR`.
unsafe fn mapped_image(base: *const u8) -> Option<&'static [u8]> {
    // SAFETY: the first page is mapped and immutable (this function's contract).
    let page = unsafe { slice::from_raw_parts(base, MIN_PAGE) };
    let (_, len) = first_load(page)?;
    // SAFETY: so is the loadable segment its headers describe (this function's contract).
    Some(unsafe { slice::from_raw_parts(base, len) })
}

/// A checked vDSO image, with its tables as offsets into `bytes`.
struct Image<'a> {
    /// The image, as long as its loadable segment.
    bytes: &'a [u8],
    /// The virtual address `bytes[0]` is linked at.
    vaddr: usize,
    /// The dynamic symbol table (`DT_SYMTAB`).
    symtab: usize,
    /// How many symbols it holds (from `DT_HASH` or `DT_GNU_HASH`).
    symbols: usize,
    /// The dynamic string table (`DT_STRTAB`).
    strtab: usize,
    /// The symbols' version indices (`DT_VERSYM`), if the image is versioned.
    versym: Option<usize>,
    /// The version definitions (`DT_VERDEF`).
    verdef: Option<usize>,
}

impl<'a> Image<'a> {
    /// Checks the ELF image in `bytes` and finds its dynamic tables; `None` if it is not
    /// an image for this machine, is shorter than its headers say, or has a table
    /// outside itself.
    fn parse(bytes: &'a [u8]) -> Option<Image<'a>> {
        let (vaddr, len) = first_load(bytes)?;
        let bytes = bytes.get(..len)?;
        let offset = |address: usize| address.checked_sub(vaddr).filter(|&o| o < len);
        let dynamic = program_headers(bytes)?.find(|ph| ph.p_type == PT_DYNAMIC)?;
        let dynamic_start = offset(dynamic.p_vaddr)?;
        let dynamic_entries = dynamic.p_memsz / size_of::<[usize; 2]>();
        let [
            mut symtab,
            mut strtab,
            mut hash,
            mut gnu_hash,
            mut versym,
            mut verdef,
        ] = [None; 6];
        for [tag, value] in (0..dynamic_entries)
            .map_while(|i| entry::<[usize; 2]>(bytes, dynamic_start, i))
            .take_while(|&[tag, _]| tag != DT_NULL)
        {
            let table = match tag {
                DT_SYMTAB => &mut symtab,
                DT_STRTAB => &mut strtab,
                DT_HASH => &mut hash,
                DT_GNU_HASH => &mut gnu_hash,
                DT_VERSYM => &mut versym,
                DT_VERDEF => &mut verdef,
                _ => continue,
            };
            *table = Some(offset(value)?);
        }
        let symbols = match hash {
            // The SysV hash table's second word, `nchain`, is the number of symbols.
            Some(hash) => entry::<u32>(bytes, hash, 1)? as usize,
            None => gnu_hash_symbols(bytes, gnu_hash?)?,
        };
        Some(Image {
            bytes,
            vaddr,
            symtab: symtab?,
            symbols,
            strtab: strtab?,
            versym,
            verdef,
        })
    }

    /// The offset in the image of the global, defined function `name` at `version`.
    fn lookup(&self, name: &[u8], version: &[u8]) -> Option<usize> {
        (0..self.symbols)
            .map_while(|i| Some((i, entry::<Elf_Sym>(self.bytes, self.symtab, i)?)))
            .find(|(i, sym)| {
                ELF_ST_TYPE(sym.st_info) == STT_FUNC
                    && ELF_ST_BIND(sym.st_info) == STB_GLOBAL
                    && sym.st_shndx != SHN_UNDEF
                    && self.string_is(sym.st_name, name)
                    && self.version_is(*i, version)
            })
            .and_then(|(_, sym)| sym.st_value.checked_sub(self.vaddr))
            .filter(|&offset| offset < self.bytes.len())
    }

    /// The address of function `name` at this machine's [`VERSION`], in memory where
    /// the image is.
    fn function(&self, name: &[u8]) -> Option<*mut ()> {
        let offset = self.lookup(name, VERSION)?;
        Some(self.bytes.as_ptr().wrapping_add(offset).cast_mut().cast())
    }

    /// Whether the string at `name` in the string table is `expected`.
    fn string_is(&self, name: u32, expected: &[u8]) -> bool {
        (name as usize)
            .checked_add(self.strtab)
            .and_then(|start| self.bytes.get(start..)?.get(..=expected.len()))
            .is_some_and(|s| s.strip_suffix(&[0]) == Some(expected))
    }

    /// Whether symbol `symbol` is defined at `version`; any version matches in an
    /// image without version information.
    fn version_is(&self, symbol: usize, version: &[u8]) -> bool {
        let Some(versym) = self.versym else {
            return true;
        };
        // Bit 15 marks a hidden symbol; the rest is the version's index.
        let Some(index) = entry::<u16>(self.bytes, versym, symbol).map(|v| v & 0x7fff) else {
            return false;
        };
        let mut next = self.verdef;
        while let Some(at) = next {
            let Some(def) = entry::<Elf_Verdef>(self.bytes, at, 0) else {
                return false;
            };
            if def.vd_flags & VER_FLG_BASE == 0 && def.vd_ndx & 0x7fff == index {
                // The first auxiliary entry names the version.
                return at
                    .checked_add(def.vd_aux as usize)
                    .and_then(|aux| entry::<Elf_Verdaux>(self.bytes, aux, 0))
                    .is_some_and(|aux| self.string_is(aux.vda_name, version));
            }
            // `vd_next` is relative and non-zero until the last definition, so the
            // walk only moves forward and ends at the image's end at the latest.
            next = (def.vd_next != 0)
                .then(|| at.checked_add(def.vd_next as usize))
                .flatten();
        }
        false
    }
}

/// The number of symbols a `DT_GNU_HASH` table at `table` covers: the end of the
/// chain of the highest-numbered symbol any bucket starts at.
fn gnu_hash_symbols(image: &[u8], table: usize) -> Option<usize> {
    let word = |i| entry::<u32>(image, table, i).map(|w| w as usize);
    let (buckets, first, bloom_words) = (word(0)?, word(1)?, word(2)?);
    // Four header words, then the Bloom filter's machine words, the buckets, the chains.
    let bucket_start = bloom_words
        .checked_mul(size_of::<usize>())?
        .checked_add(16)?
        .checked_add(table)?;
    let chain_start = buckets.checked_mul(4)?.checked_add(bucket_start)?;
    let highest = (0..buckets).try_fold(0, |highest: usize, i| {
        Some(highest.max(entry::<u32>(image, bucket_start, i)? as usize))
    })?;
    if highest < first {
        // Every bucket is empty: only the unhashed symbols before `first` exist.
        return Some(first);
    }
    // The chain runs from the highest bucket's symbol to a hash with its low bit set.
    let mut symbol = highest;
    loop {
        let hash = entry::<u32>(image, chain_start, symbol - first)?;
        symbol += 1;
        if hash & 1 != 0 {
            return Some(symbol);
        }
    }
}

/// This process's vDSO, if the kernel mapped one and it parses.
fn vdso() -> Option<Image<'static>> {
    let base = getauxval(AT_SYSINFO_EHDR as usize).filter(|&base| base != 0)?;
    // SAFETY: `AT_SYSINFO_EHDR` is where the kernel mapped the vDSO: page-aligned,
    // read-only, mapped for the life of the process (also in a `fork`ed child), and
    // covering the segment its headers describe.
    let image = unsafe { mapped_image(ptr::with_exposed_provenance(base)) }?;
    Image::parse(image)
}

// ---------------------------------------------------------------------------------
// The slots

/// Converts a raw entry's result back to the C convention the vDSO functions use: the
/// value, or the negated error number.
fn c_result(result: Result<usize, Errno>) -> isize {
    match result {
        Ok(value) => value as isize,
        Err(e) => -(e.raw() as isize),
    }
}

/// Defines, for each vDSO function, its slot, its resolver, its fallback and the
/// crate's entry that calls through the slot; and [`resolve_all`], which fills them.
macro_rules! slots {
    ($(
        $(#[$doc:meta])*
        $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty = $symbol:expr, else $fallback:block
    )*) => {
        $(
            $(#[$doc])*
            ///
            /// # Safety
            /// The pointer arguments must be valid as the C function requires (null where
            /// it allows null).
            #[inline(always)]
            pub(crate) unsafe fn $name($($arg: $ty),*) -> $ret {
                let function = $name::SLOT.load(Ordering::Relaxed);
                // SAFETY: the slot only ever holds functions of this exact type: its
                // `resolve`, its `fallback`, or the vDSO function whose C prototype this is
                // (the kernel's `Documentation/ABI/stable/vdso`, `arch/x86/entry/vdso`).
                let function = unsafe {
                    mem::transmute::<*mut (), unsafe extern "C" fn($($ty),*) -> $ret>(function)
                };
                // SAFETY: forwarded from this function's contract.
                unsafe { function($($arg),*) }
            }

            /// The slot behind the function of the same name, with its resolver and its
            /// fallback.
            mod $name {
                use super::*;

                /// The function to call: `resolve` until the first call, then the vDSO's
                /// function or `fallback`.
                pub(super) static SLOT: AtomicPtr<()> = AtomicPtr::new(resolve as *mut ());

                /// Fills every slot, then makes the call through this one.
                unsafe extern "C" fn resolve($($arg: $ty),*) -> $ret {
                    resolve_all();
                    // SAFETY: forwarded: this was called through the slot, under the
                    // contract of the entry that calls through it.
                    unsafe { super::$name($($arg),*) }
                }

                /// The system call that stands in when the vDSO lacks the function.
                pub(super) unsafe extern "C" fn fallback($($arg: $ty),*) -> $ret $fallback
            }
        )*

        /// Looks every function up in the vDSO and stores it, or its fallback, in its slot.
        #[cold]
        fn resolve_all() {
            let vdso = vdso();
            $(
                let function = vdso.as_ref().and_then(|vdso| vdso.function($symbol));
                $name::SLOT.store(
                    function.unwrap_or($name::fallback as *mut ()),
                    Ordering::Relaxed,
                );
            )*
        }
    };
}

slots! {
    /// Reads clock `id` into `*ts`; returns 0 or `-errno`. `__vdso_clock_gettime`, else
    /// `clock_gettime(2)`.
    clock_gettime(id: i32, ts: *mut __kernel_timespec) -> i32
        = arch::vdso::CLOCK_GETTIME, else {
        // SAFETY: the caller's contract makes `ts` valid for writes.
        let result = unsafe {
            raw::raw_syscall2(Sysno::clock_gettime, id as usize, args::mut_ptr(ts))
        };
        c_result(result) as i32
    }

    /// Reads the resolution of clock `id` into `*ts`; returns 0 or `-errno`.
    /// `__vdso_clock_getres`, else `clock_getres(2)`.
    clock_getres(id: i32, ts: *mut __kernel_timespec) -> i32
        = arch::vdso::CLOCK_GETRES, else {
        // SAFETY: the caller's contract makes `ts` valid for writes (or null).
        let result = unsafe {
            raw::raw_syscall2(Sysno::clock_getres, id as usize, args::mut_ptr(ts))
        };
        c_result(result) as i32
    }

    /// Reads the time of day into `*tv` (and the obsolete time zone into `*tz`); returns
    /// 0 or `-errno`. `__vdso_gettimeofday`, else `gettimeofday(2)`.
    gettimeofday(tv: *mut __kernel_old_timeval, tz: *mut c_void) -> i32
        = arch::vdso::GETTIMEOFDAY, else {
        // SAFETY: the caller's contract makes `tv` and `tz` valid for writes, or null.
        let result = unsafe {
            raw::raw_syscall2(Sysno::gettimeofday, args::mut_ptr(tv), args::mut_ptr(tz))
        };
        c_result(result) as i32
    }

    /// Returns the seconds since the Epoch (also stored in `*tloc` unless null).
    /// `__vdso_time`, else `time(2)`.
    time(tloc: *mut i64) -> i64
        = arch::vdso::TIME, else {
        // SAFETY: the caller's contract makes `tloc` valid for writes, or null.
        let result = unsafe { raw::raw_syscall1(Sysno::time, args::mut_ptr(tloc)) };
        c_result(result) as i64
    }

    /// Reads the CPU and NUMA node the thread runs on into `*cpu` and `*node` (each may
    /// be null; `cache` is unused); returns 0 or `-errno`. `__vdso_getcpu`, else
    /// `getcpu(2)`.
    getcpu(cpu: *mut u32, node: *mut u32, cache: *mut c_void) -> i64
        = arch::vdso::GETCPU, else {
        // SAFETY: the caller's contract makes the pointers valid for writes, or null.
        let result = unsafe {
            raw::raw_syscall3(
                Sysno::getcpu,
                args::mut_ptr(cpu),
                args::mut_ptr(node),
                args::mut_ptr(cache),
            )
        };
        c_result(result) as i64
    }
}

#[cfg(test)]
mod tests {
    use core::ffi::CStr;

    use linux_raw_sys::general::{CLOCK_MONOTONIC, CLOCK_REALTIME};
    use proptest::prelude::*;

    use super::*;

    /// The functions the slots look up, by their C names.
    const FUNCTIONS: [&CStr; 5] = [
        c"__vdso_clock_gettime",
        c"__vdso_clock_getres",
        c"__vdso_gettimeofday",
        c"__vdso_time",
        c"__vdso_getcpu",
    ];

    fn image() -> Image<'static> {
        vdso().expect("this kernel maps a vDSO")
    }

    /// Where glibc's dynamic linker finds `name` at `LINUX_2.6` in the vDSO.
    fn glibc_symbol(name: &CStr) -> *mut () {
        // SAFETY: RTLD_NOLOAD only looks up the vDSO, which glibc registered at start-up.
        let handle = unsafe {
            libc::dlopen(
                c"linux-vdso.so.1".as_ptr(),
                libc::RTLD_NOW | libc::RTLD_NOLOAD,
            )
        };
        assert!(!handle.is_null(), "glibc knows the vDSO");
        // SAFETY: `handle` is valid and both strings are NUL-terminated.
        let symbol = unsafe { libc::dlvsym(handle, name.as_ptr(), c"LINUX_2.6".as_ptr()) };
        // SAFETY: `handle` came from dlopen and is closed once.
        unsafe { libc::dlclose(handle) };
        symbol.cast()
    }

    fn glibc_auxval(key: u32) -> usize {
        // SAFETY: getauxval only reads glibc's copy of the vector.
        unsafe { libc::getauxval(libc::c_ulong::from(key)) as usize }
    }

    #[test]
    fn every_auxv_source_agrees_with_glibc() {
        assert!(
            !AUXV.load(Ordering::Relaxed).is_null(),
            "the constructor ran"
        );
        let keys = [
            AT_SYSINFO_EHDR,
            linux_raw_sys::auxvec::AT_PAGESZ,
            linux_raw_sys::auxvec::AT_UID,
        ];
        for key in keys {
            let expected = glibc_auxval(key);
            let key = key as usize;
            assert_eq!(getauxval(key), Some(expected), "captured, key {key}");
            let mut copy = [[0; 2]; 64];
            match prctl_auxv(&mut copy) {
                Ok(size) => {
                    assert!(size <= size_of_val(&copy));
                    assert_eq!(
                        find(copy.into_iter(), key),
                        Some(expected),
                        "prctl, key {key}"
                    );
                }
                Err(e) => eprintln!("skipped prctl(PR_GET_AUXV) (Linux 6.4+): {e}"),
            }
            let mut copy = [[0; 2]; 64];
            proc_auxv(&mut copy).unwrap();
            assert_eq!(
                find(copy.into_iter(), key),
                Some(expected),
                "/proc, key {key}"
            );
        }
        assert_eq!(getauxval(0xdead), None);
    }

    #[test]
    fn symbols_are_where_glibc_finds_them() {
        let image = image();
        assert_eq!(image.bytes.as_ptr() as usize, glibc_auxval(AT_SYSINFO_EHDR));
        for name in FUNCTIONS {
            let ours = image.function(name.to_bytes());
            assert_eq!(ours, Some(glibc_symbol(name)), "{name:?}");
        }
    }

    #[test]
    fn slots_hold_the_vdso_functions_once_called() {
        let mut ts = __kernel_timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is valid for writes.
        assert_eq!(unsafe { clock_gettime(CLOCK_MONOTONIC as i32, &mut ts) }, 0);
        assert!(ts.tv_sec > 0 || ts.tv_nsec > 0);
        let slots = [
            &clock_gettime::SLOT,
            &clock_getres::SLOT,
            &gettimeofday::SLOT,
            &time::SLOT,
            &getcpu::SLOT,
        ];
        for (slot, name) in slots.into_iter().zip(FUNCTIONS) {
            assert_eq!(slot.load(Ordering::Relaxed), glibc_symbol(name), "{name:?}");
        }
    }

    #[test]
    fn missing_symbols_and_versions_are_none() {
        let image = image();
        assert!(image.lookup(b"__vdso_clock_gettime", VERSION).is_some());
        assert_eq!(image.lookup(b"__vdso_no_such_function", VERSION), None);
        assert_eq!(image.lookup(b"__vdso_clock_gettim", VERSION), None);
        assert_eq!(image.lookup(b"__vdso_clock_gettime", b"LINUX_2.5"), None);
        assert_eq!(image.lookup(b"__vdso_clock_gettime", b"LINUX_2.6.1"), None);
        // `clock_gettime` is a weak alias; `LINUX_2.6` is an absolute object symbol.
        assert_eq!(image.lookup(b"clock_gettime", VERSION), None);
        assert_eq!(image.lookup(b"LINUX_2.6", VERSION), None);
        assert_eq!(image.lookup(b"", VERSION), None);
    }

    /// Calls a clock function of either ABI on a fresh timespec: (result, sec, nsec).
    macro_rules! read_clock {
        ($f:expr, $id:expr) => {{
            let mut ts = __kernel_timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            // SAFETY: `ts` is valid for writes.
            let result = unsafe { $f($id as i32, &mut ts) };
            (result, ts.tv_sec, ts.tv_nsec)
        }};
    }

    #[test]
    fn fallbacks_answer_like_the_vdso() {
        let before = read_clock!(clock_gettime, CLOCK_MONOTONIC);
        let during = read_clock!(clock_gettime::fallback, CLOCK_MONOTONIC);
        let after = read_clock!(clock_gettime, CLOCK_MONOTONIC);
        assert_eq!((before.0, during.0, after.0), (0, 0, 0));
        assert!(before <= during && during <= after);
        for id in [CLOCK_MONOTONIC, CLOCK_REALTIME] {
            assert_eq!(
                read_clock!(clock_getres::fallback, id),
                read_clock!(clock_getres, id)
            );
        }
        let einval = -Errno::EINVAL.raw();
        assert_eq!(read_clock!(clock_gettime::fallback, -1), (einval, 0, 0));
        assert_eq!(read_clock!(clock_gettime, -1), (einval, 0, 0));

        let mut tv = __kernel_old_timeval {
            tv_sec: 0,
            tv_usec: 0,
        };
        // SAFETY: `tv` is valid for writes; `tz` may be null.
        let result = unsafe { gettimeofday::fallback(&mut tv, ptr::null_mut()) };
        assert_eq!(result, 0);
        // SAFETY: `tloc` may be null.
        let now = unsafe { time::fallback(ptr::null_mut()) };
        // time(2) reads the coarse clock, which may lag a tick behind.
        assert!((tv.tv_sec - 1..=tv.tv_sec + 1).contains(&now));

        let (mut cpu, mut node) = (u32::MAX, u32::MAX);
        // SAFETY: `cpu` and `node` are valid for writes; `cache` may be null.
        let result = unsafe { getcpu::fallback(&mut cpu, &mut node, ptr::null_mut()) };
        assert_eq!(result, 0);
        assert!(cpu < 4096 && node < 1024);
    }

    /// A copy of this process's vDSO image, for corrupting.
    fn image_copy() -> Vec<u8> {
        image().bytes.to_vec()
    }

    #[test]
    fn truncated_images_are_rejected() {
        let bytes = image_copy();
        assert!(Image::parse(&bytes).is_some());
        for len in 0..bytes.len() {
            assert!(Image::parse(&bytes[..len]).is_none(), "{len} bytes");
        }
    }

    #[test]
    fn fake_headers_are_rejected() {
        assert!(Image::parse(b"").is_none());
        assert!(Image::parse(b"\x7fELF").is_none());
        assert!(Image::parse(&[0; 4096]).is_none());
        let bytes = image_copy();
        // Each patch: (offset, bytes) in the ELF header.
        let patches: [(usize, &[u8]); 6] = [
            (0, b"\x7fELG"),               // magic
            (EI_CLASS, &[1]),              // ELFCLASS32
            (16, &[2, 0]),                 // e_type ET_EXEC
            (18, &[3, 0]),                 // e_machine EM_386
            (32, &u64::MAX.to_le_bytes()), // e_phoff
            (56, &[0xff, 0xff]),           // e_phnum
        ];
        for (at, patch) in patches {
            let mut bad = bytes.clone();
            bad[at..at + patch.len()].copy_from_slice(patch);
            assert!(Image::parse(&bad).is_none(), "patch at {at}");
        }
    }

    /// The index and contents of each entry of the copy's dynamic section.
    fn dynamic_entries(bytes: &[u8]) -> Vec<(usize, [usize; 2])> {
        let (vaddr, _) = first_load(bytes).unwrap();
        let dynamic = program_headers(bytes)
            .unwrap()
            .find(|ph| ph.p_type == PT_DYNAMIC)
            .unwrap();
        let start = dynamic.p_vaddr - vaddr;
        (0..)
            .map_while(|i| entry::<[usize; 2]>(bytes, start, i))
            .take_while(|&[tag, _]| tag != DT_NULL)
            .enumerate()
            .map(|(i, e)| (start + i * 16, e))
            .collect()
    }

    #[test]
    fn gnu_hash_counts_the_symbols_sysv_hash_counts() {
        let bytes = image_copy();
        let entries = dynamic_entries(&bytes);
        let table = |wanted| {
            entries
                .iter()
                .find(|(_, [tag, _])| *tag == wanted)
                .map(|&(at, [_, value])| (at, value))
        };
        let (Some((hash_at, hash)), Some((_, gnu_hash))) = (table(DT_HASH), table(DT_GNU_HASH))
        else {
            eprintln!("skipped: this vDSO does not have both hash tables");
            return;
        };
        let (vaddr, _) = first_load(&bytes).unwrap();
        let nchain = entry::<u32>(&bytes, hash - vaddr, 1).unwrap() as usize;
        assert_eq!(gnu_hash_symbols(&bytes, gnu_hash - vaddr), Some(nchain));
        // Hide DT_HASH (retag it DT_DEBUG): the lookups go by DT_GNU_HASH's count.
        let mut gnu_only = bytes.clone();
        gnu_only[hash_at..hash_at + 8].copy_from_slice(&21usize.to_le_bytes());
        let image = Image::parse(&gnu_only).unwrap();
        assert_eq!(image.symbols, nchain);
        for name in FUNCTIONS {
            assert!(image.lookup(name.to_bytes(), VERSION).is_some(), "{name:?}");
        }
    }

    #[test]
    fn tables_outside_the_image_are_rejected() {
        let bytes = image_copy();
        for (at, [tag, _]) in dynamic_entries(&bytes) {
            if [
                DT_SYMTAB,
                DT_STRTAB,
                DT_HASH,
                DT_GNU_HASH,
                DT_VERSYM,
                DT_VERDEF,
            ]
            .contains(&tag)
            {
                let mut bad = bytes.clone();
                bad[at + 8..at + 16].copy_from_slice(&(bytes.len() as u64 + 1).to_le_bytes());
                assert!(Image::parse(&bad).is_none(), "tag {tag:#x}");
            }
        }
    }

    proptest! {
        /// Random bytes written over the headers and tables (the first 0x600 bytes of
        /// the vDSO hold all of them) never make parsing or lookups panic.
        #[test]
        fn corrupt_images_never_panic(
            writes in prop::collection::vec((0usize..0x600, any::<u8>()), 1..32),
        ) {
            let mut bytes = image_copy();
            for (at, byte) in writes {
                if let Some(b) = bytes.get_mut(at) {
                    *b = byte;
                }
            }
            if let Some(image) = Image::parse(&bytes) {
                for name in FUNCTIONS {
                    if let Some(offset) = image.lookup(name.to_bytes(), VERSION) {
                        prop_assert!(offset < bytes.len());
                    }
                }
            }
        }
    }
}
