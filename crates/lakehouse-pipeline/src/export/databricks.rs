//! A Databricks Asset Bundle that re-runs this pipeline as Spark SQL: a job of
//! three SQL notebooks (bronze → silver → gold) writing Delta tables, reading
//! the raw CSVs from a Unity Catalog Volume given as a job parameter.
//!
//! One source of truth:
//! - bronze is generated from the layout spec ([`crate::bronze::spec`]) and the
//!   headers this run actually read, with the same typing and reject rules;
//! - silver and gold are templates (`databricks/*.sql`) whose bronze column
//!   lists, code-system mapping and empty-table stand-ins are filled in here;
//! - `dq_results` is generated from the pipeline's own rule list
//!   ([`crate::gold::quality`]): the same ids, severities, descriptions and
//!   order, each computed by the SQL of its kind.
//!
//! The same notebooks run on plain Apache Spark through `scripts/run_spark.py`
//! (shipped in the bundle), which swaps the Databricks-only statements
//! (`USE CATALOG`, `read_files` on a Volume, `USING DELTA`) for local ones.
//! The test suite runs it over every real export and checks that every table
//! and every metric equals this pipeline's output.

use std::fmt::Write as _;

use crate::bronze::spec::{self, ColumnType, TableSpec};
use crate::error::Result;
use crate::gold::quality::{self, Rule};
use crate::silver::keys::normalize_system;
use crate::{Lakehouse, OutputFile};

const SILVER: &str = include_str!("databricks/silver.sql");
const GOLD: &str = include_str!("databricks/gold.sql");
const RUNNER: &str = include_str!("databricks/run_spark.py");

/// The separator between notebook cells.
pub const CELL: &str = "\n-- COMMAND ----------\n";

/// Options of the bundle.
#[derive(Clone, Debug)]
pub struct BundleOptions {
    /// Bundle and job name (`synthea_lakehouse`).
    pub name: String,
    /// Default Unity Catalog catalog.
    pub catalog: String,
    /// Default schema the tables are written to.
    pub schema: String,
    /// Default Volume folder holding the CSV files.
    pub source_volume: String,
}

impl Default for BundleOptions {
    fn default() -> Self {
        Self {
            name: "synthea_lakehouse".into(),
            catalog: "main".into(),
            schema: "synthea".into(),
            source_volume: "/Volumes/main/synthea/raw".into(),
        }
    }
}

/// The files of one raw layout: the fields of the header (canonical names,
/// `None` for ignored fields), whether line 1 is a header, and the file names.
struct Layout {
    fields: Vec<Option<&'static str>>,
    header: bool,
    files: Vec<String>,
}

/// Every file kind the run read, with its layouts (files grouped by header).
fn layouts(lakehouse: &Lakehouse) -> Vec<(&'static TableSpec, Vec<Layout>)> {
    let mut kinds: Vec<(&'static TableSpec, Vec<Layout>)> = Vec::new();
    for table in &lakehouse.bronze.tables {
        let mut groups: Vec<Layout> = Vec::new();
        for file in lakehouse
            .bronze
            .files
            .iter()
            .filter(|f| f.kind == Some(table.spec.file) && !f.fields.is_empty())
        {
            let name = base_name(&file.path);
            match groups
                .iter_mut()
                .find(|g| g.fields == file.fields && g.header == file.has_header)
            {
                Some(group) => group.files.push(name),
                None => groups.push(Layout {
                    fields: file.fields.clone(),
                    header: file.has_header,
                    files: vec![name],
                }),
            }
        }
        for group in &mut groups {
            group.files.sort();
            group.files.dedup();
        }
        kinds.push((table.spec, groups));
    }
    kinds
}

/// The file name of a path (`data/run1/patients.csv` → `patients.csv`;
/// `export.zip!/csv/patients.csv` → `patients.csv`).
fn base_name(path: &str) -> String {
    path.rsplit(['/', '\\', '!'])
        .next()
        .unwrap_or(path)
        .to_string()
}

fn quoted(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The Spark SQL type of a bronze column type.
pub fn sql_type(column_type: ColumnType) -> &'static str {
    match column_type {
        ColumnType::Text => "STRING",
        ColumnType::Date => "DATE",
        ColumnType::DateTime | ColumnType::YearOrDateTime => "TIMESTAMP",
        ColumnType::Float => "DOUBLE",
        ColumnType::Int => "BIGINT",
    }
}

const DATE_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
const DATETIME_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\\\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$";

/// The typed value of raw text column `v`, as the Rust decoder types it
/// (null where the text does not parse).
fn typed(column: &spec::ColumnSpec, v: &str) -> String {
    let datetime = format!(
        "CASE WHEN {v} RLIKE '{DATE_PATTERN}' OR {v} RLIKE '{DATETIME_PATTERN}' THEN try_cast({v} AS TIMESTAMP) END"
    );
    match column.column_type {
        ColumnType::Text if column.required => v.to_string(),
        ColumnType::Text => format!(
            "CASE WHEN {} THEN NULL ELSE {v} END",
            no_value(column, v).unwrap_or_default()
        ),
        ColumnType::Date => format!(
            "CASE WHEN {v} RLIKE '{DATE_PATTERN}' THEN try_cast({v} AS DATE) WHEN {v} RLIKE '{DATETIME_PATTERN}' THEN CAST(try_cast({v} AS TIMESTAMP) AS DATE) END"
        ),
        ColumnType::DateTime => datetime,
        ColumnType::YearOrDateTime => {
            let day = if column.name.starts_with("END") {
                "-12-31"
            } else {
                "-01-01"
            };
            format!(
                "CASE WHEN {v} RLIKE '^[0-9]{{4}}$' THEN try_cast(concat({v}, '{day}') AS TIMESTAMP) ELSE {datetime} END"
            )
        }
        ColumnType::Float => format!(
            "CASE WHEN {} THEN NULL WHEN abs(try_cast({v} AS DOUBLE)) <= 1.7976931348623157E308D THEN try_cast({v} AS DOUBLE) END",
            no_value(column, v).unwrap_or_default()
        ),
        ColumnType::Int => format!(
            "CASE WHEN {v} = 'null' THEN NULL WHEN NOT {} THEN NULL WHEN {v} RLIKE '^[+-]?[0-9]+$' THEN try_cast({v} AS BIGINT) \
             WHEN try_cast({v} AS DOUBLE) = floor(try_cast({v} AS DOUBLE)) THEN CAST(try_cast({v} AS DOUBLE) AS BIGINT) END",
            in_range(v)
        ),
    }
}

/// The SQL saying that whole number `v` is no larger than bronze accepts
/// ([`crate::bronze::MAX_INTEGER`]).
fn in_range(v: &str) -> String {
    format!(
        "abs(try_cast({v} AS DOUBLE)) <= {:e}D",
        crate::bronze::MAX_INTEGER as f64
    )
}

/// Raw values that mean "no value" for a column type (not a parse failure).
/// The SQL saying that raw value `v` of `column` is a spelling of "no value"
/// (as bronze reads it: `null`; for numbers also not-a-number and the
/// infinities, in any case, from [`crate::bronze::NON_FINITE_SPELLINGS`]).
fn no_value(column: &spec::ColumnSpec, v: &str) -> Option<String> {
    match column.column_type {
        ColumnType::Text if column.required => None,
        ColumnType::Text | ColumnType::Int => Some(format!("{v} = 'null'")),
        ColumnType::Float => Some(format!(
            "({v} = 'null' OR lower({v}) IN ({}))",
            crate::bronze::NON_FINITE_SPELLINGS
                .iter()
                .map(|s| literal(s))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        _ => None,
    }
}

fn what(column_type: ColumnType) -> &'static str {
    match column_type {
        ColumnType::Text => "text",
        ColumnType::Date => "date (expected YYYY-MM-DD)",
        ColumnType::DateTime => "datetime (expected YYYY-MM-DDThh:mm:ssZ)",
        ColumnType::YearOrDateTime => "year or datetime",
        ColumnType::Float => "number",
        ColumnType::Int => "integer",
    }
}

/// The bronze notebook: one raw view per layout, the typed bronze table and
/// the rejects of every file kind. Long because it writes the notebook's
/// cells in their order, and each cell's SQL is generated from the spec
/// right where it is placed.
fn bronze_notebook(lakehouse: &Lakehouse) -> String {
    let mut cells = vec![
        notebook_intro(
            "bronze",
            "the raw CSV files typed into one Delta table per Synthea file, with the rows that do not parse in bronze_rejects",
        ),
        "SET TIME ZONE 'UTC'".to_string(),
        "USE CATALOG IDENTIFIER(:catalog)".to_string(),
        "CREATE SCHEMA IF NOT EXISTS IDENTIFIER(:schema)".to_string(),
        "USE SCHEMA IDENTIFIER(:schema)".to_string(),
    ];
    let mut rejects = Vec::new();
    for (spec, groups) in layouts(lakehouse) {
        let mut typed_views = Vec::new();
        for (index, layout) in groups.iter().enumerate() {
            let raw = format!("raw_{}_{}", spec.file, index + 1);
            // Raw fields: the canonical name, or `_ignored_n` for unknown ones.
            let raw_names: Vec<String> = layout
                .fields
                .iter()
                .enumerate()
                .map(|(i, f)| f.map_or_else(|| format!("_ignored_{}", i + 1), str::to_string))
                .collect();
            let schema = raw_names
                .iter()
                .map(|n| format!("{} STRING", quoted(n)))
                .chain(std::iter::once("_corrupt_record STRING".to_string()))
                .collect::<Vec<_>>()
                .join(", ");
            let glob = if layout.files.len() == 1 {
                layout.files[0].clone()
            } else {
                format!("{{{}}}", layout.files.join(","))
            };
            cells.push(format!(
                "-- {}: {}\nCREATE OR REPLACE TEMPORARY VIEW {raw} AS\nSELECT *, _metadata.file_name AS _source_file\nFROM read_files(\n  :source_volume || {},\n  format => 'csv',\n  header => {},\n  quote => '',\n  mode => 'PERMISSIVE',\n  columnNameOfCorruptRecord => '_corrupt_record',\n  schema => {}\n)",
                spec.file,
                layout.files.join(", "),
                literal(&format!("/{glob}")),
                layout.header,
                literal(&schema),
            ));
            // Typed values, and the first fault of each row (file order, then
            // required columns in canonical order), as the Rust decoder reports it.
            let mut select = Vec::new();
            let mut checks = vec![format!(
                "WHEN _corrupt_record IS NOT NULL THEN named_struct('col', CAST(NULL AS STRING), 'reason', 'expected {} fields (as in the header), found another count; a value may contain a comma')",
                layout.fields.len()
            )];
            for column in spec.columns {
                let present = layout.fields.contains(&Some(column.name));
                let value = if present {
                    typed(column, &quoted(column.name))
                } else {
                    format!("CAST(NULL AS {})", sql_type(column.column_type))
                };
                select.push(format!("{value} AS {}", quoted(column.name)));
            }
            for field in layout.fields.iter().flatten() {
                let Some(column) = spec.columns.iter().find(|c| c.name == *field) else {
                    continue;
                };
                if column.column_type == ColumnType::Text {
                    continue;
                }
                let v = quoted(column.name);
                let not_token = no_value(column, &v)
                    .map(|no_value| format!(" AND NOT {no_value}"))
                    .unwrap_or_default();
                if column.column_type == ColumnType::Int {
                    let reason = crate::bronze::out_of_range_reason("\u{0}", column);
                    let (before, after) = reason.split_once('\u{0}').unwrap_or((&reason, ""));
                    checks.push(format!(
                        "WHEN {v} IS NOT NULL{not_token} AND NOT {} THEN named_struct('col', {}, 'reason', concat({}, {v}, {}))",
                        in_range(&v),
                        literal(column.name),
                        literal(before),
                        literal(after)
                    ));
                }
                checks.push(format!(
                    "WHEN {v} IS NOT NULL{not_token} AND ({}) IS NULL THEN named_struct('col', {}, 'reason', concat('invalid {} `', {v}, '` in `{}`'))",
                    typed(column, &v),
                    literal(column.name),
                    what(column.column_type),
                    column.name
                ));
            }
            for column in spec.columns.iter().filter(|c| c.required) {
                checks.push(format!(
                    "WHEN ({}) IS NULL THEN named_struct('col', {}, 'reason', 'missing required value in `{}`')",
                    if layout.fields.contains(&Some(column.name)) {
                        typed(column, &quoted(column.name))
                    } else {
                        "NULL".to_string()
                    },
                    literal(column.name),
                    column.name
                ));
            }
            let raw_line = format!(
                "coalesce(_corrupt_record, concat_ws(',', {}))",
                raw_names
                    .iter()
                    .map(|n| format!("coalesce({}, '')", quoted(n)))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let view = format!("typed_{}_{}", spec.file, index + 1);
            cells.push(format!(
                "CREATE OR REPLACE TEMPORARY VIEW {view} AS\nSELECT\n  {},\n  _source_file,\n  CAST(NULL AS BIGINT) AS _source_line,\n  CASE\n    {}\n  END AS _fault,\n  {raw_line} AS _raw_line\nFROM {raw}",
                select.join(",\n  "),
                checks.join("\n    "),
            ));
            typed_views.push(view);
        }
        let columns = spec
            .columns
            .iter()
            .map(|c| quoted(c.name))
            .chain(["_source_file".to_string(), "_source_line".to_string()])
            .collect::<Vec<_>>()
            .join(", ");
        let union = typed_views
            .iter()
            .map(|v| format!("SELECT {columns} FROM {v} WHERE _fault IS NULL"))
            .collect::<Vec<_>>()
            .join("\nUNION ALL\n");
        let union = if union.is_empty() {
            empty_relation(spec)
        } else {
            union
        };
        cells.push(format!(
            "CREATE OR REPLACE TABLE {} USING DELTA AS\n{union}",
            spec.table
        ));
        for view in typed_views {
            rejects.push(format!(
                "SELECT _source_file AS file, _source_line AS line, _fault.col AS `column`, _fault.reason AS reason, _raw_line AS raw_line FROM {view} WHERE _fault IS NOT NULL"
            ));
        }
    }
    rejects.push(
        "SELECT CAST(NULL AS STRING) AS file, CAST(NULL AS BIGINT) AS line, CAST(NULL AS STRING) AS `column`, CAST(NULL AS STRING) AS reason, CAST(NULL AS STRING) AS raw_line WHERE false"
            .to_string(),
    );
    cells.push(format!(
        "CREATE OR REPLACE TABLE bronze_rejects USING DELTA AS\n{}",
        rejects.join("\nUNION ALL\n")
    ));
    notebook(&cells)
}

/// An empty relation with the columns of bronze table `spec` (for a file kind
/// the export did not have).
fn empty_relation(spec: &TableSpec) -> String {
    let columns = spec
        .columns
        .iter()
        .map(|c| {
            format!(
                "CAST(NULL AS {}) AS {}",
                sql_type(c.column_type),
                quoted(c.name)
            )
        })
        .chain([
            "CAST(NULL AS STRING) AS _source_file".to_string(),
            "CAST(NULL AS BIGINT) AS _source_line".to_string(),
        ])
        .collect::<Vec<_>>()
        .join(", ");
    format!("SELECT {columns} WHERE false")
}

fn notebook_intro(layer: &str, what: &str) -> String {
    format!(
        "-- Synthea Lakehouse, {layer}: {what}.\n-- Generated by `lakehouse export --databricks` from the pipeline's own definitions; edit the pipeline, not this file.\n-- Parameters (job parameters or notebook widgets): catalog, schema, source_volume, as_of (YYYY-MM-DD or empty).\nSELECT 'synthea-lakehouse {layer}' AS notebook"
    )
}

fn notebook(cells: &[String]) -> String {
    let mut text = String::from("-- Databricks notebook source\n");
    text.push_str(&cells.join(&format!("\n{CELL}\n")));
    text.push('\n');
    text
}

/// Expands the template placeholders:
/// - `{{table FILE}}`: the bronze table, or an empty relation when the
///   export had no such file;
/// - `{{cols FILE}}`: its source columns in canonical order;
/// - `{{ranked FILE}}`: its distinct rows, each with `_rank`, 1 for the
///   first row of its `Id` (the silver "first row per id" rule); the second
///   line keeps the placeholder's indentation;
/// - `{{system FILE PREFIX}}`: the normalized code system of a row;
/// - `{{code_dim FILE TABLE KEY}}`: the statement building a code dimension;
/// - `{{as_of}}`: the reference day (the `as_of` parameter, else the last
///   event day, else the last birth day);
/// - `{{last_event_day}}`: silver's last event day that is not a
///   far-future outlier;
/// - `{{dq_results}}`: the data-quality rules;
/// - `{{money EXPR}}`: a money sum rounded to cents, NULL when not finite
///   (the pipeline's `gold::money`).
fn expand(template: &str, lakehouse: &Lakehouse, as_of: &str, dq: &str) -> String {
    let mut out = String::with_capacity(template.len() * 2);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").map_or(rest.len(), |e| start + e);
        let inner = &rest[start + 2..end];
        let mut words = inner.split_whitespace();
        let verb = words.next().unwrap_or("");
        let file = words.next().unwrap_or("");
        let spec = spec::table_for_file(file);
        match (verb, spec) {
            ("money", _) => {
                let e = inner.trim_start()["money".len()..].trim();
                out.push_str(&format!(
                    "CASE WHEN abs(round({e}, 2)) <= 1.7976931348623157E308 THEN round({e}, 2) END"
                ));
            }
            ("table", Some(spec)) => out.push_str(&bronze_relation(lakehouse, spec)),
            ("cols", Some(spec)) => out.push_str(&column_list(spec, words.next().unwrap_or(""))),
            ("ranked", Some(spec)) => {
                let line = &out[out.rfind('\n').map_or(0, |n| n + 1)..];
                let indent = line[..line.len() - line.trim_start().len()].to_string();
                let cols = column_list(spec, "");
                out.push_str(&format!(
                    "SELECT *, ROW_NUMBER() OVER (PARTITION BY `Id` ORDER BY {cols}) AS _rank\n\
                     {indent}FROM (SELECT DISTINCT {cols} FROM {})",
                    bronze_relation(lakehouse, spec)
                ));
            }
            ("code_dim", Some(spec)) => {
                let table = words.next().unwrap_or("");
                let key = words.next().unwrap_or("");
                out.push_str(&code_dim_sql(lakehouse, spec, table, key));
            }
            ("system", Some(spec)) => {
                let prefix = words.next().unwrap_or("");
                out.push_str(&system_sql(spec, prefix));
            }
            ("as_of", _) => out.push_str(as_of),
            ("last_event_day", _) => out.push_str(&last_event_day_sql(SILVER_EVENT_DAYS)),
            ("dq_results", _) => out.push_str(dq),
            _ => out.push_str(&rest[start..end + 2]),
        }
        rest = &rest[(end + 2).min(rest.len())..];
    }
    out.push_str(rest);
    out
}

/// SQL for [`normalize_system`] of a file's `SYSTEM` column.
fn system_sql(spec: &TableSpec, prefix: &str) -> String {
    let default = crate::silver::dims_default_system(spec.file);
    if spec.column_index("SYSTEM").is_none() {
        return literal(default);
    }
    let v = format!("{prefix}`SYSTEM`");
    let key = format!("TRIM(TRAILING '/' FROM lower(trim({v})))");
    // The spellings normalize_system maps, checked against it in the tests.
    let groups: [(&str, &[&str]); 5] = [
        (
            "SNOMED-CT",
            &[
                "snomed-ct",
                "snomed",
                "snomedct",
                "snomed ct",
                "http://snomed.info/sct",
            ],
        ),
        (
            "RxNorm",
            &["rxnorm", "http://www.nlm.nih.gov/research/umls/rxnorm"],
        ),
        ("LOINC", &["loinc", "http://loinc.org"]),
        ("CVX", &["cvx", "http://hl7.org/fhir/sid/cvx"]),
        (
            "DICOM-DCM",
            &["dicom-dcm", "http://dicom.nema.org/resources/ontology/dcm"],
        ),
    ];
    let mut sql = format!(
        "CASE WHEN {v} IS NULL OR trim({v}) = '' THEN {}",
        literal(default)
    );
    for (name, spellings) in groups {
        debug_assert!(
            spellings
                .iter()
                .all(|s| normalize_system(Some(s), "x") == name)
        );
        let list = spellings
            .iter()
            .map(|s| literal(s))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = write!(sql, " WHEN {key} IN ({list}) THEN {}", literal(name));
    }
    let _ = write!(
        sql,
        " WHEN {key} = 'unknown' THEN {} ELSE trim({v}) END",
        literal(default)
    );
    sql
}

/// `up to 5 smallest distinct examples, '; '-joined`, over failing rows.
fn examples(failed: &str, example: &str) -> String {
    format!(
        "nullif(array_join(slice(array_sort(array_distinct(collect_list(CASE WHEN {failed} THEN {example} END))), 1, {}), '; '), '')",
        quality::EXAMPLES
    )
}

/// A row's id for examples: its id column, else `file:line`.
fn example_id(id: Option<&str>, alias: &str) -> String {
    let location = format!(
        "concat({alias}._source_file, ':', coalesce(CAST({alias}._source_line AS STRING), '?'))"
    );
    match id {
        Some(id) => format!("coalesce({alias}.{}, {location})", quoted(id)),
        None => location,
    }
}

/// One rule row: its fixed text, then an SQL query giving
/// `rows_checked, rows_failed, example_ids`.
fn rule_row(order: usize, rule: &Rule, computed: &str) -> String {
    format!(
        "SELECT {order} AS _order, {} AS rule_id, {} AS table_name, {} AS severity, {} AS description, * FROM (\n  {computed}\n)",
        literal(&rule.id()),
        literal(rule.table()),
        literal(rule.severity().as_str()),
        literal(&rule.description()),
    )
}

/// The SQL computing one data-quality rule (see `gold::quality::rules`).
/// Long because it is one `match` arm per [`Rule`] kind, each the Spark SQL
/// of its Rust counterpart; the arms share only the two query shapes above.
fn rule_sql(rule: &Rule, table: &dyn Fn(&str) -> String) -> String {
    let count = |failed: &str, example: &str, from: &str| {
        format!(
            "SELECT CAST(count(*) AS BIGINT) AS rows_checked, CAST(count_if({failed}) AS BIGINT) AS rows_failed, {} AS example_ids FROM {from}",
            examples(failed, example)
        )
    };
    let no_examples = |checked: &str, failed: &str| {
        format!(
            "SELECT CAST({checked} AS BIGINT) AS rows_checked, CAST({failed} AS BIGINT) AS rows_failed, CAST(NULL AS STRING) AS example_ids"
        )
    };
    let id_of = |file: &str| quality::id_column(file);
    // Birth and death per patient id (the first row in canonical order).
    let life = || {
        format!(
            "(SELECT `Id`, `BIRTHDATE`, `DEATHDATE` FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY `Id` ORDER BY {}) AS _rank FROM {}) WHERE _rank = 1)",
            source_columns("patients"),
            table("patients")
        )
    };
    let encounter_life = || {
        format!(
            "{} c JOIN {} p ON p.`Id` = c.`PATIENT` WHERE c.`START` IS NOT NULL",
            table("encounters"),
            life()
        )
    };
    match *rule {
        Rule::RowsRejected => {
            let accepted = spec::TABLES
                .iter()
                .map(|s| format!("(SELECT count(*) FROM {})", table(s.file)))
                .collect::<Vec<_>>()
                .join(" + ");
            format!(
                "SELECT CAST({accepted} + count(*) AS BIGINT) AS rows_checked, CAST(count(*) AS BIGINT) AS rows_failed, {} AS example_ids FROM bronze_rejects r",
                examples(
                    "true",
                    "concat(r.file, ':', coalesce(CAST(r.line AS STRING), '?'))"
                )
            )
        }
        Rule::UsDates { file } => {
            // Spark reads CSV as Synthea writes it, so it rejects such rows
            // (docs/quirks.md): the rule counts those rejects.
            let us_date = format!(
                "r.reason RLIKE '^invalid date .*`[0-9]{{1,2}}/[0-9]{{1,2}}/([0-9]{{2}}|[0-9]{{4}})`' AND r.file RLIKE {}",
                literal(&format!("(^|/){file}[^/]*[.]csv$"))
            );
            format!(
                "SELECT CAST((SELECT count(*) FROM {}) + count_if({us_date}) AS BIGINT) AS rows_checked, CAST(count_if({us_date}) AS BIGINT) AS rows_failed, {} AS example_ids FROM bronze_rejects r",
                table(file),
                examples(
                    &us_date,
                    "concat(r.file, ':', coalesce(CAST(r.line AS STRING), '?'))"
                )
            )
        }
        Rule::SharedProviderIds => count("id_member > 1", "provider_id", "dim_provider"),
        Rule::LateEventDays => {
            let late = "w.d > cut.d";
            format!(
                "SELECT CAST(coalesce(max(w.n), 0) AS BIGINT) AS rows_checked, CAST(coalesce(sum(CASE WHEN {late} THEN w.c END), 0) AS BIGINT) AS rows_failed, {} AS example_ids FROM {} AS w CROSS JOIN (SELECT {} AS d) AS cut",
                examples(late, "CAST(w.d AS STRING)"),
                event_day_window(GOLD_EVENT_DAYS),
                last_event_day_sql(GOLD_EVENT_DAYS)
            )
        }
        Rule::ExactDuplicates { file } => {
            let cols = source_columns(file);
            let t = table(file);
            no_examples(
                &format!("(SELECT count(*) FROM {t})"),
                &format!(
                    "(SELECT count(*) FROM {t}) - (SELECT count(*) FROM (SELECT DISTINCT {cols} FROM {t}))"
                ),
            )
        }
        Rule::DuplicateIds { file, .. } => {
            let cols = source_columns(file);
            let t = table(file);
            // The smallest ids that repeat with other values, as gold's examples.
            let repeated = format!(
                "(SELECT {} FROM (SELECT `Id` FROM (SELECT DISTINCT {cols} FROM {t}) WHERE `Id` IS NOT NULL GROUP BY `Id` HAVING count(*) > 1))",
                examples("true", "`Id`")
            );
            format!(
                "SELECT CAST((SELECT count(*) FROM (SELECT DISTINCT {cols} FROM {t})) AS BIGINT) AS rows_checked, CAST((SELECT count(*) FROM (SELECT DISTINCT {cols} FROM {t}) WHERE `Id` IS NOT NULL) - (SELECT count(DISTINCT `Id`) FROM {t}) AS BIGINT) AS rows_failed, {repeated} AS example_ids"
            )
        }
        Rule::ForeignKey(key) => {
            let (Some(source), Some(parent)) = (key.source, key.parent_file()) else {
                return unknown_rule(rule);
            };
            let c = quoted(source.column);
            // A value of the alternative file (2.5's organization ids in
            // encounters.PROVIDER) resolves too.
            let (or_join, or_missing) = match source.or_file {
                Some(file) => (
                    format!(
                        " LEFT JOIN (SELECT DISTINCT `Id` FROM {}) o ON c.{c} = o.`Id`",
                        table(file)
                    ),
                    " AND o.`Id` IS NULL",
                ),
                None => (String::new(), ""),
            };
            count(
                &format!("p.`Id` IS NULL{or_missing}"),
                &format!(
                    "concat({}, ' → ', c.{c})",
                    example_id(id_of(source.file), "c")
                ),
                &format!(
                    "{} c LEFT JOIN (SELECT DISTINCT `Id` FROM {}) p ON c.{c} = p.`Id`{or_join} WHERE c.{c} IS NOT NULL",
                    table(source.file),
                    table(parent)
                ),
            )
        }
        Rule::HoldsOtherIds(key) => {
            let (Some(source), Some(parent)) = (key.source, key.parent_file()) else {
                return unknown_rule(rule);
            };
            let Some(other) = source.or_file else {
                return unknown_rule(rule);
            };
            let c = quoted(source.column);
            count(
                "p.`Id` IS NULL AND o.`Id` IS NOT NULL",
                &example_id(id_of(source.file), "c"),
                &format!(
                    "{} c LEFT JOIN (SELECT DISTINCT `Id` FROM {}) p ON c.{c} = p.`Id` LEFT JOIN (SELECT DISTINCT `Id` FROM {}) o ON c.{c} = o.`Id` WHERE c.{c} IS NOT NULL",
                    table(source.file),
                    table(parent),
                    table(other)
                ),
            )
        }
        Rule::Period(period) => {
            let (a, b) = (quoted(period.start), quoted(period.stop));
            count(
                &format!("c.{b} < c.{a}"),
                &example_id(id_of(period.file), "c"),
                &format!(
                    "{} c WHERE c.{a} IS NOT NULL AND c.{b} IS NOT NULL",
                    table(period.file)
                ),
            )
        }
        Rule::EncountersAfterDeath => count(
            "to_date(c.`START`) > p.`DEATHDATE`",
            "c.`Id`",
            &format!("{} AND p.`DEATHDATE` IS NOT NULL", encounter_life()),
        ),
        Rule::EncountersBeforeBirth => count(
            "to_date(c.`START`) < p.`BIRTHDATE`",
            "c.`Id`",
            &format!("{} AND p.`BIRTHDATE` IS NOT NULL", encounter_life()),
        ),
        Rule::DeathBeforeBirth => count(
            "p.`DEATHDATE` < p.`BIRTHDATE`",
            "p.`Id`",
            &format!(
                "{} p WHERE p.`BIRTHDATE` IS NOT NULL AND p.`DEATHDATE` IS NOT NULL",
                life()
            ),
        ),
        Rule::Placeholder(placeholder) => {
            let c = quoted(placeholder.column);
            count(
                &format!("unix_micros(c.{c}) = 0"),
                &example_id(id_of(placeholder.file), "c"),
                &format!("{} c WHERE c.{c} IS NOT NULL", table(placeholder.file)),
            )
        }
        // A row fails when any of its cost columns does.
        Rule::NegativeCost(cost) | Rule::AmountTooLarge(cost) => {
            let fails = |column: String| match rule {
                Rule::NegativeCost(_) => format!("{column} < 0"),
                _ => format!(
                    "abs({column}) >= {:E}",
                    crate::gold::quality::MAX_EXACT_AMOUNT
                ),
            };
            let any = cost
                .columns
                .iter()
                .map(|c| format!("coalesce({}, false)", fails(format!("c.{}", quoted(c)))))
                .collect::<Vec<_>>()
                .join(" OR ");
            count(
                &format!("({any})"),
                &example_id(id_of(cost.file), "c"),
                &format!("{} c", table(cost.file)),
            )
        }
        Rule::CoverageExceedsCost(coverage) => {
            let (a, b) = (quoted(coverage.covered), quoted(coverage.cost));
            count(
                &format!("c.{a} > c.{b} + 0.005D"),
                &example_id(id_of(coverage.file), "c"),
                &format!(
                    "{} c WHERE c.{a} IS NOT NULL AND c.{b} IS NOT NULL",
                    table(coverage.file)
                ),
            )
        }
    }
}

/// A rule this generator cannot express: it fails loudly in Spark rather
/// than disappearing from the results.
fn unknown_rule(rule: &Rule) -> String {
    format!(
        "SELECT raise_error('the bundle has no SQL for rule {}') AS rows_checked, CAST(NULL AS BIGINT) AS rows_failed, CAST(NULL AS STRING) AS example_ids",
        rule.id()
    )
}

fn source_columns(file: &str) -> String {
    spec::table_for_file(file).map_or_else(String::new, |spec| column_list(spec, ""))
}

/// The source columns of bronze table `spec` in canonical order, each with `prefix`.
fn column_list(spec: &TableSpec, prefix: &str) -> String {
    spec.columns
        .iter()
        .map(|c| format!("{prefix}{}", quoted(c.name)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The bronze table of `file`, or an empty relation with its columns when the
/// export had no such file.
fn bronze_relation(lakehouse: &Lakehouse, spec: &TableSpec) -> String {
    if lakehouse.bronze.table(spec.file).is_some() {
        spec.table.to_string()
    } else {
        format!("({})", empty_relation(spec))
    }
}

/// A code dimension (see `silver::dims::code_dim`): one row per (normalized
/// system, code) of every bronze row, its most frequent description (ties: the
/// smallest), keyed by position in (system, code) order.
fn code_dim_sql(lakehouse: &Lakehouse, spec: &TableSpec, table: &str, key: &str) -> String {
    format!(
        "CREATE OR REPLACE TABLE {table} USING DELTA AS\n\
         WITH c AS (\n  \
         SELECT {} AS system, `CODE` AS code, coalesce(`DESCRIPTION`, '') AS description\n  \
         FROM {} WHERE `CODE` IS NOT NULL\n),\n\
         d AS (SELECT system, code, description, count(*) AS n FROM c GROUP BY system, code, description),\n\
         ranked AS (SELECT *, ROW_NUMBER() OVER (PARTITION BY system, code ORDER BY n DESC, description) AS r FROM d)\n\
         SELECT CAST(ROW_NUMBER() OVER (ORDER BY system, code) AS BIGINT) AS {key}, system, code, description\n\
         FROM ranked WHERE r = 1",
        system_sql(spec, ""),
        bronze_relation(lakehouse, spec),
    )
}

/// `dq_results` as SQL: the pipeline's rules, in its order.
fn dq_sql(lakehouse: &Lakehouse) -> String {
    let table = |file: &str| {
        spec::table_for_file(file)
            .map_or_else(|| file.to_string(), |s| bronze_relation(lakehouse, s))
    };
    let rows: Vec<String> = lakehouse
        .quality()
        .iter()
        .enumerate()
        .map(|(i, result)| rule_row(i + 1, &result.rule, &rule_sql(&result.rule, &table)))
        .collect();
    rows.join("\nUNION ALL\n")
}

/// The `:as_of` parameter as a date (NULL when empty), refused when it is
/// not `YYYY-MM-DD`.
const AS_OF_PARAMETER: &str = "CASE WHEN nullif(:as_of, '') IS NULL THEN NULL WHEN try_cast(:as_of AS DATE) IS NULL THEN raise_error('as_of must be YYYY-MM-DD or empty') ELSE try_cast(:as_of AS DATE) END";

/// Event days with their counts, `(d, c)`, in the gold notebook: every
/// fact's start, stop and service date key (silver's `_days`, read back).
const GOLD_EVENT_DAYS: &str = "(SELECT make_date(CAST(k DIV 10000 AS INT), CAST(k DIV 100 % 100 AS INT), CAST(k % 100 AS INT)) AS d, count(*) AS c FROM (SELECT start_date_key AS k FROM fact_encounters UNION ALL SELECT stop_date_key AS k FROM fact_encounters UNION ALL SELECT start_date_key AS k FROM fact_conditions UNION ALL SELECT stop_date_key AS k FROM fact_conditions UNION ALL SELECT start_date_key AS k FROM fact_procedures UNION ALL SELECT CAST(date_format(stop_ts, 'yyyyMMdd') AS BIGINT) AS k FROM fact_procedures UNION ALL SELECT start_date_key AS k FROM fact_medications UNION ALL SELECT stop_date_key AS k FROM fact_medications UNION ALL SELECT service_date_key AS k FROM fact_claims) AS keys WHERE k IS NOT NULL GROUP BY k)";

/// Silver's event days with their counts, `(d, c)`.
const SILVER_EVENT_DAYS: &str = "(SELECT d, count(*) AS c FROM _days GROUP BY d)";

/// Each distinct event day of `day_counts` (`(d, c)`) with the events on
/// or after it (`cum`), the next earlier day (`next_d`) and all events (`n`).
fn event_day_window(day_counts: &str) -> String {
    format!(
        "(SELECT d, c, sum(c) OVER (ORDER BY d DESC) AS cum, lead(d) OVER (ORDER BY d DESC) AS next_d, sum(c) OVER () AS n FROM {day_counts} AS g)"
    )
}

/// The last event day that is not a far-future outlier, as the pipeline's
/// `silver::facts::late_days` finds it: the earliest day before a gap of
/// more than `LATE_GAP_DAYS` with at most max(`LATE_MIN_EVENTS`, n / 1000)
/// events after it,
/// else the latest day.
fn last_event_day_sql(day_counts: &str) -> String {
    format!(
        "(SELECT coalesce(min(CASE WHEN cum <= greatest({}, n DIV 1000) AND datediff(d, next_d) > {} THEN next_d END), max(d)) FROM {} AS w)",
        crate::silver::LATE_MIN_EVENTS,
        crate::silver::LATE_GAP_DAYS,
        event_day_window(day_counts)
    )
}

/// The reference-day expression of the silver notebook (see `silver::conform`).
fn as_of_silver() -> String {
    format!(
        "coalesce({AS_OF_PARAMETER}, {}, (SELECT max(`BIRTHDATE`) FROM _patients))",
        last_event_day_sql(SILVER_EVENT_DAYS)
    )
}

/// The reference-day expression of the gold notebook.
fn as_of_gold() -> String {
    format!(
        "coalesce({AS_OF_PARAMETER}, {}, (SELECT max(birth_date) FROM dim_patient))",
        last_event_day_sql(GOLD_EVENT_DAYS)
    )
}

fn yaml_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The bundle's files, under `<name>/` paths relative to the bundle root.
pub fn bundle(lakehouse: &Lakehouse, options: &BundleOptions) -> Result<Vec<OutputFile>> {
    let name = &options.name;
    let as_of_default = crate::dates::civil_from_days(lakehouse.silver.as_of.days());
    let as_of_default = format!(
        "{:04}-{:02}-{:02}",
        as_of_default.0, as_of_default.1, as_of_default.2
    );
    let databricks_yml = format!(
        "# Databricks Asset Bundle generated by Synthea Lakehouse (`lakehouse export --databricks`).\n\
         # Deploy: databricks bundle deploy; run: databricks bundle run {name}\n\
         bundle:\n  name: {name}\n\n\
         include:\n  - resources/*.yml\n\n\
         variables:\n\
         \x20 catalog:\n    description: Unity Catalog catalog the tables are written to\n    default: {}\n\
         \x20 schema:\n    description: Schema of the bronze, silver and gold tables\n    default: {}\n\
         \x20 source_volume:\n    description: Volume folder holding the Synthea CSV files (no trailing slash)\n    default: {}\n\
         \x20 as_of:\n    description: Reference day YYYY-MM-DD for ages and active flags; empty means the data's last event day\n    default: \"\"\n\n\
         targets:\n  dev:\n    mode: development\n    default: true\n",
        yaml_string(&options.catalog),
        yaml_string(&options.schema),
        yaml_string(&options.source_volume),
    );
    let job_yml = format!(
        "resources:\n  jobs:\n    {name}:\n      name: {name}_medallion\n      description: Synthea CSVs to bronze, the silver star schema and gold metrics (the Synthea Lakehouse pipeline as Spark SQL)\n      parameters:\n        - name: catalog\n          default: ${{var.catalog}}\n        - name: schema\n          default: ${{var.schema}}\n        - name: source_volume\n          default: ${{var.source_volume}}\n        - name: as_of\n          default: ${{var.as_of}}\n      tasks:\n        - task_key: bronze\n          notebook_task:\n            notebook_path: ../src/01_bronze.sql\n        - task_key: silver\n          depends_on:\n            - task_key: bronze\n          notebook_task:\n            notebook_path: ../src/02_silver.sql\n        - task_key: gold\n          depends_on:\n            - task_key: silver\n          notebook_task:\n            notebook_path: ../src/03_gold.sql\n"
    );
    let silver = expand(SILVER, lakehouse, &as_of_silver(), "");
    let gold = expand(GOLD, lakehouse, &as_of_gold(), &dq_sql(lakehouse));
    let readme = readme(lakehouse, options, &as_of_default);
    Ok(vec![
        OutputFile {
            path: "databricks.yml".into(),
            bytes: databricks_yml.into_bytes(),
        },
        OutputFile {
            path: format!("resources/{name}.job.yml"),
            bytes: job_yml.into_bytes(),
        },
        OutputFile {
            path: "src/01_bronze.sql".into(),
            bytes: bronze_notebook(lakehouse).into_bytes(),
        },
        OutputFile {
            path: "src/02_silver.sql".into(),
            bytes: silver.into_bytes(),
        },
        OutputFile {
            path: "src/03_gold.sql".into(),
            bytes: gold.into_bytes(),
        },
        OutputFile {
            path: "scripts/run_spark.py".into(),
            bytes: RUNNER.as_bytes().to_vec(),
        },
        OutputFile {
            path: "README.md".into(),
            bytes: readme.into_bytes(),
        },
    ])
}

fn readme(lakehouse: &Lakehouse, options: &BundleOptions, as_of: &str) -> String {
    let files: Vec<String> = layouts(lakehouse)
        .iter()
        .flat_map(|(_, groups)| groups.iter().flat_map(|g| g.files.clone()))
        .collect();
    format!(
        "# {name}: the Synthea Lakehouse pipeline on Databricks and Spark\n\n\
         Generated by Synthea Lakehouse from an export of Synthea {version} ({count} CSV files; this run's reference day was {as_of}).\n\
         The three SQL notebooks in `src/` build the same tables, columns and metrics as the app and the `lakehouse` CLI:\n\
         bronze (typed raw tables and `bronze_rejects`), silver (the star schema) and gold (metrics and `dq_results`), as Delta tables.\n\n\
         ## On Databricks\n\n\
         1. Upload the CSV files to a Unity Catalog Volume folder, e.g. `{volume}`:\n   `databricks fs cp -r ./csv dbfs:{volume}`\n   The notebooks read these file names: {list}.\n\
         2. Set `workspace.host` (or use a configured profile), then deploy and run:\n   ```\n   databricks bundle validate\n   databricks bundle deploy -t dev\n   databricks bundle run {name} -t dev\n   ```\n\
         3. Override the defaults with `--var`, e.g. `--var source_volume=/Volumes/cat/sch/vol/folder --var schema=synthea_big`.\n\n\
         The job has three tasks (bronze → silver → gold) on serverless compute; parameters: `catalog`, `schema`, `source_volume`, `as_of`.\n\n\
         ## On plain Apache Spark\n\n\
         ```\n pip install pyspark   # Java 17\n python scripts/run_spark.py --source ./csv --warehouse ./spark-warehouse\n```\n\
         The runner executes the same notebooks, swapping the Databricks-only statements (`USE CATALOG`, `read_files` on a Volume, `USING DELTA`) for local ones (a CSV reader, Parquet tables).\n\n\
         ## Differences from the app\n\n\
         - Spark does not number lines: `_source_line` and `bronze_rejects.line` are null, and examples without an id show `file:?`.\n\
         - The bronze SQL is generated for the headers of this export (layout by layout); an export of another Synthea version needs its own bundle.\n\
         - Float sums may differ in the last bits (Spark adds in another order).\n",
        name = options.name,
        version = lakehouse.bronze.version.label(),
        count = files.len(),
        volume = options.source_volume,
        list = files
            .iter()
            .map(|f| format!("`{f}`"))
            .collect::<Vec<_>>()
            .join(", "),
    )
}
