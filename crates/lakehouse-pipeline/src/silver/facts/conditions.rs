//! `fact_conditions`: one row per distinct condition row, in (patient,
//! start, code, encounter) order, with an "active" flag and the duration as
//! of the reference day.

use super::{Context, EventColumns, in_event_order, key_of_day};
use crate::bronze::rows::Rows;
use crate::dates;
use crate::error::Result;
use crate::silver::dims::default_system;
use crate::silver::keys::Last;
use crate::silver::keys::normalize_system;
use crate::table::{RowColumns, Table, TableBuilder};

pub(super) struct Condition {
    patient_key: Option<i64>,
    encounter_key: Option<i64>,
    diagnosis_key: Option<i64>,
    start: i32,
    stop: Option<i32>,
}

/// The conditions, exact duplicates dropped.
pub(super) fn read(context: &mut Context<'_, '_>) -> Result<Vec<Condition>> {
    let rows = Rows::of(context.bronze, "conditions");
    let EventColumns {
        start,
        stop,
        patient,
        encounter,
        system,
        code,
    } = EventColumns::of(&rows);
    let (unique, exact) = rows.unique()?;
    context.cleaned("conditions", exact);
    let mut conditions = Vec::with_capacity(unique.len());
    // Rows of one patient and encounter follow each other (`Last`).
    let (mut patient_key, mut encounter_key) = (Last::new(), Last::new());
    for row in unique {
        let (Some(start_day), Some(patient_id)) = (rows.date(row, start), rows.text(row, patient))
        else {
            continue;
        };
        let stop_day = rows.date(row, stop);
        let system_name = normalize_system(rows.text(row, system), default_system("conditions"));
        let code_value = rows.text(row, code);
        let encounter_id = rows.text(row, encounter);
        context.saw(start_day, stop_day);
        conditions.push((
            (
                patient_id,
                start_day,
                code_value.unwrap_or(""),
                encounter_id.unwrap_or(""),
            ),
            row,
            Condition {
                patient_key: patient_key.get(Some(patient_id), |id| context.patients.keys.get(id)),
                encounter_key: encounter_key.get(encounter_id, |id| context.encounter_keys.get(id)),
                diagnosis_key: context.codes.diagnosis.get(system_name, code_value),
                start: start_day,
                stop: stop_day,
            },
        ));
    }
    Ok(in_event_order(conditions, &rows.canonical()?))
}

/// `fact_conditions` as of `as_of`.
pub(super) fn write(c: &[Condition], as_of: i32) -> Result<Table> {
    // Filled a block of rows at a time (`RowColumns`).
    TableBuilder::new()
        .rows(
            RowColumns::new(c.len())
                .int_opt("patient_key", |i| c[i].patient_key)
                .int_opt("encounter_key", |i| c[i].encounter_key)
                .int_opt("diagnosis_key", |i| c[i].diagnosis_key)
                .int_opt("start_date_key", |i| Some(dates::date_key(c[i].start)))
                .int_opt("stop_date_key", |i| key_of_day(c[i].stop))
                .date("start_date", |i| Some(c[i].start))
                .date("stop_date", |i| c[i].stop)
                .boolean("is_active", |i| Some(c[i].stop.is_none_or(|s| s > as_of)))
                .int_opt("duration_days", |i| {
                    Some(i64::from(c[i].stop.unwrap_or(as_of)) - i64::from(c[i].start))
                }),
        )
        .finish("fact_conditions")
}
