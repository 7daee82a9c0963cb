//! `gold_medications_by_payer`: prescriptions and pharmacy cost by payer.

use std::collections::BTreeMap;

use super::money::difference;
use super::{Dimension, Distinct, Money, columns, ratio};
use crate::error::Result;
use crate::silver::Silver;
use crate::table::{Table, TableBuilder};

/// `gold_medications_by_payer`.
pub(super) fn table(silver: &Silver, payers: &Dimension<'_>) -> Result<Table> {
    let facts = columns(silver, "fact_medications");
    let payer = facts.ints("payer_key");
    let patient = facts.ints("patient_key");
    let total = facts.floats("total_cost");
    let coverage = facts.floats("payer_coverage");
    let dispenses = facts.ints("dispenses");
    /// Prescriptions, patients, dispenses, total cost, payer coverage.
    type Totals = (i64, Distinct, i64, Money, Money);
    let mut groups: BTreeMap<Option<i64>, Totals> = BTreeMap::new();
    for i in 0..facts.len() {
        let g = groups.entry(payer[i]).or_default();
        g.0 += 1;
        g.1.extend(patient[i]);
        g.2 += dispenses[i].unwrap_or(0);
        g.3.add(total[i]);
        g.4.add(coverage[i]);
    }
    let mut ranked: Vec<_> = groups.into_iter().collect();
    ranked.sort_by(|a, b| b.1.3.value().total_cmp(&a.1.3.value()).then(a.0.cmp(&b.0)));
    let text = |column: &str| {
        ranked
            .iter()
            .flat_map(|(k, _)| payers.text(*k, column))
            .collect::<Vec<_>>()
    };
    TableBuilder::new()
        .int_opt("payer_key", ranked.iter().map(|(k, _)| *k))
        .text("payer_name", text("payer_name"))
        .int("prescriptions", ranked.iter().map(|(_, g)| g.0))
        .int("patients", ranked.iter().map(|(_, g)| g.1.len() as i64))
        .int("dispenses", ranked.iter().map(|(_, g)| g.2))
        .float("total_cost", ranked.iter().map(|(_, g)| g.3.total()))
        .float("payer_coverage", ranked.iter().map(|(_, g)| g.4.total()))
        .float(
            "patient_out_of_pocket",
            ranked
                .iter()
                .map(|(_, g)| difference(g.3.total(), g.4.total())),
        )
        .float(
            "coverage_pct",
            ranked
                .iter()
                .map(|(_, g)| ratio(g.4.total()? * 100.0, g.3.total()?)),
        )
        .finish("gold_medications_by_payer")
}
