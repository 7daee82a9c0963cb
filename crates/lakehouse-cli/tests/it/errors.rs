//! The `invalid/` fixture set: one folder per defect, each with an
//! `expect.txt` naming the exit code, stderr and stdout text, rejects and failed
//! data-quality rules it must give. Plus bad paths and usage.

use std::collections::BTreeMap;

use arrow_array::{Array, Int64Array, StringArray};

use crate::support::{fixtures, lakehouse, table, temp_dir};

fn dq_failures(out: &std::path::Path) -> BTreeMap<String, i64> {
    let mut failures = BTreeMap::new();
    for batch in table(out, "gold", "dq_results") {
        let ids = batch
            .column_by_name("rule_id")
            .unwrap()
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        let failed = batch
            .column_by_name("rows_failed")
            .unwrap()
            .as_any()
            .downcast_ref::<Int64Array>()
            .unwrap();
        for i in 0..batch.num_rows() {
            failures.insert(ids.value(i).to_string(), failed.value(i));
        }
    }
    failures
}

fn rejects(out: &std::path::Path) -> Vec<String> {
    let mut lines = Vec::new();
    for batch in table(out, "bronze", "bronze_rejects") {
        let text = |name: &str| {
            batch
                .column_by_name(name)
                .unwrap()
                .as_any()
                .downcast_ref::<StringArray>()
                .unwrap()
                .clone()
        };
        let (file, column, reason) = (text("file"), text("column"), text("reason"));
        let line = batch
            .column_by_name("line")
            .unwrap()
            .as_any()
            .downcast_ref::<Int64Array>()
            .unwrap()
            .clone();
        for i in 0..batch.num_rows() {
            let column = if column.is_null(i) {
                "-"
            } else {
                column.value(i)
            };
            lines.push(format!(
                "{}:{} {column} {}",
                file.value(i),
                line.value(i),
                reason.value(i)
            ));
        }
    }
    lines
}

#[test]
fn every_invalid_fixture_gives_its_expected_error_or_reject() {
    let root = fixtures().join("invalid");
    let mut cases: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 10,
        "the invalid set has a case per defect class"
    );
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let expect = std::fs::read_to_string(case.join("expect.txt")).unwrap();
        let out = temp_dir(&name);
        let mut args = vec![
            "run".to_string(),
            case.to_string_lossy().into_owned(),
            "--out".into(),
            out.to_string_lossy().into_owned(),
        ];
        for line in expect.lines() {
            if let Some(extra) = line.strip_prefix("args: ") {
                args.extend(extra.split_whitespace().map(String::from));
            }
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = lakehouse(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        for line in expect.lines() {
            let (key, value) = line
                .split_once(": ")
                .unwrap_or_else(|| panic!("{name}: bad line `{line}`"));
            match key {
                "args" => {}
                "exit" => assert_eq!(
                    output.status.code(),
                    Some(value.parse().unwrap()),
                    "{name}: exit code; stderr: {stderr}"
                ),
                "stderr" => assert!(
                    stderr.contains(value),
                    "{name}: stderr lacks `{value}`:\n{stderr}"
                ),
                "stdout" => {
                    let stdout = String::from_utf8_lossy(&output.stdout);
                    assert!(
                        stdout.contains(value),
                        "{name}: stdout lacks `{value}`:\n{stdout}"
                    );
                }
                "reject" => {
                    let found = rejects(&out);
                    assert!(
                        found.iter().any(|r| r.starts_with(value)),
                        "{name}: no reject `{value}` in {found:#?}"
                    );
                }
                "dq" => {
                    let (rule, count) = value.split_once(' ').unwrap();
                    let failures = dq_failures(&out);
                    assert_eq!(
                        failures.get(rule),
                        Some(&count.parse().unwrap()),
                        "{name}: dq {rule} in {failures:#?}"
                    );
                }
                other => panic!("{name}: unknown expectation `{other}`"),
            }
        }
        if output.status.code() == Some(2) {
            // Every refusal names the file (in backticks) and says what to do.
            let first = stderr.lines().next().unwrap_or_default();
            assert!(
                first.starts_with("error: ") && first.matches('`').count() >= 2,
                "{name}: the error names no file: {stderr}"
            );
            assert!(
                stderr
                    .lines()
                    .any(|l| l.starts_with("hint: ") && l.len() > 20),
                "{name}: no hint: {stderr}"
            );
        }
        if output.status.code() == Some(0) {
            // Nothing is lost: rows read = accepted + rejected, per file.
            let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
            assert!(manifest.contains("\"rows_read\""), "{name}");
        }
    }
}

#[test]
fn a_path_that_does_not_exist_is_a_one_line_cause_and_a_hint() {
    let out = temp_dir("nopath");
    let output = lakehouse(&["run", "/no/such/export", "--out", out.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let mut lines = stderr.lines();
    assert_eq!(
        lines.next(),
        Some("error: cannot read input `/no/such/export`")
    );
    assert!(lines.next().unwrap().starts_with("hint: "), "{stderr}");
}

#[test]
fn an_empty_folder_and_a_bad_as_of_are_usage_errors() {
    let empty = temp_dir("empty");
    let out = temp_dir("empty-out");
    let output = lakehouse(&[
        "run",
        empty.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no CSV files in folder"));
    let mini = fixtures().join("mini");
    let output = lakehouse(&[
        "run",
        mini.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--as-of",
        "2024-02-30",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("invalid as-of date `2024-02-30`"));
    let output = lakehouse(&["run"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_power_bi_project_name_that_is_a_path_is_refused_and_nothing_is_written() {
    let root = temp_dir("project-name");
    let powerbi = root.join("powerbi");
    let mini = fixtures().join("mini");
    for name in ["../../escaped", "a/b", "CON:", ".."] {
        let output = lakehouse(&[
            "export",
            mini.to_str().unwrap(),
            "--powerbi",
            powerbi.to_str().unwrap(),
            "--project",
            name,
        ]);
        assert_eq!(output.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.starts_with(&format!(
                "error: the Power BI project name `{name}` cannot be used: "
            )),
            "{stderr}"
        );
        assert!(stderr.contains("\nhint: give a plain name"), "{stderr}");
    }
    assert!(!root.join("escaped").exists() && !powerbi.exists());
}

#[test]
fn a_data_folder_with_a_newline_or_quote_stays_inside_its_m_text_literal() {
    let powerbi = temp_dir("data-folder");
    let mini = fixtures().join("mini");
    let output = lakehouse(&[
        "export",
        mini.to_str().unwrap(),
        "--powerbi",
        powerbi.to_str().unwrap(),
        "--data-folder",
        "D:\\a\"b\nc #(lf)",
    ]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let expressions = std::fs::read_to_string(
        powerbi.join("SyntheaLakehouse.SemanticModel/definition/expressions.tmdl"),
    )
    .unwrap();
    let expression = expressions
        .lines()
        .find(|l| l.starts_with("expression DataFolder = "))
        .unwrap();
    assert!(
        expression
            .starts_with("expression DataFolder = \"D:\\a\"\"b#(lf)c #(#)(lf)\\data\" meta ["),
        "{expression}"
    );
    assert_eq!(expressions.lines().count(), 2, "{expressions}");
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_and_a_copied_file_are_read_once_and_said() {
    let input = temp_dir("loop-input");
    let mini = fixtures().join("mini");
    for entry in std::fs::read_dir(&mini).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, input.join(path.file_name().unwrap())).unwrap();
    }
    // A link back to the folder itself, and a second copy of one file.
    std::os::unix::fs::symlink(&*input, input.join("loop")).unwrap();
    std::fs::create_dir(input.join("again")).unwrap();
    std::fs::copy(mini.join("patients.csv"), input.join("again/patients.csv")).unwrap();
    let (reference, out) = (temp_dir("loop-reference"), temp_dir("loop-out"));
    let expected = lakehouse(&[
        "run",
        mini.to_str().unwrap(),
        "--out",
        reference.to_str().unwrap(),
    ]);
    assert_eq!(expected.status.code(), Some(0));
    let output = lakehouse(&[
        "run",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("/loop` was reached again (a link or a repeated input); read once"),
        "{stderr}"
    );
    // `again/` sorts first, so the top-level file is the copy.
    assert!(
        stderr.contains(
            "`patients.csv` has the same name and content as `again/patients.csv`; read once"
        ),
        "{stderr}"
    );
    // The same rows as the export read once.
    let rows = |dir: &std::path::Path| {
        table(dir, "bronze", "bronze_patients")
            .iter()
            .map(|b| b.num_rows())
            .sum::<usize>()
    };
    assert_eq!(rows(&out), rows(&reference));
    let summary = |o: &std::process::Output| {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .find(|l| l.starts_with("input "))
            .map(|l| l.split(", ").skip(1).collect::<Vec<_>>().join(", "))
    };
    assert_eq!(summary(&output), summary(&expected));
}

#[test]
fn a_zip_past_the_limit_is_refused_and_the_flags_say_how_to_raise_it() {
    use std::io::Write;
    let dir = temp_dir("zip-limit");
    let path = dir.join("mini.zip");
    {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        for entry in std::fs::read_dir(fixtures().join("mini")).unwrap() {
            let file = entry.unwrap().path();
            zip.start_file(
                file.file_name().unwrap().to_string_lossy(),
                zip::write::SimpleFileOptions::default(),
            )
            .unwrap();
            zip.write_all(&std::fs::read(&file).unwrap()).unwrap();
        }
        zip.finish().unwrap();
    }
    let out = dir.join("out");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            path.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        lakehouse(&args)
    };
    let refused = run(&["--zip-max-gib", "0"]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.starts_with("error: the zip archive `mini.zip` expands to more than 0 bytes"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: ") && stderr.contains("--zip-max-ratio"),
        "{stderr}"
    );
    assert_eq!(run(&[]).status.code(), Some(0));
}

#[test]
fn a_synthea_25_provider_column_holding_organization_ids_maps_to_the_organization() {
    let input = fixtures().join("v25_provider_is_organization");
    let out = temp_dir("v25");
    let output = lakehouse(&[
        "run",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("Synthea version  2.5"), "{stdout}");
    assert!(
        stdout.contains("warning  encounters_provider_holds_organizations_ids 3 of 3 rows"),
        "{stdout}"
    );
    let keys = |column: &str| -> Vec<Option<i64>> {
        table(&out, "silver", "fact_encounters")
            .iter()
            .flat_map(|b| {
                b.column_by_name(column)
                    .unwrap()
                    .as_any()
                    .downcast_ref::<Int64Array>()
                    .unwrap()
                    .iter()
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    assert_eq!(keys("organization_key"), [Some(1), Some(1), Some(2)]);
    assert_eq!(keys("provider_key"), [None, None, None]);
    let failures = dq_failures(&out);
    assert_eq!(failures.get("fk_encounters_provider"), Some(&0));
    assert_eq!(
        failures.get("encounters_provider_holds_organizations_ids"),
        Some(&3)
    );
    // Three clinicians share `prov-1`: none of them vanishes.
    assert_eq!(failures.get("provider_ids_shared_by_clinicians"), Some(&2));
    let providers = table(&out, "silver", "dim_provider");
    let text = |name: &str| -> Vec<String> {
        providers
            .iter()
            .flat_map(|b| {
                let column = b.column_by_name(name).unwrap().as_any();
                let (texts, ints) = (
                    column.downcast_ref::<StringArray>(),
                    column.downcast_ref::<Int64Array>(),
                );
                (0..b.num_rows())
                    .map(|i| match (texts, ints) {
                        (Some(t), _) => t.value(i).to_string(),
                        (_, Some(n)) => n.value(i).to_string(),
                        _ => panic!("{name} is neither text nor an integer"),
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    assert_eq!(
        text("name"),
        [
            "Dr. Elena Fox",
            "Dr. Glen Hart",
            "Dr. Ines Park",
            "Dr. Omar Reyes"
        ]
    );
    assert_eq!(
        text("provider_id"),
        ["prov-1", "prov-2", "prov-1", "prov-1"]
    );
    assert_eq!(text("id_member"), ["1", "1", "2", "3"]);
    assert_eq!(text("encounters_reported"), ["5", "1", "4", "6"]);
}
