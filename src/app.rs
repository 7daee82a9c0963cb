//! The page: loading (drop zone, file, folder and zip pickers, demo data),
//! progress with cancel, errors, and the results (KPI cards, the bronze
//! accounting, the tables built, data quality and rejected rows).
//!
//! Components only render view models; the worker computes them.

use std::sync::Arc;

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{File, FileList, HtmlInputElement};

use crate::client;
use crate::state::{format_bytes, format_count};
use crate::worker::protocol::{Progress, Request, Response, Summary, UserMessage};

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

/// The files of a picker or a drop, with their folder-relative paths.
fn files_of(list: Option<FileList>) -> Vec<(String, File)> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length())
        .filter_map(|i| list.get(i))
        .map(|file| {
            let relative = js_sys::Reflect::get(&file, &"webkitRelativePath".into())
                .ok()
                .and_then(|v| v.as_string())
                .filter(|p| !p.is_empty());
            (relative.unwrap_or_else(|| file.name()), file)
        })
        .collect()
}

/// A progress line: stage, file and bytes.
pub fn progress_text(progress: &Progress) -> String {
    let stage = match progress.stage.as_str() {
        "demo" => "Generating demo data",
        "bronze" => "Reading files (bronze)",
        "silver" => "Building the star schema (silver)",
        "gold" => "Computing metrics (gold)",
        _ => "Starting the worker",
    };
    let file = progress
        .file
        .as_deref()
        .map(|f| format!(": {f}"))
        .unwrap_or_default();
    if progress.bytes_total > 0 {
        format!(
            "{stage}{file} ({} of {})",
            format_bytes(progress.bytes_done),
            format_bytes(progress.bytes_total)
        )
    } else {
        format!("{stage}{file}")
    }
}

/// The application root.
#[component]
pub fn App() -> impl IntoView {
    let (phase, set_phase) = signal(Phase::Idle);
    let (patients, set_patients) = signal(1000u64);
    let (note, set_note) = signal(String::new());
    let start = move |request: Request, files: Vec<File>| {
        set_phase.set(Phase::Working(Progress::default()));
        let result = client::send(&request, files, move |response| match response {
            Response::Progress(p) => set_phase.set(Phase::Working(p)),
            Response::Loaded(summary) => set_phase.set(Phase::Ready(Arc::new(*summary))),
            Response::Failed(message) => set_phase.set(Phase::Failed(message)),
            Response::Download(download) => set_note.set(format!(
                "Saved {} ({}).",
                download.file_name,
                crate::state::format_bytes(download.bytes)
            )),
            Response::Ready => {}
        });
        if let Err(detail) = result {
            set_phase.set(Phase::Failed(UserMessage {
                title: "Could not start the worker".into(),
                detail,
                hint: None,
            }));
        }
    };
    let load_files = move |files: Vec<(String, File)>| {
        if files.is_empty() {
            return;
        }
        let (paths, files): (Vec<String>, Vec<File>) = files.into_iter().unzip();
        start(Request::LoadFiles { paths }, files);
    };
    let on_pick = move |ev: ev::Event| {
        if let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        {
            load_files(files_of(input.files()));
            input.set_value("");
        }
    };
    let on_drop = move |ev: ev::DragEvent| {
        ev.prevent_default();
        load_files(files_of(ev.data_transfer().and_then(|d| d.files())));
    };

    view! {
        <header class="top">
            <h1>"Synthea Lakehouse"</h1>
            <p class="lead">"Drop a Synthea CSV export and get a bronze, silver and gold lakehouse with a dashboard."</p>
            <p class="privacy" data-testid="privacy-note">
                "Everything runs in this browser tab: your files are never uploaded."
            </p>
        </header>
        <main>
            <section class="loader" aria-label="Load data">
                <div
                    class="drop-zone"
                    data-testid="drop-zone"
                    on:dragover=|ev: ev::DragEvent| ev.prevent_default()
                    on:drop=on_drop
                >
                    <p>"Drop CSV files or a .zip of a Synthea export here, or choose:"</p>
                    <label class="button">
                        "Files or .zip"
                        <input
                            type="file"
                            multiple
                            accept=".csv,.zip"
                            data-testid="file-input"
                            aria-label="Choose CSV files or a zip"
                            on:change=on_pick
                        />
                    </label>
                    <label class="button">
                        "A folder"
                        <input
                            type="file"
                            prop:webkitdirectory=true
                            data-testid="folder-input"
                            aria-label="Choose a folder"
                            on:change=on_pick
                        />
                    </label>
                </div>
                <div class="demo">
                    <label>
                        "Demo patients "
                        <input
                            type="number"
                            min="1"
                            max="100000"
                            data-testid="demo-patients"
                            prop:value=move || patients.get().to_string()
                            on:input=move |ev| set_patients.set(event_target_value(&ev).parse().unwrap_or(1000))
                        />
                    </label>
                    <button
                        data-testid="load-demo"
                        on:click=move |_| start(
                            Request::LoadDemo { patients: patients.get_untracked(), seed: lakehouse_synth::DEFAULT_SEED },
                            Vec::new(),
                        )
                    >
                        "Load demo data"
                    </button>
                </div>
            </section>
            {move || match phase.get() {
                Phase::Idle => view! { <p class="hint">"No data loaded yet."</p> }.into_any(),
                Phase::Working(progress) => {
                    let (done, total) = (progress.bytes_done as f64, progress.bytes_total.max(1) as f64);
                    view! {
                        <section class="working" data-testid="progress" aria-live="polite">
                            <p>{progress_text(&progress)}</p>
                            <progress max=total value=done></progress>
                            <button
                                data-testid="cancel"
                                on:click=move |_| {
                                    client::cancel();
                                    set_phase.set(Phase::Idle);
                                }
                            >
                                "Cancel"
                            </button>
                        </section>
                    }
                    .into_any()
                }
                Phase::Failed(message) => view! {
                    <section class="error" data-testid="error" role="alert">
                        <h2>{message.title.clone()}</h2>
                        <p data-testid="error-detail">{message.detail.clone()}</p>
                        {message.hint.clone().map(|h| view! { <p class="hint">{h}</p> })}
                    </section>
                }
                .into_any(),
                Phase::Ready(summary) => view! {
                    <section class="downloads" aria-label="Downloads">
                        <button
                            data-testid="download-zip"
                            on:click=move |_| {
                                set_note.set("Preparing the zip in the worker…".into());
                                if let Err(error) = client::request(&Request::Download) {
                                    set_note.set(error);
                                }
                            }
                        >
                            "Download lakehouse (.zip: Parquet + manifest.json)"
                        </button>
                        <span class="hint" data-testid="download-note" aria-live="polite">{move || note.get()}</span>
                    </section>
                    <Results summary=summary />
                }
                .into_any(),
            }}
        </main>
    }
}

/// The built lakehouse: KPIs, then the medallion layers.
#[component]
fn Results(summary: Arc<Summary>) -> impl IntoView {
    let kpis = summary
        .kpis
        .iter()
        .map(|k| {
            view! {
                <div class="card" data-testid=format!("kpi-{}", k.id) data-raw=k.raw.map(|v| v.to_string()).unwrap_or_default()>
                    <div class="card-label">{k.label.clone()}</div>
                    <div class="card-value">{k.value.clone()}</div>
                </div>
            }
        })
        .collect_view();
    let files = summary
        .files
        .iter()
        .map(|f| {
            view! {
                <tr>
                    <td>{f.path.clone()}</td>
                    <td>{f.kind.clone().unwrap_or_else(|| "skipped".into())}</td>
                    <td class="number">{format_bytes(f.bytes)}</td>
                    <td class="number">{format_count(f.rows_read as f64)}</td>
                    <td class="number">{format_count(f.rows_accepted as f64)}</td>
                    <td class="number">{format_count(f.rows_rejected as f64)}</td>
                </tr>
            }
        })
        .collect_view();
    let tables = summary
        .tables
        .iter()
        .map(|t| {
            view! {
                <tr>
                    <td>{t.layer.clone()}</td>
                    <td>{t.name.clone()}</td>
                    <td class="number" data-testid=format!("rows-{}", t.name)>{format_count(t.rows as f64)}</td>
                    <td class="number">{t.columns}</td>
                </tr>
            }
        })
        .collect_view();
    let quality = summary
        .quality
        .iter()
        .filter(|r| r.rows_failed > 0)
        .map(|r| {
            view! {
                <tr class=format!("severity-{}", r.severity)>
                    <td>{r.severity.clone()}</td>
                    <td>{r.rule_id.clone()}</td>
                    <td>{r.description.clone()}</td>
                    <td class="number">{format!("{} of {}", format_count(r.rows_failed as f64), format_count(r.rows_checked as f64))}</td>
                </tr>
            }
        })
        .collect_view();
    let rejects = summary
        .rejects
        .iter()
        .map(|r| {
            view! {
                <tr>
                    <td>{r.file.clone()}</td>
                    <td class="number">{r.line}</td>
                    <td>{r.column.clone().unwrap_or_default()}</td>
                    <td>{r.reason.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    let warnings = summary
        .warnings
        .iter()
        .map(|w| view! { <li>{w.clone()}</li> })
        .collect_view();
    view! {
        <section class="results" data-testid="results">
            <p class="meta">
                "Synthea version " <strong data-testid="version">{summary.version.clone()}</strong>
                " · as of " <strong data-testid="as-of">{summary.as_of.clone()}</strong>
                " · " {format_count(summary.rejected_rows as f64)} " rejected rows"
            </p>
            <div class="cards">{kpis}</div>
            <h2>"Bronze: files read"</h2>
            <ul class="warnings">{warnings}</ul>
            <table data-testid="bronze-files">
                <thead><tr><th>"File"</th><th>"Kind"</th><th>"Size"</th><th>"Rows read"</th><th>"Accepted"</th><th>"Rejected"</th></tr></thead>
                <tbody>{files}</tbody>
            </table>
            <h2>"Rejected rows"</h2>
            {(summary.rejected_rows == 0).then(|| view! { <p class="hint">"No row was rejected: every data row was typed."</p> })}
            {(summary.rejected_rows > summary.rejects.len() as u64).then(|| view! {
                <p class="hint">{format!("The first {} of {} rejected rows:", summary.rejects.len(), summary.rejected_rows)}</p>
            })}
            <table data-testid="rejects">
                <thead><tr><th>"File"</th><th>"Line"</th><th>"Column"</th><th>"Reason"</th></tr></thead>
                <tbody>{rejects}</tbody>
            </table>
            <h2>"Data quality"</h2>
            <table data-testid="quality">
                <thead><tr><th>"Severity"</th><th>"Rule"</th><th>"Checks"</th><th>"Failed"</th></tr></thead>
                <tbody>{quality}</tbody>
            </table>
            <h2>"Tables built"</h2>
            <table data-testid="tables">
                <thead><tr><th>"Layer"</th><th>"Table"</th><th>"Rows"</th><th>"Columns"</th></tr></thead>
                <tbody>{tables}</tbody>
            </table>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_reads_like_a_sentence() {
        let p = Progress {
            stage: "bronze".into(),
            file: Some("encounters.csv".into()),
            bytes_done: 1_500_000,
            bytes_total: 3_000_000,
            rows: 0,
        };
        assert_eq!(
            progress_text(&p),
            "Reading files (bronze): encounters.csv (1.5 MB of 3.0 MB)"
        );
        assert_eq!(progress_text(&Progress::default()), "Starting the worker");
    }
}
