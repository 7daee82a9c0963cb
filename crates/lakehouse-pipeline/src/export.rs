//! Export: tables to Snappy Parquet and CSV bytes, and the run manifest as
//! JSON. Nothing here touches a path; callers decide where bytes go.

pub mod csv;
pub mod databricks;
pub mod delta;
pub mod ids;
pub mod json;
pub mod manifest;
pub mod parquet;
pub mod powerbi;
