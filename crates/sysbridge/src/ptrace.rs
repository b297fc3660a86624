//! Tracing other processes: `ptrace(2)`'s seize-based interface.
//!
//! Only operations that control a tracee or read from it are here. None writes the
//! tracee's memory or registers: a tracee created with `CLONE_VM` shares this
//! process's memory, so a safe "poke" could write into our own address space.
//!
//! All of these are non-blocking (raw entries, no hooks): ptrace requests complete at
//! once; waiting for a tracee is [`wait4`](crate::process::wait4)'s job.

use linux_raw_sys::ptrace as p;

pub use crate::arch::Regs;
use crate::process::Pid;
use crate::signal::{Siginfo, Signal};
use crate::{Errno, Sysno, args, raw};

bitflags::bitflags! {
    /// Tracing options (`PTRACE_O_*`), given to [`seize`] or [`set_options`].
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct Options: u32 {
        /// Syscall-stops report `SIGTRAP | 0x80`, telling them from real `SIGTRAP`s.
        const TRACESYSGOOD = p::PTRACE_O_TRACESYSGOOD;
        /// Trace children made by `fork`, stopping at [`Event::Fork`].
        const TRACEFORK = p::PTRACE_O_TRACEFORK;
        /// Trace children made by `vfork`, stopping at [`Event::Vfork`].
        const TRACEVFORK = p::PTRACE_O_TRACEVFORK;
        /// Trace threads and other `clone` children, stopping at [`Event::Clone`].
        const TRACECLONE = p::PTRACE_O_TRACECLONE;
        /// Stop at [`Event::Exec`] after a successful `execve`.
        const TRACEEXEC = p::PTRACE_O_TRACEEXEC;
        /// Stop at [`Event::VforkDone`] when a vfork child releases its parent.
        const TRACEVFORKDONE = p::PTRACE_O_TRACEVFORKDONE;
        /// Stop at [`Event::Exit`] when a tracee is about to exit.
        const TRACEEXIT = p::PTRACE_O_TRACEEXIT;
        /// Stop at [`Event::Seccomp`] when a seccomp filter returns `SECCOMP_RET_TRACE`.
        const TRACESECCOMP = p::PTRACE_O_TRACESECCOMP;
        /// Kill every tracee with `SIGKILL` if the tracer exits.
        const EXITKILL = p::PTRACE_O_EXITKILL;
    }
}

/// A ptrace event, in the high bits of a stop's wait status
/// ([`WaitStatus::ptrace_event`](crate::process::WaitStatus::ptrace_event)).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u32)]
pub enum Event {
    /// `PTRACE_EVENT_FORK`.
    Fork = p::PTRACE_EVENT_FORK,
    /// `PTRACE_EVENT_VFORK`.
    Vfork = p::PTRACE_EVENT_VFORK,
    /// `PTRACE_EVENT_CLONE`.
    Clone = p::PTRACE_EVENT_CLONE,
    /// `PTRACE_EVENT_EXEC`.
    Exec = p::PTRACE_EVENT_EXEC,
    /// `PTRACE_EVENT_VFORK_DONE`.
    VforkDone = p::PTRACE_EVENT_VFORK_DONE,
    /// `PTRACE_EVENT_EXIT`.
    Exit = p::PTRACE_EVENT_EXIT,
    /// `PTRACE_EVENT_SECCOMP`.
    Seccomp = p::PTRACE_EVENT_SECCOMP,
    /// `PTRACE_EVENT_STOP`: a group-stop or a [`interrupt`] of a seized tracee.
    Stop = p::PTRACE_EVENT_STOP,
}

impl Event {
    /// The event numbered `raw`, if any.
    pub fn from_raw(raw: u32) -> Option<Event> {
        Some(match raw {
            p::PTRACE_EVENT_FORK => Event::Fork,
            p::PTRACE_EVENT_VFORK => Event::Vfork,
            p::PTRACE_EVENT_CLONE => Event::Clone,
            p::PTRACE_EVENT_EXEC => Event::Exec,
            p::PTRACE_EVENT_VFORK_DONE => Event::VforkDone,
            p::PTRACE_EVENT_EXIT => Event::Exit,
            p::PTRACE_EVENT_SECCOMP => Event::Seccomp,
            p::PTRACE_EVENT_STOP => Event::Stop,
            _ => return None,
        })
    }
}

/// One `ptrace(2)` request whose `addr` and `data` are plain values.
fn request(req: u32, pid: Pid, addr: usize, data: usize) -> Result<usize, Errno> {
    // SAFETY: the requests issued with plain values here read and write no memory of
    // this process.
    unsafe {
        raw::raw_syscall4_readonly(
            Sysno::ptrace,
            req as usize,
            pid.as_raw() as usize,
            addr,
            data,
        )
    }
}

/// The signal argument of a restarting request: 0 for none.
fn sig_arg(sig: Option<Signal>) -> usize {
    sig.map_or(0, Signal::raw) as usize
}

/// Attaches to `pid` without stopping it, with `options`. Issues
/// `ptrace(PTRACE_SEIZE)`.
pub fn seize(pid: Pid, options: Options) -> Result<(), Errno> {
    request(p::PTRACE_SEIZE, pid, 0, options.bits() as usize).map(drop)
}

/// Replaces the options of a tracee in a ptrace-stop. Issues
/// `ptrace(PTRACE_SETOPTIONS)`.
pub fn set_options(pid: Pid, options: Options) -> Result<(), Errno> {
    request(p::PTRACE_SETOPTIONS, pid, 0, options.bits() as usize).map(drop)
}

/// Stops a seized tracee (it reports [`Event::Stop`]). Issues
/// `ptrace(PTRACE_INTERRUPT)`.
pub fn interrupt(pid: Pid) -> Result<(), Errno> {
    request(p::PTRACE_INTERRUPT, pid, 0, 0).map(drop)
}

/// Restarts a tracee in a group-stop without ending the stop: it stays stopped for
/// its other waiters but reports the next ptrace event. Issues
/// `ptrace(PTRACE_LISTEN)`.
pub fn listen(pid: Pid) -> Result<(), Errno> {
    request(p::PTRACE_LISTEN, pid, 0, 0).map(drop)
}

/// Restarts a stopped tracee until its next system call entry or exit, delivering
/// `sig` if it stopped for a signal. Issues `ptrace(PTRACE_SYSCALL)`.
pub fn syscall(pid: Pid, sig: Option<Signal>) -> Result<(), Errno> {
    request(p::PTRACE_SYSCALL, pid, 0, sig_arg(sig)).map(drop)
}

/// Restarts a stopped tracee, delivering `sig` if it stopped for a signal. Issues
/// `ptrace(PTRACE_CONT)`.
pub fn cont(pid: Pid, sig: Option<Signal>) -> Result<(), Errno> {
    request(p::PTRACE_CONT, pid, 0, sig_arg(sig)).map(drop)
}

/// Detaches from a stopped tracee, which runs on (receiving `sig` if given). Issues
/// `ptrace(PTRACE_DETACH)`.
pub fn detach(pid: Pid, sig: Option<Signal>) -> Result<(), Errno> {
    request(p::PTRACE_DETACH, pid, 0, sig_arg(sig)).map(drop)
}

/// The message of the last ptrace event: the new tracee's id after fork, vfork or
/// clone, the former thread id after exec, the exit status before exit, the filter's
/// data after a seccomp stop. Issues `ptrace(PTRACE_GETEVENTMSG)`.
pub fn get_event_msg(pid: Pid) -> Result<u64, Errno> {
    let mut msg = 0u64;
    // SAFETY: the kernel writes one unsigned long to `msg`.
    unsafe {
        raw::raw_syscall4(
            Sysno::ptrace,
            p::PTRACE_GETEVENTMSG as usize,
            pid.as_raw() as usize,
            0,
            args::mut_ptr(&mut msg),
        )
    }?;
    Ok(msg)
}

/// The signal a tracee stopped with. `EINVAL` means the stop is a group-stop, not a
/// signal-delivery-stop. Issues `ptrace(PTRACE_GETSIGINFO)`.
pub fn get_siginfo(pid: Pid) -> Result<Siginfo, Errno> {
    let mut info = Siginfo::default();
    // SAFETY: the kernel writes a 128-byte siginfo into `info`.
    unsafe {
        raw::raw_syscall4(
            Sysno::ptrace,
            p::PTRACE_GETSIGINFO as usize,
            pid.as_raw() as usize,
            0,
            args::mut_ptr(info.as_mut_bytes()),
        )
    }?;
    Ok(info)
}

/// The general registers of a stopped tracee. Issues `ptrace(PTRACE_GETREGS)`.
pub fn get_regs(pid: Pid) -> Result<Regs, Errno> {
    let mut regs = Regs::default();
    // SAFETY: the kernel writes one `struct user_regs_struct`, whose layout `Regs` has,
    // into `regs`.
    unsafe {
        raw::raw_syscall4(
            Sysno::ptrace,
            p::PTRACE_GETREGS as usize,
            pid.as_raw() as usize,
            0,
            args::mut_ptr(&mut regs),
        )
    }?;
    Ok(regs)
}

/// What a tracee is doing at a syscall-stop or seccomp stop, from
/// [`get_syscall_info`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SyscallInfo {
    /// Not at a system call (another kind of stop).
    None,
    /// Entering system call `nr` with `args`.
    Entry {
        /// The system call number (which may be one no table knows).
        nr: u64,
        /// The six argument registers.
        args: [u64; 6],
        /// The instruction pointer (after the `syscall` instruction).
        ip: u64,
        /// The stack pointer.
        sp: u64,
    },
    /// Leaving a system call.
    Exit {
        /// The return value; with `is_error`, the negated error number.
        rval: i64,
        /// Whether `rval` is an error.
        is_error: bool,
    },
    /// Stopped by a seccomp filter's `SECCOMP_RET_TRACE` before system call `nr`.
    Seccomp {
        /// The system call number.
        nr: u64,
        /// The six argument registers.
        args: [u64; 6],
        /// The instruction pointer (after the `syscall` instruction).
        ip: u64,
        /// The stack pointer.
        sp: u64,
        /// The filter's 16-bit data.
        ret_data: u32,
    },
}

/// The system call a tracee is entering or leaving. Issues
/// `ptrace(PTRACE_GET_SYSCALL_INFO)` (Linux 5.3).
pub fn get_syscall_info(pid: Pid) -> Result<SyscallInfo, Errno> {
    // op(1) reserved(1) flags(2) arch(4) ip(8) sp(8), then the union of up to 64 bytes.
    let mut buf = [0u64; 12];
    // SAFETY: the kernel writes at most the size passed in `addr`, 96 bytes, into
    // `buf`, which has exactly that size.
    unsafe {
        raw::raw_syscall4(
            Sysno::ptrace,
            p::PTRACE_GET_SYSCALL_INFO as usize,
            pid.as_raw() as usize,
            size_of_val(&buf),
            args::mut_ptr(&mut buf),
        )
    }?;
    let op = buf[0] as u8;
    let six = |from: usize| -> [u64; 6] { core::array::from_fn(|i| buf[from + i]) };
    Ok(match u32::from(op) {
        p::PTRACE_SYSCALL_INFO_ENTRY => SyscallInfo::Entry {
            nr: buf[3],
            args: six(4),
            ip: buf[1],
            sp: buf[2],
        },
        p::PTRACE_SYSCALL_INFO_EXIT => SyscallInfo::Exit {
            rval: buf[3] as i64,
            is_error: buf[4] as u8 != 0,
        },
        p::PTRACE_SYSCALL_INFO_SECCOMP => SyscallInfo::Seccomp {
            nr: buf[3],
            args: six(4),
            ip: buf[1],
            sp: buf[2],
            ret_data: buf[10] as u32,
        },
        _ => SyscallInfo::None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syscall_info_layout_is_what_we_read() {
        use core::mem::offset_of;
        use p::ptrace_syscall_info as I;
        assert_eq!(size_of::<I>(), 88);
        assert_eq!(offset_of!(I, op), 0);
        assert_eq!(offset_of!(I, arch), 4);
        assert_eq!(offset_of!(I, instruction_pointer), 8);
        assert_eq!(offset_of!(I, stack_pointer), 16);
        assert_eq!(offset_of!(I, __bindgen_anon_1), 24);
    }

    #[test]
    fn events_round_trip() {
        for e in [
            Event::Fork,
            Event::Vfork,
            Event::Clone,
            Event::Exec,
            Event::Exit,
            Event::Stop,
        ] {
            assert_eq!(Event::from_raw(e as u32), Some(e));
        }
        assert_eq!(Event::from_raw(99), None);
    }
}
