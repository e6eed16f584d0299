//! The spare-parts store (备品备件库) and borrowing spares for a ticket: asked by the engineer,
//! approved by the PM in the app or orally (then countersigned), taken out, brought back or left
//! installed in place of the faulty unit.
use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::{
    Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};

use super::types::{InstantText, OneOf};
use super::{ApiTags, BearerAuth, actor};
use crate::domain::types::{self as kinds, SpareStatus};
use crate::{
    error::{ApiResult, AppError},
    service::{
        access::{Manage, Read, RecordWork},
        service_desk::{
            spares::{self, Loan, SpareInput},
            tickets,
        },
    },
    state::AppState,
};

pub struct SparesApi {
    state: AppState,
}

impl SparesApi {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

/// A spare part in the store.
#[derive(Object)]
struct SpareDto {
    /// Identifier.
    id: i32,
    /// Name.
    name: String,
    /// Model.
    #[oai(nullable)]
    model: Option<String>,
    /// Serial number.
    #[oai(nullable)]
    serial: Option<String>,
    /// Where it is.
    location: String,
    /// in_stock, lent, installed, faulty or scrapped.
    status: OneOf<kinds::SpareStatus>,
    /// The status in words.
    status_label: String,
    /// Notes.
    #[oai(nullable)]
    notes: Option<String>,
}

fn spare_dto(s: entity::spare_part::Model) -> SpareDto {
    SpareDto {
        status_label: s.status.label_zh().into(),
        status: s.status.into(),
        id: s.id,
        name: s.name,
        model: s.model,
        serial: s.serial,
        location: s.location,
        notes: s.notes,
    }
}

/// A spare to put in the store.
#[derive(Object)]
struct SpareRequest {
    /// Name.
    name: String,
    /// Model.
    #[oai(nullable)]
    model: Option<String>,
    /// Serial number (unique in the store).
    #[oai(nullable)]
    serial: Option<String>,
    /// Where it is kept.
    location: String,
    /// Notes.
    #[oai(nullable)]
    notes: Option<String>,
}

/// A change of a spare's place or state.
#[derive(Object)]
struct SpareChangeRequest {
    /// in_stock, faulty or scrapped (lent and installed move through loans).
    #[oai(nullable)]
    status: Option<OneOf<kinds::SpareStatus>>,
    /// Where it is now.
    #[oai(nullable)]
    location: Option<String>,
}

/// A spare borrowed for a ticket.
#[derive(Object)]
struct LoanDto {
    /// Identifier.
    id: i32,
    /// The spare.
    spare: SpareDto,
    /// requested, approved, out, returned or installed.
    status: OneOf<kinds::LoanStatus>,
    /// The status in words.
    status_label: String,
    /// Why it is needed.
    #[oai(nullable)]
    note: Option<String>,
    /// When it was asked for.
    requested_at: DateTime<Utc>,
    /// in_app or oral.
    #[oai(nullable)]
    approval: Option<OneOf<kinds::LoanApproval>>,
    /// The approving PM's user id.
    #[oai(nullable)]
    approved_by: Option<i32>,
    /// When it was approved.
    #[oai(nullable)]
    approved_at: Option<DateTime<Utc>>,
    /// An oral approval: the last working day to countersign it.
    #[oai(nullable)]
    countersign_due_on: Option<NaiveDate>,
    /// When it was countersigned.
    #[oai(nullable)]
    countersigned_at: Option<DateTime<Utc>>,
    /// When it was taken out.
    #[oai(nullable)]
    checked_out_at: Option<DateTime<Utc>>,
    /// When it must be back (or its checkout completed).
    #[oai(nullable)]
    return_due_at: Option<DateTime<Utc>>,
    /// When it came back.
    #[oai(nullable)]
    returned_at: Option<DateTime<Utc>>,
    /// When it was installed in place of the faulty unit.
    #[oai(nullable)]
    installed_at: Option<DateTime<Utc>>,
    /// The faulty unit taken into the store.
    #[oai(nullable)]
    faulty_spare_id: Option<i32>,
}

fn loan_dto(l: Loan) -> LoanDto {
    let loan = l.loan;
    LoanDto {
        id: loan.id,
        spare: spare_dto(l.spare),
        status_label: loan.status.label_zh().into(),
        status: loan.status.into(),
        note: loan.note,
        requested_at: loan.requested_at,
        approval: loan.approval.map(Into::into),
        approved_by: loan.approved_by,
        approved_at: loan.approved_at,
        countersign_due_on: loan.countersign_due_on,
        countersigned_at: loan.countersigned_at,
        checked_out_at: loan.checked_out_at,
        return_due_at: loan.return_due_at,
        returned_at: loan.returned_at,
        installed_at: loan.installed_at,
        faulty_spare_id: loan.faulty_spare_id,
    }
}

/// A spare to borrow.
#[derive(Object)]
struct LoanRequest {
    /// The spare (in stock).
    spare_id: i32,
    /// Why it is needed.
    #[oai(nullable)]
    note: Option<String>,
}

/// The PM's oral approval.
#[derive(Object)]
struct OralApprovalRequest {
    /// The PM who said yes (a PM of the project).
    approved_by: i32,
    /// When, RFC 3339; now when absent.
    #[oai(nullable)]
    at: Option<InstantText>,
}

/// Where the faulty unit goes.
#[derive(Object)]
struct InstallRequest {
    /// Where the faulty unit is kept now (待修 in the store, 返厂 …).
    faulty_location: String,
}

impl SparesApi {
    async fn loans(&self, auth: &BearerAuth, ticket: i32, loan: i32) -> ApiResult<Json<LoanDto>> {
        let me = actor(&self.state, auth).await?;
        let t = tickets::ticket::<Read>(&self.state.db, &me, ticket).await?;
        spares::of_ticket(&self.state.db, &t)
            .await?
            .into_iter()
            .find(|l| l.loan.id == loan)
            .map(|l| Json(loan_dto(l)))
            .ok_or_else(|| AppError::not_found(format!("no loan {loan}")).into())
    }
}

#[OpenApi(tag = "ApiTags::ServiceDesk")]
impl SparesApi {
    /// The spare-parts store
    ///
    /// Every spare by name and model, or those in one state.
    #[oai(path = "/spares", method = "get", operation_id = "list_spares")]
    async fn list(
        &self,
        _auth: BearerAuth,
        /// in_stock, lent, installed, faulty or scrapped.
        status: Query<Option<OneOf<kinds::SpareStatus>>>,
    ) -> ApiResult<Json<Vec<SpareDto>>> {
        let status = status
            .0
            .map(|s| SpareStatus::parse(&s))
            .transpose()
            .map_err(AppError::from)?;
        Ok(Json(
            spares::list(&self.state.db, status)
                .await?
                .into_iter()
                .map(spare_dto)
                .collect(),
        ))
    }

    /// Put a spare into the store
    ///
    /// Managers and administrators keep the store.
    #[oai(path = "/spares", method = "post", operation_id = "add_spare")]
    async fn add(&self, auth: BearerAuth, body: Json<SpareRequest>) -> ApiResult<Json<SpareDto>> {
        let me = actor(&self.state, &auth).await?;
        let b = body.0;
        let input = SpareInput {
            name: b.name,
            model: b.model,
            serial: b.serial,
            location: b.location,
            notes: b.notes,
        };
        Ok(Json(spare_dto(spares::add(&self.state, &me, input, Utc::now()).await?)))
    }

    /// Move a spare or change its state
    ///
    /// A faulty unit repaired back into stock, scrapped, moved to another shelf.
    #[oai(path = "/spares/:spare", method = "patch", operation_id = "update_spare")]
    async fn update(
        &self,
        auth: BearerAuth,
        /// Spare id.
        spare: Path<i32>,
        body: Json<SpareChangeRequest>,
    ) -> ApiResult<Json<SpareDto>> {
        let me = actor(&self.state, &auth).await?;
        let b = body.0;
        let status = b
            .status
            .map(|s| SpareStatus::parse(&s))
            .transpose()
            .map_err(AppError::from)?;
        let row = spares::update(&self.state, &me, spare.0, status, b.location, Utc::now()).await?;
        Ok(Json(spare_dto(row)))
    }

    /// A ticket's loans
    #[oai(path = "/tickets/:ticket/loans", method = "get", operation_id = "list_ticket_loans")]
    async fn of_ticket(
        &self,
        auth: BearerAuth,
        /// Ticket id.
        ticket: Path<i32>,
    ) -> ApiResult<Json<Vec<LoanDto>>> {
        let me = actor(&self.state, &auth).await?;
        let t = tickets::ticket::<Read>(&self.state.db, &me, ticket.0).await?;
        Ok(Json(
            spares::of_ticket(&self.state.db, &t)
                .await?
                .into_iter()
                .map(loan_dto)
                .collect(),
        ))
    }

    /// Ask to borrow a spare
    ///
    /// The project's PMs are asked to approve it.
    #[oai(path = "/tickets/:ticket/loans", method = "post", operation_id = "request_spare")]
    async fn request(
        &self,
        auth: BearerAuth,
        /// Ticket id.
        ticket: Path<i32>,
        body: Json<LoanRequest>,
    ) -> ApiResult<Json<LoanDto>> {
        let me = actor(&self.state, &auth).await?;
        let t = tickets::ticket::<RecordWork>(&self.state.db, &me, ticket.0).await?;
        let loan = spares::request(&self.state, &t, body.0.spare_id, body.0.note, Utc::now()).await?;
        self.loans(&auth, ticket.0, loan.id).await
    }

    /// Approve a loan
    #[oai(
        path = "/tickets/:ticket/loans/:loan/approve",
        method = "post",
        operation_id = "approve_spare_loan"
    )]
    async fn approve(
        &self,
        auth: BearerAuth,
        /// Ticket id.
        ticket: Path<i32>,
        /// Loan id.
        loan: Path<i32>,
    ) -> ApiResult<Json<LoanDto>> {
        let me = actor(&self.state, &auth).await?;
        let t = tickets::ticket::<Manage>(&self.state.db, &me, ticket.0).await?;
        spares::approve(&self.state, &t, loan.0, Utc::now()).await?;
        self.loans(&auth, ticket.0, loan.0).await
    }

    /// Record the PM's oral approval
    ///
    /// The PM countersigns it within the policy's working days (2 by default, the holiday
    /// calendar's 调休 counted); reminded until then, reported to the service managers after.
    #[oai(
        path = "/tickets/:ticket/loans/:loan/oral-approval",
        method = "post",
        operation_id = "record_oral_approval"
    )]
    async fn oral(
        &self,
        auth: BearerAuth,
        /// Ticket id.
        ticket: Path<i32>,
        /// Loan id.
        loan: Path<i32>,
        body: Json<OralApprovalRequest>,
    ) -> ApiResult<Json<LoanDto>> {
        let me = actor(&self.state, &auth).await?;
        let t = tickets::ticket::<RecordWork>(&self.state.db, &me, ticket.0).await?;
        let at = body.0.at.map(|a| super::instant("at", Some(&a))).transpose()?;
        spares::record_oral_approval(&self.state, &t, loan.0, body.0.approved_by, at, Utc::now()).await?;
        self.loans(&auth, ticket.0, loan.0).await
    }

    /// Countersign an oral approval (补签)
    #[oai(
        path = "/tickets/:ticket/loans/:loan/countersign",
        method = "post",
        operation_id = "countersign_spare_loan"
    )]
    async fn countersign(
        &self,
        auth: BearerAuth,
        /// Ticket id.
        ticket: Path<i32>,
        /// Loan id.
        loan: Path<i32>,
    ) -> ApiResult<Json<LoanDto>> {
        let me = actor(&self.state, &auth).await?;
        let t = tickets::ticket::<Manage>(&self.state.db, &me, ticket.0).await?;
        spares::countersign(&self.state, &t, loan.0, Utc::now()).await?;
        self.loans(&auth, ticket.0, loan.0).await
    }

    /// Take the spare out
    ///
    /// Once approved; it is due back within the policy's hours (48). The ticket's 领取备件 step.
    #[oai(
        path = "/tickets/:ticket/loans/:loan/check-out",
        method = "post",
        operation_id = "check_out_spare"
    )]
    async fn check_out(
        &self,
        auth: BearerAuth,
        /// Ticket id.
        ticket: Path<i32>,
        /// Loan id.
        loan: Path<i32>,
    ) -> ApiResult<Json<LoanDto>> {
        let me = actor(&self.state, &auth).await?;
        let t = tickets::ticket::<RecordWork>(&self.state.db, &me, ticket.0).await?;
        spares::check_out(&self.state, &t, loan.0, Utc::now()).await?;
        self.loans(&auth, ticket.0, loan.0).await
    }

    /// Bring the spare back
    #[oai(
        path = "/tickets/:ticket/loans/:loan/return",
        method = "post",
        operation_id = "return_spare"
    )]
    async fn give_back(
        &self,
        auth: BearerAuth,
        /// Ticket id.
        ticket: Path<i32>,
        /// Loan id.
        loan: Path<i32>,
    ) -> ApiResult<Json<LoanDto>> {
        let me = actor(&self.state, &auth).await?;
        let t = tickets::ticket::<RecordWork>(&self.state.db, &me, ticket.0).await?;
        spares::give_back(&self.state, &t, loan.0, Utc::now()).await?;
        self.loans(&auth, ticket.0, loan.0).await
    }

    /// Leave the spare installed
    ///
    /// In place of the ticket's unit, which then carries the spare's serial in service and keeps
    /// its remaining warranty; the faulty unit enters the store as 待修. While someone is on site
    /// this is the ticket's 更换备机 step.
    #[oai(
        path = "/tickets/:ticket/loans/:loan/install",
        method = "post",
        operation_id = "install_spare"
    )]
    async fn install(
        &self,
        auth: BearerAuth,
        /// Ticket id.
        ticket: Path<i32>,
        /// Loan id.
        loan: Path<i32>,
        body: Json<InstallRequest>,
    ) -> ApiResult<Json<LoanDto>> {
        let me = actor(&self.state, &auth).await?;
        let t = tickets::ticket::<RecordWork>(&self.state.db, &me, ticket.0).await?;
        spares::install(&self.state, &t, loan.0, body.0.faulty_location, Utc::now()).await?;
        self.loans(&auth, ticket.0, loan.0).await
    }
}
