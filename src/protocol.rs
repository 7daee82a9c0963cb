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
        /// How far a `.zip` may expand (the CLI's `--zip-max-gib` and
        /// `--zip-max-ratio`).
        #[serde(default)]
        zip: ZipLimits,
    },
    /// The next bytes (beside the JSON) of file `file` of a stream the
    /// pipeline worker sends the second worker it started: the SHA-256
    /// (for `manifest.json`) of the files it decodes, taken on the other
    /// core. Files come one after the other; `last` ends one.
    HashChunk {
        /// The file's position in the stream.
        file: u32,
        /// Whether these are the file's last bytes.
        last: bool,
    },
    /// The stream of [`Request::HashChunk`]s is over: answered with
    /// [`Response::Hashed`].
    HashDone,
    /// Zip the last built lakehouse (every table as Parquet, plus `manifest.json`).
    Download,
    /// Recompute the KPIs and charts for a filter.
    Filter(Box<Filter>),
    /// A page of a table (searched and sorted).
    Table(TableQuery),
    /// One table as a file.
    DownloadTable {
        /// Table name.
        name: String,
        /// Parquet or CSV.
        format: TableFormat,
        /// Only the rows behind the dashboard under this filter.
        #[serde(default)]
        drill: Option<Filter>,
    },
    /// A zip for another platform: a Power BI project (whose `DataFolder`
    /// is `unzip_folder` plus `\\data`), Delta tables or a Databricks bundle.
    Export {
        /// Which.
        kind: ExportKind,
        /// Where the user will unzip the Power BI project.
        unzip_folder: String,
    },
    /// One patient's timeline.
    Patient {
        /// The patient's Synthea id.
        id: String,
    },
    /// Save the lakehouse just built in the browser's origin private file
    /// system (OPFS), a table at a time.
    Save {
        /// Where the data came from (`3 files from csv/`, `Demo data`).
        source: String,
    },
    /// The saved lakehouses.
    ListSaved,
    /// Rebuild the dashboard from a saved lakehouse's Parquet.
    OpenSaved {
        /// Its id.
        id: String,
    },
    /// Give a saved lakehouse a new name.
    RenameSaved {
        /// Its id.
        id: String,
        /// The new name.
        name: String,
    },
    /// Delete a saved lakehouse and its files.
    DeleteSaved {
        /// Its id.
        id: String,
    },
    /// A saved lakehouse's files, zipped.
    DownloadSaved {
        /// Its id.
        id: String,
    },
}

impl Request {
    /// Whether the request works on the browser's storage (OPFS), whose
    /// calls are asynchronous: the worker answers it from a task of its own.
    pub fn is_storage(&self) -> bool {
        matches!(
            self,
            Request::Save { .. }
                | Request::ListSaved
                | Request::OpenSaved { .. }
                | Request::RenameSaved { .. }
                | Request::DeleteSaved { .. }
                | Request::DownloadSaved { .. }
        )
    }
}

/// Whether a loaded file's SHA-256 (for `manifest.json`) is taken by a
/// second worker while the first builds: every file but a `.zip`, whose
/// entries are hashed as they are inflated.
pub fn hashed_apart(path: &str) -> bool {
    !path.to_ascii_lowercase().ends_with(".zip")
}

/// A lakehouse saved in the browser (its `lakehouse.json`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SavedLakehouse {
    /// Its folder's name in the origin private file system.
    pub id: String,
    /// The name the user gave it (at first, its source).
    pub name: String,
    /// Where the data came from.
    pub source: String,
    /// Detected Synthea version.
    pub version: String,
    /// When it was loaded, `YYYY-MM-DD HH:MM` in the browser's time zone.
    pub saved_at: String,
    /// Bytes of its files.
    pub bytes: u64,
    /// Its files (Parquet per table, and `manifest.json`).
    pub files: u64,
    /// Rows of the bronze tables (with the rejects).
    pub bronze_rows: u64,
    /// Rows of the silver tables.
    pub silver_rows: u64,
    /// Rows of the gold tables.
    pub gold_rows: u64,
}

/// How far a `.zip` input may expand: the user can raise the limits that
/// stop a zip bomb when a genuine export is larger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZipLimits {
    /// Most GiB all entries together may expand to.
    pub max_gib: u64,
    /// Most bytes per byte of the archive.
    pub max_ratio: u64,
}

impl Default for ZipLimits {
    fn default() -> Self {
        let limits = lakehouse_pipeline::bronze::archive::ZipLimits::default();
        Self {
            max_gib: limits.max_gib(),
            max_ratio: limits.max_ratio,
        }
    }
}

impl ZipLimits {
    /// The bronze reader's limits.
    pub fn to_bronze(self) -> lakehouse_pipeline::bronze::archive::ZipLimits {
        lakehouse_pipeline::bronze::archive::ZipLimits::from_gib(self.max_gib, self.max_ratio)
    }
}

/// A single table's file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TableFormat {
    /// Snappy Parquet, as the CLI writes it.
    Parquet,
    /// RFC 4180 CSV with formula-injection escaping.
    Csv,
}

impl TableFormat {
    /// The file name extension (`parquet`, `csv`).
    pub fn extension(self) -> &'static str {
        match self {
            TableFormat::Parquet => "parquet",
            TableFormat::Csv => "csv",
        }
    }
}

/// A zip for another platform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    /// A Power BI project (PBIP, TMDL model) with its Parquet data.
    PowerBi,
    /// Every silver and gold table as a Delta table.
    Delta,
    /// A Databricks Asset Bundle re-running the pipeline on Spark.
    Databricks,
}

/// A stage of a load.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The request is sent; the worker has not reported yet.
    #[default]
    Starting,
    /// Generating the demo data.
    Demo,
    /// Reading the files into bronze.
    Bronze,
    /// Building the star schema.
    Silver,
    /// Computing the metrics.
    Gold,
    /// Reading a saved lakehouse's Parquet from the browser's storage.
    Opening,
}

impl Stage {
    /// What the stage does, for a progress line.
    pub fn describe(self) -> &'static str {
        match self {
            Stage::Starting => "Starting the worker",
            Stage::Demo => "Generating demo data",
            Stage::Bronze => "Reading files (bronze)",
            Stage::Silver => "Building the star schema (silver)",
            Stage::Gold => "Computing metrics (gold)",
            Stage::Opening => "Opening the saved lakehouse",
        }
    }
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
    /// Only the rows behind the dashboard under this filter (a drill-through
    /// from a chart; see `Dashboard::drill` for which tables).
    #[serde(default)]
    pub drill: Option<Filter>,
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
    /// The lakehouse just built is saved in the browser.
    Saved(SavedLakehouse),
    /// Saving it failed; nothing of it was kept.
    SaveFailed(UserMessage),
    /// The SHA-256 of each file of a stream of [`Request::HashChunk`]s,
    /// in its order.
    Hashed {
        /// Lower-case hex SHA-256 per file.
        hashes: Vec<String>,
    },
    /// The saved lakehouses, newest first (a struct variant: an internally
    /// tagged enum cannot hold a bare list).
    Workspace {
        /// The list.
        saved: Vec<SavedLakehouse>,
    },
}

/// A dimension the dashboard filters on. Its URL key, its label, its bit in
/// the dashboard's filter masks and its control in the filter bar all come
/// from here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// First encounter day, `YYYY-MM-DD`.
    From,
    /// Last encounter day, `YYYY-MM-DD`.
    To,
    /// Patient gender (`F`, `M`).
    Gender,
    /// Patient age band on the as-of day.
    AgeBand,
    /// Patient race.
    Race,
    /// Patient ethnicity.
    Ethnicity,
    /// Encounter class.
    Class,
    /// Organization name.
    Organization,
    /// Provider (clinician) name.
    Provider,
    /// Payer name.
    Payer,
    /// Patients with this condition (description).
    Condition,
    /// Patients with this procedure (description).
    Procedure,
}

impl Dimension {
    /// Every dimension, in the order filters are listed (URL, chips).
    pub const ALL: [Dimension; 12] = [
        Dimension::From,
        Dimension::To,
        Dimension::Gender,
        Dimension::AgeBand,
        Dimension::Race,
        Dimension::Ethnicity,
        Dimension::Class,
        Dimension::Organization,
        Dimension::Provider,
        Dimension::Payer,
        Dimension::Condition,
        Dimension::Procedure,
    ];

    /// The URL query key.
    pub const fn key(self) -> &'static str {
        match self {
            Dimension::From => "from",
            Dimension::To => "to",
            Dimension::Gender => "gender",
            Dimension::AgeBand => "age",
            Dimension::Race => "race",
            Dimension::Ethnicity => "ethnicity",
            Dimension::Class => "class",
            Dimension::Organization => "org",
            Dimension::Provider => "provider",
            Dimension::Payer => "payer",
            Dimension::Condition => "condition",
            Dimension::Procedure => "procedure",
        }
    }

    /// The label of its control and chip.
    pub const fn label(self) -> &'static str {
        match self {
            Dimension::From => "From",
            Dimension::To => "To",
            Dimension::Gender => "Gender",
            Dimension::AgeBand => "Age band",
            Dimension::Race => "Race",
            Dimension::Ethnicity => "Ethnicity",
            Dimension::Class => "Encounter class",
            Dimension::Organization => "Organization",
            Dimension::Provider => "Provider",
            Dimension::Payer => "Payer",
            Dimension::Condition => "Condition",
            Dimension::Procedure => "Procedure",
        }
    }

    /// Whether it filters patients (and so every fact of theirs) rather
    /// than encounters.
    pub const fn is_patient(self) -> bool {
        matches!(
            self,
            Dimension::Gender
                | Dimension::AgeBand
                | Dimension::Race
                | Dimension::Ethnicity
                | Dimension::Condition
                | Dimension::Procedure
        )
    }

    /// Its bit in a set of filters.
    pub const fn bit(self) -> u16 {
        1 << self as u16
    }

    /// The bits of every patient (`true`) or encounter (`false`) dimension.
    pub const fn bits_where_patient(patient: bool) -> u16 {
        let mut bits = 0;
        let mut i = 0;
        while i < Self::ALL.len() {
            if Self::ALL[i].is_patient() == patient {
                bits |= Self::ALL[i].bit();
            }
            i += 1;
        }
        bits
    }

    /// The dimension of a URL key.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.key() == key)
    }
}

/// The dashboard's filters: each narrows every KPI and chart (a ranked chart
/// ignores the filter on its own dimension and highlights the choice).
/// Values are the labels the charts show; a dimension may have several (a
/// row passes when it has any of them), kept sorted so that a filter has one
/// form (and one URL).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    values: [Vec<String>; 12],
}

/// The values the filter controls offer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FilterOptions {
    /// The first encounter day.
    pub first_day: Option<String>,
    /// The last encounter day.
    pub last_day: Option<String>,
    /// The values of each dimension of [`FilterOptions::SELECTS`], sorted.
    pub values: std::collections::BTreeMap<Dimension, Vec<String>>,
}

impl FilterOptions {
    /// The dimensions the filter bar offers as a select, in its order.
    pub const SELECTS: [Dimension; 6] = [
        Dimension::Gender,
        Dimension::AgeBand,
        Dimension::Race,
        Dimension::Class,
        Dimension::Organization,
        Dimension::Payer,
    ];

    /// The values `dimension` can take (empty when it has no select).
    pub fn values(&self, dimension: Dimension) -> &[String] {
        self.values.get(&dimension).map_or(&[], Vec::as_slice)
    }
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
    /// The period the KPI changes compare with (first and last day), when
    /// a date filter is set.
    #[serde(default)]
    pub previous_period: Option<(String, String)>,
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
    /// The stage.
    pub stage: Stage,
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

impl UserMessage {
    /// A message without a hint.
    pub fn new(title: &str, detail: impl std::fmt::Display) -> Self {
        Self {
            title: title.to_string(),
            detail: detail.to_string(),
            hint: None,
        }
    }

    /// A pipeline error as a message: its text is the detail, its
    /// [`lakehouse_pipeline::Error::hint`] the hint.
    pub fn from_error(title: &str, error: &lakehouse_pipeline::Error) -> Self {
        Self {
            title: title.to_string(),
            detail: error.to_string(),
            hint: error.hint(),
        }
    }
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
    /// What a rate is over: its numerator and denominator (`12 of 340 index
    /// stays`), so that no rate hides its base.
    #[serde(default)]
    pub detail: Option<String>,
    /// The value in the previous period of the same length (with a date
    /// filter only).
    #[serde(default)]
    pub previous: Option<f64>,
    /// The change against it: `▲ 12.3 %` (counts and money), `▼ 1.2 pts`
    /// (rates), or why there is none.
    #[serde(default)]
    pub change: Option<String>,
    /// The value per month of the chart axis, for a sparkline (empty for
    /// the KPIs without one; `None` is a month without a value).
    #[serde(default)]
    pub trend: Vec<Option<f64>>,
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
    /// The saved lakehouse this was opened from.
    #[serde(default)]
    pub saved: Option<SavedLakehouse>,
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
    /// Every calendar month (`YYYY-MM`) in the data's encounter range (and
    /// the date filter), oldest first: the x axis of the monthly charts.
    pub months: Vec<String>,
    /// Encounters per month, per encounter class (class, one value per month).
    pub monthly_by_class: Vec<(String, Vec<f64>)>,
    /// HEDIS-style 30-day readmission rate (%) per discharge month (one
    /// value per month); `None` where no index stay was discharged (a gap,
    /// not 0 %).
    pub readmission_rate_by_month: Vec<Option<f64>>,
    /// The rate's denominator: index stays discharged per month.
    pub index_stays_by_month: Vec<f64>,
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
    /// Paid per member month per payer (payers with member months).
    pub pmpm_by_payer: Vec<Bar>,
    /// Inpatient admissions per 1,000 member-years per payer.
    pub admits_per_1000_by_payer: Vec<Bar>,
    /// Paid per member month by month, for the payers with the most member
    /// months overall (among those with members under the filter): (payer,
    /// its overall rank, which picks its colour, one value per month);
    /// `None` where a payer has no members that month (a gap, not 0).
    pub pmpm_by_month: Vec<(String, u8, Vec<Option<f64>>)>,
}

impl Filter {
    /// The chosen value of `dimension` (the first, when several are).
    pub fn get(&self, dimension: Dimension) -> Option<&str> {
        self.values[dimension as usize].first().map(String::as_str)
    }

    /// Every chosen value of `dimension`, sorted.
    pub fn chosen(&self, dimension: Dimension) -> &[String] {
        &self.values[dimension as usize]
    }

    /// Whether `dimension` is filtered.
    pub fn is_set(&self, dimension: Dimension) -> bool {
        !self.values[dimension as usize].is_empty()
    }

    /// Sets `dimension` to `value` alone (or, with an empty value, clears it).
    pub fn set(&mut self, dimension: Dimension, value: &str) {
        self.values[dimension as usize] = if value.is_empty() {
            Vec::new()
        } else {
            vec![value.to_string()]
        };
    }

    /// This filter with `dimension` set to `value` alone (or cleared).
    pub fn with(&self, dimension: Dimension, value: &str) -> Self {
        let mut next = self.clone();
        next.set(dimension, value);
        next
    }

    /// This filter with `value` added to `dimension`'s choice, or taken
    /// out of it when it is there (a date takes one value: it is set).
    pub fn toggled(&self, dimension: Dimension, value: &str) -> Self {
        if matches!(dimension, Dimension::From | Dimension::To) {
            return self.with(dimension, value);
        }
        let mut next = self.clone();
        let values = &mut next.values[dimension as usize];
        match values.binary_search_by(|v| v.as_str().cmp(value)) {
            Ok(i) => {
                values.remove(i);
            }
            Err(i) if !value.is_empty() => values.insert(i, value.to_string()),
            Err(_) => {}
        }
        next
    }

    /// The active filters, a pair per chosen value, in [`Dimension::ALL`]
    /// order.
    pub fn active(&self) -> Vec<(Dimension, String)> {
        Dimension::ALL
            .into_iter()
            .flat_map(|d| self.chosen(d).iter().map(move |v| (d, v.clone())))
            .collect()
    }

    /// The bits of the active filters ([`Dimension::bit`]).
    pub fn bits(&self) -> u16 {
        Dimension::ALL
            .into_iter()
            .filter(|&d| self.is_set(d))
            .fold(0, |bits, d| bits | d.bit())
    }

    /// The filter from URL query pairs: a key given twice chooses both
    /// values (a date keeps its last); unknown keys are ignored.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut filter = Self::default();
        for (key, value) in pairs {
            if let Some(dimension) = Dimension::from_key(key) {
                if filter.chosen(dimension).iter().any(|v| v == value) {
                    continue;
                }
                filter = filter.toggled(dimension, value);
            }
        }
        filter
    }

    /// `key=value&…` of the active filters (unescaped; for display and tests).
    pub fn describe(&self) -> String {
        self.active()
            .into_iter()
            .map(|(d, value)| format!("{}={value}", d.key()))
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
    fn every_storage_message_crosses_the_worker_boundary() {
        let saved = SavedLakehouse {
            id: "lh-1".into(),
            name: "pilot".into(),
            ..SavedLakehouse::default()
        };
        let requests = [
            Request::Save { source: "x".into() },
            Request::ListSaved,
            Request::OpenSaved { id: "lh-1".into() },
            Request::RenameSaved {
                id: "lh-1".into(),
                name: "n".into(),
            },
            Request::DeleteSaved { id: "lh-1".into() },
            Request::DownloadSaved { id: "lh-1".into() },
        ];
        for request in requests {
            assert!(request.is_storage());
            let text = serde_json::to_string(&request).unwrap();
            assert_eq!(serde_json::from_str::<Request>(&text).unwrap(), request);
        }
        assert!(!Request::Download.is_storage());
        let responses = [
            Response::Saved(saved.clone()),
            Response::SaveFailed(UserMessage::new("a", "b")),
            Response::Workspace {
                saved: vec![saved.clone(), saved],
            },
            Response::Workspace { saved: Vec::new() },
        ];
        for response in responses {
            let text = serde_json::to_string(&response).unwrap();
            assert_eq!(serde_json::from_str::<Response>(&text).unwrap(), response);
        }
    }

    #[test]
    fn filters_round_trip_through_url_pairs() {
        let filter = Filter::from_pairs([
            ("org", "Worcester Medical Practice"),
            ("age", "18-44"),
            ("from", "2020-01-01"),
            ("nonsense", "x"),
        ]);
        assert_eq!(
            filter.active(),
            vec![
                (Dimension::From, "2020-01-01".to_string()),
                (Dimension::AgeBand, "18-44".to_string()),
                (
                    Dimension::Organization,
                    "Worcester Medical Practice".to_string()
                ),
            ]
        );
        assert_eq!(
            filter.describe(),
            "from=2020-01-01&age=18-44&org=Worcester Medical Practice"
        );
        let pairs: Vec<(&str, String)> = filter
            .active()
            .into_iter()
            .map(|(d, v)| (d.key(), v))
            .collect();
        let back = Filter::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())));
        assert_eq!(back, filter);
        assert!(
            filter
                .with(Dimension::Organization, "")
                .with(Dimension::AgeBand, "")
                .with(Dimension::From, "")
                .is_empty()
        );
    }

    #[test]
    fn a_dimension_can_choose_several_values() {
        let two = Filter::default()
            .toggled(Dimension::Payer, "Medicare")
            .toggled(Dimension::Payer, "Aetna");
        assert_eq!(two.chosen(Dimension::Payer), ["Aetna", "Medicare"]);
        assert_eq!(two.describe(), "payer=Aetna&payer=Medicare");
        // The same pairs in any order give the same filter.
        let back = Filter::from_pairs([
            ("payer", "Medicare"),
            ("payer", "Aetna"),
            ("payer", "Aetna"),
        ]);
        assert_eq!(back, two);
        // Toggling a chosen value takes it out; `with` chooses one alone.
        assert_eq!(
            two.toggled(Dimension::Payer, "Aetna").describe(),
            "payer=Medicare"
        );
        assert_eq!(
            two.with(Dimension::Payer, "Cigna").describe(),
            "payer=Cigna"
        );
        // A date takes one value.
        let dates = Filter::from_pairs([("from", "2020-01-01"), ("from", "2021-01-01")]);
        assert_eq!(dates.describe(), "from=2021-01-01");
        assert!(
            two.toggled(Dimension::Payer, "Aetna")
                .toggled(Dimension::Payer, "Medicare")
                .is_empty()
        );
    }

    #[test]
    fn every_dimension_has_its_own_key_and_bit() {
        let keys: std::collections::BTreeSet<&str> =
            Dimension::ALL.iter().map(|d| d.key()).collect();
        assert_eq!(keys.len(), Dimension::ALL.len());
        for (i, d) in Dimension::ALL.into_iter().enumerate() {
            assert_eq!(d as usize, i);
            assert_eq!(Dimension::from_key(d.key()), Some(d));
        }
        assert_eq!(
            Dimension::bits_where_patient(true) | Dimension::bits_where_patient(false),
            (1 << Dimension::ALL.len()) - 1
        );
        assert_eq!(
            Dimension::bits_where_patient(true) & Dimension::bits_where_patient(false),
            0
        );
    }
}
