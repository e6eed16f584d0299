//! 维护统计汇总 (1.3.9, 1.3.10): a month's faults, site visits, clocks, spares, inspections and
//! 回访 per project and category (the ticket's system type, else the project's first), summed by
//! region and category, with the three rates and their trend over the twelve months that end
//! with it; the tickets behind any figure; the general manager's approval that keeps the figures
//! as approved, and quality's archiving.
//!
//! The figures come from facts kept on the rows (`tickets::refresh`): one grouped query per
//! source over the twelve months, answered from the covering index.
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use entity::{patrol, project, return_visit, service_report, service_ticket, spare_loan, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::{Expr, ExprTrait, Query},
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{
    db::begin_write,
    domain::{
        statistics::{Counts, Month, patrol_missed},
        types::{Role, SystemType},
    },
    error::{AppError, AppResult},
    service::{
        Actor,
        access::{self, ReadAccess},
        audit,
        projects::{system_types, timezone_of},
    },
    state::AppState,
};

use super::tickets::{STATS_VERSION, refresh};

pub mod forms;
pub mod month_counts;
pub mod summary;

/// How many months the trend shows, ending with the month asked for.
pub const TREND_MONTHS: i32 = 12;

/// Which part of the company a statistic covers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    /// 区域, as written on the projects.
    pub region: Option<String>,
    /// 类别: a system type's code.
    pub category: Option<String>,
    pub project: Option<i32>,
}

impl Filter {
    pub fn parse(region: Option<&str>, category: Option<&str>, project: Option<i32>) -> AppResult<Self> {
        let category = category
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| SystemType::parse_any(c).map(|t| t.as_str().to_string()))
            .transpose()?;
        Ok(Filter {
            region: region.map(str::trim).filter(|r| !r.is_empty()).map(str::to_string),
            category,
            project,
        })
    }

    fn keeps_project(&self, p: &project::Model) -> bool {
        self.region.as_ref().is_none_or(|r| region_of(p) == *r) && self.project.is_none_or(|id| id == p.id)
    }

    fn keeps_category(&self, category: &str) -> bool {
        self.category.as_ref().is_none_or(|c| c == category)
    }
}

/// The visible projects a filter keeps, by id.
fn kept<'a>(visible: &'a [ReadAccess], filter: &Filter) -> HashMap<i32, &'a project::Model> {
    visible
        .iter()
        .map(|g| g.project())
        .filter(|p| filter.keeps_project(p))
        .map(|p| (p.id, p))
        .collect()
}

/// A project's 区域, 未设区域 when none is written.
pub fn region_of(p: &project::Model) -> String {
    let r = p.region.trim();
    if r.is_empty() {
        "未设区域".into()
    } else {
        r.to_string()
    }
}

/// The category a project's inspections and its untyped faults count under: its first system type.
fn primary_category(p: &project::Model) -> String {
    system_types(p)
        .into_iter()
        .next()
        .unwrap_or_else(|| SystemType::Other.as_str().to_string())
}

fn category_label(code: &str) -> String {
    SystemType::parse(code)
        .map(|t| t.label_zh().to_string())
        .unwrap_or_else(|_| code.to_string())
}

/// One project's figures in one category.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Line {
    pub region: String,
    pub category: String,
    pub category_label: String,
    pub project_id: i32,
    pub project_code: String,
    pub project_name: String,
    pub counts: Counts,
}

/// A sum under a name (a region, a category, a month).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Group {
    pub key: String,
    pub label: String,
    pub counts: Counts,
}

/// A category's faults in each month of the trend.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CategoryTrend {
    pub key: String,
    pub label: String,
    pub faults: Vec<u64>,
}

/// A month's statistics over the projects the actor sees, narrowed by a filter.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MonthStatistics {
    pub month: Month,
    pub filter: Filter,
    /// By region, category, project.
    pub lines: Vec<Line>,
    pub by_region: Vec<Group>,
    pub by_category: Vec<Group>,
    pub total: Counts,
    /// The twelve months ending with this one, oldest first.
    pub trend: Vec<Group>,
    /// Faults per month of the trend, by category.
    pub fault_trend: Vec<CategoryTrend>,
    /// When the figures were read.
    pub as_of: DateTime<Utc>,
}

/// The months a period's counts are kept for, by (month, project, category).
type Cells = HashMap<(Month, i32, String), Counts>;

/// The counts of `first..=last` for the projects given (by id): the kept sums, resolved to each
/// project's first type where a fault has none, and the inspections counted as of `today`.
async fn cells(
    db: &impl ConnectionTrait,
    projects: &HashMap<i32, &project::Model>,
    only: Option<Vec<i32>>,
    first: Month,
    last: Month,
    today: chrono::NaiveDate,
) -> AppResult<Cells> {
    let mut cells = Cells::new();
    for ((month, project_id, system_type), counts) in month_counts::read(db, only.as_deref(), first, last).await? {
        let Some(project) = projects.get(&project_id) else {
            continue;
        };
        let category = if system_type.is_empty() {
            primary_category(project)
        } else {
            system_type
        };
        let Some(month) = Month::from_key(month) else {
            continue;
        };
        *cells.entry((month, project_id, category)).or_default() += counts;
    }
    // Inspections due in the months: a few per project and half-year.
    let mut find = patrol::Entity::find().filter(patrol::Column::PlannedOn.between(first.first_day(), last.last_day()));
    if let Some(ids) = &only {
        find = find.filter(patrol::Column::ProjectId.is_in(ids.clone()));
    }
    for visit in find.all(db).await? {
        let Some(project) = projects.get(&visit.project_id) else {
            continue;
        };
        let c = cells
            .entry((Month::of(visit.planned_on), visit.project_id, primary_category(project)))
            .or_default();
        c.patrols_due += 1;
        c.patrols_done += u64::from(visit.done_on.is_some());
        c.patrols_missed += u64::from(patrol_missed(visit.planned_on, visit.done_on, today));
    }
    Ok(cells)
}

/// The month's statistics over what the actor sees (an administrator or a viewer: every
/// project; a PM or an engineer: their own).
#[tracing::instrument(skip_all, fields(month = %month))]
pub async fn month(
    state: &AppState,
    actor: &Actor,
    month: Month,
    filter: &Filter,
    now: DateTime<Utc>,
) -> AppResult<MonthStatistics> {
    let visible = access::readable(&state.db, actor).await?;
    month_of(&state.db, state.settings.timezone, &visible, month, filter, now).await
}

async fn month_of(
    db: &impl ConnectionTrait,
    tz: Tz,
    visible: &[ReadAccess],
    month: Month,
    filter: &Filter,
    now: DateTime<Utc>,
) -> AppResult<MonthStatistics> {
    let today = now.with_timezone(&tz).date_naive();
    if month > Month::of(today) {
        return Err(AppError::invalid("month", format!("month: {month} has not begun yet")));
    }
    let kept = kept(visible, filter);
    // Every project visible and no narrowing: no list of ids to send.
    let only = (kept.len() != visible.len() || filter.project.is_some()).then(|| kept.keys().copied().collect());
    let first = month.plus(1 - TREND_MONTHS);
    let cells = cells(db, &kept, only, first, month, today).await?;
    let mut trend: BTreeMap<Month, Counts> = first.through(month).map(|m| (m, Counts::default())).collect();
    let mut lines: BTreeMap<(String, String, String), Line> = BTreeMap::new();
    let mut faults: BTreeMap<String, BTreeMap<Month, u64>> = BTreeMap::new();
    for ((m, project_id, category), counts) in cells {
        if !filter.keeps_category(&category) {
            continue;
        }
        let Some(project) = kept.get(&project_id) else { continue };
        *trend.entry(m).or_default() += counts;
        if counts.faults > 0 {
            *faults.entry(category.clone()).or_default().entry(m).or_default() += counts.faults;
        }
        if m != month {
            continue;
        }
        let region = region_of(project);
        lines
            .entry((region.clone(), category.clone(), project.code.clone()))
            .or_insert_with(|| Line {
                region,
                category_label: category_label(&category),
                category,
                project_id,
                project_code: project.code.clone(),
                project_name: project.name.clone(),
                counts: Counts::default(),
            })
            .counts += counts;
    }
    let lines: Vec<Line> = lines.into_values().collect();
    let group = |key: &dyn Fn(&Line) -> String, label: &dyn Fn(&str) -> String| {
        let mut groups: BTreeMap<String, Counts> = BTreeMap::new();
        for l in &lines {
            *groups.entry(key(l)).or_default() += l.counts;
        }
        groups
            .into_iter()
            .map(|(k, counts)| Group {
                label: label(&k),
                key: k,
                counts,
            })
            .collect::<Vec<_>>()
    };
    let by_region = group(&|l| l.region.clone(), &|k| k.to_string());
    let by_category = group(&|l| l.category.clone(), &category_label);
    let mut total = Counts::default();
    for l in &lines {
        total += l.counts;
    }
    let fault_trend = faults
        .into_iter()
        .map(|(key, by_month)| CategoryTrend {
            label: category_label(&key),
            faults: trend.keys().map(|m| by_month.get(m).copied().unwrap_or(0)).collect(),
            key,
        })
        .collect();
    Ok(MonthStatistics {
        month,
        filter: filter.clone(),
        fault_trend,
        lines,
        by_region,
        by_category,
        total,
        trend: trend
            .into_iter()
            .map(|(m, counts)| Group {
                key: m.to_string(),
                label: format!("{}月", m.month()),
                counts,
            })
            .collect(),
        as_of: now,
    })
}

/// A figure whose tickets (or inspections) can be listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Figure {
    Faults,
    ResponseBroken,
    RepairBroken,
    SparesUsed,
    Complaints,
    Unsatisfied,
    PatrolsMissed,
}

impl Figure {
    pub const ALL: [Figure; 7] = [
        Figure::Faults,
        Figure::ResponseBroken,
        Figure::RepairBroken,
        Figure::SparesUsed,
        Figure::Complaints,
        Figure::Unsatisfied,
        Figure::PatrolsMissed,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Figure::Faults => "faults",
            Figure::ResponseBroken => "response_broken",
            Figure::RepairBroken => "repair_broken",
            Figure::SparesUsed => "spares_used",
            Figure::Complaints => "complaints",
            Figure::Unsatisfied => "unsatisfied",
            Figure::PatrolsMissed => "patrols_missed",
        }
    }

    pub fn parse(text: &str) -> AppResult<Self> {
        Self::ALL.into_iter().find(|f| f.key() == text.trim()).ok_or_else(|| {
            AppError::invalid(
                "figure",
                format!(
                    "figure: '{text}' is not one of {}",
                    Self::ALL.map(Figure::key).join(", ")
                ),
            )
        })
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Figure::Faults => "维修故障",
            Figure::ResponseBroken => "响应超时",
            Figure::RepairBroken => "修复超时",
            Figure::SparesUsed => "使用备件",
            Figure::Complaints => "投诉",
            Figure::Unsatisfied => "不满意回访",
            Figure::PatrolsMissed => "遗漏巡检",
        }
    }
}

/// A ticket behind a figure.
#[derive(Debug, Clone, Serialize)]
pub struct TicketLine {
    pub id: i32,
    pub number: String,
    pub project_code: String,
    pub project_name: String,
    pub region: String,
    pub category_label: String,
    pub reported_at: DateTime<Utc>,
    pub symptom: String,
    pub status_label: &'static str,
    pub site_visits: i32,
    pub response_broken: bool,
    pub repair_broken: bool,
}

/// An inspection behind a figure.
#[derive(Debug, Clone, Serialize)]
pub struct PatrolLine {
    pub id: i32,
    pub project_id: i32,
    pub project_code: String,
    pub project_name: String,
    pub planned_on: chrono::NaiveDate,
    pub done_on: Option<chrono::NaiveDate>,
}

/// What a figure of a month counts, one by one.
#[derive(Debug, Clone, Serialize)]
pub struct Behind {
    pub month: Month,
    pub figure: Figure,
    pub filter: Filter,
    pub tickets: Vec<TicketLine>,
    pub patrols: Vec<PatrolLine>,
}

/// How many a drill-down lists at most.
const BEHIND_LIMIT: u64 = 500;

/// The tickets (or inspections) counted in a figure of a month.
#[tracing::instrument(skip_all, fields(month = %month, figure = figure.key()))]
pub async fn behind(
    state: &AppState,
    actor: &Actor,
    month: Month,
    figure: Figure,
    filter: &Filter,
    now: DateTime<Utc>,
) -> AppResult<Behind> {
    let db = &state.db;
    let visible = access::readable(db, actor).await?;
    let kept = kept(&visible, filter);
    let ids: Vec<i32> = kept.keys().copied().collect();
    let today = now.with_timezone(&state.settings.timezone).date_naive();
    let in_category = |project_id: i32, stored: Option<SystemType>| {
        let category = stored
            .map(|t| t.as_str().to_string())
            .or_else(|| kept.get(&project_id).map(|p| primary_category(p)));
        category.filter(|c| filter.keeps_category(c))
    };
    let mut out = Behind {
        month,
        figure,
        filter: filter.clone(),
        tickets: Vec::new(),
        patrols: Vec::new(),
    };
    if figure == Figure::PatrolsMissed {
        let visits = patrol::Entity::find()
            .filter(patrol::Column::PlannedOn.between(month.first_day(), month.last_day()))
            .filter(patrol::Column::ProjectId.is_in(ids))
            .order_by_asc(patrol::Column::PlannedOn)
            .all(db)
            .await?;
        for v in visits {
            let Some(project) = kept.get(&v.project_id) else {
                continue;
            };
            if !patrol_missed(v.planned_on, v.done_on, today) || !filter.keeps_category(&primary_category(project)) {
                continue;
            }
            out.patrols.push(PatrolLine {
                id: v.id,
                project_id: v.project_id,
                project_code: project.code.clone(),
                project_name: project.name.clone(),
                planned_on: v.planned_on,
                done_on: v.done_on,
            });
        }
        return Ok(out);
    }
    let mut find = service_ticket::Entity::find().filter(service_ticket::Column::ProjectId.is_in(ids));
    find = match figure {
        Figure::Complaints | Figure::Unsatisfied => {
            let mut visits = Query::select();
            visits
                .column(return_visit::Column::TicketId)
                .from(return_visit::Entity)
                .and_where(return_visit::Column::AnsweredMonth.eq(month.key()));
            if figure == Figure::Complaints {
                visits.and_where(return_visit::Column::Complaint.eq(true));
            } else {
                let unhappy = [
                    return_visit::Column::Response,
                    return_visit::Column::Attitude,
                    return_visit::Column::Quality,
                    return_visit::Column::Overall,
                ]
                .into_iter()
                .fold(Expr::value(false), |any, c| any.or(Expr::col(c).eq("unsatisfied")));
                visits.and_where(unhappy);
            }
            find.filter(service_ticket::Column::Id.in_subquery(visits))
        }
        _ => {
            let find = find.filter(service_ticket::Column::ReportedMonth.eq(month.key()));
            match figure {
                Figure::ResponseBroken => find.filter(service_ticket::Column::ResponseBroken.eq(true)),
                Figure::RepairBroken => find.filter(service_ticket::Column::RepairBroken.eq(true)),
                Figure::SparesUsed => find.filter(
                    service_ticket::Column::Id.in_subquery(
                        Query::select()
                            .column(spare_loan::Column::TicketId)
                            .from(spare_loan::Entity)
                            .and_where(spare_loan::Column::CheckedOutAt.is_not_null())
                            .to_owned(),
                    ),
                ),
                _ => find,
            }
        }
    };
    let rows = find
        .order_by_asc(service_ticket::Column::ReportedAt)
        .limit(BEHIND_LIMIT)
        .all(db)
        .await?;
    for t in rows {
        let Some(category) = in_category(t.project_id, t.system_type) else {
            continue;
        };
        let Some(project) = kept.get(&t.project_id) else {
            continue;
        };
        out.tickets.push(TicketLine {
            id: t.id,
            number: t.number.clone().unwrap_or_default(),
            project_code: project.code.clone(),
            project_name: project.name.clone(),
            region: region_of(project),
            category_label: category_label(&category),
            reported_at: t.reported_at,
            symptom: t.symptom,
            status_label: t.status.label_zh(),
            site_visits: t.site_visits,
            response_broken: t.response_broken,
            repair_broken: t.repair_broken,
        });
    }
    Ok(out)
}

/// The kind of the company's monthly table among the stored reports.
const MONTHLY: &str = "monthly_statistics";
const ALL: &str = "all";

/// Who approved and archived a month's table, and its figures as approved.
#[derive(Debug, Clone, Serialize)]
pub struct Approval {
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub archived_by: Option<String>,
    pub archived_at: Option<DateTime<Utc>>,
    pub remarks: Option<String>,
}

async fn name_of(db: &impl ConnectionTrait, id: Option<i32>) -> AppResult<Option<String>> {
    let Some(id) = id else { return Ok(None) };
    Ok(user::Entity::find_by_id(id).one(db).await?.map(|u| u.display_name))
}

async fn stored(db: &impl ConnectionTrait, month: Month) -> AppResult<Option<service_report::Model>> {
    Ok(service_report::Entity::find()
        .filter(service_report::Column::Kind.eq(MONTHLY))
        .filter(service_report::Column::Period.eq(month.to_string()))
        .filter(service_report::Column::Scope.eq(ALL))
        .one(db)
        .await?)
}

/// The month's approval, if the general manager has approved it.
pub async fn approval(db: &impl ConnectionTrait, month: Month) -> AppResult<Option<Approval>> {
    match stored(db, month).await? {
        Some(r) => Ok(Some(approval_of(db, &r).await?)),
        None => Ok(None),
    }
}

async fn approval_of(db: &impl ConnectionTrait, r: &service_report::Model) -> AppResult<Approval> {
    Ok(Approval {
        approved_by: name_of(db, r.approved_by).await?,
        approved_at: r.approved_at,
        archived_by: name_of(db, r.archived_by).await?,
        archived_at: r.archived_at,
        remarks: r.remarks.clone(),
    })
}

/// Only the general manager (an administrator's account) approves the monthly table.
pub fn may_approve(actor: &Actor) -> AppResult<()> {
    if actor.role != Role::Admin {
        return Err(AppError::Forbidden(
            "the general manager approves the monthly table: an administrator's account".into(),
        ));
    }
    Ok(())
}

/// Only quality (an administrator's or a viewer's account) archives it.
pub fn may_archive(actor: &Actor) -> AppResult<()> {
    if !matches!(actor.role, Role::Admin | Role::Viewer) {
        return Err(AppError::Forbidden(
            "the quality department archives the monthly tables and summaries: an administrator's or a viewer's account".into(),
        ));
    }
    Ok(())
}

/// The general manager (an administrator) approves the company's table of a month that has
/// ended: its figures are kept as they stand now.
#[tracing::instrument(skip_all, fields(month = %month))]
pub async fn approve(
    state: &AppState,
    actor: &Actor,
    month: Month,
    remarks: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<Approval> {
    may_approve(actor)?;
    let today = now.with_timezone(&state.settings.timezone).date_naive();
    if month >= Month::of(today) {
        return Err(AppError::Conflict(format!(
            "{month} has not ended yet: its table is approved once the month is over"
        )));
    }
    let remarks = crate::domain::types::optional_text("remarks", remarks.as_deref(), 2000)?;
    let txn = begin_write(&state.db).await?;
    if stored(&txn, month).await?.is_some() {
        return Err(AppError::Conflict(format!("the table of {month} is approved already")));
    }
    let visible = access::readable(&txn, actor).await?;
    let figures = month_of(&txn, state.settings.timezone, &visible, month, &Filter::default(), now).await?;
    service_report::ActiveModel {
        kind: Set(MONTHLY.into()),
        period: Set(month.to_string()),
        project_id: Set(None),
        scope: Set(ALL.into()),
        figures: Set(serde_json::to_string(&figures).map_err(|e| AppError::Internal(e.into()))?),
        remarks: Set(remarks),
        approved_by: Set(actor.id),
        approved_at: Set(Some(now)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        actor,
        audit::Event {
            project_id: None,
            event: "service_statistics.approved",
            subject: format!("month:{month}"),
            detail: json!({ "faults": figures.total.faults }),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    approval(&state.db, month)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the approval just stored is gone")))
}

/// Quality (an administrator or a viewer: the quality department reads every project) archives
/// an approved table.
#[tracing::instrument(skip_all, fields(month = %month))]
pub async fn archive(state: &AppState, actor: &Actor, month: Month, now: DateTime<Utc>) -> AppResult<Approval> {
    may_archive(actor)?;
    let txn = begin_write(&state.db).await?;
    let Some(r) = stored(&txn, month).await? else {
        return Err(AppError::Conflict(format!(
            "the table of {month} is not approved yet: the general manager approves it first"
        )));
    };
    if r.archived_at.is_some() {
        return Err(AppError::Conflict(format!("the table of {month} is archived already")));
    }
    let mut active: service_report::ActiveModel = r.into();
    active.archived_by = Set(actor.id);
    active.archived_at = Set(Some(now));
    active.update(&txn).await?;
    audit::append(
        &txn,
        actor,
        audit::Event {
            project_id: None,
            event: "service_statistics.archived",
            subject: format!("month:{month}"),
            detail: json!({}),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    approval(&state.db, month)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the approval just stored is gone")))
}

/// Fills the statistics facts of tickets written before they existed (or under an older rule),
/// and the month of 回访 answered before it was kept. Runs at start; a few hundred rows a round.
pub async fn fill_facts(db: &sea_orm::DatabaseConnection, now: DateTime<Utc>) -> AppResult<u64> {
    let mut filled = 0;
    loop {
        let rows = service_ticket::Entity::find()
            .filter(service_ticket::Column::StatsVersion.lt(STATS_VERSION))
            .order_by_asc(service_ticket::Column::Id)
            .limit(200)
            .all(db)
            .await?;
        if rows.is_empty() {
            break;
        }
        let txn = begin_write(db).await?;
        let mut projects: HashMap<i32, (project::Model, crate::domain::plan::ServicePolicy)> = HashMap::new();
        for row in rows {
            if !projects.contains_key(&row.project_id) {
                let Some(p) = project::Entity::find_by_id(row.project_id).one(&txn).await? else {
                    continue;
                };
                let policy = super::policy_of(&txn, &p).await?;
                projects.insert(p.id, (p, policy));
            }
            let Some((project, policy)) = projects.get(&row.project_id) else {
                continue;
            };
            // The row as it was: only the facts change.
            let updated_at = row.updated_at;
            let row = refresh(&txn, project, row, policy, now).await?;
            let mut active: service_ticket::ActiveModel = row.into();
            active.updated_at = Set(updated_at);
            active.update(&txn).await?;
            filled += 1;
        }
        txn.commit().await?;
    }
    let answered = return_visit::Entity::find()
        .filter(return_visit::Column::AnsweredAt.is_not_null())
        .filter(return_visit::Column::AnsweredMonth.is_null())
        .find_also_related(service_ticket::Entity)
        .all(db)
        .await?;
    for (visit, ticket) in answered {
        let (Some(at), Some(ticket)) = (visit.answered_at, ticket) else {
            continue;
        };
        let Some(p) = project::Entity::find_by_id(ticket.project_id).one(db).await? else {
            continue;
        };
        let mut active: return_visit::ActiveModel = visit.into();
        active.answered_month = Set(Some(Month::of(at.with_timezone(&timezone_of(&p)).date_naive()).key()));
        active.update(db).await?;
        filled += 1;
    }
    if month_counts::missing(db).await? {
        let txn = begin_write(db).await?;
        let sums = month_counts::rebuild(&txn).await?;
        txn.commit().await?;
        tracing::info!(sums, "counted the service statistics' monthly sums");
    }
    Ok(filled)
}

/// The 维护统计汇总表 to print: the company's table as approved once it is, else (or for a part
/// of the company) the figures as they stand now, as a draft.
pub async fn table_form(
    state: &AppState,
    actor: &Actor,
    month: Month,
    filter: &Filter,
    now: DateTime<Utc>,
) -> AppResult<crate::documents::Form> {
    let whole = *filter == Filter::default() && matches!(actor.role, Role::Admin | Role::Viewer);
    let stored = if whole { stored(&state.db, month).await? } else { None };
    // The figures as approved; a table whose stored figures no longer read prints live, as a draft.
    let approved = stored
        .as_ref()
        .and_then(|r| serde_json::from_str::<MonthStatistics>(&r.figures).ok().map(|f| (r, f)));
    let (figures, approval) = match approved {
        Some((r, figures)) => (figures, Some(approval_of(&state.db, r).await?)),
        None => (self::month(state, actor, month, filter, now).await?, None),
    };
    Ok(forms::monthly_form(
        &figures,
        approval.as_ref(),
        &state.settings.company_name,
    ))
}
