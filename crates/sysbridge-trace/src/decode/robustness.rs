//! Every decoder against hostile registers and memory: random and extreme values,
//! pointers into random bytes, strings that run into an unreadable page, unmapped and
//! kernel addresses, both phases, text and JSON, every option that changes a
//! decoder's path. A decoder must neither panic nor print a line break, and must
//! leave a JSON value when asked for one.

use std::panic::{AssertUnwindSafe, catch_unwind};

use sysbridge::Sysno;
use sysbridge::mm::{self, MapFlags, ProtFlags};

use super::line::Line;
use super::{Ctx, DecodeOpts, Decoder, Decoders, Step};
use crate::mem::Mem;
use crate::options::{FdPaths, HexStrings};

const PAGE: usize = 4096;

/// xorshift64*: reproducible, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Memory the arguments point into: pages of random bytes, the last readable page
/// followed by one that is not (so strings and arrays run off the end).
struct Arena {
    map: mm::MmapMut,
    readable: usize,
}

impl Arena {
    fn new(rng: &mut Rng) -> Arena {
        let readable = 16 * PAGE;
        let mut map = mm::mmap_anonymous(readable + PAGE, MapFlags::PRIVATE).unwrap();
        for chunk in map[..readable].chunks_mut(8) {
            let r = rng.next().to_ne_bytes();
            chunk.copy_from_slice(&r[..chunk.len()]);
        }
        // Sprinkle small numbers and NULs so that counts, lengths and strings end.
        for _ in 0..2000 {
            let at = rng.below(readable as u64 / 4) as usize * 4;
            let v = (rng.below(24) as u32).to_ne_bytes();
            map[at..at + 4].copy_from_slice(&v);
        }
        // SAFETY: the last page of our own private mapping becomes inaccessible; no
        // reference into it is made afterwards (only the first `readable` bytes are
        // touched, and the kernel reads through process_vm_readv, which fails cleanly).
        unsafe {
            mm::mprotect(
                map.as_mut_ptr().add(readable).cast(),
                PAGE,
                ProtFlags::empty(),
            )
        }
        .unwrap();
        Arena { map, readable }
    }

    fn base(&self) -> u64 {
        self.map.as_ptr() as u64
    }

    /// An argument value: extreme, random, small, a descriptor, or an address.
    fn value(&self, rng: &mut Rng) -> u64 {
        let end = self.base() + self.readable as u64;
        match rng.below(12) {
            0 => 0,
            1 => u64::MAX,
            2 => rng.below(8),
            3 => rng.below(70000),
            4 => rng.next(),
            5 => -100i64 as u64,
            6 => (-100i32) as u32 as u64,
            7 => self.base() + rng.below(self.readable as u64),
            8 => end - rng.below(64),
            9 => end + rng.below(PAGE as u64),
            10 => 0xffff_8000_0000_0000 + rng.below(1 << 20),
            _ => 1 << rng.below(64),
        }
    }
}

/// Runs `decoder` on one set of arguments, both phases; returns what it printed and
/// whether JSON was left.
fn run(
    decoder: Decoder,
    args: [u64; 6],
    json: bool,
    opts: &DecodeOpts,
    rng: &mut Rng,
) -> (String, bool) {
    let mut mem = Mem::default();
    let mut line = Line::new(json);
    let mut saved = 0u64;
    let mut scratch = Vec::new();
    let tid = std::process::id() as i32;
    let abbrev = rng.below(2) == 0;
    let verbose = rng.below(4) != 0;
    let mut ctx = Ctx {
        tid,
        args,
        sp: args[5],
        nargs: 6,
        exiting: false,
        rval: 0,
        error: None,
        saved: &mut saved,
        prev_nr: None,
        abbrev,
        verbose,
        line: &mut line,
        mem: &mut mem,
        opts,
        scratch: &mut scratch,
    };
    if matches!(decoder(&mut ctx), Step::Exit | Step::Result) {
        ctx.line.end_entry_phase();
        ctx.exiting = true;
        match rng.below(4) {
            0 => {
                ctx.rval = -14;
                ctx.error = Some(sysbridge::Errno::EFAULT);
            }
            1 => ctx.rval = rng.below(64) as i64,
            2 => ctx.rval = rng.next() as i64 & i64::MAX,
            _ => ctx.rval = 0,
        }
        let _ = decoder(&mut ctx);
    }
    let json_left = line.take_json().is_some();
    (line.text, json_left)
}

#[test]
fn no_decoder_panics_or_breaks_the_line_on_hostile_input() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let arena = Arena::new(&mut rng);
    let mut numbers: Vec<u64> = Sysno::all().map(|s| u64::from(s.raw())).collect();
    numbers.extend([335, 470, 511, 1000, u64::from(u32::MAX)]);
    let hexes = [HexStrings::Escaped, HexStrings::NonAscii, HexStrings::All];
    let decoders = Decoders::new();
    let mut failures = Vec::new();
    for &nr in &numbers {
        let decoder = decoders.get(nr);
        for round in 0..150u64 {
            let args: [u64; 6] = std::array::from_fn(|_| arena.value(&mut rng));
            let opts = DecodeOpts {
                strsize: [0, 1, 8, 32, 4096][rng.below(5) as usize],
                hex: hexes[rng.below(3) as usize],
                fd_paths: if round % 7 == 0 {
                    FdPaths::All
                } else {
                    FdPaths::No
                },
            };
            let json = round % 2 == 1;
            let seed = rng.next();
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                run(decoder, args, json, &opts, &mut Rng(seed | 1))
            }));
            match outcome {
                Err(_) => failures.push(format!("nr {nr}: panicked on {args:#x?}")),
                Ok((text, _)) if text.contains('\n') => {
                    failures.push(format!("nr {nr}: line break in {text:?}"));
                }
                Ok((_, false)) if json => {
                    failures.push(format!("nr {nr}: no JSON left for {args:#x?}"));
                }
                Ok(_) => {}
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
}
