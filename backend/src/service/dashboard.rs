//! Open deadlines across the projects a user can see: counted in SQL over the stored deadlines,
//! with one page of the tasks themselves, most urgent first.
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{phase, project, task, user};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, ExprTrait, FromQueryResult, JoinType, QueryFilter,
    QueryOrder, QuerySelect, RelationTrait,
    sea_query::{Asterisk, Expr},
};

use super::{Actor, access, schedule};
use crate::{
    domain::{
        schedule::{due_state, zone},
        types::TaskStatus,
    },
    error::AppResult,
};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Open tasks past their due day.
    pub overdue: u64,
    /// Open tasks due within the horizon (today included), not yet overdue.
    pub due_soon: u64,
}

#[derive(serde::Serialize)]
pub struct PhaseCounts {
    pub phase_code: String,
    pub phase_name: String,
    pub counts: Counts,
}

/// An open task that is overdue or due soon.
#[derive(FromQueryResult, serde::Serialize)]
pub struct DueItem {
    pub project_id: i32,
    pub project_code: String,
    pub project_name: String,
    #[sea_orm(skip)]
    pub days_left: i64,
    #[sea_orm(skip)]
    pub overdue: bool,
    pub project_timezone: String,
    pub phase_code: String,
    pub phase_name: String,
    pub task_id: i32,
    pub task_code: String,
    pub task_name: String,
    pub status: TaskStatus,
    pub due_on: NaiveDate,
    /// Who does the task, when someone is assigned.
    pub assignee_name: Option<String>,
}

#[derive(serde::Serialize)]
pub struct Dashboard {
    pub as_of: DateTime<Utc>,
    pub horizon_days: u32,
    pub overall: Counts,
    /// Per phase, in plan order.
    pub phases: Vec<PhaseCounts>,
    /// All overdue and due-soon tasks; `items` is one page of them.
    pub total_items: u64,
    pub page: u64,
    pub per_page: u64,
    /// Earliest deadline first.
    pub items: Vec<DueItem>,
}

#[derive(FromQueryResult)]
struct PhaseRow {
    phase_code: String,
    /// Any one phase with that code, for its name and position.
    sample_phase: i32,
    overdue: i64,
    total: i64,
}

/// The open tasks of the visible active projects that are overdue or due within `horizon_days`
/// days at `now` (only those assigned to the actor with `only_mine`): counted overall and per
/// phase, and page `page` of them. The counts read only the tasks table, through the partial index
/// of counting tasks by phase.
#[tracing::instrument(skip_all)]
pub async fn dashboard(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    horizon_days: u32,
    only_mine: bool,
    page: u64,
    per_page: u64,
) -> AppResult<Dashboard> {
    let due_at = || Expr::col((task::Entity, task::Column::DueAt));
    let mut scope = Condition::all()
        .add(schedule::counting_task())
        .add(due_at().lte(schedule::horizon_end(now, horizon_days)));
    if let Some(visible) = access::visible_through(actor, (task::Entity, task::Column::ProjectId)) {
        scope = scope.add(visible);
    }
    if only_mine {
        scope = scope.add(Expr::col((task::Entity, task::Column::AssigneeId)).eq(actor.id.unwrap_or(0)));
    }
    let phase_code = || Expr::col((task::Entity, task::Column::PhaseCode));
    let rows = task::Entity::find()
        .select_only()
        .filter(scope.clone())
        .column_as(phase_code(), "phase_code")
        .column_as(Expr::col((task::Entity, task::Column::PhaseId)).min(), "sample_phase")
        .column_as(Expr::expr(Expr::case(due_at().lte(now), 1).finally(0)).sum(), "overdue")
        .column_as(Expr::col(Asterisk).count(), "total")
        .group_by(phase_code())
        .into_model::<PhaseRow>()
        .all(db)
        .await?;
    let samples: HashMap<i32, phase::Model> = phase::Entity::find()
        .filter(phase::Column::Id.is_in(rows.iter().map(|r| r.sample_phase)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut overall = Counts::default();
    let mut phases: Vec<(i32, PhaseCounts)> = rows
        .into_iter()
        .map(|r| {
            let counts = Counts {
                overdue: r.overdue as u64,
                due_soon: (r.total - r.overdue) as u64,
            };
            overall.overdue += counts.overdue;
            overall.due_soon += counts.due_soon;
            let sample = samples.get(&r.sample_phase);
            let phase = PhaseCounts {
                phase_name: sample.map_or_else(|| r.phase_code.clone(), |p| p.name.clone()),
                phase_code: r.phase_code,
                counts,
            };
            (sample.map_or(i32::MAX, |p| p.seq), phase)
        })
        .collect();
    phases.sort_by(|(a, x), (b, y)| (a, &x.phase_code).cmp(&(b, &y.phase_code)));
    let phases = phases.into_iter().map(|(_, p)| p).collect();
    let in_scope = || {
        task::Entity::find()
            .select_only()
            .join(JoinType::InnerJoin, task::Relation::Project.def())
            .join(JoinType::InnerJoin, task::Relation::Phase.def())
            .filter(scope.clone())
    };
    let page = Ord::max(page, 1);
    let mut items = in_scope()
        .column_as(Expr::col((project::Entity, project::Column::Id)), "project_id")
        .column_as(Expr::col((project::Entity, project::Column::Code)), "project_code")
        .column_as(Expr::col((project::Entity, project::Column::Name)), "project_name")
        .column_as(
            Expr::col((project::Entity, project::Column::Timezone)),
            "project_timezone",
        )
        .column_as(Expr::col((phase::Entity, phase::Column::Code)), "phase_code")
        .column_as(Expr::col((phase::Entity, phase::Column::Name)), "phase_name")
        .column_as(Expr::col((task::Entity, task::Column::Id)), "task_id")
        .column_as(Expr::col((task::Entity, task::Column::Code)), "task_code")
        .column_as(Expr::col((task::Entity, task::Column::Name)), "task_name")
        .column_as(Expr::col((task::Entity, task::Column::Status)), "status")
        .column_as(Expr::col((task::Entity, task::Column::DueOn)), "due_on")
        .column_as(Expr::col((user::Entity, user::Column::DisplayName)), "assignee_name")
        .join(JoinType::LeftJoin, task::Relation::Assignee.def())
        .order_by_asc(Expr::col((task::Entity, task::Column::DueAt)))
        .order_by_asc(Expr::col((project::Entity, project::Column::Code)))
        .order_by_asc(Expr::col((task::Entity, task::Column::Seq)))
        .offset((page - 1).saturating_mul(per_page))
        .limit(per_page)
        .into_model::<DueItem>()
        .all(db)
        .await?;
    for item in &mut items {
        let state = due_state(item.due_on, false, now, zone(&item.project_timezone));
        item.days_left = state.days_left;
        item.overdue = state.overdue;
    }
    Ok(Dashboard {
        as_of: now,
        horizon_days,
        total_items: overall.overdue + overall.due_soon,
        overall,
        phases,
        page,
        per_page,
        items,
    })
}
