//! The trial run (试运行): its figures, both sides' run log, faults with their fix, and its end.
use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::{Object, OpenApi, param::Path, payload::Json};

use super::types::{DateText, InstantText, OneOf};
use super::{ApiTags, BearerAuth, grant};
use crate::domain::types::{self as kinds, RunState, SignParty, parse_date};
use crate::{
    error::{ApiResult, AppError},
    service::{
        access::{Manage, Read, RecordWork},
        projects::timezone_of,
        trial_run::{self, FaultInput, Figures, LogInput, TrialRunData},
    },
    state::AppState,
};

pub struct TrialRunApi {
    state: AppState,
}

impl TrialRunApi {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

/// A day of a side's run log.
#[derive(Object)]
struct RunLogDto {
    /// Identifier.
    id: i32,
    /// The day.
    date: NaiveDate,
    /// Whose log: ours (乙方) or client (甲方).
    party: OneOf<kinds::SignParty>,
    /// normal (正常), degraded (部分异常) or down (停运).
    state: OneOf<kinds::RunState>,
    /// What happened.
    events: String,
    /// What went wrong.
    #[oai(nullable)]
    faults: Option<String>,
    /// Who wrote it.
    written_by: String,
}

/// A fault with its fix.
#[derive(Object)]
struct RunFaultDto {
    /// Identifier.
    id: i32,
    /// When it occurred.
    occurred_at: DateTime<Utc>,
    /// What happened.
    description: String,
    /// Who reported it.
    reported_by: String,
    /// What was done.
    #[oai(nullable)]
    fix: Option<String>,
    /// When it worked again.
    #[oai(nullable)]
    fixed_at: Option<DateTime<Utc>>,
    /// Minutes the system was unavailable.
    downtime_minutes: i32,
}

/// What the trial run amounts to.
#[derive(Object)]
struct RunFiguresDto {
    /// Days planned.
    planned_days: i32,
    /// Days run so far (to the end, once ended).
    days_run: i64,
    /// The first day it may be ended.
    ends_on: NaiveDate,
    /// Days with a log entry.
    logged_days: usize,
    /// Faults recorded.
    faults: usize,
    /// Of which fixed.
    faults_fixed: usize,
    /// Minutes down, all faults together.
    downtime_minutes: i64,
    /// Per cent of the time run the system was available.
    availability: f64,
    /// Leftover issues recorded (initial acceptance and trial run).
    issues_opened: usize,
    /// Closed or deferred.
    issues_closed: usize,
    /// Still open or awaiting the client's confirmation.
    issues_open: usize,
}

impl From<Figures> for RunFiguresDto {
    fn from(f: Figures) -> Self {
        RunFiguresDto {
            planned_days: f.planned_days,
            days_run: f.days_run,
            ends_on: f.ends_on,
            logged_days: f.logged_days,
            faults: f.faults,
            faults_fixed: f.faults_fixed,
            downtime_minutes: f.downtime_minutes,
            availability: f.availability,
            issues_opened: f.issues_opened,
            issues_closed: f.issues_closed,
            issues_open: f.issues_open,
        }
    }
}

/// The trial run; before it begins, only `started` (false) says something.
#[derive(Object)]
struct TrialRunDto {
    /// Whether it began (the client signed for the passwords).
    started: bool,
    /// The first day.
    #[oai(nullable)]
    started_on: Option<NaiveDate>,
    /// The day it was ended.
    #[oai(nullable)]
    ended_on: Option<NaiveDate>,
    /// Both sides' conclusion.
    #[oai(nullable)]
    conclusion: Option<String>,
    /// Who gets the weekly summary.
    #[oai(nullable)]
    report_to: Option<String>,
    /// The figures today (or at its end).
    #[oai(nullable)]
    figures: Option<RunFiguresDto>,
    /// The run log, by day.
    logs: Vec<RunLogDto>,
    /// The faults.
    faults: Vec<RunFaultDto>,
}

fn fault_dto(f: &entity::trial_run_fault::Model) -> RunFaultDto {
    RunFaultDto {
        id: f.id,
        occurred_at: f.occurred_at,
        description: f.description.clone(),
        reported_by: f.reported_by.clone(),
        fix: f.fix.clone(),
        fixed_at: f.fixed_at,
        downtime_minutes: f.downtime_minutes,
    }
}

fn log_dto(l: &entity::trial_run_log::Model) -> RunLogDto {
    RunLogDto {
        id: l.id,
        date: l.log_date,
        party: l.party.into(),
        state: l.state.into(),
        events: l.events.clone(),
        faults: l.faults.clone(),
        written_by: l.written_by.clone(),
    }
}

fn run_dto(data: Option<&TrialRunData>) -> TrialRunDto {
    let Some(d) = data else {
        return TrialRunDto {
            started: false,
            started_on: None,
            ended_on: None,
            conclusion: None,
            report_to: None,
            figures: None,
            logs: Vec::new(),
            faults: Vec::new(),
        };
    };
    let today = Utc::now().with_timezone(&timezone_of(&d.project)).date_naive();
    TrialRunDto {
        started: true,
        started_on: Some(d.run.started_on),
        ended_on: d.run.ended_on,
        conclusion: d.run.conclusion.clone(),
        report_to: Some(format!("{} <{}>", d.run.report_to_name, d.run.report_to_email)),
        figures: Some(d.figures(today).into()),
        logs: d.logs.iter().map(log_dto).collect(),
        faults: d.faults.iter().map(fault_dto).collect(),
    }
}

/// A day of a side's run log.
#[derive(Object)]
struct RunLogRequest {
    /// The day, YYYY-MM-DD (from the first day of the run to today).
    date: DateText,
    /// ours (乙方) or client (甲方).
    party: OneOf<kinds::SignParty>,
    /// normal, degraded or down (the last two need `faults`).
    state: OneOf<kinds::RunState>,
    /// What happened.
    events: String,
    /// What went wrong.
    #[oai(nullable)]
    faults: Option<String>,
    /// Who wrote it.
    written_by: String,
}

/// A fault during the trial run.
#[derive(Object)]
struct RunFaultRequest {
    /// When it occurred, RFC 3339.
    occurred_at: InstantText,
    /// What happened.
    description: String,
    /// Who reported it.
    reported_by: String,
    /// What was done (with `fixed_at`).
    #[oai(nullable)]
    fix: Option<String>,
    /// When it worked again.
    #[oai(nullable)]
    fixed_at: Option<InstantText>,
    /// Minutes the system was unavailable.
    #[oai(default)]
    downtime_minutes: i32,
}

/// How a fault was fixed.
#[derive(Object)]
struct RunFixRequest {
    /// What was done.
    fix: String,
    /// When it worked again, RFC 3339.
    fixed_at: InstantText,
    /// Minutes the system was unavailable in all.
    downtime_minutes: i32,
}

/// The end of the trial run.
#[derive(Object)]
struct RunEndRequest {
    /// Both sides' conclusion of it.
    conclusion: String,
}

#[OpenApi(tag = "ApiTags::Acceptance")]
impl TrialRunApi {
    /// The trial run
    ///
    /// Its days, both sides' log, the faults and the figures (days, faults, availability,
    /// leftover issues opened and closed).
    #[oai(path = "/projects/:id/trial-run", method = "get", operation_id = "get_trial_run")]
    async fn get(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
    ) -> ApiResult<Json<TrialRunDto>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let data = trial_run::get(&self.state.db, &p).await?;
        Ok(Json(run_dto(data.as_ref())))
    }

    /// Write a day of the run log
    ///
    /// One entry per side and day; writing the same day again corrects it.
    #[oai(
        path = "/projects/:id/trial-run/logs",
        method = "post",
        operation_id = "log_trial_run"
    )]
    async fn log(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        body: Json<RunLogRequest>,
    ) -> ApiResult<Json<RunLogDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let b = body.0;
        let row = trial_run::log(
            &self.state.db,
            &p,
            LogInput {
                date: parse_date("date", &b.date)?,
                party: SignParty::parse(&b.party).map_err(AppError::from)?,
                state: RunState::parse(&b.state).map_err(AppError::from)?,
                events: b.events,
                faults: b.faults,
                written_by: b.written_by,
            },
            Utc::now(),
        )
        .await?;
        Ok(Json(log_dto(&row)))
    }

    /// Record a fault
    #[oai(
        path = "/projects/:id/trial-run/faults",
        method = "post",
        operation_id = "add_trial_run_fault"
    )]
    async fn add_fault(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        body: Json<RunFaultRequest>,
    ) -> ApiResult<Json<RunFaultDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let b = body.0;
        let row = trial_run::add_fault(
            &self.state.db,
            &p,
            FaultInput {
                occurred_at: super::instant("occurred_at", Some(&b.occurred_at))?,
                description: b.description,
                reported_by: b.reported_by,
                fix: b.fix,
                fixed_at: b.fixed_at.map(|t| super::instant("fixed_at", Some(&t))).transpose()?,
                downtime_minutes: b.downtime_minutes,
            },
            Utc::now(),
        )
        .await?;
        Ok(Json(fault_dto(&row)))
    }

    /// Record a fault's fix
    #[oai(
        path = "/projects/:id/trial-run/faults/:fault/fix",
        method = "post",
        operation_id = "fix_trial_run_fault"
    )]
    async fn fix_fault(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Fault id.
        fault: Path<i32>,
        body: Json<RunFixRequest>,
    ) -> ApiResult<Json<RunFaultDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let b = body.0;
        let row = trial_run::fix_fault(
            &self.state.db,
            &p,
            fault.0,
            &b.fix,
            super::instant("fixed_at", Some(&b.fixed_at))?,
            b.downtime_minutes,
            Utc::now(),
        )
        .await?;
        Ok(Json(fault_dto(&row)))
    }

    /// End the trial run
    ///
    /// Once its planned days have run (409 naming the day before); completes the 试运行 task.
    #[oai(
        path = "/projects/:id/trial-run/end",
        method = "post",
        operation_id = "end_trial_run"
    )]
    async fn end(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        body: Json<RunEndRequest>,
    ) -> ApiResult<Json<TrialRunDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let data = trial_run::end(&self.state.db, &p, &body.0.conclusion, Utc::now()).await?;
        Ok(Json(run_dto(Some(&data))))
    }
}
