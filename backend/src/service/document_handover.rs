//! The handover of the technical documents (文档移交) before final acceptance: the nine documents
//! the plan names (现场安装一览表 … 项目实施计划), each as its current issued version from the
//! register, listed on the 技术文档交付备忘录 (移交清单) with its pages and copies; the client
//! signs it on receipt through the signing engine, which enters every copy in the distribution
//! register (保密条例) and completes the 文档移交 task.
use chrono::{DateTime, Utc};
use entity::{document_copy, document_handover, issued_document, project, signature};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    Actor,
    acceptance::Blocker,
    access::{Granted, Manage, MayRead, WorkAccess},
    audit,
    auth::sha256_hex,
    documents::{self, FormStatus},
    milestones::{self, Milestone},
    projects::timezone_of,
    signing::{self, RequestInput, Requested, Signed},
};
use crate::{
    db::begin_write,
    documents::{
        House, Lang,
        forms::{DocumentHandoverRecord, FormKind, PartSignatures},
    },
    domain::types::{SignParty, SignedDocument, optional_text, required_text},
    error::{AppError, AppResult},
    state::AppState,
};

/// The one part of a 技术文档交付备忘录.
pub const MEMO: i32 = 1;

/// The nine documents handed over before final acceptance, in the plan's order.
pub const NINE: [FormKind; 9] = [
    FormKind::InstallationList,
    FormKind::Receipt,
    FormKind::DeviceTest,
    FormKind::InstallationAcceptance,
    FormKind::ArrivalAcceptance,
    FormKind::FunctionalTest,
    FormKind::WorkLog,
    FormKind::TrainingSheet,
    FormKind::ImplementationPlan,
];

/// One of the nine and where it stands in the register.
pub struct ChecklistLine {
    pub kind: FormKind,
    pub status: FormStatus,
}

impl ChecklistLine {
    /// What keeps it from being handed over, if anything.
    pub fn problem(&self) -> Option<Blocker> {
        let title = self.kind.title(Lang::Zh);
        match &self.status.latest {
            None => Some(Blocker {
                en: format!("document {title} has not been issued: issue it in the register"),
                zh: format!("《{title}》尚未登记"),
            }),
            Some(l) if !self.status.issued_is_current() => Some(Blocker {
                en: format!(
                    "document {title} V{} no longer prints what the records say: issue it again",
                    l.version
                ),
                zh: format!("《{title}》V{} 已不是最新内容，请重新登记", l.version),
            }),
            Some(_) => None,
        }
    }
}

/// The nine as the register has them now.
pub async fn checklist(
    db: &impl ConnectionTrait,
    p: &Granted<impl MayRead>,
    house: &House,
) -> AppResult<Vec<ChecklistLine>> {
    Ok(documents::statuses(db, p, house, &NINE)
        .await?
        .into_iter()
        .zip(NINE)
        .map(|(status, kind)| ChecklistLine { kind, status })
        .collect())
}

/// A document as it was handed over.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct HandedDocument {
    pub form: String,
    pub title: String,
    pub document_id: i32,
    pub number: String,
    pub version: i32,
    pub issued_on: String,
    #[serde(default)]
    pub pages: Option<i32>,
    pub copies: i32,
}

/// A handover with what it handed over and its signatures.
#[derive(Debug, Clone)]
pub struct HandoverData {
    pub project: project::Model,
    pub handover: document_handover::Model,
    pub items: Vec<HandedDocument>,
    pub signatures: Vec<signature::Model>,
}

/// The 移交清单's columns.
pub const COLUMNS: [&str; 7] = ["序号", "文档名称", "文档编号", "版本", "登记日期", "页数", "份数"];

impl HandoverData {
    pub fn rows(&self) -> Vec<Vec<String>> {
        self.items
            .iter()
            .enumerate()
            .map(|(n, i)| {
                vec![
                    (n + 1).to_string(),
                    i.title.clone(),
                    i.number.clone(),
                    format!("V{}", i.version),
                    i.issued_on.clone(),
                    i.pages.map(|p| p.to_string()).unwrap_or_default(),
                    i.copies.to_string(),
                ]
            })
            .collect()
    }

    pub fn copies(&self) -> i32 {
        self.items.iter().map(|i| i.copies).sum()
    }

    fn content(&self) -> String {
        let h = &self.handover;
        json!({
            "project": self.project.code,
            "handover": h.id,
            "recipient": h.recipient_name,
            "recipient_email": h.recipient_email,
            "made": h.created_at.to_rfc3339(),
            "items": self.items,
        })
        .to_string()
    }
}

impl Signed for HandoverData {
    fn project(&self) -> &project::Model {
        &self.project
    }

    fn document(&self) -> (SignedDocument, i32) {
        (SignedDocument::DocumentHandover, self.handover.id)
    }

    fn title(&self) -> String {
        format!("技术文档交付备忘录（{}）", self.project.name)
    }

    fn part_label(&self, _part: i32, _lang: Lang) -> String {
        "技术文档交付备忘录（移交清单）".into()
    }

    fn part_table(&self, _part: i32, _lang: Lang) -> (Vec<String>, Vec<Vec<String>>) {
        (COLUMNS.iter().map(|c| c.to_string()).collect(), self.rows())
    }

    fn part_size(&self, _part: i32) -> Option<usize> {
        Some(self.items.len())
    }

    fn content_sha256(&self, part: i32) -> Option<String> {
        (part == MEMO).then(|| sha256_hex(self.content().as_bytes()))
    }

    fn refuse(&self, part: i32, party: SignParty) -> Option<String> {
        signing::one_part_refusal(self, "技术文档交付备忘录", MEMO, part, party)
    }

    fn signatures(&self) -> &[signature::Model] {
        &self.signatures
    }

    fn audit_subject(&self, _part: i32) -> String {
        format!("document_handover:{}", self.handover.id)
    }

    fn client_signer(&self) -> (Option<String>, Option<String>) {
        (
            Some(self.handover.recipient_name.clone()),
            Some(self.handover.recipient_email.clone()),
        )
    }

    fn statement(&self, client: &str, _parts: usize) -> String {
        format!(
            "本人代表 {client} 确认：已收到以上 {} 项工程技术文档共 {} 份，版本与页数核对无误；文档按保密要求登记保管。本电子签字与本人手写签字具有同等效力。",
            self.items.len(),
            self.copies()
        )
    }

    fn request_intro(&self) -> String {
        "乙方向贵方移交工程技术文档。请打开下面的链接，核对《技术文档交付备忘录（移交清单）》所列文档的编号、版本、页数和份数，确认收到后签收。"
            .into()
    }

    fn part_unit(&self) -> &'static str {
        "份"
    }
}

/// The handover `id` of `project`, or 404.
pub async fn load(db: &impl ConnectionTrait, project: project::Model, id: i32) -> AppResult<HandoverData> {
    let handover = document_handover::Entity::find_by_id(id)
        .filter(document_handover::Column::ProjectId.eq(project.id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no document handover {id} in project {}", project.id)))?;
    let items = serde_json::from_str(&handover.items).unwrap_or_default();
    let signatures = signing::signatures_of(db, SignedDocument::DocumentHandover, id).await?;
    Ok(HandoverData {
        project,
        handover,
        items,
        signatures,
    })
}

async fn all(db: &impl ConnectionTrait, project: &project::Model) -> AppResult<Vec<HandoverData>> {
    let rows = document_handover::Entity::find()
        .filter(document_handover::Column::ProjectId.eq(project.id))
        .order_by_asc(document_handover::Column::Id)
        .all(db)
        .await?;
    let mut out = Vec::new();
    for h in rows {
        out.push(load(db, project.clone(), h.id).await?);
    }
    Ok(out)
}

/// The project's document handovers, oldest first.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn handovers(db: &DatabaseConnection, p: &Granted<impl MayRead>) -> AppResult<Vec<HandoverData>> {
    all(db, p.project()).await
}

/// What final acceptance waits for from the document handover: nothing once the client signed
/// for a handover; else each of the nine not yet issued, and the handover itself.
pub async fn gaps(db: &impl ConnectionTrait, project: &project::Model) -> AppResult<Vec<Blocker>> {
    let acknowledged = document_handover::Entity::find()
        .filter(document_handover::Column::ProjectId.eq(project.id))
        .filter(document_handover::Column::AcknowledgedAt.is_not_null())
        .one(db)
        .await?;
    if acknowledged.is_some() {
        return Ok(Vec::new());
    }
    let issued: Vec<String> = issued_document::Entity::find()
        .filter(issued_document::Column::ProjectId.eq(project.id))
        .all(db)
        .await?
        .into_iter()
        .map(|d| d.form)
        .collect();
    let mut out: Vec<Blocker> = NINE
        .iter()
        .filter(|k| !issued.iter().any(|f| f == k.key()))
        .map(|k| {
            let title = k.title(Lang::Zh);
            Blocker {
                en: format!("document {title} has not been issued"),
                zh: format!("技术文档《{title}》尚未登记"),
            }
        })
        .collect();
    out.push(Blocker {
        en: "the nine technical documents have not been handed over: the client has not signed the 技术文档交付备忘录"
            .into(),
        zh: "九项技术文档尚未移交：甲方尚未签收《技术文档交付备忘录》".into(),
    });
    Ok(out)
}

/// One document's pages and copies as handed over.
pub struct LineInput {
    pub form: String,
    pub pages: Option<i32>,
    pub copies: i32,
}

/// To whom the documents go, and each one's pages and copies (one copy, pages left blank, for a
/// document not named).
pub struct HandoverInput {
    pub recipient_name: String,
    pub recipient_email: String,
    pub recipient_role: Option<String>,
    pub lines: Vec<LineInput>,
}

/// Hands the nine documents over: each must be issued and still print what the records say (the
/// refusal names every one that does not); the 技术文档交付备忘录 goes to the recipient to sign.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn hand_over(
    state: &AppState,
    p: &Granted<Manage>,
    input: HandoverInput,
    now: DateTime<Utc>,
) -> AppResult<(HandoverData, Requested)> {
    let name = required_text("recipient_name", &input.recipient_name, 100)?;
    let email = required_text("recipient_email", &input.recipient_email, 200)?;
    if !email.contains('@') || email.contains(char::is_whitespace) {
        return Err(AppError::invalid(
            "recipient_email",
            format!("recipient_email: '{email}' is not an e-mail address"),
        ));
    }
    let role = optional_text("recipient_role", input.recipient_role.as_deref(), 100)?;
    for line in &input.lines {
        if !NINE.iter().any(|k| k.key() == line.form) {
            let keys: Vec<&str> = NINE.iter().map(|k| k.key()).collect();
            return Err(AppError::invalid(
                "lines",
                format!("lines: '{}' is not one of the nine ({})", line.form, keys.join(", ")),
            ));
        }
        if line.pages.is_some_and(|n| !(1..=10_000).contains(&n)) {
            return Err(AppError::invalid(
                "lines",
                format!("lines: {} pages, 1 or more", line.form),
            ));
        }
        if !(1..=100).contains(&line.copies) {
            return Err(AppError::invalid(
                "lines",
                format!("lines: {} copies, 1 to 100", line.form),
            ));
        }
    }
    let house = state.settings.house();
    let txn = begin_write(&state.db).await?;
    let list = checklist(&txn, p, &house).await?;
    let problems: Vec<String> = list.iter().filter_map(|l| l.problem()).map(|b| b.en).collect();
    if !problems.is_empty() {
        return Err(AppError::Conflict(format!(
            "the documents cannot be handed over yet: {}",
            problems.join("; ")
        )));
    }
    let tz = timezone_of(p.project());
    let items: Vec<HandedDocument> = list
        .iter()
        .filter_map(|l| {
            let doc = l.status.latest.as_ref()?;
            let line = input.lines.iter().find(|x| x.form == l.kind.key());
            Some(HandedDocument {
                form: l.kind.key().into(),
                title: l.kind.title(house.lang).into(),
                document_id: doc.id,
                number: doc.number.clone(),
                version: doc.version,
                issued_on: doc.issued_at.with_timezone(&tz).date_naive().to_string(),
                pages: line.and_then(|x| x.pages),
                copies: line.map_or(1, |x| x.copies),
            })
        })
        .collect();
    let handover = document_handover::ActiveModel {
        project_id: Set(p.id()),
        recipient_name: Set(name.clone()),
        recipient_email: Set(email.clone()),
        recipient_role: Set(role.clone()),
        items: Set(serde_json::to_string(&items).map_err(|e| anyhow::anyhow!("items: {e}"))?),
        created_by: Set(p.actor().id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::project_event(
        &txn,
        p.actor(),
        p.id(),
        "documents_handed_over",
        format!("document_handover:{}", handover.id),
        json!({"to": name, "email": email,
               "documents": items.iter().map(|i| format!("{} V{}", i.number, i.version)).collect::<Vec<_>>()}),
        now,
    )
    .await?;
    milestones::start(&txn, p, Milestone::DocumentHandover, now).await?;
    let requested = signing::request_within(
        state,
        &txn,
        p,
        SignedDocument::DocumentHandover,
        handover.id,
        RequestInput {
            pages: vec![MEMO],
            signer_name: Some(name),
            signer_email: Some(email),
            signer_role: role.or(Some("甲方文档接收人".into())),
            on_site: false,
        },
        now,
    )
    .await?;
    let data = load(&txn, p.project().clone(), handover.id).await?;
    txn.commit().await?;
    Ok((data, requested))
}

/// Once the client signed for the documents: the handover is acknowledged, every copy enters the
/// distribution register under the recipient's name, and the 文档移交 task is done.
pub(crate) async fn after_signed(
    txn: &DatabaseTransaction,
    actor: &Actor,
    d: &HandoverData,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if d.handover.acknowledged_at.is_some() || d.signature(MEMO, SignParty::Client).is_none() {
        return Ok(());
    }
    let mut row: document_handover::ActiveModel = d.handover.clone().into();
    row.acknowledged_at = Set(Some(now));
    row.update(txn).await?;
    let recipient = match &d.handover.recipient_role {
        Some(role) => format!("{}（{role}）", d.handover.recipient_name),
        None => d.handover.recipient_name.clone(),
    };
    for item in &d.items {
        document_copy::ActiveModel {
            document_id: Set(item.document_id),
            recipient: Set(recipient.clone()),
            handed_at: Set(now),
            method: Set("文档移交（技术文档交付备忘录签收）".into()),
            copies: Set(item.copies),
            note: Set(item.pages.map(|n| format!("{n} 页"))),
            recorded_by: Set(actor.id),
            lost_reported_at: Set(None),
            lost_note: Set(None),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    let p = WorkAccess::vouched(d.project.clone(), actor);
    milestones::complete(
        txn,
        &p,
        Milestone::DocumentHandover,
        format!(
            "{} 项技术文档共 {} 份已由 {} 签收",
            d.items.len(),
            d.copies(),
            d.handover.recipient_name
        ),
        vec![milestones::Evidence {
            label: "技术文档交付备忘录".into(),
            href: format!("/projects/{}/documents#handover", d.project.id),
        }],
        now,
    )
    .await
}

/// The project's handovers as the 技术文档交付备忘录 prints them.
pub async fn for_forms(db: &impl ConnectionTrait, project: &project::Model) -> AppResult<Vec<DocumentHandoverRecord>> {
    let tz = timezone_of(project);
    let day = |t: DateTime<Utc>| t.with_timezone(&tz).date_naive().to_string();
    Ok(all(db, project)
        .await?
        .into_iter()
        .map(|d| {
            let signed = |party| d.signature(MEMO, party).map(super::acceptance::signed_by);
            DocumentHandoverRecord {
                recipient: match &d.handover.recipient_role {
                    Some(role) => format!("{}（{role}）", d.handover.recipient_name),
                    None => d.handover.recipient_name.clone(),
                },
                handed_over_on: day(d.handover.created_at),
                acknowledged_on: d.handover.acknowledged_at.map(day).unwrap_or_default(),
                copies: d.copies().to_string(),
                rows: d.rows(),
                signed: PartSignatures {
                    client: signed(SignParty::Client),
                    ours: signed(SignParty::Ours),
                },
            }
        })
        .collect())
}
