//! `Spawn` against `std::process::Command`, starting `/bin/true` and waiting for it,
//! from a process with 1 GiB of touched memory (see `shared/DESIGN.md`: target ≤
//! 0.8×).
//!
//! Rounds are interleaved as in `syscalls.rs` (the shared `harness`): each round runs
//! a batch of spawns by every route, and each route's time is divided by
//! `std::process::Command`'s in the same round. The routes:
//!
//! - `std::process::Command`: on glibc, for a program given by path and no option
//!   that needs `fork`, std calls `posix_spawn`, which is `clone3(CLONE_VM |
//!   CLONE_VFORK)` too: no page table copied;
//! - `sysbridge::process::Spawn`: `clone3(CLONE_VM | CLONE_VFORK | CLONE_PIDFD |
//!   CLONE_CLEAR_SIGHAND)`, the wait on the pidfd;
//! - `std::process::Command` with a `pre_exec` hook, which makes std `fork`: the
//!   kernel copies the page tables of the whole gigabyte (and the parent then takes
//!   copy-on-write faults), which is what a `fork`-based spawn costs.
//!
//! Run pinned on a quiet machine: `taskset -c 1 cargo bench -p sysbridge --bench
//! spawn` (`-- --quick` for fewer rounds).

use std::hint::black_box;
use std::os::unix::process::CommandExt;
use std::process::Command;

use sysbridge::process::Spawn;

mod harness;
use harness::{Group, Route, run_group};

const PROGRAM: &str = "/bin/true";

/// Spawns per route per round; with the default rounds, 2000 spawns per route.
const BATCH: u32 = 25;

fn ours(n: u32) {
    let spawn = Spawn::new(PROGRAM);
    for _ in 0..n {
        assert!(spawn.status().unwrap().success());
    }
}

fn std_command(n: u32) {
    for _ in 0..n {
        assert!(Command::new(PROGRAM).status().unwrap().success());
    }
}

fn std_fork(n: u32) {
    for _ in 0..n {
        let mut command = Command::new(PROGRAM);
        // SAFETY: the hook does nothing; its presence alone makes std fork.
        unsafe { command.pre_exec(|| Ok(())) };
        assert!(command.status().unwrap().success());
    }
}

fn route(name: &'static str, run: fn(u32)) -> Route<'static> {
    Route {
        name,
        run: Box::new(run),
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let rounds = if quick { 20 } else { 80 };
    // 1 GiB, every page touched (written), so that it is mapped in the page tables.
    let mut big = vec![0u8; 1 << 30];
    for page in big.chunks_mut(4096) {
        page[0] = 1;
    }
    black_box(&big);
    let mut group = Group {
        name: "spawn /bin/true and wait, from a process with 1 GiB touched",
        batch: BATCH,
        routes: vec![
            route("std::process::Command", std_command),
            route("sysbridge::process::Spawn", ours),
            route("  ... with pre_exec (fork)", std_fork),
        ],
    };
    println!("ratio: a route's time over std::process::Command's, paired within each round");
    run_group(&mut group, rounds);
    black_box(&big);
}
