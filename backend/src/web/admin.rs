//! Administration: accounts (add with a generated password shown once, role, disable / enable,
//! reset password) and the plans with their phases.
use chrono::Utc;
use minijinja::context;
use poem::{
    FromRequest, Request, RequestBody, Response, handler,
    http::StatusCode,
    web::{Data, Form, Path, cookie::CookieJar},
};
use serde::Deserialize;

use super::{render, session};
use crate::{
    domain::{plan::DayBasis, types::Role},
    error::AppError,
    service::{access, users},
    state::AppState,
};

/// A signed-in administrator: a handler that takes one is never reached by anyone else.
pub struct Admin(session::Session);

impl<'a> FromRequest<'a> for Admin {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        let me = session::Session::from_request(req, body).await?;
        match (access::administer(&me.actor), req.data::<AppState>()) {
            (Ok(()), _) => Ok(Admin(me)),
            (Err(_), Some(state)) => Err(poem::Error::from_response(render(
                state,
                StatusCode::FORBIDDEN,
                "error.html",
                Some(&me),
                context! { title => "无权操作", message => "账户和交付计划只有管理员可以管理；如需调整，请联系系统管理员。" },
            ))),
            (Err(_), None) => Err(poem::Error::from_status(StatusCode::FORBIDDEN)),
        }
    }
}

/// The accounts page with a refused 修改 form of one row: its values and the error next to the field.
async fn accounts_with(state: &AppState, me: &session::Session, status: StatusCode, row: minijinja::Value) -> Response {
    accounts_page(state, me, status, None, Default::default(), context! {}, Some(row)).await
}

/// The accounts page, with a one-time message (a new password) and errors next to their fields.
async fn accounts(
    state: &AppState,
    me: &session::Session,
    status: StatusCode,
    notice: Option<String>,
    errors: std::collections::BTreeMap<String, String>,
    values: minijinja::Value,
) -> Response {
    accounts_page(state, me, status, notice, errors, values, None).await
}

async fn accounts_page(
    state: &AppState,
    me: &session::Session,
    status: StatusCode,
    notice: Option<String>,
    errors: std::collections::BTreeMap<String, String>,
    values: minijinja::Value,
    row_error: Option<minijinja::Value>,
) -> Response {
    let all = match users::list(&state.db).await {
        Ok(all) => all,
        Err(e) => return super::refusal(state, me, e),
    };
    let rows: Vec<_> = all
        .iter()
        .map(|u| {
            context! {
                id => u.id,
                username => u.username,
                name => u.display_name,
                email => u.email,
                role => u.role.as_str(),
                disabled => u.disabled,
                is_me => Some(u.id) == me.actor.id,
            }
        })
        .collect();
    let roles = super::choices(Role::ALL, |r| (r.as_str(), role_label(r)));
    render(
        state,
        status,
        "admin_users.html",
        Some(me),
        context! { nav => "admin", tab => "users", rows => rows, roles => roles, notice => notice, errors => errors, values => values, row_error => row_error, flash => None::<String> },
    )
}

fn role_label(r: Role) -> &'static str {
    match r {
        Role::Admin => "管理员",
        Role::Manager => "项目主管",
        Role::Engineer => "工程师",
        Role::Viewer => "只读",
    }
}

#[handler]
pub async fn users_page(state: Data<&AppState>, jar: &CookieJar, admin: Admin) -> Response {
    let me = &admin.0;
    let flash = session::take_flash(jar);
    accounts(&state, me, StatusCode::OK, flash, Default::default(), context! {}).await
}

#[derive(Deserialize)]
pub struct NewAccount {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

/// The message that tells an account its password, when mail leaves through an SMTP server (with
/// the embedded default mail is written to files on this server, so the page shows the password).
fn password_mail(
    state: &AppState,
    me: &session::Session,
    name: &str,
    username: &str,
    role: Role,
    password: &str,
    reset: bool,
) -> Result<Option<users::PasswordMail>, AppError> {
    if state.settings.smtp_url.is_none() {
        return Ok(None);
    }
    let ctx = context! {
        name => name,
        username => username,
        role => role_label(role),
        password => password,
        reset => reset,
        by => me.actor.name,
        login_url => format!("{}/login", state.settings.base_url()),
    };
    let env = &state.templates.env;
    Ok(Some(users::PasswordMail {
        subject: crate::email::messages::render(env, "account_password.subject.txt", &ctx)?,
        text: crate::email::messages::render(env, "account_password.txt", &ctx)?,
        retry_horizon: chrono::Duration::hours(state.settings.mail_retry_horizon_hours),
    }))
}

#[handler]
pub async fn create_user(state: Data<&AppState>, admin: Admin, Form(f): Form<NewAccount>) -> Response {
    let me = &admin.0;
    let password = crate::service::auth::random_password();
    let name = Some(f.display_name.trim()).filter(|n| !n.is_empty());
    // As the account will be stored (usernames are lower case).
    let username = f.username.trim().to_lowercase();
    let mail = match password_mail(
        &state,
        me,
        name.unwrap_or(&username),
        &username,
        Role::parse(&f.role).unwrap_or(Role::Viewer),
        &password,
        false,
    ) {
        Ok(mail) => mail,
        Err(e) => return super::refusal(&state, me, e),
    };
    let input = users::NewUser {
        username: f.username.clone(),
        display_name: name.map(str::to_string),
        email: Some(f.email.clone()).filter(|e| !e.trim().is_empty()),
        role: f.role.clone(),
        password: password.clone(),
        mail,
    };
    let mailed = input.mail.is_some();
    match users::create(&state.db, &me.actor, input, Utc::now()).await {
        Ok(created) => {
            let notice = match (&created.email, mailed) {
                (Some(address), true) => format!(
                    "账户 {} 已创建，初始密码已发送到 {address}（页面不再显示；本人登录后在“我的设置”中修改）。",
                    created.username
                ),
                _ => format!(
                    "账户 {} 已创建。初始密码：{password}（只显示这一次，请当面或电话告知本人，登录后在“我的设置”中修改）",
                    created.username
                ),
            };
            accounts(
                &state,
                me,
                StatusCode::OK,
                Some(notice),
                Default::default(),
                context! {},
            )
            .await
        }
        Err(e) => {
            let (field, message, status) = match e {
                AppError::Invalid { field, message } => (
                    field.unwrap_or_else(|| "username".into()),
                    message,
                    StatusCode::UNPROCESSABLE_ENTITY,
                ),
                AppError::Conflict(_) => (
                    "username".to_string(),
                    "这个用户名已被使用。".to_string(),
                    StatusCode::CONFLICT,
                ),
                other => return super::refusal(&state, me, other),
            };
            let message = match field.as_str() {
                "username" if status == StatusCode::UNPROCESSABLE_ENTITY => {
                    "用户名为 2–40 个字母、数字或 . _ -，例如 zhang.wei。".to_string()
                }
                "email" => "请填写有效的电子邮件地址，或留空。".to_string(),
                "role" => "请选择角色。".to_string(),
                _ => message,
            };
            let values =
                context! { username => f.username, display_name => f.display_name, email => f.email, role => f.role };
            accounts(
                &state,
                me,
                status,
                None,
                std::collections::BTreeMap::from([(field, message)]),
                values,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct AccountChange {
    role: Option<String>,
    /// "disable" or "enable".
    state: Option<String>,
    /// The name and address, from the row's 修改 form (an empty address removes it).
    display_name: Option<String>,
    email: Option<String>,
}

#[handler]
pub async fn change_user(
    state: Data<&AppState>,
    jar: &CookieJar,
    admin: Admin,
    Path(id): Path<i32>,
    Form(f): Form<AccountChange>,
) -> Response {
    let me = &admin.0;
    let profile = f.display_name.is_some() || f.email.is_some();
    let changes = users::UserChanges {
        role: f.role.clone(),
        disabled: f.state.as_deref().map(|s| s == "disable"),
        display_name: f.display_name.clone(),
        email: f.email.clone().map(|e| Some(e).filter(|e| !e.trim().is_empty())),
        ..Default::default()
    };
    match users::update(&state.db, &me.actor, id, changes, Utc::now()).await {
        Ok(u) => {
            let what = match (f.state.as_deref(), u.disabled) {
                (Some(_), true) => format!("{} 已停用，其登录已全部失效。", u.username),
                (Some(_), false) => format!("{} 已启用。", u.username),
                _ if profile => format!("{} 的姓名和电子邮件已保存。", u.username),
                _ => format!("{} 的角色已改为{}。", u.username, role_label(u.role)),
            };
            session::set_flash(jar, &what);
            session::see_other(&format!("/admin/users#user-{id}"))
        }
        Err(AppError::Invalid { field, .. }) if profile => {
            let message = match field.as_deref() {
                Some("email") => "请填写有效的电子邮件地址，或留空。",
                _ => "请填写姓名（不超过 60 字）。",
            };
            let row = context! {
                id => id,
                field => field,
                message => message,
                display_name => f.display_name,
                email => f.email,
            };
            accounts_with(&state, me, StatusCode::UNPROCESSABLE_ENTITY, row).await
        }
        Err(e) => super::refusal(&state, me, e),
    }
}

#[handler]
pub async fn reset_password(state: Data<&AppState>, admin: Admin, Path(id): Path<i32>) -> Response {
    let me = &admin.0;
    let outcome = async {
        let user = users::get(&state.db, id).await?;
        let password = crate::service::auth::random_password();
        let mail = password_mail(
            &state,
            me,
            &user.display_name,
            &user.username,
            user.role,
            &password,
            true,
        )?
        .filter(|_| user.email.is_some());
        let mailed_to = mail.as_ref().and(user.email.clone());
        users::reset_password(&state.db, &user.username, Some(password.clone()), mail, Utc::now()).await?;
        Ok::<_, AppError>((user.username, password, mailed_to))
    }
    .await;
    match outcome {
        Ok((username, password, mailed_to)) => {
            let notice = match mailed_to {
                Some(address) => format!("{username} 的新密码已发送到 {address}；其原有登录已全部失效。"),
                None => format!("{username} 的新密码：{password}（只显示这一次；其原有登录已全部失效）"),
            };
            accounts(
                &state,
                me,
                StatusCode::OK,
                Some(notice),
                Default::default(),
                context! {},
            )
            .await
        }
        Err(e) => super::refusal(&state, me, e),
    }
}

/// The delivery plans with their phases, deadlines (days after signing) and reminder rules. Plans
/// are added through the API (`POST /api/plans`) or shipped under `templates/plans/`.
#[handler]
pub async fn plans_page(state: Data<&AppState>, admin: Admin) -> Response {
    let me = &admin.0;
    let shown = async {
        let mut shown = Vec::new();
        for plan in crate::service::plans::list(&state.db).await? {
            let def = crate::service::plans::definition(&plan)?;
            let basis = match def.day_basis {
                DayBasis::Calendar => "日历日".to_string(),
                DayBasis::Working => format!("工作日（节假日日历 {}）", def.calendar.as_deref().unwrap_or("—")),
            };
            let phases: Vec<_> = def
                .phases
                .iter()
                .map(|ph| {
                    let tasks: Vec<_> = ph
                        .tasks
                        .iter()
                        .map(|t| {
                            context! {
                                name => t.name,
                                offset => t.offset_days.filter(|o| *o != ph.offset_days),
                                waits_on_client => t.waits_on_client,
                            }
                        })
                        .collect();
                    context! { name => ph.name, offset => ph.offset_days, tasks => tasks }
                })
                .collect();
            let r = &def.reminders;
            let reminders = format!(
                "到期前 {} 天提醒{}；逾期后每天提醒，最多 {} 天{}",
                r.days_before.iter().map(u32::to_string).collect::<Vec<_>>().join("、"),
                if r.on_due_day { "，到期当天提醒" } else { "" },
                r.overdue_days,
                if r.escalate_after_days > 0 {
                    format!("；逾期 {} 天告知项目主管", r.escalate_after_days)
                } else {
                    String::new()
                },
            );
            shown.push(context! {
                code => plan.code,
                name => plan.name,
                builtin => plan.builtin,
                basis => basis,
                phases => phases,
                reminders => reminders,
            });
        }
        Ok::<_, AppError>(shown)
    }
    .await;
    match shown {
        Ok(plans) => render(
            &state,
            StatusCode::OK,
            "admin_plans.html",
            Some(me),
            context! { nav => "admin", tab => "plans", plans => plans },
        ),
        Err(e) => super::refusal(&state, me, e),
    }
}

#[derive(Deserialize)]
pub struct OutboxQuery {
    status: Option<String>,
    page: Option<u64>,
}

const OUTBOX_PER_PAGE: u64 = 50;

fn outbox_status_zh(status: crate::domain::types::OutboxStatus) -> (&'static str, &'static str) {
    use crate::domain::types::OutboxStatus as S;
    match status {
        S::Queued => ("排队中", "todo"),
        S::Sending => ("发送中", "soon"),
        S::Sent => ("已发送", "done"),
        S::Failed => ("发送失败", "overdue"),
        S::Cancelled => ("已取消", "todo"),
    }
}

/// 发件箱: every message with its status, attempts and the mail server's last reply; a failed one
/// retried, a queued one cancelled.
#[handler]
pub async fn outbox_page(
    state: Data<&AppState>,
    jar: &CookieJar,
    admin: Admin,
    poem::web::Query(q): poem::web::Query<OutboxQuery>,
) -> Response {
    let me = &admin.0;
    let page = q.page.unwrap_or(1).max(1);
    let status = q.status.clone().filter(|s| !s.trim().is_empty());
    let filter = crate::email::outbox::OutboxFilter {
        status: status.clone(),
        kind: None,
        to: None,
        project_id: None,
        page,
        per_page: OUTBOX_PER_PAGE,
    };
    let (rows, total) = match crate::email::outbox::list(&state.db, filter).await {
        Ok(found) => found,
        Err(e) => return super::refusal(&state, me, e),
    };
    let tz = state.settings.timezone;
    let time = |t: chrono::DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    let messages: Vec<_> = rows
        .iter()
        .map(|m| {
            let (label, class) = outbox_status_zh(m.status);
            context! {
                id => m.id, to => m.to_address, to_name => m.to_name, subject => m.subject, kind => m.kind,
                status => m.status.as_str(), label => label, class => class, attempts => m.attempts,
                last_error => m.last_error, created => time(m.created_at), sent => m.sent_at.map(time),
                next => time(m.next_attempt_at),
            }
        })
        .collect();
    let statuses = super::choices(crate::domain::types::OutboxStatus::ALL, |s| {
        (s.as_str(), outbox_status_zh(s).0)
    });
    let pages = total.div_ceil(OUTBOX_PER_PAGE).max(1);
    let here = |page: u64| format!("/admin/outbox?status={}&page={page}", status.as_deref().unwrap_or(""));
    render(
        &state,
        StatusCode::OK,
        "admin_outbox.html",
        Some(me),
        context! {
            nav => "admin", tab => "outbox", flash => session::take_flash(jar),
            messages => messages, total => total, page => page, pages => pages,
            previous => (page > 1).then(|| here(page - 1)), next => (page < pages).then(|| here(page + 1)),
            status => status, statuses => statuses,
        },
    )
}

/// Retries a failed (or cancelled) message, or cancels a queued one.
#[handler]
pub async fn outbox_act(
    state: Data<&AppState>,
    jar: &CookieJar,
    admin: Admin,
    Path((id, action)): Path<(i64, String)>,
) -> Response {
    let me = &admin.0;
    let done = match action.as_str() {
        "retry" => {
            let horizon = chrono::Duration::hours(state.settings.mail_retry_horizon_hours);
            crate::email::outbox::retry(&state.db, id, horizon, Utc::now())
                .await
                .map(|_| "已重新排队，将尽快发送。")
        }
        "cancel" => crate::email::outbox::cancel(&state.db, id)
            .await
            .map(|_| "已取消，不会再发送。"),
        _ => return StatusCode::NOT_FOUND.into(),
    };
    match done {
        Ok(message) => session::set_flash(jar, &format!("邮件 #{id}：{message}")),
        Err(AppError::Conflict(m)) => {
            let why = if m.contains("password") {
                "这封邮件带有密码，内容已删除，不能重发；请重新重置密码。"
            } else if action == "retry" {
                "只有发送失败或已取消的邮件可以重发。"
            } else {
                "只有排队中的邮件可以取消。"
            };
            session::set_flash(jar, &format!("邮件 #{id}：{why}"));
        }
        Err(e) => return super::refusal(&state, me, e),
    }
    session::see_other(&format!("/admin/outbox#message-{id}"))
}
