//! Charts as SVG text, drawn with plotters from chart view models: pure
//! functions, natively tested. Colours are the Okabe–Ito palette (safe for
//! the common colour-vision deficiencies); every chart has a title and axis
//! labels, and each mark carries a `<title>` tooltip added after drawing.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters_backend::{BackendColor, BackendCoord, DrawingErrorKind};

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

/// Advance widths of the printable ASCII characters (space to `~`) in a
/// Helvetica/Arial-like sans-serif, in thousandths of an em (the standard
/// Adobe core-font metrics).
const SANS_WIDTHS: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278,
    278, // ' '..'/'
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584,
    556, // '0'..'?'
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722,
    778, // '@'..'O'
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469,
    556, // 'P'..'_'
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556,
    556, // '`'..'o'
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // 'p'..'~'
];

/// The size of `text` at `size` px in the sans-serif the charts use, as the
/// browser would lay it out (width from the font metrics, height one normal
/// line). Plotters' own estimate on wasm32 measures a `<span>` in the page,
/// which forces a layout of the document per label.
fn text_size(text: &str, size: f64) -> (u32, u32) {
    let thousandths: u32 = text
        .chars()
        .map(|c| match c as u32 {
            code @ 32..=126 => u32::from(SANS_WIDTHS[(code - 32) as usize]),
            _ => 556,
        })
        .sum();
    (
        (f64::from(thousandths) * size / 1000.0).round() as u32,
        (size * 1.15).round() as u32,
    )
}

/// plotters' SVG backend with [`text_size`] as its text measure, so that a
/// chart is drawn without touching the page, and identically natively and
/// in the browser.
struct Svg<'a>(SVGBackend<'a>);

impl<'a> Svg<'a> {
    fn new(svg: &'a mut String, size: (u32, u32)) -> DrawingArea<Self, plotters::coord::Shift> {
        Self(SVGBackend::with_string(svg, size)).into_drawing_area()
    }
}

type SvgResult = Result<(), DrawingErrorKind<std::io::Error>>;

impl DrawingBackend for Svg<'_> {
    type ErrorType = std::io::Error;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }

    fn ensure_prepared(&mut self) -> SvgResult {
        self.0.ensure_prepared()
    }

    fn present(&mut self) -> SvgResult {
        self.0.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> SvgResult {
        self.0.draw_pixel(point, color)
    }

    fn draw_line<S: plotters_backend::BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> SvgResult {
        self.0.draw_line(from, to, style)
    }

    fn draw_rect<S: plotters_backend::BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> SvgResult {
        self.0.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: plotters_backend::BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> SvgResult {
        self.0.draw_path(path, style)
    }

    fn draw_circle<S: plotters_backend::BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> SvgResult {
        self.0.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: plotters_backend::BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vertices: I,
        style: &S,
    ) -> SvgResult {
        self.0.fill_polygon(vertices, style)
    }

    fn draw_text<S: plotters_backend::BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> SvgResult {
        self.0.draw_text(text, style, pos)
    }

    fn estimate_text_size<S: plotters_backend::BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        Ok(text_size(text, style.size()))
    }
}

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
        let root = Svg::new(&mut svg, (WIDTH, height));
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
        let root = Svg::new(&mut svg, (WIDTH, 320));
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
        let mut legend = Vec::with_capacity(series.len());
        for (k, (name, values)) in series.iter().enumerate() {
            let color = PALETTE[k % PALETTE.len()];
            // A NaN is a gap (a rate with no denominator): each run of
            // values between gaps is its own line, a lone value a dot.
            let points: Vec<(usize, f64)> = values.iter().copied().enumerate().collect();
            for run in points.split(|p| p.1.is_nan()).filter(|r| !r.is_empty()) {
                if run.len() == 1 {
                    let _ =
                        chart.draw_series(std::iter::once(Circle::new(run[0], 2, color.filled())));
                } else {
                    let _ = chart
                        .draw_series(LineSeries::new(run.iter().copied(), color.stroke_width(2)));
                }
            }
            legend.push((name.as_str(), color));
        }
        draw_legend(&chart.plotting_area().strip_coord_spec(), &legend);
        let _ = root.present();
    }
    svg
}

/// The series legend in the upper left of `area`, laid out as plotters'
/// `configure_series_labels` does (12 px labels 1.25 lines apart, a 10 px
/// margin, a 30 px swatch column) but measured with [`text_size`]: plotters
/// measures legend lines with its font backend, in the page on wasm32.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    series: &[(&str, RGBColor)],
) {
    if series.is_empty() {
        return;
    }
    let (size, margin, swatch, corner) = (12.0_f64, 10, 30, 5);
    let line = (size * 1.25).round() as i32;
    let text_height = text_size("", size).1 as i32;
    let widest = series
        .iter()
        .map(|(name, _)| text_size(name, size).0 as i32)
        .max()
        .unwrap_or(0);
    let right = corner + widest + swatch + 2 * margin;
    let bottom = corner + (series.len() as i32 - 1) * line + text_height + 2 * margin;
    let frame = [(corner, corner), (right, bottom)];
    let _ = area.draw(&Rectangle::new(frame, WHITE.mix(0.85).filled()));
    let _ = area.draw(&Rectangle::new(frame, BLACK.mix(0.3)));
    for (i, (name, color)) in series.iter().enumerate() {
        let top = corner + margin + i as i32 * line;
        let _ = area.draw(&Text::new(
            name.to_string(),
            (corner + margin + swatch, top),
            ("sans-serif", size).into_font(),
        ));
        let middle = top + text_height / 2;
        let _ = area.draw(&PathElement::new(
            [(corner + margin, middle), (corner + margin + 16, middle)],
            color.stroke_width(3),
        ));
    }
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
        let root = Svg::new(&mut svg, (WIDTH, height));
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
            &[("0-17".into(), 10.0, 12.0), ("18-44".into(), 20.0, 18.0)],
            Some("18-44"),
            None,
        );
        // Bars are female then male per band, so 18-44 male is mark 3.
        assert!(svg.contains("data-bar=\"3\"><title>18-44, male: 18</title>"));
        assert!(svg.contains("opacity=\"0.3\""), "unchosen bands fade");
    }
}
