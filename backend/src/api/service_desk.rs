//! The service desk (售后服务): a project's promises, designated engineers, report link and units
//! under warranty; tickets from report to archive with their clocks; the board across projects.
use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::{
    Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};

use super::types::{ClockFilters, ClockStates, ClockVerdicts, InstantText, OneOf};
use super::{ApiTags, BearerAuth, actor, grant};
use crate::domain::{
    plan::ServicePolicy,
    service_clock::ClockView,
    types::{self as kinds, SystemType, TicketChannel, TicketStep},
};
use crate::{
    error::{ApiResult, AppError},
    service::{
        access::{Manage, Read, RecordWork},
        projects::timezone_of,
        service_desk::{
            ServiceSettings, WarrantyUnit, policy_of, settings,
            tickets::{self, BoardFilter, ClockFilter, FaultCard, Flags, StepInput, TicketView},
            units,
        },
    },
    state::AppState,
};

pub struct ServiceDeskApi {
    state: AppState,
}

impl ServiceDeskApi {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

/// One of our people.
#[derive(Object)]
struct ServicePersonDto {
    /// User id.
    id: i32,
    /// Display name.
    name: String,
}

/// A project's after-sales settings.
#[derive(Object)]
struct ServiceSettingsDto {
    /// The promises in force.
    policy: ServicePolicy,
    /// Whether the project has a policy of its own (else its plan's is in force).
    own_policy: bool,
    /// The plan's policy.
    plan_policy: ServicePolicy,
    /// The designated engineers (专员), assigned to every new ticket.
    specialists: Vec<ServicePersonDto>,
    /// The client's report link (for those who manage the project); none until made.
    #[oai(nullable)]
    report_link: Option<String>,
    /// When the link was made.
    #[oai(nullable)]
    report_link_created_at: Option<DateTime<Utc>>,
}

impl From<ServiceSettings> for ServiceSettingsDto {
    fn from(s: ServiceSettings) -> Self {
        ServiceSettingsDto {
            policy: s.policy,
            own_policy: s.own_policy,
            plan_policy: s.plan_policy,
            specialists: s
                .specialists
                .into_iter()
                .map(|u| ServicePersonDto {
                    id: u.id,
                    name: u.display_name,
                })
                .collect(),
            report_link: s.report_link,
            report_link_created_at: s.report_link_created_at,
        }
    }
}

/// A project's own policy, or none to go back to its plan's.
#[derive(Object)]
struct ServicePolicyRequest {
    /// The promises; absent or null: the plan's.
    #[oai(nullable)]
    policy: Option<ServicePolicy>,
}

/// People, by user id.
#[derive(Object)]
struct ServicePeopleRequest {
    /// User ids (members of the project).
    user_ids: Vec<i32>,
}

/// A report link.
#[derive(Object)]
struct ReportLinkDto {
    /// The address the client opens (and the QR code holds); the previous one no longer works.
    link: String,
}

/// An installed unit and its warranty.
#[derive(Object)]
struct WarrantyUnitDto {
    /// Received unit id (what a ticket names).
    unit_id: i32,
    /// Device name.
    name: String,
    /// Model.
    #[oai(nullable)]
    model: Option<String>,
    /// Serial number.
    #[oai(nullable)]
    serial: Option<String>,
    /// Where it is installed.
    location: String,
    /// The equipment-list line's 质保期 as written.
    #[oai(nullable)]
    warranty_text: Option<String>,
    /// The term in months (the line's, else the policy's); null for a replacement's own end.
    #[oai(nullable)]
    months: Option<u32>,
    /// The last day of its warranty; null before delivery.
    #[oai(nullable)]
    warranty_ends_on: Option<NaiveDate>,
    /// Under warranty today.
    in_warranty: bool,
}

fn unit_dto(u: WarrantyUnit, today: NaiveDate) -> WarrantyUnitDto {
    WarrantyUnitDto {
        in_warranty: u.in_warranty(today),
        unit_id: u.unit_id,
        name: u.name,
        model: u.model,
        serial: u.serial,
        location: u.location,
        warranty_text: u.warranty_text,
        months: u.months,
        warranty_ends_on: u.ends_on,
    }
}

/// A promise's clock.
#[derive(Object)]
struct ClockDto {
    /// response, on_site, repair or replacement.
    clock: OneOf<kinds::ServiceClock>,
    /// Its name: 技术响应, 上门到场, 现场修复, 备机替换.
    label: String,
    /// The target in minutes.
    target_minutes: i64,
    /// not_started, running, paused or stopped.
    state: OneOf<ClockStates>,
    /// not_started, open, overdue, kept or broken.
    verdict: OneOf<ClockVerdicts>,
    /// When it started.
    #[oai(nullable)]
    started_at: Option<DateTime<Utc>>,
    /// When it stopped.
    #[oai(nullable)]
    stopped_at: Option<DateTime<Utc>>,
    /// Seconds run, pauses excluded.
    elapsed_seconds: i64,
    /// Seconds left before the target (negative once past it).
    remaining_seconds: i64,
    /// When it ran past its target.
    #[oai(nullable)]
    breached_at: Option<DateTime<Utc>>,
    /// While running: when it breaks unless stopped or paused.
    #[oai(nullable)]
    due_at: Option<DateTime<Utc>>,
}

fn clock_dto(v: &ClockView) -> ClockDto {
    ClockDto {
        clock: v.clock.into(),
        label: v.clock.label_zh().into(),
        target_minutes: v.target_secs / 60,
        state: OneOf::from(serde_plain(&v.state)),
        verdict: OneOf::from(serde_plain(&v.verdict())),
        started_at: v.started_at,
        stopped_at: v.stopped_at,
        elapsed_seconds: v.elapsed_secs,
        remaining_seconds: v.remaining_secs(),
        breached_at: v.breached_at,
        due_at: v.due_at,
    }
}

/// The snake_case name serde gives a unit variant.
fn serde_plain(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// A step of a ticket's timeline.
#[derive(Object)]
struct TicketEventDto {
    /// Identifier.
    id: i32,
    /// The step.
    step: OneOf<kinds::TicketStep>,
    /// Its name (受理报修, 到达现场 …).
    label: String,
    /// When it happened.
    at: DateTime<Utc>,
    /// What was said or done.
    #[oai(nullable)]
    note: Option<String>,
    /// A pause's reason.
    #[oai(nullable)]
    reason: Option<String>,
    /// Who.
    actor: String,
    /// When it was recorded.
    recorded_at: DateTime<Utc>,
}

/// A ticket with its clocks and timeline.
#[derive(Object)]
struct TicketDto {
    /// Identifier.
    id: i32,
    /// 报修单号.
    #[oai(nullable)]
    number: Option<String>,
    /// Project id.
    project_id: i32,
    /// Project code.
    project_code: String,
    /// Project name (工程名称).
    project_name: String,
    /// phone, email, public_page or inspection.
    channel: OneOf<kinds::TicketChannel>,
    /// reported, responding, dispatched, on_site, resolved or closed.
    status: OneOf<kinds::TicketStatus>,
    /// The status in words.
    status_label: String,
    /// Who reported it (联络人).
    reporter_name: String,
    /// Their phone (联络电话).
    reporter_phone: String,
    /// Their e-mail (the confirmation goes there).
    #[oai(nullable)]
    reporter_email: Option<String>,
    /// The system type (系统类型).
    #[oai(nullable)]
    system_type: Option<OneOf<kinds::SystemType>>,
    /// The installed unit.
    #[oai(nullable)]
    unit_id: Option<i32>,
    /// The device in words.
    #[oai(nullable)]
    device: Option<String>,
    /// The symptom (故障现象).
    symptom: String,
    /// When the fault began.
    #[oai(nullable)]
    fault_started_at: Option<DateTime<Utc>>,
    /// When it was reported.
    reported_at: DateTime<Utc>,
    /// Under warranty when reported.
    in_warranty: bool,
    /// The unit's (or project's) warranty end.
    #[oai(nullable)]
    warranty_ends_on: Option<NaiveDate>,
    /// Human damage (within warranty: materials paid only).
    human_damage: bool,
    /// Paid service.
    paid: bool,
    /// Marked a major quality problem (told to the technical and quality departments).
    major_quality: bool,
    /// Failed repairs so far.
    failed_repairs: i32,
    /// The clocks are paused.
    paused: bool,
    /// When it was archived.
    #[oai(nullable)]
    closed_at: Option<DateTime<Utc>>,
    /// The four promises' clocks.
    clocks: Vec<ClockDto>,
    /// The timeline.
    events: Vec<TicketEventDto>,
    /// The engineers assigned.
    assignees: Vec<ServicePersonDto>,
    /// The steps that may be recorded now.
    available_steps: Vec<OneOf<kinds::TicketStep>>,
}

fn ticket_dto(v: TicketView) -> TicketDto {
    let t = v.ticket;
    TicketDto {
        id: t.id,
        number: t.number,
        project_id: v.project.id,
        project_code: v.project.code,
        project_name: v.project.name,
        channel: t.channel.into(),
        status: t.status.into(),
        status_label: t.status.label_zh().into(),
        reporter_name: t.reporter_name,
        reporter_phone: t.reporter_phone,
        reporter_email: t.reporter_email,
        system_type: t.system_type.map(Into::into),
        unit_id: t.unit_id,
        device: t.device,
        symptom: t.symptom,
        fault_started_at: t.fault_started_at,
        reported_at: t.reported_at,
        in_warranty: t.in_warranty,
        warranty_ends_on: t.warranty_ends_on,
        human_damage: t.human_damage,
        paid: t.paid,
        major_quality: t.major_quality,
        failed_repairs: t.failed_repairs,
        paused: v.paused,
        closed_at: t.closed_at,
        clocks: v.clocks.iter().map(clock_dto).collect(),
        events: v
            .events
            .into_iter()
            .map(|e| TicketEventDto {
                id: e.id,
                step: e.step.into(),
                label: e.step.label_zh().into(),
                at: e.at,
                note: e.note,
                reason: e.reason,
                actor: e.actor,
                recorded_at: e.recorded_at,
            })
            .collect(),
        assignees: v
            .assignees
            .into_iter()
            .map(|u| ServicePersonDto {
                id: u.id,
                name: u.display_name,
            })
            .collect(),
        available_steps: v.available.into_iter().map(Into::into).collect(),
    }
}

/// A ticket as the board lists it.
#[derive(Object)]
struct BoardRowDto {
    /// Ticket id.
    id: i32,
    /// 报修单号.
    #[oai(nullable)]
    number: Option<String>,
    /// Project id.
    project_id: i32,
    /// Project code.
    project_code: String,
    /// Project name.
    project_name: String,
    /// The project's region.
    region: String,
    /// reported, responding, dispatched, on_site, resolved or closed.
    status: OneOf<kinds::TicketStatus>,
    /// Who reported it.
    reporter_name: String,
    /// The device.
    #[oai(nullable)]
    device: Option<String>,
    /// The symptom.
    symptom: String,
    /// When it was reported.
    reported_at: DateTime<Utc>,
    /// Under warranty when reported.
    in_warranty: bool,
    /// The engineers assigned, by name.
    assignees: Vec<String>,
    /// The earliest deadline of a running clock.
    #[oai(nullable)]
    due_at: Option<DateTime<Utc>>,
    /// The clocks.
    clocks: Vec<ClockDto>,
}

/// A page of the board.
#[derive(Object)]
struct BoardPage {
    /// Tickets, most urgent first.
    items: Vec<BoardRowDto>,
    /// Tickets matching the filters.
    total: u64,
    /// This page.
    page: u64,
    /// Tickets per page.
    per_page: u64,
}

/// A fault as reported (the 故障信息卡).
#[derive(Object)]
struct FaultCardRequest {
    /// phone or email (how it came; public_page is the client's own link).
    #[oai(default = "default_channel")]
    channel: OneOf<kinds::TicketChannel>,
    /// Who reports it (联络人).
    reporter_name: String,
    /// Their phone (联络电话).
    reporter_phone: String,
    /// Their e-mail: a confirmation with the ticket number goes there.
    #[oai(nullable)]
    reporter_email: Option<String>,
    /// The system type (系统类型).
    #[oai(nullable)]
    system_type: Option<OneOf<kinds::SystemType>>,
    /// An installed unit (see `GET /projects/{id}/service/units`) …
    #[oai(nullable)]
    unit_id: Option<i32>,
    /// … or its serial number …
    #[oai(nullable)]
    serial: Option<String>,
    /// … or the device in words.
    #[oai(nullable)]
    device: Option<String>,
    /// The symptom (故障现象).
    symptom: String,
    /// When the fault began, RFC 3339.
    #[oai(nullable)]
    fault_started_at: Option<InstantText>,
    /// When the call or e-mail came, RFC 3339; now when absent.
    #[oai(nullable)]
    reported_at: Option<InstantText>,
}

fn default_channel() -> OneOf<kinds::TicketChannel> {
    TicketChannel::Phone.into()
}

/// A step of the service flow.
#[derive(Object)]
struct StepRequest {
    /// The step (see the ticket's `available_steps`; `paused` and `resumed` hold and restart the
    /// clocks).
    step: OneOf<kinds::TicketStep>,
    /// When it happened, RFC 3339; now when absent. Not before the last step.
    #[oai(nullable)]
    at: Option<InstantText>,
    /// What was said or done.
    #[oai(nullable)]
    note: Option<String>,
    /// Why the clocks pause (required for `paused`).
    #[oai(nullable)]
    reason: Option<String>,
}

/// A ticket's flags; absent ones stay.
#[derive(Object)]
struct FlagsRequest {
    /// 人为损坏 (within warranty the client pays materials only).
    #[oai(nullable)]
    human_damage: Option<bool>,
    /// 重大工程质量问题: tells the technical and quality departments at once.
    #[oai(nullable)]
    major_quality: Option<bool>,
    /// Paid service.
    #[oai(nullable)]
    paid: Option<bool>,
}

fn default_page() -> u64 {
    1
}

fn default_per_page() -> u64 {
    50
}

fn optional_instant(field: &str, value: Option<InstantText>) -> Result<Option<DateTime<Utc>>, AppError> {
    value.map(|v| super::instant(field, Some(&v))).transpose()
}

impl ServiceDeskApi {
    async fn ticket_answer(&self, auth: &BearerAuth, id: i32) -> ApiResult<Json<TicketDto>> {
        let me = actor(&self.state, auth).await?;
        let t = tickets::ticket::<Read>(&self.state.db, &me, id).await?;
        Ok(Json(ticket_dto(tickets::view(&self.state.db, &t, Utc::now()).await?)))
    }
}

#[OpenApi(tag = "ApiTags::ServiceDesk")]
impl ServiceDeskApi {
    /// A project's after-sales settings
    ///
    /// The promises in force (its own policy or its plan's), the designated engineers, and — for
    /// those who manage it — the client's report link.
    #[oai(
        path = "/projects/:id/service",
        method = "get",
        operation_id = "get_service_settings"
    )]
    async fn get_settings(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
    ) -> ApiResult<Json<ServiceSettingsDto>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        Ok(Json(settings::get(&self.state, &p).await?.into()))
    }

    /// Set the project's own promises
    ///
    /// Open tickets keep the time they have run; their targets, deadlines and warnings follow the
    /// new policy at once. `null` goes back to the plan's.
    #[oai(
        path = "/projects/:id/service/policy",
        method = "put",
        operation_id = "set_service_policy"
    )]
    async fn set_policy(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        body: Json<ServicePolicyRequest>,
    ) -> ApiResult<Json<ServiceSettingsDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        settings::set_policy(&self.state, &p, body.0.policy, Utc::now()).await?;
        Ok(Json(settings::get(&self.state, &p).await?.into()))
    }

    /// Name the designated engineers
    ///
    /// At most two members of the project (专员); they are assigned to every new ticket first.
    #[oai(
        path = "/projects/:id/service/specialists",
        method = "put",
        operation_id = "set_service_specialists"
    )]
    async fn set_specialists(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        body: Json<ServicePeopleRequest>,
    ) -> ApiResult<Json<ServiceSettingsDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        settings::set_specialists(&self.state, &p, &body.0.user_ids, Utc::now()).await?;
        Ok(Json(settings::get(&self.state, &p).await?.into()))
    }

    /// Make a new report link
    ///
    /// The client reports faults through it without an account; the previous link stops working.
    #[oai(
        path = "/projects/:id/service/report-link",
        method = "post",
        operation_id = "new_service_report_link"
    )]
    async fn new_report_link(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
    ) -> ApiResult<Json<ReportLinkDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let link = settings::new_report_link(&self.state, &p, Utc::now()).await?;
        Ok(Json(ReportLinkDto { link }))
    }

    /// Installed units and their warranty
    ///
    /// Every installed unit with a serial number: its warranty term (the equipment list's 质保期,
    /// else the policy's) from the project's contractual delivery date.
    #[oai(
        path = "/projects/:id/service/units",
        method = "get",
        operation_id = "list_warranty_units"
    )]
    async fn units(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
    ) -> ApiResult<Json<Vec<WarrantyUnitDto>>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let policy = policy_of(&self.state.db, p.project()).await?;
        let today = Utc::now().with_timezone(&timezone_of(p.project())).date_naive();
        let list = units::units(&self.state.db, &p, &policy).await?;
        Ok(Json(list.into_iter().map(|u| unit_dto(u, today)).collect()))
    }

    /// Log a fault
    ///
    /// The desk logs a call or an e-mail (故障信息卡). The project must be delivered (终验交付).
    /// The designated engineers are assigned; the reporter gets the ticket number by e-mail.
    #[oai(path = "/projects/:id/tickets", method = "post", operation_id = "report_fault")]
    async fn report(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        body: Json<FaultCardRequest>,
    ) -> ApiResult<Json<TicketDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let b = body.0;
        let channel = TicketChannel::parse(&b.channel).map_err(AppError::from)?;
        let system_type = b
            .system_type
            .map(|s| SystemType::parse(&s))
            .transpose()
            .map_err(AppError::from)?;
        let card = FaultCard {
            reporter_name: b.reporter_name,
            reporter_phone: b.reporter_phone,
            reporter_email: b.reporter_email,
            system_type,
            unit_id: b.unit_id,
            serial: b.serial,
            device: b.device,
            symptom: b.symptom,
            fault_started_at: optional_instant("fault_started_at", b.fault_started_at)?,
            reported_at: optional_instant("reported_at", b.reported_at)?,
        };
        let row = tickets::report(&self.state, &p, channel, card, Utc::now()).await?;
        self.ticket_answer(&auth, row.id).await
    }

    /// A project's tickets
    ///
    /// Newest first, with their clocks.
    #[oai(
        path = "/projects/:id/tickets",
        method = "get",
        operation_id = "list_project_tickets"
    )]
    async fn of_project(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
    ) -> ApiResult<Json<Vec<TicketDto>>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let me = actor(&self.state, &auth).await?;
        let mut out = Vec::new();
        for row in tickets::of_project(&self.state.db, &p).await? {
            let t = tickets::ticket::<Read>(&self.state.db, &me, row.id).await?;
            out.push(ticket_dto(tickets::view(&self.state.db, &t, Utc::now()).await?));
        }
        Ok(Json(out))
    }

    /// The service desk board
    ///
    /// Open tickets (or archived ones) across the projects the caller can see, most urgent first:
    /// the earliest deadline of a running clock, paused ones after them.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/tickets", method = "get", operation_id = "list_tickets")]
    async fn board(
        &self,
        auth: BearerAuth,
        /// Only this project.
        project_id: Query<Option<i32>>,
        /// Only projects of this region.
        region: Query<Option<String>>,
        /// Only tickets this engineer is assigned to.
        engineer_id: Query<Option<i32>>,
        /// running (nothing broken, not paused), breached or paused.
        clock: Query<Option<OneOf<ClockFilters>>>,
        /// Archived tickets instead of open ones.
        #[oai(default)]
        closed: Query<bool>,
        /// 1-based page number, at most 1,000,000.
        #[oai(
            default = "default_page",
            validator(minimum(value = "1"), maximum(value = "1000000"))
        )]
        page: Query<u64>,
        /// Tickets per page, 1–200.
        #[oai(
            default = "default_per_page",
            validator(minimum(value = "1"), maximum(value = "200"))
        )]
        per_page: Query<u64>,
    ) -> ApiResult<Json<BoardPage>> {
        let me = actor(&self.state, &auth).await?;
        let clock = match clock.0.as_ref().map(|c| c.as_str()) {
            None => None,
            Some("running") => Some(ClockFilter::Running),
            Some("breached") => Some(ClockFilter::Breached),
            Some("paused") => Some(ClockFilter::Paused),
            Some(other) => {
                return Err(AppError::invalid(
                    "clock",
                    format!("clock: '{other}' is not one of running, breached, paused"),
                )
                .into());
            }
        };
        let filter = BoardFilter {
            project_id: project_id.0,
            region: region.0,
            engineer_id: engineer_id.0,
            clock,
            closed: closed.0,
            page: page.0.max(1),
            per_page: per_page.0,
        };
        let (rows, total) = tickets::board(&self.state.db, &me, &filter, Utc::now()).await?;
        Ok(Json(BoardPage {
            items: rows
                .into_iter()
                .map(|r| BoardRowDto {
                    clocks: r.clocks.iter().map(clock_dto).collect(),
                    id: r.ticket.id,
                    number: r.ticket.number,
                    project_id: r.ticket.project_id,
                    project_code: r.project_code,
                    project_name: r.project_name,
                    region: r.region,
                    status: r.ticket.status.into(),
                    reporter_name: r.ticket.reporter_name,
                    device: r.ticket.device,
                    symptom: r.ticket.symptom,
                    reported_at: r.ticket.reported_at,
                    in_warranty: r.ticket.in_warranty,
                    assignees: r.assignees,
                    due_at: r.ticket.due_at,
                })
                .collect(),
            total,
            page: filter.page,
            per_page: filter.per_page.clamp(1, 200),
        }))
    }

    /// A ticket
    ///
    /// Its 故障信息卡, the four clocks read now, the timeline, the engineers and the steps that may
    /// be recorded next.
    #[oai(path = "/tickets/:ticket", method = "get", operation_id = "get_ticket")]
    async fn get(
        &self,
        auth: BearerAuth,
        /// Ticket id.
        ticket: Path<i32>,
    ) -> ApiResult<Json<TicketDto>> {
        self.ticket_answer(&auth, ticket.0).await
    }

    /// Record a step
    ///
    /// A step of the service flow (回电确认, 派工上门, 到达现场, 修复 …), or a pause of the clocks
    /// with its reason and their resumption. A step the ticket's state does not allow is 409;
    /// a time before the last step is 422. The second failed repair tells the technical and
    /// quality departments.
    #[oai(
        path = "/tickets/:ticket/steps",
        method = "post",
        operation_id = "record_ticket_step"
    )]
    async fn record(
        &self,
        auth: BearerAuth,
        /// Ticket id.
        ticket: Path<i32>,
        body: Json<StepRequest>,
    ) -> ApiResult<Json<TicketDto>> {
        let me = actor(&self.state, &auth).await?;
        let t = tickets::ticket::<RecordWork>(&self.state.db, &me, ticket.0).await?;
        let b = body.0;
        let input = StepInput {
            step: TicketStep::parse(&b.step).map_err(AppError::from)?,
            at: optional_instant("at", b.at)?,
            note: b.note,
            reason: b.reason,
        };
        tickets::record(&self.state, &t, input, Utc::now()).await?;
        self.ticket_answer(&auth, ticket.0).await
    }

    /// Assign engineers
    ///
    /// Replaces those assigned; each newly assigned engineer is told by e-mail.
    #[oai(path = "/tickets/:ticket/assignees", method = "put", operation_id = "assign_ticket")]
    async fn assign(
        &self,
        auth: BearerAuth,
        /// Ticket id.
        ticket: Path<i32>,
        body: Json<ServicePeopleRequest>,
    ) -> ApiResult<Json<TicketDto>> {
        let me = actor(&self.state, &auth).await?;
        let t = tickets::ticket::<RecordWork>(&self.state.db, &me, ticket.0).await?;
        tickets::assign(&self.state, &t, &body.0.user_ids, Utc::now()).await?;
        self.ticket_answer(&auth, ticket.0).await
    }

    /// Set a ticket's flags
    ///
    /// Human damage, paid service, a major quality problem (which tells the technical and quality
    /// departments at once).
    #[oai(path = "/tickets/:ticket", method = "patch", operation_id = "set_ticket_flags")]
    async fn flags(
        &self,
        auth: BearerAuth,
        /// Ticket id.
        ticket: Path<i32>,
        body: Json<FlagsRequest>,
    ) -> ApiResult<Json<TicketDto>> {
        let me = actor(&self.state, &auth).await?;
        let t = tickets::ticket::<RecordWork>(&self.state.db, &me, ticket.0).await?;
        let b = body.0;
        let flags = Flags {
            human_damage: b.human_damage,
            major_quality: b.major_quality,
            paid: b.paid,
        };
        tickets::set_flags(&self.state, &t, flags, Utc::now()).await?;
        self.ticket_answer(&auth, ticket.0).await
    }
}
