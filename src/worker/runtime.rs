//! The worker's JavaScript glue (wasm32 only): decodes requests, reads
//! `File`s in slices with `FileReaderSync`, lets the [`Session`] answer and
//! posts the reply. Routing itself is in `session`, natively tested.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, File, FileReaderSync, MessageEvent};

use super::handler::Source;
use super::session::{Reply, Session};
use crate::protocol::{Progress, Request, Response, UserMessage};

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

thread_local! {
    /// The worker's state between messages.
    static SESSION: std::cell::RefCell<Session> = std::cell::RefCell::new(Session::default());
}

/// Posts `[json]`, or `[json, bytes]` with the bytes' buffer transferred (not copied).
fn post_with(response: &Response, bytes: Option<&[u8]>) {
    let text = serde_json::to_string(response).unwrap_or_else(|error| {
        // Never silent: the page shows what could not be sent.
        let failed = Response::Failed(UserMessage::new(
            "The worker could not send its answer",
            error,
        ));
        serde_json::to_string(&failed).unwrap_or_default()
    });
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

/// Runs `work` on the worker's session (never held across an `await`).
pub fn with_session<R>(work: impl FnOnce(&mut Session) -> R) -> R {
    SESSION.with(|s| work(&mut s.borrow_mut()))
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

fn now() -> f64 {
    scope()
        .unchecked_into::<web_sys::WorkerGlobalScope>()
        .performance()
        .map_or(0.0, |p| p.now())
}

fn failed(title: &str, detail: impl std::fmt::Display) -> Reply {
    Response::Failed(UserMessage::new(title, detail)).into()
}

/// Decodes one message's request (the JSON text first).
fn decode(data: &js_sys::Array) -> Result<Request, Reply> {
    let Some(text) = data.get(0).as_string() else {
        return Err(failed("Bad request", "no request text"));
    };
    serde_json::from_str(&text).map_err(|error| failed("Bad request", error))
}

/// Lets the session answer a request, with the `File`s posted beside its
/// JSON.
fn respond(request: Request, data: &js_sys::Array) -> Reply {
    let mut sources: Vec<Box<dyn Source>> = Vec::new();
    if let Request::LoadFiles { paths, .. } = &request {
        let reader = match FileReaderSync::new() {
            Ok(reader) => reader,
            Err(error) => {
                return Response::Failed(UserMessage {
                    title: "This browser cannot read files in a worker".into(),
                    detail: format!("{error:?}"),
                    hint: Some("use a current Chrome, Edge or Firefox".into()),
                })
                .into();
            }
        };
        for (i, path) in paths.iter().enumerate() {
            if let Ok(file) = data.get(i as u32 + 1).dyn_into::<File>() {
                sources.push(Box::new(FileSource {
                    path: path.clone(),
                    file,
                    reader: reader.clone(),
                }));
            }
        }
    }
    let mut progress = |p: &Progress| post(&Response::Progress(p.clone()));
    let started = now();
    let mut reply = with_session(|s| s.handle(request, sources, &mut progress));
    if let Response::Filtered(view) = &mut reply.response {
        view.elapsed_ms = now() - started;
    }
    reply
}

/// Posts a reply; after a load, gets the filter recompute's code optimized
/// before the first click, with the results already on their way.
fn answer(mut reply: Reply) {
    if let Response::Loaded(summary) = &mut reply.response {
        summary.wasm_memory_bytes = core::arch::wasm32::memory_size(0) as u64 * 65_536;
    }
    let loaded = matches!(reply.response, Response::Loaded(_));
    post_with(&reply.response, reply.bytes.as_deref());
    if loaded {
        with_session(|s| s.warm_up());
    }
}

/// Starts listening; posts `Ready` once the listener is in place.
pub fn start() {
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let data = js_sys::Array::from(&event.data());
        match decode(&data) {
            // The browser's storage answers asynchronously: a task of its
            // own, so that the worker reads further messages meanwhile.
            Ok(request) if request.is_storage() => {
                wasm_bindgen_futures::spawn_local(async move {
                    let mut progress = |p: &Progress| post(&Response::Progress(p.clone()));
                    answer(super::storage::answer(request, &mut progress).await);
                });
            }
            Ok(request) => answer(respond(request, &data)),
            Err(reply) => answer(reply),
        }
    });
    scope().set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    post(&Response::Ready);
}
