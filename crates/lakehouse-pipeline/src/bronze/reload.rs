//! Reloading an earlier run's bronze Parquet: the tables, their provenance
//! footers ([`SOURCES_KEY`]) and the rejects rebuild the same bronze layer,
//! so silver and gold can be computed again without the CSVs.

use std::sync::Arc;

use arrow_array::builder::StringDictionaryBuilder;
use arrow_array::types::Int32Type;
use arrow_array::{Array, ArrayRef, DictionaryArray, RecordBatch, StringArray};
use arrow_schema::DataType;

use super::spec::{self, TableSpec};
use super::version;
use super::{
    Bronze, BronzeTable, FileReport, REJECTS_TABLE, bronze_schema, rejects_schema, text_type,
};
use crate::error::{Error, Result};

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

/// A value that CSV ingest could never have typed: a missing required
/// value, a date or time outside the years 0000–9999, a number that is
/// not finite, a whole number beyond [`super::MAX_INTEGER`]. Reloading
/// checks it as ingest does, so a damaged run output is an error, never a
/// dimension of a billion days (that once aborted a run).
fn what_no_csv_gives(spec: &TableSpec, batch: &RecordBatch) -> Option<String> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Date32Type, Float64Type, Int64Type, TimestampMicrosecondType};
    let first_day = crate::dates::days_from_civil(0, 1, 1);
    let last_day = crate::dates::days_from_civil(9999, 12, 31);
    let day_ok = |d: i32| (first_day..=last_day).contains(&d);
    for (column, array) in spec.columns.iter().zip(batch.columns()) {
        let name = column.name;
        if column.required && array.null_count() > 0 {
            return Some(format!("column `{name}` has an empty required value"));
        }
        let bad_row = match array.data_type() {
            DataType::Date32 => array
                .as_primitive::<Date32Type>()
                .iter()
                .position(|v| v.is_some_and(|d| !day_ok(d))),
            DataType::Timestamp(_, _) => array
                .as_primitive::<TimestampMicrosecondType>()
                .iter()
                .position(|v| {
                    v.is_some_and(|t| {
                        i32::try_from(t.div_euclid(crate::dates::MICROS_PER_DAY))
                            .map_or(true, |d| !day_ok(d))
                    })
                }),
            DataType::Float64 => array
                .as_primitive::<Float64Type>()
                .iter()
                .position(|v| v.is_some_and(|f| !f.is_finite())),
            DataType::Int64 => array.as_primitive::<Int64Type>().iter().position(|v| {
                v.is_some_and(|i| i.unsigned_abs() > super::MAX_INTEGER.unsigned_abs())
            }),
            _ => None,
        };
        if let Some(row) = bad_row {
            return Some(format!(
                "column `{name}` row {} holds a value no CSV input gives (a date outside the years 0000-9999, or a number larger than CSV ingest accepts)",
                row + 1
            ));
        }
    }
    None
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
    /// the provenance columns; the version is detected again. Long because
    /// every part read from disk is validated where it is read (schema,
    /// provenance, counts), each with its own message.
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
                let batch = RecordBatch::try_new(schema.clone(), columns)?;
                if let Some(problem) = what_no_csv_gives(spec, &batch) {
                    return Err(bad(&name, problem));
                }
                typed.push(batch);
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
