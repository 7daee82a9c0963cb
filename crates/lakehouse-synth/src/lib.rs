//! Built-in demo data: a deterministic generator of Synthea **v3.3-layout**
//! CSV exports, so the app and the CLI work with no data of the user's own
//! (real Synthea output may not be shipped in the repository).
//!
//! `(seed, patients, as_of)` always gives identical bytes, on every target.
//! The output streams: rows go to a sink in bounded chunks, patient by
//! patient, so a million patients can be written without holding them.
//!
//! The population is plausible rather than random noise: a Massachusetts-like
//! age, sex and race mix; yearly check-ups with vitals, screenings and
//! vaccines; chronic conditions (hypertension, diabetes, …) that persist and
//! bring follow-ups and long-term prescriptions; acute illnesses; emergencies,
//! multi-day admissions and some 30-day readmissions; deaths; costs split
//! between payer and patient; one claim per encounter and per prescription,
//! with ledger lines. Like Synthea's default export, events reach back ten
//! years before `as_of`.
//!
//! No IO: bytes go to the caller's sink.

mod random;
mod simulate;
pub mod vocabulary;
mod world;
mod write;

use lakehouse_pipeline::dates::Day;

use random::Random;
use simulate::patient;
use world::World;
use write::{Out, write_reference};

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// The random seed.
    pub seed: u64,
    /// How many patients.
    pub patients: u64,
    /// The end of the simulation: no event is later.
    pub as_of: Day,
}

/// The default end of the simulated history (never the clock).
pub const DEFAULT_AS_OF: &str = "2025-12-31";
/// The default seed.
pub const DEFAULT_SEED: u64 = 42;
/// Years of history before `as_of`, as Synthea's `exporter.years_of_history`.
pub const YEARS_OF_HISTORY: i32 = 10;

impl Config {
    /// `patients` patients with seed `seed`, ending on [`DEFAULT_AS_OF`].
    pub fn new(seed: u64, patients: u64) -> Self {
        let as_of = Day::parse(DEFAULT_AS_OF).unwrap_or(Day::from_days(0));
        Self {
            seed,
            patients,
            as_of,
        }
    }
}

/// The files written, in order.
pub const FILES: [&str; 13] = [
    "patients.csv",
    "encounters.csv",
    "conditions.csv",
    "procedures.csv",
    "medications.csv",
    "immunizations.csv",
    "observations.csv",
    "organizations.csv",
    "providers.csv",
    "payers.csv",
    "payer_transitions.csv",
    "claims.csv",
    "claims_transactions.csv",
];

#[derive(Clone, Copy)]
pub(crate) enum File {
    Patients,
    Encounters,
    Conditions,
    Procedures,
    Medications,
    Immunizations,
    Observations,
    Organizations,
    Providers,
    Payers,
    PayerTransitions,
    Claims,
    ClaimsTransactions,
}

/// The Synthea 3.3 header of each file in [`FILES`].
pub const HEADERS: [&str; 13] = [
    "Id,BIRTHDATE,DEATHDATE,SSN,DRIVERS,PASSPORT,PREFIX,FIRST,MIDDLE,LAST,SUFFIX,MAIDEN,MARITAL,RACE,ETHNICITY,GENDER,BIRTHPLACE,ADDRESS,CITY,STATE,COUNTY,FIPS,ZIP,LAT,LON,HEALTHCARE_EXPENSES,HEALTHCARE_COVERAGE,INCOME",
    "Id,START,STOP,PATIENT,ORGANIZATION,PROVIDER,PAYER,ENCOUNTERCLASS,CODE,DESCRIPTION,BASE_ENCOUNTER_COST,TOTAL_CLAIM_COST,PAYER_COVERAGE,REASONCODE,REASONDESCRIPTION",
    "START,STOP,PATIENT,ENCOUNTER,SYSTEM,CODE,DESCRIPTION",
    "START,STOP,PATIENT,ENCOUNTER,SYSTEM,CODE,DESCRIPTION,BASE_COST,REASONCODE,REASONDESCRIPTION",
    "START,STOP,PATIENT,PAYER,ENCOUNTER,CODE,DESCRIPTION,BASE_COST,PAYER_COVERAGE,DISPENSES,TOTALCOST,REASONCODE,REASONDESCRIPTION",
    "DATE,PATIENT,ENCOUNTER,CODE,DESCRIPTION,BASE_COST",
    "DATE,PATIENT,ENCOUNTER,CATEGORY,CODE,DESCRIPTION,VALUE,UNITS,TYPE",
    "Id,NAME,ADDRESS,CITY,STATE,ZIP,LAT,LON,PHONE,REVENUE,UTILIZATION",
    "Id,ORGANIZATION,NAME,GENDER,SPECIALITY,ADDRESS,CITY,STATE,ZIP,LAT,LON,ENCOUNTERS,PROCEDURES",
    "Id,NAME,OWNERSHIP,ADDRESS,CITY,STATE_HEADQUARTERED,ZIP,PHONE,AMOUNT_COVERED,AMOUNT_UNCOVERED,REVENUE,COVERED_ENCOUNTERS,UNCOVERED_ENCOUNTERS,COVERED_MEDICATIONS,UNCOVERED_MEDICATIONS,COVERED_PROCEDURES,UNCOVERED_PROCEDURES,COVERED_IMMUNIZATIONS,UNCOVERED_IMMUNIZATIONS,UNIQUE_CUSTOMERS,QOLS_AVG,MEMBER_MONTHS",
    "PATIENT,MEMBERID,START_DATE,END_DATE,PAYER,SECONDARY_PAYER,PLAN_OWNERSHIP,OWNER_NAME",
    "Id,PATIENTID,PROVIDERID,PRIMARYPATIENTINSURANCEID,SECONDARYPATIENTINSURANCEID,DEPARTMENTID,PATIENTDEPARTMENTID,DIAGNOSIS1,DIAGNOSIS2,DIAGNOSIS3,DIAGNOSIS4,DIAGNOSIS5,DIAGNOSIS6,DIAGNOSIS7,DIAGNOSIS8,REFERRINGPROVIDERID,APPOINTMENTID,CURRENTILLNESSDATE,SERVICEDATE,SUPERVISINGPROVIDERID,STATUS1,STATUS2,STATUSP,OUTSTANDING1,OUTSTANDING2,OUTSTANDINGP,LASTBILLEDDATE1,LASTBILLEDDATE2,LASTBILLEDDATEP,HEALTHCARECLAIMTYPEID1,HEALTHCARECLAIMTYPEID2",
    "ID,CLAIMID,CHARGEID,PATIENTID,TYPE,AMOUNT,METHOD,FROMDATE,TODATE,PLACEOFSERVICE,PROCEDURECODE,MODIFIER1,MODIFIER2,DIAGNOSISREF1,DIAGNOSISREF2,DIAGNOSISREF3,DIAGNOSISREF4,UNITS,DEPARTMENTID,NOTES,UNITAMOUNT,TRANSFEROUTID,TRANSFERTYPE,PAYMENTS,ADJUSTMENTS,TRANSFERS,OUTSTANDING,APPOINTMENTID,LINENOTE,PATIENTINSURANCEID,FEESCHEDULEID,PROVIDERID,SUPERVISINGPROVIDERID",
];

/// Writes a whole export, streaming it to `sink` as `(file name, bytes)`
/// chunks; every file's chunks arrive in order and the first chunk of each
/// file starts with its header.
pub fn generate(config: &Config, sink: &mut dyn FnMut(&'static str, &[u8])) {
    let mut out = Out {
        buffers: HEADERS
            .iter()
            .map(|h| format!("{h}\n").into_bytes())
            .collect(),
        sink,
    };
    let mut world = World::new(config);
    for index in 0..config.patients {
        let mut random = Random::new(config.seed, index);
        patient(config, &mut world, &mut random, &mut out);
        out.flush(false);
    }
    write_reference(&world, &mut out);
    out.flush(true);
}

/// The whole export in memory: `(file name, bytes)` in [`FILES`] order.
pub fn generate_files(config: &Config) -> Vec<(&'static str, Vec<u8>)> {
    let mut files: Vec<(&'static str, Vec<u8>)> = FILES.iter().map(|f| (*f, Vec::new())).collect();
    generate(config, &mut |name, bytes| {
        if let Some(file) = files.iter_mut().find(|(n, _)| *n == name) {
            file.1.extend_from_slice(bytes);
        }
    });
    files
}

#[cfg(test)]
mod tests;
