//! Runs the reminder job over 100,000 open tasks: 5,264 active projects on the default plan
//! (19 tasks each), signed over the last 40 days, each with a PM and a client contact.
use std::time::Instant;

use chrono::{Days, Utc};
use jiaofu::{
    config::{Secret, Settings},
    jobs::reminders,
    service::{Actor, projects, users},
    startup::prepare,
};
use jiaofu_tests::TestDatabase;
use sea_orm::{ConnectionTrait, Statement};

const PROJECTS: usize = 5_264;
const PMS: usize = 50;

fn fail(e: jiaofu::error::AppError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
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
    let now = Utc::now();
    let system = Actor::system();
    let today = now.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();

    let setup = Instant::now();
    let mut pm_ids = Vec::new();
    for i in 0..PMS {
        let u = users::create(
            &state.db,
            &system,
            users::NewUser {
                username: format!("pm{i}"),
                display_name: Some(format!("项目主管{i}")),
                email: Some(format!("pm{i}@example.com")),
                role: "manager".into(),
                password: "bench-password-123".into(),
                mail: None,
            },
            now,
        )
        .await
        .map_err(fail)?;
        pm_ids.push(u.id);
    }
    for i in 0..PROJECTS {
        let granted =
            jiaofu_tests::seed_bench_project(&state, i, today - Days::new((i % 40) as u64), pm_ids[i % PMS], now)
                .await?;
        projects::save_contact(
            &state.db,
            &granted,
            None,
            projects::ContactInput {
                name: Some("陈志刚".into()),
                email: Some(Some(format!("client{i}@court.example.cn"))),
                phone: None,
                role: Some("甲方项目负责人".into()),
            },
            now,
        )
        .await
        .map_err(fail)?;
    }
    let backend = state.db.get_database_backend();
    let open = state
        .db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT COUNT(*) AS n FROM tasks WHERE status <> 'done'",
        ))
        .await?
        .and_then(|r| r.try_get::<i64>("", "n").ok())
        .unwrap_or_default();
    println!(
        "setup: {open} open tasks in {PROJECTS} projects ({:.1} s)",
        setup.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let planned = reminders::plan(&state, now).await.map_err(fail)?;
    let scan = started.elapsed();
    let items: usize = planned.iter().map(|d| d.items().count()).sum();

    let started = Instant::now();
    let report = reminders::run_once(&state, now).await.map_err(fail)?;
    let full = started.elapsed();

    let started = Instant::now();
    let again = reminders::run_once(&state, now).await.map_err(fail)?;
    let rerun = started.elapsed();

    println!(
        "reminder job over {open} open tasks ({})",
        if db.url.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    println!(
        "  scan (plan only)         : {:>7.3} s  → {} digests, {items} items",
        scan.as_secs_f64(),
        planned.len()
    );
    println!(
        "  run_once (scan + queue)  : {:>7.3} s  → {} digests, {} items queued",
        full.as_secs_f64(),
        report.digests,
        report.items
    );
    println!(
        "  run_once again (no-op)   : {:>7.3} s  → {} digests",
        rerun.as_secs_f64(),
        again.digests
    );
    Ok(())
}
