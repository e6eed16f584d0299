//! The 口令 handover: the delivered system's device and system accounts, each password sealed at
//! rest with the vault's key (never in a log, an e-mail or an answer, except the one that reveals
//! it); revealed to our PM only after they re-enter their own password, every reveal in the audit
//! log; handed to the client's designated person through a link that opens once, who acknowledges
//! receipt by signing the 口令移交单 (which lists what was handed over and when, without the
//! passwords). The client's signature starts the trial run (试运行).
use chrono::{DateTime, Utc};
use entity::{credential, credential_handover, project, signature, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    Actor,
    access::{Granted, Manage, MayManage, MayRead, MayRecordWork, WorkAccess},
    audit::project_event as event,
    auth::{sha256_hex, verify_password},
    milestones::{self, Milestone},
    signing::{self, RequestInput, Requested, SecretsView, Signed},
    throttle,
};
use crate::{
    db::begin_write,
    documents::{
        Lang,
        forms::{HandoverRecord, PartSignatures},
    },
    domain::types::{CredentialKind, SignParty, SignedDocument, optional_text, required_text},
    error::{AppError, AppResult},
    state::AppState,
    vault::Vault,
};

/// The one part of a 口令移交单 both sign.
pub const HANDOVER: i32 = 1;

/// What a password is sealed for: its project (a sealed value moved to another project's row
/// does not open).
fn context(project_id: i32) -> String {
    format!("credential:{project_id}")
}

/// An account to record or change; a change without a password keeps the old one.
pub struct CredentialInput {
    pub target: String,
    pub kind: CredentialKind,
    pub address: Option<String>,
    pub account: String,
    pub password: Option<String>,
    pub role: Option<String>,
    pub remark: Option<String>,
}

/// The project's accounts, without their passwords.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn list(db: &DatabaseConnection, p: &Granted<impl MayRead>) -> AppResult<Vec<credential::Model>> {
    Ok(credential::Entity::find()
        .filter(credential::Column::ProjectId.eq(p.id()))
        .order_by_asc(credential::Column::Id)
        .all(db)
        .await?)
}

/// Records an account (engineers configure the devices, so they record them), its password
/// sealed.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn add(
    state: &AppState,
    p: &Granted<impl MayRecordWork>,
    input: CredentialInput,
    now: DateTime<Utc>,
) -> AppResult<credential::Model> {
    let password = input
        .password
        .as_deref()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| AppError::invalid("password", "password: the account's password"))?;
    if password.chars().count() > 200 {
        return Err(AppError::invalid("password", "password: at most 200 characters"));
    }
    let sealed = state.vault.seal(password, &context(p.id()))?;
    let txn = begin_write(&state.db).await?;
    let row = credential::ActiveModel {
        project_id: Set(p.id()),
        target: Set(required_text("target", &input.target, 200)?),
        kind: Set(input.kind),
        address: Set(optional_text("address", input.address.as_deref(), 300)?),
        account: Set(required_text("account", &input.account, 200)?),
        sealed: Set(sealed),
        role: Set(optional_text("role", input.role.as_deref(), 100)?),
        remark: Set(optional_text("remark", input.remark.as_deref(), 500)?),
        created_by: Set(p.actor().id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    event(
        &txn,
        p.actor(),
        p.id(),
        "credential_added",
        format!("credential:{}", row.id),
        json!({"target": row.target, "account": row.account}),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Changes an account; a new password is sealed anew, an empty one keeps the old.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn update(
    state: &AppState,
    p: &Granted<impl MayRecordWork>,
    id: i32,
    input: CredentialInput,
    now: DateTime<Utc>,
) -> AppResult<credential::Model> {
    let txn = begin_write(&state.db).await?;
    let found = credential_of(&txn, p.id(), id).await?;
    let mut row: credential::ActiveModel = found.into();
    row.target = Set(required_text("target", &input.target, 200)?);
    row.kind = Set(input.kind);
    row.address = Set(optional_text("address", input.address.as_deref(), 300)?);
    row.account = Set(required_text("account", &input.account, 200)?);
    row.role = Set(optional_text("role", input.role.as_deref(), 100)?);
    row.remark = Set(optional_text("remark", input.remark.as_deref(), 500)?);
    let changed_password = match input.password.as_deref().filter(|s| !s.is_empty()) {
        Some(password) => {
            row.sealed = Set(state.vault.seal(password, &context(p.id()))?);
            true
        }
        None => false,
    };
    row.updated_at = Set(now);
    let saved = row.update(&txn).await?;
    event(
        &txn,
        p.actor(),
        p.id(),
        "credential_changed",
        format!("credential:{id}"),
        json!({"target": saved.target, "account": saved.account, "password_changed": changed_password}),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

async fn credential_of(db: &impl ConnectionTrait, project_id: i32, id: i32) -> AppResult<credential::Model> {
    credential::Entity::find_by_id(id)
        .filter(credential::Column::ProjectId.eq(project_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no account {id} in project {project_id}")))
}

/// Wrong own passwords allowed per person within 15 minutes before reveals are refused.
const REVEAL_FAILURES: u64 = 5;

/// Shows an account's password to the PM who re-entered their own password; each reveal, and
/// each refusal, is in the audit log (never the password).
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn reveal(
    state: &AppState,
    p: &Granted<impl MayManage>,
    id: i32,
    own_password: &str,
    now: DateTime<Utc>,
) -> AppResult<(credential::Model, String)> {
    let actor = p.actor();
    let db = &state.db;
    let found = credential_of(db, p.id(), id).await?;
    let Some(uid) = actor.id else {
        return Err(AppError::Forbidden("only a signed-in person reveals a password".into()));
    };
    let limit = throttle::Limit::new(format!("reveal:{uid}"), REVEAL_FAILURES, 15);
    throttle::take(db, &limit, "wrong passwords when revealing", now).await?;
    let me = user::Entity::find_by_id(uid)
        .one(db)
        .await?
        .ok_or_else(|| AppError::Forbidden("the account is gone".into()))?;
    if !verify_password(&me.password_hash, own_password).await? {
        let txn = begin_write(db).await?;
        event(
            &txn,
            actor,
            p.id(),
            "credential_reveal_refused",
            format!("credential:{id}"),
            json!({"reason": "wrong own password"}),
            now,
        )
        .await?;
        txn.commit().await?;
        return Err(AppError::invalid(
            "password",
            "password: that is not your password — re-enter your own login password to reveal this one",
        ));
    }
    throttle::give_back(db, &limit.key).await?;
    let plain = state.vault.unseal(&found.sealed, &context(p.id()))?;
    let txn = begin_write(db).await?;
    event(
        &txn,
        actor,
        p.id(),
        "credential_revealed",
        format!("credential:{id}"),
        json!({"target": found.target, "account": found.account}),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok((found, plain))
}

/// One account as a handover froze it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HandedOver {
    pub id: i32,
    pub target: String,
    pub kind: String,
    pub address: Option<String>,
    pub account: String,
    pub role: Option<String>,
    pub remark: Option<String>,
    /// The password as sealed when the handover was made, hex.
    pub sealed: String,
}

/// A handover with what it holds and its signatures.
#[derive(Debug, Clone)]
pub struct HandoverData {
    pub project: project::Model,
    pub handover: credential_handover::Model,
    pub items: Vec<HandedOver>,
    pub signatures: Vec<signature::Model>,
}

impl HandoverData {
    /// The table the 口令移交单 prints: what was handed over, without the passwords.
    pub fn rows(&self) -> Vec<Vec<String>> {
        self.items
            .iter()
            .enumerate()
            .map(|(n, i)| {
                vec![
                    (n + 1).to_string(),
                    i.target.clone(),
                    CredentialKind::parse(&i.kind).map_or("", |k| k.label_zh()).to_string(),
                    i.address.clone().unwrap_or_default(),
                    i.account.clone(),
                    i.role.clone().unwrap_or_default(),
                    i.remark.clone().unwrap_or_default(),
                ]
            })
            .collect()
    }

    fn content(&self) -> String {
        let h = &self.handover;
        json!({
            "project": self.project.code,
            "handover": h.id,
            "recipient": h.recipient_name,
            "recipient_email": h.recipient_email,
            "made": h.created_at.to_rfc3339(),
            // Each password's sealed bytes: the signature covers the passwords handed over
            // without holding them.
            "items": self.items.iter().map(|i| json!({
                "target": i.target, "kind": i.kind, "address": i.address, "account": i.account,
                "role": i.role, "remark": i.remark, "sealed_sha256": sha256_hex(i.sealed.as_bytes()),
            })).collect::<Vec<_>>(),
        })
        .to_string()
    }
}

/// The 口令移交单's columns.
pub const HANDOVER_COLUMNS: [&str; 7] = ["序号", "设备/系统", "类别", "地址", "账号", "权限/角色", "备注"];

impl Signed for HandoverData {
    fn project(&self) -> &project::Model {
        &self.project
    }

    fn document(&self) -> (SignedDocument, i32) {
        (SignedDocument::PasswordHandover, self.handover.id)
    }

    fn title(&self) -> String {
        format!("口令移交单（{}）", self.project.name)
    }

    fn part_label(&self, _part: i32, _lang: Lang) -> String {
        "口令移交单".into()
    }

    fn part_table(&self, _part: i32, _lang: Lang) -> (Vec<String>, Vec<Vec<String>>) {
        (HANDOVER_COLUMNS.iter().map(|c| c.to_string()).collect(), self.rows())
    }

    fn part_size(&self, _part: i32) -> Option<usize> {
        Some(self.items.len())
    }

    fn content_sha256(&self, part: i32) -> Option<String> {
        (part == HANDOVER).then(|| sha256_hex(self.content().as_bytes()))
    }

    fn refuse(&self, part: i32, party: SignParty) -> Option<String> {
        signing::one_part_refusal(self, "口令移交单", HANDOVER, part, party)
    }

    fn signatures(&self) -> &[signature::Model] {
        &self.signatures
    }

    fn audit_subject(&self, _part: i32) -> String {
        format!("credential_handover:{}", self.handover.id)
    }

    fn client_signer(&self) -> (Option<String>, Option<String>) {
        (
            Some(self.handover.recipient_name.clone()),
            Some(self.handover.recipient_email.clone()),
        )
    }

    fn statement(&self, client: &str, _parts: usize) -> String {
        format!(
            "本人代表 {client} 确认：已收到以上 {} 个设备和系统账号的口令，此后由甲方负责保管并及时修改。本电子签字与本人手写签字具有同等效力。",
            self.items.len()
        )
    }

    fn request_intro(&self) -> String {
        "乙方已准备好移交以下设备和系统的口令。口令不会通过邮件发送：请打开下面的链接查看并签收。为保护口令安全，链接只能打开一次，请在方便记录时打开。"
            .into()
    }

    fn reveals_once(&self) -> bool {
        true
    }

    fn part_unit(&self) -> &'static str {
        "份"
    }
}

/// The handover `id` of `project`, or 404.
pub async fn load_handover(db: &impl ConnectionTrait, project: project::Model, id: i32) -> AppResult<HandoverData> {
    let handover = credential_handover::Entity::find_by_id(id)
        .filter(credential_handover::Column::ProjectId.eq(project.id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no password handover {id} in project {}", project.id)))?;
    let items = serde_json::from_str(&handover.items).unwrap_or_default();
    let signatures = signing::signatures_of(db, SignedDocument::PasswordHandover, id).await?;
    Ok(HandoverData {
        project,
        handover,
        items,
        signatures,
    })
}

/// The handover's accounts with their passwords, for the one time its link opens.
pub fn revealed(vault: &Vault, d: &HandoverData) -> AppResult<SecretsView> {
    let rows = d
        .items
        .iter()
        .enumerate()
        .map(|(n, i)| {
            let sealed =
                super::from_hex(&i.sealed).ok_or_else(|| anyhow::anyhow!("a handed-over password is not hex"))?;
            let plain = vault.unseal(&sealed, &context(d.project.id))?;
            Ok(vec![
                (n + 1).to_string(),
                i.target.clone(),
                i.address.clone().unwrap_or_default(),
                i.account.clone(),
                plain,
            ])
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(SecretsView {
        columns: ["序号", "设备/系统", "地址", "账号", "口令"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows,
    })
}

/// The project's handovers as their 口令移交单 print them.
pub async fn for_forms(db: &impl ConnectionTrait, project: &project::Model) -> AppResult<Vec<HandoverRecord>> {
    let rows = credential_handover::Entity::find()
        .filter(credential_handover::Column::ProjectId.eq(project.id))
        .order_by_asc(credential_handover::Column::Id)
        .all(db)
        .await?;
    let tz = super::projects::timezone_of(project);
    let day = |t: DateTime<Utc>| t.with_timezone(&tz).date_naive().to_string();
    let mut out = Vec::new();
    for h in rows {
        let d = load_handover(db, project.clone(), h.id).await?;
        let signed = |party| d.signature(HANDOVER, party).map(super::acceptance::signed_by);
        out.push(HandoverRecord {
            recipient: match &h.recipient_role {
                Some(role) => format!("{}（{role}）", h.recipient_name),
                None => h.recipient_name.clone(),
            },
            handed_over_on: day(h.created_at),
            acknowledged_on: h.acknowledged_at.map(day).unwrap_or_default(),
            rows: d.rows(),
            signed: PartSignatures {
                client: signed(SignParty::Client),
                ours: signed(SignParty::Ours),
            },
        });
    }
    Ok(out)
}

/// The project's handovers, newest last.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn handovers(db: &DatabaseConnection, p: &Granted<impl MayRead>) -> AppResult<Vec<HandoverData>> {
    let rows = credential_handover::Entity::find()
        .filter(credential_handover::Column::ProjectId.eq(p.id()))
        .order_by_asc(credential_handover::Column::Id)
        .all(db)
        .await?;
    let mut out = Vec::new();
    for h in rows {
        out.push(load_handover(db, p.project().clone(), h.id).await?);
    }
    Ok(out)
}

/// Who receives the passwords, and which.
pub struct HandoverInput {
    pub recipient_name: String,
    pub recipient_email: String,
    pub recipient_role: Option<String>,
    /// The accounts to hand over; all of the project's when empty.
    pub credentials: Vec<i32>,
}

/// Hands accounts over to the client's designated person: the handover freezes them (each
/// password as sealed now) and its one-time link goes out by e-mail — the link, never a password.
/// Only after the initial acceptance's report and memo are signed by both.
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
    let txn = begin_write(&state.db).await?;
    if !super::acceptance::initial_signed(&txn, p.project()).await? {
        return Err(AppError::Conflict(
            "passwords are handed over after the initial acceptance: its 初验报告 and 初验备忘录 are not yet signed by both parties"
                .into(),
        ));
    }
    let all = credential::Entity::find()
        .filter(credential::Column::ProjectId.eq(p.id()))
        .order_by_asc(credential::Column::Id)
        .all(&txn)
        .await?;
    let chosen: Vec<&credential::Model> = if input.credentials.is_empty() {
        all.iter().collect()
    } else {
        let unknown: Vec<String> = input
            .credentials
            .iter()
            .filter(|id| !all.iter().any(|c| c.id == **id))
            .map(i32::to_string)
            .collect();
        if !unknown.is_empty() {
            return Err(AppError::invalid(
                "credentials",
                format!("credentials: no account {} in this project", unknown.join(", ")),
            ));
        }
        all.iter().filter(|c| input.credentials.contains(&c.id)).collect()
    };
    if chosen.is_empty() {
        return Err(AppError::Conflict(
            "the project has no accounts to hand over: record the devices' and systems' accounts first".into(),
        ));
    }
    let items: Vec<HandedOver> = chosen
        .iter()
        .map(|c| HandedOver {
            id: c.id,
            target: c.target.clone(),
            kind: c.kind.as_str().into(),
            address: c.address.clone(),
            account: c.account.clone(),
            role: c.role.clone(),
            remark: c.remark.clone(),
            sealed: super::to_hex(&c.sealed),
        })
        .collect();
    let handover = credential_handover::ActiveModel {
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
    event(
        &txn,
        p.actor(),
        p.id(),
        "credentials_handed_over",
        format!("credential_handover:{}", handover.id),
        json!({"to": name, "email": email, "accounts": items.iter().map(|i| i.id).collect::<Vec<_>>()}),
        now,
    )
    .await?;
    let requested = signing::request_within(
        state,
        &txn,
        p,
        SignedDocument::PasswordHandover,
        handover.id,
        RequestInput {
            pages: vec![HANDOVER],
            signer_name: Some(name),
            signer_email: Some(email),
            signer_role: role.or(Some("甲方口令接收人".into())),
            on_site: false,
        },
        now,
    )
    .await?;
    let data = load_handover(&txn, p.project().clone(), handover.id).await?;
    txn.commit().await?;
    Ok((data, requested))
}

/// Once the recipient signed for the passwords: the handover is acknowledged and the trial run
/// (试运行) begins — its task starts.
pub(crate) async fn after_signed(
    txn: &DatabaseTransaction,
    actor: &Actor,
    d: &HandoverData,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if d.handover.acknowledged_at.is_some() || d.signature(HANDOVER, SignParty::Client).is_none() {
        return Ok(());
    }
    let mut row: credential_handover::ActiveModel = d.handover.clone().into();
    row.acknowledged_at = Set(Some(now));
    row.update(txn).await?;
    let day = now
        .with_timezone(&super::projects::timezone_of(&d.project))
        .date_naive();
    let h = &d.handover;
    super::trial_run::start(
        txn,
        actor,
        &d.project,
        (&h.recipient_name, &h.recipient_email),
        day,
        now,
    )
    .await?;
    let p = WorkAccess::vouched(d.project.clone(), actor);
    milestones::start(txn, &p, Milestone::TrialRun, now).await
}
