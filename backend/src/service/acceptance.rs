//! Acceptance (项目验收, phase 4): the initial acceptance (系统初验) once the 预验收证书 is signed —
//! the plan both sides agree (when, how, where, who), an invitation to every participant that
//! lands in their calendar, the record of the meeting (what was checked, the conclusion, the
//! leftover issues found), and its 初验报告 and 初验备忘录 signed by both through the signing
//! engine — and the leftover issues (遗留问题), followed until the client confirms each fixed or
//! accepts it deferred in writing.
use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{acceptance, acceptance_issue, project, signature};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    Actor,
    access::{Granted, MayManage, MayRead, MayRecordWork, WorkAccess},
    audit,
    auth::sha256_hex,
    history::{self, Change},
    milestones::{self, Milestone},
    projects::timezone_of,
    signing::{self, Signed},
    test_plans,
};
use crate::{
    db::begin_write,
    documents::{
        Lang,
        forms::{AcceptanceRecord, PartSignatures, SignedBy},
    },
    domain::{
        ics,
        types::{
            AcceptanceConclusion, AcceptanceStage, IssueSeverity, IssueSource, IssueStatus, ProjectStatus, SignParty,
            SignedDocument, optional_text, required_text,
        },
    },
    email::{messages, outbox},
    error::{AppError, AppResult},
    state::AppState,
};

pub(crate) fn signed_by(s: &signature::Model) -> SignedBy {
    SignedBy {
        name: s.signer_name.clone(),
        on: signing::signed_minute(s).to_string(),
        verify_code: s.verify_code.clone(),
    }
}

/// The parts of an acceptance both sides sign: its report, and (initial acceptance) its memo.
pub const REPORT: i32 = 1;
pub const MEMO: i32 = 2;

/// Someone taking part: a name, a role, and an address for the invitation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Participant {
    pub name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub email: Option<String>,
}

/// One thing checked at the acceptance.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Check {
    pub item: String,
    pub passed: bool,
    #[serde(default)]
    pub remark: String,
}

/// An acceptance with everything on it.
#[derive(Debug, Clone)]
pub struct AcceptanceData {
    pub project: project::Model,
    pub acceptance: acceptance::Model,
    pub our_participants: Vec<Participant>,
    pub client_participants: Vec<Participant>,
    pub checks: Vec<Check>,
    /// The leftover issues found at this acceptance, by number.
    pub issues: Vec<acceptance_issue::Model>,
    /// Signatures in force.
    pub signatures: Vec<signature::Model>,
}

fn parse_json<T: serde::de::DeserializeOwned + Default>(text: &str) -> T {
    serde_json::from_str(text).unwrap_or_default()
}

impl AcceptanceData {
    pub fn stage(&self) -> AcceptanceStage {
        self.acceptance.stage
    }

    /// The parts both sides sign.
    pub fn parts(&self) -> Vec<i32> {
        match self.stage() {
            AcceptanceStage::Initial => vec![REPORT, MEMO],
            AcceptanceStage::Final => vec![REPORT],
        }
    }

    /// Every part signed by both parties.
    pub fn fully_signed(&self) -> bool {
        self.parts()
            .iter()
            .all(|p| self.signature(*p, SignParty::Ours).is_some() && self.signature(*p, SignParty::Client).is_some())
    }

    pub fn part_title(&self, part: i32) -> &'static str {
        match (self.stage(), part) {
            (AcceptanceStage::Initial, MEMO) => "初验备忘录",
            (AcceptanceStage::Initial, _) => "初验报告",
            (AcceptanceStage::Final, _) => "终验报告",
        }
    }

    fn issue_rows(&self) -> Vec<Vec<String>> {
        self.issues
            .iter()
            .map(|i| {
                vec![
                    i.number.to_string(),
                    i.description.clone(),
                    i.severity.label_zh().into(),
                    i.owner.clone(),
                    i.due_on.to_string(),
                ]
            })
            .collect()
    }

    fn people(list: &[Participant]) -> String {
        list.iter()
            .map(|p| {
                if p.role.is_empty() {
                    p.name.clone()
                } else {
                    format!("{}（{}）", p.name, p.role)
                }
            })
            .collect::<Vec<_>>()
            .join("、")
    }

    /// The canonical content a signature on `part` covers, serialised field by field. A leftover
    /// issue's state (fixed, closed) is not part of it: following an issue up does not touch
    /// what was signed.
    fn content(&self, part: i32) -> String {
        let a = &self.acceptance;
        let issues: Vec<serde_json::Value> = self
            .issues
            .iter()
            .map(|i| {
                json!({"number": i.number, "description": i.description, "severity": i.severity.as_str(),
                       "owner": i.owner, "due_on": i.due_on.to_string()})
            })
            .collect();
        let common = json!({
            "project": self.project.code,
            "acceptance": a.id,
            "stage": a.stage.as_str(),
            "part": part,
        });
        let body = if part == MEMO {
            json!({"memo": a.memo, "issues": issues})
        } else {
            json!({
                "held_on": a.held_on.map(|d| d.to_string()),
                "form": a.form, "place": a.place,
                "ours": self.our_participants, "client": self.client_participants,
                "checks": self.checks,
                "conclusion": a.conclusion.map(|c| c.as_str()),
                "opinion": a.opinion,
                "issues": issues,
            })
        };
        json!({"document": common, "content": body}).to_string()
    }
}

impl Signed for AcceptanceData {
    fn project(&self) -> &project::Model {
        &self.project
    }

    fn document(&self) -> (SignedDocument, i32) {
        (SignedDocument::Acceptance, self.acceptance.id)
    }

    fn title(&self) -> String {
        match self.stage() {
            AcceptanceStage::Initial => format!("{}（{}）", self.stage().label_zh(), self.project.name),
            AcceptanceStage::Final => format!("终验报告（{}）", self.project.name),
        }
    }

    fn part_label(&self, part: i32, _lang: Lang) -> String {
        self.part_title(part).into()
    }

    fn part_table(&self, part: i32, _lang: Lang) -> (Vec<String>, Vec<Vec<String>>) {
        let a = &self.acceptance;
        let columns = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        if part == MEMO {
            let mut rows = vec![vec!["备忘事项".into(), a.memo.clone().unwrap_or_default()]];
            for i in self.issue_rows() {
                rows.push(vec![
                    format!("遗留问题 {}", i[0]),
                    format!("{}（{}；责任方：{}；完成期限：{}）", i[1], i[2], i[3], i[4]),
                ]);
            }
            return (columns(&["项目", "内容"]), rows);
        }
        let mut rows = vec![
            vec!["验收日期".into(), a.held_on.map(|d| d.to_string()).unwrap_or_default()],
            vec!["验收形式".into(), a.form.clone().unwrap_or_default()],
            vec!["验收地点".into(), a.place.clone().unwrap_or_default()],
            vec!["甲方参加人员".into(), Self::people(&self.client_participants)],
            vec!["乙方参加人员".into(), Self::people(&self.our_participants)],
        ];
        for c in &self.checks {
            rows.push(vec![
                format!("检查：{}", c.item),
                format!(
                    "{}{}",
                    if c.passed { "合格" } else { "不合格" },
                    if c.remark.is_empty() {
                        String::new()
                    } else {
                        format!("（{}）", c.remark)
                    }
                ),
            ]);
        }
        rows.push(vec![
            "验收结论".into(),
            a.conclusion.map(|c| c.label_zh()).unwrap_or_default().into(),
        ]);
        rows.push(vec!["验收意见".into(), a.opinion.clone().unwrap_or_default()]);
        for i in self.issue_rows() {
            rows.push(vec![format!("遗留问题 {}", i[0]), format!("{}（{}）", i[1], i[2])]);
        }
        (columns(&["项目", "内容"]), rows)
    }

    fn part_unit(&self) -> &'static str {
        "份"
    }

    fn part_size(&self, _part: i32) -> Option<usize> {
        None
    }

    fn content_sha256(&self, part: i32) -> Option<String> {
        (self.acceptance.recorded_at.is_some() && self.parts().contains(&part))
            .then(|| sha256_hex(self.content(part).as_bytes()))
    }

    fn refuse(&self, part: i32, party: SignParty) -> Option<String> {
        if !self.parts().contains(&part) {
            return Some(format!(
                "the {} has no part {part}: sign {}",
                self.stage().as_str(),
                self.parts().iter().map(i32::to_string).collect::<Vec<_>>().join(" or ")
            ));
        }
        if self.acceptance.recorded_at.is_none() {
            return Some(format!(
                "the {} acceptance has not been recorded yet: record what was checked and the conclusion first",
                self.stage().as_str()
            ));
        }
        self.signature(part, party).map(|s| {
            format!(
                "the {} is already signed for {} by {} on {}",
                self.part_title(part),
                if party == SignParty::Ours { "乙方" } else { "甲方" },
                s.signer_name,
                s.signed_local
            )
        })
    }

    fn signatures(&self) -> &[signature::Model] {
        &self.signatures
    }

    fn audit_subject(&self, part: i32) -> String {
        format!("acceptance:{}:part:{part}", self.acceptance.id)
    }

    fn client_signer(&self) -> (Option<String>, Option<String>) {
        (
            self.acceptance.client_signer_name.clone(),
            self.acceptance.client_signer_email.clone(),
        )
    }

    fn statement(&self, client: &str, parts: usize) -> String {
        format!(
            "本人代表 {client} 确认：已审阅以上 {parts} 份文件的全部内容，与验收情况相符，同意签字。本电子签字与本人手写签字具有同等效力。"
        )
    }

    fn request_intro(&self) -> String {
        format!(
            "{}已完成，乙方已提交以下文件，请您作为甲方签字人审阅并签字：",
            self.stage().label_zh()
        )
    }
}

/// The acceptance `id` of `project`, or 404.
pub async fn load(db: &impl ConnectionTrait, project: project::Model, id: i32) -> AppResult<AcceptanceData> {
    let acceptance = acceptance::Entity::find_by_id(id)
        .filter(acceptance::Column::ProjectId.eq(project.id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no acceptance {id} in project {}", project.id)))?;
    assemble(db, project, acceptance).await
}

async fn assemble(
    db: &impl ConnectionTrait,
    project: project::Model,
    acceptance: acceptance::Model,
) -> AppResult<AcceptanceData> {
    let issues = acceptance_issue::Entity::find()
        .filter(acceptance_issue::Column::AcceptanceId.eq(acceptance.id))
        .order_by_asc(acceptance_issue::Column::Number)
        .all(db)
        .await?;
    let signatures = signing::signatures_of(db, SignedDocument::Acceptance, acceptance.id).await?;
    Ok(AcceptanceData {
        our_participants: parse_json(&acceptance.our_participants),
        client_participants: parse_json(&acceptance.client_participants),
        checks: parse_json(&acceptance.checks),
        project,
        acceptance,
        issues,
        signatures,
    })
}

async fn find_stage(
    db: &impl ConnectionTrait,
    project: &project::Model,
    stage: AcceptanceStage,
) -> AppResult<Option<AcceptanceData>> {
    let found = acceptance::Entity::find()
        .filter(acceptance::Column::ProjectId.eq(project.id))
        .filter(acceptance::Column::Stage.eq(stage))
        .one(db)
        .await?;
    match found {
        Some(a) => Ok(Some(assemble(db, project.clone(), a).await?)),
        None => Ok(None),
    }
}

/// The project's acceptance at `stage`, if planned.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn get(
    db: &DatabaseConnection,
    p: &Granted<impl MayRead>,
    stage: AcceptanceStage,
) -> AppResult<Option<AcceptanceData>> {
    find_stage(db, p.project(), stage).await
}

/// Whether the initial acceptance's report and memo are signed by both parties.
pub async fn initial_signed(db: &impl ConnectionTrait, project: &project::Model) -> AppResult<bool> {
    Ok(find_stage(db, project, AcceptanceStage::Initial)
        .await?
        .is_some_and(|d| d.fully_signed()))
}

/// Something an acceptance waits for, said for the API (English) and for the page (Chinese).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blocker {
    pub en: String,
    pub zh: String,
}

impl Blocker {
    fn new(en: impl Into<String>, zh: impl Into<String>) -> Self {
        Blocker {
            en: en.into(),
            zh: zh.into(),
        }
    }
}

/// Why the acceptance at `stage` cannot be held yet: each thing that blocks it, in words a PM
/// acts on. Empty when it can. Final acceptance waits for the initial one signed, the trial run
/// ended, every leftover issue closed (or deferred by the client in writing) and training complete.
pub async fn blockers(
    db: &impl ConnectionTrait,
    project: &project::Model,
    stage: AcceptanceStage,
) -> AppResult<Vec<Blocker>> {
    let mut out = Vec::new();
    match stage {
        AcceptanceStage::Initial => {
            if !test_plans::certified(db, project.id).await? {
                out.push(Blocker::new(
                    "the 预验收证书 is not yet signed by both parties",
                    "预验收证书双方尚未签字",
                ));
            }
        }
        AcceptanceStage::Final => {
            if !initial_signed(db, project).await? {
                out.push(Blocker::new(
                    "the 初验报告 and 初验备忘录 are not yet signed by both parties",
                    "系统初验报告和备忘录双方尚未签字",
                ));
            }
            // The trial run starts with the password handover; until it has run its course,
            // final acceptance waits.
            if !super::trial_run::ended(db, project).await? {
                out.push(Blocker::new("the trial run (试运行) has not ended", "试运行尚未结束"));
            }
            let open = acceptance_issue::Entity::find()
                .filter(acceptance_issue::Column::ProjectId.eq(project.id))
                .filter(acceptance_issue::Column::Status.is_in([IssueStatus::Open, IssueStatus::Fixed]))
                .order_by_asc(acceptance_issue::Column::Number)
                .all(db)
                .await?;
            for i in open {
                out.push(Blocker::new(
                    format!(
                        "leftover issue {} ({}) is {}: the client confirms it fixed or accepts it deferred",
                        i.number,
                        i.description,
                        i.status.as_str()
                    ),
                    format!(
                        "遗留问题 {}（{}）{}：须甲方确认已修复，或书面同意暂缓",
                        i.number,
                        i.description,
                        i.status.label_zh()
                    ),
                ));
            }
            out.extend(super::training::gaps(db, project).await?);
            out.extend(super::document_handover::gaps(db, project).await?);
        }
    }
    Ok(out)
}

/// The plan of an acceptance.
pub struct PlanInput {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub form: String,
    pub place: String,
    pub our_participants: Vec<Participant>,
    pub client_participants: Vec<Participant>,
    pub client_signer_name: Option<String>,
    pub client_signer_email: Option<String>,
}

fn participants(field: &'static str, list: Vec<Participant>, required: bool) -> AppResult<Vec<Participant>> {
    if required && list.is_empty() {
        return Err(AppError::invalid(field, format!("{field}: name at least one person")));
    }
    list.into_iter()
        .enumerate()
        .map(|(n, p)| {
            let at = format!("{field}[{n}]");
            let name = required_text(&format!("{at}.name"), &p.name, 100)
                .map_err(|_| AppError::invalid(field, format!("{at}.name: each participant needs a name")))?;
            let email = optional_text(&format!("{at}.email"), p.email.as_deref(), 200)?;
            if let Some(e) = &email
                && (!e.contains('@') || e.contains(char::is_whitespace))
            {
                return Err(AppError::invalid(
                    field,
                    format!("{at}.email: '{e}' is not an e-mail address"),
                ));
            }
            Ok(Participant {
                name,
                role: p.role.trim().chars().take(100).collect(),
                email,
            })
        })
        .collect()
}

fn to_json<T: Serialize>(value: &T) -> AppResult<String> {
    serde_json::to_string(value).map_err(|e| AppError::Internal(anyhow::anyhow!("serialising: {e}")))
}

/// Refuses a change to what a signed part says until its signatures are voided.
fn unchanged_where_signed(before: &AcceptanceData, after: &AcceptanceData) -> AppResult<()> {
    let changed: Vec<&str> = before
        .parts()
        .into_iter()
        .filter(|p| before.signatures.iter().any(|s| s.page == *p))
        .filter(|p| before.content_sha256(*p) != after.content_sha256(*p))
        .map(|p| before.part_title(p))
        .collect();
    if changed.is_empty() {
        Ok(())
    } else {
        Err(AppError::Conflict(format!(
            "the {} is signed: void its signatures with a reason before changing what it says",
            changed.join(" and the ")
        )))
    }
}

async fn event(
    db: &impl ConnectionTrait,
    actor: &Actor,
    a: &acceptance::Model,
    name: &'static str,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> AppResult<()> {
    audit::project_event(
        db,
        actor,
        a.project_id,
        name,
        format!("acceptance:{}", a.id),
        detail,
        now,
    )
    .await
}

/// Plans (or re-plans) the acceptance at `stage`: when, how, where and who. Re-planning after the
/// client agreed asks for their agreement again; the next invitation updates the calendar event.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn plan(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    stage: AcceptanceStage,
    input: PlanInput,
    now: DateTime<Utc>,
) -> AppResult<AcceptanceData> {
    let actor = p.actor();
    if input.ends_at <= input.starts_at {
        return Err(AppError::invalid("ends_at", "ends_at: must be after starts_at"));
    }
    let form = required_text("form", &input.form, 200)?;
    let place = required_text("place", &input.place, 300)?;
    let ours = participants("our_participants", input.our_participants, true)?;
    let client = participants("client_participants", input.client_participants, true)?;
    let signer_name = optional_text("client_signer_name", input.client_signer_name.as_deref(), 100)?;
    let signer_email = optional_text("client_signer_email", input.client_signer_email.as_deref(), 200)?;
    if let Some(e) = &signer_email
        && (!e.contains('@') || e.contains(char::is_whitespace))
    {
        return Err(AppError::invalid(
            "client_signer_email",
            format!("client_signer_email: '{e}' is not an e-mail address"),
        ));
    }
    let txn = begin_write(db).await?;
    let before = find_stage(&txn, p.project(), stage).await?;
    if before.is_none() {
        let blocking = blockers(&txn, p.project(), stage).await?;
        if !blocking.is_empty() {
            return Err(AppError::Conflict(format!(
                "the {} acceptance cannot be planned yet: {}",
                stage.as_str(),
                blocking.iter().map(|b| b.en.as_str()).collect::<Vec<_>>().join("; ")
            )));
        }
    }
    let moved = before.as_ref().is_some_and(|b| {
        b.acceptance.starts_at != Some(input.starts_at)
            || b.acceptance.ends_at != Some(input.ends_at)
            || b.acceptance.place.as_deref() != Some(place.as_str())
    });
    let mut row = match &before {
        Some(b) => b.acceptance.clone().into(),
        None => acceptance::ActiveModel {
            project_id: Set(p.id()),
            stage: Set(stage),
            invitation_sequence: Set(0),
            checks: Set("[]".into()),
            created_by: Set(actor.id),
            created_at: Set(now),
            ..Default::default()
        },
    };
    row.starts_at = Set(Some(input.starts_at));
    row.ends_at = Set(Some(input.ends_at));
    row.form = Set(Some(form));
    row.place = Set(Some(place));
    row.our_participants = Set(to_json(&ours)?);
    row.client_participants = Set(to_json(&client)?);
    row.client_signer_name = Set(signer_name.or_else(|| client.first().map(|c| c.name.clone())));
    row.client_signer_email = Set(signer_email.or_else(|| client.iter().find_map(|c| c.email.clone())));
    if moved {
        // A new time or place needs the client's agreement again.
        row.agreed_at = Set(None);
        row.agreed_by = Set(None);
    }
    let saved = match &before {
        Some(_) => row.update(&txn).await?,
        None => row.insert(&txn).await?,
    };
    let after = assemble(&txn, p.project().clone(), saved).await?;
    if let Some(b) = &before {
        unchanged_where_signed(b, &after)?;
    }
    event(
        &txn,
        actor,
        &after.acceptance,
        "acceptance_planned",
        json!({"stage": stage.as_str(), "starts_at": input.starts_at.to_rfc3339(), "moved": moved}),
        now,
    )
    .await?;
    if stage == AcceptanceStage::Initial {
        milestones::start(&txn, p, Milestone::InitialAcceptance, now).await?;
    }
    txn.commit().await?;
    Ok(after)
}

async fn required_stage(
    db: &impl ConnectionTrait,
    project: &project::Model,
    stage: AcceptanceStage,
) -> AppResult<AcceptanceData> {
    find_stage(db, project, stage).await?.ok_or_else(|| {
        AppError::Conflict(format!(
            "the {} acceptance has not been planned: plan its date, form, place and participants first",
            stage.as_str()
        ))
    })
}

/// The invitation as an iCalendar request: one event, every participant an attendee, our
/// sender the organiser. The UID stays the same for the acceptance and SEQUENCE grows, so a
/// re-sent invitation moves the event in the calendar instead of adding another.
pub fn invitation(data: &AcceptanceData, organiser: &str, host: &str, sequence: i32, now: DateTime<Utc>) -> String {
    let a = &data.acceptance;
    let attendees: Vec<ics::Attendee> = data
        .client_participants
        .iter()
        .chain(&data.our_participants)
        .filter_map(|p| {
            p.email.as_ref().map(|e| ics::Attendee {
                name: p.name.clone(),
                email: e.clone(),
            })
        })
        .collect();
    ics::render_invitation(&ics::Invitation {
        uid: format!("acceptance-{}@{host}", a.id),
        sequence,
        starts_at: a.starts_at.unwrap_or(now),
        ends_at: a.ends_at.unwrap_or(now),
        summary: format!("{} {}：{}", data.project.code, data.project.name, a.stage.label_zh()),
        location: a.place.clone().unwrap_or_default(),
        description: format!(
            "{}\n验收形式：{}\n甲方：{}\n乙方：{}",
            data.project.name,
            a.form.clone().unwrap_or_default(),
            AcceptanceData::people(&data.client_participants),
            AcceptanceData::people(&data.our_participants)
        ),
        organiser: organiser.into(),
        attendees,
        stamp: now,
    })
}

/// Sends the plan to every participant with an e-mail address: one message each, with the
/// calendar invitation. Returns how many were queued.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn invite(
    state: &AppState,
    p: &Granted<impl MayManage>,
    stage: AcceptanceStage,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    let actor = p.actor();
    let txn = begin_write(&state.db).await?;
    let data = required_stage(&txn, p.project(), stage).await?;
    let sequence = data.acceptance.invitation_sequence + 1;
    let sender = &state.settings.mail_from;
    let from = sender
        .rsplit_once('<')
        .map_or(sender.as_str(), |(_, a)| a.trim_end_matches('>'))
        .trim()
        .to_string();
    let host = from.rsplit('@').next().unwrap_or("jiaofu").to_string();
    let ics = invitation(&data, &from, &host, sequence, now);
    let tz = timezone_of(&data.project);
    let a = &data.acceptance;
    let people: Vec<&Participant> = data
        .client_participants
        .iter()
        .chain(&data.our_participants)
        .filter(|p| p.email.is_some())
        .collect();
    if people.is_empty() {
        return Err(AppError::Conflict(
            "no participant has an e-mail address: add the client's participants' addresses to the plan".into(),
        ));
    }
    let env = &state.templates.env;
    for person in &people {
        let Some(address) = person.email.clone() else { continue };
        let ctx = minijinja::context! {
            name => person.name,
            project_code => data.project.code,
            project_name => data.project.name,
            stage => a.stage.label_zh(),
            starts => a.starts_at.map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()),
            ends => a.ends_at.map(|t| t.with_timezone(&tz).format("%H:%M").to_string()),
            form => a.form,
            place => a.place,
            client_people => AcceptanceData::people(&data.client_participants),
            our_people => AcceptanceData::people(&data.our_participants),
            updated => sequence > 1,
            sender => actor.name,
        };
        let render = |name: &str| messages::render(env, name, &ctx);
        outbox::enqueue(
            &txn,
            outbox::NewEmail {
                key: format!("acceptance_invitation:{}:{sequence}:{address}", a.id),
                kind: "acceptance_invitation".into(),
                project_id: Some(p.id()),
                to_address: address,
                to_name: Some(person.name.clone()),
                subject: render("acceptance_invitation.subject.txt")?,
                text: render("acceptance_invitation.txt")?,
                html: None,
                calendar: Some(ics.clone()),
            },
            Duration::hours(state.settings.mail_retry_horizon_hours),
            now,
        )
        .await?;
    }
    let mut row: acceptance::ActiveModel = data.acceptance.clone().into();
    row.invitation_sequence = Set(sequence);
    row.invited_at = Set(Some(now));
    let saved = row.update(&txn).await?;
    event(
        &txn,
        actor,
        &saved,
        "acceptance_invited",
        json!({"sequence": sequence, "to": people.iter().filter_map(|p| p.email.clone()).collect::<Vec<_>>()}),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(people.len())
}

/// Records that the client agreed to the plan, and who agreed for them.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn agree(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    stage: AcceptanceStage,
    agreed_by: &str,
    now: DateTime<Utc>,
) -> AppResult<AcceptanceData> {
    let agreed_by = required_text("agreed_by", agreed_by, 100)?;
    let txn = begin_write(db).await?;
    let data = required_stage(&txn, p.project(), stage).await?;
    let mut row: acceptance::ActiveModel = data.acceptance.clone().into();
    row.agreed_at = Set(Some(now));
    row.agreed_by = Set(Some(agreed_by.clone()));
    let saved = row.update(&txn).await?;
    event(
        &txn,
        p.actor(),
        &saved,
        "acceptance_agreed",
        json!({"by": agreed_by}),
        now,
    )
    .await?;
    let data = assemble(&txn, p.project().clone(), saved).await?;
    txn.commit().await?;
    Ok(data)
}

/// A leftover issue to record.
pub struct NewIssue {
    pub description: String,
    pub severity: IssueSeverity,
    pub owner: String,
    pub due_on: NaiveDate,
}

fn checked_issue(n: usize, i: NewIssue) -> AppResult<NewIssue> {
    let at = |f: &str| format!("issues[{n}].{f}");
    Ok(NewIssue {
        description: required_text(&at("description"), &i.description, 1000)?,
        owner: required_text(&at("owner"), &i.owner, 100)?,
        ..i
    })
}

async fn insert_issue(
    txn: &DatabaseTransaction,
    actor: &Actor,
    project_id: i32,
    source: IssueSource,
    acceptance_id: Option<i32>,
    i: NewIssue,
    now: DateTime<Utc>,
) -> AppResult<acceptance_issue::Model> {
    let last: Option<i32> = acceptance_issue::Entity::find()
        .select_only()
        .column_as(acceptance_issue::Column::Number.max(), "n")
        .filter(acceptance_issue::Column::ProjectId.eq(project_id))
        .into_tuple::<Option<i32>>()
        .one(txn)
        .await?
        .flatten();
    let row = acceptance_issue::ActiveModel {
        project_id: Set(project_id),
        number: Set(last.unwrap_or(0) + 1),
        source: Set(source),
        acceptance_id: Set(acceptance_id),
        description: Set(i.description),
        severity: Set(i.severity),
        owner: Set(i.owner),
        due_on: Set(i.due_on),
        status: Set(IssueStatus::Open),
        created_by: Set(actor.id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    issue_event(
        txn,
        actor,
        &row,
        "issue_opened",
        json!({"description": row.description}),
        now,
    )
    .await?;
    Ok(row)
}

async fn issue_event(
    db: &impl ConnectionTrait,
    actor: &Actor,
    issue: &acceptance_issue::Model,
    name: &'static str,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let subject = format!("acceptance_issue:{}", issue.id);
    audit::project_event(db, actor, issue.project_id, name, subject, detail, now).await
}

/// What the acceptance found.
pub struct RecordInput {
    pub held_on: NaiveDate,
    pub checks: Vec<Check>,
    pub conclusion: AcceptanceConclusion,
    pub opinion: Option<String>,
    pub memo: Option<String>,
    /// Leftover issues found, added to those already recorded for this acceptance.
    pub issues: Vec<NewIssue>,
}

/// Records the acceptance: the day, what was checked, the conclusion, the opinion, the memo and
/// the leftover issues found. 有条件通过 needs at least one leftover issue, 不通过 an opinion
/// saying why; a signed record is changed only after its signatures are voided.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn record(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    stage: AcceptanceStage,
    input: RecordInput,
    now: DateTime<Utc>,
) -> AppResult<AcceptanceData> {
    let actor = p.actor();
    if input.checks.is_empty() {
        return Err(AppError::invalid(
            "checks",
            "checks: list what was checked and whether it passed",
        ));
    }
    let checks: Vec<Check> = input
        .checks
        .into_iter()
        .enumerate()
        .map(|(n, c)| {
            Ok(Check {
                item: required_text(&format!("checks[{n}].item"), &c.item, 300)?,
                passed: c.passed,
                remark: c.remark.trim().chars().take(500).collect(),
            })
        })
        .collect::<AppResult<_>>()?;
    let opinion = optional_text("opinion", input.opinion.as_deref(), 2000)?;
    let memo = optional_text("memo", input.memo.as_deref(), 4000)?;
    let issues: Vec<NewIssue> = input
        .issues
        .into_iter()
        .enumerate()
        .map(|(n, i)| checked_issue(n, i))
        .collect::<AppResult<_>>()?;
    let txn = begin_write(db).await?;
    let before = required_stage(&txn, p.project(), stage).await?;
    // Final acceptance is held only once nothing blocks it (anything may have reopened since it
    // was planned).
    if stage == AcceptanceStage::Final {
        let blocking = blockers(&txn, p.project(), stage).await?;
        if !blocking.is_empty() {
            return Err(AppError::Conflict(format!(
                "the final acceptance cannot be recorded yet: {}",
                blocking.iter().map(|b| b.en.as_str()).collect::<Vec<_>>().join("; ")
            )));
        }
    }
    if before.acceptance.agreed_at.is_none() {
        return Err(AppError::Conflict(format!(
            "the client has not agreed to the {} acceptance's plan: record their agreement first",
            stage.as_str()
        )));
    }
    let tz = timezone_of(p.project());
    let planned_day = before.acceptance.starts_at.map(|t| t.with_timezone(&tz).date_naive());
    if planned_day.is_some_and(|d| input.held_on < d) {
        return Err(AppError::invalid(
            "held_on",
            "held_on: an acceptance is held on or after its planned day; re-plan it if it moved earlier",
        ));
    }
    let issue_count = before.issues.len() + issues.len();
    match input.conclusion {
        AcceptanceConclusion::Conditional if issue_count == 0 => {
            return Err(AppError::invalid(
                "conclusion",
                "conclusion: 'conditional' (有条件通过) names the leftover issues to fix — add at least one",
            ));
        }
        AcceptanceConclusion::Failed if opinion.is_none() => {
            return Err(AppError::invalid("opinion", "opinion: say why the acceptance failed"));
        }
        _ => {}
    }
    let source = match stage {
        AcceptanceStage::Initial => IssueSource::InitialAcceptance,
        AcceptanceStage::Final => IssueSource::FinalAcceptance,
    };
    for i in issues {
        insert_issue(&txn, actor, p.id(), source, Some(before.acceptance.id), i, now).await?;
    }
    let mut row: acceptance::ActiveModel = before.acceptance.clone().into();
    row.held_on = Set(Some(input.held_on));
    row.checks = Set(to_json(&checks)?);
    row.conclusion = Set(Some(input.conclusion));
    row.opinion = Set(opinion);
    row.memo = Set(memo);
    row.recorded_by = Set(actor.id);
    row.recorded_at = Set(Some(now));
    let saved = row.update(&txn).await?;
    let after = assemble(&txn, p.project().clone(), saved).await?;
    unchanged_where_signed(&before, &after)?;
    event(
        &txn,
        actor,
        &after.acceptance,
        "acceptance_recorded",
        json!({"held_on": input.held_on.to_string(), "conclusion": input.conclusion.as_str(),
               "issues": after.issues.len()}),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Our side signs a part of the acceptance at `stage` in the app (an engineer or PM of the project).
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn sign(
    db: &DatabaseConnection,
    p: &Granted<impl MayRecordWork>,
    stage: AcceptanceStage,
    part: i32,
    evidence: signing::Evidence,
    now: DateTime<Utc>,
) -> AppResult<AcceptanceData> {
    signing::our_signer(db, p).await?;
    let current = required_stage(db, p.project(), stage).await?;
    match signing::sign_in_app(
        db,
        p,
        SignedDocument::Acceptance,
        current.acceptance.id,
        part,
        evidence,
        now,
    )
    .await?
    {
        signing::Signable::Acceptance(data) => Ok(data),
        _ => Err(AppError::Internal(anyhow::anyhow!(
            "an acceptance loaded as another document"
        ))),
    }
}

/// Voids both parties' signatures on a part with a reason; both sign again afterwards.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn void(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    stage: AcceptanceStage,
    part: i32,
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<AcceptanceData> {
    let reason = required_text("reason", reason, 500)?;
    let txn = begin_write(db).await?;
    let data = required_stage(&txn, p.project(), stage).await?;
    let voided: Vec<&signature::Model> = data.signatures.iter().filter(|s| s.page == part).collect();
    if voided.is_empty() {
        return Err(AppError::Conflict(format!(
            "the {} carries no signature to void",
            data.part_title(part)
        )));
    }
    signing::void_signatures(&txn, p.actor(), &data, &voided, &reason, now).await?;
    let data = assemble(&txn, p.project().clone(), data.acceptance.clone()).await?;
    txn.commit().await?;
    Ok(data)
}

/// What a signature completes once every part is signed by both parties: the initial
/// acceptance's task; or, for the final acceptance, the delivery — the project becomes delivered
/// on that day, its warranty starting on the contractual delivery date (the day delivered where
/// the contract names none), and the 终验交付 task is done.
pub(crate) async fn after_signed(
    txn: &DatabaseTransaction,
    actor: &Actor,
    data: &AcceptanceData,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if !data.fully_signed() {
        return Ok(());
    }
    let p = WorkAccess::vouched(data.project.clone(), actor);
    let conclusion = data.acceptance.conclusion.map(|c| c.label_zh()).unwrap_or_default();
    match data.stage() {
        AcceptanceStage::Initial => {
            let evidence = vec![milestones::Evidence {
                label: "初验报告、初验备忘录".into(),
                href: format!("/api/projects/{}/acceptance/initial", data.project.id),
            }];
            milestones::complete(
                txn,
                &p,
                Milestone::InitialAcceptance,
                format!("初验{conclusion}; 初验报告 and 初验备忘录 signed by both parties"),
                evidence,
                now,
            )
            .await
        }
        AcceptanceStage::Final => {
            let project = project::Entity::find_by_id(data.project.id)
                .one(txn)
                .await?
                .ok_or_else(|| AppError::not_found(format!("no project {}", data.project.id)))?;
            if project.delivered_on.is_some() {
                return Ok(());
            }
            let day = now.with_timezone(&timezone_of(&project)).date_naive();
            let warranty = project.delivery_due_on.unwrap_or(day);
            let mut row: project::ActiveModel = project.clone().into();
            row.status = Set(ProjectStatus::Delivered);
            row.delivered_on = Set(Some(day));
            row.warranty_starts_on = Set(Some(warranty));
            row.updated_at = Set(now);
            row.update(txn).await?;
            // A delivered project's open tasks no longer count as deadlines.
            entity::task::Entity::update_many()
                .col_expr(entity::task::Column::ProjectActive, false.into())
                .filter(entity::task::Column::ProjectId.eq(project.id))
                .exec(txn)
                .await?;
            history::record(
                txn,
                actor,
                now,
                vec![
                    Change::new(Some(project.id), "project", Some(project.id), "delivered")
                        .field(
                            "status",
                            Some(project.status.to_string()),
                            Some(ProjectStatus::Delivered.to_string()),
                        )
                        .field("delivered_on", None, Some(day.to_string()))
                        .field("warranty_starts_on", None, Some(warranty.to_string())),
                ],
            )
            .await?;
            audit::project_event(
                txn,
                actor,
                project.id,
                "project_delivered",
                format!("acceptance:{}", data.acceptance.id),
                json!({"delivered_on": day.to_string(), "warranty_starts_on": warranty.to_string()}),
                now,
            )
            .await?;
            milestones::complete(
                txn,
                &p,
                Milestone::FinalAcceptance,
                format!("终验{conclusion}，终验报告双方签字；{day} 交付，质保期自 {warranty} 起"),
                vec![milestones::Evidence {
                    label: "终验报告".into(),
                    href: format!("/api/projects/{}/acceptance/final", data.project.id),
                }],
                now,
            )
            .await
        }
    }
}

/// An acceptance as its report (and memo) print it, once planned.
pub async fn for_forms(
    db: &impl ConnectionTrait,
    project: &project::Model,
    stage: AcceptanceStage,
) -> AppResult<Option<AcceptanceRecord>> {
    let Some(d) = find_stage(db, project, stage).await? else {
        return Ok(None);
    };
    let a = &d.acceptance;
    let signed = |part: i32| PartSignatures {
        client: d.signature(part, SignParty::Client).map(signed_by),
        ours: d.signature(part, SignParty::Ours).map(signed_by),
    };
    Ok(Some(AcceptanceRecord {
        recorded: a.recorded_at.is_some(),
        held_on: a.held_on.map(|h| h.to_string()).unwrap_or_default(),
        form: a.form.clone().unwrap_or_default(),
        place: a.place.clone().unwrap_or_default(),
        client_attendees: AcceptanceData::people(&d.client_participants),
        our_attendees: AcceptanceData::people(&d.our_participants),
        checks: d
            .checks
            .iter()
            .map(|c| (c.item.clone(), c.passed, c.remark.clone()))
            .collect(),
        conclusion: a.conclusion.map(|c| c.label_zh()).unwrap_or_default().into(),
        opinion: a.opinion.clone().unwrap_or_default(),
        memo: a.memo.clone().unwrap_or_default(),
        issues: d
            .issues
            .iter()
            .map(|i| {
                [
                    i.number.to_string(),
                    i.description.clone(),
                    i.severity.label_zh().into(),
                    i.owner.clone(),
                    i.due_on.to_string(),
                ]
            })
            .collect(),
        report: signed(REPORT),
        memo_signed: signed(MEMO),
    }))
}

/// Every leftover issue as the 遗留问题清单 prints it.
pub async fn issues_for_forms(db: &impl ConnectionTrait, project: &project::Model) -> AppResult<Vec<Vec<String>>> {
    let tz = timezone_of(project);
    Ok(acceptance_issue::Entity::find()
        .filter(acceptance_issue::Column::ProjectId.eq(project.id))
        .order_by_asc(acceptance_issue::Column::Number)
        .all(db)
        .await?
        .into_iter()
        .map(|i| {
            let confirmed = match (&i.confirmed_by, i.closed_at) {
                (Some(by), Some(at)) => format!("{by} {}", at.with_timezone(&tz).date_naive()),
                _ => String::new(),
            };
            let resolution = match (&i.resolution, &i.defer_reason) {
                (_, Some(why)) if i.status == IssueStatus::Deferred => format!("暂缓：{why}"),
                (Some(r), _) => r.clone(),
                _ => String::new(),
            };
            vec![
                i.number.to_string(),
                i.source.label_zh().into(),
                i.description,
                i.severity.label_zh().into(),
                i.owner,
                i.due_on.to_string(),
                i.status.label_zh().into(),
                resolution,
                confirmed,
            ]
        })
        .collect())
}

/// The project's leftover issues, by number.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn issues(db: &DatabaseConnection, p: &Granted<impl MayRead>) -> AppResult<Vec<acceptance_issue::Model>> {
    Ok(acceptance_issue::Entity::find()
        .filter(acceptance_issue::Column::ProjectId.eq(p.id()))
        .order_by_asc(acceptance_issue::Column::Number)
        .all(db)
        .await?)
}

/// Records a leftover issue found during the trial run (or afterwards).
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn add_issue(
    db: &DatabaseConnection,
    p: &Granted<impl MayRecordWork>,
    issue: NewIssue,
    now: DateTime<Utc>,
) -> AppResult<acceptance_issue::Model> {
    let issue = checked_issue(0, issue).map_err(|e| match e {
        AppError::Invalid { message, .. } => {
            let field = message.split(':').next().unwrap_or("").replace("issues[0].", "");
            AppError::invalid(field, message.replace("issues[0].", ""))
        }
        e => e,
    })?;
    let txn = begin_write(db).await?;
    let row = insert_issue(&txn, p.actor(), p.id(), IssueSource::TrialRun, None, issue, now).await?;
    txn.commit().await?;
    Ok(row)
}

async fn issue_of(txn: &DatabaseTransaction, project_id: i32, id: i32) -> AppResult<acceptance_issue::Model> {
    acceptance_issue::Entity::find_by_id(id)
        .filter(acceptance_issue::Column::ProjectId.eq(project_id))
        .one(txn)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no leftover issue {id} in project {project_id}")))
}

/// How a leftover issue moves on.
pub enum IssueStep {
    /// We fixed it, saying how.
    Fixed { resolution: String },
    /// The client confirmed the fix (their person's name): closed.
    Confirmed { by: String },
    /// The client accepts it open, in writing, with a reason: deferred.
    Deferred { by: String, reason: String },
    /// The client found the fix wanting: open again, with why.
    Reopened { reason: String },
}

/// Moves a leftover issue on. Fixing is the engineers' (work); the client's confirmation or
/// deferral is recorded by the PM (managing).
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn follow_up(
    db: &DatabaseConnection,
    p: &Granted<impl MayRecordWork>,
    id: i32,
    step: IssueStep,
    now: DateTime<Utc>,
) -> AppResult<acceptance_issue::Model> {
    let actor = p.actor();
    let manages = p.may::<super::access::Manage>();
    let txn = begin_write(db).await?;
    let issue = issue_of(&txn, p.id(), id).await?;
    let mut row: acceptance_issue::ActiveModel = issue.clone().into();
    let (event_name, detail, change) = match step {
        IssueStep::Fixed { resolution } => {
            let resolution = required_text("resolution", &resolution, 2000)?;
            if issue.status != IssueStatus::Open {
                return Err(AppError::Conflict(format!(
                    "leftover issue {} is {}, not open",
                    issue.number,
                    issue.status.as_str()
                )));
            }
            row.status = Set(IssueStatus::Fixed);
            row.resolution = Set(Some(resolution.clone()));
            row.fixed_at = Set(Some(now));
            row.fixed_by = Set(actor.id);
            ("issue_fixed", json!({"resolution": resolution}), "fixed")
        }
        IssueStep::Confirmed { by } => {
            if !manages {
                return Err(AppError::Forbidden("the PM records the client's confirmation".into()));
            }
            let by = required_text("confirmed_by", &by, 100)?;
            if issue.status != IssueStatus::Fixed {
                return Err(AppError::Conflict(format!(
                    "leftover issue {} is {}: the client confirms a fix once it is recorded as fixed",
                    issue.number,
                    issue.status.as_str()
                )));
            }
            row.status = Set(IssueStatus::Closed);
            row.confirmed_by = Set(Some(by.clone()));
            row.closed_at = Set(Some(now));
            ("issue_closed", json!({"confirmed_by": by}), "closed")
        }
        IssueStep::Deferred { by, reason } => {
            if !manages {
                return Err(AppError::Forbidden("the PM records the client's deferral".into()));
            }
            let by = required_text("confirmed_by", &by, 100)?;
            let reason = required_text("reason", &reason, 1000)?;
            if matches!(issue.status, IssueStatus::Closed | IssueStatus::Deferred) {
                return Err(AppError::Conflict(format!(
                    "leftover issue {} is {} already",
                    issue.number,
                    issue.status.as_str()
                )));
            }
            row.status = Set(IssueStatus::Deferred);
            row.confirmed_by = Set(Some(by.clone()));
            row.defer_reason = Set(Some(reason.clone()));
            row.closed_at = Set(Some(now));
            (
                "issue_deferred",
                json!({"confirmed_by": by, "reason": reason}),
                "deferred",
            )
        }
        IssueStep::Reopened { reason } => {
            let reason = required_text("reason", &reason, 1000)?;
            if issue.status == IssueStatus::Open {
                return Err(AppError::Conflict(format!(
                    "leftover issue {} is open already",
                    issue.number
                )));
            }
            row.status = Set(IssueStatus::Open);
            row.closed_at = Set(None);
            row.confirmed_by = Set(None);
            row.defer_reason = Set(None);
            ("issue_reopened", json!({"reason": reason}), "reopened")
        }
    };
    let saved = row.update(&txn).await?;
    issue_event(&txn, actor, &saved, event_name, detail, now).await?;
    history::record(
        &txn,
        actor,
        now,
        vec![
            Change::new(Some(p.id()), "acceptance_issue", Some(saved.id), change).field(
                "status",
                Some(issue.status.as_str().into()),
                Some(saved.status.as_str().into()),
            ),
        ],
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}
