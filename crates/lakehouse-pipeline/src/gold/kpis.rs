//! `gold_kpis`: one row of headline figures.

use std::collections::BTreeSet;

use super::{columns, ratio};
use crate::dates;
use crate::error::Result;
use crate::silver::Silver;
use crate::table::{Columns, Table, TableBuilder};

/// `gold_kpis`.
pub(super) fn table(silver: &Silver, encounters: &Columns<'_>) -> Result<Table> {
    let patients = columns(silver, "dim_patient");
    let deceased = patients
        .bools("is_deceased")
        .iter()
        .filter(|d| **d == Some(true))
        .count() as i64;
    let patient = encounters.ints("patient_key");
    let class = encounters.texts("encounter_class");
    let start = encounters.timestamps("start_ts");
    let total: f64 = encounters.floats("total_claim_cost").iter().flatten().sum();
    let coverage: f64 = encounters.floats("payer_coverage").iter().flatten().sum();
    let los = encounters.floats("length_of_stay_days");
    let discharges = encounters
        .bools("is_readmission_index")
        .iter()
        .filter(|v| **v == Some(true))
        .count() as i64;
    let readmissions = encounters
        .bools("readmitted_within_30d")
        .iter()
        .filter(|v| **v == Some(true))
        .count() as i64;
    let inpatient_los: Vec<f64> = (0..encounters.len())
        .filter(|&i| class[i] == Some("inpatient"))
        .filter_map(|i| los[i])
        .collect();
    let rows = encounters.len() as i64;
    let count = |name: &str| columns(silver, name).len() as i64;
    let first = start
        .iter()
        .flatten()
        .min()
        .map(|t| dates::day_of_timestamp(*t));
    let last = start
        .iter()
        .flatten()
        .max()
        .map(|t| dates::day_of_timestamp(*t));
    TableBuilder::new()
        .date("as_of_date", [Some(silver.as_of.days())])
        .int("patients", [patients.len() as i64])
        .int("deceased_patients", [deceased])
        .int("encounters", [rows])
        .int(
            "patients_with_encounters",
            [patient.iter().flatten().collect::<BTreeSet<_>>().len() as i64],
        )
        .int("inpatient_discharges", [discharges])
        .int("readmissions_30d", [readmissions])
        .float(
            "readmission_rate_30d",
            [ratio(readmissions as f64, discharges as f64)],
        )
        .float(
            "avg_inpatient_los_days",
            [ratio(
                inpatient_los.iter().sum(),
                inpatient_los.len() as f64,
            )],
        )
        .float("total_claim_cost", [Some(total)])
        .float("total_payer_coverage", [Some(coverage)])
        .float("total_patient_out_of_pocket", [Some(total - coverage)])
        .float("payer_coverage_pct", [ratio(coverage * 100.0, total)])
        .float("avg_cost_per_encounter", [ratio(total, rows as f64)])
        .int("conditions", [count("fact_conditions")])
        .int("procedures", [count("fact_procedures")])
        .int("medications", [count("fact_medications")])
        .int("claims", [count("fact_claims")])
        .date("first_encounter_date", [first])
        .date("last_encounter_date", [last])
        .finish("gold_kpis")
}
