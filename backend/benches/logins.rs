//! Peak memory of the served binary under login floods (`cargo bench -p jiaofu --bench logins`).
//! Argon2id takes ~19 MB per hash; the service runs at most one hash per core, so a flood queues
//! (or is refused with 503 / 429) instead of allocating a hash's memory per request.
//!
//! Two floods of 100 parallel logins against a fresh server (release build, SQLite):
//! 1. 100 different accounts from 100 addresses (behind a trusted proxy): every login needs a hash;
//! 2. 100 wrong passwords for one account from one address: the rate limit refuses all but 5
//!    before hashing.
//!
//! Reported: peak resident memory (VmHWM) before and after each flood, statuses, and wall time.
use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::Instant,
};

use jiaofu_tests::TestDatabase;
use serde_json::json;

use jiaofu_tests::process_memory_kb as status_kb;

async fn flood(base: &str, logins: Vec<(String, String, String)>) -> (std::collections::BTreeMap<u16, usize>, f64) {
    let http = reqwest::Client::new();
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for (user, password, address) in logins {
        let (http, url) = (http.clone(), format!("{base}/api/auth/login"));
        set.spawn(async move {
            http.post(url)
                .header("x-forwarded-for", address)
                .json(&json!({"username": user, "password": password}))
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        });
    }
    let mut statuses = std::collections::BTreeMap::new();
    while let Some(s) = set.join_next().await {
        *statuses.entry(s.unwrap_or(0)).or_insert(0) += 1;
    }
    (statuses, started.elapsed().as_secs_f64())
}

#[tokio::main]
async fn main() {
    let db = TestDatabase::create().await.expect("database");
    let mut child = Command::new(env!("CARGO_BIN_EXE_jiaofu"))
        .arg("serve")
        .current_dir(&db.dir)
        .env("JIAOFU_DATABASE_URL", &db.url)
        .env("JIAOFU_DATA_DIR", &db.dir)
        .env("JIAOFU_LISTEN", "127.0.0.1:0")
        .env("JIAOFU_TRUSTED_PROXIES", "127.0.0.1")
        .env("JIAOFU_LOG", "warn")
        .env_remove("JIAOFU_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let pid = child.id();
    let mut base = String::new();
    for line in BufReader::new(child.stdout.take().expect("stdout")).lines() {
        let line = line.expect("line");
        if let Some(url) = line.split(" is listening on ").nth(1) {
            base = url.trim().to_string();
        }
        if line.trim_start().starts_with("health:") {
            break;
        }
    }
    let _ = flood(&base, vec![("warmup".into(), "x".into(), "198.51.100.1".into())]).await;
    println!("logins: peak resident memory of the server under 100 parallel logins (release, SQLite)");
    println!("  at rest: {} MB resident", status_kb(pid, "VmRSS:") / 1024);

    let distinct = (0..100)
        .map(|i| {
            (
                format!("nobody{i}"),
                "wrong-password".to_string(),
                format!("203.0.113.{}", i + 1),
            )
        })
        .collect();
    let (statuses, secs) = flood(&base, distinct).await;
    println!(
        "  100 accounts from 100 addresses: peak {} MB, statuses {statuses:?}, {secs:.2} s",
        status_kb(pid, "VmHWM:") / 1024
    );
    let one = (0..100)
        .map(|_| {
            (
                "admin".to_string(),
                "wrong-password".to_string(),
                "198.51.100.66".to_string(),
            )
        })
        .collect();
    let (statuses, secs) = flood(&base, one).await;
    println!(
        "  one account from one address:    peak {} MB, statuses {statuses:?}, {secs:.2} s",
        status_kb(pid, "VmHWM:") / 1024
    );
    println!("  target: peak < 300 MB");
    let _ = child.kill();
    let _ = child.wait();
}
