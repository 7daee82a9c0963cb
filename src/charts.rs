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

/// A chart's width in px on a wide screen, where it is drawn at its size or
/// a little smaller.
pub const WIDTH: u32 = 560;
/// A chart's width on a phone, about a 390 px phone's card: drawn at 560 px
/// and scaled into that card, its 11 px labels came out at about 6 px. At
/// this width they keep their size, with label areas, legends and year
/// ticks laid out for it.
pub const NARROW_WIDTH: u32 = 320;

/// A chart title's font size: 16 px, or smaller where the title would not
/// fit the chart's `width` (a long title on a phone).
fn title_size(title: &str, width: u32) -> f64 {
    let wide = f64::from(text_size(title, 16.0).0.max(1));
    (16.0 * f64::from(width.saturating_sub(16)) / wide).clamp(11.0, 16.0)
}

/// How many value ticks a horizontal value axis has room for: fewer on a
/// narrow chart, where five money labels ran into each other.
fn value_ticks(width: u32) -> usize {
    if width < WIDTH { 3 } else { 5 }
}

/// A length laid out for a chart `width` px wide: `wide` at [`WIDTH`],
/// in proportion below it.
fn scaled(wide: u32, width: u32) -> u32 {
    wide * width.min(WIDTH) / WIDTH
}

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
    selected: &[String],
    width: u32,
) -> String {
    if bars.is_empty() {
        return no_data(title, width);
    }
    let height = 80 + 24 * bars.len().max(4) as u32;
    let label_area = scaled(210, width);
    let mut svg = String::new();
    {
        let root = Svg::new(&mut svg, (width, height));
        let _ = root.fill(&WHITE);
        // Room to the right of the longest bar for its value label: a
        // quarter of the plot, or more where the label needs it.
        let largest = bars.iter().map(|b| b.1).fold(0.0, f64::max).max(1e-9);
        let plot = f64::from(width.saturating_sub(label_area + 16).max(1));
        let value_width = bars
            .iter()
            .map(|b| text_size(&format(b.1), 11.0).0)
            .max()
            .unwrap_or(0);
        let room = (plot / (plot - f64::from(value_width + 8)).max(plot / 3.0)).max(1.25);
        let max = largest * room;
        let labels: Vec<String> = bars
            .iter()
            .map(|b| shorten(&display_name(&b.0), scaled(34, width) as usize))
            .collect();
        let count = bars.len().max(1) as i32;
        let chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", title_size(title, width)))
            .margin(8)
            .x_label_area_size(34)
            .y_label_area_size(label_area)
            .build_cartesian_2d(0f64..max, (0..count).into_segmented());
        let Ok(mut chart) = chart else {
            return svg_error(title, width);
        };
        let _ = chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc(value_label)
            .x_labels(value_ticks(width))
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
            // A zero bar stays visible as a sliver.
            Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(row)),
                    (value.max(max * 0.004), SegmentValue::Exact(row + 1)),
                ],
                if selected.contains(&bars[i].0) {
                    PALETTE[5].filled()
                } else {
                    PALETTE[0].mix(0.85).filled()
                },
            )
        }));
        // Value labels at the end of each bar.
        let _ = chart.draw_series(bars.iter().enumerate().map(|(i, (_, value))| {
            let row = count - 1 - i as i32;
            Text::new(
                format(*value),
                (value.max(0.0) + max * 0.01, SegmentValue::CenterOf(row)),
                TextStyle::from(("sans-serif", 11).into_font()).pos(
                    plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Left,
                        plotters::style::text_anchor::VPos::Center,
                    ),
                ),
            )
        }));
        let _ = root.present();
    }
    let tooltips: Vec<String> = bars
        .iter()
        .map(|(l, v)| format!("{}: {}", display_name(l), format(*v)))
        .collect();
    let rects_before_bars = svg.matches("<rect").count() - bars.len();
    add_tooltips(svg, &tooltips, rects_before_bars)
}

/// The colour of an encounter class, the same in every chart, table and
/// legend whatever the filter: Synthea's classes each have one, the rarer
/// ones black, any other class grey. Yellow is left out: on white it is
/// too faint for a line.
pub fn class_colour(class: &str) -> RGBColor {
    match class {
        "ambulatory" => PALETTE[0],
        "wellness" => PALETTE[1],
        "outpatient" => PALETTE[2],
        "emergency" => PALETTE[3],
        "urgentcare" => PALETTE[4],
        "inpatient" => PALETTE[5],
        "home" | "hospice" | "snf" | "virtual" => PALETTE[7],
        _ => OTHER_COLOUR,
    }
}

/// The colour of everything else: a mid grey (4.5:1 on white).
pub const OTHER_COLOUR: RGBColor = RGBColor(117, 117, 117);

/// Line colours by position, yellow left out (see [`class_colour`]).
pub const LINE_COLOURS: [RGBColor; 7] = [
    PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[3], PALETTE[4], PALETTE[5], PALETTE[7],
];

/// The first day of a `YYYY-MM` month, in days since 1970-01-01.
fn month_day(month: &str) -> Option<i32> {
    lakehouse_pipeline::dates::parse_date(format!("{month}-01").as_bytes())
}

/// A year step for the axis ticks: at most about `most` labels.
fn year_step(years: i32, most: i32) -> i32 {
    [1, 2, 5, 10, 20, 25, 50, 100]
        .into_iter()
        .find(|step| years / step <= most)
        .unwrap_or(100)
}

/// One line of a line chart: its name, colour and one value per month (NaN
/// is a gap).
pub type Line = (String, RGBColor, Vec<f64>);

/// The calendar axis of consecutive `YYYY-MM` months: each month's first
/// day and the axis's ends (the first month's first day, the day after the
/// last month), in days since 1970-01-01; `None` for no or bad months.
fn month_axis(months: &[String]) -> Option<(Vec<i32>, f64, f64)> {
    let days: Vec<i32> = months.iter().filter_map(|m| month_day(m)).collect();
    if days.len() != months.len() || days.is_empty() {
        return None;
    }
    let last = days[days.len() - 1];
    let (y, m, _) = lakehouse_pipeline::dates::civil_from_days(last);
    let end = last + lakehouse_pipeline::dates::days_in_month(y, m) as i32;
    let first = f64::from(days[0]);
    Some((days, first, f64::from(end)))
}

/// The calendar axis of a monthly chart, or the SVG that stands in for it:
/// an error for bad months, "No data for this filter" for nothing to draw.
fn drawable(
    title: &str,
    months: &[String],
    series: &[Line],
    width: u32,
) -> Result<(Vec<i32>, f64, f64), String> {
    let axis = month_axis(months).ok_or_else(|| svg_error(title, width))?;
    if has_data(series) {
        Ok(axis)
    } else {
        Err(no_data(title, width))
    }
}

/// Whether any series has something to draw: a count series a non-zero
/// month, a rate series (one with NaN gaps) any value, since a zero rate
/// beside months without a denominator is a real 0 %.
fn has_data(series: &[Line]) -> bool {
    series.iter().any(|(_, _, values)| {
        if values.iter().any(|v| v.is_nan()) {
            values.iter().any(|v| v.is_finite())
        } else {
            values.iter().any(|v| *v != 0.0)
        }
    })
}

/// Year ticks on 1 January under a time axis from `first` to `last` (days),
/// at most about `most` labels: `x` maps a day to its pixel column, the
/// tick hangs from `baseline`. None on the closing edge, where its label
/// would be cut off.
fn draw_year_ticks<DB: DrawingBackend>(
    base: &DrawingArea<DB, plotters::coord::Shift>,
    x: impl Fn(f64) -> i32,
    (first, last): (f64, f64),
    baseline: i32,
    (most, size): (i32, f64),
) {
    let first_year = lakehouse_pipeline::dates::civil_from_days(first as i32).0;
    let last_year = lakehouse_pipeline::dates::civil_from_days(last as i32).0;
    let step = year_step(last_year - first_year + 1, most);
    for year in first_year..=last_year {
        let day = f64::from(lakehouse_pipeline::dates::days_from_civil(year, 1, 1));
        if year % step != 0 || day < first || day >= last {
            continue;
        }
        let x = x(day);
        let _ = base.draw(&PathElement::new(
            [(x, baseline), (x, baseline + 5)],
            BLACK.stroke_width(1),
        ));
        let _ = base.draw(&Text::new(
            year.to_string(),
            (x, baseline + 7),
            TextStyle::from(("sans-serif", size).into_font()).pos(
                plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Center,
                    plotters::style::text_anchor::VPos::Top,
                ),
            ),
        ));
    }
}

type TimeChart<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// A series over the month `days`: each run of values between NaN gaps is
/// its own line, a lone value a dot.
fn draw_runs<DB: DrawingBackend>(
    chart: &mut TimeChart<'_, DB>,
    days: &[i32],
    values: &[f64],
    color: RGBColor,
) {
    let points: Vec<(f64, f64)> = days
        .iter()
        .zip(values)
        .map(|(d, v)| (f64::from(*d), *v))
        .collect();
    for run in points.split(|p| p.1.is_nan()).filter(|r| !r.is_empty()) {
        if run.len() == 1 {
            let _ = chart.draw_series(std::iter::once(Circle::new(run[0], 2, color.filled())));
        } else {
            let _ = chart.draw_series(LineSeries::new(run.iter().copied(), color.stroke_width(2)));
        }
    }
}

/// A value as a tooltip shows it: a gap as "–".
fn shown(value: Option<f64>, format: fn(f64) -> String) -> String {
    match value {
        Some(v) if !v.is_nan() => format(v),
        _ => "–".to_string(),
    }
}

/// Lines over calendar months: `months` are consecutive `YYYY-MM`, and each
/// series has one value per month. The x axis is time: a month's width is
/// proportional to its days, ticks fall on 1 January (every year, or every
/// 2, 5, 10… years on a long range). A NaN is a gap (a rate without a
/// denominator): each run of values between gaps is its own line, a lone
/// value a dot. The legend sits above the plot, never over the data, and
/// each month has a hover strip whose tooltip lists every series' value.
pub fn line_chart(
    title: &str,
    value_label: &str,
    months: &[String],
    series: &[Line],
    format: fn(f64) -> String,
    width: u32,
) -> String {
    let (days, first, last) = match drawable(title, months, series, width) {
        Ok(axis) => axis,
        Err(svg) => return svg,
    };
    let legend_rows = legend_layout(series, width);
    let legend_height = if series.is_empty() {
        0
    } else {
        legend_rows.iter().map(|r| r.1).max().unwrap_or(0) as u32 * LEGEND_LINE as u32 + 8
    };
    let height = 280 + legend_height;
    let mut svg = String::new();
    {
        let base = Svg::new(&mut svg, (width, height));
        let _ = base.fill(&WHITE);
        let Ok(root) = base.titled(title, ("sans-serif", title_size(title, width))) else {
            return svg_error(title, width);
        };
        let (legend_area, plot_area) = root.split_vertically(legend_height);
        draw_legend(&legend_area, series, &legend_rows);
        let max = series
            .iter()
            .flat_map(|s| s.2.iter().copied())
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max)
            .max(1e-9)
            * 1.1;
        let chart = ChartBuilder::on(&plot_area)
            .margin(8)
            .x_label_area_size(34)
            .y_label_area_size(50)
            .build_cartesian_2d(first..last, 0f64..max);
        let Ok(mut chart) = chart else {
            return svg_error(title, width);
        };
        let _ = chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_label_formatter(&|v| tick(*v, max))
            .y_desc(value_label)
            .draw();
        let baseline = chart.backend_coord(&(first, 0.0)).1;
        draw_year_ticks(
            &base,
            |day| chart.backend_coord(&(day, 0.0)).0,
            (first, last),
            baseline,
            (scaled(8, width) as i32, 12.0),
        );
        // Hover strips first, so the lines draw over them.
        for (i, &day) in days.iter().enumerate() {
            let end = days.get(i + 1).map_or(last, |d| f64::from(*d));
            let _ = chart.draw_series(std::iter::once(Rectangle::new(
                [(f64::from(day), 0.0), (end, max)],
                // Nearly transparent: plotters skips a fully transparent rect.
                WHITE.mix(0.01).filled(),
            )));
        }
        for (_, color, values) in series {
            draw_runs(&mut chart, &days, values, *color);
        }
        let _ = base.present();
    }
    let tooltips: Vec<String> = months
        .iter()
        .enumerate()
        .map(|(i, month)| {
            let values: Vec<String> = series
                .iter()
                .map(|(name, _, values)| {
                    format!("{name} {}", shown(values.get(i).copied(), format))
                })
                .collect();
            format!("{month}: {}", values.join(", "))
        })
        .collect();
    let rects_before_strips = svg.matches("<rect").count() - months.len();
    add_tooltips(svg, &tooltips, rects_before_strips)
}

/// A y tick of a panel of counts: whole numbers only (a line at half an
/// encounter stays unlabelled).
fn panel_tick(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        String::new()
    }
}

/// Counts over calendar months as small multiples: a panel per series, in
/// the order given, two to a row (one, full width, for a lone series). Each
/// panel has its own y scale, labelled, and names its series with its total,
/// so a class of a few encounters shows its shape instead of lying flat
/// under the biggest; the x axis is the same calendar time in every panel,
/// a month as wide as its days, years ticked under each panel. Every
/// panel's month has a hover strip, `panel * months + month` in order,
/// whose tooltip names the month, the series and its value.
pub fn small_multiples(
    title: &str,
    value_label: &str,
    months: &[String],
    series: &[Line],
    format: fn(f64) -> String,
    width: u32,
) -> String {
    let (days, first, last) = match drawable(title, months, series, width) {
        Ok(axis) => axis,
        Err(svg) => return svg,
    };
    // Narrow (a phone): a panel to a row, each as wide as the chart.
    let columns = if series.len() == 1 || width < WIDTH {
        1
    } else {
        2
    };
    let rows = series.len().div_ceil(columns);
    let panel_height = (260 / rows as u32).max(72);
    // Year labels under a panel: a half-width panel has room for fewer.
    let year_labels = if columns == 1 {
        scaled(8, width) as i32
    } else {
        5
    };
    const CAPTION: u32 = 18;
    let height = 30 + CAPTION + panel_height * rows as u32;
    let mut svg = String::new();
    // The months' pixel edges and the plot's top and bottom, per panel,
    // for the hover strips drawn last.
    let mut strips: Vec<(Vec<i32>, i32, i32)> = Vec::with_capacity(series.len());
    {
        let base = Svg::new(&mut svg, (width, height));
        let _ = base.fill(&WHITE);
        let Ok(root) = base.titled(title, ("sans-serif", title_size(title, width))) else {
            return svg_error(title, width);
        };
        let (caption, panels) = root.split_vertically(CAPTION);
        let _ = caption.draw(&Text::new(
            format!("{value_label} per month; each panel has its own scale"),
            (8, 0),
            ("sans-serif", 12.0)
                .into_font()
                .color(&RGBColor(87, 96, 106)),
        ));
        let areas = panels.split_evenly((rows, columns));
        for (area, (name, color, values)) in areas.iter().zip(series) {
            let total: f64 = values.iter().filter(|v| v.is_finite()).sum();
            let peak = values
                .iter()
                .copied()
                .filter(|v| v.is_finite())
                .fold(0.0, f64::max);
            let max = (peak * 1.15).max(1.0);
            let chart = ChartBuilder::on(area)
                .margin_top(18)
                .margin_right(12)
                .x_label_area_size(20)
                .y_label_area_size(36)
                .build_cartesian_2d(first..last, 0f64..max);
            let Ok(mut chart) = chart else {
                return svg_error(title, width);
            };
            let _ = chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(0)
                .y_labels(3)
                .y_label_formatter(&|v| panel_tick(*v))
                .y_label_style(("sans-serif", 10.0))
                .draw();
            let _ = area.draw(&Text::new(
                format!("{name} · {} in all", format(total)),
                (38, 2),
                ("sans-serif", 12.0).into_font(),
            ));
            draw_runs(&mut chart, &days, values, *color);
            let x = |day: f64| chart.backend_coord(&(day, 0.0)).0;
            let (top, bottom) = (
                chart.backend_coord(&(first, max)).1,
                chart.backend_coord(&(first, 0.0)).1,
            );
            draw_year_ticks(&base, x, (first, last), bottom, (year_labels, 10.0));
            let mut edges: Vec<i32> = days.iter().map(|d| x(f64::from(*d))).collect();
            edges.push(x(last));
            strips.push((edges, top, bottom));
        }
        // Hover strips last, nearly transparent (plotters skips a fully
        // transparent rect), so that every mark under them still shows.
        for (edges, top, bottom) in &strips {
            for w in edges.windows(2) {
                let _ = base.draw(&Rectangle::new(
                    [(w[0], *top), (w[1], *bottom)],
                    WHITE.mix(0.01).filled(),
                ));
            }
        }
        let _ = base.present();
    }
    let tooltips: Vec<String> = series
        .iter()
        .flat_map(|(name, _, values)| {
            months.iter().enumerate().map(move |(i, month)| {
                format!(
                    "{month} · {name}: {}",
                    shown(values.get(i).copied(), format)
                )
            })
        })
        .collect();
    let rects_before_strips = svg.matches("<rect").count() - tooltips.len();
    add_tooltips(svg, &tooltips, rects_before_strips)
}

/// Legend text size and line height, px.
const LEGEND_SIZE: f64 = 12.0;
const LEGEND_LINE: i32 = 16;

/// Where each legend entry goes: (x, row), entries flowing left to right
/// and wrapping at the chart's `width`.
fn legend_layout(series: &[Line], width: u32) -> Vec<(i32, i32)> {
    let mut out = Vec::with_capacity(series.len());
    let (mut x, mut row) = (8, 0);
    for (name, _, _) in series {
        let entry = 22 + text_size(name, LEGEND_SIZE).0 as i32 + 14;
        if x + entry > width as i32 - 8 && x > 8 {
            x = 8;
            row += 1;
        }
        out.push((x, row + 1));
        x += entry;
    }
    out
}

/// The series legend, above the plot (text measured with [`text_size`]:
/// plotters measures with its font backend, in the page on wasm32).
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    series: &[Line],
    layout: &[(i32, i32)],
) {
    for ((name, color, _), (x, row)) in series.iter().zip(layout) {
        let top = 2 + (row - 1) * LEGEND_LINE;
        let middle = top + LEGEND_LINE / 2;
        let _ = area.draw(&PathElement::new(
            [(*x, middle), (x + 16, middle)],
            color.stroke_width(3),
        ));
        let _ = area.draw(&Text::new(
            name.to_string(),
            (x + 22, top + 1),
            ("sans-serif", LEGEND_SIZE).into_font(),
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
    width: u32,
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
        let root = Svg::new(&mut svg, (width, height));
        let _ = root.fill(&WHITE);
        let max = rows
            .iter()
            .map(|r| r.1.max(r.2))
            .fold(0.0, f64::max)
            .max(1e-9)
            * 1.1;
        let count = rows.len().max(1) as i32;
        let chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", title_size(title, width)))
            .margin(8)
            .x_label_area_size(34)
            .y_label_area_size(60)
            .build_cartesian_2d(-max..max, (0..count).into_segmented());
        let Ok(mut chart) = chart else {
            return svg_error(title, width);
        };
        let _ = chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc("patients (female ◀ ▶ male)")
            .x_labels(value_ticks(width))
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

/// Below this many index stays, a month's readmission rate is left out of
/// the readmission line, as payers suppress small cells; the chart's table
/// lists such months with their stays. The number is the pipeline's
/// ([`lakehouse_pipeline::gold::FEW_INDEX_STAYS`]), which the Power BI
/// report's monthly visual reads too.
pub const FEW_INDEX_STAYS: f64 = lakehouse_pipeline::gold::FEW_INDEX_STAYS as f64;

/// The monthly readmission rates (%) a line draws, `None` for a gap: months
/// of fewer than [`FEW_INDEX_STAYS`] stays left out. `None` when no month
/// has that many (a small export, a narrow filter): a monthly rate is then
/// not charted at all ([`too_few_stays`] says why), since every point would
/// rest on a handful of stays. The readmission chart, its table's notes and
/// the KPI card's sparkline all read these.
pub fn readmission_line(rates: &[Option<f64>], stays: &[f64]) -> Option<Vec<Option<f64>>> {
    let line: Vec<Option<f64>> = rates
        .iter()
        .zip(stays)
        .map(|(rate, stays)| rate.filter(|_| *stays >= FEW_INDEX_STAYS))
        .collect();
    line.iter().any(Option::is_some).then_some(line)
}

/// The readmission chart when no month has [`FEW_INDEX_STAYS`] stays: its
/// title and why no line is drawn.
pub fn too_few_stays(title: &str, width: u32) -> String {
    message(
        title,
        &[
            &format!("Every month has fewer than {FEW_INDEX_STAYS:.0} index stays,"),
            "too few to chart a monthly rate:",
            "the table lists each month with its stays.",
        ],
        width,
    )
}

/// Sparkline size: one month per step across `SPARK_WIDTH` pixels.
const SPARK_WIDTH: f64 = 120.0;
const SPARK_HEIGHT: f64 = 28.0;

/// A KPI's monthly values as a small line (no axes): months are evenly
/// spaced because the months are every calendar month, and a month
/// without a value breaks the line. Empty with fewer than two values.
pub fn sparkline(values: &[Option<f64>]) -> String {
    let known: Vec<f64> = values
        .iter()
        .flatten()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    if known.len() < 2 {
        return String::new();
    }
    let (low, high) = known
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
            (l.min(v), h.max(v))
        });
    let span = if high > low { high - low } else { 1.0 };
    let step = SPARK_WIDTH / (values.len().max(2) - 1) as f64;
    let mut paths = String::new();
    let mut pen_down = false;
    for (i, value) in values.iter().enumerate() {
        match value.filter(|v| v.is_finite()) {
            Some(v) => {
                let (x, y) = (
                    i as f64 * step,
                    2.0 + (SPARK_HEIGHT - 4.0) * (1.0 - (v - low) / span),
                );
                paths.push_str(&format!(
                    "{}{x:.1},{y:.1} ",
                    if pen_down { "L" } else { "M" }
                ));
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    format!(
        "<svg class=\"sparkline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{SPARK_WIDTH}\" height=\"{SPARK_HEIGHT}\" viewBox=\"0 0 {SPARK_WIDTH} {SPARK_HEIGHT}\" preserveAspectRatio=\"none\" aria-hidden=\"true\" focusable=\"false\"><path d=\"{}\" fill=\"none\" stroke=\"currentColor\" stroke-width=\"1.5\" vector-effect=\"non-scaling-stroke\"/></svg>",
        paths.trim_end()
    )
}

/// A code the data uses for a name, as a reader wants it
/// (`NO_INSURANCE` → "No insurance"); other names unchanged.
pub fn display_name(name: &str) -> String {
    match name {
        "NO_INSURANCE" => "No insurance".to_string(),
        _ => name.to_string(),
    }
}

/// A chart with nothing to draw under the filter: its title and a sentence,
/// not bare axes.
fn no_data(title: &str, width: u32) -> String {
    message(title, &["No data for this filter"], width)
}

/// A chart without a plot: its title, then `lines` of text, centred (the
/// first marked `data-empty`).
fn message(title: &str, lines: &[&str], width: u32) -> String {
    let middle = width / 2;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"120\" viewBox=\"0 0 {width} 120\"><rect width=\"{width}\" height=\"120\" fill=\"#FFFFFF\"/><text x=\"{middle}\" y=\"24\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"{:.1}\">{}</text>",
        // Smaller on a phone, so that a long title fits, as on a chart.
        title_size(title, width).min(13.0),
        escape(title),
    );
    // One line sits in the middle of the space under the title; more are
    // spread from there, 20 px apart.
    let first = 72 - 10 * (lines.len().saturating_sub(1) as u32).min(2);
    for (i, line) in lines.iter().enumerate() {
        let marker = if i == 0 { " data-empty=\"true\"" } else { "" };
        svg.push_str(&format!(
            "<text x=\"{middle}\" y=\"{}\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"14\" fill=\"#57606a\"{marker}>{}</text>",
            first + 20 * i as u32,
            escape(line),
        ));
    }
    svg.push_str("</svg>");
    svg
}

fn svg_error(title: &str, width: u32) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"40\"><text x=\"8\" y=\"24\">{}: no data</text></svg>",
        escape(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sparkline_breaks_at_a_month_without_a_value() {
        assert_eq!(sparkline(&[Some(1.0)]), "");
        let svg = sparkline(&[Some(1.0), Some(3.0), None, Some(2.0), Some(2.0)]);
        let path = svg.split("d=\"").nth(1).unwrap().split('"').next().unwrap();
        // Two pieces: the months before the gap, and after it.
        assert_eq!(path.matches('M').count(), 2);
        assert!(
            path.starts_with("M0.0,26.0 L30.0,2.0 M90.0,14.0 L120.0,14.0"),
            "{path}"
        );
    }
    use crate::state::format_count;

    /// The x of the `<text>` element whose content is `text`.
    fn text_x(svg: &str, text: &str) -> Option<f64> {
        let at = svg.find(&format!(">\n{text}\n</text>"))?;
        let open = svg[..at].rfind("<text")?;
        Some(attr(&svg[open..at], "x"))
    }

    /// On a phone a chart is laid out for its narrow width, not shrunk
    /// from 560 px: names shortened to fit its label area, a value label
    /// inside the chart, small multiples a panel to a row.
    #[test]
    fn a_narrow_chart_is_laid_out_for_its_width() {
        let long = "Chronic obstructive bronchitis (disorder)";
        let bars = vec![
            (long.to_string(), 1_234_567.0),
            ("Medicare".to_string(), 10.0),
        ];
        let svg = bar_chart("Claims", "claims", &bars, format_count, &[], NARROW_WIDTH);
        assert!(svg.starts_with("<svg width=\"320\""), "{}", &svg[..80]);
        let short = shorten(long, scaled(34, NARROW_WIDTH) as usize);
        assert!(text_x(&svg, &short).is_some(), "{short} in {svg}");
        let value = format_count(1_234_567.0);
        let x = text_x(&svg, &value).expect("the value label");
        assert!(
            x + f64::from(text_size(&value, 11.0).0) <= f64::from(NARROW_WIDTH),
            "{value} at {x}"
        );
        // A long title is set smaller to fit a narrow chart, not cut off.
        let title = "30-day readmission rate (HEDIS-style) by discharge month";
        let size = title_size(title, NARROW_WIDTH);
        assert!(size < 16.0 && text_size(title, size).0 <= NARROW_WIDTH - 16);
        assert_eq!(title_size(title, WIDTH), 16.0);
        // The same chart on a wide screen keeps its 560 px layout.
        let wide = bar_chart("Claims", "claims", &bars, format_count, &[], WIDTH);
        assert!(wide.starts_with("<svg width=\"560\""));
        assert!(text_x(&wide, &shorten(long, 34)).is_some());

        let months: Vec<String> = (1..=12).map(|m| format!("2024-{m:02}")).collect();
        let series: Vec<Line> = ["wellness", "ambulatory", "outpatient"]
            .iter()
            .map(|name| (name.to_string(), PALETTE[1], vec![1.0; 12]))
            .collect();
        let captions = |width| {
            let svg = small_multiples("E", "encounters", &months, &series, format_count, width);
            series
                .iter()
                .map(|(name, _, _)| text_x(&svg, &format!("{name} · 12 in all")).unwrap())
                .collect::<Vec<_>>()
        };
        // Two panels to a row on a wide screen, one on a phone.
        assert_ne!(captions(WIDTH)[0], captions(WIDTH)[1]);
        let narrow = captions(NARROW_WIDTH);
        assert!(narrow.iter().all(|x| *x == narrow[0]), "{narrow:?}");
    }

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
            &["Hypertension".to_string()],
            WIDTH,
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

    /// The number in attribute `name` of an SVG element's text (what
    /// follows `<rect` or `<text`).
    fn attr(element: &str, name: &str) -> f64 {
        let at = element.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        element[at..].split('"').next().unwrap().parse().unwrap()
    }

    /// The (x, width) of each month's hover strip, in drawing order.
    fn strips(svg: &str) -> Vec<(f64, f64)> {
        svg.split("<rect")
            .skip(1)
            .filter(|r| r.contains("data-bar="))
            .map(|r| (attr(r, "x"), attr(r, "width")))
            .collect()
    }

    #[test]
    fn a_monthly_axis_is_calendar_time_with_year_ticks_tooltips_and_a_legend_off_the_data() {
        let months: Vec<String> = ["2023-11", "2023-12", "2024-01", "2024-02", "2024-03"]
            .iter()
            .map(|m| m.to_string())
            .collect();
        let svg = line_chart(
            "Rate",
            "%",
            &months,
            &[
                (
                    "a".into(),
                    LINE_COLOURS[0],
                    vec![1.0, f64::NAN, 2.0, 3.0, 2.5],
                ),
                ("b".into(), LINE_COLOURS[1], vec![0.0, 0.0, 1.0, 1.0, 1.0]),
            ],
            format_count,
            WIDTH,
        );
        let strips = strips(&svg);
        assert_eq!(strips.len(), 5, "one hover strip per month");
        // Widths follow the days: November 30, December 31, January 31,
        // February 29 (2024), March 31; pixels are whole, so within 1 px.
        let per_day = strips[1].1 / 31.0;
        for ((_, width), days) in strips.iter().zip([30.0, 31.0, 31.0, 29.0, 31.0]) {
            assert!(
                (width - days * per_day).abs() <= 1.0,
                "{width} px for {days} days"
            );
        }
        assert!(
            strips.windows(2).all(|w| w[0].0 < w[1].0),
            "months left to right"
        );
        // One tick, on 1 January 2024; the month tooltips name every series,
        // a gap as "–".
        assert!(
            svg.contains(">\n2024\n</text>") && !svg.contains(">\n2023\n</text>"),
            "{svg}"
        );
        assert!(svg.contains("<title>2023-12: a –, b 0</title>"), "{svg}");
        // The legend is above the plot: its labels sit higher than the top
        // of the hover strips.
        let strip_top = attr(
            svg.split("<rect")
                .find(|r| r.contains("data-bar=\"0\""))
                .unwrap(),
            "y",
        );
        let legend_y = attr(
            svg.split("<text")
                .find(|t| t.contains(">\na\n</text>"))
                .unwrap(),
            "y",
        );
        assert!(
            legend_y < strip_top,
            "legend at {legend_y}, plot from {strip_top}"
        );
    }

    #[test]
    fn small_multiples_give_each_series_a_panel_on_its_own_scale_over_calendar_time() {
        let months: Vec<String> = ["2023-11", "2023-12", "2024-01", "2024-02"]
            .iter()
            .map(|m| m.to_string())
            .collect();
        let series = [
            (
                "wellness".to_string(),
                PALETTE[1],
                vec![900.0, 1000.0, 950.0, 990.0],
            ),
            (
                "inpatient".to_string(),
                PALETTE[5],
                vec![1.0, 0.0, 3.0, 2.0],
            ),
            ("hospice".to_string(), PALETTE[0], vec![0.0, 0.0, 1.0, 0.0]),
        ];
        let svg = small_multiples(
            "Encounters",
            "encounters",
            &months,
            &series,
            format_count,
            WIDTH,
        );
        // A line per panel, in the series' colours.
        for (_, color, _) in &series {
            let stroke = format!(
                "<polyline fill=\"none\" opacity=\"1\" stroke=\"#{:02X}{:02X}{:02X}\"",
                color.0, color.1, color.2
            );
            assert_eq!(svg.matches(&stroke).count(), 1, "{stroke} in {svg}");
        }
        // A strip per panel and month, panel by panel, named in the tooltip.
        let strips = strips(&svg);
        assert_eq!(strips.len(), 12);
        assert!(
            svg.contains("<title>2023-12 · inpatient: 0</title>"),
            "{svg}"
        );
        assert!(svg.contains("<title>2024-02 · hospice: 0</title>"), "{svg}");
        // Within a panel, widths follow the days (30, 31, 31, 29).
        let per_day = strips[1].1 / 31.0;
        for ((_, width), days) in strips.iter().zip([30.0, 31.0, 31.0, 29.0]) {
            assert!(
                (width - days * per_day).abs() <= 1.0,
                "{width} px for {days} days"
            );
        }
        // Each panel is labelled with its total and has its own scale of
        // whole counts: the inpatient panel's ticks stop at 2, not near 1,000.
        assert!(svg.contains("wellness · 3,840 in all"), "{svg}");
        assert!(svg.contains("inpatient · 6 in all"), "{svg}");
        assert!(svg.contains("each panel has its own scale"));
        let ticks: Vec<f64> = svg
            .split("<text")
            .filter_map(|t| t.split('>').nth(1))
            .filter_map(|t| {
                t.trim()
                    .strip_suffix("</text")
                    .unwrap_or(t)
                    .trim()
                    .parse()
                    .ok()
            })
            .collect();
        assert_eq!(
            ticks,
            [
                0.0, 500.0, 1000.0, 2024.0, 0.0, 2.0, 2024.0, 0.0, 1.0, 2024.0
            ]
        );
        // One year tick under each panel, on 1 January 2024.
        assert_eq!(svg.matches(">\n2024\n</text>").count(), 3, "{svg}");
        // Nothing but zeros says so.
        let zeros = small_multiples(
            "Encounters",
            "encounters",
            &months,
            &[("wellness".into(), PALETTE[1], vec![0.0; 4])],
            format_count,
            WIDTH,
        );
        assert!(zeros.contains("No data for this filter"));
    }

    #[test]
    fn an_empty_chart_says_so_and_bars_carry_values_and_readable_names() {
        let empty = bar_chart("Coverage by payer", "%", &[], format_count, &[], WIDTH);
        assert!(empty.contains("No data for this filter") && !empty.contains("<line"));
        let months = vec!["2024-01".to_string(), "2024-02".to_string()];
        let zeros = line_chart(
            "Encounters",
            "n",
            &months,
            &[("wellness".into(), PALETTE[1], vec![0.0, 0.0])],
            format_count,
            WIDTH,
        );
        assert!(zeros.contains("No data for this filter"));
        // A rate of 0 % beside a month without a denominator is data.
        let rate = line_chart(
            "Rate",
            "%",
            &months,
            &[("rate".into(), PALETTE[0], vec![0.0, f64::NAN])],
            format_count,
            WIDTH,
        );
        assert!(!rate.contains("No data for this filter"));
        let svg = bar_chart(
            "Coverage",
            "%",
            &[
                ("NO_INSURANCE".to_string(), 0.0),
                ("Medicare".to_string(), 80.0),
            ],
            format_count,
            &[],
            WIDTH,
        );
        assert!(svg.contains("<title>No insurance: 0</title>"), "{svg}");
        assert!(svg.contains("\n80\n</text>"), "a value label");
        // The zero bar is a sliver, not nothing.
        let zero_bar = attr(
            svg.split("<rect")
                .find(|r| r.contains("No insurance: 0"))
                .unwrap(),
            "width",
        );
        assert!(zero_bar >= 1.0, "{zero_bar}");
    }

    #[test]
    fn a_class_keeps_its_colour_and_yellow_draws_no_line() {
        assert_eq!(class_colour("wellness"), PALETTE[1]);
        assert_eq!(class_colour("inpatient"), PALETTE[5]);
        assert_eq!(class_colour("something new"), OTHER_COLOUR);
        assert!(!LINE_COLOURS.contains(&PALETTE[6]));
        for class in [
            "ambulatory",
            "wellness",
            "outpatient",
            "emergency",
            "urgentcare",
            "inpatient",
            "home",
        ] {
            assert_ne!(class_colour(class), PALETTE[6], "{class}");
        }
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
            &[(
                "wellness".into(),
                class_colour("wellness"),
                vec![1.0, 3.0, 2.0],
            )],
            format_count,
            WIDTH,
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
            WIDTH,
        );
        // Bars are female then male per band, so 18-44 male is mark 3.
        assert!(svg.contains("data-bar=\"3\"><title>18-44, male: 18</title>"));
        assert!(svg.contains("opacity=\"0.3\""), "unchosen bands fade");
    }

    #[test]
    fn a_month_of_few_index_stays_is_left_out_of_the_readmission_line() {
        // One readmitted stay in a month of one: 100 %, beside real months.
        let rates = [Some(10.0), Some(100.0), None, Some(12.5)];
        let stays = [40.0, 1.0, 0.0, FEW_INDEX_STAYS];
        let values = readmission_line(&rates, &stays).expect("two months have enough");
        assert_eq!(values, [Some(10.0), None, None, Some(12.5)]);
    }

    #[test]
    fn with_no_month_of_enough_stays_no_readmission_line_is_drawn_and_the_chart_says_why() {
        let rates = [Some(50.0), None, Some(0.0)];
        assert_eq!(readmission_line(&rates, &[2.0, 0.0, 3.0]), None);
        let svg = too_few_stays("Readmissions", NARROW_WIDTH);
        assert!(svg.contains("fewer than 10 index stays"), "{svg}");
        // Every line fits a phone's chart.
        for line in svg.split("<text").skip(2) {
            let text = &line[line.find('>').unwrap() + 1..line.find("</text>").unwrap()];
            assert!(text_size(text, 14.0).0 <= NARROW_WIDTH - 16, "{text}");
        }
        // The one-line message keeps its place and marker.
        let empty = no_data("Readmissions", WIDTH);
        assert!(empty.contains("y=\"72\"") && empty.contains("data-empty"));
        // A long title is set smaller to fit a phone's chart.
        let title = "30-day readmission rate (HEDIS-style) by discharge month";
        let size = title_size(title, NARROW_WIDTH);
        assert!(size < 13.0);
        assert!(too_few_stays(title, NARROW_WIDTH).contains(&format!("font-size=\"{size:.1}\"")));
    }
}
