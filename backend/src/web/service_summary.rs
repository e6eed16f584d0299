//! 维护总结汇报表 on a page: a PM's month on one project — its figures, faults by cause, what
//! failed again, every fault — where the PM writes the analysis and measures and submits them,
//! and quality archives; the form in Word.
use chrono::Utc;
use minijinja::context;
use poem::{
    Response, handler,
    http::StatusCode,
    web::{Data, Form, Path, Query, cookie::CookieJar},
};
use serde::Deserialize;

use super::{
    Fields, granted, project_crumbs, render,
    session::{self, Session, see_other},
    statistics::counts_ctx,
};
use crate::{
    domain::{statistics::Month, types::Role},
    error::AppError,
    service::{
        access::{Manage, Read},
        service_desk::statistics::{
            forms,
            summary::{self, Summary, SummaryInput},
        },
    },
    state::AppState,
};

#[derive(Deserialize, Default)]
pub struct MonthQuery {
    month: Option<String>,
}

/// The month asked for, else the last one (the month a summary is written for).
fn month_of(q: &MonthQuery, state: &AppState) -> Result<Month, AppError> {
    match q.month.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => Month::parse(m).ok_or_else(|| AppError::invalid("month", format!("month: '{m}' is not a month"))),
        None => Ok(Month::of(Utc::now().with_timezone(&state.settings.timezone).date_naive()).prev()),
    }
}

/// What was typed when it was refused, and where to say why.
struct Typed {
    analysis: Option<String>,
    measures: Option<String>,
    field: String,
    error: String,
}

async fn show(
    state: &AppState,
    me: &Session,
    id: i32,
    month: Month,
    status: StatusCode,
    typed: Option<Typed>,
    flash: Option<String>,
) -> Response {
    let p = match granted::<Read>(state, me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let now = Utc::now();
    let s: Summary = match summary::summary(state, &p, month, now).await {
        Ok(s) => s,
        Err(e) => return super::refusal(state, me, e),
    };
    let tz = state.settings.timezone;
    let this_month = Month::of(now.with_timezone(&tz).date_naive());
    let when = |t: Option<chrono::DateTime<Utc>>| t.map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string());
    let may_write = s.submitted_at.is_none()
        && crate::service::access::grant::<Manage>(&state.db, &me.actor, id)
            .await
            .is_ok();
    let f = &s.figures;
    let link = |m: Month| format!("/projects/{id}/service/summary?month={m}");
    let ctx = context! {
        nav => "projects",
        tab => "service",
        flash => flash,
        crumbs => project_crumbs(&p, "售后", "service", Some(("维护总结".to_string(), link(month)))),
        project => context! { id => id, code => p.project().code, name => p.project().name },
        month => month.to_string(),
        month_label => month.label_zh(),
        previous => link(month.prev()),
        next => (month < this_month).then(|| link(month.next())),
        ended => month < this_month,
        c => counts_ctx(&f.counts),
        by_cause => f.by_cause.iter().map(|l| context! {
            label => l.label, faults => l.faults, share => l.share,
            width => if f.counts.faults > 0 { l.faults * 100 / f.counts.faults.max(1) } else { 0 },
            unclassified => l.key == "unclassified",
        }).collect::<Vec<_>>(),
        recurring => f.recurring.iter().map(|r| context! {
            what => r.what, faults => r.faults,
            tickets => r.ticket_ids.iter().zip(&r.numbers).map(|(id, n)| context! { id => id, number => n }).collect::<Vec<_>>(),
        }).collect::<Vec<_>>(),
        faults => f.faults.iter().map(|t| context! {
            id => t.id, number => t.number, reported => t.reported_local, device => t.device,
            symptom => super::service_desk::brief(&t.symptom, 60), cause_label => t.cause_label,
            cause => t.cause, remedy => t.remedy, visits => t.site_visits,
            late => t.response_broken || t.repair_broken,
        }).collect::<Vec<_>>(),
        analysis => typed.as_ref().map_or(s.analysis.clone(), |t| t.analysis.clone()),
        measures => typed.as_ref().map_or(s.measures.clone(), |t| t.measures.clone()),
        error_field => typed.as_ref().map(|t| t.field.clone()),
        error => typed.as_ref().map(|t| t.error.clone()),
        submitted_by => s.submitted_by,
        submitted_at => when(s.submitted_at),
        archived_by => s.archived_by,
        archived_at => when(s.archived_at),
        may_write => may_write,
        may_archive => s.submitted_at.is_some() && s.archived_at.is_none() && matches!(me.actor.role, Role::Admin | Role::Viewer),
        docx => format!("/projects/{id}/service/summary.docx?month={month}"),
    };
    render(state, status, "service_summary.html", Some(me), ctx)
}

/// The month's summary.
#[handler]
pub async fn page(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path(id): Path<i32>,
    Query(q): Query<MonthQuery>,
) -> Response {
    match month_of(&q, &state) {
        Ok(month) => show(&state, &me, id, month, StatusCode::OK, None, session::take_flash(jar)).await,
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// Saves, submits or archives the month's summary.
#[handler]
pub async fn act(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path(id): Path<i32>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(fields);
    let Some(month) = Month::parse(&f.get("month")) else {
        return super::refusal(&state, &me, AppError::invalid("month", "month: not a month"));
    };
    let now = Utc::now();
    let action = f.get("action");
    let done = if action == "archive" {
        match granted::<Read>(&state, &me, id).await {
            Ok(p) => summary::archive(&state, &p, month, now).await.map(|_| "已归档。"),
            Err(refused) => return refused,
        }
    } else {
        let p = match granted::<Manage>(&state, &me, id).await {
            Ok(p) => p,
            Err(refused) => return refused,
        };
        let input = SummaryInput {
            analysis: f.optional("analysis"),
            measures: f.optional("measures"),
        };
        let saved = summary::save(&state, &p, month, input, now).await;
        match (saved, action.as_str()) {
            (Ok(_), "submit") => summary::submit(&state, &p, month, now)
                .await
                .map(|_| "已提交，数字按提交时存档。"),
            (Ok(_), _) => Ok("已保存。"),
            (Err(e), _) => Err(e),
        }
    };
    match done {
        Ok(message) => {
            session::set_flash(jar, &format!("{} 维护总结{message}", month.label_zh()));
            see_other(&format!("/projects/{id}/service/summary?month={month}"))
        }
        Err(AppError::Invalid { field: Some(field), .. }) if field == "analysis" || field == "measures" => {
            let error = if field == "analysis" {
                "提交前请写明本月故障多发的原因分析。"
            } else {
                "提交前请提出处理方法与改进措施。"
            };
            let typed = Typed {
                analysis: f.optional("analysis"),
                measures: f.optional("measures"),
                field: field.clone(),
                error: error.into(),
            };
            show(
                &state,
                &me,
                id,
                month,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(typed),
                None,
            )
            .await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// The 维护总结汇报表 as Word.
#[handler]
pub async fn docx(state: Data<&AppState>, me: Session, Path(id): Path<i32>, Query(q): Query<MonthQuery>) -> Response {
    let month = match month_of(&q, &state) {
        Ok(m) => m,
        Err(e) => return super::refusal(&state, &me, e),
    };
    let p = match granted::<Read>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    match summary::summary(&state, &p, month, Utc::now()).await {
        Ok(s) => {
            let name = format!("维护总结汇报表-{}-{month}.docx", s.figures.project_code);
            let form = forms::summary_form(&s, &state.settings.company_name);
            super::documents::rendered(&state, &me, form, name).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}
