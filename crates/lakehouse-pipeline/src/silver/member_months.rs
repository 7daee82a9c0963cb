//! `fact_member_months`: one row per patient and calendar month with
//! coverage, the denominator of PMPM and of rates per 1,000 member-years.
//! The rules are docs/metrics.md's "Member months".

use super::dims::{PatientIndex, References};
use crate::bronze::Bronze;
use crate::bronze::rows::Rows;
use crate::dates;
use crate::error::Result;
use crate::silver::keys::Last;
use crate::table::{Table, TableBuilder};
use arrow_buffer::NullBufferBuilder;

/// `fact_member_months` as it is built: its four columns, side by side,
/// written straight into the vectors the table's arrays take over. (Rows
/// of a struct, copied into columns at the end, held both at once: 28 MB
/// of rows beside a 37 MB table at ×100.)
#[derive(Debug)]
pub(crate) struct MemberMonths {
    patient_key: Vec<i64>,
    /// The payer key; 0 where there is none (a null, below).
    payer_key: Vec<i64>,
    /// Which months have a payer (allocated at the first that has none).
    payer_nulls: NullBufferBuilder,
    /// The month's `dim_date` key (its first day).
    month_key: Vec<i64>,
    /// Days of the month the assigned payer covers (1 to 31).
    covered_days: Vec<i64>,
}

impl MemberMonths {
    fn with_capacity(rows: usize) -> Self {
        Self {
            patient_key: Vec::with_capacity(rows),
            payer_key: Vec::with_capacity(rows),
            payer_nulls: NullBufferBuilder::new(rows),
            month_key: Vec::with_capacity(rows),
            covered_days: Vec::with_capacity(rows),
        }
    }

    /// A month of coverage; `month` is its ordinal ([`ordinal`]).
    fn push(&mut self, patient_key: i64, payer_key: Option<i64>, month: i64, covered_days: i32) {
        self.patient_key.push(patient_key);
        self.payer_key.push(payer_key.unwrap_or(0));
        self.payer_nulls.append(payer_key.is_some());
        self.month_key.push(month_key(month));
        self.covered_days.push(i64::from(covered_days));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.patient_key.len()
    }

    /// Gives back the capacity reserved beyond the rows.
    fn shrink_to_fit(&mut self) {
        for column in [
            &mut self.patient_key,
            &mut self.payer_key,
            &mut self.month_key,
            &mut self.covered_days,
        ] {
            column.shrink_to_fit();
        }
    }

    /// The first days of the first and last months, if any (date keys sort
    /// as their days do).
    pub(crate) fn months_spanned(&self) -> (Option<i32>, Option<i32>) {
        let day = |key: Option<&i64>| key.and_then(|&key| dates::day_of_key(key));
        (
            day(self.month_key.iter().min()),
            day(self.month_key.iter().max()),
        )
    }

    /// `fact_member_months`; its arrays take over the vectors.
    pub(crate) fn table(mut self) -> Result<Table> {
        TableBuilder::new()
            .int_vec("patient_key", self.patient_key)
            .int_opt_vec("payer_key", self.payer_key, self.payer_nulls.finish())
            .int_vec("month_key", self.month_key)
            .int_vec("covered_days", self.covered_days)
            .finish("fact_member_months")
    }
}

/// A patient's coverage by one payer: whole days, both ends included, and the
/// start of the latest period that went into it (the tie-break).
#[derive(Clone, Copy, Debug)]
struct Span {
    first: i32,
    last: i32,
    latest_start: i32,
}

/// Merges one payer's periods so that overlapping days count once.
fn merged(spans: &mut [Span]) -> Vec<Span> {
    spans.sort_by_key(|s| (s.first, s.last));
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for &s in spans.iter() {
        match out.last_mut() {
            Some(last) if s.first <= last.last => {
                last.last = last.last.max(s.last);
                last.latest_start = last.latest_start.max(s.latest_start);
            }
            _ => out.push(s),
        }
    }
    out
}

/// A month's ordinal (12 × year + month − 1) and the first day of the month
/// of an ordinal.
fn ordinal(day: i32) -> i64 {
    let (y, m, _) = dates::civil_from_days(day);
    i64::from(y) * 12 + i64::from(m) - 1
}

/// The `dim_date` key (`yyyymm01`) of a month's ordinal, straight from its
/// year and month: the day count in between (`date_key` of the first day)
/// took two calendar conversions a member month, 3.4 million at ×300.
fn month_key(ordinal: i64) -> i64 {
    let (y, m) = (ordinal.div_euclid(12), ordinal.rem_euclid(12) + 1);
    y * 10_000 + m * 100 + 1
}

/// One coverage period: the patient key, the payer key (`None`: a payer
/// not in `dim_payer`) and its days.
type Period = (i64, Option<i64>, Span);

/// Buffers [`months_of`] reuses from one patient to the next, by month
/// (its ordinal less the patient's first): days covered, latest start, and
/// for `best` the payer. A month with 0 days is not covered.
#[derive(Default)]
struct Scratch {
    best: Vec<(i32, i32, Option<i64>)>,
    by_month: Vec<(i32, i32)>,
    spans: Vec<Span>,
}

/// The member months of one patient, from their coverage periods (already
/// clipped to life and `as_of`; all of one patient, sorted by payer key):
/// each month goes to the payer with the most covered days, a tie to the
/// period that starts later, then to the lower payer key.
///
/// Months are slots of a vector from the patient's first month to their
/// last, not map entries: a map entry per month and payer was most of the
/// time member months took.
fn months_of(periods: &[Period], scratch: &mut Scratch, out: &mut MemberMonths) {
    let Some(&(patient_key, _, _)) = periods.first() else {
        return;
    };
    let (first, len) = month_span(periods);
    let best = &mut scratch.best;
    best.clear();
    best.resize(len, (0, i32::MIN, None));
    for payer_periods in periods.chunk_by(|a, b| a.1 == b.1) {
        let payer = payer_periods[0].1;
        let by_month = &mut scratch.by_month;
        by_month.clear();
        by_month.resize(len, (0, i32::MIN));
        scratch.spans.clear();
        scratch.spans.extend(payer_periods.iter().map(|p| p.2));
        for span in merged(&mut scratch.spans) {
            // The calendar is converted once per span; each month after
            // the first follows from the one before.
            let (mut year, mut number, _) = dates::civil_from_days(span.first);
            let mut month = dates::days_from_civil(year, number, 1);
            let mut slot = (i64::from(year) * 12 + i64::from(number) - 1 - first) as usize;
            while month <= span.last {
                let end = month + dates::days_in_month(year, number) as i32 - 1;
                let days = span.last.min(end) - span.first.max(month) + 1;
                let entry = &mut by_month[slot];
                entry.0 += days;
                entry.1 = entry.1.max(span.latest_start);
                month = end + 1;
                (year, number) = if number == 12 {
                    (year + 1, 1)
                } else {
                    (year, number + 1)
                };
                slot += 1;
            }
        }
        for (b, &(days, latest)) in best.iter_mut().zip(by_month.iter()) {
            // Payers come in ascending key order: a later one wins only on
            // more days or, on equal days, a later start.
            if days > 0 && (b.0 == 0 || (days, latest) > (b.0, b.1)) {
                *b = (days, latest, payer);
            }
        }
    }
    for (slot, &(covered_days, _, payer)) in best.iter().enumerate() {
        if covered_days > 0 {
            out.push(patient_key, payer, first + slot as i64, covered_days);
        }
    }
}

/// The ordinal of a patient's first month with coverage, and the months
/// from it to their last: the most member months they can have.
fn month_span(periods: &[Period]) -> (i64, usize) {
    let first = periods
        .iter()
        .map(|p| ordinal(p.2.first))
        .min()
        .unwrap_or(0);
    let last = periods.iter().map(|p| ordinal(p.2.last)).max().unwrap_or(0);
    (first, (last - first + 1).max(0) as usize)
}

/// The member months of every patient, in (patient, month) order.
pub(crate) fn build(
    bronze: &Bronze,
    references: &References<'_>,
    patients: &PatientIndex<'_>,
    as_of: i32,
) -> MemberMonths {
    let rows = Rows::of(bronze, "payer_transitions");
    let c = |n: &str| rows.col(n);
    let (patient, start, end, payer) = (c("PATIENT"), c("START_DATE"), c("END_DATE"), c("PAYER"));
    let mut periods: Vec<Period> = Vec::new();
    // A patient's periods follow each other (`Last`).
    let mut patient_key = Last::new();
    for row in rows.all() {
        let Some(key) = patient_key.get(rows.text(row, patient), |id| patients.keys.get(id)) else {
            continue;
        };
        let Some(first) = rows.timestamp(row, start).map(dates::day_of_timestamp) else {
            continue;
        };
        let index = key as usize - 1;
        // Covered from birth, to death, to as_of; an open end runs to as_of.
        let first_day = patients.birth[index].map_or(first, |b| first.max(b));
        let mut last_day = rows
            .timestamp(row, end)
            .map_or(as_of, dates::day_of_timestamp)
            .min(as_of);
        if let Some(death) = patients.death[index] {
            last_day = last_day.min(death);
        }
        if last_day < first_day {
            continue;
        }
        let span = Span {
            first: first_day,
            last: last_day,
            latest_start: first,
        };
        periods.push((key, references.payer_key(rows.text(row, payer)), span));
    }
    // By patient, then payer (no payer first); stable, though the order of a
    // payer's periods does not matter (`merged` sorts them).
    periods.sort_by_key(|p| (p.0, p.1));
    // Sized once, for every month from each patient's first to their last
    // (all of them but the gaps in coverage), and fitted after.
    let most: usize = periods
        .chunk_by(|a, b| a.0 == b.0)
        .map(|p| month_span(p).1)
        .sum();
    let (mut scratch, mut out) = (Scratch::default(), MemberMonths::with_capacity(most));
    for patient_periods in periods.chunk_by(|a, b| a.0 == b.0) {
        months_of(patient_periods, &mut scratch, &mut out);
    }
    out.shrink_to_fit();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> i32 {
        dates::days_from_civil(y, m, d)
    }

    fn span(first: i32, last: i32) -> Span {
        Span {
            first,
            last,
            latest_start: first,
        }
    }

    fn months(periods: &[(Option<i64>, i32, i32)]) -> Vec<(i64, Option<i64>, i64)> {
        let mut periods: Vec<Period> = periods
            .iter()
            .map(|(payer, first, last)| (1, *payer, span(*first, *last)))
            .collect();
        periods.sort_by_key(|p| p.1);
        let mut out = MemberMonths::with_capacity(0);
        months_of(&periods, &mut Scratch::default(), &mut out);
        (0..out.len())
            .map(|i| {
                let payer = out.payer_nulls.is_valid(i).then_some(out.payer_key[i]);
                (out.month_key[i], payer, out.covered_days[i])
            })
            .collect()
    }

    /// A month's key from its ordinal is the key of its first day.
    #[test]
    fn month_keys_are_the_first_days_keys() {
        for year in [
            -1, 0, 1, 1600, 1899, 1900, 1970, 1999, 2000, 2024, 2100, 9999,
        ] {
            for month in 1..=12 {
                let first = day(year, month, 1);
                assert_eq!(month_key(ordinal(first)), dates::date_key(first));
                // Any day of the month has the month's ordinal.
                let last = first + dates::days_in_month(year, month) as i32 - 1;
                assert_eq!(ordinal(last), ordinal(first));
            }
        }
    }

    #[test]
    fn a_mid_month_switch_goes_to_the_payer_with_more_days() {
        // June has 30 days: payer 1 covers 1–15 (15 days), payer 2 16–30 (15).
        // In July payer 2 covers all 31. In August: 1 covers 1–16, 2 17–31.
        let got = months(&[
            (Some(1), day(2020, 6, 1), day(2020, 6, 15)),
            (Some(2), day(2020, 6, 16), day(2020, 7, 31)),
            (Some(1), day(2020, 8, 1), day(2020, 8, 16)),
            (Some(2), day(2020, 8, 17), day(2020, 8, 31)),
        ]);
        assert_eq!(
            got,
            vec![
                // A 15–15 tie: payer 2's period starts later.
                (20200601, Some(2), 15),
                (20200701, Some(2), 31),
                // 16 days against 15.
                (20200801, Some(1), 16),
            ]
        );
    }

    #[test]
    fn overlapping_periods_of_one_payer_count_each_day_once() {
        // 1–20 March and 10–31 March: 31 days, not 42.
        let got = months(&[
            (Some(3), day(2021, 3, 1), day(2021, 3, 20)),
            (Some(3), day(2021, 3, 10), day(2021, 3, 31)),
        ]);
        assert_eq!(got, vec![(20210301, Some(3), 31)]);
    }

    #[test]
    fn uninsured_and_unknown_payers_are_members_too() {
        let got = months(&[(None, day(2019, 2, 27), day(2019, 3, 1))]);
        assert_eq!(got, vec![(20190201, None, 2), (20190301, None, 1)]);
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        /// Whatever the periods: one payer per month, at least one and at
        /// most all of its days covered, and no month outside the periods.
        #[test]
        fn one_payer_per_month_within_the_periods(
            periods in proptest::collection::vec((0..4i64, 0..2000i32, 0..400i32), 1..12)
        ) {
            let periods: Vec<(Option<i64>, i32, i32)> = periods
                .into_iter()
                .map(|(p, first, len)| ((p > 0).then_some(p), 18_000 + first, 18_000 + first + len))
                .collect();
            let got = months(&periods);
            let first = periods.iter().map(|p| dates::month_start(p.1)).min().unwrap();
            let last = periods.iter().map(|p| p.2).max().unwrap();
            let mut seen = std::collections::BTreeSet::new();
            for (key, _, days) in &got {
                proptest::prop_assert!(seen.insert(*key), "two payers in one month");
                let (y, m) = ((key / 10_000) as i32, (key / 100 % 100) as u32);
                let start = dates::days_from_civil(y, m, 1);
                proptest::prop_assert!(start >= first && start <= last);
                proptest::prop_assert!(*days >= 1 && *days <= i64::from(dates::days_in_month(y, m)));
            }
        }
    }

    #[test]
    fn the_table_takes_the_columns_with_no_payer_as_null() {
        use arrow_array::Array;
        use arrow_array::cast::AsArray;
        use arrow_array::types::Int64Type;

        let mut months = MemberMonths::with_capacity(3);
        months.push(7, Some(2), ordinal(day(2020, 6, 1)), 30);
        months.push(7, None, ordinal(day(2020, 7, 1)), 12);
        months.push(8, Some(1), ordinal(day(2019, 1, 1)), 31);
        assert_eq!(
            months.months_spanned(),
            (Some(day(2019, 1, 1)), Some(day(2020, 7, 1)))
        );
        let table = months.table().unwrap();
        let batch = &table.batch;
        let column = |name: &str| {
            batch
                .column_by_name(name)
                .unwrap()
                .as_primitive::<Int64Type>()
        };
        assert_eq!(column("patient_key").values().as_ref(), [7, 7, 8]);
        assert_eq!(
            column("month_key").values().as_ref(),
            [20200601, 20200701, 20190101]
        );
        assert_eq!(column("covered_days").values().as_ref(), [30, 12, 31]);
        let payer = column("payer_key");
        assert_eq!(payer.iter().collect::<Vec<_>>(), [Some(2), None, Some(1)]);
        let nullable: Vec<bool> = batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.is_nullable())
            .collect();
        assert_eq!(nullable, [false, true, false, false]);
        // With every month paid for: nullable still, and no null buffer.
        let mut months = MemberMonths::with_capacity(1);
        months.push(1, Some(1), ordinal(day(2020, 1, 1)), 31);
        let table = months.table().unwrap();
        assert!(table.batch.column(1).nulls().is_none());
        assert!(table.batch.schema().field(1).is_nullable());
    }
}
