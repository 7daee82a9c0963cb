//! The pipeline's tests: per-stage checks on tiny inputs, golden renderings of
//! the `mini` fixture set (run natively and on wasm32 to prove identical
//! output), property tests (native only) and a tidy check.

mod bronze;
mod databricks;
mod docs;
mod fixtures;
mod golden;
mod metrics;
mod powerbi;
#[cfg(not(target_arch = "wasm32"))]
mod props;
mod reopen;
mod silver_gold;
#[cfg(not(target_arch = "wasm32"))]
mod tidy;
