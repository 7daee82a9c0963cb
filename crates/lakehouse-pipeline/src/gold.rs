//! Gold: payer-facing metrics computed from the silver star schema, plus the
//! data-quality results. Every table is sorted, and sums run over silver rows
//! in their (canonical) order, so the same input gives the same bytes.

pub mod quality;

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap as HashMap;

use crate::bronze::Bronze;
use crate::dates;
use crate::error::Result;
use crate::silver::Silver;
use crate::table::{Columns, Table, TableBuilder};

/// The gold layer.
#[derive(Clone, Debug)]
pub struct Gold {
    /// The metric tables, in a fixed order, `dq_results` last.
    pub tables: Vec<Table>,
}

impl Gold {
    /// A table by name.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }
}

/// Names of the gold tables, in output order.
pub const TABLE_NAMES: [&str; 12] = [
    "gold_kpis",
    "gold_encounters_monthly",
    "gold_encounters_by_provider",
    "gold_encounters_by_organization",
    "gold_top_conditions",
    "gold_condition_onsets_yearly",
    "gold_top_procedures",
    "gold_demographics",
    "gold_payer_costs",
    "gold_readmissions_monthly",
    "gold_medications_by_payer",
    "dq_results",
];

/// Column values of a silver table (see [`Columns`]).
fn columns<'a>(silver: &'a Silver, name: &str) -> Columns<'a> {
    Columns::new(silver.table(name))
}

/// `YYYY-MM` of a UTC timestamp.
fn year_month(micros: i64) -> String {
    let (y, m, _) = dates::civil_from_days(dates::day_of_timestamp(micros));
    format!("{y:04}-{m:02}")
}

fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator != 0.0).then(|| numerator / denominator)
}

/// Running totals of a group of encounters.
#[derive(Default)]
struct EncounterTotals {
    encounters: i64,
    patients: BTreeSet<i64>,
    providers: BTreeSet<i64>,
    total_claim_cost: f64,
    payer_coverage: f64,
}

impl EncounterTotals {
    fn add(
        &mut self,
        patient: Option<i64>,
        provider: Option<i64>,
        total: Option<f64>,
        coverage: Option<f64>,
    ) {
        self.encounters += 1;
        if let Some(p) = patient {
            self.patients.insert(p);
        }
        if let Some(p) = provider {
            self.providers.insert(p);
        }
        self.total_claim_cost += total.unwrap_or(0.0);
        self.payer_coverage += coverage.unwrap_or(0.0);
    }

    fn out_of_pocket(&self) -> f64 {
        self.total_claim_cost - self.payer_coverage
    }

    fn avg_cost(&self) -> Option<f64> {
        ratio(self.total_claim_cost, self.encounters as f64)
    }

    fn coverage_pct(&self) -> Option<f64> {
        ratio(self.payer_coverage * 100.0, self.total_claim_cost)
    }
}

/// Lookup of a dimension's text columns by surrogate key.
struct Dimension<'a> {
    columns: Columns<'a>,
    index: HashMap<i64, usize>,
}

impl<'a> Dimension<'a> {
    fn new(silver: &'a Silver, table: &str, key: &str) -> Self {
        let columns = columns(silver, table);
        let index = columns
            .ints(key)
            .into_iter()
            .enumerate()
            .filter_map(|(i, k)| k.map(|k| (k, i)))
            .collect();
        Self { columns, index }
    }

    fn text(&self, key: Option<i64>, column: &str) -> Vec<Option<&'a str>> {
        let values = self.columns.texts(column);
        let row = key.and_then(|k| self.index.get(&k).copied());
        vec![row.and_then(|r| values[r])]
    }
}

/// Computes every gold table; `bronze` feeds the data-quality rules.
pub fn compute(bronze: &Bronze, silver: &Silver) -> Result<Gold> {
    let encounters = columns(silver, "fact_encounters");
    let patient = encounters.ints("patient_key");
    let provider = encounters.ints("provider_key");
    let organization = encounters.ints("organization_key");
    let payer = encounters.ints("payer_key");
    let class = encounters.texts("encounter_class");
    let start = encounters.timestamps("start_ts");
    let stop = encounters.timestamps("stop_ts");
    let total = encounters.floats("total_claim_cost");
    let coverage = encounters.floats("payer_coverage");
    let los = encounters.floats("length_of_stay_days");
    let index = encounters.bools("is_readmission_index");
    let readmitted = encounters.bools("readmitted_within_30d");
    let rows = encounters.len();

    let mut tables = vec![kpis(silver, &encounters)?];

    // Monthly encounters by class.
    let mut monthly: BTreeMap<(String, &str), EncounterTotals> = BTreeMap::new();
    for i in 0..rows {
        let Some(s) = start[i] else { continue };
        monthly
            .entry((year_month(s), class[i].unwrap_or("")))
            .or_default()
            .add(patient[i], provider[i], total[i], coverage[i]);
    }
    tables.push(
        TableBuilder::new()
            .text("year_month", monthly.keys().map(|k| Some(k.0.as_str())))
            .text("encounter_class", monthly.keys().map(|k| Some(k.1)))
            .int("encounters", monthly.values().map(|t| t.encounters))
            .int(
                "patients",
                monthly.values().map(|t| t.patients.len() as i64),
            )
            .float(
                "total_claim_cost",
                monthly.values().map(|t| Some(t.total_claim_cost)),
            )
            .float(
                "payer_coverage",
                monthly.values().map(|t| Some(t.payer_coverage)),
            )
            .float(
                "patient_out_of_pocket",
                monthly.values().map(|t| Some(t.out_of_pocket())),
            )
            .float(
                "avg_claim_cost",
                monthly.values().map(EncounterTotals::avg_cost),
            )
            .finish("gold_encounters_monthly")?,
    );

    // By provider and by organization: most encounters first.
    let ranked = |keys: &[Option<i64>]| {
        let mut groups: BTreeMap<Option<i64>, EncounterTotals> = BTreeMap::new();
        for i in 0..rows {
            groups
                .entry(keys[i])
                .or_default()
                .add(patient[i], provider[i], total[i], coverage[i]);
        }
        let mut ranked: Vec<(Option<i64>, EncounterTotals)> = groups.into_iter().collect();
        ranked.sort_by(|a, b| b.1.encounters.cmp(&a.1.encounters).then(a.0.cmp(&b.0)));
        ranked
    };
    let providers = Dimension::new(silver, "dim_provider", "provider_key");
    let organizations = Dimension::new(silver, "dim_organization", "organization_key");
    let by_provider = ranked(&provider);
    let provider_text = |column: &str| {
        by_provider
            .iter()
            .flat_map(|(k, _)| providers.text(*k, column))
            .collect::<Vec<_>>()
    };
    let provider_org_keys: Vec<Option<i64>> = {
        let org_keys = providers.columns.ints("organization_key");
        by_provider
            .iter()
            .map(|(k, _)| {
                k.and_then(|k| providers.index.get(&k))
                    .and_then(|r| org_keys[*r])
            })
            .collect()
    };
    tables.push(
        TableBuilder::new()
            .int("rank", 1..=by_provider.len() as i64)
            .int_opt("provider_key", by_provider.iter().map(|(k, _)| *k))
            .text("provider_id", provider_text("provider_id"))
            .text("provider_name", provider_text("name"))
            .text("speciality", provider_text("speciality"))
            .text(
                "organization_name",
                provider_org_keys
                    .iter()
                    .flat_map(|k| organizations.text(*k, "name"))
                    .collect::<Vec<_>>(),
            )
            .int("encounters", by_provider.iter().map(|(_, t)| t.encounters))
            .int(
                "patients",
                by_provider.iter().map(|(_, t)| t.patients.len() as i64),
            )
            .float(
                "total_claim_cost",
                by_provider.iter().map(|(_, t)| Some(t.total_claim_cost)),
            )
            .float(
                "payer_coverage",
                by_provider.iter().map(|(_, t)| Some(t.payer_coverage)),
            )
            .float(
                "avg_claim_cost",
                by_provider.iter().map(|(_, t)| t.avg_cost()),
            )
            .finish("gold_encounters_by_provider")?,
    );
    let by_organization = ranked(&organization);
    let organization_text = |column: &str| {
        by_organization
            .iter()
            .flat_map(|(k, _)| organizations.text(*k, column))
            .collect::<Vec<_>>()
    };
    tables.push(
        TableBuilder::new()
            .int("rank", 1..=by_organization.len() as i64)
            .int_opt("organization_key", by_organization.iter().map(|(k, _)| *k))
            .text("organization_id", organization_text("organization_id"))
            .text("organization_name", organization_text("name"))
            .text("city", organization_text("city"))
            .text("state", organization_text("state"))
            .int(
                "encounters",
                by_organization.iter().map(|(_, t)| t.encounters),
            )
            .int(
                "patients",
                by_organization.iter().map(|(_, t)| t.patients.len() as i64),
            )
            .int(
                "providers",
                by_organization
                    .iter()
                    .map(|(_, t)| t.providers.len() as i64),
            )
            .float(
                "total_claim_cost",
                by_organization
                    .iter()
                    .map(|(_, t)| Some(t.total_claim_cost)),
            )
            .float(
                "payer_coverage",
                by_organization.iter().map(|(_, t)| Some(t.payer_coverage)),
            )
            .float(
                "avg_claim_cost",
                by_organization.iter().map(|(_, t)| t.avg_cost()),
            )
            .finish("gold_encounters_by_organization")?,
    );

    tables.extend(conditions(silver)?);
    tables.push(procedures(silver)?);
    tables.push(demographics(silver)?);

    // Payer costs.
    let payers = Dimension::new(silver, "dim_payer", "payer_key");
    let mut by_payer: Vec<(Option<i64>, EncounterTotals)> = {
        let mut groups: BTreeMap<Option<i64>, EncounterTotals> = BTreeMap::new();
        for i in 0..rows {
            groups
                .entry(payer[i])
                .or_default()
                .add(patient[i], provider[i], total[i], coverage[i]);
        }
        groups.into_iter().collect()
    };
    by_payer.sort_by(|a, b| {
        b.1.total_claim_cost
            .total_cmp(&a.1.total_claim_cost)
            .then(a.0.cmp(&b.0))
    });
    let payer_text = |column: &str| {
        by_payer
            .iter()
            .flat_map(|(k, _)| payers.text(*k, column))
            .collect::<Vec<_>>()
    };
    tables.push(
        TableBuilder::new()
            .int_opt("payer_key", by_payer.iter().map(|(k, _)| *k))
            .text("payer_id", payer_text("payer_id"))
            .text("payer_name", payer_text("payer_name"))
            .text("ownership", payer_text("ownership"))
            .int("encounters", by_payer.iter().map(|(_, t)| t.encounters))
            .int(
                "patients",
                by_payer.iter().map(|(_, t)| t.patients.len() as i64),
            )
            .float(
                "total_claim_cost",
                by_payer.iter().map(|(_, t)| Some(t.total_claim_cost)),
            )
            .float(
                "payer_coverage",
                by_payer.iter().map(|(_, t)| Some(t.payer_coverage)),
            )
            .float(
                "patient_out_of_pocket",
                by_payer.iter().map(|(_, t)| Some(t.out_of_pocket())),
            )
            .float(
                "coverage_pct",
                by_payer.iter().map(|(_, t)| t.coverage_pct()),
            )
            .float("avg_claim_cost", by_payer.iter().map(|(_, t)| t.avg_cost()))
            .finish("gold_payer_costs")?,
    );

    // Readmissions by discharge month.
    let mut readmissions: BTreeMap<String, (i64, i64, f64)> = BTreeMap::new();
    for i in 0..rows {
        if index[i] != Some(true) {
            continue;
        }
        let Some(discharge) = stop[i] else { continue };
        let entry = readmissions.entry(year_month(discharge)).or_default();
        entry.0 += 1;
        entry.1 += i64::from(readmitted[i] == Some(true));
        entry.2 += los[i].unwrap_or(0.0);
    }
    tables.push(
        TableBuilder::new()
            .text("year_month", readmissions.keys().map(|k| Some(k.as_str())))
            .int("discharges", readmissions.values().map(|v| v.0))
            .int("readmissions_30d", readmissions.values().map(|v| v.1))
            .float(
                "readmission_rate_30d",
                readmissions.values().map(|v| ratio(v.1 as f64, v.0 as f64)),
            )
            .float(
                "avg_length_of_stay_days",
                readmissions.values().map(|v| ratio(v.2, v.0 as f64)),
            )
            .finish("gold_readmissions_monthly")?,
    );

    tables.push(medications_by_payer(silver, &payers)?);
    tables.push(quality::check(bronze, silver)?);
    Ok(Gold { tables })
}

fn kpis(silver: &Silver, encounters: &Columns<'_>) -> Result<Table> {
    let patients = columns(silver, "dim_patient");
    let deceased = patients
        .bools("is_deceased")
        .iter()
        .filter(|d| **d == Some(true))
        .count() as i64;
    let patient = encounters.ints("patient_key");
    let class = encounters.texts("encounter_class");
    let start = encounters.timestamps("start_ts");
    let total: f64 = encounters.floats("total_claim_cost").iter().flatten().sum();
    let coverage: f64 = encounters.floats("payer_coverage").iter().flatten().sum();
    let los = encounters.floats("length_of_stay_days");
    let discharges = encounters
        .bools("is_readmission_index")
        .iter()
        .filter(|v| **v == Some(true))
        .count() as i64;
    let readmissions = encounters
        .bools("readmitted_within_30d")
        .iter()
        .filter(|v| **v == Some(true))
        .count() as i64;
    let inpatient_los: Vec<f64> = (0..encounters.len())
        .filter(|&i| class[i] == Some("inpatient"))
        .filter_map(|i| los[i])
        .collect();
    let rows = encounters.len() as i64;
    let count = |name: &str| columns(silver, name).len() as i64;
    let first = start
        .iter()
        .flatten()
        .min()
        .map(|t| dates::day_of_timestamp(*t));
    let last = start
        .iter()
        .flatten()
        .max()
        .map(|t| dates::day_of_timestamp(*t));
    TableBuilder::new()
        .date("as_of_date", [Some(silver.as_of)])
        .int("patients", [patients.len() as i64])
        .int("deceased_patients", [deceased])
        .int("encounters", [rows])
        .int(
            "patients_with_encounters",
            [patient.iter().flatten().collect::<BTreeSet<_>>().len() as i64],
        )
        .int("inpatient_discharges", [discharges])
        .int("readmissions_30d", [readmissions])
        .float(
            "readmission_rate_30d",
            [ratio(readmissions as f64, discharges as f64)],
        )
        .float(
            "avg_inpatient_los_days",
            [ratio(
                inpatient_los.iter().sum(),
                inpatient_los.len() as f64,
            )],
        )
        .float("total_claim_cost", [Some(total)])
        .float("total_payer_coverage", [Some(coverage)])
        .float("total_patient_out_of_pocket", [Some(total - coverage)])
        .float("payer_coverage_pct", [ratio(coverage * 100.0, total)])
        .float("avg_cost_per_encounter", [ratio(total, rows as f64)])
        .int("conditions", [count("fact_conditions")])
        .int("procedures", [count("fact_procedures")])
        .int("medications", [count("fact_medications")])
        .int("claims", [count("fact_claims")])
        .date("first_encounter_date", [first])
        .date("last_encounter_date", [last])
        .finish("gold_kpis")
}

fn conditions(silver: &Silver) -> Result<Vec<Table>> {
    let facts = columns(silver, "fact_conditions");
    let patient = facts.ints("patient_key");
    let diagnosis = facts.ints("diagnosis_key");
    let start = facts.ints("start_date_key");
    let active = facts.bools("is_active");
    let population = columns(silver, "dim_patient").len() as f64;
    #[derive(Default)]
    struct Totals {
        onsets: i64,
        patients: BTreeSet<i64>,
        active: BTreeSet<i64>,
    }
    let mut by_code: BTreeMap<Option<i64>, Totals> = BTreeMap::new();
    let mut by_year: BTreeMap<(Option<i64>, i64), (i64, BTreeSet<i64>)> = BTreeMap::new();
    for i in 0..facts.len() {
        let totals = by_code.entry(diagnosis[i]).or_default();
        totals.onsets += 1;
        if let Some(p) = patient[i] {
            totals.patients.insert(p);
            if active[i] == Some(true) {
                totals.active.insert(p);
            }
        }
        if let Some(key) = start[i] {
            let year = by_year.entry((diagnosis[i], key / 10_000)).or_default();
            year.0 += 1;
            year.1.extend(patient[i]);
        }
    }
    let mut ranked: Vec<(Option<i64>, Totals)> = by_code.into_iter().collect();
    ranked.sort_by(|a, b| {
        b.1.patients
            .len()
            .cmp(&a.1.patients.len())
            .then(a.0.cmp(&b.0))
    });
    let dim = Dimension::new(silver, "dim_diagnosis", "diagnosis_key");
    let text = |column: &str| {
        ranked
            .iter()
            .flat_map(|(k, _)| dim.text(*k, column))
            .collect::<Vec<_>>()
    };
    let top = TableBuilder::new()
        .int("rank", 1..=ranked.len() as i64)
        .int_opt("diagnosis_key", ranked.iter().map(|(k, _)| *k))
        .text("system", text("system"))
        .text("code", text("code"))
        .text("description", text("description"))
        .int(
            "patients",
            ranked.iter().map(|(_, t)| t.patients.len() as i64),
        )
        .int("onsets", ranked.iter().map(|(_, t)| t.onsets))
        .int(
            "active_patients",
            ranked.iter().map(|(_, t)| t.active.len() as i64),
        )
        .float(
            "prevalence_pct",
            ranked
                .iter()
                .map(|(_, t)| ratio(t.patients.len() as f64 * 100.0, population)),
        )
        .finish("gold_top_conditions")?;
    let year_text = |column: &str| {
        by_year
            .keys()
            .flat_map(|(k, _)| dim.text(*k, column))
            .collect::<Vec<_>>()
    };
    let yearly = TableBuilder::new()
        .int_opt("diagnosis_key", by_year.keys().map(|k| k.0))
        .text("code", year_text("code"))
        .text("description", year_text("description"))
        .int("year", by_year.keys().map(|k| k.1))
        .int("new_onsets", by_year.values().map(|v| v.0))
        .int("patients", by_year.values().map(|v| v.1.len() as i64))
        .finish("gold_condition_onsets_yearly")?;
    Ok(vec![top, yearly])
}

fn procedures(silver: &Silver) -> Result<Table> {
    let facts = columns(silver, "fact_procedures");
    let patient = facts.ints("patient_key");
    let procedure = facts.ints("procedure_key");
    let cost = facts.floats("base_cost");
    let mut by_code: BTreeMap<Option<i64>, (i64, BTreeSet<i64>, f64)> = BTreeMap::new();
    for i in 0..facts.len() {
        let totals = by_code.entry(procedure[i]).or_default();
        totals.0 += 1;
        totals.1.extend(patient[i]);
        totals.2 += cost[i].unwrap_or(0.0);
    }
    let mut ranked: Vec<_> = by_code.into_iter().collect();
    ranked.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(&b.0)));
    let dim = Dimension::new(silver, "dim_procedure", "procedure_key");
    let text = |column: &str| {
        ranked
            .iter()
            .flat_map(|(k, _)| dim.text(*k, column))
            .collect::<Vec<_>>()
    };
    TableBuilder::new()
        .int("rank", 1..=ranked.len() as i64)
        .int_opt("procedure_key", ranked.iter().map(|(k, _)| *k))
        .text("system", text("system"))
        .text("code", text("code"))
        .text("description", text("description"))
        .int("procedures", ranked.iter().map(|(_, t)| t.0))
        .int("patients", ranked.iter().map(|(_, t)| t.1.len() as i64))
        .float("total_cost", ranked.iter().map(|(_, t)| Some(t.2)))
        .float(
            "avg_cost",
            ranked.iter().map(|(_, t)| ratio(t.2, t.0 as f64)),
        )
        .finish("gold_top_procedures")
}

fn demographics(silver: &Silver) -> Result<Table> {
    let patients = columns(silver, "dim_patient");
    let (band, gender, race, ethnicity) = (
        patients.texts("age_band"),
        patients.texts("gender"),
        patients.texts("race"),
        patients.texts("ethnicity"),
    );
    let deceased = patients.bools("is_deceased");
    type Group<'a> = (
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
    );
    let mut groups: BTreeMap<Group<'_>, (i64, i64)> = BTreeMap::new();
    for i in 0..patients.len() {
        let entry = groups
            .entry((band[i], gender[i], race[i], ethnicity[i]))
            .or_default();
        if deceased[i] == Some(true) {
            entry.1 += 1;
        } else {
            entry.0 += 1;
        }
    }
    TableBuilder::new()
        .text("age_band", groups.keys().map(|k| k.0))
        .text("gender", groups.keys().map(|k| k.1))
        .text("race", groups.keys().map(|k| k.2))
        .text("ethnicity", groups.keys().map(|k| k.3))
        .int("patients", groups.values().map(|v| v.0 + v.1))
        .int("living", groups.values().map(|v| v.0))
        .int("deceased", groups.values().map(|v| v.1))
        .finish("gold_demographics")
}

fn medications_by_payer(silver: &Silver, payers: &Dimension<'_>) -> Result<Table> {
    let facts = columns(silver, "fact_medications");
    let payer = facts.ints("payer_key");
    let patient = facts.ints("patient_key");
    let total = facts.floats("total_cost");
    let coverage = facts.floats("payer_coverage");
    let dispenses = facts.ints("dispenses");
    /// Prescriptions, patients, dispenses, total cost, payer coverage.
    type Totals = (i64, BTreeSet<i64>, i64, f64, f64);
    let mut groups: BTreeMap<Option<i64>, Totals> = BTreeMap::new();
    for i in 0..facts.len() {
        let g = groups.entry(payer[i]).or_default();
        g.0 += 1;
        g.1.extend(patient[i]);
        g.2 += dispenses[i].unwrap_or(0);
        g.3 += total[i].unwrap_or(0.0);
        g.4 += coverage[i].unwrap_or(0.0);
    }
    let mut ranked: Vec<_> = groups.into_iter().collect();
    ranked.sort_by(|a, b| b.1.3.total_cmp(&a.1.3).then(a.0.cmp(&b.0)));
    let text = |column: &str| {
        ranked
            .iter()
            .flat_map(|(k, _)| payers.text(*k, column))
            .collect::<Vec<_>>()
    };
    TableBuilder::new()
        .int_opt("payer_key", ranked.iter().map(|(k, _)| *k))
        .text("payer_name", text("payer_name"))
        .int("prescriptions", ranked.iter().map(|(_, g)| g.0))
        .int("patients", ranked.iter().map(|(_, g)| g.1.len() as i64))
        .int("dispenses", ranked.iter().map(|(_, g)| g.2))
        .float("total_cost", ranked.iter().map(|(_, g)| Some(g.3)))
        .float("payer_coverage", ranked.iter().map(|(_, g)| Some(g.4)))
        .float(
            "patient_out_of_pocket",
            ranked.iter().map(|(_, g)| Some(g.3 - g.4)),
        )
        .float(
            "coverage_pct",
            ranked.iter().map(|(_, g)| ratio(g.4 * 100.0, g.3)),
        )
        .finish("gold_medications_by_payer")
}
