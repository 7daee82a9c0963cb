//! View-model helpers: number formatting for cards and tables. Plain
//! functions, natively tested (components hold no business logic).

/// `1234567` → `1,234,567`.
pub fn format_count(value: f64) -> String {
    group(&format!("{:.0}", value))
}

/// Member months as member-years (12 to a year): a whole number from 100
/// up, one decimal below it (9 member months are 0.8 member-years, not 1).
pub fn format_member_years(member_months: f64) -> String {
    let years = member_months / 12.0;
    if years.abs() >= 100.0 {
        format_count(years)
    } else {
        format!("{years:.1}")
    }
}

fn group(digits: &str) -> String {
    let (sign, digits) = digits.strip_prefix('-').map_or(("", digits), |d| ("-", d));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

/// Money, to the cent (gold sums exactly to the cent, docs/metrics.md):
/// `$1,234,567.89`.
pub fn format_money(value: f64) -> String {
    let text = format!("{:.2}", value.abs());
    let (whole, cents) = text.split_once('.').unwrap_or((&text, "00"));
    let sign = if value < 0.0 && text != "0.00" {
        "-"
    } else {
        ""
    };
    format!("{sign}${}.{cents}", group(whole))
}

/// A percentage (already × 100): `12.3 %`.
pub fn format_percent(value: f64) -> String {
    format!("{value:.1} %")
}

/// Days: `3.6 days`.
pub fn format_days(value: f64) -> String {
    format!("{value:.1} days")
}

/// Whether `id` is a saved lakehouse's id as the worker makes them
/// (`lh-` and digits, perhaps `x`s): a URL's value is used as a folder
/// name, so nothing else passes.
pub fn is_saved_id(id: &str) -> bool {
    id.strip_prefix("lh-").is_some_and(|rest| {
        let digits = rest.trim_end_matches('x');
        !digits.is_empty() && digits.len() <= 20 && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Where loaded files came from, for a saved lakehouse's source: one file
/// by its name (`export.zip`), several by their common folder
/// (`18 files from csv/`).
pub fn describe_source(paths: &[String]) -> String {
    match paths {
        [] => "no files".into(),
        [one] => one.rsplit('/').next().unwrap_or(one).to_string(),
        [first, ..] => {
            let folder = first.rsplit_once('/').map(|(f, _)| f).unwrap_or("");
            let common = !folder.is_empty()
                && paths
                    .iter()
                    .all(|p| p.rsplit_once('/').is_some_and(|(f, _)| f == folder));
            if common {
                let last = folder.rsplit('/').next().unwrap_or(folder);
                format!("{} files from {last}/", paths.len())
            } else {
                format!("{} files", paths.len())
            }
        }
    }
}

/// Bytes: `12.3 MB`.
pub fn format_bytes(bytes: u64) -> String {
    let value = bytes as f64;
    match bytes {
        0..=999 => format!("{bytes} B"),
        1_000..=999_999 => format!("{:.1} KB", value / 1e3),
        1_000_000..=999_999_999 => format!("{:.1} MB", value / 1e6),
        _ => format!("{:.2} GB", value / 1e9),
    }
}

/// Why a date range cannot be applied, or `None` when it can. `from` and
/// `to` are the chosen days (`YYYY-MM-DD`, either may be unset); the data
/// runs from `first` to `last` (unknown when `None`).
pub fn date_range_problem(
    from: Option<&str>,
    to: Option<&str>,
    first: Option<&str>,
    last: Option<&str>,
) -> Option<String> {
    // ISO days compare as text.
    if let (Some(first), Some(last)) = (first, last)
        && [from, to]
            .into_iter()
            .flatten()
            .any(|day| day < first || day > last)
    {
        return Some(format!(
            "The data runs from {first} to {last}: choose days in that range."
        ));
    }
    match (from, to) {
        (Some(from), Some(to)) if from > to => Some(format!(
            "The start date {from} is after the end date {to}: choose a start on or before the end."
        )),
        _ => None,
    }
}

/// The most demo patients the page generates (the CLI has no such limit).
pub const MAX_DEMO_PATIENTS: u64 = 100_000;

/// The demo size typed in the box, or why it cannot be used.
pub fn demo_size(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(n) if (1..=MAX_DEMO_PATIENTS).contains(&n) => Ok(n),
        _ => Err(format!(
            "Demo patients must be a whole number from 1 to {}; `{}` is not.",
            format_count(MAX_DEMO_PATIENTS as f64),
            text.trim()
        )),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_source_is_named_by_its_file_or_folder() {
        let paths = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            super::describe_source(&paths(&["a/b/export.zip"])),
            "export.zip"
        );
        assert_eq!(
            super::describe_source(&paths(&["x/csv/patients.csv", "x/csv/payers.csv"])),
            "2 files from csv/"
        );
        assert_eq!(
            super::describe_source(&paths(&["patients.csv", "payers.csv"])),
            "2 files"
        );
    }
    #[test]
    fn only_the_workers_ids_name_a_saved_lakehouse() {
        for good in ["lh-1764748800000", "lh-1764748800000x", "lh-1xx"] {
            assert!(super::is_saved_id(good), "{good}");
        }
        for bad in [
            "", "lh-", "lh-x", "lh-12/..", "../lh-1", "lh-1 2", "lh-1a", "LH-1",
        ] {
            assert!(!super::is_saved_id(bad), "{bad}");
        }
    }

    use super::*;

    #[test]
    fn member_years_keep_a_decimal_while_small() {
        assert_eq!(format_member_years(9.0), "0.8");
        assert_eq!(format_member_years(0.0), "0.0");
        assert_eq!(format_member_years(1_199.0), "99.9");
        assert_eq!(format_member_years(1_200.0), "100");
        assert_eq!(format_member_years(33_340.0), "2,778");
    }

    #[test]
    fn the_demo_size_keeps_to_its_bounds() {
        assert_eq!(demo_size(" 300 "), Ok(300));
        assert_eq!(demo_size("100000"), Ok(100_000));
        for bad in ["0", "100001", "-5", "12.5", "abc", ""] {
            let problem = demo_size(bad).unwrap_err();
            assert!(problem.contains("from 1 to 100,000"), "{bad}: {problem}");
        }
    }

    #[test]
    fn a_date_range_outside_the_data_or_backwards_is_refused_with_a_reason() {
        let (first, last) = (Some("2015-01-01"), Some("2024-12-31"));
        assert_eq!(date_range_problem(None, None, first, last), None);
        assert_eq!(
            date_range_problem(Some("2020-01-01"), Some("2020-12-31"), first, last),
            None
        );
        assert_eq!(
            date_range_problem(Some("2020-01-01"), Some("2020-01-01"), first, last),
            None
        );
        let outside = date_range_problem(Some("1999-01-01"), None, first, last).unwrap();
        assert!(outside.contains("2015-01-01 to 2024-12-31"), "{outside}");
        assert!(date_range_problem(None, Some("2030-01-01"), first, last).is_some());
        let backwards =
            date_range_problem(Some("2021-01-01"), Some("2020-01-01"), first, last).unwrap();
        assert!(backwards.contains("after the end date"), "{backwards}");
        // Without known bounds only the order is checked.
        assert_eq!(
            date_range_problem(Some("1900-01-01"), None, None, None),
            None
        );
    }

    #[test]
    fn numbers_are_formatted_for_people() {
        assert_eq!(format_count(0.0), "0");
        assert_eq!(format_count(1234567.0), "1,234,567");
        assert_eq!(format_count(-1234.0), "-1,234");
        assert_eq!(format_money(2259172.04), "$2,259,172.04");
        assert_eq!(format_money(1_259_553.5), "$1,259,553.50");
        assert_eq!(format_money(-1234.5), "-$1,234.50");
        assert_eq!(format_money(12.5), "$12.50");
        assert_eq!(format_percent(12.658), "12.7 %");
        assert_eq!(format_days(3.6316), "3.6 days");
        assert_eq!(format_bytes(3_576_671), "3.6 MB");
        assert_eq!(format_bytes(512), "512 B");
    }
}
