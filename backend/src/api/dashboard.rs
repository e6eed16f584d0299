use std::collections::BTreeMap;

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
    overdue: u32,
    /// Open tasks due within the horizon (today included), not yet overdue.
    due_soon: u32,
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
    /// The tasks themselves, earliest deadline first.
    items: Vec<DueItem>,
}

#[OpenApi(tag = "ApiTags::Dashboard")]
impl DashboardApi {
    /// Deadlines across my projects
    ///
    /// Overdue tasks and tasks due within the horizon (default 7 days) of the active projects the
    /// caller can see, counted per phase and overall, with the items themselves.
    #[oai(path = "/dashboard", method = "get", operation_id = "dashboard")]
    async fn get(
        &self,
        auth: BearerAuth,
        /// Days ahead that count as due soon, 0–90.
        #[oai(default = "default_horizon", validator(maximum(value = "90")))]
        horizon_days: Query<u32>,
        /// Compute for this instant (RFC 3339); now when absent.
        as_of: Query<Option<InstantText>>,
    ) -> ApiResult<Json<Dashboard>> {
        let me = actor(&self.state, &auth).await?;
        let now = instant("as_of", as_of.0.as_deref().map(String::as_str))?;
        let horizon = horizon_days.0;
        let mut overall = Counts::default();
        let mut phases: BTreeMap<(i32, String), PhaseCounts> = BTreeMap::new();
        let mut items = Vec::new();
        for item in dashboard::open_items(&self.state.db, &me, now).await? {
            let overdue = item.state.overdue;
            if !overdue && item.state.days_left > i64::from(horizon) {
                continue;
            }
            let entry = phases
                .entry((item.phase.seq, item.phase.code.clone()))
                .or_insert_with(|| PhaseCounts {
                    phase_code: item.phase.code.clone(),
                    phase_name: item.phase.name.clone(),
                    counts: Counts::default(),
                });
            if overdue {
                overall.overdue += 1;
                entry.counts.overdue += 1;
            } else {
                overall.due_soon += 1;
                entry.counts.due_soon += 1;
            }
            items.push(DueItem {
                project_id: item.project.id,
                project_code: item.project.code,
                project_name: item.project.name,
                phase_code: item.phase.code,
                phase_name: item.phase.name,
                task_id: item.task.id,
                task_code: item.task.code,
                task_name: item.task.name,
                status: item.task.status.into(),
                due_on: item.due_on,
                days_left: item.state.days_left,
                overdue,
            });
        }
        Ok(Json(Dashboard {
            as_of: now,
            horizon_days: horizon,
            overall,
            phases: phases.into_values().collect(),
            items,
        }))
    }
}

fn default_horizon() -> u32 {
    7
}
