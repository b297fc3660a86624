//! Which net and event wrappers run the blocking-call hooks (Go's `Syscall`) and which
//! do not (`RawSyscall`): calls that may wait do, set-up calls do not, as the
//! module documentation and the table in `raw` say.
//!
//! This binary holds one test: the hooks are process-wide.

use std::io::{IoSlice, IoSliceMut};
use std::net::SocketAddr;
use std::os::fd::AsFd;
use std::sync::Mutex;

use sysbridge::event::*;
use sysbridge::net::{
    self, AddressFamily, ControlBuffer, MsgFlags, Protocol, SockFlags, SocketType, sockopt,
};
use sysbridge::raw::{Hooks, set_hooks};
use sysbridge::time::{ClockId, Timespec};
use sysbridge::{Errno, Sysno};

static SEEN: Mutex<Vec<Sysno>> = Mutex::new(Vec::new());

fn enter(nr: Sysno) {
    SEEN.lock().unwrap().push(nr);
}
fn exit(_: Sysno, _: Result<usize, Errno>) {}
static HOOKS: Hooks = Hooks { enter, exit };

/// The system calls that ran hooks during `f`.
fn hooked(f: impl FnOnce()) -> Vec<Sysno> {
    SEEN.lock().unwrap().clear();
    let previous = set_hooks(Some(&HOOKS));
    f();
    set_hooks(previous);
    std::mem::take(&mut *SEEN.lock().unwrap())
}

#[test]
fn waiting_calls_run_hooks_and_set_up_calls_do_not() {
    let cloexec = SockFlags::CLOEXEC;
    let mut listener = None;
    let mut ep = None;
    let mut timer = None;
    let set_up = hooked(|| {
        let l = net::socket(
            AddressFamily::INET,
            SocketType::STREAM,
            cloexec,
            Protocol::TCP,
        )
        .unwrap();
        sockopt::set_reuseaddr(&l, true).unwrap();
        sockopt::reuseaddr(&l).unwrap();
        net::bind(&l, "127.0.0.1:0".parse::<SocketAddr>().unwrap()).unwrap();
        net::listen(&l, 4).unwrap();
        net::getsockname(&l).unwrap();
        net::getpeername(&l).unwrap_err();
        net::socketpair(
            AddressFamily::UNIX,
            SocketType::STREAM,
            cloexec,
            Protocol::DEFAULT,
        )
        .unwrap();
        let e = epoll_create1(EpollCreateFlags::CLOEXEC).unwrap();
        epoll_add(&e, &l, EpollEvent::new(EpollFlags::IN, 0)).unwrap();
        epoll_mod(&e, &l, EpollEvent::new(EpollFlags::IN, 1)).unwrap();
        eventfd(0, EfdFlags::CLOEXEC).unwrap();
        let t = timerfd_create(ClockId::Monotonic, TfdFlags::CLOEXEC).unwrap();
        let soon = Itimerspec {
            value: Timespec {
                tv_sec: 0,
                tv_nsec: 1_000_000,
            },
            ..Itimerspec::default()
        };
        timerfd_settime(&t, TimerFlags::empty(), &soon).unwrap();
        timerfd_gettime(&t).unwrap();
        inotify_init1(InotifyFlags::CLOEXEC).unwrap();
        listener = Some(l);
        ep = Some(e);
        timer = Some(t);
    });
    assert_eq!(set_up, [], "set-up calls must not run hooks");

    let (listener, ep, timer) = (listener.unwrap(), ep.unwrap(), timer.unwrap());
    let addr = SocketAddr::try_from(net::getsockname(&listener).unwrap()).unwrap();
    let (a, b) = net::socketpair(
        AddressFamily::UNIX,
        SocketType::STREAM,
        cloexec,
        Protocol::DEFAULT,
    )
    .unwrap();
    let waiting = hooked(|| {
        let c = net::socket(
            AddressFamily::INET,
            SocketType::STREAM,
            cloexec,
            Protocol::TCP,
        )
        .unwrap();
        net::connect(&c, addr).unwrap();
        let conn = net::accept4(&listener, cloexec).unwrap();
        net::send(&c, b"x", MsgFlags::empty()).unwrap();
        net::recv(&conn, &mut [0u8; 1], MsgFlags::empty()).unwrap();
        net::shutdown(&c, net::Shutdown::Write).unwrap();
        net::sendmsg(&a, None, &[IoSlice::new(b"y")], &[], MsgFlags::empty()).unwrap();
        let mut control = ControlBuffer::default();
        net::recvmsg(
            &b,
            &mut [IoSliceMut::new(&mut [0u8; 1])],
            &mut control,
            MsgFlags::empty(),
        )
        .unwrap();
        epoll_wait(&ep, &mut [EpollEvent::default(); 1], 0).unwrap();
        poll(&mut [PollFd::new(a.as_fd(), PollFlags::OUT)], 0).unwrap();
        timerfd_read(&timer).unwrap();
    });
    let names: Vec<&str> = waiting.iter().map(|s| s.name()).collect();
    assert_eq!(
        names,
        [
            "connect",
            "accept4",
            "sendto",
            "recvfrom",
            "shutdown",
            "sendmsg",
            "recvmsg",
            "epoll_wait",
            "poll",
            "read"
        ]
    );
}
