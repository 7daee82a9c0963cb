//! The facts: encounters (with length of stay, age and 30-day readmission
//! flags), conditions, procedures, medications and claims. One module per
//! table, each with its row type, how it is read from bronze and how it is
//! written; this file holds what they share and the order they run in.

mod claims;
mod conditions;
mod encounters;
mod medications;
mod procedures;

use super::CleaningStats;
use super::dims::{Codes, PatientIndex, References};
use super::keys::KeyMap;
use crate::bronze::Bronze;
use crate::bronze::rows::{Canonical, Col, RowId, Rows};
use crate::dates::{self, MICROS_PER_DAY};
use crate::error::Result;
use crate::join::Join;
use crate::order::text_prefix;
use crate::table::Table;

pub use encounters::READMISSION_WINDOW_MICROS;

/// What every fact reader needs: bronze, the dimensions' keys, the
/// encounters' keys (once encounters are read), and where to note the days
/// it meets and what cleaning dropped.
struct Context<'a, 'r> {
    bronze: &'a Bronze,
    references: &'r References<'a>,
    patients: &'r PatientIndex<'a>,
    codes: &'r Codes<'a>,
    encounter_keys: &'r KeyMap<'a>,
    days: DayRange,
    cleaning: Vec<CleaningStats>,
}

impl<'a, 'r> Context<'a, 'r> {
    /// A context for readers that run apart from this one: the same
    /// dimensions, these encounter keys, and days and cleaning of its own
    /// (joined back by [`Context::absorb`]).
    fn fork(&self, encounter_keys: &'r KeyMap<'a>) -> Self {
        Self {
            bronze: self.bronze,
            references: self.references,
            patients: self.patients,
            codes: self.codes,
            encounter_keys,
            days: DayRange::default(),
            cleaning: Vec::new(),
        }
    }

    /// Takes in what a forked context saw, after what this one saw.
    fn absorb(&mut self, other: Self) {
        self.days.merge(other.days);
        self.cleaning.extend(other.cleaning);
    }

    /// Notes the exact duplicates dropped from an event file (no ids).
    fn cleaned(&mut self, file: &'static str, exact_duplicates: u64) {
        self.cleaning.push(CleaningStats {
            file,
            exact_duplicates,
            merged_duplicate_ids: 0,
            repeated_ids: Vec::new(),
        });
    }

    /// Notes an event's start and stop days.
    fn saw(&mut self, start: i32, stop: Option<i32>) {
        self.days.add(start);
        if let Some(s) = stop {
            self.days.add(s);
        }
    }
}

/// The fact rows, before the reference day is known.
pub(crate) struct Facts<'a> {
    encounters: Vec<encounters::Encounter<'a>>,
    conditions: Vec<conditions::Condition>,
    procedures: Vec<procedures::Procedure<'a>>,
    medications: Vec<medications::Medication<'a>>,
    /// `fact_claims`, written as soon as it is read: unlike the other
    /// facts, nothing in it depends on `as_of`, and its rows are the
    /// largest to hold.
    claims: Table,
    /// The earliest day any fact date key points at.
    pub(crate) first_day: Option<i32>,
    /// The last event day that is not a far-future outlier, and the days
    /// after it.
    pub(crate) late_days: LateDays,
}

/// Event days far after the rest of the data (a typo such as 3000-01-01):
/// they must not move the default `as_of`, nor stretch `dim_date`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LateDays {
    /// Event dates looked at (every fact start, stop and service date).
    pub checked: u64,
    /// Those after the last day kept.
    pub failed: u64,
    /// The latest event day kept: the default `as_of`, and the end of the
    /// calendar's span (`None` without events).
    pub last_day: Option<i32>,
    /// The late days, earliest first.
    pub days: Vec<i32>,
}

fn day(micros: i64) -> i32 {
    dates::day_of_timestamp(micros)
}

fn key_of_day(d: Option<i32>) -> Option<i64> {
    d.map(dates::date_key)
}

fn out_of_pocket(total: Option<f64>, covered: Option<f64>) -> Option<f64> {
    total.map(|t| t - covered.unwrap_or(0.0))
}

fn days_between(start: i64, stop: i64) -> f64 {
    (stop - start) as f64 / MICROS_PER_DAY as f64
}

/// The columns every event file (conditions, procedures, medications)
/// has; `system` is absent from medications (RxNorm) and reads as empty.
struct EventColumns {
    start: Col,
    stop: Col,
    patient: Col,
    encounter: Col,
    system: Col,
    code: Col,
}

impl EventColumns {
    fn of(rows: &Rows<'_>) -> Self {
        let c = |n: &str| rows.col(n);
        Self {
            start: c("START"),
            stop: c("STOP"),
            patient: c("PATIENT"),
            encounter: c("ENCOUNTER"),
            system: c("SYSTEM"),
            code: c("CODE"),
        }
    }
}

/// An event row's place in the canonical fact order: patient, start, code,
/// encounter.
type EventKey<'a, S> = (&'a str, S, &'a str, &'a str);

/// Event rows in the canonical fact order: by their key, then (two events
/// alike in it) by their bronze rows' canonical order, so the order never
/// depends on the input's.
///
/// The sort moves (patient id prefix, position) pairs, and follows a
/// position to its row only when two prefixes tie (mostly two events of
/// one patient); the rows are then put in that order in place (see
/// `crate::order`).
fn in_event_order<S: Ord, T>(
    mut rows: Vec<(EventKey<'_, S>, RowId, T)>,
    canonical: &Canonical<'_>,
) -> Vec<T> {
    let mut order: Vec<(u64, usize)> = rows
        .iter()
        .enumerate()
        .map(|(at, row)| (text_prefix(row.0.0), at))
        .collect();
    order.sort_unstable_by(|a, b| {
        a.0.cmp(&b.0).then_with(|| {
            let (a, b) = (&rows[a.1], &rows[b.1]);
            a.0.cmp(&b.0).then_with(|| canonical.cmp(a.1, b.1))
        })
    });
    let mut order: Vec<usize> = order.into_iter().map(|(_, at)| at).collect();
    crate::order::apply(&mut rows, &mut order);
    rows.into_iter().map(|(_, _, row)| row).collect()
}

/// How many events fall on each day.
#[derive(Default)]
struct DayRange {
    first: Option<i32>,
    counts: rustc_hash::FxHashMap<i32, u64>,
}

/// A day more than this many days (ten years) after every other event day
/// is an outlier, when few events fall after the gap (see `late_days`).
/// Ten years, because a small export's own gaps are real: Synthea's adult
/// wellness visits come one to three years apart.
pub const LATE_GAP_DAYS: i32 = 3652;

/// At most this many events, or one in a thousand if that is more, may
/// fall after the gap for it to mark them as late.
pub const LATE_MIN_EVENTS: u64 = 10;

impl DayRange {
    fn add(&mut self, day: i32) {
        self.first = Some(self.first.map_or(day, |f| f.min(day)));
        *self.counts.entry(day).or_default() += 1;
    }

    /// Adds another range's days (the counts add, so the order of merging
    /// does not matter).
    fn merge(&mut self, other: DayRange) {
        if let Some(day) = other.first {
            self.first = Some(self.first.map_or(day, |f| f.min(day)));
        }
        for (day, count) in other.counts {
            *self.counts.entry(day).or_default() += count;
        }
    }

    /// The latest day kept, and the days after it ([`late_days`]).
    fn split(&self) -> LateDays {
        let mut days: Vec<(i32, u64)> = self.counts.iter().map(|(d, c)| (*d, *c)).collect();
        days.sort_unstable_by_key(|d| std::cmp::Reverse(d.0));
        late_days(&days)
    }
}

/// Far-future outliers among event days `(day, events)`, latest first.
/// With `n` events and `k = max(LATE_MIN_EVENTS, n / 1000)`: a gap of more than
/// [`LATE_GAP_DAYS`] between two consecutive days, with at most `k` events
/// after it, marks every day after the gap as late; the latest such gap
/// wins. The day before it is the last event day. The bundle's SQL
/// (`export::databricks::last_event_day_sql`) computes the same.
fn late_days(days: &[(i32, u64)]) -> LateDays {
    let checked: u64 = days.iter().map(|d| d.1).sum();
    let k = (checked / 1000).max(LATE_MIN_EVENTS);
    let mut after = 0u64;
    let mut cut = None;
    for (index, pair) in days.windows(2).enumerate() {
        after += pair[0].1;
        if after > k {
            break;
        }
        if pair[0].0 - pair[1].0 > LATE_GAP_DAYS {
            cut = Some(index + 1);
        }
    }
    let late = &days[..cut.unwrap_or(0)];
    LateDays {
        checked,
        failed: late.iter().map(|d| d.1).sum(),
        last_day: days.get(late.len()).map(|d| d.0),
        days: late.iter().rev().map(|d| d.0).collect(),
    }
}

/// Reads every fact table from bronze. Encounters come first: the other
/// facts take their encounter keys. Then claims (with their transactions,
/// the largest files) are read apart from conditions, procedures and
/// medications, on `join`; what each saw is joined in that order.
pub(crate) fn build<'a, J: Join>(
    bronze: &'a Bronze,
    references: &References<'a>,
    patients: &PatientIndex<'a>,
    codes: &Codes<'a>,
    cleaning: &mut Vec<CleaningStats>,
    join: &J,
) -> Result<Facts<'a>> {
    let no_keys = KeyMap::from_sorted(std::iter::empty());
    let mut context = Context {
        bronze,
        references,
        patients,
        codes,
        encounter_keys: &no_keys,
        days: DayRange::default(),
        cleaning: Vec::new(),
    };
    // The claims' ledger (`claims_transactions`, the largest file) needs no
    // encounter keys: it is summed while the encounters are read.
    let mut lines = context.fork(&no_keys);
    let (encounters, ledger) = join.try_join(
        || encounters::read(&mut context),
        || claims::ledger(&mut lines),
    )?;
    let encounter_keys = KeyMap::from_sorted(encounters.iter().map(|e| e.id));
    let (mut events, mut billing) = (context.fork(&encounter_keys), context.fork(&encounter_keys));
    billing.absorb(lines);
    let ((conditions, procedures, medications), claims) = join.try_join(
        || {
            let conditions = conditions::read(&mut events)?;
            let procedures = procedures::read(&mut events)?;
            Ok((conditions, procedures, medications::read(&mut events)?))
        },
        || claims::write(&claims::read(&mut billing, &ledger, join)?, join),
    )?;
    context.absorb(events);
    context.absorb(billing);
    cleaning.extend(context.cleaning);
    let late_days = context.days.split();
    Ok(Facts {
        encounters,
        conditions,
        procedures,
        medications,
        claims,
        first_day: context.days.first,
        late_days,
    })
}

impl Facts<'_> {
    /// The fact tables, with "active" flags and open durations as of
    /// `as_of`. Each fact's rows are dropped as soon as its table is
    /// written, so that the rows of one and the table of another are not
    /// all held at once.
    pub(crate) fn finish(self, as_of: i32) -> Result<Vec<Table>> {
        let Self {
            encounters,
            conditions,
            procedures,
            medications,
            claims,
            ..
        } = self;
        Ok(vec![
            written(encounters, |e| encounters::write(e, as_of))?,
            written(conditions, |c| conditions::write(c, as_of))?,
            written(procedures, procedures::write)?,
            written(medications, |m| medications::write(m, as_of))?,
            claims,
        ])
    }
}

/// The table `write` makes of `rows`, which are dropped before it returns.
fn written<T>(rows: Vec<T>, write: impl FnOnce(&[T]) -> Result<Table>) -> Result<Table> {
    write(&rows)
}

#[cfg(test)]
mod tests {
    use super::{LATE_GAP_DAYS, late_days};

    #[test]
    fn a_far_future_day_with_few_events_is_late_and_a_real_gap_is_not() {
        // Latest first: 3000-01-01 twice, then a dense history.
        let far = 376_200;
        let mut days = vec![(far, 2)];
        days.extend((0..100).map(|i| (19_000 - i, 5)));
        let late = late_days(&days);
        assert_eq!(late.last_day, Some(19_000));
        assert_eq!((late.checked, late.failed, late.days), (502, 2, vec![far]));
        // Two late clusters: both go, the earlier gap wins.
        days.insert(0, (far + 5_000, 1));
        assert_eq!(late_days(&days).last_day, Some(19_000));
        // A gap shorter than ten years is real data.
        days[0] = (19_000 + LATE_GAP_DAYS, 1);
        days[1] = (19_000 + LATE_GAP_DAYS - 1, 1);
        assert_eq!(late_days(&days).last_day, Some(19_000 + LATE_GAP_DAYS));
        // More than ten events after the gap are not outliers either.
        let crowded = vec![(far, 11), (19_000, 5)];
        assert_eq!(late_days(&crowded).last_day, Some(far));
        assert_eq!(late_days(&[]).last_day, None);
    }
}
