//! 口令移交: the delivered system's device and system accounts (no password is ever listed), a
//! password revealed to the PM in its row once they re-enter their own, and the handover to the
//! client's designated person by a link that opens once.
use chrono::Utc;
use minijinja::context;
use poem::{
    Response, handler,
    http::StatusCode,
    web::{Data, Form, Path, cookie::CookieJar},
};

use super::{
    Fields, render,
    session::{self, Session, see_other},
};
use crate::{
    domain::types::{CredentialKind, SignParty},
    error::AppError,
    service::{
        access::{Granted, Manage, MayRead, Read, RecordWork},
        credentials::{self, CredentialInput, HANDOVER, HandoverInput},
        projects::timezone_of,
        signing::Signed,
    },
    state::AppState,
};

/// What a page shows beside one of its forms: an error, or (once) a revealed password.
#[derive(Default)]
struct Said {
    /// The form: `add`, `handover`, or `reveal-{id}`.
    at: String,
    error: Option<String>,
    /// Field → message, for the add form.
    fields: std::collections::BTreeMap<&'static str, String>,
    revealed: Option<String>,
    typed: Vec<(String, String)>,
}

#[handler]
pub async fn page(state: Data<&AppState>, jar: &CookieJar, me: Session, Path(id): Path<i32>) -> Response {
    let p = match super::granted::<Read>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    show(
        &state,
        &me,
        &p,
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
    status: StatusCode,
    flash: Option<String>,
    said: Said,
) -> Response {
    let (accounts, handovers) = match (
        credentials::list(&state.db, p).await,
        credentials::handovers(&state.db, p).await,
    ) {
        (Ok(a), Ok(h)) => (a, h),
        (Err(e), _) | (_, Err(e)) => return super::refusal(state, me, e),
    };
    let tz = timezone_of(p.project());
    let minute = |t: chrono::DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    let rows: Vec<_> = accounts
        .iter()
        .map(|c| {
            let here = said.at == format!("reveal-{}", c.id);
            context! {
                id => c.id, target => c.target, kind => c.kind.label_zh(), address => c.address,
                account => c.account, role => c.role, remark => c.remark,
                revealed => if here { said.revealed.clone() } else { None },
                error => if here { said.error.clone() } else { None },
            }
        })
        .collect();
    let handovers: Vec<_> = handovers
        .iter()
        .map(|h| {
            context! {
                id => h.handover.id,
                recipient => h.handover.recipient_name,
                email => h.handover.recipient_email,
                made => minute(h.handover.created_at),
                accounts => h.items.len(),
                acknowledged => h.handover.acknowledged_at.map(minute),
                ours => h.signature(HANDOVER, SignParty::Ours).map(|s| s.signer_name.clone()),
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
        nav => "projects",
        tab => "credentials",
        project => super::project_ctx(p),
        crumbs => super::project_crumbs(p, "口令移交", "credentials", None),
        flash => flash,
        accounts => rows,
        handovers => handovers,
        kinds => super::choices(CredentialKind::ALL, |k| (k.as_str(), k.label_zh())),
        can_record => p.may::<RecordWork>(),
        can_manage => p.may::<Manage>(),
        add_errors => if said.at == "add" { said.fields.clone() } else { Default::default() },
        handover_error => if said.at == "handover" { said.error.clone() } else { None },
        typed => context! {
            target => typed("target"), kind => typed("kind"), address => typed("address"), account => typed("account"),
            role => typed("role"), remark => typed("remark"), recipient_name => typed("recipient_name"),
            recipient_email => typed("recipient_email"), recipient_role => typed("recipient_role"),
        },
    };
    render(state, status, "credentials.html", Some(me), ctx)
}

/// An account recorded from the page; errors beside their fields, the password never shown again.
#[handler]
pub async fn add(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path(id): Path<i32>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<RecordWork>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let f = Fields(fields);
    let typed: Vec<(String, String)> = ["target", "kind", "address", "account", "role", "remark"]
        .iter()
        .map(|k| (k.to_string(), f.get(k)))
        .collect();
    let refuse = |field: &'static str, message: &str| Said {
        at: "add".into(),
        fields: std::collections::BTreeMap::from([(field, message.to_string())]),
        typed: typed.clone(),
        ..Default::default()
    };
    let Ok(kind) = CredentialKind::parse(&f.get("kind")) else {
        let said = refuse("kind", "请选择设备或系统。");
        return show(&state, &me, &p, StatusCode::UNPROCESSABLE_ENTITY, None, said).await;
    };
    let input = CredentialInput {
        target: f.get("target"),
        kind,
        address: f.optional("address"),
        account: f.get("account"),
        password: f.optional("password"),
        role: f.optional("role"),
        remark: f.optional("remark"),
    };
    match credentials::add(&state, &p, input, Utc::now()).await {
        Ok(c) => {
            session::set_flash(
                jar,
                &format!("已记录 {} 的账号 {}，口令已加密保存。", c.target, c.account),
            );
            see_other(&format!("/projects/{id}/credentials#accounts"))
        }
        Err(AppError::Invalid { field, .. }) => {
            let (at, message) = match field.as_deref() {
                Some("target") => ("target", "请填写设备或系统的名称。"),
                Some("account") => ("account", "请填写账号。"),
                Some("password") => ("password", "请填写口令（不超过 200 个字符）。"),
                Some("address") => ("address", "地址过长。"),
                Some("role") => ("role", "权限说明过长。"),
                _ => ("remark", "备注过长。"),
            };
            show(
                &state,
                &me,
                &p,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                refuse(at, message),
            )
            .await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// A password shown in its row to the PM who re-entered their own; the answer is not stored
/// anywhere (no redirect, no flash, `no-store`).
#[handler]
pub async fn reveal(
    state: Data<&AppState>,
    me: Session,
    Path((id, credential)): Path<(i32, i32)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let own = Fields(fields).get("password");
    let at = format!("reveal-{credential}");
    match credentials::reveal(&state, &p, credential, &own, Utc::now()).await {
        Ok((_, password)) => {
            let said = Said {
                at,
                revealed: Some(password),
                ..Default::default()
            };
            show(&state, &me, &p, StatusCode::OK, None, said).await
        }
        Err(e @ (AppError::Invalid { .. } | AppError::TooManyRequests { .. })) => {
            let message = match &e {
                AppError::TooManyRequests { retry_after_secs, .. } => {
                    format!("输错次数过多，请 {} 分钟后再试。", retry_after_secs.div_ceil(60))
                }
                _ => "这不是您的登录密码：请输入您自己的登录密码后再查看。".to_string(),
            };
            let said = Said {
                at,
                error: Some(message),
                ..Default::default()
            };
            show(&state, &me, &p, e.status(), None, said).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// The accounts handed to the client's designated person: a link by e-mail that opens once.
#[handler]
pub async fn hand_over(
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
    let typed: Vec<(String, String)> = ["recipient_name", "recipient_email", "recipient_role"]
        .iter()
        .map(|k| (k.to_string(), f.get(k)))
        .collect();
    let input = HandoverInput {
        recipient_name: f.get("recipient_name"),
        recipient_email: f.get("recipient_email"),
        recipient_role: f.optional("recipient_role"),
        credentials: Vec::new(),
    };
    match credentials::hand_over(&state, &p, input, Utc::now()).await {
        Ok((data, _)) => {
            session::set_flash(
                jar,
                &format!(
                    "已向 {} 发送一次性链接（不含口令）：打开后可查看 {} 个账号的口令并签收。",
                    data.handover.recipient_name,
                    data.items.len()
                ),
            );
            see_other(&format!("/projects/{id}/credentials#handovers"))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let message = match &e {
                AppError::Invalid { field, .. } if field.as_deref() == Some("recipient_name") => {
                    "请填写甲方接收人的姓名。"
                }
                AppError::Invalid { .. } => "请填写接收人正确的电子邮箱。",
                AppError::Conflict(m) if m.contains("initial acceptance") => {
                    "系统初验报告和备忘录双方签字后才能移交口令。"
                }
                _ => "还没有可移交的账号：请先记录设备和系统的账号。",
            };
            let said = Said {
                at: "handover".into(),
                error: Some(message.into()),
                typed,
                ..Default::default()
            };
            show(&state, &me, &p, e.status(), None, said).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}
