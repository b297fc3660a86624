//! Clocks: `GetTickCount64` (milliseconds since boot) and the performance counter
//! (`QueryPerformanceCounter`, `QueryPerformanceFrequency`).

use crate::sys;

/// Milliseconds since the system started (`GetTickCount64`); never wraps in practice.
pub fn get_tick_count64() -> u64 {
    // SAFETY: GetTickCount64 takes nothing and reads a clock.
    unsafe { sys::GetTickCount64() }
}

/// The performance counter's current value, in ticks of
/// [`query_performance_frequency`] per second (`QueryPerformanceCounter`). It cannot
/// fail on Windows XP and later.
pub fn query_performance_counter() -> i64 {
    let mut count = 0i64;
    // SAFETY: `count` is a valid out-parameter; the call fails only for a bad pointer.
    unsafe { sys::QueryPerformanceCounter(&mut count) };
    count
}

/// The performance counter's ticks per second, fixed at boot
/// (`QueryPerformanceFrequency`).
pub fn query_performance_frequency() -> i64 {
    let mut frequency = 0i64;
    // SAFETY: `frequency` is a valid out-parameter; the call fails only for a bad pointer.
    unsafe { sys::QueryPerformanceFrequency(&mut frequency) };
    frequency
}
