//! `fact_encounters`: one row per encounter Id, with length of stay, the
//! patient's age at the encounter and the 30-day readmission flags.

use super::{Context, day, days_between, key_of_day, out_of_pocket};
use crate::bronze::rows::Rows;
use crate::dates::{self, MICROS_PER_DAY};
use crate::error::Result;
use crate::silver::CleaningStats;
use crate::table::{Table, TableBuilder};

/// Thirty days, the readmission window.
pub const READMISSION_WINDOW_MICROS: i64 = 30 * MICROS_PER_DAY;

pub(super) struct Encounter<'a> {
    pub(super) id: &'a str,
    patient_id: &'a str,
    patient_key: Option<i64>,
    provider_key: Option<i64>,
    organization_key: Option<i64>,
    payer_key: Option<i64>,
    start: i64,
    stop: Option<i64>,
    class: Option<&'a str>,
    code: Option<&'a str>,
    description: Option<&'a str>,
    reason_code: Option<&'a str>,
    reason_description: Option<&'a str>,
    base_cost: Option<f64>,
    total_claim_cost: Option<f64>,
    payer_coverage: Option<f64>,
    age: Option<i64>,
    readmission_index: Option<bool>,
    readmitted: Option<bool>,
    is_readmission: Option<bool>,
}

/// The encounters, one per Id, in Id order.
pub(super) fn read<'a>(context: &mut Context<'a, '_>) -> Result<Vec<Encounter<'a>>> {
    let rows = Rows::of(context.bronze, "encounters");
    let c = |n: &str| rows.col(n);
    let (id, start, stop, patient) = (c("Id"), c("START"), c("STOP"), c("PATIENT"));
    let (organization, provider, payer, class) = (
        c("ORGANIZATION"),
        c("PROVIDER"),
        c("PAYER"),
        c("ENCOUNTERCLASS"),
    );
    let (code, description, reason, reason_description) = (
        c("CODE"),
        c("DESCRIPTION"),
        c("REASONCODE"),
        c("REASONDESCRIPTION"),
    );
    let (base, total, coverage) = (
        c("BASE_ENCOUNTER_COST"),
        c("TOTAL_CLAIM_COST"),
        c("PAYER_COVERAGE"),
    );
    let unique = rows.unique_by(id)?;
    context
        .cleaning
        .push(CleaningStats::of("encounters", &unique));
    let unique = unique.rows;
    let (references, patients) = (context.references, context.patients);
    let mut encounters = Vec::with_capacity(unique.len());
    for row in unique {
        let (Some(encounter_id), Some(start_ts), Some(patient_id)) = (
            rows.text(row, id),
            rows.timestamp(row, start),
            rows.text(row, patient),
        ) else {
            continue;
        };
        let stop_ts = rows.timestamp(row, stop);
        let patient_key = patients.keys.get(Some(patient_id));
        let provider_id = rows.text(row, provider);
        // 2.5 wrote no ORGANIZATION: the provider's organization stands in,
        // and a PROVIDER that names no provider is taken as the organization
        // id 2.5 wrote there (`dq_results` counts those rows).
        let provider_key = references.provider.get(provider_id);
        let organization_id = rows
            .text(row, organization)
            .or_else(|| provider_id.and_then(|p| references.provider_organization.get(p).copied()))
            .or_else(|| provider_id.filter(|_| provider_key.is_none()));
        let age = patient_key
            .and_then(|k| patients.birth[k as usize - 1])
            .map(|b| dates::age_in_years(b, day(start_ts)));
        context.saw(day(start_ts), stop_ts.map(day));
        encounters.push(Encounter {
            id: encounter_id,
            patient_id,
            patient_key,
            provider_key,
            organization_key: references.organization.get(organization_id),
            payer_key: references.payer.get(rows.text(row, payer)),
            start: start_ts,
            stop: stop_ts,
            class: rows.text(row, class),
            code: rows.text(row, code),
            description: rows.text(row, description),
            reason_code: rows.text(row, reason),
            reason_description: rows.text(row, reason_description),
            base_cost: rows.float(row, base),
            total_claim_cost: rows.float(row, total),
            payer_coverage: rows.float(row, coverage),
            age,
            readmission_index: None,
            readmitted: None,
            is_readmission: None,
        });
    }
    flag_readmissions(&mut encounters);
    Ok(encounters)
}

/// Sets the readmission flags of inpatient encounters:
/// - `readmission_index`: an inpatient stay with a STOP (a discharge);
/// - `readmitted`: another inpatient stay of the same patient starts after
///   this one's STOP and at most 30 days later;
/// - `is_readmission`: this stay starts within 30 days after another
///   inpatient stay's STOP.
///
/// All three are null on other classes.
fn flag_readmissions(encounters: &mut [Encounter<'_>]) {
    let mut inpatient: Vec<usize> = (0..encounters.len())
        .filter(|&i| encounters[i].class == Some("inpatient"))
        .collect();
    inpatient.sort_by(|&a, &b| {
        let (x, y) = (&encounters[a], &encounters[b]);
        (x.patient_id, x.start, x.id).cmp(&(y.patient_id, y.start, y.id))
    });
    for &i in &inpatient {
        encounters[i].readmission_index = Some(encounters[i].stop.is_some());
        encounters[i].readmitted = Some(false);
        encounters[i].is_readmission = Some(false);
    }
    let mut group_start = 0;
    while group_start < inpatient.len() {
        let patient = encounters[inpatient[group_start]].patient_id;
        let group_end = inpatient[group_start..]
            .iter()
            .position(|&i| encounters[i].patient_id != patient)
            .map_or(inpatient.len(), |p| group_start + p);
        let group = &inpatient[group_start..group_end];
        for &i in group {
            let Some(stop) = encounters[i].stop else {
                continue;
            };
            // Stays in the group are sorted by start: the first that starts after STOP.
            let first = group.partition_point(|&j| encounters[j].start <= stop);
            for &j in &group[first..] {
                if encounters[j].start > stop + READMISSION_WINDOW_MICROS {
                    break;
                }
                if j != i {
                    encounters[i].readmitted = Some(true);
                    encounters[j].is_readmission = Some(true);
                }
            }
        }
        group_start = group_end;
    }
}

/// `fact_encounters`.
pub(super) fn write(e: &[Encounter<'_>]) -> Result<Table> {
    TableBuilder::new()
        .int("encounter_key", 1..=e.len() as i64)
        .text("encounter_id", e.iter().map(|x| Some(x.id)))
        .int_opt("patient_key", e.iter().map(|x| x.patient_key))
        .int_opt("provider_key", e.iter().map(|x| x.provider_key))
        .int_opt("organization_key", e.iter().map(|x| x.organization_key))
        .int_opt("payer_key", e.iter().map(|x| x.payer_key))
        .int_opt(
            "start_date_key",
            e.iter().map(|x| Some(dates::date_key(day(x.start)))),
        )
        .int_opt(
            "stop_date_key",
            e.iter().map(|x| key_of_day(x.stop.map(day))),
        )
        .timestamp("start_ts", e.iter().map(|x| Some(x.start)))
        .timestamp("stop_ts", e.iter().map(|x| x.stop))
        .text("encounter_class", e.iter().map(|x| x.class))
        .text("code", e.iter().map(|x| x.code))
        .text("description", e.iter().map(|x| x.description))
        .text("reason_code", e.iter().map(|x| x.reason_code))
        .text("reason_description", e.iter().map(|x| x.reason_description))
        .float("base_cost", e.iter().map(|x| x.base_cost))
        .float("total_claim_cost", e.iter().map(|x| x.total_claim_cost))
        .float("payer_coverage", e.iter().map(|x| x.payer_coverage))
        .float(
            "patient_out_of_pocket",
            e.iter()
                .map(|x| out_of_pocket(x.total_claim_cost, x.payer_coverage)),
        )
        .float(
            "length_of_stay_days",
            e.iter().map(|x| x.stop.map(|s| days_between(x.start, s))),
        )
        .int_opt("age_at_encounter", e.iter().map(|x| x.age))
        .boolean(
            "is_readmission_index",
            e.iter().map(|x| x.readmission_index),
        )
        .boolean("readmitted_within_30d", e.iter().map(|x| x.readmitted))
        .boolean("is_readmission", e.iter().map(|x| x.is_readmission))
        .finish("fact_encounters")
}
