//! `gold_encounters_monthly`: encounters by start month and class.

use std::collections::BTreeMap;

use super::{EncounterTotals, Encounters, year_month};
use crate::error::Result;
use crate::table::{Table, TableBuilder};

/// `gold_encounters_monthly`: encounters by start month and class.
pub(super) fn table(e: &Encounters<'_>) -> Result<Table> {
    let mut monthly: BTreeMap<(String, &str), EncounterTotals> = BTreeMap::new();
    for i in 0..e.rows {
        let Some(s) = e.start[i] else { continue };
        monthly
            .entry((year_month(s), e.class[i].unwrap_or("")))
            .or_default()
            .add(e, i);
    }
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
