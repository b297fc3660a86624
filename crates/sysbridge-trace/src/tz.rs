//! Local time as glibc's `localtime(3)` computes it: for the date comments strace
//! writes after times (`st_mtime=1700000000 /* 2023-11-14T22:13:20+0000 */`, which
//! strace formats with `localtime` and `strftime("%FT%T", …)`, `%z`), and for the
//! time of day that starts lines with `-t`.
//!
//! The zone is chosen as glibc chooses it: `TZ` unset means `/etc/localtime`; `TZ`
//! empty means UTC; `:NAME` or `NAME` is a compiled zone file (`TZif`), absolute or
//! under `/usr/share/zoneinfo`, and when there is no such file, a POSIX TZ string
//! (`EST5EDT,M3.2.0,M11.1.0`); anything unreadable is UTC. Within a zone file, a time
//! before the first transition takes the first standard-time type, and a time after the
//! last one follows the file's POSIX footer when it has one.

use std::sync::OnceLock;

/// How UTC offsets change over time.
#[derive(Debug, Default)]
pub(crate) struct Zone {
    /// Transition times, ascending, with the offset in force from each.
    transitions: Vec<(i64, i32)>,
    /// The offset before the first transition (or everywhere, without any).
    initial: i32,
    /// The rule after the last transition.
    rule: Option<Rule>,
}

/// A POSIX TZ rule: standard offset, and daylight saving time if any.
#[derive(Debug, Clone, PartialEq)]
struct Rule {
    /// Seconds east of UTC in standard time.
    std: i32,
    /// Daylight saving time: its offset, when it starts and when it ends (in local
    /// time of the offset in force before each change).
    dst: Option<(i32, When, When)>,
}

/// A day of the year and a time of that day at which a change happens.
#[derive(Debug, Clone, Copy, PartialEq)]
struct When {
    day: Day,
    /// Seconds after local midnight (may be negative or past a day).
    secs: i32,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Day {
    /// `Jn`: day 1..=365, February 29th never counted.
    Julian1(u16),
    /// `n`: day 0..=365, February 29th counted.
    Julian0(u16),
    /// `Mm.w.d`: weekday `d` (0 = Sunday) of week `w` (5 = last) of month `m`.
    Month(u8, u8, u8),
}

/// A broken-down local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tm {
    /// The year minus 1900, as `tm_year`.
    pub(crate) year: i32,
    pub(crate) mon: u32,
    pub(crate) mday: u32,
    pub(crate) hour: u32,
    pub(crate) min: u32,
    pub(crate) sec: u32,
    /// Seconds east of UTC.
    pub(crate) gmtoff: i32,
}

impl Tm {
    /// `%FT%T`, then `.fraction` when `frac` is given, then `%z`, as strace writes it.
    pub(crate) fn format(&self, frac: Option<(u64, usize)>) -> String {
        // glibc's %Y is tm_year + 1900 in int arithmetic.
        let year = self.year.wrapping_add(1900);
        let mut s = format!(
            "{year}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.mon, self.mday, self.hour, self.min, self.sec
        );
        if let Some((value, width)) = frac {
            s.push_str(&format!(".{value:0width$}"));
        }
        let sign = if self.gmtoff < 0 { '-' } else { '+' };
        let off = self.gmtoff.unsigned_abs();
        s.push_str(&format!("{sign}{:02}{:02}", off / 3600, off / 60 % 60));
        s
    }
}

/// The process's zone, loaded at first use.
pub(crate) fn local() -> &'static Zone {
    static ZONE: OnceLock<Zone> = OnceLock::new();
    ZONE.get_or_init(|| {
        Zone::from_tz(
            std::env::var_os("TZ")
                .as_deref()
                .map(|s| s.as_encoded_bytes()),
        )
    })
}

/// The local-time comment of a time (strace's `sprinttime_ex`): `None` for the Epoch
/// itself, for a fraction above `max`, or a time `localtime` cannot represent. The
/// fraction is written with `width` digits when non-zero.
pub(crate) fn date_text(sec: i64, frac: u64, max: u64, width: usize) -> Option<String> {
    if (sec == 0 && frac == 0) || frac > max {
        return None;
    }
    let tm = local().localtime(sec)?;
    Some(tm.format((frac > 0).then_some((frac, width))))
}

impl Zone {
    /// The zone a value of `TZ` names (`None`: unset).
    fn from_tz(tz: Option<&[u8]>) -> Zone {
        let Some(tz) = tz else {
            return Zone::file(b"/etc/localtime").unwrap_or_default();
        };
        if tz.is_empty() {
            return Zone::default();
        }
        let name = tz.strip_prefix(b":").unwrap_or(tz);
        let path = if name.starts_with(b"/") {
            name.to_vec()
        } else {
            [b"/usr/share/zoneinfo/".as_slice(), name].concat()
        };
        // A name climbing out of the zone directory is not a file name for glibc.
        let climbs = !name.starts_with(b"/") && name.windows(2).any(|w| w == b"..");
        if !climbs {
            if let Some(zone) = Zone::file(&path) {
                return zone;
            }
        }
        match parse_rule(name) {
            Some(rule) => Zone {
                transitions: Vec::new(),
                initial: rule.std,
                rule: Some(rule),
            },
            None => Zone::default(),
        }
    }

    fn file(path: &[u8]) -> Option<Zone> {
        use std::os::unix::ffi::OsStrExt as _;
        let path = std::ffi::OsStr::from_bytes(path);
        std::fs::read(path).ok().and_then(|d| Zone::parse(&d))
    }

    /// Reads a `TZif` file: the 64-bit section of version 2 and later (with the POSIX
    /// footer), the 32-bit one of version 1. `None` when it is not one.
    fn parse(data: &[u8]) -> Option<Zone> {
        fn be32(d: &[u8], at: usize) -> Option<u32> {
            Some(u32::from_be_bytes(
                d.get(at..at.checked_add(4)?)?.try_into().ok()?,
            ))
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
        let (body, tsize) = if version >= b'2' {
            let v1 = time * 5 + typ * 6 + chars + leap * 8 + isstd + isut;
            let second = 44usize.checked_add(v1)?;
            if data.get(second..second + 4)? != b"TZif" {
                return None;
            }
            (second, 8)
        } else {
            (0, 4)
        };
        let [isut, isstd, leap, time, typ, chars] = counts(data, body)?;
        if typ == 0 {
            return None;
        }
        let times_at = body + 44;
        let idx_at = times_at + time * tsize;
        let types_at = idx_at + time;
        let ty = |t: usize| -> Option<(i32, bool)> {
            let at = types_at + 6 * t;
            Some((be32(data, at)? as i32, *data.get(at + 4)? != 0))
        };
        let mut transitions = Vec::with_capacity(time.min(4096));
        for i in 0..time {
            let at = times_at + i * tsize;
            let when = if tsize == 8 {
                i64::from_be_bytes(data.get(at..at + 8)?.try_into().ok()?)
            } else {
                i64::from(be32(data, at)? as i32)
            };
            let t = usize::from(*data.get(idx_at + i)?);
            if t >= typ {
                return None;
            }
            transitions.push((when, ty(t)?.0));
        }
        // Before any transition: the first standard-time type (the first type if all
        // are daylight saving).
        let first_std = (0..typ).find(|&t| ty(t).is_some_and(|(_, dst)| !dst));
        let initial = ty(first_std.unwrap_or(0))?.0;
        let mut rule = None;
        if version >= b'2' {
            let footer = types_at + typ * 6 + chars + leap * (tsize + 4) + isstd + isut;
            let text = data.get(footer..).and_then(|r| r.strip_prefix(b"\n"));
            if let Some(text) = text {
                if let Some(end) = text.iter().position(|&b| b == b'\n') {
                    rule = parse_rule(&text[..end]);
                }
            }
        }
        Some(Zone {
            transitions,
            initial,
            rule,
        })
    }

    /// The offset (seconds east of UTC) in force at `t`.
    pub(crate) fn offset_at(&self, t: i64) -> i32 {
        if let (Some(rule), true) = (
            &self.rule,
            self.transitions.last().is_none_or(|&(last, _)| t >= last),
        ) {
            return rule.offset_at(t);
        }
        match self.transitions.partition_point(|&(when, _)| when <= t) {
            0 => self.initial,
            i => self.transitions[i - 1].1,
        }
    }

    /// `localtime(t)`; `None` where glibc fails (the year does not fit an `int`).
    pub(crate) fn localtime(&self, t: i64) -> Option<Tm> {
        let off = self.offset_at(t);
        let local = t.checked_add(i64::from(off))?;
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400) as u32;
        let (y, m, d) = civil(days);
        let year = i32::try_from(y.checked_sub(1900)?).ok()?;
        Some(Tm {
            year,
            mon: m,
            mday: d,
            hour: secs / 3600,
            min: secs / 60 % 60,
            sec: secs % 60,
            gmtoff: off,
        })
    }
}

impl Rule {
    fn offset_at(&self, t: i64) -> i32 {
        let Some((dst, start, end)) = self.dst else {
            return self.std;
        };
        // The year of t in standard time decides which changes apply.
        let Some(local) = t.checked_add(i64::from(self.std)) else {
            return self.std;
        };
        let (year, _, _) = civil(local.div_euclid(86_400));
        let (Some(s), Some(e)) = (start.utc(year, self.std), end.utc(year, dst)) else {
            return self.std;
        };
        let in_dst = if s < e {
            t >= s && t < e
        } else {
            // Southern hemisphere: DST spans the new year.
            !(t >= e && t < s)
        };
        if in_dst { dst } else { self.std }
    }
}

impl When {
    /// The UTC time of this change in `year`, with `off` the offset before it.
    fn utc(&self, year: i64, off: i32) -> Option<i64> {
        let jan1 = days_from_civil(year, 1, 1)?;
        let leap = is_leap(year);
        let day = match self.day {
            Day::Julian1(n) => {
                let n = i64::from(n) - 1;
                if leap && n >= 59 { n + 1 } else { n }
            }
            Day::Julian0(n) => i64::from(n),
            Day::Month(m, w, d) => {
                let first = days_from_civil(year, u32::from(m), 1)? - jan1;
                // Weekday of the month's first day (1970-01-01 was a Thursday).
                let wday = (jan1 + first + 4).rem_euclid(7);
                let mut mday = (i64::from(d) - wday).rem_euclid(7) + 7 * (i64::from(w) - 1);
                let len = month_len(year, u32::from(m));
                while mday >= len {
                    mday -= 7;
                }
                first + mday
            }
        };
        Some((jan1 + day) * 86_400 + i64::from(self.secs) - i64::from(off))
    }
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn month_len(y: i64, m: u32) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Year, month, day of a count of days since 1970-01-01 (proleptic Gregorian).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Days since 1970-01-01 of a date.
fn days_from_civil(y: i64, m: u32, d: u32) -> Option<i64> {
    let y = if m <= 2 { y.checked_sub(1)? } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era.checked_mul(146_097)?.checked_add(doe - 719_468)
}

/// Parses a POSIX TZ string: `STDoffset[DST[offset][,start[/time],end[/time]]]`.
fn parse_rule(s: &[u8]) -> Option<Rule> {
    let mut p = Parser { s, at: 0 };
    p.name()?;
    // POSIX offsets are west of UTC.
    let std = -p.offset()?;
    if p.done() {
        return Some(Rule { std, dst: None });
    }
    p.name()?;
    let dst = if p.done() || p.peek() == Some(b',') {
        std + 3600
    } else {
        -p.offset()?
    };
    let (start, end) = if p.done() {
        // glibc's default: the US rules.
        (
            When {
                day: Day::Month(3, 2, 0),
                secs: 7200,
            },
            When {
                day: Day::Month(11, 1, 0),
                secs: 7200,
            },
        )
    } else {
        p.eat(b',')?;
        let start = p.when()?;
        p.eat(b',')?;
        let end = p.when()?;
        (start, end)
    };
    if !p.done() {
        return None;
    }
    Some(Rule {
        std,
        dst: Some((dst, start, end)),
    })
}

struct Parser<'a> {
    s: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }
    fn done(&self) -> bool {
        self.at >= self.s.len()
    }
    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek() == Some(c)).then(|| self.at += 1)
    }
    /// A zone abbreviation: three or more letters, or `<...>` quoted.
    fn name(&mut self) -> Option<()> {
        let start = self.at;
        if self.eat(b'<').is_some() {
            while self.peek()? != b'>' {
                self.at += 1;
            }
            let len = self.at - start - 1;
            self.at += 1;
            return (len >= 3).then_some(());
        }
        while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            self.at += 1;
        }
        (self.at - start >= 3).then_some(())
    }
    fn num(&mut self, max: u32) -> Option<u32> {
        let start = self.at;
        let mut v: u32 = 0;
        while let Some(c @ b'0'..=b'9') = self.peek() {
            v = v.checked_mul(10)?.checked_add(u32::from(c - b'0'))?;
            self.at += 1;
        }
        (self.at > start && v <= max).then_some(v)
    }
    /// `[+-]hh[:mm[:ss]]` in seconds; `max_h` bounds the hours.
    fn hms(&mut self, max_h: u32) -> Option<i32> {
        let neg = match self.peek() {
            Some(b'-') => {
                self.at += 1;
                true
            }
            Some(b'+') => {
                self.at += 1;
                false
            }
            _ => false,
        };
        let mut secs = self.num(max_h)? * 3600;
        if self.eat(b':').is_some() {
            secs += self.num(59)? * 60;
            if self.eat(b':').is_some() {
                secs += self.num(59)?;
            }
        }
        let secs = secs as i32;
        Some(if neg { -secs } else { secs })
    }
    fn offset(&mut self) -> Option<i32> {
        self.hms(24)
    }
    fn when(&mut self) -> Option<When> {
        let day = match self.peek()? {
            b'J' => {
                self.at += 1;
                let n = self.num(365)?;
                (n >= 1).then_some(Day::Julian1(n as u16))?
            }
            b'M' => {
                self.at += 1;
                let m = self.num(12)?;
                self.eat(b'.')?;
                let w = self.num(5)?;
                self.eat(b'.')?;
                let d = self.num(6)?;
                (m >= 1 && w >= 1).then_some(Day::Month(m as u8, w as u8, d as u8))?
            }
            _ => Day::Julian0(self.num(365)? as u16),
        };
        let secs = if self.eat(b'/').is_some() {
            self.hms(167)?
        } else {
            7200
        };
        Some(When { day, secs })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(z: &Zone, t: i64) -> String {
        z.localtime(t).map_or("NULL".into(), |tm| tm.format(None))
    }

    // Expected values are glibc 2.36's localtime + strftime("%FT%T%z").
    #[test]
    fn utc_dates_like_glibc() {
        let z = Zone::default();
        assert_eq!(fmt(&z, 0), "1970-01-01T00:00:00+0000");
        assert_eq!(fmt(&z, -1), "1969-12-31T23:59:59+0000");
        assert_eq!(fmt(&z, -62_135_596_800), "1-01-01T00:00:00+0000");
        assert_eq!(fmt(&z, -62_198_755_200), "-1-01-01T00:00:00+0000");
        assert_eq!(fmt(&z, -100_000_000_000), "-1199-02-15T14:13:20+0000");
        assert_eq!(
            fmt(&z, 67_767_976_233_532_799),
            "2147483647-12-31T23:59:59+0000"
        );
        assert_eq!(
            fmt(&z, 67_768_036_191_676_799),
            "-2147481749-12-31T23:59:59+0000"
        );
        assert_eq!(fmt(&z, 67_768_036_191_676_800), "NULL");
        assert_eq!(
            fmt(&z, -67_768_040_609_740_800),
            "-2147481748-01-01T00:00:00+0000"
        );
        assert_eq!(fmt(&z, -67_768_040_609_740_801), "NULL");
        assert_eq!(fmt(&z, i64::MAX), "NULL");
        assert_eq!(fmt(&z, i64::MIN), "NULL");
        let tm = z.localtime(1_700_000_000).unwrap();
        assert_eq!(
            tm.format(Some((123, 9))),
            "2023-11-14T22:13:20.000000123+0000"
        );
    }

    #[test]
    fn posix_rules() {
        let z = Zone::from_tz(Some(b"XYZ-3:30"));
        assert_eq!(fmt(&z, 1_700_000_000), "2023-11-15T01:43:20+0330");
        let z = Zone::from_tz(Some(b"garbage"));
        assert_eq!(fmt(&z, 1_700_000_000), "2023-11-14T22:13:20+0000");
        let z = Zone::from_tz(Some(b""));
        assert_eq!(z.offset_at(1_700_000_000), 0);
        // Not a file name: a rule with the US defaults.
        let ny = Zone {
            rule: parse_rule(b"EST5EDT"),
            initial: -5 * 3600,
            transitions: Vec::new(),
        };
        assert_eq!(fmt(&ny, 1_700_000_000), "2023-11-14T17:13:20-0500");
        assert_eq!(fmt(&ny, 4_000_000_000), "2096-10-02T03:06:40-0400");
        assert_eq!(fmt(&ny, 99_999_999_999), "5138-11-16T04:46:39-0500");
        // The change itself: 2023-03-12 02:00 EST = 07:00 UTC.
        assert_eq!(ny.offset_at(1_678_604_399), -5 * 3600);
        assert_eq!(ny.offset_at(1_678_604_400), -4 * 3600);
        // Southern hemisphere, explicit rules.
        let syd = Zone {
            rule: parse_rule(b"AEST-10AEDT,M10.1.0,M4.1.0/3"),
            initial: 36_000,
            transitions: Vec::new(),
        };
        assert_eq!(fmt(&syd, 1_700_000_000), "2023-11-15T09:13:20+1100");
        assert_eq!(fmt(&syd, 1_690_000_000), "2023-07-22T14:26:40+1000");
        assert_eq!(parse_rule(b"<+0330>-3:30").map(|r| r.std), Some(12_600));
        assert!(parse_rule(b"AB5").is_none());
        assert!(parse_rule(b"EST5EDT,M13.1.0,M11.1.0").is_none());
    }

    #[test]
    fn zone_files_like_glibc() {
        let Ok(ny) = std::fs::read("/usr/share/zoneinfo/America/New_York") else {
            eprintln!("SKIPPED: no /usr/share/zoneinfo (tzdata)");
            return;
        };
        let ny = Zone::parse(&ny).unwrap();
        assert_eq!(fmt(&ny, -5_000_000_000), "1811-07-23T10:10:38-0456");
        assert_eq!(fmt(&ny, 1_700_000_000), "2023-11-14T17:13:20-0500");
        assert_eq!(fmt(&ny, 4_000_000_000), "2096-10-02T03:06:40-0400");
        if let Ok(paris) = std::fs::read("/usr/share/zoneinfo/Europe/Paris") {
            let paris = Zone::parse(&paris).unwrap();
            assert_eq!(fmt(&paris, -3_000_000_000), "1874-12-07T18:49:21+0009");
            assert_eq!(fmt(&paris, 0), "1970-01-01T01:00:00+0100");
        }
        assert!(Zone::parse(b"not a zone").is_none());
        assert!(Zone::parse(b"TZif2").is_none());
    }
}
