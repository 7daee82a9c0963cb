//! `fact_medications`: one row per distinct medication row, in (patient,
//! start, code, encounter) order, with an "active" flag and the duration as
//! of the reference day.

use super::{Context, EventColumns, day, days_between, in_event_order, key_of_day, out_of_pocket};
use crate::bronze::rows::Rows;
use crate::dates::{self, MICROS_PER_DAY};
use crate::error::Result;
use crate::silver::dims::default_system;
use crate::silver::keys::Last;
use crate::table::{RowColumns, Table, TableBuilder};

pub(super) struct Medication<'a> {
    patient_key: Option<i64>,
    encounter_key: Option<i64>,
    medication_key: Option<i64>,
    payer_key: Option<i64>,
    start: i64,
    stop: Option<i64>,
    base_cost: Option<f64>,
    payer_coverage: Option<f64>,
    dispenses: Option<i64>,
    total_cost: Option<f64>,
    reason_code: Option<&'a str>,
    reason_description: Option<&'a str>,
}

/// The medications, exact duplicates dropped.
pub(super) fn read<'a>(context: &mut Context<'a, '_>) -> Result<Vec<Medication<'a>>> {
    let rows = Rows::of(context.bronze, "medications");
    let c = |n: &str| rows.col(n);
    let EventColumns {
        start,
        stop,
        patient,
        encounter,
        code,
        ..
    } = EventColumns::of(&rows);
    let payer = c("PAYER");
    let (base, coverage, dispenses, total) = (
        c("BASE_COST"),
        c("PAYER_COVERAGE"),
        c("DISPENSES"),
        c("TOTALCOST"),
    );
    let (reason, reason_description) = (c("REASONCODE"), c("REASONDESCRIPTION"));
    let (unique, exact) = rows.unique()?;
    context.cleaned("medications", exact);
    let mut medications = Vec::with_capacity(unique.len());
    // Rows of one patient and encounter follow each other (`Last`).
    let (mut patient_key, mut encounter_key) = (Last::new(), Last::new());
    for row in unique {
        let (Some(start_ts), Some(patient_id)) =
            (rows.timestamp(row, start), rows.text(row, patient))
        else {
            continue;
        };
        let stop_ts = rows.timestamp(row, stop);
        let code_value = rows.text(row, code);
        let encounter_id = rows.text(row, encounter);
        context.saw(day(start_ts), stop_ts.map(day));
        medications.push((
            (
                patient_id,
                start_ts,
                code_value.unwrap_or(""),
                encounter_id.unwrap_or(""),
            ),
            row,
            Medication {
                patient_key: patient_key.get(Some(patient_id), |id| context.patients.keys.get(id)),
                encounter_key: encounter_key.get(encounter_id, |id| context.encounter_keys.get(id)),
                medication_key: context
                    .codes
                    .medication
                    .get(default_system("medications"), code_value),
                payer_key: context.references.payer_key(rows.text(row, payer)),
                start: start_ts,
                stop: stop_ts,
                base_cost: rows.float(row, base),
                payer_coverage: rows.float(row, coverage),
                dispenses: rows.int(row, dispenses),
                total_cost: rows.float(row, total),
                reason_code: rows.text(row, reason),
                reason_description: rows.text(row, reason_description),
            },
        ));
    }
    Ok(in_event_order(medications, &rows.canonical()?))
}

/// `fact_medications` as of `as_of`.
pub(super) fn write(m: &[Medication<'_>], as_of: i32) -> Result<Table> {
    let as_of_end = (i64::from(as_of) + 1) * MICROS_PER_DAY;
    // Filled a block of rows at a time (`RowColumns`).
    TableBuilder::new()
        .rows(
            RowColumns::new(m.len())
                .int_opt("patient_key", |i| m[i].patient_key)
                .int_opt("encounter_key", |i| m[i].encounter_key)
                .int_opt("medication_key", |i| m[i].medication_key)
                .int_opt("payer_key", |i| m[i].payer_key)
                .int_opt("start_date_key", |i| Some(dates::date_key(day(m[i].start))))
                .int_opt("stop_date_key", |i| key_of_day(m[i].stop.map(day)))
                .timestamp("start_ts", |i| Some(m[i].start))
                .timestamp("stop_ts", |i| m[i].stop)
                .float("base_cost", |i| m[i].base_cost)
                .float("payer_coverage", |i| m[i].payer_coverage)
                .int_opt("dispenses", |i| m[i].dispenses)
                .float("total_cost", |i| m[i].total_cost)
                .float("patient_out_of_pocket", |i| {
                    out_of_pocket(m[i].total_cost, m[i].payer_coverage)
                })
                .boolean("is_active", |i| {
                    Some(m[i].stop.is_none_or(|s| s >= as_of_end))
                })
                .float("duration_days", |i| {
                    Some(days_between(m[i].start, m[i].stop.unwrap_or(as_of_end)))
                })
                .text("reason_code", |i| m[i].reason_code)
                .text("reason_description", |i| m[i].reason_description),
        )
        .finish("fact_medications")
}
