use super::grant;
use crate::service::access::{Granted, Manage, Read, RecordWork};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use entity::{phase, task};
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::{Json, PlainText},
};

use super::types::{DateText, InstantText, OneOf};
use super::{ApiTags, BearerAuth, actor, instant};
use crate::domain::types as kinds;
use crate::{
    domain::{
        schedule::{due_state, effective_due, local_today, phase_status},
        types::{TaskStatus, parse_date},
    },
    error::ApiResult,
    service::{
        feeds,
        milestones::Evidence,
        projects::timezone_of,
        schedule::{self, Deadline, TaskAction, TaskUpdate},
    },
    state::AppState,
};

pub struct ScheduleApi {
    state: AppState,
}

impl ScheduleApi {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

/// A project's schedule as it stands at `as_of`.
#[derive(Object)]
struct ScheduleDto {
    /// Identifier of the project.
    project_id: i32,
    /// The date every deadline counts from.
    contract_signed_on: NaiveDate,
    /// The instant the overdue flags and days left are computed for.
    as_of: DateTime<Utc>,
    /// The project's calendar day at `as_of`.
    today: NaiveDate,
    /// IANA time zone in which deadlines end at midnight.
    timezone: String,
    /// Phases in plan order.
    phases: Vec<PhaseDto>,
}

/// A phase; it is done when all its tasks are.
#[derive(Object)]
struct PhaseDto {
    /// Identifier.
    id: i32,
    /// Position in its list, from 1.
    seq: i32,
    /// Code from the plan.
    code: String,
    /// Name shown to people.
    name: String,
    /// Days after contract signing (calendar or working days, per the plan).
    offset_days: i32,
    /// The date the plan gives.
    planned_due_on: NaiveDate,
    /// The date that counts: the override if any, else the planned date.
    due_on: NaiveDate,
    /// The due date is overridden for this project.
    overridden: bool,
    /// Why the due date was overridden.
    #[oai(nullable)]
    override_reason: Option<String>,
    /// not_started, in_progress or done (derived from the tasks).
    status: OneOf<kinds::TaskStatus>,
    /// Not done after the end of the due day in the project's time zone.
    overdue: bool,
    /// Days from today to the due day; negative when past.
    days_left: i64,
    /// Tasks in order.
    tasks: Vec<TaskDto>,
}

/// A task with its deadline.
#[derive(Object)]
pub struct TaskDto {
    /// Identifier.
    id: i32,
    /// Identifier of the phase the task belongs to.
    phase_id: i32,
    /// Position in its list, from 1.
    seq: i32,
    /// Code from the plan.
    code: String,
    /// Name shown to people.
    name: String,
    /// Days after contract signing (calendar or working days, per the plan).
    offset_days: i32,
    /// The date the plan gives, from the contract date.
    planned_due_on: NaiveDate,
    /// The due date that counts (override, else planned).
    due_on: NaiveDate,
    /// The due date is overridden for this project.
    overridden: bool,
    /// Why the due date was overridden.
    #[oai(nullable)]
    override_reason: Option<String>,
    /// The task waits on the client.
    waits_on_client: bool,
    /// User id of who does the task; reminders go to them, else to the project's PMs.
    #[oai(nullable)]
    assignee_id: Option<i32>,
    /// not_started, in_progress or done.
    status: OneOf<kinds::TaskStatus>,
    /// Actual start.
    #[oai(nullable)]
    started_at: Option<DateTime<Utc>>,
    /// Actual finish.
    #[oai(nullable)]
    finished_at: Option<DateTime<Utc>>,
    /// User id of who completed it.
    #[oai(nullable)]
    completed_by: Option<i32>,
    /// Note kept with the task.
    #[oai(nullable)]
    note: Option<String>,
    /// Links to the records that completed the task, when the system completed it.
    evidence: Vec<EvidenceDto>,
    /// Not done after the end of the due day in the project's time zone.
    overdue: bool,
    /// Days from today (project time zone) to the due day; negative when past.
    days_left: i64,
}

/// A record that shows a task is done.
#[derive(Object)]
pub struct EvidenceDto {
    /// What it is, e.g. 设备签收单 FH-001（张三 签收）.
    label: String,
    /// Where the API serves it.
    href: String,
}

impl TaskDto {
    fn new(t: task::Model, now: DateTime<Utc>, tz: Tz) -> Self {
        let due_on = effective_due(t.planned_due_on, t.override_due_on);
        let state = due_state(due_on, t.status == TaskStatus::Done, now, tz);
        Self {
            id: t.id,
            phase_id: t.phase_id,
            seq: t.seq,
            code: t.code,
            name: t.name,
            offset_days: t.offset_days,
            planned_due_on: t.planned_due_on,
            due_on,
            overridden: t.override_due_on.is_some(),
            override_reason: t.override_reason,
            waits_on_client: t.waits_on_client,
            assignee_id: t.assignee_id,
            status: t.status.into(),
            started_at: t.started_at,
            finished_at: t.finished_at,
            completed_by: t.completed_by,
            note: t.note,
            evidence: t
                .evidence
                .as_deref()
                .and_then(|e| serde_json::from_str::<Vec<Evidence>>(e).ok())
                .unwrap_or_default()
                .into_iter()
                .map(|e| EvidenceDto {
                    label: e.label,
                    href: e.href,
                })
                .collect(),
            overdue: state.overdue,
            days_left: state.days_left,
        }
    }
}

fn phase_dto(p: phase::Model, tasks: Vec<task::Model>, now: DateTime<Utc>, tz: Tz) -> PhaseDto {
    let status = phase_status(tasks.iter().map(|t| t.status));
    let due_on = effective_due(p.planned_due_on, p.override_due_on);
    let state = due_state(due_on, status == TaskStatus::Done, now, tz);
    PhaseDto {
        id: p.id,
        seq: p.seq,
        code: p.code,
        name: p.name,
        offset_days: p.offset_days,
        planned_due_on: p.planned_due_on,
        due_on,
        overridden: p.override_due_on.is_some(),
        override_reason: p.override_reason,
        status: status.into(),
        overdue: state.overdue,
        days_left: state.days_left,
        tasks: tasks.into_iter().map(|t| TaskDto::new(t, now, tz)).collect(),
    }
}

#[derive(Object)]
struct TaskProgress {
    /// What was done, or why (kept in the task and its history). Required to reopen.
    #[oai(nullable)]
    note: Option<String>,
    /// When it actually happened (RFC 3339); now when absent.
    #[oai(nullable)]
    at: Option<String>,
}

#[derive(Object)]
struct Assignment {
    /// A member of the project; null unassigns the task.
    #[oai(nullable)]
    user_id: Option<i32>,
}

#[derive(Object)]
struct DueOverride {
    /// The new due date, YYYY-MM-DD; null removes the override and restores the planned date.
    #[oai(nullable)]
    due_on: Option<DateText>,
    /// Why the date changes; kept in the history.
    reason: String,
}

#[derive(ApiResponse)]
pub enum IcsResponse {
    /// An iCalendar file with one all-day event per task deadline.
    #[oai(status = 200, content_type = "text/calendar; charset=utf-8")]
    Ok(PlainText<String>),
}

#[OpenApi(tag = "ApiTags::Schedule")]
impl ScheduleApi {
    /// Get a project's schedule
    ///
    /// Phases and tasks with due dates, status, overdue flag and days left.
    #[oai(path = "/projects/:id/schedule", method = "get", operation_id = "get_schedule")]
    async fn get(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Compute overdue and days left for this instant (RFC 3339); now when absent.
        as_of: Query<Option<InstantText>>,
    ) -> ApiResult<Json<ScheduleDto>> {
        let now = instant("as_of", as_of.0.as_deref().map(String::as_str))?;
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let tz = timezone_of(p.project());
        let (phases, tasks) = schedule::load(&self.state.db, &p).await?;
        let mut tasks = tasks;
        let phases = phases
            .into_iter()
            .map(|phase| {
                let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut tasks)
                    .into_iter()
                    .partition(|t| t.phase_id == phase.id);
                tasks = rest;
                phase_dto(phase, mine, now, tz)
            })
            .collect();
        let project = p.project();
        Ok(Json(ScheduleDto {
            project_id: project.id,
            contract_signed_on: project.contract_signed_on,
            as_of: now,
            today: local_today(now, tz),
            timezone: project.timezone.clone(),
            phases,
        }))
    }

    /// Start a task
    #[oai(
        path = "/projects/:id/tasks/:task_id/start",
        method = "post",
        operation_id = "start_task"
    )]
    async fn start(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Task id (from the schedule).
        task_id: Path<i32>,
        body: Json<TaskProgress>,
    ) -> ApiResult<Json<TaskDto>> {
        self.act(auth, id.0, task_id.0, TaskAction::Start, body.0).await
    }

    /// Complete a task
    #[oai(
        path = "/projects/:id/tasks/:task_id/complete",
        method = "post",
        operation_id = "complete_task"
    )]
    async fn complete(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Task id (from the schedule).
        task_id: Path<i32>,
        body: Json<TaskProgress>,
    ) -> ApiResult<Json<TaskDto>> {
        self.act(auth, id.0, task_id.0, TaskAction::Complete, body.0).await
    }

    /// Reopen a done task
    ///
    /// `note` must say why.
    #[oai(
        path = "/projects/:id/tasks/:task_id/reopen",
        method = "post",
        operation_id = "reopen_task"
    )]
    async fn reopen(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Task id (from the schedule).
        task_id: Path<i32>,
        body: Json<TaskProgress>,
    ) -> ApiResult<Json<TaskDto>> {
        self.act(auth, id.0, task_id.0, TaskAction::Reopen, body.0).await
    }

    /// Assign a task
    ///
    /// Managers. The assignee (a member of the project) gets the task's reminders instead of the PMs.
    #[oai(
        path = "/projects/:id/tasks/:task_id/assignee",
        method = "put",
        operation_id = "assign_task"
    )]
    async fn assign(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Task id (from the schedule).
        task_id: Path<i32>,
        body: Json<Assignment>,
    ) -> ApiResult<Json<TaskDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let now = Utc::now();
        let task = schedule::assign(&self.state.db, &p, task_id.0, body.0.user_id, now).await?;
        Ok(Json(TaskDto::new(task, now, timezone_of(p.project()))))
    }

    /// Override a task's due date
    ///
    /// Managers. The override survives changes of the contract date; `due_on: null` removes it.
    #[oai(
        path = "/projects/:id/tasks/:task_id/due",
        method = "put",
        operation_id = "override_task_due"
    )]
    async fn override_task(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Task id (from the schedule).
        task_id: Path<i32>,
        body: Json<DueOverride>,
    ) -> ApiResult<Json<TaskDto>> {
        let p = self
            .override_due(&auth, id.0, Deadline::Task(task_id.0), body.0)
            .await?;
        let (_, tasks) = schedule::load(&self.state.db, &p).await?;
        let task = tasks
            .into_iter()
            .find(|t| t.id == task_id.0)
            .ok_or_else(|| crate::error::AppError::not_found(format!("no task {}", task_id.0)))?;
        Ok(Json(TaskDto::new(task, Utc::now(), timezone_of(p.project()))))
    }

    /// Override a phase's due date
    ///
    /// Managers. `due_on: null` removes the override.
    #[oai(
        path = "/projects/:id/phases/:phase_id/due",
        method = "put",
        operation_id = "override_phase_due"
    )]
    async fn override_phase(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Phase id (from the schedule).
        phase_id: Path<i32>,
        body: Json<DueOverride>,
    ) -> ApiResult<super::NoContent> {
        self.override_due(&auth, id.0, Deadline::Phase(phase_id.0), body.0)
            .await?;
        Ok(super::NoContent::Done)
    }

    /// A project's deadlines as iCalendar
    ///
    /// One all-day event per task, with alarms at 09:00 the day before and on the day. Calendar
    /// clients that cannot send a token can use the secret feed URL (POST /api/auth/me/calendar-feed).
    #[oai(
        path = "/projects/:id/calendar.ics",
        method = "get",
        operation_id = "project_calendar"
    )]
    async fn calendar(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
    ) -> ApiResult<IcsResponse> {
        let me = actor(&self.state, &auth).await?;
        let ics = feeds::calendar(
            &self.state.db,
            &self.state.settings.base_url(),
            &me,
            Some(id.0),
            Utc::now(),
        )
        .await?;
        Ok(IcsResponse::Ok(PlainText(ics)))
    }
}

impl ScheduleApi {
    async fn act(
        &self,
        auth: BearerAuth,
        project_id: i32,
        task_id: i32,
        action: TaskAction,
        body: TaskProgress,
    ) -> ApiResult<Json<TaskDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, project_id).await?;
        let at = body.at.as_deref().map(|a| instant("at", Some(a))).transpose()?;
        let now = Utc::now();
        let task = schedule::act_on_task(
            &self.state.db,
            &p,
            task_id,
            TaskUpdate {
                action,
                note: body.note,
                at,
            },
            now,
        )
        .await?;
        Ok(Json(TaskDto::new(task, now, timezone_of(p.project()))))
    }

    async fn override_due(
        &self,
        auth: &BearerAuth,
        project_id: i32,
        target: Deadline,
        body: DueOverride,
    ) -> ApiResult<Granted<Manage>> {
        let p = grant::<Manage>(&self.state, auth, project_id).await?;
        let due_on = body.due_on.as_deref().map(|d| parse_date("due_on", d)).transpose()?;
        schedule::override_due(&self.state.db, &p, target, due_on, &body.reason, Utc::now()).await?;
        Ok(p)
    }
}
