//! Rate limits that hold under concurrency: each attempt counts itself and learns whether it is
//! within the limit in one atomic statement per key (an upsert that returns the new count), so a
//! burst of parallel requests cannot all pass a check made before any of them was recorded.
//! Counters live in the database, so several instances share them.
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

use crate::{
    config::Settings,
    error::{AppError, AppResult},
};

/// A counter: what it counts (`login-pair:alice|10.0.0.7`), how many attempts a window allows,
/// and the window's length.
#[derive(Debug, Clone)]
pub struct Limit {
    pub key: String,
    pub max: u64,
    pub window_secs: i64,
}

impl Limit {
    pub fn new(key: impl Into<String>, max: u64, window_minutes: i64) -> Self {
        Self {
            key: key.into(),
            max,
            window_secs: window_secs(window_minutes),
        }
    }
}

/// A window of `minutes` (at least one) in seconds.
pub fn window_secs(minutes: i64) -> i64 {
    minutes.max(1) * 60
}

/// The budget of failed attempts of one client address, shared by logins, signing links and
/// verification codes: guessing any secret from one address uses it up.
pub fn address(settings: &Settings, address: &str) -> Limit {
    Limit::new(
        format!("address:{address}"),
        settings.login_max_failures_per_address,
        settings.login_window_minutes,
    )
}

/// Counts one attempt against `limit`. Past the limit the answer is 429 with the seconds until the
/// window ends (the attempt is still counted, so hammering does not reopen the window early).
#[tracing::instrument(skip_all)]
pub async fn take(db: &impl ConnectionTrait, limit: &Limit, what: &str, now: DateTime<Utc>) -> AppResult<()> {
    let backend = db.get_database_backend();
    let now_s = now.timestamp();
    let expired_before = now_s - limit.window_secs;
    let sql = numbered(
        backend,
        "INSERT INTO throttle_counters (key, window_start, count) VALUES ($1, $2, 1) \
         ON CONFLICT (key) DO UPDATE SET \
           count = CASE WHEN throttle_counters.window_start <= $3 THEN 1 ELSE throttle_counters.count + 1 END, \
           window_start = CASE WHEN throttle_counters.window_start <= $3 THEN $2 ELSE throttle_counters.window_start END \
         RETURNING count, window_start",
    );
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [limit.key.clone().into(), now_s.into(), expired_before.into()],
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("the rate-limit counter returned no row"))?;
    let count: i32 = row.try_get("", "count")?;
    let window_start: i64 = row.try_get("", "window_start")?;
    if u64::try_from(count).unwrap_or(0) > limit.max {
        let retry_after_secs = (window_start + limit.window_secs - now_s).max(1) as u64;
        let minutes = retry_after_secs.div_ceil(60);
        return Err(AppError::TooManyRequests {
            message: format!("too many {what}; wait {minutes} minutes and try again"),
            retry_after_secs,
        });
    }
    Ok(())
}

/// Gives one attempt back (a login that succeeded, a link that was good): only failures should
/// use up a budget that honest traffic shares.
#[tracing::instrument(skip_all)]
pub async fn give_back(db: &impl ConnectionTrait, key: &str) -> AppResult<()> {
    let backend = db.get_database_backend();
    let sql = numbered(
        backend,
        "UPDATE throttle_counters SET count = count - 1 WHERE key = $1 AND count > 0",
    );
    db.execute_raw(Statement::from_sql_and_values(backend, sql, [key.into()]))
        .await?;
    Ok(())
}

/// Forgets a counter (an account's failures once its owner logged in).
#[tracing::instrument(skip_all)]
pub async fn clear(db: &impl ConnectionTrait, key: &str) -> AppResult<()> {
    let backend = db.get_database_backend();
    let sql = numbered(backend, "DELETE FROM throttle_counters WHERE key = $1");
    db.execute_raw(Statement::from_sql_and_values(backend, sql, [key.into()]))
        .await?;
    Ok(())
}

/// Deletes counters whose window ended before `before`; returns how many.
#[tracing::instrument(skip_all)]
pub async fn prune(db: &impl ConnectionTrait, before: DateTime<Utc>, longest_window_secs: i64) -> AppResult<u64> {
    let backend = db.get_database_backend();
    let sql = numbered(backend, "DELETE FROM throttle_counters WHERE window_start < $1");
    let done = db
        .execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [(before.timestamp() - longest_window_secs).into()],
        ))
        .await?;
    Ok(done.rows_affected())
}

/// `$n` placeholders as the backend numbers them (`?n` on SQLite).
fn numbered(backend: DatabaseBackend, sql: &str) -> String {
    match backend {
        DatabaseBackend::Postgres => sql.to_string(),
        _ => sql.replace('$', "?"),
    }
}
