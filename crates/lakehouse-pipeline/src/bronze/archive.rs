//! Reading a `.zip` of a Synthea export: every entry is streamed into the
//! [`BronzeBuilder`] in bounded chunks ([`BronzeBuilder::read`]). The archive comes in as any
//! `Read + Seek` (a file natively, a `Blob` reader in the browser).

use std::io::{Read, Seek};

use super::BronzeBuilder;
use crate::error::{Error, Result};

/// Pushes every file entry of the zip `reader` (named `archive_name` in
/// messages) into `builder`, in the archive's name order. Folders and macOS
/// metadata (`__MACOSX/`, `._*`) are passed over. Entry paths are prefixed with
/// `archive_name!/` so reports say where a row came from.
pub fn ingest_zip<R: Read + Seek>(
    builder: &mut BronzeBuilder,
    archive_name: &str,
    reader: R,
) -> Result<()> {
    let archive_error = |e: zip::result::ZipError| Error::Archive {
        file: archive_name.to_string(),
        message: e.to_string(),
    };
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
        let entry = archive.by_index(index).map_err(archive_error)?;
        builder
            .read(&format!("{archive_name}!/{name}"), entry, &mut |_, _| {})
            .map_err(|error| match error {
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
