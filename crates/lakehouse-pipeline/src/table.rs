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

    /// These columns, then `columns`' (see [`RowColumns`]).
    pub fn rows(mut self, columns: RowColumns<'_>) -> Self {
        let RowColumns { rows, mut columns } = columns;
        for start in (0..rows).step_by(ROW_BLOCK) {
            let block = start..(start + ROW_BLOCK).min(rows);
            for column in &mut columns {
                column.fill(block.clone());
            }
        }
        for column in columns {
            let (name, array, nullable) = column.finish();
            self = self.push(&name, array, nullable);
        }
        self
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

/// Rows a [`RowColumns`] block holds: a fact's rows are structs of 100–300
/// bytes, so a block stays in a core's L2 while every column reads it.
const ROW_BLOCK: usize = 1024;

/// Columns of `rows` rows, each value a function of the row's index, filled
/// a block of rows at a time ([`TableBuilder::rows`]): every column takes its
/// values for one block before the next column does, so that a block of a
/// fact's rows is read from memory once and from the cache by the other
/// columns. Filled column by column, each column was one more pass over all
/// the rows (`fact_claims` at ×300: 24 columns over 380,100 rows of 200
/// bytes). The arrays are [`TableBuilder`]'s for the same values.
pub struct RowColumns<'f> {
    rows: usize,
    columns: Vec<Box<dyn FillColumn + 'f>>,
}

impl<'f> RowColumns<'f> {
    /// No columns yet, for `rows` rows.
    pub fn new(rows: usize) -> Self {
        Self {
            rows,
            columns: Vec::new(),
        }
    }

    fn add(mut self, column: impl FillColumn + 'f) -> Self {
        self.columns.push(Box::new(column));
        self
    }

    /// A non-null `Int64` column ([`TableBuilder::int`]).
    pub fn int(self, name: &str, value: impl Fn(usize) -> i64 + 'f) -> Self {
        let values = Vec::with_capacity(self.rows);
        self.add(Ints {
            name: name.to_string(),
            value,
            values,
        })
    }

    /// A nullable `Int64` column ([`TableBuilder::int_opt`]).
    pub fn int_opt(self, name: &str, value: impl Fn(usize) -> Option<i64> + 'f) -> Self {
        let builder = arrow_array::builder::Int64Builder::with_capacity(self.rows);
        self.add(Optional::new(name, value, builder, |b| {
            Arc::new(b.finish())
        }))
    }

    /// A nullable `Float64` column ([`TableBuilder::float`]).
    pub fn float(self, name: &str, value: impl Fn(usize) -> Option<f64> + 'f) -> Self {
        let builder = arrow_array::builder::Float64Builder::with_capacity(self.rows);
        self.add(Optional::new(name, value, builder, |b| {
            Arc::new(b.finish())
        }))
    }

    /// A nullable `Boolean` column ([`TableBuilder::boolean`]).
    pub fn boolean(self, name: &str, value: impl Fn(usize) -> Option<bool> + 'f) -> Self {
        let builder = arrow_array::builder::BooleanBuilder::with_capacity(self.rows);
        self.add(Optional::new(name, value, builder, |b| {
            Arc::new(b.finish())
        }))
    }

    /// A nullable UTC microsecond timestamp column
    /// ([`TableBuilder::timestamp`]).
    pub fn timestamp(self, name: &str, value: impl Fn(usize) -> Option<i64> + 'f) -> Self {
        let builder = arrow_array::builder::TimestampMicrosecondBuilder::with_capacity(self.rows);
        self.add(Optional::new(name, value, builder, |b| {
            Arc::new(b.finish().with_timezone("UTC"))
        }))
    }

    /// A nullable `Date32` column ([`TableBuilder::date`]).
    pub fn date(self, name: &str, value: impl Fn(usize) -> Option<i32> + 'f) -> Self {
        let builder = arrow_array::builder::Date32Builder::with_capacity(self.rows);
        self.add(Optional::new(name, value, builder, |b| {
            Arc::new(b.finish())
        }))
    }

    /// A nullable `Utf8` column ([`TableBuilder::text`]).
    pub fn text<'a>(self, name: &str, value: impl Fn(usize) -> Option<&'a str> + 'f) -> Self {
        let builder = arrow_array::builder::StringBuilder::with_capacity(self.rows, 0);
        self.add(Optional::new(name, value, builder, |b| {
            Arc::new(b.finish())
        }))
    }
}

/// A column of [`RowColumns`].
trait FillColumn {
    /// Appends the values of rows `block`.
    fn fill(&mut self, block: std::ops::Range<usize>);
    /// The column's name, array and whether it may hold nulls.
    fn finish(self: Box<Self>) -> (String, ArrayRef, bool);
}

/// A non-null `Int64` column of [`RowColumns`].
struct Ints<F> {
    name: String,
    value: F,
    values: Vec<i64>,
}

impl<F: Fn(usize) -> i64> FillColumn for Ints<F> {
    fn fill(&mut self, block: std::ops::Range<usize>) {
        self.values.extend(block.map(&self.value));
    }

    fn finish(self: Box<Self>) -> (String, ArrayRef, bool) {
        let array = Int64Array::new(self.values.into(), None);
        (self.name, Arc::new(array), false)
    }
}

/// Anything an Arrow builder appends optionally.
trait AppendOption<V> {
    fn append(&mut self, value: Option<V>);
}

macro_rules! append_option {
    ($builder:ty, $value:ty) => {
        impl AppendOption<$value> for $builder {
            fn append(&mut self, value: Option<$value>) {
                self.append_option(value);
            }
        }
    };
}

append_option!(arrow_array::builder::Int64Builder, i64);
append_option!(arrow_array::builder::Float64Builder, f64);
append_option!(arrow_array::builder::BooleanBuilder, bool);
append_option!(arrow_array::builder::TimestampMicrosecondBuilder, i64);
append_option!(arrow_array::builder::Date32Builder, i32);

impl<'a> AppendOption<&'a str> for arrow_array::builder::StringBuilder {
    fn append(&mut self, value: Option<&'a str>) {
        self.append_option(value);
    }
}

/// A nullable column of [`RowColumns`]: `value` for each row into `builder`,
/// which `finish` turns into the array.
struct Optional<F, B> {
    name: String,
    value: F,
    builder: B,
    finish: fn(&mut B) -> ArrayRef,
}

impl<F, B> Optional<F, B> {
    fn new(name: &str, value: F, builder: B, finish: fn(&mut B) -> ArrayRef) -> Self {
        Self {
            name: name.to_string(),
            value,
            builder,
            finish,
        }
    }
}

impl<V, F, B> FillColumn for Optional<F, B>
where
    F: Fn(usize) -> Option<V>,
    B: AppendOption<V>,
{
    fn fill(&mut self, block: std::ops::Range<usize>) {
        for row in block {
            self.builder.append((self.value)(row));
        }
    }

    fn finish(mut self: Box<Self>) -> (String, ArrayRef, bool) {
        let array = (self.finish)(&mut self.builder);
        (self.name, array, true)
    }
}

#[cfg(test)]
mod tests {
    use super::{RowColumns, TableBuilder};

    /// Filled a block at a time, the table is the one filled column by
    /// column: types, nullability, values and nulls, over more rows than a
    /// block and a last block cut short.
    #[test]
    fn row_columns_give_the_column_builders_table() {
        let rows = 2 * super::ROW_BLOCK + 37;
        let texts: Vec<String> = (0..rows).map(|i| format!("t{}", i % 7)).collect();
        let some = |i: usize| i % 5 != 3;
        let int = |i: usize| i as i64 * 3 - 100;
        let int_opt = |i: usize| some(i).then_some(i as i64);
        let float = |i: usize| some(i).then(|| i as f64 / 4.0);
        let boolean = |i: usize| (!i.is_multiple_of(3)).then_some(i.is_multiple_of(2));
        let date = |i: usize| some(i).then(|| i as i32 - 40);
        let stamp = |i: usize| some(i).then(|| i as i64 * 1_000_000);
        let text = |i: usize| some(i).then(|| texts[i].as_str());
        let by_column = TableBuilder::new()
            .int("int", (0..rows).map(int))
            .int_opt("int_opt", (0..rows).map(int_opt))
            .float("float", (0..rows).map(float))
            .boolean("boolean", (0..rows).map(boolean))
            .date("date", (0..rows).map(date))
            .timestamp("stamp", (0..rows).map(stamp))
            .text("text", (0..rows).map(text))
            .finish("t")
            .unwrap();
        let by_block = TableBuilder::new()
            .rows(
                RowColumns::new(rows)
                    .int("int", int)
                    .int_opt("int_opt", int_opt)
                    .float("float", float)
                    .boolean("boolean", boolean)
                    .date("date", date)
                    .timestamp("stamp", stamp)
                    .text("text", text),
            )
            .finish("t")
            .unwrap();
        assert_eq!(by_block.batch.schema(), by_column.batch.schema());
        assert_eq!(by_block.batch, by_column.batch);
        // No rows at all.
        let empty = TableBuilder::new()
            .rows(RowColumns::new(0).int("int", int).text("text", text))
            .finish("e")
            .unwrap();
        assert_eq!(empty.num_rows(), 0);
        assert_eq!(empty.batch.num_columns(), 2);
    }
}
