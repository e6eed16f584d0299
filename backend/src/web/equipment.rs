//! 设备清单: a project's equipment lists by kind and version; a spreadsheet uploaded, previewed as
//! its sheet with every problem on its cell, the column mapping and the rows left out changed and
//! previewed again, then committed; each version's lines and what changed from the one before; the
//! purchase order reconciled against the contract list with a decision on each difference; the
//! change notice; the 审定版 built from the decisions and approved.
use std::collections::{BTreeMap, HashMap};

use chrono::Utc;
use minijinja::context;
use poem::{
    Response, handler,
    http::StatusCode,
    web::{Data, Form, Multipart, Path, Query, cookie::CookieJar},
};

use super::{
    Fields, render,
    session::{self, Session, see_other},
};
use crate::{
    domain::types::{Adopt, ListKind},
    error::AppError,
    import::{Field, grid::column_name},
    service::{
        access::{Granted, Manage, MayManage, MayRead, Read},
        equipment::{self, ImportRequest},
        projects::timezone_of,
    },
    state::AppState,
};

const KINDS: [ListKind; 3] = [ListKind::Contract, ListKind::PurchaseOrder, ListKind::Approved];

/// File types the importer reads.
const EXTENSIONS: [&str; 5] = [".xlsx", ".xlsm", ".xls", ".ods", ".csv"];

/// A refused action, said next to what it concerns: `at` is a difference's key, `file` (the upload)
/// or `actions` (the notice, the build).
struct Said {
    at: String,
    message: String,
}

#[handler]
pub async fn page(state: Data<&AppState>, jar: &CookieJar, me: Session, Path(id): Path<i32>) -> Response {
    let p = match super::granted::<Read>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    show(&state, &me, &p, StatusCode::OK, session::take_flash(jar), None).await
}

async fn show(
    state: &AppState,
    me: &Session,
    p: &Granted<impl MayRead>,
    status: StatusCode,
    flash: Option<String>,
    said: Option<Said>,
) -> Response {
    match view(state, p, flash, said).await {
        Ok(ctx) => render(state, status, "equipment.html", Some(me), ctx),
        Err(e) => super::refusal(state, me, e),
    }
}

async fn view(
    state: &AppState,
    p: &Granted<impl MayRead>,
    flash: Option<String>,
    said: Option<Said>,
) -> Result<minijinja::Value, AppError> {
    let db = &state.db;
    let tz = timezone_of(p.project());
    let lists = equipment::lists(db, p).await?;
    let counts = equipment::item_counts(db, p).await?;
    let kinds: Vec<_> = KINDS
        .iter()
        .map(|k| {
            let versions: Vec<_> = lists
                .iter()
                .filter(|l| l.kind == *k)
                .rev()
                .map(|l| {
                    context! {
                        id => l.id,
                        version => l.version,
                        file_name => l.file_name,
                        imported_on => l.imported_at.with_timezone(&tz).date_naive().to_string(),
                        approved => l.approved_at.is_some(),
                        items => counts.get(&l.id).copied().unwrap_or_default(),
                    }
                })
                .collect();
            context! { kind => k.as_str(), label => k.label_zh(), versions => versions }
        })
        .collect();
    let has = |k: ListKind| lists.iter().any(|l| l.kind == k);
    let mut reconciliation = None;
    if has(ListKind::Contract) && has(ListKind::PurchaseOrder) {
        let r = equipment::reconciliation(db, p).await?;
        let rows: Vec<_> = r
            .differences
            .iter()
            .enumerate()
            .map(|(n, d)| {
                let key = r.key(d);
                let decided = r.decisions.get(&key);
                let item = |i: Option<&entity::equipment_item::Model>| {
                    i.map(|i| context! { seq => i.seq, name => i.name, brand => i.brand, model => i.model, quantity => i.quantity, unit => i.unit })
                };
                context! {
                    n => n + 1,
                    error => said.as_ref().filter(|s| s.at == key).map(|s| s.message.clone()),
                    key => key,
                    label => d.kind.label_zh(),
                    name => r.item_name(d),
                    contract => item(d.contract.and_then(|i| r.contract_items.get(i))),
                    order => item(d.order.and_then(|i| r.order_items.get(i))),
                    contract_value => d.contract_value,
                    order_value => d.order_value,
                    reason => decided.map(|x| x.reason.clone()),
                    decision => decided.map(|x| x.decision.clone()),
                    adopt => decided.and_then(|x| x.adopt).map(|a| a.as_str()),
                    adopt_label => decided.and_then(|x| x.adopt).map(|a| a.label_zh()),
                }
            })
            .collect();
        let undecided = r
            .differences
            .iter()
            .filter(|d| r.decisions.get(&r.key(d)).is_none_or(|x| x.adopt.is_none()))
            .count();
        reconciliation = Some(context! {
            contract_version => r.contract.version,
            order_version => r.order.version,
            differences => rows,
            undecided => undecided,
        });
    }
    let notices: Vec<_> = equipment::notices(db, p)
        .await?
        .iter()
        .map(|n| context! { number => n.number, issued_on => n.issued_at.with_timezone(&tz).date_naive().to_string() })
        .collect();
    let adopt = super::choices(Adopt::ALL, |a| (a.as_str(), a.label_zh()));
    let kind_choices = super::choices(&KINDS, |k| (k.as_str(), k.label_zh()));
    Ok(context! {
        nav => "projects",
        tab => "equipment",
        project => super::project_ctx(p),
        crumbs => super::project_crumbs(p, "设备清单", "equipment", None),
        flash => flash,
        kinds => kinds,
        kind_choices => kind_choices,
        reconciliation => reconciliation,
        notices => notices,
        adopt_choices => adopt,
        can_manage => p.may::<Manage>(),
        said_at => said.as_ref().map(|s| s.at.clone()),
        said => said.map(|s| s.message),
    })
}

/// The page again with `message` next to `at`.
async fn refused_here(
    state: &AppState,
    me: &Session,
    p: &Granted<Manage>,
    status: StatusCode,
    at: &str,
    message: &str,
) -> Response {
    let said = Said {
        at: at.to_string(),
        message: message.to_string(),
    };
    show(state, me, p, status, None, Some(said)).await
}

/// A spreadsheet chosen or dropped on the page: kept by its content, then previewed.
#[handler]
pub async fn upload(state: Data<&AppState>, me: Session, Path(id): Path<i32>, mut form: Multipart) -> Response {
    let p = match super::granted::<Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let (mut kind, mut file) = (String::new(), None);
    loop {
        match form.next_field().await {
            Ok(Some(field)) => match field.name() {
                Some("kind") => kind = field.text().await.unwrap_or_default(),
                Some("file") => {
                    let name = field.file_name().unwrap_or_default().trim().to_string();
                    match field.bytes().await {
                        Ok(bytes) => file = Some((name, bytes)),
                        Err(_) => break,
                    }
                }
                _ => {}
            },
            Ok(None) => break,
            Err(_) => {
                let message = "文件没有完整上传，请重新选择文件。";
                return refused_here(&state, &me, &p, StatusCode::BAD_REQUEST, "file", message).await;
            }
        }
    }
    let Some((name, bytes)) = file.filter(|(name, bytes)| !name.is_empty() && !bytes.is_empty()) else {
        return refused_here(
            &state,
            &me,
            &p,
            StatusCode::UNPROCESSABLE_ENTITY,
            "file",
            "请选择要上传的文件。",
        )
        .await;
    };
    if !EXTENSIONS.iter().any(|e| name.to_lowercase().ends_with(e)) {
        let message = "只能导入 .xlsx、.xls、.ods 或 .csv 文件。";
        return refused_here(&state, &me, &p, StatusCode::UNPROCESSABLE_ENTITY, "file", message).await;
    }
    if ListKind::parse(&kind).is_err() {
        let message = "请选择这是哪一种清单。";
        return refused_here(&state, &me, &p, StatusCode::UNPROCESSABLE_ENTITY, "file", message).await;
    }
    let sha = match state.files.put(&bytes).await {
        Ok(sha) => sha,
        Err(e) => return super::refusal(&state, &me, AppError::Internal(e)),
    };
    let query: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("file", sha.as_str()), ("name", name.as_str()), ("kind", kind.as_str())])
        .finish();
    see_other(&format!("/projects/{id}/equipment/preview?{query}"))
}

/// What the preview form carries: the kept file, its kind, the sheet, the mapping chosen per
/// column (`map_C=model`, empty for a column not imported) and the rows left out (`exclude`).
struct Choice {
    file: String,
    name: String,
    kind: String,
    sheet: Option<String>,
    /// Column letters → field key, when the mapping was chosen on the page.
    mapping: Option<Vec<(String, String)>>,
    exclude: Vec<u32>,
}

impl Choice {
    fn of(fields: &Fields) -> Self {
        let mapped: Vec<(String, String)> = fields
            .0
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("map_")?.to_string(), v.trim().to_string())))
            .collect();
        Self {
            file: fields.get("file"),
            name: fields.get("name"),
            kind: fields.get("kind"),
            sheet: fields.optional("sheet"),
            mapping: (!mapped.is_empty()).then_some(mapped),
            exclude: fields.all("exclude").iter().filter_map(|r| r.parse().ok()).collect(),
        }
    }

    fn request(&self, bytes: Vec<u8>, dry_run: bool) -> ImportRequest {
        ImportRequest {
            kind: self.kind.clone(),
            file_name: self.name.clone(),
            bytes,
            sheet: self.sheet.clone(),
            mapping: self
                .mapping
                .iter()
                .flatten()
                .filter(|(_, field)| !field.is_empty())
                .map(|(col, field)| (field.clone(), col.clone()))
                .collect(),
            mapping_is_whole: self.mapping.is_some(),
            dry_run,
            exclude_rows: self.exclude.clone(),
        }
    }
}

#[handler]
pub async fn open_preview(
    state: Data<&AppState>,
    me: Session,
    Path(id): Path<i32>,
    Query(fields): Query<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    preview_page(&state, &me, &p, &Choice::of(&Fields(fields)), StatusCode::OK, None).await
}

/// The preview of `choice`, with `error` (why a commit was refused) above it.
async fn preview_page(
    state: &AppState,
    me: &Session,
    p: &Granted<impl MayManage>,
    choice: &Choice,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    let bytes = match state.files.get(&choice.file).await {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            let ctx = context! { title => "文件已失效", message => "找不到上传的文件，请回到设备清单重新上传。" };
            return render(state, StatusCode::NOT_FOUND, "error.html", Some(me), ctx);
        }
        Err(e) => return super::refusal(state, me, AppError::Internal(e)),
    };
    let sheet = match equipment::preview(p, choice.request(bytes, true)).await {
        Ok(sheet) => sheet,
        Err(AppError::Invalid { message, .. }) => {
            let message = format!("这个文件无法按设备清单读取：{message}");
            let ctx = context! { title => "无法预览", message => message };
            return render(state, StatusCode::UNPROCESSABLE_ENTITY, "error.html", Some(me), ctx);
        }
        Err(e) => return super::refusal(state, me, e),
    };
    let parsed = &sheet.parsed;
    let width = sheet.rows.iter().map(|(_, cells)| cells.len()).max().unwrap_or(0);
    let mapped: HashMap<usize, Field> = parsed.columns.iter().map(|(f, c)| (*c, *f)).collect();
    let mut problems_at: BTreeMap<(u32, String), Vec<String>> = BTreeMap::new();
    for problem in &parsed.problems {
        problems_at
            .entry((problem.row, problem.column.clone().unwrap_or_default()))
            .or_default()
            .push(problem.message_zh.clone());
    }
    let columns: Vec<_> = (0..width)
        .map(|c| context! { letter => column_name(c), field => mapped.get(&c).map(|f| f.key()) })
        .collect();
    let rows: Vec<_> = sheet
        .rows
        .iter()
        .map(|(row, cells)| {
            let row_problem = problems_at.get(&(*row, String::new()));
            let cells: Vec<_> = (0..width)
                .map(|c| {
                    let letter = column_name(c);
                    let problem = problems_at.get(&(*row, letter.clone())).map(|m| m.join("；"));
                    context! { text => cells.get(c).cloned().unwrap_or_default(), id => format!("{letter}{row}"), problem => problem }
                })
                .collect();
            context! {
                number => row,
                header => *row == parsed.header_row,
                above => *row < parsed.header_row,
                excluded => choice.exclude.contains(row),
                problem => row_problem.map(|m| m.join("；")),
                cells => cells,
            }
        })
        .collect();
    let problems: Vec<_> = parsed
        .problems
        .iter()
        .map(|p| {
            let cell = format!("{}{}", p.column.as_deref().unwrap_or(""), p.row);
            context! { cell => cell, row => p.row, message => p.message_zh }
        })
        .collect();
    let fields = super::choices(&Field::ALL, |f| (f.key(), f.label_zh()));
    let kind = ListKind::parse(&choice.kind).map(|k| k.label_zh()).unwrap_or_default();
    let project_id = p.id();
    let ctx = context! {
        nav => "projects",
        project => super::project_ctx(p),
        crumbs => super::project_crumbs(p, "设备清单", "equipment", Some(("预览导入".to_string(), format!("/projects/{project_id}/equipment")))),
        error => error,
        file => choice.file,
        name => choice.name,
        kind => choice.kind,
        kind_label => kind,
        sheet => parsed.sheet,
        sheets => sheet.sheets,
        header_row => parsed.header_row,
        columns => columns,
        fields => fields,
        rows => rows,
        more_rows => sheet.more_rows,
        item_count => parsed.item_count,
        skipped_total_rows => parsed.skipped_total_rows,
        problems => problems,
        excluded => choice.exclude,
    };
    render(state, status, "equipment_preview.html", Some(me), ctx)
}

/// Commits the previewed file as a new version, with the mapping and rows left out as chosen.
#[handler]
pub async fn commit(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path(id): Path<i32>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let choice = Choice::of(&Fields(fields));
    let bytes = match state.files.get(&choice.file).await {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return see_other(&format!("/projects/{id}/equipment")),
        Err(e) => return super::refusal(&state, &me, AppError::Internal(e)),
    };
    match equipment::import(&state.db, &p, choice.request(bytes, false), Utc::now()).await {
        Ok(outcome) => {
            let Some(list) = outcome.committed else {
                return see_other(&format!("/projects/{id}/equipment"));
            };
            session::set_flash(
                jar,
                &format!(
                    "已导入{} 第 {} 版，共 {} 项。",
                    list.kind.label_zh(),
                    list.version,
                    outcome.parsed.item_count
                ),
            );
            see_other(&format!("/projects/{id}/equipment/lists/{}", list.id))
        }
        Err(AppError::Invalid { message, .. }) => {
            let said = if message.contains("problem(s)") {
                "文件中还有标红的问题，没有导入。请修改文件重新上传，或勾选“排除”把这些行留在清单之外。".to_string()
            } else if message.contains("no equipment rows") {
                "按现在的列对应和排除，清单中没有设备行，没有导入。".to_string()
            } else {
                format!("没有导入：{message}")
            };
            preview_page(&state, &me, &p, &choice, StatusCode::UNPROCESSABLE_ENTITY, Some(said)).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// One version's lines, and what changed from the version before it.
#[handler]
pub async fn list_page(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, list_id)): Path<(i32, i32)>,
) -> Response {
    let p = match super::granted::<Read>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    match list_view(&state, &p, list_id, session::take_flash(jar), None, None).await {
        Ok(ctx) => render(&state, StatusCode::OK, "equipment_list.html", Some(&me), ctx),
        Err(e) => super::refusal(&state, &me, e),
    }
}

async fn list_view(
    state: &AppState,
    p: &Granted<impl MayRead>,
    list_id: i32,
    flash: Option<String>,
    error: Option<String>,
    refused_terms: Option<RefusedTerms>,
) -> Result<minijinja::Value, AppError> {
    let db = &state.db;
    let list = equipment::list_of(db, p, list_id).await?;
    let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    // What was typed and refused is shown again with the reason beside its field.
    let (terms, terms_errors) = match refused_terms {
        Some(RefusedTerms { values, field, message }) => (values, BTreeMap::from([(field, message)])),
        None => (
            context! {
                supplier => list.supplier, ordered_on => day(list.ordered_on),
                delivery_due_on => day(list.delivery_due_on), delivery_place => list.delivery_place,
            },
            BTreeMap::new(),
        ),
    };
    let items = equipment::items(db, &list).await?;
    let earlier = equipment::lists(db, p)
        .await?
        .into_iter()
        .filter(|l| l.kind == list.kind && l.version < list.version)
        .max_by_key(|l| l.version);
    let changes: Option<Vec<minijinja::Value>> = match &earlier {
        Some(e) => {
            let (from, to, differences) = equipment::diff(db, p, e.id, list.id).await?;
            Some(
                differences
                    .iter()
                    .map(|d| {
                        let name = d
                            .contract
                            .and_then(|i| from.get(i))
                            .or_else(|| d.order.and_then(|i| to.get(i)))
                            .map(|i| i.name.clone());
                        context! { label => d.kind.label_between_versions_zh(), name => name, before => d.contract_value, after => d.order_value }
                    })
                    .collect(),
            )
        }
        None => None,
    };
    let tz = timezone_of(p.project());
    let rows: Vec<_> = items
        .iter()
        .map(|i| {
            context! {
                category => i.category, seq => i.seq, name => i.name, brand => i.brand, model => i.model,
                spec => i.spec, quantity => i.quantity, unit => i.unit, unit_price => i.unit_price,
                amount => i.amount, remark => i.remark,
            }
        })
        .collect();
    let title = format!("{} 第 {} 版", list.kind.label_zh(), list.version);
    let project_id = p.id();
    Ok(context! {
        nav => "projects",
        project => super::project_ctx(p),
        crumbs => super::project_crumbs(p, "设备清单", "equipment", Some((title.clone(), format!("/projects/{project_id}/equipment/lists/{list_id}")))),
        flash => flash,
        error => error,
        title => title,
        list => context! {
            id => list.id,
            kind => list.kind.as_str(),
            version => list.version,
            file_name => list.file_name,
            imported_on => list.imported_at.with_timezone(&tz).date_naive().to_string(),
            approved_on => list.approved_at.map(|a| a.with_timezone(&tz).date_naive().to_string()),
        },
        earlier_version => earlier.map(|e| e.version),
        changes => changes,
        items => rows,
        can_approve => list.kind == ListKind::Approved && list.approved_at.is_none() && p.may::<Manage>(),
        can_manage => p.may::<Manage>(),
        terms => terms,
        terms_errors => terms_errors,
    })
}

/// A purchase order's terms as typed, refused for `message` about `field`.
struct RefusedTerms {
    values: minijinja::Value,
    field: String,
    message: String,
}

/// States a purchase order's 供货单位, 订购日期, 交货期 and 交货地点.
#[handler]
pub async fn order_terms(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, list_id)): Path<(i32, i32)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let f = Fields(fields);
    let typed = |name: &str| Some(f.get(name));
    let saved = match equipment::OrderTerms::parse(
        typed("supplier").as_deref(),
        typed("ordered_on").as_deref(),
        typed("delivery_due_on").as_deref(),
        typed("delivery_place").as_deref(),
    ) {
        Ok(terms) => equipment::set_order_terms(&state.db, &p, list_id, terms, Utc::now()).await,
        Err(e) => Err(e),
    };
    match saved {
        Ok(_) => {
            session::set_flash(jar, "订购信息已保存。");
            see_other(&format!("/projects/{id}/equipment/lists/{list_id}#order-terms"))
        }
        Err(AppError::Invalid { field, message }) => {
            let field = field.unwrap_or_else(|| "supplier".into());
            let said = match field.as_str() {
                "ordered_on" => "请按“年-月-日”填写订购日期，例如 2026-03-09。".to_string(),
                "delivery_due_on" if message.contains("before") => "交货期不能早于订购日期。".to_string(),
                "delivery_due_on" => "请按“年-月-日”填写交货期，例如 2026-03-20。".to_string(),
                "delivery_place" => "交货地点不超过 200 字。".to_string(),
                _ => "供货单位不超过 200 字。".to_string(),
            };
            let refused = RefusedTerms {
                values: context! {
                    supplier => f.get("supplier"), ordered_on => f.get("ordered_on"),
                    delivery_due_on => f.get("delivery_due_on"), delivery_place => f.get("delivery_place"),
                },
                field,
                message: said,
            };
            match list_view(&state, &p, list_id, None, None, Some(refused)).await {
                Ok(ctx) => render(
                    &state,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "equipment_list.html",
                    Some(&me),
                    ctx,
                ),
                Err(e) => super::refusal(&state, &me, e),
            }
        }
        Err(AppError::Conflict(_)) => {
            let message = "只有设备订购单需要填写订购信息。".to_string();
            match list_view(&state, &p, list_id, None, Some(message), None).await {
                Ok(ctx) => render(&state, StatusCode::CONFLICT, "equipment_list.html", Some(&me), ctx),
                Err(e) => super::refusal(&state, &me, e),
            }
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// The PM's reason, decision and the side the 审定版 takes, for one difference.
#[handler]
pub async fn decide(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path(id): Path<i32>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let f = Fields(fields);
    let key = f.get("key");
    let adopt = match f.optional("adopt").map(|a| Adopt::parse(&a)) {
        Some(Ok(a)) => Some(a),
        _ => {
            let message = "请选择审定版以订购单还是协议清单为准。";
            return refused_here(&state, &me, &p, StatusCode::UNPROCESSABLE_ENTITY, &key, message).await;
        }
    };
    let (reason, decision) = (f.get("reason"), f.get("decision"));
    match equipment::decide(&state.db, &p, &key, &reason, &decision, adopt, Utc::now()).await {
        Ok(_) => {
            session::set_flash(jar, "处理意见已保存。");
            see_other(&format!("/projects/{id}/equipment#reconciliation"))
        }
        Err(AppError::Invalid { field, .. }) => {
            let message = match field.as_deref() {
                Some("reason") => "请填写差异的原因（不超过 1000 字）。",
                Some("decision") => "请填写处理意见（不超过 1000 字）。",
                _ => "这项差异已不存在（清单可能刚刚更新），请查看最新的核对结果。",
            };
            refused_here(&state, &me, &p, StatusCode::UNPROCESSABLE_ENTITY, &key, message).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// Issues the 设备清单变更通知 to both parties.
#[handler]
pub async fn notice(state: Data<&AppState>, jar: &CookieJar, me: Session, Path(id): Path<i32>) -> Response {
    let p = match super::granted::<Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    match equipment::issue_change_notice(&state, &p, Utc::now()).await {
        Ok((notice, recipients)) => {
            session::set_flash(
                jar,
                &format!(
                    "设备清单变更通知 {} 已签发，已发送给 {recipients} 位收件人。",
                    notice.number
                ),
            );
            see_other(&format!("/projects/{id}/equipment#reconciliation"))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let (status, message) = match e {
                AppError::Invalid { .. } => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "还有差异没有填写原因和处理意见，请先逐项填写。",
                ),
                _ => (StatusCode::CONFLICT, "订购单与协议清单一致，不需要变更通知。"),
            };
            refused_here(&state, &me, &p, status, "actions", message).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// Builds the next 审定版 from the decisions.
#[handler]
pub async fn build(state: Data<&AppState>, jar: &CookieJar, me: Session, Path(id): Path<i32>) -> Response {
    let p = match super::granted::<Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    match equipment::build_approved_list(&state.db, &p, Utc::now()).await {
        Ok(list) => {
            session::set_flash(
                jar,
                &format!(
                    "已按处理意见生成{} 第 {} 版，请核对后审定。",
                    list.kind.label_zh(),
                    list.version
                ),
            );
            see_other(&format!("/projects/{id}/equipment/lists/{}", list.id))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let (status, message) = match &e {
                AppError::Invalid { .. } => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "每项差异都要选择审定版以订购单还是协议清单为准。",
                ),
                AppError::Conflict(m) if m.contains("设备清单变更通知") => (
                    StatusCode::CONFLICT,
                    "请先签发设备清单变更通知（处理意见修改后需重新签发），再生成审定版。",
                ),
                _ => (StatusCode::CONFLICT, "按现在的处理意见，审定版中没有设备行。"),
            };
            refused_here(&state, &me, &p, status, "actions", message).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// Approves a 审定版: it becomes the baseline for arrival.
#[handler]
pub async fn approve(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, list_id)): Path<(i32, i32)>,
) -> Response {
    let p = match super::granted::<Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    match equipment::approve(&state.db, &p, list_id, Utc::now()).await {
        Ok(list) => {
            session::set_flash(
                jar,
                &format!(
                    "{} 第 {} 版已审定，作为到货验收的依据。",
                    list.kind.label_zh(),
                    list.version
                ),
            );
            see_other(&format!("/projects/{id}/equipment/lists/{list_id}"))
        }
        Err(AppError::Conflict(m)) => {
            let message = if m.contains("arrivals are recorded") {
                "已经按现有审定版登记了到货，不能再更换审定版。"
            } else if m.contains("approved already") {
                "这一版已经审定。"
            } else {
                "只有分项设备清单审定版可以审定。"
            };
            match list_view(&state, &p, list_id, None, Some(message.to_string()), None).await {
                Ok(ctx) => render(&state, StatusCode::CONFLICT, "equipment_list.html", Some(&me), ctx),
                Err(e) => super::refusal(&state, &me, e),
            }
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}
