//! Components in headless Chromium (wasm-bindgen-test through chromedriver):
//! the landing page's labels and privacy promise, and the dashboard's charts
//! filtering by click and by keyboard.
#![cfg(target_arch = "wasm32")]

use std::sync::{Arc, Mutex};

use lakehouse_web::app::{App, dashboard_charts};
use lakehouse_web::protocol::{Bar, Charts, Dimension, Filter};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn click(element: &web_sys::Element) {
    let init = web_sys::MouseEventInit::new();
    init.set_bubbles(true);
    let event = web_sys::MouseEvent::new_with_mouse_event_init_dict("click", &init).unwrap();
    element.dispatch_event(&event).unwrap();
}

#[wasm_bindgen_test]
fn the_landing_page_promises_privacy_and_labels_every_control() {
    let host = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&host).unwrap();
    let handle = leptos::mount::mount_to(host.clone().unchecked_into(), App);
    let text = host.text_content().unwrap();
    assert!(text.contains("your files are never uploaded"), "{text}");
    let inputs = host.query_selector_all("input, button, select").unwrap();
    assert!(inputs.length() >= 4);
    for i in 0..inputs.length() {
        let control: web_sys::Element = inputs.get(i).unwrap().unchecked_into();
        let labelled = control.get_attribute("aria-label").is_some()
            || control.closest("label").unwrap().is_some()
            || !control.text_content().unwrap_or_default().trim().is_empty();
        assert!(labelled, "unlabelled control {}", control.outer_html());
    }
    drop(handle);
}

fn sample_charts() -> Charts {
    let bars = |names: &[&str]| {
        names
            .iter()
            .enumerate()
            .map(|(i, n)| Bar {
                label: n.to_string(),
                value: (10 - i) as f64,
            })
            .collect::<Vec<_>>()
    };
    Charts {
        months: vec!["2024-01".into(), "2024-02".into()],
        monthly_by_class: vec![("wellness".into(), vec![3.0, 4.0])],
        readmission_rate_by_month: vec![None, Some(50.0)],
        index_stays_by_month: vec![0.0, 2.0],
        organizations: bars(&["North Clinic", "South Hospital"]),
        providers: bars(&["Dr A", "Dr B"]),
        top_conditions: bars(&["Hypertension"]),
        age_pyramid: vec![("18-44".into(), 2.0, 3.0)],
        race: bars(&["white", "black"]),
        ..Charts::default()
    }
}

/// Waits `ms` milliseconds (lets queued events such as `toggle` run).
async fn pause(ms: i32) {
    let promise = js_sys::Promise::new(&mut |done, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&done, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

#[wasm_bindgen_test]
async fn clicking_a_bar_or_its_table_button_filters_by_it() {
    let picked: Arc<Mutex<Vec<Filter>>> = Arc::default();
    let sink = picked.clone();
    let apply = Callback::new(move |f: Filter| sink.lock().unwrap().push(f));
    let host = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&host).unwrap();
    let start = Filter::default().with(Dimension::Gender, "F");
    let handle = leptos::mount::mount_to(host.clone().unchecked_into(), move || {
        dashboard_charts(&sample_charts(), &start, apply)
    });
    let bar = host
        .query_selector("[data-testid=\"chart-organizations\"] [data-bar=\"1\"]")
        .unwrap()
        .expect("the second organization bar");
    click(&bar);
    // A chart's table is made only once it is opened.
    let details = host
        .query_selector("[data-testid=\"chart-providers\"] details")
        .unwrap()
        .expect("the providers chart's table view");
    assert!(details.query_selector("table").unwrap().is_none());
    details.set_attribute("open", "").unwrap();
    pause(50).await;
    let button = host
        .query_selector("[data-testid=\"chart-providers\"] table button")
        .unwrap()
        .expect("the providers table's first button");
    click(&button);
    let pyramid_male = host
        .query_selector("[data-testid=\"chart-age\"] [data-bar=\"1\"]")
        .unwrap()
        .expect("the male bar");
    click(&pyramid_male);
    let picked = picked.lock().unwrap().clone();
    assert_eq!(
        picked,
        vec![
            Filter::default()
                .with(Dimension::Gender, "F")
                .with(Dimension::Organization, "South Hospital"),
            Filter::default()
                .with(Dimension::Gender, "F")
                .with(Dimension::Provider, "Dr A"),
            Filter::default()
                .with(Dimension::Gender, "M")
                .with(Dimension::AgeBand, "18-44"),
        ]
    );
    drop(handle);
}
