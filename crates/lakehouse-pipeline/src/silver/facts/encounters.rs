//! `fact_encounters`: one row per encounter Id, with length of stay, the
//! patient's age at the encounter and the 30-day readmission flags.

use super::{Context, day, days_between, key_of_day, out_of_pocket};
use crate::bronze::rows::Rows;
use crate::dates::{self, MICROS_PER_DAY};
use crate::error::Result;
use crate::silver::CleaningStats;
use crate::silver::keys::Last;
use crate::table::{RowColumns, Table, TableBuilder};

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
    birth: Option<i32>,
    death: Option<i32>,
    /// Inpatient only: the row of the stay's first encounter.
    stay: Option<usize>,
    /// The stay's admission row only: its discharge and the next stay's start.
    stay_end: Option<StayEnd>,
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
    // Read in file order, then sorted by id (as `unique_by` would have
    // given them): twenty columns read row by row in id order were a
    // random walk through every batch, a cost that grew faster than the
    // rows (docs/benchmarks.md, "silver's growth").
    let unique = rows.unique_by_in_file_order(id)?;
    context
        .cleaning
        .push(CleaningStats::of("encounters", &unique));
    let unique = unique.rows;
    let (references, patients) = (context.references, context.patients);
    let mut encounters = Vec::with_capacity(unique.len());
    // A patient's encounters follow each other, often with one provider
    // (`Last`).
    let (mut last_patient, mut last_provider) = (Last::new(), Last::new());
    for row in unique {
        let (Some(encounter_id), Some(start_ts), Some(patient_id)) = (
            rows.text(row, id),
            rows.timestamp(row, start),
            rows.text(row, patient),
        ) else {
            continue;
        };
        let stop_ts = rows.timestamp(row, stop);
        let patient_key = last_patient.get(Some(patient_id), |id| patients.keys.get(id));
        let provider_id = rows.text(row, provider);
        // 2.5 wrote no ORGANIZATION: the provider's organization stands in,
        // and a PROVIDER that names no provider is taken as the organization
        // id 2.5 wrote there (`dq_results` counts those rows).
        let provider_key = last_provider.get(provider_id, |id| references.provider.get(id));
        let organization_id = rows
            .text(row, organization)
            .or_else(|| provider_id.and_then(|p| references.provider_organization.get(p).copied()))
            .or_else(|| provider_id.filter(|_| provider_key.is_none()));
        let birth = patient_key.and_then(|k| patients.birth[k as usize - 1]);
        let death = patient_key.and_then(|k| patients.death[k as usize - 1]);
        let age = birth.map(|b| dates::age_in_years(b, day(start_ts)));
        context.saw(day(start_ts), stop_ts.map(day));
        encounters.push(Encounter {
            id: encounter_id,
            patient_id,
            patient_key,
            provider_key,
            organization_key: references.organization.get(organization_id),
            payer_key: references.payer_key(rows.text(row, payer)),
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
            birth,
            death,
            stay: None,
            stay_end: None,
            readmission_index: None,
            readmitted: None,
            is_readmission: None,
        });
    }
    crate::order::sort_by_text(&mut encounters, |encounter| encounter.id);
    flag_readmissions(&mut encounters);
    group_stays(&mut encounters);
    Ok(encounters)
}

/// How an inpatient stay ends: its discharge (the latest STOP of its
/// encounters; none if one of them has no STOP) and the admission of the
/// patient's next stay.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct StayEnd {
    discharge: Option<i64>,
    next_admission: Option<i64>,
}

/// The inpatient encounters of each patient, in (patient, start, Id) order.
fn inpatient_by_patient(encounters: &[Encounter<'_>]) -> Vec<usize> {
    let mut inpatient: Vec<usize> = (0..encounters.len())
        .filter(|&i| encounters[i].class == Some("inpatient"))
        .collect();
    inpatient.sort_by(|&a, &b| {
        let (x, y) = (&encounters[a], &encounters[b]);
        (x.patient_id, x.start, x.id).cmp(&(y.patient_id, y.start, y.id))
    });
    inpatient
}

/// Groups inpatient encounters into stays (docs/metrics.md, "Inpatient
/// stays"): in (patient, start, Id) order, an encounter that starts on the
/// calendar day of the latest STOP so far, or within 24 hours of it, is a
/// transfer within the stay; any other starts a new stay.
fn group_stays(encounters: &mut [Encounter<'_>]) {
    let inpatient = inpatient_by_patient(encounters);
    // (admission row, latest stop so far, all stops known)
    let mut stays: Vec<(usize, Option<i64>, bool)> = Vec::new();
    let mut patient = None;
    let mut latest: Option<i64> = None;
    for &i in &inpatient {
        let (id, start, stop) = (
            encounters[i].patient_id,
            encounters[i].start,
            encounters[i].stop,
        );
        if patient != Some(id) {
            patient = Some(id);
            latest = None;
        }
        let transfer =
            latest.is_some_and(|last| day(start) == day(last) || start <= last + MICROS_PER_DAY);
        match stays.last_mut() {
            Some(stay) if transfer => {
                stay.1 = stay.1.max(stop);
                stay.2 &= stop.is_some();
                encounters[i].stay = Some(stay.0);
            }
            _ => {
                stays.push((i, stop, stop.is_some()));
                encounters[i].stay = Some(i);
            }
        }
        latest = latest.max(stop);
    }
    for (n, &(admission, stop, known)) in stays.iter().enumerate() {
        let next = stays
            .get(n + 1)
            .map(|s| &encounters[s.0])
            .filter(|next| next.patient_id == encounters[admission].patient_id)
            .map(|next| next.start);
        encounters[admission].stay_end = Some(StayEnd {
            discharge: stop.filter(|_| known),
            next_admission: next,
        });
    }
}

/// A stay's figures as of `as_of` (docs/metrics.md, "30-day readmission",
/// "Length of stay" and "Mortality"), on its admission row.
#[derive(Clone, Copy, Debug, Default)]
struct StayFigures {
    discharge: Option<i64>,
    days: Option<i64>,
    days_fractional: Option<f64>,
    died: Option<bool>,
    hedis_index: Option<bool>,
    hedis_readmitted: Option<bool>,
}

impl StayFigures {
    fn of(e: &Encounter<'_>, as_of: i32) -> Self {
        let Some(end) = e.stay_end else {
            return Self::default();
        };
        let Some(discharge) = end.discharge else {
            return Self {
                hedis_index: Some(false),
                ..Self::default()
            };
        };
        let (admitted, discharged) = (day(e.start), day(discharge));
        let died_by_discharge = e.death.is_some_and(|d| d <= discharged);
        let adult = e
            .birth
            .is_some_and(|b| dates::age_in_years(b, discharged) >= 18);
        let index = !died_by_discharge && discharged + 30 <= as_of && adult;
        Self {
            discharge: Some(discharge),
            days: Some(i64::from(discharged - admitted).max(1)),
            days_fractional: Some(days_between(e.start, discharge)),
            died: Some(e.death.is_some_and(|d| admitted <= d && d <= discharged)),
            hedis_index: Some(index),
            hedis_readmitted: index.then(|| {
                end.next_admission
                    .is_some_and(|n| (1..=30).contains(&(day(n) - discharged)))
            }),
        }
    }
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
    let inpatient = inpatient_by_patient(encounters);
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

/// `fact_encounters`, with the stays' figures as of `as_of`.
pub(super) fn write(e: &[Encounter<'_>], as_of: i32) -> Result<Table> {
    let stays: Vec<StayFigures> = e.iter().map(|x| StayFigures::of(x, as_of)).collect();
    let stays = &stays;
    // Filled a block of rows at a time (`RowColumns`).
    TableBuilder::new()
        .rows(
            RowColumns::new(e.len())
                .int("encounter_key", |i| i as i64 + 1)
                .text("encounter_id", |i| Some(e[i].id))
                .int_opt("patient_key", |i| e[i].patient_key)
                .int_opt("provider_key", |i| e[i].provider_key)
                .int_opt("organization_key", |i| e[i].organization_key)
                .int_opt("payer_key", |i| e[i].payer_key)
                .int_opt("start_date_key", |i| Some(dates::date_key(day(e[i].start))))
                .int_opt("stop_date_key", |i| key_of_day(e[i].stop.map(day)))
                .timestamp("start_ts", |i| Some(e[i].start))
                .timestamp("stop_ts", |i| e[i].stop)
                .text("encounter_class", |i| e[i].class)
                .text("code", |i| e[i].code)
                .text("description", |i| e[i].description)
                .text("reason_code", |i| e[i].reason_code)
                .text("reason_description", |i| e[i].reason_description)
                .float("base_cost", |i| e[i].base_cost)
                .float("total_claim_cost", |i| e[i].total_claim_cost)
                .float("payer_coverage", |i| e[i].payer_coverage)
                .float("patient_out_of_pocket", |i| {
                    out_of_pocket(e[i].total_claim_cost, e[i].payer_coverage)
                })
                .float("length_of_stay_days", |i| {
                    e[i].stop.map(|s| days_between(e[i].start, s))
                })
                .int_opt("age_at_encounter", |i| e[i].age)
                .boolean("is_readmission_index", |i| e[i].readmission_index)
                .boolean("readmitted_within_30d", |i| e[i].readmitted)
                .boolean("is_readmission", |i| e[i].is_readmission)
                .int_opt("stay_key", |i| e[i].stay.map(|s| s as i64 + 1))
                .boolean("is_stay_admission", |i| e[i].stay.map(|s| s == i))
                .timestamp("stay_discharge_ts", |i| stays[i].discharge)
                .int_opt("stay_discharge_date_key", |i| {
                    key_of_day(stays[i].discharge.map(day))
                })
                .int_opt("stay_days", |i| stays[i].days)
                .float("stay_days_fractional", |i| stays[i].days_fractional)
                .boolean("stay_died", |i| stays[i].died)
                .boolean("is_hedis_index_stay", |i| stays[i].hedis_index)
                .boolean("hedis_readmitted_30d", |i| stays[i].hedis_readmitted),
        )
        .finish("fact_encounters")
}
