//! Detecting the Synthea release from what the files show: which files exist,
//! the exact header of each, and (for 3.3 vs 3.4, whose headers are identical)
//! what `claims_transactions.PATIENTINSURANCEID` holds.

use arrow_array::types::Int32Type;
use arrow_array::{Array, DictionaryArray};

use super::spec::VERSIONS;
use super::{BronzeTable, FileReport, TABLES};

/// The Synthea releases consistent with the input, as indices into [`VERSIONS`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VersionRange {
    /// Consistent releases, oldest first; empty when the files disagree.
    pub candidates: Vec<u8>,
}

impl VersionRange {
    /// A range over the given candidate indices.
    pub fn from_candidates(candidates: &[u8]) -> Self {
        let mut candidates = candidates.to_vec();
        candidates.sort_unstable();
        candidates.dedup();
        Self { candidates }
    }

    /// The oldest consistent release (`"3.3"`).
    pub fn min(&self) -> Option<&'static str> {
        self.candidates.first().map(|&v| VERSIONS[v as usize])
    }

    /// The newest consistent release (`"4.0"`).
    pub fn max(&self) -> Option<&'static str> {
        self.candidates.last().map(|&v| VERSIONS[v as usize])
    }

    /// `"3.3–4.0"`, `"2.7"`, or `"unknown"` when the files disagree.
    pub fn label(&self) -> String {
        match (self.min(), self.max()) {
            (Some(a), Some(b)) if a == b => a.to_string(),
            (Some(a), Some(b)) => format!("{a}–{b}"),
            _ => "unknown".to_string(),
        }
    }
}

/// Intersects the evidence of every file; see the module docs.
pub(super) fn detect(
    files: &[FileReport],
    tables: &[BronzeTable],
    warnings: &mut Vec<String>,
) -> VersionRange {
    let mut candidates: Vec<u8> = (0..VERSIONS.len() as u8).collect();
    for file in files {
        let Some(kind) = file.kind else { continue };
        let Some(spec) = TABLES.iter().find(|t| t.file == kind) else {
            continue;
        };
        candidates.retain(|&v| v >= spec.since);
        if !file.layout_versions.is_empty() {
            let before = candidates.clone();
            candidates.retain(|v| file.layout_versions.contains(v));
            if candidates.is_empty() && !before.is_empty() {
                warnings.push(format!(
                    "`{}` has the layout of Synthea {}, unlike the other files ({}); is this a mix of exports?",
                    file.path,
                    VersionRange::from_candidates(&file.layout_versions).label(),
                    VersionRange::from_candidates(&before).label()
                ));
                return VersionRange::default();
            }
        }
    }
    // 3.4 fixed PATIENTINSURANCEID (it held the patient's own id before).
    let v3_4 = VERSIONS
        .iter()
        .position(|v| *v == "3.4")
        .unwrap_or(usize::MAX) as u8;
    let ambiguous = candidates.iter().any(|&v| v < v3_4) && candidates.iter().any(|&v| v >= v3_4);
    if let Some(before_3_4) = ambiguous
        .then(|| insurance_id_is_patient_id(tables))
        .flatten()
    {
        candidates.retain(|&v| (v < v3_4) == before_3_4);
    }
    VersionRange { candidates }
}

/// `Some(true)` when `PATIENTINSURANCEID` equals `PATIENTID` on most filled rows
/// (≤ 3.3), `Some(false)` when it mostly differs (3.4+), `None` without evidence.
fn insurance_id_is_patient_id(tables: &[BronzeTable]) -> Option<bool> {
    let table = tables
        .iter()
        .find(|t| t.spec.file == "claims_transactions")?;
    let insurance = table.spec.column_index("PATIENTINSURANCEID")?;
    let patient = table.spec.column_index("PATIENTID")?;
    let (mut same, mut different) = (0u64, 0u64);
    for batch in &table.batches {
        let column = |c: usize| {
            batch
                .column(c)
                .as_any()
                .downcast_ref::<DictionaryArray<Int32Type>>()
        };
        let (a, b) = (column(insurance)?, column(patient)?);
        for i in 0..a.len() {
            let text = |array| crate::table::dictionary_text(array, i);
            if let (Some(a), Some(b)) = (text(a), text(b)) {
                if a == b {
                    same += 1;
                } else {
                    different += 1;
                }
            }
        }
    }
    (same + different > 0).then_some(same >= different)
}
