//! Reading bronze rows by canonical column name, across every batch of a
//! table (text through its per-batch dictionaries), and finding exact
//! duplicate rows and repeated ids by comparing columns in place. Silver,
//! gold's data-quality rules and the timeline read bronze through it.

use std::cmp::Ordering;

use arrow_array::types::Int32Type;
use arrow_array::{
    Array, Date32Array, DictionaryArray, Float64Array, Int32Array, Int64Array, RecordBatch,
    StringArray, TimestampMicrosecondArray,
};

use arrow_schema::{ArrowError, DataType, TimeUnit};

use crate::bronze::{Bronze, BronzeTable};
use crate::error::Result;

/// The rows of one bronze table (every batch), read by canonical column name.
#[derive(Clone)]
pub(crate) struct Rows<'a> {
    pub(crate) table: Option<&'a BronzeTable>,
    /// Each column's arrays, batch by batch, as their types
    /// ([`TypedColumn`]; `None` for a column of another type, or whose
    /// batches disagree, read as holding no value): a value is read without
    /// finding the array's type again (two dynamic type checks a text
    /// value, for some 30 million values silver reads at ×300).
    typed: Vec<Option<TypedColumn<'a>>>,
}

/// A row address: (batch, row).
pub(crate) type RowId = (usize, usize);

/// A column index resolved once per table; `usize::MAX` when the table lacks it.
#[derive(Clone, Copy)]
pub(crate) struct Col(usize);

impl<'a> Rows<'a> {
    pub(crate) fn of(bronze: &'a Bronze, file: &str) -> Self {
        let table = bronze.table(file);
        let typed = table.map_or_else(Vec::new, |t| {
            (0..t.schema.fields().len())
                .map(|c| TypedColumn::of(&t.batches, c).ok())
                .collect()
        });
        Self { table, typed }
    }

    fn typed(&self, col: Col) -> Option<&TypedColumn<'a>> {
        self.typed.get(col.0)?.as_ref()
    }

    /// Row `row` of batch `batch` of a primitive column, `None` when null,
    /// absent or of another type than `pick` takes.
    fn primitive<T: arrow_array::ArrowPrimitiveType>(
        &self,
        (batch, row): RowId,
        col: Col,
        pick: impl for<'t> Fn(
            &'t TypedColumn<'a>,
        ) -> Option<&'t Vec<&'a arrow_array::PrimitiveArray<T>>>,
    ) -> Option<T::Native> {
        let array = pick(self.typed(col)?)?.get(batch)?;
        (row < array.len() && array.is_valid(row)).then(|| array.value(row))
    }

    pub(crate) fn col(&self, name: &str) -> Col {
        Col(self
            .table
            .and_then(|t| t.spec.column_index(name))
            .unwrap_or(usize::MAX))
    }

    /// A text value (bronze text columns are dictionary-encoded).
    pub(crate) fn text(&self, (batch, row): RowId, col: Col) -> Option<&'a str> {
        let Some(TypedColumn::Text(batches)) = self.typed(col) else {
            return None;
        };
        let &(keys, values) = batches.get(batch)?;
        if row >= keys.len() || keys.is_null(row) {
            return None;
        }
        let key = usize::try_from(keys.value(row)).ok()?;
        (key < values.len() && values.is_valid(key)).then(|| values.value(key))
    }

    pub(crate) fn float(&self, id: RowId, col: Col) -> Option<f64> {
        self.primitive(id, col, |t| match t {
            TypedColumn::Float(v) => Some(v),
            _ => None,
        })
    }

    pub(crate) fn int(&self, id: RowId, col: Col) -> Option<i64> {
        self.primitive(id, col, |t| match t {
            TypedColumn::Int(v) => Some(v),
            _ => None,
        })
    }

    pub(crate) fn date(&self, id: RowId, col: Col) -> Option<i32> {
        self.primitive(id, col, |t| match t {
            TypedColumn::Date(v) => Some(v),
            _ => None,
        })
    }

    pub(crate) fn timestamp(&self, id: RowId, col: Col) -> Option<i64> {
        self.primitive(id, col, |t| match t {
            TypedColumn::Timestamp(v) => Some(v),
            _ => None,
        })
    }

    /// `file:line` of a row, from the provenance columns.
    pub(crate) fn location(&self, (batch, row): RowId) -> String {
        let Some(table) = self.table else {
            return String::new();
        };
        let source = table.spec.columns.len();
        let Some(batch) = table.batches.get(batch) else {
            return String::new();
        };
        let file = batch
            .columns()
            .get(source)
            .and_then(|a| a.as_any().downcast_ref::<DictionaryArray<Int32Type>>())
            .and_then(|d| {
                let values = d.values().as_any().downcast_ref::<StringArray>()?;
                let key = usize::try_from(d.keys().value(row)).ok()?;
                Some(values.value(key).to_string())
            })
            .unwrap_or_default();
        let line = batch
            .columns()
            .get(source + 1)
            .and_then(|a| a.as_any().downcast_ref::<Int64Array>())
            .map_or(0, |a| a.value(row));
        format!("{file}:{line}")
    }

    /// Every row, in file order (walked, not collected: a table may have
    /// millions).
    pub(crate) fn all(&self) -> impl Iterator<Item = RowId> + use<'a> {
        self.table
            .into_iter()
            .flat_map(|table| table.batches.iter().enumerate())
            .flat_map(|(b, batch)| (0..batch.num_rows()).map(move |r| (b, r)))
    }

    /// Every row except exact duplicates of an earlier row (all source
    /// columns equal; the provenance columns are not compared), in file
    /// order, and how many were dropped. Rows are grouped by a hash of their
    /// values and compared in place only within a group, so the cost grows
    /// with the rows, not with rows × log rows as a sort's would; a caller
    /// that needs an order independent of the input's sorts the survivors by
    /// its own key, breaking ties with [`canonical`](Self::canonical).
    pub(crate) fn unique(&self) -> Result<(Vec<RowId>, u64)> {
        let Some(table) = self.table else {
            return Ok((Vec::new(), 0));
        };
        // Exact duplicates share every value, their own id among them: a
        // table with one (`Id`) groups its rows by the id's hash alone,
        // which costs a column rather than all of them. Rows repeating an
        // id with other values (a quirk some exports have) then share a
        // group; should a group grow past a few rows, every column is
        // hashed after all, so that no input can make the walk quadratic.
        if let Some(id) = table.spec.columns.iter().position(|c| c.is_row_id())
            && let Some(unique) = self.unique_grouped_by(table, &[id], Some(MAX_GROUP_WALK))?
        {
            return Ok(unique);
        }
        let all: Vec<usize> = (0..table.spec.columns.len()).collect();
        // With no limit the walk always ends with an answer.
        Ok(self
            .unique_grouped_by(table, &all, None)?
            .unwrap_or_default())
    }

    /// [`unique`](Self::unique) with rows grouped by the hash of `columns`;
    /// `None` when a lookup had to walk more than `limit` rows of a group.
    fn unique_grouped_by(
        &self,
        table: &BronzeTable,
        columns: &[usize],
        limit: Option<usize>,
    ) -> Result<Option<(Vec<RowId>, u64)>> {
        let canonical = self.canonical()?;
        let hashes = row_hashes(&table.batches, columns)?;
        // The first row of each hash, then a chain through the rows kept
        // with the same hash (rare: a 64-bit collision, or a repeated id).
        let rows: usize = table.batches.iter().map(RecordBatch::num_rows).sum();
        let mut first: rustc_hash::FxHashMap<u64, u32> = rustc_hash::FxHashMap::default();
        first.reserve(rows);
        let mut kept: Vec<RowId> = Vec::with_capacity(rows);
        let mut next: Vec<u32> = Vec::with_capacity(rows);
        let mut duplicates = 0u64;
        for (b, batch_hashes) in hashes.iter().enumerate() {
            for (r, hash) in batch_hashes.iter().enumerate() {
                let id = (b, r);
                let index = kept.len() as u32;
                match first.entry(*hash) {
                    std::collections::hash_map::Entry::Vacant(slot) => {
                        slot.insert(index);
                        next.push(u32::MAX);
                    }
                    std::collections::hash_map::Entry::Occupied(mut slot) => {
                        let mut chain = std::iter::successors(Some(*slot.get()), |&at| {
                            Some(next[at as usize]).filter(|&n| n != u32::MAX)
                        });
                        let mut walked = 0;
                        let duplicate = chain.any(|at| {
                            walked += 1;
                            canonical.cmp(kept[at as usize], id).is_eq()
                        });
                        if limit.is_some_and(|limit| walked > limit) {
                            return Ok(None);
                        }
                        if duplicate {
                            duplicates += 1;
                            continue;
                        }
                        next.push(*slot.get());
                        slot.insert(index);
                    }
                }
                kept.push(id);
            }
        }
        Ok(Some((kept, duplicates)))
    }

    /// The canonical order of this table's rows: by their values, column by
    /// column, in the order of Arrow's row format (nulls first, text by
    /// bytes, floats by `total_cmp`). It does not depend on the order of the
    /// input rows; rows equal in it are exact duplicates.
    pub(crate) fn canonical(&self) -> Result<Canonical<'a>> {
        // The columns typed in `of`; one that could not be is typed again
        // for the error that says why.
        let columns = match self.table {
            Some(table) => (0..table.spec.columns.len())
                .map(|c| match self.typed.get(c).cloned().flatten() {
                    Some(column) => Ok(column),
                    None => TypedColumn::of(&table.batches, c),
                })
                .collect::<Result<Vec<_>>>()?,
            None => Vec::new(),
        };
        Ok(Canonical { columns })
    }

    /// A text column's dictionary keys and values in one batch, for a
    /// caller that resolves each distinct value once per batch instead of
    /// once per row.
    pub(crate) fn dictionary(
        &self,
        batch: usize,
        col: Col,
    ) -> Option<(&'a Int32Array, &'a StringArray)> {
        let Some(TypedColumn::Text(batches)) = self.typed(col) else {
            return None;
        };
        batches.get(batch).copied()
    }

    /// What [`unique_by`](Self::unique_by) keeps, the same rows with the
    /// same counts, but in file order (by each key's first row) instead of
    /// sorted: a caller that reads many columns of every row reads them in
    /// the order they lie in memory, and sorts its own smaller output.
    pub(crate) fn unique_by_in_file_order(&self, key: Col) -> Result<UniqueById<'a>> {
        let (keyed, kept) = self.first_per_key(key)?;
        Ok(kept.with_rows(keyed.into_iter().map(|(_, id)| id).collect()))
    }

    /// The unique rows (see [`unique`](Self::unique)) sorted by the text key
    /// `key`, one row per key value: where rows disagree for one key (a
    /// repeated id), the first in canonical order wins. Rows without a key are
    /// dropped (bronze already rejected them for required keys). Returns the
    /// rows, the exact duplicates dropped and the conflicting rows dropped.
    pub(crate) fn unique_by(&self, key: Col) -> Result<UniqueById<'a>> {
        let (keyed, kept) = self.first_per_key(key)?;
        // One row per key: the key alone orders them (its prefix first, see
        // `crate::order`).
        let mut keyed: Vec<(u64, &str, RowId)> = keyed
            .into_iter()
            .map(|(k, id)| (crate::order::text_prefix(k), k, id))
            .collect();
        keyed.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        Ok(kept.with_rows(keyed.into_iter().map(|(_, _, id)| id).collect()))
    }

    /// The unique rows with a `key`, one per key value (the first in
    /// canonical order), as (key, row) in the file order of each key's first
    /// row; and what was dropped, with no rows yet.
    fn first_per_key(&self, key: Col) -> Result<(Vec<(&'a str, RowId)>, UniqueById<'a>)> {
        let (rows, exact) = self.unique()?;
        let canonical = self.canonical()?;
        let mut first: rustc_hash::FxHashMap<&'a str, usize> = rustc_hash::FxHashMap::default();
        first.reserve(rows.len());
        let mut keyed: Vec<(&'a str, RowId)> = Vec::with_capacity(rows.len());
        let mut repeated: Vec<&'a str> = Vec::new();
        for id in rows {
            let Some(k) = self.text(id, key) else {
                continue;
            };
            match first.entry(k) {
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(keyed.len());
                    keyed.push((k, id));
                }
                std::collections::hash_map::Entry::Occupied(slot) => {
                    repeated.push(k);
                    let kept = &mut keyed[*slot.get()].1;
                    if canonical.cmp(id, *kept).is_lt() {
                        *kept = id;
                    }
                }
            }
        }
        let merged = repeated.len() as u64;
        repeated.sort_unstable();
        repeated.dedup();
        repeated.truncate(crate::gold::quality::EXAMPLES);
        let dropped = UniqueById {
            rows: Vec::new(),
            exact,
            merged,
            repeated,
        };
        Ok((keyed, dropped))
    }
}

/// The most rows [`Rows::unique`] walks in one group of rows sharing an id
/// before it groups by every column instead.
const MAX_GROUP_WALK: usize = 8;

/// A table's canonical row order (see [`Rows::canonical`]).
pub(crate) struct Canonical<'a> {
    columns: Vec<TypedColumn<'a>>,
}

impl Canonical<'_> {
    /// Row `a` against row `b`; equal only for exact duplicates.
    pub(crate) fn cmp(&self, a: RowId, b: RowId) -> Ordering {
        self.columns
            .iter()
            .map(|c| c.compare(a, b))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

/// Mixes a 64-bit value well (the SplitMix64 finaliser), so that hashes of
/// rows differing in one small number land far apart.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A hash of each row's `columns` (by index), per batch: rows equal in
/// every one of them hash alike. A text cell hashes its dictionary value,
/// hashed once per batch rather than once per cell.
fn row_hashes(batches: &[RecordBatch], columns: &[usize]) -> Result<Vec<Vec<u64>>> {
    const NULL: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut out = Vec::with_capacity(batches.len());
    for batch in batches {
        let mut hashes = vec![0u64; batch.num_rows()];
        for &c in columns {
            let Some(array) = batch.columns().get(c) else {
                continue;
            };
            let salt = mix(c as u64 + 1);
            let mut add = |row: usize, value: Option<u64>| {
                let h = &mut hashes[row];
                *h = mix(h.rotate_left(17) ^ value.map_or(NULL, |v| mix(v ^ salt)));
            };
            let any = array.as_any();
            if let Some(d) = any.downcast_ref::<DictionaryArray<Int32Type>>() {
                let values = d.values().as_any().downcast_ref::<StringArray>();
                let values = values.ok_or_else(|| {
                    crate::Error::from(ArrowError::SchemaError(format!(
                        "bronze column {c} is not dictionary-encoded text"
                    )))
                })?;
                let value_hashes: Vec<u64> = (0..values.len())
                    .map(|i| {
                        use std::hash::Hasher;
                        let mut hasher = rustc_hash::FxHasher::default();
                        hasher.write(values.value(i).as_bytes());
                        hasher.finish()
                    })
                    .collect();
                let keys = d.keys();
                for row in 0..keys.len() {
                    let value = keys
                        .is_valid(row)
                        .then(|| value_hashes[keys.value(row) as usize]);
                    add(row, value);
                }
            } else if let Some(a) = any.downcast_ref::<Float64Array>() {
                for row in 0..a.len() {
                    add(row, a.is_valid(row).then(|| a.value(row).to_bits()));
                }
            } else if let Some(a) = any.downcast_ref::<Int64Array>() {
                for row in 0..a.len() {
                    add(row, a.is_valid(row).then(|| a.value(row) as u64));
                }
            } else if let Some(a) = any.downcast_ref::<Date32Array>() {
                for row in 0..a.len() {
                    add(row, a.is_valid(row).then(|| a.value(row) as u64));
                }
            } else if let Some(a) = any.downcast_ref::<TimestampMicrosecondArray>() {
                for row in 0..a.len() {
                    add(row, a.is_valid(row).then(|| a.value(row) as u64));
                }
            } else {
                return Err(ArrowError::SchemaError(format!(
                    "bronze column {c} has the unexpected type {}",
                    array.data_type()
                ))
                .into());
            }
        }
        out.push(hashes);
    }
    Ok(out)
}

/// The rows [`Rows::unique_by`] keeps (the first per id, in canonical
/// order), and what it dropped.
pub(crate) struct UniqueById<'a> {
    /// One row per id.
    pub(crate) rows: Vec<RowId>,
    /// Exact duplicate rows dropped.
    pub(crate) exact: u64,
    /// Rows dropped because an earlier row had their id.
    pub(crate) merged: u64,
    /// The smallest ids that repeat, for examples.
    pub(crate) repeated: Vec<&'a str>,
}

impl UniqueById<'_> {
    fn with_rows(self, rows: Vec<RowId>) -> Self {
        Self { rows, ..self }
    }
}

/// One source column over every batch of a table, typed once.
#[derive(Clone)]
enum TypedColumn<'a> {
    Text(Vec<(&'a Int32Array, &'a StringArray)>),
    Float(Vec<&'a Float64Array>),
    Int(Vec<&'a Int64Array>),
    Date(Vec<&'a Date32Array>),
    Timestamp(Vec<&'a TimestampMicrosecondArray>),
}

impl<'a> TypedColumn<'a> {
    fn of(batches: &'a [RecordBatch], column: usize) -> Result<Self> {
        let mismatch = |what: &str| -> crate::Error {
            ArrowError::SchemaError(format!("bronze column {column} {what}")).into()
        };
        fn typed<'a, T: Array + 'static>(
            batches: &'a [RecordBatch],
            column: usize,
            mismatch: &dyn Fn(&str) -> crate::Error,
        ) -> Result<Vec<&'a T>> {
            batches
                .iter()
                .map(|b| {
                    b.column(column)
                        .as_any()
                        .downcast_ref::<T>()
                        .ok_or_else(|| mismatch("is not of its declared type"))
                })
                .collect()
        }
        // A table without rows: nothing is ever compared.
        let Some(first) = batches.first() else {
            return Ok(Self::Int(Vec::new()));
        };
        Ok(match first.column(column).data_type() {
            DataType::Dictionary(..) => Self::Text(
                typed::<DictionaryArray<Int32Type>>(batches, column, &mismatch)?
                    .into_iter()
                    .map(|d| {
                        let values = d.values().as_any().downcast_ref::<StringArray>();
                        values
                            .map(|v| (d.keys(), v))
                            .ok_or_else(|| mismatch("is not dictionary-encoded text"))
                    })
                    .collect::<Result<_>>()?,
            ),
            DataType::Float64 => Self::Float(typed(batches, column, &mismatch)?),
            DataType::Int64 => Self::Int(typed(batches, column, &mismatch)?),
            DataType::Date32 => Self::Date(typed(batches, column, &mismatch)?),
            DataType::Timestamp(TimeUnit::Microsecond, _) => {
                Self::Timestamp(typed(batches, column, &mismatch)?)
            }
            other => return Err(mismatch(&format!("has the unexpected type {other}"))),
        })
    }

    fn compare(&self, (ab, ar): RowId, (bb, br): RowId) -> Ordering {
        match self {
            Self::Text(v) => {
                let ((xk, xv), (yk, yv)) = (v[ab], v[bb]);
                nulls_first(xk, ar, yk, br, || {
                    let (x, y) = (xk.value(ar), yk.value(br));
                    if x == y && ab == bb {
                        // One dictionary: one key, one value.
                        return Ordering::Equal;
                    }
                    let x = xv.value(x as usize).as_bytes();
                    x.cmp(yv.value(y as usize).as_bytes())
                })
            }
            Self::Float(v) => nulls_first(v[ab], ar, v[bb], br, || {
                v[ab].value(ar).total_cmp(&v[bb].value(br))
            }),
            Self::Int(v) => nulls_first(v[ab], ar, v[bb], br, || {
                v[ab].value(ar).cmp(&v[bb].value(br))
            }),
            Self::Date(v) => nulls_first(v[ab], ar, v[bb], br, || {
                v[ab].value(ar).cmp(&v[bb].value(br))
            }),
            Self::Timestamp(v) => nulls_first(v[ab], ar, v[bb], br, || {
                v[ab].value(ar).cmp(&v[bb].value(br))
            }),
        }
    }
}

/// Orders row `i` of `x` against row `j` of `y` with nulls before every
/// value; `values` compares the two when both are set.
fn nulls_first<A: Array>(
    x: &A,
    i: usize,
    y: &A,
    j: usize,
    values: impl FnOnce() -> Ordering,
) -> Ordering {
    match (x.is_valid(i), y.is_valid(j)) {
        (true, true) => values(),
        (a, b) => a.cmp(&b),
    }
}
