//! The `mini` fixture set, embedded so the tests also run on wasm32.

macro_rules! fixture {
    ($set:literal, $name:literal) => {
        (
            $name,
            include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../tests/fixtures/",
                $set,
                "/",
                $name
            )) as &[u8],
        )
    };
}

/// Every file of `tests/fixtures/mini` (hand-written, Synthea 3.3 layout).
pub(crate) const MINI: [(&str, &[u8]); 14] = [
    fixture!("mini", "allergies.csv"),
    fixture!("mini", "claims.csv"),
    fixture!("mini", "claims_transactions.csv"),
    fixture!("mini", "conditions.csv"),
    fixture!("mini", "encounters.csv"),
    fixture!("mini", "immunizations.csv"),
    fixture!("mini", "medications.csv"),
    fixture!("mini", "observations.csv"),
    fixture!("mini", "organizations.csv"),
    fixture!("mini", "patients.csv"),
    fixture!("mini", "payer_transitions.csv"),
    fixture!("mini", "payers.csv"),
    fixture!("mini", "procedures.csv"),
    fixture!("mini", "providers.csv"),
];

/// The lakehouse of the mini set with its default as-of day.
pub(crate) fn mini() -> crate::Lakehouse {
    crate::run_bytes(MINI.iter().map(|(n, b)| (*n, *b)), None).expect("the mini fixture runs")
}
