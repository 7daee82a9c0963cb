//! The view in the page's URL: the filter and the demo size, so that a
//! link rebuilds the same view and back/forward restore a filter.

use crate::protocol::{Dimension, Filter};

/// The filter and demo size in the page's URL (`?demo=1000&org=…`).
pub fn url_state() -> (Filter, Option<u64>) {
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
pub fn push_url_state(filter: &Filter, demo: Option<u64>) {
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
