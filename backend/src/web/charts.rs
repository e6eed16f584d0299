//! Bar charts drawn as inline SVG by the templates (`charts.html`) from the geometry worked out
//! here: a column per month, its series stacked or side by side, a few grid lines with their
//! values, and a legend. Colours are CSS classes, so the page's palette decides them.
use serde::Serialize;

/// One series: its name in the legend, its CSS class and a value per column.
pub struct Series {
    pub label: String,
    pub class: &'static str,
    pub values: Vec<f64>,
}

#[derive(Serialize)]
pub struct Segment {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    pub class: &'static str,
    /// The tooltip: the series, the column and the value.
    pub title: String,
}

#[derive(Serialize)]
pub struct ColumnLabel {
    pub x: f64,
    pub label: String,
}

#[derive(Serialize)]
pub struct GridLine {
    pub y: f64,
    pub label: String,
}

#[derive(Serialize)]
pub struct LegendEntry {
    pub label: String,
    pub class: &'static str,
}

#[derive(Serialize)]
pub struct BarChart {
    pub title: String,
    pub width: u32,
    pub height: u32,
    pub plot_left: u32,
    pub plot_right: u32,
    pub plot_bottom: u32,
    pub segments: Vec<Segment>,
    pub columns: Vec<ColumnLabel>,
    pub grid: Vec<GridLine>,
    pub legend: Vec<LegendEntry>,
    /// Nothing to draw: the page says so instead.
    pub empty: bool,
}

const WIDTH: u32 = 560;
const HEIGHT: u32 = 200;
const LEFT: u32 = 36;
const RIGHT: u32 = 8;
const TOP: u32 = 10;
const BOTTOM: u32 = 22;

/// A step for the grid that gives two to five lines up to `max` (1, 2 or 5 times a power of ten:
/// whole numbers for counts).
fn step(max: f64) -> f64 {
    let raw = (max / 4.0).max(1e-9);
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude)
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// A chart of `series` over `columns`: stacked when `stacked`, else side by side; `max` fixes
/// the top of the scale (100 for percentages), else it follows the data. `unit` follows values
/// in the tooltips.
pub fn bars(
    title: &str,
    columns: &[String],
    series: &[Series],
    stacked: bool,
    max: Option<f64>,
    unit: &str,
) -> BarChart {
    let totals: Vec<f64> = (0..columns.len())
        .map(|i| {
            let values = series.iter().map(|s| s.values.get(i).copied().unwrap_or(0.0));
            if stacked {
                values.sum()
            } else {
                values.fold(0.0, f64::max)
            }
        })
        .collect();
    let peak = totals.iter().copied().fold(0.0, f64::max);
    let top = match max {
        Some(m) => m,
        None => {
            let s = step(peak.max(1.0));
            (peak / s).ceil().max(1.0) * s
        }
    };
    let plot_w = f64::from(WIDTH - LEFT - RIGHT);
    let plot_h = f64::from(HEIGHT - TOP - BOTTOM);
    let bottom = f64::from(HEIGHT - BOTTOM);
    let slot = plot_w / columns.len().max(1) as f64;
    let bar_w = slot * 0.7;
    let y = |v: f64| bottom - (v / top).min(1.0) * plot_h;
    let mut segments = Vec::new();
    for (i, column) in columns.iter().enumerate() {
        let x0 = f64::from(LEFT) + slot * i as f64 + (slot - bar_w) / 2.0;
        let mut base = 0.0;
        for (k, s) in series.iter().enumerate() {
            let v = s.values.get(i).copied().unwrap_or(0.0);
            if v <= 0.0 {
                continue;
            }
            let (x, width, from) = if stacked {
                (x0, bar_w, base)
            } else {
                let w = bar_w / series.len() as f64;
                (x0 + w * k as f64, w, 0.0)
            };
            let (y_top, y_bottom) = (y(from + v), y(from));
            segments.push(Segment {
                x: round(x),
                y: round(y_top),
                width: round(width),
                height: round((y_bottom - y_top).max(1.0)),
                class: s.class,
                title: format!("{column} {}：{}{unit}", s.label, number(v)),
            });
            if stacked {
                base += v;
            }
        }
    }
    let s = step(top);
    let grid = std::iter::successors(Some(0.0), |v| Some(v + s))
        .take_while(|v| *v <= top + 1e-9)
        .map(|v| GridLine {
            y: round(y(v)),
            label: number(v),
        })
        .collect();
    BarChart {
        title: title.into(),
        width: WIDTH,
        height: HEIGHT,
        plot_left: LEFT,
        plot_right: WIDTH - RIGHT,
        plot_bottom: HEIGHT - BOTTOM,
        columns: columns
            .iter()
            .enumerate()
            .map(|(i, label)| ColumnLabel {
                x: round(f64::from(LEFT) + slot * (i as f64 + 0.5)),
                label: label.clone(),
            })
            .collect(),
        grid,
        legend: series
            .iter()
            .map(|s| LegendEntry {
                label: s.label.clone(),
                class: s.class,
            })
            .collect(),
        empty: peak <= 0.0,
        segments,
    }
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacked_bars_sit_on_each_other_and_the_scale_covers_the_tallest() {
        let columns = vec!["10月".to_string(), "11月".to_string()];
        let series = [
            Series {
                label: "数字法庭".into(),
                class: "s1",
                values: vec![3.0, 1.0],
            },
            Series {
                label: "视频会议".into(),
                class: "s2",
                values: vec![2.0, 0.0],
            },
        ];
        let c = bars("故障", &columns, &series, true, None, " 件");
        assert_eq!(c.segments.len(), 3);
        let (a, b) = (&c.segments[0], &c.segments[1]);
        // The second sits on the first.
        assert!((b.y + b.height - a.y).abs() < 0.2);
        // Five at the tallest: whole-number lines every 2, up to 6.
        let lines: Vec<&str> = c.grid.iter().map(|g| g.label.as_str()).collect();
        assert_eq!(lines, ["0", "2", "4", "6"]);
        assert_eq!(b.title, "10月 视频会议：2 件");
        assert!(!c.empty);
    }

    #[test]
    fn a_chart_without_data_says_so() {
        let c = bars("故障", &["11月".to_string()], &[], true, None, "");
        assert!(c.empty);
        assert!(c.segments.is_empty());
    }
}
