//! Calendar feeds of task deadlines, and the secret feed URLs through which calendar clients that
//! cannot send a bearer token subscribe.
use chrono::{DateTime, Utc};
use entity::user;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::{
    Actor,
    access::{self},
    auth, schedule,
};
use crate::{
    domain::{
        ics::{DeadlineEvent, render_calendar},
        schedule::effective_due,
        types::TaskStatus,
    },
    error::{AppError, AppResult},
};

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

/// iCalendar of the task deadlines of one project, or of every project the actor can see.
#[tracing::instrument(skip_all)]
pub async fn calendar(
    db: &DatabaseConnection,
    base_url: &str,
    actor: &Actor,
    only: Option<i32>,
    now: DateTime<Utc>,
) -> AppResult<String> {
    let projects = match only {
        Some(id) => vec![access::grant::<access::Read>(db, actor, id).await?],
        None => access::readable(db, actor).await?,
    };
    let mut events = Vec::new();
    for granted in &projects {
        let p = granted.project();
        let (phases, tasks) = schedule::load(db, granted).await?;
        for t in tasks {
            let phase = phases
                .iter()
                .find(|ph| ph.id == t.phase_id)
                .map(|ph| ph.name.as_str())
                .unwrap_or_default();
            let done = t.status == TaskStatus::Done;
            events.push(DeadlineEvent {
                uid: format!("task-{}@jiaofu", t.id),
                due_on: effective_due(t.planned_due_on, t.override_due_on),
                summary: format!("{}{} · {} 截止", if done { "✓ " } else { "" }, p.code, t.name),
                description: format!("{}（{}）\n阶段：{}\n任务：{}", p.name, p.client_name, phase, t.name),
                // The task on its project page, where a person signed in can act on it.
                url: Some(format!("{base_url}/projects/{}#task-{}", p.id, t.id)),
                done,
            });
        }
    }
    let name = match (only, projects.first()) {
        (Some(_), Some(p)) => format!("{} {} 交付计划", p.project().code, p.project().name),
        _ => format!("交付计划 · {}", actor.name),
    };
    let tasks_total = events.len();
    tracing::debug!(tasks_total, "rendered calendar");
    Ok(render_calendar(&name, &events, now))
}
