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

use crate::charts;
use crate::client;
use crate::protocol::{Bar, Charts, Dimension, Filter, FilterOptions, Kpi, View};
use crate::protocol::{ExportKind, Progress, Request, Response, Summary, TableFormat, UserMessage};
use crate::protocol::{PatientTimeline, TablePage, TableQuery};
use crate::state::{format_bytes, format_count, format_money, format_percent};

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

#[wasm_bindgen::prelude::wasm_bindgen(inline_js = r#"
// Everything dropped, folders walked recursively: a promise of [path, File]
// pairs. The entries are taken synchronously (a DataTransfer empties once
// the drop event returns); reading them is asynchronous.
export function dropped_files(transfer) {
  const entries = [];
  for (const item of transfer.items ?? []) {
    const entry = item.kind === "file" && item.webkitGetAsEntry ? item.webkitGetAsEntry() : null;
    if (entry) entries.push(entry);
  }
  if (entries.length === 0) {
    return Promise.resolve(Array.from(transfer.files ?? [], (file) => [file.name, file]));
  }
  const out = [];
  const walk = async (entry, prefix) => {
    if (entry.isFile) {
      out.push([prefix + entry.name, await new Promise((ok, fail) => entry.file(ok, fail))]);
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((ok, fail) => reader.readEntries(ok, fail));
        if (batch.length === 0) break;
        for (const child of batch) await walk(child, prefix + entry.name + "/");
      }
    }
  };
  return (async () => {
    for (const entry of entries) await walk(entry, "");
    return out;
  })();
}
"#)]
extern "C" {
    fn dropped_files(transfer: &web_sys::DataTransfer) -> js_sys::Promise;
}

/// The `[path, File]` pairs `dropped_files` resolves to.
fn dropped_pairs(value: wasm_bindgen::JsValue) -> Vec<(String, File)> {
    js_sys::Array::from(&value)
        .iter()
        .filter_map(|pair| {
            let pair = js_sys::Array::from(&pair);
            let path = pair.get(0).as_string()?;
            let file = pair.get(1).dyn_into::<File>().ok()?;
            Some((path, file))
        })
        .collect()
}

/// A progress line: stage, file and bytes.
pub fn progress_text(progress: &Progress) -> String {
    let stage = progress.stage.describe();
    let file = progress
        .file
        .as_deref()
        .map(|f| format!(": {f}"))
        .unwrap_or_default();
    let rows = if progress.rows > 0 {
        format!(", {} rows", format_count(progress.rows as f64))
    } else {
        String::new()
    };
    if progress.bytes_total > 0 {
        format!(
            "{stage}{file} ({} of {}{rows})",
            format_bytes(progress.bytes_done),
            format_bytes(progress.bytes_total)
        )
    } else {
        format!("{stage}{file}")
    }
}

/// The filter and demo size in the page's URL (`?demo=1000&org=…`).
fn url_state() -> (Filter, Option<u64>) {
    let params = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|search| web_sys::UrlSearchParams::new_with_str(&search).ok());
    let Some(params) = params else {
        return (Filter::default(), None);
    };
    let pairs: Vec<(&str, String)> = Dimension::ALL
        .into_iter()
        .filter_map(|d| params.get(d.key()).map(|value| (d.key(), value)))
        .collect();
    let filter = Filter::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())));
    let demo = params.get("demo").and_then(|n| n.parse().ok());
    (filter, demo)
}

/// Records the view in the URL as a new history entry (so it can be
/// shared, and the back button returns to the previous filter).
fn push_url_state(filter: &Filter, demo: Option<u64>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(params) = web_sys::UrlSearchParams::new() else {
        return;
    };
    if let Some(n) = demo {
        params.append("demo", &n.to_string());
    }
    for (dimension, value) in filter.active() {
        params.append(dimension.key(), &value);
    }
    let query: String = params.to_string().into();
    let url = if query.is_empty() {
        window.location().pathname().unwrap_or_default()
    } else {
        format!("?{query}")
    };
    if let Ok(history) = window.history()
        && history.state().ok().is_none_or(|_| true)
    {
        let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

/// The application root.
#[component]
pub fn App() -> impl IntoView {
    let (phase, set_phase) = signal(Phase::Idle);
    let (initial_filter, initial_demo) = url_state();
    let (patients, set_patients) = signal(initial_demo.unwrap_or(1000));
    let (note, set_note) = signal(String::new());
    let (unzip_folder, set_unzip_folder) = signal("C:\\SyntheaLakehouse".to_string());
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
            set_phase.set(Phase::Failed(UserMessage {
                title: "Could not start the worker".into(),
                detail,
                hint: None,
            }));
        }
    };
    let apply = Callback::new(move |next: Filter| {
        if next == filter.get_untracked() {
            return;
        }
        push_url_state(&next, demo.get_untracked());
        filter.set(next);
        refilter();
    });
    // Back and forward restore the filter of that history entry.
    let popstate = window_event_listener(ev::popstate, move |_| {
        let (next, _) = url_state();
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
    let load_files = move |files: Vec<(String, File)>| {
        if files.is_empty() {
            return;
        }
        demo.set(None);
        push_url_state(&filter.get_untracked(), None);
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
    // Dropped files, folders (walked recursively) or a zip.
    let on_drop = move |ev: ev::DragEvent| {
        ev.prevent_default();
        let Some(transfer) = ev.data_transfer() else {
            return;
        };
        let pending = wasm_bindgen_futures::JsFuture::from(dropped_files(&transfer));
        wasm_bindgen_futures::spawn_local(async move {
            match pending.await {
                Ok(value) => load_files(dropped_pairs(value)),
                Err(error) => set_phase.set(Phase::Failed(UserMessage {
                    title: "Could not read what was dropped".into(),
                    detail: format!("{error:?}"),
                    hint: Some("choose the files or the folder with the buttons instead".into()),
                })),
            }
        });
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
                        on:click=move |_| {
                            let n = patients.get_untracked();
                            demo.set(Some(n));
                            filter.set(Filter::default());
                            push_url_state(&Filter::default(), Some(n));
                            load_demo(n);
                        }
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
                        <label class="unzip">
                            "Power BI: I will unzip to "
                            <input
                                type="text"
                                data-testid="unzip-folder"
                                prop:value=move || unzip_folder.get()
                                on:change=move |ev| set_unzip_folder.set(event_target_value(&ev))
                            />
                        </label>
                        <button
                            data-testid="download-powerbi"
                            on:click=move |_| {
                                set_note.set("Preparing the Power BI project in the worker…".into());
                                if let Err(error) = client::request(&Request::Export { kind: ExportKind::PowerBi, unzip_folder: unzip_folder.get_untracked() }) {
                                    set_note.set(error);
                                }
                            }
                        >
                            "Power BI project (.zip)"
                        </button>
                        <button
                            data-testid="download-delta"
                            on:click=move |_| {
                                set_note.set("Preparing the Delta tables in the worker…".into());
                                if let Err(error) = client::request(&Request::Export { kind: ExportKind::Delta, unzip_folder: String::new() }) {
                                    set_note.set(error);
                                }
                            }
                        >
                            "Delta tables (.zip)"
                        </button>
                        <button
                            data-testid="download-databricks"
                            title="A Databricks Asset Bundle: SQL notebooks that rebuild these tables on Spark from the same CSV files"
                            on:click=move |_| {
                                set_note.set("Preparing the Databricks bundle in the worker…".into());
                                if let Err(error) = client::request(&Request::Export { kind: ExportKind::Databricks, unzip_folder: String::new() }) {
                                    set_note.set(error);
                                }
                            }
                        >
                            "Databricks bundle (.zip)"
                        </button>
                        <span class="hint" data-testid="download-note" aria-live="polite">{move || note.get()}</span>
                    </section>
                    <Results summary=summary filter=filter view=view_model apply=apply />
                    <TableExplorer page=explorer timeline=timeline note=set_note />
                }
                .into_any(),
            }}
        </main>
    }
}

/// One chart: the SVG, and the same numbers as a table behind a toggle.
/// With `on_pick`, clicking a bar (or its row's button in the table, for
/// keyboard users) reports the bar's index.
#[component]
fn Chart(
    /// Stable test id.
    id: &'static str,
    /// Figure caption (also the chart title).
    title: String,
    /// The SVG markup.
    svg: String,
    /// (label, formatted value) rows for the table view.
    rows: Vec<(String, String)>,
    /// Called with the index of the bar picked.
    #[prop(optional)]
    on_pick: Option<Callback<usize>>,
) -> impl IntoView {
    // The table's rows are made only while it is open: a filter change
    // redraws every chart, and the monthly chart alone has a row per month
    // (393 at uk-ipop x100).
    let rows = StoredValue::new(rows);
    let open = RwSignal::new(false);
    let table = move || {
        open.get().then(|| {
            let cells = rows.with_value(|rows| {
                rows.iter()
                    .enumerate()
                    .map(|(i, (label, value))| {
                        let label = label.clone();
                        let cell = match on_pick {
                            Some(pick) => view! {
                                <button class="link" title="Filter the dashboard by this" on:click=move |_| pick.run(i)>{label}</button>
                            }
                            .into_any(),
                            None => label.into_any(),
                        };
                        view! { <tr><td>{cell}</td><td class="number">{value.clone()}</td></tr> }
                    })
                    .collect_view()
            });
            view! { <table><tbody>{cells}</tbody></table> }
        })
    };
    let on_toggle = move |ev: ev::Event| {
        if let Some(details) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok())
        {
            open.set(details.open());
        }
    };
    let on_click = move |ev: ev::MouseEvent| {
        let Some(pick) = on_pick else { return };
        let bar = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("[data-bar]").ok().flatten())
            .and_then(|e| e.get_attribute("data-bar"))
            .and_then(|i| i.parse::<usize>().ok());
        if let Some(i) = bar {
            pick.run(i);
        }
    };
    view! {
        <figure class="chart" class:pickable=on_pick.is_some() data-testid=format!("chart-{id}")>
            <div class="chart-svg" role="img" aria-label=title.clone() inner_html=svg on:click=on_click></div>
            <details on:toggle=on_toggle>
                <summary>"Show as table"</summary>
                {table}
            </details>
        </figure>
    }
}

fn bar_rows(bars: &[Bar], format: fn(f64) -> String) -> Vec<(String, String)> {
    bars.iter()
        .map(|b| (b.label.clone(), format(b.value)))
        .collect()
}

/// A ranked bar chart whose bars filter the dashboard by `key` (a
/// [`Filter`] URL key); the chosen bar is highlighted.
struct Ranked<'a> {
    id: &'static str,
    title: &'a str,
    axis: &'a str,
    bars: &'a [Bar],
    format: fn(f64) -> String,
    dimension: Dimension,
}

fn ranked_chart(chart: Ranked<'_>, filter: &Filter, apply: Callback<Filter>) -> AnyView {
    let selected = filter.get(chart.dimension).map(str::to_string);
    let pairs: Vec<(String, f64)> = chart
        .bars
        .iter()
        .map(|b| (b.label.clone(), b.value))
        .collect();
    let svg = charts::bar_chart(
        chart.title,
        chart.axis,
        &pairs,
        chart.format,
        selected.as_deref(),
    );
    let labels: Vec<String> = chart.bars.iter().map(|b| b.label.clone()).collect();
    let (dimension, base) = (chart.dimension, filter.clone());
    let pick = Callback::new(move |i: usize| {
        if let Some(label) = labels.get(i) {
            // Clicking the chosen bar again clears the filter.
            let chosen = base.get(dimension) == Some(label.as_str());
            apply.run(base.with(dimension, if chosen { "" } else { label }));
        }
    });
    view! {
        <Chart
            id=chart.id
            title=chart.title.to_string()
            svg=svg
            rows=bar_rows(chart.bars, chart.format)
            on_pick=pick
        />
    }
    .into_any()
}

/// The dashboard's charts fall in this many groups, drawn one per task.
pub const CHART_GROUPS: usize = 6;

fn monthly_chart(c: &Charts) -> AnyView {
    let rows: Vec<(String, String)> = c
        .months
        .iter()
        .enumerate()
        .map(|(i, month)| {
            let parts: Vec<String> = c
                .monthly_by_class
                .iter()
                .filter(|s| s.1[i] > 0.0)
                .map(|s| format!("{} {}", s.0, format_count(s.1[i])))
                .collect();
            (month.clone(), parts.join(", "))
        })
        .collect();
    let svg = charts::line_chart(
        "Encounters by month and class",
        "encounters",
        &c.months,
        &c.monthly_by_class,
    );
    view! { <Chart id="monthly" title="Encounters by month and class".into() svg=svg rows=rows /> }
        .into_any()
}

fn readmission_chart(c: &Charts) -> AnyView {
    let series = vec![(
        "30-day readmission rate (%)".to_string(),
        c.readmission_rate_by_month.clone(),
    )];
    let svg = charts::line_chart(
        "30-day readmission rate by discharge month",
        "% of discharges",
        &c.months,
        &series,
    );
    let rows = c
        .months
        .iter()
        .zip(&c.readmission_rate_by_month)
        .filter(|(_, r)| **r > 0.0)
        .map(|(m, r)| (m.clone(), format_percent(*r)))
        .collect();
    view! { <Chart id="readmissions" title="30-day readmission rate by discharge month".into() svg=svg rows=rows /> }
        .into_any()
}

fn pyramid_chart(c: &Charts, filter: &Filter, apply: Callback<Filter>) -> AnyView {
    let svg = charts::pyramid(
        "Patients by age band and sex",
        &c.age_pyramid,
        filter.get(Dimension::AgeBand),
        filter.get(Dimension::Gender),
    );
    let rows: Vec<(String, String)> = c
        .age_pyramid
        .iter()
        .flat_map(|(band, f, m)| {
            [
                (format!("{band}, female"), format_count(*f)),
                (format!("{band}, male"), format_count(*m)),
            ]
        })
        .collect();
    let bands: Vec<String> = c.age_pyramid.iter().map(|r| r.0.clone()).collect();
    let base = filter.clone();
    let pick = Callback::new(move |i: usize| {
        if let Some(band) = bands.get(i / 2) {
            let gender = if i.is_multiple_of(2) { "F" } else { "M" };
            let chosen = base.get(Dimension::AgeBand) == Some(band.as_str())
                && base.get(Dimension::Gender) == Some(gender);
            let next = if chosen {
                base.with(Dimension::AgeBand, "")
                    .with(Dimension::Gender, "")
            } else {
                base.with(Dimension::AgeBand, band)
                    .with(Dimension::Gender, gender)
            };
            apply.run(next);
        }
    });
    view! { <Chart id="age" title="Patients by age band and sex".into() svg=svg rows=rows on_pick=pick /> }
        .into_any()
}

/// One group of the dashboard's charts (`group` < [`CHART_GROUPS`]); only
/// that group's charts are drawn. Picking a bar calls `apply` with the next
/// filter.
pub fn chart_group(c: &Charts, filter: &Filter, apply: Callback<Filter>, group: usize) -> AnyView {
    let count = format_count as fn(f64) -> String;
    let ranked = |id, title, axis, bars, format, dimension| {
        ranked_chart(
            Ranked {
                id,
                title,
                axis,
                bars,
                format,
                dimension,
            },
            filter,
            apply,
        )
    };
    match group {
        0 => monthly_chart(c),
        1 => view! {
            {ranked("conditions", "Top conditions", "patients", &c.top_conditions, count, Dimension::Condition)}
            {ranked("procedures", "Top procedures", "procedures", &c.top_procedures, count, Dimension::Procedure)}
        }
        .into_any(),
        2 => view! {
            {ranked("organizations", "Encounters by organization", "encounters", &c.organizations, count, Dimension::Organization)}
            {ranked("providers", "Encounters by provider", "encounters", &c.providers, count, Dimension::Provider)}
        }
        .into_any(),
        3 => view! {
            {ranked("payer-cost", "Claim cost by payer", "claim cost", &c.payer_cost, format_money, Dimension::Payer)}
            {ranked("payer-coverage", "Payer coverage by payer", "% of claim cost covered", &c.payer_coverage, format_percent, Dimension::Payer)}
        }
        .into_any(),
        4 => view! {
            {pyramid_chart(c, filter, apply)}
            {ranked("race", "Patients by race", "patients", &c.race, count, Dimension::Race)}
        }
        .into_any(),
        _ => view! {
            {ranked("ethnicity", "Patients by ethnicity", "patients", &c.ethnicity, count, Dimension::Ethnicity)}
            {readmission_chart(c)}
        }
        .into_any(),
    }
}

/// Every chart of the dashboard at once (the page draws them a group per
/// task; see `Results`).
pub fn dashboard_charts(
    c: &Charts,
    filter: &Filter,
    apply: Callback<Filter>,
) -> impl IntoView + use<> {
    let groups: Vec<AnyView> = (0..CHART_GROUPS)
        .map(|g| chart_group(c, filter, apply, g))
        .collect();
    view! { <div class="charts">{groups}</div> }
}

/// The filter controls: date range and a select per dimension, the active
/// filters as removable chips, and the recompute time.
#[component]
fn FilterBar(
    options: FilterOptions,
    filter: RwSignal<Filter>,
    view: RwSignal<Option<View>>,
    apply: Callback<Filter>,
) -> impl IntoView {
    let current = move |dimension: Dimension| {
        filter
            .with(|f| f.get(dimension).map(str::to_string))
            .unwrap_or_default()
    };
    let (first_day, last_day) = (options.first_day.clone(), options.last_day.clone());
    let select = move |dimension: Dimension| {
        let (key, label) = (dimension.key(), dimension.label());
        let values = options.values(dimension).to_vec();
        // One memo per control: a filter change re-checks the options of
        // the control whose value changed, not of every control (a scaled
        // export has a thousand organizations).
        let chosen = Memo::new(move |_| current(dimension));
        let choices = values
            .into_iter()
            .map(|v| {
                let (value, selected) = (v.clone(), v.clone());
                view! { <option value=value prop:selected=move || chosen.with(|c| *c == selected)>{v}</option> }
            })
            .collect_view();
        view! {
            <label class="filter">
                {label}
                <select
                    data-testid=format!("filter-{key}")
                    on:change=move |ev| apply.run(filter.get_untracked().with(dimension, &event_target_value(&ev)))
                >
                    <option value="" prop:selected=move || chosen.with(String::is_empty)>"All"</option>
                    {choices}
                </select>
            </label>
        }
    };
    let date = move |dimension: Dimension| {
        let (key, label) = (dimension.key(), dimension.label());
        view! {
            <label class="filter">
                {label}
                <input
                    type="date"
                    data-testid=format!("filter-{key}")
                    min=first_day.clone()
                    max=last_day.clone()
                    prop:value=move || current(dimension)
                    on:change=move |ev| apply.run(filter.get_untracked().with(dimension, &event_target_value(&ev)))
                />
            </label>
        }
    };
    let chips = move || {
        let active = filter.get();
        active
            .active()
            .into_iter()
            .map(|(dimension, value)| {
                let (key, label) = (dimension.key(), dimension.label());
                let without = active.with(dimension, "");
                view! {
                    <li>
                        <button
                            class="chip"
                            data-testid=format!("chip-{key}")
                            aria-label=format!("Remove filter {label}: {value}")
                            on:click=move |_| apply.run(without.clone())
                        >
                            {format!("{label}: {value}")} <span aria-hidden="true">" ×"</span>
                        </button>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <section class="filters" aria-label="Filters" data-testid="filters">
            <div class="filter-controls">
                {date(Dimension::From)}
                {date(Dimension::To)}
                {FilterOptions::SELECTS.map(select).collect_view()}
            </div>
            <ul class="chips" aria-label="Active filters">
                {chips}
                {move || (!filter.get().is_empty()).then(|| view! {
                    <li><button class="chip clear" data-testid="clear-filters" on:click=move |_| apply.run(Filter::default())>"Clear all"</button></li>
                })}
            </ul>
            <p class="hint" data-testid="filter-status" aria-live="polite">
                {move || view.get().map(|v| format!(
                    "{} encounters match · recomputed in {:.1} ms",
                    format_count(v.encounters as f64),
                    v.elapsed_ms
                ))}
            </p>
        </section>
    }
}

/// The KPI cards of a view.
fn kpi_cards(kpis: &[Kpi]) -> impl IntoView + use<> {
    kpis.iter()
        .map(|k| {
            view! {
                <div class="card" data-testid=format!("kpi-{}", k.id) data-raw=k.raw.map(|v| v.to_string()).unwrap_or_default()>
                    <div class="card-label">{k.label.clone()}</div>
                    <div class="card-value">{k.value.clone()}</div>
                </div>
            }
        })
        .collect_view()
}

/// Runs `f` in a task of its own, next in line: a message through a fresh
/// `MessageChannel` (messages run in the order they were posted). Unlike
/// `setTimeout` it has no minimum delay: with timeouts a millisecond apart
/// the chart groups' redraw waited about 20 ms at 1M encounters.
fn next_task(f: impl FnOnce() + 'static) {
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

/// The built lakehouse: KPIs, then the medallion layers.
#[component]
fn Results(
    summary: Arc<Summary>,
    filter: RwSignal<Filter>,
    view: RwSignal<Option<View>>,
    apply: Callback<Filter>,
) -> impl IntoView {
    // Short tasks, not one long one: the header and KPI cards first, then
    // the filter controls, then each group of charts in a task of its own
    // (after every view change too), then the medallion tables.
    let drawn: [RwSignal<Option<View>>; CHART_GROUPS] =
        std::array::from_fn(|_| RwSignal::new(None));
    Effect::new(move |_| {
        let current = view.get();
        for slot in drawn {
            let value = current.clone();
            next_task(move || slot.set(value));
        }
    });
    // The filter controls next, in a task of their own (on a cold page the
    // header, cards and controls together took 57-84 ms at dbt x10).
    let controls = RwSignal::new(false);
    next_task(move || controls.set(true));
    let medallion = RwSignal::new(false);
    set_timeout(
        move || medallion.set(true),
        std::time::Duration::from_millis(CHART_GROUPS as u64),
    );
    view! {
        <section class="results" data-testid="results">
            <p class="meta">
                "Synthea version " <strong data-testid="version">{summary.version.clone()}</strong>
                " · as of " <strong data-testid="as-of">{summary.as_of.clone()}</strong>
                " · " {format_count(summary.rejected_rows as f64)} " rejected rows"
                " · worker memory " <span data-testid="wasm-memory" data-bytes=summary.wasm_memory_bytes.to_string()>{format_bytes(summary.wasm_memory_bytes)}</span>
            </p>
            <section
                class="dashboard"
                data-testid="dashboard"
                aria-label="Dashboard"
                data-filter=move || drawn[CHART_GROUPS - 1].get().map(|v| v.filter.describe()).unwrap_or_default()
            >
                <h2>"Dashboard"</h2>
                {
                    let options = summary.options.clone();
                    move || controls.get().then(|| view! { <FilterBar options=options.clone() filter=filter view=view apply=apply /> })
                }
                {move || view.get().map(|v| view! { <div class="cards">{kpi_cards(&v.kpis)}</div> })}
                <div class="charts">
                    {drawn
                        .into_iter()
                        .enumerate()
                        .map(|(k, slot)| move || slot.get().map(|v| chart_group(&v.charts, &v.filter, apply, k)))
                        .collect_view()}
                </div>
            </section>
            {move || medallion.get().then(|| view! { <Medallion summary=summary.clone() /> })}
        </section>
    }
}

/// The medallion, visible: bronze files, rejects, data quality, the star
/// schema and every table built.
#[component]
fn Medallion(summary: Arc<Summary>) -> impl IntoView {
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
                    <td>{preview_button(&t.name)}</td>
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
            <h2>"Bronze: files read"</h2>
            <ul class="warnings">{warnings}</ul>
            <table data-testid="bronze-files">
                <thead><tr><th>"File"</th><th>"Kind"</th><th>"Size"</th><th>"Rows read"</th><th>"Accepted"</th><th>"Rejected"</th></tr></thead>
                <tbody>{files}</tbody>
            </table>
            <h2>"Rejected rows"</h2>
            <p>{preview_button_labelled("bronze_rejects", "Search or download every rejected row")}</p>
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
            <h2>"Silver: the star schema"</h2>
            <figure class="star" data-testid="star-schema">
                <div role="img" aria-label="Star schema: facts and the dimensions their keys refer to" inner_html=crate::star::star_schema_svg(&summary.star)></div>
                <figcaption class="hint">"Facts (middle) refer to dimensions through surrogate keys; dashed lines are role-playing dates (inactive relationships in Power BI). Open a table below to see every column."</figcaption>
            </figure>
            <h2>"Tables built"</h2>
            <p class="hint">"Open a table to page, sort and search it, and to download it as Parquet or CSV. Open "
                {preview_button("dim_patient")} " for each patient's timeline."</p>
            <table data-testid="tables">
                <thead><tr><th>"Layer"</th><th>"Table"</th><th>"Rows"</th><th>"Columns"</th></tr></thead>
                <tbody>{tables}</tbody>
            </table>
    }
}

/// Rows per preview page.
const PAGE_ROWS: u64 = 25;

fn ask(request: &Request) {
    // The worker answers with a message the App routes to its signal.
    let _ = client::request(request);
}

fn preview(name: &str) {
    ask(&Request::Table(TableQuery {
        name: name.to_string(),
        limit: PAGE_ROWS,
        ..TableQuery::default()
    }));
}

fn preview_button_labelled(name: &str, label: &str) -> impl IntoView + use<> {
    let target = name.to_string();
    view! {
        <button class="link" data-testid=format!("open-{name}") on:click=move |_| preview(&target)>{label.to_string()}</button>
    }
}

fn preview_button(name: &str) -> impl IntoView + use<> {
    preview_button_labelled(name, name)
}

/// A table's page with search, sort, paging and downloads; for
/// `dim_patient`, each row opens the patient's timeline.
#[component]
fn TableExplorer(
    page: RwSignal<Option<TablePage>>,
    timeline: RwSignal<Option<PatientTimeline>>,
    note: WriteSignal<String>,
) -> impl IntoView {
    let requery = move |change: &dyn Fn(&mut TableQuery)| {
        if let Some(current) = page.get_untracked() {
            let mut query = current.query.clone();
            change(&mut query);
            ask(&Request::Table(query));
        }
    };
    let download = move |format: TableFormat| {
        if let Some(current) = page.get_untracked() {
            note.set(format!(
                "Preparing {}.{} in the worker…",
                current.query.name,
                format.extension()
            ));
            ask(&Request::DownloadTable {
                name: current.query.name.clone(),
                format,
            });
        }
    };
    move || {
        let current = page.get()?;
        let q = current.query.clone();
        let id_column = current.columns.iter().position(|c| c.name == "patient_id");
        let is_patients = q.name == "dim_patient";
        let header = current
            .columns
            .iter()
            .map(|c| {
                let name = c.name.clone();
                let arrow = match (&q.sort, q.descending) {
                    (Some(s), false) if *s == c.name => " ▲",
                    (Some(s), true) if *s == c.name => " ▼",
                    _ => "",
                };
                let sort_state = match arrow {
                    " ▲" => "ascending",
                    " ▼" => "descending",
                    _ => "none",
                };
                view! {
                    <th aria-sort=sort_state>
                        <button
                            class="link"
                            title=format!("Sort by {name}")
                            data-testid=format!("sort-{name}")
                            on:click=move |_| {
                                let name = name.clone();
                                requery(&move |query: &mut TableQuery| {
                                    query.descending = query.sort.as_deref() == Some(name.as_str()) && !query.descending;
                                    query.sort = Some(name.clone());
                                    query.offset = 0;
                                })
                            }
                        >
                            {c.name.clone()}{arrow}
                        </button>
                        <span class="type">{c.data_type.clone()}</span>
                    </th>
                }
            })
            .collect_view();
        let rows = current
            .rows
            .iter()
            .map(|row| {
                let open = (is_patients)
                    .then(|| id_column.and_then(|i| row[i].clone()))
                    .flatten()
                    .map(|id| view! {
                        <td><button class="link" data-testid="open-timeline" on:click=move |_| ask(&Request::Patient { id: id.clone() })>"Timeline"</button></td>
                    });
                let cells = row
                    .iter()
                    .map(|cell| match cell {
                        Some(v) => view! { <td>{v.clone()}</td> }.into_any(),
                        None => view! { <td class="null">"∅"</td> }.into_any(),
                    })
                    .collect_view();
                view! { <tr>{open}{cells}</tr> }
            })
            .collect_view();
        let (first, last) = (
            if current.matched_rows == 0 {
                0
            } else {
                q.offset + 1
            },
            (q.offset + current.rows.len() as u64),
        );
        let (limit, offset, matched) = (q.limit, q.offset, current.matched_rows);
        let (at_start, at_end) = (offset == 0, offset + limit >= matched);
        Some(view! {
            <section class="explorer" data-testid="explorer" data-table=q.name.clone() data-search=q.search.clone() aria-label=format!("Table {}", q.name)>
                <h2>{format!("{}: {}", current.layer, q.name)}</h2>
                <p class="meta">
                    {format!("{} rows · {} columns", format_count(current.total_rows as f64), current.columns.len())}
                </p>
                <div class="explorer-tools">
                    <label>
                        "Search "
                        <input
                            type="search"
                            data-testid="explorer-search"
                            prop:value=q.search.clone()
                            on:change=move |ev| {
                                let text = event_target_value(&ev);
                                requery(&move |query: &mut TableQuery| {
                                    query.search = text.clone();
                                    query.offset = 0;
                                })
                            }
                        />
                    </label>
                    <button data-testid="page-previous" disabled=at_start on:click=move |_| requery(&move |query: &mut TableQuery| query.offset = offset.saturating_sub(limit))>"Previous"</button>
                    <span data-testid="page-range">{format!("{first}–{last} of {}", format_count(matched as f64))}</span>
                    <button data-testid="page-next" disabled=at_end on:click=move |_| requery(&move |query: &mut TableQuery| query.offset = offset + limit)>"Next"</button>
                    <button data-testid="download-table-parquet" on:click=move |_| download(TableFormat::Parquet)>"Download Parquet"</button>
                    <button data-testid="download-table-csv" on:click=move |_| download(TableFormat::Csv)>"Download CSV"</button>
                    <button on:click=move |_| page.set(None)>"Close"</button>
                </div>
                <div class="scroll">
                    <table data-testid="explorer-table">
                        <thead><tr>{is_patients.then(|| view! { <th>"Patient"</th> })}{header}</tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
                <Timeline timeline=timeline />
            </section>
        })
    }
}

/// One patient's history, oldest first.
#[component]
fn Timeline(timeline: RwSignal<Option<PatientTimeline>>) -> impl IntoView {
    move || {
        let t = timeline.get()?;
        let facts = t
            .facts
            .iter()
            .map(|(k, v)| view! { <li><strong>{k.clone()}</strong>" " {v.clone()}</li> })
            .collect_view();
        let events = t
            .events
            .iter()
            .map(|e| {
                view! {
                    <tr class=format!("event-{}", e.kind)>
                        <td>{e.date.clone()}</td>
                        <td>{e.kind.clone()}</td>
                        <td>{e.description.clone()}</td>
                        <td>{e.detail.clone()}</td>
                    </tr>
                }
            })
            .collect_view();
        Some(view! {
            <section class="timeline" data-testid="timeline" aria-label="Patient timeline">
                <h3>{format!("{} ({})", t.name, t.id)}</h3>
                <ul class="facts">{facts}</ul>
                <p class="meta" data-testid="timeline-count">{format!("{} events", t.events.len())}</p>
                <div class="scroll">
                    <table>
                        <thead><tr><th>"Date"</th><th>"Kind"</th><th>"What"</th><th>"Detail"</th></tr></thead>
                        <tbody>{events}</tbody>
                    </table>
                </div>
                <button on:click=move |_| timeline.set(None)>"Close timeline"</button>
            </section>
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_reads_like_a_sentence() {
        let p = Progress {
            stage: crate::protocol::Stage::Bronze,
            file: Some("encounters.csv".into()),
            bytes_done: 1_500_000,
            bytes_total: 3_000_000,
            rows: 12_345,
        };
        assert_eq!(
            progress_text(&p),
            "Reading files (bronze): encounters.csv (1.5 MB of 3.0 MB, 12,345 rows)"
        );
        assert_eq!(progress_text(&Progress::default()), "Starting the worker");
    }
}
