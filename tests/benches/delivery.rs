//! Delivers 10,000 queued messages through the outbox worker to a local SMTP server, and sends the
//! same 10,000 messages with a bare lettre loop to the same server, in the same run.
use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, Utc};
use jiaofu::{
    config::{Secret, Settings},
    email::{
        Mailer, SendOutcome, messages,
        outbox::{self, NewEmail},
    },
    jobs::delivery,
    startup::prepare,
};
use jiaofu_tests::{SmtpSink, TestDatabase};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor, transport::smtp::PoolConfig};
use sea_orm::TransactionTrait;

/// Messages per run; `JIAOFU_BENCH_MESSAGES` overrides.
fn n() -> usize {
    std::env::var("JIAOFU_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

fn email(i: usize) -> NewEmail {
    NewEmail {
        key: format!("bench:{i}"),
        kind: "bench".into(),
        project_id: None,
        to_address: format!("user{}@example.com", i % 50),
        to_name: Some("李明".into()),
        subject: format!("【交付提醒】第 {i} 封"),
        text: "以下交付事项需要您关注：设备清单确定，截止 2026-03-09。".repeat(10),
        html: Some("<p>以下交付事项需要您关注：<b>设备清单确定</b>，截止 2026-03-09。</p>".repeat(10)),
        calendar: None,
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n = n();
    let sink = SmtpSink::start();
    eprintln!("sink on {}", sink.url());
    let db = TestDatabase::create().await?;
    let settings = Settings {
        database_url: Secret::new(db.url.clone()),
        data_dir: db.dir.clone(),
        smtp_url: Some(Secret::new(sink.url())),
        background_jobs: false,
        ..Settings::default()
    };
    let state = prepare(settings).await?;
    let now = Utc::now();

    // Queue N messages, keep the rows to build the identical messages for the bare loop.
    let txn = state.db.begin().await?;
    for i in 0..n {
        outbox::enqueue(&txn, email(i), Duration::hours(48), now).await?;
    }
    txn.commit().await?;
    let (rows, _) = outbox::list(
        &state.db,
        outbox::OutboxFilter {
            status: None,
            kind: None,
            to: None,
            project_id: None,
            page: 1,
            per_page: n as u64,
        },
    )
    .await?;
    let from = state.settings.mail_from.clone();
    let bare_messages: Vec<_> = rows
        .iter()
        .map(|r| messages::to_message(r, &from))
        .collect::<Result<_, _>>()
        .map_err(anyhow::Error::msg)?;

    eprintln!("queued {n}");
    // Bare lettre: the same transport configuration, one send after another.
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&sink.url())?
        .timeout(Some(StdDuration::from_secs(30)))
        .pool_config(PoolConfig::new().max_size(4))
        .build();
    let started = Instant::now();
    for m in bare_messages {
        transport.send(m).await?;
    }
    let bare = started.elapsed();
    eprintln!("bare loop done");

    // The outbox worker.
    let mailer = Mailer::from_settings(&state.settings)?;
    if let SendOutcome::Transient(e) | SendOutcome::Permanent(e) = mailer
        .send(
            messages::test_message(&state.templates.env, &from, "warmup@example.com", now)
                .map_err(anyhow::Error::msg)?,
            StdDuration::from_secs(5),
        )
        .await
    {
        anyhow::bail!("warm-up failed: {e}");
    }
    let started = Instant::now();
    let report = delivery::run_once(&state, &mailer, "bench", now)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let worker = started.elapsed();
    assert_eq!(report.sent as usize, n, "{report:?}");
    assert_eq!(sink.messages().len(), 2 * n + 1);

    let rate = |d: StdDuration| n as f64 / d.as_secs_f64();
    println!(
        "delivery of {n} messages to aiosmtpd on 127.0.0.1 ({})",
        if db.url.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    println!(
        "  bare lettre loop : {:>8.1} msg/s ({:.2} s)",
        rate(bare),
        bare.as_secs_f64()
    );
    println!(
        "  outbox worker    : {:>8.1} msg/s ({:.2} s)",
        rate(worker),
        worker.as_secs_f64()
    );
    println!("  worker / bare    : {:>8.1} %", 100.0 * rate(worker) / rate(bare));
    Ok(())
}
