//! Terminal requests (type `T`): `struct termios` and `termio`, window sizes, modem
//! lines, process groups, pseudo-terminals, and the `FIO*` requests that share the
//! type.

use super::{Outcome, flags_in, int_in, int_out, int_value, no_arg};
use crate::decode::line::{Xlat, write_flags};
use crate::decode::xlat_generated as x;
use crate::decode::{Ctx, Ret};
use crate::mem::Fields;

const TCGETS: u32 = 0x5401;
const TCSETS: u32 = 0x5402;
const TCSETSW: u32 = 0x5403;
const TCSETSF: u32 = 0x5404;
const TCGETA: u32 = 0x5405;
const TCSETA: u32 = 0x5406;
const TCSETAW: u32 = 0x5407;
const TCSETAF: u32 = 0x5408;
const TCSBRK: u32 = 0x5409;
const TCXONC: u32 = 0x540a;
const TCFLSH: u32 = 0x540b;
const TIOCEXCL: u32 = 0x540c;
const TIOCNXCL: u32 = 0x540d;
const TIOCSCTTY: u32 = 0x540e;
const TIOCGPGRP: u32 = 0x540f;
const TIOCSPGRP: u32 = 0x5410;
const TIOCOUTQ: u32 = 0x5411;
const TIOCSTI: u32 = 0x5412;
const TIOCGWINSZ: u32 = 0x5413;
const TIOCSWINSZ: u32 = 0x5414;
const TIOCMGET: u32 = 0x5415;
const TIOCMBIS: u32 = 0x5416;
const TIOCMBIC: u32 = 0x5417;
const TIOCMSET: u32 = 0x5418;
const TIOCGSOFTCAR: u32 = 0x5419;
const TIOCSSOFTCAR: u32 = 0x541a;
const FIONREAD: u32 = 0x541b;
const TIOCCONS: u32 = 0x541d;
const TIOCSSERIAL: u32 = 0x541f;
const TIOCPKT: u32 = 0x5420;
const FIONBIO: u32 = 0x5421;
const TIOCNOTTY: u32 = 0x5422;
const TIOCSETD: u32 = 0x5423;
const TIOCGETD: u32 = 0x5424;
const TCSBRKP: u32 = 0x5425;
const TIOCSBRK: u32 = 0x5427;
const TIOCCBRK: u32 = 0x5428;
const TIOCGSID: u32 = 0x5429;
const TCGETS2: u32 = 0x802c_542a;
const TCSETS2: u32 = 0x402c_542b;
const TCSETSW2: u32 = 0x402c_542c;
const TCSETSF2: u32 = 0x402c_542d;
const TIOCGPTN: u32 = 0x8004_5430;
const TIOCSPTLCK: u32 = 0x4004_5431;
const TIOCGDEV: u32 = 0x8004_5432;
const TIOCVHANGUP: u32 = 0x5437;
const TIOCGEXCL: u32 = 0x8004_5440;
const FIONCLEX: u32 = 0x5450;
const FIOCLEX: u32 = 0x5451;
const FIOASYNC: u32 = 0x5452;
const TIOCGLCKTRMIOS: u32 = 0x5456;
const TIOCSLCKTRMIOS: u32 = 0x5457;

/// The layouts of the terminal settings structures.
#[derive(Clone, Copy, PartialEq)]
enum Layout {
    /// `struct termio`: 16-bit flags, 8 control characters.
    Termio,
    /// `struct termios`: 32-bit flags, 19 control characters.
    Termios,
    /// `struct termios2`: `termios` and the two speeds.
    Termios2,
}

impl Layout {
    fn size(self) -> usize {
        match self {
            Layout::Termio => 18,
            Layout::Termios => 36,
            Layout::Termios2 => 44,
        }
    }
}

/// Decodes request `code` of type `T`, or says it is not one strace decodes.
pub(super) fn decode(ctx: &mut Ctx<'_>, code: u32) -> Option<Outcome> {
    let getter = matches!(
        code,
        TCGETS
            | TIOCGLCKTRMIOS
            | TCGETA
            | TCGETS2
            | TIOCGWINSZ
            | TIOCMGET
            | TIOCGPGRP
            | TIOCGSID
            | TIOCGETD
            | TIOCGSOFTCAR
            | TIOCGPTN
            | FIONREAD
            | TIOCOUTQ
            | TIOCGEXCL
            | TIOCGDEV
    );
    if getter && ctx.entering() {
        return Some(Outcome::AtExit);
    }
    Some(match code {
        TCGETS | TIOCGLCKTRMIOS | TCSETS | TCSETSW | TCSETSF | TIOCSLCKTRMIOS => {
            termios_arg(ctx, Layout::Termios)
        }
        TCGETA | TCSETA | TCSETAW | TCSETAF => termios_arg(ctx, Layout::Termio),
        TCGETS2 | TCSETS2 | TCSETSW2 | TCSETSF2 => termios_arg(ctx, Layout::Termios2),
        TIOCGWINSZ | TIOCSWINSZ => {
            ctx.line.arg();
            winsize(ctx, ctx.args[2]);
            Outcome::Done(Ret::Dec)
        }
        TCXONC => xval_arg(ctx, &x::TCXONC_OPTIONS),
        TCFLSH => xval_arg(ctx, &x::TCFLSH_OPTIONS),
        TCSBRK | TCSBRKP | TIOCSCTTY => int_value(ctx),
        TIOCMGET | TIOCMBIS | TIOCMBIC | TIOCMSET => flags_in(ctx, &x::MODEM_FLAGS),
        TIOCGPGRP | TIOCGSID | TIOCGETD | TIOCGSOFTCAR | TIOCGPTN | FIONREAD | TIOCOUTQ
        | TIOCGEXCL | TIOCGDEV => int_out(ctx),
        TIOCSPGRP | TIOCSETD | FIONBIO | FIOASYNC | TIOCPKT | TIOCSSOFTCAR | TIOCSPTLCK => {
            int_in(ctx)
        }
        TIOCSTI => {
            ctx.line.arg();
            ctx.buf(ctx.args[2], 1);
            Outcome::Done(Ret::Dec)
        }
        TIOCSBRK | TIOCCBRK | TIOCCONS | TIOCNOTTY | TIOCEXCL | TIOCNXCL | FIOCLEX | FIONCLEX
        | TIOCVHANGUP | TIOCSSERIAL => no_arg(),
        _ => return None,
    })
}

fn xval_arg(ctx: &mut Ctx<'_>, table: &Xlat) -> Outcome {
    ctx.line.arg();
    ctx.line.xval(table, ctx.args[2]);
    Outcome::Done(Ret::Dec)
}

/// A `struct winsize`: `{ws_row=24, ws_col=80, ws_xpixel=0, ws_ypixel=0}`.
fn winsize(ctx: &mut Ctx<'_>, addr: u64) {
    let mut b = [0u8; 8];
    if !ctx.fetch_or_addr(addr, &mut b) {
        return;
    }
    ctx.line.struct_begin();
    for (i, name) in ["ws_row", "ws_col", "ws_xpixel", "ws_ypixel"]
        .into_iter()
        .enumerate()
    {
        ctx.line.field(name);
        ctx.line.udec(u64::from(b.u16_at(i * 2)));
    }
    ctx.line.struct_end();
}

/// The terminal settings argument, as strace prints it: the four flag words, then
/// (with `-v`) the line discipline and the control characters.
fn termios_arg(ctx: &mut Ctx<'_>, kind: Layout) -> Outcome {
    ctx.line.arg();
    let mut b = [0u8; 44];
    let b = &mut b[..kind.size()];
    if !ctx.fetch_or_addr(ctx.args[2], b) {
        return Outcome::Done(Ret::Dec);
    }
    let (flags, line_at, ncc) = if kind == Layout::Termio {
        let f = |i: usize| u64::from(b.u16_at(i * 2));
        ([f(0), f(1), f(2), f(3)], 8, 8)
    } else {
        let f = |i: usize| u64::from(b.u32_at(i * 4));
        ([f(0), f(1), f(2), f(3)], 16, 19)
    };
    ctx.line.struct_begin();
    ctx.line.field("c_iflag");
    ctx.line.sym(&flags_text(&x::TERM_IFLAGS, flags[0]));
    ctx.line.field("c_oflag");
    ctx.line.sym(&oflag_text(flags[1]));
    ctx.line.field("c_cflag");
    ctx.line.sym(&cflag_text(flags[2]));
    ctx.line.field("c_lflag");
    ctx.line.sym(&flags_text(&x::TERM_LFLAGS, flags[3]));
    if ctx.abbrev {
        ctx.line.more();
    } else {
        ctx.line.field("c_line");
        ctx.line.xval(&x::TERM_LINE_DISCS, u64::from(b[line_at]));
        ctx.line.field("c_cc");
        ctx.line.array_begin();
        for (i, &c) in b[line_at + 1..line_at + 1 + ncc].iter().enumerate() {
            // Each character with its index: `[VINTR]=0x3`, `[17]=0`.
            let index = match x::TERMIOS_CC.name(i as u64) {
                Some(name) => format!("[{name}]"),
                None => format!("[{i}]"),
            };
            ctx.line.field(&index);
            ctx.line.hex(u64::from(c));
        }
        ctx.line.array_end();
        if kind == Layout::Termios2 {
            ctx.line.field("c_ispeed");
            ctx.line.udec(u64::from(b.u32_at(36)));
            ctx.line.field("c_ospeed");
            ctx.line.udec(u64::from(b.u32_at(40)));
        }
    }
    ctx.line.struct_end();
    Outcome::Done(Ret::Dec)
}

/// A value of `table` (strace's `printxval`) as text: the name, or hex with the
/// table's comment.
fn xval_text(out: &mut String, table: &Xlat, v: u64) {
    match table.name(v) {
        Some(name) => out.push_str(name),
        None => {
            crate::decode::line::write_hex(out, v);
            if let Some(unknown) = table.unknown {
                out.push_str(&format!(" /* {unknown} */"));
            }
        }
    }
}

/// The output flags: each delay field by name, then the other flags
/// (`NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLCR`).
fn oflag_text(mut v: u64) -> String {
    let fields: [(&Xlat, u64); 6] = [
        (&x::TERM_OFLAGS_NLDLY, 0x100),
        (&x::TERM_OFLAGS_CRDLY, 0x600),
        (&x::TERM_OFLAGS_TABDLY, 0x1800),
        (&x::TERM_OFLAGS_BSDLY, 0x2000),
        (&x::TERM_OFLAGS_VTDLY, 0x4000),
        (&x::TERM_OFLAGS_FFDLY, 0x8000),
    ];
    let mut s = String::new();
    for (table, mask) in fields {
        xval_text(&mut s, table, v & mask);
        s.push('|');
        v &= !mask;
    }
    s.push_str(&flags_text(&x::TERM_OFLAGS, v));
    s
}

/// The control flags: the speed (and the input speed, when set apart), the character
/// size, then the other flags (`B38400|CS8|CREAD`).
fn cflag_text(v: u64) -> String {
    const CBAUD: u64 = 0x100f;
    const CIBAUD: u64 = 0x100f_0000;
    const IBSHIFT: u32 = 16;
    const CSIZE: u64 = 0x30;
    let mut s = String::new();
    xval_text(&mut s, &x::BAUD_OPTIONS, v & CBAUD);
    s.push('|');
    if v & CIBAUD != 0 {
        xval_text(&mut s, &x::BAUD_OPTIONS, (v & CIBAUD) >> IBSHIFT);
        s.push_str("<<IBSHIFT|");
    }
    xval_text(&mut s, &x::TERM_CFLAGS_CSIZE, v & CSIZE);
    s.push('|');
    s.push_str(&flags_text(&x::TERM_CFLAGS, v & !(CBAUD | CIBAUD | CSIZE)));
    s
}

/// Flags of a table strace prints with no default (`printflags(..., NULL)`): nothing
/// at all for zero.
// The shared `write_flags` writes `0` there; see the report of this family.
fn flags_text(table: &Xlat, v: u64) -> String {
    let mut s = String::new();
    if v != 0 {
        write_flags(&mut s, table, v);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_flags_read_like_strace() {
        assert_eq!(oflag_text(0x5), "NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLCR");
        assert_eq!(oflag_text(0x1800), "NL0|CR0|XTABS|BS0|VT0|FF0|");
        assert_eq!(flags_text(&x::TERM_IFLAGS, 0), "");
        assert_eq!(cflag_text(0xbf), "B38400|CS8|CREAD");
        assert_eq!(cflag_text(0x000f_00bf), "B38400|B38400<<IBSHIFT|CS8|CREAD");
    }
}
