//! Domain errors, and the single API error type that poem-openapi documents.
use poem_openapi::{ApiResponse, Object, payload::Json};
use sea_orm::{DbErr, SqlErr};

/// What can go wrong in a use case. Messages say what to fix.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input that parsed but is not acceptable (422).
    #[error("{message}")]
    Invalid { field: Option<String>, message: String },
    /// Rows of a bulk request that cannot be saved, each with what to fix (422); nothing was saved.
    #[error("{field}: {} row(s) cannot be saved", problems.len())]
    Rows { field: String, problems: Vec<RowProblem> },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// Over a rate limit (429); try again after so many seconds.
    #[error("{message}")]
    TooManyRequests { message: String, retry_after_secs: u64 },
    /// The server is saturated for this kind of work (503); try again after so many seconds.
    #[error("{message}")]
    Busy { message: String, retry_after_secs: u64 },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

/// What is wrong with one row of a bulk request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// 1-based, in the order the rows were sent.
    pub row: usize,
    pub field: Option<String>,
    pub message: String,
}

impl RowProblem {
    /// The problem a row's error is: what its sender can fix (invalid, not found, in conflict).
    /// Anything else — the server failing, access refused — is not the row's and ends the request.
    pub fn of(row: usize, err: AppError) -> AppResult<Self> {
        let (field, message) = match err {
            AppError::Invalid { field, message } => (field, message),
            AppError::NotFound(m) | AppError::Conflict(m) => (None, m),
            other => return Err(other),
        };
        Ok(Self { row, field, message })
    }
}

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Invalid {
            field: Some(field.into()),
            message: message.into(),
        }
    }
    pub fn not_found(what: impl Into<String>) -> Self {
        AppError::NotFound(what.into())
    }

    /// The HTTP status this error is answered with (the API's and the pages' alike).
    pub fn status(&self) -> poem::http::StatusCode {
        use poem::http::StatusCode;
        match self {
            AppError::Invalid { .. } | AppError::Rows { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict(match unique_columns(&err) {
                Some(columns) => format!("{columns}: another record has this value already"),
                None => "this would duplicate an existing record".into(),
            }),
            // A record removed meanwhile, or one others still refer to: the state, not the server.
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => AppError::Conflict(
                "this refers to a record that does not exist (any more), or others still refer to it".into(),
            ),
            _ => AppError::Internal(anyhow::Error::new(err).context("database error")),
        }
    }
}

/// The columns a unique violation is about: SQLite says `UNIQUE constraint failed: projects.code`,
/// PostgreSQL's detail `Key (code)=(ZJFY-1) already exists.`
fn unique_columns(err: &DbErr) -> Option<String> {
    use std::ops::Deref;
    let (DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e)) | DbErr::Query(sea_orm::RuntimeErr::SqlxError(e))) = err else {
        return None;
    };
    let sea_orm::sqlx::Error::Database(db) = e.deref() else {
        return None;
    };
    if let Some(pg) = db.try_downcast_ref::<sea_orm::sqlx::postgres::PgDatabaseError>() {
        let columns = pg.detail()?.strip_prefix("Key (")?.split(")=").next()?;
        return Some(columns.to_string());
    }
    let columns = db.message().strip_prefix("UNIQUE constraint failed: ")?;
    Some(
        columns
            .split(',')
            .map(|c| c.trim().rsplit('.').next().unwrap_or_default())
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// The body of every error response.
#[derive(Debug, Object)]
pub struct ErrorBody {
    /// Machine-readable kind: bad_request, unauthorized, forbidden, not_found, conflict, invalid,
    /// too_many_requests, busy, internal, method_not_allowed, payload_too_large, unsupported_media_type.
    pub code: String,
    /// What went wrong and what to fix, for people.
    pub message: String,
    /// The request field at fault, when there is one.
    #[oai(nullable)]
    pub field: Option<String>,
    /// The request's id (also in `X-Request-Id`) when the server failed: quote it when reporting
    /// the problem; the log has the cause under it.
    #[oai(nullable)]
    pub request_id: Option<String>,
    /// For a bulk request: every row that cannot be saved, with what to fix (nothing was saved).
    #[oai(default, skip_serializing_if_is_empty)]
    pub problems: Vec<RowProblemDto>,
}

/// One row of a bulk request that cannot be saved.
#[derive(Debug, Object)]
pub struct RowProblemDto {
    /// 1-based, in the order the rows were sent.
    pub row: u32,
    /// The row's field at fault, when there is one.
    #[oai(nullable)]
    pub field: Option<String>,
    /// What is wrong and what to fix.
    pub message: String,
}

impl ErrorBody {
    pub fn new(code: &str, message: impl Into<String>, field: Option<String>) -> Json<Self> {
        Json(Self {
            code: code.into(),
            message: message.into(),
            field,
            request_id: None,
            problems: Vec::new(),
        })
    }

    /// The body of a 500: says the server failed and quotes the request's id.
    pub fn internal() -> Json<Self> {
        Json(Self {
            code: "internal".into(),
            message: "the server failed to handle this request; the cause is in its log under the request id".into(),
            field: None,
            request_id: crate::api::middleware::request_id(),
            problems: Vec::new(),
        })
    }
}

/// Error responses of the API; every operation may answer with these.
#[derive(Debug, ApiResponse)]
pub enum ApiError {
    /// The request is malformed (not JSON, a wrong type, a missing parameter).
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// No valid token: log in and send `Authorization: Bearer <token>`.
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// Authenticated, but the role does not allow this.
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// No such resource, or not visible to the caller.
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// Conflicts with the current state (a duplicate code, a task already done).
    #[oai(status = 409)]
    Conflict(Json<ErrorBody>),
    /// The body is larger than allowed: 1 MB for JSON, the upload limit for files.
    #[oai(status = 413)]
    PayloadTooLarge(Json<ErrorBody>),
    /// The body is not of the type the operation takes (JSON, or a multipart form for uploads).
    #[oai(status = 415)]
    UnsupportedMediaType(Json<ErrorBody>),
    /// A value is not acceptable; `field` names it.
    #[oai(status = 422)]
    Invalid(Json<ErrorBody>),
    /// Too many attempts; wait as long as `Retry-After` says and try again.
    #[oai(status = 429)]
    TooManyRequests(
        Json<ErrorBody>,
        /// Seconds until the limit's window ends.
        #[oai(header = "Retry-After")]
        u64,
    ),
    /// The server failed; the cause is in its log.
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
    /// The server is busy with this kind of work (password checks); try again after `Retry-After`.
    #[oai(status = 503)]
    Busy(
        Json<ErrorBody>,
        /// Seconds to wait.
        #[oai(header = "Retry-After")]
        u64,
    ),
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::Invalid { field, message } => ApiError::Invalid(ErrorBody::new("invalid", message, field)),
            AppError::Rows { field, problems } => {
                let first: Vec<String> = problems
                    .iter()
                    .take(3)
                    .map(|p| format!("row {}: {}", p.row, p.message))
                    .collect();
                let message = format!(
                    "{field}: {} row(s) cannot be saved and nothing was saved — {}{}; see problems",
                    problems.len(),
                    first.join("; "),
                    if problems.len() > 3 { "; …" } else { "" }
                );
                let mut body = ErrorBody::new("invalid", message, Some(field));
                body.0.problems = problems
                    .into_iter()
                    .map(|p| RowProblemDto {
                        row: p.row as u32,
                        field: p.field,
                        message: p.message,
                    })
                    .collect();
                ApiError::Invalid(body)
            }
            AppError::Unauthorized(m) => ApiError::Unauthorized(ErrorBody::new("unauthorized", m, None)),
            AppError::Forbidden(m) => ApiError::Forbidden(ErrorBody::new("forbidden", m, None)),
            AppError::NotFound(m) => ApiError::NotFound(ErrorBody::new("not_found", m, None)),
            AppError::Conflict(m) => ApiError::Conflict(ErrorBody::new("conflict", m, None)),
            AppError::TooManyRequests {
                message,
                retry_after_secs,
            } => ApiError::TooManyRequests(ErrorBody::new("too_many_requests", message, None), retry_after_secs),
            AppError::Busy {
                message,
                retry_after_secs,
            } => ApiError::Busy(ErrorBody::new("busy", message, None), retry_after_secs),
            AppError::Internal(e) => {
                tracing::error!(error = %format_args!("{e:#}"), "request failed");
                ApiError::Internal(ErrorBody::internal())
            }
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Turns errors raised by poem itself (unparseable bodies, missing tokens, unknown routes) into the
/// same JSON shape as every other error.
pub async fn render_poem_error(err: poem::Error) -> poem::Response {
    use poem::{IntoResponse, http::StatusCode};
    if err.is_from_response() {
        return err.into_response();
    }
    let status = err.status();
    let code = match status {
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    };
    if status.is_server_error() {
        tracing::error!(error = %err, "request failed");
        return (status, ErrorBody::internal()).into_response();
    }
    let message = match status {
        StatusCode::UNAUTHORIZED => {
            "authentication required: send 'Authorization: Bearer <token>' from POST /api/auth/login".to_string()
        }
        StatusCode::NOT_FOUND => "no such resource".to_string(),
        StatusCode::PAYLOAD_TOO_LARGE => err.to_string(),
        _ => err.to_string(),
    };
    let body = ErrorBody::new(code, message, None);
    (status, body).into_response()
}
