//! The trial run (试运行): it starts the day the client signs for the passwords handed over and
//! lasts the plan's number of days (30 by default). Both sides keep a run log — a day's state,
//! events and faults, who wrote it; faults are recorded with their fix and the minutes the system
//! was down; leftover issues found during the run join those of the initial acceptance. Each
//! completed week goes to the client's project lead as a summary; issues past their due date are
//! reminded to the PMs. Ended by the PM once its days have run, which completes its task; the
//! figures (days, faults, availability, issues opened and closed) are the 试运行总结报告's.
use chrono::{DateTime, Days, Duration, NaiveDate, Utc};
use entity::{acceptance_issue, project, project_member, trial_run, trial_run_fault, trial_run_log, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;
use serde_json::json;

use super::{
    Actor,
    access::{Granted, MayManage, MayRead, MayRecordWork},
    audit,
    milestones::{self, Milestone},
    projects::timezone_of,
};
use crate::{
    db::begin_write,
    documents::forms::TrialRunForms,
    domain::types::{IssueStatus, MemberRole, RunState, SignParty, optional_text, required_text},
    email::{messages, outbox},
    error::{AppError, AppResult},
    state::AppState,
};

/// A trial run with its log, faults and leftover issues.
#[derive(Debug, Clone)]
pub struct TrialRunData {
    pub project: project::Model,
    pub run: trial_run::Model,
    pub logs: Vec<trial_run_log::Model>,
    pub faults: Vec<trial_run_fault::Model>,
    /// Every leftover issue of the project (initial acceptance and trial run).
    pub issues: Vec<acceptance_issue::Model>,
}

/// What the trial run amounts to on a day.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Figures {
    pub planned_days: i32,
    /// Days run so far (to the end, once ended).
    pub days_run: i64,
    /// The day it may be ended.
    pub ends_on: NaiveDate,
    pub logged_days: usize,
    pub faults: usize,
    pub faults_fixed: usize,
    pub downtime_minutes: i64,
    /// Share of the time run that the system was available, in per cent (two decimals).
    pub availability: f64,
    pub issues_opened: usize,
    pub issues_closed: usize,
    pub issues_open: usize,
}

impl TrialRunData {
    /// The first day on which the run may be ended: its planned days have run.
    pub fn ends_on(&self) -> NaiveDate {
        self.run.started_on + Days::new(self.run.planned_days.max(1) as u64)
    }

    pub fn figures(&self, today: NaiveDate) -> Figures {
        let last = self.run.ended_on.unwrap_or(today).max(self.run.started_on);
        let days_run = (last - self.run.started_on).num_days() + 1;
        let downtime: i64 = self.faults.iter().map(|f| i64::from(f.downtime_minutes)).sum();
        let minutes = days_run.max(1) * 24 * 60;
        let availability = ((1.0 - downtime.min(minutes) as f64 / minutes as f64) * 10_000.0).round() / 100.0;
        let mut days: Vec<NaiveDate> = self.logs.iter().map(|l| l.log_date).collect();
        days.dedup();
        Figures {
            planned_days: self.run.planned_days,
            days_run,
            ends_on: self.ends_on(),
            logged_days: days.len(),
            faults: self.faults.len(),
            faults_fixed: self.faults.iter().filter(|f| f.fixed_at.is_some()).count(),
            downtime_minutes: downtime,
            availability,
            issues_opened: self.issues.len(),
            issues_closed: self
                .issues
                .iter()
                .filter(|i| matches!(i.status, IssueStatus::Closed | IssueStatus::Deferred))
                .count(),
            issues_open: self
                .issues
                .iter()
                .filter(|i| matches!(i.status, IssueStatus::Open | IssueStatus::Fixed))
                .count(),
        }
    }
}

/// Starts the trial run on `day` (the client signed for the passwords), its weekly summaries for
/// `report_to`; a second handover does not start it again.
pub(crate) async fn start(
    txn: &DatabaseTransaction,
    actor: &Actor,
    project: &project::Model,
    report_to: (&str, &str),
    day: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let exists = trial_run::Entity::find()
        .filter(trial_run::Column::ProjectId.eq(project.id))
        .one(txn)
        .await?;
    if exists.is_some() {
        return Ok(());
    }
    let days = super::plans::acceptance_policy(txn, project).await?.trial_run_days as i32;
    let run = trial_run::ActiveModel {
        project_id: Set(project.id),
        started_on: Set(day),
        planned_days: Set(days),
        report_to_name: Set(report_to.0.into()),
        report_to_email: Set(report_to.1.into()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    event(
        txn,
        actor,
        &run,
        "trial_run_started",
        json!({"started_on": day.to_string(), "planned_days": days}),
        now,
    )
    .await
}

async fn event(
    db: &impl ConnectionTrait,
    actor: &Actor,
    run: &trial_run::Model,
    name: &'static str,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> AppResult<()> {
    audit::project_event(
        db,
        actor,
        run.project_id,
        name,
        format!("trial_run:{}", run.id),
        detail,
        now,
    )
    .await
}

async fn assemble(
    db: &impl ConnectionTrait,
    project: project::Model,
    run: trial_run::Model,
) -> AppResult<TrialRunData> {
    let logs = trial_run_log::Entity::find()
        .filter(trial_run_log::Column::ProjectId.eq(project.id))
        .order_by_asc(trial_run_log::Column::LogDate)
        .order_by_asc(trial_run_log::Column::Party)
        .all(db)
        .await?;
    let faults = trial_run_fault::Entity::find()
        .filter(trial_run_fault::Column::ProjectId.eq(project.id))
        .order_by_asc(trial_run_fault::Column::OccurredAt)
        .all(db)
        .await?;
    let issues = acceptance_issue::Entity::find()
        .filter(acceptance_issue::Column::ProjectId.eq(project.id))
        .order_by_asc(acceptance_issue::Column::Number)
        .all(db)
        .await?;
    Ok(TrialRunData {
        project,
        run,
        logs,
        faults,
        issues,
    })
}

/// The project's trial run, if it began.
pub async fn find(db: &impl ConnectionTrait, project: &project::Model) -> AppResult<Option<TrialRunData>> {
    let run = trial_run::Entity::find()
        .filter(trial_run::Column::ProjectId.eq(project.id))
        .one(db)
        .await?;
    match run {
        Some(r) => Ok(Some(assemble(db, project.clone(), r).await?)),
        None => Ok(None),
    }
}

/// The trial run, for a reader of the project.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn get(db: &DatabaseConnection, p: &Granted<impl MayRead>) -> AppResult<Option<TrialRunData>> {
    find(db, p.project()).await
}

async fn running(db: &impl ConnectionTrait, project: &project::Model) -> AppResult<TrialRunData> {
    let data = find(db, project).await?.ok_or_else(|| {
        AppError::Conflict(
            "the trial run has not begun: it starts when the client signs for the passwords handed over".into(),
        )
    })?;
    if let Some(ended) = data.run.ended_on {
        return Err(AppError::Conflict(format!("the trial run ended on {ended}")));
    }
    Ok(data)
}

/// A day of a side's run log.
pub struct LogInput {
    pub date: NaiveDate,
    pub party: SignParty,
    pub state: RunState,
    pub events: String,
    pub faults: Option<String>,
    pub written_by: String,
}

/// Records (or corrects) a side's log for a day of the trial run.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn log(
    db: &DatabaseConnection,
    p: &Granted<impl MayRecordWork>,
    input: LogInput,
    now: DateTime<Utc>,
) -> AppResult<trial_run_log::Model> {
    let events = required_text("events", &input.events, 2000)?;
    let faults = optional_text("faults", input.faults.as_deref(), 2000)?;
    let written_by = required_text("written_by", &input.written_by, 100)?;
    let today = now.with_timezone(&timezone_of(p.project())).date_naive();
    let txn = begin_write(db).await?;
    let data = running(&txn, p.project()).await?;
    if input.date < data.run.started_on || input.date > today {
        return Err(AppError::invalid(
            "date",
            format!(
                "date: a day of the trial run, from {} to today ({today})",
                data.run.started_on
            ),
        ));
    }
    if input.state != RunState::Normal && faults.is_none() {
        return Err(AppError::invalid(
            "faults",
            "faults: say what went wrong on a day that was not normal",
        ));
    }
    let existing = data
        .logs
        .iter()
        .find(|l| l.log_date == input.date && l.party == input.party)
        .cloned();
    let mut row: trial_run_log::ActiveModel = match existing {
        Some(l) => l.into(),
        None => trial_run_log::ActiveModel {
            project_id: Set(p.id()),
            log_date: Set(input.date),
            party: Set(input.party),
            ..Default::default()
        },
    };
    row.state = Set(input.state);
    row.events = Set(events);
    row.faults = Set(faults);
    row.written_by = Set(written_by);
    row.recorded_by = Set(p.actor().id);
    row.recorded_at = Set(now);
    let saved = row.save(&txn).await?;
    let saved: trial_run_log::Model = saved.try_into()?;
    event(
        &txn,
        p.actor(),
        &data.run,
        "trial_run_logged",
        json!({"date": input.date.to_string(), "party": input.party.as_str(), "state": input.state.as_str()}),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// A fault during the trial run.
pub struct FaultInput {
    pub occurred_at: DateTime<Utc>,
    pub description: String,
    pub reported_by: String,
    pub fix: Option<String>,
    pub fixed_at: Option<DateTime<Utc>>,
    pub downtime_minutes: i32,
}

fn checked_fault(input: &FaultInput) -> AppResult<()> {
    if !(0..=60 * 24 * 90).contains(&input.downtime_minutes) {
        return Err(AppError::invalid(
            "downtime_minutes",
            "downtime_minutes: the minutes the system was unavailable, 0 or more",
        ));
    }
    if input.fixed_at.is_some_and(|f| f < input.occurred_at) {
        return Err(AppError::invalid(
            "fixed_at",
            "fixed_at: a fault is fixed after it occurred",
        ));
    }
    if input.fixed_at.is_some() && input.fix.as_deref().is_none_or(|f| f.trim().is_empty()) {
        return Err(AppError::invalid("fix", "fix: say what was done to fix it"));
    }
    Ok(())
}

/// Records a fault, with its fix when known.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn add_fault(
    db: &DatabaseConnection,
    p: &Granted<impl MayRecordWork>,
    input: FaultInput,
    now: DateTime<Utc>,
) -> AppResult<trial_run_fault::Model> {
    checked_fault(&input)?;
    let txn = begin_write(db).await?;
    let data = running(&txn, p.project()).await?;
    let tz = timezone_of(p.project());
    if input.occurred_at.with_timezone(&tz).date_naive() < data.run.started_on || input.occurred_at > now {
        return Err(AppError::invalid(
            "occurred_at",
            format!(
                "occurred_at: a time of the trial run, from {} to now",
                data.run.started_on
            ),
        ));
    }
    let row = trial_run_fault::ActiveModel {
        project_id: Set(p.id()),
        occurred_at: Set(input.occurred_at),
        description: Set(required_text("description", &input.description, 2000)?),
        reported_by: Set(required_text("reported_by", &input.reported_by, 100)?),
        fix: Set(optional_text("fix", input.fix.as_deref(), 2000)?),
        fixed_at: Set(input.fixed_at),
        downtime_minutes: Set(input.downtime_minutes),
        recorded_by: Set(p.actor().id),
        recorded_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    event(
        &txn,
        p.actor(),
        &data.run,
        "trial_run_fault",
        json!({"fault": row.id, "description": row.description, "downtime_minutes": row.downtime_minutes}),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Records how a fault was fixed, when, and the downtime it cost in the end.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn fix_fault(
    db: &DatabaseConnection,
    p: &Granted<impl MayRecordWork>,
    id: i32,
    fix: &str,
    fixed_at: DateTime<Utc>,
    downtime_minutes: i32,
    now: DateTime<Utc>,
) -> AppResult<trial_run_fault::Model> {
    let txn = begin_write(db).await?;
    let data = running(&txn, p.project()).await?;
    let fault = data
        .faults
        .iter()
        .find(|f| f.id == id)
        .cloned()
        .ok_or_else(|| AppError::not_found(format!("no trial-run fault {id} in project {}", p.id())))?;
    let input = FaultInput {
        occurred_at: fault.occurred_at,
        description: fault.description.clone(),
        reported_by: fault.reported_by.clone(),
        fix: Some(fix.to_string()),
        fixed_at: Some(fixed_at),
        downtime_minutes,
    };
    checked_fault(&input)?;
    if fixed_at > now {
        return Err(AppError::invalid("fixed_at", "fixed_at: not in the future"));
    }
    let mut row: trial_run_fault::ActiveModel = fault.into();
    row.fix = Set(Some(required_text("fix", fix, 2000)?));
    row.fixed_at = Set(Some(fixed_at));
    row.downtime_minutes = Set(downtime_minutes);
    let saved = row.update(&txn).await?;
    event(
        &txn,
        p.actor(),
        &data.run,
        "trial_run_fault_fixed",
        json!({"fault": id, "downtime_minutes": downtime_minutes}),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Ends the trial run once its planned days have run, with both sides' conclusion; completes its
/// task. Leftover issues still open stay open: final acceptance waits for them.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn end(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    conclusion: &str,
    now: DateTime<Utc>,
) -> AppResult<TrialRunData> {
    let conclusion = required_text("conclusion", conclusion, 2000)?;
    let today = now.with_timezone(&timezone_of(p.project())).date_naive();
    let txn = begin_write(db).await?;
    let data = running(&txn, p.project()).await?;
    if today < data.ends_on() {
        return Err(AppError::Conflict(format!(
            "the trial run started on {} runs {} days: it can end on {} or later",
            data.run.started_on,
            data.run.planned_days,
            data.ends_on()
        )));
    }
    let mut row: trial_run::ActiveModel = data.run.clone().into();
    row.ended_on = Set(Some(today));
    row.ended_by = Set(p.actor().id);
    row.conclusion = Set(Some(conclusion.clone()));
    let run = row.update(&txn).await?;
    let data = assemble(&txn, p.project().clone(), run).await?;
    let f = data.figures(today);
    event(
        &txn,
        p.actor(),
        &data.run,
        "trial_run_ended",
        json!({"ended_on": today.to_string(), "days": f.days_run, "faults": f.faults,
               "availability": f.availability, "issues_open": f.issues_open}),
        now,
    )
    .await?;
    milestones::complete(
        &txn,
        p,
        Milestone::TrialRun,
        format!(
            "试运行 {} 天：故障 {} 次，可用率 {:.2}%，遗留问题 {} 项已关闭、{} 项未关闭",
            f.days_run, f.faults, f.availability, f.issues_closed, f.issues_open
        ),
        vec![milestones::Evidence {
            label: "试运行总结报告".into(),
            href: format!("/api/projects/{}/trial-run", p.id()),
        }],
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(data)
}

/// Whether the project's trial run has ended.
pub async fn ended(db: &impl ConnectionTrait, project: &project::Model) -> AppResult<bool> {
    Ok(trial_run::Entity::find()
        .filter(trial_run::Column::ProjectId.eq(project.id))
        .filter(trial_run::Column::EndedOn.is_not_null())
        .one(db)
        .await?
        .is_some())
}

/// Sends each running trial run's completed weeks to the client's project lead (one e-mail per
/// week, however often this runs) and reminds the PMs of leftover issues past their due date (the
/// day after, then weekly). Returns how many messages were queued.
#[tracing::instrument(skip_all)]
pub async fn notify(state: &AppState, now: DateTime<Utc>) -> AppResult<usize> {
    let db = &state.db;
    let runs = trial_run::Entity::find()
        .filter(trial_run::Column::EndedOn.is_null())
        .all(db)
        .await?;
    let mut queued = 0;
    for run in runs {
        let Some(project) = project::Entity::find_by_id(run.project_id).one(db).await? else {
            continue;
        };
        let today = now.with_timezone(&timezone_of(&project)).date_naive();
        let days_done = (today - run.started_on).num_days();
        let weeks_done = days_done / 7;
        if weeks_done < 1 {
            continue;
        }
        let week_end = run.started_on + Days::new((weeks_done * 7 - 1) as u64);
        if run.summarised_to.is_some_and(|s| s >= week_end) {
            continue;
        }
        let week_start = week_end - Days::new(6);
        let txn = begin_write(db).await?;
        let data = assemble(&txn, project.clone(), run.clone()).await?;
        let tz = timezone_of(&project);
        let in_week = |d: NaiveDate| d >= week_start && d <= week_end;
        let week_faults: Vec<&trial_run_fault::Model> = data
            .faults
            .iter()
            .filter(|f| in_week(f.occurred_at.with_timezone(&tz).date_naive()))
            .collect();
        let f = data.figures(week_end);
        let ctx = minijinja::context! {
            name => run.report_to_name,
            project_code => project.code,
            project_name => project.name,
            week => weeks_done,
            week_start => week_start.to_string(),
            week_end => week_end.to_string(),
            logged => data.logs.iter().filter(|l| in_week(l.log_date)).count(),
            faults => week_faults.iter().map(|f| minijinja::context! {
                at => f.occurred_at.with_timezone(&tz).format("%m-%d %H:%M").to_string(),
                description => f.description,
                fix => f.fix,
                downtime => f.downtime_minutes,
            }).collect::<Vec<_>>(),
            figures => f,
            open_issues => data.issues.iter().filter(|i| matches!(i.status, IssueStatus::Open | IssueStatus::Fixed))
                .map(|i| minijinja::context! { number => i.number, description => i.description, due_on => i.due_on.to_string(), status => i.status.label_zh() })
                .collect::<Vec<_>>(),
        };
        let env = &state.templates.env;
        let render = |name: &str| messages::render(env, name, &ctx);
        if outbox::enqueue(
            &txn,
            outbox::NewEmail {
                key: format!("trial_run_weekly:{}:{week_end}", run.id),
                kind: "trial_run_weekly".into(),
                project_id: Some(project.id),
                to_address: run.report_to_email.clone(),
                to_name: Some(run.report_to_name.clone()),
                subject: render("trial_run_weekly.subject.txt")?,
                text: render("trial_run_weekly.txt")?,
                html: None,
                calendar: None,
            },
            Duration::hours(state.settings.mail_retry_horizon_hours),
            now,
        )
        .await?
        .is_some()
        {
            queued += 1;
        }
        let mut row: trial_run::ActiveModel = run.clone().into();
        row.summarised_to = Set(Some(week_end));
        row.update(&txn).await?;
        txn.commit().await?;
    }
    queued += remind_overdue_issues(state, now).await?;
    Ok(queued)
}

/// Leftover issues past their due date and not closed: their project's PMs hear of each the day
/// after it was due, then every seven days.
async fn remind_overdue_issues(state: &AppState, now: DateTime<Utc>) -> AppResult<usize> {
    let db = &state.db;
    let due = acceptance_issue::Entity::find()
        .filter(acceptance_issue::Column::Status.is_in([IssueStatus::Open, IssueStatus::Fixed]))
        .filter(acceptance_issue::Column::DueOn.lt(now.date_naive()))
        .all(db)
        .await?;
    let mut queued = 0;
    for issue in due {
        let Some(project) = project::Entity::find_by_id(issue.project_id).one(db).await? else {
            continue;
        };
        let today = now.with_timezone(&timezone_of(&project)).date_naive();
        let late = (today - issue.due_on).num_days();
        if late < 1 || late % 7 != 1 {
            continue;
        }
        let pms = project_member::Entity::find()
            .filter(project_member::Column::ProjectId.eq(project.id))
            .filter(project_member::Column::Role.eq(MemberRole::Pm))
            .all(db)
            .await?;
        let people = user::Entity::find()
            .filter(user::Column::Id.is_in(pms.iter().map(|m| m.user_id)))
            .filter(user::Column::Disabled.eq(false))
            .all(db)
            .await?;
        let txn = begin_write(db).await?;
        for person in people {
            let Some(address) = person.email.clone() else { continue };
            let ctx = minijinja::context! {
                name => person.display_name,
                project_code => project.code,
                project_name => project.name,
                number => issue.number,
                description => issue.description,
                owner => issue.owner,
                due_on => issue.due_on.to_string(),
                late => late,
                status => issue.status.label_zh(),
                link => format!("{}/projects/{}", state.settings.base_url(), project.id),
            };
            let env = &state.templates.env;
            let render = |name: &str| messages::render(env, name, &ctx);
            if outbox::enqueue(
                &txn,
                outbox::NewEmail {
                    key: format!("issue_overdue:{}:{today}:{}", issue.id, person.id),
                    kind: "issue_overdue".into(),
                    project_id: Some(project.id),
                    to_address: address,
                    to_name: Some(person.display_name.clone()),
                    subject: render("issue_overdue.subject.txt")?,
                    text: render("issue_overdue.txt")?,
                    html: None,
                    calendar: None,
                },
                Duration::hours(state.settings.mail_retry_horizon_hours),
                now,
            )
            .await?
            .is_some()
            {
                queued += 1;
            }
        }
        txn.commit().await?;
    }
    Ok(queued)
}

/// The trial run as its forms print it (试运行记录, 试运行总结报告), once it began.
pub async fn for_forms(db: &impl ConnectionTrait, project: &project::Model) -> AppResult<Option<TrialRunForms>> {
    let Some(d) = find(db, project).await? else {
        return Ok(None);
    };
    let tz = timezone_of(project);
    let today = Utc::now().with_timezone(&tz).date_naive();
    let f = d.figures(today);
    let minute = |t: DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    Ok(Some(TrialRunForms {
        started_on: d.run.started_on.to_string(),
        ends_on: f.ends_on.to_string(),
        ended_on: d.run.ended_on.map(|e| e.to_string()).unwrap_or_default(),
        planned_days: f.planned_days.to_string(),
        days_run: f.days_run.to_string(),
        logged_days: f.logged_days.to_string(),
        faults: f.faults.to_string(),
        downtime_minutes: f.downtime_minutes.to_string(),
        availability: format!("{:.2}%", f.availability),
        issues_opened: f.issues_opened.to_string(),
        issues_closed: f.issues_closed.to_string(),
        issues_open: f.issues_open.to_string(),
        conclusion: d.run.conclusion.clone().unwrap_or_default(),
        log_rows: d
            .logs
            .iter()
            .map(|l| {
                vec![
                    l.log_date.to_string(),
                    if l.party == SignParty::Client {
                        "甲方"
                    } else {
                        "乙方"
                    }
                    .into(),
                    l.state.label_zh().into(),
                    l.events.clone(),
                    l.faults.clone().unwrap_or_default(),
                    l.written_by.clone(),
                ]
            })
            .collect(),
        fault_rows: d
            .faults
            .iter()
            .enumerate()
            .map(|(n, x)| {
                vec![
                    (n + 1).to_string(),
                    minute(x.occurred_at),
                    x.description.clone(),
                    x.reported_by.clone(),
                    x.fix.clone().unwrap_or_default(),
                    x.fixed_at.map(minute).unwrap_or_default(),
                    x.downtime_minutes.to_string(),
                ]
            })
            .collect(),
    }))
}
