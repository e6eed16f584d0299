//! Prometheus metrics (`/metrics`, text format): requests by operation and status with latency
//! histograms, job runs, import durations, and the outbox as it stands at scrape time. Recorded
//! with the `metrics` facade; `metrics-exporter-prometheus` renders them.
use crate::domain::types::OutboxStatus;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use poem::{Endpoint, IntoResponse, Request, Response, http::StatusCode};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use crate::state::AppState;

/// Seconds: from a cached read to a large import.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The process's recorder, installed on first use (one per process: the facade is global).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(LATENCY_BUCKETS)
            .map(|b| b.build_recorder())
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
        let handle = recorder.handle();
        // Fails only when another recorder was installed first; then ours simply stays empty.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// Counts every request and times it, labelled with the API operation (or the page it is) and
/// the status; never with the raw path, which would hold ids and secrets.
pub async fn track<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    // A fixed set: any other method (anyone can invent one) would be a new series forever.
    let method: &'static str = match req.method().as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "OTHER",
    };
    let page = page_of(req.uri().path());
    let started = std::time::Instant::now();
    let result = next.call(req).await.map(IntoResponse::into_response);
    let (status, operation) = match &result {
        Ok(resp) => (resp.status(), resp.data::<poem_openapi::OperationId>().map(|o| o.0)),
        Err(err) => (err.status(), err.data::<poem_openapi::OperationId>().map(|o| o.0)),
    };
    let operation = operation.unwrap_or(page);
    metrics::counter!("jiaofu_http_requests_total", "operation" => operation, "method" => method, "status" => status.as_u16().to_string())
        .increment(1);
    metrics::histogram!("jiaofu_http_request_duration_seconds", "operation" => operation, "method" => method)
        .record(started.elapsed().as_secs_f64());
    result
}

/// What a request outside the API's operations is, for its label.
fn page_of(path: &str) -> &'static str {
    match path.split('/').nth(1).unwrap_or_default() {
        "sign" => "signing_page",
        "verify" => "verify_page",
        "feeds" => "calendar_feed",
        "healthz" | "readyz" => "health",
        "metrics" => "metrics",
        "api" => "api_other",
        _ => "other",
    }
}

/// A background job finished a round: `ok` or `failed`.
pub fn job_run(job: &'static str, ok: bool) {
    metrics::counter!("jiaofu_job_runs_total", "job" => job, "outcome" => if ok { "ok" } else { "failed" })
        .increment(1);
}

/// An equipment list was imported (or previewed) in so many seconds.
pub fn import_took(dry_run: bool, seconds: f64) {
    metrics::histogram!("jiaofu_import_duration_seconds", "dry_run" => dry_run.to_string()).record(seconds);
}

/// The outbox as it stands: messages by status and the age of the oldest one still queued.
async fn outbox_gauges(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<String, sea_orm::DbErr> {
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT status, COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox GROUP BY status",
        ))
        .await?;
    let mut out = String::from(
        "# HELP jiaofu_outbox_messages Messages in the outbox by status.\n# TYPE jiaofu_outbox_messages gauge\n",
    );
    let mut oldest_queued = None;
    for &status in OutboxStatus::ALL {
        let row = rows
            .iter()
            .find(|r| r.try_get::<String>("", "status").is_ok_and(|s| s == status.as_str()));
        let n: i64 = row.and_then(|r| r.try_get("", "n").ok()).unwrap_or(0);
        if status == OutboxStatus::Queued {
            oldest_queued = row.and_then(|r| r.try_get::<DateTime<Utc>>("", "oldest").ok());
        }
        out.push_str(&format!("jiaofu_outbox_messages{{status=\"{status}\"}} {n}\n"));
    }
    let age = oldest_queued.map_or(0.0, |t| (now - t).num_milliseconds().max(0) as f64 / 1000.0);
    out.push_str(&format!(
        "# HELP jiaofu_outbox_oldest_queued_age_seconds Age of the oldest message still queued (0 when none).\n# TYPE jiaofu_outbox_oldest_queued_age_seconds gauge\njiaofu_outbox_oldest_queued_age_seconds {age}\n"
    ));
    Ok(out)
}

/// `GET /metrics`: for a scraper holding the metrics token (`JIAOFU_METRICS_TOKEN`, sent as
/// `Authorization: Bearer …`); without a configured token the endpoint does not exist.
#[poem::handler]
pub async fn serve(req: &Request, state: poem::web::Data<&AppState>) -> Response {
    let Some(expected) = state.settings.metrics_token.as_ref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let sent = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    // Compared as hashes, so the comparison's time says nothing about the token.
    if crate::service::auth::hash_secret(sent) != crate::service::auth::hash_secret(expected.expose()) {
        return (
            StatusCode::UNAUTHORIZED,
            "send the metrics token as 'Authorization: Bearer <token>'",
        )
            .with_header("WWW-Authenticate", "Bearer")
            .into_response();
    }
    let mut text = handle().render();
    match outbox_gauges(&state.db, Utc::now()).await {
        Ok(gauges) => text.push_str(&gauges),
        Err(e) => tracing::warn!(error = %e, "the outbox gauges could not be read"),
    }
    text.with_content_type("text/plain; version=0.0.4; charset=utf-8")
        .into_response()
}
