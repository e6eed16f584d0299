//! 维护总结汇报表: a PM's month on a project — its figures, faults by cause, what failed again,
//! every fault with its cause and remedy, and the PM's analysis and measures; written and
//! submitted by the PM once the month has ended, archived by quality.
use chrono::{DateTime, Utc};
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::{Binary, Json},
};

use super::statistics::{CountsDto, counts_dto, month_param};
use super::{ApiTags, BearerAuth, content_disposition, grant};
use crate::{
    error::ApiResult,
    service::{
        access::{Manage, Read},
        service_desk::statistics::{
            self, forms,
            summary::{self, Summary, SummaryInput},
        },
    },
    state::AppState,
};

pub struct ServiceSummaryApi {
    state: AppState,
}

impl ServiceSummaryApi {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

/// Faults of one cause.
#[derive(Object)]
struct CauseDto {
    /// A 故障类别 (`hardware`, …), or `unclassified`.
    key: String,
    /// Its Chinese name.
    label: String,
    /// Faults of the month.
    faults: u64,
    /// Of the month's faults, e.g. `50.0%`.
    share: String,
}

/// A unit or device that failed again in three months, once in this one.
#[derive(Object)]
struct RecurrenceDto {
    /// The device as the last card wrote it.
    what: String,
    /// How many faults.
    faults: u64,
    /// The tickets, oldest first.
    ticket_ids: Vec<i32>,
    /// Their 报修单号.
    numbers: Vec<String>,
}

/// A fault of the month with what its service order says.
#[derive(Object)]
struct SummaryFaultDto {
    /// The ticket.
    id: i32,
    /// 报修单号.
    number: String,
    /// When it was reported.
    reported_at: DateTime<Utc>,
    /// The device as the card wrote it.
    device: String,
    /// 故障现象.
    symptom: String,
    /// 故障类别, or 未分类.
    cause_label: String,
    /// 故障原因, from the service order.
    cause: String,
    /// 排除方法, from the service order.
    remedy: String,
    /// Times an engineer arrived on site.
    site_visits: i32,
    /// Past the response promise.
    response_broken: bool,
    /// Past the repair promise.
    repair_broken: bool,
}

/// A PM's monthly summary.
#[derive(Object)]
struct SummaryDto {
    /// The month, 2026-11.
    month: String,
    /// The project.
    project_id: i32,
    /// Its code.
    project_code: String,
    /// Its name.
    project_name: String,
    /// Its region.
    region: String,
    /// The month's figures (as submitted once it is).
    counts: CountsDto,
    /// Faults by cause, the most first.
    by_cause: Vec<CauseDto>,
    /// What failed again.
    recurring: Vec<RecurrenceDto>,
    /// Every fault of the month.
    faults: Vec<SummaryFaultDto>,
    /// Why faults recurred, as the PM analysed them (多发原因).
    #[oai(nullable)]
    analysis: Option<String>,
    /// The measures proposed (处理方法).
    #[oai(nullable)]
    measures: Option<String>,
    /// Who submitted it.
    #[oai(nullable)]
    submitted_by: Option<String>,
    /// When.
    #[oai(nullable)]
    submitted_at: Option<DateTime<Utc>>,
    /// Who archived it for quality.
    #[oai(nullable)]
    archived_by: Option<String>,
    /// When.
    #[oai(nullable)]
    archived_at: Option<DateTime<Utc>>,
}

fn summary_dto(s: Summary) -> SummaryDto {
    let f = s.figures;
    SummaryDto {
        month: f.month.to_string(),
        project_id: f.project_id,
        project_code: f.project_code,
        project_name: f.project_name,
        region: f.region,
        counts: counts_dto(&f.counts),
        by_cause: f
            .by_cause
            .into_iter()
            .map(|c| CauseDto {
                key: c.key,
                label: c.label,
                faults: c.faults,
                share: c.share,
            })
            .collect(),
        recurring: f
            .recurring
            .into_iter()
            .map(|r| RecurrenceDto {
                what: r.what,
                faults: r.faults as u64,
                ticket_ids: r.ticket_ids,
                numbers: r.numbers,
            })
            .collect(),
        faults: f
            .faults
            .into_iter()
            .map(|t| SummaryFaultDto {
                id: t.id,
                number: t.number,
                reported_at: t.reported_at,
                device: t.device,
                symptom: t.symptom,
                cause_label: t.cause_label,
                cause: t.cause,
                remedy: t.remedy,
                site_visits: t.site_visits,
                response_broken: t.response_broken,
                repair_broken: t.repair_broken,
            })
            .collect(),
        analysis: s.analysis,
        measures: s.measures,
        submitted_by: s.submitted_by,
        submitted_at: s.submitted_at,
        archived_by: s.archived_by,
        archived_at: s.archived_at,
    }
}

/// What the PM writes.
#[derive(Object)]
struct SummaryRequest {
    /// Why faults recurred this month (分析事故多发原因).
    #[oai(nullable)]
    analysis: Option<String>,
    /// What to do about them (处理方法, 改进措施).
    #[oai(nullable)]
    measures: Option<String>,
}

#[derive(ApiResponse)]
enum SummaryDocx {
    /// The 维护总结汇报表 as a .docx (草稿 across it until submitted).
    #[oai(
        status = 200,
        content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )]
    Ok(
        Binary<Vec<u8>>,
        /// `attachment` with the file's name.
        #[oai(header = "Content-Disposition")]
        String,
    ),
}

#[OpenApi(tag = "ApiTags::ServiceDesk")]
impl ServiceSummaryApi {
    /// A project's monthly maintenance summary (维护总结汇报表)
    ///
    /// As submitted once it is; before, the figures as they stand with what the PM wrote so far.
    #[oai(
        path = "/projects/:id/service/summary",
        method = "get",
        operation_id = "get_service_summary"
    )]
    async fn get(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// The month, 2026-11.
        month: Query<String>,
    ) -> ApiResult<Json<SummaryDto>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let month = month_param(&month.0)?;
        Ok(Json(summary_dto(
            summary::summary(&self.state, &p, month, Utc::now()).await?,
        )))
    }

    /// Write the analysis and measures of a month's summary (the PM)
    ///
    /// A draft until submitted; 409 after.
    #[oai(
        path = "/projects/:id/service/summary/:month",
        method = "put",
        operation_id = "save_service_summary"
    )]
    async fn save(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// The month, 2026-11.
        month: Path<String>,
        body: Json<SummaryRequest>,
    ) -> ApiResult<Json<SummaryDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let month = month_param(&month.0)?;
        let input = SummaryInput {
            analysis: body.0.analysis,
            measures: body.0.measures,
        };
        Ok(Json(summary_dto(
            summary::save(&self.state, &p, month, input, Utc::now()).await?,
        )))
    }

    /// Submit a month's summary (the PM)
    ///
    /// Once the month has ended and its analysis and measures are written (422 naming the one
    /// missing); its figures are kept as they stand. 409 when submitted already or the month runs.
    #[oai(
        path = "/projects/:id/service/summary/:month/submit",
        method = "post",
        operation_id = "submit_service_summary"
    )]
    async fn submit(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// The month, 2026-11.
        month: Path<String>,
    ) -> ApiResult<Json<SummaryDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let month = month_param(&month.0)?;
        Ok(Json(summary_dto(
            summary::submit(&self.state, &p, month, Utc::now()).await?,
        )))
    }

    /// Archive a submitted summary (quality: an administrator or a viewer)
    #[oai(
        path = "/projects/:id/service/summary/:month/archive",
        method = "post",
        operation_id = "archive_service_summary"
    )]
    async fn archive(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// The month, 2026-11.
        month: Path<String>,
    ) -> ApiResult<Json<SummaryDto>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        // Who may archive is answered before the request is read.
        statistics::may_archive(p.actor())?;
        let month = month_param(&month.0)?;
        Ok(Json(summary_dto(
            summary::archive(&self.state, &p, month, Utc::now()).await?,
        )))
    }

    /// The 维护总结汇报表 of a month (Word)
    #[oai(
        path = "/projects/:id/service/summary.docx",
        method = "get",
        operation_id = "download_service_summary"
    )]
    async fn docx(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// The month, 2026-11.
        month: Query<String>,
    ) -> ApiResult<SummaryDocx> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let month = month_param(&month.0)?;
        let s = summary::summary(&self.state, &p, month, Utc::now()).await?;
        let code = s.figures.project_code.clone();
        let form = forms::summary_form(&s, &self.state.settings.company_name);
        let bytes = crate::documents::render_off_thread(form, self.state.settings.house()).await?;
        Ok(SummaryDocx::Ok(
            Binary(bytes),
            content_disposition(&format!("维护总结汇报表-{code}-{month}.docx")),
        ))
    }
}
