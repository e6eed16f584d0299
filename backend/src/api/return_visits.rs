//! 回访: a ticket's return visits — by phone, the desk recording the answers, or by a one-time
//! link e-mailed to the reporter — and the PM's follow-up of an unhappy answer.
use chrono::{DateTime, Utc};
use poem_openapi::{Object, OpenApi, param::Path, payload::Json};

use super::types::OneOf;
use super::{ApiTags, BearerAuth, actor};
use crate::domain::types::{self as kinds, Satisfaction, VisitStage};
use crate::{
    error::{ApiResult, AppError},
    service::{
        access::{Manage, Read, RecordWork},
        service_desk::{
            return_visits::{self, Answers},
            tickets,
        },
    },
    state::AppState,
};

pub struct ReturnVisitsApi {
    state: AppState,
}

impl ReturnVisitsApi {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

/// A return visit (回访).
#[derive(Object)]
struct ReturnVisitDto {
    /// Identifier.
    id: i32,
    /// during (the repair) or after.
    stage: OneOf<kinds::VisitStage>,
    /// phone or link.
    channel: OneOf<kinds::VisitChannel>,
    /// Where the link went.
    #[oai(nullable)]
    sent_to: Option<String>,
    /// When it was asked.
    asked_at: DateTime<Utc>,
    /// When it was answered; none while a link waits.
    #[oai(nullable)]
    answered_at: Option<DateTime<Utc>>,
    /// 响应及时.
    #[oai(nullable)]
    response: Option<OneOf<kinds::Satisfaction>>,
    /// 服务态度.
    #[oai(nullable)]
    attitude: Option<OneOf<kinds::Satisfaction>>,
    /// 维修质量.
    #[oai(nullable)]
    quality: Option<OneOf<kinds::Satisfaction>>,
    /// 总体评价.
    #[oai(nullable)]
    overall: Option<OneOf<kinds::Satisfaction>>,
    /// The client's words.
    #[oai(nullable)]
    comment: Option<String>,
    /// A complaint (投诉).
    complaint: bool,
    /// Who answered.
    #[oai(nullable)]
    respondent: Option<String>,
    /// An unhappy answer or a complaint: the PMs follow it up.
    follow_up: bool,
    /// When it was followed up, and what was done.
    #[oai(nullable)]
    followed_up_at: Option<DateTime<Utc>>,
    /// What was done about it.
    #[oai(nullable)]
    follow_up_note: Option<String>,
}

fn visit_dto(v: entity::return_visit::Model) -> ReturnVisitDto {
    let s = |v: Option<Satisfaction>| v.map(|s| s.as_str().to_string().into());
    ReturnVisitDto {
        id: v.id,
        stage: v.stage.as_str().to_string().into(),
        channel: v.channel.as_str().to_string().into(),
        sent_to: v.sent_to,
        asked_at: v.asked_at,
        answered_at: v.answered_at,
        response: s(v.response),
        attitude: s(v.attitude),
        quality: s(v.quality),
        overall: s(v.overall),
        comment: v.comment,
        complaint: v.complaint,
        respondent: v.respondent,
        follow_up: v.follow_up,
        followed_up_at: v.followed_up_at,
        follow_up_note: v.follow_up_note,
    }
}

/// The answers of a call.
#[derive(Object)]
struct ReturnCallRequest {
    /// during (the repair) or after.
    stage: OneOf<kinds::VisitStage>,
    /// 响应及时.
    response: OneOf<kinds::Satisfaction>,
    /// 服务态度.
    attitude: OneOf<kinds::Satisfaction>,
    /// 维修质量.
    quality: OneOf<kinds::Satisfaction>,
    /// 总体评价.
    overall: OneOf<kinds::Satisfaction>,
    /// The client's words.
    #[oai(default)]
    comment: Option<String>,
    /// A complaint (投诉).
    #[oai(default)]
    complaint: bool,
    /// Who answered; the reporter when absent.
    #[oai(default)]
    respondent: Option<String>,
}

/// A link to send.
#[derive(Object)]
struct ReturnLinkRequest {
    /// during (the repair) or after.
    stage: OneOf<kinds::VisitStage>,
}

/// What the PM did about an unhappy answer.
#[derive(Object)]
struct FollowUpRequest {
    /// What was done.
    note: String,
}

fn parse<E: Copy>(v: &str, p: impl Fn(&str) -> Result<E, entity::enums::UnknownValue>) -> Result<E, AppError> {
    p(v).map_err(AppError::from)
}

#[OpenApi(tag = "ApiTags::ServiceDesk")]
impl ReturnVisitsApi {
    /// A ticket's return visits (回访)
    #[oai(
        path = "/tickets/:ticket/return-visits",
        method = "get",
        operation_id = "list_return_visits"
    )]
    async fn list(
        &self,
        auth: BearerAuth,
        /// Ticket id.
        ticket: Path<i32>,
    ) -> ApiResult<Json<Vec<ReturnVisitDto>>> {
        let me = actor(&self.state, &auth).await?;
        let t = tickets::ticket::<Read>(&self.state.db, &me, ticket.0).await?;
        Ok(Json(
            return_visits::of_ticket(&self.state.db, &t)
                .await?
                .into_iter()
                .map(visit_dto)
                .collect(),
        ))
    }

    /// Record a return visit by phone
    ///
    /// `during` until the fault is removed, `after` then (409 otherwise); the answer after the
    /// repair is the ticket's 维修后回访 step; an unhappy answer or a complaint tells the PMs.
    #[oai(
        path = "/tickets/:ticket/return-visits",
        method = "post",
        operation_id = "record_return_visit"
    )]
    async fn record(
        &self,
        auth: BearerAuth,
        /// Ticket id.
        ticket: Path<i32>,
        body: Json<ReturnCallRequest>,
    ) -> ApiResult<Json<ReturnVisitDto>> {
        let me = actor(&self.state, &auth).await?;
        let t = tickets::ticket::<RecordWork>(&self.state.db, &me, ticket.0).await?;
        let b = body.0;
        let answers = Answers {
            response: parse(&b.response, Satisfaction::parse)?,
            attitude: parse(&b.attitude, Satisfaction::parse)?,
            quality: parse(&b.quality, Satisfaction::parse)?,
            overall: parse(&b.overall, Satisfaction::parse)?,
            comment: b.comment,
            complaint: b.complaint,
            respondent: b.respondent,
        };
        let stage = parse(&b.stage, VisitStage::parse)?;
        Ok(Json(visit_dto(
            return_visits::record_call(&self.state, &t, stage, answers, Utc::now()).await?,
        )))
    }

    /// E-mail the reporter a one-time link to answer (14 days)
    ///
    /// 409 when the reporter left no e-mail address.
    #[oai(
        path = "/tickets/:ticket/return-visits/link",
        method = "post",
        operation_id = "send_return_visit_link"
    )]
    async fn link(
        &self,
        auth: BearerAuth,
        /// Ticket id.
        ticket: Path<i32>,
        body: Json<ReturnLinkRequest>,
    ) -> ApiResult<Json<ReturnVisitDto>> {
        let me = actor(&self.state, &auth).await?;
        let t = tickets::ticket::<RecordWork>(&self.state.db, &me, ticket.0).await?;
        let stage = parse(&body.0.stage, VisitStage::parse)?;
        Ok(Json(visit_dto(
            return_visits::send_link(&self.state, &t, stage, Utc::now()).await?,
        )))
    }

    /// Record the follow-up of an unhappy answer (PMs)
    #[oai(
        path = "/tickets/:ticket/return-visits/:visit/follow-up",
        method = "post",
        operation_id = "follow_up_return_visit"
    )]
    async fn follow_up(
        &self,
        auth: BearerAuth,
        /// Ticket id.
        ticket: Path<i32>,
        /// Return visit id.
        visit: Path<i32>,
        body: Json<FollowUpRequest>,
    ) -> ApiResult<Json<ReturnVisitDto>> {
        let me = actor(&self.state, &auth).await?;
        let t = tickets::ticket::<Manage>(&self.state.db, &me, ticket.0).await?;
        Ok(Json(visit_dto(
            return_visits::follow_up(&self.state, &t, visit.0, body.0.note, Utc::now()).await?,
        )))
    }
}
