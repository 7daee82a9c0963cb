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

/// ARCHITECTURE.md's code map names every Rust source file of the
/// repository: by its name, or by the folder it sits in (`src/gold/`).
#[test]
#[expect(
    clippy::disallowed_methods,
    reason = "the tidy test reads the repository's own sources"
)]
fn the_code_map_names_every_source_file() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let architecture = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let map = architecture
        .split("## Code map")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("ARCHITECTURE.md has a code map");
    fn walk(root: &std::path::Path, dir: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if path.is_dir() && !matches!(name.as_str(), "target" | "node_modules" | "dist") {
                walk(root, &path, out);
            } else if name.ends_with(".rs") {
                out.push(
                    path.strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    let mut files = Vec::new();
    for top in ["src", "crates", "tests", "examples"] {
        walk(&root, &root.join(top), &mut files);
    }
    assert!(files.len() > 50, "found the sources: {files:?}");
    let missing: Vec<&String> = files
        .iter()
        .filter(|path| {
            let (folder, name) = path.rsplit_once('/').unwrap_or(("", path));
            // `crates/x/src/gold/kpis.rs` may be named by any tail of its folder.
            let named_by_folder = folder
                .match_indices('/')
                .map(|(i, _)| &folder[i + 1..])
                .chain([folder])
                .any(|tail| map.contains(&format!("{tail}/")) && tail.contains('/'));
            !map.contains(name) && !named_by_folder
        })
        .collect();
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md's code map does not name: {missing:?}"
    );
}
