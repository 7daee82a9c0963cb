//! The SQL worker's JavaScript glue (wasm32 only): decodes requests, reads
//! the saved lakehouse and its saved queries from the browser's file system
//! (`worker::storage`), lets [`SqlState`] answer and posts the reply.
//!
//! Requests are answered one at a time, in order: opening reads files
//! asynchronously, so later requests wait in a queue until it is done.

use std::cell::RefCell;
use std::collections::VecDeque;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use super::SqlState;
use crate::sql_protocol::{SavedQuery, SqlRequest, SqlResponse};
use crate::worker::storage;

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// What the worker holds between messages.
#[derive(Default)]
struct Worker {
    /// The open lakehouse's id, its tables and its saved queries.
    open: Option<(String, SqlState, Vec<SavedQuery>)>,
    queue: VecDeque<SqlRequest>,
    busy: bool,
}

thread_local! {
    static WORKER: RefCell<Worker> = RefCell::new(Worker::default());
}

/// Posts `[json]`, or `[json, bytes]` with the bytes' buffer transferred.
fn post(response: &SqlResponse, bytes: Option<Vec<u8>>) {
    let text = serde_json::to_string(response).unwrap_or_else(|error| {
        serde_json::to_string(&SqlResponse::Failed {
            message: format!("the SQL worker could not send its answer: {error}"),
        })
        .unwrap_or_default()
    });
    let message = js_sys::Array::of1(&JsValue::from_str(&text));
    match bytes {
        Some(bytes) => {
            let array = js_sys::Uint8Array::from(bytes.as_slice());
            drop(bytes);
            message.push(&array);
            let _ =
                scope().post_message_with_transfer(&message, &js_sys::Array::of1(&array.buffer()));
        }
        None => {
            let _ = scope().post_message(&message);
        }
    }
}

fn failed(message: impl Into<String>) -> SqlResponse {
    SqlResponse::Failed {
        message: message.into(),
    }
}

fn now() -> f64 {
    js_sys::Date::now()
}

/// Starts listening; says so to the page.
pub fn start() {
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(|event: MessageEvent| {
        let request = event
            .data()
            .as_string()
            .ok_or_else(|| "a message that is not text".to_string())
            .and_then(|text| serde_json::from_str::<SqlRequest>(&text).map_err(|e| e.to_string()));
        match request {
            Ok(request) => {
                WORKER.with(|w| w.borrow_mut().queue.push_back(request));
                next();
            }
            Err(error) => post(
                &failed(format!("the SQL worker could not read a request: {error}")),
                None,
            ),
        }
    });
    scope().set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    post(&SqlResponse::Started, None);
}

/// Answers the queued requests in order, unless one is being answered.
fn next() {
    let request = WORKER.with(|w| {
        let mut w = w.borrow_mut();
        if w.busy {
            return None;
        }
        let request = w.queue.pop_front()?;
        w.busy = true;
        Some(request)
    });
    let Some(request) = request else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        let (response, bytes) = answer(request).await;
        post(&response, bytes);
        WORKER.with(|w| w.borrow_mut().busy = false);
        next();
    });
}

async fn answer(request: SqlRequest) -> (SqlResponse, Option<Vec<u8>>) {
    match request {
        SqlRequest::Open { id } => (open(id).await, None),
        SqlRequest::SaveQuery { name, sql } => (
            change_queries(|q| super::save_query(q, &name, &sql)).await,
            None,
        ),
        SqlRequest::DeleteQuery { name } => (
            change_queries(|q| super::delete_query(q, &name)).await,
            None,
        ),
        request => WORKER.with(|w| {
            let mut w = w.borrow_mut();
            let Some((_, state, _)) = w.open.as_mut() else {
                return (failed("no lakehouse is open in the SQL console"), None);
            };
            match request {
                SqlRequest::Run { sql } => (state.run(&sql, now), None),
                SqlRequest::Page { offset } => (state.page(offset), None),
                SqlRequest::Download { format } => match state.download(format) {
                    Ok((file_name, bytes)) => (
                        SqlResponse::File {
                            file_name,
                            bytes: bytes.len(),
                        },
                        Some(bytes),
                    ),
                    Err(message) => (failed(message), None),
                },
                _ => unreachable!("opening and saved queries are answered above"),
            }
        }),
    }
}

async fn open(id: String) -> SqlResponse {
    let started = now();
    WORKER.with(|w| w.borrow_mut().open = None);
    let files = match storage::read_saved(&id).await {
        Ok((files, _)) => files,
        Err(message) => return failed(format!("{}: {}", message.title, message.detail)),
    };
    let queries = match storage::read_queries(&id).await {
        Ok(bytes) => super::read_queries(bytes.as_deref()).unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    let state = match SqlState::open(files) {
        Ok(state) => state,
        Err(message) => return failed(format!("Could not open the lakehouse for SQL: {message}")),
    };
    let tables = state.tables();
    WORKER.with(|w| w.borrow_mut().open = Some((id.clone(), state, queries.clone())));
    SqlResponse::Opened {
        id,
        tables,
        examples: super::examples(),
        queries,
        millis: now() - started,
    }
}

/// Changes the open lakehouse's saved queries and writes their file.
async fn change_queries(
    change: impl FnOnce(Vec<SavedQuery>) -> Result<(Vec<SavedQuery>, Vec<u8>), String>,
) -> SqlResponse {
    let Some((id, queries)) = WORKER.with(|w| {
        w.borrow()
            .open
            .as_ref()
            .map(|(id, _, queries)| (id.clone(), queries.clone()))
    }) else {
        return failed("no lakehouse is open in the SQL console");
    };
    let (queries, bytes) = match change(queries) {
        Ok(changed) => changed,
        Err(message) => return failed(message),
    };
    if let Err(message) = storage::write_queries(&id, &bytes).await {
        return failed(format!("{}: {}", message.title, message.detail));
    }
    WORKER.with(|w| {
        if let Some((_, _, kept)) = w.borrow_mut().open.as_mut() {
            kept.clone_from(&queries);
        }
    });
    SqlResponse::Queries { queries }
}
