//! The workspace: lakehouses saved in this browser (open, rename, delete,
//! download), the storage the browser gives the page, and whether the
//! lakehouse on screen is saved. The worker does the storage work
//! (`worker::storage`); list, rename, delete and download run in a
//! short-lived worker of their own (`client::storage`), so the lakehouse on
//! screen stays loaded.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::client;
use crate::protocol::{Request, Response, SavedLakehouse, UserMessage};
use crate::state::{format_bytes, format_count};

/// Whether the lakehouse on screen is saved in this browser.
#[derive(Clone, Debug, PartialEq)]
pub enum SaveState {
    /// Not saved (the demo data until the user saves it); its source.
    Unsaved(String),
    /// The worker is writing it.
    Saving,
    /// Saved (or opened from storage).
    Saved(SavedLakehouse),
    /// The save failed and kept nothing; its source, to try again.
    Failed(UserMessage, String),
}

/// How the browser's storage stands: bytes used and offered, and whether
/// saved data is kept until the user deletes it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Storage {
    usage: f64,
    quota: f64,
    persisted: bool,
}

fn storage_manager() -> Option<web_sys::StorageManager> {
    Some(web_sys::window()?.navigator().storage())
}

async fn promised(
    promise: Result<js_sys::Promise, wasm_bindgen::JsValue>,
) -> Option<wasm_bindgen::JsValue> {
    wasm_bindgen_futures::JsFuture::from(promise.ok()?)
        .await
        .ok()
}

/// `navigator.storage.estimate()` and `persisted()`.
async fn storage_now() -> Option<Storage> {
    let manager = storage_manager()?;
    // A dictionary (a plain object), so no `instanceof` check.
    let estimate: web_sys::StorageEstimate = promised(manager.estimate()).await?.unchecked_into();
    let persisted = promised(manager.persisted())
        .await
        .is_some_and(|v| v.is_truthy());
    Some(Storage {
        usage: estimate.get_usage().unwrap_or(0.0),
        quota: estimate.get_quota().unwrap_or(0.0),
        persisted,
    })
}

/// Asks the browser to keep saved lakehouses until the user deletes them
/// (`navigator.storage.persist()`); Chromium decides without a prompt.
pub async fn ask_to_persist() -> bool {
    match storage_manager() {
        Some(manager) => promised(manager.persist())
            .await
            .is_some_and(|v| v.is_truthy()),
        None => false,
    }
}

/// Asks a storage worker for `request`; a list answer goes to `saved` (and
/// `done`, what was done, to `note`), a failure to `note`.
pub fn storage_request(
    request: Request,
    saved: RwSignal<Option<Vec<SavedLakehouse>>>,
    note: RwSignal<String>,
    done: Option<String>,
) {
    let result = client::storage(&request, move |response| match response {
        Response::Workspace { saved: list } => {
            saved.set(Some(list));
            if let Some(done) = &done {
                note.set(done.clone());
            }
        }
        Response::Download(download) => note.set(format!(
            "Saved {} ({}).",
            download.file_name,
            format_bytes(download.bytes)
        )),
        Response::Failed(message) => note.set(format!(
            "{}: {}{}",
            message.title,
            message.detail,
            message.hint.map(|h| format!(" ({h})")).unwrap_or_default()
        )),
        _ => {}
    });
    if let Err(error) = result {
        note.set(error);
    }
}

/// The saved lakehouses, with the storage line, in the load panel.
#[component]
pub fn Workspace(
    /// The list (None until the first answer).
    saved: RwSignal<Option<Vec<SavedLakehouse>>>,
    /// The id of the lakehouse on screen, when it is saved.
    current: Signal<Option<String>>,
    /// Open a saved lakehouse by id.
    on_open: Callback<String>,
) -> impl IntoView {
    let note = RwSignal::new(String::new());
    let storage = RwSignal::new(None::<Storage>);
    let measure = move || {
        leptos::task::spawn_local(async move { storage.set(storage_now().await) });
    };
    // The usage changes with every save, rename and delete.
    Effect::new(move |_| {
        saved.track();
        measure();
    });
    storage_request(Request::ListSaved, saved, note, None);
    let keep = move |_| {
        leptos::task::spawn_local(async move {
            let granted = ask_to_persist().await;
            if !granted {
                note.set("The browser did not promise to keep them; it decides by how much the page is used.".into());
            }
            storage.set(storage_now().await);
        })
    };
    let storage_line = move || {
        storage.get().map(|s| {
            let kept = if s.persisted {
                "The browser keeps them until you delete them."
            } else {
                "The browser may clear them when the disk runs low."
            };
            view! {
                <p class="hint" data-testid="storage-line">
                    {format!(
                        "Using {} of the {} this browser gives the page. {kept} ",
                        format_bytes(s.usage as u64),
                        format_bytes(s.quota as u64)
                    )}
                    {(!s.persisted).then(|| view! {
                        <button type="button" data-testid="storage-persist" on:click=keep>
                            "Keep them"
                        </button>
                    })}
                </p>
            }
        })
    };
    let row = move |item: SavedLakehouse| {
        let id = item.id.clone();
        let (open_id, rename_id, delete_id, download_id) =
            (id.clone(), id.clone(), id.clone(), id.clone());
        let is_current = {
            let id = id.clone();
            move || current.get().as_deref() == Some(id.as_str())
        };
        let detail = format!(
            "{} · Synthea {} · saved {} · {} · rows: {} bronze, {} silver, {} gold",
            item.source,
            item.version,
            item.saved_at,
            format_bytes(item.bytes),
            format_count(item.bronze_rows as f64),
            format_count(item.silver_rows as f64),
            format_count(item.gold_rows as f64)
        );
        let name = item.name.clone();
        view! {
            <li class="saved-item" data-testid="saved-item" data-id=id.clone()>
                <input
                    type="text"
                    class="saved-name"
                    data-testid="saved-name"
                    aria-label="Name of this saved lakehouse (Enter renames it)"
                    maxlength="120"
                    prop:value=name
                    on:change=move |ev| {
                        let name = event_target_value(&ev);
                        let done = format!("Renamed to “{}”.", name.trim());
                        storage_request(
                            Request::RenameSaved {
                                id: rename_id.clone(),
                                name,
                            },
                            saved,
                            note,
                            Some(done),
                        )
                    }
                />
                <span class="saved-current" data-testid="saved-current" hidden=move || !is_current()>
                    "on screen"
                </span>
                <p class="saved-detail" data-testid="saved-detail">{detail}</p>
                <div class="saved-actions">
                    <button type="button" data-testid="saved-open" on:click=move |_| on_open.run(open_id.clone())>
                        "Open"
                    </button>
                    <button
                        type="button"
                        data-testid="saved-download"
                        title="Its Parquet files and manifest.json, zipped"
                        on:click=move |_| {
                            note.set("Preparing the zip…".into());
                            storage_request(
                                Request::DownloadSaved { id: download_id.clone() },
                                saved,
                                note,
                                None,
                            )
                        }
                    >
                        "Download"
                    </button>
                    <button
                        type="button"
                        data-testid="saved-delete"
                        on:click=move |_| {
                            let sure = web_sys::window()
                                .and_then(|w| {
                                    w.confirm_with_message(
                                        "Delete this saved lakehouse from the browser? Its files are removed.",
                                    )
                                    .ok()
                                })
                                .unwrap_or(false);
                            if sure {
                                storage_request(
                                    Request::DeleteSaved { id: delete_id.clone() },
                                    saved,
                                    note,
                                    Some("Deleted, with its files.".into()),
                                );
                            }
                        }
                    >
                        "Delete"
                    </button>
                </div>
            </li>
        }
    };
    view! {
        <section class="workspace" data-testid="workspace" aria-labelledby="workspace-title">
            <h2 id="workspace-title">"Saved in this browser"</h2>
            {storage_line}
            {move || match saved.get() {
                None => view! { <p class="hint">"Looking for saved lakehouses…"</p> }.into_any(),
                Some(list) if list.is_empty() => view! {
                    <p class="hint" data-testid="saved-empty">
                        "Nothing saved yet. A loaded export is saved here, in this browser only, and opens again without its CSV files."
                    </p>
                }
                .into_any(),
                Some(list) => view! {
                    <ul class="saved-list" data-testid="saved-list">
                        {list.into_iter().map(row).collect_view()}
                    </ul>
                }
                .into_any(),
            }}
            <p class="hint" data-testid="workspace-note" aria-live="polite">{move || note.get()}</p>
        </section>
    }
}

/// Whether the lakehouse on screen is saved, with a button to save it (or
/// to try again): inline, in the dashboard's header line.
#[component]
pub fn SaveStatus(state: RwSignal<SaveState>, on_save: Callback<String>) -> impl IntoView {
    move || {
        match state.get() {
        SaveState::Saving => view! {
            <span class="save-status" data-testid="save-status" data-state="saving" aria-live="polite">
                "saving in this browser…"
            </span>
        }
        .into_any(),
        SaveState::Saved(saved) => view! {
            <span
                class="save-status"
                data-testid="save-status"
                data-state="saved"
                data-id=saved.id.clone()
                title=format!("Saved as “{}”: it opens again from Load data, or from this page's address", saved.name)
                aria-live="polite"
            >
                "saved in this browser"
            </span>
        }
        .into_any(),
        SaveState::Unsaved(source) => view! {
            <span class="save-status" data-testid="save-status" data-state="unsaved">
                <button type="button" data-testid="save-lakehouse" on:click=move |_| on_save.run(source.clone())>
                    "Save in this browser"
                </button>
            </span>
        }
        .into_any(),
        SaveState::Failed(message, source) => view! {
            <span class="save-status failed" data-testid="save-status" data-state="failed" role="alert">
                {format!("{}: {}. ", message.title, message.detail)}
                {message.hint.clone().map(|h| {
                    let mut chars = h.chars();
                    let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
                    format!("{}{}. ", first.unwrap_or_default(), chars.as_str())
                })}
                <button type="button" data-testid="save-lakehouse" on:click=move |_| on_save.run(source.clone())>
                    "Try again"
                </button>
            </span>
        }
        .into_any(),
    }
    }
}
