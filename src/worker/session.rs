//! Request routing: what the worker answers to each [`Request`], with the
//! lakehouse it last built. Target-neutral and natively tested; the wasm32
//! runtime only decodes messages, reads `File`s and posts the [`Reply`].

use lakehouse_pipeline::Lakehouse;

use super::dashboard::Dashboard;
use super::handler::{self, Source};
use crate::protocol::{Filter, Progress, Request, Response, SavedLakehouse, UserMessage};

/// What the worker keeps between requests: the last lakehouse built and
/// its dashboard model.
#[derive(Default)]
pub struct Session {
    loaded: Option<(Lakehouse, Dashboard)>,
    /// Counts loads, so that a save in progress notices that a new load
    /// replaced the lakehouse it was writing.
    generation: u64,
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
                self.load(handler::load_sources(&mut sources, zip, progress))
            }
            Request::Filter(filter) => match &self.loaded {
                Some((_, dashboard)) => {
                    Response::Filtered(Box::new(dashboard.view(&filter))).into()
                }
                None => nothing_loaded().into(),
            },
            Request::Download => self.with_lakehouse(|l| download(handler::lakehouse_zip(l))),
            Request::Export { kind, unzip_folder } => {
                self.with_lakehouse(|l| download(handler::export_zip(l, kind, &unzip_folder)))
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
        &self,
        index: usize,
        generation: u64,
    ) -> Option<Result<lakehouse_pipeline::OutputFile, UserMessage>> {
        let lakehouse = self.lakehouse().filter(|_| generation == self.generation)?;
        let tables = lakehouse.tables();
        Some(match tables.get(index) {
            Some(table) => lakehouse
                .parquet_file(table)
                .map_err(|e| UserMessage::from_error("Could not encode a table to save", &e)),
            None => Ok(lakehouse.manifest_file()),
        })
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
