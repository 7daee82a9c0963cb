//! The silver star schema as an SVG diagram: facts in the middle, dimensions
//! on either side, a line from each fact's foreign key to the dimension it
//! refers to (dashed for role-playing keys: a stop date, a secondary payer).
//! The boxes come from the tables' own columns and the lines from the
//! pipeline's list of foreign keys, the one the Power BI model reads.

use lakehouse_pipeline::silver::{self, ForeignKey, Role};

use crate::protocol::ColumnInfo;

const BOX_WIDTH: f64 = 210.0;
const ROW: f64 = 16.0;
const HEAD: f64 = 22.0;
const GAP: f64 = 18.0;
const COLUMN_X: [f64; 3] = [10.0, 330.0, 650.0];

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The model relationship of `table.column`, from the pipeline's one list
/// of foreign keys ([`silver::FOREIGN_KEYS`]).
fn relationship(table: &str, column: &str) -> Option<&'static ForeignKey> {
    silver::model_relationships().find(|k| k.table == table && k.column == column)
}

struct Placed {
    name: String,
    x: f64,
    y: f64,
    rows: Vec<String>,
}

impl Placed {
    fn height(&self) -> f64 {
        HEAD + ROW * self.rows.len() as f64 + 6.0
    }
    fn row_y(&self, i: usize) -> f64 {
        self.y + HEAD + ROW * i as f64 + ROW / 2.0
    }
}

fn stack(
    tables: &[&(String, Vec<ColumnInfo>)],
    x: f64,
    rows_of: impl Fn(&[ColumnInfo]) -> Vec<String>,
) -> Vec<Placed> {
    let mut y = 30.0;
    tables
        .iter()
        .map(|(name, columns)| {
            let placed = Placed {
                name: name.clone(),
                x,
                y,
                rows: rows_of(columns),
            };
            y += placed.height() + GAP;
            placed
        })
        .collect()
}

/// The diagram of `tables` (silver: `dim_*` and `fact_*`, with their columns).
pub fn star_schema_svg(tables: &[(String, Vec<ColumnInfo>)]) -> String {
    let dims: Vec<(String, Vec<ColumnInfo>)> = tables
        .iter()
        .filter(|t| t.0.starts_with("dim_"))
        .cloned()
        .collect();
    let facts: Vec<&(String, Vec<ColumnInfo>)> =
        tables.iter().filter(|t| t.0.starts_with("fact_")).collect();
    let dim_refs: Vec<&(String, Vec<ColumnInfo>)> = dims.iter().collect();
    let half = dim_refs.len().div_ceil(2);
    let keys_only = |columns: &[ColumnInfo]| {
        let mut rows: Vec<String> = columns
            .iter()
            .filter(|c| c.name.ends_with("_key"))
            .map(|c| c.name.clone())
            .collect();
        let others = columns.len() - rows.len();
        if others > 0 {
            rows.push(format!("+ {others} columns"));
        }
        rows
    };
    let left = stack(&dim_refs[..half], COLUMN_X[0], keys_only);
    let right = stack(&dim_refs[half..], COLUMN_X[2], keys_only);
    let middle = stack(&facts, COLUMN_X[1], keys_only);
    let height = left
        .iter()
        .chain(&right)
        .chain(&middle)
        .map(|p| p.y + p.height())
        .fold(0.0, f64::max)
        + 10.0;
    let width = COLUMN_X[2] + BOX_WIDTH + 10.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\
         <title>Star schema: {} facts, {} dimensions</title>\
         <text x=\"{}\" y=\"18\" font-weight=\"bold\">facts</text><text x=\"{}\" y=\"18\" font-weight=\"bold\">dimensions</text><text x=\"{}\" y=\"18\" font-weight=\"bold\">dimensions</text>",
        middle.len(),
        left.len() + right.len(),
        COLUMN_X[1],
        COLUMN_X[0],
        COLUMN_X[2]
    );
    // Lines first, under the boxes.
    let all_dims: Vec<&Placed> = left.iter().chain(&right).collect();
    for fact in &middle {
        for (i, column) in fact.rows.iter().enumerate() {
            let Some(key) = relationship(&fact.name, column) else {
                continue;
            };
            let dim_name = key.references;
            let Some(dim) = all_dims.iter().find(|d| d.name == dim_name) else {
                continue;
            };
            let role_playing = key.role == Role::RolePlaying;
            let (x1, x2) = if dim.x < fact.x {
                (fact.x, dim.x + BOX_WIDTH)
            } else {
                (fact.x + BOX_WIDTH, dim.x)
            };
            let dash = if role_playing {
                " stroke-dasharray=\"4 3\""
            } else {
                ""
            };
            svg.push_str(&format!(
                "<line x1=\"{x1}\" y1=\"{:.1}\" x2=\"{x2}\" y2=\"{:.1}\" stroke=\"#0072b2\" stroke-opacity=\"0.45\"{dash}><title>{}.{column} → {dim_name}</title></line>",
                fact.row_y(i),
                dim.row_y(0),
                escape(&fact.name)
            ));
        }
    }
    for (placed, fill) in middle
        .iter()
        .map(|p| (p, "#fdf0d5"))
        .chain(left.iter().chain(&right).map(|p| (p, "#e3f1fb")))
    {
        svg.push_str(&format!(
            "<g data-table=\"{name}\"><rect x=\"{x}\" y=\"{y}\" width=\"{BOX_WIDTH}\" height=\"{h}\" rx=\"6\" fill=\"{fill}\" stroke=\"#57606a\"/>\
             <text x=\"{tx}\" y=\"{ty}\" font-weight=\"bold\">{name}</text>",
            name = escape(&placed.name),
            x = placed.x,
            y = placed.y,
            h = placed.height(),
            tx = placed.x + 8.0,
            ty = placed.y + 15.0,
        ));
        for (i, row) in placed.rows.iter().enumerate() {
            let style = if row.starts_with('+') {
                " fill=\"#57606a\""
            } else {
                ""
            };
            svg.push_str(&format!(
                "<text x=\"{}\" y=\"{:.1}\"{style}>{}</text>",
                placed.x + 14.0,
                placed.row_y(i) + 4.0,
                escape(row)
            ));
        }
        svg.push_str("</g>");
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, columns: &[&str]) -> (String, Vec<ColumnInfo>) {
        (
            name.to_string(),
            columns
                .iter()
                .map(|c| ColumnInfo {
                    name: c.to_string(),
                    data_type: "int64".into(),
                })
                .collect(),
        )
    }

    #[test]
    fn every_foreign_key_draws_a_line_to_its_dimension() {
        let tables = vec![
            table("dim_patient", &["patient_key", "gender"]),
            table("dim_date", &["date_key", "year"]),
            table(
                "fact_encounters",
                &[
                    "encounter_key",
                    "patient_key",
                    "start_date_key",
                    "stop_date_key",
                    "cost",
                ],
            ),
        ];
        let svg = star_schema_svg(&tables);
        assert!(svg.contains("<title>fact_encounters.patient_key → dim_patient</title>"));
        assert!(svg.contains("<title>fact_encounters.start_date_key → dim_date</title>"));
        assert!(svg.contains("<title>fact_encounters.stop_date_key → dim_date</title>"));
        assert_eq!(svg.matches("<line").count(), 3);
        assert_eq!(
            svg.matches("stroke-dasharray").count(),
            1,
            "stop date is role-playing"
        );
        assert!(svg.contains("+ 1 columns"));
    }
}
