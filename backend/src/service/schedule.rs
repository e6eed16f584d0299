//! Working a project's schedule: task progress and due-date overrides.
use super::access::{Granted, MayManage, MayRead, MayRecordWork};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{phase, project, project_member, task};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder,
};

use super::{
    Actor,
    access::{self},
    history::{self, Change},
};
use crate::{
    db::begin_write,
    domain::{
        schedule::{deadline, effective_due, zone},
        types::{TaskStatus, optional_text, required_text},
    },
    error::{AppError, AppResult},
};

/// A project's phases in plan order and their tasks in order, in one query (every phase has tasks:
/// plans are checked for it).
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn load(
    db: &impl ConnectionTrait,
    p: &Granted<impl MayRead>,
) -> AppResult<(Vec<phase::Model>, Vec<task::Model>)> {
    let rows = task::Entity::find()
        .find_also_related(phase::Entity)
        .filter(task::Column::ProjectId.eq(p.id()))
        .order_by_asc(phase::Column::Seq)
        .order_by_asc(task::Column::Seq)
        .all(db)
        .await?;
    let mut phases: Vec<phase::Model> = Vec::new();
    let mut tasks = Vec::with_capacity(rows.len());
    for (task, phase) in rows {
        if let Some(phase) = phase.filter(|p| phases.last().is_none_or(|last| last.id != p.id)) {
            phases.push(phase);
        }
        tasks.push(task);
    }
    Ok((phases, tasks))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskAction {
    Start,
    Complete,
    Reopen,
}

/// What to do to a task.
pub struct TaskUpdate {
    pub action: TaskAction,
    /// Kept on the task and in its history; required to reopen.
    pub note: Option<String>,
    /// When the work actually happened (defaults to now; never in the future).
    pub at: Option<DateTime<Utc>>,
}

/// Moves a task along not_started → in_progress → done, or back from done.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn act_on_task(
    db: &DatabaseConnection,
    p: &Granted<impl MayRecordWork>,
    task_id: i32,
    TaskUpdate { action, note, at }: TaskUpdate,
    now: DateTime<Utc>,
) -> AppResult<task::Model> {
    let (actor, project_id) = (p.actor(), p.id());
    // Access first: a caller who may not do this learns nothing from validation.
    let txn = begin_write(db).await?;
    let task = task_of(&txn, project_id, task_id).await?;
    access::may_act_on_task(actor, &task)?;
    let note = optional_text("note", note.as_deref(), 2000)?;
    let at = at.unwrap_or(now);
    if at > now {
        return Err(AppError::invalid(
            "at",
            "at: the work cannot have happened in the future",
        ));
    }
    let updated = apply_task_action(&txn, actor, task, action, note, at, now).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Moves `task` inside the caller's transaction (access already checked) and records it.
#[tracing::instrument(skip_all)]
pub async fn apply_task_action(
    txn: &DatabaseTransaction,
    actor: &Actor,
    task: task::Model,
    action: TaskAction,
    note: Option<String>,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<task::Model> {
    let (project_id, task_id) = (task.project_id, task.id);
    let status = task.status;
    let base = Change::new(
        Some(project_id),
        "task",
        Some(task_id),
        match action {
            TaskAction::Start => "started",
            TaskAction::Complete => "completed",
            TaskAction::Reopen => "reopened",
        },
    )
    .reason(note.clone());
    let mut m: task::ActiveModel = task.clone().into();
    let new_status = match (action, status) {
        (TaskAction::Start, TaskStatus::NotStarted) => {
            m.started_at = Set(Some(at));
            TaskStatus::InProgress
        }
        (TaskAction::Start, _) => {
            return Err(AppError::Conflict(format!(
                "task '{}' is already {}",
                task.name, status
            )));
        }
        (TaskAction::Complete, TaskStatus::Done) => {
            return Err(AppError::Conflict(format!("task '{}' is already done", task.name)));
        }
        (TaskAction::Complete, _) => {
            if task.started_at.is_none() {
                m.started_at = Set(Some(at));
            }
            m.finished_at = Set(Some(at));
            m.completed_by = Set(actor.id);
            TaskStatus::Done
        }
        (TaskAction::Reopen, TaskStatus::Done) => {
            if note.is_none() {
                return Err(AppError::invalid("note", "note: say why the task is reopened"));
            }
            m.finished_at = Set(None);
            m.completed_by = Set(None);
            m.evidence = Set(None);
            TaskStatus::InProgress
        }
        (TaskAction::Reopen, _) => {
            return Err(AppError::Conflict(format!("task '{}' is not done", task.name)));
        }
    };
    if let Some(n) = &note {
        m.note = Set(Some(n.clone()));
    }
    m.status = Set(new_status);
    let updated = m.update(txn).await?;
    history::record(
        txn,
        actor,
        now,
        vec![base.field("status", Some(status.to_string()), Some(new_status.to_string()))],
    )
    .await?;
    Ok(updated)
}

async fn task_of(db: &impl ConnectionTrait, project_id: i32, task_id: i32) -> AppResult<task::Model> {
    task::Entity::find_by_id(task_id)
        .one(db)
        .await?
        .filter(|t| t.project_id == project_id)
        .ok_or_else(|| AppError::not_found(format!("no task {task_id} on project {project_id}")))
}

/// Assigns a task to a member of the project (`None` unassigns it). Managers.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn assign(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    task_id: i32,
    user_id: Option<i32>,
    now: DateTime<Utc>,
) -> AppResult<task::Model> {
    let (actor, project_id) = (p.actor(), p.id());
    let txn = begin_write(db).await?;
    let task = task_of(&txn, project_id, task_id).await?;
    if let Some(uid) = user_id {
        let member = project_member::Entity::find()
            .filter(project_member::Column::ProjectId.eq(project_id))
            .filter(project_member::Column::UserId.eq(uid))
            .one(&txn)
            .await?;
        if member.is_none() {
            return Err(AppError::invalid(
                "user_id",
                format!("user_id: user {uid} is not a member of this project; add them first"),
            ));
        }
    }
    let show = |v: Option<i32>| v.map(|v| v.to_string());
    let change = Change::new(Some(project_id), "task", Some(task_id), "assigned").field(
        "assignee_id",
        show(task.assignee_id),
        show(user_id),
    );
    let mut m: task::ActiveModel = task.into();
    m.assignee_id = Set(user_id);
    let updated = m.update(&txn).await?;
    history::record(&txn, actor, now, vec![change]).await?;
    txn.commit().await?;
    Ok(updated)
}

#[derive(Debug, Clone, Copy)]
pub enum Deadline {
    Phase(i32),
    Task(i32),
}

/// Sets (`due_on = Some`) or clears (`None`) the override of a phase's or task's due date.
/// A reason is required either way and kept in the history.
#[tracing::instrument(skip_all)]
/// A task still to do (its deadline counts).
pub fn open_task() -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::ExprTrait;
    sea_orm::sea_query::Expr::col((task::Entity, task::Column::Status))
        .is_in([TaskStatus::NotStarted, TaskStatus::InProgress])
}

/// A task whose deadline counts: open, in an active project. Written out literally, as the partial
/// indexes of migration 000013 are (SQLite matches a partial index only to literal terms).
pub fn counting_task() -> sea_orm::sea_query::SimpleExpr {
    sea_orm::sea_query::Expr::cust(format!(
        "\"tasks\".\"status\" IN ('{}', '{}') AND \"tasks\".\"project_active\"",
        TaskStatus::NotStarted.as_str(),
        TaskStatus::InProgress.as_str()
    ))
}

/// The last deadline instant that is due within `days` days of today (today counts as day 0): a
/// task's day ends at its `due_at`, and the `days`-th day after today ends within the next
/// `days + 1` days of `now` (exactly, except within the hour a zone moves its clocks).
pub fn horizon_end(now: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    // Callers bound `days` (a hundred years would do); this never overflows whatever they pass.
    now.checked_add_signed(chrono::Duration::days(i64::from(days.min(36_500)) + 1))
        .unwrap_or(now)
}

/// Stores each task's deadline — the day that counts and the instant it ends in the project's zone —
/// after anything that may move it: a new schedule, a new signing date, an override, a new zone.
/// Every such change calls this, so the stored deadline is never stale.
pub async fn restamp_deadlines(txn: &impl ConnectionTrait, project: &project::Model) -> AppResult<()> {
    let tz = zone(&project.timezone);
    for t in task::Entity::find()
        .filter(task::Column::ProjectId.eq(project.id))
        .all(txn)
        .await?
    {
        let due_on = effective_due(t.planned_due_on, t.override_due_on);
        let due_at = deadline(due_on, tz);
        if (t.due_on, t.due_at) != (due_on, due_at) {
            task::Entity::update_many()
                .col_expr(task::Column::DueOn, due_on.into())
                .col_expr(task::Column::DueAt, due_at.into())
                .filter(task::Column::Id.eq(t.id))
                .exec(txn)
                .await?;
        }
    }
    Ok(())
}

pub async fn override_due(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    target: Deadline,
    due_on: Option<NaiveDate>,
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let (actor, project) = (p.actor(), p.project());
    let reason = required_text("reason", reason, 500)?;
    if let Some(d) = due_on
        && d < project.contract_signed_on
    {
        return Err(AppError::invalid(
            "due_on",
            format!(
                "due_on: {d} is before the contract was signed ({})",
                project.contract_signed_on
            ),
        ));
    }
    let action = if due_on.is_some() {
        "overridden"
    } else {
        "override_cleared"
    };
    let txn = begin_write(db).await?;
    let show = |d: Option<NaiveDate>| d.map(|d| d.to_string());
    let change = match target {
        Deadline::Phase(id) => {
            let p = phase::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .filter(|p| p.project_id == project.id)
                .ok_or_else(|| AppError::not_found(format!("no phase {id} on project {}", project.id)))?;
            let old = p.override_due_on.or(Some(p.planned_due_on));
            let new = due_on.or(Some(p.planned_due_on));
            let mut m: phase::ActiveModel = p.into();
            m.override_due_on = Set(due_on);
            m.override_reason = Set(due_on.map(|_| reason.clone()));
            m.update(&txn).await?;
            Change::new(Some(project.id), "phase", Some(id), action).field("due_on", show(old), show(new))
        }
        Deadline::Task(id) => {
            let t = task_of(&txn, project.id, id).await?;
            let old = t.override_due_on.or(Some(t.planned_due_on));
            let new = due_on.or(Some(t.planned_due_on));
            let mut m: task::ActiveModel = t.into();
            m.override_due_on = Set(due_on);
            m.override_reason = Set(due_on.map(|_| reason.clone()));
            m.update(&txn).await?;
            Change::new(Some(project.id), "task", Some(id), action).field("due_on", show(old), show(new))
        }
    };
    restamp_deadlines(&txn, project).await?;
    history::record(&txn, actor, now, vec![change.reason(Some(reason))]).await?;
    txn.commit().await?;
    Ok(())
}

/// A task the plan does not hold but the work brings (a remedial training, say): added to the
/// phase of the plan task `beside` (else the last phase) after its tasks, due on `due_on` by an
/// override stating `reason`, so re-planning the project never moves it. Reminders treat it like
/// any other task. An existing task with `code` is returned as it is.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn add_follow_up_task(
    txn: &DatabaseTransaction,
    actor: &super::Actor,
    project: &project::Model,
    beside: &str,
    code: &str,
    name: &str,
    due_on: NaiveDate,
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<task::Model> {
    if let Some(t) = task::Entity::find()
        .filter(task::Column::ProjectId.eq(project.id))
        .filter(task::Column::Code.eq(code))
        .one(txn)
        .await?
    {
        return Ok(t);
    }
    let anchor = task::Entity::find()
        .filter(task::Column::ProjectId.eq(project.id))
        .filter(task::Column::Code.eq(beside))
        .one(txn)
        .await?;
    let phase = match anchor {
        Some(t) => phase::Entity::find_by_id(t.phase_id).one(txn).await?,
        None => {
            phase::Entity::find()
                .filter(phase::Column::ProjectId.eq(project.id))
                .order_by_desc(phase::Column::Seq)
                .one(txn)
                .await?
        }
    }
    .ok_or_else(|| AppError::Internal(anyhow::anyhow!("project {} has no phases", project.id)))?;
    let last_seq = task::Entity::find()
        .filter(task::Column::PhaseId.eq(phase.id))
        .order_by_desc(task::Column::Seq)
        .one(txn)
        .await?
        .map_or(0, |t| t.seq);
    let offset = (due_on - project.contract_signed_on).num_days().max(0) as i32;
    let created = task::ActiveModel {
        project_id: Set(project.id),
        phase_id: Set(phase.id),
        phase_code: Set(phase.code.clone()),
        project_active: Set(project.status == crate::domain::types::ProjectStatus::Active),
        seq: Set(last_seq + 1),
        code: Set(code.into()),
        name: Set(name.into()),
        offset_days: Set(offset),
        planned_due_on: Set(due_on),
        override_due_on: Set(Some(due_on)),
        override_reason: Set(Some(reason.into())),
        due_on: Set(due_on),
        due_at: Set(deadline(due_on, zone(&project.timezone))),
        waits_on_client: Set(false),
        assignee_id: Set(None),
        status: Set(TaskStatus::NotStarted),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    history::record(
        txn,
        actor,
        now,
        vec![
            Change::new(Some(project.id), "task", Some(created.id), "added")
                .field("name", None, Some(name.to_string()))
                .field("due_on", None, Some(due_on.to_string()))
                .reason(Some(reason.to_string())),
        ],
    )
    .await?;
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::horizon_end;

    #[test]
    fn a_horizon_of_any_length_ends_somewhere_instead_of_overflowing() {
        let now = chrono::Utc::now();
        assert_eq!(horizon_end(now, 0), now + chrono::Duration::days(1));
        assert!(
            horizon_end(now, u32::MAX) > now,
            "the schemathesis case due_within_days=318845250"
        );
    }
}
