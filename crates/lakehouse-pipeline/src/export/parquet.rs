//! Parquet bytes written the way Power BI, Spark and Delta read them best:
//! flat, Snappy, version-1 data pages, statistics on, one file per table.
//! Types: INT64, DOUBLE, UTF8, DATE, BOOLEAN and TIMESTAMP(MICROS, UTC).
//! A column whose values are all different may leave out the dictionary,
//! and one of random ids the compression too ([`ColumnLayout`]): every
//! reader takes both, as each column chunk names its own encodings and codec.
//! Text, integer, date and timestamp chunks are written from the arrays
//! themselves (module `chunk`), the rest by the `parquet` crate's writer.

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{ArrowColumnWriter, compute_leaves};
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
use parquet::schema::types::ColumnPath;

use crate::error::Result;

mod chunk;

/// Rows per Parquet row group.
pub const ROW_GROUP_ROWS: usize = 1 << 20;

/// How a column departs from the defaults (a dictionary, then Snappy), for
/// values that gain nothing from them. The table's owner says which of its
/// columns these are ([`crate::Bronze::write_parquet`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnLayout {
    /// A value per row, each different (line numbers): no dictionary. The
    /// writer would fill its dictionary page (1 MiB) with values used once,
    /// then fall back to plain values for the rest of the row group.
    NoDictionary,
    /// Random ids, one per row (Synthea's UUIDs): no dictionary and no
    /// compression. Snappy shortens random hex by about 9 %, at about
    /// 400 MB/s: a fifth of a second for `claims_transactions` at ×300.
    RandomIds,
}

/// The writer settings every file uses (footer entries are added per file).
fn properties() -> parquet::file::properties::WriterPropertiesBuilder {
    WriterProperties::builder()
        .set_writer_version(WriterVersion::PARQUET_1_0)
        .set_compression(Compression::SNAPPY)
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_created_by(format!("synthea-lakehouse {}", env!("CARGO_PKG_VERSION")))
}

/// One Parquet file holding `batches` (all of `schema`).
pub fn write(schema: SchemaRef, batches: &[RecordBatch]) -> Result<Vec<u8>> {
    write_with_metadata(schema, batches, &[])
}

/// [`write()`] with extra key-value entries in the file footer.
pub fn write_with_metadata(
    schema: SchemaRef,
    batches: &[RecordBatch],
    metadata: &[(&str, String)],
) -> Result<Vec<u8>> {
    write_into(Vec::new(), schema, batches, metadata, &[])
}

/// [`write_with_metadata()`] into `sink`, which is handed back when the
/// file is complete, the columns named in `layouts` written as they say.
/// The caller picks where the bytes go: the CLI streams them into the
/// output file, so that a large table's encoded bytes are not held whole
/// in a `Vec`.
///
/// Each row group is encoded a column at a time, and each column chunk
/// goes to `sink` as soon as it is encoded: only one column's encoded pages
/// wait in memory, where `ArrowWriter::write` would hold every column of
/// the row group (a million rows) until it is full. The bytes are the ones
/// `ArrowWriter` writes: the same row groups (batches cut where a group is
/// full), each column writer fed the same slices in the same order (a
/// test compares the two). The exceptions are text (`Dictionary(Int32,
/// Utf8)`), integer, date and timestamp columns, whose chunks are written
/// from the arrays themselves (module `chunk`): a reader cannot tell them
/// from the writer's but for where data pages end, and for an integer
/// chunk whose dictionary overflows, which is plain throughout where the
/// writer keeps a dictionary page for its first rows.
pub fn write_into<W: std::io::Write + Send>(
    sink: W,
    schema: SchemaRef,
    batches: &[RecordBatch],
    metadata: &[(&str, String)],
    layouts: &[(&str, ColumnLayout)],
) -> Result<W> {
    let mut properties = properties();
    for (column, layout) in layouts {
        let path = ColumnPath::from(*column);
        properties = properties.set_column_dictionary_enabled(path.clone(), false);
        if *layout == ColumnLayout::RandomIds {
            properties = properties.set_column_compression(path, Compression::UNCOMPRESSED);
        }
    }
    if !metadata.is_empty() {
        properties = properties.set_key_value_metadata(Some(
            metadata
                .iter()
                .map(|(k, v)| KeyValue::new((*k).to_string(), v.clone()))
                .collect(),
        ));
    }
    by_column(
        sink,
        properties.build(),
        schema,
        batches,
        ROW_GROUP_ROWS,
        Chunks::Own,
    )
}

/// Whether a flat column's chunk is written from the arrays themselves
/// (module `chunk`) where it can be, or always by the `parquet` crate's
/// writer.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Chunks {
    Own,
    #[cfg(test)]
    Writer,
}

/// [`write_into()`]'s encoding, with row groups of `group_rows` (the tests
/// compare it with `ArrowWriter` on small groups). A flat column's chunk is
/// written from the arrays themselves where `chunks` says so and
/// [`chunk::column_chunk`] takes it.
fn by_column<W: std::io::Write + Send>(
    sink: W,
    properties: WriterProperties,
    schema: SchemaRef,
    batches: &[RecordBatch],
    group_rows: usize,
    chunks: Chunks,
) -> Result<W> {
    // The ArrowWriter adds the Arrow schema to the footer; its lower-level
    // parts then encode one column of a row group at a time.
    let (mut file, columns) =
        ArrowWriter::try_new(sink, schema.clone(), Some(properties))?.into_serialized_writer()?;
    let descriptors = file.schema_descr().columns().to_vec();
    let properties = file.properties().clone();
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    // A chunk's keys, written here (module `chunk`): one vector for all.
    let mut keys = Vec::new();
    for (group, start) in (0..rows).step_by(group_rows.max(1)).enumerate() {
        let slices = rows_between(batches, start, (start + group_rows).min(rows));
        let mut row_group = file.next_row_group()?;
        let mut writers = columns.create_column_writers(group)?.into_iter();
        let mut leaf = 0;
        for (index, field) in schema.fields().iter().enumerate() {
            if chunks == Chunks::Own && !field.data_type().is_nested() {
                let parts: Vec<&dyn arrow_array::Array> =
                    slices.iter().map(|s| s.column(index).as_ref()).collect();
                if let Some(chunk) =
                    chunk::column_chunk(&descriptors[leaf], &properties, &parts, &mut keys)?
                {
                    // The chunk is written: its writer is not needed.
                    writers.next();
                    leaf += 1;
                    row_group.append_column(&chunk.pages, chunk.close)?;
                    continue;
                }
            }
            // A flat column is one leaf; a nested one has several, each
            // with a writer of its own, in order.
            let mut leaves: Vec<ArrowColumnWriter> = Vec::new();
            for slice in &slices {
                for (at, leaf) in compute_leaves(field, slice.column(index))?
                    .into_iter()
                    .enumerate()
                {
                    if at == leaves.len() {
                        leaves.push(writers.next().ok_or_else(|| {
                            parquet::errors::ParquetError::General(format!(
                                "no Parquet column writer left for `{}`",
                                field.name()
                            ))
                        })?);
                    }
                    leaves[at].write(&leaf)?;
                }
            }
            leaf += leaves.len();
            for writer in leaves {
                writer.close()?.append_to_row_group(&mut row_group)?;
            }
        }
        row_group.close()?;
    }
    Ok(file.into_inner()?)
}

/// Rows `start..end` of `batches` taken together, as slices of the batches
/// (no copy), empty ones left out.
fn rows_between(batches: &[RecordBatch], start: usize, end: usize) -> Vec<RecordBatch> {
    let mut slices = Vec::new();
    let mut offset = 0;
    for batch in batches {
        let (from, to) = (start.max(offset), end.min(offset + batch.num_rows()));
        if from < to {
            slices.push(batch.slice(from - offset, to - from));
        }
        offset += batch.num_rows();
    }
    slices
}

/// Reads Parquet bytes back into batches (round-trip checks, the web app).
pub fn read(bytes: Vec<u8>) -> Result<Vec<RecordBatch>> {
    Ok(read_with_metadata(bytes)?.0)
}

/// Key-value entries of a Parquet footer.
pub type FooterMetadata = Vec<(String, String)>;

/// Reads Parquet bytes back into batches, with the footer's key-value entries.
pub fn read_with_metadata(bytes: Vec<u8>) -> Result<(Vec<RecordBatch>, FooterMetadata)> {
    let builder = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        bytes::Bytes::from(bytes),
    )?;
    let metadata = builder
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .map(|kv| {
            kv.iter()
                .map(|e| (e.key.clone(), e.value.clone().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    let reader = builder.build()?;
    Ok((
        reader.collect::<std::result::Result<Vec<_>, _>>()?,
        metadata,
    ))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::types::Int32Type;
    use arrow_array::{ArrayRef, DictionaryArray, Float64Array, Int64Array, StringArray};
    use arrow_schema::{DataType, Field, Schema};

    use super::*;

    /// Batches of uneven sizes (one empty) with nulls, text, a dictionary
    /// column and numbers.
    fn batches() -> (SchemaRef, Vec<RecordBatch>) {
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("name", DataType::Utf8, true),
            Field::new(
                "kind",
                DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
                true,
            ),
            Field::new("amount", DataType::Float64, true),
        ]));
        let mut next = 0i64;
        let batches = [5usize, 0, 13, 1, 7, 30]
            .into_iter()
            .map(|rows| {
                let ids: Vec<i64> = (next..next + rows as i64).collect();
                next += rows as i64;
                let columns: Vec<ArrayRef> = vec![
                    Arc::new(Int64Array::from(ids.clone())),
                    Arc::new(StringArray::from_iter(
                        ids.iter()
                            .map(|i| (i % 4 != 0).then(|| format!("name {i}"))),
                    )),
                    Arc::new(DictionaryArray::<Int32Type>::from_iter(
                        ids.iter()
                            .map(|i| (i % 5 != 0).then(|| ["a", "b", "c"][*i as usize % 3])),
                    )),
                    Arc::new(Float64Array::from_iter(
                        ids.iter().map(|i| (i % 3 != 0).then(|| *i as f64 / 8.0)),
                    )),
                ];
                RecordBatch::try_new(schema.clone(), columns).unwrap()
            })
            .collect();
        (schema, batches)
    }

    #[test]
    fn encoding_a_column_at_a_time_writes_arrow_writers_bytes() {
        let (schema, batches) = batches();
        // Group sizes that cut batches, fall on their ends, hold them all,
        // and hold one row.
        for group_rows in [1, 4, 5, 7, 18, 56, 1000] {
            let properties = || {
                properties()
                    .set_max_row_group_row_count(Some(group_rows))
                    .set_key_value_metadata(Some(vec![KeyValue::new("k".into(), "v".to_string())]))
                    .build()
            };
            let mut expected = Vec::new();
            let mut writer =
                ArrowWriter::try_new(&mut expected, schema.clone(), Some(properties())).unwrap();
            for batch in &batches {
                writer.write(batch).unwrap();
            }
            writer.close().unwrap();
            let got = by_column(
                Vec::new(),
                properties(),
                schema.clone(),
                &batches,
                group_rows,
                Chunks::Writer,
            )
            .unwrap();
            assert!(got == expected, "{group_rows} rows per group");
            let back = read(got).unwrap();
            let rows: usize = back.iter().map(RecordBatch::num_rows).sum();
            assert_eq!(rows, 56);
        }
        // No rows at all: a file with the schema and no row group.
        let empty = by_column(
            Vec::new(),
            properties().build(),
            schema.clone(),
            &[],
            7,
            Chunks::Own,
        )
        .unwrap();
        let mut expected = Vec::new();
        ArrowWriter::try_new(&mut expected, schema, Some(properties().build()))
            .unwrap()
            .close()
            .unwrap();
        assert!(empty == expected);
    }
}
