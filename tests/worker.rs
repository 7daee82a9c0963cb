//! The worker handler inside a dedicated worker scope (wasm-bindgen-test in
//! headless Chromium): files are browser `File`s read in slices with
//! `FileReaderSync`, exactly as in the app, and the result equals the
//! lakehouse built from the same bytes in memory (their SHA-256 computed
//! apart, as the app's second worker does).
#![cfg(target_arch = "wasm32")]

use lakehouse_web::protocol::{Dimension, Filter, Stage, TableQuery};
use lakehouse_web::worker::dashboard::Dashboard;
use lakehouse_web::worker::handler::{self, BytesSource, Source};
use lakehouse_web::worker::{runtime, tables};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen_test]
fn files_read_with_file_reader_sync_build_the_same_lakehouse() {
    let files = lakehouse_synth::generate_files(&lakehouse_synth::Config::new(11, 40));
    let mut from_files: Vec<Box<dyn Source>> = Vec::new();
    let mut from_bytes: Vec<Box<dyn Source>> = Vec::new();
    for (name, bytes) in &files {
        let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes.as_slice()));
        let file = web_sys::File::new_with_u8_array_sequence(&parts, name).unwrap();
        from_files.push(runtime::file_source(name.to_string(), file).unwrap());
        from_bytes.push(Box::new(BytesSource {
            path: name.to_string(),
            bytes: bytes.clone(),
        }));
    }
    let mut stages = Vec::new();
    // Read as the app reads them: unhashed, while a second worker hashes
    // the same `File`s.
    let mut built = handler::load_sources(&mut from_files, Default::default(), true, &mut |p| {
        stages.push(p.stage)
    })
    .unwrap();
    let reference =
        handler::load_sources(&mut from_bytes, Default::default(), false, &mut |_| {}).unwrap();
    assert_eq!(built.bronze.unhashed_files().count(), files.len());
    let hashes = handler::hash_sources(&mut from_files).unwrap();
    for (source, hash) in from_files.iter().zip(hashes) {
        assert!(built.bronze.set_sha256(source.path(), hash));
    }
    assert_eq!(built.manifest_json(), reference.manifest_json());
    assert!(stages.contains(&Stage::Bronze) && stages.ends_with(&[Stage::Silver, Stage::Gold]));
    let (a, b) = (Dashboard::new(&built), Dashboard::new(&reference));
    let summary = handler::summarize(&built, &a);
    assert_eq!(summary, handler::summarize(&reference, &b));
    assert_eq!(summary.view.kpis[0].raw, Some(40.0));
    let filter = Filter::default().with(Dimension::Class, "wellness");
    assert_eq!(a.view(&filter), b.view(&filter));
    assert!(a.view(&filter).encounters < a.view(&Filter::default()).encounters);
    let page = tables::table_page(
        &built,
        &TableQuery {
            name: "fact_encounters".into(),
            limit: 5,
            ..TableQuery::default()
        },
        None,
    )
    .unwrap();
    assert_eq!(page.rows.len(), 5);
    // In the browser too, a drill-through gives the filtered view's rows.
    let rows = a.drill("fact_encounters", &filter).unwrap();
    assert_eq!(rows.len() as u64, a.view(&filter).encounters);
    let (zip, bytes) = handler::lakehouse_zip(&built).unwrap();
    assert_eq!(zip.bytes, bytes.len() as u64);
}

/// A browser `File` of `bytes`.
fn file(name: &str, bytes: &[u8]) -> web_sys::File {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    web_sys::File::new_with_u8_array_sequence(&parts, name).unwrap()
}

#[wasm_bindgen_test]
async fn files_read_ahead_asynchronously_build_the_same_lakehouse() {
    use std::io::Write;
    // Slices of 4 KiB (the app's are 1 MiB): files of several slices, and
    // the last one short.
    let slice = 4096;
    let files = lakehouse_synth::generate_files(&lakehouse_synth::Config::new(12, 30));
    assert!(files.iter().any(|(_, b)| b.len() > 5 * slice));
    // The first half as files, the rest in a zip.
    let half = files.len() / 2;
    let mut zipped = std::io::Cursor::new(Vec::new());
    {
        let mut writer = zip::ZipWriter::new(&mut zipped);
        for (name, bytes) in &files[half..] {
            writer
                .start_file(name.to_string(), zip::write::SimpleFileOptions::default())
                .unwrap();
            writer.write_all(bytes).unwrap();
        }
        writer.finish().unwrap();
    }
    let zipped = zipped.into_inner();
    let mut chosen: Vec<(String, web_sys::File)> = files[..half]
        .iter()
        .map(|(name, bytes)| (name.to_string(), file(name, bytes)))
        .collect();
    chosen.push(("rest.zip".into(), file("rest.zip", &zipped)));
    let mut sources: Vec<Box<dyn Source>> = files[..half]
        .iter()
        .map(|(name, bytes)| {
            Box::new(BytesSource {
                path: name.to_string(),
                bytes: bytes.clone(),
            }) as Box<dyn Source>
        })
        .collect();
    sources.push(Box::new(BytesSource {
        path: "rest.zip".into(),
        bytes: zipped,
    }));
    let reference =
        handler::load_sources(&mut sources, Default::default(), false, &mut |_| {}).unwrap();

    let mut done = Vec::new();
    let mut record = |p: &lakehouse_web::protocol::Progress| done.push(p.bytes_done);
    // What the app's second worker receives: each slice, once decoded.
    let mut hashing: Vec<(lakehouse_pipeline::bronze::Sha256Hex, bool)> = Vec::new();
    let mut forward = |file: u32, bytes: &js_sys::Uint8Array, last: bool| {
        if hashing.len() == file as usize {
            hashing.push(Default::default());
        }
        let (hasher, ended) = &mut hashing[file as usize];
        assert!(!*ended, "bytes after the last of file {file}");
        hasher.update(&bytes.to_vec());
        *ended = last;
    };
    let mut built = runtime::read_files(
        &chosen,
        Default::default(),
        slice as u32,
        &mut record,
        Some(&mut forward),
    )
    .await
    .unwrap();
    // Progress only grows, to the whole input.
    assert!(done.windows(2).all(|w| w[0] <= w[1]), "{done:?}");
    let total: u64 = chosen.iter().map(|(_, f)| f.size() as u64).sum();
    assert_eq!(done.last(), Some(&total));
    // The plain files wait for their hashes; the zip's entries have theirs.
    let unhashed: Vec<String> = built.bronze.unhashed_files().map(str::to_string).collect();
    let plain: Vec<String> = files[..half].iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(unhashed, plain);
    assert_eq!(hashing.len(), plain.len());
    for (path, (hasher, ended)) in plain.iter().zip(hashing) {
        assert!(ended, "{path} never ended");
        assert!(built.bronze.set_sha256(path, hasher.finish()));
    }
    assert_eq!(built.manifest_json(), reference.manifest_json());
    assert_eq!(
        built.output_files(false).unwrap(),
        reference.output_files(false).unwrap()
    );
}

/// Waits `ms` milliseconds, letting this worker's queued events run.
async fn pause(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        runtime::scope()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// A hasher's first message is this worker's compiled module, which it
/// instantiates instead of compiling the wasm again. The stand-in hasher
/// answers anything else first, or nothing within 150 ms, with a message
/// the runtime cannot read, which ends it.
#[wasm_bindgen_test]
async fn a_hasher_is_sent_this_workers_compiled_module_first() {
    let script = script_url(
        "let first = true;
         self.onmessage = (event) => {
           const module = event.data;
           const compiled = module instanceof WebAssembly.Module
             && WebAssembly.Module.exports(module).some((e) => e.name === 'memory');
           if (first && !compiled) postMessage(['not the compiled module']);
           first = false;
         };
         setTimeout(() => { if (first) postMessage(['no message']); }, 150);",
    );
    assert!(runtime::start_hasher(3, &script));
    pause(300).await;
    assert!(
        runtime::hasher_running(),
        "the hasher's first message was not this worker's module"
    );
    runtime::end_hasher();
    assert!(!runtime::hasher_running());
}

/// A URL for a worker script of `source`.
fn script_url(source: &str) -> String {
    let parts = js_sys::Array::of1(&source.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/javascript");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).unwrap();
    web_sys::Url::create_object_url_with_blob(&blob).unwrap()
}

/// A hasher whose script fails (as one ended while its script loads does:
/// the aborted load is an error) never stops this worker: not while it
/// runs, and not when its error was already queued as it was ended. The
/// second case reached the page as "the processing worker stopped" once,
/// for a load that failed at once.
#[wasm_bindgen_test]
async fn a_failing_hasher_never_reaches_this_worker_scope() {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::Closure;
    let script = script_url("setTimeout(() => { throw new Error('the hasher failed') }, 200);");
    let errors = std::rc::Rc::new(std::cell::Cell::new(0));
    let counter = errors.clone();
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
        counter.set(counter.get() + 1)
    });
    let scope = runtime::scope();
    scope
        .add_event_listener_with_callback("error", on_error.as_ref().unchecked_ref())
        .unwrap();
    // Ended while its error is queued: once the hasher runs, this task
    // holds the thread while it fails.
    assert!(runtime::start_hasher(1, &script));
    pause(100).await;
    let until = js_sys::Date::now() + 500.0;
    while js_sys::Date::now() < until {}
    runtime::end_hasher();
    pause(300).await;
    assert_eq!(
        errors.get(),
        0,
        "an ended hasher's error reached the worker's scope"
    );
    // Failing while it runs: its own listener cancels the error.
    assert!(runtime::start_hasher(2, &script));
    pause(500).await;
    assert_eq!(
        errors.get(),
        0,
        "a running hasher's error reached the worker's scope"
    );
    scope
        .remove_event_listener_with_callback("error", on_error.as_ref().unchecked_ref())
        .unwrap();
}
