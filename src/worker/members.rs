//! The dashboard's payer figures: member months and prescriptions, next to
//! the encounters `Dashboard` packs, so that PMPM and rates per 1,000 follow
//! the filters (docs/metrics.md).
//!
//! The denominator, member months, follows the filters on the member: the
//! patient filters, the payer and the date range (a month counts when it
//! overlaps the range). The encounter filters (class, organization,
//! provider) narrow the numerators only: "inpatient PMPM" is inpatient
//! cost over every member month, as payers report it.

use std::collections::HashMap;

use lakehouse_pipeline::dates;
use lakehouse_pipeline::gold::money;
use lakehouse_pipeline::table::{Columns, Table};

use crate::protocol::Bar;

/// "No value" in a dense index column.
const NONE: u32 = u32::MAX;

/// Member months and prescriptions, packed.
#[derive(Default)]
pub(super) struct Members {
    /// Per member month: patient row, payer index, first day, month index.
    patient: Vec<u32>,
    payer: Vec<u32>,
    day: Vec<i32>,
    month: Vec<u32>,
    /// Per prescription: patient row, payer index, encounter row, start
    /// day, month index, payer coverage (paid).
    med_patient: Vec<u32>,
    med_payer: Vec<u32>,
    pub(super) med_encounter: Vec<u32>,
    med_day: Vec<i32>,
    med_month: Vec<u32>,
    med_paid: Vec<f64>,
    /// Per payer index: its rank by member months over all members (0 =
    /// most), which orders and colours its line the same under any filter.
    payer_rank: Vec<u32>,
}

/// The dashboard's dense indexes the member rows are packed against.
pub(super) struct Indexes<'a> {
    pub(super) patient_row: &'a HashMap<i64, u32>,
    pub(super) encounter_row: &'a HashMap<i64, u32>,
    /// Payer key (`None` for a null key) → payer index.
    pub(super) payer_index: &'a HashMap<Option<i64>, u32>,
    /// The months of the monthly charts, `YYYY-MM`, sorted.
    pub(super) months: &'a [String],
}

/// What the filters let through, for [`Members::figures`].
pub(super) struct Pass<'a> {
    /// Whether patient row `p` passes every patient filter.
    pub(super) patient: &'a dyn Fn(u32) -> bool,
    /// Whether payer index `i` passes the payer filter.
    pub(super) payer: &'a dyn Fn(u32) -> bool,
    /// Whether encounter row `r` passes the encounter filters; `None` when
    /// none is on.
    pub(super) encounter: Option<&'a dyn Fn(u32) -> bool>,
    pub(super) from: Option<i32>,
    pub(super) to: Option<i32>,
}

/// The payer figures of one view.
#[derive(Default)]
pub(super) struct PayerFigures {
    pub(super) member_months: u64,
    /// Medical and pharmacy paid.
    pub(super) medical_paid: f64,
    pub(super) pharmacy_paid: f64,
    /// Per payer index: member months and paid.
    pub(super) by_payer: Vec<(u64, f64)>,
    /// Per payer index and month index: member months and paid.
    pub(super) by_payer_month: Vec<Vec<(u32, f64)>>,
    /// Inpatient admissions, in all and per payer index.
    pub(super) admissions: u64,
    admissions_by_payer: Vec<u64>,
}

fn month_index(months: &[String], day: i32) -> u32 {
    months
        .binary_search(&dates::year_month(day))
        .map_or(NONE, |i| i as u32)
}

fn dense(values: Vec<Option<i64>>, index: &HashMap<i64, u32>) -> Vec<u32> {
    values
        .into_iter()
        .map(|v| v.and_then(|k| index.get(&k).copied()).unwrap_or(NONE))
        .collect()
}

impl Members {
    /// Packs `fact_member_months` and `fact_medications`.
    pub(super) fn new(
        member_months: Option<&Table>,
        medications: Option<&Table>,
        ix: &Indexes<'_>,
    ) -> Self {
        let payer = |values: Vec<Option<i64>>| -> Vec<u32> {
            values
                .into_iter()
                .map(|k| ix.payer_index.get(&k).copied().unwrap_or(NONE))
                .collect()
        };
        let m = Columns::new(member_months);
        let day: Vec<i32> = m
            .ints("month_key")
            .into_iter()
            .map(|k| k.and_then(dates::day_of_key).unwrap_or(i32::MIN))
            .collect();
        let rx = Columns::new(medications);
        let med_day: Vec<i32> = rx
            .timestamps("start_ts")
            .into_iter()
            .map(|t| t.map_or(i32::MIN, dates::day_of_timestamp))
            .collect();
        let payers = payer(m.ints("payer_key"));
        let mut totals: Vec<(u32, usize)> = Vec::new();
        for &p in payers.iter().filter(|&&p| p != NONE) {
            if totals.len() <= p as usize {
                totals.resize(p as usize + 1, (0, 0));
            }
            totals[p as usize].0 += 1;
        }
        let mut order: Vec<usize> = (0..totals.len()).collect();
        order.sort_by(|&a, &b| totals[b].0.cmp(&totals[a].0).then(a.cmp(&b)));
        let mut payer_rank = vec![NONE; totals.len()];
        for (rank, &p) in order.iter().enumerate() {
            payer_rank[p] = rank as u32;
        }
        Self {
            patient: dense(m.ints("patient_key"), ix.patient_row),
            payer: payers,
            month: day.iter().map(|d| month_index(ix.months, *d)).collect(),
            day,
            med_patient: dense(rx.ints("patient_key"), ix.patient_row),
            med_payer: payer(rx.ints("payer_key")),
            med_encounter: dense(rx.ints("encounter_key"), ix.encounter_row),
            med_month: med_day.iter().map(|d| month_index(ix.months, *d)).collect(),
            med_day,
            med_paid: rx
                .floats("payer_coverage")
                .into_iter()
                .map(|v| v.unwrap_or(0.0))
                .collect(),
            payer_rank,
        }
    }

    /// Member months and pharmacy paid through the filters, with the
    /// medical paid the caller adds per (payer, month).
    pub(super) fn figures(&self, pass: &Pass<'_>, payers: usize, months: usize) -> PayerFigures {
        let mut f = PayerFigures {
            by_payer: vec![(0, 0.0); payers],
            by_payer_month: vec![vec![(0, 0.0); months]; payers],
            admissions_by_payer: vec![0; payers],
            ..PayerFigures::default()
        };
        let in_range = |first: i32, last: i32| {
            pass.from.is_none_or(|from| last >= from) && pass.to.is_none_or(|to| first <= to)
        };
        for i in 0..self.patient.len() {
            let (p, payer, day) = (self.patient[i], self.payer[i], self.day[i]);
            if p == NONE || !(pass.patient)(p) || !(pass.payer)(payer) {
                continue;
            }
            let (y, m, _) = dates::civil_from_days(day);
            if !in_range(day, day + dates::days_in_month(y, m) as i32 - 1) {
                continue;
            }
            f.member_months += 1;
            if payer != NONE {
                f.by_payer[payer as usize].0 += 1;
                if self.month[i] != NONE {
                    f.by_payer_month[payer as usize][self.month[i] as usize].0 += 1;
                }
            }
        }
        for i in 0..self.med_patient.len() {
            let (p, payer) = (self.med_patient[i], self.med_payer[i]);
            if p == NONE || !(pass.patient)(p) || !(pass.payer)(payer) {
                continue;
            }
            if !in_range(self.med_day[i], self.med_day[i]) {
                continue;
            }
            if let Some(encounter) = pass.encounter {
                let e = self.med_encounter[i];
                if e == NONE || !encounter(e) {
                    continue;
                }
            }
            f.pharmacy_paid += self.med_paid[i];
            f.add_paid(payer, self.med_month[i], self.med_paid[i]);
        }
        f
    }
}

impl PayerFigures {
    /// Adds an encounter's amount paid under `payer` in month `month`.
    pub(super) fn add_medical(&mut self, payer: u32, month: u32, paid: f64) {
        self.medical_paid += paid;
        self.add_paid(payer, month, paid);
    }

    /// Adds an amount paid to its payer's and month's sums.
    fn add_paid(&mut self, payer: u32, month: u32, paid: f64) {
        if payer != NONE {
            self.by_payer[payer as usize].1 += paid;
            if month != NONE {
                self.by_payer_month[payer as usize][month as usize].1 += paid;
            }
        }
    }

    /// Paid per member month; `None` without members. The amounts are
    /// rounded to cents as gold rounds them (docs/metrics.md, "Money").
    pub(super) fn pmpm(&self) -> Option<f64> {
        let paid = money::sum(
            money::cents(self.medical_paid),
            money::cents(self.pharmacy_paid),
        )?;
        (self.member_months > 0).then(|| paid / self.member_months as f64)
    }

    /// Adds an inpatient admission under `payer`.
    pub(super) fn add_admission(&mut self, payer: u32) {
        self.admissions += 1;
        if payer != NONE {
            self.admissions_by_payer[payer as usize] += 1;
        }
    }

    /// Admissions per 1,000 member-years; `None` without members.
    pub(super) fn admits_per_1000(&self) -> Option<f64> {
        (self.member_months > 0)
            .then(|| self.admissions as f64 * 12_000.0 / self.member_months as f64)
    }

    /// PMPM per payer with members, highest first.
    pub(super) fn pmpm_bars(&self, labels: &[String], limit: usize) -> Vec<Bar> {
        self.per_member_bars(labels, limit, |i| self.by_payer[i].1)
    }

    /// Admissions per 1,000 member-years per payer with members, highest first.
    pub(super) fn admits_per_1000_bars(&self, labels: &[String], limit: usize) -> Vec<Bar> {
        self.per_member_bars(labels, limit, |i| {
            self.admissions_by_payer[i] as f64 * 12_000.0
        })
    }

    /// `amount(payer)` ÷ the payer's member months, for each payer with
    /// members, highest first (then by payer order).
    fn per_member_bars(
        &self,
        labels: &[String],
        limit: usize,
        amount: impl Fn(usize) -> f64,
    ) -> Vec<Bar> {
        let mut bars: Vec<(usize, f64)> = self
            .by_payer
            .iter()
            .enumerate()
            .filter(|(_, (mm, _))| *mm > 0)
            .map(|(i, (mm, _))| (i, amount(i) / *mm as f64))
            .collect();
        bars.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        bars.into_iter()
            .take(limit)
            .map(|(i, value)| Bar {
                label: labels[i].clone(),
                value,
            })
            .collect()
    }

    /// PMPM by month for the payers with the most member months (at most
    /// `limit`), over the months `shown`; a month without members is a gap
    /// (`None`), not 0.
    /// Paid per member month of every payer together, per month of
    /// `shown` (`None` where the month has no members).
    pub(super) fn pmpm_by_month(&self, shown: &[usize]) -> Vec<Option<f64>> {
        shown
            .iter()
            .map(|&m| {
                let (mm, paid) = self
                    .by_payer_month
                    .iter()
                    .fold((0u64, 0.0), |(mm, paid), months| {
                        (mm + u64::from(months[m].0), paid + months[m].1)
                    });
                (mm > 0).then(|| paid / mm as f64)
            })
            .collect()
    }

    pub(super) fn pmpm_series(
        &self,
        members: &Members,
        labels: &[String],
        shown: &[usize],
        limit: usize,
    ) -> Vec<(String, u8, Vec<Option<f64>>)> {
        // The payers with the most member months overall, among those with
        // members under the filter: the same lines in the same colours
        // (their overall rank) whatever the filter.
        let rank = |i: usize| members.payer_rank.get(i).copied().unwrap_or(NONE);
        let mut order: Vec<usize> = (0..self.by_payer.len())
            .filter(|&i| self.by_payer[i].0 > 0)
            .collect();
        order.sort_by_key(|&i| (rank(i), i));
        order
            .into_iter()
            .take(limit)
            .map(|i| {
                let values = shown
                    .iter()
                    .map(|&m| {
                        let (mm, paid) = self.by_payer_month[i][m];
                        (mm > 0).then(|| paid / f64::from(mm))
                    })
                    .collect();
                (labels[i].clone(), rank(i).min(255) as u8, values)
            })
            .collect()
    }
}
