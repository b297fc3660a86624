//! Writing the trace: strace's line discipline (the leader with pid and times, the
//! padding to column 40, `<unfinished ...>` when another tracee interrupts a line) on
//! one shared output, or one file per process with `-ff`.

mod clock;
mod sink;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sysbridge::Errno;
use sysbridge::fs::{self, Mode, OFlags};

use self::clock::Clock;
use self::sink::Sink;
use crate::options::Options;

/// The column results are aligned to.
const RESULT_COLUMN: usize = 40;

/// A file per traced process (`-ff`): where they go and the open ones.
struct Separate {
    base: PathBuf,
    append: bool,
    files: HashMap<i32, (Sink, usize)>,
}

/// The trace output.
pub(crate) struct Printer {
    shared: Option<Sink>,
    separate: Option<Separate>,
    /// The tracee whose line was printed last (strace's `printing_tcp`).
    last: Option<i32>,
    /// The column of the shared output's current line.
    col: usize,
    /// The tracee written to now (for `-ff`).
    current: i32,
    /// `-o` with `-f` (or several `-p`): every line starts with `PID `.
    plain_pid_prefix: bool,
    /// Output on standard error: `[pid N] ` once there are several processes.
    to_stderr: bool,
    clock: Clock,
    scratch: String,
}

impl Printer {
    /// The output the options ask for; `nprocs` is how many processes are traced at
    /// the start (several `-p`).
    pub(crate) fn new(opts: &Options, nprocs: usize) -> Result<Printer, String> {
        let (shared, separate) = match (&opts.output, opts.output_separately) {
            (Some(path), true) => (
                None,
                Some(Separate {
                    base: path.clone(),
                    append: opts.append,
                    files: HashMap::new(),
                }),
            ),
            (Some(path), false) => (Some(Sink::file(create(path, opts.append)?)), None),
            (None, _) => (Some(Sink::stderr()), None),
        };
        Ok(Printer {
            shared,
            separate,
            last: None,
            col: 0,
            current: 0,
            plain_pid_prefix: opts.output.is_some()
                && !opts.output_separately
                && (opts.follow_forks || nprocs > 1),
            to_stderr: opts.output.is_none(),
            clock: Clock::new(opts.timestamps, opts.relative),
            scratch: String::new(),
        })
    }

    /// The sink of the current line and its column.
    fn out(&mut self) -> (&mut Sink, &mut usize) {
        match &mut self.separate {
            Some(sep) => {
                let (sink, col) = sep.files.get_mut(&self.current).expect("opened by leader");
                (sink, col)
            }
            None => (self.shared.as_mut().expect("a shared sink"), &mut self.col),
        }
    }

    /// Makes `tid` the tracee written for, opening its file with `-ff`.
    fn select(&mut self, tid: i32) {
        self.current = tid;
        if let Some(sep) = &mut self.separate {
            sep.files.entry(tid).or_insert_with(|| {
                let path = PathBuf::from(format!("{}.{tid}", sep.base.display()));
                let sink = create(&path, sep.append).map_or_else(|_| Sink::stderr(), Sink::file);
                (sink, 0)
            });
        }
    }

    /// Starts a line for `tid`; `nprocs` is the number of traced processes now. A line
    /// left open (by another tracee, or by this one with `-ff`) is first ended with
    /// ` <unfinished ...>`.
    pub(crate) fn leader(&mut self, tid: i32, nprocs: usize) {
        self.select(tid);
        self.last = Some(tid);
        let (sink, col) = self.out();
        if *col != 0 {
            sink.push(" <unfinished ...>");
            sink.newline();
        }
        *col = 0;
        let mut lead = std::mem::take(&mut self.scratch);
        lead.clear();
        if self.separate.is_none() {
            if self.plain_pid_prefix {
                let _ = write!(lead, "{tid:<5} ");
            } else if self.to_stderr && nprocs > 1 {
                let _ = write!(lead, "[pid {tid:>5}] ");
            }
        }
        self.clock.leader(&mut lead);
        self.push(&lead);
        self.scratch = lead;
    }

    /// Appends to the current line.
    pub(crate) fn push(&mut self, s: &str) {
        let (sink, col) = self.out();
        sink.push(s);
        *col += s.len();
    }

    /// Pads the current line to the result column.
    pub(crate) fn tabto(&mut self) {
        const SPACES: &str = "                                        ";
        let (sink, col) = self.out();
        if *col < RESULT_COLUMN {
            sink.push(&SPACES[..RESULT_COLUMN - *col]);
            *col = RESULT_COLUMN;
        }
    }

    /// Ends the current line.
    pub(crate) fn newline(&mut self) {
        let (sink, col) = self.out();
        sink.newline();
        *col = 0;
    }

    /// Whether `tid`'s exit must be introduced by `<... NAME resumed>`: something else
    /// was printed since its entry (never with `-ff`, where each has its own file).
    pub(crate) fn needs_resume(&self, tid: i32) -> bool {
        self.separate.is_none() && self.last != Some(tid)
    }

    /// Whether `tid` has a line open (its call's entry printed, its exit not yet).
    pub(crate) fn is_open(&self, tid: i32) -> bool {
        match &self.separate {
            Some(sep) => sep.files.get(&tid).is_some_and(|(_, col)| *col != 0),
            None => self.last == Some(tid) && self.col != 0,
        }
    }

    /// Thread `former` became process `pid` by running `execve`: its open line is
    /// ended with ` <pid changed to PID ...>`, and with `-ff` its file is closed and the
    /// process's file (with the leader's column) is written to from now on.
    pub(crate) fn pid_changed(&mut self, former: i32, pid: i32) {
        if self.is_open(former) {
            self.select(former);
            self.push(&format!(" <pid changed to {pid} ...>"));
            self.newline();
        }
        match &mut self.separate {
            Some(sep) => {
                if let Some((mut sink, _)) = sep.files.remove(&former) {
                    sink.flush();
                }
            }
            None if self.last == Some(former) => self.last = None,
            None => {}
        }
    }

    /// Makes `tid` current again for a line it left open (with `-ff`).
    pub(crate) fn continue_with(&mut self, tid: i32) {
        self.current = tid;
        if self.separate.is_none() {
            self.last = Some(tid);
        }
    }

    /// Writes one whole line for `tid` (a JSON object), with no leader.
    pub(crate) fn whole_line(&mut self, tid: i32, text: &str) {
        self.select(tid);
        self.push(text);
        self.newline();
    }

    /// Writes out everything buffered.
    pub(crate) fn flush(&mut self) {
        if let Some(sink) = &mut self.shared {
            sink.flush();
        }
        if let Some(sep) = &mut self.separate {
            for (sink, _) in sep.files.values_mut() {
                sink.flush();
            }
        }
    }

    /// The first error writing the trace, if any.
    pub(crate) fn error(&self) -> Option<Errno> {
        let separate = self
            .separate
            .iter()
            .flat_map(|s| s.files.values().map(|(sink, _)| sink.error));
        self.shared
            .iter()
            .map(|s| s.error)
            .chain(separate)
            .flatten()
            .next()
    }
}

/// Creates an output file, truncating it, or opens it for appending.
fn create(path: &Path, append: bool) -> Result<std::os::fd::OwnedFd, String> {
    let keep = if append {
        OFlags::APPEND
    } else {
        OFlags::TRUNC
    };
    let flags = OFlags::WRONLY | OFlags::CREAT | keep | OFlags::CLOEXEC;
    fs::open(path, flags, Mode::from_bits_retain(0o666))
        .map_err(|e| format!("can't open '{}': {e}", path.display()))
}
