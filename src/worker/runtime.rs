//! The worker's JavaScript glue (wasm32 only): listens for requests, reads
//! `File`s in slices with `FileReaderSync`, runs the handler and posts JSON.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, File, FileReaderSync, MessageEvent};

use super::handler::{self, Source};
use super::protocol::{Request, Response, UserMessage};
use crate::dashboard::Dashboard;

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

thread_local! {
    /// The last lakehouse built (kept for downloads) and its dashboard model.
    static LAKEHOUSE: std::cell::RefCell<Option<(lakehouse_pipeline::Lakehouse, Dashboard)>> = const { std::cell::RefCell::new(None) };
}

/// Posts `[json]`, or `[json, bytes]` with the bytes' buffer transferred (not copied).
fn post_with(response: &Response, bytes: Option<&[u8]>) {
    let Ok(text) = serde_json::to_string(response) else {
        return;
    };
    let message = js_sys::Array::new();
    message.push(&JsValue::from_str(&text));
    match bytes {
        Some(bytes) => {
            let array = js_sys::Uint8Array::from(bytes);
            message.push(&array);
            let transfer = js_sys::Array::of1(&array.buffer());
            let _ = scope().post_message_with_transfer(&message, &transfer);
        }
        None => {
            let _ = scope().post_message(&message);
        }
    }
}

fn post(response: &Response) {
    post_with(response, None);
}

/// A `File` as a [`Source`] read in slices with `FileReaderSync` (which
/// exists only in workers).
pub fn file_source(path: String, file: File) -> Result<Box<dyn Source>, String> {
    let reader = FileReaderSync::new().map_err(|e| format!("{e:?}"))?;
    Ok(Box::new(FileSource { path, file, reader }))
}

/// A browser `File` read slice by slice.
struct FileSource {
    path: String,
    file: File,
    reader: FileReaderSync,
}

impl Source for FileSource {
    fn path(&self) -> &str {
        &self.path
    }

    fn size(&self) -> u64 {
        self.file.size() as u64
    }

    fn read(&mut self, offset: u64, len: u64) -> Result<Vec<u8>, String> {
        let end = (offset + len).min(self.size());
        let blob = self
            .file
            .slice_with_f64_and_f64(offset as f64, end as f64)
            .map_err(|e| format!("{e:?}"))?;
        let buffer = self
            .reader
            .read_as_array_buffer(&blob)
            .map_err(|e| format!("{e:?}"))?;
        Ok(js_sys::Uint8Array::new(&buffer).to_vec())
    }
}

fn loaded(result: Result<lakehouse_pipeline::Lakehouse, UserMessage>) -> Response {
    match result {
        Ok(lakehouse) => {
            let dashboard = Dashboard::new(&lakehouse);
            let mut summary = handler::summarize(&lakehouse, &dashboard);
            summary.wasm_memory_bytes = core::arch::wasm32::memory_size(0) as u64 * 65_536;
            LAKEHOUSE.with(|l| *l.borrow_mut() = Some((lakehouse, dashboard)));
            Response::Loaded(Box::new(summary))
        }
        Err(message) => Response::Failed(message),
    }
}

/// Runs `work` on the last lakehouse built (an error when none is).
fn with_lakehouse(
    work: impl FnOnce(&lakehouse_pipeline::Lakehouse) -> Result<Response, UserMessage>,
) -> Response {
    let result = LAKEHOUSE.with(|l| l.borrow().as_ref().map(|(l, _)| work(l)));
    match result {
        Some(Ok(response)) => response,
        Some(Err(message)) => Response::Failed(message),
        None => Response::Failed(UserMessage {
            title: "Nothing loaded yet".into(),
            detail: "load data first".into(),
            hint: None,
        }),
    }
}

fn respond(event: &MessageEvent) -> Response {
    let data = js_sys::Array::from(&event.data());
    let Some(text) = data.get(0).as_string() else {
        return Response::Failed(UserMessage {
            title: "Bad request".into(),
            detail: "no request text".into(),
            hint: None,
        });
    };
    let request: Request = match serde_json::from_str(&text) {
        Ok(request) => request,
        Err(error) => {
            return Response::Failed(UserMessage {
                title: "Bad request".into(),
                detail: error.to_string(),
                hint: None,
            });
        }
    };
    let mut progress = |p: &super::protocol::Progress| post(&Response::Progress(p.clone()));
    match request {
        Request::LoadDemo { patients, seed } => {
            loaded(handler::load_demo(patients, seed, &mut progress))
        }
        Request::Download => {
            let zipped =
                LAKEHOUSE.with(|l| l.borrow().as_ref().map(|(l, _)| handler::lakehouse_zip(l)));
            match zipped {
                Some(Ok((download, bytes))) => {
                    post_with(&Response::Download(download), Some(&bytes));
                    Response::Ready
                }
                Some(Err(message)) => Response::Failed(message),
                None => Response::Failed(UserMessage {
                    title: "Nothing to download yet".into(),
                    detail: "load data first".into(),
                    hint: None,
                }),
            }
        }
        Request::Table(query) => with_lakehouse(|l| {
            super::tables::table_page(l, &query).map(|page| Response::Table(Box::new(page)))
        }),
        Request::Patient { id } => with_lakehouse(|l| {
            super::patient::timeline(l, &id).map(|t| Response::Patient(Box::new(t)))
        }),
        Request::Export { kind, unzip_folder } => with_lakehouse(|l| {
            handler::export_zip(l, &kind, &unzip_folder).map(|(download, bytes)| {
                post_with(&Response::Download(download), Some(&bytes));
                Response::Ready
            })
        }),
        Request::DownloadTable { name, format } => with_lakehouse(|l| {
            super::tables::table_download(l, &name, &format).map(|(download, bytes)| {
                post_with(&Response::Download(download), Some(&bytes));
                Response::Ready
            })
        }),
        Request::Filter(filter) => {
            let now = || {
                scope()
                    .unchecked_into::<web_sys::WorkerGlobalScope>()
                    .performance()
                    .map_or(0.0, |p| p.now())
            };
            let started = now();
            let view = LAKEHOUSE.with(|l| l.borrow().as_ref().map(|(_, d)| d.view(&filter)));
            match view {
                Some(mut view) => {
                    view.elapsed_ms = now() - started;
                    Response::Filtered(Box::new(view))
                }
                None => Response::Failed(UserMessage {
                    title: "Nothing to filter yet".into(),
                    detail: "load data first".into(),
                    hint: None,
                }),
            }
        }
        Request::LoadFiles { paths } => {
            let reader = match FileReaderSync::new() {
                Ok(reader) => reader,
                Err(error) => {
                    return Response::Failed(UserMessage {
                        title: "This browser cannot read files in a worker".into(),
                        detail: format!("{error:?}"),
                        hint: Some("use a current Chrome, Edge or Firefox".into()),
                    });
                }
            };
            let mut sources: Vec<Box<dyn Source>> = Vec::new();
            for (i, path) in paths.into_iter().enumerate() {
                if let Ok(file) = data.get(i as u32 + 1).dyn_into::<File>() {
                    sources.push(Box::new(FileSource {
                        path,
                        file,
                        reader: reader.clone(),
                    }));
                }
            }
            loaded(handler::load_sources(&mut sources, &mut progress))
        }
    }
}

/// Starts listening; posts `Ready` once the listener is in place.
pub fn start() {
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let response = respond(&event);
        let loaded = matches!(response, Response::Loaded(_));
        // `Ready` here means "already answered" (a download posts its own message).
        if response != Response::Ready {
            post(&response);
        }
        // With the results on their way to the page, get the filter
        // recompute's code optimized before the first click.
        if loaded {
            LAKEHOUSE.with(|l| {
                if let Some((_, dashboard)) = l.borrow().as_ref() {
                    dashboard.warm_up();
                }
            });
        }
    });
    scope().set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    post(&Response::Ready);
}
