//! Importing equipment lists: parse (off the async threads), preview, then commit a new version in
//! one transaction.
use super::access::{Granted, MayManage, MayRead};
use chrono::{DateTime, NaiveDate, Utc};
use std::{collections::HashMap, ops::ControlFlow, sync::Arc};

use entity::{change_notice, client_contact, equipment_decision, equipment_item, equipment_list, project_member, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder,
};

use super::{
    auth::sha256_hex,
    history::{self, Change},
    milestones::{self, Milestone},
};
use crate::{
    db::begin_write,
    domain::{
        reconcile::{Difference, Line, normalise, reconcile},
        types::{Adopt, ListKind, MemberRole, optional_date, optional_text, required_text},
    },
    error::{AppError, AppResult},
    import::{Field, ItemSink, Mapping, ParsedItem, ParsedList, grid, parse_list, stream_list},
};

pub struct ImportRequest {
    pub kind: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub sheet: Option<String>,
    /// Field → column letters, overriding detection.
    pub mapping: Vec<(String, String)>,
    /// The mapping is the whole mapping: detected columns it does not name are not imported.
    pub mapping_is_whole: bool,
    pub dry_run: bool,
    /// Sheet rows to leave out (1-based).
    pub exclude_rows: Vec<u32>,
}

pub struct ImportOutcome {
    pub parsed: ParsedList,
    /// The new version, unless this was a dry run.
    pub committed: Option<equipment_list::Model>,
}

fn parse_mapping(pairs: &[(String, String)]) -> AppResult<Vec<(Field, usize)>> {
    pairs
        .iter()
        .map(|(field, col)| {
            let f = Field::from_key(field).ok_or_else(|| {
                let keys: Vec<&str> = Field::ALL.iter().map(|f| f.key()).collect();
                AppError::invalid(
                    "mapping",
                    format!("mapping: '{field}' is not one of {}", keys.join(", ")),
                )
            })?;
            let c = grid::column_index(col).ok_or_else(|| {
                AppError::invalid(
                    "mapping",
                    format!("mapping: '{col}' for {field} is not a column such as C or AB"),
                )
            })?;
            Ok((f, c))
        })
        .collect()
}

#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn import(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    req: ImportRequest,
    now: DateTime<Utc>,
) -> AppResult<ImportOutcome> {
    let (started, dry_run) = (std::time::Instant::now(), req.dry_run);
    let outcome = import_list(db, p, req, now).await;
    crate::metrics::import_took(dry_run, started.elapsed().as_secs_f64());
    outcome
}

/// What a file would import, with the sheet as it looks: for a page that shows the grid with each
/// problem on its cell, and lets the mapping and the rows left out be changed before committing.
pub struct Preview {
    pub parsed: ParsedList,
    /// Every sheet of the file.
    pub sheets: Vec<String>,
    /// The first [`PREVIEW_ROWS`] rows of the list's sheet that have a value: 1-based row and cells.
    pub rows: Vec<(u32, Vec<String>)>,
    /// Rows with a value beyond those shown.
    pub more_rows: usize,
}

/// Rows of the sheet a preview shows (every problem is listed whatever its row).
pub const PREVIEW_ROWS: usize = 300;

/// Parses `req` as [`import`] with `dry_run` would, and reads the sheet's first rows for display.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn preview(p: &Granted<impl MayManage>, req: ImportRequest) -> AppResult<Preview> {
    ListKind::parse(&req.kind)?;
    let mapping = Mapping {
        columns: parse_mapping(&req.mapping)?,
        whole: req.mapping_is_whole,
    };
    let invalid = |e: String| AppError::invalid("file", format!("file: {e}"));
    tokio::task::spawn_blocking(move || -> AppResult<Preview> {
        let mut book = grid::Workbook::open(&req.bytes, &req.file_name).map_err(|e| invalid(e.to_string()))?;
        let parsed = parse_list(&mut book, req.sheet.as_deref(), &mapping, &req.exclude_rows).map_err(invalid)?;
        let mut rows = Vec::new();
        let mut more_rows = 0;
        book.rows(&parsed.sheet, |r, row| {
            if rows.len() < PREVIEW_ROWS {
                rows.push(((r + 1) as u32, row.iter().map(|c| c.text()).collect()));
            } else {
                more_rows += 1;
            }
            ControlFlow::Continue(())
        })
        .map_err(|e| invalid(e.to_string()))?;
        Ok(Preview {
            sheets: book.sheet_names(),
            parsed,
            rows,
            more_rows,
        })
    })
    .await
    .map_err(|e| anyhow::anyhow!("the preview task failed: {e}"))?
}

/// How many lines each list of the project has.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn item_counts(db: &impl ConnectionTrait, p: &Granted<impl MayRead>) -> AppResult<HashMap<i32, i64>> {
    use sea_orm::{ExprTrait, QuerySelect, sea_query::Expr};
    let counted: Vec<(i32, i64)> = equipment_item::Entity::find()
        .select_only()
        .column(equipment_item::Column::ListId)
        .column_as(Expr::col(equipment_item::Column::Id).count(), "n")
        .filter(
            equipment_item::Column::ListId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(equipment_list::Column::Id)
                    .from(equipment_list::Entity)
                    .and_where(equipment_list::Column::ProjectId.eq(p.id()))
                    .to_owned(),
            ),
        )
        .group_by(equipment_item::Column::ListId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(counted.into_iter().collect())
}

/// The change notices issued on the project, newest first.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn notices(db: &impl ConnectionTrait, p: &Granted<impl MayRead>) -> AppResult<Vec<change_notice::Model>> {
    Ok(change_notice::Entity::find()
        .filter(change_notice::Column::ProjectId.eq(p.id()))
        .order_by_desc(change_notice::Column::Id)
        .all(db)
        .await?)
}

async fn import_list(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    req: ImportRequest,
    now: DateTime<Utc>,
) -> AppResult<ImportOutcome> {
    let (actor, project_id) = (p.actor(), p.id());
    let kind = ListKind::parse(&req.kind)?;
    let mapping = Mapping {
        columns: parse_mapping(&req.mapping)?,
        whole: req.mapping_is_whole,
    };
    let ImportRequest {
        file_name,
        bytes,
        sheet,
        exclude_rows,
        dry_run,
        ..
    } = req;
    let invalid = |e: String| AppError::invalid("file", format!("file: {e}"));
    if dry_run {
        let parsed = tokio::task::spawn_blocking(move || -> Result<ParsedList, AppError> {
            let mut book = grid::Workbook::open(&bytes, &file_name).map_err(|e| invalid(e.to_string()))?;
            parse_list(&mut book, sheet.as_deref(), &mapping, &exclude_rows).map_err(invalid)
        })
        .await
        .map_err(|e| anyhow::anyhow!("the import task failed: {e}"))??;
        return Ok(ImportOutcome {
            parsed,
            committed: None,
        });
    }

    // Parsing (one core) and inserting (another) overlap: the parser hands on a chunk of items at
    // a time through a small channel, so a long list is never held whole, and everything is
    // inserted in one transaction that a problem anywhere in the file rolls back.
    let (sender, mut chunks) = tokio::sync::mpsc::channel::<(String, u32, Vec<ParsedItem>)>(2);
    let name = file_name.clone();
    let bytes = Arc::new(bytes);
    let file = Arc::clone(&bytes);
    let parser = tokio::task::spawn_blocking(move || -> Result<ParsedList, AppError> {
        let mut book = grid::Workbook::open(&file, &name).map_err(|e| invalid(e.to_string()))?;
        let mut take = |head: &ParsedList, items: Vec<ParsedItem>| {
            match sender.blocking_send((head.sheet.clone(), head.header_row, items)) {
                Ok(()) => ControlFlow::Continue(()),
                Err(_) => ControlFlow::Break(()), // the import stopped on an error of its own
            }
        };
        let sink = ItemSink {
            chunk: ROWS_PER_INSERT,
            take: &mut take,
        };
        stream_list(&mut book, sheet.as_deref(), &mapping, &exclude_rows, sink).map_err(invalid)
    });
    // While the parser opens the file and reads up to its first chunk.
    let sha = sha256_hex(&bytes);
    drop(bytes);
    let txn = begin_write(db).await?;
    let previous = latest(&txn, p, kind).await?;
    let version = previous.as_ref().map_or(1, |l| l.version + 1);
    // A new version of a purchase order keeps the terms stated on the one before it.
    let terms = previous.as_ref().map(OrderTerms::of).unwrap_or_default();
    let mut list: Option<equipment_list::Model> = None;
    let mut inserted = 0;
    while let Some((sheet, header_row, items)) = chunks.recv().await {
        let list_id = match &list {
            Some(l) => l.id,
            None => {
                let l = equipment_list::ActiveModel {
                    project_id: Set(project_id),
                    kind: Set(kind),
                    version: Set(version),
                    file_name: Set(file_name.clone()),
                    file_sha256: Set(sha.clone()),
                    sheet: Set(sheet),
                    header_row: Set(header_row as i32),
                    imported_by: Set(actor.id),
                    imported_at: Set(now),
                    approved_at: Set(None),
                    approved_by: Set(None),
                    supplier: Set(terms.supplier.clone()),
                    ordered_on: Set(terms.ordered_on),
                    delivery_due_on: Set(terms.delivery_due_on),
                    delivery_place: Set(terms.delivery_place.clone()),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                list.insert(l).id
            }
        };
        inserted = insert_items(&txn, list_id, inserted, items).await?;
    }
    let parsed = parser
        .await
        .map_err(|e| anyhow::anyhow!("the import task failed: {e}"))??;
    if !parsed.problems.is_empty() {
        let first: Vec<&str> = parsed.problems.iter().take(3).map(|p| p.message.as_str()).collect();
        let rows: Vec<String> = parsed.problems.iter().map(|p| p.row.to_string()).collect();
        return Err(AppError::invalid(
            "file",
            format!(
                "file: {} problem(s), nothing was imported: {}. Fix the file, or leave the rows out with exclude_rows={}",
                parsed.problems.len(),
                first.join("; "),
                rows.join(",")
            ),
        ));
    }
    let Some(list) = list.filter(|_| inserted == parsed.item_count) else {
        return Err(AppError::invalid("file", "file: the list has no equipment rows"));
    };
    history::record(
        &txn,
        actor,
        now,
        vec![
            Change::new(Some(project_id), "equipment_list", Some(list.id), "imported").field(
                "version",
                None,
                Some(format!(
                    "{} v{version}: {} ({} items)",
                    kind.label_zh(),
                    file_name,
                    parsed.item_count
                )),
            ),
        ],
    )
    .await?;
    txn.commit().await?;
    Ok(ImportOutcome {
        parsed,
        committed: Some(list),
    })
}

/// Rows per INSERT statement: 1,000 rows of 16 values stay under SQLite's 32,766 and PostgreSQL's
/// 65,535 bound parameters.
const ROWS_PER_INSERT: usize = 1000;

/// Inserts `items` after the `before` items already in the list; returns how many it has now.
/// The statement is written once per chunk size and its values bound straight from the items:
/// going through active models and the query builder took as long as parsing the file.
async fn insert_items(
    db: &impl ConnectionTrait,
    list_id: i32,
    before: usize,
    items: Vec<ParsedItem>,
) -> AppResult<usize> {
    use equipment_item::Column as C;
    use sea_orm::{DbBackend, Iden, Statement, Value};
    const COLUMNS: [C; 16] = [
        C::ListId,
        C::Position,
        C::SourceRow,
        C::Category,
        C::Seq,
        C::Name,
        C::Brand,
        C::Model,
        C::Spec,
        C::Quantity,
        C::Unit,
        C::UnitPrice,
        C::Amount,
        C::Origin,
        C::Warranty,
        C::Remark,
    ];
    let backend = db.get_database_backend();
    let sql = |rows: usize| {
        let names: Vec<String> = COLUMNS.iter().map(|c| c.to_string()).collect();
        let mut sql = format!(
            "INSERT INTO {} ({}) VALUES ",
            equipment_item::Entity.to_string(),
            names.join(", ")
        );
        for r in 0..rows {
            sql.push_str(if r == 0 { "(" } else { ", (" });
            for c in 0..COLUMNS.len() {
                if c > 0 {
                    sql.push_str(", ");
                }
                match backend {
                    DbBackend::Postgres => sql.push_str(&format!("${}", r * COLUMNS.len() + c + 1)),
                    _ => sql.push('?'),
                }
            }
            sql.push(')');
        }
        sql
    };
    let full = sql(ROWS_PER_INSERT);
    let mut position = before;
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        let mut values: Vec<Value> = Vec::with_capacity(ROWS_PER_INSERT * COLUMNS.len());
        let mut rows = 0;
        for item in items.by_ref().take(ROWS_PER_INSERT) {
            position += 1;
            rows += 1;
            values.extend([
                Value::Int(Some(list_id)),
                Value::Int(Some(position as i32)),
                Value::Int(Some(item.row as i32)),
                Value::String(item.category),
                Value::String(item.seq),
                Value::String(Some(item.name)),
                Value::String(item.brand),
                Value::String(item.model),
                Value::String(item.spec),
                Value::Double(item.quantity),
                Value::String(item.unit),
                Value::Double(item.unit_price),
                Value::Double(item.amount),
                Value::String(item.origin),
                Value::String(item.warranty),
                Value::String(item.remark),
            ]);
        }
        let statement = if rows == ROWS_PER_INSERT {
            full.clone()
        } else {
            sql(rows)
        };
        db.execute_raw(Statement::from_sql_and_values(backend, statement, values))
            .await?;
    }
    Ok(position)
}

#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn lists(db: &impl ConnectionTrait, p: &Granted<impl MayRead>) -> AppResult<Vec<equipment_list::Model>> {
    Ok(equipment_list::Entity::find()
        .filter(equipment_list::Column::ProjectId.eq(p.id()))
        .order_by_asc(equipment_list::Column::Kind)
        .order_by_asc(equipment_list::Column::Version)
        .all(db)
        .await?)
}

#[tracing::instrument(skip_all)]
/// The lines of a list (obtained through a grant: [`list_of`], [`latest`], [`lists`]).
pub async fn items(db: &impl ConnectionTrait, list: &equipment_list::Model) -> AppResult<Vec<equipment_item::Model>> {
    Ok(equipment_item::Entity::find()
        .filter(equipment_item::Column::ListId.eq(list.id))
        .order_by_asc(equipment_item::Column::Position)
        .all(db)
        .await?)
}

#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn list_of(
    db: &impl ConnectionTrait,
    p: &Granted<impl MayRead>,
    list_id: i32,
) -> AppResult<equipment_list::Model> {
    let project_id = p.id();
    equipment_list::Entity::find_by_id(list_id)
        .one(db)
        .await?
        .filter(|l| l.project_id == project_id)
        .ok_or_else(|| AppError::not_found(format!("no equipment list {list_id} on project {project_id}")))
}

/// The latest version of a kind.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn latest(
    db: &impl ConnectionTrait,
    p: &Granted<impl MayRead>,
    kind: ListKind,
) -> AppResult<Option<equipment_list::Model>> {
    Ok(equipment_list::Entity::find()
        .filter(equipment_list::Column::ProjectId.eq(p.id()))
        .filter(equipment_list::Column::Kind.eq(kind))
        .order_by_desc(equipment_list::Column::Version)
        .one(db)
        .await?)
}

/// A stored item as the importer produced it, so every other view converts from one shape.
impl From<&equipment_item::Model> for ParsedItem {
    fn from(i: &equipment_item::Model) -> Self {
        Self {
            row: i.source_row as u32,
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

fn line(i: &equipment_item::Model) -> Line {
    Line::from(&ParsedItem::from(i))
}

pub struct Reconciliation {
    pub contract: equipment_list::Model,
    pub order: equipment_list::Model,
    pub contract_items: Vec<equipment_item::Model>,
    pub order_items: Vec<equipment_item::Model>,
    pub differences: Vec<Difference>,
    /// The PM's decision per difference key.
    pub decisions: HashMap<String, equipment_decision::Model>,
}

impl Reconciliation {
    /// A key naming difference `d` within this pair of lists, stable across re-reads.
    pub fn key(&self, d: &Difference) -> String {
        let side = |item: Option<&equipment_item::Model>| {
            item.map(|i| {
                format!(
                    "{}|{}",
                    normalise(&i.name),
                    i.model.as_deref().map(normalise).unwrap_or_default()
                )
            })
            .unwrap_or_default()
        };
        format!(
            "{}:{}:{}",
            d.kind.as_str(),
            side(d.contract.and_then(|i| self.contract_items.get(i))),
            side(d.order.and_then(|i| self.order_items.get(i)))
        )
    }

    /// The name of the item a difference is about.
    pub fn item_name(&self, d: &Difference) -> String {
        d.contract
            .and_then(|i| self.contract_items.get(i))
            .or_else(|| d.order.and_then(|i| self.order_items.get(i)))
            .map(|i| i.name.clone())
            .unwrap_or_default()
    }
}

/// The latest purchase order against the latest contract list.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn reconciliation(db: &impl ConnectionTrait, p: &Granted<impl MayRead>) -> AppResult<Reconciliation> {
    let missing =
        |what: ListKind| AppError::Conflict(format!("import a {} ({}) first", what.label_zh(), what.as_str()));
    let contract = latest(db, p, ListKind::Contract)
        .await?
        .ok_or_else(|| missing(ListKind::Contract))?;
    let order = latest(db, p, ListKind::PurchaseOrder)
        .await?
        .ok_or_else(|| missing(ListKind::PurchaseOrder))?;
    let contract_items = items(db, &contract).await?;
    let order_items = items(db, &order).await?;
    let differences = reconcile(
        &contract_items.iter().map(line).collect::<Vec<_>>(),
        &order_items.iter().map(line).collect::<Vec<_>>(),
    );
    let decisions = equipment_decision::Entity::find()
        .filter(equipment_decision::Column::ContractListId.eq(contract.id))
        .filter(equipment_decision::Column::OrderListId.eq(order.id))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.difference_key.clone(), d))
        .collect();
    Ok(Reconciliation {
        contract,
        order,
        contract_items,
        order_items,
        differences,
        decisions,
    })
}

/// What changed from version `from` to version `to` (both of one project): removed lines appear as
/// missing, added ones as extra.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn diff(
    db: &impl ConnectionTrait,
    p: &Granted<impl MayRead>,
    from: i32,
    to: i32,
) -> AppResult<(Vec<equipment_item::Model>, Vec<equipment_item::Model>, Vec<Difference>)> {
    let older = list_of(db, p, from).await?;
    let newer = list_of(db, p, to).await?;
    let (a, b) = (items(db, &older).await?, items(db, &newer).await?);
    let differences = reconcile(
        &a.iter().map(line).collect::<Vec<_>>(),
        &b.iter().map(line).collect::<Vec<_>>(),
    );
    Ok((a, b, differences))
}

/// Approves an imported 分项设备清单审定版: it becomes the baseline for arrival, and the task
/// 设备清单确定 (equipment-list) is completed, in one transaction.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn approve(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    list_id: i32,
    now: DateTime<Utc>,
) -> AppResult<equipment_list::Model> {
    let (actor, project_id) = (p.actor(), p.id());
    let txn = begin_write(db).await?;
    let list = list_of(&txn, p, list_id).await?;
    if list.kind != ListKind::Approved {
        return Err(AppError::Conflict(format!(
            "only a {} (kind approved) can be approved; list {list_id} is a {}",
            ListKind::Approved.label_zh(),
            list.kind.label_zh()
        )));
    }
    if list.approved_at.is_some() {
        return Err(AppError::Conflict(format!("list {list_id} is approved already")));
    }
    if super::baseline::in_use(&txn, p).await? {
        return Err(AppError::Conflict(format!(
            "arrivals are recorded against the approved baseline; list {list_id} cannot replace it"
        )));
    }
    let version = list.version;
    let mut m: equipment_list::ActiveModel = list.into();
    m.approved_at = Set(Some(now));
    m.approved_by = Set(actor.id);
    let approved = m.update(&txn).await?;
    let note = format!("{} v{version} 已审定", ListKind::Approved.label_zh());
    milestones::complete(&txn, p, Milestone::EquipmentList, note, Vec::new(), now).await?;
    history::record(
        &txn,
        actor,
        now,
        vec![
            Change::new(Some(project_id), "equipment_list", Some(list_id), "approved").field(
                "version",
                None,
                Some(version.to_string()),
            ),
        ],
    )
    .await?;
    txn.commit().await?;
    Ok(approved)
}

/// A purchase order's own terms, as the 设备订购单 prints them (text already trimmed and checked
/// by [`OrderTerms::parse`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderTerms {
    /// 供货单位: the supplier the order is placed with.
    pub supplier: String,
    /// 订购日期.
    pub ordered_on: Option<NaiveDate>,
    /// 交货期: the day the goods are due on site.
    pub delivery_due_on: Option<NaiveDate>,
    /// 交货地点.
    pub delivery_place: String,
}

impl OrderTerms {
    /// Checks the terms as a user typed them: texts of at most 200 characters, dates as
    /// `YYYY-MM-DD`, and nothing due before it was ordered.
    pub fn parse(
        supplier: Option<&str>,
        ordered_on: Option<&str>,
        delivery_due_on: Option<&str>,
        delivery_place: Option<&str>,
    ) -> AppResult<Self> {
        let terms = Self {
            supplier: optional_text("supplier", supplier, 200)?.unwrap_or_default(),
            ordered_on: optional_date("ordered_on", ordered_on)?,
            delivery_due_on: optional_date("delivery_due_on", delivery_due_on)?,
            delivery_place: optional_text("delivery_place", delivery_place, 200)?.unwrap_or_default(),
        };
        if let (Some(ordered), Some(due)) = (terms.ordered_on, terms.delivery_due_on)
            && due < ordered
        {
            return Err(AppError::invalid(
                "delivery_due_on",
                format!("delivery_due_on: {due} is before the order date {ordered}"),
            ));
        }
        Ok(terms)
    }

    fn of(list: &equipment_list::Model) -> Self {
        Self {
            supplier: list.supplier.clone(),
            ordered_on: list.ordered_on,
            delivery_due_on: list.delivery_due_on,
            delivery_place: list.delivery_place.clone(),
        }
    }
}

/// States a purchase order's terms (供货单位, 订购日期, 交货期, 交货地点); the next version of the
/// order starts with them.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn set_order_terms(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    list_id: i32,
    terms: OrderTerms,
    now: DateTime<Utc>,
) -> AppResult<equipment_list::Model> {
    let (actor, project_id) = (p.actor(), p.id());
    let txn = begin_write(db).await?;
    let list = list_of(&txn, p, list_id).await?;
    if list.kind != ListKind::PurchaseOrder {
        return Err(AppError::Conflict(format!(
            "only a {} has order terms; list {list_id} is a {}",
            ListKind::PurchaseOrder.label_zh(),
            list.kind.label_zh()
        )));
    }
    let before = OrderTerms::of(&list);
    let base = Change::new(Some(project_id), "equipment_list", Some(list_id), "updated");
    let mut log = Vec::new();
    let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    history::diff(&mut log, &base, "supplier", &before.supplier, &terms.supplier);
    history::diff(
        &mut log,
        &base,
        "ordered_on",
        &day(before.ordered_on),
        &day(terms.ordered_on),
    );
    history::diff(
        &mut log,
        &base,
        "delivery_due_on",
        &day(before.delivery_due_on),
        &day(terms.delivery_due_on),
    );
    history::diff(
        &mut log,
        &base,
        "delivery_place",
        &before.delivery_place,
        &terms.delivery_place,
    );
    let mut m: equipment_list::ActiveModel = list.into();
    m.supplier = Set(terms.supplier);
    m.ordered_on = Set(terms.ordered_on);
    m.delivery_due_on = Set(terms.delivery_due_on);
    m.delivery_place = Set(terms.delivery_place);
    let saved = m.update(&txn).await?;
    history::record(&txn, actor, now, log).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Records the PM's reason and decision on one difference of the current reconciliation.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn decide(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    key: &str,
    reason: &str,
    decision: &str,
    adopt: Option<Adopt>,
    now: DateTime<Utc>,
) -> AppResult<equipment_decision::Model> {
    let (actor, project_id) = (p.actor(), p.id());
    let reason = required_text("reason", reason, 1000)?;
    let decision = required_text("decision", decision, 1000)?;
    let txn = begin_write(db).await?;
    let r = reconciliation(&txn, p).await?;
    if !r.differences.iter().any(|d| r.key(d) == key) {
        return Err(AppError::invalid(
            "key",
            format!("key: '{key}' is not a difference of the current reconciliation"),
        ));
    }
    let saved = match r.decisions.get(key) {
        Some(existing) => {
            let mut m: equipment_decision::ActiveModel = existing.clone().into();
            m.reason = Set(reason.clone());
            m.decision = Set(decision.clone());
            m.adopt = Set(adopt);
            m.decided_by = Set(actor.id);
            m.decided_at = Set(now);
            m.update(&txn).await?
        }
        None => {
            equipment_decision::ActiveModel {
                project_id: Set(project_id),
                contract_list_id: Set(r.contract.id),
                order_list_id: Set(r.order.id),
                difference_key: Set(key.to_string()),
                reason: Set(reason.clone()),
                decision: Set(decision.clone()),
                adopt: Set(adopt),
                decided_by: Set(actor.id),
                decided_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    history::record(
        &txn,
        actor,
        now,
        vec![
            Change::new(Some(project_id), "equipment_difference", Some(saved.id), "decided")
                .field(
                    "decision",
                    None,
                    Some(match adopt {
                        Some(a) => format!("{}：{decision}", a.label_zh()),
                        None => decision,
                    }),
                )
                .reason(Some(reason)),
        ],
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Issues the 设备清单变更通知 for the current reconciliation: every difference must carry a
/// reason and a decision. The notice and one e-mail per recipient (the project's PMs and the
/// client's contacts) are written in one transaction.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn issue_change_notice(
    state: &crate::state::AppState,
    p: &Granted<impl MayManage>,
    now: DateTime<Utc>,
) -> AppResult<(change_notice::Model, usize)> {
    let (actor, project_id) = (p.actor(), p.id());
    let db = &state.db;
    let txn = begin_write(db).await?;
    let project = p.project().clone();
    let r = reconciliation(&txn, p).await?;
    if r.differences.is_empty() {
        return Err(AppError::Conflict(
            "the purchase order matches the contract list: there is nothing to notify".into(),
        ));
    }
    let undecided: Vec<String> = r
        .differences
        .iter()
        .filter(|d| !r.decisions.contains_key(&r.key(d)))
        .map(|d| format!("{} {}", d.kind.label_zh(), r.item_name(d)))
        .collect();
    if !undecided.is_empty() {
        return Err(AppError::invalid(
            "differences",
            format!(
                "differences: record a reason and a decision first for: {}",
                undecided.join("; ")
            ),
        ));
    }
    let lines: Vec<serde_json::Value> = r
        .differences
        .iter()
        .map(|d| {
            let dec = &r.decisions[&r.key(d)];
            serde_json::json!({
                "key": r.key(d),
                "kind": d.kind.as_str(),
                "label": d.kind.label_zh(),
                "item": r.item_name(d),
                "contract_value": d.contract_value,
                "order_value": d.order_value,
                "reason": dec.reason,
                "decision": dec.decision,
                "adopt": dec.adopt.map(Adopt::label_zh),
            })
        })
        .collect();
    let seq = change_notice::Entity::find()
        .filter(change_notice::Column::ProjectId.eq(project_id))
        .all(&txn)
        .await?
        .len()
        + 1;
    let number = format!("{}-BG-{seq:02}", project.code);
    let notice = change_notice::ActiveModel {
        project_id: Set(project_id),
        number: Set(number.clone()),
        contract_list_id: Set(r.contract.id),
        order_list_id: Set(r.order.id),
        content: Set(serde_json::Value::Array(lines.clone()).to_string()),
        issued_by: Set(actor.id),
        issued_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;

    // Both parties: our PMs and the client's contacts, each once.
    let mut recipients: Vec<(String, String)> = Vec::new();
    let pms = project_member::Entity::find()
        .filter(project_member::Column::ProjectId.eq(project_id))
        .filter(project_member::Column::Role.eq(MemberRole::Pm))
        .all(&txn)
        .await?;
    for m in pms {
        if let Some(u) = user::Entity::find_by_id(m.user_id)
            .one(&txn)
            .await?
            .filter(|u| !u.disabled)
            && let Some(email) = u.email
        {
            recipients.push((email, u.display_name));
        }
    }
    for c in client_contact::Entity::find()
        .filter(client_contact::Column::ProjectId.eq(project_id))
        .all(&txn)
        .await?
    {
        if let Some(email) = c.email {
            recipients.push((email, c.name));
        }
    }
    recipients.sort();
    recipients.dedup_by(|a, b| a.0 == b.0);
    let env = &state.templates.env;
    let horizon = chrono::Duration::hours(state.settings.mail_retry_horizon_hours);
    for (email, name) in &recipients {
        let ctx = minijinja::context! {
            recipient => name,
            project_code => project.code,
            project_name => project.name,
            number => number,
            contract_version => r.contract.version,
            order_version => r.order.version,
            differences => lines,
            issued_by => actor.name,
            issued_on => now.with_timezone(&super::projects::timezone_of(&project)).date_naive().to_string(),
        };
        let render = |name: &str| crate::email::messages::render(env, name, &ctx);
        crate::email::outbox::enqueue(
            &txn,
            crate::email::outbox::NewEmail {
                key: format!("change_notice:{}:{email}", notice.id),
                kind: "change_notice".into(),
                project_id: Some(project_id),
                to_address: email.clone(),
                to_name: Some(name.clone()),
                subject: render("change_notice.subject.txt")?,
                text: render("change_notice.txt")?,
                html: Some(render("change_notice.html")?),
                calendar: None,
            },
            horizon,
            now,
        )
        .await?;
    }
    history::record(
        &txn,
        actor,
        now,
        vec![
            Change::new(Some(project_id), "change_notice", Some(notice.id), "issued")
                .field("number", None, Some(number))
                .reason(Some(format!("{} recipient(s)", recipients.len()))),
        ],
    )
    .await?;
    txn.commit().await?;
    Ok((notice, recipients.len()))
}

/// The 分项设备清单审定版 the decisions make of the contract list: each contract line in its order,
/// with the order's brand, model, spec, quantity or unit where a decision adopts the order's value;
/// a line the order lacks is left out where the order is adopted; a line only the order has is
/// added after the contract's where it is adopted — without the order's prices, which are our
/// purchase prices, not the client's. Every difference needs a decision that says which side.
pub fn build_approved(r: &Reconciliation) -> AppResult<Vec<ParsedItem>> {
    use crate::domain::reconcile::DifferenceKind as K;
    let mut undecided = Vec::new();
    let mut adopted = Vec::new();
    for d in &r.differences {
        match r.decisions.get(&r.key(d)).and_then(|x| x.adopt) {
            Some(a) => adopted.push((d, a)),
            None => undecided.push(format!("{} {}", d.kind.label_zh(), r.item_name(d))),
        }
    }
    if !undecided.is_empty() {
        return Err(AppError::invalid(
            "differences",
            format!(
                "differences: say for each whether the 审定版 takes the order's or the contract list's (adopt): {}",
                undecided.join("; ")
            ),
        ));
    }
    let mut lines: Vec<Option<ParsedItem>> = r.contract_items.iter().map(|i| Some(ParsedItem::from(i))).collect();
    let mut extras = Vec::new();
    for (d, adopt) in adopted {
        if adopt == Adopt::Contract {
            continue;
        }
        let order = d.order.and_then(|i| r.order_items.get(i));
        match (d.kind, d.contract, order) {
            (K::Missing, Some(c), _) => lines[c] = None,
            (K::Extra, _, Some(o)) => extras.push(ParsedItem {
                unit_price: None,
                amount: None,
                ..ParsedItem::from(o)
            }),
            (kind, Some(c), Some(o)) => {
                if let Some(line) = lines[c].as_mut() {
                    match kind {
                        K::Brand => line.brand = o.brand.clone(),
                        K::Model => line.model = o.model.clone(),
                        K::Spec => line.spec = o.spec.clone(),
                        K::Unit => line.unit = o.unit.clone(),
                        K::Quantity => {
                            line.quantity = o.quantity;
                            line.amount = line.unit_price.zip(o.quantity).map(|(p, q)| p * q);
                        }
                        K::Missing | K::Extra => {}
                    }
                }
            }
            _ => {}
        }
    }
    let mut built: Vec<ParsedItem> = lines.into_iter().flatten().collect();
    // Added lines continue the contract's numbering when it is plain numbers.
    let numbers: Option<Vec<u32>> = built.iter().map(|i| i.seq.as_deref()?.trim().parse().ok()).collect();
    let mut next = numbers.and_then(|n| n.into_iter().max()).map(|n| n + 1);
    for mut extra in extras {
        extra.seq = next.map(|n| n.to_string());
        next = next.map(|n| n + 1);
        built.push(extra);
    }
    Ok(built)
}

/// Builds the next 分项设备清单审定版 from the latest contract list and purchase order and the
/// decisions on their differences ([`build_approved`]), once the 设备清单变更通知 telling both
/// parties of those decisions is issued. The new version is shown, then approved as an imported
/// one would be.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn build_approved_list(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    now: DateTime<Utc>,
) -> AppResult<equipment_list::Model> {
    let (actor, project_id) = (p.actor(), p.id());
    let txn = begin_write(db).await?;
    let r = reconciliation(&txn, p).await?;
    let built = build_approved(&r)?;
    if let Some(last) = r.decisions.values().map(|d| d.decided_at).max() {
        let notified = change_notice::Entity::find()
            .filter(change_notice::Column::ContractListId.eq(r.contract.id))
            .filter(change_notice::Column::OrderListId.eq(r.order.id))
            .filter(change_notice::Column::IssuedAt.gte(last))
            .count(&txn)
            .await?;
        if notified == 0 && !r.differences.is_empty() {
            return Err(AppError::Conflict(
                "issue the 设备清单变更通知 for these decisions first: both parties are told of the differences before the 审定版 fixes them".into(),
            ));
        }
    }
    if built.is_empty() {
        return Err(AppError::Conflict("the decisions leave no line on the list".into()));
    }
    let version = latest(&txn, p, ListKind::Approved).await?.map_or(1, |l| l.version + 1);
    let file_name = format!(
        "由{} v{} 与{} v{} 生成",
        ListKind::Contract.label_zh(),
        r.contract.version,
        ListKind::PurchaseOrder.label_zh(),
        r.order.version
    );
    let count = built.len();
    let list = equipment_list::ActiveModel {
        project_id: Set(project_id),
        kind: Set(ListKind::Approved),
        version: Set(version),
        file_name: Set(file_name.clone()),
        // A fingerprint of the lines, as an imported file's hash is of its bytes.
        file_sha256: Set(sha256_hex(format!("{built:?}").as_bytes())),
        sheet: Set(String::new()),
        header_row: Set(0),
        imported_by: Set(actor.id),
        imported_at: Set(now),
        approved_at: Set(None),
        approved_by: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    insert_items(&txn, list.id, 0, built).await?;
    history::record(
        &txn,
        actor,
        now,
        vec![
            Change::new(Some(project_id), "equipment_list", Some(list.id), "built").field(
                "version",
                None,
                Some(format!(
                    "{} v{version}: {file_name} ({count} items)",
                    ListKind::Approved.label_zh()
                )),
            ),
        ],
    )
    .await?;
    txn.commit().await?;
    Ok(list)
}
