//! `gold_kpis`: one row of headline figures, each defined in
//! docs/metrics.md.

use std::collections::BTreeMap;

use super::money::difference;
use super::mortality::{deaths_among_living, per_1000 as deaths_per_1000};
use super::pmpm::Cell;
use super::stays::{Stay, StayTotals};
use super::utilization::{ED, Use, per_1000};
use super::{Distinct, Encounters, columns, ratio};
use crate::dates;
use crate::error::Result;
use crate::silver::Silver;
use crate::table::{Table, TableBuilder};

/// What `gold_kpis` is computed from, besides silver.
pub(super) struct Inputs<'a> {
    pub(super) encounters: &'a Encounters<'a>,
    pub(super) stays: &'a [Stay],
    pub(super) pmpm: &'a BTreeMap<(i32, Option<i64>), Cell>,
    pub(super) utilization: &'a BTreeMap<(i64, Option<i64>), Use>,
}

/// `gold_kpis`.
pub(super) fn table(silver: &Silver, inputs: &Inputs<'_>) -> Result<Table> {
    let e = inputs.encounters;
    let patients = columns(silver, "dim_patient");
    let deceased = patients
        .bools("is_deceased")
        .iter()
        .filter(|d| **d == Some(true))
        .count() as i64;
    let mut money = Cell::default();
    inputs.pmpm.values().for_each(|c| money.absorb(c));
    let (medical, medical_paid) = (money.medical_allowed.total(), money.medical_paid.total());
    let (pharmacy, pharmacy_paid) = (money.pharmacy_allowed.total(), money.pharmacy_paid.total());
    let (total, total_paid) = (money.total_allowed(), money.total_paid());
    let pct = |paid: Option<f64>, allowed: Option<f64>| ratio(paid? * 100.0, allowed?);
    let pmpm = |amount: Option<f64>| money.per_member_month(amount);

    let mut stays = StayTotals::default();
    inputs.stays.iter().for_each(|s| stays.add(s));
    let admissions = inputs.stays.len() as i64;
    let ed_visits: i64 = inputs.utilization.values().map(|u| u.visits[ED]).sum();
    let member_months = money.member_months;

    let crude = e.columns.bools("is_readmission_index");
    let crude_discharges = crude.iter().filter(|v| **v == Some(true)).count() as i64;
    let crude_readmissions = e
        .columns
        .bools("readmitted_within_30d")
        .iter()
        .filter(|v| **v == Some(true))
        .count() as i64;

    // Crude mortality over the 365 days ending on as_of.
    let as_of = silver.as_of.days();
    let (alive, died) = deaths_among_living(
        &patients.dates("birth_date"),
        &patients.dates("death_date"),
        as_of - 364,
        as_of,
    );

    let rows = e.rows as i64;
    let count = |name: &str| columns(silver, name).len() as i64;
    let days = || {
        e.start
            .iter()
            .flatten()
            .map(|t| dates::day_of_timestamp(*t))
    };
    TableBuilder::new()
        .date("as_of_date", [Some(as_of)])
        .int("patients", [patients.len() as i64])
        .int("deceased_patients", [deceased])
        .int("encounters", [rows])
        .int(
            "patients_with_encounters",
            [e.patient
                .iter()
                .flatten()
                .copied()
                .collect::<Distinct>()
                .len() as i64],
        )
        .int("member_months", [member_months])
        .int("inpatient_admissions", [admissions])
        .int("inpatient_discharges", [stays.discharges])
        .int("inpatient_days", [stays.days])
        .float("alos_days", [stays.alos()])
        .float("alos_days_fractional", [stays.alos_fractional()])
        .int("index_stays", [stays.index])
        .int("readmissions_30d", [stays.readmissions])
        .float("readmission_rate_30d", [stays.readmission_rate()])
        .int("crude_discharges", [crude_discharges])
        .int("crude_readmissions_30d", [crude_readmissions])
        .float(
            "crude_readmission_rate_30d",
            [ratio(crude_readmissions as f64, crude_discharges as f64)],
        )
        .float("admits_per_1000", [per_1000(admissions, member_months)])
        .int("ed_visits", [ed_visits])
        .float("ed_per_1000", [per_1000(ed_visits, member_months)])
        .int("in_hospital_deaths", [stays.deaths])
        .float(
            "in_hospital_mortality_rate",
            [stays.in_hospital_mortality()],
        )
        .int("alive_365_days_before_as_of", [alive])
        .int("deaths_in_365_days", [died])
        .float("crude_mortality_per_1000", [deaths_per_1000(died, alive)])
        .float("total_claim_cost", [medical])
        .float("total_payer_coverage", [medical_paid])
        .float(
            "total_patient_out_of_pocket",
            [difference(medical, medical_paid)],
        )
        .float("payer_coverage_pct", [pct(medical_paid, medical)])
        .float(
            "avg_cost_per_encounter",
            [medical.and_then(|m| ratio(m, rows as f64))],
        )
        .float("pharmacy_allowed", [pharmacy])
        .float("pharmacy_paid", [pharmacy_paid])
        .float("pharmacy_coverage_pct", [pct(pharmacy_paid, pharmacy)])
        .float("total_allowed", [total])
        .float("total_paid", [total_paid])
        .float("total_coverage_pct", [pct(total_paid, total)])
        .float("pmpm_medical_allowed", [pmpm(medical)])
        .float("pmpm_medical_paid", [pmpm(medical_paid)])
        .float("pmpm_pharmacy_allowed", [pmpm(pharmacy)])
        .float("pmpm_pharmacy_paid", [pmpm(pharmacy_paid)])
        .float("pmpm_allowed", [pmpm(total)])
        .float("pmpm_paid", [pmpm(total_paid)])
        .int("conditions", [count("fact_conditions")])
        .int("procedures", [count("fact_procedures")])
        .int("medications", [count("fact_medications")])
        .int("claims", [count("fact_claims")])
        .date("first_encounter_date", [days().min()])
        .date("last_encounter_date", [days().max()])
        .finish("gold_kpis")
}
