//! `sysbridge init`: tini's options (and `-a`, `--kill-orphans`, `--grace` beyond
//! them), parsed into the engine's [`Options`]; the engine's events printed on standard
//! error as `-v` and `-w` ask; its status returned.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use sysbridge::Errno;
use sysbridge::process::ChildState;
use sysbridge::signal::Signal;
use sysbridge_init::{Event, Options};

/// The arguments of `sysbridge init`, spelled as tini spells them where they overlap.
#[derive(Debug, clap::Args)]
#[command(
    override_usage = "sysbridge init [OPTIONS] [--] COMMAND [ARGS...]",
    after_long_help = AFTER_HELP,
)]
pub(crate) struct Args {
    /// Register as a child subreaper when not process 1, so that orphans are
    /// reparented to init and reaped
    #[arg(short = 's')]
    subreaper: bool,

    /// Have SIGNAL sent to init when its parent dies (e.g. -p SIGKILL); like any
    /// signal init receives, it is forwarded
    #[arg(short = 'p', value_name = "SIGNAL", value_parser = parse_signal)]
    parent_death_signal: Option<Signal>,

    /// Forward signals to the child's process group, not to the child alone
    #[arg(short = 'g')]
    group: bool,

    /// Exit with 0 when the child's status is EXIT_CODE (0 to 255; 128+N for death by
    /// signal N); repeatable
    #[arg(short = 'e', value_name = "EXIT_CODE")]
    remap: Vec<u8>,

    /// Warn when init is neither process 1 nor a subreaper (zombies would not be
    /// reaped), and when it reaps a process other than the child
    #[arg(short = 'w')]
    warn: bool,

    /// Say what init does; -vv: every signal forwarded and every process reaped
    #[arg(short = 'v', action = clap::ArgAction::Count)]
    verbose: u8,

    /// Once the child has ended, keep running until every other descendant
    /// (orphans included) has ended too; implies -s
    #[arg(short = 'a', long = "wait-all")]
    wait_all: bool,

    /// Once the child has ended, send SIGTERM to every descendant left, and SIGKILL
    /// after the grace period; implies -a
    #[arg(long = "kill-orphans")]
    kill_orphans: bool,

    /// The grace period of --kill-orphans, in seconds (default 10; fractions allowed);
    /// implies --kill-orphans
    #[arg(long = "grace", value_name = "SECS", value_parser = parse_seconds)]
    grace: Option<Duration>,

    /// The command to run, and its arguments (options end at the first non-option)
    #[arg(required = true, trailing_var_arg = true, value_name = "COMMAND")]
    command: Vec<OsString>,
}

const AFTER_HELP: &str = "\
init runs COMMAND as its child, forwards every signal it receives to it (except
SIGCHLD; SIGKILL and SIGSTOP cannot be caught), reaps every process that ends under it,
and exits with the child's status: its exit code, or 128+N when signal N killed it.
A program that cannot be run gives 127 (not found) or 126 (not executable).

The child runs in a process group of its own and, when init's standard input is its
controlling terminal with init in the foreground, becomes the terminal's foreground
process group (so Ctrl-C reaches it once).

Differences from tini: options stop at the first non-option argument (no `--` needed
before the command's own options); -w also gives tini's default warning about not
being a reaper, which is otherwise silent; SIGTTIN and SIGTTOU are forwarded too;
-a, --kill-orphans and --grace are new.";

/// The default grace period of `--kill-orphans`, as `docker stop` waits.
const DEFAULT_GRACE: Duration = Duration::from_secs(10);

/// A signal by name (`SIGTERM`, `TERM`, any case) or number (`15`).
fn parse_signal(text: &str) -> Result<Signal, String> {
    if let Ok(n) = text.parse::<i32>() {
        let sig = Signal::from_raw(n);
        return if sig.is_valid() {
            Ok(sig)
        } else {
            Err(format!("no signal numbered {text}"))
        };
    }
    let upper = text.to_ascii_uppercase();
    let name = if upper.starts_with("SIG") {
        upper
    } else {
        format!("SIG{upper}")
    };
    Signal::from_name(&name).ok_or_else(|| format!("no signal named '{text}'"))
}

/// Seconds, with fractions: `10`, `0.5`; at most a year.
fn parse_seconds(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .parse()
        .map_err(|_| format!("'{text}' is not a number of seconds"))?;
    if !(0.0..=365.0 * 86400.0).contains(&secs) {
        return Err(format!("{text} seconds is out of range (0 to a year)"));
    }
    Ok(Duration::from_secs_f64(secs))
}

impl Args {
    /// The engine's options.
    fn options(&self) -> Options {
        let kill_orphans = (self.kill_orphans || self.grace.is_some())
            .then(|| self.grace.unwrap_or(DEFAULT_GRACE));
        Options {
            command: self.command.clone(),
            subreaper: self.subreaper,
            parent_death_signal: self.parent_death_signal,
            signal_group: self.group,
            remap: self.remap.iter().copied().collect::<BTreeSet<u8>>(),
            wait_all: self.wait_all,
            kill_orphans,
            foreground: true,
        }
    }
}

/// How a process ended, for a message: `exited 3`, `killed by SIGTERM`.
fn ended(state: ChildState) -> String {
    match state {
        ChildState::Exited(code) => format!("exited {code}"),
        ChildState::Killed {
            signal,
            core_dumped: true,
        } => format!("killed by {signal} (core dumped)"),
        ChildState::Killed { signal, .. } => format!("killed by {signal}"),
        other => format!("{other:?}"),
    }
}

/// The line to print for `event`, if `-v`/`-w` ask for it.
fn message(event: &Event<'_>, verbose: u8, warn: bool) -> Option<String> {
    Some(match *event {
        Event::NotReaper if warn => "warning: not process 1 and not a child subreaper: orphans \
             will not come to init, so their zombies cannot be reaped (use -s, or run init \
             as process 1)"
            .to_string(),
        Event::Spawned { pid, program } if verbose >= 1 => {
            format!("started {} as process {pid}", program.to_string_lossy())
        }
        Event::Forwarded { signal, to } if verbose >= 2 => format!("forwarded {signal} to {to}"),
        Event::ForwardFailed {
            signal,
            to,
            errno: Errno::ESRCH,
        } if verbose >= 1 => format!("{signal} not forwarded: {to} has ended"),
        Event::ForwardFailed { signal, to, errno } if errno != Errno::ESRCH => {
            format!("warning: forwarding {signal} to {to}: {errno}")
        }
        Event::Reaped { pid, state } if warn => {
            format!("warning: reaped zombie process {pid} ({})", ended(state))
        }
        Event::Reaped { pid, state } if verbose >= 2 => {
            format!("reaped process {pid} ({})", ended(state))
        }
        Event::MainExited { pid, state, status } if verbose >= 1 => {
            format!("child {pid} {}; status {status}", ended(state))
        }
        Event::Orphans { signal, count } if verbose >= 1 => match count {
            Some(n) => format!("sent {signal} to {n} remaining descendants"),
            None => format!("sent {signal} to every remaining process"),
        },
        _ => return None,
    })
}

/// Runs `sysbridge init`.
pub(crate) fn main(args: &Args) -> ExitCode {
    let options = args.options();
    let mut stderr = std::io::stderr();
    let mut report = |event: Event<'_>| {
        if let Some(line) = message(&event, args.verbose, args.warn) {
            let _ = writeln!(stderr, "sysbridge init: {line}");
        }
    };
    match sysbridge_init::run(&options, &mut report) {
        Ok(status) => ExitCode::from(status),
        Err(e) => {
            eprintln!("sysbridge init: {e}");
            ExitCode::from(e.exit_status())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_by_name_or_number() {
        for text in ["SIGTERM", "TERM", "term", "15"] {
            assert_eq!(parse_signal(text), Ok(Signal::SIGTERM), "{text}");
        }
        assert_eq!(parse_signal("SIGKILL"), Ok(Signal::SIGKILL));
        assert!(parse_signal("SIGNOPE").is_err());
        assert!(parse_signal("0").is_err());
        assert!(parse_signal("65").is_err());
        assert!(parse_signal("").is_err());
    }

    #[test]
    fn seconds() {
        assert_eq!(parse_seconds("2.5"), Ok(Duration::from_millis(2500)));
        assert_eq!(parse_seconds("0"), Ok(Duration::ZERO));
        for bad in ["-1", "nan", "inf", "1e20", "x", ""] {
            assert!(parse_seconds(bad).is_err(), "{bad}");
        }
    }
}
