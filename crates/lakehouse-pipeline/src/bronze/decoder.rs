//! The push decoder: chunks of any size in, typed Arrow batches, rejects and
//! per-file accounting out. At most one partial line is kept between chunks,
//! so no file is ever held whole.

use std::io::Read;
use std::sync::Arc;

use arrow_array::builder::{
    Date32Builder, Float64Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::{Array, ArrayRef, DictionaryArray, Int32Array, RecordBatch, StringArray};
use arrow_schema::SchemaRef;
use sha2::{Digest, Sha256};

use super::fields::{Parsed, RowError, parse_row, split_quoted};
use super::spec::{self, ColumnSpec, ColumnType, TABLES, TableSpec};
use super::text::TextBuilder;
use super::version::{self, VersionRange};
use super::{
    Bronze, BronzeTable, FileReport, IngestOptions, MAX_LINE_BYTES, bronze_schema, file_kind, hex,
    rejects_schema,
};
use crate::error::{Error, Result};

/// Bytes [`BronzeBuilder::read`] reads per chunk.
pub const READ_CHUNK_BYTES: usize = 1 << 20;

/// A finished builder's array without the builder's spare capacity (up to
/// half of its buffers, as they grow by doubling).
fn fitted<A: Array + 'static>(mut array: A) -> ArrayRef {
    array.shrink_to_fit();
    Arc::new(array)
}

enum ColumnBuilder {
    Text(TextBuilder),
    Date(Date32Builder),
    Timestamp(TimestampMicrosecondBuilder),
    Float(Float64Builder),
    Int(Int64Builder),
}

impl ColumnBuilder {
    fn new(column: &ColumnSpec) -> Self {
        match column.column_type {
            ColumnType::Text if column.is_row_id() => Self::Text(TextBuilder::row_ids()),
            ColumnType::Text => Self::Text(TextBuilder::new()),
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
            (Self::Text(b), Parsed::Text(start, end)) => {
                b.append_value(&line[*start as usize..*end as usize]);
            }
            (Self::Date(b), Parsed::Date(d) | Parsed::UsDate(d)) => b.append_value(*d),
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
    fn finish(&mut self) -> Result<ArrayRef> {
        Ok(match self {
            Self::Text(b) => fitted(b.finish()?),
            Self::Date(b) => fitted(b.finish()),
            Self::Timestamp(b) => fitted(b.finish()),
            Self::Float(b) => fitted(b.finish()),
            Self::Int(b) => fitted(b.finish()),
        })
    }
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
            columns: spec.columns.iter().map(ColumnBuilder::new).collect(),
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
        let mut arrays: Vec<ArrayRef> = self
            .columns
            .iter_mut()
            .map(ColumnBuilder::finish)
            .collect::<Result<_>>()?;
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

    /// Appends `count` rows of a finished rejects batch from `offset`.
    fn extend(&mut self, batch: &RecordBatch, offset: usize, count: usize) {
        let text = |column: usize| batch.column(column).as_string::<i32>();
        let (file, column, reason, raw) = (text(0), text(2), text(3), text(4));
        let line = batch
            .column(1)
            .as_primitive::<arrow_array::types::Int64Type>();
        for row in offset..offset + count {
            self.file.append_value(file.value(row));
            self.line.append_value(line.value(row));
            self.column
                .append_option(column.is_valid(row).then(|| column.value(row)));
            self.reason.append_value(reason.value(row));
            self.raw_line.append_value(raw.value(row));
        }
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

/// Where a file is in its life, as arrow-rs's push decoders hold their
/// state: what its next line is to the decoder.
enum FileState {
    /// Not a file this pipeline knows: bytes are counted and hashed, nothing
    /// is read.
    Unknown,
    /// A Synthea file (its index in [`TABLES`]) before its first line.
    AwaitingHeader(usize),
    /// Reading the rows of table `table`: the canonical column each field
    /// fills (`None`: ignored), and the header line, so that a repeat of it
    /// is passed over (empty for a headerless file).
    Rows {
        table: usize,
        mapping: Vec<Option<usize>>,
        header_line: Vec<u8>,
    },
}

/// A record cut by a chunk boundary, or by a newline inside a quoted field.
enum Partial {
    /// The start of the next record (empty between records; its buffer is
    /// reused). `quote_open`: it holds an odd number of `"`, so the next
    /// newline is inside a quoted field (RFC 4180) and does not end it.
    Line { bytes: Vec<u8>, quote_open: bool },
    /// The rest of an over-long line, already rejected, skipped up to its
    /// newline.
    SkippingLongLine,
}

/// The names of a header line: split on commas (RFC 4180 quotes
/// respected), each trimmed (a spreadsheet may leave `Id ` behind).
fn header_fields(line: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(line);
    let mut fields: Vec<String> = if text.contains('"') {
        let (mut buffer, mut spans) = (String::new(), Vec::new());
        match split_quoted(&text, &mut buffer, &mut spans) {
            Ok(()) => spans
                .iter()
                .map(|&(a, b)| buffer[a..b].to_string())
                .collect(),
            Err(_) => text.split(',').map(str::to_string).collect(),
        }
    } else {
        text.split(',').map(str::to_string).collect()
    };
    for field in &mut fields {
        let trimmed = field.trim();
        if trimmed.len() != field.len() {
            *field = trimmed.to_string();
        }
    }
    fields
}

/// What makes line 1 of a file unreadable as Synthea CSV when it is
/// neither a header nor a row of a known layout: another encoding, another
/// line ending, or another delimiter. `None` when it is none of these.
fn not_comma_separated_utf8(line: &[u8], spec: &TableSpec) -> Option<String> {
    if line.starts_with(b"\xFF\xFE") || line.starts_with(b"\xFE\xFF") {
        return Some(
            "the file is UTF-16 text (it starts with a UTF-16 byte-order mark), not UTF-8".into(),
        );
    }
    // Text has no NUL and few control bytes; a spreadsheet (.xlsx is a zip),
    // an image or a database file renamed .csv has many.
    let control = line
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\r'))
        .count();
    if line.contains(&0) || control * 10 > line.len() {
        return Some(
            "the file is not text (it holds binary bytes: a spreadsheet, an archive or an image saved under a .csv name?)".into(),
        );
    }
    if memchr::memchr(b'\r', line).is_some() {
        return Some(
            "lines end with a carriage return alone (classic Mac line endings), so the whole file reads as one line".into(),
        );
    }
    let text = String::from_utf8_lossy(line);
    for (delimiter, name) in [(';', "semicolons"), ('\t', "tabs"), ('|', "vertical bars")] {
        let fields: Vec<&str> = text.split(delimiter).collect();
        let known = fields
            .iter()
            .filter(|f| {
                spec.columns
                    .iter()
                    .any(|c| c.matches(f.trim().trim_matches('"')))
            })
            .count();
        if fields.len() > 1 && known * 2 >= fields.len() {
            return Some(format!(
                "fields are separated by {name}, not commas (the header is there)"
            ));
        }
    }
    None
}

/// Starts the next record: its line number is one past the last record's
/// last physical line (a record with quoted newlines spans several).
fn start_record(open: &mut OpenFile) {
    open.line_number += 1 + std::mem::take(&mut open.lines_owed);
    open.lines_owed = std::mem::take(&mut open.embedded_newlines);
}

/// The state of the file being pushed.
struct OpenFile {
    report: FileReport,
    state: FileState,
    /// `None` for a segment ([`BronzeBuilder::begin_segment`]): the caller
    /// hashes the whole file.
    hasher: Option<Sha256>,
    partial: Partial,
    line_number: u64,
    /// The typed fields of the current line.
    scratch: Vec<Parsed>,
    /// A quoted record's fields, unquoted, and their spans.
    unquoted: (String, Vec<(usize, usize)>),
    /// Newlines inside the quoted fields of the record being gathered.
    embedded_newlines: u64,
    /// Those of the record just read: line numbers count physical lines,
    /// so the next record starts that much later.
    lines_owed: u64,
    /// This file's entry in its table's `source_file` names, once a row is
    /// kept (found once per file, not by comparing names on every row).
    source_file: Option<i32>,
}

/// A part [`BronzeBuilder::merge`] joins, with where each of its files'
/// first reject, warnings (up to the next file's) and rejects start.
struct PartRead {
    part: BronzeBuilder,
    firsts: Vec<Option<(String, String)>>,
    warnings_from: Vec<usize>,
    rejects: RecordBatch,
    rejects_from: Vec<usize>,
}

/// Ingests Synthea CSV files pushed in chunks; see the module docs.
pub struct BronzeBuilder {
    options: IngestOptions,
    accumulators: Vec<Option<TableAccumulator>>,
    rejects: RejectsBuilder,
    pub(crate) files: Vec<FileReport>,
    warnings: Vec<String>,
    open: Option<OpenFile>,
    /// Each file's first rejected row, as `line N, column C: reason`.
    first_rejects: Vec<(String, String)>,
    /// For each file begun, where its warnings start in `warnings`: what
    /// [`merge`](Self::merge) needs to put them back in input order.
    warnings_from: Vec<usize>,
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
            first_rejects: Vec::new(),
            warnings_from: Vec::new(),
        }
    }

    /// The limits a `.zip` input is read within.
    pub fn zip_limits(&self) -> super::archive::ZipLimits {
        self.options.zip
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
        self.warnings_from.push(self.warnings.len());
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
            state: table.map_or(FileState::Unknown, FileState::AwaitingHeader),
            hasher: Some(Sha256::new()),
            partial: Partial::Line {
                bytes: Vec::new(),
                quote_open: false,
            },
            line_number: 0,
            scratch: Vec::new(),
            unquoted: (String::new(), Vec::new()),
            embedded_newlines: 0,
            lines_owed: 0,
            source_file: None,
        });
        Ok(())
    }

    /// Starts a segment of a file: the bytes that follow the first
    /// `lines_before` physical lines (`header` is the file's line 1, read
    /// again here without its warnings), or, with `header` `None`, the file
    /// from its start. Bytes follow through [`push`](Self::push), up to a
    /// line end; [`end_file`](Self::end_file) closes the segment. The
    /// segment is not hashed: the caller gives the whole file's SHA-256 to
    /// [`set_sha256`](Self::set_sha256) after [`merge`](Self::merge), which
    /// joins a file's segments into one report and one table as if one
    /// builder had read the file, when every segment but the last holds a
    /// whole number of batches of accepted rows (and fails with
    /// [`Error::UnalignedSegments`] otherwise: read the file whole then).
    pub fn begin_segment(
        &mut self,
        path: &str,
        header: Option<&[u8]>,
        lines_before: u64,
    ) -> Result<()> {
        self.begin_file(path)?;
        let mut open = self.open.take().ok_or(Error::NoOpenFile)?;
        open.hasher = None;
        let result = match (header, &open.state) {
            (Some(header), FileState::AwaitingHeader(table)) => {
                let (table, warnings) = (*table, self.warnings.len());
                open.line_number = 1;
                let header = header.strip_suffix(b"\r").unwrap_or(header);
                let header = header.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(header);
                let result = self.header(&mut open, table, header).map(|_| ());
                self.warnings.truncate(warnings);
                open.line_number = lines_before;
                result
            }
            _ => Ok(()),
        };
        self.open = Some(open);
        result
    }

    /// Sets the SHA-256 (lower-case hex) of file `index` (input order), for
    /// a file read in segments ([`begin_segment`](Self::begin_segment)).
    pub fn set_sha256(&mut self, index: usize, sha256: String) {
        if let Some(file) = self.files.get_mut(index) {
            file.sha256 = sha256;
        }
    }

    /// Feeds the next chunk of the open file.
    pub fn push(&mut self, chunk: &[u8]) -> Result<()> {
        let mut open = self.open.take().ok_or(Error::NoOpenFile)?;
        let result = self.push_into(&mut open, chunk);
        self.open = Some(open);
        result
    }

    fn push_into(&mut self, open: &mut OpenFile, chunk: &[u8]) -> Result<()> {
        if let Some(hasher) = &mut open.hasher {
            hasher.update(chunk);
        }
        open.report.bytes += chunk.len() as u64;
        if matches!(open.state, FileState::Unknown) {
            return Ok(());
        }
        let mut rest = chunk;
        // `odd`: whether the line so far (`rest[..from]`) holds an odd
        // number of quotes, so that a newline now would be inside a quoted
        // field. One scan finds both bytes; Synthea never quotes, so it
        // stops at newlines only.
        let (mut odd, mut from) = (false, 0);
        while let Some(found) = memchr::memchr2(b'\n', b'"', &rest[from..]) {
            let at = from + found;
            if rest[at] == b'"' {
                odd = !odd;
                from = at + 1;
                continue;
            }
            let (line, tail) = rest.split_at(at);
            rest = &tail[1..];
            from = 0;
            let line_odd = std::mem::take(&mut odd);
            match std::mem::replace(&mut open.partial, Partial::SkippingLongLine) {
                Partial::SkippingLongLine => {
                    open.partial = Partial::Line {
                        bytes: Vec::new(),
                        quote_open: false,
                    };
                }
                Partial::Line {
                    mut bytes,
                    quote_open,
                } if quote_open != line_odd => {
                    bytes.extend_from_slice(line);
                    bytes.push(b'\n');
                    open.embedded_newlines += 1;
                    open.partial = Partial::Line {
                        bytes,
                        quote_open: true,
                    };
                }
                Partial::Line { bytes, .. } if bytes.is_empty() => {
                    open.partial = Partial::Line {
                        bytes,
                        quote_open: false,
                    };
                    self.line(open, line)?;
                }
                Partial::Line { mut bytes, .. } => {
                    bytes.extend_from_slice(line);
                    self.line(open, &bytes)?;
                    bytes.clear();
                    open.partial = Partial::Line {
                        bytes,
                        quote_open: false,
                    };
                }
            }
        }
        if let Partial::Line { bytes, quote_open } = &mut open.partial {
            if odd {
                *quote_open = !*quote_open;
            }
            bytes.extend_from_slice(rest);
            if bytes.len() > MAX_LINE_BYTES {
                let long = std::mem::take(bytes);
                let unclosed = *quote_open;
                open.partial = Partial::SkippingLongLine;
                start_record(open);
                self.reject_long_line(open, &long, unclosed);
            }
        }
        Ok(())
    }

    /// Closes the open file: its last line (without a final newline) is read too.
    pub fn end_file(&mut self) -> Result<()> {
        let mut open = self.open.take().ok_or(Error::NoOpenFile)?;
        if let Partial::Line { bytes, .. } =
            std::mem::replace(&mut open.partial, Partial::SkippingLongLine)
            && !bytes.is_empty()
        {
            self.line(&mut open, &bytes)?;
        }
        if matches!(open.state, FileState::AwaitingHeader(_)) {
            // Rows rejected before any header: over-long lines (a single
            // line of many megabytes, a file that is no CSV at all).
            let warning = if open.report.rows_rejected > 0 {
                format!(
                    "`{}` has no header: its lines are longer than {MAX_LINE_BYTES} bytes (see bronze_rejects); is this a CSV file?",
                    open.report.path
                )
            } else {
                format!("`{}` is empty (not even a header)", open.report.path)
            };
            self.warnings.push(warning);
        }
        if let Some(hasher) = open.hasher {
            open.report.sha256 = hex(&hasher.finalize());
        }
        self.files.push(open.report);
        Ok(())
    }

    /// Ingests one whole file from `reader`, in [`READ_CHUNK_BYTES`] chunks:
    /// the begin/push/end loop every caller (the CLI, the worker, the zip
    /// reader) would otherwise write. After each chunk, `on_chunk` hears its
    /// size in bytes and the data rows read so far over every file, for
    /// progress.
    pub fn read(
        &mut self,
        path: &str,
        reader: impl Read,
        on_chunk: &mut dyn FnMut(u64, u64),
    ) -> Result<()> {
        self.begin_file(path)?;
        self.read_rest(path, reader, on_chunk)
    }

    /// [`read`](Self::read) without the SHA-256: for a caller that hashes
    /// the same bytes elsewhere, at the same time (the browser's second
    /// worker, the CLI's hashing thread), and sets it on the file's report
    /// afterwards (see [`Bronze::set_sha256`]). The report's `sha256` is
    /// empty until then.
    pub fn read_unhashed(
        &mut self,
        path: &str,
        reader: impl Read,
        on_chunk: &mut dyn FnMut(u64, u64),
    ) -> Result<()> {
        self.begin_unhashed(path)?;
        self.read_rest(path, reader, on_chunk)
    }

    /// [`begin_file`](Self::begin_file) without the SHA-256 (see
    /// [`read_unhashed`](Self::read_unhashed)), for a caller that pushes
    /// the file's chunks itself.
    pub fn begin_unhashed(&mut self, path: &str) -> Result<()> {
        self.begin_segment(path, None, 0)
    }

    fn read_rest(
        &mut self,
        path: &str,
        mut reader: impl Read,
        on_chunk: &mut dyn FnMut(u64, u64),
    ) -> Result<()> {
        let mut buffer = vec![0u8; READ_CHUNK_BYTES];
        loop {
            let read = match reader.read(&mut buffer) {
                Ok(read) => read,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(error) => {
                    return Err(Error::Read {
                        file: path.to_string(),
                        message: error.to_string(),
                    });
                }
            };
            if read == 0 {
                break;
            }
            self.push(&buffer[..read])?;
            on_chunk(read as u64, self.rows_read());
        }
        self.end_file()
    }

    /// Ingests one whole in-memory file (a convenience for tests and small inputs).
    pub fn add_bytes(&mut self, path: &str, bytes: &[u8]) -> Result<()> {
        self.begin_file(path)?;
        self.push(bytes)?;
        self.end_file()
    }

    fn line(&mut self, open: &mut OpenFile, raw: &[u8]) -> Result<()> {
        start_record(open);
        let mut line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if open.line_number == 1 {
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        if line.is_empty() {
            open.report.blank_lines += 1;
            return Ok(());
        }
        let table_index = match &open.state {
            FileState::Unknown => return Ok(()),
            FileState::AwaitingHeader(table) | FileState::Rows { table, .. } => *table,
        };
        if line.len() > MAX_LINE_BYTES {
            self.reject_long_line(open, line, false);
            return Ok(());
        }
        let spec = &TABLES[table_index];
        // A headerless file's first line is its first row: `header` says
        // which it was.
        if matches!(open.state, FileState::AwaitingHeader(_))
            && self.header(open, table_index, line)?
        {
            return Ok(());
        }
        if let FileState::Rows { header_line, .. } = &open.state
            && line == header_line.as_slice()
        {
            open.report.repeated_headers += 1;
            return Ok(());
        }
        let FileState::Rows { mapping, .. } = &open.state else {
            unreachable!("the header was read");
        };
        open.report.rows_read += 1;
        match parse_row(mapping, &mut open.scratch, &mut open.unquoted, spec, line) {
            Ok(unquoted_line) => {
                let accumulator = self.accumulators[table_index]
                    .get_or_insert_with(|| TableAccumulator::new(spec));
                let text = unquoted_line.unwrap_or(open.unquoted.0.as_str());
                for (builder, value) in accumulator.columns.iter_mut().zip(&open.scratch) {
                    builder.append(value, text);
                }
                let file_index = *open.source_file.get_or_insert_with(|| {
                    let names = &mut accumulator.file_names;
                    if names.last() != Some(&open.report.path) {
                        names.push(open.report.path.clone());
                    }
                    (names.len() - 1) as i32
                });
                accumulator.source_file.push(file_index);
                accumulator
                    .source_line
                    .append_value(open.line_number as i64);
                accumulator.rows += 1;
                open.report.rows_accepted += 1;
                // One pass over the row: numbers read as no value, and
                // dates a spreadsheet wrote as month/day/year.
                let mut us_dates = false;
                for value in &open.scratch {
                    match value {
                        Parsed::NonFinite => open.report.non_finite_numbers += 1,
                        Parsed::UsDate(_) => us_dates = true,
                        _ => {}
                    }
                }
                if us_dates {
                    let columns = spec.columns.iter().zip(&open.scratch);
                    open.report.us_dates.note(
                        open.line_number,
                        columns
                            .filter(|(_, v)| matches!(v, Parsed::UsDate(_)))
                            .map(|(c, _)| c.name),
                    );
                }
                if accumulator.rows >= self.options.batch_rows {
                    accumulator.flush()?;
                }
            }
            Err(RowError { column, reason }) => {
                open.report.rows_rejected += 1;
                self.note_first_reject(&open.report, open.line_number, column, &reason);
                self.rejects
                    .push(&open.report.path, open.line_number, column, &reason, line);
            }
        }
        Ok(())
    }

    fn reject_long_line(&mut self, open: &mut OpenFile, line: &[u8], unclosed_quote: bool) {
        open.report.rows_read += 1;
        open.report.rows_rejected += 1;
        let reason = if unclosed_quote {
            format!(
                "a quoted field opened here is not closed within {MAX_LINE_BYTES} bytes (first 256 bytes kept); check the file's quotes"
            )
        } else {
            format!(
                "line longer than {MAX_LINE_BYTES} bytes (first 256 bytes kept); is this a CSV file?"
            )
        };
        self.note_first_reject(&open.report, open.line_number, None, &reason);
        self.rejects.push(
            &open.report.path,
            open.line_number,
            None,
            &reason,
            &line[..256.min(line.len())],
        );
    }

    /// Keeps a file's first reject, for the message when a required file
    /// has no usable row.
    fn note_first_reject(
        &mut self,
        report: &FileReport,
        line: u64,
        column: Option<&str>,
        reason: &str,
    ) {
        if report.rows_rejected == 1 {
            let column = column
                .map(|c| format!(", column `{c}`"))
                .unwrap_or_default();
            self.first_rejects.push((
                report.path.clone(),
                format!("line {line}{column}: {reason}"),
            ));
        }
    }

    /// Reads line 1: a header (returns true) or, for a headerless append-mode
    /// file, the first data row (returns false) after choosing the layout.
    fn header(&mut self, open: &mut OpenFile, table: usize, line: &[u8]) -> Result<bool> {
        let spec = &TABLES[table];
        let names = header_fields(line);
        let fields: Vec<&str> = names.iter().map(String::as_str).collect();
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
            open.report.fields = mapping
                .iter()
                .map(|c| c.map(|c| spec.columns[c].name))
                .collect();
            open.state = FileState::Rows {
                table,
                mapping,
                header_line: line.to_vec(),
            };
            Ok(true)
        } else {
            if let Some(problem) = not_comma_separated_utf8(line, spec) {
                return Err(Error::NotCsv {
                    file: path,
                    problem,
                });
            }
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
            open.state = FileState::Rows {
                table,
                mapping: indices.into_iter().map(Some).collect(),
                header_line: Vec::new(),
            };
            Ok(false)
        }
    }

    /// One builder holding what several read, as if it had read every file
    /// itself in input order: `parts` pairs each builder with where the
    /// files it read sit in the input, in the order it read them: a file's
    /// input position, and its segment (0 for a whole file; see
    /// [`begin_segment`](Self::begin_segment)). The CLI reads shares of the
    /// files on several threads this way ([`plan_parts`](super::plan_parts)).
    /// Reports, warnings and rejects are put back in input order, and a
    /// file's segments become one report. When every file kind was read by
    /// one part, or in aligned segments of one file, the bronze layer is
    /// byte-identical to one builder's; otherwise a kind's batches are
    /// appended part after part: the same rows, batched differently.
    pub fn merge(options: IngestOptions, parts: Vec<(Self, Vec<(usize, usize)>)>) -> Result<Self> {
        let batch_rows = options.batch_rows;
        let mut merged = Self::new(options);
        // (input position, segment, part, file index in that part)
        let mut order = Vec::new();
        let mut finished = Vec::with_capacity(parts.len());
        let mut parts: Vec<(Self, Vec<(usize, usize)>)> = parts;
        // Tables are appended in input order of each part's first file.
        parts.sort_by_key(|(_, keys)| keys.first().copied());
        for (index, (mut part, keys)) in parts.into_iter().enumerate() {
            if part.open.is_some() {
                part.end_file()?;
            }
            // A file without a position (a caller's slip) goes last, never missing.
            order.extend((0..part.files.len()).map(|file| {
                let (position, segment) = keys.get(file).copied().unwrap_or((usize::MAX, 0));
                (position, segment, index, file)
            }));
            for (slot, accumulator) in part.accumulators.iter_mut().enumerate() {
                let Some(mut accumulator) = accumulator.take() else {
                    continue;
                };
                match &mut merged.accumulators[slot] {
                    None => merged.accumulators[slot] = Some(accumulator),
                    Some(existing) => {
                        existing.flush()?;
                        accumulator.flush()?;
                        existing.batches.append(&mut accumulator.batches);
                    }
                }
            }
            // Each file with a reject has exactly one first reject, in file order.
            let mut first = std::mem::take(&mut part.first_rejects).into_iter();
            let firsts: Vec<Option<(String, String)>> = part
                .files
                .iter()
                .map(|f| {
                    if f.rows_rejected > 0 {
                        first.next()
                    } else {
                        None
                    }
                })
                .collect();
            let mut starts = part.warnings_from.clone();
            starts.push(part.warnings.len());
            let rejects = std::mem::replace(&mut part.rejects, RejectsBuilder::new()).finish()?;
            // Where each file's rejects start in the part's.
            let offsets: Vec<usize> = part
                .files
                .iter()
                .scan(0, |at, f| {
                    let start = *at;
                    *at += f.rows_rejected as usize;
                    Some(start)
                })
                .collect();
            finished.push(PartRead {
                part,
                firsts,
                warnings_from: starts,
                rejects,
                rejects_from: offsets,
            });
        }
        order.sort_unstable();
        for (at, &(position, segment, index, file)) in order.iter().enumerate() {
            let PartRead {
                part,
                firsts,
                warnings_from,
                rejects,
                rejects_from,
            } = &mut finished[index];
            let report = std::mem::take(&mut part.files[file]);
            if segment > 0 {
                let whole = merged.files.last_mut().filter(|w| w.path == report.path);
                let Some(whole) = whole else {
                    return Err(Error::UnalignedSegments { file: report.path });
                };
                whole.add_segment(&report);
            } else {
                merged.warnings_from.push(merged.warnings.len());
            }
            // Every segment but the last must end on a batch boundary, or
            // its batches would not be those of one reader.
            let more = order.get(at + 1).is_some_and(|next| next.0 == position);
            if more && report.rows_accepted % batch_rows as u64 != 0 {
                return Err(Error::UnalignedSegments { file: report.path });
            }
            merged
                .warnings
                .extend_from_slice(&part.warnings[warnings_from[file]..warnings_from[file + 1]]);
            if let Some(first) = firsts[file].take()
                && (segment == 0 || merged.first_rejects.last().is_none_or(|f| f.0 != first.0))
            {
                merged.first_rejects.push(first);
            }
            let count = report.rows_rejected as usize;
            merged.rejects.extend(rejects, rejects_from[file], count);
            if segment == 0 {
                merged.files.push(report);
            }
        }
        Ok(merged)
    }

    /// Closes any open file and returns the bronze layer.
    ///
    /// Fails when `patients.csv` or `encounters.csv` was not among the inputs.
    pub fn finish(mut self) -> Result<Bronze> {
        if self.open.is_some() {
            self.end_file()?;
        }
        let required = || TABLES.iter().filter(|t| t.required);
        for spec in required() {
            if !self.files.iter().any(|f| f.kind == Some(spec.file)) {
                return Err(Error::MissingFile {
                    file: format!("{}.csv", spec.file),
                });
            }
        }
        for spec in required() {
            let files: Vec<&FileReport> = self
                .files
                .iter()
                .filter(|f| f.kind == Some(spec.file))
                .collect();
            let first = files[0];
            // A required file with no usable row gives a lakehouse with
            // nothing in it: fail loudly instead.
            if files.iter().all(|f| f.rows_accepted == 0) {
                let read: u64 = files.iter().map(|f| f.rows_read).sum();
                let message = if read == 0 {
                    "has no data rows".to_string()
                } else {
                    let first_reject = self
                        .first_rejects
                        .iter()
                        .find(|(path, _)| files.iter().any(|f| f.path == *path))
                        .map(|(path, text)| format!(" (first: `{path}` {text})"))
                        .unwrap_or_default();
                    format!("has no usable rows: all {read} data rows were rejected{first_reject}")
                };
                return Err(Error::NoRows {
                    file: first.path.clone(),
                    message,
                    all_rejected: read > 0,
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
        if self.files.iter().any(|f| f.us_dates.rows > 0) {
            let reference = self
                .options
                .as_of
                .map(crate::Day::days)
                .or_else(|| super::latest_full_day(&tables));
            super::resolve_two_digit_years(&mut tables, reference)?;
            for file in self.files.iter().filter(|f| f.us_dates.rows > 0) {
                self.warnings.push(format!(
                    "`{}`: {} rows hold dates a spreadsheet wrote as month/day/year ({}), first at line {}; read as such{}. Re-export from Synthea to keep ISO dates",
                    file.path,
                    file.us_dates.rows,
                    file.us_dates.columns.join(", "),
                    file.us_dates.first_lines.first().copied().unwrap_or_default(),
                    reference.map_or(String::new(), |day| format!(
                        ", a two-digit year in the century that puts it on or before {}",
                        crate::dates::format_date(day)
                    )),
                ));
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
