//! The HTML skin: pages rendered on the server from `templates/pages/`, over the same services and
//! read models as the JSON API, progressively enhanced with the vendored htmx. Every form works as
//! a plain POST → 303 → GET without JavaScript.
mod acceptance;
mod admin;
mod arrival;
mod charts;
mod credentials;
mod documents;
mod equipment;
mod installation;
mod patrols;
mod photos;
mod project;
mod return_visits;
mod service_desk;
mod service_order;
mod service_settings;
mod service_summary;
mod session;
mod settings;
mod spares;
mod statistics;
mod testing;
mod timeline;
mod training;

use chrono::Utc;
use minijinja::context;
use poem::{
    IntoResponse, Request, Response, Route, get, handler,
    http::{StatusCode, header},
    web::{Data, Form, Path, Query, cookie::CookieJar},
};
use serde::Deserialize;

pub use session::COOKIE;
use session::{Session, cross_site_refusal, see_other};

use crate::{
    api::middleware::ClientIp,
    domain::types::{ProjectStatus, Role, SystemType},
    error::AppError,
    service::{auth, dashboard, projects},
    state::AppState,
};

/// Adds the pages' routes to `route` (beside `/api`). Pages read and set cookies: the application
/// wraps every route in poem's cookie jar (`api::app`).
pub fn mount(route: Route) -> Route {
    route
        .at("/", get(index))
        .at("/login", get(login_page).post(login))
        .at("/logout", poem::post(logout))
        .at("/dashboard", get(dashboard_page))
        .at("/projects", get(projects_page))
        .at("/projects/new", get(project::new_page).post(project::create))
        .at("/projects/:id", get(project::page))
        .at("/projects/:id/edit", get(project::edit_page).post(project::save))
        .at("/projects/:id/members/:member_id", poem::post(project::change_member))
        .at(
            "/projects/:id/members/:member_id/remove",
            poem::post(project::remove_member),
        )
        .at("/projects/:id/contacts", poem::post(project::add_contact))
        .at("/projects/:id/contacts/:contact_id", poem::post(project::save_contact))
        .at(
            "/projects/:id/contacts/:contact_id/remove",
            poem::post(project::remove_contact),
        )
        .at("/projects/:id/tasks/:task_id/:action", poem::post(project::act))
        .at("/projects/:id/members", poem::post(project::add_member))
        .at("/projects/:id/calendar.ics", get(project::calendar))
        .at("/projects/:id/tasks/:task_id/due", poem::post(project::override_due))
        .at("/projects/:id/tasks/:task_id/assignee", poem::post(project::assign))
        .at("/projects/:id/equipment", get(equipment::page))
        .at("/projects/:id/equipment/upload", poem::post(equipment::upload))
        .at("/projects/:id/equipment/preview", get(equipment::open_preview))
        .at("/projects/:id/equipment/import", poem::post(equipment::commit))
        .at("/projects/:id/equipment/lists/:list_id", get(equipment::list_page))
        .at(
            "/projects/:id/equipment/lists/:list_id/approve",
            poem::post(equipment::approve),
        )
        .at(
            "/projects/:id/equipment/lists/:list_id/terms",
            poem::post(equipment::order_terms),
        )
        .at("/projects/:id/equipment/decisions", poem::post(equipment::decide))
        .at("/projects/:id/equipment/notice", poem::post(equipment::notice))
        .at("/projects/:id/equipment/build", poem::post(equipment::build))
        .at("/projects/:id/arrival", get(arrival::page))
        .at("/projects/:id/arrival/shipments", poem::post(arrival::create_shipment))
        .at(
            "/projects/:id/arrival/shipments/:shipment_id",
            get(arrival::shipment_page),
        )
        .at(
            "/projects/:id/arrival/shipments/:shipment_id/arrived",
            poem::post(arrival::arrived),
        )
        .at(
            "/projects/:id/arrival/shipments/:shipment_id/units",
            poem::post(arrival::receive),
        )
        .at(
            "/projects/:id/arrival/shipments/:shipment_id/upload",
            poem::post(arrival::upload),
        )
        .at(
            "/projects/:id/arrival/shipments/:shipment_id/replacements",
            poem::post(arrival::replace),
        )
        .at(
            "/projects/:id/arrival/shipments/:shipment_id/receipt",
            poem::post(arrival::receipt),
        )
        .at(
            "/projects/:id/arrival/shipments/:shipment_id/receipt.docx",
            get(arrival::receipt_form),
        )
        .at("/projects/:id/arrival/inspect", get(arrival::inspect_page))
        .at("/projects/:id/arrival/inspections", poem::post(arrival::inspect))
        .at(
            "/projects/:id/arrival/deviations/:deviation_id/close",
            poem::post(arrival::close_deviation),
        )
        .at(
            "/projects/:id/installation",
            get(installation::page).post(installation::save),
        )
        .at("/projects/:id/tests", get(testing::plans_page).post(testing::create))
        .at("/projects/:id/tests/:plan_id", get(testing::plan_page))
        .at("/projects/:id/tests/:plan_id/delete", poem::post(testing::delete))
        .at(
            "/projects/:id/tests/:plan_id/conditions",
            poem::post(testing::conditions),
        )
        .at(
            "/projects/:id/tests/:plan_id/pages/:page/results",
            poem::post(testing::results),
        )
        .at(
            "/projects/:id/tests/:plan_id/pages/:page/sign",
            poem::post(testing::sign),
        )
        .at(
            "/projects/:id/tests/:plan_id/pages/:page/void",
            poem::post(testing::void),
        )
        .at("/projects/:id/tests/:plan_id/requests", poem::post(testing::request))
        .at(
            "/projects/:id/tests/:plan_id/certificate",
            poem::post(testing::certificate),
        )
        .at("/projects/:id/acceptance", get(acceptance::page))
        .at("/projects/:id/acceptance/:stage/plan", poem::post(acceptance::plan))
        .at("/projects/:id/acceptance/:stage/invite", poem::post(acceptance::invite))
        .at("/projects/:id/acceptance/:stage/agree", poem::post(acceptance::agree))
        .at("/projects/:id/acceptance/:stage/record", poem::post(acceptance::record))
        .at(
            "/projects/:id/acceptance/:stage/parts/:part/sign",
            poem::post(acceptance::sign),
        )
        .at(
            "/projects/:id/acceptance/:stage/request",
            poem::post(acceptance::request),
        )
        .at("/projects/:id/acceptance/issues", poem::post(acceptance::add_issue))
        .at(
            "/projects/:id/acceptance/issues/:issue_id",
            poem::post(acceptance::issue_step),
        )
        .at("/projects/:id/acceptance/trial-run/logs", poem::post(acceptance::log))
        .at(
            "/projects/:id/acceptance/documents",
            poem::post(acceptance::hand_over_documents),
        )
        .at("/projects/:id/acceptance/evaluation", poem::post(acceptance::evaluate))
        .at(
            "/projects/:id/acceptance/evaluation/request",
            poem::post(acceptance::request_evaluation),
        )
        .at(
            "/projects/:id/credentials",
            get(credentials::page).post(credentials::add),
        )
        .at(
            "/projects/:id/credentials/handovers",
            poem::post(credentials::hand_over),
        )
        .at(
            "/projects/:id/credentials/:credential_id/reveal",
            poem::post(credentials::reveal),
        )
        .at("/projects/:id/training", get(training::page).post(training::plan))
        .at("/projects/:id/training/trainees", poem::post(training::add_trainee))
        .at(
            "/projects/:id/training/trainees/:trainee_id/remove",
            poem::post(training::remove_trainee),
        )
        .at("/projects/:id/training/assessments", poem::post(training::assess))
        .at("/projects/:id/training/sessions", poem::post(training::add_session))
        .at("/projects/:id/training/sessions/:session_id", get(training::sheet))
        .at(
            "/projects/:id/training/sessions/:session_id/sign-in",
            poem::post(training::sign_in),
        )
        .at("/projects/:id/documents", get(documents::page))
        .at("/projects/:id/documents/work-log", poem::post(documents::add_log))
        .at("/projects/:id/documents/:file", get(documents::download))
        .at("/projects/:id/documents/:key/issue", poem::post(documents::issue))
        .at(
            "/projects/:id/documents/register/:document_id/copies",
            poem::post(documents::record_copy),
        )
        .at(
            "/projects/:id/documents/register/:document_id/copies/:copy_id/lost",
            poem::post(documents::report_lost),
        )
        .at(
            "/projects/:id/photos/upload",
            get(photos::add_page).post(photos::upload),
        )
        .at("/projects/:id/photos/:photo_id", get(photos::picture))
        .at("/projects/:id/photos/:photo_id/delete", poem::post(photos::remove))
        .at("/projects/:id/service", get(service_settings::page))
        .at("/projects/:id/service/tickets", poem::post(service_settings::report))
        .at("/projects/:id/service/policy", poem::post(service_settings::policy))
        .at(
            "/projects/:id/service/specialists",
            poem::post(service_settings::specialists),
        )
        .at(
            "/projects/:id/service/report-link",
            poem::post(service_settings::report_link),
        )
        .at("/projects/:id/service/calls", poem::post(service_settings::log_call))
        .at(
            "/projects/:id/patrols/:patrol",
            get(patrols::page).post(patrols::record),
        )
        .at("/projects/:id/patrols/:patrol/sign", poem::post(patrols::sign))
        .at("/projects/:id/patrols/:patrol/request", poem::post(patrols::request))
        .at("/projects/:id/patrols/:patrol/report.docx", get(patrols::docx))
        .at("/service", get(service_desk::board))
        .at("/service/statistics", get(statistics::page))
        .at("/service/statistics/behind", get(statistics::behind))
        .at("/service/statistics/table.docx", get(statistics::table_docx))
        .at("/service/statistics/table.xlsx", get(statistics::table_xlsx))
        .at("/service/statistics/sign-off", poem::post(statistics::sign_off))
        .at(
            "/projects/:id/service/summary",
            get(service_summary::page).post(service_summary::act),
        )
        .at("/projects/:id/service/summary.docx", get(service_summary::docx))
        .at("/tickets/:id", get(service_desk::ticket_page))
        .at("/tickets/:id/steps", poem::post(service_desk::record_step))
        .at("/tickets/:id/assignees", poem::post(service_desk::assign))
        .at("/tickets/:id/flags", poem::post(service_desk::flags))
        .at("/tickets/:id/return-visits", poem::post(return_visits::record))
        .at("/tickets/:id/return-visits/link", poem::post(return_visits::link))
        .at(
            "/tickets/:id/return-visits/:visit/follow-up",
            poem::post(return_visits::follow_up),
        )
        .at("/tickets/:id/loans", poem::post(spares::request))
        .at("/tickets/:id/loans/:loan_id/:action", poem::post(spares::act))
        .at(
            "/tickets/:id/service-order",
            get(service_order::page).post(service_order::save),
        )
        .at("/tickets/:id/service-order/sign", poem::post(service_order::sign))
        .at("/tickets/:id/service-order/request", poem::post(service_order::request))
        .at("/tickets/:id/service-order/hand-in", poem::post(service_order::hand_in))
        .at("/tickets/:id/service-order.docx", get(service_order::docx))
        .at("/spares", get(spares::page).post(spares::add))
        .at("/spares/:id", poem::post(spares::update))
        .at("/people/suggest", get(project::suggest))
        .at("/admin/users", get(admin::users_page).post(admin::create_user))
        .at("/admin/users/:id", poem::post(admin::change_user))
        .at("/admin/users/:id/password", poem::post(admin::reset_password))
        .at("/admin/plans", get(admin::plans_page))
        .at("/admin/outbox", get(admin::outbox_page))
        .at("/admin/outbox/:id/:action", poem::post(admin::outbox_act))
        .at("/me", get(settings::show))
        .at("/me/password", poem::post(settings::change_password))
        .at("/me/reminders", poem::post(settings::reminders))
        .at("/me/calendar", poem::post(settings::feed))
        .at("/static/:file", get(asset))
}

/// The routes above, for the metrics' and 405's route table.
pub const ROUTES: &[(&str, &str)] = &[
    ("/", "GET"),
    ("/login", "GET, POST"),
    ("/logout", "POST"),
    ("/dashboard", "GET"),
    ("/projects", "GET"),
    ("/projects/new", "GET, POST"),
    ("/projects/{id}", "GET"),
    ("/projects/{id}/edit", "GET, POST"),
    ("/projects/{id}/tasks/{task_id}/{action}", "POST"),
    ("/projects/{id}/tasks/{task_id}/due", "POST"),
    ("/projects/{id}/tasks/{task_id}/assignee", "POST"),
    ("/projects/{id}/members", "POST"),
    ("/projects/{id}/members/{member_id}", "POST"),
    ("/projects/{id}/members/{member_id}/remove", "POST"),
    ("/projects/{id}/contacts", "POST"),
    ("/projects/{id}/contacts/{contact_id}", "POST"),
    ("/projects/{id}/contacts/{contact_id}/remove", "POST"),
    ("/projects/{id}/calendar.ics", "GET"),
    ("/projects/{id}/equipment", "GET"),
    ("/projects/{id}/equipment/upload", "POST"),
    ("/projects/{id}/equipment/preview", "GET"),
    ("/projects/{id}/equipment/import", "POST"),
    ("/projects/{id}/equipment/lists/{list_id}", "GET"),
    ("/projects/{id}/equipment/lists/{list_id}/approve", "POST"),
    ("/projects/{id}/equipment/decisions", "POST"),
    ("/projects/{id}/equipment/notice", "POST"),
    ("/projects/{id}/equipment/build", "POST"),
    ("/projects/{id}/arrival", "GET"),
    ("/projects/{id}/arrival/shipments", "POST"),
    ("/projects/{id}/arrival/shipments/{shipment_id}", "GET"),
    ("/projects/{id}/arrival/shipments/{shipment_id}/arrived", "POST"),
    ("/projects/{id}/arrival/shipments/{shipment_id}/units", "POST"),
    ("/projects/{id}/arrival/shipments/{shipment_id}/upload", "POST"),
    ("/projects/{id}/arrival/shipments/{shipment_id}/replacements", "POST"),
    ("/projects/{id}/arrival/shipments/{shipment_id}/receipt", "POST"),
    ("/projects/{id}/arrival/shipments/{shipment_id}/receipt.docx", "GET"),
    ("/projects/{id}/arrival/inspect", "GET"),
    ("/projects/{id}/arrival/inspections", "POST"),
    ("/projects/{id}/arrival/deviations/{deviation_id}/close", "POST"),
    ("/projects/{id}/installation", "GET, POST"),
    ("/projects/{id}/tests", "GET, POST"),
    ("/projects/{id}/tests/{plan_id}", "GET"),
    ("/projects/{id}/tests/{plan_id}/delete", "POST"),
    ("/projects/{id}/tests/{plan_id}/conditions", "POST"),
    ("/projects/{id}/tests/{plan_id}/pages/{page}/results", "POST"),
    ("/projects/{id}/tests/{plan_id}/pages/{page}/sign", "POST"),
    ("/projects/{id}/tests/{plan_id}/pages/{page}/void", "POST"),
    ("/projects/{id}/tests/{plan_id}/requests", "POST"),
    ("/projects/{id}/tests/{plan_id}/certificate", "POST"),
    ("/projects/{id}/acceptance", "GET"),
    ("/projects/{id}/acceptance/{stage}/plan", "POST"),
    ("/projects/{id}/acceptance/{stage}/invite", "POST"),
    ("/projects/{id}/acceptance/{stage}/agree", "POST"),
    ("/projects/{id}/acceptance/{stage}/record", "POST"),
    ("/projects/{id}/acceptance/{stage}/parts/{part}/sign", "POST"),
    ("/projects/{id}/acceptance/{stage}/request", "POST"),
    ("/projects/{id}/acceptance/issues", "POST"),
    ("/projects/{id}/acceptance/issues/{issue_id}", "POST"),
    ("/projects/{id}/acceptance/trial-run/logs", "POST"),
    ("/projects/{id}/acceptance/documents", "POST"),
    ("/projects/{id}/acceptance/evaluation", "POST"),
    ("/projects/{id}/acceptance/evaluation/request", "POST"),
    ("/projects/{id}/credentials", "GET, POST"),
    ("/projects/{id}/credentials/handovers", "POST"),
    ("/projects/{id}/credentials/{credential_id}/reveal", "POST"),
    ("/projects/{id}/training", "GET, POST"),
    ("/projects/{id}/training/trainees", "POST"),
    ("/projects/{id}/training/trainees/{trainee_id}/remove", "POST"),
    ("/projects/{id}/training/assessments", "POST"),
    ("/projects/{id}/training/sessions", "POST"),
    ("/projects/{id}/training/sessions/{session_id}", "GET"),
    ("/projects/{id}/training/sessions/{session_id}/sign-in", "POST"),
    ("/projects/{id}/documents", "GET"),
    ("/projects/{id}/documents/work-log", "POST"),
    ("/projects/{id}/documents/{file}", "GET"),
    ("/projects/{id}/documents/{key}/issue", "POST"),
    ("/projects/{id}/documents/register/{document_id}/copies", "POST"),
    (
        "/projects/{id}/documents/register/{document_id}/copies/{copy_id}/lost",
        "POST",
    ),
    ("/projects/{id}/photos/upload", "GET, POST"),
    ("/projects/{id}/photos/{photo_id}", "GET"),
    ("/projects/{id}/photos/{photo_id}/delete", "POST"),
    ("/projects/{id}/service", "GET"),
    ("/projects/{id}/service/tickets", "POST"),
    ("/projects/{id}/service/policy", "POST"),
    ("/projects/{id}/service/specialists", "POST"),
    ("/projects/{id}/service/report-link", "POST"),
    ("/projects/{id}/service/calls", "POST"),
    ("/projects/{id}/patrols/{patrol}", "GET, POST"),
    ("/projects/{id}/patrols/{patrol}/sign", "POST"),
    ("/projects/{id}/patrols/{patrol}/request", "POST"),
    ("/projects/{id}/patrols/{patrol}/report.docx", "GET"),
    ("/service", "GET"),
    ("/tickets/{id}", "GET"),
    ("/tickets/{id}/steps", "POST"),
    ("/tickets/{id}/assignees", "POST"),
    ("/tickets/{id}/flags", "POST"),
    ("/tickets/{id}/return-visits", "POST"),
    ("/tickets/{id}/return-visits/link", "POST"),
    ("/tickets/{id}/return-visits/{visit}/follow-up", "POST"),
    ("/tickets/{id}/loans", "POST"),
    ("/tickets/{id}/loans/{loan_id}/{action}", "POST"),
    ("/tickets/{id}/service-order", "GET, POST"),
    ("/tickets/{id}/service-order/sign", "POST"),
    ("/tickets/{id}/service-order/request", "POST"),
    ("/tickets/{id}/service-order/hand-in", "POST"),
    ("/tickets/{id}/service-order.docx", "GET"),
    ("/spares", "GET, POST"),
    ("/spares/{id}", "POST"),
    ("/people/suggest", "GET"),
    ("/admin/users", "GET, POST"),
    ("/admin/users/{id}", "POST"),
    ("/admin/users/{id}/password", "POST"),
    ("/admin/plans", "GET"),
    ("/admin/outbox", "GET"),
    ("/admin/outbox/{id}/{action}", "POST"),
    ("/me", "GET"),
    ("/me/password", "POST"),
    ("/me/reminders", "POST"),
    ("/me/calendar", "POST"),
    ("/static/{file}", "GET"),
];

/// Whether `req` (a multipart form: a spreadsheet, serial numbers, photos) comes from a page with
/// a valid session: only such a request may carry a body up to the upload limit, checked before
/// it is read.
pub async fn is_signed_in_upload(state: &AppState, req: &Request) -> bool {
    let token = req
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(COOKIE)?.strip_prefix('='));
    match token {
        Some(token) => auth::authenticate(&state.db, token, Utc::now()).await.is_ok(),
        None => false,
    }
}

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

/// A list's page `page` at `path`, with the filters that are set.
fn page_link(path: &str, filters: &[(&str, &Option<String>)], page: u64) -> String {
    let mut query: Vec<(&str, String)> = filters
        .iter()
        .filter_map(|(k, v)| Some((*k, v.as_deref()?.trim().to_string())).filter(|(_, v)| !v.is_empty()))
        .collect();
    query.push(("page", page.to_string()));
    let encoded: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query)
        .finish();
    format!("{path}?{encoded}")
}

/// The options of a select or a row of checkboxes: each choice's stored value and Chinese label.
fn choices<T: Copy>(all: &[T], text: impl Fn(T) -> (&'static str, &'static str)) -> Vec<minijinja::Value> {
    all.iter()
        .map(|c| {
            let (value, label) = text(*c);
            context! { value => value, label => label }
        })
        .collect()
}

/// A posted form's fields, trimmed (a field may repeat, as checkboxes do).
pub(super) struct Fields(pub(super) Vec<(String, String)>);

impl Fields {
    pub(super) fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    }

    pub(super) fn optional(&self, name: &str) -> Option<String> {
        Some(self.get(name)).filter(|v| !v.is_empty())
    }

    pub(super) fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .collect()
    }
}

/// The project a page is about, as the templates show it (its tabs, its heading).
fn project_ctx(p: &crate::service::access::Granted<impl crate::service::access::MayRead>) -> minijinja::Value {
    let project = p.project();
    context! { id => project.id, code => project.code, name => project.name }
}

/// 项目 › code › `section` (its page at `/projects/{id}/{path}`), then `last` when the page is one
/// record of that section.
fn project_crumbs(
    p: &crate::service::access::Granted<impl crate::service::access::MayRead>,
    section: &str,
    path: &str,
    last: Option<(String, String)>,
) -> Vec<minijinja::Value> {
    let project = p.project();
    let mut crumbs = vec![
        context! { label => "项目", href => "/projects" },
        context! { label => project.code.clone(), href => format!("/projects/{}", project.id) },
    ];
    match last {
        Some((label, href)) => {
            crumbs.push(context! { label => section, href => format!("/projects/{}/{path}", project.id) });
            crumbs.push(context! { label => label, href => href });
        }
        None => crumbs.push(context! { label => section }),
    }
    crumbs
}

/// The caller's grant of `L` on project `id`, or the page that says why not.
async fn granted<L: crate::service::access::MayRead>(
    state: &AppState,
    me: &Session,
    id: i32,
) -> Result<crate::service::access::Granted<L>, Response> {
    crate::service::access::grant::<L>(&state.db, &me.actor, id)
        .await
        .map_err(|e| refusal(state, me, e))
}

/// The page for an error of a use case: what the user can do about it, with its status.
fn refusal(state: &AppState, me: &Session, e: AppError) -> Response {
    // The services' messages are the API's (English); a page says it in Chinese, by the error's kind.
    tracing::debug!(error = %e, "a page refused");
    let (status, title, message) = match &e {
        AppError::NotFound(_) => (
            StatusCode::NOT_FOUND,
            "找不到",
            "没有这个项目或记录，或您无权查看。".to_string(),
        ),
        AppError::Forbidden(_) => (
            StatusCode::FORBIDDEN,
            "无权操作",
            match me.actor.role {
                Role::Viewer => "只读账户只能查看，不能修改。",
                Role::Engineer => "工程师可以处理分配给自己的任务；其他修改请联系项目主管。",
                _ => "您的角色不能执行这项操作。",
            }
            .to_string(),
        ),
        AppError::Invalid { .. } | AppError::Rows { .. } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "请检查输入",
            "提交的内容不完整或格式不对，请返回检查后再试。".to_string(),
        ),
        AppError::Conflict(_) => (
            StatusCode::CONFLICT,
            "无法完成",
            "这项操作与当前状态冲突（可能有人刚刚修改过），请刷新页面后再试。".to_string(),
        ),
        other => {
            tracing::error!(error = %format_args!("{other:#}"), "a page failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "出错了",
                "页面暂时无法显示，请稍后再试。".to_string(),
            )
        }
    };
    render(
        state,
        status,
        "error.html",
        Some(me),
        context! { title => title, message => message },
    )
}

/// Errors poem answers by itself (no such route, a wrong method, a query that does not parse, a
/// body too large) become a page in Chinese wherever people browse; the API and the machines'
/// paths keep their JSON. A GET of an address that only takes a form's POST — the address bar after
/// a refused form — goes back to the page the form is on.
pub async fn html_errors<E: poem::Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let path = req.uri().path().to_string();
    let get = req.method() == poem::http::Method::GET;
    let state = req.data::<AppState>().cloned();
    let resp = next.call(req).await?.into_response();
    let status = resp.status();
    let json = resp.content_type().is_some_and(|t| t.starts_with("application/json"));
    let machine = ["/api", "/metrics", "/healthz", "/readyz", "/feeds/"]
        .iter()
        .any(|p| path.starts_with(p));
    let (Some(state), true, false) = (
        state,
        json && (status.is_client_error() || status.is_server_error()),
        machine,
    ) else {
        return Ok(resp);
    };
    if status == StatusCode::METHOD_NOT_ALLOWED && get {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let back = match parts[..] {
            ["projects", id, ..] if id.parse::<i32>().is_ok() => Some(format!("/projects/{id}")),
            ["tickets", id, ..] if id.parse::<i32>().is_ok() => Some(format!("/tickets/{id}")),
            ["spares", ..] => Some("/spares".to_string()),
            ["admin", "users", ..] => Some("/admin/users".to_string()),
            ["admin", "outbox", ..] => Some("/admin/outbox".to_string()),
            ["me", ..] => Some("/me".to_string()),
            ["logout"] => Some("/dashboard".to_string()),
            _ => None,
        };
        if let Some(back) = back {
            return Ok(see_other(&back));
        }
    }
    let (title, message) = match status {
        StatusCode::NOT_FOUND => ("找不到", "没有这个页面。请从导航重新进入。"),
        StatusCode::METHOD_NOT_ALLOWED => ("无法打开", "这个地址只用于提交表单。请返回上一页重新操作。"),
        StatusCode::PAYLOAD_TOO_LARGE => ("内容太大", "提交的内容或文件超过了大小限制。"),
        StatusCode::TOO_MANY_REQUESTS => ("请稍后再试", "操作过于频繁，请稍后再试。"),
        s if s.is_server_error() => ("出错了", "页面暂时无法显示，请稍后再试。"),
        _ => ("请检查地址", "地址或提交的内容不正确。请返回上一页重新操作。"),
    };
    let mut page = render(
        &state,
        status,
        "error.html",
        None,
        context! { title => title, message => message, home => true },
    );
    // Keep what the API's answer said besides its body (Allow, Retry-After).
    for (name, value) in resp.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            page.headers_mut().insert(name.clone(), value.clone());
        }
    }
    Ok(page)
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
                AppError::Unauthorized(m) if m == auth::ACCOUNT_DISABLED => {
                    (StatusCode::UNAUTHORIZED, "这个账户已停用，请联系管理员。".to_string())
                }
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
async fn dashboard_page(state: Data<&AppState>, me: Session, Query(q): Query<DashboardParams>) -> Response {
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

#[derive(Deserialize, serde::Serialize, Default)]
struct ProjectQuery {
    q: Option<String>,
    status: Option<String>,
    region: Option<String>,
    system_type: Option<String>,
    /// "overdue", "on_time" or empty.
    late: Option<String>,
    due_within_days: Option<String>,
    page: Option<u64>,
}

const PROJECTS_PER_PAGE: u64 = 25;

#[handler]
async fn projects_page(state: Data<&AppState>, me: Session, Query(q): Query<ProjectQuery>) -> Response {
    let blank = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let page = q.page.unwrap_or(1).max(1);
    let mut errors = std::collections::BTreeMap::new();
    let due_within_days = match blank(&q.due_within_days).map(|d| d.parse::<u32>()) {
        Some(Ok(d)) if d <= 365 => Some(d),
        Some(_) => {
            errors.insert("due_within_days", "请填写 0–365 之间的天数");
            None
        }
        None => None,
    };
    let filter = projects::ProjectFilter {
        status: blank(&q.status),
        region: blank(&q.region),
        system_type: blank(&q.system_type),
        overdue: match q.late.as_deref() {
            Some("overdue") => Some(true),
            Some("on_time") => Some(false),
            _ => None,
        },
        due_within_days,
        q: blank(&q.q),
        page,
        per_page: PROJECTS_PER_PAGE,
    };
    let now = Utc::now();
    let listed = projects::list(&state.db, &me.actor, filter, now).await;
    let (rows, total) = match listed {
        Ok(found) => found,
        Err(AppError::Invalid { field, message }) => {
            errors.insert(
                match field.as_deref() {
                    Some("status") => "status",
                    Some("system_type") | Some("system_types") => "system_type",
                    _ => "q",
                },
                "请检查这一项",
            );
            tracing::debug!(message, "a project filter was refused");
            (Vec::new(), 0)
        }
        Err(e) => {
            tracing::error!(error = %format_args!("{e:#}"), "the project list failed");
            return render(
                &state,
                StatusCode::INTERNAL_SERVER_ERROR,
                "error.html",
                Some(&me),
                context! { title => "项目", message => "项目列表暂时无法显示，请稍后再试。" },
            );
        }
    };
    let today = crate::domain::schedule::local_today(now, state.settings.timezone);
    let rows: Vec<_> = rows
        .iter()
        .map(|r| {
            let p = &r.project;
            context! {
                id => p.id,
                code => p.code,
                name => p.name,
                client => p.client_name,
                region => p.region,
                status => p.status.as_str(),
                status_label => p.status.label_zh(),
                open_tasks => r.open_tasks,
                overdue_tasks => r.overdue_tasks,
                next_due_on => r.next_due_on.map(|d| d.to_string()),
                next_due_in => r.next_due_on.map(|d| (d - today).num_days()),
            }
        })
        .collect();
    let statuses = choices(ProjectStatus::ALL, |s| (s.as_str(), s.label_zh()));
    let system_types = choices(SystemType::ALL, |s| (s.as_str(), s.label_zh()));
    let pages = total.div_ceil(PROJECTS_PER_PAGE).max(1);
    let filters = [
        ("q", &q.q),
        ("status", &q.status),
        ("region", &q.region),
        ("system_type", &q.system_type),
        ("late", &q.late),
        ("due_within_days", &q.due_within_days),
    ];
    let here = |page: u64| page_link("/projects", &filters, page);
    render(
        &state,
        if errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        },
        "projects.html",
        Some(&me),
        context! {
            nav => "projects",
            rows => rows,
            total => total,
            page => page,
            pages => pages,
            previous => (page > 1).then(|| here(page - 1)),
            next => (page < pages).then(|| here(page + 1)),
            query => minijinja::Value::from_serialize(&q),
            errors => errors,
            statuses => statuses,
            system_types => system_types,
            can_create => matches!(me.actor.role, Role::Admin | Role::Manager),
        },
    )
}

/// `text` as a QR code in inline SVG, for the client's tablet to read off the screen (drawn on
/// the server: nothing to load, nothing outside the page).
pub(super) fn qr_svg(text: &str, label: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(240, 240)
        .build();
    // Without its XML declaration, labelled for screen readers.
    let start = svg.find("<svg ")?;
    Some(svg[start..].replacen("<svg ", &format!(r#"<svg role="img" aria-label="{label}" "#), 1))
}

/// Where the client's tablet reaches the service: the configured public address (set it when
/// the service is behind https), else the host this page was asked of — what the PM's browser
/// reached, on the same site network. (Browsers send `Origin: null` under our no-referrer policy.)
pub(super) fn site_origin(state: &AppState, req: &poem::Request) -> String {
    if let Some(url) = &state.settings.public_url {
        return url.trim_end_matches('/').to_string();
    }
    req.headers()
        .get(poem::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)))
        .map_or_else(|| state.settings.base_url(), |host| format!("http://{host}"))
}

/// Files under `templates/static/`, embedded in the binary: nothing is loaded from elsewhere.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "htmx-2.0.11.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../templates/static/htmx-2.0.11.min.js"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../templates/static/app.js"),
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
