//! Signatures on any document both parties sign — a test plan's pages and 预验收证书, an
//! acceptance's report and memo — through one engine: our side signs in the app; the client signs
//! without an account. A signing request covers one or many ready parts of one document for one
//! signer and goes out as one e-mail with a link (or opens on a tablet on site). The token in the
//! link has 256 random bits; only its hash is stored; it is bound to the signer and the parts,
//! expires, signs once, can be revoked, and is replaced in each reminder. Every signature covers
//! the SHA-256 of its part's canonical content and carries a code that `/verify` answers.
//!
//! A feature makes its document signable by implementing [`Signed`] for it and adding it to
//! [`Signable`]; what signing completes is the feature's, in [`Signable::after_signed`].
use super::access::{Granted, MayRead, MayRecordWork};
use chrono::{DateTime, Duration, Utc};
use entity::{audit_event, project, project_member, signature, signing_request, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, sea_query::Expr,
};
use serde::Serialize;
use serde_json::json;

use super::{
    Actor, acceptance, audit,
    auth::{hash_secret, new_secret},
    credentials, document_handover,
    projects::timezone_of,
    test_plans, throttle,
};
use crate::{
    db::begin_write,
    documents::{House, Lang},
    domain::types::{MemberRole, SignMethod, SignParty, SignedDocument},
    email::{messages, outbox},
    error::{AppError, AppResult},
    state::AppState,
};

/// What the signing engine needs of a document both parties sign. Parts are numbered by the
/// document (a test plan's pages, 0 for its certificate; a report's parts).
pub trait Signed: Send + Sync {
    fn project(&self) -> &project::Model;
    /// Which document this is.
    fn document(&self) -> (SignedDocument, i32);
    /// Its title, as the signing page and the e-mails name it.
    fn title(&self) -> String;
    fn part_label(&self, part: i32, lang: Lang) -> String;
    /// A part as the signer reads it: the columns and rows the form prints.
    fn part_table(&self, part: i32, lang: Lang) -> (Vec<String>, Vec<Vec<String>>);
    /// How many entries a part holds, as the request e-mail counts them ("12 项").
    fn part_size(&self, part: i32) -> Option<usize>;
    /// The SHA-256 of what a signature on `part` covers now; None if there is no such part.
    fn content_sha256(&self, part: i32) -> Option<String>;
    /// Why `party` cannot sign `part` now, for the people who asked (the API's words).
    fn refuse(&self, part: i32, party: SignParty) -> Option<String>;
    /// Signatures in force (not voided).
    fn signatures(&self) -> &[signature::Model];
    /// The audit log's subject for a part.
    fn audit_subject(&self, part: i32) -> String;
    /// The client's designated signer (name, e-mail), where the document names one.
    fn client_signer(&self) -> (Option<String>, Option<String>);
    /// What the client's signer declares by signing `parts` parts.
    fn statement(&self, client: &str, parts: usize) -> String;
    /// What the request e-mail says of the parts before listing them.
    fn request_intro(&self) -> String;

    /// Whether its link shows secrets (passwords handed over) and so opens only once.
    fn reveals_once(&self) -> bool {
        false
    }

    /// What a part is counted as: 页 of a test plan, 份 of reports.
    fn part_unit(&self) -> &'static str {
        "页"
    }

    fn signature(&self, part: i32, party: SignParty) -> Option<&signature::Model> {
        self.signatures().iter().find(|s| s.page == part && s.party == party)
    }
}

/// Why a document of one part (`only`, called `what`) cannot be signed by `party`: another part
/// asked for, or that party signed it already.
pub(crate) fn one_part_refusal(doc: &dyn Signed, what: &str, only: i32, part: i32, party: SignParty) -> Option<String> {
    if part != only {
        return Some(format!("a {what} has one part, {only}"));
    }
    doc.signature(part, party).map(|s| {
        format!(
            "the {what} is already signed for {} by {} on {}",
            if party == SignParty::Ours { "乙方" } else { "甲方" },
            s.signer_name,
            s.signed_local
        )
    })
}

/// A signable document, loaded.
pub enum Signable {
    TestPlan(test_plans::PlanData),
    Acceptance(acceptance::AcceptanceData),
    PasswordHandover(credentials::HandoverData),
    DocumentHandover(document_handover::HandoverData),
    // Boxed: a ticket, its order, project and loans make it the largest by far.
    ServiceOrder(Box<super::service_desk::orders::OrderData>),
    PatrolReport(Box<super::service_desk::patrols::ReportData>),
}

impl Signable {
    /// The document `document`/`id` of `project`, or 404.
    pub async fn load(
        db: &impl ConnectionTrait,
        project: project::Model,
        document: SignedDocument,
        id: i32,
    ) -> AppResult<Self> {
        Ok(match document {
            SignedDocument::TestPlan => Signable::TestPlan(test_plans::load(db, project, id).await?),
            SignedDocument::Acceptance => Signable::Acceptance(acceptance::load(db, project, id).await?),
            SignedDocument::PasswordHandover => {
                Signable::PasswordHandover(credentials::load_handover(db, project, id).await?)
            }
            SignedDocument::DocumentHandover => {
                Signable::DocumentHandover(document_handover::load(db, project, id).await?)
            }
            SignedDocument::ServiceOrder => {
                Signable::ServiceOrder(Box::new(super::service_desk::orders::load(db, project, id).await?))
            }
            SignedDocument::PatrolReport => {
                Signable::PatrolReport(Box::new(super::service_desk::patrols::load(db, project, id).await?))
            }
        })
    }

    pub fn doc(&self) -> &dyn Signed {
        match self {
            Signable::TestPlan(d) => d,
            Signable::Acceptance(d) => d,
            Signable::PasswordHandover(d) => d,
            Signable::DocumentHandover(d) => d,
            Signable::ServiceOrder(d) => d.as_ref(),
            Signable::PatrolReport(d) => d.as_ref(),
        }
    }

    /// The secrets a one-time link shows, opened with the vault's key.
    fn secrets(&self, vault: &crate::vault::Vault) -> AppResult<Option<SecretsView>> {
        match self {
            Signable::PasswordHandover(d) => Ok(Some(credentials::revealed(vault, d)?)),
            _ => Ok(None),
        }
    }

    /// What a signature completes, in the transaction that stored it (the document reloaded).
    async fn after_signed(&self, txn: &DatabaseTransaction, actor: &Actor, now: DateTime<Utc>) -> AppResult<()> {
        match self {
            Signable::TestPlan(d) => test_plans::complete_when_certified(txn, actor, d, now).await,
            Signable::Acceptance(d) => acceptance::after_signed(txn, actor, d, now).await,
            Signable::PasswordHandover(d) => credentials::after_signed(txn, actor, d, now).await,
            Signable::DocumentHandover(d) => document_handover::after_signed(txn, actor, d, now).await,
            Signable::ServiceOrder(d) => super::service_desk::orders::after_signed(txn, actor, d, now).await,
            // A signed report completes nothing else: the visit was done when it was recorded.
            Signable::PatrolReport(_) => Ok(()),
        }
    }
}

/// The signatures in force on a document, oldest first.
pub async fn signatures_of(
    db: &impl ConnectionTrait,
    document: SignedDocument,
    id: i32,
) -> AppResult<Vec<signature::Model>> {
    Ok(signature::Entity::find()
        .filter(signature::Column::Document.eq(document))
        .filter(signature::Column::DocumentId.eq(id))
        .filter(signature::Column::VoidedAt.is_null())
        .order_by_asc(signature::Column::Id)
        .all(db)
        .await?)
}

/// How many signatures a document ever carried, voided ones included.
pub async fn ever_signed(db: &impl ConnectionTrait, document: SignedDocument, id: i32) -> AppResult<u64> {
    Ok(signature::Entity::find()
        .filter(signature::Column::Document.eq(document))
        .filter(signature::Column::DocumentId.eq(id))
        .count(db)
        .await?)
}

/// A signature as printed: name and local time.
pub fn signed_text(s: &signature::Model) -> String {
    format!("{} {}", s.signer_name, signed_minute(s))
}

/// When a signature was made, as people write it: the local date and time to the minute (the
/// record keeps the second and the offset as evidence).
pub fn signed_minute(s: &signature::Model) -> &str {
    s.signed_local.get(..16).unwrap_or(&s.signed_local)
}

/// Where a signature came from.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
}

/// A signature to store: who, how, and over what.
pub(crate) struct NewSignature<'a> {
    pub part: i32,
    pub party: SignParty,
    pub signer_name: String,
    pub signer_email: Option<String>,
    pub signer_role: Option<String>,
    pub user_id: Option<i32>,
    pub request_id: Option<i32>,
    pub method: SignMethod,
    pub evidence: &'a Evidence,
}

/// Stores a signature over what `part` says now, with its verification code, and logs it.
pub(crate) async fn store_signature(
    db: &impl ConnectionTrait,
    actor: &Actor,
    doc: &dyn Signed,
    s: NewSignature<'_>,
    now: DateTime<Utc>,
) -> AppResult<signature::Model> {
    let content = doc
        .content_sha256(s.part)
        .ok_or_else(|| AppError::Conflict(format!("nothing to sign on part {}", s.part)))?;
    let project = doc.project();
    let (document, document_id) = doc.document();
    let local = now
        .with_timezone(&timezone_of(project))
        .format("%Y-%m-%d %H:%M:%S %:z")
        .to_string();
    let row = signature::ActiveModel {
        project_id: Set(project.id),
        document: Set(document),
        document_id: Set(document_id),
        page: Set(s.part),
        party: Set(s.party),
        signer_name: Set(s.signer_name.clone()),
        signer_email: Set(s.signer_email),
        signer_role: Set(s.signer_role),
        user_id: Set(s.user_id),
        request_id: Set(s.request_id),
        method: Set(s.method),
        signed_at: Set(now),
        signed_local: Set(local),
        ip_address: Set(s.evidence.ip_address.clone()),
        user_agent: Set(s.evidence.user_agent.clone()),
        content_sha256: Set(content.clone()),
        verify_code: Set(crate::documents::verify_code()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let detail = json!({"party": s.party.as_str(), "signer": s.signer_name, "method": s.method.as_str(),
                        "content_sha256": content, "ip": s.evidence.ip_address, "signature": row.id});
    audit::project_event(db, actor, project.id, "signed", doc.audit_subject(s.part), detail, now).await?;
    Ok(row)
}

/// The actor's role on the project's team: only its own engineers and PM sign for 乙方 (an
/// administrator who is not on the team does not).
pub async fn our_signer(db: &impl ConnectionTrait, p: &Granted<impl MayRecordWork>) -> AppResult<MemberRole> {
    let member = match p.actor().id {
        Some(uid) => project_member::Entity::find()
            .filter(project_member::Column::ProjectId.eq(p.id()))
            .filter(project_member::Column::UserId.eq(uid))
            .one(db)
            .await?
            .map(|m| m.role),
        None => None,
    };
    member.ok_or_else(|| AppError::Forbidden("only the project's own engineers and PM sign for 乙方".into()))
}

/// Our side signs a part in the app: an engineer or PM of the project. Returns the document as
/// signed.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn sign_in_app(
    db: &DatabaseConnection,
    p: &Granted<impl MayRecordWork>,
    document: SignedDocument,
    id: i32,
    part: i32,
    evidence: Evidence,
    now: DateTime<Utc>,
) -> AppResult<Signable> {
    let actor = p.actor();
    let role = our_signer(db, p).await?;
    let txn = begin_write(db).await?;
    let signable = Signable::load(&txn, p.project().clone(), document, id).await?;
    if let Some(why) = signable.doc().refuse(part, SignParty::Ours) {
        return Err(AppError::Conflict(why));
    }
    let signer_email = user::Entity::find_by_id(actor.id.unwrap_or_default())
        .one(&txn)
        .await?
        .and_then(|u| u.email);
    store_signature(
        &txn,
        actor,
        signable.doc(),
        NewSignature {
            part,
            party: SignParty::Ours,
            signer_name: actor.name.clone(),
            signer_email,
            signer_role: Some(role.as_str().to_string()),
            user_id: actor.id,
            request_id: None,
            method: SignMethod::InApp,
            evidence: &evidence,
        },
        now,
    )
    .await?;
    let signable = Signable::load(&txn, p.project().clone(), document, id).await?;
    signable.after_signed(&txn, actor, now).await?;
    txn.commit().await?;
    Ok(signable)
}

/// Voids signatures with a reason (both sign again afterwards), each logged under its part.
pub(crate) async fn void_signatures(
    txn: &DatabaseTransaction,
    actor: &Actor,
    doc: &dyn Signed,
    voided: &[&signature::Model],
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    for s in voided {
        let mut row: signature::ActiveModel = (*s).clone().into();
        row.voided_at = Set(Some(now));
        row.void_reason = Set(Some(reason.into()));
        row.voided_by = Set(actor.id);
        row.update(txn).await?;
        let detail = json!({"signature": s.id, "party": s.party, "signer": s.signer_name, "reason": reason});
        audit::project_event(
            txn,
            actor,
            doc.project().id,
            "voided",
            doc.audit_subject(s.page),
            detail,
            now,
        )
        .await?;
    }
    Ok(())
}

/// What /verify/{code} shows for a signature's code.
pub struct SignatureCheck {
    pub project: project::Model,
    /// The document's title.
    pub title: String,
    /// The part signed, as the document names it.
    pub part: String,
    /// The signature with the code.
    pub signature: signature::Model,
    /// The part's signatures in force (both parties once signed).
    pub in_force: Vec<signature::Model>,
    /// What the part says now still hashes to what was signed.
    pub content_matches: bool,
}

/// The signature carrying `code` (printed under it on the form), with whether the part still says
/// what was signed. No login.
#[tracing::instrument(skip_all)]
pub async fn check_signature(db: &DatabaseConnection, code: &str, lang: Lang) -> AppResult<SignatureCheck> {
    let code = crate::documents::normalise_verify_code(code);
    let not_found = || AppError::not_found("no signature carries this verification code");
    let signature = signature::Entity::find()
        .filter(signature::Column::VerifyCode.eq(code.as_str()))
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    let project = project::Entity::find_by_id(signature.project_id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    let signable = Signable::load(db, project.clone(), signature.document, signature.document_id).await?;
    let doc = signable.doc();
    let content_matches = doc.content_sha256(signature.page).as_deref() == Some(signature.content_sha256.as_str());
    let in_force = doc
        .signatures()
        .iter()
        .filter(|s| s.page == signature.page)
        .cloned()
        .collect();
    Ok(SignatureCheck {
        project,
        title: doc.title(),
        part: doc.part_label(signature.page, lang),
        signature,
        in_force,
        content_matches,
    })
}

/// Reminders go out every two days, five at most.
const REMIND_EVERY_DAYS: i64 = 2;
const MAX_REMINDERS: i32 = 5;
/// An on-site link is for the meeting at hand.
const ON_SITE_MINUTES: i64 = 30;

pub struct RequestInput {
    pub pages: Vec<i32>,
    pub signer_name: Option<String>,
    pub signer_email: Option<String>,
    pub signer_role: Option<String>,
    /// A short-lived link for a tablet on site, not e-mailed.
    pub on_site: bool,
}

fn pages_of(request: &signing_request::Model) -> Vec<i32> {
    serde_json::from_str(&request.pages).unwrap_or_default()
}

async fn event(
    db: &impl ConnectionTrait,
    actor: &Actor,
    request: &signing_request::Model,
    name: &'static str,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let subject = format!("signing_request:{}", request.id);
    audit::project_event(db, actor, request.project_id, name, subject, detail, now).await
}

/// The actor named in the audit log for what the client does through a link.
fn signer_actor(request: &signing_request::Model) -> Actor {
    Actor {
        id: None,
        username: if request.signer_email.is_empty() {
            request.signer_name.clone()
        } else {
            request.signer_email.clone()
        },
        name: request.signer_name.clone(),
        role: crate::domain::types::Role::Viewer,
    }
}

async fn enqueue_email(
    state: &AppState,
    db: &impl ConnectionTrait,
    doc: &dyn Signed,
    request: &signing_request::Model,
    token: &str,
    requested_by: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let env = &state.templates.env;
    let lang = state.settings.house().lang;
    let pages: Vec<serde_json::Value> = pages_of(request)
        .into_iter()
        .map(|p| json!({"label": doc.part_label(p, lang), "items": doc.part_size(p)}))
        .collect();
    let project = doc.project();
    let tz = timezone_of(project);
    let ctx = minijinja::context! {
        signer_name => request.signer_name,
        project_code => project.code,
        project_name => project.name,
        title => doc.title(),
        intro => doc.request_intro(),
        unit => doc.part_unit(),
        pages => pages,
        link => format!("{}/sign/{token}", state.settings.base_url()),
        expires_on => request.expires_at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
        requested_by => requested_by,
        reminder => request.reminders_sent > 0,
    };
    let render = |name: &str| messages::render(env, name, &ctx);
    outbox::enqueue(
        db,
        outbox::NewEmail {
            key: format!("signing_request:{}:{}", request.id, request.reminders_sent),
            kind: "signing_request".into(),
            project_id: Some(request.project_id),
            to_address: request.signer_email.clone(),
            to_name: Some(request.signer_name.clone()),
            subject: render("signing_request.subject.txt")?,
            text: render("signing_request.txt")?,
            html: Some(render("signing_request.html")?),
            calendar: None,
        },
        Duration::hours(state.settings.mail_retry_horizon_hours),
        now,
    )
    .await?;
    Ok(())
}

/// What became of a signing request, for the people who asked.
enum Outcome<'a> {
    Signed,
    Declined(&'a str),
}

/// Tells the project's PMs — and whoever sent the request — that the client signed or declined:
/// one message each through the outbox, in the transaction that records it, with the reason and a
/// link to the project.
async fn notify_requesters(
    state: &AppState,
    db: &impl ConnectionTrait,
    doc: &dyn Signed,
    request: &signing_request::Model,
    outcome: Outcome<'_>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let pms = project_member::Entity::find()
        .filter(project_member::Column::ProjectId.eq(request.project_id))
        .filter(project_member::Column::Role.eq(crate::domain::types::MemberRole::Pm))
        .all(db)
        .await?;
    let ids: Vec<i32> = pms.iter().map(|m| m.user_id).chain(request.created_by).collect();
    let people = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .filter(user::Column::Disabled.eq(false))
        .all(db)
        .await?;
    let lang = state.settings.house().lang;
    let pages: Vec<String> = pages_of(request).into_iter().map(|p| doc.part_label(p, lang)).collect();
    let (declined, reason) = match outcome {
        Outcome::Signed => (false, None),
        Outcome::Declined(why) => (true, Some(why)),
    };
    let env = &state.templates.env;
    let mut told = std::collections::HashSet::new();
    for person in people {
        let Some(address) = person.email.clone() else { continue };
        if !told.insert(address.clone()) {
            continue;
        }
        let ctx = minijinja::context! {
            name => person.display_name,
            signer_name => request.signer_name,
            project_code => doc.project().code,
            project_name => doc.project().name,
            title => doc.title(),
            pages => pages,
            declined => declined,
            reason => reason,
            link => format!("{}/projects/{}", state.settings.base_url(), request.project_id),
        };
        let render = |name: &str| messages::render(env, name, &ctx);
        outbox::enqueue(
            db,
            outbox::NewEmail {
                key: format!("signing_outcome:{}:{}", request.id, person.id),
                kind: "signing_outcome".into(),
                project_id: Some(request.project_id),
                to_address: address,
                to_name: Some(person.display_name.clone()),
                subject: render("signing_outcome.subject.txt")?,
                text: render("signing_outcome.txt")?,
                html: None,
                calendar: None,
            },
            Duration::hours(state.settings.mail_retry_horizon_hours),
            now,
        )
        .await?;
    }
    Ok(())
}

/// A new request, its link, and the pages it took over from older open links.
pub struct Requested {
    pub request: signing_request::Model,
    pub link: String,
    /// (older request, the pages it no longer asks for); an older link left with none is revoked.
    pub taken_over: Vec<(i32, Vec<i32>)>,
}

/// Asks the client's signer to sign `pages` of a document (a test plan's page 0: its
/// 预验收证书): one e-mail with one link, or an on-site link returned to the caller. Parts already
/// out for signature through an older open link are taken over: that link keeps only what it alone
/// still asks for, and is revoked when nothing is left — a link never offers a part another link
/// may sign.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn request(
    state: &AppState,
    p: &Granted<impl MayRecordWork>,
    document: SignedDocument,
    id: i32,
    input: RequestInput,
    now: DateTime<Utc>,
) -> AppResult<Requested> {
    let txn = begin_write(&state.db).await?;
    let requested = request_within(state, &txn, p, document, id, input, now).await?;
    txn.commit().await?;
    Ok(requested)
}

/// [`request`] inside the caller's transaction, for a feature that makes the document and asks
/// for its signature in one step.
pub(crate) async fn request_within(
    state: &AppState,
    txn: &DatabaseTransaction,
    p: &Granted<impl MayRecordWork>,
    document: SignedDocument,
    id: i32,
    input: RequestInput,
    now: DateTime<Utc>,
) -> AppResult<Requested> {
    let (actor, project_id) = (p.actor(), p.id());
    let project = p.project().clone();
    let mut pages = input.pages;
    pages.sort_unstable();
    pages.dedup();
    if pages.is_empty() {
        return Err(AppError::invalid(
            "pages",
            "pages: the pages to sign (0 for the 预验收证书)",
        ));
    }
    let signable = Signable::load(txn, project, document, id).await?;
    let doc = signable.doc();
    let refusals: Vec<String> = pages.iter().filter_map(|p| doc.refuse(*p, SignParty::Client)).collect();
    if !refusals.is_empty() {
        return Err(AppError::Conflict(refusals.join("; ")));
    }
    let text = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let (named, addressed) = doc.client_signer();
    let signer_name = text(input.signer_name)
        .or(named)
        .ok_or_else(|| AppError::invalid("signer_name", "signer_name: who signs for the client"))?;
    let signer_email = match text(input.signer_email)
        .or(addressed)
        .filter(|e| e.contains('@') && !e.contains(char::is_whitespace))
    {
        Some(e) => e,
        // On site the signer is there with the tablet: no link to send (a caller often has no
        // e-mail address on file).
        None if input.on_site => String::new(),
        None => {
            return Err(AppError::invalid(
                "signer_email",
                "signer_email: the signer's e-mail address",
            ));
        }
    };
    let open = signing_request::Entity::find()
        .filter(signing_request::Column::Document.eq(document))
        .filter(signing_request::Column::DocumentId.eq(id))
        .filter(signing_request::Column::UsedAt.is_null())
        .filter(signing_request::Column::DeclinedAt.is_null())
        .filter(signing_request::Column::RevokedAt.is_null())
        .filter(signing_request::Column::ExpiresAt.gt(now))
        .all(txn)
        .await?;
    let mut taken_over = Vec::new();
    for older in open {
        let theirs = pages_of(&older);
        let (lost, kept): (Vec<i32>, Vec<i32>) = theirs.iter().partition(|page| pages.contains(page));
        if lost.is_empty() {
            continue;
        }
        let mut row: signing_request::ActiveModel = older.clone().into();
        if kept.is_empty() {
            row.revoked_at = Set(Some(now));
        } else {
            row.pages = Set(serde_json::to_string(&kept).map_err(|e| anyhow::anyhow!("pages: {e}"))?);
        }
        let older = row.update(txn).await?;
        event(
            txn,
            actor,
            &older,
            "taken_over",
            json!({"pages": lost, "kept": kept}),
            now,
        )
        .await?;
        taken_over.push((older.id, lost));
    }
    let (token, token_hash) = new_secret();
    let (method, expires_at) = if input.on_site {
        (SignMethod::OnSite, now + Duration::minutes(ON_SITE_MINUTES))
    } else {
        (
            SignMethod::EmailLink,
            now + Duration::days(state.settings.signing_link_days),
        )
    };
    let request = signing_request::ActiveModel {
        project_id: Set(project_id),
        document: Set(document),
        document_id: Set(id),
        signer_name: Set(signer_name),
        signer_email: Set(signer_email),
        signer_role: Set(text(input.signer_role).or(Some("甲方签字代表".into()))),
        pages: Set(serde_json::to_string(&pages).map_err(|e| anyhow::anyhow!("pages: {e}"))?),
        method: Set(method),
        token_hash: Set(token_hash),
        expires_at: Set(expires_at),
        reminders_sent: Set(0),
        last_sent_at: Set(now),
        created_by: Set(actor.id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let detail = json!({"pages": pages, "signer": request.signer_name, "email": request.signer_email,
                        "method": request.method, "expires_at": expires_at.to_rfc3339()});
    event(txn, actor, &request, "requested", detail, now).await?;
    if !input.on_site {
        enqueue_email(state, txn, doc, &request, &token, &actor.name, now).await?;
        event(txn, actor, &request, "sent", json!({"to": request.signer_email}), now).await?;
    }
    Ok(Requested {
        request,
        link: format!("/sign/{token}"),
        taken_over,
    })
}

#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn list(
    db: &DatabaseConnection,
    p: &Granted<impl MayRead>,
    document: SignedDocument,
    id: i32,
) -> AppResult<Vec<signing_request::Model>> {
    Ok(signing_request::Entity::find()
        .filter(signing_request::Column::ProjectId.eq(p.id()))
        .filter(signing_request::Column::Document.eq(document))
        .filter(signing_request::Column::DocumentId.eq(id))
        .order_by_asc(signing_request::Column::Id)
        .all(db)
        .await?)
}

#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn revoke(
    db: &DatabaseConnection,
    p: &Granted<impl MayRecordWork>,
    document: SignedDocument,
    id: i32,
    request_id: i32,
    now: DateTime<Utc>,
) -> AppResult<signing_request::Model> {
    let (actor, project_id) = (p.actor(), p.id());

    let txn = begin_write(db).await?;
    let request = signing_request::Entity::find_by_id(request_id)
        .filter(signing_request::Column::ProjectId.eq(project_id))
        .filter(signing_request::Column::Document.eq(document))
        .filter(signing_request::Column::DocumentId.eq(id))
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no signing request {request_id}")))?;
    if request.used_at.is_some() || request.declined_at.is_some() || request.revoked_at.is_some() {
        return Err(AppError::Conflict("the request is closed already".into()));
    }
    let mut row: signing_request::ActiveModel = request.into();
    row.revoked_at = Set(Some(now));
    let request = row.update(&txn).await?;
    event(&txn, actor, &request, "revoked", json!({}), now).await?;
    txn.commit().await?;
    Ok(request)
}

/// Why a link does not open to a signing form.
#[derive(Debug)]
pub enum LinkError {
    /// No such link (or a replaced one): 404.
    Unknown,
    /// Past its time or revoked: 410.
    Gone(String),
    /// Signed or declined already: 409.
    Closed(String),
    /// Too many failed attempts from this address: 429, retry after so many seconds.
    TooMany(u64),
    /// Input to fix on the form: 422, the form shown again.
    Invalid(String),
    /// The pages changed or cannot be signed any more: 409.
    Conflict(String),
    Internal(AppError),
}

/// An error from deeper down keeps its kind on the signing page: a conflict stays a 409, a value to
/// fix a 422 shown on the form; only the server's own failures are 500s.
impl From<AppError> for LinkError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid { message, .. } => LinkError::Invalid(message),
            e @ AppError::Rows { .. } => LinkError::Invalid(e.to_string()),
            AppError::Conflict(m) | AppError::Forbidden(m) => LinkError::Conflict(m),
            AppError::NotFound(_) | AppError::Unauthorized(_) => LinkError::Unknown,
            AppError::TooManyRequests { retry_after_secs, .. } => LinkError::TooMany(retry_after_secs),
            e @ (AppError::Busy { .. } | AppError::Internal(_)) => LinkError::Internal(e),
        }
    }
}

impl From<sea_orm::DbErr> for LinkError {
    fn from(e: sea_orm::DbErr) -> Self {
        LinkError::Internal(e.into())
    }
}

/// A part as the signer sees it (the same rows the document prints).
#[derive(Debug, Serialize)]
pub struct PageView {
    pub number: i32,
    pub label: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub ours: Option<String>,
    pub sha256: String,
}

/// Secrets a one-time link shows once, beside what is signed.
#[derive(Debug, Serialize)]
pub struct SecretsView {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// What the signing page shows.
#[derive(Debug, Serialize)]
pub struct SigningView {
    pub title: String,
    /// What the signer declares by signing.
    pub statement: String,
    /// What a part is counted as (页, 份).
    pub unit: &'static str,
    pub project_code: String,
    pub project_name: String,
    pub client: String,
    pub contractor: String,
    pub signer_name: String,
    pub signer_role: Option<String>,
    pub expires_on: String,
    pub pages: Vec<PageView>,
    pub open: bool,
    /// Shown once, on a one-time link's first opening.
    pub secrets: Option<SecretsView>,
}

/// The open request for `token`, or why there is none. Logs the first sight of an expired link.
async fn find(
    state: &AppState,
    token: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<signing_request::Model, LinkError> {
    let db = &state.db;
    // Every opening counts against the address's budget; a link that exists gives it back.
    let budget = throttle::address(&state.settings, address);
    match throttle::take(db, &budget, "failed attempts from this address", now).await {
        Err(AppError::TooManyRequests { retry_after_secs, .. }) => return Err(LinkError::TooMany(retry_after_secs)),
        other => other?,
    }
    let Some(request) = signing_request::Entity::find()
        .filter(signing_request::Column::TokenHash.eq(hash_secret(token.trim())))
        .one(db)
        .await?
    else {
        return Err(LinkError::Unknown);
    };
    throttle::give_back(db, &budget.key).await?;
    if request.used_at.is_some() {
        return Err(LinkError::Closed(
            "这些页面已经通过此链接签字，链接不能再次使用。".into(),
        ));
    }
    if request.declined_at.is_some() {
        return Err(LinkError::Closed("您已拒签，此链接已关闭。".into()));
    }
    if request.revoked_at.is_some() {
        return Err(LinkError::Gone("此签字链接已被撤销。".into()));
    }
    if request.expires_at <= now {
        let subject = format!("signing_request:{}", request.id);
        let logged = audit_event::Entity::find()
            .filter(audit_event::Column::Subject.eq(subject))
            .filter(audit_event::Column::Event.eq("expired"))
            .count(db)
            .await?
            > 0;
        if !logged {
            let txn = begin_write(db).await?;
            event(
                &txn,
                &signer_actor(&request),
                &request,
                "expired",
                json!({"expires_at": request.expires_at.to_rfc3339()}),
                now,
            )
            .await?;
            txn.commit().await?;
        }
        return Err(LinkError::Gone("此签字链接已过期，请联系项目主管重新发送。".into()));
    }
    Ok(request)
}

fn view(doc: &dyn Signed, request: &signing_request::Model, open: bool, house: &House) -> SigningView {
    let lang = house.lang;
    let project = doc.project();
    let tz = timezone_of(project);
    let pages: Vec<PageView> = pages_of(request)
        .into_iter()
        .map(|n| {
            let (columns, rows) = doc.part_table(n, lang);
            PageView {
                number: n,
                label: doc.part_label(n, lang),
                columns,
                rows,
                ours: doc.signature(n, SignParty::Ours).map(signed_text),
                sha256: doc.content_sha256(n).unwrap_or_default(),
            }
        })
        .collect();
    SigningView {
        title: doc.title(),
        statement: doc.statement(&project.client_name, pages.len()),
        unit: doc.part_unit(),
        project_code: project.code.clone(),
        project_name: project.name.clone(),
        client: project.client_name.clone(),
        contractor: house.letterhead.company.clone(),
        signer_name: request.signer_name.clone(),
        signer_role: request.signer_role.clone(),
        expires_on: request
            .expires_at
            .with_timezone(&tz)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        pages,
        open,
        secrets: None,
    }
}

async fn document_of(db: &impl ConnectionTrait, request: &signing_request::Model) -> AppResult<Signable> {
    let project = project::Entity::find_by_id(request.project_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("the project is gone"))?;
    Signable::load(db, project, request.document, request.document_id).await
}

/// The pages behind a link, as the signer sees them; the first opening is logged.
#[tracing::instrument(skip_all)]
pub async fn open(state: &AppState, token: &str, address: &str, now: DateTime<Utc>) -> Result<SigningView, LinkError> {
    let request = find(state, token, address, now).await?;
    let signable = document_of(&state.db, &request).await?;
    let doc = signable.doc();
    let txn = begin_write(&state.db).await?;
    // Claimed in one statement, so of two simultaneous first openings only one shows the secrets.
    let first = signing_request::Entity::update_many()
        .col_expr(signing_request::Column::OpenedAt, Expr::value(now))
        .filter(signing_request::Column::Id.eq(request.id))
        .filter(signing_request::Column::OpenedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !first && doc.reveals_once() {
        return Err(LinkError::Gone(
            "此链接已打开过一次。为保护口令安全，链接只能打开一次；如需再次查看，请联系乙方项目经理重新移交。".into(),
        ));
    }
    let mut shown = view(doc, &request, true, &state.settings.house());
    if first {
        event(
            &txn,
            &signer_actor(&request),
            &request,
            "opened",
            json!({"ip": address}),
            now,
        )
        .await?;
    }
    if doc.reveals_once() {
        shown.secrets = signable.secrets(&state.vault)?;
        event(
            &txn,
            &signer_actor(&request),
            &request,
            "revealed",
            json!({"ip": address}),
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(shown)
}

/// The form behind a link shown again (after input to fix), without counting as an opening and
/// without the secrets a one-time link showed.
pub async fn form_again(
    state: &AppState,
    token: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<SigningView, LinkError> {
    let request = find(state, token, address, now).await?;
    let signable = document_of(&state.db, &request).await?;
    Ok(view(signable.doc(), &request, true, &state.settings.house()))
}

/// What the signer posted.
pub struct SignForm {
    pub typed_name: String,
    pub consent: bool,
    /// Each page's SHA-256 as it was shown: signing what was not seen is refused.
    pub seen: Vec<(i32, String)>,
    pub evidence: Evidence,
}

fn same_name(a: &str, b: &str) -> bool {
    let squeeze = |s: &str| {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_lowercase()
    };
    squeeze(a) == squeeze(b)
}

/// Signs every page of the request for the client, all or none.
#[tracing::instrument(skip_all)]
pub async fn sign(state: &AppState, token: &str, form: SignForm, now: DateTime<Utc>) -> Result<SigningView, LinkError> {
    let address = form.evidence.ip_address.clone().unwrap_or_default();
    let request = find(state, token, &address, now).await?;
    if !form.consent {
        return Err(LinkError::Invalid("请勾选同意声明后再签字。".into()));
    }
    if !same_name(&form.typed_name, &request.signer_name) {
        // A wrong name counts as a failed attempt from this address.
        let budget = throttle::address(&state.settings, &address);
        match throttle::take(&state.db, &budget, "failed attempts from this address", now).await {
            Ok(()) | Err(AppError::TooManyRequests { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        return Err(LinkError::Invalid(format!(
            "输入的姓名与签字人（{}）不一致。",
            request.signer_name
        )));
    }
    let txn = begin_write(&state.db).await?;
    let signable = document_of(&txn, &request).await?;
    let doc = signable.doc();
    let actor = signer_actor(&request);
    let lang = state.settings.house().lang;
    for page in pages_of(&request) {
        // Said to the client in Chinese; the service's reason (for the PM) goes to the log.
        if let Some(why) = doc.refuse(page, SignParty::Client) {
            tracing::info!(page, why, "a link cannot sign a part");
            let label = doc.part_label(page, lang);
            return Err(LinkError::Conflict(match doc.signature(page, SignParty::Client) {
                Some(s) => format!("{label}已由{}于 {} 签字，无需再签。", s.signer_name, s.signed_local),
                None => format!("{label}的内容已有变化，暂不能签字，请联系乙方项目主管。"),
            }));
        }
        let now_hash = doc.content_sha256(page).unwrap_or_default();
        let seen = form.seen.iter().find(|(p, _)| *p == page).map(|(_, h)| h.as_str());
        if seen != Some(now_hash.as_str()) {
            return Err(LinkError::Conflict(format!(
                "{}的内容在您打开后已变更，请刷新页面重新审阅。",
                doc.part_label(page, lang)
            )));
        }
        store_signature(
            &txn,
            &actor,
            doc,
            NewSignature {
                part: page,
                party: SignParty::Client,
                signer_name: request.signer_name.clone(),
                signer_email: Some(request.signer_email.clone()).filter(|e| !e.is_empty()),
                signer_role: request.signer_role.clone(),
                user_id: None,
                request_id: Some(request.id),
                method: request.method,
                evidence: &form.evidence,
            },
            now,
        )
        .await?;
    }
    let mut row: signing_request::ActiveModel = request.clone().into();
    row.used_at = Set(Some(now));
    let request = row.update(&txn).await?;
    let signable = document_of(&txn, &request).await?;
    signable.after_signed(&txn, &actor, now).await?;
    notify_requesters(state, &txn, signable.doc(), &request, Outcome::Signed, now).await?;
    txn.commit().await?;
    Ok(view(signable.doc(), &request, false, &state.settings.house()))
}

/// The signer declines, saying why; the request closes.
#[tracing::instrument(skip_all)]
pub async fn decline(
    state: &AppState,
    token: &str,
    reason: &str,
    evidence: Evidence,
    now: DateTime<Utc>,
) -> Result<SigningView, LinkError> {
    let address = evidence.ip_address.clone().unwrap_or_default();
    let request = find(state, token, &address, now).await?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(LinkError::Invalid("拒签请写明原因。".into()));
    }
    let txn = begin_write(&state.db).await?;
    let mut row: signing_request::ActiveModel = request.clone().into();
    row.declined_at = Set(Some(now));
    row.decline_reason = Set(Some(reason.into()));
    let request = row.update(&txn).await?;
    event(
        &txn,
        &signer_actor(&request),
        &request,
        "declined",
        json!({"reason": reason, "ip": evidence.ip_address, "user_agent": evidence.user_agent}),
        now,
    )
    .await?;
    let signable = document_of(&txn, &request).await?;
    notify_requesters(state, &txn, signable.doc(), &request, Outcome::Declined(reason), now).await?;
    txn.commit().await?;
    Ok(view(signable.doc(), &request, false, &state.settings.house()))
}

/// Re-sends open e-mailed requests every two days, five times at most; each reminder carries a
/// fresh link (only hashes are stored, so the old link cannot be re-sent) and the old one stops
/// working. Returns how many reminders were queued.
#[tracing::instrument(skip_all)]
pub async fn remind(state: &AppState, now: DateTime<Utc>) -> AppResult<usize> {
    let db = &state.db;
    let due = signing_request::Entity::find()
        .filter(signing_request::Column::Method.eq(SignMethod::EmailLink))
        .filter(signing_request::Column::UsedAt.is_null())
        .filter(signing_request::Column::DeclinedAt.is_null())
        .filter(signing_request::Column::RevokedAt.is_null())
        .filter(signing_request::Column::ExpiresAt.gt(now))
        .filter(signing_request::Column::RemindersSent.lt(MAX_REMINDERS))
        .filter(signing_request::Column::LastSentAt.lte(now - Duration::days(REMIND_EVERY_DAYS)))
        .all(db)
        .await?;
    let system = Actor::system();
    let mut sent = 0;
    for request in due {
        let txn = begin_write(db).await?;
        let (token, token_hash) = new_secret();
        let mut row: signing_request::ActiveModel = request.clone().into();
        row.token_hash = Set(token_hash);
        row.reminders_sent = Set(request.reminders_sent + 1);
        row.last_sent_at = Set(now);
        let request = row.update(&txn).await?;
        let signable = document_of(&txn, &request).await?;
        enqueue_email(state, &txn, signable.doc(), &request, &token, &system.name, now).await?;
        event(
            &txn,
            &system,
            &request,
            "reminded",
            json!({"reminder": request.reminders_sent}),
            now,
        )
        .await?;
        txn.commit().await?;
        sent += 1;
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_from_below_keep_their_kind_on_the_signing_page() {
        assert!(matches!(
            LinkError::from(AppError::Conflict("page 2 changed".into())),
            LinkError::Conflict(m) if m == "page 2 changed"
        ));
        assert!(matches!(
            LinkError::from(AppError::invalid("typed_name", "typed_name: required")),
            LinkError::Invalid(_)
        ));
        assert!(matches!(
            LinkError::from(AppError::not_found("no plan 3")),
            LinkError::Unknown
        ));
        assert!(matches!(
            LinkError::from(AppError::TooManyRequests {
                message: "too many".into(),
                retry_after_secs: 60
            }),
            LinkError::TooMany(60)
        ));
        assert!(matches!(
            LinkError::from(AppError::Internal(anyhow::anyhow!("disk full"))),
            LinkError::Internal(_)
        ));
    }
}
