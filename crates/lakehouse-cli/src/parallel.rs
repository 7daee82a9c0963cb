//! `--threads N`: the CLI's scheduler over units the pipeline exposes. The
//! pipeline crate has no threads (it runs the same on wasm32, in one Web
//! Worker); here, natively, shares of the input files are read side by side
//! ([`lakehouse_pipeline::bronze::plan_parts`], joined by
//! [`BronzeBuilder::merge`]), the bronze tables are encoded while silver and
//! gold are built (their independent pieces side by side, through
//! [`lakehouse_pipeline::join::Join`]), and the silver and gold tables are
//! encoded side by side.
//! Every output is byte-identical to `--threads 1` (the `threads` test runs
//! both and compares the files).

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, anyhow};
use indicatif::ProgressBar;
use lakehouse_pipeline::join::Join;
use lakehouse_pipeline::{
    Bronze, BronzeBuilder, Day, IngestOptions, Lakehouse, OutputTable, gold, silver,
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

/// What one thread does at a time while reading the input.
enum Unit {
    /// Whole files (input positions), read by one builder in order.
    Share(Vec<usize>),
    /// A segment of a large file: from byte `start` to `end`, after
    /// `lines_before` lines; `segment` 0 reads the header itself.
    Segment {
        position: usize,
        segment: usize,
        lines_before: u64,
        start: u64,
        end: u64,
    },
    /// The SHA-256 of a file read in segments.
    Hash(usize),
}

/// A file's line 1 and where it may be cut: (lines before, byte offset).
type Cuts = (Vec<u8>, Vec<(u64, u64)>);

/// What a unit gives back.
enum Done {
    Part(Box<BronzeBuilder>, Vec<(usize, usize)>),
    Hash(usize, String),
}

/// Reads `reader` to its end in the pipeline's chunk size, handing each
/// chunk to `chunk`, which returns whether to go on.
fn for_each_chunk(
    mut reader: impl Read,
    path: &Path,
    mut chunk: impl FnMut(&[u8]) -> Result<bool>,
) -> Result<()> {
    let mut buffer = vec![0u8; lakehouse_pipeline::bronze::READ_CHUNK_BYTES];
    loop {
        let read = match reader.read(&mut buffer) {
            Ok(0) => return Ok(()),
            Ok(read) => read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => {
                return Err(error).with_context(|| format!("reading `{}`", path.display()));
            }
        };
        if !chunk(&buffer[..read])? {
            return Ok(());
        }
    }
}

/// Where a large file may be cut so that each segment holds whole batches:
/// after line 1 (the header) and every `batch_rows` lines after it, as
/// (lines before, byte offset). `None` when the file holds a `"` (a quoted
/// field may hold a line end, so a cut could fall inside a record) or is
/// too short to cut. Also returns line 1.
fn cut_points(path: &Path, batch_rows: u64) -> Result<Option<Cuts>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("opening `{}`", path.display()))?;
    let (mut lines, mut offset, mut header) = (0u64, 0u64, None);
    let mut points = Vec::new();
    let mut whole = false;
    for_each_chunk(file, path, |chunk| {
        if memchr::memchr(b'"', chunk).is_some() {
            whole = true;
            return Ok(false);
        }
        for end in memchr::memchr_iter(b'\n', chunk) {
            lines += 1;
            if lines == 1 {
                header = Some(chunk[..end].to_vec());
            }
            if lines > 1 && (lines - 1) % batch_rows == 0 {
                points.push((lines, offset + end as u64 + 1));
            }
        }
        // Line 1 longer than a chunk is no Synthea header: read it whole.
        whole = header.is_none();
        offset += chunk.len() as u64;
        Ok(!whole)
    })?;
    if whole {
        return Ok(None);
    }
    Ok(header.filter(|_| !points.is_empty()).map(|h| (h, points)))
}

/// Reads `files` (input path, name in the lakehouse, in input order) into
/// the bronze layer, on up to `threads` threads. A file that is its kind's
/// only file and larger than one thread's share of the input (dbt-synthea's
/// `claims_transactions.csv` is two thirds of it) is cut into segments of
/// whole batches, read side by side and hashed on the side.
pub(crate) fn read_files(
    files: &[(&Path, &str)],
    options: IngestOptions,
    threads: usize,
    progress: &ProgressBar,
) -> Result<Bronze> {
    read(files, options, threads, progress, true)
}

/// [`read_files`], cutting large files into segments only when `cut`.
fn read(
    files: &[(&Path, &str)],
    options: IngestOptions,
    threads: usize,
    progress: &ProgressBar,
    cut: bool,
) -> Result<Bronze> {
    let sizes: Vec<(&str, u64)> = files
        .iter()
        .map(|(path, name)| (*name, std::fs::metadata(path).map_or(0, |m| m.len())))
        .collect();
    let total: u64 = sizes.iter().map(|s| s.1).sum();
    let kinds: Vec<Option<String>> = sizes
        .iter()
        .map(|(name, _)| lakehouse_pipeline::bronze::file_kind(name))
        .collect();
    let mut units: Vec<(u64, Unit)> = Vec::new();
    let mut headers: HashMap<usize, Vec<u8>> = HashMap::new();
    let mut whole = Vec::new();
    for (position, (_, bytes)) in sizes.iter().enumerate() {
        let kind = &kinds[position];
        let alone = kind.is_some() && kinds.iter().filter(|k| *k == kind).count() == 1;
        let cuts = if cut && alone && *bytes * threads as u64 > total * 2 / 3 {
            // A file the scan cannot read is read whole, so that its error
            // comes in input order, as one reader would meet it.
            cut_points(files[position].0, options.batch_rows as u64)
                .ok()
                .flatten()
        } else {
            None
        };
        let Some((header, points)) = cuts else {
            whole.push(position);
            continue;
        };
        // About two segments a thread, at the cut points nearest to them.
        let segments = (threads * 2) as u64;
        let mut bounds: Vec<(u64, u64)> = vec![(0, 0)];
        for k in 1..segments {
            let target = bytes * k / segments;
            if let Some(point) = points.iter().min_by_key(|p| p.1.abs_diff(target))
                && point.1 > bounds.last().map_or(0, |b| b.1)
                && point.1 < *bytes
            {
                bounds.push(*point);
            }
        }
        for (segment, &(lines_before, start)) in bounds.iter().enumerate() {
            let end = bounds.get(segment + 1).map_or(*bytes, |b| b.1);
            units.push((
                end - start,
                Unit::Segment {
                    position,
                    segment,
                    lines_before,
                    start,
                    end,
                },
            ));
        }
        // Hashing runs at several times the speed of reading.
        units.push((bytes / 6, Unit::Hash(position)));
        headers.insert(position, header);
    }
    let rest: Vec<(&str, u64)> = whole.iter().map(|&p| sizes[p]).collect();
    for share in lakehouse_pipeline::bronze::plan_parts(&rest, threads) {
        let share: Vec<usize> = share.into_iter().map(|at| whole[at]).collect();
        units.push((share.iter().map(|&p| sizes[p].1).sum(), Unit::Share(share)));
    }
    // The largest first, so that no thread is left with a big one at the end.
    units.sort_by_key(|unit| std::cmp::Reverse(unit.0));
    // A unit stops at its first failing file. The failure at the lowest
    // input position is the one a single reader, going through the files in
    // order, would have met first (each failure depends on its file alone).
    let done = map_indices(units.len(), threads, |at| {
        let mut builder = BronzeBuilder::new(options.clone());
        Ok(match &units[at].1 {
            Unit::Share(share) => {
                for &position in share {
                    let (path, name) = files[position];
                    progress.set_message(name.to_string());
                    let read = std::fs::File::open(path)
                        .with_context(|| format!("opening `{}`", path.display()))
                        .and_then(|file| {
                            Ok(builder.read(name, file, &mut |bytes, _| progress.inc(bytes))?)
                        });
                    if let Err(error) = read {
                        return Ok(Err((position, error)));
                    }
                }
                let keys = share.iter().map(|&p| (p, 0)).collect();
                Ok(Done::Part(Box::new(builder), keys))
            }
            Unit::Segment {
                position,
                segment,
                lines_before,
                start,
                end,
            } => {
                let header = (*segment > 0).then(|| headers[position].as_slice());
                let range = (*lines_before, *start, *end);
                match read_segment(&mut builder, files[*position], header, range, progress) {
                    Ok(()) => Ok(Done::Part(Box::new(builder), vec![(*position, *segment)])),
                    Err(error) => Err((*position, error)),
                }
            }
            Unit::Hash(position) => match sha256(files[*position].0) {
                Ok(hash) => Ok(Done::Hash(*position, hash)),
                Err(error) => Err((*position, error)),
            },
        })
    })?;
    let mut parts = Vec::with_capacity(done.len());
    let mut hashes = Vec::new();
    let mut first_failure: Option<(usize, anyhow::Error)> = None;
    for unit in done {
        match unit {
            Ok(Done::Part(builder, keys)) => parts.push((*builder, keys)),
            Ok(Done::Hash(position, hash)) => hashes.push((position, hash)),
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
    let mut merged = match BronzeBuilder::merge(options.clone(), parts) {
        Ok(merged) => merged,
        // A segment that did not end on a batch boundary (a blank line, a
        // rejected row): everything is read again, each file whole.
        Err(lakehouse_pipeline::Error::UnalignedSegments { .. }) => {
            progress.set_position(0);
            return read(files, options, threads, progress, false);
        }
        Err(error) => return Err(error.into()),
    };
    for (position, hash) in hashes {
        merged.set_sha256(position, hash);
    }
    Ok(merged.finish()?)
}

/// Reads one segment of a file (`path`, `name`) into `builder`: the bytes
/// from `start` to `end`, after `lines_before` lines (see
/// [`BronzeBuilder::begin_segment`]; `header` is `None` for the first).
fn read_segment(
    builder: &mut BronzeBuilder,
    (path, name): (&Path, &str),
    header: Option<&[u8]>,
    (lines_before, start, end): (u64, u64, u64),
    progress: &ProgressBar,
) -> Result<()> {
    progress.set_message(name.to_string());
    let mut file = std::io::BufReader::new(
        std::fs::File::open(path).with_context(|| format!("opening `{}`", path.display()))?,
    );
    file.seek(SeekFrom::Start(start))
        .with_context(|| format!("reading `{}`", path.display()))?;
    builder.begin_segment(name, header, lines_before)?;
    for_each_chunk(file.take(end - start), path, |chunk| {
        builder.push(chunk)?;
        progress.inc(chunk.len() as u64);
        Ok(true)
    })?;
    Ok(builder.end_file()?)
}

/// A file's SHA-256, lower-case hex, as the bronze manifest records it.
fn sha256(path: &Path) -> Result<String> {
    use sha2::Digest;
    let mut file =
        std::fs::File::open(path).with_context(|| format!("opening `{}`", path.display()))?;
    let mut hasher = sha2::Sha256::new();
    std::io::copy(&mut file, &mut hasher)
        .with_context(|| format!("reading `{}`", path.display()))?;
    Ok(lakehouse_pipeline::bronze::hex(&hasher.finalize()))
}

/// The pipeline's independent silver and gold pieces
/// ([`lakehouse_pipeline::join`]), the second on a thread of its own. Both
/// may run beside the bronze encoding: the operating system shares the
/// cores, and the second core no longer idles once the encoding is done.
struct SideBySide;

impl Join for SideBySide {
    fn join<A: Send, B: Send>(
        &self,
        a: impl FnOnce() -> A + Send,
        b: impl FnOnce() -> B + Send,
    ) -> (A, B) {
        std::thread::scope(|scope| {
            let b = scope.spawn(b);
            let a = a();
            // A panic on the other thread is this thread's panic, as it
            // would have been with the pieces run in turn.
            (
                a,
                b.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            )
        })
    }
}

/// Encodes `tables` on up to `threads` threads, largest first (so that no
/// thread is left with a big one at the end), and writes each file into
/// `out` as it is encoded: a Parquet file's bytes stream into the file, so
/// that no encoded table waits in memory, neither for the others nor whole
/// beside its open row group. Returns the number of files written.
fn encode_and_write(
    bronze: &Bronze,
    tables: &[OutputTable<'_>],
    csv: bool,
    threads: usize,
    out: &Path,
) -> Result<usize> {
    let mut order: Vec<usize> = (0..tables.len()).collect();
    order.sort_by_key(|&t| std::cmp::Reverse(tables[t].rows()));
    let written = map_indices(order.len(), threads, |at| {
        let table = &tables[order[at]];
        let path = crate::output_path(out, &table.path("parquet"))?;
        let writing = || format!("writing `{}`", path.display());
        let file = std::fs::File::create(&path).with_context(writing)?;
        let sink = bronze
            .write_parquet(table, std::io::BufWriter::new(file))
            .with_context(writing)?;
        sink.into_inner()
            .map_err(std::io::IntoInnerError::into_error)
            .with_context(writing)?;
        if csv {
            crate::write_outputs(out, &[Bronze::csv_file(table)])?;
        }
        Ok(1 + usize::from(csv))
    })?;
    Ok(written.into_iter().sum())
}

/// Silver and gold, built on this thread while the others encode the bronze
/// tables and write them into `out` (when `--out` was given; `csv` adds
/// CSV copies). Calls `done` with each stage's name as it ends, as
/// [`lakehouse_pipeline::build_staged`] does; returns the lakehouse and the
/// number of files written.
pub(crate) fn build_while_encoding(
    bronze: Bronze,
    as_of: Option<Day>,
    out: Option<(&Path, bool)>,
    threads: usize,
    done: &mut dyn FnMut(&'static str),
) -> Result<(Lakehouse, usize)> {
    let (silver, gold, written) = std::thread::scope(|scope| {
        let encoding = out.map(|(out, csv)| {
            let bronze = &bronze;
            scope.spawn(move || {
                encode_and_write(bronze, &bronze.output_tables(), csv, threads - 1, out)
            })
        });
        let built = silver::conform_with(&bronze, as_of, &SideBySide).and_then(|silver| {
            done("silver");
            let gold = gold::compute_with(&bronze, &silver, &SideBySide)?;
            done("gold");
            Ok((silver, gold))
        });
        let written = match encoding {
            Some(thread) => thread
                .join()
                .map_err(|_| anyhow!("the thread encoding the bronze tables panicked"))??,
            None => 0,
        };
        let (silver, gold) = built?;
        Ok::<_, anyhow::Error>((silver, gold, written))
    })?;
    Ok((
        Lakehouse {
            bronze,
            silver,
            gold,
        },
        written,
    ))
}

/// The rest of `--out`: the tables not yet written (the silver and gold
/// ones after [`build_while_encoding`]; all of them, `with_bronze`, after a
/// run that wrote none) encoded and written on up to `threads` threads,
/// then `manifest.json`, as [`Lakehouse::output_files`] gives them.
/// Returns the number of files written.
pub(crate) fn write_rest(
    lakehouse: &Lakehouse,
    out: &Path,
    csv: bool,
    threads: usize,
    with_bronze: bool,
) -> Result<usize> {
    let tables = lakehouse.tables();
    let skip = if with_bronze {
        0
    } else {
        lakehouse.bronze.output_tables().len()
    };
    let written = encode_and_write(&lakehouse.bronze, &tables[skip..], csv, threads, out)?;
    Ok(written + crate::write_outputs(out, &[lakehouse.manifest_file()])?)
}
