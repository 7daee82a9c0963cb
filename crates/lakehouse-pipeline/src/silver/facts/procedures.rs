//! `fact_procedures`: one row per distinct procedure row, in (patient,
//! start, code, encounter) order, with its duration in minutes.

use super::{Context, EventColumns, day, in_event_order};
use crate::bronze::rows::Rows;
use crate::dates;
use crate::error::Result;
use crate::silver::dims::default_system;
use crate::silver::keys::Last;
use crate::silver::keys::normalize_system;
use crate::table::{RowColumns, Table, TableBuilder};

pub(super) struct Procedure<'a> {
    patient_key: Option<i64>,
    encounter_key: Option<i64>,
    procedure_key: Option<i64>,
    start: i64,
    stop: Option<i64>,
    base_cost: Option<f64>,
    reason_code: Option<&'a str>,
    reason_description: Option<&'a str>,
}

/// The procedures, exact duplicates dropped.
pub(super) fn read<'a>(context: &mut Context<'a, '_>) -> Result<Vec<Procedure<'a>>> {
    let rows = Rows::of(context.bronze, "procedures");
    let c = |n: &str| rows.col(n);
    let EventColumns {
        start,
        stop,
        patient,
        encounter,
        system,
        code,
    } = EventColumns::of(&rows);
    let (base, reason, reason_description) =
        (c("BASE_COST"), c("REASONCODE"), c("REASONDESCRIPTION"));
    let (unique, exact) = rows.unique()?;
    context.cleaned("procedures", exact);
    let mut procedures = Vec::with_capacity(unique.len());
    // Rows of one patient and encounter follow each other (`Last`).
    let (mut patient_key, mut encounter_key) = (Last::new(), Last::new());
    for row in unique {
        let (Some(start_ts), Some(patient_id)) =
            (rows.timestamp(row, start), rows.text(row, patient))
        else {
            continue;
        };
        let stop_ts = rows.timestamp(row, stop);
        let system_name = normalize_system(rows.text(row, system), default_system("procedures"));
        let code_value = rows.text(row, code);
        let encounter_id = rows.text(row, encounter);
        context.saw(day(start_ts), stop_ts.map(day));
        procedures.push((
            (
                patient_id,
                start_ts,
                code_value.unwrap_or(""),
                encounter_id.unwrap_or(""),
            ),
            row,
            Procedure {
                patient_key: patient_key.get(Some(patient_id), |id| context.patients.keys.get(id)),
                encounter_key: encounter_key.get(encounter_id, |id| context.encounter_keys.get(id)),
                procedure_key: context.codes.procedure.get(system_name, code_value),
                start: start_ts,
                stop: stop_ts,
                base_cost: rows.float(row, base),
                reason_code: rows.text(row, reason),
                reason_description: rows.text(row, reason_description),
            },
        ));
    }
    Ok(in_event_order(procedures, &rows.canonical()?))
}

/// `fact_procedures`.
pub(super) fn write(p: &[Procedure<'_>]) -> Result<Table> {
    // Filled a block of rows at a time (`RowColumns`).
    TableBuilder::new()
        .rows(
            RowColumns::new(p.len())
                .int_opt("patient_key", |i| p[i].patient_key)
                .int_opt("encounter_key", |i| p[i].encounter_key)
                .int_opt("procedure_key", |i| p[i].procedure_key)
                .int_opt("start_date_key", |i| Some(dates::date_key(day(p[i].start))))
                .timestamp("start_ts", |i| Some(p[i].start))
                .timestamp("stop_ts", |i| p[i].stop)
                .float("base_cost", |i| p[i].base_cost)
                .float("duration_minutes", |i| {
                    p[i].stop.map(|s| (s - p[i].start) as f64 / 60e6)
                })
                .text("reason_code", |i| p[i].reason_code)
                .text("reason_description", |i| p[i].reason_description),
        )
        .finish("fact_procedures")
}
