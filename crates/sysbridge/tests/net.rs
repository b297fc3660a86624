//! Sockets against independent peers: std's `TcpStream`, `TcpListener`, `UdpSocket`,
//! `UnixStream`, `UnixDatagram` on the other end; libc's `sendmsg` for descriptor
//! passing; the kernel's own ICMP echo and the loopback interface for raw and packet
//! sockets (as root; skipped loudly otherwise).

use std::io::{IoSlice, IoSliceMut, Read, Write};
use std::net::{
    Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6, TcpListener, TcpStream, UdpSocket,
};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{UnixDatagram, UnixListener, UnixStream};
use std::time::{Duration, Instant};

use sysbridge::net::{
    self, AddressFamily, ControlBuffer, ControlMessage, LinkAddr, MsgFlags, Protocol, SendControl,
    Shutdown, SockFlags, SocketAddrAny, SocketType, Ucred, UnixAddr, sockopt,
};
use sysbridge::{Errno, io};

fn tcp_socket(family: AddressFamily) -> OwnedFd {
    net::socket(
        family,
        SocketType::STREAM,
        SockFlags::CLOEXEC,
        Protocol::TCP,
    )
    .unwrap()
}

fn std_addr(addr: SocketAddrAny) -> SocketAddr {
    SocketAddr::try_from(addr).unwrap()
}

fn is_root() -> bool {
    sysbridge::process::geteuid().as_raw() == 0
}

#[test]
fn tcp_server_with_std_clients_v4_and_v6() {
    for (family, any) in [
        (AddressFamily::INET, "127.0.0.1:0"),
        (AddressFamily::INET6, "[::1]:0"),
    ] {
        let listener = tcp_socket(family);
        net::bind(&listener, any.parse::<SocketAddr>().unwrap()).unwrap();
        net::listen(&listener, 8).unwrap();
        let local = std_addr(net::getsockname(&listener).unwrap());
        assert_ne!(local.port(), 0);

        let mut client = TcpStream::connect(local).unwrap();
        let (conn, peer) = net::accept4_from(&listener, SockFlags::CLOEXEC).unwrap();
        assert_eq!(std_addr(peer), client.local_addr().unwrap());
        assert_eq!(
            std_addr(net::getpeername(&conn).unwrap()),
            client.local_addr().unwrap()
        );
        assert_eq!(
            std_addr(net::getsockname(&conn).unwrap()),
            client.peer_addr().unwrap()
        );

        client.write_all(b"hello from std").unwrap();
        let mut buf = [0u8; 14];
        assert_eq!(net::recv(&conn, &mut buf, MsgFlags::WAITALL), Ok(14));
        assert_eq!(&buf, b"hello from std");
        assert_eq!(net::send(&conn, b"reply", MsgFlags::NOSIGNAL), Ok(5));
        let mut reply = [0u8; 5];
        client.read_exact(&mut reply).unwrap();
        assert_eq!(&reply, b"reply");

        // Our shutdown is std's end of stream; std's is our zero-length receive.
        net::shutdown(&conn, Shutdown::Write).unwrap();
        assert_eq!(client.read(&mut reply).unwrap(), 0);
        client.shutdown(std::net::Shutdown::Write).unwrap();
        assert_eq!(net::recv(&conn, &mut buf, MsgFlags::empty()), Ok(0));
    }
}

#[test]
fn tcp_client_against_std_listener() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let sock = tcp_socket(AddressFamily::INET);
    net::connect(&sock, listener.local_addr().unwrap()).unwrap();
    let (mut server, peer) = listener.accept().unwrap();
    assert_eq!(SocketAddrAny::from(peer), net::getsockname(&sock).unwrap());
    net::send(&sock, b"ping", MsgFlags::empty()).unwrap();
    let mut buf = [0u8; 4];
    server.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"ping");
    // Peeking leaves the data for the next receive.
    server.write_all(b"pong").unwrap();
    assert_eq!(
        net::recv(&sock, &mut buf, MsgFlags::PEEK | MsgFlags::WAITALL),
        Ok(4)
    );
    assert_eq!(
        net::recvfrom(&sock, &mut buf, MsgFlags::empty())
            .unwrap()
            .len,
        4
    );
    assert_eq!(&buf, b"pong");
}

#[test]
fn tcp_errors() {
    // A port nobody listens on: bind one, note it, close it.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let sock = tcp_socket(AddressFamily::INET);
    assert_eq!(net::connect(&sock, closed), Err(Errno::ECONNREFUSED));
    let held = TcpListener::bind("127.0.0.1:0").unwrap();
    let again = tcp_socket(AddressFamily::INET);
    assert_eq!(
        net::bind(&again, held.local_addr().unwrap()),
        Err(Errno::EADDRINUSE)
    );
    assert_eq!(net::getpeername(&again), Err(Errno::ENOTCONN));
    let nonblocking = net::socket(
        AddressFamily::INET,
        SocketType::STREAM,
        SockFlags::CLOEXEC | SockFlags::NONBLOCK,
        Protocol::DEFAULT,
    )
    .unwrap();
    net::bind(&nonblocking, "127.0.0.1:0".parse::<SocketAddr>().unwrap()).unwrap();
    net::listen(&nonblocking, 1).unwrap();
    assert_eq!(
        net::accept4(&nonblocking, SockFlags::CLOEXEC).err(),
        Some(Errno::EAGAIN)
    );
    // The kernel refuses an address of the wrong family.
    let v6 = SocketAddr::from((Ipv6Addr::LOCALHOST, 0));
    assert_eq!(net::bind(&sock, v6), Err(Errno::EAFNOSUPPORT));
}

#[test]
fn udp_against_std() {
    let peer = UdpSocket::bind("127.0.0.1:0").unwrap();
    let ours = net::socket(
        AddressFamily::INET,
        SocketType::DGRAM,
        SockFlags::CLOEXEC,
        Protocol::UDP,
    )
    .unwrap();
    net::bind(&ours, "127.0.0.1:0".parse::<SocketAddr>().unwrap()).unwrap();
    let our_addr = std_addr(net::getsockname(&ours).unwrap());

    assert_eq!(
        net::sendto(
            &ours,
            b"datagram",
            MsgFlags::empty(),
            peer.local_addr().unwrap()
        ),
        Ok(8)
    );
    let mut buf = [0u8; 16];
    let (n, from) = peer.recv_from(&mut buf).unwrap();
    assert_eq!((&buf[..n], from), (&b"datagram"[..], our_addr));

    peer.send_to(b"0123456789", our_addr).unwrap();
    let mut small = [0u8; 4];
    // MSG_TRUNC: the datagram's real length, though only 4 bytes fit.
    let got = net::recvfrom(&ours, &mut small, MsgFlags::TRUNC).unwrap();
    assert_eq!(got.len, 10);
    assert_eq!(
        got.addr,
        Some(SocketAddrAny::from(peer.local_addr().unwrap()))
    );
    assert_eq!(&small, b"0123");

    // Several datagrams per call, both ways.
    net::connect(&ours, peer.local_addr().unwrap()).unwrap();
    let out = [
        IoSlice::new(b"a"),
        IoSlice::new(b"bb"),
        IoSlice::new(b"ccc"),
    ];
    assert_eq!(net::sendmmsg(&ours, None, &out, MsgFlags::empty()), Ok(3));
    for expect in [&b"a"[..], b"bb", b"ccc"] {
        let n = peer.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], expect);
    }
    for d in [&b"x"[..], b"yy"] {
        peer.send_to(d, our_addr).unwrap();
    }
    let (mut a, mut b, mut c) = ([0u8; 4], [0u8; 4], [0u8; 4]);
    let mut bufs = [
        IoSliceMut::new(&mut a),
        IoSliceMut::new(&mut b),
        IoSliceMut::new(&mut c),
    ];
    let got = net::recvmmsg(&ours, &mut bufs, MsgFlags::WAITFORONE, None).unwrap();
    assert_eq!(got.iter().map(|r| r.len).collect::<Vec<_>>(), [1, 2]);
    assert!(
        got.iter()
            .all(|r| r.addr == Some(SocketAddrAny::from(peer.local_addr().unwrap())))
    );
    assert_eq!((&a[..1], &b[..2]), (&b"x"[..], &b"yy"[..]));
}

#[test]
fn unix_stream_path_with_std() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sock");
    let listener = net::socket(
        AddressFamily::UNIX,
        SocketType::STREAM,
        SockFlags::CLOEXEC,
        Protocol::DEFAULT,
    )
    .unwrap();
    let addr = UnixAddr::new(&path).unwrap();
    net::bind(&listener, addr).unwrap();
    net::listen(&listener, 4).unwrap();
    assert_eq!(net::getsockname(&listener), Ok(SocketAddrAny::Unix(addr)));

    let mut client = UnixStream::connect(&path).unwrap();
    let (conn, peer) = net::accept4_from(&listener, SockFlags::CLOEXEC).unwrap();
    let SocketAddrAny::Unix(peer) = peer else {
        panic!("{peer:?}")
    };
    assert!(peer.is_unnamed(), "{peer:?}");
    client.write_all(b"over unix").unwrap();
    let mut buf = [0u8; 9];
    assert_eq!(net::recv(&conn, &mut buf, MsgFlags::WAITALL), Ok(9));
    assert_eq!(&buf, b"over unix");
    // Credentials of the peer: this very process.
    let cred = sockopt::peercred(&conn).unwrap();
    assert_eq!(cred.pid as u32, std::process::id());
    assert_eq!(cred.uid, sysbridge::process::getuid().as_raw());

    // Our client against std's listener.
    let path2 = dir.path().join("t.sock");
    let std_listener = UnixListener::bind(&path2).unwrap();
    let ours = net::socket(
        AddressFamily::UNIX,
        SocketType::STREAM,
        SockFlags::CLOEXEC,
        Protocol::DEFAULT,
    )
    .unwrap();
    net::connect(&ours, UnixAddr::new(&path2).unwrap()).unwrap();
    let (mut accepted, _) = std_listener.accept().unwrap();
    net::send(&ours, b"hi", MsgFlags::empty()).unwrap();
    let mut two = [0u8; 2];
    accepted.read_exact(&mut two).unwrap();
    assert_eq!(&two, b"hi");
    assert_eq!(
        net::getpeername(&ours),
        Ok(SocketAddrAny::Unix(UnixAddr::new(&path2).unwrap()))
    );
}

#[test]
fn unix_abstract_names_with_std() {
    let name = format!("sysbridge-test-{}", std::process::id());
    let ours = net::socket(
        AddressFamily::UNIX,
        SocketType::DGRAM,
        SockFlags::CLOEXEC,
        Protocol::DEFAULT,
    )
    .unwrap();
    let addr = UnixAddr::new_abstract(name.as_bytes()).unwrap();
    net::bind(&ours, addr).unwrap();
    let SocketAddrAny::Unix(bound) = net::getsockname(&ours).unwrap() else {
        panic!()
    };
    assert_eq!(bound.abstract_name(), Some(name.as_bytes()));

    let std_addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
    let peer = UnixDatagram::unbound().unwrap();
    peer.send_to_addr(b"abstract", &std_addr).unwrap();
    let mut buf = [0u8; 16];
    let got = net::recvfrom(&ours, &mut buf, MsgFlags::empty()).unwrap();
    assert_eq!(&buf[..got.len], b"abstract");

    // Our datagram to std's abstract-named socket, from an autobound name.
    let theirs_name = format!("sysbridge-test-std-{}", std::process::id());
    let theirs = UnixDatagram::bind_addr(
        &std::os::unix::net::SocketAddr::from_abstract_name(theirs_name.as_bytes()).unwrap(),
    )
    .unwrap();
    let sender = net::socket(
        AddressFamily::UNIX,
        SocketType::DGRAM,
        SockFlags::CLOEXEC,
        Protocol::DEFAULT,
    )
    .unwrap();
    net::bind(&sender, UnixAddr::unnamed()).unwrap(); // autobind: an abstract name
    let SocketAddrAny::Unix(auto) = net::getsockname(&sender).unwrap() else {
        panic!()
    };
    assert!(auto.is_abstract(), "{auto:?}");
    let to = UnixAddr::new_abstract(theirs_name.as_bytes()).unwrap();
    net::sendto(&sender, b"back", MsgFlags::empty(), to).unwrap();
    let (n, from) = theirs.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"back");
    assert_eq!(from.as_abstract_name(), auto.abstract_name());
}

#[test]
fn socketpair_kinds() {
    for ty in [SocketType::STREAM, SocketType::DGRAM, SocketType::SEQPACKET] {
        let (a, b) = net::socketpair(
            AddressFamily::UNIX,
            ty,
            SockFlags::CLOEXEC,
            Protocol::DEFAULT,
        )
        .unwrap();
        assert_eq!(sockopt::socket_type(&a), Ok(ty));
        io::write(&a, b"x").unwrap();
        assert_eq!(io::read(&b, &mut [0u8; 4]), Ok(1));
    }
    let inet = net::socketpair(
        AddressFamily::INET,
        SocketType::STREAM,
        SockFlags::CLOEXEC,
        Protocol::DEFAULT,
    );
    assert_eq!(inet.err(), Some(Errno::EOPNOTSUPP));
}

#[test]
fn scm_rights_pass_working_descriptors() {
    let (a, b) = net::socketpair(
        AddressFamily::UNIX,
        SocketType::STREAM,
        SockFlags::CLOEXEC,
        Protocol::DEFAULT,
    )
    .unwrap();
    let (pipe_r, pipe_w) = sysbridge::fd::pipe2(sysbridge::fd::PipeFlags::CLOEXEC).unwrap();
    let fds = [pipe_w.as_fd(), pipe_r.as_fd()];
    let sent = net::sendmsg(
        &a,
        None,
        &[IoSlice::new(b"fds")],
        &[SendControl::Rights(&fds)],
        MsgFlags::empty(),
    );
    assert_eq!(sent, Ok(3));
    let mut control = ControlBuffer::for_fds(2);
    let mut data = [0u8; 3];
    let got = net::recvmsg(
        &b,
        &mut [IoSliceMut::new(&mut data)],
        &mut control,
        MsgFlags::empty(),
    )
    .unwrap();
    assert_eq!((got.len, got.flags), (3, MsgFlags::empty()));
    let mut received: Vec<OwnedFd> = Vec::new();
    for message in control.messages() {
        match message {
            ControlMessage::Rights(fds) => received.extend(fds),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(received.len(), 2);
    // New numbers for the same pipe, close-on-exec by default.
    assert_ne!(received[0].as_raw_fd(), pipe_w.as_raw_fd());
    assert_eq!(
        sysbridge::fd::fcntl_getfd(&received[0]),
        Ok(sysbridge::fd::FdFlags::CLOEXEC)
    );
    io::write(&received[0], b"through").unwrap();
    let mut buf = [0u8; 7];
    assert_eq!(io::read(&received[1], &mut buf), Ok(7));
    assert_eq!(&buf, b"through");
}

/// Sends `count` copies of `fd` with libc's `sendmsg` and its `CMSG_*` macros: an
/// independent encoder of `SCM_RIGHTS`.
fn libc_send_fds(sock: &OwnedFd, fd: &OwnedFd, count: usize) {
    let raw: Vec<i32> = vec![fd.as_raw_fd(); count];
    let data_len = (count * 4) as u32;
    // SAFETY: CMSG_SPACE is a pure computation.
    let space = unsafe { libc::CMSG_SPACE(data_len) } as usize;
    let mut control = vec![0u64; space.div_ceil(8)];
    let mut byte = *b"!";
    let mut iov = libc::iovec {
        iov_base: byte.as_mut_ptr().cast(),
        iov_len: 1,
    };
    // SAFETY: an all-zero msghdr is valid; the fields set below point to live buffers.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = space;
    // SAFETY: the control buffer has room for one header and `count` ints.
    unsafe {
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        (*cmsg).cmsg_level = libc::SOL_SOCKET;
        (*cmsg).cmsg_type = libc::SCM_RIGHTS;
        (*cmsg).cmsg_len = libc::CMSG_LEN(data_len) as usize;
        std::ptr::copy_nonoverlapping(raw.as_ptr(), libc::CMSG_DATA(cmsg).cast::<i32>(), count);
        assert_eq!(libc::sendmsg(sock.as_raw_fd(), &msg, 0), 1);
    }
}

/// Receives a one-byte message with its control messages.
fn recv_byte(sock: &OwnedFd, control: &mut ControlBuffer) -> Result<net::RecvMsg, Errno> {
    let mut byte = [0u8; 1];
    net::recvmsg(
        sock,
        &mut [IoSliceMut::new(&mut byte)],
        control,
        MsgFlags::empty(),
    )
}

#[test]
fn truncated_rights_never_leak_and_untaken_fds_are_closed() {
    let (a, b) = net::socketpair(
        AddressFamily::UNIX,
        SocketType::DGRAM,
        SockFlags::CLOEXEC,
        Protocol::DEFAULT,
    )
    .unwrap();
    let file: OwnedFd = std::fs::File::open("/dev/null").unwrap().into();
    // Descriptors of other tests' threads come and go; count ours through fstat of
    // /dev/null's inode instead of the whole table.
    let null_ino = sysbridge::fs::fstat(&file).unwrap().st_ino;
    let count_null = || {
        std::fs::read_dir("/proc/self/fd")
            .unwrap()
            .filter_map(|e| std::fs::metadata(e.ok()?.path()).ok())
            .filter(|m| std::os::unix::fs::MetadataExt::ino(m) == null_ino)
            .count()
    };
    let before = count_null();

    // Five sent, room for two (CMSG_SPACE(4) is 24 bytes: the padding fits a second
    // int): MSG_CTRUNC, two installed, three closed by the kernel.
    libc_send_fds(&a, &file, 5);
    let mut control = ControlBuffer::for_fds(1);
    let got = recv_byte(&b, &mut control).unwrap();
    assert!(got.flags.contains(MsgFlags::CTRUNC), "{:?}", got.flags);
    assert_eq!(count_null(), before + 2);
    let fds: Vec<OwnedFd> = control
        .messages()
        .flat_map(|m| match m {
            ControlMessage::Rights(fds) => fds.collect::<Vec<_>>(),
            _ => Vec::new(),
        })
        .collect();
    assert_eq!(fds.len(), 2);
    drop(fds);
    assert_eq!(count_null(), before);

    // Three received and never taken: the buffer closes them when reused and dropped.
    libc_send_fds(&a, &file, 3);
    let mut roomy = ControlBuffer::for_fds(8);
    recv_byte(&b, &mut roomy).unwrap();
    assert_eq!(count_null(), before + 3);
    libc_send_fds(&a, &file, 2);
    recv_byte(&b, &mut roomy).unwrap();
    assert_eq!(count_null(), before + 2);
    drop(roomy);
    assert_eq!(count_null(), before);

    // No room at all: the kernel closes them all.
    libc_send_fds(&a, &file, 2);
    let mut none = ControlBuffer::default();
    let got = recv_byte(&b, &mut none).unwrap();
    assert!(got.flags.contains(MsgFlags::CTRUNC));
    assert_eq!(none.messages().count(), 0);
    assert_eq!(count_null(), before);
}

#[test]
fn scm_credentials_are_checked_and_received() {
    let (a, b) = net::socketpair(
        AddressFamily::UNIX,
        SocketType::DGRAM,
        SockFlags::CLOEXEC,
        Protocol::DEFAULT,
    )
    .unwrap();
    sockopt::set_passcred(&b, true).unwrap();
    assert_eq!(sockopt::passcred(&b), Ok(true));
    let me = Ucred {
        pid: std::process::id() as i32,
        uid: sysbridge::process::getuid().as_raw(),
        gid: sysbridge::process::getgid().as_raw(),
    };
    net::sendmsg(
        &a,
        None,
        &[IoSlice::new(b"c")],
        &[SendControl::Credentials(me)],
        MsgFlags::empty(),
    )
    .unwrap();
    let mut control = ControlBuffer::with_capacity(net::cmsg_space(12));
    recv_byte(&b, &mut control).unwrap();
    let creds: Vec<Ucred> = control
        .messages()
        .filter_map(|m| match m {
            ControlMessage::Credentials(c) => Some(c),
            _ => None,
        })
        .collect();
    assert_eq!(creds, [me]);
    // Someone else's pid is refused, unless privileged.
    let other = Ucred { pid: 1, ..me };
    let refused = net::sendmsg(
        &a,
        None,
        &[IoSlice::new(b"c")],
        &[SendControl::Credentials(other)],
        MsgFlags::empty(),
    );
    if is_root() {
        assert_eq!(refused, Ok(1));
    } else {
        assert_eq!(refused, Err(Errno::EPERM));
    }
}

#[test]
fn kernel_addresses_match_std() {
    // The kernel's view of bound addresses, decoded by us, equals std's.
    for text in ["127.0.0.1:0", "[::1]:0"] {
        let std_sock = UdpSocket::bind(text).unwrap();
        assert_eq!(
            std_addr(net::getsockname(&std_sock).unwrap()),
            std_sock.local_addr().unwrap()
        );
    }
    let v6 = SocketAddrV6::new(Ipv6Addr::LOCALHOST, 0, 0, 0);
    let s = net::socket(
        AddressFamily::INET6,
        SocketType::DGRAM,
        SockFlags::CLOEXEC,
        Protocol::UDP,
    )
    .unwrap();
    net::bind(&s, v6).unwrap();
    let SocketAddrAny::V6(bound) = net::getsockname(&s).unwrap() else {
        panic!()
    };
    assert_eq!(*bound.ip(), Ipv6Addr::LOCALHOST);
    let v4 = SocketAddrV4::new(Ipv4Addr::new(127, 0, 0, 1), 0);
    assert_eq!(
        SocketAddr::try_from(SocketAddrAny::from(v4)),
        Ok(SocketAddr::V4(v4))
    );
    let unix = SocketAddrAny::from(UnixAddr::new("/x").unwrap());
    assert_eq!(SocketAddr::try_from(unix), Err(Errno::EAFNOSUPPORT));
}

proptest::proptest! {
    #[test]
    fn std_addresses_convert_both_ways(
        ip in proptest::num::u128::ANY, v4 in proptest::num::u32::ANY, port in proptest::num::u16::ANY,
        flow in proptest::num::u32::ANY, scope in proptest::num::u32::ANY,
    ) {
        for addr in [
            SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::from(v4), port)),
            SocketAddr::V6(SocketAddrV6::new(Ipv6Addr::from(ip), port, flow, scope)),
        ] {
            proptest::prop_assert_eq!(SocketAddr::try_from(SocketAddrAny::from(addr)), Ok(addr));
        }
    }
}

/// A raw socket of `family`, or `None` (said loudly) without `CAP_NET_RAW`.
fn privileged(family: AddressFamily, protocol: Protocol, what: &str) -> Option<OwnedFd> {
    match net::socket(family, SocketType::RAW, SockFlags::CLOEXEC, protocol) {
        Ok(sock) => Some(sock),
        Err(Errno::EPERM | Errno::EACCES) => {
            eprintln!("SKIPPED: {what} need CAP_NET_RAW (run as root)");
            None
        }
        Err(e) => panic!("socket: {e}"),
    }
}

/// The internet checksum (RFC 1071).
fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = data
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

#[test]
fn raw_icmp_echo_to_localhost_is_answered() {
    let Some(sock) = privileged(AddressFamily::INET, Protocol::ICMP, "raw ICMP sockets") else {
        return;
    };
    sockopt::set_rcvtimeo(&sock, Some(Duration::from_secs(2))).unwrap();
    let id = (std::process::id() & 0xffff) as u16;
    let mut request = vec![8u8, 0, 0, 0];
    request.extend(id.to_be_bytes());
    request.extend(7u16.to_be_bytes());
    request.extend(b"sysbridge ping payload");
    let sum = checksum(&request);
    request[2..4].copy_from_slice(&sum.to_be_bytes());
    let to = SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0);
    assert_eq!(
        net::sendto(&sock, &request, MsgFlags::empty(), to),
        Ok(request.len())
    );
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut buf = [0u8; 1500];
    loop {
        assert!(Instant::now() < deadline, "no echo reply");
        let got = net::recvfrom(&sock, &mut buf, MsgFlags::empty()).unwrap();
        let ihl = usize::from(buf[0] & 0xf) * 4;
        let icmp = &buf[ihl..got.len];
        // The raw socket also sees our own request go by; wait for the reply.
        if icmp[0] == 0 && icmp[4..6] == id.to_be_bytes() {
            assert_eq!(&icmp[6..8], &7u16.to_be_bytes());
            assert_eq!(&icmp[8..], b"sysbridge ping payload");
            assert_eq!(checksum(icmp), 0, "reply checksum");
            assert_eq!(got.addr, Some(SocketAddrAny::V4(to)));
            return;
        }
    }
}

fn lo_index() -> i32 {
    std::fs::read_to_string("/sys/class/net/lo/ifindex")
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn packet_socket_captures_on_lo() {
    let Some(sock) = privileged(AddressFamily::PACKET, Protocol::ETH_ALL, "packet sockets") else {
        return;
    };
    let lo = lo_index();
    net::bind(&sock, LinkAddr::new(lo, 0x0003)).unwrap();
    sockopt::set_rcvtimeo(&sock, Some(Duration::from_secs(2))).unwrap();
    let marker = format!("sysbridge-capture-{}", std::process::id());
    let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .send_to(marker.as_bytes(), rx.local_addr().unwrap())
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut frame = [0u8; 65536];
    loop {
        assert!(Instant::now() < deadline, "the datagram was not captured");
        let got = net::recvfrom(&sock, &mut frame, MsgFlags::empty()).unwrap();
        let data = &frame[..got.len];
        if data.windows(marker.len()).any(|w| w == marker.as_bytes()) {
            let Some(SocketAddrAny::Link(link)) = got.addr else {
                panic!("{:?}", got.addr)
            };
            assert_eq!(link.ifindex, lo);
            assert_eq!(link.protocol, 0x0800, "IPv4 ethertype");
            // Ethernet header (14 bytes of zero addresses on lo), then IPv4.
            assert_eq!(&data[12..14], &[0x08, 0x00]);
            assert_eq!(data[14] >> 4, 4);
            return;
        }
    }
}
