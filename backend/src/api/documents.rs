//! The project's forms as Word documents, the document register and its distribution log, and
//! the work log.
use super::grant;
use crate::service::access::{Manage, Read, RecordWork};
use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::{Binary, Json},
};

use super::types::{DateText, OneOf, Readiness};
use super::{ApiTags, BearerAuth};
use crate::{
    error::{ApiResult, AppError},
    service::documents::{self, CopyInput, WorkLogInput},
    state::AppState,
};

pub struct DocumentsApi {
    state: AppState,
}

impl DocumentsApi {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

/// A version of a form entered in the register.
#[derive(Object)]
struct IssuedDto {
    /// Identifier (for distribution entries).
    id: i32,
    /// The form's key, e.g. inspection-record.
    form: String,
    /// Project code + form code + sequence, e.g. ZJFY-2026-018-JY-01.
    number: String,
    /// 1 for the first issue, then +1 for each change.
    version: i32,
    /// The form's title.
    title: String,
    /// Printed in the footer; anyone can check it at /verify/{code}.
    verify_code: String,
    /// SHA-256 of the .docx as issued.
    file_sha256: String,
    /// SHA-256 of the content it prints.
    data_sha256: String,
    /// Who issued it.
    #[oai(nullable)]
    issued_by: Option<i32>,
    /// When it was issued.
    issued_at: DateTime<Utc>,
    /// Where to download this version.
    download: String,
}

fn issued_dto(project_id: i32, d: &entity::issued_document::Model) -> IssuedDto {
    IssuedDto {
        id: d.id,
        form: d.form.clone(),
        number: d.number.clone(),
        version: d.version,
        title: d.title.clone(),
        verify_code: d.verify_code.clone(),
        file_sha256: d.file_sha256.clone(),
        data_sha256: d.data_sha256.clone(),
        issued_by: d.issued_by,
        issued_at: d.issued_at,
        download: format!(
            "/api/projects/{project_id}/documents/{}.docx?version={}",
            d.form, d.version
        ),
    }
}

/// A form of the project and whether it can be issued.
#[derive(Object)]
struct FormDto {
    /// Key used in paths, e.g. inspection-record.
    form: String,
    /// 设备进场检验记录 …
    title: String,
    /// `ready` (complete: can be issued) or `draft` (see `missing`).
    readiness: OneOf<Readiness>,
    /// What the data still lacks; empty when ready.
    missing: Vec<String>,
    /// The latest issued version, if any.
    #[oai(nullable)]
    latest: Option<IssuedDto>,
    /// Whether the latest issued version still prints what the data says now.
    latest_is_current: bool,
    /// GET this for the .docx (the current issued version, else a draft marked 草稿).
    download: String,
}

/// Copies handed out of an issued document.
#[derive(Object)]
struct CopyDto {
    /// Identifier.
    id: i32,
    /// The issued document.
    document_id: i32,
    /// To whom.
    recipient: String,
    /// When it was handed out.
    handed_at: DateTime<Utc>,
    /// 当面, 邮寄, 电子邮件 …
    method: String,
    /// How many copies.
    copies: i32,
    /// Anything worth noting.
    #[oai(nullable)]
    note: Option<String>,
    /// Who recorded the entry.
    #[oai(nullable)]
    recorded_by: Option<i32>,
    /// Set when the copy was reported lost.
    #[oai(nullable)]
    lost_reported_at: Option<DateTime<Utc>>,
    /// How and when the copy was lost.
    #[oai(nullable)]
    lost_note: Option<String>,
}

impl From<entity::document_copy::Model> for CopyDto {
    fn from(c: entity::document_copy::Model) -> Self {
        Self {
            id: c.id,
            document_id: c.document_id,
            recipient: c.recipient,
            handed_at: c.handed_at,
            method: c.method,
            copies: c.copies,
            note: c.note,
            recorded_by: c.recorded_by,
            lost_reported_at: c.lost_reported_at,
            lost_note: c.lost_note,
        }
    }
}

#[derive(Object)]
struct CopyRequest {
    /// To whom the copies were handed.
    recipient: String,
    /// When (default: now).
    #[oai(nullable)]
    handed_at: Option<DateTime<Utc>>,
    /// How: 当面, 邮寄, 电子邮件 …
    method: String,
    /// How many copies (1–1000).
    copies: i32,
    /// Anything worth noting.
    #[oai(nullable)]
    note: Option<String>,
}

#[derive(Object)]
struct LostRequest {
    /// How and when the copy was lost.
    note: String,
}

#[derive(Object)]
struct WorkLogDto {
    /// Identifier.
    id: i32,
    /// The day on site.
    work_date: NaiveDate,
    /// Who was on site.
    people: String,
    /// What was done.
    work_done: String,
    /// Problems found or left open.
    #[oai(nullable)]
    problems: Option<String>,
    /// Who recorded it.
    #[oai(nullable)]
    recorded_by: Option<i32>,
    /// When it was recorded.
    recorded_at: DateTime<Utc>,
}

impl From<entity::work_log::Model> for WorkLogDto {
    fn from(w: entity::work_log::Model) -> Self {
        Self {
            id: w.id,
            work_date: w.work_date,
            people: w.people,
            work_done: w.work_done,
            problems: w.problems,
            recorded_by: w.recorded_by,
            recorded_at: w.recorded_at,
        }
    }
}

#[derive(Object)]
struct WorkLogRequest {
    /// YYYY-MM-DD.
    work_date: DateText,
    /// Who was on site, as written on the form.
    people: String,
    /// What was done.
    work_done: String,
    /// Problems found or left open.
    #[oai(nullable)]
    problems: Option<String>,
}

#[derive(ApiResponse)]
enum IssueResponse {
    /// A new version was entered in the register.
    #[oai(status = 201)]
    Created(Json<IssuedDto>),
    /// Nothing changed since the latest version: that version.
    #[oai(status = 200)]
    Unchanged(Json<IssuedDto>),
}

#[derive(ApiResponse)]
enum DocxResponse {
    /// The .docx. `X-Document-Status` says `issued` or `draft`; a draft lists what is missing
    /// in `X-Document-Missing` (URL-encoded, separated by `; `).
    #[oai(
        status = 200,
        content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )]
    Ok(
        Binary<Vec<u8>>,
        /// `attachment` with the file's name, in ASCII and (RFC 6266 `filename*`) in UTF-8.
        #[oai(header = "Content-Disposition")]
        String,
        #[oai(header = "X-Document-Status")] String,
        #[oai(header = "X-Document-Missing")] String,
    ),
}

/// `attachment` naming the file as RFC 6266 says: an ASCII `filename` for old clients (other
/// characters as `_`) and the real name, percent-encoded UTF-8, as `filename*`.
pub(crate) fn content_disposition(file_name: &str) -> String {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = file_name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// Percent-encodes what is not safe in a header value.
fn header_safe(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b' ' | b';' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[OpenApi(tag = "ApiTags::Documents")]
impl DocumentsApi {
    /// List the project's forms
    ///
    /// Every form with its readiness (what data is missing), its latest issued version and where
    /// to download it.
    #[oai(path = "/projects/:id/documents", method = "get", operation_id = "list_documents")]
    async fn list(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
    ) -> ApiResult<Json<Vec<FormDto>>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let house = self.state.settings.house();
        let forms = documents::forms(&self.state.db, &p, &house).await?;
        Ok(Json(
            forms
                .iter()
                .map(|f| {
                    let kind = f.current.kind;
                    FormDto {
                        form: kind.key().into(),
                        title: kind.title(house.lang).into(),
                        readiness: if f.current.prepared.missing.is_empty() {
                            "ready"
                        } else {
                            "draft"
                        }
                        .into(),
                        missing: f.current.prepared.missing.clone(),
                        latest: f.latest.as_ref().map(|l| issued_dto(id.0, l)),
                        latest_is_current: f.issued_is_current(),
                        download: format!("/api/projects/{}/documents/{}.docx", id.0, kind.key()),
                    }
                })
                .collect(),
        ))
    }

    /// Download a form as .docx
    ///
    /// `{file}` is the form's key with `.docx`, e.g. `inspection-record.docx`. Without `version`:
    /// the latest issued version while it still prints what the data says, else a draft made now
    /// (marked 草稿, no number).
    #[oai(
        path = "/projects/:id/documents/:file",
        method = "get",
        operation_id = "download_document"
    )]
    async fn download(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// `<form>.docx`.
        file: Path<String>,
        /// An issued version.
        version: Query<Option<i32>>,
    ) -> ApiResult<DocxResponse> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let key = file
            .0
            .strip_suffix(".docx")
            .ok_or_else(|| AppError::not_found(format!("'{}': ask for <form>.docx", file.0)))?;
        let house = self.state.settings.house();
        let doc = documents::download(&self.state.db, &self.state.files, &p, &house, key, version.0).await?;
        let status = if doc.issued.is_some() { "issued" } else { "draft" };
        Ok(DocxResponse::Ok(
            Binary(doc.bytes),
            content_disposition(&doc.file_name),
            status.into(),
            header_safe(&doc.missing.join("; ")),
        ))
    }

    /// Issue a form
    ///
    /// Managers. Enters the form in the register with its number, a new version, a verification
    /// code and the SHA-256 of the file and of its content; 200 with the latest version when
    /// nothing changed since; 409 listing what is missing when the data is incomplete.
    #[oai(
        path = "/projects/:id/documents/:form/issue",
        method = "post",
        operation_id = "issue_document"
    )]
    async fn issue(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// The form's key, e.g. inspection-record.
        form: Path<String>,
    ) -> ApiResult<IssueResponse> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let house = self.state.settings.house();
        let (doc, created) =
            documents::issue(&self.state.db, &self.state.files, &p, &house, &form.0, Utc::now()).await?;
        let dto = issued_dto(id.0, &doc);
        Ok(if created {
            IssueResponse::Created(Json(dto))
        } else {
            IssueResponse::Unchanged(Json(dto))
        })
    }

    /// The document register
    ///
    /// Every issued version of every form of the project, newest first.
    #[oai(path = "/projects/:id/register", method = "get", operation_id = "document_register")]
    async fn register(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
    ) -> ApiResult<Json<Vec<IssuedDto>>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let docs = documents::register(&self.state.db, &p).await?;
        Ok(Json(docs.iter().map(|d| issued_dto(id.0, d)).collect()))
    }

    /// Record copies handed out
    ///
    /// Managers. An entry of the distribution log of an issued document.
    #[oai(
        path = "/projects/:id/register/:did/copies",
        method = "post",
        operation_id = "record_copy"
    )]
    async fn record_copy(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Issued document id (from the register).
        did: Path<i32>,
        body: Json<CopyRequest>,
    ) -> ApiResult<Json<CopyDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let b = body.0;
        let copy = documents::record_copy(
            &self.state.db,
            &p,
            did.0,
            CopyInput {
                recipient: b.recipient,
                handed_at: b.handed_at,
                method: b.method,
                copies: b.copies,
                note: b.note,
            },
            Utc::now(),
        )
        .await?;
        Ok(Json(copy.into()))
    }

    /// The distribution log of an issued document
    #[oai(
        path = "/projects/:id/register/:did/copies",
        method = "get",
        operation_id = "list_copies"
    )]
    async fn copies(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Issued document id (from the register).
        did: Path<i32>,
    ) -> ApiResult<Json<Vec<CopyDto>>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let copies = documents::copies(&self.state.db, &p, did.0).await?;
        Ok(Json(copies.into_iter().map(CopyDto::from).collect()))
    }

    /// Report a copy lost
    ///
    /// Engineers and managers; once per copy.
    #[oai(
        path = "/projects/:id/register/:did/copies/:cid/lost",
        method = "post",
        operation_id = "report_copy_lost"
    )]
    async fn lost(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Issued document id (from the register).
        did: Path<i32>,
        /// Copy id.
        cid: Path<i32>,
        body: Json<LostRequest>,
    ) -> ApiResult<Json<CopyDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let copy = documents::report_lost(&self.state.db, &p, did.0, cid.0, &body.0.note, Utc::now()).await?;
        Ok(Json(copy.into()))
    }

    /// The work log (工作记录单)
    #[oai(path = "/projects/:id/work-log", method = "get", operation_id = "list_work_log")]
    async fn work_log(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
    ) -> ApiResult<Json<Vec<WorkLogDto>>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let logs = documents::work_log(&self.state.db, &p).await?;
        Ok(Json(logs.into_iter().map(WorkLogDto::from).collect()))
    }

    /// Add a work log entry
    ///
    /// Engineers and managers: a day on site, who was there, what was done, what problems remain.
    #[oai(path = "/projects/:id/work-log", method = "post", operation_id = "add_work_log")]
    async fn add_work_log(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        body: Json<WorkLogRequest>,
    ) -> ApiResult<Json<WorkLogDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let b = body.0;
        let log = documents::add_work_log(
            &self.state.db,
            &p,
            WorkLogInput {
                work_date: b.work_date.into(),
                people: b.people,
                work_done: b.work_done,
                problems: b.problems,
            },
            Utc::now(),
        )
        .await?;
        Ok(Json(log.into()))
    }
}
