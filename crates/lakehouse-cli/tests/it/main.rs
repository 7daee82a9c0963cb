//! Integration tests of the `lakehouse` binary: one test binary (run with
//! `cargo test -p lakehouse-cli`), modules per concern. The real Synthea
//! exports are read at run time from `../shared/synthea` (never copied).

mod demo;
mod errors;
mod exports;
mod real_data;
#[cfg(feature = "sql")]
mod sql;
mod support;
