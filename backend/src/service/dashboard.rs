//! Open deadlines across the projects a user can see.
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{phase, project, task};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter};

use super::{Actor, access, projects::timezone_of};
use crate::{
    domain::{
        schedule::{DueState, due_state, effective_due},
        types::{ProjectStatus, TaskStatus},
    },
    error::AppResult,
};

pub struct OpenItem {
    pub project: project::Model,
    pub phase: phase::Model,
    pub task: task::Model,
    pub due_on: NaiveDate,
    pub state: DueState,
}

/// Every open task of the visible active projects, earliest deadline first.
#[tracing::instrument(skip_all)]
pub async fn open_items(db: &DatabaseConnection, actor: &Actor, now: DateTime<Utc>) -> AppResult<Vec<OpenItem>> {
    let mut cond = Condition::all().add(project::Column::Status.eq(ProjectStatus::Active.as_str()));
    if let Some(ids) = access::visible_projects(db, actor).await? {
        cond = cond.add(project::Column::Id.is_in(ids));
    }
    let projects: HashMap<i32, project::Model> = project::Entity::find()
        .filter(cond)
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let ids: Vec<i32> = projects.keys().copied().collect();
    let phases: HashMap<i32, phase::Model> = phase::Entity::find()
        .filter(phase::Column::ProjectId.is_in(ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let tasks = task::Entity::find()
        .filter(task::Column::ProjectId.is_in(ids))
        .filter(task::Column::Status.ne(TaskStatus::Done.as_str()))
        .all(db)
        .await?;
    let mut items: Vec<OpenItem> = tasks
        .into_iter()
        .filter_map(|t| {
            let project = projects.get(&t.project_id)?.clone();
            let phase = phases.get(&t.phase_id)?.clone();
            let due_on = effective_due(t.planned_due_on, t.override_due_on);
            let state = due_state(due_on, false, now, timezone_of(&project));
            Some(OpenItem {
                project,
                phase,
                task: t,
                due_on,
                state,
            })
        })
        .collect();
    items.sort_by(|a, b| (a.due_on, &a.project.code, a.task.seq).cmp(&(b.due_on, &b.project.code, b.task.seq)));
    Ok(items)
}
