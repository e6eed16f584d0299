//! The outbox: a message is a row written in the transaction of the change that causes it, and
//! leaves only through the delivery worker.
use chrono::{DateTime, Duration, Utc};
use entity::outbox;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Statement, TryInsertResult,
};

pub use crate::domain::types::OutboxStatus;
use crate::error::{AppError, AppResult};

/// A message to enqueue.
#[derive(Debug, Clone)]
pub struct NewEmail {
    /// Unique for what the message is about; a second enqueue with the same key does nothing.
    pub key: String,
    pub kind: String,
    pub project_id: Option<i32>,
    pub to_address: String,
    pub to_name: Option<String>,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    /// An iCalendar request (METHOD:REQUEST): calendars offer to add the event.
    pub calendar: Option<String>,
}

/// Queues `email` unless its key is known; returns the new row's id, or None for a duplicate.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    email: NewEmail,
    retry_horizon: Duration,
    now: DateTime<Utc>,
) -> AppResult<Option<i64>> {
    let row = outbox::ActiveModel {
        idempotency_key: Set(email.key),
        kind: Set(email.kind),
        project_id: Set(email.project_id),
        to_address: Set(email.to_address),
        to_name: Set(email.to_name),
        subject: Set(email.subject),
        body_text: Set(email.text),
        body_html: Set(email.html),
        body_calendar: Set(email.calendar),
        status: Set(OutboxStatus::Queued),
        attempts: Set(0),
        next_attempt_at: Set(now),
        retry_until: Set(now + retry_horizon),
        lease_until: Set(None),
        lease_owner: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        ..Default::default()
    };
    let result = outbox::Entity::insert(row)
        .on_conflict_do_nothing_on([outbox::Column::IdempotencyKey])
        .exec(db)
        .await?;
    Ok(match result {
        TryInsertResult::Inserted(r) => Some(r.last_insert_id),
        _ => None,
    })
}

/// Takes up to `limit` due messages for `owner` until `lease_until`: queued ones whose time has
/// come, and ones whose previous owner's lease ran out (a worker that died mid-send). A row is
/// claimed by one worker only: PostgreSQL skips rows another transaction has locked, SQLite
/// serialises writers and the status condition is re-checked by the update.
pub async fn claim(
    db: &impl ConnectionTrait,
    owner: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u64,
) -> AppResult<Vec<outbox::Model>> {
    let backend = db.get_database_backend();
    let lock = if backend == DatabaseBackend::Postgres {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let (p1, p2, p3, p4) = match backend {
        DatabaseBackend::Postgres => ("$1", "$2", "$3", "$4"),
        _ => ("?", "?", "?", "?"),
    };
    let sql = format!(
        "UPDATE outbox SET status = 'sending', lease_owner = {p1}, lease_until = {p2}, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM outbox \
           WHERE (status = 'queued' AND next_attempt_at <= {p3}) OR (status = 'sending' AND lease_until < {p3}) \
           ORDER BY next_attempt_at, id LIMIT {p4}{lock}) \
         AND (status = 'queued' OR (status = 'sending' AND lease_until < {p3})) \
         RETURNING id"
    );
    let values = if backend == DatabaseBackend::Postgres {
        vec![owner.into(), lease_until.into(), now.into(), (limit as i64).into()]
    } else {
        // SQLite numbers its `?` in order: the condition's two uses of `now` each take a value.
        vec![
            owner.into(),
            lease_until.into(),
            now.into(),
            now.into(),
            (limit as i64).into(),
            now.into(),
        ]
    };
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.try_get::<i64>("", "id").ok()).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(outbox::Entity::find()
        .filter(outbox::Column::Id.is_in(ids))
        .filter(outbox::Column::LeaseOwner.eq(owner))
        .order_by_asc(outbox::Column::Id)
        .all(db)
        .await?)
}

/// Records the outcome of a send, if `owner` still holds the lease.
pub async fn settle(
    db: &impl ConnectionTrait,
    id: i64,
    owner: &str,
    status: OutboxStatus,
    next_attempt_at: Option<DateTime<Utc>>,
    note: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut update = outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, status.into())
        .col_expr(outbox::Column::LeaseOwner, Option::<String>::None.into())
        .col_expr(outbox::Column::LeaseUntil, Option::<DateTime<Utc>>::None.into())
        .col_expr(outbox::Column::LastError, note.into());
    if let Some(at) = next_attempt_at {
        update = update.col_expr(outbox::Column::NextAttemptAt, at.into());
    }
    if status == OutboxStatus::Sent {
        update = update.col_expr(outbox::Column::SentAt, Some(now).into());
    }
    update
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::LeaseOwner.eq(owner))
        .filter(outbox::Column::Status.eq(OutboxStatus::Sending))
        .exec(db)
        .await?;
    if matches!(status, OutboxStatus::Sent | OutboxStatus::Failed) {
        forget_secrets(db, id).await?;
    }
    Ok(())
}

/// What stays of a message that carried a password once it has left (or never will).
const CLEARED: &str = "（此邮件含账户密码，发送结束后内容已清除。）";

/// Clears the body of message `id` if its kind carries a secret (a password).
async fn forget_secrets(db: &impl ConnectionTrait, id: i64) -> AppResult<()> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::BodyText, CLEARED.into())
        .col_expr(outbox::Column::BodyHtml, Option::<String>::None.into())
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::Kind.eq(crate::service::users::PASSWORD_MAIL))
        .exec(db)
        .await?;
    Ok(())
}

pub struct OutboxFilter {
    pub status: Option<String>,
    pub kind: Option<String>,
    pub to: Option<String>,
    pub project_id: Option<i32>,
    pub page: u64,
    pub per_page: u64,
}

pub async fn list(db: &impl ConnectionTrait, f: OutboxFilter) -> AppResult<(Vec<outbox::Model>, u64)> {
    let mut cond = Condition::all();
    if let Some(s) = f.status.as_deref() {
        cond = cond.add(outbox::Column::Status.eq(OutboxStatus::parse(s)?));
    }
    if let Some(k) = f.kind {
        cond = cond.add(outbox::Column::Kind.eq(k));
    }
    if let Some(t) = f.to {
        cond = cond.add(outbox::Column::ToAddress.eq(t.trim().to_string()));
    }
    if let Some(p) = f.project_id {
        cond = cond.add(outbox::Column::ProjectId.eq(p));
    }
    let query = outbox::Entity::find().filter(cond);
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(outbox::Column::Id)
        .limit(f.per_page)
        .offset((f.page.max(1) - 1).saturating_mul(f.per_page))
        .all(db)
        .await?;
    Ok((rows, total))
}

pub async fn get(db: &impl ConnectionTrait, id: i64) -> AppResult<outbox::Model> {
    outbox::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no message {id} in the outbox")))
}

/// Puts a failed (or cancelled) message back in the queue, with a fresh retry horizon.
pub async fn retry(
    db: &impl ConnectionTrait,
    id: i64,
    retry_horizon: Duration,
    now: DateTime<Utc>,
) -> AppResult<outbox::Model> {
    let row = get(db, id).await?;
    if row.status != OutboxStatus::Failed && row.status != OutboxStatus::Cancelled {
        return Err(AppError::Conflict(format!(
            "message {id} is {}; only failed or cancelled messages are retried",
            row.status
        )));
    }
    if row.kind == crate::service::users::PASSWORD_MAIL {
        return Err(AppError::Conflict(format!(
            "message {id} carried a password and its text is gone; reset the password again to send a new one"
        )));
    }
    let mut m: outbox::ActiveModel = row.into();
    m.status = Set(OutboxStatus::Queued);
    m.next_attempt_at = Set(now);
    m.retry_until = Set(now + retry_horizon);
    Ok(sea_orm::ActiveModelTrait::update(m, db).await?)
}

/// Cancels a message that has not gone out yet (not one a worker holds right now).
pub async fn cancel(db: &impl ConnectionTrait, id: i64) -> AppResult<outbox::Model> {
    let done = outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, OutboxStatus::Cancelled.into())
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::Status.eq(OutboxStatus::Queued))
        .exec(db)
        .await?;
    if done.rows_affected > 0 {
        forget_secrets(db, id).await?;
    }
    let row = get(db, id).await?;
    if done.rows_affected == 0 {
        return Err(AppError::Conflict(format!(
            "message {id} is {}; only queued messages can be cancelled",
            row.status
        )));
    }
    Ok(row)
}
