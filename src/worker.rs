//! The Web Worker side: the message protocol (the only serde boundary in the
//! project), the handler that runs the pipeline and condenses its result into
//! view models, and (on wasm32) the runtime that wires it to `postMessage`.

pub mod handler;
pub mod patient;
pub mod protocol;
#[cfg(target_arch = "wasm32")]
pub mod runtime;
pub mod tables;
