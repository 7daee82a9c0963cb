//! Table previews (a page of rows, sorted and searched) and single-table
//! downloads, over any output table of the built lakehouse.

use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::{Array, ArrayRef, BooleanArray, DictionaryArray, StringArray};
use arrow_row::{RowConverter, SortField};
use arrow_schema::{DataType, SortOptions};
use lakehouse_pipeline::{Lakehouse, OutputTable, export, render};

use crate::protocol::{ColumnInfo, Download, TableFormat, TablePage, TableQuery, UserMessage};

/// Most rows one page may hold.
pub const MAX_PAGE_ROWS: u64 = 500;

/// The schema document's name of an Arrow type.
pub fn type_name(data_type: &DataType) -> &'static str {
    match data_type {
        DataType::Int64 | DataType::Int32 => "int64",
        DataType::Float64 => "float64",
        DataType::Boolean => "bool",
        DataType::Date32 => "date",
        DataType::Timestamp(_, _) => "timestamp_utc",
        _ => "text",
    }
}

/// A cell for people: empty for null, floats without trailing zeros.
fn display(column: &ArrayRef, row: usize) -> Option<String> {
    if column.is_null(row) {
        return None;
    }
    let text = render::cell(column, row);
    if matches!(column.data_type(), DataType::Float64) && text.contains('.') {
        return Some(text.trim_end_matches('0').trim_end_matches('.').to_string());
    }
    Some(text)
}

/// Whether `haystack` contains `needle` (already lower-case), ignoring ASCII case.
fn contains_folded(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// Search over one column of a batch.
enum Matcher<'a> {
    Text(&'a StringArray),
    /// Dictionary-encoded text (bronze): each distinct value is tested once.
    Dictionary(&'a DictionaryArray<Int32Type>, Vec<bool>),
    Other(&'a ArrayRef),
}

impl<'a> Matcher<'a> {
    fn new(column: &'a ArrayRef, needle: &str) -> Self {
        if let Some(text) = column.as_any().downcast_ref::<StringArray>() {
            return Self::Text(text);
        }
        if let Some(dictionary) = column.as_dictionary_opt::<Int32Type>()
            && let Some(values) = dictionary.values().as_string_opt::<i32>()
        {
            let hits = (0..values.len())
                .map(|i| values.is_valid(i) && contains_folded(values.value(i), needle))
                .collect();
            return Self::Dictionary(dictionary, hits);
        }
        Self::Other(column)
    }

    fn hit(&self, row: usize, needle: &str) -> bool {
        match self {
            Self::Text(text) => text.is_valid(row) && contains_folded(text.value(row), needle),
            Self::Dictionary(dictionary, hits) => {
                dictionary.is_valid(row)
                    && usize::try_from(dictionary.keys().value(row))
                        .is_ok_and(|k| hits.get(k).copied().unwrap_or(false))
            }
            Self::Other(column) => {
                display(column, row).is_some_and(|v| contains_folded(&v, needle))
            }
        }
    }
}

fn missing(name: &str) -> UserMessage {
    UserMessage {
        title: format!("There is no table `{name}`"),
        detail: "the lakehouse has no table of that name".into(),
        hint: Some("pick a table from the list of tables built".into()),
    }
}

/// Global row `i` as (batch, row in batch).
fn locate(table: &OutputTable<'_>, mut i: usize) -> (usize, usize) {
    for (b, batch) in table.batches.iter().enumerate() {
        if i < batch.num_rows() {
            return (b, i);
        }
        i -= batch.num_rows();
    }
    (table.batches.len(), 0)
}

/// Per row of a table of `total` rows, whether it is among `rows` (all of
/// them without a drill-through).
fn chosen_rows(total: usize, rows: Option<&[u32]>) -> Vec<bool> {
    match rows {
        None => vec![true; total],
        Some(rows) => {
            let mut chosen = vec![false; total];
            for &row in rows {
                if let Some(c) = chosen.get_mut(row as usize) {
                    *c = true;
                }
            }
            chosen
        }
    }
}

/// One page of a table, after search and sort; with `rows` (a
/// drill-through: the table's row numbers behind a chart), only those.
pub fn table_page(
    lakehouse: &Lakehouse,
    query: &TableQuery,
    drilled: Option<&[u32]>,
) -> Result<TablePage, UserMessage> {
    let table = lakehouse
        .table(&query.name)
        .ok_or_else(|| missing(&query.name))?;
    let total = table.rows();
    let fields = table.schema.fields();
    let needle = query.search.trim().to_ascii_lowercase();
    let chosen = chosen_rows(total, drilled);
    // Matching rows, in table order.
    let mut order: Vec<usize> = Vec::with_capacity(drilled.map_or(total, <[u32]>::len));
    let mut base = 0;
    for batch in table.batches {
        if needle.is_empty() {
            order.extend((base..base + batch.num_rows()).filter(|&row| chosen[row]));
        } else {
            let matchers: Vec<Matcher<'_>> = batch
                .columns()
                .iter()
                .map(|c| Matcher::new(c, &needle))
                .collect();
            order.extend(
                (0..batch.num_rows())
                    .filter(|&row| {
                        chosen[base + row] && matchers.iter().any(|m| m.hit(row, &needle))
                    })
                    .map(|row| base + row),
            );
        }
        base += batch.num_rows();
    }
    // Sort (stable, nulls last) by the chosen column's row encoding.
    let sort_column = match &query.sort {
        Some(name) => Some(
            table
                .schema
                .index_of(name)
                .map_err(|_| UserMessage::new("Cannot sort", format!("no column `{name}`")))?,
        ),
        None => None,
    };
    if let Some(c) = sort_column {
        let options = SortOptions {
            descending: query.descending,
            nulls_first: false,
        };
        let converter = RowConverter::new(vec![SortField::new_with_options(
            fields[c].data_type().clone(),
            options,
        )])
        .map_err(|e| UserMessage::new("Cannot sort", e))?;
        let mut rows = converter.empty_rows(total, 0);
        for batch in table.batches {
            converter
                .append(&mut rows, &[batch.column(c).clone()])
                .map_err(|e| UserMessage::new("Cannot sort", e))?;
        }
        order.sort_by(|&a, &b| rows.row(a).cmp(&rows.row(b)));
    }
    let matched = order.len();
    let limit = query.limit.clamp(1, MAX_PAGE_ROWS) as usize;
    let offset = (query.offset as usize).min(matched.saturating_sub(1) / limit * limit);
    let rows = order
        .iter()
        .skip(offset)
        .take(limit)
        .map(|&i| {
            let (b, r) = locate(&table, i);
            table.batches[b]
                .columns()
                .iter()
                .map(|column| display(column, r))
                .collect()
        })
        .collect();
    Ok(TablePage {
        query: TableQuery {
            offset: offset as u64,
            limit: limit as u64,
            ..query.clone()
        },
        layer: table.layer.to_string(),
        columns: fields
            .iter()
            .map(|f| ColumnInfo {
                name: f.name().clone(),
                data_type: type_name(f.data_type()).to_string(),
            })
            .collect(),
        rows,
        total_rows: drilled.map_or(total, <[u32]>::len) as u64,
        matched_rows: matched as u64,
    })
}

/// One table as Parquet (Snappy, as the zip holds it) or as CSV (with
/// formula-injection escaping); with `rows` (a drill-through), only those
/// rows, in table order, in a file named `NAME-filtered`.
pub fn table_download(
    lakehouse: &Lakehouse,
    name: &str,
    format: TableFormat,
    rows: Option<&[u32]>,
) -> Result<(Download, Vec<u8>), UserMessage> {
    let table = lakehouse.table(name).ok_or_else(|| missing(name))?;
    let filtered;
    let batches = match rows {
        None => table.batches,
        Some(rows) => {
            let chosen = chosen_rows(table.rows(), Some(rows));
            let mut base = 0;
            let mut kept = Vec::with_capacity(table.batches.len());
            for batch in table.batches {
                let end = base + batch.num_rows();
                let mask = BooleanArray::from(chosen[base..end].to_vec());
                kept.push(
                    arrow_select::filter::filter_record_batch(batch, &mask)
                        .map_err(|e| UserMessage::new("Could not write the download", e))?,
                );
                base = end;
            }
            filtered = kept;
            &filtered
        }
    };
    let (bytes, mime) = match format {
        TableFormat::Csv => (export::csv::write(&table.schema, batches), "text/csv"),
        TableFormat::Parquet => (
            export::parquet::write(table.schema.clone(), batches)
                .map_err(|e| UserMessage::from_error("Could not write the download", &e))?,
            "application/vnd.apache.parquet",
        ),
    };
    let suffix = if rows.is_some() { "-filtered" } else { "" };
    Ok((
        Download {
            file_name: format!("{name}{suffix}.{}", format.extension()),
            mime: mime.into(),
            bytes: bytes.len() as u64,
        },
        bytes,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::worker::handler::load_demo;

    fn query(name: &str) -> TableQuery {
        TableQuery {
            name: name.into(),
            offset: 0,
            limit: 10,
            sort: None,
            descending: false,
            search: String::new(),
            drill: None,
        }
    }

    #[test]
    fn pages_sort_and_search_a_table() {
        let lakehouse = load_demo(50, 4, &mut |_| {}).unwrap();
        let page = table_page(&lakehouse, &query("dim_patient"), None).unwrap();
        assert_eq!(page.total_rows, 50);
        assert_eq!(page.matched_rows, 50);
        assert_eq!(page.rows.len(), 10);
        assert_eq!(page.columns[0].name, "patient_key");
        assert_eq!(page.columns[0].data_type, "int64");
        assert_eq!(page.rows[0][0].as_deref(), Some("1"));

        // Last page: the offset is clamped to the last full page start.
        let last = table_page(
            &lakehouse,
            &TableQuery {
                offset: 1000,
                ..query("dim_patient")
            },
            None,
        )
        .unwrap();
        assert_eq!(last.query.offset, 40);
        assert_eq!(last.rows.len(), 10);

        // Sorted descending by key: 50 first.
        let sorted = table_page(
            &lakehouse,
            &TableQuery {
                sort: Some("patient_key".into()),
                descending: true,
                ..query("dim_patient")
            },
            None,
        )
        .unwrap();
        assert_eq!(sorted.rows[0][0].as_deref(), Some("50"));

        // Search is case-insensitive over every column.
        let first_name = page.rows[3][page
            .columns
            .iter()
            .position(|c| c.name == "first_name")
            .unwrap()]
        .clone()
        .unwrap();
        let found = table_page(
            &lakehouse,
            &TableQuery {
                search: first_name.to_uppercase(),
                ..query("dim_patient")
            },
            None,
        )
        .unwrap();
        assert!(found.matched_rows >= 1);
        assert!(
            found
                .rows
                .iter()
                .any(|r| r.contains(&Some(first_name.clone())))
        );
        let none = table_page(
            &lakehouse,
            &TableQuery {
                search: "no such text anywhere".into(),
                ..query("dim_patient")
            },
            None,
        )
        .unwrap();
        assert_eq!((none.matched_rows, none.rows.len()), (0, 0));
        assert!(table_page(&lakehouse, &query("nope"), None).is_err());
    }

    #[test]
    fn single_tables_download_as_parquet_and_escaped_csv() {
        let lakehouse = load_demo(20, 4, &mut |_| {}).unwrap();
        let (download, bytes) =
            table_download(&lakehouse, "gold_kpis", TableFormat::Parquet, None).unwrap();
        assert_eq!(download.file_name, "gold_kpis.parquet");
        assert_eq!(&bytes[..4], b"PAR1");
        let batches = export::parquet::read(bytes).unwrap();
        assert_eq!(batches[0].num_rows(), 1);
        let (download, bytes) =
            table_download(&lakehouse, "dim_patient", TableFormat::Csv, None).unwrap();
        assert_eq!(download.mime, "text/csv");
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("patient_key,"));
        assert_eq!(text.lines().count(), 21);
        let unknown = r#"{"type":"download_table","name":"dim_patient","format":"xlsx"}"#;
        assert!(serde_json::from_str::<crate::protocol::Request>(unknown).is_err());
    }
}
