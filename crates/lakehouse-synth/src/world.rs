//! The reference world: organizations and their clinicians in each place,
//! the payers, and the running totals their reference rows report.

use crate::Config;
use crate::random::Random;
use crate::vocabulary;
use crate::vocabulary::{PAYERS, PLACES};

pub(crate) struct Organization {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) address: String,
    pub(crate) place: usize,
    pub(crate) hospital: bool,
    pub(crate) revenue: i64,
    pub(crate) utilization: i64,
}

pub(crate) struct Provider {
    pub(crate) id: String,
    pub(crate) organization: usize,
    pub(crate) name: String,
    pub(crate) gender: &'static str,
    pub(crate) speciality: &'static str,
    pub(crate) address: String,
    pub(crate) encounters: i64,
    pub(crate) procedures: i64,
}

#[derive(Default)]
pub(crate) struct PayerStats {
    pub(crate) covered: i64,
    pub(crate) uncovered: i64,
    pub(crate) covered_encounters: i64,
    pub(crate) uncovered_encounters: i64,
    pub(crate) covered_medications: i64,
    pub(crate) uncovered_medications: i64,
    pub(crate) covered_procedures: i64,
    pub(crate) uncovered_procedures: i64,
    pub(crate) covered_immunizations: i64,
    pub(crate) uncovered_immunizations: i64,
    pub(crate) customers: i64,
    pub(crate) member_months: i64,
}

/// The reference world: organizations, providers, payers, and their running totals.
pub(crate) struct World {
    pub(crate) organizations: Vec<Organization>,
    pub(crate) providers: Vec<Provider>,
    pub(crate) payer_ids: Vec<String>,
    pub(crate) payer_stats: Vec<PayerStats>,
    pub(crate) charge_id: i64,
}

pub(crate) fn person_name(random: &mut Random, gender: &str) -> (String, String) {
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

pub(crate) fn street_address(random: &mut Random) -> String {
    format!(
        "{} {} {}",
        random.range(1, 999),
        random.pick(&vocabulary::STREETS),
        random.pick(&vocabulary::STREET_SUFFIXES)
    )
}

impl World {
    pub(crate) fn new(config: &Config) -> Self {
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
    pub(crate) fn facilities(&self, place: usize) -> (usize, usize) {
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
