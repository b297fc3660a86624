//! Descriptors: I/O, the descriptor table, fcntl, ioctl, pipes, polling and epoll, event
//! descriptors.
//!
//! The submodules hold the decoders; this module maps call numbers to them and keeps
//! the printers they share (strace's rules for fetching structures, `[N]` indirect
//! numbers, signal masks, times, aux texts of return values).

mod epoll;
mod event;
mod fcntl;
mod io;
mod ioctl;
mod poll;

use sysbridge::Sysno;

use super::line::{Xlat, write_flags};
use super::types::sigset_text;
use super::{Ctx, Decoder};
use crate::decode::xlat_generated as x;
use crate::mem::Fields;

/// The decoder this family has for `nr`, if any.
pub(super) fn lookup(nr: Sysno) -> Option<Decoder> {
    Some(match nr {
        Sysno::read => io::read,
        Sysno::write => io::write,
        Sysno::close | Sysno::fsync | Sysno::fdatasync => io::close,
        Sysno::pread64 => io::pread64,
        Sysno::pwrite64 => io::pwrite64,
        Sysno::readv => io::readv,
        Sysno::writev => io::writev,
        Sysno::preadv => io::preadv,
        Sysno::preadv2 => io::preadv2,
        Sysno::pwritev => io::pwritev,
        Sysno::pwritev2 => io::pwritev2,
        Sysno::lseek => io::lseek,
        Sysno::sendfile => io::sendfile,
        Sysno::copy_file_range => io::copy_file_range,
        Sysno::splice => io::splice,
        Sysno::tee => io::tee,
        Sysno::vmsplice => io::vmsplice,
        Sysno::readahead => io::readahead,
        Sysno::sync_file_range => io::sync_file_range,
        Sysno::fallocate => io::fallocate,
        Sysno::close_range => io::close_range,
        Sysno::dup => io::dup,
        Sysno::dup2 => io::dup2,
        Sysno::dup3 => io::dup3,
        Sysno::flock => io::flock,
        Sysno::pipe => io::pipe,
        Sysno::pipe2 => io::pipe2,
        Sysno::fcntl => fcntl::fcntl,
        Sysno::ioctl => ioctl::ioctl,
        Sysno::poll => poll::poll,
        Sysno::ppoll => poll::ppoll,
        Sysno::select => poll::select,
        Sysno::pselect6 => poll::pselect6,
        Sysno::epoll_create => epoll::epoll_create,
        Sysno::epoll_create1 => epoll::epoll_create1,
        Sysno::epoll_ctl => epoll::epoll_ctl,
        Sysno::epoll_wait => epoll::epoll_wait,
        Sysno::epoll_pwait => epoll::epoll_pwait,
        Sysno::epoll_pwait2 => epoll::epoll_pwait2,
        Sysno::eventfd => event::eventfd,
        Sysno::eventfd2 => event::eventfd2,
        Sysno::signalfd => event::signalfd,
        Sysno::signalfd4 => event::signalfd4,
        Sysno::timerfd_create => event::timerfd_create,
        Sysno::timerfd_settime => event::timerfd_settime,
        Sysno::timerfd_gettime => event::timerfd_gettime,
        Sysno::inotify_init => event::inotify_init,
        Sysno::inotify_init1 => event::inotify_init1,
        Sysno::inotify_add_watch => event::inotify_add_watch,
        Sysno::inotify_rm_watch => event::inotify_rm_watch,
        Sysno::memfd_create => event::memfd_create,
        Sysno::io_uring_setup => event::io_uring_setup,
        Sysno::io_uring_enter => event::io_uring_enter,
        Sysno::io_uring_register => event::io_uring_register,
        _ => return None,
    })
}

// ---- what the decoders of this family share ----

/// Whether strace would fetch a structure at `addr` now: not NULL, structures decoded
/// at all (`-e verbose`), and not at the exit of a failed call (the kernel may have
/// written nothing).
fn may_fetch(ctx: &Ctx<'_>, addr: u64) -> bool {
    addr != 0 && ctx.verbose && !(ctx.exiting && ctx.failed())
}

/// Reads `buf.len()` bytes at `addr` when [`may_fetch`] allows and they are readable;
/// otherwise prints the address (`NULL` or hex) and returns false.
fn fetch_or_addr(ctx: &mut Ctx<'_>, addr: u64, buf: &mut [u8]) -> bool {
    if may_fetch(ctx, addr) && ctx.read(addr, buf) {
        return true;
    }
    ctx.line.ptr(addr);
    false
}

/// Ends the entry phase of a call whose exit prints no more arguments, only a return
/// value (`select`, `poll`, `fcntl(fd, F_GETFL)`): strace's line stays
/// `poll([{fd=0, events=POLLIN}], 1, 0` until ` = 1 (...)`, where the engine would
/// add the separator it writes before arguments printed at exit. An empty nesting
/// level, never closed, keeps it from doing so (the next call resets the line).
// The framework should have a `Step` for this; see the report of this family.
fn no_more_args(ctx: &mut Ctx<'_>) {
    ctx.line.struct_begin();
    ctx.line.text.pop();
}

/// strace's ` => `, between the value an argument had at entry and the one it has at
/// exit (`[0] => [100]`).
// The framework's `Line` has no such separator yet; see the report of this family.
fn changed(ctx: &mut Ctx<'_>) {
    ctx.line.text.push_str(" => ");
}

/// A number in brackets, strace's indirect value: `[42]`.
fn indirect_dec(ctx: &mut Ctx<'_>, v: i64) {
    ctx.line.array_begin();
    ctx.line.elem();
    ctx.line.dec(v);
    ctx.line.array_end();
}

/// The `int64_t` at `addr` as `[42]` (strace's `printnum_int64`), or the address;
/// false when the address was printed.
fn num_i64_at(ctx: &mut Ctx<'_>, addr: u64) -> bool {
    let mut b = [0u8; 8];
    if !fetch_or_addr(ctx, addr, &mut b) {
        return false;
    }
    indirect_dec(ctx, i64::from_ne_bytes(b));
    true
}

/// The `int` at `addr` as `[42]` (strace's `printnum_int`), or the address.
fn num_i32_at(ctx: &mut Ctx<'_>, addr: u64) -> bool {
    let mut b = [0u8; 4];
    if !fetch_or_addr(ctx, addr, &mut b) {
        return false;
    }
    indirect_dec(ctx, i64::from(i32::from_ne_bytes(b)));
    true
}

/// Flag names as strace writes them into the text after a return value
/// (`sprintflags`): like [`write_flags`], with no comment for unknown bits.
fn flags_text(table: &Xlat, v: u64) -> String {
    let bare = Xlat {
        entries: table.entries,
        unknown: None,
    };
    let mut s = String::new();
    write_flags(&mut s, &bare, v);
    s
}

/// Open flags as strace writes them: the access mode, then the other flags
/// (`O_RDWR|O_NONBLOCK|O_LARGEFILE`).
fn open_modes_text(v: u32) -> String {
    let v = u64::from(v);
    let mut s = String::from(x::DESC_OPEN_ACCESS_MODES.name(v & 3).unwrap_or("O_ACCMODE"));
    let rest = v & !3;
    if rest != 0 {
        s.push('|');
        s.push_str(&flags_text(&x::DESC_OPEN_MODE_FLAGS, rest));
    }
    s
}

/// The signal name strace gives signal `sig` (`SIGUSR1`, `SIGRTMIN`, `SIGRT_3`), if
/// any.
fn signal_name(sig: i64) -> Option<String> {
    if !(1..=64).contains(&sig) {
        return None;
    }
    Some(sysbridge::signal::Signal::from_raw(sig as i32).to_string())
}

/// A signal mask of `len` bytes at `addr` (strace's `print_sigset_addr_len`): the
/// kernel's 8-byte sets only, else the address.
fn sigmask(ctx: &mut Ctx<'_>, addr: u64, len: u64) {
    if len != 8 {
        ctx.line.ptr(addr);
        return;
    }
    let mut b = [0u8; 8];
    if fetch_or_addr(ctx, addr, &mut b) {
        ctx.line.sym(&sigset_text(u64::from_ne_bytes(b), 8));
    }
}

/// The names of the second field of the two time structures.
#[derive(Clone, Copy)]
enum Frac {
    /// `struct timespec`.
    Nsec,
    /// `struct timeval`.
    Usec,
}

impl Frac {
    fn name(self) -> &'static str {
        match self {
            Frac::Nsec => "tv_nsec",
            Frac::Usec => "tv_usec",
        }
    }
}

/// A `struct timespec` or `struct timeval` at `addr` (`{tv_sec=1, tv_nsec=500}`, the
/// fraction unsigned as strace prints it), or the address.
fn time_at(ctx: &mut Ctx<'_>, addr: u64, frac: Frac) {
    let mut b = [0u8; 16];
    if fetch_or_addr(ctx, addr, &mut b) {
        time_fields(ctx, &b, frac);
    }
}

fn time_fields(ctx: &mut Ctx<'_>, b: &[u8], frac: Frac) {
    ctx.line.struct_begin();
    ctx.line.field("tv_sec");
    ctx.line.dec(b.i64_at(0));
    ctx.line.field(frac.name());
    ctx.line.udec(b.u64_at(8));
    ctx.line.struct_end();
}

/// The text of a time structure for a return value's explanation (strace's
/// `sprint_timespec`): `NULL`, the address, or `{tv_sec=0, tv_nsec=99}`.
fn time_text(ctx: &mut Ctx<'_>, addr: u64, frac: Frac) -> String {
    if addr == 0 {
        return "NULL".into();
    }
    let mut b = [0u8; 16];
    if may_fetch(ctx, addr) && ctx.read(addr, &mut b) {
        format!(
            "{{tv_sec={}, {}={}}}",
            b.i64_at(0),
            frac.name(),
            b.u64_at(8)
        )
    } else {
        format!("{addr:#x}")
    }
}

/// An array of `count` elements of `size` bytes at `addr`, as strace's `print_array`
/// with its usual fetcher: `NULL`, `[]`, the address when structures are not decoded
/// (or, unless `ignore_error`, at the exit of a failed call), else the elements.
fn array_of(
    ctx: &mut Ctx<'_>,
    addr: u64,
    count: u64,
    size: usize,
    ignore_error: bool,
    print: impl FnMut(&mut Ctx<'_>, &[u8]) -> bool,
) {
    let refused = !ctx.verbose || (!ignore_error && ctx.exiting && ctx.failed());
    if addr != 0 && count != 0 && refused {
        ctx.line.hex(addr);
        return;
    }
    ctx.array(addr, count, size, print);
}

/// A descriptor as an array element (`[3, 4]` of `pipe`).
fn fd_elem(ctx: &mut Ctx<'_>, b: &[u8]) -> bool {
    ctx.fd(b.i32_at(0));
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_modes_read_like_strace() {
        assert_eq!(open_modes_text(0x8002), "O_RDWR|O_LARGEFILE");
        assert_eq!(open_modes_text(0), "O_RDONLY");
        assert_eq!(open_modes_text(0x8800), "O_RDONLY|O_NONBLOCK|O_LARGEFILE");
        assert_eq!(open_modes_text(0x101001), "O_WRONLY|O_SYNC");
        assert_eq!(open_modes_text(0x4000_0000), "O_RDONLY|0x40000000");
    }

    #[test]
    fn aux_flags_carry_no_comment() {
        assert_eq!(flags_text(&x::FD_FLAGS, 1), "FD_CLOEXEC");
        assert_eq!(flags_text(&x::FD_FLAGS, 3), "FD_CLOEXEC|0x2");
        assert_eq!(flags_text(&x::FD_FLAGS, 2), "0x2");
    }

    /// Every decoder of the family, in both phases, on registers holding NULL, small
    /// and huge numbers, negative ones and pointers into a buffer of random bytes
    /// (whose words in turn point anywhere): nothing panics, every call ends.
    #[test]
    fn decoders_survive_any_registers() {
        use crate::decode::line::Line;
        use crate::decode::{DecodeOpts, Step};
        use crate::mem::Mem;
        use crate::options::{FdPaths, HexStrings};

        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut buf = vec![0u8; 4096];
        for b in buf.iter_mut() {
            *b = next() as u8;
        }
        let base = buf.as_ptr() as u64;
        // Some words of the buffer point back into it, as iovecs and sigset pointers do.
        for i in (0..4096).step_by(64) {
            let at = base + next() % 4000;
            buf[i..i + 8].copy_from_slice(&at.to_ne_bytes());
        }
        let values = [
            0,
            0x10,
            1,
            8,
            3,
            u64::MAX,
            i64::MIN as u64,
            1 << 40,
            0x5401,
            0x8004_5430,
            base,
            base + 100,
            base + 4090,
        ];
        let decoders: Vec<Decoder> = Sysno::all().filter_map(lookup).collect();
        assert!(decoders.len() > 50);
        let tid = sysbridge::process::getpid().as_raw();
        let mut mem = Mem::default();
        let mut line = Line::new(true);
        let mut scratch = Vec::new();
        for round in 0..30 {
            let opts = DecodeOpts {
                strsize: [32, 8, 0, 300][round % 4],
                hex: [HexStrings::Escaped, HexStrings::All][round % 2],
                fd_paths: FdPaths::No,
            };
            // Unabbreviated arrays print every element strace would (as many as
            // the memory holds): only with small numbers here.
            let abbrev = round % 3 != 0;
            for &decoder in &decoders {
                let mut args = [0u64; 6];
                for a in args.iter_mut() {
                    *a = match next() % 4 {
                        _ if !abbrev => [0, 1, 3, 8, 0x10][(next() % 5) as usize],
                        0 => next(),
                        1 => base + next() % 4096,
                        _ => values[(next() % values.len() as u64) as usize],
                    };
                }
                for (rval, error) in [(0, None), (5, None), (-14, Some(sysbridge::Errno::EFAULT))] {
                    line.reset();
                    let mut saved = 0;
                    let mut ctx = Ctx {
                        tid,
                        nr: 0,
                        args,
                        nargs: 6,
                        exiting: false,
                        rval: 0,
                        error: None,
                        saved: &mut saved,
                        abbrev,
                        verbose: round % 5 != 0,
                        line: &mut line,
                        mem: &mut mem,
                        opts: &opts,
                        scratch: &mut scratch,
                    };
                    if decoder(&mut ctx) == Step::Exit {
                        ctx.exiting = true;
                        ctx.rval = rval;
                        ctx.error = error;
                        assert!(matches!(decoder(&mut ctx), Step::Done(_)));
                    }
                }
            }
        }
    }

    #[test]
    fn signal_names() {
        assert_eq!(signal_name(10).as_deref(), Some("SIGUSR1"));
        assert_eq!(signal_name(34).as_deref(), Some("SIGRT_2"));
        assert_eq!(signal_name(0), None);
        assert_eq!(signal_name(65), None);
    }
}
