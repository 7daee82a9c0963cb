//! Small typed helpers over Arrow: reading a named column of a batch as the
//! concrete array type, and assembling an output table column by column.
//! Output tables are [`Table`]s: a name and one `RecordBatch`.

use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{
    Array, ArrayRef, BooleanArray, Date32Array, DictionaryArray, Float64Array, Int64Array,
    RecordBatch, StringArray, TimestampMicrosecondArray,
};
use arrow_schema::{DataType, Field, Schema, TimeUnit};

use crate::error::Result;

/// A named output table (one batch).
#[derive(Clone, Debug)]
pub struct Table {
    /// Table name, e.g. `fact_encounters`.
    pub name: String,
    /// The rows.
    pub batch: RecordBatch,
}

impl Table {
    /// Rows in the table.
    pub fn num_rows(&self) -> usize {
        self.batch.num_rows()
    }

    /// A column by name; panics never: `None` when absent or of another type.
    pub fn column<T: Array + 'static>(&self, name: &str) -> Option<&T> {
        column(&self.batch, name)
    }
}

/// The column `name` of `batch` as array type `T`.
pub fn column<'a, T: Array + 'static>(batch: &'a RecordBatch, name: &str) -> Option<&'a T> {
    batch.column_by_name(name)?.as_any().downcast_ref::<T>()
}

/// A text value, `None` when null or when the column is absent.
pub fn text(array: Option<&StringArray>, row: usize) -> Option<&str> {
    array.filter(|a| a.is_valid(row)).map(|a| a.value(row))
}

/// The text of row `row` of a dictionary-encoded text column (bronze text
/// columns), `None` when null.
pub fn dictionary_text(array: &DictionaryArray<Int32Type>, row: usize) -> Option<&str> {
    let key = usize::try_from(array.keys().value(row)).ok()?;
    let values = array.values().as_any().downcast_ref::<StringArray>()?;
    (array.is_valid(row) && values.is_valid(key)).then(|| values.value(key))
}

/// A float value, `None` when null or absent.
pub fn float(array: Option<&Float64Array>, row: usize) -> Option<f64> {
    array.filter(|a| a.is_valid(row)).map(|a| a.value(row))
}

/// An integer value, `None` when null or absent.
pub fn int(array: Option<&Int64Array>, row: usize) -> Option<i64> {
    array.filter(|a| a.is_valid(row)).map(|a| a.value(row))
}

/// A date value (days), `None` when null or absent.
pub fn date(array: Option<&Date32Array>, row: usize) -> Option<i32> {
    array.filter(|a| a.is_valid(row)).map(|a| a.value(row))
}

/// A timestamp value (µs UTC), `None` when null or absent.
pub fn timestamp(array: Option<&TimestampMicrosecondArray>, row: usize) -> Option<i64> {
    array.filter(|a| a.is_valid(row)).map(|a| a.value(row))
}

/// The Arrow type of UTC microsecond timestamps.
pub fn timestamp_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// Column values of a table, copied out as plain vectors (a missing table
/// or column reads as nulls).
pub struct Columns<'a> {
    table: Option<&'a Table>,
}

impl<'a> Columns<'a> {
    /// The columns of `table` (none when `None`).
    pub fn new(table: Option<&'a Table>) -> Self {
        Self { table }
    }

    /// Rows.
    pub fn len(&self) -> usize {
        self.table.map_or(0, Table::num_rows)
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// An integer column as it is (no copy): read it with [`int`]. For
    /// the long tables (`fact_member_months`), where a copied-out vector
    /// would be a large transient.
    pub fn int_array(&self, name: &str) -> Option<&'a Int64Array> {
        self.table.and_then(|t| t.column::<Int64Array>(name))
    }

    /// An integer column.
    pub fn ints(&self, name: &str) -> Vec<Option<i64>> {
        match self.table.and_then(|t| t.column::<Int64Array>(name)) {
            Some(a) => a.iter().collect(),
            None => vec![None; self.len()],
        }
    }

    /// A float column.
    pub fn floats(&self, name: &str) -> Vec<Option<f64>> {
        match self.table.and_then(|t| t.column::<Float64Array>(name)) {
            Some(a) => a.iter().collect(),
            None => vec![None; self.len()],
        }
    }

    /// A boolean column.
    pub fn bools(&self, name: &str) -> Vec<Option<bool>> {
        match self.table.and_then(|t| t.column::<BooleanArray>(name)) {
            Some(a) => a.iter().collect(),
            None => vec![None; self.len()],
        }
    }

    /// A text column.
    pub fn texts(&self, name: &str) -> Vec<Option<&'a str>> {
        match self.table.and_then(|t| t.column::<StringArray>(name)) {
            Some(a) => a.iter().collect(),
            None => vec![None; self.len()],
        }
    }

    /// A date column (days since the epoch).
    pub fn dates(&self, name: &str) -> Vec<Option<i32>> {
        match self.table.and_then(|t| t.column::<Date32Array>(name)) {
            Some(a) => a.iter().collect(),
            None => vec![None; self.len()],
        }
    }

    /// A timestamp column (µs UTC).
    pub fn timestamps(&self, name: &str) -> Vec<Option<i64>> {
        match self
            .table
            .and_then(|t| t.column::<TimestampMicrosecondArray>(name))
        {
            Some(a) => a.iter().collect(),
            None => vec![None; self.len()],
        }
    }
}

/// Builds a table column by column, in order.
#[derive(Default)]
pub struct TableBuilder {
    fields: Vec<Field>,
    arrays: Vec<ArrayRef>,
}

impl TableBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    fn push(mut self, name: &str, array: ArrayRef, nullable: bool) -> Self {
        self.fields
            .push(Field::new(name, array.data_type().clone(), nullable));
        self.arrays.push(array);
        self
    }

    /// A non-null `Int64` column.
    pub fn int(self, name: &str, values: impl IntoIterator<Item = i64>) -> Self {
        self.push(name, Arc::new(Int64Array::from_iter_values(values)), false)
    }

    /// A non-null `Int64` column that takes over `values` (no copy).
    pub fn int_vec(self, name: &str, values: Vec<i64>) -> Self {
        self.push(name, Arc::new(Int64Array::new(values.into(), None)), false)
    }

    /// A nullable `Int64` column that takes over `values` (no copy), with
    /// `nulls` (`None`: nothing is null, as [`TableBuilder::int_opt`] leaves
    /// it).
    pub fn int_opt_vec(
        self,
        name: &str,
        values: Vec<i64>,
        nulls: Option<arrow_buffer::NullBuffer>,
    ) -> Self {
        self.push(name, Arc::new(Int64Array::new(values.into(), nulls)), true)
    }

    /// A nullable `Int64` column.
    pub fn int_opt(self, name: &str, values: impl IntoIterator<Item = Option<i64>>) -> Self {
        self.push(
            name,
            Arc::new(values.into_iter().collect::<Int64Array>()),
            true,
        )
    }

    /// A nullable `Float64` column.
    pub fn float(self, name: &str, values: impl IntoIterator<Item = Option<f64>>) -> Self {
        self.push(
            name,
            Arc::new(values.into_iter().collect::<Float64Array>()),
            true,
        )
    }

    /// A nullable `Utf8` column.
    pub fn text<'a>(self, name: &str, values: impl IntoIterator<Item = Option<&'a str>>) -> Self {
        self.push(
            name,
            Arc::new(values.into_iter().collect::<StringArray>()),
            true,
        )
    }

    /// A nullable `Boolean` column.
    pub fn boolean(self, name: &str, values: impl IntoIterator<Item = Option<bool>>) -> Self {
        self.push(
            name,
            Arc::new(values.into_iter().collect::<BooleanArray>()),
            true,
        )
    }

    /// A nullable `Date32` column (days since the epoch).
    pub fn date(self, name: &str, values: impl IntoIterator<Item = Option<i32>>) -> Self {
        self.push(
            name,
            Arc::new(values.into_iter().collect::<Date32Array>()),
            true,
        )
    }

    /// A nullable UTC microsecond timestamp column.
    pub fn timestamp(self, name: &str, values: impl IntoIterator<Item = Option<i64>>) -> Self {
        let array = values
            .into_iter()
            .collect::<TimestampMicrosecondArray>()
            .with_timezone("UTC");
        self.push(name, Arc::new(array), true)
    }

    /// These columns, then `other`'s (two sets of columns built apart).
    pub fn then(mut self, other: TableBuilder) -> Self {
        self.fields.extend(other.fields);
        self.arrays.extend(other.arrays);
        self
    }

    /// The finished table.
    pub fn finish(self, name: &str) -> Result<Table> {
        let schema = Arc::new(Schema::new(self.fields));
        let batch = if self.arrays.is_empty() {
            RecordBatch::new_empty(schema)
        } else {
            RecordBatch::try_new(schema, self.arrays)?
        };
        Ok(Table {
            name: name.to_string(),
            batch,
        })
    }
}
