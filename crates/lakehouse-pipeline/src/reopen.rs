//! Reading an earlier run's output (`bronze/`, `silver/`, `gold/` Parquet,
//! as `lakehouse run` and a browser save write it) back into a
//! [`Lakehouse`]: either computing silver and gold again from the lossless
//! bronze tables ([`from_run_output`]), or taking every layer as it was
//! written ([`reopen_run_output`]), which is what opening a saved lakehouse
//! needs to be fast.

use arrow_array::{Array, RecordBatch};

use crate::bronze::{self, Bronze};
use crate::error::{Error, Result};
use crate::gold::{Gold, quality};
use crate::silver::{CleaningStats, LateDays, Silver};
use crate::table::Table;
use crate::{Day, Lakehouse, build, export};

/// Silver and gold tables read from a run output, by (layer, name).
type Upper = std::collections::BTreeMap<(String, String), Vec<RecordBatch>>;

/// A run output's tables, read and checked.
struct RunOutput {
    /// Per bronze table: name, batches, its [`bronze::SOURCES_KEY`] entry.
    bronze: Vec<(String, Vec<RecordBatch>, Option<String>)>,
    /// `bronze_rejects`.
    rejects: Vec<RecordBatch>,
    /// The reference day of `gold_kpis`.
    as_of: Option<Day>,
    /// The silver and gold tables, when they were kept, by (layer, name).
    upper: Upper,
}

/// Reads the Parquet files of a run output; other files are ignored. Silver
/// and gold tables are kept only when `upper`.
fn read<'a>(files: impl IntoIterator<Item = (&'a str, Vec<u8>)>, upper: bool) -> Result<RunOutput> {
    let mut output = RunOutput {
        bronze: Vec::new(),
        rejects: Vec::new(),
        as_of: None,
        upper: Upper::new(),
    };
    for (path, bytes) in files {
        let normalized = path.replace('\\', "/");
        let Some(name) = normalized.strip_suffix(".parquet") else {
            continue;
        };
        let (layer, table) = name
            .rsplit_once('/')
            .map_or(("", name), |(l, t)| (l.rsplit('/').next().unwrap_or(l), t));
        let read = |bytes| {
            export::parquet::read_with_metadata(bytes).map_err(|e| Error::RunOutput {
                path: path.to_string(),
                message: e.to_string(),
            })
        };
        match (layer, table) {
            ("bronze", bronze::REJECTS_TABLE) => output.rejects = read(bytes)?.0,
            ("bronze", table) => {
                let (batches, metadata) = read(bytes)?;
                let sources = metadata
                    .into_iter()
                    .find(|(k, _)| k == bronze::SOURCES_KEY)
                    .map(|(_, v)| v);
                output.bronze.push((table.to_string(), batches, sources));
            }
            ("gold", "gold_kpis") => {
                let (batches, _) = read(bytes)?;
                output.as_of = reference_day(&batches, path)?;
                if upper {
                    output.upper.insert((layer.into(), table.into()), batches);
                }
            }
            ("silver" | "gold", _) if upper => {
                output
                    .upper
                    .insert((layer.into(), table.into()), read(bytes)?.0);
            }
            _ => {}
        }
    }
    Ok(output)
}

/// The `as_of_date` of `gold_kpis`, refused unless ingest could have set
/// it (a day of the years 0000-9999).
fn reference_day(batches: &[RecordBatch], path: &str) -> Result<Option<Day>> {
    let day = batches.first().and_then(|b| {
        let column = b.column_by_name("as_of_date")?;
        let days = column.as_any().downcast_ref::<arrow_array::Date32Array>()?;
        (!days.is_empty() && days.is_valid(0)).then(|| Day::from_days(days.value(0)))
    });
    if let Some(day) = day
        && Day::parse(&day.to_string()).is_none_or(|parsed| parsed != day)
    {
        return Err(Error::RunOutput {
            path: path.to_string(),
            message: format!("`as_of_date` is {} days from 1970, no date", day.days()),
        });
    }
    Ok(day)
}

/// Rebuilds the lakehouse of an earlier run from the files it wrote
/// (`bronze/*.parquet` and `gold/gold_kpis.parquet`; other files are
/// ignored): bronze is lossless, so silver and gold are computed again, with
/// that run's reference day unless `as_of` is given.
pub fn from_run_output<'a>(
    files: impl IntoIterator<Item = (&'a str, Vec<u8>)>,
    as_of: Option<Day>,
) -> Result<Lakehouse> {
    let output = read(files, false)?;
    build(
        Bronze::from_tables(output.bronze, output.rejects)?,
        as_of.or(output.as_of),
    )
}

/// Opens the lakehouse of an earlier run as it was written: every bronze,
/// silver and gold table read from its Parquet, nothing computed again,
/// when its silver and gold tables are all there with this version's
/// schemas and its `dq_results` reads back (see [`quality::read_back`]).
/// Otherwise (a run output from another version, or with tables missing)
/// silver and gold are computed again from bronze, as [`from_run_output`]
/// does. Bronze is checked as `from_run_output` checks it either way.
///
/// Read back, [`Silver::cleaning`] and [`Silver::late_days`] come from
/// `dq_results`' rows, which hold at most [`quality::EXAMPLES`] repeated
/// ids and late days, and `late_days.last_day` is not known (`None`).
pub fn reopen_run_output<'a>(
    files: impl IntoIterator<Item = (&'a str, Vec<u8>)>,
) -> Result<Lakehouse> {
    let output = read(files, true)?;
    let bronze = Bronze::from_tables(output.bronze, output.rejects)?;
    let stored = output
        .as_of
        .and_then(|as_of| stored_layers(&bronze, output.upper, as_of));
    match stored {
        Some((silver, gold)) => Ok(Lakehouse {
            bronze,
            silver,
            gold,
        }),
        None => build(bronze, output.as_of),
    }
}

/// Silver and gold as stored (put in this version's order), when every
/// table this version builds over `bronze` is there with its schema, and
/// `dq_results` reads back.
fn stored_layers(bronze: &Bronze, mut stored: Upper, as_of: Day) -> Option<(Silver, Gold)> {
    // The schemas this version gives these bronze tables: the lakehouse of
    // the same tables without rows.
    let empty = Bronze::from_tables(
        bronze
            .tables
            .iter()
            .map(|t| {
                let batch = RecordBatch::new_empty(t.schema.clone());
                (t.spec.table.to_string(), vec![batch], None)
            })
            .collect(),
        Vec::new(),
    )
    .and_then(|empty| build(empty, Some(as_of)))
    .ok()?;
    let (mut silver_tables, mut gold_tables) = (Vec::new(), Vec::new());
    for expected in empty.tables().into_iter().filter(|t| t.layer != "bronze") {
        let batches = stored.remove(&(expected.layer.to_string(), expected.name.to_string()))?;
        if batches.iter().any(|b| b.schema() != expected.schema) {
            return None;
        }
        let table = Table {
            name: expected.name.to_string(),
            batch: arrow_select::concat::concat_batches(&expected.schema, &batches).ok()?,
        };
        match expected.layer {
            "silver" => silver_tables.push(table),
            _ => gold_tables.push(table),
        }
    }
    let quality = quality::read_back(gold_tables.iter().find(|t| t.name == quality::TABLE)?)?;
    let silver = Silver {
        tables: silver_tables,
        as_of,
        cleaning: cleaning_of(&quality),
        late_days: late_days_of(&quality),
    };
    let gold = Gold {
        tables: gold_tables,
        quality,
    };
    Some((silver, gold))
}

/// Silver's cleaning counts, as `dq_results` reports them: a file's exact
/// duplicates, then its repeated ids.
fn cleaning_of(results: &[quality::RuleResult]) -> Vec<CleaningStats> {
    let mut cleaning: Vec<CleaningStats> = Vec::new();
    for result in results {
        match result.rule {
            quality::Rule::ExactDuplicates { file } => cleaning.push(CleaningStats {
                file,
                exact_duplicates: result.rows_failed,
                merged_duplicate_ids: 0,
                repeated_ids: Vec::new(),
            }),
            quality::Rule::DuplicateIds { file, .. } => {
                if let Some(stats) = cleaning.iter_mut().rfind(|s| s.file == file) {
                    stats.merged_duplicate_ids = result.rows_failed;
                    stats.repeated_ids = result.examples.iter().cloned().collect();
                }
            }
            _ => {}
        }
    }
    cleaning
}

/// Silver's far-future event days, as `dq_results` reports them.
fn late_days_of(results: &[quality::RuleResult]) -> LateDays {
    let mut late = LateDays::default();
    for result in results {
        if result.rule == quality::Rule::LateEventDays {
            late.checked = result.rows_checked;
            late.failed = result.rows_failed;
            late.days = result
                .examples
                .iter()
                .filter_map(|day| Day::parse(day).map(Day::days))
                .collect();
        }
    }
    late
}
