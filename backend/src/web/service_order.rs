//! 上门服务单 on the tablet: every field of the original filled on site once the fault is removed,
//! signed by the repairer here and by the client on the same tablet (a short-lived link, its QR
//! code) or by e-mail, handed in (交回存档), printed as a Word form.
use chrono::{NaiveDate, Utc};
use minijinja::{Value, context};
use poem::{
    Request, Response, handler,
    http::StatusCode,
    web::{Data, Form, Path, cookie::CookieJar},
};

use super::{
    Fields, render,
    service_desk::{Said, explain, for_work, refused, show_said},
    session::{self, Session, see_other},
};
use crate::{
    domain::types::{FaultCause, SignParty, SignedDocument},
    error::AppError,
    service::{
        access::{Read, RecordWork},
        service_desk::{
            Ticket,
            orders::{self, Material, ORDER, OrderData, OrderInput},
            tickets,
        },
        signing::{self, RequestInput},
    },
    state::AppState,
};

/// Blank lines offered under the materials already written.
const SPARE_LINES: usize = 2;

/// The order's form: what was saved, or what was typed when it was refused.
#[handler]
pub async fn page(state: Data<&AppState>, me: Session, Path(id): Path<i32>) -> Response {
    form_page(&state, &me, id, StatusCode::OK, None).await
}

/// What the form shows after a refusal: the fields as typed and what to fix.
struct Typed {
    fields: Fields,
    error: String,
    field: String,
}

async fn form_page(state: &AppState, me: &Session, id: i32, status: StatusCode, typed: Option<Typed>) -> Response {
    let t = match tickets::ticket::<Read>(&state.db, &me.actor, id).await {
        Ok(t) => t,
        Err(e) => return super::refusal(state, me, e),
    };
    let saved = match orders::get(&state.db, &t).await {
        Ok(o) => o,
        Err(e) => return super::refusal(state, me, e),
    };
    let signed = saved.as_ref().is_some_and(|d| !d.signatures.is_empty());
    let line = |m: &Material| {
        context! {
            name => m.name, model => m.model, quantity => crate::documents::labels::number(Some(m.quantity)),
            serial => m.serial, in_warranty => m.in_warranty, remark => m.remark,
        }
    };
    let blank = || context! { name => "", quantity => "", in_warranty => t.row.in_warranty };
    let lines = |list: Vec<Value>| {
        let mut list = list;
        list.extend(std::iter::repeat_with(blank).take(SPARE_LINES));
        list
    };
    let (values, used, returned) = match &typed {
        Some(Typed { fields: f, .. }) => {
            // The lines as typed, a quantity that did not parse included.
            let rows = |prefix: &str| -> Vec<Value> {
                let col = |name: &str| f.all(&format!("{prefix}_{name}"));
                let (names, models, quantities, serials, warranties, remarks) = (
                    col("name"),
                    col("model"),
                    col("quantity"),
                    col("serial"),
                    col("in_warranty"),
                    col("remark"),
                );
                let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
                (0..names.len())
                    .filter(|i| !names[*i].is_empty())
                    .map(|i| {
                        context! {
                            name => names[i], model => at(&models, i), quantity => at(&quantities, i),
                            serial => at(&serials, i), in_warranty => at(&warranties, i) == "1", remark => at(&remarks, i),
                        }
                    })
                    .collect()
            };
            (
                context! {
                    cause => f.get("cause"), cause_category => f.get("cause_category"), remedy => f.get("remedy"), remaining_symptom => f.get("remaining_symptom"),
                    remaining_method => f.get("remaining_method"), fee_yuan => f.get("fee_yuan"), repairers => f.get("repairers"),
                    repaired_on => f.get("repaired_on"), result => f.get("result"), client_opinion => f.get("client_opinion"),
                    client_signer_name => f.get("client_signer_name"), client_signer_email => f.get("client_signer_email"),
                },
                lines(rows("used")),
                lines(rows("returned")),
            )
        }
        None => match &saved {
            Some(d) => {
                let o = &d.order;
                (
                    context! {
                        cause => o.cause, cause_category => o.cause_category.map(|c| c.as_str()), remedy => o.remedy, remaining_symptom => o.remaining_symptom,
                        remaining_method => o.remaining_method,
                        fee_yuan => format!("{}.{:02}", o.fee_fen / 100, o.fee_fen % 100),
                        repairers => o.repairers, repaired_on => o.repaired_on.to_string(), result => o.result,
                        client_opinion => o.client_opinion, client_signer_name => o.client_signer_name,
                        client_signer_email => o.client_signer_email,
                    },
                    lines(d.used().iter().map(line).collect()),
                    lines(d.returned().iter().map(line).collect()),
                )
            }
            None => (
                context! { fee_yuan => if t.row.in_warranty && !t.row.human_damage { "0" } else { "" }, result => "故障已排除，系统运行正常" },
                lines(Vec::new()),
                lines(Vec::new()),
            ),
        },
    };
    let number = t.row.number.clone().unwrap_or_else(|| format!("工单 {}", t.row.id));
    let ctx = context! {
        nav => "service",
        crumbs => vec![
            context! { label => "服务台", href => "/service" },
            context! { label => number.clone(), href => format!("/tickets/{id}") },
            context! { label => "上门服务单" },
        ],
        ticket => context! {
            id => t.row.id, number => number, reporter => t.row.reporter_name, phone => t.row.reporter_phone,
            symptom => t.row.symptom, in_warranty => t.row.in_warranty, human_damage => t.row.human_damage,
        },
        project => context! { code => t.granted.project().code, name => t.granted.project().name, address => t.granted.project().site_address },
        values => values,
        causes => FaultCause::ALL.iter().map(|c| context! { value => c.as_str(), label => c.label_zh() }).collect::<Vec<_>>(),
        used => used,
        returned => returned,
        signed => signed,
        exists => saved.is_some(),
        error => typed.as_ref().map(|t| t.error.clone()),
        error_field => typed.as_ref().map(|t| t.field.clone()),
    };
    render(state, status, "service_order.html", Some(me), ctx)
}

/// The material lines of one list (`used` or `returned`): every line has each of its fields.
fn materials(f: &Fields, prefix: &str) -> Vec<Material> {
    let col = |name: &str| f.all(&format!("{prefix}_{name}"));
    let (names, models, quantities, serials, warranties, remarks) = (
        col("name"),
        col("model"),
        col("quantity"),
        col("serial"),
        col("in_warranty"),
        col("remark"),
    );
    let at = |v: &Vec<String>, i: usize| v.get(i).cloned().filter(|s| !s.is_empty());
    (0..names.len())
        // A line without a name is left out: clearing the name removes a line.
        .filter(|i| !names[*i].is_empty())
        .map(|i| Material {
            name: names[i].clone(),
            model: at(&models, i),
            // A line without a quantity counts one (what does not parse was refused before).
            quantity: at(&quantities, i).map_or(1.0, |q| q.parse().unwrap_or(1.0)),
            serial: at(&serials, i),
            in_warranty: at(&warranties, i).as_deref() == Some("1"),
            remark: at(&remarks, i),
        })
        .collect()
}

/// The order saved from the tablet.
#[handler]
pub async fn save(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path(id): Path<i32>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let t = match for_work(&state, &me, id).await {
        Ok(t) => t,
        Err(refused) => return refused,
    };
    let f = Fields(fields);
    let refuse = |f: Fields, field: &str, error: String| Typed {
        fields: f,
        error,
        field: field.to_string(),
    };
    let fee_yuan = match f.optional("fee_yuan").map(|v| v.parse::<f64>()) {
        None => 0.0,
        Some(Ok(v)) if v.is_finite() => v,
        Some(_) => {
            let typed = refuse(f, "fee_yuan", "维修费用请填写金额（元），如 0 或 350.00。".into());
            return form_page(&state, &me, id, StatusCode::UNPROCESSABLE_ENTITY, Some(typed)).await;
        }
    };
    let repaired_on = match f.optional("repaired_on").map(|d| d.parse::<NaiveDate>()) {
        None => None,
        Some(Ok(d)) => Some(d),
        Some(Err(_)) => {
            let typed = refuse(f, "repaired_on", "维修日期请按 2026-03-09 的格式填写。".into());
            return form_page(&state, &me, id, StatusCode::UNPROCESSABLE_ENTITY, Some(typed)).await;
        }
    };
    for (prefix, list) in [("used", "使用器材"), ("returned", "退回器材")] {
        let (names, quantities) = (f.all(&format!("{prefix}_name")), f.all(&format!("{prefix}_quantity")));
        let unreadable = names.iter().zip(&quantities).position(|(name, q)| {
            !name.is_empty() && !q.is_empty() && !q.parse::<f64>().is_ok_and(|q| q.is_finite() && q > 0.0)
        });
        if let Some(row) = unreadable {
            let message = format!("{list}第 {} 行：数量请填写大于 0 的数字，如 1 或 0.5。", row + 1);
            let typed = refuse(f, prefix, message);
            return form_page(&state, &me, id, StatusCode::UNPROCESSABLE_ENTITY, Some(typed)).await;
        }
    }
    let cause_category = match f.optional("cause_category").map(|v| FaultCause::parse(&v)) {
        None => None,
        Some(Ok(c)) => Some(c),
        Some(Err(_)) => {
            let typed = refuse(f, "cause_category", "请从列表中选择故障类别。".into());
            return form_page(&state, &me, id, StatusCode::UNPROCESSABLE_ENTITY, Some(typed)).await;
        }
    };
    let input = OrderInput {
        cause: f.get("cause"),
        cause_category,
        remedy: f.get("remedy"),
        remaining_symptom: f.optional("remaining_symptom"),
        remaining_method: f.optional("remaining_method"),
        used: materials(&f, "used"),
        returned: materials(&f, "returned"),
        fee_yuan,
        repairers: f.optional("repairers"),
        repaired_on,
        result: f.get("result"),
        client_opinion: f.optional("client_opinion"),
        client_signer_name: f.optional("client_signer_name"),
        client_signer_email: f.optional("client_signer_email"),
    };
    match orders::save(&state, &t, input, Utc::now()).await {
        Ok(_) => {
            session::set_flash(jar, "上门服务单已保存：请维修人签字，再请用户签字。");
            see_other(&format!("/tickets/{id}#order"))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let (field, message) = match &e {
                AppError::Invalid { field: Some(field), .. } if field.contains("quantity") => (
                    field.split('[').next().unwrap_or("used").to_string(),
                    "器材数量须大于 0。".to_string(),
                ),
                AppError::Invalid { field: Some(field), .. } => (
                    field.split(['[', '.']).next().unwrap_or(field).to_string(),
                    match field.as_str() {
                        "cause" => "请填写故障原因。".to_string(),
                        "remedy" => "请填写排除方法。".to_string(),
                        "result" => "请填写服务结果。".to_string(),
                        "fee_yuan" => "维修费用不能为负数。".to_string(),
                        _ => explain(&e),
                    },
                ),
                _ => ("order".to_string(), explain(&e)),
            };
            let typed = refuse(f, &field, message);
            form_page(&state, &me, id, e.status(), Some(typed)).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// The ticket's order, or its page saying to fill it in first.
async fn order_of(state: &AppState, me: &Session, t: &Ticket<RecordWork>) -> Result<OrderData, Response> {
    match orders::get(&state.db, t).await {
        Ok(Some(d)) => Ok(d),
        Ok(None) => {
            let e = AppError::Conflict("the ticket has no 上门服务单 yet".into());
            Err(refused(state, me, t.row.id, "order", e).await)
        }
        Err(e) => Err(super::refusal(state, me, e)),
    }
}

/// The repairer signs (维修人署名).
#[handler]
pub async fn sign(
    state: Data<&AppState>,
    req: &Request,
    jar: &CookieJar,
    me: Session,
    Path(id): Path<i32>,
) -> Response {
    let t = match for_work(&state, &me, id).await {
        Ok(t) => t,
        Err(refused) => return refused,
    };
    let order = match order_of(&state, &me, &t).await {
        Ok(d) => d,
        Err(refused) => return refused,
    };
    let evidence = crate::api::evidence(req);
    let signed = signing::sign_in_app(
        &state.db,
        &t.granted,
        SignedDocument::ServiceOrder,
        order.order.id,
        ORDER,
        evidence,
        Utc::now(),
    )
    .await;
    match signed {
        Ok(_) => {
            session::set_flash(jar, "维修人已签字：请用户在平板上签字，或发邮件请用户签字。");
            see_other(&format!("/tickets/{id}#order"))
        }
        Err(e) => refused(&state, &me, id, "order", e).await,
    }
}

/// The client asked to sign: on this tablet (a 30-minute link and its QR code, shown once) or by
/// e-mail.
#[handler]
pub async fn request(
    state: Data<&AppState>,
    req: &Request,
    jar: &CookieJar,
    me: Session,
    Path(id): Path<i32>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let t = match for_work(&state, &me, id).await {
        Ok(t) => t,
        Err(refused) => return refused,
    };
    let order = match order_of(&state, &me, &t).await {
        Ok(d) => d,
        Err(refused) => return refused,
    };
    if order.signatures.iter().any(|s| s.party == SignParty::Client) {
        return refused(&state, &me, id, "order", AppError::Conflict("already signed".into())).await;
    }
    let on_site = Fields(fields).get("on_site") == "1";
    let input = RequestInput {
        pages: vec![ORDER],
        signer_name: None,
        signer_email: None,
        signer_role: None,
        on_site,
    };
    match signing::request(
        &state,
        &t.granted,
        SignedDocument::ServiceOrder,
        order.order.id,
        input,
        Utc::now(),
    )
    .await
    {
        Ok(made) if on_site => {
            let said = Said {
                at: "order".into(),
                message: "现场签字链接已生成（30 分钟内有效）：请用户用平板扫码，或在本机打开后交给用户签字。".into(),
                link: Some(format!("{}{}", super::site_origin(&state, req), made.link)),
            };
            show_said(&state, &me, id, StatusCode::OK, said).await
        }
        Ok(made) => {
            session::set_flash(
                jar,
                &format!(
                    "已发邮件请 {}（{}）签字。",
                    made.request.signer_name, made.request.signer_email
                ),
            );
            see_other(&format!("/tickets/{id}#order"))
        }
        Err(e @ AppError::Invalid { .. }) => {
            let said = Said::at(
                "order",
                "还没有用户签字人的电子邮箱：请在服务单中填写，或生成现场签字链接。",
            );
            show_said(&state, &me, id, e.status(), said).await
        }
        Err(e) => refused(&state, &me, id, "order", e).await,
    }
}

/// The signed order handed in (交回存档).
#[handler]
pub async fn hand_in(state: Data<&AppState>, jar: &CookieJar, me: Session, Path(id): Path<i32>) -> Response {
    let t = match for_work(&state, &me, id).await {
        Ok(t) => t,
        Err(refused) => return refused,
    };
    match orders::hand_in(&state, &t, Utc::now()).await {
        Ok(_) => {
            session::set_flash(jar, "上门服务单已交回存档。");
            see_other(&format!("/tickets/{id}#order"))
        }
        Err(e) => refused(&state, &me, id, "order", e).await,
    }
}

/// The order as a Word form (草稿 across it until the client signed).
#[handler]
pub async fn docx(state: Data<&AppState>, me: Session, Path(id): Path<i32>) -> Response {
    let t = match tickets::ticket::<Read>(&state.db, &me.actor, id).await {
        Ok(t) => t,
        Err(e) => return super::refusal(&state, &me, e),
    };
    let order = match orders::get(&state.db, &t).await {
        Ok(Some(d)) => d,
        Ok(None) => return super::refusal(&state, &me, AppError::not_found("no order yet")),
        Err(e) => return super::refusal(&state, &me, e),
    };
    let name = format!("上门服务单-{}.docx", order.ticket.number.clone().unwrap_or_default());
    let form = orders::form(&order, state.settings.house().lang);
    super::documents::rendered(&state, &me, form, name).await
}
