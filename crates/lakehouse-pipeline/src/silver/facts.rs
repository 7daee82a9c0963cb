//! The facts: encounters (with length of stay, age and 30-day readmission
//! flags), conditions, procedures, medications and claims. One module per
//! table, each with its row type, how it is read from bronze and how it is
//! written; this file holds what they share and the order they run in.

mod claims;
mod conditions;
mod encounters;
mod medications;
mod procedures;

use super::CleaningStats;
use super::dims::{Codes, PatientIndex, References};
use super::keys::KeyMap;
use crate::bronze::Bronze;
use crate::bronze::rows::{Col, Rows};
use crate::dates::{self, MICROS_PER_DAY};
use crate::error::Result;
use crate::table::Table;

pub use encounters::READMISSION_WINDOW_MICROS;

/// What every fact reader needs: bronze, the dimensions' keys, the
/// encounters' keys (once encounters are read), and where to note the days
/// it meets and what cleaning dropped.
struct Context<'a, 'r> {
    bronze: &'a Bronze,
    references: &'r References<'a>,
    patients: &'r PatientIndex<'a>,
    codes: &'r Codes<'a>,
    encounter_keys: KeyMap<'a>,
    days: DayRange,
    cleaning: &'r mut Vec<CleaningStats>,
}

impl Context<'_, '_> {
    /// Notes the exact duplicates dropped from an event file (no ids).
    fn cleaned(&mut self, file: &'static str, exact_duplicates: u64) {
        self.cleaning.push(CleaningStats {
            file,
            exact_duplicates,
            merged_duplicate_ids: 0,
            repeated_ids: Vec::new(),
        });
    }

    /// Notes an event's start and stop days.
    fn saw(&mut self, start: i32, stop: Option<i32>) {
        self.days.add(start);
        if let Some(s) = stop {
            self.days.add(s);
        }
    }
}

/// The fact rows, before the reference day is known.
pub(crate) struct Facts<'a> {
    encounters: Vec<encounters::Encounter<'a>>,
    conditions: Vec<conditions::Condition>,
    procedures: Vec<procedures::Procedure<'a>>,
    medications: Vec<medications::Medication<'a>>,
    claims: Vec<claims::Claim<'a>>,
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

fn out_of_pocket(total: Option<f64>, covered: Option<f64>) -> Option<f64> {
    total.map(|t| t - covered.unwrap_or(0.0))
}

fn days_between(start: i64, stop: i64) -> f64 {
    (stop - start) as f64 / MICROS_PER_DAY as f64
}

/// The columns every event file (conditions, procedures, medications)
/// has; `system` is absent from medications (RxNorm) and reads as empty.
struct EventColumns {
    start: Col,
    stop: Col,
    patient: Col,
    encounter: Col,
    system: Col,
    code: Col,
}

impl EventColumns {
    fn of(rows: &Rows<'_>) -> Self {
        let c = |n: &str| rows.col(n);
        Self {
            start: c("START"),
            stop: c("STOP"),
            patient: c("PATIENT"),
            encounter: c("ENCOUNTER"),
            system: c("SYSTEM"),
            code: c("CODE"),
        }
    }
}

/// An event row's place in the canonical fact order: patient, start, code,
/// encounter.
type EventKey<'a, S> = (&'a str, S, &'a str, &'a str);

/// Event rows in the canonical fact order (stable: equal keys keep their
/// canonical bronze order).
fn in_event_order<S: Ord, T>(mut rows: Vec<(EventKey<'_, S>, T)>) -> Vec<T> {
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows.into_iter().map(|(_, row)| row).collect()
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

/// Reads every fact table from bronze. Encounters come first: the other
/// facts take their encounter keys.
pub(crate) fn build<'a>(
    bronze: &'a Bronze,
    references: &References<'a>,
    patients: &PatientIndex<'a>,
    codes: &Codes<'a>,
    cleaning: &mut Vec<CleaningStats>,
) -> Result<Facts<'a>> {
    let mut context = Context {
        bronze,
        references,
        patients,
        codes,
        encounter_keys: KeyMap::from_sorted(std::iter::empty()),
        days: DayRange::default(),
        cleaning,
    };
    let encounters = encounters::read(&mut context)?;
    context.encounter_keys = KeyMap::from_sorted(encounters.iter().map(|e| e.id));
    let conditions = conditions::read(&mut context)?;
    let procedures = procedures::read(&mut context)?;
    let medications = medications::read(&mut context)?;
    let claims = claims::read(&mut context)?;
    let days = context.days;
    Ok(Facts {
        encounters,
        conditions,
        procedures,
        medications,
        claims,
        first_day: days.first,
        last_day: days.last,
        last_event_day: days.last,
    })
}

impl Facts<'_> {
    /// The fact tables, with "active" flags and open durations as of `as_of`.
    pub(crate) fn finish(self, as_of: i32) -> Result<Vec<Table>> {
        Ok(vec![
            encounters::write(&self.encounters, as_of)?,
            conditions::write(&self.conditions, as_of)?,
            procedures::write(&self.procedures)?,
            medications::write(&self.medications, as_of)?,
            claims::write(&self.claims)?,
        ])
    }
}
