//! The `Date` header's IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), refreshed at most
//! once a second from the coarse realtime clock (a vDSO read, no system call).

use sysbridge::time::{ClockId, clock_gettime};

/// Bytes of an IMF-fixdate.
pub(crate) const LEN: usize = 29;

/// The current date, formatted, and the second it is for.
pub(crate) struct HttpDate {
    second: i64,
    text: [u8; LEN],
}

impl HttpDate {
    /// The date now.
    pub(crate) fn new() -> HttpDate {
        let mut date = HttpDate {
            second: i64::MIN,
            text: [b' '; LEN],
        };
        date.refresh();
        date
    }

    /// Reformats if the second changed; returns whether it did.
    pub(crate) fn refresh(&mut self) -> bool {
        let now = clock_gettime(ClockId::RealtimeCoarse).tv_sec;
        if now == self.second {
            return false;
        }
        self.second = now;
        self.text = format(now);
        true
    }

    /// The formatted date.
    pub(crate) fn text(&self) -> &[u8; LEN] {
        &self.text
    }
}

/// Formats seconds since the Epoch (proleptic Gregorian calendar, UTC).
pub(crate) fn format(secs: i64) -> [u8; LEN] {
    const DAYS: [&[u8; 3]; 7] = [b"Thu", b"Fri", b"Sat", b"Sun", b"Mon", b"Tue", b"Wed"];
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let days = secs.div_euclid(86_400);
    let in_day = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let mut out = [0u8; LEN];
    out[..3].copy_from_slice(DAYS[days.rem_euclid(7) as usize]);
    out[3..5].copy_from_slice(b", ");
    two(&mut out[5..7], day);
    out[7] = b' ';
    out[8..11].copy_from_slice(MONTHS[(month - 1) as usize]);
    out[11] = b' ';
    let y = year.clamp(0, 9999);
    two(&mut out[12..14], y / 100);
    two(&mut out[14..16], y % 100);
    out[16] = b' ';
    two(&mut out[17..19], in_day / 3600);
    out[19] = b':';
    two(&mut out[20..22], in_day / 60 % 60);
    out[22] = b':';
    two(&mut out[23..25], in_day % 60);
    out[25..].copy_from_slice(b" GMT");
    out
}

fn two(out: &mut [u8], n: i64) {
    out[0] = b'0' + (n / 10 % 10) as u8;
    out[1] = b'0' + (n % 10) as u8;
}

/// Year, month (1-12) and day (1-31) of a day number counted from 1970-01-01: the
/// era-based conversion of the proleptic Gregorian calendar (eras of 400 years,
/// 146097 days, with March as the first month so that leap days come last).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}
