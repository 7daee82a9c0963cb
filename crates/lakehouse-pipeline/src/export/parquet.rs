//! Parquet bytes written the way Power BI, Spark and Delta read them best:
//! flat, Snappy, version-1 data pages, statistics on, one file per table.
//! Types: INT64, DOUBLE, UTF8, DATE, BOOLEAN and TIMESTAMP(MICROS, UTC).

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};

use crate::error::Result;

/// Rows per Parquet row group.
pub const ROW_GROUP_ROWS: usize = 1 << 20;

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
    let mut properties = properties();
    if !metadata.is_empty() {
        properties = properties.set_key_value_metadata(Some(
            metadata
                .iter()
                .map(|(k, v)| KeyValue::new((*k).to_string(), v.clone()))
                .collect(),
        ));
    }
    let mut bytes = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut bytes, schema, Some(properties.build()))?;
    for batch in batches {
        writer.write(batch)?;
    }
    writer.close()?;
    Ok(bytes)
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
