//! 备品备件库: the spares by model with serial and place, kept by managers; and a ticket's loans —
//! asked for by the engineer, approved by the PM in the app or orally (countersigned within the
//! policy's working days), taken out, brought back or left installed in place of the faulty unit.
use chrono::Utc;
use minijinja::{Value, context};
use poem::{
    Response, handler,
    http::StatusCode,
    web::{Data, Form, Path, Query, cookie::CookieJar},
};
use serde::Deserialize;

use super::{
    Fields, render,
    service_desk::{explain, for_work, local_moment, refused},
    session::{self, Session, see_other},
};
use crate::{
    domain::types::{Role, SpareStatus},
    error::AppError,
    service::{
        access::Manage,
        projects::timezone_of,
        service_desk::{spares, tickets},
    },
    state::AppState,
};

const KEEPERS: &str = "备件的入库和调整由经理和管理员负责。";

#[derive(Deserialize)]
pub struct StoreQuery {
    status: Option<String>,
}

/// What the store's page says beside a form after a refusal, with what was typed.
#[derive(Default)]
struct Said {
    at: String,
    message: String,
    typed: Vec<(String, String)>,
}

#[handler]
pub async fn page(state: Data<&AppState>, jar: &CookieJar, me: Session, Query(q): Query<StoreQuery>) -> Response {
    let status = q.status.as_deref().and_then(|s| SpareStatus::parse(s).ok());
    show(
        &state,
        &me,
        status,
        StatusCode::OK,
        session::take_flash(jar),
        Said::default(),
    )
    .await
}

async fn show(
    state: &AppState,
    me: &Session,
    status: Option<SpareStatus>,
    code: StatusCode,
    flash: Option<String>,
    said: Said,
) -> Response {
    let all = match spares::list(&state.db, status).await {
        Ok(all) => all,
        Err(e) => return super::refusal(state, me, e),
    };
    let rows: Vec<Value> = all
        .iter()
        .map(|s| {
            context! {
                id => s.id, name => s.name, model => s.model, serial => s.serial, location => s.location,
                notes => s.notes, status => s.status.as_str(), status_label => s.status.label_zh(),
                // Lent and installed spares move only through their loans.
                movable => !matches!(s.status, SpareStatus::Lent | SpareStatus::Installed),
                error => (said.at == format!("spare-{}", s.id)).then(|| said.message.clone()),
            }
        })
        .collect();
    let typed = |name: &str| {
        said.typed
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let ctx = context! {
        nav => "service",
        flash => flash,
        crumbs => vec![context! { label => "服务台", href => "/service" }, context! { label => "备品备件库" }],
        rows => rows,
        status => status.map(|s| s.as_str()),
        statuses => super::choices(SpareStatus::ALL, |s| (s.as_str(), s.label_zh())),
        settable => super::choices(&[SpareStatus::InStock, SpareStatus::Faulty, SpareStatus::Scrapped], |s| (s.as_str(), s.label_zh())),
        can_keep => matches!(me.actor.role, Role::Admin | Role::Manager),
        add_error => (said.at == "add").then(|| said.message.clone()),
        typed => context! { name => typed("name"), model => typed("model"), serial => typed("serial"), location => typed("location"), notes => typed("notes") },
    };
    render(state, code, "spares.html", Some(me), ctx)
}

/// A spare put into the store.
#[handler]
pub async fn add(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(fields);
    let input = spares::SpareInput {
        name: f.get("name"),
        model: f.optional("model"),
        serial: f.optional("serial"),
        location: f.get("location"),
        notes: f.optional("notes"),
    };
    match spares::add(&state, &me.actor, input, Utc::now()).await {
        Ok(s) => {
            session::set_flash(jar, &format!("已入库：{}。", spares::label(&s)));
            see_other(&format!("/spares#spare-{}", s.id))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Forbidden(_))) => {
            let message = match &e {
                AppError::Invalid { field, .. } if field.as_deref() == Some("serial") => {
                    "这个序列号已在库中登记过。".to_string()
                }
                AppError::Invalid { field, .. } if field.as_deref() == Some("name") => "请填写备件名称。".to_string(),
                AppError::Invalid { field, .. } if field.as_deref() == Some("location") => {
                    "请填写存放位置。".to_string()
                }
                AppError::Forbidden(_) => KEEPERS.to_string(),
                other => explain(other),
            };
            let typed = ["name", "model", "serial", "location", "notes"]
                .iter()
                .map(|k| (k.to_string(), f.get(k)))
                .collect();
            let said = Said {
                at: "add".into(),
                message,
                typed,
            };
            show(&state, &me, None, e.status(), None, said).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// A spare's place or state changed by hand: repaired back into stock, written off.
#[handler]
pub async fn update(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path(id): Path<i32>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(fields);
    let status = f.optional("status").and_then(|s| SpareStatus::parse(&s).ok());
    match spares::update(&state, &me.actor, id, status, f.optional("location"), Utc::now()).await {
        Ok(s) => {
            session::set_flash(
                jar,
                &format!("{}：{}，{}。", spares::label(&s), s.status.label_zh(), s.location),
            );
            see_other(&format!("/spares#spare-{id}"))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_) | AppError::Forbidden(_))) => {
            let message = match &e {
                AppError::Conflict(m) if m.contains("settle the loan") => {
                    "这件备件有未完结的借用（待审批、已批准或已领出）：请先在工单上完结借用。".to_string()
                }
                AppError::Conflict(_) => "借出和已替换安装的备件只随借用单变化（领出、退回、留用）。".to_string(),
                AppError::Forbidden(_) => KEEPERS.to_string(),
                other => explain(other),
            };
            let said = Said {
                at: format!("spare-{id}"),
                message,
                ..Default::default()
            };
            show(&state, &me, None, e.status(), None, said).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// The engineer asks to borrow a spare for the ticket; the PM is asked to approve.
#[handler]
pub async fn request(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path(id): Path<i32>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let t = match for_work(&state, &me, id).await {
        Ok(t) => t,
        Err(refused) => return refused,
    };
    let f = Fields(fields);
    let Some(spare_id) = f.optional("spare_id").and_then(|s| s.parse().ok()) else {
        return refused(
            &state,
            &me,
            id,
            "loan",
            AppError::invalid("spare_id", "spare_id: choose one"),
        )
        .await;
    };
    match spares::request(&state, &t, spare_id, f.optional("note"), Utc::now()).await {
        Ok(_) => {
            session::set_flash(jar, "借用申请已提交，已通知项目主管审批。");
            see_other(&format!("/tickets/{id}#spares"))
        }
        Err(e) => refused(&state, &me, id, "loan", e).await,
    }
}

/// A loan moved on: `approve`, `oral` (the PM said yes on the phone), `countersign`, `check-out`,
/// `return`, `install`.
#[handler]
pub async fn act(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, loan_id, action)): Path<(i32, i32, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(fields);
    let now = Utc::now();
    let at = format!("loan-{loan_id}");
    let done = match action.as_str() {
        "approve" | "countersign" => {
            let t = match tickets::ticket::<Manage>(&state.db, &me.actor, id).await {
                Ok(t) => t,
                Err(e @ AppError::Forbidden(_)) => return refused(&state, &me, id, &at, e).await,
                Err(e) => return super::refusal(&state, &me, e),
            };
            if action == "approve" {
                spares::approve(&state, &t, loan_id, now).await.map(|_| "已批准借用。")
            } else {
                spares::countersign(&state, &t, loan_id, now)
                    .await
                    .map(|_| "口头同意已补签。")
            }
        }
        _ => {
            let t = match for_work(&state, &me, id).await {
                Ok(t) => t,
                Err(refused) => return refused,
            };
            match action.as_str() {
                "oral" => {
                    let Some(pm) = f.optional("approved_by").and_then(|v| v.parse().ok()) else {
                        let e = AppError::invalid("approved_by", "approved_by: choose the PM");
                        return refused(&state, &me, id, &at, e).await;
                    };
                    let when = match f.optional("at") {
                        Some(text) => match local_moment(&text, timezone_of(t.granted.project())) {
                            Some(w) => Some(w),
                            None => {
                                return refused(&state, &me, id, &at, AppError::invalid("at", "at: not a time")).await;
                            }
                        },
                        None => None,
                    };
                    spares::record_oral_approval(&state, &t, loan_id, pm, when, now)
                        .await
                        .map(|_| "已登记口头同意，项目主管须在规定的工作日内补签。")
                }
                "check-out" => spares::check_out(&state, &t, loan_id, now)
                    .await
                    .map(|_| "备件已领出（领取维修备件），请在规定时间内退回或留用。"),
                "return" => spares::give_back(&state, &t, loan_id, now)
                    .await
                    .map(|_| "备件已退回入库。"),
                "install" => spares::install(&state, &t, loan_id, f.get("faulty_location"), now)
                    .await
                    .map(|_| "备件已留用替换故障设备：安装记录和保修随之更新，故障件已入库待修。"),
                _ => return super::refusal(&state, &me, AppError::not_found(format!("no loan action '{action}'"))),
            }
        }
    };
    match done {
        Ok(message) => {
            session::set_flash(jar, message);
            see_other(&format!("/tickets/{id}#spares"))
        }
        Err(e) => refused(&state, &me, id, &at, e).await,
    }
}
