//! Working-day calendars: weekends off, listed holidays off, listed adjusted working days (调休) on.
use std::collections::BTreeSet;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayCalendar {
    pub code: String,
    pub name: String,
    /// Years whose holidays the file lists; other years fall back to weekends only.
    #[serde(default)]
    pub years: Vec<i32>,
    #[serde(default)]
    pub holidays: BTreeSet<NaiveDate>,
    /// Weekend days that are working days (调休).
    #[serde(default)]
    pub workdays: BTreeSet<NaiveDate>,
}

impl HolidayCalendar {
    pub fn from_toml(text: &str) -> anyhow::Result<Self> {
        Ok(toml::from_str(text)?)
    }

    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        if self.workdays.contains(&day) {
            return true;
        }
        if self.holidays.contains(&day) {
            return false;
        }
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// The `n`-th working day after `start` (`start` itself never counts); `n = 0` is `start`.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut day = start;
        let mut left = n;
        while left > 0 {
            day = day + Days::new(1);
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cn() -> HolidayCalendar {
        HolidayCalendar::from_toml(include_str!("../../../templates/calendars/cn.toml"))
            .expect("the shipped calendar parses")
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn the_shipped_calendar_knows_2026() {
        let cal = cn();
        assert!(!cal.is_working_day(d("2026-10-01")), "National Day is off");
        assert!(cal.is_working_day(d("2026-10-10")), "a 调休 Saturday is worked");
        assert!(!cal.is_working_day(d("2026-03-07")), "an ordinary Saturday is off");
        assert!(cal.is_working_day(d("2026-03-09")));
    }

    #[test]
    fn working_days_skip_the_may_day_holiday_and_count_the_adjusted_saturday() {
        // Thu 30 April + 5 working days: 1–5 May off, 6, 7, 8, Sat 9 (调休), Sun 10 off, Mon 11.
        assert_eq!(cn().add_working_days(d("2026-04-30"), 5), d("2026-05-11"));
    }

    #[test]
    fn zero_working_days_is_the_start_itself() {
        assert_eq!(cn().add_working_days(d("2026-05-02"), 0), d("2026-05-02"));
    }
}
