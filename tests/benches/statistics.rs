//! The service statistics at size (issue 21): 1,000,000 archived tickets over five years and 500
//! projects in ten regions (a fault every ~2.6 days per project), their 回访 (one in three
//! answered), spares taken out for one in twenty, and two inspections a year per project.
//!
//! Reported through HTTP against the real application, as the administrator (every project):
//! p50/p99 of 200 reads and the body size of the month's JSON (`GET /api/service/statistics`),
//! the month's page (`/service/statistics`, with its twelve-month trend and charts), a region's
//! month, and the tickets behind a figure. Target: a month's page p99 < 200 ms. Also what each
//! change adds to its transaction: the project's month of sums counted again.
//! `cargo bench -p jiaofu-tests --bench statistics`; PostgreSQL with JIAOFU_TEST_DATABASE_URL;
//! `JIAOFU_BENCH_TICKETS` changes the number of tickets.
use std::time::Instant;

use chrono::{Days, Duration, Utc};
use entity::{patrol, project, return_visit, service_ticket, spare_loan, spare_part};
use jiaofu::{
    config::{Secret, Settings},
    domain::{
        statistics::Month,
        types::{
            LoanStatus, Satisfaction, SpareStatus, SystemType, TicketChannel, TicketStatus, VisitChannel, VisitStage,
        },
    },
    service::{Actor, service_desk::tickets::STATS_VERSION, users},
    startup::prepare,
};
use jiaofu_tests::{
    TestDatabase,
    bench::{Caller, latency, login, serve},
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait};

const PROJECTS: usize = 500;
const MONTHS: i32 = 60;
const BATCH: usize = 500;
const PASSWORD: &str = "bench-password-123";
const REGIONS: [&str; 10] = [
    "浙江杭州",
    "浙江宁波",
    "浙江温州",
    "浙江湖州",
    "浙江嘉兴",
    "浙江绍兴",
    "浙江金华",
    "浙江衢州",
    "浙江台州",
    "浙江丽水",
];

fn fail(e: jiaofu::error::AppError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

fn tickets() -> usize {
    std::env::var("JIAOFU_BENCH_TICKETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n = tickets();
    let db = TestDatabase::create().await?;
    let settings = Settings {
        database_url: Secret::new(db.url.clone()),
        data_dir: db.dir.clone(),
        background_jobs: false,
        ..Settings::default()
    };
    let state = prepare(settings).await?;
    let now = Utc::now();
    let system = Actor::system();
    let tz = chrono_tz::Asia::Shanghai;
    let this_month = Month::of(now.with_timezone(&tz).date_naive());
    let first = this_month.plus(-MONTHS);
    let setup = Instant::now();
    let account = |username: &str, role: &str| users::NewUser {
        display_name: Some(username.into()),
        email: Some(format!("{username}@example.com")),
        username: username.into(),
        role: role.into(),
        password: PASSWORD.into(),
        mail: None,
    };
    users::create(&state.db, &system, account("admin1", "admin"), now)
        .await
        .map_err(fail)?;
    let pm = users::create(&state.db, &system, account("pm0", "manager"), now)
        .await
        .map_err(fail)?;
    let mut projects = Vec::new();
    for i in 0..PROJECTS {
        let granted =
            jiaofu_tests::seed_bench_project(&state, i, first.first_day() - Days::new(120), pm.id, now).await?;
        let types = match i % 4 {
            0 => vec![SystemType::DigitalCourtroom, SystemType::PublicAddress],
            1 => vec![SystemType::VideoConference],
            2 => vec![SystemType::SurveillanceAlarm],
            _ => vec![SystemType::DigitalCourtroom, SystemType::SurveillanceAlarm],
        };
        let mut active: project::ActiveModel = granted.project().clone().into();
        active.region = Set(REGIONS[i % REGIONS.len()].into());
        active.system_types = Set(serde_json::to_string(
            &types.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
        )?);
        active.delivered_on = Set(Some(first.first_day()));
        active.warranty_starts_on = Set(Some(first.first_day()));
        active.update(&state.db).await?;
        projects.push((granted.id(), types));
    }
    let mut spares = Vec::new();
    for i in 0..20 {
        let s = spare_part::ActiveModel {
            name: Set("高清球型摄像机".into()),
            model: Set(Some("DS-2DE4425IW-DE".into())),
            serial: Set(Some(format!("SP-BENCH-{i:03}"))),
            location: Set("杭州仓".into()),
            status: Set(SpareStatus::InStock),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&state.db)
        .await?;
        spares.push(s.id);
    }

    // The tickets, spread evenly over the sixty months before this one, with their facts as the
    // service keeps them; one in three visited back, one in twenty with a spare.
    let minutes = i64::from(MONTHS) * 30 * 24 * 60;
    let start = first
        .first_day()
        .and_time(chrono::NaiveTime::MIN)
        .and_local_timezone(tz)
        .earliest()
        .ok_or_else(|| anyhow::anyhow!("no midnight"))?
        .with_timezone(&Utc);
    let (mut rows, mut visits, mut loans) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        let id = i32::try_from(i + 1)?;
        let (project_id, types) = &projects[i % PROJECTS];
        let reported = start + Duration::minutes((i as i64 * 7919) % minutes);
        let month = Month::of(reported.with_timezone(&tz).date_naive()).key();
        let response = if i % 50 == 7 { 4200 } else { 600 + (i % 40) as i64 * 60 };
        let on_site = i % 3 != 0;
        let repair = on_site.then(|| {
            if i % 40 == 11 {
                36_000
            } else {
                3600 + (i % 6) as i64 * 1800
            }
        });
        let closed = reported + Duration::seconds(response + repair.unwrap_or(0) + 86_400);
        rows.push(service_ticket::ActiveModel {
            id: Set(id),
            project_id: Set(*project_id),
            number: Set(Some(format!("BX-B-{id:07}"))),
            channel: Set(TicketChannel::Phone),
            status: Set(TicketStatus::Closed),
            reporter_name: Set("陈志刚".into()),
            reporter_phone: Set("0571-8765-4321".into()),
            system_type: Set(Some(types[i % types.len()])),
            device: Set(Some("庭审主机".into())),
            symptom: Set("无图像".into()),
            reported_at: Set(reported),
            in_warranty: Set(true),
            human_damage: Set(false),
            paid: Set(false),
            major_quality: Set(false),
            failed_repairs: Set(i32::from(i % 17 == 5)),
            clock_log: Set("{}".into()),
            breached: Set(response > 3600 || repair.is_some_and(|r| r > 28_800)),
            paused: Set(false),
            closed_at: Set(Some(closed)),
            created_at: Set(reported),
            updated_at: Set(closed),
            reported_month: Set(month),
            response_secs: Set(Some(response)),
            response_broken: Set(response > 3600),
            repair_secs: Set(repair),
            repair_broken: Set(repair.is_some_and(|r| r > 28_800)),
            site_visits: Set(if on_site { 1 + i32::from(i % 17 == 5) } else { 0 }),
            stats_version: Set(STATS_VERSION),
            ..Default::default()
        });
        if i % 3 == 1 {
            let answered = closed + Duration::hours(30);
            let unhappy = i % 400 == 1;
            visits.push(return_visit::ActiveModel {
                ticket_id: Set(id),
                stage: Set(VisitStage::After),
                channel: Set(VisitChannel::Phone),
                asked_at: Set(answered),
                answered_at: Set(Some(answered)),
                response: Set(Some(Satisfaction::Satisfied)),
                attitude: Set(Some(Satisfaction::Satisfied)),
                quality: Set(Some(Satisfaction::Satisfied)),
                overall: Set(Some(if unhappy {
                    Satisfaction::Unsatisfied
                } else {
                    Satisfaction::Satisfied
                })),
                complaint: Set(i % 2000 == 1),
                follow_up: Set(unhappy),
                answered_month: Set(Some(Month::of(answered.with_timezone(&tz).date_naive()).key())),
                ..Default::default()
            });
        }
        if i % 20 == 3 {
            loans.push(spare_loan::ActiveModel {
                ticket_id: Set(id),
                spare_id: Set(spares[i % spares.len()]),
                status: Set(LoanStatus::Returned),
                requested_at: Set(reported),
                checked_out_at: Set(Some(reported + Duration::hours(1))),
                returned_at: Set(Some(closed)),
                ..Default::default()
            });
        }
        if rows.len() == BATCH || i + 1 == n {
            let txn = sea_orm::TransactionTrait::begin(&state.db).await?;
            service_ticket::Entity::insert_many(std::mem::take(&mut rows))
                .exec(&txn)
                .await?;
            if !visits.is_empty() {
                return_visit::Entity::insert_many(std::mem::take(&mut visits))
                    .exec(&txn)
                    .await?;
            }
            if !loans.is_empty() {
                spare_loan::Entity::insert_many(std::mem::take(&mut loans))
                    .exec(&txn)
                    .await?;
            }
            txn.commit().await?;
        }
    }
    // Two inspections a year per project, one in ten missed.
    let mut inspections = Vec::new();
    for (k, (project_id, _)) in projects.iter().enumerate() {
        for h in 0..(MONTHS / 6) {
            let planned = first.plus(h * 6 + 3).first_day() + Days::new((k % 20) as u64);
            let missed = (k + h as usize).is_multiple_of(10);
            inspections.push(patrol::ActiveModel {
                project_id: Set(*project_id),
                seq: Set(h + 1),
                half_year: Set(h + 1),
                planned_on: Set(planned),
                done_on: Set((!missed).then_some(planned + Days::new(1))),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            });
        }
    }
    for chunk in inspections.chunks(BATCH) {
        patrol::Entity::insert_many(chunk.to_vec()).exec(&state.db).await?;
    }
    // Written in bulk beside the live code: the monthly sums are counted once, as at start.
    let counting = Instant::now();
    let txn = sea_orm::TransactionTrait::begin(&state.db).await?;
    let sums = jiaofu::service::service_desk::statistics::month_counts::rebuild(&txn)
        .await
        .map_err(fail)?;
    txn.commit().await?;
    eprintln!(
        "counted {sums} monthly sums in {:.1} s",
        counting.elapsed().as_secs_f64()
    );
    if db.url.starts_with("postgres") {
        for table in ["service_tickets"] {
            state
                .db
                .execute_unprepared(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                ))
                .await?;
        }
        state.db.execute_unprepared("VACUUM ANALYZE").await?;
    } else {
        state.db.execute_unprepared("ANALYZE").await?;
    }
    let kind = if db.url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    eprintln!(
        "set-up: {n} tickets over {PROJECTS} projects and {MONTHS} months in {:.1} s",
        setup.elapsed().as_secs_f64()
    );

    if let Ok(copy) = std::env::var("JIAOFU_BENCH_SAVE_DB") {
        std::fs::copy(db.dir.join("jiaofu.db"), copy)?;
    }
    {
        // The use case alone, without HTTP and JSON.
        use jiaofu::service::service_desk::statistics::{self, Filter};
        let mut times = Vec::new();
        for _ in 0..50 {
            let started = Instant::now();
            statistics::month(&state, &system, this_month.prev(), &Filter::default(), now)
                .await
                .map_err(fail)?;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        eprintln!("the use case: p50 {:.1} ms, p99 {:.1} ms", times[25], times[49]);
    }
    {
        // What every change now adds to its transaction: the project's month counted again from
        // its rows (a ticket's event, a spare taken out, a 回访 answered), committed.
        use jiaofu::service::service_desk::statistics::month_counts;
        let mut times = Vec::new();
        for k in 0..200 {
            let (project_id, _) = projects[(k * 37) % projects.len()];
            let month = this_month.plus(-((k % 24) as i32)).key();
            let started = Instant::now();
            let txn = sea_orm::TransactionTrait::begin(&state.db).await?;
            month_counts::recount(&txn, project_id, &[month]).await.map_err(fail)?;
            txn.commit().await?;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        eprintln!(
            "a change's recount of its project's month: p50 {:.2} ms, p99 {:.2} ms",
            times[100], times[197]
        );
    }
    let base = serve(jiaofu::api::app(state.clone())).await?;
    let http = reqwest::Client::new();
    let admin = login(&http, &base, "admin1", PASSWORD).await?;
    let month = this_month.prev();
    let mid = this_month.plus(-30);
    println!("## {n} tickets, {PROJECTS} projects, {MONTHS} months on {kind}");
    println!("| request | p50 ms | p99 ms | body |");
    println!("|---|---:|---:|---:|");
    let page_token = admin.clone();
    for (what, url, caller) in [
        (
            format!("JSON, month {month}"),
            format!("{base}/api/service/statistics?month={month}"),
            Caller::Api(&admin),
        ),
        (
            format!("JSON, month {mid}"),
            format!("{base}/api/service/statistics?month={mid}"),
            Caller::Api(&admin),
        ),
        (
            format!("JSON, month {month}, one region"),
            format!("{base}/api/service/statistics?month={month}&region=浙江温州"),
            Caller::Api(&admin),
        ),
        (
            format!("page, month {month}"),
            format!("{base}/service/statistics?month={month}"),
            Caller::Page(&page_token),
        ),
        (
            format!("page, month {month}, video conference"),
            format!("{base}/service/statistics?month={month}&category=video_conference"),
            Caller::Page(&page_token),
        ),
        (
            format!("tickets behind 响应超时, {month}"),
            format!("{base}/api/service/statistics/behind?month={month}&figure=response_broken"),
            Caller::Api(&admin),
        ),
    ] {
        let (p50, p99, size) = latency(&http, &url, caller).await?;
        println!("| {what} | {p50:.1} | {p99:.1} | {:.0} kB |", size as f64 / 1024.0);
    }
    Ok(())
}
