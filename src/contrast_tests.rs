//! style/main.css keeps WCAG AA contrast in both colour schemes: every text
//! colour has 4.5:1 against the page and the panels, the focus ring 3:1.

const CSS: &str = include_str!("../style/main.css");

/// The `--name: #rrggbb;` variables of the first `:root { … }` block after
/// `from` in the stylesheet.
fn variables(from: usize) -> Vec<(String, String)> {
    let start = from + CSS[from..].find(":root {").expect(":root block");
    let end = start + CSS[start..].find('}').expect("end of :root");
    CSS[start..end]
        .lines()
        .filter_map(|line| {
            let (name, value) = line.trim().strip_prefix("--")?.split_once(':')?;
            let value = value.trim().trim_end_matches(';');
            value
                .starts_with('#')
                .then(|| (name.to_string(), value.to_string()))
        })
        .collect()
}

fn luminance(hex: &str) -> f64 {
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(&hex[1 + 2 * i..3 + 2 * i], 16).unwrap()) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2)
}

fn contrast(a: &str, b: &str) -> f64 {
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

#[test]
fn text_colours_meet_wcag_aa_in_light_and_dark_mode() {
    let light = variables(0);
    let dark_at = CSS
        .find("prefers-color-scheme: dark")
        .expect("a dark scheme");
    let mut dark = light.clone();
    for (name, value) in variables(dark_at) {
        match dark.iter_mut().find(|(n, _)| *n == name) {
            Some(entry) => entry.1 = value,
            None => dark.push((name, value)),
        }
    }
    let text = [
        "fg",
        "muted",
        "accent",
        "error-text",
        "warning-text",
        "info-text",
        "condition-text",
        "procedure-text",
        "medication-text",
    ];
    let mut failures = Vec::new();
    for (scheme, vars) in [("light", &light), ("dark", &dark)] {
        let get = |name: &str| {
            vars.iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
                .unwrap_or_else(|| panic!("--{name} in {scheme}"))
        };
        for background in ["bg", "panel"] {
            for name in text {
                let ratio = contrast(get(name), get(background));
                if ratio < 4.5 {
                    failures.push(format!(
                        "{scheme}: --{name} on --{background} is {ratio:.2}:1"
                    ));
                }
            }
            let ratio = contrast(get("focus"), get(background));
            if ratio < 3.0 {
                failures.push(format!(
                    "{scheme}: --focus on --{background} is {ratio:.2}:1"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
