//! The star schema's foreign keys: the one list that the data-quality rules,
//! the Power BI model, the Databricks rule SQL, the star-schema diagram and
//! the integrity tests all read.

/// How a foreign key takes part in a BI model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The relationship that filters the table from the dimension.
    Active,
    /// A second key of one table to the same dimension (a stop date, a
    /// secondary payer): an inactive relationship, for `USERELATIONSHIP`.
    RolePlaying,
    /// Kept by the data and checked, but not a model relationship: the link
    /// from a fact to the encounter it was recorded at, and the provider →
    /// organization snowflake edge. Either would give a second filter path
    /// between tables that are already related through a dimension, which
    /// Power BI rejects as ambiguous.
    Integrity,
}

/// The bronze column whose ids a key resolves (`encounters.PATIENT`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Source {
    /// Bronze file kind (`encounters`).
    pub file: &'static str,
    /// Its column (`PATIENT`).
    pub column: &'static str,
    /// Another file whose `Id`s the column may hold instead: Synthea 2.5
    /// wrote the organization's id into `encounters.PROVIDER` (it had no
    /// `ORGANIZATION` column); such a value is mapped to the organization.
    pub or_file: Option<&'static str>,
}

/// One foreign key of the star schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForeignKey {
    /// The referring table (`fact_encounters`).
    pub table: &'static str,
    /// Its key column (`patient_key`).
    pub column: &'static str,
    /// The referenced table (`dim_patient`).
    pub references: &'static str,
    /// The referenced key column (`patient_key`).
    pub key: &'static str,
    /// How it takes part in a BI model.
    pub role: Role,
    /// The bronze column it resolves, checked by the `fk_*` data-quality
    /// rule; `None` for keys derived from codes and dates, which cannot
    /// dangle, and for keys not checked in bronze.
    pub source: Option<Source>,
}

impl ForeignKey {
    /// Whether this key is a relationship of a BI model (Power BI, the star
    /// diagram).
    pub fn is_model_relationship(&self) -> bool {
        self.role != Role::Integrity
    }

    /// The bronze file whose `Id`s the referenced table is built from.
    pub fn parent_file(&self) -> Option<&'static str> {
        match self.references {
            "dim_patient" => Some("patients"),
            "dim_provider" => Some("providers"),
            "dim_organization" => Some("organizations"),
            "dim_payer" => Some("payers"),
            "fact_encounters" => Some("encounters"),
            _ => None,
        }
    }
}

const fn fk(
    table: &'static str,
    column: &'static str,
    references: &'static str,
    key: &'static str,
    role: Role,
    source: Option<(&'static str, &'static str)>,
) -> ForeignKey {
    ForeignKey {
        table,
        column,
        references,
        key,
        role,
        source: match source {
            Some((file, column)) => Some(Source {
                file,
                column,
                or_file: None,
            }),
            None => None,
        },
    }
}

/// `key`, whose source column may also hold ids of `or_file`.
const fn or_file(key: ForeignKey, or_file: &'static str) -> ForeignKey {
    let mut key = key;
    if let Some(source) = &mut key.source {
        source.or_file = Some(or_file);
    }
    key
}

use Role::{Active, Integrity, RolePlaying};

/// Every foreign key of the star schema, facts in output order, each
/// fact's keys in column order. The data-quality rules check the ones with
/// a [`Source`] in this order.
#[rustfmt::skip]
pub const FOREIGN_KEYS: [ForeignKey; 32] = [
    fk("fact_encounters", "patient_key", "dim_patient", "patient_key", Active, Some(("encounters", "PATIENT"))),
    or_file(fk("fact_encounters", "provider_key", "dim_provider", "provider_key", Active, Some(("encounters", "PROVIDER"))), "organizations"),
    fk("fact_encounters", "organization_key", "dim_organization", "organization_key", Active, Some(("encounters", "ORGANIZATION"))),
    fk("fact_encounters", "payer_key", "dim_payer", "payer_key", Active, Some(("encounters", "PAYER"))),
    fk("fact_encounters", "start_date_key", "dim_date", "date_key", Active, None),
    fk("fact_encounters", "stop_date_key", "dim_date", "date_key", RolePlaying, None),
    fk("fact_encounters", "stay_discharge_date_key", "dim_date", "date_key", RolePlaying, None),
    fk("fact_conditions", "patient_key", "dim_patient", "patient_key", Active, Some(("conditions", "PATIENT"))),
    fk("fact_conditions", "encounter_key", "fact_encounters", "encounter_key", Integrity, Some(("conditions", "ENCOUNTER"))),
    fk("fact_conditions", "diagnosis_key", "dim_diagnosis", "diagnosis_key", Active, None),
    fk("fact_conditions", "start_date_key", "dim_date", "date_key", Active, None),
    fk("fact_conditions", "stop_date_key", "dim_date", "date_key", RolePlaying, None),
    fk("fact_procedures", "patient_key", "dim_patient", "patient_key", Active, Some(("procedures", "PATIENT"))),
    fk("fact_procedures", "encounter_key", "fact_encounters", "encounter_key", Integrity, Some(("procedures", "ENCOUNTER"))),
    fk("fact_procedures", "procedure_key", "dim_procedure", "procedure_key", Active, None),
    fk("fact_procedures", "start_date_key", "dim_date", "date_key", Active, None),
    fk("fact_medications", "patient_key", "dim_patient", "patient_key", Active, Some(("medications", "PATIENT"))),
    fk("fact_medications", "encounter_key", "fact_encounters", "encounter_key", Integrity, Some(("medications", "ENCOUNTER"))),
    fk("fact_medications", "medication_key", "dim_medication", "medication_key", Active, None),
    fk("fact_medications", "payer_key", "dim_payer", "payer_key", Active, Some(("medications", "PAYER"))),
    fk("fact_medications", "start_date_key", "dim_date", "date_key", Active, None),
    fk("fact_medications", "stop_date_key", "dim_date", "date_key", RolePlaying, None),
    fk("fact_claims", "patient_key", "dim_patient", "patient_key", Active, Some(("claims", "PATIENTID"))),
    fk("fact_claims", "encounter_key", "fact_encounters", "encounter_key", Integrity, Some(("claims", "APPOINTMENTID"))),
    fk("fact_claims", "provider_key", "dim_provider", "provider_key", Active, Some(("claims", "PROVIDERID"))),
    fk("fact_claims", "primary_payer_key", "dim_payer", "payer_key", Active, None),
    fk("fact_claims", "secondary_payer_key", "dim_payer", "payer_key", RolePlaying, None),
    fk("fact_claims", "service_date_key", "dim_date", "date_key", Active, None),
    fk("fact_member_months", "patient_key", "dim_patient", "patient_key", Active, Some(("payer_transitions", "PATIENT"))),
    fk("fact_member_months", "payer_key", "dim_payer", "payer_key", Active, Some(("payer_transitions", "PAYER"))),
    fk("fact_member_months", "month_key", "dim_date", "date_key", Active, None),
    fk("dim_provider", "organization_key", "dim_organization", "organization_key", Integrity, Some(("providers", "ORGANIZATION"))),
];

/// The keys of the star that a BI model relates, in [`FOREIGN_KEYS`] order.
pub fn model_relationships() -> impl Iterator<Item = &'static ForeignKey> {
    FOREIGN_KEYS.iter().filter(|k| k.is_model_relationship())
}

/// The keys with a bronze data-quality rule, in [`FOREIGN_KEYS`] order.
pub fn checked_in_bronze() -> impl Iterator<Item = (&'static ForeignKey, Source)> {
    FOREIGN_KEYS.iter().filter_map(|k| k.source.map(|s| (k, s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_table_has_one_active_key_per_referenced_table() {
        for key in model_relationships() {
            let active = model_relationships()
                .filter(|k| k.table == key.table && k.references == key.references)
                .filter(|k| k.role == Role::Active)
                .count();
            assert_eq!(
                active, 1,
                "{}.{} → {}",
                key.table, key.column, key.references
            );
        }
    }

    #[test]
    fn every_checked_key_has_a_parent_file() {
        for (key, _) in checked_in_bronze() {
            assert!(key.parent_file().is_some(), "{}.{}", key.table, key.column);
        }
    }
}
