//! Tidy: every source file of the pipeline starts with a `//!` comment saying
//! what it is for.

#[test]
#[expect(
    clippy::disallowed_methods,
    reason = "the tidy test reads the crate's own sources"
)]
fn every_source_file_has_a_module_doc() {
    fn walk(dir: &std::path::Path, missing: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, missing);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                if !text.starts_with("//!") {
                    missing.push(path.display().to_string());
                }
            }
        }
    }
    let mut missing = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut missing,
    );
    assert!(missing.is_empty(), "files without a //! doc: {missing:?}");
}
