//! The dashboard's filterable model: the star schema condensed into dense
//! columns (one entry per patient, encounter, condition and procedure), so
//! that every KPI and chart can be recomputed for a [`Filter`] in one pass
//! over the facts. Plain Rust, natively tested: with no filter it gives
//! exactly the gold tables' values.
//!
//! Cross-filtering: every filter narrows every KPI and chart, except that a
//! ranked chart ignores the filter on its own dimension (the organization
//! chart keeps showing every organization, with the chosen one highlighted),
//! so a choice can be seen and changed where it was made.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use lakehouse_pipeline::gold::money;
use lakehouse_pipeline::table::{Columns, Table};
use lakehouse_pipeline::{Lakehouse, dates};

use crate::protocol::{Bar, Charts, Dimension, Filter, FilterOptions, Kpi, View};
use crate::state;
use crate::worker::members::{Indexes, Members, Pass};

/// The tables a chart drills through to (see [`Dashboard::drill`]).
pub const DRILL_TABLES: [&str; 4] = [
    "dim_patient",
    "fact_encounters",
    "fact_conditions",
    "fact_procedures",
];

/// Bars shown per ranked chart.
pub const TOP_N: usize = 10;
/// "No value" in a dense index column.
const NONE: u32 = u32::MAX;
/// "No start day" in the encounter day column (before every real day, so
/// a `from` filter excludes it without a check of its own).
const NO_DAY: i32 = i32::MIN;

// One bit per filter (`Dimension::bit`): a row fails the filters whose bits are set.
const FROM: u16 = Dimension::From.bit();
const TO: u16 = Dimension::To.bit();
const GENDER: u16 = Dimension::Gender.bit();
const AGE_BAND: u16 = Dimension::AgeBand.bit();
const RACE: u16 = Dimension::Race.bit();
const ETHNICITY: u16 = Dimension::Ethnicity.bit();
const CLASS: u16 = Dimension::Class.bit();
const ORGANIZATION: u16 = Dimension::Organization.bit();
const PROVIDER: u16 = Dimension::Provider.bit();
const PAYER: u16 = Dimension::Payer.bit();
const CONDITION: u16 = Dimension::Condition.bit();
const PROCEDURE: u16 = Dimension::Procedure.bit();
/// Filters on the patient rather than on the encounter.
const PATIENT_FILTERS: u16 = Dimension::bits_where_patient(true);
/// Filters on the encounter itself.
const ENCOUNTER_FILTERS: u16 = Dimension::bits_where_patient(false);

/// Distinct values of a column with a dense index per row, in the order
/// the gold tables group them (`None` first, then ascending).
struct Vocabulary<K> {
    values: Vec<Option<K>>,
    rows: Vec<u32>,
}

impl<K: Ord + Clone> Vocabulary<K> {
    fn new(column: Vec<Option<K>>) -> Self {
        let distinct: BTreeSet<Option<K>> = column.iter().cloned().collect();
        let values: Vec<Option<K>> = distinct.into_iter().collect();
        let position: BTreeMap<&Option<K>, u32> = values
            .iter()
            .enumerate()
            .map(|(i, v)| (v, i as u32))
            .collect();
        let rows = column.iter().map(|v| position[v]).collect();
        Self { values, rows }
    }
}

/// `bars` largest first, ties by label.
pub(crate) fn by_value(mut bars: Vec<Bar>) -> Vec<Bar> {
    bars.sort_by(|a, b| {
        b.value
            .total_cmp(&a.value)
            .then_with(|| a.label.cmp(&b.label))
    });
    bars
}

/// Every `YYYY-MM` from the month of the earliest of `timestamps` to the
/// month of the latest, in order.
fn every_month(timestamps: impl Iterator<Item = i64>) -> Vec<String> {
    let (first, last) = timestamps.fold((i64::MAX, i64::MIN), |(a, b), t| (a.min(t), b.max(t)));
    if first > last {
        return Vec::new();
    }
    let mut day = dates::month_start(dates::day_of_timestamp(first));
    let end = dates::day_of_timestamp(last);
    let mut out = Vec::new();
    while day <= end {
        out.push(dates::year_month(day));
        let (y, m, _) = dates::civil_from_days(day);
        day += dates::days_in_month(y, m) as i32;
    }
    out
}

fn ints(table: Option<&Table>, name: &str) -> Vec<Option<i64>> {
    Columns::new(table).ints(name)
}

fn texts<'a>(table: Option<&'a Table>, name: &str) -> Vec<Option<&'a str>> {
    Columns::new(table).texts(name)
}

fn floats(table: Option<&Table>, name: &str) -> Vec<Option<f64>> {
    Columns::new(table).floats(name)
}

fn bools(table: Option<&Table>, name: &str) -> Vec<Option<bool>> {
    Columns::new(table).bools(name)
}

fn timestamps(table: Option<&Table>, name: &str) -> Vec<Option<i64>> {
    Columns::new(table).timestamps(name)
}

/// Text labels of a dimension by surrogate key (`unknown` when unresolved).
fn labels(
    silver: &lakehouse_pipeline::Silver,
    table: &str,
    key: &str,
    label: &str,
    keys: &[Option<i64>],
) -> Vec<String> {
    let dimension = silver.table(table);
    let by_key: HashMap<i64, String> = ints(dimension, key)
        .into_iter()
        .zip(texts(dimension, label))
        .filter_map(|(k, v)| Some((k?, v?.to_string())))
        .collect();
    keys.iter()
        .map(|k| {
            k.and_then(|k| by_key.get(&k).cloned())
                .unwrap_or_else(|| "unknown".to_string())
        })
        .collect()
}

fn text_labels(values: &[Option<&str>]) -> Vec<String> {
    values
        .iter()
        .map(|v| v.unwrap_or("unknown").to_string())
        .collect()
}

/// Dense columns of the facts behind the dashboard.
pub struct Dashboard {
    // Patients (rows of dim_patient).
    patient_gender: Vec<u32>,
    patient_band: Vec<u32>,
    patient_race: Vec<u32>,
    patient_ethnicity: Vec<u32>,
    patient_deceased: Vec<bool>,
    genders: Vec<String>,
    bands: Vec<String>,
    races: Vec<String>,
    ethnicities: Vec<String>,
    // Encounters (rows of fact_encounters), packed for the filter pass:
    // plain values, no `Option`s, so that a pass reads as few bytes as it
    // can (the pass over 1M encounters is bound by memory traffic).
    encounter_patient: Vec<u32>,
    /// Start day; `NO_DAY` when unknown.
    encounter_day: Vec<i32>,
    /// Cell of the monthly chart: `class * months + month`, or `NONE`.
    encounter_cell: Vec<u32>,
    encounter_class: Vec<u32>,
    encounter_organization: Vec<u32>,
    encounter_provider: Vec<u32>,
    encounter_payer: Vec<u32>,
    /// Each row's number in `fact_encounters` (the rows are regrouped by
    /// patient).
    encounter_source: Vec<u32>,
    /// Claim cost and payer coverage, 0 when unknown (they are only summed).
    encounter_cost: Vec<f64>,
    encounter_coverage: Vec<f64>,
    /// Discharged inpatient stays, by their admission row: (row, inpatient
    /// days) (docs/metrics.md, "Length of stay").
    inpatient_stays: Vec<(u32, f64)>,
    /// Admission rows of every inpatient stay.
    admissions: Vec<u32>,
    /// HEDIS-style index stays: (admission row, discharge month or `NONE`,
    /// readmitted).
    discharges: Vec<(u32, u32, bool)>,
    /// Index stays that were readmitted (admission rows).
    readmitted: Vec<u32>,
    /// Member months and prescriptions, for PMPM and rates per 1,000.
    members: Members,
    months: Vec<String>,
    classes: Vec<String>,
    organizations: Vec<String>,
    providers: Vec<String>,
    payers: Vec<String>,
    // Conditions, sorted by (diagnosis, patient) so distinct patients are runs.
    condition_code: Vec<u32>,
    condition_patient: Vec<u32>,
    condition_encounter: Vec<u32>,
    /// Each row's number in `fact_conditions`.
    condition_source: Vec<u32>,
    diagnoses: Vec<String>,
    // Procedures.
    procedure_code: Vec<u32>,
    procedure_patient: Vec<u32>,
    procedure_encounter: Vec<u32>,
    procedure_names: Vec<String>,
    // Encounter rows by value, for a filter on one dimension (see `view`).
    class_rows: RowIndex,
    organization_rows: RowIndex,
    provider_rows: RowIndex,
    payer_rows: RowIndex,
    /// The encounter rows are grouped by patient (see `group_by_patient`):
    /// patient `p`'s are `patient_start[p]..patient_start[p + 1]`.
    patient_start: Vec<u32>,
    /// The unfiltered encounter sums, added up in the fact table's order
    /// (so they are the gold tables' sums to the last bit). The view with
    /// no filter shows them, and with a filter on one dimension only, that
    /// dimension's own chart does.
    baseline: EncounterSums,
}

/// Encounter rows grouped by a dense value: the rows holding value `v` are
/// `rows[start[v]..start[v + 1]]`, ascending (a counting sort).
#[derive(Default)]
struct RowIndex {
    start: Vec<u32>,
    rows: Vec<u32>,
}

impl RowIndex {
    /// Indexes `values` (one per row); values from `distinct` up are left out.
    fn new(values: &[u32], distinct: usize) -> Self {
        let mut start = vec![0u32; distinct + 1];
        for &v in values {
            if (v as usize) < distinct {
                start[v as usize + 1] += 1;
            }
        }
        for k in 0..distinct {
            start[k + 1] += start[k];
        }
        let mut next = start.clone();
        let mut rows = vec![0u32; start[distinct] as usize];
        for (row, &v) in values.iter().enumerate() {
            if (v as usize) < distinct {
                let slot = &mut next[v as usize];
                rows[*slot as usize] = row as u32;
                *slot += 1;
            }
        }
        Self { start, rows }
    }

    /// The rows holding value `value`.
    fn of(&self, value: usize) -> &[u32] {
        &self.rows[self.start[value] as usize..self.start[value + 1] as usize]
    }

    /// The rows holding any value that `mask` chooses, ascending.
    fn chosen(&self, mask: &[bool]) -> Vec<u32> {
        let mut rows: Vec<u32> = mask
            .iter()
            .enumerate()
            .filter(|&(value, &on)| on && value + 1 < self.start.len())
            .flat_map(|(value, _)| self.of(value).iter().copied())
            .collect();
        if mask.iter().filter(|&&on| on).count() > 1 {
            rows.sort_unstable();
        }
        rows
    }
}

/// What the pass over the encounters adds up for one filter.
#[derive(Clone, Default)]
struct EncounterSums {
    counted: u64,
    cost: f64,
    coverage: f64,
    monthly: Vec<u32>,
    by_organization: Vec<u32>,
    by_provider: Vec<u32>,
    payer_cost: Vec<f64>,
    payer_coverage: Vec<f64>,
    payer_encounters: Vec<u64>,
    /// Per encounter row: it passes every filter.
    passes: Vec<bool>,
    /// Per encounter row: it passes every encounter filter (its patient's
    /// aside). Read only when an encounter filter is on.
    encounter_passes: Vec<bool>,
    /// Per patient: one of their encounters passes every encounter filter.
    /// Read only when an encounter filter is on.
    has_encounter: Vec<bool>,
}

impl EncounterSums {
    /// Adds an encounter to its payer's sums.
    #[inline]
    fn add_to_payer(&mut self, payer: usize, cost: f64, coverage: f64) {
        self.payer_cost[payer] += cost;
        self.payer_coverage[payer] += coverage;
        self.payer_encounters[payer] += 1;
    }

    /// Adds an encounter that passes every filter to the totals and its
    /// month's cell.
    #[inline]
    fn add_passing(&mut self, cost: f64, coverage: f64, cell: u32) {
        self.counted += 1;
        self.cost += cost;
        self.coverage += coverage;
        if cell != NONE {
            self.monthly[cell as usize] += 1;
        }
    }
}

/// The patient filters patient `p` fails; a fact whose patient is unknown
/// fails every active one.
fn fails_of_patient(patient_fail: &[u16], active: u16, p: u32) -> u16 {
    if p == NONE {
        active & PATIENT_FILTERS
    } else {
        patient_fail[p as usize]
    }
}

/// Which patients and facts count under one filter's pass: the one rule
/// the view's counts and the drill-through's rows both follow.
struct Counting<'a> {
    patient_fail: &'a [u16],
    active: u16,
    encounter_passes: &'a [bool],
    has_encounter: &'a [bool],
}

impl Counting<'_> {
    fn encounter_filters(&self) -> bool {
        self.active & ENCOUNTER_FILTERS != 0
    }

    /// Patient `p` passes the patient filters (all but `own`) and, when
    /// encounter filters are on, has a passing encounter.
    #[inline]
    fn patient(&self, p: usize, own: u16) -> bool {
        self.patient_fail[p] & !own == 0 && (!self.encounter_filters() || self.has_encounter[p])
    }

    /// A condition or procedure of `patient` made in `encounter` passes the
    /// patient filters (all but `own`) and, when encounter filters are on,
    /// was made in a passing encounter.
    #[inline]
    fn fact(&self, patient: u32, encounter: u32, own: u16) -> bool {
        fails_of_patient(self.patient_fail, self.active, patient) & !own == 0
            && (!self.encounter_filters()
                || (encounter != NONE && self.encounter_passes[encounter as usize]))
    }
}

/// A filter's masks and its pass over the encounters.
struct Passed {
    masks: Masks,
    patient_fail: Vec<u16>,
    active: u16,
    from: Option<i32>,
    to: Option<i32>,
    sums: EncounterSums,
}

/// Per filter, which values of its dimension it chooses (`None`: no filter;
/// always `None` for the date range, which is not a list of values).
struct Masks([Option<Vec<bool>>; Dimension::ALL.len()]);

impl Masks {
    fn of(&self, dimension: Dimension) -> &Option<Vec<bool>> {
        &self.0[dimension as usize]
    }
}

/// The filters that one index of rows can answer on their own, each a
/// dimension with the chart it leaves out (see the module comment). A date
/// range has no index: it takes the full pass.
const ONE_DIMENSION: [u16; 9] = [
    CLASS,
    ORGANIZATION,
    PROVIDER,
    PAYER,
    GENDER | AGE_BAND,
    RACE,
    ETHNICITY,
    CONDITION,
    PROCEDURE,
];

/// The KPI values before formatting.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct KpiValues {
    /// Patients.
    pub patients: Option<f64>,
    /// Encounters.
    pub encounters: Option<f64>,
    /// Average length of stay: inpatient days ÷ discharged stays.
    pub avg_inpatient_los_days: Option<f64>,
    /// HEDIS-style 30-day readmission rate (0–1).
    pub readmission_rate_30d: Option<f64>,
    /// Member months.
    pub member_months: Option<f64>,
    /// Medical and pharmacy paid per member month.
    pub pmpm_paid: Option<f64>,
    /// Inpatient admissions per 1,000 member-years.
    pub admits_per_1000: Option<f64>,
    /// Total claim cost.
    pub total_claim_cost: Option<f64>,
    /// Payer coverage (%).
    pub payer_coverage_pct: Option<f64>,
    /// Deceased patients.
    pub deceased_patients: Option<f64>,
}

impl KpiValues {
    /// The KPI cards, formatted.
    pub fn cards(&self) -> Vec<Kpi> {
        let card = |id: &str, label: &str, raw: Option<f64>, format: fn(f64) -> String| Kpi {
            id: id.into(),
            label: label.into(),
            value: raw.map_or_else(|| "–".to_string(), format),
            raw,
            detail: None,
            previous: None,
            change: None,
            trend: Vec::new(),
        };
        // A rate over member months says so when the filter leaves none.
        let per_member = |id: &str, label: &str, raw: Option<f64>, format: fn(f64) -> String| {
            let mut kpi = card(id, label, raw, format);
            if self.member_months == Some(0.0) {
                kpi.value = "no members".into();
            }
            kpi
        };
        vec![
            card("patients", "Patients", self.patients, state::format_count),
            card(
                "encounters",
                "Encounters",
                self.encounters,
                state::format_count,
            ),
            card(
                "member_months",
                "Member months",
                self.member_months,
                state::format_count,
            ),
            per_member(
                "pmpm_paid",
                "PMPM (paid)",
                self.pmpm_paid,
                state::format_money,
            ),
            per_member(
                "admits_per_1000",
                "Admits per 1,000",
                self.admits_per_1000,
                state::format_count,
            ),
            card(
                "alos_days",
                "Average length of stay",
                self.avg_inpatient_los_days,
                state::format_days,
            ),
            card(
                "readmission_rate_30d",
                "30-day readmission rate (HEDIS-style)",
                self.readmission_rate_30d,
                |v| state::format_percent(v * 100.0),
            ),
            card(
                "total_claim_cost",
                "Total claim cost",
                self.total_claim_cost,
                state::format_money,
            ),
            card(
                "payer_coverage_pct",
                "Payer coverage",
                self.payer_coverage_pct,
                state::format_percent,
            ),
            card(
                "deceased_patients",
                "Deceased",
                self.deceased_patients,
                state::format_count,
            ),
        ]
    }
}

/// KPIs that are rates in percent (their change is in percentage points),
/// with the factor from their raw value to percent.
const PERCENT_KPIS: [(&str, f64); 2] =
    [("readmission_rate_30d", 100.0), ("payer_coverage_pct", 1.0)];

/// The change of KPI `id` from `was` to `now`: relative for counts and
/// money (`▲ 12.3 %`), in percentage points for rates (`▼ 1.2 pts`).
pub fn change(id: &str, now: Option<f64>, was: Option<f64>) -> String {
    let (Some(now), Some(was)) = (now, was) else {
        return "no value in the previous period".to_string();
    };
    let arrow = |delta: f64| if delta > 0.0 { "▲" } else { "▼" };
    if let Some((_, factor)) = PERCENT_KPIS.iter().find(|(k, _)| *k == id) {
        let delta = (now - was) * factor;
        return if delta.abs() < 0.05 {
            "no change".to_string()
        } else {
            format!("{} {:.1} pts", arrow(delta), delta.abs())
        };
    }
    if was == 0.0 {
        return if now == 0.0 {
            "no change".to_string()
        } else {
            "none in the previous period".to_string()
        };
    }
    let delta = (now - was) / was.abs() * 100.0;
    if delta.abs() < 0.05 {
        "no change".to_string()
    } else {
        format!("{} {:.1} %", arrow(delta), delta.abs())
    }
}

/// A bar's money value rounded to cents as gold rounds it
/// ([`money::cents`]); a sum that is not finite is drawn as it is.
fn bar_cents(amount: f64) -> f64 {
    money::cents(amount).unwrap_or(amount)
}

fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator != 0.0).then(|| numerator / denominator)
}

/// Positions of `values` in `all` (sorted), `NONE` when absent.
fn positions(values: &[Option<i64>], all: &HashMap<i64, u32>) -> Vec<u32> {
    values
        .iter()
        .map(|v| v.and_then(|k| all.get(&k).copied()).unwrap_or(NONE))
        .collect()
}

/// Whether value `index` passes a filter's mask (no mask: every value does).
fn hit(mask: &Option<Vec<bool>>, index: u32) -> bool {
    match mask {
        None => true,
        Some(mask) => mask.get(index as usize).copied().unwrap_or(false),
    }
}

/// Ranks groups by value (largest first, then by group order) into bars,
/// dropping empty groups.
fn top_bars(labels: &[String], values: &[f64], limit: usize) -> Vec<Bar> {
    let mut order: Vec<usize> = (0..values.len()).filter(|&i| values[i] > 0.0).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
    order
        .into_iter()
        .take(limit)
        .map(|i| Bar {
            label: labels[i].clone(),
            value: values[i],
        })
        .collect()
}

impl Dashboard {
    /// Condenses a built lakehouse into dense columns and per-dimension
    /// row indexes. Long because it is one read of each silver table, in
    /// table order, each column taken once into its dense form; the
    /// vocabularies and indexes it builds are its own types.
    pub fn new(lakehouse: &Lakehouse) -> Self {
        let silver = &lakehouse.silver;
        let patients = silver.table("dim_patient");
        let patient_keys = ints(patients, "patient_key");
        let patient_row: HashMap<i64, u32> = patient_keys
            .iter()
            .enumerate()
            .filter_map(|(i, k)| Some(((*k)?, i as u32)))
            .collect();
        let gender = Vocabulary::new(texts(patients, "gender"));
        let band = Vocabulary::new(texts(patients, "age_band"));
        let race = Vocabulary::new(texts(patients, "race"));
        let ethnicity = Vocabulary::new(texts(patients, "ethnicity"));

        let encounters = silver.table("fact_encounters");
        let encounter_keys = ints(encounters, "encounter_key");
        let encounter_row: HashMap<i64, u32> = encounter_keys
            .iter()
            .enumerate()
            .filter_map(|(i, k)| Some(((*k)?, i as u32)))
            .collect();
        let start = timestamps(encounters, "start_ts");
        let start_month: Vec<Option<String>> = start
            .iter()
            .map(|t| t.map(|t| dates::year_month(dates::day_of_timestamp(t))))
            .collect();
        // Every calendar month from the first encounter's to the last's: a
        // time axis, on which a month without encounters is a zero (counts)
        // or a gap (rates), never left out. A far-future outlier (the
        // `event_dates_far_after_the_data` rule) does not stretch it.
        let kept = |t: &i64| {
            silver
                .late_days
                .last_day
                .is_none_or(|last| dates::day_of_timestamp(*t) <= last)
        };
        let months: Vec<String> = every_month(start.iter().flatten().copied().filter(kept));
        let month_index = |m: &Option<String>| {
            m.as_ref()
                .and_then(|m| months.binary_search(m).ok())
                .map_or(NONE, |i| i as u32)
        };
        let encounter_month: Vec<u32> = start_month.iter().map(month_index).collect();
        let class_text: Vec<Option<&str>> = texts(encounters, "encounter_class")
            .into_iter()
            .map(|c| Some(c.unwrap_or_default()))
            .collect();
        let class = Vocabulary::new(class_text);
        let encounter_cell = class
            .rows
            .iter()
            .zip(&encounter_month)
            .map(|(&c, &m)| {
                if m == NONE {
                    NONE
                } else {
                    c * months.len() as u32 + m
                }
            })
            .collect();
        let organization = Vocabulary::new(ints(encounters, "organization_key"));
        let provider = Vocabulary::new(ints(encounters, "provider_key"));
        let payer = Vocabulary::new(ints(encounters, "payer_key"));
        // Stays, as silver defines them (docs/metrics.md): their figures sit
        // on the admission row.
        let flag = |name: &str| -> Vec<bool> {
            bools(encounters, name)
                .into_iter()
                .map(|b| b == Some(true))
                .collect()
        };
        let (admission, index, readmitted) = (
            flag("is_stay_admission"),
            flag("is_hedis_index_stay"),
            flag("hedis_readmitted_30d"),
        );
        let discharge = timestamps(encounters, "stay_discharge_ts");
        let discharges = (0..index.len())
            .filter(|&i| index[i])
            .map(|i| {
                let month = discharge[i].map_or(NONE, |t| {
                    month_index(&Some(dates::year_month(dates::day_of_timestamp(t))))
                });
                (i as u32, month, readmitted[i])
            })
            .collect();
        let inpatient_stays = Columns::new(encounters)
            .ints("stay_days")
            .into_iter()
            .enumerate()
            .filter_map(|(i, days)| Some((i as u32, days? as f64)))
            .collect();
        let admissions = (0..admission.len() as u32)
            .filter(|&i| admission[i as usize])
            .collect();
        let known =
            |values: Vec<Option<f64>>| values.into_iter().map(|v| v.unwrap_or(0.0)).collect();

        let conditions = silver.table("fact_conditions");
        let diagnosis = Vocabulary::new(ints(conditions, "diagnosis_key"));
        let condition_patient = positions(&ints(conditions, "patient_key"), &patient_row);
        let condition_encounter = positions(&ints(conditions, "encounter_key"), &encounter_row);
        let mut order: Vec<usize> = (0..diagnosis.rows.len()).collect();
        order.sort_by_key(|&i| (diagnosis.rows[i], condition_patient[i]));

        let procedures = silver.table("fact_procedures");
        let procedure = Vocabulary::new(ints(procedures, "procedure_key"));

        let payer_index: HashMap<Option<i64>, u32> = payer
            .values
            .iter()
            .enumerate()
            .map(|(i, k)| (*k, i as u32))
            .collect();
        let members = Members::new(
            silver.table("fact_member_months"),
            silver.table("fact_medications"),
            &Indexes {
                patient_row: &patient_row,
                encounter_row: &encounter_row,
                payer_index: &payer_index,
                months: &months,
            },
        );
        let mut dashboard = Self {
            patient_gender: gender.rows,
            patient_band: band.rows,
            patient_race: race.rows,
            patient_ethnicity: ethnicity.rows,
            patient_deceased: bools(patients, "is_deceased")
                .into_iter()
                .map(|b| b == Some(true))
                .collect(),
            genders: text_labels(&gender.values),
            bands: text_labels(&band.values),
            races: text_labels(&race.values),
            ethnicities: text_labels(&ethnicity.values),
            encounter_patient: positions(&ints(encounters, "patient_key"), &patient_row),
            encounter_day: start
                .iter()
                .map(|t| t.map_or(NO_DAY, dates::day_of_timestamp))
                .collect(),
            encounter_cell,
            encounter_class: class.rows,
            encounter_organization: organization.rows,
            encounter_provider: provider.rows,
            encounter_payer: payer.rows,
            encounter_source: Vec::new(),
            encounter_cost: known(floats(encounters, "total_claim_cost")),
            encounter_coverage: known(floats(encounters, "payer_coverage")),
            inpatient_stays,
            admissions,
            discharges,
            readmitted: (0..readmitted.len() as u32)
                .filter(|&i| readmitted[i as usize])
                .collect(),
            members,
            months,
            classes: text_labels(&class.values),
            organizations: labels(
                silver,
                "dim_organization",
                "organization_key",
                "name",
                &organization.values,
            ),
            providers: labels(
                silver,
                "dim_provider",
                "provider_key",
                "name",
                &provider.values,
            ),
            payers: labels(
                silver,
                "dim_payer",
                "payer_key",
                "payer_name",
                &payer.values,
            ),
            condition_code: order.iter().map(|&i| diagnosis.rows[i]).collect(),
            condition_patient: order.iter().map(|&i| condition_patient[i]).collect(),
            condition_encounter: order.iter().map(|&i| condition_encounter[i]).collect(),
            condition_source: order.iter().map(|&i| i as u32).collect(),
            diagnoses: labels(
                silver,
                "dim_diagnosis",
                "diagnosis_key",
                "description",
                &diagnosis.values,
            ),
            procedure_code: procedure.rows,
            procedure_patient: positions(&ints(procedures, "patient_key"), &patient_row),
            procedure_encounter: positions(&ints(procedures, "encounter_key"), &encounter_row),
            procedure_names: labels(
                silver,
                "dim_procedure",
                "procedure_key",
                "description",
                &procedure.values,
            ),
            class_rows: RowIndex::default(),
            organization_rows: RowIndex::default(),
            provider_rows: RowIndex::default(),
            payer_rows: RowIndex::default(),
            patient_start: Vec::new(),
            baseline: EncounterSums::default(),
        };
        let no_patient_fails = vec![0; dashboard.patient_gender.len()];
        let baseline =
            dashboard.full_pass(&Masks(Default::default()), None, None, &no_patient_fails, 0);
        // Only the sums are kept (the per-row flags are all true).
        dashboard.baseline = EncounterSums {
            passes: Vec::new(),
            encounter_passes: Vec::new(),
            has_encounter: Vec::new(),
            ..baseline
        };
        dashboard.group_by_patient();
        dashboard
    }

    /// Encounters in the model.
    pub fn encounter_count(&self) -> usize {
        self.encounter_patient.len()
    }

    /// The values each filter can take, for the filter controls.
    pub fn options(&self) -> FilterOptions {
        let sorted = |values: &[String]| {
            let mut v: Vec<String> = values.to_vec();
            v.sort();
            v.dedup();
            v
        };
        let span = self.day_span();
        FilterOptions {
            first_day: span.map(|(first, _)| dates::format_date(first)),
            last_day: span.map(|(_, last)| dates::format_date(last)),
            values: FilterOptions::SELECTS
                .into_iter()
                .map(|d| (d, sorted(self.labels(d).unwrap_or_default())))
                .collect(),
        }
    }

    /// The labels of a dimension's values, by dense index (`None` for the
    /// date range, which is not a list of values).
    fn labels(&self, dimension: Dimension) -> Option<&[String]> {
        Some(match dimension {
            Dimension::From | Dimension::To => return None,
            Dimension::Gender => &self.genders,
            Dimension::AgeBand => &self.bands,
            Dimension::Race => &self.races,
            Dimension::Ethnicity => &self.ethnicities,
            Dimension::Class => &self.classes,
            Dimension::Organization => &self.organizations,
            Dimension::Provider => &self.providers,
            Dimension::Payer => &self.payers,
            Dimension::Condition => &self.diagnoses,
            Dimension::Procedure => &self.procedure_names,
        })
    }

    /// Puts the encounter rows in patient order (each patient's in their
    /// fact-table order, then those of no known patient) and indexes them by
    /// value. A filter on patients then reads their encounters in one
    /// forward sweep: in the fact table's order, one patient's encounters
    /// are scattered, and reading the rows of 80 % of the patients took
    /// 5.5 times as long as reading every row.
    fn group_by_patient(&mut self) {
        let rows = self.encounter_count();
        let patients = self.patient_gender.len();
        let by_patient = RowIndex::new(&self.encounter_patient, patients);
        let mut order = by_patient.rows;
        order.extend((0..rows as u32).filter(|&r| self.encounter_patient[r as usize] == NONE));
        let mut new_row = vec![0u32; rows];
        for (new, &old) in order.iter().enumerate() {
            new_row[old as usize] = new as u32;
        }
        fn permute<T: Copy>(column: &mut Vec<T>, order: &[u32]) {
            *column = order.iter().map(|&row| column[row as usize]).collect();
        }
        permute(&mut self.encounter_patient, &order);
        permute(&mut self.encounter_day, &order);
        permute(&mut self.encounter_cell, &order);
        permute(&mut self.encounter_class, &order);
        permute(&mut self.encounter_organization, &order);
        permute(&mut self.encounter_provider, &order);
        permute(&mut self.encounter_payer, &order);
        permute(&mut self.encounter_cost, &order);
        permute(&mut self.encounter_coverage, &order);
        let renumber = |row: &mut u32| {
            if *row != NONE {
                *row = new_row[*row as usize];
            }
        };
        // The sparse lists keep their order (their sums stay the gold
        // tables'); only their row numbers change.
        self.inpatient_stays
            .iter_mut()
            .for_each(|(row, _)| renumber(row));
        self.discharges
            .iter_mut()
            .for_each(|(row, _, _)| renumber(row));
        self.admissions.iter_mut().for_each(renumber);
        self.members.med_encounter.iter_mut().for_each(renumber);
        self.readmitted.iter_mut().for_each(renumber);
        self.condition_encounter.iter_mut().for_each(renumber);
        self.procedure_encounter.iter_mut().for_each(renumber);
        self.patient_start = by_patient.start;
        self.encounter_source = order;
        self.class_rows = RowIndex::new(&self.encounter_class, self.classes.len());
        self.organization_rows =
            RowIndex::new(&self.encounter_organization, self.organizations.len());
        self.provider_rows = RowIndex::new(&self.encounter_provider, self.providers.len());
        self.payer_rows = RowIndex::new(&self.encounter_payer, self.payers.len());
    }

    /// The sums with no filter: the baseline, every row passing.
    fn unfiltered(&self) -> EncounterSums {
        EncounterSums {
            passes: vec![true; self.encounter_count()],
            // Read only when an encounter filter is on.
            encounter_passes: Vec::new(),
            has_encounter: Vec::new(),
            ..self.baseline.clone()
        }
    }

    /// Which rows and sums a pass starts from: nothing passes yet.
    fn empty_sums(&self) -> EncounterSums {
        let payers = self.payers.len();
        EncounterSums {
            monthly: vec![0; self.months.len() * self.classes.len()],
            by_organization: vec![0; self.organizations.len()],
            by_provider: vec![0; self.providers.len()],
            payer_cost: vec![0.0; payers],
            payer_coverage: vec![0.0; payers],
            payer_encounters: vec![0; payers],
            passes: vec![false; self.encounter_count()],
            encounter_passes: vec![false; self.encounter_count()],
            has_encounter: vec![false; self.patient_gender.len()],
            ..EncounterSums::default()
        }
    }

    /// Per patient, the patient filters they fail (one bit each).
    fn patient_fails(&self, masks: &Masks) -> Vec<u16> {
        let patients = self.patient_gender.len();
        let mut patient_fail = vec![0u16; patients];
        for (p, fail) in patient_fail.iter_mut().enumerate() {
            if !hit(masks.of(Dimension::Gender), self.patient_gender[p]) {
                *fail |= GENDER;
            }
            if !hit(masks.of(Dimension::AgeBand), self.patient_band[p]) {
                *fail |= AGE_BAND;
            }
            if !hit(masks.of(Dimension::Race), self.patient_race[p]) {
                *fail |= RACE;
            }
            if !hit(masks.of(Dimension::Ethnicity), self.patient_ethnicity[p]) {
                *fail |= ETHNICITY;
            }
        }
        for (mask, codes, patient_of, bit) in [
            (
                masks.of(Dimension::Condition),
                &self.condition_code,
                &self.condition_patient,
                CONDITION,
            ),
            (
                masks.of(Dimension::Procedure),
                &self.procedure_code,
                &self.procedure_patient,
                PROCEDURE,
            ),
        ] {
            if mask.is_none() {
                continue;
            }
            let mut has = vec![false; patients];
            for (code, p) in codes.iter().zip(patient_of) {
                if *p != NONE && hit(mask, *code) {
                    has[*p as usize] = true;
                }
            }
            for (fail, has) in patient_fail.iter_mut().zip(has) {
                if !has {
                    *fail |= bit;
                }
            }
        }
        patient_fail
    }

    /// The pass over every encounter, for any combination of filters.
    fn full_pass(
        &self,
        masks: &Masks,
        from: Option<i32>,
        to: Option<i32>,
        patient_fail: &[u16],
        active: u16,
    ) -> EncounterSums {
        // Over plain slices (no bounds checks in the loop).
        let rows = self.encounter_count();
        let day = &self.encounter_day[..rows];
        let patient_of = &self.encounter_patient[..rows];
        let class_of = &self.encounter_class[..rows];
        let organization_of = &self.encounter_organization[..rows];
        let provider_of = &self.encounter_provider[..rows];
        let payer_of = &self.encounter_payer[..rows];
        let cell_of = &self.encounter_cell[..rows];
        let cost_of = &self.encounter_cost[..rows];
        let coverage_of = &self.encounter_coverage[..rows];
        // The encounter filters first, one tight pass per active filter over
        // its own column only: a filter that is off costs nothing.
        let mut encounter_fail = vec![0u16; rows];
        if from.is_some() || to.is_some() {
            let from_day = from.unwrap_or(NO_DAY);
            let to_day = to.unwrap_or(i32::MAX);
            for (fail, &d) in encounter_fail.iter_mut().zip(day) {
                if d < from_day {
                    *fail |= FROM;
                }
                if d > to_day || (d == NO_DAY && to.is_some()) {
                    *fail |= TO;
                }
            }
        }
        for (mask, column, bit) in [
            (masks.of(Dimension::Class), class_of, CLASS),
            (
                masks.of(Dimension::Organization),
                organization_of,
                ORGANIZATION,
            ),
            (masks.of(Dimension::Provider), provider_of, PROVIDER),
            (masks.of(Dimension::Payer), payer_of, PAYER),
        ] {
            if let Some(mask) = mask {
                let fails: Vec<u16> = mask.iter().map(|&on| if on { 0 } else { bit }).collect();
                for (fail, &value) in encounter_fail.iter_mut().zip(column) {
                    *fail |= fails.get(value as usize).copied().unwrap_or(bit);
                }
            }
        }
        let mut s = self.empty_sums();
        let fails = &encounter_fail[..rows];
        // The per-row flags are filled beside the sums (taken out, then put back).
        let (mut passes, mut encounter_passes) = (
            std::mem::take(&mut s.passes),
            std::mem::take(&mut s.encounter_passes),
        );
        let (passes_of, encounter_passes_of) = (&mut passes[..rows], &mut encounter_passes[..rows]);
        for i in 0..rows {
            let fail = fails[i];
            let p = patient_of[i];
            encounter_passes_of[i] = fail == 0;
            if fail == 0 && p != NONE {
                s.has_encounter[p as usize] = true;
            }
            let all = fail | fails_of_patient(patient_fail, active, p);
            passes_of[i] = all == 0;
            let without = |own: u16| all & !own == 0;
            if without(ORGANIZATION) {
                s.by_organization[organization_of[i] as usize] += 1;
            }
            if without(PROVIDER) {
                s.by_provider[provider_of[i] as usize] += 1;
            }
            if without(PAYER) {
                s.add_to_payer(payer_of[i] as usize, cost_of[i], coverage_of[i]);
            }
            if all == 0 {
                s.add_passing(cost_of[i], coverage_of[i], cell_of[i]);
            }
        }
        s.passes = passes;
        s.encounter_passes = encounter_passes;
        s
    }

    /// The pass for a filter on one dimension (`group`, one of
    /// [`ONE_DIMENSION`]): only the encounters that pass it are read, from
    /// that dimension's index, in row order (so the sums equal the full
    /// pass's). The dimension's own chart, which leaves its own filter out,
    /// shows the unfiltered sums.
    fn one_dimension_pass(&self, group: u16, masks: &Masks, patient_fail: &[u16]) -> EncounterSums {
        let chosen = |index: &RowIndex, mask: &Option<Vec<bool>>| {
            index.chosen(mask.as_deref().unwrap_or_default())
        };
        let mut s = match group {
            CLASS => self.tally(chosen(&self.class_rows, masks.of(Dimension::Class))),
            ORGANIZATION => self.tally(chosen(
                &self.organization_rows,
                masks.of(Dimension::Organization),
            )),
            PROVIDER => self.tally(chosen(&self.provider_rows, masks.of(Dimension::Provider))),
            PAYER => self.tally(chosen(&self.payer_rows, masks.of(Dimension::Payer))),
            _ => self.tally(
                (0..patient_fail.len())
                    .filter(|&p| patient_fail[p] == 0)
                    .flat_map(|p| self.patient_start[p]..self.patient_start[p + 1]),
            ),
        };
        let baseline = &self.baseline;
        match group {
            ORGANIZATION => s.by_organization.clone_from(&baseline.by_organization),
            PROVIDER => s.by_provider.clone_from(&baseline.by_provider),
            PAYER => {
                s.payer_cost.clone_from(&baseline.payer_cost);
                s.payer_coverage.clone_from(&baseline.payer_coverage);
                s.payer_encounters.clone_from(&baseline.payer_encounters);
            }
            _ => {}
        }
        s
    }

    /// Adds up `rows`, each of which passes every filter.
    fn tally(&self, rows: impl IntoIterator<Item = u32>) -> EncounterSums {
        let mut s = self.empty_sums();
        for row in rows {
            let i = row as usize;
            s.passes[i] = true;
            s.encounter_passes[i] = true;
            let p = self.encounter_patient[i];
            if p != NONE {
                s.has_encounter[p as usize] = true;
            }
            s.by_organization[self.encounter_organization[i] as usize] += 1;
            s.by_provider[self.encounter_provider[i] as usize] += 1;
            let (cost, coverage) = (self.encounter_cost[i], self.encounter_coverage[i]);
            s.add_to_payer(self.encounter_payer[i] as usize, cost, coverage);
            s.add_passing(cost, coverage, self.encounter_cell[i]);
        }
        s
    }

    /// Runs every kind of recompute a filter change can take, twice: each
    /// dimension's indexed pass and the full pass. In the browser the worker
    /// calls this once the data is loaded: V8 first runs wasm code through
    /// its baseline compiler and optimizes a function only after it has run
    /// hot, so without it the first clicks of each kind ran baseline code (a
    /// Chromium trace of a first organization click at 1M encounters showed
    /// 16 ms of optimizing compilation, and the recompute took 16-34 ms
    /// where the optimized code takes 3).
    pub fn warm_up(&self) {
        let first = |labels: &[String]| labels.first().cloned().unwrap_or_default();
        let none = Filter::default();
        let pick = |d: Dimension| first(self.labels(d).unwrap_or_default());
        let band = none.with(Dimension::AgeBand, &pick(Dimension::AgeBand));
        let options = self.options();
        let mut filters: Vec<Filter> = Dimension::ALL
            .into_iter()
            .filter(|&d| self.labels(d).is_some() && d != Dimension::AgeBand)
            .map(|d| {
                // Age band and gender share one index (the pyramid).
                let base = if d == Dimension::Gender { &band } else { &none };
                base.with(d, &pick(d))
            })
            .collect();
        filters.push(
            band.with(Dimension::From, &options.first_day.unwrap_or_default())
                .with(Dimension::Payer, &pick(Dimension::Payer)),
        );
        filters.push(none);
        for _ in 0..2 {
            for filter in &filters {
                std::hint::black_box(self.view(filter));
            }
        }
    }

    /// Every KPI and chart for `filter`.
    pub fn view(&self, filter: &Filter) -> View {
        let mut view = self.view_by(filter, true);
        if let Some((from, to)) = self.previous_period(filter) {
            let before = self.view_by(
                &filter.with(Dimension::From, &from).with(Dimension::To, &to),
                true,
            );
            for (kpi, was) in view.kpis.iter_mut().zip(&before.kpis) {
                kpi.previous = was.raw;
                kpi.change = Some(change(&kpi.id, kpi.raw, was.raw));
            }
            view.previous_period = Some((from, to));
        }
        view
    }

    /// The first and last encounter day.
    fn day_span(&self) -> Option<(i32, i32)> {
        let mut days = self.encounter_day.iter().filter(|&&d| d != NO_DAY);
        let first = *days.next()?;
        Some(days.fold((first, first), |(lo, hi), &d| (lo.min(d), hi.max(d))))
    }

    /// With a date filter, the period of the same length just before it
    /// (an open end is the data's first or last encounter day): as many
    /// calendar months for a range of whole months, else as many days.
    fn previous_period(&self, filter: &Filter) -> Option<(String, String)> {
        if !filter.is_set(Dimension::From) && !filter.is_set(Dimension::To) {
            return None;
        }
        // Not `options()`: that sorts every dimension's labels.
        let (first, last) = self.day_span()?;
        let day = |set: Option<&str>, data: i32| {
            set.map_or(Some(data), |text| {
                dates::Day::parse(text).map(dates::Day::days)
            })
        };
        let from = day(filter.get(Dimension::From), first)?;
        let to = day(filter.get(Dimension::To), last)?;
        if to < from {
            return None;
        }
        // Whole calendar months (a year, a quarter) compare with as many
        // months before; any other range with as many days before.
        let (fy, fm, fd) = dates::civil_from_days(from);
        let (_, _, next_day) = dates::civil_from_days(to + 1);
        let start = if fd == 1 && next_day == 1 {
            let (ty, tm, _) = dates::civil_from_days(to);
            let months = (ty - fy) * 12 + tm as i32 - fm as i32 + 1;
            let index = fy * 12 + fm as i32 - 1 - months;
            dates::days_from_civil(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1)
        } else {
            from - (to - from + 1)
        };
        Some((dates::format_date(start), dates::format_date(from - 1)))
    }

    /// How many values of `dimension` are labelled `label` (a filter on a
    /// label chooses them all: two organizations may share a name).
    #[cfg(test)]
    pub(crate) fn label_count(&self, dimension: Dimension, label: &str) -> usize {
        self.labels(dimension)
            .map_or(0, |labels| labels.iter().filter(|l| *l == label).count())
    }

    /// [`Dashboard::view`] through the pass over every encounter, whatever
    /// the filter: the reference the indexed passes are tested against.
    #[cfg(test)]
    pub(crate) fn view_by_full_pass(&self, filter: &Filter) -> View {
        self.view_by(filter, false)
    }

    /// The masks of `filter`, the patient filters each patient fails, and
    /// the pass over the encounters (none, one dimension's index, or every
    /// encounter).
    fn pass(&self, filter: &Filter, indexed: bool) -> Passed {
        let day = |text: Option<&str>| text.and_then(dates::Day::parse).map(dates::Day::days);
        let (from, to) = (
            day(filter.get(Dimension::From)),
            day(filter.get(Dimension::To)),
        );
        let masks = Masks(Dimension::ALL.map(|d| {
            let labels = self.labels(d)?;
            let wanted = filter.chosen(d);
            (!wanted.is_empty()).then(|| labels.iter().map(|l| wanted.contains(l)).collect())
        }));
        let patient_fail = self.patient_fails(&masks);
        let active = filter.bits();
        let one_dimension = ONE_DIMENSION
            .into_iter()
            .find(|&group| indexed && active != 0 && active & !group == 0);
        let sums = match one_dimension {
            _ if indexed && active == 0 => self.unfiltered(),
            Some(group) => self.one_dimension_pass(group, &masks, &patient_fail),
            None => self.full_pass(&masks, from, to, &patient_fail, active),
        };
        Passed {
            masks,
            patient_fail,
            active,
            from,
            to,
            sums,
        }
    }

    /// The rows of `table` behind the dashboard under `filter`, as the
    /// table's own row numbers, ascending: the drill-through from a chart
    /// to its facts (`None` for a table the dashboard does not filter).
    ///
    /// - `fact_encounters`: the encounters that pass every filter (each
    ///   encounter chart's counts and sums are over these).
    /// - `dim_patient`: the patients the patient charts and the patient
    ///   KPI count.
    /// - `fact_conditions`, `fact_procedures`: the rows the condition and
    ///   procedure charts count, of the chosen condition or procedure when
    ///   that filter is set (there it picks the rows, not their patients).
    pub fn drill(&self, table: &str, filter: &Filter) -> Option<Vec<u32>> {
        let Passed {
            masks,
            patient_fail,
            active,
            sums,
            ..
        } = self.pass(filter, true);
        let counting = Counting {
            patient_fail: &patient_fail,
            active,
            encounter_passes: &sums.encounter_passes,
            has_encounter: &sums.has_encounter,
        };
        let mut rows: Vec<u32> = match table {
            "fact_encounters" => sums
                .passes
                .iter()
                .enumerate()
                .filter(|(_, p)| **p)
                .map(|(row, _)| self.encounter_source[row])
                .collect(),
            "dim_patient" => (0..patient_fail.len() as u32)
                .filter(|&p| counting.patient(p as usize, 0))
                .collect(),
            "fact_conditions" => (0..self.condition_code.len())
                .filter(|&i| {
                    self.condition_patient[i] != NONE
                        && hit(masks.of(Dimension::Condition), self.condition_code[i])
                        && counting.fact(
                            self.condition_patient[i],
                            self.condition_encounter[i],
                            CONDITION,
                        )
                })
                .map(|i| self.condition_source[i])
                .collect(),
            "fact_procedures" => (0..self.procedure_code.len())
                .filter(|&i| {
                    hit(masks.of(Dimension::Procedure), self.procedure_code[i])
                        && counting.fact(
                            self.procedure_patient[i],
                            self.procedure_encounter[i],
                            PROCEDURE,
                        )
                })
                .map(|i| i as u32)
                .collect(),
            _ => return None,
        };
        rows.sort_unstable();
        Some(rows)
    }

    /// The view of `filter`: the masks, the pass (none, one dimension's
    /// index, or every encounter), then the KPIs and every chart from the
    /// sums. Long because it is the hot path of a filter click: the sums
    /// are read once, in one place, into the view (docs/benchmarks.md, "At
    /// 1M encounters"); split into helpers, each chart would walk them again.
    fn view_by(&self, filter: &Filter, indexed: bool) -> View {
        let Passed {
            masks,
            patient_fail,
            active,
            from,
            to,
            sums,
        } = self.pass(filter, indexed);
        let patients = patient_fail.len();
        let months = self.months.len();
        let EncounterSums {
            counted,
            cost,
            coverage,
            monthly,
            by_organization,
            by_provider,
            payer_cost,
            payer_coverage,
            payer_encounters,
            passes: row_passes,
            encounter_passes,
            has_encounter,
        } = sums;
        let passes = |row: u32| row_passes[row as usize];
        let (mut los_sum, mut los_n) = (0.0, 0u64);
        for &(row, days) in &self.inpatient_stays {
            if passes(row) {
                los_sum += days;
                los_n += 1;
            }
        }
        let mut discharges = 0u64;
        let mut discharges_by_month = vec![0u32; months];
        let mut readmissions_by_month = vec![0u32; months];
        for &(row, month, readmitted) in &self.discharges {
            if !passes(row) {
                continue;
            }
            discharges += 1;
            if month != NONE {
                discharges_by_month[month as usize] += 1;
                readmissions_by_month[month as usize] += u32::from(readmitted);
            }
        }
        let readmissions = self.readmitted.iter().filter(|&&row| passes(row)).count();

        // Payer figures (docs/metrics.md; see `members`): member months
        // through the patient, payer and date filters, amounts paid and
        // admissions through every filter.
        let payer_mask = masks.of(Dimension::Payer);
        let patient_ok = |p: u32| fails_of_patient(&patient_fail, active, p) == 0;
        let payer_ok = |i: u32| hit(payer_mask, i);
        let encounter_ok = |r: u32| encounter_passes[r as usize];
        let narrowed = active & (CLASS | ORGANIZATION | PROVIDER) != 0;
        let mut payer_figures = self.members.figures(
            &Pass {
                patient: &patient_ok,
                payer: &payer_ok,
                encounter: narrowed.then_some(&encounter_ok as &dyn Fn(u32) -> bool),
                from,
                to,
            },
            self.payers.len(),
            months,
        );
        for (row, _) in row_passes.iter().enumerate().filter(|(_, p)| **p) {
            let cell = self.encounter_cell[row];
            let month = if cell == NONE {
                NONE
            } else {
                cell % months as u32
            };
            payer_figures.add_medical(
                self.encounter_payer[row],
                month,
                self.encounter_coverage[row],
            );
        }
        for &row in &self.admissions {
            if passes(row) {
                payer_figures.add_admission(self.encounter_payer[row as usize]);
            }
        }

        // Which patients count: those passing the patient filters (all but
        // `own`) that, when encounter filters are on, have a passing encounter.
        let counting = Counting {
            patient_fail: &patient_fail,
            active,
            encounter_passes: &encounter_passes,
            has_encounter: &has_encounter,
        };
        let (mut patient_n, mut deceased) = (0u64, 0u64);
        // Per age band: (female, male, any patient counted).
        let mut by_band = vec![(0.0, 0.0, false); self.bands.len()];
        let female: Vec<bool> = self.genders.iter().map(|g| g == "F").collect();
        let mut by_race = vec![0.0; self.races.len()];
        let mut by_ethnicity = vec![0.0; self.ethnicities.len()];
        for p in 0..patients {
            if counting.patient(p, 0) {
                patient_n += 1;
                deceased += u64::from(self.patient_deceased[p]);
            }
            if counting.patient(p, GENDER | AGE_BAND) {
                let band = &mut by_band[self.patient_band[p] as usize];
                band.2 = true;
                if female[self.patient_gender[p] as usize] {
                    band.0 += 1.0;
                } else {
                    band.1 += 1.0;
                }
            }
            if counting.patient(p, RACE) {
                by_race[self.patient_race[p] as usize] += 1.0;
            }
            if counting.patient(p, ETHNICITY) {
                by_ethnicity[self.patient_ethnicity[p] as usize] += 1.0;
            }
        }

        // Conditions: distinct patients per diagnosis; with encounter
        // filters on, only diagnoses made in a passing encounter.
        let mut condition_patients = vec![0.0; self.diagnoses.len()];
        let mut last: Option<(u32, u32)> = None;
        for i in 0..self.condition_code.len() {
            let (code, patient) = (self.condition_code[i], self.condition_patient[i]);
            if patient == NONE || !counting.fact(patient, self.condition_encounter[i], CONDITION) {
                continue;
            }
            if last != Some((code, patient)) {
                condition_patients[code as usize] += 1.0;
                last = Some((code, patient));
            }
        }
        let mut procedure_counts = vec![0.0; self.procedure_names.len()];
        for i in 0..self.procedure_code.len() {
            if counting.fact(
                self.procedure_patient[i],
                self.procedure_encounter[i],
                PROCEDURE,
            ) {
                procedure_counts[self.procedure_code[i] as usize] += 1.0;
            }
        }

        // Months shown: those inside the date range.
        let shown: Vec<usize> = (0..months)
            .filter(|&m| {
                let month = &self.months[m];
                from.is_none_or(|f| month.as_str() >= dates::year_month(f).as_str())
                    && to.is_none_or(|t| month.as_str() <= dates::year_month(t).as_str())
            })
            .collect();
        let mut payer_order: Vec<usize> = (0..self.payers.len())
            .filter(|&i| payer_encounters[i] > 0)
            .collect();
        payer_order.sort_by(|&a, &b| payer_cost[b].total_cmp(&payer_cost[a]).then(a.cmp(&b)));
        payer_order.truncate(TOP_N);
        let charts = Charts {
            months: shown.iter().map(|&m| self.months[m].clone()).collect(),
            monthly_by_class: self
                .classes
                .iter()
                .zip(monthly.chunks(months.max(1)))
                .filter(|(_, values)| shown.iter().any(|&m| values[m] > 0))
                .map(|(name, values)| {
                    (
                        name.clone(),
                        shown.iter().map(|&m| f64::from(values[m])).collect(),
                    )
                })
                .collect(),
            readmission_rate_by_month: shown
                .iter()
                .map(|&m| {
                    ratio(
                        f64::from(readmissions_by_month[m]),
                        f64::from(discharges_by_month[m]),
                    )
                    .map(|r| r * 100.0)
                })
                .collect(),
            index_stays_by_month: shown
                .iter()
                .map(|&m| f64::from(discharges_by_month[m]))
                .collect(),
            top_conditions: top_bars(&self.diagnoses, &condition_patients, TOP_N),
            top_procedures: top_bars(&self.procedure_names, &procedure_counts, TOP_N),
            organizations: top_bars(&self.organizations, &counts(&by_organization), TOP_N),
            providers: top_bars(&self.providers, &counts(&by_provider), TOP_N),
            payer_cost: payer_order
                .iter()
                .map(|&i| Bar {
                    label: self.payers[i].clone(),
                    value: bar_cents(payer_cost[i]),
                })
                .collect(),
            // The same payers as the cost chart, sorted by what this chart
            // shows: coverage.
            payer_coverage: by_value(
                payer_order
                    .iter()
                    .map(|&i| Bar {
                        label: self.payers[i].clone(),
                        value: ratio(
                            bar_cents(payer_coverage[i]) * 100.0,
                            bar_cents(payer_cost[i]),
                        )
                        .unwrap_or(0.0),
                    })
                    .collect(),
            ),
            age_pyramid: pyramid(&self.bands, &by_band)
                .into_iter()
                .map(|(band, (f, m))| (band.to_string(), f, m))
                .collect(),
            race: top_bars(&self.races, &by_race, usize::MAX),
            ethnicity: top_bars(&self.ethnicities, &by_ethnicity, usize::MAX),
            pmpm_by_payer: payer_figures.pmpm_bars(&self.payers, TOP_N),
            admits_per_1000_by_payer: payer_figures.admits_per_1000_bars(&self.payers, TOP_N),
            pmpm_by_month: payer_figures.pmpm_series(&self.members, &self.payers, &shown, 5),
        };
        let values = KpiValues {
            patients: Some(patient_n as f64),
            encounters: Some(counted as f64),
            avg_inpatient_los_days: ratio(los_sum, los_n as f64),
            readmission_rate_30d: ratio(readmissions as f64, discharges as f64),
            total_claim_cost: money::cents(cost),
            payer_coverage_pct: money::cents(coverage)
                .zip(money::cents(cost))
                .and_then(|(paid, allowed)| ratio(paid * 100.0, allowed)),
            deceased_patients: Some(deceased as f64),
            member_months: Some(payer_figures.member_months as f64),
            pmpm_paid: payer_figures.pmpm(),
            admits_per_1000: payer_figures.admits_per_1000(),
        };
        // Each rate says what it is over (PMPM and coverage are over the
        // member months and claim cost cards beside them); three KPIs carry
        // their months.
        let count = |n: f64| state::format_count(n);
        let encounters_by_month: Vec<Option<f64>> = (0..charts.months.len())
            .map(|m| Some(charts.monthly_by_class.iter().map(|s| s.1[m]).sum()))
            .collect();
        let pmpm_by_month = payer_figures.pmpm_by_month(&shown);
        let mut kpis = values.cards();
        for kpi in &mut kpis {
            kpi.detail = match kpi.id.as_str() {
                "alos_days" => Some(format!("over {} stays", count(los_n as f64))),
                "readmission_rate_30d" => Some(format!(
                    "{} of {} index stays",
                    count(readmissions as f64),
                    count(discharges as f64)
                )),
                // The rate is per 1,000 member-years: its numerator and
                // denominator both, as the other rates show theirs.
                "admits_per_1000" => Some(format!(
                    "{} in {} member-years",
                    count(payer_figures.admissions as f64),
                    state::format_member_years(payer_figures.member_months as f64)
                )),
                _ => None,
            };
            kpi.trend = match kpi.id.as_str() {
                "encounters" => encounters_by_month.clone(),
                // The chart's line: months of few index stays left out,
                // and none when no month has enough.
                "readmission_rate_30d" => crate::charts::readmission_line(
                    &charts.readmission_rate_by_month,
                    &charts.index_stays_by_month,
                )
                .unwrap_or_default()
                .into_iter()
                .map(|r| r.map(|r| r / 100.0))
                .collect(),
                "pmpm_paid" => pmpm_by_month.clone(),
                _ => Vec::new(),
            };
        }
        View {
            filter: filter.clone(),
            kpis,
            charts,
            encounters: counted,
            elapsed_ms: 0.0,
            previous_period: None,
        }
    }
}

/// The age pyramid's rows by band label, in label order, from the counts by
/// band (labels that appear twice are added together).
fn pyramid<'a>(bands: &'a [String], counts: &[(f64, f64, bool)]) -> BTreeMap<&'a str, (f64, f64)> {
    let mut rows: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    for (band, &(female, male, counted)) in bands.iter().zip(counts) {
        if counted {
            let row = rows.entry(band.as_str()).or_default();
            row.0 += female;
            row.1 += male;
        }
    }
    rows
}

/// Counts as chart values.
fn counts(values: &[u32]) -> Vec<f64> {
    values.iter().map(|&n| f64::from(n)).collect()
}
