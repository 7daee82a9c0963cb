//! Member months as gold reads them: `fact_member_months` counted by
//! month and payer.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;

use super::columns;
use crate::dates;
use crate::silver::Silver;
use crate::table::int;

/// Member months by (first day of the month, payer key).
///
/// Counted by the raw (month key, payer key) first, in a hash map (a few
/// thousand keys for millions of rows), and the keys turned into days and
/// ordered once: a `BTreeMap` entry per row was most of gold's time.
pub(super) fn by_month_and_payer(silver: &Silver) -> BTreeMap<(i32, Option<i64>), i64> {
    let facts = columns(silver, "fact_member_months");
    // Read in place: a million member months or more.
    let (payer, month) = (facts.int_array("payer_key"), facts.int_array("month_key"));
    let mut counts: HashMap<(i64, Option<i64>), i64> = HashMap::default();
    for i in 0..facts.len() {
        if let Some(month) = int(month, i) {
            *counts.entry((month, int(payer, i))).or_default() += 1;
        }
    }
    let mut out: BTreeMap<(i32, Option<i64>), i64> = BTreeMap::new();
    for ((month, payer), n) in counts {
        if let Some(day) = dates::day_of_key(month) {
            *out.entry((day, payer)).or_default() += n;
        }
    }
    out
}

/// The year of a day.
pub(super) fn year_of_day(day: i32) -> i64 {
    i64::from(dates::civil_from_days(day).0)
}
