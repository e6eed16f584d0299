//! A project's 售后 tab: its units under warranty, its tickets, the desk's form for a fault that
//! came by phone or e-mail, and — for its managers — the promises (the policy), the two designated
//! engineers and the client's report link with its QR code to print and stick on the equipment.
use chrono::Utc;
use minijinja::{Value, context};
use poem::{
    Response, handler,
    http::StatusCode,
    web::{Data, Form, Path, cookie::CookieJar},
};

use super::{
    Fields, render,
    service_desk::{brief, explain, fault_card, local_moment, span_zh},
    session::{self, Session, see_other},
};
use crate::{
    domain::{
        plan::ServicePolicy,
        types::{SystemType, TicketChannel},
    },
    error::AppError,
    service::{
        access::{Granted, Manage, MayRead, Read, RecordWork},
        projects::{self, timezone_of},
        service_desk::{patrols, settings, tickets, units},
    },
    state::AppState,
};

/// What the page says beside a form after a refusal, with what was typed.
#[derive(Default)]
struct Said {
    /// `report`, `policy`, `specialists`, `call`.
    at: String,
    message: String,
    field: Option<String>,
    typed: Vec<(String, String)>,
}

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
        Said::default(),
    )
    .await
}

/// The policy's fields as the form names them, with their labels.
const POLICY_FIELDS: &[(&str, &str)] = &[
    ("warranty_months", "默认质保期（月）"),
    ("response_minutes", "技术响应（分钟）"),
    ("on_site_minutes", "上门到场（分钟）"),
    ("repair_minutes", "现场修复（分钟）"),
    ("replacement_minutes", "备机替换（分钟）"),
    ("service_order_hours", "服务单交回（小时）"),
    ("materials_return_hours", "借用器材退回（小时）"),
    ("countersign_working_days", "口头同意补签（工作日）"),
    ("inspections_per_half_year", "每半年巡检（次，1–2）"),
];

fn policy_values(p: &ServicePolicy) -> Vec<(&'static str, String)> {
    vec![
        ("warranty_months", p.warranty_months.to_string()),
        ("response_minutes", p.response_minutes.to_string()),
        ("on_site_minutes", p.on_site_minutes.to_string()),
        ("repair_minutes", p.repair_minutes.to_string()),
        ("replacement_minutes", p.replacement_minutes.to_string()),
        ("service_order_hours", p.service_order_hours.to_string()),
        ("materials_return_hours", p.materials_return_hours.to_string()),
        ("countersign_working_days", p.countersign_working_days.to_string()),
        ("inspections_per_half_year", p.inspections_per_half_year.to_string()),
        ("inspection_notice_days", join(&p.inspection_notice_days)),
        ("warn_at_percent", join(&p.warn_at_percent)),
        ("warranty_notice_days", join(&p.warranty_notice_days)),
    ]
}

fn join(v: &[u32]) -> String {
    v.iter().map(u32::to_string).collect::<Vec<_>>().join("、")
}

async fn show(
    state: &AppState,
    me: &Session,
    p: &Granted<impl MayRead>,
    status: StatusCode,
    flash: Option<String>,
    said: Said,
) -> Response {
    let db = &state.db;
    let (found, tickets, members) = (
        settings::get(state, p).await,
        tickets::of_project(db, p).await,
        projects::members(db, p).await,
    );
    let (found, tickets, members) = match (found, tickets, members) {
        (Ok(s), Ok(t), Ok(m)) => (s, t, m),
        (Err(e), ..) | (_, Err(e), _) | (.., Err(e)) => return super::refusal(state, me, e),
    };
    let installed = match units::units(db, p, &found.policy).await {
        Ok(u) => u,
        Err(e) => return super::refusal(state, me, e),
    };
    let tz = timezone_of(p.project());
    let now = Utc::now();
    let today = now.with_timezone(&tz).date_naive();
    let (visits, calls) = match (patrols::list(db, p, today).await, patrols::calls(db, p).await) {
        (Ok(v), Ok(c)) => (v, c),
        (Err(e), _) | (_, Err(e)) => return super::refusal(state, me, e),
    };
    let signed = match patrols::report_signatures(db, &visits).await {
        Ok(s) => s,
        Err(e) => return super::refusal(state, me, e),
    };
    let minute = |t: chrono::DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    let specialist_ids: Vec<i32> = found.specialists.iter().map(|u| u.id).collect();
    let typed = |name: &str| said.typed.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let values = policy_values(&found.policy);
    let policy_fields: Vec<Value> = POLICY_FIELDS
        .iter()
        .map(|(name, label)| {
            let value = values.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
            context! {
                name => name, label => label,
                value => (said.at == "policy").then(|| typed(name)).flatten().or(value),
                error => (said.at == "policy" && said.field.as_deref() == Some(name)).then(|| said.message.clone()),
            }
        })
        .collect();
    let typed_or = |name: &str, form: &str| {
        if said.at == form {
            typed(name).unwrap_or_default()
        } else {
            String::new()
        }
    };
    let ctx = context! {
        nav => "projects",
        tab => "service",
        project => super::project_ctx(p),
        crumbs => super::project_crumbs(p, "售后服务", "service", None),
        flash => flash,
        delivered => p.project().warranty_starts_on.map(|d| d.to_string()),
        units => installed.iter().map(|u| context! {
            id => u.unit_id, label => u.label(), name => u.name, model => u.model, serial => u.serial, location => u.location,
            months => u.months, ends_on => u.ends_on.map(|d| d.to_string()), in_warranty => u.in_warranty(today),
            days_left => u.ends_on.map(|d| (d - today).num_days()),
        }).collect::<Vec<_>>(),
        tickets => tickets.iter().map(|t| context! {
            id => t.id, number => t.number, symptom => brief(&t.symptom, 60), status => t.status.label_zh(),
            reported => minute(t.reported_at), closed => t.closed_at.is_some(), breached => t.breached,
            reporter => t.reporter_name, channel => t.channel.label_zh(),
        }).collect::<Vec<_>>(),
        promises => context! {
            response => span_zh(i64::from(found.policy.response_minutes) * 60),
            on_site => span_zh(i64::from(found.policy.on_site_minutes) * 60),
            repair => span_zh(i64::from(found.policy.repair_minutes) * 60),
            replacement => span_zh(i64::from(found.policy.replacement_minutes) * 60),
            warn => join(&found.policy.warn_at_percent),
        },
        own_policy => found.own_policy,
        policy_fields => policy_fields,
        warn_at_percent => if said.at == "policy" { typed("warn_at_percent") } else { None }.unwrap_or_else(|| join(&found.policy.warn_at_percent)),
        warranty_notice_days => if said.at == "policy" { typed("warranty_notice_days") } else { None }.unwrap_or_else(|| join(&found.policy.warranty_notice_days)),
        inspection_notice_days => if said.at == "policy" { typed("inspection_notice_days") } else { None }.unwrap_or_else(|| join(&found.policy.inspection_notice_days)),
        policy_error => (said.at == "policy").then(|| said.message.clone()),
        specialists => found.specialists.iter().map(|u| u.display_name.clone()).collect::<Vec<_>>(),
        people => members.iter().filter(|(_, u)| !u.disabled).map(|(m, u)| context! {
            id => u.id, name => u.display_name, role => m.role.label_zh(), chosen => specialist_ids.contains(&u.id),
        }).collect::<Vec<_>>(),
        specialists_error => (said.at == "specialists").then(|| said.message.clone()),
        report_link => found.report_link.clone(),
        report_qr => found.report_link.as_deref().and_then(|l| super::qr_svg(l, "报修链接的二维码")),
        report_link_made => found.report_link_created_at.map(minute),
        can_record => p.may::<RecordWork>(),
        can_manage => p.may::<Manage>(),
        system_types => super::choices(SystemType::ALL, |s| (s.as_str(), s.label_zh())),
        channels => super::choices(&[TicketChannel::Phone, TicketChannel::Email, TicketChannel::Inspection], |c| (c.as_str(), c.label_zh())),
        report_error => (said.at == "report").then(|| said.message.clone()),
        report_field => (said.at == "report").then(|| said.field.clone()).flatten(),
        typed => context! {
            channel => typed_or("channel", "report"), reporter_name => typed_or("reporter_name", "report"),
            reporter_phone => typed_or("reporter_phone", "report"), reporter_email => typed_or("reporter_email", "report"),
            system_type => typed_or("system_type", "report"), unit_id => typed_or("unit_id", "report"),
            serial => typed_or("serial", "report"), device => typed_or("device", "report"),
            symptom => typed_or("symptom", "report"), fault_started_at => typed_or("fault_started_at", "report"),
            reported_at => typed_or("reported_at", "report"),
        },
        now_local => now.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string(),
        patrols => visits.iter().map(|v| context! {
            id => v.patrol.id, seq => v.patrol.seq, half_year => v.patrol.half_year,
            planned_on => v.patrol.planned_on.to_string(), done_on => v.patrol.done_on.map(|d| d.to_string()),
            done_by => v.done_by, overdue => v.overdue, checks => v.results.len(),
            problems => v.results.iter().filter(|r| r.ticket_id.is_some()).count(),
            client_signed => signed.iter().any(|s| s.document_id == v.patrol.id && s.party == crate::domain::types::SignParty::Client),
            days_left => (v.patrol.planned_on - today).num_days(),
        }).collect::<Vec<_>>(),
        per_half_year => found.policy.inspections_per_half_year,
        calls => calls.iter().map(|c| context! {
            at => minute(c.called_at), contact => c.contact_name, phone => c.contact_phone, summary => c.summary,
        }).collect::<Vec<_>>(),
        call_error => (said.at == "call").then(|| said.message.clone()),
        call_field => (said.at == "call").then(|| said.field.clone()).flatten(),
        call => context! {
            contact_name => typed_or("contact_name", "call"), contact_phone => typed_or("contact_phone", "call"),
            summary => typed_or("summary", "call"), called_at => typed_or("called_at", "call"),
        },
    };
    render(state, status, "service_settings.html", Some(me), ctx)
}

const CARD_FIELDS: &[&str] = &[
    "channel",
    "reporter_name",
    "reporter_phone",
    "reporter_email",
    "system_type",
    "unit_id",
    "serial",
    "device",
    "symptom",
    "fault_started_at",
    "reported_at",
];

/// The desk logs a fault that came by phone, e-mail or an inspection: the ticket opens, its
/// designated engineers are assigned and told, and the response clock runs.
#[handler]
pub async fn report(
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
    let typed: Vec<(String, String)> = CARD_FIELDS.iter().map(|k| (k.to_string(), f.get(k))).collect();
    let channel = TicketChannel::parse(&f.get("channel")).unwrap_or(TicketChannel::Phone);
    let opened = match fault_card(&f, timezone_of(p.project())) {
        Ok(card) => tickets::report(&state, &p, channel, card, Utc::now()).await,
        Err(e) => Err(e),
    };
    match opened {
        Ok(t) => {
            session::set_flash(
                jar,
                &format!(
                    "已受理报修 {}：专员已收到通知，技术响应开始计时。",
                    t.number.clone().unwrap_or_default()
                ),
            );
            see_other(&format!("/tickets/{}", t.id))
        }
        Err(e @ AppError::Invalid { .. }) => {
            let AppError::Invalid { field, message } = &e else {
                return super::refusal(&state, &me, e);
            };
            let field = field.clone().unwrap_or_default();
            let text = match field.as_str() {
                "reporter_name" => "请填写报修人。".to_string(),
                "reporter_phone" => "请填写能回电的电话号码（如 0574-8888-2000 或 138 0000 0000）。".to_string(),
                "reporter_email" => "电子邮箱格式不对。".to_string(),
                "symptom" => "请描述故障现象。".to_string(),
                "serial" => "本项目没有这个序列号的设备：请从列表中选择，或写明设备。".to_string(),
                "unit_id" => "请从本项目已安装的设备中选择。".to_string(),
                "device" => "请选择故障设备、填写序列号，或写明是哪台设备。".to_string(),
                "fault_started_at" if message.contains("after it was reported") => {
                    "故障开始时间不能晚于来电时间。".to_string()
                }
                "fault_started_at" | "reported_at" if message.contains("future") => "时间不能晚于现在。".to_string(),
                "fault_started_at" | "reported_at" => "请按“年-月-日 时:分”填写时间。".to_string(),
                _ => explain(&e),
            };
            let said = Said {
                at: "report".into(),
                message: text,
                field: Some(field),
                typed,
            };
            show(&state, &me, &p, e.status(), None, said).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// The project's own promises, or back to its plan's (`reset=1`).
#[handler]
pub async fn policy(
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
    let typed: Vec<(String, String)> = POLICY_FIELDS
        .iter()
        .map(|(k, _)| *k)
        .chain(["warn_at_percent", "warranty_notice_days", "inspection_notice_days"])
        .map(|k| (k.to_string(), f.get(k)))
        .collect();
    let refuse = |field: &str, message: String| Said {
        at: "policy".into(),
        message,
        field: Some(field.to_string()),
        typed: typed.clone(),
    };
    let policy = if f.get("reset") == "1" {
        None
    } else {
        let number = |name: &str| f.get(name).parse::<u32>().map_err(|_| name.to_string());
        // Typed in any order: warnings rise through a clock, notices count down to the end.
        let list = |name: &str, rising: bool| -> Result<Vec<u32>, String> {
            let mut values = f
                .get(name)
                .split(['、', ',', '，', ' '])
                .filter(|s| !s.is_empty())
                .map(|s| s.parse::<u32>().map_err(|_| name.to_string()))
                .collect::<Result<Vec<u32>, String>>()?;
            values.sort_unstable();
            values.dedup();
            if !rising {
                values.reverse();
            }
            Ok(values)
        };
        let parsed = (|| {
            Ok::<_, String>(ServicePolicy {
                warranty_months: number("warranty_months")?,
                response_minutes: number("response_minutes")?,
                on_site_minutes: number("on_site_minutes")?,
                repair_minutes: number("repair_minutes")?,
                replacement_minutes: number("replacement_minutes")?,
                warn_at_percent: list("warn_at_percent", true)?,
                service_order_hours: number("service_order_hours")?,
                materials_return_hours: number("materials_return_hours")?,
                countersign_working_days: number("countersign_working_days")?,
                warranty_notice_days: list("warranty_notice_days", false)?,
                inspections_per_half_year: number("inspections_per_half_year")?,
                inspection_notice_days: list("inspection_notice_days", false)?,
            })
        })();
        match parsed {
            Ok(policy) => Some(policy),
            Err(field) => {
                let said = refuse(&field, "请填写整数。".into());
                return show(&state, &me, &p, StatusCode::UNPROCESSABLE_ENTITY, None, said).await;
            }
        }
    };
    let reset = policy.is_none();
    match settings::set_policy(&state, &p, policy, Utc::now()).await {
        Ok(_) => {
            session::set_flash(
                jar,
                if reset {
                    "已恢复为计划模板的服务承诺。未归档工单已用过的时间不变。"
                } else {
                    "服务承诺已保存。未归档工单已用过的时间不变，期限和预警随之更新。"
                },
            );
            see_other(&format!("/projects/{id}/service#policy"))
        }
        Err(e @ AppError::Invalid { .. }) => {
            let AppError::Invalid { field, message } = &e else {
                return super::refusal(&state, &me, e);
            };
            let field = field.clone().unwrap_or_default();
            let text = match field.as_str() {
                "warn_at_percent" => "预警比例：最多五个，每个 1–99，如 50、80。".to_string(),
                "warranty_notice_days" => "到期提醒：提前的天数，如 90、30。".to_string(),
                "inspection_notice_days" => "巡检提醒：提前的天数（1–99），如 7、1。".to_string(),
                _ => match message.split_once(" is outside ") {
                    Some((_, range)) => format!("超出允许的范围（{range}）。"),
                    None => "请检查这一项。".to_string(),
                },
            };
            let said = refuse(&field, text);
            show(&state, &me, &p, e.status(), None, said).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// The project's designated engineers (专员), at most two, assigned to every new ticket.
#[handler]
pub async fn specialists(
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
    let ids: Vec<i32> = Fields(fields)
        .all("user_id")
        .iter()
        .filter_map(|v| v.parse().ok())
        .collect();
    match settings::set_specialists(&state, &p, &ids, Utc::now()).await {
        Ok(people) => {
            let names: Vec<&str> = people.iter().map(|u| u.display_name.as_str()).collect();
            session::set_flash(
                jar,
                &if names.is_empty() {
                    "已取消指定专员。".to_string()
                } else {
                    format!("专员：{}。新工单先指派给他们。", names.join("、"))
                },
            );
            see_other(&format!("/projects/{id}/service#specialists"))
        }
        Err(e @ AppError::Invalid { .. }) => {
            let said = Said {
                at: "specialists".into(),
                message: explain(&e),
                ..Default::default()
            };
            show(&state, &me, &p, e.status(), None, said).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// A 定时电话回访 logged from the tab; a refusal beside the form, what was typed kept.
#[handler]
pub async fn log_call(
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
    let typed: Vec<(String, String)> = ["contact_name", "contact_phone", "summary", "called_at"]
        .iter()
        .map(|k| (k.to_string(), f.get(k)))
        .collect();
    let refuse = |field: &str, message: &str| Said {
        at: "call".into(),
        message: message.into(),
        field: Some(field.into()),
        typed: typed.clone(),
    };
    let called_at = match f.optional("called_at") {
        Some(t) => match local_moment(&t, timezone_of(p.project())) {
            Some(at) => Some(at),
            None => {
                let said = refuse("called_at", "请按“年-月-日 时:分”填写时间。");
                return show(&state, &me, &p, StatusCode::UNPROCESSABLE_ENTITY, None, said).await;
            }
        },
        None => None,
    };
    let input = patrols::CallInput {
        called_at,
        contact_name: f.get("contact_name"),
        contact_phone: f.optional("contact_phone"),
        summary: f.get("summary"),
    };
    match patrols::log_call(&state, &p, input, Utc::now()).await {
        Ok(c) => {
            session::set_flash(jar, &format!("已记录对 {} 的电话回访。", c.contact_name));
            see_other(&format!("/projects/{id}/service#calls"))
        }
        Err(e @ AppError::Invalid { .. }) => {
            let AppError::Invalid { field, .. } = &e else {
                return super::refusal(&state, &me, e);
            };
            let field = field.clone().unwrap_or_default();
            let message = match field.as_str() {
                "contact_name" => "请填写回访对象。",
                "summary" => "请填写回访内容。",
                "called_at" => "时间不能晚于现在。",
                "contact_phone" => "电话过长。",
                _ => "请检查填写的内容。",
            };
            let said = refuse(&field, message);
            show(&state, &me, &p, e.status(), None, said).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// A new report link (the old one stops working at once).
#[handler]
pub async fn report_link(state: Data<&AppState>, jar: &CookieJar, me: Session, Path(id): Path<i32>) -> Response {
    let p = match super::granted::<Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    match settings::new_report_link(&state, &p, Utc::now()).await {
        Ok(_) => {
            session::set_flash(
                jar,
                "已生成新的报修链接，旧链接和旧二维码即时失效：请重新打印二维码贴在设备上。",
            );
            see_other(&format!("/projects/{id}/service#report-link"))
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}
