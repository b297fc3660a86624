//! The measuring loop the benchmarks share: routes of one group timed in interleaved
//! rounds, each route's ratio to the first taken within the round (see
//! `syscalls.rs` for why), reported as median, inter-quartile range and the ratio of
//! the fastest batches.

use std::time::Instant;

/// One way of doing the group's operation `n` times.
pub(crate) struct Route<'a> {
    pub(crate) name: &'static str,
    pub(crate) run: Box<dyn FnMut(u32) + 'a>,
}

/// Routes compared with each other.
pub(crate) struct Group<'a> {
    pub(crate) name: &'static str,
    /// Calls per route per round.
    pub(crate) batch: u32,
    /// The route ratios are taken against (the first one).
    pub(crate) routes: Vec<Route<'a>>,
}

/// Nanoseconds per call of one batch.
fn time_batch(route: &mut Route<'_>, batch: u32) -> f64 {
    let start = Instant::now();
    (route.run)(batch);
    start.elapsed().as_nanos() as f64 / f64::from(batch)
}

/// A xorshift generator: each round runs the routes in a fresh order, so that no route
/// always follows the same one (what ran just before a batch, its branch-predictor and
/// cache footprint, changes the batch's time).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Fisher-Yates.
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// The `q` quantile of sorted values, interpolated.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// Times every route of `group` in `rounds` interleaved rounds and prints the table.
pub(crate) fn run_group(group: &mut Group<'_>, rounds: usize) {
    let n = group.routes.len();
    for r in &mut group.routes {
        time_batch(r, group.batch); // warm caches and lazy initialisation
    }
    let mut ns: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); n];
    let mut ratios: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); n];
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..rounds {
        rng.shuffle(&mut order);
        let mut this_round = vec![0.0; n];
        for &i in &order {
            this_round[i] = time_batch(&mut group.routes[i], group.batch);
        }
        for i in 0..n {
            ns[i].push(this_round[i]);
            ratios[i].push(this_round[i] / this_round[0]);
        }
    }
    println!(
        "\n{} ({} rounds of {} calls)",
        group.name, rounds, group.batch
    );
    println!(
        "  {:<34} {:>9} {:>7} {:>8} {:>15} {:>9}",
        "route", "median ns", "min ns", "ratio", "ratio IQR", "min ratio"
    );
    for v in &mut ns {
        v.sort_by(f64::total_cmp);
    }
    let floor0 = ns[0][0];
    for (i, route) in group.routes.iter().enumerate() {
        ratios[i].sort_by(f64::total_cmp);
        println!(
            "  {:<34} {:>9.1} {:>7.1} {:>7.3}x {:>6.3}..{:<6.3} {:>8.3}x",
            route.name,
            quantile(&ns[i], 0.5),
            ns[i][0],
            quantile(&ratios[i], 0.5),
            quantile(&ratios[i], 0.25),
            quantile(&ratios[i], 0.75),
            ns[i][0] / floor0,
        );
    }
}
