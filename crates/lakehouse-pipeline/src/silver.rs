//! Silver: the bronze tables cleaned and conformed into a star schema.
//!
//! Cleaning: exact duplicate rows are dropped (and counted); repeated ids
//! (append-mode reference rows) are merged into one dimension row; code systems
//! get one spelling; every dimension gets a deterministic `Int64` surrogate key
//! (its 1-based position in natural-key order). Facts carry the keys, a
//! foreign id that resolves nowhere becomes a null key (and a `dq_results` row).
//!
//! Every table is sorted by its natural key and built from rows taken in a
//! canonical order, so shuffling the input rows changes no output byte.

mod dims;
mod facts;
pub(crate) mod keys;
mod member_months;
mod relations;

use crate::bronze::Bronze;
use crate::dates::{self, Day};
use crate::error::Result;
use crate::join::{InTurn, Join};
use crate::table::Table;
pub use dims::age_band;
pub(crate) use dims::default_system as dims_default_system;
pub use facts::{LATE_GAP_DAYS, LATE_MIN_EVENTS, LateDays, READMISSION_WINDOW_MICROS};
pub use keys::normalize_system;
pub use relations::{
    FOREIGN_KEYS, ForeignKey, Role, Source, checked_in_bronze, model_relationships,
};

/// The silver layer.
#[derive(Clone, Debug)]
pub struct Silver {
    /// The star schema: dimensions first, then facts, in a fixed order.
    pub tables: Vec<Table>,
    /// The reference day (days since the epoch) for ages and "active" flags.
    pub as_of: Day,
    /// Per bronze table: exact duplicate rows dropped, and rows dropped because
    /// another row had the same id (merged).
    pub cleaning: Vec<CleaningStats>,
    /// Far-future event days, kept out of the default `as_of` and `dim_date`.
    pub late_days: LateDays,
}

/// What cleaning removed from one bronze table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CleaningStats {
    /// Bronze file kind (`payers`).
    pub file: &'static str,
    /// Exact duplicate rows dropped.
    pub exact_duplicates: u64,
    /// Rows whose id repeated with other values, merged into the first.
    pub merged_duplicate_ids: u64,
    /// The smallest ids that repeated (at most `dq_results`' five examples).
    pub repeated_ids: Vec<String>,
}

impl CleaningStats {
    /// What [`Rows::unique_by`](crate::bronze::rows::Rows::unique_by)
    /// dropped from `file`.
    pub(crate) fn of(file: &'static str, unique: &crate::bronze::rows::UniqueById<'_>) -> Self {
        Self {
            file,
            exact_duplicates: unique.exact,
            merged_duplicate_ids: unique.merged,
            repeated_ids: unique.repeated.iter().map(|id| id.to_string()).collect(),
        }
    }
}

impl Silver {
    /// A table by name.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }
}

/// Names of the silver tables, in output order.
pub const TABLE_NAMES: [&str; 14] = [
    "dim_patient",
    "dim_provider",
    "dim_organization",
    "dim_payer",
    "dim_diagnosis",
    "dim_procedure",
    "dim_medication",
    "dim_date",
    "fact_encounters",
    "fact_conditions",
    "fact_procedures",
    "fact_medications",
    "fact_claims",
    "fact_member_months",
];

/// Builds the star schema from bronze. `as_of` is the reference day; `None`
/// means the last event day in the data.
pub fn conform(bronze: &Bronze, as_of: Option<Day>) -> Result<Silver> {
    conform_with(bronze, as_of, &InTurn)
}

/// [`conform`], with the pieces that do not read each other's results run
/// by `join`: the fact files (see `facts::build`), then the fact tables, the
/// patient dimension and the member months. The result is the same for
/// every [`Join`].
pub fn conform_with<J: Join>(bronze: &Bronze, as_of: Option<Day>, join: &J) -> Result<Silver> {
    let mut cleaning = Vec::new();
    let references = dims::references(bronze, &mut cleaning)?;
    let patients = dims::PatientIndex::build(bronze, &mut cleaning)?;
    let codes = dims::codes(bronze)?;
    let facts = facts::build(bronze, &references, &patients, &codes, &mut cleaning, join)?;
    let as_of = as_of.map_or_else(
        || {
            facts
                .late_days
                .last_day
                .unwrap_or_else(|| patients.last_birth_day())
        },
        Day::days,
    );
    let late_days = facts.late_days.clone();
    let first_fact_day = facts.first_day;
    let (fact_tables, (dim_patient, (member_months, first_month, last_month))) = join.try_join(
        || facts.finish(as_of),
        || {
            join.try_join(
                || patients.table(as_of),
                || {
                    // The table, and the months it spans.
                    let months = member_months::build(bronze, &references, &patients, as_of);
                    let (first, last) = months.months_spanned();
                    Ok((months.table()?, first, last))
                },
            )
        },
    )?;
    // The calendar spans every day a fact points at, member months included,
    // in whole years (a date table that starts or ends mid-year breaks
    // year-to-date and same-period-last-year figures in BI tools).
    let first_day = first_fact_day.into_iter().chain(first_month).min();
    let last_day = late_days.last_day.into_iter().chain(last_month).max();
    let first_day = first_day.map(|d| dates::days_from_civil(dates::civil_from_days(d).0, 1, 1));
    let last_day = last_day.map(|d| dates::days_from_civil(dates::civil_from_days(d).0, 12, 31));
    let dim_date = dims::date_table(first_day, last_day)?;
    let mut tables = vec![dim_patient];
    tables.extend(references.tables);
    tables.extend(codes.tables);
    tables.push(dim_date);
    tables.extend(fact_tables);
    tables.push(member_months);
    Ok(Silver {
        tables,
        as_of: Day::from_days(as_of),
        cleaning,
        late_days,
    })
}
