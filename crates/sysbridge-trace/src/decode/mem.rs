//! Memory: mappings, protections, advice, locking.

use sysbridge::Sysno;

use super::{Ctx, Decoder, Ret, Step};

/// The decoder this family has for `nr`, if any.
pub(super) fn lookup(nr: Sysno) -> Option<Decoder> {
    Some(match nr {
        Sysno::brk => brk,
        _ => return None,
    })
}

/// `brk(addr)`: returns the new break, in hex.
fn brk(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_ptr(0);
    Step::Done(Ret::Hex)
}
