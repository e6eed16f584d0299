//! The delivery worker: claims due outbox rows with a lease, sends them, records the outcome.
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};

use crate::{
    email::{
        Mailer, SendOutcome, messages,
        outbox::{self, OutboxStatus},
        webhook,
    },
    error::AppResult,
    state::AppState,
};

/// Messages claimed per round trip to the database.
const BATCH: u64 = 50;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: u32,
    pub retried: u32,
    pub failed: u32,
}

/// A name for this worker that is unique across processes and hosts.
pub fn worker_name() -> String {
    format!("worker-{}-{}", std::process::id(), crate::service::auth::random_hex(4))
}

/// Messages in flight at once; matches the SMTP connection pool.
const CONCURRENCY: usize = 4;

/// How one message ended this round.
enum Settled {
    Sent,
    Retried,
    Failed,
}

/// Delivers every message due at `now`, one batch after another, until none is left. Within a
/// batch up to four messages are in flight, each on its own pooled connection.
pub async fn run_once(state: &AppState, mailer: &Mailer, owner: &str, now: DateTime<Utc>) -> AppResult<DeliveryReport> {
    let lease = Duration::seconds(state.settings.mail_lease_secs);
    let mut report = DeliveryReport::default();
    loop {
        let batch = outbox::claim(&state.db, owner, now, now + lease, BATCH).await?;
        if batch.is_empty() {
            return Ok(report);
        }
        let mut in_flight = tokio::task::JoinSet::new();
        for row in batch {
            if in_flight.len() >= CONCURRENCY
                && let Some(done) = in_flight.join_next().await
            {
                tally(&mut report, done)?;
            }
            let (state, mailer, owner) = (state.clone(), mailer.clone(), owner.to_string());
            in_flight.spawn(async move { deliver_one(&state, &mailer, &owner, row, now).await });
        }
        while let Some(done) = in_flight.join_next().await {
            tally(&mut report, done)?;
        }
    }
}

fn tally(report: &mut DeliveryReport, done: Result<AppResult<Settled>, tokio::task::JoinError>) -> AppResult<()> {
    match done.map_err(|e| anyhow::anyhow!("a delivery task failed: {e}"))?? {
        Settled::Sent => report.sent += 1,
        Settled::Retried => report.retried += 1,
        Settled::Failed => report.failed += 1,
    }
    Ok(())
}

async fn deliver_one(
    state: &AppState,
    mailer: &Mailer,
    owner: &str,
    row: entity::outbox::Model,
    now: DateTime<Utc>,
) -> AppResult<Settled> {
    let timeout = StdDuration::from_secs(state.settings.mail_send_timeout_secs);
    let outcome = if row.kind == webhook::KIND {
        webhook::post(&state.settings, &row, timeout).await
    } else {
        match messages::to_message(&row, &state.settings.mail_from) {
            Ok(message) => mailer.send(message, timeout).await,
            Err(why) => SendOutcome::Permanent(why),
        }
    };
    let db = &state.db;
    Ok(match outcome {
        SendOutcome::Accepted(reply) => {
            outbox::settle(db, row.id, owner, OutboxStatus::Sent, None, Some(reply), now).await?;
            Settled::Sent
        }
        SendOutcome::Permanent(why) => {
            tracing::warn!(id = row.id, kind = %row.kind, error = %why, "message failed permanently");
            outbox::settle(db, row.id, owner, OutboxStatus::Failed, None, Some(why), now).await?;
            Settled::Failed
        }
        SendOutcome::Transient(why) => {
            let next = now + backoff(row.id, row.attempts);
            if next > row.retry_until {
                let why = format!("gave up after {} attempts: {why}", row.attempts);
                tracing::warn!(id = row.id, error = %why, "message failed");
                outbox::settle(db, row.id, owner, OutboxStatus::Failed, None, Some(why), now).await?;
                Settled::Failed
            } else {
                tracing::info!(id = row.id, attempt = row.attempts, error = %why, retry_at = %next, "delivery will be retried");
                outbox::settle(db, row.id, owner, OutboxStatus::Queued, Some(next), Some(why), now).await?;
                Settled::Retried
            }
        }
    })
}

/// 1 min, 2, 4, … up to 1 h after the `attempts`-th failure, ±10 % so that messages that failed
/// together do not all come back at the same second. The jitter is derived from the row, so a
/// test can predict the window.
pub fn backoff(id: i64, attempts: i32) -> Duration {
    let exp = attempts.clamp(1, 7) - 1;
    let base = (60i64 << exp).min(3600);
    let spread = (id.wrapping_mul(2_654_435_761).wrapping_add(i64::from(attempts))).rem_euclid(21) - 10;
    Duration::seconds(base + base * spread / 100)
}

/// Runs the worker until the process ends.
pub fn spawn(state: AppState, mailer: Mailer) {
    let owner = worker_name();
    let every = StdDuration::from_secs(state.settings.mail_poll_secs);
    tokio::spawn(async move {
        loop {
            let round = run_once(&state, &mailer, &owner, Utc::now()).await;
            crate::metrics::job_run("delivery", round.is_ok());
            if let Err(e) = round {
                tracing::error!(error = %format_args!("{e:#}"), "mail delivery round failed");
            }
            tokio::time::sleep(every).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour_with_bounded_jitter() {
        for id in 0..50 {
            let first = backoff(id, 1).num_seconds();
            assert!((54..=66).contains(&first), "{first}");
            let third = backoff(id, 3).num_seconds();
            assert!((216..=264).contains(&third), "{third}");
            assert!(backoff(id, 30).num_seconds() <= 3960);
        }
    }
}
