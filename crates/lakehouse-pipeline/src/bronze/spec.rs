//! The Synthea CSV layouts from 2.5 to 4.0, as data: which files exist, their
//! columns in the canonical (newest) order, each column's type, whether it must
//! be non-empty, and the name and version span under which Synthea wrote it.
//!
//! Source: `shared/synthea/DATA_DICTIONARY.md`. Every bronze table has the
//! *superset* schema of all versions, so a 2.7 and a 3.3 export give bronze
//! tables with identical columns (the columns a version lacks are null).

/// Synthea releases whose CSV layout we know, oldest first.
pub const VERSIONS: [&str; 9] = [
    "2.5", "2.6", "2.7", "3.0", "3.1", "3.2", "3.3", "3.4", "4.0",
];

const V2_6: u8 = 1;
const V2_7: u8 = 2;
const V3_0: u8 = 3;
const V3_1: u8 = 4;
const V3_2: u8 = 5;
const V3_3: u8 = 6;
/// One past the newest version index (an open upper bound).
const END: u8 = VERSIONS.len() as u8;

/// How a bronze column is typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnType {
    /// Text, kept verbatim (ids, codes, names, enums).
    Text,
    /// `YYYY-MM-DD` as `Date32`.
    Date,
    /// `YYYY-MM-DDThh:mm:ssZ` as `Timestamp(Microsecond, "UTC")`.
    DateTime,
    /// A decimal number as `Float64` (money and measures).
    Float,
    /// A base-10 integer as `Int64` (counts).
    Int,
    /// `payer_transitions` start/end: an integer year in 2.x, a datetime since 3.0.
    /// Stored as `Timestamp(Microsecond, "UTC")`.
    YearOrDateTime,
}

/// A name under which Synthea wrote a column, and the versions that used it.
#[derive(Clone, Copy, Debug)]
pub struct ColumnName {
    /// The header text.
    pub name: &'static str,
    /// First version index (into [`VERSIONS`]) that wrote it.
    pub since: u8,
    /// One past the last version index that wrote it.
    pub until: u8,
}

/// One column of a bronze table.
#[derive(Clone, Copy, Debug)]
pub struct ColumnSpec {
    /// Canonical name (the newest spelling); also the bronze column name.
    pub name: &'static str,
    /// The bronze type.
    pub column_type: ColumnType,
    /// A required key or date: an empty value rejects the row.
    pub required: bool,
    /// The header names it had, with their version spans.
    pub names: &'static [ColumnName],
}

impl ColumnSpec {
    /// Whether a header field names this column (case-insensitive, any version).
    pub fn matches(&self, header: &str) -> bool {
        self.names
            .iter()
            .any(|n| n.name.eq_ignore_ascii_case(header))
    }

    /// Whether this is its table's own id (`Id`; `ID` in
    /// `claims_transactions`): a value per row, repeated only by a
    /// duplicate row. Bronze builds its dictionary without looking values
    /// up (bronze/text.rs).
    pub fn is_row_id(&self) -> bool {
        self.column_type == ColumnType::Text && self.name.eq_ignore_ascii_case("id")
    }

    /// The header name written by version `version`, if that version wrote the column.
    pub fn name_in(&self, version: u8) -> Option<&'static str> {
        self.names
            .iter()
            .find(|n| n.since <= version && version < n.until)
            .map(|n| n.name)
    }
}

/// One Synthea file kind (a bronze table).
#[derive(Clone, Copy, Debug)]
pub struct TableSpec {
    /// The file's base name without `.csv` (`patients`).
    pub file: &'static str,
    /// The bronze table name (`bronze_patients`).
    pub table: &'static str,
    /// The first version index that writes this file.
    pub since: u8,
    /// Whether an export without this file is an error.
    pub required: bool,
    /// Columns in canonical order.
    pub columns: &'static [ColumnSpec],
}

impl TableSpec {
    /// The header (as Synthea wrote it) of version index `version`, or `None`
    /// when that version does not write this file.
    pub fn layout(&self, version: u8) -> Option<Vec<&'static str>> {
        if version < self.since {
            return None;
        }
        Some(
            self.columns
                .iter()
                .filter_map(|c| c.name_in(version))
                .collect(),
        )
    }

    /// The index of the canonical column named `name` (exact canonical name).
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}

macro_rules! col {
    ($name:literal, $ty:ident) => {
        col!($name, $ty, false, 0, END)
    };
    ($name:literal, $ty:ident, req) => {
        col!($name, $ty, true, 0, END)
    };
    ($name:literal, $ty:ident, $req:expr, $since:expr, $until:expr) => {
        ColumnSpec {
            name: $name,
            column_type: ColumnType::$ty,
            required: $req,
            names: &[ColumnName {
                name: $name,
                since: $since,
                until: $until,
            }],
        }
    };
    ($name:literal, $ty:ident, since $since:expr) => {
        col!($name, $ty, false, $since, END)
    };
    ($name:literal, $ty:ident, until $until:expr) => {
        col!($name, $ty, false, 0, $until)
    };
}

/// A column that was renamed: `old` until `switch`, `new` from then on.
macro_rules! renamed {
    ($new:literal, $ty:ident, $req:expr, $old:literal, $old_since:expr, $switch:expr) => {
        ColumnSpec {
            name: $new,
            column_type: ColumnType::$ty,
            required: $req,
            names: &[
                ColumnName {
                    name: $old,
                    since: $old_since,
                    until: $switch,
                },
                ColumnName {
                    name: $new,
                    since: $switch,
                    until: END,
                },
            ],
        }
    };
}

/// Every Synthea CSV file we know, in a fixed order (also the bronze order).
pub static TABLES: &[TableSpec] = &[
    TableSpec {
        file: "patients",
        table: "bronze_patients",
        since: 0,
        required: true,
        columns: &[
            col!("Id", Text, req),
            col!("BIRTHDATE", Date, req),
            col!("DEATHDATE", Date),
            col!("SSN", Text),
            col!("DRIVERS", Text),
            col!("PASSPORT", Text),
            col!("PREFIX", Text),
            col!("FIRST", Text),
            col!("MIDDLE", Text, since V3_3),
            col!("LAST", Text),
            col!("SUFFIX", Text),
            col!("MAIDEN", Text),
            col!("MARITAL", Text),
            col!("RACE", Text),
            col!("ETHNICITY", Text),
            col!("GENDER", Text),
            col!("BIRTHPLACE", Text),
            col!("ADDRESS", Text),
            col!("CITY", Text),
            col!("STATE", Text),
            col!("COUNTY", Text),
            col!("FIPS", Text, since V3_2),
            col!("ZIP", Text),
            col!("LAT", Float),
            col!("LON", Float),
            col!("HEALTHCARE_EXPENSES", Float),
            col!("HEALTHCARE_COVERAGE", Float),
            col!("INCOME", Float, since V3_1),
        ],
    },
    TableSpec {
        file: "encounters",
        table: "bronze_encounters",
        since: 0,
        required: true,
        columns: &[
            col!("Id", Text, req),
            col!("START", DateTime, req),
            col!("STOP", DateTime),
            col!("PATIENT", Text, req),
            col!("ORGANIZATION", Text, since V2_6),
            col!("PROVIDER", Text),
            col!("PAYER", Text),
            col!("ENCOUNTERCLASS", Text),
            col!("CODE", Text),
            col!("DESCRIPTION", Text),
            col!("BASE_ENCOUNTER_COST", Float),
            col!("TOTAL_CLAIM_COST", Float),
            col!("PAYER_COVERAGE", Float),
            col!("REASONCODE", Text),
            col!("REASONDESCRIPTION", Text),
        ],
    },
    TableSpec {
        file: "conditions",
        table: "bronze_conditions",
        since: 0,
        required: false,
        columns: &[
            col!("START", Date, req),
            col!("STOP", Date),
            col!("PATIENT", Text, req),
            col!("ENCOUNTER", Text, req),
            col!("SYSTEM", Text, since V3_3),
            col!("CODE", Text, req),
            col!("DESCRIPTION", Text),
        ],
    },
    TableSpec {
        file: "allergies",
        table: "bronze_allergies",
        since: 0,
        required: false,
        columns: &[
            col!("START", Date, req),
            col!("STOP", Date),
            col!("PATIENT", Text, req),
            col!("ENCOUNTER", Text, req),
            col!("CODE", Text, req),
            col!("SYSTEM", Text, since V3_0),
            col!("DESCRIPTION", Text),
            col!("TYPE", Text, since V3_0),
            col!("CATEGORY", Text, since V3_0),
            col!("REACTION1", Text, since V3_0),
            col!("DESCRIPTION1", Text, since V3_0),
            col!("SEVERITY1", Text, since V3_0),
            col!("REACTION2", Text, since V3_0),
            col!("DESCRIPTION2", Text, since V3_0),
            col!("SEVERITY2", Text, since V3_0),
        ],
    },
    TableSpec {
        file: "careplans",
        table: "bronze_careplans",
        since: 0,
        required: false,
        columns: &[
            col!("Id", Text, req),
            col!("START", Date, req),
            col!("STOP", Date),
            col!("PATIENT", Text, req),
            col!("ENCOUNTER", Text, req),
            col!("CODE", Text),
            col!("DESCRIPTION", Text),
            col!("REASONCODE", Text),
            col!("REASONDESCRIPTION", Text),
        ],
    },
    TableSpec {
        file: "observations",
        table: "bronze_observations",
        since: 0,
        required: false,
        columns: &[
            col!("DATE", DateTime, req),
            col!("PATIENT", Text, req),
            col!("ENCOUNTER", Text),
            col!("CATEGORY", Text, since V3_0),
            col!("CODE", Text, req),
            col!("DESCRIPTION", Text),
            col!("VALUE", Text),
            col!("UNITS", Text),
            col!("TYPE", Text),
        ],
    },
    TableSpec {
        file: "procedures",
        table: "bronze_procedures",
        since: 0,
        required: false,
        columns: &[
            renamed!("START", DateTime, true, "DATE", 0, V3_0),
            col!("STOP", DateTime, since V3_0),
            col!("PATIENT", Text, req),
            col!("ENCOUNTER", Text, req),
            col!("SYSTEM", Text, since V3_3),
            col!("CODE", Text, req),
            col!("DESCRIPTION", Text),
            col!("BASE_COST", Float),
            col!("REASONCODE", Text),
            col!("REASONDESCRIPTION", Text),
        ],
    },
    TableSpec {
        file: "medications",
        table: "bronze_medications",
        since: 0,
        required: false,
        columns: &[
            col!("START", DateTime, req),
            col!("STOP", DateTime),
            col!("PATIENT", Text, req),
            col!("PAYER", Text),
            col!("ENCOUNTER", Text, req),
            col!("CODE", Text, req),
            col!("DESCRIPTION", Text),
            col!("BASE_COST", Float),
            col!("PAYER_COVERAGE", Float),
            col!("DISPENSES", Int),
            col!("TOTALCOST", Float),
            col!("REASONCODE", Text),
            col!("REASONDESCRIPTION", Text),
        ],
    },
    TableSpec {
        file: "immunizations",
        table: "bronze_immunizations",
        since: 0,
        required: false,
        columns: &[
            col!("DATE", DateTime, req),
            col!("PATIENT", Text, req),
            col!("ENCOUNTER", Text, req),
            col!("CODE", Text, req),
            col!("DESCRIPTION", Text),
            col!("BASE_COST", Float),
        ],
    },
    TableSpec {
        file: "imaging_studies",
        table: "bronze_imaging_studies",
        since: 0,
        required: false,
        columns: &[
            col!("Id", Text, req),
            col!("DATE", DateTime, req),
            col!("PATIENT", Text, req),
            col!("ENCOUNTER", Text, req),
            col!("SERIES_UID", Text, since V2_7),
            col!("BODYSITE_CODE", Text),
            col!("BODYSITE_DESCRIPTION", Text),
            col!("MODALITY_CODE", Text),
            col!("MODALITY_DESCRIPTION", Text),
            col!("INSTANCE_UID", Text, since V2_7),
            col!("SOP_CODE", Text),
            col!("SOP_DESCRIPTION", Text),
            col!("PROCEDURE_CODE", Text, since V2_7),
        ],
    },
    TableSpec {
        file: "devices",
        table: "bronze_devices",
        since: V2_6,
        required: false,
        columns: &[
            col!("START", DateTime, req),
            col!("STOP", DateTime),
            col!("PATIENT", Text, req),
            col!("ENCOUNTER", Text, req),
            col!("CODE", Text, req),
            col!("DESCRIPTION", Text),
            col!("UDI", Text),
        ],
    },
    TableSpec {
        file: "supplies",
        table: "bronze_supplies",
        since: V2_6,
        required: false,
        columns: &[
            col!("DATE", Date, req),
            col!("PATIENT", Text, req),
            col!("ENCOUNTER", Text, req),
            col!("CODE", Text, req),
            col!("DESCRIPTION", Text),
            col!("QUANTITY", Int),
        ],
    },
    TableSpec {
        file: "organizations",
        table: "bronze_organizations",
        since: 0,
        required: false,
        columns: &[
            col!("Id", Text, req),
            col!("NAME", Text),
            col!("ADDRESS", Text),
            col!("CITY", Text),
            col!("STATE", Text),
            col!("ZIP", Text),
            col!("LAT", Float),
            col!("LON", Float),
            col!("PHONE", Text),
            col!("REVENUE", Float),
            col!("UTILIZATION", Int),
        ],
    },
    TableSpec {
        file: "providers",
        table: "bronze_providers",
        since: 0,
        required: false,
        columns: &[
            col!("Id", Text, req),
            col!("ORGANIZATION", Text),
            col!("NAME", Text),
            col!("GENDER", Text),
            col!("SPECIALITY", Text),
            col!("ADDRESS", Text),
            col!("CITY", Text),
            col!("STATE", Text),
            col!("ZIP", Text),
            col!("LAT", Float),
            col!("LON", Float),
            col!("UTILIZATION", Int, until V3_2),
            col!("ENCOUNTERS", Int, since V3_2),
            col!("PROCEDURES", Int, since V3_2),
        ],
    },
    TableSpec {
        file: "payers",
        table: "bronze_payers",
        since: 0,
        required: false,
        columns: &[
            col!("Id", Text, req),
            col!("NAME", Text),
            col!("OWNERSHIP", Text, since V3_2),
            col!("ADDRESS", Text),
            col!("CITY", Text),
            col!("STATE_HEADQUARTERED", Text),
            col!("ZIP", Text),
            col!("PHONE", Text),
            col!("AMOUNT_COVERED", Float),
            col!("AMOUNT_UNCOVERED", Float),
            col!("REVENUE", Float),
            col!("COVERED_ENCOUNTERS", Int),
            col!("UNCOVERED_ENCOUNTERS", Int),
            col!("COVERED_MEDICATIONS", Int),
            col!("UNCOVERED_MEDICATIONS", Int),
            col!("COVERED_PROCEDURES", Int),
            col!("UNCOVERED_PROCEDURES", Int),
            col!("COVERED_IMMUNIZATIONS", Int),
            col!("UNCOVERED_IMMUNIZATIONS", Int),
            col!("UNIQUE_CUSTOMERS", Int),
            col!("QOLS_AVG", Float),
            col!("MEMBER_MONTHS", Int),
        ],
    },
    TableSpec {
        file: "payer_transitions",
        table: "bronze_payer_transitions",
        since: 0,
        required: false,
        columns: &[
            col!("PATIENT", Text, req),
            col!("MEMBERID", Text, since V3_0),
            renamed!("START_DATE", YearOrDateTime, true, "START_YEAR", 0, V3_2),
            renamed!("END_DATE", YearOrDateTime, false, "END_YEAR", 0, V3_2),
            col!("PAYER", Text),
            col!("SECONDARY_PAYER", Text, since V3_0),
            renamed!("PLAN_OWNERSHIP", Text, false, "OWNERSHIP", 0, V3_2),
            renamed!("OWNER_NAME", Text, false, "OWNERNAME", V3_0, V3_2),
        ],
    },
    TableSpec {
        file: "claims",
        table: "bronze_claims",
        since: V3_0,
        required: false,
        columns: &[
            col!("Id", Text, req),
            col!("PATIENTID", Text, req),
            col!("PROVIDERID", Text),
            col!("PRIMARYPATIENTINSURANCEID", Text),
            col!("SECONDARYPATIENTINSURANCEID", Text),
            col!("DEPARTMENTID", Int),
            col!("PATIENTDEPARTMENTID", Int),
            col!("DIAGNOSIS1", Text),
            col!("DIAGNOSIS2", Text),
            col!("DIAGNOSIS3", Text),
            col!("DIAGNOSIS4", Text),
            col!("DIAGNOSIS5", Text),
            col!("DIAGNOSIS6", Text),
            col!("DIAGNOSIS7", Text),
            col!("DIAGNOSIS8", Text),
            col!("REFERRINGPROVIDERID", Text),
            col!("APPOINTMENTID", Text),
            col!("CURRENTILLNESSDATE", DateTime),
            col!("SERVICEDATE", DateTime),
            col!("SUPERVISINGPROVIDERID", Text),
            col!("STATUS1", Text),
            col!("STATUS2", Text),
            col!("STATUSP", Text),
            col!("OUTSTANDING1", Float),
            col!("OUTSTANDING2", Float),
            col!("OUTSTANDINGP", Float),
            col!("LASTBILLEDDATE1", DateTime),
            col!("LASTBILLEDDATE2", DateTime),
            col!("LASTBILLEDDATEP", DateTime),
            col!("HEALTHCARECLAIMTYPEID1", Int),
            col!("HEALTHCARECLAIMTYPEID2", Int),
        ],
    },
    TableSpec {
        file: "claims_transactions",
        table: "bronze_claims_transactions",
        since: V3_0,
        required: false,
        columns: &[
            col!("ID", Text, req),
            col!("CLAIMID", Text, req),
            col!("CHARGEID", Int),
            col!("PATIENTID", Text, req),
            col!("TYPE", Text),
            col!("AMOUNT", Float),
            col!("METHOD", Text),
            col!("FROMDATE", DateTime),
            col!("TODATE", DateTime),
            col!("PLACEOFSERVICE", Text),
            col!("PROCEDURECODE", Text),
            col!("MODIFIER1", Text),
            col!("MODIFIER2", Text),
            col!("DIAGNOSISREF1", Int),
            col!("DIAGNOSISREF2", Int),
            col!("DIAGNOSISREF3", Int),
            col!("DIAGNOSISREF4", Int),
            col!("UNITS", Int),
            col!("DEPARTMENTID", Int),
            col!("NOTES", Text),
            col!("UNITAMOUNT", Float),
            col!("TRANSFEROUTID", Int),
            col!("TRANSFERTYPE", Text),
            col!("PAYMENTS", Float),
            col!("ADJUSTMENTS", Float),
            col!("TRANSFERS", Float),
            col!("OUTSTANDING", Float),
            col!("APPOINTMENTID", Text),
            col!("LINENOTE", Text),
            col!("PATIENTINSURANCEID", Text),
            col!("FEESCHEDULEID", Int),
            col!("PROVIDERID", Text),
            col!("SUPERVISINGPROVIDERID", Text),
        ],
    },
    TableSpec {
        file: "patient_expenses",
        table: "bronze_patient_expenses",
        since: V3_2,
        required: false,
        columns: &[
            col!("PATIENT_ID", Text, req),
            col!("YEAR", DateTime),
            col!("PAYER_ID", Text),
            col!("HEALTHCARE_EXPENSES", Float),
            col!("INSURANCE_COSTS", Float),
            col!("COVERED_COSTS", Float),
        ],
    },
];

/// The spec of the file kind named `file` (`patients`), if it is a Synthea file.
pub fn table_for_file(file: &str) -> Option<&'static TableSpec> {
    TABLES.iter().find(|t| t.file == file)
}

/// The spec of the bronze table named `table` (`bronze_patients`).
pub fn table_named(table: &str) -> Option<&'static TableSpec> {
    TABLES.iter().find(|t| t.table == table)
}

/// The versions (indices into [`VERSIONS`]) whose layout of `table` is exactly
/// `header` (case-insensitive, in order).
pub fn versions_with_layout(table: &TableSpec, header: &[&str]) -> Vec<u8> {
    (0..END)
        .filter(|&v| {
            table.layout(v).is_some_and(|layout| {
                layout.len() == header.len()
                    && layout
                        .iter()
                        .zip(header)
                        .all(|(a, b)| a.eq_ignore_ascii_case(b))
            })
        })
        .collect()
}

/// For a headerless file with `field_count` fields, the one layout (by canonical
/// column names) that Synthea versions with that many columns share, with those
/// versions. `None` when no version or several different layouts fit.
pub fn layout_for_field_count(
    table: &TableSpec,
    field_count: usize,
) -> Option<(Vec<usize>, Vec<u8>)> {
    let mut found: Option<(Vec<usize>, Vec<u8>)> = None;
    for v in 0..END {
        if v < table.since {
            continue;
        }
        let indices: Vec<usize> = table
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.name_in(v).is_some())
            .map(|(i, _)| i)
            .collect();
        if indices.len() != field_count {
            continue;
        }
        match &mut found {
            None => found = Some((indices, vec![v])),
            Some((existing, versions)) if *existing == indices => versions.push(v),
            Some(_) => return None,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_match_the_dictionary_column_counts() {
        let patients = table_for_file("patients").unwrap();
        let counts: Vec<usize> = (0..END)
            .map(|v| patients.layout(v).unwrap().len())
            .collect();
        // 2.5-3.0: 25, 3.1: 26, 3.2: 27, 3.3+: 28.
        assert_eq!(counts, vec![25, 25, 25, 25, 26, 27, 28, 28, 28]);
        let encounters = table_for_file("encounters").unwrap();
        assert_eq!(encounters.layout(0).unwrap().len(), 14);
        assert_eq!(encounters.layout(V2_6).unwrap().len(), 15);
        let providers = table_for_file("providers").unwrap();
        assert_eq!(providers.layout(V3_1).unwrap().len(), 12);
        assert_eq!(providers.layout(V3_2).unwrap().len(), 13);
        let payers = table_for_file("payers").unwrap();
        assert_eq!(payers.layout(V3_1).unwrap().len(), 21);
        assert_eq!(payers.layout(V3_2).unwrap().len(), 22);
        let transitions = table_for_file("payer_transitions").unwrap();
        assert_eq!(
            transitions.layout(V2_7).unwrap(),
            vec!["PATIENT", "START_YEAR", "END_YEAR", "PAYER", "OWNERSHIP"]
        );
        assert_eq!(
            transitions.layout(V3_0).unwrap(),
            vec![
                "PATIENT",
                "MEMBERID",
                "START_YEAR",
                "END_YEAR",
                "PAYER",
                "SECONDARY_PAYER",
                "OWNERSHIP",
                "OWNERNAME"
            ]
        );
        assert_eq!(table_for_file("claims").unwrap().layout(V2_7), None);
        assert_eq!(
            table_for_file("procedures").unwrap().layout(0).unwrap()[0],
            "DATE"
        );
        assert_eq!(
            table_for_file("imaging_studies")
                .unwrap()
                .layout(V2_6)
                .unwrap()
                .len(),
            10
        );
        assert_eq!(
            table_for_file("allergies")
                .unwrap()
                .layout(V2_7)
                .unwrap()
                .len(),
            6
        );
        assert_eq!(
            table_for_file("allergies")
                .unwrap()
                .layout(V3_0)
                .unwrap()
                .len(),
            15
        );
    }

    #[test]
    fn headerless_layouts_are_unambiguous_by_field_count() {
        for table in TABLES {
            for v in table.since..END {
                let n = table.layout(v).unwrap().len();
                assert!(
                    layout_for_field_count(table, n).is_some(),
                    "{} with {n} fields is ambiguous",
                    table.file
                );
            }
        }
    }
}
