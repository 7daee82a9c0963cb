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

fn now() -> f64 {
    scope()
        .unchecked_into::<web_sys::WorkerGlobalScope>()
        .performance()
        .map_or(0.0, |p| p.now())
}

fn failed(title: &str, detail: impl std::fmt::Display) -> Reply {
    Response::Failed(UserMessage::new(title, detail)).into()
}

/// Decodes one message, with the `File`s posted beside its JSON, and lets
/// the session answer it.
fn respond(event: &MessageEvent) -> Reply {
    let data = js_sys::Array::from(&event.data());
    let Some(text) = data.get(0).as_string() else {
        return failed("Bad request", "no request text");
    };
    let request: Request = match serde_json::from_str(&text) {
        Ok(request) => request,
        Err(error) => return failed("Bad request", error),
    };
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
    let mut reply = SESSION.with(|s| s.borrow_mut().handle(request, sources, &mut progress));
    match &mut reply.response {
        Response::Filtered(view) => view.elapsed_ms = now() - started,
        Response::Loaded(summary) => {
            summary.wasm_memory_bytes = core::arch::wasm32::memory_size(0) as u64 * 65_536;
        }
        _ => {}
    }
    reply
}

/// Starts listening; posts `Ready` once the listener is in place.
pub fn start() {
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let reply = respond(&event);
        let loaded = matches!(reply.response, Response::Loaded(_));
        post_with(&reply.response, reply.bytes.as_deref());
        // With the results on their way to the page, get the filter
        // recompute's code optimized before the first click.
        if loaded {
            SESSION.with(|s| s.borrow().warm_up());
        }
    });
    scope().set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    post(&Response::Ready);
}
