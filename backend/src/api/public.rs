//! Routes outside the authenticated API: health checks and secret calendar feeds.
use chrono::Utc;
use poem::{
    IntoResponse, Response, handler,
    http::StatusCode,
    web::{Data, Path, Query},
};
use sea_orm::ConnectionTrait;
use serde::Deserialize;

use super::schedule::render_projects_calendar;
use crate::{
    error::ApiError,
    service::{documents, feeds},
    state::AppState,
};

/// The process is up.
#[handler]
pub fn healthz() -> &'static str {
    "ok"
}

/// The database answers.
#[handler]
pub async fn readyz(state: Data<&AppState>) -> Response {
    let probe = sea_orm::Statement::from_string(state.db.get_database_backend(), "SELECT 1");
    match state.db.execute_raw(probe).await {
        Ok(_) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

#[derive(Deserialize)]
pub struct FeedParams {
    /// Only this project.
    project: Option<i32>,
}

/// All deadlines of the feed owner's projects as iCalendar; the token in the URL is the secret.
#[handler]
pub async fn calendar_feed(
    state: Data<&AppState>,
    Path(token): Path<String>,
    Query(params): Query<FeedParams>,
) -> Result<Response, ApiError> {
    let actor = feeds::actor_for_feed(&state.db, &token).await?;
    let ics = render_projects_calendar(&state, &actor, params.project, Utc::now()).await?;
    Ok(ics
        .with_content_type("text/calendar; charset=utf-8")
        .with_header("Cache-Control", "private, max-age=300")
        .into_response())
}

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Whether a document with this verification code was issued: its title, project, number,
/// version, issue date and file hash — nothing of its content. No login.
#[handler]
pub async fn verify(state: Data<&AppState>, Path(code): Path<String>) -> Response {
    let page = |status: StatusCode, body: String| {
        let html = format!(
            "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>文件验证</title></head><body>{body}</body></html>"
        );
        (status, html)
            .with_content_type("text/html; charset=utf-8")
            .with_header("Cache-Control", "no-store")
            .into_response()
    };
    match documents::verify(&state.db, &code).await {
        Ok((doc, project)) => page(
            StatusCode::OK,
            format!(
                "<h1>文件验证：有效</h1><dl><dt>验证码</dt><dd>{}</dd><dt>文件名称</dt><dd>{}</dd><dt>项目</dt><dd>{} {}</dd><dt>文件编号</dt><dd>{}</dd><dt>版本</dt><dd>V{}</dd><dt>签发日期</dt><dd>{}</dd><dt>SHA-256</dt><dd><code>{}</code></dd></dl>",
                escape(&doc.verify_code),
                escape(&doc.title),
                escape(&project.code),
                escape(&project.name),
                escape(&doc.number),
                doc.version,
                doc.issued_at.date_naive(),
                escape(&doc.file_sha256)
            ),
        ),
        Err(crate::error::AppError::NotFound(_)) => page(
            StatusCode::NOT_FOUND,
            "<h1>文件验证：未找到</h1><p>没有文件使用此验证码。请核对纸面文件页脚上的验证码。</p>".into(),
        ),
        Err(e) => {
            tracing::error!(error = ?e, "verification failed");
            page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "<h1>暂时无法验证，请稍后再试。</h1>".into(),
            )
        }
    }
}
