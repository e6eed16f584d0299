//! Deadline arithmetic in a project's time zone.
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::types::TaskStatus;

/// The date a deadline falls on: an override wins over the planned date.
/// A stored zone name (checked when saved; Shanghai should one ever not parse).
pub fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(chrono_tz::Asia::Shanghai)
}

/// A phase's status from its tasks': done when all are, started when any is.
pub fn phase_status(tasks: impl IntoIterator<Item = TaskStatus>) -> TaskStatus {
    let (mut all_done, mut any_started) = (true, false);
    for t in tasks {
        all_done &= t == TaskStatus::Done;
        any_started |= t != TaskStatus::NotStarted;
    }
    match (all_done, any_started) {
        (true, _) => TaskStatus::Done,
        (false, true) => TaskStatus::InProgress,
        (false, false) => TaskStatus::NotStarted,
    }
}

pub fn effective_due(planned: NaiveDate, overridden: Option<NaiveDate>) -> NaiveDate {
    overridden.unwrap_or(planned)
}

/// The instant a deadline passes: the end of its day in `tz` (the next day's first moment).
pub fn deadline(due: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let next = due.succ_opt().unwrap_or(due).and_time(NaiveTime::MIN);
    tz.from_local_datetime(&next)
        .earliest()
        .unwrap_or_else(|| next.and_utc().with_timezone(&tz))
        .to_utc()
}

/// The calendar day it is at `now` in `tz`.
pub fn local_today(now: DateTime<Utc>, tz: Tz) -> NaiveDate {
    now.with_timezone(&tz).date_naive()
}

/// Where an open item stands against its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueState {
    /// Not done after the end of the due day in the project's time zone.
    pub overdue: bool,
    /// Whole days from today to the due day (negative once past).
    pub days_left: i64,
}

pub fn due_state(due: NaiveDate, done: bool, now: DateTime<Utc>, tz: Tz) -> DueState {
    let today = local_today(now, tz);
    let days_left = (due - today).num_days();
    DueState {
        overdue: !done && days_left < 0,
        days_left,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("instant").with_timezone(&Utc)
    }

    #[test]
    fn a_task_due_today_turns_overdue_at_midnight_shanghai_time() {
        let due: NaiveDate = "2026-03-09".parse().expect("date");
        let tz = chrono_tz::Asia::Shanghai;
        // 23:59 on the due day in Shanghai is 15:59 UTC.
        let before = due_state(due, false, at("2026-03-09T15:59:59Z"), tz);
        assert_eq!(
            before,
            DueState {
                overdue: false,
                days_left: 0
            }
        );
        // Midnight in Shanghai is 16:00 UTC, still the 9th in London.
        let after = due_state(due, false, at("2026-03-09T16:00:00Z"), tz);
        assert_eq!(
            after,
            DueState {
                overdue: true,
                days_left: -1
            }
        );
        assert!(
            !due_state(due, true, at("2026-03-20T00:00:00Z"), tz).overdue,
            "done is never overdue"
        );
    }

    #[test]
    fn a_deadline_is_the_first_moment_of_the_next_day_in_the_zone() {
        let due: NaiveDate = "2026-03-09".parse().expect("date");
        assert_eq!(deadline(due, chrono_tz::Asia::Shanghai), at("2026-03-09T16:00:00Z"));
        assert_eq!(deadline(due, chrono_tz::UTC), at("2026-03-10T00:00:00Z"));
        // The day before Berlin moves its clocks on: midnight is still at +01:00.
        let eve: NaiveDate = "2026-03-28".parse().expect("date");
        assert_eq!(deadline(eve, chrono_tz::Europe::Berlin), at("2026-03-28T23:00:00Z"));
    }
}
