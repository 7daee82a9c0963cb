//! `--threads N`: the CLI's scheduler over units the pipeline exposes. The
//! pipeline crate has no threads (it runs the same on wasm32, in one Web
//! Worker); here, natively, shares of the input files are read side by side
//! ([`lakehouse_pipeline::bronze::plan_parts`], joined by
//! [`BronzeBuilder::merge`]), the bronze tables are encoded while silver and
//! gold are built, and the silver and gold tables are encoded side by side.
//! Every output is byte-identical to `--threads 1` (the `threads` test runs
//! both and compares the files).

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, anyhow};
use indicatif::ProgressBar;
use lakehouse_pipeline::{
    Bronze, BronzeBuilder, Day, IngestOptions, Lakehouse, OutputFile, OutputTable, gold, silver,
};

/// The cores to use when `--threads` is not given.
pub(crate) fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Runs `task` over `0..count` on up to `threads` threads (each takes the
/// next index in turn) and returns the answers in index order. The first
/// failure in index order is returned, as a loop would have met it.
fn map_indices<T: Send>(
    count: usize,
    threads: usize,
    task: impl Fn(usize) -> Result<T> + Sync,
) -> Result<Vec<T>> {
    let next = AtomicUsize::new(0);
    let answers: Mutex<Vec<Option<Result<T>>>> =
        Mutex::new(std::iter::repeat_with(|| None).take(count).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, count.max(1)) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= count {
                        break;
                    }
                    let answer = task(index);
                    let failed = answer.is_err();
                    if let Ok(mut slots) = answers.lock() {
                        slots[index] = Some(answer);
                    }
                    if failed {
                        // Later indices still run on the other threads; an
                        // earlier failure, if any, wins below.
                        break;
                    }
                }
            });
        }
    });
    let slots = answers
        .into_inner()
        .map_err(|_| anyhow!("a worker thread panicked"))?;
    let mut out = Vec::with_capacity(count);
    for slot in slots {
        match slot {
            Some(answer) => out.push(answer?),
            // Only after a failure at a lower index stopped that thread, and
            // that failure was returned above.
            None => return Err(anyhow!("a worker thread stopped before its share")),
        }
    }
    Ok(out)
}

/// Reads `files` (input path, name in the lakehouse, in input order) into
/// the bronze layer, on up to `threads` threads.
pub(crate) fn read_files(
    files: &[(&Path, &str)],
    options: IngestOptions,
    threads: usize,
    progress: &ProgressBar,
) -> Result<Bronze> {
    let sizes: Vec<(&str, u64)> = files
        .iter()
        .map(|(path, name)| (*name, std::fs::metadata(path).map_or(0, |m| m.len())))
        .collect();
    let shares = lakehouse_pipeline::bronze::plan_parts(&sizes, threads);
    // A share stops at its first failing file. The failure at the lowest
    // input position is the one a single reader, going through the files in
    // order, would have met first (each failure depends on its file alone).
    let parts = map_indices(shares.len(), threads, |share| {
        let mut builder = BronzeBuilder::new(options.clone());
        for &position in &shares[share] {
            let (path, name) = files[position];
            progress.set_message(name.to_string());
            let read = std::fs::File::open(path)
                .with_context(|| format!("opening `{}`", path.display()))
                .and_then(
                    |file| Ok(builder.read(name, file, &mut |bytes, _| progress.inc(bytes))?),
                );
            if let Err(error) = read {
                return Ok(Err((position, error)));
            }
        }
        Ok(Ok((builder, shares[share].clone())))
    })?;
    let mut read = Vec::with_capacity(parts.len());
    let mut first_failure: Option<(usize, anyhow::Error)> = None;
    for part in parts {
        match part {
            Ok(part) => read.push(part),
            Err((position, error)) => {
                if first_failure
                    .as_ref()
                    .is_none_or(|(first, _)| position < *first)
                {
                    first_failure = Some((position, error));
                }
            }
        }
    }
    if let Some((_, error)) = first_failure {
        return Err(error);
    }
    Ok(BronzeBuilder::merge(options, read)?.finish()?)
}

/// A table's output files: its Parquet file, and its CSV copy when `csv`.
fn table_files(bronze: &Bronze, table: &OutputTable<'_>, csv: bool) -> Result<Vec<OutputFile>> {
    let mut files = vec![bronze.parquet_file(table)?];
    if csv {
        files.push(OutputFile {
            path: table.path("csv"),
            bytes: lakehouse_pipeline::export::csv::write(&table.schema, table.batches),
        });
    }
    Ok(files)
}

/// Encodes `tables` on up to `threads` threads, largest first (so that no
/// thread is left with a big one at the end); the files come back in table order.
fn encode(
    bronze: &Bronze,
    tables: &[OutputTable<'_>],
    csv: bool,
    threads: usize,
) -> Result<Vec<OutputFile>> {
    let mut order: Vec<usize> = (0..tables.len()).collect();
    order.sort_by_key(|&t| std::cmp::Reverse(tables[t].rows()));
    let encoded = map_indices(order.len(), threads, |at| {
        Ok((order[at], table_files(bronze, &tables[order[at]], csv)?))
    })?;
    let mut by_table: Vec<Vec<OutputFile>> = vec![Vec::new(); tables.len()];
    for (table, files) in encoded {
        by_table[table] = files;
    }
    Ok(by_table.into_iter().flatten().collect())
}

/// Silver and gold, built on this thread while the others encode the bronze
/// tables (when `csv` is `Some`: `--out` was given, with CSV copies or not).
/// Calls `done` with each stage's name as it ends, as
/// [`lakehouse_pipeline::build_staged`] does; returns the lakehouse and the
/// bronze tables' files.
pub(crate) fn build_while_encoding(
    bronze: Bronze,
    as_of: Option<Day>,
    csv: Option<bool>,
    threads: usize,
    done: &mut dyn FnMut(&'static str),
) -> Result<(Lakehouse, Vec<OutputFile>)> {
    let (silver, gold, files) = std::thread::scope(|scope| {
        let encoding = csv.map(|csv| {
            let bronze = &bronze;
            scope.spawn(move || encode(bronze, &bronze.output_tables(), csv, threads - 1))
        });
        let built = silver::conform(&bronze, as_of).and_then(|silver| {
            done("silver");
            let gold = gold::compute(&bronze, &silver)?;
            done("gold");
            Ok((silver, gold))
        });
        let files = match encoding {
            Some(thread) => thread
                .join()
                .map_err(|_| anyhow!("the thread encoding the bronze tables panicked"))??,
            None => Vec::new(),
        };
        let (silver, gold) = built?;
        Ok::<_, anyhow::Error>((silver, gold, files))
    })?;
    Ok((
        Lakehouse {
            bronze,
            silver,
            gold,
        },
        files,
    ))
}

/// Every output file of `--out`, as [`Lakehouse::output_files`] gives them:
/// `bronze_files` (from [`build_while_encoding`]), then the silver and gold
/// tables encoded on up to `threads` threads, then `manifest.json`.
pub(crate) fn output_files(
    lakehouse: &Lakehouse,
    bronze_files: Vec<OutputFile>,
    csv: bool,
    threads: usize,
) -> Result<Vec<OutputFile>> {
    let tables = lakehouse.tables();
    let bronze_tables = lakehouse.bronze.output_tables().len();
    let mut files = bronze_files;
    files.extend(encode(
        &lakehouse.bronze,
        &tables[bronze_tables..],
        csv,
        threads,
    )?);
    files.push(OutputFile {
        path: "manifest.json".into(),
        bytes: lakehouse.manifest_json(),
    });
    Ok(files)
}
