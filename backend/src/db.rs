//! Connecting to SQLite or PostgreSQL, migrating, and starting write transactions.
use std::{path::Path, time::Duration};

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbErr, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
    sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous},
};

pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_string());
    options.sqlx_logging(false).connect_timeout(Duration::from_secs(10));
    if url.starts_with("sqlite:") {
        create_sqlite_parent_dir(url)?;
        options
            .max_connections(8)
            .map_sqlx_sqlite_opts(|o: SqliteConnectOptions| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
                    .create_if_missing(true)
            });
    } else {
        options.max_connections(16);
    }
    Database::connect(options)
        .await
        .with_context(|| format!("failed to connect to {}", crate::config::redact_url(url)))
}

fn create_sqlite_parent_dir(url: &str) -> anyhow::Result<()> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(parent) = Path::new(path).parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("failed to create the data directory {}", parent.display()))?;
    }
    Ok(())
}

pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .context("failed to apply database migrations")
}

/// Begins a transaction that will write. On SQLite it takes the write lock at BEGIN (IMMEDIATE), so
/// two writers queue on the busy timeout instead of failing when a read turns into a write.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}
