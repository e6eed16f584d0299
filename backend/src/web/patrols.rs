//! 定时巡检 on the tablet: a visit's checklist — the system's checks once, the unit checks on
//! every installed unit — with big toggles and one tap for all normal, a failed check marked 报修
//! opening a ticket; then the 巡检报告 signed by the engineer and by the client on the same tablet,
//! and printed.
use chrono::Utc;
use minijinja::{Value, context};
use poem::{
    Request, Response, handler,
    http::StatusCode,
    web::{Data, Form, Path, cookie::CookieJar},
};

use super::{
    Fields, render,
    service_desk::explain,
    session::{self, Session, see_other},
};
use crate::{
    domain::types::{CheckResult, SignParty, SignedDocument},
    error::AppError,
    service::{
        access::{Granted, MayRead, Read, RecordWork},
        projects::timezone_of,
        service_desk::{
            patrols::{self, CheckInput, REPORT, VisitInput},
            policy_of, units,
        },
        signing::{self, RequestInput},
    },
    state::AppState,
};

/// What the visit's page says after a refusal or a request.
#[derive(Default)]
struct Said {
    /// `record` or `report`.
    at: String,
    message: String,
    /// An on-site signing link, shown once.
    link: Option<String>,
    /// The form as typed, when recording was refused.
    typed: Option<Fields>,
}

#[handler]
pub async fn page(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, patrol)): Path<(i32, i32)>,
) -> Response {
    let p = match super::granted::<Read>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    show(
        &state,
        &me,
        &p,
        patrol,
        StatusCode::OK,
        session::take_flash(jar),
        Said::default(),
    )
    .await
}

async fn show(
    state: &AppState,
    me: &Session,
    p: &Granted<impl MayRead>,
    patrol: i32,
    status: StatusCode,
    flash: Option<String>,
    said: Said,
) -> Response {
    let report = match patrols::load(&state.db, p.project().clone(), patrol).await {
        Ok(r) => r,
        Err(e) => return super::refusal(state, me, e),
    };
    let policy = match policy_of(&state.db, p.project()).await {
        Ok(policy) => policy,
        Err(e) => return super::refusal(state, me, e),
    };
    let installed = match units::units(&state.db, p, &policy).await {
        Ok(u) => u,
        Err(e) => return super::refusal(state, me, e),
    };
    let lists = patrols::checklists(state, p.project());
    let typed = said.typed.as_ref();
    let typed_result = |k: usize| typed.map(|f| f.get(&format!("result_{k}")));
    // The checks to fill: the system's, then each unit's, numbered for the form.
    let check = |k: usize, item: &str| {
        context! {
            k => k, item => item, result => typed_result(k), note => typed.map(|f| f.get(&format!("note_{k}"))),
            ticket => typed.is_some_and(|f| f.get(&format!("ticket_{k}")) == "1"),
        }
    };
    let mut k = 0;
    let mut system_rows: Vec<Value> = Vec::new();
    for item in lists.iter().flat_map(|l| l.system_checks.iter()) {
        system_rows.push(check(k, item));
        k += 1;
    }
    let unit_checks: Vec<&String> = lists.iter().flat_map(|l| l.unit_checks.iter()).collect();
    let mut units_ctx: Vec<Value> = Vec::new();
    for u in installed.iter().filter(|u| u.serial.is_some()) {
        let mut checks = Vec::new();
        for item in &unit_checks {
            checks.push(check(k, item));
            k += 1;
        }
        units_ctx.push(context! { id => u.unit_id, label => u.label(), checks => checks });
    }
    let v = &report.visit;
    let tz = timezone_of(p.project());
    let today = Utc::now().with_timezone(&tz).date_naive();
    let signed = |party: SignParty| {
        report
            .signatures
            .iter()
            .find(|s| s.party == party)
            .map(|s| format!("{} {}", s.signer_name, signing::signed_minute(s)))
    };
    let results: Vec<Value> = v
        .results
        .iter()
        .map(|r| {
            context! {
                item => r.item,
                unit => r.unit_id.and_then(|id| report.units.get(&id).cloned()),
                result => r.result.as_str(),
                note => r.note,
                ticket_id => r.ticket_id,
                ticket => r.ticket_id.and_then(|id| report.tickets.get(&id).cloned()),
            }
        })
        .collect();
    let ctx = context! {
        nav => "projects",
        tab => "service",
        project => super::project_ctx(p),
        crumbs => super::project_crumbs(p, "售后服务", "service", Some((format!("第 {} 次巡检", v.patrol.seq), format!("/projects/{}/patrols/{}", p.id(), v.patrol.id)))),
        flash => flash,
        visit => context! {
            id => v.patrol.id, seq => v.patrol.seq, half_year => v.patrol.half_year,
            planned_on => v.patrol.planned_on.to_string(), done_on => v.patrol.done_on.map(|d| d.to_string()),
            done_by => v.done_by, summary => v.patrol.summary, overdue => v.overdue,
            contact => v.patrol.contact_name, days_left => (v.patrol.planned_on - today).num_days(),
        },
        lists => lists.iter().map(|l| l.name.clone()).collect::<Vec<_>>(),
        system_rows => system_rows,
        units => units_ctx,
        results => results,
        ours => signed(SignParty::Ours),
        client => signed(SignParty::Client),
        can_record => p.may::<RecordWork>(),
        said_at => said.at,
        said => said.message,
        link => said.link.clone(),
        link_qr => said.link.as_deref().and_then(|l| super::qr_svg(l, "巡检报告签字链接的二维码")),
        typed => context! {
            summary => typed.map(|f| f.get("summary")), contact_name => typed.map(|f| f.get("contact_name")),
            contact_phone => typed.map(|f| f.get("contact_phone")), done_on => typed.map(|f| f.get("done_on")),
        },
        today => today.to_string(),
    };
    render(state, status, "patrol.html", Some(me), ctx)
}

/// The visit recorded from the tablet.
#[handler]
pub async fn record(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, patrol)): Path<(i32, i32)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<RecordWork>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let f = Fields(fields);
    let mut checks = Vec::new();
    for k in 0.. {
        let item = f.get(&format!("item_{k}"));
        if item.is_empty() {
            break;
        }
        // A check left unanswered is not recorded.
        let Ok(result) = CheckResult::parse(&f.get(&format!("result_{k}"))) else {
            continue;
        };
        checks.push(CheckInput {
            unit_id: f.optional(&format!("unit_{k}")).and_then(|u| u.parse().ok()),
            item,
            result,
            note: f.optional(&format!("note_{k}")),
            open_ticket: f.get(&format!("ticket_{k}")) == "1",
        });
    }
    let done_on = match f.optional("done_on").map(|d| d.parse()) {
        None => None,
        Some(Ok(d)) => Some(d),
        Some(Err(_)) => return refuse(&state, &me, &p, patrol, f, "巡检日期请按 2026-03-09 的格式填写。").await,
    };
    let input = VisitInput {
        done_on,
        summary: f.optional("summary"),
        checks,
        contact_name: f.get("contact_name"),
        contact_phone: f.get("contact_phone"),
    };
    match patrols::record(&state, &p, patrol, input, Utc::now()).await {
        Ok(v) => {
            let opened = v.results.iter().filter(|r| r.ticket_id.is_some()).count();
            let mut message = format!("第 {} 次巡检已记录：{} 项检查。", v.patrol.seq, v.results.len());
            if opened > 0 {
                message.push_str(&format!("已为发现的 {opened} 个问题生成报修工单。"));
            }
            message.push_str("请签字，再请甲方签字。");
            session::set_flash(jar, &message);
            see_other(&format!("/projects/{id}/patrols/{patrol}#report"))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let message = match &e {
                AppError::Invalid { field, .. } => match field.as_deref() {
                    Some("checks") => "请至少记录一项检查结果。".to_string(),
                    Some("done_on") => "巡检日期不能晚于今天。".to_string(),
                    Some("reporter_name") => "有问题需要报修：请填写甲方陪同人员的姓名。".to_string(),
                    Some("reporter_phone") => "有问题需要报修：请填写甲方陪同人员能回电的电话。".to_string(),
                    Some(f) if f.ends_with("open_ticket") => "只有“异常”的检查项才能报修。".to_string(),
                    Some(f) if f.ends_with("note") => "情况说明过长。".to_string(),
                    _ => explain(&e),
                },
                AppError::Conflict(m) if m.contains("already") => "这次巡检已经记录过。".to_string(),
                _ => explain(&e),
            };
            refuse(&state, &me, &p, patrol, f, &message).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

async fn refuse(
    state: &AppState,
    me: &Session,
    p: &Granted<RecordWork>,
    patrol: i32,
    typed: Fields,
    message: &str,
) -> Response {
    let said = Said {
        at: "record".into(),
        message: message.into(),
        link: None,
        typed: Some(typed),
    };
    show(state, me, p, patrol, StatusCode::UNPROCESSABLE_ENTITY, None, said).await
}

/// The engineer signs the 巡检报告.
#[handler]
pub async fn sign(
    state: Data<&AppState>,
    req: &Request,
    jar: &CookieJar,
    me: Session,
    Path((id, patrol)): Path<(i32, i32)>,
) -> Response {
    let p = match super::granted::<RecordWork>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let evidence = crate::api::evidence(req);
    let signed = signing::sign_in_app(
        &state.db,
        &p,
        SignedDocument::PatrolReport,
        patrol,
        REPORT,
        evidence,
        Utc::now(),
    )
    .await;
    match signed {
        Ok(_) => {
            session::set_flash(jar, "巡检报告已由我方签字：请甲方在平板上签字，或发邮件请甲方签字。");
            see_other(&format!("/projects/{id}/patrols/{patrol}#report"))
        }
        Err(e @ (AppError::Conflict(_) | AppError::Forbidden(_))) => {
            let message = match &e {
                AppError::Forbidden(_) => "只有项目组成员可以代表乙方签字。",
                AppError::Conflict(m) if m.contains("not recorded") => "请先记录巡检结果。",
                _ => "我方已经签过字。",
            };
            let said = Said {
                at: "report".into(),
                message: message.into(),
                ..Default::default()
            };
            show(&state, &me, &p, patrol, e.status(), None, said).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// The client asked to sign the 巡检报告: on this tablet, or by e-mail to an address typed.
#[handler]
pub async fn request(
    state: Data<&AppState>,
    req: &Request,
    jar: &CookieJar,
    me: Session,
    Path((id, patrol)): Path<(i32, i32)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<RecordWork>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let f = Fields(fields);
    let on_site = f.get("on_site") == "1";
    let input = RequestInput {
        pages: vec![REPORT],
        signer_name: f.optional("signer_name"),
        signer_email: f.optional("signer_email"),
        signer_role: None,
        on_site,
    };
    let said = |message: String, link: Option<String>| Said {
        at: "report".into(),
        message,
        link,
        typed: None,
    };
    match signing::request(&state, &p, SignedDocument::PatrolReport, patrol, input, Utc::now()).await {
        Ok(made) if on_site => {
            let link = format!("{}{}", super::site_origin(&state, req), made.link);
            let message = "现场签字链接已生成（30 分钟内有效）：请甲方用平板扫码，或在本机打开后交给甲方签字。";
            show(
                &state,
                &me,
                &p,
                patrol,
                StatusCode::OK,
                None,
                said(message.into(), Some(link)),
            )
            .await
        }
        Ok(made) => {
            session::set_flash(
                jar,
                &format!(
                    "已发邮件请 {}（{}）签字。",
                    made.request.signer_name, made.request.signer_email
                ),
            );
            see_other(&format!("/projects/{id}/patrols/{patrol}#report"))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let message = match &e {
                AppError::Invalid { field, .. } if field.as_deref() == Some("signer_email") => {
                    "请填写甲方签字人的电子邮箱，或生成现场签字链接。".to_string()
                }
                AppError::Invalid { field, .. } if field.as_deref() == Some("signer_name") => {
                    "请填写甲方签字人的姓名。".to_string()
                }
                AppError::Conflict(m) if m.contains("not recorded") => "请先记录巡检结果。".to_string(),
                AppError::Conflict(_) => "甲方已经签过字。".to_string(),
                _ => explain(&e),
            };
            show(&state, &me, &p, patrol, e.status(), None, said(message, None)).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// The 巡检报告 as a Word form.
#[handler]
pub async fn docx(state: Data<&AppState>, me: Session, Path((id, patrol)): Path<(i32, i32)>) -> Response {
    let p = match super::granted::<Read>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let report = match patrols::load(&state.db, p.project().clone(), patrol).await {
        Ok(r) => r,
        Err(e) => return super::refusal(&state, &me, e),
    };
    let name = format!("巡检报告-{}-{:02}.docx", p.project().code, report.visit.patrol.seq);
    super::documents::rendered(&state, &me, patrols::form(&report), name).await
}
