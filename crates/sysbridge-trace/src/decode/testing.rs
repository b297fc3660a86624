//! Decoding one call in a unit test: registers in, text and return form out, the
//! memory read being this process's own.

use sysbridge::Errno;

use super::line::Line;
use super::{Ctx, DecodeOpts, Decoder, Ret, Step};
use crate::mem::Mem;
use crate::options::{FdPaths, HexStrings};

/// How one call is decoded in a test: its registers, and at exit its result.
pub(crate) struct Call {
    pub(crate) args: [u64; 6],
    pub(crate) verbose: bool,
    pub(crate) rval: i64,
    pub(crate) error: Option<Errno>,
}

/// Decodes `call` with `decoder`, reading this process's memory, both phases;
/// returns the text and the form of the return value.
pub(crate) fn decode(decoder: Decoder, call: &Call) -> (String, Ret) {
    let mut line = Line::new(true);
    let mut mem = Mem::default();
    let opts = DecodeOpts {
        strsize: 32,
        hex: HexStrings::Escaped,
        fd_paths: FdPaths::No,
    };
    let mut scratch = Vec::new();
    let mut saved = 0;
    let mut text = String::new();
    let mut step = Step::Exit;
    for exiting in [false, true] {
        let mut ctx = Ctx {
            tid: sysbridge::process::getpid().as_raw(),
            args: call.args,
            sp: 0,
            nargs: 6,
            exiting,
            rval: call.rval,
            error: call.error,
            saved: &mut saved,
            prev_nr: None,
            abbrev: true,
            verbose: call.verbose,
            line: &mut line,
            mem: &mut mem,
            opts: &opts,
            scratch: &mut scratch,
        };
        step = decoder(&mut ctx);
        if step == Step::Exit && !exiting {
            line.end_entry_phase();
        }
        text.push_str(&line.text);
        line.text.clear();
        if let Step::Done(_) = step {
            break;
        }
    }
    let ret = match step {
        Step::Done(ret) => ret,
        Step::Exit | Step::Result => Ret::Dec,
    };
    (text, ret)
}

/// The address of `v`, as a register holds it.
pub(crate) fn addr<T>(v: &T) -> u64 {
    std::ptr::from_ref(v) as u64
}

/// A call that succeeded with `rval`, structures decoded.
pub(crate) fn ok(args: [u64; 6], rval: i64) -> Call {
    Call {
        args,
        verbose: true,
        rval,
        error: None,
    }
}
