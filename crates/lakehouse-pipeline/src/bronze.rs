//! Bronze: raw Synthea CSV files in, typed Arrow tables out, nothing lost.
//!
//! Files are pushed in chunks of any size ([`BronzeBuilder::push`]); the
//! decoder keeps at most one partial line between chunks, so no file is ever
//! held whole. Each line is split on `,` (Synthea never quotes; see the data
//! dictionary §1), matched to the file's header by column *name*, and typed.
//! A row that cannot be typed goes to `bronze_rejects` with its file, line,
//! column, reason and raw text; for every file, data rows read = accepted +
//! rejected.

pub mod archive;
pub mod spec;
mod version;

use std::sync::Arc;

use arrow_array::builder::{
    Date32Builder, Float64Builder, Int64Builder, StringBuilder, StringDictionaryBuilder,
    TimestampMicrosecondBuilder,
};
use arrow_array::types::Int32Type;
use arrow_array::{Array, ArrayRef, DictionaryArray, Int32Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use sha2::{Digest, Sha256};

use crate::dates;
use crate::error::{Error, Result};
pub use spec::{ColumnSpec, ColumnType, TABLES, TableSpec, VERSIONS};
pub use version::VersionRange;

/// Name of the quarantine table.
pub const REJECTS_TABLE: &str = "bronze_rejects";
/// Provenance column: the input file a row came from.
pub const SOURCE_FILE_COLUMN: &str = "_source_file";
/// Provenance column: the 1-based line number of a row in its file.
pub const SOURCE_LINE_COLUMN: &str = "_source_line";
/// A line longer than this is rejected (and skipped up to its end) rather than buffered.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Options for [`BronzeBuilder`].
#[derive(Clone, Debug)]
pub struct IngestOptions {
    /// Rows per Arrow batch of a bronze table.
    pub batch_rows: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        Self { batch_rows: 65_536 }
    }
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
    /// Versions (indices into [`VERSIONS`]) whose layout matches this file's header.
    pub layout_versions: Vec<u8>,
    /// The canonical column of each field of the file, in file order (`None`
    /// for an unknown or repeated header field); empty until line 1 is read.
    pub fields: Vec<Option<&'static str>>,
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

/// `column` as type `expected`: as it is, or, for a text column written as
/// plain `Utf8` (run outputs from before bronze text was dictionary-encoded),
/// re-encoded. `None` when the types do not fit.
fn text_as_dictionary(column: &ArrayRef, expected: &DataType) -> Option<ArrayRef> {
    if column.data_type() == expected {
        return Some(column.clone());
    }
    let text = column.as_any().downcast_ref::<StringArray>()?;
    if *expected != text_type() {
        return None;
    }
    let mut builder = StringDictionaryBuilder::<Int32Type>::new();
    for value in text {
        builder.append_option(value);
    }
    Some(Arc::new(builder.finish()))
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

/// A finished builder's array without the builder's spare capacity (up to
/// half of its buffers, as they grow by doubling).
fn fitted<A: Array + 'static>(mut array: A) -> ArrayRef {
    array.shrink_to_fit();
    Arc::new(array)
}

enum ColumnBuilder {
    Text(StringDictionaryBuilder<Int32Type>),
    Date(Date32Builder),
    Timestamp(TimestampMicrosecondBuilder),
    Float(Float64Builder),
    Int(Int64Builder),
}

impl ColumnBuilder {
    fn new(column_type: ColumnType) -> Self {
        match column_type {
            ColumnType::Text => Self::Text(StringDictionaryBuilder::new()),
            ColumnType::Date => Self::Date(Date32Builder::new()),
            ColumnType::DateTime | ColumnType::YearOrDateTime => {
                Self::Timestamp(TimestampMicrosecondBuilder::new().with_timezone("UTC"))
            }
            ColumnType::Float => Self::Float(Float64Builder::new()),
            ColumnType::Int => Self::Int(Int64Builder::new()),
        }
    }

    fn append(&mut self, value: &Parsed, line: &str) {
        match (self, value) {
            (Self::Text(b), Parsed::Text(start, end)) => b.append_value(&line[*start..*end]),
            (Self::Date(b), Parsed::Date(d)) => b.append_value(*d),
            (Self::Timestamp(b), Parsed::Timestamp(t)) => b.append_value(*t),
            (Self::Float(b), Parsed::Float(f)) => b.append_value(*f),
            (Self::Int(b), Parsed::Int(i)) => b.append_value(*i),
            (Self::Text(b), _) => b.append_null(),
            (Self::Date(b), _) => b.append_null(),
            (Self::Timestamp(b), _) => b.append_null(),
            (Self::Float(b), _) => b.append_null(),
            (Self::Int(b), _) => b.append_null(),
        }
    }

    /// The column so far (see [`fitted`]).
    fn finish(&mut self) -> ArrayRef {
        match self {
            Self::Text(b) => fitted(b.finish()),
            Self::Date(b) => fitted(b.finish()),
            Self::Timestamp(b) => fitted(b.finish()),
            Self::Float(b) => fitted(b.finish()),
            Self::Int(b) => fitted(b.finish()),
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Parsed {
    Null,
    Text(usize, usize),
    Date(i32),
    Timestamp(i64),
    Float(f64),
    Int(i64),
}

/// Accumulates the rows of one file kind across all its part files.
struct TableAccumulator {
    schema: SchemaRef,
    columns: Vec<ColumnBuilder>,
    file_names: Vec<String>,
    source_file: Vec<i32>,
    source_line: Int64Builder,
    rows: usize,
    batches: Vec<RecordBatch>,
}

impl TableAccumulator {
    fn new(spec: &'static TableSpec) -> Self {
        Self {
            schema: bronze_schema(spec),
            columns: spec
                .columns
                .iter()
                .map(|c| ColumnBuilder::new(c.column_type))
                .collect(),
            file_names: Vec::new(),
            source_file: Vec::new(),
            source_line: Int64Builder::new(),
            rows: 0,
            batches: Vec::new(),
        }
    }

    fn flush(&mut self) -> Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let mut arrays: Vec<ArrayRef> =
            self.columns.iter_mut().map(ColumnBuilder::finish).collect();
        let keys = Int32Array::from(std::mem::take(&mut self.source_file));
        let values = Arc::new(StringArray::from_iter_values(self.file_names.iter()));
        arrays.push(Arc::new(DictionaryArray::<Int32Type>::try_new(
            keys, values,
        )?));
        arrays.push(fitted(self.source_line.finish()));
        self.batches
            .push(RecordBatch::try_new(self.schema.clone(), arrays)?);
        self.rows = 0;
        Ok(())
    }
}

struct RejectsBuilder {
    file: StringBuilder,
    line: Int64Builder,
    column: StringBuilder,
    reason: StringBuilder,
    raw_line: StringBuilder,
}

impl RejectsBuilder {
    fn new() -> Self {
        Self {
            file: StringBuilder::new(),
            line: Int64Builder::new(),
            column: StringBuilder::new(),
            reason: StringBuilder::new(),
            raw_line: StringBuilder::new(),
        }
    }

    fn push(&mut self, file: &str, line: u64, column: Option<&str>, reason: &str, raw: &[u8]) {
        self.file.append_value(file);
        self.line.append_value(line as i64);
        self.column.append_option(column);
        self.reason.append_value(reason);
        self.raw_line.append_value(String::from_utf8_lossy(raw));
    }

    fn finish(mut self) -> Result<RecordBatch> {
        Ok(RecordBatch::try_new(
            rejects_schema(),
            vec![
                Arc::new(self.file.finish()),
                Arc::new(self.line.finish()),
                Arc::new(self.column.finish()),
                Arc::new(self.reason.finish()),
                Arc::new(self.raw_line.finish()),
            ],
        )?)
    }
}

/// The state of the file being pushed.
struct OpenFile {
    report: FileReport,
    table: Option<usize>,
    hasher: Sha256,
    carry: Vec<u8>,
    /// Skipping the rest of an over-long line.
    skipping: bool,
    line_number: u64,
    /// For each field of a line, the canonical column it fills (`None`: ignored).
    mapping: Option<Vec<Option<usize>>>,
    header_line: Vec<u8>,
    scratch: Vec<Parsed>,
}

/// Ingests Synthea CSV files pushed in chunks; see the module docs.
pub struct BronzeBuilder {
    options: IngestOptions,
    accumulators: Vec<Option<TableAccumulator>>,
    rejects: RejectsBuilder,
    files: Vec<FileReport>,
    warnings: Vec<String>,
    open: Option<OpenFile>,
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

impl Default for BronzeBuilder {
    fn default() -> Self {
        Self::new(IngestOptions::default())
    }
}

impl BronzeBuilder {
    /// A builder with no files yet.
    pub fn new(options: IngestOptions) -> Self {
        Self {
            options,
            accumulators: TABLES.iter().map(|_| None).collect(),
            rejects: RejectsBuilder::new(),
            files: Vec::new(),
            warnings: Vec::new(),
            open: None,
        }
    }

    /// Data rows read so far, over every file (closed and open): for progress.
    pub fn rows_read(&self) -> u64 {
        self.files.iter().map(|f| f.rows_read).sum::<u64>()
            + self.open.as_ref().map_or(0, |o| o.report.rows_read)
    }

    /// Starts a file; the bytes follow through [`push`](Self::push), and
    /// [`end_file`](Self::end_file) closes it. A file that is open is closed first.
    pub fn begin_file(&mut self, path: &str) -> Result<()> {
        if self.open.is_some() {
            self.end_file()?;
        }
        let table = file_kind(path).and_then(|kind| TABLES.iter().position(|t| t.file == kind));
        let report = FileReport {
            path: path.to_string(),
            kind: table.map(|t| TABLES[t].file),
            ..FileReport::default()
        };
        if table.is_none() {
            self.warnings.push(format!(
                "`{path}` is not a Synthea CSV file this pipeline knows; skipped"
            ));
        }
        self.open = Some(OpenFile {
            report,
            table,
            hasher: Sha256::new(),
            carry: Vec::new(),
            skipping: false,
            line_number: 0,
            mapping: None,
            header_line: Vec::new(),
            scratch: Vec::new(),
        });
        Ok(())
    }

    /// Feeds the next chunk of the open file.
    pub fn push(&mut self, chunk: &[u8]) -> Result<()> {
        let mut open = self.open.take().ok_or(Error::NoOpenFile)?;
        let result = self.push_into(&mut open, chunk);
        self.open = Some(open);
        result
    }

    fn push_into(&mut self, open: &mut OpenFile, chunk: &[u8]) -> Result<()> {
        open.hasher.update(chunk);
        open.report.bytes += chunk.len() as u64;
        if open.table.is_none() {
            return Ok(());
        }
        let mut rest = chunk;
        while let Some(newline) = memchr::memchr(b'\n', rest) {
            let (line, tail) = rest.split_at(newline);
            rest = &tail[1..];
            if open.skipping {
                open.skipping = false;
                open.carry.clear();
                continue;
            }
            if open.carry.is_empty() {
                self.line(open, line)?;
            } else {
                let mut joined = std::mem::take(&mut open.carry);
                joined.extend_from_slice(line);
                self.line(open, &joined)?;
                joined.clear();
                open.carry = joined;
            }
        }
        if !open.skipping {
            open.carry.extend_from_slice(rest);
            if open.carry.len() > MAX_LINE_BYTES {
                open.line_number += 1;
                let carry = std::mem::take(&mut open.carry);
                self.reject_long_line(open, &carry);
                open.skipping = true;
            }
        }
        Ok(())
    }

    /// Closes the open file: its last line (without a final newline) is read too.
    pub fn end_file(&mut self) -> Result<()> {
        let mut open = self.open.take().ok_or(Error::NoOpenFile)?;
        if !open.carry.is_empty() && !open.skipping {
            let last = std::mem::take(&mut open.carry);
            self.line(&mut open, &last)?;
        }
        if open.table.is_some() && open.mapping.is_none() {
            self.warnings.push(format!(
                "`{}` is empty (not even a header)",
                open.report.path
            ));
        }
        open.report.sha256 = hex(&open.hasher.finalize());
        self.files.push(open.report);
        Ok(())
    }

    /// Ingests one whole in-memory file (a convenience for tests and small inputs).
    pub fn add_bytes(&mut self, path: &str, bytes: &[u8]) -> Result<()> {
        self.begin_file(path)?;
        self.push(bytes)?;
        self.end_file()
    }

    fn line(&mut self, open: &mut OpenFile, raw: &[u8]) -> Result<()> {
        open.line_number += 1;
        let mut line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if open.line_number == 1 {
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        if line.is_empty() {
            open.report.blank_lines += 1;
            return Ok(());
        }
        let Some(table_index) = open.table else {
            return Ok(());
        };
        if line.len() > MAX_LINE_BYTES {
            self.reject_long_line(open, line);
            return Ok(());
        }
        let spec = &TABLES[table_index];
        if open.mapping.is_none() {
            if self.header(open, spec, line)? {
                return Ok(());
            }
        } else if line == open.header_line.as_slice() {
            open.report.repeated_headers += 1;
            return Ok(());
        }
        open.report.rows_read += 1;
        match parse_row(open, spec, line) {
            Ok(()) => {
                let accumulator = self.accumulators[table_index]
                    .get_or_insert_with(|| TableAccumulator::new(spec));
                let text = std::str::from_utf8(line).unwrap_or_default();
                for (builder, value) in accumulator.columns.iter_mut().zip(&open.scratch) {
                    builder.append(value, text);
                }
                let file_index = match accumulator.file_names.last() {
                    Some(last) if *last == open.report.path => accumulator.file_names.len() - 1,
                    _ => {
                        accumulator.file_names.push(open.report.path.clone());
                        accumulator.file_names.len() - 1
                    }
                };
                accumulator.source_file.push(file_index as i32);
                accumulator
                    .source_line
                    .append_value(open.line_number as i64);
                accumulator.rows += 1;
                open.report.rows_accepted += 1;
                if accumulator.rows >= self.options.batch_rows {
                    accumulator.flush()?;
                }
            }
            Err(RowError { column, reason }) => {
                open.report.rows_rejected += 1;
                self.rejects
                    .push(&open.report.path, open.line_number, column, &reason, line);
            }
        }
        Ok(())
    }

    fn reject_long_line(&mut self, open: &mut OpenFile, line: &[u8]) {
        open.report.rows_read += 1;
        open.report.rows_rejected += 1;
        self.rejects.push(
            &open.report.path,
            open.line_number,
            None,
            &format!("line longer than {MAX_LINE_BYTES} bytes (first 256 bytes kept); is this a CSV file?"),
            &line[..256.min(line.len())],
        );
    }

    /// Reads line 1: a header (returns true) or, for a headerless append-mode
    /// file, the first data row (returns false) after choosing the layout.
    fn header(
        &mut self,
        open: &mut OpenFile,
        spec: &'static TableSpec,
        line: &[u8],
    ) -> Result<bool> {
        let text = String::from_utf8_lossy(line);
        let fields: Vec<&str> = text.split(',').collect();
        let known = fields
            .iter()
            .filter(|f| spec.columns.iter().any(|c| c.matches(f)))
            .count();
        let path = open.report.path.clone();
        if known * 2 >= fields.len() && known > 0 {
            let mut mapping = Vec::with_capacity(fields.len());
            let mut seen = vec![false; spec.columns.len()];
            for field in &fields {
                let column = spec.columns.iter().position(|c| c.matches(field));
                match column {
                    Some(c) if !seen[c] => {
                        seen[c] = true;
                        mapping.push(Some(c));
                    }
                    Some(_) => {
                        self.warnings.push(format!(
                            "`{path}`: column `{field}` appears twice in the header; the second copy is ignored"
                        ));
                        mapping.push(None);
                    }
                    None => {
                        self.warnings
                            .push(format!("`{path}`: unknown column `{field}` is ignored"));
                        mapping.push(None);
                    }
                }
            }
            if let Some(missing) = spec
                .columns
                .iter()
                .zip(&seen)
                .find(|(c, s)| c.required && !**s)
            {
                return Err(Error::MissingColumn {
                    file: path,
                    column: missing.0.name.to_string(),
                });
            }
            open.report.has_header = true;
            open.report.layout_versions = spec::versions_with_layout(spec, &fields);
            if open.report.layout_versions.is_empty() {
                self.warnings.push(format!(
                    "`{path}`: the header matches no Synthea release's layout exactly; columns were matched by name"
                ));
            }
            open.header_line = line.to_vec();
            open.report.fields = mapping
                .iter()
                .map(|c| c.map(|c| spec.columns[c].name))
                .collect();
            open.mapping = Some(mapping);
            Ok(true)
        } else {
            let Some((indices, versions)) = spec::layout_for_field_count(spec, fields.len()) else {
                return Err(Error::UnknownLayout {
                    file: path,
                    table: spec.file.to_string(),
                    fields: fields.len(),
                });
            };
            let range = VersionRange::from_candidates(&versions);
            self.warnings.push(format!(
                "`{path}` has no header (Synthea append mode); its {} fields were read as the {} layout",
                fields.len(),
                range.label()
            ));
            open.report.layout_versions = versions;
            open.report.fields = indices
                .iter()
                .map(|c| Some(spec.columns[*c].name))
                .collect();
            open.mapping = Some(indices.into_iter().map(Some).collect());
            Ok(false)
        }
    }

    /// Closes any open file and returns the bronze layer.
    ///
    /// Fails when `patients.csv` or `encounters.csv` was not among the inputs.
    pub fn finish(mut self) -> Result<Bronze> {
        if self.open.is_some() {
            self.end_file()?;
        }
        for spec in TABLES.iter().filter(|t| t.required) {
            if !self.files.iter().any(|f| f.kind == Some(spec.file)) {
                return Err(Error::MissingFile {
                    file: format!("{}.csv", spec.file),
                });
            }
        }
        let mut tables = Vec::new();
        for (spec, accumulator) in TABLES.iter().zip(self.accumulators) {
            let has_file = self.files.iter().any(|f| f.kind == Some(spec.file));
            match accumulator {
                Some(mut acc) => {
                    acc.flush()?;
                    tables.push(BronzeTable {
                        spec,
                        schema: acc.schema,
                        batches: acc.batches,
                    });
                }
                None if has_file => tables.push(BronzeTable {
                    spec,
                    schema: bronze_schema(spec),
                    batches: Vec::new(),
                }),
                None => {}
            }
        }
        let version = version::detect(&self.files, &tables, &mut self.warnings);
        Ok(Bronze {
            tables,
            rejects: self.rejects.finish()?,
            files: self.files,
            warnings: self.warnings,
            version,
        })
    }
}

struct RowError {
    column: Option<&'static str>,
    reason: String,
}

fn parse_row(open: &mut OpenFile, spec: &'static TableSpec, line: &[u8]) -> Result<(), RowError> {
    let mapping = open.mapping.as_deref().unwrap_or_default();
    let text = std::str::from_utf8(line).map_err(|e| {
        let at = e.valid_up_to();
        let field = memchr::memchr_iter(b',', &line[..at]).count();
        let column = mapping
            .get(field)
            .copied()
            .flatten()
            .map(|c| spec.columns[c].name);
        RowError {
            column,
            reason: format!(
                "invalid UTF-8 at byte {} of the line; re-export the file as UTF-8",
                at + 1
            ),
        }
    })?;
    let bytes = text.as_bytes();
    let field_count = memchr::memchr_iter(b',', bytes).count() + 1;
    if field_count != mapping.len() {
        return Err(RowError {
            column: None,
            reason: format!(
                "expected {} fields (as in the header), found {field_count}; a value may contain a comma",
                mapping.len()
            ),
        });
    }
    open.scratch.clear();
    open.scratch.resize(spec.columns.len(), Parsed::Null);
    let mut start = 0;
    let ends = memchr::memchr_iter(b',', bytes).chain(std::iter::once(bytes.len()));
    for (target, end) in mapping.iter().zip(ends) {
        if let Some(column) = *target {
            open.scratch[column] = parse_field(&spec.columns[column], text, start, end)?;
        }
        start = end + 1;
    }
    for (column, value) in spec.columns.iter().zip(&open.scratch) {
        if column.required && matches!(value, Parsed::Null) {
            return Err(RowError {
                column: Some(column.name),
                reason: format!("missing required value in `{}`", column.name),
            });
        }
    }
    Ok(())
}

fn parse_field(
    column: &ColumnSpec,
    line: &str,
    start: usize,
    end: usize,
) -> Result<Parsed, RowError> {
    let value = &line[start..end];
    if value.is_empty() {
        return Ok(Parsed::Null);
    }
    let bad = |what: &str| RowError {
        column: Some(column.name),
        reason: format!("invalid {what} `{value}` in `{}`", column.name),
    };
    match column.column_type {
        // Synthea prints a Java null as the word `null` (observations.UNITS);
        // it is a missing value, not text.
        ColumnType::Text if value == "null" && !column.required => Ok(Parsed::Null),
        ColumnType::Text => Ok(Parsed::Text(start, end)),
        ColumnType::Date => {
            // Date-only columns; a full datetime is accepted and cut to its UTC day.
            dates::parse_date(value.as_bytes())
                .or_else(|| dates::parse_datetime(value.as_bytes()).map(dates::day_of_timestamp))
                .map(Parsed::Date)
                .ok_or_else(|| bad("date (expected YYYY-MM-DD)"))
        }
        ColumnType::DateTime => dates::parse_datetime(value.as_bytes())
            .map(Parsed::Timestamp)
            .ok_or_else(|| bad("datetime (expected YYYY-MM-DDThh:mm:ssZ)")),
        ColumnType::YearOrDateTime => {
            if value.len() == 4 && value.bytes().all(|b| b.is_ascii_digit()) {
                let year: i32 = value.parse().map_err(|_| bad("year"))?;
                // 2.x wrote whole years: a start is 1 January, an end 31 December.
                let day = if column.name.starts_with("END") {
                    dates::days_from_civil(year, 12, 31)
                } else {
                    dates::days_from_civil(year, 1, 1)
                };
                Ok(Parsed::Timestamp(i64::from(day) * dates::MICROS_PER_DAY))
            } else {
                dates::parse_datetime(value.as_bytes())
                    .map(Parsed::Timestamp)
                    .ok_or_else(|| bad("year or datetime"))
            }
        }
        ColumnType::Float => {
            // `NaN` (payers.QOLS_AVG with no members) and `null` mean "no value".
            if value == "NaN" || value == "null" {
                return Ok(Parsed::Null);
            }
            let parsed: f64 = value.parse().map_err(|_| bad("number"))?;
            if parsed.is_finite() {
                Ok(Parsed::Float(parsed))
            } else {
                Err(bad("number"))
            }
        }
        ColumnType::Int => {
            if value == "null" {
                return Ok(Parsed::Null);
            }
            // Some writers print whole numbers as `12.0`; accept exactly integral values.
            value
                .parse::<i64>()
                .ok()
                .or_else(|| {
                    let f: f64 = value.parse().ok()?;
                    (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
                })
                .map(Parsed::Int)
                .ok_or_else(|| bad("integer"))
        }
    }
}

/// The report of `path` in `files`, added (a headered file of `kind`) when missing.
fn report_for<'a>(
    files: &'a mut Vec<FileReport>,
    path: &str,
    kind: &'static str,
) -> &'a mut FileReport {
    let index = match files.iter().position(|f| f.path == path) {
        Some(index) => index,
        None => {
            files.push(FileReport {
                path: path.to_string(),
                kind: Some(kind),
                has_header: true,
                ..FileReport::default()
            });
            files.len() - 1
        }
    };
    &mut files[index]
}

/// Key of the Parquet footer entry listing a bronze table's source files, so
/// an earlier run output can be exported again (see [`Bronze::from_tables`]).
pub const SOURCES_KEY: &str = "synthea_lakehouse.sources";

impl Bronze {
    /// The [`SOURCES_KEY`] entry of bronze table `spec`: one line per source
    /// file, `path`, header flag, layout versions and fields, tab-separated.
    pub fn sources(&self, spec: &TableSpec) -> String {
        let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
        self.files
            .iter()
            .filter(|f| f.kind == Some(spec.file))
            .map(|f| {
                format!(
                    "{}\t{}\t{}\t{}\n",
                    clean(&f.path),
                    u8::from(f.has_header),
                    f.layout_versions
                        .iter()
                        .map(u8::to_string)
                        .collect::<Vec<_>>()
                        .join(","),
                    f.fields
                        .iter()
                        .map(|c| c.unwrap_or(""))
                        .collect::<Vec<_>>()
                        .join(",")
                )
            })
            .collect()
    }

    /// Rebuilds the bronze layer of an earlier run from its tables: (table
    /// name, batches, [`SOURCES_KEY`] entry) per bronze table, and the
    /// batches of `bronze_rejects`. The per-file accounting is recounted from
    /// the provenance columns; the version is detected again.
    pub fn from_tables(
        tables: Vec<(String, Vec<RecordBatch>, Option<String>)>,
        rejects: Vec<RecordBatch>,
    ) -> Result<Self> {
        let bad = |path: &str, message: String| Error::RunOutput {
            path: path.to_string(),
            message,
        };
        let mut files: Vec<FileReport> = Vec::new();
        let mut bronze_tables = Vec::new();
        for (name, batches, sources) in tables {
            let Some(spec) = spec::table_named(&name) else {
                continue;
            };
            let schema = bronze_schema(spec);
            let mut typed = Vec::with_capacity(batches.len());
            for batch in batches {
                let columns = batch
                    .columns()
                    .iter()
                    .zip(batch.schema().fields())
                    .zip(schema.fields())
                    .map(|((column, field), expected)| {
                        (field.name() == expected.name())
                            .then(|| text_as_dictionary(column, expected.data_type()))
                            .flatten()
                    })
                    .collect::<Option<Vec<_>>>()
                    .filter(|c| c.len() == schema.fields().len())
                    .ok_or_else(|| {
                        bad(
                            &name,
                            "its columns are not this version's bronze schema".into(),
                        )
                    })?;
                typed.push(RecordBatch::try_new(schema.clone(), columns)?);
            }
            for line in sources.as_deref().unwrap_or("").lines() {
                let parts: Vec<&str> = line.split('\t').collect();
                let [path, header, versions, fields] = parts[..] else {
                    return Err(bad(&name, format!("unreadable source entry `{line}`")));
                };
                files.push(FileReport {
                    path: path.to_string(),
                    kind: Some(spec.file),
                    has_header: header == "1",
                    layout_versions: versions.split(',').filter_map(|v| v.parse().ok()).collect(),
                    fields: fields
                        .split(',')
                        .map(|f| spec.columns.iter().find(|c| c.name == f).map(|c| c.name))
                        .collect(),
                    ..FileReport::default()
                });
            }
            // Rows per source file, from the provenance column.
            for batch in &typed {
                let Some(sources) = batch
                    .column(spec.columns.len())
                    .as_any()
                    .downcast_ref::<DictionaryArray<Int32Type>>()
                else {
                    continue;
                };
                let values = sources
                    .values()
                    .as_any()
                    .downcast_ref::<StringArray>()
                    .ok_or_else(|| bad(&name, "`_source_file` is not text".into()))?;
                // Rows per dictionary entry first, then one report lookup per file.
                let mut counts = vec![0u64; arrow_array::Array::len(values)];
                for key in sources.keys().iter().flatten() {
                    if let Some(count) = usize::try_from(key).ok().and_then(|k| counts.get_mut(k)) {
                        *count += 1;
                    }
                }
                for (index, rows) in counts.into_iter().enumerate().filter(|(_, n)| *n > 0) {
                    let report = report_for(&mut files, values.value(index), spec.file);
                    report.rows_accepted += rows;
                    report.rows_read += rows;
                }
            }
            bronze_tables.push(BronzeTable {
                spec,
                schema,
                batches: typed,
            });
        }
        let order = |name: &str| spec::TABLES.iter().position(|t| t.table == name);
        bronze_tables.sort_by_key(|t| order(t.spec.table));
        if !bronze_tables.iter().any(|t| t.spec.file == "patients")
            || !bronze_tables.iter().any(|t| t.spec.file == "encounters")
        {
            return Err(bad(
                "bronze",
                "bronze_patients and bronze_encounters are required".into(),
            ));
        }
        let schema = rejects_schema();
        let mut reject_batches = Vec::with_capacity(rejects.len());
        for batch in rejects {
            let batch = batch
                .with_schema(schema.clone())
                .map_err(|e| bad(REJECTS_TABLE, e.to_string()))?;
            reject_batches.push(batch);
        }
        let mut rejected: std::collections::BTreeMap<&str, u64> = std::collections::BTreeMap::new();
        for batch in &reject_batches {
            if let Some(paths) = batch.column(0).as_any().downcast_ref::<StringArray>() {
                for path in paths.iter().flatten() {
                    *rejected.entry(path).or_default() += 1;
                }
            }
        }
        for (path, rows) in rejected {
            if let Some(report) = files.iter_mut().find(|f| f.path == path) {
                report.rows_rejected += rows;
                report.rows_read += rows;
            }
        }
        let rejects = arrow_select::concat::concat_batches(&schema, &reject_batches)?;
        let mut warnings = Vec::new();
        let version = version::detect(&files, &bronze_tables, &mut warnings);
        Ok(Bronze {
            tables: bronze_tables,
            rejects,
            files,
            warnings,
            version,
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
