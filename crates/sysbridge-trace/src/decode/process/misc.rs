//! Process groups and sessions, pidfds, `kcmp`, cross-process memory, `seccomp`,
//! `ptrace`, `userfaultfd`.

use sysbridge::Sysno;

use crate::decode::siginfo::{siginfo, siginfo_at};
use crate::decode::types::{NSIG_BYTES, signal};
use crate::decode::xlat_generated as x;
use crate::decode::{Ctx, Decoder, Ret, Step};
use crate::mem::Fields;

/// The decoder this file has for `nr`, if any.
pub(super) fn lookup(nr: Sysno) -> Option<Decoder> {
    Some(match nr {
        Sysno::getpgid | Sysno::getsid => one_pid,
        Sysno::setpgid => setpgid,
        Sysno::pidfd_open => pidfd_open,
        Sysno::pidfd_getfd => pidfd_getfd,
        Sysno::kcmp => kcmp,
        Sysno::process_vm_readv => process_vm_readv,
        Sysno::process_vm_writev => process_vm_writev,
        Sysno::seccomp => seccomp,
        Sysno::ptrace => ptrace,
        Sysno::userfaultfd => userfaultfd,
        _ => return None,
    })
}

/// `getpgid(pid)`, `getsid(pid)`.
fn one_pid(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_int(0);
    Step::Done(Ret::Dec)
}

/// `setpgid(pid, pgid)`.
fn setpgid(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_int(0);
    ctx.arg_int(1);
    Step::Done(Ret::Dec)
}

/// `pidfd_open(pid, flags)`: a descriptor.
fn pidfd_open(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_int(0);
    ctx.arg_flags(1, &x::PIDFD_OPEN_FLAGS);
    Step::Done(Ret::Fd)
}

/// `pidfd_getfd(pidfd, targetfd, flags)`: a descriptor.
fn pidfd_getfd(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    ctx.arg_int(1);
    ctx.line.arg();
    ctx.line.hex(u64::from(ctx.args[2] as u32));
    Step::Done(Ret::Fd)
}

/// `userfaultfd(flags)`: a descriptor.
fn userfaultfd(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_flags(0, &x::UFFD_FLAGS);
    Step::Done(Ret::Fd)
}

/// `kcmp(pid1, pid2, type, idx1, idx2)`: the indexes as the type reads them.
fn kcmp(ctx: &mut Ctx<'_>) -> Step {
    const KCMP_FILE: u32 = 0;
    const KCMP_EPOLL_TFD: u32 = 7;
    ctx.arg_int(0);
    ctx.arg_int(1);
    ctx.arg_xval(2, &x::KCMP_TYPES);
    match ctx.args[2] as u32 {
        KCMP_FILE => {
            ctx.arg_int(3);
            ctx.arg_int(4);
        }
        KCMP_EPOLL_TFD => {
            ctx.arg_int(3);
            ctx.line.arg();
            let mut b = [0u8; 12];
            if ctx.fetch_or_addr(ctx.args[4], &mut b) {
                ctx.line.struct_begin();
                for (k, name) in ["efd", "tfd", "toff"].iter().enumerate() {
                    ctx.line.field(name);
                    if k < 2 {
                        ctx.line.dec(i64::from(b.i32_at(4 * k)));
                    } else {
                        ctx.line.udec(u64::from(b.u32_at(4 * k)));
                    }
                }
                ctx.line.struct_end();
            }
        }
        1..=6 => {}
        _ => {
            ctx.arg_hex(3);
            ctx.arg_hex(4);
        }
    }
    Step::Done(Ret::Dec)
}

/// `count` iovecs at `addr` with their bases as addresses:
/// `[{iov_base=0x7f..., iov_len=4096}]`.
fn iovec_addrs(ctx: &mut Ctx<'_>, addr: u64, count: u64) {
    ctx.array(addr, count, 16, |ctx, iov| {
        ctx.line.struct_begin();
        ctx.line.field("iov_base");
        ctx.line.ptr(iov.u64_at(0));
        ctx.line.field("iov_len");
        ctx.line.udec(iov.u64_at(8));
        ctx.line.struct_end();
        true
    });
}

/// `count` iovecs at `addr` with their buffers as strings (`data` bytes in all).
fn iovec_strings(ctx: &mut Ctx<'_>, addr: u64, count: u64, data: u64) {
    if addr != 0 && count != 0 && (!ctx.verbose || (ctx.exiting && ctx.failed())) {
        ctx.line.hex(addr);
        return;
    }
    ctx.iovec_at(addr, count, data);
}

/// `process_vm_readv(pid, local_iov, liovcnt, remote_iov, riovcnt, flags)`: what
/// was read, at exit.
fn process_vm_readv(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        ctx.arg_int(0);
        return Step::Exit;
    }
    ctx.line.arg();
    if ctx.failed() {
        iovec_addrs(ctx, ctx.args[1], ctx.args[2]);
    } else {
        iovec_strings(ctx, ctx.args[1], ctx.args[2], ctx.rval as u64);
    }
    process_vm_rest(ctx);
    Step::Done(Ret::Dec)
}

/// `process_vm_writev(pid, local_iov, liovcnt, remote_iov, riovcnt, flags)`.
fn process_vm_writev(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_int(0);
    ctx.line.arg();
    iovec_strings(ctx, ctx.args[1], ctx.args[2], u64::MAX);
    process_vm_rest(ctx);
    Step::Done(Ret::Dec)
}

fn process_vm_rest(ctx: &mut Ctx<'_>) {
    ctx.arg_ulong(2);
    ctx.line.arg();
    iovec_addrs(ctx, ctx.args[3], ctx.args[4]);
    ctx.arg_ulong(4);
    ctx.arg_ulong(5);
}

/// A `struct sock_fprog` at `addr` (a seccomp filter): `{len=4, filter=0x...}`.
/// The instructions themselves are not decoded: the filter prints as its address.
pub(super) fn sock_fprog(ctx: &mut Ctx<'_>, addr: u64) {
    let mut b = [0u8; 16];
    if ctx.fetch_or_addr(addr, &mut b) {
        ctx.line.struct_begin();
        ctx.line.field("len");
        ctx.line.udec(u64::from(b.u16_at(0)));
        ctx.line.field("filter");
        ctx.line.ptr(b.u64_at(8));
        ctx.line.struct_end();
    }
}

/// `seccomp(operation, flags, args)`.
fn seccomp(ctx: &mut Ctx<'_>) -> Step {
    const SET_MODE_FILTER: u32 = 1;
    const GET_ACTION_AVAIL: u32 = 2;
    const GET_NOTIF_SIZES: u32 = 3;
    let op = ctx.args[0] as u32;
    let args = ctx.args[2];
    if ctx.exiting {
        // SECCOMP_GET_NOTIF_SIZES: the sizes the kernel wrote.
        ctx.line.arg();
        let mut b = [0u8; 6];
        if ctx.fetch_or_addr(args, &mut b) {
            ctx.line.struct_begin();
            for (k, name) in ["seccomp_notif", "seccomp_notif_resp", "seccomp_data"]
                .iter()
                .enumerate()
            {
                ctx.line.field(name);
                ctx.line.udec(u64::from(b.u16_at(2 * k)));
            }
            ctx.line.struct_end();
        }
        return Step::Done(Ret::Dec);
    }
    ctx.arg_xval(0, &x::SECCOMP_OPS);
    let hex_flags = |ctx: &mut Ctx<'_>| {
        ctx.line.arg();
        ctx.line.hex(u64::from(ctx.args[1] as u32));
    };
    match op {
        GET_ACTION_AVAIL => {
            hex_flags(ctx);
            ctx.line.arg();
            let mut b = [0u8; 4];
            if ctx.fetch_or_addr(args, &mut b) {
                ctx.indirect(|ctx| {
                    ctx.line
                        .xval(&x::SECCOMP_RET_ACTION, u64::from(b.u32_at(0)))
                });
            }
        }
        GET_NOTIF_SIZES => {
            hex_flags(ctx);
            return Step::Exit;
        }
        SET_MODE_FILTER => {
            ctx.arg_flags(1, &x::SECCOMP_FILTER_FLAGS);
            ctx.line.arg();
            sock_fprog(ctx, args);
        }
        _ => {
            hex_flags(ctx);
            ctx.arg_ptr(2);
        }
    }
    Step::Done(Ret::Dec)
}

// ptrace requests, from <linux/ptrace.h> and <asm/ptrace-abi.h>.
const PTRACE_TRACEME: u64 = 0;
const PTRACE_PEEKTEXT: u64 = 1;
const PTRACE_PEEKDATA: u64 = 2;
const PTRACE_PEEKUSER: u64 = 3;
const PTRACE_CONT: u64 = 7;
const PTRACE_KILL: u64 = 8;
const PTRACE_SINGLESTEP: u64 = 9;
const PTRACE_GETREGS: u64 = 12;
const PTRACE_SETREGS: u64 = 13;
const PTRACE_GETFPREGS: u64 = 14;
const PTRACE_SETFPREGS: u64 = 15;
const PTRACE_ATTACH: u64 = 0x10;
const PTRACE_DETACH: u64 = 0x11;
const PTRACE_OLDSETOPTIONS: u64 = 0x15;
const PTRACE_SYSCALL: u64 = 0x18;
const PTRACE_SYSEMU: u64 = 0x1f;
const PTRACE_SYSEMU_SINGLESTEP: u64 = 0x20;
const PTRACE_SINGLEBLOCK: u64 = 0x21;
const PTRACE_SETOPTIONS: u64 = 0x4200;
const PTRACE_GETEVENTMSG: u64 = 0x4201;
const PTRACE_GETSIGINFO: u64 = 0x4202;
const PTRACE_SETSIGINFO: u64 = 0x4203;
const PTRACE_GETREGSET: u64 = 0x4204;
const PTRACE_SETREGSET: u64 = 0x4205;
const PTRACE_SEIZE: u64 = 0x4206;
const PTRACE_INTERRUPT: u64 = 0x4207;
const PTRACE_LISTEN: u64 = 0x4208;
const PTRACE_PEEKSIGINFO: u64 = 0x4209;
const PTRACE_GETSIGMASK: u64 = 0x420a;
const PTRACE_SETSIGMASK: u64 = 0x420b;
const PTRACE_SECCOMP_GET_FILTER: u64 = 0x420c;
const PTRACE_SECCOMP_GET_METADATA: u64 = 0x420d;
const PTRACE_GET_SYSCALL_INFO: u64 = 0x420e;

/// `ptrace(request, pid, addr, data)`: the request by name, and `addr` and `data`
/// as each request reads them. Register sets and `struct user` offsets print as
/// addresses.
fn ptrace(ctx: &mut Ctx<'_>) -> Step {
    let request = ctx.args[0];
    let addr = ctx.args[2];
    let data = ctx.args[3];
    if ctx.exiting {
        if request != PTRACE_SETREGSET {
            ctx.line.arg();
        }
        match request {
            PTRACE_PEEKTEXT | PTRACE_PEEKDATA | PTRACE_PEEKUSER => ctx.num_ptr_at(data),
            PTRACE_GETEVENTMSG => ctx.num_u64_at(data),
            PTRACE_GETSIGINFO => siginfo_at(ctx, data),
            PTRACE_GETSIGMASK => {
                if ctx.failed() || !ctx.verbose {
                    ctx.line.ptr(data);
                } else {
                    ctx.sigset_at(data, addr, NSIG_BYTES);
                }
            }
            PTRACE_GETREGSET => regset_exit(ctx, data),
            PTRACE_GETREGS => user_regs(ctx, data, 8 * USER_REGS.len() as u64),
            PTRACE_SETREGSET => {
                // The structure opened at entry: what changed, and its end.
                let mut iov = [0u8; 16];
                if ctx.read(data, &mut iov) && iov.u64_at(8) != *ctx.saved {
                    ctx.line.changed();
                    ctx.line.udec(iov.u64_at(8));
                }
                ctx.line.struct_end();
            }
            PTRACE_PEEKSIGINFO => {
                ctx.array(data, ctx.rval as u64, 128, |ctx, si| {
                    siginfo(ctx, si);
                    true
                });
            }
            _ => ctx.line.ptr(data),
        }
        return Step::Done(Ret::Dec);
    }
    ctx.arg_xval64(0, &x::PTRACE_CMDS);
    if request == PTRACE_TRACEME {
        return Step::Done(Ret::Dec);
    }
    ctx.arg_int(1);
    match request {
        PTRACE_ATTACH | PTRACE_INTERRUPT | PTRACE_KILL | PTRACE_LISTEN => {
            return Step::Done(Ret::Dec);
        }
        // The registers are written to `data`, printed at exit; `addr` is unused.
        PTRACE_GETREGS | PTRACE_GETFPREGS => return Step::Exit,
        // The registers read from `data` stand in place of `addr`.
        PTRACE_SETREGS => {
            ctx.line.arg();
            user_regs(ctx, ctx.args[3], 8 * USER_REGS.len() as u64);
            return Step::Done(Ret::Dec);
        }
        PTRACE_SETFPREGS => {
            ctx.arg_ptr(3);
            return Step::Done(Ret::Dec);
        }
        _ => {}
    }
    ctx.line.arg();
    match request {
        PTRACE_GETREGSET | PTRACE_SETREGSET => {
            ctx.line.xval(&x::NT_TYPES, u64::from(addr as u32));
        }
        PTRACE_GETSIGMASK
        | PTRACE_SETSIGMASK
        | PTRACE_SECCOMP_GET_FILTER
        | PTRACE_SECCOMP_GET_METADATA
        | PTRACE_GET_SYSCALL_INFO => ctx.line.udec(addr),
        PTRACE_PEEKSIGINFO => {
            let mut b = [0u8; 16];
            if ctx.fetch_or_addr(addr, &mut b) {
                ctx.line.struct_begin();
                ctx.line.field("off");
                ctx.line.udec(b.u64_at(0));
                ctx.line.field("flags");
                ctx.line
                    .flags(&x::PTRACE_PEEKSIGINFO_FLAGS, u64::from(b.u32_at(8)));
                ctx.line.field("nr");
                ctx.line.udec(u64::from(b.u32_at(12)));
                ctx.line.struct_end();
            }
        }
        _ => ctx.line.ptr(addr),
    }
    let later = matches!(
        request,
        PTRACE_PEEKTEXT
            | PTRACE_PEEKDATA
            | PTRACE_PEEKUSER
            | PTRACE_GETEVENTMSG
            | PTRACE_GETSIGINFO
            | PTRACE_GETSIGMASK
            | PTRACE_PEEKSIGINFO
            | PTRACE_SECCOMP_GET_FILTER
            | PTRACE_GET_SYSCALL_INFO
    );
    if later && ctx.verbose {
        // `data` is what the kernel writes: printed at exit.
        return Step::Exit;
    }
    if request == PTRACE_GETREGSET || request == PTRACE_SETREGSET {
        return regset_entry(ctx, request, data);
    }
    ctx.line.arg();
    match request {
        PTRACE_CONT
        | PTRACE_DETACH
        | PTRACE_SYSCALL
        | PTRACE_SINGLESTEP
        | PTRACE_SINGLEBLOCK
        | PTRACE_SYSEMU
        | PTRACE_SYSEMU_SINGLESTEP => {
            signal(ctx.line, data as i32);
        }
        PTRACE_SEIZE | PTRACE_SETOPTIONS | PTRACE_OLDSETOPTIONS => {
            ctx.line.flags(&x::PTRACE_SETOPTIONS_FLAGS, data);
        }
        PTRACE_SETSIGINFO => siginfo_at(ctx, data),
        PTRACE_SETSIGMASK if ctx.verbose => ctx.sigset_at(data, addr, NSIG_BYTES),
        _ => ctx.line.ptr(data),
    }
    Step::Done(Ret::Dec)
}

/// The entry of `PTRACE_GETREGSET` / `PTRACE_SETREGSET`: the iovec at `data` is
/// read now (its length kept for the exit); the one it sets is printed now and
/// left open, for the exit to add a changed length to.
fn regset_entry(ctx: &mut Ctx<'_>, request: u64, data: u64) -> Step {
    let mut iov = [0u8; 16];
    if !(ctx.verbose && ctx.read(data, &mut iov)) {
        ctx.line.arg();
        ctx.line.ptr(data);
        return Step::Done(Ret::Dec);
    }
    *ctx.saved = iov.u64_at(8);
    if request == PTRACE_SETREGSET {
        ctx.line.arg();
        ctx.line.struct_begin();
        ctx.line.field("iov_base");
        regset(ctx, ctx.args[2] as u32, iov.u64_at(0), iov.u64_at(8));
        ctx.line.field("iov_len");
        ctx.line.udec(iov.u64_at(8));
    }
    Step::Exit
}

/// The general registers (`struct user_regs_struct`), in hex.
const USER_REGS: [&str; 27] = [
    "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx", "rdx", "rsi",
    "rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs",
    "gs",
];

/// `size` bytes of general registers at `addr`: `{r15=0x0, …}` (as many as the
/// size holds, `...` past them); the address for a size that is not whole words.
fn user_regs(ctx: &mut Ctx<'_>, addr: u64, size: u64) {
    const FULL: u64 = 8 * USER_REGS.len() as u64;
    if size == 0 || size & 7 != 0 {
        ctx.line.ptr(addr);
        return;
    }
    let fetch = size.min(FULL) as usize;
    let mut b = [0u8; FULL as usize];
    if !ctx.fetch_or_addr(addr, &mut b[..fetch]) {
        return;
    }
    ctx.line.struct_begin();
    for (k, name) in USER_REGS.iter().enumerate().take(fetch / 8) {
        ctx.line.field(name);
        ctx.line.hex(b.u64_at(8 * k));
    }
    if size > FULL {
        ctx.line.more();
    }
    ctx.line.struct_end();
}

/// An iovec's registers of note type `nt`: the general ones decoded, others as
/// their address.
fn regset(ctx: &mut Ctx<'_>, nt: u32, base: u64, len: u64) {
    const NT_PRSTATUS: u32 = 1;
    if nt == NT_PRSTATUS {
        user_regs(ctx, base, len);
    } else {
        ctx.line.ptr(base);
    }
}

/// `PTRACE_GETREGSET`'s iovec at exit: the registers and the length, `old => new`
/// when the kernel changed it.
fn regset_exit(ctx: &mut Ctx<'_>, data: u64) {
    let mut iov = [0u8; 16];
    if !(ctx.verbose && ctx.read(data, &mut iov)) {
        ctx.line.ptr(data);
        return;
    }
    let old = *ctx.saved;
    ctx.line.struct_begin();
    ctx.line.field("iov_base");
    regset(ctx, ctx.args[2] as u32, iov.u64_at(0), iov.u64_at(8));
    ctx.line.field("iov_len");
    ctx.line.udec(old);
    if iov.u64_at(8) != old {
        ctx.line.changed();
        ctx.line.udec(iov.u64_at(8));
    }
    ctx.line.struct_end();
}
