use chrono::{DateTime, Utc};
use entity::user;
use poem_openapi::{Object, OpenApi, param::Path, payload::Json, types::MaybeUndefined};

use super::types::OneOf;
use super::{ApiTags, BearerAuth, actor};
use crate::domain::types as kinds;
use crate::{
    error::ApiResult,
    service::{Actor, users},
    state::AppState,
};

pub struct UsersApi {
    state: AppState,
}

impl UsersApi {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }

    async fn admin(&self, auth: &BearerAuth) -> ApiResult<Actor> {
        let me = actor(&self.state, auth).await?;
        crate::service::access::administer(&me)?;
        Ok(me)
    }
}

/// An account.
#[derive(Object)]
pub struct UserDto {
    /// Identifier.
    pub id: i32,
    /// Account name.
    pub username: String,
    /// Name shown on forms, e.g. 张伟.
    pub display_name: String,
    /// E-mail address.
    #[oai(nullable)]
    pub email: Option<String>,
    /// admin, manager, engineer or viewer.
    pub role: OneOf<kinds::Role>,
    /// A disabled account cannot log in.
    pub disabled: bool,
    /// Deadline reminders: daily, weekly (Mondays) or off.
    pub reminder_frequency: OneOf<kinds::ReminderFrequency>,
    /// When it was created (UTC).
    pub created_at: DateTime<Utc>,
}

impl From<user::Model> for UserDto {
    fn from(u: user::Model) -> Self {
        Self {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            email: u.email,
            role: u.role.into(),
            disabled: u.disabled,
            reminder_frequency: u.reminder_frequency.into(),
            created_at: u.created_at,
        }
    }
}

#[derive(Object)]
struct CreateUser {
    /// 2–40 letters, digits, '.', '_' or '-'; stored in lower case.
    username: String,
    /// Name shown on forms, e.g. 张工; defaults to the username.
    #[oai(nullable)]
    display_name: Option<String>,
    /// E-mail address for notifications.
    #[oai(nullable)]
    email: Option<String>,
    /// admin, manager, engineer or viewer.
    role: OneOf<kinds::Role>,
    /// At least 10 characters.
    password: String,
}

#[derive(Object)]
struct UpdateUser {
    /// Name shown on forms, e.g. 张伟.
    #[oai(nullable)]
    display_name: Option<String>,
    /// Null clears it.
    #[oai(nullable)]
    email: MaybeUndefined<String>,
    /// admin, manager, engineer or viewer.
    #[oai(nullable)]
    role: Option<OneOf<kinds::Role>>,
    /// A disabled account cannot log in; its sessions end at once.
    #[oai(nullable)]
    disabled: Option<bool>,
    /// Deadline reminders: daily, weekly (Mondays) or off.
    #[oai(nullable)]
    reminder_frequency: Option<OneOf<kinds::ReminderFrequency>>,
}

/// An account as a manager sees it when adding people.
#[derive(Object)]
struct UserRefDto {
    /// Identifier.
    id: i32,
    /// Login name.
    username: String,
    /// Name shown to people.
    display_name: String,
}

#[OpenApi(tag = "ApiTags::Users")]
impl UsersApi {
    /// Find people to add to a project
    ///
    /// Managers and administrators. Active accounts whose username or name contains `q` (at most
    /// 20), with their id, username and name only.
    #[oai(path = "/users/search", method = "get", operation_id = "search_users")]
    async fn search(
        &self,
        auth: BearerAuth,
        /// Part of a username or name, e.g. 张 or zhang.
        q: poem_openapi::param::Query<String>,
    ) -> ApiResult<Json<Vec<UserRefDto>>> {
        let me = actor(&self.state, &auth).await?;
        let found = users::search(&self.state.db, &me, &q.0, 20).await?;
        Ok(Json(
            found
                .into_iter()
                .map(|u| UserRefDto {
                    id: u.id,
                    username: u.username,
                    display_name: u.display_name,
                })
                .collect(),
        ))
    }

    /// List accounts
    #[oai(path = "/users", method = "get", operation_id = "list_users")]
    async fn list(&self, auth: BearerAuth) -> ApiResult<Json<Vec<UserDto>>> {
        self.admin(&auth).await?;
        Ok(Json(
            users::list(&self.state.db).await?.into_iter().map(Into::into).collect(),
        ))
    }

    /// Create an account
    #[oai(path = "/users", method = "post", operation_id = "create_user")]
    async fn create(&self, auth: BearerAuth, body: Json<CreateUser>) -> ApiResult<Json<UserDto>> {
        let me = self.admin(&auth).await?;
        let b = body.0;
        let created = users::create(
            &self.state.db,
            &me,
            users::NewUser {
                username: b.username,
                display_name: b.display_name,
                email: b.email,
                role: b.role.into(),
                password: b.password,
                mail: None,
            },
            Utc::now(),
        )
        .await?;
        Ok(Json(created.into()))
    }

    /// Change an account
    ///
    /// Set the role, disable or enable, change name or email.
    #[oai(path = "/users/:id", method = "patch", operation_id = "update_user")]
    async fn update(
        &self,
        auth: BearerAuth,
        /// User id.
        id: Path<i32>,
        body: Json<UpdateUser>,
    ) -> ApiResult<Json<UserDto>> {
        let me = self.admin(&auth).await?;
        let b = body.0;
        let email = match b.email {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(v) => Some(Some(v)),
        };
        let updated = users::update(
            &self.state.db,
            &me,
            id.0,
            users::UserChanges {
                display_name: b.display_name,
                email,
                role: b.role.map(Into::into),
                disabled: b.disabled,
                reminder_frequency: b.reminder_frequency.map(Into::into),
            },
            Utc::now(),
        )
        .await?;
        Ok(Json(updated.into()))
    }
}
