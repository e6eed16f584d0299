//! HTTP API: thin handlers over the services; every operation is documented in the OpenAPI document.
mod arrival;
mod auth;
mod dashboard;
mod documents;
mod equipment;
mod installation;
mod outbox;
mod plans;
mod projects;
mod public;
mod schedule;
mod test_plans;
mod users;

use chrono::{DateTime, Utc};
use poem::{Endpoint, EndpointExt, Route};
use poem_openapi::{ApiResponse, OpenApiService, SecurityScheme, Tags, auth::Bearer};

use crate::{
    error::{ApiError, AppError, render_poem_error},
    service::{Actor, auth as auth_service},
    state::AppState,
};

#[derive(Tags)]
pub enum ApiTags {
    /// Logging in and out; the caller's own account and calendar feed.
    Auth,
    /// Accounts (administrators).
    Users,
    /// Delivery plan templates.
    Plans,
    /// Projects, their members and client contacts, their history.
    Projects,
    /// Phases and tasks with their deadlines.
    Schedule,
    /// Deadlines across projects.
    Dashboard,
    /// Outgoing e-mail (administrators).
    Outbox,
    /// Equipment lists: import, versions, reconciliation.
    Equipment,
    /// Phase 2: shipments, serial numbers, receipts, arrival inspections and deviations.
    Arrival,
    /// Phase 3: installation and commissioning records (现场安装一览表).
    Installation,
    /// Word forms, the document register and its distribution log, the work log.
    Documents,
    /// Functional test plans: results, per-page dual sign-off, client signing requests, the 预验收证书.
    TestPlans,
}

/// A token from `POST /api/auth/login`, sent as `Authorization: Bearer <token>`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer")]
pub struct BearerAuth(Bearer);

impl BearerAuth {
    pub fn token(&self) -> &str {
        &self.0.token
    }
}

/// The caller behind a bearer token.
pub async fn actor(state: &AppState, auth: &BearerAuth) -> Result<Actor, ApiError> {
    Ok(auth_service::authenticate(&state.db, auth.token(), Utc::now()).await?)
}

/// An empty success.
#[derive(ApiResponse)]
pub enum NoContent {
    /// Done.
    #[oai(status = 204)]
    Done,
}

/// Where a request came from, kept as evidence with a signature: the client address and the
/// browser (at most 500 characters of it).
pub fn evidence(req: &poem::Request) -> crate::service::test_plans::Evidence {
    crate::service::test_plans::Evidence {
        ip_address: req.remote_addr().as_socket_addr().map(|a| a.ip().to_string()),
        user_agent: req
            .headers()
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(500).collect()),
    }
}

/// Parses an optional RFC 3339 instant given as `field`; absent means now.
pub fn instant(field: &str, value: Option<&str>) -> Result<DateTime<Utc>, AppError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(Utc::now()),
        Some(v) => DateTime::parse_from_rfc3339(v)
            .map(|d| d.with_timezone(&Utc))
            .map_err(|_| {
                AppError::invalid(
                    field,
                    format!("{field}: '{v}' is not an RFC 3339 instant such as 2026-03-09T09:00:00+08:00"),
                )
            }),
    }
}

pub fn openapi(state: &AppState) -> OpenApiService<impl poem_openapi::OpenApi, ()> {
    let apis = (
        auth::AuthApi::new(state.clone()),
        users::UsersApi::new(state.clone()),
        plans::PlansApi::new(state.clone()),
        projects::ProjectsApi::new(state.clone()),
        schedule::ScheduleApi::new(state.clone()),
        dashboard::DashboardApi::new(state.clone()),
        outbox::OutboxApi::new(state.clone()),
        equipment::EquipmentApi::new(state.clone()),
        arrival::ArrivalApi::new(state.clone()),
        installation::InstallationApi::new(state.clone()),
        documents::DocumentsApi::new(state.clone()),
        test_plans::TestPlansApi::new(state.clone()),
    );
    OpenApiService::new(apis, "jiaofu API", env!("CARGO_PKG_VERSION"))
        .description(
            "交付 jiaofu: delivery of systems-integration contracts from signature to the end of warranty. \
             Every operation except login requires `Authorization: Bearer <token>`. Errors are \
             `{code, message, field?}`.",
        )
        .server("/api")
}

/// The whole HTTP application.
pub fn app(state: AppState) -> impl Endpoint {
    let api = openapi(&state);
    let spec = api.spec_endpoint();
    let docs = api.swagger_ui();
    Route::new()
        .nest("/api/openapi.json", spec)
        .nest("/api/docs", docs)
        .nest("/api", api)
        .at("/healthz", poem::get(public::healthz))
        .at("/readyz", poem::get(public::readyz))
        .at("/feeds/:token/calendar.ics", poem::get(public::calendar_feed))
        .at("/verify/:code", poem::get(public::verify))
        .at("/sign/:token", poem::get(public::signing_page).post(public::sign))
        .around(limit_body)
        .data(state)
        .catch_all_error(render_poem_error)
        .around(access_log)
}

/// Bodies larger than this are refused (uploads have their own, configurable, limit).
const MAX_JSON_BODY: usize = 1024 * 1024;

/// Refuses oversized request bodies with 413 before anything parses them, whether or not the client
/// sent Content-Length.
async fn limit_body<E: Endpoint>(next: E, mut req: poem::Request) -> poem::Result<poem::Response> {
    use poem::http::{Method, StatusCode};
    if matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::DELETE | Method::OPTIONS
    ) {
        return next.call(req).await.map(poem::IntoResponse::into_response);
    }
    let upload_limit = req
        .data::<AppState>()
        .map_or(20 * 1024 * 1024, |s| s.settings.upload_max_bytes as usize);
    let is_upload = req.uri().path().ends_with("/equipment-lists");
    // Multipart framing adds a little to the file itself.
    let limit = if is_upload {
        upload_limit + 64 * 1024
    } else {
        MAX_JSON_BODY
    };
    let too_large = || {
        let what = if is_upload {
            format!("uploads are limited to {} MB", upload_limit / (1024 * 1024))
        } else {
            "request bodies are limited to 1 MB".into()
        };
        poem::Error::from_string(
            format!("the request is too large: {what}"),
            StatusCode::PAYLOAD_TOO_LARGE,
        )
    };
    if let Some(len) = req
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        && len > limit
    {
        return Err(too_large());
    }
    let body = req.take_body().into_bytes_limit(limit).await.map_err(|_| too_large())?;
    req.set_body(body);
    next.call(req).await.map(poem::IntoResponse::into_response)
}

/// One log line per request: method, path with secrets masked, status and duration. Query strings
/// are left out, and the secret of a calendar-feed URL never reaches the log.
async fn access_log<E: Endpoint>(next: E, req: poem::Request) -> poem::Result<poem::Response> {
    let method = req.method().clone();
    let path = mask_secrets(req.uri().path());
    let started = std::time::Instant::now();
    let result = next.call(req).await.map(poem::IntoResponse::into_response);
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    match &result {
        Ok(resp) => tracing::info!(%method, path, status = resp.status().as_u16(), ms, "request"),
        Err(err) => tracing::info!(%method, path, status = err.status().as_u16(), ms, "request"),
    }
    result
}

fn mask_secrets(path: &str) -> String {
    match path.strip_prefix("/feeds/") {
        Some(rest) => match rest.split_once('/') {
            Some((_, tail)) => format!("/feeds/***/{tail}"),
            None => "/feeds/***".into(),
        },
        None => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn feed_secrets_are_masked_in_logged_paths() {
        assert_eq!(
            super::mask_secrets("/feeds/0123abcd/calendar.ics"),
            "/feeds/***/calendar.ics"
        );
        assert_eq!(super::mask_secrets("/api/projects/1"), "/api/projects/1");
    }
}
