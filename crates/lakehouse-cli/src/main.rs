//! `lakehouse`: runs the Synthea Lakehouse pipeline over files on disk.
//!
//! This binary owns everything the engine must not do: paths, reading files
//! in chunks, progress bars, writing outputs and exit codes.
//!
//! Exit codes: 0 success; 1 `--strict` and rows were rejected or an
//! error-severity data-quality rule failed; 2 bad usage or unusable input
//! (a path that does not exist, a missing `patients.csv`, a broken zip…).

use std::collections::HashSet;
use std::fs;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use lakehouse_pipeline::bronze::archive::{self, ZipLimits};
use lakehouse_pipeline::export::databricks::BundleOptions;
use lakehouse_pipeline::gold::quality::Severity;
use lakehouse_pipeline::{BronzeBuilder, Day, IngestOptions, Lakehouse};

mod memory;
mod parallel;
#[cfg(feature = "sql")]
mod sql;

/// Synthea Lakehouse: Synthea CSV exports → bronze → silver star schema → gold metrics, as Parquet.
#[derive(Parser)]
#[command(
    name = "lakehouse",
    version,
    about,
    long_about = None,
    after_help = "Exit codes: 0 success (rejected rows are reported, not fatal); 1 --strict and rows were rejected \
or an error-severity data-quality rule failed; 2 bad usage or unusable input."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Ingest a Synthea CSV export and write the bronze, silver and gold tables.
    Run(RunArgs),
    /// Print a Parquet table written by `run` as text (schema line, then one row per line).
    Show(ShowArgs),
    /// Write the built-in demo data: a synthetic Synthea 3.3-layout CSV export.
    Demo(DemoArgs),
    /// Build the lakehouse and write it for other platforms: a Power BI
    /// project (--powerbi), Delta tables (--delta) and a Databricks Asset Bundle
    /// (--databricks); `run` takes the same options.
    Export(RunArgs),
    #[cfg(feature = "sql")]
    /// Query the bronze, silver and gold tables of a `run --out` folder with
    /// SQL (DataFusion): a table, CSV or Parquet.
    Sql(sql::SqlArgs),
}

#[derive(clap::Args)]
struct DemoArgs {
    /// How many patients.
    #[arg(long, default_value_t = 1000)]
    patients: u64,
    /// Random seed: the same (seed, patients, as-of) always gives the same bytes.
    #[arg(long, default_value_t = lakehouse_synth::DEFAULT_SEED)]
    seed: u64,
    /// Last day of the simulated history (YYYY-MM-DD).
    #[arg(long, value_name = "YYYY-MM-DD", default_value = lakehouse_synth::DEFAULT_AS_OF)]
    as_of: String,
    /// Folder to write the CSV files into (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

#[derive(clap::Args)]
struct ShowArgs {
    /// A `.parquet` file from a `run` output folder.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Print at most this many rows.
    #[arg(long, default_value_t = 50)]
    limit: usize,
}

#[derive(clap::Args)]
struct RunArgs {
    /// A folder (searched recursively), CSV files, or a .zip of a Synthea
    /// export; or the folder of an earlier `run --out` (exported again from
    /// its bronze tables).
    #[arg(required_unless_present = "demo", value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Instead of INPUT, generate this many demo patients in memory and run on them.
    #[arg(long, value_name = "PATIENTS", conflicts_with = "inputs")]
    demo: Option<u64>,
    /// Seed of the demo data (with --demo).
    #[arg(long, default_value_t = lakehouse_synth::DEFAULT_SEED, requires = "demo")]
    seed: u64,
    /// Output folder (created if missing): bronze/, silver/, gold/ and manifest.json.
    #[arg(long, value_name = "DIR", required_unless_present_any = ["powerbi", "delta", "databricks"])]
    out: Option<PathBuf>,
    /// Write a Power BI project (PBIP, TMDL model, Parquet in data/) into DIR.
    #[arg(long, value_name = "DIR")]
    powerbi: Option<PathBuf>,
    /// Where the user will unzip the Power BI project (the DataFolder parameter is this plus `\data`).
    #[arg(long, value_name = "PATH", default_value = "C:\\SyntheaLakehouse")]
    data_folder: String,
    /// Name of the Power BI project (file and folder names).
    #[arg(long, value_name = "NAME", default_value = "SyntheaLakehouse")]
    project: String,
    /// Write every star and gold table as a Delta table folder into DIR.
    #[arg(long, value_name = "DIR")]
    delta: Option<PathBuf>,
    /// Write a Databricks Asset Bundle into DIR: a job of bronze, silver and
    /// gold SQL notebooks that rebuilds these tables as Delta tables on Spark.
    #[arg(long, value_name = "DIR")]
    databricks: Option<PathBuf>,
    /// Default Volume folder of the CSV files in the Databricks bundle.
    #[arg(long, value_name = "PATH", default_value = "/Volumes/main/synthea/raw")]
    source_volume: String,
    /// Default catalog and schema of the Databricks bundle (`catalog.schema`).
    #[arg(long, value_name = "CATALOG.SCHEMA", default_value = "main.synthea")]
    target_schema: String,
    /// Reference day for ages and "active" flags (YYYY-MM-DD). Default: the data's last event day.
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<String>,
    /// Also write every table as CSV next to its Parquet file.
    #[arg(long)]
    csv: bool,
    /// Exit with code 1 when rows were rejected or an error-severity data-quality rule failed.
    #[arg(long)]
    strict: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
    /// Print each stage's wall time and input MB/s to stderr (bronze,
    /// silver, gold, encoding the outputs, writing them).
    #[arg(long)]
    timings: bool,
    /// Threads to read the input files and encode the outputs on (default:
    /// the machine's cores). Outputs are byte-identical for every N.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Rows per bronze batch (tests make it small, so that a small file is
    /// cut into segments under --threads as a large one is).
    #[arg(long, hide = true, default_value_t = IngestOptions::default().batch_rows)]
    batch_rows: usize,
    /// Most GiB a .zip input may expand to (a guard against zip bombs).
    #[arg(long, value_name = "GIB", default_value_t = ZipLimits::default().max_gib())]
    zip_max_gib: u64,
    /// Most bytes a .zip input may expand to per byte of the archive (real
    /// Synthea exports: about 8).
    #[arg(long, value_name = "RATIO", default_value_t = ZipLimits::default().max_ratio)]
    zip_max_ratio: u64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run(&args),
        Command::Show(args) => show(&args),
        Command::Demo(args) => demo(&args),
        Command::Export(args) => run(&args),
        #[cfg(feature = "sql")]
        Command::Sql(args) => sql::sql(&args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            let text = format!("{error:#}");
            let mut lines = text.lines();
            eprintln!("error: {}", lines.next().unwrap_or_default());
            for line in lines {
                eprintln!("{line}");
            }
            let hint = error
                .chain()
                .find_map(|cause| cause.downcast_ref::<lakehouse_pipeline::Error>())
                .and_then(lakehouse_pipeline::Error::hint);
            if let Some(hint) = hint {
                eprintln!("hint: {hint}");
            }
            ExitCode::from(2)
        }
    }
}

/// One input: a plain file, or a zip archive.
enum Source {
    File { path: PathBuf, name: String },
    Zip { path: PathBuf, name: String },
}

fn is_zip(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

/// The inputs found so far: each real path once, whatever links lead to it.
#[derive(Default)]
struct Found {
    sources: Vec<Source>,
    /// Canonical paths of the folders and files taken.
    visited: HashSet<PathBuf>,
    /// What the user is told about inputs passed over.
    notes: Vec<String>,
}

impl Found {
    /// Whether `path` is new (by its real path); a second way to the same
    /// folder or file (a symlink loop, a link, an input given twice) is
    /// noted and passed over.
    fn first_visit(&mut self, path: &Path) -> bool {
        let real = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if self.visited.insert(real) {
            return true;
        }
        self.notes.push(format!(
            "`{}` was reached again (a link or a repeated input); read once",
            path.display()
        ));
        false
    }

    fn push(&mut self, path: PathBuf, name: String) {
        if !self.first_visit(&path) {
            return;
        }
        if is_zip(&path) {
            self.sources.push(Source::Zip { path, name });
        } else {
            self.sources.push(Source::File { path, name });
        }
    }
}

/// The paths in a folder, sorted (so every run reads them in one order).
fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .with_context(|| format!("reading folder `{}`", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("reading folder `{}`", dir.display()))?;
    entries.sort();
    Ok(entries)
}

fn collect_dir(root: &Path, dir: &Path, found: &mut Found) -> Result<()> {
    if !found.first_visit(dir) {
        return Ok(());
    }
    for path in sorted_entries(dir)? {
        let name_text = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name_text.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            collect_dir(root, &path, found)?;
            continue;
        }
        let name = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        if is_zip(&path) || name_text.to_ascii_lowercase().ends_with(".csv") {
            found.push(path, name);
        }
        // Other files in an export folder (FHIR JSON, README…) are not CSV tables.
    }
    Ok(())
}

/// Whether two files hold the same bytes (read side by side in chunks).
fn same_content(a: &Path, b: &Path) -> std::io::Result<bool> {
    if fs::metadata(a)?.len() != fs::metadata(b)?.len() {
        return Ok(false);
    }
    let (mut a, mut b) = (fs::File::open(a)?, fs::File::open(b)?);
    let (mut x, mut y) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    loop {
        let n = a.read(&mut x)?;
        if n == 0 {
            return Ok(true);
        }
        b.read_exact(&mut y[..n])?;
        if x[..n] != y[..n] {
            return Ok(false);
        }
    }
}

/// Drops a CSV file that repeats an earlier one's name and bytes (an
/// export copied twice into one input): its rows would be read twice.
fn drop_copies(found: &mut Found) -> Result<()> {
    let mut kept: Vec<(String, PathBuf, String)> = Vec::new();
    let mut sources = Vec::new();
    for source in std::mem::take(&mut found.sources) {
        if let Source::File { path, name } = &source {
            let base = path
                .file_name()
                .map(|n| n.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            let mut copy_of = None;
            for (other_base, other_path, other_name) in &kept {
                if *other_base == base
                    && same_content(other_path, path)
                        .with_context(|| format!("reading `{}`", path.display()))?
                {
                    copy_of = Some(other_name.clone());
                    break;
                }
            }
            if let Some(original) = copy_of {
                found.notes.push(format!(
                    "`{name}` has the same name and content as `{original}`; read once"
                ));
                continue;
            }
            kept.push((base, path.clone(), name.clone()));
        }
        sources.push(source);
    }
    found.sources = sources;
    Ok(())
}

/// The inputs as sources, each real file once, and what was passed over.
fn collect(inputs: &[PathBuf]) -> Result<(Vec<Source>, Vec<String>)> {
    let mut found = Found::default();
    for input in inputs {
        let metadata = fs::metadata(input).with_context(|| {
            format!("cannot read input `{}`\nhint: pass a folder, CSV files or a .zip of a Synthea export", input.display())
        })?;
        let name = input
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if metadata.is_dir() {
            let before = found.sources.len();
            collect_dir(input, input, &mut found)?;
            if found.sources.len() == before && found.notes.is_empty() {
                bail!(
                    "no CSV files in folder `{}`\nhint: Synthea writes its CSV export to `output/csv/`",
                    input.display()
                );
            }
        } else {
            found.push(input.clone(), name);
        }
    }
    drop_copies(&mut found)?;
    Ok((found.sources, found.notes))
}

fn total_bytes(sources: &[Source]) -> u64 {
    sources
        .iter()
        .map(|s| match s {
            Source::File { path, .. } | Source::Zip { path, .. } => {
                fs::metadata(path).map_or(0, |m| m.len())
            }
        })
        .sum()
}

fn ingest(
    sources: &[Source],
    options: IngestOptions,
    progress: &ProgressBar,
) -> Result<lakehouse_pipeline::Bronze> {
    let mut builder = BronzeBuilder::new(options);
    for source in sources {
        match source {
            Source::File { path, name } => {
                progress.set_message(name.clone());
                let file = fs::File::open(path)
                    .with_context(|| format!("opening `{}`", path.display()))?;
                builder.read(name, file, &mut |bytes, _| progress.inc(bytes))?;
            }
            Source::Zip { path, name } => {
                progress.set_message(name.clone());
                let file = fs::File::open(path)
                    .with_context(|| format!("opening `{}`", path.display()))?;
                let size = file.metadata().map_or(0, |m| m.len());
                archive::ingest_zip(&mut builder, name, std::io::BufReader::new(file))?;
                progress.inc(size);
            }
        }
    }
    Ok(builder.finish()?)
}

/// The Databricks bundle's defaults from `--target-schema` and `--source-volume`.
fn bundle_options(args: &RunArgs) -> Result<BundleOptions> {
    let Some((catalog, schema)) = args.target_schema.split_once('.') else {
        bail!(
            "`--target-schema {}` is not `catalog.schema`\nhint: give both parts, e.g. `--target-schema main.synthea`",
            args.target_schema
        );
    };
    Ok(BundleOptions {
        catalog: catalog.to_string(),
        schema: schema.to_string(),
        source_volume: args.source_volume.trim_end_matches('/').to_string(),
        ..BundleOptions::default()
    })
}

/// The lakehouse of an earlier `run --out DIR`: its bronze Parquet tables
/// (and its reference day, from gold_kpis, unless `as_of` is given).
fn load_run_output(dir: &Path, as_of: Option<Day>) -> Result<Lakehouse> {
    let mut files = Vec::new();
    let bronze = dir.join("bronze");
    let mut entries: Vec<PathBuf> = fs::read_dir(&bronze)
        .with_context(|| format!("reading `{}`", bronze.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
        .collect();
    entries.push(dir.join("gold").join("gold_kpis.parquet"));
    entries.sort();
    for path in entries.into_iter().filter(|p| p.is_file()) {
        let bytes = fs::read(&path).with_context(|| format!("reading `{}`", path.display()))?;
        let relative = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        files.push((relative, bytes));
    }
    Ok(lakehouse_pipeline::from_run_output(
        files
            .iter_mut()
            .map(|(path, bytes)| (path.as_str(), std::mem::take(bytes))),
        as_of,
    )?)
}

/// `lakehouse run` and `lakehouse export`: reads the input (CSVs, a zip, an
/// earlier run's output or demo data), builds the lakehouse and writes what
/// was asked, then the summary. Long because it is the command's one
/// sequence of steps, each a few lines with its progress and error context.
fn run(args: &RunArgs) -> Result<ExitCode> {
    let as_of = args
        .as_of
        .as_deref()
        .map(lakehouse_pipeline::parse_as_of)
        .transpose()?;
    // Checked before any work, so a typo costs no pipeline run.
    let bundle = match &args.databricks {
        Some(_) => Some(bundle_options(args)?),
        None => None,
    };
    let demo_files = args.demo.map(|patients| {
        let mut config = lakehouse_synth::Config::new(args.seed, patients);
        if let Some(day) = as_of {
            config.as_of = day;
        }
        lakehouse_synth::generate_files(&config)
    });
    // An earlier `run` output (bronze/ and manifest.json) is exported again
    // from its lossless bronze tables.
    let run_output = match args.inputs.as_slice() {
        [dir] if dir.join("manifest.json").is_file() && dir.join("bronze").is_dir() => {
            Some(dir.clone())
        }
        _ => None,
    };
    let (sources, input_notes) = if demo_files.is_some() || run_output.is_some() {
        (Vec::new(), Vec::new())
    } else {
        collect(&args.inputs)?
    };
    let bytes = match &demo_files {
        Some(files) => files.iter().map(|f| f.1.len() as u64).sum(),
        None => total_bytes(&sources),
    };
    let threads = args
        .threads
        .map_or_else(parallel::default_threads, usize::from);
    let progress = if args.quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::new(bytes);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {prefix:8} [{bar:30}] {bytes}/{total_bytes} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar
    };
    progress.set_prefix("bronze");
    let mut clock = Clock::start();
    // With --threads > 1 and --out, the files of every table, written while
    // silver and gold were built.
    let mut tables_written = None;
    let lakehouse = if let Some(dir) = &run_output {
        progress.set_message("reading the earlier run's bronze tables");
        load_run_output(dir, as_of)?
    } else {
        let bronze = match &demo_files {
            Some(files) => {
                let mut builder = BronzeBuilder::new(IngestOptions::default());
                for (name, data) in files {
                    builder.add_bytes(&format!("demo/{name}"), data)?;
                    progress.inc(data.len() as u64);
                }
                builder.finish()?
            }
            None => {
                let zip = ZipLimits::from_gib(args.zip_max_gib, args.zip_max_ratio);
                let options = IngestOptions {
                    zip,
                    as_of,
                    batch_rows: args.batch_rows.max(1),
                };
                let files: Option<Vec<(&Path, &str)>> = sources
                    .iter()
                    .map(|source| match source {
                        Source::File { path, name } => Some((path.as_path(), name.as_str())),
                        // A zip is read from start to end by one reader.
                        Source::Zip { .. } => None,
                    })
                    .collect();
                match files {
                    Some(files) if threads > 1 => {
                        parallel::read_files(&files, options, threads, &progress)?
                    }
                    _ => ingest(&sources, options, &progress)?,
                }
            }
        };
        clock.lap("bronze");
        progress.set_prefix("silver");
        progress.set_message("star schema and gold metrics");
        if threads > 1 {
            let out = args.out.as_deref().map(|out| (out, args.csv));
            let (lakehouse, files) =
                parallel::build_while_encoding(bronze, as_of, out, threads, &mut |stage| {
                    clock.lap(stage)
                })?;
            tables_written = Some(files);
            lakehouse
        } else {
            lakehouse_pipeline::build_staged(bronze, as_of, &mut |stage| clock.lap(stage))?
        }
    };
    if run_output.is_some() {
        clock.lap("reload");
    }
    // What building took and freed, before the tables are encoded (with
    // one thread; with more, they were encoded as silver and gold were built).
    memory::release_freed();
    progress.set_prefix("export");
    progress.set_message("writing Parquet");
    let mut written = 0;
    if let Some(out) = &args.out {
        // Each file is written as soon as it is encoded, its Parquet bytes
        // streamed into the file: "encode" holds the writing.
        written += tables_written.unwrap_or(0)
            + parallel::write_rest(&lakehouse, out, args.csv, threads, tables_written.is_none())?;
        clock.lap("encode");
    }
    if let Some(dir) = &args.powerbi {
        progress.set_message("writing the Power BI project");
        let folder = format!("{}\\data", args.data_folder.trim_end_matches(['\\', '/']));
        written += write_outputs(dir, &lakehouse.powerbi_files(&args.project, &folder)?)?;
    }
    if let Some(dir) = &args.delta {
        progress.set_message("writing Delta tables");
        written += write_outputs(dir, &lakehouse.delta_files()?)?;
    }
    if let (Some(dir), Some(bundle)) = (&args.databricks, &bundle) {
        progress.set_message("writing the Databricks bundle");
        written += write_outputs(dir, &lakehouse.databricks_files(bundle)?)?;
    }
    progress.finish_and_clear();
    if args.timings {
        if args.powerbi.is_some() || args.delta.is_some() || args.databricks.is_some() {
            clock.lap("other outputs");
        }
        clock.print(bytes);
    }

    if !args.quiet {
        for warning in input_notes.iter().chain(&lakehouse.bronze.warnings) {
            eprintln!("warning: {warning}");
        }
        let out = args
            .out
            .as_deref()
            .or(args.powerbi.as_deref())
            .or(args.delta.as_deref())
            .or(args.databricks.as_deref())
            .unwrap_or(Path::new("."));
        if let Err(error) = print_summary(&lakehouse, out, written, bytes) {
            // A closed pipe (`lakehouse run … | head`) is not a failure of the run.
            if error.kind() != std::io::ErrorKind::BrokenPipe {
                return Err(error.into());
            }
        }
    }
    let rules = lakehouse.quality();
    let errors = rules
        .iter()
        .filter(|r| r.failed_with(Severity::Error))
        .count();
    let rejected = lakehouse.bronze.rejects.num_rows();
    if args.strict && (errors > 0 || rejected > 0) {
        eprintln!(
            "error: --strict: {rejected} rows rejected, {errors} error-severity data-quality rules failed"
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn demo(args: &DemoArgs) -> Result<ExitCode> {
    let as_of = lakehouse_pipeline::parse_as_of(&args.as_of)?;
    let config = lakehouse_synth::Config {
        seed: args.seed,
        patients: args.patients,
        as_of,
    };
    fs::create_dir_all(&args.out)
        .with_context(|| format!("creating output folder `{}`", args.out.display()))?;
    let mut writers: Vec<(&'static str, std::io::BufWriter<fs::File>)> = Vec::new();
    let mut failure: Option<anyhow::Error> = None;
    let mut written = 0u64;
    lakehouse_synth::generate(&config, &mut |name, bytes| {
        if failure.is_some() {
            return;
        }
        let result = (|| -> Result<()> {
            let index = match writers.iter().position(|(n, _)| *n == name) {
                Some(i) => i,
                None => {
                    let path = args.out.join(name);
                    let file = fs::File::create(&path)
                        .with_context(|| format!("creating `{}`", path.display()))?;
                    writers.push((name, std::io::BufWriter::new(file)));
                    writers.len() - 1
                }
            };
            writers[index]
                .1
                .write_all(bytes)
                .with_context(|| format!("writing `{name}`"))?;
            written += bytes.len() as u64;
            Ok(())
        })();
        if let Err(error) = result {
            failure = Some(error);
        }
    });
    if let Some(error) = failure {
        return Err(error);
    }
    for (name, mut writer) in writers {
        writer
            .flush()
            .with_context(|| format!("writing `{name}`"))?;
    }
    println!(
        "wrote {} demo patients (seed {}, as of {}) to {}: {} files, {written} bytes",
        args.patients,
        args.seed,
        args.as_of,
        args.out.display(),
        lakehouse_synth::FILES.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn show(args: &ShowArgs) -> Result<ExitCode> {
    let bytes =
        fs::read(&args.file).with_context(|| format!("reading `{}`", args.file.display()))?;
    let batches = lakehouse_pipeline::export::parquet::read(bytes).with_context(|| {
        format!(
            "`{}` is not a Parquet file this tool can read",
            args.file.display()
        )
    })?;
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    let text = lakehouse_pipeline::render::render(&batches);
    let mut stdout = std::io::stdout().lock();
    for line in text.lines().take(args.limit + 1) {
        if writeln!(stdout, "{line}").is_err() {
            return Ok(ExitCode::SUCCESS);
        }
    }
    if rows > args.limit {
        let _ = writeln!(stdout, "… {} more rows (use --limit)", rows - args.limit);
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes files under `out`; returns how many.
/// Wall time per stage of a run, for `--timings`.
struct Clock {
    started: Instant,
    last: Instant,
    laps: Vec<(&'static str, Duration)>,
}

impl Clock {
    fn start() -> Self {
        let now = Instant::now();
        Self {
            started: now,
            last: now,
            laps: Vec::new(),
        }
    }

    /// Ends the stage `name` now.
    fn lap(&mut self, name: &'static str) {
        let now = Instant::now();
        self.laps.push((name, now - self.last));
        self.last = now;
    }

    /// The stages and the total, with the input's
    /// MB per second of each, to stderr.
    fn print(&self, input_bytes: u64) {
        let mb = input_bytes as f64 / 1e6;
        let line = |name: &str, d: Duration| {
            let seconds = d.as_secs_f64();
            // A stage under a millisecond has no meaningful rate.
            let rate = if seconds >= 0.001 {
                format!("{:.1}", mb / seconds)
            } else {
                "-".to_string()
            };
            eprintln!("{name:<14} {seconds:>9.3} {rate:>10}");
        };
        eprintln!("{:<14} {:>9} {:>10}", "stage", "seconds", "input MB/s");
        for (name, d) in &self.laps {
            line(name, *d);
        }
        line("total", self.last - self.started);
        eprintln!("input: {mb:.1} MB");
    }
}

fn write_outputs(out: &Path, files: &[lakehouse_pipeline::OutputFile]) -> Result<usize> {
    for file in files {
        let path = output_path(out, &file.path)?;
        fs::write(&path, &file.bytes).with_context(|| format!("writing `{}`", path.display()))?;
    }
    Ok(files.len())
}

/// `out` joined with an output file's relative path, its folder created.
fn output_path(out: &Path, file: &str) -> Result<PathBuf> {
    let path = out.join(file);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .with_context(|| format!("creating output folder `{}`", parent.display()))?;
    }
    Ok(path)
}

fn print_summary(
    lakehouse: &Lakehouse,
    out: &Path,
    files: usize,
    bytes: u64,
) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    let bronze = &lakehouse.bronze;
    let read: u64 = bronze.files.iter().map(|f| f.rows_read).sum();
    let accepted: u64 = bronze.files.iter().map(|f| f.rows_accepted).sum();
    let rejected: u64 = bronze.files.iter().map(|f| f.rows_rejected).sum();
    writeln!(stdout, "Synthea version  {}", bronze.version.label())?;
    writeln!(stdout, "as of            {}", lakehouse.silver.as_of)?;
    writeln!(
        stdout,
        "input            {} files, {} bytes, {read} rows read = {accepted} accepted + {rejected} rejected",
        bronze.files.len(),
        bytes
    )?;
    let non_finite: u64 = bronze.files.iter().map(|f| f.non_finite_numbers).sum();
    if non_finite > 0 {
        writeln!(
            stdout,
            "non-finite       {non_finite} numbers spelled NaN or inf, read as empty (per file in manifest.json)"
        )?;
    }
    writeln!(stdout)?;
    writeln!(stdout, "{:<8} {:<34} {:>10}", "layer", "table", "rows")?;
    for table in lakehouse.tables() {
        writeln!(
            stdout,
            "{:<8} {:<34} {:>10}",
            table.layer,
            table.name,
            table.rows()
        )?;
    }
    writeln!(stdout)?;
    let rules = lakehouse.quality();
    let failed = |severity| rules.iter().filter(|r| r.failed_with(severity)).count();
    writeln!(
        stdout,
        "data quality     {} errors, {} warnings, {} info (rules with failures; see gold/dq_results.parquet)",
        failed(Severity::Error),
        failed(Severity::Warning),
        failed(Severity::Info)
    )?;
    for rule in rules
        .iter()
        .filter(|r| r.rows_failed > 0 && r.severity() != Severity::Info)
    {
        writeln!(
            stdout,
            "  {:<8} {:<40} {} of {} rows",
            rule.severity().as_str(),
            rule.rule_id(),
            rule.rows_failed,
            rule.rows_checked
        )?;
    }
    writeln!(stdout, "wrote {files} files to {}", out.display())?;
    Ok(())
}
