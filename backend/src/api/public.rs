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
