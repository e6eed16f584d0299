//! 我的设置: one's own password, reminder digest and calendar subscription.
use chrono::Utc;
use minijinja::context;
use poem::{
    Response, handler,
    http::StatusCode,
    web::{Data, Form, cookie::CookieJar},
};
use serde::Deserialize;

use super::{
    render,
    session::{self, Session},
};
use crate::{
    domain::types::ReminderFrequency,
    error::AppError,
    service::{feeds, users},
    state::AppState,
};

async fn page(
    state: &AppState,
    me: &session::Session,
    status: StatusCode,
    flash: Option<String>,
    errors: std::collections::BTreeMap<&'static str, String>,
    feed_url: Option<String>,
) -> Response {
    let user = match users::get(&state.db, me.actor.id.unwrap_or_default()).await {
        Ok(u) => u,
        Err(e) => return super::refusal(state, me, e),
    };
    let frequencies: Vec<_> = ReminderFrequency::ALL
        .iter()
        .map(|f| {
            let label = match f {
                ReminderFrequency::Daily => "每天（到期前后提醒）",
                ReminderFrequency::Weekly => "每周一汇总",
                ReminderFrequency::Off => "不提醒",
            };
            context! { value => f.as_str(), label => label }
        })
        .collect();
    render(
        state,
        status,
        "settings.html",
        Some(me),
        context! {
            flash => flash,
            errors => errors,
            frequency => user.reminder_frequency.as_str(),
            frequencies => frequencies,
            has_feed => user.feed_token_hash.is_some(),
            email => user.email,
            feed_url => feed_url,
        },
    )
}

#[handler]
pub async fn show(state: Data<&AppState>, jar: &CookieJar, me: Session) -> Response {
    let flash = session::take_flash(jar);
    page(&state, &me, StatusCode::OK, flash, Default::default(), None).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_again: String,
}

#[handler]
pub async fn change_password(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Form(f): Form<PasswordForm>,
) -> Response {
    if f.new_password != f.new_password_again {
        let errors = std::collections::BTreeMap::from([("new_password_again", "两次输入的新密码不一致。".to_string())]);
        return page(&state, &me, StatusCode::UNPROCESSABLE_ENTITY, None, errors, None).await;
    }
    let changed = users::change_own_password(
        &state.db,
        &state.settings,
        &me.actor,
        &me.token,
        &f.current_password,
        &f.new_password,
        Utc::now(),
    )
    .await;
    match changed {
        Ok(()) => {
            session::set_flash(jar, "密码已修改；您在其他设备上的登录已失效。");
            session::see_other("/me")
        }
        Err(AppError::Invalid { field, .. }) => {
            let (key, message) = match field.as_deref() {
                Some("current_password") => ("current_password", "当前密码不正确。"),
                _ => (
                    "new_password",
                    "新密码至少 10 个字符，且不能是连续或重复的字符（如 1234567890、aaaaaaaaaa）。",
                ),
            };
            let errors = std::collections::BTreeMap::from([(key, message.to_string())]);
            page(&state, &me, StatusCode::UNPROCESSABLE_ENTITY, None, errors, None).await
        }
        Err(AppError::TooManyRequests { retry_after_secs, .. }) => {
            let errors = std::collections::BTreeMap::from([(
                "current_password",
                format!("尝试次数过多，请 {} 分钟后再试。", retry_after_secs.div_ceil(60)),
            )]);
            page(&state, &me, StatusCode::TOO_MANY_REQUESTS, None, errors, None).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

#[derive(Deserialize)]
pub struct ReminderForm {
    #[serde(default)]
    reminder_frequency: String,
}

#[handler]
pub async fn reminders(state: Data<&AppState>, jar: &CookieJar, me: Session, Form(f): Form<ReminderForm>) -> Response {
    let changes = users::UserChanges {
        reminder_frequency: Some(f.reminder_frequency),
        ..Default::default()
    };
    match users::update(
        &state.db,
        &me.actor,
        me.actor.id.unwrap_or_default(),
        changes,
        Utc::now(),
    )
    .await
    {
        Ok(_) => {
            session::set_flash(jar, "提醒方式已保存。");
            session::see_other("/me")
        }
        Err(AppError::Invalid { .. }) => {
            let errors = std::collections::BTreeMap::from([("reminder_frequency", "请选择一种提醒方式。".to_string())]);
            page(&state, &me, StatusCode::UNPROCESSABLE_ENTITY, None, errors, None).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

#[derive(Deserialize)]
pub struct FeedForm {
    /// "rotate" or "revoke".
    #[serde(default)]
    action: String,
}

/// Creates (or replaces) the secret calendar URL and shows it once, or revokes it.
#[handler]
pub async fn feed(state: Data<&AppState>, jar: &CookieJar, me: Session, Form(f): Form<FeedForm>) -> Response {
    if f.action == "revoke" {
        return match feeds::revoke(&state.db, &me.actor).await {
            Ok(()) => {
                session::set_flash(jar, "日历订阅地址已停用。");
                session::see_other("/me")
            }
            Err(e) => super::refusal(&state, &me, e),
        };
    }
    // Whether there was an address before, which the new one replaces.
    let replaced = match users::get(&state.db, me.actor.id.unwrap_or_default()).await {
        Ok(u) => u.feed_token_hash.is_some(),
        Err(e) => return super::refusal(&state, &me, e),
    };
    match feeds::rotate(&state.db, &me.actor).await {
        Ok(token) => {
            let url = format!("{}/feeds/{token}/calendar.ics", state.settings.base_url());
            let message = if replaced {
                "新的日历订阅地址如下（只显示这一次，旧地址已失效）。"
            } else {
                "日历订阅地址如下（只显示这一次）。请复制到日历软件的“订阅日历”中。"
            };
            page(
                &state,
                &me,
                StatusCode::OK,
                Some(message.into()),
                Default::default(),
                Some(url),
            )
            .await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}
