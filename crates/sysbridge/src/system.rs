//! The system: `uname(2)` and `sysinfo(2)`.
//!
//! Both only copy a structure out of the kernel and never block: they go through the
//! raw entries, which never run hooks.

use core::ffi::CStr;
use core::fmt;

use linux_raw_sys::system::{SI_LOAD_SHIFT, new_utsname, sysinfo as raw_sysinfo};

use crate::{Errno, Sysno, args, raw};

/// The kernel's names for itself and the machine: `struct new_utsname`, six
/// NUL-terminated fields of 65 bytes, from [`uname`].
///
/// Each accessor returns a `&CStr`; `OsStr::from_bytes(field.to_bytes())` (from
/// `std::os::unix::ffi::OsStrExt`) makes it an `&OsStr`, `to_str()` a `&str`.
#[derive(Clone, Copy)]
pub struct Utsname(new_utsname);

/// The field's text up to its NUL.
fn field(bytes: &[core::ffi::c_char]) -> &CStr {
    // SAFETY: `c_char` and `u8` have the same size and alignment, and the bytes are
    // initialised.
    let bytes = unsafe { core::slice::from_raw_parts(bytes.as_ptr().cast::<u8>(), bytes.len()) };
    // The kernel always terminates each field (names are at most 64 bytes); should one
    // not be, the empty string stands in rather than a panic.
    CStr::from_bytes_until_nul(bytes).unwrap_or_default()
}

impl Utsname {
    /// The operating system: `"Linux"`.
    pub fn sysname(&self) -> &CStr {
        field(&self.0.sysname)
    }

    /// The host name in this UTS namespace (`sethostname(2)`).
    pub fn nodename(&self) -> &CStr {
        field(&self.0.nodename)
    }

    /// The kernel release: `"6.1.0-18-amd64"`.
    pub fn release(&self) -> &CStr {
        field(&self.0.release)
    }

    /// The kernel version: build number and date, `"#1 SMP PREEMPT_DYNAMIC ..."`.
    pub fn version(&self) -> &CStr {
        field(&self.0.version)
    }

    /// The hardware: `"x86_64"`.
    pub fn machine(&self) -> &CStr {
        field(&self.0.machine)
    }

    /// The NIS domain name in this UTS namespace (`setdomainname(2)`), often
    /// `"(none)"`.
    pub fn domainname(&self) -> &CStr {
        field(&self.0.domainname)
    }
}

impl fmt::Debug for Utsname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Utsname")
            .field("sysname", &self.sysname())
            .field("nodename", &self.nodename())
            .field("release", &self.release())
            .field("version", &self.version())
            .field("machine", &self.machine())
            .field("domainname", &self.domainname())
            .finish()
    }
}

/// The names of the kernel and the machine. Issues `uname(2)`; non-blocking (no
/// hooks).
///
/// ```
/// let u = sysbridge::system::uname().unwrap();
/// assert_eq!(u.sysname(), c"Linux");
/// assert_eq!(u.machine().to_str(), Ok(std::env::consts::ARCH));
/// ```
#[inline]
pub fn uname() -> Result<Utsname, Errno> {
    // Zeroed, not uninitialised: a seccomp filter or tracer can fake success without
    // writing, and the result must still be initialised memory.
    let field = [0; 65];
    let mut buf = new_utsname {
        sysname: field,
        nodename: field,
        release: field,
        version: field,
        machine: field,
        domainname: field,
    };
    // SAFETY: the kernel writes one `struct new_utsname` into `buf`, which is that
    // type and borrowed mutably for the call.
    unsafe { raw::raw_syscall1(Sysno::uname, args::mut_ptr(&mut buf)) }?;
    Ok(Utsname(buf))
}

/// Memory, swap, load and uptime figures: x86_64's `struct sysinfo`, from [`sysinfo`].
///
/// Memory sizes count units of [`mem_unit`](Self::mem_unit) bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sysinfo {
    /// Seconds since boot (`CLOCK_BOOTTIME`).
    pub uptime: i64,
    /// Load averages over 1, 5 and 15 minutes, in fixed point: 65536 is 1.0
    /// (see [`load_averages`](Self::load_averages)).
    pub loads: [u64; 3],
    /// Usable main memory.
    pub totalram: u64,
    /// Unused main memory.
    pub freeram: u64,
    /// Shared memory (tmpfs and shmem).
    pub sharedram: u64,
    /// Memory used by buffers.
    pub bufferram: u64,
    /// Swap space.
    pub totalswap: u64,
    /// Unused swap space.
    pub freeswap: u64,
    /// Threads in the system (every task, not only processes), capped at 65535.
    pub procs: u16,
    /// High memory (0 on x86_64).
    pub totalhigh: u64,
    /// Unused high memory (0 on x86_64).
    pub freehigh: u64,
    /// The size in bytes of the unit the memory fields count.
    pub mem_unit: u32,
}

impl Sysinfo {
    /// The load averages over 1, 5 and 15 minutes, as `/proc/loadavg` shows them.
    pub fn load_averages(&self) -> [f64; 3] {
        self.loads
            .map(|l| l as f64 / f64::from(1u32 << SI_LOAD_SHIFT))
    }
}

/// Memory, swap, load and uptime figures for the whole system. Issues `sysinfo(2)`;
/// non-blocking (no hooks).
///
/// ```
/// let info = sysbridge::system::sysinfo().unwrap();
/// assert!(info.freeram <= info.totalram);
/// assert!(info.procs >= 1);
/// ```
#[inline]
pub fn sysinfo() -> Result<Sysinfo, Errno> {
    // Zeroed fields, as for `uname`: faked success must still leave them initialised
    // (the padding is never read).
    let mut raw = raw_sysinfo {
        uptime: 0,
        loads: [0; 3],
        totalram: 0,
        freeram: 0,
        sharedram: 0,
        bufferram: 0,
        totalswap: 0,
        freeswap: 0,
        procs: 0,
        pad: 0,
        totalhigh: 0,
        freehigh: 0,
        mem_unit: 0,
        _f: linux_raw_sys::system::__IncompleteArrayField::new(),
    };
    // SAFETY: the kernel writes one x86_64 `struct sysinfo` into `raw`, which is that
    // type and borrowed mutably for the call.
    unsafe { raw::raw_syscall1(Sysno::sysinfo, args::mut_ptr(&mut raw)) }?;
    Ok(Sysinfo {
        uptime: raw.uptime,
        loads: raw.loads,
        totalram: raw.totalram,
        freeram: raw.freeram,
        sharedram: raw.sharedram,
        bufferram: raw.bufferram,
        totalswap: raw.totalswap,
        freeswap: raw.freeswap,
        procs: raw.procs,
        totalhigh: raw.totalhigh,
        freehigh: raw.freehigh,
        mem_unit: raw.mem_unit,
    })
}
