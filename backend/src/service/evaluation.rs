//! The project summary (项目总结) once the project is delivered: both sides score schedule,
//! quality, technology, management and satisfaction (1 to 5) with comments — the client through
//! a link of their own, no account — and the 工程总结报告 is written from the facts the product
//! holds: planned against actual for every phase and task, the deadlines moved and why, the
//! equipment's differences and deviations, the functional tests' first-time pass rate, the trial
//! run, the leftover issues, the training, and both evaluations. Issuing the report completes the
//! 项目总结 task.
use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{
    acceptance_issue, deviation, evaluation, phase, project, task, test_item, test_plan, trainee, training_assessment,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde_json::json;

use super::{
    Actor,
    access::{Granted, MayManage, MayRead},
    audit,
    auth::{hash_secret, new_secret},
    projects::timezone_of,
    signing::Evidence,
};
use crate::{
    db::begin_write,
    documents::{
        chart::{ChartRow, ScheduleChart},
        forms::SummaryForms,
    },
    domain::types::{DeviationStatus, IssueStatus, SignParty, TaskStatus, optional_text, required_text},
    email::{messages, outbox},
    error::{AppError, AppResult},
    state::AppState,
};

/// The five things both sides score, as the report names them.
pub const DIMENSIONS: [(&str, &str); 5] = [
    ("schedule", "工程进度"),
    ("quality", "工程质量"),
    ("technology", "技术水平"),
    ("management", "项目管理"),
    ("satisfaction", "用户满意度"),
];

/// A score's words: 5 很满意 … 1 很不满意.
pub fn score_words(score: i32) -> &'static str {
    match score {
        5 => "很满意",
        4 => "满意",
        3 => "一般",
        2 => "不满意",
        _ => "很不满意",
    }
}

/// How long the client's link stays open.
const LINK_DAYS: i64 = 14;

/// One side's scores and comments.
#[derive(Debug, Clone)]
pub struct Scores {
    /// In the order of [`DIMENSIONS`], 1 to 5 each.
    pub scores: [i32; 5],
    pub comments: Option<String>,
    pub evaluator_name: String,
    pub evaluator_role: Option<String>,
}

fn checked(s: &Scores) -> AppResult<()> {
    for ((field, _), score) in DIMENSIONS.iter().zip(s.scores) {
        if !(1..=5).contains(&score) {
            return Err(AppError::invalid(
                *field,
                format!("{field}: a score from 1 (很不满意) to 5 (很满意)"),
            ));
        }
    }
    Ok(())
}

pub fn scores_of(e: &evaluation::Model) -> Option<[i32; 5]> {
    Some([e.schedule?, e.quality?, e.technology?, e.management?, e.satisfaction?])
}

/// Both sides' evaluations, as far as they are in.
#[derive(Debug, Clone, Default)]
pub struct Evaluations {
    pub ours: Option<evaluation::Model>,
    pub client: Option<evaluation::Model>,
}

impl Evaluations {
    pub fn both_in(&self) -> bool {
        [&self.ours, &self.client]
            .iter()
            .all(|e| e.as_ref().is_some_and(|e| e.submitted_at.is_some()))
    }
}

async fn find(db: &impl ConnectionTrait, project_id: i32) -> AppResult<Evaluations> {
    let rows = evaluation::Entity::find()
        .filter(evaluation::Column::ProjectId.eq(project_id))
        .all(db)
        .await?;
    Ok(Evaluations {
        ours: rows.iter().find(|e| e.party == SignParty::Ours).cloned(),
        client: rows.iter().find(|e| e.party == SignParty::Client).cloned(),
    })
}

/// Both sides' evaluations, for a reader of the project.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn get(db: &DatabaseConnection, p: &Granted<impl MayRead>) -> AppResult<Evaluations> {
    find(db, p.id()).await
}

fn delivered(project: &project::Model) -> AppResult<NaiveDate> {
    project.delivered_on.ok_or_else(|| {
        AppError::Conflict(
            "the project summary follows delivery: the 终验报告 is not yet signed by both parties".into(),
        )
    })
}

fn apply(row: &mut evaluation::ActiveModel, s: &Scores, now: DateTime<Utc>) -> AppResult<()> {
    row.schedule = Set(Some(s.scores[0]));
    row.quality = Set(Some(s.scores[1]));
    row.technology = Set(Some(s.scores[2]));
    row.management = Set(Some(s.scores[3]));
    row.satisfaction = Set(Some(s.scores[4]));
    row.comments = Set(optional_text("comments", s.comments.as_deref(), 4000)?);
    row.evaluator_name = Set(Some(required_text("evaluator_name", &s.evaluator_name, 100)?));
    row.evaluator_role = Set(optional_text("evaluator_role", s.evaluator_role.as_deref(), 100)?);
    row.submitted_at = Set(Some(now));
    Ok(())
}

/// Our side's evaluation (given again, it replaces the last), once the project is delivered.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn evaluate_ours(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    scores: Scores,
    now: DateTime<Utc>,
) -> AppResult<Evaluations> {
    checked(&scores)?;
    delivered(p.project())?;
    let txn = begin_write(db).await?;
    let before = find(&txn, p.id()).await?;
    let mut row: evaluation::ActiveModel = match before.ours {
        Some(e) => e.into(),
        None => evaluation::ActiveModel {
            project_id: Set(p.id()),
            party: Set(SignParty::Ours),
            created_at: Set(now),
            ..Default::default()
        },
    };
    apply(&mut row, &scores, now)?;
    row.recorded_by = Set(p.actor().id);
    let saved: evaluation::Model = row.save(&txn).await?.try_into()?;
    event(&txn, p.actor(), p.id(), "evaluated", &saved, now).await?;
    let out = find(&txn, p.id()).await?;
    txn.commit().await?;
    Ok(out)
}

async fn event(
    db: &impl ConnectionTrait,
    actor: &Actor,
    project_id: i32,
    name: &'static str,
    e: &evaluation::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    audit::project_event(
        db,
        actor,
        project_id,
        name,
        format!("evaluation:{}", e.id),
        json!({"party": e.party.as_str(), "by": e.evaluator_name, "scores": scores_of(e)}),
        now,
    )
    .await
}

/// Who evaluates for the client.
pub struct ClientRequest {
    pub name: String,
    pub email: String,
    pub role: Option<String>,
}

/// Sends the client's evaluator a link of their own (open for two weeks; a new request replaces
/// it). Only after delivery, and until they have answered. Returns the evaluation and the link's
/// path (which only the e-mail carries to people).
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn request_client(
    state: &AppState,
    p: &Granted<impl MayManage>,
    who: ClientRequest,
    now: DateTime<Utc>,
) -> AppResult<(evaluation::Model, String)> {
    let name = required_text("name", &who.name, 100)?;
    let email = required_text("email", &who.email, 200)?;
    if !email.contains('@') || email.contains(char::is_whitespace) {
        return Err(AppError::invalid(
            "email",
            format!("email: '{email}' is not an e-mail address"),
        ));
    }
    let role = optional_text("role", who.role.as_deref(), 100)?;
    delivered(p.project())?;
    let txn = begin_write(&state.db).await?;
    let before = find(&txn, p.id()).await?;
    if let Some(c) = before.client.as_ref().filter(|c| c.submitted_at.is_some()) {
        return Err(AppError::Conflict(format!(
            "{} evaluated the project for the client already",
            c.evaluator_name.clone().unwrap_or_default()
        )));
    }
    let (token, hash) = new_secret();
    let path = format!("/evaluate/{token}");
    let mut row: evaluation::ActiveModel = match before.client {
        Some(e) => e.into(),
        None => evaluation::ActiveModel {
            project_id: Set(p.id()),
            party: Set(SignParty::Client),
            created_at: Set(now),
            ..Default::default()
        },
    };
    row.evaluator_name = Set(Some(name.clone()));
    row.evaluator_email = Set(Some(email.clone()));
    row.evaluator_role = Set(role);
    row.token_hash = Set(Some(hash));
    row.token_expires_at = Set(Some(now + Duration::days(LINK_DAYS)));
    row.requested_at = Set(Some(now));
    row.recorded_by = Set(p.actor().id);
    let saved: evaluation::Model = row.save(&txn).await?.try_into()?;
    let project = p.project();
    let ctx = minijinja::context! {
        name => name,
        project_code => project.code,
        project_name => project.name,
        link => format!("{}{path}", state.settings.base_url()),
        expires => (now + Duration::days(LINK_DAYS)).with_timezone(&timezone_of(project)).format("%Y-%m-%d").to_string(),
        sender => p.actor().name,
    };
    let env = &state.templates.env;
    let render = |t: &str| messages::render(env, t, &ctx);
    outbox::enqueue(
        &txn,
        outbox::NewEmail {
            key: format!("evaluation_request:{}:{}", saved.id, now.timestamp()),
            kind: "evaluation_request".into(),
            project_id: Some(project.id),
            to_address: email.clone(),
            to_name: Some(name.clone()),
            subject: render("evaluation_request.subject.txt")?,
            text: render("evaluation_request.txt")?,
            html: None,
            calendar: None,
        },
        Duration::hours(state.settings.mail_retry_horizon_hours),
        now,
    )
    .await?;
    audit::project_event(
        &txn,
        p.actor(),
        project.id,
        "evaluation_requested",
        format!("evaluation:{}", saved.id),
        json!({"to": name, "email": email}),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok((saved, path))
}

/// Why a client's link does not open.
#[derive(Debug)]
pub enum LinkProblem {
    Unknown,
    Used,
    Expired,
}

/// The evaluation a link opens, with its project.
pub async fn by_token(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> AppResult<Result<(evaluation::Model, project::Model), LinkProblem>> {
    let Some(e) = evaluation::Entity::find()
        .filter(evaluation::Column::TokenHash.eq(hash_secret(token.trim())))
        .one(db)
        .await?
    else {
        return Ok(Err(LinkProblem::Unknown));
    };
    if e.submitted_at.is_some() {
        return Ok(Err(LinkProblem::Used));
    }
    if e.token_expires_at.is_none_or(|t| t < now) {
        return Ok(Err(LinkProblem::Expired));
    }
    let project = project::Entity::find_by_id(e.project_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("the project is gone"))?;
    Ok(Ok((e, project)))
}

/// The client's answer through their link: stored once, the link then closed.
pub async fn evaluate_by_link(
    db: &DatabaseConnection,
    token: &str,
    scores: Scores,
    evidence: &Evidence,
    now: DateTime<Utc>,
) -> AppResult<Result<evaluation::Model, LinkProblem>> {
    checked(&scores)?;
    let txn = begin_write(db).await?;
    let (e, project) = match by_token(&txn, token, now).await? {
        Ok(found) => found,
        Err(problem) => return Ok(Err(problem)),
    };
    let mut row: evaluation::ActiveModel = e.into();
    apply(&mut row, &scores, now)?;
    // The hash stays: the link then says it was answered.
    row.ip = Set(evidence.ip_address.clone());
    row.user_agent = Set(evidence.user_agent.clone());
    let saved = row.update(&txn).await?;
    let client = Actor {
        id: None,
        username: format!("client:{}", saved.evaluator_name.clone().unwrap_or_default()),
        name: saved.evaluator_name.clone().unwrap_or_default(),
        role: crate::domain::types::Role::Engineer,
    };
    event(&txn, &client, project.id, "evaluated", &saved, now).await?;
    txn.commit().await?;
    Ok(Ok(saved))
}

/// Days after the contract's signing.
fn day_of(project: &project::Model, d: NaiveDate) -> i64 {
    (d - project.contract_signed_on).num_days()
}

/// Every phase and task planned against actual, as the chart draws them and the report lists them.
async fn schedule_rows(
    db: &impl ConnectionTrait,
    project: &project::Model,
) -> AppResult<(ScheduleChart, Vec<Vec<String>>, Vec<Vec<String>>)> {
    let tz = timezone_of(project);
    let phases = phase::Entity::find()
        .filter(phase::Column::ProjectId.eq(project.id))
        .order_by_asc(phase::Column::Seq)
        .all(db)
        .await?;
    // The report is what completes the 项目总结 task: it does not list its own task.
    let tasks = task::Entity::find()
        .filter(task::Column::ProjectId.eq(project.id))
        .filter(task::Column::Code.ne(super::milestones::Milestone::ProjectSummary.code()))
        .order_by_asc(task::Column::Seq)
        .all(db)
        .await?;
    let finished = |t: &task::Model| {
        (t.status == TaskStatus::Done)
            .then(|| t.finished_at.map(|f| f.with_timezone(&tz).date_naive()))
            .flatten()
    };
    let mut chart = ScheduleChart::default();
    let mut rows = Vec::new();
    let mut moved = Vec::new();
    for ph in &phases {
        let mine: Vec<&task::Model> = tasks.iter().filter(|t| t.phase_id == ph.id).collect();
        let done: Vec<Option<NaiveDate>> = mine.iter().map(|t| finished(t)).collect();
        let actual = if done.iter().all(Option::is_some) {
            done.iter().flatten().max().copied()
        } else {
            None
        };
        let planned = ph.planned_due_on;
        let number = chart.rows.len() + 1;
        chart.rows.push(ChartRow {
            number,
            label: ph.name.clone(),
            phase: true,
            planned: day_of(project, planned),
            actual: actual.map(|a| day_of(project, a)),
        });
        let moved_to = ph.override_due_on.filter(|d| *d != planned);
        rows.push(line(number, &ph.name, planned, moved_to, actual));
        if let (Some(to), Some(reason)) = (moved_to, &ph.override_reason) {
            moved.push(vec![
                ph.name.clone(),
                planned.to_string(),
                to.to_string(),
                reason.clone(),
            ]);
        }
        for t in mine {
            let number = chart.rows.len() + 1;
            let actual = finished(t);
            chart.rows.push(ChartRow {
                number,
                label: t.name.clone(),
                phase: false,
                planned: day_of(project, t.planned_due_on),
                actual: actual.map(|a| day_of(project, a)),
            });
            rows.push(line(
                number,
                &format!("　{}", t.name),
                t.planned_due_on,
                t.override_due_on,
                actual,
            ));
            if let (Some(to), Some(reason)) = (t.override_due_on, &t.override_reason) {
                moved.push(vec![
                    t.name.clone(),
                    t.planned_due_on.to_string(),
                    to.to_string(),
                    reason.clone(),
                ]);
            }
        }
    }
    Ok((chart, rows, moved))
}

/// A row of the schedule table: 序号, 阶段/任务, 计划完成, 调整后, 实际完成, 偏差（天）.
fn line(
    number: usize,
    name: &str,
    planned: NaiveDate,
    moved: Option<NaiveDate>,
    actual: Option<NaiveDate>,
) -> Vec<String> {
    let due = moved.unwrap_or(planned);
    vec![
        number.to_string(),
        name.to_string(),
        planned.to_string(),
        moved.map(|m| m.to_string()).unwrap_or_default(),
        actual.map(|a| a.to_string()).unwrap_or_else(|| "未完成".into()),
        actual
            .map(|a| match (a - due).num_days() {
                0 => "按期".to_string(),
                n if n < 0 => format!("提前 {}", -n),
                n => format!("延误 {n}"),
            })
            .unwrap_or_default(),
    ]
}

/// The planned-against-actual chart, for the page.
pub async fn chart(db: &impl ConnectionTrait, project: &project::Model) -> AppResult<ScheduleChart> {
    Ok(schedule_rows(db, project).await?.0)
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        return "—".into();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

/// What the 工程总结报告 prints, once the project is delivered.
pub async fn for_forms(db: &impl ConnectionTrait, project: &project::Model) -> AppResult<Option<SummaryForms>> {
    if project.delivered_on.is_none() {
        return Ok(None);
    }
    let (chart, schedule, moved) = schedule_rows(db, project).await?;
    let plans: Vec<i32> = test_plan::Entity::find()
        .filter(test_plan::Column::ProjectId.eq(project.id))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let items = test_item::Entity::find()
        .filter(test_item::Column::PlanId.is_in(plans))
        .all(db)
        .await?;
    let tested: Vec<&test_item::Model> = items.iter().filter(|i| i.passed.is_some()).collect();
    let first_passed = tested
        .iter()
        .filter(|i| i.first_passed.or(i.passed) == Some(true))
        .count();
    let deviations = deviation::Entity::find()
        .filter(deviation::Column::ProjectId.eq(project.id))
        .all(db)
        .await?;
    let issues = acceptance_issue::Entity::find()
        .filter(acceptance_issue::Column::ProjectId.eq(project.id))
        .all(db)
        .await?;
    let trainees = trainee::Entity::find()
        .filter(trainee::Column::ProjectId.eq(project.id))
        .all(db)
        .await?;
    let assessments = training_assessment::Entity::find()
        .filter(training_assessment::Column::ProjectId.eq(project.id))
        .all(db)
        .await?;
    let evaluations = find(db, project.id).await?;
    let evaluation_rows = DIMENSIONS
        .iter()
        .enumerate()
        .map(|(n, (_, label))| {
            let score = |e: &Option<evaluation::Model>| {
                e.as_ref()
                    .and_then(scores_of)
                    .map(|s| format!("{}（{}）", s[n], score_words(s[n])))
                    .unwrap_or_default()
            };
            vec![label.to_string(), score(&evaluations.ours), score(&evaluations.client)]
        })
        .collect();
    let who = |e: &Option<evaluation::Model>| {
        e.as_ref()
            .filter(|e| e.submitted_at.is_some())
            .map(|e| {
                let name = e.evaluator_name.clone().unwrap_or_default();
                match &e.evaluator_role {
                    Some(r) => format!("{name}（{r}）"),
                    None => name,
                }
            })
            .unwrap_or_default()
    };
    Ok(Some(SummaryForms {
        chart,
        schedule,
        moved,
        tests: format!(
            "功能测试共 {} 项，首次测试通过 {} 项，一次通过率 {}",
            tested.len(),
            first_passed,
            percent(first_passed, tested.len())
        ),
        deviations: format!(
            "到货检验发现偏差 {} 项，已处理关闭 {} 项",
            deviations.len(),
            deviations
                .iter()
                .filter(|d| d.status == DeviationStatus::Closed)
                .count()
        ),
        issues: format!(
            "遗留问题 {} 项：已关闭 {} 项，甲方书面同意暂缓 {} 项",
            issues.len(),
            issues.iter().filter(|i| i.status == IssueStatus::Closed).count(),
            issues.iter().filter(|i| i.status == IssueStatus::Deferred).count()
        ),
        training: format!(
            "受训人员 {} 人，首次考核合格 {} 人，经强化培训后合格 {} 人",
            trainees.len(),
            assessments.iter().filter(|a| a.attempt == 1 && a.passed).count(),
            assessments.iter().filter(|a| a.attempt > 1 && a.passed).count()
        ),
        evaluation_rows,
        our_evaluator: who(&evaluations.ours),
        client_evaluator: who(&evaluations.client),
        our_comments: evaluations
            .ours
            .as_ref()
            .and_then(|e| e.comments.clone())
            .unwrap_or_default(),
        client_comments: evaluations
            .client
            .as_ref()
            .and_then(|e| e.comments.clone())
            .unwrap_or_default(),
        both_evaluated: evaluations.both_in(),
    }))
}
