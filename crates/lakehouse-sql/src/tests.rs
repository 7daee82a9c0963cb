//! SQL over a demo lakehouse built by the pipeline, in memory. The same
//! queries against DuckDB on every real export are in
//! `tests/checks/sql_parity.py`, run by the CLI's tests.

use std::sync::OnceLock;

use bytes::Bytes;
use datafusion::arrow::array::{Array, BooleanArray, Float64Array, Int64Array, StringArray};
use lakehouse_pipeline::{BronzeBuilder, IngestOptions};

use super::*;

/// The demo lakehouse's output files (as `lakehouse run` writes them).
fn demo_files() -> &'static Vec<(String, Vec<u8>)> {
    static FILES: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    FILES.get_or_init(|| {
        let mut builder = BronzeBuilder::new(IngestOptions::default());
        for (name, bytes) in lakehouse_synth::generate_files(&lakehouse_synth::Config::new(7, 120))
        {
            builder
                .read(&format!("demo/{name}"), bytes.as_slice(), &mut |_, _| {})
                .expect("demo data reads");
        }
        let lakehouse = lakehouse_pipeline::build(builder.finish().expect("demo bronze"), None)
            .expect("demo builds");
        lakehouse
            .output_files(false)
            .expect("demo encodes")
            .into_iter()
            .map(|f| (f.path, f.bytes))
            .collect()
    })
}

/// A session with every table of the demo lakehouse.
fn demo_session() -> SqlSession {
    let mut session = SqlSession::new();
    for (path, bytes) in demo_files() {
        let Some((layer, name)) = table_of_path(path) else {
            continue;
        };
        session
            .register_parquet(layer, name, Bytes::from(bytes.clone()))
            .unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    session
}

fn query(session: &SqlSession, sql: &str) -> QueryResult {
    session
        .query_blocking(sql)
        .unwrap_or_else(|e| panic!("{sql}\n{e}"))
}

fn int(result: &QueryResult, column: usize, row: usize) -> i64 {
    let array = result.batches[0].column(column);
    array
        .as_any()
        .downcast_ref::<Int64Array>()
        .unwrap_or_else(|| panic!("column {column} is {}", array.data_type()))
        .value(row)
}

#[test]
fn every_table_of_every_layer_is_registered_under_its_schema() {
    let session = demo_session();
    let layers: Vec<&str> = session.tables().iter().map(|t| t.layer.as_str()).collect();
    for layer in LAYERS {
        assert!(layers.contains(&layer), "no {layer} table");
    }
    let parquet_tables = demo_files()
        .iter()
        .filter(|(p, _)| p.ends_with(".parquet"))
        .count();
    assert_eq!(session.tables().len(), parquet_tables);
    // Row counts agree with a COUNT(*) through SQL, qualified and (silver) not.
    for table in session.tables() {
        let counted = query(
            &session,
            &format!("SELECT count(*) FROM {}", table.qualified()),
        );
        assert_eq!(
            int(&counted, 0, 0) as usize,
            table.rows,
            "{}",
            table.qualified()
        );
    }
    let unqualified = query(&session, "SELECT count(*) FROM fact_encounters");
    let qualified = query(&session, "SELECT count(*) FROM silver.fact_encounters");
    assert_eq!(int(&unqualified, 0, 0), int(&qualified, 0, 0));
    assert!(int(&qualified, 0, 0) > 100);
    // information_schema lists them too.
    let listed = query(
        &session,
        "SELECT count(*) FROM information_schema.tables WHERE table_schema IN ('bronze', 'silver', 'gold')",
    );
    assert_eq!(int(&listed, 0, 0) as usize, session.tables().len());
}

#[test]
fn the_kpi_example_recomputes_every_gold_kpi_from_the_star() {
    let session = demo_session();
    let example = Example::find("kpis_from_the_star").expect("the example exists");
    let result = query(&session, example.sql);
    assert_eq!(result.rows(), 16);
    let batch = &result.batches[0];
    let metric = batch
        .column(0)
        .as_any()
        .downcast_ref::<StringArray>()
        .expect("metric is text");
    let from_star = batch
        .column(1)
        .as_any()
        .downcast_ref::<Float64Array>()
        .expect("from_star is a double");
    let equal = batch
        .column(4)
        .as_any()
        .downcast_ref::<BooleanArray>()
        .expect("equal is a bool");
    for row in 0..batch.num_rows() {
        assert!(
            equal.value(row),
            "{} differs: {}",
            metric.value(row),
            result.page(row, 1)[0].join(" | ")
        );
    }
    // Not vacuous: the demo has stays, index stays and money.
    for name in [
        "inpatient_admissions",
        "index_stays",
        "total_claim_cost",
        "pmpm_paid",
    ] {
        let row = (0..batch.num_rows())
            .find(|&r| metric.value(r) == name)
            .expect(name);
        assert!(from_star.value(row) > 0.0, "{name} is zero in the demo");
    }
}

#[test]
fn every_example_runs_and_says_what_it_is() {
    let session = demo_session();
    assert!(EXAMPLES.len() >= 3);
    for example in EXAMPLES {
        assert!(
            !example.title().is_empty() && example.title() != example.id,
            "{} has no title",
            example.id
        );
        assert!(
            example.description().len() > 20,
            "{} has no description",
            example.id
        );
        let result = query(&session, example.sql);
        assert!(
            result.rows() > 0,
            "{} returned no rows on the demo",
            example.id
        );
    }
    // PMPM by month: the star's figure equals gold's in every month.
    let pmpm = query(&session, Example::find("pmpm_by_month").expect("pmpm").sql);
    for row in pmpm.page(0, usize::MAX) {
        assert_eq!(
            row[3], row[5],
            "month {}: star PMPM {} vs gold {}",
            row[0], row[3], row[5]
        );
    }
    // Readmissions by payer add up to gold's index stays and readmissions.
    let by_payer = query(
        &session,
        Example::find("readmissions_by_payer").expect("payer").sql,
    );
    let kpis = query(
        &session,
        "SELECT index_stays, readmissions_30d FROM gold.gold_kpis",
    );
    let sum = |column: usize| -> i64 {
        by_payer
            .page(0, usize::MAX)
            .iter()
            .map(|r| r[column].parse::<i64>().expect("a count"))
            .sum()
    };
    assert_eq!(sum(1), int(&kpis, 0, 0));
    assert_eq!(sum(2), int(&kpis, 1, 0));
}

#[test]
fn syntax_errors_point_at_their_line_and_column() {
    let session = demo_session();
    // `FORM` reads as an alias of the column, so the parser stops at the
    // next word: the place it names is where it could not go on.
    let sql = "SELECT encounter_class\nFORM silver.fact_encounters";
    let error = session.query_blocking(sql).expect_err("FORM is not FROM");
    let position = error.position.expect("a parser error has a position");
    assert_eq!((position.line, position.column), (2, 6), "{error}");
    assert!(error.message.contains("silver"), "{error}");
    assert!(
        !error.message.contains("Line:"),
        "the position is taken out of the text: {error}"
    );
    assert_eq!(
        error.pointer(sql).as_deref(),
        Some("FORM silver.fact_encounters\n     ^")
    );
    let error = session
        .query_blocking("SELECT (1 +")
        .expect_err("unfinished");
    assert_eq!(
        error.position,
        Some(Position {
            line: 1,
            column: 12
        }),
        "{error}"
    );
    assert!(
        error.message.ends_with("found the end of the query"),
        "{error}"
    );

    // A planning error: an unknown column, with its place in the query.
    let sql = "SELECT encounter_klass FROM silver.fact_encounters";
    let error = session.query_blocking(sql).expect_err("no such column");
    assert!(error.message.contains("encounter_klass"), "{error}");
    let position = error
        .position
        .expect("the planner names the place of an unknown column");
    assert_eq!((position.line, position.column), (1, 8), "{error}");

    // An unknown table is named.
    let error = session
        .query_blocking("SELECT * FROM silver.no_such_table")
        .expect_err("no table");
    assert!(error.message.contains("no_such_table"), "{error}");
}

#[test]
fn only_queries_run_nothing_can_write_or_change_the_session() {
    let session = demo_session();
    for sql in [
        "CREATE TABLE t AS SELECT 1",
        "DROP TABLE silver.dim_patient",
        "INSERT INTO silver.dim_payer SELECT * FROM silver.dim_payer",
        "COPY (SELECT 1) TO '/tmp/lakehouse-sql-copy.csv'",
        "CREATE EXTERNAL TABLE x STORED AS CSV LOCATION '/etc/passwd'",
        "SET datafusion.execution.target_partitions = 4",
    ] {
        assert!(session.query_blocking(sql).is_err(), "{sql} was allowed");
    }
    assert!(!std::path::Path::new("/tmp/lakehouse-sql-copy.csv").exists());
    // The tables are still there.
    assert!(
        int(
            &query(&session, "SELECT count(*) FROM silver.dim_patient"),
            0,
            0
        ) > 0
    );
    assert!(session.query_blocking("  ;  ").is_err());
}

#[test]
fn answers_are_the_same_every_time_and_write_as_csv_and_parquet() {
    let session = demo_session();
    let sql = "SELECT encounter_class, count(*) AS n, sum(total_claim_cost) AS cost, min(start_ts) AS first \
               FROM fact_encounters GROUP BY encounter_class";
    let a = query(&session, sql);
    let b = query(&session, sql);
    assert_eq!(to_csv(&a).expect("csv"), to_csv(&b).expect("csv"));
    let parquet = to_parquet(&a).expect("parquet");
    assert_eq!(parquet, to_parquet(&b).expect("parquet"));
    // The Parquet reads back to the same rows.
    let mut again = SqlSession::new();
    let rows = again
        .register_parquet("gold", "answer", Bytes::from(parquet))
        .expect("our Parquet reads back");
    assert_eq!(rows, a.rows());
    let csv = String::from_utf8(to_csv(&a).expect("csv")).expect("utf-8");
    assert_eq!(csv.lines().count(), a.rows() + 1);
    assert!(csv.starts_with("encounter_class,n,cost,first\n"), "{csv}");
    let text = to_text(&a, 2);
    assert!(text.contains("| encounter_class"), "{text}");
    assert!(text.contains("(the first 2 shown"), "{text}");
    // An empty answer still has its header.
    let empty = query(&session, "SELECT patient_key FROM dim_patient WHERE false");
    assert_eq!(
        String::from_utf8(to_csv(&empty).expect("csv")).expect("utf-8"),
        "patient_key\n"
    );
    assert!(to_text(&empty, 10).ends_with("0 rows\n"));
}

#[test]
fn pages_cut_the_answer_across_batches() {
    let session = demo_session();
    let all = query(
        &session,
        "SELECT patient_key FROM dim_patient ORDER BY patient_key",
    );
    let every: Vec<String> = all
        .page(0, usize::MAX)
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(every.len(), all.rows());
    let page: Vec<String> = all.page(5, 7).into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(page, every[5..12]);
    assert!(all.page(all.rows(), 10).is_empty());
    let nulls = query(&session, "SELECT CAST(NULL AS BIGINT) AS nothing");
    assert_eq!(nulls.page(0, 1), vec![vec!["NULL".to_string()]]);
    assert!(nulls.batches[0].column(0).is_null(0));
}

#[test]
fn scripts_split_into_statements_with_their_first_line() {
    let script = "-- counts\nSELECT 1;\n\nSELECT ';' AS semicolon -- not an end; really\n, 2;\n  ;\nSELECT 3";
    let statements = split_statements(script);
    assert_eq!(statements.len(), 3, "{statements:?}");
    assert_eq!(statements[0], (1, "-- counts\nSELECT 1".to_string()));
    assert_eq!(statements[1].0, 4);
    assert!(statements[1].1.starts_with("SELECT ';' AS semicolon"));
    assert!(statements[1].1.ends_with(", 2"));
    assert_eq!(statements[2], (7, "SELECT 3".to_string()));
    assert!(split_statements("-- only a comment\n;").is_empty());
}

#[test]
fn tables_are_checked_before_they_are_registered() {
    let mut session = SqlSession::new();
    assert!(
        session
            .register_parquet("platinum", "t", Bytes::from_static(b"PAR1"))
            .is_err()
    );
    let error = session
        .register_parquet("gold", "t", Bytes::from_static(b"not parquet"))
        .expect_err("not Parquet");
    assert!(error.message.contains("gold/t.parquet"), "{error}");
    assert!(
        session
            .register_parquet("gold", "a-b", Bytes::new())
            .is_err()
    );
    assert!(session.tables().is_empty());
}
