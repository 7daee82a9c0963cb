//! Inpatient stays as silver defines them (docs/metrics.md, "Inpatient
//! stays"): one per admission row of `fact_encounters`, read once for the
//! tables that count admissions, days, readmissions and deaths.

use super::Encounters;

/// One inpatient stay.
pub(super) struct Stay {
    pub(super) payer: Option<i64>,
    pub(super) admission: i64,
    /// The discharge, if every encounter of the stay has a STOP.
    pub(super) discharge: Option<i64>,
    /// Calendar days (midnights; a same-day stay is 1).
    pub(super) days: Option<i64>,
    /// Hours-based length in days.
    pub(super) days_fractional: Option<f64>,
    pub(super) died: bool,
    pub(super) hedis_index: bool,
    pub(super) hedis_readmitted: bool,
}

/// The stays, in `fact_encounters` row order of their admissions.
pub(super) fn read(e: &Encounters<'_>) -> Vec<Stay> {
    let c = &e.columns;
    let admission = c.bools("is_stay_admission");
    let discharge = c.timestamps("stay_discharge_ts");
    let days = c.ints("stay_days");
    let fractional = c.floats("stay_days_fractional");
    let died = c.bools("stay_died");
    let index = c.bools("is_hedis_index_stay");
    let readmitted = c.bools("hedis_readmitted_30d");
    (0..e.rows)
        .filter(|&i| admission[i] == Some(true))
        .filter_map(|i| {
            Some(Stay {
                payer: e.payer[i],
                admission: e.start[i]?,
                discharge: discharge[i],
                days: days[i],
                days_fractional: fractional[i],
                died: died[i] == Some(true),
                hedis_index: index[i] == Some(true),
                hedis_readmitted: readmitted[i] == Some(true),
            })
        })
        .collect()
}

/// Totals over a group of stays.
#[derive(Default)]
pub(super) struct StayTotals {
    /// Stays with a discharge.
    pub(super) discharges: i64,
    pub(super) days: i64,
    pub(super) days_fractional: f64,
    pub(super) deaths: i64,
    pub(super) index: i64,
    pub(super) readmissions: i64,
}

impl StayTotals {
    pub(super) fn add(&mut self, s: &Stay) {
        if s.discharge.is_none() {
            return;
        }
        self.discharges += 1;
        self.days += s.days.unwrap_or(0);
        self.days_fractional += s.days_fractional.unwrap_or(0.0);
        self.deaths += i64::from(s.died);
        self.index += i64::from(s.hedis_index);
        self.readmissions += i64::from(s.hedis_readmitted);
    }

    pub(super) fn alos(&self) -> Option<f64> {
        super::ratio(self.days as f64, self.discharges as f64)
    }

    pub(super) fn alos_fractional(&self) -> Option<f64> {
        super::ratio(self.days_fractional, self.discharges as f64)
    }

    pub(super) fn readmission_rate(&self) -> Option<f64> {
        super::ratio(self.readmissions as f64, self.index as f64)
    }

    pub(super) fn in_hospital_mortality(&self) -> Option<f64> {
        super::ratio(self.deaths as f64, self.discharges as f64)
    }
}
