//! Field typing: one data line split on `,`, each field typed by its
//! column's spec (dates, datetimes, 2.x bare years, numbers, Synthea's
//! spellings of "no value"), or a reason it cannot be.

use super::spec::{ColumnSpec, ColumnType, TableSpec};
use crate::dates;

#[derive(Clone, Copy, Debug)]
/// A typed field: text as a byte range of its line, so nothing is copied
/// until the column builder takes it.
pub(super) enum Parsed {
    /// Empty, or a spelling of "no value" (`null`, `NaN`).
    Null,
    /// Text at `[start, end)` of the line.
    Text(usize, usize),
    /// Days since the epoch.
    Date(i32),
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

/// Splits and types one data line: each field goes to its canonical
/// column (`mapping`, from the header) in `scratch`.
pub(super) fn parse_row(
    mapping: &[Option<usize>],
    scratch: &mut Vec<Parsed>,
    spec: &'static TableSpec,
    line: &[u8],
) -> Result<(), RowError> {
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
    let bytes = text.as_bytes();
    let field_count = memchr::memchr_iter(b',', bytes).count() + 1;
    if field_count != mapping.len() {
        return Err(RowError {
            column: None,
            reason: format!(
                "expected {} fields (as in the header), found {field_count}; a value may contain a comma",
                mapping.len()
            ),
        });
    }
    scratch.clear();
    scratch.resize(spec.columns.len(), Parsed::Null);
    let mut start = 0;
    let ends = memchr::memchr_iter(b',', bytes).chain(std::iter::once(bytes.len()));
    for (target, end) in mapping.iter().zip(ends) {
        if let Some(column) = *target {
            scratch[column] = parse_field(&spec.columns[column], text, start, end)?;
        }
        start = end + 1;
    }
    for (column, value) in spec.columns.iter().zip(scratch.iter()) {
        if column.required && matches!(value, Parsed::Null) {
            return Err(RowError {
                column: Some(column.name),
                reason: format!("missing required value in `{}`", column.name),
            });
        }
    }
    Ok(())
}

/// Types the field `line[start..end]` of `column`.
fn parse_field(
    column: &ColumnSpec,
    line: &str,
    start: usize,
    end: usize,
) -> Result<Parsed, RowError> {
    let value = &line[start..end];
    if value.is_empty() {
        return Ok(Parsed::Null);
    }
    let bad = |what: &str| RowError {
        column: Some(column.name),
        reason: format!("invalid {what} `{value}` in `{}`", column.name),
    };
    match column.column_type {
        // Synthea prints a Java null as the word `null` (observations.UNITS);
        // it is a missing value, not text.
        ColumnType::Text if value == "null" && !column.required => Ok(Parsed::Null),
        ColumnType::Text => Ok(Parsed::Text(start, end)),
        ColumnType::Date => {
            // Date-only columns; a full datetime is accepted and cut to its UTC day.
            dates::parse_date(value.as_bytes())
                .or_else(|| dates::parse_datetime(value.as_bytes()).map(dates::day_of_timestamp))
                .map(Parsed::Date)
                .ok_or_else(|| bad("date (expected YYYY-MM-DD)"))
        }
        ColumnType::DateTime => dates::parse_datetime(value.as_bytes())
            .map(Parsed::Timestamp)
            .ok_or_else(|| bad("datetime (expected YYYY-MM-DDThh:mm:ssZ)")),
        ColumnType::YearOrDateTime => {
            if value.len() == 4 && value.bytes().all(|b| b.is_ascii_digit()) {
                let year: i32 = value.parse().map_err(|_| bad("year"))?;
                // 2.x wrote whole years: a start is 1 January, an end 31 December.
                let day = if column.name.starts_with("END") {
                    dates::days_from_civil(year, 12, 31)
                } else {
                    dates::days_from_civil(year, 1, 1)
                };
                Ok(Parsed::Timestamp(i64::from(day) * dates::MICROS_PER_DAY))
            } else {
                dates::parse_datetime(value.as_bytes())
                    .map(Parsed::Timestamp)
                    .ok_or_else(|| bad("year or datetime"))
            }
        }
        ColumnType::Float => {
            // `NaN` (payers.QOLS_AVG with no members) and `null` mean "no value".
            if value == "NaN" || value == "null" {
                return Ok(Parsed::Null);
            }
            let parsed: f64 = value.parse().map_err(|_| bad("number"))?;
            if parsed.is_finite() {
                Ok(Parsed::Float(parsed))
            } else {
                Err(bad("number"))
            }
        }
        ColumnType::Int => {
            if value == "null" {
                return Ok(Parsed::Null);
            }
            // Some writers print whole numbers as `12.0`; accept exactly integral values.
            value
                .parse::<i64>()
                .ok()
                .or_else(|| {
                    let f: f64 = value.parse().ok()?;
                    (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
                })
                .map(Parsed::Int)
                .ok_or_else(|| bad("integer"))
        }
    }
}
