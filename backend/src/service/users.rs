//! Accounts: created and managed by administrators (API) or the operator (CLI).
use chrono::{DateTime, Utc};
use entity::{auth_token, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::{Actor, auth, history};
use crate::{
    db::begin_write,
    domain::types::{EmailAddress, ReminderFrequency, Role, optional_text, required_text},
    email::outbox,
    error::{AppError, AppResult},
};

pub struct NewUser {
    pub username: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub role: String,
    pub password: String,
    /// Sent to the account's address, when it has one, in the same transaction.
    pub mail: Option<PasswordMail>,
}

/// A message that tells an account its (new) password, queued with the change that sets it. The
/// outbox clears its body once it has left (`email::outbox::settle`), so the password does not
/// stay in the database.
pub struct PasswordMail {
    pub subject: String,
    pub text: String,
    pub retry_horizon: chrono::Duration,
}

/// The outbox kind of a password message.
pub const PASSWORD_MAIL: &str = "account_password";

/// Queues `mail` to `user` if they have an address; whether it was queued.
async fn queue_password_mail(
    txn: &impl ConnectionTrait,
    user: &user::Model,
    mail: Option<PasswordMail>,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let (Some(mail), Some(address)) = (mail, user.email.clone()) else {
        return Ok(false);
    };
    let email = outbox::NewEmail {
        key: format!("{PASSWORD_MAIL}:{}:{}", user.id, now.timestamp_micros()),
        kind: PASSWORD_MAIL.into(),
        project_id: None,
        to_address: address,
        to_name: Some(user.display_name.clone()),
        subject: mail.subject,
        text: mail.text,
        html: None,
        calendar: None,
    };
    outbox::enqueue(txn, email, mail.retry_horizon, now).await?;
    Ok(true)
}

#[derive(Default)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub email: Option<Option<String>>,
    pub role: Option<String>,
    pub disabled: Option<bool>,
    /// daily, weekly or off.
    pub reminder_frequency: Option<String>,
}

fn parse_username(value: &str) -> AppResult<String> {
    let v = value.trim().to_lowercase();
    let ok = (2..=40).contains(&v.len()) && v.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if ok {
        Ok(v)
    } else {
        Err(AppError::invalid(
            "username",
            format!("username: '{value}' must be 2–40 letters, digits, '.', '_' or '-'"),
        ))
    }
}

fn parse_email(value: Option<&str>) -> AppResult<Option<String>> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| EmailAddress::parse("email", v).map(EmailAddress::into_inner))
        .transpose()
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewUser,
    now: DateTime<Utc>,
) -> AppResult<user::Model> {
    super::access::administer(actor)?;
    let username = parse_username(&input.username)?;
    let display_name =
        optional_text("display_name", input.display_name.as_deref(), 60)?.unwrap_or_else(|| username.clone());
    let email = parse_email(input.email.as_deref())?;
    let role = Role::parse(&input.role)?;
    auth::check_password_strength(&input.password)?;
    let password_hash = auth::hash_password(&input.password).await?;

    let txn = begin_write(db).await?;
    if find_by_username(&txn, &username).await?.is_some() {
        return Err(AppError::Conflict(format!("username '{username}' is taken")));
    }
    let created = user::ActiveModel {
        username: Set(username.clone()),
        display_name: Set(display_name),
        email: Set(email),
        password_hash: Set(password_hash),
        role: Set(role),
        disabled: Set(false),
        reminder_frequency: Set(ReminderFrequency::Daily),
        feed_token_hash: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    queue_password_mail(&txn, &created, input.mail, now).await?;
    history::record(
        &txn,
        actor,
        now,
        vec![history::Change::new(None, "user", Some(created.id), "created").field(
            "role",
            None,
            Some(role.to_string()),
        )],
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Display names of the accounts `ids` (to show who a recorded id or username was), by id and by
/// username.
#[tracing::instrument(skip_all)]
pub async fn display_names(
    db: &impl ConnectionTrait,
    ids: Vec<i32>,
    usernames: Vec<String>,
) -> AppResult<Vec<(i32, String, String)>> {
    if ids.is_empty() && usernames.is_empty() {
        return Ok(Vec::new());
    }
    Ok(user::Entity::find()
        .filter(
            Condition::any()
                .add(user::Column::Id.is_in(ids))
                .add(user::Column::Username.is_in(usernames)),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.username, u.display_name))
        .collect())
}

#[tracing::instrument(skip_all)]
pub async fn find_by_username(db: &impl ConnectionTrait, username: &str) -> AppResult<Option<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::Username.eq(username.trim().to_lowercase()))
        .one(db)
        .await?)
}

/// An account as a manager may see it when adding people: no e-mail, no role.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UserRef {
    pub id: i32,
    pub username: String,
    pub display_name: String,
}

/// Active accounts whose username or name contains `q` (at most `limit`), for managers and
/// administrators adding people to a project.
#[tracing::instrument(skip_all)]
pub async fn search(db: &impl ConnectionTrait, actor: &Actor, q: &str, limit: u64) -> AppResult<Vec<UserRef>> {
    super::access::can_create_projects(actor)?;
    let q = q.trim();
    if q.is_empty() {
        return Ok(Vec::new());
    }
    let like = |c: user::Column| super::contains(c, q);
    Ok(user::Entity::find()
        .filter(user::Column::Disabled.eq(false))
        .filter(
            Condition::any()
                .add(like(user::Column::Username))
                .add(like(user::Column::DisplayName)),
        )
        .order_by_asc(user::Column::Username)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|u| UserRef {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
        })
        .collect())
}

#[tracing::instrument(skip_all)]
pub async fn list(db: &impl ConnectionTrait) -> AppResult<Vec<user::Model>> {
    Ok(user::Entity::find()
        .order_by_asc(user::Column::Username)
        .all(db)
        .await?)
}

#[tracing::instrument(skip_all)]
pub async fn get(db: &impl ConnectionTrait, id: i32) -> AppResult<user::Model> {
    user::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no user {id}")))
}

#[tracing::instrument(skip_all)]
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    changes: UserChanges,
    now: DateTime<Utc>,
) -> AppResult<user::Model> {
    // Users keep their own name, address and reminders; roles and accounts are the administrators'.
    let own = actor.id == Some(id) && changes.role.is_none() && changes.disabled.is_none();
    if !own {
        super::access::administer(actor)?;
    }
    let txn = begin_write(db).await?;
    let current = get(&txn, id).await?;
    let base = history::Change::new(None, "user", Some(id), "updated");
    let mut log = Vec::new();
    let mut model: user::ActiveModel = current.clone().into();
    if let Some(name) = changes.display_name {
        let name = required_text("display_name", &name, 60)?;
        history::diff(&mut log, &base, "display_name", &current.display_name, &name);
        model.display_name = Set(name);
    }
    if let Some(email) = changes.email {
        let email = parse_email(email.as_deref())?;
        history::diff(
            &mut log,
            &base,
            "email",
            &current.email.clone().unwrap_or_default(),
            &email.clone().unwrap_or_default(),
        );
        model.email = Set(email);
    }
    if let Some(role) = changes.role {
        let role = Role::parse(&role)?;
        if Some(id) == actor.id && role != Role::Admin {
            return Err(AppError::Conflict(
                "you cannot take the admin role from yourself".into(),
            ));
        }
        history::diff(&mut log, &base, "role", &current.role, &role);
        model.role = Set(role);
    }
    if let Some(f) = changes.reminder_frequency {
        let f = ReminderFrequency::parse(&f)?;
        history::diff(&mut log, &base, "reminder_frequency", &current.reminder_frequency, &f);
        model.reminder_frequency = Set(f);
    }
    if let Some(disabled) = changes.disabled {
        if Some(id) == actor.id && disabled {
            return Err(AppError::Conflict("you cannot disable your own account".into()));
        }
        history::diff(&mut log, &base, "disabled", &current.disabled, &disabled);
        model.disabled = Set(disabled);
        if disabled {
            auth_token::Entity::delete_many()
                .filter(auth_token::Column::UserId.eq(id))
                .exec(&txn)
                .await?;
        }
    }
    let updated = model.update(&txn).await?;
    history::record(&txn, actor, now, log).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Sets a new password (generated when `password` is None), ends the user's sessions and queues
/// `mail` to them when they have an address. Returns the password that was set.
#[tracing::instrument(skip_all)]
pub async fn reset_password(
    db: &DatabaseConnection,
    username: &str,
    password: Option<String>,
    mail: Option<PasswordMail>,
    now: DateTime<Utc>,
) -> AppResult<String> {
    let password = password.unwrap_or_else(auth::random_password);
    auth::check_password_strength(&password)?;
    let hash = auth::hash_password(&password).await?;
    let txn = begin_write(db).await?;
    let user = find_by_username(&txn, username)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no user '{username}'")))?;
    let id = user.id;
    queue_password_mail(&txn, &user, mail, now).await?;
    let mut model: user::ActiveModel = user.into();
    model.password_hash = Set(hash);
    model.update(&txn).await?;
    auth_token::Entity::delete_many()
        .filter(auth_token::Column::UserId.eq(id))
        .exec(&txn)
        .await?;
    history::record(
        &txn,
        &Actor::system(),
        now,
        vec![history::Change::new(None, "user", Some(id), "password_reset")],
    )
    .await?;
    txn.commit().await?;
    Ok(password)
}

/// On a database without users, creates `admin` with a random password and returns it.
#[tracing::instrument(skip_all)]
pub async fn ensure_initial_admin(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<Option<String>> {
    if user::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let password = auth::random_password();
    create(
        db,
        &Actor::system(),
        NewUser {
            username: "admin".into(),
            display_name: Some("系统管理员".into()),
            email: None,
            role: Role::Admin.as_str().into(),
            password: password.clone(),
            mail: None,
        },
        now,
    )
    .await?;
    Ok(Some(password))
}

/// A user changes their own password: the current one is checked (wrong guesses count against the
/// account's login budget), the new one must be strong, and every other session of theirs ends.
#[tracing::instrument(skip_all)]
pub async fn change_own_password(
    db: &DatabaseConnection,
    settings: &crate::config::Settings,
    actor: &Actor,
    keep_token: &str,
    current: &str,
    new: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let id = actor
        .id
        .ok_or_else(|| AppError::Forbidden("only people change their password".into()))?;
    let user = get(db, id).await?;
    let budget = super::throttle::Limit::new(
        format!("login-account:{}", user.username),
        settings.login_max_failures_per_account,
        settings.login_window_minutes,
    );
    super::throttle::take(db, &budget, "failed password checks", now).await?;
    if !auth::verify_password(&user.password_hash, current).await? {
        return Err(AppError::invalid(
            "current_password",
            "current_password: this is not your current password",
        ));
    }
    super::throttle::give_back(db, &budget.key).await?;
    auth::check_password_strength(new).map_err(|e| match e {
        AppError::Invalid { message, .. } => AppError::invalid("new_password", message),
        other => other,
    })?;
    let hash = auth::hash_password(new).await?;
    let txn = begin_write(db).await?;
    let mut model: user::ActiveModel = user.into();
    model.password_hash = Set(hash);
    model.update(&txn).await?;
    auth_token::Entity::delete_many()
        .filter(auth_token::Column::UserId.eq(id))
        .filter(auth_token::Column::TokenHash.ne(auth::hash_secret(keep_token)))
        .exec(&txn)
        .await?;
    history::record(
        &txn,
        actor,
        now,
        vec![history::Change::new(None, "user", Some(id), "password_changed")],
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
