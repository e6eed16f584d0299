//! The handover of the nine technical documents: the checklist from the register, the handover
//! with its 技术文档交付备忘录 sent to the client to sign on receipt, and our signature.
use chrono::{DateTime, Utc};
use poem::Request;
use poem_openapi::{Object, OpenApi, param::Path, payload::Json};

use super::test_plans::{SigningRequestDto, TestSignatureDto, request_dto};
use super::{ApiTags, BearerAuth, grant};
use crate::domain::types::{SignParty, SignedDocument};
use crate::{
    error::{ApiResult, AppError},
    service::{
        access::{Manage, Read, RecordWork},
        document_handover::{self, HandoverData, HandoverInput, LineInput, MEMO},
        signing::{self, Signable, Signed},
    },
    state::AppState,
};

pub struct DocumentHandoverApi {
    state: AppState,
}

impl DocumentHandoverApi {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

/// One of the nine documents and where it stands in the register.
#[derive(Object)]
struct ChecklistLineDto {
    /// The form's key, e.g. installation-list.
    form: String,
    /// Its title, e.g. 现场安装一览表.
    title: String,
    /// The latest issued version's number.
    #[oai(nullable)]
    number: Option<String>,
    /// The latest issued version.
    #[oai(nullable)]
    version: Option<i32>,
    /// When it was issued.
    #[oai(nullable)]
    issued_at: Option<DateTime<Utc>>,
    /// Its register id (for its copies).
    #[oai(nullable)]
    document_id: Option<i32>,
    /// Issued, and it still prints what the records say.
    ready: bool,
    /// What keeps it from being handed over.
    #[oai(nullable)]
    problem: Option<String>,
}

/// A document as it was handed over.
#[derive(Object)]
struct HandedDocumentDto {
    /// The form's key.
    form: String,
    /// Its title.
    title: String,
    /// Its number in the register.
    number: String,
    /// The version handed over.
    version: i32,
    /// The day that version was issued.
    issued_on: String,
    /// Its pages, where stated.
    #[oai(nullable)]
    pages: Option<i32>,
    /// Copies handed over.
    copies: i32,
}

/// A handover of the technical documents: to whom, which, and its signatures.
#[derive(Object)]
struct DocumentHandoverDto {
    /// Identifier.
    id: i32,
    /// The client's recipient.
    recipient_name: String,
    /// Their address (the signing link goes there).
    recipient_email: String,
    /// The documents.
    items: Vec<HandedDocumentDto>,
    /// When it was made.
    created_at: DateTime<Utc>,
    /// When the client signed for it.
    #[oai(nullable)]
    acknowledged_at: Option<DateTime<Utc>>,
    /// SHA-256 of the 技术文档交付备忘录's content, which the signatures cover.
    content_sha256: String,
    /// Our signature.
    #[oai(nullable)]
    ours: Option<TestSignatureDto>,
    /// The client's signature.
    #[oai(nullable)]
    client: Option<TestSignatureDto>,
    /// The request that carried the link, in the answer that makes the handover.
    #[oai(nullable)]
    request: Option<SigningRequestDto>,
}

fn handover_dto(d: &HandoverData, request: Option<SigningRequestDto>) -> DocumentHandoverDto {
    DocumentHandoverDto {
        id: d.handover.id,
        recipient_name: d.handover.recipient_name.clone(),
        recipient_email: d.handover.recipient_email.clone(),
        items: d
            .items
            .iter()
            .map(|i| HandedDocumentDto {
                form: i.form.clone(),
                title: i.title.clone(),
                number: i.number.clone(),
                version: i.version,
                issued_on: i.issued_on.clone(),
                pages: i.pages,
                copies: i.copies,
            })
            .collect(),
        created_at: d.handover.created_at,
        acknowledged_at: d.handover.acknowledged_at,
        content_sha256: d.content_sha256(MEMO).unwrap_or_default(),
        ours: d.signature(MEMO, SignParty::Ours).map(Into::into),
        client: d.signature(MEMO, SignParty::Client).map(Into::into),
        request,
    }
}

/// The nine documents and their handovers.
#[derive(Object)]
struct DocumentHandoverStateDto {
    /// The nine, in the plan's order.
    checklist: Vec<ChecklistLineDto>,
    /// Every handover, oldest first.
    handovers: Vec<DocumentHandoverDto>,
}

/// One document's pages and copies.
#[derive(Object)]
struct HandoverLineRequest {
    /// The form's key, one of the nine.
    form: String,
    /// Its pages as printed.
    #[oai(nullable)]
    pages: Option<i32>,
    /// Copies handed over (1 to 100).
    copies: i32,
}

/// To whom the documents go.
#[derive(Object)]
struct DocumentHandoverRequest {
    /// The client's recipient.
    recipient_name: String,
    /// Where the signing link goes.
    recipient_email: String,
    /// Their role, e.g. 信息中心主任.
    #[oai(nullable)]
    recipient_role: Option<String>,
    /// Pages and copies per document; one copy, pages blank, for a document not named.
    #[oai(default)]
    lines: Vec<HandoverLineRequest>,
}

#[OpenApi(tag = "ApiTags::Acceptance")]
impl DocumentHandoverApi {
    /// The nine documents and their handovers
    ///
    /// Each of the nine with its latest issued version and whether it can be handed over (issued,
    /// and still printing what the records say); every handover with its signatures.
    #[oai(
        path = "/projects/:id/document-handover",
        method = "get",
        operation_id = "get_document_handover"
    )]
    async fn get(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
    ) -> ApiResult<Json<DocumentHandoverStateDto>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let house = self.state.settings.house();
        let list = document_handover::checklist(&self.state.db, &p, &house).await?;
        let handovers = document_handover::handovers(&self.state.db, &p).await?;
        Ok(Json(DocumentHandoverStateDto {
            checklist: list
                .iter()
                .map(|l| {
                    let latest = l.status.latest.as_ref();
                    let problem = l.problem().map(|b| b.en);
                    ChecklistLineDto {
                        form: l.kind.key().into(),
                        title: l.kind.title(house.lang).into(),
                        number: latest.map(|d| d.number.clone()),
                        version: latest.map(|d| d.version),
                        issued_at: latest.map(|d| d.issued_at),
                        document_id: latest.map(|d| d.id),
                        ready: problem.is_none(),
                        problem,
                    }
                })
                .collect(),
            handovers: handovers.iter().map(|d| handover_dto(d, None)).collect(),
        }))
    }

    /// Hand the nine documents over
    ///
    /// Each must be issued and current (409 naming every one that is not). The client's recipient
    /// gets a link by e-mail to sign the 技术文档交付备忘录 on receipt; their signature enters every
    /// copy in the distribution register and completes the 文档移交 task.
    #[oai(
        path = "/projects/:id/document-handovers",
        method = "post",
        operation_id = "hand_over_documents"
    )]
    async fn hand_over(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        body: Json<DocumentHandoverRequest>,
    ) -> ApiResult<Json<DocumentHandoverDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let b = body.0;
        let (data, requested) = document_handover::hand_over(
            &self.state,
            &p,
            HandoverInput {
                recipient_name: b.recipient_name,
                recipient_email: b.recipient_email,
                recipient_role: b.recipient_role,
                lines: b
                    .lines
                    .into_iter()
                    .map(|l| LineInput {
                        form: l.form,
                        pages: l.pages,
                        copies: l.copies,
                    })
                    .collect(),
            },
            Utc::now(),
        )
        .await?;
        Ok(Json(handover_dto(&data, Some(request_dto(&requested.request, None)))))
    }

    /// Sign a 技术文档交付备忘录 for our side
    #[oai(
        path = "/projects/:id/document-handovers/:handover/sign",
        method = "post",
        operation_id = "sign_document_handover"
    )]
    async fn sign(
        &self,
        req: &Request,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Handover id.
        handover: Path<i32>,
    ) -> ApiResult<Json<DocumentHandoverDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let signed = signing::sign_in_app(
            &self.state.db,
            &p,
            SignedDocument::DocumentHandover,
            handover.0,
            MEMO,
            super::evidence(req),
            Utc::now(),
        )
        .await?;
        match signed {
            Signable::DocumentHandover(d) => Ok(Json(handover_dto(&d, None))),
            _ => Err(AppError::Internal(anyhow::anyhow!("a document handover loaded as another document")).into()),
        }
    }
}
