//! The Databricks bundle: its structure, its coverage of every table and
//! data-quality rule, and a golden snapshot. The Spark parity run
//! (tests/checks/spark_parity.py, in scripts/test) executes the SQL.

use wasm_bindgen_test::wasm_bindgen_test;

use super::fixtures;
use crate::export::databricks::{BundleOptions, CELL};
use crate::silver::normalize_system;
use crate::{OutputFile, gold, silver};

const GOLDEN: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/golden/databricks/bundle.txt"
));

fn bundle() -> Vec<OutputFile> {
    fixtures::mini()
        .databricks_files(&BundleOptions::default())
        .unwrap()
}

fn text<'a>(files: &'a [OutputFile], path: &str) -> &'a str {
    let file = files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("{path} is in the bundle"));
    std::str::from_utf8(&file.bytes).unwrap()
}

/// The tables a notebook creates, in order.
fn created(notebook: &str) -> Vec<String> {
    notebook
        .split(CELL)
        .filter_map(|cell| {
            cell.lines()
                .find_map(|l| l.strip_prefix("CREATE OR REPLACE TABLE "))
                .map(|rest| rest.split_whitespace().next().unwrap_or("").to_string())
        })
        .collect()
}

#[wasm_bindgen_test(unsupported = test)]
fn the_bundle_has_a_job_of_three_dependent_notebooks() {
    let files = bundle();
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "databricks.yml",
            "resources/synthea_lakehouse.job.yml",
            "src/01_bronze.sql",
            "src/02_silver.sql",
            "src/03_gold.sql",
            "scripts/run_spark.py",
            "README.md"
        ]
    );
    let job = text(&files, "resources/synthea_lakehouse.job.yml");
    for needle in [
        "notebook_path: ../src/01_bronze.sql",
        "depends_on:\n            - task_key: bronze",
        "depends_on:\n            - task_key: silver",
        "- name: source_volume\n          default: ${var.source_volume}",
    ] {
        assert!(job.contains(needle), "the job has `{needle}`");
    }
    assert!(text(&files, "databricks.yml").contains("include:\n  - resources/*.yml"));
    for notebook in ["src/01_bronze.sql", "src/02_silver.sql", "src/03_gold.sql"] {
        let sql = text(&files, notebook);
        assert!(sql.starts_with("-- Databricks notebook source\n"));
        assert!(
            !sql.contains("{{"),
            "{notebook} has an unexpanded placeholder"
        );
        assert!(sql.contains("USE SCHEMA IDENTIFIER(:schema)"));
    }
    assert_eq!(files, bundle(), "the bundle is deterministic");
}

#[wasm_bindgen_test(unsupported = test)]
fn every_table_of_the_pipeline_is_built_once_by_its_layer() {
    let lakehouse = fixtures::mini();
    let files = bundle();
    let mut bronze: Vec<String> = lakehouse
        .bronze
        .tables
        .iter()
        .map(|t| t.spec.table.to_string())
        .collect();
    bronze.push("bronze_rejects".into());
    assert_eq!(created(text(&files, "src/01_bronze.sql")), bronze);
    assert_eq!(
        created(text(&files, "src/02_silver.sql")),
        // Dimensions are built before the facts that look keys up in them.
        [
            "dim_organization",
            "dim_provider",
            "dim_payer",
            "dim_diagnosis",
            "dim_procedure",
            "dim_medication",
            "dim_patient",
            "fact_member_months",
            "dim_date",
            "fact_encounters",
            "fact_conditions",
            "fact_procedures",
            "fact_medications",
            "fact_claims"
        ]
    );
    let mut silver_sorted = created(text(&files, "src/02_silver.sql"));
    silver_sorted.sort();
    let mut expected: Vec<&str> = silver::TABLE_NAMES.to_vec();
    expected.sort_unstable();
    assert_eq!(silver_sorted, expected);
    assert_eq!(created(text(&files, "src/03_gold.sql")), gold::TABLE_NAMES);
}

#[wasm_bindgen_test(unsupported = test)]
fn every_data_quality_rule_has_sql_in_the_pipelines_order() {
    let lakehouse = fixtures::mini();
    let files = bundle();
    let gold = text(&files, "src/03_gold.sql");
    assert!(!gold.contains("the bundle has no SQL for rule"));
    let mut at = 0;
    for rule in lakehouse.quality() {
        let id = rule.rule_id();
        let needle = format!("AS _order, '{id}' AS rule_id");
        let found = gold[at..]
            .find(&needle)
            .unwrap_or_else(|| panic!("rule {id} is in the gold notebook, in order"));
        at += found + needle.len();
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn the_bronze_sql_reads_the_files_and_fields_of_the_run() {
    let files = bundle();
    let bronze = text(&files, "src/01_bronze.sql");
    // mini's patients.csv has the 3.3 header; every field is read as text and typed in SQL.
    assert!(bronze.contains(":source_volume || '/patients.csv'"));
    assert!(bronze.contains("schema => '`Id` STRING, `BIRTHDATE` STRING, `DEATHDATE` STRING"));
    assert!(bronze.contains("missing required value in `BIRTHDATE`"));
    // A column the layout lacks is a typed null: 3.3 providers have no UTILIZATION.
    assert!(bronze.contains("CAST(NULL AS BIGINT) AS `UTILIZATION`"));
}

#[wasm_bindgen_test(unsupported = test)]
fn code_system_sql_uses_the_pipelines_spellings() {
    let files = bundle();
    let silver = text(&files, "src/02_silver.sql");
    for (spelling, name) in [
        ("http://snomed.info/sct", "SNOMED-CT"),
        ("snomed-ct", "SNOMED-CT"),
        ("http://www.nlm.nih.gov/research/umls/rxnorm", "RxNorm"),
        ("http://loinc.org", "LOINC"),
    ] {
        assert_eq!(normalize_system(Some(spelling), "x"), name);
        assert!(
            silver.contains(&format!("'{spelling}'")),
            "the SQL maps {spelling}"
        );
    }
    // medications.csv has no SYSTEM column: the default system is a literal.
    assert!(silver.contains("SELECT 'RxNorm' AS system, `CODE` AS code"));
}

#[wasm_bindgen_test(unsupported = test)]
fn the_bundle_matches_its_golden_snapshot() {
    let mut snapshot = String::new();
    for file in bundle().iter().filter(|f| f.path != "scripts/run_spark.py") {
        snapshot.push_str(&format!("=== {}\n", file.path));
        snapshot.push_str(std::str::from_utf8(&file.bytes).unwrap());
        snapshot.push('\n');
    }
    if snapshot != GOLDEN {
        #[cfg(not(target_arch = "wasm32"))]
        if super::powerbi::update_golden("databricks/bundle.txt", &snapshot) {
            return;
        }
        panic!(
            "the Databricks bundle changed (UPDATE_EXPECT=1 rewrites tests/golden/databricks/bundle.txt); first difference at byte {}",
            snapshot
                .bytes()
                .zip(GOLDEN.bytes())
                .position(|(a, b)| a != b)
                .unwrap_or(snapshot.len().min(GOLDEN.len()))
        );
    }
}
