//! The pipeline's error type. Row-level problems are not errors: they become
//! rows of `bronze_rejects` (see `bronze`). An `Error` means the run cannot
//! give a trustworthy result at all (a missing required file or column, a
//! broken archive, an Arrow or Parquet failure).

/// Everything that can stop a pipeline run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file every Synthea export has is absent.
    #[error("required file `{file}` is missing from the input")]
    MissingFile {
        /// The missing file name.
        file: String,
    },
    /// A required file (`patients.csv`, `encounters.csv`) without one usable
    /// row: empty, or every row rejected.
    #[error("`{file}` {message}")]
    NoRows {
        /// The file (the first part, when split).
        file: String,
        /// What is wrong, with the first reject when rows were rejected.
        message: String,
        /// Whether rows were read and all rejected (rather than none read).
        all_rejected: bool,
    },
    /// A file whose first line shows it is not comma-separated UTF-8 text.
    #[error("`{file}` line 1: {problem}")]
    NotCsv {
        /// The file path as given.
        file: String,
        /// What it is instead.
        problem: String,
    },
    /// A header lacks a column the pipeline cannot do without.
    #[error("`{file}` line 1: the header has no `{column}` column")]
    MissingColumn {
        /// The file path as given.
        file: String,
        /// The canonical column name.
        column: String,
    },
    /// A headerless file whose field count fits no known Synthea layout.
    #[error(
        "`{file}` line 1: no header, and {fields} fields fit no Synthea layout of `{table}.csv`"
    )]
    UnknownLayout {
        /// The file path as given.
        file: String,
        /// The file kind.
        table: String,
        /// Fields on the first line.
        fields: usize,
    },
    /// `push` or `end_file` was called with no open file (a caller bug).
    #[error("no file is open: call `begin_file` first")]
    NoOpenFile,
    /// A `.zip` archive that cannot be read.
    #[error("cannot read the zip archive `{file}`: {message}")]
    Archive {
        /// The archive path as given.
        file: String,
        /// What the zip reader said.
        message: String,
    },
    /// A Power BI project name that cannot be a file name.
    #[error("the Power BI project name `{name}` cannot be used: {reason}")]
    ProjectName {
        /// The name given.
        name: String,
        /// Why not.
        reason: String,
    },
    /// A file that could not be read to its end.
    #[error("cannot read `{file}`: {message}")]
    Read {
        /// The file path as given.
        file: String,
        /// What the reader said.
        message: String,
    },
    /// A zip that expands past its limits (a possible zip bomb).
    #[error(
        "the zip archive `{file}` expands to more than {allowed} bytes ({archive_bytes} bytes packed): refused as a possible zip bomb"
    )]
    ZipTooLarge {
        /// The archive.
        file: String,
        /// The bytes it was allowed to expand to.
        allowed: u64,
        /// Its own size.
        archive_bytes: u64,
    },
    /// A zip inside the zip.
    #[error("`{file}` is a zip inside the zip; nested archives are not read")]
    NestedZip {
        /// The entry, as `outer.zip!/inner.zip`.
        file: String,
    },
    /// An invalid `--as-of` date.
    #[error("invalid as-of date `{0}`: expected YYYY-MM-DD")]
    AsOf(String),
    /// A folder that looked like an earlier `run` output but cannot be read as one.
    #[error("`{path}` is not a readable lakehouse run output: {message}")]
    RunOutput {
        /// The file or folder.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// Segments of a file read apart do not join into what one reader
    /// would give (`BronzeBuilder::merge`): the caller reads the file whole.
    #[error("`{file}`: its segments do not end on batch boundaries; read it whole")]
    UnalignedSegments {
        /// The file.
        file: String,
    },
    /// Arrow rejected a batch (a pipeline bug if it ever happens).
    #[error("arrow: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
    /// The Parquet writer or reader failed.
    #[error("parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
}

impl Error {
    /// What the user can do about it, when there is something to say. The
    /// message ([`std::fmt::Display`]) says what went wrong and where; the
    /// CLI prints the hint on a `hint:` line, the app under the message.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            Error::MissingFile { .. } => "point the input at the folder (or .zip) of a Synthea CSV export, which always has `patients.csv` and `encounters.csv`".into(),
            Error::MissingColumn { column, .. } => format!("is this a Synthea CSV file? its header should name `{column}`"),
            Error::UnknownLayout { .. } => "add the header line of the Synthea version that wrote the file".into(),
            Error::Archive { .. } => "the archive is damaged or incomplete: download it again, or unzip it with another tool and pass the folder".into(),
            Error::RunOutput { .. } => "pass the folder `lakehouse run --out` wrote (with bronze/ and manifest.json), or the CSV export itself".into(),
            Error::NoRows { all_rejected: false, .. } => "the export is incomplete: run Synthea again, or point the input at the folder that holds its full CSV output".into(),
            Error::NoRows { all_rejected: true, .. } => "every row failed to parse: a file re-saved by a spreadsheet often changes dates and quoting; use the CSV files as Synthea wrote them".into(),
            Error::NotCsv { .. } => "save it again as CSV: comma-separated, UTF-8 (or use the files as Synthea wrote them)".into(),
            Error::ProjectName { .. } => "give a plain name such as `SyntheaLakehouse` (letters, digits, spaces, `-` and `_`)".into(),
            Error::ZipTooLarge { .. } => "if it is a genuine export, unzip it and pass the folder, or raise the limits (`lakehouse run --zip-max-gib N --zip-max-ratio N`; in the app, \"Zip limits\" under the pickers)".into(),
            Error::NestedZip { .. } => "unzip the outer archive and pass the folder (or the inner .zip itself)".into(),
            Error::Read { .. } => "check that the file is complete and readable, then try again".into(),
            Error::NoOpenFile | Error::UnalignedSegments { .. } | Error::AsOf(_) | Error::Arrow(_) | Error::Parquet(_) => return None,
        })
    }
}

/// The pipeline's `Result`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
