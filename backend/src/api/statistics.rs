//! 维护统计: a month's service figures by region, category and project, the three rates with
//! what each counts over what, the twelve months' trend, the tickets behind a figure, the
//! 维护统计汇总表 in Word and Excel, and its approval and archiving.
use chrono::{DateTime, Utc};
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::{Binary, Json},
};

use super::documents::content_disposition;
use super::types::{OneOf, StatisticFigures};
use super::{ApiTags, BearerAuth, actor};
use crate::domain::types::SystemType;
use crate::{
    domain::statistics::{Counts, Month, Rate},
    error::{ApiResult, AppError},
    service::service_desk::statistics::{self, Approval, Figure, Filter, Group, MonthStatistics, forms},
    state::AppState,
};

pub struct StatisticsApi {
    state: AppState,
}

impl StatisticsApi {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

/// A rate against its target of 1‰.
#[derive(Object)]
struct RateDto {
    /// What is counted.
    numerator: u64,
    /// What it is counted among.
    denominator: u64,
    /// Per thousand; none when the denominator is 0.
    #[oai(nullable)]
    per_mille: Option<f64>,
    /// At or above 1‰ (red).
    above_target: bool,
}

fn rate_dto(r: Rate) -> RateDto {
    RateDto {
        numerator: r.numerator,
        denominator: r.denominator,
        per_mille: r.per_mille,
        above_target: r.above_target,
    }
}

/// The figures of a project, a group or the whole.
#[derive(Object)]
pub(super) struct CountsDto {
    /// 维修故障: faults reported in the month.
    faults: u64,
    /// 维修次数: times an engineer arrived on site for them.
    site_visits: u64,
    /// Site visits per fault.
    #[oai(nullable)]
    visits_per_fault: Option<f64>,
    /// Faults whose response stopped or broke.
    responses: u64,
    /// Of them, past the response promise.
    responses_broken: u64,
    /// Mean response of those that stopped, minutes.
    #[oai(nullable)]
    mean_response_minutes: Option<f64>,
    /// Faults whose repair stopped or broke.
    repairs: u64,
    /// Of them, past the repair promise.
    repairs_broken: u64,
    /// Mean repair (arrived → repaired or replaced), hours.
    #[oai(nullable)]
    mean_repair_hours: Option<f64>,
    /// Spares taken out for them.
    spares_used: u64,
    /// Inspections due in the month.
    patrols_due: u64,
    /// Of them, made.
    patrols_done: u64,
    /// Of them, not made by the end of the month (while it runs, past their day).
    patrols_missed: u64,
    /// 回访 answered in the month.
    visits_answered: u64,
    /// Of them, with any 不满意.
    visits_unsatisfied: u64,
    /// Complaints made in them.
    complaints: u64,
    /// Service events: faults reported plus inspections due.
    service_events: u64,
    /// 服务投诉率 = complaints ÷ service events.
    complaint_rate: RateDto,
    /// 服务遗漏率 = (responses broken + inspections missed) ÷ service events.
    omission_rate: RateDto,
    /// 服务不满意率 = unsatisfied 回访 ÷ answered 回访.
    unsatisfied_rate: RateDto,
}

pub(super) fn counts_dto(c: &Counts) -> CountsDto {
    CountsDto {
        faults: c.faults,
        site_visits: c.site_visits,
        visits_per_fault: c.visits_per_fault(),
        responses: c.responses,
        responses_broken: c.responses_broken,
        mean_response_minutes: c.mean_response_minutes(),
        repairs: c.repairs,
        repairs_broken: c.repairs_broken,
        mean_repair_hours: c.mean_repair_hours(),
        spares_used: c.spares_used,
        patrols_due: c.patrols_due,
        patrols_done: c.patrols_done,
        patrols_missed: c.patrols_missed,
        visits_answered: c.visits_answered,
        visits_unsatisfied: c.visits_unsatisfied,
        complaints: c.complaints,
        service_events: c.service_events(),
        complaint_rate: rate_dto(c.complaint_rate()),
        omission_rate: rate_dto(c.omission_rate()),
        unsatisfied_rate: rate_dto(c.unsatisfied_rate()),
    }
}

/// One project's figures in one category.
#[derive(Object)]
struct StatisticsLineDto {
    /// 区域.
    region: String,
    /// 类别: a system type.
    category: String,
    /// The category in Chinese.
    category_label: String,
    /// Project id.
    project_id: i32,
    /// Project code.
    project_code: String,
    /// 工程名称.
    project_name: String,
    /// The figures.
    counts: CountsDto,
}

/// A sum: a region, a category or a month.
#[derive(Object)]
struct GroupDto {
    /// The region, the category's code or the month (2026-11).
    key: String,
    /// As printed.
    label: String,
    /// The figures.
    counts: CountsDto,
}

fn group_dto(g: &Group) -> GroupDto {
    GroupDto {
        key: g.key.clone(),
        label: g.label.clone(),
        counts: counts_dto(&g.counts),
    }
}

/// The general manager's approval and quality's archiving of a month's table.
#[derive(Object)]
struct ApprovalDto {
    /// Who approved (总经理).
    #[oai(nullable)]
    approved_by: Option<String>,
    /// When.
    #[oai(nullable)]
    approved_at: Option<DateTime<Utc>>,
    /// Who archived (质检部).
    #[oai(nullable)]
    archived_by: Option<String>,
    /// When.
    #[oai(nullable)]
    archived_at: Option<DateTime<Utc>>,
    /// The general manager's remarks.
    #[oai(nullable)]
    remarks: Option<String>,
}

fn approval_dto(a: Approval) -> ApprovalDto {
    ApprovalDto {
        approved_by: a.approved_by,
        approved_at: a.approved_at,
        archived_by: a.archived_by,
        archived_at: a.archived_at,
        remarks: a.remarks,
    }
}

/// A month's statistics.
#[derive(Object)]
struct MonthStatisticsDto {
    /// The month, 2026-11.
    month: String,
    /// Only this region.
    #[oai(nullable)]
    region: Option<String>,
    /// Only this category (system type).
    #[oai(nullable)]
    category: Option<String>,
    /// Per region, category and project.
    lines: Vec<StatisticsLineDto>,
    /// Sums by region.
    by_region: Vec<GroupDto>,
    /// Sums by category.
    by_category: Vec<GroupDto>,
    /// The whole.
    total: CountsDto,
    /// The twelve months ending with this one, oldest first.
    trend: Vec<GroupDto>,
    /// The company's table approved and archived (for the whole company, not a filter).
    #[oai(nullable)]
    approval: Option<ApprovalDto>,
}

fn statistics_dto(s: &MonthStatistics, approval: Option<Approval>) -> MonthStatisticsDto {
    MonthStatisticsDto {
        month: s.month.to_string(),
        region: s.filter.region.clone(),
        category: s.filter.category.clone(),
        lines: s
            .lines
            .iter()
            .map(|l| StatisticsLineDto {
                region: l.region.clone(),
                category: l.category.clone(),
                category_label: l.category_label.clone(),
                project_id: l.project_id,
                project_code: l.project_code.clone(),
                project_name: l.project_name.clone(),
                counts: counts_dto(&l.counts),
            })
            .collect(),
        by_region: s.by_region.iter().map(group_dto).collect(),
        by_category: s.by_category.iter().map(group_dto).collect(),
        total: counts_dto(&s.total),
        trend: s.trend.iter().map(group_dto).collect(),
        approval: approval.map(approval_dto),
    }
}

/// A ticket counted in a figure.
#[derive(Object)]
struct BehindTicketDto {
    /// Ticket id.
    id: i32,
    /// 报修单号.
    number: String,
    /// Project code.
    project_code: String,
    /// 工程名称.
    project_name: String,
    /// 区域.
    region: String,
    /// 类别.
    category_label: String,
    /// When it was reported.
    reported_at: DateTime<Utc>,
    /// The fault as reported.
    symptom: String,
    /// Where it stands.
    status_label: String,
    /// 维修次数.
    site_visits: i32,
    /// The response promise broke.
    response_broken: bool,
    /// The repair promise broke.
    repair_broken: bool,
}

/// An inspection counted in a figure.
#[derive(Object)]
struct BehindPatrolDto {
    /// Inspection id.
    id: i32,
    /// Project id.
    project_id: i32,
    /// Project code.
    project_code: String,
    /// 工程名称.
    project_name: String,
    /// When it was due.
    planned_on: chrono::NaiveDate,
    /// When it was made.
    #[oai(nullable)]
    done_on: Option<chrono::NaiveDate>,
}

/// What a figure counts (at most 500).
#[derive(Object)]
struct BehindDto {
    /// The month.
    month: String,
    /// The figure.
    figure: String,
    /// The tickets.
    tickets: Vec<BehindTicketDto>,
    /// The inspections (patrols_missed).
    patrols: Vec<BehindPatrolDto>,
}

/// The general manager's approval.
#[derive(Object)]
struct ApproveRequest {
    /// Remarks printed with the approval.
    #[oai(default)]
    remarks: Option<String>,
}

#[derive(ApiResponse)]
enum TableDocx {
    /// The 维护统计汇总表 as a .docx (草稿 across it until approved; approved, it prints the
    /// figures as approved).
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

#[derive(ApiResponse)]
enum TableXlsx {
    /// The month's figures as an Excel workbook.
    #[oai(
        status = 200,
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )]
    Ok(
        Binary<Vec<u8>>,
        /// `attachment` with the file's name.
        #[oai(header = "Content-Disposition")]
        String,
    ),
}

pub(super) fn month_param(text: &str) -> Result<Month, AppError> {
    Month::parse(text).ok_or_else(|| AppError::invalid("month", format!("month: '{text}' is not a month like 2026-11")))
}

#[OpenApi(tag = "ApiTags::ServiceDesk")]
impl StatisticsApi {
    /// A month's service statistics
    ///
    /// Over the projects the caller sees; by region, category (the fault's system type, else the
    /// project's first) and project; the three rates each with its numerator and denominator; the
    /// trend of the twelve months ending with it.
    #[oai(
        path = "/service/statistics",
        method = "get",
        operation_id = "get_service_statistics"
    )]
    async fn month(
        &self,
        auth: BearerAuth,
        /// The month, 2026-11.
        month: Query<String>,
        /// Only projects of this region.
        region: Query<Option<String>>,
        /// Only this system type.
        category: Query<Option<OneOf<SystemType>>>,
        /// Only this project.
        project_id: Query<Option<i32>>,
    ) -> ApiResult<Json<MonthStatisticsDto>> {
        let me = actor(&self.state, &auth).await?;
        let month = month_param(&month.0)?;
        let filter = Filter::parse(
            region.0.as_deref(),
            category.0.as_ref().map(|c| c.as_str()),
            project_id.0,
        )?;
        let s = statistics::month(&self.state, &me, month, &filter, Utc::now()).await?;
        let approval = statistics::approval(&self.state.db, month).await?;
        Ok(Json(statistics_dto(&s, approval)))
    }

    /// The tickets (or inspections) behind a figure of a month
    #[oai(
        path = "/service/statistics/behind",
        method = "get",
        operation_id = "get_service_statistics_behind"
    )]
    async fn behind(
        &self,
        auth: BearerAuth,
        /// The month, 2026-11.
        month: Query<String>,
        /// Which figure.
        figure: Query<OneOf<StatisticFigures>>,
        /// Only projects of this region.
        region: Query<Option<String>>,
        /// Only this system type.
        category: Query<Option<OneOf<SystemType>>>,
        /// Only this project.
        project_id: Query<Option<i32>>,
    ) -> ApiResult<Json<BehindDto>> {
        let me = actor(&self.state, &auth).await?;
        let month = month_param(&month.0)?;
        let figure = Figure::parse(&figure.0)?;
        let filter = Filter::parse(
            region.0.as_deref(),
            category.0.as_ref().map(|c| c.as_str()),
            project_id.0,
        )?;
        let b = statistics::behind(&self.state, &me, month, figure, &filter, Utc::now()).await?;
        Ok(Json(BehindDto {
            month: b.month.to_string(),
            figure: b.figure.key().into(),
            tickets: b
                .tickets
                .into_iter()
                .map(|t| BehindTicketDto {
                    id: t.id,
                    number: t.number,
                    project_code: t.project_code,
                    project_name: t.project_name,
                    region: t.region,
                    category_label: t.category_label,
                    reported_at: t.reported_at,
                    symptom: t.symptom,
                    status_label: t.status_label.into(),
                    site_visits: t.site_visits,
                    response_broken: t.response_broken,
                    repair_broken: t.repair_broken,
                })
                .collect(),
            patrols: b
                .patrols
                .into_iter()
                .map(|p| BehindPatrolDto {
                    id: p.id,
                    project_id: p.project_id,
                    project_code: p.project_code,
                    project_name: p.project_name,
                    planned_on: p.planned_on,
                    done_on: p.done_on,
                })
                .collect(),
        }))
    }

    /// The 维护统计汇总表 of a month (Word)
    ///
    /// The whole company's as approved once the general manager approved it; before, the figures
    /// as they stand, 草稿 across it. With a region or category: that part, as it stands.
    #[oai(
        path = "/service/statistics/table.docx",
        method = "get",
        operation_id = "download_service_statistics_docx"
    )]
    async fn docx(
        &self,
        auth: BearerAuth,
        /// The month, 2026-11.
        month: Query<String>,
        /// Only projects of this region.
        region: Query<Option<String>>,
        /// Only this system type.
        category: Query<Option<OneOf<SystemType>>>,
    ) -> ApiResult<TableDocx> {
        let me = actor(&self.state, &auth).await?;
        let month = month_param(&month.0)?;
        let filter = Filter::parse(region.0.as_deref(), category.0.as_ref().map(|c| c.as_str()), None)?;
        let form = statistics::table_form(&self.state, &me, month, &filter, Utc::now()).await?;
        let bytes = crate::documents::render_off_thread(form, self.state.settings.house()).await?;
        Ok(TableDocx::Ok(
            Binary(bytes),
            content_disposition(&format!("维护统计汇总表-{month}.docx")),
        ))
    }

    /// A month's figures as an Excel workbook
    #[oai(
        path = "/service/statistics/table.xlsx",
        method = "get",
        operation_id = "download_service_statistics_xlsx"
    )]
    async fn xlsx(
        &self,
        auth: BearerAuth,
        /// The month, 2026-11.
        month: Query<String>,
        /// Only projects of this region.
        region: Query<Option<String>>,
        /// Only this system type.
        category: Query<Option<OneOf<SystemType>>>,
    ) -> ApiResult<TableXlsx> {
        let me = actor(&self.state, &auth).await?;
        let month = month_param(&month.0)?;
        let filter = Filter::parse(region.0.as_deref(), category.0.as_ref().map(|c| c.as_str()), None)?;
        let s = statistics::month(&self.state, &me, month, &filter, Utc::now()).await?;
        let bytes =
            forms::workbook(&s).map_err(|e| AppError::Internal(anyhow::anyhow!("writing the workbook: {e}")))?;
        Ok(TableXlsx::Ok(
            Binary(bytes),
            content_disposition(&format!("维护统计-{month}.xlsx")),
        ))
    }

    /// Approve a month's table (the general manager: an administrator)
    ///
    /// Once the month has ended; the figures are kept as they stand now. 409 when approved
    /// already or the month runs.
    #[oai(
        path = "/service/statistics/:month/approve",
        method = "post",
        operation_id = "approve_service_statistics"
    )]
    async fn approve(
        &self,
        auth: BearerAuth,
        /// The month, 2026-11.
        month: Path<String>,
        body: Json<ApproveRequest>,
    ) -> ApiResult<Json<ApprovalDto>> {
        let me = actor(&self.state, &auth).await?;
        statistics::may_approve(&me)?;
        let month = month_param(&month.0)?;
        Ok(Json(approval_dto(
            statistics::approve(&self.state, &me, month, body.0.remarks, Utc::now()).await?,
        )))
    }

    /// Archive an approved month's table (quality: an administrator or a viewer)
    #[oai(
        path = "/service/statistics/:month/archive",
        method = "post",
        operation_id = "archive_service_statistics"
    )]
    async fn archive(
        &self,
        auth: BearerAuth,
        /// The month, 2026-11.
        month: Path<String>,
    ) -> ApiResult<Json<ApprovalDto>> {
        let me = actor(&self.state, &auth).await?;
        statistics::may_archive(&me)?;
        let month = month_param(&month.0)?;
        Ok(Json(approval_dto(
            statistics::archive(&self.state, &me, month, Utc::now()).await?,
        )))
    }
}
