//! HTTP API: thin handlers over the services; every operation is documented in the OpenAPI document.
mod acceptance;
mod arrival;
mod auth;
mod credentials;
mod dashboard;
mod document_handover;
mod documents;
pub(crate) use documents::content_disposition;
mod equipment;
mod evaluation;
mod installation;
pub mod middleware;
mod outbox;
mod patrols;
mod photos;
mod plans;
mod projects;
mod public;
mod return_visits;
mod schedule;
mod service_desk;
mod service_orders;
mod service_summary;
mod spares;
mod statistics;
mod test_plans;
mod training;
mod trial_run;
pub mod types;
mod users;

use chrono::{DateTime, Utc};
use poem::{Endpoint, EndpointExt, Route};
use poem_openapi::{ApiResponse, OpenApiService, SecurityScheme, Tags, auth::Bearer};

use crate::{
    api::middleware::Session,
    error::{ApiError, AppError, render_poem_error},
    service::{
        Actor,
        access::{self, Granted, MayRead},
        auth as auth_service,
    },
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
    /// Photos taken on site, attached to inspections, deviations, installation records and the work log.
    Photos,
    /// Phase 4: initial and final acceptance, their reports signed by both, the leftover issues.
    Acceptance,
    /// After-sales: warranty per unit, fault tickets with the promises' clocks, the service desk.
    ServiceDesk,
}

/// A token from `POST /api/auth/login`, sent as `Authorization: Bearer <token>`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "session_of")]
pub struct BearerAuth(Session);

impl BearerAuth {
    pub fn token(&self) -> &str {
        &self.0.token
    }
}

/// The session the middleware found for the request (it checks every token before the body is
/// read); looked up here only for a request that did not pass through it.
async fn session_of(req: &poem::Request, bearer: Bearer) -> poem::Result<Session> {
    if let Some(session) = req.extensions().get::<Session>() {
        return Ok(session.clone());
    }
    let state = req
        .data::<AppState>()
        .ok_or_else(|| poem::Error::from_status(poem::http::StatusCode::SERVICE_UNAVAILABLE))?;
    let actor = auth_service::authenticate(&state.db, &bearer.token, Utc::now())
        .await
        .map_err(|e| poem::Error::from_response(poem::IntoResponse::into_response(ApiError::from(e))))?;
    Ok(Session {
        actor,
        token: bearer.token,
    })
}

/// The caller behind a bearer token.
pub async fn actor(_state: &AppState, auth: &BearerAuth) -> Result<Actor, ApiError> {
    Ok(auth.0.actor.clone())
}

/// The caller's grant of `L` on project `id` (404 when they may not see it, 403 when their role
/// does not allow `L`): what every project-scoped use case takes.
pub async fn grant<L: MayRead>(state: &AppState, auth: &BearerAuth, id: i32) -> Result<Granted<L>, ApiError> {
    Ok(access::grant(&state.db, &auth.0.actor, id).await?)
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
pub fn evidence(req: &poem::Request) -> crate::service::signing::Evidence {
    crate::service::signing::Evidence {
        ip_address: middleware::ClientIp::of(req).0.map(|ip| ip.to_string()),
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
        photos::PhotosApi::new(state.clone()),
        // Phase 4 as one member: poem-openapi implements tuples of up to 16 APIs.
        (
            acceptance::AcceptanceApi::new(state.clone()),
            credentials::CredentialsApi::new(state.clone()),
            trial_run::TrialRunApi::new(state.clone()),
            training::TrainingApi::new(state.clone()),
            document_handover::DocumentHandoverApi::new(state.clone()),
            evaluation::EvaluationApi::new(state.clone()),
        ),
        // After-sales as one member.
        (
            service_desk::ServiceDeskApi::new(state.clone()),
            spares::SparesApi::new(state.clone()),
            service_orders::ServiceOrdersApi::new(state.clone()),
            patrols::PatrolsApi::new(state.clone()),
            return_visits::ReturnVisitsApi::new(state.clone()),
            statistics::StatisticsApi::new(state.clone()),
            service_summary::ServiceSummaryApi::new(state.clone()),
        ),
    );
    OpenApiService::new(apis, "jiaofu API", env!("CARGO_PKG_VERSION"))
        .description(
            "交付 jiaofu: delivery of systems-integration contracts from signature to the end of warranty. \
             Every operation except login requires `Authorization: Bearer <token>`. Errors are \
             `{code, message, field?, request_id?}`; every answer carries `X-Request-Id`.",
        )
        .server("/api")
}

/// The whole HTTP application.
pub fn app(state: AppState) -> impl Endpoint {
    let api = openapi(&state);
    let routes = middleware::Routes::new(
        &serde_json::from_str(&api.spec()).unwrap_or_default(),
        "/api",
        &[
            ("/healthz", "GET"),
            ("/readyz", "GET"),
            ("/feeds/{token}/calendar.ics", "GET"),
            ("/verify/{code}", "GET"),
            ("/sign/{token}", "GET, POST"),
            ("/evaluate/{token}", "GET, POST"),
            ("/report/{token}", "GET, POST"),
            ("/metrics", "GET"),
        ]
        .into_iter()
        .chain(crate::web::ROUTES.iter().copied())
        .collect::<Vec<_>>(),
    );
    crate::metrics::handle();
    let spec = api.spec_endpoint();
    let docs = api.swagger_ui();
    crate::web::mount(Route::new())
        .nest("/api/openapi.json", spec)
        .nest("/api/docs", docs)
        .nest("/api", api)
        .at("/healthz", poem::get(public::healthz))
        .at("/readyz", poem::get(public::readyz))
        .at("/feeds/:token/calendar.ics", poem::get(public::calendar_feed))
        .at("/verify/:code", poem::get(public::verify))
        .at("/sign/:token", poem::get(public::signing_page).post(public::sign))
        .at(
            "/evaluate/:token",
            poem::get(public::evaluation_page).post(public::evaluate),
        )
        .at(
            "/report/:token",
            poem::get(public::report_page).post(public::report_fault),
        )
        .at(
            "/feedback/:token",
            poem::get(public::feedback_page).post(public::feedback),
        )
        .at("/metrics", poem::get(crate::metrics::serve))
        // Pages keep their session in a cookie; the API never reads it.
        .with(poem::middleware::CookieJarManager::new())
        // Innermost first. Boxing between layers keeps the nested types small enough to compile.
        .around(middleware::text_rule)
        .around(middleware::limit_body)
        .boxed()
        .around(middleware::authenticate_first)
        .around(middleware::client_address)
        .boxed()
        .around(crate::metrics::track)
        .catch_all_error(render_poem_error)
        .around(crate::web::html_errors)
        .boxed()
        .around(middleware::allow_on_405)
        .around(middleware::security_headers)
        .boxed()
        .data(state)
        .data(routes)
        .around(middleware::request_span)
        .boxed()
}
