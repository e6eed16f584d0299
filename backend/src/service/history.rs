//! The append-only change history that every capability writes to.
use super::access::{Granted, MayRead};
use chrono::{DateTime, Utc};
use entity::history;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::Actor;
use crate::error::AppResult;

/// One change to record. Build with [`Change::new`] and the chained setters.
#[derive(Debug, Clone)]
pub struct Change {
    pub project_id: Option<i32>,
    pub entity: &'static str,
    pub entity_id: Option<i32>,
    pub action: &'static str,
    pub field: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub reason: Option<String>,
}

impl Change {
    pub fn new(project_id: Option<i32>, entity: &'static str, entity_id: Option<i32>, action: &'static str) -> Self {
        Self {
            project_id,
            entity,
            entity_id,
            action,
            field: None,
            old_value: None,
            new_value: None,
            reason: None,
        }
    }

    pub fn field(mut self, field: &str, old: Option<String>, new: Option<String>) -> Self {
        self.field = Some(field.to_string());
        self.old_value = old;
        self.new_value = new;
        self
    }

    pub fn reason(mut self, reason: Option<String>) -> Self {
        self.reason = reason;
        self
    }
}

#[tracing::instrument(skip_all)]
pub async fn record(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    changes: Vec<Change>,
) -> AppResult<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let rows = changes.into_iter().map(|c| history::ActiveModel {
        project_id: Set(c.project_id),
        at: Set(now),
        actor_id: Set(actor.id),
        actor_name: Set(actor.name.clone()),
        entity: Set(c.entity.to_string()),
        entity_id: Set(c.entity_id),
        action: Set(c.action.to_string()),
        field: Set(c.field),
        old_value: Set(c.old_value),
        new_value: Set(c.new_value),
        reason: Set(c.reason),
        ..Default::default()
    });
    history::Entity::insert_many(rows).exec(db).await?;
    Ok(())
}

/// A project's history, newest first.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn list(
    db: &impl ConnectionTrait,
    p: &Granted<impl MayRead>,
    limit: u64,
    offset: u64,
) -> AppResult<Vec<history::Model>> {
    Ok(history::Entity::find()
        .filter(history::Column::ProjectId.eq(p.id()))
        .order_by_desc(history::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(db)
        .await?)
}

/// Records `field` when its value changed.
pub fn diff<T: PartialEq + ToString>(changes: &mut Vec<Change>, base: &Change, field: &str, old: &T, new: &T) {
    if old != new {
        changes.push(base.clone().field(field, Some(old.to_string()), Some(new.to_string())));
    }
}
