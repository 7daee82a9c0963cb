//! The dashboard: KPI cards, the filter bar and the charts, each with its
//! table; the results section that lays them out in short tasks.

use std::sync::Arc;

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::medallion::Medallion;
use super::{chart_export, explorer};
use crate::charts;
use crate::protocol::Summary;
use crate::protocol::{Bar, Charts, Dimension, Filter, FilterOptions, Kpi, View};
use crate::state::{self, format_bytes, format_count, format_money, format_percent};

thread_local! {
    /// The charts whose table is open: a filter redraws every chart, and a
    /// table the user opened (and picked a row from) stays open.
    static OPEN_TABLES: std::cell::RefCell<std::collections::BTreeSet<&'static str>> =
        const { std::cell::RefCell::new(std::collections::BTreeSet::new()) };
}

/// Whether a click adds its bar to the choice (Ctrl, ⌘ or Shift held)
/// instead of choosing it alone.
fn adds(ev: &ev::MouseEvent) -> bool {
    ev.ctrl_key() || ev.meta_key() || ev.shift_key()
}

/// Where a chart's numbers come from, for its drill-through: the table,
/// the view's filter, and the dimension each of its bars (table rows)
/// stands for.
#[derive(Clone)]
struct Drill {
    table: &'static str,
    filter: Filter,
    dimension: Option<Dimension>,
}

impl Drill {
    fn new(table: &'static str, filter: &Filter, dimension: Option<Dimension>) -> Self {
        Self {
            table,
            filter: filter.clone(),
            dimension,
        }
    }
}

/// A chart's table: its column headers (the first names the rows) and a
/// row per bar or month, (label, cells).
struct ChartTable {
    header: Vec<String>,
    rows: Vec<(String, Vec<String>)>,
}

impl ChartTable {
    /// Whether its rows are months (`2016-01`), as a monthly chart's are.
    fn by_month(&self) -> bool {
        self.header
            .first()
            .is_some_and(|h| h.to_lowercase().ends_with("month"))
    }

    /// What the chart shows, in a sentence for screen readers: a ranked
    /// chart's bars from the highest to the lowest, a monthly chart's span
    /// and series. Its table holds every number.
    fn summary(&self) -> String {
        let (Some(first), Some(last)) = (self.rows.first(), self.rows.last()) else {
            return "No data for this filter.".to_string();
        };
        let cell = |row: &(String, Vec<String>)| row.1.first().cloned().unwrap_or_default();
        if self.header.len() == 2 && !self.by_month() {
            format!(
                "{} bars of {}, from {} ({}) to {} ({}). Open the table for every value.",
                self.rows.len(),
                self.header[1],
                first.0,
                cell(first),
                last.0,
                cell(last)
            )
        } else {
            format!(
                "{} months from {} to {}; {}: {}. Open the table for every value.",
                self.rows.len(),
                first.0,
                last.0,
                if self.header.len() > 2 {
                    "series"
                } else {
                    "column"
                },
                self.header[1..].join(", ")
            )
        }
    }

    /// A two-column table: label and one value.
    fn pairs(first: &str, second: &str, rows: Vec<(String, String)>) -> Self {
        Self {
            header: vec![first.to_string(), second.to_string()],
            rows: rows.into_iter().map(|(l, v)| (l, vec![v])).collect(),
        }
    }
}

/// One chart: the SVG, buttons to see its rows and to save it as SVG or
/// PNG, and the same numbers as a table behind a toggle. With `on_pick`,
/// clicking a bar (or its row's button in the table, for keyboard users)
/// reports the bar's index; with a drill dimension, each table row opens
/// the fact rows behind its bar.
#[component]
fn Chart(
    /// Stable test id.
    id: &'static str,
    /// Figure caption (also the chart title).
    title: String,
    /// The SVG markup.
    svg: String,
    /// The numbers, for the table view.
    table: ChartTable,
    /// The rows behind the chart.
    drill: Drill,
    /// Called with the index of the bar picked, and whether it is added to
    /// the choice (Ctrl, ⌘ or Shift held) rather than chosen alone.
    #[prop(optional)]
    on_pick: Option<Callback<(usize, bool)>>,
) -> impl IntoView {
    // The table's rows are made only while it is open: a filter change
    // redraws every chart, and the monthly chart alone has a row per month
    // (393 at uk-ipop x100).
    let spoken = format!("{title}. {}", table.summary());
    // A month (`2016-01`) keeps to one line; a ranked chart's names wrap.
    let by_month = table.by_month();
    let ChartTable { header, rows } = table;
    let rows = StoredValue::new(rows);
    let svg = StoredValue::new(svg);
    let open = RwSignal::new(OPEN_TABLES.with(|o| o.borrow().contains(id)));
    let row_drill = drill.dimension.map(|d| (d, drill.clone()));
    let table = move || {
        open.get().then(|| {
            let cells = rows.with_value(|rows| {
                rows.iter()
                    .enumerate()
                    .map(|(i, (label, values))| {
                        let (label, key) = (label.clone(), label.clone());
                        let cell = match on_pick {
                            Some(pick) => view! {
                                <button
                                    class="link"
                                    title="Filter the dashboard by this (Shift or Ctrl: add to the choice)"
                                    data-testid=format!("pick-{id}")
                                    data-key=key.clone()
                                    on:click=move |ev: ev::MouseEvent| pick.run((i, adds(&ev)))
                                >
                                    {label}
                                </button>
                            }
                            .into_any(),
                            None => label.into_any(),
                        };
                        let values = values
                            .iter()
                            .map(|v| view! { <td class="number">{v.clone()}</td> })
                            .collect_view();
                        let see = row_drill.clone().map(|(dimension, drill)| {
                            let filter = drill.filter.with(dimension, &key);
                            view! {
                                <td>
                                    <button
                                        class="link"
                                        data-testid=format!("rows-{id}")
                                        data-key=key.clone()
                                        aria-label=format!("Rows behind {key}")
                                        on:click=move |_| explorer::open_table(drill.table, Some(filter.clone()))
                                    >
                                        "Rows"
                                    </button>
                                </td>
                            }
                        });
                        view! { <tr><th scope="row">{cell}</th>{values}{see}</tr> }
                    })
                    .collect_view()
            });
            let heads = header
                .iter()
                .enumerate()
                .map(|(i, h)| {
                    let class = if i == 0 { "" } else { "number" };
                    view! { <th scope="col" class=class>{h.clone()}</th> }
                })
                .collect_view();
            let rows_head = row_drill
                .is_some()
                .then(|| view! { <th scope="col"><span class="visually-hidden">"Fact rows"</span></th> });
            view! {
                <table class:by-month=by_month>
                    <thead><tr>{heads}{rows_head}</tr></thead>
                    <tbody>{cells}</tbody>
                </table>
            }
        })
    };
    let on_toggle = move |ev: ev::Event| {
        if let Some(details) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok())
        {
            open.set(details.open());
            OPEN_TABLES.with(|o| {
                let mut open_tables = o.borrow_mut();
                if details.open() {
                    open_tables.insert(id);
                } else {
                    open_tables.remove(id);
                }
            });
        }
    };
    let on_click = move |ev: ev::MouseEvent| {
        let Some(pick) = on_pick else { return };
        let bar = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("[data-bar]").ok().flatten())
            .and_then(|e| e.get_attribute("data-bar"))
            .and_then(|i| i.parse::<usize>().ok());
        if let Some(i) = bar {
            pick.run((i, adds(&ev)));
        }
    };
    let (table_name, filter) = (drill.table, drill.filter);
    view! {
        <figure class="chart" class:pickable=on_pick.is_some() data-testid=format!("chart-{id}")>
            <div class="chart-svg" role="img" aria-label=spoken data-testid=format!("summary-{id}") inner_html=svg.get_value() on:click=on_click></div>
            <div class="chart-tools">
                <button
                    class="link"
                    data-testid=format!("see-rows-{id}")
                    title=format!("Open the {table_name} rows behind this chart, with the dashboard's filters")
                    on:click=move |_| explorer::open_table(table_name, Some(filter.clone()))
                >
                    "See rows"
                </button>
                <button class="link" data-testid=format!("save-svg-{id}") aria-label=format!("Save {title} as SVG") on:click=move |_| chart_export::save_svg(id, &svg.get_value())>"SVG"</button>
                <button class="link" data-testid=format!("save-png-{id}") aria-label=format!("Save {title} as PNG") on:click=move |_| chart_export::save_png(id, &svg.get_value())>"PNG"</button>
            </div>
            <details on:toggle=on_toggle prop:open=open.get_untracked()>
                <summary>"Show as table"</summary>
                {table}
            </details>
        </figure>
    }
}

fn bar_rows(bars: &[Bar], format: fn(f64) -> String) -> Vec<(String, String)> {
    bars.iter()
        .map(|b| (charts::display_name(&b.label), format(b.value)))
        .collect()
}

/// A ranked bar chart whose bars filter the dashboard by `key` (a
/// [`Filter`] URL key); the chosen bar is highlighted.
struct Ranked<'a> {
    id: &'static str,
    title: &'a str,
    axis: &'a str,
    bars: &'a [Bar],
    format: fn(f64) -> String,
    dimension: Dimension,
    /// The table its bars count rows of.
    table: &'static str,
}

/// The filter after a click on the mark of `value`: a click chooses it
/// alone, and clicking the only chosen value again clears the dimension;
/// with a modifier (`add`) it is added to (or taken out of) the choice.
fn picked(base: &Filter, dimension: Dimension, value: &str, add: bool) -> Filter {
    if add {
        base.toggled(dimension, value)
    } else {
        let alone = base.chosen(dimension) == [value];
        base.with(dimension, if alone { "" } else { value })
    }
}

/// The page's phone breakpoint, the media query `style/main.css` lays the
/// page out by: below it charts are laid out [`charts::NARROW_WIDTH`] wide
/// (at 560 px they were scaled into a phone's card to about half their
/// size, labels and all).
#[cfg(target_arch = "wasm32")]
const PHONE: &str = "(max-width: 40rem)";

/// The width a chart is laid out for. On the page it follows the window
/// (`narrow_window`): a chart drawn in a reactive view is drawn again when
/// a resize or a rotation crosses `PHONE`.
fn chart_width() -> u32 {
    #[cfg(target_arch = "wasm32")]
    let narrow = narrow_window().get();
    #[cfg(not(target_arch = "wasm32"))]
    let narrow = false;
    if narrow {
        charts::NARROW_WIDTH
    } else {
        charts::WIDTH
    }
}

/// Whether the window matches `PHONE`: one signal for the page, set when
/// the media query's answer changes.
#[cfg(target_arch = "wasm32")]
fn narrow_window() -> ArcRwSignal<bool> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::Closure;
    thread_local! {
        static NARROW: ArcRwSignal<bool> = {
            let query = web_sys::window().and_then(|w| w.match_media(PHONE).ok().flatten());
            let signal = ArcRwSignal::new(query.as_ref().is_some_and(|q| q.matches()));
            if let Some(query) = query {
                let (set, asked) = (signal.clone(), query.clone());
                let on_change =
                    Closure::<dyn FnMut()>::new(move || set.set(asked.matches()));
                let _ = query
                    .add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
                // One listener for the page's life.
                on_change.forget();
            }
            signal
        };
    }
    NARROW.with(Clone::clone)
}

fn ranked_chart(chart: Ranked<'_>, filter: &Filter, apply: Callback<Filter>) -> AnyView {
    let selected = filter.chosen(chart.dimension).to_vec();
    let pairs: Vec<(String, f64)> = chart
        .bars
        .iter()
        .map(|b| (b.label.clone(), b.value))
        .collect();
    let svg = charts::bar_chart(
        chart.title,
        chart.axis,
        &pairs,
        chart.format,
        &selected,
        chart_width(),
    );
    let labels: Vec<String> = chart.bars.iter().map(|b| b.label.clone()).collect();
    let (dimension, base) = (chart.dimension, filter.clone());
    let pick = Callback::new(move |(i, add): (usize, bool)| {
        if let Some(label) = labels.get(i) {
            apply.run(picked(&base, dimension, label, add));
        }
    });
    view! {
        <Chart
            id=chart.id
            title=chart.title.to_string()
            svg=svg
            table=ChartTable::pairs(chart.dimension.label(), chart.axis, bar_rows(chart.bars, chart.format))
            drill=Drill::new(chart.table, filter, Some(chart.dimension))
            on_pick=pick
        />
    }
    .into_any()
}

/// The dashboard's charts fall in this many groups, drawn one per task.
pub const CHART_GROUPS: usize = 6;

/// A monthly chart's table: a row per month, a column per series.
fn month_table(
    first: &str,
    months: &[String],
    series: &[String],
    cell: impl Fn(usize, usize) -> String,
) -> ChartTable {
    ChartTable {
        header: std::iter::once(first.to_string())
            .chain(series.iter().cloned())
            .collect(),
        rows: months
            .iter()
            .enumerate()
            .map(|(m, month)| {
                (
                    month.clone(),
                    (0..series.len()).map(|k| cell(k, m)).collect(),
                )
            })
            .collect(),
    }
}

/// Encounters by month as a panel per class, the biggest class first; a
/// click on a panel chooses its class (with Shift, Ctrl or ⌘, adds it).
fn monthly_chart(c: &Charts, filter: &Filter, apply: Callback<Filter>) -> AnyView {
    let mut order: Vec<(usize, f64)> = c
        .monthly_by_class
        .iter()
        .enumerate()
        .map(|(k, (_, values))| (k, values.iter().sum()))
        .collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let classes: Vec<String> = order
        .iter()
        .map(|(k, _)| c.monthly_by_class[*k].0.clone())
        .collect();
    let table = month_table("Month", &c.months, &classes, |k, m| {
        format_count(c.monthly_by_class[order[k].0].1[m])
    });
    // Each class keeps its colour under every filter.
    let series: Vec<charts::Line> = order
        .iter()
        .map(|(k, _)| {
            let (class, values) = &c.monthly_by_class[*k];
            (class.clone(), charts::class_colour(class), values.clone())
        })
        .collect();
    let title = "Encounters by month and class";
    let svg = charts::small_multiples(
        title,
        "encounters",
        &c.months,
        &series,
        format_count,
        chart_width(),
    );
    let (months, base) = (c.months.len().max(1), filter.clone());
    let pick = Callback::new(move |(i, add): (usize, bool)| {
        if let Some(class) = classes.get(i / months) {
            apply.run(picked(&base, Dimension::Class, class, add));
        }
    });
    view! { <Chart id="monthly" title=title.into() svg=svg table=table drill=Drill::new("fact_encounters", filter, None) on_pick=pick /> }
        .into_any()
}

/// The HEDIS-style readmission rate by discharge month: a month without
/// index stays is a gap, not 0 %, a month with few is left out of the line
/// ([`charts::readmission_line`]), and the table gives every month with its
/// denominator.
fn readmission_chart(c: &Charts, filter: &Filter) -> AnyView {
    let title = "30-day readmission rate (HEDIS-style) by discharge month";
    let line = charts::readmission_line(&c.readmission_rate_by_month, &c.index_stays_by_month);
    let svg = match &line {
        Some(values) => charts::line_chart(
            title,
            "% of index stays",
            &c.months,
            &[(
                format!(
                    "Rate (%), months with {:.0}+ index stays",
                    charts::FEW_INDEX_STAYS
                ),
                charts::LINE_COLOURS[0],
                values.iter().map(|r| r.unwrap_or(f64::NAN)).collect(),
            )],
            format_percent,
            chart_width(),
        ),
        None => charts::too_few_stays(title, chart_width()),
    };
    // A month with a rate the line leaves out has few stays.
    let charted = |month: usize| line.as_ref().is_some_and(|l| l[month].is_some());
    let rows = c
        .months
        .iter()
        .zip(&c.readmission_rate_by_month)
        .zip(&c.index_stays_by_month)
        .enumerate()
        .map(|(month, ((m, r), n))| {
            let (rate, note) = match r {
                None => ("–".to_string(), "no stays"),
                Some(r) if !charted(month) => (format_percent(*r), "not charted"),
                Some(r) => (format_percent(*r), ""),
            };
            (m.clone(), vec![rate, format_count(*n), note.to_string()])
        })
        .collect();
    let table = ChartTable {
        header: ["Discharge month", "Rate", "Index stays", "Note"]
            .map(String::from)
            .to_vec(),
        rows,
    };
    view! { <Chart id="readmissions" title=title.into() svg=svg table=table drill=Drill::new("fact_encounters", filter, None) /> }.into_any()
}

/// Paid per member month by month, for the payers with the most members;
/// a month without members is a gap in the line, and "–" in the table.
fn pmpm_month_chart(c: &Charts, filter: &Filter) -> AnyView {
    let title = "PMPM (paid) by payer and month";
    // A payer's colour follows its overall rank, the same under every filter.
    let series: Vec<charts::Line> = c
        .pmpm_by_month
        .iter()
        .map(|(payer, rank, values)| {
            (
                payer.clone(),
                charts::LINE_COLOURS
                    .get(usize::from(*rank))
                    .copied()
                    .unwrap_or(charts::OTHER_COLOUR),
                values.iter().map(|v| v.unwrap_or(f64::NAN)).collect(),
            )
        })
        .collect();
    let svg = charts::line_chart(
        title,
        "paid per member month",
        &c.months,
        &series,
        format_money,
        chart_width(),
    );
    let payers: Vec<String> = c.pmpm_by_month.iter().map(|s| s.0.clone()).collect();
    let table = month_table("Month", &c.months, &payers, |k, m| {
        c.pmpm_by_month[k].2[m].map_or_else(|| "no members".to_string(), format_money)
    });
    view! { <Chart id="pmpm-month" title=title.into() svg=svg table=table drill=Drill::new("fact_encounters", filter, None) /> }.into_any()
}

fn pyramid_chart(c: &Charts, filter: &Filter, apply: Callback<Filter>) -> AnyView {
    let svg = charts::pyramid(
        "Patients by age band and sex",
        &c.age_pyramid,
        filter.get(Dimension::AgeBand),
        filter.get(Dimension::Gender),
        chart_width(),
    );
    let rows: Vec<(String, String)> = c
        .age_pyramid
        .iter()
        .flat_map(|(band, f, m)| {
            [
                (format!("{band}, female"), format_count(*f)),
                (format!("{band}, male"), format_count(*m)),
            ]
        })
        .collect();
    let bands: Vec<String> = c.age_pyramid.iter().map(|r| r.0.clone()).collect();
    let base = filter.clone();
    let pick = Callback::new(move |(i, _): (usize, bool)| {
        if let Some(band) = bands.get(i / 2) {
            let gender = if i.is_multiple_of(2) { "F" } else { "M" };
            let chosen = base.get(Dimension::AgeBand) == Some(band.as_str())
                && base.get(Dimension::Gender) == Some(gender);
            let next = if chosen {
                base.with(Dimension::AgeBand, "")
                    .with(Dimension::Gender, "")
            } else {
                base.with(Dimension::AgeBand, band)
                    .with(Dimension::Gender, gender)
            };
            apply.run(next);
        }
    });
    view! { <Chart id="age" title="Patients by age band and sex".into() svg=svg table=ChartTable::pairs("Age band and sex", "Patients", rows) drill=Drill::new("dim_patient", filter, None) on_pick=pick /> }
        .into_any()
}

/// One group of the dashboard's charts (`group` < [`CHART_GROUPS`]); only
/// that group's charts are drawn. Picking a bar calls `apply` with the next
/// filter.
pub fn chart_group(c: &Charts, filter: &Filter, apply: Callback<Filter>, group: usize) -> AnyView {
    let count = format_count as fn(f64) -> String;
    let ranked = |id, title, axis, bars, format, dimension, table| {
        ranked_chart(
            Ranked {
                id,
                title,
                axis,
                bars,
                format,
                dimension,
                table,
            },
            filter,
            apply,
        )
    };
    match group {
        0 => monthly_chart(c, filter, apply),
        1 => view! {
            {ranked("conditions", "Top conditions", "patients", &c.top_conditions, count, Dimension::Condition, "fact_conditions")}
            {ranked("procedures", "Top procedures", "procedures", &c.top_procedures, count, Dimension::Procedure, "fact_procedures")}
        }
        .into_any(),
        2 => view! {
            {ranked("organizations", "Encounters by organization", "encounters", &c.organizations, count, Dimension::Organization, "fact_encounters")}
            {ranked("providers", "Encounters by provider", "encounters", &c.providers, count, Dimension::Provider, "fact_encounters")}
        }
        .into_any(),
        3 => view! {
            {ranked("payer-cost", "Claim cost by payer", "claim cost", &c.payer_cost, format_money, Dimension::Payer, "fact_encounters")}
            {ranked("payer-coverage", "Payer coverage by payer", "% of claim cost covered", &c.payer_coverage, format_percent, Dimension::Payer, "fact_encounters")}
            {ranked("pmpm", "PMPM (paid) by payer", "paid per member month", &c.pmpm_by_payer, format_money, Dimension::Payer, "fact_encounters")}
            {ranked("admits-per-1000", "Admits per 1,000 by payer", "admissions per 1,000 member-years", &c.admits_per_1000_by_payer, count, Dimension::Payer, "fact_encounters")}
            {pmpm_month_chart(c, filter)}
        }
        .into_any(),
        4 => view! {
            {pyramid_chart(c, filter, apply)}
            {ranked("race", "Patients by race", "patients", &c.race, count, Dimension::Race, "dim_patient")}
        }
        .into_any(),
        _ => view! {
            {ranked("ethnicity", "Patients by ethnicity", "patients", &c.ethnicity, count, Dimension::Ethnicity, "dim_patient")}
            {readmission_chart(c, filter)}
        }
        .into_any(),
    }
}

/// Every chart of the dashboard at once (the page draws them a group per
/// task; see `Results`).
pub fn dashboard_charts(
    c: &Charts,
    filter: &Filter,
    apply: Callback<Filter>,
) -> impl IntoView + use<> {
    let groups: Vec<AnyView> = (0..CHART_GROUPS)
        .map(|g| chart_group(c, filter, apply, g))
        .collect();
    view! { <div class="charts">{groups}</div> }
}

/// The filter controls: date range and a select per dimension, the active
/// filters as removable chips, and the recompute time.
#[component]
fn FilterBar(
    options: FilterOptions,
    filter: RwSignal<Filter>,
    view: RwSignal<Option<View>>,
    apply: Callback<Filter>,
) -> impl IntoView {
    let current = move |dimension: Dimension| {
        filter
            .with(|f| f.get(dimension).map(str::to_string))
            .unwrap_or_default()
    };
    let (first_day, last_day) = (options.first_day.clone(), options.last_day.clone());
    let select = move |dimension: Dimension| {
        let (key, label) = (dimension.key(), dimension.label());
        let values = options.values(dimension).to_vec();
        // One memo per control: a filter change re-checks the options of
        // the control whose value changed, not of every control (a scaled
        // export has a thousand organizations).
        let chosen = Memo::new(move |_| filter.with(|f| f.chosen(dimension).to_vec()));
        let choices = values
            .into_iter()
            .map(|v| {
                let (value, selected) = (v.clone(), v.clone());
                view! { <option value=value prop:selected=move || chosen.with(|c| c.len() == 1 && c[0] == selected)>{v}</option> }
            })
            .collect_view();
        // Several values chosen (from the charts, with Shift or Ctrl): the
        // select says how many; the chips name them.
        let several = move || chosen.with(Vec::len);
        view! {
            <label class="filter">
                {label}
                <select
                    data-testid=format!("filter-{key}")
                    on:change=move |ev| apply.run(filter.get_untracked().with(dimension, &event_target_value(&ev)))
                >
                    <option value="" prop:selected=move || chosen.with(Vec::is_empty)>"All"</option>
                    <option value="" disabled=true hidden={move || several() < 2} prop:selected={move || several() > 1}>{move || format!("{} chosen", several())}</option>
                    {choices}
                </select>
            </label>
        }
    };
    // A typed day outside the data, or a start after the end, is refused
    // with the reason; the filter keeps its last good range.
    let date_error = RwSignal::new(None::<String>);
    let date = move |dimension: Dimension| {
        let (key, label) = (dimension.key(), dimension.label());
        let (first, last) = (first_day.clone(), last_day.clone());
        let on_change = move |ev: leptos::ev::Event| {
            let next = filter
                .get_untracked()
                .with(dimension, &event_target_value(&ev));
            let problem = state::date_range_problem(
                next.get(Dimension::From),
                next.get(Dimension::To),
                first.as_deref(),
                last.as_deref(),
            );
            date_error.set(problem.clone());
            if problem.is_none() {
                apply.run(next);
            } else {
                // The box goes back to the range in force.
                let input = event_target::<web_sys::HtmlInputElement>(&ev);
                input.set_value(&current(dimension));
            }
        };
        view! {
            <label class="filter">
                {label}
                <input
                    type="date"
                    data-testid=format!("filter-{key}")
                    min=first_day.clone()
                    max=last_day.clone()
                    prop:value=move || current(dimension)
                    on:change=on_change
                />
            </label>
        }
    };
    let chips = move || {
        let active = filter.get();
        active
            .active()
            .into_iter()
            .map(|(dimension, value)| {
                let (key, label) = (dimension.key(), dimension.label());
                let without = active.toggled(dimension, &value);
                view! {
                    <li>
                        <button
                            class="chip"
                            data-testid=format!("chip-{key}")
                            aria-label=format!("Remove filter {label}: {value}")
                            on:click=move |_| apply.run(without.clone())
                        >
                            {format!("{label}: {value}")} <span aria-hidden="true">" ×"</span>
                        </button>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <section class="filters" aria-label="Filters" data-testid="filters">
            <div class="filter-controls">
                {date(Dimension::From)}
                {date(Dimension::To)}
                {FilterOptions::SELECTS.map(select).collect_view()}
            </div>
            {move || date_error.get().map(|problem| view! {
                <p class="error" role="alert" data-testid="date-error">{problem}</p>
            })}
            <ul class="chips" aria-label="Active filters">
                {chips}
                {move || (!filter.get().is_empty()).then(|| view! {
                    <li><button class="chip clear" data-testid="clear-filters" on:click=move |_| apply.run(Filter::default())>"Clear all"</button></li>
                })}
            </ul>
            <p class="hint" data-testid="filter-status" aria-live="polite">
                {move || view.get().map(|v| format!(
                    "{} encounters match · recomputed in {:.1} ms",
                    format_count(v.encounters as f64),
                    v.elapsed_ms
                ))}
            </p>
        </section>
    }
}

/// The KPI cards of a view: the value, what a rate is over, the change
/// against the previous period (with a date filter) and a monthly sparkline.
fn kpi_cards(kpis: &[Kpi], period: Option<&(String, String)>) -> impl IntoView + use<> {
    let compared = period.map(|(from, to)| format!("vs {from} – {to}"));
    kpis.iter()
        .map(|k| {
            let value_class = if k.value.chars().count() > 9 {
                "card-value long"
            } else {
                "card-value"
            };
            let detail = k
                .detail
                .clone()
                .map(|d| view! { <div class="card-detail">{d}</div> });
            let change = k.change.clone().map(|c| {
                view! {
                    <div class="card-change" data-testid=format!("change-{}", k.id) title=compared.clone()>
                        {c} <span class="visually-hidden">{compared.clone()}</span>
                    </div>
                }
            });
            let spark = charts::sparkline(&k.trend);
            let spark = (!spark.is_empty()).then(|| view! { <div class="card-spark" inner_html=spark></div> });
            view! {
                <div class="card" data-testid=format!("kpi-{}", k.id) data-raw=k.raw.map(|v| v.to_string()).unwrap_or_default() data-previous=k.previous.map(|v| v.to_string())>
                    <div class="card-label">{k.label.clone()}</div>
                    <div class="card-line">
                        <div class=value_class>{k.value.clone()}</div>
                        {spark}
                    </div>
                    {detail}
                    {change}
                </div>
            }
        })
        .collect_view()
}

/// The built lakehouse: KPIs, then the medallion layers.
#[component]
pub fn Results(
    summary: Arc<Summary>,
    filter: RwSignal<Filter>,
    view: RwSignal<Option<View>>,
    apply: Callback<Filter>,
    /// Whether the lakehouse is saved in the browser (in the header line).
    save_state: RwSignal<super::workspace::SaveState>,
    /// Save it (its source).
    on_save: Callback<String>,
) -> impl IntoView {
    // Short tasks, not one long one: the header and KPI cards first, then
    // the filter controls, then each group of charts in a task of its own
    // (after every view change too), then the medallion tables.
    let drawn: [RwSignal<Option<View>>; CHART_GROUPS] =
        std::array::from_fn(|_| RwSignal::new(None));
    Effect::new(move |_| {
        let current = view.get();
        for slot in drawn {
            let value = current.clone();
            crate::client::next_task(move || slot.set(value));
        }
    });
    // The filter controls next, in a task of their own (on a cold page the
    // header, cards and controls together took 57-84 ms at dbt x10).
    let controls = RwSignal::new(false);
    crate::client::next_task(move || controls.set(true));
    let medallion = RwSignal::new(false);
    set_timeout(
        move || medallion.set(true),
        std::time::Duration::from_millis(CHART_GROUPS as u64),
    );
    view! {
        <section class="results" data-testid="results">
            <section
                class="dashboard"
                data-testid="dashboard"
                aria-label="Dashboard"
                data-filter=move || drawn[CHART_GROUPS - 1].get().map(|v| v.filter.describe()).unwrap_or_default()
            >
                <div class="results-head">
                    <h2>"Dashboard"</h2>
                    <p class="meta">
                        "Synthea version " <strong data-testid="version">{summary.version.clone()}</strong>
                        " · as of " <strong data-testid="as-of">{summary.as_of.clone()}</strong>
                        " · " {format_count(summary.rejected_rows as f64)} " rejected rows"
                        " · worker memory " <span data-testid="wasm-memory" data-bytes=summary.wasm_memory_bytes.to_string()>{format_bytes(summary.wasm_memory_bytes)}</span>
                        " · " <super::workspace::SaveStatus state=save_state on_save=on_save />
                    </p>
                </div>
                {
                    let options = summary.options.clone();
                    move || controls.get().then(|| view! { <FilterBar options=options.clone() filter=filter view=view apply=apply /> })
                }
                {move || view.get().map(|v| view! {
                    {v.previous_period.as_ref().map(|(from, to)| view! {
                        <p class="hint" data-testid="previous-period">{format!("Changes compare with the previous period of the same length, {from} – {to}.")}</p>
                    })}
                    <div class="cards">{kpi_cards(&v.kpis, v.previous_period.as_ref())}</div>
                })}
                <div class="charts">
                    {drawn
                        .into_iter()
                        .enumerate()
                        .map(|(k, slot)| move || slot.get().map(|v| chart_group(&v.charts, &v.filter, apply, k)))
                        .collect_view()}
                </div>
            </section>
            {move || medallion.get().then(|| view! { <Medallion summary=summary.clone() /> })}
        </section>
    }
}
