//! Delta Lake tables written by hand (the protocol is simple for a single
//! commit): per table a folder with one Snappy Parquet part file and
//! `_delta_log/00000000000000000000.json` holding `protocol` (reader 1,
//! writer 2), `metaData` (schema string, no partitions) and one `add` action
//! with the exact file size and statistics (row count, per-column nulls,
//! min and max). Ids and times are derived from the table and the as-of day,
//! never from a clock or a random source, so the output is deterministic.

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, SchemaRef};

use super::ids::stable_uuid;
use super::json::Json;
use super::parquet;
use crate::OutputFile;
use crate::dates::{self, Day};
use crate::error::Result;

/// The Delta type name of an Arrow type.
fn delta_type(data_type: &DataType) -> &'static str {
    match data_type {
        DataType::Int64 => "long",
        DataType::Int32 => "integer",
        DataType::Float64 => "double",
        DataType::Boolean => "boolean",
        DataType::Date32 => "date",
        DataType::Timestamp(_, _) => "timestamp",
        _ => "string",
    }
}

/// Delta's `schemaString`: a struct of nullable fields.
pub fn schema_string(schema: &SchemaRef) -> String {
    Json::object([
        ("type", Json::str("struct")),
        (
            "fields",
            Json::Array(
                schema
                    .fields()
                    .iter()
                    .map(|f| {
                        Json::object([
                            ("name", Json::str(f.name().as_str())),
                            ("type", Json::str(delta_type(f.data_type()))),
                            ("nullable", Json::Bool(f.is_nullable())),
                            ("metadata", Json::object::<String>([])),
                        ])
                    })
                    .collect(),
            ),
        ),
    ])
    .compact()
}

/// Milliseconds formatted as Delta's timestamp statistics
/// (`YYYY-MM-DDTHH:MM:SS.mmmZ`).
fn millis_text(millis: i64) -> String {
    let days = millis.div_euclid(86_400_000);
    let within = millis.rem_euclid(86_400_000);
    let (h, m, s, ms) = (
        within / 3_600_000,
        within / 60_000 % 60,
        within / 1000 % 60,
        within % 1000,
    );
    format!(
        "{}T{h:02}:{m:02}:{s:02}.{ms:03}Z",
        dates::format_date(days as i32)
    )
}

/// Min, max and null count of one column over `batches`.
fn column_stats(batches: &[RecordBatch], index: usize) -> (Option<Json>, Option<Json>, i64) {
    let mut nulls = 0i64;
    let data_type = batches
        .first()
        .map(|b| b.column(index).data_type().clone())
        .unwrap_or(DataType::Null);
    macro_rules! extremes {
        ($values:expr) => {{
            let mut lo = None;
            let mut hi = None;
            for v in $values {
                lo = Some(match lo {
                    Some(l) if l <= v => l,
                    _ => v,
                });
                hi = Some(match hi {
                    Some(h) if h >= v => h,
                    _ => v,
                });
            }
            (lo, hi)
        }};
    }
    for batch in batches {
        nulls += batch.column(index).null_count() as i64;
    }
    let columns = || batches.iter().map(move |b| b.column(index));
    match data_type {
        DataType::Int64 => {
            let (lo, hi) =
                extremes!(columns().flat_map(|c| c.as_primitive::<Int64Type>().iter().flatten()));
            (lo.map(Json::Int), hi.map(Json::Int), nulls)
        }
        DataType::Float64 => {
            let values = columns()
                .flat_map(|c| {
                    c.as_primitive::<Float64Type>()
                        .iter()
                        .flatten()
                        .collect::<Vec<_>>()
                })
                .filter(|v| v.is_finite());
            let (mut lo, mut hi) = (None::<f64>, None::<f64>);
            for v in values {
                lo = Some(lo.map_or(v, |l| l.min(v)));
                hi = Some(hi.map_or(v, |h| h.max(v)));
            }
            (lo.map(Json::Float), hi.map(Json::Float), nulls)
        }
        DataType::Date32 => {
            let (lo, hi) =
                extremes!(columns().flat_map(|c| c.as_primitive::<Date32Type>().iter().flatten()));
            let text = |d: i32| Json::str(dates::format_date(d));
            (lo.map(text), hi.map(text), nulls)
        }
        DataType::Timestamp(_, _) => {
            let (lo, hi) = extremes!(columns().flat_map(|c| {
                c.as_primitive::<TimestampMicrosecondType>()
                    .iter()
                    .flatten()
            }));
            // Milliseconds: the minimum rounds down and the maximum up, so
            // the bounds always hold the data.
            (
                lo.map(|v: i64| Json::str(millis_text(v.div_euclid(1000)))),
                hi.map(|v: i64| Json::str(millis_text((v + 999).div_euclid(1000)))),
                nulls,
            )
        }
        DataType::Utf8 => {
            let mut lo: Option<String> = None;
            let mut hi: Option<String> = None;
            for column in columns() {
                for v in column.as_string::<i32>().iter().flatten() {
                    if lo.as_deref().is_none_or(|l| v < l) {
                        lo = Some(v.to_string());
                    }
                    if hi.as_deref().is_none_or(|h| v > h) {
                        hi = Some(v.to_string());
                    }
                }
            }
            (lo.map(Json::Str), hi.map(Json::Str), nulls)
        }
        _ => (None, None, nulls),
    }
}

/// The `stats` JSON string of an `add` action.
pub fn stats(schema: &SchemaRef, batches: &[RecordBatch]) -> String {
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let (mut min, mut max, mut nulls) = (Vec::new(), Vec::new(), Vec::new());
    for (i, field) in schema.fields().iter().enumerate() {
        let (lo, hi, n) = column_stats(batches, i);
        if let Some(lo) = lo {
            min.push((field.name().clone(), lo));
        }
        if let Some(hi) = hi {
            max.push((field.name().clone(), hi));
        }
        nulls.push((field.name().clone(), Json::Int(n)));
    }
    Json::object([
        ("numRecords", Json::Int(rows as i64)),
        ("minValues", Json::Object(min)),
        ("maxValues", Json::Object(max)),
        ("nullCount", Json::Object(nulls)),
    ])
    .compact()
}

/// One Delta table: the part file and the first commit, under `folder/`.
/// `as_of` dates the commit, so reruns give identical bytes.
pub fn table(
    folder: &str,
    name: &str,
    schema: SchemaRef,
    batches: &[RecordBatch],
    as_of: Day,
) -> Result<Vec<OutputFile>> {
    let bytes = parquet::write(schema.clone(), batches)?;
    let part = format!(
        "part-00000-{}-c000.snappy.parquet",
        stable_uuid(&format!("synthea-lakehouse/part/{name}"))
    );
    let millis = i64::from(as_of.days()) * 86_400_000;
    let actions = [
        Json::object([(
            "commitInfo",
            Json::object([
                ("timestamp", Json::Int(millis)),
                ("operation", Json::str("WRITE")),
                (
                    "operationParameters",
                    Json::object([("mode", Json::str("Overwrite"))]),
                ),
                (
                    "engineInfo",
                    Json::str(format!("synthea-lakehouse/{}", env!("CARGO_PKG_VERSION"))),
                ),
            ]),
        )]),
        Json::object([(
            "protocol",
            Json::object([
                ("minReaderVersion", Json::Int(1)),
                ("minWriterVersion", Json::Int(2)),
            ]),
        )]),
        Json::object([(
            "metaData",
            Json::object([
                (
                    "id",
                    Json::str(stable_uuid(&format!("synthea-lakehouse/table/{name}"))),
                ),
                ("name", Json::str(name)),
                (
                    "format",
                    Json::object([
                        ("provider", Json::str("parquet")),
                        ("options", Json::object::<String>([])),
                    ]),
                ),
                ("schemaString", Json::str(schema_string(&schema))),
                ("partitionColumns", Json::Array(Vec::new())),
                ("configuration", Json::object::<String>([])),
                ("createdTime", Json::Int(millis)),
            ]),
        )]),
        Json::object([(
            "add",
            Json::object([
                ("path", Json::str(part.as_str())),
                ("partitionValues", Json::object::<String>([])),
                ("size", Json::Int(bytes.len() as i64)),
                ("modificationTime", Json::Int(millis)),
                ("dataChange", Json::Bool(true)),
                ("stats", Json::str(stats(&schema, batches))),
            ]),
        )]),
    ];
    let mut log = String::new();
    for action in &actions {
        log.push_str(&action.compact());
        log.push('\n');
    }
    Ok(vec![
        OutputFile {
            path: format!("{folder}/{part}"),
            bytes,
        },
        OutputFile {
            path: format!("{folder}/_delta_log/00000000000000000000.json"),
            bytes: log.into_bytes(),
        },
    ])
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Int64Array, StringArray, TimestampMicrosecondArray};

    use super::*;

    #[test]
    fn a_table_has_a_part_file_and_a_commit_with_exact_size_and_stats() {
        let ids: ArrayRef = Arc::new(Int64Array::from(vec![Some(3), None, Some(1)]));
        let names: ArrayRef = Arc::new(StringArray::from(vec!["b", "a", "c"]));
        let times: ArrayRef = Arc::new(
            TimestampMicrosecondArray::from(vec![1_500, 2_000_001, 0]).with_timezone("UTC"),
        );
        let batch =
            RecordBatch::try_from_iter([("id", ids), ("name", names), ("at", times)]).unwrap();
        let files = table("t", "t", batch.schema(), &[batch], Day::from_days(20_000)).unwrap();
        assert!(
            files[0].path.starts_with("t/part-00000-")
                && files[0].path.ends_with(".snappy.parquet")
        );
        let log = String::from_utf8(files[1].bytes.clone()).unwrap();
        let lines: Vec<&str> = log.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[1].contains(r#""minReaderVersion":1"#));
        assert!(lines[2].contains(r#"\"type\":\"timestamp\""#));
        assert!(lines[3].contains(&format!(r#""size":{}"#, files[0].bytes.len())));
        assert!(lines[3].contains(r#"\"numRecords\":3"#));
        assert!(lines[3].contains(
            r#"\"minValues\":{\"id\":1,\"name\":\"a\",\"at\":\"1970-01-01T00:00:00.000Z\"}"#
        ));
        // The maximum rounds up to the next millisecond: 2,000,001 µs → 2,001 ms.
        assert!(lines[3].contains(r#"\"at\":\"1970-01-01T00:00:02.001Z\""#));
        assert!(lines[3].contains(r#"\"nullCount\":{\"id\":1,\"name\":0,\"at\":0}"#));
    }
}
