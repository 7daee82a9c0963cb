//! The Web Worker side: everything here runs in the worker, never on the
//! page. The handler runs the pipeline and condenses its result into view
//! models, the dashboard model recomputes filters, the session routes each
//! request, and (on wasm32) the runtime wires the session to `postMessage`.

pub mod dashboard;
#[cfg(test)]
mod dashboard_tests;
pub mod handler;
mod members;
pub mod patient;
#[cfg(target_arch = "wasm32")]
pub mod runtime;
pub mod session;
#[cfg(target_arch = "wasm32")]
pub mod storage;
pub mod tables;
