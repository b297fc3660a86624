//! `sysbridge trace`: strace's options, parsed into the tracer's [`Options`], and the
//! tracer's outcome turned into ours (the traced command's exit status, or its death
//! by the same signal).

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use sysbridge::process::{self, Pid};
use sysbridge::signal::{self, How, SaFlags, SigAction, SigHandler, SigSet, Signal};
use sysbridge_trace::{
    FdPaths, HexStrings, Options, Outcome, SeccompBpf, SignalSet, SortBy, Status, StatusSet,
    Summary, SyscallSet, Timestamps,
};

/// The arguments of `sysbridge trace`, spelled as strace spells them.
#[derive(Debug, clap::Args)]
#[command(
    override_usage = "sysbridge trace [OPTIONS] [--] COMMAND [ARGS...]\n       sysbridge trace [OPTIONS] -p PID[,PID...]",
    after_long_help = EXPRESSIONS,
)]
pub(crate) struct Args {
    /// Follow forks, vforks and clones; -ff with -o writes one file per process (FILE.PID)
    #[arg(short = 'f', action = clap::ArgAction::Count)]
    follow: u8,

    /// Write the trace to FILE instead of standard error
    #[arg(short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,

    /// With -o, append to FILE instead of truncating it
    #[arg(short = 'A')]
    append: bool,

    /// Count time, calls and errors per system call; print a summary instead of the trace
    #[arg(short = 'c')]
    count: bool,

    /// Like -c, and print the trace too
    #[arg(short = 'C')]
    count_also: bool,

    /// Sort the summary by: time (default), calls, errors, name, nothing
    #[arg(short = 'S', value_name = "SORTBY")]
    sort_by: Option<String>,

    /// Summarise wall-clock time in each call, not system CPU time
    #[arg(short = 'w')]
    wall_clock: bool,

    /// A qualifying expression: [trace=]SET, signal=SET, status=SET, abbrev=SET,
    /// verbose=SET, raw=SET (see below)
    #[arg(short = 'e', value_name = "EXPR")]
    expressions: Vec<String>,

    /// The system calls to trace (as -e trace=SET)
    #[arg(long = "trace", value_name = "SET")]
    trace: Option<String>,

    /// The signals to show (as -e signal=SET)
    #[arg(long = "signal", value_name = "SET")]
    signal: Option<String>,

    /// The outcomes to show: successful, failed, unfinished, unavailable, detached
    #[arg(long = "status", value_name = "SET")]
    status: Option<String>,

    /// Print only calls that succeeded (as -e status=successful)
    #[arg(short = 'z')]
    successful: bool,

    /// Print only calls that failed (as -e status=failed)
    #[arg(short = 'Z')]
    failed: bool,

    /// Longest string to print (default 32)
    #[arg(short = 's', value_name = "STRSIZE")]
    strsize: Option<usize>,

    /// Print structures in full (unabbreviated)
    #[arg(short = 'v')]
    verbose: bool,

    /// Print non-ASCII strings in hex; -xx: all strings in hex
    #[arg(short = 'x', action = clap::ArgAction::Count)]
    hex: u8,

    /// Prefix lines with the time of day; -tt: with microseconds; -ttt: seconds since the Epoch
    #[arg(short = 't', action = clap::ArgAction::Count)]
    timestamps: u8,

    /// Prefix lines with the time since the previous line
    #[arg(short = 'r')]
    relative: bool,

    /// Show the time spent in each call
    #[arg(short = 'T')]
    syscall_times: bool,

    /// Print the system call number before each line
    #[arg(short = 'n')]
    syscall_numbers: bool,

    /// Print the instruction pointer at the time of each call or signal
    #[arg(short = 'i')]
    instruction_pointer: bool,

    /// Print the paths descriptors refer to; -yy: socket details too
    #[arg(short = 'y', action = clap::ArgAction::Count)]
    fd_paths: u8,

    /// Suppress attach and detach messages; -qq: exit statuses too
    #[arg(short = 'q', action = clap::ArgAction::Count)]
    quiet: u8,

    /// Attach to a running process (repeatable, or comma-separated); Ctrl-C detaches
    #[arg(short = 'p', value_name = "PID", value_delimiter = ',')]
    attach: Vec<i32>,

    /// Stop traced processes only for the calls traced, with a seccomp filter (needs -f;
    /// on by itself when -e trace= leaves calls out and the command is started with -f)
    #[arg(long = "seccomp-bpf")]
    seccomp_bpf: bool,

    /// Never use a seccomp filter (a filter set without CAP_SYS_ADMIN turns on
    /// no_new_privs, so set-user-ID programs in the command run unprivileged)
    #[arg(long = "no-seccomp-bpf", conflicts_with = "seccomp_bpf")]
    no_seccomp_bpf: bool,

    /// Run the command with VAR set to VAL (VAR=VAL), or VAR removed (VAR); repeatable
    #[arg(short = 'E', value_name = "VAR[=VAL]")]
    env: Vec<OsString>,

    /// Print JSON Lines (one object per call, signal and exit) instead of strace's text
    #[arg(long = "json")]
    json: bool,

    /// The command to run, and its arguments
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    command: Vec<OsString>,
}

const EXPRESSIONS: &str = "\
Expressions (-e):
  trace=SET    the system calls to trace: names, %file %process %network (%net) %signal
               %ipc %desc %memory %creds %clock %stat %fstat %lstat %statfs, /REGEX;
               a leading ! negates; ?NAME ignores a name that does not exist; all, none
  signal=SET   the signals to show: SIGCHLD, CHLD, 17, all, none, !SET
  status=SET   successful, failed, unfinished, unavailable, detached
  abbrev=SET   calls whose large structures are abbreviated (default all; -v: none)
  verbose=SET  calls whose structures are decoded at all (default all)
  raw=SET      calls whose arguments are printed undecoded, in hex
A bare SET means trace=SET. The last expression of a kind wins.

Exit status: the traced command's, or, if a signal killed it, death by the same signal.";

impl Args {
    /// The tracer's options, or what is wrong with ours.
    fn options(&self) -> Result<Options, String> {
        let mut o = Options {
            follow_forks: self.follow > 0,
            output_separately: self.follow > 1,
            output: self.output.clone(),
            append: self.append,
            summary_wall_clock: self.wall_clock,
            relative: self.relative,
            syscall_numbers: self.syscall_numbers,
            instruction_pointer: self.instruction_pointer,
            syscall_times: self.syscall_times,
            env: self.env.clone(),
            quiet: self.quiet,
            json: self.json,
            command: self.command.clone(),
            attach: self.attach.iter().map(|&p| Pid::from_raw(p)).collect(),
            ..Options::default()
        };
        if let Some(&bad) = self.attach.iter().find(|&&p| p <= 0) {
            return Err(format!("Invalid process id: '{bad}'"));
        }
        o.summary = match (self.count, self.count_also) {
            (_, true) => Summary::Also,
            (true, false) => Summary::Only,
            _ => Summary::Off,
        };
        if let Some(s) = &self.sort_by {
            o.sort_by = match s.as_str() {
                "time" | "time_total" | "total_time" => SortBy::Time,
                "calls" | "count" => SortBy::Calls,
                "errors" | "error" => SortBy::Errors,
                "name" | "syscall" | "syscall_name" => SortBy::Name,
                "nothing" | "none" => SortBy::Nothing,
                _ => return Err(format!("invalid sortby: '{s}'")),
            };
        }
        if let Some(n) = self.strsize {
            o.strsize = n;
        }
        o.hex = match self.hex {
            0 => HexStrings::Escaped,
            1 => HexStrings::NonAscii,
            _ => HexStrings::All,
        };
        o.timestamps = match self.timestamps {
            0 => Timestamps::None,
            1 => Timestamps::Seconds,
            2 => Timestamps::Micros,
            _ => Timestamps::Epoch,
        };
        o.fd_paths = match self.fd_paths {
            0 => FdPaths::No,
            1 => FdPaths::Paths,
            _ => FdPaths::All,
        };
        if self.verbose {
            o.abbrev = SyscallSet::none();
        }
        let long_forms = [
            ("trace", &self.trace),
            ("signal", &self.signal),
            ("status", &self.status),
        ];
        let expressions = self
            .expressions
            .iter()
            .map(String::as_str)
            .map(|e| e.split_once('=').unwrap_or(("trace", e)))
            .chain(
                long_forms
                    .iter()
                    .filter_map(|(k, v)| v.as_deref().map(|v| (*k, v))),
            );
        for (kind, set) in expressions {
            match kind {
                "trace" | "t" => o.trace = SyscallSet::parse(set)?,
                "abbrev" | "a" => o.abbrev = SyscallSet::parse(set)?,
                "verbose" | "v" => o.verbose = SyscallSet::parse(set)?,
                "raw" | "x" => o.raw = SyscallSet::parse(set)?,
                "signal" | "signals" | "s" => o.signals = SignalSet::parse(set)?,
                "status" => o.status = StatusSet::parse(set)?,
                _ => return Err(format!("invalid -e expression: '{kind}={set}'")),
            }
        }
        if self.successful {
            o.status = StatusSet::only(Status::Successful);
        }
        if self.failed {
            o.status = StatusSet::only(Status::Failed);
        }
        o.seccomp_bpf = match (self.seccomp_bpf, self.no_seccomp_bpf) {
            (true, _) => SeccompBpf::On,
            (_, true) => SeccompBpf::Off,
            _ => SeccompBpf::Auto,
        };
        if o.command.is_empty() && o.attach.is_empty() {
            return Err("must have PROG [ARGS] or -p PID".to_string());
        }
        if o.summary == Summary::Only {
            // As strace warns: these only change trace lines, which -c does not print.
            for (set, flag) in [
                (self.instruction_pointer, "-i"),
                (self.syscall_numbers, "-n"),
                (self.relative, "-r"),
                (self.timestamps > 0, "-t"),
                (self.syscall_times, "-T"),
            ] {
                if set {
                    eprintln!("sysbridge: trace: {flag} has no effect with -c");
                }
            }
        }
        // With -o and a started command, -q is implied, as in strace.
        if o.output.is_some() && !o.command.is_empty() && o.quiet == 0 {
            o.quiet = 1;
        }
        Ok(o)
    }
}

/// Runs `sysbridge trace`.
pub(crate) fn main(args: &Args) -> ExitCode {
    let outcome = args.options().and_then(sysbridge_trace::run);
    match outcome {
        Ok(Outcome::Exited(code)) => ExitCode::from(code as u8),
        Ok(Outcome::Killed(sig)) => die_like(sig),
        Err(message) => {
            eprintln!("sysbridge: trace: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Ends this process by `sig`, as the traced command ended, so that a shell sees the
/// same status (strace does the same); 128 + the signal number if that fails.
fn die_like(sig: Signal) -> ExitCode {
    let default = SigAction {
        handler: SigHandler::Default,
        flags: SaFlags::empty(),
        mask: SigSet::EMPTY,
    };
    // SAFETY: restoring the default action installs no code.
    let _ = unsafe { signal::sigaction(sig, &default) };
    let _ = signal::sigprocmask(How::Unblock, &SigSet::EMPTY.with(sig));
    let _ = signal::kill(process::getpid(), sig);
    ExitCode::from((128 + sig.raw()) as u8)
}
