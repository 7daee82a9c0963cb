//! One patient's life: demographics, coverage, and the timeline of
//! encounters, conditions, procedures, prescriptions and vaccines that the
//! writer turns into rows.

use lakehouse_pipeline::dates::{self, MICROS_PER_DAY};

use crate::Out;
use crate::World;
use crate::random::Random;
use crate::vocabulary;
use crate::vocabulary::{ACUTE, CHRONIC, Concept, EMERGENCY, PAYERS, PLACES};
use crate::world::person_name;
use crate::world::street_address;
use crate::write::write_encounter;
use crate::{Config, File, YEARS_OF_HISTORY};

/// One billed item of an encounter.
#[derive(Clone)]
pub(crate) struct Item {
    pub(crate) concept: Concept,
    pub(crate) cents: i64,
    pub(crate) kind: ItemKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ItemKind {
    Encounter,
    Procedure,
    Immunization,
}

pub(crate) struct Prescription {
    pub(crate) concept: Concept,
    pub(crate) start: i64,
    pub(crate) stop: Option<i64>,
    pub(crate) per_dispense: i64,
    pub(crate) dispenses: i64,
    pub(crate) reason: Option<Concept>,
}

pub(crate) struct Encounter {
    pub(crate) id: String,
    pub(crate) start: i64,
    pub(crate) stop: i64,
    pub(crate) class: &'static str,
    pub(crate) kind: Concept,
    pub(crate) reason: Option<Concept>,
    pub(crate) organization: usize,
    pub(crate) provider: usize,
    pub(crate) payer: usize,
    pub(crate) items: Vec<Item>,
    /// Conditions first recorded here: (concept, stop day).
    pub(crate) conditions: Vec<(Concept, Option<i32>)>,
    pub(crate) prescriptions: Vec<Prescription>,
    pub(crate) vitals: bool,
}

/// Everything about one patient the timeline needs.
pub(crate) struct Person {
    pub(crate) id: String,
    pub(crate) birth: i32,
    pub(crate) death: Option<i32>,
    pub(crate) gender: &'static str,
    /// Insurance periods: (from day, payer index).
    pub(crate) coverage: Vec<(i32, usize)>,
    pub(crate) practice: usize,
    pub(crate) hospital: usize,
    pub(crate) provider: usize,
    /// The end of the simulation: later stops are written empty (still active).
    pub(crate) as_of: i32,
}

impl Person {
    pub(crate) fn age_at(&self, day: i32) -> i64 {
        dates::age_in_years(self.birth, day)
    }

    pub(crate) fn payer_on(&self, day: i32) -> usize {
        self.coverage
            .iter()
            .rev()
            .find(|(from, _)| *from <= day)
            .or(self.coverage.first())
            .map_or(8, |c| c.1)
    }
}

pub(crate) fn age_bracket(age: i64) -> usize {
    match age {
        ..=44 => 0,
        45..=64 => 1,
        _ => 2,
    }
}

/// Generates one patient (demographics, coverage periods, the timeline)
/// and writes every row of theirs.
///
/// Long on purpose, like [`timeline`]: the generator draws from one random
/// stream in a fixed order, and the demo data's pinned digest holds that
/// order. Cut into pieces, the draws would be spread over functions without
/// their order getting any easier to see.
pub(crate) fn patient(config: &Config, world: &mut World, random: &mut Random, out: &mut Out<'_>) {
    let as_of = config.as_of.days();
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

/// Builds the encounters of one patient over `[start, end]`, in time order:
/// check-ups, chronic follow-ups, acute illnesses, emergencies and
/// admissions. Long for the reason given on [`patient`]: one random stream
/// in a fixed order.
pub(crate) fn timeline(
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
pub(crate) fn prevalence(rate: f64, years: i64) -> f64 {
    let mut healthy = 1.0;
    for _ in 0..years.clamp(0, 80) {
        healthy *= 1.0 - rate;
    }
    1.0 - healthy
}

pub(crate) fn screening(which: usize) -> Item {
    let (concept, cents) = vocabulary::SCREENING[which];
    Item {
        concept,
        cents,
        kind: ItemKind::Procedure,
    }
}

/// The part a payer covers, in cents.
pub(crate) fn covered(cents: i64, payer: usize) -> i64 {
    cents * PAYERS[payer].2 / 1000
}

pub(crate) fn department(class: &str, adult: bool) -> i64 {
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
