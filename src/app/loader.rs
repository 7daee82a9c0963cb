//! Loading: the file, folder and zip pickers, drops (folders walked
//! recursively), the demo-data control and the progress line.

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{File, FileList, HtmlInputElement};

use crate::protocol::{Progress, UserMessage, ZipLimits};
use crate::state::{self, format_bytes, format_count};

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

/// The pickers, the drop zone and the demo-data control. Chosen or dropped
/// files go to `on_files`, a demo size to `on_demo`, a drop that cannot be
/// read to `on_error`.
#[component]
pub fn Loader(
    /// The demo size the box starts with.
    patients: u64,
    on_files: Callback<Vec<(String, File)>>,
    on_demo: Callback<u64>,
    on_error: Callback<UserMessage>,
    /// How far a zip may expand (raised by the user for a genuine large export).
    zip_limits: RwSignal<ZipLimits>,
) -> impl IntoView {
    let (patients, set_patients) = signal(patients);
    // A size outside 1..=100,000 (or not a number) is named, and the
    // button waits for a good one.
    let demo_problem = RwSignal::new(None::<String>);
    let on_pick = move |ev: ev::Event| {
        if let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        {
            // The browser made the `File`s in this task (about 25 ms for
            // 18 files in a trace): what they start (the progress view, the
            // history entry, the worker's message) runs in the next tasks,
            // so that no one task holds the main thread for all of it.
            let files = files_of(input.files());
            input.set_value("");
            crate::client::next_task(move || on_files.run(files));
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
                Ok(value) => on_files.run(dropped_pairs(value)),
                Err(error) => on_error.run(UserMessage {
                    title: "Could not read what was dropped".into(),
                    detail: format!("{error:?}"),
                    hint: Some("choose the files or the folder with the buttons instead".into()),
                }),
            }
        });
    };
    view! {
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
                <details class="zip-limits" data-testid="zip-limits">
                    <summary>"Zip limits"</summary>
                    <p class="hint">
                        "A zip that expands further is refused as a possible zip bomb. Raise these for a genuine large export."
                    </p>
                    {limit_input(zip_limits, "Expands to at most (GiB) ", "zip-max-gib", 64, |z| &mut z.max_gib)}
                    {limit_input(zip_limits, "At most this many times its packed size ", "zip-max-ratio", 100_000, |z| &mut z.max_ratio)}
                </details>
            </div>
            <div class="demo">
                <label>
                    "Demo patients "
                    <input
                        type="number"
                        min="1"
                        max=state::MAX_DEMO_PATIENTS.to_string()
                        data-testid="demo-patients"
                        aria-invalid=move || demo_problem.get().is_some().to_string()
                        aria-describedby="demo-problem"
                        prop:value=patients.get_untracked().to_string()
                        on:input=move |ev| match state::demo_size(&event_target_value(&ev)) {
                            Ok(n) => {
                                set_patients.set(n);
                                demo_problem.set(None);
                            }
                            Err(problem) => demo_problem.set(Some(problem)),
                        }
                    />
                </label>
                <button data-testid="load-demo" disabled=move || demo_problem.get().is_some() on:click=move |_| on_demo.run(patients.get_untracked())>
                    "Load demo data"
                </button>
                <p class="error" id="demo-problem" role="alert" data-testid="demo-problem" hidden=move || demo_problem.get().is_none()>
                    {move || demo_problem.get().unwrap_or_default()}
                </p>
            </div>
        </section>
    }
}

/// A number box for one of the zip limits: `field` picks it, a value
/// outside 1..=`max` is clamped, and one that is not a number keeps the
/// default.
fn limit_input(
    limits: RwSignal<ZipLimits>,
    label: &'static str,
    test_id: &'static str,
    max: u64,
    field: fn(&mut ZipLimits) -> &mut u64,
) -> impl IntoView {
    view! {
        <label>
            {label}
            <input
                type="number"
                min="1"
                max=max.to_string()
                data-testid=test_id
                prop:value=move || field(&mut limits.get()).to_string()
                on:change=move |ev| {
                    let fallback = *field(&mut ZipLimits::default());
                    let value = event_target_value(&ev).parse().unwrap_or(fallback).clamp(1, max);
                    limits.update(|z| *field(z) = value);
                }
            />
        </label>
    }
}

/// The progress of a load, with its cancel button.
pub fn progress_view(progress: &Progress, on_cancel: Callback<()>) -> impl IntoView + use<> {
    let (done, total) = (
        progress.bytes_done as f64,
        progress.bytes_total.max(1) as f64,
    );
    view! {
        <section class="working" data-testid="progress" aria-live="polite">
            <p>{progress_text(progress)}</p>
            <progress max=total value=done></progress>
            <button data-testid="cancel" on:click=move |_| on_cancel.run(())>
                "Cancel"
            </button>
        </section>
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
