use chrono::{DateTime, NaiveDate, Utc};
use entity::{deviation, inspection, received_unit, shipment};
use poem_openapi::{
    ApiResponse, Multipart, Object, OpenApi,
    param::{Path, Query},
    payload::{Binary, Json},
    types::multipart::Upload,
};

use super::types::{DateText, InstantText, OneOf};
use super::{ApiTags, BearerAuth, NoContent, grant, instant, middleware::checked_text};
use crate::domain::types as kinds;
use crate::domain::types::DeviationStatus;
use crate::{
    domain::types::optional_date as date,
    error::{ApiResult, AppError},
    service::{
        access::{Granted, Manage, MayRead, Read, RecordWork},
        arrival::{
            self, CheckInput, CloseInput, InspectionInput, ReplacementInput, ShipmentInput, ShipmentPatch, UnitLine,
        },
    },
    state::AppState,
};

pub struct ArrivalApi {
    state: AppState,
}

#[derive(ApiResponse)]
enum ReceiptForm {
    /// The shipment's 设备签收单 as a .docx.
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

impl ArrivalApi {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

/// A delivery of equipment to site.
/// A unit's serial number typed wrong, corrected.
#[derive(Object)]
struct SerialCorrection {
    /// The number on the unit.
    serial: String,
    /// Why, e.g. 序列号录入错误.
    reason: String,
}

#[derive(Object)]
struct ShipmentDto {
    /// Identifier.
    id: i32,
    /// 发货单号 or the supplier's delivery note number.
    reference: String,
    /// Who dispatched it: our purchaser or the supplier.
    dispatched_by: String,
    /// Carrier or courier.
    #[oai(nullable)]
    carrier: Option<String>,
    /// Day of dispatch.
    #[oai(nullable)]
    dispatched_on: Option<NaiveDate>,
    /// Expected arrival on site.
    #[oai(nullable)]
    expected_on: Option<NaiveDate>,
    /// Actual arrival on site.
    #[oai(nullable)]
    arrived_on: Option<NaiveDate>,
    /// Who signed the 设备签收单 on site.
    #[oai(nullable)]
    received_by: Option<String>,
    /// When the 设备签收单 was signed.
    #[oai(nullable)]
    receipt_signed_at: Option<DateTime<Utc>>,
    /// Free text.
    #[oai(nullable)]
    note: Option<String>,
    /// The units it brought (in the shipment's detail; empty in lists).
    units: Vec<UnitDto>,
}

impl ShipmentDto {
    fn new(s: shipment::Model, units: Vec<UnitDto>) -> Self {
        Self {
            id: s.id,
            reference: s.reference,
            dispatched_by: s.dispatched_by,
            carrier: s.carrier,
            dispatched_on: s.dispatched_on,
            expected_on: s.expected_on,
            arrived_on: s.arrived_on,
            received_by: s.received_by,
            receipt_signed_at: s.receipt_signed_at,
            note: s.note,
            units,
        }
    }
}

/// Equipment received for one baseline item.
#[derive(Object)]
struct UnitDto {
    /// Identifier.
    id: i32,
    /// The shipment that brought it.
    shipment_id: i32,
    /// The baseline item.
    item_id: i32,
    /// Serial number, for serial-numbered equipment.
    #[oai(nullable)]
    serial: Option<String>,
    /// 1 for a serial-numbered unit.
    quantity: f64,
    /// The unit this one replaced (after a deviation closed as replace or return).
    #[oai(nullable)]
    replaces_unit_id: Option<i32>,
    /// The unit that replaced this one; a replaced unit is no longer counted, installed or printed.
    #[oai(nullable)]
    replaced_by_unit_id: Option<i32>,
}

impl UnitDto {
    /// One unit, with the project's units to find what replaced it.
    fn new(u: &received_unit::Model, all: &[received_unit::Model]) -> Self {
        Self {
            id: u.id,
            shipment_id: u.shipment_id,
            item_id: u.item_id,
            serial: u.serial.clone(),
            quantity: u.quantity,
            replaces_unit_id: u.replaces_unit_id,
            replaced_by_unit_id: all.iter().find(|r| r.replaces_unit_id == Some(u.id)).map(|r| r.id),
        }
    }
}

/// A unit that takes the place of one that failed its inspection.
#[derive(Object)]
struct ReplacementBody {
    /// The unit replaced (its id from the shipment's units); its item needs a deviation closed as
    /// replace or return.
    unit_id: i32,
    /// The replacement's serial number; leave out when the replaced unit arrived by quantity.
    #[oai(nullable)]
    serial: Option<String>,
    /// Why, e.g. 屏幕划伤，厂家换货.
    reason: String,
}

/// A new shipment.
#[derive(Object)]
struct NewShipment {
    /// 发货单号 or the supplier's delivery note number.
    reference: String,
    /// Who dispatched it.
    dispatched_by: String,
    /// Carrier or courier.
    #[oai(nullable)]
    carrier: Option<String>,
    /// Day of dispatch, YYYY-MM-DD.
    #[oai(nullable)]
    dispatched_on: Option<DateText>,
    /// Expected arrival, YYYY-MM-DD.
    #[oai(nullable)]
    expected_on: Option<DateText>,
    /// Free text.
    #[oai(nullable)]
    note: Option<String>,
}

/// Fields to change; absent fields stay.
#[derive(Object)]
struct ShipmentChange {
    /// Carrier or courier.
    #[oai(nullable)]
    carrier: Option<String>,
    /// Day of dispatch, YYYY-MM-DD.
    #[oai(nullable)]
    dispatched_on: Option<DateText>,
    /// Expected arrival, YYYY-MM-DD.
    #[oai(nullable)]
    expected_on: Option<DateText>,
    /// Actual arrival on site, YYYY-MM-DD (not in the future).
    #[oai(nullable)]
    arrived_on: Option<DateText>,
    /// Free text.
    #[oai(nullable)]
    note: Option<String>,
}

/// Units of one baseline item that arrived.
#[derive(Object)]
struct UnitLineInput {
    /// The baseline item (GET …/arrival lists them).
    item_id: i32,
    /// Serial numbers, one unit each.
    #[oai(nullable)]
    serials: Option<Vec<String>>,
    /// Serial numbers pasted as text: one per line, or separated by commas, semicolons, 、 or spaces.
    #[oai(nullable)]
    serials_text: Option<String>,
    /// For equipment without serial numbers.
    #[oai(nullable)]
    quantity: Option<f64>,
}

/// What a shipment brought.
#[derive(Object)]
struct ReceiveInput {
    /// One line per baseline item.
    lines: Vec<UnitLineInput>,
}

/// A spreadsheet of serial numbers.
#[derive(Multipart)]
struct SerialsForm {
    /// .xlsx, .xls, .ods or .csv with a 序列号 / SN column and a 型号 or 设备名称 column.
    file: Upload,
}

/// The signed 设备签收单.
#[derive(Object)]
struct ReceiptInput {
    /// The receiver's name as signed.
    received_by: String,
    /// When it was signed (RFC 3339); defaults to now.
    #[oai(nullable)]
    signed_at: Option<InstantText>,
}

/// One item's three arrival checks.
#[derive(Object)]
struct CheckDto {
    /// The baseline item.
    item_id: i32,
    /// 随机资料检验: pass, fail or na.
    documents: OneOf<kinds::CheckResult>,
    /// 外观检验: pass, fail or na.
    appearance: OneOf<kinds::CheckResult>,
    /// 通电测试: pass, fail or na.
    power_on: OneOf<kinds::CheckResult>,
    /// What was seen; required when a check fails.
    #[oai(nullable)]
    note: Option<String>,
}

/// An inspection of one or more items.
#[derive(Object)]
struct NewInspection {
    /// self (our self-check) or client (organised by the client, after our self-check passed).
    round: OneOf<kinds::InspectionRound>,
    /// The client's witness; required for the client's round.
    #[oai(nullable)]
    witness: Option<String>,
    /// When it took place (RFC 3339); defaults to now.
    #[oai(nullable)]
    inspected_at: Option<InstantText>,
    /// The items inspected.
    items: Vec<CheckDto>,
}

/// A recorded inspection of one item.
#[derive(Object)]
struct InspectionDto {
    /// Identifier.
    id: i32,
    /// The baseline item.
    item_id: i32,
    /// self or client.
    round: OneOf<kinds::InspectionRound>,
    /// 随机资料检验: pass, fail or na.
    documents: OneOf<kinds::CheckResult>,
    /// 外观检验: pass, fail or na.
    appearance: OneOf<kinds::CheckResult>,
    /// 通电测试: pass, fail or na.
    power_on: OneOf<kinds::CheckResult>,
    /// What was seen.
    #[oai(nullable)]
    note: Option<String>,
    /// Our inspector (user id).
    #[oai(nullable)]
    inspector_id: Option<i32>,
    /// The client's witness.
    #[oai(nullable)]
    witness: Option<String>,
    /// When it took place.
    inspected_at: DateTime<Utc>,
    /// The deviation this inspection opened, if a check failed.
    #[oai(nullable)]
    deviation_id: Option<i32>,
}

impl InspectionDto {
    fn new(i: &inspection::Model, deviation_id: Option<i32>) -> Self {
        Self {
            id: i.id,
            item_id: i.item_id,
            round: i.round.clone().into(),
            documents: i.documents.clone().into(),
            appearance: i.appearance.clone().into(),
            power_on: i.power_on.clone().into(),
            note: i.note.clone(),
            inspector_id: i.inspector_id,
            witness: i.witness.clone(),
            inspected_at: i.inspected_at,
            deviation_id,
        }
    }
}

/// A deviation opened by a failed inspection.
#[derive(Object)]
struct DeviationDto {
    /// Identifier.
    id: i32,
    /// The baseline item.
    item_id: i32,
    /// The failed inspection.
    inspection_id: i32,
    /// What failed.
    description: String,
    /// open or closed.
    status: OneOf<DeviationStatus>,
    /// replace, return or concession.
    #[oai(nullable)]
    resolution: Option<OneOf<kinds::Resolution>>,
    /// How it was settled.
    #[oai(nullable)]
    resolution_note: Option<String>,
    /// Who accepted a concession for the client.
    #[oai(nullable)]
    client_approver: Option<String>,
    /// When it was opened.
    opened_at: DateTime<Utc>,
    /// When it was closed.
    #[oai(nullable)]
    closed_at: Option<DateTime<Utc>>,
}

impl From<&deviation::Model> for DeviationDto {
    fn from(d: &deviation::Model) -> Self {
        Self {
            id: d.id,
            item_id: d.item_id,
            inspection_id: d.inspection_id,
            description: d.description.clone(),
            status: d.status.into(),
            resolution: d.resolution.map(Into::into),
            resolution_note: d.resolution_note.clone(),
            client_approver: d.client_approver.clone(),
            opened_at: d.opened_at,
            closed_at: d.closed_at,
        }
    }
}

/// How a deviation is settled.
#[derive(Object)]
struct CloseDeviation {
    /// replace (a new unit, inspected again), return, or concession (accepted as it is).
    resolution: OneOf<kinds::Resolution>,
    /// What was done.
    note: String,
    /// For a concession: the client's person who accepted it.
    #[oai(nullable)]
    client_approver: Option<String>,
}

/// Where one baseline item stands.
#[derive(Object)]
struct ItemArrivalDto {
    /// The baseline item's id.
    item_id: i32,
    /// 序号.
    #[oai(nullable)]
    seq: Option<String>,
    /// From its category row.
    #[oai(nullable)]
    category: Option<String>,
    /// 设备名称.
    name: String,
    /// 型号.
    #[oai(nullable)]
    model: Option<String>,
    /// 单位.
    #[oai(nullable)]
    unit: Option<String>,
    /// Quantity in the baseline.
    #[oai(nullable)]
    quantity: Option<f64>,
    /// A service line (no brand, no model, unit 项): nothing arrives, nothing is inspected.
    service: bool,
    /// Quantity arrived.
    received: f64,
    /// Serial numbers of the units arrived.
    serials: Vec<String>,
    /// Our self-check: not_inspected, passed, failed or conceded.
    self_check: String,
    /// The client's inspection: not_inspected, passed, failed or conceded.
    client_check: String,
    /// Deviations still open.
    open_deviations: u32,
    /// Arrived in full and passed both inspections.
    accepted: bool,
}

/// Phase 2 against the approved baseline.
#[derive(Object)]
struct ArrivalDto {
    /// The approved 分项设备清单审定版 that is the baseline.
    baseline_list_id: i32,
    /// Its version.
    baseline_version: i32,
    /// Every baseline item.
    items: Vec<ItemArrivalDto>,
    /// Items arrived in full.
    arrived: u32,
    /// Items accepted.
    accepted: u32,
    /// Deviations still open across the project.
    open_deviations: u32,
    /// Every item arrived on signed receipts and passed: the phase-2 tasks are complete.
    complete: bool,
}

#[OpenApi(tag = "ApiTags::Arrival")]
impl ArrivalApi {
    /// Arrival status
    ///
    /// Every item of the approved baseline: what arrived, serial numbers, both inspections, open
    /// deviations, and whether it is accepted.
    #[oai(path = "/projects/:id/arrival", method = "get", operation_id = "arrival_status")]
    async fn status(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
    ) -> ApiResult<Json<ArrivalDto>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let st = arrival::status(&self.state.db, &p).await?;
        let complete = st.all_received() && st.all_accepted();
        let items: Vec<ItemArrivalDto> = st
            .items
            .iter()
            .map(|s| ItemArrivalDto {
                item_id: s.item.id,
                seq: s.item.seq.clone(),
                category: s.item.category.clone(),
                name: s.item.name.clone(),
                model: s.item.model.clone(),
                unit: s.item.unit.clone(),
                quantity: s.item.quantity,
                service: s.service,
                received: s.received,
                serials: s.serials.clone(),
                self_check: s.own.as_str().into(),
                client_check: s.client.as_str().into(),
                open_deviations: s.open_deviations as u32,
                accepted: s.accepted(),
            })
            .collect();
        Ok(Json(ArrivalDto {
            baseline_list_id: st.baseline.list.id,
            baseline_version: st.baseline.list.version,
            arrived: st.items.iter().filter(|s| s.arrived()).count() as u32,
            accepted: st.items.iter().filter(|s| s.accepted()).count() as u32,
            open_deviations: st
                .deviations
                .iter()
                .filter(|d| d.status == DeviationStatus::Open)
                .count() as u32,
            complete,
            items,
        }))
    }

    /// Record a shipment
    ///
    /// Needs an approved baseline. Engineers and PMs of the project.
    #[oai(path = "/projects/:id/shipments", method = "post", operation_id = "create_shipment")]
    async fn create_shipment(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        body: Json<NewShipment>,
    ) -> ApiResult<Json<ShipmentDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let b = body.0;
        let input = ShipmentInput {
            reference: b.reference,
            dispatched_by: b.dispatched_by,
            carrier: b.carrier,
            dispatched_on: date("dispatched_on", b.dispatched_on.as_deref().map(String::as_str))?,
            expected_on: date("expected_on", b.expected_on.as_deref().map(String::as_str))?,
            note: b.note,
        };
        let s = arrival::create_shipment(&self.state.db, &p, input, Utc::now()).await?;
        Ok(Json(ShipmentDto::new(s, Vec::new())))
    }

    /// List shipments
    #[oai(path = "/projects/:id/shipments", method = "get", operation_id = "list_shipments")]
    async fn shipments(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
    ) -> ApiResult<Json<Vec<ShipmentDto>>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let list = arrival::shipments(&self.state.db, &p).await?;
        Ok(Json(
            list.into_iter().map(|s| ShipmentDto::new(s, Vec::new())).collect(),
        ))
    }

    /// A shipment with its units
    #[oai(
        path = "/projects/:id/shipments/:shipment_id",
        method = "get",
        operation_id = "get_shipment"
    )]
    async fn shipment(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Shipment id.
        shipment_id: Path<i32>,
    ) -> ApiResult<Json<ShipmentDto>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        self.detail(&p, shipment_id.0).await
    }

    /// Change a shipment
    ///
    /// Set `arrived_on` when it reaches site; units can then be recorded.
    #[oai(
        path = "/projects/:id/shipments/:shipment_id",
        method = "patch",
        operation_id = "update_shipment"
    )]
    async fn update_shipment(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Shipment id.
        shipment_id: Path<i32>,
        body: Json<ShipmentChange>,
    ) -> ApiResult<Json<ShipmentDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let b = body.0;
        let patch = ShipmentPatch {
            carrier: b.carrier,
            dispatched_on: date("dispatched_on", b.dispatched_on.as_deref().map(String::as_str))?,
            expected_on: date("expected_on", b.expected_on.as_deref().map(String::as_str))?,
            arrived_on: date("arrived_on", b.arrived_on.as_deref().map(String::as_str))?,
            note: b.note,
        };
        arrival::update_shipment(&self.state.db, &p, shipment_id.0, patch, Utc::now()).await?;
        self.detail(&p, shipment_id.0).await
    }

    /// Correct a unit's serial number
    ///
    /// Managers, with the reason, while the shipment's 设备签收单 is unsigned (409 after); the new
    /// number must not be another unit's of the item. The history keeps old → new and why.
    #[oai(
        path = "/projects/:id/shipments/:shipment_id/units/:unit_id",
        method = "patch",
        operation_id = "correct_unit_serial"
    )]
    async fn correct_serial(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Shipment id.
        shipment_id: Path<i32>,
        /// Unit id (from the shipment's units).
        unit_id: Path<i32>,
        body: Json<SerialCorrection>,
    ) -> ApiResult<Json<ShipmentDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let b = body.0;
        arrival::correct_serial(
            &self.state.db,
            &p,
            shipment_id.0,
            unit_id.0,
            &b.serial,
            &b.reason,
            Utc::now(),
        )
        .await?;
        self.detail(&p, shipment_id.0).await
    }

    /// Record a replacement unit
    ///
    /// The unit that arrived on this shipment to take the place of a unit whose item's deviation
    /// was closed as replace or return. Both stay on record; counts, installation and the forms use
    /// the replacement (the forms print "新序列号（替换 旧序列号）"), and an installation record of
    /// the replaced unit moves to it. 409 when the shipment's 设备签收单 is signed or the unit was
    /// replaced already.
    #[oai(
        path = "/projects/:id/shipments/:shipment_id/replacements",
        method = "post",
        operation_id = "replace_unit"
    )]
    async fn replace_unit(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Shipment id: the shipment the replacement arrived on.
        shipment_id: Path<i32>,
        body: Json<ReplacementBody>,
    ) -> ApiResult<Json<ShipmentDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let b = body.0;
        let input = ReplacementInput {
            unit_id: b.unit_id,
            serial: b.serial,
            reason: b.reason,
        };
        arrival::replace_unit(&self.state.db, &p, shipment_id.0, input, Utc::now()).await?;
        self.detail(&p, shipment_id.0).await
    }

    /// Delete a shipment made by mistake
    ///
    /// Managers, with the reason, while no unit is recorded on it and its 设备签收单 is unsigned
    /// (409 otherwise). The history keeps who, when and why.
    #[oai(
        path = "/projects/:id/shipments/:shipment_id",
        method = "delete",
        operation_id = "delete_shipment"
    )]
    async fn delete_shipment(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Shipment id.
        shipment_id: Path<i32>,
        /// Why it is deleted, e.g. 误建（更换件不另发货）.
        reason: Query<String>,
    ) -> ApiResult<NoContent> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        arrival::delete_shipment(&self.state.db, &p, shipment_id.0, &reason.0, Utc::now()).await?;
        Ok(NoContent::Done)
    }

    /// Record the units a shipment brought
    ///
    /// Serial numbers typed or pasted, or a quantity for equipment without them; all lines or
    /// none. More than the baseline quantity, or a serial number recorded twice, is refused.
    #[oai(
        path = "/projects/:id/shipments/:shipment_id/units",
        method = "post",
        operation_id = "receive_units"
    )]
    async fn receive(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Shipment id.
        shipment_id: Path<i32>,
        body: Json<ReceiveInput>,
    ) -> ApiResult<Json<ShipmentDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let lines = body
            .0
            .lines
            .into_iter()
            .map(|l| {
                let mut serials = l.serials.unwrap_or_default();
                serials.extend(
                    l.serials_text
                        .as_deref()
                        .map(arrival::split_serials)
                        .unwrap_or_default(),
                );
                UnitLine {
                    item_id: l.item_id,
                    serials,
                    quantity: l.quantity,
                }
            })
            .collect();
        arrival::receive(&self.state.db, &p, shipment_id.0, lines, Utc::now()).await?;
        self.detail(&p, shipment_id.0).await
    }

    /// Import serial numbers from a spreadsheet
    ///
    /// A sheet with a 序列号 / SN / Serial column and a 型号 or 设备名称 column that finds each
    /// baseline item; every row becomes a unit of this shipment, all or none.
    #[oai(
        path = "/projects/:id/shipments/:shipment_id/units/import",
        method = "post",
        operation_id = "import_units"
    )]
    async fn import_units(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Shipment id.
        shipment_id: Path<i32>,
        form: SerialsForm,
    ) -> ApiResult<Json<ShipmentDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let file_name = checked_text("file", form.file.file_name().unwrap_or("serials.xlsx").to_string())?;
        let bytes = form
            .file
            .into_vec()
            .await
            .map_err(|e| AppError::invalid("file", format!("file: {e}")))?;
        arrival::receive_file(&self.state.db, &p, shipment_id.0, file_name, bytes, Utc::now()).await?;
        self.detail(&p, shipment_id.0).await
    }

    /// Print a shipment's 设备签收单
    ///
    /// What the shipment brought, to print and sign on delivery; the receiver's lines stay blank
    /// until the receipt is recorded. Not entered in the register (the project's 设备签收单 is).
    #[oai(
        path = "/projects/:id/shipments/:shipment_id/receipt.docx",
        method = "get",
        operation_id = "print_shipment_receipt"
    )]
    async fn receipt_form(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Shipment id.
        shipment_id: Path<i32>,
    ) -> ApiResult<ReceiptForm> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let house = self.state.settings.house();
        let doc =
            crate::service::documents::shipment_receipt(&self.state.db, &self.state.files, &p, &house, shipment_id.0)
                .await?;
        Ok(ReceiptForm::Ok(
            Binary(doc.bytes),
            super::content_disposition(&doc.file_name),
        ))
    }

    /// Sign the 设备签收单
    ///
    /// The receiver on site signs for what the shipment brought. Once every baseline item has
    /// arrived on signed receipts, 设备订购与发货 and 设备到货签收 complete themselves.
    #[oai(
        path = "/projects/:id/shipments/:shipment_id/receipt",
        method = "post",
        operation_id = "sign_receipt"
    )]
    async fn receipt(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Shipment id.
        shipment_id: Path<i32>,
        body: Json<ReceiptInput>,
    ) -> ApiResult<Json<ShipmentDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let signed_at = match body.signed_at.as_deref() {
            Some(v) => Some(instant("signed_at", Some(v))?),
            None => None,
        };
        let now = Utc::now();
        arrival::sign_receipt(&self.state.db, &p, shipment_id.0, &body.received_by, signed_at, now).await?;
        self.detail(&p, shipment_id.0).await
    }

    /// Record an arrival inspection
    ///
    /// 随机资料检验, 外观检验 and 通电测试 per item: our self-check first, then the client's with its
    /// witness. A failed check opens a deviation. When every item has arrived and passed both,
    /// 设备到货检验 completes itself with links to the records.
    #[oai(
        path = "/projects/:id/inspections",
        method = "post",
        operation_id = "record_inspection"
    )]
    async fn inspect(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        body: Json<NewInspection>,
    ) -> ApiResult<Json<Vec<InspectionDto>>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let b = body.0;
        let inspected_at = match b.inspected_at.as_deref() {
            Some(v) => Some(instant("inspected_at", Some(v))?),
            None => None,
        };
        let input = InspectionInput {
            round: b.round.into(),
            witness: b.witness,
            inspected_at,
            items: b
                .items
                .into_iter()
                .map(|c| CheckInput {
                    item_id: c.item_id,
                    documents: c.documents.into(),
                    appearance: c.appearance.into(),
                    power_on: c.power_on.into(),
                    note: c.note,
                })
                .collect(),
        };
        let saved = arrival::inspect(&self.state.db, &p, input, Utc::now()).await?;
        Ok(Json(
            saved
                .iter()
                .map(|(i, d)| InspectionDto::new(i, d.as_ref().map(|d| d.id)))
                .collect(),
        ))
    }

    /// List arrival inspections
    ///
    /// The 设备进场检验记录: every inspection recorded, oldest first.
    #[oai(
        path = "/projects/:id/inspections",
        method = "get",
        operation_id = "list_inspections"
    )]
    async fn inspections(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
    ) -> ApiResult<Json<Vec<InspectionDto>>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let list = arrival::inspections(&self.state.db, &p).await?;
        let devs = arrival::deviations(&self.state.db, &p).await?;
        Ok(Json(
            list.iter()
                .map(|i| InspectionDto::new(i, devs.iter().find(|d| d.inspection_id == i.id).map(|d| d.id)))
                .collect(),
        ))
    }

    /// List deviations
    #[oai(path = "/projects/:id/deviations", method = "get", operation_id = "list_deviations")]
    async fn deviations(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
    ) -> ApiResult<Json<Vec<DeviationDto>>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        Ok(Json(
            arrival::deviations(&self.state.db, &p)
                .await?
                .iter()
                .map(DeviationDto::from)
                .collect(),
        ))
    }

    /// A deviation
    #[oai(
        path = "/projects/:id/deviations/:deviation_id",
        method = "get",
        operation_id = "get_deviation"
    )]
    async fn deviation(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Deviation id.
        deviation_id: Path<i32>,
    ) -> ApiResult<Json<DeviationDto>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let all = arrival::deviations(&self.state.db, &p).await?;
        let d = all
            .iter()
            .find(|d| d.id == deviation_id.0)
            .ok_or_else(|| AppError::not_found(format!("no deviation {} on project {}", deviation_id.0, id.0)))?;
        Ok(Json(DeviationDto::from(d)))
    }

    /// Close a deviation
    ///
    /// replace or return: the item is inspected again afterwards; concession: the client accepts
    /// it as it is (name who accepted).
    #[oai(
        path = "/projects/:id/deviations/:deviation_id/close",
        method = "post",
        operation_id = "close_deviation"
    )]
    async fn close(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Deviation id.
        deviation_id: Path<i32>,
        body: Json<CloseDeviation>,
    ) -> ApiResult<Json<DeviationDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let b = body.0;
        let input = CloseInput {
            resolution: b.resolution.into(),
            note: b.note,
            client_approver: b.client_approver,
        };
        let d = arrival::close_deviation(&self.state.db, &p, deviation_id.0, input, Utc::now()).await?;
        Ok(Json(DeviationDto::from(&d)))
    }
}

impl ArrivalApi {
    async fn detail(&self, p: &Granted<impl MayRead>, shipment_id: i32) -> ApiResult<Json<ShipmentDto>> {
        let s = arrival::shipment_of(&self.state.db, p, shipment_id).await?;
        let units = arrival::units(&self.state.db, p).await?;
        let units = units
            .iter()
            .filter(|u| u.shipment_id == shipment_id)
            .map(|u| UnitDto::new(u, &units))
            .collect();
        Ok(Json(ShipmentDto::new(s, units)))
    }
}
