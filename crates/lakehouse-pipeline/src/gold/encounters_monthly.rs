//! `gold_encounters_monthly`: encounters by start month and class.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;

use super::{EncounterTotals, Encounters};
use crate::dates;
use crate::error::Result;
use crate::table::{Table, TableBuilder};

/// `gold_encounters_monthly`: encounters by start month and class.
pub(super) fn table(e: &Encounters<'_>) -> Result<Table> {
    // Grouped by the month's year and number, then named: a `YYYY-MM`
    // string per encounter was an allocation and string comparisons for
    // each of them. One month has one name, so the groups are the same,
    // and the named ones sort as before.
    let mut by_month: HashMap<((i32, u32), &str), EncounterTotals> = HashMap::default();
    for i in 0..e.rows {
        let Some(s) = e.start[i] else { continue };
        let (year, month, _) = dates::civil_from_days(dates::day_of_timestamp(s));
        by_month
            .entry(((year, month), e.class[i].unwrap_or("")))
            .or_default()
            .add(e, i);
    }
    let monthly: BTreeMap<(String, &str), EncounterTotals> = by_month
        .into_iter()
        .map(|(((year, month), class), totals)| {
            ((dates::year_month_text(year, month), class), totals)
        })
        .collect();
    TableBuilder::new()
        .text("year_month", monthly.keys().map(|k| Some(k.0.as_str())))
        .text("encounter_class", monthly.keys().map(|k| Some(k.1)))
        .int("encounters", monthly.values().map(|t| t.encounters))
        .int(
            "patients",
            monthly.values().map(|t| t.patients.len() as i64),
        )
        .float("total_claim_cost", monthly.values().map(|t| t.cost()))
        .float("payer_coverage", monthly.values().map(|t| t.coverage()))
        .float(
            "patient_out_of_pocket",
            monthly.values().map(|t| t.out_of_pocket()),
        )
        .float(
            "avg_claim_cost",
            monthly.values().map(EncounterTotals::avg_cost),
        )
        .finish("gold_encounters_monthly")
}
