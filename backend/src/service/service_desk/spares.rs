//! The spare-parts store (备品备件库) and borrowing for a ticket. An engineer asks for a spare;
//! the PM approves in the app — or says yes on the phone, which the engineer records, and the PM
//! countersigns within the policy's working days (2, 调休 counted) or is reminded and, once
//! late, reported to the service managers. The spare is taken out (the ticket's 领取备件 step)
//! and brought back within the policy's hours (48) — or it stays, installed in place of the
//! faulty unit: the installed unit then carries the spare's serial in service, keeps the
//! remaining warranty of the unit it replaced, and the faulty unit enters the store as 待修.
use chrono::{DateTime, Duration, NaiveDate, SubsecRound, Utc};
use entity::{project, received_unit, service_ticket, spare_loan, spare_part, user};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait, ExprTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, Func},
};
use serde_json::json;

use super::{
    settings::policy_of,
    tickets::{self, StepInput, Ticket, managers},
    units::units,
};
use crate::{
    db::begin_write,
    domain::types::{
        LoanApproval, LoanStatus, MemberRole, SpareStatus, TicketStatus, TicketStep, optional_text, required_text,
    },
    email::{messages, outbox},
    error::{AppError, AppResult},
    service::{
        Actor,
        access::{self, Granted, MayManage, MayRead, MayRecordWork, Read},
        audit,
        projects::timezone_of,
    },
    state::AppState,
};

/// A spare to put in the store.
#[derive(Debug, Clone, Default)]
pub struct SpareInput {
    pub name: String,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub location: String,
    pub notes: Option<String>,
}

/// The store, by name and model; `status` narrows it.
pub async fn list(db: &impl ConnectionTrait, status: Option<SpareStatus>) -> AppResult<Vec<spare_part::Model>> {
    let mut find = spare_part::Entity::find()
        .order_by_asc(spare_part::Column::Name)
        .order_by_asc(spare_part::Column::Model)
        .order_by_asc(spare_part::Column::Id);
    if let Some(s) = status {
        find = find.filter(spare_part::Column::Status.eq(s));
    }
    Ok(find.all(db).await?)
}

/// Puts a spare into the store (managers).
pub async fn add(
    state: &AppState,
    actor: &Actor,
    input: SpareInput,
    now: DateTime<Utc>,
) -> AppResult<spare_part::Model> {
    access::keep_store(actor)?;
    let name = required_text("name", &input.name, 200)?;
    let model = optional_text("model", input.model.as_deref(), 200)?;
    let serial = optional_text("serial", input.serial.as_deref(), 100)?;
    let location = required_text("location", &input.location, 200)?;
    let notes = optional_text("notes", input.notes.as_deref(), 1000)?;
    let txn = begin_write(&state.db).await?;
    if let Some(sn) = &serial {
        // Serials are compared as people read them: SP-TR8000-01 and sp-tr8000-01 are one.
        let taken = spare_part::Entity::find()
            .filter(Expr::expr(Func::lower(Expr::col(spare_part::Column::Serial))).eq(sn.to_lowercase()))
            .one(&txn)
            .await?;
        if let Some(other) = taken {
            return Err(AppError::invalid(
                "serial",
                format!("serial: {sn} is spare {} ({}) already", other.id, other.name),
            ));
        }
    }
    let row = spare_part::ActiveModel {
        name: Set(name),
        model: Set(model),
        serial: Set(serial),
        location: Set(location),
        status: Set(SpareStatus::InStock),
        notes: Set(notes),
        created_by: Set(actor.id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        actor,
        audit::Event {
            project_id: None,
            event: "spare.added",
            subject: format!("spare:{}", row.id),
            detail: json!({ "name": row.name, "model": row.model, "serial": row.serial }),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Changes where a spare is or what state it is in (a faulty unit repaired back into stock,
/// scrapped …); a lent or installed one moves only through its loan.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: i32,
    status: Option<SpareStatus>,
    location: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<spare_part::Model> {
    access::keep_store(actor)?;
    let txn = begin_write(&state.db).await?;
    let row = spare_part::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no spare {id}")))?;
    if status
        .is_some_and(|s| matches!(s, SpareStatus::Lent | SpareStatus::Installed) || row.status == SpareStatus::Lent)
    {
        return Err(AppError::Conflict(format!(
            "spare {id} moves between lent and installed only through its loan"
        )));
    }
    if status.is_some_and(|s| s != row.status) {
        let open = spare_loan::Entity::find()
            .filter(spare_loan::Column::SpareId.eq(id))
            .filter(spare_loan::Column::Status.is_in([LoanStatus::Requested, LoanStatus::Approved, LoanStatus::Out]))
            .one(&txn)
            .await?;
        if let Some(loan) = open {
            return Err(AppError::Conflict(format!(
                "spare {id} is asked for by loan {} ({}): settle the loan first",
                loan.id,
                loan.status.label_zh()
            )));
        }
    }
    let location = optional_text("location", location.as_deref(), 200)?;
    let mut active: spare_part::ActiveModel = row.into();
    if let Some(s) = status {
        active.status = Set(s);
    }
    if let Some(l) = location {
        active.location = Set(l);
    }
    active.updated_at = Set(now);
    let row = active.update(&txn).await?;
    audit::append(
        &txn,
        actor,
        audit::Event {
            project_id: None,
            event: "spare.updated",
            subject: format!("spare:{}", row.id),
            detail: json!({ "status": row.status, "location": row.location }),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// A loan with its spare.
#[derive(Debug, Clone)]
pub struct Loan {
    pub loan: spare_loan::Model,
    pub spare: spare_part::Model,
}

/// The loans of a ticket, oldest first.
pub async fn of_ticket(db: &impl ConnectionTrait, t: &Ticket<impl MayRead>) -> AppResult<Vec<Loan>> {
    loans_of(db, t.row.id).await
}

/// The loans of the ticket `ticket_id` (its access established by the caller).
pub(super) async fn loans_of(db: &impl ConnectionTrait, ticket_id: i32) -> AppResult<Vec<Loan>> {
    let loans = spare_loan::Entity::find()
        .filter(spare_loan::Column::TicketId.eq(ticket_id))
        .order_by_asc(spare_loan::Column::Id)
        .all(db)
        .await?;
    let spares = spare_part::Entity::find()
        .filter(spare_part::Column::Id.is_in(loans.iter().map(|l| l.spare_id)))
        .all(db)
        .await?;
    Ok(loans
        .into_iter()
        .filter_map(|loan| {
            let spare = spares.iter().find(|s| s.id == loan.spare_id)?.clone();
            Some(Loan { loan, spare })
        })
        .collect())
}

async fn loan_of(
    txn: &DatabaseTransaction,
    t: &Ticket<impl MayRead>,
    id: i32,
) -> AppResult<(spare_loan::Model, spare_part::Model)> {
    let loan = spare_loan::Entity::find_by_id(id)
        .filter(spare_loan::Column::TicketId.eq(t.row.id))
        .one(txn)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no loan {id} on this ticket")))?;
    let spare = spare_part::Entity::find_by_id(loan.spare_id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no spare {}", loan.spare_id)))?;
    Ok((loan, spare))
}

fn open_ticket(t: &Ticket<impl MayRead>) -> AppResult<()> {
    if t.row.closed_at.is_some() {
        return Err(AppError::Conflict("the ticket is archived".into()));
    }
    Ok(())
}

/// An engineer asks to borrow a spare for a ticket; the PMs are told.
pub async fn request(
    state: &AppState,
    t: &Ticket<impl MayRecordWork>,
    spare_id: i32,
    note: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<spare_loan::Model> {
    open_ticket(t)?;
    let note = optional_text("note", note.as_deref(), 1000)?;
    let txn = begin_write(&state.db).await?;
    let spare = spare_part::Entity::find_by_id(spare_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::invalid("spare_id", format!("spare_id: no spare {spare_id}")))?;
    if spare.status != SpareStatus::InStock {
        return Err(AppError::Conflict(format!(
            "spare {} ({}) is {}, not in stock",
            spare.id,
            spare.name,
            spare.status.label_zh()
        )));
    }
    let asked = spare_loan::Entity::find()
        .filter(spare_loan::Column::SpareId.eq(spare_id))
        .filter(spare_loan::Column::Status.is_in([LoanStatus::Requested, LoanStatus::Approved]))
        .one(&txn)
        .await?;
    if let Some(other) = asked {
        return Err(AppError::Conflict(format!(
            "spare {spare_id} is asked for by loan {} already",
            other.id
        )));
    }
    let loan = spare_loan::ActiveModel {
        ticket_id: Set(t.row.id),
        spare_id: Set(spare_id),
        status: Set(LoanStatus::Requested),
        note: Set(note),
        requested_by: Set(t.granted.actor().id),
        requested_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    loan_event(&txn, t, &loan, "spare_loan.requested", now).await?;
    for (_, pm) in managers(&txn, t.row.project_id).await? {
        tell(
            state,
            &txn,
            t.granted.project(),
            &t.row,
            &loan,
            &spare,
            &pm,
            "approve",
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(loan)
}

/// The PM approves a loan in the app.
pub async fn approve(
    state: &AppState,
    t: &Ticket<impl MayManage>,
    loan_id: i32,
    now: DateTime<Utc>,
) -> AppResult<spare_loan::Model> {
    open_ticket(t)?;
    let txn = begin_write(&state.db).await?;
    let (loan, _) = loan_of(&txn, t, loan_id).await?;
    if loan.status != LoanStatus::Requested {
        return Err(AppError::Conflict(format!(
            "loan {loan_id} is {}",
            loan.status.label_zh()
        )));
    }
    let mut active: spare_loan::ActiveModel = loan.into();
    active.status = Set(LoanStatus::Approved);
    active.approval = Set(Some(LoanApproval::InApp));
    active.approved_by = Set(t.granted.actor().id);
    active.approved_at = Set(Some(now));
    let loan = active.update(&txn).await?;
    loan_event(&txn, t, &loan, "spare_loan.approved", now).await?;
    txn.commit().await?;
    Ok(loan)
}

/// The working-day calendar a project's deadlines count on: its plan's, else the shipped
/// Chinese one (with 调休), else weekends only.
/// The last day to countersign an oral approval given at `at`.
pub async fn countersign_due(state: &AppState, project: &project::Model, at: DateTime<Utc>) -> AppResult<NaiveDate> {
    let policy = policy_of(&state.db, project).await?;
    let calendar = super::settings::working_calendar(state, &state.db, project).await?;
    let day = at.with_timezone(&timezone_of(project)).date_naive();
    Ok(calendar.add_working_days(day, policy.countersign_working_days))
}

/// The engineer records the PM's oral approval (who and when); the PM countersigns it within the
/// policy's working days.
pub async fn record_oral_approval(
    state: &AppState,
    t: &Ticket<impl MayRecordWork>,
    loan_id: i32,
    approved_by: i32,
    at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> AppResult<spare_loan::Model> {
    open_ticket(t)?;
    let at = at.unwrap_or(now).trunc_subsecs(0);
    if at > now + Duration::minutes(5) {
        return Err(AppError::invalid("at", "at: the approval cannot be in the future"));
    }
    let project = t.granted.project();
    let due = countersign_due(state, project, at).await?;
    let txn = begin_write(&state.db).await?;
    let pms = managers(&txn, project.id).await?;
    if !pms
        .iter()
        .any(|(m, _)| m.user_id == approved_by && m.role == MemberRole::Pm)
    {
        return Err(AppError::invalid(
            "approved_by",
            format!("approved_by: user {approved_by} is not a PM of {}", project.code),
        ));
    }
    let (loan, _) = loan_of(&txn, t, loan_id).await?;
    if loan.status != LoanStatus::Requested {
        return Err(AppError::Conflict(format!(
            "loan {loan_id} is {}",
            loan.status.label_zh()
        )));
    }
    let mut active: spare_loan::ActiveModel = loan.into();
    active.status = Set(LoanStatus::Approved);
    active.approval = Set(Some(LoanApproval::Oral));
    active.approved_by = Set(Some(approved_by));
    active.approved_at = Set(Some(at));
    active.countersign_due_on = Set(Some(due));
    let loan = active.update(&txn).await?;
    loan_event(&txn, t, &loan, "spare_loan.approved_orally", now).await?;
    txn.commit().await?;
    Ok(loan)
}

/// The PM countersigns an oral approval (补签).
pub async fn countersign(
    state: &AppState,
    t: &Ticket<impl MayManage>,
    loan_id: i32,
    now: DateTime<Utc>,
) -> AppResult<spare_loan::Model> {
    let txn = begin_write(&state.db).await?;
    let (loan, _) = loan_of(&txn, t, loan_id).await?;
    if loan.approval != Some(LoanApproval::Oral) {
        return Err(AppError::Conflict(format!("loan {loan_id} was not approved orally")));
    }
    if loan.countersigned_at.is_some() {
        return Err(AppError::Conflict(format!("loan {loan_id} is countersigned already")));
    }
    let mut active: spare_loan::ActiveModel = loan.into();
    active.countersigned_at = Set(Some(now));
    active.countersigned_by = Set(t.granted.actor().id);
    let loan = active.update(&txn).await?;
    loan_event(&txn, t, &loan, "spare_loan.countersigned", now).await?;
    txn.commit().await?;
    Ok(loan)
}

/// The engineer takes the approved spare out of the store — the ticket's 领取备件 step.
pub async fn check_out(
    state: &AppState,
    t: &Ticket<impl MayRecordWork>,
    loan_id: i32,
    now: DateTime<Utc>,
) -> AppResult<spare_loan::Model> {
    open_ticket(t)?;
    let policy = policy_of(&state.db, t.granted.project()).await?;
    let txn = begin_write(&state.db).await?;
    let (loan, spare) = loan_of(&txn, t, loan_id).await?;
    if loan.status != LoanStatus::Approved {
        return Err(AppError::Conflict(format!(
            "loan {loan_id} is {}: the PM approves it first (in the app, or orally and recorded)",
            loan.status.label_zh()
        )));
    }
    if spare.status != SpareStatus::InStock {
        return Err(AppError::Conflict(format!(
            "spare {} ({}) is {}, not in stock",
            spare.id,
            spare.name,
            spare.status.label_zh()
        )));
    }
    let mut active: spare_loan::ActiveModel = loan.into();
    active.status = Set(LoanStatus::Out);
    active.checked_out_at = Set(Some(now));
    active.return_due_at = Set(Some(now + Duration::hours(i64::from(policy.materials_return_hours))));
    let loan = active.update(&txn).await?;
    let spare = set_spare(&txn, spare, SpareStatus::Lent, None, now).await?;
    super::statistics::month_counts::recount(&txn, t.row.project_id, &[t.row.reported_month]).await?;
    loan_event(&txn, t, &loan, "spare_loan.checked_out", now).await?;
    let current = service_ticket::Entity::find_by_id(t.row.id).one(&txn).await?;
    if current.is_some_and(|c| !matches!(c.status, TicketStatus::Resolved | TicketStatus::Closed)) {
        let step = StepInput {
            step: TicketStep::SparesDrawn,
            at: Some(now),
            note: Some(format!("{}（借用）", label(&spare))),
            reason: None,
        };
        tickets::record_in(state, &txn, t, step, now).await?;
    }
    txn.commit().await?;
    Ok(loan)
}

/// How a spare is named: «硬盘录像机 DS-8632N（SN-001）».
pub fn label(s: &spare_part::Model) -> String {
    let mut out = s.name.clone();
    if let Some(m) = &s.model {
        out.push_str(&format!(" {m}"));
    }
    if let Some(sn) = &s.serial {
        out.push_str(&format!("（{sn}）"));
    }
    out
}

async fn set_spare(
    txn: &DatabaseTransaction,
    spare: spare_part::Model,
    status: SpareStatus,
    location: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<spare_part::Model> {
    let mut active: spare_part::ActiveModel = spare.into();
    active.status = Set(status);
    if let Some(l) = location {
        active.location = Set(l);
    }
    active.updated_at = Set(now);
    Ok(active.update(txn).await?)
}

/// The spare comes back to the store.
pub async fn give_back(
    state: &AppState,
    t: &Ticket<impl MayRecordWork>,
    loan_id: i32,
    now: DateTime<Utc>,
) -> AppResult<spare_loan::Model> {
    let txn = begin_write(&state.db).await?;
    let (loan, spare) = loan_of(&txn, t, loan_id).await?;
    if loan.status != LoanStatus::Out {
        return Err(AppError::Conflict(format!(
            "loan {loan_id} is {}",
            loan.status.label_zh()
        )));
    }
    let mut active: spare_loan::ActiveModel = loan.into();
    active.status = Set(LoanStatus::Returned);
    active.returned_at = Set(Some(now));
    let loan = active.update(&txn).await?;
    set_spare(&txn, spare, SpareStatus::InStock, None, now).await?;
    loan_event(&txn, t, &loan, "spare_loan.returned", now).await?;
    txn.commit().await?;
    Ok(loan)
}

/// The spare stays, installed in place of the ticket's unit: the unit carries the spare's serial
/// in service and keeps the remaining warranty of the one it replaced; the faulty unit enters the
/// store as 待修 at `faulty_location`. While someone is on site this is the ticket's 更换备机 step.
pub async fn install(
    state: &AppState,
    t: &Ticket<impl MayRecordWork>,
    loan_id: i32,
    faulty_location: String,
    now: DateTime<Utc>,
) -> AppResult<spare_loan::Model> {
    open_ticket(t)?;
    let faulty_location = required_text("faulty_location", &faulty_location, 200)?;
    let Some(unit_id) = t.row.unit_id else {
        return Err(AppError::Conflict(
            "the ticket names no installed unit; a spare that stays replaces a unit picked on the ticket".into(),
        ));
    };
    let project = t.granted.project();
    let policy = policy_of(&state.db, project).await?;
    let read = Granted::<Read>::vouched(project.clone(), t.granted.actor());
    let before = units(&state.db, &read, &policy)
        .await?
        .into_iter()
        .find(|u| u.unit_id == unit_id)
        .ok_or_else(|| AppError::Conflict(format!("unit {unit_id} is not installed")))?;
    let txn = begin_write(&state.db).await?;
    let (loan, spare) = loan_of(&txn, t, loan_id).await?;
    if loan.status != LoanStatus::Out {
        return Err(AppError::Conflict(format!(
            "loan {loan_id} is {}: take the spare out first",
            loan.status.label_zh()
        )));
    }
    if spare.name.trim() != before.name.trim() {
        return Err(AppError::Conflict(format!(
            "spare {} is a {}, the unit is a {}: a unit that stays replaces one of its own kind (an equal or better model)",
            spare.id, spare.name, before.name
        )));
    }
    let Some(new_serial) = spare.serial.clone() else {
        return Err(AppError::Conflict(format!(
            "spare {} has no serial number; a unit that stays needs one to be found by",
            spare.id
        )));
    };
    let unit = received_unit::Entity::find_by_id(unit_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no unit {unit_id}")))?;
    let faulty = spare_part::ActiveModel {
        name: Set(before.name.clone()),
        model: Set(before.model.clone()),
        serial: Set(before.serial.clone()),
        location: Set(faulty_location),
        status: Set(SpareStatus::Faulty),
        notes: Set(Some(format!(
            "{} 从 {} 换下（报修单 {}）",
            before.location,
            project.code,
            t.row.number.clone().unwrap_or_default()
        ))),
        created_by: Set(t.granted.actor().id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let faulty = match spare_part::Entity::find()
        .filter(Condition::all().add(spare_part::Column::Serial.eq(before.serial.clone().unwrap_or_default())))
        .one(&txn)
        .await?
    {
        // The unit was a spare once (replaced before): it comes back as that spare.
        Some(known) if before.serial.is_some() => set_spare(&txn, known, SpareStatus::Faulty, None, now).await?,
        _ => faulty.insert(&txn).await?,
    };
    let mut active_unit: received_unit::ActiveModel = unit.into();
    active_unit.serial_in_service = Set(Some(new_serial.clone()));
    active_unit.warranty_ends_on = Set(before.ends_on);
    active_unit.update(&txn).await?;
    let mut active: spare_loan::ActiveModel = loan.into();
    active.status = Set(LoanStatus::Installed);
    active.installed_at = Set(Some(now));
    active.unit_id = Set(Some(unit_id));
    active.faulty_spare_id = Set(Some(faulty.id));
    let loan = active.update(&txn).await?;
    let installed_at = format!("{} · {}", project.code, before.location);
    set_spare(&txn, spare, SpareStatus::Installed, Some(installed_at), now).await?;
    audit::project_event(
        &txn,
        t.granted.actor(),
        project.id,
        "unit.replaced",
        format!("unit:{unit_id}"),
        json!({ "from": before.serial, "to": new_serial, "ticket": t.row.id, "warranty_ends_on": before.ends_on }),
        now,
    )
    .await?;
    loan_event(&txn, t, &loan, "spare_loan.installed", now).await?;
    let current = service_ticket::Entity::find_by_id(t.row.id).one(&txn).await?;
    if current.is_some_and(|c| c.status == TicketStatus::OnSite) {
        let step = StepInput {
            step: TicketStep::Replaced,
            at: Some(now),
            note: Some(format!("{} → {new_serial}", before.serial.clone().unwrap_or_default())),
            reason: None,
        };
        tickets::record_in(state, &txn, t, step, now).await?;
    }
    txn.commit().await?;
    Ok(loan)
}

async fn loan_event(
    txn: &DatabaseTransaction,
    t: &Ticket<impl MayRead>,
    loan: &spare_loan::Model,
    event: &'static str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    audit::project_event(
        txn,
        t.granted.actor(),
        t.row.project_id,
        event,
        format!("spare_loan:{}", loan.id),
        json!({ "ticket": t.row.id, "spare": loan.spare_id, "status": loan.status }),
        now,
    )
    .await
}

/// A message about a loan to one person: `what` is approve, countersign, countersign_late,
/// return or return_late.
#[allow(clippy::too_many_arguments)]
async fn tell(
    state: &AppState,
    db: &impl ConnectionTrait,
    project: &project::Model,
    ticket: &service_ticket::Model,
    loan: &spare_loan::Model,
    spare: &spare_part::Model,
    to: &user::Model,
    what: &str,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let Some(address) = to.email.clone().filter(|_| !to.disabled) else {
        return Ok(false);
    };
    enqueue_loan_message(
        state,
        db,
        project,
        ticket,
        loan,
        spare,
        (&address, &to.display_name),
        what,
        now,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn enqueue_loan_message(
    state: &AppState,
    db: &impl ConnectionTrait,
    project: &project::Model,
    ticket: &service_ticket::Model,
    loan: &spare_loan::Model,
    spare: &spare_part::Model,
    (address, name): (&str, &str),
    what: &str,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let tz = timezone_of(project);
    let ctx = minijinja::context! {
        name => name,
        what => what,
        number => ticket.number,
        project_code => project.code,
        project_name => project.name,
        spare => label(spare),
        approved_at => loan.approved_at.map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()),
        countersign_due_on => loan.countersign_due_on.map(|d| d.to_string()),
        return_due_at => loan.return_due_at.map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()),
        link => format!("{}/tickets/{}", state.settings.base_url(), ticket.id),
    };
    let env = &state.templates.env;
    let render = |t: &str| messages::render(env, t, &ctx);
    let day = now.with_timezone(&tz).date_naive();
    // Reminders go once a day; the rest once.
    let key = match what {
        "countersign" => format!("spare_loan:{}:{what}:{day}:{address}", loan.id),
        _ => format!("spare_loan:{}:{what}:{address}", loan.id),
    };
    let queued = outbox::enqueue(
        db,
        outbox::NewEmail {
            key,
            kind: "spare_loan".into(),
            project_id: Some(project.id),
            to_address: address.to_string(),
            to_name: Some(name.to_string()).filter(|n| !n.is_empty()),
            subject: render("spare_loan.subject.txt")?,
            text: render("spare_loan.txt")?,
            html: None,
            calendar: None,
        },
        Duration::hours(state.settings.mail_retry_horizon_hours),
        now,
    )
    .await?;
    Ok(queued.is_some())
}

/// Reminds the PM of each oral approval not yet countersigned (each working day until its last
/// day) and, once it is late, tells the service managers; reminds the borrower of a spare not
/// back within its hours and, once, the PMs. Returns how many messages were queued.
#[tracing::instrument(skip_all)]
pub async fn notify(state: &AppState, now: DateTime<Utc>) -> AppResult<usize> {
    let db = &state.db;
    let pending = spare_loan::Entity::find()
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(spare_loan::Column::Approval.eq(LoanApproval::Oral))
                        .add(spare_loan::Column::CountersignedAt.is_null()),
                )
                .add(
                    Condition::all()
                        .add(spare_loan::Column::Status.eq(LoanStatus::Out))
                        .add(spare_loan::Column::ReturnDueAt.lte(now)),
                ),
        )
        .all(db)
        .await?;
    let mut queued = 0;
    for loan in pending {
        let Some(ticket) = service_ticket::Entity::find_by_id(loan.ticket_id).one(db).await? else {
            continue;
        };
        let Some(project) = project::Entity::find_by_id(ticket.project_id).one(db).await? else {
            continue;
        };
        let Some(spare) = spare_part::Entity::find_by_id(loan.spare_id).one(db).await? else {
            continue;
        };
        let today = now.with_timezone(&timezone_of(&project)).date_naive();
        if loan.approval == Some(LoanApproval::Oral) && loan.countersigned_at.is_none() {
            let due = loan.countersign_due_on.unwrap_or(today);
            let approver = match loan.approved_by {
                Some(id) => user::Entity::find_by_id(id).one(db).await?,
                None => None,
            };
            if today <= due {
                if let Some(pm) = &approver {
                    queued +=
                        usize::from(tell(state, db, &project, &ticket, &loan, &spare, pm, "countersign", now).await?);
                }
            } else {
                for address in &state.settings.service_desk.service_managers {
                    queued += usize::from(
                        enqueue_loan_message(
                            state,
                            db,
                            &project,
                            &ticket,
                            &loan,
                            &spare,
                            (address, ""),
                            "countersign_late",
                            now,
                        )
                        .await?,
                    );
                }
                if let Some(pm) = &approver {
                    queued += usize::from(
                        tell(state, db, &project, &ticket, &loan, &spare, pm, "countersign_late", now).await?,
                    );
                }
            }
        }
        if loan.status == LoanStatus::Out && loan.return_due_at.is_some_and(|d| d <= now) {
            if let Some(id) = loan.requested_by
                && let Some(borrower) = user::Entity::find_by_id(id).one(db).await?
            {
                queued += usize::from(
                    tell(
                        state,
                        db,
                        &project,
                        &ticket,
                        &loan,
                        &spare,
                        &borrower,
                        "return_late",
                        now,
                    )
                    .await?,
                );
            }
            for (_, pm) in managers(db, project.id).await? {
                queued +=
                    usize::from(tell(state, db, &project, &ticket, &loan, &spare, &pm, "return_late", now).await?);
            }
        }
    }
    Ok(queued)
}
