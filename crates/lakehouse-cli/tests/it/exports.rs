//! `--powerbi` and `--delta` over every real export: the Power BI project's
//! JSON files validate against Microsoft's schemas (offline copy in
//! `../shared/powerbi-schemas`, Python `jsonschema`), and every Delta table,
//! read back by the Python `deltalake` package, equals the Parquet output.

use std::path::Path;
use std::process::Command;

use crate::support::{REAL_SETS, lakehouse, real_set, synthea_root, temp_dir};

fn python(script: &str, args: &[&Path]) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/checks")
        .join(script);
    let output = Command::new("python3")
        .arg(&path)
        .args(args)
        .output()
        .expect("python3 runs (scripts/install-tools --test installs its packages)");
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{script} failed:\n{text}");
    text
}

#[test]
fn every_real_export_gives_a_valid_power_bi_project_and_readable_delta_tables() {
    let schemas = synthea_root().join("../powerbi-schemas");
    for set in REAL_SETS {
        let input = real_set(set);
        let (out, powerbi, delta) = (
            temp_dir(&format!("{set}-out")),
            temp_dir(&format!("{set}-powerbi")),
            temp_dir(&format!("{set}-delta")),
        );
        let output = lakehouse(&[
            "run",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--powerbi",
            powerbi.to_str().unwrap(),
            "--delta",
            delta.to_str().unwrap(),
            "--data-folder",
            "D:\\Data\\Synthea",
            "--quiet",
        ]);
        assert!(
            output.status.success(),
            "{set}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let expressions = std::fs::read_to_string(
            powerbi.join("SyntheaLakehouse.SemanticModel/definition/expressions.tmdl"),
        )
        .unwrap();
        assert!(expressions.contains(
            "expression DataFolder = \"D:\\Data\\Synthea\\data\" meta [IsParameterQuery=true"
        ));
        assert!(powerbi.join("data/fact_encounters.parquet").is_file());
        assert!(powerbi.join("README.txt").is_file());
        let report = python("validate_pbip.py", &[&powerbi, &schemas]);
        assert!(report.contains("ok: 5 JSON files valid"), "{report}");
        let report = python("check_delta.py", &[&delta, &out]);
        assert!(report.starts_with("ok: 25 Delta tables"), "{set}: {report}");
    }
}

#[test]
fn export_alone_needs_no_out_folder() {
    let dir = temp_dir("export-only");
    let output = lakehouse(&[
        "export",
        "--demo",
        "20",
        "--delta",
        dir.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        dir.join("gold_kpis/_delta_log/00000000000000000000.json")
            .is_file()
    );
    let output = lakehouse(&["export", "--demo", "20"]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "nothing to write is a usage error"
    );
}
