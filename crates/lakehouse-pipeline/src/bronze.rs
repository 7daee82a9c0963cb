//! Bronze: raw Synthea CSV files in, typed Arrow tables out, nothing lost.
//!
//! Files are pushed in chunks of any size ([`BronzeBuilder::push`], or
//! [`BronzeBuilder::read`] from any reader); the decoder keeps at most one
//! partial record between chunks, so no file is ever held whole. Each line
//! is split on `,` (Synthea never quotes; see the data dictionary §1; a
//! record holding `"`, as a spreadsheet writes them, is read by RFC 4180),
//! matched to the file's header by column *name*, and typed.
//! A row that cannot be typed goes to `bronze_rejects` with its file, line,
//! column, reason and raw text; for every file, data rows read = accepted +
//! rejected.

pub mod archive;
mod decoder;
mod fields;
mod reload;
pub(crate) mod rows;
pub mod spec;
mod text;
mod version;

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::export::parquet::ColumnLayout;

pub use decoder::{BronzeBuilder, READ_CHUNK_BYTES};
pub(crate) use fields::out_of_range_reason;
pub use fields::{MAX_INTEGER, NON_FINITE_SPELLINGS};
pub use reload::SOURCES_KEY;
pub use spec::{ColumnSpec, ColumnType, TABLES, TableSpec, VERSIONS};
pub use version::VersionRange;

/// Name of the quarantine table.
pub const REJECTS_TABLE: &str = "bronze_rejects";
/// Provenance column: the input file a row came from.
pub const SOURCE_FILE_COLUMN: &str = "_source_file";
/// Provenance column: the 1-based line number of a row in its file.
pub const SOURCE_LINE_COLUMN: &str = "_source_line";

/// The columns of `spec`'s bronze table that Parquet writes without a
/// dictionary: the table's own id (a random UUID per row, left
/// uncompressed too) and the line number.
pub fn parquet_layouts(spec: &TableSpec) -> Vec<(&'static str, ColumnLayout)> {
    spec.columns
        .iter()
        .filter(|c| c.is_row_id())
        .map(|c| (c.name, ColumnLayout::RandomIds))
        .chain([(SOURCE_LINE_COLUMN, ColumnLayout::NoDictionary)])
        .collect()
}

/// A line longer than this is rejected (and skipped up to its end) rather than buffered.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Options for [`BronzeBuilder`].
#[derive(Clone, Debug)]
pub struct IngestOptions {
    /// Rows per Arrow batch of a bronze table.
    pub batch_rows: usize,
    /// How far a `.zip` input may expand.
    pub zip: archive::ZipLimits,
    /// The reference day a two-digit year (`6/10/97`) must not pass; `None`
    /// means the latest four-digit date or time in the input.
    pub as_of: Option<crate::Day>,
}

impl Default for IngestOptions {
    fn default() -> Self {
        Self {
            batch_rows: 16_384,
            zip: archive::ZipLimits::default(),
            as_of: None,
        }
    }
}

/// Shares of the input files (path and size, in input order) for up to
/// `parts` builders read side by side and then joined by
/// [`BronzeBuilder::merge`]. Every file of one kind lands in one share, so
/// its table is batched as one builder would batch it; kinds go largest
/// first to the share with the fewest bytes so far. Each share lists input
/// positions in input order; no share is empty.
pub fn plan_parts(files: &[(&str, u64)], parts: usize) -> Vec<Vec<usize>> {
    let mut groups: Vec<(Option<String>, u64, Vec<usize>)> = Vec::new();
    for (position, (path, bytes)) in files.iter().enumerate() {
        let kind = file_kind(path);
        match groups.iter_mut().find(|g| kind.is_some() && g.0 == kind) {
            Some(group) => {
                group.1 += bytes;
                group.2.push(position);
            }
            None => groups.push((kind, *bytes, vec![position])),
        }
    }
    // Largest first; ties keep input order (the sort is stable).
    groups.sort_by_key(|g| std::cmp::Reverse(g.1));
    let mut shares: Vec<(u64, Vec<usize>)> = vec![(0, Vec::new()); parts.max(1)];
    for (_, bytes, positions) in groups {
        let lightest = (0..shares.len())
            .min_by_key(|&s| (shares[s].0, s))
            .unwrap_or_default();
        shares[lightest].0 += bytes;
        shares[lightest].1.extend(positions);
    }
    shares
        .into_iter()
        .filter(|(_, positions)| !positions.is_empty())
        .map(|(_, mut positions)| {
            positions.sort_unstable();
            positions
        })
        .collect()
}

/// What happened to one input file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FileReport {
    /// The path as given (relative inside a folder or zip).
    pub path: String,
    /// The Synthea file kind (`patients`), or `None` for a skipped unknown file.
    pub kind: Option<&'static str>,
    /// Bytes read.
    pub bytes: u64,
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
    /// Whether the first line was a header.
    pub has_header: bool,
    /// Data rows read (every non-blank line that is not a header).
    pub rows_read: u64,
    /// Rows typed and kept in the bronze table.
    pub rows_accepted: u64,
    /// Rows sent to `bronze_rejects`.
    pub rows_rejected: u64,
    /// Empty lines skipped (not data rows).
    pub blank_lines: u64,
    /// Copies of the header line met after line 1 (concatenated files), skipped.
    pub repeated_headers: u64,
    /// Numbers spelled as not-a-number or an infinity (`NaN`, `nan`, `inf`,
    /// …) in accepted rows, each read as no value.
    pub non_finite_numbers: u64,
    /// Rows holding a date a spreadsheet wrote as month/day/year, read as such.
    pub us_dates: UsDates,
    /// Versions (indices into [`VERSIONS`]) whose layout matches this file's header.
    pub layout_versions: Vec<u8>,
    /// The canonical column of each field of the file, in file order (`None`
    /// for an unknown or repeated header field); empty until line 1 is read.
    pub fields: Vec<Option<&'static str>>,
}

/// The rows of one file that hold a date in a spreadsheet's `m/d/yyyy` or
/// `m/d/yy` form (Excel re-saves ISO dates that way).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UsDates {
    /// How many rows.
    pub rows: u64,
    /// The columns that held one, in spec order.
    pub columns: Vec<&'static str>,
    /// The first few line numbers, as examples.
    pub first_lines: Vec<u64>,
}

impl FileReport {
    /// Adds what a later segment of this file read (see
    /// [`BronzeBuilder::begin_segment`]): counts add up, examples and
    /// columns are kept as one reader would have kept them.
    pub(crate) fn add_segment(&mut self, segment: &FileReport) {
        self.bytes += segment.bytes;
        self.rows_read += segment.rows_read;
        self.rows_accepted += segment.rows_accepted;
        self.rows_rejected += segment.rows_rejected;
        self.blank_lines += segment.blank_lines;
        self.repeated_headers += segment.repeated_headers;
        self.non_finite_numbers += segment.non_finite_numbers;
        let dates = &segment.us_dates;
        self.us_dates.rows += dates.rows;
        let room = 5usize.saturating_sub(self.us_dates.first_lines.len());
        self.us_dates
            .first_lines
            .extend(dates.first_lines.iter().take(room));
        for column in &dates.columns {
            if !self.us_dates.columns.contains(column) {
                self.us_dates.columns.push(column);
            }
        }
    }
}

impl UsDates {
    /// Notes a row at `line` with such dates in `columns`.
    pub(crate) fn note(&mut self, line: u64, columns: impl Iterator<Item = &'static str>) {
        self.rows += 1;
        if self.first_lines.len() < 5 {
            self.first_lines.push(line);
        }
        for column in columns {
            if !self.columns.contains(&column) {
                self.columns.push(column);
            }
        }
    }
}

/// One typed bronze table: every part file of one Synthea file kind.
#[derive(Clone, Debug)]
pub struct BronzeTable {
    /// The file kind's spec.
    pub spec: &'static TableSpec,
    /// The superset schema (all versions' columns plus provenance).
    pub schema: SchemaRef,
    /// The rows, in file order then line order, in batches.
    pub batches: Vec<RecordBatch>,
}

impl BronzeTable {
    /// Total rows over all batches.
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

/// The bronze layer: typed tables, rejects and the per-file accounting.
#[derive(Clone, Debug)]
pub struct Bronze {
    /// One table per Synthea file kind present, in [`TABLES`] order.
    pub tables: Vec<BronzeTable>,
    /// `bronze_rejects`: file, line, column, reason, raw_line.
    pub rejects: RecordBatch,
    /// One report per input file, in the order given.
    pub files: Vec<FileReport>,
    /// Things a user should know that are not row rejects (unknown files, headerless files…).
    pub warnings: Vec<String>,
    /// The Synthea versions consistent with the headers.
    pub version: VersionRange,
}

impl Bronze {
    /// The bronze table of file kind `file` (`patients`), if the input had one.
    pub fn table(&self, file: &str) -> Option<&BronzeTable> {
        self.tables.iter().find(|t| t.spec.file == file)
    }

    /// Sets the SHA-256 of the input file `path` read without one
    /// ([`BronzeBuilder::read_unhashed`]): the first report of that path
    /// whose hash is still empty. Whether there was one.
    pub fn set_sha256(&mut self, path: &str, sha256: String) -> bool {
        match self
            .files
            .iter_mut()
            .find(|f| f.path == path && f.sha256.is_empty())
        {
            Some(file) => {
                file.sha256 = sha256;
                true
            }
            None => false,
        }
    }

    /// Input files still without their SHA-256 (read with
    /// [`BronzeBuilder::read_unhashed`], not yet given one).
    pub fn unhashed_files(&self) -> impl Iterator<Item = &str> {
        self.files
            .iter()
            .filter(|f| f.sha256.is_empty())
            .map(|f| f.path.as_str())
    }
}

/// The latest day of any four-digit date or time in `tables` (the default
/// reference for two-digit years).
fn latest_full_day(tables: &[BronzeTable]) -> Option<i32> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Date32Type, TimestampMicrosecondType};
    let mut latest: Option<i32> = None;
    for batch in tables.iter().flat_map(|t| &t.batches) {
        for column in batch.columns() {
            let days: Box<dyn Iterator<Item = i32>> = match column.data_type() {
                DataType::Date32 => Box::new(
                    column
                        .as_primitive::<Date32Type>()
                        .iter()
                        .flatten()
                        .filter(|&d| d < crate::dates::TWO_DIGIT_MARKS_FROM),
                ),
                DataType::Timestamp(_, _) => Box::new(
                    column
                        .as_primitive::<TimestampMicrosecondType>()
                        .iter()
                        .flatten()
                        .map(crate::dates::day_of_timestamp),
                ),
                _ => continue,
            };
            latest = days.chain(latest).max();
        }
    }
    latest
}

/// Gives every two-digit-year date in `tables` its century: the one that
/// puts it on or before `reference` (the 2000s when there is none).
fn resolve_two_digit_years(
    tables: &mut [BronzeTable],
    reference: Option<i32>,
) -> crate::Result<()> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::Date32Type;
    let reference = reference.unwrap_or(i32::MAX);
    for table in tables {
        for batch in &mut table.batches {
            let mut columns = batch.columns().to_vec();
            let mut changed = false;
            for column in &mut columns {
                if column.data_type() != &DataType::Date32 {
                    continue;
                }
                let days = column.as_primitive::<Date32Type>();
                if !days
                    .iter()
                    .flatten()
                    .any(|d| d >= crate::dates::TWO_DIGIT_MARKS_FROM)
                {
                    continue;
                }
                let resolved: arrow_array::Date32Array = days
                    .iter()
                    .map(|d| d.map(|d| crate::dates::resolve_two_digit_year(d, reference)))
                    .collect();
                *column = std::sync::Arc::new(resolved);
                changed = true;
            }
            if changed {
                *batch = RecordBatch::try_new(batch.schema(), columns)?;
            }
        }
    }
    Ok(())
}

/// The Arrow type of a bronze column type.
pub fn arrow_type(column_type: ColumnType) -> DataType {
    match column_type {
        ColumnType::Text => text_type(),
        ColumnType::Date => DataType::Date32,
        ColumnType::DateTime | ColumnType::YearOrDateTime => {
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
        }
        ColumnType::Float => DataType::Float64,
        ColumnType::Int => DataType::Int64,
    }
}

/// The Arrow type of bronze text columns: dictionary-encoded per batch.
/// Synthea repeats most text values (the patient, encounter, claim and
/// provider ids of every fact row, codes, descriptions), so a batch keeps
/// each distinct value once and a 4-byte key per row: `claims_transactions`
/// shrinks by about half in memory.
pub fn text_type() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

/// The bronze schema of a table spec.
pub fn bronze_schema(spec: &TableSpec) -> SchemaRef {
    let mut fields: Vec<Field> = spec
        .columns
        .iter()
        .map(|c| Field::new(c.name, arrow_type(c.column_type), !c.required))
        .collect();
    fields.push(Field::new(SOURCE_FILE_COLUMN, text_type(), false));
    fields.push(Field::new(SOURCE_LINE_COLUMN, DataType::Int64, false));
    Arc::new(Schema::new(fields))
}

/// The schema of `bronze_rejects`.
pub fn rejects_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("file", DataType::Utf8, false),
        Field::new("line", DataType::Int64, false),
        Field::new("column", DataType::Utf8, true),
        Field::new("reason", DataType::Utf8, false),
        Field::new("raw_line", DataType::Utf8, false),
    ]))
}

/// Splits a path into its Synthea file kind: `run1/observations-01.csv` →
/// `observations`. `None` for anything that is not a `.csv` file.
pub fn file_kind(path: &str) -> Option<String> {
    let base = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let lower = base.to_ascii_lowercase();
    let stem = lower.strip_suffix(".csv")?;
    // Split parts: `name-1`, `name-01`, `name_1` (3.4+ `max_lines_per_file`).
    let trimmed = stem.trim_end_matches(|c: char| c.is_ascii_digit());
    let stem = if trimmed.len() < stem.len() {
        trimmed.strip_suffix(['-', '_']).unwrap_or(stem)
    } else {
        stem
    };
    Some(stem.to_string())
}

/// Bytes as lower-case hex: how a file's SHA-256 is written in its
/// [`FileReport`] (and by a caller that hashes a file read in segments).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A SHA-256 taken chunk by chunk, written (lower-case hex) as a
/// [`FileReport`] holds it: for a caller that hashes a file apart from the
/// pipeline (the browser's second worker).
#[derive(Clone, Default)]
pub struct Sha256Hex(sha2::Sha256);

impl Sha256Hex {
    /// The next bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        sha2::Digest::update(&mut self.0, bytes);
    }

    /// The hash, as lower-case hex.
    pub fn finish(self) -> String {
        hex(&sha2::Digest::finalize(self.0))
    }
}

/// The SHA-256 (lower-case hex) of everything `reader` yields, read in
/// [`READ_CHUNK_BYTES`] chunks.
pub fn sha256_hex(mut reader: impl std::io::Read) -> std::io::Result<String> {
    let mut hasher = Sha256Hex::default();
    let mut buffer = vec![0u8; READ_CHUNK_BYTES];
    loop {
        match reader.read(&mut buffer) {
            Ok(0) => return Ok(hasher.finish()),
            Ok(read) => hasher.update(&buffer[..read]),
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_kinds_from_paths() {
        assert_eq!(file_kind("patients.csv").as_deref(), Some("patients"));
        assert_eq!(
            file_kind("run/2024/Observations-01.csv").as_deref(),
            Some("observations")
        );
        assert_eq!(
            file_kind("observations-1.csv").as_deref(),
            Some("observations")
        );
        assert_eq!(
            file_kind("claims_transactions.csv").as_deref(),
            Some("claims_transactions")
        );
        assert_eq!(
            file_kind("c:\\x\\encounters.CSV").as_deref(),
            Some("encounters")
        );
        assert_eq!(file_kind("README.md"), None);
    }
}
