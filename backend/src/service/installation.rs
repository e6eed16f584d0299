//! Phase 3 (工程安装): where each baseline item (or each serial-numbered unit) was installed, by
//! whom, its configuration and its commissioning result. All of it together is the 现场安装一览表.
//! 设备安装 completes itself once every item is installed in full, 设备调试与开通 once every
//! installation also passed commissioning.
use chrono::{DateTime, NaiveDate, Utc};
use std::net::IpAddr;

use entity::{installation, project_member, received_unit, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, TryIntoModel,
};
use std::collections::HashMap;

use super::{
    access::{Granted, MayRead, MayRecordWork},
    arrival,
    history::{self, Change},
    milestones::{self, Evidence, Milestone},
};
use crate::{
    db::begin_write,
    domain::types::{Commissioning, optional_text, required_text},
    error::{AppError, AppResult, RowProblem},
};

/// The fields of an installation record; on update `None` leaves a field as it is.
#[derive(Default)]
pub struct InstallationInput {
    pub item_id: Option<i32>,
    /// The unit installed, by its serial number (items with serials are installed unit by unit).
    pub serial: Option<String>,
    /// For items without serials; defaults to the whole remaining quantity.
    pub quantity: Option<f64>,
    pub location: Option<String>,
    pub installed_on: Option<NaiveDate>,
    /// The engineer who installed it; defaults to the caller.
    pub engineer_id: Option<i32>,
    pub ip_address: Option<String>,
    pub firmware: Option<String>,
    pub config_notes: Option<String>,
    pub commissioning: Option<String>,
    pub commissioning_note: Option<String>,
    pub commissioned_on: Option<NaiveDate>,
    /// Why a record is corrected; required to change the unit (its serial) on update.
    pub reason: Option<String>,
}

#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn list(db: &impl ConnectionTrait, p: &Granted<impl MayRead>) -> AppResult<Vec<installation::Model>> {
    let project_id = p.id();
    Ok(installation::Entity::find()
        .filter(installation::Column::ProjectId.eq(project_id))
        .order_by_asc(installation::Column::Id)
        .all(db)
        .await?)
}

fn ip(value: Option<&str>) -> AppResult<Option<String>> {
    match optional_text("ip_address", value, 64)? {
        Some(v) => v.parse::<IpAddr>().map(|a| Some(a.to_string())).map_err(|_| {
            AppError::invalid(
                "ip_address",
                format!("ip_address: '{v}' is not an IPv4 or IPv6 address"),
            )
        }),
        None => Ok(None),
    }
}

async fn check_engineer(db: &impl ConnectionTrait, project_id: i32, user_id: i32) -> AppResult<()> {
    let member = project_member::Entity::find()
        .filter(project_member::Column::ProjectId.eq(project_id))
        .filter(project_member::Column::UserId.eq(user_id))
        .one(db)
        .await?;
    match member {
        Some(_) => Ok(()),
        None => Err(AppError::invalid(
            "engineer_id",
            format!("engineer_id: user {user_id} is not a member of this project"),
        )),
    }
}

fn commissioning(
    value: Option<&str>,
    note: &Option<String>,
    on: Option<NaiveDate>,
    today: NaiveDate,
) -> AppResult<Option<Commissioning>> {
    let Some(v) = value else { return Ok(None) };
    let c = Commissioning::parse(v)?;
    if c == Commissioning::Fail && note.is_none() {
        return Err(AppError::invalid(
            "commissioning_note",
            "commissioning_note: say what failed in commissioning",
        ));
    }
    if on.is_some_and(|d| d > today) {
        return Err(AppError::invalid(
            "commissioned_on",
            "commissioned_on: cannot be in the future",
        ));
    }
    Ok(Some(c))
}

#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn create(
    db: &DatabaseConnection,
    p: &Granted<impl MayRecordWork>,
    input: InstallationInput,
    now: DateTime<Utc>,
) -> AppResult<installation::Model> {
    let txn = begin_write(db).await?;
    let saved = insert_record(&txn, p, input, now).await?;
    settle_tasks(&txn, p, now).await?;
    txn.commit().await?;
    Ok(saved)
}

async fn insert_record(
    txn: &DatabaseTransaction,
    p: &Granted<impl MayRecordWork>,
    input: InstallationInput,
    now: DateTime<Utc>,
) -> AppResult<installation::Model> {
    let (actor, project_id) = (p.actor(), p.id());
    // "Today" is the project's day, as on its site: not the server's UTC date.
    let today = crate::domain::schedule::local_today(now, super::projects::timezone_of(p.project()));
    let item_id = input
        .item_id
        .ok_or_else(|| AppError::invalid("item_id", "item_id: required"))?;
    let location = required_text("location", input.location.as_deref().unwrap_or(""), 200)?;
    let installed_on = input
        .installed_on
        .ok_or_else(|| AppError::invalid("installed_on", "installed_on: required (YYYY-MM-DD)"))?;
    if installed_on > today {
        return Err(AppError::invalid(
            "installed_on",
            "installed_on: cannot be in the future",
        ));
    }
    let ip_address = ip(input.ip_address.as_deref())?;
    let firmware = optional_text("firmware", input.firmware.as_deref(), 100)?;
    let config_notes = optional_text("config_notes", input.config_notes.as_deref(), 2000)?;
    let commissioning_note = optional_text("commissioning_note", input.commissioning_note.as_deref(), 2000)?;
    let result = commissioning(
        input.commissioning.as_deref(),
        &commissioning_note,
        input.commissioned_on,
        today,
    )?
    .unwrap_or(Commissioning::Pending);
    let engineer_id = match (input.engineer_id, actor.id) {
        (Some(id), _) => {
            check_engineer(txn, project_id, id).await?;
            Some(id)
        }
        // The caller, when they are on the project's team (an administrator may not be).
        (None, Some(me)) => check_engineer(txn, project_id, me).await.ok().map(|_| me),
        (None, None) => None,
    };
    let st = arrival::status(txn, p).await?;
    let item = st.item(item_id)?;
    if item.service {
        return Err(AppError::invalid(
            "item_id",
            format!(
                "item_id: {} is a service line; there is nothing to install",
                item.item.name
            ),
        ));
    }
    let existing = list(txn, p).await?;
    let installed: f64 = existing
        .iter()
        .filter(|i| i.item_id == item_id)
        .map(|i| i.quantity)
        .sum();
    let label = &item.item.name;
    let (unit_id, quantity) = match input.serial.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(serial) => {
            let unit = arrival::in_place(&st.units)
                .find(|u| u.item_id == item_id && u.serial.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(serial)))
                .ok_or_else(|| {
                    AppError::invalid(
                        "serial",
                        format!("serial: {label} has no unit with serial number {serial}"),
                    )
                })?;
            if existing.iter().any(|i| i.unit_id == Some(unit.id)) {
                return Err(AppError::Conflict(format!(
                    "{label} {serial} has an installation record already"
                )));
            }
            (Some(unit.id), 1.0)
        }
        None => {
            if !item.serials.is_empty() {
                return Err(AppError::invalid(
                    "serial",
                    format!("serial: {label} arrived with serial numbers; name the unit installed"),
                ));
            }
            let q = input.quantity.unwrap_or(item.received - installed);
            if !(q > 0.0 && q.is_finite()) {
                return Err(AppError::invalid(
                    "quantity",
                    format!(
                        "quantity: {label}: nothing left to install ({} arrived, {installed} installed)",
                        item.received
                    ),
                ));
            }
            (None, q)
        }
    };
    if installed + quantity > item.received + 1e-9 {
        return Err(AppError::Conflict(format!(
            "{label}: {} arrived, {installed} installed; {quantity} more cannot be installed",
            item.received
        )));
    }
    let saved = installation::ActiveModel {
        project_id: Set(project_id),
        item_id: Set(item_id),
        unit_id: Set(unit_id),
        quantity: Set(quantity),
        location: Set(location.clone()),
        installed_on: Set(installed_on),
        engineer_id: Set(engineer_id),
        ip_address: Set(ip_address),
        firmware: Set(firmware),
        config_notes: Set(config_notes),
        commissioning: Set(result),
        commissioning_note: Set(commissioning_note),
        commissioned_on: Set(input
            .commissioned_on
            .or((result != Commissioning::Pending).then_some(installed_on))),
        created_by: Set(actor.id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    history::record(
        txn,
        actor,
        now,
        vec![
            Change::new(Some(project_id), "installation", Some(saved.id), "created")
                .field("item", None, Some(label.clone()))
                .field("location", None, Some(location)),
        ],
    )
    .await?;
    milestones::start(txn, p, Milestone::Installation, now).await?;
    if result != Commissioning::Pending {
        milestones::start(txn, p, Milestone::Commissioning, now).await?;
    }
    Ok(saved)
}

/// Changes the location, configuration or commissioning result of an installation record.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn update(
    db: &DatabaseConnection,
    p: &Granted<impl MayRecordWork>,
    id: i32,
    input: InstallationInput,
    now: DateTime<Utc>,
) -> AppResult<installation::Model> {
    let txn = begin_write(db).await?;
    let saved = change_record(&txn, p, id, input, now).await?;
    settle_tasks(&txn, p, now).await?;
    txn.commit().await?;
    Ok(saved.0)
}

/// Changes a record; says whether anything changed (an unchanged row of the table is not written).
async fn change_record(
    txn: &DatabaseTransaction,
    p: &Granted<impl MayRecordWork>,
    id: i32,
    input: InstallationInput,
    now: DateTime<Utc>,
) -> AppResult<(installation::Model, bool)> {
    let (actor, project_id) = (p.actor(), p.id());
    // "Today" is the project's day, as on its site: not the server's UTC date.
    let today = crate::domain::schedule::local_today(now, super::projects::timezone_of(p.project()));
    if input.item_id.is_some() || input.quantity.is_some() {
        return Err(AppError::invalid(
            "item_id",
            "item_id and quantity cannot change; a unit's serial can, with a reason",
        ));
    }
    let reason = optional_text("reason", input.reason.as_deref(), 500)?;
    let old = installation::Entity::find_by_id(id)
        .one(txn)
        .await?
        .filter(|i| i.project_id == project_id)
        .ok_or_else(|| AppError::not_found(format!("no installation {id} on project {project_id}")))?;
    let base = Change::new(Some(project_id), "installation", Some(id), "updated").reason(reason.clone());
    let mut changes = Vec::new();
    let mut m: installation::ActiveModel = old.clone().into();
    // A serial typed wrong is corrected to the unit really installed: another unit of the same
    // item, received and not installed elsewhere.
    if let Some(serial) = input.serial.as_deref().map(str::trim) {
        let Some(old_unit) = old.unit_id else {
            return Err(AppError::invalid(
                "serial",
                "serial: this record is by quantity; it has no unit to correct",
            ));
        };
        if reason.is_none() {
            return Err(AppError::invalid(
                "reason",
                "reason: say why the serial is corrected, e.g. 序列号录入错误",
            ));
        }
        let units = received_unit::Entity::find()
            .filter(received_unit::Column::ItemId.eq(old.item_id))
            .all(txn)
            .await?;
        let unit = arrival::in_place(&units)
            .find(|u| u.serial.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(serial)))
            .ok_or_else(|| {
                AppError::invalid(
                    "serial",
                    format!("serial: no unit of this item arrived with serial number {serial}"),
                )
            })?;
        if unit.id != old_unit {
            let taken = installation::Entity::find()
                .filter(installation::Column::UnitId.eq(unit.id))
                .one(txn)
                .await?;
            if let Some(other) = taken {
                return Err(AppError::Conflict(format!(
                    "serial {serial} is on installation record {} already",
                    other.id
                )));
            }
            let was = units
                .iter()
                .find(|u| u.id == old_unit)
                .and_then(|u| u.serial.clone())
                .unwrap_or_default();
            history::diff(
                &mut changes,
                &base,
                "serial",
                &was,
                &unit.serial.clone().unwrap_or_default(),
            );
            m.unit_id = Set(Some(unit.id));
        }
    }
    if let Some(l) = &input.location {
        let l = required_text("location", l, 200)?;
        history::diff(&mut changes, &base, "location", &old.location, &l);
        m.location = Set(l);
    }
    if let Some(d) = input.installed_on {
        if d > today {
            return Err(AppError::invalid(
                "installed_on",
                "installed_on: cannot be in the future",
            ));
        }
        history::diff(&mut changes, &base, "installed_on", &old.installed_on, &d);
        m.installed_on = Set(d);
    }
    if let Some(e) = input.engineer_id {
        check_engineer(txn, project_id, e).await?;
        m.engineer_id = Set(Some(e));
    }
    if input.ip_address.is_some() {
        let v = ip(input.ip_address.as_deref())?;
        history::diff(
            &mut changes,
            &base,
            "ip_address",
            &old.ip_address.clone().unwrap_or_default(),
            &v.clone().unwrap_or_default(),
        );
        m.ip_address = Set(v);
    }
    if input.firmware.is_some() {
        let v = optional_text("firmware", input.firmware.as_deref(), 100)?;
        history::diff(
            &mut changes,
            &base,
            "firmware",
            &old.firmware.clone().unwrap_or_default(),
            &v.clone().unwrap_or_default(),
        );
        m.firmware = Set(v);
    }
    if input.config_notes.is_some() {
        m.config_notes = Set(optional_text("config_notes", input.config_notes.as_deref(), 2000)?);
    }
    let note = match input.commissioning_note.as_deref() {
        Some(n) => optional_text("commissioning_note", Some(n), 2000)?,
        None => old.commissioning_note.clone(),
    };
    if let Some(c) = commissioning(input.commissioning.as_deref(), &note, input.commissioned_on, today)?
        && (c != old.commissioning || input.commissioned_on.is_some())
    {
        // A result sent again as it was (a table saved whole) keeps its day.
        history::diff(&mut changes, &base, "commissioning", &old.commissioning, &c);
        m.commissioning = Set(c);
        if c != Commissioning::Pending {
            milestones::start(txn, p, Milestone::Commissioning, now).await?;
        }
        m.commissioned_on = Set(Some(input.commissioned_on.unwrap_or(today)));
    }
    m.commissioning_note = Set(note);
    m.updated_at = Set(old.updated_at);
    if m.clone().try_into_model().is_ok_and(|new| new == old) {
        return Ok((old, false));
    }
    m.updated_at = Set(now);
    let saved = m.update(txn).await?;
    history::record(txn, actor, now, changes).await?;
    Ok((saved, true))
}

/// One row of the installation table: a new record, or changes to record `id`.
pub struct TableRow {
    pub id: Option<i32>,
    pub input: InstallationInput,
}

/// What a save of the table did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TableSaved {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Saves many rows of the installation table in one transaction: all or none. Every row is checked
/// (later rows see the earlier ones, so one unit entered twice is caught on its second row); each
/// row that cannot be saved is reported with what to fix.
#[tracing::instrument(skip_all, fields(project_id = p.id(), rows = rows.len()))]
pub async fn save_table(
    db: &DatabaseConnection,
    p: &Granted<impl MayRecordWork>,
    rows: Vec<TableRow>,
    now: DateTime<Utc>,
) -> AppResult<TableSaved> {
    const MAX_ROWS: usize = 2000;
    if rows.is_empty() || rows.len() > MAX_ROWS {
        return Err(AppError::invalid(
            "records",
            format!("records: send 1 to {MAX_ROWS} rows, not {}", rows.len()),
        ));
    }
    let txn = begin_write(db).await?;
    let mut saved = TableSaved::default();
    let mut problems = Vec::new();
    for (i, row) in rows.into_iter().enumerate() {
        let outcome = match row.id {
            Some(id) => change_record(&txn, p, id, row.input, now).await.map(|(_, changed)| {
                if changed {
                    saved.updated += 1
                } else {
                    saved.unchanged += 1
                }
            }),
            None => insert_record(&txn, p, row.input, now).await.map(|_| saved.created += 1),
        };
        if let Err(e) = outcome {
            problems.push(RowProblem::of(i + 1, e)?);
        }
    }
    if !problems.is_empty() {
        // Dropping the transaction rolls back the rows that were fine.
        return Err(AppError::Rows {
            field: "records".into(),
            problems,
        });
    }
    settle_tasks(&txn, p, now).await?;
    txn.commit().await?;
    Ok(saved)
}

async fn settle_tasks(txn: &DatabaseTransaction, p: &Granted<impl MayRecordWork>, now: DateTime<Utc>) -> AppResult<()> {
    let project_id = p.id();
    let st = arrival::status(txn, p).await?;
    let records = list(txn, p).await?;
    let all_installed = st.items.iter().filter(|s| !s.service).all(|s| {
        let installed: f64 = records
            .iter()
            .filter(|i| i.item_id == s.item.id)
            .map(|i| i.quantity)
            .sum();
        let expected = s.item.quantity.unwrap_or(s.received.max(1.0));
        installed + 1e-9 >= expected
    });
    if !all_installed {
        return Ok(());
    }
    let n = st.items.iter().filter(|s| !s.service).count();
    let evidence = vec![Evidence {
        label: format!("现场安装一览表（{n} 项，{} 条安装记录）", records.len()),
        href: format!("/api/projects/{project_id}/installations"),
    }];
    let note = format!("系统自动完成：{n} 项设备全部安装");
    milestones::complete(txn, p, Milestone::Installation, note, evidence.clone(), now).await?;
    if records.iter().all(|r| r.commissioning == Commissioning::Pass) {
        let note = format!("系统自动完成：{} 条安装记录全部调试合格", records.len());
        milestones::complete(txn, p, Milestone::Commissioning, note, evidence, now).await?;
    }
    Ok(())
}

/// An installation record as a list shows it: with its item, unit serial and engineer's name.
pub struct InstallationRow {
    pub id: i32,
    pub item_id: i32,
    pub category: Option<String>,
    pub seq: Option<String>,
    pub name: String,
    pub model: Option<String>,
    pub unit_id: Option<i32>,
    pub serial: Option<String>,
    pub quantity: f64,
    pub location: String,
    pub installed_on: NaiveDate,
    pub engineer_id: Option<i32>,
    pub engineer: Option<String>,
    pub ip_address: Option<String>,
    pub firmware: Option<String>,
    pub config_notes: Option<String>,
    pub commissioning: Commissioning,
    pub commissioning_note: Option<String>,
    pub commissioned_on: Option<NaiveDate>,
    pub updated_at: DateTime<Utc>,
}

/// Installation records joined with their items, units and engineers, in baseline order.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn rows(
    db: &impl ConnectionTrait,
    p: &Granted<impl MayRead>,
    only: Option<i32>,
) -> AppResult<Vec<InstallationRow>> {
    let records: Vec<installation::Model> = list(db, p)
        .await?
        .into_iter()
        .filter(|r| only.is_none_or(|id| r.id == id))
        .collect();
    let base = super::baseline::current(db, p).await?;
    let units = arrival::units(db, p).await?;
    let ids: Vec<i32> = records.iter().filter_map(|r| r.engineer_id).collect();
    let names: HashMap<i32, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let mut rows: Vec<(i32, InstallationRow)> = records
        .into_iter()
        .map(|r| {
            let item = base.items.iter().find(|i| i.id == r.item_id);
            let position = item.map_or(i32::MAX, |i| i.position);
            let dto = InstallationRow {
                id: r.id,
                item_id: r.item_id,
                category: item.and_then(|i| i.category.clone()),
                seq: item.and_then(|i| i.seq.clone()),
                name: item.map(|i| i.name.clone()).unwrap_or_default(),
                model: item.and_then(|i| i.model.clone()),
                unit_id: r.unit_id,
                serial: r
                    .unit_id
                    .and_then(|u| units.iter().find(|x| x.id == u))
                    .and_then(|u| u.serial_in_service.clone().or_else(|| u.serial.clone())),
                quantity: r.quantity,
                location: r.location,
                installed_on: r.installed_on,
                engineer: r.engineer_id.and_then(|e| names.get(&e).cloned()),
                engineer_id: r.engineer_id,
                ip_address: r.ip_address,
                firmware: r.firmware,
                config_notes: r.config_notes,
                commissioning: r.commissioning,
                commissioning_note: r.commissioning_note,
                commissioned_on: r.commissioned_on,
                updated_at: r.updated_at,
            };
            (position, dto)
        })
        .collect();
    rows.sort_by_key(|(p, d)| (*p, d.id));
    Ok(rows.into_iter().map(|(_, d)| d).collect())
}
