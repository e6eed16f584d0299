//! The 口令 handover: the delivered system's accounts (passwords sealed, never listed), a PM's
//! reveal after re-entering their own password, and the handover to the client's designated
//! person by a link that opens once.
use chrono::{DateTime, Utc};
use poem::Request;
use poem_openapi::{Object, OpenApi, param::Path, payload::Json};

use super::test_plans::{SigningRequestDto, TestSignatureDto, request_dto};
use super::types::OneOf;
use super::{ApiTags, BearerAuth, grant};
use crate::domain::types::{self as kinds, CredentialKind, SignParty, SignedDocument};
use crate::{
    error::{ApiResult, AppError},
    service::{
        access::{Manage, Read, RecordWork},
        credentials::{self, CredentialInput, HANDOVER, HandoverData, HandoverInput},
        signing::{self, Signable, Signed},
    },
    state::AppState,
};

pub struct CredentialsApi {
    state: AppState,
}

impl CredentialsApi {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

/// A device or system account of the delivered system; its password is never listed.
#[derive(Object)]
struct CredentialDto {
    /// Identifier.
    id: i32,
    /// The device or system.
    target: String,
    /// device or system.
    kind: OneOf<kinds::CredentialKind>,
    /// Where to log in.
    #[oai(nullable)]
    address: Option<String>,
    /// The account.
    account: String,
    /// What it may do.
    #[oai(nullable)]
    role: Option<String>,
    /// Remark.
    #[oai(nullable)]
    remark: Option<String>,
    /// Last change.
    updated_at: DateTime<Utc>,
}

fn credential_dto(c: &entity::credential::Model) -> CredentialDto {
    CredentialDto {
        id: c.id,
        target: c.target.clone(),
        kind: c.kind.into(),
        address: c.address.clone(),
        account: c.account.clone(),
        role: c.role.clone(),
        remark: c.remark.clone(),
        updated_at: c.updated_at,
    }
}

/// An account to record or change.
#[derive(Object)]
struct CredentialRequest {
    /// The device or system, e.g. 核心交换机 S7706.
    target: String,
    /// device or system.
    kind: OneOf<kinds::CredentialKind>,
    /// Where to log in: an address or URL.
    #[oai(nullable)]
    address: Option<String>,
    /// The account.
    account: String,
    /// The password: required for a new account; empty on a change keeps the old one.
    #[oai(nullable)]
    password: Option<String>,
    /// What it may do, e.g. 管理员.
    #[oai(nullable)]
    role: Option<String>,
    /// Remark.
    #[oai(nullable)]
    remark: Option<String>,
}

impl CredentialRequest {
    fn into_input(self) -> Result<CredentialInput, AppError> {
        Ok(CredentialInput {
            target: self.target,
            kind: CredentialKind::parse(&self.kind)?,
            address: self.address,
            account: self.account,
            password: self.password,
            role: self.role,
            remark: self.remark,
        })
    }
}

/// Your own login password, to reveal an account's.
#[derive(Object)]
struct RevealRequest {
    /// The password you log in with.
    password: String,
}

/// A revealed password.
#[derive(Object)]
struct RevealedDto {
    /// The account.
    account: String,
    /// Its password.
    password: String,
}

/// Who receives the passwords, and which.
#[derive(Object)]
struct HandoverRequest {
    /// The client's designated person.
    recipient_name: String,
    /// Where the one-time link goes (never the passwords).
    recipient_email: String,
    /// Their role, e.g. 信息中心主任.
    #[oai(nullable)]
    recipient_role: Option<String>,
    /// The accounts to hand over; all of the project's when empty.
    #[oai(default)]
    credentials: Vec<i32>,
}

/// One account as the 口令移交单 lists it (no password).
#[derive(Object)]
struct HandedOverDto {
    /// The account's id.
    id: i32,
    /// The device or system.
    target: String,
    /// device or system.
    kind: String,
    /// Where to log in.
    #[oai(nullable)]
    address: Option<String>,
    /// The account.
    account: String,
    /// What it may do.
    #[oai(nullable)]
    role: Option<String>,
}

/// A handover of passwords: to whom, what, and its signatures.
#[derive(Object)]
struct HandoverDto {
    /// Identifier.
    id: i32,
    /// The client's designated person.
    recipient_name: String,
    /// Their address.
    recipient_email: String,
    /// What was handed over.
    items: Vec<HandedOverDto>,
    /// When it was made.
    created_at: DateTime<Utc>,
    /// When the recipient signed for it.
    #[oai(nullable)]
    acknowledged_at: Option<DateTime<Utc>>,
    /// SHA-256 of the 口令移交单's content, which the signatures cover.
    content_sha256: String,
    /// Our signature.
    #[oai(nullable)]
    ours: Option<TestSignatureDto>,
    /// The recipient's signature.
    #[oai(nullable)]
    client: Option<TestSignatureDto>,
    /// The request that carried the link, in the answer that makes the handover.
    #[oai(nullable)]
    request: Option<SigningRequestDto>,
}

fn handover_dto(d: &HandoverData, request: Option<SigningRequestDto>) -> HandoverDto {
    HandoverDto {
        id: d.handover.id,
        recipient_name: d.handover.recipient_name.clone(),
        recipient_email: d.handover.recipient_email.clone(),
        items: d
            .items
            .iter()
            .map(|i| HandedOverDto {
                id: i.id,
                target: i.target.clone(),
                kind: i.kind.clone(),
                address: i.address.clone(),
                account: i.account.clone(),
                role: i.role.clone(),
            })
            .collect(),
        created_at: d.handover.created_at,
        acknowledged_at: d.handover.acknowledged_at,
        content_sha256: d.content_sha256(HANDOVER).unwrap_or_default(),
        ours: d.signature(HANDOVER, SignParty::Ours).map(Into::into),
        client: d.signature(HANDOVER, SignParty::Client).map(Into::into),
        request,
    }
}

#[OpenApi(tag = "ApiTags::Acceptance")]
impl CredentialsApi {
    /// The project's device and system accounts
    ///
    /// Without their passwords: a PM reveals one by re-entering their own password.
    #[oai(
        path = "/projects/:id/credentials",
        method = "get",
        operation_id = "list_credentials"
    )]
    async fn list(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
    ) -> ApiResult<Json<Vec<CredentialDto>>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let list = credentials::list(&self.state.db, &p).await?;
        Ok(Json(list.iter().map(credential_dto).collect()))
    }

    /// Record an account
    ///
    /// Its password is sealed at rest (AES-256-GCM) and never listed.
    #[oai(path = "/projects/:id/credentials", method = "post", operation_id = "add_credential")]
    async fn add(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        body: Json<CredentialRequest>,
    ) -> ApiResult<Json<CredentialDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let row = credentials::add(&self.state, &p, body.0.into_input()?, Utc::now()).await?;
        Ok(Json(credential_dto(&row)))
    }

    /// Change an account
    ///
    /// A new password is sealed anew; none keeps the old one.
    #[oai(
        path = "/projects/:id/credentials/:credential",
        method = "put",
        operation_id = "update_credential"
    )]
    async fn update(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Account id.
        credential: Path<i32>,
        body: Json<CredentialRequest>,
    ) -> ApiResult<Json<CredentialDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let row = credentials::update(&self.state, &p, credential.0, body.0.into_input()?, Utc::now()).await?;
        Ok(Json(credential_dto(&row)))
    }

    /// Reveal an account's password
    ///
    /// For the project's PM, after re-entering their own login password (a wrong one is 422, five
    /// within 15 minutes 429); every reveal and refusal is in the audit log.
    #[oai(
        path = "/projects/:id/credentials/:credential/reveal",
        method = "post",
        operation_id = "reveal_credential"
    )]
    async fn reveal(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Account id.
        credential: Path<i32>,
        body: Json<RevealRequest>,
    ) -> ApiResult<Json<RevealedDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let (account, password) =
            credentials::reveal(&self.state, &p, credential.0, &body.0.password, Utc::now()).await?;
        Ok(Json(RevealedDto {
            account: account.account,
            password,
        }))
    }

    /// Hand passwords over to the client
    ///
    /// After the initial acceptance is signed by both. The recipient gets a link by e-mail —
    /// never a password — that opens once, shows the passwords and asks them to sign the
    /// 口令移交单; their signature starts the trial run.
    #[oai(
        path = "/projects/:id/credential-handovers",
        method = "post",
        operation_id = "hand_over_credentials"
    )]
    async fn hand_over(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        body: Json<HandoverRequest>,
    ) -> ApiResult<Json<HandoverDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let b = body.0;
        let (data, requested) = credentials::hand_over(
            &self.state,
            &p,
            HandoverInput {
                recipient_name: b.recipient_name,
                recipient_email: b.recipient_email,
                recipient_role: b.recipient_role,
                credentials: b.credentials,
            },
            Utc::now(),
        )
        .await?;
        Ok(Json(handover_dto(&data, Some(request_dto(&requested.request, None)))))
    }

    /// The project's password handovers
    #[oai(
        path = "/projects/:id/credential-handovers",
        method = "get",
        operation_id = "list_credential_handovers"
    )]
    async fn handovers(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
    ) -> ApiResult<Json<Vec<HandoverDto>>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let list = credentials::handovers(&self.state.db, &p).await?;
        Ok(Json(list.iter().map(|d| handover_dto(d, None)).collect()))
    }

    /// Sign a 口令移交单 for our side
    #[oai(
        path = "/projects/:id/credential-handovers/:handover/sign",
        method = "post",
        operation_id = "sign_credential_handover"
    )]
    async fn sign(
        &self,
        req: &Request,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Handover id.
        handover: Path<i32>,
    ) -> ApiResult<Json<HandoverDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let signed = signing::sign_in_app(
            &self.state.db,
            &p,
            SignedDocument::PasswordHandover,
            handover.0,
            HANDOVER,
            super::evidence(req),
            Utc::now(),
        )
        .await?;
        match signed {
            Signable::PasswordHandover(d) => Ok(Json(handover_dto(&d, None))),
            _ => Err(AppError::Internal(anyhow::anyhow!("a handover loaded as another document")).into()),
        }
    }
}
