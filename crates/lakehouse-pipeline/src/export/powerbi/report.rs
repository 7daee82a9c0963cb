//! The project's report in the PBIR format (one JSON file per report, page
//! and visual, each valid against Microsoft's schema for its `$schema`):
//! the app's dashboard as report pages on the model of `powerbi.rs`.
//!
//! Every page but the data-quality and drill-through ones carries the same
//! seven slicers (date range, gender, age band, race, encounter class,
//! organization, payer), synced across pages by their sync group. Monthly
//! charts put `dim_date[month_start]` on a continuous time axis. Measures
//! are named by their name in [`MEASURES`]: a name the model lacks gives a
//! visual whose field resolves to nothing, which the project's checks
//! (`tests/checks/validate_pbip.py`, and the Rust test of the project)
//! refuse.

use super::{MEASURES, Measure};
use crate::export::ids::stable_uuid;
use crate::export::json::Json;

const SCHEMAS: &str = "https://developer.microsoft.com/json-schemas/fabric/item/report/definition";
const WIDTH: i64 = 1280;
const HEIGHT: i64 = 720;
/// The theme file's name (in `StaticResources/RegisteredResources`).
pub(super) const THEME: &str = "SyntheaLakehouse.json";

/// A field a visual shows: a model column or a measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// `table[column]`.
    Column(&'static str, &'static str),
    /// A measure of [`MEASURES`], with its home table.
    Measure(&'static str, &'static str),
}

impl Field {
    /// The table the field belongs to.
    pub fn entity(&self) -> &'static str {
        match self {
            Field::Column(t, _) | Field::Measure(t, _) => t,
        }
    }

    /// The column's or measure's name.
    pub fn property(&self) -> &'static str {
        match self {
            Field::Column(_, p) | Field::Measure(_, p) => p,
        }
    }

    /// (kind, body) of the field as a semantic-query expression whose
    /// `SourceRef` is `source` (`{"Entity": table}`, or `{"Source": alias}`
    /// inside a query with a `From`).
    fn reference(&self, source: Json) -> (&'static str, Json) {
        let kind = match self {
            Field::Column(..) => "Column",
            Field::Measure(..) => "Measure",
        };
        let body = Json::object([
            ("Expression", Json::object([("SourceRef", source)])),
            ("Property", Json::str(self.property())),
        ]);
        (kind, body)
    }

    /// The semantic-query expression naming the field by its table.
    fn expression(&self) -> Json {
        Json::object([self.reference(Json::object([("Entity", Json::str(self.entity()))]))])
    }

    /// The field as a projection of a visual role.
    fn projection(&self) -> Json {
        Json::object([
            ("field", self.expression()),
            (
                "queryRef",
                Json::str(format!("{}.{}", self.entity(), self.property())),
            ),
            ("nativeQueryRef", Json::str(self.property())),
        ])
    }
}

/// A column field.
const fn col(table: &'static str, column: &'static str) -> Field {
    Field::Column(table, column)
}

/// The measure `name`, at home in its table of [`MEASURES`]. A name that is
/// no measure keeps an empty table, and the project's checks fail on it.
fn measure(name: &'static str) -> Field {
    let table = MEASURES
        .iter()
        .find(|m: &&Measure| m.name == name)
        .map_or("", |m| m.table);
    Field::Measure(table, name)
}

/// One visual of a page.
struct Visual {
    /// The visual type (`lineChart`, `cardVisual`, …).
    kind: &'static str,
    title: String,
    /// Its data roles and their fields, in order.
    roles: Vec<(&'static str, Vec<Field>)>,
    /// Sort by this field, descending when `true`.
    sort: Option<(Field, bool)>,
    /// Show the `n` categories of the column with the largest measure.
    top: Option<(Field, Field, i64)>,
    /// A slicer's sync group and mode (`Dropdown`, `Between`).
    slicer: Option<(&'static str, &'static str)>,
}

impl Visual {
    fn new(kind: &'static str, title: &str) -> Self {
        Self {
            kind,
            title: title.to_string(),
            roles: Vec::new(),
            sort: None,
            top: None,
            slicer: None,
        }
    }

    fn role(mut self, role: &'static str, fields: &[Field]) -> Self {
        self.roles.push((role, fields.to_vec()));
        self
    }

    fn sorted(mut self, field: Field, descending: bool) -> Self {
        self.sort = Some((field, descending));
        self
    }

    fn top(mut self, category: Field, by: Field, n: i64) -> Self {
        self.top = Some((category, by, n));
        self.sorted(by, true)
    }

    /// Every field the visual names (its roles, sort and filters).
    #[cfg(test)]
    fn fields(&self) -> Vec<Field> {
        let mut out: Vec<Field> = self.roles.iter().flat_map(|(_, f)| f.clone()).collect();
        out.extend(self.sort.map(|s| s.0));
        if let Some((category, by, _)) = self.top {
            out.extend([category, by]);
        }
        out
    }
}

/// A line chart of `measures` over the continuous monthly axis.
fn monthly(title: &str, measures: &[Field], series: Option<Field>) -> Visual {
    let month = col("dim_date", "month_start");
    let mut v = Visual::new("lineChart", title)
        .role("Category", &[month])
        .role("Y", measures);
    if let Some(series) = series {
        v = v.role("Series", &[series]);
    }
    v.sorted(month, false)
}

/// A bar chart of `measure` by `category`, largest first.
fn bars(title: &str, category: Field, measure: Field) -> Visual {
    Visual::new("clusteredBarChart", title)
        .role("Category", &[category])
        .role("Y", &[measure])
        .sorted(measure, true)
}

/// A table of `fields`.
fn table(title: &str, fields: &[Field]) -> Visual {
    Visual::new("tableEx", title).role("Values", fields)
}

/// Cards of `measures`.
fn cards(title: &str, measures: &[Field]) -> Visual {
    Visual::new("cardVisual", title).role("Data", measures)
}

/// The slicers of the report pages: (sync group, title, field, mode).
pub const SLICERS: [(&str, &str, Field, &str); 7] = [
    ("date", "Date", col("dim_date", "date"), "Between"),
    ("gender", "Gender", col("dim_patient", "gender"), "Dropdown"),
    (
        "age_band",
        "Age band",
        col("dim_patient", "age_band"),
        "Dropdown",
    ),
    ("race", "Race", col("dim_patient", "race"), "Dropdown"),
    (
        "encounter_class",
        "Encounter class",
        col("fact_encounters", "encounter_class"),
        "Dropdown",
    ),
    (
        "organization",
        "Organization",
        col("dim_organization", "name"),
        "Dropdown",
    ),
    ("payer", "Payer", col("dim_payer", "payer_name"), "Dropdown"),
];

/// One report page.
struct Page {
    /// A stable slug the page's id derives from.
    slug: &'static str,
    title: &'static str,
    /// Whether the page carries the synced slicers.
    slicers: bool,
    /// The drill-through field, for a drill-through page.
    drillthrough: Option<Field>,
    /// Visuals with their (x, y, width, height).
    visuals: Vec<((i64, i64, i64, i64), Visual)>,
}

/// Below the slicer row.
const TOP: i64 = 76;
const GAP: i64 = 8;
const HALF: i64 = (WIDTH - 3 * GAP) / 2;
const THIRD: i64 = (WIDTH - 4 * GAP) / 3;

fn pages() -> Vec<Page> {
    let encounters = measure("Encounter Count");
    let patients = measure("Patient Count");
    let payer = col("dim_payer", "payer_name");
    let full = |y: i64, h: i64| (GAP, y, WIDTH - 2 * GAP, h);
    let left = |y: i64, h: i64| (GAP, y, HALF, h);
    let right = |y: i64, h: i64| (2 * GAP + HALF, y, HALF, h);
    let third = |i: i64, y: i64, h: i64| (GAP + i * (THIRD + GAP), y, THIRD, h);
    let rest = |y: i64| HEIGHT - GAP - y;
    vec![
        Page {
            slug: "overview",
            title: "Overview",
            slicers: true,
            drillthrough: None,
            visuals: vec![
                (
                    full(TOP, 120),
                    cards(
                        "Key figures",
                        &[
                            patients,
                            encounters,
                            measure("Total Claim Cost"),
                            measure("Coverage %"),
                            measure("Average Length of Stay"),
                            measure("Readmission Rate 30d"),
                            measure("PMPM Paid"),
                        ],
                    ),
                ),
                (
                    full(TOP + 128, rest(TOP + 128)),
                    monthly(
                        "Encounters by month and class",
                        &[encounters],
                        Some(col("fact_encounters", "encounter_class")),
                    ),
                ),
            ],
        },
        Page {
            slug: "providers",
            title: "Providers & organizations",
            slicers: true,
            drillthrough: None,
            visuals: vec![
                (
                    left(TOP, 310),
                    bars(
                        "Encounters by organization",
                        col("dim_organization", "name"),
                        encounters,
                    ),
                ),
                (
                    right(TOP, 310),
                    bars(
                        "Encounters by provider",
                        col("dim_provider", "name"),
                        encounters,
                    ),
                ),
                (
                    full(TOP + 318, rest(TOP + 318)),
                    bars(
                        "Encounters by diagnosis (reason for the visit)",
                        col("fact_encounters", "reason_description"),
                        encounters,
                    )
                    .top(col("fact_encounters", "reason_description"), encounters, 20),
                ),
            ],
        },
        Page {
            slug: "diagnoses",
            title: "Diagnoses & procedures",
            slicers: true,
            drillthrough: None,
            visuals: vec![
                (
                    left(TOP, rest(TOP)),
                    table(
                        "Top 20 conditions by patients",
                        &[
                            col("dim_diagnosis", "description"),
                            measure("Patients with Condition"),
                            measure("Condition Prevalence %"),
                        ],
                    )
                    .top(
                        col("dim_diagnosis", "description"),
                        measure("Patients with Condition"),
                        20,
                    ),
                ),
                (
                    right(TOP, rest(TOP)),
                    bars(
                        "Top 20 procedures by count",
                        col("dim_procedure", "description"),
                        measure("Procedure Count"),
                    )
                    .top(
                        col("dim_procedure", "description"),
                        measure("Procedure Count"),
                        20,
                    ),
                ),
            ],
        },
        Page {
            slug: "demographics",
            title: "Demographics",
            slicers: true,
            drillthrough: None,
            visuals: vec![
                (
                    left(TOP, 310),
                    Visual::new("clusteredColumnChart", "Patients by age band and sex")
                        .role("Category", &[col("dim_patient", "age_band")])
                        .role("Series", &[col("dim_patient", "gender")])
                        .role("Y", &[patients])
                        .sorted(col("dim_patient", "age_band"), false),
                ),
                (
                    right(TOP, 310),
                    bars("Patients by race", col("dim_patient", "race"), patients),
                ),
                (
                    third(0, TOP + 318, rest(TOP + 318)),
                    bars(
                        "Patients by ethnicity",
                        col("dim_patient", "ethnicity"),
                        patients,
                    ),
                ),
                (
                    third(1, TOP + 318, rest(TOP + 318)),
                    table(
                        "Patients by county (a map needs Bing online; a table works offline)",
                        &[
                            col("dim_patient", "state"),
                            col("dim_patient", "county"),
                            patients,
                        ],
                    )
                    .sorted(patients, true),
                ),
                (
                    third(2, TOP + 318, rest(TOP + 318)),
                    table(
                        "Patients by claim cost (right-click a row: Drill through, Patient detail)",
                        &[
                            col("dim_patient", "patient_id"),
                            col("dim_patient", "age_band"),
                            col("dim_patient", "gender"),
                            encounters,
                            measure("Total Claim Cost"),
                        ],
                    )
                    .sorted(measure("Total Claim Cost"), true),
                ),
            ],
        },
        Page {
            slug: "payers",
            title: "Payers",
            slicers: true,
            drillthrough: None,
            visuals: vec![
                (
                    full(TOP, 110),
                    cards(
                        "Payer figures",
                        &[
                            measure("Member Months"),
                            measure("PMPM Paid"),
                            measure("PMPM Allowed"),
                            measure("Admits per 1000"),
                            measure("ED Visits per 1000"),
                            measure("Out of Pocket"),
                        ],
                    ),
                ),
                (
                    full(TOP + 118, 270),
                    monthly("PMPM paid by payer", &[measure("PMPM Paid")], Some(payer)),
                ),
                (
                    third(0, TOP + 396, rest(TOP + 396)),
                    bars("Coverage % by payer", payer, measure("Coverage %")),
                ),
                (
                    third(1, TOP + 396, rest(TOP + 396)),
                    bars("Out of pocket by payer", payer, measure("Out of Pocket")),
                ),
                (
                    third(2, TOP + 396, rest(TOP + 396)),
                    bars("Member months by payer", payer, measure("Member Months")),
                ),
            ],
        },
        Page {
            slug: "readmissions",
            title: "Readmissions & length of stay",
            slicers: true,
            drillthrough: None,
            visuals: vec![
                (
                    left(TOP, 300),
                    monthly(
                        &format!(
                            "30-day readmission rate by discharge month (HEDIS-style), months with {}+ index stays",
                            crate::gold::FEW_INDEX_STAYS
                        ),
                        &[measure("Charted Readmission Rate 30d")],
                        None,
                    ),
                ),
                (
                    right(TOP, 300),
                    monthly(
                        "Average length of stay (days) by discharge month",
                        &[measure("Average Length of Stay")],
                        None,
                    ),
                ),
                (
                    full(TOP + 308, rest(TOP + 308)),
                    table(
                        "By discharge month, with denominators",
                        &[
                            col("dim_date", "year_month"),
                            measure("Inpatient Discharges"),
                            measure("Inpatient Days"),
                            measure("Average Length of Stay"),
                            measure("Index Stays"),
                            measure("Readmissions 30d"),
                            measure("Readmission Rate 30d"),
                            measure("In-hospital Mortality %"),
                        ],
                    )
                    .sorted(col("dim_date", "year_month"), true),
                ),
            ],
        },
        Page {
            slug: "quality",
            title: "Data quality",
            slicers: false,
            drillthrough: None,
            visuals: vec![
                (
                    (GAP, GAP, WIDTH - 2 * GAP, 220),
                    bars(
                        "Rows failed by rule",
                        col("dq_results", "rule_id"),
                        measure("DQ Rows Failed"),
                    )
                    .top(col("dq_results", "rule_id"), measure("DQ Rows Failed"), 15),
                ),
                (
                    full(236, HEIGHT - 244),
                    table(
                        "Every rule: rows checked and failed (bronze_rows_rejected accounts for unreadable rows)",
                        &[
                            col("dq_results", "severity"),
                            col("dq_results", "rule_id"),
                            col("dq_results", "table_name"),
                            col("dq_results", "description"),
                            measure("DQ Rows Checked"),
                            measure("DQ Rows Failed"),
                            col("dq_results", "example_ids"),
                        ],
                    )
                    .sorted(measure("DQ Rows Failed"), true),
                ),
            ],
        },
        Page {
            slug: "patient",
            title: "Patient detail",
            slicers: false,
            drillthrough: Some(col("dim_patient", "patient_id")),
            visuals: vec![
                (
                    (GAP, GAP, WIDTH - 2 * GAP, 90),
                    table(
                        "Patient",
                        &[
                            col("dim_patient", "patient_id"),
                            col("dim_patient", "gender"),
                            col("dim_patient", "age_band"),
                            col("dim_patient", "race"),
                            col("dim_patient", "county"),
                            col("dim_patient", "death_date"),
                        ],
                    ),
                ),
                (
                    (GAP, 106, WIDTH - 2 * GAP, HEIGHT - 114),
                    table(
                        "Encounters",
                        &[
                            col("fact_encounters", "start_ts"),
                            col("fact_encounters", "encounter_class"),
                            col("fact_encounters", "description"),
                            col("fact_encounters", "reason_description"),
                            col("dim_organization", "name"),
                            measure("Total Claim Cost"),
                            measure("Payer Coverage"),
                        ],
                    )
                    .sorted(col("fact_encounters", "start_ts"), false),
                ),
            ],
        },
    ]
}

/// A 20-hex-digit name (PBIR names are word characters), stable per seed.
fn hex_name(seed: &str) -> String {
    stable_uuid(seed).replace('-', "")[..20].to_string()
}

/// A formatting literal (`'text'`, `true`, `10L`).
fn literal(value: &str) -> Json {
    Json::object([(
        "expr",
        Json::object([("Literal", Json::object([("Value", Json::str(value))]))]),
    )])
}

/// A text literal: single quotes doubled.
fn text(value: &str) -> Json {
    literal(&format!("'{}'", value.replace('\'', "''")))
}

/// `{ object: [{ properties: { … } }] }`.
fn properties<'a>(object: &str, pairs: impl IntoIterator<Item = (&'a str, Json)>) -> Json {
    Json::object([(
        object,
        Json::Array(vec![Json::object([("properties", Json::object(pairs))])]),
    )])
}

/// The visual's filter keeping the `n` categories with the largest measure.
fn top_filter(name: &str, category: Field, by: Field, n: i64) -> Json {
    // (kind, body) of a field read through a query alias.
    let through =
        |alias: &str, field: Field| field.reference(Json::object([("Source", Json::str(alias))]));
    let source = |alias: &str, field: Field| Json::object([through(alias, field)]);
    let entity = |alias: &str, field: Field| {
        Json::object([
            ("Name", Json::str(alias)),
            ("Entity", Json::str(field.entity())),
            ("Type", Json::Int(0)),
        ])
    };
    let mut from = vec![entity("c", category)];
    if by.entity() != category.entity() {
        from.push(entity("m", by));
    }
    let by_alias = if by.entity() == category.entity() {
        "c"
    } else {
        "m"
    };
    let subquery = Json::object([
        ("Version", Json::Int(2)),
        ("From", Json::Array(from)),
        (
            "Select",
            Json::Array(vec![{
                let (kind, body) = through("c", category);
                Json::object([(kind, body), ("Name", Json::str("field"))])
            }]),
        ),
        (
            "OrderBy",
            Json::Array(vec![Json::object([
                ("Direction", Json::Int(2)),
                ("Expression", source(by_alias, by)),
            ])]),
        ),
        ("Top", Json::Int(n)),
    ]);
    Json::object([
        ("name", Json::str(name)),
        ("field", category.expression()),
        ("type", Json::str("TopN")),
        (
            "filter",
            Json::object([
                ("Version", Json::Int(2)),
                (
                    "From",
                    Json::Array(vec![
                        Json::object([
                            ("Name", Json::str("subquery")),
                            (
                                "Expression",
                                Json::object([("Subquery", Json::object([("Query", subquery)]))]),
                            ),
                            ("Type", Json::Int(2)),
                        ]),
                        entity("c", category),
                    ]),
                ),
                (
                    "Where",
                    Json::Array(vec![Json::object([(
                        "Condition",
                        Json::object([(
                            "In",
                            Json::object([
                                ("Expressions", Json::Array(vec![source("c", category)])),
                                (
                                    "Table",
                                    Json::object([(
                                        "SourceRef",
                                        Json::object([("Source", Json::str("subquery"))]),
                                    )]),
                                ),
                            ]),
                        )]),
                    )])]),
                ),
            ]),
        ),
        ("howCreated", Json::str("User")),
    ])
}

/// `visual.json` of one visual.
fn visual_json(name: &str, (x, y, w, h): (i64, i64, i64, i64), z: i64, v: &Visual) -> Json {
    let mut visual = vec![("visualType".to_string(), Json::str(v.kind))];
    let mut query = Vec::new();
    let state: Vec<(String, Json)> = v
        .roles
        .iter()
        .map(|(role, fields)| {
            (
                role.to_string(),
                Json::object([(
                    "projections",
                    Json::Array(fields.iter().map(Field::projection).collect()),
                )]),
            )
        })
        .collect();
    query.push(("queryState".to_string(), Json::Object(state)));
    if let Some((field, descending)) = v.sort {
        query.push((
            "sortDefinition".to_string(),
            Json::object([(
                "sort",
                Json::Array(vec![Json::object([
                    ("field", field.expression()),
                    (
                        "direction",
                        Json::str(if descending {
                            "Descending"
                        } else {
                            "Ascending"
                        }),
                    ),
                ])]),
            )]),
        ));
    }
    visual.push(("query".to_string(), Json::Object(query)));
    if let Some((group, mode)) = v.slicer {
        visual.push((
            "objects".to_string(),
            properties("data", [("mode", text(mode))]),
        ));
        visual.push((
            "syncGroup".to_string(),
            Json::object([
                ("groupName", Json::str(group)),
                ("fieldChanges", Json::Bool(true)),
                ("filterChanges", Json::Bool(true)),
            ]),
        ));
    }
    visual.push((
        "visualContainerObjects".to_string(),
        properties(
            "title",
            [("show", literal("true")), ("text", text(&v.title))],
        ),
    ));
    visual.push(("drillFilterOtherVisuals".to_string(), Json::Bool(true)));
    let mut out = vec![
        (
            "$schema".to_string(),
            Json::str(format!("{SCHEMAS}/visualContainer/2.9.0/schema.json")),
        ),
        ("name".to_string(), Json::str(name)),
        (
            "position".to_string(),
            Json::object([
                ("x", Json::Int(x)),
                ("y", Json::Int(y)),
                ("z", Json::Int(z)),
                ("height", Json::Int(h)),
                ("width", Json::Int(w)),
                ("tabOrder", Json::Int(z)),
            ]),
        ),
        ("visual".to_string(), Json::Object(visual)),
    ];
    if let Some((category, by, n)) = v.top {
        out.push((
            "filterConfig".to_string(),
            Json::object([(
                "filters",
                Json::Array(vec![top_filter(
                    &hex_name(&format!("{name}/top")),
                    category,
                    by,
                    n,
                )]),
            )]),
        ));
    }
    Json::Object(out)
}

/// The slicer row at the top of a page.
fn slicer_row() -> Vec<((i64, i64, i64, i64), Visual)> {
    let n = SLICERS.len() as i64;
    let width = (WIDTH - (n + 1) * GAP) / n;
    SLICERS
        .iter()
        .enumerate()
        .map(|(i, (group, title, field, mode))| {
            let mut v = Visual::new("slicer", title).role("Values", &[*field]);
            v.slicer = Some((group, mode));
            (
                (GAP + i as i64 * (width + GAP), GAP, width, TOP - 2 * GAP),
                v,
            )
        })
        .collect()
}

/// `page.json` of a page.
fn page_json(id: &str, page: &Page) -> Json {
    let mut out = vec![
        (
            "$schema".to_string(),
            Json::str(format!("{SCHEMAS}/page/2.1.0/schema.json")),
        ),
        ("name".to_string(), Json::str(id)),
        ("displayName".to_string(), Json::str(page.title)),
        ("displayOption".to_string(), Json::str("FitToPage")),
        ("height".to_string(), Json::Int(HEIGHT)),
        ("width".to_string(), Json::Int(WIDTH)),
    ];
    if let Some(field) = page.drillthrough {
        let filter = hex_name(&format!("{id}/drillthrough"));
        out.push((
            "filterConfig".to_string(),
            Json::object([(
                "filters",
                Json::Array(vec![Json::object([
                    ("name", Json::str(filter.as_str())),
                    ("field", field.expression()),
                    ("type", Json::str("Categorical")),
                    ("howCreated", Json::str("Drillthrough")),
                ])]),
            )]),
        ));
        out.push((
            "pageBinding".to_string(),
            Json::object([
                ("name", Json::str(hex_name(&format!("{id}/binding")))),
                ("type", Json::str("Drillthrough")),
                (
                    "parameters",
                    Json::Array(vec![Json::object([
                        ("name", Json::str(hex_name(&format!("{id}/parameter")))),
                        ("boundFilter", Json::str(filter.as_str())),
                        ("fieldExpr", field.expression()),
                    ])]),
                ),
            ]),
        ));
        out.push(("type".to_string(), Json::str("Drillthrough")));
        out.push(("visibility".to_string(), Json::str("HiddenInViewMode")));
    }
    Json::Object(out)
}

/// The report theme: the app's Okabe–Ito colours (colour-blind safe), in
/// the order the dashboard uses them.
fn theme() -> Json {
    let colours = [
        "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
    ];
    Json::object([
        ("name", Json::str("Synthea Lakehouse")),
        (
            "dataColors",
            Json::Array(colours.iter().map(|c| Json::str(*c)).collect()),
        ),
        ("foreground", Json::str("#1F2328")),
        ("background", Json::str("#FFFFFF")),
        ("tableAccent", Json::str("#0072B2")),
        ("good", Json::str("#009E73")),
        ("bad", Json::str("#D55E00")),
        ("neutral", Json::str("#E69F00")),
    ])
}

/// The report's files, under `report` (the `<name>.Report` folder), as
/// (path, text).
pub(super) fn files(report: &str) -> Vec<(String, String)> {
    let definition = format!("{report}/definition");
    let mut out = vec![
        (
            format!("{definition}/version.json"),
            Json::object([
                (
                    "$schema",
                    Json::str(format!("{SCHEMAS}/versionMetadata/1.0.0/schema.json")),
                ),
                ("version", Json::str("2.0.0")),
            ])
            .pretty(),
        ),
        (
            format!("{definition}/report.json"),
            Json::object([
                (
                    "$schema",
                    Json::str(format!("{SCHEMAS}/report/3.3.0/schema.json")),
                ),
                (
                    "themeCollection",
                    Json::object([(
                        "customTheme",
                        Json::object([
                            ("name", Json::str(THEME)),
                            (
                                "reportVersionAtImport",
                                Json::object([
                                    ("visual", Json::str("2.9.0")),
                                    ("page", Json::str("2.1.0")),
                                    ("report", Json::str("3.3.0")),
                                ]),
                            ),
                            ("type", Json::str("RegisteredResources")),
                        ]),
                    )]),
                ),
                (
                    "resourcePackages",
                    Json::Array(vec![Json::object([
                        ("name", Json::str("RegisteredResources")),
                        ("type", Json::str("RegisteredResources")),
                        (
                            "items",
                            Json::Array(vec![Json::object([
                                ("name", Json::str(THEME)),
                                ("path", Json::str(THEME)),
                                ("type", Json::str("CustomTheme")),
                            ])]),
                        ),
                    ])]),
                ),
                (
                    "settings",
                    Json::object([
                        ("useStylableVisualContainerHeader", Json::Bool(true)),
                        ("defaultDrillFilterOtherVisuals", Json::Bool(true)),
                        ("allowChangeFilterTypes", Json::Bool(true)),
                        ("useEnhancedTooltips", Json::Bool(true)),
                    ]),
                ),
            ])
            .pretty(),
        ),
        (
            format!("{report}/StaticResources/RegisteredResources/{THEME}"),
            theme().pretty(),
        ),
    ];
    let pages = pages();
    let ids: Vec<String> = pages.iter().map(|p| hex_name(p.slug)).collect();
    out.push((
        format!("{definition}/pages/pages.json"),
        Json::object([
            (
                "$schema",
                Json::str(format!("{SCHEMAS}/pagesMetadata/1.1.0/schema.json")),
            ),
            (
                "pageOrder",
                Json::Array(ids.iter().map(|i| Json::str(i.as_str())).collect()),
            ),
            ("activePageName", Json::str(ids[0].as_str())),
        ])
        .pretty(),
    ));
    for (page, id) in pages.iter().zip(&ids) {
        let folder = format!("{definition}/pages/{id}");
        out.push((format!("{folder}/page.json"), page_json(id, page).pretty()));
        let slicers = if page.slicers {
            slicer_row()
        } else {
            Vec::new()
        };
        for (i, (position, visual)) in slicers.iter().chain(&page.visuals).enumerate() {
            let name = hex_name(&format!("{}/{i}", page.slug));
            out.push((
                format!("{folder}/visuals/{name}/visual.json"),
                visual_json(&name, *position, (i as i64 + 1) * 1000, visual).pretty(),
            ));
        }
    }
    out
}

/// Every field the report's visuals name, for the checks.
#[cfg(test)]
pub(crate) fn fields() -> Vec<Field> {
    let mut out: Vec<Field> = SLICERS.iter().map(|s| s.2).collect();
    for page in pages() {
        out.extend(page.drillthrough);
        for (_, v) in &page.visuals {
            out.extend(v.fields());
        }
    }
    out
}
