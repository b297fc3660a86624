//! Signals as a descriptor: `signalfd4(2)` and the records read from it.

use std::os::fd::{AsFd, OwnedFd};

use linux_raw_sys::general as g;

use super::{SigSet, Signal};
use crate::{Errno, Sysno, args, fd, raw};

bitflags::bitflags! {
    /// Flags of [`signalfd`] (`SFD_*`, from `<linux/signalfd.h>`, which `linux-raw-sys`
    /// does not carry; a test compares them with libc's).
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct SfdFlags: u32 {
        /// `SFD_CLOEXEC`: close the descriptor on `execve`.
        const CLOEXEC = g::O_CLOEXEC;
        /// `SFD_NONBLOCK`: reads with nothing pending fail with `EAGAIN`.
        const NONBLOCK = g::O_NONBLOCK;
    }
}

/// One signal read from a [`signalfd`] (`struct signalfd_siginfo`, 128 bytes): the
/// `siginfo_t` fields flattened, which ones meaningful depending on the signal and
/// `code`, as in C.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
#[repr(C)]
pub struct SignalfdSiginfo {
    /// `ssi_signo`: the signal number (see [`SignalfdSiginfo::signal`]).
    pub signo: u32,
    /// `ssi_errno`: unused by Linux.
    pub errno: i32,
    /// `ssi_code`: how it was sent (`SI_USER` 0 for `kill`, `SI_TKILL` -6, `SI_QUEUE`
    /// -1, `CLD_*` for `SIGCHLD`, …).
    pub code: i32,
    /// `ssi_pid`: the sender's process id.
    pub pid: u32,
    /// `ssi_uid`: the sender's real user id.
    pub uid: u32,
    /// `ssi_fd`: the descriptor (`SIGIO`).
    pub fd: i32,
    /// `ssi_tid`: the kernel's timer id (POSIX timers).
    pub tid: u32,
    /// `ssi_band`: the band event (`SIGIO`).
    pub band: u32,
    /// `ssi_overrun`: the timer overrun count (POSIX timers).
    pub overrun: u32,
    /// `ssi_trapno`: the trap number behind a fault signal.
    pub trapno: u32,
    /// `ssi_status`: the exit code or signal (`SIGCHLD`).
    pub status: i32,
    /// `ssi_int`: the integer sent with `sigqueue(3)`.
    pub int: i32,
    /// `ssi_ptr`: the pointer sent with `sigqueue(3)`.
    pub ptr: u64,
    /// `ssi_utime`: user CPU time consumed (`SIGCHLD`).
    pub utime: u64,
    /// `ssi_stime`: system CPU time consumed (`SIGCHLD`).
    pub stime: u64,
    /// `ssi_addr`: the faulting address (hardware-generated signals).
    pub addr: u64,
    /// `ssi_addr_lsb`: the least significant bit of the address (`SIGBUS` memory
    /// errors).
    pub addr_lsb: u16,
    _pad2: u16,
    /// `ssi_syscall`: the system call number (`SIGSYS` from seccomp).
    pub syscall: i32,
    /// `ssi_call_addr`: the address of the system call instruction (`SIGSYS`).
    pub call_addr: u64,
    /// `ssi_arch`: the `AUDIT_ARCH_*` of the system call (`SIGSYS`).
    pub arch: u32,
    _pad: [u8; 28],
}

const _: () = assert!(size_of::<SignalfdSiginfo>() == 128);

impl SignalfdSiginfo {
    /// The signal.
    pub const fn signal(&self) -> Signal {
        Signal::from_raw(self.signo as i32)
    }
}

/// A descriptor from which the signals of `mask` that are pending for the reading
/// thread (or its process) can be read, as [`SignalfdSiginfo`] records, by
/// [`read_signalfd`]. Reading one consumes it: its disposition does not run. Issues
/// `signalfd4(2)`; non-blocking (no hooks).
///
/// The signals must be blocked (with [`sigprocmask`](super::sigprocmask)) in every
/// thread, or the kernel delivers them the usual way to a thread that does not block
/// them before anyone reads them. `SIGKILL` and `SIGSTOP` in `mask` are ignored.
///
/// ```
/// use sysbridge::signal::{self, How, SfdFlags, SigSet, Signal};
/// use sysbridge::process::{getpid, gettid};
/// std::thread::spawn(|| {
///     let usr2 = SigSet::EMPTY.with(Signal::SIGUSR2);
///     signal::sigprocmask(How::Block, &usr2).unwrap();
///     let fd = signal::signalfd(&usr2, SfdFlags::CLOEXEC).unwrap();
///     signal::tgkill(getpid(), gettid(), Signal::SIGUSR2).unwrap(); // to this thread
///     let mut records = [signal::SignalfdSiginfo::default(); 4];
///     let n = signal::read_signalfd(&fd, &mut records).unwrap();
///     assert_eq!((n, records[0].signal()), (1, Signal::SIGUSR2));
/// }).join().unwrap();
/// ```
pub fn signalfd(mask: &SigSet, flags: SfdFlags) -> Result<OwnedFd, Errno> {
    // SAFETY: the kernel reads the 8-byte mask; with fd -1 it creates a descriptor.
    let ret = unsafe {
        raw::raw_syscall4_readonly(
            Sysno::signalfd4,
            -1isize as usize,
            args::ptr(mask),
            size_of::<SigSet>(),
            flags.bits() as usize,
        )
    }?;
    // SAFETY: signalfd4 with fd -1 has just created the descriptor `ret`.
    Ok(unsafe { fd::owned(ret) })
}

/// Replaces the set of signals the signalfd `fd` reports. Issues `signalfd4(2)`
/// with that descriptor; non-blocking (no hooks). `EINVAL` when `fd` is not a
/// signalfd.
pub fn signalfd_set_mask(fd: impl AsFd, mask: &SigSet) -> Result<(), Errno> {
    // SAFETY: the kernel reads the 8-byte mask; given a signalfd it only changes that
    // descriptor's mask and returns its number, creating nothing.
    unsafe {
        raw::raw_syscall4_readonly(
            Sysno::signalfd4,
            args::fd(fd.as_fd()),
            args::ptr(mask),
            size_of::<SigSet>(),
            0,
        )
    }?;
    Ok(())
}

/// Reads pending signals from the signalfd `fd` into `buf` and returns how many
/// records it filled (at least one: the read waits unless the descriptor is
/// non-blocking, then fails with `EAGAIN`). Issues `read(2)`; blocking. `EINVAL` for
/// an empty `buf`.
pub fn read_signalfd(fd: impl AsFd, buf: &mut [SignalfdSiginfo]) -> Result<usize, Errno> {
    // SAFETY: the kernel writes whole 128-byte records into `buf`, borrowed mutably and
    // `buf.len()` records long; every bit pattern is a valid `SignalfdSiginfo`.
    let n = unsafe {
        raw::syscall3(
            Sysno::read,
            args::fd(fd.as_fd()),
            args::mut_ptr(buf.as_mut_ptr()),
            size_of_val(buf),
        )
    }?;
    Ok(n / size_of::<SignalfdSiginfo>())
}
