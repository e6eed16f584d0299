use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::{Object, OpenApi, param::Query, payload::Json};

use super::types::{InstantText, OneOf};
use super::{ApiTags, BearerAuth, actor, instant};
use crate::domain::types as kinds;
use crate::{error::ApiResult, service::dashboard, state::AppState};

pub struct DashboardApi {
    state: AppState,
}

impl DashboardApi {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

#[derive(Object, Default, Clone)]
struct Counts {
    /// Open tasks past their due day.
    overdue: u64,
    /// Open tasks due within the horizon (today included), not yet overdue.
    due_soon: u64,
}

impl From<dashboard::Counts> for Counts {
    fn from(c: dashboard::Counts) -> Self {
        Self {
            overdue: c.overdue,
            due_soon: c.due_soon,
        }
    }
}

#[derive(Object)]
struct PhaseCounts {
    /// Phase code from the plan.
    phase_code: String,
    /// Phase name, e.g. 前期准备.
    phase_name: String,
    #[oai(flatten)]
    counts: Counts,
}

/// An open task that is overdue or due soon.
#[derive(Object)]
struct DueItem {
    /// Identifier of the project.
    project_id: i32,
    /// Project code.
    project_code: String,
    /// Project name.
    project_name: String,
    /// Phase code from the plan.
    phase_code: String,
    /// Phase name, e.g. 前期准备.
    phase_name: String,
    /// Identifier of the task.
    task_id: i32,
    /// Task code from the plan.
    task_code: String,
    /// Task name, e.g. 设备清单确定.
    task_name: String,
    /// The task status: not_started or in_progress.
    status: OneOf<kinds::TaskStatus>,
    /// The due date that counts (override, else planned).
    due_on: NaiveDate,
    /// Days from today (project time zone) to the due day; negative when past.
    days_left: i64,
    /// Not done after the end of the due day in the project's time zone.
    overdue: bool,
    /// Who does the task, when someone is assigned.
    #[oai(nullable)]
    assignee_name: Option<String>,
}

#[derive(Object)]
struct Dashboard {
    /// The instant the figures are computed for.
    as_of: DateTime<Utc>,
    /// Days ahead that count as due soon.
    horizon_days: u32,
    /// Counts over all visible projects.
    overall: Counts,
    /// Per phase, in plan order.
    phases: Vec<PhaseCounts>,
    /// How many tasks are overdue or due soon in all (`items` holds one page of them).
    total_items: u64,
    /// The page of items returned, 1-based.
    page: u64,
    /// Items per page.
    per_page: u64,
    /// The tasks themselves, the most urgent (earliest deadline) first.
    items: Vec<DueItem>,
}

#[OpenApi(tag = "ApiTags::Dashboard")]
impl DashboardApi {
    /// Deadlines across my projects
    ///
    /// Overdue tasks and tasks due within the horizon (default 7 days) of the active projects the
    /// caller can see, counted per phase and overall, with one page of the items themselves, the
    /// most urgent first.
    #[oai(path = "/dashboard", method = "get", operation_id = "dashboard")]
    async fn get(
        &self,
        auth: BearerAuth,
        /// Days ahead that count as due soon, 0–90.
        #[oai(default = "default_horizon", validator(maximum(value = "90")))]
        horizon_days: Query<u32>,
        /// Compute for this instant (RFC 3339); now when absent.
        as_of: Query<Option<InstantText>>,
        /// 1-based page of items, at most 1,000,000.
        #[oai(
            default = "default_page",
            validator(minimum(value = "1"), maximum(value = "1000000"))
        )]
        page: Query<u64>,
        /// Items per page, 1–200.
        #[oai(
            default = "default_per_page",
            validator(minimum(value = "1"), maximum(value = "200"))
        )]
        per_page: Query<u64>,
        /// Only the tasks assigned to the caller.
        #[oai(default)]
        mine: Query<bool>,
    ) -> ApiResult<Json<Dashboard>> {
        let me = actor(&self.state, &auth).await?;
        let now = instant("as_of", as_of.0.as_deref().map(String::as_str))?;
        let d = dashboard::dashboard(&self.state.db, &me, now, horizon_days.0, mine.0, page.0, per_page.0).await?;
        Ok(Json(Dashboard {
            as_of: d.as_of,
            horizon_days: d.horizon_days,
            overall: d.overall.into(),
            phases: d
                .phases
                .into_iter()
                .map(|p| PhaseCounts {
                    phase_code: p.phase_code,
                    phase_name: p.phase_name,
                    counts: p.counts.into(),
                })
                .collect(),
            total_items: d.total_items,
            page: d.page,
            per_page: d.per_page,
            items: d
                .items
                .into_iter()
                .map(|i| DueItem {
                    project_id: i.project_id,
                    project_code: i.project_code,
                    project_name: i.project_name,
                    phase_code: i.phase_code,
                    phase_name: i.phase_name,
                    task_id: i.task_id,
                    task_code: i.task_code,
                    task_name: i.task_name,
                    status: i.status.into(),
                    due_on: i.due_on,
                    days_left: i.days_left,
                    overdue: i.overdue,
                    assignee_name: i.assignee_name,
                })
                .collect(),
        }))
    }
}

fn default_horizon() -> u32 {
    7
}

fn default_page() -> u64 {
    1
}

fn default_per_page() -> u64 {
    50
}
