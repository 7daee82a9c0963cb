//! The facts: encounters (with length of stay, age and 30-day readmission
//! flags), conditions, procedures, medications and claims.

use rustc_hash::FxHashMap as HashMap;

use super::CleaningStats;
use super::dims::{Codes, PatientIndex, References, default_system};
use super::keys::{KeyMap, Rows, normalize_system};
use crate::bronze::Bronze;
use crate::dates::{self, MICROS_PER_DAY};
use crate::error::Result;
use crate::table::{Table, TableBuilder};

/// Thirty days, the readmission window.
pub const READMISSION_WINDOW_MICROS: i64 = 30 * MICROS_PER_DAY;

struct Encounter<'a> {
    id: &'a str,
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

struct Condition {
    patient_key: Option<i64>,
    encounter_key: Option<i64>,
    diagnosis_key: Option<i64>,
    start: i32,
    stop: Option<i32>,
}

struct Procedure<'a> {
    patient_key: Option<i64>,
    encounter_key: Option<i64>,
    procedure_key: Option<i64>,
    start: i64,
    stop: Option<i64>,
    base_cost: Option<f64>,
    reason_code: Option<&'a str>,
    reason_description: Option<&'a str>,
}

struct Medication<'a> {
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

#[derive(Default, Clone, Copy)]
struct ClaimLedger {
    lines: i64,
    charges_cents: i64,
    payments_cents: i64,
    adjustments_cents: i64,
}

struct Claim<'a> {
    id: &'a str,
    patient_key: Option<i64>,
    encounter_key: Option<i64>,
    provider_key: Option<i64>,
    primary_payer_key: Option<i64>,
    secondary_payer_key: Option<i64>,
    service: Option<i64>,
    department_id: Option<i64>,
    claim_type: Option<&'a str>,
    status_primary: Option<&'a str>,
    status_secondary: Option<&'a str>,
    status_patient: Option<&'a str>,
    outstanding_primary: Option<f64>,
    outstanding_secondary: Option<f64>,
    outstanding_patient: Option<f64>,
    diagnosis_1: Option<&'a str>,
    diagnosis_count: i64,
    ledger: Option<ClaimLedger>,
}

/// The fact rows, before the reference day is known.
pub(crate) struct Facts<'a> {
    encounters: Vec<Encounter<'a>>,
    conditions: Vec<Condition>,
    procedures: Vec<Procedure<'a>>,
    medications: Vec<Medication<'a>>,
    claims: Vec<Claim<'a>>,
    /// The earliest and latest day any fact date key points at.
    pub(crate) first_day: Option<i32>,
    pub(crate) last_day: Option<i32>,
    /// The latest event day (the default `as_of`).
    pub(crate) last_event_day: Option<i32>,
}

fn day(micros: i64) -> i32 {
    dates::day_of_timestamp(micros)
}

fn key_of_day(d: Option<i32>) -> Option<i64> {
    d.map(dates::date_key)
}

/// Claims 3.0–3.1 write `0` for "no insurance"; it is no payer id.
fn insurance_id(id: Option<&str>) -> Option<&str> {
    id.filter(|s| *s != "0")
}

fn cents(value: Option<f64>) -> i64 {
    value.map_or(0, |v| (v * 100.0).round() as i64)
}

pub(crate) fn build<'a>(
    bronze: &'a Bronze,
    references: &References<'a>,
    patients: &PatientIndex<'a>,
    codes: &Codes<'a>,
    cleaning: &mut Vec<CleaningStats>,
) -> Result<Facts<'a>> {
    let mut days = DayRange::default();

    // Encounters: one row per Id.
    let rows = Rows::of(bronze, "encounters");
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
    let (unique, exact, merged) = rows.unique_by(id)?;
    cleaning.push(CleaningStats {
        file: "encounters",
        exact_duplicates: exact,
        merged_duplicate_ids: merged,
    });
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
        let organization_id = rows
            .text(row, organization)
            .or_else(|| provider_id.and_then(|p| references.provider_organization.get(p).copied()));
        let age = patient_key
            .and_then(|k| patients.birth[k as usize - 1])
            .map(|b| dates::age_in_years(b, day(start_ts)));
        days.add(day(start_ts));
        if let Some(s) = stop_ts {
            days.add(day(s));
        }
        encounters.push(Encounter {
            id: encounter_id,
            patient_id,
            patient_key,
            provider_key: references.provider.get(provider_id),
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
    let encounter_keys = KeyMap::from_sorted(encounters.iter().map(|e| e.id));

    // Conditions.
    let rows = Rows::of(bronze, "conditions");
    let c = |n: &str| rows.col(n);
    let (start, stop, patient, encounter, system, code) = (
        c("START"),
        c("STOP"),
        c("PATIENT"),
        c("ENCOUNTER"),
        c("SYSTEM"),
        c("CODE"),
    );
    let (unique, exact) = rows.unique()?;
    cleaning.push(CleaningStats {
        file: "conditions",
        exact_duplicates: exact,
        merged_duplicate_ids: 0,
    });
    let mut conditions: Vec<(&str, i32, &str, &str, Condition)> = Vec::with_capacity(unique.len());
    for row in unique {
        let (Some(start_day), Some(patient_id)) = (rows.date(row, start), rows.text(row, patient))
        else {
            continue;
        };
        let stop_day = rows.date(row, stop);
        let system_name = normalize_system(rows.text(row, system), default_system("conditions"));
        let code_value = rows.text(row, code);
        let encounter_id = rows.text(row, encounter);
        days.add(start_day);
        if let Some(s) = stop_day {
            days.add(s);
        }
        conditions.push((
            patient_id,
            start_day,
            code_value.unwrap_or(""),
            encounter_id.unwrap_or(""),
            Condition {
                patient_key: patients.keys.get(Some(patient_id)),
                encounter_key: encounter_keys.get(encounter_id),
                diagnosis_key: codes.diagnosis.get(system_name, code_value),
                start: start_day,
                stop: stop_day,
            },
        ));
    }
    conditions.sort_by(|a, b| (a.0, a.1, a.2, a.3).cmp(&(b.0, b.1, b.2, b.3)));

    // Procedures.
    let rows = Rows::of(bronze, "procedures");
    let c = |n: &str| rows.col(n);
    let (start, stop, patient, encounter, system, code) = (
        c("START"),
        c("STOP"),
        c("PATIENT"),
        c("ENCOUNTER"),
        c("SYSTEM"),
        c("CODE"),
    );
    let (base, reason, reason_description) =
        (c("BASE_COST"), c("REASONCODE"), c("REASONDESCRIPTION"));
    let (unique, exact) = rows.unique()?;
    cleaning.push(CleaningStats {
        file: "procedures",
        exact_duplicates: exact,
        merged_duplicate_ids: 0,
    });
    let mut procedures: Vec<(&str, i64, &str, &str, Procedure)> = Vec::with_capacity(unique.len());
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
        days.add(day(start_ts));
        if let Some(s) = stop_ts {
            days.add(day(s));
        }
        procedures.push((
            patient_id,
            start_ts,
            code_value.unwrap_or(""),
            encounter_id.unwrap_or(""),
            Procedure {
                patient_key: patients.keys.get(Some(patient_id)),
                encounter_key: encounter_keys.get(encounter_id),
                procedure_key: codes.procedure.get(system_name, code_value),
                start: start_ts,
                stop: stop_ts,
                base_cost: rows.float(row, base),
                reason_code: rows.text(row, reason),
                reason_description: rows.text(row, reason_description),
            },
        ));
    }
    procedures.sort_by(|a, b| (a.0, a.1, a.2, a.3).cmp(&(b.0, b.1, b.2, b.3)));

    // Medications.
    let rows = Rows::of(bronze, "medications");
    let c = |n: &str| rows.col(n);
    let (start, stop, patient, payer, encounter, code) = (
        c("START"),
        c("STOP"),
        c("PATIENT"),
        c("PAYER"),
        c("ENCOUNTER"),
        c("CODE"),
    );
    let (base, coverage, dispenses, total) = (
        c("BASE_COST"),
        c("PAYER_COVERAGE"),
        c("DISPENSES"),
        c("TOTALCOST"),
    );
    let (reason, reason_description) = (c("REASONCODE"), c("REASONDESCRIPTION"));
    let (unique, exact) = rows.unique()?;
    cleaning.push(CleaningStats {
        file: "medications",
        exact_duplicates: exact,
        merged_duplicate_ids: 0,
    });
    let mut medications: Vec<(&str, i64, &str, &str, Medication)> =
        Vec::with_capacity(unique.len());
    for row in unique {
        let (Some(start_ts), Some(patient_id)) =
            (rows.timestamp(row, start), rows.text(row, patient))
        else {
            continue;
        };
        let stop_ts = rows.timestamp(row, stop);
        let code_value = rows.text(row, code);
        let encounter_id = rows.text(row, encounter);
        days.add(day(start_ts));
        if let Some(s) = stop_ts {
            days.add(day(s));
        }
        medications.push((
            patient_id,
            start_ts,
            code_value.unwrap_or(""),
            encounter_id.unwrap_or(""),
            Medication {
                patient_key: patients.keys.get(Some(patient_id)),
                encounter_key: encounter_keys.get(encounter_id),
                medication_key: codes
                    .medication
                    .get(default_system("medications"), code_value),
                payer_key: references.payer.get(rows.text(row, payer)),
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
    medications.sort_by(|a, b| (a.0, a.1, a.2, a.3).cmp(&(b.0, b.1, b.2, b.3)));

    // The claim ledger, summed in cents so that the order of lines does not matter.
    let rows = Rows::of(bronze, "claims_transactions");
    let mut ledger: HashMap<&str, ClaimLedger> = HashMap::default();
    if rows.table.is_some() {
        let c = |n: &str| rows.col(n);
        let (claim, kind, amount, payments, adjustments) = (
            c("CLAIMID"),
            c("TYPE"),
            c("AMOUNT"),
            c("PAYMENTS"),
            c("ADJUSTMENTS"),
        );
        let (unique, exact) = rows.unique()?;
        cleaning.push(CleaningStats {
            file: "claims_transactions",
            exact_duplicates: exact,
            merged_duplicate_ids: 0,
        });
        for row in unique {
            let Some(claim_id) = rows.text(row, claim) else {
                continue;
            };
            let entry = ledger.entry(claim_id).or_default();
            entry.lines += 1;
            if rows.text(row, kind) == Some("CHARGE") {
                entry.charges_cents += cents(rows.float(row, amount));
            }
            entry.payments_cents += cents(rows.float(row, payments));
            entry.adjustments_cents += cents(rows.float(row, adjustments));
        }
    }

    // Claims: one row per Id.
    let rows = Rows::of(bronze, "claims");
    let mut claims = Vec::new();
    if rows.table.is_some() {
        let c = |n: &str| rows.col(n);
        let (id, patient, provider, primary, secondary) = (
            c("Id"),
            c("PATIENTID"),
            c("PROVIDERID"),
            c("PRIMARYPATIENTINSURANCEID"),
            c("SECONDARYPATIENTINSURANCEID"),
        );
        let (department, appointment, service, claim_type) = (
            c("DEPARTMENTID"),
            c("APPOINTMENTID"),
            c("SERVICEDATE"),
            c("HEALTHCARECLAIMTYPEID1"),
        );
        let (status1, status2, statusp) = (c("STATUS1"), c("STATUS2"), c("STATUSP"));
        let (out1, out2, outp) = (c("OUTSTANDING1"), c("OUTSTANDING2"), c("OUTSTANDINGP"));
        let diagnoses: Vec<_> = (1..=8).map(|i| c(&format!("DIAGNOSIS{i}"))).collect();
        let (unique, exact, merged) = rows.unique_by(id)?;
        cleaning.push(CleaningStats {
            file: "claims",
            exact_duplicates: exact,
            merged_duplicate_ids: merged,
        });
        for row in unique {
            let Some(claim_id) = rows.text(row, id) else {
                continue;
            };
            let service_ts = rows.timestamp(row, service);
            if let Some(s) = service_ts {
                days.add(day(s));
            }
            claims.push(Claim {
                id: claim_id,
                patient_key: patients.keys.get(rows.text(row, patient)),
                encounter_key: encounter_keys.get(rows.text(row, appointment)),
                provider_key: references.provider.get(rows.text(row, provider)),
                primary_payer_key: references.payer.get(insurance_id(rows.text(row, primary))),
                secondary_payer_key: references
                    .payer
                    .get(insurance_id(rows.text(row, secondary))),
                service: service_ts,
                department_id: rows.int(row, department),
                claim_type: match rows.int(row, claim_type) {
                    Some(1) => Some("professional"),
                    Some(2) => Some("institutional"),
                    _ => None,
                },
                status_primary: rows.text(row, status1),
                status_secondary: rows.text(row, status2),
                status_patient: rows.text(row, statusp),
                outstanding_primary: rows.float(row, out1),
                outstanding_secondary: rows.float(row, out2),
                outstanding_patient: rows.float(row, outp),
                diagnosis_1: rows.text(row, diagnoses[0]),
                diagnosis_count: diagnoses
                    .iter()
                    .filter(|d| rows.text(row, **d).is_some())
                    .count() as i64,
                ledger: ledger.get(claim_id).copied(),
            });
        }
    }

    Ok(Facts {
        encounters,
        conditions: conditions.into_iter().map(|t| t.4).collect(),
        procedures: procedures.into_iter().map(|t| t.4).collect(),
        medications: medications.into_iter().map(|t| t.4).collect(),
        claims,
        first_day: days.first,
        last_day: days.last,
        last_event_day: days.last,
    })
}

#[derive(Default)]
struct DayRange {
    first: Option<i32>,
    last: Option<i32>,
}

impl DayRange {
    fn add(&mut self, day: i32) {
        self.first = Some(self.first.map_or(day, |f| f.min(day)));
        self.last = Some(self.last.map_or(day, |l| l.max(day)));
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

fn out_of_pocket(total: Option<f64>, covered: Option<f64>) -> Option<f64> {
    total.map(|t| t - covered.unwrap_or(0.0))
}

fn days_between(start: i64, stop: i64) -> f64 {
    (stop - start) as f64 / MICROS_PER_DAY as f64
}

impl Facts<'_> {
    /// The fact tables, with "active" flags and open durations as of `as_of`.
    pub(crate) fn finish(self, as_of: i32) -> Result<Vec<Table>> {
        let as_of_end = (i64::from(as_of) + 1) * MICROS_PER_DAY;
        let e = &self.encounters;
        let fact_encounters = TableBuilder::new()
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
            .finish("fact_encounters")?;

        let c = &self.conditions;
        let fact_conditions = TableBuilder::new()
            .int_opt("patient_key", c.iter().map(|x| x.patient_key))
            .int_opt("encounter_key", c.iter().map(|x| x.encounter_key))
            .int_opt("diagnosis_key", c.iter().map(|x| x.diagnosis_key))
            .int_opt(
                "start_date_key",
                c.iter().map(|x| Some(dates::date_key(x.start))),
            )
            .int_opt("stop_date_key", c.iter().map(|x| key_of_day(x.stop)))
            .date("start_date", c.iter().map(|x| Some(x.start)))
            .date("stop_date", c.iter().map(|x| x.stop))
            .boolean(
                "is_active",
                c.iter().map(|x| Some(x.stop.is_none_or(|s| s > as_of))),
            )
            .int_opt(
                "duration_days",
                c.iter()
                    .map(|x| Some(i64::from(x.stop.unwrap_or(as_of)) - i64::from(x.start))),
            )
            .finish("fact_conditions")?;

        let p = &self.procedures;
        let fact_procedures = TableBuilder::new()
            .int_opt("patient_key", p.iter().map(|x| x.patient_key))
            .int_opt("encounter_key", p.iter().map(|x| x.encounter_key))
            .int_opt("procedure_key", p.iter().map(|x| x.procedure_key))
            .int_opt(
                "start_date_key",
                p.iter().map(|x| Some(dates::date_key(day(x.start)))),
            )
            .timestamp("start_ts", p.iter().map(|x| Some(x.start)))
            .timestamp("stop_ts", p.iter().map(|x| x.stop))
            .float("base_cost", p.iter().map(|x| x.base_cost))
            .float(
                "duration_minutes",
                p.iter()
                    .map(|x| x.stop.map(|s| (s - x.start) as f64 / 60e6)),
            )
            .text("reason_code", p.iter().map(|x| x.reason_code))
            .text("reason_description", p.iter().map(|x| x.reason_description))
            .finish("fact_procedures")?;

        let m = &self.medications;
        let fact_medications = TableBuilder::new()
            .int_opt("patient_key", m.iter().map(|x| x.patient_key))
            .int_opt("encounter_key", m.iter().map(|x| x.encounter_key))
            .int_opt("medication_key", m.iter().map(|x| x.medication_key))
            .int_opt("payer_key", m.iter().map(|x| x.payer_key))
            .int_opt(
                "start_date_key",
                m.iter().map(|x| Some(dates::date_key(day(x.start)))),
            )
            .int_opt(
                "stop_date_key",
                m.iter().map(|x| key_of_day(x.stop.map(day))),
            )
            .timestamp("start_ts", m.iter().map(|x| Some(x.start)))
            .timestamp("stop_ts", m.iter().map(|x| x.stop))
            .float("base_cost", m.iter().map(|x| x.base_cost))
            .float("payer_coverage", m.iter().map(|x| x.payer_coverage))
            .int_opt("dispenses", m.iter().map(|x| x.dispenses))
            .float("total_cost", m.iter().map(|x| x.total_cost))
            .float(
                "patient_out_of_pocket",
                m.iter()
                    .map(|x| out_of_pocket(x.total_cost, x.payer_coverage)),
            )
            .boolean(
                "is_active",
                m.iter()
                    .map(|x| Some(x.stop.is_none_or(|s| s >= as_of_end))),
            )
            .float(
                "duration_days",
                m.iter()
                    .map(|x| Some(days_between(x.start, x.stop.unwrap_or(as_of_end)))),
            )
            .text("reason_code", m.iter().map(|x| x.reason_code))
            .text("reason_description", m.iter().map(|x| x.reason_description))
            .finish("fact_medications")?;

        let k = &self.claims;
        let money = |f: fn(&ClaimLedger) -> i64| {
            k.iter()
                .map(move |x| x.ledger.as_ref().map(|l| f(l) as f64 / 100.0))
                .collect::<Vec<_>>()
        };
        let fact_claims = TableBuilder::new()
            .int("claim_key", 1..=k.len() as i64)
            .text("claim_id", k.iter().map(|x| Some(x.id)))
            .int_opt("patient_key", k.iter().map(|x| x.patient_key))
            .int_opt("encounter_key", k.iter().map(|x| x.encounter_key))
            .int_opt("provider_key", k.iter().map(|x| x.provider_key))
            .int_opt("primary_payer_key", k.iter().map(|x| x.primary_payer_key))
            .int_opt(
                "secondary_payer_key",
                k.iter().map(|x| x.secondary_payer_key),
            )
            .int_opt(
                "service_date_key",
                k.iter().map(|x| key_of_day(x.service.map(day))),
            )
            .timestamp("service_ts", k.iter().map(|x| x.service))
            .int_opt("department_id", k.iter().map(|x| x.department_id))
            .text("claim_type", k.iter().map(|x| x.claim_type))
            .text("status_primary", k.iter().map(|x| x.status_primary))
            .text("status_secondary", k.iter().map(|x| x.status_secondary))
            .text("status_patient", k.iter().map(|x| x.status_patient))
            .float(
                "outstanding_primary",
                k.iter().map(|x| x.outstanding_primary),
            )
            .float(
                "outstanding_secondary",
                k.iter().map(|x| x.outstanding_secondary),
            )
            .float(
                "outstanding_patient",
                k.iter().map(|x| x.outstanding_patient),
            )
            .text("diagnosis_1", k.iter().map(|x| x.diagnosis_1))
            .int("diagnosis_count", k.iter().map(|x| x.diagnosis_count))
            .int_opt(
                "transaction_lines",
                k.iter().map(|x| x.ledger.map(|l| l.lines)),
            )
            .float("charges", money(|l| l.charges_cents))
            .float("payments", money(|l| l.payments_cents))
            .float("adjustments", money(|l| l.adjustments_cents))
            .finish("fact_claims")?;

        Ok(vec![
            fact_encounters,
            fact_conditions,
            fact_procedures,
            fact_medications,
            fact_claims,
        ])
    }
}
