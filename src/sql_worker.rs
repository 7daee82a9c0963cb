//! The SQL worker (built with the `sql` feature only): a [`SqlSession`]
//! over a saved lakehouse's Parquet, answering [`SqlRequest`]s. What each
//! request does is here, natively tested; `runtime` is the wasm32 glue
//! (messages, and the files in the browser's file system).
//!
//! A query runs to the end on the worker's one thread; the page cancels it
//! by terminating the worker and starting another.

use lakehouse_sql::{QueryResult, SqlSession};

use crate::sql_protocol::{
    PAGE_ROWS, SavedQuery, SqlAnswer, SqlExample, SqlFailure, SqlFormat, SqlPage, SqlResponse,
    SqlTable,
};

#[cfg(target_arch = "wasm32")]
pub mod runtime;

/// The open lakehouse and the last answer.
pub struct SqlState {
    session: SqlSession,
    answer: Option<QueryResult>,
}

impl SqlState {
    /// Registers every `bronze/`, `silver/` and `gold/` Parquet file of a
    /// run output (`layer/name.parquet` paths); other files are skipped.
    pub fn open(files: Vec<(String, Vec<u8>)>) -> Result<Self, String> {
        let mut session = SqlSession::new();
        for (path, bytes) in files {
            let Some((layer, name)) = lakehouse_sql::table_of_path(&path) else {
                continue;
            };
            session
                .register_parquet(layer, name, bytes.into())
                .map_err(|e| e.to_string())?;
        }
        if session.tables().is_empty() {
            return Err("the saved lakehouse has no bronze, silver or gold tables".into());
        }
        Ok(Self {
            session,
            answer: None,
        })
    }

    /// The registered tables.
    pub fn tables(&self) -> Vec<SqlTable> {
        self.session
            .tables()
            .iter()
            .map(|t| SqlTable {
                layer: t.layer.clone(),
                name: t.name.clone(),
                rows: t.rows,
                columns: t.columns.clone(),
            })
            .collect()
    }

    /// Runs a script's statements in turn and keeps the last answer; stops
    /// at the first error, with its line counted in the whole script.
    /// `clock` gives milliseconds.
    pub fn run(&mut self, script: &str, clock: impl Fn() -> f64) -> SqlResponse {
        let statements = lakehouse_sql::split_statements(script);
        if statements.is_empty() {
            return SqlResponse::Error(SqlFailure {
                message: "There is no query to run: write a SELECT.".into(),
                position: None,
                pointer: None,
            });
        }
        let started = clock();
        let mut last = None;
        for (first_line, statement) in &statements {
            match self.session.query_blocking(statement) {
                Ok(result) => last = Some(result),
                Err(error) => {
                    let pointer = error.pointer(statement);
                    let error = error.in_script(*first_line);
                    return SqlResponse::Error(SqlFailure {
                        message: error.message,
                        position: error.position.map(|p| (p.line, p.column)),
                        pointer,
                    });
                }
            }
        }
        let millis = clock() - started;
        let Some(result) = last else {
            unreachable!("a script with statements ran at least one")
        };
        let answer = SqlAnswer {
            columns: result
                .schema
                .fields()
                .iter()
                .map(|f| (f.name().clone(), f.data_type().to_string()))
                .collect(),
            rows: result.rows(),
            page: page(&result, 0),
            statements: statements.len(),
            millis,
        };
        self.answer = Some(result);
        SqlResponse::Answer(Box::new(answer))
    }

    /// Rows `offset..offset + PAGE_ROWS` of the last answer.
    pub fn page(&self, offset: usize) -> SqlResponse {
        match &self.answer {
            Some(result) => SqlResponse::Page(page(result, offset)),
            None => failed("there is no answer yet: run a query first"),
        }
    }

    /// The whole last answer as a file: name and bytes.
    pub fn download(&self, format: SqlFormat) -> Result<(String, Vec<u8>), String> {
        let result = self
            .answer
            .as_ref()
            .ok_or("there is no answer yet: run a query first")?;
        let bytes = match format {
            SqlFormat::Csv => lakehouse_sql::to_csv(result),
            SqlFormat::Parquet => lakehouse_sql::to_parquet(result),
        }
        .map_err(|e| e.to_string())?;
        Ok((format!("query-result.{}", format.extension()), bytes))
    }
}

/// One page of `result`, nulls as `None`.
fn page(result: &QueryResult, offset: usize) -> SqlPage {
    SqlPage {
        offset,
        rows: result.page_cells(offset, PAGE_ROWS),
    }
}

fn failed(message: impl Into<String>) -> SqlResponse {
    SqlResponse::Failed {
        message: message.into(),
    }
}

/// The example queries, for the console's menu.
pub fn examples() -> Vec<SqlExample> {
    lakehouse_sql::EXAMPLES
        .iter()
        .map(|e| SqlExample {
            id: e.id.into(),
            title: e.title().into(),
            description: e.description(),
            sql: e.sql.into(),
        })
        .collect()
}

/// The saved queries from their file (`[]` when there is none).
pub fn read_queries(bytes: Option<&[u8]>) -> Result<Vec<SavedQuery>, String> {
    match bytes {
        None => Ok(Vec::new()),
        Some(bytes) => serde_json::from_slice(bytes)
            .map_err(|e| format!("the saved queries file is damaged ({e})")),
    }
}

/// The saved queries with `name` saved as `sql` (replacing one of the same
/// name), sorted by name, and the file's bytes.
pub fn save_query(
    mut queries: Vec<SavedQuery>,
    name: &str,
    sql: &str,
) -> Result<(Vec<SavedQuery>, Vec<u8>), String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err("a saved query needs a name of 1 to 120 characters".into());
    }
    if sql.trim().is_empty() {
        return Err("there is no query to save".into());
    }
    queries.retain(|q| q.name != name);
    queries.push(SavedQuery {
        name: name.into(),
        sql: sql.into(),
    });
    queries.sort_by(|a, b| a.name.cmp(&b.name));
    let bytes = queries_file(&queries)?;
    Ok((queries, bytes))
}

/// The saved queries without `name`, and the file's bytes.
pub fn delete_query(
    mut queries: Vec<SavedQuery>,
    name: &str,
) -> Result<(Vec<SavedQuery>, Vec<u8>), String> {
    queries.retain(|q| q.name != name);
    let bytes = queries_file(&queries)?;
    Ok((queries, bytes))
}

fn queries_file(queries: &[SavedQuery]) -> Result<Vec<u8>, String> {
    serde_json::to_vec_pretty(queries).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo lakehouse's run output, as the browser saves it.
    fn demo_files() -> Vec<(String, Vec<u8>)> {
        static FILES: std::sync::OnceLock<Vec<(String, Vec<u8>)>> = std::sync::OnceLock::new();
        FILES
            .get_or_init(|| {
                let lakehouse =
                    crate::worker::handler::load_demo(60, 7, &mut |_| {}).expect("the demo builds");
                lakehouse
                    .output_files(false)
                    .expect("the demo encodes")
                    .into_iter()
                    .map(|f| (f.path, f.bytes))
                    .collect()
            })
            .clone()
    }

    fn clock() -> f64 {
        0.0
    }

    #[test]
    fn opens_a_saved_lakehouse_and_pages_an_answer() {
        let mut state = SqlState::open(demo_files()).unwrap();
        let tables = state.tables();
        for layer in lakehouse_sql::LAYERS {
            assert!(tables.iter().any(|t| t.layer == layer), "{layer}");
        }
        let SqlResponse::Answer(answer) = state.run(
            "SELECT 1 AS one;\nSELECT encounter_id, stop_ts FROM fact_encounters ORDER BY encounter_id",
            clock,
        ) else {
            panic!("no answer")
        };
        let encounters = tables
            .iter()
            .find(|t| t.name == "fact_encounters")
            .unwrap()
            .rows;
        assert!(encounters > PAGE_ROWS, "the demo has more than a page");
        assert_eq!(answer.rows, encounters);
        assert_eq!(answer.statements, 2);
        assert_eq!(answer.page.rows.len(), PAGE_ROWS);
        assert_eq!(answer.columns[0].0, "encounter_id");
        let SqlResponse::Page(last) = state.page(encounters - 3) else {
            panic!("no page")
        };
        assert_eq!((last.offset, last.rows.len()), (encounters - 3, 3));
        // A later page follows on from the first.
        let SqlResponse::Page(second) = state.page(PAGE_ROWS) else {
            panic!("no page")
        };
        assert!(second.rows[0][0] > answer.page.rows[PAGE_ROWS - 1][0]);
    }

    #[test]
    fn nulls_are_not_text_and_downloads_hold_the_whole_answer() {
        let mut state = SqlState::open(demo_files()).unwrap();
        let SqlResponse::Answer(answer) = state.run(
            "SELECT CAST(NULL AS VARCHAR) AS nothing, 'NULL' AS text",
            clock,
        ) else {
            panic!("no answer")
        };
        assert_eq!(answer.page.rows, vec![vec![None, Some("NULL".into())]]);
        state.run("SELECT patient_id FROM dim_patient", clock);
        let patients = state
            .tables()
            .iter()
            .find(|t| t.name == "dim_patient")
            .unwrap()
            .rows;
        let (name, csv) = state.download(SqlFormat::Csv).unwrap();
        assert_eq!(name, "query-result.csv");
        assert_eq!(csv.iter().filter(|b| **b == b'\n').count(), patients + 1);
        let (name, parquet) = state.download(SqlFormat::Parquet).unwrap();
        assert_eq!(name, "query-result.parquet");
        assert_eq!(&parquet[..4], b"PAR1");
    }

    #[test]
    fn an_error_points_at_its_line_in_the_whole_script() {
        let mut state = SqlState::open(demo_files()).unwrap();
        let SqlResponse::Error(failure) =
            state.run("SELECT 1;\n\nSELECT nope\nFROM fact_encounters", clock)
        else {
            panic!("no error")
        };
        assert_eq!(failure.position, Some((3, 8)), "{failure:?}");
        assert_eq!(failure.pointer.as_deref(), Some("SELECT nope\n       ^"));
        assert!(failure.message.contains("nope"), "{}", failure.message);
        assert!(matches!(state.run("  ;  ", clock), SqlResponse::Error(_)));
        assert!(matches!(state.page(0), SqlResponse::Failed { .. }));
    }

    #[test]
    fn a_lakehouse_without_tables_is_refused() {
        let error = SqlState::open(vec![("manifest.json".into(), b"{}".to_vec())])
            .err()
            .unwrap();
        assert!(
            error.contains("no bronze, silver or gold tables"),
            "{error}"
        );
    }

    #[test]
    fn saved_queries_are_named_sorted_and_replaced() {
        let (queries, _) = save_query(Vec::new(), " b ", "SELECT 2").unwrap();
        let (queries, _) = save_query(queries, "a", "SELECT 1").unwrap();
        let (queries, bytes) = save_query(queries, "b", "SELECT 3").unwrap();
        let names: Vec<_> = queries
            .iter()
            .map(|q| (q.name.as_str(), q.sql.as_str()))
            .collect();
        assert_eq!(names, [("a", "SELECT 1"), ("b", "SELECT 3")]);
        assert_eq!(read_queries(Some(&bytes)).unwrap(), queries);
        let (queries, _) = delete_query(queries, "a").unwrap();
        assert_eq!(queries.len(), 1);
        assert!(save_query(queries.clone(), " ", "SELECT 1").is_err());
        assert!(save_query(queries, "c", "  ").is_err());
        assert!(read_queries(Some(b"not json")).is_err());
        assert_eq!(read_queries(None).unwrap(), []);
        assert_eq!(examples().len(), lakehouse_sql::EXAMPLES.len());
    }
}
