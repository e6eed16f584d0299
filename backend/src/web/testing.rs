//! 功能测试: the project's test plans — made from templates (a second plan from the same templates
//! only on purpose), deleted while unsigned — and a plan page by page as printed: results recorded
//! inline (a pass in one tap, a failure with its 备注, a page all passed at once), the test
//! conditions, our signature per page, pages sent to the client's signer by e-mail (saying which
//! are out already) or opened on site, and who signed what with its verification code.
use std::collections::HashMap;

use chrono::Utc;
use minijinja::context;
use poem::{
    Request, Response, handler,
    http::StatusCode,
    web::{Data, Form, Path, cookie::CookieJar},
};

use super::{
    Fields, render,
    session::{self, Session, see_other},
};
use crate::domain::types::SignedDocument;
use crate::{
    documents::labels::{Label, Lang},
    error::AppError,
    service::{
        access::{Granted, Manage, MayRead, Read, RecordWork},
        projects::timezone_of,
        signing::{self, RequestInput, Signed},
        test_plans::{self, CERTIFICATE, Conditions, NewPlan, ResultInput},
    },
    state::AppState,
};

#[handler]
pub async fn plans_page(state: Data<&AppState>, jar: &CookieJar, me: Session, Path(id): Path<i32>) -> Response {
    let p = match super::granted::<Read>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    show_plans(&state, &me, &p, StatusCode::OK, session::take_flash(jar), None).await
}

async fn show_plans(
    state: &AppState,
    me: &Session,
    p: &Granted<impl MayRead>,
    status: StatusCode,
    flash: Option<String>,
    error: Option<(String, String)>,
) -> Response {
    let plans = match test_plans::list(&state.db, p).await {
        Ok(plans) => plans,
        Err(e) => return super::refusal(state, me, e),
    };
    let tz = timezone_of(p.project());
    let rows: Vec<_> = plans
        .iter()
        .map(|plan| {
            context! {
                id => plan.id, title => plan.title,
                created_on => plan.created_at.with_timezone(&tz).date_naive().to_string(),
                certificate => plan.certificate_issued_at.is_some(),
            }
        })
        .collect();
    let templates: Vec<_> = state
        .templates
        .test_plans
        .iter()
        .map(|t| context! { code => t.code, name => t.name, items => t.items.len() })
        .collect();
    let ctx = context! {
        nav => "projects",
        tab => "tests",
        project => super::project_ctx(p),
        crumbs => super::project_crumbs(p, "功能测试", "tests", None),
        flash => flash,
        plans => rows,
        templates => templates,
        can_manage => p.may::<Manage>(),
        error_at => error.as_ref().map(|e| e.0.clone()),
        error => error.map(|e| e.1),
    };
    render(state, status, "tests.html", Some(me), ctx)
}

/// A plan made from the chosen templates.
#[handler]
pub async fn create(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path(id): Path<i32>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let f = Fields(fields);
    let input = NewPlan {
        templates: f.all("template"),
        title: f.optional("title"),
        items_per_page: None,
        again: f.get("again") == "1",
    };
    match test_plans::create(&state.db, &state.templates, &p, input, Utc::now()).await {
        Ok(data) => {
            session::set_flash(jar, &format!("测试方案“{}”已建立。", data.plan.title));
            see_other(&format!("/projects/{id}/tests/{}", data.plan.id))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let message = match &e {
                AppError::Conflict(_) => {
                    "已经有一份用这些模板建立的测试方案。确实要再建一份（例如第二套同类系统），请勾选“再建一份”。"
                }
                AppError::Invalid { field, .. } if field.as_deref() == Some("title") => "方案名称不超过 200 字。",
                _ => "请至少选择一个测试模板。",
            };
            show_plans(
                &state,
                &me,
                &p,
                e.status(),
                None,
                Some(("create".into(), message.into())),
            )
            .await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// Deletes a plan made by mistake while nothing on it is signed.
#[handler]
pub async fn delete(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, plan_id)): Path<(i32, i32)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let f = Fields(fields);
    match test_plans::delete_plan(&state.db, &p, plan_id, &f.get("reason"), Utc::now()).await {
        Ok(()) => {
            session::set_flash(jar, "测试方案已删除，删除原因已记入项目记录。");
            see_other(&format!("/projects/{id}/tests"))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let message = match &e {
                AppError::Invalid { .. } => "请填写删除原因。",
                _ => "方案中已有签字，不能删除；请先作废签字。",
            };
            show_plans(
                &state,
                &me,
                &p,
                e.status(),
                None,
                Some((format!("plan-{plan_id}"), message.into())),
            )
            .await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

#[handler]
pub async fn plan_page(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, plan_id)): Path<(i32, i32)>,
) -> Response {
    let p = match super::granted::<Read>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    show_plan(&state, &me, &p, plan_id, StatusCode::OK, session::take_flash(jar), None).await
}

/// A refused form on the plan page: `at` is `page-N`, `conditions` or `request`.
struct Said {
    at: String,
    message: String,
    link: Option<String>,
    /// What was typed into a refused page, shown again instead of what is stored.
    typed: Option<Fields>,
}

impl Said {
    /// `message` next to the form `at`, nothing typed to show again.
    fn at(at: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            at: at.into(),
            message: message.into(),
            link: None,
            typed: None,
        }
    }
}

async fn show_plan(
    state: &AppState,
    me: &Session,
    p: &Granted<impl MayRead>,
    plan_id: i32,
    status: StatusCode,
    flash: Option<String>,
    said: Option<Said>,
) -> Response {
    let data = match test_plans::get(&state.db, p, plan_id).await {
        Ok(data) => data,
        Err(e) => return super::refusal(state, me, e),
    };
    let requests = match signing::list(&state.db, p, SignedDocument::TestPlan, plan_id).await {
        Ok(r) => r,
        Err(e) => return super::refusal(state, me, e),
    };
    let now = Utc::now();
    let tz = timezone_of(p.project());
    // Pages out for signature: the open links and what each still asks for.
    let mut out: HashMap<i32, String> = HashMap::new();
    let open: Vec<_> = requests
        .iter()
        .filter(|r| r.used_at.is_none() && r.revoked_at.is_none() && r.declined_at.is_none() && r.expires_at > now)
        .map(|r| {
            let pages: Vec<i32> = serde_json::from_str(&r.pages).unwrap_or_default();
            for page in &pages {
                out.insert(*page, r.signer_name.clone());
            }
            context! {
                signer => r.signer_name, email => r.signer_email, pages => pages,
                on_site => r.method == crate::domain::types::SignMethod::OnSite,
                sent_on => r.created_at.with_timezone(&tz).date_naive().to_string(),
                expires_on => r.expires_at.with_timezone(&tz).date_naive().to_string(),
            }
        })
        .collect();
    let signature = |s: &entity::signature::Model| {
        context! { name => s.signer_name, at => signing::signed_minute(s), code => s.verify_code, method => s.method.as_str() }
    };
    let pages: Vec<_> = data
        .pages()
        .iter()
        .map(|page| {
            let typed = said
                .as_ref()
                .filter(|s| s.at == format!("page-{}", page.number))
                .and_then(|s| s.typed.as_ref());
            let items: Vec<_> = page
                .items
                .iter()
                .map(|(i, number)| {
                    let (passed, actual, remark) = match typed {
                        Some(f) => (
                            match f.get(&format!("result_{}", i.id)).as_str() {
                                "pass" => Some(true),
                                "fail" => Some(false),
                                _ => i.passed,
                            },
                            f.optional(&format!("actual_{}", i.id)),
                            f.optional(&format!("remark_{}", i.id)),
                        ),
                        None => (i.passed, i.actual.clone(), i.remark.clone()),
                    };
                    context! {
                        id => i.id, number => number, stage => Label::stage(i.stage).text(Lang::Zh), aspect => i.aspect,
                        name => i.name, module => i.module, expected => i.expected, actual => actual,
                        passed => passed, note => i.note, remark => remark,
                    }
                })
                .collect();
            let blockers: Vec<String> = page
                .blockers
                .iter()
                .map(|b| format!("{} {}：{}", b.number, b.name, blocker_zh(b.reason)))
                .collect();
            let at = format!("page-{}", page.number);
            context! {
                number => page.number, label => page.label(Lang::Zh), items => items, blockers => blockers,
                ready => page.blockers.is_empty(),
                unrecorded => page.items.iter().filter(|(i, _)| i.passed.is_none()).count(),
                ours => page.ours.map(signature), client => page.client.map(signature),
                out_with => out.get(&page.number),
                error => said.as_ref().filter(|s| s.at == at).map(|s| s.message.clone()),
                void_error => said.as_ref().filter(|s| s.at == format!("void-{}", page.number)).map(|s| s.message.clone()),
            }
        })
        .collect();
    let plan = &data.plan;
    let confirmations = context! {
        ours => plan.our_conditions_at.is_some(), our_engineers => plan.our_engineers,
        client => plan.client_conditions_at.is_some(), client_engineers => plan.client_engineers,
        client_by => plan.client_conditions_by, signer_name => plan.client_signer_name, signer_email => plan.client_signer_email,
    };
    let project_id = p.id();
    let ctx = context! {
        nav => "projects",
        project => super::project_ctx(p),
        crumbs => super::project_crumbs(p, "功能测试", "tests", Some((plan.title.clone(), format!("/projects/{project_id}/tests/{plan_id}")))),
        flash => flash,
        plan => context! { id => plan.id, title => plan.title, certificate => plan.certificate_issued_at.is_some() },
        // Anything left for the client's signer: a page, or the issued certificate.
        client_to_sign => data.pages().iter().any(|page| page.client.is_none())
            || (plan.certificate_issued_at.is_some()
                && data.signature(CERTIFICATE, crate::domain::types::SignParty::Client).is_none()),
        certificate => context! {
            issued_on => plan.certificate_issued_at.map(|t| t.with_timezone(&tz).date_naive().to_string()),
            unsigned => data.unsigned_pages(),
            ours => data.signature(CERTIFICATE, crate::domain::types::SignParty::Ours).map(signature),
            client => data.signature(CERTIFICATE, crate::domain::types::SignParty::Client).map(signature),
            out_with => out.get(&CERTIFICATE),
            error => said.as_ref().filter(|s| s.at == "certificate").map(|s| s.message.clone()),
        },
        conditions => confirmations,
        confirmed => data.conditions_confirmed(),
        pages => pages,
        open_requests => open,
        certificate_page => CERTIFICATE,
        can_manage => p.may::<Manage>(),
        can_record => p.may::<RecordWork>(),
        said_at => said.as_ref().map(|s| s.at.clone()),
        link => said.as_ref().and_then(|s| s.link.clone()),
        link_qr => said.as_ref().and_then(|s| s.link.as_deref()).and_then(|l| super::qr_svg(l, "现场签字链接的二维码")),
        said => said.map(|s| s.message),
    };
    render(state, status, "test_plan.html", Some(me), ctx)
}

fn blocker_zh(reason: &str) -> &'static str {
    match reason {
        r if r.contains("failed") => "不合格，需整改后复测",
        r if r.contains("actual") => "缺少实际结果",
        _ => "尚未记录结果",
    }
}

/// Both sides confirm the test conditions (the PM records the client's too).
#[handler]
pub async fn conditions(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, plan_id)): Path<(i32, i32)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let f = Fields(fields);
    let input = Conditions {
        party: f.get("party"),
        engineers: f.get("engineers"),
        confirmed_by: f.optional("confirmed_by"),
        signer_name: f.optional("signer_name"),
        signer_email: f.optional("signer_email"),
    };
    match test_plans::confirm_conditions(&state.db, &p, plan_id, input, Utc::now()).await {
        Ok(_) => {
            session::set_flash(jar, "测试条件已确认。");
            see_other(&format!("/projects/{id}/tests/{plan_id}"))
        }
        Err(e @ AppError::Invalid { .. }) => {
            let message = match &e {
                AppError::Invalid { field, .. } if field.as_deref() == Some("signer_email") => {
                    "请填写甲方签字人的电子邮箱。"
                }
                AppError::Invalid { field, .. } if field.as_deref() == Some("signer_name") => "请填写甲方签字人。",
                AppError::Invalid { field, .. } if field.as_deref() == Some("confirmed_by") => "请填写甲方确认人。",
                _ => "请填写参加测试的工程师。",
            };
            let said = Said::at("conditions", message);
            show_plan(&state, &me, &p, plan_id, e.status(), None, Some(said)).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// A page's results: each item passed (one tap), failed (with its 备注) or left as it was; or the
/// whole page passed at once.
#[handler]
pub async fn results(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, plan_id, page)): Path<(i32, i32, i32)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<RecordWork>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let f = Fields(fields);
    let all_pass = f.get("all_pass") == "1";
    let data = match test_plans::get(&state.db, &p, plan_id).await {
        Ok(data) => data,
        Err(e) => return super::refusal(&state, &me, e),
    };
    let mut rows = Vec::new();
    for item in data.items.iter().filter(|i| i.page == page) {
        let verdict = f.get(&format!("result_{}", item.id));
        let passed = match verdict.as_str() {
            "pass" => true,
            "fail" => false,
            // All pass: every item not recorded yet.
            _ if all_pass && item.passed.is_none() => true,
            _ => continue,
        };
        let actual = f.get(&format!("actual_{}", item.id));
        let unchanged = item.passed == Some(passed)
            && item.actual.as_deref().unwrap_or_default() == actual
            && item.remark.as_deref().unwrap_or_default() == f.get(&format!("remark_{}", item.id));
        if unchanged && !actual.is_empty() {
            continue;
        }
        rows.push((
            item.id,
            ResultInput {
                actual,
                passed,
                note: f.optional(&format!("note_{}", item.id)),
                remark: f.optional(&format!("remark_{}", item.id)),
            },
        ));
    }
    let typed = f.0.clone();
    let refuse = |message: String| Said {
        at: format!("page-{page}"),
        message,
        link: None,
        typed: Some(Fields(typed.clone())),
    };
    if rows.is_empty() {
        session::set_flash(jar, "没有要保存的结果。");
        return see_other(&format!("/projects/{id}/tests/{plan_id}#page-{page}"));
    }
    match test_plans::record_results(&state.db, &p, plan_id, rows, Utc::now()).await {
        Ok(n) => {
            session::set_flash(jar, &format!("第 {page} 页：已记录 {n} 项结果。"));
            see_other(&format!("/projects/{id}/tests/{plan_id}#page-{page}"))
        }
        Err(AppError::Rows { problems, .. }) => {
            let message = match problems.first().map(|p| (p.field.as_deref(), p.message.as_str())) {
                Some((Some("remark"), _)) => "不合格的项目请在“备注”中写明异常情况。".to_string(),
                Some((Some("actual"), _)) => "不合格的项目请填写实际结果。".to_string(),
                Some((_, m)) if m.contains("signed") => {
                    "这一页已经签字，结果不能再改；如需修改，请项目主管先作废签字。".to_string()
                }
                Some((_, m)) => format!("无法保存：{m}"),
                None => "无法保存。".to_string(),
            };
            show_plan(
                &state,
                &me,
                &p,
                plan_id,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(refuse(message)),
            )
            .await
        }
        Err(AppError::Conflict(_)) => {
            let message = "双方确认测试条件后才能记录结果。".to_string();
            show_plan(
                &state,
                &me,
                &p,
                plan_id,
                StatusCode::CONFLICT,
                None,
                Some(refuse(message)),
            )
            .await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// Our signature on a page, in the app.
#[handler]
pub async fn sign(
    state: Data<&AppState>,
    req: &Request,
    jar: &CookieJar,
    me: Session,
    Path((id, plan_id, page)): Path<(i32, i32, i32)>,
) -> Response {
    let p = match super::granted::<RecordWork>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let evidence = crate::api::evidence(req);
    match test_plans::sign_in_app(&state.db, &p, plan_id, page, evidence, Utc::now()).await {
        Ok(_) => {
            session::set_flash(jar, &format!("第 {page} 页已由我方签字。"));
            see_other(&format!("/projects/{id}/tests/{plan_id}#page-{page}"))
        }
        Err(e @ (AppError::Conflict(_) | AppError::Forbidden(_))) => {
            let message = match &e {
                AppError::Forbidden(_) => "只有项目组成员可以代表乙方签字。",
                AppError::Conflict(m) if m.contains("cannot be signed") => "这一页还有未通过或未记录的项目，不能签字。",
                AppError::Conflict(m) if m.contains("conditions") => "双方确认测试条件后才能签字。",
                _ => "这一页我方已经签过字。",
            };
            let said = Said::at(format!("page-{page}"), message);
            show_plan(&state, &me, &p, plan_id, e.status(), None, Some(said)).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// Voids a page's signatures with the reason (a result found wrong after signing): both sides
/// sign again once it is corrected.
#[handler]
pub async fn void(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, plan_id, page)): Path<(i32, i32, i32)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let reason = Fields(fields).get("reason");
    match test_plans::void(&state.db, &p, plan_id, page, &reason, Utc::now()).await {
        Ok(_) => {
            session::set_flash(
                jar,
                &format!("第 {page} 页的签字已作废，原因已记录；改正后双方重新签字。"),
            );
            see_other(&format!("/projects/{id}/tests/{plan_id}#page-{page}"))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let message = match &e {
                AppError::Invalid { .. } => "请写明作废的原因。",
                _ => "这一页没有可作废的签字。",
            };
            let said = Said::at(format!("void-{page}"), message);
            show_plan(&state, &me, &p, plan_id, e.status(), None, Some(said)).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// Issues the 预验收证书 once every page is signed by both parties; then both sign it.
#[handler]
pub async fn certificate(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, plan_id)): Path<(i32, i32)>,
) -> Response {
    let p = match super::granted::<Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    match test_plans::issue_certificate(&state.db, &p, plan_id, Utc::now()).await {
        Ok(_) => {
            session::set_flash(jar, "预验收证书已签发：请双方签字。");
            see_other(&format!("/projects/{id}/tests/{plan_id}#certificate"))
        }
        Err(e @ AppError::Conflict(_)) => {
            let message = match &e {
                AppError::Conflict(m) if m.contains("already") => "预验收证书已经签发过。",
                _ => "每一页双方签字后，才能签发预验收证书。",
            };
            let said = Said::at("certificate", message);
            show_plan(&state, &me, &p, plan_id, e.status(), None, Some(said)).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// Pages sent to the client's signer: by e-mail, or a short-lived link opened on site.
#[handler]
pub async fn request(
    state: Data<&AppState>,
    req: &poem::Request,
    jar: &CookieJar,
    me: Session,
    Path((id, plan_id)): Path<(i32, i32)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<RecordWork>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let f = Fields(fields);
    let on_site = f.get("on_site") == "1";
    let input = RequestInput {
        pages: f.all("page").iter().filter_map(|n| n.parse().ok()).collect(),
        signer_name: None,
        signer_email: None,
        signer_role: None,
        on_site,
    };
    match signing::request(&state, &p, SignedDocument::TestPlan, plan_id, input, Utc::now()).await {
        Ok(requested) => {
            let pages: Vec<String> = signing_pages(&requested.request);
            let mut message = if on_site {
                format!("现场签字链接已生成（30 分钟内有效）：第 {} 页。", pages.join("、"))
            } else {
                format!(
                    "已发邮件请 {} 签字：第 {} 页。",
                    requested.request.signer_name,
                    pages.join("、")
                )
            };
            if !requested.taken_over.is_empty() {
                message.push_str("之前发出的链接中的这些页已改由本次链接签字。");
            }
            if on_site {
                // The link is shown once, here, for the client's tablet; it is not stored.
                let said = Said {
                    at: "request".into(),
                    message,
                    link: Some(format!("{}{}", super::site_origin(&state, req), requested.link)),
                    typed: None,
                };
                return show_plan(&state, &me, &p, plan_id, StatusCode::OK, None, Some(said)).await;
            }
            session::set_flash(jar, &message);
            see_other(&format!("/projects/{id}/tests/{plan_id}#signing"))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let message = match &e {
                AppError::Invalid { field, .. } if field.as_deref() == Some("pages") => {
                    "请选择要请甲方签字的页。".to_string()
                }
                AppError::Invalid { field, .. } if matches!(field.as_deref(), Some("signer_email" | "signer_name")) => {
                    "还没有甲方签字人的电子邮箱：请先在“测试条件”中填写。".to_string()
                }
                AppError::Conflict(m) if m.contains("cannot be signed") => {
                    "所选页中还有未通过或未记录的项目。".to_string()
                }
                AppError::Conflict(m) if m.contains("signed") => "所选页中有甲方已经签过的页。".to_string(),
                AppError::Conflict(m) | AppError::Invalid { message: m, .. } => format!("无法发送：{m}"),
                _ => String::new(),
            };
            let said = Said::at("request", message);
            show_plan(&state, &me, &p, plan_id, e.status(), None, Some(said)).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

fn signing_pages(r: &entity::signing_request::Model) -> Vec<String> {
    let pages: Vec<i32> = serde_json::from_str(&r.pages).unwrap_or_default();
    pages
        .iter()
        .map(|p| {
            if *p == CERTIFICATE {
                "预验收证书".to_string()
            } else {
                p.to_string()
            }
        })
        .collect()
}
