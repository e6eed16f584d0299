//! Phase 4, acceptance: the initial and final acceptance (plan, invitation, the client's agreement,
//! the record, the reports signed by both), and the leftover issues followed to their close.
use chrono::{DateTime, NaiveDate, Utc};
use poem::Request;
use poem_openapi::{Object, OpenApi, param::Path, payload::Json};

use super::test_plans::{NewSigningRequest, SigningRequestDto, TestSignatureDto, ask_to_sign, request_dto};
use super::types::{DateText, InstantText, OneOf};
use super::{ApiTags, BearerAuth, grant};
use crate::domain::types::{self as kinds, AcceptanceStage, SignParty, SignedDocument, parse_date};
use crate::{
    error::{ApiResult, AppError},
    service::{
        acceptance::{self, AcceptanceData, Check, IssueStep, NewIssue, Participant, PlanInput, RecordInput},
        access::{Manage, Read, RecordWork},
        signing::{self, Signed},
    },
    state::AppState,
};

pub struct AcceptanceApi {
    state: AppState,
}

impl AcceptanceApi {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

/// Someone taking part in an acceptance.
#[derive(Object, Clone)]
struct AcceptanceParticipantDto {
    /// Name.
    name: String,
    /// Role or position, e.g. 信息中心主任.
    #[oai(default)]
    role: String,
    /// Where the invitation goes.
    #[oai(nullable)]
    email: Option<String>,
}

impl From<AcceptanceParticipantDto> for Participant {
    fn from(p: AcceptanceParticipantDto) -> Self {
        Participant {
            name: p.name,
            role: p.role,
            email: p.email,
        }
    }
}

impl From<&Participant> for AcceptanceParticipantDto {
    fn from(p: &Participant) -> Self {
        AcceptanceParticipantDto {
            name: p.name.clone(),
            role: p.role.clone(),
            email: p.email.clone(),
        }
    }
}

/// One thing checked at the acceptance.
#[derive(Object, Clone)]
struct AcceptanceCheckDto {
    /// What was checked.
    item: String,
    /// Whether it passed.
    passed: bool,
    /// What was seen.
    #[oai(default)]
    remark: String,
}

/// A part both sides sign, and where it stands.
#[derive(Object)]
struct AcceptancePartDto {
    /// 1: the report (初验报告 / 终验报告); 2: the 初验备忘录.
    part: i32,
    /// Its title.
    title: String,
    /// Why it cannot be signed for the client now, if it cannot.
    #[oai(nullable)]
    blocked: Option<String>,
    /// SHA-256 of what a signature covers now (once recorded).
    #[oai(nullable)]
    content_sha256: Option<String>,
    /// Our signature.
    #[oai(nullable)]
    ours: Option<TestSignatureDto>,
    /// The client's signature.
    #[oai(nullable)]
    client: Option<TestSignatureDto>,
}

/// A leftover issue (遗留问题).
#[derive(Object)]
struct AcceptanceIssueDto {
    /// Identifier.
    id: i32,
    /// 遗留问题 number within the project.
    number: i32,
    /// Where it was found.
    source: OneOf<kinds::IssueSource>,
    /// The acceptance it was found at.
    #[oai(nullable)]
    acceptance_id: Option<i32>,
    /// What is wrong.
    description: String,
    /// minor, major or critical.
    severity: OneOf<kinds::IssueSeverity>,
    /// Who fixes it.
    owner: String,
    /// By when.
    due_on: NaiveDate,
    /// Past its due date and not closed.
    overdue: bool,
    /// open, fixed, closed or deferred.
    status: OneOf<kinds::IssueStatus>,
    /// How it was fixed.
    #[oai(nullable)]
    resolution: Option<String>,
    /// When it was fixed.
    #[oai(nullable)]
    fixed_at: Option<DateTime<Utc>>,
    /// The client's person who confirmed the fix or accepted the deferral.
    #[oai(nullable)]
    confirmed_by: Option<String>,
    /// When it was closed or deferred.
    #[oai(nullable)]
    closed_at: Option<DateTime<Utc>>,
    /// Why the client accepted it open.
    #[oai(nullable)]
    defer_reason: Option<String>,
}

fn issue_dto(i: &entity::acceptance_issue::Model, today: NaiveDate) -> AcceptanceIssueDto {
    AcceptanceIssueDto {
        id: i.id,
        number: i.number,
        source: i.source.into(),
        acceptance_id: i.acceptance_id,
        description: i.description.clone(),
        severity: i.severity.into(),
        owner: i.owner.clone(),
        due_on: i.due_on,
        overdue: matches!(i.status, kinds::IssueStatus::Open | kinds::IssueStatus::Fixed) && i.due_on < today,
        status: i.status.into(),
        resolution: i.resolution.clone(),
        fixed_at: i.fixed_at,
        confirmed_by: i.confirmed_by.clone(),
        closed_at: i.closed_at,
        defer_reason: i.defer_reason.clone(),
    }
}

/// An acceptance: its plan, the client's agreement, the record and the parts both sign. Before it
/// is planned, only `stage` and `blockers` say something.
#[derive(Object)]
struct AcceptanceDto {
    /// initial (系统初验) or final (终验).
    stage: OneOf<kinds::AcceptanceStage>,
    /// What keeps it from being planned now (empty once it can be, or is).
    blockers: Vec<String>,
    /// Identifier, once planned.
    #[oai(nullable)]
    id: Option<i32>,
    /// Start of the meeting.
    #[oai(nullable)]
    starts_at: Option<DateTime<Utc>>,
    /// End of the meeting.
    #[oai(nullable)]
    ends_at: Option<DateTime<Utc>>,
    /// How it is held.
    #[oai(nullable)]
    form: Option<String>,
    /// Where.
    #[oai(nullable)]
    place: Option<String>,
    /// Our people.
    our_participants: Vec<AcceptanceParticipantDto>,
    /// The client's people.
    client_participants: Vec<AcceptanceParticipantDto>,
    /// Who signs the reports for the client.
    #[oai(nullable)]
    client_signer_name: Option<String>,
    /// Their address.
    #[oai(nullable)]
    client_signer_email: Option<String>,
    /// When the client agreed to the plan.
    #[oai(nullable)]
    agreed_at: Option<DateTime<Utc>>,
    /// Who agreed for the client.
    #[oai(nullable)]
    agreed_by: Option<String>,
    /// Invitations sent so far (the calendar event's SEQUENCE).
    invitation_sequence: i32,
    /// When the last invitation went out.
    #[oai(nullable)]
    invited_at: Option<DateTime<Utc>>,
    /// The day it was held.
    #[oai(nullable)]
    held_on: Option<NaiveDate>,
    /// What was checked.
    checks: Vec<AcceptanceCheckDto>,
    /// passed (通过), conditional (有条件通过) or failed (不通过).
    #[oai(nullable)]
    conclusion: Option<OneOf<kinds::AcceptanceConclusion>>,
    /// The acceptance's opinion.
    #[oai(nullable)]
    opinion: Option<String>,
    /// What both sides noted in the memo.
    #[oai(nullable)]
    memo: Option<String>,
    /// When the record was made.
    #[oai(nullable)]
    recorded_at: Option<DateTime<Utc>>,
    /// The leftover issues found at it.
    issues: Vec<AcceptanceIssueDto>,
    /// The parts both sign.
    parts: Vec<AcceptancePartDto>,
    /// Every part signed by both.
    signed: bool,
}

fn acceptance_dto(stage: AcceptanceStage, data: Option<&AcceptanceData>, blockers: Vec<String>) -> AcceptanceDto {
    let today = Utc::now().date_naive();
    let Some(d) = data else {
        return AcceptanceDto {
            stage: stage.into(),
            blockers,
            id: None,
            starts_at: None,
            ends_at: None,
            form: None,
            place: None,
            our_participants: Vec::new(),
            client_participants: Vec::new(),
            client_signer_name: None,
            client_signer_email: None,
            agreed_at: None,
            agreed_by: None,
            invitation_sequence: 0,
            invited_at: None,
            held_on: None,
            checks: Vec::new(),
            conclusion: None,
            opinion: None,
            memo: None,
            recorded_at: None,
            issues: Vec::new(),
            parts: Vec::new(),
            signed: false,
        };
    };
    let a = &d.acceptance;
    AcceptanceDto {
        stage: stage.into(),
        blockers: Vec::new(),
        id: Some(a.id),
        starts_at: a.starts_at,
        ends_at: a.ends_at,
        form: a.form.clone(),
        place: a.place.clone(),
        our_participants: d.our_participants.iter().map(Into::into).collect(),
        client_participants: d.client_participants.iter().map(Into::into).collect(),
        client_signer_name: a.client_signer_name.clone(),
        client_signer_email: a.client_signer_email.clone(),
        agreed_at: a.agreed_at,
        agreed_by: a.agreed_by.clone(),
        invitation_sequence: a.invitation_sequence,
        invited_at: a.invited_at,
        held_on: a.held_on,
        checks: d
            .checks
            .iter()
            .map(|c: &Check| AcceptanceCheckDto {
                item: c.item.clone(),
                passed: c.passed,
                remark: c.remark.clone(),
            })
            .collect(),
        conclusion: a.conclusion.map(Into::into),
        opinion: a.opinion.clone(),
        memo: a.memo.clone(),
        recorded_at: a.recorded_at,
        issues: d.issues.iter().map(|i| issue_dto(i, today)).collect(),
        parts: d
            .parts()
            .into_iter()
            .map(|part| AcceptancePartDto {
                part,
                title: d.part_title(part).into(),
                blocked: d.refuse(part, SignParty::Client),
                content_sha256: d.content_sha256(part),
                ours: d.signature(part, SignParty::Ours).map(Into::into),
                client: d.signature(part, SignParty::Client).map(Into::into),
            })
            .collect(),
        signed: d.fully_signed(),
    }
}

/// The plan of an acceptance.
#[derive(Object)]
struct AcceptancePlanRequest {
    /// Start, RFC 3339 (2026-04-10T09:30:00+08:00).
    starts_at: InstantText,
    /// End, after the start.
    ends_at: InstantText,
    /// How it is held, e.g. 现场检查＋会议评审.
    form: String,
    /// Where.
    place: String,
    /// Our people (at least one).
    our_participants: Vec<AcceptanceParticipantDto>,
    /// The client's people (at least one); those with an address get the invitation.
    client_participants: Vec<AcceptanceParticipantDto>,
    /// Who signs the reports for the client; defaults to the first client participant.
    #[oai(nullable)]
    client_signer_name: Option<String>,
    /// Their address; defaults to the first client participant's.
    #[oai(nullable)]
    client_signer_email: Option<String>,
}

/// The client agreed to the plan.
#[derive(Object)]
struct AcceptanceAgreementRequest {
    /// The client's person who agreed.
    agreed_by: String,
}

/// A leftover issue.
#[derive(Object)]
struct AcceptanceIssueRequest {
    /// What is wrong.
    description: String,
    /// minor (一般), major (重要) or critical (严重).
    severity: OneOf<kinds::IssueSeverity>,
    /// Who fixes it.
    owner: String,
    /// By when, YYYY-MM-DD.
    due_on: DateText,
}

fn new_issue(field: &str, i: AcceptanceIssueRequest) -> Result<NewIssue, AppError> {
    Ok(NewIssue {
        description: i.description,
        severity: kinds::IssueSeverity::parse(&i.severity)?,
        owner: i.owner,
        due_on: parse_date(&format!("{field}due_on"), &i.due_on)?,
    })
}

/// What the acceptance found.
#[derive(Object)]
struct AcceptanceRecordRequest {
    /// The day it was held, YYYY-MM-DD.
    held_on: DateText,
    /// What was checked (at least one).
    checks: Vec<AcceptanceCheckDto>,
    /// passed (通过), conditional (有条件通过: needs a leftover issue) or failed (不通过: needs an opinion).
    conclusion: OneOf<kinds::AcceptanceConclusion>,
    /// The acceptance's opinion.
    #[oai(nullable)]
    opinion: Option<String>,
    /// What both sides noted in the memo (初验备忘录).
    #[oai(nullable)]
    memo: Option<String>,
    /// Leftover issues found, added to those already recorded.
    #[oai(default)]
    issues: Vec<AcceptanceIssueRequest>,
}

/// Invitations queued.
#[derive(Object)]
struct AcceptanceInvitationsDto {
    /// Messages queued, one per participant with an address.
    queued: usize,
    /// The calendar event's SEQUENCE.
    sequence: i32,
}

/// Why signatures are voided.
#[derive(Object)]
struct AcceptanceVoidRequest {
    /// The reason, kept with the voided signatures.
    reason: String,
}

/// How a leftover issue moves on.
#[derive(Object)]
struct AcceptanceIssueStepRequest {
    /// fix (with resolution), confirm (the client confirmed the fix: confirmed_by), defer (the client
    /// accepts it open: confirmed_by and reason) or reopen (reason).
    action: String,
    /// How it was fixed.
    #[oai(nullable)]
    resolution: Option<String>,
    /// The client's person.
    #[oai(nullable)]
    confirmed_by: Option<String>,
    /// Why.
    #[oai(nullable)]
    reason: Option<String>,
}

fn stage_of(stage: &OneOf<kinds::AcceptanceStage>) -> Result<AcceptanceStage, AppError> {
    Ok(AcceptanceStage::parse(stage)?)
}

#[OpenApi(tag = "ApiTags::Acceptance")]
impl AcceptanceApi {
    /// An acceptance
    ///
    /// Its plan, the client's agreement, the record, the leftover issues found and the parts both
    /// sign; before it is planned, what keeps it from being planned.
    #[oai(
        path = "/projects/:id/acceptance/:stage",
        method = "get",
        operation_id = "get_acceptance"
    )]
    async fn get(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// initial or final.
        stage: Path<OneOf<kinds::AcceptanceStage>>,
    ) -> ApiResult<Json<AcceptanceDto>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let stage = stage_of(&stage.0)?;
        let data = acceptance::get(&self.state.db, &p, stage).await?;
        let blockers = match &data {
            Some(_) => Vec::new(),
            None => acceptance::blockers(&self.state.db, p.project(), stage)
                .await?
                .into_iter()
                .map(|b| b.en)
                .collect(),
        };
        Ok(Json(acceptance_dto(stage, data.as_ref(), blockers)))
    }

    /// Plan an acceptance
    ///
    /// When, how, where and who. The initial acceptance comes after the 预验收证书 is signed by
    /// both; the final one after the trial run, with every leftover issue closed or deferred
    /// (409 naming what blocks it). A new time or place asks for the client's agreement again.
    #[oai(
        path = "/projects/:id/acceptance/:stage/plan",
        method = "put",
        operation_id = "plan_acceptance"
    )]
    async fn plan(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// initial or final.
        stage: Path<OneOf<kinds::AcceptanceStage>>,
        body: Json<AcceptancePlanRequest>,
    ) -> ApiResult<Json<AcceptanceDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let stage = stage_of(&stage.0)?;
        let b = body.0;
        let input = PlanInput {
            starts_at: super::instant("starts_at", Some(&b.starts_at))?,
            ends_at: super::instant("ends_at", Some(&b.ends_at))?,
            form: b.form,
            place: b.place,
            our_participants: b.our_participants.into_iter().map(Into::into).collect(),
            client_participants: b.client_participants.into_iter().map(Into::into).collect(),
            client_signer_name: b.client_signer_name,
            client_signer_email: b.client_signer_email,
        };
        let data = acceptance::plan(&self.state.db, &p, stage, input, Utc::now()).await?;
        Ok(Json(acceptance_dto(stage, Some(&data), Vec::new())))
    }

    /// Invite the participants
    ///
    /// One e-mail to each participant with an address, carrying a calendar invitation
    /// (iCalendar METHOD:REQUEST) that Outlook, WPS and 企业微信 add to the calendar; sent again
    /// after a change, it moves the same event.
    #[oai(
        path = "/projects/:id/acceptance/:stage/invitations",
        method = "post",
        operation_id = "invite_to_acceptance"
    )]
    async fn invite(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// initial or final.
        stage: Path<OneOf<kinds::AcceptanceStage>>,
    ) -> ApiResult<Json<AcceptanceInvitationsDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let stage = stage_of(&stage.0)?;
        let queued = acceptance::invite(&self.state, &p, stage, Utc::now()).await?;
        let sequence = acceptance::get(&self.state.db, &p, stage)
            .await?
            .map_or(0, |d| d.acceptance.invitation_sequence);
        Ok(Json(AcceptanceInvitationsDto { queued, sequence }))
    }

    /// Record the client's agreement to the plan
    #[oai(
        path = "/projects/:id/acceptance/:stage/agreement",
        method = "post",
        operation_id = "agree_acceptance_plan"
    )]
    async fn agree(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// initial or final.
        stage: Path<OneOf<kinds::AcceptanceStage>>,
        body: Json<AcceptanceAgreementRequest>,
    ) -> ApiResult<Json<AcceptanceDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let stage = stage_of(&stage.0)?;
        let data = acceptance::agree(&self.state.db, &p, stage, &body.0.agreed_by, Utc::now()).await?;
        Ok(Json(acceptance_dto(stage, Some(&data), Vec::new())))
    }

    /// Record the acceptance
    ///
    /// The day, what was checked, the conclusion, the opinion, the memo and the leftover issues
    /// found. Needs the client's agreement to the plan; a signed record changes only after its
    /// signatures are voided.
    #[oai(
        path = "/projects/:id/acceptance/:stage/record",
        method = "put",
        operation_id = "record_acceptance"
    )]
    async fn record(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// initial or final.
        stage: Path<OneOf<kinds::AcceptanceStage>>,
        body: Json<AcceptanceRecordRequest>,
    ) -> ApiResult<Json<AcceptanceDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let stage = stage_of(&stage.0)?;
        let b = body.0;
        let issues = b
            .issues
            .into_iter()
            .enumerate()
            .map(|(n, i)| new_issue(&format!("issues[{n}]."), i))
            .collect::<Result<Vec<_>, _>>()?;
        let input = RecordInput {
            held_on: parse_date("held_on", &b.held_on)?,
            checks: b
                .checks
                .into_iter()
                .map(|c| Check {
                    item: c.item,
                    passed: c.passed,
                    remark: c.remark,
                })
                .collect(),
            conclusion: kinds::AcceptanceConclusion::parse(&b.conclusion).map_err(AppError::from)?,
            opinion: b.opinion,
            memo: b.memo,
            issues,
        };
        let data = acceptance::record(&self.state.db, &p, stage, input, Utc::now()).await?;
        Ok(Json(acceptance_dto(stage, Some(&data), Vec::new())))
    }

    /// Sign a part for our side
    ///
    /// An engineer or PM of the project signs the report (1) or the memo (2) in the app, once
    /// the acceptance is recorded.
    #[oai(
        path = "/projects/:id/acceptance/:stage/parts/:part/sign",
        method = "post",
        operation_id = "sign_acceptance_part"
    )]
    async fn sign(
        &self,
        req: &Request,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// initial or final.
        stage: Path<OneOf<kinds::AcceptanceStage>>,
        /// 1: the report; 2: the 初验备忘录.
        part: Path<i32>,
    ) -> ApiResult<Json<AcceptanceDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let stage = stage_of(&stage.0)?;
        let data = acceptance::sign(&self.state.db, &p, stage, part.0, super::evidence(req), Utc::now()).await?;
        Ok(Json(acceptance_dto(stage, Some(&data), Vec::new())))
    }

    /// Void a part's signatures
    ///
    /// Both parties' signatures on the part are voided with the reason; both sign again after
    /// the change.
    #[oai(
        path = "/projects/:id/acceptance/:stage/parts/:part/void",
        method = "post",
        operation_id = "void_acceptance_part"
    )]
    async fn void(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// initial or final.
        stage: Path<OneOf<kinds::AcceptanceStage>>,
        /// 1: the report; 2: the 初验备忘录.
        part: Path<i32>,
        body: Json<AcceptanceVoidRequest>,
    ) -> ApiResult<Json<AcceptanceDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let stage = stage_of(&stage.0)?;
        let data = acceptance::void(&self.state.db, &p, stage, part.0, &body.0.reason, Utc::now()).await?;
        Ok(Json(acceptance_dto(stage, Some(&data), Vec::new())))
    }

    /// Ask the client to sign an acceptance's parts
    ///
    /// One e-mail with one link for the parts given (1: the report; 2: the 初验备忘录), or a
    /// 30-minute on-site link returned here. Defaults to the plan's client signer.
    #[oai(
        path = "/projects/:id/acceptance/:stage/signing-requests",
        method = "post",
        operation_id = "request_acceptance_signature"
    )]
    async fn request(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// initial or final.
        stage: Path<OneOf<kinds::AcceptanceStage>>,
        body: Json<NewSigningRequest>,
    ) -> ApiResult<Json<SigningRequestDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let stage = stage_of(&stage.0)?;
        let current = acceptance::get(&self.state.db, &p, stage)
            .await?
            .ok_or_else(|| AppError::Conflict(format!("the {} acceptance has not been planned", stage.as_str())))?;
        ask_to_sign(
            &self.state,
            &p,
            SignedDocument::Acceptance,
            current.acceptance.id,
            body.0,
        )
        .await
    }

    /// Signing requests of an acceptance
    #[oai(
        path = "/projects/:id/acceptance/:stage/signing-requests",
        method = "get",
        operation_id = "list_acceptance_signing_requests"
    )]
    async fn requests(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// initial or final.
        stage: Path<OneOf<kinds::AcceptanceStage>>,
    ) -> ApiResult<Json<Vec<SigningRequestDto>>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let stage = stage_of(&stage.0)?;
        let Some(current) = acceptance::get(&self.state.db, &p, stage).await? else {
            return Ok(Json(Vec::new()));
        };
        let list = signing::list(&self.state.db, &p, SignedDocument::Acceptance, current.acceptance.id).await?;
        Ok(Json(list.iter().map(|r| request_dto(r, None)).collect()))
    }

    /// Leftover issues
    ///
    /// Every 遗留问题 of the project, from the initial acceptance and the trial run, by number.
    #[oai(
        path = "/projects/:id/acceptance-issues",
        method = "get",
        operation_id = "list_acceptance_issues"
    )]
    async fn issues(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
    ) -> ApiResult<Json<Vec<AcceptanceIssueDto>>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let today = Utc::now().date_naive();
        let list = acceptance::issues(&self.state.db, &p).await?;
        Ok(Json(list.iter().map(|i| issue_dto(i, today)).collect()))
    }

    /// Record a leftover issue
    ///
    /// Found during the trial run (issues found at an acceptance come with its record).
    #[oai(
        path = "/projects/:id/acceptance-issues",
        method = "post",
        operation_id = "add_acceptance_issue"
    )]
    async fn add_issue(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        body: Json<AcceptanceIssueRequest>,
    ) -> ApiResult<Json<AcceptanceIssueDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let issue = new_issue("", body.0)?;
        let row = acceptance::add_issue(&self.state.db, &p, issue, Utc::now()).await?;
        Ok(Json(issue_dto(&row, Utc::now().date_naive())))
    }

    /// Move a leftover issue on
    ///
    /// fix (engineers and PMs, with how), confirm (the PM records the client's confirmation:
    /// closed), defer (the PM records the client's written acceptance of it open, with a reason)
    /// or reopen.
    #[oai(
        path = "/projects/:id/acceptance-issues/:issue/steps",
        method = "post",
        operation_id = "follow_up_acceptance_issue"
    )]
    async fn follow_up(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Leftover issue id.
        issue: Path<i32>,
        body: Json<AcceptanceIssueStepRequest>,
    ) -> ApiResult<Json<AcceptanceIssueDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let b = body.0;
        let text = |v: Option<String>| v.unwrap_or_default();
        let step = match b.action.trim() {
            "fix" => IssueStep::Fixed {
                resolution: text(b.resolution),
            },
            "confirm" => IssueStep::Confirmed {
                by: text(b.confirmed_by),
            },
            "defer" => IssueStep::Deferred {
                by: text(b.confirmed_by),
                reason: text(b.reason),
            },
            "reopen" => IssueStep::Reopened { reason: text(b.reason) },
            other => {
                return Err(AppError::invalid(
                    "action",
                    format!("action: '{other}' is not one of fix, confirm, defer, reopen"),
                )
                .into());
            }
        };
        let row = acceptance::follow_up(&self.state.db, &p, issue.0, step, Utc::now()).await?;
        Ok(Json(issue_dto(&row, Utc::now().date_naive())))
    }
}
