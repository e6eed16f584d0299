use chrono::{DateTime, Duration, Utc};
use entity::outbox as row;
use poem_openapi::{
    Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};

use super::types::OneOf;
use super::{ApiTags, BearerAuth, actor};
use crate::domain::types::OutboxStatus;
use crate::{
    email::outbox::{self, OutboxFilter},
    error::{ApiResult, AppError},
    state::AppState,
};

pub struct OutboxApi {
    state: AppState,
}

impl OutboxApi {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }

    async fn admin(&self, auth: &BearerAuth) -> ApiResult<()> {
        if !actor(&self.state, auth).await?.is_admin() {
            return Err(AppError::Forbidden("only administrators see the outbox".into()).into());
        }
        Ok(())
    }
}

/// An e-mail in the outbox.
#[derive(Object)]
struct OutboxMessage {
    /// Identifier.
    id: i64,
    /// What the message is about; unique.
    idempotency_key: String,
    /// Kind of message, e.g. reminder_digest.
    kind: String,
    /// The project it concerns, if one.
    #[oai(nullable)]
    project_id: Option<i32>,
    /// Recipient address.
    to_address: String,
    /// Recipient name.
    #[oai(nullable)]
    to_name: Option<String>,
    /// Subject line.
    subject: String,
    /// queued, sending, sent, failed or cancelled.
    status: OneOf<OutboxStatus>,
    /// Delivery attempts so far.
    attempts: i32,
    /// When the worker will try (again).
    next_attempt_at: DateTime<Utc>,
    /// Transient failures are retried until then.
    retry_until: DateTime<Utc>,
    /// The server's last reply or the last error.
    #[oai(nullable)]
    last_error: Option<String>,
    /// When it was queued.
    created_at: DateTime<Utc>,
    /// When the server accepted it.
    #[oai(nullable)]
    sent_at: Option<DateTime<Utc>>,
    /// Plain-text body (only when one message is fetched).
    #[oai(nullable)]
    body_text: Option<String>,
    /// HTML body (only when one message is fetched).
    #[oai(nullable)]
    body_html: Option<String>,
}

impl OutboxMessage {
    fn new(m: row::Model, with_body: bool) -> Self {
        Self {
            id: m.id,
            idempotency_key: m.idempotency_key,
            kind: m.kind,
            project_id: m.project_id,
            to_address: m.to_address,
            to_name: m.to_name,
            subject: m.subject,
            status: m.status.into(),
            attempts: m.attempts,
            next_attempt_at: m.next_attempt_at,
            retry_until: m.retry_until,
            last_error: m.last_error,
            created_at: m.created_at,
            sent_at: m.sent_at,
            body_text: with_body.then_some(m.body_text),
            body_html: if with_body { m.body_html } else { None },
        }
    }
}

/// A page of outbox messages, newest first.
#[derive(Object)]
struct OutboxPage {
    /// The messages of this page.
    items: Vec<OutboxMessage>,
    /// Matching messages in all pages.
    total: u64,
}

#[OpenApi(tag = "ApiTags::Outbox")]
impl OutboxApi {
    /// List outbox messages (administrators)
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/outbox", method = "get", operation_id = "list_outbox")]
    async fn list(
        &self,
        auth: BearerAuth,
        /// queued, sending, sent, failed or cancelled.
        status: Query<Option<OneOf<OutboxStatus>>>,
        /// Kind of message, e.g. reminder_digest.
        kind: Query<Option<String>>,
        /// Recipient address.
        to: Query<Option<String>>,
        /// Project id.
        project_id: Query<Option<i32>>,
        /// 1-based page number, at most 1,000,000.
        #[oai(
            default = "default_page",
            validator(minimum(value = "1"), maximum(value = "1000000"))
        )]
        page: Query<u64>,
        /// Messages per page, 1–200.
        #[oai(
            default = "default_per_page",
            validator(minimum(value = "1"), maximum(value = "200"))
        )]
        per_page: Query<u64>,
    ) -> ApiResult<Json<OutboxPage>> {
        self.admin(&auth).await?;
        let filter = OutboxFilter {
            status: status.0.map(Into::into),
            kind: kind.0,
            to: to.0,
            project_id: project_id.0,
            page: page.0.max(1),
            per_page: per_page.0,
        };
        let (rows, total) = outbox::list(&self.state.db, filter).await?;
        Ok(Json(OutboxPage {
            items: rows.into_iter().map(|m| OutboxMessage::new(m, false)).collect(),
            total,
        }))
    }

    /// See one message, with its bodies
    #[oai(path = "/outbox/:id", method = "get", operation_id = "get_outbox_message")]
    async fn get(
        &self,
        auth: BearerAuth,
        /// Message id.
        id: Path<i64>,
    ) -> ApiResult<Json<OutboxMessage>> {
        self.admin(&auth).await?;
        Ok(Json(OutboxMessage::new(outbox::get(&self.state.db, id.0).await?, true)))
    }

    /// Retry a failed message
    ///
    /// Puts a failed or cancelled message back in the queue with a fresh retry horizon.
    #[oai(path = "/outbox/:id/retry", method = "post", operation_id = "retry_outbox_message")]
    async fn retry(
        &self,
        auth: BearerAuth,
        /// Message id.
        id: Path<i64>,
    ) -> ApiResult<Json<OutboxMessage>> {
        self.admin(&auth).await?;
        let horizon = Duration::hours(self.state.settings.mail_retry_horizon_hours);
        Ok(Json(OutboxMessage::new(
            outbox::retry(&self.state.db, id.0, horizon, Utc::now()).await?,
            false,
        )))
    }

    /// Cancel a queued message
    #[oai(path = "/outbox/:id/cancel", method = "post", operation_id = "cancel_outbox_message")]
    async fn cancel(
        &self,
        auth: BearerAuth,
        /// Message id.
        id: Path<i64>,
    ) -> ApiResult<Json<OutboxMessage>> {
        self.admin(&auth).await?;
        Ok(Json(OutboxMessage::new(
            outbox::cancel(&self.state.db, id.0).await?,
            false,
        )))
    }
}

fn default_page() -> u64 {
    1
}
fn default_per_page() -> u64 {
    50
}
