//! 到货: shipments against the approved list, serial numbers typed by a barcode scanner (a scanner
//! types and presses Enter), pasted as a column or counted, the signed 设备签收单, replacements;
//! the arrival inspection as a checklist per item — 随机资料 / 外观 / 通电, our self-check, then the
//! client's with its witness — with big touch targets for a tablet on site; and the deviations a
//! failed check opens, with their decisions.
use std::collections::HashSet;

use chrono::{NaiveDate, Utc};
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
    domain::types::{DeviationStatus, InspectionRound, PhotoSubject, Resolution},
    error::AppError,
    service::{
        access::{Granted, Manage, MayRead, Read, RecordWork},
        arrival::{
            self, ArrivalStatus, CheckInput, CloseInput, InspectionInput, ReplacementInput, ShipmentInput, UnitLine,
        },
        projects::timezone_of,
    },
    state::AppState,
};

/// A refused form, said next to it: `at` names the form (`shipment`, `units`, `receipt`,
/// `replacement`, `arrived`, `inspection`, or `deviation-N`).
struct Said {
    at: String,
    message: String,
}

fn said(at: &str, message: impl Into<String>) -> Option<Said> {
    Some(Said {
        at: at.to_string(),
        message: message.into(),
    })
}

fn round_label(state: arrival::RoundState) -> &'static str {
    match state {
        arrival::RoundState::NotInspected => "未检验",
        arrival::RoundState::Passed => "合格",
        arrival::RoundState::Conceded => "让步接收",
        arrival::RoundState::Failed => "不合格",
    }
}

fn item_label(item: &entity::equipment_item::Model) -> String {
    match &item.model {
        Some(model) => format!("{} {}（{model}）", item.seq.as_deref().unwrap_or(""), item.name),
        None => format!("{} {}", item.seq.as_deref().unwrap_or(""), item.name),
    }
    .trim()
    .to_string()
}

/// The arrival's read model for the pages: the approved list's items with what arrived and how
/// they were inspected. 404 before a 审定版 is approved (said on the page).
async fn status(state: &AppState, p: &Granted<impl MayRead>) -> Result<Option<ArrivalStatus>, AppError> {
    match arrival::status(&state.db, p).await {
        Ok(st) => Ok(Some(st)),
        Err(AppError::Conflict(_)) => Ok(None),
        Err(e) => Err(e),
    }
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
    status_code: StatusCode,
    flash: Option<String>,
    said: Option<Said>,
) -> Response {
    let tz = timezone_of(p.project());
    let st = match status(state, p).await {
        Ok(st) => st,
        Err(e) => return super::refusal(state, me, e),
    };
    let Some(st) = st else {
        let ctx = context! {
            nav => "projects", tab => "arrival", project => super::project_ctx(p), crumbs => super::project_crumbs(p, "到货", "arrival", None),
            flash => flash, no_baseline => true,
        };
        return render(state, status_code, "arrival.html", Some(me), ctx);
    };
    let shipments: Vec<_> = st
        .shipments
        .iter()
        .map(|s| {
            let units = st.units.iter().filter(|u| u.shipment_id == s.id).count();
            context! {
                id => s.id, reference => s.reference, dispatched_by => s.dispatched_by, carrier => s.carrier,
                expected_on => s.expected_on.map(|d| d.to_string()), arrived_on => s.arrived_on.map(|d| d.to_string()),
                units => units, received_by => s.received_by,
                signed_on => s.receipt_signed_at.map(|t| t.with_timezone(&tz).date_naive().to_string()),
            }
        })
        .collect();
    let items: Vec<_> = st
        .items
        .iter()
        .filter(|i| !i.service)
        .map(|i| {
            context! {
                id => i.item.id, label => item_label(&i.item), unit => i.item.unit,
                ordered => i.item.quantity, received => i.received, serials => i.serials.len(),
                arrived => i.arrived(), accepted => i.accepted(),
                own => round_label(i.own), own_passed => i.own.passed(), own_failed => i.own == arrival::RoundState::Failed,
                client => round_label(i.client), client_passed => i.client.passed(), client_failed => i.client == arrival::RoundState::Failed,
                open_deviations => i.open_deviations,
            }
        })
        .collect();
    let album = match super::photos::Album::of(state, p).await {
        Ok(album) => album,
        Err(e) => return super::refusal(state, me, e),
    };
    let deviations: Vec<_> = st
        .deviations
        .iter()
        .rev()
        .map(|d| {
            // What the inspection that found it photographed, then what was added to it.
            let mut photos = album.of_record(PhotoSubject::Inspection, d.inspection_id);
            photos.extend(album.of_record(PhotoSubject::Deviation, d.id));
            let item = st.baseline.items.iter().find(|i| i.id == d.item_id).map(item_label);
            let at = format!("deviation-{}", d.id);
            context! {
                id => d.id, item => item, description => d.description,
                open => d.status == DeviationStatus::Open,
                resolution => d.resolution.map(|r| r.label_zh()), resolution_note => d.resolution_note,
                client_approver => d.client_approver,
                opened_on => d.opened_at.with_timezone(&tz).date_naive().to_string(),
                error => said.as_ref().filter(|s| s.at == at).map(|s| s.message.clone()),
                photos => photos,
            }
        })
        .collect();
    let goods = st.items.iter().filter(|i| !i.service).count();
    let ctx = context! {
        nav => "projects",
        tab => "arrival",
        project => super::project_ctx(p),
        crumbs => super::project_crumbs(p, "到货", "arrival", None),
        flash => flash,
        baseline_version => st.baseline.list.version,
        shipments => shipments,
        items => items,
        goods => goods,
        accepted => st.items.iter().filter(|i| !i.service && i.accepted()).count(),
        arrived => st.items.iter().filter(|i| !i.service && i.arrived()).count(),
        deviations => deviations,
        resolutions => super::choices(Resolution::ALL, |r| (r.as_str(), r.label_zh())),
        can_manage => p.may::<Manage>(),
        can_record => p.may::<RecordWork>(),
        said_at => said.as_ref().map(|s| s.at.clone()),
        said => said.map(|s| s.message),
    };
    render(state, status_code, "arrival.html", Some(me), ctx)
}

fn date_field(f: &Fields, name: &str) -> Result<Option<NaiveDate>, ()> {
    match f.optional(name) {
        None => Ok(None),
        Some(d) => NaiveDate::parse_from_str(&d, "%Y-%m-%d").map(Some).map_err(|_| ()),
    }
}

/// A new shipment (发货批次).
#[handler]
pub async fn create_shipment(
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
    let Ok(expected_on) = date_field(&f, "expected_on") else {
        return show(
            &state,
            &me,
            &p,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            said("shipment", "预计到货日期格式不对。"),
        )
        .await;
    };
    let input = ShipmentInput {
        reference: f.get("reference"),
        dispatched_by: f.get("dispatched_by"),
        carrier: f.optional("carrier"),
        dispatched_on: None,
        expected_on,
        note: None,
    };
    match arrival::create_shipment(&state.db, &p, input, Utc::now()).await {
        Ok(s) => {
            session::set_flash(jar, &format!("发货批次 {} 已登记。", s.reference));
            see_other(&format!("/projects/{id}/arrival/shipments/{}", s.id))
        }
        Err(AppError::Invalid { field, .. }) => {
            let message = match field.as_deref() {
                Some("reference") => "请填写发货单号（不超过 100 字）。",
                Some("dispatched_by") => "请填写发货方。",
                _ => "请检查填写的内容。",
            };
            show(
                &state,
                &me,
                &p,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                said("shipment", message),
            )
            .await
        }
        Err(AppError::Conflict(_)) => {
            let message = "这个发货单号已经登记过。";
            show(&state, &me, &p, StatusCode::CONFLICT, None, said("shipment", message)).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

#[handler]
pub async fn shipment_page(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, shipment_id)): Path<(i32, i32)>,
) -> Response {
    let p = match super::granted::<Read>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    show_shipment(
        &state,
        &me,
        &p,
        shipment_id,
        StatusCode::OK,
        session::take_flash(jar),
        None,
        None,
    )
    .await
}

/// The shipment page; `typed` keeps what was typed into a refused form.
#[allow(clippy::too_many_arguments)]
async fn show_shipment(
    state: &AppState,
    me: &Session,
    p: &Granted<impl MayRead>,
    shipment_id: i32,
    status_code: StatusCode,
    flash: Option<String>,
    said: Option<Said>,
    typed: Option<minijinja::Value>,
) -> Response {
    let tz = timezone_of(p.project());
    let st = match status(state, p).await {
        Ok(Some(st)) => st,
        Ok(None) => return see_other(&format!("/projects/{}/arrival", p.id())),
        Err(e) => return super::refusal(state, me, e),
    };
    let Some(s) = st.shipments.iter().find(|s| s.id == shipment_id) else {
        return super::refusal(state, me, AppError::not_found(format!("no shipment {shipment_id}")));
    };
    let replaced: HashSet<i32> = st.units.iter().filter_map(|u| u.replaces_unit_id).collect();
    let mine: Vec<_> = st.units.iter().filter(|u| u.shipment_id == s.id).collect();
    let mut lines: Vec<minijinja::Value> = Vec::new();
    for item in st.items.iter().filter(|i| mine.iter().any(|u| u.item_id == i.item.id)) {
        let units: Vec<_> = mine
            .iter()
            .filter(|u| u.item_id == item.item.id)
            .map(|u| {
                context! {
                    serial => st.serial_shown(u), quantity => u.quantity, replaced => replaced.contains(&u.id),
                }
            })
            .collect();
        let quantity: f64 = mine
            .iter()
            .filter(|u| u.item_id == item.item.id)
            .map(|u| u.quantity)
            .sum();
        lines.push(
            context! { label => item_label(&item.item), unit => item.item.unit, quantity => quantity, units => units },
        );
    }
    // What a scanner may still add, per item: the serials recorded (to flag a duplicate at once)
    // and how many more may arrive.
    let receivable: Vec<_> = st
        .items
        .iter()
        .filter(|i| !i.service)
        .map(|i| {
            context! {
                id => i.item.id, label => item_label(&i.item), unit => i.item.unit,
                ordered => i.item.quantity, received => i.received,
                serials => i.serials, by_serial => !i.serials.is_empty() || i.item.unit.as_deref().is_some_and(|u| ["台", "套", "个", "只", "块"].contains(&u)),
            }
        })
        .collect();
    // Units that may be replaced: in place, of an item whose deviation was closed as replace or return.
    let decided: HashSet<i32> = st
        .deviations
        .iter()
        .filter(|d| matches!(d.resolution, Some(Resolution::Replace | Resolution::Return)))
        .map(|d| d.item_id)
        .collect();
    let replaceable: Vec<_> = arrival::in_place(&st.units)
        .filter(|u| decided.contains(&u.item_id))
        .map(|u| {
            let item = st
                .baseline
                .items
                .iter()
                .find(|i| i.id == u.item_id)
                .map(item_label)
                .unwrap_or_default();
            let what = u.serial.clone().unwrap_or_else(|| format!("{} 件", u.quantity));
            context! { id => u.id, label => format!("{item} · {what}") }
        })
        .collect();
    let ctx = context! {
        nav => "projects",
        project => super::project_ctx(p),
        crumbs => super::project_crumbs(p, "到货", "arrival", Some((format!("发货批次 {}", s.reference), format!("/projects/{}/arrival/shipments/{}", p.id(), s.id)))),
        flash => flash,
        shipment => context! {
            id => s.id, reference => s.reference, dispatched_by => s.dispatched_by, carrier => s.carrier,
            expected_on => s.expected_on.map(|d| d.to_string()), arrived_on => s.arrived_on.map(|d| d.to_string()),
            received_by => s.received_by,
            signed_on => s.receipt_signed_at.map(|t| t.with_timezone(&tz).date_naive().to_string()),
        },
        lines => lines,
        receivable => receivable,
        replaceable => replaceable,
        today => crate::domain::schedule::local_today(Utc::now(), tz).to_string(),
        can_manage => p.may::<Manage>(),
        can_record => p.may::<RecordWork>(),
        typed => typed,
        said_at => said.as_ref().map(|s| s.at.clone()),
        said => said.map(|s| s.message),
    };
    render(state, status_code, "arrival_shipment.html", Some(me), ctx)
}

/// The day the shipment arrived on site.
#[handler]
pub async fn arrived(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, shipment_id)): Path<(i32, i32)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let f = Fields(fields);
    let refused = |message: &'static str| said("arrived", message);
    let day = match date_field(&f, "arrived_on") {
        Ok(Some(day)) => day,
        _ => {
            let r = refused("请填写到货日期。");
            return show_shipment(
                &state,
                &me,
                &p,
                shipment_id,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                r,
                None,
            )
            .await;
        }
    };
    let patch = arrival::ShipmentPatch {
        arrived_on: Some(day),
        ..Default::default()
    };
    match arrival::update_shipment(&state.db, &p, shipment_id, patch, Utc::now()).await {
        Ok(_) => {
            session::set_flash(jar, "到货日期已登记。");
            see_other(&format!("/projects/{id}/arrival/shipments/{shipment_id}#units"))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let r = refused(match e {
                AppError::Invalid { .. } => "到货日期不能晚于今天。",
                _ => "签收单已签，到货日期不能再改。",
            });
            show_shipment(&state, &me, &p, shipment_id, e.status(), None, r, None).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// Units of one item: serial numbers scanned or pasted (one per line), or a quantity.
#[handler]
pub async fn receive(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, shipment_id)): Path<(i32, i32)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<RecordWork>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let f = Fields(fields);
    let typed =
        context! { item_id => f.get("item_id"), serials_text => f.get("serials_text"), quantity => f.get("quantity") };
    let refuse = |status: StatusCode, message: String| {
        let typed = typed.clone();
        let p = &p;
        let state = &state;
        let me = &me;
        async move {
            show_shipment(
                state,
                me,
                p,
                shipment_id,
                status,
                None,
                said("units", message),
                Some(typed),
            )
            .await
        }
    };
    let Ok(item_id) = f.get("item_id").parse::<i32>() else {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, "请选择设备。".into()).await;
    };
    // The scanner's field too, for a browser without JavaScript: Enter sent the form.
    let mut serials = arrival::split_serials(&f.get("serials_text"));
    serials.extend(arrival::split_serials(&f.get("scan")));
    let quantity = match f.optional("quantity").map(|q| q.parse::<f64>()) {
        None => None,
        Some(Ok(q)) => Some(q),
        Some(Err(_)) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, "数量请填写数字。".into()).await,
    };
    let count = if serials.is_empty() {
        quantity.unwrap_or_default()
    } else {
        serials.len() as f64
    };
    let line = UnitLine {
        item_id,
        serials: serials.clone(),
        quantity: if serials.is_empty() { quantity } else { None },
    };
    match arrival::receive(&state.db, &p, shipment_id, vec![line], Utc::now()).await {
        Ok(_) => {
            session::set_flash(
                jar,
                &format!("已登记 {} 件。", crate::documents::labels::number(Some(count))),
            );
            see_other(&format!("/projects/{id}/arrival/shipments/{shipment_id}#units"))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let message = match &e {
                AppError::Conflict(m) if m.contains("is recorded already") => {
                    let serial = serials
                        .iter()
                        .find(|s| m.contains(&format!(" {s} ")))
                        .cloned()
                        .unwrap_or_default();
                    format!("序列号 {serial} 已经登记过，请检查是否重复扫描。")
                }
                AppError::Conflict(m) if m.contains("has not arrived") => "请先登记到货日期。".into(),
                AppError::Conflict(m) if m.contains("is signed") => "这批货的签收单已签，请新建发货批次登记。".into(),
                AppError::Invalid { field, message }
                    if field.as_deref() == Some("lines") && message.contains("exceed") =>
                {
                    "登记的数量超过了审定版的数量。损坏更换的设备请用下方的“登记更换件”。".into()
                }
                AppError::Invalid { field, .. } if field.as_deref() == Some("item_id") => {
                    "这一项是服务项目，没有设备到货。".into()
                }
                AppError::Invalid { field, .. } if field.as_deref() == Some("serials") => {
                    "序列号不能超过 100 个字符。".into()
                }
                _ => "请扫描或粘贴序列号，没有序列号的设备请填写数量（大于 0）。".into(),
            };
            refuse(e.status(), message).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// Serial numbers from a spreadsheet (a 序列号 / SN column and a 型号 or 设备名称 column).
#[handler]
pub async fn upload(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, shipment_id)): Path<(i32, i32)>,
    form: Multipart,
) -> Response {
    let p = match super::granted::<RecordWork>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let (_, mut files) = super::photos::read_multipart(form).await;
    let file = files
        .remove("file")
        .and_then(|mut f| f.pop())
        .map(|u| (u.file_name.unwrap_or_default().trim().to_string(), u.bytes));
    let refuse = |status: StatusCode, message: &str| {
        let said = said("file", message);
        let (state, me, p) = (&state, &me, &p);
        async move { show_shipment(state, me, p, shipment_id, status, None, said, None).await }
    };
    let Some((name, bytes)) = file.filter(|(name, bytes)| !name.is_empty() && !bytes.is_empty()) else {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, "请选择序列号文件。").await;
    };
    match arrival::receive_file(&state.db, &p, shipment_id, name, bytes, Utc::now()).await {
        Ok(n) => {
            session::set_flash(jar, &format!("已从文件登记 {n} 件。"));
            see_other(&format!("/projects/{id}/arrival/shipments/{shipment_id}#units"))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let message = match &e {
                AppError::Invalid { message, .. } if message.contains("no header with a serial column") => {
                    "文件前 30 行中找不到序列号列（序列号、SN 或 Serial）。".to_string()
                }
                AppError::Invalid { message, .. } if message.contains("no 型号 or 设备名称 column") => {
                    "文件有序列号列，但没有型号或设备名称列，无法对应到设备。".to_string()
                }
                AppError::Invalid { message, .. } if message.contains("no baseline item") => {
                    format!("文件中有设备在审定版中找不到：{}", message.trim_start_matches("file: "))
                }
                AppError::Invalid { message, .. } if message.contains("exceed") => {
                    "文件登记的数量超过了审定版的数量，没有登记。".to_string()
                }
                AppError::Conflict(m) if m.contains("is recorded already") => {
                    format!("文件中有已经登记过的序列号，没有登记：{m}")
                }
                AppError::Conflict(m) if m.contains("has not arrived") => "请先登记到货日期。".to_string(),
                AppError::Conflict(m) if m.contains("is signed") => {
                    "这批货的签收单已签，请新建发货批次登记。".to_string()
                }
                _ => "文件无法读取：请使用 .xlsx、.xls、.ods 或 .csv 文件。".to_string(),
            };
            refuse(e.status(), &message).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// The shipment's 设备签收单, to print and sign on delivery.
#[handler]
pub async fn receipt_form(state: Data<&AppState>, me: Session, Path((id, shipment_id)): Path<(i32, i32)>) -> Response {
    let p = match super::granted::<Read>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let house = state.settings.house();
    match crate::service::documents::shipment_receipt(&state.db, &state.files, &p, &house, shipment_id).await {
        Ok(doc) => super::documents::docx(doc),
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// A unit that takes the place of one whose deviation was closed as replace or return.
#[handler]
pub async fn replace(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, shipment_id)): Path<(i32, i32)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<RecordWork>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let f = Fields(fields);
    let input = ReplacementInput {
        unit_id: f.get("unit_id").parse().unwrap_or_default(),
        serial: f.optional("serial"),
        reason: f.get("reason"),
    };
    match arrival::replace_unit(&state.db, &p, shipment_id, input, Utc::now()).await {
        Ok(unit) => {
            session::set_flash(
                jar,
                &format!("更换件 {} 已登记，原设备已被替换。", unit.serial.unwrap_or_default()),
            );
            see_other(&format!("/projects/{id}/arrival/shipments/{shipment_id}#units"))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_) | AppError::NotFound(_))) => {
            let message = match &e {
                AppError::Invalid { field, .. } if field.as_deref() == Some("reason") => "请填写更换原因。",
                AppError::Invalid { .. } => "请填写更换件的序列号。",
                AppError::Conflict(m) if m.contains("replaced already") => "这台设备已经被更换过。",
                AppError::Conflict(m) if m.contains("recorded already") => "这个序列号已经登记过。",
                AppError::Conflict(m) if m.contains("has not arrived") => "请先登记到货日期。",
                AppError::Conflict(m) if m.contains("is signed") => "这批货的签收单已签，请新建发货批次登记。",
                AppError::Conflict(_) => "这项设备没有处理结论为“更换”或“退货”的偏差。",
                _ => "请选择被更换的设备。",
            };
            show_shipment(
                &state,
                &me,
                &p,
                shipment_id,
                e.status(),
                None,
                said("replacement", message),
                None,
            )
            .await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// The receiver signs the 设备签收单.
#[handler]
pub async fn receipt(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, shipment_id)): Path<(i32, i32)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<RecordWork>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let f = Fields(fields);
    match arrival::sign_receipt(&state.db, &p, shipment_id, &f.get("received_by"), None, Utc::now()).await {
        Ok(s) => {
            session::set_flash(
                jar,
                &format!("设备签收单已由 {} 签收。", s.received_by.unwrap_or_default()),
            );
            see_other(&format!("/projects/{id}/arrival/shipments/{shipment_id}"))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let message = match &e {
                AppError::Invalid { .. } => "请填写签收人姓名。",
                AppError::Conflict(m) if m.contains("already") => "签收单已经签过。",
                _ => "这批货还没有登记任何设备，不能签收。",
            };
            show_shipment(
                &state,
                &me,
                &p,
                shipment_id,
                e.status(),
                None,
                said("receipt", message),
                None,
            )
            .await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

#[derive(serde::Deserialize)]
pub struct RoundQuery {
    round: Option<String>,
}

/// The checklist: every item that arrived, three checks each.
#[handler]
pub async fn inspect_page(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path(id): Path<i32>,
    Query(q): Query<RoundQuery>,
) -> Response {
    let p = match super::granted::<RecordWork>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let round = InspectionRound::parse(q.round.as_deref().unwrap_or("self")).unwrap_or(InspectionRound::Own);
    show_checklist(&state, &me, &p, round, StatusCode::OK, session::take_flash(jar), None).await
}

async fn show_checklist(
    state: &AppState,
    me: &Session,
    p: &Granted<RecordWork>,
    round: InspectionRound,
    status_code: StatusCode,
    flash: Option<String>,
    error: Option<String>,
) -> Response {
    let st = match status(state, p).await {
        Ok(Some(st)) => st,
        Ok(None) => return see_other(&format!("/projects/{}/arrival", p.id())),
        Err(e) => return super::refusal(state, me, e),
    };
    let album = match super::photos::Album::of(state, p).await {
        Ok(album) => album,
        Err(e) => return super::refusal(state, me, e),
    };
    let items: Vec<_> = st
        .items
        .iter()
        .filter(|i| !i.service && i.received > 0.0)
        .map(|i| {
            let photos: Vec<_> = st
                .inspections
                .iter()
                .filter(|r| r.item_id == i.item.id)
                .flat_map(|r| album.of_record(PhotoSubject::Inspection, r.id))
                .collect();
            let done = match round {
                InspectionRound::Own => i.own,
                InspectionRound::Client => i.client,
            };
            context! {
                id => i.item.id, label => item_label(&i.item), received => i.received, unit => i.item.unit,
                serials => i.serials, state => round_label(done), passed => done.passed(), photos => photos,
            }
        })
        .collect();
    let ctx = context! {
        nav => "projects",
        project => super::project_ctx(p),
        crumbs => super::project_crumbs(p, "到货", "arrival", Some((format!("进场检验（{}）", round.label_zh()), format!("/projects/{}/arrival/inspect?round={}", p.id(), round.as_str())))),
        flash => flash,
        error => error,
        round => round.as_str(),
        round_label => round.label_zh(),
        items => items,
        checks => arrival::CHECKS,
    };
    render(state, status_code, "arrival_inspect.html", Some(me), ctx)
}

/// Records the checklist: each item with a result for all three checks, and the photos taken of
/// it — checked before anything is saved, then attached to the item's new inspection.
#[handler]
pub async fn inspect(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path(id): Path<i32>,
    form: Multipart,
) -> Response {
    let p = match super::granted::<RecordWork>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let (f, mut files) = super::photos::read_multipart(form).await;
    let round = InspectionRound::parse(&f.get("round")).unwrap_or(InspectionRound::Own);
    let refused = |message: &str| Some(message.to_string());
    let mut items = Vec::new();
    let mut photos = Vec::new();
    let mut ids: Vec<i32> = f.all("item").iter().filter_map(|i| i.parse().ok()).collect();
    ids.dedup();
    for item_id in ids {
        let result = |check: &str| f.get(&format!("{check}_{item_id}"));
        let (documents, appearance, power_on) = (result("documents"), result("appearance"), result("power_on"));
        let taken = files.remove(&format!("photo_{item_id}")).unwrap_or_default();
        if documents.is_empty() && appearance.is_empty() && power_on.is_empty() {
            if !taken.is_empty() {
                let message = refused("照片随检验结果一起保存：拍了照片的设备请选择检验结果。");
                return show_checklist(&state, &me, &p, round, StatusCode::UNPROCESSABLE_ENTITY, None, message).await;
            }
            continue;
        }
        if !taken.is_empty() {
            match crate::service::photos::prepare(taken).await {
                Ok(prepared) => photos.push((item_id, prepared)),
                Err(e) => {
                    let message = refused(&super::photos::refusal_zh(&e));
                    return show_checklist(&state, &me, &p, round, e.status(), None, message).await;
                }
            }
        }
        items.push(CheckInput {
            item_id,
            documents,
            appearance,
            power_on,
            note: f.optional(&format!("note_{item_id}")),
        });
    }
    if items.is_empty() {
        let message = refused("请至少为一项设备选择检验结果。");
        return show_checklist(&state, &me, &p, round, StatusCode::UNPROCESSABLE_ENTITY, None, message).await;
    }
    let count = items.len();
    let input = InspectionInput {
        round: round.as_str().into(),
        witness: f.optional("witness"),
        inspected_at: None,
        items,
    };
    let now = Utc::now();
    match arrival::inspect(&state.db, &p, input, now).await {
        Ok(recorded) => {
            let mut photographed = 0;
            for (item_id, prepared) in photos {
                let Some((inspection, _)) = recorded.iter().find(|(r, _)| r.item_id == item_id) else {
                    continue;
                };
                photographed += prepared.len();
                let of = crate::service::photos::PhotoOf {
                    subject: PhotoSubject::Inspection,
                    subject_id: inspection.id,
                    caption: None,
                };
                let attached = crate::service::photos::attach(&state.db, &state.files, &p, of, prepared, now).await;
                if let Err(e) = attached {
                    return super::refusal(&state, &me, e);
                }
            }
            let opened = recorded.iter().filter(|(_, d)| d.is_some()).count();
            let mut message = format!("{}：已记录 {count} 项。", round.label_zh());
            if photographed > 0 {
                message.push_str(&format!("照片 {photographed} 张已保存。"));
            }
            if opened > 0 {
                message.push_str(&format!("{opened} 项不合格，已登记偏差，请在下方处理。"));
            }
            session::set_flash(jar, &message);
            see_other(&format!("/projects/{id}/arrival#deviations"))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let message = match &e {
                AppError::Invalid { field, .. } if field.as_deref() == Some("witness") => {
                    "甲方组织检验请填写甲方见证人。"
                }
                AppError::Invalid { field, .. } if field.as_deref() == Some("note") => {
                    "不合格的项目请在“说明”中写明问题。"
                }
                AppError::Invalid { .. } => "每项设备的三项检验都要选择结果。",
                AppError::Conflict(m) if m.contains("self-check") => "甲方检验前，请先完成我方自检。",
                _ => "设备还没有到货，不能检验。",
            };
            show_checklist(&state, &me, &p, round, e.status(), None, refused(message)).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// Closes a deviation with its decision.
#[handler]
pub async fn close_deviation(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, deviation_id)): Path<(i32, i32)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<RecordWork>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let f = Fields(fields);
    let input = CloseInput {
        resolution: f.get("resolution"),
        note: f.get("note"),
        client_approver: f.optional("client_approver"),
    };
    match arrival::close_deviation(&state.db, &p, deviation_id, input, Utc::now()).await {
        Ok(d) => {
            let how = d.resolution.map(|r| r.label_zh()).unwrap_or_default();
            session::set_flash(jar, &format!("偏差 #{deviation_id} 已按“{how}”处理。"));
            see_other(&format!("/projects/{id}/arrival#deviations"))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let message = match &e {
                AppError::Invalid { field, .. } if field.as_deref() == Some("client_approver") => {
                    "让步接收请填写甲方同意人。"
                }
                AppError::Invalid { field, .. } if field.as_deref() == Some("note") => "请填写处理说明。",
                AppError::Invalid { .. } => "请选择处理方式。",
                _ => "这项偏差已经处理过。",
            };
            let at = format!("deviation-{deviation_id}");
            show(&state, &me, &p, e.status(), None, said(&at, message)).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}
