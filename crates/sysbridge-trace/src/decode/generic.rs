//! The decoder of calls that have no decoder of their own: every argument in hex, as
//! strace's `printargs` prints them.

use sysbridge::Sysno;

use super::{Ctx, Decoder, Ret, Step};

/// No call has a generic decoder of its own: this family only provides the fallback.
pub(super) fn lookup(_: Sysno) -> Option<Decoder> {
    None
}

/// Prints the call's arguments (as many as it takes; six for a number no table knows)
/// in hex.
pub(super) fn printargs(ctx: &mut Ctx<'_>) -> Step {
    for i in 0..usize::from(ctx.nargs) {
        ctx.arg_hex(i);
    }
    Step::Done(Ret::Dec)
}
