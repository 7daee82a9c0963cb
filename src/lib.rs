//! Synthea Lakehouse in the browser: a Leptos CSR app built by Trunk.
//!
//! The page (`app`) never runs the pipeline: it posts requests
//! ([`protocol`], the only serde boundary, which both sides use) to a Web
//! Worker (`worker`) and renders the view models it gets back. Formatting
//! lives in `state`, natively tested.

pub mod app;
pub mod charts;
pub mod client;
pub mod protocol;
pub mod sql_client;
pub mod sql_protocol;
#[cfg(feature = "sql")]
pub mod sql_worker;
pub mod star;
pub mod state;
pub mod worker;

pub use app::App;

#[cfg(test)]
mod contrast_tests;
