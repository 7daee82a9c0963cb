//! Column chunks written from what the batches already hold.
//!
//! The `parquet` crate's writer builds a dictionary by hashing every row's
//! value, and finds a chunk's min and max by comparing every row's value.
//! Here a chunk is written from the arrays themselves:
//!
//! - A bronze text column (`Dictionary(Int32, Utf8)`) already holds each
//!   batch's distinct values once ([`crate::bronze`]'s text builder): each
//!   batch value a row group uses is looked up once, and each row costs a
//!   key read. The dictionary page, the key pages and the statistics come
//!   from the distinct values.
//! - An integer, date, timestamp or double column (`Int32`, `Int64`,
//!   `Date32`, `Timestamp`, `Float64`) is interned here, a double by its
//!   bits as the writer's interner does (`0.0` and `-0.0` are two values).
//!   A row equal to the one before takes that row's key without a lookup
//!   (sorted keys and member months repeat in runs), values within a span
//!   no wider than the rows find theirs by offset (dates, months,
//!   surrogate keys), the rest through a hash table.
//!   The statistics come from the distinct values (a double's leave NaN
//!   out, and give a zero least value as `-0.0`, a zero greatest as `0.0`,
//!   as the writer does).
//! - A number column without a dictionary (its layout says so, or its
//!   distinct values fill the dictionary page limit) is written in plain
//!   pages straight from the arrays.
//!
//! A dictionary chunk is the one the writer would give in all that a reader
//! sees: the same dictionary page (values in order of first use), the same
//! key values and bit width, the same statistics (text truncated to the
//! same length), null counts, level histograms, encodings, codec and offset
//! index. Only where data pages end can differ: a page here holds the
//! writer's row limit (20,000 rows), where the writer cuts at the first
//! 1,024-row step past it. A plain chunk is the writer's with the
//! dictionary off for that column. Where a number dictionary overflows,
//! the writer would keep a dictionary page for the rows before the overflow
//! and write the rest plain; here the whole chunk is plain, which every
//! reader takes (each chunk names its encodings). Tests write both and
//! compare every row and all the chunk metadata.
//!
//! Anything else goes to the writer: text without a dictionary or whose
//! dictionary overflows (plain text written here was no faster than the
//! writer's), a column without a value, other types (plain `Utf8`,
//! `Boolean`), and settings this does not write (page statistics,
//! bloom filters, version-2 pages, other codecs, a column encoding, a page
//! byte limit below a page of keys).

use std::hash::BuildHasher;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Float64Type, Int32Type, Int64Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType,
};
use arrow_array::{Array, DictionaryArray, StringArray};
use arrow_schema::{DataType, TimeUnit};
use bytes::Bytes;
use hashbrown::HashTable;
use parquet::basic::{Compression, Encoding, EncodingMask, PageType, Type as PhysicalType};
use parquet::column::page::{CompressedPage, Page, PageWriteSpec, PageWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::data_type::ByteArray;
use parquet::file::metadata::{
    ColumnChunkMetaData, LevelHistogram, OffsetIndexBuilder, PageEncodingStats,
};
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
use parquet::file::statistics::{Statistics, ValueStatistics};
use parquet::file::writer::{SerializedPageWriter, TrackedWrite};
use parquet::schema::types::ColumnDescPtr;
use rustc_hash::FxBuildHasher;

use crate::error::Result;

/// A column chunk's pages and what the row group writer needs to add them.
pub(super) struct Chunk {
    pub(super) pages: Pages,
    pub(super) close: ColumnCloseResult,
}

/// A chunk's pages, each with its header, in file order. Each page is a
/// buffer of its own, not one that grows to hold the chunk: a plain chunk
/// of a million integers is 8 MB, and a buffer doubling to it would be
/// copied and its fresh memory faulted in, chunk after chunk, where
/// page-sized buffers are reused by the allocator.
#[derive(Default)]
pub(super) struct Pages {
    pages: Vec<Bytes>,
    len: u64,
}

impl Pages {
    /// Writes `page` (header, then body) after the pages so far; its place
    /// is counted from the chunk's start.
    fn write(&mut self, page: CompressedPage) -> Result<PageWriteSpec> {
        let mut sink = TrackedWrite::new(Vec::with_capacity(page.compressed_size() + 64));
        let mut writer = SerializedPageWriter::new(&mut sink);
        let mut spec = writer.write_page(page)?;
        writer.close()?;
        let bytes = sink.into_inner()?;
        spec.offset += self.len;
        self.len += bytes.len() as u64;
        self.pages.push(Bytes::from(bytes));
        Ok(spec)
    }
}

impl parquet::file::reader::Length for Pages {
    fn len(&self) -> u64 {
        self.len
    }
}

impl parquet::file::reader::ChunkReader for Pages {
    type T = PagesRead;

    fn get_read(&self, start: u64) -> parquet::errors::Result<PagesRead> {
        let mut read = PagesRead {
            pages: self.pages.clone().into_iter(),
            page: Bytes::new(),
        };
        let mut skip = start;
        while skip > 0 {
            let Some(page) = read.pages.next() else {
                break;
            };
            let here = skip.min(page.len() as u64);
            read.page = page.slice(here as usize..);
            skip -= here;
        }
        Ok(read)
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        let mut out = Vec::with_capacity(length);
        std::io::Read::read_to_end(
            &mut std::io::Read::take(self.get_read(start)?, length as u64),
            &mut out,
        )?;
        Ok(Bytes::from(out))
    }
}

/// [`Pages`] read from a place on.
pub(super) struct PagesRead {
    pages: std::vec::IntoIter<Bytes>,
    page: Bytes,
}

impl std::io::Read for PagesRead {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.page.is_empty() {
            match self.pages.next() {
                Some(page) => self.page = page,
                None => return Ok(0),
            }
        }
        let n = out.len().min(self.page.len());
        out[..n].copy_from_slice(&self.page[..n]);
        self.page = self.page.slice(n..);
        Ok(n)
    }
}

/// The chunk of `parts` (a row group's slices of one column, in order), or
/// `None` where the writer must write it (see the module's text). `keys`
/// holds a dictionary chunk's keys: the caller passes the same vector from
/// chunk to chunk, so that its memory is not asked for again each time.
pub(super) fn column_chunk(
    descr: &ColumnDescPtr,
    properties: &WriterProperties,
    parts: &[&dyn Array],
    keys: &mut Vec<u32>,
) -> Result<Option<Chunk>> {
    let path = descr.path();
    let codec = properties.compression(path);
    let statistics = properties.statistics_enabled(path);
    let page_rows = properties.data_page_row_count_limit().max(1);
    let page_bytes = properties.column_data_page_size_limit(path);
    if properties.bloom_filter_properties(path).is_some()
        || properties.writer_version() != WriterVersion::PARQUET_1_0
        || properties.encoding(path).is_some()
        || statistics == EnabledStatistics::Page
        || !matches!(codec, Compression::SNAPPY | Compression::UNCOMPRESSED)
        || descr.max_rep_level() != 0
    {
        return Ok(None);
    }
    let Some(column) = Column::of(descr, parts) else {
        return Ok(None);
    };
    // Nulls in a column that takes none: the writer's to refuse.
    let nulls: usize = parts.iter().map(|p| p.null_count()).sum();
    let rows: usize = parts.iter().map(|p| p.len()).sum();
    if nulls == rows || (descr.max_def_level() == 0 && nulls != 0) {
        return Ok(None);
    }
    // Text without a dictionary, or whose dictionary overflows, is the
    // writer's (it keeps the dictionary page for the rows before the
    // overflow, then writes plain values).
    let values = match (&column, properties.dictionary_enabled(path)) {
        (Column::Text(_), false) => return Ok(None),
        (Column::Numbers(numbers), false) => Values::Plain(numbers),
        (_, true) => {
            // A page of keys takes at most 4 bytes a row (and 4 for its
            // levels' length); a page byte limit below that is the writer's.
            if page_bytes < page_rows.saturating_mul(5).saturating_add(8) {
                return Ok(None);
            }
            let limit = properties.column_dictionary_page_size_limit(path);
            match (column.dictionary(limit, keys), &column) {
                (Some(dictionary), _) => Values::Dictionary(dictionary),
                (None, Column::Numbers(numbers)) => Values::Plain(numbers),
                (None, Column::Text(_)) => return Ok(None),
            }
        }
    };
    let statistics = (statistics != EnabledStatistics::None).then(|| match &values {
        Values::Dictionary(dictionary) => {
            dictionary.statistics(descr, properties.statistics_truncate_length(), nulls)
        }
        Values::Plain(numbers) => numbers.statistics(descr, nulls),
    });
    write(
        descr,
        &column,
        &values,
        keys,
        Layout {
            codec,
            page_rows,
            page_bytes: page_bytes.max(1),
            statistics,
            offset_index: !properties.offset_index_disabled(),
            rows,
            nulls,
        },
    )
    .map(Some)
}

/// A chunk's parts, typed.
enum Column<'a> {
    /// Text keyed into each part's dictionary.
    Text(Vec<(&'a DictionaryArray<Int32Type>, &'a StringArray)>),
    Numbers(Numbers<'a>),
}

/// A chunk's parts of a Parquet INT32, INT64 or DOUBLE column, with their
/// values.
enum Numbers<'a> {
    Int32(Vec<(&'a dyn Array, &'a [i32])>),
    Int64(Vec<(&'a dyn Array, &'a [i64])>),
    Double(Vec<(&'a dyn Array, &'a [f64])>),
}

impl<'a> Column<'a> {
    /// `parts` typed, or `None` for a type written by the writer alone.
    fn of(descr: &ColumnDescPtr, parts: &[&'a dyn Array]) -> Option<Self> {
        let first = parts.first()?;
        if parts.iter().any(|p| p.data_type() != first.data_type()) {
            return None;
        }
        let numbers = match (descr.physical_type(), first.data_type()) {
            (PhysicalType::BYTE_ARRAY, DataType::Dictionary(key, value))
                if **key == DataType::Int32 && **value == DataType::Utf8 =>
            {
                let mut columns = Vec::with_capacity(parts.len());
                for part in parts {
                    let column = part.as_dictionary_opt::<Int32Type>()?;
                    let values = column.values().as_string_opt::<i32>()?;
                    // Values with nulls: the writer's to write.
                    if values.null_count() != 0 {
                        return None;
                    }
                    columns.push((column, values));
                }
                return Some(Self::Text(columns));
            }
            (PhysicalType::INT32, DataType::Int32) => numbers(parts, |p| {
                p.as_primitive_opt::<Int32Type>().map(|a| &a.values()[..])
            })
            .map(Numbers::Int32),
            (PhysicalType::INT32, DataType::Date32) => numbers(parts, |p| {
                p.as_primitive_opt::<Date32Type>().map(|a| &a.values()[..])
            })
            .map(Numbers::Int32),
            (PhysicalType::INT64, DataType::Int64) => numbers(parts, |p| {
                p.as_primitive_opt::<Int64Type>().map(|a| &a.values()[..])
            })
            .map(Numbers::Int64),
            // Seconds are scaled to milliseconds by the writer.
            (PhysicalType::INT64, DataType::Timestamp(unit, _)) => match unit {
                TimeUnit::Second => None,
                TimeUnit::Millisecond => numbers(parts, |p| {
                    p.as_primitive_opt::<TimestampMillisecondType>()
                        .map(|a| &a.values()[..])
                }),
                TimeUnit::Microsecond => numbers(parts, |p| {
                    p.as_primitive_opt::<TimestampMicrosecondType>()
                        .map(|a| &a.values()[..])
                }),
                TimeUnit::Nanosecond => numbers(parts, |p| {
                    p.as_primitive_opt::<TimestampNanosecondType>()
                        .map(|a| &a.values()[..])
                }),
            }
            .map(Numbers::Int64),
            (PhysicalType::DOUBLE, DataType::Float64) => numbers(parts, |p| {
                p.as_primitive_opt::<Float64Type>().map(|a| &a.values()[..])
            })
            .map(Numbers::Double),
            _ => None,
        };
        numbers.map(Self::Numbers)
    }

    /// The chunk's dictionary, or `None` once its page reaches `limit`
    /// bytes (where the writer falls back to plain values).
    /// Each row's key goes to `keys`.
    fn dictionary(&self, limit: usize, keys: &mut Vec<u32>) -> Option<Dictionary> {
        keys.clear();
        match self {
            Self::Text(columns) => {
                TextKeys::of(columns, limit, keys).map(TextKeys::into_dictionary)
            }
            Self::Numbers(Numbers::Int32(parts)) => {
                NumberKeys::of(parts, limit, keys).map(NumberKeys::into_dictionary)
            }
            Self::Numbers(Numbers::Int64(parts)) => {
                NumberKeys::of(parts, limit, keys).map(NumberKeys::into_dictionary)
            }
            Self::Numbers(Numbers::Double(parts)) => {
                NumberKeys::of(parts, limit, keys).map(NumberKeys::into_dictionary)
            }
        }
    }

    fn parts(&self) -> Vec<&'a dyn Array> {
        match self {
            Self::Text(columns) => columns.iter().map(|(c, _)| *c as &dyn Array).collect(),
            Self::Numbers(Numbers::Int32(parts)) => parts.iter().map(|(p, _)| *p).collect(),
            Self::Numbers(Numbers::Int64(parts)) => parts.iter().map(|(p, _)| *p).collect(),
            Self::Numbers(Numbers::Double(parts)) => parts.iter().map(|(p, _)| *p).collect(),
        }
    }

    fn is_text(&self) -> bool {
        matches!(self, Self::Text(_))
    }
}

impl Numbers<'_> {
    /// The chunk's statistics from every value, for plain pages.
    fn statistics(&self, descr: &ColumnDescPtr, nulls: usize) -> Statistics {
        match self {
            Self::Int32(parts) => number_statistics(descr, number_range(parts), nulls),
            Self::Int64(parts) => number_statistics(descr, number_range(parts), nulls),
            Self::Double(parts) => number_statistics(descr, number_range(parts), nulls),
        }
    }

    /// The bytes a value takes in a plain page.
    fn width(&self) -> usize {
        match self {
            Self::Int32(_) => i32::WIDTH,
            Self::Int64(_) => i64::WIDTH,
            Self::Double(_) => f64::WIDTH,
        }
    }

    /// Appends the plain encoding of `segments`' values to `out`.
    fn put(&self, segments: &[Segment], out: &mut Vec<u8>) {
        match self {
            Self::Int32(parts) => put_numbers(parts, segments, out),
            Self::Int64(parts) => put_numbers(parts, segments, out),
            Self::Double(parts) => put_numbers(parts, segments, out),
        }
    }
}

/// Each part's values as `values` reads them, or `None` if one is not.
fn numbers<'a, N>(
    parts: &[&'a dyn Array],
    values: impl Fn(&'a dyn Array) -> Option<&'a [N]>,
) -> Option<Vec<(&'a dyn Array, &'a [N])>> {
    parts.iter().map(|&p| Some((p, values(p)?))).collect()
}

/// The rows of `array` that hold a value.
fn valid(array: &dyn Array) -> impl Iterator<Item = usize> + '_ {
    let nulls = array.nulls().filter(|n| n.null_count() > 0);
    let all = nulls.is_none().then(|| 0..array.len());
    nulls
        .into_iter()
        .flat_map(|n| n.valid_indices())
        .chain(all.into_iter().flatten())
}

/// The type of a Parquet INT32, INT64 or DOUBLE column's values. Two
/// values are the same dictionary entry when their bits are (the writer's
/// interner compares bytes: `0.0` and `-0.0` are two entries, a NaN one).
trait Number: Copy + PartialOrd {
    const WIDTH: usize;
    /// The value's bits, to hash and to compare.
    fn bits(self) -> u64;
    /// The value, to find its key by offset (a number's bits, for a
    /// double).
    fn wide(self) -> i64;
    /// Whether the statistics leave the value out (a NaN).
    fn is_nan(self) -> bool {
        false
    }
    /// The least and greatest value as the statistics give them.
    fn settled(range: (Self, Self)) -> (Self, Self) {
        range
    }
    fn put(self, out: &mut Vec<u8>);
    fn statistics(stats: ValueStatistics<Self>) -> Statistics;
    fn range(range: Option<(Self, Self)>) -> Range;
}

/// [`Number`] for an integer type and its [`Statistics`] and [`Range`]
/// variant.
macro_rules! integer {
    ($type:ty, $variant:ident) => {
        impl Number for $type {
            const WIDTH: usize = std::mem::size_of::<$type>();
            fn bits(self) -> u64 {
                self as u64
            }
            fn wide(self) -> i64 {
                i64::from(self)
            }
            fn put(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn statistics(stats: ValueStatistics<Self>) -> Statistics {
                Statistics::$variant(stats)
            }
            fn range(range: Option<(Self, Self)>) -> Range {
                Range::$variant(range)
            }
        }
    };
}

integer!(i32, Int32);
integer!(i64, Int64);

impl Number for f64 {
    const WIDTH: usize = 8;
    fn bits(self) -> u64 {
        self.to_bits()
    }
    fn wide(self) -> i64 {
        self.to_bits() as i64
    }
    fn is_nan(self) -> bool {
        f64::is_nan(self)
    }
    /// A zero least value is `-0.0`, a zero greatest `0.0`, whichever zero
    /// the rows hold (as the Parquet format and the writer say).
    fn settled((min, max): (Self, Self)) -> (Self, Self) {
        let zero = |v: f64, z: f64| if v == 0.0 { z } else { v };
        (zero(min, -0.0), zero(max, 0.0))
    }
    fn put(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn statistics(stats: ValueStatistics<Self>) -> Statistics {
        Statistics::Double(stats)
    }
    fn range(range: Option<(Self, Self)>) -> Range {
        Range::Double(range)
    }
}

/// `range` widened by `values` (NaN left out), unsettled.
fn widened<N: Number>(range: Option<(N, N)>, values: impl Iterator<Item = N>) -> Option<(N, N)> {
    let mut values = values.filter(|v| !v.is_nan());
    let (mut min, mut max) = match range {
        Some(range) => range,
        None => {
            let first = values.next()?;
            (first, first)
        }
    };
    for v in values {
        if v < min {
            min = v;
        }
        if max < v {
            max = v;
        }
    }
    Some((min, max))
}

/// The least and greatest value of `parts`' rows with a value, unsettled.
fn number_range<N: Number>(parts: &[(&dyn Array, &[N])]) -> Option<(N, N)> {
    let mut range = None;
    for &(part, values) in parts {
        range = if part.null_count() == 0 {
            widened(range, values.iter().copied())
        } else {
            widened(range, valid(part).map(|row| values[row]))
        };
    }
    range
}

/// A number chunk's statistics, as the writer gives them.
fn number_statistics<N: Number>(
    descr: &ColumnDescPtr,
    range: Option<(N, N)>,
    nulls: usize,
) -> Statistics {
    let range = range.map(N::settled);
    N::statistics(
        ValueStatistics::new(
            range.map(|r| r.0),
            range.map(|r| r.1),
            None,
            Some(nulls as u64),
            false,
        )
        .with_backwards_compatible_min_max(descr.sort_order().is_signed()),
    )
}

/// A text chunk's statistics, truncated as the writer truncates them.
fn text_statistics(
    descr: &ColumnDescPtr,
    min: &[u8],
    max: &[u8],
    truncate: Option<usize>,
    nulls: usize,
) -> Statistics {
    let (min, min_exact) = truncated(min, truncate, false);
    let (max, max_exact) = truncated(max, truncate, true);
    Statistics::ByteArray(
        ValueStatistics::new(
            Some(ByteArray::from(min)),
            Some(ByteArray::from(max)),
            None,
            Some(nulls as u64),
            descr.sort_order().is_signed(),
        )
        .with_min_is_exact(min_exact)
        .with_max_is_exact(max_exact),
    )
}

/// Appends the plain values of `segments` of `parts` (those not null) to
/// `out`.
fn put_numbers<N: Number>(parts: &[(&dyn Array, &[N])], segments: &[Segment], out: &mut Vec<u8>) {
    for segment in segments {
        let (part, values) = parts[segment.part];
        let rows = segment.start..segment.start + segment.rows;
        match part.nulls().filter(|n| n.null_count() > 0) {
            None => values[rows].iter().for_each(|v| v.put(out)),
            Some(nulls) => rows
                .filter(|&row| nulls.is_valid(row))
                .for_each(|row| values[row].put(out)),
        }
    }
}

/// A chunk's dictionary page (the rows' keys are kept apart).
struct Dictionary {
    /// The dictionary page's values, plain encoded.
    page: Vec<u8>,
    /// How many values the page holds.
    len: usize,
    /// Text: each value's length in bytes, for the offset index.
    lengths: Option<Vec<usize>>,
    /// The least and greatest value.
    range: Range,
}

/// A dictionary's least and greatest value, by type.
enum Range {
    Text(Vec<u8>, Vec<u8>),
    Int32(Option<(i32, i32)>),
    Int64(Option<(i64, i64)>),
    Double(Option<(f64, f64)>),
}

impl Dictionary {
    /// The bits a key takes in a data page.
    fn bit_width(&self) -> u8 {
        let largest = self.len.saturating_sub(1) as u32;
        (u32::BITS - largest.leading_zeros()) as u8
    }

    fn statistics(
        &self,
        descr: &ColumnDescPtr,
        truncate: Option<usize>,
        nulls: usize,
    ) -> Statistics {
        match &self.range {
            Range::Text(min, max) => text_statistics(descr, min, max, truncate, nulls),
            Range::Int32(range) => number_statistics(descr, *range, nulls),
            Range::Int64(range) => number_statistics(descr, *range, nulls),
            Range::Double(range) => number_statistics(descr, *range, nulls),
        }
    }
}

/// A row group's text keys into one dictionary for the chunk, in order of
/// first use, as the writer's interner numbers them.
struct TextKeys {
    /// The dictionary page's values, plain encoded (length, then bytes).
    page: Vec<u8>,
    /// Where each value starts in `page` (after its length) and its length.
    values: Vec<(usize, usize)>,
}

impl TextKeys {
    /// The dictionary of `columns`, the chunk key of each non-null row
    /// pushed to `out` in row order; `None` once the dictionary page
    /// reaches `limit` bytes (where the writer falls back to plain values).
    fn of(
        columns: &[(&DictionaryArray<Int32Type>, &StringArray)],
        limit: usize,
        out: &mut Vec<u32>,
    ) -> Option<Self> {
        out.reserve(columns.iter().map(|(c, _)| c.len()).sum());
        let mut keys = Self {
            page: Vec::new(),
            values: Vec::new(),
        };
        let mut table: HashTable<u32> = HashTable::new();
        // This batch's keys in the chunk's numbering, filled at first use.
        let mut chunk_key: Vec<u32> = Vec::new();
        for (column, values) in columns {
            chunk_key.clear();
            chunk_key.resize(values.len(), u32::MAX);
            let nulls = column.keys().nulls();
            for (row, &key) in column.keys().values().iter().enumerate() {
                if nulls.is_some_and(|n| n.is_null(row)) {
                    continue;
                }
                // The text builder's keys are in range; another array's
                // may not be, and then the writer decides.
                let slot = chunk_key.get_mut(usize::try_from(key).ok()?)?;
                if *slot == u32::MAX {
                    *slot = keys.intern(&mut table, values.value(key as usize).as_bytes());
                    if keys.page.len() >= limit {
                        return None;
                    }
                }
                out.push(*slot);
            }
        }
        Some(keys)
    }

    fn value(&self, key: u32) -> &[u8] {
        let (start, len) = self.values[key as usize];
        &self.page[start..start + len]
    }

    /// The chunk key of `value`, a new one the first time it is seen.
    fn intern(&mut self, table: &mut HashTable<u32>, value: &[u8]) -> u32 {
        let hash = FxBuildHasher.hash_one(value);
        if let Some(&key) = table.find(hash, |&key| self.value(key) == value) {
            return key;
        }
        let key = self.values.len() as u32;
        self.page
            .extend_from_slice(&(value.len() as u32).to_le_bytes());
        self.values.push((self.page.len(), value.len()));
        self.page.extend_from_slice(value);
        let (page, values) = (&self.page, &self.values);
        table.insert_unique(hash, key, |&k| {
            let (start, len) = values[k as usize];
            FxBuildHasher.hash_one(&page[start..start + len])
        });
        key
    }

    fn into_dictionary(self) -> Dictionary {
        let mut values = (0..self.values.len() as u32).map(|k| self.value(k));
        let first = values.next().unwrap_or_default();
        let (min, max) = values.fold((first, first), |(min, max), v| (min.min(v), max.max(v)));
        let range = Range::Text(min.to_vec(), max.to_vec());
        Dictionary {
            len: self.values.len(),
            lengths: Some(self.values.iter().map(|v| v.1).collect()),
            page: self.page,
            range,
        }
    }
}

/// How a number chunk finds a value's key: by offset while the values met
/// so far span at most a cap of slots (dates, member months, surrogate
/// keys), by hash from the first value that would widen them past it. The
/// choice never changes a key (keys go by first use), and needs no pass over
/// the chunk beforehand: such a pass read every value from memory once more
/// just to pick the lookup.
enum Lookup {
    /// A slot per value from `.0` on (`u32::MAX`: no key yet).
    Offset(i64, Vec<u32>),
    Hash(HashTable<u32>),
}

impl Lookup {
    /// Makes room for `value`: widens the offset window over it (at least
    /// doubling, so that a chunk's windows cost about twice its final one),
    /// or turns to hashing the `known` values (key `k` is `known[k]`) when
    /// the window would pass `cap` slots.
    fn admit<N: Number>(&mut self, value: i64, cap: usize, known: &[N]) {
        let Self::Offset(low, slots) = self else {
            return;
        };
        let (v, old) = (i128::from(value), slots.len() as i128);
        let (lo, hi) = (i128::from(*low), i128::from(*low) + old - 1);
        if old > 0 && lo <= v && v <= hi {
            return;
        }
        let (need_lo, need_hi) = if old == 0 {
            (v, v)
        } else {
            (lo.min(v), hi.max(v))
        };
        let (need, cap) = (need_hi - need_lo + 1, cap as i128);
        if need > cap {
            let hash = |n: &N| FxBuildHasher.hash_one(n.bits());
            let mut table = HashTable::with_capacity(known.len());
            for (k, n) in known.iter().enumerate() {
                table.insert_unique(hash(n), k as u32, |&k| hash(&known[k as usize]));
            }
            *self = Self::Hash(table);
            return;
        }
        let len = need.max((2 * old).clamp(64, cap));
        // The room goes on the side the value fell, within i64.
        let start = if old > 0 && v < lo {
            (need_hi - len + 1).max(i128::from(i64::MIN))
        } else {
            need_lo.min(i128::from(i64::MAX) - len + 1)
        };
        let mut wider = vec![u32::MAX; len as usize];
        if old > 0 {
            let at = (lo - start) as usize;
            wider[at..at + slots.len()].copy_from_slice(slots);
        }
        // Within i64: `start` lies between two i64 values.
        *low = start as i64;
        *slots = wider;
    }
}

/// A row group's number keys, in order of first use, as the writer's
/// interner numbers them.
struct NumberKeys<N> {
    values: Vec<N>,
}

impl<N: Number> NumberKeys<N> {
    /// The dictionary of `parts`, the chunk key of each non-null row
    /// pushed to `out` in row order; `None` once the dictionary page
    /// reaches `limit` bytes (where the writer falls back to plain values).
    fn of(parts: &[(&dyn Array, &[N])], limit: usize, out: &mut Vec<u32>) -> Option<Self> {
        let rows: usize = parts.iter().map(|(p, _)| p.len()).sum();
        out.reserve(rows);
        let mut keys = Self { values: Vec::new() };
        // Values within a span no wider than the rows (dates, member
        // months, surrogate keys) find their key by offset; others hash.
        let cap = rows.clamp(1 << 12, 1 << 22);
        let mut lookup = Lookup::Offset(0, Vec::new());
        // The last row's value and key: runs of one value skip the lookup.
        let mut last: Option<(N, u32)> = None;
        let most = limit.div_ceil(N::WIDTH);
        for &(part, values) in parts {
            let mut push = |value: N| -> Option<()> {
                let key = match last {
                    Some((v, k)) if v.bits() == value.bits() => k,
                    _ => {
                        // A new value's key, unless the page would overflow.
                        let add = |known: &mut Vec<N>| {
                            (known.len() + 1 < most).then(|| {
                                known.push(value);
                                known.len() as u32 - 1
                            })
                        };
                        lookup.admit(value.wide(), cap, &keys.values);
                        match &mut lookup {
                            Lookup::Offset(min, slots) => {
                                let slot = &mut slots[(value.wide() - *min) as usize];
                                if *slot == u32::MAX {
                                    *slot = add(&mut keys.values)?;
                                }
                                *slot
                            }
                            Lookup::Hash(table) => {
                                let hash = FxBuildHasher.hash_one(value.bits());
                                let known = &keys.values;
                                match table
                                    .find(hash, |&k| known[k as usize].bits() == value.bits())
                                {
                                    Some(&k) => k,
                                    None => {
                                        let k = add(&mut keys.values)?;
                                        let known = &keys.values;
                                        table.insert_unique(hash, k, |&k| {
                                            FxBuildHasher.hash_one(known[k as usize].bits())
                                        });
                                        k
                                    }
                                }
                            }
                        }
                    }
                };
                last = Some((value, key));
                out.push(key);
                Some(())
            };
            if part.null_count() == 0 {
                for &value in values {
                    push(value)?;
                }
            } else {
                for row in valid(part) {
                    push(values[row])?;
                }
            }
        }
        Some(keys)
    }

    fn into_dictionary(self) -> Dictionary {
        let mut page = Vec::with_capacity(self.values.len() * N::WIDTH);
        self.values.iter().for_each(|v| v.put(&mut page));
        Dictionary {
            page,
            len: self.values.len(),
            lengths: None,
            range: N::range(widened(None, self.values.iter().copied())),
        }
    }
}

/// How the chunk's values are written.
enum Values<'a, 'b> {
    /// A dictionary page, then pages of keys.
    Dictionary(Dictionary),
    /// Pages of plain values: numbers only (text without a dictionary is
    /// the writer's).
    Plain(&'b Numbers<'a>),
}

/// How the chunk's pages are written.
struct Layout {
    /// Snappy or none.
    codec: Compression,
    page_rows: usize,
    /// Where a plain page is cut.
    page_bytes: usize,
    statistics: Option<Statistics>,
    offset_index: bool,
    /// All rows, and those without a value.
    rows: usize,
    nulls: usize,
}

/// The dictionary page if any, then a data page per `page_rows` rows (or
/// per `page_bytes` of plain values).
fn write(
    descr: &ColumnDescPtr,
    column: &Column,
    values: &Values,
    keys: &[u32],
    layout: Layout,
) -> Result<Chunk> {
    let mut pages = Pages::default();
    let mut sizes = Sizes::default();
    let mut offsets = layout.offset_index.then(OffsetIndexBuilder::new);

    let mut dictionary_offset = None;
    if let Values::Dictionary(dictionary) = values {
        let (buf, size) = compressed_body(layout.codec, &dictionary.page)?;
        let spec = pages.write(CompressedPage::new(
            Page::DictionaryPage {
                buf,
                num_values: dictionary.len as u32,
                encoding: Encoding::PLAIN,
                is_sorted: false,
            },
            size,
        ))?;
        dictionary_offset = Some(spec.offset as i64);
        sizes.add(&spec);
    }

    let parts = column.parts();
    let nullable = descr.max_def_level() > 0;
    let mut cursor = Cursor::default();
    let mut next_key = 0;
    let mut data_offset = None;
    let mut data_pages = 0;
    let mut chunk_text = 0i64;
    // A page of plain numbers also stops at the page byte limit.
    let page_rows = match values {
        Values::Dictionary(_) => layout.page_rows,
        Values::Plain(numbers) => layout
            .page_rows
            .min((layout.page_bytes / numbers.width()).max(1)),
    };
    let (mut body, mut page_values) = (Vec::new(), Vec::new());
    loop {
        page_values.clear();
        let segments = cursor.take(&parts, page_rows);
        if segments.is_empty() {
            break;
        }
        if let Values::Plain(numbers) = values {
            numbers.put(&segments, &mut page_values);
        }
        let mut text = 0;
        let levels = levels(&parts, &segments);
        if let Values::Dictionary(dictionary) = values {
            let keys = &keys[next_key..next_key + levels.values];
            next_key += levels.values;
            let bit_width = dictionary.bit_width();
            page_values.push(bit_width);
            let mut hybrid = Hybrid::new(bit_width, &mut page_values);
            let mut at = 0;
            while at < keys.len() {
                let run = keys[at..].iter().take_while(|&&v| v == keys[at]).count();
                hybrid.run(keys[at], run);
                if let Some(lengths) = &dictionary.lengths {
                    text += (lengths[keys[at] as usize] * run) as i64;
                }
                at += run;
            }
            hybrid.finish();
        }
        chunk_text += text;
        body.clear();
        if nullable {
            body.extend_from_slice(&(levels.encoded.len() as u32).to_le_bytes());
            body.extend_from_slice(&levels.encoded);
        }
        body.extend_from_slice(&page_values);
        let (buf, size) = compressed_body(layout.codec, &body)?;
        let spec = pages.write(CompressedPage::new(
            Page::DataPage {
                buf,
                num_values: levels.rows as u32,
                encoding: match values {
                    Values::Dictionary(_) => Encoding::RLE_DICTIONARY,
                    Values::Plain(_) => Encoding::PLAIN,
                },
                def_level_encoding: Encoding::RLE,
                rep_level_encoding: Encoding::RLE,
                statistics: None,
            },
            size,
        ))?;
        data_offset.get_or_insert(spec.offset as i64);
        data_pages += 1;
        sizes.add(&spec);
        if let Some(offsets) = offsets.as_mut() {
            offsets.append_row_count(levels.rows as i64);
            offsets.append_unencoded_byte_array_data_bytes(column.is_text().then_some(text));
            offsets.append_offset_and_size(spec.offset as i64, spec.compressed_size as i32);
        }
    }

    let (encodings, page_stats) = match values {
        Values::Dictionary(_) => (
            vec![Encoding::PLAIN, Encoding::RLE, Encoding::RLE_DICTIONARY],
            vec![
                PageEncodingStats {
                    page_type: PageType::DICTIONARY_PAGE,
                    encoding: Encoding::PLAIN,
                    count: 1,
                },
                PageEncodingStats {
                    page_type: PageType::DATA_PAGE,
                    encoding: Encoding::RLE_DICTIONARY,
                    count: data_pages,
                },
            ],
        ),
        Values::Plain(_) => (
            vec![Encoding::PLAIN, Encoding::RLE],
            vec![PageEncodingStats {
                page_type: PageType::DATA_PAGE,
                encoding: Encoding::PLAIN,
                count: data_pages,
            }],
        ),
    };
    let mut metadata = ColumnChunkMetaData::builder(descr.clone())
        .set_compression(layout.codec)
        .set_encodings_mask(EncodingMask::new_from_encodings(encodings.iter()))
        .set_page_encoding_stats(page_stats)
        .set_total_compressed_size(sizes.compressed)
        .set_total_uncompressed_size(sizes.uncompressed)
        .set_num_values(layout.rows as i64)
        .set_data_page_offset(data_offset.unwrap_or(0))
        .set_dictionary_page_offset(dictionary_offset);
    if let Some(statistics) = layout.statistics {
        let definitions = nullable.then(|| {
            LevelHistogram::from(vec![
                layout.nulls as i64,
                (layout.rows - layout.nulls) as i64,
            ])
        });
        metadata = metadata
            .set_statistics(statistics)
            .set_unencoded_byte_array_data_bytes(column.is_text().then_some(chunk_text))
            .set_definition_level_histogram(definitions);
    }
    Ok(Chunk {
        pages,
        close: ColumnCloseResult {
            bytes_written: sizes.written,
            rows_written: layout.rows as u64,
            metadata: metadata.build()?,
            bloom_filter: None,
            column_index: None,
            offset_index: offsets.map(OffsetIndexBuilder::build),
        },
    })
}

/// The chunk's pages' sizes so far, headers included.
#[derive(Default)]
struct Sizes {
    compressed: i64,
    uncompressed: i64,
    written: u64,
}

impl Sizes {
    fn add(&mut self, page: &PageWriteSpec) {
        self.compressed += page.compressed_size as i64;
        self.uncompressed += page.uncompressed_size as i64;
        self.written += page.bytes_written;
    }
}

/// A page body, Snappy-compressed if `codec` says so (as the writer's codec
/// does it), and its size before.
fn compressed_body(codec: Compression, body: &[u8]) -> Result<(Bytes, usize)> {
    if codec != Compression::SNAPPY {
        return Ok((Bytes::copy_from_slice(body), body.len()));
    }
    let mut out = vec![0; snap::raw::max_compress_len(body.len())];
    let n = snap::raw::Encoder::new()
        .compress(body, &mut out)
        .map_err(|e| parquet::errors::ParquetError::External(Box::new(e)))?;
    out.truncate(n);
    Ok((Bytes::from(out), body.len()))
}

/// Rows `start..start + rows` of part `part`.
#[derive(Debug, PartialEq, Eq)]
struct Segment {
    part: usize,
    start: usize,
    rows: usize,
}

/// Where the next page starts: a part, and a row in it.
#[derive(Default)]
struct Cursor {
    part: usize,
    row: usize,
}

impl Cursor {
    /// The next `rows` rows of `parts` (fewer at the end).
    fn take(&mut self, parts: &[&dyn Array], rows: usize) -> Vec<Segment> {
        let mut segments = Vec::new();
        let mut left = rows;
        while left > 0 && self.part < parts.len() {
            let len = parts[self.part].len();
            let take = (len - self.row).min(left);
            segments.extend(self.advance(len, self.row + take));
            left -= take;
        }
        segments
    }

    /// Moves to `row` of the current part (of `len` rows), the next part
    /// at its end; the rows passed, if any.
    fn advance(&mut self, len: usize, row: usize) -> Option<Segment> {
        let passed = (row > self.row).then(|| Segment {
            part: self.part,
            start: self.row,
            rows: row - self.row,
        });
        if row >= len {
            self.part += 1;
            self.row = 0;
        } else {
            self.row = row;
        }
        passed
    }
}

/// A page's rows: how many, how many have a value, and their definition
/// levels, encoded.
struct PageLevels {
    rows: usize,
    values: usize,
    encoded: Vec<u8>,
}

/// The definition levels of `segments` of `parts`.
fn levels(parts: &[&dyn Array], segments: &[Segment]) -> PageLevels {
    let mut page = PageLevels {
        rows: 0,
        values: 0,
        encoded: Vec::new(),
    };
    let mut levels = Hybrid::new(1, &mut page.encoded);
    for segment in segments {
        let take = segment.rows;
        let mut valid = take;
        match parts[segment.part]
            .nulls()
            .map(|n| n.slice(segment.start, take))
        {
            Some(nulls) if nulls.null_count() > 0 => {
                valid = take - nulls.null_count();
                let mut at = 0;
                for (start, end) in nulls.valid_slices() {
                    levels.run(0, start - at);
                    levels.run(1, end - start);
                    at = end;
                }
                levels.run(0, take - at);
            }
            _ => levels.run(1, take),
        }
        page.rows += take;
        page.values += valid;
    }
    levels.finish();
    page
}

/// `value` cut to at most `limit` bytes on a character boundary, and
/// whether it is whole. A maximum cut short has its last character raised
/// by one (dropping characters that cannot be raised), so that it still
/// bounds the value; one that cannot be raised at all stays whole.
fn truncated(value: &[u8], limit: Option<usize>, upper: bool) -> (Vec<u8>, bool) {
    let whole = (value.to_vec(), true);
    let (Some(limit), Ok(text)) = (limit, std::str::from_utf8(value)) else {
        return whole;
    };
    if value.len() <= limit {
        return whole;
    }
    // A character takes at most 4 bytes: a maximum looks 3 bytes back.
    let lowest = if upper { limit.saturating_sub(3) } else { 1 };
    let Some(cut) = (lowest..=limit).rev().find(|&at| text.is_char_boundary(at)) else {
        return whole;
    };
    let prefix = &text[..cut];
    if !upper {
        return (prefix.as_bytes().to_vec(), false);
    }
    for (at, c) in prefix.char_indices().rev() {
        if let Some(next) = char::from_u32(c as u32 + 1).filter(|n| n.len_utf8() == c.len_utf8()) {
            let mut raised = prefix.as_bytes()[..at].to_vec();
            raised.extend_from_slice(next.encode_utf8(&mut [0; 4]).as_bytes());
            return (raised, false);
        }
    }
    whole
}

/// Parquet's RLE / bit-packed hybrid encoding, fed runs of equal values: a
/// run of 8 or more is written as a repeat, shorter ones are packed 8 to a
/// group, a run topping up the open group first.
struct Hybrid<'a> {
    bit_width: u8,
    out: &'a mut Vec<u8>,
    /// Values waiting to be packed.
    literals: Vec<u32>,
}

/// Groups of 8 per bit-packed run, as the `parquet` crate writes them (its
/// run header is one byte).
const GROUPS_PER_RUN: usize = 63;

impl<'a> Hybrid<'a> {
    fn new(bit_width: u8, out: &'a mut Vec<u8>) -> Self {
        Self {
            bit_width,
            out,
            literals: Vec::new(),
        }
    }

    fn run(&mut self, value: u32, mut count: usize) {
        if count == 0 {
            return;
        }
        let fill = (8 - self.literals.len() % 8) % 8;
        if count < fill + 8 {
            self.literals.extend(std::iter::repeat_n(value, count));
            return;
        }
        self.literals.extend(std::iter::repeat_n(value, fill));
        count -= fill;
        self.pack();
        varint(self.out, (count as u64) << 1);
        let bytes = usize::from(self.bit_width).div_ceil(8);
        self.out.extend_from_slice(&value.to_le_bytes()[..bytes]);
    }

    /// Writes the waiting values as bit-packed runs, the last group padded
    /// with zeros (only the stream's last group is ever short).
    fn pack(&mut self) {
        let width = u32::from(self.bit_width);
        for run in self.literals.chunks(8 * GROUPS_PER_RUN) {
            let groups = run.len().div_ceil(8);
            varint(self.out, ((groups as u64) << 1) | 1);
            for group in run.chunks(8) {
                // Eight values of up to 16 bits fill `width` bytes of one
                // number (keys of up to 65,536 values, and every level).
                if width <= 16 {
                    let bits = group.iter().enumerate().fold(0u128, |bits, (at, &v)| {
                        bits | u128::from(v) << (at as u32 * width)
                    });
                    self.out
                        .extend_from_slice(&bits.to_le_bytes()[..width as usize]);
                    continue;
                }
                let (mut bits, mut held) = (0u64, 0u32);
                for at in 0..8 {
                    bits |= u64::from(group.get(at).copied().unwrap_or(0)) << held;
                    held += width;
                    while held >= 8 {
                        self.out.push(bits as u8);
                        bits >>= 8;
                        held -= 8;
                    }
                }
            }
        }
        self.literals.clear();
    }

    fn finish(mut self) {
        if !self.literals.is_empty() {
            self.pack();
        }
    }
}

/// An unsigned LEB128 number.
fn varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{
        ArrayRef, Date32Array, Float64Array, Int32Array, Int64Array, RecordBatch,
        TimestampMicrosecondArray,
    };
    use arrow_schema::{DataType, Field, Schema, SchemaRef};
    use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
    use parquet::file::metadata::PageIndexPolicy;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::schema::types::ColumnPath;

    use super::super::{Chunks, by_column, properties};
    use super::*;

    fn text() -> DataType {
        DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
    }

    fn stamp() -> DataType {
        DataType::Timestamp(arrow_schema::TimeUnit::Microsecond, Some("UTC".into()))
    }

    /// A batch column: `keys` into `values`, which may hold values no row
    /// uses.
    fn column(values: &[&str], keys: Vec<Option<i32>>) -> ArrayRef {
        let values = StringArray::from(values.to_vec());
        Arc::new(DictionaryArray::try_new(Int32Array::from(keys), Arc::new(values)).unwrap())
    }

    /// Batches of uneven sizes (one empty), each text column with a
    /// dictionary of its own: runs of 1 to 12 equal values, nulls alone and
    /// in runs, values over the statistics' 64 bytes, one value throughout
    /// (keys of no bits), no value at all, and 1,000 distinct values.
    fn batches() -> (SchemaRef, Vec<RecordBatch>) {
        let schema = Arc::new(Schema::new(vec![
            Field::new("row", DataType::Int64, false),
            Field::new("code", text(), true),
            Field::new("long", text(), true),
            Field::new("raised", text(), true),
            Field::new("one", text(), false),
            Field::new("none", text(), true),
            Field::new("many", text(), true),
            Field::new("day", DataType::Date32, true),
            Field::new("stamp", stamp(), true),
            Field::new("small", DataType::Int32, true),
            Field::new("wide", DataType::Int64, true),
            Field::new("line", DataType::Int64, false),
            Field::new("id", text(), false),
            Field::new("amount", DataType::Float64, true),
            Field::new("zeros", DataType::Float64, true),
            Field::new("nans", DataType::Float64, true),
        ]));
        let codes = ["b", "a", "d", "c", "unused", "é", ""];
        let long = [
            "a".to_string() + &"é".repeat(40),
            "\u{10FFFF}".repeat(20),
            "m".into(),
        ];
        let raised = ["b".to_string() + &"ü".repeat(40), "a".repeat(70)];
        let many: Vec<String> = (0..1000).map(|n| format!("v{n:04}")).collect();
        let mut next = 0i64;
        let batches = [300usize, 0, 1, 257, 442]
            .into_iter()
            .enumerate()
            .map(|(batch, rows)| {
                let rows: Vec<i64> = (next..next + rows as i64).collect();
                next += rows.len() as i64;
                // Each batch numbers its values its own way.
                let turn = |n: usize, len: usize| ((n + batch) % len) as i32;
                let run = |r: i64| {
                    let r = r as usize;
                    // Runs of 1..12 rows: the run number is the row's
                    // triangular root.
                    let mut run = 0;
                    while (run + 1) * (run + 2) / 2 <= r % 78 {
                        run += 1;
                    }
                    run + r / 78
                };
                let long_refs: Vec<&str> = long.iter().map(String::as_str).collect();
                let raised_refs: Vec<&str> = raised.iter().map(String::as_str).collect();
                let many_refs: Vec<&str> = many.iter().map(String::as_str).collect();
                let mut shuffled_codes = codes;
                shuffled_codes.rotate_left(batch % codes.len());
                let code_of = |r: i64| {
                    let want = [0usize, 1, 2, 3, 5, 6][run(r) % 6];
                    let at = shuffled_codes
                        .iter()
                        .position(|c| *c == codes[want])
                        .unwrap();
                    (r % 17 != 3 && !(40..52).contains(&(r % 100))).then_some(at as i32)
                };
                let columns: Vec<ArrayRef> = vec![
                    Arc::new(Int64Array::from(rows.clone())),
                    column(&shuffled_codes, rows.iter().map(|&r| code_of(r)).collect()),
                    column(
                        &long_refs,
                        rows.iter()
                            .map(|&r| (r % 5 != 0).then(|| turn(r as usize / 3, 3)))
                            .collect(),
                    ),
                    column(
                        &raised_refs,
                        rows.iter().map(|&r| Some(turn(r as usize, 2))).collect(),
                    ),
                    column(&["same", "other"], rows.iter().map(|_| Some(0)).collect()),
                    column(&["never"], rows.iter().map(|_| None).collect()),
                    column(
                        &many_refs,
                        rows.iter()
                            .map(|&r| {
                                (r % 9 != 0).then(|| ((r * 7919 + batch as i64) % 1000) as i32)
                            })
                            .collect(),
                    ),
                    // Runs of equal dates, a null now and then.
                    Arc::new(Date32Array::from_iter(
                        rows.iter()
                            .map(|&r| (r % 11 != 0).then_some(19_000 + (r / 3 % 40) as i32)),
                    )),
                    // Times either side of 1970, some nulls.
                    Arc::new(
                        TimestampMicrosecondArray::from_iter(rows.iter().map(|&r| {
                            (r % 13 != 5).then_some((r % 29 - 14) * 86_400_000_000 + r % 3)
                        }))
                        .with_timezone("UTC"),
                    ),
                    // Negative and positive, in runs.
                    Arc::new(Int32Array::from_iter(
                        rows.iter()
                            .map(|&r| (r % 23 != 0).then_some((r / 4 % 7) as i32 - 3)),
                    )),
                    // A value a row: overflows a small dictionary page.
                    Arc::new(Int64Array::from_iter(
                        rows.iter()
                            .map(|&r| (r % 7 != 1).then_some(r * 7919 - 1_000_000)),
                    )),
                    Arc::new(Int64Array::from(
                        rows.iter().map(|&r| r + 2).collect::<Vec<_>>(),
                    )),
                    // An id a row, each batch's own.
                    {
                        let ids: Vec<String> = rows.iter().map(|r| format!("id-{r:05}")).collect();
                        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
                        column(&refs, (0..rows.len() as i32).rev().map(Some).collect())
                    },
                    // Money in runs: negatives, both zeros, a NaN now and
                    // then, nulls.
                    Arc::new(Float64Array::from_iter(rows.iter().map(|&r| {
                        (r % 19 != 4).then(|| match r % 31 {
                            0 => f64::NAN,
                            1 => -0.0,
                            2 => 0.0,
                            _ => (r / 5 % 13) as f64 * 12.25 - 50.0,
                        })
                    }))),
                    // Zeros of both signs: the least is -0.0, the greatest 0.0.
                    Arc::new(Float64Array::from_iter(rows.iter().map(|&r| {
                        (r % 5 != 0).then_some(if r % 3 == 0 { -0.0 } else { 0.0 })
                    }))),
                    // NaN or nothing: no least or greatest value.
                    Arc::new(Float64Array::from_iter(
                        rows.iter().map(|&r| (r % 4 != 0).then_some(f64::NAN)),
                    )),
                ];
                RecordBatch::try_new(schema.clone(), columns).unwrap()
            })
            .collect();
        (schema, batches)
    }

    /// Every value of `batches`' column `at`, as text.
    fn texts(batches: &[RecordBatch], at: usize) -> Vec<Option<String>> {
        let mut texts = Vec::new();
        for batch in batches {
            let array = batch.column(at);
            if let Some(d) = array.as_any().downcast_ref::<DictionaryArray<Int32Type>>() {
                texts.extend(
                    (0..d.len()).map(|row| crate::table::dictionary_text(d, row).map(String::from)),
                );
            } else if let Some(n) = array.as_primitive_opt::<Int64Type>() {
                texts.extend(n.iter().map(|n| n.map(|n| n.to_string())));
            } else if let Some(n) = array.as_primitive_opt::<Int32Type>() {
                texts.extend(n.iter().map(|n| n.map(|n| n.to_string())));
            } else if let Some(n) = array.as_primitive_opt::<Float64Type>() {
                // By bits: -0.0 is not 0.0, and a NaN reads back as one.
                texts.extend(
                    n.iter()
                        .map(|n| n.map(|n| format!("f64 {:x}", n.to_bits()))),
                );
            } else if let Some(n) = array.as_primitive_opt::<Date32Type>() {
                texts.extend(n.iter().map(|n| n.map(|n| format!("day {n}"))));
            } else {
                let n = array.as_primitive::<TimestampMicrosecondType>();
                texts.extend(n.iter().map(|n| n.map(|n| format!("µs {n}"))));
            }
        }
        texts
    }

    /// Keys by first use whichever way a value's key is found: windows that
    /// grow up, down and past i64's ends, and a turn to hashing midway.
    #[test]
    fn number_keys_go_by_first_use_however_they_are_looked_up() {
        let cases: Vec<Vec<i64>> = vec![
            vec![5, 5, 4, 9, 4, 100, -3, 5, 70, -3],
            (0..10_000).map(|n| (n * 7919) % 3001 - 1500).collect(),
            (0..3000).rev().chain(0..3000).collect(),
            vec![i64::MAX, i64::MAX - 3, i64::MAX, i64::MAX - 1],
            vec![i64::MIN, i64::MIN + 5, i64::MIN, i64::MIN + 2],
            // Narrow, then wider than the cap (a turn to hashing), then
            // values seen in the narrow part again.
            (0..200)
                .chain([10_000_000, -10_000_000, i64::MIN, i64::MAX])
                .chain(0..200)
                .collect(),
            vec![i64::MIN, 0, i64::MAX, 0, i64::MIN],
        ];
        for values in cases {
            let array = Int64Array::from(values.clone());
            let mut keys = Vec::new();
            let found = NumberKeys::of(
                &[(&array as &dyn Array, array.values().as_ref())],
                1 << 30,
                &mut keys,
            )
            .unwrap();
            let mut first_use: Vec<i64> = Vec::new();
            let expected: Vec<u32> = values
                .iter()
                .map(|v| match first_use.iter().position(|u| u == v) {
                    Some(k) => k as u32,
                    None => {
                        first_use.push(*v);
                        first_use.len() as u32 - 1
                    }
                })
                .collect();
            assert_eq!(found.values, first_use, "{values:?}");
            assert_eq!(keys, expected, "{values:?}");
        }
    }

    #[test]
    fn a_chunk_from_the_arrays_reads_as_the_writers() {
        let (schema, batches) = batches();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        // `many` and `wide` overflow a small dictionary page.
        let overflowing = ["many", "wide"];
        // The writer writes text without a dictionary, and text whose
        // dictionary overflows; numbers are written here either way.
        let writers_alone = ["none", "id", "many"];
        for group_rows in [1, 5, 18, 1000] {
            // `line` has no dictionary, and `id` no compression either:
            // the layouts bronze gives line numbers and row ids.
            let base = || {
                properties()
                    .set_max_row_group_row_count(Some(group_rows))
                    .set_data_page_row_count_limit(50)
                    .set_column_dictionary_enabled(ColumnPath::from("line"), false)
                    .set_column_dictionary_enabled(ColumnPath::from("id"), false)
                    .set_column_compression(ColumnPath::from("id"), Compression::UNCOMPRESSED)
            };
            let properties = base()
                .set_column_dictionary_page_size_limit(ColumnPath::from("many"), 2000)
                .set_column_dictionary_page_size_limit(ColumnPath::from("wide"), 800)
                .build();
            // Where the writer falls back to plain numbers, the chunk here
            // is plain throughout: the writer's with no dictionary.
            let plain = ["wide"]
                .iter()
                .fold(base(), |b, c| {
                    b.set_column_dictionary_enabled(ColumnPath::from(*c), false)
                })
                .build();
            let write = |properties: &WriterProperties, chunks| {
                let file = by_column(
                    Vec::new(),
                    properties.clone(),
                    schema.clone(),
                    &batches,
                    group_rows,
                    chunks,
                )
                .unwrap();
                Bytes::from(file)
            };
            let ours = write(&properties, Chunks::Own);
            let writers = write(&properties, Chunks::Writer);
            let plain = write(&plain, Chunks::Writer);
            assert_ne!(
                ours, writers,
                "{group_rows} rows per group: nothing written here"
            );

            // Every value reads back, and every chunk's offset index
            // names its pages from row 0 on, with their text's length.
            let options =
                ArrowReaderOptions::new().with_page_index_policy(PageIndexPolicy::Optional);
            let read = |file: &Bytes| {
                let builder = ParquetRecordBatchReaderBuilder::try_new_with_options(
                    file.clone(),
                    options.clone(),
                )
                .unwrap();
                let metadata = builder.metadata().clone();
                let indexes = metadata.offset_index().expect("an offset index");
                for (group, columns) in indexes.iter().enumerate() {
                    for (at, index) in columns.iter().enumerate() {
                        let chunk = metadata.row_group(group).column(at);
                        let pages = index.page_locations();
                        assert_eq!(pages.first().map(|p| p.first_row_index), Some(0));
                        assert!(
                            pages
                                .windows(2)
                                .all(|p| p[0].first_row_index < p[1].first_row_index)
                        );
                        assert_eq!(
                            index
                                .unencoded_byte_array_data_bytes()
                                .map(|text| text.iter().sum()),
                            chunk.unencoded_byte_array_data_bytes(),
                        );
                    }
                }
                builder
                    .build()
                    .unwrap()
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .unwrap()
            };
            for file in [&ours, &writers, &plain] {
                let back = read(file);
                for (at, column) in names.iter().enumerate() {
                    assert_eq!(texts(&batches, at).len(), 1000, "{column}");
                    assert_eq!(texts(&back, at), texts(&batches, at), "{column}");
                }
            }

            // The same chunks, as a reader's planner sees them.
            let [ours, writers, plain] =
                [ours, writers, plain].map(|f| SerializedFileReader::new(f).unwrap());
            let mut written_here = std::collections::BTreeSet::new();
            let mut plain_here = std::collections::BTreeSet::new();
            for group in 0..ours.num_row_groups() {
                for (at, &column) in names.iter().enumerate() {
                    let name = format!("{group_rows} rows per group, group {group}, {column}");
                    let chunk = |file: &SerializedFileReader<Bytes>| {
                        file.metadata().row_group(group).column(at).clone()
                    };
                    let pages = |file: &SerializedFileReader<Bytes>| {
                        let group = file.get_row_group(group).unwrap();
                        let pages = group.get_column_page_reader(at).unwrap();
                        pages.map(|p| p.unwrap()).collect::<Vec<_>>()
                    };
                    // Whether the writer fell back to plain values: a
                    // dictionary page, then plain data pages.
                    let fell_back = {
                        let pages = pages(&writers);
                        matches!(pages[0], Page::DictionaryPage { .. })
                            && pages.iter().any(|p| {
                                matches!(p, Page::DataPage { .. })
                                    && p.encoding() == Encoding::PLAIN
                            })
                    };
                    if fell_back {
                        plain_here.insert(column);
                    }
                    let like = if fell_back && column == "wide" {
                        &plain
                    } else {
                        &writers
                    };
                    let (x, y) = (chunk(&ours), chunk(like));
                    assert_eq!(x.statistics(), y.statistics(), "{name}");
                    // Byte for byte: `==` takes -0.0 for 0.0.
                    let bytes = |c: &ColumnChunkMetaData| {
                        c.statistics().map(|s| {
                            (
                                s.min_bytes_opt().map(<[u8]>::to_vec),
                                s.max_bytes_opt().map(<[u8]>::to_vec),
                            )
                        })
                    };
                    assert_eq!(bytes(&x), bytes(&y), "{name}");
                    assert_eq!(x.num_values(), y.num_values(), "{name}");
                    assert_eq!(x.compression(), y.compression(), "{name}");
                    assert_eq!(x.encodings_mask(), y.encodings_mask(), "{name}");
                    assert_eq!(
                        x.dictionary_page_offset().is_some(),
                        y.dictionary_page_offset().is_some(),
                        "{name}"
                    );
                    assert_eq!(
                        x.unencoded_byte_array_data_bytes(),
                        y.unencoded_byte_array_data_bytes(),
                        "{name}"
                    );
                    assert_eq!(
                        x.definition_level_histogram(),
                        y.definition_level_histogram(),
                        "{name}"
                    );
                    // The dictionary page: the same values in the same order.
                    let (p, q) = (pages(&ours), pages(like));
                    if let Page::DictionaryPage { .. } = q[0] {
                        assert_eq!(p[0].buffer(), q[0].buffer(), "{name}");
                        assert_eq!(p[0].num_values(), q[0].num_values(), "{name}");
                        assert_eq!(p[0].encoding(), q[0].encoding(), "{name}");
                    }
                    // Every data page's encoding is the one the writer's
                    // first data page has.
                    let data = |pages: &[Page]| {
                        let mut encodings: Vec<Encoding> = pages
                            .iter()
                            .filter(|p| matches!(p, Page::DataPage { .. }))
                            .map(Page::encoding)
                            .collect();
                        encodings.dedup();
                        encodings
                    };
                    assert_eq!(data(&p), data(&q), "{name}");
                    // Which chunks were written here: those whose pages
                    // are cut at 50 rows where the writer's are not.
                    if p.len() != q.len() || x.compressed_size() != y.compressed_size() {
                        written_here.insert(column);
                    }
                }
            }
            // All but the writer's own, once pages differ; the writer
            // falls back where the dictionary page overflows.
            assert!(
                writers_alone.iter().all(|c| !written_here.contains(c)) || group_rows < 50,
                "{group_rows} rows per group"
            );
            assert!(
                plain_here.is_subset(&overflowing.into()),
                "{group_rows} rows per group"
            );
            if group_rows > 50 {
                assert_eq!(
                    plain_here,
                    overflowing.into(),
                    "{group_rows} rows per group"
                );
                let all: std::collections::BTreeSet<&str> = names
                    .iter()
                    .copied()
                    .filter(|n| !writers_alone.contains(n))
                    .collect();
                assert_eq!(written_here, all, "{group_rows} rows per group");
            }
        }
        // A data page byte limit that 50 rows of keys could pass: every
        // chunk is the writer's, byte for byte.
        let properties = properties()
            .set_data_page_row_count_limit(50)
            .set_data_page_size_limit(200)
            .build();
        let write = |chunks| {
            by_column(
                Vec::new(),
                properties.clone(),
                schema.clone(),
                &batches,
                1000,
                chunks,
            )
            .unwrap()
        };
        assert!(write(Chunks::Own) == write(Chunks::Writer));
    }

    #[test]
    fn statistics_are_cut_as_the_writer_cuts_them() {
        let cut = |v: &str, upper| truncated(v.as_bytes(), Some(4), upper);
        assert_eq!(cut("abcd", false), (b"abcd".to_vec(), true));
        assert_eq!(cut("abcde", false), (b"abcd".to_vec(), false));
        assert_eq!(cut("abcde", true), (b"abce".to_vec(), false));
        // Cut on a character boundary; a maximum raised on its last one.
        assert_eq!(cut("aéé", false), ("aé".as_bytes().to_vec(), false));
        assert_eq!(cut("aéé", true), ("aê".as_bytes().to_vec(), false));
        // A last character that cannot be raised in its width is dropped.
        assert_eq!(cut("a\u{7F}\u{7F}\u{7F}xyz", true), (b"b".to_vec(), false));
        // None can be raised: the value stays whole.
        let top = "\u{10FFFF}\u{10FFFF}";
        assert_eq!(cut(top, true), (top.as_bytes().to_vec(), true));
        assert_eq!(truncated(b"abcde", None, true), (b"abcde".to_vec(), true));
    }

    #[test]
    fn runs_are_written_in_parquets_hybrid_encoding() {
        let encode = |width: u8, runs: &[(u32, usize)]| {
            let mut out = Vec::new();
            let mut hybrid = Hybrid::new(width, &mut out);
            for &(value, count) in runs {
                hybrid.run(value, count);
            }
            hybrid.finish();
            out
        };
        // A run of 8 or more repeats: a header of count × 2, the value in
        // whole bytes.
        assert_eq!(encode(3, &[(5, 10)]), vec![20, 5]);
        assert_eq!(encode(9, &[(300, 200)]), vec![0x90, 0x03, 0x2C, 0x01]);
        assert_eq!(encode(0, &[(0, 9)]), vec![18]);
        // Shorter runs are packed, least significant bits first, the last
        // group padded with zeros.
        assert_eq!(encode(1, &[(1, 3), (0, 2), (1, 1)]), vec![3, 0b0010_0111]);
        // Eight values take `width` bytes, up to 16 bits and past them.
        let mut twelve = vec![3, 0xBC, 0x3A, 0x12];
        twelve.resize(1 + 12, 0);
        assert_eq!(encode(12, &[(0xABC, 1), (0x123, 1)]), twelve);
        let mut seventeen = vec![3, 0xFF, 0xFF, 0x03];
        seventeen.resize(1 + 17, 0);
        assert_eq!(encode(17, &[(0x1_FFFF, 1), (1, 1)]), seventeen);
        // A long run first tops up the open group; one too short to
        // repeat after that is packed.
        assert_eq!(
            encode(2, &[(3, 1), (1, 20)]),
            vec![3, 0b0101_0111, 0b0101_0101, 26, 1]
        );
        assert_eq!(
            encode(2, &[(3, 1), (1, 12)]),
            vec![5, 0b0101_0111, 0b0101_0101, 0b0101_0101, 0b0000_0001]
        );
    }
}
