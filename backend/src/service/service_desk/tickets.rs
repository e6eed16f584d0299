//! Tickets (报修工单): a fault from its report — logged by the desk from a call or an e-mail, or
//! sent by the client from the project's report link — through the steps of the service flow to
//! its archive. Every step is an event with who and when; the clocks of the promises are derived
//! from the events (`domain::service_clock`), and the ticket row keeps only what the board and
//! the scan need to find it fast: its status, its next deadline, when to look at it again.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, SubsecRound, TimeDelta, Utc};
use entity::{project, project_member, service_ticket, ticket_alarm, ticket_assignee, ticket_event, user};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, ExprTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, NullOrdering, Order, Query},
};
use serde_json::json;

use super::{
    settings::{policy_of, specialists},
    statistics::month_counts,
    units::{WarrantyUnit, term, units},
};
use crate::{
    db::begin_write,
    domain::{
        plan::ServicePolicy,
        service_clock::{ClockLog, ClockState, ClockView, Refusal, Targets, alarms_due, index},
        statistics::Month,
        ticket_flow,
        types::{
            EmailAddress, MemberRole, ServiceClock, SystemType, TicketChannel, TicketStatus, TicketStep, optional_text,
            required_text,
        },
    },
    email::{messages, outbox, webhook},
    error::{AppError, AppResult},
    service::{
        Actor,
        access::{self, Granted, MayRead, MayRecordWork, Read},
        audit,
        projects::timezone_of,
    },
    state::AppState,
};

/// A ticket and the grant on its project: the only way to reach a ticket.
#[derive(Debug, Clone)]
pub struct Ticket<L> {
    pub granted: Granted<L>,
    pub row: service_ticket::Model,
}

/// The ticket, if the actor may do `L` on its project (404 for a ticket they cannot see).
pub async fn ticket<L: MayRead>(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> AppResult<Ticket<L>> {
    access::role_may::<L>(actor)?;
    let missing = || AppError::not_found(format!("no ticket {id}"));
    let row = service_ticket::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(missing)?;
    let granted = match access::grant::<L>(db, actor, row.project_id).await {
        Err(AppError::NotFound(_)) => return Err(missing()),
        other => other?,
    };
    Ok(Ticket { granted, row })
}

/// The 故障信息卡: who reports what, about which device.
#[derive(Debug, Clone, Default)]
pub struct FaultCard {
    pub reporter_name: String,
    pub reporter_phone: String,
    pub reporter_email: Option<String>,
    pub system_type: Option<SystemType>,
    /// An installed unit picked from the project's list …
    pub unit_id: Option<i32>,
    /// … or found by its serial number …
    pub serial: Option<String>,
    /// … or the device in words.
    pub device: Option<String>,
    pub symptom: String,
    /// When the fault began, if known.
    pub fault_started_at: Option<DateTime<Utc>>,
    /// When the call or e-mail came (the desk may log it afterwards); now by default.
    pub reported_at: Option<DateTime<Utc>>,
}

/// How far ahead of the server's clock a time may be (a tablet's clock runs fast).
const CLOCK_SKEW: TimeDelta = TimeDelta::minutes(5);

/// A moment a person gives for something that happened: not in the future, kept to the second
/// (what the clocks count in, and the same on SQLite and PostgreSQL).
fn happened(field: &str, at: DateTime<Utc>, now: DateTime<Utc>) -> AppResult<DateTime<Utc>> {
    if at > now + CLOCK_SKEW {
        return Err(AppError::invalid(
            field,
            format!("{field}: {} is in the future", at.to_rfc3339()),
        ));
    }
    Ok(at.trunc_subsecs(0))
}

/// A number to call back: digits with the separators people write (0574-8888-2000, 138 0000 0000,
/// +86 …, 转 / ext for an extension), at least five digits.
fn phone(field: &str, text: &str) -> AppResult<String> {
    let text = required_text(field, text, 40)?;
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let readable = text
        .chars()
        .all(|c| c.is_ascii_digit() || " +-()（）/转分机#,，extEXT.".contains(c));
    if digits < 5 || !readable {
        return Err(AppError::invalid(
            field,
            format!("{field}: '{text}' is not a phone number (e.g. 0574-8888-2000 or 138 0000 0000)"),
        ));
    }
    Ok(text)
}

/// The desk logs a fault that came by phone or e-mail (or an inspection found).
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn report(
    state: &AppState,
    p: &Granted<impl MayRecordWork>,
    channel: TicketChannel,
    card: FaultCard,
    now: DateTime<Utc>,
) -> AppResult<service_ticket::Model> {
    if channel == TicketChannel::PublicPage {
        return Err(AppError::invalid(
            "channel",
            "channel: public_page is for the client's own report through the project's link",
        ));
    }
    let read = Granted::<Read>::vouched(p.project().clone(), p.actor());
    open(state, &read, channel, card, None, now).await
}

/// The client reports a fault through the project's secret link (no account).
#[tracing::instrument(skip_all)]
pub async fn report_public(
    state: &AppState,
    token: &str,
    card: FaultCard,
    client: (Option<String>, Option<String>),
    now: DateTime<Utc>,
) -> AppResult<(service_ticket::Model, project::Model)> {
    let project = super::settings::project_of_link(&state.db, token).await?;
    let actor = Actor {
        id: None,
        username: card
            .reporter_email
            .clone()
            .unwrap_or_else(|| card.reporter_phone.clone()),
        name: card.reporter_name.trim().to_string(),
        role: crate::domain::types::Role::Viewer,
    };
    let read = Granted::<Read>::vouched(project.clone(), &actor);
    let card = FaultCard {
        reported_at: None,
        ..card
    };
    let ticket = open(state, &read, TicketChannel::PublicPage, card, Some(client), now).await?;
    Ok((ticket, project))
}

/// What the client's report page offers: the project and its installed units.
pub async fn report_form(state: &AppState, token: &str) -> AppResult<(project::Model, Vec<WarrantyUnit>)> {
    let project = super::settings::project_of_link(&state.db, token).await?;
    let policy = policy_of(&state.db, &project).await?;
    let read = Granted::<Read>::vouched(project.clone(), &Actor::system());
    let installed = units(&state.db, &read, &policy).await?;
    Ok((project, installed))
}

async fn open(
    state: &AppState,
    p: &Granted<Read>,
    channel: TicketChannel,
    card: FaultCard,
    client: Option<(Option<String>, Option<String>)>,
    now: DateTime<Utc>,
) -> AppResult<service_ticket::Model> {
    let txn = begin_write(&state.db).await?;
    let row = open_in(state, &txn, p, channel, card, client, now).await?;
    txn.commit().await?;
    Ok(row)
}

/// Opens a ticket within the caller's transaction (a problem found on an inspection visit).
pub(super) async fn open_in(
    state: &AppState,
    txn: &DatabaseTransaction,
    p: &Granted<Read>,
    channel: TicketChannel,
    card: FaultCard,
    client: Option<(Option<String>, Option<String>)>,
    now: DateTime<Utc>,
) -> AppResult<service_ticket::Model> {
    let reporter_name = required_text("reporter_name", &card.reporter_name, 100)?;
    let reporter_phone = phone("reporter_phone", &card.reporter_phone)?;
    let reporter_email = optional_text("reporter_email", card.reporter_email.as_deref(), 254)?
        .map(|e| EmailAddress::parse("reporter_email", &e).map(EmailAddress::into_inner))
        .transpose()?;
    let symptom = required_text("symptom", &card.symptom, 2000)?;
    let device = optional_text("device", card.device.as_deref(), 200)?;
    let serial = optional_text("serial", card.serial.as_deref(), 100)?;
    let reported_at = happened("reported_at", card.reported_at.unwrap_or(now), now)?;
    let fault_started_at = card
        .fault_started_at
        .map(|t| happened("fault_started_at", t, now))
        .transpose()?;
    if fault_started_at.is_some_and(|started| started > reported_at) {
        return Err(AppError::invalid(
            "fault_started_at",
            "fault_started_at: the fault cannot begin after it was reported",
        ));
    }
    let project = p.project();
    if project.delivered_on.is_none() {
        return Err(AppError::Conflict(format!(
            "{} has not been delivered (终验交付) yet: faults during the trial run go into its log",
            project.code
        )));
    }
    let policy = policy_of(txn, project).await?;
    let installed = units(txn, p, &policy).await?;
    let unit = match (card.unit_id, serial.as_deref()) {
        (Some(id), _) => Some(installed.iter().find(|u| u.unit_id == id).ok_or_else(|| {
            AppError::invalid("unit_id", format!("unit_id: {id} is not an installed unit of {}", project.code))
        })?),
        (None, Some(sn)) => Some(
            installed
                .iter()
                .find(|u| u.serial.as_deref().is_some_and(|s| s.trim().eq_ignore_ascii_case(sn)))
                .ok_or_else(|| {
                    AppError::invalid(
                        "serial",
                        format!("serial: no installed unit of {} has the serial number {sn}; pick the device from the list or describe it", project.code),
                    )
                })?,
        ),
        (None, None) => None,
    };
    if unit.is_none() && device.is_none() {
        return Err(AppError::invalid(
            "device",
            "device: say which device — pick an installed unit, give its serial number, or describe it",
        ));
    }
    let today = reported_at.with_timezone(&timezone_of(project)).date_naive();
    let warranty_ends_on = match unit {
        Some(u) => u.ends_on,
        None => term(project, None, &policy).1,
    };
    let in_warranty = warranty_ends_on.is_some_and(|end| today <= end);
    let (ip, user_agent) = client.unwrap_or_default();
    let row = service_ticket::ActiveModel {
        project_id: Set(project.id),
        number: Set(None),
        channel: Set(channel),
        status: Set(TicketStatus::Reported),
        reporter_name: Set(reporter_name),
        reporter_phone: Set(reporter_phone),
        reporter_email: Set(reporter_email),
        system_type: Set(card.system_type),
        unit_id: Set(unit.map(|u| u.unit_id)),
        device: Set(device.or_else(|| unit.map(WarrantyUnit::label))),
        symptom: Set(symptom),
        fault_started_at: Set(fault_started_at),
        reported_at: Set(reported_at),
        in_warranty: Set(in_warranty),
        warranty_ends_on: Set(warranty_ends_on),
        human_damage: Set(false),
        paid: Set(!in_warranty),
        major_quality: Set(false),
        failed_repairs: Set(0),
        clock_log: Set(String::from("{}")),
        due_at: Set(None),
        next_alarm_at: Set(None),
        breached: Set(false),
        paused: Set(false),
        closed_at: Set(None),
        ip: Set(ip),
        user_agent: Set(user_agent),
        created_by: Set(p.actor().id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let mut active: service_ticket::ActiveModel = row.clone().into();
    active.number = Set(Some(format!("BX-{}-{:05}", reported_at.year(), row.id)));
    let row = active.update(txn).await?;
    add_event(
        txn,
        row.id,
        TicketStep::Reported,
        reported_at,
        None,
        None,
        p.actor(),
        now,
    )
    .await?;
    let engineers = specialists(txn, project.id).await?;
    if !engineers.is_empty() {
        set_assignees(txn, &row, &engineers, &Actor::system(), now).await?;
    }
    let row = refresh(txn, project, row, &policy, now).await?;
    audit::project_event(
        txn,
        p.actor(),
        project.id,
        "ticket.reported",
        format!("ticket:{}", row.id),
        json!({ "number": row.number, "channel": channel, "in_warranty": in_warranty }),
        now,
    )
    .await?;
    notify_reported(state, txn, project, &row, &engineers, now).await?;
    Ok(row)
}

#[allow(clippy::too_many_arguments)]
async fn add_event(
    db: &impl ConnectionTrait,
    ticket_id: i32,
    step: TicketStep,
    at: DateTime<Utc>,
    note: Option<String>,
    reason: Option<String>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> AppResult<ticket_event::Model> {
    Ok(ticket_event::ActiveModel {
        ticket_id: Set(ticket_id),
        step: Set(step),
        at: Set(at),
        note: Set(note),
        reason: Set(reason),
        actor_id: Set(actor.id),
        actor_name: Set(Some(actor.name.clone())),
        recorded_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

async fn events(db: &impl ConnectionTrait, ticket_id: i32) -> AppResult<Vec<ticket_event::Model>> {
    Ok(ticket_event::Entity::find()
        .filter(ticket_event::Column::TicketId.eq(ticket_id))
        .order_by_asc(ticket_event::Column::At)
        .order_by_asc(ticket_event::Column::Id)
        .all(db)
        .await?)
}

fn fold(events: &[ticket_event::Model]) -> AppResult<ClockLog> {
    ClockLog::from_events(events.iter().map(|e| (&e.at, &e.step)))
        .map_err(|r| AppError::Internal(anyhow::anyhow!("a ticket's events do not fold: {r:?}")))
}

/// What the board and the scan keep on the row, as of `now`.
pub struct Derived {
    pub views: [ClockView; 4],
    pub due_at: Option<DateTime<Utc>>,
    pub next_alarm_at: Option<DateTime<Utc>>,
    pub breached: bool,
    pub paused: bool,
}

/// The clocks of a log under a policy at `now`, and when a scan must look again.
pub fn derive(log: &ClockLog, policy: &ServicePolicy, sent: &HashSet<String>, now: DateTime<Utc>) -> Derived {
    let views = log.views(&Targets::from_policy(policy), now);
    let (due, next) = alarms_due(&views, &policy.warn_at_percent, &|k| sent.contains(k), now);
    Derived {
        due_at: views.iter().filter_map(|v| v.due_at).min(),
        next_alarm_at: if due.is_empty() { next } else { Some(now) },
        breached: views.iter().any(ClockView::breached),
        paused: views.iter().any(|v| v.state == ClockState::Paused),
        views,
    }
}

pub async fn sent_alarms(db: &impl ConnectionTrait, ticket_id: i32) -> AppResult<HashSet<String>> {
    Ok(ticket_alarm::Entity::find()
        .filter(ticket_alarm::Column::TicketId.eq(ticket_id))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.key)
        .collect())
}

/// Which rule filled a ticket's statistics facts; rows of an older one are filled again.
pub const STATS_VERSION: i16 = 1;

/// What the statistics read of the clocks: how long the response and the repair took once they
/// stopped, and whether their promises broke (a running clock past its target counts).
pub fn set_clock_facts(active: &mut service_ticket::ActiveModel, views: &[ClockView; 4]) {
    let response = &views[index(ServiceClock::Response)];
    let repair = &views[index(ServiceClock::Repair)];
    let stopped = |v: &ClockView| (v.state == ClockState::Stopped).then_some(v.elapsed_secs);
    active.response_secs = Set(stopped(response));
    active.response_broken = Set(response.breached());
    active.repair_secs = Set(stopped(repair));
    active.repair_broken = Set(repair.breached());
}

/// Folds the ticket's events again and stores what the board, the scan and the statistics read.
pub async fn refresh(
    db: &impl ConnectionTrait,
    project: &project::Model,
    row: service_ticket::Model,
    policy: &ServicePolicy,
    now: DateTime<Utc>,
) -> AppResult<service_ticket::Model> {
    let events = events(db, row.id).await?;
    let log = fold(&events)?;
    let sent = sent_alarms(db, row.id).await?;
    let d = derive(&log, policy, &sent, now);
    let closed = row.closed_at.is_some();
    let site_visits = events.iter().filter(|e| e.step == TicketStep::Arrived).count();
    let reported_on = row.reported_at.with_timezone(&timezone_of(project)).date_naive();
    let counted_in = row.reported_month;
    let mut active: service_ticket::ActiveModel = row.into();
    set_clock_facts(&mut active, &d.views);
    active.site_visits = Set(i32::try_from(site_visits).unwrap_or(i32::MAX));
    active.reported_month = Set(Month::of(reported_on).key());
    active.stats_version = Set(STATS_VERSION);
    active.clock_log = Set(serde_json::to_string(&log).map_err(|e| AppError::Internal(e.into()))?);
    active.due_at = Set(d.due_at.filter(|_| !closed));
    active.next_alarm_at = Set(d.next_alarm_at.filter(|_| !closed));
    active.breached = Set(d.breached);
    active.paused = Set(d.paused && !closed);
    active.updated_at = Set(now);
    let row = active.update(db).await?;
    month_counts::recount(db, row.project_id, &[counted_in, row.reported_month]).await?;
    Ok(row)
}

/// Entries the desk makes about a ticket rather than steps of its flow.
fn is_bookkeeping(step: TicketStep) -> bool {
    matches!(step, TicketStep::Assigned | TicketStep::Escalated | TicketStep::Note)
}

/// A step to record.
#[derive(Debug, Clone)]
pub struct StepInput {
    pub step: TicketStep,
    /// When it happened; now by default. Not before the last step recorded.
    pub at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    /// Why the clocks pause (required for a pause): 客户拒绝进入现场, 等待客户确认 …
    pub reason: Option<String>,
}

/// Failed repairs of the same fault after which the technical and quality departments are told.
pub const FAILED_REPAIRS_ESCALATE: i32 = 2;

/// Records a step of the service flow.
#[tracing::instrument(skip_all, fields(ticket_id = t.row.id))]
pub async fn record(
    state: &AppState,
    t: &Ticket<impl MayRecordWork>,
    input: StepInput,
    now: DateTime<Utc>,
) -> AppResult<service_ticket::Model> {
    let txn = begin_write(&state.db).await?;
    let row = record_in(state, &txn, t, input, now).await?;
    txn.commit().await?;
    Ok(row)
}

/// Records a step within the caller's transaction (a spare taken out is the 领取备件 step).
pub(super) async fn record_in(
    state: &AppState,
    txn: &DatabaseTransaction,
    t: &Ticket<impl MayRecordWork>,
    input: StepInput,
    now: DateTime<Utc>,
) -> AppResult<service_ticket::Model> {
    if matches!(
        input.step,
        TicketStep::Reported | TicketStep::Assigned | TicketStep::Escalated
    ) {
        return Err(AppError::invalid(
            "step",
            format!(
                "step: {} is recorded by the desk itself (reporting opens a ticket; assign people or flag a major quality problem instead)",
                input.step
            ),
        ));
    }
    let note = optional_text("note", input.note.as_deref(), 2000)?;
    let reason = optional_text("reason", input.reason.as_deref(), 500)?;
    if input.step == TicketStep::Paused && reason.is_none() {
        return Err(AppError::invalid(
            "reason",
            "reason: a pause needs its reason (客户拒绝进入现场、等待客户停机窗口 …)",
        ));
    }
    let at = happened("at", input.at.unwrap_or(now), now)?;
    let project = t.granted.project();
    let step = Step {
        step: input.step,
        at,
        note,
        reason,
    };
    let row = note_step(txn, project, t.row.id, step, t.granted.actor(), now).await?;
    if input.step == TicketStep::RepairFailed && row.failed_repairs == FAILED_REPAIRS_ESCALATE {
        escalate(state, txn, project, &row, Escalation::FailedRepairs, at, now).await?;
        let policy = policy_of(txn, project).await?;
        return refresh(txn, project, row, &policy, now).await;
    }
    Ok(row)
}

/// A checked step: the moment is the second it happened.
pub(super) struct Step {
    pub step: TicketStep,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
    pub reason: Option<String>,
}

/// Adds a step to the ticket's flow within the caller's transaction — the flow's rule, the
/// order of events and the pauses checked — and stores its status and clocks.
pub(super) async fn note_step(
    txn: &DatabaseTransaction,
    project: &project::Model,
    ticket_id: i32,
    step: Step,
    actor: &Actor,
    now: DateTime<Utc>,
) -> AppResult<service_ticket::Model> {
    let Step { step, at, note, reason } = step;
    let row = service_ticket::Entity::find_by_id(ticket_id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no ticket {ticket_id}")))?;
    let status = ticket_flow::next(row.status, step).map_err(AppError::Conflict)?;
    let history = events(txn, row.id).await?;
    // Steps of the flow come in the order they happened; the desk's own entries (assignment,
    // escalation, notes) are dated when they were made and do not hold a step back.
    let last_step = history.iter().filter(|e| !is_bookkeeping(e.step)).map(|e| e.at).max();
    if let Some(last) = last_step.filter(|last| at < *last) {
        return Err(AppError::invalid(
            "at",
            format!(
                "at: {} is before the last step recorded ({})",
                at.to_rfc3339(),
                last.to_rfc3339()
            ),
        ));
    }
    // The clocks with the step in its place among the events (a later note may follow it).
    let mut timeline: Vec<(DateTime<Utc>, TicketStep)> = history.iter().map(|e| (e.at, e.step)).collect();
    timeline.insert(timeline.partition_point(|(t, _)| *t <= at), (at, step));
    match ClockLog::from_events(timeline.iter().map(|(a, s)| (a, s))) {
        Err(Refusal::OutOfOrder) => {
            return Err(AppError::Internal(anyhow::anyhow!(
                "a ticket's timeline was refused as out of order"
            )));
        }
        Err(Refusal::PauseState) => {
            return Err(AppError::Conflict(if step == TicketStep::Paused {
                "the clocks are paused already; resume them first".into()
            } else {
                "the clocks are not paused".into()
            }));
        }
        Ok(_) => {}
    }
    add_event(txn, row.id, step, at, note.clone(), reason, actor, now).await?;
    let failed = row.failed_repairs + i32::from(step == TicketStep::RepairFailed);
    let mut active: service_ticket::ActiveModel = row.into();
    active.status = Set(status);
    active.failed_repairs = Set(failed);
    if status == TicketStatus::Closed {
        active.closed_at = Set(Some(at));
    }
    let row = active.update(txn).await?;
    let policy = policy_of(txn, project).await?;
    let row = refresh(txn, project, row, &policy, now).await?;
    audit::project_event(
        txn,
        actor,
        project.id,
        "ticket.step",
        format!("ticket:{}", row.id),
        json!({ "step": step, "at": at, "note": note }),
        now,
    )
    .await?;
    Ok(row)
}

/// What a ticket's flags say about who pays and who must know.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    /// 人为损坏: within the warranty the client pays the materials only.
    pub human_damage: Option<bool>,
    /// 重大工程质量问题: the technical and quality departments are told at once.
    pub major_quality: Option<bool>,
    /// Paid service (out of warranty, or agreed).
    pub paid: Option<bool>,
}

/// Sets a ticket's flags.
#[tracing::instrument(skip_all, fields(ticket_id = t.row.id))]
pub async fn set_flags(
    state: &AppState,
    t: &Ticket<impl MayRecordWork>,
    flags: Flags,
    now: DateTime<Utc>,
) -> AppResult<service_ticket::Model> {
    let txn = begin_write(&state.db).await?;
    let row = service_ticket::Entity::find_by_id(t.row.id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no ticket {}", t.row.id)))?;
    if row.closed_at.is_some() {
        return Err(AppError::Conflict(format!(
            "{} is archived",
            row.number.clone().unwrap_or_default()
        )));
    }
    let newly_major = flags.major_quality == Some(true) && !row.major_quality;
    let mut active: service_ticket::ActiveModel = row.clone().into();
    if let Some(v) = flags.human_damage {
        active.human_damage = Set(v);
    }
    if let Some(v) = flags.major_quality {
        active.major_quality = Set(v);
    }
    if let Some(v) = flags.paid {
        active.paid = Set(v);
    }
    active.updated_at = Set(now);
    let row = active.update(&txn).await?;
    let project = t.granted.project();
    if newly_major {
        escalate(
            state,
            &txn,
            project,
            &row,
            Escalation::MajorQuality,
            now.trunc_subsecs(0),
            now,
        )
        .await?;
    }
    audit::project_event(
        &txn,
        t.granted.actor(),
        project.id,
        "ticket.flags",
        format!("ticket:{}", row.id),
        json!({ "human_damage": row.human_damage, "major_quality": row.major_quality, "paid": row.paid }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Assigns engineers (members of the project) to a ticket, replacing those assigned.
#[tracing::instrument(skip_all, fields(ticket_id = t.row.id))]
pub async fn assign(
    state: &AppState,
    t: &Ticket<impl MayRecordWork>,
    user_ids: &[i32],
    now: DateTime<Utc>,
) -> AppResult<Vec<user::Model>> {
    if user_ids.is_empty() {
        return Err(AppError::invalid("user_ids", "user_ids: name at least one engineer"));
    }
    let txn = begin_write(&state.db).await?;
    let members: Vec<i32> = project_member::Entity::find()
        .filter(project_member::Column::ProjectId.eq(t.row.project_id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    if let Some(stranger) = user_ids.iter().find(|id| !members.contains(id)) {
        return Err(AppError::invalid(
            "user_ids",
            format!("user_ids: user {stranger} is not a member of the project"),
        ));
    }
    if t.row.closed_at.is_some() {
        return Err(AppError::Conflict("the ticket is archived".into()));
    }
    let people = user::Entity::find()
        .filter(user::Column::Id.is_in(user_ids.iter().copied()))
        .all(&txn)
        .await?;
    let before: HashSet<i32> = assignees(&txn, t.row.id).await?.iter().map(|u| u.id).collect();
    set_assignees(&txn, &t.row, &people, t.granted.actor(), now).await?;
    audit::project_event(
        &txn,
        t.granted.actor(),
        t.row.project_id,
        "ticket.assigned",
        format!("ticket:{}", t.row.id),
        json!({ "user_ids": user_ids }),
        now,
    )
    .await?;
    let newly: Vec<user::Model> = people.iter().filter(|u| !before.contains(&u.id)).cloned().collect();
    let project = t.granted.project();
    for person in &newly {
        alert(
            state,
            &txn,
            project,
            &t.row,
            person_address(person),
            Alert::Assigned,
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(people)
}

fn person_address(u: &user::Model) -> Option<(String, String)> {
    u.email
        .clone()
        .filter(|_| !u.disabled)
        .map(|e| (e, u.display_name.clone()))
}

async fn set_assignees(
    db: &impl ConnectionTrait,
    row: &service_ticket::Model,
    people: &[user::Model],
    actor: &Actor,
    now: DateTime<Utc>,
) -> AppResult<()> {
    ticket_assignee::Entity::delete_many()
        .filter(ticket_assignee::Column::TicketId.eq(row.id))
        .exec(db)
        .await?;
    for person in people {
        ticket_assignee::ActiveModel {
            ticket_id: Set(row.id),
            user_id: Set(person.id),
            assigned_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    let names: Vec<&str> = people.iter().map(|u| u.display_name.as_str()).collect();
    let at = Ord::max(now.trunc_subsecs(0), row.reported_at);
    add_event(
        db,
        row.id,
        TicketStep::Assigned,
        at,
        Some(names.join("、")),
        None,
        actor,
        now,
    )
    .await?;
    Ok(())
}

/// The engineers assigned to a ticket.
pub async fn assignees(db: &impl ConnectionTrait, ticket_id: i32) -> AppResult<Vec<user::Model>> {
    let ids: Vec<i32> = ticket_assignee::Entity::find()
        .filter(ticket_assignee::Column::TicketId.eq(ticket_id))
        .order_by_asc(ticket_assignee::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.user_id)
        .collect();
    let mut people = user::Entity::find()
        .filter(user::Column::Id.is_in(ids.clone()))
        .all(db)
        .await?;
    people.sort_by_key(|u| ids.iter().position(|i| *i == u.id));
    Ok(people)
}

/// Why a ticket goes to the technical and quality departments at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escalation {
    FailedRepairs,
    MajorQuality,
}

impl Escalation {
    fn key(self) -> &'static str {
        match self {
            Escalation::FailedRepairs => "failed_repairs",
            Escalation::MajorQuality => "major_quality",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Escalation::FailedRepairs => "两次维修不成功",
            Escalation::MajorQuality => "重大工程质量问题",
        }
    }
}

async fn escalate(
    state: &AppState,
    db: &impl ConnectionTrait,
    project: &project::Model,
    row: &service_ticket::Model,
    why: Escalation,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let desk = &state.settings.service_desk;
    let mut told: Vec<&str> = Vec::new();
    for address in desk.technical_department.iter().chain(&desk.quality_department) {
        if told.contains(&address.as_str()) {
            continue;
        }
        told.push(address);
        alert(
            state,
            db,
            project,
            row,
            Some((address.clone(), String::new())),
            Alert::Escalated(why),
            now,
        )
        .await?;
    }
    for (_, pm) in managers(db, project.id).await? {
        alert(state, db, project, row, person_address(&pm), Alert::Escalated(why), now).await?;
    }
    announce(state, db, project, row, Alert::Escalated(why), now).await?;
    let note = if told.is_empty() {
        format!("{}（未配置技术部、质检部收件人）", why.label_zh())
    } else {
        format!("{}：已通知 {}", why.label_zh(), told.join("、"))
    };
    add_event(
        db,
        row.id,
        TicketStep::Escalated,
        at,
        Some(note),
        None,
        &Actor::system(),
        now,
    )
    .await?;
    Ok(())
}

/// The project's PMs.
pub async fn managers(
    db: &impl ConnectionTrait,
    project_id: i32,
) -> AppResult<Vec<(project_member::Model, user::Model)>> {
    let pms = project_member::Entity::find()
        .filter(project_member::Column::ProjectId.eq(project_id))
        .filter(project_member::Column::Role.eq(MemberRole::Pm))
        .all(db)
        .await?;
    let people: HashMap<i32, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(pms.iter().map(|m| m.user_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    Ok(pms
        .into_iter()
        .filter_map(|m| people.get(&m.user_id).cloned().map(|u| (m, u)))
        .collect())
}

/// What a message to our people is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alert {
    /// A new ticket (to its engineers, or the PMs when nobody is designated).
    Reported,
    /// Assigned to a ticket.
    Assigned,
    /// A clock's warning or breach (`alarm key`, clock, per cent or breach).
    Clock(crate::domain::service_clock::Alarm),
    Escalated(Escalation),
}

impl Alert {
    fn key(&self) -> String {
        match self {
            Alert::Reported => "reported".into(),
            Alert::Assigned => "assigned".into(),
            Alert::Clock(a) => format!("clock:{}", a.key()),
            Alert::Escalated(e) => format!("escalated:{}", e.key()),
        }
    }
}

/// Queues one message to one of our people about a ticket (once per ticket, subject and address).
pub async fn alert(
    state: &AppState,
    db: &impl ConnectionTrait,
    project: &project::Model,
    row: &service_ticket::Model,
    to: Option<(String, String)>,
    what: Alert,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let Some((address, name)) = to else {
        return Ok(false);
    };
    let (subject, text) = alert_message(state, db, project, row, &name, what, now).await?;
    let queued = outbox::enqueue(
        db,
        outbox::NewEmail {
            key: format!("ticket:{}:{}:{address}", row.id, what.key()),
            kind: "ticket_alert".into(),
            project_id: Some(project.id),
            to_address: address,
            to_name: Some(name).filter(|n| !n.is_empty()),
            subject,
            text,
            html: None,
            calendar: None,
        },
        TimeDelta::hours(state.settings.mail_retry_horizon_hours),
        now,
    )
    .await?;
    Ok(queued.is_some())
}

/// Posts the alert to every configured group robot, once per ticket and subject.
pub async fn announce(
    state: &AppState,
    db: &impl ConnectionTrait,
    project: &project::Model,
    row: &service_ticket::Model,
    what: Alert,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if state.settings.service_desk.webhooks.is_empty() {
        return Ok(());
    }
    let (subject, text) = alert_message(state, db, project, row, "", what, now).await?;
    for n in 0..state.settings.service_desk.webhooks.len() {
        outbox::enqueue(
            db,
            outbox::NewEmail {
                key: format!("{}:ticket:{}:{}", webhook::address(n), row.id, what.key()),
                kind: webhook::KIND.into(),
                project_id: Some(project.id),
                to_address: webhook::address(n),
                to_name: None,
                subject: subject.clone(),
                text: webhook::body(&subject, &text),
                html: None,
                calendar: None,
            },
            TimeDelta::hours(state.settings.mail_retry_horizon_hours),
            now,
        )
        .await?;
    }
    Ok(())
}

/// The subject and text of an alert about a ticket, for `name` (none: a group).
async fn alert_message(
    state: &AppState,
    db: &impl ConnectionTrait,
    project: &project::Model,
    row: &service_ticket::Model,
    name: &str,
    what: Alert,
    now: DateTime<Utc>,
) -> AppResult<(String, String)> {
    let tz = timezone_of(project);
    let targets = Targets::from_policy(&policy_of(db, project).await?);
    let views = serde_json::from_str::<ClockLog>(&row.clock_log)
        .ok()
        .map(|log| log.views(&targets, Ord::max(now, log.last.unwrap_or(now))));
    let (kind, clock, percent, due) = match what {
        Alert::Reported => ("reported", None, None, None),
        Alert::Assigned => ("assigned", None, None, None),
        Alert::Escalated(_) => ("escalated", None, None, None),
        Alert::Clock(a) => {
            let view = views.as_ref().map(|v| v[index(a.clock)].clone());
            (
                if a.percent.is_some() { "warning" } else { "breach" },
                Some(a.clock.label_zh()),
                a.percent,
                view.and_then(|v| v.due_at.or(v.breached_at))
                    .map(|d| d.with_timezone(&tz).format("%m-%d %H:%M").to_string()),
            )
        }
    };
    let ctx = minijinja::context! {
        name => name,
        kind => kind,
        number => row.number,
        project_code => project.code,
        project_name => project.name,
        site_address => project.site_address,
        reporter => row.reporter_name,
        phone => row.reporter_phone,
        device => row.device,
        symptom => row.symptom,
        reported_at => row.reported_at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
        in_warranty => row.in_warranty,
        clock => clock,
        percent => percent,
        due => due,
        why => match what { Alert::Escalated(e) => Some(e.label_zh()), _ => None },
        failed_repairs => row.failed_repairs,
        link => format!("{}/tickets/{}", state.settings.base_url(), row.id),
    };
    let env = &state.templates.env;
    Ok((
        messages::render(env, "ticket_alert.subject.txt", &ctx)?,
        messages::render(env, "ticket_alert.txt", &ctx)?,
    ))
}

async fn notify_reported(
    state: &AppState,
    db: &impl ConnectionTrait,
    project: &project::Model,
    row: &service_ticket::Model,
    engineers: &[user::Model],
    now: DateTime<Utc>,
) -> AppResult<()> {
    let staff: Vec<user::Model> = if engineers.is_empty() {
        managers(db, project.id).await?.into_iter().map(|(_, u)| u).collect()
    } else {
        engineers.to_vec()
    };
    for person in &staff {
        alert(state, db, project, row, person_address(person), Alert::Reported, now).await?;
    }
    announce(state, db, project, row, Alert::Reported, now).await?;
    let Some(email) = row.reporter_email.clone() else {
        return Ok(());
    };
    let tz = timezone_of(project);
    let policy = policy_of(db, project).await?;
    let ctx = minijinja::context! {
        name => row.reporter_name,
        number => row.number,
        project_name => project.name,
        device => row.device,
        symptom => row.symptom,
        reported_at => row.reported_at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
        response_minutes => policy.response_minutes,
        in_warranty => row.in_warranty,
        company => state.settings.company_name,
        company_phone => state.settings.company_phone,
    };
    let env = &state.templates.env;
    let render = |t: &str| messages::render(env, t, &ctx);
    outbox::enqueue(
        db,
        outbox::NewEmail {
            key: format!("ticket_received:{}", row.id),
            kind: "ticket_received".into(),
            project_id: Some(project.id),
            to_address: email,
            to_name: Some(row.reporter_name.clone()),
            subject: render("ticket_received.subject.txt")?,
            text: render("ticket_received.txt")?,
            html: None,
            calendar: None,
        },
        TimeDelta::hours(state.settings.mail_retry_horizon_hours),
        now,
    )
    .await?;
    Ok(())
}

/// One event as the timeline shows it.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub id: i32,
    pub step: TicketStep,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
    pub reason: Option<String>,
    pub actor: String,
    pub recorded_at: DateTime<Utc>,
}

/// A ticket with everything its page shows.
#[derive(Debug, Clone)]
pub struct TicketView {
    pub ticket: service_ticket::Model,
    pub project: project::Model,
    pub unit: Option<WarrantyUnit>,
    pub clocks: [ClockView; 4],
    pub events: Vec<EventRow>,
    pub assignees: Vec<user::Model>,
    pub policy: ServicePolicy,
    /// The steps that may be recorded now.
    pub available: Vec<TicketStep>,
    pub paused: bool,
}

/// The ticket as its page shows it, clocks read at `now`.
pub async fn view(db: &DatabaseConnection, t: &Ticket<impl MayRead>, now: DateTime<Utc>) -> AppResult<TicketView> {
    let row = service_ticket::Entity::find_by_id(t.row.id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no ticket {}", t.row.id)))?;
    let policy = policy_of(db, t.granted.project()).await?;
    let all = events(db, row.id).await?;
    let log = fold(&all)?;
    let clocks = log.views(&Targets::from_policy(&policy), Ord::max(now, log.last.unwrap_or(now)));
    let read = Granted::<Read>::vouched(t.granted.project().clone(), t.granted.actor());
    let unit = match row.unit_id {
        Some(id) => units(db, &read, &policy).await?.into_iter().find(|u| u.unit_id == id),
        None => None,
    };
    Ok(TicketView {
        available: if row.closed_at.is_some() {
            Vec::new()
        } else {
            ticket_flow::available(row.status)
        },
        paused: log.is_paused(),
        events: all
            .into_iter()
            .map(|e| EventRow {
                id: e.id,
                step: e.step,
                at: e.at,
                note: e.note,
                reason: e.reason,
                actor: e.actor_name.unwrap_or_default(),
                recorded_at: e.recorded_at,
            })
            .collect(),
        assignees: assignees(db, row.id).await?,
        project: t.granted.project().clone(),
        unit,
        clocks,
        policy,
        ticket: row,
    })
}

/// Which tickets the board shows by their clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockFilter {
    /// A promise counting down, nothing broken.
    Running,
    /// A promise broken.
    Breached,
    /// Paused for a recorded reason.
    Paused,
}

/// The board's filters.
#[derive(Debug, Clone, Default)]
pub struct BoardFilter {
    pub project_id: Option<i32>,
    pub region: Option<String>,
    pub engineer_id: Option<i32>,
    pub clock: Option<ClockFilter>,
    /// Archived tickets instead of open ones.
    pub closed: bool,
    pub page: u64,
    pub per_page: u64,
}

/// A ticket as a row of the board.
#[derive(Debug, Clone)]
pub struct BoardRow {
    pub ticket: service_ticket::Model,
    pub project_code: String,
    pub project_name: String,
    pub region: String,
    pub assignees: Vec<String>,
    pub clocks: [ClockView; 4],
}

/// Open tickets across the projects the actor can see, most urgent first (the earliest deadline
/// of a running clock; paused ones after them), with their clocks read at `now`.
#[tracing::instrument(skip_all)]
pub async fn board(
    db: &DatabaseConnection,
    actor: &Actor,
    f: &BoardFilter,
    now: DateTime<Utc>,
) -> AppResult<(Vec<BoardRow>, u64)> {
    let mut cond = Condition::all();
    if let Some(visible) = access::visible_through(actor, (service_ticket::Entity, service_ticket::Column::ProjectId)) {
        cond = cond.add(visible);
    }
    cond = cond.add(if f.closed {
        service_ticket::Column::ClosedAt.is_not_null()
    } else {
        service_ticket::Column::ClosedAt.is_null()
    });
    if let Some(id) = f.project_id {
        cond = cond.add(service_ticket::Column::ProjectId.eq(id));
    }
    if let Some(region) = f.region.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        cond = cond.add(
            Expr::col((service_ticket::Entity, service_ticket::Column::ProjectId)).in_subquery(
                Query::select()
                    .column(project::Column::Id)
                    .from(project::Entity)
                    .and_where(project::Column::Region.eq(region))
                    .to_owned(),
            ),
        );
    }
    if let Some(engineer) = f.engineer_id {
        cond = cond.add(
            Expr::col((service_ticket::Entity, service_ticket::Column::Id)).in_subquery(
                Query::select()
                    .column(ticket_assignee::Column::TicketId)
                    .from(ticket_assignee::Entity)
                    .and_where(ticket_assignee::Column::UserId.eq(engineer))
                    .to_owned(),
            ),
        );
    }
    cond = match f.clock {
        Some(ClockFilter::Running) => cond
            .add(service_ticket::Column::DueAt.is_not_null())
            .add(service_ticket::Column::Breached.eq(false))
            .add(service_ticket::Column::Paused.eq(false)),
        Some(ClockFilter::Breached) => cond.add(service_ticket::Column::Breached.eq(true)),
        Some(ClockFilter::Paused) => cond.add(service_ticket::Column::Paused.eq(true)),
        None => cond,
    };
    let query = service_ticket::Entity::find().filter(cond);
    let total = query.clone().count(db).await?;
    let per_page = f.per_page.clamp(1, 200);
    let rows = if f.closed {
        query.order_by_desc(service_ticket::Column::ClosedAt)
    } else {
        query.order_by_with_nulls(service_ticket::Column::DueAt, Order::Asc, NullOrdering::Last)
    }
    .order_by_asc(service_ticket::Column::ReportedAt)
    .order_by_asc(service_ticket::Column::Id)
    .offset(f.page.saturating_sub(1) * per_page)
    .limit(per_page)
    .all(db)
    .await?;
    let projects: HashMap<i32, project::Model> = project::Entity::find()
        .filter(project::Column::Id.is_in(rows.iter().map(|r| r.project_id).collect::<HashSet<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let policies = super::settings::policies_of(db, &projects.values().collect::<Vec<_>>()).await?;
    let links = ticket_assignee::Entity::find()
        .filter(ticket_assignee::Column::TicketId.is_in(rows.iter().map(|r| r.id)))
        .all(db)
        .await?;
    let names: HashMap<i32, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(links.iter().map(|l| l.user_id).collect::<HashSet<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let out = rows
        .into_iter()
        .filter_map(|row| {
            let project = projects.get(&row.project_id)?;
            let log: ClockLog = serde_json::from_str(&row.clock_log).unwrap_or_default();
            let policy = policies.get(&row.project_id).cloned().unwrap_or_default();
            let read_at = Ord::max(now, log.last.unwrap_or(now));
            let clocks = log.views(&Targets::from_policy(&policy), read_at);
            Some(BoardRow {
                assignees: links
                    .iter()
                    .filter(|l| l.ticket_id == row.id)
                    .filter_map(|l| names.get(&l.user_id).cloned())
                    .collect(),
                project_code: project.code.clone(),
                project_name: project.name.clone(),
                region: project.region.clone(),
                clocks,
                ticket: row,
            })
        })
        .collect();
    Ok((out, total))
}

/// The tickets of one project, newest first.
pub async fn of_project(db: &impl ConnectionTrait, p: &Granted<impl MayRead>) -> AppResult<Vec<service_ticket::Model>> {
    Ok(service_ticket::Entity::find()
        .filter(service_ticket::Column::ProjectId.eq(p.id()))
        .order_by_desc(service_ticket::Column::ReportedAt)
        .all(db)
        .await?)
}

/// What the board's filters offer: the projects the actor can see, their regions, and the
/// engineers assigned to an open ticket among them.
#[derive(Debug, Clone, Default)]
pub struct BoardChoices {
    pub projects: Vec<project::Model>,
    pub regions: Vec<String>,
    pub engineers: Vec<user::Model>,
}

pub async fn board_choices(db: &impl ConnectionTrait, actor: &Actor) -> AppResult<BoardChoices> {
    let projects: Vec<project::Model> = access::readable(db, actor)
        .await?
        .into_iter()
        .map(|g| g.project().clone())
        .collect();
    let mut regions: Vec<String> = projects
        .iter()
        .map(|p| p.region.trim().to_string())
        .filter(|r| !r.is_empty())
        .collect();
    regions.sort();
    regions.dedup();
    let mut open = Query::select()
        .column(service_ticket::Column::Id)
        .from(service_ticket::Entity)
        .and_where(service_ticket::Column::ClosedAt.is_null())
        .to_owned();
    if let Some(visible) = access::visible_through(actor, (service_ticket::Entity, service_ticket::Column::ProjectId)) {
        open.and_where(visible);
    }
    let engineers = user::Entity::find()
        .filter(
            Expr::col((user::Entity, user::Column::Id)).in_subquery(
                Query::select()
                    .column(ticket_assignee::Column::UserId)
                    .from(ticket_assignee::Entity)
                    .and_where(Expr::col(ticket_assignee::Column::TicketId).in_subquery(open))
                    .to_owned(),
            ),
        )
        .order_by_asc(user::Column::DisplayName)
        .all(db)
        .await?;
    Ok(BoardChoices {
        projects,
        regions,
        engineers,
    })
}
