use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::{Object, OpenApi, param::Path, payload::Json};

use super::types::{DateText, OneOf};
use super::{ApiTags, BearerAuth, grant};
use crate::domain::types as kinds;
use crate::{
    domain::types::optional_date,
    error::{ApiResult, AppError, RowProblem},
    service::{
        access::{Granted, MayRead, Read, RecordWork},
        installation::{self, InstallationInput, InstallationRow},
    },
    state::AppState,
};

pub struct InstallationApi {
    state: AppState,
}

impl InstallationApi {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

/// One row of the 现场安装一览表: an installed item or unit with its configuration and
/// commissioning result.
#[derive(Object)]
struct InstallationDto {
    /// Identifier.
    id: i32,
    /// The baseline item.
    item_id: i32,
    /// The item's category.
    #[oai(nullable)]
    category: Option<String>,
    /// 序号 of the item.
    #[oai(nullable)]
    seq: Option<String>,
    /// 设备名称.
    name: String,
    /// 型号.
    #[oai(nullable)]
    model: Option<String>,
    /// Serial number of the unit installed.
    #[oai(nullable)]
    serial: Option<String>,
    /// Quantity installed here (1 for a unit).
    quantity: f64,
    /// 安装位置.
    location: String,
    /// 安装日期.
    installed_on: NaiveDate,
    /// The engineer's user id.
    #[oai(nullable)]
    engineer_id: Option<i32>,
    /// The engineer's name.
    #[oai(nullable)]
    engineer: Option<String>,
    /// IP address.
    #[oai(nullable)]
    ip_address: Option<String>,
    /// Firmware version.
    #[oai(nullable)]
    firmware: Option<String>,
    /// Configuration notes.
    #[oai(nullable)]
    config_notes: Option<String>,
    /// pending, pass or fail.
    commissioning: OneOf<kinds::Commissioning>,
    /// What commissioning showed.
    #[oai(nullable)]
    commissioning_note: Option<String>,
    /// Day of commissioning.
    #[oai(nullable)]
    commissioned_on: Option<NaiveDate>,
    /// Last change.
    updated_at: DateTime<Utc>,
}

/// An installation record. On create `item_id`, `location` and `installed_on` are required; on
/// update absent fields stay, and the item, unit and quantity cannot change.
#[derive(Object)]
struct InstallationBody {
    /// The baseline item (create only).
    #[oai(nullable)]
    item_id: Option<i32>,
    /// Serial number of the unit installed, for items that arrived with serials (create only).
    #[oai(nullable)]
    serial: Option<String>,
    /// For items without serials; defaults to all that arrived and is not yet installed (create only).
    #[oai(nullable)]
    quantity: Option<f64>,
    /// 安装位置, e.g. 第一审判庭 机柜 A 第 12U.
    #[oai(nullable)]
    location: Option<String>,
    /// 安装日期, YYYY-MM-DD.
    #[oai(nullable)]
    installed_on: Option<DateText>,
    /// The engineer (a project member); defaults to the caller.
    #[oai(nullable)]
    engineer_id: Option<i32>,
    /// IPv4 or IPv6 address.
    #[oai(nullable)]
    ip_address: Option<String>,
    /// Firmware version.
    #[oai(nullable)]
    firmware: Option<String>,
    /// Configuration notes.
    #[oai(nullable)]
    config_notes: Option<String>,
    /// pending, pass or fail (fail needs commissioning_note).
    #[oai(nullable)]
    commissioning: Option<OneOf<kinds::Commissioning>>,
    /// What commissioning showed.
    #[oai(nullable)]
    commissioning_note: Option<String>,
    /// Day of commissioning, YYYY-MM-DD; defaults to today when a result is given.
    #[oai(nullable)]
    commissioned_on: Option<DateText>,
    /// Why the record is corrected; required when the serial changes (e.g. 序列号录入错误).
    #[oai(nullable)]
    reason: Option<String>,
}

impl InstallationBody {
    fn into_input(self) -> Result<InstallationInput, crate::error::AppError> {
        Ok(InstallationInput {
            item_id: self.item_id,
            serial: self.serial,
            quantity: self.quantity,
            location: self.location,
            installed_on: optional_date("installed_on", self.installed_on.as_deref().map(String::as_str))?,
            engineer_id: self.engineer_id,
            ip_address: self.ip_address,
            firmware: self.firmware,
            config_notes: self.config_notes,
            commissioning: self.commissioning.map(Into::into),
            commissioning_note: self.commissioning_note,
            commissioned_on: optional_date("commissioned_on", self.commissioned_on.as_deref().map(String::as_str))?,
            reason: self.reason,
        })
    }
}

/// One row of the installation table: with `id`, changes to that record (absent fields stay);
/// without, a new record.
#[derive(Object)]
struct TableRowBody {
    /// The record changed; leave out for a new one.
    #[oai(nullable)]
    id: Option<i32>,
    #[oai(flatten)]
    record: InstallationBody,
}

/// Many rows of the installation table, saved together.
#[derive(Object)]
struct InstallationTable {
    /// 1 to 2,000 rows.
    records: Vec<TableRowBody>,
}

/// What saving the table did.
#[derive(Object)]
struct TableSavedDto {
    /// New records.
    created: u32,
    /// Records changed.
    updated: u32,
    /// Rows sent as they were.
    unchanged: u32,
}

#[OpenApi(tag = "ApiTags::Installation")]
impl InstallationApi {
    /// 现场安装一览表
    ///
    /// Every installation record of the project in baseline order: item, unit, location, date,
    /// engineer, configuration and commissioning result.
    #[oai(
        path = "/projects/:id/installations",
        method = "get",
        operation_id = "list_installations"
    )]
    async fn list(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
    ) -> ApiResult<Json<Vec<InstallationDto>>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let rows = installation::rows(&self.state.db, &p, None).await?;
        Ok(Json(rows.into_iter().map(Into::into).collect()))
    }

    /// Record an installation
    ///
    /// One record per serial-numbered unit, or a quantity of an item without serials. When every
    /// baseline item is installed in full, 设备安装 completes itself; when every record also passed
    /// commissioning, 设备调试与开通 does.
    #[oai(
        path = "/projects/:id/installations",
        method = "post",
        operation_id = "create_installation"
    )]
    async fn create(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        body: Json<InstallationBody>,
    ) -> ApiResult<Json<InstallationDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let saved = installation::create(&self.state.db, &p, body.0.into_input()?, Utc::now()).await?;
        self.one(&p, saved.id).await
    }

    /// Save many rows of the installation table
    ///
    /// New records and changes in one transaction, all or none: when any row cannot be saved the
    /// answer is 422 with `problems`, one per row (1-based, in the order sent) saying what to fix,
    /// and nothing is saved. Rows are checked in order, so a unit entered twice is caught on its
    /// second row. The answer counts what was created, changed and left as it was.
    #[oai(
        path = "/projects/:id/installations/table",
        method = "put",
        operation_id = "save_installation_table"
    )]
    async fn save_table(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        body: Json<InstallationTable>,
    ) -> ApiResult<Json<TableSavedDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let mut rows = Vec::with_capacity(body.0.records.len());
        let mut problems = Vec::new();
        for (i, r) in body.0.records.into_iter().enumerate() {
            match r.record.into_input() {
                Ok(input) => rows.push(installation::TableRow { id: r.id, input }),
                Err(e) => problems.push(RowProblem::of(i + 1, e)?),
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Rows {
                field: "records".into(),
                problems,
            }
            .into());
        }
        let saved = installation::save_table(&self.state.db, &p, rows, Utc::now()).await?;
        Ok(Json(TableSavedDto {
            created: saved.created as u32,
            updated: saved.updated as u32,
            unchanged: saved.unchanged as u32,
        }))
    }

    /// Change an installation record
    ///
    /// Location, date, engineer, configuration, the commissioning result — and a unit's serial,
    /// when the wrong one was recorded, with the reason.
    #[oai(
        path = "/projects/:id/installations/:installation_id",
        method = "patch",
        operation_id = "update_installation"
    )]
    async fn update(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Installation id.
        installation_id: Path<i32>,
        body: Json<InstallationBody>,
    ) -> ApiResult<Json<InstallationDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let input = body.0.into_input()?;
        let saved = installation::update(&self.state.db, &p, installation_id.0, input, Utc::now()).await?;
        self.one(&p, saved.id).await
    }
}

impl InstallationApi {
    async fn one(&self, p: &Granted<impl MayRead>, id: i32) -> ApiResult<Json<InstallationDto>> {
        let rows = installation::rows(&self.state.db, p, Some(id)).await?;
        let row = rows
            .into_iter()
            .next()
            .ok_or_else(|| crate::error::AppError::not_found(format!("no installation {id} on project {}", p.id())))?;
        Ok(Json(row.into()))
    }
}

impl From<InstallationRow> for InstallationDto {
    fn from(r: InstallationRow) -> Self {
        Self {
            id: r.id,
            item_id: r.item_id,
            category: r.category,
            seq: r.seq,
            name: r.name,
            model: r.model,
            serial: r.serial,
            quantity: r.quantity,
            location: r.location,
            installed_on: r.installed_on,
            engineer: r.engineer,
            engineer_id: r.engineer_id,
            ip_address: r.ip_address,
            firmware: r.firmware,
            config_notes: r.config_notes,
            commissioning: r.commissioning.into(),
            commissioning_note: r.commissioning_note,
            commissioned_on: r.commissioned_on,
            updated_at: r.updated_at,
        }
    }
}
