//! An HTTP/1.1 server on sysbridge's own epoll: one edge-triggered event loop per
//! thread, each with its own `SO_REUSEPORT` listener; keep-alive and pipelining;
//! `GET`/`HEAD` of `Hello, world!` (without `--root`) or of static files sent with
//! `sendfile` from a directory no request can escape (`openat2` with
//! `RESOLVE_BENEATH`); 400, 403, 404, 405 and 431 answers; graceful stop on `SIGTERM`
//! or `SIGINT`.
//!
//! ```text
//! cargo run --release --example http_server -- --listen 127.0.0.1:8080 [--root DIR] [--threads N]
//! ```
//!
//! A connection with no event for `--idle-timeout` seconds (default 75, as nginx's
//! `keepalive_timeout`) is closed.
//!
//! It prints `listening on ADDR` (with the port the kernel chose, for port 0) once
//! every thread is accepting. "One loop per core": thread `i` is kept on the `i`-th
//! CPU the process may use (`sched_setaffinity`; `taskset` narrows the choice), unless
//! `--no-pin`.
//!
//! Signals: the main thread blocks `SIGTERM` and `SIGINT` before it starts the
//! workers, so every thread inherits the mask and no handler ever runs; it then waits
//! for them on a `signalfd` (`rt_sigprocmask` and `signalfd4` through
//! [`sysbridge::raw_syscall!`], until the library has a signal module). On a signal
//! it writes to an eventfd that every worker's epoll watches: each closes its
//! listener, closes idle connections, finishes the responses in flight (up to 5 s),
//! and returns; the process exits 0.

mod date;
mod request;
mod server;

use std::net::SocketAddr;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;

use linux_raw_sys::general::{O_CLOEXEC, RLIMIT_NOFILE, SIG_BLOCK, SIGINT, SIGTERM, rlimit64};
use sysbridge::dir::Dir;
use sysbridge::event::{EfdFlags, eventfd, eventfd_write};
use sysbridge::{Errno, Sysno, io, net, raw_syscall};

struct Options {
    listen: SocketAddr,
    root: Option<String>,
    threads: usize,
    pin: bool,
    idle_secs: i64,
}

const USAGE: &str = "usage: http_server --listen ADDR:PORT [--root DIR] [--threads N] [--no-pin]";

fn options() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let mut listen = None;
    let mut root = None;
    let mut threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut pin = true;
    // nginx's keepalive_timeout.
    let mut idle_secs = 75;
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--listen" => listen = Some(value()?.parse().map_err(|e| format!("--listen: {e}"))?),
            "--root" => root = Some(value()?),
            "--threads" => {
                threads = value()?.parse().map_err(|e| format!("--threads: {e}"))?;
                if threads == 0 {
                    return Err("--threads: at least 1".into());
                }
            }
            "--idle-timeout" => {
                idle_secs = value()?
                    .parse()
                    .map_err(|e| format!("--idle-timeout: {e}"))?;
                if idle_secs < 1 {
                    return Err("--idle-timeout: at least 1".into());
                }
            }
            "--no-pin" => pin = false,
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    Ok(Options {
        listen: listen.ok_or(USAGE)?,
        root,
        threads,
        pin,
        idle_secs,
    })
}

/// Blocks `SIGTERM` and `SIGINT` in this thread (and the threads it starts) and
/// returns a signalfd that reads them.
fn stop_signals() -> Result<OwnedFd, Errno> {
    let mask: u64 = (1 << (SIGTERM - 1)) | (1 << (SIGINT - 1));
    // SAFETY: rt_sigprocmask reads the 8-byte mask; the old-mask pointer is null.
    unsafe { raw_syscall!(Sysno::rt_sigprocmask, SIG_BLOCK, &raw const mask, 0, 8) }?;
    // SAFETY: signalfd4 with fd -1 reads the 8-byte mask and creates a descriptor,
    // which nothing else owns.
    let fd = unsafe { raw_syscall!(Sysno::signalfd4, -1i32, &raw const mask, 8, O_CLOEXEC) }?;
    // SAFETY: signalfd4 has just created the descriptor `fd`.
    Ok(unsafe { std::os::fd::FromRawFd::from_raw_fd(fd as i32) })
}

/// The CPUs this process may run on (as `taskset` left them), in order.
fn allowed_cpus() -> Vec<usize> {
    let mut mask = [0u64; 16];
    // SAFETY: sched_getaffinity writes at most `size_of_val(&mask)` bytes into `mask`.
    let got = unsafe {
        raw_syscall!(
            Sysno::sched_getaffinity,
            0,
            size_of_val(&mask),
            mask.as_mut_ptr()
        )
    };
    let bytes = got.unwrap_or(0);
    (0..bytes * 8)
        .filter(|&cpu| mask[cpu / 64] & (1 << (cpu % 64)) != 0)
        .collect()
}

/// Keeps the calling thread on `cpu`.
fn pin_to(cpu: usize) {
    let mut mask = [0u64; 16];
    if let Some(word) = mask.get_mut(cpu / 64) {
        *word = 1 << (cpu % 64);
        // SAFETY: sched_setaffinity reads the mask; a failure leaves the thread free.
        let set = unsafe {
            raw_syscall!(
                Sysno::sched_setaffinity,
                0,
                size_of_val(&mask),
                mask.as_ptr()
            )
        };
        set.ok();
    }
}

/// Raises the soft limit on open descriptors to the hard limit (one per connection).
fn raise_nofile() {
    let mut limit = rlimit64 {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: prlimit64 on this process (pid 0) writes the old limit into `limit`.
    let read = unsafe { raw_syscall!(Sysno::prlimit64, 0, RLIMIT_NOFILE, 0, &raw mut limit) };
    if read.is_ok() && limit.rlim_cur < limit.rlim_max {
        limit.rlim_cur = limit.rlim_max;
        // SAFETY: prlimit64 reads the new limit; the old-limit pointer is null.
        let set = unsafe { raw_syscall!(Sysno::prlimit64, 0, RLIMIT_NOFILE, &raw const limit, 0) };
        set.ok();
    }
}

fn run(opts: Options) -> Result<(), String> {
    let site = Arc::new(server::Site {
        root: match &opts.root {
            Some(dir) => Some(Dir::open(dir.as_str()).map_err(|e| format!("--root {dir}: {e}"))?),
            None => None,
        },
        idle_secs: opts.idle_secs,
    });
    raise_nofile();
    let signals = stop_signals().map_err(|e| format!("signalfd: {e}"))?;
    let stop = Arc::new(eventfd(0, EfdFlags::CLOEXEC).map_err(|e| format!("eventfd: {e}"))?);

    let cpus = if opts.pin { allowed_cpus() } else { Vec::new() };
    let cpu_of = |i: usize| (!cpus.is_empty()).then(|| cpus[i % cpus.len()]);
    // The first listener fixes the port (the kernel's choice, for port 0).
    let first = server::listener(opts.listen, cpu_of(0))
        .map_err(|e| format!("listen {}: {e}", opts.listen))?;
    let local = net::getsockname(&first).map_err(|e| format!("getsockname: {e}"))?;
    let local = SocketAddr::try_from(local).map_err(|e| format!("getsockname: {e}"))?;
    let mut listeners = vec![first];
    for i in 1..opts.threads {
        let listener = server::listener(local, cpu_of(i));
        listeners.push(listener.map_err(|e| format!("listen {local}: {e}"))?);
    }
    let mut workers = Vec::new();
    for (i, listener) in listeners.into_iter().enumerate() {
        let cpu = cpu_of(i);
        let mut worker = server::Worker::new(listener, stop.as_fd(), Arc::clone(&site))
            .map_err(|e| format!("worker: {e}"))?;
        let stop = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name(format!("http-{i}"))
            .spawn(move || {
                if let Some(cpu) = cpu {
                    pin_to(cpu);
                }
                worker.run(stop.as_fd())
            })
            .map_err(|e| format!("thread: {e}"))?;
        workers.push(thread);
    }
    println!("listening on {local}");

    // Wait for SIGTERM or SIGINT: one `struct signalfd_siginfo` (128 bytes) per signal.
    let mut info = [0u8; 128];
    loop {
        match io::read(&signals, &mut info) {
            Ok(_) => break,
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(format!("signalfd: {e}")),
        }
    }
    eventfd_write(&*stop, 1).map_err(|e| format!("eventfd: {e}"))?;
    for worker in workers {
        match worker.join() {
            Ok(result) => result.map_err(|e| format!("worker: {e}"))?,
            Err(_) => return Err("a worker panicked".into()),
        }
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let result = options().and_then(run);
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("http_server: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}
