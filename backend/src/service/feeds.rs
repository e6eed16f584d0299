//! Secret calendar-feed URLs, so calendar clients that cannot send a bearer token can subscribe.
use entity::user;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::{Actor, auth};
use crate::error::{AppError, AppResult};

/// Issues a new feed secret for the actor; any earlier feed URL stops working.
#[tracing::instrument(skip_all)]
pub async fn rotate(db: &DatabaseConnection, actor: &Actor) -> AppResult<String> {
    let user_id = actor
        .id
        .ok_or_else(|| AppError::Forbidden("only users have calendar feeds".into()))?;
    let (token, hash) = auth::new_secret();
    let user = super::users::get(db, user_id).await?;
    let mut m: user::ActiveModel = user.into();
    m.feed_token_hash = Set(Some(hash));
    m.update(db).await?;
    Ok(token)
}

#[tracing::instrument(skip_all)]
pub async fn revoke(db: &DatabaseConnection, actor: &Actor) -> AppResult<()> {
    let user_id = actor
        .id
        .ok_or_else(|| AppError::Forbidden("only users have calendar feeds".into()))?;
    let user = super::users::get(db, user_id).await?;
    let mut m: user::ActiveModel = user.into();
    m.feed_token_hash = Set(None);
    m.update(db).await?;
    Ok(())
}

/// The actor whose feed secret this is.
#[tracing::instrument(skip_all)]
pub async fn actor_for_feed(db: &DatabaseConnection, token: &str) -> AppResult<Actor> {
    let user = user::Entity::find()
        .filter(user::Column::FeedTokenHash.eq(auth::hash_secret(token)))
        .one(db)
        .await?
        .filter(|u| !u.disabled)
        .ok_or_else(|| AppError::not_found("no such calendar feed; it may have been revoked"))?;
    auth::actor_of(&user)
}
