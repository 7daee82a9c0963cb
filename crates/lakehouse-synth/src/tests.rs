//! Generator tests: the output is a clean Synthea 3.3 export for the
//! pipeline, deterministic, and its population stays within stated bounds.

use lakehouse_pipeline::bronze::spec;
use wasm_bindgen_test::wasm_bindgen_test;

use super::{Config, FILES, HEADERS, generate_files};

fn lakehouse(config: &Config) -> lakehouse_pipeline::Lakehouse {
    let files = generate_files(config);
    lakehouse_pipeline::run_bytes(files.iter().map(|(n, b)| (*n, b.as_slice())), None)
        .expect("the demo data runs")
}

#[wasm_bindgen_test(unsupported = test)]
fn headers_equal_the_v3_3_layout_of_the_data_dictionary() {
    let v3_3 = spec::VERSIONS.iter().position(|v| *v == "3.3").unwrap() as u8;
    for (file, header) in FILES.iter().zip(HEADERS) {
        let kind = file.trim_end_matches(".csv");
        let table = spec::table_for_file(kind).unwrap();
        assert_eq!(header, table.layout(v3_3).unwrap().join(","), "{file}");
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn the_pipeline_reads_it_with_zero_rejects_and_zero_dq_errors() {
    let lakehouse = lakehouse(&Config::new(7, 300));
    assert_eq!(lakehouse.bronze.rejects.num_rows(), 0);
    assert_eq!(lakehouse.bronze.version.label(), "3.3");
    assert!(
        lakehouse.bronze.warnings.is_empty(),
        "{:?}",
        lakehouse.bronze.warnings
    );
    let errors: Vec<_> = lakehouse
        .quality()
        .iter()
        .filter(|r| r.failed_with(lakehouse_pipeline::gold::quality::Severity::Error))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    for table in [
        "fact_encounters",
        "fact_conditions",
        "fact_procedures",
        "fact_medications",
        "fact_claims",
    ] {
        assert!(
            lakehouse.silver.table(table).unwrap().num_rows() > 0,
            "{table} is empty"
        );
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn the_same_seed_gives_the_same_bytes_and_another_seed_does_not() {
    let a = generate_files(&Config::new(1, 60));
    let b = generate_files(&Config::new(1, 60));
    let c = generate_files(&Config::new(2, 60));
    assert_eq!(a, b);
    assert_ne!(a, c);
}

/// The bytes of a small export, pinned: a change of output must be deliberate
/// (and this runs on wasm32 too, proving both targets write the same bytes).
#[wasm_bindgen_test(unsupported = test)]
fn output_is_pinned_by_its_digest() {
    use sha2_digest::digest;
    let files = generate_files(&Config::new(42, 25));
    let mut all = Vec::new();
    for (name, bytes) in &files {
        all.extend_from_slice(name.as_bytes());
        all.extend_from_slice(bytes);
    }
    let expected = include_str!("../tests/demo_digest.txt").trim();
    let actual = digest(&all);
    if actual != expected {
        #[cfg(not(target_arch = "wasm32"))]
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            #[expect(
                clippy::disallowed_methods,
                reason = "tests rewrite their expectation on request"
            )]
            std::fs::write(
                concat!(env!("CARGO_MANIFEST_DIR"), "/tests/demo_digest.txt"),
                format!("{actual}\n"),
            )
            .unwrap();
            return;
        }
        panic!(
            "demo output changed: {actual} (UPDATE_EXPECT=1 cargo test -p lakehouse-synth to accept)"
        );
    }
}

mod sha2_digest {
    /// FNV-1a 128 as hex: enough to pin bytes in a test without a hashing dependency.
    pub(super) fn digest(bytes: &[u8]) -> String {
        let mut hash: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
        for b in bytes {
            hash ^= u128::from(*b);
            hash = hash.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013B);
        }
        format!("{hash:032x}")
    }
}

// Population statistics need a large sample; they run natively (the digest
// test above proves the wasm32 build writes the same bytes).
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn encounter_classes_and_ages_stay_within_stated_bounds() {
    let lakehouse = lakehouse(&Config::new(11, 1000));
    let encounters = lakehouse.silver.table("fact_encounters").unwrap();
    let classes = encounters
        .column::<arrow_array::StringArray>("encounter_class")
        .unwrap();
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for class in classes.iter().flatten() {
        *counts.entry(class).or_default() += 1;
    }
    let total = encounters.num_rows() as f64;
    let share = |class: &str| counts.get(class).copied().unwrap_or(0) as f64 / total;
    // Bounds from the real exports in ../shared/synthea (wellness 25–71 %, ambulatory 11–45 %,
    // outpatient 9–17 %, emergency 2–10 %, inpatient 1.3–4.2 %, urgent care < 1 %).
    let bounds = [
        ("wellness", 0.25, 0.72),
        ("ambulatory", 0.10, 0.45),
        ("outpatient", 0.04, 0.20),
        ("emergency", 0.01, 0.11),
        ("inpatient", 0.005, 0.05),
        ("urgentcare", 0.002, 0.05),
    ];
    for (class, low, high) in bounds {
        let s = share(class);
        assert!(
            (low..=high).contains(&s),
            "{class}: {s:.3} outside {low}–{high} ({counts:?})"
        );
    }
    // Encounters per patient-year over the ten-year window: 0.8–4 in the real sets.
    let patients = lakehouse.silver.table("dim_patient").unwrap();
    let per_patient_year = total / patients.num_rows() as f64 / 10.0;
    assert!(
        (0.8..=4.0).contains(&per_patient_year),
        "{per_patient_year}"
    );
    // Age bands: each within a few points of the US shares the generator targets.
    let bands = patients
        .column::<arrow_array::StringArray>("age_band")
        .unwrap();
    let mut band_counts: std::collections::BTreeMap<&str, usize> =
        std::collections::BTreeMap::new();
    for band in bands.iter().flatten() {
        *band_counts.entry(band).or_default() += 1;
    }
    let n = patients.num_rows() as f64;
    let targets = [
        ("0-17", 0.22),
        ("18-44", 0.36),
        ("45-64", 0.25),
        ("65-74", 0.10),
        ("75-84", 0.05),
        ("85+", 0.02),
    ];
    for (band, target) in targets {
        let s = band_counts.get(band).copied().unwrap_or(0) as f64 / n;
        assert!((s - target).abs() < 0.05, "{band}: {s:.3} vs {target}");
    }
    // Some deaths, some readmissions, costs split between payers and patients.
    let kpis = lakehouse.gold.table("gold_kpis").unwrap();
    let int = |name: &str| {
        kpis.column::<arrow_array::Int64Array>(name)
            .unwrap()
            .value(0)
    };
    let float = |name: &str| {
        kpis.column::<arrow_array::Float64Array>(name)
            .unwrap()
            .value(0)
    };
    let deceased = int("deceased_patients") as f64 / n;
    assert!((0.01..=0.12).contains(&deceased), "deceased {deceased}");
    assert!(int("readmissions_30d") > 0);
    let coverage = float("payer_coverage_pct");
    assert!((40.0..=95.0).contains(&coverage), "coverage {coverage}");
    // Every encounter and every prescription has a claim (as in Synthea 3.x).
    let medications = lakehouse
        .silver
        .table("fact_medications")
        .unwrap()
        .num_rows();
    assert_eq!(int("claims") as usize, encounters.num_rows() + medications);
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn chronic_conditions_persist_and_lead_the_top_conditions() {
    let lakehouse = lakehouse(&Config::new(3, 500));
    let top = lakehouse.gold.table("gold_top_conditions").unwrap();
    let descriptions: Vec<&str> = top
        .column::<arrow_array::StringArray>("description")
        .unwrap()
        .iter()
        .flatten()
        .take(12)
        .collect();
    assert!(
        descriptions.iter().any(|d| d.contains("hypertension")),
        "{descriptions:?}"
    );
    assert!(
        descriptions.contains(&"Full-time employment (finding)"),
        "{descriptions:?}"
    );
    let conditions = lakehouse.silver.table("fact_conditions").unwrap();
    let active = conditions
        .column::<arrow_array::BooleanArray>("is_active")
        .unwrap();
    assert!(active.iter().flatten().filter(|a| *a).count() > 100);
}
