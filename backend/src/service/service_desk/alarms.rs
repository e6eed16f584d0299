//! The scan that warns before a promise breaks: every ticket whose next warning has come (the row
//! says when, so the scan reads only those) gets its clocks read, and each warning due goes out
//! once — the first level to the assigned engineers, the next to the PMs too, the breach to the
//! service managers as well. A warning is remembered before it is queued, in the same
//! transaction, so two instances scanning at once, or a scan run twice, send it once.
use std::collections::{HashMap, HashSet, hash_map::Entry};

use chrono::{DateTime, Utc};
use entity::{project, service_ticket, ticket_alarm};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TryInsertResult,
};

use super::{
    settings::policy_of,
    tickets::{Alert, alert, announce, assignees, derive, managers, sent_alarms},
};
use crate::{
    db::begin_write,
    domain::{
        plan::ServicePolicy,
        service_clock::{Audience, ClockLog, superseded},
    },
    error::AppResult,
    state::AppState,
};

/// What a scan did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ScanReport {
    /// Tickets looked at.
    pub tickets: usize,
    /// Warnings (and breaches) raised.
    pub alarms: usize,
    /// Messages queued for them.
    pub messages: usize,
}

const BATCH: u64 = 200;
/// Tickets settled per transaction.
const COMMIT_EVERY: usize = 50;

/// Looks at every open ticket whose next warning is due by `now`.
#[tracing::instrument(skip_all)]
pub async fn scan(state: &AppState, now: DateTime<Utc>) -> AppResult<ScanReport> {
    let mut report = ScanReport::default();
    let mut policies: HashMap<i32, (project::Model, ServicePolicy)> = HashMap::new();
    let mut seen: HashSet<i32> = HashSet::new();
    loop {
        // Most urgent first, on the index of `next_alarm_at`; a ticket looked at leaves the set
        // (its next warning is later, or it has none), and one that did not is not taken twice.
        let due: Vec<service_ticket::Model> = service_ticket::Entity::find()
            .filter(service_ticket::Column::NextAlarmAt.lte(now))
            .order_by_asc(service_ticket::Column::NextAlarmAt)
            .order_by_asc(service_ticket::Column::Id)
            .limit(BATCH + seen.len() as u64)
            .all(&state.db)
            .await?
            .into_iter()
            .filter(|t| seen.insert(t.id))
            .collect();
        if due.is_empty() {
            break;
        }
        // A transaction per batch: one commit for many tickets, not one each.
        for batch in due.chunks(COMMIT_EVERY) {
            let txn = begin_write(&state.db).await?;
            for row in batch {
                let (project, policy) = match policies.entry(row.project_id) {
                    Entry::Occupied(known) => known.into_mut(),
                    Entry::Vacant(slot) => {
                        let Some(project) = project::Entity::find_by_id(row.project_id).one(&txn).await? else {
                            continue;
                        };
                        let policy = policy_of(&txn, &project).await?;
                        slot.insert((project, policy))
                    }
                };
                let (alarms, messages) = one(state, &txn, project, policy, row.id, now).await?;
                report.tickets += 1;
                report.alarms += alarms;
                report.messages += messages;
            }
            txn.commit().await?;
        }
    }
    Ok(report)
}

async fn one(
    state: &AppState,
    txn: &DatabaseTransaction,
    project: &project::Model,
    policy: &ServicePolicy,
    ticket_id: i32,
    now: DateTime<Utc>,
) -> AppResult<(usize, usize)> {
    // Read again inside the transaction: another instance may have taken it meanwhile.
    let Some(row) = service_ticket::Entity::find_by_id(ticket_id).one(txn).await? else {
        return Ok((0, 0));
    };
    if row.closed_at.is_some() || row.next_alarm_at.is_none_or(|at| at > now) {
        return Ok((0, 0));
    }
    let log: ClockLog = serde_json::from_str(&row.clock_log).unwrap_or_default();
    let mut sent = sent_alarms(txn, row.id).await?;
    let d = derive(&log, policy, &sent, now);
    let (due, _) =
        crate::domain::service_clock::alarms_due(&d.views, &policy.warn_at_percent, &|k| sent.contains(k), now);
    let mut raised = 0;
    let mut messages = 0;
    for alarm in due {
        if !remember(txn, row.id, &alarm.key(), Some(now)).await? {
            continue;
        }
        sent.insert(alarm.key());
        for skipped in superseded(&alarm, &policy.warn_at_percent) {
            if remember(txn, row.id, &skipped.key(), None).await? {
                sent.insert(skipped.key());
            }
        }
        raised += 1;
        announce(state, txn, project, &row, Alert::Clock(alarm), now).await?;
        for to in recipients(state, txn, project, row.id, alarm.audience).await? {
            if alert(state, txn, project, &row, Some(to), Alert::Clock(alarm), now).await? {
                messages += 1;
            }
        }
    }
    let d = derive(&log, policy, &sent, now);
    let mut active: service_ticket::ActiveModel = row.into();
    active.due_at = Set(d.due_at);
    active.next_alarm_at = Set(d.next_alarm_at.filter(|at| *at > now));
    active.breached = Set(d.breached);
    active.paused = Set(d.paused);
    super::tickets::set_clock_facts(&mut active, &d.views);
    let row = sea_orm::ActiveModelTrait::update(active, txn).await?;
    super::statistics::month_counts::recount(txn, row.project_id, &[row.reported_month]).await?;
    Ok((raised, messages))
}

/// Records a warning as sent (or skipped); false when it was already.
async fn remember(db: &impl ConnectionTrait, ticket_id: i32, key: &str, at: Option<DateTime<Utc>>) -> AppResult<bool> {
    let result = ticket_alarm::Entity::insert(ticket_alarm::ActiveModel {
        ticket_id: Set(ticket_id),
        key: Set(key.to_string()),
        sent_at: Set(at),
        ..Default::default()
    })
    .on_conflict_do_nothing_on([ticket_alarm::Column::TicketId, ticket_alarm::Column::Key])
    .exec(db)
    .await?;
    Ok(matches!(result, TryInsertResult::Inserted(_)))
}

/// Who a warning of `audience` goes to: the assigned engineers; from the second level the PMs
/// too; for the breach the service managers as well. (Nobody assigned: the PMs from the start.)
async fn recipients(
    state: &AppState,
    db: &impl ConnectionTrait,
    project: &project::Model,
    ticket_id: i32,
    audience: Audience,
) -> AppResult<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut seen = HashSet::new();
    let mut add = |address: String, name: String| {
        if seen.insert(address.to_lowercase()) {
            out.push((address, name));
        }
    };
    let assigned = assignees(db, ticket_id).await?;
    for u in assigned.iter().filter(|u| !u.disabled) {
        if let Some(e) = &u.email {
            add(e.clone(), u.display_name.clone());
        }
    }
    if audience >= Audience::ProjectManagers || assigned.is_empty() {
        for (_, u) in managers(db, project.id).await? {
            if let Some(e) = u.email.clone().filter(|_| !u.disabled) {
                add(e, u.display_name.clone());
            }
        }
    }
    if audience >= Audience::ServiceManagers {
        for e in &state.settings.service_desk.service_managers {
            add(e.clone(), String::new());
        }
    }
    Ok(out)
}
