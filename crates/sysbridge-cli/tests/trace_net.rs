//! The socket family against strace: creating and connecting sockets (unix, abstract,
//! TCP, UDP over IPv4 and IPv6, netlink, packet), socket addresses of every family
//! strace decodes, the `[in => out]` lengths, messages with iovecs and control data
//! (descriptors, credentials, IP packet info, timestamps), message vectors, socket
//! options by level (with classic BPF filters), and the errors of each: bad
//! descriptors, bad pointers, odd lengths, unknown values.
//!
//! The scripts run in Python; most odd arguments go through `ctypes`. Ports are the
//! kernel's choice, so lines that show them are unstable and left out of the score.

mod support;

use support::{assert_identical, python, strace_available};

/// Every call this family decodes.
const NET: &str = "trace=socket,socketpair,bind,connect,accept,accept4,listen,getsockname,\
                   getpeername,sendto,recvfrom,sendmsg,recvmsg,sendmmsg,recvmmsg,shutdown,\
                   setsockopt,getsockopt";

/// The prelude of every script: `t(f, ...)` calls `f` ignoring `OSError`; `sc(nr, ...)`
/// makes system call `nr`, integers as 64-bit registers and ctypes objects by address.
const PRELUDE: &str = r#"
import ctypes, os, select, socket, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def t(f, *a):
    try: return f(*a)
    except OSError: return None
def sc(nr, *a):
    regs = []
    for x in a:
        if x is None: x = 0
        elif not isinstance(x, int): x = ctypes.addressof(x)
        regs.append(ctypes.c_ulong(x & 0xffffffffffffffff))
    return libc.syscall(ctypes.c_long(nr), *regs)
B = ctypes.create_string_buffer
class iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
class msghdr(ctypes.Structure):
    _fields_ = [("name", ctypes.c_void_p), ("namelen", ctypes.c_uint),
                ("iov", ctypes.c_void_p), ("iovlen", ctypes.c_size_t),
                ("control", ctypes.c_void_p), ("controllen", ctypes.c_size_t),
                ("flags", ctypes.c_int)]
class mmsghdr(ctypes.Structure):
    _fields_ = [("hdr", msghdr), ("len", ctypes.c_uint)]
def P(x):
    return x if x is None or isinstance(x, int) else ctypes.addressof(x)
def msg(name=None, namelen=0, iov=None, iovlen=0, control=None, controllen=0):
    m = msghdr()
    name, iov, control = P(name), P(iov), P(control)
    m.name = name; m.namelen = namelen; m.iov = iov; m.iovlen = iovlen
    m.control = control; m.controllen = controllen
    return m
def cmsg(level, typ, payload, length=None):
    raw = struct.pack("Qii", 16 + len(payload) if length is None else length, level, typ)
    raw += payload
    return raw + b"\0" * (-len(raw) % 8)
"#;

/// Connections: a TCP listener, a client, accept, data both ways, shutdown; UDP over
/// IPv6; unix pairs, abstract and path addresses; netlink; refused connections.
/// `sys.argv[1]` is a private directory.
const CONNECTIONS: &str = r#"
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(5)
c = socket.create_connection(s.getsockname()); a, _ = s.accept()
c.sendall(b"hello"); a.recv(10); a.sendall(b"\0\1binary\n"); c.recv(64)
a.shutdown(socket.SHUT_RDWR); c.getpeername()
u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u.bind(("::1", 0))
u.sendto(b"x", u.getsockname()); u.recvfrom(10)
p = socket.socketpair(); p[0].getsockname(); p[1].getpeername()
x = socket.socket(socket.AF_UNIX); x.bind(b"\0abstract\0name"); x.getsockname()
path = sys.argv[1] + "/sock"
f = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); f.bind(path); f.getsockname()
g = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); g.sendto(b"dgram", path); f.recvfrom(100)
t(g.getpeername); os.unlink(path)
n = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0); n.bind((0, 0)); n.getsockname()
k = socket.socket(); t(k.connect, ("127.0.0.1", 1)); k.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
k = socket.socket(socket.AF_INET, socket.SOCK_STREAM | socket.SOCK_NONBLOCK)
t(k.connect, ("127.0.0.1", 1)); select.select([], [k], [], 5)
k.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
t(socket.socket(socket.AF_INET6).connect, ("::1", 1))
"#;

/// Arguments of every kind through `ctypes`: families, types and protocols; bad
/// descriptors and pointers; addresses of every decoded family, cut short or too long.
const ARGUMENTS: &str = r#"
sc(41, 2, 1 | 0x80000 | 0x800, 6); sc(41, 99, 0xb, 1234); sc(41, 2, 0x80800, 0)
sc(41, 17, 3, 0x0300); sc(41, 17, 3, 0x1234); sc(41, 16, 3, 15); sc(41, 16, 3, 99)
sc(41, 10, 2, 17); sc(41, 10, 3, 255); sc(41, 2, 5, 300); sc(41, 1, 0xf, 0); sc(41, 31, 1, 2)
sc(41, 0x100000002, 1, 6)
sc(49, 1234, 0, 0); sc(49, 1234, 0, 16); sc(49, 1234, 8, 16); sc(49, -1, 0xdead0000, 110)
sc(49, 99, 0xdead, -1)
sc(42, 99, 0, 1); sc(50, 99, -1); sc(50, 99, 0x100000005)
sc(43, 99, 0, 0); sc(43, 99, 0xdead, 0xbeef)
sc(288, 99, 0, 0, 0x80800); sc(288, 99, 0, 0, 1); sc(288, 99, 0xdead, 0, 0)
sc(48, 99, 0); sc(48, 99, 2); sc(48, 99, 7)
sc(44, 99, 0, 5, 0xffffffff, 0, 0); sc(44, 99, 0xdead, 5, 0, 0xdead, 16)
sc(45, 99, 0, 5, 0x40, 0, 0); sc(45, 99, 0xdead, 5, 0, 0xdead, 0xbeef)
sc(46, 99, 0, 0); sc(47, 99, 0, 0); sc(46, 99, 0xdead, 0); sc(47, 99, 0xdead, 0)
sc(307, 99, 0, 1, 0); sc(299, 99, 0, 1, 0, 0)
sc(53, 1, 1, 0, 0); sc(53, 1, 1, 0, 0xdead); sc(53, 99, 1, 0, 0)
sc(51, 99, 0, 0); sc(52, 99, 0xdead, 0); ln = ctypes.c_int(16); sc(52, 99, 0, ln)
sc(51, 1, B(128), ln)
inet = B(b"\x02\x00\x00\x50\x7f\x00\x00\x01" + b"\0" * 8)
for n in (16, 8, 1, 2, 3, 200): sc(42, 99, inet, n)
ll6 = B(b"\x0a\x00\x00\x50\x00\x00\x00\x01" + bytes.fromhex("fe800000000000000000000000000001") + b"\x01\x00\x00\x00")
for n in (28, 24, 26, 20): sc(42, 99, ll6, n)
for addr in ("00000000000000000000ffff01020304", "00000000000000000000000001020304",
             "ff020000000000000000000000000001", "20010db8000000000000ff0000428329",
             "00000000000000000000000000000000", "00010000000000020000000000000000"):
    sc(42, 99, B(b"\x0a\x00\x01\xbb\x12\x34\x56\x78" + bytes.fromhex(addr) + b"\x07\x00\x00\x00"), 28)
un = B(b"\x01\x00/tmp/x\0junk")
for n in (12, 3, 2, 110, 200): sc(42, 99, un, n)
sc(42, 99, B(b"\x01\x00\0ab\0c\n\xff"), 10)
sc(42, 99, B(b"\x01\x00" + b"p" * 108), 110)
ll = B(b"\x11\x00\x08\x00\x01\x00\x00\x00\x01\x00\x00\x06\x00\x11\x22\x33\x44\x55\x66\x77")
for n in (20, 15, 19): sc(42, 99, ll, n)
sc(42, 99, B(b"\x11\x00\x12\x34\x63\x00\x00\x00\xff\xff\x09\x0a" + b"\x01" * 8), 20)
sc(42, 99, B(b"\x10\x00\x01\x00\x05\x00\x00\x00\x01\x00\x00\x00"), 12)
sc(42, 99, B(b"\x10\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff"), 12)
sc(42, 99, B(b"\x63\x00hello\x01\x02"), 9)
sc(42, 99, B(b"\x00\x00\x01\x02"), 4)
def c(raw, n=None): sc(42, 99, B(raw, max(len(raw), 1)), len(raw) if n is None else n)
c(struct.pack("HHIIB3x", 40, 0, 1234, 3, 1)); c(struct.pack("HHIIB3x", 40, 7, 0xffffffff, 0xffffffff, 0))
c(struct.pack("HHIIB3s", 40, 0, 5, 2, 2, b"\1\2\0")); c(struct.pack("HHIIB3x", 40, 0, 5, 2, 2), 15)
c(struct.pack("H14sII64s", 38, b"hash", 0, 0, b"sha256"))
c(struct.pack("H14sII64s", 38, b"skcipher", 0x1000, 0x1001, b"cbc(aes)"), 88)
c(struct.pack("H14sII", 38, b"abcdefghijklmn", 1, 0x2000) + b"xyz", 27)
c(struct.pack("H14sII", 38, b"abcdefghijklm", 0, 0) + b"sha\0", 28)
for n in (25, 24): c(struct.pack("H14sII", 38, b"hash", 0, 0) + b"s", n)
c(struct.pack("HHIII", 44, 3, 1, 2, 5)); c(struct.pack("HHIII", 44, 0x10, 1, 2, 5)); c(struct.pack("HHIII", 44, 0, 1, 2, 0))
c(struct.pack("HHII", 42, 0, 0xffffffff, 0xfffffffe)); c(struct.pack("HHII", 42, 0, 5, 6))
c(struct.pack("HHIBBBB", 45, 0, 0, 0xff, 1, 2, 0)); c(struct.pack("HHIBBBB", 45, 9, 1, 8, 1, 2, 3))
c(struct.pack("HHI6sBB", 4, 0x5000, 0x01020304, b"\1\2\3\4\5\0", 0, 0))
c(struct.pack("HHI6sBB", 4, 0x5000, 0x01020304, b"\1\2\3\4\5\6", 4, 1))
c(struct.pack("H16s", 9, b"1234567")); c(struct.pack("H16s", 9, b"1234567890123456"))
c(struct.pack("H16s", 31, b"\1\2\3\4\5\6\7"))
"#;

/// Socket options: integers, linger, credentials, errors, interfaces, multicast
/// groups, ICMP filters, netlink groups, packet rings, BPF filters, unknown ones.
const OPTIONS: &str = r#"
p = socket.socketpair()
t(p[0].getsockopt, socket.SOL_SOCKET, 1234); t(p[0].setsockopt, 9999, 5, 1)
t(p[0].setsockopt, socket.SOL_IP, 9999, 1); t(p[0].setsockopt, socket.SOL_SOCKET, socket.SO_RCVBUF, b"abcdefghij")
p[0].getsockopt(socket.SOL_SOCKET, socket.SO_TYPE); p[0].getsockopt(socket.SOL_SOCKET, socket.SO_DOMAIN)
p[0].getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12); p[0].getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 6)
c = socket.socket()
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 5))
c.getsockopt(socket.SOL_SOCKET, socket.SO_LINGER, 8); c.getsockopt(socket.SOL_SOCKET, socket.SO_LINGER, 6)
t(c.setsockopt, socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0")
c.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY); c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
t(c.setsockopt, socket.IPPROTO_TCP, 9999, 1); t(c.setsockopt, socket.IPPROTO_TCP, socket.TCP_CONGESTION, b"reno")
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
t(u.setsockopt, socket.SOL_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton("224.1.2.3") + socket.inet_aton("127.0.0.1"))
t(u.setsockopt, socket.SOL_IP, socket.IP_ADD_MEMBERSHIP, b"abc")
greq = struct.pack("I4x", 1) + struct.pack("HH4s", socket.AF_INET, 0, socket.inet_aton("224.1.2.4")) + b"\0" * 120
t(u.setsockopt, socket.SOL_IP, 42, greq); t(u.setsockopt, socket.SOL_IP, 45, greq[:100])
t(u.getsockopt, socket.SOL_SOCKET, socket.SO_RCVBUF, 2); t(u.getsockopt, socket.SOL_SOCKET, socket.SO_ERROR, 2)
t(u.getsockopt, socket.SOL_SOCKET, socket.SO_RCVBUF, 0); t(u.getsockopt, socket.SOL_IP, socket.IP_TTL, 100)
t(u.getsockopt, socket.SOL_SOCKET, 74); t(u.setsockopt, socket.SOL_SOCKET, 74, 1); t(u.setsockopt, socket.SOL_SOCKET, 74, b"\1\2")
t(u.setsockopt, socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"lo"); t(u.getsockopt, socket.SOL_SOCKET, socket.SO_BINDTODEVICE, 16)
t(u.setsockopt, socket.SOL_SOCKET, 20, struct.pack("qq", 1, 500)); t(u.getsockopt, socket.SOL_SOCKET, 20, 16)
u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
t(u6.setsockopt, socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, socket.inet_pton(socket.AF_INET6, "ff02::1") + struct.pack("I", 1))
t(u6.setsockopt, socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1); t(u6.getsockopt, socket.IPPROTO_IPV6, socket.IPV6_V6ONLY)
r = t(socket.socket, socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
if r:
    r.setsockopt(255, 1, struct.pack("I", 0x11)); r.getsockopt(255, 1, 4)
    r.setsockopt(255, 1, struct.pack("I", 0xfffffffe)); r.getsockopt(255, 1, 4); r.getsockopt(255, 1, 2)
n = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0); n.bind((0, 0))
n.setsockopt(270, 1, 3); n.setsockopt(270, 1, 5); n.getsockopt(270, 9, 16); n.getsockopt(270, 3)
t(n.setsockopt, 270, 1, b"\1")
pk = t(socket.socket, socket.AF_PACKET, socket.SOCK_RAW, 0)
if pk:
    t(pk.getsockopt, 263, 6, 12); t(pk.getsockopt, 263, 6, 4)
    t(pk.setsockopt, 263, 1, struct.pack("iHH8s", 1, 1, 6, b"\x01\x02\x03\x04\x05\x06\0\0"))
    t(pk.setsockopt, 263, 5, struct.pack("IIII", 4096, 1, 2048, 2)); t(pk.setsockopt, 263, 5, b"short")
prog = [(0x28, 0, 0, 0xfffff000), (0x15, 0, 1, 0x800), (0x06, 0, 0, 0xffff), (0x06, 0, 0, 0),
        (0x20, 0, 0, 0xfff00010), (0x30, 0, 0, 0xffe00004), (0x07, 0, 0, 0), (0x87, 0, 0, 0),
        (0x02, 0, 0, 1), (0x0a, 0, 0, 1), (0x04, 0, 0, 5), (0x0c, 0, 0, 0), (0x1e, 0, 0, 3),
        (0x16, 0, 0, 0), (0x05, 0, 0, 0), (0x45, 2, 3, 7), (0x60, 0, 0, 1), (0x61, 0, 0, 1),
        (0xe0, 0, 0, 0), (0x28, 0, 0, 0xfffff03c), (0x28, 0, 0, 0xfffff040)]
code = B(b"".join(struct.pack("HBBI", *i) for i in prog))
accept_all = B(struct.pack("HBBI", 0x06, 0, 0, 0xffff))
fd = u.fileno()
sc(54, fd, 1, 26, B(struct.pack("H6xQ", len(prog), ctypes.addressof(code))), 16)
sc(54, fd, 1, 26, B(struct.pack("H6xQ", 1, ctypes.addressof(accept_all))), 16)
sc(54, fd, 1, 26, B(16), 8); sc(54, fd, 1, 26, 0xdead, 16); sc(54, fd, 1, 51, B(16), 16)
sc(54, fd, 1, 26, B(struct.pack("H6xQ", 3, 0xdead)), 16)
out = B(64); ln = ctypes.c_int(8); sc(55, fd, 1, 26, out, ln)
ln = ctypes.c_int(0); sc(55, fd, 1, 26, out, ln); sc(55, fd, 1, 26, None, ln)
sc(54, 99, 1, 2, 0, 4); sc(55, 99, 1, 2, 0, 0); sc(55, 99, 1, 2, 0xdead, 0xdead)
ln = ctypes.c_int(4); sc(55, 99, 1, 2, 0xdead, ln); sc(55, fd, 1, 2, 0xdead, ln)
ln = ctypes.c_int(-1); sc(55, fd, 1, 2, B(8), ln)
"#;

/// Messages: iovecs, control messages of every decoded kind (sent raw, so that bad
/// ones reach the decoder too), truncated control data, timestamps, message vectors
/// and their timeouts.
const MESSAGES: &str = r#"
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
data = B(b"payload-data-here", 32)
iov = (iovec * 2)(iovec(ctypes.addressof(data), 7), iovec(ctypes.addressof(data), 17))
sink = B(64); sink_iov = iovec(ctypes.addressof(sink), 64)
def drain():
    while sc(45, b.fileno(), sink, 64, 0x40, 0, 0) >= 0: pass
def send(m, flags=0):
    sc(46, a.fileno(), m, flags | 0x40); drain()
send(msg(iov=iov, iovlen=2)); send(msg(iov=iov, iovlen=2), 0x4000)
send(msg(iov=0xdead, iovlen=2)); send(msg(iov=iov, iovlen=1 << 60))
send(msg(0xdead, 16, iov, 1))
send(msg(ctypes.addressof(B(struct.pack("HHI16sI", 10, 0, 0, b"\0" * 15 + b"\1", 0))), 28, iov, 1))
pid = os.getpid()
for c in [cmsg(1, 1, struct.pack("iii", 0, 1, 2)), cmsg(1, 1, struct.pack("i", 1) + b"\1"),
          cmsg(1, 2, struct.pack("III", 1, 0, 0xffffffff)), cmsg(1, 2, b"\1\0\0\0"),
          cmsg(1, 3, b"label\0"), cmsg(1, 29, struct.pack("qq", 1, 2)), cmsg(1, 29, struct.pack("q", 1)),
          cmsg(1, 35, struct.pack("qq", 3, 4)), cmsg(1, 63, struct.pack("qq", -1, 5)), cmsg(1, 64, struct.pack("qq", 7, 8)),
          cmsg(1, 37, struct.pack("qqqqqq", 1, 2, 3, 4, 5, 6)), cmsg(1, 65, struct.pack("qq", 1, 2)),
          cmsg(1, 99, b"xyz"), cmsg(0, 8, b"\1\0\0\0\x7f\0\0\1\x7f\0\0\1"), cmsg(0, 8, b"\1\0\0\0"),
          cmsg(0, 2, struct.pack("II", 64, 65)), cmsg(0, 1, b"\x10\x20"), cmsg(0, 7, b"\0\1\2"),
          cmsg(0, 11, struct.pack("IBBBBII", 111, 2, 3, 4, 0, 5, 6) + struct.pack("HH4s8x", 2, 0x5000, b"\1\2\3\4")),
          cmsg(0, 20, struct.pack("HH4s8x", 2, 0x5000, b"\1\2\3\4")), cmsg(0, 23, struct.pack("I", 9)),
          cmsg(0, 99, b"q"), cmsg(41, 50, b"\0" * 20), cmsg(6, 1, b""), cmsg(0x1234, 1, b""),
          cmsg(1, 1, b"", length=8), cmsg(1, 1, struct.pack("i", 0), length=1 << 40),
          cmsg(1, 1, struct.pack("iii", 0, 1, 2)) + cmsg(1, 2, struct.pack("III", 1, 0xffffffff, 2)) + b"\0" * 5,
          cmsg(1, 1, struct.pack("ii", 0, 1))[:20], cmsg(1, 1, struct.pack("i", 0) * 40)]:
    cb = B(c, len(c))
    send(msg(iov=iov, iovlen=1, control=ctypes.addressof(cb), controllen=len(c)))
cb = B(cmsg(1, 1, struct.pack("i", 1)), 24)
send(msg(iov=iov, iovlen=1, control=ctypes.addressof(cb), controllen=4000000))
send(msg(iov=iov, iovlen=1, control=0xdead, controllen=64))
send(msg(iov=iov, iovlen=1, control=None, controllen=64))
send(msg(iov=iov, iovlen=1, control=ctypes.addressof(cb), controllen=8))
name = B(200)
sc(47, b.fileno(), msg(ctypes.addressof(name), 200, ctypes.addressof(sink_iov), 1), 0x40)
socket.send_fds(a, [b"fds", b"more"], [0, 1, 2]); socket.recv_fds(b, 10, 4)
socket.send_fds(a, [b"x"], [0, 1, 2, 0, 1, 2])
cb = B(24)
sc(47, b.fileno(), msg(iov=ctypes.addressof(sink_iov), iovlen=1, control=ctypes.addressof(cb), controllen=24), 0x40000000)
b.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
a.send(b"cred"); b.recvmsg(10, 64)
b.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 0)
a.send(b"short read, longer message"); b.recvmsg(5)
sc(47, b.fileno(), 0xdead, 0x40)
sc(47, b.fileno(), msg(iov=ctypes.addressof(sink_iov), iovlen=1), 0x40)
bufs = [B(b"msg%d" % i, 16) for i in range(3)]
iovs = (iovec * 3)(*[iovec(ctypes.addressof(x), 4) for x in bufs])
msgs = (mmsghdr * 3)()
for i in range(3):
    msgs[i].hdr.iov = ctypes.addressof(iovs) + i * 16; msgs[i].hdr.iovlen = 1
sc(307, a.fileno(), msgs, 3, 0)
rbufs = [B(16) for i in range(3)]
riovs = (iovec * 3)(*[iovec(ctypes.addressof(x), 16) for x in rbufs])
rmsgs = (mmsghdr * 3)()
names = [B(110) for i in range(3)]
for i in range(3):
    rmsgs[i].hdr.iov = ctypes.addressof(riovs) + i * 16; rmsgs[i].hdr.iovlen = 1
    rmsgs[i].hdr.name = ctypes.addressof(names[i]); rmsgs[i].hdr.namelen = 110
sc(299, b.fileno(), rmsgs, 3, 0, None)
sc(299, b.fileno(), rmsgs, 3, 0x40, None)
sc(299, b.fileno(), rmsgs, 3, 0x40, B(16))
sc(307, a.fileno(), msgs, 2, 0)
sc(299, b.fileno(), rmsgs, 3, 0x10000, B(struct.pack("qq", 1, 0)))
sc(299, b.fileno(), rmsgs, 3, 0x40, 0xdead)
sc(307, a.fileno(), 0xdead, 2, 0)
sc(299, b.fileno(), rmsgs, 0, 0, None); sc(299, b.fileno(), rmsgs, 0, 0, B(struct.pack("qq", 5, 0)))
sc(299, b.fileno(), None, 0, 0, 0xdead)
sc(307, a.fileno(), msgs, 0, 0); sc(307, a.fileno(), None, 0, 0)
"#;

/// Asserts that every stable line of `script` is traced as strace traces it, with
/// each of `option_sets` added to the family's filter.
fn check(script: &str, option_sets: &[&[&str]]) {
    if !strace_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let code = format!("{PRELUDE}{script}");
    let Some(py) = python() else {
        return;
    };
    let cmd = [py, "-c", code.as_str(), dir.path().to_str().unwrap()];
    for extra in option_sets {
        let mut opts = extra.to_vec();
        opts.extend(["-e", NET]);
        assert_identical(&opts, &cmd);
    }
}

#[test]
fn connections_match_strace() {
    check(
        CONNECTIONS,
        &[
            &[],
            &["-v"],
            &["-e", "verbose=none"],
            &["-xx"],
            &["-s", "2"],
        ],
    );
}

#[test]
fn odd_arguments_match_strace() {
    check(
        ARGUMENTS,
        &[&[], &["-x"], &["-xx"], &["-e", "verbose=none"]],
    );
}

#[test]
fn socket_options_match_strace() {
    check(
        OPTIONS,
        &[&[], &["-v"], &["-e", "verbose=none"], &["-x", "-s", "3"]],
    );
}

#[test]
fn messages_match_strace() {
    check(
        MESSAGES,
        &[
            &[],
            &["-v"],
            &["-s", "2"],
            &["-e", "verbose=none"],
            &["-e", "abbrev=none", "-s", "1"],
        ],
    );
}
