//! Silver and gold behaviour on the `mini` set: the cleaning rules, the
//! readmission definition, key integrity and the as-of day.

use std::collections::HashSet;

use arrow_array::{BooleanArray, Int64Array, StringArray};
use wasm_bindgen_test::wasm_bindgen_test;

use super::fixtures;
use crate::table::Table;

fn ints(table: &Table, name: &str) -> Vec<Option<i64>> {
    table
        .column::<Int64Array>(name)
        .unwrap_or_else(|| panic!("{}.{name}", table.name))
        .iter()
        .collect()
}

fn silver_table<'a>(lakehouse: &'a crate::Lakehouse, name: &str) -> &'a Table {
    lakehouse
        .silver
        .table(name)
        .unwrap_or_else(|| panic!("{name}"))
}

#[wasm_bindgen_test(unsupported = test)]
fn cleaning_drops_duplicates_merges_ids_and_unifies_code_systems() {
    let lakehouse = fixtures::mini();
    // 16 encounter rows, one an exact duplicate.
    assert_eq!(silver_table(&lakehouse, "fact_encounters").num_rows(), 15);
    // 5 payer rows: one exact duplicate, one second-run Medicare row merged.
    let payers = silver_table(&lakehouse, "dim_payer");
    assert_eq!(payers.num_rows(), 3);
    let covered = ints(payers, "covered_encounters");
    assert_eq!(covered[0], Some(7), "Medicare's two runs are summed");
    // 44054006 and 233604007 appear under both spellings of SNOMED CT.
    let diagnoses = silver_table(&lakehouse, "dim_diagnosis");
    assert_eq!(diagnoses.num_rows(), 7);
    let systems: HashSet<&str> = diagnoses
        .column::<StringArray>("system")
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert_eq!(systems, HashSet::from(["SNOMED-CT"]));
}

#[wasm_bindgen_test(unsupported = test)]
fn readmissions_follow_the_30_day_inpatient_definition() {
    let lakehouse = fixtures::mini();
    let encounters = silver_table(&lakehouse, "fact_encounters");
    let ids: Vec<&str> = encounters
        .column::<StringArray>("encounter_id")
        .unwrap()
        .iter()
        .flatten()
        .collect();
    let flag = |name: &str| -> Vec<Option<bool>> {
        encounters
            .column::<BooleanArray>(name)
            .unwrap()
            .iter()
            .collect()
    };
    let (readmitted, is_readmission) = (flag("readmitted_within_30d"), flag("is_readmission"));
    let at = |suffix: &str| ids.iter().position(|id| id.ends_with(suffix)).unwrap();
    // Stay 2 (stop 2023-02-04) is followed by stay 3 (start 2023-02-20): readmitted.
    assert_eq!(readmitted[at("002")], Some(true));
    assert_eq!(is_readmission[at("003")], Some(true));
    assert_eq!(readmitted[at("003")], Some(false));
    // Stays 7 → 8 are 73 days apart.
    assert_eq!(readmitted[at("007")], Some(false));
    // Not inpatient: null.
    assert_eq!(readmitted[at("001")], None);
    // An emergency visit followed by an inpatient stay is no readmission.
    assert_eq!(is_readmission[at("015")], Some(false));
    let kpis = lakehouse.gold.table("gold_kpis").unwrap();
    assert_eq!(ints(kpis, "inpatient_discharges")[0], Some(5));
    assert_eq!(ints(kpis, "readmissions_30d")[0], Some(1));
}

#[wasm_bindgen_test(unsupported = test)]
fn every_fact_key_resolves_to_its_dimension() {
    let lakehouse = fixtures::mini();
    let keys = |table: &str, column: &str| -> HashSet<i64> {
        ints(silver_table(&lakehouse, table), column)
            .into_iter()
            .flatten()
            .collect()
    };
    for fk in crate::silver::FOREIGN_KEYS {
        let (fact, column, dim, key) = (fk.table, fk.column, fk.references, fk.key);
        let dim_keys = keys(dim, key);
        let values = ints(silver_table(&lakehouse, fact), column);
        // The mini set has no secondary insurance; every other key is used.
        if (fact, column) != ("fact_claims", "secondary_payer_key") {
            assert!(
                values.iter().any(Option::is_some),
                "{fact}.{column} has values"
            );
        }
        for value in values.into_iter().flatten() {
            assert!(
                dim_keys.contains(&value),
                "{fact}.{column} = {value} is not in {dim}"
            );
        }
        assert_eq!(
            dim_keys.len(),
            silver_table(&lakehouse, dim).num_rows(),
            "{dim} keys are unique"
        );
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn the_as_of_day_defaults_to_the_last_event_and_can_be_set() {
    let default = fixtures::mini();
    assert_eq!(default.silver.as_of.to_string(), "2023-12-31");
    let later = crate::parse_as_of("2030-06-30").unwrap();
    let lakehouse =
        crate::run_bytes(fixtures::MINI.iter().map(|(n, b)| (*n, *b)), Some(later)).unwrap();
    let ages = ints(silver_table(&lakehouse, "dim_patient"), "age_years");
    // Patient 1 died in 2023 (age stays 73); patient 4 (born 1940-01-05) is 90.
    assert_eq!((ages[0], ages[3]), (Some(73), Some(90)));
    assert!(crate::parse_as_of("2030-02-30").is_err());
}

#[wasm_bindgen_test(unsupported = test)]
fn dim_date_is_contiguous_over_every_fact_date() {
    let lakehouse = fixtures::mini();
    let dates = silver_table(&lakehouse, "dim_date");
    let days: Vec<i32> = dates
        .column::<arrow_array::Date32Array>("date")
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert!(days.windows(2).all(|w| w[1] == w[0] + 1));
    // Patient 4's coverage starts on 2005-01-05: its member month is January 2005.
    assert_eq!(crate::dates::format_date(days[0]), "2005-01-01");
    assert_eq!(
        crate::dates::format_date(*days.last().unwrap()),
        "2023-12-31"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn dq_results_report_the_quirks_of_mini() {
    let lakehouse = fixtures::mini();
    let rules = lakehouse.quality();
    let failed = |id: &str| {
        rules
            .iter()
            .find(|r| r.rule_id() == id)
            .map(|r| r.rows_failed)
    };
    assert_eq!(failed("encounters_after_death"), Some(1));
    assert_eq!(failed("exact_duplicate_rows_encounters"), Some(1));
    assert_eq!(failed("duplicate_ids_payers"), Some(1));
    assert_eq!(
        failed("placeholder_1970_claims_transactions_todate"),
        Some(1)
    );
    assert!(
        rules
            .iter()
            .filter(|r| r.severity() == crate::gold::quality::Severity::Error)
            .all(|r| r.rows_failed == 0)
    );
}

/// The file-order pass over ids (`fact_claims` reads claims that way) keeps
/// the same rows and counts the same drops as the sorted one, with exact
/// duplicates, and repeated ids whose later copy is first in canonical
/// order, spread over several files.
#[test]
fn ids_in_file_order_keep_what_the_sorted_pass_keeps() {
    use crate::bronze::rows::Rows;
    let claims = String::from_utf8_lossy(super::fixtures::MINI[1].1).into_owned();
    let mut lines = claims.lines();
    let header = lines.next().unwrap();
    let body: Vec<&str> = lines.collect();
    // A second file: every row again (exact duplicates), the first row with
    // a changed department (a repeated id; "0" sorts before "3"), and the
    // last row with a changed department sorting after it.
    let change = |line: &str, department: &str| {
        let mut cells: Vec<&str> = line.split(',').collect();
        cells[5] = department;
        cells.join(",")
    };
    let mut second = vec![header.to_string()];
    second.extend(body.iter().rev().map(|l| l.to_string()));
    second.push(change(body[0], "0"));
    second.push(change(body[body.len() - 1], "9"));
    let second = second.join("\n") + "\n";
    let mut files: Vec<(&str, &[u8])> = super::fixtures::MINI.to_vec();
    files.push(("again/claims.csv", second.as_bytes()));
    let mut builder = crate::BronzeBuilder::default();
    for (name, bytes) in files {
        builder.add_bytes(name, bytes).unwrap();
    }
    let bronze = builder.finish().unwrap();
    let rows = Rows::of(&bronze, "claims");
    let id = rows.col("Id");
    let sorted = rows.unique_by(id).unwrap();
    let in_file_order = rows.unique_by_in_file_order(id).unwrap();
    assert_eq!(sorted.exact, body.len() as u64);
    assert_eq!((sorted.merged, sorted.repeated.len()), (2, 2));
    assert_eq!(
        (
            in_file_order.exact,
            in_file_order.merged,
            &in_file_order.repeated
        ),
        (sorted.exact, sorted.merged, &sorted.repeated)
    );
    let mut kept = in_file_order.rows.clone();
    kept.sort_by_key(|r| rows.text(*r, id));
    assert_eq!(kept, sorted.rows);
    let department = rows.col("DEPARTMENTID");
    assert!(kept.iter().any(|r| rows.int(*r, department) == Some(0)));
    assert!(kept.iter().all(|r| rows.int(*r, department) != Some(9)));
}

/// Exact duplicates are found by grouping rows on their id alone, and,
/// when one id repeats with many different values (past the walk's limit),
/// by every column instead: both give each row's first copy, in file order.
#[test]
fn exact_duplicates_are_found_however_often_an_id_repeats() {
    use crate::bronze::rows::Rows;
    let claims = String::from_utf8_lossy(super::fixtures::MINI[1].1).into_owned();
    assert!(super::fixtures::MINI[1].0.ends_with("claims.csv"));
    let mut lines = claims.lines();
    let header = lines.next().unwrap();
    let body: Vec<&str> = lines.collect();
    let with_department = |department: usize| {
        let mut cells: Vec<String> = body[0].split(',').map(str::to_string).collect();
        cells[5] = department.to_string();
        cells.join(",")
    };
    for versions in [3usize, 30] {
        // The first claim's id in `versions` rows that differ in their
        // department, each row twice; then the other claims once.
        let mut text = vec![header.to_string()];
        for department in 0..versions {
            text.push(with_department(department));
            text.push(with_department(department));
        }
        text.extend(body[1..].iter().map(|l| l.to_string()));
        let text = text.join("\n") + "\n";
        let mut builder = crate::BronzeBuilder::default();
        for (at, (name, bytes)) in super::fixtures::MINI.iter().enumerate() {
            let bytes = if at == 1 { text.as_bytes() } else { bytes };
            builder.add_bytes(name, bytes).unwrap();
        }
        let bronze = builder.finish().unwrap();
        let rows = Rows::of(&bronze, "claims");
        let (kept, exact) = rows.unique().unwrap();
        assert_eq!(exact, versions as u64, "{versions} versions");
        assert_eq!(kept.len(), versions + body.len() - 1);
        let department = rows.col("DEPARTMENTID");
        let departments: Vec<Option<i64>> = kept[..versions]
            .iter()
            .map(|r| rows.int(*r, department))
            .collect();
        let expected: Vec<Option<i64>> = (0..versions as i64).map(Some).collect();
        assert_eq!(departments, expected);
        assert!(kept.windows(2).all(|w| w[0] < w[1]), "file order");
    }
}

/// Runs the second piece before the first: silver and gold must not depend
/// on the order their independent pieces run in (the CLI runs them side by
/// side, the browser's worker in turn).
struct Backwards;

impl crate::join::Join for Backwards {
    fn join<A: Send, B: Send>(
        &self,
        a: impl FnOnce() -> A + Send,
        b: impl FnOnce() -> B + Send,
    ) -> (A, B) {
        let b = b();
        (a(), b)
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn silver_and_gold_are_the_same_whichever_order_their_pieces_run_in() {
    let in_turn = fixtures::mini();
    let bronze = in_turn.bronze.clone();
    let silver = crate::silver::conform_with(&bronze, None, &Backwards).expect("conforms");
    let gold = crate::gold::compute_with(&bronze, &silver, &Backwards).expect("computes");
    let backwards = crate::Lakehouse {
        bronze,
        silver,
        gold,
    };
    // The cleaning counts and late days (in the manifest) are joined from
    // the pieces too: every fact file and both claims files were cleaned.
    assert!(
        in_turn.silver.cleaning.len() >= 8,
        "{:?}",
        in_turn.silver.cleaning
    );
    assert_eq!(backwards.silver.cleaning, in_turn.silver.cleaning);
    assert_eq!(backwards.silver.late_days, in_turn.silver.late_days);
    let (expected, got) = (
        in_turn.output_files(false).expect("encodes"),
        backwards.output_files(false).expect("encodes"),
    );
    assert_eq!(expected.len(), got.len());
    for (expected, got) in expected.iter().zip(&got) {
        assert!(expected == got, "{} differs", expected.path);
    }
}
