//! `--threads N`: the CLI's scheduler over units the pipeline exposes. The
//! pipeline crate has no threads (it runs the same on wasm32, in one Web
//! Worker); here, natively, shares of the input files are read side by side
//! ([`lakehouse_pipeline::bronze::plan_parts`], joined by
//! [`BronzeBuilder::merge`]), and silver and gold are built (their
//! independent pieces side by side, through
//! [`lakehouse_pipeline::join::Join`]) while the other threads encode the
//! tables built so far: bronze from the start, silver's while gold is
//! computed, gold's last, with this thread joining them once gold is done.
//! Every output is byte-identical to `--threads 1` (the `threads` test runs
//! both and compares the files).

use std::collections::VecDeque;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};

use anyhow::{Context, Result, anyhow};
use indicatif::ProgressBar;
use lakehouse_pipeline::join::Join;
use lakehouse_pipeline::{
    Bronze, BronzeBuilder, Day, Gold, IngestOptions, Lakehouse, OutputTable, Silver, gold, silver,
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
    /// Finds where a large file (its index in the cut files) may be cut, and
    /// hashes it in the same pass, while other threads read the rest.
    Scan(usize),
    /// Segment `segment` of a large file (its index in the cut files), once
    /// its scan is done. Segment 0 reads the whole file when it cannot be
    /// cut; a segment past the cut points found has nothing to read.
    Segment { file: usize, segment: usize },
}

/// What a unit gives back.
enum Done {
    Part(Box<BronzeBuilder>, Vec<(usize, usize)>),
    Hash(usize, String),
    Nothing,
}

/// A large file read in segments: its input position, size, and what its
/// [`Unit::Scan`] found (set once, `None` when it is read whole).
struct CutFile {
    position: usize,
    bytes: u64,
    plan: OnceLock<Option<Plan>>,
}

/// Line 1 of a file, and where each of its segments starts: (lines before,
/// byte offset), the first at (0, 0).
type Plan = (Vec<u8>, Vec<(u64, u64)>);

/// Sets a plan to "read whole" if its scan ends without setting it (a
/// panic), so that no segment waits for it forever.
struct ReadWholeUnlessSet<'a>(&'a OnceLock<Option<Plan>>);

impl Drop for ReadWholeUnlessSet<'_> {
    fn drop(&mut self) {
        let _ = self.0.set(None);
    }
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

/// The share of a large file segment `segment` of `segments` takes, in
/// parts of [`segment_parts`]: four each, then two, one and one for the
/// last three, so that the threads' last units are short and none is left
/// reading long while the others wait (with equal shares of 85 MB at ×300
/// one core idled for about 0.1 s at the end of bronze).
fn segment_weight(segment: u64, segments: u64) -> u64 {
    match segments.saturating_sub(segment) {
        1 | 2 => 1,
        3 => 2,
        _ => 4,
    }
}

/// The parts all `segments` segments take together (see
/// [`segment_weight`]).
fn segment_parts(segments: u64) -> u64 {
    (0..segments).map(|k| segment_weight(k, segments)).sum()
}

/// One pass over a large file: its SHA-256, and its segments' plan: about
/// `segments` segments of whole batches, cut after line 1 (the header) and
/// after a multiple of `batch_rows` lines, at the points nearest to the
/// shares [`segment_weight`] gives. No plan (and no hash: the file is read
/// whole and hashed then) when the file holds a `"` (a quoted field may
/// hold a line end, so a cut could fall inside a record), when its line 1
/// is longer than a chunk (no Synthea header), or when it is too short to
/// cut.
fn scan(path: &Path, bytes: u64, batch_rows: u64, segments: u64) -> Result<Option<(Plan, String)>> {
    use sha2::Digest;
    let file =
        std::fs::File::open(path).with_context(|| format!("opening `{}`", path.display()))?;
    let mut hasher = sha2::Sha256::new();
    let (mut lines, mut offset, mut header) = (0u64, 0u64, None);
    let mut points = Vec::new();
    let mut whole = false;
    for_each_chunk(file, path, |chunk| {
        if memchr::memchr(b'"', chunk).is_some() {
            whole = true;
            return Ok(false);
        }
        hasher.update(chunk);
        for end in memchr::memchr_iter(b'\n', chunk) {
            lines += 1;
            if lines == 1 {
                header = Some(chunk[..end].to_vec());
            }
            if lines > 1 && (lines - 1) % batch_rows == 0 {
                points.push((lines, offset + end as u64 + 1));
            }
        }
        whole = header.is_none();
        offset += chunk.len() as u64;
        Ok(!whole)
    })?;
    let header = match header {
        Some(header) if !whole && !points.is_empty() => header,
        _ => return Ok(None),
    };
    let mut starts: Vec<(u64, u64)> = vec![(0, 0)];
    let parts = segment_parts(segments);
    let mut before = 0;
    for k in 1..segments {
        before += segment_weight(k - 1, segments);
        let target = bytes * before / parts;
        if let Some(point) = points.iter().min_by_key(|p| p.1.abs_diff(target))
            && point.1 > starts.last().map_or(0, |s| s.1)
            && point.1 < bytes
        {
            starts.push(*point);
        }
    }
    let hash = lakehouse_pipeline::bronze::hex(&hasher.finalize());
    Ok(Some(((header, starts), hash)))
}

/// Reads `files` (input path, name in the lakehouse, in input order) into
/// the bronze layer, on up to `threads` threads. A file that is its kind's
/// only file and larger than one thread's share of the input (dbt-synthea's
/// `claims_transactions.csv` is two thirds of it) is cut into segments of
/// whole batches and read side by side: one pass over it ([`Unit::Scan`])
/// finds the cuts and takes its SHA-256 while the other files are read.
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
    // A file that is its kind's only one and larger than a thread's share.
    let mut cut_files: Vec<CutFile> = Vec::new();
    let mut whole = Vec::new();
    for (position, (_, bytes)) in sizes.iter().enumerate() {
        let kind = &kinds[position];
        let alone = kind.is_some() && kinds.iter().filter(|k| *k == kind).count() == 1;
        if cut && alone && *bytes * threads as u64 > total * 2 / 3 {
            cut_files.push(CutFile {
                position,
                bytes: *bytes,
                plan: OnceLock::new(),
            });
        } else {
            whole.push(position);
        }
    }
    // About four segments a thread, the last three shorter (see
    // `segment_weight`): two a thread left a core idle for about 0.15 s at
    // the end of bronze at ×300; eight equal ones gained nothing more.
    let segments = threads * 4;
    // The scans first, so that each is running before any thread waits for
    // it; then the largest first, so that no thread is left with a big one
    // at the end.
    let mut units: Vec<(u64, Unit)> = Vec::new();
    for (file, cut_file) in cut_files.iter().enumerate() {
        let (count, parts) = (segments as u64, segment_parts(segments as u64));
        units.extend((0..segments).map(|segment| {
            let size = cut_file.bytes * segment_weight(segment as u64, count) / parts;
            (size, Unit::Segment { file, segment })
        }));
    }
    let rest: Vec<(&str, u64)> = whole.iter().map(|&p| sizes[p]).collect();
    for share in lakehouse_pipeline::bronze::plan_parts(&rest, threads) {
        let share: Vec<usize> = share.into_iter().map(|at| whole[at]).collect();
        units.push((share.iter().map(|&p| sizes[p].1).sum(), Unit::Share(share)));
    }
    units.sort_by_key(|unit| std::cmp::Reverse(unit.0));
    let scans = (0..cut_files.len()).map(|file| (0, Unit::Scan(file)));
    let units: Vec<(u64, Unit)> = scans.chain(units).collect();
    // Reads files whole into a new builder.
    let read_whole = |positions: &[usize]| -> Result<Done, (usize, anyhow::Error)> {
        let mut builder = BronzeBuilder::new(options.clone());
        for &position in positions {
            let (path, name) = files[position];
            progress.set_message(name.to_string());
            std::fs::File::open(path)
                .with_context(|| format!("opening `{}`", path.display()))
                .and_then(|file| Ok(builder.read(name, file, &mut |bytes, _| progress.inc(bytes))?))
                .map_err(|error| (position, error))?;
        }
        let keys = positions.iter().map(|&p| (p, 0)).collect();
        Ok(Done::Part(Box::new(builder), keys))
    };
    // A unit stops at its first failing file. The failure at the lowest
    // input position is the one a single reader, going through the files in
    // order, would have met first (each failure depends on its file alone).
    let done = map_indices(units.len(), threads, |at| {
        Ok(match &units[at].1 {
            Unit::Share(share) => read_whole(share),
            Unit::Scan(file) => {
                let cut_file = &cut_files[*file];
                let _unset = ReadWholeUnlessSet(&cut_file.plan);
                // A file the scan cannot read is read whole, so that its
                // error comes in input order, as one reader would meet it.
                let batch_rows = options.batch_rows as u64;
                let found = scan(
                    files[cut_file.position].0,
                    cut_file.bytes,
                    batch_rows,
                    segments as u64,
                )
                .ok()
                .flatten();
                Ok(match found {
                    Some((plan, hash)) => {
                        let _ = cut_file.plan.set(Some(plan));
                        Done::Hash(cut_file.position, hash)
                    }
                    None => {
                        let _ = cut_file.plan.set(None);
                        Done::Nothing
                    }
                })
            }
            Unit::Segment { file, segment } => {
                let cut_file = &cut_files[*file];
                let position = cut_file.position;
                match cut_file.plan.wait() {
                    None if *segment == 0 => read_whole(&[position]),
                    None => Ok(Done::Nothing),
                    Some((header, starts)) => match starts.get(*segment) {
                        None => Ok(Done::Nothing),
                        Some(&(lines_before, start)) => {
                            let end = starts.get(segment + 1).map_or(cut_file.bytes, |s| s.1);
                            let header = (*segment > 0).then_some(header.as_slice());
                            let mut builder = BronzeBuilder::new(options.clone());
                            let range = (lines_before, start, end);
                            match read_segment(
                                &mut builder,
                                files[position],
                                header,
                                range,
                                progress,
                            ) {
                                Ok(()) => {
                                    Ok(Done::Part(Box::new(builder), vec![(position, *segment)]))
                                }
                                Err(error) => Err((position, error)),
                            }
                        }
                    },
                }
            }
        })
    })?;
    let mut parts = Vec::with_capacity(done.len());
    let mut hashes = Vec::new();
    let mut first_failure: Option<(usize, anyhow::Error)> = None;
    for unit in done {
        match unit {
            Ok(Done::Part(builder, keys)) => parts.push((*builder, keys)),
            Ok(Done::Hash(position, hash)) => hashes.push((position, hash)),
            Ok(Done::Nothing) => {}
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

/// The pipeline's independent silver and gold pieces
/// ([`lakehouse_pipeline::join`]), the second on a thread of its own. Both
/// may run beside the bronze encoding: the operating system shares the
/// cores, and the second core no longer idles once the encoding is done.
/// When both are done, the memory their scratch took goes back to the
/// operating system ([`crate::memory`]).
struct SideBySide;

impl Join for SideBySide {
    fn join<A: Send, B: Send>(
        &self,
        a: impl FnOnce() -> A + Send,
        b: impl FnOnce() -> B + Send,
    ) -> (A, B) {
        let both = std::thread::scope(|scope| {
            let b = scope.spawn(b);
            let a = a();
            // A panic on the other thread is this thread's panic, as it
            // would have been with the pieces run in turn.
            (
                a,
                b.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            )
        });
        crate::memory::release_freed();
        both
    }
}

/// Encodes `table` and writes its file (and its CSV copy when `csv`) into
/// `out`, a Parquet file's bytes streamed into the file, so that no encoded
/// table waits in memory, neither for the others nor whole beside its open
/// row group. Returns the number of files written.
fn encode_one(bronze: &Bronze, table: &OutputTable<'_>, csv: bool, out: &Path) -> Result<usize> {
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
}

/// Encodes `tables` on up to `threads` threads, largest first (so that no
/// thread is left with a big one at the end), each written into `out` as
/// it is encoded ([`encode_one`]). Returns the number of files written.
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
        encode_one(bronze, &tables[order[at]], csv, out)
    })?;
    Ok(written.into_iter().sum())
}

/// The tables waiting to be encoded, handed over a layer at a time as each
/// is built, and whether more may come.
struct Queue<'a> {
    state: Mutex<(VecDeque<OutputTable<'a>>, bool)>,
    changed: Condvar,
}

impl<'a> Queue<'a> {
    fn new() -> Self {
        Self {
            state: Mutex::new((VecDeque::new(), false)),
            changed: Condvar::new(),
        }
    }

    /// Adds a layer's tables, its largest first (so that no thread is left
    /// with a big one at the end).
    fn push(&self, mut tables: Vec<OutputTable<'a>>) {
        tables.sort_by_key(|t| std::cmp::Reverse(t.rows()));
        if let Ok(mut state) = self.state.lock() {
            state.0.extend(tables);
        }
        self.changed.notify_all();
    }

    /// No more tables will come: the encoders stop once the queue is empty.
    fn close(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.1 = true;
        }
        self.changed.notify_all();
    }

    /// The next table, waiting while the queue is empty and open; `None`
    /// once it is empty and closed.
    fn next(&self) -> Option<OutputTable<'a>> {
        let mut state = self.state.lock().ok()?;
        loop {
            if let Some(table) = state.0.pop_front() {
                return Some(table);
            }
            if state.1 {
                return None;
            }
            state = self.changed.wait(state).ok()?;
        }
    }

    /// Encodes and writes tables as they come, until the queue is closed
    /// and empty. Returns the files written, or the first failure (the
    /// other encoders go on with the rest).
    fn encode(&self, bronze: &Bronze, csv: bool, out: &Path) -> Result<usize> {
        let mut written = 0;
        while let Some(table) = self.next() {
            written += encode_one(bronze, &table, csv, out)?;
        }
        Ok(written)
    }
}

/// Closes a queue when dropped, so that no encoder waits forever when the
/// thread feeding it stops early (an error, a panic).
struct CloseOnDrop<'q, 'a>(&'q Queue<'a>);

impl Drop for CloseOnDrop<'_, '_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// Silver and gold, built on this thread while `threads - 1` others encode
/// the tables and write them into `out` (when `--out` was given; `csv` adds
/// CSV copies): the bronze tables from the start, the silver ones once
/// silver is built (while gold is computed), the gold ones last; then this
/// thread encodes beside them until every table is written. Calls `done`
/// with each stage's name as it ends, as
/// [`lakehouse_pipeline::build_staged`] does; returns the lakehouse and the
/// number of files written (every table's, when `out` was given).
pub(crate) fn build_while_encoding(
    bronze: Bronze,
    as_of: Option<Day>,
    out: Option<(&Path, bool)>,
    threads: usize,
    done: &mut dyn FnMut(&'static str),
) -> Result<(Lakehouse, usize)> {
    // Outside the scope, so that the encoders may borrow each layer's
    // tables as soon as it is built.
    let (silver_built, gold_built) = (OnceLock::new(), OnceLock::new());
    let queue = Queue::new();
    let written = std::thread::scope(|scope| {
        let (bronze, queue) = (&bronze, &queue);
        let closing = CloseOnDrop(queue);
        let encoders: Vec<_> = match out {
            Some((out, csv)) => {
                queue.push(bronze.output_tables());
                (1..threads)
                    .map(|_| scope.spawn(move || queue.encode(bronze, csv, out)))
                    .collect()
            }
            None => Vec::new(),
        };
        let built = silver::conform_with(bronze, as_of, &SideBySide).and_then(|silver| {
            let silver: &Silver = silver_built.get_or_init(|| silver);
            done("silver");
            if out.is_some() {
                queue.push(silver.output_tables());
            }
            let gold = gold::compute_with(bronze, silver, &SideBySide)?;
            let gold: &Gold = gold_built.get_or_init(|| gold);
            done("gold");
            if out.is_some() {
                queue.push(gold.output_tables());
            }
            Ok(())
        });
        drop(closing);
        // This thread is free now: it encodes beside the others.
        let mine = match (&built, out) {
            (Ok(()), Some((out, csv))) => queue.encode(bronze, csv, out),
            _ => Ok(0),
        };
        let (mut written, mut failure) = match mine {
            Ok(files) => (files, None),
            Err(error) => (0, Some(error)),
        };
        for encoder in encoders {
            match encoder.join() {
                Ok(Ok(files)) => written += files,
                Ok(Err(error)) => {
                    failure.get_or_insert(error);
                }
                Err(_) => {
                    failure.get_or_insert(anyhow!("a thread encoding the tables panicked"));
                }
            }
        }
        built?;
        match failure {
            Some(error) => Err(error),
            None => Ok(written),
        }
    })?;
    drop(queue);
    let (Some(silver), Some(gold)) = (silver_built.into_inner(), gold_built.into_inner()) else {
        return Err(anyhow!("silver or gold was not built"));
    };
    Ok((
        Lakehouse {
            bronze,
            silver,
            gold,
        },
        written,
    ))
}

/// The rest of `--out` after a run that wrote no table (one thread, or an
/// earlier run's output read back): every table encoded and written on up
/// to `threads` threads, then `manifest.json`, as
/// [`Lakehouse::output_files`] gives them; after [`build_while_encoding`]
/// wrote them all (`tables` false), `manifest.json` alone. Returns the
/// number of files written.
pub(crate) fn write_rest(
    lakehouse: &Lakehouse,
    out: &Path,
    csv: bool,
    threads: usize,
    tables: bool,
) -> Result<usize> {
    let written = if tables {
        encode_and_write(&lakehouse.bronze, &lakehouse.tables(), csv, threads, out)?
    } else {
        0
    };
    Ok(written + crate::write_outputs(out, &[lakehouse.manifest_file()])?)
}
