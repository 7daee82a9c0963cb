//! A canonical text rendering of a table, used by golden tests (native and
//! wasm32 must render identically) and by the CLI's `show` output. The first
//! line is the schema; then one line per row, values separated by ` | `.
//! Floats are rounded to 6 decimals so that last-bit differences between
//! platforms' maths routines could never show (all arithmetic here is IEEE
//! add/mul/div, which is identical on both targets anyway).

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;

use crate::dates;

/// One cell as text (`∅` for null).
pub fn cell(array: &ArrayRef, row: usize) -> String {
    if array.is_null(row) {
        return "∅".to_string();
    }
    match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().value(row).to_string(),
        DataType::Int64 => array.as_primitive::<Int64Type>().value(row).to_string(),
        DataType::Float64 => {
            let text = format!("{:.6}", array.as_primitive::<Float64Type>().value(row));
            if text == "-0.000000" {
                "0.000000".to_string()
            } else {
                text
            }
        }
        DataType::Boolean => array.as_boolean().value(row).to_string(),
        DataType::Date32 => dates::format_date(array.as_primitive::<Date32Type>().value(row)),
        DataType::Timestamp(_, _) => {
            dates::format_timestamp(array.as_primitive::<TimestampMicrosecondType>().value(row))
        }
        DataType::Dictionary(_, _) => {
            let dictionary = array.as_dictionary::<Int32Type>();
            let key = dictionary.keys().value(row) as usize;
            cell(dictionary.values(), key)
        }
        other => format!("<{other}>"),
    }
}

/// The short type name used in the schema line.
pub fn type_name(data_type: &DataType) -> String {
    match data_type {
        DataType::Utf8 => "text".into(),
        DataType::Int64 => "int64".into(),
        DataType::Float64 => "float64".into(),
        DataType::Boolean => "bool".into(),
        DataType::Date32 => "date".into(),
        DataType::Timestamp(_, _) => "timestamp_utc".into(),
        DataType::Dictionary(_, _) => "text".into(),
        other => other.to_string(),
    }
}

/// Renders batches that share one schema.
pub fn render(batches: &[RecordBatch]) -> String {
    let Some(first) = batches.first() else {
        return String::new();
    };
    let schema = first.schema();
    let mut out = schema
        .fields()
        .iter()
        .map(|f| format!("{}: {}", f.name(), type_name(f.data_type())))
        .collect::<Vec<_>>()
        .join(", ");
    out.push('\n');
    for batch in batches {
        for row in 0..batch.num_rows() {
            let cells: Vec<String> = batch.columns().iter().map(|c| cell(c, row)).collect();
            out.push_str(&cells.join(" | "));
            out.push('\n');
        }
    }
    out
}
