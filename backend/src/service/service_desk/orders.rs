//! The on-site service order (上门服务单): filled by the engineer on a tablet once the fault is
//! removed — every field of the original — signed for our side by the repairer and for the client
//! (用户签章) on the tablet or by link through the signing engine; the client's signature is the
//! ticket's 填写服务单 step. Handed in (交回存档, the 服务单存档 step) within the policy's hours of
//! the repair: the engineers are reminded as the deadline nears and, once it passed, the PMs too.
use chrono::{DateTime, Duration, NaiveDate, SubsecRound, Utc};
use entity::{project, service_order, service_ticket, signature, ticket_event};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde::{Deserialize, Serialize};

use super::{
    settings::policy_of,
    spares::{self, Loan},
    tickets::{self, Step, Ticket, assignees, managers, note_step},
};
use crate::{
    db::begin_write,
    documents::{Block, Column, Form, Lang, Meta, Party, Row},
    domain::types::{
        FaultCause, SignParty, SignedDocument, SystemType, TicketStatus, TicketStep, optional_text, required_text,
    },
    email::{messages, outbox},
    error::{AppError, AppResult},
    service::{
        Actor,
        access::{MayRead, MayRecordWork},
        auth::sha256_hex,
        projects::timezone_of,
        signing::{self, Signed},
    },
    state::AppState,
};

/// The order has one part to sign.
pub const ORDER: i32 = 1;

/// A line of 使用器材 or 退回器材.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Material {
    pub name: String,
    #[serde(default)]
    pub model: Option<String>,
    pub quantity: f64,
    #[serde(default)]
    pub serial: Option<String>,
    /// 设备是否在保修期内.
    pub in_warranty: bool,
    /// 更换 / 替换 / 用户提供 / 因用户原因收费 …
    #[serde(default)]
    pub remark: Option<String>,
}

/// What the engineer fills in.
#[derive(Debug, Clone, Default)]
pub struct OrderInput {
    pub cause: String,
    /// What the fault came from, for the PM's monthly summary.
    pub cause_category: Option<FaultCause>,
    pub remedy: String,
    pub remaining_symptom: Option<String>,
    pub remaining_method: Option<String>,
    pub used: Vec<Material>,
    pub returned: Vec<Material>,
    /// 维修费用 in yuan, to the fen.
    pub fee_yuan: f64,
    /// 维修人署名; the assigned engineers by default.
    pub repairers: Option<String>,
    /// 维修日期; the repair's day by default.
    pub repaired_on: Option<NaiveDate>,
    pub result: String,
    pub client_opinion: Option<String>,
    /// Who signs for the client when asked by link.
    pub client_signer_name: Option<String>,
    pub client_signer_email: Option<String>,
}

/// A ticket's order with what it prints.
#[derive(Debug, Clone)]
pub struct OrderData {
    pub project: project::Model,
    pub ticket: service_ticket::Model,
    pub order: service_order::Model,
    pub loans: Vec<Loan>,
    pub signatures: Vec<signature::Model>,
}

impl OrderData {
    pub fn used(&self) -> Vec<Material> {
        serde_json::from_str(&self.order.used_materials).unwrap_or_default()
    }

    pub fn returned(&self) -> Vec<Material> {
        serde_json::from_str(&self.order.returned_materials).unwrap_or_default()
    }

    /// 借用器材: the spares taken out for the ticket.
    pub fn borrowed(&self) -> Vec<String> {
        self.loans
            .iter()
            .filter(|l| l.loan.checked_out_at.is_some())
            .map(|l| format!("{}（{}）", spares::label(&l.spare), l.loan.status.label_zh()))
            .collect()
    }

    pub fn fee_text(&self) -> String {
        format!("{}.{:02} 元", self.order.fee_fen / 100, self.order.fee_fen % 100)
    }

    pub fn system_type(&self) -> String {
        self.ticket
            .system_type
            .map(SystemType::label_zh)
            .unwrap_or("—")
            .to_string()
    }

    /// The order's fields as printed and signed, in the original's order.
    pub fn fields(&self) -> Vec<(String, String)> {
        let t = &self.ticket;
        let o = &self.order;
        let or_none = |v: &Option<String>| v.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| "无".into());
        vec![
            ("工程名称".into(), self.project.name.clone()),
            ("工程地址".into(), self.project.site_address.clone()),
            ("联络电话".into(), t.reporter_phone.clone()),
            ("联络人".into(), t.reporter_name.clone()),
            ("系统类型".into(), self.system_type()),
            ("报修单号".into(), t.number.clone().unwrap_or_default()),
            (
                "故障现象".into(),
                format!("{}：{}", t.device.clone().unwrap_or_default(), t.symptom),
            ),
            ("借用器材".into(), {
                let b = self.borrowed();
                if b.is_empty() { "无".into() } else { b.join("；") }
            }),
            (
                "故障原因".into(),
                match o.cause_category {
                    Some(c) => format!("（{}）{}", c.label_zh(), o.cause),
                    None => o.cause.clone(),
                },
            ),
            ("排除方法".into(), o.remedy.clone()),
            ("现存现象".into(), or_none(&o.remaining_symptom)),
            ("处理方法".into(), or_none(&o.remaining_method)),
            ("维修费用".into(), self.fee_text()),
            ("维修人署名".into(), o.repairers.clone()),
            ("维修日期".into(), o.repaired_on.to_string()),
            ("服务结果".into(), o.result.clone()),
            ("用户意见或提议".into(), or_none(&o.client_opinion)),
        ]
    }

    fn material_rows(list: &[Material]) -> Vec<Vec<String>> {
        list.iter()
            .map(|m| {
                vec![
                    m.name.clone(),
                    m.model.clone().unwrap_or_default(),
                    trim_quantity(m.quantity),
                    m.serial.clone().unwrap_or_default(),
                    if m.in_warranty { "是" } else { "否" }.into(),
                    m.remark.clone().unwrap_or_default(),
                ]
            })
            .collect()
    }

    /// What a signature covers: every field and both material lists.
    fn content(&self) -> String {
        serde_json::json!({
            "fields": self.fields(),
            "used": self.used(),
            "returned": self.returned(),
        })
        .to_string()
    }
}

fn trim_quantity(q: f64) -> String {
    if q.fract() == 0.0 {
        format!("{q:.0}")
    } else {
        format!("{q}")
    }
}

const MATERIAL_COLUMNS: [&str; 6] = ["名称", "型号", "数量", "序列号", "是否在保修期内", "备注"];

impl Signed for OrderData {
    fn project(&self) -> &project::Model {
        &self.project
    }

    fn document(&self) -> (SignedDocument, i32) {
        (SignedDocument::ServiceOrder, self.order.id)
    }

    fn title(&self) -> String {
        format!("上门服务单（{}）", self.ticket.number.clone().unwrap_or_default())
    }

    fn part_label(&self, _part: i32, _lang: Lang) -> String {
        "上门服务单".into()
    }

    fn part_table(&self, _part: i32, _lang: Lang) -> (Vec<String>, Vec<Vec<String>>) {
        let mut rows: Vec<Vec<String>> = self.fields().into_iter().map(|(k, v)| vec![k, v]).collect();
        for (label, list) in [("使用器材", self.used()), ("退回器材", self.returned())] {
            for m in OrderData::material_rows(&list) {
                rows.push(vec![label.to_string(), m.join(" / ")]);
            }
        }
        (vec!["项目".into(), "内容".into()], rows)
    }

    fn part_size(&self, _part: i32) -> Option<usize> {
        None
    }

    fn content_sha256(&self, part: i32) -> Option<String> {
        (part == ORDER).then(|| sha256_hex(self.content().as_bytes()))
    }

    fn refuse(&self, part: i32, party: SignParty) -> Option<String> {
        signing::one_part_refusal(self, "上门服务单", ORDER, part, party)
    }

    fn signatures(&self) -> &[signature::Model] {
        &self.signatures
    }

    fn audit_subject(&self, _part: i32) -> String {
        format!("service_order:{}", self.order.id)
    }

    fn client_signer(&self) -> (Option<String>, Option<String>) {
        (
            self.order
                .client_signer_name
                .clone()
                .or_else(|| Some(self.ticket.reporter_name.clone())),
            self.order
                .client_signer_email
                .clone()
                .or_else(|| self.ticket.reporter_email.clone()),
        )
    }

    fn statement(&self, client: &str, _parts: usize) -> String {
        format!(
            "本人代表 {client} 确认：以上维修情况属实，故障{}。本电子签字与本人手写签字、盖章具有同等效力。",
            if self.order.remaining_symptom.is_some() {
                "已按上述方法处理，遗留问题已知悉"
            } else {
                "已排除，系统运行正常"
            }
        )
    }

    fn request_intro(&self) -> String {
        "我方工程师已完成上门维修。请打开下面的链接，核对《上门服务单》所列的故障原因、排除方法和使用器材，填写意见后签字确认。".into()
    }

    fn part_unit(&self) -> &'static str {
        "份"
    }
}

/// The order `id` of `project`, or 404.
pub async fn load(db: &impl ConnectionTrait, project: project::Model, id: i32) -> AppResult<OrderData> {
    let order = service_order::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no service order {id}")))?;
    let ticket = service_ticket::Entity::find_by_id(order.ticket_id)
        .filter(service_ticket::Column::ProjectId.eq(project.id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no service order {id} in project {}", project.id)))?;
    let loans = spares::loans_of(db, ticket.id).await?;
    let signatures = signing::signatures_of(db, SignedDocument::ServiceOrder, id).await?;
    Ok(OrderData {
        project,
        ticket,
        order,
        loans,
        signatures,
    })
}

/// The ticket's order, if it has one.
pub async fn get(db: &impl ConnectionTrait, t: &Ticket<impl MayRead>) -> AppResult<Option<OrderData>> {
    let found = service_order::Entity::find()
        .filter(service_order::Column::TicketId.eq(t.row.id))
        .one(db)
        .await?;
    match found {
        Some(o) => Ok(Some(load(db, t.granted.project().clone(), o.id).await?)),
        None => Ok(None),
    }
}

fn materials(field: &str, list: &[Material]) -> AppResult<String> {
    for (i, m) in list.iter().enumerate() {
        required_text(&format!("{field}[{i}].name"), &m.name, 200)?;
        if !(m.quantity > 0.0 && m.quantity < 1_000_000.0) {
            return Err(AppError::invalid(
                format!("{field}[{i}].quantity"),
                format!("{field}[{i}].quantity: more than 0"),
            ));
        }
    }
    serde_json::to_string(list).map_err(|e| AppError::Internal(e.into()))
}

/// When the ticket's fault was removed on site: its repair or replacement.
async fn repaired_at(db: &impl ConnectionTrait, ticket_id: i32) -> AppResult<Option<DateTime<Utc>>> {
    Ok(ticket_event::Entity::find()
        .filter(ticket_event::Column::TicketId.eq(ticket_id))
        .filter(ticket_event::Column::Step.is_in([TicketStep::Repaired, TicketStep::Replaced]))
        .order_by_asc(ticket_event::Column::At)
        .one(db)
        .await?
        .map(|e| e.at))
}

/// Fills in (or corrects, until the client signed) the ticket's order, once the fault was
/// removed on site.
#[tracing::instrument(skip_all, fields(ticket_id = t.row.id))]
pub async fn save(
    state: &AppState,
    t: &Ticket<impl MayRecordWork>,
    input: OrderInput,
    now: DateTime<Utc>,
) -> AppResult<OrderData> {
    let cause = required_text("cause", &input.cause, 2000)?;
    let remedy = required_text("remedy", &input.remedy, 2000)?;
    let result = required_text("result", &input.result, 1000)?;
    let remaining_symptom = optional_text("remaining_symptom", input.remaining_symptom.as_deref(), 2000)?;
    let remaining_method = optional_text("remaining_method", input.remaining_method.as_deref(), 2000)?;
    let client_opinion = optional_text("client_opinion", input.client_opinion.as_deref(), 2000)?;
    let client_signer_name = optional_text("client_signer_name", input.client_signer_name.as_deref(), 100)?;
    let client_signer_email = optional_text("client_signer_email", input.client_signer_email.as_deref(), 254)?;
    if !(0.0..10_000_000.0).contains(&input.fee_yuan) {
        return Err(AppError::invalid("fee_yuan", "fee_yuan: 0 or more, in yuan"));
    }
    let fee_fen = (input.fee_yuan * 100.0).round() as i64;
    let used = materials("used", &input.used)?;
    let returned = materials("returned", &input.returned)?;
    let db = &state.db;
    let Some(repaired) = repaired_at(db, t.row.id).await? else {
        return Err(AppError::Conflict(
            "the 上门服务单 is filled once the fault was removed on site: record the repair or the replacement first"
                .into(),
        ));
    };
    let project = t.granted.project();
    let repairers = match optional_text("repairers", input.repairers.as_deref(), 200)? {
        Some(r) => r,
        None => assignees(db, t.row.id)
            .await?
            .iter()
            .map(|u| u.display_name.clone())
            .collect::<Vec<_>>()
            .join("、"),
    };
    let repaired_on = input
        .repaired_on
        .unwrap_or_else(|| repaired.with_timezone(&timezone_of(project)).date_naive());
    let txn = begin_write(db).await?;
    let existing = service_order::Entity::find()
        .filter(service_order::Column::TicketId.eq(t.row.id))
        .one(&txn)
        .await?;
    if let Some(o) = &existing
        && !signing::signatures_of(&txn, SignedDocument::ServiceOrder, o.id)
            .await?
            .is_empty()
    {
        return Err(AppError::Conflict(
            "the 上门服务单 is signed already; it cannot change".into(),
        ));
    }
    let mut active: service_order::ActiveModel = match existing {
        Some(o) => o.into(),
        None => service_order::ActiveModel {
            ticket_id: Set(t.row.id),
            created_at: Set(now),
            ..Default::default()
        },
    };
    active.cause = Set(cause);
    active.cause_category = Set(input.cause_category);
    active.remedy = Set(remedy);
    active.remaining_symptom = Set(remaining_symptom);
    active.remaining_method = Set(remaining_method);
    active.used_materials = Set(used);
    active.returned_materials = Set(returned);
    active.fee_fen = Set(fee_fen);
    active.repairers = Set(repairers);
    active.repaired_on = Set(repaired_on);
    active.result = Set(result);
    active.client_opinion = Set(client_opinion);
    active.client_signer_name = Set(client_signer_name);
    active.client_signer_email = Set(client_signer_email);
    active.filled_by = Set(t.granted.actor().id);
    active.updated_at = Set(now);
    let order: service_order::Model = active.save(&txn).await?.try_into()?;
    crate::service::audit::project_event(
        &txn,
        t.granted.actor(),
        project.id,
        "service_order.saved",
        format!("service_order:{}", order.id),
        serde_json::json!({ "ticket": t.row.id, "fee_fen": order.fee_fen }),
        now,
    )
    .await?;
    let data = load(&txn, project.clone(), order.id).await?;
    txn.commit().await?;
    Ok(data)
}

/// What the client's signature does: it is the ticket's 填写服务单 step.
pub async fn after_signed(
    txn: &DatabaseTransaction,
    actor: &Actor,
    d: &OrderData,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let client_signed = d.signatures.iter().any(|s| s.party == SignParty::Client);
    let ticket = service_ticket::Entity::find_by_id(d.ticket.id).one(txn).await?;
    let filled = ticket_event::Entity::find()
        .filter(ticket_event::Column::TicketId.eq(d.ticket.id))
        .filter(ticket_event::Column::Step.eq(TicketStep::ServiceOrderFilled))
        .one(txn)
        .await?
        .is_some();
    if client_signed && !filled && ticket.is_some_and(|t| t.status == TicketStatus::Resolved) {
        let step = Step {
            step: TicketStep::ServiceOrderFilled,
            at: now.trunc_subsecs(0),
            note: Some(format!("用户签字：{}", actor.name)),
            reason: None,
        };
        note_step(txn, &d.project, d.ticket.id, step, actor, now).await?;
    }
    Ok(())
}

/// The order is handed in (交回存档): the ticket's 服务单存档 step. Only a signed order.
#[tracing::instrument(skip_all, fields(ticket_id = t.row.id))]
pub async fn hand_in(state: &AppState, t: &Ticket<impl MayRecordWork>, now: DateTime<Utc>) -> AppResult<OrderData> {
    let Some(data) = get(&state.db, t).await? else {
        return Err(AppError::Conflict("the ticket has no 上门服务单 yet".into()));
    };
    if !data.signatures.iter().any(|s| s.party == SignParty::Client) {
        return Err(AppError::Conflict(
            "the client has not signed the 上门服务单 (用户签章) yet".into(),
        ));
    }
    if data.order.handed_in_at.is_some() {
        return Err(AppError::Conflict("the 上门服务单 is handed in already".into()));
    }
    let txn = begin_write(&state.db).await?;
    let mut active: service_order::ActiveModel = data.order.clone().into();
    active.handed_in_at = Set(Some(now));
    active.handed_in_by = Set(t.granted.actor().id);
    active.update(&txn).await?;
    tickets::record_in(
        state,
        &txn,
        t,
        tickets::StepInput {
            step: TicketStep::Filed,
            at: Some(now),
            note: Some("上门服务单交回存档".into()),
            reason: None,
        },
        now,
    )
    .await?;
    let data = load(&txn, data.project, data.order.id).await?;
    txn.commit().await?;
    Ok(data)
}

/// The order as a Word form, ready to print and stamp.
pub fn form(d: &OrderData, lang: Lang) -> Form {
    // The fields once: each is looked up by its label below.
    let fields = d.fields();
    let mut blocks = vec![Block::Fields(fields.iter().take(8).cloned().collect())];
    let field = |k: &str| {
        fields
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    blocks.push(Block::Fields(vec![
        ("故障原因".into(), field("故障原因")),
        ("排除方法".into(), field("排除方法")),
    ]));
    blocks.push(Block::Heading("系统有待处理问题".into()));
    blocks.push(Block::Fields(vec![
        ("现存现象".into(), field("现存现象")),
        ("处理方法".into(), field("处理方法")),
    ]));
    let columns = || {
        MATERIAL_COLUMNS
            .iter()
            .zip([4, 3, 1, 3, 2, 3])
            .map(|(l, w)| {
                let c = Column::new(*l, w);
                if *l == "数量" { c.figures() } else { c }
            })
            .collect::<Vec<_>>()
    };
    for (heading, list) in [("使用器材", d.used()), ("退回器材", d.returned())] {
        blocks.push(Block::Heading(heading.into()));
        let rows: Vec<Row> = if list.is_empty() {
            vec![Row::Span("无".into())]
        } else {
            OrderData::material_rows(&list).into_iter().map(Row::Cells).collect()
        };
        blocks.push(Block::Table {
            columns: columns(),
            rows,
        });
    }
    blocks.push(Block::Fields(vec![
        ("维修费用".into(), field("维修费用")),
        ("维修日期".into(), field("维修日期")),
        ("服务结果".into(), field("服务结果")),
        ("用户意见或提议".into(), field("用户意见或提议")),
    ]));
    let signed = |party: SignParty| d.signatures.iter().find(|s| s.party == party);
    let ours = signed(SignParty::Ours);
    let client = signed(SignParty::Client);
    blocks.push(Block::Signatures(vec![
        Party {
            side: "维修人署名".into(),
            name: d.order.repairers.clone(),
            signed_by: ours.map(|s| s.signer_name.clone()),
            signed_on: ours.map(|s| signing::signed_minute(s).to_string()),
            seal: false,
            details: Vec::new(),
            verify_code: ours.map(|s| s.verify_code.clone()),
        },
        Party {
            side: "用户签章".into(),
            name: d.project.client_name.clone(),
            signed_by: client.map(|s| s.signer_name.clone()),
            signed_on: client.map(|s| signing::signed_minute(s).to_string()),
            seal: true,
            details: Vec::new(),
            verify_code: client.map(|s| s.verify_code.clone()),
        },
    ]));
    let _ = lang;
    Form {
        meta: Meta {
            title: "上门服务单".into(),
            number: d.ticket.number.clone(),
            version: 1,
            verify_code: None,
            landscape: false,
            draft: client.is_none(),
            made_at: Some(d.order.updated_at),
            dated: Some(d.order.repaired_on.to_string()),
        },
        blocks,
        pictures: Default::default(),
    }
}

/// Reminds the engineers of orders not handed in as their deadline nears (a quarter of the
/// policy's hours left) and, once it passed, them and the PMs; once each. Returns how many
/// messages were queued.
#[tracing::instrument(skip_all)]
pub async fn notify(state: &AppState, now: DateTime<Utc>) -> AppResult<usize> {
    let db = &state.db;
    let resolved = service_ticket::Entity::find()
        .filter(service_ticket::Column::Status.eq(TicketStatus::Resolved))
        .filter(service_ticket::Column::ClosedAt.is_null())
        .all(db)
        .await?;
    let mut queued = 0;
    for ticket in resolved {
        let Some(repaired) = repaired_at(db, ticket.id).await? else {
            continue;
        };
        let filed = ticket_event::Entity::find()
            .filter(ticket_event::Column::TicketId.eq(ticket.id))
            .filter(ticket_event::Column::Step.eq(TicketStep::Filed))
            .one(db)
            .await?
            .is_some();
        if filed {
            continue;
        }
        let Some(project) = project::Entity::find_by_id(ticket.project_id).one(db).await? else {
            continue;
        };
        let hours = i64::from(policy_of(db, &project).await?.service_order_hours);
        let due = repaired + Duration::hours(hours);
        let (what, people) = if now > due {
            let mut people = assignees(db, ticket.id).await?;
            people.extend(managers(db, project.id).await?.into_iter().map(|(_, u)| u));
            ("late", people)
        } else if now >= due - Duration::hours(hours / 4) {
            ("soon", assignees(db, ticket.id).await?)
        } else {
            continue;
        };
        let tz = timezone_of(&project);
        for person in people.iter().filter(|u| !u.disabled) {
            let Some(address) = person.email.clone() else { continue };
            let ctx = minijinja::context! {
                name => person.display_name,
                what => what,
                number => ticket.number,
                project_code => project.code,
                project_name => project.name,
                due => due.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
                link => format!("{}/tickets/{}", state.settings.base_url(), ticket.id),
            };
            let env = &state.templates.env;
            let render = |t: &str| messages::render(env, t, &ctx);
            let fresh = outbox::enqueue(
                db,
                outbox::NewEmail {
                    key: format!("service_order_due:{}:{what}:{address}", ticket.id),
                    kind: "service_order_due".into(),
                    project_id: Some(project.id),
                    to_address: address,
                    to_name: Some(person.display_name.clone()),
                    subject: render("service_order_due.subject.txt")?,
                    text: render("service_order_due.txt")?,
                    html: None,
                    calendar: None,
                },
                Duration::hours(state.settings.mail_retry_horizon_hours),
                now,
            )
            .await?;
            queued += usize::from(fresh.is_some());
        }
    }
    Ok(queued)
}
