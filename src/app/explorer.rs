//! The table explorer (paged, sorted, searched, downloadable tables) and a
//! patient's timeline.

use leptos::prelude::*;

use crate::client;
use crate::protocol::{Filter, PatientTimeline, TablePage, TableQuery};
use crate::protocol::{Request, TableFormat};
use crate::state::format_count;

/// Rows per preview page.
const PAGE_ROWS: u64 = 25;

fn ask(request: &Request) {
    // The worker answers with a message the App routes to its signal.
    let _ = client::request(request);
}

thread_local! {
    /// A table was opened (not re-sorted or paged): its page, once drawn,
    /// takes the focus.
    static OPENED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Brings a just-opened table into view and moves the focus to its heading
/// (the explorer sits below the charts, thousands of pixels down); a page
/// turn, a sort or a search leaves the focus where it is.
pub fn focus_if_opened() {
    if !OPENED.with(|o| o.replace(false)) {
        return;
    }
    request_animation_frame(|| {
        let heading = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("explorer-heading"))
            .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok());
        if let Some(heading) = heading {
            heading.scroll_into_view();
            let _ = heading.focus();
        }
    });
}

fn preview(name: &str) {
    open_table(name, None);
}

/// Opens table `name` in the explorer, at its first page, and brings it
/// into view; with `drill`, only the rows behind the dashboard under that
/// filter (a chart's drill-through).
pub fn open_table(name: &str, drill: Option<Filter>) {
    OPENED.with(|o| o.set(true));
    ask(&Request::Table(TableQuery {
        name: name.to_string(),
        limit: PAGE_ROWS,
        drill,
        ..TableQuery::default()
    }));
}

/// What a drill-through's filter says, for its banner: `Payer: X · Encounter
/// class: wellness`, or that it is every row.
fn describe_drill(filter: &Filter) -> String {
    let active = filter.active();
    if active.is_empty() {
        return "no filter: every row the dashboard counts".to_string();
    }
    active
        .into_iter()
        .map(|(d, v)| format!("{}: {v}", d.label()))
        .collect::<Vec<_>>()
        .join(" · ")
}

pub fn preview_button_labelled(name: &str, label: &str) -> impl IntoView + use<> {
    let target = name.to_string();
    view! {
        <button class="link" data-testid=format!("open-{name}") on:click=move |_| preview(&target)>{label.to_string()}</button>
    }
}

pub fn preview_button(name: &str) -> impl IntoView + use<> {
    preview_button_labelled(name, name)
}

/// A table's page with search, sort, paging and downloads; for
/// `dim_patient`, each row opens the patient's timeline. Long because its
/// view is the table with its controls, each control's handler beside it.
#[component]
pub fn TableExplorer(
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
                drill: current.query.drill.clone(),
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
        let drilled = q.drill.is_some();
        Some(view! {
            <section class="explorer" data-testid="explorer" data-table=q.name.clone() data-search=q.search.clone() data-drill=q.drill.as_ref().map(Filter::describe) aria-label=format!("Table {}", q.name)>
                <h2 id="explorer-heading" tabindex="-1" data-testid="explorer-heading">{format!("{}: {}", current.layer, q.name)}</h2>
                <p class="meta">
                    {format!("{} rows · {} columns", format_count(current.total_rows as f64), current.columns.len())}
                </p>
                {q.drill.clone().map(|filter| {
                    let name = q.name.clone();
                    view! {
                        <p class="drill" data-testid="explorer-drill">
                            "Rows behind the dashboard, " {describe_drill(&filter)} ". Downloads hold these rows only. "
                            <button class="link" data-testid="explorer-all-rows" on:click=move |_| open_table(&name, None)>"Show every row"</button>
                        </p>
                    }
                })}
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
                    <button data-testid="download-table-parquet" on:click=move |_| download(TableFormat::Parquet)>{if drilled { "Download these rows (Parquet)" } else { "Download Parquet" }}</button>
                    <button data-testid="download-table-csv" on:click=move |_| download(TableFormat::Csv)>{if drilled { "Download these rows (CSV)" } else { "Download CSV" }}</button>
                    <button on:click=move |_| page.set(None)>"Close"</button>
                </div>
                <div class="scroll" tabindex="0" role="region" aria-label=format!("Rows of {}", q.name)>
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
                <div class="scroll" tabindex="0" role="region" aria-label="Timeline events">
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
