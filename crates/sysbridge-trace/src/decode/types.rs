//! Printers of the types several families share: arrays, iovecs, times, signals and
//! signal sets, ids, clock ticks.

use sysbridge::signal::Signal;

use super::Ctx;
use super::line::{Line, flags_text};
use super::xlat_generated as x;
use crate::mem::Fields;

/// The size of the kernel's signal set on x86_64 (`NSIG / 8`).
pub(crate) const NSIG_BYTES: u64 = 8;

/// Clock ticks per second of `clock_t` values (`USER_HZ`, 100 on every x86_64 kernel).
const CLK_TCK: u64 = 100;

/// A signal number: its name (`SIGUSR1`, `SIGRT_3`), or the number when it names none.
pub(crate) fn signal(line: &mut Line, sig: i32) {
    let s = Signal::from_raw(sig);
    if s.is_valid() {
        line.sym(&s.to_string());
    } else {
        line.dec(i64::from(sig));
    }
}

/// A `clock_t` value in ticks, with the seconds it makes when not zero:
/// `21 /* 0.21 s */`.
pub(crate) fn clock_t(line: &mut Line, ticks: u64) {
    line.udec(ticks);
    if ticks > 0 {
        line.comment(&format!("{}.{:02} s", ticks / CLK_TCK, ticks % CLK_TCK));
    }
}

/// A user or group id: unsigned, except the all-ones "unchanged" value as `-1`.
pub(crate) fn id(line: &mut Line, v: u32) {
    if v == u32::MAX {
        line.dec(-1);
    } else {
        line.udec(u64::from(v));
    }
}

/// The text of open(2) flags (strace's `sprint_open_modes`): the access mode, then the
/// other flags by name, then unnamed bits in hex (`O_RDONLY|O_CLOEXEC`,
/// `O_WRONLY|0x80000000`).
pub(crate) fn open_modes(flags: u64) -> String {
    let mut s = String::from(x::OPEN_ACCESS_MODES.name(flags & 3).unwrap_or("O_ACCMODE"));
    let rest = flags & !3;
    if rest != 0 {
        s.push('|');
        s.push_str(&flags_text(&x::OPEN_MODE_FLAGS, rest));
    }
    s
}

/// Seconds (signed) and a fraction (unsigned) from 16 bytes: `{tv_sec=1, NAME=500}`,
/// as strace prints `struct timespec` (`tv_nsec`) and `struct timeval` (`tv_usec`).
pub(crate) fn seconds_and(line: &mut Line, b: &[u8], fraction: &str) {
    line.struct_begin();
    line.field("tv_sec");
    line.dec(b.i64_at(0));
    line.field(fraction);
    line.udec(b.u64_at(8));
    line.struct_end();
}

/// Writes a signal set as strace does: `[CHLD USR1]`, the names without `SIG`
/// (real-time ones as `RTMIN`, `RT_1`…), and when two thirds or more of the bits are
/// set, the complement: `~[RTMIN RT_1]`. `bits` holds `size` bytes of the set.
pub(crate) fn sigset_text(bits: u64, size: usize) -> String {
    let nbits = (size.min(8) * 8) as u32;
    let mask = if nbits >= 64 {
        u64::MAX
    } else {
        (1u64 << nbits) - 1
    };
    let bits = bits & mask;
    // strace rounds the size to 32-bit words before counting.
    let words = size.min(8).div_ceil(4) as u32;
    let (bits, inverted) = if bits.count_ones() >= words * 32 * 2 / 3 {
        (!bits & mask, true)
    } else {
        (bits, false)
    };
    let mut out = String::new();
    if inverted {
        out.push('~');
    }
    out.push('[');
    let mut first = true;
    for i in 0..nbits {
        if bits & (1 << i) == 0 {
            continue;
        }
        if !first {
            out.push(' ');
        }
        first = false;
        let sig = Signal::from_raw(i as i32 + 1);
        let name = sig.to_string();
        match name.strip_prefix("SIG") {
            Some(short) => out.push_str(short),
            None => out.push_str(&name),
        }
    }
    out.push(']');
    out
}

impl Ctx<'_> {
    /// An array of `count` elements of `size` bytes at `addr`, as strace's
    /// `print_array` does: `NULL`; `[]` when empty; the address if the first element
    /// cannot be read (or the size overflows); each element printed by `print`
    /// (which gets its bytes and returns false to stop); cut after `-s` elements with
    /// `...` when abbreviated; an unreadable later element ends it with
    /// `..., /* 0x... */`.
    pub(crate) fn array(
        &mut self,
        addr: u64,
        count: u64,
        size: usize,
        print: impl FnMut(&mut Ctx<'_>, &[u8]) -> bool,
    ) {
        self.array_fetched(addr, count, size, false, print);
    }

    /// [`Ctx::array`] for what the kernel writes even when the call fails.
    pub(crate) fn array_despite_error(
        &mut self,
        addr: u64,
        count: u64,
        size: usize,
        print: impl FnMut(&mut Ctx<'_>, &[u8]) -> bool,
    ) {
        self.array_fetched(addr, count, size, true, print);
    }

    fn array_fetched(
        &mut self,
        addr: u64,
        count: u64,
        size: usize,
        despite_error: bool,
        mut print: impl FnMut(&mut Ctx<'_>, &[u8]) -> bool,
    ) {
        if addr == 0 {
            self.line.sym("NULL");
            return;
        }
        if count == 0 {
            self.line.array_begin();
            self.line.array_end();
            return;
        }
        let Some(end) = count
            .checked_mul(size as u64)
            .and_then(|n| addr.checked_add(n))
        else {
            self.line.hex(addr);
            return;
        };
        let limit = if self.abbrev {
            count.min(self.opts.strsize as u64)
        } else {
            count
        };
        let mut buf = vec![0u8; size];
        let mut at = addr;
        let mut i = 0u64;
        while at < end {
            let fetched = if despite_error {
                self.verbose && self.read(at, &mut buf)
            } else {
                self.fetch(at, &mut buf)
            };
            if !fetched {
                if i == 0 {
                    self.line.hex(addr);
                    return;
                }
                self.line.more();
                self.line.comment(&format!("{at:#x}"));
                break;
            }
            if i == 0 {
                self.line.array_begin();
            }
            if i >= limit {
                self.line.more();
                break;
            }
            self.line.elem();
            if !print(self, &buf) {
                break;
            }
            i += 1;
            at += size as u64;
        }
        self.line.array_end();
    }

    /// An array of `count` `struct iovec` at `addr`:
    /// `[{iov_base="...", iov_len=5}, ...]`, the buffers printed as strings (no more
    /// than `data` bytes of them in all: what a call actually transferred).
    pub(crate) fn iovec_at(&mut self, addr: u64, count: u64, mut data: u64) {
        self.array(addr, count, 16, |ctx, iov| {
            let (base, len) = (iov.u64_at(0), iov.u64_at(8));
            let shown = len.min(data);
            data -= shown;
            ctx.line.struct_begin();
            ctx.line.field("iov_base");
            ctx.buf(base, shown);
            ctx.line.field("iov_len");
            ctx.line.udec(len);
            ctx.line.struct_end();
            true
        });
    }

    /// A value behind a pointer, in brackets: `[42]` (strace's `printnum_*`).
    pub(crate) fn indirect(&mut self, print: impl FnOnce(&mut Ctx<'_>)) {
        self.line.array_begin();
        self.line.elem();
        print(self);
        self.line.array_end();
    }

    /// The `int` at `addr` as `[-1]`, or the address.
    pub(crate) fn num_i32_at(&mut self, addr: u64) {
        let mut b = [0u8; 4];
        if self.fetch_or_addr(addr, &mut b) {
            self.indirect(|ctx| ctx.line.dec(i64::from(b.i32_at(0))));
        }
    }

    /// The `unsigned int` at `addr` as `[42]`, or the address.
    pub(crate) fn num_u32_at(&mut self, addr: u64) {
        let mut b = [0u8; 4];
        if self.fetch_or_addr(addr, &mut b) {
            self.indirect(|ctx| ctx.line.udec(u64::from(b.u32_at(0))));
        }
    }

    /// The `int64_t` at `addr` as `[-1]`, or the address.
    pub(crate) fn num_i64_at(&mut self, addr: u64) {
        let mut b = [0u8; 8];
        if self.fetch_or_addr(addr, &mut b) {
            self.indirect(|ctx| ctx.line.dec(b.i64_at(0)));
        }
    }

    /// The `unsigned long` at `addr` as `[42]`, or the address.
    pub(crate) fn num_u64_at(&mut self, addr: u64) {
        let mut b = [0u8; 8];
        if self.fetch_or_addr(addr, &mut b) {
            self.indirect(|ctx| ctx.line.udec(b.u64_at(0)));
        }
    }

    /// The pointer at `addr` as `[0x7f...]` or `[NULL]`, or the address.
    pub(crate) fn num_ptr_at(&mut self, addr: u64) {
        let mut b = [0u8; 8];
        if self.fetch_or_addr(addr, &mut b) {
            self.indirect(|ctx| ctx.line.ptr(b.u64_at(0)));
        }
    }

    /// A signal set of `len` bytes at `addr`, printed when `min_len <= len <= 8` (else
    /// the address): `[USR1 CHLD]`, `~[RTMIN RT_1]`; `NULL`, or the address when it
    /// cannot be fetched.
    pub(crate) fn sigset_at(&mut self, addr: u64, len: u64, min_len: u64) {
        if len < min_len || len > NSIG_BYTES {
            self.line.ptr(addr);
            return;
        }
        let mut buf = [0u8; NSIG_BYTES as usize];
        if self.fetch_or_addr(addr, &mut buf[..len as usize]) {
            // The bytes after `len` are zero; strace counts whole 32-bit words.
            let size = len.div_ceil(4) as usize * 4;
            let text = sigset_text(u64::from_ne_bytes(buf), size);
            self.line.sym(&text);
        }
    }

    /// A `struct timespec` at `addr`: `{tv_sec=1, tv_nsec=500}` (the nanoseconds
    /// unsigned, as strace prints them), `NULL`, or the address when it cannot be
    /// fetched.
    pub(crate) fn timespec_at(&mut self, addr: u64) {
        let mut b = [0u8; 16];
        if self.fetch_or_addr(addr, &mut b) {
            seconds_and(self.line, &b, "tv_nsec");
        }
    }

    /// A `struct timespec` the kernel writes even when the call fails (the time left
    /// of an interrupted sleep).
    pub(crate) fn timespec_at_despite_error(&mut self, addr: u64) {
        let mut b = [0u8; 16];
        if self.fetch_or_addr_despite_error(addr, &mut b) {
            seconds_and(self.line, &b, "tv_nsec");
        }
    }

    /// A `struct timeval` at `addr`: `{tv_sec=1, tv_usec=500}`.
    pub(crate) fn timeval_at(&mut self, addr: u64) {
        let mut b = [0u8; 16];
        if self.fetch_or_addr(addr, &mut b) {
            seconds_and(self.line, &b, "tv_usec");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_sets_read_like_strace() {
        assert_eq!(sigset_text(0, 8), "[]");
        let chld_usr1 = 1 << 16 | 1 << 9;
        assert_eq!(sigset_text(chld_usr1, 8), "[USR1 CHLD]");
        // Everything but RTMIN (32) and RT_1 (33).
        let all_but = !(1u64 << 31 | 1u64 << 32);
        assert_eq!(sigset_text(all_but, 8), "~[RTMIN RT_1]");
        assert_eq!(sigset_text(u64::MAX, 8), "~[]");
    }
}
