//! `gold_payer_costs`: encounter cost and coverage by payer, most cost
//! first.

use super::{Dimension, EncounterTotals, Encounters};
use crate::error::Result;
use crate::table::{Table, TableBuilder};

/// `gold_payer_costs`: encounter cost and coverage by payer, most cost
/// first.
pub(super) fn table(e: &Encounters<'_>, payers: &Dimension<'_>) -> Result<Table> {
    let mut by_payer: Vec<(Option<i64>, EncounterTotals)> =
        e.totals_by(&e.payer).into_iter().collect();
    by_payer.sort_by(|a, b| {
        b.1.total_claim_cost
            .value()
            .total_cmp(&a.1.total_claim_cost.value())
            .then(a.0.cmp(&b.0))
    });
    let payer_text = |column: &str| {
        by_payer
            .iter()
            .flat_map(|(k, _)| payers.text(*k, column))
            .collect::<Vec<_>>()
    };
    TableBuilder::new()
        .int_opt("payer_key", by_payer.iter().map(|(k, _)| *k))
        .text("payer_id", payer_text("payer_id"))
        .text("payer_name", payer_text("payer_name"))
        .text("ownership", payer_text("ownership"))
        .int("encounters", by_payer.iter().map(|(_, t)| t.encounters))
        .int(
            "patients",
            by_payer.iter().map(|(_, t)| t.patients.len() as i64),
        )
        .float("total_claim_cost", by_payer.iter().map(|(_, t)| t.cost()))
        .float("payer_coverage", by_payer.iter().map(|(_, t)| t.coverage()))
        .float(
            "patient_out_of_pocket",
            by_payer.iter().map(|(_, t)| t.out_of_pocket()),
        )
        .float(
            "coverage_pct",
            by_payer.iter().map(|(_, t)| t.coverage_pct()),
        )
        .float("avg_claim_cost", by_payer.iter().map(|(_, t)| t.avg_cost()))
        .finish("gold_payer_costs")
}
