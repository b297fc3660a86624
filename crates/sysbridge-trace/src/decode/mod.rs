//! Decoding system calls: the table from call number to decoder, the context a decoder
//! works in, and the argument printers every decoder shares.
//!
//! A decoder is called at the call's entry with [`Ctx::entering`] true. It prints the
//! arguments it can (those the kernel reads) and returns [`Step::Exit`] if more are to
//! be printed at exit (those the kernel writes), [`Step::Result`] if only the form of
//! the return value waits for the exit, else [`Step::Done`]. At exit it is called
//! again and returns [`Step::Done`] with the form of the return value. This is
//! strace's model, which its output format follows: `read(3, ` at entry,
//! `"..."..., 832) = 832` at exit.

pub(crate) mod fdinfo;
pub(crate) mod line;
mod quote;

mod desc;
mod file;
mod generic;
mod mem;
mod net;
mod process;
#[cfg(test)]
mod robustness;
pub(crate) mod siginfo;
mod signal;
mod sockdiag;
#[cfg(test)]
mod testing;
mod time;
pub(crate) mod types;
pub(crate) mod xlat_generated;

use sysbridge::{Errno, Sysno};

use self::line::{Line, Xlat};
use crate::mem::Mem;
use crate::options::{FdPaths, HexStrings};

/// How the return value of a call is printed.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) enum Ret {
    /// Signed decimal (most calls).
    #[default]
    Dec,
    /// Hex (addresses: `mmap`, `brk`).
    Hex,
    /// Octal (`umask`).
    Oct,
    /// A new descriptor (with `-y`, its path too).
    Fd,
    /// Decimal, then a parenthesised explanation: `= 0x8002 (flags O_RDWR)`.
    DecWith(String),
    /// Hex, then a parenthesised explanation.
    HexWith(String),
}

/// What a decoder tells the engine after it ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Call me again at exit: more arguments are printed then.
    Exit,
    /// Every argument is printed, but call me again at exit to say how the return
    /// value prints (`prctl(PR_GET_DUMPABLE) = 1 (SUID_DUMP_USER)`); print nothing then.
    Result,
    /// Everything is printed; print the return value this way.
    Done(Ret),
}

/// A decoder: prints one call's arguments.
pub(crate) type Decoder = fn(&mut Ctx<'_>) -> Step;

/// Options every decoder consults.
#[derive(Clone, Debug)]
pub(crate) struct DecodeOpts {
    /// Longest string printed (`-s`).
    pub(crate) strsize: usize,
    /// Byte printing (`-x`).
    pub(crate) hex: HexStrings,
    /// Descriptor paths (`-y`).
    pub(crate) fd_paths: FdPaths,
}

/// The longest path printed (`PATH_MAX - 1`); paths ignore `-s`.
const PATH_MAX: usize = 4095;

/// One call being decoded, in one of its two phases.
pub(crate) struct Ctx<'a> {
    /// The thread making the call.
    pub(crate) tid: i32,
    /// Its argument registers.
    pub(crate) args: [u64; 6],
    /// The stack pointer at entry (where `rt_sigreturn` finds the signal frame).
    pub(crate) sp: u64,
    /// How many of them the call takes (six for a number no table knows).
    pub(crate) nargs: u8,
    /// Whether this is the exit phase.
    pub(crate) exiting: bool,
    /// At exit: the return value (for a failed call, the negated error number).
    pub(crate) rval: i64,
    /// At exit: the error, if the call failed.
    pub(crate) error: Option<Errno>,
    /// A value a decoder keeps from entry to exit.
    pub(crate) saved: &'a mut u64,
    /// The thread's last call whose exit was printed (what `restart_syscall` resumes).
    pub(crate) prev_nr: Option<u64>,
    /// Whether large structures print abbreviated (`-e abbrev=`, `-v`).
    pub(crate) abbrev: bool,
    /// Whether structure arguments are decoded at all (`-e verbose=`).
    pub(crate) verbose: bool,
    /// What is being printed.
    pub(crate) line: &'a mut Line,
    /// The tracee's memory.
    pub(crate) mem: &'a mut Mem,
    /// The options.
    pub(crate) opts: &'a DecodeOpts,
    /// A buffer for reads, kept across calls.
    pub(crate) scratch: &'a mut Vec<u8>,
}

impl Ctx<'_> {
    /// Whether this is the entry phase.
    pub(crate) fn entering(&self) -> bool {
        !self.exiting
    }

    /// At exit: whether the call failed.
    pub(crate) fn failed(&self) -> bool {
        self.error.is_some()
    }

    /// Argument `i` as a C `int`.
    pub(crate) fn int(&self, i: usize) -> i32 {
        self.args[i] as i32
    }

    // ---- whole arguments ----

    /// Argument `i` as a signed `int`.
    pub(crate) fn arg_int(&mut self, i: usize) {
        self.line.arg();
        self.line.dec(i64::from(self.int(i)));
    }

    /// Argument `i` as an unsigned `int`.
    pub(crate) fn arg_uint(&mut self, i: usize) {
        self.line.arg();
        self.line.udec(u64::from(self.args[i] as u32));
    }

    /// Argument `i` as a signed `long`.
    pub(crate) fn arg_long(&mut self, i: usize) {
        self.line.arg();
        self.line.dec(self.args[i] as i64);
    }

    /// Argument `i` as an unsigned `long` (sizes, counts).
    pub(crate) fn arg_ulong(&mut self, i: usize) {
        self.line.arg();
        self.line.udec(self.args[i]);
    }

    /// Argument `i` in hex.
    pub(crate) fn arg_hex(&mut self, i: usize) {
        self.line.arg();
        self.line.hex(self.args[i]);
    }

    /// Argument `i` as an address: `NULL` or hex.
    pub(crate) fn arg_ptr(&mut self, i: usize) {
        self.line.arg();
        self.line.ptr(self.args[i]);
    }

    /// Argument `i` as a descriptor.
    pub(crate) fn arg_fd(&mut self, i: usize) {
        self.line.arg();
        self.fd(self.int(i));
    }

    /// Argument `i` as the directory descriptor of an `*at` call: `AT_FDCWD` or a
    /// descriptor.
    pub(crate) fn arg_dirfd(&mut self, i: usize) {
        self.line.arg();
        let fd = self.int(i);
        if fd == -100 {
            self.line.sym("AT_FDCWD");
            if self.opts.fd_paths != FdPaths::No {
                fdinfo::annotate_cwd(&mut self.line.text, self.tid, self.opts.hex);
            }
        } else {
            self.fd(fd);
        }
    }

    /// Argument `i` as a path: the whole string (up to `PATH_MAX`), whatever `-s` says.
    pub(crate) fn arg_path(&mut self, i: usize) {
        self.line.arg();
        self.path(self.args[i]);
    }

    /// Argument `i` as a NUL-terminated string, cut at `-s` bytes.
    pub(crate) fn arg_cstr(&mut self, i: usize) {
        self.line.arg();
        self.cstr(self.args[i]);
    }

    /// Argument `i` as a buffer of `len` bytes, cut at `-s` bytes.
    pub(crate) fn arg_buf(&mut self, i: usize, len: u64) {
        self.line.arg();
        self.buf(self.args[i], len);
    }

    /// Argument `i` as flag bits from `table` (of the argument's low 32 bits).
    pub(crate) fn arg_flags(&mut self, i: usize, table: &Xlat) {
        self.line.arg();
        self.line.flags(table, u64::from(self.args[i] as u32));
    }

    /// Argument `i` as flag bits from `table`, all 64 bits.
    pub(crate) fn arg_flags64(&mut self, i: usize, table: &Xlat) {
        self.line.arg();
        self.line.flags(table, self.args[i]);
    }

    /// Argument `i` as a value of `table` (of the argument's low 32 bits).
    pub(crate) fn arg_xval(&mut self, i: usize, table: &Xlat) {
        self.line.arg();
        self.line.xval(table, u64::from(self.args[i] as u32));
    }

    /// Argument `i` as a value of `table`, all 64 bits of the register (strace's
    /// `printxval` of a whole `kernel_ulong_t`).
    pub(crate) fn arg_xval64(&mut self, i: usize, table: &Xlat) {
        self.line.arg();
        self.line.xval(table, self.args[i]);
    }

    // ---- values ----

    /// A descriptor: its number, and with `-y` the path it refers to (`3</etc/hosts>`).
    pub(crate) fn fd(&mut self, fd: i32) {
        self.line.dec(i64::from(fd));
        fdinfo::annotate(
            &mut self.line.text,
            self.tid,
            fd,
            self.opts.fd_paths,
            self.opts.hex,
        );
    }

    /// A path at `addr`: `NULL`, the address if unreadable, or the quoted path.
    pub(crate) fn path(&mut self, addr: u64) {
        self.c_string(addr, PATH_MAX);
    }

    /// A NUL-terminated string at `addr`, cut at `-s` bytes with `...`.
    pub(crate) fn cstr(&mut self, addr: u64) {
        self.c_string(addr, self.opts.strsize);
    }

    fn c_string(&mut self, addr: u64, max: usize) {
        if addr == 0 {
            self.line.sym("NULL");
            return;
        }
        match self.mem.read_cstr(self.tid, addr, max, self.scratch) {
            Ok(nul_seen) => self.line.string(self.scratch, !nul_seen, self.opts.hex),
            Err(_) => self.line.hex(addr),
        }
    }

    /// A buffer of `len` bytes at `addr`: the first `-s` of them quoted, `...` after
    /// when there are more; the address if unreadable.
    pub(crate) fn buf(&mut self, addr: u64, len: u64) {
        if addr == 0 {
            self.line.sym("NULL");
            return;
        }
        let strsize = self.opts.strsize as u64;
        // One byte more than printed is fetched, as strace does.
        let fetch = len.min(strsize + 1) as usize;
        self.scratch.resize(fetch, 0);
        if self.mem.read(self.tid, addr, self.scratch).is_err() {
            self.line.hex(addr);
            return;
        }
        let shown = fetch.min(strsize as usize);
        let cut = len > strsize;
        let bytes = std::mem::take(self.scratch);
        self.line.string(&bytes[..shown], cut, self.opts.hex);
        *self.scratch = bytes;
    }

    /// Reads `buf.len()` bytes at `addr`; false when they cannot all be read.
    pub(crate) fn read(&mut self, addr: u64, buf: &mut [u8]) -> bool {
        addr != 0 && self.mem.read(self.tid, addr, buf).is_ok()
    }

    /// Fetches a structure at `addr` the way strace decides to: never from `NULL`,
    /// never when structures are not decoded (`-e verbose=`), never at the exit of a
    /// failed call (the kernel wrote nothing), and only when all of it is readable.
    pub(crate) fn fetch(&mut self, addr: u64, buf: &mut [u8]) -> bool {
        addr != 0 && self.verbose && (self.entering() || !self.failed()) && self.read(addr, buf)
    }

    /// [`Ctx::fetch`], or, when it cannot, prints the address (`NULL`, `0x...`):
    /// strace's `umove_or_printaddr`.
    pub(crate) fn fetch_or_addr(&mut self, addr: u64, buf: &mut [u8]) -> bool {
        let fetched = self.fetch(addr, buf);
        if !fetched {
            self.line.ptr(addr);
        }
        fetched
    }

    /// [`Ctx::fetch_or_addr`] for what the kernel writes even when the call fails
    /// (strace's `umove_or_printaddr_ignore_syserror`).
    pub(crate) fn fetch_or_addr_despite_error(&mut self, addr: u64, buf: &mut [u8]) -> bool {
        let fetched = addr != 0 && self.verbose && self.read(addr, buf);
        if !fetched {
            self.line.ptr(addr);
        }
        fetched
    }

    /// Reads a native-endian `i32` at `addr`.
    pub(crate) fn read_i32(&mut self, addr: u64) -> Option<i32> {
        let mut b = [0u8; 4];
        self.read(addr, &mut b).then(|| i32::from_ne_bytes(b))
    }

    /// Reads a native-endian `u64` at `addr`.
    pub(crate) fn read_u64(&mut self, addr: u64) -> Option<u64> {
        let mut b = [0u8; 8];
        self.read(addr, &mut b).then(|| u64::from_ne_bytes(b))
    }
}

/// The decoders of every call that has one, looked up once per number.
pub(crate) struct Decoders {
    by_nr: Vec<Option<Decoder>>,
}

impl Decoders {
    /// The table.
    pub(crate) fn new() -> Decoders {
        let mut by_nr = vec![None; 512];
        for nr in Sysno::all() {
            by_nr[nr.raw() as usize] = lookup(nr);
        }
        Decoders { by_nr }
    }

    /// The decoder of call `nr`: its own, or the generic one.
    pub(crate) fn get(&self, nr: u64) -> Decoder {
        self.by_nr
            .get(nr as usize)
            .copied()
            .flatten()
            .unwrap_or_else(fallback)
    }
}

/// The decoder of calls printed raw (`-e raw=`), and of calls with no decoder: every
/// argument in hex.
pub(crate) fn fallback() -> Decoder {
    generic::printargs
}

/// The decoder a family provides for `nr`, if any.
fn lookup(nr: Sysno) -> Option<Decoder> {
    generic::lookup(nr)
        .or_else(|| file::lookup(nr))
        .or_else(|| desc::lookup(nr))
        .or_else(|| mem::lookup(nr))
        .or_else(|| process::lookup(nr))
        .or_else(|| signal::lookup(nr))
        .or_else(|| net::lookup(nr))
        .or_else(|| time::lookup(nr))
}
