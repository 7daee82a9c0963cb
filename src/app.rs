//! The page: loading (drop zone, file, folder and zip pickers, demo data),
//! progress with cancel, errors, and the results (KPI cards, the filter bar
//! and charts, the bronze accounting, the tables built, data quality and
//! rejected rows) and the SQL console.
//!
//! Components only render view models; the worker computes them. One file
//! per part of the page: `loader`, `url` (the view in the URL),
//! `downloads`, `dashboard`, `medallion`, `explorer`, `workspace` and `sql`.

pub mod chart_export;
pub mod dashboard;
pub mod downloads;
pub mod explorer;
pub mod loader;
pub mod medallion;
pub mod sql;
pub mod url;
pub mod workspace;

use std::sync::Arc;

use leptos::ev;
use leptos::prelude::*;
use web_sys::File;

use crate::client;
use crate::protocol::{Filter, PatientTimeline, Progress, Request, Response, Summary};
use crate::protocol::{SavedLakehouse, TablePage, UserMessage, View, ZipLimits};
pub use dashboard::dashboard_charts;
use url::Origin;
use workspace::SaveState;

/// Runs `redraw`, which may replace the focused element with a new one
/// (a chart's table, the explorer's page), then gives the focus back to
/// the element that now carries the same `data-testid` (and `data-key`),
/// so that a keyboard user stays where they were instead of at the top of
/// the page.
fn keeping_focus(redraw: impl FnOnce()) {
    let document = web_sys::window().and_then(|w| w.document());
    let focused = document
        .as_ref()
        .and_then(|d| d.active_element())
        .and_then(|e| {
            let id = e.get_attribute("data-testid")?;
            let selector = match e.get_attribute("data-key") {
                Some(key) => {
                    let key = key.replace('\\', "\\\\").replace('"', "\\\"");
                    format!("[data-testid=\"{id}\"][data-key=\"{key}\"]")
                }
                None => format!("[data-testid=\"{id}\"]"),
            };
            Some((e, selector))
        });
    redraw();
    if let Some((before, selector)) = focused {
        restore_focus(before, selector, 120);
    }
}

/// Checks once a frame, for up to `frames` frames (the dashboard redraws
/// chart groups in later tasks), whether the focus fell to the page; if so,
/// focuses the element matching `selector`. Stops as soon as the focus is
/// elsewhere than `before` or the page.
fn restore_focus(before: web_sys::Element, selector: String, frames: u32) {
    request_animation_frame(move || {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let active = document.active_element();
        let lost = active
            .as_ref()
            .is_none_or(|e| e.tag_name().eq_ignore_ascii_case("body"));
        if lost {
            let again = document
                .query_selector(&selector)
                .ok()
                .flatten()
                .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok());
            if let Some(again) = again {
                let _ = again.focus();
                return;
            }
        } else if active.as_ref() != Some(&before) {
            // The user moved on.
            return;
        }
        if frames > 0 {
            restore_focus(before, selector, frames - 1);
        }
    });
}

/// What the page is doing.
#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    /// Nothing loaded yet.
    Idle,
    /// The worker is building the lakehouse.
    Working(Progress),
    /// The lakehouse is built.
    Ready(Arc<Summary>),
    /// It could not be built.
    Failed(UserMessage),
}

/// The application root: wires the loader, the worker's answers, the
/// filter (kept in the URL) and the results together. Its length is the
/// view itself (header, loader, one arm per phase) and the one handler of
/// the worker's responses; the parts it places are components of their own.
#[component]
pub fn App() -> impl IntoView {
    let (phase, set_phase) = signal(Phase::Idle);
    let (initial_filter, initial_origin) = url::url_state();
    let (note, set_note) = signal(String::new());
    let filter = RwSignal::new(initial_filter);
    let view_model = RwSignal::new(None::<View>);
    let explorer = RwSignal::new(None::<TablePage>);
    let timeline = RwSignal::new(None::<PatientTimeline>);
    let origin = RwSignal::new(initial_origin.clone());
    let save_state = RwSignal::new(SaveState::Unsaved(String::new()));
    let saved_list = RwSignal::new(None::<Vec<SavedLakehouse>>);
    // Where the next load comes from, for its save: files are saved as
    // soon as they are loaded, demo data when the user asks.
    let loading = RwSignal::new((String::new(), false));
    let refilter = move || {
        let current = filter.get_untracked();
        if matches!(phase.get_untracked(), Phase::Ready(_))
            && let Err(error) = client::request(&Request::Filter(Box::new(current)))
        {
            set_note.set(error);
        }
    };
    // Asks the worker that holds the lakehouse to save it in the browser.
    let save_lakehouse = move |source: String| {
        save_state.set(SaveState::Saving);
        if let Err(error) = client::request(&Request::Save {
            source: source.clone(),
        }) {
            save_state.set(SaveState::Failed(
                UserMessage::new("Could not save", error),
                source,
            ));
        }
    };
    let start = move |request: Request, files: Vec<File>| {
        set_phase.set(Phase::Working(Progress::default()));
        view_model.set(None);
        explorer.set(None);
        timeline.set(None);
        let result = client::send(&request, files, move |response| match response {
            Response::Progress(p) => set_phase.set(Phase::Working(p)),
            Response::Loaded(summary) => {
                let (source, save) = loading.get_untracked();
                match &summary.saved {
                    Some(saved) => {
                        save_state.set(SaveState::Saved(saved.clone()));
                        origin.set(Origin::Saved(saved.id.clone()));
                        url::set_url_state(&filter.get_untracked(), &origin.get_untracked(), false);
                    }
                    None if save => save_lakehouse(source),
                    None => save_state.set(SaveState::Unsaved(source)),
                }
                view_model.set(Some(summary.view.clone()));
                set_phase.set(Phase::Ready(Arc::new(*summary)));
                if !filter.get_untracked().is_empty() {
                    refilter();
                }
            }
            // A late answer to an older filter is dropped.
            Response::Filtered(view) if view.filter == filter.get_untracked() => {
                keeping_focus(|| view_model.set(Some(*view)))
            }
            Response::Filtered(_) => {}
            Response::Table(page) => {
                keeping_focus(|| explorer.set(Some(*page)));
                explorer::focus_if_opened();
            }
            Response::Patient(found) => timeline.set(Some(*found)),
            // After a build, a failed request (a preview, a download) is a
            // note; the lakehouse stays on screen.
            Response::Failed(message) if matches!(phase.get_untracked(), Phase::Ready(_)) => {
                set_note.set(format!("{}: {}", message.title, message.detail))
            }
            Response::Failed(message) => set_phase.set(Phase::Failed(message)),
            Response::Download(download) => set_note.set(format!(
                "Saved {} ({}).",
                download.file_name,
                crate::state::format_bytes(download.bytes)
            )),
            Response::Saved(saved) => {
                origin.set(Origin::Saved(saved.id.clone()));
                // The load's history entry now names its saved lakehouse.
                url::set_url_state(&filter.get_untracked(), &origin.get_untracked(), false);
                save_state.set(SaveState::Saved(saved));
                workspace::storage_request(
                    Request::ListSaved,
                    saved_list,
                    RwSignal::new(String::new()),
                    None,
                );
                leptos::task::spawn_local(async {
                    workspace::ask_to_persist().await;
                });
            }
            Response::SaveFailed(message) => {
                save_state.set(SaveState::Failed(message, loading.get_untracked().0))
            }
            // The list comes from storage workers (`workspace::storage_request`),
            // never from this one; hashes go from worker to worker.
            Response::Workspace { .. } | Response::Ready | Response::Hashed { .. } => {}
        });
        if let Err(detail) = result {
            set_phase.set(Phase::Failed(UserMessage::new(
                "Could not start the worker",
                detail,
            )));
        }
    };
    let apply = Callback::new(move |next: Filter| {
        if next == filter.get_untracked() {
            return;
        }
        url::record_filter(&next, &origin.get_untracked());
        filter.set(next);
        refilter();
    });
    let focus = window_event_listener(ev::focusin, move |_| url::focus_moved());
    on_cleanup(move || focus.remove());
    // Back and forward restore the filter of that history entry.
    let popstate = window_event_listener(ev::popstate, move |_| {
        let (next, _) = url::url_state();
        if next != filter.get_untracked() {
            filter.set(next);
            refilter();
        }
    });
    on_cleanup(move || popstate.remove());
    let load_demo = move |n: u64| {
        loading.set((format!("Demo data ({n} patients)"), false));
        start(
            Request::LoadDemo {
                patients: n,
                seed: lakehouse_synth::DEFAULT_SEED,
            },
            Vec::new(),
        )
    };
    let open_saved = move |id: String| {
        loading.set((String::new(), false));
        start(Request::OpenSaved { id }, Vec::new());
    };
    // A shared demo link (`?demo=N&…`) rebuilds the same view on opening;
    // a bookmark of a saved lakehouse (`?lakehouse=…`) reopens it.
    // Otherwise the landing page starts a worker ahead of the user's files
    // or click (its WebAssembly compiled while they choose).
    match initial_origin.clone() {
        Origin::Demo(n) => load_demo(n),
        Origin::Saved(id) => open_saved(id),
        Origin::Files => client::prewarm(),
    }
    let on_open = Callback::new(move |id: String| {
        filter.set(Filter::default());
        origin.set(Origin::Saved(id.clone()));
        url::push_url_state(&Filter::default(), &origin.get_untracked());
        open_saved(id);
    });
    let on_save = Callback::new(move |source: String| {
        loading.set((source.clone(), true));
        save_lakehouse(source);
    });
    let zip_limits = RwSignal::new(ZipLimits::default());
    let on_files = Callback::new(move |files: Vec<(String, File)>| {
        if files.is_empty() {
            return;
        }
        origin.set(Origin::Files);
        url::push_url_state(&filter.get_untracked(), &Origin::Files);
        let (paths, files): (Vec<String>, Vec<File>) = files.into_iter().unzip();
        loading.set((crate::state::describe_source(&paths), true));
        start(
            Request::LoadFiles {
                paths,
                zip: zip_limits.get_untracked(),
            },
            files,
        );
    });
    let on_demo = Callback::new(move |n: u64| {
        origin.set(Origin::Demo(n));
        filter.set(Filter::default());
        url::push_url_state(&Filter::default(), &Origin::Demo(n));
        load_demo(n);
    });
    let on_error = Callback::new(move |message: UserMessage| set_phase.set(Phase::Failed(message)));
    let on_cancel = Callback::new(move |()| {
        client::cancel();
        set_phase.set(Phase::Idle);
    });

    let ready = Memo::new(move |_| matches!(phase.get(), Phase::Ready(_)));
    let current_saved = Signal::derive(move || match (ready.get(), save_state.get()) {
        (true, SaveState::Saved(saved)) => Some(saved.id),
        _ => None,
    });
    view! {
        <header class="top">
            <h1>"Synthea Lakehouse"</h1>
            // Once a lakehouse is on screen, the dashboard needs the room.
            <p class="lead" class:folded=move || ready.get()>
                "Drop a Synthea CSV export and get a bronze, silver and gold lakehouse with a dashboard."
            </p>
            <p class="privacy" data-testid="privacy-note">
                "Everything runs in this browser tab: your files are never uploaded."
            </p>
        </header>
        <main>
            // Once a lakehouse is on screen the loader folds away, so the KPI
            // cards and the first chart fit the first screen.
            <details class="load-panel" data-testid="load-panel" prop:open=move || !ready.get()>
                <summary>{move || if ready.get() { "Load other data" } else { "Load data" }}</summary>
                <loader::Loader
                    patients=match initial_origin { Origin::Demo(n) => n, _ => 1000 }
                    on_files=on_files
                    on_demo=on_demo
                    on_error=on_error
                    zip_limits=zip_limits
                />
                <workspace::Workspace saved=saved_list current=current_saved on_open=on_open />
            </details>
            {move || match phase.get() {
                Phase::Idle => view! { <p class="hint">"No data loaded yet."</p> }.into_any(),
                Phase::Working(progress) => loader::progress_view(&progress, on_cancel).into_any(),
                Phase::Failed(message) => view! {
                    <section class="error" data-testid="error" role="alert">
                        <h2>{message.title.clone()}</h2>
                        <p data-testid="error-detail">{message.detail.clone()}</p>
                        {message.hint.clone().map(|h| view! { <p class="hint">{h}</p> })}
                    </section>
                }
                .into_any(),
                Phase::Ready(summary) => view! {
                    <downloads::Downloads note=note set_note=set_note />
                    <dashboard::Results summary=summary filter=filter view=view_model apply=apply save_state=save_state on_save=on_save />
                    <explorer::TableExplorer page=explorer timeline=timeline note=set_note />
                    <sql::SqlConsole lakehouse=current_saved />
                }
                .into_any(),
            }}
        </main>
    }
}
