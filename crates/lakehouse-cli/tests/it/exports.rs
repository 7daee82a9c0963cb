//! `--powerbi`, `--delta` and `--databricks` over every real export, also
//! from an earlier run output: the Power BI project's JSON files validate
//! against Microsoft's schemas (offline copy in `../shared/powerbi-schemas`,
//! Python `jsonschema`) and its report's fields resolve against the model;
//! its measures, computed again with DuckDB over its Parquet, equal gold;
//! and every Delta table, read back by the Python `deltalake` package,
//! equals the Parquet output.

use std::path::Path;

use crate::support::{REAL_SETS, lakehouse, python, real_set, run_python, synthea_root, temp_dir};

#[test]
fn every_real_export_gives_a_valid_power_bi_project_and_readable_delta_tables() {
    let schemas = synthea_root().join("../powerbi-schemas");
    for set in REAL_SETS {
        let Some(input) = real_set(set) else { return };
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
        assert!(
            report.starts_with("ok: ") && report.contains("report fields resolve"),
            "{report}"
        );
        assert!(
            powerbi
                .join("SyntheaLakehouse.Report/definition/pages/pages.json")
                .is_file()
        );
        // The model's measures, computed again over its Parquet with the
        // model's relationships, equal gold by month, payer and year, and
        // every gender and payer slice adds up.
        let report = python("check_powerbi_measures.py", &[&powerbi]);
        assert!(report.starts_with("ok: "), "{set}: {report}");
        let report = python("check_delta.py", &[&delta, &out]);
        let tables = lakehouse_pipeline::silver::TABLE_NAMES.len()
            + lakehouse_pipeline::gold::TABLE_NAMES.len();
        assert!(
            report.starts_with(&format!("ok: {tables} Delta tables")),
            "{set}: {report}"
        );
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

#[test]
fn an_earlier_run_output_exports_the_same_files_as_its_input() {
    use crate::support::files;
    for set in REAL_SETS {
        let Some(input) = real_set(set) else { return };
        let (out, direct, again, rerun) = (
            temp_dir(&format!("{set}-reexport-out")),
            temp_dir(&format!("{set}-reexport-direct")),
            temp_dir(&format!("{set}-reexport-again")),
            temp_dir(&format!("{set}-reexport-rerun")),
        );
        let export = |from: &Path, to: &Path, out: &Path| {
            let mut args: Vec<String> =
                vec!["run".into(), from.display().to_string(), "--quiet".into()];
            for target in ["powerbi", "delta", "databricks", "out"] {
                args.push(format!("--{target}"));
                let dir = if target == "out" {
                    out.to_path_buf()
                } else {
                    to.join(target)
                };
                args.push(dir.display().to_string());
            }
            let output = lakehouse(&args.iter().map(String::as_str).collect::<Vec<_>>());
            assert!(
                output.status.success(),
                "{set}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        };
        export(&input, &direct, &out);
        export(&out, &again, &rerun);
        let (a, b) = (files(&direct), files(&again));
        assert!(a.len() > 60, "{set}: {} files", a.len());
        assert_eq!(
            a.keys().collect::<Vec<_>>(),
            b.keys().collect::<Vec<_>>(),
            "{set}"
        );
        for (path, bytes) in &a {
            assert!(
                bytes == &b[path],
                "{set}: {path} differs when exported from the run output"
            );
        }
        // Running again from the output rewrites the star schema and gold byte for
        // byte (bronze holds the same rows; its Parquet pages may be cut differently).
        let (first, second) = (files(&out), files(&rerun));
        for (path, bytes) in first
            .iter()
            .filter(|(p, _)| p.starts_with("silver") || p.starts_with("gold"))
        {
            assert!(
                second.get(path) == Some(bytes),
                "{set}: {path} differs after a rerun"
            );
        }
    }
}

#[test]
fn the_power_bi_checks_refuse_a_project_that_names_a_missing_field_or_loses_a_relationship() {
    let schemas = synthea_root().join("../powerbi-schemas");
    if !schemas.is_dir() {
        return;
    }
    let dir = temp_dir("powerbi-broken");
    let output = lakehouse(&[
        "export",
        "--demo",
        "40",
        "--powerbi",
        dir.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(output.status.success());
    let definition = dir.join("SyntheaLakehouse.SemanticModel/definition");
    let edit = |path: &Path, from: &str, to: &str| {
        let text = std::fs::read_to_string(path).unwrap();
        assert!(text.contains(from), "{from} in {}", path.display());
        std::fs::write(path, text.replacen(from, to, 1)).unwrap();
    };
    // A measure renamed in the model, and a DAX syntax error: the report's
    // visuals name a measure the model lacks.
    let encounters = definition.join("tables/fact_encounters.tmdl");
    edit(
        &encounters,
        "measure 'Encounter Count' =",
        "measure 'Visits' =",
    );
    edit(
        &encounters,
        "DIVIDE([Payer Coverage], [Total Claim Cost])",
        "DIVIDE([Payer Coverage] [Total Claim Cost])",
    );
    let (passed, report) = run_python("validate_pbip.py", &[&dir, &schemas]);
    assert!(!passed, "{report}");
    assert!(
        report.contains("[Encounter Count] is no measure of fact_encounters"),
        "{report}"
    );
    assert!(
        report.contains("measure [Coverage %]: DAX does not parse"),
        "{report}"
    );
    // Without its patient relationship, prescriptions ignore a gender
    // slicer: every slice repeats the whole, and the check says so.
    let relationships = definition.join("relationships.tmdl");
    let text = std::fs::read_to_string(&relationships).unwrap();
    let kept: Vec<&str> = text
        .split("relationship ")
        .filter(|block| !block.contains("fromColumn: fact_medications.patient_key"))
        .collect();
    std::fs::write(&relationships, kept.join("relationship ")).unwrap();
    let (passed, report) = run_python("check_powerbi_measures.py", &[&dir]);
    assert!(!passed, "{report}");
    assert!(
        report.contains("pharmacy_paid: the gender slices add up to"),
        "{report}"
    );
}
