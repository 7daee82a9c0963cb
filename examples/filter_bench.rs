//! Native timing of the dashboard's filter recompute (`Dashboard::view`, the
//! work the worker does on a filter change) on a folder of CSV files, for
//! sizes a tab cannot hold (`scripts/bench filter-native`, about 1M
//! encounters). The page's redraw after it is measured in the browser by
//! `scripts/bench filter`. Each filter is timed warm (run after run) and
//! cold (after writing 512 MB, which evicts the CPU caches as the page's
//! redraw between two clicks does). Prints one JSON line.
//!
//! Usage: `cargo run --release --example filter_bench -- DIR [RUNS]`

use std::path::{Path, PathBuf};
use std::time::Instant;

use lakehouse_web::protocol::{Bar, Dimension, Filter};
use lakehouse_web::worker::dashboard::Dashboard;
use lakehouse_web::worker::handler::{self, BytesSource, Source};

fn csv_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "csv"))
        .collect();
    files.sort();
    files
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().expect("usage: filter_bench DIR [RUNS]"));
    let runs: usize = args
        .next()
        .map_or(5, |n| n.parse().expect("RUNS is a number"));
    let started = Instant::now();
    let mut sources: Vec<Box<dyn Source>> = csv_files(&dir)
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).expect("readable file");
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            Box::new(BytesSource { path: name, bytes }) as Box<dyn Source>
        })
        .collect();
    let lakehouse = handler::load_sources(&mut sources, Default::default(), false, &mut |_| {})
        .expect("pipeline runs");
    let dashboard = Dashboard::new(&lakehouse);
    let load_s = started.elapsed().as_secs_f64();

    let all = dashboard.view(&Filter::default());
    let first = |bars: &[Bar]| bars.first().map(|b| b.label.clone()).unwrap_or_default();
    let charts = &all.charts;
    let middle_band = charts
        .age_pyramid
        .get(charts.age_pyramid.len() / 2)
        .map(|band| band.0.clone())
        .unwrap_or_default();
    let filters = [
        (
            "organization",
            Filter::default().with(Dimension::Organization, &first(&charts.organizations)),
        ),
        (
            "payer",
            Filter::default().with(Dimension::Payer, &first(&charts.payer_cost)),
        ),
        (
            "condition",
            Filter::default().with(Dimension::Condition, &first(&charts.top_conditions)),
        ),
        (
            "age band and sex",
            Filter::default()
                .with(Dimension::AgeBand, &middle_band)
                .with(Dimension::Gender, "F"),
        ),
        (
            "race",
            Filter::default().with(Dimension::Race, &first(&charts.race)),
        ),
        ("none (clear)", Filter::default()),
    ];
    let mut rows = Vec::new();
    let (mut warm_medians, mut cold_medians) = (Vec::new(), Vec::new());
    let time = |filter: &Filter, cold: bool| {
        let times: Vec<f64> = (0..runs)
            .map(|_| {
                if cold {
                    let mut junk = vec![1u8; 512 << 20];
                    for i in (0..junk.len()).step_by(64) {
                        junk[i] = junk[i].wrapping_add(i as u8);
                    }
                    std::hint::black_box(&junk);
                }
                let t = Instant::now();
                std::hint::black_box(dashboard.view(filter));
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        median(times)
    };
    for (name, filter) in &filters {
        let (warm, cold) = (time(filter, false), time(filter, true));
        warm_medians.push(warm);
        cold_medians.push(cold);
        rows.push(format!(
            "{{\"filter\":\"{name}\",\"median_ms\":{warm:.2},\"cold_median_ms\":{cold:.2}}}"
        ));
    }
    println!(
        "{{\"input\":\"{}\",\"encounters\":{},\"load_seconds\":{load_s:.2},\"runs_per_filter\":{runs},\"median_ms\":{:.2},\"cold_median_ms\":{:.2},\"filters\":[{}]}}",
        dir.display(),
        dashboard.encounter_count(),
        median(warm_medians),
        median(cold_medians),
        rows.join(",")
    );
}
