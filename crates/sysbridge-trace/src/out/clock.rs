//! Line times: the time of day (`-t`, `-tt`), seconds since the Epoch (`-ttt`), and the
//! time since the previous line (`-r`).
//!
//! The time of day is local time, from the compiled time-zone file (`TZif`) that `TZ`
//! names, or `/etc/localtime`. The offset in force at the time is read from the file's
//! transition table; for times past its last transition, the last offset holds (true
//! for every zone without daylight saving, and until 2037 for the full files distros
//! ship).

use std::fmt::Write as _;

use sysbridge::time::{ClockId, Timespec, clock_gettime};

use crate::options::Timestamps;

/// UTC offsets over time, from a `TZif` file.
#[derive(Debug, Default)]
struct Zone {
    /// Transition times, ascending, and the offset (seconds east of UTC) from each.
    transitions: Vec<(i64, i32)>,
    /// The offset before the first transition, or everywhere if there are none.
    initial: i32,
}

impl Zone {
    /// The zone `TZ` names, else `/etc/localtime`, else UTC.
    fn load() -> Zone {
        let path = match std::env::var("TZ") {
            Ok(tz) if tz.is_empty() || tz == "UTC" || tz == "UTC0" => return Zone::default(),
            Ok(tz) => {
                let name = tz.strip_prefix(':').unwrap_or(&tz).to_string();
                if name.starts_with('/') {
                    name
                } else {
                    format!("/usr/share/zoneinfo/{name}")
                }
            }
            Err(_) => "/etc/localtime".to_string(),
        };
        std::fs::read(path)
            .ok()
            .and_then(|data| Zone::parse(&data))
            .unwrap_or_default()
    }

    /// Reads a `TZif` file (version 2 or later: its 64-bit section; version 1: the
    /// 32-bit one). `None` when it is not one.
    fn parse(data: &[u8]) -> Option<Zone> {
        fn be32(d: &[u8], at: usize) -> Option<u32> {
            Some(u32::from_be_bytes(d.get(at..at + 4)?.try_into().ok()?))
        }
        fn counts(d: &[u8], at: usize) -> Option<[usize; 6]> {
            let mut c = [0; 6];
            for (i, slot) in c.iter_mut().enumerate() {
                *slot = be32(d, at + 20 + 4 * i)? as usize;
            }
            Some(c)
        }
        if data.get(..4)? != b"TZif" {
            return None;
        }
        let version = *data.get(4)?;
        let [isut, isstd, leap, time, typ, chars] = counts(data, 0)?;
        let (body, time_size) = if version >= b'2' {
            let v1_len = time * 4 + time + typ * 6 + chars + leap * 8 + isstd + isut;
            let second = 44 + v1_len;
            if data.get(second..second + 4)? != b"TZif" {
                return None;
            }
            (second, 8)
        } else {
            (0, 4)
        };
        let [_, _, _, time, typ, _] = counts(data, body)?;
        let times_at = body + 44;
        let idx_at = times_at + time * time_size;
        let types_at = idx_at + time;
        let offset_of = |t: usize| -> Option<i32> { Some(be32(data, types_at + 6 * t)? as i32) };
        let mut transitions = Vec::with_capacity(time);
        for i in 0..time {
            let at = times_at + i * time_size;
            let when = if time_size == 8 {
                i64::from_be_bytes(data.get(at..at + 8)?.try_into().ok()?)
            } else {
                i64::from(be32(data, at)? as i32)
            };
            let t = usize::from(*data.get(idx_at + i)?);
            if t >= typ {
                return None;
            }
            transitions.push((when, offset_of(t)?));
        }
        let initial = if typ > 0 { offset_of(0)? } else { 0 };
        Some(Zone {
            transitions,
            initial,
        })
    }

    /// The offset in force at `t` (seconds since the Epoch).
    fn offset_at(&self, t: i64) -> i32 {
        match self.transitions.partition_point(|&(when, _)| when <= t) {
            0 => self.initial,
            i => self.transitions[i - 1].1,
        }
    }
}

/// The prefix times of trace lines.
pub(crate) struct Clock {
    mode: Timestamps,
    relative: bool,
    zone: Zone,
    previous: Option<Timespec>,
}

impl Clock {
    /// Times as the options ask.
    pub(crate) fn new(mode: Timestamps, relative: bool) -> Clock {
        let zone = if mode == Timestamps::None {
            Zone::default()
        } else {
            Zone::load()
        };
        Clock {
            mode,
            relative,
            zone,
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
                let local = now.tv_sec + i64::from(self.zone.offset_at(now.tv_sec));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_installed_zones() {
        // UTC has no transitions; a zone with daylight saving has many.
        if let Ok(data) = std::fs::read("/usr/share/zoneinfo/UTC") {
            let z = Zone::parse(&data).unwrap();
            assert_eq!(z.offset_at(1_700_000_000), 0);
        } else {
            eprintln!("SKIPPED: no /usr/share/zoneinfo/UTC");
        }
        if let Ok(data) = std::fs::read("/usr/share/zoneinfo/Europe/Paris") {
            let z = Zone::parse(&data).unwrap();
            assert_eq!(z.offset_at(1_704_067_200), 3600, "2024-01-01: CET");
            assert_eq!(z.offset_at(1_719_792_000), 7200, "2024-07-01: CEST");
        } else {
            eprintln!("SKIPPED: no /usr/share/zoneinfo/Europe/Paris (tzdata)");
        }
        assert!(Zone::parse(b"not a zone").is_none());
        assert!(Zone::parse(b"TZif2").is_none());
    }
}
