//! Housekeeping: expired login tokens, login records older than 90 days and rate-limit counters
//! whose window has passed are deleted, hourly.
use chrono::{DateTime, Duration, Utc};
use entity::{auth_token, login_attempt};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::{error::AppResult, service::throttle, state::AppState};

/// How long the record of a login (who, from where, whether it worked) is kept.
pub const LOGIN_RECORDS_DAYS: i64 = 90;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct PruneReport {
    pub tokens: u64,
    pub login_attempts: u64,
    pub counters: u64,
}

/// Deletes what has expired at `now`.
pub async fn run_once(state: &AppState, now: DateTime<Utc>) -> AppResult<PruneReport> {
    let db = &state.db;
    let tokens = auth_token::Entity::delete_many()
        .filter(auth_token::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?
        .rows_affected;
    let login_attempts = login_attempt::Entity::delete_many()
        .filter(login_attempt::Column::At.lt(now - Duration::days(LOGIN_RECORDS_DAYS)))
        .exec(db)
        .await?
        .rows_affected;
    let window_secs = throttle::window_secs(state.settings.login_window_minutes);
    let counters = throttle::prune(db, now, window_secs).await?;
    Ok(PruneReport {
        tokens,
        login_attempts,
        counters,
    })
}

/// Runs the job every hour until the process ends.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        loop {
            let round = run_once(&state, Utc::now()).await;
            crate::metrics::job_run("maintenance", round.is_ok());
            match round {
                Ok(r) if r != PruneReport::default() => tracing::info!(
                    tokens = r.tokens,
                    login_attempts = r.login_attempts,
                    counters = r.counters,
                    "expired records pruned"
                ),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %format_args!("{e:#}"), "pruning failed"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        }
    });
}
