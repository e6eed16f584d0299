//! The service promises as clocks (服务承诺计时), derived from a ticket's events.
//!
//! Four clocks, after the original's 服务方案: technical response within an hour of the report;
//! an engineer on site within two hours of being sent (the phone could not solve it); repaired
//! within eight hours of arriving — else an equal or better unit installed within twenty-four
//! hours of that breach. A clock starts on an event, or on another clock's breach, and stops on
//! one of a set of events; while the ticket is paused for a recorded reason (the client refuses
//! access …) no clock runs.
//!
//! A clock's state is never stored: [`ClockLog`] folds the ticket's events into when each clock
//! started and stopped and when the ticket was paused, and [`ClockLog::views`] measures them
//! against the targets in force. Changing a policy mid-ticket therefore changes only the targets,
//! never the time already spent; a pause shifts every deadline by exactly its length.
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::plan::ServicePolicy;
use super::types::{ServiceClock, TicketStep};

/// What starts a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// The first occurrence of this step.
    On(TicketStep),
    /// The instant another clock runs past its target (a chained clock).
    BreachOf(ServiceClock),
}

/// When a clock runs.
#[derive(Debug, Clone, Copy)]
pub struct ClockRule {
    pub clock: ServiceClock,
    pub starts: Start,
    pub stops: &'static [TicketStep],
}

/// The four promises. A chained clock's stops include its parent's, so the event that stops the
/// parent after its breach stops the chained clock too.
pub const RULES: [ClockRule; 4] = [
    ClockRule {
        clock: ServiceClock::Response,
        starts: Start::On(TicketStep::Reported),
        // Calling back, solving it remotely or sending someone are all the response.
        stops: &[
            TicketStep::CalledBack,
            TicketStep::SolvedRemotely,
            TicketStep::Dispatched,
            TicketStep::Arrived,
            TicketStep::Repaired,
            TicketStep::Replaced,
            TicketStep::Closed,
        ],
    },
    ClockRule {
        clock: ServiceClock::OnSite,
        starts: Start::On(TicketStep::Dispatched),
        stops: &[TicketStep::Arrived, TicketStep::Closed],
    },
    ClockRule {
        clock: ServiceClock::Repair,
        starts: Start::On(TicketStep::Arrived),
        stops: &[TicketStep::Repaired, TicketStep::Replaced, TicketStep::Closed],
    },
    ClockRule {
        clock: ServiceClock::Replacement,
        starts: Start::BreachOf(ServiceClock::Repair),
        stops: &[TicketStep::Replaced, TicketStep::Repaired, TicketStep::Closed],
    },
];

/// A clock's place in `ServiceClock::ALL`, the order of [`ClockLog::views`].
pub fn index(clock: ServiceClock) -> usize {
    ServiceClock::ALL.iter().position(|c| *c == clock).unwrap_or(0)
}

fn rule(clock: ServiceClock) -> &'static ClockRule {
    &RULES[index(clock)]
}

/// Each clock's target in seconds, from a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets([i64; 4]);

impl Targets {
    pub fn from_policy(policy: &ServicePolicy) -> Self {
        let secs = |minutes: u32| i64::from(minutes) * 60;
        Targets([
            secs(policy.response_minutes),
            secs(policy.on_site_minutes),
            secs(policy.repair_minutes),
            secs(policy.replacement_minutes),
        ])
    }

    pub fn of(&self, clock: ServiceClock) -> i64 {
        self.0[index(clock)]
    }
}

/// A pause of the whole ticket: from, and until when resumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub from: DateTime<Utc>,
    pub to: Option<DateTime<Utc>>,
}

/// When a clock started on its event and when it stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Mark {
    pub started: Option<DateTime<Utc>>,
    pub stopped: Option<DateTime<Utc>>,
}

/// A ticket's events folded into what the clocks need: small, serialisable, and the same
/// whether built event by event as they are recorded or at once from the whole history.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ClockLog {
    /// Per clock, in `ServiceClock::ALL` order. A chained clock's `started` stays empty (its
    /// start is its parent's breach, which depends on the target in force).
    pub marks: [Mark; 4],
    /// For a chained clock, every moment one of its stop events happened after its parent had
    /// started; its stop is the first at or after its start.
    pub chained_stops: [Vec<DateTime<Utc>>; 4],
    pub pauses: Vec<Pause>,
    /// The last event's time: events must come in time order.
    pub last: Option<DateTime<Utc>>,
}

/// Why an event cannot be folded in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Events must be recorded in time order; this one is before the last.
    OutOfOrder,
    /// Paused while already paused, or resumed while running.
    PauseState,
}

impl ClockLog {
    /// Folds a whole history (in time order) into a log.
    pub fn from_events<'a>(
        events: impl IntoIterator<Item = (&'a DateTime<Utc>, &'a TicketStep)>,
    ) -> Result<Self, Refusal> {
        let mut log = ClockLog::default();
        for (at, step) in events {
            log.apply(*at, *step)?;
        }
        Ok(log)
    }

    pub fn is_paused(&self) -> bool {
        self.pauses.last().is_some_and(|p| p.to.is_none())
    }

    /// Folds in one event.
    pub fn apply(&mut self, at: DateTime<Utc>, step: TicketStep) -> Result<(), Refusal> {
        if self.last.is_some_and(|last| at < last) {
            return Err(Refusal::OutOfOrder);
        }
        match step {
            TicketStep::Paused if self.is_paused() => return Err(Refusal::PauseState),
            TicketStep::Resumed if !self.is_paused() => return Err(Refusal::PauseState),
            TicketStep::Paused => self.pauses.push(Pause { from: at, to: None }),
            TicketStep::Resumed => {
                if let Some(open) = self.pauses.last_mut() {
                    open.to = Some(at);
                }
            }
            _ => {}
        }
        for (i, rule) in RULES.iter().enumerate() {
            let stops = rule.stops.contains(&step);
            match rule.starts {
                Start::On(first) => {
                    let mark = &mut self.marks[i];
                    if stops && mark.started.is_some() && mark.stopped.is_none() {
                        mark.stopped = Some(at);
                    }
                    if step == first && mark.started.is_none() {
                        mark.started = Some(at);
                    }
                }
                Start::BreachOf(parent) => {
                    if stops && self.marks[index(parent)].started.is_some() {
                        self.chained_stops[i].push(at);
                    }
                }
            }
        }
        self.last = Some(at);
        Ok(())
    }

    /// The intervals the ticket was not paused within `[from, to)`.
    fn running(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        let mut out = Vec::new();
        let mut cursor = from;
        for pause in &self.pauses {
            let pause_end = pause.to.unwrap_or(DateTime::<Utc>::MAX_UTC);
            if pause_end <= cursor {
                continue;
            }
            if pause.from >= to {
                break;
            }
            if pause.from > cursor {
                out.push((cursor, pause.from));
            }
            cursor = cursor.max(pause_end);
            if cursor >= to {
                return out;
            }
        }
        if cursor < to {
            out.push((cursor, to));
        }
        out
    }

    /// When each clock started and stopped, chained clocks resolved against `targets`.
    fn spans(&self, targets: &Targets, now: DateTime<Utc>) -> [Mark; 4] {
        let mut spans = self.marks;
        for (i, rule) in RULES.iter().enumerate() {
            if let Start::BreachOf(parent) = rule.starts {
                let p = spans[index(parent)];
                let breach = p.started.and_then(|start| {
                    let end = p.stopped.unwrap_or(now).min(now);
                    breach_instant(&self.running(start, end), targets.of(parent))
                });
                spans[i] = Mark {
                    started: breach,
                    stopped: breach.and_then(|b| self.chained_stops[i].iter().copied().find(|t| *t >= b)),
                };
            }
        }
        spans
    }

    /// Every clock as it stands at `now` (not before the last event) against `targets`.
    pub fn views(&self, targets: &Targets, now: DateTime<Utc>) -> [ClockView; 4] {
        let spans = self.spans(targets, now);
        let paused_now = self
            .pauses
            .iter()
            .any(|p| p.from <= now && p.to.is_none_or(|to| to > now));
        std::array::from_fn(|i| {
            let clock = ServiceClock::ALL[i];
            let target = targets.of(clock);
            let Mark { started, stopped } = spans[i];
            let Some(start) = started.filter(|s| *s <= now) else {
                return ClockView::not_started(clock, target);
            };
            let stopped = stopped.filter(|s| *s <= now);
            let intervals = self.running(start, stopped.unwrap_or(now));
            let run = intervals
                .iter()
                .map(|(a, b)| *b - *a)
                .fold(TimeDelta::zero(), |x, y| x + y);
            let state = match (stopped, paused_now) {
                (Some(_), _) => ClockState::Stopped,
                (None, true) => ClockState::Paused,
                (None, false) => ClockState::Running,
            };
            ClockView {
                clock,
                target_secs: target,
                state,
                started_at: Some(start),
                stopped_at: stopped,
                elapsed_secs: run.num_seconds(),
                breached_at: breach_instant(&intervals, target),
                due_at: (state == ClockState::Running).then(|| now + (TimeDelta::seconds(target) - run)),
            }
        })
    }
}

/// The instant the time run in `intervals` first exceeds `target`: a clock that stops exactly on
/// its target has kept it.
fn breach_instant(intervals: &[(DateTime<Utc>, DateTime<Utc>)], target: i64) -> Option<DateTime<Utc>> {
    let target = TimeDelta::seconds(target);
    let mut spent = TimeDelta::zero();
    for (a, b) in intervals {
        let len = *b - *a;
        if spent + len > target {
            return Some(*a + (target - spent));
        }
        spent += len;
    }
    None
}

/// Whether a clock runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    NotStarted,
    Running,
    Paused,
    Stopped,
}

impl ClockState {
    pub fn label_zh(self) -> &'static str {
        match self {
            ClockState::NotStarted => "未开始",
            ClockState::Running => "计时中",
            ClockState::Paused => "已暂停",
            ClockState::Stopped => "已停止",
        }
    }
}

/// One clock at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockView {
    pub clock: ServiceClock,
    pub target_secs: i64,
    pub state: ClockState,
    pub started_at: Option<DateTime<Utc>>,
    pub stopped_at: Option<DateTime<Utc>>,
    /// Time run, pauses excluded.
    pub elapsed_secs: i64,
    /// When the time run first exceeded the target.
    pub breached_at: Option<DateTime<Utc>>,
    /// While running: when it breaks unless stopped or paused.
    pub due_at: Option<DateTime<Utc>>,
}

impl ClockView {
    fn not_started(clock: ServiceClock, target: i64) -> Self {
        ClockView {
            clock,
            target_secs: target,
            state: ClockState::NotStarted,
            started_at: None,
            stopped_at: None,
            elapsed_secs: 0,
            breached_at: None,
            due_at: None,
        }
    }

    pub fn breached(&self) -> bool {
        self.breached_at.is_some()
    }

    /// Seconds left before the target (negative once past it).
    pub fn remaining_secs(&self) -> i64 {
        self.target_secs - self.elapsed_secs
    }

    /// How the clock ended or stands, in words: 未开始, 按时, 超时, 剩余 …, 已超时 ….
    pub fn verdict(&self) -> Verdict {
        match (self.state, self.breached()) {
            (ClockState::NotStarted, _) => Verdict::NotStarted,
            (ClockState::Stopped, false) => Verdict::Kept,
            (ClockState::Stopped, true) => Verdict::Broken,
            (_, false) => Verdict::Open,
            (_, true) => Verdict::Overdue,
        }
    }
}

/// A clock's outcome, for badges and statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    NotStarted,
    Open,
    Overdue,
    Kept,
    Broken,
}

impl Verdict {
    pub fn label_zh(self) -> &'static str {
        match self {
            Verdict::NotStarted => "未开始",
            Verdict::Open => "计时中",
            Verdict::Overdue => "已超时",
            Verdict::Kept => "按时完成",
            Verdict::Broken => "超时完成",
        }
    }
}

/// Who a warning goes to, rising with its level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// The engineers assigned to the ticket.
    Assignees,
    /// … and the project's managers.
    ProjectManagers,
    /// … and the service managers (the breach).
    ServiceManagers,
}

/// One warning of one clock: before its breach at a per cent of its target, or the breach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Alarm {
    pub clock: ServiceClock,
    /// Per cent of the target; `None` for the breach.
    pub percent: Option<u32>,
    pub audience: Audience,
}

impl Alarm {
    /// A stable key, so a warning is sent once: `repair:50`, `repair:breach`.
    pub fn key(&self) -> String {
        match self.percent {
            Some(p) => format!("{}:{p}", self.clock.as_str()),
            None => format!("{}:breach", self.clock.as_str()),
        }
    }

    /// The seconds run at which it is due: at the per cent, or one second past the target.
    fn threshold(&self, target: i64) -> i64 {
        match self.percent {
            Some(p) => target * i64::from(p) / 100,
            None => target + 1,
        }
    }
}

/// The alarms a clock can raise under `warn_at_percent`.
pub fn alarms_of(clock: ServiceClock, warn_at_percent: &[u32]) -> Vec<Alarm> {
    let mut out: Vec<Alarm> = warn_at_percent
        .iter()
        .enumerate()
        .map(|(i, p)| Alarm {
            clock,
            percent: Some(*p),
            audience: if i == 0 {
                Audience::Assignees
            } else {
                Audience::ProjectManagers
            },
        })
        .collect();
    out.push(Alarm {
        clock,
        percent: None,
        audience: Audience::ServiceManagers,
    });
    out
}

/// The alarms due now that have not been sent (`sent` holds their keys), and when the next one
/// falls due if nothing changes — the moment a scan needs to look at this ticket again.
pub fn alarms_due(
    views: &[ClockView],
    warn_at_percent: &[u32],
    sent: &dyn Fn(&str) -> bool,
    now: DateTime<Utc>,
) -> (Vec<Alarm>, Option<DateTime<Utc>>) {
    let mut due = Vec::new();
    let mut next: Option<DateTime<Utc>> = None;
    for view in views {
        if !matches!(view.state, ClockState::Running | ClockState::Paused) {
            continue;
        }
        let pending: Vec<Alarm> = alarms_of(view.clock, warn_at_percent)
            .into_iter()
            .filter(|a| !sent(&a.key()))
            .collect();
        // Only the highest level reached is sent: a scan that comes late does not send the 50 %
        // warning after the 80 % one, nor either after the breach.
        if let Some(top) = pending
            .iter()
            .rev()
            .find(|a| view.elapsed_secs >= a.threshold(view.target_secs))
        {
            due.push(*top);
        }
        if view.state == ClockState::Running {
            let upcoming = pending
                .iter()
                .map(|a| a.threshold(view.target_secs))
                .filter(|t| *t > view.elapsed_secs)
                .min();
            if let Some(at) = upcoming.map(|t| now + TimeDelta::seconds(t - view.elapsed_secs)) {
                next = Some(next.map_or(at, |n| n.min(at)));
            }
        }
    }
    (due, next)
}

/// The alarms that a due alarm makes pointless: the lower levels of the same clock.
pub fn superseded(alarm: &Alarm, warn_at_percent: &[u32]) -> Vec<Alarm> {
    alarms_of(alarm.clock, warn_at_percent)
        .into_iter()
        .take_while(|a| a != alarm)
        .collect()
}

/// The rule of a clock (for describing it on a page).
pub fn describe(clock: ServiceClock) -> &'static ClockRule {
    rule(clock)
}

#[cfg(test)]
mod tests;
