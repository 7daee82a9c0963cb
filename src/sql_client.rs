//! The page's side of the SQL worker: started when the SQL console opens
//! (its wasm is fetched only then), one at a time; requests sent before it
//! listens wait, and a running query is cancelled by terminating it.

use crate::sql_protocol::{SqlRequest, SqlResponse};

/// An answer from the SQL worker, with a file's bytes for
/// [`SqlResponse::File`] (offered to the user as a download here).
pub type OnSqlResponse = Box<dyn Fn(SqlResponse)>;

#[cfg(target_arch = "wasm32")]
mod imp {
    use std::cell::RefCell;

    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::*;
    use web_sys::{ErrorEvent, MessageEvent, Worker};

    use super::{OnSqlResponse, SqlRequest, SqlResponse};

    struct Client {
        worker: Worker,
        started: bool,
        pending: Vec<String>,
        _onmessage: Closure<dyn FnMut(MessageEvent)>,
        _onerror: Closure<dyn FnMut(ErrorEvent)>,
    }

    thread_local! {
        static CLIENT: RefCell<Option<Client>> = const { RefCell::new(None) };
    }

    pub(super) fn start(on_response: OnSqlResponse) -> Result<(), String> {
        stop();
        let worker = Worker::new("./sql_worker_loader.js").map_err(|e| format!("{e:?}"))?;
        let on_response = std::rc::Rc::new(on_response);
        let on_error = on_response.clone();
        let onerror = Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
            event.prevent_default();
            stop();
            let message = event.message();
            on_error(SqlResponse::Failed {
                message: format!(
                    "The SQL worker stopped ({}). A query whose answer does not fit in the tab's 4 GB stops it; \
                     add a LIMIT or aggregate, then run it again.",
                    if message.is_empty() {
                        "unknown error"
                    } else {
                        message.as_str()
                    }
                ),
            });
        });
        worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
        let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let data = js_sys::Array::from(&event.data());
            let Some(response) = data
                .get(0)
                .as_string()
                .and_then(|text| serde_json::from_str::<SqlResponse>(&text).ok())
            else {
                return;
            };
            match &response {
                SqlResponse::Started => {
                    CLIENT.with(|c| {
                        if let Some(client) = c.borrow_mut().as_mut() {
                            client.started = true;
                            for text in client.pending.drain(..) {
                                let _ = client.worker.post_message(&JsValue::from_str(&text));
                            }
                        }
                    });
                    return;
                }
                SqlResponse::File { file_name, .. } => {
                    if let Ok(bytes) = data.get(1).dyn_into::<js_sys::Uint8Array>() {
                        let mime = if file_name.ends_with(".csv") {
                            "text/csv"
                        } else {
                            "application/vnd.apache.parquet"
                        };
                        crate::client::save_bytes(file_name, mime, &bytes);
                    }
                }
                _ => {}
            }
            on_response(response);
        });
        worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
        CLIENT.with(|c| {
            *c.borrow_mut() = Some(Client {
                worker,
                started: false,
                pending: Vec::new(),
                _onmessage: onmessage,
                _onerror: onerror,
            })
        });
        Ok(())
    }

    pub(super) fn send(request: &SqlRequest) -> Result<(), String> {
        let text = serde_json::to_string(request).map_err(|e| e.to_string())?;
        CLIENT.with(|c| match c.borrow_mut().as_mut() {
            Some(client) if client.started => client
                .worker
                .post_message(&JsValue::from_str(&text))
                .map_err(|e| format!("{e:?}")),
            Some(client) => {
                client.pending.push(text);
                Ok(())
            }
            None => Err("the SQL console is not started".into()),
        })
    }

    pub(super) fn stop() {
        // Dropped after this call returns (it may run inside the worker's
        // own listener).
        if let Some(client) = CLIENT.with(|c| c.borrow_mut().take()) {
            crate::client::stop_worker(&client.worker);
            wasm_bindgen_futures::spawn_local(async move { drop(client) });
        }
    }

    pub(super) fn running() -> bool {
        CLIENT.with(|c| c.borrow().is_some())
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use super::{OnSqlResponse, SqlRequest};

    pub(super) fn start(_: OnSqlResponse) -> Result<(), String> {
        Err("the SQL worker runs only in a browser".into())
    }

    pub(super) fn send(_: &SqlRequest) -> Result<(), String> {
        Err("the SQL worker runs only in a browser".into())
    }

    pub(super) fn stop() {}

    pub(super) fn running() -> bool {
        false
    }
}

/// Starts a SQL worker (ending any running one); its answers go to
/// `on_response`.
pub fn start(on_response: OnSqlResponse) -> Result<(), String> {
    imp::start(on_response)
}

/// Sends `request` to the SQL worker (queued until it listens).
pub fn send(request: &SqlRequest) -> Result<(), String> {
    imp::send(request)
}

/// Ends the SQL worker and whatever it is running.
pub fn stop() {
    imp::stop();
}

/// Whether a SQL worker is started.
pub fn running() -> bool {
    imp::running()
}
