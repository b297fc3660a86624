//! The seed program "a mini init that reaps": runs a command as its child, forwards
//! the signals it receives to the child's process group, reaps every child that ends
//! (orphans reparented to it included: it is process 1 of a PID namespace, or makes
//! itself a child subreaper), and exits as the command did (128 + N when signal N
//! ended it). `sysbridge init` is the full version.
//!
//! Run: `cargo run --example mini_init -- sh -c '(sleep 0.1 &); sleep 0.3; exit 3'`
//! (the orphaned `sleep` is reaped, then the exit code 3 is passed on).

use std::process::ExitCode;

use sysbridge::Errno;
use sysbridge::process::{self, Pid, Spawn, WaitId, WaitOptions};
use sysbridge::signal::{self, Notify, SigSet, Signal};

/// The signals forwarded to the child (SIGCHLD is ours: it means "reap").
const FORWARDED: [Signal; 8] = [
    Signal::SIGHUP,
    Signal::SIGINT,
    Signal::SIGQUIT,
    Signal::SIGTERM,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
    Signal::SIGWINCH,
    Signal::SIGCONT,
];

/// Reaps every ended child without waiting; returns the main child's status if it
/// was among them.
fn reap(main: Pid) -> Option<i32> {
    let mut main_status = None;
    loop {
        match process::waitid(WaitId::All, WaitOptions::EXITED | WaitOptions::NOHANG) {
            Ok(Some(event)) if event.pid == main => main_status = event.state.shell_code(),
            Ok(Some(event)) => {
                eprintln!("mini_init: reaped orphan {}: {:?}", event.pid, event.state)
            }
            Ok(None) | Err(Errno::ECHILD) => return main_status,
            Err(Errno::EINTR) => {}
            Err(e) => {
                eprintln!("mini_init: waitid: {e}");
                return main_status;
            }
        }
    }
}

fn run(command: &[String]) -> Result<i32, String> {
    if process::getpid().as_raw() != 1 {
        process::set_child_subreaper(true).map_err(|e| format!("subreaper: {e}"))?;
    }
    // Subscribe before the child exists, so that no SIGCHLD or forwarded signal is
    // missed.
    let signals = FORWARDED
        .into_iter()
        .collect::<SigSet>()
        .with(Signal::SIGCHLD);
    let notify = Notify::new(signals).map_err(|e| format!("signals: {e}"))?;
    let child = Spawn::new(&command[0])
        .args(&command[1..])
        .process_group(Pid::from_raw(0))
        .spawn()
        .map_err(|e| format!("{}: {e}", command[0]))?;
    let main = child.pid();
    // Reaping is ours now, with waitid(P_ALL): take the child out of Child's care.
    drop(child.into_pidfd());
    for sig in notify.iter() {
        if sig == Signal::SIGCHLD {
            if let Some(code) = reap(main) {
                // Whatever else has ended by now is reaped too; the rest are orphans
                // that outlive us and go to the next reaper up.
                reap(main);
                return Ok(code);
            }
        } else if let Err(e) = signal::kill(Pid::from_raw(-main.as_raw()), sig) {
            eprintln!("mini_init: forwarding {sig}: {e}");
        }
    }
    unreachable!("Notify::iter never ends")
}

fn main() -> ExitCode {
    let command: Vec<String> = std::env::args().skip(1).collect();
    if command.is_empty() {
        eprintln!("usage: mini_init COMMAND [ARG...]");
        return ExitCode::from(2);
    }
    match run(&command) {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("mini_init: {e}");
            ExitCode::from(127)
        }
    }
}
