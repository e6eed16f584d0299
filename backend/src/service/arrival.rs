//! Phase 2 (设备到货) against the approved baseline: shipments, the units they brought with their
//! serial numbers, the 设备签收单 signed by the receiver, arrival inspections (our self-check, then
//! the client's, witnessed) and the deviations failed checks open. The phase's tasks complete
//! themselves, with links to the records, once every baseline item has arrived and passed.
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{HashMap, HashSet};

use entity::{deviation, equipment_item, inspection, installation, received_unit, shipment};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};

use super::{
    access::{Granted, MayManage, MayRead, MayRecordWork},
    baseline::{self, Baseline},
    history::{self, Change},
    milestones::{self, Evidence, Milestone},
};
use crate::{
    db::begin_write,
    domain::{
        reconcile::normalise,
        types::{CheckResult, DeviationStatus, InspectionRound, Resolution, optional_text, required_text},
    },
    error::{AppError, AppResult},
    import::grid,
};

pub struct ShipmentInput {
    pub reference: String,
    pub dispatched_by: String,
    pub carrier: Option<String>,
    pub dispatched_on: Option<NaiveDate>,
    pub expected_on: Option<NaiveDate>,
    pub note: Option<String>,
}

#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn create_shipment(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    input: ShipmentInput,
    now: DateTime<Utc>,
) -> AppResult<shipment::Model> {
    let (actor, project_id) = (p.actor(), p.id());
    let reference = required_text("reference", &input.reference, 100)?;
    let dispatched_by = required_text("dispatched_by", &input.dispatched_by, 200)?;
    let carrier = optional_text("carrier", input.carrier.as_deref(), 200)?;
    let note = optional_text("note", input.note.as_deref(), 2000)?;
    if let (Some(d), Some(e)) = (input.dispatched_on, input.expected_on)
        && e < d
    {
        return Err(AppError::invalid(
            "expected_on",
            format!("expected_on: {e} is before the dispatch date {d}"),
        ));
    }
    let txn = begin_write(db).await?;
    baseline::current(&txn, p).await?;
    let saved = shipment::ActiveModel {
        project_id: Set(project_id),
        reference: Set(reference.clone()),
        dispatched_by: Set(dispatched_by),
        carrier: Set(carrier),
        dispatched_on: Set(input.dispatched_on),
        expected_on: Set(input.expected_on),
        arrived_on: Set(None),
        received_by: Set(None),
        receipt_signed_at: Set(None),
        receipt_recorded_by: Set(None),
        note: Set(note),
        created_by: Set(actor.id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    milestones::start(&txn, p, Milestone::OrderAndShip, now).await?;
    history::record(
        &txn,
        actor,
        now,
        vec![
            Change::new(Some(project_id), "shipment", Some(saved.id), "created").field(
                "reference",
                None,
                Some(reference),
            ),
        ],
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn shipments(db: &impl ConnectionTrait, p: &Granted<impl MayRead>) -> AppResult<Vec<shipment::Model>> {
    let project_id = p.id();
    Ok(shipment::Entity::find()
        .filter(shipment::Column::ProjectId.eq(project_id))
        .order_by_asc(shipment::Column::Id)
        .all(db)
        .await?)
}

#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn shipment_of(db: &impl ConnectionTrait, p: &Granted<impl MayRead>, id: i32) -> AppResult<shipment::Model> {
    let project_id = p.id();
    shipment::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|s| s.project_id == project_id)
        .ok_or_else(|| AppError::not_found(format!("no shipment {id} on project {project_id}")))
}

#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn units(db: &impl ConnectionTrait, p: &Granted<impl MayRead>) -> AppResult<Vec<received_unit::Model>> {
    let project_id = p.id();
    Ok(received_unit::Entity::find()
        .filter(received_unit::Column::ProjectId.eq(project_id))
        .order_by_asc(received_unit::Column::Id)
        .all(db)
        .await?)
}

/// The units in place: every unit except those a replacement took the place of.
pub fn in_place(units: &[received_unit::Model]) -> impl Iterator<Item = &received_unit::Model> {
    let replaced: HashSet<i32> = units.iter().filter_map(|u| u.replaces_unit_id).collect();
    units.iter().filter(move |u| !replaced.contains(&u.id))
}

/// A shipment takes units once it has arrived and until its 设备签收单 is signed.
fn open_for_units(ship: &shipment::Model) -> AppResult<()> {
    if ship.arrived_on.is_none() {
        return Err(AppError::Conflict(format!(
            "shipment {} ({}) has not arrived: set its arrived_on first",
            ship.id, ship.reference
        )));
    }
    if ship.receipt_signed_at.is_some() {
        return Err(AppError::Conflict(format!(
            "shipment {} ({}): its 设备签收单 is signed; record further units on a new shipment",
            ship.id, ship.reference
        )));
    }
    Ok(())
}

/// A replacement for a unit that failed its inspection.
pub struct ReplacementInput {
    /// The unit replaced.
    pub unit_id: i32,
    /// The replacement's serial number; none when the replaced unit arrived by quantity.
    pub serial: Option<String>,
    pub reason: String,
}

/// Records the unit that arrived on this shipment to take the place of a unit whose deviation was
/// closed as replace or return. Both stay on record; the forms and counts use the one in place, and
/// an installation record of the replaced unit moves to its replacement.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn replace_unit(
    db: &DatabaseConnection,
    p: &Granted<impl MayRecordWork>,
    shipment_id: i32,
    input: ReplacementInput,
    now: DateTime<Utc>,
) -> AppResult<received_unit::Model> {
    let (actor, project_id) = (p.actor(), p.id());
    let reason = required_text("reason", &input.reason, 500)?;
    let serial = optional_text("serial", input.serial.as_deref(), 100)?;
    let txn = begin_write(db).await?;
    open_for_units(&shipment_of(&txn, p, shipment_id).await?)?;
    let all = units(&txn, p).await?;
    let old = all
        .iter()
        .find(|u| u.id == input.unit_id)
        .ok_or_else(|| AppError::not_found(format!("no unit {} on project {project_id}", input.unit_id)))?;
    let was = old.serial.clone().unwrap_or_else(|| format!("{} 件", old.quantity));
    if let Some(by) = all.iter().find(|u| u.replaces_unit_id == Some(old.id)) {
        return Err(AppError::Conflict(format!(
            "unit {} ({was}) was replaced already by unit {} ({}); replace that one instead",
            old.id,
            by.id,
            by.serial.as_deref().unwrap_or("")
        )));
    }
    let base = baseline::current(&txn, p).await?;
    let label = item_label(base.item(old.item_id)?);
    let decided = deviations(&txn, p).await?.into_iter().any(|d| {
        d.item_id == old.item_id
            && d.status == DeviationStatus::Closed
            && matches!(d.resolution, Some(Resolution::Replace | Resolution::Return))
    });
    if !decided {
        return Err(AppError::Conflict(format!(
            "{label}: no deviation of this item is closed as replace or return; record the failed inspection's deviation and close it as replace first"
        )));
    }
    let serial = match (&old.serial, serial) {
        (Some(_), None) => {
            return Err(AppError::invalid(
                "serial",
                format!("serial: give the serial number of the unit that replaces {was}"),
            ));
        }
        (None, Some(_)) => {
            return Err(AppError::invalid(
                "serial",
                format!(
                    "serial: {label} arrived by quantity; its replacement takes the same quantity, without a serial"
                ),
            ));
        }
        (Some(_), Some(s)) => {
            let twin = in_place(&all).any(|u| {
                u.id != old.id
                    && u.item_id == old.item_id
                    && u.serial.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(&s))
            });
            if twin {
                return Err(AppError::Conflict(format!(
                    "{label}: serial number {s} is recorded already"
                )));
            }
            Some(s)
        }
        (None, None) => None,
    };
    let saved = received_unit::ActiveModel {
        project_id: Set(project_id),
        shipment_id: Set(shipment_id),
        item_id: Set(old.item_id),
        serial: Set(serial.clone()),
        quantity: Set(old.quantity),
        replaces_unit_id: Set(Some(old.id)),
        created_by: Set(actor.id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let now_serial = serial.unwrap_or_else(|| format!("{} 件", old.quantity));
    let mut changes = vec![
        Change::new(Some(project_id), "unit", Some(saved.id), "replaced")
            .field("serial", Some(was.clone()), Some(now_serial.clone()))
            .reason(Some(reason.clone())),
    ];
    let installed = installation::Entity::find()
        .filter(installation::Column::UnitId.eq(old.id))
        .all(&txn)
        .await?;
    for record in installed {
        let id = record.id;
        let mut m: installation::ActiveModel = record.into();
        m.unit_id = Set(Some(saved.id));
        m.updated_at = Set(now);
        m.update(&txn).await?;
        changes.push(
            Change::new(Some(project_id), "installation", Some(id), "updated")
                .field("serial", Some(was.clone()), Some(now_serial.clone()))
                .reason(Some(reason.clone())),
        );
    }
    history::record(&txn, actor, now, changes).await?;
    settle_tasks(&txn, p, now).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Deletes a shipment made by mistake while nothing depends on it: no unit recorded on it and its
/// 设备签收单 not signed (once units arrived, they are corrected instead). The history keeps who
/// deleted it, when and why.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn delete_shipment(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    id: i32,
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let (actor, project_id) = (p.actor(), p.id());
    let reason = required_text("reason", reason, 500)?;
    let txn = begin_write(db).await?;
    let old = shipment_of(&txn, p, id).await?;
    let units = received_unit::Entity::find()
        .filter(received_unit::Column::ShipmentId.eq(id))
        .count(&txn)
        .await?;
    if units > 0 || old.receipt_signed_at.is_some() {
        return Err(AppError::Conflict(format!(
            "shipment {id} has {units} units recorded{}; it stays on record — correct its units instead",
            if old.receipt_signed_at.is_some() {
                " and a signed 设备签收单"
            } else {
                ""
            }
        )));
    }
    shipment::Entity::delete_by_id(id).exec(&txn).await?;
    history::record(
        &txn,
        actor,
        now,
        vec![
            Change::new(Some(project_id), "shipment", Some(id), "deleted")
                .field("reference", Some(old.reference), None)
                .reason(Some(reason)),
        ],
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Corrects a unit's serial number typed wrong, with the reason, while its shipment's 设备签收单 is
/// unsigned (the signed receipt prints the serials). The new number must not be another unit's of
/// the same item. The history keeps old → new and why.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn correct_serial(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    shipment_id: i32,
    unit_id: i32,
    serial: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<received_unit::Model> {
    let (actor, project_id) = (p.actor(), p.id());
    let serial = required_text("serial", serial, 100)?;
    let reason = required_text("reason", reason, 500)?;
    let txn = begin_write(db).await?;
    let shipment = shipment_of(&txn, p, shipment_id).await?;
    let unit = received_unit::Entity::find_by_id(unit_id)
        .one(&txn)
        .await?
        .filter(|u| u.shipment_id == shipment.id)
        .ok_or_else(|| AppError::not_found(format!("no unit {unit_id} on shipment {shipment_id}")))?;
    let Some(was) = unit.serial.clone() else {
        return Err(AppError::invalid(
            "serial",
            "serial: this line arrived by quantity, without serial numbers",
        ));
    };
    if shipment.receipt_signed_at.is_some() {
        return Err(AppError::Conflict(format!(
            "shipment {shipment_id}: its 设备签收单 is signed with serial {was}; the serial can no longer change"
        )));
    }
    let all = units(&txn, p).await?;
    let twin = in_place(&all).any(|u| {
        u.id != unit.id
            && u.item_id == unit.item_id
            && u.serial.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(&serial))
    });
    if twin {
        return Err(AppError::Conflict(format!(
            "serial number {serial} is recorded already for another unit of this item"
        )));
    }
    let mut m: received_unit::ActiveModel = unit.into();
    m.serial = Set(Some(serial.clone()));
    let saved = m.update(&txn).await?;
    history::record(
        &txn,
        actor,
        now,
        vec![
            Change::new(Some(project_id), "unit", Some(unit_id), "updated")
                .field("serial", Some(was), Some(serial))
                .reason(Some(reason)),
        ],
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Changes to a shipment's dates and notes; `None` leaves a field as it is.
#[derive(Default)]
pub struct ShipmentPatch {
    pub carrier: Option<String>,
    pub dispatched_on: Option<NaiveDate>,
    pub expected_on: Option<NaiveDate>,
    pub arrived_on: Option<NaiveDate>,
    pub note: Option<String>,
}

#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn update_shipment(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    id: i32,
    patch: ShipmentPatch,
    now: DateTime<Utc>,
) -> AppResult<shipment::Model> {
    let (actor, project_id) = (p.actor(), p.id());
    // "Today" is the project's day, as on its site: not the server's UTC date.
    let today = crate::domain::schedule::local_today(now, super::projects::timezone_of(p.project()));
    let txn = begin_write(db).await?;
    let old = shipment_of(&txn, p, id).await?;
    if old.receipt_signed_at.is_some() && patch.arrived_on.is_some_and(|d| Some(d) != old.arrived_on) {
        return Err(AppError::Conflict(format!(
            "shipment {id}: its 设备签收单 is signed; the arrival date can no longer change"
        )));
    }
    let base = Change::new(Some(project_id), "shipment", Some(id), "updated");
    let mut changes = Vec::new();
    let mut m: shipment::ActiveModel = old.clone().into();
    if let Some(c) = patch.carrier {
        let c = optional_text("carrier", Some(&c), 200)?;
        history::diff(
            &mut changes,
            &base,
            "carrier",
            &old.carrier.clone().unwrap_or_default(),
            &c.clone().unwrap_or_default(),
        );
        m.carrier = Set(c);
    }
    if let Some(n) = patch.note {
        let n = optional_text("note", Some(&n), 2000)?;
        m.note = Set(n);
    }
    for (field, new, old_value) in [
        ("dispatched_on", patch.dispatched_on, old.dispatched_on),
        ("expected_on", patch.expected_on, old.expected_on),
        ("arrived_on", patch.arrived_on, old.arrived_on),
    ] {
        if let Some(d) = new {
            if d > today + chrono::Days::new(366) {
                return Err(AppError::invalid(
                    field,
                    format!("{field}: {d} is more than a year ahead"),
                ));
            }
            history::diff(&mut changes, &base, field, &opt_date(old_value), &d.to_string());
        }
    }
    if let Some(d) = patch.dispatched_on {
        m.dispatched_on = Set(Some(d));
    }
    if let Some(d) = patch.expected_on {
        m.expected_on = Set(Some(d));
    }
    if let Some(d) = patch.arrived_on {
        if d > today {
            return Err(AppError::invalid(
                "arrived_on",
                format!("arrived_on: {d} is in the future"),
            ));
        }
        m.arrived_on = Set(Some(d));
    }
    let saved = m.update(&txn).await?;
    history::record(&txn, actor, now, changes).await?;
    txn.commit().await?;
    Ok(saved)
}

fn opt_date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// Units of one baseline item that a shipment brought.
pub struct UnitLine {
    pub item_id: i32,
    /// One unit per serial number.
    pub serials: Vec<String>,
    /// For items without serial numbers.
    pub quantity: Option<f64>,
}

/// Splits serial numbers pasted from a spreadsheet column, a delivery note or a scanner: one per
/// line, or separated by commas, semicolons, 、 or spaces.
pub fn split_serials(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || ",;，；、".contains(c))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Records what a shipment brought, all lines or none.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn receive(
    db: &DatabaseConnection,
    p: &Granted<impl MayRecordWork>,
    shipment_id: i32,
    lines: Vec<UnitLine>,
    now: DateTime<Utc>,
) -> AppResult<Vec<received_unit::Model>> {
    let (actor, project_id) = (p.actor(), p.id());
    if lines.is_empty() {
        return Err(AppError::invalid("lines", "lines: name at least one item that arrived"));
    }
    let txn = begin_write(db).await?;
    open_for_units(&shipment_of(&txn, p, shipment_id).await?)?;
    let base = baseline::current(&txn, p).await?;
    let existing = units(&txn, p).await?;
    let mut received: HashMap<i32, f64> = HashMap::new();
    let mut serials: HashSet<(i32, String)> = HashSet::new();
    for u in in_place(&existing) {
        *received.entry(u.item_id).or_default() += u.quantity;
        if let Some(s) = &u.serial {
            serials.insert((u.item_id, s.to_lowercase()));
        }
    }
    let mut rows = Vec::new();
    for line in &lines {
        let item = base.item(line.item_id)?;
        let label = item_label(item);
        if is_service(item) {
            return Err(AppError::invalid(
                "item_id",
                format!("item_id: {label} is a service line (no brand, no model, unit 项); nothing arrives for it"),
            ));
        }
        if !line.serials.is_empty() && line.quantity.is_some_and(|q| q != line.serials.len() as f64) {
            return Err(AppError::invalid(
                "quantity",
                format!(
                    "quantity: {label} has {} serial numbers but quantity {}; leave quantity out",
                    line.serials.len(),
                    line.quantity.unwrap_or_default()
                ),
            ));
        }
        let mut add = Vec::new();
        if line.serials.is_empty() {
            let q = line.quantity.ok_or_else(|| {
                AppError::invalid(
                    "quantity",
                    format!("quantity: {label}: give serial numbers or a quantity"),
                )
            })?;
            if !(q > 0.0 && q.is_finite()) {
                return Err(AppError::invalid(
                    "quantity",
                    format!("quantity: {label}: {q} is not a positive number"),
                ));
            }
            add.push((None, q));
        } else {
            for s in &line.serials {
                let s = required_text("serials", s, 100)?;
                if !serials.insert((item.id, s.to_lowercase())) {
                    return Err(AppError::Conflict(format!(
                        "{label}: serial number {s} is recorded already"
                    )));
                }
                add.push((Some(s), 1.0));
            }
        }
        let total = received.entry(item.id).or_default();
        let adding: f64 = add.iter().map(|(_, q)| q).sum();
        if let Some(expected) = item.quantity
            && *total + adding > expected + 1e-9
        {
            return Err(AppError::invalid(
                "lines",
                format!(
                    "lines: {label}: the baseline has {expected} {}, {} arrived already, {adding} more would exceed it",
                    item.unit.as_deref().unwrap_or(""),
                    *total
                ),
            ));
        }
        *total += adding;
        rows.extend(add.into_iter().map(|(serial, quantity)| (item.id, serial, quantity)));
    }
    let count = rows.len();
    let mut saved = Vec::with_capacity(count);
    for (item_id, serial, quantity) in rows {
        let unit = received_unit::ActiveModel {
            project_id: Set(project_id),
            shipment_id: Set(shipment_id),
            item_id: Set(item_id),
            serial: Set(serial),
            quantity: Set(quantity),
            replaces_unit_id: Set(None),
            created_by: Set(actor.id),
            created_at: Set(now),
            ..Default::default()
        };
        saved.push(unit.insert(&txn).await?);
    }
    history::record(
        &txn,
        actor,
        now,
        vec![
            Change::new(Some(project_id), "shipment", Some(shipment_id), "units_received").field(
                "units",
                None,
                Some(count.to_string()),
            ),
        ],
    )
    .await?;
    milestones::start(&txn, p, Milestone::GoodsReceived, now).await?;
    settle_tasks(&txn, p, now).await?;
    txn.commit().await?;
    Ok(saved)
}

fn item_label(item: &equipment_item::Model) -> String {
    match (&item.seq, &item.model) {
        (Some(seq), Some(model)) => format!("{seq} {} ({model})", item.name),
        (None, Some(model)) => format!("{} ({model})", item.name),
        (Some(seq), None) => format!("{seq} {}", item.name),
        (None, None) => item.name.clone(),
    }
}

/// Reads serial numbers from a spreadsheet or CSV with a serial column (序列号 / SN / Serial) and a
/// model or name column to find each baseline item; rows are grouped into unit lines.
pub fn serial_lines(sheets: &[grid::Sheet], items: &[equipment_item::Model]) -> AppResult<Vec<UnitLine>> {
    const SERIAL: &[&str] = &[
        "序列号",
        "sn",
        "s/n",
        "serial",
        "serialno",
        "serialnumber",
        "串号",
        "设备序列号",
    ];
    const MODEL: &[&str] = &["型号", "规格型号", "model", "设备型号"];
    const NAME: &[&str] = &["设备名称", "名称", "产品名称", "item", "name"];
    let find = |row: &[grid::Cell], names: &[&str]| {
        row.iter().position(|c| {
            let t = normalise(&c.text());
            names.iter().any(|n| normalise(n) == t)
        })
    };
    for sheet in sheets {
        for (r, row) in sheet.rows.iter().enumerate().take(30) {
            let Some(serial_col) = find(row, SERIAL) else { continue };
            let (model_col, name_col) = (find(row, MODEL), find(row, NAME));
            if model_col.is_none() && name_col.is_none() {
                return Err(AppError::invalid(
                    "file",
                    format!(
                        "file: {}!{} has a serial column but no 型号 or 设备名称 column",
                        sheet.name,
                        r + 1
                    ),
                ));
            }
            let mut lines: Vec<UnitLine> = Vec::new();
            for (i, data) in sheet.rows.iter().enumerate().skip(r + 1) {
                let serial = data.get(serial_col).map(|c| c.text()).unwrap_or_default();
                if serial.trim().is_empty() {
                    continue;
                }
                let key = |col: Option<usize>| col.and_then(|c| data.get(c)).map(|c| normalise(&c.text()));
                let (model, name) = (
                    key(model_col).filter(|m| !m.is_empty()),
                    key(name_col).filter(|n| !n.is_empty()),
                );
                let matches: Vec<&equipment_item::Model> = items
                    .iter()
                    .filter(|it| {
                        model
                            .as_ref()
                            .is_none_or(|m| it.model.as_deref().map(normalise).as_ref() == Some(m))
                            && name.as_ref().is_none_or(|n| normalise(&it.name) == *n)
                    })
                    .collect();
                let item = match matches.as_slice() {
                    [one] => *one,
                    [] => {
                        return Err(AppError::invalid(
                            "file",
                            format!(
                                "file: {}!{}: no baseline item has this 型号/名称; check the row against the 审定版",
                                sheet.name,
                                i + 1
                            ),
                        ));
                    }
                    _ => {
                        return Err(AppError::invalid(
                            "file",
                            format!(
                                "file: {}!{}: several baseline items match; add a 设备名称 column to tell them apart",
                                sheet.name,
                                i + 1
                            ),
                        ));
                    }
                };
                match lines.iter_mut().find(|l| l.item_id == item.id) {
                    Some(l) => l.serials.push(serial.trim().to_string()),
                    None => lines.push(UnitLine {
                        item_id: item.id,
                        serials: vec![serial.trim().to_string()],
                        quantity: None,
                    }),
                }
            }
            if lines.is_empty() {
                return Err(AppError::invalid(
                    "file",
                    format!("file: sheet {} has no serial numbers", sheet.name),
                ));
            }
            return Ok(lines);
        }
    }
    Err(AppError::invalid(
        "file",
        "file: no header with a serial column (序列号, SN or Serial) in the first 30 rows",
    ))
}

/// Records the units a spreadsheet of serial numbers lists ([`serial_lines`]) on a shipment, all
/// rows or none; answers how many units were recorded.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn receive_file(
    db: &DatabaseConnection,
    p: &Granted<impl MayRecordWork>,
    shipment_id: i32,
    file_name: String,
    bytes: Vec<u8>,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    let sheets = tokio::task::spawn_blocking(move || grid::read_workbook(&bytes, &file_name))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("the import task failed: {e}")))?
        .map_err(|e| AppError::invalid("file", format!("file: {e}")))?;
    let base = baseline::current(db, p).await?;
    let lines = serial_lines(&sheets, &base.items)?;
    Ok(receive(db, p, shipment_id, lines, now).await?.len())
}

/// The 设备签收单: the receiver signs for what the shipment brought.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn sign_receipt(
    db: &DatabaseConnection,
    p: &Granted<impl MayRecordWork>,
    shipment_id: i32,
    received_by: &str,
    signed_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> AppResult<shipment::Model> {
    let (actor, project_id) = (p.actor(), p.id());
    let received_by = required_text("received_by", received_by, 100)?;
    let signed_at = signed_at.unwrap_or(now);
    if signed_at > now {
        return Err(AppError::invalid("signed_at", "signed_at: cannot be in the future"));
    }
    let txn = begin_write(db).await?;
    let ship = shipment_of(&txn, p, shipment_id).await?;
    if ship.receipt_signed_at.is_some() {
        return Err(AppError::Conflict(format!(
            "shipment {shipment_id}: its 设备签收单 was signed by {} already",
            ship.received_by.as_deref().unwrap_or("someone")
        )));
    }
    let n = received_unit::Entity::find()
        .filter(received_unit::Column::ShipmentId.eq(shipment_id))
        .count(&txn)
        .await?;
    if n == 0 {
        return Err(AppError::Conflict(format!(
            "shipment {shipment_id}: record the units it brought before the receipt is signed"
        )));
    }
    let mut m: shipment::ActiveModel = ship.into();
    m.received_by = Set(Some(received_by.clone()));
    m.receipt_signed_at = Set(Some(signed_at));
    m.receipt_recorded_by = Set(actor.id);
    let saved = m.update(&txn).await?;
    history::record(
        &txn,
        actor,
        now,
        vec![
            Change::new(Some(project_id), "shipment", Some(shipment_id), "receipt_signed").field(
                "received_by",
                None,
                Some(received_by),
            ),
        ],
    )
    .await?;
    settle_tasks(&txn, p, now).await?;
    txn.commit().await?;
    Ok(saved)
}

/// One item's three checks.
pub struct CheckInput {
    pub item_id: i32,
    pub documents: String,
    pub appearance: String,
    pub power_on: String,
    pub note: Option<String>,
}

pub struct InspectionInput {
    pub round: String,
    /// The client's witness; required for the client's round.
    pub witness: Option<String>,
    pub inspected_at: Option<DateTime<Utc>>,
    pub items: Vec<CheckInput>,
}

/// The checks of an inspection, labelled for people.
pub const CHECKS: [&str; 3] = ["随机资料检验", "外观检验", "通电测试"];

pub fn results(i: &inspection::Model) -> [(&'static str, &str); 3] {
    [
        (CHECKS[0], &i.documents),
        (CHECKS[1], &i.appearance),
        (CHECKS[2], &i.power_on),
    ]
}

/// Records an inspection of one or more items, all or none; each failed item opens a deviation.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn inspect(
    db: &DatabaseConnection,
    p: &Granted<impl MayRecordWork>,
    input: InspectionInput,
    now: DateTime<Utc>,
) -> AppResult<Vec<(inspection::Model, Option<deviation::Model>)>> {
    let (actor, project_id) = (p.actor(), p.id());
    // Access first: a caller who may not do this learns nothing from validation.
    let txn = begin_write(db).await?;
    let round = InspectionRound::parse(&input.round)?;
    let witness = optional_text("witness", input.witness.as_deref(), 100)?;
    if round == InspectionRound::Client && witness.is_none() {
        return Err(AppError::invalid(
            "witness",
            "witness: the client's inspection needs the name of its witness",
        ));
    }
    let inspected_at = input.inspected_at.unwrap_or(now);
    if inspected_at > now {
        return Err(AppError::invalid(
            "inspected_at",
            "inspected_at: cannot be in the future",
        ));
    }
    if input.items.is_empty() {
        return Err(AppError::invalid("items", "items: name at least one item inspected"));
    }
    let status = status(&txn, p).await?;
    let mut out = Vec::new();
    let mut changes = Vec::new();
    for check in input.items {
        let st = status.item(check.item_id)?;
        let label = item_label(&st.item);
        if st.service {
            return Err(AppError::invalid(
                "item_id",
                format!("item_id: {label} is a service line; there is nothing to inspect"),
            ));
        }
        if st.received <= 0.0 {
            return Err(AppError::Conflict(format!(
                "{label} has not arrived; record its units first"
            )));
        }
        if round == InspectionRound::Client && !st.own.passed() {
            return Err(AppError::Conflict(format!(
                "{label}: our self-check has not passed yet ({}); the client inspects after it",
                st.own.as_str()
            )));
        }
        let parsed = [
            CheckResult::parse(&check.documents).map_err(|_| bad_result("documents", &check.documents))?,
            CheckResult::parse(&check.appearance).map_err(|_| bad_result("appearance", &check.appearance))?,
            CheckResult::parse(&check.power_on).map_err(|_| bad_result("power_on", &check.power_on))?,
        ];
        let note = optional_text("note", check.note.as_deref(), 2000)?;
        let failed: Vec<&str> = parsed
            .iter()
            .zip(CHECKS)
            .filter(|(r, _)| **r == CheckResult::Fail)
            .map(|(_, n)| n)
            .collect();
        if !failed.is_empty() && note.is_none() {
            return Err(AppError::invalid(
                "note",
                format!("note: {label} failed {}; say what is wrong", failed.join("、")),
            ));
        }
        let saved = inspection::ActiveModel {
            project_id: Set(project_id),
            item_id: Set(st.item.id),
            round: Set(round.as_str().into()),
            documents: Set(parsed[0].as_str().into()),
            appearance: Set(parsed[1].as_str().into()),
            power_on: Set(parsed[2].as_str().into()),
            note: Set(note.clone()),
            inspector_id: Set(actor.id),
            witness: Set(witness.clone()),
            inspected_at: Set(inspected_at),
            recorded_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        changes.push(
            Change::new(Some(project_id), "inspection", Some(saved.id), "recorded")
                .field("item", None, Some(label.clone()))
                .field("round", None, Some(round.to_string())),
        );
        let opened = if failed.is_empty() {
            None
        } else {
            let d = deviation::ActiveModel {
                project_id: Set(project_id),
                item_id: Set(st.item.id),
                inspection_id: Set(saved.id),
                description: Set(format!(
                    "{}{} 不合格：{}",
                    round.label_zh(),
                    failed.join("、"),
                    note.unwrap_or_default()
                )),
                status: Set(DeviationStatus::Open),
                opened_by: Set(actor.id),
                opened_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            changes.push(Change::new(Some(project_id), "deviation", Some(d.id), "opened").field(
                "description",
                None,
                Some(d.description.clone()),
            ));
            Some(d)
        };
        out.push((saved, opened));
    }
    history::record(&txn, actor, now, changes).await?;
    milestones::start(&txn, p, Milestone::ArrivalInspection, now).await?;
    settle_tasks(&txn, p, now).await?;
    txn.commit().await?;
    Ok(out)
}

fn bad_result(field: &str, value: &str) -> AppError {
    AppError::invalid(field, format!("{field}: '{value}' is not one of pass, fail, na"))
}

#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn inspections(db: &impl ConnectionTrait, p: &Granted<impl MayRead>) -> AppResult<Vec<inspection::Model>> {
    let project_id = p.id();
    Ok(inspection::Entity::find()
        .filter(inspection::Column::ProjectId.eq(project_id))
        .order_by_asc(inspection::Column::Id)
        .all(db)
        .await?)
}

#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn deviations(db: &impl ConnectionTrait, p: &Granted<impl MayRead>) -> AppResult<Vec<deviation::Model>> {
    let project_id = p.id();
    Ok(deviation::Entity::find()
        .filter(deviation::Column::ProjectId.eq(project_id))
        .order_by_asc(deviation::Column::Id)
        .all(db)
        .await?)
}

pub struct CloseInput {
    pub resolution: String,
    pub note: String,
    /// Who accepted a concession for the client.
    pub client_approver: Option<String>,
}

/// Closes a deviation. A replaced or returned item is inspected again; a concession accepted by the
/// client lets the failed inspection stand as accepted.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn close_deviation(
    db: &DatabaseConnection,
    p: &Granted<impl MayRecordWork>,
    id: i32,
    input: CloseInput,
    now: DateTime<Utc>,
) -> AppResult<deviation::Model> {
    let (actor, project_id) = (p.actor(), p.id());
    // Access first: a caller who may not do this learns nothing from validation.
    let txn = begin_write(db).await?;
    let resolution = Resolution::parse(&input.resolution)?;
    let note = required_text("note", &input.note, 2000)?;
    let approver = optional_text("client_approver", input.client_approver.as_deref(), 100)?;
    if resolution == Resolution::Concession && approver.is_none() {
        return Err(AppError::invalid(
            "client_approver",
            "client_approver: a concession needs the name of the client's person who accepted it",
        ));
    }
    let d = deviation::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .filter(|d| d.project_id == project_id)
        .ok_or_else(|| AppError::not_found(format!("no deviation {id} on project {project_id}")))?;
    if d.status == DeviationStatus::Closed {
        return Err(AppError::Conflict(format!("deviation {id} is closed already")));
    }
    let mut m: deviation::ActiveModel = d.into();
    m.status = Set(DeviationStatus::Closed);
    m.resolution = Set(Some(resolution));
    m.resolution_note = Set(Some(note.clone()));
    m.client_approver = Set(approver);
    m.closed_by = Set(actor.id);
    m.closed_at = Set(Some(now));
    let saved = m.update(&txn).await?;
    history::record(
        &txn,
        actor,
        now,
        vec![
            Change::new(Some(project_id), "deviation", Some(id), "closed")
                .field("resolution", None, Some(resolution.to_string()))
                .reason(Some(note)),
        ],
    )
    .await?;
    settle_tasks(&txn, p, now).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Where one round of inspection stands for an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundState {
    NotInspected,
    Passed,
    /// Failed, and the client accepted it with a concession.
    Conceded,
    Failed,
}

impl RoundState {
    pub fn passed(self) -> bool {
        matches!(self, RoundState::Passed | RoundState::Conceded)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            RoundState::NotInspected => "not_inspected",
            RoundState::Passed => "passed",
            RoundState::Conceded => "conceded",
            RoundState::Failed => "failed",
        }
    }
}

/// A line of work rather than goods (系统集成及调试, 1 项): nothing ships, so it is neither received,
/// inspected nor installed.
pub fn is_service(item: &equipment_item::Model) -> bool {
    item.brand.is_none() && item.model.is_none() && item.unit.as_deref().map(str::trim) == Some("项")
}

pub struct ItemStatus {
    pub item: equipment_item::Model,
    pub service: bool,
    pub received: f64,
    pub serials: Vec<String>,
    pub own: RoundState,
    pub client: RoundState,
    pub open_deviations: usize,
}

impl ItemStatus {
    pub fn arrived(&self) -> bool {
        if self.service {
            return true;
        }
        match self.item.quantity {
            Some(q) => self.received + 1e-9 >= q,
            None => self.received > 0.0,
        }
    }
    pub fn accepted(&self) -> bool {
        self.service || self.arrived() && self.own.passed() && self.client.passed() && self.open_deviations == 0
    }
}

pub struct ArrivalStatus {
    pub baseline: Baseline,
    pub items: Vec<ItemStatus>,
    pub shipments: Vec<shipment::Model>,
    pub units: Vec<received_unit::Model>,
    pub inspections: Vec<inspection::Model>,
    pub deviations: Vec<deviation::Model>,
}

impl ArrivalStatus {
    pub fn item(&self, item_id: i32) -> AppResult<&ItemStatus> {
        self.items
            .iter()
            .find(|s| s.item.id == item_id)
            .ok_or_else(|| self.baseline.not_an_item(item_id))
    }
    /// Every item arrived, on shipments whose receipts are signed.
    pub fn all_received(&self) -> bool {
        let used: HashSet<i32> = self.units.iter().map(|u| u.shipment_id).collect();
        self.items.iter().all(ItemStatus::arrived)
            && self
                .shipments
                .iter()
                .filter(|s| used.contains(&s.id))
                .all(|s| s.receipt_signed_at.is_some())
    }
    pub fn all_accepted(&self) -> bool {
        self.items.iter().all(ItemStatus::accepted)
    }
    /// A unit's serial as the forms print it: a replacement also names the serial it replaced.
    pub fn serial_shown(&self, unit: &received_unit::Model) -> Option<String> {
        let serial = unit.serial.clone()?;
        let replaced = unit
            .replaces_unit_id
            .and_then(|id| self.units.iter().find(|u| u.id == id))
            .and_then(|u| u.serial.as_deref());
        Some(match replaced {
            Some(old) => format!("{serial}（替换 {old}）"),
            None => serial,
        })
    }
    /// The serials of an item's units in place, as the forms print them.
    pub fn serials_shown(&self, item_id: i32) -> Vec<String> {
        in_place(&self.units)
            .filter(|u| u.item_id == item_id)
            .filter_map(|u| self.serial_shown(u))
            .collect()
    }
}

fn round_state(latest: Option<&inspection::Model>, deviations: &[deviation::Model]) -> RoundState {
    let Some(i) = latest else {
        return RoundState::NotInspected;
    };
    if results(i).iter().all(|(_, r)| *r != CheckResult::Fail.as_str()) {
        return RoundState::Passed;
    }
    let conceded = deviations.iter().any(|d| {
        d.inspection_id == i.id && d.status == DeviationStatus::Closed && d.resolution == Some(Resolution::Concession)
    });
    if conceded {
        RoundState::Conceded
    } else {
        RoundState::Failed
    }
}

/// Every baseline item with what arrived and how its inspections stand.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn status(db: &impl ConnectionTrait, p: &Granted<impl MayRead>) -> AppResult<ArrivalStatus> {
    let baseline = baseline::current(db, p).await?;
    let units = units(db, p).await?;
    let inspections = inspections(db, p).await?;
    let deviations = deviations(db, p).await?;
    let items = baseline
        .items
        .iter()
        .map(|item| {
            let mine: Vec<&received_unit::Model> = in_place(&units).filter(|u| u.item_id == item.id).collect();
            let latest = |round: InspectionRound| {
                inspections
                    .iter()
                    .filter(|i| i.item_id == item.id && i.round == round.as_str())
                    .max_by_key(|i| (i.inspected_at, i.id))
            };
            ItemStatus {
                item: item.clone(),
                service: is_service(item),
                // Folded from +0.0: an empty f64 sum is -0.0, which JSON shows as "-0.0".
                received: mine.iter().fold(0.0, |total, u| total + u.quantity),
                serials: mine.iter().filter_map(|u| u.serial.clone()).collect(),
                own: round_state(latest(InspectionRound::Own), &deviations),
                client: round_state(latest(InspectionRound::Client), &deviations),
                open_deviations: deviations
                    .iter()
                    .filter(|d| d.item_id == item.id && d.status == DeviationStatus::Open)
                    .count(),
            }
        })
        .collect();
    Ok(ArrivalStatus {
        baseline,
        items,
        shipments: shipments(db, p).await?,
        units,
        inspections,
        deviations,
    })
}

/// Completes the arrival tasks whose condition now holds: 设备订购与发货 and 设备到货签收 once every
/// baseline item arrived on signed receipts; 设备到货检验 once every item also passed both rounds.
async fn settle_tasks(txn: &DatabaseTransaction, p: &Granted<impl MayRecordWork>, now: DateTime<Utc>) -> AppResult<()> {
    let project_id = p.id();
    let st = status(txn, p).await?;
    if !st.all_received() {
        return Ok(());
    }
    let used: HashSet<i32> = st.units.iter().map(|u| u.shipment_id).collect();
    let receipts: Vec<Evidence> = st
        .shipments
        .iter()
        .filter(|s| used.contains(&s.id))
        .map(|s| Evidence {
            label: format!(
                "设备签收单 {}（{} 签收）",
                s.reference,
                s.received_by.as_deref().unwrap_or("")
            ),
            href: format!("/api/projects/{project_id}/shipments/{}", s.id),
        })
        .collect();
    let n = st.items.iter().filter(|s| !s.service).count();
    let note = format!(
        "系统自动完成：审定版 v{} 的 {n} 项设备全部到货并签收",
        st.baseline.list.version
    );
    for m in [Milestone::OrderAndShip, Milestone::GoodsReceived] {
        milestones::complete(txn, p, m, note.clone(), receipts.clone(), now).await?;
    }
    if st.all_accepted() {
        let mut evidence = vec![Evidence {
            label: format!("设备进场检验记录（{n} 项，自检与甲方检验均合格）"),
            href: format!("/api/projects/{project_id}/inspections"),
        }];
        evidence.extend(st.deviations.iter().map(|d| Evidence {
            label: format!("偏差 #{} 已关闭：{}", d.id, d.description),
            href: format!("/api/projects/{project_id}/deviations/{}", d.id),
        }));
        let note = format!("系统自动完成：{n} 项设备全部到货并检验合格");
        milestones::complete(txn, p, Milestone::ArrivalInspection, note, evidence, now).await?;
    }
    Ok(())
}
