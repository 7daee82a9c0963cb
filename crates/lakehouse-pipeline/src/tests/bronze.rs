//! Bronze: each Synthea quirk and each defect class, one small check each.

use std::io::{Cursor, Write};

use arrow_array::types::Int32Type;
use arrow_array::{Array, DictionaryArray, Float64Array, StringArray, TimestampMicrosecondArray};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::bronze::{Bronze, BronzeBuilder, IngestOptions, archive};
use crate::export::parquet::ColumnLayout;
use crate::render::render;
use crate::table::{column, dictionary_text};

const PATIENTS_30: &str = "Id,BIRTHDATE,DEATHDATE,SSN,DRIVERS,PASSPORT,PREFIX,FIRST,LAST,SUFFIX,MAIDEN,MARITAL,RACE,ETHNICITY,GENDER,BIRTHPLACE,ADDRESS,CITY,STATE,COUNTY,ZIP,LAT,LON,HEALTHCARE_EXPENSES,HEALTHCARE_COVERAGE";
const PATIENT_ROW_30: &str = "p1,2000-01-02,,999-00-0001,,,,Ann1,Lee2,,,,white,nonhispanic,F,A  B  US,1 St,Town,State,County,02081,1.5,-2.5,100.0,50.0";
const ENCOUNTERS_33: &str = "Id,START,STOP,PATIENT,ORGANIZATION,PROVIDER,PAYER,ENCOUNTERCLASS,CODE,DESCRIPTION,BASE_ENCOUNTER_COST,TOTAL_CLAIM_COST,PAYER_COVERAGE,REASONCODE,REASONDESCRIPTION";
const ENCOUNTER_ROW: &str = "e1,2020-01-01T10:00:00Z,2020-01-01T11:00:00Z,p1,o1,pr1,pay1,wellness,162673000,Exam,100.00,120.00,80.00,,";

fn ingest(files: &[(&str, String)]) -> crate::Result<Bronze> {
    let mut builder = BronzeBuilder::new(IngestOptions::default());
    for (path, text) in files {
        builder.add_bytes(path, text.as_bytes())?;
    }
    builder.finish()
}

fn base() -> Vec<(&'static str, String)> {
    vec![
        ("patients.csv", format!("{PATIENTS_30}\n{PATIENT_ROW_30}\n")),
        (
            "encounters.csv",
            format!("{ENCOUNTERS_33}\n{ENCOUNTER_ROW}\n"),
        ),
    ]
}

fn with(extra: &[(&'static str, &str)]) -> Bronze {
    let mut files = base();
    for (path, text) in extra {
        files.retain(|(p, _)| p != path);
        files.push((path, (*text).to_string()));
    }
    ingest(&files).expect("ingests")
}

fn rejects(bronze: &Bronze) -> Vec<String> {
    let r = &bronze.rejects;
    let file = column::<StringArray>(r, "file").expect("file");
    let line = column::<arrow_array::Int64Array>(r, "line").expect("line");
    let col = column::<StringArray>(r, "column").expect("column");
    let reason = column::<StringArray>(r, "reason").expect("reason");
    (0..r.num_rows())
        .map(|i| {
            let c = if col.is_null(i) { "-" } else { col.value(i) };
            format!(
                "{}:{} [{c}] {}",
                file.value(i),
                line.value(i),
                reason.value(i)
            )
        })
        .collect()
}

fn accounting_holds(bronze: &Bronze) {
    for f in &bronze.files {
        assert_eq!(f.rows_read, f.rows_accepted + f.rows_rejected, "{}", f.path);
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn crlf_bom_and_blank_lines() {
    let text = format!("\u{feff}{PATIENTS_30}\r\n{PATIENT_ROW_30}\r\n\r\n");
    let bronze = with(&[("patients.csv", &text)]);
    let report = &bronze.files[1];
    assert_eq!(
        (report.rows_read, report.rows_accepted, report.blank_lines),
        (1, 1, 1)
    );
    assert!(report.has_header);
    let patients = &bronze.table("patients").unwrap().batches[0];
    let zip = column::<DictionaryArray<Int32Type>>(patients, "ZIP").unwrap();
    assert_eq!(dictionary_text(zip, 0), Some("02081"), "leading zeros kept");
    accounting_holds(&bronze);
}

#[wasm_bindgen_test(unsupported = test)]
fn header_only_files_give_empty_tables() {
    let bronze = with(&[(
        "allergies.csv",
        "START,STOP,PATIENT,ENCOUNTER,CODE,DESCRIPTION\n",
    )]);
    let table = bronze.table("allergies").expect("table exists");
    assert_eq!(table.num_rows(), 0);
    assert!(bronze.warnings.is_empty(), "{:?}", bronze.warnings);
}

#[wasm_bindgen_test(unsupported = test)]
fn headerless_append_mode_files_are_read_by_field_count() {
    let bronze = with(&[("run2/patients.csv", PATIENT_ROW_30)]);
    let table = bronze.table("patients").unwrap();
    assert_eq!(table.num_rows(), 2);
    assert!(
        bronze.warnings.iter().any(|w| w.contains("has no header")),
        "{:?}",
        bronze.warnings
    );
    accounting_holds(&bronze);
}

#[wasm_bindgen_test(unsupported = test)]
fn repeated_headers_in_concatenated_files_are_skipped_and_counted() {
    let text = format!(
        "{ENCOUNTERS_33}\n{ENCOUNTER_ROW}\n{ENCOUNTERS_33}\n{}\n",
        ENCOUNTER_ROW.replace("e1,", "e2,")
    );
    let bronze = with(&[("encounters.csv", &text)]);
    let report = bronze
        .files
        .iter()
        .find(|f| f.path == "encounters.csv")
        .unwrap();
    assert_eq!((report.rows_read, report.repeated_headers), (2, 1));
}

#[wasm_bindgen_test(unsupported = test)]
fn split_parts_form_one_table() {
    let header = "DATE,PATIENT,ENCOUNTER,CATEGORY,CODE,DESCRIPTION,VALUE,UNITS,TYPE";
    let row = "2020-01-01T10:00:00Z,p1,e1,vital-signs,8302-2,Body Height,150.0,cm,numeric";
    let bronze = with(&[
        ("observations-1.csv", &format!("{header}\n{row}\n")),
        ("observations-02.csv", &format!("{header}\n{row}\n{row}\n")),
    ]);
    let table = bronze.table("observations").unwrap();
    assert_eq!(table.num_rows(), 3);
    let text = render(&table.batches);
    assert!(
        text.contains("observations-1.csv | 2") && text.contains("observations-02.csv | 3"),
        "{text}"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn nan_and_literal_null_are_missing_values() {
    let payers = "Id,NAME,ADDRESS,CITY,STATE_HEADQUARTERED,ZIP,PHONE,AMOUNT_COVERED,AMOUNT_UNCOVERED,REVENUE,COVERED_ENCOUNTERS,UNCOVERED_ENCOUNTERS,COVERED_MEDICATIONS,UNCOVERED_MEDICATIONS,COVERED_PROCEDURES,UNCOVERED_PROCEDURES,COVERED_IMMUNIZATIONS,UNCOVERED_IMMUNIZATIONS,UNIQUE_CUSTOMERS,QOLS_AVG,MEMBER_MONTHS\npay1,NO_INSURANCE,,,,,,0.00,0.00,0.00,0,0,0,0,0,0,0,0,0,NaN,0\n";
    let observations = "DATE,PATIENT,ENCOUNTER,CODE,DESCRIPTION,VALUE,UNITS,TYPE\n2020-01-01T10:00:00Z,p1,,QALY,QALY,1.0,null,numeric\n";
    let bronze = with(&[("payers.csv", payers), ("observations.csv", observations)]);
    let payers = &bronze.table("payers").unwrap().batches[0];
    assert!(
        column::<Float64Array>(payers, "QOLS_AVG")
            .unwrap()
            .is_null(0)
    );
    let observations = &bronze.table("observations").unwrap().batches[0];
    assert!(
        column::<DictionaryArray<Int32Type>>(observations, "UNITS")
            .unwrap()
            .is_null(0)
    );
    assert!(
        column::<DictionaryArray<Int32Type>>(observations, "ENCOUNTER")
            .unwrap()
            .is_null(0)
    );
    assert!(
        column::<DictionaryArray<Int32Type>>(observations, "CATEGORY")
            .unwrap()
            .is_null(0),
        "2.x has no CATEGORY"
    );
    assert_eq!(bronze.rejects.num_rows(), 0);
}

#[wasm_bindgen_test(unsupported = test)]
fn bad_rows_go_to_rejects_with_file_line_column_and_reason() {
    let text = [
        ENCOUNTERS_33,
        ENCOUNTER_ROW,
        "e2,2020-01-01T10:00:00Z,2020-01-01T11:00:00Z,p1,o1,pr1,pay1,wellness,1,Exam, with comma,1.00,1.00,1.00,,",
        "e3,2020-13-01T10:00:00Z,,p1,o1,pr1,pay1,wellness,1,Exam,1.00,1.00,1.00,,",
        "e4,2020-01-01T10:00:00Z,,p1,o1,pr1,pay1,wellness,1,Exam,1.00,lots,1.00,,",
        ",2020-01-01T10:00:00Z,,p1,o1,pr1,pay1,wellness,1,Exam,1.00,1.00,1.00,,",
        "e6,2020-01-01,,p1,o1,pr1,pay1,wellness,1,Exam,1.00,1.00,1.00,,",
    ]
    .join("\n");
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(
        b"\ne7,2020-01-01T10:00:00Z,,p1,o1,pr1,pay1,wellness,1,Ex\xffam,1.00,1.00,1.00,,\n",
    );
    let mut builder = BronzeBuilder::default();
    builder
        .add_bytes(
            "patients.csv",
            format!("{PATIENTS_30}\n{PATIENT_ROW_30}\n").as_bytes(),
        )
        .unwrap();
    builder.add_bytes("encounters.csv", &bytes).unwrap();
    let bronze = builder.finish().unwrap();
    assert_eq!(
        rejects(&bronze),
        vec![
            "encounters.csv:3 [-] expected 15 fields (as in the header), found 16; a value may contain a comma",
            "encounters.csv:4 [START] invalid datetime (expected YYYY-MM-DDThh:mm:ssZ) `2020-13-01T10:00:00Z` in `START`",
            "encounters.csv:5 [TOTAL_CLAIM_COST] invalid number `lots` in `TOTAL_CLAIM_COST`",
            "encounters.csv:6 [Id] missing required value in `Id`",
            "encounters.csv:8 [DESCRIPTION] invalid UTF-8 at byte 54 of the line; re-export the file as UTF-8",
        ]
    );
    let report = bronze
        .files
        .iter()
        .find(|f| f.path == "encounters.csv")
        .unwrap();
    assert_eq!(
        (report.rows_read, report.rows_accepted, report.rows_rejected),
        (7, 2, 5)
    );
    // A date-only value in a datetime column (Synthea < 2.6) is midnight UTC.
    let start = column::<TimestampMicrosecondArray>(
        &bronze.table("encounters").unwrap().batches[0],
        "START",
    )
    .unwrap();
    assert_eq!(
        crate::dates::format_timestamp(start.value(1)),
        "2020-01-01T00:00:00Z"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn whole_numbers_written_as_floats_are_integers_but_fractions_are_not() {
    let supplies = "DATE,PATIENT,ENCOUNTER,CODE,DESCRIPTION,QUANTITY\n2020-01-01,p1,e1,1,Gauze,2.0\n2020-01-01,p1,e1,1,Gauze,2.5\n";
    let bronze = with(&[("supplies.csv", supplies)]);
    let quantity = column::<arrow_array::Int64Array>(
        &bronze.table("supplies").unwrap().batches[0],
        "QUANTITY",
    )
    .unwrap();
    assert_eq!(quantity.value(0), 2);
    assert_eq!(
        rejects(&bronze),
        vec!["supplies.csv:3 [QUANTITY] invalid integer `2.5` in `QUANTITY`"]
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn over_long_lines_are_rejected_without_stalling() {
    let mut bytes = format!("{ENCOUNTERS_33}\n").into_bytes();
    bytes.extend(std::iter::repeat_n(
        b'x',
        crate::bronze::MAX_LINE_BYTES + 10,
    ));
    bytes.extend_from_slice(format!("\n{ENCOUNTER_ROW}\n").as_bytes());
    let mut builder = BronzeBuilder::default();
    builder
        .add_bytes(
            "patients.csv",
            format!("{PATIENTS_30}\n{PATIENT_ROW_30}\n").as_bytes(),
        )
        .unwrap();
    builder.begin_file("encounters.csv").unwrap();
    for chunk in bytes.chunks(4096) {
        builder.push(chunk).unwrap();
    }
    builder.end_file().unwrap();
    let bronze = builder.finish().unwrap();
    let report = bronze
        .files
        .iter()
        .find(|f| f.path == "encounters.csv")
        .unwrap();
    assert_eq!(
        (report.rows_read, report.rows_accepted, report.rows_rejected),
        (2, 1, 1)
    );
    assert!(
        rejects(&bronze)[0].contains("line longer than"),
        "{:?}",
        rejects(&bronze)
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn a_file_read_unhashed_takes_the_hash_computed_apart() {
    let read = |unhashed: bool| {
        let mut builder = BronzeBuilder::new(IngestOptions::default());
        for (name, bytes) in super::fixtures::MINI {
            let reader = Cursor::new(bytes);
            if unhashed {
                builder.read_unhashed(name, reader, &mut |_, _| {})
            } else {
                builder.read(name, reader, &mut |_, _| {})
            }
            .unwrap();
        }
        builder.finish().unwrap()
    };
    let hashed = read(false);
    let mut apart = read(true);
    let names: Vec<&str> = super::fixtures::MINI.iter().map(|(n, _)| *n).collect();
    assert_eq!(apart.unhashed_files().collect::<Vec<_>>(), names);
    assert!(!apart.set_sha256("no/such.csv", "00".into()));
    for (name, bytes) in super::fixtures::MINI {
        let hash = crate::bronze::sha256_hex(Cursor::new(bytes)).unwrap();
        assert!(apart.set_sha256(name, hash));
        // Set once: the report has its hash now.
        assert!(!apart.set_sha256(name, String::new()));
    }
    assert_eq!(apart.unhashed_files().count(), 0);
    assert_eq!(apart.files, hashed.files);
    assert!(hashed.files.iter().all(|f| f.sha256.len() == 64));
}

#[wasm_bindgen_test(unsupported = test)]
fn chunk_boundaries_do_not_change_the_result() {
    let whole =
        crate::run_bytes(super::fixtures::MINI.iter().map(|(n, b)| (*n, *b)), None).unwrap();
    let mut builder = BronzeBuilder::new(IngestOptions {
        batch_rows: 7,
        ..IngestOptions::default()
    });
    for (name, bytes) in super::fixtures::MINI {
        builder.begin_file(name).unwrap();
        for chunk in bytes.chunks(13) {
            builder.push(chunk).unwrap();
        }
        builder.end_file().unwrap();
    }
    let chunked = crate::build(builder.finish().unwrap(), None).unwrap();
    for (a, b) in whole.tables().iter().zip(chunked.tables().iter()) {
        assert_eq!(render(a.batches), render(b.batches), "{}", a.name);
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn missing_required_files_and_columns_are_errors_that_name_them() {
    let error = ingest(&[("encounters.csv", format!("{ENCOUNTERS_33}\n"))])
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("required file `patients.csv` is missing"),
        "{error}"
    );
    let error = ingest(&[("patients.csv", format!("{PATIENTS_30}\n"))])
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("required file `encounters.csv` is missing"),
        "{error}"
    );
    let header = PATIENTS_30.replacen("Id,", "", 1);
    let error = ingest(&[("patients.csv", format!("{header}\n")), base().remove(1)])
        .unwrap_err()
        .to_string();
    assert_eq!(
        error.lines().next().unwrap(),
        "`patients.csv` line 1: the header has no `Id` column"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn unknown_files_are_listed_and_skipped() {
    let bronze = with(&[("notes.csv", "a,b\n1,2\n"), ("fhir/bundle.json", "{}")]);
    assert_eq!(bronze.files.iter().filter(|f| f.kind.is_none()).count(), 2);
    assert!(
        bronze
            .warnings
            .iter()
            .any(|w| w.contains("`notes.csv` is not a Synthea CSV file"))
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn versions_are_detected_from_headers() {
    // 3.0 layout patients + encounters: 2.6–3.0 (patients ≤ 3.0, encounters ≥ 2.6).
    assert_eq!(with(&[]).version.label(), "2.6–3.0");
    // Synthea 2.5 encounters have no ORGANIZATION.
    let header_25 = ENCOUNTERS_33.replace("ORGANIZATION,", "");
    let row_25 = ENCOUNTER_ROW.replace("o1,", "");
    let bronze = with(&[("encounters.csv", &format!("{header_25}\n{row_25}\n"))]);
    assert_eq!(bronze.version.label(), "2.5");
    // conditions with SYSTEM (3.3+) beside 3.0 patients: a mix.
    let conditions = "START,STOP,PATIENT,ENCOUNTER,SYSTEM,CODE,DESCRIPTION\n";
    let bronze = with(&[("conditions.csv", conditions)]);
    assert_eq!(bronze.version.label(), "unknown");
    assert!(bronze.warnings.iter().any(|w| w.contains("mix of exports")));
}

#[wasm_bindgen_test(unsupported = test)]
fn mini_is_detected_as_3_3_from_the_insurance_id_quirk() {
    let lakehouse = super::fixtures::mini();
    assert_eq!(lakehouse.bronze.version.label(), "3.3");
}

#[wasm_bindgen_test(unsupported = test)]
fn integer_years_of_2x_payer_transitions_become_timestamps() {
    let text = "PATIENT,START_YEAR,END_YEAR,PAYER,OWNERSHIP\np1,1999,2001,pay1,Self\n";
    let bronze = with(&[("payer_transitions.csv", text)]);
    let batch = &bronze.table("payer_transitions").unwrap().batches[0];
    let start = column::<TimestampMicrosecondArray>(batch, "START_DATE").unwrap();
    let end = column::<TimestampMicrosecondArray>(batch, "END_DATE").unwrap();
    assert_eq!(
        crate::dates::format_timestamp(start.value(0)),
        "1999-01-01T00:00:00Z"
    );
    assert_eq!(
        crate::dates::format_timestamp(end.value(0)),
        "2001-12-31T00:00:00Z"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn zip_archives_are_streamed_entry_by_entry() {
    let mut bytes = Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut bytes);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.add_directory("export/csv/", options).unwrap();
        for (name, data) in super::fixtures::MINI {
            zip.start_file(format!("export/csv/{name}"), options)
                .unwrap();
            zip.write_all(data).unwrap();
        }
        zip.start_file("__MACOSX/export/csv/._patients.csv", options)
            .unwrap();
        zip.write_all(b"junk").unwrap();
        zip.finish().unwrap();
    }
    let mut builder = BronzeBuilder::default();
    archive::ingest_zip(&mut builder, "mini.zip", Cursor::new(bytes.into_inner())).unwrap();
    let zipped = crate::build(builder.finish().unwrap(), None).unwrap();
    assert_eq!(
        zipped.bronze.files[0].path,
        "mini.zip!/export/csv/allergies.csv"
    );
    let direct = super::fixtures::mini();
    for (a, b) in direct.silver.tables.iter().zip(&zipped.silver.tables) {
        assert_eq!(
            render(std::slice::from_ref(&a.batch)),
            render(std::slice::from_ref(&b.batch))
        );
    }
    let error = archive::ingest_zip(
        &mut BronzeBuilder::default(),
        "broken.zip",
        Cursor::new(b"PK\x03\x04no".to_vec()),
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.starts_with("cannot read the zip archive `broken.zip`"),
        "{error}"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn run_outputs_with_plain_text_bronze_columns_load_the_same() {
    use crate::export::parquet::{read_with_metadata, write_with_metadata};
    use arrow_array::{ArrayRef, RecordBatch};
    use arrow_schema::{DataType, Field, Schema};
    use std::sync::Arc;

    // Earlier versions wrote bronze text as plain `Utf8` columns.
    let plain = |column: &ArrayRef| -> ArrayRef {
        match column.as_any().downcast_ref::<DictionaryArray<Int32Type>>() {
            Some(d) => Arc::new(
                (0..d.len())
                    .map(|i| dictionary_text(d, i))
                    .collect::<StringArray>(),
            ),
            None => column.clone(),
        }
    };
    let direct = super::fixtures::mini();
    let (mut files, mut rewritten) = (Vec::new(), 0);
    for file in direct.output_files(false).unwrap() {
        if !file.path.starts_with("bronze/") {
            files.push(file);
            continue;
        }
        let (batches, metadata) = read_with_metadata(file.bytes.clone()).unwrap();
        if batches.is_empty() {
            files.push(file);
            continue;
        }
        let schema = Arc::new(Schema::new(
            batches[0]
                .schema()
                .fields()
                .iter()
                .map(|f| match f.data_type() {
                    DataType::Dictionary(..) => {
                        Field::new(f.name(), DataType::Utf8, f.is_nullable())
                    }
                    _ => f.as_ref().clone(),
                })
                .collect::<Vec<_>>(),
        ));
        let batches: Vec<RecordBatch> = batches
            .iter()
            .map(|b| {
                RecordBatch::try_new(schema.clone(), b.columns().iter().map(plain).collect())
                    .unwrap()
            })
            .collect();
        let metadata: Vec<(&str, String)> = metadata
            .iter()
            .filter(|(k, _)| k == crate::bronze::SOURCES_KEY)
            .map(|(_, v)| (crate::bronze::SOURCES_KEY, v.clone()))
            .collect();
        let bytes = write_with_metadata(schema, &batches, &metadata).unwrap();
        files.push(crate::OutputFile { bytes, ..file });
        rewritten += 1;
    }
    assert!(rewritten >= 10, "{rewritten} bronze tables rewritten");
    let again = crate::from_run_output(
        files.iter().map(|f| (f.path.as_str(), f.bytes.clone())),
        None,
    )
    .unwrap();
    assert_eq!(again.bronze.tables.len(), direct.bronze.tables.len());
    for (a, b) in direct.bronze.tables.iter().zip(&again.bronze.tables) {
        assert_eq!(a.schema, b.schema);
        assert_eq!(render(&a.batches), render(&b.batches), "{}", a.spec.table);
    }
    for (a, b) in direct.tables().iter().zip(&again.tables()) {
        assert_eq!(render(a.batches), render(b.batches), "{}", a.name);
    }
}

/// A reader that hands out at most `step` bytes a call, then fails when
/// `fail_at` is reached.
struct Trickle<'a> {
    bytes: &'a [u8],
    at: usize,
    step: usize,
    fail_at: Option<usize>,
}

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        if self.fail_at.is_some_and(|f| self.at >= f) {
            return Err(std::io::Error::other("device went away"));
        }
        let n = self.step.min(buffer.len()).min(self.bytes.len() - self.at);
        buffer[..n].copy_from_slice(&self.bytes[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn read_takes_any_reader_in_chunks_and_reports_each() {
    let reference = ingest(&base()).unwrap();
    let mut builder = BronzeBuilder::new(IngestOptions::default());
    let mut seen = Vec::new();
    for (path, text) in base() {
        let reader = Trickle {
            bytes: text.as_bytes(),
            at: 0,
            step: 7,
            fail_at: None,
        };
        builder
            .read(path, reader, &mut |bytes, rows| seen.push((bytes, rows)))
            .unwrap();
    }
    let bronze = builder.finish().unwrap();
    assert_eq!(bronze.files, reference.files);
    for (a, b) in bronze.tables.iter().zip(&reference.tables) {
        assert_eq!(
            (&a.schema, render(&a.batches)),
            (&b.schema, render(&b.batches))
        );
    }
    let total: u64 = base().iter().map(|(_, t)| t.len() as u64).sum();
    assert_eq!(seen.iter().map(|(b, _)| b).sum::<u64>(), total);
    assert!(seen.iter().all(|(b, _)| *b <= 7));
    assert!(seen.windows(2).all(|w| w[0].1 <= w[1].1), "rows only grow");
    assert_eq!(seen.last().unwrap().1, 2);
}

#[wasm_bindgen_test(unsupported = test)]
fn a_reader_that_fails_is_an_error_naming_the_file_with_a_hint() {
    let mut builder = BronzeBuilder::new(IngestOptions::default());
    let text = format!("{PATIENTS_30}\n{PATIENT_ROW_30}\n");
    let reader = Trickle {
        bytes: text.as_bytes(),
        at: 0,
        step: 10,
        fail_at: Some(20),
    };
    let error = builder
        .read("patients.csv", reader, &mut |_, _| {})
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "cannot read `patients.csv`: device went away"
    );
    assert!(error.hint().is_some_and(|h| h.contains("complete")));
}

#[wasm_bindgen_test(unsupported = test)]
fn a_required_file_with_no_usable_row_is_an_error_not_an_empty_lakehouse() {
    let error = ingest(&[
        ("patients.csv", format!("{PATIENTS_30}\n")),
        base().remove(1),
    ])
    .unwrap_err();
    assert_eq!(error.to_string(), "`patients.csv` has no data rows");
    assert!(error.hint().unwrap().contains("incomplete"));
    let bad = PATIENT_ROW_30.replacen("2000-01-02", "unknown", 1);
    let error = ingest(&[
        ("patients.csv", format!("{PATIENTS_30}\n{bad}\n{bad}\n")),
        base().remove(1),
    ])
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "`patients.csv` has no usable rows: all 2 data rows were rejected (first: `patients.csv` line 2, column `BIRTHDATE`: invalid date (expected YYYY-MM-DD) `unknown` in `BIRTHDATE`)"
    );
    assert!(error.hint().unwrap().contains("spreadsheet"));
}

/// `text` with every field quoted, as a spreadsheet's "quote all" writes it.
fn quote_all(text: &str) -> String {
    text.lines()
        .map(|line| {
            line.split(',')
                .map(|f| format!("\"{f}\""))
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect::<Vec<_>>()
        .join("\r\n")
        + "\r\n"
}

#[wasm_bindgen_test(unsupported = test)]
fn quoted_fields_commas_newlines_and_thousands_separators_load() {
    let plain = ingest(&base()).unwrap();
    // Every field quoted, CRLF, and a trailing space after a header name.
    let patients =
        quote_all(&format!("{PATIENTS_30}\n{PATIENT_ROW_30}")).replacen("\"Id\"", "\"Id \"", 1);
    let row = ENCOUNTER_ROW
        .replace("Exam", "\"Exam, with \"\"notes\"\"\nover two lines\"")
        .replace("120.00", "\"1,120.00\"");
    let encounters =
        format!("{ENCOUNTERS_33}\n{row}\n{ENCOUNTER_ROW}\n").replacen(",e1,", ",e1,", 1);
    let encounters =
        encounters.replacen("\ne1,2020-01-01T10:00:00Z", "\ne0,2020-01-01T10:00:00Z", 1);
    let bronze = ingest(&[("patients.csv", patients), ("encounters.csv", encounters)]).unwrap();
    for file in &bronze.files {
        assert_eq!(
            (file.rows_rejected, file.rows_read),
            (0, file.rows_accepted),
            "{file:?}"
        );
    }
    let patients = bronze.table("patients").unwrap();
    let reference = plain.table("patients").unwrap();
    let cut = |batches: &[arrow_array::RecordBatch]| {
        // Everything but the provenance columns.
        let batch = &batches[0];
        render(&[batch
            .project(&(0..batch.num_columns() - 2).collect::<Vec<_>>())
            .unwrap()])
    };
    assert_eq!(cut(&patients.batches), cut(&reference.batches));
    let encounters = bronze.table("encounters").unwrap();
    let batch = &encounters.batches[0];
    let description = dictionary_text(
        column::<DictionaryArray<Int32Type>>(batch, "DESCRIPTION").unwrap(),
        0,
    );
    assert_eq!(description, Some("Exam, with \"notes\"\nover two lines"));
    let cost = column::<Float64Array>(batch, "TOTAL_CLAIM_COST").unwrap();
    assert_eq!(cost.value(0), 1120.0);
    // Line numbers count physical lines: the second record starts on line 4.
    let lines = column::<arrow_array::Int64Array>(batch, "_source_line").unwrap();
    assert_eq!((lines.value(0), lines.value(1)), (2, 4));
}

#[wasm_bindgen_test(unsupported = test)]
fn quoted_newlines_do_not_depend_on_chunk_boundaries() {
    // Quotes before, between and after two line ends of one record, an
    // escaped quote among them, and a record without quotes after it.
    let row = ENCOUNTER_ROW.replace("Exam", "\"Exam \"\"A\"\"\nsecond\nthird \"\"B\"\"\"");
    let text = format!("{ENCOUNTERS_33}\n{row}\n{ENCOUNTER_ROW}\n").replacen("\ne1,", "\ne0,", 1);
    let patients = format!("{PATIENTS_30}\n{PATIENT_ROW_30}\n");
    let whole = ingest(&[
        ("patients.csv", patients.clone()),
        ("encounters.csv", text.clone()),
    ])
    .unwrap();
    for chunk in [1, 2, 7] {
        let mut builder = BronzeBuilder::new(IngestOptions::default());
        builder
            .add_bytes("patients.csv", patients.as_bytes())
            .unwrap();
        builder.begin_file("encounters.csv").unwrap();
        for piece in text.as_bytes().chunks(chunk) {
            builder.push(piece).unwrap();
        }
        builder.end_file().unwrap();
        let chunked = builder.finish().unwrap();
        assert_eq!(chunked.files, whole.files, "chunks of {chunk}");
        let (a, b) = (
            whole.table("encounters").unwrap(),
            chunked.table("encounters").unwrap(),
        );
        assert_eq!(render(&a.batches), render(&b.batches), "chunks of {chunk}");
    }
    assert_eq!(whole.files[1].rows_accepted, 2);
    let encounters = whole.table("encounters").unwrap();
    assert!(
        render(&encounters.batches).contains("Exam \"A\"\nsecond\nthird \"B\""),
        "{}",
        render(&encounters.batches)
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn other_delimiters_encodings_and_line_endings_are_named() {
    let encounters = format!("{ENCOUNTERS_33}\n{ENCOUNTER_ROW}\n");
    let cases = [
        (
            encounters.replace(',', ";"),
            "fields are separated by semicolons, not commas",
        ),
        (
            encounters.replace(',', "\t"),
            "fields are separated by tabs, not commas",
        ),
        (
            encounters.replace('\n', "\r"),
            "lines end with a carriage return alone",
        ),
    ];
    for (text, words) in cases {
        let error = ingest(&[base().remove(0), ("encounters.csv", text)]).unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("`encounters.csv` line 1: "),
            "{message}"
        );
        assert!(message.contains(words), "{message}");
        assert!(error.hint().unwrap().contains("comma-separated, UTF-8"));
    }
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in encounters.encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    let mut builder = BronzeBuilder::new(IngestOptions::default());
    builder
        .add_bytes("patients.csv", base()[0].1.as_bytes())
        .unwrap();
    let error = builder.add_bytes("encounters.csv", &utf16).unwrap_err();
    assert!(error.to_string().contains("UTF-16"), "{error}");
}

#[wasm_bindgen_test(unsupported = test)]
fn a_file_of_one_huge_line_is_not_called_empty() {
    let huge = "x".repeat(crate::bronze::MAX_LINE_BYTES + 10);
    let bronze = with(&[("conditions.csv", huge.as_str())]);
    let warning = bronze
        .warnings
        .iter()
        .find(|w| w.starts_with("`conditions.csv`"))
        .unwrap();
    assert!(
        warning.contains("has no header: its lines are longer than"),
        "{warning}"
    );
    assert_eq!(bronze.rejects.num_rows(), 1);
}

/// A zip of `entries` (name, bytes), deflated.
fn zipped(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut bytes = Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut bytes);
        for (name, data) in entries {
            zip.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(data).unwrap();
        }
        zip.finish().unwrap();
    }
    bytes.into_inner()
}

#[wasm_bindgen_test(unsupported = test)]
fn a_zip_that_expands_past_its_limits_stops_with_a_message() {
    let patients = format!("{PATIENTS_30}\n{PATIENT_ROW_30}\n{}", "\n".repeat(3 << 20));
    let bomb = zipped(&[("patients.csv", patients.as_bytes())]);
    assert!(bomb.len() < 64 << 10, "{} bytes packed", bomb.len());
    // Under the defaults a few MiB are always allowed.
    let mut builder = BronzeBuilder::default();
    archive::ingest_zip(&mut builder, "small.zip", Cursor::new(bomb.clone())).unwrap();
    let limits = archive::ZipLimits {
        max_bytes: 1 << 20,
        max_ratio: 50,
    };
    let mut builder = BronzeBuilder::new(IngestOptions {
        zip: limits,
        ..IngestOptions::default()
    });
    let error =
        archive::ingest_zip(&mut builder, "bomb.zip", Cursor::new(bomb.clone())).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "the zip archive `bomb.zip` expands to more than 1048576 bytes ({} bytes packed): refused as a possible zip bomb",
            bomb.len()
        )
    );
    assert!(error.hint().unwrap().contains("--zip-max-gib"));
    // The ratio: 50 bytes per packed byte, but never under 64 MiB.
    assert_eq!(archive::ZipLimits::default().allowed(1 << 20), 64 << 20);
    assert_eq!(archive::ZipLimits::default().allowed(100 << 20), 4 << 30);
    assert_eq!(archive::ZipLimits::default().allowed(10 << 20), 500 << 20);
}

#[wasm_bindgen_test(unsupported = test)]
fn a_zip_inside_the_zip_is_refused_by_name() {
    let inner = zipped(&[("patients.csv", PATIENTS_30.as_bytes())]);
    let outer = zipped(&[("export/inner.zip", &inner)]);
    let error = archive::ingest_zip(
        &mut BronzeBuilder::default(),
        "outer.zip",
        Cursor::new(outer),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "`outer.zip!/export/inner.zip` is a zip inside the zip; nested archives are not read"
    );
    assert!(error.hint().is_some());
}

#[wasm_bindgen_test(unsupported = test)]
fn every_spelling_of_nan_and_infinity_is_empty_and_counted() {
    let mut files = base();
    let mut rows = String::new();
    for (i, cost) in ["NaN", "nan", "inf", "-Infinity", "12.5"]
        .iter()
        .enumerate()
    {
        rows.push_str(
            &ENCOUNTER_ROW
                .replacen("e1,", &format!("e{i},"), 1)
                .replace("120.00", cost),
        );
        rows.push('\n');
    }
    files[1].1 = format!("{ENCOUNTERS_33}\n{rows}");
    let bronze = ingest(&files).unwrap();
    let encounters = bronze
        .files
        .iter()
        .find(|f| f.path == "encounters.csv")
        .unwrap();
    assert_eq!(
        (
            encounters.rows_accepted,
            encounters.rows_rejected,
            encounters.non_finite_numbers
        ),
        (5, 0, 4)
    );
    let batch = &bronze.table("encounters").unwrap().batches[0];
    let cost = column::<Float64Array>(batch, "TOTAL_CLAIM_COST").unwrap();
    assert_eq!(cost.null_count(), 4);
    assert_eq!(cost.value(4), 12.5);
    // A number too large to be finite is no spelling of "no value": rejected.
    files[1].1 = format!(
        "{ENCOUNTERS_33}\n{}\n{ENCOUNTER_ROW}\n",
        ENCOUNTER_ROW
            .replacen("e1,", "e0,", 1)
            .replace("120.00", "1e999")
    );
    assert_eq!(ingest(&files).unwrap().rejects.num_rows(), 1);
}

/// Files read in shares by several builders and merged give the bronze layer
/// (and so every output file) one builder gives, byte for byte: reports,
/// warnings and rejects back in input order, each kind batched as one
/// builder batches it (two rows a batch here, so batches span part files).
#[test]
#[wasm_bindgen_test]
fn shares_read_apart_and_merged_equal_one_reader() {
    let mut files: Vec<(String, Vec<u8>)> = super::fixtures::MINI
        .iter()
        .map(|(name, bytes)| ((*name).to_string(), bytes.to_vec()))
        .collect();
    let mut more_encounters = String::from_utf8(files[4].1.clone()).expect("utf-8");
    more_encounters = more_encounters.replace("\ne", "\nx");
    more_encounters.push_str("bad,not-a-date,,p1,,,,wellness,1,Exam,1,1,1,,\n");
    files.insert(
        2,
        ("part2/encounters.csv".into(), more_encounters.into_bytes()),
    );
    files.insert(0, ("notes.txt".into(), b"not synthea".to_vec()));
    files.push((
        "part2/allergies.csv".into(),
        b"START,STOP,PATIENT,ENCOUNTER,CODE,SYSTEM,DESCRIPTION,EXTRA\n2020-13-01,,p1,e1,1,SNOMED-CT,x,y\n"
            .to_vec(),
    ));
    let options = IngestOptions {
        batch_rows: 2,
        ..IngestOptions::default()
    };
    let build = |bronze: Bronze| {
        let lakehouse = crate::build(bronze, None).expect("builds");
        let warnings = lakehouse.bronze.warnings.clone();
        let reports = lakehouse.bronze.files.clone();
        (
            lakehouse.output_files(false).expect("encodes"),
            warnings,
            reports,
        )
    };
    let mut one = BronzeBuilder::new(options.clone());
    for (path, bytes) in &files {
        one.add_bytes(path, bytes).expect("reads");
    }
    let (expected, warnings, reports) = build(one.finish().expect("finishes"));
    assert!(warnings.len() >= 3, "{warnings:?}");
    assert!(reports.iter().filter(|f| f.rows_rejected > 0).count() >= 2);
    let sizes: Vec<(&str, u64)> = files
        .iter()
        .map(|(path, bytes)| (path.as_str(), bytes.len() as u64))
        .collect();
    for parts in [1, 2, 3, 16] {
        let shares = crate::bronze::plan_parts(&sizes, parts);
        assert_eq!(
            shares.len(),
            parts.min(sizes.len() - 2),
            "one share per kind at most"
        );
        let mut all: Vec<usize> = shares.concat();
        all.sort_unstable();
        assert_eq!(
            all,
            (0..files.len()).collect::<Vec<_>>(),
            "every file in one share"
        );
        // Read the shares in reverse, as threads may finish in any order.
        let read: Vec<(BronzeBuilder, Vec<(usize, usize)>)> = shares
            .iter()
            .rev()
            .map(|share| {
                let mut builder = BronzeBuilder::new(options.clone());
                for &at in share {
                    builder
                        .add_bytes(&files[at].0, &files[at].1)
                        .expect("reads");
                }
                (builder, share.iter().map(|at| (*at, 0)).collect())
            })
            .collect();
        let merged = BronzeBuilder::merge(options.clone(), read).expect("merges");
        let (got, got_warnings, got_reports) = build(merged.finish().expect("finishes"));
        assert_eq!(got_warnings, warnings, "{parts} shares");
        assert_eq!(got_reports, reports, "{parts} shares");
        assert_eq!(got.len(), expected.len());
        for (a, b) in got.iter().zip(&expected) {
            if a != b {
                eprintln!(
                    "{}",
                    String::from_utf8_lossy(&a.bytes[..a.bytes.len().min(3000)])
                );
                eprintln!("----");
                eprintln!(
                    "{}",
                    String::from_utf8_lossy(&b.bytes[..b.bytes.len().min(3000)])
                );
            }
            assert!(a == b, "{} differs with {parts} shares", a.path);
        }
    }
}

/// A file read in segments (each after a number of lines, the header read
/// again) and merged gives what one reader gives, byte for byte, when every
/// segment but the last ends on a batch boundary; otherwise the merge says
/// so, and the caller reads the file whole.
#[test]
#[wasm_bindgen_test]
fn segments_on_batch_boundaries_merge_into_one_readers_file() {
    let options = IngestOptions {
        batch_rows: 2,
        ..IngestOptions::default()
    };
    let files: Vec<(&str, &[u8])> = super::fixtures::MINI.to_vec();
    let big = files
        .iter()
        .position(|(name, _)| *name == "claims_transactions.csv")
        .expect("mini has claims_transactions");
    let text = files[big].1;
    let line_ends: Vec<usize> = memchr::memchr_iter(b'\n', text).collect();
    assert!(line_ends.len() >= 7, "enough lines to cut");
    let build = |builder: BronzeBuilder| {
        let lakehouse = crate::build(builder.finish().expect("finishes"), None).expect("builds");
        (
            lakehouse.output_files(false).expect("encodes"),
            lakehouse.bronze.files.clone(),
        )
    };
    let mut one = BronzeBuilder::new(options.clone());
    for (path, bytes) in &files {
        one.add_bytes(path, bytes).expect("reads");
    }
    let (expected, reports) = build(one);
    // Segments after lines 1+2k (the header and k batches of two rows).
    let cut = |cuts: &[u64]| {
        let mut parts: Vec<(BronzeBuilder, Vec<(usize, usize)>)> = Vec::new();
        let mut rest = BronzeBuilder::new(options.clone());
        let mut keys = Vec::new();
        for (at, (path, bytes)) in files.iter().enumerate() {
            if at != big {
                rest.add_bytes(path, bytes).expect("reads");
                keys.push((at, 0));
            }
        }
        parts.push((rest, keys));
        let header = &text[..line_ends[0]];
        let mut bounds: Vec<(u64, usize)> = vec![(0, 0)];
        bounds.extend(
            cuts.iter()
                .map(|&lines| (lines, line_ends[lines as usize - 1] + 1)),
        );
        for (segment, window) in bounds.iter().enumerate() {
            let end = bounds.get(segment + 1).map_or(text.len(), |b| b.1);
            let mut builder = BronzeBuilder::new(options.clone());
            let header = (segment > 0).then_some(header);
            builder
                .begin_segment(files[big].0, header, window.0)
                .expect("begins");
            // In two pushes, as a reader's chunks would come.
            let middle = window.1 + (end - window.1) / 2;
            builder.push(&text[window.1..middle]).expect("pushes");
            builder.push(&text[middle..end]).expect("pushes");
            builder.end_file().expect("ends");
            parts.push((builder, vec![(big, segment)]));
        }
        // Threads finish in any order.
        parts.reverse();
        BronzeBuilder::merge(options.clone(), parts)
    };
    for cuts in [&[3u64][..], &[3, 5], &[5, 7]] {
        let mut merged = cut(cuts).expect("aligned segments merge");
        assert_eq!(merged.files.len(), files.len());
        assert!(
            merged.files[big].sha256.is_empty(),
            "a segmented file is hashed by the caller"
        );
        merged.set_sha256(big, reports[big].sha256.clone());
        let (got, got_reports) = build(merged);
        assert_eq!(got_reports, reports, "cut after lines {cuts:?}");
        for (a, b) in got.iter().zip(&expected) {
            assert!(a == b, "{} differs, cut after lines {cuts:?}", a.path);
        }
    }
    // After line 4: the first segment holds three rows, not whole batches.
    assert!(matches!(
        cut(&[4]),
        Err(crate::Error::UnalignedSegments { .. })
    ));
}

/// Every bronze table's own id is written plain and uncompressed, its line
/// numbers without a dictionary, every other column as before (a dictionary
/// and Snappy); silver's and gold's files keep the defaults throughout.
#[wasm_bindgen_test(unsupported = test)]
fn bronze_ids_and_line_numbers_are_written_without_a_dictionary() {
    use parquet::basic::{Compression, Encoding};
    use parquet::file::reader::{FileReader, SerializedFileReader};

    let lakehouse = super::fixtures::mini();
    let (mut ids, mut lines, mut tables_with_id) = (0, 0, 0);
    for file in lakehouse.output_files(false).unwrap() {
        let Some(name) = file.path.strip_suffix(".parquet") else {
            continue;
        };
        let reader = SerializedFileReader::new(bytes::Bytes::from(file.bytes)).unwrap();
        let spec = name
            .strip_prefix("bronze/")
            .and_then(crate::bronze::spec::table_named);
        if spec.is_some_and(|s| s.columns.iter().any(|c| c.is_row_id())) {
            tables_with_id += 1;
        }
        let layouts = spec.map(crate::bronze::parquet_layouts).unwrap_or_default();
        for group in reader.metadata().row_groups() {
            for chunk in group.columns() {
                let column = chunk.column_path().string();
                let layout = layouts
                    .iter()
                    .find(|(c, _)| *c == column)
                    .map(|&(_, layout)| layout);
                let dictionary = chunk.encodings().any(|e| e == Encoding::RLE_DICTIONARY);
                let context = format!("{name}.{column}");
                match layout {
                    Some(ColumnLayout::RandomIds) => {
                        ids += 1;
                        assert!(!dictionary, "{context}");
                        assert_eq!(chunk.compression(), Compression::UNCOMPRESSED, "{context}");
                    }
                    Some(ColumnLayout::NoDictionary) => {
                        lines += 1;
                        assert!(!dictionary, "{context}");
                        assert_eq!(chunk.compression(), Compression::SNAPPY, "{context}");
                    }
                    None => {
                        assert_eq!(chunk.compression(), Compression::SNAPPY, "{context}");
                        if column == "patient_key" || column == "PATIENT" {
                            assert!(dictionary, "{context}");
                        }
                    }
                }
            }
        }
    }
    // One row group each in the mini set.
    assert_eq!(ids, tables_with_id);
    assert!(ids >= 5 && lines > ids, "{ids} id and {lines} line columns");
}
