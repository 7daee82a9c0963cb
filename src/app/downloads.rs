//! The downloads: the lakehouse zip (byte-identical to the CLI's files), a
//! Power BI project, Delta tables and a Databricks bundle, each made in the
//! worker.

use leptos::prelude::*;

use crate::client;
use crate::protocol::{ExportKind, Request};

/// One button: asks the worker for `request`, saying so in the note.
fn download_button(
    test_id: &'static str,
    label: &'static str,
    title: Option<&'static str>,
    preparing: &'static str,
    request: impl Fn() -> Request + 'static,
    set_note: WriteSignal<String>,
) -> impl IntoView {
    view! {
        <button
            data-testid=test_id
            title=title
            on:click=move |_| {
                set_note.set(preparing.into());
                if let Err(error) = client::request(&request()) {
                    set_note.set(error);
                }
            }
        >
            {label}
        </button>
    }
}

/// The download buttons and the note that says what happened.
#[component]
pub fn Downloads(note: ReadSignal<String>, set_note: WriteSignal<String>) -> impl IntoView {
    let (unzip_folder, set_unzip_folder) = signal("C:\\SyntheaLakehouse".to_string());
    let export = |kind| {
        move || Request::Export {
            kind,
            unzip_folder: String::new(),
        }
    };
    view! {
        <section class="downloads" aria-label="Downloads">
            <span class="downloads-label">"Download:"</span>
            {download_button(
                "download-zip",
                "Lakehouse (.zip)",
                Some("Every bronze, silver and gold table as Parquet, with manifest.json: what lakehouse run writes"),
                "Preparing the zip in the worker…",
                || Request::Download,
                set_note,
            )}
            {download_button(
                "download-delta",
                "Delta tables (.zip)",
                None,
                "Preparing the Delta tables in the worker…",
                export(ExportKind::Delta),
                set_note,
            )}
            {download_button(
                "download-databricks",
                "Databricks (.zip)",
                Some("A Databricks Asset Bundle: SQL notebooks that rebuild these tables on Spark from the same CSV files"),
                "Preparing the Databricks bundle in the worker…",
                export(ExportKind::Databricks),
                set_note,
            )}
            <label class="unzip">
                "Power BI, to unzip in "
                <input
                    type="text"
                    data-testid="unzip-folder"
                    prop:value=move || unzip_folder.get()
                    on:change=move |ev| set_unzip_folder.set(event_target_value(&ev))
                />
            </label>
            {download_button(
                "download-powerbi",
                "Power BI (.zip)",
                None,
                "Preparing the Power BI project in the worker…",
                move || Request::Export {
                    kind: ExportKind::PowerBi,
                    unzip_folder: unzip_folder.get_untracked(),
                },
                set_note,
            )}
            <span class="hint" data-testid="download-note" aria-live="polite">{move || note.get()}</span>
        </section>
    }
}
