//! `lakehouse sql`: SQL over the tables of a `run --out` folder.

use std::fs;
use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use lakehouse_sql::{EXAMPLES, Example, LAYERS, SqlError, SqlSession};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// An aligned text table (the first --limit rows).
    Table,
    /// CSV with a header line, every row.
    Csv,
    /// A Snappy Parquet file, every row (needs --out).
    Parquet,
}

#[derive(clap::Args)]
#[command(after_help = examples_help())]
pub(crate) struct SqlArgs {
    /// The folder `lakehouse run --out` wrote (bronze/, silver/, gold/).
    #[arg(value_name = "RUN_OUT_DIR")]
    dir: PathBuf,
    /// The query (several, separated by `;`, run in turn). Without one, and
    /// without --file or --example, queries are read from standard input:
    /// at a terminal, a prompt.
    #[arg(value_name = "QUERY", allow_hyphen_values = true, conflicts_with_all = ["file", "example"])]
    query: Option<String>,
    /// Run the queries in this file.
    #[arg(long, value_name = "FILE", conflicts_with = "example")]
    file: Option<PathBuf>,
    /// Run one of the example queries (listed below).
    #[arg(long, value_name = "ID", value_parser = clap::builder::PossibleValuesParser::new(EXAMPLES.iter().map(|e| e.id)))]
    example: Option<String>,
    /// How to print the answer.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write the answer to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Rows a table shows (csv and parquet write every row).
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// List the tables (layer, name, rows, columns) and stop.
    #[arg(long)]
    tables: bool,
}

fn examples_help() -> String {
    let mut text = String::from(
        "Tables are `bronze.NAME`, `silver.NAME` and `gold.NAME`; an unqualified name is looked up in silver.\n\
         Only queries run (no DDL, DML, COPY or SET). Exit codes: 0 success; 2 a SQL error or unusable input.\n\nExamples (--example ID):\n",
    );
    for example in EXAMPLES {
        text.push_str(&format!("  {:<30} {}\n", example.id, example.title()));
    }
    text
}

pub(crate) fn sql(args: &SqlArgs) -> Result<ExitCode> {
    let session = open(&args.dir)?;
    if args.tables {
        let mut stdout = std::io::stdout().lock();
        for table in session.tables() {
            let columns: Vec<String> = table
                .columns
                .iter()
                .map(|(n, t)| format!("{n} {t}"))
                .collect();
            let _ = writeln!(
                stdout,
                "{}\t{} rows\t{}",
                table.qualified(),
                table.rows,
                columns.join(", ")
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let script = match (&args.query, &args.file, &args.example) {
        (Some(query), _, _) => query.clone(),
        (_, Some(file), _) => {
            fs::read_to_string(file).with_context(|| format!("reading `{}`", file.display()))?
        }
        (_, _, Some(id)) => Example::find(id)
            .map(|e| e.sql.to_string())
            .unwrap_or_default(),
        _ if std::io::stdin().is_terminal() => return prompt(&session, args),
        _ => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("reading queries from standard input")?;
            text
        }
    };
    let statements = lakehouse_sql::split_statements(&script);
    if statements.is_empty() {
        bail!(
            "no query to run: give one (`lakehouse sql DIR \"SELECT …\"`), --file, --example or standard input"
        );
    }
    if args.format != Format::Table && statements.len() > 1 {
        bail!(
            "--format {} writes one answer, and there are {} queries: run them one at a time",
            format_name(args.format),
            statements.len()
        );
    }
    if args.format == Format::Parquet && args.out.is_none() {
        bail!("--format parquet needs --out FILE (Parquet is binary)");
    }
    for (line, statement) in &statements {
        match session.query_blocking(statement) {
            Ok(result) => write_answer(&result, args)?,
            Err(error) => {
                report(&error, statement, *line);
                return Ok(ExitCode::from(2));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn format_name(format: Format) -> &'static str {
    match format {
        Format::Table => "table",
        Format::Csv => "csv",
        Format::Parquet => "parquet",
    }
}

/// Every Parquet table of a run output, registered under its layer.
fn open(dir: &Path) -> Result<SqlSession> {
    if !dir.is_dir() {
        bail!(
            "`{}` is not a folder: give the folder `lakehouse run --out` wrote",
            dir.display()
        );
    }
    let mut session = SqlSession::new();
    for layer in LAYERS {
        let folder = dir.join(layer);
        if !folder.is_dir() {
            bail!(
                "`{}` has no {layer}/ folder: give the folder `lakehouse run --out` wrote (bronze/, silver/, gold/)",
                dir.display()
            );
        }
        for path in crate::sorted_entries(&folder)? {
            if path.extension().is_none_or(|e| e != "parquet") {
                continue;
            }
            let Some(name) = path.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
                continue;
            };
            let bytes = fs::read(&path).with_context(|| format!("reading `{}`", path.display()))?;
            session
                .register_parquet(layer, &name, Bytes::from(bytes))
                .with_context(|| format!("`{}` cannot be queried", path.display()))?;
        }
    }
    if session.tables().is_empty() {
        bail!(
            "`{}` holds no Parquet tables: run `lakehouse run INPUT --out {}` first",
            dir.display(),
            dir.display()
        );
    }
    Ok(session)
}

/// Prints a SQL error with its place in the script.
fn report(error: &SqlError, statement: &str, first_line: usize) {
    eprintln!("error: SQL: {}", error.message);
    if let Some(position) = error.clone().in_script(first_line).position {
        eprintln!("  --> line {}, column {}", position.line, position.column);
        if let Some(pointer) = error.pointer(statement) {
            for line in pointer.lines() {
                eprintln!("   | {line}");
            }
        }
    }
    eprintln!("hint: `lakehouse sql DIR --tables` lists the tables and their columns");
}

fn write_answer(result: &lakehouse_sql::QueryResult, args: &SqlArgs) -> Result<()> {
    let bytes = match args.format {
        Format::Table => lakehouse_sql::to_text(result, args.limit).into_bytes(),
        Format::Csv => lakehouse_sql::to_csv(result)?,
        Format::Parquet => lakehouse_sql::to_parquet(result)?,
    };
    match &args.out {
        Some(path) => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                fs::create_dir_all(parent)
                    .with_context(|| format!("creating `{}`", parent.display()))?;
            }
            fs::write(path, &bytes).with_context(|| format!("writing `{}`", path.display()))?;
            eprintln!("wrote {} rows to {}", result.rows(), path.display());
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error.
            let _ = stdout.write_all(&bytes);
        }
    }
    Ok(())
}

/// Reads queries at a prompt until end of input; an error is printed and
/// the prompt goes on.
fn prompt(session: &SqlSession, args: &SqlArgs) -> Result<ExitCode> {
    let count = |layer: &str| session.tables().iter().filter(|t| t.layer == layer).count();
    eprintln!(
        "{} tables: bronze {}, silver {}, gold {}. End a query with ; (Ctrl-D quits).",
        session.tables().len(),
        count("bronze"),
        count("silver"),
        count("gold")
    );
    let stdin = std::io::stdin();
    let mut pending = String::new();
    let mut failed = false;
    loop {
        eprint!(
            "{}",
            if pending.trim().is_empty() {
                "sql> "
            } else {
                "  -> "
            }
        );
        let mut line = String::new();
        if stdin.lock().read_line(&mut line)? == 0 {
            break;
        }
        pending.push_str(&line);
        if !line.trim_end().ends_with(';') {
            continue;
        }
        for (first, statement) in lakehouse_sql::split_statements(&std::mem::take(&mut pending)) {
            match session.query_blocking(&statement) {
                Ok(result) => write_answer(&result, args)?,
                Err(error) => {
                    report(&error, &statement, first);
                    failed = true;
                }
            }
        }
    }
    eprintln!();
    Ok(if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
