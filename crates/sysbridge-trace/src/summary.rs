//! The `-c` table: calls, errors and time per system call, in strace's layout.

use std::fmt::Write as _;

use sysbridge::Sysno;
use sysbridge::time::Timespec;

use crate::options::SortBy;

/// What was counted for one call.
#[derive(Clone, Copy, Debug, Default)]
struct Count {
    calls: u64,
    errors: u64,
    /// Total time, in nanoseconds.
    time: u128,
    /// Order of first appearance (for `-S nothing`).
    first: u64,
}

/// Counts per call number, fed with every finished call.
#[derive(Default)]
pub(crate) struct Summary {
    counts: std::collections::HashMap<u32, Count>,
    seen: u64,
}

impl Summary {
    /// Counts one finished call of number `nr` that took `spent`.
    pub(crate) fn count(&mut self, nr: u64, failed: bool, spent: Timespec) {
        // Numbers no table knows are not counted, as in strace.
        let Some(nr) = u32::try_from(nr)
            .ok()
            .filter(|&n| Sysno::from_raw(n).is_some())
        else {
            return;
        };
        let seen = self.seen;
        let c = self.counts.entry(nr).or_insert_with(|| Count {
            first: seen,
            ..Count::default()
        });
        self.seen += 1;
        c.calls += 1;
        c.errors += u64::from(failed);
        let ns = (spent.tv_sec.max(0) as u128) * 1_000_000_000 + spent.tv_nsec.max(0) as u128;
        c.time += ns;
    }

    /// The table, sorted as `-S` says.
    pub(crate) fn render(&self, sort: SortBy, _wall_clock: bool) -> String {
        let mut rows: Vec<(&'static str, Count)> = self
            .counts
            .iter()
            .filter_map(|(&nr, &c)| Some((Sysno::from_raw(nr)?.name(), c)))
            .collect();
        match sort {
            SortBy::Time => rows.sort_by(|a, b| b.1.time.cmp(&a.1.time).then(a.0.cmp(b.0))),
            SortBy::Calls => rows.sort_by(|a, b| b.1.calls.cmp(&a.1.calls).then(a.0.cmp(b.0))),
            SortBy::Errors => rows.sort_by(|a, b| b.1.errors.cmp(&a.1.errors).then(a.0.cmp(b.0))),
            SortBy::Name => rows.sort_by(|a, b| a.0.cmp(b.0)),
            SortBy::Nothing => rows.sort_by_key(|r| r.1.first),
        }
        let secs = |ns: u128| ns as f64 / 1e9;
        let total_ns: u128 = rows.iter().map(|r| r.1.time).sum();
        let calls: u64 = rows.iter().map(|r| r.1.calls).sum();
        let errors: u64 = rows.iter().map(|r| r.1.errors).sum();
        let avg_us = |c: &Count| (secs(c.time) / c.calls as f64 * 1e6) as u64;
        let max_avg = rows.iter().map(|r| avg_us(&r.1)).max().unwrap_or(0);
        // Column widths: at least the header's, at least the widest value's.
        let w_secs = 11.max(format!("{:.6}", secs(total_ns)).len());
        let w_avg = 11.max(max_avg.to_string().len());
        let w_calls = 9.max(calls.to_string().len());
        let w_errors = 9.max(errors.to_string().len());
        let w_name = 16.max(rows.iter().map(|r| r.0.len() + 1).max().unwrap_or(0));
        let mut o = String::new();
        let _ = writeln!(
            o,
            "{:>6} {:>w_secs$} {:>w_avg$} {:>w_calls$} {:>w_errors$} syscall",
            "% time", "seconds", "usecs/call", "calls", "errors"
        );
        let rule = format!(
            "{} {} {} {} {} {}\n",
            "-".repeat(6),
            "-".repeat(w_secs),
            "-".repeat(w_avg),
            "-".repeat(w_calls),
            "-".repeat(w_errors),
            "-".repeat(w_name)
        );
        o.push_str(&rule);
        // An error count of 0 prints as blanks (strace's "%.0u").
        let blank_zero = |n: u64| if n == 0 { String::new() } else { n.to_string() };
        for (name, c) in &rows {
            let percent = if c.time == 0 {
                0.0
            } else {
                100.0 * secs(c.time) / secs(total_ns)
            };
            let _ = writeln!(
                o,
                "{percent:>6.2} {:>w_secs$.6} {:>w_avg$} {:>w_calls$} {:>w_errors$} {name}",
                secs(c.time),
                avg_us(c),
                c.calls,
                blank_zero(c.errors)
            );
        }
        o.push_str(&rule);
        let total_avg = if calls == 0 {
            0
        } else {
            (secs(total_ns) / calls as f64 * 1e6) as u64
        };
        let _ = writeln!(
            o,
            "{:>6.2} {:>w_secs$.6} {total_avg:>w_avg$} {calls:>w_calls$} {:>w_errors$} total",
            100.0,
            secs(total_ns),
            blank_zero(errors)
        );
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_strace_s_table() {
        let mut s = Summary::default();
        let us = |n: i64| Timespec {
            tv_sec: 0,
            tv_nsec: n * 1000,
        };
        s.count(Sysno::read.raw().into(), false, us(30));
        s.count(Sysno::read.raw().into(), false, us(10));
        s.count(Sysno::openat.raw().into(), true, us(60));
        s.count(999, false, us(5));
        let table = s.render(SortBy::Time, false);
        let expected = "\
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 60.00    0.000060          60         1         1 openat
 40.00    0.000040          20         2           read
------ ----------- ----------- --------- --------- ----------------
100.00    0.000100          33         3         1 total
";
        assert_eq!(table, expected);
    }
}
