//! Training (人员培训): the client's operators (操作员) and maintainers (系统维护员) are trained on
//! site after the initial acceptance — at least the plan's number of people for its number of days
//! each, starting within its week, the materials handed out beforehand. Each session has an
//! attendance sheet (现场培训单) the trainees sign on the tablet or by hand; each trainee is
//! assessed in writing and in practice against the pass mark; whoever fails is trained again and
//! re-assessed within the plan's week — a task of the schedule, reminded like any other — until
//! they pass. Training is complete, and its task done, when every trainee has passed.
use chrono::{DateTime, Days, NaiveDate, Utc};
use entity::{
    acceptance, project, task, trainee, training, training_assessment, training_attendance, training_session,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde_json::json;

use super::{
    Actor,
    acceptance::Blocker,
    access::{Granted, MayManage, MayRead, MayRecordWork},
    audit,
    milestones::{self, Milestone},
    plans::acceptance_policy,
    projects::timezone_of,
    schedule,
    signing::Evidence,
};
use crate::{
    db::begin_write,
    documents::forms::TrainingForms,
    domain::{
        plan::AcceptancePolicy,
        types::{AcceptanceStage, AttendanceMethod, TraineeKind, optional_text, required_text},
    },
    error::{AppError, AppResult},
};

/// A project's training with everything recorded on it.
#[derive(Debug, Clone)]
pub struct TrainingData {
    pub project: project::Model,
    pub policy: AcceptancePolicy,
    /// The initial acceptance's day, once recorded: training starts within the plan's days of it.
    pub accepted_on: Option<NaiveDate>,
    pub training: Option<training::Model>,
    pub trainees: Vec<trainee::Model>,
    /// By day.
    pub sessions: Vec<training_session::Model>,
    pub attendance: Vec<training_attendance::Model>,
    /// By trainee, then attempt.
    pub assessments: Vec<training_assessment::Model>,
}

/// Where a trainee stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    NotAssessed,
    Passed {
        on: NaiveDate,
        attempt: i32,
    },
    Failed {
        on: NaiveDate,
        attempt: i32,
        remedial_due_on: NaiveDate,
    },
}

impl Standing {
    pub fn label_zh(self) -> String {
        match self {
            Standing::NotAssessed => "未考核".into(),
            Standing::Passed { attempt: 1, .. } => "合格".into(),
            Standing::Passed { attempt, .. } => format!("合格（第{attempt}次考核）"),
            Standing::Failed { remedial_due_on, .. } => format!("不合格，{remedial_due_on} 前强化培训并重新考核"),
        }
    }
}

impl TrainingData {
    pub fn assessments_of(&self, trainee_id: i32) -> impl Iterator<Item = &training_assessment::Model> {
        self.assessments.iter().filter(move |a| a.trainee_id == trainee_id)
    }

    pub fn latest(&self, trainee_id: i32) -> Option<&training_assessment::Model> {
        self.assessments_of(trainee_id).max_by_key(|a| a.attempt)
    }

    pub fn standing(&self, trainee_id: i32) -> Standing {
        match self.latest(trainee_id) {
            None => Standing::NotAssessed,
            Some(a) if a.passed => Standing::Passed {
                on: a.assessed_on,
                attempt: a.attempt,
            },
            Some(a) => Standing::Failed {
                on: a.assessed_on,
                attempt: a.attempt,
                remedial_due_on: a.remedial_due_on.unwrap_or(a.assessed_on),
            },
        }
    }

    pub fn signed_in(&self, session_id: i32, trainee_id: i32) -> Option<&training_attendance::Model> {
        self.attendance
            .iter()
            .find(|a| a.session_id == session_id && a.trainee_id == trainee_id)
    }

    /// Who is on a session's sheet: everyone, but on a remedial session's only those who had
    /// failed by its day (and anyone who signed in to it).
    pub fn expected(&self, s: &training_session::Model) -> Vec<&trainee::Model> {
        self.trainees
            .iter()
            .filter(|t| {
                !s.remedial
                    || self.signed_in(s.id, t.id).is_some()
                    || self
                        .assessments_of(t.id)
                        .any(|a| !a.passed && a.assessed_on <= s.held_on)
            })
            .collect()
    }

    /// The days a trainee attended.
    pub fn days_attended(&self, trainee_id: i32) -> usize {
        let mut days: Vec<NaiveDate> = self
            .sessions
            .iter()
            .filter(|s| self.signed_in(s.id, trainee_id).is_some())
            .map(|s| s.held_on)
            .collect();
        days.dedup();
        days.len()
    }

    /// Every trainee (at least the plan's number) has passed.
    pub fn complete(&self) -> bool {
        self.gaps().is_empty()
    }

    /// What keeps training from being complete, each thing once.
    pub fn gaps(&self) -> Vec<Blocker> {
        let mut out = Vec::new();
        if self.training.is_none() {
            out.push(Blocker {
                en: "training (人员培训) is not planned".into(),
                zh: "人员培训尚未安排".into(),
            });
            return out;
        }
        let min = self.policy.training_min_trainees as usize;
        if self.trainees.len() < min {
            out.push(Blocker {
                en: format!(
                    "training lists {} trainees, the plan promises at least {min}",
                    self.trainees.len()
                ),
                zh: format!("受训人员 {} 人，计划要求不少于 {min} 人", self.trainees.len()),
            });
        }
        for t in &self.trainees {
            match self.standing(t.id) {
                Standing::Passed { .. } => {}
                Standing::NotAssessed => out.push(Blocker {
                    en: format!("trainee {} has not been assessed", t.name),
                    zh: format!("受训人员 {} 尚未考核", t.name),
                }),
                Standing::Failed {
                    on, remedial_due_on, ..
                } => out.push(Blocker {
                    en: format!(
                        "trainee {} failed the assessment on {on}: remedial training and a new assessment are due by {remedial_due_on}",
                        t.name
                    ),
                    zh: format!(
                        "受训人员 {} 于 {on} 考核不合格，须在 {remedial_due_on} 前强化培训并重新考核",
                        t.name
                    ),
                }),
            }
        }
        out
    }
}

async fn initial_day(db: &impl ConnectionTrait, project_id: i32) -> AppResult<Option<NaiveDate>> {
    Ok(acceptance::Entity::find()
        .filter(acceptance::Column::ProjectId.eq(project_id))
        .filter(acceptance::Column::Stage.eq(AcceptanceStage::Initial))
        .one(db)
        .await?
        .and_then(|a| a.held_on))
}

/// The project's training as it stands (planned or not).
pub async fn find(db: &impl ConnectionTrait, project: &project::Model) -> AppResult<TrainingData> {
    let id = project.id;
    let training = training::Entity::find()
        .filter(training::Column::ProjectId.eq(id))
        .one(db)
        .await?;
    let trainees = trainee::Entity::find()
        .filter(trainee::Column::ProjectId.eq(id))
        .order_by_asc(trainee::Column::Number)
        .all(db)
        .await?;
    let sessions = training_session::Entity::find()
        .filter(training_session::Column::ProjectId.eq(id))
        .order_by_asc(training_session::Column::HeldOn)
        .order_by_asc(training_session::Column::Id)
        .all(db)
        .await?;
    let attendance = if sessions.is_empty() {
        Vec::new()
    } else {
        training_attendance::Entity::find()
            .filter(training_attendance::Column::SessionId.is_in(sessions.iter().map(|s| s.id)))
            .order_by_asc(training_attendance::Column::SignedAt)
            .all(db)
            .await?
    };
    let assessments = training_assessment::Entity::find()
        .filter(training_assessment::Column::ProjectId.eq(id))
        .order_by_asc(training_assessment::Column::TraineeId)
        .order_by_asc(training_assessment::Column::Attempt)
        .all(db)
        .await?;
    Ok(TrainingData {
        project: project.clone(),
        policy: acceptance_policy(db, project).await?,
        accepted_on: initial_day(db, id).await?,
        training,
        trainees,
        sessions,
        attendance,
        assessments,
    })
}

/// The training, for a reader of the project.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn get(db: &DatabaseConnection, p: &Granted<impl MayRead>) -> AppResult<TrainingData> {
    find(db, p.project()).await
}

/// What final acceptance waits for from training (empty once complete).
pub async fn gaps(db: &impl ConnectionTrait, project: &project::Model) -> AppResult<Vec<Blocker>> {
    Ok(find(db, project).await?.gaps())
}

async fn event(
    db: &impl ConnectionTrait,
    actor: &Actor,
    project_id: i32,
    name: &'static str,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> AppResult<()> {
    audit::project_event(
        db,
        actor,
        project_id,
        name,
        format!("training:{project_id}"),
        detail,
        now,
    )
    .await
}

/// The training plan.
pub struct PlanInput {
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub place: String,
    pub trainers: String,
    pub content: String,
    pub materials: String,
    pub materials_handed_on: Option<NaiveDate>,
    pub late_reason: Option<String>,
}

/// Plans (or re-plans) the training: after the initial acceptance, within the plan's days of it
/// unless a reason says why not, for at least the plan's days. Starts the training task.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn plan(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    input: PlanInput,
    now: DateTime<Utc>,
) -> AppResult<TrainingData> {
    let place = required_text("place", &input.place, 200)?;
    let trainers = required_text("trainers", &input.trainers, 200)?;
    let content = required_text("content", &input.content, 2000)?;
    let materials = required_text("materials", &input.materials, 1000)?;
    let late_reason = optional_text("late_reason", input.late_reason.as_deref(), 500)?;
    let txn = begin_write(db).await?;
    let data = find(&txn, p.project()).await?;
    let policy = &data.policy;
    let Some(accepted_on) = data.accepted_on else {
        return Err(AppError::Conflict(
            "training follows the initial acceptance: record the initial acceptance (its day) first".into(),
        ));
    };
    if input.starts_on < accepted_on {
        return Err(AppError::invalid(
            "starts_on",
            format!("starts_on: training starts on or after the initial acceptance ({accepted_on})"),
        ));
    }
    let latest_start = accepted_on + Days::new(u64::from(policy.training_within_days));
    if input.starts_on > latest_start && late_reason.is_none() {
        return Err(AppError::invalid(
            "late_reason",
            format!(
                "late_reason: training should start by {latest_start} ({} days after the initial acceptance); say why it starts on {}",
                policy.training_within_days, input.starts_on
            ),
        ));
    }
    let days = (input.ends_on - input.starts_on).num_days() + 1;
    if days < i64::from(policy.training_days) {
        return Err(AppError::invalid(
            "ends_on",
            format!(
                "ends_on: the plan promises at least {} days of training; {} to {} is {days}",
                policy.training_days, input.starts_on, input.ends_on
            ),
        ));
    }
    if input.materials_handed_on.is_some_and(|d| d > input.starts_on) {
        return Err(AppError::invalid(
            "materials_handed_on",
            "materials_handed_on: the materials are handed out before training starts",
        ));
    }
    let mut row: training::ActiveModel = match data.training.clone() {
        Some(t) => t.into(),
        None => training::ActiveModel {
            project_id: Set(p.id()),
            pass_mark: Set(policy.pass_mark as i32),
            created_by: Set(p.actor().id),
            created_at: Set(now),
            ..Default::default()
        },
    };
    row.starts_on = Set(input.starts_on);
    row.ends_on = Set(input.ends_on);
    row.place = Set(place);
    row.trainers = Set(trainers);
    row.content = Set(content);
    row.materials = Set(materials);
    row.materials_handed_on = Set(input.materials_handed_on);
    row.late_reason = Set(if input.starts_on > latest_start {
        late_reason
    } else {
        None
    });
    row.updated_at = Set(now);
    let saved: training::Model = row.save(&txn).await?.try_into()?;
    event(
        &txn,
        p.actor(),
        p.id(),
        "training_planned",
        json!({"starts_on": saved.starts_on.to_string(), "ends_on": saved.ends_on.to_string(),
               "place": saved.place, "materials_handed_on": saved.materials_handed_on.map(|d| d.to_string())}),
        now,
    )
    .await?;
    milestones::start(&txn, p, Milestone::Training, now).await?;
    let data = find(&txn, p.project()).await?;
    txn.commit().await?;
    Ok(data)
}

fn planned(data: &TrainingData) -> AppResult<&training::Model> {
    data.training
        .as_ref()
        .ok_or_else(|| AppError::Conflict("plan the training first (when, where, who trains, the materials)".into()))
}

/// A trainee to add or correct.
pub struct TraineeInput {
    pub name: String,
    pub kind: TraineeKind,
    pub department: Option<String>,
    pub phone: Option<String>,
}

/// Adds one of the client's people to the training.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn add_trainee(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    input: TraineeInput,
    now: DateTime<Utc>,
) -> AppResult<trainee::Model> {
    let name = required_text("name", &input.name, 50)?;
    let department = optional_text("department", input.department.as_deref(), 100)?;
    let phone = optional_text("phone", input.phone.as_deref(), 40)?;
    let txn = begin_write(db).await?;
    let data = find(&txn, p.project()).await?;
    planned(&data)?;
    if data.trainees.iter().any(|t| t.name == name) {
        return Err(AppError::invalid(
            "name",
            format!("name: {name} is already on the list (trainees sign in by name, so each name once)"),
        ));
    }
    let row = trainee::ActiveModel {
        project_id: Set(p.id()),
        number: Set(data.trainees.iter().map(|t| t.number).max().unwrap_or(0) + 1),
        name: Set(name),
        kind: Set(input.kind),
        department: Set(department),
        phone: Set(phone),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    event(
        &txn,
        p.actor(),
        p.id(),
        "trainee_added",
        json!({"trainee": row.id, "name": row.name, "kind": row.kind.as_str()}),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Takes a trainee off the list, while they have neither signed in nor been assessed.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn remove_trainee(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    trainee_id: i32,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let txn = begin_write(db).await?;
    let data = find(&txn, p.project()).await?;
    let t = trainee_in(&data, trainee_id)?.clone();
    if data.attendance.iter().any(|a| a.trainee_id == t.id) || data.latest(t.id).is_some() {
        return Err(AppError::Conflict(format!(
            "{} has signed in or been assessed: the record stays",
            t.name
        )));
    }
    trainee::Entity::delete_by_id(t.id).exec(&txn).await?;
    event(
        &txn,
        p.actor(),
        p.id(),
        "trainee_removed",
        json!({"trainee": t.id, "name": t.name}),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

fn trainee_in(data: &TrainingData, id: i32) -> AppResult<&trainee::Model> {
    data.trainees
        .iter()
        .find(|t| t.id == id)
        .ok_or_else(|| AppError::not_found(format!("no trainee {id} in project {}", data.project.id)))
}

fn session_in(data: &TrainingData, id: i32) -> AppResult<&training_session::Model> {
    data.sessions
        .iter()
        .find(|s| s.id == id)
        .ok_or_else(|| AppError::not_found(format!("no training session {id} in project {}", data.project.id)))
}

/// A session of training.
pub struct SessionInput {
    pub held_on: NaiveDate,
    pub period: String,
    pub topic: String,
    pub trainers: Option<String>,
    pub place: Option<String>,
    pub remedial: bool,
}

/// Adds a session (its trainers and place default to the plan's). A remedial session (强化培训)
/// is for those who failed, on or after their failed assessment.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn add_session(
    db: &DatabaseConnection,
    p: &Granted<impl MayRecordWork>,
    input: SessionInput,
    now: DateTime<Utc>,
) -> AppResult<training_session::Model> {
    let period = required_text("period", &input.period, 50)?;
    let topic = required_text("topic", &input.topic, 500)?;
    let txn = begin_write(db).await?;
    let data = find(&txn, p.project()).await?;
    let plan = planned(&data)?;
    if input.held_on < plan.starts_on.min(data.accepted_on.unwrap_or(plan.starts_on)) {
        return Err(AppError::invalid(
            "held_on",
            format!("held_on: training sessions are held from {} on", plan.starts_on),
        ));
    }
    if input.remedial
        && !data
            .assessments
            .iter()
            .any(|a| !a.passed && a.assessed_on <= input.held_on)
    {
        return Err(AppError::invalid(
            "remedial",
            "remedial: a remedial session (强化培训) follows a failed assessment, and nobody has failed by that day",
        ));
    }
    let trainers = match optional_text("trainers", input.trainers.as_deref(), 200)? {
        Some(t) => t,
        None => plan.trainers.clone(),
    };
    let place = match optional_text("place", input.place.as_deref(), 200)? {
        Some(t) => t,
        None => plan.place.clone(),
    };
    let row = training_session::ActiveModel {
        project_id: Set(p.id()),
        held_on: Set(input.held_on),
        period: Set(period),
        topic: Set(topic),
        trainers: Set(trainers),
        place: Set(place),
        remedial: Set(input.remedial),
        created_by: Set(p.actor().id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    event(
        &txn,
        p.actor(),
        p.id(),
        "training_session_added",
        json!({"session": row.id, "held_on": row.held_on.to_string(), "topic": row.topic, "remedial": row.remedial}),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// How a trainee signs the sheet.
pub enum SignIn<'a> {
    /// On the tablet, typing their own name; the device's evidence kept.
    Tablet {
        typed_name: &'a str,
        evidence: &'a Evidence,
    },
    /// By hand on the printed sheet; an engineer records that they did.
    Paper,
}

/// Signs a trainee in to a session, on its day (on paper also afterwards, from the signed sheet).
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn sign_in(
    db: &DatabaseConnection,
    p: &Granted<impl MayRecordWork>,
    session_id: i32,
    trainee_id: i32,
    how: SignIn<'_>,
    now: DateTime<Utc>,
) -> AppResult<training_attendance::Model> {
    let today = now.with_timezone(&timezone_of(p.project())).date_naive();
    let txn = begin_write(db).await?;
    let data = find(&txn, p.project()).await?;
    let session = session_in(&data, session_id)?.clone();
    let t = trainee_in(&data, trainee_id)?.clone();
    if let Some(a) = data.signed_in(session.id, t.id) {
        let tz = timezone_of(p.project());
        return Err(AppError::Conflict(format!(
            "{} already signed in to this session ({}, {})",
            t.name,
            a.method.label_zh(),
            a.signed_at.with_timezone(&tz).format("%H:%M")
        )));
    }
    let (method, signed_name, evidence) = match how {
        SignIn::Tablet { typed_name, evidence } => {
            if session.held_on != today {
                return Err(AppError::Conflict(format!(
                    "the tablet sign-in is open on the session's day ({}); today is {today}",
                    session.held_on
                )));
            }
            let typed = typed_name.trim();
            if typed != t.name {
                return Err(AppError::invalid(
                    "name",
                    format!("name: type your own name as the list spells it ({})", t.name),
                ));
            }
            (AttendanceMethod::Tablet, Some(typed.to_string()), Some(evidence))
        }
        SignIn::Paper => {
            if session.held_on > today {
                return Err(AppError::Conflict(format!(
                    "the session is on {}: the paper sheet is signed on the day",
                    session.held_on
                )));
            }
            (AttendanceMethod::Paper, None, None)
        }
    };
    let row = training_attendance::ActiveModel {
        session_id: Set(session.id),
        trainee_id: Set(t.id),
        method: Set(method),
        signed_name: Set(signed_name),
        signed_at: Set(now),
        ip: Set(evidence.and_then(|e| e.ip_address.clone())),
        user_agent: Set(evidence.and_then(|e| e.user_agent.clone())),
        recorded_by: Set(p.actor().id),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    event(
        &txn,
        p.actor(),
        p.id(),
        "training_signed_in",
        json!({"session": session.id, "trainee": t.id, "name": t.name, "method": method.as_str()}),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// An assessment of a trainee.
pub struct AssessInput {
    pub assessed_on: NaiveDate,
    pub written_score: i32,
    pub practical_score: i32,
    pub examiner: String,
    pub remark: Option<String>,
}

/// Records a trainee's assessment. A first assessment follows at least one session attended; a
/// new one after a failure follows a remedial session attended since. A failure sets the remedial
/// deadline as a task of the schedule; the next assessment completes that task. When every trainee
/// has passed, training is complete and its task done.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn assess(
    db: &DatabaseConnection,
    p: &Granted<impl MayRecordWork>,
    trainee_id: i32,
    input: AssessInput,
    now: DateTime<Utc>,
) -> AppResult<training_assessment::Model> {
    let examiner = required_text("examiner", &input.examiner, 100)?;
    let remark = optional_text("remark", input.remark.as_deref(), 1000)?;
    for (field, score) in [
        ("written_score", input.written_score),
        ("practical_score", input.practical_score),
    ] {
        if !(0..=100).contains(&score) {
            return Err(AppError::invalid(field, format!("{field}: a score from 0 to 100")));
        }
    }
    let today = now.with_timezone(&timezone_of(p.project())).date_naive();
    if input.assessed_on > today {
        return Err(AppError::invalid("assessed_on", "assessed_on: not in the future"));
    }
    let txn = begin_write(db).await?;
    let data = find(&txn, p.project()).await?;
    let plan = planned(&data)?.clone();
    let t = trainee_in(&data, trainee_id)?.clone();
    let attended = |remedial_after: Option<NaiveDate>| {
        data.sessions.iter().any(|s| {
            s.held_on <= input.assessed_on
                && data.signed_in(s.id, t.id).is_some()
                && remedial_after.is_none_or(|after| s.remedial && s.held_on >= after)
        })
    };
    let previous = data.latest(t.id).cloned();
    match &previous {
        Some(prev) if prev.passed => {
            return Err(AppError::Conflict(format!(
                "{} passed on {} already",
                t.name, prev.assessed_on
            )));
        }
        Some(prev) => {
            if input.assessed_on < prev.assessed_on || !attended(Some(prev.assessed_on)) {
                return Err(AppError::Conflict(format!(
                    "{} failed on {}: they attend a remedial session (强化培训) after that before being assessed again",
                    t.name, prev.assessed_on
                )));
            }
        }
        None => {
            if !attended(None) {
                return Err(AppError::Conflict(format!(
                    "{} has signed in to no training session by {}: assess those who were trained",
                    t.name, input.assessed_on
                )));
            }
        }
    }
    let attempt = previous.as_ref().map_or(1, |a| a.attempt + 1);
    let passed = input.written_score >= plan.pass_mark && input.practical_score >= plan.pass_mark;
    let remedial_due_on = (!passed).then(|| input.assessed_on + Days::new(u64::from(data.policy.remedial_within_days)));
    let remedial_task = match remedial_due_on {
        Some(due) => Some(
            schedule::add_follow_up_task(
                &txn,
                p.actor(),
                p.project(),
                Milestone::Training.code(),
                &format!("remedial-training-{}-{attempt}", t.id),
                &format!("强化培训并重新考核：{}（第{attempt}次考核不合格）", t.name),
                due,
                &format!("考核不合格后{}天内强化培训并重新考核", data.policy.remedial_within_days),
                now,
            )
            .await?,
        ),
        None => None,
    };
    let row = training_assessment::ActiveModel {
        project_id: Set(p.id()),
        trainee_id: Set(t.id),
        attempt: Set(attempt),
        assessed_on: Set(input.assessed_on),
        written_score: Set(input.written_score),
        practical_score: Set(input.practical_score),
        pass_mark: Set(plan.pass_mark),
        passed: Set(passed),
        examiner: Set(examiner),
        remark: Set(remark),
        remedial_due_on: Set(remedial_due_on),
        remedial_task_id: Set(remedial_task.as_ref().map(|t| t.id)),
        recorded_by: Set(p.actor().id),
        recorded_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    // The re-assessment is what the remedial task waited for.
    if let Some(prev) = &previous
        && let Some(task_id) = prev.remedial_task_id
        && let Some(open) = task::Entity::find_by_id(task_id)
            .one(&txn)
            .await?
            .filter(|t| t.status != crate::domain::types::TaskStatus::Done)
    {
        milestones::complete_task(
            &txn,
            p.actor(),
            open,
            format!(
                "{} 于 {} 第{attempt}次考核{}",
                t.name,
                input.assessed_on,
                if passed { "合格" } else { "仍不合格" }
            ),
            vec![evidence_link(p.id())],
            now,
            now,
        )
        .await?;
    }
    event(
        &txn,
        p.actor(),
        p.id(),
        "trainee_assessed",
        json!({"trainee": t.id, "name": t.name, "attempt": attempt, "written": row.written_score,
               "practical": row.practical_score, "passed": passed,
               "remedial_due_on": remedial_due_on.map(|d| d.to_string())}),
        now,
    )
    .await?;
    let after = find(&txn, p.project()).await?;
    if after.complete() {
        let mut done: training::ActiveModel = plan.into();
        done.completed_on = Set(Some(input.assessed_on));
        done.update(&txn).await?;
        let retrained = after.assessments.iter().filter(|a| !a.passed).count();
        milestones::complete(
            &txn,
            p,
            Milestone::Training,
            format!(
                "{} 名受训人员全部考核合格（强化培训后合格 {} 人次）",
                after.trainees.len(),
                retrained
            ),
            vec![evidence_link(p.id())],
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(row)
}

fn evidence_link(project_id: i32) -> milestones::Evidence {
    milestones::Evidence {
        label: "培训考核记录".into(),
        href: format!("/projects/{project_id}/training"),
    }
}

/// The training as the 现场培训单 and 培训考核记录 print it, once planned.
pub async fn for_forms(db: &impl ConnectionTrait, project: &project::Model) -> AppResult<Option<TrainingForms>> {
    let d = find(db, project).await?;
    let Some(plan) = &d.training else {
        return Ok(None);
    };
    let tz = timezone_of(project);
    let name_of = |id: i32| d.trainees.iter().find(|t| t.id == id);
    Ok(Some(TrainingForms {
        starts_on: plan.starts_on.to_string(),
        ends_on: plan.ends_on.to_string(),
        place: plan.place.clone(),
        trainers: plan.trainers.clone(),
        content: plan.content.clone(),
        materials: plan.materials.clone(),
        materials_handed_on: plan.materials_handed_on.map(|d| d.to_string()).unwrap_or_default(),
        late_reason: plan.late_reason.clone().unwrap_or_default(),
        pass_mark: plan.pass_mark.to_string(),
        trainee_count: d.trainees.len(),
        complete: d.complete(),
        completed_on: plan.completed_on.map(|d| d.to_string()).unwrap_or_default(),
        sessions: d
            .sessions
            .iter()
            .map(|s| crate::documents::forms::SessionSheet {
                held_on: s.held_on.to_string(),
                period: s.period.clone(),
                topic: s.topic.clone(),
                trainers: s.trainers.clone(),
                place: s.place.clone(),
                remedial: s.remedial,
                rows: d
                    .expected(s)
                    .into_iter()
                    .enumerate()
                    .map(|(n, t)| {
                        let signed = d.signed_in(s.id, t.id);
                        vec![
                            (n + 1).to_string(),
                            t.name.clone(),
                            t.kind.label_zh().into(),
                            t.department.clone().unwrap_or_default(),
                            match signed {
                                Some(a) if a.method == AttendanceMethod::Tablet => format!(
                                    "{}  {}",
                                    a.signed_name.clone().unwrap_or_default(),
                                    a.signed_at.with_timezone(&tz).format("%H:%M")
                                ),
                                _ => String::new(),
                            },
                            signed.map(|a| a.method.label_zh()).unwrap_or_default().into(),
                        ]
                    })
                    .collect(),
            })
            .collect(),
        assessment_rows: d
            .assessments
            .iter()
            .filter_map(|a| {
                let t = name_of(a.trainee_id)?;
                Some(vec![
                    t.number.to_string(),
                    t.name.clone(),
                    t.kind.label_zh().into(),
                    d.days_attended(t.id).to_string(),
                    a.attempt.to_string(),
                    a.assessed_on.to_string(),
                    a.written_score.to_string(),
                    a.practical_score.to_string(),
                    if a.passed { "合格" } else { "不合格" }.into(),
                    a.remedial_due_on.map(|d| d.to_string()).unwrap_or_default(),
                    a.examiner.clone(),
                ])
            })
            .collect(),
        not_assessed: d
            .trainees
            .iter()
            .filter(|t| d.latest(t.id).is_none())
            .map(|t| t.name.clone())
            .collect(),
    }))
}
