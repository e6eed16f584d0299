use chrono::{DateTime, Utc};
use poem::Request;
use poem_openapi::{Object, OpenApi, payload::Json};

use super::types::OneOf;
use super::{ApiTags, BearerAuth, NoContent, actor, users::UserDto};
use crate::domain::types as kinds;
use crate::{
    error::ApiResult,
    service::{auth, feeds, users},
    state::AppState,
};

pub struct AuthApi {
    state: AppState,
}

impl AuthApi {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

#[derive(Object)]
struct LoginRequest {
    /// The account name, e.g. `admin`.
    username: String,
    /// The account password.
    password: String,
}

#[derive(Object)]
struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    token: String,
    /// When the token stops working; log in again after.
    expires_at: DateTime<Utc>,
}

/// Changes to your own account.
#[derive(Object)]
struct UpdateMe {
    /// Name shown on forms and in e-mails.
    #[oai(nullable)]
    display_name: Option<String>,
    /// Deadline reminders: daily, weekly (one digest on Mondays) or off.
    #[oai(nullable)]
    reminder_frequency: Option<OneOf<kinds::ReminderFrequency>>,
}

/// A new password for your own account.
#[derive(Object)]
struct PasswordChange {
    /// Your current password.
    current_password: String,
    /// At least 10 characters.
    new_password: String,
}

#[derive(Object)]
struct CalendarFeed {
    /// Secret iCalendar URL of all your projects' deadlines; add `?project=ID` for one project.
    /// Anyone with the URL can read it: rotate it if it leaks.
    url: String,
}

#[OpenApi(tag = "ApiTags::Auth")]
impl AuthApi {
    /// Log in
    ///
    /// Exchanges a username and password for a bearer token. Failed attempts are limited per
    /// account and per client address; past the limit the answer is 429 until the window passes.
    #[oai(path = "/auth/login", method = "post", operation_id = "login")]
    async fn login(&self, req: &Request, body: Json<LoginRequest>) -> ApiResult<Json<LoginResponse>> {
        let address = super::middleware::ClientIp::of(req).text();
        let issued = auth::login(
            &self.state.db,
            &self.state.settings,
            &body.username,
            &body.password,
            &address,
            Utc::now(),
        )
        .await?;
        Ok(Json(LoginResponse {
            token: issued.token,
            expires_at: issued.expires_at,
        }))
    }

    /// Change my password
    ///
    /// Checks the current password (wrong guesses count against the account's login limit); every
    /// other session of the account ends, this one stays.
    #[oai(path = "/auth/me/password", method = "post", operation_id = "change_password")]
    async fn change_password(&self, auth: BearerAuth, body: Json<PasswordChange>) -> ApiResult<NoContent> {
        let me = actor(&self.state, &auth).await?;
        users::change_own_password(
            &self.state.db,
            &self.state.settings,
            &me,
            auth.token(),
            &body.current_password,
            &body.new_password,
            Utc::now(),
        )
        .await?;
        Ok(NoContent::Done)
    }

    /// Log out
    ///
    /// Ends the session of the token sent.
    #[oai(path = "/auth/logout", method = "post", operation_id = "logout")]
    async fn logout(&self, auth: BearerAuth) -> ApiResult<NoContent> {
        actor(&self.state, &auth).await?;
        auth::logout(&self.state.db, auth.token()).await?;
        Ok(NoContent::Done)
    }

    /// Who am I
    ///
    /// The account behind the token.
    #[oai(path = "/auth/me", method = "get", operation_id = "me")]
    async fn me(&self, auth: BearerAuth) -> ApiResult<Json<UserDto>> {
        let me = actor(&self.state, &auth).await?;
        let id = me.id.unwrap_or_default();
        Ok(Json(users::get(&self.state.db, id).await?.into()))
    }

    /// Change my account
    ///
    /// Your display name and how often you get deadline reminders.
    #[oai(path = "/auth/me", method = "patch", operation_id = "update_me")]
    async fn update_me(&self, auth: BearerAuth, body: Json<UpdateMe>) -> ApiResult<Json<UserDto>> {
        let me = actor(&self.state, &auth).await?;
        let id = me.id.unwrap_or_default();
        let changes = users::UserChanges {
            display_name: body.0.display_name,
            reminder_frequency: body.0.reminder_frequency.map(Into::into),
            ..Default::default()
        };
        Ok(Json(
            users::update(&self.state.db, &me, id, changes, Utc::now())
                .await?
                .into(),
        ))
    }

    /// Create or rotate my calendar feed
    ///
    /// Returns a new secret feed URL for calendar clients; the previous URL stops working.
    #[oai(
        path = "/auth/me/calendar-feed",
        method = "post",
        operation_id = "rotate_calendar_feed"
    )]
    async fn rotate_feed(&self, auth: BearerAuth) -> ApiResult<Json<CalendarFeed>> {
        let me = actor(&self.state, &auth).await?;
        let token = feeds::rotate(&self.state.db, &me).await?;
        Ok(Json(CalendarFeed {
            url: format!("{}/feeds/{token}/calendar.ics", self.state.settings.base_url()),
        }))
    }

    /// Revoke my calendar feed
    #[oai(
        path = "/auth/me/calendar-feed",
        method = "delete",
        operation_id = "revoke_calendar_feed"
    )]
    async fn revoke_feed(&self, auth: BearerAuth) -> ApiResult<NoContent> {
        let me = actor(&self.state, &auth).await?;
        feeds::revoke(&self.state.db, &me).await?;
        Ok(NoContent::Done)
    }
}
