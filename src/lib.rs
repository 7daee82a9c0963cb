//! Synthea Lakehouse in the browser: a Leptos CSR app built by Trunk.
//!
//! The page (`app`) never runs the pipeline: it posts requests to a Web
//! Worker (`worker`, the only serde boundary) and renders the view models it
//! gets back. Formatting lives in `state`, natively tested.

pub mod app;
pub mod charts;
pub mod client;
pub mod dashboard;
#[cfg(test)]
mod dashboard_tests;
pub mod star;
pub mod state;
pub mod worker;

pub use app::App;
