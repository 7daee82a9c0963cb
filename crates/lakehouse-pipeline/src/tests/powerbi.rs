//! The Power BI project: a TMDL well-formedness check of our own (Power BI
//! Desktop refuses a model on the first error, and no TMDL parser runs on
//! Linux), a golden snapshot of the whole generated model, and the Delta
//! export's determinism. The JSON files are validated against Microsoft's
//! schemas by the CLI tests (Python `jsonschema`).

use std::collections::{BTreeMap, BTreeSet};

use wasm_bindgen_test::wasm_bindgen_test;

use super::fixtures;
use crate::OutputFile;

const GOLDEN: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/golden/powerbi/model.txt"
));

/// A parsed table file.
#[derive(Default, Debug)]
struct TableFile {
    columns: BTreeSet<String>,
    source_columns: Vec<String>,
    typed_columns: Vec<String>,
    measures: Vec<String>,
    partitions: usize,
    keys: Vec<String>,
    date_table: bool,
    /// `sortByColumn` of each column that has one.
    sort_by: BTreeMap<String, String>,
}

fn unquote(name: &str) -> String {
    let name = name.trim();
    match name.strip_prefix('\'').and_then(|n| n.strip_suffix('\'')) {
        Some(inner) => inner.replace("''", "'"),
        None => name.to_string(),
    }
}

/// Checks the indentation grammar of one TMDL file and returns its errors:
/// tabs only, one level deeper at most per line, except into an expression
/// body (after `source =`), whose lines are tabs then free text.
fn indentation_errors(path: &str, text: &str) -> Vec<String> {
    let mut errors = Vec::new();
    if text.starts_with('\u{feff}') {
        errors.push(format!("{path}: starts with a BOM"));
    }
    let mut previous = 0usize;
    let mut in_expression: Option<usize> = None;
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with(' ') {
            errors.push(format!("{path}:{}: indented with spaces", n + 1));
        }
        let depth = line.chars().take_while(|c| *c == '\t').count();
        if let Some(base) = in_expression {
            if depth > base {
                continue;
            }
            in_expression = None;
        }
        if depth > previous + 1 {
            errors.push(format!(
                "{path}:{}: indented {depth} tabs after {previous}",
                n + 1
            ));
        }
        if line.trim_end().ends_with("source =") {
            in_expression = Some(depth);
        }
        previous = depth;
    }
    errors
}

fn parse_table(text: &str) -> TableFile {
    let mut table = TableFile::default();
    let mut current_column: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim();
        let depth = line.chars().take_while(|c| *c == '\t').count();
        if depth == 1 {
            current_column = None;
        }
        if let Some(rest) = trimmed.strip_prefix("column ").filter(|_| depth == 1) {
            let name = unquote(rest);
            table.columns.insert(name.clone());
            current_column = Some(name);
        } else if let Some(rest) = trimmed.strip_prefix("measure ").filter(|_| depth == 1) {
            let name = rest.split(" = ").next().unwrap_or_default();
            table.measures.push(unquote(name));
        } else if trimmed.starts_with("partition ") && depth == 1 {
            table.partitions += 1;
        } else if let Some(rest) = trimmed.strip_prefix("sourceColumn: ") {
            table.source_columns.push(rest.to_string());
        } else if let Some(by) = trimmed.strip_prefix("sortByColumn: ") {
            if let Some(column) = &current_column {
                table.sort_by.insert(column.clone(), unquote(by));
            }
        } else if trimmed == "isKey" {
            table.keys.extend(current_column.clone());
        } else if trimmed == "dataCategory: Time" {
            table.date_table = true;
        } else if let Some(rest) = trimmed.strip_prefix("Typed = Table.TransformColumnTypes(") {
            for part in rest.split("{\"").skip(1) {
                table
                    .typed_columns
                    .push(part.split('"').next().unwrap_or_default().to_string());
            }
        }
    }
    table
}

/// DAX references `table[column]` in a measure expression.
fn column_references(dax: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let bytes = dax.as_bytes();
    for (i, _) in dax.match_indices('[') {
        let start = dax[..i]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |p| p + 1);
        if start == i || bytes[start].is_ascii_digit() {
            continue;
        }
        let Some(end) = dax[i..].find(']') else {
            continue;
        };
        out.push((dax[start..i].to_string(), dax[i + 1..i + end].to_string()));
    }
    out
}

/// Every well-formedness error of a generated project.
fn check_project(files: &[OutputFile]) -> Vec<String> {
    let text = |f: &OutputFile| String::from_utf8(f.bytes.clone()).expect("UTF-8");
    let mut errors = Vec::new();
    let mut tables: BTreeMap<String, TableFile> = BTreeMap::new();
    let mut model_refs = BTreeSet::new();
    let mut relationships = String::new();
    let mut measures = Vec::new();
    for file in files.iter().filter(|f| f.path.ends_with(".tmdl")) {
        let body = text(file);
        errors.extend(indentation_errors(&file.path, &body));
        if let Some(name) = file.path.split("/tables/").nth(1) {
            let name = name.trim_end_matches(".tmdl").to_string();
            let declared = body
                .lines()
                .find_map(|l| l.strip_prefix("table "))
                .map(unquote);
            if declared.as_deref() != Some(name.as_str()) {
                errors.push(format!("{}: declares table {declared:?}", file.path));
            }
            for line in body.lines().filter(|l| l.starts_with("\tmeasure ")) {
                measures.push(line.trim().to_string());
            }
            tables.insert(name, parse_table(&body));
        } else if file.path.ends_with("model.tmdl") {
            model_refs = body
                .lines()
                .filter_map(|l| l.strip_prefix("ref table "))
                .map(unquote)
                .collect();
        } else if file.path.ends_with("relationships.tmdl") {
            relationships = body;
        }
    }
    let files_set: BTreeSet<String> = tables.keys().cloned().collect();
    if files_set != model_refs {
        errors.push(format!(
            "model.tmdl refs {model_refs:?} but table files {files_set:?}"
        ));
    }
    let mut all_measures = BTreeSet::new();
    for (name, table) in &tables {
        if table.partitions != 1 {
            errors.push(format!("{name}: {} partitions", table.partitions));
        }
        let sources: BTreeSet<&String> = table.source_columns.iter().collect();
        let typed: BTreeSet<&String> = table.typed_columns.iter().collect();
        if sources != typed {
            errors.push(format!("{name}: columns {sources:?} but M types {typed:?}"));
        }
        if table.keys.len() > 1 {
            errors.push(format!("{name}: several key columns {:?}", table.keys));
        }
        for m in &table.measures {
            if !all_measures.insert(m.clone()) {
                errors.push(format!("measure {m} is defined twice"));
            }
        }
    }
    match tables.get("dim_date") {
        Some(d) if d.date_table && d.keys == ["date"] => {}
        _ => errors.push("dim_date is not marked as the date table with key `date`".into()),
    }
    let column_exists = |table: &str, column: &str| {
        tables
            .get(table)
            .is_some_and(|t| t.columns.contains(column))
    };
    let mut current = String::new();
    for line in relationships.lines() {
        let line = line.trim();
        if let Some(id) = line.strip_prefix("relationship ") {
            current = id.to_string();
        }
        for side in ["fromColumn: ", "toColumn: "] {
            if let Some(reference) = line.strip_prefix(side) {
                let (table, column) = reference.split_once('.').unwrap_or_default();
                if !column_exists(&unquote(table), &unquote(column)) {
                    errors.push(format!(
                        "relationship {current}: {reference} does not exist"
                    ));
                }
            }
        }
    }
    // Power BI compares names case-insensitively; a measure named like a
    // column is ambiguous in DAX and in the field list.
    let column_names: BTreeSet<String> = tables
        .values()
        .flat_map(|t| t.columns.iter().map(|c| c.to_lowercase()))
        .collect();
    for m in &all_measures {
        if column_names.contains(&m.to_lowercase()) {
            errors.push(format!("measure [{m}] shares its name with a column"));
        }
    }
    for (name, table) in &tables {
        for (column, by) in &table.sort_by {
            if !table.columns.contains(by) {
                errors.push(format!("{name}[{column}] sorts by {by}, no column"));
            }
        }
    }
    for field in crate::export::powerbi::report::fields() {
        let (table, property) = (field.entity(), field.property());
        let found = match field {
            crate::export::powerbi::Field::Column(..) => column_exists(table, property),
            crate::export::powerbi::Field::Measure(..) => tables
                .get(table)
                .is_some_and(|t| t.measures.iter().any(|m| m == property)),
        };
        if !found {
            errors.push(format!("the report names {field:?}, which the model lacks"));
        }
    }
    for line in &measures {
        let dax = line.split_once(" = ").map(|x| x.1).unwrap_or_default();
        for (table, column) in column_references(dax) {
            if !column_exists(&table, &column) {
                errors.push(format!(
                    "measure `{line}`: {table}[{column}] does not exist"
                ));
            }
        }
        // `[Name]` alone refers to a measure.
        for (i, _) in dax.match_indices('[') {
            let before = dax[..i].chars().last();
            if before.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_')) {
                let name = dax[i + 1..].split(']').next().unwrap_or_default();
                if !all_measures.contains(name) {
                    errors.push(format!("measure `{line}`: [{name}] is no measure"));
                }
            }
        }
    }
    errors
}

fn project() -> Vec<OutputFile> {
    fixtures::mini()
        .powerbi_files("SyntheaLakehouse", "C:\\SyntheaLakehouse\\data")
        .expect("the project is written")
}

#[wasm_bindgen_test(unsupported = test)]
fn the_generated_model_is_well_formed() {
    let files = project();
    let errors = check_project(&files);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    // Every star and gold table has its Parquet file and its table file.
    let lakehouse = fixtures::mini();
    for table in lakehouse
        .tables()
        .into_iter()
        .filter(|t| t.layer != "bronze")
    {
        for path in [
            format!("data/{}.parquet", table.name),
            format!(
                "SyntheaLakehouse.SemanticModel/definition/tables/{}.tmdl",
                table.name
            ),
        ] {
            assert!(files.iter().any(|f| f.path == path), "missing {path}");
        }
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn the_checker_catches_broken_models() {
    let mut files = project();
    let encounters = files
        .iter_mut()
        .find(|f| f.path.ends_with("tables/fact_encounters.tmdl"))
        .unwrap();
    let text = String::from_utf8(encounters.bytes.clone())
        .unwrap()
        .replace(
            "SUM(fact_encounters[total_claim_cost])",
            "SUM(fact_encounters[no_such_column])",
        )
        .replace("\tcolumn base_cost\n", "  column base_cost\n")
        .replace("measure 'Encounter Count' =", "measure Encounters =")
        + "\tpartition extra = m\n";
    encounters.bytes = text.into_bytes();
    let errors = check_project(&files).join("\n");
    assert!(
        errors.contains("fact_encounters[no_such_column] does not exist"),
        "{errors}"
    );
    assert!(errors.contains("indented with spaces"), "{errors}");
    assert!(errors.contains("fact_encounters: 2 partitions"), "{errors}");
    assert!(
        errors.contains("measure [Encounters] shares its name with a column"),
        "{errors}"
    );
    assert!(
        errors.contains("the report names Measure(\"fact_encounters\", \"Encounter Count\"), which the model lacks"),
        "{errors}"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn month_and_day_names_sort_by_number_and_iso_text_sorts_in_time_order() {
    let files = project();
    let dim_date = files
        .iter()
        .find(|f| f.path.ends_with("tables/dim_date.tmdl"))
        .map(|f| parse_table(&String::from_utf8(f.bytes.clone()).unwrap()))
        .unwrap();
    assert_eq!(
        dim_date.sort_by.get("month_name").map(String::as_str),
        Some("month")
    );
    assert_eq!(
        dim_date.sort_by.get("day_name").map(String::as_str),
        Some("day_of_week")
    );
    // The text columns without one sort correctly as text: ISO order is
    // time order, row by row in dim_date (which is in date order).
    let lakehouse = fixtures::mini();
    let table = lakehouse
        .tables()
        .into_iter()
        .find(|t| t.name == "dim_date")
        .unwrap();
    for column in ["year_month", "year_quarter"] {
        let mut values = Vec::new();
        for batch in table.batches {
            let array = batch
                .column_by_name(column)
                .unwrap()
                .as_any()
                .downcast_ref::<arrow_array::StringArray>()
                .unwrap();
            values.extend(array.iter().map(|v| v.unwrap().to_string()));
        }
        assert!(
            values.windows(2).all(|w| w[0] <= w[1]),
            "{column} sorts in time order"
        );
    }
    // A date table of whole years, as Power BI's date functions expect.
    let keys: Vec<i64> = table
        .batches
        .iter()
        .flat_map(|b| {
            let a = b
                .column_by_name("date_key")
                .unwrap()
                .as_any()
                .downcast_ref::<arrow_array::Int64Array>()
                .unwrap()
                .clone();
            a.iter().map(|v| v.unwrap()).collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(
        keys.first().map(|k| k % 10_000),
        Some(101),
        "starts on 1 January"
    );
    assert_eq!(
        keys.last().map(|k| k % 10_000),
        Some(1231),
        "ends on 31 December"
    );
}

/// The mini project's `relationships.tmdl`.
fn relationships_tmdl() -> String {
    project()
        .into_iter()
        .find(|f| f.path.ends_with("relationships.tmdl"))
        .map(|f| String::from_utf8(f.bytes).unwrap())
        .unwrap()
}

#[wasm_bindgen_test(unsupported = test)]
fn relationships_run_from_facts_to_dimensions_with_role_playing_dates_inactive() {
    let text = relationships_tmdl();
    let blocks: Vec<&str> = text.split("relationship ").skip(1).collect();
    let find = |from: &str, to: &str| {
        blocks
            .iter()
            .find(|b| {
                b.contains(&format!("fromColumn: {from}\n"))
                    && b.contains(&format!("toColumn: {to}\n"))
            })
            .unwrap_or_else(|| panic!("{from} → {to}"))
            .to_string()
    };
    assert!(
        !find("fact_encounters.start_date_key", "dim_date.date_key").contains("isActive: false")
    );
    assert!(find("fact_encounters.stop_date_key", "dim_date.date_key").contains("isActive: false"));
    assert!(!find("fact_claims.primary_payer_key", "dim_payer.payer_key").contains("isActive"));
    assert!(
        find("fact_claims.secondary_payer_key", "dim_payer.payer_key").contains("isActive: false")
    );
    find(
        "fact_medications.medication_key",
        "dim_medication.medication_key",
    );
    // No fact-to-fact relationship (it would make filter paths ambiguous).
    assert!(!text.contains("toColumn: fact_"));
}

#[wasm_bindgen_test(unsupported = test)]
fn every_fact_to_dimension_key_is_a_relationship_and_every_fact_reaches_dim_patient() {
    let text = relationships_tmdl();
    let pairs: Vec<(String, String)> = text
        .split("relationship ")
        .skip(1)
        .map(|block| {
            let side = |prefix: &str| {
                block
                    .lines()
                    .find_map(|l| l.trim().strip_prefix(prefix))
                    .unwrap_or_default()
                    .to_string()
            };
            (side("fromColumn: "), side("toColumn: "))
        })
        .collect();
    for fk in crate::silver::FOREIGN_KEYS {
        let pair = (
            format!("{}.{}", fk.table, fk.column),
            format!("{}.{}", fk.references, fk.key),
        );
        let is_fact_to_dimension =
            fk.table.starts_with("fact_") && fk.references.starts_with("dim_");
        assert_eq!(
            pairs.contains(&pair),
            is_fact_to_dimension,
            "{pair:?} in the model's relationships"
        );
    }
    for fact in crate::silver::TABLE_NAMES
        .iter()
        .filter(|t| t.starts_with("fact_"))
    {
        assert!(
            pairs.contains(&(
                format!("{fact}.patient_key"),
                "dim_patient.patient_key".to_string()
            )),
            "{fact} is related to dim_patient"
        );
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn the_model_matches_its_golden_snapshot() {
    let mut snapshot = String::new();
    for file in project().iter().filter(|f| !f.path.ends_with(".parquet")) {
        snapshot.push_str(&format!("=== {}\n", file.path));
        snapshot.push_str(&String::from_utf8(file.bytes.clone()).unwrap());
        snapshot.push('\n');
    }
    if snapshot != GOLDEN {
        #[cfg(not(target_arch = "wasm32"))]
        if update_golden("powerbi/model.txt", &snapshot) {
            return;
        }
        panic!(
            "the Power BI model changed (UPDATE_EXPECT=1 rewrites tests/golden/powerbi/model.txt); first difference at byte {}",
            snapshot
                .bytes()
                .zip(GOLDEN.bytes())
                .position(|(a, b)| a != b)
                .unwrap_or(snapshot.len().min(GOLDEN.len()))
        );
    }
}

#[cfg(not(target_arch = "wasm32"))]
#[expect(
    clippy::disallowed_methods,
    reason = "tests rewrite their golden files on request"
)]
pub(crate) fn update_golden(name: &str, snapshot: &str) -> bool {
    if std::env::var("UPDATE_EXPECT").is_err() {
        return false;
    }
    let path = format!("{}/../../tests/golden/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::write(path, snapshot).expect("golden file is writable");
    true
}

#[wasm_bindgen_test(unsupported = test)]
fn delta_tables_are_deterministic_and_cover_the_star_and_gold() {
    let a = fixtures::mini().delta_files().unwrap();
    assert_eq!(a, fixtures::mini().delta_files().unwrap());
    let logs = a
        .iter()
        .filter(|f| f.path.ends_with("_delta_log/00000000000000000000.json"))
        .count();
    let tables = fixtures::mini()
        .tables()
        .into_iter()
        .filter(|t| t.layer != "bronze")
        .count();
    assert_eq!(logs, tables);
}
