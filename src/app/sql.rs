//! The SQL console over the saved lakehouse on screen: every bronze, silver
//! and gold table under its schema, example queries for metric validation,
//! a paged answer with CSV and Parquet downloads of the whole of it, errors
//! that point at their place, cancel, history (in this browser) and saved
//! queries (next to their lakehouse).
//!
//! The engine runs in the SQL worker (`sql_worker`), started the first time
//! the console is opened: the page and the pipeline worker do not carry it.

use leptos::ev;
use leptos::prelude::*;

use crate::sql_client;
use crate::sql_protocol::{
    PAGE_ROWS, SavedQuery, SqlAnswer, SqlExample, SqlFailure, SqlFormat, SqlRequest, SqlResponse,
    SqlTable,
};
use crate::state::format_count;

/// Where the console stands.
#[derive(Clone, Debug, PartialEq)]
enum Status {
    /// Never opened: no worker yet.
    Closed,
    /// The worker is starting or registering the tables.
    Opening,
    /// Ready for a query.
    Ready,
    /// A query runs, since this time (ms).
    Running(f64),
    /// The console cannot work; why.
    Failed(String),
}

/// Queries kept in this browser's history.
const HISTORY_SIZE: usize = 30;
const HISTORY_KEY: &str = "synthea-lakehouse.sql-history";

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn load_history() -> Vec<String> {
    local_storage()
        .and_then(|s| s.get_item(HISTORY_KEY).ok().flatten())
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// `history` with `sql` first (once), at most [`HISTORY_SIZE`] long.
pub fn remembered(mut history: Vec<String>, sql: &str) -> Vec<String> {
    let sql = sql.trim();
    history.retain(|h| h != sql);
    history.insert(0, sql.to_string());
    history.truncate(HISTORY_SIZE);
    history
}

fn now() -> f64 {
    js_sys::Date::now()
}

/// Whether a column of this Arrow type holds numbers (right-aligned).
pub fn is_numeric(data_type: &str) -> bool {
    let bits = |prefix: &str| {
        data_type
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
    };
    bits("Int") || bits("UInt") || bits("Float") || data_type.starts_with("Decimal")
}

/// `Rows 51–100 of 1,234`.
pub fn rows_label(offset: usize, shown: usize, total: usize) -> String {
    if total == 0 {
        return "No rows".into();
    }
    format!(
        "Rows {}–{} of {}",
        format_count(offset as f64 + 1.0),
        format_count((offset + shown) as f64),
        format_count(total as f64)
    )
}

/// Seconds with one decimal, or milliseconds under one second.
pub fn duration_label(millis: f64) -> String {
    if millis < 1000.0 {
        format!("{} ms", millis.round())
    } else {
        format!("{:.1} s", millis / 1000.0)
    }
}

/// The console's signals, shared by its parts.
#[derive(Clone, Copy)]
struct Console {
    status: RwSignal<Status>,
    opened: RwSignal<Option<String>>,
    tables: RwSignal<Vec<SqlTable>>,
    examples: RwSignal<Vec<SqlExample>>,
    queries: RwSignal<Vec<SavedQuery>>,
    text: RwSignal<String>,
    answer: RwSignal<Option<SqlAnswer>>,
    error: RwSignal<Option<SqlFailure>>,
    note: RwSignal<String>,
    history: RwSignal<Vec<String>>,
    /// The example in the editor, as chosen ("" once edited).
    example: RwSignal<String>,
    /// Answers and errors shown so far (tests wait on it).
    answers: RwSignal<u32>,
}

impl Console {
    fn new() -> Self {
        Self {
            status: RwSignal::new(Status::Closed),
            opened: RwSignal::new(None),
            tables: RwSignal::new(Vec::new()),
            examples: RwSignal::new(Vec::new()),
            queries: RwSignal::new(Vec::new()),
            text: RwSignal::new(String::new()),
            answer: RwSignal::new(None),
            error: RwSignal::new(None),
            note: RwSignal::new(String::new()),
            history: RwSignal::new(Vec::new()),
            example: RwSignal::new(String::new()),
            answers: RwSignal::new(0),
        }
    }

    fn send(self, request: &SqlRequest) {
        if let Err(message) = sql_client::send(request) {
            self.note.set(message);
        }
    }

    /// Starts a worker and opens lakehouse `id` in it.
    fn open(self, id: String) {
        self.status.set(Status::Opening);
        self.opened.set(Some(id.clone()));
        let started = sql_client::running() || {
            let result = sql_client::start(Box::new(move |response| self.answer_from(response)));
            if let Err(message) = &result {
                self.status.set(Status::Failed(message.clone()));
            }
            result.is_ok()
        };
        if started {
            self.send(&SqlRequest::Open { id });
        }
    }

    fn answer_from(self, response: SqlResponse) {
        match response {
            SqlResponse::Started => {}
            SqlResponse::Opened {
                tables,
                examples,
                queries,
                millis,
                ..
            } => {
                let rows: usize = tables.iter().map(|t| t.rows).sum();
                self.note.set(format!(
                    "{} tables ({} rows) ready in {}.",
                    tables.len(),
                    format_count(rows as f64),
                    duration_label(millis)
                ));
                if self.text.get_untracked().trim().is_empty()
                    && let Some(first) = examples.first()
                {
                    self.text.set(first.sql.clone());
                    self.example.set(first.id.clone());
                }
                self.tables.set(tables);
                self.examples.set(examples);
                self.queries.set(queries);
                self.status.set(Status::Ready);
            }
            SqlResponse::Answer(answer) => {
                self.error.set(None);
                self.note.set(String::new());
                self.answer.set(Some(*answer));
                self.status.set(Status::Ready);
                self.answers.update(|n| *n += 1);
            }
            SqlResponse::Page(page) => self.answer.update(|a| {
                if let Some(a) = a {
                    a.page = page;
                }
            }),
            SqlResponse::Error(failure) => {
                self.answer.set(None);
                self.error.set(Some(failure));
                self.status.set(Status::Ready);
                self.answers.update(|n| *n += 1);
            }
            SqlResponse::File { file_name, bytes } => self.note.set(format!(
                "Saved {file_name} ({}).",
                crate::state::format_bytes(bytes as u64)
            )),
            SqlResponse::Queries { queries } => {
                self.note.set("Saved queries updated.".into());
                self.queries.set(queries);
            }
            SqlResponse::Failed { message } => match self.status.get_untracked() {
                // A query stopped the worker (a trap, such as running out of
                // memory): say so where its answer would be, and start a
                // fresh worker so the console works again.
                Status::Running(_) if !sql_client::running() => {
                    self.answer.set(None);
                    self.error.set(Some(SqlFailure {
                        message,
                        position: None,
                        pointer: None,
                    }));
                    self.answers.update(|n| *n += 1);
                    if let Some(id) = self.opened.get_untracked() {
                        self.open(id);
                    }
                }
                // Opening failed: nothing to query.
                Status::Opening | Status::Closed => self.status.set(Status::Failed(message)),
                _ if !sql_client::running() => self.status.set(Status::Failed(message)),
                // A download or a saved query failed: the console goes on.
                _ => {
                    self.status.set(Status::Ready);
                    self.note.set(message);
                }
            },
        }
    }

    /// Puts a saved or earlier query in the editor.
    fn load(self, sql: &str) {
        self.text.set(sql.to_string());
        self.example.set(String::new());
    }

    fn run(self) {
        let sql = self.text.get_untracked();
        if sql.trim().is_empty() || self.status.get_untracked() != Status::Ready {
            return;
        }
        self.history
            .update(|h| *h = remembered(std::mem::take(h), &sql));
        if let (Some(storage), Ok(text)) = (
            local_storage(),
            serde_json::to_string(&self.history.get_untracked()),
        ) {
            let _ = storage.set_item(HISTORY_KEY, &text);
        }
        self.note.set(String::new());
        self.status.set(Status::Running(now()));
        self.send(&SqlRequest::Run { sql });
    }

    /// Ends the running query with its worker, and opens the lakehouse
    /// again in a new one.
    fn cancel(self) {
        let Status::Running(since) = self.status.get_untracked() else {
            return;
        };
        sql_client::stop();
        let Some(id) = self.opened.get_untracked() else {
            return;
        };
        self.open(id);
        self.note.set(format!(
            "Cancelled after {}. The tables are being registered again.",
            duration_label(now() - since)
        ));
    }
}

/// The console, folded until opened; `lakehouse` is the saved lakehouse
/// on screen (the console queries saved lakehouses only).
#[component]
pub fn SqlConsole(lakehouse: Signal<Option<String>>) -> impl IntoView {
    let console = Console::new();
    let shown = RwSignal::new(false);
    // Opens (or reopens) the lakehouse on screen while the console is shown.
    Effect::new(move |_| {
        let wanted = lakehouse.get();
        if !shown.get() {
            return;
        }
        match wanted {
            Some(id) if console.opened.get_untracked().as_ref() != Some(&id) => {
                console.answer.set(None);
                console.error.set(None);
                console.open(id);
            }
            Some(_) => {}
            None => {
                sql_client::stop();
                console.opened.set(None);
                console.status.set(Status::Closed);
            }
        }
    });
    on_cleanup(sql_client::stop);
    let on_toggle = move |event: ev::Event| {
        let open = event_target::<web_sys::HtmlDetailsElement>(&event).open();
        if open && console.history.get_untracked().is_empty() {
            console.history.set(load_history());
        }
        shown.set(open);
    };
    let busy = move || matches!(console.status.get(), Status::Running(_));
    let ready = move || console.status.get() == Status::Ready;
    let on_key = move |event: ev::KeyboardEvent| {
        if event.key() == "Enter" && (event.ctrl_key() || event.meta_key()) {
            event.prevent_default();
            console.run();
        }
    };
    view! {
        <details class="sql-console" data-testid="sql-console" data-answers=move || console.answers.get() on:toggle=on_toggle>
            <summary><h2>"SQL console"</h2></summary>
            {move || match lakehouse.get() {
                None => view! {
                    <p class="hint" data-testid="sql-unsaved">
                        "The console queries lakehouses saved in this browser: save this one (above) to ask it anything in SQL."
                    </p>
                }.into_any(),
                Some(_) => view! {
                    <p class="hint">
                        "Tables are under the schemas " <code>"bronze"</code> ", " <code>"silver"</code> " (the default: "
                        <code>"FROM fact_encounters"</code> ") and " <code>"gold"</code>
                        ". Queries only; the same SQL runs in " <code>"lakehouse sql"</code> "."
                    </p>
                    <Tables console=console />
                    <div class="sql-tools">
                        <label>
                            "Example "
                            <select data-testid="sql-example" prop:value=move || console.example.get() on:change=move |ev| {
                                let id = event_target_value(&ev);
                                if let Some(example) = console.examples.get_untracked().iter().find(|e| e.id == id) {
                                    console.text.set(example.sql.clone());
                                }
                                console.example.set(id);
                            }>
                                <option value="">"Choose an example…"</option>
                                <For each=move || console.examples.get() key=|e| e.id.clone() let:example>
                                    <option value=example.id.clone() title=example.description.clone()>{example.title.clone()}</option>
                                </For>
                            </select>
                        </label>
                    </div>
                    <label class="sql-editor-label" for="sql-editor">"Query (Ctrl+Enter runs it)"</label>
                    <textarea
                        id="sql-editor"
                        class="sql-editor"
                        data-testid="sql-editor"
                        spellcheck="false"
                        autocomplete="off"
                        rows="10"
                        prop:value=move || console.text.get()
                        on:input=move |ev| {
                            console.text.set(event_target_value(&ev));
                            // An edited example is the user's own query.
                            console.example.set(String::new());
                        }
                        on:keydown=on_key
                    ></textarea>
                    <div class="sql-tools">
                        <button data-testid="sql-run" disabled=move || !ready() on:click=move |_| console.run()>"Run"</button>
                        <button data-testid="sql-cancel" disabled=move || !busy() on:click=move |_| console.cancel()>"Cancel"</button>
                        <span class="sql-status" data-testid="sql-status" role="status" aria-live="polite">
                            {move || match console.status.get() {
                                Status::Closed => String::new(),
                                Status::Opening => "Registering the tables…".into(),
                                Status::Ready => console.note.get(),
                                Status::Running(_) => "Running…".into(),
                                Status::Failed(message) => message,
                            }}
                        </span>
                    </div>
                    <Failure console=console />
                    <Answer console=console />
                    <Saved console=console />
                    <History console=console />
                }.into_any(),
            }}
        </details>
    }
}

/// The tables, folded: schema-qualified names, rows, and columns on hover.
#[component]
fn Tables(console: Console) -> impl IntoView {
    view! {
        <details class="sql-tables" data-testid="sql-tables">
            <summary>{move || format!("Tables ({})", console.tables.get().len())}</summary>
            <ul>
                <For each=move || console.tables.get() key=|t| format!("{}.{}", t.layer, t.name) let:table>
                    <li title={table.columns.iter().map(|(n, t)| format!("{n} {t}")).collect::<Vec<_>>().join("\n")}>
                        <code>{format!("{}.{}", table.layer, table.name)}</code>
                        {format!(" · {} rows · {} columns", format_count(table.rows as f64), table.columns.len())}
                    </li>
                </For>
            </ul>
        </details>
    }
}

/// Why the last query did not run, and where.
#[component]
fn Failure(console: Console) -> impl IntoView {
    move || {
        console.error.get().map(|failure| {
            view! {
                <section class="sql-error" data-testid="sql-error" role="alert">
                    <p>
                        <strong>"The query did not run"</strong>
                        {failure.position.map(|(line, column)| view! {
                            <span data-testid="sql-error-position">{format!(" at line {line}, column {column}")}</span>
                        })}
                        ": " {failure.message.clone()}
                    </p>
                    {failure.pointer.clone().map(|pointer| view! { <pre data-testid="sql-error-pointer">{pointer}</pre> })}
                </section>
            }
        })
    }
}

/// The answer: a paged table and the whole of it as a file.
#[component]
fn Answer(console: Console) -> impl IntoView {
    let download = move |format: SqlFormat| console.send(&SqlRequest::Download { format });
    move || {
        console.answer.get().map(|answer| {
            let offset = answer.page.offset;
            let shown = answer.page.rows.len();
            let total = answer.rows;
            let numeric: Vec<bool> = answer.columns.iter().map(|(_, t)| is_numeric(t)).collect();
            let header = answer
                .columns
                .iter()
                .zip(&numeric)
                .map(|((name, data_type), numeric)| {
                    view! {
                        <th scope="col" class:number=*numeric>{name.clone()}<span class="type">{data_type.clone()}</span></th>
                    }
                })
                .collect_view();
            let rows = answer
                .page
                .rows
                .into_iter()
                .map(|row| {
                    let cells = row
                        .into_iter()
                        .zip(numeric.clone())
                        .map(|(cell, numeric)| match cell {
                            Some(text) => view! { <td class:number=numeric>{text}</td> }.into_any(),
                            None => view! { <td class="null">"NULL"</td> }.into_any(),
                        })
                        .collect_view();
                    view! { <tr>{cells}</tr> }
                })
                .collect_view();
            view! {
                <section class="sql-answer" data-testid="sql-answer">
                    <div class="sql-tools">
                        <span data-testid="sql-rows">{rows_label(offset, shown, total)}</span>
                        <span class="muted">{format!(
                            " · {} column{} · {}{}",
                            answer.columns.len(),
                            if answer.columns.len() == 1 { "" } else { "s" },
                            duration_label(answer.millis),
                            if answer.statements > 1 { format!(" · the last of {} statements", answer.statements) } else { String::new() }
                        )}</span>
                        {(total > PAGE_ROWS).then(|| view! {
                            <button data-testid="sql-previous" disabled={offset == 0}
                                on:click=move |_| console.send(&SqlRequest::Page { offset: offset.saturating_sub(PAGE_ROWS) })>"Previous"</button>
                            <button data-testid="sql-next" disabled={offset + shown >= total}
                                on:click=move |_| console.send(&SqlRequest::Page { offset: offset + PAGE_ROWS })>"Next"</button>
                        })}
                        <button data-testid="sql-download-csv" on:click=move |_| download(SqlFormat::Csv)>"Download CSV"</button>
                        <button data-testid="sql-download-parquet" on:click=move |_| download(SqlFormat::Parquet)>"Download Parquet"</button>
                    </div>
                    <div class="scroll" tabindex="0" role="region" aria-label="Query answer">
                        <table data-testid="sql-result">
                            <thead><tr>{header}</tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                </section>
            }
        })
    }
}

/// Queries saved next to the lakehouse: save the editor's, load, delete.
#[component]
fn Saved(console: Console) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let save = move |_| {
        console.send(&SqlRequest::SaveQuery {
            name: name.get_untracked(),
            sql: console.text.get_untracked(),
        })
    };
    view! {
        <details class="sql-saved" data-testid="sql-saved">
            <summary>{move || format!("Saved with this lakehouse ({})", console.queries.get().len())}</summary>
            <div class="sql-tools">
                <label>"Name " <input data-testid="sql-save-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) /></label>
                <button data-testid="sql-save" on:click=save>"Save the query"</button>
            </div>
            <ul>
                <For each=move || console.queries.get() key=|q| (q.name.clone(), q.sql.clone()) let:query>
                    <li data-testid="sql-saved-query">
                        {
                            let sql = query.sql.clone();
                            let title = query.name.clone();
                            view! { <button class="link" on:click=move |_| { console.load(&sql); name.set(title.clone()); }>{query.name.clone()}</button> }
                        }
                        {
                            let gone = query.name.clone();
                            view! { <button aria-label=format!("Delete {gone}") on:click=move |_| console.send(&SqlRequest::DeleteQuery { name: gone.clone() })>"Delete"</button> }
                        }
                    </li>
                </For>
            </ul>
        </details>
    }
}

/// The last queries run in this browser.
#[component]
fn History(console: Console) -> impl IntoView {
    view! {
        <details class="sql-history" data-testid="sql-history">
            <summary>{move || format!("History ({})", console.history.get().len())}</summary>
            <ol>
                <For each=move || console.history.get() key=|sql| sql.clone() let:sql>
                    <li>
                        {
                            let text = sql.clone();
                            view! { <button class="link history-item" on:click=move |_| console.load(&text)><code>{sql.clone()}</code></button> }
                        }
                    </li>
                </For>
            </ol>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_keeps_the_newest_once_and_is_bounded() {
        let mut history = Vec::new();
        for i in 0..40 {
            history = remembered(history, &format!("SELECT {i}"));
        }
        history = remembered(history, " SELECT 35 ");
        assert_eq!(history.len(), HISTORY_SIZE);
        assert_eq!(history[0], "SELECT 35");
        assert_eq!(history[1], "SELECT 39");
        assert_eq!(history.iter().filter(|h| *h == "SELECT 35").count(), 1);
    }

    #[test]
    fn labels_for_an_answer() {
        assert_eq!(rows_label(50, 50, 1234), "Rows 51–100 of 1,234");
        assert_eq!(rows_label(0, 0, 0), "No rows");
        assert_eq!(duration_label(12.4), "12 ms");
        assert_eq!(duration_label(2345.0), "2.3 s");
        assert!(is_numeric("Int64") && is_numeric("Float64") && is_numeric("Decimal128(18, 2)"));
        assert!(
            !is_numeric("Utf8") && !is_numeric("Date32") && !is_numeric("Interval(MonthDayNano)")
        );
    }
}
