//! Helpers: running the binary, temporary folders, reading Parquet outputs.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use arrow_array::RecordBatch;

/// The real Synthea exports shipped beside the repository.
pub(crate) fn synthea_root() -> PathBuf {
    std::env::var_os("LAKEHOUSE_SYNTHEA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/synthea"))
}

pub(crate) const REAL_SETS: [&str; 3] = [
    "dbt-synthea-v3.0.0",
    "synthea-au-v3.3plus",
    "uk-ipop-v2.7.0",
];

/// A real export by name, or `None` when `../shared/synthea` is not beside
/// the repository: a fresh clone alone still passes `cargo test`, and the
/// test says it skipped and why. `scripts/test` (and so CI) sets
/// `LAKEHOUSE_REQUIRE_REAL_DATA`, and then a missing export fails.
pub(crate) fn real_set(name: &str) -> Option<PathBuf> {
    let path = synthea_root().join(name);
    if path.is_dir() {
        return Some(path);
    }
    assert!(
        std::env::var_os("LAKEHOUSE_REQUIRE_REAL_DATA").is_none(),
        "missing real data set {} (set LAKEHOUSE_SYNTHEA_DIR)",
        path.display()
    );
    // Straight to the process's stderr: the harness would hide a passing
    // test's `eprintln!`.
    let _ = writeln!(
        std::io::stderr(),
        "skipped: the real export {} is not there (tests over real data need ../shared/synthea or LAKEHOUSE_SYNTHEA_DIR)",
        path.display()
    );
    None
}

pub(crate) fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// A fresh, empty folder under the target directory, removed when the test
/// passes and kept for a look when it fails.
pub(crate) struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

pub(crate) fn temp_dir(label: &str) -> TempDir {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("it-{}-{label}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

pub(crate) fn lakehouse(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lakehouse"))
        .args(args)
        .output()
        .expect("the binary runs")
}

pub(crate) fn run_ok(input: &Path, out: &Path) -> Output {
    let output = lakehouse(&[
        "run",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "lakehouse run failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

pub(crate) fn read_parquet(path: &Path) -> Vec<RecordBatch> {
    let bytes = bytes::Bytes::from(
        std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    );
    parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(bytes)
        .unwrap()
        .build()
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
}

pub(crate) fn table(out: &Path, layer: &str, name: &str) -> Vec<RecordBatch> {
    read_parquet(&out.join(layer).join(format!("{name}.parquet")))
}

pub(crate) fn rows(batches: &[RecordBatch]) -> usize {
    batches.iter().map(RecordBatch::num_rows).sum()
}

/// Every file below `dir`, relative path → bytes.
pub(crate) fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.insert(
                    path.strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                    std::fs::read(&path).unwrap(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Runs a check script; (whether it passed, its output).
pub(crate) fn run_python(script: &str, args: &[&Path]) -> (bool, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/checks")
        .join(script);
    let output = Command::new("python3")
        .arg(&path)
        .args(args)
        .output()
        .expect("python3 runs (scripts/install-tools --test installs its packages)");
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

pub(crate) fn python(script: &str, args: &[&Path]) -> String {
    let (passed, text) = run_python(script, args);
    assert!(passed, "{script} failed:\n{text}");
    text
}
