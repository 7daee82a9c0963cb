//! `gold_mortality_yearly`: crude mortality per 1,000 by calendar year
//! (docs/metrics.md, "Mortality").

use super::columns;
use crate::dates;
use crate::error::Result;
use crate::silver::Silver;
use crate::table::{Table, TableBuilder};

/// Patients alive at the start of `first` (born on or before it, not dead
/// before it) and how many of them died from `first` to `last`, both
/// included.
pub(super) fn deaths_among_living(
    birth: &[Option<i32>],
    death: &[Option<i32>],
    first: i32,
    last: i32,
) -> (i64, i64) {
    let (mut alive, mut died) = (0, 0);
    for (b, d) in birth.iter().zip(death) {
        let Some(b) = b else { continue };
        if *b > first || d.is_some_and(|d| d < first) {
            continue;
        }
        alive += 1;
        died += i64::from(d.is_some_and(|d| d <= last));
    }
    (alive, died)
}

/// Per 1,000.
pub(super) fn per_1000(deaths: i64, alive: i64) -> Option<f64> {
    super::ratio(deaths as f64 * 1000.0, alive as f64)
}

/// `gold_mortality_yearly`: each year from the first encounter's to
/// `as_of`'s; the last year runs only to `as_of` (`days_observed`).
pub(super) fn table(silver: &Silver, first_day: Option<i32>) -> Result<Table> {
    let patients = columns(silver, "dim_patient");
    let birth = patients.dates("birth_date");
    let death = patients.dates("death_date");
    let as_of = silver.as_of.days();
    let first_year = first_day.map(|d| dates::civil_from_days(d).0);
    let last_year = dates::civil_from_days(as_of).0;
    let mut rows: Vec<(i64, i64, i64, i64)> = Vec::new();
    for year in first_year.into_iter().flat_map(|f| f..=last_year) {
        let start = dates::days_from_civil(year, 1, 1);
        let end = dates::days_from_civil(year, 12, 31).min(as_of);
        let (alive, died) = deaths_among_living(&birth, &death, start, end);
        if alive > 0 {
            rows.push((i64::from(year), alive, died, i64::from(end - start + 1)));
        }
    }
    TableBuilder::new()
        .int("year", rows.iter().map(|r| r.0))
        .int("alive_on_1_january", rows.iter().map(|r| r.1))
        .int("deaths", rows.iter().map(|r| r.2))
        .float(
            "crude_mortality_per_1000",
            rows.iter().map(|r| per_1000(r.2, r.1)),
        )
        .int("days_observed", rows.iter().map(|r| r.3))
        .finish("gold_mortality_yearly")
}
