//! Printers the process and memory decoders share: strace's rules for reading a
//! tracee's structure (`umove_or_printaddr`), numbers behind pointers (`[42]`), ids,
//! signals, clock ticks, `struct rusage`, CPU sets.
//!
//! Some of these would serve other families too (the reading rule, `[N]` numbers,
//! signals by name); they live here until the framework has them.

use crate::decode::types::seconds_and;

use crate::decode::Ctx;
use crate::mem::Fields;
use crate::options::HexStrings;

/// `len` bytes at `addr` as a string of `-s` bytes at most, every byte in hex
/// (`"\x39\x0d"`, strace's `QUOTE_FORCE_HEX`); the address if unreadable.
pub(in crate::decode) fn hex_string(ctx: &mut Ctx<'_>, addr: u64, len: u64) {
    if addr == 0 {
        ctx.line.sym("NULL");
        return;
    }
    let strsize = ctx.opts.strsize as u64;
    let mut buf = vec![0u8; len.min(strsize + 1) as usize];
    if !ctx.read(addr, &mut buf) {
        ctx.line.hex(addr);
        return;
    }
    let shown = buf.len().min(strsize as usize);
    ctx.line
        .string(&buf[..shown], len > strsize, HexStrings::All);
}

/// A NUL-terminated string of at most `len` bytes at `addr` (strace's `printstr_ex`
/// with `QUOTE_0_TERMINATED`): cut at `-s` bytes; `...` after it when no NUL was seen.
pub(in crate::decode) fn cstr_upto(ctx: &mut Ctx<'_>, addr: u64, len: u64) {
    if addr == 0 {
        ctx.line.sym("NULL");
        return;
    }
    let strsize = ctx.opts.strsize;
    let size = (strsize as u64 + 1).min(len) as usize;
    let mut bytes = std::mem::take(ctx.scratch);
    match ctx.mem.read_cstr(ctx.tid, addr, size, &mut bytes) {
        Ok(nul_seen) => {
            let shown = bytes.len().min(strsize);
            ctx.line
                .string(&bytes[..shown], !nul_seen && len > 0, ctx.opts.hex);
        }
        Err(_) => ctx.line.hex(addr),
    }
    *ctx.scratch = bytes;
}

/// The fields of `struct rusage` after the two times.
const RUSAGE_FIELDS: [&str; 14] = [
    "ru_maxrss",
    "ru_ixrss",
    "ru_idrss",
    "ru_isrss",
    "ru_minflt",
    "ru_majflt",
    "ru_nswap",
    "ru_inblock",
    "ru_oublock",
    "ru_msgsnd",
    "ru_msgrcv",
    "ru_nsignals",
    "ru_nvcsw",
    "ru_nivcsw",
];

/// A `struct rusage` at `addr`: the two times, then `...` unless `-v`.
pub(in crate::decode) fn rusage(ctx: &mut Ctx<'_>, addr: u64) {
    let mut b = [0u8; 144];
    if !ctx.fetch_or_addr(addr, &mut b) {
        return;
    }
    ctx.line.struct_begin();
    ctx.line.field("ru_utime");
    seconds_and(ctx.line, &b[0..16], "tv_usec");
    ctx.line.field("ru_stime");
    seconds_and(ctx.line, &b[16..32], "tv_usec");
    if ctx.abbrev {
        ctx.line.more();
    } else {
        for (k, name) in RUSAGE_FIELDS.iter().enumerate() {
            ctx.line.field(name);
            ctx.line.udec(b.u64_at(32 + 8 * k));
        }
    }
    ctx.line.struct_end();
}

/// The size of the kernel's CPU mask strace reads at most (its probe of the
/// smallest size `sched_getaffinity` accepts gives 128 bytes below 1025 CPUs).
const CPUSET_SIZE: u64 = 128;

/// A CPU set of `len` bytes at `addr` as strace prints it: `[0 1 5]`, with `...` when
/// the set is longer than what is read.
pub(in crate::decode) fn cpu_set(ctx: &mut Ctx<'_>, addr: u64, len: u32) {
    if !ctx.verbose || (ctx.exiting && ctx.failed()) || addr == 0 {
        ctx.line.ptr(addr);
        return;
    }
    if len == 0 {
        ctx.line.array_begin();
        ctx.line.array_end();
        return;
    }
    let read = u64::from(len).min(CPUSET_SIZE) as usize;
    let size = read.div_ceil(8) * 8;
    let mut buf = vec![0u8; size];
    if !ctx.fetch_or_addr(addr, &mut buf[..read]) {
        return;
    }
    let mut text = String::from("[");
    let mut first = true;
    for (i, byte) in buf.iter().enumerate() {
        for bit in 0..8 {
            if byte & (1 << bit) != 0 {
                if !first {
                    text.push(' ');
                }
                first = false;
                text.push_str(&(i * 8 + bit).to_string());
            }
        }
    }
    if (size as u64) < u64::from(len) {
        if !first {
            text.push(' ');
        }
        text.push_str("...");
    }
    text.push(']');
    ctx.line.sym(&text);
}
