//! The planned-against-actual chart of the 工程总结报告: one row per phase and task, a grey bar
//! from the contract's signing (day 0) to the planned day, and over it the actual one — blue when
//! on time, red when late. The page draws it as SVG (with its labels); the Word form prints the
//! same picture as a PNG, its rows numbered as in the table beside it (a PNG carries no font, so
//! its only text is digits drawn from a 3×5 pixel font).
use image::{Rgb, RgbImage};
use serde::Serialize;

/// One row: how many days after the signing it was due and when it was done.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ChartRow {
    /// Its number in the report's table.
    pub number: usize,
    pub label: String,
    /// A phase (a heavier bar) or one of its tasks.
    pub phase: bool,
    pub planned: i64,
    pub actual: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ScheduleChart {
    pub rows: Vec<ChartRow>,
}

const ROW: u32 = 18;
const LABEL: u32 = 40;
const PLOT: u32 = 720;
const TOP: u32 = 10;
const AXIS: u32 = 24;
const GREY: Rgb<u8> = Rgb([200, 204, 210]);
const BLUE: Rgb<u8> = Rgb([37, 99, 235]);
const RED: Rgb<u8> = Rgb([200, 40, 40]);
const INK: Rgb<u8> = Rgb([40, 40, 40]);
const GRID: Rgb<u8> = Rgb([232, 234, 238]);

impl ScheduleChart {
    /// The last day on the axis, rounded up to a tick.
    fn span(&self) -> i64 {
        let last = self
            .rows
            .iter()
            .map(|r| r.planned.max(r.actual.unwrap_or(0)))
            .max()
            .unwrap_or(0)
            .max(1);
        let tick = Self::tick(last);
        (last + tick - 1) / tick * tick
    }

    fn tick(last: i64) -> i64 {
        match last {
            0..=30 => 5,
            31..=90 => 10,
            91..=240 => 30,
            _ => 60,
        }
    }

    fn x(&self, day: i64) -> u32 {
        LABEL + (day.max(0) as u64 * u64::from(PLOT) / self.span() as u64) as u32
    }

    fn late(row: &ChartRow) -> bool {
        row.actual.is_some_and(|a| a > row.planned)
    }

    /// The chart as inline SVG for a page, its labels in the page's font.
    pub fn svg(&self) -> String {
        const SVG_LABEL: u32 = 180;
        let span = self.span();
        let width = SVG_LABEL + PLOT + 20;
        let height = TOP + self.rows.len() as u32 * ROW + AXIS;
        let x = |day: i64| SVG_LABEL + (day.max(0) as u64 * u64::from(PLOT) / span as u64) as u32;
        let mut out = format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-label="计划与实际完成日期" class="chart">"#
        );
        let tick = Self::tick(span);
        let bottom = TOP + self.rows.len() as u32 * ROW;
        for day in (0..=span).step_by(tick as usize) {
            out.push_str(&format!(
                r##"<line x1="{0}" y1="{TOP}" x2="{0}" y2="{bottom}" stroke="#e8eaee"/><text x="{0}" y="{1}" font-size="11" text-anchor="middle" fill="#555">D+{day}</text>"##,
                x(day),
                bottom + 16
            ));
        }
        for (i, r) in self.rows.iter().enumerate() {
            let y = TOP + i as u32 * ROW;
            let (h, weight) = if r.phase { (12, "600") } else { (8, "400") };
            let pad = (ROW - h) / 2;
            out.push_str(&format!(
                r##"<text x="4" y="{}" font-size="12" font-weight="{weight}" fill="#222">{}. {}</text>"##,
                y + ROW - 5,
                r.number,
                escape(&r.label)
            ));
            out.push_str(&format!(
                r##"<rect x="{}" y="{}" width="{}" height="{h}" fill="#c8ccd2"><title>计划 D+{}</title></rect>"##,
                x(0),
                y + pad,
                x(r.planned) - x(0),
                r.planned
            ));
            if let Some(a) = r.actual {
                let colour = if Self::late(r) { "#c82828" } else { "#2563eb" };
                out.push_str(&format!(
                    r##"<rect x="{}" y="{}" width="{}" height="{}" fill="{colour}"><title>实际 D+{a}</title></rect>"##,
                    x(0),
                    y + pad + h / 4,
                    (x(a) - x(0)).max(2),
                    h / 2
                ));
            }
        }
        out.push_str("</svg>");
        out
    }

    /// The chart as a PNG for the Word form, twice the size it prints at.
    pub fn png(&self) -> Vec<u8> {
        const SCALE: u32 = 2;
        let width = LABEL + PLOT + 20;
        let height = TOP + self.rows.len() as u32 * ROW + AXIS;
        let mut img = RgbImage::from_pixel(width * SCALE, height * SCALE, Rgb([255, 255, 255]));
        let mut fill = |x: u32, y: u32, w: u32, h: u32, c: Rgb<u8>| {
            for py in y * SCALE..((y + h) * SCALE).min(img.height()) {
                for px in x * SCALE..((x + w) * SCALE).min(img.width()) {
                    img.put_pixel(px, py, c);
                }
            }
        };
        let span = self.span();
        let tick = Self::tick(span);
        let bottom = TOP + self.rows.len() as u32 * ROW;
        for day in (0..=span).step_by(tick as usize) {
            let x = self.x(day);
            fill(x, TOP, 1, bottom - TOP, GRID);
            digits(&mut fill, &day.to_string(), x, bottom + 6, INK, true);
        }
        for (i, r) in self.rows.iter().enumerate() {
            let y = TOP + i as u32 * ROW;
            let h = if r.phase { 12 } else { 8 };
            let pad = (ROW - h) / 2;
            digits(&mut fill, &r.number.to_string(), 6, y + 6, INK, false);
            fill(self.x(0), y + pad, self.x(r.planned) - self.x(0), h, GREY);
            if let Some(a) = r.actual {
                let c = if Self::late(r) { RED } else { BLUE };
                fill(self.x(0), y + pad + h / 4, (self.x(a) - self.x(0)).max(2), h / 2, c);
            }
        }
        let mut out = std::io::Cursor::new(Vec::new());
        // Encoding an in-memory RGB image to PNG does not fail.
        let _ = img.write_to(&mut out, image::ImageFormat::Png);
        out.into_inner()
    }

    /// The PNG's size in pixels.
    pub fn png_size(&self) -> (u32, u32) {
        ((LABEL + PLOT + 20) * 2, (TOP + self.rows.len() as u32 * ROW + AXIS) * 2)
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Digits 0–9 in a 3×5 pixel font, each pixel 2×2 chart units.
const GLYPHS: [[u8; 5]; 10] = [
    [0b111, 0b101, 0b101, 0b101, 0b111],
    [0b010, 0b110, 0b010, 0b010, 0b111],
    [0b111, 0b001, 0b111, 0b100, 0b111],
    [0b111, 0b001, 0b111, 0b001, 0b111],
    [0b101, 0b101, 0b111, 0b001, 0b001],
    [0b111, 0b100, 0b111, 0b001, 0b111],
    [0b111, 0b100, 0b111, 0b101, 0b111],
    [0b111, 0b001, 0b010, 0b010, 0b010],
    [0b111, 0b101, 0b111, 0b101, 0b111],
    [0b111, 0b101, 0b111, 0b001, 0b111],
];

/// Draws `text`'s digits from (x, y), or centred on x.
fn digits(fill: &mut impl FnMut(u32, u32, u32, u32, Rgb<u8>), text: &str, x: u32, y: u32, c: Rgb<u8>, centred: bool) {
    const PX: u32 = 2;
    let advance = 4 * PX;
    let width = text.len() as u32 * advance;
    let start = if centred { x.saturating_sub(width / 2) } else { x };
    for (n, ch) in text.chars().enumerate() {
        let Some(glyph) = ch.to_digit(10).map(|d| GLYPHS[d as usize]) else {
            continue;
        };
        for (row, bits) in glyph.iter().enumerate() {
            for col in 0..3 {
                if bits & (0b100 >> col) != 0 {
                    fill(start + n as u32 * advance + col * PX, y + row as u32 * PX, PX, PX, c);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> ScheduleChart {
        ScheduleChart {
            rows: vec![
                ChartRow {
                    number: 1,
                    label: "前期准备".into(),
                    phase: true,
                    planned: 7,
                    actual: Some(6),
                },
                ChartRow {
                    number: 2,
                    label: "设备到货".into(),
                    phase: true,
                    planned: 15,
                    actual: Some(19),
                },
                ChartRow {
                    number: 3,
                    label: "项目总结".into(),
                    phase: false,
                    planned: 25,
                    actual: None,
                },
            ],
        }
    }

    #[test]
    fn the_svg_labels_each_row_and_colours_a_late_one_red() {
        let svg = chart().svg();
        assert!(svg.contains("1. 前期准备") && svg.contains("3. 项目总结"), "{svg}");
        assert_eq!(svg.matches("#c82828").count(), 1, "one late row");
        assert_eq!(svg.matches("#2563eb").count(), 1, "one on time");
        assert!(
            svg.contains("D+25") && !svg.contains("D+30"),
            "the axis ends at the tick that holds the last day: {svg}"
        );
    }

    #[test]
    fn the_png_is_a_png_of_its_stated_size_with_a_red_bar() {
        let c = chart();
        let png = c.png();
        let img = image::load_from_memory(&png).expect("a PNG").to_rgb8();
        assert_eq!((img.width(), img.height()), c.png_size());
        assert!(img.pixels().any(|p| *p == RED), "the late phase is red");
        assert!(img.pixels().any(|p| *p == BLUE), "the phase on time is blue");
    }
}
