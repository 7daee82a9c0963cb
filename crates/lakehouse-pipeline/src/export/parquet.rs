//! Parquet bytes written the way Power BI, Spark and Delta read them best:
//! flat, Snappy, version-1 data pages, statistics on, one file per table.
//! Types: INT64, DOUBLE, UTF8, DATE, BOOLEAN and TIMESTAMP(MICROS, UTC).

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};

use crate::error::Result;

/// Rows per Parquet row group.
pub const ROW_GROUP_ROWS: usize = 1 << 20;

/// The writer settings every file uses.
pub fn writer_properties() -> WriterProperties {
    WriterProperties::builder()
        .set_writer_version(WriterVersion::PARQUET_1_0)
        .set_compression(Compression::SNAPPY)
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_created_by(format!("synthea-lakehouse {}", env!("CARGO_PKG_VERSION")))
        .build()
}

/// One Parquet file holding `batches` (all of `schema`).
pub fn write(schema: SchemaRef, batches: &[RecordBatch]) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut bytes, schema, Some(writer_properties()))?;
    for batch in batches {
        writer.write(batch)?;
    }
    writer.close()?;
    Ok(bytes)
}

/// Reads Parquet bytes back into batches (round-trip checks, the web app).
pub fn read(bytes: Vec<u8>) -> Result<Vec<RecordBatch>> {
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        bytes::Bytes::from(bytes),
    )?
    .build()?;
    Ok(reader.collect::<std::result::Result<Vec<_>, _>>()?)
}
