//! # `sysbridge`: the command line of the sysbridge library
//!
//! One subcommand per tool, one module per subcommand; each module parses its
//! arguments and prints, and the library does the rest:
//!
//! - `sysbridge errno NAME|NUMBER...` (`-l`, `-s WORD...`): error names, numbers and
//!   glibc's messages, in the format of moreutils' `errno`;
//! - `sysbridge sysno NAME|NUMBER...` (`-l`, `-s WORD...`): x86_64 system-call
//!   names and numbers;
//! - `sysbridge trace [OPTIONS] COMMAND...`: strace;
//! - `sysbridge init [OPTIONS] COMMAND...`: a PID 1 for containers, after tini.
//!
//! Errors are one line on stderr (`sysbridge: errno: no error named 'EFOO'`) and a
//! non-zero exit status; usage errors are clap's, with status 2. Output that nobody
//! reads any more (a closed pipe) ends the command quietly with status 0.

mod errno;
mod init;
mod lookup;
mod sysno;
mod trace;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use sysbridge::Errno;

use crate::lookup::Outcome;

/// The command line: `sysbridge SUBCOMMAND ...`.
#[derive(Debug, Parser)]
#[command(
    name = "sysbridge",
    version,
    about = "Linux system calls made visible: error and system-call numbers, and more to come",
    after_help = "Run `sysbridge help SUBCOMMAND` or `sysbridge SUBCOMMAND --help` for details."
)]
struct Cli {
    /// What to do.
    #[command(subcommand)]
    command: Command,
}

/// The subcommands, one module each.
#[derive(Debug, Subcommand)]
enum Command {
    /// Look up error numbers: ENOENT <-> 2 <-> "No such file or directory"
    Errno(lookup::Args<errno::Errors>),
    /// Look up x86_64 system-call numbers: openat <-> 257
    Sysno(lookup::Args<sysno::SystemCalls>),
    /// Trace system calls and signals, as strace does (and faster)
    Trace(Box<trace::Args>),
    /// Run a command as process 1 (of a container): forward signals, reap zombies
    Init(init::Args),
}

impl Command {
    /// The subcommand's name, for error messages.
    fn name(&self) -> &'static str {
        match self {
            Command::Errno(_) => "errno",
            Command::Sysno(_) => "sysno",
            Command::Trace(_) => "trace",
            Command::Init(_) => "init",
        }
    }

    /// Runs the subcommand: output to `out`, one line per problem to `diagnostics`.
    fn run(&self, out: &mut dyn Write, diagnostics: &mut dyn Write) -> io::Result<Outcome> {
        match self {
            Command::Errno(args) => lookup::run(args, out, diagnostics),
            Command::Sysno(args) => lookup::run(args, out, diagnostics),
            Command::Trace(_) | Command::Init(_) => {
                unreachable!("trace and init run on their own in main")
            }
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Trace(args) = &cli.command {
        return trace::main(args);
    }
    if let Command::Init(args) = &cli.command {
        return init::main(args);
    }
    let mut out = io::stdout().lock();
    let mut diagnostics = io::stderr().lock();
    let written = cli
        .command
        .run(&mut out, &mut diagnostics)
        .and_then(|outcome| out.flush().map(|()| outcome));
    match written {
        Ok(Outcome::Found) => ExitCode::SUCCESS,
        Ok(Outcome::NotFound) => ExitCode::FAILURE,
        // The reader has gone (`| head -1`): what it wanted it has, so this is no error.
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(err) => {
            let reason = match Errno::from_io_error(&err) {
                Some(errno) => errno.to_string(),
                None => err.to_string(),
            };
            let _ = writeln!(
                diagnostics,
                "sysbridge: {}: write to stdout: {reason}",
                cli.command.name()
            );
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// clap's own consistency checks: the ids that `conflicts_with` and
    /// `required_unless_present_any` name exist, no two options share a letter, …
    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
