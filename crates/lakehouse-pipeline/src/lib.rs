//! The Synthea Lakehouse engine: Synthea CSV bytes in, a medallion lakehouse
//! (bronze → silver star schema → gold metrics) out, as Arrow batches and
//! Parquet/CSV/JSON bytes.
//!
//! ```text
//!  CSV chunks ──► bronze::BronzeBuilder ──► Bronze (typed tables, rejects, accounting)
//!                                              │
//!                                   silver::conform(as_of)
//!                                              ▼
//!                                 Silver (dims + facts, surrogate keys)
//!                                              │
//!                                     gold::compute
//!                                              ▼
//!                                 Gold (metrics + dq_results)
//!                                              │
//!                          export::{parquet, csv, manifest} ──► bytes
//! ```
//!
//! # No IO
//! Nothing here opens a file, reads a clock, spawns a thread or reads the
//! environment: callers push bytes in and take bytes out. That is what lets the
//! same code run in the `lakehouse` CLI and in a browser Web Worker.
//!
//! # WASM support
//! The crate builds for `wasm32-unknown-unknown` with the same dependencies
//! (arrow-rs leaf crates, `parquet` with pure-Rust Snappy, `zip` with the pure
//! Rust deflate backend). Outputs are byte-identical on both targets; the
//! golden tests run on both to prove it.
#![warn(missing_docs)]

pub mod bronze;
pub mod dates;
pub mod error;
pub mod export;
pub mod gold;
pub mod join;
mod order;
pub mod render;
mod reopen;
pub mod silver;
pub mod table;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;

pub use bronze::{Bronze, BronzeBuilder, IngestOptions};
pub use dates::Day;
pub use error::{Error, Result};
pub use gold::Gold;
pub use reopen::{from_run_output, reopen_run_output};
pub use silver::Silver;

/// The whole lakehouse of one run.
#[derive(Clone, Debug)]
pub struct Lakehouse {
    /// Raw typed tables, rejects and accounting.
    pub bronze: Bronze,
    /// The star schema.
    pub silver: Silver,
    /// The metrics and data-quality results.
    pub gold: Gold,
}

/// A table of any layer, for export.
#[derive(Clone, Debug)]
pub struct OutputTable<'a> {
    /// `bronze`, `silver` or `gold`.
    pub layer: &'static str,
    /// Table name (also the file stem).
    pub name: &'a str,
    /// Its schema.
    pub schema: SchemaRef,
    /// Its rows.
    pub batches: &'a [RecordBatch],
}

impl OutputTable<'_> {
    /// Total rows.
    pub fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// The relative output path for a format extension (`silver/dim_patient.parquet`).
    pub fn path(&self, extension: &str) -> String {
        format!("{}/{}.{extension}", self.layer, self.name)
    }
}

/// `tables` as output tables of `layer`, in their order.
fn layer_tables<'a>(layer: &'static str, tables: &'a [table::Table]) -> Vec<OutputTable<'a>> {
    tables
        .iter()
        .map(|t| OutputTable {
            layer,
            name: &t.name,
            schema: t.batch.schema(),
            batches: std::slice::from_ref(&t.batch),
        })
        .collect()
}

impl Silver {
    /// The silver tables, as [`Lakehouse::tables`] lists them.
    pub fn output_tables(&self) -> Vec<OutputTable<'_>> {
        layer_tables("silver", &self.tables)
    }
}

impl Gold {
    /// The gold tables, as [`Lakehouse::tables`] lists them.
    pub fn output_tables(&self) -> Vec<OutputTable<'_>> {
        layer_tables("gold", &self.tables)
    }
}

/// A file to write: relative path and bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputFile {
    /// Relative path, `/`-separated.
    pub path: String,
    /// Contents.
    pub bytes: Vec<u8>,
}

/// Parses an `--as-of` date (`YYYY-MM-DD`) into days since the epoch.
pub fn parse_as_of(text: &str) -> Result<Day> {
    Day::parse(text).ok_or_else(|| Error::AsOf(text.to_string()))
}

/// Runs silver and gold on a finished bronze layer.
pub fn build(bronze: Bronze, as_of: Option<Day>) -> Result<Lakehouse> {
    build_staged(bronze, as_of, &mut |_| {})
}

/// [`build`], calling `done` with each stage's name (`"silver"`, `"gold"`)
/// as it ends: the CLI's `--timings` reads its clock there (the crate has
/// none, on wasm32 or natively).
pub fn build_staged(
    bronze: Bronze,
    as_of: Option<Day>,
    done: &mut dyn FnMut(&'static str),
) -> Result<Lakehouse> {
    let silver = silver::conform(&bronze, as_of)?;
    done("silver");
    let gold = gold::compute(&bronze, &silver)?;
    done("gold");
    Ok(Lakehouse {
        bronze,
        silver,
        gold,
    })
}

/// Ingests in-memory files (path, bytes) and builds the lakehouse.
pub fn run_bytes<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    as_of: Option<Day>,
) -> Result<Lakehouse> {
    let mut builder = BronzeBuilder::default();
    for (path, bytes) in files {
        builder.add_bytes(path, bytes)?;
    }
    build(builder.finish()?, as_of)
}

impl Bronze {
    /// The bronze output tables: every typed table, then `bronze_rejects`.
    pub fn output_tables(&self) -> Vec<OutputTable<'_>> {
        let mut tables: Vec<OutputTable<'_>> = self
            .tables
            .iter()
            .map(|t| OutputTable {
                layer: "bronze",
                name: t.spec.table,
                schema: t.schema.clone(),
                batches: &t.batches,
            })
            .collect();
        tables.push(OutputTable {
            layer: "bronze",
            name: bronze::REJECTS_TABLE,
            schema: self.rejects.schema(),
            batches: std::slice::from_ref(&self.rejects),
        });
        tables
    }

    /// A table's files in a run output: its Parquet file
    /// ([`Bronze::parquet_file`]), and its CSV copy when `csv`.
    pub fn table_files(&self, table: &OutputTable<'_>, csv: bool) -> Result<Vec<OutputFile>> {
        let mut files = vec![self.parquet_file(table)?];
        if csv {
            files.push(Self::csv_file(table));
        }
        Ok(files)
    }

    /// A table's CSV copy (`--csv`).
    pub fn csv_file(table: &OutputTable<'_>) -> OutputFile {
        OutputFile {
            path: table.path("csv"),
            bytes: export::csv::write(&table.schema, table.batches),
        }
    }

    /// A table's Parquet file (of any layer: only a bronze table's depends
    /// on the bronze layer, which records its source files in the footer so
    /// that an output can be read again, [`from_run_output`]). The CLI
    /// encodes the bronze tables this way while silver is built.
    pub fn parquet_file(&self, table: &OutputTable<'_>) -> Result<OutputFile> {
        Ok(OutputFile {
            path: table.path("parquet"),
            bytes: self.write_parquet(table, Vec::new())?,
        })
    }

    /// [`Bronze::parquet_file`]'s bytes written into `sink`, which is
    /// handed back when the file is complete. The CLI streams them into the
    /// output file.
    pub fn write_parquet<W: std::io::Write + Send>(
        &self,
        table: &OutputTable<'_>,
        sink: W,
    ) -> Result<W> {
        let spec = bronze::spec::table_named(table.name).filter(|_| table.layer == "bronze");
        let sources = spec
            .map(|spec| vec![(bronze::SOURCES_KEY, self.sources(spec))])
            .unwrap_or_default();
        let layouts = spec.map(bronze::parquet_layouts).unwrap_or_default();
        export::parquet::write_into(
            sink,
            table.schema.clone(),
            table.batches,
            &sources,
            &layouts,
        )
    }
}

impl Lakehouse {
    /// Every output table: bronze (with `bronze_rejects`), silver, gold.
    pub fn tables(&self) -> Vec<OutputTable<'_>> {
        let mut tables = self.bronze.output_tables();
        tables.extend(self.silver.output_tables());
        tables.extend(self.gold.output_tables());
        tables
    }

    /// A table of any layer by name.
    pub fn table(&self, name: &str) -> Option<OutputTable<'_>> {
        self.tables().into_iter().find(|t| t.name == name)
    }

    /// The data-quality rule results (the rows of `dq_results`).
    pub fn quality(&self) -> &[gold::quality::RuleResult] {
        &self.gold.quality
    }

    /// `manifest.json` bytes.
    pub fn manifest_json(&self) -> Vec<u8> {
        export::manifest::manifest(self, self.quality())
            .pretty()
            .into_bytes()
    }

    /// A Power BI project over the silver and gold tables (see
    /// [`export::powerbi`]); `data_folder` is the `DataFolder` parameter.
    pub fn powerbi_files(&self, project: &str, data_folder: &str) -> Result<Vec<OutputFile>> {
        export::powerbi::project(self, project, data_folder)
    }

    /// Every silver and gold table as a Delta table folder (see [`export::delta`]).
    pub fn delta_files(&self) -> Result<Vec<OutputFile>> {
        let mut files = Vec::new();
        for table in self.tables().into_iter().filter(|t| t.layer != "bronze") {
            files.extend(export::delta::table(
                table.name,
                table.name,
                table.schema.clone(),
                table.batches,
                self.silver.as_of,
            )?);
        }
        Ok(files)
    }

    /// A Databricks Asset Bundle that re-runs this pipeline as Spark SQL over
    /// the same CSV layout (see [`export::databricks`]).
    pub fn databricks_files(
        &self,
        options: &export::databricks::BundleOptions,
    ) -> Result<Vec<OutputFile>> {
        export::databricks::bundle(self, options)
    }

    /// One table's Parquet file, as [`Lakehouse::output_files`] writes it
    /// (see [`Bronze::parquet_file`]). Encoding a table at a time lets a
    /// caller write each file before encoding the next.
    pub fn parquet_file(&self, table: &OutputTable<'_>) -> Result<OutputFile> {
        self.bronze.parquet_file(table)
    }

    /// `manifest.json`, as [`Lakehouse::output_files`] writes it last.
    pub fn manifest_file(&self) -> OutputFile {
        OutputFile {
            path: "manifest.json".into(),
            bytes: self.manifest_json(),
        }
    }

    /// Every output file: one Parquet file per table (plus a CSV copy when
    /// `csv`), then `manifest.json`.
    pub fn output_files(&self, csv: bool) -> Result<Vec<OutputFile>> {
        let mut files = Vec::new();
        for table in self.tables() {
            files.extend(self.bronze.table_files(&table, csv)?);
        }
        files.push(self.manifest_file());
        Ok(files)
    }
}

#[cfg(test)]
mod tests;
