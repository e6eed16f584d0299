//! Training (人员培训): the plan, the trainees, the sessions with their attendance sheet, the
//! assessments and the remedial deadlines they set.
use chrono::{NaiveDate, Utc};
use poem::Request;
use poem_openapi::{Object, OpenApi, param::Path, payload::Json};

use super::types::{DateText, OneOf};
use super::{ApiTags, BearerAuth, grant};
use crate::domain::types::{self as kinds, AttendanceMethod, TraineeKind, optional_date, parse_date};
use crate::{
    error::{ApiResult, AppError},
    service::{
        access::{Manage, Read, RecordWork},
        training::{self, AssessInput, PlanInput, SessionInput, SignIn, TraineeInput, TrainingData},
    },
    state::AppState,
};

pub struct TrainingApi {
    state: AppState,
}

impl TrainingApi {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

/// One of the client's people being trained.
#[derive(Object)]
struct TraineeDto {
    /// Identifier.
    id: i32,
    /// Their number on the list.
    number: i32,
    /// Their name, as they type it to sign in.
    name: String,
    /// operator (操作员) or maintainer (系统维护员).
    kind: OneOf<kinds::TraineeKind>,
    /// Their department.
    #[oai(nullable)]
    department: Option<String>,
    /// A telephone number.
    #[oai(nullable)]
    phone: Option<String>,
    /// Days of training attended.
    days_attended: usize,
    /// not_assessed, passed or failed.
    standing: String,
    /// Where they stand, as the page says it (合格, 不合格 … 前强化培训并重新考核).
    standing_label: String,
    /// After a failure: the day remedial training and the new assessment are due.
    #[oai(nullable)]
    remedial_due_on: Option<NaiveDate>,
}

/// A trainee's line on a session's sheet.
#[derive(Object)]
struct AttendanceDto {
    /// The trainee.
    trainee_id: i32,
    /// tablet or paper.
    method: OneOf<kinds::AttendanceMethod>,
    /// On the tablet: the name typed.
    #[oai(nullable)]
    signed_name: Option<String>,
    /// When it was signed (on paper: recorded).
    signed_at: chrono::DateTime<Utc>,
}

/// A session of training with its sign-ins.
#[derive(Object)]
struct SessionDto {
    /// Identifier.
    id: i32,
    /// The day.
    held_on: NaiveDate,
    /// Its hours, e.g. 09:00–12:00.
    period: String,
    /// What was taught.
    topic: String,
    /// Who taught.
    trainers: String,
    /// Where.
    place: String,
    /// Remedial training (强化培训) for those who failed.
    remedial: bool,
    /// Who signed the sheet, and how.
    attendance: Vec<AttendanceDto>,
}

/// An assessment of a trainee.
#[derive(Object)]
struct AssessmentDto {
    /// Identifier.
    id: i32,
    /// The trainee assessed.
    trainee_id: i32,
    /// 1 for the first, 2 after the first remedial training, …
    attempt: i32,
    /// The day of the assessment.
    assessed_on: NaiveDate,
    /// Written score, 0 to 100.
    written_score: i32,
    /// Practical score, 0 to 100.
    practical_score: i32,
    /// The pass mark both scores needed.
    pass_mark: i32,
    /// Both scores reached the pass mark.
    passed: bool,
    /// Who assessed.
    examiner: String,
    /// A remark.
    #[oai(nullable)]
    remark: Option<String>,
    /// A failure: remedial training and a new assessment are due by this day.
    #[oai(nullable)]
    remedial_due_on: Option<NaiveDate>,
    /// The schedule's task that carries that deadline.
    #[oai(nullable)]
    remedial_task_id: Option<i32>,
}

/// What training still waits for.
#[derive(Object)]
struct TrainingGapDto {
    /// In English.
    en: String,
    /// As the page says it.
    zh: String,
}

/// The training; before it is planned, `planned` is false and `gaps` says so.
#[derive(Object)]
struct TrainingDto {
    /// Whether the training is planned.
    planned: bool,
    /// The first day.
    #[oai(nullable)]
    starts_on: Option<NaiveDate>,
    /// The last day planned.
    #[oai(nullable)]
    ends_on: Option<NaiveDate>,
    /// Where.
    #[oai(nullable)]
    place: Option<String>,
    /// Our engineers who train.
    #[oai(nullable)]
    trainers: Option<String>,
    /// What is taught and how.
    #[oai(nullable)]
    content: Option<String>,
    /// The materials handed out beforehand.
    #[oai(nullable)]
    materials: Option<String>,
    /// The day they were handed out.
    #[oai(nullable)]
    materials_handed_on: Option<NaiveDate>,
    /// Why it starts later than the plan's days after the initial acceptance.
    #[oai(nullable)]
    late_reason: Option<String>,
    /// Both scores need at least this.
    pass_mark: i32,
    /// The plan's promise: at least this many trainees …
    min_trainees: u32,
    /// … for at least this many days each.
    min_days: u32,
    /// Every trainee passed.
    complete: bool,
    /// The day the last trainee passed.
    #[oai(nullable)]
    completed_on: Option<NaiveDate>,
    /// The client's people being trained, with where each stands.
    trainees: Vec<TraineeDto>,
    /// The sessions, by day.
    sessions: Vec<SessionDto>,
    /// Every assessment, by trainee and attempt.
    assessments: Vec<AssessmentDto>,
    /// What keeps it from being complete.
    gaps: Vec<TrainingGapDto>,
}

fn assessment_dto(a: &entity::training_assessment::Model) -> AssessmentDto {
    AssessmentDto {
        id: a.id,
        trainee_id: a.trainee_id,
        attempt: a.attempt,
        assessed_on: a.assessed_on,
        written_score: a.written_score,
        practical_score: a.practical_score,
        pass_mark: a.pass_mark,
        passed: a.passed,
        examiner: a.examiner.clone(),
        remark: a.remark.clone(),
        remedial_due_on: a.remedial_due_on,
        remedial_task_id: a.remedial_task_id,
    }
}

fn trainee_dto(d: &TrainingData, t: &entity::trainee::Model) -> TraineeDto {
    let standing = d.standing(t.id);
    TraineeDto {
        id: t.id,
        number: t.number,
        name: t.name.clone(),
        kind: t.kind.into(),
        department: t.department.clone(),
        phone: t.phone.clone(),
        days_attended: d.days_attended(t.id),
        standing: match standing {
            training::Standing::NotAssessed => "not_assessed",
            training::Standing::Passed { .. } => "passed",
            training::Standing::Failed { .. } => "failed",
        }
        .into(),
        standing_label: standing.label_zh(),
        remedial_due_on: match standing {
            training::Standing::Failed { remedial_due_on, .. } => Some(remedial_due_on),
            _ => None,
        },
    }
}

fn session_dto(d: &TrainingData, s: &entity::training_session::Model) -> SessionDto {
    SessionDto {
        id: s.id,
        held_on: s.held_on,
        period: s.period.clone(),
        topic: s.topic.clone(),
        trainers: s.trainers.clone(),
        place: s.place.clone(),
        remedial: s.remedial,
        attendance: d
            .attendance
            .iter()
            .filter(|a| a.session_id == s.id)
            .map(|a| AttendanceDto {
                trainee_id: a.trainee_id,
                method: a.method.into(),
                signed_name: a.signed_name.clone(),
                signed_at: a.signed_at,
            })
            .collect(),
    }
}

fn training_dto(d: &TrainingData) -> TrainingDto {
    let t = d.training.as_ref();
    TrainingDto {
        planned: t.is_some(),
        starts_on: t.map(|t| t.starts_on),
        ends_on: t.map(|t| t.ends_on),
        place: t.map(|t| t.place.clone()),
        trainers: t.map(|t| t.trainers.clone()),
        content: t.map(|t| t.content.clone()),
        materials: t.map(|t| t.materials.clone()),
        materials_handed_on: t.and_then(|t| t.materials_handed_on),
        late_reason: t.and_then(|t| t.late_reason.clone()),
        pass_mark: t.map_or(d.policy.pass_mark as i32, |t| t.pass_mark),
        min_trainees: d.policy.training_min_trainees,
        min_days: d.policy.training_days,
        complete: d.complete(),
        completed_on: t.and_then(|t| t.completed_on),
        trainees: d.trainees.iter().map(|x| trainee_dto(d, x)).collect(),
        sessions: d.sessions.iter().map(|s| session_dto(d, s)).collect(),
        assessments: d.assessments.iter().map(assessment_dto).collect(),
        gaps: d
            .gaps()
            .into_iter()
            .map(|g| TrainingGapDto { en: g.en, zh: g.zh })
            .collect(),
    }
}

/// The training plan.
#[derive(Object)]
struct TrainingPlanRequest {
    /// First day, YYYY-MM-DD: on or after the initial acceptance, within the plan's days of it
    /// (else say why in `late_reason`).
    starts_on: DateText,
    /// Last day: at least the plan's days of training.
    ends_on: DateText,
    /// Where.
    place: String,
    /// Our engineers who train.
    trainers: String,
    /// What is taught and how.
    content: String,
    /// The materials handed out beforehand (培训手册, 操作手册 …).
    materials: String,
    /// The day they were handed out (before training starts).
    #[oai(nullable)]
    materials_handed_on: Option<DateText>,
    /// Why it starts later than the plan's days after the initial acceptance.
    #[oai(nullable)]
    late_reason: Option<String>,
}

/// One of the client's people to train.
#[derive(Object)]
struct TraineeRequest {
    /// As they will type it to sign in; once per project.
    name: String,
    /// operator (操作员) or maintainer (系统维护员).
    kind: OneOf<kinds::TraineeKind>,
    /// Their department.
    #[oai(nullable)]
    department: Option<String>,
    /// A telephone number.
    #[oai(nullable)]
    phone: Option<String>,
}

/// A session of training.
#[derive(Object)]
struct SessionRequest {
    /// The day, YYYY-MM-DD.
    held_on: DateText,
    /// Its hours, e.g. 09:00–12:00.
    period: String,
    /// What is taught.
    topic: String,
    /// The plan's trainers when absent.
    #[oai(nullable)]
    trainers: Option<String>,
    /// The plan's place when absent.
    #[oai(nullable)]
    place: Option<String>,
    /// Remedial training (强化培训) for those who failed.
    #[oai(default)]
    remedial: bool,
}

/// A trainee signing the sheet.
#[derive(Object)]
struct SignInRequest {
    /// The trainee signing.
    trainee_id: i32,
    /// tablet: the trainee types their own name (on the session's day); paper: they signed the
    /// printed sheet by hand.
    method: OneOf<kinds::AttendanceMethod>,
    /// On the tablet: the name the trainee typed.
    #[oai(nullable)]
    name: Option<String>,
}

/// An assessment.
#[derive(Object)]
struct AssessmentRequest {
    /// The day, YYYY-MM-DD (not in the future).
    assessed_on: DateText,
    /// Written score, 0 to 100.
    written_score: i32,
    /// Practical score, 0 to 100.
    practical_score: i32,
    /// Who assessed.
    examiner: String,
    /// A remark.
    #[oai(nullable)]
    remark: Option<String>,
}

#[OpenApi(tag = "ApiTags::Acceptance")]
impl TrainingApi {
    /// The training
    ///
    /// Its plan, trainees with where each stands, sessions with their sign-ins, assessments, and
    /// what keeps it from being complete.
    #[oai(path = "/projects/:id/training", method = "get", operation_id = "get_training")]
    async fn get(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
    ) -> ApiResult<Json<TrainingDto>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        Ok(Json(training_dto(&training::get(&self.state.db, &p).await?)))
    }

    /// Plan the training
    ///
    /// After the initial acceptance is recorded (409 before); 422 naming the field for a start
    /// before it, a late start without a reason, fewer days than the plan promises.
    #[oai(path = "/projects/:id/training", method = "put", operation_id = "plan_training")]
    async fn plan(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        body: Json<TrainingPlanRequest>,
    ) -> ApiResult<Json<TrainingDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let b = body.0;
        let data = training::plan(
            &self.state.db,
            &p,
            PlanInput {
                starts_on: parse_date("starts_on", &b.starts_on)?,
                ends_on: parse_date("ends_on", &b.ends_on)?,
                place: b.place,
                trainers: b.trainers,
                content: b.content,
                materials: b.materials,
                materials_handed_on: optional_date(
                    "materials_handed_on",
                    b.materials_handed_on.as_ref().map(|d| d.as_str()),
                )?,
                late_reason: b.late_reason,
            },
            Utc::now(),
        )
        .await?;
        Ok(Json(training_dto(&data)))
    }

    /// Add a trainee
    #[oai(
        path = "/projects/:id/training/trainees",
        method = "post",
        operation_id = "add_trainee"
    )]
    async fn add_trainee(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        body: Json<TraineeRequest>,
    ) -> ApiResult<Json<TrainingDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let b = body.0;
        training::add_trainee(
            &self.state.db,
            &p,
            TraineeInput {
                name: b.name,
                kind: TraineeKind::parse(&b.kind).map_err(AppError::from)?,
                department: b.department,
                phone: b.phone,
            },
            Utc::now(),
        )
        .await?;
        Ok(Json(training_dto(&training::get(&self.state.db, &p).await?)))
    }

    /// Remove a trainee
    ///
    /// Only while they have neither signed in nor been assessed (409 after).
    #[oai(
        path = "/projects/:id/training/trainees/:trainee",
        method = "delete",
        operation_id = "remove_trainee"
    )]
    async fn remove_trainee(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Trainee id.
        trainee: Path<i32>,
    ) -> ApiResult<Json<TrainingDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        training::remove_trainee(&self.state.db, &p, trainee.0, Utc::now()).await?;
        Ok(Json(training_dto(&training::get(&self.state.db, &p).await?)))
    }

    /// Add a session
    #[oai(
        path = "/projects/:id/training/sessions",
        method = "post",
        operation_id = "add_training_session"
    )]
    async fn add_session(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        body: Json<SessionRequest>,
    ) -> ApiResult<Json<TrainingDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let b = body.0;
        training::add_session(
            &self.state.db,
            &p,
            SessionInput {
                held_on: parse_date("held_on", &b.held_on)?,
                period: b.period,
                topic: b.topic,
                trainers: b.trainers,
                place: b.place,
                remedial: b.remedial,
            },
            Utc::now(),
        )
        .await?;
        Ok(Json(training_dto(&training::get(&self.state.db, &p).await?)))
    }

    /// Sign a trainee in to a session
    ///
    /// On the tablet the trainee types their own name, on the session's day (the device's
    /// address and browser are kept); `paper` records that they signed the printed sheet.
    #[oai(
        path = "/projects/:id/training/sessions/:session/attendance",
        method = "post",
        operation_id = "sign_in_trainee"
    )]
    async fn sign_in(
        &self,
        req: &Request,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Session id.
        session: Path<i32>,
        body: Json<SignInRequest>,
    ) -> ApiResult<Json<TrainingDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let b = body.0;
        let evidence = super::evidence(req);
        let how = match AttendanceMethod::parse(&b.method).map_err(AppError::from)? {
            AttendanceMethod::Tablet => SignIn::Tablet {
                typed_name: b.name.as_deref().unwrap_or_default(),
                evidence: &evidence,
            },
            AttendanceMethod::Paper => SignIn::Paper,
        };
        training::sign_in(&self.state.db, &p, session.0, b.trainee_id, how, Utc::now()).await?;
        Ok(Json(training_dto(&training::get(&self.state.db, &p).await?)))
    }

    /// Record an assessment
    ///
    /// Both scores at the pass mark pass. A failure sets remedial training and a new assessment
    /// within the plan's days, as a task of the schedule; the next assessment completes it. When
    /// every trainee has passed, the training task is done.
    #[oai(
        path = "/projects/:id/training/trainees/:trainee/assessments",
        method = "post",
        operation_id = "assess_trainee"
    )]
    async fn assess(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Trainee id.
        trainee: Path<i32>,
        body: Json<AssessmentRequest>,
    ) -> ApiResult<Json<TrainingDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let b = body.0;
        training::assess(
            &self.state.db,
            &p,
            trainee.0,
            AssessInput {
                assessed_on: parse_date("assessed_on", &b.assessed_on)?,
                written_score: b.written_score,
                practical_score: b.practical_score,
                examiner: b.examiner,
                remark: b.remark,
            },
            Utc::now(),
        )
        .await?;
        Ok(Json(training_dto(&training::get(&self.state.db, &p).await?)))
    }
}
