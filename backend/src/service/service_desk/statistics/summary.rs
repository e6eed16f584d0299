//! 维护总结汇报表 (1.3.9): a PM's month on one project — its figures (faults, 维修次数, the clocks,
//! spares, inspections, 回访), its faults by cause (the 故障类别 of their service orders), what
//! failed again (the same unit, or the same device as written, at least twice in three months,
//! once in this one), every fault with its cause and remedy — and the PM's analysis of why
//! faults recurred (分析事故多发原因) and the measures proposed (提交处理方法). The PM writes and
//! submits it once the month has ended (its figures are kept as submitted); quality archives it.
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use entity::{service_order, service_report, service_ticket};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{may_archive, name_of, region_of};
use crate::{
    db::begin_write,
    domain::{
        statistics::{Counts, FaultOn, Month, RECURRENCE_MONTHS, recurring},
        types::{FaultCause, optional_text},
    },
    error::{AppError, AppResult},
    service::{
        access::{Granted, Manage, MayRead},
        audit,
        projects::timezone_of,
    },
    state::AppState,
};

/// The kind of a PM's monthly summary among the stored reports.
const KIND: &str = "monthly_summary";

fn scope(project_id: i32) -> String {
    format!("project:{project_id}")
}

/// The faults of one cause.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CauseLine {
    /// A 故障类别's code, or `unclassified` (no service order, or one filled before it was asked).
    pub key: String,
    pub label: String,
    pub faults: u64,
    /// Of the month's faults, as a percentage to one decimal.
    pub share: String,
}

/// A fault of the month with what its service order says.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FaultLine {
    pub id: i32,
    pub number: String,
    pub reported_at: DateTime<Utc>,
    /// `11-03 09:40`, on the site's clock.
    pub reported_local: String,
    pub device: String,
    pub symptom: String,
    pub cause_label: String,
    pub cause: String,
    pub remedy: String,
    pub site_visits: i32,
    pub response_broken: bool,
    pub repair_broken: bool,
}

/// A unit or device that failed again.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Recurrence {
    /// The device as the last card wrote it.
    pub what: String,
    pub faults: usize,
    pub ticket_ids: Vec<i32>,
    pub numbers: Vec<String>,
}

/// The figures of a PM's month.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SummaryFigures {
    pub month: Month,
    pub project_id: i32,
    pub project_code: String,
    pub project_name: String,
    pub region: String,
    pub counts: Counts,
    pub by_cause: Vec<CauseLine>,
    pub recurring: Vec<Recurrence>,
    pub faults: Vec<FaultLine>,
}

/// A PM's summary: the figures (as submitted once it is), what the PM wrote, who submitted and
/// who archived it.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub figures: SummaryFigures,
    pub analysis: Option<String>,
    pub measures: Option<String>,
    pub submitted_by: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub archived_by: Option<String>,
    pub archived_at: Option<DateTime<Utc>>,
}

const UNCLASSIFIED: &str = "unclassified";

async fn stored(db: &impl ConnectionTrait, project_id: i32, month: Month) -> AppResult<Option<service_report::Model>> {
    Ok(service_report::Entity::find()
        .filter(service_report::Column::Kind.eq(KIND))
        .filter(service_report::Column::Period.eq(month.to_string()))
        .filter(service_report::Column::Scope.eq(scope(project_id)))
        .one(db)
        .await?)
}

/// The month's figures for the project as they stand.
async fn figures(
    db: &impl ConnectionTrait,
    p: &Granted<impl MayRead>,
    month: Month,
    now: DateTime<Utc>,
) -> AppResult<SummaryFigures> {
    let project = p.project();
    let tz = timezone_of(project);
    let today = now.with_timezone(&tz).date_naive();
    let projects = HashMap::from([(project.id, project)]);
    let mut counts = Counts::default();
    for (_, c) in super::cells(db, &projects, Some(vec![project.id]), month, month, today).await? {
        counts += c;
    }
    // The faults of the months a recurrence looks back over; those of this month listed.
    let first = month.plus(1 - RECURRENCE_MONTHS);
    let tickets = service_ticket::Entity::find()
        .filter(service_ticket::Column::ProjectId.eq(project.id))
        .filter(service_ticket::Column::ReportedMonth.between(first.key(), month.key()))
        .order_by_asc(service_ticket::Column::ReportedAt)
        .all(db)
        .await?;
    let orders: HashMap<i32, service_order::Model> = service_order::Entity::find()
        .filter(service_order::Column::TicketId.is_in(tickets.iter().map(|t| t.id).collect::<Vec<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.ticket_id, o))
        .collect();
    let number = |t: &service_ticket::Model| t.number.clone().unwrap_or_else(|| format!("工单 {}", t.id));
    let mut faults = Vec::new();
    let mut causes: BTreeMap<usize, (String, String, u64)> = BTreeMap::new();
    for t in tickets.iter().filter(|t| t.reported_month == month.key()) {
        let order = orders.get(&t.id);
        let category = order.and_then(|o| o.cause_category);
        // Listed in the categories' order, unclassified last.
        let rank = category.map_or(FaultCause::ALL.len(), |c| {
            FaultCause::ALL.iter().position(|x| *x == c).unwrap_or(0)
        });
        let (key, label) = match category {
            Some(c) => (c.as_str().to_string(), c.label_zh().to_string()),
            None => (UNCLASSIFIED.to_string(), "未分类".to_string()),
        };
        causes.entry(rank).or_insert((key, label.clone(), 0)).2 += 1;
        faults.push(FaultLine {
            id: t.id,
            number: number(t),
            reported_at: t.reported_at,
            reported_local: t.reported_at.with_timezone(&tz).format("%m-%d %H:%M").to_string(),
            device: t.device.clone().unwrap_or_default(),
            symptom: t.symptom.clone(),
            cause_label: label,
            cause: order.map(|o| o.cause.clone()).unwrap_or_default(),
            remedy: order.map(|o| o.remedy.clone()).unwrap_or_default(),
            site_visits: t.site_visits,
            response_broken: t.response_broken,
            repair_broken: t.repair_broken,
        });
    }
    let total = faults.len() as u64;
    let mut by_cause: Vec<CauseLine> = causes
        .into_values()
        .map(|(key, label, n)| CauseLine {
            key,
            label,
            faults: n,
            share: format!("{:.1}%", n as f64 * 100.0 / total.max(1) as f64),
        })
        .collect();
    // The most frequent first (分析事故多发原因); ties in the categories' order.
    by_cause.sort_by_key(|l| std::cmp::Reverse(l.faults));
    let on: Vec<FaultOn> = tickets
        .iter()
        .filter_map(|t| {
            Some(FaultOn {
                ticket: t.id,
                unit_id: t.unit_id,
                device: t.device.clone(),
                month: Month::from_key(t.reported_month)?,
            })
        })
        .collect();
    let by_id: HashMap<i32, &service_ticket::Model> = tickets.iter().map(|t| (t.id, t)).collect();
    let recurring = recurring(&on, month)
        .into_iter()
        .map(|ids| {
            let rows: Vec<&service_ticket::Model> = ids.iter().filter_map(|id| by_id.get(id).copied()).collect();
            let what = rows
                .iter()
                .rev()
                .find_map(|t| t.device.clone().filter(|d| !d.trim().is_empty()))
                .or_else(|| rows.last().and_then(|t| t.unit_id).map(|u| format!("设备单元 {u}")))
                .unwrap_or_default();
            Recurrence {
                what,
                faults: rows.len(),
                numbers: rows.iter().map(|t| number(t)).collect(),
                ticket_ids: ids,
            }
        })
        .collect();
    Ok(SummaryFigures {
        month,
        project_id: project.id,
        project_code: project.code.clone(),
        project_name: project.name.clone(),
        region: region_of(project),
        counts,
        by_cause,
        recurring,
        faults,
    })
}

fn not_begun(month: Month, now: DateTime<Utc>, p: &Granted<impl MayRead>) -> AppResult<()> {
    let today = now.with_timezone(&timezone_of(p.project())).date_naive();
    if month > Month::of(today) {
        return Err(AppError::invalid("month", format!("month: {month} has not begun yet")));
    }
    Ok(())
}

async fn summary_of(
    db: &impl ConnectionTrait,
    p: &Granted<impl MayRead>,
    month: Month,
    now: DateTime<Utc>,
) -> AppResult<Summary> {
    let row = stored(db, p.project().id, month).await?;
    let kept = row
        .as_ref()
        .filter(|r| r.approved_at.is_some())
        .and_then(|r| serde_json::from_str::<SummaryFigures>(&r.figures).ok());
    let figures = match kept {
        Some(f) => f,
        None => figures(db, p, month, now).await?,
    };
    Ok(Summary {
        figures,
        analysis: row.as_ref().and_then(|r| r.analysis.clone()),
        measures: row.as_ref().and_then(|r| r.measures.clone()),
        submitted_by: name_of(db, row.as_ref().and_then(|r| r.approved_by)).await?,
        submitted_at: row.as_ref().and_then(|r| r.approved_at),
        archived_by: name_of(db, row.as_ref().and_then(|r| r.archived_by)).await?,
        archived_at: row.as_ref().and_then(|r| r.archived_at),
    })
}

/// The project's summary of a month: as submitted once it is, else the figures as they stand
/// with what the PM has written so far.
#[tracing::instrument(skip_all, fields(project_id = p.project().id, month = %month))]
pub async fn summary(
    state: &AppState,
    p: &Granted<impl MayRead>,
    month: Month,
    now: DateTime<Utc>,
) -> AppResult<Summary> {
    not_begun(month, now, p)?;
    summary_of(&state.db, p, month, now).await
}

/// What the PM writes.
#[derive(Debug, Clone, Default)]
pub struct SummaryInput {
    pub analysis: Option<String>,
    pub measures: Option<String>,
}

/// Keeps what the PM wrote (a draft, until submitted).
#[tracing::instrument(skip_all, fields(project_id = p.project().id, month = %month))]
pub async fn save(
    state: &AppState,
    p: &Granted<Manage>,
    month: Month,
    input: SummaryInput,
    now: DateTime<Utc>,
) -> AppResult<Summary> {
    not_begun(month, now, p)?;
    let analysis = optional_text("analysis", input.analysis.as_deref(), 4000)?;
    let measures = optional_text("measures", input.measures.as_deref(), 4000)?;
    let txn = begin_write(&state.db).await?;
    let project_id = p.project().id;
    match stored(&txn, project_id, month).await? {
        Some(r) if r.approved_at.is_some() => {
            return Err(AppError::Conflict(format!(
                "the summary of {month} is submitted already; it cannot change"
            )));
        }
        Some(r) => {
            let mut active: service_report::ActiveModel = r.into();
            active.analysis = Set(analysis);
            active.measures = Set(measures);
            active.update(&txn).await?;
        }
        None => {
            service_report::ActiveModel {
                kind: Set(KIND.into()),
                period: Set(month.to_string()),
                project_id: Set(Some(project_id)),
                scope: Set(scope(project_id)),
                // Kept when it is submitted.
                figures: Set(String::new()),
                analysis: Set(analysis),
                measures: Set(measures),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }
    txn.commit().await?;
    summary_of(&state.db, p, month, now).await
}

/// The PM submits the summary of a month that has ended, its analysis and measures written:
/// its figures are kept as they stand.
#[tracing::instrument(skip_all, fields(project_id = p.project().id, month = %month))]
pub async fn submit(state: &AppState, p: &Granted<Manage>, month: Month, now: DateTime<Utc>) -> AppResult<Summary> {
    let today = now.with_timezone(&timezone_of(p.project())).date_naive();
    if month >= Month::of(today) {
        return Err(AppError::Conflict(format!(
            "{month} has not ended yet: its summary is submitted once the month is over"
        )));
    }
    let txn = begin_write(&state.db).await?;
    let project_id = p.project().id;
    let row = stored(&txn, project_id, month).await?;
    if row.as_ref().is_some_and(|r| r.approved_at.is_some()) {
        return Err(AppError::Conflict(format!(
            "the summary of {month} is submitted already"
        )));
    }
    // Nothing written yet, or no analysis: the analysis is what is missing first.
    let Some(row) = row.filter(|r| r.analysis.is_some()) else {
        return Err(AppError::invalid(
            "analysis",
            "analysis: write why faults recurred this month (分析事故多发原因) before submitting",
        ));
    };
    if row.measures.is_none() {
        return Err(AppError::invalid(
            "measures",
            "measures: propose what to do about them (处理方法) before submitting",
        ));
    }
    let figures = figures(&txn, p, month, now).await?;
    let mut active: service_report::ActiveModel = row.into();
    active.figures = Set(serde_json::to_string(&figures).map_err(|e| AppError::Internal(e.into()))?);
    active.approved_by = Set(p.actor().id);
    active.approved_at = Set(Some(now));
    active.update(&txn).await?;
    audit::append(
        &txn,
        p.actor(),
        audit::Event {
            project_id: Some(project_id),
            event: "service_summary.submitted",
            subject: format!("month:{month}"),
            detail: json!({ "faults": figures.counts.faults, "recurring": figures.recurring.len() }),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    summary_of(&state.db, p, month, now).await
}

/// Quality (an administrator or a viewer) archives a submitted summary.
#[tracing::instrument(skip_all, fields(project_id = p.project().id, month = %month))]
pub async fn archive(
    state: &AppState,
    p: &Granted<impl MayRead>,
    month: Month,
    now: DateTime<Utc>,
) -> AppResult<Summary> {
    may_archive(p.actor())?;
    let txn = begin_write(&state.db).await?;
    let project_id = p.project().id;
    let row = stored(&txn, project_id, month)
        .await?
        .filter(|r| r.approved_at.is_some());
    let Some(row) = row else {
        return Err(AppError::Conflict(format!(
            "the summary of {month} is not submitted yet: the PM submits it first"
        )));
    };
    if row.archived_at.is_some() {
        return Err(AppError::Conflict(format!(
            "the summary of {month} is archived already"
        )));
    }
    let mut active: service_report::ActiveModel = row.into();
    active.archived_by = Set(p.actor().id);
    active.archived_at = Set(Some(now));
    active.update(&txn).await?;
    audit::append(
        &txn,
        p.actor(),
        audit::Event {
            project_id: Some(project_id),
            event: "service_summary.archived",
            subject: format!("month:{month}"),
            detail: json!({}),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    summary_of(&state.db, p, month, now).await
}
