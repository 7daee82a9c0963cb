//! `gold_readmissions_monthly`: inpatient stays by discharge month, with
//! the HEDIS-style 30-day readmission rate, the crude all-cause one,
//! length of stay in days and fractional days, and in-hospital deaths
//! (docs/metrics.md).

use std::collections::BTreeMap;

use super::stays::{Stay, StayTotals};
use super::{Encounters, ratio, year_month};
use crate::error::Result;
use crate::table::{Table, TableBuilder};

/// [`FEW_INDEX_STAYS`] as a literal, for text built at compile time (the
/// Power BI measure's DAX).
macro_rules! few_index_stays {
    () => {
        10
    };
}
pub(crate) use few_index_stays;

/// The fewest index stays a period needs for its readmission rate to be
/// charted: one readmission in two stays is 50 %, and a month of one
/// readmitted stay would stretch an axis to 100 % and flatten every other
/// month under it, so such months are left out of a chart's line, as payers
/// suppress small cells. The gold table keeps every month; the dashboard's
/// chart and sparkline and the Power BI report's monthly visual (through a
/// measure, whose DAX takes the number from `few_index_stays!`) read it
/// here (docs/metrics.md).
pub const FEW_INDEX_STAYS: u32 = few_index_stays!();

/// `gold_readmissions_monthly`.
pub(super) fn monthly(e: &Encounters<'_>, stays: &[Stay]) -> Result<Table> {
    let mut months: BTreeMap<String, (StayTotals, i64, i64)> = BTreeMap::new();
    for stay in stays {
        if let Some(discharge) = stay.discharge {
            months.entry(year_month(discharge)).or_default().0.add(stay);
        }
    }
    // The crude figure: every inpatient encounter with a STOP.
    let (index, readmitted) = (
        e.columns.bools("is_readmission_index"),
        e.columns.bools("readmitted_within_30d"),
    );
    let stop = e.columns.timestamps("stop_ts");
    for i in 0..e.rows {
        if index[i] != Some(true) {
            continue;
        }
        let Some(discharge) = stop[i] else { continue };
        let entry = months.entry(year_month(discharge)).or_default();
        entry.1 += 1;
        entry.2 += i64::from(readmitted[i] == Some(true));
    }
    let v = || months.values();
    TableBuilder::new()
        .text("year_month", months.keys().map(|k| Some(k.as_str())))
        .int("discharges", v().map(|m| m.0.discharges))
        .int("inpatient_days", v().map(|m| m.0.days))
        .float("alos_days", v().map(|m| m.0.alos()))
        .float("alos_days_fractional", v().map(|m| m.0.alos_fractional()))
        .int("index_stays", v().map(|m| m.0.index))
        .int("readmissions_30d", v().map(|m| m.0.readmissions))
        .float("readmission_rate_30d", v().map(|m| m.0.readmission_rate()))
        .int("crude_discharges", v().map(|m| m.1))
        .int("crude_readmissions_30d", v().map(|m| m.2))
        .float(
            "crude_readmission_rate_30d",
            v().map(|m| ratio(m.2 as f64, m.1 as f64)),
        )
        .int("in_hospital_deaths", v().map(|m| m.0.deaths))
        .float(
            "in_hospital_mortality_rate",
            v().map(|m| m.0.in_hospital_mortality()),
        )
        .finish("gold_readmissions_monthly")
}
