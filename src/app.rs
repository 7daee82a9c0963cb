//! The page: loading (drop zone, file, folder and zip pickers, demo data),
//! progress with cancel, errors, and the results (KPI cards, the filter bar
//! and charts, the bronze accounting, the tables built, data quality and
//! rejected rows).
//!
//! Components only render view models; the worker computes them. One file
//! per part of the page: `loader`, `url` (the view in the URL),
//! `downloads`, `dashboard`, `medallion` and `explorer`.

pub mod dashboard;
pub mod downloads;
pub mod explorer;
pub mod loader;
pub mod medallion;
pub mod url;

use std::sync::Arc;

use leptos::ev;
use leptos::prelude::*;
use web_sys::File;

use crate::client;
use crate::protocol::{Filter, PatientTimeline, Progress, Request, Response, Summary};
use crate::protocol::{TablePage, UserMessage, View, ZipLimits};
pub use dashboard::dashboard_charts;

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
    let (initial_filter, initial_demo) = url::url_state();
    let (note, set_note) = signal(String::new());
    let filter = RwSignal::new(initial_filter);
    let view_model = RwSignal::new(None::<View>);
    let explorer = RwSignal::new(None::<TablePage>);
    let timeline = RwSignal::new(None::<PatientTimeline>);
    let demo = RwSignal::new(initial_demo);
    let refilter = move || {
        let current = filter.get_untracked();
        if matches!(phase.get_untracked(), Phase::Ready(_))
            && let Err(error) = client::request(&Request::Filter(Box::new(current)))
        {
            set_note.set(error);
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
                view_model.set(Some(summary.view.clone()));
                set_phase.set(Phase::Ready(Arc::new(*summary)));
                if !filter.get_untracked().is_empty() {
                    refilter();
                }
            }
            // A late answer to an older filter is dropped.
            Response::Filtered(view) if view.filter == filter.get_untracked() => {
                view_model.set(Some(*view))
            }
            Response::Filtered(_) => {}
            Response::Table(page) => explorer.set(Some(*page)),
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
            Response::Ready => {}
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
        url::push_url_state(&next, demo.get_untracked());
        filter.set(next);
        refilter();
    });
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
        start(
            Request::LoadDemo {
                patients: n,
                seed: lakehouse_synth::DEFAULT_SEED,
            },
            Vec::new(),
        )
    };
    // A shared demo link (`?demo=N&…`) rebuilds the same view on opening.
    if let Some(n) = initial_demo {
        load_demo(n);
    }
    let zip_limits = RwSignal::new(ZipLimits::default());
    let on_files = Callback::new(move |files: Vec<(String, File)>| {
        if files.is_empty() {
            return;
        }
        demo.set(None);
        url::push_url_state(&filter.get_untracked(), None);
        let (paths, files): (Vec<String>, Vec<File>) = files.into_iter().unzip();
        start(
            Request::LoadFiles {
                paths,
                zip: zip_limits.get_untracked(),
            },
            files,
        );
    });
    let on_demo = Callback::new(move |n: u64| {
        demo.set(Some(n));
        filter.set(Filter::default());
        url::push_url_state(&Filter::default(), Some(n));
        load_demo(n);
    });
    let on_error = Callback::new(move |message: UserMessage| set_phase.set(Phase::Failed(message)));
    let on_cancel = Callback::new(move |()| {
        client::cancel();
        set_phase.set(Phase::Idle);
    });

    view! {
        <header class="top">
            <h1>"Synthea Lakehouse"</h1>
            <p class="lead">"Drop a Synthea CSV export and get a bronze, silver and gold lakehouse with a dashboard."</p>
            <p class="privacy" data-testid="privacy-note">
                "Everything runs in this browser tab: your files are never uploaded."
            </p>
        </header>
        <main>
            <loader::Loader
                patients=initial_demo.unwrap_or(1000)
                on_files=on_files
                on_demo=on_demo
                on_error=on_error
                zip_limits=zip_limits
            />
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
                    <dashboard::Results summary=summary filter=filter view=view_model apply=apply />
                    <explorer::TableExplorer page=explorer timeline=timeline note=set_note />
                }
                .into_any(),
            }}
        </main>
    }
}
