//! CSV bytes of a table: a header row, RFC 4180 quoting where a value needs
//! it, ISO dates, and protection against spreadsheet formula injection (a
//! text cell starting with `=`, `+`, `-`, `@`, tab or CR gets a leading `'`).

use arrow_array::RecordBatch;
use arrow_schema::{DataType, Schema};

use crate::render;

fn push_text(out: &mut Vec<u8>, value: &str, escape_formulas: bool) {
    let risky = escape_formulas && value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let needs_quotes = risky || value.contains([',', '"', '\n', '\r']);
    if needs_quotes {
        out.push(b'"');
    }
    if risky {
        out.push(b'\'');
    }
    for b in value.bytes() {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    if needs_quotes {
        out.push(b'"');
    }
}

/// CSV of `batches` (all of `schema`); empty cells for nulls.
pub fn write(schema: &Schema, batches: &[RecordBatch]) -> Vec<u8> {
    let mut out = Vec::new();
    let header: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    for (i, name) in header.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_text(&mut out, name, false);
    }
    out.extend_from_slice(b"\r\n");
    for batch in batches {
        for row in 0..batch.num_rows() {
            for (i, column) in batch.columns().iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                if column.is_null(row) {
                    continue;
                }
                let text = render::cell(column, row);
                let is_text = matches!(
                    column.data_type(),
                    DataType::Utf8 | DataType::Dictionary(_, _)
                );
                let text = match column.data_type() {
                    // Full precision for numbers in CSV (render rounds to 6 places).
                    DataType::Float64 => {
                        let array = column.as_any().downcast_ref::<arrow_array::Float64Array>();
                        array.map_or(text, |a| a.value(row).to_string())
                    }
                    _ => text,
                };
                push_text(&mut out, &text, is_text);
            }
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, RecordBatch, StringArray};

    #[test]
    fn formulas_and_commas_are_escaped() {
        let values: ArrayRef = Arc::new(StringArray::from(vec![
            Some("=1+1"),
            Some("a,b"),
            None,
            Some("say \"hi\""),
        ]));
        let batch = RecordBatch::try_from_iter([("v", values)]).unwrap();
        let text = String::from_utf8(super::write(&batch.schema(), &[batch])).unwrap();
        assert_eq!(
            text,
            "v\r\n\"'=1+1\"\r\n\"a,b\"\r\n\r\n\"say \"\"hi\"\"\"\r\n"
        );
    }
}
