//! A project's after-sales settings: the promises in force, its two designated engineers (专员)
//! and the client's secret link for reporting faults.
use chrono::{DateTime, Utc};
use entity::{project, project_member, service_setting, service_specialist, service_ticket, user};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

use super::tickets;
use crate::{
    db::begin_write,
    domain::plan::ServicePolicy,
    error::{AppError, AppResult},
    service::{
        access::{Granted, MayManage, MayRead},
        audit,
        auth::{hash_secret, new_secret},
        plans,
    },
    state::AppState,
};

/// What a project's after-sales service runs on.
#[derive(Debug, Clone)]
pub struct ServiceSettings {
    /// The promises in force.
    pub policy: ServicePolicy,
    /// Whether that is the project's own policy rather than its plan's.
    pub own_policy: bool,
    /// The plan's, to compare.
    pub plan_policy: ServicePolicy,
    /// The designated engineers (at most two), assigned to every new ticket.
    pub specialists: Vec<user::Model>,
    /// The client's report link, for those who manage the project; none until made.
    pub report_link: Option<String>,
    pub report_link_created_at: Option<DateTime<Utc>>,
}

/// The working days a project counts in: its plan's calendar, else the shipped Chinese one (with
/// its 调休), else weekends only.
pub async fn working_calendar(
    state: &AppState,
    db: &impl ConnectionTrait,
    project: &project::Model,
) -> AppResult<crate::domain::calendar::HolidayCalendar> {
    let def = plans::definition(&crate::service::projects::plan_of(db, project).await?)?;
    let plan_calendar = crate::service::projects::plan_calendar(&state.templates, &def)?;
    Ok(plan_calendar
        .or_else(|| state.templates.calendars.get("cn"))
        .cloned()
        .unwrap_or_else(|| crate::domain::calendar::HolidayCalendar {
            code: String::new(),
            name: String::new(),
            years: Vec::new(),
            holidays: Default::default(),
            workdays: Default::default(),
        }))
}

/// How many engineers a project designates (我们将指定有两名工程师专门负责).
pub const SPECIALISTS: usize = 2;

async fn row(db: &impl ConnectionTrait, project_id: i32) -> AppResult<Option<service_setting::Model>> {
    Ok(service_setting::Entity::find()
        .filter(service_setting::Column::ProjectId.eq(project_id))
        .one(db)
        .await?)
}

/// The promises in force on a project: its own policy, else its plan's.
pub async fn policy_of(db: &impl ConnectionTrait, project: &project::Model) -> AppResult<ServicePolicy> {
    let own = row(db, project.id).await?.and_then(|r| r.policy);
    match own {
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("project {}'s service policy: {e}", project.id))),
        None => plans::service_policy(db, project).await,
    }
}

/// The promises in force on each of `projects` (two queries, however many projects).
pub async fn policies_of(
    db: &impl ConnectionTrait,
    projects: &[&project::Model],
) -> AppResult<std::collections::HashMap<i32, ServicePolicy>> {
    let own: std::collections::HashMap<i32, String> = service_setting::Entity::find()
        .filter(service_setting::Column::ProjectId.is_in(projects.iter().map(|p| p.id)))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|r| r.policy.map(|p| (r.project_id, p)))
        .collect();
    let plans: std::collections::HashMap<i32, ServicePolicy> = entity::plan::Entity::find()
        .filter(entity::plan::Column::Id.is_in(projects.iter().map(|p| p.plan_id)))
        .all(db)
        .await?
        .iter()
        .map(|p| Ok((p.id, plans::definition(p)?.service)))
        .collect::<AppResult<_>>()?;
    projects
        .iter()
        .map(|p| {
            let policy = match own.get(&p.id) {
                Some(text) => serde_json::from_str(text)
                    .map_err(|e| AppError::Internal(anyhow::anyhow!("project {}'s service policy: {e}", p.id)))?,
                None => plans.get(&p.plan_id).cloned().unwrap_or_default(),
            };
            Ok((p.id, policy))
        })
        .collect()
}

/// The designated engineers of a project, in the order they were named.
pub async fn specialists(db: &impl ConnectionTrait, project_id: i32) -> AppResult<Vec<user::Model>> {
    let rows = service_specialist::Entity::find()
        .filter(service_specialist::Column::ProjectId.eq(project_id))
        .order_by_asc(service_specialist::Column::Id)
        .all(db)
        .await?;
    let mut users = user::Entity::find()
        .filter(user::Column::Id.is_in(rows.iter().map(|r| r.user_id)))
        .all(db)
        .await?;
    users.sort_by_key(|u| rows.iter().position(|r| r.user_id == u.id));
    Ok(users)
}

/// The settings as the project's people see them (the report link only for its managers).
pub async fn get(state: &AppState, p: &Granted<impl MayRead>) -> AppResult<ServiceSettings> {
    let db = &state.db;
    let stored = row(db, p.id()).await?;
    let plan_policy = plans::service_policy(db, p.project()).await?;
    let report_link = match stored.as_ref().and_then(|r| r.report_token_sealed.as_ref()) {
        Some(sealed) if p.may::<crate::service::access::Manage>() => {
            let token = state.vault.unseal(sealed, &context(p.id()))?;
            Some(report_url(state, &token))
        }
        _ => None,
    };
    Ok(ServiceSettings {
        policy: policy_of(db, p.project()).await?,
        own_policy: stored.as_ref().is_some_and(|r| r.policy.is_some()),
        plan_policy,
        specialists: specialists(db, p.id()).await?,
        report_link,
        report_link_created_at: stored.and_then(|r| r.report_token_created_at),
    })
}

fn context(project_id: i32) -> String {
    format!("report-link:{project_id}")
}

/// The address of a report link.
pub fn report_url(state: &AppState, token: &str) -> String {
    format!("{}/report/{token}", state.settings.base_url())
}

async fn upsert(
    db: &impl ConnectionTrait,
    project_id: i32,
    change: impl FnOnce(&mut service_setting::ActiveModel),
    by: Option<i32>,
    now: DateTime<Utc>,
) -> AppResult<service_setting::Model> {
    let mut active: service_setting::ActiveModel = match row(db, project_id).await? {
        Some(r) => r.into(),
        None => service_setting::ActiveModel {
            project_id: Set(project_id),
            ..Default::default()
        },
    };
    change(&mut active);
    active.updated_by = Set(by);
    active.updated_at = Set(now);
    Ok(active.save(db).await?.try_into()?)
}

/// Gives the project a policy of its own (`None`: back to its plan's). Open tickets keep the time
/// they have run; only their targets change, and their deadlines and warnings follow at once.
pub async fn set_policy(
    state: &AppState,
    p: &Granted<impl MayManage>,
    policy: Option<ServicePolicy>,
    now: DateTime<Utc>,
) -> AppResult<ServicePolicy> {
    if let Some(policy) = &policy {
        policy.validate("")?;
    }
    let text = policy
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| AppError::Internal(e.into()))?;
    let txn = begin_write(&state.db).await?;
    upsert(&txn, p.id(), |a| a.policy = Set(text), p.actor().id, now).await?;
    let in_force = policy_of(&txn, p.project()).await?;
    let open = service_ticket::Entity::find()
        .filter(service_ticket::Column::ProjectId.eq(p.id()))
        .filter(service_ticket::Column::ClosedAt.is_null())
        .all(&txn)
        .await?;
    for ticket in open {
        tickets::refresh(&txn, p.project(), ticket, &in_force, now).await?;
    }
    // The visits not yet made follow a changed number per half-year.
    super::patrols::plan_in(state, &txn, p.project(), now).await?;
    audit::project_event(
        &txn,
        p.actor(),
        p.id(),
        "service_policy.changed",
        format!("project:{}", p.id()),
        json!({ "own": policy.is_some(), "policy": in_force }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(in_force)
}

/// Names the project's designated engineers (at most two of its members).
pub async fn set_specialists(
    state: &AppState,
    p: &Granted<impl MayManage>,
    user_ids: &[i32],
    now: DateTime<Utc>,
) -> AppResult<Vec<user::Model>> {
    let mut ids: Vec<i32> = Vec::new();
    for id in user_ids {
        if !ids.contains(id) {
            ids.push(*id);
        }
    }
    if ids.len() > SPECIALISTS {
        return Err(AppError::invalid(
            "user_ids",
            format!("user_ids: a project designates at most {SPECIALISTS} engineers (专员)"),
        ));
    }
    let txn = begin_write(&state.db).await?;
    let members: Vec<i32> = project_member::Entity::find()
        .filter(project_member::Column::ProjectId.eq(p.id()))
        .all(&txn)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    if let Some(stranger) = ids.iter().find(|id| !members.contains(id)) {
        return Err(AppError::invalid(
            "user_ids",
            format!("user_ids: user {stranger} is not a member of the project; add them to its people first"),
        ));
    }
    service_specialist::Entity::delete_many()
        .filter(service_specialist::Column::ProjectId.eq(p.id()))
        .exec(&txn)
        .await?;
    for id in &ids {
        service_specialist::ActiveModel {
            project_id: Set(p.id()),
            user_id: Set(*id),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    audit::project_event(
        &txn,
        p.actor(),
        p.id(),
        "service_specialists.set",
        format!("project:{}", p.id()),
        json!({ "user_ids": ids }),
        now,
    )
    .await?;
    let named = specialists(&txn, p.id()).await?;
    txn.commit().await?;
    Ok(named)
}

/// Makes the client's report link — a new one each time, which ends the old (a sticker that got
/// into the wrong hands is replaced by printing new ones). Returns its address.
pub async fn new_report_link(state: &AppState, p: &Granted<impl MayManage>, now: DateTime<Utc>) -> AppResult<String> {
    let (token, hash) = new_secret();
    let sealed = state.vault.seal(&token, &context(p.id()))?;
    let txn = begin_write(&state.db).await?;
    upsert(
        &txn,
        p.id(),
        |a| {
            a.report_token_hash = Set(Some(hash));
            a.report_token_sealed = Set(Some(sealed));
            a.report_token_created_at = Set(Some(now));
        },
        p.actor().id,
        now,
    )
    .await?;
    audit::project_event(
        &txn,
        p.actor(),
        p.id(),
        "service_report_link.created",
        format!("project:{}", p.id()),
        json!({}),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(report_url(state, &token))
}

/// The project a report link belongs to; 404 for an unknown or replaced link.
pub async fn project_of_link(db: &impl ConnectionTrait, token: &str) -> AppResult<project::Model> {
    let gone =
        || AppError::not_found("this report link is not valid (it may have been replaced); call the service hotline");
    let settings = service_setting::Entity::find()
        .filter(service_setting::Column::ReportTokenHash.eq(hash_secret(token)))
        .one(db)
        .await?
        .ok_or_else(gone)?;
    project::Entity::find_by_id(settings.project_id)
        .one(db)
        .await?
        .ok_or_else(gone)
}
