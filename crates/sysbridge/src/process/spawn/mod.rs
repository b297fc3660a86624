//! Starting a program in a new process: [`Spawn`], Go's `ForkExec` and `ProcAttr`.
//!
//! # How
//!
//! [`Spawn::spawn`] prepares everything the child will need (the paths to try, the
//! argument and environment arrays, the descriptor moves, the ranges to close) while
//! it may still allocate, then creates the child with `clone3(CLONE_VM | CLONE_VFORK
//! | CLONE_PIDFD | CLONE_CLEAR_SIGHAND)` on a stack of its own. The child shares our
//! memory, so no page table is copied and a 1 GiB parent starts a program as fast as a
//! small one; the calling thread sleeps until the child has called `execve` or exited.
//! The child (see `child.rs`) makes only raw system calls on the prepared data, and
//! stores its `errno` where we can read it if a step or the `execve` fails.
//!
//! # Soundness of the child
//!
//! Between the clone and the `execve`, the child is a thread of execution in our
//! address space that Rust's runtime does not know. It is sound because:
//!
//! - **Memory.** It reads only the [`Plan`] and [`Ctx`], which this call owns and
//!   borrows immutably for the call (no other thread can reach them), and writes only
//!   to its own stack (a fresh mapping with a guard page below it), to atomics in
//!   `Ctx` and `Plan` (read by us only after the kernel has woken us, which orders
//!   them), and through system calls that write into its own stack. Nothing of the
//!   parent thread runs meanwhile: `CLONE_VFORK` keeps it asleep.
//! - **No allocation, locks, hooks, thread-locals or unwinding.** The child's code
//!   calls nothing but `raw::raw_syscall*` (never the hooked entries: a hook is user
//!   code), `CStr`/slice accessors, and atomics; no path in it can panic (no indexing,
//!   no `unwrap`, no arithmetic that can overflow), and it is an `extern "C"` function
//!   that ends in `exit_group` without returning. It never reads thread-local
//!   storage (its `fs` base is the calling thread's). The binary is linked with
//!   immediate binding (Rust's default `-z now`), so even a `memcpy` the compiler
//!   might emit cannot enter the dynamic linker.
//! - **Signals.** All signals are blocked in the calling thread around the clone, so
//!   the child starts with all blocked; `CLONE_CLEAR_SIGHAND` gives it default
//!   dispositions for every signal we handle (on kernels or sandboxes without
//!   `clone3`, the fallback `clone` child resets each handled signal itself before
//!   unblocking anything). So no handler of ours ever runs in the child, on its stack,
//!   over our memory; a fault in the child (there should be none) kills only the
//!   child, since the kernel forces the default action of a blocked synchronous
//!   signal.
//! - **Descriptors.** The child has its own copy of the descriptor table (no
//!   `CLONE_FILES`), taken at the clone: what it closes or moves is its own. The
//!   descriptors it is given are [`BorrowedFd`]s that outlive the call.
//!
//! Every other descriptor is marked close-on-exec in the child with one
//! `close_range(CLOSE_RANGE_CLOEXEC)` per gap between the child's descriptors, so the
//! program gets exactly what was asked for, even descriptors that other threads open
//! without `O_CLOEXEC` at the same moment.
//!
//! # Errors
//!
//! The child stores the `errno` of the first step that fails (or of the last
//! `execve`) and exits; `spawn` reaps it and returns that error: `ENOENT` for a missing
//! program, `EACCES` for one that is not executable, `ENOENT` for a missing
//! [`cwd`](Spawn::cwd) too, `EPERM` for a [`uid`](Spawn::uid) we may not take…
//!
//! Requirements: Linux 5.9 (`close_range`; 5.11 for its `CLOEXEC` mode, else the
//! descriptors are closed outright), `CLONE_PIDFD` (5.2); without `clone3` (Linux
//! 5.3, or 5.5 for `CLONE_CLEAR_SIGHAND`, or a seccomp profile that refuses it, as
//! Docker's used to), the legacy `clone(2)` is used.

use std::collections::BTreeMap;
use std::ffi::{CString, OsStr, OsString};
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

use super::clone::{CloneArgs, CloneFlags, clone_legacy_run, clone3_run};
use super::handle::{self, Child};
use super::{CStrArray, ChildState, Gid, Pid, Uid, getpid};
use crate::mm::{self, MapFlags, ProtFlags};
use crate::signal::{self, How, SigSet, Signal};
use crate::{Errno, fd};

mod child;

/// A program to start, and how: Go's `syscall.ForkExec` with its `ProcAttr` and
/// `SysProcAttr`, in the builder style of `std::process::Command`.
///
/// By default the child gets this process's environment, current directory,
/// standard input, output and error (descriptors 0, 1 and 2, if open), no other
/// descriptor, an empty signal mask, and the default action for `SIGPIPE` (which
/// Rust's runtime ignores, and an ignored signal stays ignored across `execve`); every
/// other ignored signal stays ignored, as with `fork` and `execve`.
///
/// ```
/// use sysbridge::process::{ChildState, Spawn};
/// let (reader, writer) = sysbridge::fd::pipe2(sysbridge::fd::PipeFlags::CLOEXEC).unwrap();
/// let mut child = Spawn::new("sh")
///     .args(["-c", "echo hello from $0", "sh"])
///     .stdout(writer.as_fd())
///     .spawn()
///     .unwrap();
/// drop(writer);
/// let mut out = [0u8; 64];
/// let n = sysbridge::io::read(&reader, &mut out).unwrap();
/// assert_eq!(&out[..n], b"hello from sh\n");
/// assert_eq!(child.wait(), Ok(ChildState::Exited(0)));
/// assert_eq!(Spawn::new("/nonexistent").spawn().err(), Some(sysbridge::Errno::ENOENT));
/// # use std::os::fd::AsFd;
/// ```
#[derive(Debug)]
pub struct Spawn<'fd> {
    program: OsString,
    arg0: Option<OsString>,
    args: Vec<OsString>,
    env_clear: bool,
    env: BTreeMap<OsString, Option<OsString>>,
    cwd: Option<OsString>,
    fds: BTreeMap<RawFd, Source<'fd>>,
    setsid: bool,
    process_group: Option<Pid>,
    foreground: Option<BorrowedFd<'fd>>,
    pdeathsig: Option<Signal>,
    mask: SigSet,
    defaults: SigSet,
    uid: Option<Uid>,
    gid: Option<Gid>,
    groups: Option<Vec<Gid>>,
}

/// Where a child's descriptor comes from.
#[derive(Debug, Clone, Copy)]
enum Source<'fd> {
    /// Our descriptor of the same number, if open (standard input, output, error).
    Inherit,
    /// This descriptor.
    Fd(BorrowedFd<'fd>),
}

impl<'fd> Spawn<'fd> {
    /// The program `program`: a path if it contains a `/` (relative ones start from
    /// the child's [`cwd`](Spawn::cwd)), else a name looked up, as `execvp(3)` does,
    /// in the directories of the child's `PATH` (`/bin:/usr/bin` when it has none).
    /// Its first argument (`argv[0]`) is `program` as given.
    pub fn new(program: impl AsRef<OsStr>) -> Spawn<'fd> {
        let inherit = [0, 1, 2].map(|fd| (fd, Source::Inherit));
        Spawn {
            program: program.as_ref().to_owned(),
            arg0: None,
            args: Vec::new(),
            env_clear: false,
            env: BTreeMap::new(),
            cwd: None,
            fds: BTreeMap::from(inherit),
            setsid: false,
            process_group: None,
            foreground: None,
            pdeathsig: None,
            mask: SigSet::EMPTY,
            defaults: SigSet::EMPTY.with(Signal::SIGPIPE),
            uid: None,
            gid: None,
            groups: None,
        }
    }

    /// Appends an argument.
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Spawn<'fd> {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    /// Appends arguments.
    pub fn args<I>(&mut self, args: I) -> &mut Spawn<'fd>
    where
        I: IntoIterator,
        I::Item: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Sets the first argument (`argv[0]`, the name the program sees itself called
    /// by) instead of the program as given.
    pub fn arg0(&mut self, arg0: impl AsRef<OsStr>) -> &mut Spawn<'fd> {
        self.arg0 = Some(arg0.as_ref().to_owned());
        self
    }

    /// Sets an environment variable of the child.
    pub fn env(&mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Spawn<'fd> {
        let value = Some(value.as_ref().to_owned());
        self.env.insert(key.as_ref().to_owned(), value);
        self
    }

    /// Removes an environment variable from the child's environment.
    pub fn env_remove(&mut self, key: impl AsRef<OsStr>) -> &mut Spawn<'fd> {
        self.env.insert(key.as_ref().to_owned(), None);
        self
    }

    /// Starts the child's environment empty rather than from this process's (the
    /// variables set with [`env`](Spawn::env) are kept).
    pub fn env_clear(&mut self) -> &mut Spawn<'fd> {
        self.env_clear = true;
        self.env.retain(|_, v| v.is_some());
        self
    }

    /// Sets the child's current directory (`chdir(2)` in the child, before `execve`).
    pub fn cwd(&mut self, dir: impl AsRef<Path>) -> &mut Spawn<'fd> {
        self.cwd = Some(dir.as_ref().as_os_str().to_owned());
        self
    }

    /// Gives the child descriptor number `child_fd` for the open file of our `fd`
    /// (with close-on-exec clear), replacing what was set for that number. The
    /// numbers may overlap ours in any way (swaps included); a negative one is
    /// `EBADF` from [`spawn`](Spawn::spawn).
    pub fn fd(&mut self, child_fd: RawFd, fd: BorrowedFd<'fd>) -> &mut Spawn<'fd> {
        self.fds.insert(child_fd, Source::Fd(fd));
        self
    }

    /// The child gets no descriptor `child_fd` (to close one of the standard three,
    /// which it otherwise inherits).
    pub fn close_fd(&mut self, child_fd: RawFd) -> &mut Spawn<'fd> {
        self.fds.remove(&child_fd);
        self
    }

    /// Standard input (descriptor 0) from `fd`.
    pub fn stdin(&mut self, fd: BorrowedFd<'fd>) -> &mut Spawn<'fd> {
        self.fd(0, fd)
    }

    /// Standard output (descriptor 1) to `fd`.
    pub fn stdout(&mut self, fd: BorrowedFd<'fd>) -> &mut Spawn<'fd> {
        self.fd(1, fd)
    }

    /// Standard error (descriptor 2) to `fd`.
    pub fn stderr(&mut self, fd: BorrowedFd<'fd>) -> &mut Spawn<'fd> {
        self.fd(2, fd)
    }

    /// Makes the child the leader of a new session and process group, with no
    /// controlling terminal (`setsid(2)` in the child). A session leader cannot
    /// change groups: with [`process_group`](Spawn::process_group) too, the spawn
    /// fails with `EPERM`.
    pub fn setsid(&mut self, on: bool) -> &mut Spawn<'fd> {
        self.setsid = on;
        self
    }

    /// Puts the child in process group `pgid` of our session, or in a new group of
    /// its own with `Pid::from_raw(0)` (`setpgid(0, pgid)` in the child), so that a
    /// signal to the group reaches it and not us.
    pub fn process_group(&mut self, pgid: Pid) -> &mut Spawn<'fd> {
        self.process_group = Some(pgid);
        self
    }

    /// Hands the terminal `tty` to the child's process group, as a shell does for a
    /// foreground job (Go's `SysProcAttr.Foreground` with `Ctty`), but only when it is
    /// ours to hand: when `tty` is our controlling terminal and our process group is
    /// its foreground group. Then the child's group (see
    /// [`process_group`](Spawn::process_group)) becomes the foreground group before
    /// the program starts, so that it may read the terminal and receives the signals
    /// its keys send (Ctrl-C, Ctrl-Z), and we no longer do.
    ///
    /// Done in the child (`ioctl(TIOCGPGRP)` before it changes groups,
    /// `ioctl(TIOCSPGRP)` after), where all signals are still blocked, so that the
    /// `SIGTTOU` a background group gets for it cannot stop the child. A `tty` that is
    /// no terminal, or not ours (`ENOTTY`, `ENXIO`), is left alone; with
    /// [`setsid`](Spawn::setsid) the child has no controlling terminal any more, so
    /// nothing is handed over.
    pub fn foreground(&mut self, tty: BorrowedFd<'fd>) -> &mut Spawn<'fd> {
        self.foreground = Some(tty);
        self
    }

    /// The child receives `sig` when the thread that spawned it ends
    /// (`prctl(PR_SET_PDEATHSIG)` in the child). Note the *thread*: spawned from a
    /// short-lived thread, the child gets the signal when that thread returns. If we
    /// are already gone when the child sets it, the child exits at once.
    pub fn parent_death_signal(&mut self, sig: Signal) -> &mut Spawn<'fd> {
        self.pdeathsig = Some(sig);
        self
    }

    /// The child's signal mask, which the program starts with (default: empty).
    pub fn signal_mask(&mut self, mask: SigSet) -> &mut Spawn<'fd> {
        self.mask = mask;
        self
    }

    /// The signals set to their default action in the child even if we ignore them
    /// (default: `SIGPIPE` alone; `posix_spawn`'s `SETSIGDEF`). Signals we handle
    /// are always reset: a handler cannot survive `execve`.
    pub fn default_signals(&mut self, signals: SigSet) -> &mut Spawn<'fd> {
        self.defaults = signals;
        self
    }

    /// The child's user id (`setuid(2)` in the child, after [`gid`](Spawn::gid)).
    /// Without [`groups`](Spawn::groups), the supplementary groups are dropped first
    /// when we may (as root), as `std::process::Command` does.
    pub fn uid(&mut self, uid: Uid) -> &mut Spawn<'fd> {
        self.uid = Some(uid);
        self
    }

    /// The child's group id (`setgid(2)` in the child).
    pub fn gid(&mut self, gid: Gid) -> &mut Spawn<'fd> {
        self.gid = Some(gid);
        self
    }

    /// The child's supplementary groups (`setgroups(2)` in the child).
    pub fn groups(&mut self, groups: &[Gid]) -> &mut Spawn<'fd> {
        self.groups = Some(groups.to_vec());
        self
    }

    /// Starts the program and returns its [`Child`], once the child has called
    /// `execve` successfully; the error of the first step that failed in the child
    /// otherwise (the module documentation lists them), or `EINVAL` for a string with
    /// a NUL byte or an environment name with `=`.
    ///
    /// Issues, in this process: `mmap`, `mprotect` (the child's stack and its guard
    /// page), `rt_sigprocmask` (all blocked, then back), `clone3` (or `clone`),
    /// `munmap`, and `waitid` when the child failed; then a `waitid` with `WNOHANG`
    /// per child dropped while still running (see [`Child`]). In the child:
    /// `rt_sigaction`, `ioctl(TIOCGPGRP)`, `getpgid`, `setsid`, `setpgid`,
    /// `ioctl(TIOCSPGRP)`, `setgroups`, `setgid`, `setuid`, `chdir`, `prctl`, `fcntl`,
    /// `dup3`, `close_range`, `rt_sigprocmask` as asked, and `execve` per candidate
    /// path.
    pub fn spawn(&self) -> Result<Child, Errno> {
        handle::reap_dropped();
        let plan = self.plan()?;
        let stack = ChildStack::new()?;
        let (pid, pidfd, errno) = start(&plan, &stack)?;
        drop(stack);
        let mut child = Child::new(pid, pidfd);
        if errno != 0 {
            let _ = child.wait();
            return Err(Errno::from_raw(errno));
        }
        Ok(child)
    }

    /// [`spawn`](Spawn::spawn), then [`Child::wait`].
    pub fn status(&self) -> Result<ChildState, Errno> {
        self.spawn()?.wait()
    }

    /// The child's environment, as `KEY=value` strings.
    fn environment(&self) -> Result<BTreeMap<OsString, OsString>, Errno> {
        let mut vars: BTreeMap<OsString, OsString> = if self.env_clear {
            BTreeMap::new()
        } else {
            std::env::vars_os().collect()
        };
        for (key, value) in &self.env {
            if key.is_empty() || key.as_bytes().contains(&b'=') {
                return Err(Errno::EINVAL);
            }
            match value {
                Some(v) => vars.insert(key.clone(), v.clone()),
                None => vars.remove(key),
            };
        }
        Ok(vars)
    }

    /// Everything the child needs, made before the clone.
    fn plan(&self) -> Result<Plan, Errno> {
        let vars = self.environment()?;
        let candidates = candidates(&self.program, vars.get(OsStr::new("PATH")))?;
        let arg0 = self.arg0.as_ref().unwrap_or(&self.program);
        let argv = std::iter::once(arg0)
            .chain(&self.args)
            .map(|a| a.as_bytes().to_vec());
        let envp = vars.into_iter().map(|(k, v)| {
            let mut kv = k.into_vec();
            kv.push(b'=');
            kv.extend(v.into_vec());
            kv
        });
        let cwd = self
            .cwd
            .as_ref()
            .map(|d| c_string(d.as_bytes()))
            .transpose()?;
        Ok(Plan {
            search: !self.program.as_bytes().contains(&b'/'),
            candidates,
            argv: CStrArray::new(argv)?,
            envp: CStrArray::new(envp)?,
            cwd,
            fds: FdPlan::new(&self.fds)?,
            setsid: self.setsid,
            process_group: self.process_group.map(Pid::as_raw),
            foreground: self.foreground.map(|tty| tty.as_raw_fd()),
            pdeathsig: self.pdeathsig.map(Signal::raw),
            parent: getpid().as_raw(),
            mask: self.mask,
            defaults: self.defaults,
            uid: self.uid.map(Uid::as_raw),
            gid: self.gid.map(Gid::as_raw),
            groups: self
                .groups
                .as_ref()
                .map(|g| g.iter().map(|g| g.as_raw()).collect()),
            drop_groups: self.uid.is_some() && self.groups.is_none(),
        })
    }
}

fn c_string(bytes: &[u8]) -> Result<CString, Errno> {
    CString::new(bytes).map_err(|_| Errno::EINVAL)
}

/// The paths `execve` is tried on, in order: the program itself if it names a path,
/// else the program in each directory of `path` (an empty entry is the current
/// directory), as `execvp(3)` looks.
fn candidates(program: &OsStr, path: Option<&OsString>) -> Result<Vec<CString>, Errno> {
    let name = program.as_bytes();
    if name.is_empty() {
        return Err(Errno::ENOENT);
    }
    if name.contains(&b'/') {
        return Ok(vec![c_string(name)?]);
    }
    let path = path.map_or(&b"/bin:/usr/bin"[..], |p| p.as_bytes());
    path.split(|&b| b == b':')
        .map(|dir| {
            if dir.is_empty() {
                c_string(name)
            } else {
                c_string(&[dir, b"/", name].concat())
            }
        })
        .collect()
}

/// What the child does, prepared before the clone; it only reads this (and stores to
/// the atomics in it).
#[derive(Debug)]
struct Plan {
    /// Whether a path failing with "not there" moves on to the next (a `PATH` search).
    search: bool,
    candidates: Vec<CString>,
    argv: CStrArray,
    envp: CStrArray,
    cwd: Option<CString>,
    fds: FdPlan,
    setsid: bool,
    process_group: Option<i32>,
    /// The terminal to hand to the child's group, if ours.
    foreground: Option<RawFd>,
    pdeathsig: Option<i32>,
    /// Our process id, to detect that we died before the child set `pdeathsig`.
    parent: i32,
    mask: SigSet,
    defaults: SigSet,
    uid: Option<u32>,
    gid: Option<u32>,
    groups: Option<Vec<u32>>,
    /// Drop the supplementary groups before `setuid` (ignoring `EPERM`).
    drop_groups: bool,
}

/// The child's descriptors: the moves to make and the ranges to close.
#[derive(Debug)]
struct FdPlan {
    /// By increasing target number.
    moves: Vec<FdMove>,
    /// Parked copies go at or above this number, above every target.
    park_above: i32,
    /// Every number that is no target, as `close_range` ranges.
    close: Vec<(u32, u32)>,
}

/// One descriptor of the child.
#[derive(Debug)]
struct FdMove {
    target: i32,
    source: i32,
    /// A standard descriptor we may not have open: skip it if so.
    optional: bool,
    /// The source is the target of another move, which would overwrite it first: copy
    /// it above every target before any move.
    park: bool,
    /// Where the child parked it.
    parked: AtomicI32,
}

impl FdPlan {
    fn new(fds: &BTreeMap<RawFd, Source<'_>>) -> Result<FdPlan, Errno> {
        let targets: Vec<i32> = fds.keys().copied().collect();
        if targets.first().is_some_and(|&t| t < 0) {
            return Err(Errno::EBADF);
        }
        let moves = fds
            .iter()
            .map(|(&target, source)| {
                let (source, optional) = match source {
                    Source::Inherit => (target, true),
                    Source::Fd(fd) => (fd.as_raw_fd(), false),
                };
                FdMove {
                    target,
                    source,
                    optional,
                    park: source != target && targets.binary_search(&source).is_ok(),
                    parked: AtomicI32::new(-1),
                }
            })
            .collect();
        let mut close = Vec::new();
        let mut next = 0u32;
        for &t in &targets {
            let t = t as u32;
            if t > next {
                close.push((next, t - 1));
            }
            next = t + 1;
        }
        close.push((next, u32::MAX));
        Ok(FdPlan {
            moves,
            park_above: targets.last().map_or(0, |&t| t + 1),
            close,
        })
    }
}

/// What the child reads besides the plan, and where it reports.
struct Ctx<'a> {
    plan: &'a Plan,
    /// Reset handled signals by hand (the `clone` fallback has no
    /// `CLONE_CLEAR_SIGHAND`).
    reset_handlers: bool,
    /// The child's `errno` when it failed; 0 when it reached a successful `execve`.
    errno: AtomicI32,
}

/// The child's stack: a private mapping with an inaccessible guard page below it, so
/// that an overflow faults (killing only the child) instead of writing over our
/// memory.
struct ChildStack {
    base: *mut core::ffi::c_void,
}

impl ChildStack {
    /// x86_64's page: the guard.
    const GUARD: usize = 4096;
    /// What the child may use: far more than its few small frames need (measured:
    /// under 2 KiB in a debug build, under 200 bytes optimised).
    const SIZE: usize = 32 * 1024;

    fn new() -> Result<ChildStack, Errno> {
        let len = ChildStack::GUARD + ChildStack::SIZE;
        let flags = MapFlags::PRIVATE | MapFlags::ANONYMOUS | MapFlags::STACK;
        let prot = ProtFlags::READ | ProtFlags::WRITE;
        // SAFETY: a new anonymous mapping at an address the kernel picks replaces
        // nothing.
        let base = unsafe { mm::mmap(core::ptr::null_mut(), len, prot, flags, None, 0) }?;
        let stack = ChildStack { base };
        // SAFETY: the guard page is ours alone (`stack` owns the mapping and lends no
        // reference into it).
        unsafe { mm::mprotect(base, ChildStack::GUARD, ProtFlags::empty()) }?;
        Ok(stack)
    }

    /// The lowest usable address.
    fn bottom(&self) -> usize {
        self.base as usize + ChildStack::GUARD
    }
}

impl Drop for ChildStack {
    fn drop(&mut self) {
        // SAFETY: the mapping is ours and no child runs on it any more (the clone has
        // returned, so the child has called `execve` or exited).
        let _ = unsafe { mm::munmap(self.base, ChildStack::GUARD + ChildStack::SIZE) };
    }
}

/// Set once `clone3` has been refused: every later spawn goes straight to `clone`.
static NO_CLONE3: AtomicBool = AtomicBool::new(false);

/// Creates the child with all signals blocked in this thread, and returns its id, its
/// pidfd, and its `errno` (0 when it called `execve`).
fn start(plan: &Plan, stack: &ChildStack) -> Result<(Pid, OwnedFd, i32), Errno> {
    let old = signal::sigprocmask(How::SetMask, &SigSet::FULL)?;
    let result = clone_child(plan, stack);
    let restored = signal::sigprocmask(How::SetMask, &old);
    let started = result?;
    restored?;
    Ok(started)
}

/// The clone itself: `clone3`, or `clone` where `clone3` is refused.
fn clone_child(plan: &Plan, stack: &ChildStack) -> Result<(Pid, OwnedFd, i32), Errno> {
    let mut pidfd: RawFd = -1;
    let exit_signal = Signal::SIGCHLD.raw() as u64;
    if !NO_CLONE3.load(Ordering::Relaxed) {
        let ctx = Ctx {
            plan,
            reset_handlers: false,
            errno: AtomicI32::new(0),
        };
        let args = CloneArgs {
            flags: CloneFlags::VM
                | CloneFlags::VFORK
                | CloneFlags::PIDFD
                | CloneFlags::CLEAR_SIGHAND,
            pidfd: core::ptr::from_mut(&mut pidfd) as u64,
            exit_signal,
            stack: stack.bottom() as u64,
            stack_size: ChildStack::SIZE as u64,
            ..CloneArgs::default()
        };
        // SAFETY: the module documentation argues the child: it runs `child::main` on
        // its own stack (`ChildStack`: mapped, unused, 16-byte aligned top), reading
        // the plan and context that outlive it (the clone returns only once it has
        // called `execve` or exited), with every signal blocked and every handler
        // reset. The kernel writes the pidfd into `pidfd`, an `int`.
        match unsafe { clone3_run(&args, child::main, core::ptr::from_ref(&ctx) as usize) } {
            Ok(pid) => return Ok(started(pid, pidfd, &ctx)),
            // No clone3 (ENOSYS: before Linux 5.3, or a seccomp profile), or no
            // CLONE_CLEAR_SIGHAND (EINVAL: before 5.5), or a profile that says EPERM.
            Err(Errno::ENOSYS | Errno::EINVAL | Errno::EPERM) => {
                NO_CLONE3.store(true, Ordering::Relaxed);
            }
            Err(e) => return Err(e),
        }
    }
    let ctx = Ctx {
        plan,
        reset_handlers: true,
        errno: AtomicI32::new(0),
    };
    let flags = CloneFlags::VM | CloneFlags::VFORK | CloneFlags::PIDFD;
    let top = stack.bottom() + ChildStack::SIZE;
    // SAFETY: as above, except that the child resets handled signals itself
    // (`reset_handlers`) before it unblocks any; `clone` writes the pidfd through its
    // parent-tid argument into `pidfd`.
    let pid = unsafe {
        clone_legacy_run(
            flags.bits() | exit_signal,
            top,
            &mut pidfd,
            child::main,
            core::ptr::from_ref(&ctx) as usize,
        )
    }?;
    Ok(started(pid, pidfd, &ctx))
}

/// The parent's side of a clone that succeeded: the child's id, its pidfd, owned, and
/// the `errno` it left (0 if it reached `execve`). The kernel woke us only once the
/// child had called `execve` or exited, which orders its store before our load.
fn started(pid: Pid, pidfd: RawFd, ctx: &Ctx<'_>) -> (Pid, OwnedFd, i32) {
    // SAFETY: with CLONE_PIDFD, a successful clone has just created this descriptor.
    let pidfd = unsafe { fd::owned(pidfd as usize) };
    (pid, pidfd, ctx.errno.load(Ordering::Relaxed))
}
