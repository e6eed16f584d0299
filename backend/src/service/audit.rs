//! The append-only audit log of signing: every entry carries the hash of the one before it, so
//! altering, removing or reordering an entry breaks the chain from there on.
use chrono::{DateTime, SubsecRound, Utc};
use entity::audit_event;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseBackend, EntityTrait, PaginatorTrait, QueryOrder,
    Statement,
};
use serde::Serialize;

use super::{Actor, auth::sha256_hex};
use crate::error::AppResult;

/// The hash the first entry follows.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What an entry says; its time and hashes are added when it is appended.
pub struct Event {
    pub project_id: Option<i32>,
    pub event: &'static str,
    pub subject: String,
    pub detail: serde_json::Value,
}

#[derive(Serialize)]
struct Hashed<'a> {
    prev_hash: &'a str,
    at_micros: i64,
    project_id: Option<i32>,
    event: &'a str,
    subject: &'a str,
    actor: &'a str,
    detail: &'a str,
}

fn hash_of(e: &Hashed<'_>) -> String {
    // serde_json writes the fields in declaration order: the same bytes on every backend.
    sha256_hex(&serde_json::to_vec(e).unwrap_or_default())
}

/// Appends what happened to `subject` of a project (an entry of the chain, see [`append`]).
pub async fn project_event(
    db: &impl ConnectionTrait,
    actor: &Actor,
    project_id: i32,
    event: &'static str,
    subject: String,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> AppResult<()> {
    append(
        db,
        actor,
        Event {
            project_id: Some(project_id),
            event,
            subject,
            detail,
        },
        now,
    )
    .await
}

/// Appends `event` within the caller's transaction. On PostgreSQL a transaction-scoped advisory
/// lock serialises writers so two entries never follow the same predecessor; SQLite write
/// transactions are serialised already.
#[tracing::instrument(skip_all)]
pub async fn append(db: &impl ConnectionTrait, actor: &Actor, event: Event, now: DateTime<Utc>) -> AppResult<()> {
    if db.get_database_backend() == DatabaseBackend::Postgres {
        db.execute_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT pg_advisory_xact_lock(730529)",
        ))
        .await?;
    }
    let prev = audit_event::Entity::find()
        .order_by_desc(audit_event::Column::Id)
        .one(db)
        .await?
        .map_or_else(|| GENESIS.to_string(), |e| e.hash);
    // Both backends keep microseconds: what is hashed is what is stored.
    let at = now.trunc_subsecs(6);
    let who = match actor.id {
        Some(id) => format!("{} ({}, user {id})", actor.name, actor.username),
        None => actor.name.clone(),
    };
    let detail = event.detail.to_string();
    let hash = hash_of(&Hashed {
        prev_hash: &prev,
        at_micros: at.timestamp_micros(),
        project_id: event.project_id,
        event: event.event,
        subject: &event.subject,
        actor: &who,
        detail: &detail,
    });
    audit_event::ActiveModel {
        project_id: Set(event.project_id),
        at: Set(at),
        event: Set(event.event.into()),
        subject: Set(event.subject),
        actor: Set(who),
        detail: Set(detail),
        prev_hash: Set(prev),
        hash: Set(hash),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The outcome of checking the whole chain.
#[derive(Debug, Serialize)]
pub struct ChainReport {
    pub entries: u64,
    pub valid: bool,
    /// The first entry that does not match, and why.
    pub broken_at: Option<i64>,
    pub problem: Option<String>,
}

/// Recomputes every entry's hash in order and checks each links to the one before.
#[tracing::instrument(skip_all)]
pub async fn verify(db: &impl ConnectionTrait) -> AppResult<ChainReport> {
    let mut prev = GENESIS.to_string();
    let mut entries = 0;
    let mut pages = audit_event::Entity::find()
        .order_by_asc(audit_event::Column::Id)
        .paginate(db, 1000);
    while let Some(batch) = pages.fetch_and_next().await? {
        for e in batch {
            entries += 1;
            let problem = if e.prev_hash != prev {
                Some("its previous hash is not the hash of the entry before it")
            } else if hash_of(&Hashed {
                prev_hash: &e.prev_hash,
                at_micros: e.at.timestamp_micros(),
                project_id: e.project_id,
                event: &e.event,
                subject: &e.subject,
                actor: &e.actor,
                detail: &e.detail,
            }) != e.hash
            {
                Some("its content does not match its hash")
            } else {
                None
            };
            if let Some(p) = problem {
                return Ok(ChainReport {
                    entries,
                    valid: false,
                    broken_at: Some(e.id),
                    problem: Some(format!("entry {}: {p}", e.id)),
                });
            }
            prev = e.hash;
        }
    }
    Ok(ChainReport {
        entries,
        valid: true,
        broken_at: None,
        problem: None,
    })
}
