//! `gold_encounters_by_provider`: encounters by clinician, most first.

use super::{Dimension, Encounters};
use crate::error::Result;
use crate::table::{Table, TableBuilder};

/// `gold_encounters_by_provider`.
pub(super) fn table(
    e: &Encounters<'_>,
    providers: &Dimension<'_>,
    organizations: &Dimension<'_>,
) -> Result<Table> {
    let by_provider = e.ranked_by(&e.provider);
    let provider_text = |column: &str| {
        by_provider
            .iter()
            .flat_map(|(k, _)| providers.text(*k, column))
            .collect::<Vec<_>>()
    };
    let provider_org_keys: Vec<Option<i64>> = {
        let org_keys = providers.columns.ints("organization_key");
        by_provider
            .iter()
            .map(|(k, _)| {
                k.and_then(|k| providers.index.get(&k))
                    .and_then(|r| org_keys[*r])
            })
            .collect()
    };
    TableBuilder::new()
        .int("rank", 1..=by_provider.len() as i64)
        .int_opt("provider_key", by_provider.iter().map(|(k, _)| *k))
        .text("provider_id", provider_text("provider_id"))
        .text("provider_name", provider_text("name"))
        .text("speciality", provider_text("speciality"))
        .text(
            "organization_name",
            provider_org_keys
                .iter()
                .flat_map(|k| organizations.text(*k, "name"))
                .collect::<Vec<_>>(),
        )
        .int("encounters", by_provider.iter().map(|(_, t)| t.encounters))
        .int(
            "patients",
            by_provider.iter().map(|(_, t)| t.patients.len() as i64),
        )
        .float(
            "total_claim_cost",
            by_provider.iter().map(|(_, t)| t.cost()),
        )
        .float(
            "payer_coverage",
            by_provider.iter().map(|(_, t)| t.coverage()),
        )
        .float(
            "avg_claim_cost",
            by_provider.iter().map(|(_, t)| t.avg_cost()),
        )
        .finish("gold_encounters_by_provider")
}
