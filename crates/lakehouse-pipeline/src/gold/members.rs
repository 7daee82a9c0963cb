//! Member months as gold reads them: `fact_member_months` counted by
//! month and payer.

use std::collections::BTreeMap;

use super::columns;
use crate::dates;
use crate::silver::Silver;
use crate::table::int;

/// Member months by (first day of the month, payer key).
pub(super) fn by_month_and_payer(silver: &Silver) -> BTreeMap<(i32, Option<i64>), i64> {
    let facts = columns(silver, "fact_member_months");
    // Read in place: a million member months or more.
    let (payer, month) = (facts.int_array("payer_key"), facts.int_array("month_key"));
    let mut out: BTreeMap<(i32, Option<i64>), i64> = BTreeMap::new();
    for i in 0..facts.len() {
        let Some(day) = int(month, i).and_then(dates::day_of_key) else {
            continue;
        };
        *out.entry((day, int(payer, i))).or_default() += 1;
    }
    out
}

/// The year of a day.
pub(super) fn year_of_day(day: i32) -> i64 {
    i64::from(dates::civil_from_days(day).0)
}
