//! One event loop per thread: its own `SO_REUSEPORT` listener and epoll instance,
//! edge-triggered non-blocking connections kept in a table indexed by descriptor.
//!
//! Each loop is pinned to a CPU and its listener carries that CPU in
//! `SO_INCOMING_CPU`, so the kernel hands it the connections whose packets that CPU
//! processes: a connection's receive path, its wake-up and its loop stay on one
//! core, with no cross-CPU wake-ups (on loopback, the client's CPU).
//!
//! Per request on a kept-alive connection the loop makes one `recvfrom` and one
//! `sendto` (plus `openat2`, `fstat`, `sendfile` and `close` for a file), and shares
//! one `epoll_wait` among all the connections that became ready together. A read that
//! returns less than the room offered has emptied the socket, so the loop does not
//! read again to see `EAGAIN`: edge-triggered epoll reports the next data that comes.
//! Nothing is allocated per request: each connection has a fixed input buffer and an
//! output buffer that keeps its capacity.

use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};
use std::sync::Arc;

use sysbridge::Errno;
use sysbridge::dir::Dir;
use sysbridge::event::{
    EpollCreateFlags, EpollEvent, EpollFlags, Itimerspec, TfdFlags, TimerFlags, epoll_add,
    epoll_create1, epoll_del, epoll_wait, timerfd_create, timerfd_read, timerfd_settime,
};
use sysbridge::fs::{self, FileType};
use sysbridge::net::{self, MsgFlags, Shutdown, SockFlags, sockopt};
use sysbridge::time::{ClockId, Timespec, clock_gettime};

use crate::date::HttpDate;
use crate::request::{self, Method, Parse, Request};

/// The most bytes of request heads a connection buffers: a head that does not fit is
/// answered 431 and the connection closed.
pub(crate) const HEAD_MAX: usize = 8192;
/// Bytes a connection being closed after an error reads and throws away, at most,
/// before it closes (so that the peer sees the response rather than a reset).
const LINGER_MAX: usize = 1 << 20;
/// Bytes per `sendfile` call.
const SENDFILE_CHUNK: usize = 1 << 20;
/// Seconds a graceful shutdown waits for connections to finish.
const SHUTDOWN_GRACE: i64 = 5;
/// Seconds a connection closing after an error waits for the peer to close.
const LINGER_SECS: i64 = 2;
/// Epoll data of the listener and of the shutdown eventfd; connections use their
/// descriptor number.
const LISTENER: u64 = u64::MAX;
const STOP: u64 = u64::MAX - 1;
/// Epoll data of the once-a-second timer that ends idle and lingering connections.
const TICK: u64 = u64::MAX - 2;

/// What the server serves.
pub(crate) struct Site {
    /// The directory of static files; `None` answers `GET /` with `Hello, world!`.
    pub(crate) root: Option<Dir>,
    /// Seconds a connection may go without any event (no request, no progress
    /// sending) before it is closed.
    pub(crate) idle_secs: i64,
}

/// A file being sent with `sendfile`.
struct FileSend {
    file: OwnedFd,
    offset: u64,
    end: u64,
}

/// What is queued to send on a connection.
struct Output {
    buf: Vec<u8>,
    sent: usize,
    /// Sent after `buf`, before anything else is answered.
    file: Option<FileSend>,
    /// Close once everything queued is sent.
    close_after: bool,
}

struct Conn {
    sock: OwnedFd,
    input: [u8; HEAD_MAX],
    in_len: usize,
    output: Output,
    /// The socket may have unread data (an edge was reported and not yet drained).
    readable: bool,
    /// Write side shut after the last response: bytes read and thrown away since,
    /// plus one.
    lingering: usize,
    /// The (coarse) monotonic second at which the connection is closed: pushed back
    /// by every event, except once lingering.
    deadline: i64,
}

/// What to do with a connection after driving it.
#[derive(PartialEq, Eq)]
enum Next {
    Keep,
    Close,
}

/// The result of pushing queued output.
enum Flush {
    Done,
    Blocked,
    Failed,
}

/// One thread's loop.
pub(crate) struct Worker {
    epoll: OwnedFd,
    tick: OwnedFd,
    listener: Option<OwnedFd>,
    conns: Vec<Option<Box<Conn>>>,
    live: usize,
    site: Arc<Site>,
    date: HttpDate,
    /// The whole answer to a kept-alive HTTP/1.1 `GET /` without `--root`, rebuilt
    /// when the date changes: the hot path is one copy.
    hello: Vec<u8>,
    /// The coarse monotonic second, read once per wake-up.
    now: i64,
    stopping: Option<i64>,
}

impl Worker {
    /// A loop serving `listener` (non-blocking), which stops gracefully when `stop`
    /// becomes readable.
    pub(crate) fn new(
        listener: OwnedFd,
        stop: BorrowedFd<'_>,
        site: Arc<Site>,
    ) -> Result<Worker, Errno> {
        let epoll = epoll_create1(EpollCreateFlags::CLOEXEC)?;
        epoll_add(
            &epoll,
            &listener,
            EpollEvent::new(EpollFlags::IN | EpollFlags::ET, LISTENER),
        )?;
        epoll_add(&epoll, stop, EpollEvent::new(EpollFlags::IN, STOP))?;
        let tick = timerfd_create(ClockId::Monotonic, TfdFlags::CLOEXEC | TfdFlags::NONBLOCK)?;
        let second = Timespec {
            tv_sec: 1,
            tv_nsec: 0,
        };
        let every_second = Itimerspec {
            interval: second,
            value: second,
        };
        timerfd_settime(&tick, TimerFlags::empty(), &every_second)?;
        epoll_add(&epoll, &tick, EpollEvent::new(EpollFlags::IN, TICK))?;
        Ok(Worker {
            epoll,
            tick,
            listener: Some(listener),
            conns: Vec::new(),
            live: 0,
            site,
            date: HttpDate::new(),
            hello: Vec::new(),
            now: clock_gettime(ClockId::MonotonicCoarse).tv_sec,
            stopping: None,
        })
        .map(|mut worker| {
            worker.rebuild_hello();
            worker
        })
    }

    /// Runs until stopped and every connection is done (or the grace period is over).
    pub(crate) fn run(&mut self, stop: BorrowedFd<'_>) -> Result<(), Errno> {
        let mut events = [EpollEvent::default(); 512];
        loop {
            let timeout = if self.stopping.is_some() { 100 } else { -1 };
            let n = match epoll_wait(&self.epoll, &mut events, timeout) {
                Ok(n) => n,
                Err(Errno::EINTR) => continue,
                Err(e) => return Err(e),
            };
            self.now = clock_gettime(ClockId::MonotonicCoarse).tv_sec;
            if self.date.refresh() {
                self.rebuild_hello();
            }
            for event in &events[..n] {
                match event.data() {
                    LISTENER => self.accept_all(),
                    STOP => self.begin_stop(stop)?,
                    TICK => self.end_overdue(),
                    fd => self.ready(fd as usize, event.flags()),
                }
            }
            if let Some(deadline) = self.stopping {
                let now = clock_gettime(ClockId::Monotonic).tv_sec;
                if self.live == 0 || now >= deadline {
                    return Ok(());
                }
            }
        }
    }

    fn accept_all(&mut self) {
        let Some(listener) = &self.listener else {
            return;
        };
        loop {
            let sock = match net::accept4(listener, SockFlags::NONBLOCK | SockFlags::CLOEXEC) {
                Ok(sock) => sock,
                Err(Errno::EINTR | Errno::ECONNABORTED) => continue,
                // EAGAIN: all taken. EMFILE and kin: the next connection retries.
                Err(_) => return,
            };
            let fd = sock.as_raw_fd() as usize;
            let interest = EpollFlags::IN | EpollFlags::OUT | EpollFlags::RDHUP | EpollFlags::ET;
            if sockopt::set_tcp_nodelay(&sock, true).is_err()
                || epoll_add(&self.epoll, &sock, EpollEvent::new(interest, fd as u64)).is_err()
            {
                continue;
            }
            if self.conns.len() <= fd {
                self.conns.resize_with(fd + 1, || None);
            }
            self.conns[fd] = Some(Box::new(Conn {
                sock,
                input: [0; HEAD_MAX],
                in_len: 0,
                output: Output {
                    buf: Vec::with_capacity(1024),
                    sent: 0,
                    file: None,
                    close_after: false,
                },
                readable: false,
                lingering: 0,
                deadline: self.now + self.site.idle_secs,
            }));
            self.live += 1;
        }
    }

    fn rebuild_hello(&mut self) {
        let mut out = Output {
            buf: Vec::with_capacity(256),
            sent: 0,
            file: None,
            close_after: false,
        };
        let head = Head::new(b"200 OK", b"text/plain", HELLO.len() as u64);
        self.head(&mut out, &head, false, true);
        out.buf.extend_from_slice(HELLO);
        self.hello = out.buf;
    }

    /// Closes the connections past their deadline: idle ones, and lingering ones
    /// whose peers did not close in time.
    fn end_overdue(&mut self) {
        // The count of expirations does not matter, only that the timer is re-armed.
        timerfd_read(&self.tick).ok();
        let now = self.now;
        for slot in &mut self.conns {
            // Strictly past: whole seconds, so at least the full timeout has gone by.
            if slot.as_ref().is_some_and(|c| c.deadline < now) {
                *slot = None;
                self.live -= 1;
            }
        }
    }

    fn begin_stop(&mut self, stop: BorrowedFd<'_>) -> Result<(), Errno> {
        epoll_del(&self.epoll, stop)?;
        self.listener = None;
        self.stopping = Some(clock_gettime(ClockId::Monotonic).tv_sec + SHUTDOWN_GRACE);
        // Idle connections close now; busy ones when their responses are out.
        for fd in 0..self.conns.len() {
            self.ready(fd, EpollFlags::empty());
        }
        Ok(())
    }

    fn ready(&mut self, fd: usize, flags: EpollFlags) {
        let Some(mut conn) = self.conns.get_mut(fd).and_then(Option::take) else {
            return;
        };
        if conn.lingering == 0 {
            conn.deadline = self.now + self.site.idle_secs;
        }
        if flags.intersects(EpollFlags::IN | EpollFlags::RDHUP | EpollFlags::HUP | EpollFlags::ERR)
        {
            conn.readable = true;
        }
        match self.drive(&mut conn) {
            Next::Keep => self.conns[fd] = Some(conn),
            Next::Close => self.live -= 1,
        }
    }

    /// Sends what is queued, answers what is buffered, reads what has come, until
    /// the socket would block or the connection is done.
    fn drive(&mut self, c: &mut Conn) -> Next {
        loop {
            match flush(&c.sock, &mut c.output) {
                Flush::Done => {}
                Flush::Blocked => return Next::Keep,
                Flush::Failed => return Next::Close,
            }
            if c.output.close_after {
                return linger(c, self.stopping.is_some(), self.now);
            }
            if self.stopping.is_some() && c.in_len == 0 {
                return Next::Close;
            }
            if self.respond(c) {
                continue;
            }
            if c.in_len == HEAD_MAX {
                self.simple(&mut c.output, b"431 Request Header Fields Too Large", false);
                continue;
            }
            if !c.readable {
                return Next::Keep;
            }
            let room = HEAD_MAX - c.in_len;
            match net::recv(&c.sock, &mut c.input[c.in_len..], MsgFlags::empty()) {
                Ok(0) => return Next::Close,
                Ok(n) => {
                    c.in_len += n;
                    c.readable = n == room;
                }
                Err(Errno::EINTR) => {}
                Err(Errno::EAGAIN) => {
                    c.readable = false;
                    return Next::Keep;
                }
                Err(_) => return Next::Close,
            }
        }
    }

    /// Answers the complete requests at the start of the input, up to the first that
    /// sends a file or closes the connection. Returns whether anything was queued.
    fn respond(&self, c: &mut Conn) -> bool {
        let mut used = 0;
        let mut queued = false;
        while c.output.file.is_none() && !c.output.close_after {
            match request::parse(&c.input[used..c.in_len]) {
                Parse::Partial => break,
                Parse::Bad => self.simple(&mut c.output, b"400 Bad Request", false),
                Parse::Done(request, len) => {
                    used += len;
                    self.answer(&mut c.output, &request);
                }
            }
            queued = true;
        }
        c.input.copy_within(used..c.in_len, 0);
        c.in_len -= used;
        queued
    }

    fn answer(&self, out: &mut Output, req: &Request<'_>) {
        let keep = req.keep_alive;
        if req.method == Method::Other {
            return self.simple(out, b"405 Method Not Allowed", false);
        }
        if req.has_body {
            return self.simple(out, b"400 Bad Request", false);
        }
        let head_only = req.method == Method::Head;
        let Some(root) = &self.site.root else {
            if req.target.split(|&b| b == b'?').next() == Some(b"/") {
                if keep && !req.http10 && !head_only {
                    out.buf.extend_from_slice(&self.hello);
                    return;
                }
                let head = Head::new(b"200 OK", b"text/plain", HELLO.len() as u64);
                self.head(out, &head, req.http10, keep);
                if !head_only {
                    out.buf.extend_from_slice(HELLO);
                }
                return;
            }
            return self.simple(out, b"404 Not Found", keep);
        };
        let mut buf = [0u8; PATH_MAX + INDEX.len()];
        let Some(path) = request::decode_path(req.target, &mut buf[..PATH_MAX]) else {
            return self.simple(out, b"400 Bad Request", false);
        };
        let mut len = path.len();
        if path.ends_with(b"/") {
            buf[len..len + INDEX.len()].copy_from_slice(INDEX);
            len += INDEX.len();
        }
        // The target starts with '/' (the parser checks): the rest is relative.
        let relative = &buf[1..len];
        let file = match root.open_file(relative) {
            Ok(file) => file,
            Err(Errno::EXDEV | Errno::ELOOP | Errno::EACCES | Errno::EPERM) => {
                return self.simple(out, b"403 Forbidden", keep);
            }
            Err(_) => return self.simple(out, b"404 Not Found", keep),
        };
        let size = match fs::fstat(&file) {
            Ok(st) if st.file_type() == FileType::RegularFile => st.st_size as u64,
            _ => return self.simple(out, b"404 Not Found", keep),
        };
        let head = Head::new(b"200 OK", content_type(relative), size);
        self.head(out, &head, req.http10, keep);
        if !head_only && size > 0 {
            out.file = Some(FileSend {
                file,
                offset: 0,
                end: size,
            });
        }
    }

    /// Queues a response head.
    fn head(&self, out: &mut Output, head: &Head<'_>, http10: bool, keep: bool) {
        let buf = &mut out.buf;
        buf.extend_from_slice(b"HTTP/1.1 ");
        buf.extend_from_slice(head.status);
        buf.extend_from_slice(b"\r\nServer: sysbridge\r\nDate: ");
        buf.extend_from_slice(self.date.text());
        buf.extend_from_slice(b"\r\nContent-Type: ");
        buf.extend_from_slice(head.ctype);
        buf.extend_from_slice(b"\r\nContent-Length: ");
        let mut digits = [0u8; 20];
        buf.extend_from_slice(decimal(head.len, &mut digits));
        buf.extend_from_slice(head.extra);
        buf.extend_from_slice(match (keep, http10) {
            (false, _) => b"\r\nConnection: close\r\n\r\n".as_slice(),
            (true, true) => b"\r\nConnection: keep-alive\r\n\r\n",
            (true, false) => b"\r\n\r\n",
        });
        out.close_after |= !keep;
    }

    /// Queues a response whose body is its status line.
    fn simple(&self, out: &mut Output, status: &[u8], keep: bool) {
        let mut head = Head::new(status, b"text/plain", status.len() as u64 + 1);
        if status.starts_with(b"405") {
            // RFC 9110: a 405 names the methods allowed.
            head.extra = b"\r\nAllow: GET, HEAD";
        }
        self.head(out, &head, false, keep);
        out.buf.extend_from_slice(status);
        out.buf.push(b'\n');
    }
}

/// The body of `GET /` without `--root`.
const HELLO: &[u8] = b"Hello, world!";
/// What a directory path serves.
const INDEX: &[u8] = b"index.html";
/// The longest request target kept.
const PATH_MAX: usize = 4096;

/// A response head's variable parts.
struct Head<'a> {
    status: &'a [u8],
    ctype: &'a [u8],
    len: u64,
    /// More header lines, each starting with CRLF.
    extra: &'a [u8],
}

impl<'a> Head<'a> {
    fn new(status: &'a [u8], ctype: &'a [u8], len: u64) -> Head<'a> {
        Head {
            status,
            ctype,
            len,
            extra: b"",
        }
    }
}

/// Pushes the queued bytes, then the queued file.
fn flush(sock: &OwnedFd, out: &mut Output) -> Flush {
    while out.sent < out.buf.len() {
        // More follows when a file does: let the head share its first segment.
        let more = match out.file {
            Some(_) => MsgFlags::MORE,
            None => MsgFlags::empty(),
        };
        match net::send(sock, &out.buf[out.sent..], MsgFlags::NOSIGNAL | more) {
            Ok(n) => out.sent += n,
            Err(Errno::EINTR) => {}
            Err(Errno::EAGAIN) => return Flush::Blocked,
            Err(_) => return Flush::Failed,
        }
    }
    out.buf.clear();
    out.sent = 0;
    while let Some(f) = &mut out.file {
        if f.offset >= f.end {
            out.file = None;
            break;
        }
        let chunk = (f.end - f.offset).min(SENDFILE_CHUNK as u64) as usize;
        match fs::sendfile(sock, &f.file, Some(&mut f.offset), chunk) {
            // The file shrank under us: the promised length cannot be kept.
            Ok(0) => return Flush::Failed,
            Ok(_) | Err(Errno::EINTR) => {}
            Err(Errno::EAGAIN) => return Flush::Blocked,
            Err(_) => return Flush::Failed,
        }
    }
    Flush::Done
}

/// After a response that closes the connection: shut the write side, then read and
/// discard until the peer closes, so that unread input does not turn the close into
/// a reset that could destroy the response in flight.
fn linger(c: &mut Conn, stopping: bool, now: i64) -> Next {
    if c.lingering == 0 {
        if net::shutdown(&c.sock, Shutdown::Write).is_err() || stopping {
            return Next::Close;
        }
        c.lingering = 1;
        c.deadline = now + LINGER_SECS;
    }
    let mut sink = [0u8; 4096];
    loop {
        match net::recv(&c.sock, &mut sink, MsgFlags::empty()) {
            Ok(0) => return Next::Close,
            Ok(n) => {
                c.lingering += n;
                if c.lingering > LINGER_MAX {
                    return Next::Close;
                }
            }
            Err(Errno::EINTR) => {}
            Err(Errno::EAGAIN) => return Next::Keep,
            Err(_) => return Next::Close,
        }
    }
}

/// `n` in decimal, in the end of `buf`.
fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[at..];
        }
    }
}

/// The media type for a file name's extension.
fn content_type(name: &[u8]) -> &'static [u8] {
    let ext = name.rsplit(|&b| b == b'.').next().unwrap_or_default();
    let ext = core::str::from_utf8(ext)
        .unwrap_or_default()
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => b"text/html",
        "txt" => b"text/plain",
        "css" => b"text/css",
        "js" => b"text/javascript",
        "json" => b"application/json",
        "png" => b"image/png",
        "jpg" | "jpeg" => b"image/jpeg",
        "svg" => b"image/svg+xml",
        _ => b"application/octet-stream",
    }
}

/// Binds a non-blocking listener on `addr` with `SO_REUSEADDR` and `SO_REUSEPORT`, so
/// that each thread can have its own on the same port. With a `cpu`, it also sets
/// `SO_INCOMING_CPU`: the kernel (6.1 and later) then gives it the connections whose
/// packets that CPU processes, so that a connection stays on one core.
pub(crate) fn listener(addr: std::net::SocketAddr, cpu: Option<usize>) -> Result<OwnedFd, Errno> {
    let family = match addr {
        std::net::SocketAddr::V4(_) => net::AddressFamily::INET,
        std::net::SocketAddr::V6(_) => net::AddressFamily::INET6,
    };
    let flags = SockFlags::NONBLOCK | SockFlags::CLOEXEC;
    let sock = net::socket(family, net::SocketType::STREAM, flags, net::Protocol::TCP)?;
    sockopt::set_reuseaddr(&sock, true)?;
    sockopt::set_reuseport(&sock, true)?;
    if let Some(cpu) = cpu {
        sockopt::set_incoming_cpu(&sock, cpu as u32)?;
    }
    net::bind(&sock, addr)?;
    net::listen(&sock, 4096)?;
    Ok(sock)
}
