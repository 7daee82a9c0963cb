//! The worker handler inside a dedicated worker scope (wasm-bindgen-test in
//! headless Chromium): files are browser `File`s read in slices with
//! `FileReaderSync`, exactly as in the app, and the result equals the
//! lakehouse built from the same bytes in memory.
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
    let built = handler::load_sources(&mut from_files, Default::default(), &mut |p| {
        stages.push(p.stage)
    })
    .unwrap();
    let reference =
        handler::load_sources(&mut from_bytes, Default::default(), &mut |_| {}).unwrap();
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
