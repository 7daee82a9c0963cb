//! Property tests (native only): accounting always holds, arbitrary bytes
//! never panic, row order never changes silver or gold, and every table
//! survives a Parquet round trip unchanged.

use proptest::prelude::*;

use super::fixtures::MINI;
use crate::bronze::BronzeBuilder;
use crate::render::render;

const ENCOUNTERS: &str = "Id,START,STOP,PATIENT,ORGANIZATION,PROVIDER,PAYER,ENCOUNTERCLASS,CODE,DESCRIPTION,BASE_ENCOUNTER_COST,TOTAL_CLAIM_COST,PAYER_COVERAGE,REASONCODE,REASONDESCRIPTION";

fn mini_bytes(name: &str) -> &'static [u8] {
    MINI.iter()
        .find(|(n, _)| *n == name)
        .map(|(_, b)| *b)
        .expect("fixture")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn accounting_holds_for_any_lines(lines in proptest::collection::vec("[a-z0-9:T,.-]{0,80}", 0..40), chunk in 1usize..64) {
        let mut text = format!("{ENCOUNTERS}\n");
        for line in &lines {
            text.push_str(line);
            text.push('\n');
        }
        let mut builder = BronzeBuilder::default();
        builder.add_bytes("patients.csv", mini_bytes("patients.csv")).unwrap();
        // A part with good rows: a required file whose rows are all
        // rejected is an error (tested on its own), not accounting.
        builder.add_bytes("encounters-1.csv", mini_bytes("encounters.csv")).unwrap();
        builder.begin_file("encounters.csv").unwrap();
        for piece in text.as_bytes().chunks(chunk) {
            builder.push(piece).unwrap();
        }
        builder.end_file().unwrap();
        let bronze = builder.finish().unwrap();
        for file in &bronze.files {
            prop_assert_eq!(file.rows_read, file.rows_accepted + file.rows_rejected);
        }
        let encounters = bronze.files.iter().find(|f| f.path == "encounters.csv").unwrap();
        let non_blank = lines.iter().filter(|l| !l.is_empty()).count() as u64;
        prop_assert_eq!(encounters.rows_read + encounters.repeated_headers, non_blank);
        prop_assert_eq!(bronze.rejects.num_rows() as u64, bronze.files.iter().map(|f| f.rows_rejected).sum::<u64>());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let mut builder = BronzeBuilder::default();
        builder.add_bytes("patients.csv", &bytes).ok();
        builder.add_bytes("encounters.csv", &bytes).ok();
        if let Ok(bronze) = builder.finish() {
            let _ = crate::build(bronze, None);
        }
    }

    /// Whatever number each encounter's costs hold (`1e308`, `-1e15`,
    /// `NaN`, …), every gold figure is finite: a money sum that would
    /// overflow is left empty (and the `amount_too_large` rule says why).
    #[test]
    fn any_cost_gives_finite_gold(
        costs in proptest::collection::vec(
            prop_oneof![
                any::<f64>().prop_map(|f| f.to_string()),
                (-308i32..=308).prop_map(|e| format!("9.9e{e}")),
                Just("1e15".to_string()),
                Just("-1e15".to_string()),
                Just("NaN".to_string()),
            ],
            3,
        )
    ) {
        let text = std::str::from_utf8(mini_bytes("encounters.csv")).unwrap();
        let mut lines = text.lines();
        let mut changed = format!("{}\n", lines.next().unwrap());
        // Every other row, so that the file keeps usable rows.
        for (index, line) in lines.enumerate() {
            let mut fields: Vec<&str> = line.split(',').collect();
            if index % 2 == 0 {
                for (field, cost) in fields[10..13].iter_mut().zip(&costs) {
                    *field = cost;
                }
            }
            changed.push_str(&fields.join(","));
            changed.push('\n');
        }
        let files = MINI.iter().map(|(name, bytes)| {
            if *name == "encounters.csv" { (*name, changed.as_bytes()) } else { (*name, *bytes) }
        });
        let lakehouse = crate::run_bytes(files, None).unwrap();
        for table in lakehouse.tables().iter().filter(|t| t.layer == "gold") {
            for batch in table.batches {
                for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
                    if let Some(numbers) = column.as_any().downcast_ref::<arrow_array::Float64Array>() {
                        prop_assert!(
                            numbers.iter().flatten().all(f64::is_finite),
                            "{}.{} with costs {:?}", table.name, field.name(), costs
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn row_order_does_not_change_silver_or_gold(seed in any::<u64>()) {
        let mut state = seed | 1;
        let mut next = move || { state ^= state << 13; state ^= state >> 7; state ^= state << 17; state };
        let shuffled: Vec<(&str, Vec<u8>)> = MINI
            .iter()
            .map(|(name, bytes)| {
                let text = std::str::from_utf8(bytes).unwrap();
                let mut lines: Vec<&str> = text.lines().collect();
                let header = lines.remove(0);
                for i in (1..lines.len()).rev() {
                    lines.swap(i, (next() % (i as u64 + 1)) as usize);
                }
                (*name, format!("{header}\n{}\n", lines.join("\n")).into_bytes())
            })
            .collect();
        let original = super::fixtures::mini();
        let other = crate::run_bytes(shuffled.iter().map(|(n, b)| (*n, b.as_slice())), None).unwrap();
        for (a, b) in original.tables().iter().zip(other.tables().iter()).filter(|(a, _)| a.layer != "bronze") {
            prop_assert_eq!(render(a.batches), render(b.batches), "{}", a.name);
        }
    }
}

#[test]
fn every_table_round_trips_through_parquet() {
    let lakehouse = super::fixtures::mini();
    for table in lakehouse.tables() {
        let bytes = crate::export::parquet::write(table.schema.clone(), table.batches).unwrap();
        assert_eq!(&bytes[..4], b"PAR1");
        let back = crate::export::parquet::read(bytes).unwrap();
        let rows: usize = back.iter().map(|b| b.num_rows()).sum();
        assert_eq!(rows, table.rows(), "{}", table.name);
        if rows > 0 {
            assert_eq!(render(&back), render(table.batches), "{}", table.name);
        }
    }
}

/// A value written into one cell of a reloaded run output.
#[derive(Clone, Debug)]
enum Damage {
    /// A date column (days).
    Day(i32),
    /// A timestamp column (microseconds).
    Instant(i64),
    /// A number column.
    Number(f64),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        any::<i32>().prop_map(Damage::Day),
        any::<i64>().prop_map(Damage::Instant),
        prop_oneof![
            any::<f64>(),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(1e308)
        ]
        .prop_map(Damage::Number),
    ]
}

/// `batch` with row `row` of the first column that `damage` fits set to it.
fn damaged(
    batch: &arrow_array::RecordBatch,
    row: usize,
    damage: &Damage,
) -> arrow_array::RecordBatch {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Date32Type, Float64Type, TimestampMicrosecondType};
    use arrow_array::{ArrayRef, Date32Array, Float64Array, TimestampMicrosecondArray};
    use arrow_schema::DataType;
    use std::sync::Arc;
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    let row = row % batch.num_rows().max(1);
    for column in columns.iter_mut() {
        let replaced: Option<ArrayRef> = match (column.data_type(), damage) {
            (DataType::Date32, Damage::Day(d)) => {
                let mut values: Vec<Option<i32>> =
                    column.as_primitive::<Date32Type>().iter().collect();
                values[row] = Some(*d);
                Some(Arc::new(Date32Array::from(values)))
            }
            (DataType::Timestamp(_, _), Damage::Instant(t)) => {
                let mut values: Vec<Option<i64>> = column
                    .as_primitive::<TimestampMicrosecondType>()
                    .iter()
                    .collect();
                values[row] = Some(*t);
                Some(Arc::new(
                    TimestampMicrosecondArray::from(values).with_timezone("UTC"),
                ))
            }
            (DataType::Float64, Damage::Number(f)) => {
                let mut values: Vec<Option<f64>> =
                    column.as_primitive::<Float64Type>().iter().collect();
                values[row] = Some(*f);
                Some(Arc::new(Float64Array::from(values)))
            }
            _ => None,
        };
        if let Some(replaced) = replaced {
            *column = replaced;
            break;
        }
    }
    arrow_array::RecordBatch::try_new(batch.schema(), columns).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// A damaged earlier run output is an error or a lakehouse: never a
    /// panic, and never a dimension so large it aborts the process (a date
    /// 536 million days away once asked for 6.4 GB).
    #[test]
    fn reloading_a_damaged_run_output_never_panics(
        table in 0usize..14,
        row in any::<usize>(),
        damage in damage(),
    ) {
        let lakehouse = super::fixtures::mini();
        let tables: Vec<(String, Vec<arrow_array::RecordBatch>, Option<String>)> = lakehouse
            .bronze
            .tables
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let batches = if i == table % lakehouse.bronze.tables.len() {
                    t.batches.iter().map(|b| damaged(b, row, &damage)).collect()
                } else {
                    t.batches.clone()
                };
                (t.spec.table.to_string(), batches, Some(lakehouse.bronze.sources(t.spec)))
            })
            .collect();
        let rejects = vec![lakehouse.bronze.rejects.clone()];
        match crate::bronze::Bronze::from_tables(tables, rejects) {
            Ok(bronze) => {
                if let Ok(rebuilt) = crate::build(bronze, None) {
                    let days = rebuilt.silver.table("dim_date").map_or(0, |t| t.batch.num_rows());
                    prop_assert!(days <= 3_700_000, "dim_date has {} rows", days);
                }
            }
            Err(error) => {
                let message = error.to_string();
                prop_assert!(message.contains("is not a readable lakehouse run output"), "{}", message);
            }
        }
    }
}

#[test]
fn a_run_output_with_a_date_536_million_days_away_is_refused_by_name() {
    let lakehouse = super::fixtures::mini();
    let tables = lakehouse
        .bronze
        .tables
        .iter()
        .map(|t| {
            let batches = if t.spec.file == "patients" {
                t.batches
                    .iter()
                    .map(|b| damaged(b, 0, &Damage::Day(536_000_000)))
                    .collect()
            } else {
                t.batches.clone()
            };
            (
                t.spec.table.to_string(),
                batches,
                Some(lakehouse.bronze.sources(t.spec)),
            )
        })
        .collect();
    let error = crate::bronze::Bronze::from_tables(tables, vec![lakehouse.bronze.rejects.clone()])
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "`bronze_patients` is not a readable lakehouse run output: column `BIRTHDATE` row 1 holds a value no CSV input gives (a date outside the years 0000-9999, or a number larger than CSV ingest accepts)"
    );
}
