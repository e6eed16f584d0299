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
use crate::{error::ApiError, service::feeds, state::AppState};

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
