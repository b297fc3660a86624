//! The raw layer: return-value decoding, errors straight from the kernel, and the hooks.

use std::fs::File;
use std::io::Write as _;
use std::os::fd::AsRawFd;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use sysbridge::raw::{self, Hooks, set_hooks};
use sysbridge::{Errno, Sysno, raw_syscall, syscall};

#[test]
fn getpid_through_both_entries() {
    let me = std::process::id() as usize;
    // SAFETY: getpid has no arguments and no effect.
    assert_eq!(unsafe { raw::raw_syscall0(Sysno::getpid) }, Ok(me));
    // SAFETY: as above.
    assert_eq!(unsafe { raw::syscall0(Sysno::getpid) }, Ok(me));
    // SAFETY: as above.
    assert_eq!(unsafe { raw_syscall!(Sysno::getpid) }, Ok(me));
}

#[test]
fn errors_come_back_as_errno() {
    // SAFETY: close of a descriptor that cannot exist.
    let closed = unsafe { raw::raw_syscall1(Sysno::close, 0x7fff_fff0) };
    assert_eq!(closed, Err(Errno::EBADF));
    // The kernel validates pointers: a read into an unmapped address is EFAULT, not a crash.
    let f = File::open("/dev/zero").unwrap();
    // SAFETY: address 8 is never mapped (mmap_min_addr), so the kernel refuses it.
    let r = unsafe { syscall!(Sysno::read, f.as_raw_fd(), 8usize, 16usize) };
    assert_eq!(r, Err(Errno::EFAULT));
}

// The hooks are process-wide; the tests that register them take turns.
static HOOK_LOCK: Mutex<()> = Mutex::new(());
static ENTERED: Mutex<Vec<Sysno>> = Mutex::new(Vec::new());
static EXITED: Mutex<Vec<(Sysno, Result<usize, Errno>)>> = Mutex::new(Vec::new());
static NESTED_CALLS: AtomicUsize = AtomicUsize::new(0);

fn record_enter(nr: Sysno) {
    if std::thread::current().name() == Some("hooked") {
        ENTERED.lock().unwrap().push(nr);
    }
}
fn record_exit(nr: Sysno, r: Result<usize, Errno>) {
    if std::thread::current().name() == Some("hooked") {
        EXITED.lock().unwrap().push((nr, r));
    }
}
static RECORDING: Hooks = Hooks {
    enter: record_enter,
    exit: record_exit,
};

#[test]
fn hooks_run_around_blocking_calls_only() {
    let _turn = HOOK_LOCK.lock().unwrap();
    let previous = set_hooks(Some(&RECORDING));
    std::thread::Builder::new()
        .name("hooked".into())
        .spawn(|| {
            let zero = File::open("/dev/zero").unwrap();
            let mut buf = [1u8; 8];
            assert_eq!(sysbridge::io::read(&zero, &mut buf), Ok(8));
            let _ = sysbridge::process::getpid(); // non-blocking: no hooks
            // SAFETY: close of a descriptor that cannot exist.
            let r = unsafe { raw::syscall1(Sysno::close, 0x7fff_fff0) };
            assert_eq!(r, Err(Errno::EBADF));
        })
        .unwrap()
        .join()
        .unwrap();
    set_hooks(previous);
    assert_eq!(*ENTERED.lock().unwrap(), [Sysno::read, Sysno::close]);
    assert_eq!(
        *EXITED.lock().unwrap(),
        [(Sysno::read, Ok(8)), (Sysno::close, Err(Errno::EBADF))]
    );
}

fn nested_enter(_: Sysno) {
    // A hook that itself makes a blocking call must not recurse into the hooks.
    NESTED_CALLS.fetch_add(1, Ordering::SeqCst);
    let mut sink = File::options().write(true).open("/dev/null").unwrap();
    sink.write_all(b"x").unwrap();
    sysbridge::io::write(&sink, b"y").unwrap();
}
fn nested_exit(_: Sysno, _: Result<usize, Errno>) {}
static NESTED: Hooks = Hooks {
    enter: nested_enter,
    exit: nested_exit,
};

#[test]
fn a_hook_making_calls_does_not_recurse() {
    let _turn = HOOK_LOCK.lock().unwrap();
    let before = NESTED_CALLS.load(Ordering::SeqCst);
    let previous = set_hooks(Some(&NESTED));
    let null = File::options().write(true).open("/dev/null").unwrap();
    let r = sysbridge::io::write(&null, b"z");
    set_hooks(previous);
    assert_eq!(r, Ok(1));
    // Other test threads may run blocking calls meanwhile; ours ran the hook once at
    // least, and the hook's own write did not run it again forever.
    assert!(NESTED_CALLS.load(Ordering::SeqCst) > before);
}

#[test]
fn set_hooks_returns_the_previous_ones() {
    let _turn = HOOK_LOCK.lock().unwrap();
    let original = set_hooks(Some(&RECORDING));
    assert!(std::ptr::eq(raw::hooks().unwrap(), &RECORDING));
    let mine = set_hooks(Some(&NESTED));
    assert!(std::ptr::eq(mine.unwrap(), &RECORDING));
    let back = set_hooks(original);
    assert!(std::ptr::eq(back.unwrap(), &NESTED));
    assert!(raw::hooks().is_none() || original.is_some());
}

fn panicking_enter(_: Sysno) {
    panic!("a hook that panics");
}
fn quiet_exit(_: Sysno, _: Result<usize, Errno>) {}
static PANICKING: Hooks = Hooks {
    enter: panicking_enter,
    exit: quiet_exit,
};

#[test]
fn a_panicking_hook_aborts_the_process() {
    use std::os::unix::process::ExitStatusExt;
    const CHILD: &str = "SYSBRIDGE_PANICKING_HOOK_CHILD";
    if std::env::var_os(CHILD).is_some() {
        // In the re-executed test binary: a blocking call under a panicking hook.
        set_hooks(Some(&PANICKING));
        let null = File::options().write(true).open("/dev/null").unwrap();
        let _ = sysbridge::io::write(&null, b"x");
        unreachable!("the hook's panic must abort before the write returns");
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_panicking_hook_aborts_the_process",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.signal(),
        Some(libc::SIGABRT),
        "{:?}\n{stderr}",
        out.status
    );
    assert!(stderr.contains("a hook that panics"), "{stderr}");
}
