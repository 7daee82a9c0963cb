//! Golden renderings of every silver and gold table of the `mini` set, plus
//! its manifest. The expected files live in `tests/golden/mini/` and are
//! embedded, so the same comparison runs natively and on wasm32 (invariant 2:
//! one engine, two targets, identical outputs).
//!
//! To refresh after an intended change: `UPDATE_EXPECT=1 cargo test -p
//! lakehouse-pipeline golden`, then review the diff.

use wasm_bindgen_test::wasm_bindgen_test;

use super::fixtures;
use crate::render::render;

macro_rules! golden {
    ($($name:literal),* $(,)?) => {
        [$(($name, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/golden/mini/", $name, ".txt")))),*]
    };
}

const TABLES: [(&str, &str); 29] = golden!(
    "dim_patient",
    "dim_provider",
    "dim_organization",
    "dim_payer",
    "dim_diagnosis",
    "dim_procedure",
    "dim_medication",
    "dim_date",
    "fact_encounters",
    "fact_conditions",
    "fact_procedures",
    "fact_medications",
    "fact_claims",
    "fact_member_months",
    "gold_kpis",
    "gold_encounters_monthly",
    "gold_encounters_by_provider",
    "gold_encounters_by_organization",
    "gold_top_conditions",
    "gold_condition_onsets_yearly",
    "gold_top_procedures",
    "gold_demographics",
    "gold_payer_costs",
    "gold_readmissions_monthly",
    "gold_medications_by_payer",
    "gold_pmpm_monthly",
    "gold_utilization_yearly",
    "gold_mortality_yearly",
    "dq_results",
);

const MANIFEST: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/golden/mini/manifest.json"
));

#[cfg(not(target_arch = "wasm32"))]
#[expect(
    clippy::disallowed_methods,
    reason = "tests rewrite their golden files on request"
)]
fn update(name: &str, actual: &str) -> bool {
    if std::env::var("UPDATE_EXPECT").is_err() {
        return false;
    }
    let path = format!(
        "{}/../../tests/golden/mini/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::write(path, actual).expect("golden file is writable");
    true
}

#[cfg(target_arch = "wasm32")]
fn update(_: &str, _: &str) -> bool {
    false
}

#[wasm_bindgen_test(unsupported = test)]
fn mini_silver_and_gold_match_golden_files() {
    let lakehouse = fixtures::mini();
    let mut mismatches = Vec::new();
    for (name, expected) in TABLES {
        let table = lakehouse
            .table(name)
            .unwrap_or_else(|| panic!("table {name} exists"));
        let actual = render(table.batches);
        if actual != expected && !update(&format!("{name}.txt"), &actual) {
            mismatches.push(format!(
                "--- {name} expected\n{expected}+++ {name} actual\n{actual}"
            ));
        }
    }
    let manifest = String::from_utf8(lakehouse.manifest_json()).expect("utf-8 manifest");
    if manifest != MANIFEST && !update("manifest.json", &manifest) {
        mismatches.push(format!(
            "--- manifest expected\n{MANIFEST}+++ actual\n{manifest}"
        ));
    }
    assert!(
        mismatches.is_empty(),
        "golden mismatch (UPDATE_EXPECT=1 rewrites):\n{}",
        mismatches.join("\n")
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn every_output_table_has_a_golden_file_or_is_bronze() {
    let lakehouse = fixtures::mini();
    for table in lakehouse.tables() {
        if table.layer != "bronze" {
            assert!(
                TABLES.iter().any(|(n, _)| *n == table.name),
                "{} has no golden file",
                table.name
            );
        }
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn parquet_files_are_identical_across_runs() {
    let a = fixtures::mini().output_files(true).expect("exports");
    let b = fixtures::mini().output_files(true).expect("exports");
    assert_eq!(a, b);
}
