//! Reads the clocks through the vDSO, tells which CPU we run on, and sleeps briefly.
//!
//! Run: `cargo run --example clock`

use std::time::{Duration, SystemTime};

use sysbridge::time::{self, ClockId};

fn main() {
    for id in [ClockId::Monotonic, ClockId::Realtime] {
        let now = time::clock_gettime(id);
        let res = time::clock_getres(id);
        println!(
            "{id:?}: {}.{:09} s (resolution {} ns)",
            now.tv_sec, now.tv_nsec, res.tv_nsec
        );
    }
    let realtime = SystemTime::try_from(time::clock_gettime(ClockId::Realtime));
    println!("Realtime as SystemTime: {realtime:?}");

    let (cpu, node) = time::getcpu();
    println!("running on CPU {cpu}, NUMA node {node}");

    let nap = Duration::from_millis(50);
    let before = time::clock_gettime(ClockId::Monotonic);
    if let Err(e) = time::sleep(nap) {
        eprintln!("clock: sleep: {e}");
        std::process::exit(1);
    }
    let after = time::clock_gettime(ClockId::Monotonic);
    let slept = Duration::try_from(after)
        .ok()
        .zip(Duration::try_from(before).ok())
        .map(|(after, before)| after - before);
    println!("asked to sleep {nap:?}, slept {slept:?} (monotonic)");
}
