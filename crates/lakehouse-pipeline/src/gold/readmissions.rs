//! `gold_readmissions_monthly`: inpatient discharges, 30-day readmissions
//! and length of stay by discharge month.

use std::collections::BTreeMap;

use super::{Encounters, ratio, year_month};
use crate::error::Result;
use crate::table::{Table, TableBuilder};

/// `gold_readmissions_monthly`.
pub(super) fn monthly(e: &Encounters<'_>) -> Result<Table> {
    let (index, readmitted, los) = (
        e.columns.bools("is_readmission_index"),
        e.columns.bools("readmitted_within_30d"),
        e.columns.floats("length_of_stay_days"),
    );
    let stop = e.columns.timestamps("stop_ts");
    let mut readmissions: BTreeMap<String, (i64, i64, f64)> = BTreeMap::new();
    for i in 0..e.rows {
        if index[i] != Some(true) {
            continue;
        }
        let Some(discharge) = stop[i] else { continue };
        let entry = readmissions.entry(year_month(discharge)).or_default();
        entry.0 += 1;
        entry.1 += i64::from(readmitted[i] == Some(true));
        entry.2 += los[i].unwrap_or(0.0);
    }
    TableBuilder::new()
        .text("year_month", readmissions.keys().map(|k| Some(k.as_str())))
        .int("discharges", readmissions.values().map(|v| v.0))
        .int("readmissions_30d", readmissions.values().map(|v| v.1))
        .float(
            "readmission_rate_30d",
            readmissions.values().map(|v| ratio(v.1 as f64, v.0 as f64)),
        )
        .float(
            "avg_length_of_stay_days",
            readmissions.values().map(|v| ratio(v.2, v.0 as f64)),
        )
        .finish("gold_readmissions_monthly")
}
