use std::time::{Duration, Instant};

use sysbridge_windows::process::get_current_process_id;
use sysbridge_windows::time::{
    get_tick_count64, query_performance_counter, query_performance_frequency,
};

#[test]
fn tick_count_moves_forward_with_real_time() {
    let t0 = get_tick_count64();
    let start = Instant::now();
    std::thread::sleep(Duration::from_millis(120));
    let t1 = get_tick_count64();
    let elapsed = start.elapsed().as_millis() as u64;
    assert!(t1 > t0, "{} then {}", t0, t1);
    // The tick count has a coarse resolution (up to ~16 ms on Windows).
    let ticks = t1 - t0;
    assert!(
        ticks + 20 >= 120 && ticks <= elapsed + 20,
        "{} ticks in {} ms",
        ticks,
        elapsed
    );
}

#[test]
fn performance_counter_measures_the_same_time_as_std() {
    let frequency = query_performance_frequency();
    assert!(frequency > 0);
    let c0 = query_performance_counter();
    let start = Instant::now();
    std::thread::sleep(Duration::from_millis(50));
    let c1 = query_performance_counter();
    let std_elapsed = start.elapsed().as_secs_f64();
    let elapsed = (c1 - c0) as f64 / frequency as f64;
    assert!(elapsed >= 0.045, "{} s", elapsed);
    assert!(
        (elapsed - std_elapsed).abs() < 0.02,
        "{} s vs std's {} s",
        elapsed,
        std_elapsed
    );
}

#[test]
fn current_process_id_is_stds() {
    assert_eq!(get_current_process_id(), std::process::id());
}
