//! Gold: payer-facing metrics computed from the silver star schema, plus the
//! data-quality results. Every table is sorted, and sums run over silver rows
//! in their (canonical) order, so the same input gives the same bytes.
//!
//! One module per table (or per pair of tables read in one pass); this file
//! holds what they share and the order of [`TABLE_NAMES`].

mod conditions;
mod demographics;
mod encounters_by_organization;
mod encounters_by_provider;
mod encounters_monthly;
mod kpis;
mod medications_by_payer;
mod members;
pub mod money;
mod mortality;
mod payer_costs;
mod pmpm;
mod procedures;
pub mod quality;
mod readmissions;
mod stays;
mod utilization;

use std::collections::BTreeMap;
use std::hash::Hash;

use rustc_hash::FxHashMap as HashMap;

use crate::bronze::Bronze;
use crate::dates;
use crate::error::Result;
use crate::join::{InTurn, Join};
use crate::silver::Silver;
use crate::table::{Columns, Table};
use money::Money;
pub use readmissions::FEW_INDEX_STAYS;
pub(crate) use readmissions::few_index_stays;
pub use utilization::VISITS as VISIT_CLASSES;

/// The gold layer.
#[derive(Clone, Debug)]
pub struct Gold {
    /// The metric tables, in a fixed order, `dq_results` last.
    pub tables: Vec<Table>,
    /// The data-quality rule results, computed once: `dq_results`, the
    /// manifest and the CLI's summary all read these.
    pub quality: Vec<quality::RuleResult>,
}

impl Gold {
    /// A table by name.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }
}

/// Names of the gold tables, in output order.
pub const TABLE_NAMES: [&str; 15] = [
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
    "gold_pmpm_monthly",
    "gold_utilization_yearly",
    "gold_mortality_yearly",
    "dq_results",
];

/// Column values of a silver table (see [`Columns`]).
fn columns<'a>(silver: &'a Silver, name: &str) -> Columns<'a> {
    Columns::new(silver.table(name))
}

/// `YYYY-MM` of a UTC timestamp.
fn year_month(micros: i64) -> String {
    dates::year_month(dates::day_of_timestamp(micros))
}

fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator != 0.0).then(|| numerator / denominator)
}

/// The encounter columns the tables over encounters read.
struct Encounters<'a> {
    columns: Columns<'a>,
    rows: usize,
    patient: Vec<Option<i64>>,
    provider: Vec<Option<i64>>,
    organization: Vec<Option<i64>>,
    payer: Vec<Option<i64>>,
    class: Vec<Option<&'a str>>,
    start: Vec<Option<i64>>,
    total: Vec<Option<f64>>,
    coverage: Vec<Option<f64>>,
}

impl<'a> Encounters<'a> {
    fn new(silver: &'a Silver) -> Self {
        let columns = columns(silver, "fact_encounters");
        Self {
            rows: columns.len(),
            patient: columns.ints("patient_key"),
            provider: columns.ints("provider_key"),
            organization: columns.ints("organization_key"),
            payer: columns.ints("payer_key"),
            class: columns.texts("encounter_class"),
            start: columns.timestamps("start_ts"),
            total: columns.floats("total_claim_cost"),
            coverage: columns.floats("payer_coverage"),
            columns,
        }
    }

    /// The encounters grouped by a key column, most encounters first.
    fn ranked_by(&self, keys: &[Option<i64>]) -> Vec<(Option<i64>, EncounterTotals)> {
        let mut ranked: Vec<_> = self.totals_by(keys).into_iter().collect();
        ranked.sort_by(|a, b| b.1.encounters.cmp(&a.1.encounters).then(a.0.cmp(&b.0)));
        ranked
    }

    /// The encounters' totals grouped by a key column (a row per key).
    fn totals_by(&self, keys: &[Option<i64>]) -> BTreeMap<Option<i64>, EncounterTotals> {
        let mut groups: BTreeMap<Option<i64>, EncounterTotals> = BTreeMap::new();
        for (i, key) in keys.iter().enumerate().take(self.rows) {
            groups.entry(*key).or_default().add(self, i);
        }
        groups
    }
}

/// Distinct keys (patients, providers), for their count. A hash set: the
/// ordered set's insert, once or twice per fact row in each grouping, was
/// a fifth of gold's time, and only the count is read.
type Distinct = rustc_hash::FxHashSet<i64>;

/// Running totals of a group of encounters.
#[derive(Default)]
struct EncounterTotals {
    encounters: i64,
    patients: Distinct,
    providers: Distinct,
    total_claim_cost: Money,
    payer_coverage: Money,
}

impl EncounterTotals {
    /// Adds encounter row `i`.
    fn add(&mut self, e: &Encounters<'_>, i: usize) {
        self.encounters += 1;
        if let Some(p) = e.patient[i] {
            self.patients.insert(p);
        }
        if let Some(p) = e.provider[i] {
            self.providers.insert(p);
        }
        self.total_claim_cost.add(e.total[i]);
        self.payer_coverage.add(e.coverage[i]);
    }

    fn cost(&self) -> Option<f64> {
        self.total_claim_cost.total()
    }

    fn coverage(&self) -> Option<f64> {
        self.payer_coverage.total()
    }

    fn out_of_pocket(&self) -> Option<f64> {
        money::difference(self.cost(), self.coverage())
    }

    fn avg_cost(&self) -> Option<f64> {
        ratio(self.cost()?, self.encounters as f64)
    }

    fn coverage_pct(&self) -> Option<f64> {
        ratio(self.coverage()? * 100.0, self.cost()?)
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

/// Computes every gold table, in [`TABLE_NAMES`] order; `bronze` feeds the
/// data-quality rules.
pub fn compute(bronze: &Bronze, silver: &Silver) -> Result<Gold> {
    compute_with(bronze, silver, &InTurn)
}

/// Cells keyed by `K`, filled a row at a time in a hash map and handed
/// over in key order: the gold tables list their cells sorted, and a
/// `BTreeMap` entry per fact row costs a tree search each.
pub(super) struct Cells<K, V> {
    cells: HashMap<K, V>,
}

impl<K: Copy + Eq + Hash + Ord, V: Default> Cells<K, V> {
    pub(super) fn new() -> Self {
        Self {
            cells: HashMap::default(),
        }
    }

    /// The cell of `key`, made empty the first time.
    pub(super) fn entry(&mut self, key: K) -> &mut V {
        self.cells.entry(key).or_default()
    }

    /// The cells in key order.
    pub(super) fn sorted(self) -> BTreeMap<K, V> {
        self.cells.into_iter().collect()
    }
}

/// [`compute`], with the data-quality rules and the metric tables (which
/// read nothing of each other) run by `join`. The result is the same for
/// every [`Join`].
pub fn compute_with<J: Join>(bronze: &Bronze, silver: &Silver, join: &J) -> Result<Gold> {
    let (mut tables, quality) =
        join.try_join(|| metrics(silver), || Ok(quality::rules(bronze, silver)))?;
    tables.push(quality::check(&quality)?);
    Ok(Gold { tables, quality })
}

/// The metric tables: every gold table but `dq_results`, in order.
fn metrics(silver: &Silver) -> Result<Vec<Table>> {
    let e = Encounters::new(silver);
    let providers = Dimension::new(silver, "dim_provider", "provider_key");
    let organizations = Dimension::new(silver, "dim_organization", "organization_key");
    let payers = Dimension::new(silver, "dim_payer", "payer_key");
    let stays = stays::read(&e);
    let members = members::by_month_and_payer(silver);
    let pmpm_cells = pmpm::cells(silver, &e, &members);
    let use_cells = utilization::cells(&e, &stays, &members);
    let inputs = kpis::Inputs {
        encounters: &e,
        stays: &stays,
        pmpm: &pmpm_cells,
        utilization: &use_cells,
    };
    let first_day = e
        .start
        .iter()
        .flatten()
        .map(|t| dates::day_of_timestamp(*t))
        .min();
    let mut tables = vec![
        kpis::table(silver, &inputs)?,
        encounters_monthly::table(&e)?,
        encounters_by_provider::table(&e, &providers, &organizations)?,
        encounters_by_organization::table(&e, &organizations)?,
    ];
    tables.extend(conditions::tables(silver)?);
    tables.push(procedures::table(silver)?);
    tables.push(demographics::table(silver)?);
    tables.push(payer_costs::table(&e, &payers)?);
    tables.push(readmissions::monthly(&e, &stays)?);
    tables.push(medications_by_payer::table(silver, &payers)?);
    tables.push(pmpm::table(&pmpm_cells, &payers)?);
    tables.push(utilization::table(&use_cells, &payers)?);
    tables.push(mortality::table(silver, first_day)?);
    Ok(tables)
}
