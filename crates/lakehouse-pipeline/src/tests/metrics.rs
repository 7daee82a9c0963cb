//! The payer metrics of docs/metrics.md, one hand-worked case per rule, and
//! the check that docs/metrics.md names every column the code computes.

use arrow_array::{BooleanArray, Float64Array, Int64Array, StringArray};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::Lakehouse;
use crate::table::Table;

const METRICS_MD: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/metrics.md"
));

const PATIENTS: &str = "Id,BIRTHDATE,DEATHDATE,SSN,DRIVERS,PASSPORT,PREFIX,FIRST,MIDDLE,LAST,SUFFIX,MAIDEN,MARITAL,RACE,ETHNICITY,GENDER,BIRTHPLACE,ADDRESS,CITY,STATE,COUNTY,FIPS,ZIP,LAT,LON,HEALTHCARE_EXPENSES,HEALTHCARE_COVERAGE,INCOME";
const ENCOUNTERS: &str = "Id,START,STOP,PATIENT,ORGANIZATION,PROVIDER,PAYER,ENCOUNTERCLASS,CODE,DESCRIPTION,BASE_ENCOUNTER_COST,TOTAL_CLAIM_COST,PAYER_COVERAGE,REASONCODE,REASONDESCRIPTION";
const MEDICATIONS: &str = "START,STOP,PATIENT,PAYER,ENCOUNTER,CODE,DESCRIPTION,BASE_COST,PAYER_COVERAGE,DISPENSES,TOTALCOST,REASONCODE,REASONDESCRIPTION";
const PAYERS: &str = "Id,NAME,OWNERSHIP\npay-0,NO_INSURANCE,NO_INSURANCE\npay-1,Medicare,GOVERNMENT\npay-2,Aetna,PRIVATE\n";
const TRANSITIONS: &str =
    "PATIENT,MEMBERID,START_DATE,END_DATE,PAYER,SECONDARY_PAYER,PLAN_OWNERSHIP,OWNER_NAME";

/// A CSV line of `header` with the named fields set, the rest empty.
fn line(header: &str, fields: &[(&str, &str)]) -> String {
    header
        .split(',')
        .map(|name| {
            fields
                .iter()
                .find(|(n, _)| *n == name)
                .map_or("", |(_, v)| *v)
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn patient(id: &str, birth: &str, death: &str) -> String {
    line(
        PATIENTS,
        &[
            ("Id", id),
            ("BIRTHDATE", birth),
            ("DEATHDATE", death),
            ("GENDER", "F"),
        ],
    )
}

/// An encounter: id, start, stop, patient, payer, class, cost, coverage.
fn encounter(e: [&str; 8]) -> String {
    line(
        ENCOUNTERS,
        &[
            ("Id", e[0]),
            ("START", e[1]),
            ("STOP", e[2]),
            ("PATIENT", e[3]),
            ("PAYER", e[4]),
            ("ENCOUNTERCLASS", e[5]),
            ("TOTAL_CLAIM_COST", e[6]),
            ("PAYER_COVERAGE", e[7]),
        ],
    )
}

fn period(patient: &str, start: &str, end: &str, payer: &str) -> String {
    line(
        TRANSITIONS,
        &[
            ("PATIENT", patient),
            ("START_DATE", start),
            ("END_DATE", end),
            ("PAYER", payer),
        ],
    )
}

fn csv(header: &str, rows: &[String]) -> Vec<u8> {
    let mut text = format!("{header}\n");
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    text.into_bytes()
}

/// The case export: patients A (adult), B (a child), C (dies during a
/// stay), D (born mid-month), E (dies mid-month), as of 2024-12-31.
fn case() -> Lakehouse {
    let patients = csv(
        PATIENTS,
        &[
            patient("A", "1950-01-01", ""),
            patient("B", "2010-06-01", ""),
            patient("C", "1960-01-01", "2024-03-10"),
            patient("D", "2020-03-15", ""),
            patient("E", "1970-01-01", "2023-05-20"),
        ],
    );
    let t = |d: &str| format!("{d}Z");
    let ip = "inpatient";
    let encounters = csv(
        ENCOUNTERS,
        &[
            // A transfer chain of three: the second starts on the first's
            // stop day, the third within 24 hours of the second's stop.
            encounter([
                "a1",
                &t("2024-01-01T10:00:00"),
                &t("2024-01-03T09:00:00"),
                "A",
                "pay-1",
                ip,
                "1259553.3",
                "1000.10",
            ]),
            encounter([
                "a2",
                &t("2024-01-03T15:00:00"),
                &t("2024-01-05T08:00:00"),
                "A",
                "pay-1",
                ip,
                "0.1",
                "0.1",
            ]),
            encounter([
                "a3",
                &t("2024-01-06T07:00:00"),
                &t("2024-01-10T12:00:00"),
                "A",
                "pay-1",
                ip,
                "0.1",
                "0",
            ]),
            // Readmitted 15 days after the chain's discharge.
            encounter([
                "a4",
                &t("2024-01-25T00:00:00"),
                &t("2024-01-26T00:00:00"),
                "A",
                "pay-1",
                ip,
                "0",
                "0",
            ]),
            // Discharged 10 days before as_of: follow-up incomplete.
            encounter([
                "a5",
                &t("2024-12-19T00:00:00"),
                &t("2024-12-21T00:00:00"),
                "A",
                "pay-1",
                ip,
                "0",
                "0",
            ]),
            encounter([
                "a6",
                &t("2024-06-01T00:00:00"),
                &t("2024-06-01T01:00:00"),
                "A",
                "pay-1",
                "emergency",
                "0",
                "0",
            ]),
            // A child's stay and its readmission.
            encounter([
                "b1",
                &t("2024-02-01T00:00:00"),
                &t("2024-02-03T00:00:00"),
                "B",
                "pay-2",
                ip,
                "0",
                "0",
            ]),
            encounter([
                "b2",
                &t("2024-02-10T00:00:00"),
                &t("2024-02-11T00:00:00"),
                "B",
                "pay-2",
                ip,
                "0",
                "0",
            ]),
            // C dies on 2024-03-10, during this stay.
            encounter([
                "c1",
                &t("2024-03-08T00:00:00"),
                &t("2024-03-12T00:00:00"),
                "C",
                "pay-1",
                ip,
                "0",
                "0",
            ]),
        ],
    );
    let transitions = csv(
        TRANSITIONS,
        &[
            // Overlapping periods of one payer: each day once.
            period(
                "A",
                &t("2024-01-01T00:00:00"),
                &t("2024-06-30T00:00:00"),
                "pay-1",
            ),
            period(
                "A",
                &t("2024-03-01T00:00:00"),
                &t("2024-12-31T00:00:00"),
                "pay-1",
            ),
            // A mid-May switch: Aetna 15 days, Medicare 16.
            period(
                "B",
                &t("2024-01-01T00:00:00"),
                &t("2024-05-15T00:00:00"),
                "pay-2",
            ),
            period(
                "B",
                &t("2024-05-16T00:00:00"),
                &t("2024-12-31T00:00:00"),
                "pay-1",
            ),
            // Open-ended, starting before birth: March 2020 to as_of.
            period("D", &t("2020-01-01T00:00:00"), "", "pay-2"),
            // No payer is NO_INSURANCE; coverage ends at death.
            period(
                "E",
                &t("2023-01-01T00:00:00"),
                &t("2023-12-31T00:00:00"),
                "",
            ),
        ],
    );
    let payers = PAYERS.as_bytes().to_vec();
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("patients.csv", patients),
        ("encounters.csv", encounters),
        ("payer_transitions.csv", transitions),
        ("payers.csv", payers),
    ];
    run(&files, "2024-12-31")
}

/// An export of patient A (born 1950), the three payers, `encounters` and
/// one more file.
fn one_patient(
    encounters: &[String],
    more: (&'static str, Vec<u8>),
) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (
            "patients.csv",
            csv(PATIENTS, &[patient("A", "1950-01-01", "")]),
        ),
        ("payers.csv", PAYERS.as_bytes().to_vec()),
        ("encounters.csv", csv(ENCOUNTERS, encounters)),
        more,
    ]
}

fn run(files: &[(&str, Vec<u8>)], as_of: &str) -> Lakehouse {
    crate::run_bytes(
        files.iter().map(|(n, b)| (*n, b.as_slice())),
        Some(crate::parse_as_of(as_of).unwrap()),
    )
    .unwrap()
}

fn table<'a>(lakehouse: &'a Lakehouse, name: &str) -> &'a Table {
    lakehouse
        .silver
        .table(name)
        .or_else(|| lakehouse.gold.table(name))
        .unwrap_or_else(|| panic!("{name}"))
}

fn ints(t: &Table, name: &str) -> Vec<Option<i64>> {
    t.column::<Int64Array>(name).unwrap().iter().collect()
}

fn floats(t: &Table, name: &str) -> Vec<Option<f64>> {
    t.column::<Float64Array>(name).unwrap().iter().collect()
}

fn bools(t: &Table, name: &str) -> Vec<Option<bool>> {
    t.column::<BooleanArray>(name).unwrap().iter().collect()
}

fn texts<'a>(t: &'a Table, name: &str) -> Vec<Option<&'a str>> {
    t.column::<StringArray>(name).unwrap().iter().collect()
}

fn kpi_int(l: &Lakehouse, name: &str) -> i64 {
    ints(table(l, "gold_kpis"), name)[0].unwrap()
}

fn kpi(l: &Lakehouse, name: &str) -> Option<f64> {
    floats(table(l, "gold_kpis"), name)[0]
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[wasm_bindgen_test(unsupported = test)]
fn stays_chain_transfers_and_count_days_as_midnights() {
    let l = case();
    let e = table(&l, "fact_encounters");
    // Rows are in Id order: a1..a6, b1, b2, c1.
    assert_eq!(
        ints(e, "stay_key"),
        [1, 1, 1, 4, 5]
            .map(Some)
            .into_iter()
            .chain([None, Some(7), Some(8), Some(9)])
            .collect::<Vec<_>>()
    );
    let days = ints(e, "stay_days");
    // a1–a3: 1 January to 10 January is nine midnights; a4 and b2 one day.
    assert_eq!(
        days,
        vec![
            Some(9),
            None,
            None,
            Some(1),
            Some(2),
            None,
            Some(2),
            Some(1),
            Some(4)
        ]
    );
    let fractional = floats(e, "stay_days_fractional");
    assert!(close(fractional[0], 9.0 + 2.0 / 24.0));
    assert_eq!(kpi_int(&l, "inpatient_discharges"), 6);
    assert_eq!(kpi_int(&l, "inpatient_days"), 19);
    assert!(close(kpi(&l, "alos_days"), 19.0 / 6.0));
}

#[wasm_bindgen_test(unsupported = test)]
fn hedis_readmission_excludes_deaths_recent_discharges_and_children() {
    let l = case();
    let e = table(&l, "fact_encounters");
    let index = bools(e, "is_hedis_index_stay");
    // Index: the chain and a4. Not: a5 (10 days before as_of), b1 and b2
    // (aged 13), c1 (died in the stay).
    assert_eq!(
        index,
        vec![
            Some(true),
            None,
            None,
            Some(true),
            Some(false),
            None,
            Some(false),
            Some(false),
            Some(false)
        ]
    );
    let readmitted = bools(e, "hedis_readmitted_30d");
    assert_eq!(
        readmitted[0],
        Some(true),
        "a4 starts 15 days after the chain's discharge"
    );
    assert_eq!(readmitted[3], Some(false));
    assert_eq!(readmitted[6], None, "not an index stay");
    assert_eq!(bools(e, "stay_died")[8], Some(true));
    assert_eq!(
        (kpi_int(&l, "index_stays"), kpi_int(&l, "readmissions_30d")),
        (2, 1)
    );
    assert!(close(kpi(&l, "readmission_rate_30d"), 0.5));
    // Crude: 8 inpatient encounters with a stop; a1, a2, a3 (transfers and
    // the readmission) and b1 are followed within 30 days.
    assert_eq!(
        (
            kpi_int(&l, "crude_discharges"),
            kpi_int(&l, "crude_readmissions_30d")
        ),
        (8, 4)
    );
    assert_eq!(kpi_int(&l, "in_hospital_deaths"), 1);
    assert!(close(kpi(&l, "in_hospital_mortality_rate"), 1.0 / 6.0));
}

#[wasm_bindgen_test(unsupported = test)]
fn member_months_follow_coverage_life_and_as_of() {
    let l = case();
    let m = table(&l, "fact_member_months");
    let (patient, payer, month, covered) = (
        ints(m, "patient_key"),
        ints(m, "payer_key"),
        ints(m, "month_key"),
        ints(m, "covered_days"),
    );
    let of = |p: i64| {
        (0..m.num_rows())
            .filter(|&i| patient[i] == Some(p))
            .map(|i| (month[i].unwrap(), payer[i], covered[i].unwrap()))
            .collect::<Vec<_>>()
    };
    // Payer keys: NO_INSURANCE 1, Medicare 2, Aetna 3.
    let a = of(1);
    assert_eq!(a.len(), 12, "overlapping periods of one payer");
    assert_eq!(a[2], (20240301, Some(2), 31), "March counted once");
    let b = of(2);
    assert_eq!(b.len(), 12);
    assert_eq!(b[3], (20240401, Some(3), 30));
    assert_eq!(
        b[4],
        (20240501, Some(2), 16),
        "16 days of Medicare beat 15 of Aetna"
    );
    assert!(of(3).is_empty(), "C has no coverage");
    let d = of(4);
    assert_eq!(
        d.len(),
        10 + 4 * 12,
        "March 2020 to December 2024, open-ended"
    );
    assert_eq!(d[0], (20200301, Some(3), 17), "from the birth on 15 March");
    assert_eq!(d[d.len() - 1], (20241201, Some(3), 31));
    let e = of(5);
    assert_eq!(e.len(), 5, "January to May 2023, to the death");
    assert_eq!(
        e[4],
        (20230501, Some(1), 20),
        "an empty payer is NO_INSURANCE"
    );
    assert_eq!(kpi_int(&l, "member_months"), 87);
}

#[wasm_bindgen_test(unsupported = test)]
fn pmpm_and_utilization_divide_by_member_months() {
    let l = case();
    // Money: 1259553.3 + 0.1 + 0.1 is exactly 1259553.50.
    assert_eq!(kpi(&l, "total_claim_cost"), Some(1_259_553.5));
    assert_eq!(kpi(&l, "total_payer_coverage"), Some(1000.2));
    assert!(close(kpi(&l, "pmpm_allowed"), 1_259_553.5 / 87.0));
    let p = table(&l, "gold_pmpm_monthly");
    let row = (0..p.num_rows())
        .find(|&i| {
            texts(p, "year_month")[i] == Some("2024-01") && ints(p, "payer_key")[i] == Some(2)
        })
        .unwrap();
    assert_eq!(ints(p, "member_months")[row], Some(1));
    assert_eq!(floats(p, "medical_allowed")[row], Some(1_259_553.5));
    assert_eq!(floats(p, "pmpm_allowed")[row], Some(1_259_553.5));
    // 2024 under Medicare: A's 12 months and B's 8; stays a1–a3, a4, a5, c1.
    let u = table(&l, "gold_utilization_yearly");
    let row = (0..u.num_rows())
        .find(|&i| ints(u, "year")[i] == Some(2024) && ints(u, "payer_key")[i] == Some(2))
        .unwrap();
    assert_eq!(ints(u, "member_months")[row], Some(20));
    assert_eq!(ints(u, "admissions")[row], Some(4));
    assert!(close(
        floats(u, "admits_per_1000")[row],
        4.0 * 12_000.0 / 20.0
    ));
    assert_eq!(ints(u, "ed_visits")[row], Some(1));
}

#[wasm_bindgen_test(unsupported = test)]
fn crude_mortality_counts_deaths_among_the_living_on_1_january() {
    let l = case();
    let y = table(&l, "gold_mortality_yearly");
    assert_eq!(ints(y, "year"), vec![Some(2024)]);
    // A, B, C and D are alive on 1 January 2024 (E died in 2023); C dies.
    assert_eq!(ints(y, "alive_on_1_january"), vec![Some(4)]);
    assert_eq!(ints(y, "deaths"), vec![Some(1)]);
    assert!(close(floats(y, "crude_mortality_per_1000")[0], 250.0));
    assert_eq!(ints(y, "days_observed"), vec![Some(366)]);
    assert!(close(kpi(&l, "crude_mortality_per_1000"), 250.0));
}

#[wasm_bindgen_test(unsupported = test)]
fn year_only_2x_coverage_runs_from_1_january_to_31_december() {
    let files = one_patient(
        &[encounter([
            "x1",
            "2023-01-01T00:00:00Z",
            "",
            "A",
            "pay-1",
            "wellness",
            "0",
            "0",
        ])],
        (
            "payer_transitions.csv",
            b"PATIENT,START_YEAR,END_YEAR,PAYER,OWNERSHIP\nA,2022,2023,pay-1,Self\n".to_vec(),
        ),
    );
    let l = run(&files, "2024-12-31");
    let m = table(&l, "fact_member_months");
    let month = ints(m, "month_key");
    assert_eq!(month.len(), 24);
    assert_eq!((month[0], month[23]), (Some(20220101), Some(20231201)));
    assert_eq!(ints(m, "covered_days")[23], Some(31));
}

#[wasm_bindgen_test(unsupported = test)]
fn overflowing_costs_give_an_empty_sum_and_a_failed_rule() {
    let overflowing =
        |id, start| encounter([id, start, "", "A", "pay-1", "ambulatory", "1e308", "0"]);
    let files = one_patient(
        &[
            overflowing("x1", "2024-01-01T00:00:00Z"),
            overflowing("x2", "2024-01-02T00:00:00Z"),
        ],
        ("medications.csv", csv(MEDICATIONS, &[])),
    );
    let l = run(&files, "2024-12-31");
    assert_eq!(kpi(&l, "total_claim_cost"), None, "never inf");
    assert_eq!(kpi(&l, "total_allowed"), None);
    assert_eq!(kpi(&l, "payer_coverage_pct"), None);
    let dq = table(&l, "dq_results");
    let row = texts(dq, "rule_id")
        .iter()
        .position(|r| *r == Some("amount_too_large_encounters"))
        .unwrap();
    assert_eq!(ints(dq, "rows_failed")[row], Some(2));
    assert_eq!(texts(dq, "example_ids")[row], Some("x1; x2"));
}

/// docs/metrics.md names every column of the payer tables, the age bands
/// and the visit classes the code uses.
#[wasm_bindgen_test(unsupported = test)]
fn docs_metrics_names_every_payer_column_and_constant() {
    let l = case();
    let mut missing = Vec::new();
    let skip = [
        "year_month",
        "year",
        "payer_key",
        "payer_name",
        "patient_key",
    ];
    for name in [
        "fact_member_months",
        "gold_pmpm_monthly",
        "gold_utilization_yearly",
        "gold_readmissions_monthly",
        "gold_mortality_yearly",
    ] {
        for field in table(&l, name).batch.schema().fields() {
            let quoted = format!("`{}`", field.name());
            if !skip.contains(&field.name().as_str()) && !METRICS_MD.contains(&quoted) {
                missing.push(format!("{name}.{}", field.name()));
            }
        }
    }
    for name in [
        "stay_key",
        "is_stay_admission",
        "stay_discharge_ts",
        "stay_days",
        "stay_days_fractional",
        "stay_died",
        "is_hedis_index_stay",
        "hedis_readmitted_30d",
        "pmpm_paid",
        "admits_per_1000",
        "ed_per_1000",
        "payer_coverage_pct",
        "pharmacy_coverage_pct",
        "total_coverage_pct",
    ] {
        if !METRICS_MD.contains(&format!("`{name}`")) {
            missing.push(name.to_string());
        }
    }
    let bands: Vec<String> = [0, 18, 45, 65, 75, 85]
        .iter()
        .map(|age| format!("`{}`", crate::silver::age_band(*age)))
        .collect();
    if !METRICS_MD.contains(&bands.join(", ")) {
        missing.push(format!("age bands {}", bands.join(", ")));
    }
    for (_, classes) in crate::gold::VISIT_CLASSES {
        for class in classes {
            if !METRICS_MD.contains(&format!("`{class}`")) {
                missing.push(format!("visit class {class}"));
            }
        }
    }
    assert!(missing.is_empty(), "docs/metrics.md lacks: {missing:?}");
}
