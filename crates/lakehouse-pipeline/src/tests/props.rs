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
