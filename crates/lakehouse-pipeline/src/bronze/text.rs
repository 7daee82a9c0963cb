//! The builder of bronze text columns: a dictionary per batch, as
//! arrow-rs's `StringDictionaryBuilder` makes it (keys in order of first
//! appearance, a null's key 0), with one difference in how it gets there.
//!
//! arrow's builder hashes every value and probes its table. A Synthea export
//! writes most values again on the next row: a claim's transactions, a
//! patient's encounters and observations follow each other, so in
//! `claims_transactions` the patient, claim, provider, department and place
//! of service repeat the previous row's in 70–93 % of rows. This builder
//! compares a value with the previous row's first (one `memcmp`) and hashes
//! only when it differs. The arrays are the ones arrow's builder gives (a
//! test compares them), so no output byte changes.
//!
//! A table's own id column (`Id`: a value per row) is the exception: there a
//! lookup finds nothing but costs a hash, a probe and a growing table for
//! every row, so [`TextBuilder::row_ids`] gives each row its own dictionary
//! entry, in row order, without looking it up. The values are the same, the
//! Arrow type stays `Dictionary(Int32, Utf8)` like every bronze text column
//! (one text path for every reader), and the Parquet bytes do not change
//! (the writer builds its own dictionary from the values). A duplicate row
//! repeats its id in the dictionary, which nothing reading bronze minds: a
//! key still names one value, and values are compared as text.

use std::hash::BuildHasher;
use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{DictionaryArray, Int32Array, StringArray};
use arrow_buffer::{Buffer, NullBufferBuilder, OffsetBuffer, ScalarBuffer};
use arrow_schema::ArrowError;
use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

use crate::error::Result;

/// Builds a `Dictionary(Int32, Utf8)` column a value at a time.
pub(super) struct TextBuilder {
    keys: Vec<i32>,
    nulls: NullBufferBuilder,
    /// The distinct values, end to end, and where each ends.
    bytes: Vec<u8>,
    ends: Vec<usize>,
    /// The key of each distinct value, found by the value's hash.
    table: HashTable<i32>,
    /// The key the last non-null value took.
    last: Option<i32>,
    /// Whether every value gets a new key ([`TextBuilder::row_ids`]).
    row_ids: bool,
}

impl TextBuilder {
    pub(super) fn new() -> Self {
        Self {
            keys: Vec::new(),
            nulls: NullBufferBuilder::new(0),
            bytes: Vec::new(),
            ends: Vec::new(),
            table: HashTable::new(),
            last: None,
            row_ids: false,
        }
    }

    /// A builder for a table's own id column: a key per non-null row, no
    /// lookup (see the module's text).
    pub(super) fn row_ids() -> Self {
        Self {
            row_ids: true,
            ..Self::new()
        }
    }

    /// The distinct value of `key`.
    fn value<'a>(bytes: &'a [u8], ends: &[usize], key: i32) -> &'a [u8] {
        let key = key as usize;
        let start = if key == 0 { 0 } else { ends[key - 1] };
        &bytes[start..ends[key]]
    }

    pub(super) fn append_value(&mut self, value: &str) {
        let value = value.as_bytes();
        let key = match self.last {
            // An id: every value is new (see the module's text).
            _ if self.row_ids => Self::push(&mut self.bytes, &mut self.ends, value),
            Some(last) if Self::value(&self.bytes, &self.ends, last) == value => last,
            _ => self.intern(value),
        };
        self.last = Some(key);
        self.keys.push(key);
        self.nulls.append_non_null();
    }

    pub(super) fn append_null(&mut self) {
        self.keys.push(0);
        self.nulls.append_null();
    }

    /// The key of `value`, a new one the first time it is seen.
    fn intern(&mut self, value: &[u8]) -> i32 {
        let (bytes, ends) = (&mut self.bytes, &mut self.ends);
        let hash = FxBuildHasher.hash_one(value);
        // A match rather than `or_insert_with`, whose closure's captures
        // were packed on the stack and read back whole for every value.
        match self.table.entry(
            hash,
            |&key| Self::value(bytes, ends, key) == value,
            |&key| FxBuildHasher.hash_one(Self::value(bytes, ends, key)),
        ) {
            hashbrown::hash_table::Entry::Occupied(entry) => *entry.get(),
            hashbrown::hash_table::Entry::Vacant(entry) => {
                let key = Self::push(bytes, ends, value);
                entry.insert(key);
                key
            }
        }
    }

    /// Adds `value` as the next distinct value and returns its key.
    fn push(bytes: &mut Vec<u8>, ends: &mut Vec<usize>, value: &[u8]) -> i32 {
        bytes.extend_from_slice(value);
        ends.push(bytes.len());
        // At most one key per row of a batch, far below i32::MAX.
        (ends.len() - 1) as i32
    }

    /// The column so far, the builder left empty for the next batch.
    pub(super) fn finish(&mut self) -> Result<DictionaryArray<Int32Type>> {
        let keys = Int32Array::new(
            ScalarBuffer::from(std::mem::take(&mut self.keys)),
            self.nulls.finish(),
        );
        let offsets = std::iter::once(0)
            .chain(self.ends.iter().copied())
            .map(|end| i32::try_from(end).map_err(|_| ArrowError::OffsetOverflowError(end)))
            .collect::<std::result::Result<Vec<i32>, _>>()?;
        let values = StringArray::try_new(
            OffsetBuffer::new(ScalarBuffer::from(offsets)),
            Buffer::from_vec(std::mem::take(&mut self.bytes)),
            None,
        )?;
        self.ends.clear();
        self.table.clear();
        self.last = None;
        Ok(DictionaryArray::try_new(keys, Arc::new(values))?)
    }
}

#[cfg(test)]
mod tests {
    use arrow_array::Array;
    use arrow_array::builder::StringDictionaryBuilder;

    use super::*;

    /// Appends `values` (`None`: a null) to both builders.
    fn append_to_both(
        values: &[Option<&str>],
        ours: &mut TextBuilder,
        arrows: &mut StringDictionaryBuilder<Int32Type>,
    ) {
        for value in values {
            match value {
                Some(v) => {
                    ours.append_value(v);
                    arrows.append_value(v);
                }
                None => {
                    ours.append_null();
                    arrows.append_null();
                }
            }
        }
    }

    /// Appends `values` (`None`: a null) to both builders and compares what
    /// they finish, batch after batch on the same builders.
    fn same_as_arrows(batches: &[&[Option<&str>]]) {
        let (mut ours, mut arrows) = (
            TextBuilder::new(),
            StringDictionaryBuilder::<Int32Type>::new(),
        );
        for values in batches {
            append_to_both(values, &mut ours, &mut arrows);
            let (ours, arrows) = (ours.finish().unwrap(), arrows.finish());
            assert_eq!(ours, arrows, "{values:?}");
            // The key buffers too, nulls' slots included (`==` skips them).
            assert_eq!(ours.keys().values(), arrows.keys().values());
            assert_eq!(ours.values().to_data(), arrows.values().to_data());
        }
    }

    #[test]
    fn gives_arrows_dictionary_arrays() {
        same_as_arrows(&[
            &[
                Some("a"),
                Some("a"),
                Some("b"),
                None,
                Some("a"),
                Some("b"),
                Some("b"),
            ],
            // The next batch starts its own dictionary, and forgets the
            // last value of the one before.
            &[Some("b"), Some("c"), None, None, Some("c"), Some("")],
            &[],
            &[None],
            &[Some(""), Some(""), None, Some("")],
            // A value that is a prefix of the previous one, and the same
            // bytes split differently between neighbours.
            &[
                Some("ab"),
                Some("a"),
                Some("ab"),
                Some("abc"),
                Some("bc"),
                Some("abc"),
            ],
        ]);
    }

    #[test]
    fn many_values_grow_the_table_and_keep_first_appearance_order() {
        let owned: Vec<String> = (0..5_000)
            .map(|i| format!("id-{}", (i * 7919) % 1_237))
            .collect();
        let values: Vec<Option<&str>> = owned
            .iter()
            .enumerate()
            .map(|(i, v)| (i % 11 != 0).then_some(v.as_str()))
            .collect();
        same_as_arrows(&[&values, &values[..100]]);
    }

    #[test]
    fn row_ids_keep_every_value_in_row_order_and_write_the_same_parquet() {
        use arrow_array::RecordBatch;
        use arrow_schema::{Field, Schema};

        // Ids, a null, and a duplicate row's id repeated.
        let values = [Some("b"), Some("a"), None, Some("c"), Some("a"), Some("")];
        let (mut ours, mut arrows) = (
            TextBuilder::row_ids(),
            StringDictionaryBuilder::<Int32Type>::new(),
        );
        append_to_both(&values, &mut ours, &mut arrows);
        let (ours, arrows) = (ours.finish().unwrap(), arrows.finish());
        // A key per non-null row, in order, and the values as they came.
        assert_eq!(
            ours.keys().iter().collect::<Vec<_>>(),
            [Some(0), Some(1), None, Some(2), Some(3), Some(4)]
        );
        let text = |d: &DictionaryArray<Int32Type>| -> Vec<Option<String>> {
            let values = d.values().as_any().downcast_ref::<StringArray>().unwrap();
            d.keys()
                .iter()
                .map(|k| k.map(|k| values.value(k as usize).to_string()))
                .collect()
        };
        assert_eq!(text(&ours), text(&arrows));
        assert_eq!(ours.values().len(), 5);
        let parquet = |array: DictionaryArray<Int32Type>| {
            let schema = Arc::new(Schema::new(vec![Field::new(
                "Id",
                array.data_type().clone(),
                true,
            )]));
            let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(array)]).unwrap();
            crate::export::parquet::write(schema, &[batch]).unwrap()
        };
        assert_eq!(parquet(ours), parquet(arrows));
    }
}
