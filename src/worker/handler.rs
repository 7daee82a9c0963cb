//! The worker's work, as plain functions (natively tested): build the
//! lakehouse from the demo generator or from file sources read in slices,
//! report progress, and condense the result into the page's view models.

use std::io::{Read, Seek, SeekFrom};

use arrow_array::{Int64Array, StringArray};
use lakehouse_pipeline::Lakehouse;
use lakehouse_pipeline::bronze::{BronzeBuilder, IngestOptions, archive};
use lakehouse_pipeline::export::databricks::BundleOptions;

use crate::protocol::{
    Download, DqRow, ExportKind, FileRow, Filter, Progress, RejectRow, Stage, Summary, TableRow,
    UserMessage, ZipLimits, hashed_apart,
};
use crate::worker::dashboard::Dashboard;

/// Rejected rows sent to the page (all of them are in the downloads).
pub const REJECT_PREVIEW: usize = 200;
/// A file the worker reads in slices (a browser `File`, or bytes in tests).
pub trait Source {
    /// The path shown to the user.
    fn path(&self) -> &str;
    /// Its size in bytes.
    fn size(&self) -> u64;
    /// Bytes `[offset, offset + len)` (fewer at the end).
    fn read(&mut self, offset: u64, len: u64) -> Result<Vec<u8>, String>;
}

/// A source over bytes in memory.
pub struct BytesSource {
    /// Path.
    pub path: String,
    /// Contents.
    pub bytes: Vec<u8>,
}

impl Source for BytesSource {
    fn path(&self) -> &str {
        &self.path
    }

    fn size(&self) -> u64 {
        self.bytes.len() as u64
    }

    fn read(&mut self, offset: u64, len: u64) -> Result<Vec<u8>, String> {
        let start = (offset as usize).min(self.bytes.len());
        let end = (offset.saturating_add(len) as usize).min(self.bytes.len());
        Ok(self.bytes[start..end].to_vec())
    }
}

/// `Read + Seek` over a [`Source`], so a zip can be read without loading it whole.
struct SourceReader<'a> {
    source: &'a mut dyn Source,
    position: u64,
}

impl Read for SourceReader<'_> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let bytes = self
            .source
            .read(self.position, buffer.len() as u64)
            .map_err(std::io::Error::other)?;
        buffer[..bytes.len()].copy_from_slice(&bytes);
        self.position += bytes.len() as u64;
        Ok(bytes.len())
    }
}

impl Seek for SourceReader<'_> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let size = self.source.size() as i128;
        let target = match to {
            SeekFrom::Start(n) => i128::from(n),
            SeekFrom::End(n) => size + i128::from(n),
            SeekFrom::Current(n) => i128::from(self.position) + i128::from(n),
        };
        if target < 0 {
            return Err(std::io::Error::other("seek before the start of the file"));
        }
        self.position = target as u64;
        Ok(self.position)
    }
}

/// Builds the lakehouse from `sources`, reporting progress per slice. With
/// `hash_apart`, the files that are not zips ([`hashed_apart`]) are read
/// without their SHA-256: another worker hashes them meanwhile (their
/// reports' `sha256` stays empty until [`Bronze::set_sha256`]).
///
/// [`Bronze::set_sha256`]: lakehouse_pipeline::Bronze::set_sha256
pub fn load_sources(
    sources: &mut [Box<dyn Source>],
    zip: ZipLimits,
    hash_apart: bool,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Lakehouse, UserMessage> {
    let total = sources.iter().map(|s| s.size()).sum();
    let mut loading = Loading::new(total, zip, hash_apart, progress);
    for source in sources.iter_mut() {
        loading.read_source(source.as_mut())?;
    }
    loading.finish()
}

/// A load in progress: the bronze builder and the progress it reports.
/// [`load_sources`] reads each source through it; the worker's runtime
/// reads a plain file's slices itself (asynchronously, the next slice on
/// its way while this one is decoded) and pushes them here.
pub struct Loading<'a> {
    builder: BronzeBuilder,
    total: u64,
    done: u64,
    hash_apart: bool,
    progress: &'a mut dyn FnMut(&Progress),
}

impl<'a> Loading<'a> {
    /// A load of `total` bytes (see [`load_sources`] for `hash_apart`).
    pub fn new(
        total: u64,
        zip: ZipLimits,
        hash_apart: bool,
        progress: &'a mut dyn FnMut(&Progress),
    ) -> Self {
        let builder = BronzeBuilder::new(IngestOptions {
            zip: zip.to_bronze(),
            ..IngestOptions::default()
        });
        Self {
            builder,
            total,
            done: 0,
            hash_apart,
            progress,
        }
    }

    fn report(&mut self, path: &str, bytes_done: u64) {
        let rows = self.builder.rows_read();
        (self.progress)(&bronze_progress(path, bytes_done, self.total, rows));
    }

    /// Reads one whole source (a zip entry by entry).
    pub fn read_source(&mut self, source: &mut dyn Source) -> Result<(), UserMessage> {
        let path = source.path().to_string();
        self.report(&path, self.done);
        let size = source.size();
        let reader = SourceReader {
            source,
            position: 0,
        };
        let result = if !hashed_apart(&path) {
            archive::ingest_zip(&mut self.builder, &path, reader)
        } else {
            let (done, total, progress) = (self.done, self.total, &mut *self.progress);
            let mut read = 0;
            let mut on_chunk = |bytes, rows| {
                read += bytes;
                progress(&bronze_progress(&path, done + read, total, rows));
            };
            if self.hash_apart {
                self.builder.read_unhashed(&path, reader, &mut on_chunk)
            } else {
                self.builder.read(&path, reader, &mut on_chunk)
            }
        };
        result.map_err(|e| read_error(&path, &e))?;
        self.done += size;
        Ok(())
    }

    /// Starts a plain file (not a zip) whose bytes follow through
    /// [`push`](Self::push).
    pub fn begin(&mut self, path: &str) -> Result<(), UserMessage> {
        self.report(path, self.done);
        let result = if self.hash_apart {
            self.builder.begin_unhashed(path)
        } else {
            self.builder.begin_file(path)
        };
        result.map_err(|e| read_error(path, &e))
    }

    /// The next bytes of the file begun.
    pub fn push(&mut self, path: &str, chunk: &[u8]) -> Result<(), UserMessage> {
        self.builder.push(chunk).map_err(|e| read_error(path, &e))?;
        self.done += chunk.len() as u64;
        self.report(path, self.done);
        Ok(())
    }

    /// Ends the file begun.
    pub fn end(&mut self, path: &str) -> Result<(), UserMessage> {
        self.builder.end_file().map_err(|e| read_error(path, &e))
    }

    /// Builds silver and gold over what was read.
    pub fn finish(self) -> Result<Lakehouse, UserMessage> {
        let bronze = self.builder.finish().map_err(|error| {
            UserMessage::from_error("These files are not a complete Synthea export", &error)
        })?;
        build(bronze, self.total, self.progress)
    }
}

/// Progress while reading `path` into bronze.
fn bronze_progress(path: &str, bytes_done: u64, bytes_total: u64, rows: u64) -> Progress {
    Progress {
        stage: Stage::Bronze,
        file: Some(path.to_string()),
        bytes_done,
        bytes_total,
        rows,
    }
}

/// The message for a file that could not be read.
pub fn read_error(path: &str, error: &lakehouse_pipeline::Error) -> UserMessage {
    UserMessage::from_error(&format!("Could not read `{path}`"), error)
}

/// The SHA-256 (lower-case hex) of each source, read in slices: the
/// session's own, when an output needs the hashes a second worker has not
/// brought (see `Session::files_loaded`).
pub fn hash_sources(sources: &mut [Box<dyn Source>]) -> Result<Vec<String>, UserMessage> {
    sources
        .iter_mut()
        .map(|source| {
            let path = source.path().to_string();
            let reader = SourceReader {
                source: source.as_mut(),
                position: 0,
            };
            lakehouse_pipeline::bronze::sha256_hex(reader).map_err(|error| UserMessage {
                title: format!("Could not read `{path}` again to hash it"),
                detail: format!("{error} (its SHA-256 goes into manifest.json)"),
                hint: Some("the file may have been moved or changed; load the files again".into()),
            })
        })
        .collect()
}

/// Generates `patients` demo patients in the worker and builds the lakehouse.
pub fn load_demo(
    patients: u64,
    seed: u64,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Lakehouse, UserMessage> {
    progress(&Progress {
        stage: Stage::Demo,
        ..Progress::default()
    });
    let files = lakehouse_synth::generate_files(&lakehouse_synth::Config::new(seed, patients));
    let mut sources: Vec<Box<dyn Source>> = files
        .into_iter()
        .map(|(name, bytes)| {
            Box::new(BytesSource {
                path: format!("demo/{name}"),
                bytes,
            }) as Box<dyn Source>
        })
        .collect();
    load_sources(&mut sources, ZipLimits::default(), false, progress)
}

/// Opens a lakehouse from the files a save wrote (its Parquet): every
/// layer as it was saved, or silver and gold computed again from bronze
/// when a save from another version holds other tables (see
/// [`lakehouse_pipeline::reopen_run_output`]).
pub fn open_run_output(
    files: Vec<(String, Vec<u8>)>,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Lakehouse, UserMessage> {
    let total = files.iter().map(|(_, b)| b.len() as u64).sum();
    progress(&Progress {
        stage: Stage::Opening,
        bytes_total: total,
        ..Progress::default()
    });
    let paths: Vec<String> = files.iter().map(|(p, _)| p.clone()).collect();
    let inputs = paths
        .iter()
        .map(String::as_str)
        .zip(files.into_iter().map(|(_, b)| b));
    lakehouse_pipeline::reopen_run_output(inputs).map_err(|error| {
        UserMessage::from_error("This saved lakehouse could not be opened", &error)
    })
}

fn build(
    bronze: lakehouse_pipeline::Bronze,
    total: u64,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Lakehouse, UserMessage> {
    let rows = bronze.files.iter().map(|f| f.rows_read).sum();
    let stage = |stage: Stage| Progress {
        stage,
        file: None,
        bytes_done: total,
        bytes_total: total,
        rows,
    };
    progress(&stage(Stage::Silver));
    let lakehouse = lakehouse_pipeline::build(bronze, None)
        .map_err(|error| UserMessage::from_error("The lakehouse could not be built", &error))?;
    progress(&stage(Stage::Gold));
    Ok(lakehouse)
}

/// The zip the page offers: exactly the files `lakehouse run` writes
/// (`bronze/`, `silver/`, `gold/` Parquet and `manifest.json`), so a download
/// and a CLI run of the same input hold the same bytes. Parquet is already
/// compressed, so it is stored; the manifest is deflated. Entries carry a
/// fixed date, so the zip itself is deterministic.
pub fn lakehouse_zip(lakehouse: &Lakehouse) -> Result<(Download, Vec<u8>), UserMessage> {
    let files = lakehouse
        .output_files(false)
        .map_err(|e| UserMessage::from_error("Could not write the download", &e))?;
    zip_files(&files, "synthea-lakehouse.zip")
}

/// A Power BI project (`kind` `powerbi`, with the `DataFolder` the user
/// will unzip to), the Delta tables (`delta`) or a Databricks Asset Bundle
/// (`databricks`), zipped.
pub fn export_zip(
    lakehouse: &Lakehouse,
    kind: ExportKind,
    unzip_folder: &str,
) -> Result<(Download, Vec<u8>), UserMessage> {
    let failed = |error: &lakehouse_pipeline::Error| {
        UserMessage::from_error("Could not write the export", error)
    };
    match kind {
        ExportKind::PowerBi => {
            let folder = format!("{}\\data", unzip_folder.trim_end_matches(['\\', '/']));
            let files = lakehouse
                .powerbi_files("SyntheaLakehouse", &folder)
                .map_err(|e| failed(&e))?;
            zip_files(&files, "SyntheaLakehouse-powerbi.zip")
        }
        ExportKind::Delta => {
            let files = lakehouse.delta_files().map_err(|e| failed(&e))?;
            zip_files(&files, "synthea-lakehouse-delta.zip")
        }
        ExportKind::Databricks => {
            let files = lakehouse
                .databricks_files(&BundleOptions::default())
                .map_err(|e| failed(&e))?;
            zip_files(&files, "synthea-lakehouse-databricks.zip")
        }
    }
}

/// Files as a deterministic zip: Parquet stored (already compressed), text
/// deflated, every entry with a fixed date.
pub(crate) fn zip_files(
    files: &[lakehouse_pipeline::OutputFile],
    name: &str,
) -> Result<(Download, Vec<u8>), UserMessage> {
    let failed =
        |error: &dyn std::fmt::Display| UserMessage::new("Could not write the download", error);
    let mut cursor = std::io::Cursor::new(Vec::new());
    {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(&mut cursor);
        for file in files {
            let method = if file.path.ends_with(".parquet") {
                zip::CompressionMethod::Stored
            } else {
                zip::CompressionMethod::Deflated
            };
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(method)
                .last_modified_time(zip::DateTime::default());
            zip.start_file(file.path.as_str(), options)
                .map_err(|e| failed(&e))?;
            zip.write_all(&file.bytes).map_err(|e| failed(&e))?;
        }
        zip.finish().map_err(|e| failed(&e))?;
    }
    let bytes = cursor.into_inner();
    let download = Download {
        file_name: name.into(),
        mime: "application/zip".into(),
        bytes: bytes.len() as u64,
    };
    Ok((download, bytes))
}

/// Condenses a built lakehouse into what the page shows.
pub fn summarize(lakehouse: &Lakehouse, dashboard: &Dashboard) -> Summary {
    let bronze = &lakehouse.bronze;
    let rejects = &bronze.rejects;
    let text = |name: &str| lakehouse_pipeline::table::column::<StringArray>(rejects, name);
    let lines = lakehouse_pipeline::table::column::<Int64Array>(rejects, "line");
    let (file, column, reason) = (text("file"), text("column"), text("reason"));
    let reject_rows = (0..rejects.num_rows().min(REJECT_PREVIEW))
        .map(|i| RejectRow {
            file: lakehouse_pipeline::table::text(file, i)
                .unwrap_or_default()
                .to_string(),
            line: lakehouse_pipeline::table::int(lines, i).unwrap_or_default(),
            column: lakehouse_pipeline::table::text(column, i).map(str::to_string),
            reason: lakehouse_pipeline::table::text(reason, i)
                .unwrap_or_default()
                .to_string(),
        })
        .collect();
    Summary {
        view: dashboard.view(&Filter::default()),
        options: dashboard.options(),
        wasm_memory_bytes: 0,
        saved: None,
        star: lakehouse
            .silver
            .tables
            .iter()
            .map(|t| {
                let columns = t
                    .batch
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| crate::protocol::ColumnInfo {
                        name: f.name().clone(),
                        data_type: super::tables::type_name(f.data_type()).to_string(),
                    })
                    .collect();
                (t.name.clone(), columns)
            })
            .collect(),
        version: bronze.version.label(),
        as_of: lakehouse.silver.as_of.to_string(),
        files: bronze
            .files
            .iter()
            .map(|f| FileRow {
                path: f.path.clone(),
                kind: f.kind.map(str::to_string),
                bytes: f.bytes,
                rows_read: f.rows_read,
                rows_accepted: f.rows_accepted,
                rows_rejected: f.rows_rejected,
            })
            .collect(),
        tables: lakehouse
            .tables()
            .iter()
            .map(|t| TableRow {
                layer: t.layer.into(),
                name: t.name.into(),
                rows: t.rows() as u64,
                columns: t.schema.fields().len() as u64,
            })
            .collect(),
        rejects: reject_rows,
        rejected_rows: rejects.num_rows() as u64,
        warnings: bronze.warnings.clone(),
        quality: lakehouse
            .quality()
            .iter()
            .map(|r| DqRow {
                rule_id: r.rule_id(),
                severity: r.severity().as_str().into(),
                description: r.rule.description(),
                rows_checked: r.rows_checked,
                rows_failed: r.rows_failed,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Request, Response};

    #[test]
    fn requests_and_responses_round_trip_as_json() {
        let request = Request::LoadFiles {
            paths: vec!["a/patients.csv".into()],
            zip: ZipLimits::default(),
        };
        let text = serde_json::to_string(&request).unwrap();
        assert_eq!(
            text,
            r#"{"type":"load_files","paths":["a/patients.csv"],"zip":{"max_gib":4,"max_ratio":50}}"#
        );
        assert_eq!(serde_json::from_str::<Request>(&text).unwrap(), request);
        let response = Response::Progress(Progress {
            stage: Stage::Bronze,
            ..Progress::default()
        });
        let text = serde_json::to_string(&response).unwrap();
        assert_eq!(serde_json::from_str::<Response>(&text).unwrap(), response);
    }

    #[test]
    fn the_star_diagram_draws_every_fact_to_dimension_key() {
        let lakehouse = load_demo(30, 5, &mut |_| {}).unwrap();
        let summary = summarize(&lakehouse, &Dashboard::new(&lakehouse));
        let svg = crate::star::star_schema_svg(&summary.star);
        let mut drawn = 0;
        for fk in lakehouse_pipeline::silver::FOREIGN_KEYS {
            let line = format!(
                "<title>{}.{} → {}</title>",
                fk.table, fk.column, fk.references
            );
            let expected = fk.table.starts_with("fact_") && fk.references.starts_with("dim_");
            assert_eq!(svg.contains(&line), expected, "{line}");
            drawn += usize::from(expected);
        }
        assert_eq!(svg.matches("<line").count(), drawn);
    }

    #[test]
    fn demo_data_builds_and_its_kpis_match_gold() {
        let mut stages = Vec::new();
        let mut rows = Vec::new();
        let lakehouse = load_demo(60, 5, &mut |p| {
            stages.push(p.stage);
            if p.stage == Stage::Bronze {
                rows.push(p.rows);
            }
        })
        .unwrap();
        // Bronze progress counts the rows read so far.
        assert!(rows.windows(2).all(|w| w[0] <= w[1]));
        let read: u64 = lakehouse.bronze.files.iter().map(|f| f.rows_read).sum();
        assert!(*rows.last().unwrap() > 0 && *rows.last().unwrap() <= read);
        let summary = summarize(&lakehouse, &Dashboard::new(&lakehouse));
        assert_eq!(summary.version, "3.3");
        let kpis = &summary.view.kpis;
        assert_eq!(kpis[0].id, "patients");
        assert_eq!(kpis[0].raw, Some(60.0));
        assert_eq!(kpis[0].value, "60");
        assert!(stages.starts_with(&[Stage::Demo, Stage::Bronze]));
        assert!(stages.ends_with(&[Stage::Silver, Stage::Gold]));
        assert_eq!(summary.rejected_rows, 0);
        assert!(
            summary
                .tables
                .iter()
                .any(|t| t.name == "fact_encounters" && t.rows > 0)
        );
    }

    #[test]
    fn the_download_zip_holds_exactly_the_files_the_cli_writes() {
        let lakehouse = load_demo(40, 3, &mut |_| {}).unwrap();
        let (download, bytes) = lakehouse_zip(&lakehouse).unwrap();
        assert_eq!(download.bytes, bytes.len() as u64);
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
        let expected = lakehouse.output_files(false).unwrap();
        assert_eq!(archive.len(), expected.len());
        for file in expected {
            let mut entry = archive.by_name(&file.path).unwrap();
            let mut content = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut content).unwrap();
            assert!(content == file.bytes, "{}", file.path);
        }
        assert_eq!(lakehouse_zip(&lakehouse).unwrap().1, bytes, "deterministic");
    }

    #[test]
    fn power_bi_delta_and_databricks_exports_zip_the_pipeline_files() {
        let lakehouse = load_demo(30, 3, &mut |_| {}).unwrap();
        let (download, bytes) =
            export_zip(&lakehouse, ExportKind::PowerBi, "D:\\Synthea\\").unwrap();
        assert_eq!(download.file_name, "SyntheaLakehouse-powerbi.zip");
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let expected = lakehouse
            .powerbi_files("SyntheaLakehouse", "D:\\Synthea\\data")
            .unwrap();
        assert_eq!(archive.len(), expected.len());
        // Every file, the report's pages and visuals included, is the
        // pipeline's (which the CLI writes), byte for byte.
        for file in &expected {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut archive.by_name(&file.path).unwrap(), &mut bytes)
                .unwrap();
            assert!(bytes == file.bytes, "{} differs", file.path);
        }
        assert!(
            expected.iter().any(|f| f
                .path
                .starts_with("SyntheaLakehouse.Report/definition/pages/")),
            "the project holds the report pages"
        );
        let mut text = String::new();
        std::io::Read::read_to_string(
            &mut archive
                .by_name("SyntheaLakehouse.SemanticModel/definition/expressions.tmdl")
                .unwrap(),
            &mut text,
        )
        .unwrap();
        assert!(text.contains("\"D:\\Synthea\\data\""), "{text}");
        let (_, delta) = export_zip(&lakehouse, ExportKind::Delta, "").unwrap();
        let archive = zip::ZipArchive::new(std::io::Cursor::new(delta)).unwrap();
        assert_eq!(archive.len(), lakehouse.delta_files().unwrap().len());
        let (download, bundle) = export_zip(&lakehouse, ExportKind::Databricks, "").unwrap();
        assert_eq!(download.file_name, "synthea-lakehouse-databricks.zip");
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bundle)).unwrap();
        let mut notebook = String::new();
        std::io::Read::read_to_string(
            &mut archive.by_name("src/01_bronze.sql").unwrap(),
            &mut notebook,
        )
        .unwrap();
        assert!(notebook.starts_with("-- Databricks notebook source"));
        assert!(notebook.contains(":source_volume || '/patients.csv'"));
        // An unknown kind cannot even be asked for.
        let unknown = r#"{"type":"export","kind":"pbit","unzip_folder":""}"#;
        assert!(serde_json::from_str::<crate::protocol::Request>(unknown).is_err());
    }

    #[test]
    fn files_are_read_in_slices_and_zips_entry_by_entry() {
        let files = lakehouse_synth::generate_files(&lakehouse_synth::Config::new(5, 30));
        let mut sources: Vec<Box<dyn Source>> = files
            .iter()
            .map(|(n, b)| {
                Box::new(BytesSource {
                    path: (*n).to_string(),
                    bytes: b.clone(),
                }) as Box<dyn Source>
            })
            .collect();
        let built = load_sources(&mut sources, ZipLimits::default(), false, &mut |_| {}).unwrap();
        let direct = summarize(&built, &Dashboard::new(&built));
        let mut zipped = std::io::Cursor::new(Vec::new());
        {
            use std::io::Write;
            let mut zip = zip::ZipWriter::new(&mut zipped);
            for (name, bytes) in &files {
                zip.start_file(*name, zip::write::SimpleFileOptions::default())
                    .unwrap();
                zip.write_all(bytes).unwrap();
            }
            zip.finish().unwrap();
        }
        let zipped = zipped.into_inner();
        let mut sources: Vec<Box<dyn Source>> = vec![Box::new(BytesSource {
            path: "export.zip".into(),
            bytes: zipped.clone(),
        })];
        let built = load_sources(&mut sources, ZipLimits::default(), false, &mut |_| {}).unwrap();
        let from_zip = summarize(&built, &Dashboard::new(&built));
        assert_eq!(direct.view, from_zip.view);
        // The limits the user sets are the ones applied.
        let mut sources: Vec<Box<dyn Source>> = vec![Box::new(BytesSource {
            path: "export.zip".into(),
            bytes: zipped,
        })];
        let tight = ZipLimits {
            max_gib: 0,
            max_ratio: 1,
        };
        let refused = load_sources(&mut sources, tight, false, &mut |_| {}).unwrap_err();
        assert!(refused.detail.contains("possible zip bomb"), "{refused:?}");
        assert!(refused.hint.unwrap().contains("Zip limits"));
    }

    #[test]
    fn a_missing_patients_file_is_a_message_with_a_hint() {
        let mut sources: Vec<Box<dyn Source>> = vec![Box::new(BytesSource {
            path: "encounters.csv".into(),
            bytes: b"Id,START,PATIENT\n".to_vec(),
        })];
        let message =
            load_sources(&mut sources, ZipLimits::default(), false, &mut |_| {}).unwrap_err();
        assert_eq!(
            message.title,
            "These files are not a complete Synthea export"
        );
        assert_eq!(
            message.detail,
            "required file `patients.csv` is missing from the input"
        );
        assert!(
            message
                .hint
                .unwrap()
                .starts_with("point the input at the folder")
        );
        let mut sources: Vec<Box<dyn Source>> = vec![Box::new(BytesSource {
            path: "patients.csv".into(),
            bytes: b"BIRTHDATE\n1990-01-01\n".to_vec(),
        })];
        let message =
            load_sources(&mut sources, ZipLimits::default(), false, &mut |_| {}).unwrap_err();
        assert_eq!(message.title, "Could not read `patients.csv`");
        assert_eq!(
            message.detail,
            "`patients.csv` line 1: the header has no `Id` column"
        );
    }
}
