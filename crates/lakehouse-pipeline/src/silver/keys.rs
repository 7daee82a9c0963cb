//! Surrogate keys and code-system names.

use rustc_hash::FxHashMap as HashMap;

/// Natural id → surrogate key, for a dimension sorted by natural id.
/// Keys are 1-based positions in ascending id order: deterministic for a given
/// input, and dense.
pub(crate) struct KeyMap<'a> {
    keys: HashMap<&'a str, i64>,
}

impl<'a> KeyMap<'a> {
    /// From ids already sorted ascending and unique.
    pub(crate) fn from_sorted(ids: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            keys: ids.into_iter().zip(1..).collect(),
        }
    }

    pub(crate) fn get(&self, id: Option<&str>) -> Option<i64> {
        id.and_then(|id| self.keys.get(id).copied())
    }
}

/// One spelling per code system: `SNOMED-CT` and `http://snomed.info/sct` are
/// one system. An empty or `Unknown` system takes the table's `default`
/// (conditions and procedures are SNOMED CT, medications RxNorm).
pub fn normalize_system<'a>(raw: Option<&'a str>, default: &'a str) -> &'a str {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return default;
    };
    let lower = raw.to_ascii_lowercase();
    match lower.trim_end_matches('/') {
        "snomed-ct" | "snomed" | "snomedct" | "snomed ct" | "http://snomed.info/sct" => "SNOMED-CT",
        "rxnorm" | "http://www.nlm.nih.gov/research/umls/rxnorm" => "RxNorm",
        "loinc" | "http://loinc.org" => "LOINC",
        "cvx" | "http://hl7.org/fhir/sid/cvx" => "CVX",
        "dicom-dcm" | "http://dicom.nema.org/resources/ontology/dcm" => "DICOM-DCM",
        "unknown" => default,
        _ => raw,
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_system;

    #[test]
    fn code_systems_are_normalized() {
        assert_eq!(
            normalize_system(Some("http://snomed.info/sct"), "X"),
            "SNOMED-CT"
        );
        assert_eq!(normalize_system(Some("SNOMED-CT"), "X"), "SNOMED-CT");
        assert_eq!(normalize_system(Some("Unknown"), "RxNorm"), "RxNorm");
        assert_eq!(normalize_system(None, "SNOMED-CT"), "SNOMED-CT");
        assert_eq!(
            normalize_system(Some("http://www.nlm.nih.gov/research/umls/rxnorm"), "X"),
            "RxNorm"
        );
        assert_eq!(normalize_system(Some("ICD-10"), "X"), "ICD-10");
    }
}
