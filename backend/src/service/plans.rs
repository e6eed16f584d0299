//! Delivery plans: the shipped ones are kept in step with templates/plans/; admins add others.
use chrono::{DateTime, Utc};
use entity::plan;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};

use super::{Actor, history};
use crate::{
    db::begin_write,
    domain::plan::PlanDefinition,
    error::{AppError, AppResult},
    templates::Templates,
};

/// Inserts or refreshes the shipped plans. Projects keep the schedule they were created with.
#[tracing::instrument(skip_all)]
pub async fn sync_builtin(db: &DatabaseConnection, templates: &Templates, now: DateTime<Utc>) -> AppResult<()> {
    let txn = begin_write(db).await?;
    for def in &templates.plans {
        let json = serde_json::to_string(def).map_err(anyhow::Error::from)?;
        match find(&txn, &def.code).await? {
            Some(existing) if existing.definition == json && existing.name == def.name => {}
            Some(existing) => {
                let mut m: plan::ActiveModel = existing.into();
                m.name = Set(def.name.clone());
                m.definition = Set(json);
                m.builtin = Set(true);
                m.update(&txn).await?;
            }
            None => {
                plan::ActiveModel {
                    code: Set(def.code.clone()),
                    name: Set(def.name.clone()),
                    definition: Set(json),
                    builtin: Set(true),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
            }
        }
    }
    txn.commit().await?;
    Ok(())
}

/// Logs a warning for each plan that lacks a milestone task (see `milestones`).
#[tracing::instrument(skip_all)]
pub async fn report_missing_milestones(db: &impl ConnectionTrait) -> AppResult<()> {
    for model in list(db).await? {
        for warning in super::milestones::missing_in(&definition(&model)?) {
            tracing::warn!(plan = %model.code, "{warning}");
        }
    }
    Ok(())
}

#[tracing::instrument(skip_all)]
pub async fn find(db: &impl ConnectionTrait, code: &str) -> AppResult<Option<plan::Model>> {
    Ok(plan::Entity::find().filter(plan::Column::Code.eq(code)).one(db).await?)
}

#[tracing::instrument(skip_all)]
pub async fn list(db: &impl ConnectionTrait) -> AppResult<Vec<plan::Model>> {
    Ok(plan::Entity::find().order_by_asc(plan::Column::Code).all(db).await?)
}

pub fn definition(model: &plan::Model) -> AppResult<PlanDefinition> {
    serde_json::from_str(&model.definition)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("plan {} is stored corrupt: {e}", model.code)))
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    templates: &Templates,
    actor: &Actor,
    def: PlanDefinition,
    now: DateTime<Utc>,
) -> AppResult<plan::Model> {
    if !actor.is_admin() {
        return Err(AppError::Forbidden("only administrators add plans".into()));
    }
    def.validate(|c| templates.calendars.contains_key(c))?;
    let txn = begin_write(db).await?;
    if find(&txn, &def.code).await?.is_some() {
        return Err(AppError::Conflict(format!("a plan with code '{}' exists", def.code)));
    }
    let created = plan::ActiveModel {
        code: Set(def.code.clone()),
        name: Set(def.name.clone()),
        definition: Set(serde_json::to_string(&def).map_err(anyhow::Error::from)?),
        builtin: Set(false),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    history::record(
        &txn,
        actor,
        now,
        vec![history::Change::new(None, "plan", Some(created.id), "created").field("code", None, Some(def.code))],
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// How the project's plan runs acceptance (trial run, training); the defaults if its plan is gone.
pub async fn acceptance_policy(
    db: &impl ConnectionTrait,
    project: &entity::project::Model,
) -> AppResult<crate::domain::plan::AcceptancePolicy> {
    Ok(plan_definition(db, project)
        .await?
        .map(|d| d.acceptance)
        .unwrap_or_default())
}

/// What the project's plan promises after delivery; the defaults if its plan is gone. (A
/// project's own policy, when it has one, is the service desk's: `service_desk::policy_of`.)
pub async fn service_policy(
    db: &impl ConnectionTrait,
    project: &entity::project::Model,
) -> AppResult<crate::domain::plan::ServicePolicy> {
    Ok(plan_definition(db, project)
        .await?
        .map(|d| d.service)
        .unwrap_or_default())
}

async fn plan_definition(
    db: &impl ConnectionTrait,
    project: &entity::project::Model,
) -> AppResult<Option<PlanDefinition>> {
    plan::Entity::find_by_id(project.plan_id)
        .one(db)
        .await?
        .map(|p| definition(&p))
        .transpose()
}
