//! 维护统计 and the three targets (1.3.10, 1.4.1): the figures of a month, summed per project and
//! category, and the rates the original holds below 1‰ (its "1010-3" is 1×10⁻³).
//!
//! - **服务投诉率** = complaints made in 回访 answered in the period ÷ service events in the period;
//! - **服务遗漏率** = (faults whose response promise broke + inspections missed) ÷ service events;
//! - **服务不满意率** = 回访 answered with any 不满意 ÷ 回访 answered in the period;
//!
//! where the **service events** of a period are the faults reported in it plus the inspections
//! due in it — everything the service owed the clients that month — and an inspection is
//! **missed** when it was not made by the end of the month it was due in (while that month runs,
//! once its day has passed). README, Service quality, says why these and not others.
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// The targets: each rate below one per thousand.
pub const TARGET_PER_MILLE: f64 = 1.0;

/// A calendar month, `2026-11`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Month {
    year: i32,
    month: u32,
}

impl Month {
    pub fn new(year: i32, month: u32) -> Option<Self> {
        ((1..=12).contains(&month) && (2000..=9999).contains(&year)).then_some(Self { year, month })
    }

    /// `2026-11`.
    pub fn parse(text: &str) -> Option<Self> {
        let (y, m) = text.trim().split_once('-')?;
        Self::new(y.parse().ok()?, m.parse().ok()?)
    }

    pub fn of(day: NaiveDate) -> Self {
        Self {
            year: day.year(),
            month: day.month(),
        }
    }

    /// `yyyymm`, as stored on a ticket.
    pub fn key(self) -> i32 {
        self.year * 100 + self.month as i32
    }

    pub fn from_key(key: i32) -> Option<Self> {
        Self::new(key / 100, (key % 100) as u32)
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MAX)
    }

    pub fn next(self) -> Self {
        self.plus(1)
    }

    pub fn prev(self) -> Self {
        self.plus(-1)
    }

    /// `n` months later (earlier when negative).
    pub fn plus(self, n: i32) -> Self {
        let index = self.year * 12 + self.month as i32 - 1 + n;
        Self {
            year: index.div_euclid(12),
            month: index.rem_euclid(12) as u32 + 1,
        }
    }

    /// The months from `self` to `last`, both included.
    pub fn through(self, last: Month) -> impl Iterator<Item = Month> {
        std::iter::successors(Some(self), move |m| (*m < last).then(|| m.next()))
    }

    /// 2026年11月.
    pub fn label_zh(self) -> String {
        format!("{}年{}月", self.year, self.month)
    }

    /// The half-year it lies in: (year, 1 or 2).
    pub fn half(self) -> (i32, u32) {
        (self.year, if self.month <= 6 { 1 } else { 2 })
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{:02}", self.year, self.month)
    }
}

impl TryFrom<String> for Month {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Month::parse(&value).ok_or_else(|| format!("'{value}' is not a month like 2026-11"))
    }
}

impl From<Month> for String {
    fn from(m: Month) -> String {
        m.to_string()
    }
}

/// Whether an inspection due on `planned_on` counts as missed on `today`: not made by the end of
/// its month (while the month runs, not made by its day).
pub fn patrol_missed(planned_on: NaiveDate, done_on: Option<NaiveDate>, today: NaiveDate) -> bool {
    let end = Month::of(planned_on).last_day();
    match done_on {
        Some(done) => done > end,
        None => today > planned_on,
    }
}

/// A rate: what is counted over what it is counted among.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rate {
    pub numerator: u64,
    pub denominator: u64,
    /// ‰; none when nothing was counted among.
    pub per_mille: Option<f64>,
    /// At or above the target (red).
    pub above_target: bool,
}

impl Rate {
    pub fn new(numerator: u64, denominator: u64) -> Self {
        let per_mille = (denominator > 0).then(|| numerator as f64 * 1000.0 / denominator as f64);
        Rate {
            numerator,
            denominator,
            per_mille,
            above_target: per_mille.is_some_and(|r| r >= TARGET_PER_MILLE),
        }
    }

    /// `0.85‰`, `—` when nothing was counted among.
    pub fn text(&self) -> String {
        match self.per_mille {
            Some(r) => format!("{}‰", round2(r)),
            None => "—".into(),
        }
    }
}

fn round2(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// The counts of a month (or a sum of months) for a project and category, or any sum of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Faults reported (报修工单).
    pub faults: u64,
    /// Times an engineer arrived on site for them (维修次数).
    pub site_visits: u64,
    /// Faults whose response stopped or broke (what the response promise is measured on).
    pub responses: u64,
    pub responses_broken: u64,
    /// Seconds of the responses that stopped, and how many stopped.
    pub response_secs: u64,
    pub responses_timed: u64,
    /// The same for the repair (from arriving to repaired or replaced).
    pub repairs: u64,
    pub repairs_broken: u64,
    pub repair_secs: u64,
    pub repairs_timed: u64,
    /// Spares taken out for them.
    pub spares_used: u64,
    /// Inspections due, made and missed.
    pub patrols_due: u64,
    pub patrols_done: u64,
    pub patrols_missed: u64,
    /// 回访 answered; of them with any 不满意; complaints made in them.
    pub visits_answered: u64,
    pub visits_unsatisfied: u64,
    pub complaints: u64,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, o: Self) {
        self.faults += o.faults;
        self.site_visits += o.site_visits;
        self.responses += o.responses;
        self.responses_broken += o.responses_broken;
        self.response_secs += o.response_secs;
        self.responses_timed += o.responses_timed;
        self.repairs += o.repairs;
        self.repairs_broken += o.repairs_broken;
        self.repair_secs += o.repair_secs;
        self.repairs_timed += o.repairs_timed;
        self.spares_used += o.spares_used;
        self.patrols_due += o.patrols_due;
        self.patrols_done += o.patrols_done;
        self.patrols_missed += o.patrols_missed;
        self.visits_answered += o.visits_answered;
        self.visits_unsatisfied += o.visits_unsatisfied;
        self.complaints += o.complaints;
    }
}

impl Counts {
    /// Everything the service owed: faults reported and inspections due.
    pub fn service_events(&self) -> u64 {
        self.faults + self.patrols_due
    }

    pub fn omissions(&self) -> u64 {
        self.responses_broken + self.patrols_missed
    }

    pub fn complaint_rate(&self) -> Rate {
        Rate::new(self.complaints, self.service_events())
    }

    pub fn omission_rate(&self) -> Rate {
        Rate::new(self.omissions(), self.service_events())
    }

    pub fn unsatisfied_rate(&self) -> Rate {
        Rate::new(self.visits_unsatisfied, self.visits_answered)
    }

    /// The share of measured responses that kept their promise, in percent.
    pub fn response_kept_percent(&self) -> Option<f64> {
        percent(
            self.responses - self.responses_broken.min(self.responses),
            self.responses,
        )
    }

    pub fn repair_kept_percent(&self) -> Option<f64> {
        percent(self.repairs - self.repairs_broken.min(self.repairs), self.repairs)
    }

    /// Mean response in minutes, of the responses that stopped.
    pub fn mean_response_minutes(&self) -> Option<f64> {
        (self.responses_timed > 0).then(|| self.response_secs as f64 / 60.0 / self.responses_timed as f64)
    }

    /// Mean repair in hours.
    pub fn mean_repair_hours(&self) -> Option<f64> {
        (self.repairs_timed > 0).then(|| self.repair_secs as f64 / 3600.0 / self.repairs_timed as f64)
    }

    /// Site visits per fault.
    pub fn visits_per_fault(&self) -> Option<f64> {
        (self.faults > 0).then(|| self.site_visits as f64 / self.faults as f64)
    }
}

fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// A figure printed with at most one decimal, `—` when there is none.
pub fn one_decimal(v: Option<f64>) -> String {
    match v {
        Some(v) => {
            let s = format!("{v:.1}");
            s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
        }
        None => "—".into(),
    }
}

/// How far back a fault counts towards a recurrence: the month and the two before it.
pub const RECURRENCE_MONTHS: i32 = 3;

/// A fault as the recurrence rule reads it: which unit (or, with no unit on the card, which
/// device as written) and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultOn {
    pub ticket: i32,
    pub unit_id: Option<i32>,
    pub device: Option<String>,
    pub month: Month,
}

/// What failed again: faults on the same unit (or the same device as written, ignoring case and
/// spaces) at least twice in `RECURRENCE_MONTHS` ending with `month`, one of them in it — what
/// the PM's monthly summary asks about (分析事故多发原因). The tickets of each, oldest first;
/// the groups with the most faults first.
pub fn recurring(faults: &[FaultOn], month: Month) -> Vec<Vec<i32>> {
    let first = month.plus(1 - RECURRENCE_MONTHS);
    let mut groups: std::collections::BTreeMap<String, Vec<&FaultOn>> = std::collections::BTreeMap::new();
    for f in faults.iter().filter(|f| f.month >= first && f.month <= month) {
        let key = match (f.unit_id, &f.device) {
            (Some(unit), _) => format!("unit:{unit}"),
            (None, Some(device)) => {
                let written: String = device
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect::<String>()
                    .to_lowercase();
                if written.is_empty() {
                    continue;
                }
                format!("device:{written}")
            }
            (None, None) => continue,
        };
        groups.entry(key).or_default().push(f);
    }
    let mut out: Vec<Vec<i32>> = groups
        .into_values()
        .filter(|g| g.len() >= 2 && g.iter().any(|f| f.month == month))
        .map(|g| {
            let mut ids: Vec<i32> = g.iter().map(|f| f.ticket).collect();
            ids.sort_unstable();
            ids
        })
        .collect();
    out.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    #[test]
    fn months_count_across_years_and_print_as_the_site_reads_them() {
        let m = Month::parse("2026-11").expect("a month");
        assert_eq!(m.key(), 202611);
        assert_eq!(m.plus(2).to_string(), "2027-01");
        assert_eq!(m.plus(-11).to_string(), "2025-12");
        assert_eq!(Month::from_key(202602).map(|m| m.last_day()), Some(d("2026-02-28")));
        assert_eq!(Month::from_key(202802).map(|m| m.last_day()), Some(d("2028-02-29")));
        assert_eq!(m.label_zh(), "2026年11月");
        assert_eq!(m.prev().through(m.next()).count(), 3);
        assert_eq!(Month::parse("2026-13"), None);
        assert_eq!(Month::parse("November"), None);
        assert_eq!(m.half(), (2026, 2));
    }

    #[test]
    fn an_inspection_is_missed_when_its_month_ends_without_it() {
        let planned = d("2026-11-10");
        // Made late but within its month: not missed.
        assert!(!patrol_missed(planned, Some(d("2026-11-20")), d("2026-12-15")));
        // Made next month: missed.
        assert!(patrol_missed(planned, Some(d("2026-12-01")), d("2026-12-15")));
        // Not made: missed once its day has passed, not before.
        assert!(!patrol_missed(planned, None, d("2026-11-10")));
        assert!(patrol_missed(planned, None, d("2026-11-11")));
    }

    #[test]
    fn a_rate_is_red_at_one_per_thousand_and_empty_without_a_denominator() {
        let r = Rate::new(1, 1000);
        assert_eq!(r.per_mille, Some(1.0));
        assert!(r.above_target);
        assert_eq!(r.text(), "1‰");
        let r = Rate::new(1, 2000);
        assert!(!r.above_target);
        assert_eq!(r.text(), "0.5‰");
        let r = Rate::new(0, 0);
        assert_eq!(r.per_mille, None);
        assert!(!r.above_target);
        assert_eq!(r.text(), "—");
        assert_eq!(Rate::new(2, 3).text(), "666.67‰");
    }

    #[test]
    fn the_three_rates_share_the_service_events() {
        let c = Counts {
            faults: 8,
            patrols_due: 2,
            patrols_missed: 1,
            responses: 7,
            responses_broken: 1,
            complaints: 1,
            visits_answered: 4,
            visits_unsatisfied: 1,
            ..Default::default()
        };
        assert_eq!(c.service_events(), 10);
        assert_eq!(c.complaint_rate().per_mille, Some(100.0));
        assert_eq!(c.omission_rate().numerator, 2);
        assert_eq!(c.unsatisfied_rate().per_mille, Some(250.0));
        assert_eq!(one_decimal(c.response_kept_percent()), "85.7");
        assert_eq!(one_decimal(Counts::default().mean_repair_hours()), "—");
    }

    #[test]
    fn a_unit_or_a_device_that_failed_twice_in_three_months_recurs_once_it_failed_this_month() {
        let m = |text: &str| Month::parse(text).expect("month");
        let on = |ticket: i32, unit_id: Option<i32>, device: Option<&str>, month: &str| FaultOn {
            ticket,
            unit_id,
            device: device.map(Into::into),
            month: m(month),
        };
        let faults = [
            // Unit 7: August and October: recurs in October.
            on(1, Some(7), Some("1 号法庭 庭审主机"), "2026-08"),
            on(2, Some(7), None, "2026-10"),
            // The same device as written twice, spaces and case aside.
            on(3, None, Some("5号法庭 拾音器"), "2026-10"),
            on(4, None, Some(" 5 号法庭拾音器"), "2026-10"),
            on(5, None, Some("5 号法庭 拾音器 MIC"), "2026-09"),
            // Twice, but both before this month: not this month's recurrence.
            on(6, Some(9), None, "2026-09"),
            on(7, Some(9), None, "2026-09"),
            // Too long ago to count with October.
            on(8, Some(11), None, "2026-07"),
            on(9, Some(11), None, "2026-10"),
            // No unit and no device: nothing to match.
            on(10, None, None, "2026-10"),
            on(11, None, None, "2026-10"),
        ];
        assert_eq!(recurring(&faults, m("2026-10")), vec![vec![1, 2], vec![3, 4]]);
        assert_eq!(recurring(&faults, m("2026-09")), vec![vec![6, 7]]);
        assert!(recurring(&faults, m("2026-11")).is_empty());
    }
}
