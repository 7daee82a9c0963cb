//! `gold_utilization_yearly`: admissions, inpatient days and visits per
//! 1,000 member-years, by year and payer (docs/metrics.md, "Utilization
//! per 1,000").

use std::collections::BTreeMap;

use super::members::year_of_day;
use super::stays::Stay;
use super::{Cells, Dimension, Encounters, ratio};
use crate::dates;
use crate::error::Result;
use crate::table::{Table, TableBuilder};

/// The position of ED visits in [`VISITS`].
pub(super) const ED: usize = 0;

/// The visit classes counted, by `encounter_class`.
pub const VISITS: [(&str, &[&str]); 3] = [
    ("ed_visits", &["emergency"]),
    ("urgent_care_visits", &["urgentcare"]),
    ("ambulatory_visits", &["ambulatory", "outpatient"]),
];

/// Counts of one (year, payer) cell.
#[derive(Default)]
pub(super) struct Use {
    pub(super) member_months: i64,
    pub(super) admissions: i64,
    pub(super) inpatient_days: i64,
    pub(super) visits: [i64; VISITS.len()],
}

/// A count per 1,000 member-years: count × 12,000 ÷ member months.
pub(super) fn per_1000(count: i64, member_months: i64) -> Option<f64> {
    ratio(count as f64 * 12_000.0, member_months as f64)
}

/// The visit kind of an encounter class.
pub(super) fn visit_kind(class: Option<&str>) -> Option<usize> {
    let class = class?;
    VISITS
        .iter()
        .position(|(_, classes)| classes.contains(&class))
}

/// The cells by (year, payer key).
/// `members` holds the member months by (first day of the month, payer
/// key) ([`by_month_and_payer`](super::members::by_month_and_payer)).
pub(super) fn cells(
    e: &Encounters<'_>,
    stays: &[Stay],
    members: &BTreeMap<(i32, Option<i64>), i64>,
) -> BTreeMap<(i64, Option<i64>), Use> {
    let mut cells: Cells<(i64, Option<i64>), Use> = Cells::new();
    for ((month, payer), n) in members {
        cells.entry((year_of_day(*month), *payer)).member_months += n;
    }
    let year = |micros: i64| year_of_day(dates::day_of_timestamp(micros));
    for stay in stays {
        let cell = cells.entry((year(stay.admission), stay.payer));
        cell.admissions += 1;
        cell.inpatient_days += stay.days.unwrap_or(0);
    }
    for i in 0..e.rows {
        let (Some(kind), Some(start)) = (visit_kind(e.class[i]), e.start[i]) else {
            continue;
        };
        cells.entry((year(start), e.payer[i])).visits[kind] += 1;
    }
    cells.sorted()
}

/// `gold_utilization_yearly`.
pub(super) fn table(
    cells: &BTreeMap<(i64, Option<i64>), Use>,
    payers: &Dimension<'_>,
) -> Result<Table> {
    let names: Vec<Option<&str>> = cells
        .keys()
        .flat_map(|k| payers.text(k.1, "payer_name"))
        .collect();
    let v = || cells.values();
    let mut builder = TableBuilder::new()
        .int("year", cells.keys().map(|k| k.0))
        .int_opt("payer_key", cells.keys().map(|k| k.1))
        .text("payer_name", names)
        .int("member_months", v().map(|c| c.member_months))
        .int("admissions", v().map(|c| c.admissions))
        .int("inpatient_days", v().map(|c| c.inpatient_days));
    for (k, (name, _)) in VISITS.iter().enumerate() {
        builder = builder.int(name, v().map(|c| c.visits[k]));
    }
    builder = builder
        .float(
            "admits_per_1000",
            v().map(|c| per_1000(c.admissions, c.member_months)),
        )
        .float(
            "inpatient_days_per_1000",
            v().map(|c| per_1000(c.inpatient_days, c.member_months)),
        );
    for (k, (name, _)) in VISITS.iter().enumerate() {
        let rate = format!("{}_per_1000", name.trim_end_matches("_visits"));
        builder = builder.float(&rate, v().map(|c| per_1000(c.visits[k], c.member_months)));
    }
    builder.finish("gold_utilization_yearly")
}
