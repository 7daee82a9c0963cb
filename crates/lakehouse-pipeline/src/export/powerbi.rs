//! A Power BI Project (PBIP) with a TMDL semantic model over the star and
//! gold Parquet files: every table with one import partition whose Power
//! Query M reads `DataFolder & "\<table>.parquet"` and types each column;
//! relationships from every fact to its dimensions (single direction,
//! many-to-one; role-playing keys inactive); `dim_date` marked as the date
//! table; DAX measures in display folders; column descriptions from
//! `docs/schema.md` (compiled in, so the model and the document agree).
//! Files are UTF-8 without BOM, tab-indented TMDL, deterministic.

use std::collections::BTreeMap;

use arrow_schema::{DataType, SchemaRef};

pub(crate) mod report;

pub use report::{Field, SLICERS};

use super::ids::stable_uuid;
use super::json::Json;
use super::parquet;
use crate::error::{Error, Result};
use crate::silver::{self, ForeignKey, Role};
use crate::{Lakehouse, OutputFile};

const SCHEMA_DOC: &str = include_str!("../../../../docs/schema.md");
const SCHEMAS: &str = "https://developer.microsoft.com/json-schemas/fabric";

/// Table and column descriptions from `docs/schema.md`.
#[derive(Default)]
pub struct Descriptions {
    tables: BTreeMap<String, String>,
    columns: BTreeMap<(String, String), String>,
}

impl Descriptions {
    /// Parses the schema document: `### \`table\``, a sentence, a column table.
    pub fn parse(text: &str) -> Self {
        let mut out = Self::default();
        let mut table: Option<String> = None;
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("### `") {
                table = rest.split('`').next().map(str::to_string);
                continue;
            }
            let Some(t) = &table else { continue };
            if let Some(row) = line.strip_prefix("| `") {
                let cells: Vec<&str> = row.split(" | ").collect();
                if cells.len() >= 3 {
                    let column = cells[0].trim_end_matches('`').to_string();
                    out.columns
                        .insert((t.clone(), column), cells[2].trim().to_string());
                }
            } else if !line.trim().is_empty()
                && !line.starts_with('|')
                && !out.tables.contains_key(t)
            {
                out.tables.insert(t.clone(), line.trim().to_string());
            }
        }
        out
    }

    fn table(&self, table: &str) -> Option<&str> {
        self.tables.get(table).map(String::as_str)
    }

    fn column(&self, table: &str, column: &str) -> Option<&str> {
        self.columns
            .get(&(table.to_string(), column.to_string()))
            .map(String::as_str)
    }
}

/// A TMDL object name, quoted when it holds anything but word characters.
fn name(text: &str) -> String {
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "''"))
    }
}

/// `///` description lines at `indent` tabs (descriptions are one line).
fn describe(out: &mut String, indent: usize, text: Option<&str>) {
    if let Some(text) = text.filter(|t| !t.is_empty()) {
        out.push_str(&"\t".repeat(indent));
        out.push_str("/// ");
        out.push_str(&text.replace(['\n', '\r'], " "));
        out.push('\n');
    }
}

fn is_money(column: &str, data_type: &DataType) -> bool {
    matches!(data_type, DataType::Float64)
        && [
            "cost",
            "coverage",
            "pocket",
            "expenses",
            "income",
            "amount",
            "payment",
            "paid",
            "outstanding",
        ]
        .iter()
        .any(|w| column.contains(w))
        && !["pct", "rate", "avg_"].iter().any(|w| column.contains(w))
}

/// (TMDL dataType, M type) of a column.
fn types(column: &str, data_type: &DataType) -> (&'static str, &'static str) {
    match data_type {
        DataType::Int64 | DataType::Int32 => ("int64", "Int64.Type"),
        DataType::Float64 if is_money(column, data_type) => ("decimal", "Currency.Type"),
        DataType::Float64 => ("double", "type number"),
        DataType::Boolean => ("boolean", "type logical"),
        DataType::Date32 => ("dateTime", "type date"),
        DataType::Timestamp(_, _) => ("dateTime", "type datetime"),
        _ => ("string", "type text"),
    }
}

/// A DAX measure.
pub struct Measure {
    /// Home table.
    pub table: &'static str,
    /// Name.
    pub name: &'static str,
    /// DAX.
    pub expression: &'static str,
    /// Format string.
    pub format: &'static str,
    /// Display folder.
    pub folder: &'static str,
    /// What it means.
    pub description: &'static str,
}

const fn measure(
    table: &'static str,
    name: &'static str,
    expression: &'static str,
    format: &'static str,
    folder: &'static str,
    description: &'static str,
) -> Measure {
    Measure {
        table,
        name,
        expression,
        format,
        folder,
        description,
    }
}

const COUNT: &str = "#,0";
const PERCENT: &str = "0.0%";
const MONEY: &str = "\\$#,0.00;(\\$#,0.00);\\$#,0.00";

/// The model's measures: the same definitions as `gold_kpis` (docs/schema.md).
pub const MEASURES: &[Measure] = &[
    measure(
        "fact_encounters",
        "Encounter Count",
        "COUNTROWS(fact_encounters)",
        COUNT,
        "Volume",
        "Encounters in the current filter context.",
    ),
    measure(
        "dim_patient",
        "Patient Count",
        "COUNTROWS(dim_patient)",
        COUNT,
        "Volume",
        "Patients in the current filter context (the population, as gold_kpis.patients).",
    ),
    measure(
        "fact_encounters",
        "Encounters per Patient",
        "DIVIDE([Encounter Count], DISTINCTCOUNT(fact_encounters[patient_key]))",
        "#,0.00",
        "Volume",
        "Encounters per patient seen.",
    ),
    measure(
        "fact_encounters",
        "Inpatient Admissions",
        "CALCULATE([Encounter Count], KEEPFILTERS(fact_encounters[is_stay_admission] = TRUE()))",
        COUNT,
        "Volume",
        "Inpatient stays by their admission; a transfer within a stay is not another admission (gold_kpis.inpatient_admissions).",
    ),
    measure(
        "fact_encounters",
        "ED Visits",
        "CALCULATE([Encounter Count], KEEPFILTERS(fact_encounters[encounter_class] = \"emergency\"))",
        COUNT,
        "Volume",
        "Emergency department encounters (gold_kpis.ed_visits).",
    ),
    measure(
        "fact_encounters",
        "Inpatient Discharges",
        "CALCULATE(COUNTROWS(fact_encounters), KEEPFILTERS(fact_encounters[is_stay_admission] = TRUE()), KEEPFILTERS(NOT(ISBLANK(fact_encounters[stay_discharge_date_key]))), USERELATIONSHIP(fact_encounters[stay_discharge_date_key], dim_date[date_key]))",
        COUNT,
        "Utilisation",
        "Inpatient stays (transfers chained) with a discharge (gold_kpis.inpatient_discharges; docs/metrics.md). Dates slice it by the discharge day, as gold_readmissions_monthly.",
    ),
    measure(
        "fact_encounters",
        "Inpatient Days",
        "CALCULATE(SUM(fact_encounters[stay_days]), USERELATIONSHIP(fact_encounters[stay_discharge_date_key], dim_date[date_key]))",
        COUNT,
        "Utilisation",
        "Calendar days from admission to discharge, a same-day stay 1 (gold_kpis.inpatient_days). Dates slice it by the discharge day, as gold_readmissions_monthly.",
    ),
    measure(
        "fact_encounters",
        "Average Length of Stay",
        "DIVIDE([Inpatient Days], [Inpatient Discharges])",
        "#,0.0",
        "Utilisation",
        "Inpatient days over discharges, per stay (gold_kpis.alos_days). Dates slice it by the discharge day, as gold_readmissions_monthly.",
    ),
    measure(
        "fact_encounters",
        "Index Stays",
        "CALCULATE(COUNTROWS(fact_encounters), KEEPFILTERS(fact_encounters[is_hedis_index_stay] = TRUE()), USERELATIONSHIP(fact_encounters[stay_discharge_date_key], dim_date[date_key]))",
        COUNT,
        "Readmissions",
        "HEDIS-style index stays: discharged alive, aged 18+, at least 30 days before as_of (gold_kpis.index_stays). Dates slice it by the discharge day, as gold_readmissions_monthly.",
    ),
    measure(
        "fact_encounters",
        "Readmissions 30d",
        "CALCULATE(COUNTROWS(fact_encounters), KEEPFILTERS(fact_encounters[hedis_readmitted_30d] = TRUE()), USERELATIONSHIP(fact_encounters[stay_discharge_date_key], dim_date[date_key]))",
        COUNT,
        "Readmissions",
        "Index stays followed by another stay of the patient 1 to 30 days after discharge (gold_kpis.readmissions_30d). Dates slice it by the discharge day, as gold_readmissions_monthly.",
    ),
    measure(
        "fact_encounters",
        "Readmission Rate 30d",
        "DIVIDE([Readmissions 30d], [Index Stays])",
        PERCENT,
        "Readmissions",
        "HEDIS-style 30-day readmission rate, unadjusted (gold_kpis.readmission_rate_30d). Dates slice it by the discharge day, as gold_readmissions_monthly.",
    ),
    measure(
        "fact_encounters",
        "Charted Readmission Rate 30d",
        concat!(
            "IF([Index Stays] >= ",
            crate::gold::few_index_stays!(),
            ", [Readmission Rate 30d])"
        ),
        PERCENT,
        "Readmissions",
        concat!(
            "Readmission Rate 30d where the period has at least ",
            crate::gold::few_index_stays!(),
            " index stays, blank below (a small cell, left out as the dashboard's chart leaves it out; docs/metrics.md). The monthly readmission visual plots it; the table beside it keeps every month's rate with its index stays."
        ),
    ),
    measure(
        "fact_encounters",
        "Crude Readmission Rate 30d",
        "DIVIDE(CALCULATE(COUNTROWS(fact_encounters), KEEPFILTERS(fact_encounters[readmitted_within_30d] = TRUE()), USERELATIONSHIP(fact_encounters[stop_date_key], dim_date[date_key])), CALCULATE(COUNTROWS(fact_encounters), KEEPFILTERS(fact_encounters[is_readmission_index] = TRUE()), KEEPFILTERS(NOT(ISBLANK(fact_encounters[stop_date_key]))), USERELATIONSHIP(fact_encounters[stop_date_key], dim_date[date_key])))",
        PERCENT,
        "Readmissions",
        "Every inpatient encounter with a stop, any inpatient encounter within 30 days; transfers count (gold_kpis.crude_readmission_rate_30d). Dates slice it by the stop day.",
    ),
    measure(
        "fact_encounters",
        "In-hospital Mortality %",
        "DIVIDE(CALCULATE(COUNTROWS(fact_encounters), KEEPFILTERS(fact_encounters[stay_died] = TRUE()), KEEPFILTERS(NOT(ISBLANK(fact_encounters[stay_discharge_date_key]))), USERELATIONSHIP(fact_encounters[stay_discharge_date_key], dim_date[date_key])), [Inpatient Discharges])",
        PERCENT,
        "Utilisation",
        "Discharged stays during which the patient died (gold_kpis.in_hospital_mortality_rate). Dates slice it by the discharge day, as gold_readmissions_monthly.",
    ),
    measure(
        "fact_member_months",
        "Member Months",
        "COUNTROWS(fact_member_months)",
        COUNT,
        "Payer",
        "Patient-months with coverage (gold_kpis.member_months; docs/metrics.md).",
    ),
    measure(
        "fact_medications",
        "Pharmacy Paid",
        "SUM(fact_medications[payer_coverage])",
        MONEY,
        "Payer",
        "Payer coverage of prescriptions (gold_kpis.pharmacy_paid).",
    ),
    measure(
        "fact_medications",
        "Pharmacy Allowed",
        "SUM(fact_medications[total_cost])",
        MONEY,
        "Payer",
        "Prescription costs (gold_kpis.pharmacy_allowed).",
    ),
    measure(
        "fact_member_months",
        "PMPM Paid",
        "DIVIDE([Payer Coverage] + [Pharmacy Paid], [Member Months])",
        MONEY,
        "Payer",
        "Medical and pharmacy paid per member month (gold_kpis.pmpm_paid).",
    ),
    measure(
        "fact_member_months",
        "PMPM Allowed",
        "DIVIDE([Total Claim Cost] + [Pharmacy Allowed], [Member Months])",
        MONEY,
        "Payer",
        "Medical and pharmacy allowed per member month (gold_kpis.pmpm_allowed).",
    ),
    measure(
        "fact_member_months",
        "Admits per 1000",
        "DIVIDE([Inpatient Admissions] * 12000, [Member Months])",
        "#,0.0",
        "Payer",
        "Inpatient admissions per 1,000 member-years (gold_kpis.admits_per_1000).",
    ),
    measure(
        "fact_member_months",
        "ED Visits per 1000",
        "DIVIDE([ED Visits] * 12000, [Member Months])",
        "#,0.0",
        "Payer",
        "Emergency visits per 1,000 member-years (gold_kpis.ed_per_1000).",
    ),
    measure(
        "fact_encounters",
        "Total Claim Cost",
        "SUM(fact_encounters[total_claim_cost])",
        MONEY,
        "Cost",
        "Sum of encounter claim costs.",
    ),
    measure(
        "fact_encounters",
        "Payer Coverage",
        "SUM(fact_encounters[payer_coverage])",
        MONEY,
        "Cost",
        "Sum paid by payers.",
    ),
    measure(
        "fact_encounters",
        "Coverage %",
        "DIVIDE([Payer Coverage], [Total Claim Cost])",
        PERCENT,
        "Cost",
        "Share of claim cost paid by payers (gold_kpis.payer_coverage_pct / 100).",
    ),
    measure(
        "fact_encounters",
        "Out of Pocket",
        "[Total Claim Cost] - [Payer Coverage]",
        MONEY,
        "Cost",
        "Claim cost not paid by payers.",
    ),
    measure(
        "fact_encounters",
        "Average Cost per Encounter",
        "DIVIDE([Total Claim Cost], [Encounter Count])",
        MONEY,
        "Cost",
        "Claim cost per encounter.",
    ),
    measure(
        "dim_patient",
        "Deceased Patients",
        "CALCULATE([Patient Count], KEEPFILTERS(dim_patient[is_deceased] = TRUE()))",
        COUNT,
        "Population",
        "Patients with a death date.",
    ),
    measure(
        "fact_conditions",
        "Condition Prevalence %",
        "DIVIDE([Patients with Condition], CALCULATE([Patient Count], REMOVEFILTERS(dim_diagnosis)))",
        PERCENT,
        "Population",
        "Patients with the selected conditions over all patients in context (as gold_top_conditions.prevalence_pct / 100).",
    ),
    measure(
        "fact_encounters",
        "YoY Encounters %",
        "VAR previous = CALCULATE([Encounter Count], SAMEPERIODLASTYEAR(dim_date[date])) RETURN DIVIDE([Encounter Count] - previous, previous)",
        PERCENT,
        "Time",
        "Change in encounters against the same period a year earlier.",
    ),
    measure(
        "fact_encounters",
        "Rolling 12-month Encounters",
        "CALCULATE([Encounter Count], DATESINPERIOD(dim_date[date], MAX(dim_date[date]), -12, MONTH))",
        COUNT,
        "Time",
        "Encounters in the 12 months up to the last date in context.",
    ),
    measure(
        "fact_conditions",
        "Patients with Condition",
        "DISTINCTCOUNT(fact_conditions[patient_key])",
        COUNT,
        "Population",
        "Patients with at least one of the conditions in context (gold_top_conditions.patients).",
    ),
    measure(
        "fact_procedures",
        "Procedure Count",
        "COUNTROWS(fact_procedures)",
        COUNT,
        "Volume",
        "Procedures performed (gold_top_procedures.procedures).",
    ),
    measure(
        "dq_results",
        "DQ Rows Checked",
        "SUM(dq_results[rows_checked])",
        COUNT,
        "Data quality",
        "Rows the data-quality rules in context looked at.",
    ),
    measure(
        "dq_results",
        "DQ Rows Failed",
        "SUM(dq_results[rows_failed])",
        COUNT,
        "Data quality",
        "Rows that failed the data-quality rules in context.",
    ),
];

/// Text columns that sort by another column (`table`, `column`, `by`);
/// `year_month` and `year_quarter` need none: their ISO text sorts in time
/// order.
pub const SORT_BY: &[(&str, &str, &str)] = &[
    ("dim_date", "month_name", "month"),
    ("dim_date", "day_name", "day_of_week"),
];

/// Whether a table is hidden in the model: the gold tables, which no
/// relationship connects to the dimensions' slicers (a gold figure next to
/// a slicer would silently ignore it); the measures on the star are the
/// way in to their figures. `dq_results` stays visible: it describes the
/// input, which no slicer is meant to filter.
pub fn is_hidden_table(table: &str) -> bool {
    table.starts_with("gold_")
}

/// The model's relationships: the star's foreign keys that a BI model
/// relates ([`silver::model_relationships`]) between tables of the model,
/// role-playing keys inactive.
pub fn relationships(tables: &[(&str, SchemaRef)]) -> Vec<&'static ForeignKey> {
    let present = |name: &str| tables.iter().any(|(n, _)| *n == name);
    silver::model_relationships()
        .filter(|k| present(k.table) && present(k.references))
        .collect()
}

fn table_tmdl(
    table: &str,
    schema: &SchemaRef,
    descriptions: &Descriptions,
    key_column: Option<&str>,
) -> String {
    let mut out = String::new();
    describe(&mut out, 0, descriptions.table(table));
    out.push_str(&format!("table {}\n", name(table)));
    if table == "dim_date" {
        out.push_str("\tdataCategory: Time\n");
    }
    if is_hidden_table(table) {
        out.push_str("\tisHidden\n");
    }
    for m in MEASURES.iter().filter(|m| m.table == table) {
        out.push('\n');
        describe(&mut out, 1, Some(m.description));
        out.push_str(&format!("\tmeasure {} = {}\n", name(m.name), m.expression));
        out.push_str(&format!("\t\tformatString: {}\n", m.format));
        out.push_str(&format!("\t\tdisplayFolder: {}\n", m.folder));
    }
    let mut typed = Vec::new();
    let mut zoned = Vec::new();
    for field in schema.fields() {
        let column = field.name().as_str();
        let (data_type, m_type) = types(column, field.data_type());
        out.push('\n');
        describe(&mut out, 1, descriptions.column(table, column));
        out.push_str(&format!("\tcolumn {}\n", name(column)));
        out.push_str(&format!("\t\tdataType: {data_type}\n"));
        let is_key = column.ends_with("_key");
        if is_key {
            out.push_str("\t\tisHidden\n");
        }
        if key_column == Some(column) {
            out.push_str("\t\tisKey\n");
        }
        if let Some((_, _, by)) = SORT_BY.iter().find(|(t, c, _)| *t == table && *c == column) {
            out.push_str(&format!("\t\tsortByColumn: {}\n", name(by)));
        }
        let format = match field.data_type() {
            DataType::Date32 => Some("yyyy-mm-dd"),
            DataType::Timestamp(_, _) => Some("yyyy-mm-dd hh:nn:ss"),
            _ if is_key => Some("0"),
            _ if data_type == "decimal" => Some(MONEY),
            _ => None,
        };
        if let Some(format) = format {
            out.push_str(&format!("\t\tformatString: {format}\n"));
        }
        let summarize = if matches!(field.data_type(), DataType::Float64)
            && !["pct", "rate", "avg", "lat", "lon"]
                .iter()
                .any(|w| column.contains(w))
        {
            "sum"
        } else {
            "none"
        };
        out.push_str(&format!("\t\tsummarizeBy: {summarize}\n"));
        out.push_str(&format!("\t\tsourceColumn: {column}\n"));
        if matches!(field.data_type(), DataType::Date32) {
            out.push_str("\n\t\tannotation UnderlyingDateTimeDataType = Date\n");
        }
        if matches!(field.data_type(), DataType::Timestamp(_, _)) {
            zoned.push(column);
        }
        typed.push(format!("{{\"{column}\", {m_type}}}"));
    }
    out.push_str(&format!(
        "\n\tpartition {} = m\n\t\tmode: import\n\t\tsource =\n",
        name(table)
    ));
    let body = "\t\t\t\t";
    out.push_str(&format!("{body}let\n"));
    out.push_str(&format!(
        "{body}    Source = Parquet.Document(File.Contents(DataFolder & \"\\{table}.parquet\")),\n"
    ));
    let mut previous = "Source";
    if !zoned.is_empty() {
        // UTC instants: drop the zone without shifting to local time.
        let steps: Vec<String> = zoned
            .iter()
            .map(|c| format!("{{\"{c}\", each if _ is datetimezone then DateTimeZone.RemoveZone(_) else _, type datetime}}"))
            .collect();
        out.push_str(&format!(
            "{body}    NoZone = Table.TransformColumns(Source, {{{}}}),\n",
            steps.join(", ")
        ));
        previous = "NoZone";
    }
    out.push_str(&format!(
        "{body}    Typed = Table.TransformColumnTypes({previous}, {{{}}})\n",
        typed.join(", ")
    ));
    out.push_str(&format!("{body}in\n{body}    Typed\n"));
    out
}

/// The M text literal of `text`: `"` doubled, `#(` written `#(#)(` (M's
/// escape for a literal `#`), and control characters as M escapes
/// (`#(cr)`, `#(lf)`, `#(tab)`, `#(000B)`), so a value can neither end the
/// literal nor break the one-line TMDL `expression` it sits in.
fn m_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\"\""),
            '#' if chars.peek() == Some(&'(') => out.push_str("#(#)"),
            '\r' => out.push_str("#(cr)"),
            '\n' => out.push_str("#(lf)"),
            '\t' => out.push_str("#(tab)"),
            c if c.is_control() => out.push_str(&format!("#({:04X})", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Checks that `name` can be the project's file and folder name on every
/// system Power BI Desktop runs on: one path component, no characters
/// Windows refuses, not empty or only dots, at most 100 characters (the
/// whole project path must stay under Windows' 260).
pub fn check_project_name(name: &str) -> Result<()> {
    let reason = if name.trim().is_empty() {
        Some("it is empty")
    } else if name.chars().all(|c| c == '.') {
        Some("it is only dots")
    } else if name.contains(['/', '\\']) {
        Some("it holds a path separator: it must be a name, not a path")
    } else if name
        .chars()
        .any(|c| c.is_control() || "<>:\"|?*".contains(c))
    {
        Some(
            "it holds a character Windows does not allow in file names (< > : \" | ? * or a control character)",
        )
    } else if name.ends_with(['.', ' ']) {
        Some("it ends with a dot or a space, which Windows drops")
    } else if name.chars().count() > 100 {
        Some("it is longer than 100 characters")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Error::ProjectName {
            name: name.to_string(),
            reason: reason.to_string(),
        }),
        None => Ok(()),
    }
}

/// The PBIP project `name` over the lakehouse's silver and gold tables, with
/// the `DataFolder` parameter set to `data_folder` (where the user will
/// unzip the project, plus `\data`). Paths are relative to the project root.
///
/// Long because it lists the project's files in the order a reader of the
/// PBIP format expects them (`.pbip`, `.platform`s, `definition.pbism`,
/// `definition.pbir`, the TMDL files, the data); each file's content comes
/// from a helper.
pub fn project(lakehouse: &Lakehouse, project: &str, data_folder: &str) -> Result<Vec<OutputFile>> {
    check_project_name(project)?;
    let descriptions = Descriptions::parse(SCHEMA_DOC);
    let tables: Vec<_> = lakehouse
        .tables()
        .into_iter()
        .filter(|t| t.layer != "bronze")
        .collect();
    let schemas: Vec<(&str, SchemaRef)> =
        tables.iter().map(|t| (t.name, t.schema.clone())).collect();
    let model = format!("{project}.SemanticModel");
    let report = format!("{project}.Report");
    let mut files = Vec::new();
    let mut add = |path: String, text: String| {
        files.push(OutputFile {
            path,
            bytes: text.into_bytes(),
        })
    };
    let json = |value: Json| value.pretty();
    add(
        format!("{project}.pbip"),
        json(Json::object([
            (
                "$schema",
                Json::str(format!("{SCHEMAS}/pbip/pbipProperties/1.0.0/schema.json")),
            ),
            ("version", Json::str("1.0")),
            (
                "artifacts",
                Json::Array(vec![Json::object([(
                    "report",
                    Json::object([("path", Json::str(report.as_str()))]),
                )])]),
            ),
            (
                "settings",
                Json::object([("enableAutoRecovery", Json::Bool(true))]),
            ),
        ])),
    );
    let platform = |kind: &str| {
        json(Json::object([
            (
                "$schema",
                Json::str(format!(
                    "{SCHEMAS}/gitIntegration/platformProperties/2.0.0/schema.json"
                )),
            ),
            (
                "metadata",
                Json::object([
                    ("type", Json::str(kind)),
                    ("displayName", Json::str(project)),
                ]),
            ),
            (
                "config",
                Json::object([
                    ("version", Json::str("2.0")),
                    (
                        "logicalId",
                        Json::str(stable_uuid(&format!("{project}/{kind}"))),
                    ),
                ]),
            ),
        ]))
    };
    add(format!("{model}/.platform"), platform("SemanticModel"));
    add(format!("{report}/.platform"), platform("Report"));
    add(
        format!("{model}/definition.pbism"),
        json(Json::object([
            (
                "$schema",
                Json::str(format!(
                    "{SCHEMAS}/item/semanticModel/definitionProperties/1.0.0/schema.json"
                )),
            ),
            ("version", Json::str("4.0")),
            ("settings", Json::object::<String>([])),
        ])),
    );
    add(
        format!("{report}/definition.pbir"),
        json(Json::object([
            (
                "$schema",
                Json::str(format!(
                    "{SCHEMAS}/item/report/definitionProperties/2.0.0/schema.json"
                )),
            ),
            ("version", Json::str("4.0")),
            (
                "datasetReference",
                Json::object([(
                    "byPath",
                    Json::object([("path", Json::str(format!("../{model}")))]),
                )]),
            ),
        ])),
    );
    for (path, text) in report::files(&report) {
        add(path, text);
    }
    let definition = format!("{model}/definition");
    add(
        format!("{definition}/database.tmdl"),
        "database\n\tcompatibilityLevel: 1600\n".into(),
    );
    let mut model_text = String::from(
        "model Model\n\tculture: en-US\n\tdefaultPowerBIDataSourceVersion: powerBI_V3\n\tdiscourageImplicitMeasures\n\tsourceQueryCulture: en-US\n\tdataAccessOptions\n\t\tlegacyRedirects\n\t\treturnErrorValuesAsNull\n\nannotation __PBI_TimeIntelligenceEnabled = 0\n\n",
    );
    for (table, _) in &schemas {
        model_text.push_str(&format!("ref table {}\n", name(table)));
    }
    add(format!("{definition}/model.tmdl"), model_text);
    add(
        format!("{definition}/expressions.tmdl"),
        format!(
            "/// The folder holding the Parquet files (where the project was unzipped, plus \\data).\nexpression DataFolder = {} meta [IsParameterQuery=true, Type=\"Text\", IsParameterQueryRequired=true]\n",
            m_string(data_folder)
        ),
    );
    let mut relationship_text = String::new();
    for r in relationships(&schemas) {
        let id = stable_uuid(&format!(
            "{}.{}->{}.{}",
            r.table, r.column, r.references, r.key
        ));
        relationship_text.push_str(&format!("relationship {id}\n"));
        if r.role == Role::RolePlaying {
            relationship_text.push_str("\tisActive: false\n");
        }
        relationship_text.push_str(&format!(
            "\tfromColumn: {}.{}\n\ttoColumn: {}.{}\n\n",
            name(r.table),
            name(r.column),
            name(r.references),
            name(r.key)
        ));
    }
    add(
        format!("{definition}/relationships.tmdl"),
        relationship_text,
    );
    for (table, schema) in &schemas {
        let key = if *table == "dim_date" {
            Some("date")
        } else if table.starts_with("dim_") {
            schema.fields().first().map(|f| f.name().as_str())
        } else {
            None
        };
        add(
            format!("{definition}/tables/{table}.tmdl"),
            table_tmdl(table, schema, &descriptions, key),
        );
    }
    add(
        "README.txt".into(),
        format!(
            "Synthea Lakehouse: Power BI project {project}\r\n\r\n\
             1. Unzip this folder so that the Parquet files are in:\r\n   {}\r\n\
             (Keep the path short: Windows limits project paths to 260 characters.)\r\n\
             2. Open {project}.pbip with Power BI Desktop (File > Open). On older\r\n\
             Desktop versions first enable Options > Preview features > Power BI\r\n\
             Project (.pbip) save option and Store semantic model using TMDL format.\r\n\
             3. The model opens without data: click Home > Refresh.\r\n\
             4. If the files are elsewhere: Transform data > Edit parameters >\r\n\
             DataFolder, then Apply changes.\r\n\r\n\
             Tables: the silver star schema (dim_*, fact_*) and the gold tables.\r\n\
             Relationships run from each fact to its dimensions; dim_date is the\r\n\
             date table (whole years); second date keys (stop, discharge,\r\n\
             service) are inactive, and the stay measures use the discharge day\r\n\
             through USERELATIONSHIP, as the gold tables do. Measures are in\r\n\
             display folders; the gold tables are hidden (no slicer reaches\r\n\
             them), the measures are the way in to their figures.\r\n\
             The report has eight pages: Overview, Providers & organizations,\r\n\
             Diagnoses & procedures, Demographics, Payers, Readmissions & length\r\n\
             of stay, Data quality, and a Patient detail drill-through page.\r\n",
            data_folder.replace(|c: char| c.is_control(), " ")
        ),
    );
    for table in &tables {
        files.push(OutputFile {
            path: format!("data/{}.parquet", table.name),
            bytes: parquet::write(table.schema.clone(), table.batches)?,
        });
    }
    Ok(files)
}
