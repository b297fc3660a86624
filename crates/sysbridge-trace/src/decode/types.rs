//! Printers of the types several families share: arrays, iovecs, times and signal
//! sets.

use sysbridge::signal::Signal;

use super::Ctx;
use crate::mem::Fields;

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
            if !self.fetch(at, &mut buf) {
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

    /// A signal set of `size` bytes at `addr`: `NULL`, the address if unreadable or of
    /// an odd size, or the set.
    pub(crate) fn sigset_at(&mut self, addr: u64, size: u64) {
        if addr == 0 {
            self.line.sym("NULL");
            return;
        }
        let mut buf = [0u8; 8];
        if size == 0 || size > 8 || !self.fetch(addr, &mut buf[..size as usize]) {
            self.line.hex(addr);
            return;
        }
        let text = sigset_text(u64::from_ne_bytes(buf), size as usize);
        self.line.sym(&text);
    }

    /// A `struct timespec` at `addr`: `{tv_sec=1, tv_nsec=500}` (the nanoseconds
    /// unsigned, as strace prints them), `NULL`, or the address when it cannot be
    /// fetched.
    pub(crate) fn timespec_at(&mut self, addr: u64) {
        let mut b = [0u8; 16];
        if self.fetch_or_addr(addr, &mut b) {
            self.timespec(&b);
        }
    }

    /// A `struct timeval` at `addr`: `{tv_sec=1, tv_usec=500}`.
    pub(crate) fn timeval_at(&mut self, addr: u64) {
        let mut b = [0u8; 16];
        if self.fetch_or_addr(addr, &mut b) {
            self.timeval(&b);
        }
    }

    /// A `struct timespec` from its 16 bytes.
    pub(crate) fn timespec(&mut self, b: &[u8]) {
        self.seconds_and(b, "tv_nsec");
    }

    /// A `struct timeval` from its 16 bytes.
    pub(crate) fn timeval(&mut self, b: &[u8]) {
        self.seconds_and(b, "tv_usec");
    }

    fn seconds_and(&mut self, b: &[u8], fraction: &str) {
        self.line.struct_begin();
        self.line.field("tv_sec");
        self.line.dec(b.i64_at(0));
        self.line.field(fraction);
        self.line.udec(b.u64_at(8));
        self.line.struct_end();
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
