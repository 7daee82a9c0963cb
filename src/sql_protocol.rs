//! The messages between the page and the SQL worker (JSON, with a result's
//! file bytes transferred beside it). The page is built without the SQL
//! engine; only this vocabulary is shared.

use serde::{Deserialize, Serialize};

/// Rows in one page of a result table.
pub const PAGE_ROWS: usize = 50;

/// What the page asks the SQL worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum SqlRequest {
    /// Registers every table of the saved lakehouse `id` (bronze, silver
    /// and gold Parquet in the browser's file system).
    Open { id: String },
    /// Runs a script: its statements in turn; the last one's answer is kept.
    Run { sql: String },
    /// Another page of the kept answer.
    Page { offset: usize },
    /// The whole kept answer as a file.
    Download { format: SqlFormat },
    /// Saves `sql` as `name` next to the open lakehouse (replacing a query
    /// of the same name).
    SaveQuery { name: String, sql: String },
    /// Removes the saved query `name`.
    DeleteQuery { name: String },
}

/// A file format for a whole answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SqlFormat {
    Csv,
    Parquet,
}

impl SqlFormat {
    pub const fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Parquet => "parquet",
        }
    }
}

/// A table the console can query.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SqlTable {
    /// `bronze`, `silver` or `gold`.
    pub layer: String,
    pub name: String,
    pub rows: usize,
    /// Column names and types.
    pub columns: Vec<(String, String)>,
}

/// An example query (from `crates/lakehouse-sql/queries/`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SqlExample {
    pub id: String,
    pub title: String,
    pub description: String,
    pub sql: String,
}

/// A query saved next to its lakehouse.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedQuery {
    pub name: String,
    pub sql: String,
}

/// One page of an answer: display text per cell, `None` for NULL.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SqlPage {
    /// The first row's index in the answer (0-based).
    pub offset: usize,
    pub rows: Vec<Vec<Option<String>>>,
}

/// A query's answer, with its first page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SqlAnswer {
    /// Column names and types.
    pub columns: Vec<(String, String)>,
    /// Rows in the whole answer.
    pub rows: usize,
    pub page: SqlPage,
    /// Statements the script ran (the answer is the last one's).
    pub statements: usize,
    /// Time to plan, run and collect, in milliseconds.
    pub millis: f64,
}

/// Where a query went wrong.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SqlFailure {
    pub message: String,
    /// Line and column in the script (1-based), when the engine knows.
    pub position: Option<(usize, usize)>,
    /// The script's line there, and a caret under the column.
    pub pointer: Option<String>,
}

/// What the SQL worker answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum SqlResponse {
    /// The worker has started and listens.
    Started,
    /// The lakehouse's tables are registered.
    Opened {
        id: String,
        tables: Vec<SqlTable>,
        examples: Vec<SqlExample>,
        queries: Vec<SavedQuery>,
        millis: f64,
    },
    Answer(Box<SqlAnswer>),
    Page(SqlPage),
    /// The query did not run.
    Error(SqlFailure),
    /// A whole answer as a file: its bytes come beside this message.
    File {
        file_name: String,
        bytes: usize,
    },
    /// The saved queries after a change.
    Queries {
        queries: Vec<SavedQuery>,
    },
    /// Anything else that failed (opening the lakehouse, saving a query).
    Failed {
        message: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_crosses_the_boundary_as_json() {
        let requests = [
            SqlRequest::Open { id: "a".into() },
            SqlRequest::Run {
                sql: "SELECT 1".into(),
            },
            SqlRequest::Page { offset: 50 },
            SqlRequest::Download {
                format: SqlFormat::Parquet,
            },
            SqlRequest::SaveQuery {
                name: "n".into(),
                sql: "SELECT 2".into(),
            },
            SqlRequest::DeleteQuery { name: "n".into() },
        ];
        for request in requests {
            let text = serde_json::to_string(&request).unwrap();
            assert_eq!(serde_json::from_str::<SqlRequest>(&text).unwrap(), request);
        }
        let responses = [
            SqlResponse::Started,
            SqlResponse::Answer(Box::new(SqlAnswer {
                columns: vec![("n".into(), "Int64".into())],
                rows: 1,
                page: SqlPage {
                    offset: 0,
                    rows: vec![vec![Some("1".into()), None]],
                },
                statements: 1,
                millis: 1.5,
            })),
            SqlResponse::Error(SqlFailure {
                message: "m".into(),
                position: Some((2, 3)),
                pointer: Some("x\n  ^".into()),
            }),
            SqlResponse::File {
                file_name: "f.csv".into(),
                bytes: 3,
            },
        ];
        for response in responses {
            let text = serde_json::to_string(&response).unwrap();
            assert_eq!(
                serde_json::from_str::<SqlResponse>(&text).unwrap(),
                response
            );
        }
    }
}
