//! Classic BPF programs (`struct sock_fprog`) as socket filters take them:
//! `{len=2, filter=[BPF_STMT(BPF_LD|BPF_W|BPF_ABS, SKF_AD_OFF+SKF_AD_PROTOCOL), ...]}`,
//! the instructions printed only without abbreviation (`-v`).

use crate::decode::Ctx;
use crate::decode::line::{Xlat, write_hex};
use crate::decode::xlat_generated as x;
use crate::mem::Fields;

/// `BPF_MAXINSNS`: the most instructions printed.
const MAX_INSNS: u64 = 4096;
/// `sizeof(struct sock_fprog)`.
pub(super) const SOCK_FPROG: i32 = 16;

// Special offsets of `BPF_LD|BPF_ABS` loads.
const SKF_AD_OFF: u32 = 0xffff_f000;
const SKF_NET_OFF: u32 = 0xfff0_0000;
const SKF_LL_OFF: u32 = 0xffe0_0000;

/// A `struct sock_fprog` at `addr`: `{len=N, filter=...}`, or the address.
pub(super) fn sock_fprog(ctx: &mut Ctx<'_>, addr: u64) {
    let mut b = [0u8; SOCK_FPROG as usize];
    if !ctx.fetch_or_addr(addr, &mut b) {
        return;
    }
    let (len, filter) = (b.u16_at(0), b.u64_at(8));
    ctx.line.struct_begin();
    ctx.line.field("len");
    ctx.line.udec(u64::from(len));
    ctx.line.field("filter");
    filter_array(ctx, filter, len);
    ctx.line.struct_end();
}

/// `len` instructions at `addr`: the address when abbreviated, else the array.
pub(super) fn filter_array(ctx: &mut Ctx<'_>, addr: u64, len: u16) {
    if ctx.abbrev {
        ctx.line.ptr(addr);
        return;
    }
    if addr != 0 && (!ctx.verbose || ctx.failed()) {
        ctx.line.hex(addr);
        return;
    }
    let mut n = 0u64;
    ctx.array(addr, u64::from(len), 8, |ctx, b| {
        if n >= MAX_INSNS {
            ctx.line.sym("...");
            return false;
        }
        n += 1;
        let text = instruction(b.u16_at(0), b[2], b[3], b.u32_at(4));
        ctx.line.sym(&text);
        true
    });
}

/// One instruction: `BPF_JUMP(code, k, jt, jf)` when it jumps, else
/// `BPF_STMT(code, k)`.
fn instruction(code: u16, jt: u8, jf: u8, k: u32) -> String {
    let mut s = String::new();
    if jt != 0 || jf != 0 {
        s.push_str("BPF_JUMP(");
        code_text(&mut s, code);
        for v in [u64::from(k), u64::from(jt), u64::from(jf)] {
            s.push_str(", ");
            write_hex(&mut s, v);
        }
    } else {
        s.push_str("BPF_STMT(");
        code_text(&mut s, code);
        s.push_str(", ");
        k_text(&mut s, code, k);
    }
    s.push(')');
    s
}

/// The `k` of a statement: socket-filter offsets by name, else hex.
fn k_text(s: &mut String, code: u16, k: u32) {
    let ld_abs = code & 0x07 == 0x00 && code & 0xe0 == 0x20;
    if ld_abs && k >= SKF_AD_OFF {
        s.push_str("SKF_AD_OFF+");
        name_or_hex(s, &x::SKF_AD, u64::from(k - SKF_AD_OFF), "SKF_AD_???");
    } else if ld_abs && k >= SKF_NET_OFF {
        s.push_str(&format!("SKF_NET_OFF+{}", k - SKF_NET_OFF));
    } else if ld_abs && k >= SKF_LL_OFF {
        s.push_str(&format!("SKF_LL_OFF+{}", k - SKF_LL_OFF));
    } else {
        write_hex(s, u64::from(k));
    }
}

fn name_or_hex(s: &mut String, table: &Xlat, v: u64, unknown: &str) {
    match table.name(v) {
        Some(name) => s.push_str(name),
        None => {
            write_hex(s, v);
            s.push_str(" /* ");
            s.push_str(unknown);
            s.push_str(" */");
        }
    }
}

/// Bits no table names: `|0x8 /* BPF_??? */`.
fn leftover(s: &mut String, bits: u16) {
    if bits != 0 {
        s.push('|');
        write_hex(s, u64::from(bits));
        s.push_str(" /* BPF_??? */");
    }
}

/// An instruction's code: `BPF_LD|BPF_W|BPF_ABS`.
fn code_text(s: &mut String, code: u16) {
    let class = code & 0x07;
    let rest = code & !class;
    name_or_hex(s, &x::BPF_CLASS, u64::from(class), "BPF_???");
    let part = |s: &mut String, table: &Xlat, v: u16| {
        s.push('|');
        name_or_hex(s, table, u64::from(v), "BPF_???");
    };
    match class {
        // BPF_LD, BPF_LDX
        0 | 1 => {
            part(s, &x::BPF_SIZE, code & 0x18);
            part(s, &x::BPF_MODE, code & 0xe0);
        }
        // BPF_ST, BPF_STX
        2 | 3 => leftover(s, rest),
        // BPF_ALU
        4 => {
            part(s, &x::BPF_SRC, code & 0x08);
            part(s, &x::BPF_OP_ALU, code & 0xf0);
        }
        // BPF_JMP
        5 => {
            part(s, &x::BPF_SRC, code & 0x08);
            part(s, &x::BPF_OP_JMP, code & 0xf0);
        }
        // BPF_RET
        6 => {
            part(s, &x::BPF_RVAL, code & 0x18);
            leftover(s, rest & !0x18);
        }
        // BPF_MISC
        _ => {
            part(s, &x::BPF_MISCOP, code & 0xf8);
            leftover(s, rest & !0xf8);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instructions_read_like_strace() {
        assert_eq!(
            instruction(0x20, 0, 0, SKF_AD_OFF),
            "BPF_STMT(BPF_LD|BPF_W|BPF_ABS, SKF_AD_OFF+SKF_AD_PROTOCOL)"
        );
        assert_eq!(
            instruction(0x15, 1, 0, 0x800),
            "BPF_JUMP(BPF_JMP|BPF_K|BPF_JEQ, 0x800, 0x1, 0)"
        );
        assert_eq!(
            instruction(0x06, 0, 0, 0xffff),
            "BPF_STMT(BPF_RET|BPF_K, 0xffff)"
        );
        assert_eq!(instruction(0x07, 0, 0, 0), "BPF_STMT(BPF_MISC|BPF_TAX, 0)");
        assert_eq!(
            instruction(0x0a, 0, 0, 0),
            "BPF_STMT(BPF_ST|0x8 /* BPF_??? */, 0)"
        );
    }
}
