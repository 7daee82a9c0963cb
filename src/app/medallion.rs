//! The medallion, visible: bronze accounting, rejects, data quality, the
//! star schema and the list of tables.

use std::sync::Arc;

use leptos::prelude::*;

use super::explorer::{preview_button, preview_button_labelled};
use crate::protocol::Summary;
use crate::state::{format_bytes, format_count};

/// The medallion, visible: bronze files, rejects, data quality, the star
/// schema and every table built.
#[component]
pub fn Medallion(summary: Arc<Summary>) -> impl IntoView {
    let files = summary
        .files
        .iter()
        .map(|f| {
            view! {
                <tr>
                    <td>{f.path.clone()}</td>
                    <td>{f.kind.clone().unwrap_or_else(|| "skipped".into())}</td>
                    <td class="number">{format_bytes(f.bytes)}</td>
                    <td class="number">{format_count(f.rows_read as f64)}</td>
                    <td class="number">{format_count(f.rows_accepted as f64)}</td>
                    <td class="number">{format_count(f.rows_rejected as f64)}</td>
                </tr>
            }
        })
        .collect_view();
    let tables = summary
        .tables
        .iter()
        .map(|t| {
            view! {
                <tr>
                    <td>{t.layer.clone()}</td>
                    <td>{preview_button(&t.name)}</td>
                    <td class="number" data-testid=format!("rows-{}", t.name)>{format_count(t.rows as f64)}</td>
                    <td class="number">{t.columns}</td>
                </tr>
            }
        })
        .collect_view();
    let quality = summary
        .quality
        .iter()
        .filter(|r| r.rows_failed > 0)
        .map(|r| {
            view! {
                <tr class=format!("severity-{}", r.severity)>
                    <td>{r.severity.clone()}</td>
                    <td>{r.rule_id.clone()}</td>
                    <td>{r.description.clone()}</td>
                    <td class="number">{format!("{} of {}", format_count(r.rows_failed as f64), format_count(r.rows_checked as f64))}</td>
                </tr>
            }
        })
        .collect_view();
    let rejects = summary
        .rejects
        .iter()
        .map(|r| {
            view! {
                <tr>
                    <td>{r.file.clone()}</td>
                    <td class="number">{r.line}</td>
                    <td>{r.column.clone().unwrap_or_default()}</td>
                    <td>{r.reason.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    let warnings = summary
        .warnings
        .iter()
        .map(|w| view! { <li>{w.clone()}</li> })
        .collect_view();
    view! {
            <h2>"Bronze: files read"</h2>
            <ul class="warnings">{warnings}</ul>
            <table data-testid="bronze-files">
                <thead><tr><th>"File"</th><th>"Kind"</th><th>"Size"</th><th>"Rows read"</th><th>"Accepted"</th><th>"Rejected"</th></tr></thead>
                <tbody>{files}</tbody>
            </table>
            <h2>"Rejected rows"</h2>
            <p>{preview_button_labelled("bronze_rejects", "Search or download every rejected row")}</p>
            {(summary.rejected_rows == 0).then(|| view! { <p class="hint">"No row was rejected: every data row was typed."</p> })}
            {(summary.rejected_rows > summary.rejects.len() as u64).then(|| view! {
                <p class="hint">{format!("The first {} of {} rejected rows:", summary.rejects.len(), summary.rejected_rows)}</p>
            })}
            <table data-testid="rejects">
                <thead><tr><th>"File"</th><th>"Line"</th><th>"Column"</th><th>"Reason"</th></tr></thead>
                <tbody>{rejects}</tbody>
            </table>
            <h2>"Data quality"</h2>
            <table data-testid="quality">
                <thead><tr><th>"Severity"</th><th>"Rule"</th><th>"Checks"</th><th>"Failed"</th></tr></thead>
                <tbody>{quality}</tbody>
            </table>
            <h2>"Silver: the star schema"</h2>
            <figure class="star" data-testid="star-schema">
                <div role="img" aria-label="Star schema: facts and the dimensions their keys refer to" inner_html=crate::star::star_schema_svg(&summary.star)></div>
                <figcaption class="hint">"Facts (middle) refer to dimensions through surrogate keys; dashed lines are role-playing keys, a stop date or a secondary payer (inactive relationships in Power BI). Open a table below to see every column."</figcaption>
            </figure>
            <h2>"Tables built"</h2>
            <p class="hint">"Open a table to page, sort and search it, and to download it as Parquet or CSV. Open "
                {preview_button("dim_patient")} " for each patient's timeline."</p>
            <table data-testid="tables">
                <thead><tr><th>"Layer"</th><th>"Table"</th><th>"Rows"</th><th>"Columns"</th></tr></thead>
                <tbody>{tables}</tbody>
            </table>
    }
}
