//! Lists at scale (`cargo bench -p jiaofu-tests --bench scale`): 10,000 projects with their
//! schedules (the default plan, signed over the last 120 days, all active and nothing done — so
//! most tasks are overdue, the heaviest dashboard there can be), 20 PMs with 500 projects each.
//!
//! Reported, side by side in one run, through HTTP against the real application:
//! - `GET /api/dashboard` and `GET /api/projects?page=1`: p50/p99 over 200 requests and body size,
//!   as the administrator (all 10,000 projects) and as a PM (their 500);
//! - authenticated `GET /api/projects/{id}/schedule` per second against a bare poem hello-world
//!   endpoint served by this same binary on the same runtime, with the same client and concurrency.
//!
//! - the pages 工作台, 项目 and a project page (issue 16), rendered on the server, with the session
//!   cookie (which holds a token of the same table as the API's bearer tokens).
//!
//! Targets (issue 15): dashboard and list p99 < 50 ms and < 100 kB; schedule reads ≥ 10 % of
//! hello world. Issue 16: the pages p99 < 50 ms and < 150 kB. `JIAOFU_BENCH_PROJECTS` changes the number of projects; `JIAOFU_BENCH_SAVE_DB=FILE`
//! keeps a copy of the SQLite database for `EXPLAIN QUERY PLAN`.
use std::time::{Duration as StdDuration, Instant};

use chrono::{Days, Utc};
use jiaofu::{
    config::{Secret, Settings},
    service::{Actor, users},
    startup::prepare,
};
use jiaofu_tests::{
    TestDatabase,
    bench::{Caller, latency, serve},
};
use poem::Route;

const PMS: usize = 20;
const PASSWORD: &str = "bench-password-123";

fn n() -> usize {
    std::env::var("JIAOFU_BENCH_PROJECTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

fn fail(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// Serves `app` on an ephemeral port of 127.0.0.1; returns its base URL.
/// Requests per second that `clients` concurrent keep-alive clients get from `urls` (taken in
/// turn) over `seconds`.
async fn throughput(urls: Vec<String>, token: Option<String>, clients: usize, seconds: u64) -> f64 {
    let http = reqwest::Client::new();
    let deadline = Instant::now() + StdDuration::from_secs(seconds);
    let mut set = tokio::task::JoinSet::new();
    for c in 0..clients {
        let (http, urls, token) = (http.clone(), urls.clone(), token.clone());
        set.spawn(async move {
            let mut done = 0u64;
            let mut i = c;
            while Instant::now() < deadline {
                let mut req = http.get(&urls[i % urls.len()]);
                if let Some(t) = &token {
                    req = req.bearer_auth(t);
                }
                if let Ok(r) = req.send().await
                    && r.status().is_success()
                    && r.bytes().await.is_ok()
                {
                    done += 1;
                }
                i += 1;
            }
            done
        });
    }
    let mut total = 0;
    while let Some(done) = set.join_next().await {
        total += done.unwrap_or(0);
    }
    total as f64 / seconds as f64
}

#[poem::handler]
fn hello_world() -> &'static str {
    "hello world"
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n = n();
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
    let account = |username: String, role: &str| users::NewUser {
        display_name: Some(username.clone()),
        email: Some(format!("{username}@example.com")),
        username,
        role: role.into(),
        password: PASSWORD.into(),
        mail: None,
    };
    users::create(&state.db, &system, account("admin1".into(), "admin"), now)
        .await
        .map_err(fail)?;
    let mut pm_ids = Vec::new();
    for i in 0..PMS {
        let u = users::create(&state.db, &system, account(format!("pm{i}"), "manager"), now)
            .await
            .map_err(fail)?;
        pm_ids.push(u.id);
    }
    let mut project_ids = Vec::new();
    for i in 0..n {
        let granted =
            jiaofu_tests::seed_bench_project(&state, i, today - Days::new((i % 120) as u64), pm_ids[i % PMS], now)
                .await?;
        project_ids.push(granted.id());
    }
    eprintln!(
        "set-up: {n} projects with their schedules in {:.1} s",
        setup.elapsed().as_secs_f64()
    );

    if let Ok(copy) = std::env::var("JIAOFU_BENCH_SAVE_DB") {
        std::fs::copy(db.dir.join("jiaofu.db"), copy)?;
    }
    let base = serve(jiaofu::api::app(state.clone())).await?;
    let hello = serve(Route::new().at("/hello", poem::get(hello_world))).await?;
    let http = reqwest::Client::new();
    let admin = jiaofu_tests::bench::login(&http, &base, "admin1", PASSWORD).await?;
    let pm = jiaofu_tests::bench::login(&http, &base, "pm0", PASSWORD).await?;

    let kind = if db.url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!("## {n} projects on {kind}");
    println!("| request | caller | p50 ms | p99 ms | body |");
    println!("|---|---|---:|---:|---:|");
    for (label, path) in [
        ("GET /api/dashboard", "/api/dashboard"),
        ("GET /api/projects?page=1", "/api/projects?page=1"),
    ] {
        for (who, token) in [("admin (all)", &admin), ("PM (500)", &pm)] {
            let (p50, p99, size) = latency(&http, &format!("{base}{path}"), Caller::Api(token)).await?;
            println!(
                "| {label} | {who} | {p50:.1} | {p99:.1} | {:.1} kB |",
                size as f64 / 1000.0
            );
        }
    }
    // The pages, rendered on the server from the same read models (issue 16: p99 < 50 ms, < 150 kB).
    let busiest = project_ids[0];
    for (label, path) in [
        ("GET /dashboard (工作台)", "/dashboard".to_string()),
        ("GET /projects (项目)", "/projects".to_string()),
        ("GET /projects/{id} (a project)", format!("/projects/{busiest}")),
    ] {
        for (who, token) in [("admin (all)", &admin), ("PM (500)", &pm)] {
            if who.starts_with("PM") && path.starts_with("/projects/") {
                continue; // the PM's projects are a fifth of all; one project page is the same work
            }
            let (p50, p99, size) = latency(&http, &format!("{base}{path}"), Caller::Page(token)).await?;
            println!(
                "| {label} | {who} | {p50:.1} | {p99:.1} | {:.1} kB |",
                size as f64 / 1000.0
            );
        }
    }
    let schedules: Vec<String> = project_ids
        .iter()
        .step_by(Ord::max(n / 100, 1))
        .map(|id| format!("{base}/api/projects/{id}/schedule"))
        .collect();
    let clients = 32;
    let seconds = 5;
    let bare = throughput(vec![format!("{hello}/hello")], None, clients, seconds).await;
    // Where the time goes: the application's middleware alone, then one authenticated lookup.
    let health = throughput(vec![format!("{base}/healthz")], None, clients, seconds).await;
    let me = throughput(
        vec![format!("{base}/api/auth/me")],
        Some(admin.clone()),
        clients,
        seconds,
    )
    .await;
    let reads = throughput(schedules, Some(admin.clone()), clients, seconds).await;
    println!();
    println!("| endpoint ({clients} clients, {seconds} s) | requests/s | of hello world |");
    println!("|---|---:|---:|");
    for (label, rate) in [
        ("bare poem hello world", bare),
        ("GET /healthz (the application's middleware, no database)", health),
        ("authenticated GET /api/auth/me (the token's lookup)", me),
        ("authenticated GET /api/projects/{id}/schedule", reads),
    ] {
        println!("| {label} | {rate:.0} | {:.1} % |", rate / bare * 100.0);
    }
    Ok(())
}
