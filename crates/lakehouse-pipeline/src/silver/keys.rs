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

/// The id a lookup was last asked for, and its answer. In Synthea's files a
/// patient's rows follow each other, as do an encounter's claims and
/// medications, so most rows ask for the id the row before asked for. Such
/// an id is the same bronze dictionary value (a batch keeps one copy of a
/// value the row before repeats), so comparing where the two texts lie
/// answers it, where a lookup hashes the id and probes a map that may be
/// out of the cache (181,200 encounter ids at ×300). An equal id elsewhere
/// (the next batch) is looked up. The answers are the lookups' own, so no
/// output changes.
pub(crate) struct Last<'a, T>(Option<(Option<&'a str>, T)>);

impl<'a, T: Copy> Last<'a, T> {
    pub(crate) fn new() -> Self {
        Self(None)
    }

    /// `find(id)`, or the answer for the last id when `id` is that one.
    pub(crate) fn get(
        &mut self,
        id: Option<&'a str>,
        find: impl FnOnce(Option<&'a str>) -> T,
    ) -> T {
        let same = |a: Option<&str>, b: Option<&str>| match (a, b) {
            (Some(a), Some(b)) => std::ptr::eq(a, b),
            (a, b) => a.is_none() && b.is_none(),
        };
        if let Some((last, answer)) = self.0
            && same(last, id)
        {
            return answer;
        }
        let answer = find(id);
        self.0 = Some((id, answer));
        answer
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
    use super::{KeyMap, Last, normalize_system};

    /// The answers are the map's, whatever repeats; a repeat of the same
    /// text asks no more, an equal text elsewhere is looked up.
    #[test]
    fn last_answers_as_the_map_does() {
        let map = KeyMap::from_sorted(["a", "b", "c"]);
        // One copy of each text, as a batch's dictionary holds them, and
        // an equal `b` elsewhere.
        let texts = String::from("abcx");
        let [a, b, c, x] = [0, 1, 2, 3].map(|i| Some(&texts[i..=i]));
        let other = String::from("b");
        let asked = [b, b, Some(other.as_str()), None, None, x, x, a, b, b, c];
        let mut last = Last::new();
        let mut lookups = 0;
        for id in asked {
            let answer = last.get(id, |id| {
                lookups += 1;
                map.get(id)
            });
            assert_eq!(answer, map.get(id), "{id:?}");
        }
        assert_eq!(lookups, 7);
    }

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
