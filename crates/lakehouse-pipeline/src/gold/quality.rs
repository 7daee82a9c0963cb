//! `dq_results`: one row per data-quality rule, with the rows it checked, the
//! rows that failed, a severity and up to five example ids (the smallest, so
//! the examples are deterministic).
//!
//! Severities: `error` means the data contradicts itself (a foreign key that
//! resolves nowhere, STOP before START, a negative cost, a rejected row);
//! `warning` is suspicious but known to happen in real Synthea output (events
//! after death, coverage above cost); `info` records what cleaning did or a
//! documented quirk (duplicates merged, the `1970-01-01` placeholder).

use std::collections::BTreeSet;

use rustc_hash::FxHashSet as HashSet;

use crate::bronze::Bronze;
use crate::error::Result;
use crate::silver::Silver;
use crate::silver::keys::{Col, RowId, Rows};
use crate::table::{Table, TableBuilder};

/// How many example ids a rule keeps.
pub const EXAMPLES: usize = 5;

/// One rule's outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleResult {
    /// Stable id, e.g. `fk_encounters_patient`.
    pub rule_id: String,
    /// The table the rule reads.
    pub table: String,
    /// `error`, `warning` or `info`.
    pub severity: &'static str,
    /// What the rule checks.
    pub description: String,
    /// Rows the rule looked at.
    pub rows_checked: u64,
    /// Rows that failed it.
    pub rows_failed: u64,
    /// Up to [`EXAMPLES`] failing ids, smallest first.
    pub examples: BTreeSet<String>,
}

impl RuleResult {
    fn new(rule_id: &str, table: &str, severity: &'static str, description: &str) -> Self {
        Self {
            rule_id: rule_id.to_string(),
            table: table.to_string(),
            severity,
            description: description.to_string(),
            rows_checked: 0,
            rows_failed: 0,
            examples: BTreeSet::new(),
        }
    }

    fn check(&mut self, failed: bool, example: impl FnOnce() -> String) {
        self.rows_checked += 1;
        if failed {
            self.fail(example());
        }
    }

    fn fail(&mut self, example: String) {
        self.rows_failed += 1;
        if self.examples.len() < EXAMPLES
            || self.examples.last().is_some_and(|last| example < *last)
        {
            self.examples.insert(example);
            if self.examples.len() > EXAMPLES {
                self.examples.pop_last();
            }
        }
    }
}

/// Foreign-key rules: (file, column, parent file, id column of the file for examples).
pub const FOREIGN_KEY_RULES: [(&str, &str, &str, Option<&str>); 15] = [
    ("encounters", "PATIENT", "patients", Some("Id")),
    ("encounters", "PROVIDER", "providers", Some("Id")),
    ("encounters", "ORGANIZATION", "organizations", Some("Id")),
    ("encounters", "PAYER", "payers", Some("Id")),
    ("conditions", "PATIENT", "patients", None),
    ("conditions", "ENCOUNTER", "encounters", None),
    ("procedures", "PATIENT", "patients", None),
    ("procedures", "ENCOUNTER", "encounters", None),
    ("medications", "PATIENT", "patients", None),
    ("medications", "ENCOUNTER", "encounters", None),
    ("medications", "PAYER", "payers", None),
    ("claims", "PATIENTID", "patients", Some("Id")),
    ("claims", "APPOINTMENTID", "encounters", Some("Id")),
    ("claims", "PROVIDERID", "providers", Some("Id")),
    ("providers", "ORGANIZATION", "organizations", Some("Id")),
];

/// STOP-before-START rules: (file, start, stop, id column).
pub const PERIOD_RULES: [(&str, &str, &str, Option<&str>); 4] = [
    ("encounters", "START", "STOP", Some("Id")),
    ("conditions", "START", "STOP", None),
    ("procedures", "START", "STOP", None),
    ("medications", "START", "STOP", None),
];

/// The 1970-01-01T00:00:00Z placeholder rules: (file, column, id column).
pub const PLACEHOLDER_RULES: [(&str, &str, Option<&str>); 4] = [
    ("claims_transactions", "TODATE", Some("ID")),
    ("encounters", "STOP", Some("Id")),
    ("medications", "STOP", None),
    ("procedures", "STOP", None),
];

/// Negative-cost rules: (file, cost columns, id column).
pub const COST_RULES: [(&str, &[&str], Option<&str>); 3] = [
    (
        "encounters",
        &["BASE_ENCOUNTER_COST", "TOTAL_CLAIM_COST", "PAYER_COVERAGE"],
        Some("Id"),
    ),
    ("procedures", &["BASE_COST"], None),
    (
        "medications",
        &["BASE_COST", "PAYER_COVERAGE", "TOTALCOST"],
        None,
    ),
];

/// Coverage-above-cost rules: (file, covered column, cost column, id column).
pub const COVERAGE_RULES: [(&str, &str, &str, Option<&str>); 2] = [
    (
        "encounters",
        "PAYER_COVERAGE",
        "TOTAL_CLAIM_COST",
        Some("Id"),
    ),
    ("medications", "PAYER_COVERAGE", "TOTALCOST", None),
];

/// Files whose repeated ids are merged into one dimension row (`info`).
pub const MERGED_ID_FILES: [&str; 3] = ["organizations", "providers", "payers"];
/// Files whose repeated ids keep the first row (`error`).
pub const UNIQUE_ID_FILES: [&str; 3] = ["patients", "encounters", "claims"];

fn ids<'a>(rows: &Rows<'a>) -> Option<HashSet<&'a str>> {
    rows.table?;
    let id = rows.col("Id");
    Some(
        rows.all()
            .into_iter()
            .filter_map(|r| rows.text(r, id))
            .collect(),
    )
}

/// A row's id for examples: the value of `id`, else `file:line`.
fn example(rows: &Rows<'_>, row: RowId, id: Option<Col>) -> String {
    id.and_then(|c| rows.text(row, c))
        .map_or_else(|| rows.location(row), str::to_string)
}

/// Runs every rule.
pub fn rules(bronze: &Bronze, silver: &Silver) -> Vec<RuleResult> {
    let mut results = Vec::new();

    let mut rejects = RuleResult::new(
        "bronze_rows_rejected",
        "bronze_rejects",
        "error",
        "rows that could not be read (wrong field count, bad date or number, missing key); see bronze_rejects",
    );
    for file in bronze.files.iter().filter(|f| f.kind.is_some()) {
        rejects.rows_checked += file.rows_read;
    }
    let reject_batch = &bronze.rejects;
    let files = crate::table::column::<arrow_array::StringArray>(reject_batch, "file");
    let lines = crate::table::column::<arrow_array::Int64Array>(reject_batch, "line");
    for i in 0..reject_batch.num_rows() {
        let location = format!(
            "{}:{}",
            crate::table::text(files, i).unwrap_or(""),
            crate::table::int(lines, i).unwrap_or(0)
        );
        rejects.fail(location);
    }
    results.push(rejects);

    for stats in &silver.cleaning {
        let mut exact = RuleResult::new(
            &format!("exact_duplicate_rows_{}", stats.file),
            stats.file,
            "info",
            "exact duplicate rows, dropped in silver",
        );
        exact.rows_checked = bronze.table(stats.file).map_or(0, |t| t.num_rows() as u64);
        exact.rows_failed = stats.exact_duplicates;
        let checked = exact.rows_checked;
        results.push(exact);
        let reference = MERGED_ID_FILES.contains(&stats.file);
        let keyed = reference || UNIQUE_ID_FILES.contains(&stats.file);
        if keyed {
            let mut merged = RuleResult::new(
                &format!("duplicate_ids_{}", stats.file),
                stats.file,
                if reference { "info" } else { "error" },
                if reference {
                    "rows repeating an id with other values (append mode writes one per run); merged into one dimension row"
                } else {
                    "rows repeating an id with other values; the first in canonical order is kept"
                },
            );
            merged.rows_checked = checked - stats.exact_duplicates;
            merged.rows_failed = stats.merged_duplicate_ids;
            results.push(merged);
        }
    }

    let patients = Rows::of(bronze, "patients");
    let encounters = Rows::of(bronze, "encounters");
    let sets = [
        ("patients", ids(&patients)),
        ("encounters", ids(&encounters)),
        ("providers", ids(&Rows::of(bronze, "providers"))),
        ("organizations", ids(&Rows::of(bronze, "organizations"))),
        ("payers", ids(&Rows::of(bronze, "payers"))),
    ];
    let target = |name: &str| {
        sets.iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, s)| s.as_ref())
    };
    for (file, column, parent, id) in FOREIGN_KEY_RULES {
        let rows = Rows::of(bronze, file);
        let Some(parent_ids) = target(parent) else {
            continue;
        };
        if rows.table.is_none() {
            continue;
        }
        let mut rule = RuleResult::new(
            &format!("fk_{file}_{}", column.to_ascii_lowercase()),
            file,
            "error",
            &format!("`{file}.{column}` resolves to a row of `{parent}.csv`"),
        );
        let (col, id) = (rows.col(column), id.map(|n| rows.col(n)));
        for row in rows.all() {
            if let Some(value) = rows.text(row, col) {
                rule.check(!parent_ids.contains(value), || {
                    format!("{} → {value}", example(&rows, row, id))
                });
            }
        }
        results.push(rule);
    }

    for (file, start, stop, id) in PERIOD_RULES {
        let rows = Rows::of(bronze, file);
        if rows.table.is_none() {
            continue;
        }
        let mut rule = RuleResult::new(
            &format!("stop_before_start_{file}"),
            file,
            "error",
            "STOP is earlier than START",
        );
        let (start, stop, id) = (rows.col(start), rows.col(stop), id.map(|n| rows.col(n)));
        let date_table = file == "conditions";
        for row in rows.all() {
            let (a, b) = if date_table {
                (
                    rows.date(row, start).map(i64::from),
                    rows.date(row, stop).map(i64::from),
                )
            } else {
                (rows.timestamp(row, start), rows.timestamp(row, stop))
            };
            if let (Some(a), Some(b)) = (a, b) {
                rule.check(b < a, || example(&rows, row, id));
            }
        }
        results.push(rule);
    }

    // Events after death, and before birth.
    let (birth, death, pid) = (
        patients.col("BIRTHDATE"),
        patients.col("DEATHDATE"),
        patients.col("Id"),
    );
    let life: std::collections::HashMap<&str, (Option<i32>, Option<i32>)> = patients
        .all()
        .into_iter()
        .filter_map(|r| {
            patients
                .text(r, pid)
                .map(|p| (p, (patients.date(r, birth), patients.date(r, death))))
        })
        .collect();
    let mut after_death = RuleResult::new(
        "encounters_after_death",
        "encounters",
        "warning",
        "encounter starts after the patient's DEATHDATE (Synthea writes a death-certification visit days later)",
    );
    let mut before_birth = RuleResult::new(
        "encounters_before_birth",
        "encounters",
        "error",
        "encounter starts before the patient's BIRTHDATE",
    );
    let (start, patient, eid) = (
        encounters.col("START"),
        encounters.col("PATIENT"),
        encounters.col("Id"),
    );
    for row in encounters.all() {
        let (Some(s), Some(p)) = (
            encounters.timestamp(row, start),
            encounters.text(row, patient),
        ) else {
            continue;
        };
        let day = crate::dates::day_of_timestamp(s);
        if let Some((b, d)) = life.get(p) {
            if let Some(d) = d {
                after_death.check(day > *d, || example(&encounters, row, Some(eid)));
            }
            if let Some(b) = b {
                before_birth.check(day < *b, || example(&encounters, row, Some(eid)));
            }
        }
    }
    let mut death_before_birth = RuleResult::new(
        "death_before_birth",
        "patients",
        "error",
        "DEATHDATE is earlier than BIRTHDATE",
    );
    for (p, (b, d)) in &life {
        if let (Some(b), Some(d)) = (b, d) {
            death_before_birth.check(d < b, || (*p).to_string());
        }
    }
    results.extend([after_death, before_birth, death_before_birth]);

    // The 1970-01-01T00:00:00Z placeholder Synthea writes for "no stop time".
    for (file, column, id) in PLACEHOLDER_RULES {
        let rows = Rows::of(bronze, file);
        if rows.table.is_none() {
            continue;
        }
        let mut rule = RuleResult::new(
            &format!("placeholder_1970_{}_{}", file, column.to_ascii_lowercase()),
            file,
            "info",
            &format!(
                "`{column}` is the 1970-01-01T00:00:00Z placeholder (Synthea's \"no stop time\"); treated as unknown downstream"
            ),
        );
        let (col, id) = (rows.col(column), id.map(|n| rows.col(n)));
        for row in rows.all() {
            if let Some(t) = rows.timestamp(row, col) {
                rule.check(t == 0, || example(&rows, row, id));
            }
        }
        results.push(rule);
    }

    // Costs.
    for (file, columns, id) in COST_RULES {
        let rows = Rows::of(bronze, file);
        if rows.table.is_none() {
            continue;
        }
        let mut rule = RuleResult::new(
            &format!("negative_cost_{file}"),
            file,
            "error",
            &format!("a cost is negative ({})", columns.join(", ")),
        );
        let cols: Vec<Col> = columns.iter().map(|c| rows.col(c)).collect();
        let id = id.map(|n| rows.col(n));
        for row in rows.all() {
            let negative = cols
                .iter()
                .any(|c| rows.float(row, *c).is_some_and(|v| v < 0.0));
            rule.check(negative, || example(&rows, row, id));
        }
        results.push(rule);
    }
    for (file, covered, cost, id) in COVERAGE_RULES {
        let rows = Rows::of(bronze, file);
        if rows.table.is_none() {
            continue;
        }
        let mut rule = RuleResult::new(
            &format!("coverage_exceeds_cost_{file}"),
            file,
            "warning",
            &format!("`{covered}` is more than `{cost}` (by over half a cent)"),
        );
        let (covered, cost, id) = (rows.col(covered), rows.col(cost), id.map(|n| rows.col(n)));
        for row in rows.all() {
            if let (Some(a), Some(b)) = (rows.float(row, covered), rows.float(row, cost)) {
                rule.check(a > b + 0.005, || example(&rows, row, id));
            }
        }
        results.push(rule);
    }
    results
}

/// `dq_results` as a table.
pub fn check(bronze: &Bronze, silver: &Silver) -> Result<Table> {
    let results = rules(bronze, silver);
    let examples: Vec<String> = results
        .iter()
        .map(|r| r.examples.iter().cloned().collect::<Vec<_>>().join("; "))
        .collect();
    TableBuilder::new()
        .text("rule_id", results.iter().map(|r| Some(r.rule_id.as_str())))
        .text("table_name", results.iter().map(|r| Some(r.table.as_str())))
        .text("severity", results.iter().map(|r| Some(r.severity)))
        .text(
            "description",
            results.iter().map(|r| Some(r.description.as_str())),
        )
        .int(
            "rows_checked",
            results.iter().map(|r| r.rows_checked as i64),
        )
        .int("rows_failed", results.iter().map(|r| r.rows_failed as i64))
        .float(
            "failed_pct",
            results.iter().map(|r| {
                (r.rows_checked > 0).then(|| r.rows_failed as f64 * 100.0 / r.rows_checked as f64)
            }),
        )
        .text(
            "example_ids",
            examples
                .iter()
                .map(|e| (!e.is_empty()).then_some(e.as_str())),
        )
        .finish("dq_results")
}
