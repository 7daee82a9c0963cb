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
    /// The KPI cards.
    pub kpis: Vec<Kpi>,
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
}
