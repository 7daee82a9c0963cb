//! `gold_top_conditions` (conditions by patients, with prevalence) and
//! `gold_condition_onsets_yearly`.

use std::collections::BTreeMap;

use super::{Dimension, Distinct, columns, ratio};
use crate::error::Result;
use crate::silver::Silver;
use crate::table::{Table, TableBuilder};

/// `gold_top_conditions` and `gold_condition_onsets_yearly`.
pub(super) fn tables(silver: &Silver) -> Result<Vec<Table>> {
    let facts = columns(silver, "fact_conditions");
    let patient = facts.ints("patient_key");
    let diagnosis = facts.ints("diagnosis_key");
    let start = facts.ints("start_date_key");
    let active = facts.bools("is_active");
    let population = columns(silver, "dim_patient").len() as f64;
    #[derive(Default)]
    struct Totals {
        onsets: i64,
        patients: Distinct,
        active: Distinct,
    }
    let mut by_code: BTreeMap<Option<i64>, Totals> = BTreeMap::new();
    let mut by_year: BTreeMap<(Option<i64>, i64), (i64, Distinct)> = BTreeMap::new();
    for i in 0..facts.len() {
        let totals = by_code.entry(diagnosis[i]).or_default();
        totals.onsets += 1;
        if let Some(p) = patient[i] {
            totals.patients.insert(p);
            if active[i] == Some(true) {
                totals.active.insert(p);
            }
        }
        if let Some(key) = start[i] {
            let year = by_year.entry((diagnosis[i], key / 10_000)).or_default();
            year.0 += 1;
            year.1.extend(patient[i]);
        }
    }
    let mut ranked: Vec<(Option<i64>, Totals)> = by_code.into_iter().collect();
    ranked.sort_by(|a, b| {
        b.1.patients
            .len()
            .cmp(&a.1.patients.len())
            .then(a.0.cmp(&b.0))
    });
    let dim = Dimension::new(silver, "dim_diagnosis", "diagnosis_key");
    let text = |column: &str| {
        ranked
            .iter()
            .flat_map(|(k, _)| dim.text(*k, column))
            .collect::<Vec<_>>()
    };
    let top = TableBuilder::new()
        .int("rank", 1..=ranked.len() as i64)
        .int_opt("diagnosis_key", ranked.iter().map(|(k, _)| *k))
        .text("system", text("system"))
        .text("code", text("code"))
        .text("description", text("description"))
        .int(
            "patients",
            ranked.iter().map(|(_, t)| t.patients.len() as i64),
        )
        .int("onsets", ranked.iter().map(|(_, t)| t.onsets))
        .int(
            "active_patients",
            ranked.iter().map(|(_, t)| t.active.len() as i64),
        )
        .float(
            "prevalence_pct",
            ranked
                .iter()
                .map(|(_, t)| ratio(t.patients.len() as f64 * 100.0, population)),
        )
        .finish("gold_top_conditions")?;
    let year_text = |column: &str| {
        by_year
            .keys()
            .flat_map(|(k, _)| dim.text(*k, column))
            .collect::<Vec<_>>()
    };
    let yearly = TableBuilder::new()
        .int_opt("diagnosis_key", by_year.keys().map(|k| k.0))
        .text("code", year_text("code"))
        .text("description", year_text("description"))
        .int("year", by_year.keys().map(|k| k.1))
        .int("new_onsets", by_year.values().map(|v| v.0))
        .int("patients", by_year.values().map(|v| v.1.len() as i64))
        .finish("gold_condition_onsets_yearly")?;
    Ok(vec![top, yearly])
}
