//! `Notify`, `signalfd`, `sigaltstack` and pidfds, against independent views: libc's
//! view of dispositions and stacks, libc's structure layouts, `/proc/self/task`, std's
//! view of a child's fate.
//!
//! Dispositions belong to the whole process, so the tests of this binary take turns
//! (`SERIAL`).

use std::os::fd::AsFd;
use std::os::unix::process::ExitStatusExt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use sysbridge::Errno;
use sysbridge::process::{self, Pid, PidfdFlags, WaitId, WaitOptions};
use sysbridge::signal::{
    self, How, Notify, SaFlags, SfdFlags, SigAction, SigHandler, SigSet, SigStack, Signal,
    SignalfdSiginfo, SsFlags,
};

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

const WAIT: Duration = Duration::from_secs(10);

/// libc's view of the disposition of `sig`: the handler address.
fn libc_handler(sig: Signal) -> usize {
    // SAFETY: a zeroed sigaction is valid; a null new action only queries.
    unsafe {
        let mut old: libc::sigaction = core::mem::zeroed();
        assert_eq!(libc::sigaction(sig.raw(), core::ptr::null(), &mut old), 0);
        old.sa_sigaction
    }
}

fn raise(sig: Signal) {
    signal::kill(process::getpid(), sig).unwrap();
}

/// Sends `sig` to this thread: any handler has run when this returns.
fn raise_here(sig: Signal) {
    signal::tgkill(process::getpid(), process::gettid(), sig).unwrap();
}

#[test]
fn notify_delivers_sigusr1_to_two_subscribers() {
    let _serial = serial();
    let usr1 = SigSet::EMPTY.with(Signal::SIGUSR1);
    assert_eq!(libc_handler(Signal::SIGUSR1), libc::SIG_DFL);
    let a = Notify::new(usr1).unwrap();
    let b = Notify::new(usr1).unwrap();
    let other = Notify::new(SigSet::EMPTY.with(Signal::SIGUSR2)).unwrap();
    assert_ne!(libc_handler(Signal::SIGUSR1), libc::SIG_DFL);
    raise(Signal::SIGUSR1);
    assert_eq!(a.recv_timeout(WAIT), Some(Signal::SIGUSR1));
    assert_eq!(b.recv_timeout(WAIT), Some(Signal::SIGUSR1));
    assert_eq!(other.recv_timeout(Duration::from_millis(100)), None);
    // Two different signals both arrive.
    raise(Signal::SIGUSR2);
    raise(Signal::SIGUSR1);
    assert_eq!(other.recv_timeout(WAIT), Some(Signal::SIGUSR2));
    assert_eq!(a.iter().next(), Some(Signal::SIGUSR1));
    assert_eq!(b.recv(), Signal::SIGUSR1);
    // One subscriber gone: the handler stays for the other.
    a.stop().unwrap();
    assert_ne!(libc_handler(Signal::SIGUSR1), libc::SIG_DFL);
    raise(Signal::SIGUSR1);
    assert_eq!(b.recv_timeout(WAIT), Some(Signal::SIGUSR1));
    // The last one gone: the default action is back.
    drop(b);
    assert_eq!(libc_handler(Signal::SIGUSR1), libc::SIG_DFL);
    assert_ne!(libc_handler(Signal::SIGUSR2), libc::SIG_DFL);
    other.stop().unwrap();
    assert_eq!(libc_handler(Signal::SIGUSR2), libc::SIG_DFL);
    assert_eq!(other_dispatchers(), 0, "the dispatcher thread ended");
}

/// Threads of this process named as Notify's dispatcher.
fn other_dispatchers() -> usize {
    // The dispatcher may still be ending: its pipe is closed before it is joined.
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter(|t| {
            let comm = t.as_ref().unwrap().path().join("comm");
            std::fs::read_to_string(comm).is_ok_and(|c| c.trim_end() == "sysbridge-signa")
        })
        .count()
}

static OLD_HANDLER_RAN: AtomicUsize = AtomicUsize::new(0);

extern "C" fn old_handler(_: i32) {
    OLD_HANDLER_RAN.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn notify_restores_the_handler_it_replaced() {
    let _serial = serial();
    let mine = SigAction {
        handler: SigHandler::Handler(old_handler),
        flags: SaFlags::RESTART,
        mask: SigSet::EMPTY,
    };
    // SAFETY: the handler only increments an atomic.
    let before = unsafe { signal::sigaction(Signal::SIGUSR2, &mine) }.unwrap();
    raise_here(Signal::SIGUSR2);
    assert_eq!(OLD_HANDLER_RAN.load(Ordering::SeqCst), 1);
    let n = Notify::new(SigSet::EMPTY.with(Signal::SIGUSR2)).unwrap();
    raise_here(Signal::SIGUSR2);
    assert_eq!(n.recv_timeout(WAIT), Some(Signal::SIGUSR2));
    assert_eq!(
        OLD_HANDLER_RAN.load(Ordering::SeqCst),
        1,
        "ours replaced it"
    );
    n.stop().unwrap();
    assert_eq!(
        libc_handler(Signal::SIGUSR2),
        old_handler as *const () as usize
    );
    raise_here(Signal::SIGUSR2);
    assert_eq!(OLD_HANDLER_RAN.load(Ordering::SeqCst), 2);
    // SAFETY: back to what the test found.
    unsafe { signal::sigaction(Signal::SIGUSR2, &before) }.unwrap();
}

#[test]
fn notify_refuses_what_it_cannot_handle() {
    let _serial = serial();
    for sig in [
        Signal::SIGKILL,
        Signal::SIGSTOP,
        Signal::SIGSEGV,
        Signal::SIGBUS,
        Signal::SIGFPE,
        Signal::SIGILL,
        Signal::from_raw(32),
    ] {
        let set = SigSet::EMPTY.with(Signal::SIGUSR1).with(sig);
        assert_eq!(Notify::new(set).err(), Some(Errno::EINVAL), "{sig}");
    }
    assert_eq!(libc_handler(Signal::SIGUSR1), libc::SIG_DFL);
    // A real-time signal is fine, and several at once.
    let rt = Signal::from_raw(40);
    let n = Notify::new(SigSet::EMPTY.with(rt).with(Signal::SIGWINCH)).unwrap();
    raise(rt);
    assert_eq!(n.recv_timeout(WAIT), Some(rt));
    raise(Signal::SIGWINCH);
    assert_eq!(n.recv_timeout(WAIT), Some(Signal::SIGWINCH));
    assert_eq!(n.signals(), SigSet::EMPTY.with(rt).with(Signal::SIGWINCH));
    drop(n);
    assert_eq!(libc_handler(rt), libc::SIG_DFL);
}

#[test]
fn notify_from_many_threads_never_loses_the_last_signal() {
    let _serial = serial();
    let n = Notify::new(SigSet::EMPTY.with(Signal::SIGUSR1)).unwrap();
    let senders: Vec<_> = (0..4)
        .map(|_| std::thread::spawn(|| (0..200).for_each(|_| raise(Signal::SIGUSR1))))
        .collect();
    for s in senders {
        s.join().unwrap();
    }
    // Standard signals coalesce: at least one, at most one per send.
    let mut got = 0;
    while n.recv_timeout(Duration::from_millis(200)).is_some() {
        got += 1;
    }
    assert!((1..=800).contains(&got), "{got}");
}

#[test]
fn signalfd_reads_a_thread_directed_signal_as_libc_lays_it_out() {
    let _serial = serial();
    assert_eq!(
        size_of::<SignalfdSiginfo>(),
        size_of::<libc::signalfd_siginfo>()
    );
    assert_eq!(SfdFlags::CLOEXEC.bits() as i32, libc::SFD_CLOEXEC);
    assert_eq!(SfdFlags::NONBLOCK.bits() as i32, libc::SFD_NONBLOCK);
    std::thread::spawn(|| {
        let usr2 = SigSet::EMPTY.with(Signal::SIGUSR2);
        signal::sigprocmask(How::Block, &usr2).unwrap();
        let fd = signal::signalfd(&usr2, SfdFlags::CLOEXEC | SfdFlags::NONBLOCK).unwrap();
        let mut records = [SignalfdSiginfo::default(); 2];
        assert_eq!(signal::read_signalfd(&fd, &mut records), Err(Errno::EAGAIN));
        signal::tgkill(process::getpid(), process::gettid(), Signal::SIGUSR2).unwrap();
        assert_eq!(signal::read_signalfd(&fd, &mut records), Ok(1));
        let r = records[0];
        assert_eq!(r.signal(), Signal::SIGUSR2);
        assert_eq!(r.code, libc::SI_TKILL);
        assert_eq!(r.pid, process::getpid().as_raw() as u32);
        assert_eq!(r.uid, process::getuid().as_raw());
        // SAFETY: same size, and every bit pattern is a valid signalfd_siginfo.
        let theirs: libc::signalfd_siginfo = unsafe { core::mem::transmute(r) };
        assert_eq!(
            (
                theirs.ssi_signo,
                theirs.ssi_code,
                theirs.ssi_pid,
                theirs.ssi_uid
            ),
            (r.signo, r.code, r.pid, r.uid)
        );
        // Changing the mask: SIGUSR2 is no longer read.
        signal::signalfd_set_mask(&fd, &SigSet::EMPTY.with(Signal::SIGUSR1)).unwrap();
        signal::tgkill(process::getpid(), process::gettid(), Signal::SIGUSR2).unwrap();
        assert_eq!(signal::read_signalfd(&fd, &mut records), Err(Errno::EAGAIN));
        let pending = signal::signalfd(&usr2, SfdFlags::CLOEXEC).unwrap();
        assert_eq!(signal::read_signalfd(&pending, &mut records), Ok(1));
        let file = std::fs::File::open("/dev/null").unwrap();
        assert_eq!(signal::signalfd_set_mask(&file, &usr2), Err(Errno::EINVAL));
    })
    .join()
    .unwrap();
}

static ON_STACK_AT: AtomicUsize = AtomicUsize::new(0);

extern "C" fn note_stack(_: i32) {
    let local = 0u8;
    ON_STACK_AT.store(core::ptr::from_ref(&local) as usize, Ordering::SeqCst);
}

#[test]
fn sigaltstack_agrees_with_libc_and_hosts_onstack_handlers() {
    let _serial = serial();
    std::thread::spawn(|| {
        let ours = signal::sigaltstack().unwrap();
        // SAFETY: a zeroed stack_t is valid; a null new stack only queries.
        let theirs = unsafe {
            let mut st: libc::stack_t = core::mem::zeroed();
            assert_eq!(libc::sigaltstack(core::ptr::null(), &mut st), 0);
            st
        };
        assert_eq!(
            (ours.base, ours.size, ours.flags.bits()),
            (theirs.ss_sp as usize, theirs.ss_size, theirs.ss_flags)
        );
        let mut memory = vec![0u8; 64 * 1024];
        let new = SigStack {
            base: memory.as_mut_ptr() as usize,
            flags: SsFlags::empty(),
            size: memory.len(),
        };
        // SAFETY: `memory` outlives the stack's installation (it is put back below).
        let previous = unsafe { signal::set_sigaltstack(&new) }.unwrap();
        assert_eq!(previous, ours);
        let onstack = SigAction {
            handler: SigHandler::Handler(note_stack),
            flags: SaFlags::ONSTACK,
            mask: SigSet::EMPTY,
        };
        // SAFETY: the handler stores to an atomic.
        let old = unsafe { signal::sigaction(Signal::SIGWINCH, &onstack) }.unwrap();
        raise_here(Signal::SIGWINCH);
        let at = ON_STACK_AT.load(Ordering::SeqCst);
        assert!((new.base..new.base + new.size).contains(&at), "{at:#x}");
        // SAFETY: the previous disposition and stack, as found.
        unsafe {
            signal::sigaction(Signal::SIGWINCH, &old).unwrap();
            signal::set_sigaltstack(&previous).unwrap();
        }
        let tiny = SigStack { size: 100, ..new };
        // SAFETY: refused by the kernel before anything is installed.
        let refused = unsafe { signal::set_sigaltstack(&tiny) };
        assert_eq!(refused, Err(Errno::ENOMEM));
        drop(memory);
    })
    .join()
    .unwrap();
}

#[test]
fn pidfds_signal_the_right_process() {
    let _serial = serial();
    assert_eq!(PidfdFlags::NONBLOCK.bits(), libc::PIDFD_NONBLOCK);
    let mut child = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .unwrap();
    let pid = Pid::from_raw(child.id() as i32);
    let pidfd = process::pidfd_open(pid, PidfdFlags::empty()).unwrap();
    signal::pidfd_send_signal(&pidfd, Signal::from_raw(0)).unwrap();
    signal::pidfd_send_signal(&pidfd, Signal::SIGTERM).unwrap();
    assert_eq!(child.wait().unwrap().signal(), Some(libc::SIGTERM));
    // Reaped: the descriptor still refers to that process, which is gone.
    assert_eq!(
        signal::pidfd_send_signal(&pidfd, Signal::SIGTERM),
        Err(Errno::ESRCH)
    );
    // Not our child: openable and signallable, not waitable.
    let parent = process::pidfd_open(process::getppid(), PidfdFlags::NONBLOCK).unwrap();
    signal::pidfd_send_signal(&parent, Signal::from_raw(0)).unwrap();
    assert_eq!(
        process::waitid(WaitId::PidFd(parent.as_fd()), WaitOptions::EXITED).err(),
        Some(Errno::ECHILD)
    );
    assert_eq!(
        process::pidfd_open(Pid::from_raw(i32::MAX), PidfdFlags::empty()).err(),
        Some(Errno::ESRCH)
    );
}
