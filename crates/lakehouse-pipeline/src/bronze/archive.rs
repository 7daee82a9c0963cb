//! Reading a `.zip` of a Synthea export: every entry is streamed into the
//! [`BronzeBuilder`] in bounded chunks ([`BronzeBuilder::read`]). The
//! archive comes in as any `Read + Seek` (a file natively, a `Blob` reader
//! in the browser). The bytes it expands to are counted as they are read,
//! and stop at [`ZipLimits`]: a zip bomb ends with a message, not with the
//! machine's memory.

use std::io::{Read, Seek, SeekFrom};

use super::BronzeBuilder;
use crate::error::{Error, Result};

/// How far a zip may expand, as read (an entry's header may lie).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZipLimits {
    /// Most bytes all entries together may expand to.
    pub max_bytes: u64,
    /// Most bytes per byte of the archive (real exports: about 8 overall,
    /// 17 for the most repetitive file). Archives under 64 MiB expanded are
    /// never refused for their ratio.
    pub max_ratio: u64,
}

impl Default for ZipLimits {
    fn default() -> Self {
        Self {
            max_bytes: 4 << 30,
            max_ratio: 50,
        }
    }
}

impl ZipLimits {
    /// The limits as a user gives them: whole GiB and a ratio.
    pub fn from_gib(max_gib: u64, max_ratio: u64) -> Self {
        Self {
            max_bytes: max_gib.saturating_mul(1 << 30),
            max_ratio,
        }
    }

    /// [`ZipLimits::max_bytes`] in whole GiB.
    pub fn max_gib(&self) -> u64 {
        self.max_bytes >> 30
    }

    /// The bytes an archive of `archive_bytes` may expand to.
    pub fn allowed(&self, archive_bytes: u64) -> u64 {
        self.max_bytes
            .min(archive_bytes.saturating_mul(self.max_ratio).max(64 << 20))
    }
}

/// An entry's reader that fails once the archive's running total passes
/// its allowance.
struct Counted<'a, R> {
    inner: R,
    total: &'a mut u64,
    allowed: u64,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buffer)?;
        *self.total += read as u64;
        if *self.total > self.allowed {
            return Err(std::io::Error::other(TOO_LARGE));
        }
        Ok(read)
    }
}

const TOO_LARGE: &str = "expands past the zip limit";

/// Pushes every file entry of the zip `reader` (named `archive_name` in
/// messages) into `builder`, in the archive's name order. Folders and macOS
/// metadata (`__MACOSX/`, `._*`) are passed over. Entry paths are prefixed with
/// `archive_name!/` so reports say where a row came from.
pub fn ingest_zip<R: Read + Seek>(
    builder: &mut BronzeBuilder,
    archive_name: &str,
    mut reader: R,
) -> Result<()> {
    let archive_error = |e: zip::result::ZipError| Error::Archive {
        file: archive_name.to_string(),
        message: e.to_string(),
    };
    let limits = builder.zip_limits();
    let archive_bytes = reader
        .seek(SeekFrom::End(0))
        .and_then(|size| reader.seek(SeekFrom::Start(0)).map(|_| size))
        .map_err(|e| Error::Archive {
            file: archive_name.to_string(),
            message: e.to_string(),
        })?;
    let allowed = limits.allowed(archive_bytes);
    let mut expanded = 0u64;
    let mut archive = zip::ZipArchive::new(reader).map_err(archive_error)?;
    let mut names: Vec<(String, usize)> = (0..archive.len())
        .filter_map(|i| {
            archive
                .name_for_index(i)
                .and_then(|n| n.ok())
                .map(|n| (n.to_string(), i))
        })
        .filter(|(name, _)| {
            !name.ends_with('/')
                && !name.starts_with("__MACOSX/")
                && !name
                    .rsplit('/')
                    .next()
                    .is_some_and(|base| base.starts_with("._"))
        })
        .collect();
    names.sort();
    for (name, index) in names {
        if name.to_ascii_lowercase().ends_with(".zip") {
            return Err(Error::NestedZip {
                file: format!("{archive_name}!/{name}"),
            });
        }
        let entry = archive.by_index(index).map_err(archive_error)?;
        let counted = Counted {
            inner: entry,
            total: &mut expanded,
            allowed,
        };
        builder
            .read(&format!("{archive_name}!/{name}"), counted, &mut |_, _| {})
            .map_err(|error| match error {
                Error::Read { message, .. } if message == TOO_LARGE => Error::ZipTooLarge {
                    file: archive_name.to_string(),
                    allowed,
                    archive_bytes,
                },
                // An entry that cannot be inflated is damage to the archive.
                Error::Read { message, .. } => Error::Archive {
                    file: archive_name.to_string(),
                    message: format!("entry `{name}`: {message}"),
                },
                other => other,
            })?;
    }
    Ok(())
}
