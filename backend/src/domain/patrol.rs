//! 定时巡检 (routine inspections; `patrol` in the code, apart from the arrival inspections):
//! "凡本企业提供整套系统设备，每六个月本企业将派技术人员义务巡检一次至二次". The warranty is
//! cut into half-years from its first day; each half-year gets one visit in its middle, or two at
//! its thirds (months 2 and 4). A visit that falls on a day off moves to the next working day — or,
//! when that would leave its half-year, to the working day before.
use chrono::{Days, Months, NaiveDate};
use serde::Deserialize;

/// What an engineer checks on a visit, per system type: templates/patrols/*.toml, overridable
/// like the test-plan templates.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checklist {
    pub code: String,
    pub name: String,
    pub system_type: String,
    /// Checked on every installed unit with a serial number.
    pub unit_checks: Vec<String>,
    /// Checked once for the system.
    pub system_checks: Vec<String>,
}

impl Checklist {
    pub fn from_toml(text: &str) -> anyhow::Result<Self> {
        let list: Self = toml::from_str(text)?;
        anyhow::ensure!(
            !list.unit_checks.is_empty() || !list.system_checks.is_empty(),
            "a checklist lists at least one check"
        );
        Ok(list)
    }
}

/// How many visits each half-year gets: the original's 一次至二次.
pub const VISITS_PER_HALF_YEAR: std::ops::RangeInclusive<u32> = 1..=2;

/// One planned visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visit {
    /// 1, 2, … over the warranty.
    pub seq: u32,
    /// 1 for the first six months, 2 for the next …
    pub half_year: u32,
    /// The day it is planned on: a working day.
    pub planned_on: NaiveDate,
}

/// The visits of a warranty from `starts_on` to `ends_on` (both included), `per_half_year` in each
/// half-year (clamped to 1–2); a half-year cut short by the warranty's end keeps the visits that
/// fall within it.
pub fn plan(
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    per_half_year: u32,
    is_working_day: impl Fn(NaiveDate) -> bool,
) -> Vec<Visit> {
    let per = per_half_year.clamp(*VISITS_PER_HALF_YEAR.start(), *VISITS_PER_HALF_YEAR.end());
    let mut visits = Vec::new();
    for half_year in 1u32.. {
        let Some(from) = starts_on.checked_add_months(Months::new(6 * (half_year - 1))) else {
            break;
        };
        if from > ends_on {
            break;
        }
        // The half-year's last day, or the warranty's.
        let to = starts_on
            .checked_add_months(Months::new(6 * half_year))
            .and_then(|d| d.checked_sub_days(Days::new(1)))
            .map_or(ends_on, |d| d.min(ends_on));
        for i in 1..=per {
            let Some(day) = from.checked_add_months(Months::new(6 * i / (per + 1))) else {
                continue;
            };
            if day > to {
                continue;
            }
            let planned_on = working_day_within(day, from, to, &is_working_day);
            visits.push(Visit {
                seq: u32::try_from(visits.len()).unwrap_or(u32::MAX - 1) + 1,
                half_year,
                planned_on,
            });
        }
    }
    visits
}

/// `day` if worked; else the next working day up to `to`; else the last working day from `from`;
/// else `day` itself (a half-year with no working day does not happen, but a visit is not lost).
fn working_day_within(
    day: NaiveDate,
    from: NaiveDate,
    to: NaiveDate,
    is_working_day: &impl Fn(NaiveDate) -> bool,
) -> NaiveDate {
    let later = day.iter_days().take_while(|d| *d <= to).find(|d| is_working_day(*d));
    let earlier = || {
        std::iter::successors(Some(day), |d| d.pred_opt())
            .take_while(|d| *d >= from)
            .find(|d| is_working_day(*d))
    };
    later.or_else(earlier).unwrap_or(day)
}

/// Where a visit stands on `today` when it has not been done: 待巡检 until its day, 已逾期 after.
pub fn overdue(planned_on: NaiveDate, done: bool, today: NaiveDate) -> bool {
    !done && today > planned_on
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::HolidayCalendar;

    fn cn() -> HolidayCalendar {
        HolidayCalendar::from_toml(include_str!("../../../templates/calendars/cn.toml")).expect("the calendar")
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    #[test]
    fn one_visit_a_half_year_falls_in_its_middle_on_a_working_day() {
        let cal = cn();
        // Warranty from 2026-01-15 for a year: half-years from 01-15 and 07-15.
        let visits = plan(d("2026-01-15"), d("2027-01-14"), 1, |day| cal.is_working_day(day));
        let days: Vec<String> = visits.iter().map(|v| v.planned_on.to_string()).collect();
        // 2026-04-15 is a Wednesday; 2026-10-15 a Thursday.
        assert_eq!(days, ["2026-04-15", "2026-10-15"]);
        assert_eq!(visits.iter().map(|v| v.half_year).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(visits.iter().map(|v| v.seq).collect::<Vec<_>>(), [1, 2]);
    }

    #[test]
    fn a_visit_on_national_day_moves_past_the_holiday_and_a_weekend_one_to_monday() {
        let cal = cn();
        // From 2026-07-01, two a half-year: months 2 and 4 → 09-01 (Tue) and 11-01 (Sunday → 11-02).
        // From 2026-06-01, one a half-year: 09-01 … and from 2026-07-01 with one: 10-01, 国庆 → 10-08.
        let two = plan(d("2026-07-01"), d("2027-06-30"), 2, |day| cal.is_working_day(day));
        assert_eq!(two[0].planned_on, d("2026-09-01"));
        assert_eq!(two[1].planned_on, d("2026-11-02"), "Sunday 11-01 moves to Monday");
        let one = plan(d("2026-07-01"), d("2027-06-30"), 1, |day| cal.is_working_day(day));
        assert_eq!(
            one[0].planned_on,
            d("2026-10-08"),
            "国庆 1–7 October, then Thursday the 8th"
        );
    }

    #[test]
    fn an_adjusted_saturday_is_worked_so_a_visit_stays_on_it() {
        let cal = cn();
        // 2026-10-10 is a Saturday worked for 国庆 (调休): a visit planned that day stays.
        let visits = plan(d("2026-07-10"), d("2027-07-09"), 1, |day| cal.is_working_day(day));
        assert_eq!(visits[0].planned_on, d("2026-10-10"));
        // An ordinary Saturday moves on: 2026-03-07 → Monday 03-09.
        let visits = plan(d("2025-12-07"), d("2026-12-06"), 1, |day| cal.is_working_day(day));
        assert_eq!(visits[0].planned_on, d("2026-03-09"));
    }

    #[test]
    fn a_three_year_warranty_has_six_half_years_and_two_visits_each_when_asked() {
        let cal = cn();
        let visits = plan(d("2026-11-21"), d("2029-11-20"), 2, |day| cal.is_working_day(day));
        assert_eq!(visits.len(), 12);
        assert_eq!(visits.last().map(|v| v.half_year), Some(6));
        assert!(visits.iter().all(|v| cal.is_working_day(v.planned_on)));
        assert!(visits.windows(2).all(|w| w[0].planned_on < w[1].planned_on));
        assert!(visits.iter().all(|v| v.planned_on <= d("2029-11-20")));
    }

    #[test]
    fn a_visit_that_would_leave_its_half_year_moves_back_instead() {
        // Only Mondays are worked; a half-year of one month ending on a Sunday.
        let monday = |day: NaiveDate| chrono::Datelike::weekday(&day) == chrono::Weekday::Mon;
        // Warranty 2026-03-01 (Sunday) … 2026-03-31: one half-year cut short; its middle would be
        // 2026-06-01, past the end — no visit; so a warranty of four months and a day:
        let visits = plan(d("2026-03-01"), d("2026-06-02"), 1, monday);
        // Middle 06-01 is a Monday within the warranty.
        assert_eq!(
            visits.iter().map(|v| v.planned_on).collect::<Vec<_>>(),
            [d("2026-06-01")]
        );
        // Two a half-year on a warranty ending 2026-07-04 (Saturday): month 4 → 07-01 (Wed);
        // no Monday after it until 07-04, so the Monday before: 06-29.
        let visits = plan(d("2026-03-01"), d("2026-07-04"), 2, monday);
        assert_eq!(visits.last().map(|v| v.planned_on), Some(d("2026-06-29")));
    }

    #[test]
    fn a_visit_not_done_is_overdue_the_day_after_it() {
        assert!(!overdue(d("2026-04-15"), false, d("2026-04-15")));
        assert!(overdue(d("2026-04-15"), false, d("2026-04-16")));
        assert!(!overdue(d("2026-04-15"), true, d("2026-05-01")));
    }
}
