//! A query's answer as text, CSV and Parquet.

use datafusion::arrow::array::{Array, RecordBatch};
use datafusion::arrow::csv::WriterBuilder;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;

use crate::{QueryResult, SqlError};

/// How a cell is shown: nulls as `NULL`, timestamps in RFC 3339.
fn format_options() -> FormatOptions<'static> {
    FormatOptions::default().with_null("NULL")
}

/// One cell as display text (`NULL` for a null).
pub fn cell_text(column: &dyn Array, row: usize) -> String {
    match ArrayFormatter::try_new(column, &format_options()) {
        Ok(formatter) => formatter.value(row).to_string(),
        Err(e) => format!("<{e}>"),
    }
}

/// The answer as CSV: a header line, then a line per row; nulls are empty
/// fields, timestamps RFC 3339.
pub fn to_csv(result: &QueryResult) -> Result<Vec<u8>, SqlError> {
    let failed = |e: ArrowError| SqlError::new(format!("could not write CSV: {e}"));
    let mut out = Vec::new();
    {
        let mut writer = WriterBuilder::new().with_header(true).build(&mut out);
        if result.batches.is_empty() {
            writer
                .write(&RecordBatch::new_empty(result.schema.clone()))
                .map_err(failed)?;
        }
        for batch in &result.batches {
            writer.write(batch).map_err(failed)?;
        }
    }
    Ok(out)
}

/// The answer as a Snappy-compressed Parquet file (the same writer settings
/// every run gives the same bytes).
pub fn to_parquet(result: &QueryResult) -> Result<Vec<u8>, SqlError> {
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_created_by(format!("synthea-lakehouse {}", env!("CARGO_PKG_VERSION")))
        .build();
    let failed = |e: ParquetError| SqlError::new(format!("could not write Parquet: {e}"));
    let schema: SchemaRef = result.schema.clone();
    let mut out = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut out, schema, Some(properties)).map_err(failed)?;
    for batch in &result.batches {
        writer.write(batch).map_err(failed)?;
    }
    writer.close().map_err(failed)?;
    Ok(out)
}

/// The first `limit` rows as an aligned text table, then a line saying how
/// many rows there are in all (and how many were left out).
pub fn to_text(result: &QueryResult, limit: usize) -> String {
    let names: Vec<String> = result
        .schema
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let total = result.rows();
    let rows = result.page(0, limit);
    let mut widths: Vec<usize> = names.iter().map(|n| n.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let numeric: Vec<bool> = result
        .schema
        .fields()
        .iter()
        .map(|f| f.data_type().is_numeric())
        .collect();
    let line = |cells: &[String], header: bool| -> String {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .zip(&numeric)
            .map(|((cell, &width), &number)| {
                let pad = " ".repeat(width - cell.chars().count());
                if number && !header {
                    format!("{pad}{cell}")
                } else {
                    format!("{cell}{pad}")
                }
            })
            .collect();
        format!("| {} |", parts.join(" | "))
    };
    let rule = format!(
        "+{}+",
        widths
            .iter()
            .map(|w| "-".repeat(w + 2))
            .collect::<Vec<_>>()
            .join("+")
    );
    let mut text = String::new();
    text.push_str(&rule);
    text.push('\n');
    text.push_str(&line(&names, true));
    text.push('\n');
    text.push_str(&rule);
    text.push('\n');
    for row in &rows {
        text.push_str(&line(row, false));
        text.push('\n');
    }
    text.push_str(&rule);
    text.push('\n');
    let noun = if total == 1 { "row" } else { "rows" };
    if total > rows.len() {
        text.push_str(&format!(
            "{total} {noun} (the first {} shown; --limit shows more, --format csv or parquet writes all)\n",
            rows.len()
        ));
    } else {
        text.push_str(&format!("{total} {noun}\n"));
    }
    text
}
