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
pub mod vocabulary;

use lakehouse_pipeline::dates::{self, MICROS_PER_DAY};

use random::Random;
use vocabulary::{ACUTE, CHRONIC, Concept, EMERGENCY, PAYERS, PLACES};

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// The random seed.
    pub seed: u64,
    /// How many patients.
    pub patients: u64,
    /// The end of the simulation (days since 1970-01-01): no event is later.
    pub as_of: i32,
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
        let as_of = dates::parse_date(DEFAULT_AS_OF.as_bytes()).unwrap_or(0);
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
enum File {
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

/// Bytes a file buffers before they go to the sink.
const FLUSH_BYTES: usize = 256 * 1024;
const SNOMED: &str = "SNOMED-CT";

/// Per-file output buffers in front of the caller's sink.
struct Out<'s> {
    buffers: Vec<Vec<u8>>,
    sink: &'s mut dyn FnMut(&'static str, &[u8]),
}

impl Out<'_> {
    fn row(&mut self, file: File) -> Row<'_> {
        Row {
            buffer: &mut self.buffers[file as usize],
            first: true,
        }
    }

    fn flush(&mut self, all: bool) {
        for (i, buffer) in self.buffers.iter_mut().enumerate() {
            if !buffer.is_empty() && (all || buffer.len() >= FLUSH_BYTES) {
                (self.sink)(FILES[i], buffer);
                buffer.clear();
            }
        }
    }
}

/// One CSV row being written, field by field.
struct Row<'a> {
    buffer: &'a mut Vec<u8>,
    first: bool,
}

impl Row<'_> {
    fn text(mut self, value: &str) -> Self {
        if !self.first {
            self.buffer.push(b',');
        }
        self.first = false;
        self.buffer.extend_from_slice(value.as_bytes());
        self
    }

    fn opt(self, value: Option<&str>) -> Self {
        self.text(value.unwrap_or(""))
    }

    fn date(self, day: i32) -> Self {
        self.text(&dates::format_date(day))
    }

    fn time(self, micros: i64) -> Self {
        self.text(&dates::format_timestamp(micros))
    }

    fn money(self, cents: i64) -> Self {
        self.text(&money(cents))
    }

    fn int(self, value: i64) -> Self {
        self.text(&value.to_string())
    }

    fn end(self) {
        self.buffer.push(b'\n');
    }
}

fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

struct Organization {
    id: String,
    name: String,
    address: String,
    place: usize,
    hospital: bool,
    revenue: i64,
    utilization: i64,
}

struct Provider {
    id: String,
    organization: usize,
    name: String,
    gender: &'static str,
    speciality: &'static str,
    address: String,
    encounters: i64,
    procedures: i64,
}

#[derive(Default)]
struct PayerStats {
    covered: i64,
    uncovered: i64,
    covered_encounters: i64,
    uncovered_encounters: i64,
    covered_medications: i64,
    uncovered_medications: i64,
    covered_procedures: i64,
    uncovered_procedures: i64,
    covered_immunizations: i64,
    uncovered_immunizations: i64,
    customers: i64,
    member_months: i64,
}

/// The reference world: organizations, providers, payers, and their running totals.
struct World {
    organizations: Vec<Organization>,
    providers: Vec<Provider>,
    payer_ids: Vec<String>,
    payer_stats: Vec<PayerStats>,
    charge_id: i64,
}

fn person_name(random: &mut Random, gender: &str) -> (String, String) {
    let first = if gender == "F" {
        random.pick(&vocabulary::FIRST_NAMES_F)
    } else {
        random.pick(&vocabulary::FIRST_NAMES_M)
    };
    let last = random.pick(&vocabulary::LAST_NAMES);
    (
        format!("{first}{}", random.range(1, 999)),
        format!("{last}{}", random.range(1, 999)),
    )
}

fn street_address(random: &mut Random) -> String {
    format!(
        "{} {} {}",
        random.range(1, 999),
        random.pick(&vocabulary::STREETS),
        random.pick(&vocabulary::STREET_SUFFIXES)
    )
}

impl World {
    fn new(config: &Config) -> Self {
        let mut random = Random::new(config.seed, u64::MAX);
        let count = (4 + config.patients / 250).min(400) as usize;
        let mut organizations = Vec::with_capacity(count);
        for j in 0..count {
            let place = j % PLACES.len();
            let hospital = j % 3 == 0;
            let city = PLACES[place].0;
            let name = if hospital {
                format!("{city} General Hospital")
            } else {
                format!(
                    "{city} {} Practice",
                    random.pick(&["Family", "Primary Care", "Community Health", "Medical"])
                )
            };
            let name = if j >= PLACES.len() {
                format!("{name} {}", j / PLACES.len() + 1)
            } else {
                name
            };
            organizations.push(Organization {
                id: random.uuid(),
                name,
                address: street_address(&mut random),
                place,
                hospital,
                revenue: 0,
                utilization: 0,
            });
        }
        let mut providers = Vec::with_capacity(count * 3);
        for (o, organization) in organizations.iter().enumerate() {
            for k in 0..3 {
                let gender = if random.chance(0.5) { "F" } else { "M" };
                let (first, last) = person_name(&mut random, gender);
                let speciality = if organization.hospital && k == 0 {
                    "EMERGENCY MEDICINE"
                } else {
                    *random.weighted(&vocabulary::SPECIALITIES)
                };
                providers.push(Provider {
                    id: random.uuid(),
                    organization: o,
                    name: format!("{first} {last}"),
                    gender,
                    speciality,
                    address: organization.address.clone(),
                    encounters: 0,
                    procedures: 0,
                });
            }
        }
        let payer_ids = PAYERS.iter().map(|_| random.uuid()).collect();
        Self {
            organizations,
            providers,
            payer_ids,
            payer_stats: PAYERS.iter().map(|_| PayerStats::default()).collect(),
            charge_id: 0,
        }
    }

    /// A practice in `place` (else the first practice) and a hospital in `place` (else the first hospital).
    fn facilities(&self, place: usize) -> (usize, usize) {
        let find = |hospital: bool| {
            self.organizations
                .iter()
                .position(|o| o.place == place && o.hospital == hospital)
                .or_else(|| {
                    self.organizations
                        .iter()
                        .position(|o| o.hospital == hospital)
                })
                .unwrap_or(0)
        };
        (find(false), find(true))
    }
}

/// One billed item of an encounter.
#[derive(Clone)]
struct Item {
    concept: Concept,
    cents: i64,
    kind: ItemKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ItemKind {
    Encounter,
    Procedure,
    Immunization,
}

struct Prescription {
    concept: Concept,
    start: i64,
    stop: Option<i64>,
    per_dispense: i64,
    dispenses: i64,
    reason: Option<Concept>,
}

struct Encounter {
    id: String,
    start: i64,
    stop: i64,
    class: &'static str,
    kind: Concept,
    reason: Option<Concept>,
    organization: usize,
    provider: usize,
    payer: usize,
    items: Vec<Item>,
    /// Conditions first recorded here: (concept, stop day).
    conditions: Vec<(Concept, Option<i32>)>,
    prescriptions: Vec<Prescription>,
    vitals: bool,
}

/// Everything about one patient the timeline needs.
struct Person {
    id: String,
    birth: i32,
    death: Option<i32>,
    gender: &'static str,
    /// Insurance periods: (from day, payer index).
    coverage: Vec<(i32, usize)>,
    practice: usize,
    hospital: usize,
    provider: usize,
    /// The end of the simulation: later stops are written empty (still active).
    as_of: i32,
}

impl Person {
    fn age_at(&self, day: i32) -> i64 {
        dates::age_in_years(self.birth, day)
    }

    fn payer_on(&self, day: i32) -> usize {
        self.coverage
            .iter()
            .rev()
            .find(|(from, _)| *from <= day)
            .or(self.coverage.first())
            .map_or(8, |c| c.1)
    }
}

fn age_bracket(age: i64) -> usize {
    match age {
        ..=44 => 0,
        45..=64 => 1,
        _ => 2,
    }
}

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

fn patient(config: &Config, world: &mut World, random: &mut Random, out: &mut Out<'_>) {
    let as_of = config.as_of;
    // Demographics.
    let gender = if random.chance(0.51) { "F" } else { "M" };
    let band = *random.weighted(&[
        (0u32, 22.0),
        (18, 23.0),
        (35, 19.0),
        (50, 19.0),
        (65, 13.0),
        (80, 4.0),
    ]);
    let band_width = match band {
        0 => 18,
        18 => 17,
        80 => 20,
        _ => 15,
    };
    let age = i64::from(band) + random.range(0, band_width - 1) as i64;
    let birth = as_of - (age as i32) * 365 - (age as i32) / 4 - random.range(0, 364) as i32;
    let race = *random.weighted(&[
        ("white", 74.0),
        ("black", 8.2),
        ("asian", 6.9),
        ("native", 0.4),
        ("hawaiian", 0.1),
        ("other", 10.4),
    ]);
    let ethnicity = if random.chance(0.12) {
        "hispanic"
    } else {
        "nonhispanic"
    };
    let place = random.weighted_index(&PLACES.map(|p| p.6));
    // Household income brackets (dollars), roughly a US state's distribution.
    let bracket = *random.weighted(&[
        ((8_000u64, 25_000u64), 18.0),
        ((25_000, 50_000), 20.0),
        ((50_000, 75_000), 17.0),
        ((75_000, 100_000), 13.0),
        ((100_000, 150_000), 16.0),
        ((150_000, 400_000), 16.0),
    ]);
    let income = random.range(bracket.0, bracket.1) as i64;
    let window_start = birth.max(as_of - YEARS_OF_HISTORY * 365 - YEARS_OF_HISTORY / 4);
    let death_chance = match age {
        ..=17 => 0.003,
        18..=34 => 0.006,
        35..=49 => 0.015,
        50..=64 => 0.04,
        65..=79 => 0.12,
        _ => 0.35,
    };
    let death = random
        .chance(death_chance)
        .then(|| as_of - random.range(0, (as_of - window_start).max(1) as u64 - 1) as i32)
        .filter(|d| *d > birth);
    let end = death.unwrap_or(as_of);
    let (practice, hospital) = world.facilities(place);
    let provider = practice * 3 + random.range(0, 2) as usize;

    // Insurance over the window: Medicare from 65, Medicaid on low income, else private or none.
    let sixty_five = dates::days_from_civil(dates::civil_from_days(birth).0 + 65, 1, 1);
    let low_income = income < 25_000;
    let young_payer = if low_income && random.chance(0.7) {
        1
    } else if random.chance(0.08) {
        8
    } else {
        3 + random.range(0, 4) as usize
    };
    let old_payer = if low_income { 2 } else { 0 };
    let mut coverage = vec![(
        window_start,
        if window_start >= sixty_five {
            old_payer
        } else {
            young_payer
        },
    )];
    if window_start < sixty_five && sixty_five <= end {
        coverage.push((sixty_five, old_payer));
    }
    let id = random.uuid();
    let person = Person {
        id: id.clone(),
        birth,
        death,
        gender,
        coverage,
        practice,
        hospital,
        provider,
        as_of,
    };

    let encounters = timeline(&person, random, window_start, end, as_of);
    let (mut paid_by_patient, mut paid_by_payers) = (0i64, 0i64);
    for encounter in &encounters {
        let (covered, total) = write_encounter(&person, encounter, world, random, out);
        paid_by_payers += covered;
        paid_by_patient += total - covered;
    }

    // Insurance periods.
    for (i, (from, payer)) in person.coverage.iter().enumerate() {
        let to = person.coverage.get(i + 1).map_or(end, |next| next.0 - 1);
        let insured = *payer != 8;
        let member = insured.then(|| random.uuid());
        let owner = if person.age_at(*from) < 18 {
            "Guardian"
        } else {
            "Self"
        };
        let (first, last) = person_name(random, "F");
        let owner_name = if owner == "Self" {
            None
        } else {
            Some(format!("{first} {last}"))
        };
        out.row(File::PayerTransitions)
            .text(&id)
            .opt(member.as_deref())
            .time(i64::from(*from) * MICROS_PER_DAY)
            .time(i64::from(to) * MICROS_PER_DAY)
            .text(&world.payer_ids[*payer])
            .text("")
            .opt(insured.then_some(owner))
            .opt(owner_name.as_deref())
            .end();
        let stats = &mut world.payer_stats[*payer];
        stats.customers += 1;
        stats.member_months += i64::from((to - from).max(0)) / 30;
    }

    // The patient row.
    let (first, last) = person_name(random, gender);
    let middle = random.chance(0.3).then(|| person_name(random, gender).0);
    let adult = age >= 18;
    let marital =
        adult.then(|| *random.weighted(&[("M", 50.0), ("S", 35.0), ("D", 10.0), ("W", 5.0)]));
    let prefix = adult.then_some(if gender == "M" {
        "Mr."
    } else if marital == Some("M") {
        "Mrs."
    } else {
        "Ms."
    });
    let p = PLACES[place];
    let birthplace_place = PLACES[random.weighted_index(&PLACES.map(|p| p.6))];
    let lat = p.4 + (random.unit() - 0.5) * 0.08;
    let lon = p.5 + (random.unit() - 0.5) * 0.08;
    out.row(File::Patients)
        .text(&id)
        .date(birth)
        .opt(death.map(dates::format_date).as_deref())
        .text(&format!(
            "999-{:02}-{:04}",
            random.range(10, 99),
            random.range(1000, 9999)
        ))
        .opt(
            adult
                .then(|| format!("S999{:05}", random.range(10_000, 99_999)))
                .as_deref(),
        )
        .opt(
            (adult && random.chance(0.7))
                .then(|| format!("X{:08}X", random.range(10_000_000, 99_999_999)))
                .as_deref(),
        )
        .opt(prefix)
        .text(&first)
        .opt(middle.as_deref())
        .text(&last)
        .text("")
        .text("")
        .opt(marital)
        .text(race)
        .text(ethnicity)
        .text(gender)
        .text(&format!("{}  Massachusetts  US", birthplace_place.0))
        .text(&street_address(random))
        .text(p.0)
        .text("Massachusetts")
        .text(p.1)
        .text(p.2)
        .text(p.3)
        .text(&format!("{lat:.6}"))
        .text(&format!("{lon:.6}"))
        .money(paid_by_patient)
        .money(paid_by_payers)
        .int(income)
        .end();
}

/// Builds the encounters of one patient over `[start, end]`, in time order.
fn timeline(
    person: &Person,
    random: &mut Random,
    start: i32,
    end: i32,
    as_of: i32,
) -> Vec<Encounter> {
    let mut encounters: Vec<Encounter> = Vec::new();
    let mut chronic: Vec<usize> = Vec::new();
    let mut next_wellness = start + random.range(0, 120) as i32;
    let mut next_follow_up: Option<i32> = None;
    let mut readmission: Option<(i32, Concept)> = None;
    let mut day = start;
    let make = |random: &mut Random,
                day: i32,
                hour_from: u64,
                class: &'static str,
                kind: (Concept, i64),
                minutes: i64,
                organization: usize,
                provider: usize| {
        let start = i64::from(day) * MICROS_PER_DAY
            + (random.range(hour_from, 17) * 3600 + random.range(0, 59) * 60) as i64 * 1_000_000;
        Encounter {
            id: random.uuid(),
            start,
            stop: start + minutes * 60_000_000,
            class,
            kind: kind.0,
            reason: None,
            organization,
            provider,
            payer: person.payer_on(day),
            items: vec![Item {
                concept: kind.0,
                cents: kind.1,
                kind: ItemKind::Encounter,
            }],
            conditions: Vec::new(),
            prescriptions: Vec::new(),
            vitals: false,
        }
    };
    let hospital_provider = person.hospital * 3;
    while day <= end {
        let age = person.age_at(day);
        // Check-up.
        if day >= next_wellness {
            let kind = if age < 18 {
                vocabulary::WELLNESS_CHILD
            } else {
                vocabulary::WELLNESS_ADULT
            };
            let mut encounter = make(
                random,
                day,
                8,
                "wellness",
                kind,
                30,
                person.practice,
                person.provider,
            );
            encounter.vitals = true;
            let months = |d: i32| i64::from(d - person.birth) / 30;
            let previous = encounters
                .iter()
                .rev()
                .find(|e| e.class == "wellness")
                .map(|e| dates::day_of_timestamp(e.start));
            for (at_months, vaccine) in vocabulary::CHILD_VACCINES {
                let due = i64::from(at_months);
                if months(day) >= due && previous.is_none_or(|p| months(p) < due) && age < 18 {
                    encounter.items.push(Item {
                        concept: vaccine,
                        cents: vocabulary::VACCINE_CENTS,
                        kind: ItemKind::Immunization,
                    });
                }
            }
            if months(day) >= 6 && random.chance(0.6) {
                encounter.items.push(Item {
                    concept: vocabulary::FLU,
                    cents: vocabulary::VACCINE_CENTS,
                    kind: ItemKind::Immunization,
                });
            }
            if age >= 18 {
                // At the first adult check-up of the window, conditions that began
                // earlier are recorded too (Synthea keeps still-active conditions).
                let first_adult_check = !encounters.iter().any(|e| {
                    e.class == "wellness" && person.age_at(dates::day_of_timestamp(e.start)) >= 18
                });
                for (c, disease) in CHRONIC.iter().enumerate() {
                    let yearly = disease.incidence[age_bracket(age)];
                    let chance = if first_adult_check {
                        prevalence(yearly, age - 18)
                    } else {
                        yearly
                    };
                    if !chronic.contains(&c) && random.chance(chance) {
                        chronic.push(c);
                        encounter.conditions.push((disease.condition, None));
                        if let Some((drug, cents)) = disease.medication {
                            encounter.prescriptions.push(Prescription {
                                concept: drug,
                                start: encounter.stop,
                                stop: person.death.map(|d| i64::from(d) * MICROS_PER_DAY),
                                per_dispense: cents,
                                dispenses: 0,
                                reason: Some(disease.condition),
                            });
                        }
                        next_follow_up.get_or_insert(day + 150 + random.range(0, 60) as i32);
                    }
                }
                let next_check = day + 365;
                let employment = random.weighted_index(&vocabulary::EMPLOYMENT.map(|e| e.1));
                encounter
                    .conditions
                    .push((vocabulary::EMPLOYMENT[employment].0, Some(next_check)));
                for (finding, chance) in vocabulary::FINDINGS {
                    let due = if finding.code == "314529007" {
                        !chronic.is_empty()
                    } else {
                        random.chance(chance)
                    };
                    if due {
                        encounter.conditions.push((finding, Some(next_check)));
                    }
                }
                if random.chance(0.5) {
                    encounter.items.push(screening(0));
                }
                if chronic.iter().any(|c| CHRONIC[*c].medication.is_some()) {
                    encounter.items.push(screening(1));
                }
                if random.chance(0.3) {
                    encounter.items.push(screening(2));
                }
            }
            encounters.push(encounter);
            let interval = match age {
                0 => 75,
                1..=2 => 180,
                _ => 365 + if random.chance(0.12) { 365 } else { 0 },
            };
            next_wellness = day + interval - 15 + random.range(0, 30) as i32;
        }
        // Chronic follow-up.
        if let Some(due) = next_follow_up
            && day >= due
            && !chronic.is_empty()
        {
            let reason = CHRONIC[*random.pick(&chronic)].condition;
            let mut encounter = make(
                random,
                day,
                8,
                "ambulatory",
                vocabulary::FOLLOW_UP,
                20,
                person.practice,
                person.provider,
            );
            encounter.reason = Some(reason);
            encounters.push(encounter);
            next_follow_up = Some(day + 270 + random.range(0, 180) as i32);
        }
        // Acute illness (checked weekly).
        let acute_rate = if age < 18 {
            1.0
        } else if age >= 65 {
            0.7
        } else {
            0.55
        };
        if random.chance(acute_rate / 52.0) {
            let weights = ACUTE.map(|a| a.weight[usize::from(age >= 18)]);
            let illness = ACUTE[random.weighted_index(&weights)];
            let kind = match illness.class {
                "urgentcare" => vocabulary::URGENT,
                "outpatient" => vocabulary::PROBLEM,
                _ => vocabulary::SYMPTOM,
            };
            let mut encounter = make(
                random,
                day,
                8,
                illness.class,
                kind,
                25,
                person.practice,
                person.provider,
            );
            let lasts = random.range(u64::from(illness.days.0), u64::from(illness.days.1)) as i32;
            encounter.reason = Some(illness.condition);
            encounter
                .conditions
                .push((illness.condition, Some(day + lasts)));
            if let Some(procedure) = illness.procedure {
                encounter.items.push(Item {
                    concept: procedure.0,
                    cents: procedure.1,
                    kind: ItemKind::Procedure,
                });
            }
            if let Some((drug, cents)) = illness.medication {
                encounter.prescriptions.push(Prescription {
                    concept: drug,
                    start: encounter.stop,
                    stop: Some(encounter.stop + i64::from(lasts.min(10)) * MICROS_PER_DAY),
                    per_dispense: cents,
                    dispenses: 1,
                    reason: Some(illness.condition),
                });
            }
            encounters.push(encounter);
        }
        // Emergencies and admissions (checked weekly).
        let severe = chronic.iter().filter(|c| CHRONIC[**c].severe).count() as f64;
        let emergency_rate = 0.03 + 0.03 * severe + if age >= 65 { 0.04 } else { 0.0 };
        let planned = readmission.filter(|(due, _)| day >= *due);
        if planned.is_some() || random.chance(emergency_rate / 52.0) {
            let (admit, reason, procedure, emergency) = match planned {
                Some((_, reason)) => {
                    readmission = None;
                    (true, reason, None, false)
                }
                None => {
                    let (condition, procedure, admission) =
                        EMERGENCY[random.range(0, EMERGENCY.len() as u64 - 1) as usize];
                    (admission && random.chance(0.55), condition, procedure, true)
                }
            };
            let mut admitted_at = i64::from(day) * MICROS_PER_DAY + 8 * 3_600_000_000;
            if emergency {
                let minutes = 90 + random.range(0, 180) as i64;
                let mut encounter = make(
                    random,
                    day,
                    0,
                    "emergency",
                    vocabulary::EMERGENCY_ROOM,
                    minutes,
                    person.hospital,
                    hospital_provider,
                );
                encounter.reason = Some(reason);
                encounter.conditions.push((reason, Some(day + 30)));
                if let Some(procedure) = procedure {
                    encounter.items.push(Item {
                        concept: procedure.0,
                        cents: procedure.1,
                        kind: ItemKind::Procedure,
                    });
                }
                admitted_at = encounter.stop;
                encounters.push(encounter);
            }
            let days = *random.weighted(&[
                (1i64, 20.0),
                (2, 25.0),
                (3, 20.0),
                (4, 12.0),
                (5, 9.0),
                (7, 8.0),
                (10, 4.0),
                (14, 2.0),
            ]);
            let discharge =
                admitted_at + days * MICROS_PER_DAY + random.range(0, 6) as i64 * 3_600_000_000;
            if admit && discharge < (i64::from(end) + 1) * MICROS_PER_DAY {
                let attending = hospital_provider + 1 + random.range(0, 1) as usize;
                let mut stay = make(
                    random,
                    day,
                    8,
                    "inpatient",
                    vocabulary::INPATIENT,
                    0,
                    person.hospital,
                    attending,
                );
                stay.start = admitted_at;
                stay.stop = discharge;
                stay.reason = Some(reason);
                stay.items.push(Item {
                    concept: vocabulary::INPATIENT_DAY.0,
                    cents: vocabulary::INPATIENT_DAY.1 * days,
                    kind: ItemKind::Procedure,
                });
                let specific = chronic.iter().find_map(|c| {
                    CHRONIC[*c]
                        .inpatient_procedure
                        .filter(|_| CHRONIC[*c].condition.code == reason.code)
                });
                if let Some(procedure) = specific {
                    stay.items.push(Item {
                        concept: procedure.0,
                        cents: procedure.1,
                        kind: ItemKind::Procedure,
                    });
                }
                let discharge_day = dates::day_of_timestamp(discharge);
                encounters.push(stay);
                // Some stays are followed by a readmission within 30 days.
                if random.chance(0.14) {
                    readmission = Some((discharge_day + 2 + random.range(0, 25) as i32, reason));
                }
                day = day.max(discharge_day);
            }
        }
        // A severe chronic condition can bring an elective admission.
        if severe > 0.0 && random.chance(0.012 * severe / 52.0) {
            readmission.get_or_insert((day + 7, CHRONIC[*random.pick(&chronic)].condition));
        }
        day += 7;
    }
    encounters.retain(|e| {
        e.start < (i64::from(end) + 1) * MICROS_PER_DAY
            && e.stop <= (i64::from(as_of) + 1) * MICROS_PER_DAY
    });
    encounters.sort_by_key(|e| e.start);
    // Long-term prescriptions: one dispense a month until stopped (or `as_of`).
    let as_of_end = (i64::from(as_of) + 1) * MICROS_PER_DAY;
    for encounter in &mut encounters {
        for prescription in &mut encounter.prescriptions {
            let until = prescription.stop.unwrap_or(as_of_end).min(as_of_end);
            if prescription.dispenses == 0 {
                prescription.dispenses =
                    ((until - prescription.start) / (30 * MICROS_PER_DAY)).max(1);
            }
            if prescription.stop.is_some_and(|s| s <= prescription.start) {
                prescription.stop = Some(prescription.start + MICROS_PER_DAY);
            }
        }
    }
    encounters
}

/// The share of people with a condition after `years` of yearly incidence `rate`
/// (1 − (1 − rate)^years, by repeated multiplication: no libm).
fn prevalence(rate: f64, years: i64) -> f64 {
    let mut healthy = 1.0;
    for _ in 0..years.clamp(0, 80) {
        healthy *= 1.0 - rate;
    }
    1.0 - healthy
}

fn screening(which: usize) -> Item {
    let (concept, cents) = vocabulary::SCREENING[which];
    Item {
        concept,
        cents,
        kind: ItemKind::Procedure,
    }
}

/// The part a payer covers, in cents.
fn covered(cents: i64, payer: usize) -> i64 {
    cents * PAYERS[payer].2 / 1000
}

fn department(class: &str, adult: bool) -> i64 {
    match class {
        "ambulatory" => 1,
        "outpatient" => 2,
        "inpatient" => 3,
        "emergency" => 4,
        "urgentcare" => 5,
        "wellness" if adult => 20,
        "wellness" => 10,
        _ => 99,
    }
}

/// Writes one encounter with everything recorded at it; returns (covered, total) in cents.
fn write_encounter(
    person: &Person,
    e: &Encounter,
    world: &mut World,
    random: &mut Random,
    out: &mut Out<'_>,
) -> (i64, i64) {
    let day = dates::day_of_timestamp(e.start);
    let total: i64 = e.items.iter().map(|i| i.cents).sum();
    let covered_total: i64 = e.items.iter().map(|i| covered(i.cents, e.payer)).sum();
    let organization = &mut world.organizations[e.organization];
    organization.revenue += total;
    organization.utilization += 1;
    let provider = &mut world.providers[e.provider];
    provider.encounters += 1;
    provider.procedures += e
        .items
        .iter()
        .filter(|i| i.kind == ItemKind::Procedure)
        .count() as i64;
    let stats = &mut world.payer_stats[e.payer];
    stats.covered += covered_total;
    stats.uncovered += total - covered_total;
    if covered_total > 0 {
        stats.covered_encounters += 1;
    } else {
        stats.uncovered_encounters += 1;
    }
    for item in &e.items {
        let is_covered = covered(item.cents, e.payer) > 0;
        match (item.kind, is_covered) {
            (ItemKind::Procedure, true) => stats.covered_procedures += 1,
            (ItemKind::Procedure, false) => stats.uncovered_procedures += 1,
            (ItemKind::Immunization, true) => stats.covered_immunizations += 1,
            (ItemKind::Immunization, false) => stats.uncovered_immunizations += 1,
            _ => {}
        }
    }
    let organization_id = world.organizations[e.organization].id.clone();
    let provider_id = world.providers[e.provider].id.clone();
    let payer_id = world.payer_ids[e.payer].clone();
    out.row(File::Encounters)
        .text(&e.id)
        .time(e.start)
        .time(e.stop)
        .text(&person.id)
        .text(&organization_id)
        .text(&provider_id)
        .text(&payer_id)
        .text(e.class)
        .text(e.kind.code)
        .text(e.kind.description)
        .money(e.items[0].cents)
        .money(total)
        .money(covered_total)
        .opt(e.reason.map(|r| r.code))
        .opt(e.reason.map(|r| r.description))
        .end();
    for (condition, stop) in &e.conditions {
        let stop = stop.filter(|s| *s <= person.as_of);
        out.row(File::Conditions)
            .date(day)
            .opt(stop.map(dates::format_date).as_deref())
            .text(&person.id)
            .text(&e.id)
            .text(SNOMED)
            .text(condition.code)
            .text(condition.description)
            .end();
    }
    let mut at = e.start + 5 * 60_000_000;
    for item in e.items.iter().filter(|i| i.kind == ItemKind::Procedure) {
        let minutes = if e.class == "inpatient" { 60 } else { 15 };
        out.row(File::Procedures)
            .time(at)
            .time(at + minutes * 60_000_000)
            .text(&person.id)
            .text(&e.id)
            .text(SNOMED)
            .text(item.concept.code)
            .text(item.concept.description)
            .money(item.cents)
            .opt(e.reason.map(|r| r.code))
            .opt(e.reason.map(|r| r.description))
            .end();
        at += minutes * 60_000_000;
    }
    for item in e.items.iter().filter(|i| i.kind == ItemKind::Immunization) {
        out.row(File::Immunizations)
            .time(e.start)
            .text(&person.id)
            .text(&e.id)
            .text(item.concept.code)
            .text(item.concept.description)
            .money(item.cents)
            .end();
    }
    if e.vitals {
        write_vitals(person, e, random, out);
    }
    // The encounter's claim, with its items.
    let diagnoses: Vec<&str> = e
        .reason
        .iter()
        .chain(e.conditions.iter().map(|c| &c.0))
        .map(|c| c.code)
        .take(8)
        .collect();
    let diagnoses = if diagnoses.is_empty() {
        vec![e.kind.code]
    } else {
        diagnoses
    };
    let adult = person.age_at(day) >= 18;
    write_claim(
        person,
        e,
        world,
        random,
        out,
        &e.items,
        &diagnoses,
        department(e.class, adult),
    );
    let mut covered_sum = covered_total;
    let mut total_sum = total;
    for prescription in &e.prescriptions {
        let cost = prescription.per_dispense * prescription.dispenses;
        let paid = covered(cost, e.payer);
        covered_sum += paid;
        total_sum += cost;
        let stats = &mut world.payer_stats[e.payer];
        stats.covered += paid;
        stats.uncovered += cost - paid;
        if paid > 0 {
            stats.covered_medications += 1;
        } else {
            stats.uncovered_medications += 1;
        }
        let stop = prescription
            .stop
            .filter(|s| *s < (i64::from(person.as_of) + 1) * MICROS_PER_DAY);
        out.row(File::Medications)
            .time(prescription.start)
            .opt(stop.map(dates::format_timestamp).as_deref())
            .text(&person.id)
            .text(&world.payer_ids[e.payer])
            .text(&e.id)
            .text(prescription.concept.code)
            .text(prescription.concept.description)
            .money(prescription.per_dispense)
            .money(paid)
            .int(prescription.dispenses)
            .money(cost)
            .opt(prescription.reason.map(|r| r.code))
            .opt(prescription.reason.map(|r| r.description))
            .end();
        let item = [Item {
            concept: prescription.concept,
            cents: cost,
            kind: ItemKind::Procedure,
        }];
        let diagnosis = [prescription.reason.map_or(e.kind.code, |r| r.code)];
        write_claim(
            person,
            e,
            world,
            random,
            out,
            &item,
            &diagnosis,
            department(e.class, adult),
        );
    }
    (covered_sum, total_sum)
}

#[expect(
    clippy::too_many_arguments,
    reason = "one claim needs the person, encounter, world and sinks together"
)]
fn write_claim(
    person: &Person,
    e: &Encounter,
    world: &mut World,
    random: &mut Random,
    out: &mut Out<'_>,
    items: &[Item],
    diagnoses: &[&str],
    department: i64,
) {
    let claim_id = random.uuid();
    let insured = e.payer != 8;
    let payer_id = world.payer_ids[e.payer].clone();
    let provider_id = world.providers[e.provider].id.clone();
    let place = world.organizations[e.organization].id.clone();
    let institutional = matches!(e.class, "inpatient" | "emergency");
    let mut row = out
        .row(File::Claims)
        .text(&claim_id)
        .text(&person.id)
        .text(&provider_id)
        .opt(insured.then_some(payer_id.as_str()))
        .text("")
        .int(department)
        .int(department);
    for i in 0..8 {
        row = row.opt(diagnoses.get(i).copied());
    }
    row.text("")
        .text(&e.id)
        .time(e.start)
        .time(e.start)
        .text(&provider_id)
        .text("CLOSED")
        .text("")
        .text("CLOSED")
        .text("0")
        .text("")
        .text("0")
        .time(e.stop)
        .text("")
        .time(e.stop)
        .int(if institutional { 2 } else { 1 })
        .int(0)
        .end();
    for item in items {
        world.charge_id += 1;
        let charge_id = world.charge_id;
        let paid = covered(item.cents, e.payer);
        let rest = item.cents - paid;
        let mut line = |kind: &str,
                        amount: Option<i64>,
                        method: Option<&str>,
                        transfer: Option<(i64, &str)>,
                        payments: i64,
                        transfers: Option<i64>,
                        outstanding: i64| {
            let id = random.uuid();
            out.row(File::ClaimsTransactions)
                .text(&id)
                .text(&claim_id)
                .int(charge_id)
                .text(&person.id)
                .text(kind)
                .opt(amount.map(money).as_deref())
                .opt(method)
                .time(e.start)
                .time(e.stop)
                .text(&place)
                .text(item.concept.code)
                .text("")
                .text("")
                .int(1)
                .text("")
                .text("")
                .text("")
                .int(1)
                .int(department)
                .text(item.concept.description)
                .money(item.cents)
                .opt(transfer.map(|t| t.0.to_string()).as_deref())
                .opt(transfer.map(|t| t.1))
                .money(payments)
                .money(0)
                .opt(transfers.map(money).as_deref())
                .money(outstanding)
                .text(&e.id)
                .text("")
                .text(&person.id)
                .int(1)
                .text(&provider_id)
                .text(&provider_id)
                .end();
        };
        line("CHARGE", Some(item.cents), None, None, 0, None, item.cents);
        if paid > 0 {
            line("PAYMENT", None, Some("ECHECK"), None, paid, None, rest);
        }
        if rest > 0 {
            line("TRANSFEROUT", None, None, None, 0, Some(rest), rest);
            line(
                "TRANSFERIN",
                Some(rest),
                None,
                Some((charge_id, "p")),
                0,
                Some(rest),
                rest,
            );
            line(
                "PAYMENT",
                None,
                Some(if insured { "COPAY" } else { "CASH" }),
                None,
                rest,
                None,
                0,
            );
        }
    }
}

fn write_vitals(person: &Person, e: &Encounter, random: &mut Random, out: &mut Out<'_>) {
    let age_years = (e.start / MICROS_PER_DAY - i64::from(person.birth)) as f64 / 365.25;
    let height = if age_years < 18.0 {
        50.0 + age_years * (if age_years < 2.0 { 25.0 } else { 6.2 }) + random.unit() * 4.0
    } else if person.gender == "F" {
        156.0 + random.unit() * 16.0
    } else {
        168.0 + random.unit() * 18.0
    };
    let bmi = if age_years < 18.0 {
        15.0 + random.unit() * 5.0
    } else {
        19.0 + random.unit() * 15.0
    };
    let weight = bmi * (height / 100.0) * (height / 100.0);
    let systolic = 100.0 + random.unit() * 45.0 + (age_years / 4.0).min(15.0);
    let diastolic = 60.0 + random.unit() * 28.0;
    let heart = 58.0 + random.unit() * 40.0;
    let values = [height, weight, bmi, systolic, diastolic, heart];
    for ((code, description, units), value) in vocabulary::VITALS.iter().zip(values) {
        out.row(File::Observations)
            .time(e.start)
            .text(&person.id)
            .text(&e.id)
            .text("vital-signs")
            .text(code)
            .text(description)
            .text(&format!("{value:.1}"))
            .text(units)
            .text("numeric")
            .end();
    }
    if age_years >= 12.0 {
        let status = if random.chance(0.14) {
            "Current every day smoker (finding)"
        } else {
            "Never smoked tobacco (finding)"
        };
        out.row(File::Observations)
            .time(e.start)
            .text(&person.id)
            .text(&e.id)
            .text("social-history")
            .text("72166-2")
            .text("Tobacco smoking status")
            .text(status)
            .text("")
            .text("text")
            .end();
    }
}

fn write_reference(world: &World, out: &mut Out<'_>) {
    for organization in &world.organizations {
        let p = PLACES[organization.place];
        out.row(File::Organizations)
            .text(&organization.id)
            .text(&organization.name)
            .text(&organization.address)
            .text(p.0)
            .text("MA")
            .text(p.3)
            .text(&format!("{:.6}", p.4))
            .text(&format!("{:.6}", p.5))
            .text(&format!("{}5550{:03}", &p.3[..3], organization.place))
            .money(organization.revenue)
            .int(organization.utilization)
            .end();
    }
    for provider in &world.providers {
        let organization = &world.organizations[provider.organization];
        let p = PLACES[organization.place];
        out.row(File::Providers)
            .text(&provider.id)
            .text(&organization.id)
            .text(&provider.name)
            .text(provider.gender)
            .text(provider.speciality)
            .text(&provider.address)
            .text(p.0)
            .text("MA")
            .text(p.3)
            .text(&format!("{:.6}", p.4))
            .text(&format!("{:.6}", p.5))
            .int(provider.encounters)
            .int(provider.procedures)
            .end();
    }
    for ((name, ownership, _), (id, stats)) in PAYERS
        .iter()
        .zip(world.payer_ids.iter().zip(&world.payer_stats))
    {
        out.row(File::Payers)
            .text(id)
            .text(name)
            .text(ownership)
            .text("")
            .text("")
            .text("")
            .text("")
            .text("")
            .money(stats.covered)
            .money(stats.uncovered)
            .money(stats.member_months * 25_000)
            .int(stats.covered_encounters)
            .int(stats.uncovered_encounters)
            .int(stats.covered_medications)
            .int(stats.uncovered_medications)
            .int(stats.covered_procedures)
            .int(stats.uncovered_procedures)
            .int(stats.covered_immunizations)
            .int(stats.uncovered_immunizations)
            .int(stats.customers)
            .text(if stats.customers == 0 { "NaN" } else { "0.85" })
            .int(stats.member_months)
            .end();
    }
}

#[cfg(test)]
mod tests;
