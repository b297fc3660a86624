//! The seed program "graceful shutdown on SIGINT/SIGTERM": the main loop works in
//! ticks and, through `signal::Notify`, learns of a shutdown request between two
//! ticks; it finishes the tick, cleans up, and exits 0. A second signal during the
//! clean-up exits at once.
//!
//! Run: `cargo run --example graceful` and press Ctrl-C, or `kill -TERM PID`; with an
//! argument SECS, it sends itself SIGTERM after SECS seconds.

use std::process::ExitCode;
use std::time::Duration;

use sysbridge::process::getpid;
use sysbridge::signal::{self, Notify, SigSet, Signal};

fn main() -> ExitCode {
    let shutdown = SigSet::EMPTY.with(Signal::SIGINT).with(Signal::SIGTERM);
    let notify = match Notify::new(shutdown) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("graceful: cannot subscribe to SIGINT and SIGTERM: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(secs) = std::env::args().nth(1).and_then(|s| s.parse::<f64>().ok()) {
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs_f64(secs));
            let _ = signal::kill(getpid(), Signal::SIGTERM);
        });
    }
    eprintln!(
        "graceful: process {} working; SIGINT or SIGTERM to stop",
        getpid()
    );
    let mut ticks = 0u64;
    let sig = loop {
        // One unit of work per tick; a signal is noticed between two.
        if let Some(sig) = notify.recv_timeout(Duration::from_millis(200)) {
            break sig;
        }
        ticks += 1;
        eprintln!("graceful: tick {ticks}");
    };
    eprintln!("graceful: {sig} received after {ticks} ticks: cleaning up");
    if let Some(again) = notify.recv_timeout(Duration::from_millis(300)) {
        eprintln!("graceful: {again} again: leaving now");
        return ExitCode::from(128 + again.raw() as u8);
    }
    // The clean-up is done: SIGINT and SIGTERM get their default actions back.
    if let Err(e) = notify.stop() {
        eprintln!("graceful: restoring dispositions: {e}");
    }
    eprintln!("graceful: clean exit");
    ExitCode::SUCCESS
}
