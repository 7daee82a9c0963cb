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
use crate::bronze::rows::{Col, RowId, Rows};
use crate::error::Result;
use crate::silver::{ForeignKey, Silver};
use crate::table::{Table, TableBuilder};

/// The name of the rule results' table.
pub const TABLE: &str = "dq_results";

/// How many example ids a rule keeps.
pub const EXAMPLES: usize = 5;

/// How serious a failed rule is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The data contradicts itself.
    Error,
    /// Suspicious, but known to happen in real Synthea output.
    Warning,
    /// What cleaning did, or a documented quirk.
    Info,
}

impl Severity {
    /// Every severity, most serious first.
    pub const ALL: [Severity; 3] = [Severity::Error, Severity::Warning, Severity::Info];

    /// `error`, `warning` or `info` (the `dq_results.severity` value).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A STOP-before-START rule.
#[derive(Debug, PartialEq, Eq)]
pub struct Period {
    /// Bronze file kind.
    pub file: &'static str,
    /// Start column.
    pub start: &'static str,
    /// Stop column.
    pub stop: &'static str,
}

/// A rule for the `1970-01-01T00:00:00Z` placeholder.
#[derive(Debug, PartialEq, Eq)]
pub struct Placeholder {
    /// Bronze file kind.
    pub file: &'static str,
    /// The timestamp column.
    pub column: &'static str,
}

/// The size from which an amount fails `amount_too_large_*`: above about
/// 9e13, an `f64` cannot hold every cent.
pub const MAX_EXACT_AMOUNT: f64 = 1e13;

/// A negative-cost rule.
#[derive(Debug, PartialEq, Eq)]
pub struct Cost {
    /// Bronze file kind.
    pub file: &'static str,
    /// The cost columns, none of which may be negative.
    pub columns: &'static [&'static str],
}

/// A coverage-above-cost rule.
#[derive(Debug, PartialEq, Eq)]
pub struct Coverage {
    /// Bronze file kind.
    pub file: &'static str,
    /// The amount paid by the payer.
    pub covered: &'static str,
    /// The cost it may not exceed.
    pub cost: &'static str,
}

/// A data-quality rule: what it checks is its kind, not its id's spelling.
/// `gold::quality` and the Databricks bundle's rule SQL both match on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Rows bronze could not read (see `bronze_rejects`).
    RowsRejected,
    /// Rows with a date a spreadsheet wrote as month/day/year, read as such.
    UsDates {
        /// Bronze file kind.
        file: &'static str,
    },
    /// Exact duplicate rows of a file, dropped in silver.
    ExactDuplicates {
        /// Bronze file kind.
        file: &'static str,
    },
    /// Rows repeating an id with other values.
    DuplicateIds {
        /// Bronze file kind.
        file: &'static str,
        /// Merged into one dimension row (reference files), rather than the
        /// first kept.
        merged: bool,
    },
    /// Provider ids that other clinicians share (`dim_provider.id_member` > 1).
    SharedProviderIds,
    /// A foreign key of the star resolves in bronze.
    ForeignKey(&'static ForeignKey),
    /// A key's column holds ids of its source's `or_file` (Synthea 2.5's
    /// organization ids in `encounters.PROVIDER`), mapped there.
    HoldsOtherIds(&'static ForeignKey),
    /// STOP is not earlier than START.
    Period(&'static Period),
    /// No event day far after all the others (`silver::LateDays`).
    LateEventDays,
    /// No encounter after the patient's death.
    EncountersAfterDeath,
    /// No encounter before the patient's birth.
    EncountersBeforeBirth,
    /// No death before birth.
    DeathBeforeBirth,
    /// The `1970-01-01` placeholder.
    Placeholder(&'static Placeholder),
    /// No negative cost.
    NegativeCost(&'static Cost),
    /// No amount so large that money sums lose the cent or overflow.
    AmountTooLarge(&'static Cost),
    /// Coverage is not above cost.
    CoverageExceedsCost(&'static Coverage),
}

impl Rule {
    /// The stable id, e.g. `fk_encounters_patient`.
    pub fn id(&self) -> String {
        match self {
            Rule::RowsRejected => "bronze_rows_rejected".into(),
            Rule::UsDates { file } => format!("us_dates_{file}"),
            Rule::ExactDuplicates { file } => format!("exact_duplicate_rows_{file}"),
            Rule::DuplicateIds { file, .. } => format!("duplicate_ids_{file}"),
            Rule::ForeignKey(key) => {
                let source = key.source.expect("checked keys have a source");
                format!("fk_{}_{}", source.file, source.column.to_ascii_lowercase())
            }
            Rule::HoldsOtherIds(key) => {
                let source = key.source.expect("checked keys have a source");
                format!(
                    "{}_{}_holds_{}_ids",
                    source.file,
                    source.column.to_ascii_lowercase(),
                    source.or_file.unwrap_or_default()
                )
            }
            Rule::Period(p) => format!("stop_before_start_{}", p.file),
            Rule::LateEventDays => "event_dates_far_after_the_data".into(),
            Rule::SharedProviderIds => "provider_ids_shared_by_clinicians".into(),
            Rule::EncountersAfterDeath => "encounters_after_death".into(),
            Rule::EncountersBeforeBirth => "encounters_before_birth".into(),
            Rule::DeathBeforeBirth => "death_before_birth".into(),
            Rule::Placeholder(p) => format!(
                "placeholder_1970_{}_{}",
                p.file,
                p.column.to_ascii_lowercase()
            ),
            Rule::NegativeCost(c) => format!("negative_cost_{}", c.file),
            Rule::AmountTooLarge(c) => format!("amount_too_large_{}", c.file),
            Rule::CoverageExceedsCost(c) => format!("coverage_exceeds_cost_{}", c.file),
        }
    }

    /// Every rule the pipeline can run, in no particular order: a run's
    /// rules are those of them its input has (see [`rules`]).
    pub fn all() -> Vec<Rule> {
        let files = || crate::bronze::TABLES.iter().map(|spec| spec.file);
        let mut all = vec![
            Rule::RowsRejected,
            Rule::SharedProviderIds,
            Rule::LateEventDays,
            Rule::EncountersAfterDeath,
            Rule::EncountersBeforeBirth,
            Rule::DeathBeforeBirth,
        ];
        all.extend(files().map(|file| Rule::UsDates { file }));
        all.extend(files().map(|file| Rule::ExactDuplicates { file }));
        all.extend(
            files()
                .flat_map(|file| [true, false].map(|merged| Rule::DuplicateIds { file, merged })),
        );
        for (key, _) in crate::silver::checked_in_bronze() {
            all.extend([Rule::ForeignKey(key), Rule::HoldsOtherIds(key)]);
        }
        all.extend(PERIOD_RULES.iter().map(Rule::Period));
        all.extend(PLACEHOLDER_RULES.iter().map(Rule::Placeholder));
        for cost in &COST_RULES {
            all.extend([Rule::NegativeCost(cost), Rule::AmountTooLarge(cost)]);
        }
        all.extend(COVERAGE_RULES.iter().map(Rule::CoverageExceedsCost));
        all
    }

    /// The table the rule reads.
    pub fn table(&self) -> &'static str {
        match self {
            Rule::RowsRejected => "bronze_rejects",
            Rule::ExactDuplicates { file }
            | Rule::DuplicateIds { file, .. }
            | Rule::UsDates { file } => file,
            Rule::ForeignKey(key) | Rule::HoldsOtherIds(key) => {
                key.source.map_or(key.table, |s| s.file)
            }
            Rule::Period(p) => p.file,
            Rule::EncountersAfterDeath | Rule::EncountersBeforeBirth => "encounters",
            Rule::LateEventDays => "facts",
            Rule::SharedProviderIds => "providers",
            Rule::DeathBeforeBirth => "patients",
            Rule::Placeholder(p) => p.file,
            Rule::NegativeCost(c) | Rule::AmountTooLarge(c) => c.file,
            Rule::CoverageExceedsCost(c) => c.file,
        }
    }

    /// How serious a failure is.
    pub fn severity(&self) -> Severity {
        match self {
            Rule::EncountersAfterDeath
            | Rule::CoverageExceedsCost(_)
            | Rule::HoldsOtherIds(_)
            | Rule::UsDates { .. }
            | Rule::SharedProviderIds => Severity::Warning,
            Rule::ExactDuplicates { .. }
            | Rule::DuplicateIds { merged: true, .. }
            | Rule::Placeholder(_) => Severity::Info,
            _ => Severity::Error,
        }
    }

    /// What the rule checks.
    pub fn description(&self) -> String {
        match self {
            Rule::RowsRejected => "rows that could not be read (wrong field count, bad date or number, missing key); see bronze_rejects".into(),
            Rule::UsDates { .. } => "a date is in a spreadsheet's month/day/year form (the file was re-saved by Excel), read as such; a two-digit year takes the century that puts it on or before the reference day".into(),
            Rule::ExactDuplicates { .. } => "exact duplicate rows, dropped in silver".into(),
            Rule::DuplicateIds { merged: true, .. } => "rows repeating an id with other values (append mode writes one per run); merged into one dimension row".into(),
            Rule::DuplicateIds { merged: false, .. } => "rows repeating an id with other values; the first in canonical order is kept".into(),
            Rule::ForeignKey(key) => {
                let source = key.source.expect("checked keys have a source");
                let or_file = source
                    .or_file
                    .map(|f| format!(" or, as Synthea 2.5 wrote it, of `{f}.csv`"))
                    .unwrap_or_default();
                format!(
                    "`{}.{}` resolves to a row of `{}.csv`{or_file}",
                    source.file,
                    source.column,
                    key.parent_file().unwrap_or(key.references)
                )
            }
            Rule::HoldsOtherIds(key) => {
                let source = key.source.expect("checked keys have a source");
                format!(
                    "`{}.{}` holds ids of `{}.csv` (Synthea 2.5 had no ORGANIZATION column): mapped to that row, with no {}",
                    source.file,
                    source.column,
                    source.or_file.unwrap_or_default(),
                    key.references.trim_start_matches("dim_")
                )
            }
            Rule::Period(_) => "STOP is earlier than START".into(),
            Rule::SharedProviderIds => "another clinician (NAME, GENDER, SPECIALITY) shares a provider id (Synthea 2.5 did this): kept as a dim_provider member of its own (id_member 2, 3, …); facts name only the id and point at member 1".into(),
            Rule::LateEventDays => format!(
                "an event date (a fact's start, stop or service date) lies more than {} days after every other event day, with at most {} events (or 0.1% of them) after the gap (a typo such as 3000-01-01): it does not move the default as_of, and its date key lies beyond dim_date",
                crate::silver::LATE_GAP_DAYS,
                crate::silver::LATE_MIN_EVENTS
            ),
            Rule::EncountersAfterDeath => "encounter starts after the patient's DEATHDATE (Synthea writes a death-certification visit days later)".into(),
            Rule::EncountersBeforeBirth => "encounter starts before the patient's BIRTHDATE".into(),
            Rule::DeathBeforeBirth => "DEATHDATE is earlier than BIRTHDATE".into(),
            Rule::Placeholder(p) => format!(
                "`{}` is the 1970-01-01T00:00:00Z placeholder (Synthea's \"no stop time\"); treated as unknown downstream",
                p.column
            ),
            Rule::NegativeCost(c) => format!("a cost is negative ({})", c.columns.join(", ")),
            Rule::AmountTooLarge(c) => format!(
                "an amount is 1e13 (ten trillion) or more in size ({}): money sums that include it lose the cent, and a sum that overflows is left empty in gold",
                c.columns.join(", ")
            ),
            Rule::CoverageExceedsCost(c) => format!(
                "`{}` is more than `{}` (by over half a cent)",
                c.covered, c.cost
            ),
        }
    }
}

/// One rule's outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleResult {
    /// The rule.
    pub rule: Rule,
    /// Rows the rule looked at.
    pub rows_checked: u64,
    /// Rows that failed it.
    pub rows_failed: u64,
    /// Up to [`EXAMPLES`] failing ids, smallest first.
    pub examples: BTreeSet<String>,
}

impl RuleResult {
    fn new(rule: Rule) -> Self {
        Self {
            rule,
            rows_checked: 0,
            rows_failed: 0,
            examples: BTreeSet::new(),
        }
    }

    /// The rule's stable id.
    pub fn rule_id(&self) -> String {
        self.rule.id()
    }

    /// The rule's severity.
    pub fn severity(&self) -> Severity {
        self.rule.severity()
    }

    /// Whether the rule failed on some row with severity `severity`.
    pub fn failed_with(&self, severity: Severity) -> bool {
        self.rows_failed > 0 && self.severity() == severity
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

/// STOP-before-START rules.
pub const PERIOD_RULES: [Period; 4] = [
    Period {
        file: "encounters",
        start: "START",
        stop: "STOP",
    },
    Period {
        file: "conditions",
        start: "START",
        stop: "STOP",
    },
    Period {
        file: "procedures",
        start: "START",
        stop: "STOP",
    },
    Period {
        file: "medications",
        start: "START",
        stop: "STOP",
    },
];

/// The 1970-01-01T00:00:00Z placeholder rules.
pub const PLACEHOLDER_RULES: [Placeholder; 4] = [
    Placeholder {
        file: "claims_transactions",
        column: "TODATE",
    },
    Placeholder {
        file: "encounters",
        column: "STOP",
    },
    Placeholder {
        file: "medications",
        column: "STOP",
    },
    Placeholder {
        file: "procedures",
        column: "STOP",
    },
];

/// Negative-cost rules.
pub const COST_RULES: [Cost; 3] = [
    Cost {
        file: "encounters",
        columns: &["BASE_ENCOUNTER_COST", "TOTAL_CLAIM_COST", "PAYER_COVERAGE"],
    },
    Cost {
        file: "procedures",
        columns: &["BASE_COST"],
    },
    Cost {
        file: "medications",
        columns: &["BASE_COST", "PAYER_COVERAGE", "TOTALCOST"],
    },
];

/// Coverage-above-cost rules.
pub const COVERAGE_RULES: [Coverage; 2] = [
    Coverage {
        file: "encounters",
        covered: "PAYER_COVERAGE",
        cost: "TOTAL_CLAIM_COST",
    },
    Coverage {
        file: "medications",
        covered: "PAYER_COVERAGE",
        cost: "TOTALCOST",
    },
];

/// Files whose repeated ids are merged into one dimension row (`info`).
pub const MERGED_ID_FILES: [&str; 3] = ["organizations", "providers", "payers"];
/// Files whose repeated ids keep the first row (`error`).
pub const UNIQUE_ID_FILES: [&str; 3] = ["patients", "encounters", "claims"];

/// The id column of a bronze file (`Id`, or `ID` in `claims_transactions`),
/// which names a failing row in the examples; `None` where the file has
/// none and examples name `file:line`.
pub fn id_column(file: &str) -> Option<&'static str> {
    let spec = crate::bronze::spec::table_for_file(file)?;
    spec.columns
        .iter()
        .map(|c| c.name)
        .find(|name| name.eq_ignore_ascii_case("id"))
}

fn ids<'a>(rows: &Rows<'a>) -> Option<HashSet<&'a str>> {
    rows.table?;
    let id = rows.col("Id");
    Some(rows.all().filter_map(|r| rows.text(r, id)).collect())
}

/// A row's id for examples: the value of `id`, else `file:line`.
fn example(rows: &Rows<'_>, row: RowId, id: Option<Col>) -> String {
    id.and_then(|c| rows.text(row, c))
        .map_or_else(|| rows.location(row), str::to_string)
}

/// Runs every rule, in `dq_results` order.
pub fn rules(bronze: &Bronze, silver: &Silver) -> Vec<RuleResult> {
    let mut results = vec![rows_rejected(bronze)];
    results.extend(us_dates(bronze));
    results.extend(cleaning(bronze, silver));
    results.push(shared_provider_ids(silver));
    results.extend(foreign_keys(bronze));
    results.extend(periods(bronze));
    results.push(late_event_days(silver));
    results.extend(life_events(bronze));
    results.extend(placeholders(bronze));
    results.extend(costs(bronze));
    results
}

/// The rows bronze could not read.
fn rows_rejected(bronze: &Bronze) -> RuleResult {
    let mut rejects = RuleResult::new(Rule::RowsRejected);
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
    rejects
}

/// The rows of each file kind with month/day/year dates (only for a kind
/// that had any: Synthea never writes them).
fn us_dates(bronze: &Bronze) -> Vec<RuleResult> {
    crate::bronze::TABLES
        .iter()
        .filter_map(|spec| {
            let files: Vec<_> = bronze
                .files
                .iter()
                .filter(|f| f.kind == Some(spec.file))
                .collect();
            if files.iter().all(|f| f.us_dates.rows == 0) {
                return None;
            }
            let mut rule = RuleResult::new(Rule::UsDates { file: spec.file });
            for file in &files {
                for line in &file.us_dates.first_lines {
                    rule.fail(format!("{}:{line}", file.path));
                }
            }
            rule.rows_failed = files.iter().map(|f| f.us_dates.rows).sum();
            rule.rows_checked = files.iter().map(|f| f.rows_accepted).sum();
            Some(rule)
        })
        .collect()
}

/// The `dim_provider` members that share their id with an earlier one.
fn shared_provider_ids(silver: &Silver) -> RuleResult {
    let mut rule = RuleResult::new(Rule::SharedProviderIds);
    if let Some(table) = silver.table("dim_provider") {
        let batch = &table.batch;
        let ids = crate::table::column::<arrow_array::StringArray>(batch, "provider_id");
        let members = crate::table::column::<arrow_array::Int64Array>(batch, "id_member");
        for row in 0..batch.num_rows() {
            let shared = crate::table::int(members, row).is_some_and(|m| m > 1);
            rule.check(shared, || {
                crate::table::text(ids, row).unwrap_or_default().to_string()
            });
        }
    }
    rule
}

/// The far-future event days silver kept out of `as_of` and `dim_date`.
fn late_event_days(silver: &Silver) -> RuleResult {
    let late = &silver.late_days;
    let mut rule = RuleResult::new(Rule::LateEventDays);
    for day in &late.days {
        rule.fail(crate::dates::format_date(*day));
    }
    rule.rows_checked = late.checked;
    rule.rows_failed = late.failed;
    rule
}

/// What silver's cleaning dropped or merged, per file.
fn cleaning(bronze: &Bronze, silver: &Silver) -> Vec<RuleResult> {
    let mut results = Vec::new();
    for stats in &silver.cleaning {
        let mut exact = RuleResult::new(Rule::ExactDuplicates { file: stats.file });
        exact.rows_checked = bronze.table(stats.file).map_or(0, |t| t.num_rows() as u64);
        exact.rows_failed = stats.exact_duplicates;
        let checked = exact.rows_checked;
        results.push(exact);
        let reference = MERGED_ID_FILES.contains(&stats.file);
        let keyed = reference || UNIQUE_ID_FILES.contains(&stats.file);
        if keyed {
            let mut merged = RuleResult::new(Rule::DuplicateIds {
                file: stats.file,
                merged: reference,
            });
            merged.rows_checked = checked - stats.exact_duplicates;
            merged.rows_failed = stats.merged_duplicate_ids;
            merged.examples = stats.repeated_ids.iter().cloned().collect();
            results.push(merged);
        }
    }

    results
}

/// Every key of [`crate::silver::FOREIGN_KEYS`] that bronze can check.
fn foreign_keys(bronze: &Bronze) -> Vec<RuleResult> {
    let mut results = Vec::new();
    let sets = [
        ("patients", ids(&Rows::of(bronze, "patients"))),
        ("encounters", ids(&Rows::of(bronze, "encounters"))),
        ("providers", ids(&Rows::of(bronze, "providers"))),
        ("organizations", ids(&Rows::of(bronze, "organizations"))),
        ("payers", ids(&Rows::of(bronze, "payers"))),
    ];
    let target = |name: &str| {
        sets.iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, s)| s.as_ref())
    };
    for (key, source) in crate::silver::checked_in_bronze() {
        let rows = Rows::of(bronze, source.file);
        let Some(parent_ids) = key.parent_file().and_then(target) else {
            continue;
        };
        if rows.table.is_none() {
            continue;
        }
        let mut rule = RuleResult::new(Rule::ForeignKey(key));
        let (col, id) = (
            rows.col(source.column),
            id_column(source.file).map(|n| rows.col(n)),
        );
        let other_ids = source.or_file.and_then(target);
        let mut other = other_ids.map(|_| RuleResult::new(Rule::HoldsOtherIds(key)));
        for row in rows.all() {
            if let Some(value) = rows.text(row, col) {
                let in_parent = parent_ids.contains(value);
                let in_other = !in_parent && other_ids.is_some_and(|ids| ids.contains(value));
                rule.check(!in_parent && !in_other, || {
                    format!("{} → {value}", example(&rows, row, id))
                });
                if let Some(other) = &mut other {
                    other.check(in_other, || example(&rows, row, id));
                }
            }
        }
        results.push(rule);
        results.extend(other);
    }

    results
}

/// STOP before START.
fn periods(bronze: &Bronze) -> Vec<RuleResult> {
    let mut results = Vec::new();
    for period in &PERIOD_RULES {
        let rows = Rows::of(bronze, period.file);
        if rows.table.is_none() {
            continue;
        }
        let mut rule = RuleResult::new(Rule::Period(period));
        let (start, stop, id) = (
            rows.col(period.start),
            rows.col(period.stop),
            id_column(period.file).map(|n| rows.col(n)),
        );
        let date_table = period.file == "conditions";
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

    results
}

/// Encounters after death or before birth, and death before birth.
fn life_events(bronze: &Bronze) -> [RuleResult; 3] {
    let patients = Rows::of(bronze, "patients");
    let encounters = Rows::of(bronze, "encounters");
    // Events after death, and before birth.
    let (birth, death, pid) = (
        patients.col("BIRTHDATE"),
        patients.col("DEATHDATE"),
        patients.col("Id"),
    );
    let life: std::collections::HashMap<&str, (Option<i32>, Option<i32>)> = patients
        .all()
        .filter_map(|r| {
            patients
                .text(r, pid)
                .map(|p| (p, (patients.date(r, birth), patients.date(r, death))))
        })
        .collect();
    let mut after_death = RuleResult::new(Rule::EncountersAfterDeath);
    let mut before_birth = RuleResult::new(Rule::EncountersBeforeBirth);
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
    let mut death_before_birth = RuleResult::new(Rule::DeathBeforeBirth);
    for (p, (b, d)) in &life {
        if let (Some(b), Some(d)) = (b, d) {
            death_before_birth.check(d < b, || (*p).to_string());
        }
    }
    [after_death, before_birth, death_before_birth]
}

/// The `1970-01-01T00:00:00Z` placeholder Synthea writes for "no stop time".
fn placeholders(bronze: &Bronze) -> Vec<RuleResult> {
    let mut results = Vec::new();
    for placeholder in &PLACEHOLDER_RULES {
        let rows = Rows::of(bronze, placeholder.file);
        if rows.table.is_none() {
            continue;
        }
        let mut rule = RuleResult::new(Rule::Placeholder(placeholder));
        let (col, id) = (
            rows.col(placeholder.column),
            id_column(placeholder.file).map(|n| rows.col(n)),
        );
        for row in rows.all() {
            if let Some(t) = rows.timestamp(row, col) {
                rule.check(t == 0, || example(&rows, row, id));
            }
        }
        results.push(rule);
    }

    results
}

/// Negative costs, and coverage above cost.
fn costs(bronze: &Bronze) -> Vec<RuleResult> {
    let mut results = Vec::new();
    for cost in &COST_RULES {
        let rows = Rows::of(bronze, cost.file);
        if rows.table.is_none() {
            continue;
        }
        let mut rule = RuleResult::new(Rule::NegativeCost(cost));
        let mut large = RuleResult::new(Rule::AmountTooLarge(cost));
        let cols: Vec<Col> = cost.columns.iter().map(|c| rows.col(c)).collect();
        let id = id_column(cost.file).map(|n| rows.col(n));
        for row in rows.all() {
            let any = |test: &dyn Fn(f64) -> bool| {
                cols.iter().any(|c| rows.float(row, *c).is_some_and(test))
            };
            rule.check(any(&|v| v < 0.0), || example(&rows, row, id));
            large.check(any(&|v| v.abs() >= MAX_EXACT_AMOUNT), || {
                example(&rows, row, id)
            });
        }
        results.push(rule);
        results.push(large);
    }
    for coverage in &COVERAGE_RULES {
        let rows = Rows::of(bronze, coverage.file);
        if rows.table.is_none() {
            continue;
        }
        let mut rule = RuleResult::new(Rule::CoverageExceedsCost(coverage));
        let (covered, cost, id) = (
            rows.col(coverage.covered),
            rows.col(coverage.cost),
            id_column(coverage.file).map(|n| rows.col(n)),
        );
        for row in rows.all() {
            if let (Some(a), Some(b)) = (rows.float(row, covered), rows.float(row, cost)) {
                rule.check(a > b + 0.005, || example(&rows, row, id));
            }
        }
        results.push(rule);
    }
    results
}

/// The rule results a stored `dq_results` table holds, when [`check`] of
/// them gives that table back exactly (so every rule, count and example is
/// this version's); `None` otherwise. A repeated id is told apart by its
/// severity (merged or kept first).
pub fn read_back(table: &Table) -> Option<Vec<RuleResult>> {
    let ids = table.column::<arrow_array::StringArray>("rule_id")?;
    let severities = table.column::<arrow_array::StringArray>("severity")?;
    let checked = table.column::<arrow_array::Int64Array>("rows_checked")?;
    let failed = table.column::<arrow_array::Int64Array>("rows_failed")?;
    let examples = table.column::<arrow_array::StringArray>("example_ids")?;
    let catalogue = Rule::all();
    let mut results = Vec::with_capacity(table.num_rows());
    for row in 0..table.num_rows() {
        let id = crate::table::text(Some(ids), row)?;
        let severity = crate::table::text(Some(severities), row)?;
        let rule = *catalogue
            .iter()
            .find(|rule| rule.id() == id && rule.severity().as_str() == severity)?;
        results.push(RuleResult {
            rule,
            rows_checked: u64::try_from(crate::table::int(Some(checked), row)?).ok()?,
            rows_failed: u64::try_from(crate::table::int(Some(failed), row)?).ok()?,
            examples: crate::table::text(Some(examples), row)
                .map(|text| text.split("; ").map(str::to_string).collect())
                .unwrap_or_default(),
        });
    }
    let again = check(&results).ok()?;
    (again.batch == table.batch).then_some(results)
}

/// `dq_results` as a table.
pub fn check(results: &[RuleResult]) -> Result<Table> {
    let ids: Vec<String> = results.iter().map(RuleResult::rule_id).collect();
    let descriptions: Vec<String> = results.iter().map(|r| r.rule.description()).collect();
    let examples: Vec<String> = results
        .iter()
        .map(|r| r.examples.iter().cloned().collect::<Vec<_>>().join("; "))
        .collect();
    TableBuilder::new()
        .text("rule_id", ids.iter().map(|id| Some(id.as_str())))
        .text("table_name", results.iter().map(|r| Some(r.rule.table())))
        .text(
            "severity",
            results.iter().map(|r| Some(r.severity().as_str())),
        )
        .text("description", descriptions.iter().map(|d| Some(d.as_str())))
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
        .finish(TABLE)
}
