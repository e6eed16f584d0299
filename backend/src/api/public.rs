//! Routes outside the authenticated API: health checks and secret calendar feeds.
use chrono::Utc;
use poem::{
    IntoResponse, Response, handler,
    http::StatusCode,
    web::{Data, Path, Query},
};
use serde::Deserialize;

use crate::{
    error::{ApiError, AppError},
    service::{documents, feeds, signing, throttle},
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
    match crate::db::ping(&state.db).await {
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
    let ics = feeds::calendar(
        &state.db,
        &state.settings.base_url(),
        &actor,
        params.project,
        Utc::now(),
    )
    .await?;
    Ok(ics
        .with_content_type("text/calendar; charset=utf-8")
        .with_header("Cache-Control", "private, max-age=300")
        .into_response())
}

/// What a verification code stands for: an issued document (its title, project, number,
/// version, issue date and file hash — nothing of its content) or a signature on a test-plan page
/// (who signed it and when, on both sides, and whether the page still says what was signed). No
/// login. Rendered from templates/pages/verify.html.
#[handler]
pub async fn verify(state: Data<&AppState>, req: &poem::Request, Path(code): Path<String>) -> Response {
    let page = |status: StatusCode, ctx: minijinja::Value| match state.templates.render("verify.html", &ctx) {
        Ok(html) => (status, html)
            .with_content_type("text/html; charset=utf-8")
            .with_header("Cache-Control", "no-store")
            .into_response(),
        Err(e) => {
            tracing::error!(error = %format_args!("{e:#}"), "the verification page does not render");
            (StatusCode::INTERNAL_SERVER_ERROR, "文件验证暂时无法显示，请稍后再试。").into_response()
        }
    };
    let message = |status: StatusCode, title: &str, message: &str| {
        page(status, minijinja::context! { title => title, message => message })
    };
    let failed = |e: AppError| {
        tracing::error!(error = %format_args!("{e:#}"), "verification failed");
        message(StatusCode::INTERNAL_SERVER_ERROR, "暂时无法验证", "请稍后再试。")
    };
    // Codes are short enough to guess: each lookup counts against the address's budget of failed
    // attempts (shared with logins and signing links), and a code that exists gives it back.
    let budget = throttle::address(&state.settings, &super::middleware::ClientIp::of(req).text());
    match throttle::take(&state.db, &budget, "failed verifications", Utc::now()).await {
        Ok(()) => {}
        Err(AppError::TooManyRequests { retry_after_secs, .. }) => {
            return message(
                StatusCode::TOO_MANY_REQUESTS,
                "尝试次数过多",
                &format!("请 {} 分钟后再试。", retry_after_secs.div_ceil(60)),
            )
            .with_header("Retry-After", retry_after_secs.to_string())
            .into_response();
        }
        Err(e) => return failed(e),
    }
    let found = || throttle::give_back(&state.db, &budget.key);
    match documents::verify(&state.db, &code).await {
        Ok((doc, project)) => {
            if let Err(e) = found().await {
                return failed(e);
            }
            let document = minijinja::context! {
                verify_code => doc.verify_code,
                title => doc.title,
                project_code => project.code,
                project_name => project.name,
                number => doc.number,
                version => doc.version,
                issued_on => doc.issued_at.date_naive().to_string(),
                file_sha256 => doc.file_sha256,
            };
            return page(StatusCode::OK, minijinja::context! { document => document });
        }
        Err(AppError::NotFound(_)) => {}
        Err(e) => return failed(e),
    }
    match signing::check_signature(&state.db, &code, state.settings.house().lang).await {
        Ok(check) => match found().await {
            Ok(()) => page(
                StatusCode::OK,
                minijinja::context! { signature => signature_view(&check) },
            ),
            Err(e) => failed(e),
        },
        Err(AppError::NotFound(_)) => message(
            StatusCode::NOT_FOUND,
            "未找到",
            "没有文件或签字使用此验证码。请核对纸面文件上的验证码。",
        ),
        Err(e) => failed(e),
    }
}

/// A signature's check as the verification page shows it.
fn signature_view(check: &signing::SignatureCheck) -> minijinja::Value {
    let s = &check.signature;
    let verdict = if s.voided_at.is_some() {
        "已作废"
    } else if check.content_matches {
        "有效"
    } else {
        "内容已变更"
    };
    let party = |p: &str| if p == "client" { "甲方" } else { "乙方" };
    let method = |m: &str| match m {
        "email_link" => "邮件链接",
        "on_site" => "现场签字",
        _ => "系统内签字",
    };
    let signers: Vec<minijinja::Value> = check
        .in_force
        .iter()
        .map(|x| {
            minijinja::context! {
                party => party(x.party.as_str()),
                name => x.signer_name,
                role => x.signer_role.clone().unwrap_or_default(),
                method => method(x.method.as_str()),
                local_time => x.signed_local,
                utc => x.signed_at.to_rfc3339(),
                verify_code => x.verify_code,
            }
        })
        .collect();
    minijinja::context! {
        verdict => verdict,
        voided_at => s.voided_at.map(|t| t.to_rfc3339()),
        void_reason => s.void_reason.clone().unwrap_or_default(),
        content_matches => check.content_matches,
        verify_code => s.verify_code,
        project_code => check.project.code,
        project_name => check.project.name,
        title => check.title,
        page => check.part,
        content_sha256 => s.content_sha256,
        signers => signers,
    }
}

/// Renders the signing page (templates/pages/sign.html) for a view, or a message alone.
fn signing_html(
    state: &AppState,
    status: StatusCode,
    view: Option<&signing::SigningView>,
    action: &str,
    message: Option<&str>,
) -> Response {
    let ctx = match view {
        Some(v) => minijinja::context! { action => action, message => message, ..minijinja::Value::from_serialize(v) },
        None => {
            minijinja::context! { title => "签字", pages => Vec::<()>::new(), open => false, message => message }
        }
    };
    let rendered = state.templates.render("sign.html", &ctx);
    match rendered {
        Ok(html) => (status, html)
            .with_content_type("text/html; charset=utf-8")
            .with_header("Cache-Control", "no-store")
            .with_header("Referrer-Policy", "no-referrer")
            .into_response(),
        Err(e) => {
            tracing::error!(error = ?e, "the signing page does not render");
            (StatusCode::INTERNAL_SERVER_ERROR, "签字页面暂时无法显示，请稍后再试。").into_response()
        }
    }
}

fn link_error(state: &AppState, e: signing::LinkError, view: Option<&signing::SigningView>, action: &str) -> Response {
    use signing::LinkError;
    match e {
        LinkError::Unknown => signing_html(
            state,
            StatusCode::NOT_FOUND,
            None,
            action,
            Some("此签字链接无效或已被新的链接取代，请使用最近一封邮件中的链接。"),
        ),
        LinkError::Gone(m) => signing_html(state, StatusCode::GONE, None, action, Some(&m)),
        LinkError::Closed(m) => signing_html(state, StatusCode::CONFLICT, None, action, Some(&m)),
        LinkError::TooMany(retry_after_secs) => signing_html(
            state,
            StatusCode::TOO_MANY_REQUESTS,
            None,
            action,
            Some(&format!(
                "尝试次数过多，请 {} 分钟后再试。",
                retry_after_secs.div_ceil(60)
            )),
        )
        .with_header("Retry-After", retry_after_secs.to_string())
        .into_response(),
        LinkError::Invalid(m) => signing_html(state, StatusCode::UNPROCESSABLE_ENTITY, view, action, Some(&m)),
        LinkError::Conflict(m) => signing_html(state, StatusCode::CONFLICT, None, action, Some(&m)),
        LinkError::Internal(e) => {
            tracing::error!(error = ?e, "signing failed");
            signing_html(
                state,
                StatusCode::INTERNAL_SERVER_ERROR,
                None,
                action,
                Some("暂时无法签字，请稍后再试。"),
            )
        }
    }
}

/// The client's signing page: the pages exactly as they will be signed, the statement of intent,
/// a typed name and a checkbox. No account; the token in the URL is the secret. Works without
/// JavaScript.
#[handler]
pub async fn signing_page(state: Data<&AppState>, req: &poem::Request, Path(token): Path<String>) -> Response {
    let action = format!("/sign/{token}");
    let evidence = super::evidence(req);
    let address = evidence.ip_address.unwrap_or_default();
    match signing::open(&state, &token, &address, Utc::now()).await {
        Ok(view) => signing_html(&state, StatusCode::OK, Some(&view), &action, None),
        Err(e) => link_error(&state, e, None, &action),
    }
}

/// The signer's answer: sign every page, or decline with a reason.
#[handler]
pub async fn sign(
    state: Data<&AppState>,
    req: &poem::Request,
    Path(token): Path<String>,
    poem::web::Form(fields): poem::web::Form<Vec<(String, String)>>,
) -> Response {
    let action = format!("/sign/{token}");
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let evidence = super::evidence(req);
    let now = Utc::now();
    let outcome = if field("action").as_deref() == Some("decline") {
        signing::decline(&state, &token, &field("reason").unwrap_or_default(), evidence, now)
            .await
            .map(|v| (v, "您已拒签。项目主管会收到您的意见。"))
    } else {
        let seen = fields
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("sha256_")?.parse().ok()?, v.clone())))
            .collect();
        let form = signing::SignForm {
            typed_name: field("typed_name").unwrap_or_default(),
            consent: field("consent").as_deref() == Some("yes"),
            seen,
            evidence,
        };
        signing::sign(&state, &token, form, now)
            .await
            .map(|v| (v, "签字完成，谢谢。以上各页已记录您的签字。"))
    };
    match outcome {
        Ok((view, message)) => signing_html(&state, StatusCode::OK, Some(&view), &action, Some(message)),
        Err(e @ signing::LinkError::Invalid(_)) => {
            // Show the form again with what to fix.
            let address = super::evidence(req).ip_address.unwrap_or_default();
            let view = signing::form_again(&state, &token, &address, now).await.ok();
            link_error(&state, e, view.as_ref(), &action)
        }
        Err(e) => link_error(&state, e, None, &action),
    }
}

/// What the client's evaluation page shows: the project, the five scores asked, and either the
/// form or a message.
fn evaluation_html(
    state: &AppState,
    status: StatusCode,
    found: Option<(&entity::evaluation::Model, &entity::project::Model)>,
    action: &str,
    message: Option<&str>,
    error: Option<(String, String)>,
    typed: &[(String, String)],
) -> Response {
    use crate::service::evaluation::{DIMENSIONS, score_words};
    let typed: std::collections::BTreeMap<&str, &str> = typed.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (field, error) = error.unzip();
    let ctx = minijinja::context! {
        action => action,
        message => message,
        open => found.is_some(),
        project_code => found.map(|(_, p)| p.code.clone()),
        project_name => found.map(|(_, p)| p.name.clone()),
        client => found.map(|(_, p)| p.client_name.clone()),
        evaluator_name => found.and_then(|(e, _)| e.evaluator_name.clone()),
        evaluator_role => found.and_then(|(e, _)| e.evaluator_role.clone()),
        dimensions => DIMENSIONS.iter().map(|(key, label)| minijinja::context! { key => key, label => label }).collect::<Vec<_>>(),
        scale => (1..=5).rev().map(|v| minijinja::context! { value => v, label => score_words(v) }).collect::<Vec<_>>(),
        typed => typed,
        error_field => field,
        error => error,
    };
    public_page(state, status, "evaluate.html", &ctx)
}

fn evaluation_problem(state: &AppState, problem: crate::service::evaluation::LinkProblem, action: &str) -> Response {
    use crate::service::evaluation::LinkProblem;
    let (status, message) = match problem {
        LinkProblem::Unknown => (StatusCode::NOT_FOUND, "此评价链接无效，请使用最近一封邮件中的链接。"),
        LinkProblem::Used => (StatusCode::GONE, "本项目的评价已经提交，谢谢。"),
        LinkProblem::Expired => (StatusCode::GONE, "此评价链接已过期，请联系项目经理重新发送。"),
    };
    evaluation_html(state, status, None, action, Some(message), None, &[])
}

/// The client's evaluation page: no account; the token in the URL is the secret.
#[handler]
pub async fn evaluation_page(state: Data<&AppState>, Path(token): Path<String>) -> Response {
    let action = format!("/evaluate/{token}");
    match crate::service::evaluation::by_token(&state.db, &token, Utc::now()).await {
        Ok(Ok((e, project))) => evaluation_html(&state, StatusCode::OK, Some((&e, &project)), &action, None, None, &[]),
        Ok(Err(problem)) => evaluation_problem(&state, problem, &action),
        Err(e) => {
            tracing::error!(error = ?e, "the evaluation link could not be read");
            evaluation_html(
                &state,
                StatusCode::INTERNAL_SERVER_ERROR,
                None,
                &action,
                Some("暂时无法打开，请稍后再试。"),
                None,
                &[],
            )
        }
    }
}

/// The client's scores and comments, stored once.
#[handler]
pub async fn evaluate(
    state: Data<&AppState>,
    req: &poem::Request,
    Path(token): Path<String>,
    poem::web::Form(fields): poem::web::Form<Vec<(String, String)>>,
) -> Response {
    use crate::service::evaluation::{self, DIMENSIONS, Scores};
    let action = format!("/evaluate/{token}");
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
    };
    let now = Utc::now();
    let mut scores = [0; 5];
    for (n, (key, _)) in DIMENSIONS.iter().enumerate() {
        scores[n] = field(key).and_then(|v| v.parse().ok()).unwrap_or(0);
    }
    let input = Scores {
        scores,
        comments: field("comments"),
        evaluator_name: field("evaluator_name").unwrap_or_default(),
        evaluator_role: field("evaluator_role"),
    };
    match evaluation::evaluate_by_link(&state.db, &token, input, &super::evidence(req), now).await {
        Ok(Ok(_)) => evaluation_html(
            &state,
            StatusCode::OK,
            None,
            &action,
            Some("评价已提交，谢谢您对本项目的支持。"),
            None,
            &[],
        ),
        Ok(Err(problem)) => evaluation_problem(&state, problem, &action),
        Err(crate::error::AppError::Invalid { field: f, .. }) => {
            let f = f.unwrap_or_default();
            let message = if f == "evaluator_name" {
                "请填写评价人姓名。".to_string()
            } else if f == "comments" || f == "evaluator_role" {
                "内容过长，请精简后再提交。".to_string()
            } else {
                "请为这一项选择 1 到 5 分。".to_string()
            };
            match evaluation::by_token(&state.db, &token, now).await {
                Ok(Ok((e, project))) => evaluation_html(
                    &state,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some((&e, &project)),
                    &action,
                    None,
                    Some((f, message)),
                    &fields,
                ),
                Ok(Err(problem)) => evaluation_problem(&state, problem, &action),
                Err(_) => evaluation_html(
                    &state,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    None,
                    &action,
                    Some("暂时无法提交，请稍后再试。"),
                    None,
                    &[],
                ),
            }
        }
        Err(e) => {
            tracing::error!(error = ?e, "the evaluation could not be stored");
            evaluation_html(
                &state,
                StatusCode::INTERNAL_SERVER_ERROR,
                None,
                &action,
                Some("暂时无法提交，请稍后再试。"),
                None,
                &[],
            )
        }
    }
}

/// How many faults one address may report through report links in an hour: enough for a site
/// with several problems, too few to flood the desk.
const REPORTS_PER_HOUR: u64 = 10;

/// The client's fault report page (在线报修): no account; the project's secret link (on the
/// handover documents and stickers on the equipment) is the key.
#[handler]
pub async fn report_page(state: Data<&AppState>, Path(token): Path<String>) -> Response {
    report_html(&state, &token, StatusCode::OK, None, None, &[]).await
}

/// A fault reported by the client: the ticket is opened, the reporter gets its number (on the
/// page and, with an address, by e-mail).
#[handler]
pub async fn report_fault(
    state: Data<&AppState>,
    req: &poem::Request,
    Path(token): Path<String>,
    poem::web::Form(fields): poem::web::Form<Vec<(String, String)>>,
) -> Response {
    use crate::service::service_desk::tickets::{self, FaultCard};
    let now = Utc::now();
    let address = super::middleware::ClientIp::of(req).text();
    let limit = throttle::Limit::new(format!("fault-report:{address}"), REPORTS_PER_HOUR, 60);
    match throttle::take(&state.db, &limit, "fault reports", now).await {
        Ok(()) => {}
        Err(AppError::TooManyRequests { retry_after_secs, .. }) => {
            let message = format!(
                "提交次数过多，请 {} 分钟后再试，或直接拨打服务热线。",
                retry_after_secs.div_ceil(60)
            );
            return report_html(
                &state,
                &token,
                StatusCode::TOO_MANY_REQUESTS,
                Some(&message),
                None,
                &fields,
            )
            .await
            .with_header("Retry-After", retry_after_secs.to_string())
            .into_response();
        }
        Err(e) => {
            tracing::error!(error = %format_args!("{e:#}"), "the report limit could not be checked");
            return report_html(
                &state,
                &token,
                StatusCode::INTERNAL_SERVER_ERROR,
                Some("暂时无法提交，请稍后再试或拨打服务热线。"),
                None,
                &[],
            )
            .await;
        }
    }
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let card = FaultCard {
        reporter_name: field("reporter_name").unwrap_or_default(),
        reporter_phone: field("reporter_phone").unwrap_or_default(),
        reporter_email: field("reporter_email"),
        system_type: field("system_type").and_then(|s| crate::domain::types::SystemType::parse(&s).ok()),
        unit_id: field("unit_id").and_then(|v| v.parse().ok()),
        serial: field("serial"),
        device: field("device"),
        symptom: field("symptom").unwrap_or_default(),
        fault_started_at: None,
        reported_at: None,
    };
    let evidence = super::evidence(req);
    match tickets::report_public(&state, &token, card, (evidence.ip_address, evidence.user_agent), now).await {
        Ok((ticket, _)) => {
            let number = ticket.number.unwrap_or_default();
            let mut message = format!("报修已受理，报修单号 {number}。我们的技术服务中心将尽快与您联系。");
            if ticket.reporter_email.is_some() {
                message.push_str("确认邮件已发送到您的邮箱。");
            }
            report_html(&state, &token, StatusCode::OK, Some(&message), None, &[]).await
        }
        Err(AppError::Invalid { field: f, message }) => {
            let f = f.unwrap_or_default();
            let words = match f.as_str() {
                "reporter_name" => "请填写您的姓名。".to_string(),
                "reporter_phone" if message.contains("must not be empty") => {
                    "请填写联系电话，以便我们回电确认。".to_string()
                }
                "reporter_phone" => "请填写能回电的电话号码（如 0574-8888-2000 或 138 0000 0000）。".to_string(),
                "reporter_email" => "邮箱地址格式不对。".to_string(),
                "symptom" => "请描述故障现象。".to_string(),
                "device" => "请选择故障设备，或填写设备序列号或名称。".to_string(),
                "serial" => "没有找到这个序列号的设备，请从列表中选择或填写设备名称。".to_string(),
                _ => message,
            };
            report_html(
                &state,
                &token,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some((f, words)),
                &fields,
            )
            .await
        }
        Err(AppError::Conflict(_)) => {
            report_html(
                &state,
                &token,
                StatusCode::CONFLICT,
                Some("本项目尚未交付使用，请直接联系项目经理。"),
                None,
                &[],
            )
            .await
        }
        Err(AppError::NotFound(_)) => report_html(&state, &token, StatusCode::NOT_FOUND, None, None, &[]).await,
        Err(e) => {
            tracing::error!(error = %format_args!("{e:#}"), "a fault report could not be stored");
            report_html(
                &state,
                &token,
                StatusCode::INTERNAL_SERVER_ERROR,
                Some("暂时无法提交，请稍后再试或拨打服务热线。"),
                None,
                &[],
            )
            .await
        }
    }
}

async fn report_html(
    state: &AppState,
    token: &str,
    status: StatusCode,
    message: Option<&str>,
    error: Option<(String, String)>,
    typed: &[(String, String)],
) -> Response {
    use crate::service::service_desk::tickets;
    let found = tickets::report_form(state, token).await;
    let status = match &found {
        Err(AppError::NotFound(_)) => StatusCode::NOT_FOUND,
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
        Ok(_) => status,
    };
    if let Some(e) = found.as_ref().err().filter(|e| !matches!(e, AppError::NotFound(_))) {
        tracing::error!(error = %format_args!("{e:#}"), "the report page could not be read");
    }
    let typed: std::collections::BTreeMap<&str, &str> = typed.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (field, error) = error.unzip();
    let ctx = match &found {
        Ok((project, units)) => minijinja::context! {
            action => format!("/report/{token}"),
            open => true,
            message => message,
            project_name => project.name,
            client => project.client_name,
            site_address => project.site_address,
            company_phone => state.settings.company_phone,
            system_types => crate::service::projects::system_types(project)
                .iter()
                .filter_map(|code| crate::domain::types::SystemType::parse(code).ok())
                .map(|t| minijinja::context! { value => t.as_str(), label => t.label_zh() })
                .collect::<Vec<_>>(),
            units => units.iter().map(|u| minijinja::context! {
                id => u.unit_id,
                label => format!("{}{}", u.name, if u.location.is_empty() { String::new() } else { format!(" · {}", u.location) }),
            }).collect::<Vec<_>>(),
            typed => typed,
            error_field => field,
            error => error,
        },
        Err(_) => minijinja::context! {
            open => false,
            message => if status == StatusCode::NOT_FOUND {
                "此报修链接无效（可能已更换），请拨打服务热线报修。"
            } else {
                "报修页面暂时无法打开，请稍后再试或拨打服务热线。"
            },
            company_phone => state.settings.company_phone,
        },
    };
    match state.templates.render("report.html", &ctx) {
        Ok(html) => (status, html)
            .with_content_type("text/html; charset=utf-8")
            .with_header("Cache-Control", "no-store")
            .with_header("Referrer-Policy", "no-referrer")
            .into_response(),
        Err(e) => {
            tracing::error!(error = ?e, "the report page does not render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "报修页面暂时无法显示，请拨打服务热线。",
            )
                .into_response()
        }
    }
}

/// The client's 回访 page: a one-time link from the e-mail, no account.
#[handler]
pub async fn feedback_page(state: Data<&AppState>, Path(token): Path<String>) -> Response {
    feedback_html(&state, &token, StatusCode::OK, None, None, &[]).await
}

/// The client's answers: stored once; an unhappy one or a complaint goes to the managers.
#[handler]
pub async fn feedback(
    state: Data<&AppState>,
    Path(token): Path<String>,
    poem::web::Form(fields): poem::web::Form<Vec<(String, String)>>,
) -> Response {
    use crate::domain::types::Satisfaction;
    use crate::service::service_desk::return_visits::{self, Answers};
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let mut rated = Vec::new();
    for (key, _) in FEEDBACK_QUESTIONS {
        match field(key).as_deref().map(Satisfaction::parse) {
            Some(Ok(s)) => rated.push(s),
            _ => {
                let error = (key.to_string(), "请选择一项。".to_string());
                return feedback_html(
                    &state,
                    &token,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    None,
                    Some(error),
                    &fields,
                )
                .await;
            }
        }
    }
    let answers = Answers {
        response: rated[0],
        attitude: rated[1],
        quality: rated[2],
        overall: rated[3],
        comment: field("comment"),
        complaint: field("complaint").is_some(),
        respondent: field("respondent"),
    };
    let complaint = answers.complaint;
    match return_visits::answer_link(&state, &token, answers, Utc::now()).await {
        Ok(_) => {
            let message = if complaint {
                "感谢您的反馈。您的投诉已转给服务经理，我们会在一个工作日内与您联系。"
            } else {
                "感谢您的评价！我们会继续努力。"
            };
            let ctx = minijinja::context! { message => message, open => false };
            public_page(&state, StatusCode::OK, "feedback.html", &ctx)
        }
        Err(AppError::Invalid { field: f, .. }) => {
            let error = (f.unwrap_or_default(), "内容过长，请精简后再提交。".to_string());
            feedback_html(
                &state,
                &token,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(error),
                &fields,
            )
            .await
        }
        Err(e @ AppError::NotFound(_)) => feedback_html(&state, &token, e.status(), None, None, &[]).await,
        Err(e) => {
            tracing::error!(error = %format_args!("{e:#}"), "a return visit could not be stored");
            let ctx = minijinja::context! { message => "暂时无法提交，请稍后再试或拨打服务热线。", open => false };
            public_page(&state, StatusCode::INTERNAL_SERVER_ERROR, "feedback.html", &ctx)
        }
    }
}

/// The questions a 回访 asks, in order.
const FEEDBACK_QUESTIONS: [(&str, &str); 4] = [
    ("response", "响应是否及时"),
    ("attitude", "工程师服务态度"),
    ("quality", "维修质量"),
    ("overall", "总体评价"),
];

async fn feedback_html(
    state: &AppState,
    token: &str,
    status: StatusCode,
    message: Option<&str>,
    error: Option<(String, String)>,
    typed: &[(String, String)],
) -> Response {
    use crate::domain::types::Satisfaction;
    let found = crate::service::service_desk::return_visits::by_link(&state.db, token, Utc::now()).await;
    let typed: std::collections::BTreeMap<&str, &str> = typed.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (error_field, error) = error.unzip();
    let (status, ctx) = match &found {
        Ok((visit, ticket, project)) => (
            status,
            minijinja::context! {
                action => format!("/feedback/{token}"),
                open => true,
                message => message,
                number => ticket.number,
                project_name => project.name,
                symptom => ticket.symptom,
                respondent => ticket.reporter_name,
                during => visit.stage == crate::domain::types::VisitStage::During,
                questions => FEEDBACK_QUESTIONS.iter().map(|(k, l)| minijinja::context! { key => k, label => l }).collect::<Vec<_>>(),
                scale => Satisfaction::ALL.iter().map(|s| minijinja::context! { value => s.as_str(), label => s.label_zh() }).collect::<Vec<_>>(),
                typed => typed,
                error_field => error_field,
                error => error,
            },
        ),
        Err(AppError::NotFound(_)) => (
            StatusCode::NOT_FOUND,
            minijinja::context! { open => false, message => "这个回访链接无效、已经提交过或已过期。如有意见，请拨打服务热线。" },
        ),
        Err(e) => {
            tracing::error!(error = %format_args!("{e:#}"), "the return-visit link could not be read");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                minijinja::context! { open => false, message => "暂时无法打开，请稍后再试。" },
            )
        }
    };
    public_page(state, status, "feedback.html", &ctx)
}

/// A page for someone with a link and no account: never cached, no referrer.
fn public_page(state: &AppState, status: StatusCode, name: &str, ctx: &minijinja::Value) -> Response {
    match state.templates.render(name, ctx) {
        Ok(html) => (status, html)
            .with_content_type("text/html; charset=utf-8")
            .with_header("Cache-Control", "no-store")
            .with_header("Referrer-Policy", "no-referrer")
            .into_response(),
        Err(e) => {
            tracing::error!(error = ?e, page = name, "a public page does not render");
            (StatusCode::INTERNAL_SERVER_ERROR, "页面暂时无法显示，请稍后再试。").into_response()
        }
    }
}
