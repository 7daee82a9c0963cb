//! `gold_encounters_by_organization`: encounters by organization, most
//! first.

use super::{Dimension, Encounters};
use crate::error::Result;
use crate::table::{Table, TableBuilder};

/// `gold_encounters_by_organization`.
pub(super) fn table(e: &Encounters<'_>, organizations: &Dimension<'_>) -> Result<Table> {
    let by_organization = e.ranked_by(&e.organization);
    let organization_text = |column: &str| {
        by_organization
            .iter()
            .flat_map(|(k, _)| organizations.text(*k, column))
            .collect::<Vec<_>>()
    };
    TableBuilder::new()
        .int("rank", 1..=by_organization.len() as i64)
        .int_opt("organization_key", by_organization.iter().map(|(k, _)| *k))
        .text("organization_id", organization_text("organization_id"))
        .text("organization_name", organization_text("name"))
        .text("city", organization_text("city"))
        .text("state", organization_text("state"))
        .int(
            "encounters",
            by_organization.iter().map(|(_, t)| t.encounters),
        )
        .int(
            "patients",
            by_organization.iter().map(|(_, t)| t.patients.len() as i64),
        )
        .int(
            "providers",
            by_organization
                .iter()
                .map(|(_, t)| t.providers.len() as i64),
        )
        .float(
            "total_claim_cost",
            by_organization.iter().map(|(_, t)| t.cost()),
        )
        .float(
            "payer_coverage",
            by_organization.iter().map(|(_, t)| t.coverage()),
        )
        .float(
            "avg_claim_cost",
            by_organization.iter().map(|(_, t)| t.avg_cost()),
        )
        .finish("gold_encounters_by_organization")
}
