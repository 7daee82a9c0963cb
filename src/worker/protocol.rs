//! Messages between the page and the worker, as JSON text. Files travel
//! beside the JSON as `File` objects (structured clone), never as bytes.

use serde::{Deserialize, Serialize};

/// Page → worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Request {
    /// Generate the built-in demo data in the worker and run the pipeline on it.
    LoadDemo {
        /// How many patients.
        patients: u64,
        /// Seed of the generator.
        seed: u64,
    },
    /// Run the pipeline on the `File`s posted with this message (same order as `paths`).
    LoadFiles {
        /// Each file's path (the folder-relative path when a folder was picked).
        paths: Vec<String>,
    },
    /// Zip the last built lakehouse (every table as Parquet, plus `manifest.json`).
    Download,
    /// Recompute the KPIs and charts for a filter.
    Filter(Box<Filter>),
    /// A page of a table (searched and sorted).
    Table(TableQuery),
    /// One table as a file (`format`: `parquet` or `csv`).
    DownloadTable {
        /// Table name.
        name: String,
        /// `parquet` or `csv`.
        format: String,
    },
    /// A zip for another platform: `powerbi` (a PBIP project whose
    /// `DataFolder` is `unzip_folder` plus `\\data`), `delta` or `databricks`.
    Export {
        /// `powerbi`, `delta` or `databricks`.
        kind: String,
        /// Where the user will unzip the Power BI project.
        unzip_folder: String,
    },
    /// One patient's timeline.
    Patient {
        /// The patient's Synthea id.
        id: String,
    },
}

/// Which page of which table, sorted and searched how.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TableQuery {
    /// Table name.
    pub name: String,
    /// First row of the page (after search and sort).
    pub offset: u64,
    /// Rows per page.
    pub limit: u64,
    /// Column to sort by.
    pub sort: Option<String>,
    /// Sort descending.
    pub descending: bool,
    /// Case-insensitive text to find in any column.
    pub search: String,
}

/// A column's name and type (as `docs/schema.md` names types).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ColumnInfo {
    /// Name.
    pub name: String,
    /// `int64`, `float64`, `text`, `bool`, `date`, `timestamp_utc`.
    pub data_type: String,
}

/// A page of a table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TablePage {
    /// The query answered (offset clamped to the last page).
    pub query: TableQuery,
    /// `bronze`, `silver`, `gold`.
    pub layer: String,
    /// The columns.
    pub columns: Vec<ColumnInfo>,
    /// The rows of the page, cells as text (null as `None`).
    pub rows: Vec<Vec<Option<String>>>,
    /// Rows in the table.
    pub total_rows: u64,
    /// Rows matching the search.
    pub matched_rows: u64,
}

/// One event of a patient's timeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimelineEvent {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `encounter`, `condition`, `procedure`, `medication`.
    pub kind: String,
    /// What happened.
    pub description: String,
    /// More: encounter class and cost, condition end, dispenses…
    pub detail: String,
}

/// One patient and their history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PatientTimeline {
    /// Synthea id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Gender, birth date, age band, race, ethnicity, death date.
    pub facts: Vec<(String, String)>,
    /// Events, oldest first.
    pub events: Vec<TimelineEvent>,
}

/// Worker → page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Response {
    /// The worker has loaded and listens.
    Ready,
    /// Work in progress.
    Progress(Progress),
    /// The lakehouse is built.
    Loaded(Box<Summary>),
    /// Nothing could be built.
    Failed(UserMessage),
    /// A file to save; its bytes follow the JSON in the same message.
    Download(Download),
    /// The KPIs and charts for the filter last asked for.
    Filtered(Box<View>),
    /// A page of a table.
    Table(Box<TablePage>),
    /// A patient's timeline.
    Patient(Box<PatientTimeline>),
}

/// The dashboard's filters: each narrows every KPI and chart (a ranked chart
/// ignores the filter on its own dimension and highlights the choice).
/// Values are the labels the charts show.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    /// First encounter day, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Last encounter day, `YYYY-MM-DD`.
    pub to: Option<String>,
    /// Patient gender (`F`, `M`).
    pub gender: Option<String>,
    /// Patient age band on the as-of day.
    pub age_band: Option<String>,
    /// Patient race.
    pub race: Option<String>,
    /// Patient ethnicity.
    pub ethnicity: Option<String>,
    /// Encounter class.
    pub class: Option<String>,
    /// Organization name.
    pub organization: Option<String>,
    /// Provider (clinician) name.
    pub provider: Option<String>,
    /// Payer name.
    pub payer: Option<String>,
    /// Patients with this condition (description).
    pub condition: Option<String>,
    /// Patients with this procedure (description).
    pub procedure: Option<String>,
}

/// The values the filter controls offer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FilterOptions {
    /// The first encounter day.
    pub first_day: Option<String>,
    /// The last encounter day.
    pub last_day: Option<String>,
    /// Genders.
    pub genders: Vec<String>,
    /// Age bands.
    pub age_bands: Vec<String>,
    /// Races.
    pub races: Vec<String>,
    /// Ethnicities.
    pub ethnicities: Vec<String>,
    /// Encounter classes.
    pub classes: Vec<String>,
    /// Organizations.
    pub organizations: Vec<String>,
    /// Payers.
    pub payers: Vec<String>,
}

/// The dashboard for one filter.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct View {
    /// The filter this view is for.
    pub filter: Filter,
    /// The KPI cards.
    pub kpis: Vec<Kpi>,
    /// The charts.
    pub charts: Charts,
    /// Encounters that pass every filter.
    pub encounters: u64,
    /// Time the worker took to recompute, in milliseconds.
    pub elapsed_ms: f64,
}

/// A file the worker made for the user to save.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Download {
    /// Suggested file name.
    pub file_name: String,
    /// MIME type.
    pub mime: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// How far the work has come.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// `demo`, `bronze`, `silver`, `gold`.
    pub stage: String,
    /// The file being read, if any.
    pub file: Option<String>,
    /// Bytes read so far.
    pub bytes_done: u64,
    /// Bytes to read in all.
    pub bytes_total: u64,
    /// Rows read so far.
    pub rows: u64,
}

/// An error for people: what happened, the detail, what to do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserMessage {
    /// One line.
    pub title: String,
    /// The cause (file, line, column where known).
    pub detail: String,
    /// What to do about it.
    pub hint: Option<String>,
}

/// One KPI card.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Kpi {
    /// Stable id (also the `gold_kpis` column): `patients`, `readmission_rate_30d`…
    pub id: String,
    /// Card title.
    pub label: String,
    /// Formatted value.
    pub value: String,
    /// The unformatted value (null when undefined, e.g. a rate with no discharges).
    pub raw: Option<f64>,
}

/// One input file's accounting.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileRow {
    /// Path as given.
    pub path: String,
    /// Synthea file kind, or null for a skipped unknown file.
    pub kind: Option<String>,
    /// Bytes.
    pub bytes: u64,
    /// Data rows read.
    pub rows_read: u64,
    /// Rows accepted.
    pub rows_accepted: u64,
    /// Rows rejected.
    pub rows_rejected: u64,
}

/// One output table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableRow {
    /// `bronze`, `silver`, `gold`.
    pub layer: String,
    /// Table name.
    pub name: String,
    /// Rows.
    pub rows: u64,
    /// Columns.
    pub columns: u64,
}

/// One rejected row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RejectRow {
    /// File.
    pub file: String,
    /// Line number.
    pub line: i64,
    /// Column, if one is at fault.
    pub column: Option<String>,
    /// Why.
    pub reason: String,
}

/// One data-quality rule result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DqRow {
    /// Rule id.
    pub rule_id: String,
    /// `error`, `warning`, `info`.
    pub severity: String,
    /// What it checks.
    pub description: String,
    /// Rows checked.
    pub rows_checked: u64,
    /// Rows failed.
    pub rows_failed: u64,
}

/// What the page shows once the lakehouse is built.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Detected Synthea version (`3.3`, `2.6–3.0`, `unknown`).
    pub version: String,
    /// The reference day, `YYYY-MM-DD`.
    pub as_of: String,
    /// Per input file.
    pub files: Vec<FileRow>,
    /// Every output table.
    pub tables: Vec<TableRow>,
    /// The first rejected rows (at most [`crate::worker::handler::REJECT_PREVIEW`]).
    pub rejects: Vec<RejectRow>,
    /// All rejected rows.
    pub rejected_rows: u64,
    /// Warnings (unknown files, headerless files…).
    pub warnings: Vec<String>,
    /// Data-quality results.
    pub quality: Vec<DqRow>,
    /// The unfiltered dashboard.
    pub view: View,
    /// What the filter controls offer.
    pub options: FilterOptions,
    /// The silver tables and their columns (for the star-schema diagram).
    pub star: Vec<(String, Vec<ColumnInfo>)>,
    /// The worker's WebAssembly memory after the build, in bytes (it only
    /// grows, so this is its peak; 0 natively).
    pub wasm_memory_bytes: u64,
}

/// A labelled value (one bar).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Bar {
    /// Label.
    pub label: String,
    /// Value.
    pub value: f64,
}

/// Chart data, read from the gold tables.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Charts {
    /// Months (`YYYY-MM`), oldest first: the x axis of the monthly charts.
    pub months: Vec<String>,
    /// Encounters per month, per encounter class (class, one value per month).
    pub monthly_by_class: Vec<(String, Vec<f64>)>,
    /// 30-day readmission rate (%) per discharge month (one value per month).
    pub readmission_rate_by_month: Vec<f64>,
    /// Top conditions by patients.
    pub top_conditions: Vec<Bar>,
    /// Top procedures by count.
    pub top_procedures: Vec<Bar>,
    /// Top organizations by encounters.
    pub organizations: Vec<Bar>,
    /// Top providers by encounters.
    pub providers: Vec<Bar>,
    /// Claim cost per payer.
    pub payer_cost: Vec<Bar>,
    /// Payer coverage (%) per payer.
    pub payer_coverage: Vec<Bar>,
    /// Age band, female, male.
    pub age_pyramid: Vec<(String, f64, f64)>,
    /// Patients per race.
    pub race: Vec<Bar>,
    /// Patients per ethnicity.
    pub ethnicity: Vec<Bar>,
}

/// The filters by URL key: (key, label, accessor).
type FilterField = (
    &'static str,
    &'static str,
    fn(&mut Filter) -> &mut Option<String>,
);

const FILTER_FIELDS: [FilterField; 12] = [
    ("from", "From", |f| &mut f.from),
    ("to", "To", |f| &mut f.to),
    ("gender", "Gender", |f| &mut f.gender),
    ("age", "Age band", |f| &mut f.age_band),
    ("race", "Race", |f| &mut f.race),
    ("ethnicity", "Ethnicity", |f| &mut f.ethnicity),
    ("class", "Encounter class", |f| &mut f.class),
    ("org", "Organization", |f| &mut f.organization),
    ("provider", "Provider", |f| &mut f.provider),
    ("payer", "Payer", |f| &mut f.payer),
    ("condition", "Condition", |f| &mut f.condition),
    ("procedure", "Procedure", |f| &mut f.procedure),
];

impl Filter {
    /// The URL keys of the filters.
    pub fn keys() -> impl Iterator<Item = &'static str> {
        FILTER_FIELDS.iter().map(|(key, _, _)| *key)
    }

    /// The active filters as (URL key, label, value), in a fixed order.
    pub fn active(&self) -> Vec<(&'static str, &'static str, String)> {
        let mut copy = self.clone();
        FILTER_FIELDS
            .iter()
            .filter_map(|(key, label, field)| field(&mut copy).clone().map(|v| (*key, *label, v)))
            .collect()
    }

    /// Sets (or, with an empty value, clears) the filter of a URL key;
    /// unknown keys are ignored.
    pub fn set(&mut self, key: &str, value: &str) {
        if let Some((_, _, field)) = FILTER_FIELDS.iter().find(|(k, _, _)| *k == key) {
            *field(self) = (!value.is_empty()).then(|| value.to_string());
        }
    }

    /// This filter with `key` set to `value` (or cleared).
    pub fn with(&self, key: &str, value: &str) -> Self {
        let mut next = self.clone();
        next.set(key, value);
        next
    }

    /// The filter from URL query pairs (other keys are ignored).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut filter = Self::default();
        for (key, value) in pairs {
            filter.set(key, value);
        }
        filter
    }

    /// `key=value&…` of the active filters (unescaped; for display and tests).
    pub fn describe(&self) -> String {
        self.active()
            .into_iter()
            .map(|(key, _, value)| format!("{key}={value}"))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Whether no filter is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_round_trip_through_url_pairs() {
        let filter = Filter::default()
            .with("org", "Worcester Medical Practice")
            .with("age", "18-34")
            .with("from", "2020-01-01")
            .with("nonsense", "x");
        assert_eq!(
            filter.active(),
            vec![
                ("from", "From", "2020-01-01".to_string()),
                ("age", "Age band", "18-34".to_string()),
                (
                    "org",
                    "Organization",
                    "Worcester Medical Practice".to_string()
                ),
            ]
        );
        let pairs: Vec<(&str, String)> = filter
            .active()
            .into_iter()
            .map(|(k, _, v)| (k, v))
            .collect();
        let back = Filter::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())));
        assert_eq!(back, filter);
        assert!(
            filter
                .with("org", "")
                .with("age", "")
                .with("from", "")
                .is_empty()
        );
    }
}
