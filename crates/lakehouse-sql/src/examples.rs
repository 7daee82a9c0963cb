//! The example queries the console offers and the CLI's `--example` runs:
//! one `.sql` file each in `queries/`, read by every target (the browser's
//! console, `lakehouse sql`, and the DuckDB parity check in
//! `tests/checks/sql_parity.py`).
//!
//! A file starts with `--` lines: the first is the title, the rest the
//! description.

/// One example query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Example {
    /// The file stem: a stable id (`--example ID`).
    pub id: &'static str,
    /// The whole file, header comments included (it runs as it is).
    pub sql: &'static str,
}

macro_rules! example {
    ($id:literal) => {
        Example {
            id: $id,
            sql: include_str!(concat!("../queries/", $id, ".sql")),
        }
    };
}

/// Every example, in the order the console lists them: the three metric
/// validations first.
pub const EXAMPLES: &[Example] = &[
    example!("kpis_from_the_star"),
    example!("readmissions_by_payer"),
    example!("pmpm_by_month"),
    example!("encounters_by_class_and_year"),
    example!("top_conditions"),
];

impl Example {
    /// The example called `id`.
    pub fn find(id: &str) -> Option<&'static Example> {
        EXAMPLES.iter().find(|e| e.id == id)
    }

    fn header(&self) -> impl Iterator<Item = &'static str> {
        self.sql
            .lines()
            .map_while(|line| line.strip_prefix("--"))
            .map(str::trim)
    }

    /// The first comment line.
    pub fn title(&self) -> &'static str {
        self.header().next().unwrap_or(self.id)
    }

    /// The comment lines after the title, joined.
    pub fn description(&self) -> String {
        self.header().skip(1).collect::<Vec<_>>().join(" ")
    }
}
