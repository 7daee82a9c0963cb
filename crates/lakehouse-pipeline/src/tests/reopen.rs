//! Reopening a run output as it was written ([`crate::reopen_run_output`]):
//! the same lakehouse when every layer is there, its stored silver and gold
//! really read (not computed again), and the rebuild from bronze whenever
//! a stored layer is not this version's.

use std::sync::Arc;

use arrow_array::RecordBatch;
use wasm_bindgen_test::wasm_bindgen_test;

use super::fixtures;
use crate::export::parquet::{read_with_metadata, write_with_metadata};
use crate::{Lakehouse, OutputFile, from_run_output, reopen_run_output};

fn reopen(files: &[OutputFile]) -> Lakehouse {
    reopen_run_output(files.iter().map(|f| (f.path.as_str(), f.bytes.clone()))).unwrap()
}

/// `files` with the Parquet file at `path` rewritten by `change`.
fn rewritten(
    files: &[OutputFile],
    path: &str,
    change: impl Fn(RecordBatch) -> RecordBatch,
) -> Vec<OutputFile> {
    files
        .iter()
        .map(|file| {
            if file.path != path {
                return file.clone();
            }
            let (batches, _) = read_with_metadata(file.bytes.clone()).unwrap();
            let batches: Vec<RecordBatch> = batches.into_iter().map(&change).collect();
            let schema = batches[0].schema();
            OutputFile {
                path: file.path.clone(),
                bytes: write_with_metadata(schema, &batches, &[]).unwrap(),
            }
        })
        .collect()
}

/// Every table's Parquet bytes (the run output without its manifest).
fn parquet(lakehouse: &Lakehouse) -> Vec<OutputFile> {
    let mut files = lakehouse.output_files(false).unwrap();
    files.retain(|f| f.path.ends_with(".parquet"));
    files
}

#[wasm_bindgen_test(unsupported = test)]
fn a_run_output_reopens_as_it_was_written() {
    let lakehouse = fixtures::mini();
    let files = lakehouse.output_files(false).unwrap();
    // Any order: a directory listing or the browser's storage.
    let mut shuffled = files.clone();
    shuffled.reverse();
    let again = reopen(&shuffled);
    assert_eq!(parquet(&again), parquet(&lakehouse));
    assert_eq!(again.quality(), lakehouse.quality());
    assert_eq!(again.silver.as_of, lakehouse.silver.as_of);
    assert_eq!(again.silver.cleaning, lakehouse.silver.cleaning);
    assert!(
        lakehouse
            .silver
            .cleaning
            .iter()
            .any(|c| c.exact_duplicates > 0),
        "the mini set has duplicates to read back"
    );
    let late = &again.silver.late_days;
    assert_eq!(
        (late.checked, late.failed),
        (
            lakehouse.silver.late_days.checked,
            lakehouse.silver.late_days.failed
        )
    );
    // The manifest's cleaning and data-quality parts are the same.
    let manifest = |l: &Lakehouse| {
        let text = String::from_utf8(l.manifest_json()).unwrap();
        text[text.find("\"cleaning\"").unwrap()..].to_string()
    };
    let (before, after) = (manifest(&lakehouse), manifest(&again));
    assert_eq!(
        before[..before.find("\"tables\"").unwrap()],
        after[..after.find("\"tables\"").unwrap()]
    );
    assert_eq!(
        before[before.find("\"data_quality\"").unwrap()..],
        after[after.find("\"data_quality\"").unwrap()..]
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn the_stored_silver_and_gold_are_read_not_computed_again() {
    let lakehouse = fixtures::mini();
    let files = lakehouse.output_files(false).unwrap();
    let rows = lakehouse
        .silver
        .table("fact_encounters")
        .unwrap()
        .num_rows();
    // A stored fact table one row short: reopening shows it as stored,
    // rebuilding from bronze does not.
    let short = rewritten(&files, "silver/fact_encounters.parquet", |b| {
        b.slice(1, b.num_rows() - 1)
    });
    let reopened = reopen(&short);
    let table = reopened.silver.table("fact_encounters").unwrap();
    assert_eq!(table.num_rows(), rows - 1);
    let rebuilt = from_run_output(
        short.iter().map(|f| (f.path.as_str(), f.bytes.clone())),
        None,
    )
    .unwrap();
    assert_eq!(
        rebuilt.silver.table("fact_encounters").unwrap().num_rows(),
        rows
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn a_stored_layer_that_is_not_this_versions_is_built_again_from_bronze() {
    let lakehouse = fixtures::mini();
    let files = lakehouse.output_files(false).unwrap();
    let expected = parquet(&lakehouse);
    // A silver table missing.
    let missing: Vec<OutputFile> = files
        .iter()
        .filter(|f| f.path != "silver/dim_payer.parquet")
        .cloned()
        .collect();
    // A column less: another version's schema.
    let narrower = rewritten(&files, "silver/dim_patient.parquet", |b| {
        let mut columns = b.columns().to_vec();
        let mut fields: Vec<_> = b.schema().fields().iter().cloned().collect();
        columns.pop();
        fields.pop();
        RecordBatch::try_new(Arc::new(arrow_schema::Schema::new(fields)), columns).unwrap()
    });
    // A rule this version does not know.
    let unknown_rule = rewritten(&files, "gold/dq_results.parquet", |b| {
        let mut columns = b.columns().to_vec();
        let ids: Vec<String> = crate::table::column::<arrow_array::StringArray>(&b, "rule_id")
            .unwrap()
            .iter()
            .map(|id| format!("{}_v0", id.unwrap()))
            .collect();
        columns[0] = Arc::new(arrow_array::StringArray::from(ids));
        RecordBatch::try_new(b.schema(), columns).unwrap()
    });
    for (what, files) in [
        ("missing", missing),
        ("narrower", narrower),
        ("unknown rule", unknown_rule),
    ] {
        assert_eq!(parquet(&reopen(&files)), expected, "{what}");
    }
    // Silver and gold can only come from bronze when they are not there at all.
    let bronze_only: Vec<OutputFile> = files
        .iter()
        .filter(|f| f.path.starts_with("bronze/") || f.path == "gold/gold_kpis.parquet")
        .cloned()
        .collect();
    assert_eq!(parquet(&reopen(&bronze_only)), expected);
}
