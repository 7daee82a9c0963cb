//! `docs/schema.md` stays true: every silver and gold column is documented,
//! and the bronze section is generated from the layout spec.

use std::fmt::Write;

use wasm_bindgen_test::wasm_bindgen_test;

use crate::bronze::spec::{ColumnType, TABLES, VERSIONS};

const SCHEMA_MD: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/schema.md"));
const BEGIN: &str = "<!-- bronze:begin -->\n";
const END: &str = "<!-- bronze:end -->";

fn bronze_section() -> String {
    let mut out = String::new();
    for table in TABLES {
        let _ = writeln!(out, "### `{}`\n", table.table);
        let _ = writeln!(
            out,
            "From `{}.csv` (Synthea {}+{}).\n",
            table.file,
            VERSIONS[table.since as usize],
            if table.required {
                ", required"
            } else {
                ", optional"
            }
        );
        let columns: Vec<String> = table
            .columns
            .iter()
            .map(|c| {
                let kind = match c.column_type {
                    ColumnType::Text => "text",
                    ColumnType::Date => "date",
                    ColumnType::DateTime | ColumnType::YearOrDateTime => "timestamp_utc",
                    ColumnType::Float => "float64",
                    ColumnType::Int => "int64",
                };
                let mut notes = Vec::new();
                if c.required {
                    notes.push("required".to_string());
                }
                for name in c.names {
                    let until = name.until as usize;
                    let span = match (name.since, until) {
                        (0, u) if u >= VERSIONS.len() => continue,
                        (s, u) if u >= VERSIONS.len() => format!("{}+", VERSIONS[s as usize]),
                        (s, u) => format!("{}–{}", VERSIONS[s as usize], VERSIONS[u - 1]),
                    };
                    if name.name == c.name {
                        notes.push(span);
                    } else {
                        notes.push(format!("`{}` in {span}", name.name));
                    }
                }
                if notes.is_empty() {
                    format!("`{}` {kind}", c.name)
                } else {
                    format!("`{}` {kind} ({})", c.name, notes.join(", "))
                }
            })
            .collect();
        let _ = writeln!(out, "{}.\n", columns.join(", "));
    }
    out
}

#[wasm_bindgen_test(unsupported = test)]
fn docs_schema_generated_bronze_section_is_current() {
    let start = SCHEMA_MD.find(BEGIN).expect("begin marker") + BEGIN.len();
    let end = SCHEMA_MD.find(END).expect("end marker");
    let expected = bronze_section();
    if SCHEMA_MD[start..end] != expected {
        #[cfg(not(target_arch = "wasm32"))]
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            let updated = format!("{}{expected}{}", &SCHEMA_MD[..start], &SCHEMA_MD[end..]);
            #[expect(
                clippy::disallowed_methods,
                reason = "tests rewrite generated docs on request"
            )]
            std::fs::write(
                concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/schema.md"),
                updated,
            )
            .unwrap();
            return;
        }
        panic!(
            "docs/schema.md bronze section is stale; UPDATE_EXPECT=1 cargo test -p lakehouse-pipeline docs"
        );
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn docs_schema_covers_every_column() {
    let lakehouse = super::fixtures::mini();
    let mut missing = Vec::new();
    for table in lakehouse.tables() {
        let heading = format!("### `{}`", table.name);
        let Some(at) = SCHEMA_MD.find(&heading) else {
            missing.push(heading);
            continue;
        };
        let section = &SCHEMA_MD[at + heading.len()..];
        let section = &section[..section.find("\n### ").unwrap_or(section.len())];
        if table.layer == "bronze" && table.name != crate::bronze::REJECTS_TABLE {
            continue;
        }
        for field in table.schema.fields() {
            let row = format!(
                "| `{}` | {} |",
                field.name(),
                crate::render::type_name(field.data_type())
            );
            if !section.contains(&row) {
                missing.push(format!("{}: {row}", table.name));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "docs/schema.md lacks:\n{}",
        missing.join("\n")
    );
}
