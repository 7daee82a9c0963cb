//! `manifest.json`: what went in (files, sizes, SHA-256, the detected
//! version, per-file row accounting), what came out (every table's row count)
//! and the data-quality summary. It holds no clock time, so the same input
//! gives the same bytes.

use super::json::Json;
use crate::Lakehouse;
use crate::bronze::spec::VERSIONS;
use crate::gold::quality::{RuleResult, Severity};

/// The manifest of a finished run.
pub fn manifest(lakehouse: &Lakehouse, rules: &[RuleResult]) -> Json {
    let bronze = &lakehouse.bronze;
    let inputs = bronze
        .files
        .iter()
        .map(|f| {
            Json::object([
                ("path", Json::str(&f.path)),
                ("kind", f.kind.map_or(Json::Null, Json::str)),
                ("bytes", Json::Int(f.bytes as i64)),
                ("sha256", Json::str(&f.sha256)),
                ("has_header", Json::Bool(f.has_header)),
                ("rows_read", Json::Int(f.rows_read as i64)),
                ("rows_accepted", Json::Int(f.rows_accepted as i64)),
                ("rows_rejected", Json::Int(f.rows_rejected as i64)),
                ("blank_lines", Json::Int(f.blank_lines as i64)),
                ("repeated_headers", Json::Int(f.repeated_headers as i64)),
                ("non_finite_numbers", Json::Int(f.non_finite_numbers as i64)),
                ("us_date_rows", Json::Int(f.us_dates.rows as i64)),
                (
                    "layout_versions",
                    Json::Array(
                        f.layout_versions
                            .iter()
                            .map(|v| Json::str(VERSIONS[*v as usize]))
                            .collect(),
                    ),
                ),
            ])
        })
        .collect();
    let tables = lakehouse
        .tables()
        .into_iter()
        .map(|t| {
            Json::object([
                ("layer", Json::str(t.layer)),
                ("name", Json::str(t.name)),
                ("rows", Json::Int(t.rows() as i64)),
                ("columns", Json::Int(t.schema.fields().len() as i64)),
            ])
        })
        .collect();
    let count = |severity| rules.iter().filter(|r| r.failed_with(severity)).count() as i64;
    let rules_json = rules
        .iter()
        .map(|r| {
            Json::object([
                ("rule_id", Json::str(r.rule_id())),
                ("severity", Json::str(r.severity().as_str())),
                ("rows_checked", Json::Int(r.rows_checked as i64)),
                ("rows_failed", Json::Int(r.rows_failed as i64)),
            ])
        })
        .collect();
    let cleaning = lakehouse
        .silver
        .cleaning
        .iter()
        .map(|c| {
            Json::object([
                ("file", Json::str(c.file)),
                (
                    "exact_duplicates_dropped",
                    Json::Int(c.exact_duplicates as i64),
                ),
                (
                    "duplicate_ids_merged",
                    Json::Int(c.merged_duplicate_ids as i64),
                ),
            ])
        })
        .collect();
    let version = &bronze.version;
    Json::object([
        (
            "pipeline",
            Json::object([
                ("name", Json::str("synthea-lakehouse")),
                ("version", Json::str(env!("CARGO_PKG_VERSION"))),
            ]),
        ),
        ("as_of", Json::str(lakehouse.silver.as_of.to_string())),
        (
            "synthea_version",
            Json::object([
                ("label", Json::str(version.label())),
                ("min", version.min().map_or(Json::Null, Json::str)),
                ("max", version.max().map_or(Json::Null, Json::str)),
            ]),
        ),
        ("inputs", Json::Array(inputs)),
        (
            "warnings",
            Json::Array(bronze.warnings.iter().map(Json::str).collect()),
        ),
        ("rows_rejected", Json::Int(bronze.rejects.num_rows() as i64)),
        ("cleaning", Json::Array(cleaning)),
        ("tables", Json::Array(tables)),
        (
            "data_quality",
            Json::object([
                ("rules_failed_error", Json::Int(count(Severity::Error))),
                ("rules_failed_warning", Json::Int(count(Severity::Warning))),
                ("rules_failed_info", Json::Int(count(Severity::Info))),
                ("rules", Json::Array(rules_json)),
            ]),
        ),
    ])
}
