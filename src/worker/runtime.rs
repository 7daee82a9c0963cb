//! The worker's JavaScript glue (wasm32 only): decodes requests, reads
//! `File`s in slices (with `Blob.arrayBuffer()` ahead of the decoder, or
//! with `FileReaderSync` for a zip's seeks), lets the [`Session`] answer
//! and posts the reply. Routing itself is in `session`, natively tested.

use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use web_sys::{DedicatedWorkerGlobalScope, ErrorEvent, File, FileReaderSync, MessageEvent, Worker};

use super::handler::{Loading, Source};
use super::session::{Reply, Session};
use crate::protocol::{Progress, Request, Response, UserMessage, hashed_apart};

/// This worker's global scope.
pub fn scope() -> DedicatedWorkerGlobalScope {
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

/// The `File`s posted beside a request's JSON, with their paths.
fn posted_files(paths: &[String], data: &js_sys::Array) -> Vec<(String, File)> {
    paths
        .iter()
        .enumerate()
        .filter_map(|(i, path)| {
            let file = data.get(i as u32 + 1).dyn_into::<File>().ok()?;
            Some((path.clone(), file))
        })
        .collect()
}

/// The posted files as sources read with `FileReaderSync`.
fn file_sources(files: &[(String, File)]) -> Result<Vec<Box<dyn Source>>, UserMessage> {
    files
        .iter()
        .map(|(path, file)| file_source(path.clone(), file.clone()))
        .collect::<Result<_, _>>()
        .map_err(|detail| UserMessage {
            title: "This browser cannot read files in a worker".into(),
            detail,
            hint: Some("use a current Chrome, Edge or Firefox".into()),
        })
}

/// Bytes per slice of a file read asynchronously, and how many slices are
/// on their way while one is decoded.
pub const SLICE_BYTES: u32 = 2 << 20;
const SLICES_AHEAD: usize = 4;

/// Where a load sends each slice of a plain file it decodes, for the
/// file's SHA-256: `(file, bytes, last)`, files numbered in the order read.
pub type Forward<'a> = &'a mut dyn FnMut(u32, &js_sys::Uint8Array, bool);

/// Reads a plain file (not a zip) into the load, slice by slice with
/// `Blob.arrayBuffer()`: the next slices are read by the browser while
/// this one is decoded. With `FileReaderSync` the worker waited for each
/// slice, about a fifth of a ×100 load (docs/benchmarks.md). Each slice,
/// once decoded, goes to `forward` (file number `file`).
async fn read_plain(
    loading: &mut Loading<'_>,
    path: &str,
    file: &File,
    slice_bytes: u32,
    mut forward: Option<(u32, &mut Forward<'_>)>,
) -> Result<(), UserMessage> {
    let failed = |error: JsValue| UserMessage {
        title: format!("Could not read `{path}`"),
        detail: format!("{error:?}"),
        hint: Some("the file may have been moved or changed; choose it again".into()),
    };
    loading.begin(path)?;
    let size = file.size();
    let mut next = 0.0;
    let mut on_the_way = std::collections::VecDeque::new();
    let mut chunk = Vec::new();
    if size <= 0.0
        && let Some((number, forward)) = &mut forward
    {
        forward(*number, &js_sys::Uint8Array::new_with_length(0), true);
    }
    loop {
        while on_the_way.len() < SLICES_AHEAD && next < size {
            let end = (next + f64::from(slice_bytes)).min(size);
            let blob = file.slice_with_f64_and_f64(next, end).map_err(failed)?;
            on_the_way.push_back(wasm_bindgen_futures::JsFuture::from(blob.array_buffer()));
            next = end;
        }
        let Some(slice) = on_the_way.pop_front() else {
            break;
        };
        let bytes = js_sys::Uint8Array::new(&slice.await.map_err(failed)?);
        chunk.resize(bytes.length() as usize, 0);
        bytes.copy_to(&mut chunk);
        loading.push(path, &chunk)?;
        if let Some((number, forward)) = &mut forward {
            forward(*number, &bytes, on_the_way.is_empty() && next >= size);
        }
    }
    loading.end(path)
}

/// Builds the lakehouse from `files`: plain files read asynchronously
/// ([`read_plain`]), a zip entry by entry with `FileReaderSync` (the zip
/// reader seeks), in slices of `slice_bytes` ([`SLICE_BYTES`]). With
/// `forward`, plain files are not hashed here: their slices go there (see
/// [`handler::load_sources`](super::handler::load_sources)).
pub async fn read_files(
    files: &[(String, File)],
    zip: crate::protocol::ZipLimits,
    slice_bytes: u32,
    progress: &mut dyn FnMut(&Progress),
    mut forward: Option<Forward<'_>>,
) -> Result<lakehouse_pipeline::Lakehouse, UserMessage> {
    let total = files.iter().map(|(_, f)| f.size() as u64).sum();
    let mut loading = Loading::new(total, zip, forward.is_some(), progress);
    let mut plain = 0;
    for entry @ (path, file) in files {
        if hashed_apart(path) {
            let to = forward.as_mut().map(|f| (plain, f));
            read_plain(&mut loading, path, file, slice_bytes, to).await?;
            plain += 1;
        } else {
            for mut source in file_sources(std::slice::from_ref(entry))? {
                loading.read_source(source.as_mut())?;
            }
        }
    }
    loading.finish()
}

/// The second worker a load streams its plain files' slices to (each
/// slice's buffer transferred, not copied, once decoded here): their
/// SHA-256 for `manifest.json` is taken on the other core, and no file is
/// read twice. Messages wait in `waiting` until it says `Ready` (then
/// `None`: posted at once).
struct Hasher {
    worker: Worker,
    waiting: Waiting,
    _onmessage: Closure<dyn FnMut(MessageEvent)>,
    _onerror: Closure<dyn FnMut(ErrorEvent)>,
}

/// Messages for a hasher that has not said `Ready` yet: each with the
/// buffers it transfers.
type Waiting = Rc<RefCell<Option<Vec<(js_sys::Array, js_sys::Array)>>>>;

thread_local! {
    /// The hasher of the last load, until it answers.
    static HASHER: RefCell<Option<Hasher>> = const { RefCell::new(None) };
    /// What an ended hasher's events go to: they are dropped, and its
    /// errors cancelled. An event can already be queued when the hasher is
    /// ended (a load that fails at once ends it while its script loads, and
    /// the aborted load is an error): without this it reached a dropped
    /// listener, or went on to this worker's scope and the page, which
    /// then said the processing worker had stopped. Made once, never freed.
    static IGNORE: js_sys::Function = Closure::<dyn FnMut(web_sys::Event)>::new(
        |event: web_sys::Event| event.prevent_default(),
    )
    .into_js_value()
    .unchecked_into();
}

/// The script a hasher runs (beside this worker's in dist/): it loads this
/// worker's code, instantiated from the module [`start_hasher`] sends it
/// first, so that the hasher compiles nothing.
const HASHER_SCRIPT: &str = "./hasher_loader.js";

/// Ends the hasher, if one runs: later events from it are ignored
/// ([`IGNORE`]); its listeners are dropped after this task (they may be the
/// caller).
pub fn end_hasher() {
    if let Some(hasher) = HASHER.with(|h| h.borrow_mut().take()) {
        IGNORE.with(|ignore| {
            hasher.worker.set_onmessage(Some(ignore));
            hasher.worker.set_onerror(Some(ignore));
        });
        hasher.worker.terminate();
        wasm_bindgen_futures::spawn_local(async move { drop(hasher) });
    }
}

/// Whether a hasher runs (it has not answered, failed or been ended).
pub fn hasher_running() -> bool {
    HASHER.with(|h| h.borrow().is_some())
}

/// Starts the hasher of load `tag`, running `script` (the app's is
/// [`HASHER_SCRIPT`]), and sends it this worker's compiled module as its
/// first message: its hashes go to the session. Whether it started (if
/// not, the load hashes its files itself).
///
/// The module is shared, not compiled again. The hasher used to load this
/// worker's wasm by URL and compile all of it while the page, this worker
/// and the hasher shared two cores at the start of a load.
pub fn start_hasher(tag: u64, script: &str) -> bool {
    end_hasher();
    let Ok(worker) = Worker::new(script) else {
        return false;
    };
    if worker.post_message(&wasm_bindgen::module()).is_err() {
        worker.terminate();
        return false;
    }
    let waiting: Waiting = Rc::new(RefCell::new(Some(Vec::new())));
    let (sender, queue) = (worker.clone(), waiting.clone());
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let data = js_sys::Array::from(&event.data());
        let text = data.get(0).as_string().unwrap_or_default();
        match serde_json::from_str::<Response>(&text) {
            Ok(Response::Ready) => {
                for (message, transfer) in queue.take().unwrap_or_default() {
                    let _ = sender.post_message_with_transfer(&message, &transfer);
                }
            }
            Ok(Response::Hashed { hashes }) => {
                with_session(|s| s.set_hashes(tag, hashes));
                end_hasher();
            }
            // Any failure: the session hashes the files itself when an
            // output first needs them.
            _ => end_hasher(),
        }
    });
    let onerror = Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
        event.prevent_default();
        end_hasher();
    });
    worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
    HASHER.with(|h| {
        *h.borrow_mut() = Some(Hasher {
            worker,
            waiting,
            _onmessage: onmessage,
            _onerror: onerror,
        })
    });
    true
}

/// Sends the hasher `request`, with `bytes` (their buffer transferred).
fn to_hasher(request: &Request, bytes: Option<&js_sys::Uint8Array>) {
    let Ok(text) = serde_json::to_string(request) else {
        return;
    };
    HASHER.with(|h| {
        let h = h.borrow();
        let Some(hasher) = h.as_ref() else {
            return;
        };
        let message = js_sys::Array::of1(&JsValue::from_str(&text));
        let transfer = js_sys::Array::new();
        if let Some(bytes) = bytes {
            message.push(bytes);
            transfer.push(&bytes.buffer());
        }
        match hasher.waiting.borrow_mut().as_mut() {
            Some(waiting) => waiting.push((message, transfer)),
            None => {
                let _ = hasher
                    .worker
                    .post_message_with_transfer(&message, &transfer);
            }
        }
    });
}

/// Answers a load of the posted files ([`read_files`]), their SHA-256
/// taken by a [`Hasher`]; the session then holds the lakehouse.
async fn load_files(request: Request, data: js_sys::Array) -> Reply {
    static NEXT_TAG: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let Request::LoadFiles { paths, zip } = request else {
        return failed("Bad request", "not a load of files");
    };
    let files = posted_files(&paths, &data);
    let sources = match file_sources(&files) {
        Ok(sources) => sources,
        Err(message) => return Response::Failed(message).into(),
    };
    let tag = NEXT_TAG.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let apart = files.iter().any(|(p, _)| hashed_apart(p)) && start_hasher(tag, HASHER_SCRIPT);
    let mut progress = |p: &Progress| post(&Response::Progress(p.clone()));
    let mut forward = |file: u32, bytes: &js_sys::Uint8Array, last: bool| {
        to_hasher(&Request::HashChunk { file, last }, Some(bytes));
    };
    let sink: Option<Forward<'_>> = if apart { Some(&mut forward) } else { None };
    let built = read_files(&files, zip, SLICE_BYTES, &mut progress, sink).await;
    if apart && built.is_ok() {
        to_hasher(&Request::HashDone, None);
    } else {
        end_hasher();
    }
    with_session(|s| s.files_loaded(built, apart.then_some(tag), sources))
}

/// Lets the session answer a request, with the bytes posted beside a
/// [`Request::HashChunk`]'s JSON.
fn respond(request: Request, data: &js_sys::Array) -> Reply {
    let mut sources: Vec<Box<dyn Source>> = Vec::new();
    if let (Request::HashChunk { .. }, Ok(bytes)) =
        (&request, data.get(1).dyn_into::<js_sys::Uint8Array>())
    {
        sources.push(Box::new(super::handler::BytesSource {
            path: String::new(),
            bytes: bytes.to_vec(),
        }));
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
            // Files are read asynchronously (see `read_plain`).
            Ok(request @ Request::LoadFiles { .. }) => {
                wasm_bindgen_futures::spawn_local(async move {
                    answer(load_files(request, data).await);
                });
            }
            // A hasher's chunk is answered only if it failed.
            Ok(request @ Request::HashChunk { .. }) => {
                let reply = respond(request, &data);
                if matches!(reply.response, Response::Failed(_)) {
                    answer(reply);
                }
            }
            Ok(request) => answer(respond(request, &data)),
            Err(reply) => answer(reply),
        }
    });
    scope().set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    post(&Response::Ready);
}
