//! The HTML skin: pages rendered on the server from `templates/pages/`, over the same services and
//! read models as the JSON API, progressively enhanced with the vendored htmx. Every form works as
//! a plain POST → 303 → GET without JavaScript.
mod session;

use chrono::Utc;
use minijinja::context;
use poem::{
    EndpointExt, IntoResponse, Request, Response, Route, get, handler,
    http::{StatusCode, header},
    web::{Data, Form, Path, Query, cookie::CookieJar},
};
use serde::Deserialize;

pub use session::COOKIE;
use session::{Session, cross_site_refusal, see_other};

use crate::{
    api::middleware::ClientIp,
    error::AppError,
    service::{auth, dashboard},
    state::AppState,
};

/// Adds the pages' routes to `route` (beside `/api`); pages read and set the session cookie.
pub fn mount(route: Route) -> Route {
    let cookies = poem::middleware::CookieJarManager::new;
    route
        .at("/", get(index).with(cookies()))
        .at("/login", get(login_page).post(login).with(cookies()))
        .at("/logout", poem::post(logout).with(cookies()))
        .at("/dashboard", get(dashboard_page).with(cookies()))
        .at("/static/:file", get(asset))
}

/// The routes above, for the metrics' and 405's route table.
pub const ROUTES: &[(&str, &str)] = &[
    ("/", "GET"),
    ("/login", "GET, POST"),
    ("/logout", "POST"),
    ("/dashboard", "GET"),
    ("/static/{file}", "GET"),
];

/// Renders page `name` (it extends `layout.html`) with the signed-in user, or an error page.
fn render(state: &AppState, status: StatusCode, name: &str, me: Option<&Session>, ctx: minijinja::Value) -> Response {
    let user =
        me.map(|s| context! { name => s.actor.name, username => s.actor.username, role => s.actor.role.as_str() });
    let ctx = context! { me => user, ..ctx };
    match state.templates.render(name, &ctx) {
        Ok(html) => (status, html)
            .with_content_type("text/html; charset=utf-8")
            .with_header(header::CACHE_CONTROL, "no-store")
            .into_response(),
        Err(e) => {
            tracing::error!(error = %format_args!("{e:#}"), page = name, "a page failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "页面生成失败，请稍后再试或联系管理员。",
            )
                .with_content_type("text/plain; charset=utf-8")
                .into_response()
        }
    }
}

#[handler]
async fn index(state: Data<&AppState>, jar: &CookieJar) -> Response {
    match session::current(&state, jar).await {
        Some(_) => see_other("/dashboard"),
        None => see_other("/login"),
    }
}

#[derive(Deserialize)]
struct NextParam {
    next: Option<String>,
}

#[handler]
async fn login_page(state: Data<&AppState>, jar: &CookieJar, Query(q): Query<NextParam>) -> Response {
    if session::current(&state, jar).await.is_some() {
        return see_other(&session::safe_next(q.next.as_deref()));
    }
    render(
        &state,
        StatusCode::OK,
        "login.html",
        None,
        context! { next => session::safe_next(q.next.as_deref()) },
    )
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

#[handler]
async fn login(state: Data<&AppState>, req: &Request, jar: &CookieJar, Form(f): Form<LoginForm>) -> Response {
    if let Some(refused) = cross_site_refusal(req) {
        return refused;
    }
    let next = session::safe_next(f.next.as_deref());
    let address = ClientIp::of(req).text();
    let now = Utc::now();
    match auth::login(&state.db, &state.settings, &f.username, &f.password, &address, now).await {
        Ok(issued) => {
            let lifetime = (issued.expires_at - now).to_std().unwrap_or_default();
            session::start(jar, &state, &issued.token, lifetime);
            see_other(&next)
        }
        Err(e) => {
            let (status, message) = match &e {
                AppError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "用户名或密码不正确。".to_string()),
                AppError::TooManyRequests { retry_after_secs, .. } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    format!("尝试次数过多，请 {} 分钟后再试。", retry_after_secs.div_ceil(60)),
                ),
                AppError::Invalid { message, .. } => (StatusCode::UNPROCESSABLE_ENTITY, message.clone()),
                other => {
                    tracing::error!(error = %format_args!("{other:#}"), "sign-in failed");
                    (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "登录暂时无法完成，请稍后再试。".to_string(),
                    )
                }
            };
            render(
                &state,
                status,
                "login.html",
                None,
                context! { next => next, username => f.username.trim(), error => message },
            )
        }
    }
}

#[handler]
async fn logout(state: Data<&AppState>, req: &Request, jar: &CookieJar) -> Response {
    if let Some(refused) = cross_site_refusal(req) {
        return refused;
    }
    if let Some(s) = session::current(&state, jar).await
        && let Err(e) = auth::logout(&state.db, &s.token).await
    {
        tracing::error!(error = %format_args!("{e:#}"), "sign-out failed");
    }
    session::end(jar, &state);
    see_other("/login")
}

#[derive(Deserialize)]
struct DashboardParams {
    mine: Option<String>,
    page: Option<u64>,
}

#[handler]
async fn dashboard_page(
    state: Data<&AppState>,
    req: &Request,
    jar: &CookieJar,
    Query(q): Query<DashboardParams>,
) -> Response {
    let me = match session::required(&state, req, jar).await {
        Ok(s) => s,
        Err(to_login) => return to_login,
    };
    let mine = q.mine.as_deref() == Some("1");
    let now = Utc::now();
    let board = dashboard::dashboard(&state.db, &me.actor, now, 7, mine, q.page.unwrap_or(1).max(1), 50).await;
    match board {
        Ok(board) => render(
            &state,
            StatusCode::OK,
            "dashboard.html",
            Some(&me),
            context! {
                board => minijinja::Value::from_serialize(&board),
                today => crate::domain::schedule::local_today(now, state.settings.timezone).to_string(),
                mine => mine,
                nav => "dashboard",
            },
        ),
        Err(e) => {
            tracing::error!(error = %format_args!("{e:#}"), "the dashboard failed");
            render(
                &state,
                StatusCode::INTERNAL_SERVER_ERROR,
                "error.html",
                Some(&me),
                context! { title => "工作台", message => "工作台暂时无法显示，请稍后再试。" },
            )
        }
    }
}

/// Files under `templates/static/`, embedded in the binary: nothing is loaded from elsewhere.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "htmx-2.0.11.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../templates/static/htmx-2.0.11.min.js"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../../templates/static/app.css"),
    ),
];

#[handler]
fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, kind, bytes)) => Response::builder()
            .content_type(*kind)
            .header(header::CACHE_CONTROL, "public, max-age=86400")
            .body(*bytes),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
