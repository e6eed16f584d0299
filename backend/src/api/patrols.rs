//! 定时巡检 and 定时电话回访: a delivered project's visits over its warranty with what each found
//! (a problem to repair opens a ticket), and the desk's calls to the client.
use chrono::{DateTime, NaiveDate, Utc};
use poem::Request;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::Path,
    payload::{Binary, Json},
};

use super::test_plans::{NewSigningRequest, SigningRequestDto, ask_to_sign};
use super::types::{DateText, InstantText, OneOf};
use super::{ApiTags, BearerAuth, content_disposition, grant};
use crate::domain::types::{self as kinds, CheckResult, SignParty, SignedDocument, parse_date};
use crate::{
    error::{ApiResult, AppError},
    service::{
        access::{Manage, Read, RecordWork},
        projects::timezone_of,
        service_desk::patrols::{self, CallInput, CheckInput, REPORT, Visit, VisitInput},
        signing,
    },
    state::AppState,
};

pub struct PatrolsApi {
    state: AppState,
}

impl PatrolsApi {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

/// One check of a visit.
#[derive(Object)]
struct PatrolCheckDto {
    /// The unit checked; none for a check of the system.
    #[oai(nullable)]
    unit_id: Option<i32>,
    /// What was checked.
    item: String,
    /// pass, fail or na.
    result: OneOf<kinds::CheckResult>,
    /// What was seen.
    #[oai(nullable)]
    note: Option<String>,
    /// The ticket the problem opened.
    #[oai(nullable)]
    ticket_id: Option<i32>,
}

/// A 定时巡检 visit.
#[derive(Object)]
struct PatrolDto {
    /// Identifier.
    id: i32,
    /// 1, 2, … over the warranty.
    seq: i32,
    /// The half-year of the warranty it belongs to (1 = the first six months).
    half_year: i32,
    /// The working day it is planned on.
    planned_on: NaiveDate,
    /// The day it was done.
    #[oai(nullable)]
    done_on: Option<NaiveDate>,
    /// Who recorded it.
    #[oai(nullable)]
    done_by: Option<String>,
    /// What the engineer says overall.
    #[oai(nullable)]
    summary: Option<String>,
    /// Not done and its day has passed.
    overdue: bool,
    /// The checks recorded.
    checks: Vec<PatrolCheckDto>,
    /// The client's person met on site (the 巡检报告's signer).
    #[oai(nullable)]
    contact_name: Option<String>,
    /// Who signed the 巡检报告 for us, and when.
    #[oai(nullable)]
    signed_by_us: Option<String>,
    /// Who signed it for the client, and when.
    #[oai(nullable)]
    signed_by_client: Option<String>,
}

fn patrol_dto(v: Visit, signatures: &[entity::signature::Model]) -> PatrolDto {
    let signed = |party: SignParty| {
        signatures
            .iter()
            .find(|s| s.party == party && s.document_id == v.patrol.id)
            .map(|s| format!("{} {}", s.signer_name, signing::signed_minute(s)))
    };
    PatrolDto {
        contact_name: v.patrol.contact_name.clone(),
        signed_by_us: signed(SignParty::Ours),
        signed_by_client: signed(SignParty::Client),
        id: v.patrol.id,
        seq: v.patrol.seq,
        half_year: v.patrol.half_year,
        planned_on: v.patrol.planned_on,
        done_on: v.patrol.done_on,
        done_by: v.done_by,
        summary: v.patrol.summary,
        overdue: v.overdue,
        checks: v
            .results
            .into_iter()
            .map(|r| PatrolCheckDto {
                unit_id: r.unit_id,
                item: r.item,
                result: r.result.as_str().to_string().into(),
                note: r.note,
                ticket_id: r.ticket_id,
            })
            .collect(),
    }
}

/// A checklist for one of the project's system types.
#[derive(Object)]
struct ChecklistDto {
    /// Its code (the system type's).
    code: String,
    /// Its name, e.g. 数字法庭系统巡检表.
    name: String,
    /// The system type.
    system_type: String,
    /// Checked on every installed unit with a serial number.
    unit_checks: Vec<String>,
    /// Checked once for the system.
    system_checks: Vec<String>,
}

/// A project's visits and what to check on them.
#[derive(Object)]
struct PatrolsDto {
    /// The visits, by day.
    visits: Vec<PatrolDto>,
    /// The checklists of the project's system types.
    checklists: Vec<ChecklistDto>,
}

/// One check to record.
#[derive(Object)]
struct PatrolCheckRequest {
    /// The unit checked (an installed unit of the project); none for a check of the system.
    #[oai(default)]
    unit_id: Option<i32>,
    /// What was checked (from the checklist, or in words).
    item: String,
    /// pass, fail or na.
    result: OneOf<kinds::CheckResult>,
    /// What was seen.
    #[oai(default)]
    note: Option<String>,
    /// A failed check to repair: opens a ticket (巡检发现) for the unit.
    #[oai(default)]
    open_ticket: bool,
}

/// A visit recorded as done.
#[derive(Object)]
struct PatrolRecordRequest {
    /// The day it was done, YYYY-MM-DD; today by default.
    #[oai(default)]
    done_on: Option<DateText>,
    /// What the engineer says overall.
    #[oai(default)]
    summary: Option<String>,
    /// The checks.
    checks: Vec<PatrolCheckRequest>,
    /// The client's person met on site (the reporter of any ticket opened).
    contact_name: String,
    /// Their phone.
    contact_phone: String,
}

/// A 定时电话回访.
#[derive(Object)]
struct ServiceCallDto {
    /// Identifier.
    id: i32,
    /// When the call was made.
    called_at: DateTime<Utc>,
    /// Who was called.
    contact_name: String,
    /// Their phone.
    #[oai(nullable)]
    contact_phone: Option<String>,
    /// What they said.
    summary: String,
}

/// A call to log.
#[derive(Object)]
struct ServiceCallRequest {
    /// When the call was made (RFC 3339); now by default.
    #[oai(default)]
    called_at: Option<InstantText>,
    /// Who was called.
    contact_name: String,
    /// Their phone.
    #[oai(default)]
    contact_phone: Option<String>,
    /// What they said: how the system runs, wishes, problems.
    summary: String,
}

fn call_dto(c: entity::service_call::Model) -> ServiceCallDto {
    ServiceCallDto {
        id: c.id,
        called_at: c.called_at,
        contact_name: c.contact_name,
        contact_phone: c.contact_phone,
        summary: c.summary,
    }
}

#[derive(ApiResponse)]
enum ReportDocx {
    /// The 巡检报告 as a .docx (草稿 across it until the client signed).
    #[oai(
        status = 200,
        content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )]
    Ok(
        Binary<Vec<u8>>,
        /// `attachment` with the file's name, in ASCII and (RFC 6266 `filename*`) in UTF-8.
        #[oai(header = "Content-Disposition")]
        String,
    ),
}

impl PatrolsApi {
    async fn one(
        &self,
        p: &crate::service::access::Granted<impl crate::service::access::MayRead>,
        patrol: i32,
    ) -> ApiResult<Json<PatrolDto>> {
        let today = Utc::now().with_timezone(&timezone_of(p.project())).date_naive();
        let visits: Vec<Visit> = patrols::list(&self.state.db, p, today)
            .await?
            .into_iter()
            .filter(|v| v.patrol.id == patrol)
            .collect();
        let signatures = patrols::report_signatures(&self.state.db, &visits).await?;
        let visit = visits
            .into_iter()
            .next()
            .ok_or_else(|| AppError::not_found(format!("no inspection visit {patrol}")))?;
        Ok(Json(patrol_dto(visit, &signatures)))
    }
}

#[OpenApi(tag = "ApiTags::ServiceDesk")]
impl PatrolsApi {
    /// A project's inspection visits (定时巡检)
    ///
    /// Planned over the warranty once the project is delivered: one or two each half-year
    /// (`inspections_per_half_year`), on working days.
    #[oai(path = "/projects/:id/patrols", method = "get", operation_id = "list_patrols")]
    async fn list(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
    ) -> ApiResult<Json<PatrolsDto>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let today = Utc::now().with_timezone(&timezone_of(p.project())).date_naive();
        let visits = patrols::list(&self.state.db, &p, today).await?;
        let signatures = patrols::report_signatures(&self.state.db, &visits).await?;
        Ok(Json(PatrolsDto {
            visits: visits.into_iter().map(|v| patrol_dto(v, &signatures)).collect(),
            checklists: patrols::checklists(&self.state, p.project())
                .into_iter()
                .map(|c| ChecklistDto {
                    code: c.code.clone(),
                    name: c.name.clone(),
                    system_type: c.system_type.clone(),
                    unit_checks: c.unit_checks.clone(),
                    system_checks: c.system_checks.clone(),
                })
                .collect(),
        }))
    }

    /// Plan a project's inspection visits again
    ///
    /// The visits done stay; the others follow the policy in force (done by itself when the
    /// project is delivered and when its policy changes).
    #[oai(path = "/projects/:id/patrols/plan", method = "post", operation_id = "plan_patrols")]
    async fn plan(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
    ) -> ApiResult<Json<PatrolsDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        patrols::replan(&self.state, &p, Utc::now()).await?;
        self.list(auth, id).await
    }

    /// Record an inspection visit as done
    ///
    /// With its checks; a failed check with `open_ticket` opens a ticket for its unit (巡检发现).
    /// 409 when the visit was recorded already.
    #[oai(
        path = "/projects/:id/patrols/:patrol/record",
        method = "post",
        operation_id = "record_patrol"
    )]
    async fn record(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Visit id.
        patrol: Path<i32>,
        body: Json<PatrolRecordRequest>,
    ) -> ApiResult<Json<PatrolDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let b = body.0;
        let mut checks = Vec::new();
        for c in b.checks {
            checks.push(CheckInput {
                unit_id: c.unit_id,
                item: c.item,
                result: CheckResult::parse(&c.result).map_err(crate::error::AppError::from)?,
                note: c.note,
                open_ticket: c.open_ticket,
            });
        }
        let input = VisitInput {
            done_on: b.done_on.map(|d| parse_date("done_on", &d)).transpose()?,
            summary: b.summary,
            checks,
            contact_name: b.contact_name,
            contact_phone: b.contact_phone,
        };
        let visit = patrols::record(&self.state, &p, patrol.0, input, Utc::now()).await?;
        Ok(Json(patrol_dto(visit, &[])))
    }

    /// Sign a visit's 巡检报告 for our side (the engineer who made it, or another member)
    #[oai(
        path = "/projects/:id/patrols/:patrol/report/sign",
        method = "post",
        operation_id = "sign_patrol_report"
    )]
    async fn sign_report(
        &self,
        req: &Request,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Visit id.
        patrol: Path<i32>,
    ) -> ApiResult<Json<PatrolDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        signing::sign_in_app(
            &self.state.db,
            &p,
            SignedDocument::PatrolReport,
            patrol.0,
            REPORT,
            super::evidence(req),
            Utc::now(),
        )
        .await?;
        self.one(&p, patrol.0).await
    }

    /// Ask the client to sign a visit's 巡检报告
    ///
    /// `on_site: true` gives a 30-minute link for the tablet (the person met on site signs);
    /// otherwise one e-mail to `signer_email`.
    #[oai(
        path = "/projects/:id/patrols/:patrol/report/signing-requests",
        method = "post",
        operation_id = "request_patrol_report_signature"
    )]
    async fn request_report(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Visit id.
        patrol: Path<i32>,
        body: Json<NewSigningRequest>,
    ) -> ApiResult<Json<SigningRequestDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        ask_to_sign(&self.state, &p, SignedDocument::PatrolReport, patrol.0, body.0).await
    }

    /// A visit's 巡检报告 as a Word form
    #[oai(
        path = "/projects/:id/patrols/:patrol/report.docx",
        method = "get",
        operation_id = "download_patrol_report"
    )]
    async fn report_docx(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Visit id.
        patrol: Path<i32>,
    ) -> ApiResult<ReportDocx> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let report = patrols::load(&self.state.db, p.project().clone(), patrol.0).await?;
        let form = patrols::form(&report);
        let house = self.state.settings.house();
        let bytes = crate::documents::render_off_thread(form, house).await?;
        let name = format!("巡检报告-{}-{:02}.docx", p.project().code, report.visit.patrol.seq);
        Ok(ReportDocx::Ok(Binary(bytes), content_disposition(&name)))
    }

    /// A project's calls to the client (定时电话回访), newest first
    #[oai(
        path = "/projects/:id/service-calls",
        method = "get",
        operation_id = "list_service_calls"
    )]
    async fn calls(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
    ) -> ApiResult<Json<Vec<ServiceCallDto>>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        Ok(Json(
            patrols::calls(&self.state.db, &p)
                .await?
                .into_iter()
                .map(call_dto)
                .collect(),
        ))
    }

    /// Log a call to the client (定时电话回访)
    #[oai(
        path = "/projects/:id/service-calls",
        method = "post",
        operation_id = "log_service_call"
    )]
    async fn log_call(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        body: Json<ServiceCallRequest>,
    ) -> ApiResult<Json<ServiceCallDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let b = body.0;
        let input = CallInput {
            called_at: b.called_at.map(|t| super::instant("called_at", Some(&t))).transpose()?,
            contact_name: b.contact_name,
            contact_phone: b.contact_phone,
            summary: b.summary,
        };
        Ok(Json(call_dto(
            patrols::log_call(&self.state, &p, input, Utc::now()).await?,
        )))
    }
}
