//! The dimensions: patient, provider, organization, payer, the three code
//! dimensions (diagnosis, procedure, medication) and the calendar.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;

use super::CleaningStats;
use super::keys::{KeyMap, normalize_system};
use crate::bronze::Bronze;
use crate::bronze::rows::{RowId, Rows};
use crate::dates;
use crate::error::Result;
use crate::table::{Table, TableBuilder};

/// The reference dimensions and their key maps.
pub(crate) struct References<'a> {
    pub(crate) tables: Vec<Table>,
    pub(crate) organization: KeyMap<'a>,
    pub(crate) provider: KeyMap<'a>,
    pub(crate) payer: KeyMap<'a>,
    /// The key of the payer named `NO_INSURANCE` (the first, if several).
    pub(crate) uninsured: Option<i64>,
    /// Provider id → its organization id (for encounters without ORGANIZATION, 2.5).
    pub(crate) provider_organization: HashMap<&'a str, &'a str>,
}

/// A payer id as Synthea writes it: `0` (claims 3.0–3.1) means "no
/// insurance", no payer id.
pub(crate) fn insurance_id(id: Option<&str>) -> Option<&str> {
    id.filter(|s| *s != "0")
}

impl References<'_> {
    /// The payer key of an encounter's, a medication's or a coverage
    /// period's PAYER: an empty or `0` payer is the `NO_INSURANCE` payer
    /// (docs/metrics.md, "Payer").
    pub(crate) fn payer_key(&self, id: Option<&str>) -> Option<i64> {
        match insurance_id(id) {
            None => self.uninsured,
            id => self.payer.get(id),
        }
    }
}

fn sum(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    values.fold(None, |acc, v| match (acc, v) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
    })
}

fn sum_int(values: impl Iterator<Item = Option<i64>>) -> Option<i64> {
    values.fold(None, |acc, v| match (acc, v) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
    })
}

/// Groups the unique rows of a reference table by id: the first row (in
/// canonical order) gives the text, and the additive counters of every row
/// with that id are summed (append mode writes one row per run).
fn grouped<'a>(
    rows: &Rows<'a>,
    file: &'static str,
    cleaning: &mut Vec<CleaningStats>,
) -> Result<Vec<(&'a str, Vec<RowId>)>> {
    let id = rows.col("Id");
    let (unique, exact) = rows.unique()?;
    let mut groups: BTreeMap<&'a str, Vec<RowId>> = BTreeMap::new();
    for row in unique {
        if let Some(key) = rows.text(row, id) {
            groups.entry(key).or_default().push(row);
        }
    }
    // A repeated id's rows in canonical order, so that which row gives the
    // text, and the order its counters are summed in, never depend on the
    // input's order.
    let canonical = rows.canonical()?;
    for group in groups.values_mut().filter(|g| g.len() > 1) {
        group.sort_unstable_by(|a, b| canonical.cmp(*a, *b));
    }
    let merged = groups.values().map(|g| g.len() as u64 - 1).sum();
    if rows.table.is_some() {
        cleaning.push(CleaningStats {
            file,
            exact_duplicates: exact,
            merged_duplicate_ids: merged,
            repeated_ids: groups
                .iter()
                .filter(|(_, g)| g.len() > 1)
                .map(|(id, _)| id.to_string())
                .take(crate::gold::quality::EXAMPLES)
                .collect(),
        });
    }
    Ok(groups.into_iter().collect())
}

/// One member of `dim_provider`: the rows of one id that name one
/// clinician (the same NAME, GENDER and SPECIALITY).
struct ProviderMember<'a> {
    id: &'a str,
    /// 1 for the id's first clinician (in canonical row order), then 2, 3, ….
    number: i64,
    rows: Vec<RowId>,
}

/// The members of `dim_provider`: each id's first clinician, in id order,
/// then the other clinicians sharing an id, by id and number.
fn provider_members<'a>(
    rows: &Rows<'a>,
    groups: &[(&'a str, Vec<RowId>)],
) -> Vec<ProviderMember<'a>> {
    let (name, gender, speciality) = (rows.col("NAME"), rows.col("GENDER"), rows.col("SPECIALITY"));
    let mut first = Vec::with_capacity(groups.len());
    let mut others = Vec::new();
    for (id, group) in groups {
        let mut members: Vec<(_, ProviderMember<'a>)> = Vec::new();
        for &row in group {
            let identity = (
                rows.text(row, name),
                rows.text(row, gender),
                rows.text(row, speciality),
            );
            match members.iter_mut().find(|(i, _)| *i == identity) {
                Some((_, member)) => member.rows.push(row),
                None => {
                    let number = members.len() as i64 + 1;
                    members.push((
                        identity,
                        ProviderMember {
                            id,
                            number,
                            rows: vec![row],
                        },
                    ));
                }
            }
        }
        let mut members = members.into_iter().map(|(_, m)| m);
        first.extend(members.next());
        others.extend(members);
    }
    first.extend(others);
    first
}

/// The reference dimensions (`dim_organization`, `dim_provider`,
/// `dim_payer`) with their key maps, and each provider's organization.
/// Long because each is one read of its file, its repeated ids merged and
/// its per-run counters summed; the three share that shape but not their
/// columns.
pub(crate) fn references<'a>(
    bronze: &'a Bronze,
    cleaning: &mut Vec<CleaningStats>,
) -> Result<References<'a>> {
    // Organizations.
    let rows = &Rows::of(bronze, "organizations");
    let groups = grouped(rows, "organizations", cleaning)?;
    let organization = KeyMap::from_sorted(groups.iter().map(|(id, _)| *id));
    let first = |g: &Vec<RowId>| g[0];
    let text = |name: &str| {
        let col = rows.col(name);
        groups
            .iter()
            .map(move |(_, g)| rows.text(first(g), col))
            .collect::<Vec<_>>()
    };
    let float_first = |name: &str| {
        let col = rows.col(name);
        groups
            .iter()
            .map(move |(_, g)| rows.float(first(g), col))
            .collect::<Vec<_>>()
    };
    let (revenue, utilization) = (rows.col("REVENUE"), rows.col("UTILIZATION"));
    let dim_organization = TableBuilder::new()
        .int("organization_key", 1..=groups.len() as i64)
        .text("organization_id", groups.iter().map(|(id, _)| Some(*id)))
        .text("name", text("NAME"))
        .text("address", text("ADDRESS"))
        .text("city", text("CITY"))
        .text("state", text("STATE"))
        .text("zip", text("ZIP"))
        .float("lat", float_first("LAT"))
        .float("lon", float_first("LON"))
        .text("phone", text("PHONE"))
        .float(
            "revenue",
            groups
                .iter()
                .map(|(_, g)| sum(g.iter().map(|r| rows.float(*r, revenue)))),
        )
        .int_opt(
            "utilization",
            groups
                .iter()
                .map(|(_, g)| sum_int(g.iter().map(|r| rows.int(*r, utilization)))),
        )
        .finish("dim_organization")?;

    // Providers. Rows sharing an id but naming another clinician (Synthea
    // 2.5 gave up to 31 clinicians one id) are members of their own, after
    // every id's first member: `id_member` numbers them within the id, and
    // facts, which only know the id, point at member 1.
    let rows = &Rows::of(bronze, "providers");
    let groups = grouped(rows, "providers", cleaning)?;
    let provider = KeyMap::from_sorted(groups.iter().map(|(id, _)| *id));
    let org_col = rows.col("ORGANIZATION");
    let provider_organization: HashMap<&str, &str> = groups
        .iter()
        .filter_map(|(id, g)| rows.text(g[0], org_col).map(|o| (*id, o)))
        .collect();
    let members = provider_members(rows, &groups);
    let text = |name: &str| {
        let col = rows.col(name);
        members
            .iter()
            .map(move |m| rows.text(m.rows[0], col))
            .collect::<Vec<_>>()
    };
    let counter = |name: &str| {
        let col = rows.col(name);
        members
            .iter()
            .map(move |m| sum_int(m.rows.iter().map(|r| rows.int(*r, col))))
            .collect::<Vec<_>>()
    };
    // ≤3.1 wrote UTILIZATION (encounters); 3.2+ ENCOUNTERS and PROCEDURES.
    let encounters: Vec<Option<i64>> = counter("ENCOUNTERS")
        .into_iter()
        .zip(counter("UTILIZATION"))
        .map(|(a, b)| a.or(b))
        .collect();
    let dim_provider = TableBuilder::new()
        .int("provider_key", 1..=members.len() as i64)
        .text("provider_id", members.iter().map(|m| Some(m.id)))
        .int("id_member", members.iter().map(|m| m.number))
        .text("name", text("NAME"))
        .text("gender", text("GENDER"))
        .text("speciality", text("SPECIALITY"))
        .int_opt(
            "organization_key",
            members
                .iter()
                .map(|m| organization.get(rows.text(m.rows[0], org_col))),
        )
        .text("organization_id", text("ORGANIZATION"))
        .text("city", text("CITY"))
        .text("state", text("STATE"))
        .text("zip", text("ZIP"))
        .int_opt("encounters_reported", encounters)
        .int_opt("procedures_reported", counter("PROCEDURES"))
        .finish("dim_provider")?;

    // Payers.
    let rows = &Rows::of(bronze, "payers");
    let groups = grouped(rows, "payers", cleaning)?;
    let payer = KeyMap::from_sorted(groups.iter().map(|(id, _)| *id));
    let text = |name: &str| {
        let col = rows.col(name);
        groups
            .iter()
            .map(move |(_, g)| rows.text(g[0], col))
            .collect::<Vec<_>>()
    };
    let money = |name: &str| {
        let col = rows.col(name);
        groups
            .iter()
            .map(move |(_, g)| sum(g.iter().map(|r| rows.float(*r, col))))
            .collect::<Vec<_>>()
    };
    let counter = |name: &str| {
        let col = rows.col(name);
        groups
            .iter()
            .map(move |(_, g)| sum_int(g.iter().map(|r| rows.int(*r, col))))
            .collect::<Vec<_>>()
    };
    let names = text("NAME");
    // Before 3.2 there is no OWNERSHIP; NO_INSURANCE is recognisable by name.
    let ownership: Vec<Option<&str>> = text("OWNERSHIP")
        .into_iter()
        .zip(&names)
        .map(|(o, n)| o.or_else(|| (*n == Some("NO_INSURANCE")).then_some("NO_INSURANCE")))
        .collect();
    let dim_payer = TableBuilder::new()
        .int("payer_key", 1..=groups.len() as i64)
        .text("payer_id", groups.iter().map(|(id, _)| Some(*id)))
        .text("payer_name", names.iter().copied())
        .text("ownership", ownership)
        .boolean(
            "is_uninsured",
            names.iter().map(|n| Some(*n == Some("NO_INSURANCE"))),
        )
        .text("state_headquartered", text("STATE_HEADQUARTERED"))
        .float("amount_covered", money("AMOUNT_COVERED"))
        .float("amount_uncovered", money("AMOUNT_UNCOVERED"))
        .float("revenue", money("REVENUE"))
        .int_opt("covered_encounters", counter("COVERED_ENCOUNTERS"))
        .int_opt("uncovered_encounters", counter("UNCOVERED_ENCOUNTERS"))
        .int_opt("unique_customers", counter("UNIQUE_CUSTOMERS"))
        .int_opt("member_months", counter("MEMBER_MONTHS"))
        .finish("dim_payer")?;

    let uninsured = names
        .iter()
        .position(|n| *n == Some("NO_INSURANCE"))
        .map(|i| i as i64 + 1);
    Ok(References {
        uninsured,
        tables: vec![dim_provider, dim_organization, dim_payer],
        organization,
        provider,
        payer,
        provider_organization,
    })
}

/// Patients by id: the key map plus what facts need (birth and death days).
pub(crate) struct PatientIndex<'a> {
    rows: Rows<'a>,
    ids: Vec<RowId>,
    pub(crate) keys: KeyMap<'a>,
    /// Birth day per key (index = key − 1).
    pub(crate) birth: Vec<Option<i32>>,
    /// Death day per key.
    pub(crate) death: Vec<Option<i32>>,
}

/// The `age_band` of an age in years: the cut points payers report by
/// (docs/metrics.md, "Age bands").
pub fn age_band(age: i64) -> &'static str {
    match age {
        ..=17 => "0-17",
        18..=44 => "18-44",
        45..=64 => "45-64",
        65..=74 => "65-74",
        75..=84 => "75-84",
        _ => "85+",
    }
}

impl<'a> PatientIndex<'a> {
    pub(crate) fn build(bronze: &'a Bronze, cleaning: &mut Vec<CleaningStats>) -> Result<Self> {
        let rows = Rows::of(bronze, "patients");
        let id = rows.col("Id");
        let unique = rows.unique_by(id)?;
        cleaning.push(CleaningStats::of("patients", &unique));
        let ids = unique.rows;
        let keys = KeyMap::from_sorted(ids.iter().filter_map(|r| rows.text(*r, id)));
        let (birth_col, death_col) = (rows.col("BIRTHDATE"), rows.col("DEATHDATE"));
        let birth = ids.iter().map(|r| rows.date(*r, birth_col)).collect();
        let death = ids.iter().map(|r| rows.date(*r, death_col)).collect();
        Ok(Self {
            rows,
            ids,
            keys,
            birth,
            death,
        })
    }

    pub(crate) fn last_birth_day(&self) -> i32 {
        self.birth.iter().flatten().copied().max().unwrap_or(0)
    }

    /// `dim_patient`, with ages as of `as_of` (or at death, if earlier).
    pub(crate) fn table(&self, as_of: i32) -> Result<Table> {
        let rows = &self.rows;
        let text = |name: &str| {
            let col = rows.col(name);
            self.ids
                .iter()
                .map(move |r| rows.text(*r, col))
                .collect::<Vec<_>>()
        };
        let float = |name: &str| {
            let col = rows.col(name);
            self.ids
                .iter()
                .map(move |r| rows.float(*r, col))
                .collect::<Vec<_>>()
        };
        let ages: Vec<Option<i64>> = self
            .birth
            .iter()
            .zip(&self.death)
            .map(|(b, d)| {
                b.map(|b| dates::age_in_years(b, d.map_or(as_of, |d| d.min(as_of))).max(0))
            })
            .collect();
        TableBuilder::new()
            .int("patient_key", 1..=self.ids.len() as i64)
            .text("patient_id", text("Id"))
            .text("first_name", text("FIRST"))
            .text("last_name", text("LAST"))
            .date("birth_date", self.birth.iter().copied())
            .date("death_date", self.death.iter().copied())
            .boolean(
                "is_deceased",
                self.death
                    .iter()
                    .map(|d| Some(d.is_some_and(|d| d <= as_of))),
            )
            .text("gender", text("GENDER"))
            .text("race", text("RACE"))
            .text("ethnicity", text("ETHNICITY"))
            .text("marital_status", text("MARITAL"))
            .text("city", text("CITY"))
            .text("state", text("STATE"))
            .text("county", text("COUNTY"))
            .text("fips", text("FIPS"))
            .text("zip", text("ZIP"))
            .float("lat", float("LAT"))
            .float("lon", float("LON"))
            .float("income", float("INCOME"))
            .float("healthcare_expenses", float("HEALTHCARE_EXPENSES"))
            .float("healthcare_coverage", float("HEALTHCARE_COVERAGE"))
            .int_opt("age_years", ages.iter().copied())
            .text("age_band", ages.iter().map(|a| a.map(age_band)))
            .finish("dim_patient")
    }
}

/// A code dimension: (system, code) → key, with the chosen description.
pub(crate) struct CodeDim<'a> {
    keys: HashMap<(&'a str, &'a str), i64>,
}

impl<'a> CodeDim<'a> {
    pub(crate) fn get(&self, system: &'a str, code: Option<&'a str>) -> Option<i64> {
        code.and_then(|c| self.keys.get(&(system, c)).copied())
    }
}

/// The three code dimensions.
pub(crate) struct Codes<'a> {
    pub(crate) tables: Vec<Table>,
    pub(crate) diagnosis: CodeDim<'a>,
    pub(crate) procedure: CodeDim<'a>,
    pub(crate) medication: CodeDim<'a>,
}

/// The default code system of a file's `CODE` column.
pub(crate) fn default_system(file: &str) -> &'static str {
    if file == "medications" {
        "RxNorm"
    } else {
        "SNOMED-CT"
    }
}

fn code_dim<'a>(
    bronze: &'a Bronze,
    file: &'static str,
    name: &str,
    key: &str,
) -> Result<(Table, CodeDim<'a>)> {
    let rows = &Rows::of(bronze, file);
    let (system, code, description) = (
        rows.col("SYSTEM"),
        rows.col("CODE"),
        rows.col("DESCRIPTION"),
    );
    let default = default_system(file);
    // (system, code) → description → count.
    let mut seen: BTreeMap<(&str, &str), BTreeMap<&str, u64>> = BTreeMap::new();
    for row in rows.all() {
        let Some(c) = rows.text(row, code) else {
            continue;
        };
        let s = normalize_system(rows.text(row, system), default);
        let d = rows.text(row, description).unwrap_or("");
        *seen.entry((s, c)).or_default().entry(d).or_default() += 1;
    }
    // The most frequent description wins; ties go to the smallest text.
    let chosen: Vec<&str> = seen
        .values()
        .map(|d| {
            d.iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map_or("", |(t, _)| *t)
        })
        .collect();
    let keys = seen.keys().copied().zip(1..).collect();
    let table = TableBuilder::new()
        .int(key, 1..=seen.len() as i64)
        .text("system", seen.keys().map(|(s, _)| Some(*s)))
        .text("code", seen.keys().map(|(_, c)| Some(*c)))
        .text("description", chosen.into_iter().map(Some))
        .finish(name)?;
    Ok((table, CodeDim { keys }))
}

pub(crate) fn codes(bronze: &Bronze) -> Result<Codes<'_>> {
    let (diagnosis_table, diagnosis) =
        code_dim(bronze, "conditions", "dim_diagnosis", "diagnosis_key")?;
    let (procedure_table, procedure) =
        code_dim(bronze, "procedures", "dim_procedure", "procedure_key")?;
    let (medication_table, medication) =
        code_dim(bronze, "medications", "dim_medication", "medication_key")?;
    Ok(Codes {
        tables: vec![diagnosis_table, procedure_table, medication_table],
        diagnosis,
        procedure,
        medication,
    })
}

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAY_NAMES: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// `dim_date`: one row per day from `first` to `last` (inclusive; the
/// caller widens them to whole years).
pub(crate) fn date_table(first: Option<i32>, last: Option<i32>) -> Result<Table> {
    let days: Vec<i32> = match (first, last) {
        (Some(a), Some(b)) if a <= b => (a..=b).collect(),
        _ => Vec::new(),
    };
    let civil: Vec<(i32, u32, u32)> = days.iter().map(|d| dates::civil_from_days(*d)).collect();
    let months: Vec<String> = civil
        .iter()
        .map(|(y, m, _)| format!("{y:04}-{m:02}"))
        .collect();
    let quarters: Vec<String> = civil
        .iter()
        .map(|(y, m, _)| format!("{y:04}-Q{}", (m - 1) / 3 + 1))
        .collect();
    let weekdays: Vec<u32> = days.iter().map(|d| dates::iso_weekday(*d)).collect();
    TableBuilder::new()
        .int("date_key", days.iter().map(|d| dates::date_key(*d)))
        .date("date", days.iter().map(|d| Some(*d)))
        .int("year", civil.iter().map(|c| i64::from(c.0)))
        .int(
            "quarter",
            civil.iter().map(|c| i64::from((c.1 - 1) / 3 + 1)),
        )
        .int("month", civil.iter().map(|c| i64::from(c.1)))
        .text(
            "month_name",
            civil.iter().map(|c| Some(MONTH_NAMES[c.1 as usize - 1])),
        )
        .text("year_month", months.iter().map(|s| Some(s.as_str())))
        .date(
            "month_start",
            days.iter().map(|d| Some(dates::month_start(*d))),
        )
        .text("year_quarter", quarters.iter().map(|s| Some(s.as_str())))
        .int(
            "week_of_year",
            days.iter().map(|d| i64::from(dates::iso_week(*d))),
        )
        .int("day_of_month", civil.iter().map(|c| i64::from(c.2)))
        .int("day_of_week", weekdays.iter().map(|w| i64::from(*w)))
        .text(
            "day_name",
            weekdays.iter().map(|w| Some(DAY_NAMES[*w as usize - 1])),
        )
        .boolean("is_weekend", weekdays.iter().map(|w| Some(*w >= 6)))
        .finish("dim_date")
}
