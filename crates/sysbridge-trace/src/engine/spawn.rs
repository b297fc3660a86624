//! Starting the traced command, and attaching to running processes.
//!
//! A started command follows strace's handshake: the child stops itself with
//! `SIGSTOP` before `execve`; the tracer waits for that stop, seizes it with its
//! options and sends `SIGCONT`. Everything the child touches after the fork is
//! prepared before it (paths, argument arrays, the seccomp program), so the child only
//! makes raw system calls.

use std::ffi::{CString, OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use sysbridge::process::{self, CStrArray, Pid, WaitFor, WaitOptions};
use sysbridge::ptrace::{self, Options as PtraceOptions};
use sysbridge::seccomp::{self, FilterFlags, Insn};
use sysbridge::signal::{self, SaFlags, SigAction, SigHandler, SigSet, Signal};
use sysbridge::{Errno, io};

/// Where a command name is found: as given if it has a `/`, else the first
/// executable regular file of that name along `PATH`.
pub(crate) fn resolve(name: &OsStr) -> Result<PathBuf, String> {
    let bytes = name.as_bytes();
    let not_found = || format!("Can't stat '{}': {}", name.to_string_lossy(), Errno::ENOENT);
    if bytes.contains(&b'/') {
        return match std::fs::metadata(Path::new(name)) {
            Ok(_) => Ok(PathBuf::from(name)),
            Err(e) => Err(format!(
                "Can't stat '{}': {}",
                name.to_string_lossy(),
                Errno::from_io_error(&e).map_or_else(|| e.to_string(), |e| e.to_string())
            )),
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| OsString::from("/usr/bin:/bin"));
    for dir in std::env::split_paths(&path) {
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        let candidate = dir.join(name);
        if let Ok(meta) = std::fs::metadata(&candidate) {
            use std::os::unix::fs::PermissionsExt;
            if meta.is_file() && meta.permissions().mode() & 0o111 != 0 {
                return Ok(candidate);
            }
        }
    }
    Err(not_found())
}

/// What the child needs, built before the fork.
pub(crate) struct Prepared {
    path: CString,
    argv: CStrArray,
    envp: CStrArray,
    filter: Option<Vec<Insn>>,
    /// The message prefix the child writes if `execve` fails.
    exec_error: Vec<u8>,
}

impl Prepared {
    /// The command `argv` found at `path`, with this process's environment changed by
    /// `env` (`VAR=VALUE` sets, `VAR` removes); with a seccomp program to install
    /// before the exec.
    pub(crate) fn new(
        path: &Path,
        argv: &[OsString],
        env: &[OsString],
        filter: Option<Vec<Insn>>,
    ) -> Result<Prepared, String> {
        let path = CString::new(path.as_os_str().as_bytes())
            .map_err(|_| "a NUL byte in the command".to_string())?;
        let argv = CStrArray::new(argv.iter().map(|a| a.as_bytes().to_vec()))
            .map_err(|_| "a NUL byte in an argument".to_string())?;
        let envp = CStrArray::new(environment(env))
            .map_err(|_| "a NUL byte in the environment".to_string())?;
        Ok(Prepared {
            path,
            argv,
            envp,
            filter,
            exec_error: b"sysbridge: trace: exec: ".to_vec(),
        })
    }
}

/// Whether `SIGPIPE` was ignored when this process started. Rust's runtime ignores it
/// before `main`, and an ignored signal stays ignored across `execve`: the command
/// must get the disposition the tracer was given, as under strace (else `yes | head`
/// would see `EPIPE` instead of dying of `SIGPIPE`).
static SIGPIPE_IGNORED_AT_START: AtomicBool = AtomicBool::new(false);

/// Runs before Rust's runtime does (glibc calls `.init_array` entries first).
#[used]
#[unsafe(link_section = ".init_array.00099")]
static CAPTURE_SIGPIPE: extern "C" fn() = capture_sigpipe;

extern "C" fn capture_sigpipe() {
    if let Ok(action) = signal::disposition(Signal::SIGPIPE) {
        let ignored = matches!(action.handler, SigHandler::Ignore);
        SIGPIPE_IGNORED_AT_START.store(ignored, Ordering::Relaxed);
    }
}

/// This process's environment as `NAME=VALUE` entries, changed by `edits` in order:
/// `NAME=VALUE` replaces or adds, `NAME` removes (strace's `-E`).
fn environment(edits: &[OsString]) -> Vec<Vec<u8>> {
    let mut vars: Vec<Vec<u8>> = std::env::vars_os()
        .map(|(k, v)| {
            let mut kv = k.into_vec();
            kv.push(b'=');
            kv.extend(v.into_vec());
            kv
        })
        .collect();
    for edit in edits {
        let edit = edit.as_bytes();
        let name = edit.split(|&b| b == b'=').next().unwrap_or_default();
        vars.retain(|kv| kv.split(|&b| b == b'=').next() != Some(name));
        if edit.contains(&b'=') {
            vars.push(edit.to_vec());
        }
    }
    vars
}

/// In the child, after the fork: stop for the tracer, install the filter, exec. Only
/// raw calls on prepared data; returns the exit code if anything fails.
///
/// The filter goes in after the stop: until the tracer has seized us, a call the filter
/// hands to a tracer (`RET_TRACE`) would fail with `ENOSYS`, and our own `getpid` or
/// `kill` may be among the calls traced.
fn child(p: &Prepared) -> i32 {
    let stderr = std::io::stderr();
    if !SIGPIPE_IGNORED_AT_START.load(Ordering::Relaxed) {
        let default = SigAction {
            handler: SigHandler::Default,
            flags: SaFlags::empty(),
            mask: SigSet::EMPTY,
        };
        // SAFETY: the default action installs no code.
        if unsafe { signal::sigaction(Signal::SIGPIPE, &default) }.is_err() {
            return 1;
        }
    }
    if signal::kill(process::getpid(), Signal::SIGSTOP).is_err() {
        return 1;
    }
    if let Some(filter) = &p.filter {
        // With CAP_SYS_ADMIN the filter needs no `no_new_privs`, which would keep
        // set-user-ID programs in the command from gaining privileges.
        if seccomp::set_filter(filter, FilterFlags::empty()) == Err(Errno::EACCES) {
            let _ = process::set_no_new_privs();
            if seccomp::set_filter(filter, FilterFlags::empty()).is_err() {
                let _ = io::write(
                    &stderr,
                    b"sysbridge: trace: cannot install the seccomp filter\n",
                );
                return 1;
            }
        }
    }
    let errno = process::execve(&p.path, &p.argv, &p.envp);
    let _ = io::write(&stderr, &p.exec_error);
    let _ = io::write(
        &stderr,
        errno
            .message()
            .as_str()
            .unwrap_or("Unknown error")
            .as_bytes(),
    );
    let _ = io::write(&stderr, b"\n");
    1
}

/// Starts the prepared command stopped at its `execve`, traced with `options`.
pub(crate) fn start(p: &Prepared, options: PtraceOptions) -> Result<Pid, String> {
    // SAFETY: the child runs only `child`, which makes raw system calls on data prepared
    // before the fork, then execs or exits at once.
    let pid = match unsafe { process::fork() } {
        Ok(None) => process::exit_group(child(p)),
        Ok(Some(pid)) => pid,
        Err(e) => return Err(format!("fork: {e}")),
    };
    // Wait for the child's own SIGSTOP (or its death, if the filter failed).
    let status = loop {
        match process::wait4(WaitFor::Pid(pid), WaitOptions::STOPPED) {
            Ok(Some((_, status))) => break status,
            Ok(None) | Err(Errno::EINTR) => continue,
            Err(e) => return Err(format!("wait4: {e}")),
        }
    };
    if status.stop_signal() != Some(Signal::SIGSTOP) {
        return Err("the command could not be started".to_string());
    }
    if let Err(e) = ptrace::seize(pid, options) {
        let _ = signal::kill(pid, Signal::SIGKILL);
        return Err(format!("attach: ptrace(PTRACE_SEIZE, {pid}): {e}"));
    }
    signal::kill(pid, Signal::SIGCONT).map_err(|e| format!("kill: {e}"))?;
    Ok(pid)
}

/// The threads of process `pid` (its `/proc/PID/task` entries).
pub(crate) fn threads(pid: Pid) -> Result<Vec<Pid>, Errno> {
    let dir = format!("/proc/{pid}/task");
    let entries =
        std::fs::read_dir(&dir).map_err(|e| Errno::from_io_error(&e).unwrap_or(Errno::ESRCH))?;
    let mut tids: Vec<Pid> = entries
        .filter_map(|e| {
            e.ok()?
                .file_name()
                .to_str()?
                .parse()
                .ok()
                .map(Pid::from_raw)
        })
        .collect();
    tids.sort();
    Ok(tids)
}

/// Seizes every thread of `pid` and stops each with `PTRACE_INTERRUPT`, so that the
/// tracer starts from a known state. Returns the threads attached.
pub(crate) fn attach(pid: Pid, options: PtraceOptions) -> Result<Vec<Pid>, String> {
    let describe = |e: Errno| format!("attach: ptrace(PTRACE_SEIZE, {pid}): {e}");
    let tids = threads(pid).map_err(|_| describe(Errno::ESRCH))?;
    let mut attached = Vec::new();
    for tid in tids {
        match ptrace::seize(tid, options) {
            Ok(()) => {
                let _ = ptrace::interrupt(tid);
                attached.push(tid);
            }
            // A thread that ended meanwhile is simply not traced.
            Err(Errno::ESRCH) if !attached.is_empty() => {}
            Err(e) => {
                for t in &attached {
                    let _ = ptrace::detach(*t, None);
                }
                return Err(describe(e));
            }
        }
    }
    Ok(attached)
}
