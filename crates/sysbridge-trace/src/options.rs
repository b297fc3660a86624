//! What to trace and how to print it: strace's options, as one value the engine takes.

use std::ffi::OsString;
use std::path::PathBuf;

use sysbridge::process::Pid;

use crate::filter::{SignalSet, StatusSet, SyscallSet};

/// How strings and buffers print bytes (`-x`, `-xx`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum HexStrings {
    /// Printable bytes as themselves, the rest as C escapes (`\n`, `\177`).
    #[default]
    Escaped,
    /// A string with any non-ASCII byte is printed wholly in hex (`-x`).
    NonAscii,
    /// Every string in hex (`-xx`).
    All,
}

/// What prefixes each line with a time (`-t`, `-tt`, `-ttt`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum Timestamps {
    /// None.
    #[default]
    None,
    /// Wall-clock time of day, `HH:MM:SS` (`-t`).
    Seconds,
    /// With microseconds (`-tt`).
    Micros,
    /// Seconds since the Epoch, with microseconds (`-ttt`).
    Epoch,
}

/// How descriptors print (`-y`, `-yy`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum FdPaths {
    /// As numbers.
    #[default]
    No,
    /// With the path they refer to: `3</etc/passwd>` (`-y`).
    Paths,
    /// With protocol details for sockets too (`-yy`).
    All,
}

/// Whether traced processes run under a seccomp filter, so that the calls not traced
/// do not stop them at all (`--seccomp-bpf`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum SeccompBpf {
    /// When the command is started with `-f` and `-e trace=` leaves calls out.
    #[default]
    Auto,
    /// Whenever possible (`--seccomp-bpf`: a started command, with `-f`).
    On,
    /// Never (`--no-seccomp-bpf`).
    Off,
}

/// Whether a summary table is printed (`-c`, `-C`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum Summary {
    /// Only the trace.
    #[default]
    Off,
    /// Only the summary (`-c`).
    Only,
    /// The trace and then the summary (`-C`).
    Also,
}

/// The column the summary is sorted by (`-S`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum SortBy {
    /// `time` (the default): total time, largest first.
    #[default]
    Time,
    /// `calls`: number of calls, largest first.
    Calls,
    /// `errors`: number of errors, largest first.
    Errors,
    /// `name`: system-call name.
    Name,
    /// `nothing`: in the order first seen.
    Nothing,
}

/// How the tracer is to run: strace's options.
#[derive(Clone, Debug)]
pub struct Options {
    /// Follow children and threads (`-f`).
    pub follow_forks: bool,
    /// With [`Options::output`], one file per process: `FILE.PID` (`-ff`).
    pub output_separately: bool,
    /// Append to [`Options::output`] instead of truncating it (`-A`).
    pub append: bool,
    /// Write the trace to this file instead of standard error (`-o`).
    pub output: Option<PathBuf>,
    /// Summary table (`-c`, `-C`).
    pub summary: Summary,
    /// Summary order (`-S`).
    pub sort_by: SortBy,
    /// Summary times are wall-clock durations, not system CPU time (`-w`).
    pub summary_wall_clock: bool,
    /// The system calls to show (`-e trace=`).
    pub trace: SyscallSet,
    /// Calls whose large structures print abbreviated, `{a=1, ...}` (`-e abbrev=`;
    /// `-v` empties it).
    pub abbrev: SyscallSet,
    /// Calls whose structure arguments are decoded at all, not shown as addresses
    /// (`-e verbose=`).
    pub verbose: SyscallSet,
    /// Calls whose arguments print undecoded, in hex (`-e raw=`).
    pub raw: SyscallSet,
    /// The signals to show (`-e signal=`).
    pub signals: SignalSet,
    /// Which outcomes to show (`-e status=`, `-z`, `-Z`).
    pub status: StatusSet,
    /// Longest string printed (`-s`, default 32).
    pub strsize: usize,
    /// Byte printing (`-x`, `-xx`).
    pub hex: HexStrings,
    /// Line time prefix (`-t`, `-tt`, `-ttt`).
    pub timestamps: Timestamps,
    /// Relative time since the previous line (`-r`).
    pub relative: bool,
    /// The system call number before each line (`-n`).
    pub syscall_numbers: bool,
    /// The instruction pointer before each line (`-i`).
    pub instruction_pointer: bool,
    /// Time spent in each call, at the end of its line (`-T`).
    pub syscall_times: bool,
    /// Descriptor decoding (`-y`, `-yy`).
    pub fd_paths: FdPaths,
    /// Leave out attach and detach messages (`-q`) and exit statuses too (`-qq`).
    pub quiet: u8,
    /// Whether to filter with seccomp (`--seccomp-bpf`, `--no-seccomp-bpf`). A filter
    /// needs `-f` and a started command: it is inherited by every child, whose
    /// filtered calls fail with `ENOSYS` when no tracer follows them.
    pub seccomp_bpf: SeccompBpf,
    /// Print JSON Lines instead of strace's text (`--json`).
    pub json: bool,
    /// Processes to attach to (`-p`).
    pub attach: Vec<Pid>,
    /// The command to start, with its arguments.
    pub command: Vec<OsString>,
    /// Changes to the command's environment (`-E`), in order: `VAR=VALUE` sets,
    /// `VAR` removes.
    pub env: Vec<OsString>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            follow_forks: false,
            output_separately: false,
            output: None,
            append: false,
            summary: Summary::Off,
            sort_by: SortBy::Time,
            summary_wall_clock: false,
            trace: SyscallSet::all(),
            abbrev: SyscallSet::all(),
            verbose: SyscallSet::all(),
            raw: SyscallSet::none(),
            signals: SignalSet::all(),
            status: StatusSet::all(),
            strsize: 32,
            hex: HexStrings::Escaped,
            timestamps: Timestamps::None,
            relative: false,
            syscall_numbers: false,
            instruction_pointer: false,
            syscall_times: false,
            fd_paths: FdPaths::No,
            quiet: 0,
            seccomp_bpf: SeccompBpf::Auto,
            json: false,
            attach: Vec::new(),
            command: Vec::new(),
            env: Vec::new(),
        }
    }
}
