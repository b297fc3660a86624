//! Go's `signal.Notify`: signals delivered to subscribers as values on a channel.
//!
//! # Design
//!
//! One handler, [`on_signal`], serves every subscribed signal. It is async-signal-safe:
//! two atomic counter updates, one atomic load and one `write(2)` of the signal number
//! (one byte) to a non-blocking pipe. A dispatcher thread (`sysbridge-signal`) reads the
//! pipe and hands each signal to every subscriber of it, through a bounded channel
//! (capacity [`Notify::CAPACITY`]; a signal for a full channel is dropped for that
//! subscriber, as Go's `signal.Notify` drops it, and standard signals coalesce in the
//! kernel anyway).
//!
//! The handler is installed for a signal when its first subscriber comes; the
//! disposition it replaced is saved and put back when the last subscriber of that
//! signal goes (with [`Notify::stop`] or on drop). When no subscriber is left at all,
//! the pipe is closed and the dispatcher ends: a handler that started before its
//! signal's disposition was put back may still be running on another thread, so the
//! pipe's number is first withdrawn ([`PIPE`] set to -1) and the close waits until
//! no handler is between its start and its last use of the number ([`IN_FLIGHT`]).
//!
//! A signal arrives on some thread that does not block it; if every thread blocks
//! it, it stays pending until one unblocks it. The dispatcher blocks every signal, so
//! that no handler ever interrupts it.

use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use super::{How, SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction, sigprocmask};
use crate::fd::{self, PipeFlags};
use crate::fs::OFlags;
use crate::{Errno, Sysno, args, io, raw};

/// The write end of the self-pipe, -1 when there is none.
static PIPE: AtomicI32 = AtomicI32::new(-1);

/// How many handlers are between their start and their last use of [`PIPE`]'s value.
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// The handler of every subscribed signal: writes the signal's number to the pipe.
///
/// Async-signal-safe: atomics and one raw `write(2)`, which changes no `errno` (there
/// is none on our system-call path). A full pipe drops the byte (`EAGAIN`).
extern "C" fn on_signal(sig: i32) {
    IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
    let fd = PIPE.load(Ordering::SeqCst);
    if fd >= 0 {
        let byte = sig as u8;
        // SAFETY: a one-byte write from a local; `fd` is the pipe's write end, which
        // stays open while IN_FLIGHT counts this handler (see `Dispatcher::shut`).
        let _ = unsafe { raw::raw_syscall3(Sysno::write, fd as usize, args::ptr(&byte), 1) };
    }
    IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
}

/// One subscription.
struct Subscriber {
    id: u64,
    signals: SigSet,
    tx: SyncSender<Signal>,
}

/// The pipe's write end and the thread reading the other end.
struct Dispatcher {
    writer: OwnedFd,
    thread: JoinHandle<()>,
}

impl Dispatcher {
    /// Makes the pipe and starts the thread, with every signal blocked in it.
    fn start() -> Result<Dispatcher, Errno> {
        let (reader, writer) = fd::pipe2(PipeFlags::CLOEXEC | PipeFlags::NONBLOCK)?;
        // The handler's writes must never block; the dispatcher's reads should.
        let flags = fd::fcntl_getfl(&reader)?;
        fd::fcntl_setfl(&reader, flags.difference(OFlags::NONBLOCK))?;
        // A new thread starts with its creator's mask.
        let old = sigprocmask(How::SetMask, &SigSet::FULL)?;
        let thread = std::thread::Builder::new()
            .name("sysbridge-signal".into())
            .spawn(move || dispatch(reader));
        sigprocmask(How::SetMask, &old)?;
        let thread = thread.map_err(|e| Errno::from_io_error(&e).unwrap_or(Errno::EAGAIN))?;
        PIPE.store(writer.as_raw_fd(), Ordering::SeqCst);
        Ok(Dispatcher { writer, thread })
    }

    /// Withdraws the pipe from the handler, waits for handlers still using its number,
    /// and closes it; the thread then reads end-of-file and ends. Returns the thread to
    /// join once the state's lock is released (it may need the lock to finish).
    fn shut(self) -> JoinHandle<()> {
        PIPE.store(-1, Ordering::SeqCst);
        // A handler that incremented IN_FLIGHT before our load may still write to the
        // number; one that increments it after will load -1 (both are SeqCst).
        while IN_FLIGHT.load(Ordering::SeqCst) != 0 {
            std::thread::yield_now();
        }
        drop(self.writer);
        self.thread
    }
}

/// The dispatcher: reads signal numbers and hands each to its subscribers.
fn dispatch(reader: OwnedFd) {
    let mut buf = [0u8; 64];
    loop {
        let n = match io::read(&reader, &mut buf) {
            Ok(0) => return,
            Ok(n) => n,
            Err(Errno::EINTR) => continue,
            Err(_) => return,
        };
        let state = lock();
        for &byte in &buf[..n] {
            let sig = Signal::from_raw(i32::from(byte));
            for s in state.subscribers.iter().filter(|s| s.signals.contains(sig)) {
                // A full channel drops the signal for that subscriber, as Go does.
                let _ = s.tx.try_send(sig);
            }
        }
    }
}

/// Subscriptions, and what the handler replaced.
struct State {
    next_id: u64,
    subscribers: Vec<Subscriber>,
    /// Per signal (`n - 1`): how many subscribers, and the disposition to put back.
    installed: [Option<(usize, SigAction)>; 64],
    dispatcher: Option<Dispatcher>,
}

static STATE: Mutex<State> = Mutex::new(State {
    next_id: 0,
    subscribers: Vec::new(),
    installed: [None; 64],
    dispatcher: None,
});

/// The state, even if a thread panicked holding it (every change leaves it whole).
fn lock() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Signals [`Notify`] refuses: those that cannot be caught, the faults a handler that
/// returns would raise again at once, and glibc's two internal real-time signals.
const REFUSED: SigSet = SigSet::EMPTY
    .with(Signal::SIGKILL)
    .with(Signal::SIGSTOP)
    .with(Signal::SIGSEGV)
    .with(Signal::SIGBUS)
    .with(Signal::SIGFPE)
    .with(Signal::SIGILL)
    .with(Signal::from_raw(32))
    .with(Signal::from_raw(33));

impl State {
    /// Removes subscriber `id`, puts back the dispositions no one else needs, and
    /// shuts the dispatcher when no one is left. Returns the first error, and the
    /// dispatcher thread to join.
    fn unsubscribe(&mut self, id: u64) -> (Result<(), Errno>, Option<JoinHandle<()>>) {
        let Some(at) = self.subscribers.iter().position(|s| s.id == id) else {
            return (Ok(()), None);
        };
        let gone = self.subscribers.swap_remove(at);
        let mut result = Ok(());
        for sig in gone.signals.iter() {
            let slot = &mut self.installed[(sig.raw() - 1) as usize];
            match slot {
                Some((count, _)) if *count > 1 => *count -= 1,
                Some((_, old)) => {
                    // SAFETY: `old` is the disposition our handler replaced: putting
                    // it back restores what its owner relied on.
                    let restored = unsafe { sigaction(sig, old) };
                    result = result.and(restored.map(drop));
                    *slot = None;
                }
                None => {}
            }
        }
        let thread = if self.subscribers.is_empty() {
            self.dispatcher.take().map(Dispatcher::shut)
        } else {
            None
        };
        (result, thread)
    }
}

/// A subscription to a set of signals, Go's `signal.Notify`: from [`Notify::new`] on,
/// each of these signals sent to the process is handed to every subscriber of it
/// (instead of its previous disposition running), to be received with
/// [`recv`](Notify::recv), [`try_recv`](Notify::try_recv),
/// [`recv_timeout`](Notify::recv_timeout) or by iterating.
///
/// [`stop`](Notify::stop), or dropping it, ends the subscription; a signal whose last
/// subscriber goes gets back the disposition it had before the first came (a
/// disposition someone else set meanwhile is overwritten, and one set with
/// [`sigaction`] while subscribed silences the subscribers). The module's source
/// documentation describes the mechanism: a handler writing to a pipe, read by a
/// thread of ours.
///
/// After `fork` without `execve`, the child inherits the handler and the pipe: a
/// signal it receives reaches this process's subscribers. [`Spawn`]'s children reset
/// every handler before anything else can run.
///
/// [`Spawn`]: crate::process::Spawn
///
/// ```
/// use sysbridge::process::getpid;
/// use sysbridge::signal::{kill, Notify, SigSet, Signal};
/// let a = Notify::new(SigSet::EMPTY.with(Signal::SIGUSR1)).unwrap();
/// let b = Notify::new(SigSet::EMPTY.with(Signal::SIGUSR1)).unwrap();
/// kill(getpid(), Signal::SIGUSR1).unwrap();
/// assert_eq!((a.recv(), b.recv()), (Signal::SIGUSR1, Signal::SIGUSR1));
/// a.stop().unwrap();
/// drop(b); // SIGUSR1 is back to its default action
/// ```
pub struct Notify {
    id: u64,
    signals: SigSet,
    rx: Receiver<Signal>,
    active: bool,
}

impl Notify {
    /// How many signals wait for a subscriber before further ones are dropped.
    pub const CAPACITY: usize = 64;

    /// Subscribes to `signals`, installing the handler for those that had no
    /// subscriber (and starting the dispatcher thread if none runs). Issues
    /// `rt_sigaction(2)` per newly handled signal (and `pipe2`, `fcntl`,
    /// `rt_sigprocmask` and `clone3` for the thread when it starts). `EINVAL` for
    /// `SIGKILL`, `SIGSTOP`, the faults `SIGSEGV`, `SIGBUS`, `SIGFPE`, `SIGILL` (a
    /// handler that returns from one raised by the hardware would fault again) and
    /// signals 32 and 33 (glibc's own).
    pub fn new(signals: SigSet) -> Result<Notify, Errno> {
        if signals.bits() & REFUSED.bits() != 0 {
            return Err(Errno::EINVAL);
        }
        let mut state = lock();
        if state.dispatcher.is_none() {
            state.dispatcher = Some(Dispatcher::start()?);
        }
        let (tx, rx) = sync_channel(Notify::CAPACITY);
        let id = state.next_id;
        state.next_id += 1;
        state.subscribers.push(Subscriber { id, signals, tx });
        let handler = SigAction {
            handler: SigHandler::Handler(on_signal),
            flags: SaFlags::RESTART | SaFlags::ONSTACK,
            mask: SigSet::EMPTY,
        };
        for sig in signals.iter() {
            let slot = (sig.raw() - 1) as usize;
            if let Some((count, _)) = &mut state.installed[slot] {
                *count += 1;
                continue;
            }
            // SAFETY: `on_signal` is async-signal-safe (atomics and one write(2)).
            match unsafe { sigaction(sig, &handler) } {
                Ok(old) => state.installed[slot] = Some((1, old)),
                Err(e) => {
                    // Undo the part done: count this subscriber only where installed.
                    let done = SigSet::from_bits(signals.bits() & ((1 << slot) - 1));
                    if let Some(me) = state.subscribers.last_mut() {
                        me.signals = done;
                    }
                    drop(state);
                    let _ = unsubscribe(id);
                    return Err(e);
                }
            }
        }
        Ok(Notify {
            id,
            signals,
            rx,
            active: true,
        })
    }

    /// The signals subscribed to.
    pub fn signals(&self) -> SigSet {
        self.signals
    }

    /// The next signal, waiting for one.
    pub fn recv(&self) -> Signal {
        // The sender lives in the subscriber list until `stop` or drop, which take
        // `self`: it cannot be gone while `self` is borrowed.
        self.rx.recv().expect("a subscription keeps its sender")
    }

    /// The next signal if one has arrived, without waiting.
    pub fn try_recv(&self) -> Option<Signal> {
        self.rx.try_recv().ok()
    }

    /// The next signal, waiting at most `timeout` for one.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<Signal> {
        self.rx.recv_timeout(timeout).ok()
    }

    /// The signals as they arrive: an endless iterator that waits for each.
    pub fn iter(&self) -> impl Iterator<Item = Signal> + '_ {
        std::iter::repeat_with(|| self.recv())
    }

    /// Ends the subscription, putting back the dispositions of signals no other
    /// subscriber has and returning the first error doing so (dropping does the same
    /// and ignores it). Signals received but not yet taken are discarded. Issues
    /// `rt_sigaction(2)` per signal put back (and closes the pipe, ending the
    /// dispatcher thread, when it was the last subscription).
    pub fn stop(mut self) -> Result<(), Errno> {
        self.active = false;
        unsubscribe(self.id)
    }
}

/// Ends subscription `id`, then joins the dispatcher if it was shut.
fn unsubscribe(id: u64) -> Result<(), Errno> {
    let (result, thread) = lock().unsubscribe(id);
    if let Some(thread) = thread {
        let _ = thread.join();
    }
    result
}

impl Drop for Notify {
    fn drop(&mut self) {
        if self.active {
            let _ = unsubscribe(self.id);
        }
    }
}

impl core::fmt::Debug for Notify {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Notify")
            .field("signals", &self.signals)
            .finish_non_exhaustive()
    }
}
