//! Charts as SVG text, drawn with plotters from chart view models: pure
//! functions, natively tested. Colours are the Okabe–Ito palette (safe for
//! the common colour-vision deficiencies); every chart has a title and axis
//! labels, and each mark carries a `<title>` tooltip added after drawing.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

/// Okabe–Ito colours.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(240, 228, 66),
    RGBColor(0, 0, 0),
];

const WIDTH: u32 = 560;

fn shorten(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_string()
    } else {
        format!("{}…", label.chars().take(max - 1).collect::<String>())
    }
}

/// A y-axis tick: whole numbers once the axis spans more than a few units.
fn tick(value: f64, max: f64) -> String {
    if max >= 5.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Adds a `<title>` tooltip and a `data-bar` index (for click filtering) to
/// the `n`-th `<rect>` drawn after the plot area (plotters writes marks in
/// drawing order).
fn add_tooltips(svg: String, tooltips: &[String], skip: usize) -> String {
    let mut out = String::with_capacity(svg.len() + tooltips.len() * 40);
    let mut rest = svg.as_str();
    let mut index = 0usize;
    while let Some(at) = rest.find("<rect") {
        let Some(end) = rest[at..].find("/>") else {
            break;
        };
        let end = at + end;
        out.push_str(&rest[..end]);
        if index >= skip && index - skip < tooltips.len() {
            out.push_str(&format!(
                " class=\"mark\" data-bar=\"{}\"><title>",
                index - skip
            ));
            out.push_str(&escape(&tooltips[index - skip]));
            out.push_str("</title></rect>");
        } else {
            out.push_str("/>");
        }
        rest = &rest[end + 2..];
        index += 1;
    }
    out.push_str(rest);
    out
}

/// A horizontal bar chart (largest first): `bars` are (label, value).
pub fn bar_chart(
    title: &str,
    value_label: &str,
    bars: &[(String, f64)],
    format: fn(f64) -> String,
    selected: Option<&str>,
) -> String {
    let height = 80 + 24 * bars.len().max(4) as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let max = bars.iter().map(|b| b.1).fold(0.0, f64::max).max(1e-9) * 1.08;
        let labels: Vec<String> = bars.iter().map(|b| shorten(&b.0, 34)).collect();
        let count = bars.len().max(1) as i32;
        let chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(8)
            .x_label_area_size(34)
            .y_label_area_size(210)
            .build_cartesian_2d(0f64..max, (0..count).into_segmented());
        let Ok(mut chart) = chart else {
            return svg_error(title);
        };
        let _ = chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc(value_label)
            .x_labels(5)
            .x_label_formatter(&|v| format(*v))
            .y_labels(bars.len().max(1))
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => labels
                    .get((count - 1 - i) as usize)
                    .cloned()
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .draw();
        let _ = chart.draw_series(bars.iter().enumerate().map(|(i, (_, value))| {
            let row = count - 1 - i as i32;
            Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(row)),
                    (*value, SegmentValue::Exact(row + 1)),
                ],
                if selected == Some(bars[i].0.as_str()) {
                    PALETTE[5].filled()
                } else {
                    PALETTE[0].mix(0.85).filled()
                },
            )
        }));
        let _ = root.present();
    }
    let tooltips: Vec<String> = bars
        .iter()
        .map(|(l, v)| format!("{l}: {}", format(*v)))
        .collect();
    let rects_before_bars = svg.matches("<rect").count() - bars.len();
    add_tooltips(svg, &tooltips, rects_before_bars)
}

/// Lines over categories (months): `series` are (name, one value per x label).
pub fn line_chart(
    title: &str,
    value_label: &str,
    x_labels: &[String],
    series: &[(String, Vec<f64>)],
) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 320)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let max = series
            .iter()
            .flat_map(|s| s.1.iter().copied())
            .fold(0.0, f64::max)
            .max(1e-9)
            * 1.1;
        let n = x_labels.len().max(2);
        let chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(8)
            .x_label_area_size(34)
            .y_label_area_size(50)
            .build_cartesian_2d(0..(n - 1), 0f64..max);
        let Ok(mut chart) = chart else {
            return svg_error(title);
        };
        let _ = chart
            .configure_mesh()
            .x_labels(5)
            .x_label_formatter(&|i| x_labels.get(*i).cloned().unwrap_or_default())
            .y_label_formatter(&|v| tick(*v, max))
            .y_desc(value_label)
            .draw();
        for (k, (name, values)) in series.iter().enumerate() {
            let color = PALETTE[k % PALETTE.len()];
            if let Ok(drawn) = chart.draw_series(LineSeries::new(
                values.iter().copied().enumerate(),
                color.stroke_width(2),
            )) {
                drawn.label(name.as_str()).legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 16, y)], color.stroke_width(3))
                });
            }
        }
        let _ = chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .position(SeriesLabelPosition::UpperLeft)
            .draw();
        let _ = root.present();
    }
    svg
}

/// A population pyramid: `rows` are (age band, female, male), youngest first.
/// Bars outside the chosen `band` and `gender` (`F`/`M`) are faded.
pub fn pyramid(
    title: &str,
    rows: &[(String, f64, f64)],
    band: Option<&str>,
    gender: Option<&str>,
) -> String {
    let style = |row: &str, sex: &str, color: RGBColor| {
        let on = band.is_none_or(|b| b == row) && gender.is_none_or(|g| g == sex);
        if on {
            color.filled()
        } else {
            color.mix(0.3).filled()
        }
    };
    let height = 80 + 30 * rows.len().max(3) as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let max = rows
            .iter()
            .map(|r| r.1.max(r.2))
            .fold(0.0, f64::max)
            .max(1e-9)
            * 1.1;
        let count = rows.len().max(1) as i32;
        let chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(8)
            .x_label_area_size(34)
            .y_label_area_size(60)
            .build_cartesian_2d(-max..max, (0..count).into_segmented());
        let Ok(mut chart) = chart else {
            return svg_error(title);
        };
        let _ = chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc("patients (female ◀ ▶ male)")
            .x_labels(5)
            .x_label_formatter(&|v| format!("{:.0}", v.abs()))
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => rows
                    .get(*i as usize)
                    .map(|r| r.0.clone())
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .draw();
        let _ = chart.draw_series(
            rows.iter()
                .enumerate()
                .flat_map(|(i, (name, female, male))| {
                    let row = i as i32;
                    [
                        Rectangle::new(
                            [
                                (-female, SegmentValue::Exact(row)),
                                (0.0, SegmentValue::Exact(row + 1)),
                            ],
                            style(name, "F", PALETTE[3]),
                        ),
                        Rectangle::new(
                            [
                                (0.0, SegmentValue::Exact(row)),
                                (*male, SegmentValue::Exact(row + 1)),
                            ],
                            style(name, "M", PALETTE[2]),
                        ),
                    ]
                }),
        );
        let _ = root.present();
    }
    let tooltips: Vec<String> = rows
        .iter()
        .flat_map(|(band, female, male)| {
            [
                format!("{band}, female: {female:.0}"),
                format!("{band}, male: {male:.0}"),
            ]
        })
        .collect();
    let skip = svg.matches("<rect").count() - tooltips.len();
    add_tooltips(svg, &tooltips, skip)
}

fn svg_error(title: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"40\"><text x=\"8\" y=\"24\">{}: no data</text></svg>",
        escape(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::format_count;

    #[test]
    fn a_bar_chart_has_title_axis_label_bars_and_tooltips() {
        let bars = vec![
            ("Hypertension".to_string(), 120.0),
            ("Prediabetes & more <x>".to_string(), 80.0),
        ];
        let svg = bar_chart(
            "Top conditions",
            "patients",
            &bars,
            format_count,
            Some("Hypertension"),
        );
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("Top conditions"));
        assert!(svg.contains("patients"));
        assert!(svg.contains("data-bar=\"0\"><title>Hypertension: 120</title>"));
        assert!(svg.contains("data-bar=\"1\"><title>Prediabetes"));
        // The chosen bar is drawn in the highlight colour (vermillion).
        assert!(svg.contains("#D55E00") || svg.contains("rgb(213,94,0)"));
        assert!(svg.contains("<title>Prediabetes &amp; more &lt;x&gt;: 80</title>"));
    }

    #[test]
    fn lines_and_pyramids_render() {
        let months = vec![
            "2024-01".to_string(),
            "2024-02".to_string(),
            "2024-03".to_string(),
        ];
        let svg = line_chart(
            "Encounters by month",
            "encounters",
            &months,
            &[("wellness".into(), vec![1.0, 3.0, 2.0])],
        );
        assert!(
            svg.contains("Encounters by month")
                && svg.contains("wellness")
                && svg.contains("<polyline")
        );
        let svg = pyramid(
            "Age and sex",
            &[("0-17".into(), 10.0, 12.0), ("18-34".into(), 20.0, 18.0)],
            Some("18-34"),
            None,
        );
        // Bars are female then male per band, so 18-34 male is mark 3.
        assert!(svg.contains("data-bar=\"3\"><title>18-34, male: 18</title>"));
        assert!(svg.contains("opacity=\"0.3\""), "unchosen bands fade");
    }
}
