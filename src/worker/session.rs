//! Request routing: what the worker answers to each [`Request`], with the
//! lakehouse it last built. Target-neutral and natively tested; the wasm32
//! runtime only decodes messages, reads `File`s and posts the [`Reply`].

use lakehouse_pipeline::Lakehouse;

use super::dashboard::Dashboard;
use super::handler::{self, Source};
use crate::protocol::{
    Filter, Progress, Request, Response, SavedLakehouse, UserMessage, hashed_apart,
};

/// What the worker keeps between requests: the last lakehouse built and
/// its dashboard model.
#[derive(Default)]
pub struct Session {
    loaded: Option<(Lakehouse, Dashboard)>,
    /// Counts loads, so that a save in progress notices that a new load
    /// replaced the lakehouse it was writing.
    generation: u64,
    /// The files of the last load that a second worker is hashing, with
    /// that load's tag: hashed here when an output needs `manifest.json`
    /// before the second worker's hashes come ([`Session::set_hashes`]).
    unhashed: Option<(u64, Vec<Box<dyn Source>>)>,
    /// Hashes that came before their load finished, with its tag.
    early_hashes: Option<(u64, Vec<String>)>,
    /// In the second worker: the files of the stream hashed so far.
    hashing: Hashing,
}

/// The second worker's SHA-256 of a stream of files sent chunk by chunk
/// ([`Request::HashChunk`]).
#[derive(Default)]
struct Hashing {
    /// The file being hashed, by its position in the stream.
    file: Option<(u32, lakehouse_pipeline::bronze::Sha256Hex)>,
    /// Each finished file's hash, in stream order.
    done: Vec<String>,
}

impl Hashing {
    fn push(&mut self, file: u32, bytes: &[u8], last: bool) {
        let mut hasher = match self.file.take() {
            Some((current, hasher)) if current == file => hasher,
            _ => Default::default(),
        };
        hasher.update(bytes);
        if last {
            self.done.push(hasher.finish());
        } else {
            self.file = Some((file, hasher));
        }
    }
}

/// The answer to one request: a response, and for a download the bytes
/// that travel beside it (transferred, not copied, on wasm32).
#[derive(Debug, PartialEq)]
pub struct Reply {
    /// The JSON part.
    pub response: Response,
    /// A file's bytes, for [`Response::Download`].
    pub bytes: Option<Vec<u8>>,
}

impl From<Response> for Reply {
    fn from(response: Response) -> Self {
        Self {
            response,
            bytes: None,
        }
    }
}

impl From<Result<Response, UserMessage>> for Reply {
    fn from(result: Result<Response, UserMessage>) -> Self {
        result.unwrap_or_else(Response::Failed).into()
    }
}

fn download(result: Result<(crate::protocol::Download, Vec<u8>), UserMessage>) -> Reply {
    match result {
        Ok((download, bytes)) => Reply {
            response: Response::Download(download),
            bytes: Some(bytes),
        },
        Err(message) => Response::Failed(message).into(),
    }
}

impl Session {
    /// The last lakehouse built, if any.
    pub fn lakehouse(&self) -> Option<&Lakehouse> {
        self.loaded.as_ref().map(|(l, _)| l)
    }

    /// Answers `request`. `sources` are the files posted with a
    /// [`Request::LoadFiles`] (in its `paths` order); `progress` hears
    /// about a load as it goes.
    pub fn handle(
        &mut self,
        request: Request,
        sources: Vec<Box<dyn Source>>,
        progress: &mut dyn FnMut(&Progress),
    ) -> Reply {
        match request {
            Request::LoadDemo { patients, seed } => {
                self.load(handler::load_demo(patients, seed, progress))
            }
            Request::LoadFiles { zip, .. } => {
                let mut sources = sources;
                let built = handler::load_sources(&mut sources, zip, false, progress);
                self.files_loaded(built, None, sources)
            }
            // The second worker's side of a load (see `runtime`): the
            // chunk's bytes come as the one source.
            Request::HashChunk { file, last } => {
                let mut sources = sources;
                let chunk = match sources.first_mut() {
                    Some(source) => source.read(0, source.size()),
                    None => Ok(Vec::new()),
                };
                match chunk {
                    Ok(bytes) => {
                        self.hashing.push(file, &bytes, last);
                        Response::Hashed { hashes: Vec::new() }.into()
                    }
                    Err(error) => {
                        Response::Failed(UserMessage::new("Could not hash", error)).into()
                    }
                }
            }
            Request::HashDone => Response::Hashed {
                hashes: std::mem::take(&mut self.hashing).done,
            }
            .into(),
            Request::Filter(filter) => match &self.loaded {
                Some((_, dashboard)) => {
                    Response::Filtered(Box::new(dashboard.view(&filter))).into()
                }
                None => nothing_loaded().into(),
            },
            Request::Download => self.with_hashed(|l| download(handler::lakehouse_zip(l))),
            Request::Export { kind, unzip_folder } => {
                self.with_hashed(|l| download(handler::export_zip(l, kind, &unzip_folder)))
            }
            Request::DownloadTable {
                name,
                format,
                drill,
            } => self.with_drill(&name, drill.as_ref(), |l, rows| {
                download(super::tables::table_download(l, &name, format, rows))
            }),
            Request::Table(query) => {
                self.with_drill(&query.name, query.drill.as_ref(), |l, rows| {
                    super::tables::table_page(l, &query, rows)
                        .map(|page| Response::Table(Box::new(page)))
                        .into()
                })
            }
            Request::Patient { id } => self.with_lakehouse(|l| {
                super::patient::timeline(l, &id)
                    .map(|t| Response::Patient(Box::new(t)))
                    .into()
            }),
            // The runtime answers these from a task of its own, over OPFS
            // (`worker::storage`).
            Request::Save { .. }
            | Request::ListSaved
            | Request::OpenSaved { .. }
            | Request::RenameSaved { .. }
            | Request::DeleteSaved { .. }
            | Request::DownloadSaved { .. } => Response::Failed(UserMessage {
                title: "Saving needs the browser's storage".into(),
                detail: "saved lakehouses live in the browser's origin private file system".into(),
                hint: Some("the command-line tool writes the same files: `lakehouse run`".into()),
            })
            .into(),
        }
    }

    /// Opens a saved lakehouse from its files (see
    /// [`handler::open_run_output`]) and answers with its summary, which
    /// names the saved lakehouse.
    pub fn open_saved(
        &mut self,
        files: Vec<(String, Vec<u8>)>,
        saved: SavedLakehouse,
        progress: &mut dyn FnMut(&Progress),
    ) -> Reply {
        let mut reply = self.load(handler::open_run_output(files, progress));
        if let Response::Loaded(summary) = &mut reply.response {
            summary.saved = Some(saved);
        }
        reply
    }

    /// Which load the session holds (it changes with every load).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// How many files a save writes: a Parquet file per table, then
    /// `manifest.json` (none before a load).
    pub fn files_to_save(&self) -> Option<usize> {
        self.lakehouse().map(|l| l.tables().len() + 1)
    }

    /// The `index`th file a save writes, encoded now, so that a save holds
    /// one file's bytes at a time; `None` when the lakehouse of load
    /// `generation` is no longer the session's.
    pub fn file_to_save(
        &mut self,
        index: usize,
        generation: u64,
    ) -> Option<Result<lakehouse_pipeline::OutputFile, UserMessage>> {
        if generation != self.generation {
            return None;
        }
        let manifest = self.lakehouse()?.tables().len() <= index;
        let hashed = if manifest {
            self.hash_the_rest()
        } else {
            Ok(())
        };
        let lakehouse = self.lakehouse()?;
        Some(hashed.and_then(|()| {
            match lakehouse.tables().get(index) {
                Some(table) => lakehouse
                    .parquet_file(table)
                    .map_err(|e| UserMessage::from_error("Could not encode a table to save", &e)),
                None => Ok(lakehouse.manifest_file()),
            }
        }))
    }

    /// Holds the lakehouse a [`Request::LoadFiles`] built from `sources`
    /// (the wasm32 runtime reads them itself, asynchronously). With
    /// `hashes_apart` (the load's tag), keeps the sources whose SHA-256 a
    /// second worker computes, to hash them here should an output need
    /// them first.
    pub fn files_loaded(
        &mut self,
        built: Result<Lakehouse, UserMessage>,
        hashes_apart: Option<u64>,
        mut sources: Vec<Box<dyn Source>>,
    ) -> Reply {
        let reply = self.load(built);
        if let (Some(tag), Response::Loaded(_)) = (hashes_apart, &reply.response) {
            sources.retain(|s| hashed_apart(s.path()));
            self.unhashed = Some((tag, sources));
            // The hashes may have come while the load ran.
            if let Some((early, hashes)) = self.early_hashes.take()
                && early == tag
            {
                self.set_hashes(tag, hashes);
            }
        }
        reply
    }

    /// Takes the SHA-256 of the files load `tag` left to a second worker
    /// (in the order of its [`hashed_apart`] paths), unless the session
    /// holds another load by now or has hashed them itself. Whether it
    /// took them now.
    pub fn set_hashes(&mut self, tag: u64, hashes: Vec<String>) -> bool {
        match &self.unhashed {
            Some((pending, sources)) if *pending == tag && sources.len() == hashes.len() => {
                let paths: Vec<String> = sources.iter().map(|s| s.path().to_string()).collect();
                self.unhashed = None;
                self.give_hashes(&paths, &hashes);
                true
            }
            _ => {
                // Before the load they belong to has finished, perhaps:
                // kept for it (tags are never reused).
                self.early_hashes = Some((tag, hashes));
                false
            }
        }
    }

    fn give_hashes(&mut self, paths: &[String], hashes: &[String]) {
        if let Some((lakehouse, _)) = &mut self.loaded {
            for (path, hash) in paths.iter().zip(hashes) {
                lakehouse.bronze.set_sha256(path, hash.clone());
            }
        }
    }

    /// Hashes here the files whose SHA-256 the second worker has not
    /// brought yet (an output needs `manifest.json` now).
    fn hash_the_rest(&mut self) -> Result<(), UserMessage> {
        let Some((tag, mut sources)) = self.unhashed.take() else {
            return Ok(());
        };
        match handler::hash_sources(&mut sources) {
            Ok(hashes) => {
                let paths: Vec<String> = sources.iter().map(|s| s.path().to_string()).collect();
                self.give_hashes(&paths, &hashes);
                Ok(())
            }
            Err(message) => {
                self.unhashed = Some((tag, sources));
                Err(message)
            }
        }
    }

    /// The description of the lakehouse a save wrote: its rows per layer
    /// from the lakehouse, the rest from the save.
    pub fn saved_description(
        &self,
        id: String,
        source: String,
        saved_at: String,
        bytes: u64,
        files: u64,
    ) -> Option<SavedLakehouse> {
        let lakehouse = self.lakehouse()?;
        let rows = |layer: &str| {
            lakehouse
                .tables()
                .iter()
                .filter(|t| t.layer == layer)
                .map(|t| t.rows() as u64)
                .sum()
        };
        Some(SavedLakehouse {
            id,
            name: source.clone(),
            source,
            version: lakehouse.bronze.version.label(),
            saved_at,
            bytes,
            files,
            bronze_rows: rows("bronze"),
            silver_rows: rows("silver"),
            gold_rows: rows("gold"),
        })
    }

    /// Runs each kind of filter recompute, so that the engine has optimized
    /// it before the first click (see [`Dashboard::warm_up`]).
    pub fn warm_up(&self) {
        if let Some((_, dashboard)) = &self.loaded {
            dashboard.warm_up();
        }
    }

    fn load(&mut self, result: Result<Lakehouse, UserMessage>) -> Reply {
        self.unhashed = None;
        match result {
            Ok(lakehouse) => {
                self.generation += 1;
                let dashboard = Dashboard::new(&lakehouse);
                let summary = handler::summarize(&lakehouse, &dashboard);
                self.loaded = Some((lakehouse, dashboard));
                Response::Loaded(Box::new(summary)).into()
            }
            Err(message) => Response::Failed(message).into(),
        }
    }

    /// Runs `work` on the lakehouse and, with a drill-through `filter`,
    /// the rows of table `name` behind the dashboard under it.
    fn with_drill(
        &self,
        name: &str,
        filter: Option<&Filter>,
        work: impl FnOnce(&Lakehouse, Option<&[u32]>) -> Reply,
    ) -> Reply {
        let Some((lakehouse, dashboard)) = &self.loaded else {
            return nothing_loaded().into();
        };
        let Some(filter) = filter else {
            return work(lakehouse, None);
        };
        match dashboard.drill(name, filter) {
            Some(rows) => work(lakehouse, Some(&rows)),
            None => Response::Failed(UserMessage {
                title: format!("The dashboard does not filter `{name}`"),
                detail: format!(
                    "rows behind a chart come from {}",
                    super::dashboard::DRILL_TABLES.join(", ")
                ),
                hint: Some("open the table without the dashboard's filters".into()),
            })
            .into(),
        }
    }

    /// [`with_lakehouse`](Self::with_lakehouse) for an output that holds
    /// `manifest.json`: every input file's SHA-256 first.
    fn with_hashed(&mut self, work: impl FnOnce(&Lakehouse) -> Reply) -> Reply {
        if self.lakehouse().is_some()
            && let Err(message) = self.hash_the_rest()
        {
            return Response::Failed(message).into();
        }
        self.with_lakehouse(work)
    }

    fn with_lakehouse(&self, work: impl FnOnce(&Lakehouse) -> Reply) -> Reply {
        match self.lakehouse() {
            Some(lakehouse) => work(lakehouse),
            None => nothing_loaded().into(),
        }
    }
}

fn nothing_loaded() -> Response {
    Response::Failed(UserMessage {
        title: "Nothing loaded yet".into(),
        detail: "load data first".into(),
        hint: Some("load the demo data or choose a Synthea export".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Dimension, ExportKind, Filter, TableFormat, TableQuery};

    fn no_progress() -> impl FnMut(&Progress) {
        |_| {}
    }

    #[test]
    fn before_a_load_every_request_for_data_says_so() {
        let mut session = Session::default();
        for request in [
            Request::Download,
            Request::Filter(Box::default()),
            Request::Table(TableQuery::default()),
            Request::Patient { id: "x".into() },
        ] {
            let reply = session.handle(request, Vec::new(), &mut no_progress());
            match reply.response {
                Response::Failed(message) => assert_eq!(message.title, "Nothing loaded yet"),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn a_loaded_session_answers_filters_tables_downloads_and_exports() {
        let mut session = Session::default();
        let mut stages = Vec::new();
        let reply = session.handle(
            Request::LoadDemo {
                patients: 40,
                seed: 3,
            },
            Vec::new(),
            &mut |p: &Progress| stages.push(p.stage),
        );
        let Response::Loaded(summary) = reply.response else {
            panic!("not loaded");
        };
        assert!(!stages.is_empty());
        let filter = Filter::default().with(Dimension::Class, "wellness");
        let Response::Filtered(view) = session
            .handle(
                Request::Filter(Box::new(filter.clone())),
                Vec::new(),
                &mut no_progress(),
            )
            .response
        else {
            panic!("no view");
        };
        assert_eq!(view.filter, filter);
        assert!(view.encounters < summary.view.encounters);

        let reply = session.handle(
            Request::Table(TableQuery {
                name: "dim_patient".into(),
                limit: 10,
                ..TableQuery::default()
            }),
            Vec::new(),
            &mut no_progress(),
        );
        assert!(matches!(reply.response, Response::Table(page) if page.total_rows == 40));

        let reply = session.handle(Request::Download, Vec::new(), &mut no_progress());
        let Response::Download(download) = &reply.response else {
            panic!("no download");
        };
        assert_eq!(
            Some(download.bytes),
            reply.bytes.as_ref().map(|b| b.len() as u64)
        );

        for kind in [
            ExportKind::PowerBi,
            ExportKind::Delta,
            ExportKind::Databricks,
        ] {
            let reply = session.handle(
                Request::Export {
                    kind,
                    unzip_folder: "C:\\Lakehouse".into(),
                },
                Vec::new(),
                &mut no_progress(),
            );
            assert!(matches!(reply.response, Response::Download(_)), "{kind:?}");
            assert!(reply.bytes.is_some_and(|b| b.starts_with(b"PK")));
        }
        let reply = session.handle(
            Request::DownloadTable {
                name: "dim_payer".into(),
                format: TableFormat::Csv,
                drill: None,
            },
            Vec::new(),
            &mut no_progress(),
        );
        assert!(reply.bytes.is_some_and(|b| !b.is_empty()));

        // A drill-through: the page and the download hold only the rows
        // behind the filtered dashboard.
        let reply = session.handle(
            Request::Table(TableQuery {
                name: "fact_encounters".into(),
                limit: 10,
                drill: Some(filter.clone()),
                ..TableQuery::default()
            }),
            Vec::new(),
            &mut no_progress(),
        );
        let Response::Table(page) = reply.response else {
            panic!("no page");
        };
        assert_eq!(page.total_rows, view.encounters);
        assert_eq!(page.matched_rows, view.encounters);
        let reply = session.handle(
            Request::DownloadTable {
                name: "fact_encounters".into(),
                format: TableFormat::Csv,
                drill: Some(filter.clone()),
            },
            Vec::new(),
            &mut no_progress(),
        );
        let Response::Download(download) = &reply.response else {
            panic!("no download");
        };
        assert_eq!(download.file_name, "fact_encounters-filtered.csv");
        let text = String::from_utf8(reply.bytes.unwrap()).unwrap();
        assert_eq!(text.lines().count() as u64, view.encounters + 1);
        let reply = session.handle(
            Request::Table(TableQuery {
                name: "gold_kpis".into(),
                drill: Some(filter),
                ..TableQuery::default()
            }),
            Vec::new(),
            &mut no_progress(),
        );
        assert!(matches!(reply.response, Response::Failed(m) if m.title.contains("gold_kpis")));
    }

    /// The demo's files: the first half as files, the rest in a zip.
    fn demo_sources() -> Vec<Box<dyn Source>> {
        static FILES: std::sync::OnceLock<Vec<(String, Vec<u8>)>> = std::sync::OnceLock::new();
        let files = FILES.get_or_init(|| {
            lakehouse_synth::generate_files(&lakehouse_synth::Config::new(4, 20))
                .into_iter()
                .map(|(name, bytes)| (name.to_string(), bytes))
                .collect()
        });
        let half = files.len() / 2;
        let zipped: Vec<lakehouse_pipeline::OutputFile> = files[half..]
            .iter()
            .map(|(name, bytes)| lakehouse_pipeline::OutputFile {
                path: name.clone(),
                bytes: bytes.clone(),
            })
            .collect();
        let (_, zip) = handler::zip_files(&zipped, "rest.zip").unwrap();
        files[..half]
            .iter()
            .map(|(name, bytes)| (format!("csv/{name}"), bytes.clone()))
            .chain([("rest.zip".to_string(), zip)])
            .map(|(path, bytes)| Box::new(handler::BytesSource { path, bytes }) as Box<dyn Source>)
            .collect()
    }

    #[test]
    fn files_hashed_by_a_second_worker_give_the_manifest_of_files_hashed_inline() {
        let paths: Vec<String> = demo_sources()
            .iter()
            .map(|s| s.path().to_string())
            .collect();
        let mut inline = Session::default();
        let load = Request::LoadFiles {
            paths: paths.clone(),
            zip: crate::protocol::ZipLimits::default(),
        };
        let reply = inline.handle(load, demo_sources(), &mut no_progress());
        assert!(matches!(reply.response, Response::Loaded(_)));
        let expected = inline.lakehouse().unwrap().manifest_json();
        let plain: Vec<String> = paths.iter().filter(|p| hashed_apart(p)).cloned().collect();
        assert!(plain.len() > 3);

        // The second worker's side: the plain files' bytes in chunks of
        // 1,000 bytes (an empty file is one empty last chunk), in order.
        let mut hasher = Session::default();
        let mut sources = demo_sources();
        sources.retain(|s| hashed_apart(s.path()));
        for (file, source) in sources.iter_mut().enumerate() {
            let bytes = source.read(0, source.size()).unwrap();
            let chunks: Vec<&[u8]> = if bytes.is_empty() {
                vec![&[]]
            } else {
                bytes.chunks(1000).collect()
            };
            for (i, chunk) in chunks.iter().enumerate() {
                let request = Request::HashChunk {
                    file: file as u32,
                    last: i + 1 == chunks.len(),
                };
                let source = handler::BytesSource {
                    path: String::new(),
                    bytes: chunk.to_vec(),
                };
                let reply = hasher.handle(request, vec![Box::new(source)], &mut no_progress());
                assert_eq!(reply.response, Response::Hashed { hashes: Vec::new() });
            }
        }
        let reply = hasher.handle(Request::HashDone, Vec::new(), &mut no_progress());
        let Response::Hashed { hashes } = reply.response else {
            panic!("not hashed: {:?}", reply.response);
        };
        assert_eq!(hashes, handler::hash_sources(&mut sources).unwrap());

        // The first worker's side: the plain files wait for their hashes,
        // the zip's entries are hashed as they are inflated.
        let loaded = |tag: u64| {
            let mut session = Session::default();
            let mut sources = demo_sources();
            let built =
                handler::load_sources(&mut sources, Default::default(), true, &mut no_progress());
            let reply = session.files_loaded(built, Some(tag), sources);
            assert!(matches!(reply.response, Response::Loaded(_)));
            session
        };
        let mut apart = loaded(7);
        let unhashed: Vec<String> = apart
            .lakehouse()
            .unwrap()
            .bronze
            .unhashed_files()
            .map(str::to_string)
            .collect();
        assert_eq!(unhashed, plain);
        // Another load's hashes are not taken.
        assert!(!apart.set_hashes(6, hashes.clone()));
        assert!(apart.set_hashes(7, hashes.clone()));
        assert_eq!(apart.lakehouse().unwrap().manifest_json(), expected);

        // Hashes that come before their load has finished are kept for it.
        let mut early = Session::default();
        assert!(!early.set_hashes(9, hashes.clone()));
        let mut sources = demo_sources();
        let built =
            handler::load_sources(&mut sources, Default::default(), true, &mut no_progress());
        early.files_loaded(built, Some(9), sources);
        assert_eq!(early.lakehouse().unwrap().manifest_json(), expected);

        // Before the hashes come, a download hashes the files itself, and
        // holds what the inline load's download holds.
        let mut late = loaded(7);
        let download =
            |s: &mut Session| s.handle(Request::Download, Vec::new(), &mut no_progress());
        assert_eq!(download(&mut late), download(&mut inline));
        assert!(!late.set_hashes(7, hashes));

        // So does a save: its manifest.json, written last.
        let mut saving = loaded(8);
        let last = saving.files_to_save().unwrap() - 1;
        let generation = saving.generation();
        let manifest = saving.file_to_save(last, generation).unwrap().unwrap();
        assert_eq!(
            (manifest.path.as_str(), manifest.bytes),
            ("manifest.json", expected)
        );
    }

    #[test]
    fn a_saved_lakehouse_opens_to_the_same_dashboard_and_a_new_load_stops_its_save() {
        let mut session = Session::default();
        let demo = Request::LoadDemo {
            patients: 60,
            seed: 5,
        };
        let Response::Loaded(first) = session
            .handle(demo.clone(), Vec::new(), &mut no_progress())
            .response
        else {
            panic!("not loaded");
        };
        let generation = session.generation();
        let count = session.files_to_save().unwrap();
        let files: Vec<(String, Vec<u8>)> = (0..count)
            .map(|i| {
                let file = session.file_to_save(i, generation).unwrap().unwrap();
                (file.path, file.bytes)
            })
            .collect();
        assert_eq!(files.last().unwrap().0, "manifest.json");
        assert!(
            files[..count - 1]
                .iter()
                .all(|(p, _)| p.ends_with(".parquet"))
        );
        // A save writes what the CLI and the lakehouse download write.
        let whole = session.lakehouse().unwrap().output_files(false).unwrap();
        assert_eq!(
            whole
                .iter()
                .map(|f| (f.path.clone(), f.bytes.clone()))
                .collect::<Vec<_>>(),
            files
        );
        let bytes = files.iter().map(|(_, b)| b.len() as u64).sum();
        let saved = session
            .saved_description(
                "lh-1".into(),
                "Demo data".into(),
                "2026-12-03 08:00".into(),
                bytes,
                count as u64,
            )
            .unwrap();
        assert_eq!(saved.version, first.version);
        let rows = |layer: &str| {
            first
                .tables
                .iter()
                .filter(|t| t.layer == layer)
                .map(|t| t.rows)
                .sum::<u64>()
        };
        assert_eq!(
            (saved.bronze_rows, saved.silver_rows, saved.gold_rows),
            (rows("bronze"), rows("silver"), rows("gold"))
        );

        let mut stages = Vec::new();
        let mut reopened = Session::default();
        let Response::Loaded(second) = reopened
            .open_saved(files, saved.clone(), &mut |p: &Progress| {
                stages.push(p.stage)
            })
            .response
        else {
            panic!("not reopened");
        };
        assert_eq!(stages.first(), Some(&crate::protocol::Stage::Opening));
        assert_eq!(second.saved.as_ref(), Some(&saved));
        assert_eq!(second.view, first.view);
        assert_eq!(second.tables, first.tables);
        assert_eq!(second.quality, first.quality);
        assert_eq!(second.as_of, first.as_of);

        // A new load while a save runs: the save's next file is refused.
        session.handle(demo, Vec::new(), &mut no_progress());
        assert!(session.file_to_save(0, generation).is_none());
        assert!(session.file_to_save(0, session.generation()).is_some());
    }
}
