//! Calendar arithmetic without a clock or a time-zone database: parsing
//! Synthea's `YYYY-MM-DD` dates and `YYYY-MM-DDThh:mm:ssZ` datetimes into Arrow's
//! day and microsecond counts, and the civil-calendar helpers that `dim_date`
//! and the age calculations use.

/// Microseconds in one day.
pub const MICROS_PER_DAY: i64 = 86_400_000_000;

/// A calendar day, as days since 1970-01-01: the type of the reference
/// day (`as_of`) where it crosses the crate's boundary, so that a day count
/// is never taken for a `YYYYMMDD` date key, a year or microseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(i32);

impl Day {
    /// The day `days` after 1970-01-01.
    pub const fn from_days(days: i32) -> Self {
        Self(days)
    }

    /// Days since 1970-01-01.
    pub const fn days(self) -> i32 {
        self.0
    }

    /// A `YYYY-MM-DD` date.
    pub fn parse(text: &str) -> Option<Self> {
        parse_date(text.trim().as_bytes()).map(Self)
    }
}

impl std::fmt::Display for Day {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&format_date(self.0))
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = month as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(days: i32) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Whether `year` is a Gregorian leap year.
pub fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Number of days in `month` of `year`.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap_year(year) => 29,
        _ => 28,
    }
}

fn digits(bytes: &[u8]) -> Option<u32> {
    let mut value = 0u32;
    for &b in bytes {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u32::from(b - b'0');
    }
    Some(value)
}

/// Parses `YYYY-MM-DD` into days since 1970-01-01.
pub fn parse_date(text: &[u8]) -> Option<i32> {
    if text.len() != 10 || text[4] != b'-' || text[7] != b'-' {
        return None;
    }
    let year = digits(&text[0..4])? as i32;
    let month = digits(&text[5..7])?;
    let day = digits(&text[8..10])?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// The first day of the range that holds two-digit-year dates until their
/// century is known: the year 10000 + `yy`, which no ISO date reaches.
pub const TWO_DIGIT_MARKS_FROM: i32 = 2_932_897;

/// Parses a date a spreadsheet re-saved in the US form `m/d/yyyy` or
/// `m/d/yy` (one or two digits for month and day) into days since
/// 1970-01-01. A two-digit year gives its [`two_digit_mark`] (from
/// [`TWO_DIGIT_MARKS_FROM`] on): its century is chosen later, against the
/// reference day ([`resolve_two_digit_year`]). Month first: a first number
/// above 12 is not a US date (`None`).
pub fn parse_us_date(text: &[u8]) -> Option<i32> {
    let mut parts = text.split(|&b| b == b'/');
    let (month, day, year) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some()
        || !(1..=2).contains(&month.len())
        || !(1..=2).contains(&day.len())
        || !matches!(year.len(), 2 | 4)
    {
        return None;
    }
    let two_digit = year.len() == 2;
    let (month, day, year) = (digits(month)?, digits(day)?, digits(year)? as i32);
    // A two-digit year is checked in the 2000s: 2/29/00 is a day of 2000.
    let check_year = if two_digit { 2000 + year } else { year };
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(check_year, month) {
        return None;
    }
    Some(if two_digit {
        two_digit_mark(year, month, day)
    } else {
        days_from_civil(year, month, day)
    })
}

/// The day that holds `m/d/yy` until its century is known.
pub fn two_digit_mark(yy: i32, month: u32, day: u32) -> i32 {
    days_from_civil(10_000 + yy, month, day)
}

/// The day a two-digit-year `mark` stands for: the century that puts it on
/// or before `reference` (so a birth year is never in the future), 1900s or
/// 2000s. Any other day is returned as it is.
pub fn resolve_two_digit_year(mark: i32, reference: i32) -> i32 {
    if mark < TWO_DIGIT_MARKS_FROM {
        return mark;
    }
    let (year, month, day) = civil_from_days(mark);
    let yy = year - 10_000;
    let recent = days_from_civil(2000 + yy, month, day);
    // 29 February of a year the 1900s lack stays in 2000.
    if recent <= reference || (month == 2 && day == 29 && !is_leap_year(1900 + yy)) {
        recent
    } else {
        days_from_civil(1900 + yy, month, day)
    }
}

/// Parses a UTC datetime `YYYY-MM-DDThh:mm:ss[.ffffff]Z` into microseconds since
/// the epoch. A bare `YYYY-MM-DD` (Synthea before 2.6 wrote some event dates
/// that way) is read as midnight UTC.
pub fn parse_datetime(text: &[u8]) -> Option<i64> {
    if text.len() == 10 {
        return parse_date(text).map(|d| i64::from(d) * MICROS_PER_DAY);
    }
    if text.len() < 20 || text[10] != b'T' || text[13] != b':' || text[16] != b':' {
        return None;
    }
    let days = parse_date(&text[..10])?;
    let hour = digits(&text[11..13])?;
    let minute = digits(&text[14..16])?;
    let second = digits(&text[17..19])?;
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let rest = &text[19..];
    let (fraction, zone) = match rest.first() {
        Some(b'.') => {
            let end = rest
                .iter()
                .position(|b| !b.is_ascii_digit() && *b != b'.')?;
            (&rest[1..end], &rest[end..])
        }
        _ => (&rest[..0], rest),
    };
    // `Z`, or a numeric offset `+hh:mm` / `-hh:mm` (converted to UTC).
    let offset_seconds = match zone {
        b"Z" => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hours = digits(&[*h1, *h2])?;
            let minutes = digits(&[*m1, *m2])?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = i64::from(hours * 3600 + minutes * 60);
            if *sign == b'+' { seconds } else { -seconds }
        }
        _ => return None,
    };
    if fraction.len() > 9 {
        return None;
    }
    let mut micros = 0i64;
    for i in 0..6 {
        let digit = fraction
            .get(i)
            .map_or(Some(0), |b| b.is_ascii_digit().then(|| i64::from(b - b'0')))?;
        micros = micros * 10 + digit;
    }
    if fraction.iter().skip(6).any(|b| !b.is_ascii_digit()) {
        return None;
    }
    let seconds = i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second);
    Some(i64::from(days) * MICROS_PER_DAY + (seconds - offset_seconds) * 1_000_000 + micros)
}

/// The UTC day (days since the epoch) of a microsecond timestamp.
pub fn day_of_timestamp(micros: i64) -> i32 {
    micros.div_euclid(MICROS_PER_DAY) as i32
}

/// `yyyymmdd` as an integer, the `dim_date` key of a day.
pub fn date_key(days: i32) -> i64 {
    let (y, m, d) = civil_from_days(days);
    i64::from(y) * 10_000 + i64::from(m) * 100 + i64::from(d)
}

/// The day of a `yyyymmdd` date key (the inverse of [`date_key`]); `None`
/// when it names no day.
pub fn day_of_key(key: i64) -> Option<i32> {
    let (y, m, d) = (key / 10_000, (key / 100) % 100, key % 100);
    let (y, m, d) = (
        i32::try_from(y).ok()?,
        u32::try_from(m).ok()?,
        u32::try_from(d).ok()?,
    );
    ((1..=12).contains(&m) && (1..=days_in_month(y, m)).contains(&d))
        .then(|| days_from_civil(y, m, d))
}

/// The first day of the month holding `days`.
pub fn month_start(days: i32) -> i32 {
    let (y, m, _) = civil_from_days(days);
    days_from_civil(y, m, 1)
}

/// `YYYY-MM` text of a day count.
pub fn year_month(days: i32) -> String {
    let (y, m, _) = civil_from_days(days);
    year_month_text(y, m)
}

/// `YYYY-MM` text of a year and month (1–12).
pub fn year_month_text(year: i32, month: u32) -> String {
    format!("{year:04}-{month:02}")
}

/// `YYYY-MM-DD` text of a day count.
pub fn format_date(days: i32) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DDThh:mm:ss[.ffffff]Z` text of a microsecond timestamp.
pub fn format_timestamp(micros: i64) -> String {
    let days = micros.div_euclid(MICROS_PER_DAY);
    let within = micros.rem_euclid(MICROS_PER_DAY);
    let seconds = within / 1_000_000;
    let fraction = within % 1_000_000;
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    let date = format_date(days as i32);
    if fraction == 0 {
        format!("{date}T{h:02}:{m:02}:{s:02}Z")
    } else {
        format!("{date}T{h:02}:{m:02}:{s:02}.{fraction:06}Z")
    }
}

/// Whole years from `birth` to `on` (both day counts): the age on that day.
pub fn age_in_years(birth: i32, on: i32) -> i64 {
    let (by, bm, bd) = civil_from_days(birth);
    let (y, m, d) = civil_from_days(on);
    let mut age = i64::from(y - by);
    if (m, d) < (bm, bd) {
        age -= 1;
    }
    age
}

/// ISO weekday, 1 = Monday … 7 = Sunday.
pub fn iso_weekday(days: i32) -> u32 {
    // 1970-01-01 was a Thursday (4).
    ((days + 3).rem_euclid(7) + 1) as u32
}

/// ISO-8601 week number (1–53) of a day.
pub fn iso_week(days: i32) -> u32 {
    // The week belongs to the year of its Thursday.
    let thursday = days - iso_weekday(days) as i32 + 4;
    let (year, _, _) = civil_from_days(thursday);
    let first = days_from_civil(year, 1, 1);
    ((thursday - first) / 7 + 1) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for days in -800_000..800_000 {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn parses_synthea_dates_and_datetimes() {
        assert_eq!(parse_date(b"1970-01-02"), Some(1));
        assert_eq!(parse_date(b"2024-02-29"), Some(19_782));
        assert_eq!(parse_date(b"2023-02-29"), None);
        assert_eq!(parse_date(b"2023-13-01"), None);
        assert_eq!(parse_date(b"2023-1-01"), None);
        assert_eq!(parse_datetime(b"1970-01-01T00:00:01Z"), Some(1_000_000));
        assert_eq!(parse_datetime(b"1970-01-02"), Some(MICROS_PER_DAY));
        assert_eq!(parse_datetime(b"1970-01-01T00:00:00.5Z"), Some(500_000));
        assert_eq!(parse_datetime(b"1970-01-01T00:00:00"), None);
        assert_eq!(parse_datetime(b"1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_datetime(b"1969-12-31T23:30:00-00:30"), Some(0));
        assert_eq!(parse_datetime(b"1970-01-01T00:00:00+1:00"), None);
        assert_eq!(parse_datetime(b"1970-01-01T24:00:00Z"), None);
        assert_eq!(
            format_timestamp(parse_datetime(b"2012-03-21T16:55:29Z").unwrap()),
            "2012-03-21T16:55:29Z"
        );
        assert_eq!(format_date(-1), "1969-12-31");
    }

    #[test]
    fn ages_and_weeks() {
        let birth = parse_date(b"2000-02-29").unwrap();
        assert_eq!(age_in_years(birth, parse_date(b"2001-02-28").unwrap()), 0);
        assert_eq!(age_in_years(birth, parse_date(b"2001-03-01").unwrap()), 1);
        assert_eq!(iso_weekday(parse_date(b"2024-01-01").unwrap()), 1);
        assert_eq!(iso_week(parse_date(b"2021-01-03").unwrap()), 53);
        assert_eq!(iso_week(parse_date(b"2024-12-30").unwrap()), 1);
        assert_eq!(date_key(parse_date(b"2024-07-04").unwrap()), 20_240_704);
    }

    #[test]
    fn months_and_date_keys() {
        let day = parse_date(b"2024-02-29").unwrap();
        assert_eq!(day_of_key(date_key(day)), Some(day));
        assert_eq!(day_of_key(20_230_229), None);
        assert_eq!(format_date(month_start(day)), "2024-02-01");
        assert_eq!(year_month(day), "2024-02");
    }

    #[test]
    fn us_dates_read_month_first_and_two_digit_years_take_the_century_before_the_reference() {
        use super::{TWO_DIGIT_MARKS_FROM, parse_us_date, resolve_two_digit_year};
        assert_eq!(super::TWO_DIGIT_MARKS_FROM, days_from_civil(10_000, 1, 1));
        assert_eq!(
            parse_us_date(b"6/10/1997"),
            Some(days_from_civil(1997, 6, 10))
        );
        assert_eq!(parse_us_date(b"13/10/1997"), None, "day first is not US");
        assert_eq!(parse_us_date(b"2/30/1997"), None);
        assert_eq!(parse_us_date(b"6/10/997"), None);
        assert_eq!(parse_us_date(b"1997-06-10"), None);
        let reference = days_from_civil(2024, 5, 1);
        let resolve = |text: &[u8]| match parse_us_date(text) {
            Some(mark) if mark >= TWO_DIGIT_MARKS_FROM => {
                civil_from_days(resolve_two_digit_year(mark, reference))
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(resolve(b"6/10/97"), (1997, 6, 10));
        assert_eq!(resolve(b"04/30/24"), (2024, 4, 30));
        assert_eq!(
            resolve(b"5/2/24"),
            (1924, 5, 2),
            "never after the reference"
        );
        assert_eq!(resolve(b"2/29/00"), (2000, 2, 29));
        assert_eq!(resolve_two_digit_year(reference, 0), reference);
    }
}
