//! The phase timeline drawn as inline SVG from the schedule: each phase a bar from the contract
//! date to its due date, a tick per task deadline, a line for today; the colours are the badges'.
use chrono::NaiveDate;
use serde::Serialize;

/// A phase as the timeline needs it.
pub struct PhaseSpan<'a> {
    pub name: &'a str,
    pub due: NaiveDate,
    /// done, overdue, active (started) or todo.
    pub state: &'static str,
    pub task_dues: Vec<(NaiveDate, bool)>,
}

#[derive(Serialize)]
pub struct Bar {
    pub label: String,
    pub y: u32,
    pub width: f64,
    pub class: &'static str,
    pub due_label: String,
    pub ticks: Vec<Tick>,
}

#[derive(Serialize)]
pub struct Tick {
    pub x: f64,
    pub done: bool,
}

#[derive(Serialize)]
pub struct Timeline {
    pub width: u32,
    pub height: u32,
    /// Where the bars start (after the phase names).
    pub left: f64,
    pub bars: Vec<Bar>,
    /// Today's line, when today is within the drawing.
    pub today_x: Option<f64>,
    pub start_label: String,
}

const WIDTH: u32 = 960;
const LEFT: f64 = 110.0;
const RIGHT: f64 = 140.0;
const ROW: u32 = 34;
const TOP: u32 = 28;

/// Lays out `phases` from `signed` to the last due date (or today, if later).
pub fn layout(signed: NaiveDate, today: NaiveDate, phases: &[PhaseSpan<'_>]) -> Timeline {
    let last = phases
        .iter()
        .map(|p| p.due)
        .max()
        .unwrap_or(signed)
        .max(today)
        .max(signed);
    let days = ((last - signed).num_days() + 1).max(1) as f64;
    let span = f64::from(WIDTH) - LEFT - RIGHT;
    let x = |d: NaiveDate| LEFT + span * ((d - signed).num_days().max(0) as f64 / days);
    let bars = phases
        .iter()
        .enumerate()
        .map(|(i, p)| Bar {
            label: p.name.to_string(),
            y: TOP + i as u32 * ROW,
            width: (x(p.due) - LEFT).max(4.0),
            class: p.state,
            due_label: format!(
                "{}月{}日",
                chrono::Datelike::month(&p.due),
                chrono::Datelike::day(&p.due)
            ),
            ticks: p
                .task_dues
                .iter()
                .map(|(d, done)| Tick { x: x(*d), done: *done })
                .collect(),
        })
        .collect();
    Timeline {
        width: WIDTH,
        height: TOP + phases.len() as u32 * ROW + 12,
        left: LEFT,
        bars,
        today_x: (today >= signed).then(|| x(today)),
        start_label: format!(
            "签约 {}月{}日",
            chrono::Datelike::month(&signed),
            chrono::Datelike::day(&signed)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn bars_grow_with_their_due_dates_and_today_sits_between() {
        let phases = [
            PhaseSpan {
                name: "前期准备",
                due: day("2026-03-09"),
                state: "done",
                task_dues: vec![],
            },
            PhaseSpan {
                name: "设备到货",
                due: day("2026-03-17"),
                state: "overdue",
                task_dues: vec![(day("2026-03-17"), false)],
            },
        ];
        let t = layout(day("2026-03-02"), day("2026-03-12"), &phases);
        assert!(t.bars[0].width < t.bars[1].width);
        let today = t.today_x.expect("today is drawn");
        assert!(today > t.left + t.bars[0].width && today < t.left + t.bars[1].width);
        assert_eq!(t.bars[1].ticks[0].x, t.left + t.bars[1].width);
        assert_eq!(t.bars[1].class, "overdue");
    }
}
