//! One patient's timeline: encounters, conditions, procedures and
//! medications from the star schema, oldest first.

use std::collections::HashMap;

use arrow_array::{
    Array, BooleanArray, Date32Array, Float64Array, Int64Array, StringArray,
    TimestampMicrosecondArray,
};
use lakehouse_pipeline::table::Table;
use lakehouse_pipeline::{Lakehouse, dates};

use crate::protocol::{PatientTimeline, TimelineEvent, UserMessage};
use crate::state::{format_count, format_money};

/// Most events one timeline holds (the rest are counted in a last event).
pub const MAX_EVENTS: usize = 5000;

struct Columns<'a>(&'a Table);

impl<'a> Columns<'a> {
    fn int(&self, name: &str, row: usize) -> Option<i64> {
        let a = self.0.column::<Int64Array>(name)?;
        a.is_valid(row).then(|| a.value(row))
    }
    fn text(&self, name: &str, row: usize) -> Option<&'a str> {
        let a = self.0.column::<StringArray>(name)?;
        a.is_valid(row).then(|| a.value(row))
    }
    fn float(&self, name: &str, row: usize) -> Option<f64> {
        let a = self.0.column::<Float64Array>(name)?;
        a.is_valid(row).then(|| a.value(row))
    }
    fn day(&self, name: &str, row: usize) -> Option<i32> {
        if let Some(a) = self.0.column::<Date32Array>(name) {
            return a.is_valid(row).then(|| a.value(row));
        }
        let a = self.0.column::<TimestampMicrosecondArray>(name)?;
        a.is_valid(row)
            .then(|| dates::day_of_timestamp(a.value(row)))
    }
    fn flag(&self, name: &str, row: usize) -> bool {
        self.0
            .column::<BooleanArray>(name)
            .is_some_and(|a| a.is_valid(row) && a.value(row))
    }
    /// Rows whose `patient_key` is `key`.
    fn of_patient(&self, key: i64) -> Vec<usize> {
        self.0
            .column::<Int64Array>("patient_key")
            .map(|a| {
                (0..a.len())
                    .filter(|&i| a.is_valid(i) && a.value(i) == key)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Descriptions of a dimension by key.
fn descriptions(lakehouse: &Lakehouse, table: &str, key: &str) -> HashMap<i64, String> {
    let Some(t) = lakehouse.silver.table(table) else {
        return HashMap::new();
    };
    let c = Columns(t);
    (0..t.num_rows())
        .filter_map(|i| Some((c.int(key, i)?, c.text("description", i)?.to_string())))
        .collect()
}

fn date_text(day: Option<i32>) -> String {
    day.map(dates::format_date)
        .unwrap_or_else(|| "unknown".into())
}

/// The timeline of the patient whose Synthea id is `id`. Long because it
/// reads the four fact tables in turn, each event's description and detail
/// spelled out next to the columns it comes from.
pub fn timeline(lakehouse: &Lakehouse, id: &str) -> Result<PatientTimeline, UserMessage> {
    let not_found = || UserMessage {
        title: format!("No patient `{id}`"),
        detail: "dim_patient has no row with this patient_id".into(),
        hint: Some("pick a patient from the dim_patient table".into()),
    };
    let patients = lakehouse
        .silver
        .table("dim_patient")
        .ok_or_else(not_found)?;
    let p = Columns(patients);
    let row = (0..patients.num_rows())
        .find(|&i| p.text("patient_id", i) == Some(id))
        .ok_or_else(not_found)?;
    let key = p.int("patient_key", row).ok_or_else(not_found)?;
    let text = |name: &str| p.text(name, row).unwrap_or("unknown").to_string();
    let mut facts = vec![
        ("Gender".to_string(), text("gender")),
        ("Born".to_string(), date_text(p.day("birth_date", row))),
        ("Age band".to_string(), text("age_band")),
        ("Race".to_string(), text("race")),
        ("Ethnicity".to_string(), text("ethnicity")),
    ];
    if let Some(death) = p.day("death_date", row) {
        facts.push(("Died".to_string(), dates::format_date(death)));
    }
    let mut events: Vec<(Option<i32>, u8, TimelineEvent)> = Vec::new();
    let mut add = |day: Option<i32>, order: u8, kind: &str, description: String, detail: String| {
        events.push((
            day,
            order,
            TimelineEvent {
                date: date_text(day),
                kind: kind.into(),
                description,
                detail,
            },
        ));
    };
    let table = |name: &str| lakehouse.silver.table(name);
    if let Some(t) = table("fact_encounters") {
        let c = Columns(t);
        for i in c.of_patient(key) {
            let class = c.text("encounter_class", i).unwrap_or("unknown");
            let cost = c
                .float("total_claim_cost", i)
                .map(format_money)
                .unwrap_or_default();
            add(
                c.day("start_ts", i),
                0,
                "encounter",
                c.text("description", i).unwrap_or("encounter").to_string(),
                format!("{class} · {cost}"),
            );
        }
    }
    if let Some(t) = table("fact_conditions") {
        let c = Columns(t);
        let names = descriptions(lakehouse, "dim_diagnosis", "diagnosis_key");
        for i in c.of_patient(key) {
            let detail = if c.flag("is_active", i) {
                "active".to_string()
            } else {
                format!("resolved {}", date_text(c.day("stop_date", i)))
            };
            add(
                c.day("start_date", i),
                1,
                "condition",
                c.int("diagnosis_key", i)
                    .and_then(|k| names.get(&k).cloned())
                    .unwrap_or_else(|| "unknown condition".into()),
                detail,
            );
        }
    }
    if let Some(t) = table("fact_procedures") {
        let c = Columns(t);
        let names = descriptions(lakehouse, "dim_procedure", "procedure_key");
        for i in c.of_patient(key) {
            add(
                c.day("start_ts", i),
                2,
                "procedure",
                c.int("procedure_key", i)
                    .and_then(|k| names.get(&k).cloned())
                    .unwrap_or_else(|| "unknown procedure".into()),
                c.float("base_cost", i)
                    .map(format_money)
                    .unwrap_or_default(),
            );
        }
    }
    if let Some(t) = table("fact_medications") {
        let c = Columns(t);
        let names = descriptions(lakehouse, "dim_medication", "medication_key");
        for i in c.of_patient(key) {
            let dispenses = c.int("dispenses", i).unwrap_or(0) as f64;
            let cost = c
                .float("total_cost", i)
                .map(format_money)
                .unwrap_or_default();
            add(
                c.day("start_ts", i),
                3,
                "medication",
                c.int("medication_key", i)
                    .and_then(|k| names.get(&k).cloned())
                    .unwrap_or_else(|| "unknown medication".into()),
                format!("{} dispenses · {cost}", format_count(dispenses)),
            );
        }
    }
    events.sort_by(|a, b| (a.0, a.1, &a.2.description).cmp(&(b.0, b.1, &b.2.description)));
    let total = events.len();
    let mut events: Vec<TimelineEvent> = events.into_iter().take(MAX_EVENTS).map(|e| e.2).collect();
    if total > MAX_EVENTS {
        events.push(TimelineEvent {
            date: String::new(),
            kind: "note".into(),
            description: format!(
                "{} more events not shown",
                format_count((total - MAX_EVENTS) as f64)
            ),
            detail: "download the fact tables for all of them".into(),
        });
    }
    Ok(PatientTimeline {
        id: id.to_string(),
        name: format!("{} {}", text("first_name"), text("last_name")),
        facts,
        events,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::worker::handler::load_demo;

    #[test]
    fn a_timeline_holds_every_fact_of_the_patient_in_date_order() {
        let lakehouse = load_demo(30, 9, &mut |_| {}).unwrap();
        let patients = lakehouse.silver.table("dim_patient").unwrap();
        let id = patients
            .column::<StringArray>("patient_id")
            .unwrap()
            .value(0)
            .to_string();
        let key = patients
            .column::<Int64Array>("patient_key")
            .unwrap()
            .value(0);
        let timeline = timeline(&lakehouse, &id).unwrap();
        let count = |table: &str| {
            Columns(lakehouse.silver.table(table).unwrap())
                .of_patient(key)
                .len()
        };
        let of_kind = |kind: &str| timeline.events.iter().filter(|e| e.kind == kind).count();
        assert_eq!(of_kind("encounter"), count("fact_encounters"));
        assert_eq!(of_kind("condition"), count("fact_conditions"));
        assert_eq!(of_kind("procedure"), count("fact_procedures"));
        assert_eq!(of_kind("medication"), count("fact_medications"));
        assert!(of_kind("encounter") > 0);
        let dates: Vec<&str> = timeline.events.iter().map(|e| e.date.as_str()).collect();
        let mut sorted = dates.clone();
        sorted.sort();
        assert_eq!(dates, sorted, "oldest first");
        assert_eq!(timeline.facts[0].0, "Gender");
        assert!(super::timeline(&lakehouse, "no-such-id").is_err());
    }
}
