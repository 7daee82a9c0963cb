//! Synthea Lakehouse in the browser: a Leptos CSR app built by Trunk.
//!
//! This first version is the landing page only; the file drop, the Web
//! Worker running `lakehouse-pipeline` and the dashboard come next (see
//! ARCHITECTURE.md). Components hold no business logic: the view models they
//! render are computed by plain functions that are unit-tested natively.

use leptos::prelude::*;

/// What the landing page says about the engine compiled into it.
pub fn engine_summary() -> String {
    let versions = lakehouse_pipeline::bronze::VERSIONS;
    format!(
        "Reads Synthea CSV exports from {} to {}; everything runs in this tab.",
        versions[0],
        versions[versions.len() - 1]
    )
}

/// The application root.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <main class="landing">
            <h1>"Synthea Lakehouse"</h1>
            <p class="lead">"A lakehouse for Synthea EHR data that runs in your browser."</p>
            <p data-testid="engine-summary">{engine_summary()}</p>
            <p class="privacy">"Your data never leaves this browser tab: no upload, no server."</p>
        </main>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_summary_names_the_supported_versions() {
        assert_eq!(
            super::engine_summary(),
            "Reads Synthea CSV exports from 2.5 to 4.0; everything runs in this tab."
        );
    }
}
