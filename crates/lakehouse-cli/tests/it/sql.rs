//! `lakehouse sql`: on every real export its answers equal DuckDB's over the
//! same Parquet (`tests/checks/sql_parity.py`: the example queries and more),
//! and its errors exit 2 with the place in the query.

use std::path::Path;

use crate::support::{
    REAL_SETS, TempDir, fixtures, lakehouse, python, read_parquet, real_set, rows, run_ok, temp_dir,
};

#[test]
fn sql_on_every_real_export_equals_duckdb() {
    for set in REAL_SETS {
        let Some(input) = real_set(set) else { return };
        let out = temp_dir(&format!("{set}-sql"));
        run_ok(&input, &out);
        let bin = Path::new(env!("CARGO_BIN_EXE_lakehouse"));
        let report = python("sql_parity.py", &[bin, &out]);
        assert!(report.starts_with("ok: "), "{set}: {report}");
    }
}

/// The mini fixture run into a fresh folder: what `lakehouse sql` reads.
fn mini_run(label: &str) -> TempDir {
    let out = temp_dir(label);
    run_ok(&fixtures().join("mini"), &out);
    out
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn sql_prints_tables_csv_and_parquet_and_lists_the_tables() {
    let out = mini_run("sql-mini");
    let dir = out.to_str().unwrap();

    let table = lakehouse(&[
        "sql",
        dir,
        "SELECT encounter_class, count(*) AS n FROM fact_encounters GROUP BY 1 ORDER BY 1",
    ]);
    assert!(table.status.success(), "{}", stderr(&table));
    let text = stdout(&table);
    assert!(text.starts_with("+"), "{text}");
    assert!(text.contains("| encounter_class |"), "{text}");
    assert!(
        text.trim_end().ends_with("rows") || text.trim_end().ends_with("row"),
        "{text}"
    );

    let csv = lakehouse(&[
        "sql",
        dir,
        "SELECT count(*) AS patients FROM silver.dim_patient",
        "--format",
        "csv",
    ]);
    assert!(csv.status.success(), "{}", stderr(&csv));
    let patients = rows(&read_parquet(&out.join("silver/dim_patient.parquet")));
    assert_eq!(stdout(&csv), format!("patients\n{patients}\n"));

    let file = out.join("answer/kpis.parquet");
    let parquet = lakehouse(&[
        "sql",
        dir,
        "--example",
        "kpis_from_the_star",
        "--format",
        "parquet",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert!(parquet.status.success(), "{}", stderr(&parquet));
    assert_eq!(rows(&read_parquet(&file)), 16);
    assert!(
        stderr(&parquet).contains("wrote 16 rows"),
        "{}",
        stderr(&parquet)
    );
    // The same query gives the same bytes.
    let again = out.join("answer/again.parquet");
    let second = lakehouse(&[
        "sql",
        dir,
        "--example",
        "kpis_from_the_star",
        "--format",
        "parquet",
        "--out",
        again.to_str().unwrap(),
    ]);
    assert!(second.status.success());
    assert_eq!(
        std::fs::read(&file).unwrap(),
        std::fs::read(&again).unwrap()
    );

    let tables = lakehouse(&["sql", dir, "--tables"]);
    assert!(tables.status.success(), "{}", stderr(&tables));
    let listing = stdout(&tables);
    for name in [
        "bronze.bronze_patients",
        "silver.fact_encounters",
        "gold.gold_kpis",
        "bronze.bronze_rejects",
    ] {
        assert!(listing.contains(name), "{name} missing from:\n{listing}");
    }

    // Several queries from standard input, each answered in turn.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_lakehouse"))
        .args(["sql", dir])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"SELECT 1 AS one;\nSELECT 2 AS two;\n")
        .unwrap();
    let piped = child.wait_with_output().unwrap();
    assert!(piped.status.success(), "{}", stderr(&piped));
    assert!(
        stdout(&piped).contains("| one |") && stdout(&piped).contains("| two |"),
        "{}",
        stdout(&piped)
    );
}

#[test]
fn sql_errors_exit_2_and_point_at_the_query() {
    let out = mini_run("sql-errors");
    let dir = out.to_str().unwrap();

    let typo = lakehouse(&[
        "sql",
        dir,
        "SELECT 1 AS one;\nSELECT encounter_class\nFORM fact_encounters",
    ]);
    assert_eq!(typo.status.code(), Some(2));
    let message = stderr(&typo);
    assert!(message.contains("error: SQL:"), "{message}");
    assert!(
        message.contains("line 3, column 6"),
        "the script's line, not the statement's: {message}"
    );
    assert!(
        message.contains("   | FORM fact_encounters\n   |      ^"),
        "{message}"
    );
    assert!(
        stdout(&typo).contains("| one |"),
        "the first query ran: {}",
        stdout(&typo)
    );

    let unknown = lakehouse(&["sql", dir, "SELECT nope FROM silver.fact_encounters"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("nope"), "{}", stderr(&unknown));
    assert!(
        stderr(&unknown).contains("line 1, column 8"),
        "{}",
        stderr(&unknown)
    );

    let write = lakehouse(&["sql", dir, "CREATE TABLE silver.x AS SELECT 1"]);
    assert_eq!(write.status.code(), Some(2));

    let not_a_run = lakehouse(&["sql", fixtures().join("mini").to_str().unwrap(), "SELECT 1"]);
    assert_eq!(not_a_run.status.code(), Some(2));
    assert!(
        stderr(&not_a_run).contains("lakehouse run --out"),
        "{}",
        stderr(&not_a_run)
    );

    let binary = lakehouse(&["sql", dir, "SELECT 1", "--format", "parquet"]);
    assert_eq!(binary.status.code(), Some(2));
    assert!(stderr(&binary).contains("--out"), "{}", stderr(&binary));

    let two = lakehouse(&["sql", dir, "SELECT 1; SELECT 2", "--format", "csv"]);
    assert_eq!(two.status.code(), Some(2));

    let example = lakehouse(&["sql", dir, "--example", "no_such_example"]);
    assert_eq!(example.status.code(), Some(2));
    assert!(
        stderr(&example).contains("kpis_from_the_star"),
        "the choices are listed: {}",
        stderr(&example)
    );
}
