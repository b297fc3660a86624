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

use super::{Ctx, Decoder};
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
        Sysno::fadvise64 => io::fadvise64,
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

/// The signal name strace gives signal `sig` (`SIGUSR1`, `SIGRTMIN`, `SIGRT_3`), if
/// any.
fn signal_name(sig: i64) -> Option<String> {
    if !(1..=64).contains(&sig) {
        return None;
    }
    Some(sysbridge::signal::Signal::from_raw(sig as i32).to_string())
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

/// The text of a time structure for a return value's explanation (strace's
/// `sprint_timespec`): `NULL`, the address, or `{tv_sec=0, tv_nsec=99}`.
fn time_text(ctx: &mut Ctx<'_>, addr: u64, frac: Frac) -> String {
    if addr == 0 {
        return "NULL".into();
    }
    let mut b = [0u8; 16];
    if ctx.fetch(addr, &mut b) {
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

/// A descriptor as an array element (`[3, 4]` of `pipe`).
fn fd_elem(ctx: &mut Ctx<'_>, b: &[u8]) -> bool {
    ctx.fd(b.i32_at(0));
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::line::flags_text;
    use crate::decode::xlat_generated as x;

    #[test]
    fn aux_flags_carry_no_comment() {
        assert_eq!(flags_text(&x::FD_FLAGS, 1), "FD_CLOEXEC");
        assert_eq!(flags_text(&x::FD_FLAGS, 3), "FD_CLOEXEC|0x2");
        assert_eq!(flags_text(&x::FD_FLAGS, 2), "0x2");
    }

    #[test]
    fn signal_names() {
        assert_eq!(signal_name(10).as_deref(), Some("SIGUSR1"));
        assert_eq!(signal_name(34).as_deref(), Some("SIGRT_2"));
        assert_eq!(signal_name(0), None);
        assert_eq!(signal_name(65), None);
    }
}
