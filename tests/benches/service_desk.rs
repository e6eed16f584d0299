//! The service desk at size: 100,000 open tickets over 500 projects, reported over the last three
//! days at every stage of the flow (waiting for a call back, an engineer on the way, on site,
//! past eight hours and on the replacement clock, paused), two engineers each; the warnings
//! already due sent, as the scan that ran every minute would have left them.
//!
//! Measured: the SLA scan a minute later (what falls due in that minute), a scan over 1,000
//! tickets all due at once, and the service desk board's first page (p50 / p99 of 200 reads).
//! `cargo bench -p jiaofu-tests --bench service_desk`; PostgreSQL with JIAOFU_TEST_DATABASE_URL.
use std::{collections::HashSet, time::Instant};

use chrono::{Days, Duration, SubsecRound, Utc};
use entity::{service_ticket, ticket_alarm, ticket_assignee, ticket_event};
use jiaofu::{
    config::{Secret, Settings},
    domain::{
        plan::ServicePolicy,
        service_clock::{ClockLog, superseded},
        types::{TicketChannel, TicketStatus, TicketStep},
    },
    service::{
        Actor,
        service_desk::{
            alarms,
            tickets::{self, BoardFilter, derive},
        },
        users,
    },
    startup::prepare,
};
use jiaofu_tests::TestDatabase;
use sea_orm::{ActiveValue::Set, EntityTrait};

const PROJECTS: usize = 500;
const TICKETS: usize = 100_000;
const BATCH: usize = 500;

fn fail(e: jiaofu::error::AppError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// A ticket's steps `minutes` after its report, by where it stands (`i % 6`).
fn steps(i: usize) -> Vec<(i64, TicketStep)> {
    use TicketStep::*;
    let mut s = vec![(0, Reported)];
    match i % 6 {
        0 => {}
        1 => s.extend([(20, CalledBack), (25, Dispatched)]),
        2 => s.extend([(20, CalledBack), (25, Dispatched), (100, Arrived)]),
        3 => s.extend([(20, CalledBack), (25, Dispatched), (100, Arrived), (300, RepairFailed)]),
        4 => s.extend([(10, CalledBack), (15, Paused)]),
        _ => s.extend([(20, SolvedRemotely)]),
    }
    s
}

fn status_of(i: usize) -> TicketStatus {
    match i % 6 {
        0 | 4 => TicketStatus::Responding,
        1 => TicketStatus::Dispatched,
        2 | 3 => TicketStatus::OnSite,
        _ => TicketStatus::Resolved,
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let db = TestDatabase::create().await?;
    let settings = Settings {
        database_url: Secret::new(db.url.clone()),
        data_dir: db.dir.clone(),
        background_jobs: false,
        ..Settings::default()
    };
    let state = prepare(settings).await?;
    let now = Utc::now().trunc_subsecs(0);
    let system = Actor::system();
    let today = now.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let setup = Instant::now();

    let mut engineers = Vec::new();
    for i in 0..20 {
        let u = users::create(
            &state.db,
            &system,
            users::NewUser {
                username: format!("eng{i}"),
                display_name: Some(format!("工程师{i}")),
                email: Some(format!("eng{i}@example.com")),
                role: "manager".into(),
                password: "bench-password-123".into(),
                mail: None,
            },
            now,
        )
        .await
        .map_err(fail)?;
        engineers.push(u.id);
    }
    let mut project_ids = Vec::new();
    for i in 0..PROJECTS {
        let signed = today - Days::new(100 + (i % 200) as u64);
        let p = jiaofu_tests::seed_bench_project(&state, i, signed, engineers[i % engineers.len()], now).await?;
        project_ids.push(p.id());
    }

    let policy = ServicePolicy::default();
    let levels = policy.warn_at_percent.clone();
    let mut tickets_rows = Vec::with_capacity(BATCH);
    let mut event_rows = Vec::new();
    let mut assignee_rows = Vec::new();
    let mut alarm_rows = Vec::new();
    for i in 0..TICKETS {
        let id = i32::try_from(i + 1)?;
        // Reported 0 to 72 hours ago, spread evenly.
        let reported = now - Duration::minutes((i % 4320) as i64) - Duration::seconds((i % 60) as i64);
        let timeline: Vec<(chrono::DateTime<Utc>, TicketStep)> = steps(i)
            .into_iter()
            .map(|(m, s)| (reported + Duration::minutes(m), s))
            .filter(|(at, _)| *at <= now)
            .collect();
        let log = ClockLog::from_events(timeline.iter().map(|(a, s)| (a, s))).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        // The warnings due so far, sent by the scans that ran every minute.
        let mut sent: HashSet<String> = HashSet::new();
        let first = derive(&log, &policy, &sent, now);
        let (due, _) = jiaofu::domain::service_clock::alarms_due(&first.views, &levels, &|_| false, now);
        for alarm in due {
            for a in superseded(&alarm, &levels).into_iter().chain([alarm]) {
                if sent.insert(a.key()) {
                    alarm_rows.push(ticket_alarm::ActiveModel {
                        ticket_id: Set(id),
                        key: Set(a.key()),
                        sent_at: Set(Some(now)),
                        ..Default::default()
                    });
                }
            }
        }
        let d = derive(&log, &policy, &sent, now);
        tickets_rows.push(service_ticket::ActiveModel {
            id: Set(id),
            project_id: Set(project_ids[i % PROJECTS]),
            number: Set(Some(format!("BX-2026-{id:06}"))),
            channel: Set(TicketChannel::Phone),
            status: Set(status_of(i)),
            reporter_name: Set("陈志刚".into()),
            reporter_phone: Set("0571-8765-4321".into()),
            reporter_email: Set(None),
            system_type: Set(None),
            unit_id: Set(None),
            device: Set(Some(format!("{} 号法庭 庭审主机", i % 12 + 1))),
            symptom: Set("无图像".into()),
            fault_started_at: Set(None),
            reported_at: Set(reported),
            in_warranty: Set(true),
            warranty_ends_on: Set(None),
            human_damage: Set(false),
            paid: Set(false),
            major_quality: Set(false),
            failed_repairs: Set(i32::from(i % 6 == 3)),
            clock_log: Set(serde_json::to_string(&log)?),
            due_at: Set(d.due_at),
            next_alarm_at: Set(d.next_alarm_at),
            breached: Set(d.breached),
            paused: Set(d.paused),
            closed_at: Set(None),
            ip: Set(None),
            user_agent: Set(None),
            created_by: Set(None),
            created_at: Set(reported),
            updated_at: Set(now),
            ..Default::default()
        });
        for (at, step) in &timeline {
            event_rows.push(ticket_event::ActiveModel {
                ticket_id: Set(id),
                step: Set(*step),
                at: Set(*at),
                note: Set(None),
                reason: Set((*step == TicketStep::Paused).then(|| "客户要求庭审结束后再进场".to_string())),
                actor_id: Set(None),
                actor_name: Set(Some("服务台".into())),
                recorded_at: Set(*at),
                ..Default::default()
            });
        }
        for k in 0..2 {
            assignee_rows.push(ticket_assignee::ActiveModel {
                ticket_id: Set(id),
                user_id: Set(engineers[(i + k) % engineers.len()]),
                assigned_at: Set(reported),
                ..Default::default()
            });
        }
        if tickets_rows.len() == BATCH || i + 1 == TICKETS {
            service_ticket::Entity::insert_many(std::mem::take(&mut tickets_rows))
                .exec(&state.db)
                .await?;
            for chunk in std::mem::take(&mut event_rows).chunks(BATCH) {
                ticket_event::Entity::insert_many(chunk.to_vec())
                    .exec(&state.db)
                    .await?;
            }
            for chunk in std::mem::take(&mut assignee_rows).chunks(BATCH) {
                ticket_assignee::Entity::insert_many(chunk.to_vec())
                    .exec(&state.db)
                    .await?;
            }
            for chunk in std::mem::take(&mut alarm_rows).chunks(BATCH) {
                ticket_alarm::Entity::insert_many(chunk.to_vec())
                    .exec(&state.db)
                    .await?;
            }
        }
    }
    if db.url.starts_with("postgres") {
        // The rows went in with their own ids: move the sequences past them.
        use sea_orm::ConnectionTrait;
        for table in ["service_tickets", "ticket_events", "ticket_assignees", "ticket_alarms"] {
            state
                .db
                .execute_unprepared(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                ))
                .await?;
        }
    }
    {
        // What autovacuum and SQLite's planner would know by now about tables this size.
        use sea_orm::ConnectionTrait;
        let refresh = if db.url.starts_with("postgres") {
            "VACUUM ANALYZE"
        } else {
            "ANALYZE"
        };
        state.db.execute_unprepared(refresh).await?;
    }
    let backend = if db.url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "setup: {TICKETS} open tickets over {PROJECTS} projects ({:.1} s, {backend})",
        setup.elapsed().as_secs_f64()
    );

    // The scan a minute on: what falls due in that minute.
    let minute_on = now + Duration::minutes(1);
    let started = Instant::now();
    let report = alarms::scan(&state, minute_on).await.map_err(fail)?;
    let scan = started.elapsed();
    println!(
        "SLA scan over {TICKETS} open tickets, a minute after the last: {:>7.1} ms → {} tickets looked at, {} warnings, {} messages",
        scan.as_secs_f64() * 1000.0,
        report.tickets,
        report.alarms,
        report.messages
    );
    let started = Instant::now();
    let again = alarms::scan(&state, minute_on).await.map_err(fail)?;
    println!(
        "  the same scan again (nothing new)            : {:>7.1} ms → {} tickets",
        started.elapsed().as_secs_f64() * 1000.0,
        again.tickets
    );
    let hour_on = now + Duration::hours(1);
    let started = Instant::now();
    let hour = alarms::scan(&state, hour_on).await.map_err(fail)?;
    let per_ticket = started.elapsed().as_secs_f64() * 1000.0 / hour.tickets.max(1) as f64;
    println!(
        "  an hour's warnings at once (scan stopped an hour): {:>7.1} ms → {} tickets, {} warnings ({per_ticket:.2} ms a ticket)",
        started.elapsed().as_secs_f64() * 1000.0,
        hour.tickets,
        hour.alarms
    );

    // The board's first page, as a service manager who sees every project opens it.
    let manager = Actor {
        role: jiaofu::domain::types::Role::Admin,
        ..Actor::system()
    };
    let filter = BoardFilter {
        page: 1,
        per_page: 50,
        ..BoardFilter::default()
    };
    let mut times = Vec::new();
    let mut total = 0;
    for _ in 0..200 {
        let started = Instant::now();
        let (rows, n) = tickets::board(&state.db, &manager, &filter, hour_on)
            .await
            .map_err(fail)?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        total = n;
        assert_eq!(rows.len(), 50);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "board, first page of 50 of {total} open tickets: p50 {:.1} ms, p99 {:.1} ms",
        times[times.len() / 2],
        times[times.len() * 99 / 100]
    );
    Ok(())
}
