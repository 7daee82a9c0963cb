//! `gold_pmpm_monthly`: member months and medical, pharmacy and total
//! amounts (allowed and paid) by month and payer, and PMPM
//! (docs/metrics.md, "PMPM").

use std::collections::BTreeMap;

use super::money::sum;
use super::{Cells, Dimension, Encounters, Money, columns, ratio};
use crate::dates;
use crate::error::Result;
use crate::silver::Silver;
use crate::table::{Table, TableBuilder};

/// One (month, payer) cell.
#[derive(Default)]
pub(super) struct Cell {
    pub(super) member_months: i64,
    pub(super) medical_allowed: Money,
    pub(super) medical_paid: Money,
    pub(super) pharmacy_allowed: Money,
    pub(super) pharmacy_paid: Money,
}

impl Cell {
    pub(super) fn total_allowed(&self) -> Option<f64> {
        sum(self.medical_allowed.total(), self.pharmacy_allowed.total())
    }

    pub(super) fn total_paid(&self) -> Option<f64> {
        sum(self.medical_paid.total(), self.pharmacy_paid.total())
    }

    pub(super) fn per_member_month(&self, amount: Option<f64>) -> Option<f64> {
        ratio(amount?, self.member_months as f64)
    }

    /// Adds another cell (for totals over payers or months).
    pub(super) fn absorb(&mut self, other: &Cell) {
        self.member_months += other.member_months;
        self.medical_allowed
            .add(Some(other.medical_allowed.value()));
        self.medical_paid.add(Some(other.medical_paid.value()));
        self.pharmacy_allowed
            .add(Some(other.pharmacy_allowed.value()));
        self.pharmacy_paid.add(Some(other.pharmacy_paid.value()));
    }
}

/// The cells by (first day of the month, payer key).
/// `members` holds the member months by the same key
/// ([`by_month_and_payer`](super::members::by_month_and_payer)).
pub(super) fn cells(
    silver: &Silver,
    e: &Encounters<'_>,
    members: &BTreeMap<(i32, Option<i64>), i64>,
) -> BTreeMap<(i32, Option<i64>), Cell> {
    let mut cells: Cells<(i32, Option<i64>), Cell> = Cells::new();
    for (key, n) in members {
        cells.entry(*key).member_months = *n;
    }
    let month = |micros: i64| dates::month_start(dates::day_of_timestamp(micros));
    for i in 0..e.rows {
        let Some(start) = e.start[i] else { continue };
        let cell = cells.entry((month(start), e.payer[i]));
        cell.medical_allowed.add(e.total[i]);
        cell.medical_paid.add(e.coverage[i]);
    }
    let meds = columns(silver, "fact_medications");
    let (payer, start, total, paid) = (
        meds.ints("payer_key"),
        meds.timestamps("start_ts"),
        meds.floats("total_cost"),
        meds.floats("payer_coverage"),
    );
    for i in 0..meds.len() {
        let Some(s) = start[i] else { continue };
        let cell = cells.entry((month(s), payer[i]));
        cell.pharmacy_allowed.add(total[i]);
        cell.pharmacy_paid.add(paid[i]);
    }
    cells.sorted()
}

/// `gold_pmpm_monthly`.
pub(super) fn table(
    cells: &BTreeMap<(i32, Option<i64>), Cell>,
    payers: &Dimension<'_>,
) -> Result<Table> {
    let months: Vec<String> = cells.keys().map(|k| dates::year_month(k.0)).collect();
    let names: Vec<Option<&str>> = cells
        .keys()
        .flat_map(|k| payers.text(k.1, "payer_name"))
        .collect();
    let v = || cells.values();
    TableBuilder::new()
        .text("year_month", months.iter().map(|m| Some(m.as_str())))
        .int_opt("payer_key", cells.keys().map(|k| k.1))
        .text("payer_name", names)
        .int("member_months", v().map(|c| c.member_months))
        .float("medical_allowed", v().map(|c| c.medical_allowed.total()))
        .float("medical_paid", v().map(|c| c.medical_paid.total()))
        .float("pharmacy_allowed", v().map(|c| c.pharmacy_allowed.total()))
        .float("pharmacy_paid", v().map(|c| c.pharmacy_paid.total()))
        .float("total_allowed", v().map(Cell::total_allowed))
        .float("total_paid", v().map(Cell::total_paid))
        .float(
            "pmpm_allowed",
            v().map(|c| c.per_member_month(c.total_allowed())),
        )
        .float("pmpm_paid", v().map(|c| c.per_member_month(c.total_paid())))
        .finish("gold_pmpm_monthly")
}
