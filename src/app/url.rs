//! The view in the page's URL: the filter and where the data came from
//! (the demo size, or a lakehouse saved in this browser), so that a link or
//! a bookmark rebuilds the same view and back/forward restore a filter.

use crate::protocol::{Dimension, Filter};

/// Where the data on screen came from, as far as a URL can say it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Origin {
    /// Nothing loaded, or files not saved yet (a link cannot carry files).
    #[default]
    Files,
    /// The demo data with this many patients (`?demo=1000`).
    Demo(u64),
    /// A lakehouse saved in this browser (`?lakehouse=lh-…`).
    Saved(String),
}

/// The filter and origin in the page's URL (`?demo=1000&org=…`).
pub fn url_state() -> (Filter, Origin) {
    let params = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|search| web_sys::UrlSearchParams::new_with_str(&search).ok());
    let Some(params) = params else {
        return (Filter::default(), Origin::Files);
    };
    // A key may come several times: several values of one dimension.
    let pairs: Vec<(&str, String)> = Dimension::ALL
        .into_iter()
        .flat_map(|d| {
            params
                .get_all(d.key())
                .iter()
                .filter_map(|v| v.as_string())
                .map(move |value| (d.key(), value))
                .collect::<Vec<_>>()
        })
        .collect();
    let filter = Filter::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())));
    // A link's demo size keeps to the box's bounds (a bad one loads nothing).
    let demo = params
        .get("demo")
        .and_then(|n| crate::state::demo_size(&n).ok());
    let saved = params
        .get("lakehouse")
        .filter(|id| crate::state::is_saved_id(id));
    let origin = match (saved, demo) {
        (Some(id), _) => Origin::Saved(id),
        (None, Some(n)) => Origin::Demo(n),
        (None, None) => Origin::Files,
    };
    (filter, origin)
}

thread_local! {
    /// The select whose change made the last history entry, while it keeps
    /// the focus ([`focus_moved`] forgets it).
    static PUSHED_FROM: std::cell::RefCell<Option<web_sys::Element>> =
        const { std::cell::RefCell::new(None) };
}

/// Focus moved: the next filter change starts a new history entry.
pub fn focus_moved() {
    PUSHED_FROM.with(|p| p.borrow_mut().take());
}

/// Records a filter change in the URL. The first change from a focused
/// select is a new history entry; its further changes while it keeps the
/// focus (Chromium fires `change` on every arrow key) replace that entry,
/// so one trip through the options is one step back.
pub fn record_filter(filter: &Filter, origin: &Origin) {
    let active = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())
        .filter(|e| e.tag_name().eq_ignore_ascii_case("select"));
    let same = PUSHED_FROM.with(|p| {
        let pushed = p.borrow();
        matches!((&*pushed, &active), (Some(a), Some(b)) if a == b)
    });
    if same {
        set_url_state(filter, origin, false);
    } else {
        set_url_state(filter, origin, true);
        PUSHED_FROM.with(|p| *p.borrow_mut() = active);
    }
}

/// Records the view in the URL as a new history entry (so it can be
/// shared, and the back button returns to the previous filter).
pub fn push_url_state(filter: &Filter, origin: &Origin) {
    set_url_state(filter, origin, true);
}

/// The view in the URL: a new history entry (`push`), or the current one
/// replaced (a save names its lakehouse in the entry of the load).
pub fn set_url_state(filter: &Filter, origin: &Origin, push: bool) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(params) = web_sys::UrlSearchParams::new() else {
        return;
    };
    match origin {
        Origin::Files => {}
        Origin::Demo(n) => params.append("demo", &n.to_string()),
        Origin::Saved(id) => params.append("lakehouse", id),
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
    if let Ok(history) = window.history() {
        let _ = if push {
            history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
        } else {
            history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
        };
    }
}
