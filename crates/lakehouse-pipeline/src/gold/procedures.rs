//! `gold_top_procedures`: procedures by count, with cost.

use std::collections::BTreeMap;

use super::{Dimension, Distinct, Money, columns, ratio};
use crate::error::Result;
use crate::silver::Silver;
use crate::table::{Table, TableBuilder};

/// `gold_top_procedures`.
pub(super) fn table(silver: &Silver) -> Result<Table> {
    let facts = columns(silver, "fact_procedures");
    let patient = facts.ints("patient_key");
    let procedure = facts.ints("procedure_key");
    let cost = facts.floats("base_cost");
    let mut by_code: BTreeMap<Option<i64>, (i64, Distinct, Money)> = BTreeMap::new();
    for i in 0..facts.len() {
        let totals = by_code.entry(procedure[i]).or_default();
        totals.0 += 1;
        totals.1.extend(patient[i]);
        totals.2.add(cost[i]);
    }
    let mut ranked: Vec<_> = by_code.into_iter().collect();
    ranked.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(&b.0)));
    let dim = Dimension::new(silver, "dim_procedure", "procedure_key");
    let text = |column: &str| {
        ranked
            .iter()
            .flat_map(|(k, _)| dim.text(*k, column))
            .collect::<Vec<_>>()
    };
    TableBuilder::new()
        .int("rank", 1..=ranked.len() as i64)
        .int_opt("procedure_key", ranked.iter().map(|(k, _)| *k))
        .text("system", text("system"))
        .text("code", text("code"))
        .text("description", text("description"))
        .int("procedures", ranked.iter().map(|(_, t)| t.0))
        .int("patients", ranked.iter().map(|(_, t)| t.1.len() as i64))
        .float("total_cost", ranked.iter().map(|(_, t)| t.2.total()))
        .float(
            "avg_cost",
            ranked.iter().map(|(_, t)| ratio(t.2.total()?, t.0 as f64)),
        )
        .finish("gold_top_procedures")
}
