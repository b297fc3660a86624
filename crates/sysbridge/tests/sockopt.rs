//! Every typed socket option, set then read back, each value checked against libc's
//! `getsockopt` (an independent reader of the same kernel state) and, where the
//! option changes behaviour, against that behaviour: binds that do or do not collide,
//! receives that time out, filters that drop, `/proc/net/tcp` states, interface flags.

use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::time::{Duration, Instant};

use sysbridge::Errno;
use sysbridge::net::sockopt::{self, IfName, PacketMreq};
use sysbridge::net::{self, AddressFamily, MsgFlags, Protocol, SockFilter, SockFlags, SocketType};

fn sock(family: AddressFamily, ty: SocketType) -> OwnedFd {
    net::socket(family, ty, SockFlags::CLOEXEC, Protocol::DEFAULT).unwrap()
}

fn tcp() -> OwnedFd {
    sock(AddressFamily::INET, SocketType::STREAM)
}

/// libc's `getsockopt` of an `int` option: the oracle.
fn libc_int(fd: impl AsFd, level: i32, name: i32) -> i32 {
    let mut value = 0i32;
    let mut len = size_of::<i32>() as libc::socklen_t;
    // SAFETY: `value` and `len` are valid for writes of an int and a socklen_t.
    let r = unsafe {
        libc::getsockopt(
            fd.as_fd().as_raw_fd(),
            level,
            name,
            (&raw mut value).cast(),
            &mut len,
        )
    };
    assert_eq!(r, 0, "libc getsockopt({level}, {name})");
    value
}

/// A `SOCK_RAW` socket, or `None` (said loudly) without `CAP_NET_RAW`.
fn raw_socket(family: AddressFamily, protocol: Protocol) -> Option<OwnedFd> {
    let result = net::socket(family, SocketType::RAW, SockFlags::CLOEXEC, protocol);
    if let Err(Errno::EPERM | Errno::EACCES) = result {
        eprintln!("SKIPPED: raw and packet sockets need CAP_NET_RAW (run as root)");
        return None;
    }
    Some(result.unwrap())
}

fn is_root() -> bool {
    sysbridge::process::geteuid().as_raw() == 0
}

/// Sets each boolean option on, then off, checking ours and libc's reading each time.
#[test]
fn boolean_options_round_trip() {
    type Set = fn(std::os::fd::BorrowedFd<'_>, bool) -> Result<(), Errno>;
    type Get = fn(std::os::fd::BorrowedFd<'_>) -> Result<bool, Errno>;
    let cases: [(&str, Set, Get, i32, i32, AddressFamily); 7] = [
        (
            "SO_REUSEADDR",
            |f, v| sockopt::set_reuseaddr(f, v),
            |f| sockopt::reuseaddr(f),
            libc::SOL_SOCKET,
            libc::SO_REUSEADDR,
            AddressFamily::INET,
        ),
        (
            "SO_REUSEPORT",
            |f, v| sockopt::set_reuseport(f, v),
            |f| sockopt::reuseport(f),
            libc::SOL_SOCKET,
            libc::SO_REUSEPORT,
            AddressFamily::INET,
        ),
        (
            "SO_KEEPALIVE",
            |f, v| sockopt::set_keepalive(f, v),
            |f| sockopt::keepalive(f),
            libc::SOL_SOCKET,
            libc::SO_KEEPALIVE,
            AddressFamily::INET,
        ),
        (
            "SO_PASSCRED",
            |f, v| sockopt::set_passcred(f, v),
            |f| sockopt::passcred(f),
            libc::SOL_SOCKET,
            libc::SO_PASSCRED,
            AddressFamily::UNIX,
        ),
        (
            "TCP_NODELAY",
            |f, v| sockopt::set_tcp_nodelay(f, v),
            |f| sockopt::tcp_nodelay(f),
            libc::IPPROTO_TCP,
            libc::TCP_NODELAY,
            AddressFamily::INET,
        ),
        (
            "TCP_CORK",
            |f, v| sockopt::set_tcp_cork(f, v),
            |f| sockopt::tcp_cork(f),
            libc::IPPROTO_TCP,
            libc::TCP_CORK,
            AddressFamily::INET,
        ),
        (
            "IPV6_V6ONLY",
            |f, v| sockopt::set_ipv6_v6only(f, v),
            |f| sockopt::ipv6_v6only(f),
            libc::IPPROTO_IPV6,
            libc::IPV6_V6ONLY,
            AddressFamily::INET6,
        ),
    ];
    for (name, set, get, level, opt, family) in cases {
        let s = sock(family, SocketType::STREAM);
        for value in [true, false, true] {
            set(s.as_fd(), value).unwrap();
            assert_eq!(get(s.as_fd()), Ok(value), "{name}");
            assert_eq!(libc_int(&s, level, opt) != 0, value, "{name} through libc");
        }
    }
}

#[test]
fn integer_options_round_trip() {
    let s = tcp();
    sockopt::set_tcp_keepidle(&s, 77).unwrap();
    sockopt::set_tcp_keepintvl(&s, 11).unwrap();
    sockopt::set_tcp_keepcnt(&s, 5).unwrap();
    assert_eq!(sockopt::tcp_keepidle(&s), Ok(77));
    assert_eq!(sockopt::tcp_keepintvl(&s), Ok(11));
    assert_eq!(sockopt::tcp_keepcnt(&s), Ok(5));
    assert_eq!(libc_int(&s, libc::IPPROTO_TCP, libc::TCP_KEEPIDLE), 77);
    assert_eq!(libc_int(&s, libc::IPPROTO_TCP, libc::TCP_KEEPINTVL), 11);
    assert_eq!(libc_int(&s, libc::IPPROTO_TCP, libc::TCP_KEEPCNT), 5);
    assert_eq!(sockopt::set_tcp_keepcnt(&s, 0), Err(Errno::EINVAL));
    assert_eq!(sockopt::set_tcp_keepidle(&s, u32::MAX), Err(Errno::EINVAL));

    // Linux doubles the buffer sizes it is given.
    sockopt::set_rcvbuf(&s, 65536).unwrap();
    sockopt::set_sndbuf(&s, 32768).unwrap();
    assert_eq!(sockopt::rcvbuf(&s), Ok(131072));
    assert_eq!(sockopt::sndbuf(&s), Ok(65536));
    assert_eq!(libc_int(&s, libc::SOL_SOCKET, libc::SO_RCVBUF), 131072);
    assert_eq!(libc_int(&s, libc::SOL_SOCKET, libc::SO_SNDBUF), 65536);

    sockopt::set_incoming_cpu(&s, 1).unwrap();
    assert_eq!(sockopt::incoming_cpu(&s), Ok(1));
    assert_eq!(libc_int(&s, libc::SOL_SOCKET, libc::SO_INCOMING_CPU), 1);

    let udp = sock(AddressFamily::INET, SocketType::DGRAM);
    sockopt::set_ip_ttl(&udp, 17).unwrap();
    assert_eq!(sockopt::ip_ttl(&udp), Ok(17));
    assert_eq!(libc_int(&udp, libc::IPPROTO_IP, libc::IP_TTL), 17);
    assert_eq!(sockopt::set_ip_ttl(&udp, 256), Err(Errno::EINVAL));
    sockopt::set_ip_tos(&udp, 0x10).unwrap();
    assert_eq!(sockopt::ip_tos(&udp), Ok(0x10));
    assert_eq!(libc_int(&udp, libc::IPPROTO_IP, libc::IP_TOS), 0x10);
}

#[test]
fn type_error_and_peer_credentials() {
    assert_eq!(sockopt::socket_type(tcp()), Ok(SocketType::STREAM));
    let udp = sock(AddressFamily::INET, SocketType::DGRAM);
    assert_eq!(sockopt::socket_type(&udp), Ok(SocketType::DGRAM));
    assert_eq!(
        libc_int(&udp, libc::SOL_SOCKET, libc::SO_TYPE),
        libc::SOCK_DGRAM
    );
    assert_eq!(sockopt::socket_error(&udp), Ok(None));

    // A non-blocking connect to a closed port leaves ECONNREFUSED in SO_ERROR, once.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let s = net::socket(
        AddressFamily::INET,
        SocketType::STREAM,
        SockFlags::CLOEXEC | SockFlags::NONBLOCK,
        Protocol::DEFAULT,
    )
    .unwrap();
    match net::connect(&s, closed) {
        Err(Errno::EINPROGRESS) => {
            let mut fds = [sysbridge::event::PollFd::new(
                s.as_fd(),
                sysbridge::event::PollFlags::OUT,
            )];
            sysbridge::event::poll(&mut fds, 2000).unwrap();
            assert_eq!(sockopt::socket_error(&s), Ok(Some(Errno::ECONNREFUSED)));
            assert_eq!(sockopt::socket_error(&s), Ok(None));
        }
        other => assert_eq!(other, Err(Errno::ECONNREFUSED)),
    }

    let (a, _b) = net::socketpair(
        AddressFamily::UNIX,
        SocketType::STREAM,
        SockFlags::CLOEXEC,
        Protocol::DEFAULT,
    )
    .unwrap();
    let cred = sockopt::peercred(&a).unwrap();
    assert_eq!(cred.pid as u32, std::process::id());
    assert_eq!(cred.uid, sysbridge::process::getuid().as_raw());
    assert_eq!(cred.gid, sysbridge::process::getgid().as_raw());
    assert_eq!(sockopt::peercred(tcp()).map(|c| c.pid), Ok(0));
}

#[test]
fn linger_round_trips() {
    let s = tcp();
    assert_eq!(sockopt::linger(&s), Ok(None));
    sockopt::set_linger(&s, Some(Duration::from_secs(4))).unwrap();
    assert_eq!(sockopt::linger(&s), Ok(Some(Duration::from_secs(4))));
    let mut l = libc::linger {
        l_onoff: 0,
        l_linger: 0,
    };
    let mut len = size_of::<libc::linger>() as libc::socklen_t;
    // SAFETY: `l` and `len` are valid for writes.
    let r = unsafe {
        libc::getsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&raw mut l).cast(),
            &mut len,
        )
    };
    assert_eq!((r, l.l_onoff, l.l_linger), (0, 1, 4));
    sockopt::set_linger(&s, None).unwrap();
    assert_eq!(sockopt::linger(&s), Ok(None));
    assert_eq!(
        sockopt::set_linger(&s, Some(Duration::from_secs(u64::MAX))),
        Err(Errno::EINVAL)
    );

    // Linger zero: close resets the connection, and the peer sees ECONNRESET.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let c = tcp();
    net::connect(&c, listener.local_addr().unwrap()).unwrap();
    let (mut server, _) = listener.accept().unwrap();
    sockopt::set_linger(&c, Some(Duration::ZERO)).unwrap();
    drop(c);
    let err = std::io::Read::read(&mut server, &mut [0u8; 1]).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset);
}

#[test]
fn timeouts_round_trip_and_expire() {
    let udp = sock(AddressFamily::INET, SocketType::DGRAM);
    net::bind(&udp, "127.0.0.1:0".parse::<SocketAddr>().unwrap()).unwrap();
    assert_eq!(sockopt::rcvtimeo(&udp), Ok(None));
    sockopt::set_rcvtimeo(&udp, Some(Duration::from_millis(120))).unwrap();
    sockopt::set_sndtimeo(&udp, Some(Duration::from_micros(1_500_000))).unwrap();
    assert_eq!(
        sockopt::rcvtimeo(&udp),
        Ok(Some(Duration::from_millis(120)))
    );
    assert_eq!(
        sockopt::sndtimeo(&udp),
        Ok(Some(Duration::from_micros(1_500_000)))
    );
    let mut tv = libc::timeval {
        tv_sec: 0,
        tv_usec: 0,
    };
    let mut len = size_of::<libc::timeval>() as libc::socklen_t;
    // SAFETY: `tv` and `len` are valid for writes.
    let r = unsafe {
        libc::getsockopt(
            udp.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_SNDTIMEO,
            (&raw mut tv).cast(),
            &mut len,
        )
    };
    assert_eq!((r, tv.tv_sec, tv.tv_usec), (0, 1, 500_000));
    let start = Instant::now();
    assert_eq!(
        net::recv(&udp, &mut [0u8; 8], MsgFlags::empty()),
        Err(Errno::EAGAIN)
    );
    assert!(
        start.elapsed() >= Duration::from_millis(100),
        "{:?}",
        start.elapsed()
    );
    sockopt::set_rcvtimeo(&udp, None).unwrap();
    assert_eq!(sockopt::rcvtimeo(&udp), Ok(None));
}

#[test]
fn reuse_options_change_what_may_bind() {
    let a = tcp();
    net::bind(&a, "127.0.0.1:0".parse::<SocketAddr>().unwrap()).unwrap();
    net::listen(&a, 1).unwrap();
    let addr = net::getsockname(&a).unwrap();
    let b = tcp();
    assert_eq!(net::bind(&b, addr), Err(Errno::EADDRINUSE));

    let c = tcp();
    sockopt::set_reuseport(&c, true).unwrap();
    net::bind(&c, "127.0.0.1:0".parse::<SocketAddr>().unwrap()).unwrap();
    net::listen(&c, 1).unwrap();
    let port = net::getsockname(&c).unwrap();
    let d = tcp();
    sockopt::set_reuseport(&d, true).unwrap();
    assert_eq!(net::bind(&d, port), Ok(()));
}

#[test]
fn v6only_decides_whether_ipv4_reaches_an_ipv6_socket() {
    for v6only in [false, true] {
        let s = sock(AddressFamily::INET6, SocketType::STREAM);
        sockopt::set_ipv6_v6only(&s, v6only).unwrap();
        net::bind(&s, "[::]:0".parse::<SocketAddr>().unwrap()).unwrap();
        net::listen(&s, 1).unwrap();
        let port = SocketAddr::try_from(net::getsockname(&s).unwrap())
            .unwrap()
            .port();
        let v4 = TcpStream::connect(("127.0.0.1", port));
        assert_eq!(v4.is_ok(), !v6only, "v6only={v6only}: {v4:?}");
    }
}

#[test]
fn tcp_info_agrees_with_proc_net_tcp() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let c = tcp();
    net::connect(&c, listener.local_addr().unwrap()).unwrap();
    let (mut server, _) = listener.accept().unwrap();
    net::send(&c, b"some bytes", MsgFlags::empty()).unwrap();
    std::io::Read::read_exact(&mut server, &mut [0u8; 10]).unwrap();
    let info = sockopt::tcp_info(&c).unwrap();
    assert_eq!(info.state, 1, "TCP_ESTABLISHED");
    assert!(info.snd_mss > 0 && info.rcv_mss > 0, "{info:?}");
    assert!(info.bytes_acked >= 10 || info.bytes_sent >= 10, "{info:?}");
    assert!(info.segs_out >= 2, "{info:?}");

    // The same connection in /proc/net/tcp, found by its local port: st 01.
    let local = SocketAddr::try_from(net::getsockname(&c).unwrap()).unwrap();
    let peer = listener.local_addr().unwrap();
    let hex_port = |a: &str| u16::from_str_radix(a.rsplit(':').next().unwrap_or(""), 16).ok();
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
    let line = table
        .lines()
        .find(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.len() > 3
                && hex_port(f[1]) == Some(local.port())
                && hex_port(f[2]) == Some(peer.port())
        })
        .expect("our connection in /proc/net/tcp");
    assert_eq!(line.split_whitespace().nth(3), Some("01"));
    // And a listener reports TCP_LISTEN (10), /proc's 0A.
    assert_eq!(sockopt::tcp_info(&listener).unwrap().state, 10);
    assert_eq!(
        sockopt::tcp_info(sock(AddressFamily::INET, SocketType::DGRAM)).err(),
        Some(Errno::EOPNOTSUPP)
    );
}

#[test]
fn keepalive_shows_as_a_timer_in_ss() {
    if std::process::Command::new("ss").arg("-V").output().is_err() {
        eprintln!("SKIPPED: ss (iproute2) not found; keep-alive checked through libc only");
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let c = tcp();
    sockopt::set_keepalive(&c, true).unwrap();
    sockopt::set_tcp_keepidle(&c, 600).unwrap();
    net::connect(&c, listener.local_addr().unwrap()).unwrap();
    let port = SocketAddr::try_from(net::getsockname(&c).unwrap())
        .unwrap()
        .port();
    let out = std::process::Command::new("ss")
        .args([
            "-tno",
            "state",
            "established",
            &format!("( sport = :{port} )"),
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("timer:(keepalive"), "{text}");
}

#[test]
fn classic_bpf_filter_drops_then_detaches() {
    let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    rx.set_nonblocking(true).unwrap();
    // "ret #0": keep no byte of any packet.
    net::attach_filter(
        &rx,
        &[SockFilter {
            code: 0x06,
            jt: 0,
            jf: 0,
            k: 0,
        }],
    )
    .unwrap();
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    tx.send_to(b"dropped", rx.local_addr().unwrap()).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(
        net::recv(&rx, &mut [0u8; 16], MsgFlags::empty()),
        Err(Errno::EAGAIN)
    );
    net::detach_filter(&rx).unwrap();
    assert_eq!(net::detach_filter(&rx), Err(Errno::ENOENT));
    tx.send_to(b"kept", rx.local_addr().unwrap()).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(net::recv(&rx, &mut [0u8; 16], MsgFlags::empty()), Ok(4));
    // An empty program, and a jump out of it, are refused by the kernel.
    assert_eq!(net::attach_filter(&rx, &[]), Err(Errno::EINVAL));
    let bad = [SockFilter {
        code: 0x05,
        jt: 0,
        jf: 0,
        k: 9,
    }];
    assert_eq!(net::attach_filter(&rx, &bad), Err(Errno::EINVAL));
}

#[test]
fn bindtodevice_round_trips() {
    let s = sock(AddressFamily::INET, SocketType::DGRAM);
    assert_eq!(
        sockopt::bindtodevice(&s).map(|n| n.as_bytes().to_vec()),
        Ok(Vec::new())
    );
    let lo = IfName::new(b"lo").unwrap();
    match sockopt::set_bindtodevice(&s, lo) {
        Err(Errno::EPERM) if !is_root() => {
            eprintln!("SKIPPED: SO_BINDTODEVICE needs CAP_NET_RAW (run as root)");
            return;
        }
        other => other.unwrap(),
    }
    assert_eq!(sockopt::bindtodevice(&s), Ok(lo));
    let mut name = [0u8; 16];
    let mut len = name.len() as libc::socklen_t;
    // SAFETY: `name` and `len` are valid for writes.
    let r = unsafe {
        libc::getsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_BINDTODEVICE,
            name.as_mut_ptr().cast(),
            &mut len,
        )
    };
    assert_eq!(r, 0);
    assert_eq!(&name[..2], b"lo");
    assert_eq!(
        sockopt::set_bindtodevice(&s, IfName::new(b"no-such-if0").unwrap()),
        Err(Errno::ENODEV)
    );
    sockopt::set_bindtodevice(&s, IfName::default()).unwrap();
    assert_eq!(sockopt::bindtodevice(&s), Ok(IfName::default()));
}

#[test]
fn raw_ip_hdrincl_round_trips() {
    let Some(s) = raw_socket(AddressFamily::INET, Protocol::ICMP) else {
        return;
    };
    assert_eq!(sockopt::ip_hdrincl(&s), Ok(false));
    sockopt::set_ip_hdrincl(&s, true).unwrap();
    assert_eq!(sockopt::ip_hdrincl(&s), Ok(true));
    assert_eq!(libc_int(&s, libc::IPPROTO_IP, libc::IP_HDRINCL), 1);
}

#[test]
fn packet_membership_makes_lo_promiscuous() {
    let Some(s) = raw_socket(AddressFamily::PACKET, Protocol::ETH_ALL) else {
        return;
    };
    let lo: i32 = std::fs::read_to_string("/sys/class/net/lo/ifindex")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let flags = || {
        let text = std::fs::read_to_string("/sys/class/net/lo/flags").unwrap();
        u32::from_str_radix(text.trim().trim_start_matches("0x"), 16).unwrap()
    };
    const IFF_PROMISC: u32 = libc::IFF_PROMISC as u32;
    let before = flags() & IFF_PROMISC;
    sockopt::set_packet_add_membership(&s, PacketMreq::promisc(lo)).unwrap();
    assert_eq!(
        flags() & IFF_PROMISC,
        IFF_PROMISC,
        "lo promiscuous while the membership holds"
    );
    sockopt::set_packet_drop_membership(&s, PacketMreq::promisc(lo)).unwrap();
    assert_eq!(flags() & IFF_PROMISC, before);
    assert_eq!(
        sockopt::set_packet_add_membership(&s, PacketMreq::promisc(999_999)),
        Err(Errno::ENODEV)
    );
}
