//! Line times: the time of day (`-t`, `-tt`), seconds since the Epoch (`-ttt`), and the
//! time since the previous line (`-r`).
//!
//! The time of day is local time, in the zone glibc would choose (see [`crate::tz`]).

use std::fmt::Write as _;

use sysbridge::time::{ClockId, Timespec, clock_gettime};

use crate::options::Timestamps;

/// The prefix times of trace lines.
pub(crate) struct Clock {
    mode: Timestamps,
    relative: bool,
    previous: Option<Timespec>,
}

impl Clock {
    /// Times as the options ask.
    pub(crate) fn new(mode: Timestamps, relative: bool) -> Clock {
        Clock {
            mode,
            relative,
            previous: None,
        }
    }

    /// Appends the times that start a line, as strace writes them.
    pub(crate) fn leader(&mut self, out: &mut String) {
        if self.mode != Timestamps::None {
            let now = clock_gettime(ClockId::Realtime);
            let micros = now.tv_nsec / 1000;
            if self.mode == Timestamps::Epoch {
                let _ = write!(out, "{}.{micros:06} ", now.tv_sec);
            } else {
                let local = now.tv_sec + i64::from(crate::tz::local().offset_at(now.tv_sec));
                let day = local.rem_euclid(86_400);
                let (h, m, s) = (day / 3600, day % 3600 / 60, day % 60);
                let _ = write!(out, "{h:02}:{m:02}:{s:02}");
                if self.mode == Timestamps::Micros {
                    let _ = write!(out, ".{micros:06}");
                }
                out.push(' ');
            }
        }
        if self.relative {
            let now = clock_gettime(ClockId::Monotonic);
            let prev = *self.previous.get_or_insert(now);
            self.previous = Some(now);
            let mut secs = now.tv_sec - prev.tv_sec;
            let mut nanos = now.tv_nsec - prev.tv_nsec;
            if nanos < 0 {
                secs -= 1;
                nanos += 1_000_000_000;
            }
            let (open, close) = if self.mode != Timestamps::None {
                ("(+", ") ")
            } else {
                ("", " ")
            };
            let _ = write!(out, "{open}{secs:6}.{:06}{close}", nanos / 1000);
        }
    }
}
