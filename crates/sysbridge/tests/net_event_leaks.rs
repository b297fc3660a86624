//! No descriptor is leaked by the net and event wrappers, on success or on error: the
//! number of entries in `/proc/self/fd` is the same before and after many rounds of
//! each call, truncated `SCM_RIGHTS` receptions and undrained control buffers
//! included.
//!
//! This binary holds one test, so no other test thread opens descriptors meanwhile.

use std::io::{IoSlice, IoSliceMut};
use std::net::SocketAddr;
use std::os::fd::{AsFd, OwnedFd};

use sysbridge::Errno;
use sysbridge::event::*;
use sysbridge::net::{
    self, AddressFamily, ControlBuffer, ControlMessage, MsgFlags, Protocol, SendControl, SockFlags,
    SocketType,
};
use sysbridge::time::ClockId;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc is mounted")
        .count()
}

fn unix_pair(ty: SocketType) -> (OwnedFd, OwnedFd) {
    net::socketpair(
        AddressFamily::UNIX,
        ty,
        SockFlags::CLOEXEC,
        Protocol::DEFAULT,
    )
    .unwrap()
}

fn round() {
    let cloexec = SockFlags::CLOEXEC;
    // Creation, success and failure.
    drop(
        net::socket(
            AddressFamily::INET,
            SocketType::STREAM,
            cloexec,
            Protocol::TCP,
        )
        .unwrap(),
    );
    let bad_family = net::socket(
        AddressFamily(4242),
        SocketType::STREAM,
        cloexec,
        Protocol::DEFAULT,
    );
    assert_eq!(bad_family.err(), Some(Errno::EAFNOSUPPORT));
    let bad_pair = net::socketpair(
        AddressFamily::INET,
        SocketType::STREAM,
        cloexec,
        Protocol::DEFAULT,
    );
    assert!(bad_pair.is_err());

    // Listening, accepting (with and without a peer), refused connections.
    let listener = net::socket(
        AddressFamily::INET,
        SocketType::STREAM,
        cloexec | SockFlags::NONBLOCK,
        Protocol::TCP,
    )
    .unwrap();
    net::bind(&listener, "127.0.0.1:0".parse::<SocketAddr>().unwrap()).unwrap();
    net::listen(&listener, 4).unwrap();
    assert_eq!(net::accept4(&listener, cloexec).err(), Some(Errno::EAGAIN));
    assert_eq!(
        net::accept4_from(&listener, cloexec).err(),
        Some(Errno::EAGAIN)
    );
    let addr = net::getsockname(&listener).unwrap();
    let client = std::net::TcpStream::connect(SocketAddr::try_from(addr).unwrap()).unwrap();
    drop(net::accept4_from(&listener, cloexec).unwrap());
    drop(client);
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let refused = net::socket(
        AddressFamily::INET,
        SocketType::STREAM,
        cloexec,
        Protocol::TCP,
    )
    .unwrap();
    assert_eq!(net::connect(&refused, closed), Err(Errno::ECONNREFUSED));

    // Descriptor passing: taken, left in the buffer, cut short, refused.
    let (a, b) = unix_pair(SocketType::DGRAM);
    let file: OwnedFd = std::fs::File::open("/dev/null").unwrap().into();
    let three = [file.as_fd(), file.as_fd(), file.as_fd()];
    let rights = [SendControl::Rights(&three)];
    let mut byte = [0u8; 1];
    for room in [3, 1, 0] {
        net::sendmsg(&a, None, &[IoSlice::new(b"x")], &rights, MsgFlags::empty()).unwrap();
        let mut control = ControlBuffer::for_fds(room);
        net::recvmsg(
            &b,
            &mut [IoSliceMut::new(&mut byte)],
            &mut control,
            MsgFlags::empty(),
        )
        .unwrap();
        if room == 3 {
            // Take one; the others stay with the buffer, which closes them.
            if let Some(ControlMessage::Rights(mut fds)) = control.messages().next() {
                drop(fds.next());
            }
        }
    }
    let too_many: Vec<_> = (0..300).map(|_| file.as_fd()).collect();
    let refused = net::sendmsg(
        &a,
        None,
        &[IoSlice::new(b"x")],
        &[SendControl::Rights(&too_many)],
        MsgFlags::empty(),
    );
    assert_eq!(refused, Err(Errno::EINVAL));

    // Event descriptors, success and failure.
    drop(epoll_create1(EpollCreateFlags::CLOEXEC).unwrap());
    assert!(epoll_create1(EpollCreateFlags::from_bits_retain(1)).is_err());
    drop(eventfd(0, EfdFlags::CLOEXEC).unwrap());
    assert!(eventfd(0, EfdFlags::from_bits_retain(0x4000_0000)).is_err());
    drop(timerfd_create(ClockId::Monotonic, TfdFlags::CLOEXEC).unwrap());
    assert!(timerfd_create(ClockId::ProcessCputime, TfdFlags::CLOEXEC).is_err());
    let ino = inotify_init1(InotifyFlags::CLOEXEC).unwrap();
    assert_eq!(
        inotify_add_watch(&ino, "/no/such/dir", WatchMask::CREATE).err(),
        Some(Errno::ENOENT)
    );
    assert!(inotify_init1(InotifyFlags::from_bits_retain(1)).is_err());
}

#[test]
fn no_descriptor_leaks() {
    round();
    let before = open_fds();
    for _ in 0..100 {
        round();
    }
    assert_eq!(open_fds(), before);
}
