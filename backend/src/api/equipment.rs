use super::grant;
use crate::service::access::{Manage, Read};
use chrono::{DateTime, Utc};
use entity::{equipment_item, equipment_list};
use poem_openapi::{Multipart, Object, OpenApi, param::Path, payload::Json, types::multipart::Upload};

use super::types::{DateText, OneOf};
use super::{ApiTags, BearerAuth, middleware::checked_text};
use crate::domain::types as kinds;
use crate::{
    error::{ApiResult, AppError},
    import::grid::column_name,
    service::equipment::{self, ImportRequest},
    state::AppState,
};

pub struct EquipmentApi {
    state: AppState,
}

impl EquipmentApi {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

/// An equipment-list upload.
#[derive(Multipart)]
struct ImportForm {
    /// contract (协议设备清单), purchase_order (设备订购单) or approved (分项设备清单审定版).
    kind: OneOf<kinds::ListKind>,
    /// The spreadsheet: .xlsx, .xlsm, .xls, .ods, or .csv in UTF-8 or GBK.
    file: Upload,
    /// The sheet to read; by default the one whose header is found.
    sheet: Option<String>,
    /// JSON object overriding detected columns, e.g. {"model": "C", "quantity": "F"}.
    mapping: Option<String>,
    /// true: only preview what would be imported; nothing is written.
    dry_run: Option<bool>,
    /// Comma-separated sheet rows to leave out, e.g. "12,15".
    exclude_rows: Option<String>,
}

/// Where a detected column is.
#[derive(Object)]
struct ColumnDto {
    /// seq, name, brand, model, spec, quantity, unit, unit_price, amount, origin, warranty or remark.
    field: String,
    /// Column letters in the sheet.
    column: String,
}

/// A problem pinned to its place in the file.
#[derive(Object)]
struct ProblemDto {
    /// Sheet name.
    sheet: String,
    /// Row of the sheet, from 1.
    row: u32,
    /// Column letters, when one cell is at fault.
    #[oai(nullable)]
    column: Option<String>,
    /// What is wrong and what to fix.
    message: String,
}

/// One equipment line.
#[derive(Object)]
struct ItemDto {
    /// Row of the source sheet.
    row: u32,
    /// From the category row above it, e.g. 庭审录音录像系统.
    #[oai(nullable)]
    category: Option<String>,
    /// 序号 as written.
    #[oai(nullable)]
    seq: Option<String>,
    /// 设备名称.
    name: String,
    /// 品牌.
    #[oai(nullable)]
    brand: Option<String>,
    /// 型号.
    #[oai(nullable)]
    model: Option<String>,
    /// 规格参数.
    #[oai(nullable)]
    spec: Option<String>,
    /// 数量.
    #[oai(nullable)]
    quantity: Option<f64>,
    /// 单位.
    #[oai(nullable)]
    unit: Option<String>,
    /// 单价.
    #[oai(nullable)]
    unit_price: Option<f64>,
    /// 金额.
    #[oai(nullable)]
    amount: Option<f64>,
    /// 产地.
    #[oai(nullable)]
    origin: Option<String>,
    /// 质保期.
    #[oai(nullable)]
    warranty: Option<String>,
    /// 备注.
    #[oai(nullable)]
    remark: Option<String>,
}

impl From<&crate::import::ParsedItem> for ItemDto {
    fn from(i: &crate::import::ParsedItem) -> Self {
        Self {
            row: i.row,
            category: i.category.clone(),
            seq: i.seq.clone(),
            name: i.name.clone(),
            brand: i.brand.clone(),
            model: i.model.clone(),
            spec: i.spec.clone(),
            quantity: i.quantity,
            unit: i.unit.clone(),
            unit_price: i.unit_price,
            amount: i.amount,
            origin: i.origin.clone(),
            warranty: i.warranty.clone(),
            remark: i.remark.clone(),
        }
    }
}

impl From<&equipment_item::Model> for ItemDto {
    fn from(i: &equipment_item::Model) -> Self {
        Self::from(&crate::import::ParsedItem::from(i))
    }
}

/// An imported version of an equipment list.
#[derive(Object)]
struct ListDto {
    /// Identifier.
    id: i32,
    /// contract, purchase_order or approved.
    kind: OneOf<kinds::ListKind>,
    /// 1 for the first import of this kind, then 2, 3, ...
    version: i32,
    /// The uploaded file's name.
    file_name: String,
    /// SHA-256 of the uploaded file.
    file_sha256: String,
    /// The sheet read.
    sheet: String,
    /// The header row found.
    header_row: i32,
    /// Who imported it.
    #[oai(nullable)]
    imported_by: Option<i32>,
    /// When.
    imported_at: DateTime<Utc>,
    /// When this 审定版 was approved as the baseline for arrival.
    #[oai(nullable)]
    approved_at: Option<DateTime<Utc>>,
    /// Who approved it.
    #[oai(nullable)]
    approved_by: Option<i32>,
    /// A purchase order's terms, as the 设备订购单 prints them; null on other kinds.
    #[oai(nullable)]
    order_terms: Option<OrderTermsDto>,
}

/// A purchase order's own terms. Each may be left empty (null) until it is known; the 设备订购单
/// is issued only once the supplier and the order date are stated.
#[derive(Object)]
struct OrderTermsDto {
    /// 供货单位: the supplier the order is placed with.
    #[oai(nullable)]
    supplier: Option<String>,
    /// 订购日期, YYYY-MM-DD.
    #[oai(nullable)]
    ordered_on: Option<DateText>,
    /// 交货期: the day the goods are due, YYYY-MM-DD, not before the order date.
    #[oai(nullable)]
    delivery_due_on: Option<DateText>,
    /// 交货地点.
    #[oai(nullable)]
    delivery_place: Option<String>,
}

impl From<&equipment_list::Model> for OrderTermsDto {
    fn from(l: &equipment_list::Model) -> Self {
        let text = |t: &str| (!t.is_empty()).then(|| t.to_string());
        Self {
            supplier: text(&l.supplier),
            ordered_on: l.ordered_on.map(|d| d.to_string().into()),
            delivery_due_on: l.delivery_due_on.map(|d| d.to_string().into()),
            delivery_place: text(&l.delivery_place),
        }
    }
}

impl From<&equipment_list::Model> for ListDto {
    fn from(l: &equipment_list::Model) -> Self {
        Self {
            id: l.id,
            kind: l.kind.into(),
            version: l.version,
            file_name: l.file_name.clone(),
            file_sha256: l.file_sha256.clone(),
            sheet: l.sheet.clone(),
            header_row: l.header_row,
            imported_by: l.imported_by,
            imported_at: l.imported_at,
            approved_at: l.approved_at,
            approved_by: l.approved_by,
            order_terms: (l.kind == kinds::ListKind::PurchaseOrder).then(|| l.into()),
        }
    }
}

/// What an import found, and the version it made unless it was a dry run.
#[derive(Object)]
struct ImportResult {
    /// The sheet read.
    sheet: String,
    /// The header row found (from 1).
    header_row: u32,
    /// Detected (or mapped) columns.
    columns: Vec<ColumnDto>,
    /// The parsed equipment lines of a dry run (a committed list's are at
    /// GET /api/projects/{id}/equipment-lists/{list}).
    items: Vec<ItemDto>,
    /// How many equipment lines the file has (after `exclude_rows`).
    item_count: u32,
    /// Problems, each pinned to sheet, row and column.
    problems: Vec<ProblemDto>,
    /// 小计 / 合计 rows left out.
    skipped_total_rows: u32,
    /// The new version; absent for a dry run.
    #[oai(nullable)]
    list: Option<ListDto>,
}

/// A list with its items.
#[derive(Object)]
struct ListWithItems {
    #[oai(flatten)]
    list: ListDto,
    /// Its lines in order.
    items: Vec<ItemDto>,
}

/// One difference between the purchase order and the contract list.
#[derive(Object)]
struct DifferenceDto {
    /// missing, extra, quantity, brand, model, spec or unit.
    kind: String,
    /// In Chinese, e.g. 数量不一致.
    label: String,
    /// The item on the contract list, when there is one.
    #[oai(nullable)]
    contract_item: Option<ItemDto>,
    /// The item on the purchase order, when there is one.
    #[oai(nullable)]
    order_item: Option<ItemDto>,
    /// The contract list's value.
    #[oai(nullable)]
    contract_value: Option<String>,
    /// The purchase order's value.
    #[oai(nullable)]
    order_value: Option<String>,
    /// Names this difference when recording a decision (reconciliation only).
    #[oai(nullable)]
    key: Option<String>,
    /// The PM's reason, once recorded.
    #[oai(nullable)]
    reason: Option<String>,
    /// The PM's decision, once recorded.
    #[oai(nullable)]
    decision: Option<String>,
    /// Whose line or value the 审定版 takes: order or contract (once recorded).
    #[oai(nullable)]
    adopt: Option<String>,
}

impl DifferenceDto {
    /// A difference between `left` and `right`: the contract list and the order, or two versions of
    /// a list (`versions`), which its label says in their terms.
    fn new(
        d: &crate::domain::reconcile::Difference,
        left: &[equipment_item::Model],
        right: &[equipment_item::Model],
        versions: bool,
    ) -> Self {
        Self {
            kind: d.kind.as_str().into(),
            label: if versions {
                d.kind.label_between_versions_zh()
            } else {
                d.kind.label_zh()
            }
            .into(),
            contract_item: d.contract.and_then(|i| left.get(i)).map(ItemDto::from),
            order_item: d.order.and_then(|i| right.get(i)).map(ItemDto::from),
            contract_value: d.contract_value.clone(),
            order_value: d.order_value.clone(),
            key: None,
            reason: None,
            decision: None,
            adopt: None,
        }
    }
}

/// The PM's reason and decision on a difference.
#[derive(Object)]
struct DecisionInput {
    /// The difference's key, from the reconciliation.
    key: String,
    /// Why the lists differ, e.g. 厂家停产，型号更新.
    reason: String,
    /// What is done about it, e.g. 按订购单执行，甲方确认.
    decision: String,
    /// Whose line or value the 分项设备清单审定版 takes: `order` or `contract`. Needed for every
    /// difference before the 审定版 is built from the decisions.
    #[oai(nullable)]
    adopt: Option<String>,
}

/// An issued 设备清单变更通知.
#[derive(Object)]
struct ChangeNoticeDto {
    /// Identifier.
    id: i32,
    /// Project code + BG + sequence, e.g. ZJFY-2026-018-BG-01.
    number: String,
    /// When it was issued.
    issued_at: DateTime<Utc>,
    /// E-mails queued (our PMs and the client's contacts).
    recipients: u32,
}

/// The latest purchase order reconciled against the latest contract list.
#[derive(Object)]
struct ReconciliationDto {
    /// The contract list version compared.
    contract: ListDto,
    /// The purchase order version compared.
    purchase_order: ListDto,
    /// Every difference, in contract order, extras last.
    differences: Vec<DifferenceDto>,
}

#[OpenApi(tag = "ApiTags::Equipment")]
impl EquipmentApi {
    /// Import an equipment list
    ///
    /// Managers. With `dry_run=true` the answer is a preview (sheet, header, columns, items and
    /// problems pinned to their cells) and nothing is written. Otherwise the list becomes a new
    /// version in one transaction — only if it has no problems left (leave bad rows out with
    /// `exclude_rows`); it is written as it is read, and the answer gives its count (its items
    /// are at GET /api/projects/{id}/equipment-lists/{list}).
    #[oai(
        path = "/projects/:id/equipment-lists",
        method = "post",
        operation_id = "import_equipment_list"
    )]
    async fn import(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        form: ImportForm,
    ) -> ApiResult<Json<ImportResult>> {
        // Access first: the upload's fields are read only for someone who may import.
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let file_name = checked_text("file", form.file.file_name().unwrap_or("upload.xlsx").to_string())?;
        let kind = checked_text("kind", form.kind.into())?;
        let sheet = form.sheet.map(|s| checked_text("sheet", s)).transpose()?;
        if form.file.size() as u64 > self.state.settings.upload_max_bytes {
            return Err(AppError::invalid("file", "file: larger than the upload limit").into());
        }
        let bytes = form
            .file
            .into_vec()
            .await
            .map_err(|e| AppError::invalid("file", format!("file: {e}")))?;
        let mapping = form.mapping.map(|m| checked_text("mapping", m)).transpose()?;
        let exclude = form.exclude_rows.map(|r| checked_text("exclude_rows", r)).transpose()?;
        let mapping = match mapping.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
            Some(m) => serde_json::from_str::<std::collections::BTreeMap<String, String>>(m)
                .map_err(|_| {
                    AppError::invalid("mapping", "mapping: expected a JSON object such as {\"model\": \"C\"}")
                })?
                .into_iter()
                .collect(),
            None => Vec::new(),
        };
        let exclude_rows = match exclude.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            Some(rows) => rows
                .split([',', ' '])
                .filter(|r| !r.is_empty())
                .map(|r| {
                    r.parse::<u32>().map_err(|_| {
                        AppError::invalid("exclude_rows", format!("exclude_rows: '{r}' is not a row number"))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => Vec::new(),
        };
        let outcome = equipment::import(
            &self.state.db,
            &p,
            ImportRequest {
                kind,
                file_name,
                bytes,
                sheet,
                mapping,
                mapping_is_whole: false,
                dry_run: form.dry_run.unwrap_or(false),
                exclude_rows,
            },
            Utc::now(),
        )
        .await?;
        let p = &outcome.parsed;
        Ok(Json(ImportResult {
            sheet: p.sheet.clone(),
            header_row: p.header_row,
            columns: p
                .columns
                .iter()
                .map(|(f, c)| ColumnDto {
                    field: f.key().into(),
                    column: column_name(*c),
                })
                .collect(),
            items: p.items.iter().map(ItemDto::from).collect(),
            item_count: p.item_count as u32,
            problems: p
                .problems
                .iter()
                .map(|x| ProblemDto {
                    sheet: x.sheet.clone(),
                    row: x.row,
                    column: x.column.clone(),
                    message: x.message.clone(),
                })
                .collect(),
            skipped_total_rows: p.skipped_total_rows,
            list: outcome.committed.as_ref().map(ListDto::from),
        }))
    }

    /// List a project's equipment lists
    ///
    /// Every imported version of every kind.
    #[oai(
        path = "/projects/:id/equipment-lists",
        method = "get",
        operation_id = "list_equipment_lists"
    )]
    async fn lists(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
    ) -> ApiResult<Json<Vec<ListDto>>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        Ok(Json(
            equipment::lists(&self.state.db, &p)
                .await?
                .iter()
                .map(ListDto::from)
                .collect(),
        ))
    }

    /// Reconcile the purchase order against the contract list
    ///
    /// The latest versions of both: missing and extra items, and quantity, brand, model, spec and
    /// unit differences. Items match by normalised model and name (case, width, spaces and
    /// punctuation do not count).
    #[oai(
        path = "/projects/:id/equipment-lists/reconciliation",
        method = "get",
        operation_id = "reconcile_equipment"
    )]
    async fn reconciliation(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
    ) -> ApiResult<Json<ReconciliationDto>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let r = equipment::reconciliation(&self.state.db, &p).await?;
        let differences = r
            .differences
            .iter()
            .map(|d| {
                let key = r.key(d);
                let decided = r.decisions.get(&key);
                DifferenceDto {
                    reason: decided.map(|x| x.reason.clone()),
                    decision: decided.map(|x| x.decision.clone()),
                    adopt: decided.and_then(|x| x.adopt).map(|a| a.as_str().to_string()),
                    key: Some(key),
                    ..DifferenceDto::new(d, &r.contract_items, &r.order_items, false)
                }
            })
            .collect();
        Ok(Json(ReconciliationDto {
            contract: (&r.contract).into(),
            purchase_order: (&r.order).into(),
            differences,
        }))
    }

    /// What changed between two versions
    ///
    /// From list `list_id` to list `to` (any two imported lists of the project, usually two
    /// versions of one kind): `missing` = removed in `to`, `extra` = added, and the field changes
    /// of lines present in both.
    #[oai(
        path = "/projects/:id/equipment-lists/:list_id/diff/:to",
        method = "get",
        operation_id = "diff_equipment_lists"
    )]
    async fn diff(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// The earlier list.
        list_id: Path<i32>,
        /// The later list.
        to: Path<i32>,
    ) -> ApiResult<Json<Vec<DifferenceDto>>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let (from_items, to_items, differences) = equipment::diff(&self.state.db, &p, list_id.0, to.0).await?;
        Ok(Json(
            differences
                .iter()
                .map(|d| DifferenceDto::new(d, &from_items, &to_items, true))
                .collect(),
        ))
    }

    /// Record the reason and decision on a difference
    ///
    /// Managers. Every difference needs both before the change notice can be issued.
    #[oai(
        path = "/projects/:id/equipment-lists/reconciliation/decisions",
        method = "put",
        operation_id = "decide_equipment_difference"
    )]
    async fn decide(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        body: Json<DecisionInput>,
    ) -> ApiResult<crate::api::NoContent> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let adopt = body
            .adopt
            .as_deref()
            .map(kinds::Adopt::parse)
            .transpose()
            .map_err(AppError::from)?;
        equipment::decide(
            &self.state.db,
            &p,
            &body.key,
            &body.reason,
            &body.decision,
            adopt,
            Utc::now(),
        )
        .await?;
        Ok(crate::api::NoContent::Done)
    }

    /// Build the 分项设备清单审定版 from the decisions
    ///
    /// Managers. The next 审定版 version made of the latest contract list and the decided
    /// differences with the latest purchase order: the order's value where a decision adopts it,
    /// the contract list's otherwise; a line the order lacks is left out, a line only the order has
    /// is added (without its purchase prices), when the order is adopted. Every difference needs
    /// its `adopt`, and the 设备清单变更通知 must be issued after the last decision (409). Approve
    /// the answer's list as any 审定版.
    #[oai(
        path = "/projects/:id/equipment-lists/build-approved",
        method = "post",
        operation_id = "build_approved_list"
    )]
    async fn build_approved(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
    ) -> ApiResult<Json<ListWithItems>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let list = equipment::build_approved_list(&self.state.db, &p, Utc::now()).await?;
        let items = equipment::items(&self.state.db, &list).await?;
        Ok(Json(ListWithItems {
            list: (&list).into(),
            items: items.iter().map(ItemDto::from).collect(),
        }))
    }

    /// Issue the 设备清单变更通知
    ///
    /// Managers. Records the notice with every difference, its reason and decision, and e-mails
    /// it to both parties (the project's PMs and the client's contacts) through the outbox.
    #[oai(
        path = "/projects/:id/equipment-lists/change-notices",
        method = "post",
        operation_id = "issue_change_notice"
    )]
    async fn issue_notice(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
    ) -> ApiResult<Json<ChangeNoticeDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let (notice, recipients) = equipment::issue_change_notice(&self.state, &p, Utc::now()).await?;
        Ok(Json(ChangeNoticeDto {
            id: notice.id,
            number: notice.number,
            issued_at: notice.issued_at,
            recipients: recipients as u32,
        }))
    }

    /// Approve a 分项设备清单审定版
    ///
    /// Managers. The list becomes the baseline for arrival and the task 设备清单确定 is completed.
    #[oai(
        path = "/projects/:id/equipment-lists/:list_id/approve",
        method = "post",
        operation_id = "approve_equipment_list"
    )]
    async fn approve(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Equipment list id (kind approved).
        list_id: Path<i32>,
    ) -> ApiResult<Json<ListDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let list = equipment::approve(&self.state.db, &p, list_id.0, Utc::now()).await?;
        Ok(Json((&list).into()))
    }

    /// State a purchase order's terms
    ///
    /// Managers. The 供货单位, 订购日期, 交货期 and 交货地点 the 设备订购单 prints, replacing what
    /// was stated (null or empty clears one). Only a purchase order has them (409 otherwise); the
    /// next imported version of the order starts with them.
    #[oai(
        path = "/projects/:id/equipment-lists/:list_id/order-terms",
        method = "put",
        operation_id = "set_purchase_order_terms"
    )]
    async fn set_order_terms(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Equipment list id (kind purchase_order).
        list_id: Path<i32>,
        body: Json<OrderTermsDto>,
    ) -> ApiResult<Json<ListDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let terms = equipment::OrderTerms::parse(
            body.supplier.as_deref(),
            body.ordered_on.as_deref().map(String::as_str),
            body.delivery_due_on.as_deref().map(String::as_str),
            body.delivery_place.as_deref(),
        )?;
        let list = equipment::set_order_terms(&self.state.db, &p, list_id.0, terms, Utc::now()).await?;
        Ok(Json((&list).into()))
    }

    /// Get an equipment list with its items
    #[oai(
        path = "/projects/:id/equipment-lists/:list_id",
        method = "get",
        operation_id = "get_equipment_list"
    )]
    async fn get(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Equipment list id.
        list_id: Path<i32>,
    ) -> ApiResult<Json<ListWithItems>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let list = equipment::list_of(&self.state.db, &p, list_id.0).await?;
        let items = equipment::items(&self.state.db, &list).await?;
        Ok(Json(ListWithItems {
            list: (&list).into(),
            items: items.iter().map(ItemDto::from).collect(),
        }))
    }
}
