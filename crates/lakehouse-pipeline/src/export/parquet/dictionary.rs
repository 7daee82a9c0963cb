//! A `Dictionary(Int32, Utf8)` column chunk written from the batches' own
//! dictionaries.
//!
//! The `parquet` crate's writer builds its dictionary page by hashing every
//! row's text again (its interner), and finds the chunk's min and max by
//! comparing every row's text. A bronze text column already holds each
//! batch's distinct values once ([`crate::bronze`]'s text builder), so here
//! each batch value a row group uses is looked up once, and each row costs
//! a key read: the dictionary page, the key pages and the statistics come
//! from the distinct values.
//!
//! The file is the one the writer would give in all that a reader sees: the
//! same dictionary page (values in order of first use), the same key values
//! and bit width, the same statistics (truncated to the same length), null
//! counts, level histograms, encodings, codec and offset index. Only where
//! data pages end can differ: a page here holds the writer's row limit
//! (20,000 rows), where the writer cuts at the first 1,024-row step past it.
//! A test writes both and compares every row and all the chunk metadata.
//!
//! Anything else goes to the writer: a column whose distinct values fill the
//! dictionary page limit (the writer falls back to plain values), one
//! without a value, and settings this does not write (page statistics,
//! bloom filters, version-2 pages, other codecs).

use std::hash::BuildHasher;

use arrow_array::types::Int32Type;
use arrow_array::{Array, DictionaryArray, StringArray};
use bytes::Bytes;
use hashbrown::HashTable;
use parquet::basic::{Compression, Encoding, EncodingMask, PageType};
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

/// A column chunk's bytes and what the row group writer needs to add them.
pub(super) struct Chunk {
    pub(super) bytes: Bytes,
    pub(super) close: ColumnCloseResult,
}

/// The chunk of `parts` (a row group's slices of one column, in order), or
/// `None` where the writer must write it (see the module's text).
pub(super) fn column_chunk(
    descr: &ColumnDescPtr,
    properties: &WriterProperties,
    parts: &[&dyn Array],
) -> Result<Option<Chunk>> {
    let path = descr.path();
    let codec = properties.compression(path);
    let statistics = properties.statistics_enabled(path);
    let page_rows = properties.data_page_row_count_limit().max(1);
    // A page of keys takes at most 4 bytes a row (and 4 for its levels'
    // length); a page byte limit below that is the writer's to keep.
    let page_bytes = page_rows.saturating_mul(5).saturating_add(8);
    if !properties.dictionary_enabled(path)
        || properties.bloom_filter_properties(path).is_some()
        || properties.writer_version() != WriterVersion::PARQUET_1_0
        || statistics == EnabledStatistics::Page
        || !matches!(codec, Compression::SNAPPY | Compression::UNCOMPRESSED)
        || properties.column_data_page_size_limit(path) < page_bytes
        || descr.max_rep_level() != 0
    {
        return Ok(None);
    }
    let mut columns = Vec::with_capacity(parts.len());
    for part in parts {
        let Some(column) = part.as_any().downcast_ref::<DictionaryArray<Int32Type>>() else {
            return Ok(None);
        };
        let Some(values) = column.values().as_any().downcast_ref::<StringArray>() else {
            return Ok(None);
        };
        // Values with nulls, or nulls in a column that takes none: the
        // writer's to write or refuse.
        if values.null_count() != 0 || (descr.max_def_level() == 0 && column.null_count() != 0) {
            return Ok(None);
        }
        columns.push((column, values));
    }
    let limit = properties.column_dictionary_page_size_limit(path);
    let Some(keys) = Keys::of(&columns, limit) else {
        return Ok(None);
    };
    if keys.keys.is_empty() {
        return Ok(None);
    }
    let statistics = (statistics != EnabledStatistics::None)
        .then(|| keys.statistics(descr, properties.statistics_truncate_length()));
    write(
        descr,
        &columns,
        &keys,
        Layout {
            codec,
            page_rows,
            statistics,
            offset_index: !properties.offset_index_disabled(),
        },
    )
    .map(Some)
}

/// A row group's keys into one dictionary for the chunk, in order of first
/// use, as the writer's interner numbers them.
struct Keys {
    /// The dictionary page's values, plain encoded (length, then bytes).
    page: Vec<u8>,
    /// Where each value starts in `page` (after its length) and its length.
    values: Vec<(usize, usize)>,
    /// The chunk key of each non-null row, in row order.
    keys: Vec<u32>,
    /// All rows, null or not.
    rows: usize,
}

impl Keys {
    /// The keys of `columns`, or `None` once the dictionary page reaches
    /// `limit` bytes (where the writer falls back to plain values).
    fn of(columns: &[(&DictionaryArray<Int32Type>, &StringArray)], limit: usize) -> Option<Self> {
        let rows: usize = columns.iter().map(|(c, _)| c.len()).sum();
        let mut keys = Self {
            page: Vec::new(),
            values: Vec::new(),
            keys: Vec::with_capacity(rows),
            rows,
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
                keys.keys.push(*slot);
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

    fn nulls(&self) -> u64 {
        (self.rows - self.keys.len()) as u64
    }

    /// The bits a key takes in a data page.
    fn bit_width(&self) -> u8 {
        let largest = self.values.len().saturating_sub(1) as u32;
        (u32::BITS - largest.leading_zeros()) as u8
    }

    /// The chunk's statistics, from its distinct values, truncated as the
    /// writer truncates them.
    fn statistics(&self, descr: &ColumnDescPtr, truncate: Option<usize>) -> Statistics {
        let mut values = (0..self.values.len() as u32).map(|k| self.value(k));
        let first = values.next().unwrap_or_default();
        let (min, max) = values.fold((first, first), |(min, max), v| (min.min(v), max.max(v)));
        let (min, min_exact) = truncated(min, truncate, false);
        let (max, max_exact) = truncated(max, truncate, true);
        Statistics::ByteArray(
            ValueStatistics::new(
                Some(ByteArray::from(min)),
                Some(ByteArray::from(max)),
                None,
                Some(self.nulls()),
                descr.sort_order().is_signed(),
            )
            .with_min_is_exact(min_exact)
            .with_max_is_exact(max_exact),
        )
    }
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

/// How the chunk's pages are written.
struct Layout {
    /// Snappy or none.
    codec: Compression,
    page_rows: usize,
    statistics: Option<Statistics>,
    offset_index: bool,
}

/// The dictionary page, then a data page per `page_rows` rows.
fn write(
    descr: &ColumnDescPtr,
    columns: &[(&DictionaryArray<Int32Type>, &StringArray)],
    keys: &Keys,
    layout: Layout,
) -> Result<Chunk> {
    let mut sink = TrackedWrite::new(Vec::new());
    let mut pages = SerializedPageWriter::new(&mut sink);
    let mut sizes = Sizes::default();
    let mut offsets = layout.offset_index.then(OffsetIndexBuilder::new);

    let (buf, size) = compressed_body(layout.codec, &keys.page)?;
    let spec = pages.write_page(CompressedPage::new(
        Page::DictionaryPage {
            buf,
            num_values: keys.values.len() as u32,
            encoding: Encoding::PLAIN,
            is_sorted: false,
        },
        size,
    ))?;
    let dictionary_offset = spec.offset as i64;
    sizes.add(&spec);

    let nullable = descr.max_def_level() > 0;
    let bit_width = keys.bit_width();
    let mut rows = Rows::new(columns);
    let mut next_key = 0;
    let mut data_offset = None;
    let mut data_pages = 0;
    let mut chunk_text = 0i64;
    let mut body = Vec::new();
    while let Some(levels) = rows.page(layout.page_rows, nullable) {
        let values = &keys.keys[next_key..next_key + levels.values];
        next_key += levels.values;
        body.clear();
        if nullable {
            body.extend_from_slice(&(levels.encoded.len() as u32).to_le_bytes());
            body.extend_from_slice(&levels.encoded);
        }
        body.push(bit_width);
        let mut hybrid = Hybrid::new(bit_width, &mut body);
        let (mut at, mut text) = (0, 0i64);
        while at < values.len() {
            let run = values[at..]
                .iter()
                .take_while(|&&v| v == values[at])
                .count();
            hybrid.run(values[at], run);
            text += (keys.values[values[at] as usize].1 * run) as i64;
            at += run;
        }
        hybrid.finish();
        chunk_text += text;
        let (buf, size) = compressed_body(layout.codec, &body)?;
        let spec = pages.write_page(CompressedPage::new(
            Page::DataPage {
                buf,
                num_values: levels.rows as u32,
                encoding: Encoding::RLE_DICTIONARY,
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
            offsets.append_unencoded_byte_array_data_bytes(Some(text));
            offsets.append_offset_and_size(spec.offset as i64, spec.compressed_size as i32);
        }
    }
    pages.close()?;

    let encodings = [Encoding::PLAIN, Encoding::RLE, Encoding::RLE_DICTIONARY];
    let mut metadata = ColumnChunkMetaData::builder(descr.clone())
        .set_compression(layout.codec)
        .set_encodings_mask(EncodingMask::new_from_encodings(encodings.iter()))
        .set_page_encoding_stats(vec![
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
        ])
        .set_total_compressed_size(sizes.compressed)
        .set_total_uncompressed_size(sizes.uncompressed)
        .set_num_values(keys.rows as i64)
        .set_data_page_offset(data_offset.unwrap_or(0))
        .set_dictionary_page_offset(Some(dictionary_offset));
    if let Some(statistics) = layout.statistics {
        let definitions = nullable
            .then(|| LevelHistogram::from(vec![keys.nulls() as i64, keys.keys.len() as i64]));
        metadata = metadata
            .set_statistics(statistics)
            .set_unencoded_byte_array_data_bytes(Some(chunk_text))
            .set_definition_level_histogram(definitions);
    }
    Ok(Chunk {
        bytes: Bytes::from(sink.into_inner()?),
        close: ColumnCloseResult {
            bytes_written: sizes.written,
            rows_written: keys.rows as u64,
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

/// A page's rows: how many, how many have a value, and their definition
/// levels, encoded.
struct PageLevels {
    rows: usize,
    values: usize,
    encoded: Vec<u8>,
}

/// The chunk's rows, a page at a time, across its parts.
struct Rows<'a> {
    parts: Vec<&'a DictionaryArray<Int32Type>>,
    part: usize,
    row: usize,
}

impl<'a> Rows<'a> {
    fn new(columns: &[(&'a DictionaryArray<Int32Type>, &StringArray)]) -> Self {
        Self {
            parts: columns.iter().map(|(c, _)| *c).collect(),
            part: 0,
            row: 0,
        }
    }

    /// The next `page_rows` rows' levels (fewer at the end), `None` when
    /// all are taken.
    fn page(&mut self, page_rows: usize, nullable: bool) -> Option<PageLevels> {
        let mut page = PageLevels {
            rows: 0,
            values: 0,
            encoded: Vec::new(),
        };
        let mut levels = Hybrid::new(1, &mut page.encoded);
        while page.rows < page_rows && self.part < self.parts.len() {
            let part = self.parts[self.part];
            let take = (part.len() - self.row).min(page_rows - page.rows);
            let mut valid = take;
            match part.keys().nulls().map(|n| n.slice(self.row, take)) {
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
            self.row += take;
            if self.row == part.len() {
                self.part += 1;
                self.row = 0;
            }
        }
        levels.finish();
        if !nullable {
            page.encoded.clear();
        }
        (page.rows > 0).then_some(page)
    }
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

    use arrow_array::{ArrayRef, Int32Array, Int64Array, RecordBatch};
    use arrow_schema::{DataType, Field, Schema, SchemaRef};
    use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
    use parquet::file::metadata::PageIndexPolicy;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::schema::types::ColumnPath;

    use super::super::{Dictionaries, by_column, properties};
    use super::*;

    fn text() -> DataType {
        DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
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
            } else {
                let numbers = array.as_any().downcast_ref::<Int64Array>().unwrap();
                texts.extend(numbers.iter().map(|n| n.map(|n| n.to_string())));
            }
        }
        texts
    }

    #[test]
    fn a_chunk_from_the_batches_dictionaries_reads_as_the_writers() {
        let (schema, batches) = batches();
        for group_rows in [1, 5, 18, 1000] {
            let properties = properties()
                .set_max_row_group_row_count(Some(group_rows))
                .set_data_page_row_count_limit(50)
                // `many` overflows a small dictionary page: the writer's.
                .set_column_dictionary_page_size_limit(ColumnPath::from("many"), 2000)
                .build();
            let write = |dictionaries| {
                let file = by_column(
                    Vec::new(),
                    properties.clone(),
                    schema.clone(),
                    &batches,
                    group_rows,
                    dictionaries,
                )
                .unwrap();
                Bytes::from(file)
            };
            let (ours, writers) = (write(Dictionaries::Reuse), write(Dictionaries::Reintern));
            assert_ne!(ours, writers, "{group_rows} rows per group: nothing reused");

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
                        if let Some(text) = index.unencoded_byte_array_data_bytes() {
                            assert_eq!(
                                Some(text.iter().sum()),
                                chunk.unencoded_byte_array_data_bytes()
                            );
                        }
                    }
                }
                builder
                    .build()
                    .unwrap()
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .unwrap()
            };
            let (back, expected) = (read(&ours), read(&writers));
            for at in 0..schema.fields().len() {
                assert_eq!(texts(&back, at), texts(&batches, at), "column {at}");
                assert_eq!(texts(&expected, at), texts(&batches, at), "column {at}");
            }

            // The same chunks, as a reader's planner sees them.
            let (ours, writers) = (
                SerializedFileReader::new(ours).unwrap(),
                SerializedFileReader::new(writers).unwrap(),
            );
            let mut reused = 0;
            for group in 0..ours.num_row_groups() {
                let (a, b) = (
                    ours.metadata().row_group(group),
                    writers.metadata().row_group(group),
                );
                for at in 0..a.num_columns() {
                    let (x, y) = (a.column(at), b.column(at));
                    let name = format!("{group_rows} rows per group, group {group}, column {at}");
                    assert_eq!(x.statistics(), y.statistics(), "{name}");
                    assert_eq!(x.num_values(), y.num_values(), "{name}");
                    assert_eq!(x.compression(), y.compression(), "{name}");
                    assert_eq!(x.encodings_mask(), y.encodings_mask(), "{name}");
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
                    let first = |file: &SerializedFileReader<Bytes>| {
                        let group = file.get_row_group(group).unwrap();
                        group
                            .get_column_page_reader(at)
                            .unwrap()
                            .next()
                            .unwrap()
                            .unwrap()
                    };
                    let (p, q) = (first(&ours), first(&writers));
                    if let Page::DictionaryPage { .. } = q {
                        assert_eq!(p.buffer(), q.buffer(), "{name}");
                        assert_eq!(p.num_values(), q.num_values(), "{name}");
                        assert_eq!(p.encoding(), q.encoding(), "{name}");
                    }
                    // Which chunks were written here: those whose pages
                    // are cut at 50 rows where the writer's are not.
                    let pages = |file: &SerializedFileReader<Bytes>| {
                        let group = file.get_row_group(group).unwrap();
                        group.get_column_page_reader(at).unwrap().count()
                    };
                    if pages(&ours) != pages(&writers) || x.compressed_size() != y.compressed_size()
                    {
                        reused += 1;
                        assert!([1, 2, 3, 4].contains(&at), "{name}: written here");
                    }
                }
            }
            if group_rows > 50 {
                assert!(reused > 0, "{group_rows} rows per group");
            }
        }
        // A data page byte limit that 50 rows of keys could pass: every
        // chunk is the writer's, byte for byte.
        let properties = properties()
            .set_data_page_row_count_limit(50)
            .set_data_page_size_limit(200)
            .build();
        let write = |dictionaries| {
            by_column(
                Vec::new(),
                properties.clone(),
                schema.clone(),
                &batches,
                1000,
                dictionaries,
            )
            .unwrap()
        };
        assert!(write(Dictionaries::Reuse) == write(Dictionaries::Reintern));
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
