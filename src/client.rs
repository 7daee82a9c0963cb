//! The page's side of the worker: spawns it, sends one request at a time,
//! forwards responses, and cancels by terminating it (a busy worker cannot
//! read messages, so termination is the only prompt cancel).

use crate::protocol::{Request, Response, UserMessage};

/// The failure shown when the worker stopped on an error it could not catch.
/// In practice that is a WebAssembly trap from running out of memory: a tab's
/// WebAssembly memory cannot pass 4 GB, and the pipeline needs about 1.0-1.3
/// bytes of it per byte of CSV (docs/benchmarks.md).
pub fn worker_stopped(error: &str) -> Response {
    Response::Failed(UserMessage {
        title: "The processing worker stopped".into(),
        detail: format!(
            "{}. This usually means the tab ran out of memory: a tab works within 4 GB, and 1 GB of Synthea CSV takes about 1.1 GB of it.",
            if error.is_empty() {
                "unknown error"
            } else {
                error
            }
        ),
        hint: Some(
            "Load fewer files (or a smaller export), or run the `lakehouse` command-line tool, \
             which has no such limit: `lakehouse run FOLDER --out OUT`."
                .into(),
        ),
    })
}

/// Stops `worker` for good: terminated, and its handlers unset. A message
/// it posted just before it stopped may still be queued on this thread;
/// with no handler it is let go, rather than sent to closures about to be
/// dropped (which threw "closure invoked recursively or after being
/// dropped").
pub fn stop_worker(worker: &web_sys::Worker) {
    worker.terminate();
    worker.set_onmessage(None);
    worker.set_onerror(None);
}

/// Offers `blob` to the user as a file (a temporary object URL on an `<a
/// download>`).
pub fn save_blob(file_name: &str, blob: &web_sys::Blob) {
    use wasm_bindgen::JsCast;
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(blob) else {
        return;
    };
    if let Ok(anchor) = document.create_element("a").and_then(|a| {
        a.dyn_into::<web_sys::HtmlAnchorElement>()
            .map_err(Into::into)
    }) {
        anchor.set_href(&url);
        anchor.set_download(file_name);
        anchor.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// Runs `f` in a task of its own, next in line: a message through a fresh
/// `MessageChannel` (messages run in the order they were posted). Unlike
/// `setTimeout` it has no minimum delay: with timeouts a millisecond apart
/// the chart groups' redraw waited about 20 ms at 1M encounters.
pub fn next_task(f: impl FnOnce() + 'static) {
    use wasm_bindgen::JsCast;
    // Runs `f` at most once, from whichever path gets there.
    let task = std::rc::Rc::new(std::cell::Cell::new(Some(f)));
    let run = move || {
        if let Some(f) = task.take() {
            f();
        }
    };
    let Ok(channel) = web_sys::MessageChannel::new() else {
        return run();
    };
    let on_message = {
        let run = run.clone();
        wasm_bindgen::closure::Closure::once_into_js(move |_: web_sys::MessageEvent| run())
    };
    channel
        .port1()
        .set_onmessage(Some(on_message.unchecked_ref()));
    if channel
        .port2()
        .post_message(&wasm_bindgen::JsValue::NULL)
        .is_err()
    {
        run();
    }
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use std::cell::RefCell;

    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::*;
    use web_sys::{ErrorEvent, File, MessageEvent, Worker};

    use super::{Request, Response, worker_stopped};

    struct Client {
        worker: Worker,
        ready: bool,
        pending: Option<js_sys::Array>,
        _onmessage: Closure<dyn FnMut(MessageEvent)>,
        _onerror: Closure<dyn FnMut(ErrorEvent)>,
    }

    /// A worker started ahead of need (see [`super::prewarm`]): whether it
    /// said `Ready`, and its listener until then.
    struct Spare {
        worker: Worker,
        ready: std::rc::Rc<std::cell::Cell<bool>>,
        _onmessage: Closure<dyn FnMut(MessageEvent)>,
        _onerror: Closure<dyn FnMut(ErrorEvent)>,
    }

    thread_local! {
        static CLIENT: RefCell<Option<Client>> = const { RefCell::new(None) };
        static SPARE: RefCell<Option<Spare>> = const { RefCell::new(None) };
    }

    /// A pipeline worker, starting (`public/worker_loader.js`).
    fn new_worker() -> Result<Worker, String> {
        Worker::new("./worker_loader.js").map_err(|e| format!("{e:?}"))
    }

    pub(super) fn prewarm() {
        if SPARE.with(|s| s.borrow().is_some()) {
            return;
        }
        let Ok(worker) = new_worker() else {
            return;
        };
        let ready = std::rc::Rc::new(std::cell::Cell::new(false));
        let said = ready.clone();
        let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if decode(&event) == Some(Response::Ready) {
                said.set(true);
            }
        });
        worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
        // A spare that failed to start is dropped: the next request starts
        // a worker of its own, and reports its error.
        let onerror = Closure::<dyn FnMut(ErrorEvent)>::new(move |_: ErrorEvent| {
            if let Some(spare) = SPARE.with(|s| s.borrow_mut().take()) {
                super::stop_worker(&spare.worker);
                // Dropped after this call returns, not inside it.
                wasm_bindgen_futures::spawn_local(async move { drop(spare) });
            }
        });
        worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
        SPARE.with(|s| {
            *s.borrow_mut() = Some(Spare {
                worker,
                ready,
                _onmessage: onmessage,
                _onerror: onerror,
            })
        });
    }

    fn spawn(on_response: impl Fn(Response) + 'static) -> Result<(), String> {
        // The spare, when there is one: its wasm is already compiled.
        let (worker, ready) = match SPARE.with(|s| s.borrow_mut().take()) {
            Some(spare) => (spare.worker, spare.ready.get()),
            None => (new_worker()?, false),
        };
        let on_response = std::rc::Rc::new(on_response);
        // An error the worker did not catch (a WebAssembly trap, such as
        // running out of memory) stops it for good: without this the page
        // would wait for an answer that never comes.
        let on_error = on_response.clone();
        let onerror = Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
            event.prevent_default();
            // Terminated but kept: this closure belongs to the client, which
            // the next request replaces.
            CLIENT.with(|c| {
                if let Some(client) = c.borrow().as_ref() {
                    client.worker.terminate();
                }
            });
            on_error(worker_stopped(&event.message()));
        });
        worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
        let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let Some(response) = decode(&event) else {
                return;
            };
            if response == Response::Ready {
                CLIENT.with(|c| {
                    if let Some(client) = c.borrow_mut().as_mut() {
                        client.ready = true;
                    }
                });
                post_pending();
                return;
            }
            on_response(response);
        });
        worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
        CLIENT.with(|c| {
            *c.borrow_mut() = Some(Client {
                worker,
                ready,
                pending: None,
                _onmessage: onmessage,
                _onerror: onerror,
            })
        });
        Ok(())
    }

    pub(super) fn send(
        request: &Request,
        files: Vec<File>,
        on_response: impl Fn(Response) + 'static,
    ) -> Result<(), String> {
        cancel();
        spawn(on_response)?;
        let message = js_sys::Array::new();
        message.push(&JsValue::from_str(
            &serde_json::to_string(request).map_err(|e| e.to_string())?,
        ));
        for file in files {
            message.push(&file);
        }
        // Posted once the worker is ready: when it says so, or, if it
        // already has, in the next task. Cloning the chosen files into the
        // message took 13-19 ms of the main thread in traces (18 files): not
        // in the task that draws the progress line (docs/benchmarks.md, "the
        // main thread"). A cancel before then posts nothing.
        let ready = CLIENT.with(|c| {
            c.borrow_mut().as_mut().is_some_and(|client| {
                client.pending = Some(message);
                client.ready
            })
        });
        if ready {
            super::next_task(post_pending);
        }
        Ok(())
    }

    /// Posts the current worker's pending request, if it has one.
    fn post_pending() {
        CLIENT.with(|c| {
            if let Some(client) = c.borrow_mut().as_mut()
                && let Some(message) = client.pending.take()
            {
                let _ = client.worker.post_message(&message);
            }
        });
    }

    /// A worker's message, `[json]` or `[json, bytes]`; a download's bytes
    /// are offered to the user as a file here.
    fn decode(event: &MessageEvent) -> Option<Response> {
        let data = js_sys::Array::from(&event.data());
        let response = serde_json::from_str::<Response>(&data.get(0).as_string()?).ok()?;
        if let Response::Download(download) = &response
            && let Ok(bytes) = data.get(1).dyn_into::<js_sys::Uint8Array>()
        {
            save(&download.file_name, &download.mime, &bytes);
        }
        Some(response)
    }

    /// A worker answering one storage request: its key, the worker and
    /// its listener (kept alive until the answer).
    type StorageWorker = (u32, Worker, Closure<dyn FnMut(MessageEvent)>);

    thread_local! {
        /// Workers answering one storage request each, until they answer.
        static STORAGE: RefCell<Vec<StorageWorker>> = const { RefCell::new(Vec::new()) };
    }

    /// Answers `request` (a [`Request::is_storage`] one) in a worker of its
    /// own, ended after its answer: the lakehouse on screen stays loaded in
    /// the main worker.
    pub(super) fn storage(
        request: &Request,
        on_response: impl Fn(Response) + 'static,
    ) -> Result<(), String> {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let key = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let worker = new_worker()?;
        let text = serde_json::to_string(request).map_err(|e| e.to_string())?;
        let sender = worker.clone();
        let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            match decode(&event) {
                Some(Response::Ready) => {
                    let _ = sender.post_message(&js_sys::Array::of1(&JsValue::from_str(&text)));
                }
                Some(Response::Progress(_)) | None => {}
                Some(response) => {
                    super::stop_worker(&sender);
                    // Dropped after this call returns, not inside it.
                    wasm_bindgen_futures::spawn_local(async move {
                        STORAGE.with(|s| s.borrow_mut().retain(|(k, _, _)| *k != key));
                    });
                    on_response(response);
                }
            }
        });
        worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
        STORAGE.with(|s| s.borrow_mut().push((key, worker, onmessage)));
        Ok(())
    }

    /// Offers `bytes` to the user as a file.
    pub(super) fn save(file_name: &str, mime: &str, bytes: &js_sys::Uint8Array) {
        let parts = js_sys::Array::of1(bytes);
        let options = web_sys::BlobPropertyBag::new();
        options.set_type(mime);
        if let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options) {
            super::save_blob(file_name, &blob);
        }
    }

    /// Sends `request` to the running worker (which keeps the last lakehouse).
    pub(super) fn request(request: &Request) -> Result<(), String> {
        let message = js_sys::Array::new();
        message.push(&JsValue::from_str(
            &serde_json::to_string(request).map_err(|e| e.to_string())?,
        ));
        CLIENT.with(|c| match c.borrow().as_ref() {
            Some(client) if client.ready => client
                .worker
                .post_message(&message)
                .map_err(|e| format!("{e:?}")),
            _ => Err("no lakehouse is loaded".to_string()),
        })
    }

    pub(super) fn cancel() {
        CLIENT.with(|c| {
            if let Some(client) = c.borrow_mut().take() {
                super::stop_worker(&client.worker);
            }
        });
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use super::{Request, Response};

    pub(super) fn send(
        _: &Request,
        _: Vec<web_sys::File>,
        _: impl Fn(Response) + 'static,
    ) -> Result<(), String> {
        Err("the worker runs only in a browser".into())
    }

    pub(super) fn request(_: &Request) -> Result<(), String> {
        Err("the worker runs only in a browser".into())
    }

    pub(super) fn cancel() {}

    pub(super) fn prewarm() {}

    pub(super) fn storage(_: &Request, _: impl Fn(Response) + 'static) -> Result<(), String> {
        Err("the browser's storage is only in a browser".into())
    }
}

/// Starts `request` in a fresh worker (ending any running one); responses go to `on_response`.
pub fn send(
    request: &Request,
    files: Vec<web_sys::File>,
    on_response: impl Fn(Response) + 'static,
) -> Result<(), String> {
    imp::send(request, files, on_response)
}

/// Sends `request` to the worker that built the current lakehouse
/// (responses go to the callback given to [`send`]).
pub fn request(request: &Request) -> Result<(), String> {
    imp::request(request)
}

/// Answers a storage request (list, rename, delete or download saved
/// lakehouses) in a short-lived worker of its own, so that the lakehouse
/// on screen stays loaded.
pub fn storage(request: &Request, on_response: impl Fn(Response) + 'static) -> Result<(), String> {
    imp::storage(request, on_response)
}

/// Starts a worker before it is needed, so that the next load or open
/// does not wait for its WebAssembly to be fetched and compiled (about
/// 100 ms); [`send`] takes it. An idle worker holds no lakehouse.
pub fn prewarm() {
    imp::prewarm();
}

/// Stops the running work, if any.
pub fn cancel() {
    imp::cancel();
}

/// Offers `bytes` to the user as a file of type `mime` (a worker's
/// download: the pipeline worker's exports, the SQL worker's answers).
#[cfg(target_arch = "wasm32")]
pub fn save_bytes(file_name: &str, mime: &str, bytes: &js_sys::Uint8Array) {
    imp::save(file_name, mime, bytes);
}
