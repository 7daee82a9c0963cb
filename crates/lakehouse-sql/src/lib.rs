//! SQL over a Synthea Lakehouse: every bronze, silver and gold table of a
//! run output, registered under the schemas `bronze`, `silver` and `gold`,
//! queried with [DataFusion](https://datafusion.apache.org).
//!
//! No IO, like the pipeline: the caller hands in each table's Parquet bytes
//! (the CLI reads them from a `run --out` folder, the browser's SQL worker
//! from the lakehouse saved in the origin private file system) and gets
//! Arrow batches, CSV or Parquet bytes back. The same code runs natively
//! and on `wasm32-unknown-unknown`.
//!
//! - Queries only: DDL, DML, `COPY` and `SET` are refused, so SQL cannot
//!   write files or change the session ([`SqlSession::query`]).
//! - One partition per table scan, on one thread: results (and their
//!   order without `ORDER BY`) are the same on every machine and in the
//!   browser.
//! - The default schema is `silver` (the star), so `FROM fact_encounters`
//!   works; `bronze.` and `gold.` name the other layers.
//! - Errors carry the line and column of the query they point at
//!   ([`SqlError::position`]).

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use datafusion::arrow::array::{Array, RecordBatch};
use datafusion::arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::catalog::{MemorySchemaProvider, SchemaProvider};
use datafusion::datasource::MemTable;
use datafusion::error::DataFusionError;
use datafusion::execution::context::SQLOptions;
use datafusion::prelude::{SessionConfig, SessionContext};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

mod examples;
mod output;
#[cfg(test)]
mod tests;

/// The Arrow crate DataFusion is built on (one version in the build).
pub use datafusion::arrow;
pub use examples::{EXAMPLES, Example};
pub use output::{cell_text, to_csv, to_parquet, to_text};

/// The catalog every table lives in.
pub const CATALOG: &str = "lakehouse";
/// The lakehouse's layers: each is a schema, and a folder of a run output.
pub const LAYERS: [&str; 3] = ["bronze", "silver", "gold"];
/// The schema an unqualified table name is looked up in.
pub const DEFAULT_SCHEMA: &str = "silver";

/// A table registered in a session: where it is and what it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableInfo {
    /// `bronze`, `silver` or `gold`.
    pub layer: String,
    /// The table name (the Parquet file's stem).
    pub name: String,
    /// Rows in the table.
    pub rows: usize,
    /// Column names and Arrow types.
    pub columns: Vec<(String, String)>,
}

impl TableInfo {
    /// `layer.name`, as a query names it.
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.layer, self.name)
    }
}

/// The layer and table name of a run output's file path
/// (`silver/fact_encounters.parquet`), `None` for any other file
/// (`manifest.json`, `powerbi/…`).
pub fn table_of_path(path: &str) -> Option<(&str, &str)> {
    let (layer, file) = path.split_once('/')?;
    let name = file.strip_suffix(".parquet")?;
    LAYERS.contains(&layer).then_some((layer, name))
}

/// A place in the query text, 1-based, in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// Why a query (or a table) could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqlError {
    /// What went wrong, in DataFusion's words, without its error-kind prefix.
    pub message: String,
    /// Where in the query, when the engine knows.
    pub position: Option<Position>,
}

impl SqlError {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            position: None,
        }
    }

    /// The error with its line counted in the whole script, for a
    /// statement that starts on the script's line `first_line` (1-based;
    /// [`split_statements`] gives it).
    pub fn in_script(mut self, first_line: usize) -> Self {
        if let Some(position) = &mut self.position {
            position.line += first_line.saturating_sub(1);
        }
        self
    }

    /// The query line the error points at, with a caret under the column:
    /// two lines to print under the message.
    pub fn pointer(&self, sql: &str) -> Option<String> {
        let position = self.position?;
        let line = sql.lines().nth(position.line.checked_sub(1)?)?;
        let column = position.column.max(1);
        let pad: String = line
            .chars()
            .take(column - 1)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        Some(format!("{line}\n{pad}^"))
    }
}

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(Position { line, column }) = self.position {
            write!(f, " (line {line}, column {column})")?;
        }
        Ok(())
    }
}

impl std::error::Error for SqlError {}

impl From<DataFusionError> for SqlError {
    fn from(error: DataFusionError) -> Self {
        describe(&error)
    }
}

/// The message and position of a DataFusion error: the position from its
/// diagnostic when the planner attached one, else from the parser's
/// "at Line: L, Column: C".
fn describe(error: &DataFusionError) -> SqlError {
    let diagnostic_position = error
        .iter()
        .filter_map(DataFusionError::diagnostic)
        .find_map(|d| d.span)
        .filter(|span| span.start.line > 0)
        .map(|span| Position {
            line: span.start.line as usize,
            column: span.start.column as usize,
        });
    let mut message = error.find_root().to_string();
    let parser_position = take_parser_position(&mut message);
    for prefix in [
        "SQL error: ParserError(\"",
        "SQL error: TokenizerError(\"",
        "Error during planning: ",
        "Schema error: ",
        "This feature is not implemented: ",
        "Execution error: ",
        "Arrow error: ",
    ] {
        if let Some(rest) = message.strip_prefix(prefix) {
            message = rest.trim_end_matches("\")").to_string();
            break;
        }
    }
    SqlError {
        message,
        position: diagnostic_position.or(parser_position),
    }
}

/// A query that ends too early ("found: EOF") has its error at its end.
fn at_end_if_unfinished(mut error: SqlError, sql: &str) -> SqlError {
    if error.position.is_none() && error.message.ends_with("found: EOF") {
        let text = sql.trim_end();
        let line = text.lines().count().max(1);
        let column = text.lines().last().map_or(0, |l| l.chars().count()) + 1;
        error.position = Some(Position { line, column });
        error.message = error
            .message
            .replace("found: EOF", "found the end of the query");
    }
    error
}

/// Takes " at Line: L, Column: C" (sqlparser's position) out of a message.
fn take_parser_position(message: &mut String) -> Option<Position> {
    let at = message.rfind(" at Line: ")?;
    let rest = &message[at + " at Line: ".len()..];
    let (line, rest) = rest.split_once(", Column: ")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let position = Position {
        line: line.trim().parse().ok()?,
        column: digits.parse().ok()?,
    };
    message.replace_range(
        at..at + " at Line: ".len() + line.len() + ", Column: ".len() + digits.len(),
        "",
    );
    Some(position)
}

/// A query's answer: its schema and its rows in batches.
#[derive(Clone, Debug)]
pub struct QueryResult {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
}

impl QueryResult {
    /// Rows in all batches.
    pub fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// Rows `offset..offset + limit` as display text, one `Vec` per row
    /// ([`cell_text`] per cell, `NULL` for a null): a page for a text table.
    pub fn page(&self, offset: usize, limit: usize) -> Vec<Vec<String>> {
        self.page_cells(offset, limit)
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .map(|cell| cell.unwrap_or_else(|| "NULL".to_string()))
                    .collect()
            })
            .collect()
    }

    /// Rows `offset..offset + limit`, each cell as display text or `None`
    /// for a null: a page for a results table that shows nulls apart.
    pub fn page_cells(&self, offset: usize, limit: usize) -> Vec<Vec<Option<String>>> {
        let mut rows = Vec::new();
        let mut skip = offset;
        for batch in &self.batches {
            if rows.len() == limit {
                break;
            }
            if skip >= batch.num_rows() {
                skip -= batch.num_rows();
                continue;
            }
            for row in skip..batch.num_rows() {
                if rows.len() == limit {
                    break;
                }
                rows.push(
                    batch
                        .columns()
                        .iter()
                        .map(|c| (!c.is_null(row)).then(|| cell_text(c.as_ref(), row)))
                        .collect(),
                );
            }
            skip = 0;
        }
        rows
    }
}

/// A SQL session over one lakehouse.
pub struct SqlSession {
    ctx: SessionContext,
    tables: Vec<TableInfo>,
}

impl Default for SqlSession {
    fn default() -> Self {
        Self::new()
    }
}

impl SqlSession {
    /// An empty session with the three schemas.
    pub fn new() -> Self {
        let mut config = SessionConfig::new()
            .with_default_catalog_and_schema(CATALOG, DEFAULT_SCHEMA)
            .with_information_schema(true)
            .with_target_partitions(1)
            .with_batch_size(8192);
        config.options_mut().sql_parser.collect_spans = true;
        // Deterministic answers: no repartitioning, no round-robin.
        config.options_mut().optimizer.repartition_joins = false;
        config.options_mut().optimizer.repartition_aggregations = false;
        config.options_mut().optimizer.repartition_sorts = false;
        config.options_mut().optimizer.repartition_windows = false;
        config.options_mut().optimizer.repartition_file_scans = false;
        config.options_mut().execution.coalesce_batches = true;
        let ctx = SessionContext::new_with_config(config);
        let catalog = ctx
            .catalog(CATALOG)
            .expect("the default catalog is created with the session");
        for layer in LAYERS {
            if catalog.schema(layer).is_none() {
                let schema: Arc<dyn SchemaProvider> = Arc::new(MemorySchemaProvider::new());
                catalog
                    .register_schema(layer, schema)
                    .expect("a memory catalog takes new schemas");
            }
        }
        Self {
            ctx,
            tables: Vec::new(),
        }
    }

    /// The tables registered so far, in the order they were added.
    pub fn tables(&self) -> &[TableInfo] {
        &self.tables
    }

    /// Registers a table from its Parquet file's bytes; returns its row count.
    pub fn register_parquet(
        &mut self,
        layer: &str,
        name: &str,
        parquet: Bytes,
    ) -> Result<usize, SqlError> {
        let builder = ParquetRecordBatchReaderBuilder::try_new(parquet).map_err(|e| {
            SqlError::new(format!(
                "{layer}/{name}.parquet is not a readable Parquet file: {e}"
            ))
        })?;
        let schema = builder.schema().clone();
        let reader = builder
            .with_batch_size(8192)
            .build()
            .map_err(|e| SqlError::new(format!("{layer}/{name}.parquet: {e}")))?;
        let batches = reader
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| SqlError::new(format!("{layer}/{name}.parquet: {e}")))?;
        self.register_batches(layer, name, schema, batches)
    }

    /// Registers a table from Arrow batches; returns its row count.
    pub fn register_batches(
        &mut self,
        layer: &str,
        name: &str,
        schema: SchemaRef,
        batches: Vec<RecordBatch>,
    ) -> Result<usize, SqlError> {
        if !LAYERS.contains(&layer) {
            return Err(SqlError::new(format!(
                "{layer} is not a layer of the lakehouse (bronze, silver or gold)"
            )));
        }
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(SqlError::new(format!(
                "“{name}” cannot be a table name: letters, digits and _ only"
            )));
        }
        let (schema, batches) = fold_column_names(schema, batches)?;
        let rows = batches.iter().map(RecordBatch::num_rows).sum();
        let columns = schema
            .fields()
            .iter()
            .map(|f| (f.name().clone(), f.data_type().to_string()))
            .collect();
        let table = MemTable::try_new(schema, vec![batches])?;
        let provider = self
            .ctx
            .catalog(CATALOG)
            .and_then(|c| c.schema(layer))
            .ok_or_else(|| SqlError::new(format!("schema {layer} is missing")))?;
        provider.register_table(name.to_string(), Arc::new(table))?;
        self.tables
            .retain(|t| !(t.layer == layer && t.name == name));
        self.tables.push(TableInfo {
            layer: layer.to_string(),
            name: name.to_string(),
            rows,
            columns,
        });
        Ok(rows)
    }

    /// Runs one query (a `SELECT`, `WITH`, `VALUES`, `EXPLAIN` or `SHOW`)
    /// and collects its answer.
    pub async fn query(&self, sql: &str) -> Result<QueryResult, SqlError> {
        if sql.trim().trim_end_matches(';').trim().is_empty() {
            return Err(SqlError::new("The query is empty: write a SELECT."));
        }
        let options = SQLOptions::new()
            .with_allow_ddl(false)
            .with_allow_dml(false)
            .with_allow_statements(false);
        let frame = self
            .ctx
            .sql_with_options(sql, options)
            .await
            .map_err(|e| at_end_if_unfinished(describe(&e), sql))?;
        let schema: SchemaRef = Arc::new(frame.schema().as_arrow().clone());
        let batches = frame.collect().await?;
        Ok(QueryResult { schema, batches })
    }

    /// [`SqlSession::query`], run to completion on this thread (on a
    /// single-threaded tokio runtime: a plan with several partitions, such
    /// as a `UNION ALL`, runs each as a task).
    pub fn query_blocking(&self, sql: &str) -> Result<QueryResult, SqlError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|e| SqlError::new(format!("could not start the query runtime: {e}")))?;
        runtime.block_on(self.query(sql))
    }
}

/// Column names in lower case (bronze keeps Synthea's headers: `Id`,
/// `START`, `PATIENT`): SQL folds unquoted names to lower case, so
/// `SELECT patient FROM bronze.bronze_encounters` finds the column, as in
/// DuckDB and Spark. Names that would collide keep their case.
fn fold_column_names(
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
) -> Result<(SchemaRef, Vec<RecordBatch>), SqlError> {
    let lower: Vec<String> = schema
        .fields()
        .iter()
        .map(|f| f.name().to_lowercase())
        .collect();
    let unchanged = schema
        .fields()
        .iter()
        .zip(&lower)
        .all(|(f, l)| f.name() == l);
    let distinct: std::collections::HashSet<&String> = lower.iter().collect();
    if unchanged || distinct.len() < lower.len() {
        return Ok((schema, batches));
    }
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .zip(&lower)
        .map(|(f, name)| f.as_ref().clone().with_name(name))
        .collect();
    let folded: SchemaRef = Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()));
    let batches = batches
        .into_iter()
        .map(|b| RecordBatch::try_new(folded.clone(), b.columns().to_vec()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| SqlError::new(e.to_string()))?;
    Ok((folded, batches))
}

/// Splits a script into statements at semicolons outside quotes and
/// comments; empty statements are dropped. Each comes with the line it
/// starts on (1-based), so an error's line can be made the script's.
pub fn split_statements(script: &str) -> Vec<(usize, String)> {
    let mut statements = Vec::new();
    let mut current = String::new();
    let mut start_line = 1;
    let mut line = 1;
    let mut chars = script.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        if current.trim().is_empty() && !c.is_whitespace() {
            start_line = line;
        }
        match quote {
            Some(q) => {
                current.push(c);
                if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' => {
                    quote = Some(c);
                    current.push(c);
                }
                '-' if chars.peek() == Some(&'-') => {
                    // A line comment: kept, up to the end of the line.
                    current.push(c);
                    for next in chars.by_ref() {
                        if next == '\n' {
                            current.push(next);
                            line += 1;
                            break;
                        }
                        current.push(next);
                    }
                    continue;
                }
                ';' => {
                    if has_code(&current) {
                        statements.push((start_line, std::mem::take(&mut current)));
                    } else {
                        current.clear();
                    }
                    continue;
                }
                _ => current.push(c),
            },
        }
        if c == '\n' {
            line += 1;
        }
    }
    if has_code(&current) {
        statements.push((start_line, current));
    }
    statements
        .into_iter()
        .map(|(line, text)| (line, text.trim().to_string()))
        .collect()
}

/// Whether a statement has anything but whitespace and `--` comments.
fn has_code(text: &str) -> bool {
    text.lines()
        .map(|l| l.split("--").next().unwrap_or_default())
        .any(|l| !l.trim().is_empty())
}
