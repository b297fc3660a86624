//! The `http_server` example as a black box: driven by curl (skipped loudly where it is
//! absent; `.ci/net` installs it) and by raw TCP for keep-alive, pipelining, malformed
//! and oversized requests, static files and their confinement, 10,000 concurrent
//! keep-alive connections with the server's descriptors counted before and after, and
//! a graceful stop on SIGTERM. Its request parser is also fed random bytes.
//!
//! The binary is the one `cargo test` builds with the examples
//! (`target/<profile>/examples/http_server`).

#[allow(dead_code, unreachable_pub)]
#[path = "../examples/http_server/request.rs"]
mod request;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn server_binary() -> PathBuf {
    // target/<profile>/deps/http_server-HASH -> target/<profile>/examples/http_server
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples/http_server");
    assert!(
        bin.exists(),
        "{} is missing: `cargo test` builds it with the examples (or run `cargo build --example http_server`)",
        bin.display()
    );
    bin
}

/// A running server, killed when dropped if it has not exited.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(root: Option<&Path>) -> Server {
        Server::start_with(root, &[])
    }

    fn start_with(root: Option<&Path>, args: &[&str]) -> Server {
        let mut cmd = Command::new(server_binary());
        cmd.args(["--listen", "127.0.0.1:0", "--threads", "2"])
            .args(args);
        if let Some(root) = root {
            cmd.arg("--root").arg(root);
        }
        let mut child = cmd.stdout(Stdio::piped()).spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .parse()
            .unwrap();
        Server { child, addr }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn open_fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid()))
            .unwrap()
            .count()
    }

    fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            self.child.kill().ok();
            self.child.wait().ok();
        }
    }
}

/// One response read off a stream: status line, headers (lowercase names), body.
#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one response (Content-Length framed; no body for `head`).
fn read_response(r: &mut BufReader<&mut TcpStream>, head: bool) -> Response {
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let status = line
        .split(' ')
        .nth(1)
        .unwrap_or_else(|| panic!("status line {line:?}"))
        .parse()
        .unwrap();
    let mut headers = Vec::new();
    loop {
        line.clear();
        r.read_line(&mut line).unwrap();
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let (n, v) = l.split_once(':').unwrap();
        headers.push((n.to_ascii_lowercase(), v.trim().to_string()));
    }
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map_or(0, |(_, v)| v.parse().unwrap());
    let mut body = vec![0; if head { 0 } else { len }];
    r.read_exact(&mut body).unwrap();
    Response {
        status,
        headers,
        body,
    }
}

/// Sends `request` on a new connection and reads one response.
fn exchange(server: &Server, request: &[u8]) -> (Response, TcpStream) {
    let mut s = server.connect();
    s.write_all(request).unwrap();
    let response = read_response(&mut BufReader::new(&mut s), false);
    (response, s)
}

/// Whether the server closed the connection (after what was already read).
fn closed(s: &mut TcpStream) -> bool {
    matches!(s.read(&mut [0u8; 64]), Ok(0))
}

const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: test\r\n\r\n";

#[test]
fn hello_keep_alive_and_pipelining() {
    let server = Server::start(None);
    let mut s = server.connect();
    // Keep-alive: many requests, one connection.
    for _ in 0..100 {
        s.write_all(GET).unwrap();
        let r = read_response(&mut BufReader::new(&mut s), false);
        assert_eq!((r.status, r.body.as_slice()), (200, &b"Hello, world!"[..]));
        assert_eq!(r.header("content-length"), Some("13"));
        assert_eq!(r.header("content-type"), Some("text/plain"));
        assert_eq!(r.header("connection"), None);
        assert!(
            r.header("date")
                .is_some_and(|d| d.ends_with(" GMT") && d.len() == 29)
        );
    }
    // Pipelining: three requests in one write (and one split across two writes), three
    // responses in order.
    let mut batch = Vec::new();
    batch.extend_from_slice(GET);
    batch.extend_from_slice(b"HEAD / HTTP/1.1\r\nHost: t\r\n\r\n");
    batch.extend_from_slice(b"GET /nope HTTP/1.1\r\nHost: t\r\n\r\nGET / HT");
    s.write_all(&batch).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    s.write_all(b"TP/1.1\r\nHost: t\r\n\r\n").unwrap();
    let mut r = BufReader::new(&mut s);
    assert_eq!(read_response(&mut r, false).status, 200);
    let head = read_response(&mut r, true);
    assert_eq!(
        (head.status, head.header("content-length")),
        (200, Some("13"))
    );
    assert_eq!(read_response(&mut r, false).status, 404);
    assert_eq!(read_response(&mut r, false).body, b"Hello, world!");

    // HTTP/1.0: closed after one response unless it asks to keep alive.
    let (r, mut s10) = exchange(&server, b"GET / HTTP/1.0\r\n\r\n");
    assert_eq!((r.status, r.header("connection")), (200, Some("close")));
    assert!(closed(&mut s10));
    let (r, mut ka) = exchange(&server, b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert_eq!(r.header("connection"), Some("keep-alive"));
    ka.write_all(GET).unwrap();
    assert_eq!(
        read_response(&mut BufReader::new(&mut ka), false).status,
        200
    );
    let (r, mut c) = exchange(
        &server,
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!((r.status, r.header("connection")), (200, Some("close")));
    assert!(closed(&mut c));
}

#[test]
fn malformed_requests_get_400_and_a_close() {
    let server = Server::start(None);
    let before = server.open_fds();
    let bad: [&[u8]; 10] = [
        b"GARBAGE\r\n\r\n",
        b"GET / HTTP/2.0\r\nHost: a\r\n\r\n",
        b"GET / HTTP/1.1\r\n\r\n",
        b"GET noslash HTTP/1.1\r\nHost: a\r\n\r\n",
        b"GET / HTTP/1.1\r\nNo colon here\r\nHost: a\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: ten\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nX: \x01\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        b"G\xffT / HTTP/1.1\r\nHost: a\r\n\r\n",
        b"GET / HTTP/1.1\nHost: a\r\n\r\n",
    ];
    for request in bad {
        let (r, mut s) = exchange(&server, request);
        assert_eq!(r.status, 400, "{:?}", String::from_utf8_lossy(request));
        assert_eq!(r.header("connection"), Some("close"));
        assert!(closed(&mut s));
    }
    // A body this server does not read: 400; another method: 405 naming GET and HEAD.
    let (r, _) = exchange(
        &server,
        b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc",
    );
    assert_eq!(r.status, 400);
    let (r, mut s) = exchange(
        &server,
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc",
    );
    assert_eq!((r.status, r.header("allow")), (405, Some("GET, HEAD")));
    assert!(closed(&mut s));
    drop(s);
    // A good request after a bad one on the same connection is never answered.
    let (r, mut s) = exchange(&server, b"BAD\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(r.status, 400);
    assert!(closed(&mut s));
    drop(s);
    wait_for(
        || server.open_fds() == before,
        "descriptors back to the baseline",
    );
}

#[test]
fn a_peer_that_never_closes_is_let_go() {
    let server = Server::start(None);
    let before = server.open_fds();
    let (r, held) = exchange(&server, b"NOT HTTP\r\n\r\n");
    assert_eq!(r.status, 400);
    assert_eq!(
        server.open_fds(),
        before + 1,
        "lingering for the peer's close"
    );
    // The server gives up after about two seconds, though we still hold our end.
    wait_for(
        || server.open_fds() == before,
        "the lingering connection to be closed",
    );
    drop(held);
}

#[test]
fn idle_connections_time_out() {
    let server = Server::start_with(None, &["--idle-timeout", "1"]);
    let before = server.open_fds();
    let mut idle = server.connect();
    idle.write_all(GET).unwrap();
    assert_eq!(
        read_response(&mut BufReader::new(&mut idle), false).status,
        200
    );
    let start = Instant::now();
    assert!(closed(&mut idle), "closed by the server");
    assert!(
        start.elapsed() >= Duration::from_millis(900),
        "{:?}",
        start.elapsed()
    );
    wait_for(
        || server.open_fds() == before,
        "the idle connection's descriptor to go",
    );
    // An active connection is not idle.
    let mut busy = server.connect();
    for _ in 0..6 {
        busy.write_all(GET).unwrap();
        assert_eq!(
            read_response(&mut BufReader::new(&mut busy), false).status,
            200
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn oversized_heads_are_cut_off() {
    let server = Server::start(None);
    let mut s = server.connect();
    let mut head = b"GET / HTTP/1.1\r\nHost: a\r\n".to_vec();
    while head.len() < 64 * 1024 {
        head.extend_from_slice(
            b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n",
        );
    }
    // The server answers once its 8 KiB are full, while we are still sending.
    let writer = {
        let mut w = s.try_clone().unwrap();
        std::thread::spawn(move || w.write_all(&head).is_ok())
    };
    let r = read_response(&mut BufReader::new(&mut s), false);
    assert_eq!(r.status, 431);
    assert!(closed(&mut s));
    writer.join().unwrap();
    // Still serving.
    let (r, _) = exchange(&server, GET);
    assert_eq!(r.status, 200);
}

#[test]
fn curl_sees_the_same_answers() {
    if Command::new("curl").arg("--version").output().is_err() {
        eprintln!("SKIPPED: curl not found (apt-get install -y curl; .ci/net installs it)");
        return;
    }
    let server = Server::start(None);
    let curl = |args: &[&str]| {
        let out = Command::new("curl")
            .args(["-s", "--max-time", "10"])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "curl {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(curl(&[&server.url("/")]), "Hello, world!");
    let code = |args: &[&str]| curl(&[&["-o", "/dev/null", "-w", "%{http_code}"], args].concat());
    assert_eq!(code(&[&server.url("/")]), "200");
    assert_eq!(code(&[&server.url("/missing")]), "404");
    assert_eq!(code(&["-X", "DELETE", &server.url("/")]), "405");
    let head = curl(&["-I", &server.url("/")]);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.contains("Content-Length: 13\r\n"), "{head}");
    // Several requests on one connection: curl reuses it.
    let u = server.url("/");
    let verbose = Command::new("curl")
        .args(["-sv", &u, &u, &u])
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&verbose.stderr);
    assert_eq!(
        log.matches("Re-using existing connection").count()
            + log.matches("Reusing existing").count(),
        2,
        "{log}"
    );
    assert_eq!(
        String::from_utf8_lossy(&verbose.stdout),
        "Hello, world!".repeat(3)
    );
}

fn site() -> (tempfile::TempDir, PathBuf) {
    let top = tempfile::tempdir().unwrap();
    let root = top.path().join("www");
    std::fs::create_dir_all(root.join("sub/empty")).unwrap();
    std::fs::write(top.path().join("secret.txt"), b"outside").unwrap();
    std::fs::write(root.join("index.html"), b"<h1>index</h1>").unwrap();
    std::fs::write(root.join("sub/a b.txt"), b"spaced").unwrap();
    let big: Vec<u8> = (0..3 * 1024 * 1024 + 17)
        .map(|i| (i * 7 % 251) as u8)
        .collect();
    std::fs::write(root.join("big.bin"), &big).unwrap();
    std::os::unix::fs::symlink("sub/a b.txt", root.join("inside-link")).unwrap();
    std::os::unix::fs::symlink(top.path().join("secret.txt"), root.join("outside-link")).unwrap();
    std::os::unix::fs::symlink("../secret.txt", root.join("up-link")).unwrap();
    (top, root)
}

#[test]
fn static_files_and_confinement() {
    let (_top, root) = site();
    let server = Server::start(Some(&root));
    let get = |path: &str| {
        exchange(
            &server,
            format!("GET {path} HTTP/1.1\r\nHost: a\r\n\r\n").as_bytes(),
        )
        .0
    };
    let r = get("/");
    assert_eq!((r.status, r.body.as_slice()), (200, &b"<h1>index</h1>"[..]));
    assert_eq!(r.header("content-type"), Some("text/html"));
    assert_eq!(get("/sub/a%20b.txt?query=1").body, b"spaced");
    assert_eq!(get("/inside-link").body, b"spaced");
    let big = get("/big.bin");
    assert_eq!(big.body, std::fs::read(root.join("big.bin")).unwrap());
    assert_eq!(big.header("content-type"), Some("application/octet-stream"));
    for escape in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/sub/../../secret.txt",
        "/outside-link",
        "/up-link",
    ] {
        let r = get(escape);
        assert_eq!(r.status, 403, "{escape}");
        assert!(!r.body.windows(7).any(|w| w == b"outside"), "{escape}");
    }
    assert_eq!(get("/missing").status, 404);
    assert_eq!(get("/sub/empty/").status, 404);
    assert_eq!(get("/sub").status, 404);
    assert_eq!(get("/bad%zz").status, 400);
    assert_eq!(get("/nul%00byte").status, 400);

    // HEAD of a file: its length, no body; then the connection still works.
    let mut s = server.connect();
    s.write_all(
        b"HEAD /big.bin HTTP/1.1\r\nHost: a\r\n\r\nGET /sub/a%20b.txt HTTP/1.1\r\nHost: a\r\n\r\n",
    )
    .unwrap();
    let mut r = BufReader::new(&mut s);
    let head = read_response(&mut r, true);
    assert_eq!(head.header("content-length"), Some("3145745"));
    assert_eq!(read_response(&mut r, false).body, b"spaced");

    // Pipelined files come back whole and in order.
    let mut s = server.connect();
    s.write_all(b"GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\nGET /index.html HTTP/1.1\r\nHost: a\r\n\r\nGET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    let mut r = BufReader::new(&mut s);
    assert_eq!(read_response(&mut r, false).body.len(), 3145745);
    assert_eq!(read_response(&mut r, false).body, b"<h1>index</h1>");
    assert_eq!(read_response(&mut r, false).body, big.body);

    if Command::new("curl").arg("--version").output().is_ok() {
        let out = Command::new("curl")
            .args(["-s", "--path-as-is", &server.url("/../secret.txt")])
            .output()
            .unwrap();
        assert!(!String::from_utf8_lossy(&out.stdout).contains("outside"));
        let out = Command::new("curl")
            .args(["-s", &server.url("/big.bin")])
            .output()
            .unwrap();
        assert_eq!(out.stdout, big.body);
    } else {
        eprintln!("SKIPPED: curl not found; the files were checked over raw TCP only");
    }
}

fn wait_for(mut done: impl FnMut() -> bool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Raises this process's descriptor limit (inherited by the server it starts).
fn raise_nofile(want: u64) -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is valid for writes; then read.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim), 0);
        lim.rlim_cur = want.min(lim.rlim_max);
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &lim), 0);
    }
    lim.rlim_cur
}

#[test]
fn ten_thousand_concurrent_keep_alive_connections() {
    const N: usize = 10_000;
    let limit = raise_nofile(N as u64 + 1000);
    if limit < N as u64 + 200 {
        eprintln!(
            "SKIPPED: 10k connections need RLIMIT_NOFILE above {N}; the hard limit is {limit}"
        );
        return;
    }
    let server = Server::start(None);
    let baseline = server.open_fds();
    let mut conns = Vec::with_capacity(N);
    for _ in 0..N {
        let s = TcpStream::connect(server.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        conns.push(s);
    }
    // Every connection asks, every one is answered, twice: all held open meanwhile.
    for round in 0..2 {
        for s in &mut conns {
            s.write_all(GET).unwrap();
        }
        for s in &mut conns {
            let mut r = BufReader::new(s);
            let response = read_response(&mut r, false);
            assert_eq!(response.body, b"Hello, world!", "round {round}");
        }
    }
    assert_eq!(
        server.open_fds(),
        baseline + N,
        "one descriptor per open connection"
    );
    drop(conns);
    wait_for(
        || server.open_fds() == baseline,
        "the server to close all 10k connections",
    );
}

#[test]
fn sigterm_stops_gracefully() {
    let (_top, root) = site();
    let mut server = Server::start(Some(&root));
    // An idle keep-alive connection, and one in the middle of a 3 MiB response that
    // it reads slowly.
    let mut idle = server.connect();
    idle.write_all(GET).unwrap();
    assert_eq!(
        read_response(&mut BufReader::new(&mut idle), false).status,
        200
    );
    let mut busy = server.connect();
    busy.write_all(b"GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    let mut first = [0u8; 1024];
    busy.read_exact(&mut first).unwrap();

    // SAFETY: kill sends a signal to our own child; no memory is involved.
    assert_eq!(unsafe { libc::kill(server.pid() as i32, libc::SIGTERM) }, 0);
    assert!(closed(&mut idle), "idle connections are closed at once");
    // The busy one gets its whole response, then the close.
    let mut rest = Vec::new();
    busy.read_to_end(&mut rest).unwrap();
    let text = String::from_utf8_lossy(&first[..200]).into_owned();
    let head_len = text.find("\r\n\r\n").unwrap() + 4;
    assert_eq!(1024 - head_len + rest.len(), 3 * 1024 * 1024 + 17);
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server did not exit");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
    assert!(
        TcpStream::connect(server.addr).is_err(),
        "no longer listening"
    );
}

#[test]
fn parser_never_panics_and_reads_valid_heads() {
    use proptest::prelude::*;
    let config = ProptestConfig {
        cases: 2000,
        ..ProptestConfig::default()
    };
    proptest!(config, |(bytes in proptest::collection::vec(any::<u8>(), 0..400))| {
        let _ = request::parse(&bytes);
        let mut out = [0u8; 512];
        let _ = request::decode_path(&bytes, &mut out);
    });
    proptest!(|(path in "/[a-z0-9/._-]{0,40}", host in "[a-z]{1,10}", extra in 0usize..4)| {
        let mut text = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n");
        for i in 0..extra {
            text.push_str(&format!("X-{i}: v{i}\r\n"));
        }
        text.push_str("\r\nGET");
        match request::parse(text.as_bytes()) {
            request::Parse::Done(req, used) => {
                prop_assert_eq!(req.target, path.as_bytes());
                prop_assert_eq!(req.method, request::Method::Get);
                prop_assert!(req.keep_alive);
                prop_assert_eq!(used, text.len() - 3);
            }
            other => prop_assert!(false, "{other:?}"),
        }
        // Any prefix of a head is incomplete, never bad.
        for cut in 0..text.len() - 3 {
            prop_assert_eq!(request::parse(&text.as_bytes()[..cut]), request::Parse::Partial);
        }
    });
}
