//! Delivery plans: phases and tasks with deadlines as offsets from the contract signing date.
use std::collections::HashSet;

use chrono::{Days, NaiveDate};
use poem_openapi::{Enum, Object};
use serde::{Deserialize, Serialize};

use super::calendar::HolidayCalendar;
use crate::error::AppError;

/// How offsets are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Enum)]
#[serde(rename_all = "snake_case")]
#[oai(rename_all = "snake_case")]
pub enum DayBasis {
    /// Calendar days.
    Calendar,
    /// Working days of the plan's holiday calendar.
    Working,
}

/// A plan as shipped under templates/plans/ or added by an administrator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Object)]
#[serde(deny_unknown_fields)]
pub struct PlanDefinition {
    /// Unique short code, e.g. `default`.
    pub code: String,
    /// Name shown to people.
    pub name: String,
    /// calendar: offsets count calendar days; working: working days of `calendar`.
    pub day_basis: DayBasis,
    /// Code of the holiday calendar (e.g. `cn`); required when day_basis is `working`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[oai(nullable)]
    pub calendar: Option<String>,
    /// Phases in order.
    pub phases: Vec<PhaseDefinition>,
    /// When deadline reminders go out; the defaults when absent.
    #[serde(default)]
    #[oai(default)]
    pub reminders: ReminderPolicy,
    /// How acceptance runs: the trial run's length; the defaults when absent.
    #[serde(default)]
    #[oai(default)]
    pub acceptance: AcceptancePolicy,
    /// What the after-sales service promises: warranty, response clocks, deadlines; the original's
    /// when absent.
    #[serde(default)]
    #[oai(default)]
    pub service: ServicePolicy,
}

/// What the after-sales service (售后服务) promises the client, from the original's 服务方案: the
/// default of every project on the plan, which a project may change for its own contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Object)]
#[serde(deny_unknown_fields, default)]
#[oai(default)]
pub struct ServicePolicy {
    /// Months of warranty of a unit whose equipment-list line names no 质保期: 36.
    pub warranty_months: u32,
    /// Technical response within this many minutes of the report: 60 (1 小时内做出响应).
    pub response_minutes: u32,
    /// An engineer on site within this many minutes of being sent, when the phone cannot solve
    /// it: 120 (到现场时间为接到通知后120分钟以内).
    pub on_site_minutes: u32,
    /// Repaired within this many minutes of arriving: 480 (8 小时内不能修复 …).
    pub repair_minutes: u32,
    /// … else an equal or better unit installed within this many minutes of that breach: 1440
    /// (二十四小时内提供备机).
    pub replacement_minutes: u32,
    /// Warnings before a clock breaks, in per cent of its target, rising: [50, 80]. The first goes
    /// to the assigned engineers, the next ones to the project manager too; the breach itself to
    /// the service managers as well.
    pub warn_at_percent: Vec<u32>,
    /// The on-site service order (上门服务单) is handed in within this many hours of the repair: 48.
    pub service_order_hours: u32,
    /// Borrowed materials are checked back in within this many hours: 48.
    pub materials_return_hours: u32,
    /// An oral approval to borrow spares is countersigned within this many working days: 2.
    pub countersign_working_days: u32,
    /// Days before a unit's warranty ends on which the PM and the client's lead are told: [90, 30].
    pub warranty_notice_days: Vec<u32>,
    /// 定时巡检 visits in each half-year of the warranty, 1 or 2 (每六个月巡检一次至二次): 1.
    pub inspections_per_half_year: u32,
    /// Days before a planned visit on which its engineers are reminded: [7, 1].
    pub inspection_notice_days: Vec<u32>,
}

impl Default for ServicePolicy {
    fn default() -> Self {
        Self {
            warranty_months: 36,
            response_minutes: 60,
            on_site_minutes: 120,
            repair_minutes: 480,
            replacement_minutes: 1440,
            warn_at_percent: vec![50, 80],
            service_order_hours: 48,
            materials_return_hours: 48,
            countersign_working_days: 2,
            warranty_notice_days: vec![90, 30],
            inspections_per_half_year: 1,
            inspection_notice_days: vec![7, 1],
        }
    }
}

impl ServicePolicy {
    /// Checks a policy before it is stored: every target positive, warnings rising below 100 %.
    pub fn validate(&self, prefix: &str) -> Result<(), AppError> {
        for (name, value, range) in [
            ("warranty_months", self.warranty_months, 0..=240),
            ("response_minutes", self.response_minutes, 1..=10_080),
            ("on_site_minutes", self.on_site_minutes, 1..=10_080),
            ("repair_minutes", self.repair_minutes, 1..=43_200),
            ("replacement_minutes", self.replacement_minutes, 1..=43_200),
            ("service_order_hours", self.service_order_hours, 1..=720),
            ("materials_return_hours", self.materials_return_hours, 1..=720),
            ("countersign_working_days", self.countersign_working_days, 1..=30),
            ("inspections_per_half_year", self.inspections_per_half_year, 1..=2),
        ] {
            if !range.contains(&value) {
                let field = format!("{prefix}{name}");
                return Err(AppError::invalid(
                    field.clone(),
                    format!("{field}: {value} is outside {}–{}", range.start(), range.end()),
                ));
            }
        }
        let rising = |v: &[u32], max: u32| v.windows(2).all(|w| w[0] < w[1]) && v.iter().all(|p| (1..max).contains(p));
        if self.warn_at_percent.len() > 5 || !rising(&self.warn_at_percent, 100) {
            let field = format!("{prefix}warn_at_percent");
            return Err(AppError::invalid(
                field.clone(),
                format!("{field}: at most five per cents, each 1–99, rising, e.g. [50, 80]"),
            ));
        }
        let mut days = self.warranty_notice_days.clone();
        days.reverse();
        if self.warranty_notice_days.len() > 5 || !rising(&days, 1000) {
            let field = format!("{prefix}warranty_notice_days");
            return Err(AppError::invalid(
                field.clone(),
                format!("{field}: at most five days, each 1–999, falling, e.g. [90, 30]"),
            ));
        }
        let mut days = self.inspection_notice_days.clone();
        days.reverse();
        if self.inspection_notice_days.len() > 5 || !rising(&days, 100) {
            let field = format!("{prefix}inspection_notice_days");
            return Err(AppError::invalid(
                field.clone(),
                format!("{field}: at most five days, each 1–99, falling, e.g. [7, 1]"),
            ));
        }
        Ok(())
    }
}

/// How a plan's acceptance runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Object)]
#[serde(deny_unknown_fields, default)]
#[oai(default)]
pub struct AcceptancePolicy {
    /// Days the trial run (试运行) lasts from the password handover: 30 by default — the month
    /// customary in Chinese systems-integration contracts, long enough to see a month-end and
    /// four weekly cycles of use.
    pub trial_run_days: u32,
    /// Trainees (人员培训) the contract promises at least: 3 by default (不少于3人次).
    pub training_min_trainees: u32,
    /// Days of training each trainee gets at least: 7 by default (7天/人).
    pub training_days: u32,
    /// Training starts within this many days of the initial acceptance: 7 (验收合格后1周内).
    pub training_within_days: u32,
    /// A failed trainee is trained again and re-assessed within this many days: 7
    /// (第一次考评不合格后1周内).
    pub remedial_within_days: u32,
    /// The score (of 100) a trainee needs in both the written and the practical assessment: 60.
    pub pass_mark: u32,
}

impl Default for AcceptancePolicy {
    fn default() -> Self {
        Self {
            trial_run_days: 30,
            training_min_trainees: 3,
            training_days: 7,
            training_within_days: 7,
            remedial_within_days: 7,
            pass_mark: 60,
        }
    }
}

/// When reminders about a deadline are mailed (at the configured hour, local time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Object)]
#[serde(deny_unknown_fields, default)]
#[oai(default)]
pub struct ReminderPolicy {
    /// Days before the due day on which to remind, e.g. [3, 1].
    pub days_before: Vec<u32>,
    /// Remind on the due day itself.
    pub on_due_day: bool,
    /// Remind every day while overdue, for at most this many days.
    pub overdue_days: u32,
    /// After this many days overdue, also tell the project's managers.
    pub escalate_after_days: u32,
}

impl Default for ReminderPolicy {
    fn default() -> Self {
        Self {
            days_before: vec![3, 1],
            on_due_day: true,
            overdue_days: 7,
            escalate_after_days: 3,
        }
    }
}

/// Why an item is in today's reminders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReminderKind {
    Before(u32),
    DueToday,
    Overdue(u32),
    /// Overdue long enough to tell the managers.
    Escalation(u32),
}

impl ReminderKind {
    /// Stable text for idempotency keys.
    pub fn key(self) -> String {
        match self {
            ReminderKind::Before(d) => format!("before{d}"),
            ReminderKind::DueToday => "due".into(),
            ReminderKind::Overdue(d) => format!("overdue{d}"),
            ReminderKind::Escalation(d) => format!("escalation{d}"),
        }
    }

    /// How the item is labelled in a digest.
    pub fn label_zh(self) -> String {
        match self {
            ReminderKind::Before(d) => format!("{d} 天后到期"),
            ReminderKind::DueToday => "今天到期".into(),
            ReminderKind::Overdue(d) | ReminderKind::Escalation(d) => format!("已逾期 {d} 天"),
        }
    }
}

impl ReminderPolicy {
    /// The reminders due for a deadline `days_left` days away (negative when past): for the
    /// people responsible, and whether the managers are told too.
    pub fn triggers(&self, days_left: i64) -> (Option<ReminderKind>, Option<ReminderKind>) {
        if days_left > 0 {
            let d = days_left as u32;
            return (self.days_before.contains(&d).then_some(ReminderKind::Before(d)), None);
        }
        if days_left == 0 {
            return (self.on_due_day.then_some(ReminderKind::DueToday), None);
        }
        let late = days_left.unsigned_abs() as u32;
        let own = (late <= self.overdue_days).then_some(ReminderKind::Overdue(late));
        let escalation = (self.escalate_after_days > 0 && late == self.escalate_after_days)
            .then_some(ReminderKind::Escalation(late));
        (own, escalation)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Object)]
#[serde(deny_unknown_fields)]
pub struct PhaseDefinition {
    /// Code unique within the plan, e.g. `preparation`.
    pub code: String,
    /// Name shown to people.
    pub name: String,
    /// Days after contract signing by which the phase is due.
    pub offset_days: u32,
    /// Tasks in order.
    pub tasks: Vec<TaskDefinition>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Object)]
#[serde(deny_unknown_fields)]
pub struct TaskDefinition {
    /// Code unique within the plan, e.g. `site-survey`.
    pub code: String,
    /// Name shown to people.
    pub name: String,
    /// Days after contract signing by which the task is due; defaults to its phase's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[oai(nullable)]
    pub offset_days: Option<u32>,
    /// The task waits on the client, whose contact is reminded too.
    #[serde(default)]
    #[oai(default)]
    pub waits_on_client: bool,
}

impl PlanDefinition {
    pub fn from_toml(text: &str) -> anyhow::Result<Self> {
        Ok(toml::from_str(text)?)
    }

    /// Checks the plan's own consistency; `calendar_exists` answers for calendar codes.
    pub fn validate(&self, calendar_exists: impl Fn(&str) -> bool) -> Result<(), AppError> {
        let code_ok = |c: &str| {
            !c.is_empty() && c.len() <= 60 && c.chars().all(|ch| ch.is_ascii_alphanumeric() || "-_".contains(ch))
        };
        if !code_ok(&self.code) {
            return Err(AppError::invalid(
                "code",
                format!("code: '{}' must be 1–60 letters, digits, '-' or '_'", self.code),
            ));
        }
        if self.name.trim().is_empty() {
            return Err(AppError::invalid("name", "name: must not be empty"));
        }
        if !(1..=365).contains(&self.acceptance.trial_run_days) {
            return Err(AppError::invalid(
                "acceptance.trial_run_days",
                "acceptance.trial_run_days: the trial run lasts 1 to 365 days",
            ));
        }
        let a = &self.acceptance;
        for (field, value, range, what) in [
            (
                "acceptance.training_min_trainees",
                a.training_min_trainees,
                1..=500,
                "trainees, 1 to 500",
            ),
            (
                "acceptance.training_days",
                a.training_days,
                1..=90,
                "days of training, 1 to 90",
            ),
            (
                "acceptance.training_within_days",
                a.training_within_days,
                0..=90,
                "days after the initial acceptance, 0 to 90",
            ),
            (
                "acceptance.remedial_within_days",
                a.remedial_within_days,
                1..=90,
                "days after a failed assessment, 1 to 90",
            ),
            ("acceptance.pass_mark", a.pass_mark, 1..=100, "a score of 1 to 100"),
        ] {
            if !range.contains(&value) {
                return Err(AppError::invalid(field, format!("{field}: {what}")));
            }
        }
        self.service.validate("service.")?;
        match (self.day_basis, self.calendar.as_deref()) {
            (DayBasis::Working, None) => {
                return Err(AppError::invalid(
                    "calendar",
                    "calendar: a working-day plan needs a holiday calendar, e.g. \"cn\"",
                ));
            }
            (_, Some(c)) if !calendar_exists(c) => {
                return Err(AppError::invalid(
                    "calendar",
                    format!("calendar: no holiday calendar '{c}'"),
                ));
            }
            _ => {}
        }
        if self.phases.is_empty() {
            return Err(AppError::invalid("phases", "phases: a plan needs at least one phase"));
        }
        let mut phase_codes = HashSet::new();
        let mut task_codes = HashSet::new();
        for (i, phase) in self.phases.iter().enumerate() {
            let at = format!("phases[{i}]");
            if !code_ok(&phase.code) || !phase_codes.insert(phase.code.as_str()) {
                return Err(AppError::invalid(
                    format!("{at}.code"),
                    format!("{at}.code: '{}' is empty, malformed or used twice", phase.code),
                ));
            }
            if phase.name.trim().is_empty() {
                return Err(AppError::invalid(
                    format!("{at}.name"),
                    format!("{at}.name: must not be empty"),
                ));
            }
            if phase.tasks.is_empty() {
                return Err(AppError::invalid(
                    format!("{at}.tasks"),
                    format!("{at}.tasks: phase '{}' has no tasks", phase.code),
                ));
            }
            for (j, task) in phase.tasks.iter().enumerate() {
                let at = format!("{at}.tasks[{j}]");
                if !code_ok(&task.code) || !task_codes.insert(task.code.as_str()) {
                    return Err(AppError::invalid(
                        format!("{at}.code"),
                        format!("{at}.code: '{}' is empty, malformed or used twice", task.code),
                    ));
                }
                if task.name.trim().is_empty() {
                    return Err(AppError::invalid(
                        format!("{at}.name"),
                        format!("{at}.name: must not be empty"),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The due date `offset` days after `signed_on` under `basis`.
pub fn due_date(signed_on: NaiveDate, offset: u32, basis: DayBasis, calendar: Option<&HolidayCalendar>) -> NaiveDate {
    match (basis, calendar) {
        (DayBasis::Working, Some(cal)) => cal.add_working_days(signed_on, offset),
        _ => signed_on + Days::new(u64::from(offset)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_plan() -> PlanDefinition {
        PlanDefinition::from_toml(include_str!("../../../templates/plans/default.toml"))
            .expect("the shipped plan parses")
    }

    #[test]
    fn the_default_plan_is_the_seeds_four_phases() {
        let plan = default_plan();
        plan.validate(|_| true).expect("valid");
        let offsets: Vec<_> = plan.phases.iter().map(|p| (p.name.as_str(), p.offset_days)).collect();
        assert_eq!(
            offsets,
            [("前期准备", 7), ("设备到货", 15), ("工程安装", 25), ("项目验收", 25)]
        );
    }

    #[test]
    fn calendar_days_count_from_the_signing_date() {
        let signed: NaiveDate = "2026-03-02".parse().expect("date");
        let due: Vec<String> = default_plan()
            .phases
            .iter()
            .map(|p| due_date(signed, p.offset_days, DayBasis::Calendar, None).to_string())
            .collect();
        assert_eq!(due, ["2026-03-09", "2026-03-17", "2026-03-27", "2026-03-27"]);
    }

    #[test]
    fn a_working_day_plan_needs_a_known_calendar() {
        let mut plan = default_plan();
        plan.day_basis = DayBasis::Working;
        assert!(plan.validate(|_| true).is_err());
        plan.calendar = Some("mars".into());
        let err = plan.validate(|c| c == "cn").expect_err("unknown calendar");
        assert!(err.to_string().contains("mars"));
    }

    #[test]
    fn the_default_reminders_are_3_and_1_days_before_the_day_then_a_week_overdue_escalating_on_day_3() {
        let p = ReminderPolicy::default();
        let fired: Vec<(i64, Option<ReminderKind>, Option<ReminderKind>)> = (-9..=4)
            .map(|d| {
                let (a, b) = p.triggers(d);
                (d, a, b)
            })
            .filter(|(_, a, b)| a.is_some() || b.is_some())
            .collect();
        assert_eq!(
            fired,
            [
                (-7, Some(ReminderKind::Overdue(7)), None),
                (-6, Some(ReminderKind::Overdue(6)), None),
                (-5, Some(ReminderKind::Overdue(5)), None),
                (-4, Some(ReminderKind::Overdue(4)), None),
                (-3, Some(ReminderKind::Overdue(3)), Some(ReminderKind::Escalation(3))),
                (-2, Some(ReminderKind::Overdue(2)), None),
                (-1, Some(ReminderKind::Overdue(1)), None),
                (0, Some(ReminderKind::DueToday), None),
                (1, Some(ReminderKind::Before(1)), None),
                (3, Some(ReminderKind::Before(3)), None),
            ]
        );
    }

    #[test]
    fn duplicate_task_codes_are_named() {
        let mut plan = default_plan();
        plan.phases[1].tasks[0].code = "site-survey".into();
        let err = plan.validate(|_| true).expect_err("duplicate");
        assert!(matches!(err, AppError::Invalid { field: Some(ref f), .. } if f == "phases[1].tasks[0].code"));
    }
}
