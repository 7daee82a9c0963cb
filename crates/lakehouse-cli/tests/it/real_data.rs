//! The CLI over every real export in `../shared/synthea`: zero rejects, row
//! counts equal to the input files' lines, facts that resolve to their
//! dimensions, `gold_kpis` equal to an independent computation, and
//! byte-identical output from repeated runs and from other packagings of the
//! same data (zip, CRLF line ends, split part files).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use arrow_array::{Array, BooleanArray, Date32Array, Float64Array, Int64Array, RecordBatch};

use crate::support::{
    REAL_SETS, files, fixtures, lakehouse, real_set, rows, run_ok, table, temp_dir,
};

fn data_lines(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().skip(1).filter(|l| !l.is_empty()).count()
}

fn column<'a, T: 'static>(batch: &'a RecordBatch, name: &str) -> &'a T {
    batch
        .column_by_name(name)
        .unwrap_or_else(|| panic!("column {name}"))
        .as_any()
        .downcast_ref::<T>()
        .unwrap()
}

#[test]
fn every_real_set_runs_clean_and_row_counts_match_the_input_files() {
    for set in REAL_SETS {
        let Some(input) = real_set(set) else { return };
        let out = temp_dir(set);
        run_ok(&input, &out);
        assert_eq!(
            rows(&table(&out, "bronze", "bronze_rejects")),
            0,
            "{set}: clean real data has no rejects"
        );
        let mut expected: BTreeMap<String, usize> = BTreeMap::new();
        for entry in std::fs::read_dir(&input).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "csv") {
                let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
                *expected.entry(stem).or_default() += data_lines(&path);
            }
        }
        for (stem, lines) in &expected {
            let batches = table(&out, "bronze", &format!("bronze_{stem}"));
            assert_eq!(
                rows(&batches),
                *lines,
                "{set}: bronze_{stem} rows = data lines of {stem}.csv"
            );
        }
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
        for input in manifest["inputs"].as_array().unwrap() {
            let read = input["rows_read"].as_i64().unwrap();
            let accepted = input["rows_accepted"].as_i64().unwrap();
            let rejected = input["rows_rejected"].as_i64().unwrap();
            assert_eq!(read, accepted + rejected, "{set}: {}", input["path"]);
            assert_eq!(input["sha256"].as_str().unwrap().len(), 64);
        }
        let label = manifest["synthea_version"]["label"].as_str().unwrap();
        let expected_version = match set {
            "dbt-synthea-v3.0.0" => "3.0",
            "synthea-au-v3.3plus" => "3.3",
            _ => "2.7",
        };
        assert_eq!(label, expected_version, "{set}: detected version");
        // Silver facts keep one row per input row (no duplicates in these sets' facts).
        assert_eq!(
            rows(&table(&out, "silver", "fact_encounters")),
            expected["encounters"],
            "{set}"
        );
        assert_eq!(
            rows(&table(&out, "silver", "fact_conditions")),
            expected["conditions"],
            "{set}"
        );
        assert_eq!(
            rows(&table(&out, "silver", "dim_patient")),
            expected["patients"],
            "{set}"
        );
        // No data-quality rule of severity error fails on clean real data.
        let dq = table(&out, "gold", "dq_results");
        for batch in &dq {
            let severity = column::<arrow_array::StringArray>(batch, "severity");
            let failed = column::<Int64Array>(batch, "rows_failed");
            let rule = column::<arrow_array::StringArray>(batch, "rule_id");
            for i in 0..batch.num_rows() {
                if severity.value(i) == "error" {
                    assert_eq!(failed.value(i), 0, "{set}: {} failed", rule.value(i));
                }
            }
        }
    }
}

fn keys(out: &Path, name: &str, column_name: &str) -> Vec<Option<i64>> {
    table(out, "silver", name)
        .iter()
        .flat_map(|b| {
            column::<Int64Array>(b, column_name)
                .iter()
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn every_fact_key_of_every_real_set_resolves() {
    for set in REAL_SETS {
        let Some(input) = real_set(set) else { return };
        let out = temp_dir(&format!("fk-{set}"));
        run_ok(&input, &out);
        for relation in lakehouse_pipeline::silver::FOREIGN_KEYS {
            let (fact, fk, dim, key) = (
                relation.table,
                relation.column,
                relation.references,
                relation.key,
            );
            let dim_keys: Vec<i64> = keys(&out, dim, key)
                .into_iter()
                .map(|k| k.expect("dimension keys are never null"))
                .collect();
            let unique: HashSet<i64> = dim_keys.iter().copied().collect();
            assert_eq!(unique.len(), dim_keys.len(), "{set}: {dim}.{key} is unique");
            let values = keys(&out, fact, fk);
            let nulls = values.iter().filter(|v| v.is_none()).count();
            for value in values.into_iter().flatten() {
                assert!(
                    unique.contains(&value),
                    "{set}: {fact}.{fk} = {value} not in {dim}"
                );
            }
            // Only keys Synthea may leave empty can be null.
            let nullable = matches!(
                (fact, fk),
                ("fact_encounters", "stop_date_key")
                    // only an inpatient stay's admission row has a discharge
                    | ("fact_encounters", "stay_discharge_date_key")
                    | ("fact_conditions", "stop_date_key")
                    | ("fact_medications", "stop_date_key")
                    | ("fact_claims", "primary_payer_key")
                    | ("fact_claims", "secondary_payer_key")
            );
            assert!(
                nullable || nulls == 0,
                "{set}: {fact}.{fk} has {nulls} unresolved keys"
            );
        }
    }
}

/// A UTC datetime or date → seconds since the epoch, written independently of the pipeline.
fn seconds(text: &str) -> i64 {
    let (y, m, d): (i64, i64, i64) = (
        text[0..4].parse().unwrap(),
        text[5..7].parse().unwrap(),
        text[8..10].parse().unwrap(),
    );
    let month_days = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let mut days: i64 = (1970..y).map(|yy| if leap(yy) { 366 } else { 365 }).sum();
    days += month_days[(m - 1) as usize] + d - 1 + i64::from(m > 2 && leap(y));
    let time = if text.len() >= 19 {
        text[11..13].parse::<i64>().unwrap() * 3600
            + text[14..16].parse::<i64>().unwrap() * 60
            + text[17..19].parse::<i64>().unwrap()
    } else {
        0
    };
    days * 86_400 + time
}

struct Csv {
    header: HashMap<String, usize>,
    rows: Vec<Vec<String>>,
}

impl Csv {
    fn read(path: &Path) -> Self {
        let text = std::fs::read_to_string(path).unwrap();
        let mut lines = text.lines();
        let header = lines
            .next()
            .unwrap()
            .split(',')
            .enumerate()
            .map(|(i, h)| (h.to_ascii_uppercase(), i))
            .collect();
        let mut seen = HashSet::new();
        let rows = lines
            .filter(|l| !l.is_empty() && seen.insert(l.to_string()))
            .map(|l| l.split(',').map(String::from).collect())
            .collect();
        Self { header, rows }
    }

    fn get<'a>(&self, row: &'a [String], name: &str) -> &'a str {
        &row[self.header[name]]
    }
}

/// Every `gold_kpis` value of every real export, recomputed from the star
/// tables with plain loops. Long because each KPI's independent definition
/// is spelled out next to its assertion.
#[test]
fn gold_kpis_equal_an_independent_computation() {
    for set in REAL_SETS {
        let Some(input) = real_set(set) else { return };
        let out = temp_dir(&format!("kpi-{set}"));
        run_ok(&input, &out);
        let patients = Csv::read(&input.join("patients.csv"));
        let encounters = Csv::read(&input.join("encounters.csv"));
        let deceased = patients
            .rows
            .iter()
            .filter(|r| !patients.get(r, "DEATHDATE").is_empty())
            .count() as i64;
        let distinct: HashSet<&str> = encounters
            .rows
            .iter()
            .map(|r| encounters.get(r, "PATIENT"))
            .collect();
        let total: f64 = encounters
            .rows
            .iter()
            .map(|r| {
                encounters
                    .get(r, "TOTAL_CLAIM_COST")
                    .parse::<f64>()
                    .unwrap()
            })
            .sum();
        let coverage: f64 = encounters
            .rows
            .iter()
            .map(|r| encounters.get(r, "PAYER_COVERAGE").parse::<f64>().unwrap())
            .sum();
        let inpatient: Vec<(&str, &str, i64, Option<i64>)> = encounters
            .rows
            .iter()
            .filter(|r| encounters.get(r, "ENCOUNTERCLASS") == "inpatient")
            .map(|r| {
                let stop = encounters.get(r, "STOP");
                (
                    encounters.get(r, "Id".to_ascii_uppercase().as_str()),
                    encounters.get(r, "PATIENT"),
                    seconds(encounters.get(r, "START")),
                    (!stop.is_empty()).then(|| seconds(stop)),
                )
            })
            .collect();
        let discharges = inpatient.iter().filter(|e| e.3.is_some()).count() as i64;
        let readmissions = inpatient
            .iter()
            .filter(|a| {
                let Some(stop) = a.3 else { return false };
                inpatient
                    .iter()
                    .any(|b| b.0 != a.0 && b.1 == a.1 && b.2 > stop && b.2 <= stop + 30 * 86_400)
            })
            .count() as i64;
        // Stays as docs/metrics.md defines them, recomputed here: in
        // (patient, start, id) order an encounter starting on the day of the
        // latest stop so far, or within 24 hours of it, is a transfer.
        let mut ordered = inpatient.clone();
        ordered.sort_by(|a, b| (a.1, a.2, a.0).cmp(&(b.1, b.2, b.0)));
        let day = |t: i64| t.div_euclid(86_400);
        // (admission, latest stop, every stop known)
        let mut stays: Vec<(i64, Option<i64>, bool)> = Vec::new();
        let mut latest: Option<(&str, i64)> = None;
        for e in &ordered {
            let transfer = latest.is_some_and(|(p, last)| {
                p == e.1 && (day(e.2) == day(last) || e.2 <= last + 86_400)
            });
            if transfer {
                let stay = stays.last_mut().unwrap();
                stay.1 = stay.1.max(e.3);
                stay.2 &= e.3.is_some();
            } else {
                stays.push((e.2, e.3, e.3.is_some()));
            }
            if latest.is_none_or(|(p, _)| p != e.1) {
                latest = e.3.map(|s| (e.1, s));
            } else if let (Some((p, last)), Some(stop)) = (latest, e.3) {
                latest = Some((p, last.max(stop)));
            }
        }
        let stay_days: Vec<i64> = stays
            .iter()
            .filter(|s| s.2)
            .map(|s| (day(s.1.unwrap()) - day(s.0)).max(1))
            .collect();

        let kpis = table(&out, "gold", "gold_kpis");
        let batch = &kpis[0];
        let int = |name: &str| column::<Int64Array>(batch, name).value(0);
        let float = |name: &str| {
            let array = column::<Float64Array>(batch, name);
            (!array.is_null(0)).then(|| array.value(0))
        };
        let close = |a: Option<f64>, b: f64, what: &str| {
            let a = a.unwrap_or_else(|| panic!("{set}: {what} is null"));
            assert!(
                (a - b).abs() <= 1e-6 * b.abs().max(1.0),
                "{set}: {what} {a} vs {b}"
            );
        };
        assert_eq!(int("patients"), patients.rows.len() as i64, "{set}");
        assert_eq!(int("deceased_patients"), deceased, "{set}");
        assert_eq!(int("encounters"), encounters.rows.len() as i64, "{set}");
        assert_eq!(
            int("patients_with_encounters"),
            distinct.len() as i64,
            "{set}"
        );
        assert_eq!(int("crude_discharges"), discharges, "{set}");
        assert_eq!(int("crude_readmissions_30d"), readmissions, "{set}");
        close(
            float("crude_readmission_rate_30d"),
            readmissions as f64 / discharges as f64,
            "crude readmission rate",
        );
        assert_eq!(int("inpatient_admissions"), stays.len() as i64, "{set}");
        assert_eq!(int("inpatient_discharges"), stay_days.len() as i64, "{set}");
        close(
            float("alos_days"),
            stay_days.iter().sum::<i64>() as f64 / stay_days.len() as f64,
            "ALOS in days",
        );
        // docs/metrics.md's bounds on every real export.
        assert!(int("member_months") > 0, "{set}: no member months");
        for name in ["pmpm_paid", "pmpm_allowed", "total_allowed", "total_paid"] {
            assert!(float(name).is_some_and(f64::is_finite), "{set}: {name}");
        }
        assert!(int("index_stays") <= int("inpatient_discharges"), "{set}");
        assert!(int("index_stays") <= discharges, "{set}");
        assert!(int("readmissions_30d") <= readmissions, "{set}");
        member_months_fit_each_life(
            &out,
            set,
            column::<Date32Array>(batch, "as_of_date").value(0),
        );
        close(float("total_claim_cost"), total, "total claim cost");
        close(float("total_payer_coverage"), coverage, "payer coverage");
        close(
            float("payer_coverage_pct"),
            coverage * 100.0 / total,
            "coverage %",
        );
        close(
            float("avg_cost_per_encounter"),
            total / encounters.rows.len() as f64,
            "cost per encounter",
        );

        // The per-encounter flag agrees with the count.
        let flagged: usize = table(&out, "silver", "fact_encounters")
            .iter()
            .map(|b| {
                column::<BooleanArray>(b, "readmitted_within_30d")
                    .iter()
                    .filter(|v| *v == Some(true))
                    .count()
            })
            .sum();
        assert_eq!(flagged as i64, readmissions, "{set}");
    }
}

#[test]
fn two_runs_write_byte_identical_files() {
    let Some(input) = real_set("dbt-synthea-v3.0.0") else {
        return;
    };
    let (a, b) = (temp_dir("twice-a"), temp_dir("twice-b"));
    run_ok(&input, &a);
    run_ok(&input, &b);
    let (first, second) = (files(&a), files(&b));
    assert!(first.len() > 40);
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        second.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &first {
        assert!(bytes == &second[path], "{path} differs between runs");
    }
}

/// Per patient: no month twice (so never two payers in one month), and no
/// more member months than calendar months alive up to `as_of`.
fn member_months_fit_each_life(out: &Path, set: &str, as_of: i32) {
    let mut life: HashMap<i64, (i32, i32)> = HashMap::new();
    for b in table(out, "silver", "dim_patient") {
        let (key, birth, death) = (
            column::<Int64Array>(&b, "patient_key"),
            column::<Date32Array>(&b, "birth_date"),
            column::<Date32Array>(&b, "death_date"),
        );
        for i in 0..b.num_rows() {
            let end = if death.is_null(i) {
                as_of
            } else {
                death.value(i).min(as_of)
            };
            life.insert(key.value(i), (birth.value(i), end));
        }
    }
    // A month number, to count calendar months between two days.
    let month = |days: i32| {
        let (y, m, _) = lakehouse_pipeline::dates::civil_from_days(days);
        y * 12 + m as i32
    };
    let mut seen: HashSet<(i64, i64)> = HashSet::new();
    let mut per_patient: HashMap<i64, i64> = HashMap::new();
    for b in table(out, "silver", "fact_member_months") {
        let (patient, month_key) = (
            column::<Int64Array>(&b, "patient_key"),
            column::<Int64Array>(&b, "month_key"),
        );
        for i in 0..b.num_rows() {
            let key = (patient.value(i), month_key.value(i));
            assert!(
                seen.insert(key),
                "{set}: patient {} has month {} twice",
                key.0,
                key.1
            );
            *per_patient.entry(key.0).or_default() += 1;
        }
    }
    assert!(!per_patient.is_empty(), "{set}: no member months");
    for (patient, n) in per_patient {
        let (birth, end) = life[&patient];
        let alive = i64::from(month(end) - month(birth) + 1);
        assert!(
            n <= alive,
            "{set}: patient {patient} has {n} member months, alive {alive}"
        );
    }
}

/// Silver and gold files of two output folders are byte-identical.
fn same_silver_and_gold(a: &Path, b: &Path, what: &str) {
    let (first, second) = (files(a), files(b));
    let mut compared = 0;
    for (path, bytes) in first
        .iter()
        .filter(|(p, _)| p.starts_with("silver") || p.starts_with("gold"))
    {
        assert!(second.get(path) == Some(bytes), "{what}: {path} differs");
        compared += 1;
    }
    let tables =
        lakehouse_pipeline::silver::TABLE_NAMES.len() + lakehouse_pipeline::gold::TABLE_NAMES.len();
    assert_eq!(compared, tables, "{what}");
}

#[test]
fn a_zip_crlf_line_ends_and_split_parts_give_the_same_star_schema() {
    let Some(input) = real_set("dbt-synthea-v3.0.0") else {
        return;
    };
    let reference = temp_dir("ref");
    run_ok(&input, &reference);
    let mut names: Vec<_> = std::fs::read_dir(&input)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();

    // A .zip with a sub-folder.
    let zip_dir = temp_dir("zip");
    let zip_path = zip_dir.join("export.zip");
    {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
        let options = zip::write::SimpleFileOptions::default();
        for path in &names {
            zip.start_file(
                format!("output/csv/{}", path.file_name().unwrap().to_string_lossy()),
                options,
            )
            .unwrap();
            zip.write_all(&std::fs::read(path).unwrap()).unwrap();
        }
        zip.finish().unwrap();
    }
    let out = temp_dir("zip-out");
    run_ok(&zip_path, &out);
    same_silver_and_gold(&reference, &out, "zip");

    // Windows line ends, and large tables split into parts with their own header.
    let variant = temp_dir("variant");
    for path in &names {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).unwrap();
        let crlf = text.replace('\n', "\r\n");
        if name == "encounters.csv" || name == "claims_transactions.csv" {
            let mut lines: Vec<&str> = crlf.split_inclusive("\r\n").collect();
            let header = lines.remove(0);
            let half = lines.len() / 2;
            let stem = name.trim_end_matches(".csv");
            std::fs::write(
                variant.join(format!("{stem}-1.csv")),
                format!("{header}{}", lines[..half].concat()),
            )
            .unwrap();
            std::fs::write(
                variant.join(format!("{stem}-2.csv")),
                format!("{header}{}", lines[half..].concat()),
            )
            .unwrap();
        } else {
            std::fs::write(variant.join(&name), crlf).unwrap();
        }
    }
    let out = temp_dir("variant-out");
    run_ok(&variant, &out);
    same_silver_and_gold(&reference, &out, "crlf + split parts");
}

#[test]
fn the_summary_names_the_version_and_the_accounting() {
    let Some(input) = real_set("uk-ipop-v2.7.0") else {
        return;
    };
    let out = temp_dir("summary");
    let output = run_ok(&input, &out);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with("Synthea version  2.7\nas of            2021-03-19\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("rows read = 58984 accepted + 0 rejected"),
        "{stdout}"
    );
    assert!(stdout.contains("gold     gold_kpis"), "{stdout}");
}

/// `--threads N` reads shares of the files side by side, cuts a large file
/// into segments, and encodes tables side by side: every file it writes,
/// its summary, warnings, exit code and error must be those of
/// `--threads 1`, on every real export (whole, and with batches of 300 rows
/// so that its largest file is cut), on one whose large file has a blank
/// line (the segments do not join: it is read again whole), on one whose
/// large file holds a quoted field (it is not cut), on every invalid
/// fixture (rejects, warnings, errors), and when two files fail the one
/// reported is the one a single reader meets first.
#[test]
fn every_thread_count_writes_the_same_bytes_and_says_the_same() {
    let mut inputs: Vec<(PathBuf, &[&str])> = Vec::new();
    for set in REAL_SETS.iter().filter_map(|set| real_set(set)) {
        inputs.push((set.clone(), &[]));
        inputs.push((set, &["--batch-rows", "300"]));
    }
    // The dbt export into `dir`, its claims_transactions.csv changed by `edit`.
    let edited = |dir: &Path, edit: fn(&mut Vec<u8>)| -> bool {
        let Some(set) = real_set("dbt-synthea-v3.0.0") else {
            return false;
        };
        for entry in std::fs::read_dir(&set).unwrap() {
            let path = entry.unwrap().path();
            let mut bytes = std::fs::read(&path).unwrap();
            if path.ends_with("claims_transactions.csv") {
                edit(&mut bytes);
            }
            std::fs::write(dir.join(path.file_name().unwrap()), bytes).unwrap();
        }
        true
    };
    // The line after `at` bytes starts where this says.
    fn next_line(bytes: &[u8], at: usize) -> usize {
        at + bytes[at..].iter().position(|b| *b == b'\n').unwrap() + 1
    }
    let blank = temp_dir("threads-blank-line");
    if edited(&blank, |bytes| {
        bytes.insert(next_line(bytes, bytes.len() / 3) - 1, b'\n')
    }) {
        inputs.push((blank.to_path_buf(), &["--batch-rows", "300"]));
    }
    // A large file with a quoted field cannot be cut (a quote may hold a
    // line end): its scan says so and its first segment reads it whole.
    let quoted = temp_dir("threads-quoted");
    let quote_a_field = |bytes: &mut Vec<u8>| {
        let start = next_line(bytes, bytes.len() / 2);
        let comma = start + bytes[start..].iter().position(|b| *b == b',').unwrap();
        bytes.insert(comma, b'"');
        bytes.insert(start, b'"');
    };
    if edited(&quoted, quote_a_field) {
        inputs.push((quoted.to_path_buf(), &["--batch-rows", "300"]));
    }
    let mut invalid: Vec<PathBuf> = std::fs::read_dir(fixtures().join("invalid"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    invalid.sort();
    inputs.extend(
        invalid
            .into_iter()
            .map(|path| (path, &["--batch-rows", "1"][..])),
    );
    // Two files of different kinds that both stop the run.
    let two_failures = temp_dir("threads-two-failures");
    for entry in std::fs::read_dir(fixtures().join("mini")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, two_failures.join(path.file_name().unwrap())).unwrap();
    }
    for (file, column) in [("claims.csv", "Id"), ("procedures.csv", "CODE")] {
        let path = two_failures.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let (header, rest) = text.split_once('\n').unwrap();
        let header = header.replacen(column, "RENAMED", 1);
        std::fs::write(&path, format!("{header}\n{rest}")).unwrap();
    }
    inputs.push((two_failures.to_path_buf(), &[]));
    for (input, extra) in &inputs {
        let what = format!("{} {extra:?}", input.display());
        let runs: Vec<_> = ["1", "2", "5"]
            .iter()
            .map(|threads| {
                let out = temp_dir(&format!("threads-{threads}"));
                let mut args = vec![
                    "run",
                    input.to_str().unwrap(),
                    "--out",
                    out.to_str().unwrap(),
                    "--csv",
                    "--threads",
                    threads,
                ];
                args.extend_from_slice(extra);
                let output = lakehouse(&args);
                let said = String::from_utf8_lossy(&output.stderr)
                    .replace(out.to_str().unwrap(), "OUT")
                    + &String::from_utf8_lossy(&output.stdout)
                        .replace(out.to_str().unwrap(), "OUT");
                (output.status.code(), said, files(&out), out)
            })
            .collect();
        let (code, said, written, _) = &runs[0];
        for (other_code, other_said, other_written, _) in &runs[1..] {
            assert_eq!(other_code, code, "{what}");
            assert_eq!(other_said, said, "{what}");
            assert_eq!(
                other_written.keys().collect::<Vec<_>>(),
                written.keys().collect::<Vec<_>>(),
                "{what}"
            );
            for (path, bytes) in written {
                assert!(bytes == &other_written[path], "{what}: {path} differs");
            }
        }
        if input.as_path() == &*two_failures {
            assert_eq!(*code, Some(2), "{said}");
            assert!(
                said.contains("claims.csv") && !said.contains("procedures.csv"),
                "{said}"
            );
        }
    }
}
