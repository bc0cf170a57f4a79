//! `datetime("M/D/YYYY, h:mm:ss.mmm AM")`: Mizu's UI time format to milliseconds since
//! the epoch, read as UTC. Seconds and milliseconds are optional, `AM`/`PM` is
//! case-insensitive, and without it the hour is read on a 24-hour clock.

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn num(s: &str, max_len: usize) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() || s.len() > max_len || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses Mizu's datetime format; `None` when it is not one.
pub(crate) fn parse_datetime(s: &str) -> Option<i64> {
    let s = s.trim();
    let (date, time) = match s.split_once(',') {
        Some((d, t)) => (d.trim(), t.trim()),
        None => (s, ""),
    };
    let mut dp = date.split('/');
    let month = num(dp.next()?, 2)?;
    let day = num(dp.next()?, 2)?;
    let year = num(dp.next()?, 4)?;
    if dp.next().is_some() || !(1..=12).contains(&month) {
        return None;
    }
    if day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let (mut hour, minute, second, milli) = if time.is_empty() {
        (0, 0, 0, 0)
    } else {
        let (clock, ampm) = match time.rsplit_once(' ') {
            Some((c, ap)) => (c.trim(), Some(ap.trim().to_ascii_uppercase())),
            None => (time, None),
        };
        let mut tp = clock.split(':');
        let hour = num(tp.next()?, 2)?;
        let minute = num(tp.next()?, 2)?;
        let (second, milli) = match tp.next() {
            None => (0, 0),
            Some(sec) => match sec.split_once('.') {
                Some((s, ms)) => {
                    let digits = ms.trim();
                    let v = num(digits, 3)?;
                    (num(s, 2)?, v * 10_i64.pow(3 - digits.len() as u32))
                }
                None => (num(sec, 2)?, 0),
            },
        };
        if tp.next().is_some() || minute > 59 || second > 59 {
            return None;
        }
        let hour = match ampm.as_deref() {
            None => {
                if hour > 23 {
                    return None;
                }
                hour
            }
            Some(ap) => {
                if !(1..=12).contains(&hour) {
                    return None;
                }
                match ap {
                    "AM" => hour % 12,
                    "PM" => hour % 12 + 12,
                    _ => return None,
                }
            }
        };
        (hour, minute, second, milli)
    };
    let days = days_from_civil(year, month, day);
    hour += days * 24;
    Some(((hour * 60 + minute) * 60 + second) * 1000 + milli)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mizu_example() {
        // 2021-10-28T21:13:02.905Z
        assert_eq!(
            parse_datetime("10/28/2021, 9:13:02.905 PM"),
            Some(1_635_455_582_905)
        );
        assert_eq!(parse_datetime("1/1/1970, 12:00:00.000 AM"), Some(0));
        assert_eq!(
            parse_datetime("1/1/1970, 12:00:00.000 PM"),
            Some(43_200_000)
        );
        assert_eq!(parse_datetime("1/1/1970"), Some(0));
        assert_eq!(parse_datetime("1/2/1970, 00:00"), Some(86_400_000));
        assert_eq!(parse_datetime("2/29/2021, 1:00 AM"), None);
        assert_eq!(parse_datetime("13/1/2021"), None);
        assert_eq!(parse_datetime("yesterday"), None);
        assert_eq!(parse_datetime("1/1/1970, 13:00 PM"), None);
    }
}
