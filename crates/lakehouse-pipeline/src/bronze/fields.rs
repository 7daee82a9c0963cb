//! Field typing: one data line split on `,`, each field typed by its
//! column's spec (dates, datetimes, 2.x bare years, numbers, Synthea's
//! spellings of "no value"), or a reason it cannot be.

use super::spec::{ColumnSpec, ColumnType, TableSpec};
use crate::dates;

#[derive(Clone, Copy, Debug)]
/// A typed field: text as a byte range of its line, so nothing is copied
/// until the column builder takes it.
pub(super) enum Parsed {
    /// Empty, or the word `null` (a Java null, as Synthea prints it).
    Null,
    /// A number spelled as not-a-number or an infinity (`NaN`, `nan`,
    /// `inf`, `-Infinity`, …): no value, counted per file.
    NonFinite,
    /// Text at `[start, end)` of the line (a record is at most
    /// `MAX_LINE_BYTES` long).
    Text(u32, u32),
    /// Days since the epoch.
    Date(i32),
    /// Days since the epoch, of a date a spreadsheet wrote as `m/d/yyyy`;
    /// for `m/d/yy`, a mark ([`dates::two_digit_mark`]) that the bronze
    /// finish turns into a day once the reference day is known. Counted per
    /// file.
    UsDate(i32),
    /// Microseconds since the epoch, UTC.
    Timestamp(i64),
    /// A finite number.
    Float(f64),
    /// An integer.
    Int(i64),
}

pub(super) struct RowError {
    /// The column at fault, if one is.
    pub(super) column: Option<&'static str>,
    /// Why, in words for the rejects table.
    pub(super) reason: String,
}

/// Splits a record holding `"` by RFC 4180: a field that starts with `"`
/// runs to the matching `"` (`""` inside is one `"`; commas and newlines
/// inside are text). The fields, unquoted, are appended to `buffer`, and
/// their spans in it to `spans`. Synthea never quotes, but a file re-saved
/// by a spreadsheet quotes text with commas, or every field.
pub(super) fn split_quoted(
    text: &str,
    buffer: &mut String,
    spans: &mut Vec<(usize, usize)>,
) -> Result<(), &'static str> {
    buffer.clear();
    spans.clear();
    let bytes = text.as_bytes();
    let mut i = 0;
    loop {
        let start = buffer.len();
        if bytes.get(i) == Some(&b'"') {
            i += 1;
            loop {
                let Some(quote) = memchr::memchr(b'"', &bytes[i..]).map(|k| i + k) else {
                    return Err("a quoted field is not closed");
                };
                buffer.push_str(&text[i..quote]);
                if bytes.get(quote + 1) == Some(&b'"') {
                    buffer.push('"');
                    i = quote + 2;
                } else {
                    i = quote + 1;
                    break;
                }
            }
            if i < bytes.len() && bytes[i] != b',' {
                return Err("text follows a closing quote");
            }
        } else {
            let end = memchr::memchr(b',', &bytes[i..]).map_or(bytes.len(), |k| i + k);
            buffer.push_str(&text[i..end]);
            i = end;
        }
        spans.push((start, buffer.len()));
        if i >= bytes.len() {
            return Ok(());
        }
        // Past the comma; a comma at the very end leaves one empty field.
        i += 1;
        if i == bytes.len() {
            spans.push((buffer.len(), buffer.len()));
            return Ok(());
        }
    }
}

/// Splits and types one data line: each field goes to its canonical
/// column (`mapping`, from the header) in `scratch`. A record holding `"`
/// is split by [`split_quoted`] into `unquoted`, and its `Parsed::Text`
/// spans point there; otherwise they point into the line, returned as the
/// text it was checked to be (so that the caller need not check it again).
pub(super) fn parse_row<'l>(
    mapping: &[Option<usize>],
    scratch: &mut Vec<Parsed>,
    unquoted: &mut (String, Vec<(usize, usize)>),
    spec: &'static TableSpec,
    line: &'l [u8],
) -> Result<Option<&'l str>, RowError> {
    let text = std::str::from_utf8(line).map_err(|e| {
        let at = e.valid_up_to();
        let field = memchr::memchr_iter(b',', &line[..at]).count();
        let column = mapping
            .get(field)
            .copied()
            .flatten()
            .map(|c| spec.columns[c].name);
        RowError {
            column,
            reason: format!(
                "invalid UTF-8 at byte {} of the line; re-export the file as UTF-8",
                at + 1
            ),
        }
    })?;
    let (buffer, spans) = unquoted;
    // Every field's span from one pass over the commas, unless the pass
    // meets a `"`.
    let quoted = !comma_spans(line, spans);
    let fields = if quoted {
        split_quoted(text, buffer, spans).map_err(|problem| RowError {
            column: None,
            reason: format!("{problem} (RFC 4180 quoting)"),
        })?;
        buffer.as_str()
    } else {
        text
    };
    if spans.len() != mapping.len() {
        return Err(RowError {
            column: None,
            reason: format!(
                "expected {} fields (as in the header), found {}{}",
                mapping.len(),
                spans.len(),
                if quoted {
                    ""
                } else {
                    "; a value may contain a comma"
                }
            ),
        });
    }
    scratch.clear();
    scratch.resize(spec.columns.len(), Parsed::Null);
    for (target, &(start, end)) in mapping.iter().zip(spans.iter()) {
        if let Some(column) = *target {
            let (spec, value) = (&spec.columns[column], &fields[start..end]);
            // The span fits in 32 bits: a record is at most MAX_LINE_BYTES
            // long.
            match typed(spec, value, start as u32, end as u32) {
                Some(parsed) => scratch[column] = parsed,
                None => return Err(field_error(spec, value)),
            }
        }
    }
    check_required(spec, scratch)?;
    Ok((!quoted).then_some(text))
}

/// Fills `spans` with the fields of an unquoted line, split on `,`, and
/// returns true; returns false as soon as a `"` is met (the caller splits
/// the record by RFC 4180 instead). One pass, eight bytes at a time: a
/// line's fields are short, so a search call per comma cost more in setup
/// than in scanning.
fn comma_spans(line: &[u8], spans: &mut Vec<(usize, usize)>) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const LOW7: u64 = u64::from_ne_bytes([0x7f; 8]);
    /// The high bit of each byte of `word` equal to `byte`, and no other.
    fn marks(word: u64, byte: u8) -> u64 {
        let x = word ^ (ONES * u64::from(byte));
        !(((x & LOW7) + LOW7) | x | LOW7)
    }
    spans.clear();
    let mut start = 0;
    let mut words = line.chunks_exact(8);
    let mut at = 0;
    for word in words.by_ref() {
        let word = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        if marks(word, b'"') != 0 {
            return false;
        }
        let mut commas = marks(word, b',');
        while commas != 0 {
            let end = at + (commas.trailing_zeros() / 8) as usize;
            spans.push((start, end));
            start = end + 1;
            commas &= commas - 1;
        }
        at += 8;
    }
    for (offset, &byte) in words.remainder().iter().enumerate() {
        match byte {
            b'"' => return false,
            b',' => {
                spans.push((start, at + offset));
                start = at + offset + 1;
            }
            _ => {}
        }
    }
    spans.push((start, line.len()));
    true
}

/// A row whose required column is empty is rejected.
fn check_required(spec: &TableSpec, scratch: &[Parsed]) -> Result<(), RowError> {
    for (column, value) in spec.columns.iter().zip(scratch.iter()) {
        if column.required && matches!(value, Parsed::Null | Parsed::NonFinite) {
            return Err(RowError {
                column: Some(column.name),
                reason: format!("missing required value in `{}`", column.name),
            });
        }
    }
    Ok(())
}

/// `1,234,567.89` as `1234567.89`: a number a spreadsheet wrote with
/// thousands separators (quoted, since it holds commas). `None` unless the
/// commas group the integer digits by three.
fn without_thousands_separators(value: &str) -> Option<String> {
    let (sign, digits) = value
        .strip_prefix('-')
        .map_or(("", value), |rest| ("-", rest));
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let groups: Vec<&str> = whole.split(',').collect();
    let grouped = groups.len() > 1
        && (1..=3).contains(&groups[0].len())
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
        && fraction.bytes().all(|b| b.is_ascii_digit());
    grouped.then(|| {
        let dot = if digits.contains('.') { "." } else { "" };
        format!("{sign}{}{dot}{fraction}", groups.concat())
    })
}

/// The largest size of a whole number bronze accepts. Synthea's counts
/// (dispenses, member months, department ids) stay in the thousands; below
/// a billion, summing them cannot overflow 64 bits before memory runs out.
pub const MAX_INTEGER: i64 = 1_000_000_000;

/// The spellings of not-a-number and infinity a writer may use, in any case.
pub const NON_FINITE_SPELLINGS: [&str; 7] = [
    "nan",
    "inf",
    "+inf",
    "-inf",
    "infinity",
    "+infinity",
    "-infinity",
];

fn is_non_finite_spelling(value: &str) -> bool {
    NON_FINITE_SPELLINGS
        .iter()
        .any(|s| s.eq_ignore_ascii_case(value))
}

/// The reason for a whole number beyond [`MAX_INTEGER`].
fn out_of_range(column: &ColumnSpec, value: &str) -> RowError {
    RowError {
        column: Some(column.name),
        reason: out_of_range_reason(value, column),
    }
}

/// "number `5e12` in `DISPENSES` is out of range …"; the bundle's SQL
/// builds the same text around its value.
pub(crate) fn out_of_range_reason(value: &str, column: &ColumnSpec) -> String {
    format!(
        "number `{value}` in `{}` is out of range (larger than {MAX_INTEGER:e}); check the value in the source",
        column.name
    )
}

/// The typed value of `value` (at `start..end` of its line) in `column`;
/// `None` when it cannot be typed ([`field_error`] says why). The reason is
/// kept apart, built only for a rejected row: a 16-byte `Option<Parsed>`
/// goes straight into the row's slot, where a `Result` holding a
/// `RowError` was assembled on the stack and copied for every field (a
/// 16-byte load of three smaller stores, which stalled the pipeline).
#[inline]
fn typed(column: &ColumnSpec, value: &str, start: u32, end: u32) -> Option<Parsed> {
    if value.is_empty() {
        return Some(Parsed::Null);
    }
    match column.column_type {
        // Synthea prints a Java null as the word `null` (observations.UNITS);
        // it is a missing value, not text.
        ColumnType::Text if value == "null" && !column.required => Some(Parsed::Null),
        ColumnType::Text => Some(Parsed::Text(start, end)),
        // Date-only columns; a full datetime is accepted and cut to its UTC day.
        // A spreadsheet's `m/d/yyyy` or `m/d/yy` is read too, and counted.
        ColumnType::Date => dates::parse_date(value.as_bytes())
            .or_else(|| dates::parse_datetime(value.as_bytes()).map(dates::day_of_timestamp))
            .map(Parsed::Date)
            .or_else(|| dates::parse_us_date(value.as_bytes()).map(Parsed::UsDate)),
        ColumnType::DateTime => dates::parse_datetime(value.as_bytes()).map(Parsed::Timestamp),
        ColumnType::YearOrDateTime => {
            if value.len() == 4 && value.bytes().all(|b| b.is_ascii_digit()) {
                let year: i32 = value.parse().ok()?;
                // 2.x wrote whole years: a start is 1 January, an end 31 December.
                let day = if column.name.starts_with("END") {
                    dates::days_from_civil(year, 12, 31)
                } else {
                    dates::days_from_civil(year, 1, 1)
                };
                Some(Parsed::Timestamp(i64::from(day) * dates::MICROS_PER_DAY))
            } else {
                dates::parse_datetime(value.as_bytes()).map(Parsed::Timestamp)
            }
        }
        ColumnType::Float => {
            // `null` means "no value"; so do `NaN` (payers.QOLS_AVG with no
            // members) and any other spelling of not-a-number or infinity,
            // which are counted (FileReport::non_finite_numbers).
            if value == "null" {
                return Some(Parsed::Null);
            }
            if is_non_finite_spelling(value) {
                return Some(Parsed::NonFinite);
            }
            // A huge but finite amount is kept: the money sums leave a total
            // that overflows empty, and the `amount_too_large` rule flags it.
            float(value)
                .filter(|parsed| parsed.is_finite())
                .map(Parsed::Float)
        }
        ColumnType::Int => {
            if value == "null" {
                return Some(Parsed::Null);
            }
            integer(value)
                .filter(|parsed| parsed.unsigned_abs() <= MAX_INTEGER.unsigned_abs())
                .map(Parsed::Int)
        }
    }
}

/// A number, with or without a spreadsheet's thousands separators.
fn float(value: &str) -> Option<f64> {
    value
        .parse()
        .ok()
        .or_else(|| without_thousands_separators(value)?.parse().ok())
}

/// A whole number of any size: digits, with or without thousands
/// separators, or an exactly integral number such as `12.0` (some writers
/// print whole numbers so), saturating when huge.
fn integer(value: &str) -> Option<i64> {
    value
        .parse::<i64>()
        .ok()
        .or_else(|| without_thousands_separators(value)?.parse().ok())
        .or_else(|| {
            let f: f64 = value.parse().ok()?;
            // Saturating: a huge whole number is then out of range.
            (f.fract() == 0.0).then_some(f as i64)
        })
}

/// Why [`typed`] refused `value` in `column`.
#[cold]
fn field_error(column: &ColumnSpec, value: &str) -> RowError {
    let bad = |what: &str| RowError {
        column: Some(column.name),
        reason: format!("invalid {what} `{value}` in `{}`", column.name),
    };
    match column.column_type {
        ColumnType::Date if value.contains('/') => bad(
            "date (expected YYYY-MM-DD, or a spreadsheet's month/day/year; a day/month/year date cannot be told from it)",
        ),
        ColumnType::Date => bad("date (expected YYYY-MM-DD)"),
        ColumnType::DateTime => bad("datetime (expected YYYY-MM-DDThh:mm:ssZ)"),
        ColumnType::YearOrDateTime => bad("year or datetime"),
        ColumnType::Int if integer(value).is_some() => out_of_range(column, value),
        ColumnType::Int => bad("integer"),
        // Text is always typed; a number that does not parse, or parses to
        // an infinity.
        ColumnType::Text | ColumnType::Float => bad("number"),
    }
}

#[cfg(test)]
mod tests {
    use super::{split_quoted, without_thousands_separators};

    fn split(text: &str) -> Result<Vec<String>, &'static str> {
        let (mut buffer, mut spans) = (String::new(), Vec::new());
        split_quoted(text, &mut buffer, &mut spans)?;
        Ok(spans
            .iter()
            .map(|&(a, b)| buffer[a..b].to_string())
            .collect())
    }

    #[test]
    fn quoted_fields_follow_rfc_4180() {
        assert_eq!(
            split("a,\"b,c\",\"d\"\"e\",").unwrap(),
            ["a", "b,c", "d\"e", ""]
        );
        assert_eq!(split("\"line\none\",x").unwrap(), ["line\none", "x"]);
        assert_eq!(split("\"\",\"\"").unwrap(), ["", ""]);
        assert_eq!(split("\"x\"y"), Err("text follows a closing quote"));
        assert_eq!(split("\"open,x"), Err("a quoted field is not closed"));
        // A quote inside an unquoted field is text.
        assert_eq!(split("5\" tall,x").unwrap(), ["5\" tall", "x"]);
    }

    #[test]
    fn comma_spans_are_the_fields_between_commas() {
        let naive = |line: &[u8]| {
            let mut spans = Vec::new();
            let mut start = 0;
            for (at, &byte) in line.iter().enumerate() {
                if byte == b',' {
                    spans.push((start, at));
                    start = at + 1;
                }
            }
            spans.push((start, line.len()));
            spans
        };
        let mut spans = Vec::new();
        // Every length around the eight-byte words, commas everywhere in
        // them (bytes near `,` and `"` too, and above 0x7f).
        let alphabet: &[u8] = b",,a+-!#\xc3\xa9\xff";
        for length in 0..40 {
            for seed in 0..40usize {
                let line: Vec<u8> = (0..length)
                    .map(|i| alphabet[(i * 7 + seed * 13 + i * i * seed) % alphabet.len()])
                    .collect();
                assert!(super::comma_spans(&line, &mut spans));
                assert_eq!(spans, naive(&line), "{line:?}");
                // A quote anywhere sends the line to split_quoted.
                for quote in 0..length {
                    let mut quoted = line.clone();
                    quoted[quote] = b'"';
                    assert!(!super::comma_spans(&quoted, &mut spans), "{quoted:?}");
                }
            }
        }
    }

    /// What each type takes, and the reason for what it refuses (built
    /// apart from the typing, so the two must agree).
    #[test]
    fn each_type_takes_its_values_and_names_what_it_refuses() {
        use super::super::spec::{ColumnSpec, ColumnType};
        use super::{Parsed, field_error, typed};
        let column = |column_type| ColumnSpec {
            name: "X",
            column_type,
            required: false,
            names: &[],
        };
        let reason = |column_type, value: &str| {
            let spec = column(column_type);
            let parsed = typed(&spec, value, 0, value.len() as u32);
            (
                parsed,
                parsed.is_none().then(|| field_error(&spec, value).reason),
            )
        };
        let refused = |column_type, value: &str| reason(column_type, value).1.unwrap();
        assert!(matches!(
            reason(ColumnType::Int, "12.0").0,
            Some(Parsed::Int(12))
        ));
        assert!(matches!(
            reason(ColumnType::Int, "-1000000000").0,
            Some(Parsed::Int(-1_000_000_000))
        ));
        assert_eq!(
            refused(ColumnType::Int, "2.5"),
            "invalid integer `2.5` in `X`"
        );
        assert!(
            refused(ColumnType::Int, "5e12").starts_with("number `5e12` in `X` is out of range")
        );
        assert!(refused(ColumnType::Int, "1000000001").contains("out of range"));
        assert!(matches!(
            reason(ColumnType::Float, "NaN").0,
            Some(Parsed::NonFinite)
        ));
        assert!(matches!(
            reason(ColumnType::Float, "null").0,
            Some(Parsed::Null)
        ));
        assert_eq!(
            refused(ColumnType::Float, "1e999"),
            "invalid number `1e999` in `X`"
        );
        assert_eq!(
            refused(ColumnType::Float, "lots"),
            "invalid number `lots` in `X`"
        );
        assert!(matches!(
            reason(ColumnType::Text, "null").0,
            Some(Parsed::Null)
        ));
        assert!(matches!(
            reason(ColumnType::Text, "a b").0,
            Some(Parsed::Text(0, 3))
        ));
        assert!(matches!(
            reason(ColumnType::Date, "2020-01-02").0,
            Some(Parsed::Date(_))
        ));
        assert!(matches!(
            reason(ColumnType::Date, "1/2/2020").0,
            Some(Parsed::UsDate(_))
        ));
        assert_eq!(
            refused(ColumnType::Date, "soon"),
            "invalid date (expected YYYY-MM-DD) `soon` in `X`"
        );
        assert!(refused(ColumnType::Date, "31/31/2020").contains("month/day/year"));
        assert!(
            refused(ColumnType::DateTime, "2020-13-01T10:00:00Z").starts_with("invalid datetime")
        );
        assert!(matches!(
            reason(ColumnType::YearOrDateTime, "1999").0,
            Some(Parsed::Timestamp(_))
        ));
        assert_eq!(
            refused(ColumnType::YearOrDateTime, "199x"),
            "invalid year or datetime `199x` in `X`"
        );
    }

    #[test]
    fn thousands_separators_group_by_three() {
        assert_eq!(
            without_thousands_separators("1,234,567.89").as_deref(),
            Some("1234567.89")
        );
        assert_eq!(
            without_thousands_separators("-12,000").as_deref(),
            Some("-12000")
        );
        assert_eq!(without_thousands_separators("1,23"), None);
        assert_eq!(without_thousands_separators("12.3.4"), None);
        assert_eq!(without_thousands_separators("1234"), None);
    }
}
