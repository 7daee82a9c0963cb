//! `lakehouse demo` and `lakehouse run --demo`: the built-in demo data.

use crate::support::{files, lakehouse, rows, table, temp_dir};

#[test]
fn demo_writes_a_v3_3_export_that_runs_clean_and_is_reproducible() {
    let (a, b) = (temp_dir("demo-a"), temp_dir("demo-b"));
    for dir in [&a, &b] {
        let output = lakehouse(&[
            "demo",
            "--patients",
            "120",
            "--seed",
            "9",
            "--out",
            dir.to_str().unwrap(),
        ]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let (first, second) = (files(&a), files(&b));
    assert_eq!(first.len(), 13);
    assert!(first == second, "same seed, same bytes");
    let header = String::from_utf8_lossy(&first["patients.csv"])
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert!(
        header.starts_with("Id,BIRTHDATE,DEATHDATE,SSN,DRIVERS,PASSPORT,PREFIX,FIRST,MIDDLE,LAST")
    );

    let out = temp_dir("demo-out");
    let output = lakehouse(&[
        "run",
        a.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--strict",
    ]);
    assert!(
        output.status.success(),
        "--strict passes: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with("Synthea version  3.3\nas of            2025-12-31\n"),
        "{stdout}"
    );
    assert_eq!(rows(&table(&out, "silver", "dim_patient")), 120);
}

#[test]
fn run_demo_generates_in_memory_and_matches_running_the_written_files() {
    let csv = temp_dir("demo-csv");
    let output = lakehouse(&["demo", "--patients", "80", "--out", csv.to_str().unwrap()]);
    assert!(output.status.success());
    let (from_files, in_memory) = (temp_dir("demo-files"), temp_dir("demo-memory"));
    assert!(
        lakehouse(&[
            "run",
            csv.to_str().unwrap(),
            "--out",
            from_files.to_str().unwrap()
        ])
        .status
        .success()
    );
    let output = lakehouse(&["run", "--demo", "80", "--out", in_memory.to_str().unwrap()]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (a, b) = (files(&from_files), files(&in_memory));
    for (path, bytes) in a
        .iter()
        .filter(|(p, _)| p.starts_with("silver") || p.starts_with("gold"))
    {
        assert!(b.get(path) == Some(bytes), "{path} differs");
    }
    let output = lakehouse(&[
        "run",
        "--demo",
        "5",
        "somewhere",
        "--out",
        in_memory.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2), "--demo and INPUT conflict");
}

#[test]
fn timings_name_each_stage_with_its_time_and_rate_and_change_no_output() {
    let csv = temp_dir("timings-csv");
    assert!(
        lakehouse(&["demo", "--patients", "60", "--out", csv.to_str().unwrap()])
            .status
            .success()
    );
    let (plain, timed) = (temp_dir("timings-plain"), temp_dir("timings-timed"));
    let output = lakehouse(&[
        "run",
        csv.to_str().unwrap(),
        "--out",
        plain.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(output.status.success() && output.stderr.is_empty());
    let output = lakehouse(&[
        "run",
        csv.to_str().unwrap(),
        "--out",
        timed.to_str().unwrap(),
        "--quiet",
        "--timings",
    ]);
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let mut lines = stderr.lines();
    assert_eq!(
        lines
            .next()
            .map(|l| l.split_whitespace().collect::<Vec<_>>()),
        Some(vec!["stage", "seconds", "input", "MB/s"])
    );
    let stages: Vec<(String, f64, f64)> = lines
        .by_ref()
        .take_while(|l| !l.starts_with("input:"))
        .map(|l| {
            let parts: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(parts.len(), 3, "{l}");
            let seconds: f64 = parts[1].parse().unwrap();
            // A stage under a millisecond has no rate ("-").
            let rate = match parts[2] {
                "-" => {
                    assert!(seconds < 0.001, "{l}");
                    0.0
                }
                rate => rate.parse().unwrap(),
            };
            (parts[0].to_string(), seconds, rate)
        })
        .collect();
    let names: Vec<&str> = stages.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(names.last(), Some(&"total"), "{stderr}");
    assert_eq!(
        names,
        ["bronze", "silver", "gold", "encode", "total"],
        "{stderr}"
    );
    // The stages add up to the total (each printed to the millisecond).
    let sum: f64 = stages[..stages.len() - 1].iter().map(|s| s.1).sum();
    let total = stages[stages.len() - 1].1;
    assert!(
        (sum - total).abs() <= 0.001 * stages.len() as f64,
        "{stderr}"
    );
    assert!(stderr.contains("input: "), "{stderr}");
    assert!(
        files(&plain) == files(&timed),
        "--timings changes no output byte"
    );
}
