use chrono::TimeZone;
use proptest::prelude::*;

use super::*;
use TicketStep::*;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0)
        .single()
        .expect("a valid instant")
}

fn m(minutes: i64) -> DateTime<Utc> {
    t0() + TimeDelta::minutes(minutes)
}

fn log(events: &[(i64, TicketStep)]) -> ClockLog {
    let timed: Vec<(DateTime<Utc>, TicketStep)> = events.iter().map(|(at, s)| (m(*at), *s)).collect();
    ClockLog::from_events(timed.iter().map(|(a, s)| (a, s))).expect("events in order")
}

fn the_original() -> Targets {
    Targets::from_policy(&ServicePolicy::default())
}

fn view(events: &[(i64, TicketStep)], now: i64, clock: ServiceClock) -> ClockView {
    log(events).views(&the_original(), m(now))[index(clock)].clone()
}

#[test]
fn a_call_back_within_the_hour_keeps_the_response_promise() {
    let v = view(&[(0, Reported), (45, CalledBack)], 90, ServiceClock::Response);
    assert_eq!(v.state, ClockState::Stopped);
    assert_eq!(v.elapsed_secs, 45 * 60);
    assert_eq!(v.verdict(), Verdict::Kept);
    assert_eq!(v.stopped_at, Some(m(45)));
}

#[test]
fn a_call_back_after_the_hour_breaks_it_at_the_sixtieth_minute() {
    let v = view(&[(0, Reported), (75, CalledBack)], 75, ServiceClock::Response);
    assert_eq!(v.verdict(), Verdict::Broken);
    assert_eq!(v.breached_at, Some(m(60)));
    assert_eq!(v.elapsed_secs, 75 * 60);
}

#[test]
fn a_running_response_counts_down_and_then_runs_overdue() {
    let early = view(&[(0, Reported)], 30, ServiceClock::Response);
    assert_eq!((early.state, early.verdict()), (ClockState::Running, Verdict::Open));
    assert_eq!(early.due_at, Some(m(60)));
    assert_eq!(early.remaining_secs(), 30 * 60);
    let late = view(&[(0, Reported)], 70, ServiceClock::Response);
    assert_eq!(late.verdict(), Verdict::Overdue);
    assert_eq!(late.remaining_secs(), -10 * 60);
    assert_eq!(late.breached_at, Some(m(60)));
}

#[test]
fn exactly_on_the_target_is_in_time() {
    let v = view(&[(0, Reported), (60, CalledBack)], 60, ServiceClock::Response);
    assert_eq!(v.verdict(), Verdict::Kept);
    let running = view(&[(0, Reported)], 60, ServiceClock::Response);
    assert_eq!(
        running.verdict(),
        Verdict::Open,
        "at the 60th minute the hour is not yet past"
    );
}

#[test]
fn solving_it_on_the_phone_or_sending_someone_is_the_response_too() {
    for step in [SolvedRemotely, Dispatched] {
        let v = view(&[(0, Reported), (20, step)], 90, ServiceClock::Response);
        assert_eq!((v.verdict(), v.stopped_at), (Verdict::Kept, Some(m(20))), "{step:?}");
    }
}

#[test]
fn the_on_site_clock_runs_from_sending_an_engineer_to_the_arrival() {
    let kept = view(
        &[(0, Reported), (10, Dispatched), (100, Arrived)],
        200,
        ServiceClock::OnSite,
    );
    assert_eq!(
        (kept.started_at, kept.elapsed_secs, kept.verdict()),
        (Some(m(10)), 90 * 60, Verdict::Kept)
    );
    let broken = view(
        &[(0, Reported), (10, Dispatched), (140, Arrived)],
        200,
        ServiceClock::OnSite,
    );
    assert_eq!((broken.verdict(), broken.breached_at), (Verdict::Broken, Some(m(130))));
    let never = view(&[(0, Reported), (10, SolvedRemotely)], 200, ServiceClock::OnSite);
    assert_eq!(never.verdict(), Verdict::NotStarted);
}

#[test]
fn a_repair_within_eight_hours_never_starts_the_replacement_clock() {
    let events = [
        (0, Reported),
        (5, Dispatched),
        (100, Arrived),
        (300, RepairFailed),
        (560, Repaired),
    ];
    let views = log(&events).views(&the_original(), m(2000));
    assert_eq!(views[index(ServiceClock::Repair)].verdict(), Verdict::Kept);
    assert_eq!(views[index(ServiceClock::Replacement)].verdict(), Verdict::NotStarted);
    let on_target = [(0, Reported), (5, Dispatched), (100, Arrived), (580, Repaired)];
    let views = log(&on_target).views(&the_original(), m(2000));
    assert_eq!(views[index(ServiceClock::Replacement)].verdict(), Verdict::NotStarted);
}

#[test]
fn no_repair_in_eight_hours_starts_the_replacement_clock_at_the_breach() {
    let events = [(0, Reported), (5, Dispatched), (100, Arrived), (300, RepairFailed)];
    let views = log(&events).views(&the_original(), m(600));
    let repair = &views[index(ServiceClock::Repair)];
    assert_eq!((repair.verdict(), repair.breached_at), (Verdict::Overdue, Some(m(580))));
    let replacement = &views[index(ServiceClock::Replacement)];
    assert_eq!(replacement.state, ClockState::Running);
    assert_eq!(replacement.started_at, Some(m(580)));
    assert_eq!(replacement.elapsed_secs, 20 * 60);
    assert_eq!(replacement.due_at, Some(m(580 + 1440)));
}

#[test]
fn a_replacement_installed_within_the_day_keeps_the_chained_promise() {
    let mut events = vec![(0, Reported), (5, Dispatched), (100, Arrived), (300, RepairFailed)];
    events.push((580 + 1000, Replaced));
    let views = log(&events).views(&the_original(), m(3000));
    assert_eq!(views[index(ServiceClock::Repair)].verdict(), Verdict::Broken);
    let replacement = &views[index(ServiceClock::Replacement)];
    assert_eq!(
        (replacement.verdict(), replacement.elapsed_secs),
        (Verdict::Kept, 1000 * 60)
    );
}

#[test]
fn a_replacement_later_than_a_day_breaks_it() {
    let events = [(0, Reported), (5, Dispatched), (100, Arrived), (580 + 1500, Replaced)];
    let replacement = view(&events, 3000, ServiceClock::Replacement);
    assert_eq!(
        (replacement.verdict(), replacement.breached_at),
        (Verdict::Broken, Some(m(580 + 1440)))
    );
}

#[test]
fn a_late_repair_stops_the_replacement_clock_too() {
    let events = [(0, Reported), (5, Dispatched), (100, Arrived), (700, Repaired)];
    let replacement = view(&events, 3000, ServiceClock::Replacement);
    assert_eq!(
        (replacement.verdict(), replacement.stopped_at),
        (Verdict::Kept, Some(m(700)))
    );
}

#[test]
fn a_pause_stops_the_time_and_moves_the_deadline_by_its_length() {
    let events = [
        (0, Reported),
        (5, Dispatched),
        (10, Arrived),
        (70, Paused),
        (190, Resumed),
    ];
    let during = view(&events[..4], 120, ServiceClock::Repair);
    assert_eq!(
        (during.state, during.elapsed_secs, during.due_at),
        (ClockState::Paused, 60 * 60, None)
    );
    let after = view(&events, 300, ServiceClock::Repair);
    assert_eq!(after.state, ClockState::Running);
    assert_eq!(after.elapsed_secs, (60 + 110) * 60);
    assert_eq!(after.due_at, Some(m(10 + 480 + 120)));
}

#[test]
fn a_clock_started_during_a_pause_waits_for_the_resume() {
    let events = [
        (0, Reported),
        (15, CalledBack),
        (20, Paused),
        (25, Dispatched),
        (50, Resumed),
        (100, Arrived),
    ];
    let on_site = view(&events, 200, ServiceClock::OnSite);
    assert_eq!((on_site.started_at, on_site.elapsed_secs), (Some(m(25)), 50 * 60));
}

#[test]
fn a_pause_holds_the_replacement_clock_as_well() {
    let events = [
        (0, Reported),
        (5, Dispatched),
        (100, Arrived),
        (680, Paused),
        (800, Resumed),
    ];
    let replacement = view(&events, 900, ServiceClock::Replacement);
    assert_eq!(replacement.elapsed_secs, (100 + 100) * 60);
    assert_eq!(replacement.due_at, Some(m(900 + 1440 - 200)));
}

#[test]
fn a_pause_that_straddles_the_target_delays_the_breach() {
    let events = [(0, Reported), (30, Paused), (100, Resumed)];
    let v = view(&events, 200, ServiceClock::Response);
    assert_eq!(v.breached_at, Some(m(130)));
}

#[test]
fn changing_the_policy_mid_ticket_keeps_the_time_already_spent() {
    let events = [
        (0, Reported),
        (5, Dispatched),
        (10, Arrived),
        (60, Paused),
        (90, Resumed),
    ];
    let ticket = log(&events);
    let original = ticket.views(&the_original(), m(310));
    let stricter = Targets::from_policy(&ServicePolicy {
        repair_minutes: 240,
        ..ServicePolicy::default()
    });
    let changed = ticket.views(&stricter, m(310));
    let (a, b) = (
        &original[index(ServiceClock::Repair)],
        &changed[index(ServiceClock::Repair)],
    );
    assert_eq!(a.elapsed_secs, 270 * 60);
    assert_eq!(
        b.elapsed_secs, a.elapsed_secs,
        "the time spent is the events', whatever the target"
    );
    assert_eq!(a.due_at, Some(m(310 + 210)));
    assert_eq!(b.breached_at, Some(m(10 + 240 + 30)));
    let replacement = &changed[index(ServiceClock::Replacement)];
    assert_eq!(
        (replacement.started_at, replacement.elapsed_secs),
        (Some(m(280)), 30 * 60)
    );
}

#[test]
fn closing_a_ticket_stops_every_running_clock() {
    let events = [(0, Reported), (5, Dispatched), (30, Closed)];
    let views = log(&events).views(&the_original(), m(500));
    assert!(
        views
            .iter()
            .all(|v| matches!(v.state, ClockState::Stopped | ClockState::NotStarted))
    );
    assert_eq!(views[index(ServiceClock::OnSite)].stopped_at, Some(m(30)));
}

#[test]
fn events_out_of_order_and_unbalanced_pauses_are_refused() {
    let mut ticket = log(&[(0, Reported), (10, CalledBack)]);
    assert_eq!(ticket.apply(m(5), Note), Err(Refusal::OutOfOrder));
    assert_eq!(ticket.apply(m(11), Resumed), Err(Refusal::PauseState));
    ticket.apply(m(12), Paused).expect("a pause");
    assert_eq!(ticket.apply(m(13), Paused), Err(Refusal::PauseState));
}

#[test]
fn the_rules_chain_only_onto_clocks_whose_stops_they_share() {
    for rule in RULES {
        if let Start::BreachOf(parent) = rule.starts {
            assert!(
                describe(parent).stops.iter().all(|s| rule.stops.contains(s)),
                "{:?} must stop whenever {parent:?} does",
                rule.clock
            );
        }
    }
}

/// Scans every `every` minutes from 0 to `until`, sending what is due and remembering it as the
/// job does; returns each alarm's key with the minute it went out.
fn scan(
    events: &[(i64, TicketStep)],
    targets: &Targets,
    levels: &[u32],
    every: i64,
    until: i64,
) -> Vec<(String, i64, Audience)> {
    let mut sent: Vec<(String, i64, Audience)> = Vec::new();
    let mut minute = 0;
    while minute <= until {
        let known: Vec<(i64, TicketStep)> = events.iter().copied().filter(|(at, _)| *at <= minute).collect();
        let views = log(&known).views(targets, m(minute));
        let keys: Vec<String> = sent.iter().map(|(k, _, _)| k.clone()).collect();
        let (due, _) = alarms_due(&views, levels, &|k| keys.iter().any(|s| s == k), m(minute));
        for alarm in due {
            sent.push((alarm.key(), minute, alarm.audience));
            for skipped in superseded(&alarm, levels) {
                if !sent.iter().any(|(k, _, _)| *k == skipped.key()) {
                    sent.push((skipped.key(), -1, skipped.audience));
                }
            }
        }
        minute += every;
    }
    sent
}

#[test]
fn each_warning_goes_out_once_at_its_level_and_the_breach_to_the_service_managers() {
    let events = [(0, Reported), (20, CalledBack), (25, Dispatched), (130, Arrived)];
    let sent = scan(&events, &the_original(), &[50, 80], 1, 1000);
    let expect = [
        ("on_site:50", 85, Audience::Assignees),
        ("on_site:80", 121, Audience::ProjectManagers),
        ("repair:50", 370, Audience::Assignees),
        ("repair:80", 514, Audience::ProjectManagers),
        ("repair:breach", 611, Audience::ServiceManagers),
        ("replacement:50", 610 + 720, Audience::Assignees),
    ];
    let got: Vec<(&str, i64, Audience)> = sent.iter().map(|(k, at, a)| (k.as_str(), *at, *a)).collect();
    assert_eq!(got[..5], expect[..5]);
    assert!(got.len() == 5, "nothing more within 1000 minutes: {got:?}");
    let later = scan(&events, &the_original(), &[50, 80], 1, 2000);
    assert_eq!(later[5], (expect[5].0.to_string(), expect[5].1, expect[5].2));
}

#[test]
fn a_late_scan_sends_only_the_highest_level_reached() {
    let events = [(0, Reported)];
    let sent = scan(&events, &the_original(), &[50, 80], 55, 200);
    let out: Vec<(&str, i64)> = sent.iter().map(|(k, at, _)| (k.as_str(), *at)).collect();
    assert_eq!(
        out,
        vec![("response:80", 55), ("response:50", -1), ("response:breach", 110)]
    );
}

#[test]
fn a_paused_clock_warns_of_nothing_new_and_is_not_looked_at_until_resumed() {
    let ticket = log(&[(0, Reported), (20, Paused)]);
    let views = ticket.views(&the_original(), m(500));
    let (due, next) = alarms_due(&views, &[50, 80], &|_| false, m(500));
    assert!(due.is_empty());
    assert_eq!(next, None);
    let running = log(&[(0, Reported)]).views(&the_original(), m(10));
    let (_, next) = alarms_due(&running, &[50, 80], &|_| false, m(10));
    assert_eq!(next, Some(m(30)));
}

// The property: the clocks are a function of the events, however they are folded, and agree with a
// minute-by-minute simulation of the rules written independently here.

const STEPS: [TicketStep; 10] = [
    Reported,
    CalledBack,
    Dispatched,
    Arrived,
    RepairFailed,
    Repaired,
    Replaced,
    Closed,
    Paused,
    Note,
];

fn valid(raw: &[(i64, usize)]) -> Vec<(i64, TicketStep)> {
    let mut at = 0;
    let mut paused = false;
    raw.iter()
        .map(|(gap, pick)| {
            at += gap;
            let step = match STEPS[*pick % STEPS.len()] {
                Paused if paused => Resumed,
                other => other,
            };
            match step {
                Paused => paused = true,
                Resumed => paused = false,
                _ => {}
            }
            (at, step)
        })
        .collect()
}

/// A clock as the simulation reads it: state, started, stopped, minutes run, breached (minutes).
type Reading = (ClockState, Option<i64>, Option<i64>, i64, Option<i64>);

/// What the clocks should read at minute `until`, found by walking minute by minute.
fn simulate(events: &[(i64, TicketStep)], targets_min: [i64; 4], until: i64) -> Vec<Reading> {
    let mut started = [None::<i64>; 4];
    let mut stopped = [None::<i64>; 4];
    let mut elapsed = [0i64; 4];
    let mut breached = [None::<i64>; 4];
    let mut paused = false;
    for minute in 0..=until {
        for (_, step) in events.iter().filter(|(at, _)| *at == minute) {
            match step {
                Paused => paused = true,
                Resumed => paused = false,
                _ => {}
            }
            for (i, rule) in RULES.iter().enumerate() {
                if rule.stops.contains(step) && started[i].is_some() && stopped[i].is_none() {
                    stopped[i] = Some(minute);
                }
                if rule.starts == Start::On(*step) && started[i].is_none() {
                    started[i] = Some(minute);
                }
            }
        }
        if minute == until {
            break;
        }
        for (i, rule) in RULES.iter().enumerate() {
            if let Start::BreachOf(parent) = rule.starts
                && breached[index(parent)] == Some(minute)
                && started[i].is_none()
            {
                started[i] = Some(minute);
            }
            if started[i].is_some() && stopped[i].is_none() && !paused {
                if elapsed[i] == targets_min[i] && breached[i].is_none() {
                    breached[i] = Some(minute);
                }
                elapsed[i] += 1;
            }
        }
    }
    (0..4)
        .map(|i| {
            let state = match (started[i], stopped[i]) {
                (None, _) => ClockState::NotStarted,
                (Some(_), Some(_)) => ClockState::Stopped,
                (Some(_), None) if paused => ClockState::Paused,
                _ => ClockState::Running,
            };
            (state, started[i], stopped[i], elapsed[i], breached[i])
        })
        .collect()
}

fn in_minutes(view: &ClockView) -> Reading {
    let minute = |t: Option<DateTime<Utc>>| t.map(|t| (t - t0()).num_minutes());
    (
        view.state,
        minute(view.started_at),
        minute(view.stopped_at),
        view.elapsed_secs / 60,
        minute(view.breached_at),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn clocks_are_the_same_folded_event_by_event_or_at_the_end_and_agree_with_a_simulation(
        raw in prop::collection::vec((0i64..40, 0usize..10), 1..14),
        targets in [1i64..60, 1i64..60, 1i64..60, 1i64..60],
        tail in 0i64..120,
    ) {
        let events = valid(&raw);
        let until = events.last().map_or(0, |(at, _)| *at) + tail;
        let targets_secs = Targets([targets[0] * 60, targets[1] * 60, targets[2] * 60, targets[3] * 60]);

        // As the service records them: the stored log read back, one event folded in, stored again.
        let mut stored = serde_json::to_string(&ClockLog::default()).expect("serialises");
        for (at, step) in &events {
            let mut ticket: ClockLog = serde_json::from_str(&stored).expect("reads back");
            ticket.apply(m(*at), *step).expect("a valid sequence");
            stored = serde_json::to_string(&ticket).expect("serialises");
        }
        let step_by_step: ClockLog = serde_json::from_str(&stored).expect("reads back");
        let at_once = log(&events);
        prop_assert_eq!(&step_by_step, &at_once);

        let views = at_once.views(&targets_secs, m(until));
        let expected = simulate(&events, targets, until);
        for (view, want) in views.iter().zip(expected) {
            prop_assert_eq!(in_minutes(view), want, "{:?} after {:?}", view.clock, events);
        }

        // Time run never goes backwards as the moment of reading moves on.
        let last = events.last().map_or(0, |(at, _)| *at);
        let earlier = at_once.views(&targets_secs, m(last));
        for (a, b) in earlier.iter().zip(views.iter()) {
            prop_assert!(a.elapsed_secs <= b.elapsed_secs);
        }
    }
}
