//! 安装调试: the installation list as one editable table — a row per unit in place (or per item
//! without serial numbers), its location, date, address, firmware and commissioning result — saved
//! at once, all rows or none, each refused row explained under it.
use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use minijinja::context;
use poem::{
    Response, handler,
    http::StatusCode,
    web::{Data, Form, Path, cookie::CookieJar},
};

use super::{
    Fields, render,
    session::{self, Session, see_other},
};
use crate::{
    domain::types::{Commissioning, PhotoSubject},
    error::AppError,
    service::{
        access::{Granted, MayRead, Read, RecordWork},
        arrival,
        installation::{self, InstallationInput, TableRow},
        projects::timezone_of,
    },
    state::AppState,
};

#[handler]
pub async fn page(state: Data<&AppState>, jar: &CookieJar, me: Session, Path(id): Path<i32>) -> Response {
    let p = match super::granted::<Read>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    show(
        &state,
        &me,
        &p,
        StatusCode::OK,
        session::take_flash(jar),
        HashMap::new(),
        None,
    )
    .await
}

/// One row of the table as shown: a record, or a unit (or an item's remaining quantity) to record.
struct Line {
    id: Option<i32>,
    item_id: i32,
    label: String,
    serial: Option<String>,
    quantity: f64,
    location: String,
    installed_on: String,
    ip_address: String,
    firmware: String,
    commissioning: &'static str,
    note: String,
}

async fn lines(state: &AppState, p: &Granted<impl MayRead>, today: NaiveDate) -> Result<Vec<Line>, AppError> {
    let st = match arrival::status(&state.db, p).await {
        Ok(st) => st,
        Err(AppError::Conflict(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let records = installation::rows(&state.db, p, None).await?;
    let mut lines = Vec::new();
    for item in st.items.iter().filter(|i| !i.service && i.received > 0.0) {
        let label = match &item.item.model {
            Some(model) => format!(
                "{} {}（{model}）",
                item.item.seq.as_deref().unwrap_or(""),
                item.item.name
            ),
            None => format!("{} {}", item.item.seq.as_deref().unwrap_or(""), item.item.name),
        };
        let recorded = |r: &installation::InstallationRow| Line {
            id: Some(r.id),
            item_id: r.item_id,
            label: label.clone(),
            serial: r.serial.clone(),
            quantity: r.quantity,
            location: r.location.clone(),
            installed_on: r.installed_on.to_string(),
            ip_address: r.ip_address.clone().unwrap_or_default(),
            firmware: r.firmware.clone().unwrap_or_default(),
            commissioning: r.commissioning.as_str(),
            note: r.commissioning_note.clone().unwrap_or_default(),
        };
        let new = |serial: Option<String>, quantity: f64| Line {
            id: None,
            item_id: item.item.id,
            label: label.clone(),
            serial,
            quantity,
            location: String::new(),
            installed_on: today.to_string(),
            ip_address: String::new(),
            firmware: String::new(),
            commissioning: Commissioning::Pending.as_str(),
            note: String::new(),
        };
        let mine: Vec<_> = records.iter().filter(|r| r.item_id == item.item.id).collect();
        if item.serials.is_empty() {
            lines.extend(mine.iter().map(|r| recorded(r)));
            let installed: f64 = mine.iter().map(|r| r.quantity).sum();
            if item.received - installed > 1e-9 {
                lines.push(new(None, item.received - installed));
            }
        } else {
            for serial in &item.serials {
                match mine.iter().find(|r| r.serial.as_deref() == Some(serial)) {
                    Some(r) => lines.push(recorded(r)),
                    None => lines.push(new(Some(serial.clone()), 1.0)),
                }
            }
        }
    }
    Ok(lines)
}

async fn show(
    state: &AppState,
    me: &Session,
    p: &Granted<impl MayRead>,
    status: StatusCode,
    flash: Option<String>,
    problems: HashMap<usize, String>,
    typed: Option<Fields>,
) -> Response {
    let today = crate::domain::schedule::local_today(Utc::now(), timezone_of(p.project()));
    let lines = match lines(state, p, today).await {
        Ok(lines) => lines,
        Err(e) => return super::refusal(state, me, e),
    };
    let album = match super::photos::Album::of(state, p).await {
        Ok(album) => album,
        Err(e) => return super::refusal(state, me, e),
    };
    let recorded = lines.iter().filter(|l| l.id.is_some()).count();
    let passed = lines.iter().filter(|l| l.commissioning == "pass").count();
    let rows: Vec<_> = lines
        .iter()
        .enumerate()
        .map(|(n, l)| {
            // A refused save shows what was typed, not what is stored.
            let typed = |name: &str, stored: &str| match &typed {
                Some(f) => f.get(&format!("{name}_{n}")),
                None => stored.to_string(),
            };
            context! {
                n => n, id => l.id, item_id => l.item_id, label => l.label, serial => l.serial, quantity => l.quantity,
                location => typed("location", &l.location), installed_on => typed("installed_on", &l.installed_on),
                ip_address => typed("ip", &l.ip_address), firmware => typed("firmware", &l.firmware),
                commissioning => typed("commissioning", l.commissioning), note => typed("note", &l.note),
                problem => problems.get(&n),
                photos => l.id.map(|id| album.of_record(PhotoSubject::Installation, id)).unwrap_or_default(),
                add_photo => l.id.map(|id| super::photos::add_link(
                    p.id(),
                    PhotoSubject::Installation,
                    id,
                    &format!("{} {}", l.label, l.serial.as_deref().unwrap_or_default()),
                    &format!("/projects/{}/installation#install-{n}", p.id()),
                )),
            }
        })
        .collect();
    let ctx = context! {
        nav => "projects",
        tab => "installation",
        project => super::project_ctx(p),
        crumbs => super::project_crumbs(p, "安装调试", "installation", None),
        flash => flash,
        refused => !problems.is_empty(),
        rows => rows,
        recorded => recorded,
        passed => passed,
        results => super::choices(Commissioning::ALL, |c| (c.as_str(), match c {
            Commissioning::Pending => "待调试",
            Commissioning::Pass => "合格",
            Commissioning::Fail => "不合格",
        })),
        can_record => p.may::<RecordWork>(),
    };
    render(state, status, "installation.html", Some(me), ctx)
}

/// Saves the whole table: the rows with a location (new) and every recorded row (changed or not).
#[handler]
pub async fn save(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path(id): Path<i32>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<RecordWork>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let f = Fields(fields);
    let count: usize = f.get("rows").parse().unwrap_or(0);
    let mut rows = Vec::new();
    let mut shown_at = Vec::new();
    let mut problems = HashMap::new();
    for n in 0..count.min(5000) {
        let at = |name: &str| f.get(&format!("{name}_{n}"));
        let id = at("id").parse::<i32>().ok();
        let location = at("location");
        if id.is_none() && location.is_empty() {
            continue;
        }
        let installed_on = match NaiveDate::parse_from_str(&at("installed_on"), "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                problems.insert(n, "请填写安装日期。".to_string());
                continue;
            }
        };
        let text = |v: String| Some(v);
        let input = InstallationInput {
            item_id: if id.is_none() { at("item").parse().ok() } else { None },
            serial: if id.is_none() {
                Some(at("serial")).filter(|s| !s.is_empty())
            } else {
                None
            },
            quantity: if id.is_none() {
                at("quantity").parse().ok()
            } else {
                None
            },
            location: Some(location),
            installed_on,
            engineer_id: None,
            ip_address: text(at("ip")),
            firmware: text(at("firmware")),
            config_notes: None,
            commissioning: Some(at("commissioning")).filter(|c| !c.is_empty()),
            commissioning_note: text(at("note")),
            commissioned_on: None,
            reason: None,
        };
        rows.push(TableRow { id, input });
        shown_at.push(n);
    }
    if !problems.is_empty() {
        return show(
            &state,
            &me,
            &p,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            problems,
            Some(f),
        )
        .await;
    }
    if rows.is_empty() {
        session::set_flash(jar, "没有要保存的行：填写安装位置的设备才会登记。");
        return see_other(&format!("/projects/{id}/installation"));
    }
    match installation::save_table(&state.db, &p, rows, Utc::now()).await {
        Ok(saved) => {
            session::set_flash(
                jar,
                &format!(
                    "已保存：新登记 {} 条，修改 {} 条，未变 {} 条。",
                    saved.created, saved.updated, saved.unchanged
                ),
            );
            see_other(&format!("/projects/{id}/installation"))
        }
        Err(AppError::Rows { problems: refused, .. }) => {
            for problem in refused {
                let Some(&n) = shown_at.get(problem.row - 1) else {
                    continue;
                };
                let message = match problem.field.as_deref() {
                    Some("location") => "请填写安装位置（不超过 200 字）。".to_string(),
                    Some("installed_on") => "安装日期不能晚于今天。".to_string(),
                    Some("ip_address") => "IP 地址格式不对，例如 10.20.1.15。".to_string(),
                    Some("commissioning_note") => "调试不合格时请在说明中写明问题。".to_string(),
                    Some("commissioned_on") => "调试日期不能晚于今天。".to_string(),
                    Some("firmware") => "固件版本不超过 100 字。".to_string(),
                    _ if problem.message.contains("installation record already") => {
                        "这台设备已有安装记录（可能有人刚刚登记），请刷新后再试。".to_string()
                    }
                    _ => format!("这一行无法保存：{}", problem.message),
                };
                problems.insert(n, message);
            }
            show(
                &state,
                &me,
                &p,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                problems,
                Some(f),
            )
            .await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}
