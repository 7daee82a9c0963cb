//! `gold_demographics`: patients by age band, gender, race and ethnicity.

use std::collections::BTreeMap;

use super::columns;
use crate::error::Result;
use crate::silver::Silver;
use crate::table::{Table, TableBuilder};

/// `gold_demographics`.
pub(super) fn table(silver: &Silver) -> Result<Table> {
    let patients = columns(silver, "dim_patient");
    let (band, gender, race, ethnicity) = (
        patients.texts("age_band"),
        patients.texts("gender"),
        patients.texts("race"),
        patients.texts("ethnicity"),
    );
    let deceased = patients.bools("is_deceased");
    type Group<'a> = (
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
    );
    let mut groups: BTreeMap<Group<'_>, (i64, i64)> = BTreeMap::new();
    for i in 0..patients.len() {
        let entry = groups
            .entry((band[i], gender[i], race[i], ethnicity[i]))
            .or_default();
        if deceased[i] == Some(true) {
            entry.1 += 1;
        } else {
            entry.0 += 1;
        }
    }
    TableBuilder::new()
        .text("age_band", groups.keys().map(|k| k.0))
        .text("gender", groups.keys().map(|k| k.1))
        .text("race", groups.keys().map(|k| k.2))
        .text("ethnicity", groups.keys().map(|k| k.3))
        .int("patients", groups.values().map(|v| v.0 + v.1))
        .int("living", groups.values().map(|v| v.0))
        .int("deceased", groups.values().map(|v| v.1))
        .finish("gold_demographics")
}
