//! Connecting to SQLite or PostgreSQL, migrating, and starting write transactions.
use std::{path::Path, time::Duration};

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbErr, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
    sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous},
};

pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_string());
    options.sqlx_logging(false).connect_timeout(Duration::from_secs(10));
    if url.starts_with("sqlite:") {
        create_sqlite_parent_dir(url)?;
        // A file on this machine: no connection goes stale, so none is pinged before each use (a
        // round trip to the connection's thread that doubled the cost of a one-row query).
        options
            .max_connections(8)
            .test_before_acquire(false)
            .map_sqlx_sqlite_opts(|o: SqliteConnectOptions| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
                    .create_if_missing(true)
                    // Checkpoints are the task's below, not the committing request's.
                    .pragma("wal_autocheckpoint", "0")
            });
    } else {
        // Over the network an idle connection may have been dropped: check those only.
        options
            .max_connections(16)
            .test_before_acquire_if_idle_for(Duration::from_secs(30));
    }
    let db = Database::connect(options)
        .await
        .with_context(|| format!("failed to connect to {}", crate::config::redact_url(url)))?;
    if url.starts_with("sqlite:") {
        spawn_checkpointer(db.clone());
    }
    Ok(db)
}

/// Copies a live SQLite database to `target` (which must not exist) while it keeps serving:
/// `VACUUM INTO` reads one consistent snapshot — every transaction committed before it began, none
/// after — and writes a compact, self-contained database file (no write-ahead log beside it). The
/// copy is written under a temporary name and renamed when complete. Returns its size in bytes.
pub async fn backup_sqlite(db: &DatabaseConnection, target: &Path) -> anyhow::Result<u64> {
    if db.get_database_backend() != sea_orm::DatabaseBackend::Sqlite {
        anyhow::bail!(
            "jiaofu backup copies SQLite databases; for PostgreSQL use pg_dump, e.g. pg_dump -Fc -f jiaofu.dump <database URL>"
        );
    }
    if target.exists() {
        anyhow::bail!("{} exists already; name a new file", target.display());
    }
    let name = target
        .file_name()
        .with_context(|| format!("{} names no file", target.display()))?
        .to_string_lossy();
    let partial = target.with_file_name(format!(".{name}.partial"));
    let _ = std::fs::remove_file(&partial);
    let quoted = partial.to_string_lossy().replace('\'', "''");
    db.execute_unprepared(&format!("VACUUM INTO '{quoted}'"))
        .await
        .with_context(|| format!("failed to copy the database to {}", partial.display()))?;
    std::fs::rename(&partial, target).with_context(|| format!("failed to move the copy to {}", target.display()))?;
    Ok(std::fs::metadata(target)?.len())
}

/// How often the SQLite write-ahead log is copied back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// Copies the SQLite write-ahead log into the database file in the background. Left to SQLite,
/// the commit that takes the log past 1,000 pages does it before answering: a 100,000-row import
/// waited 45 ms of its 410 for it. A passive checkpoint never blocks a reader or a writer, and with
/// nothing new in the log it only reads the log's header. The last connection to close checkpoints
/// what is left, and a log left behind by a crash is replayed when the database is next opened.
fn spawn_checkpointer(db: DatabaseConnection) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(CHECKPOINT_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if let Err(e) = db.execute_unprepared("PRAGMA wal_checkpoint(PASSIVE)").await {
                tracing::warn!("checkpointing the SQLite write-ahead log failed: {e}");
            }
        }
    });
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

/// The database answers a trivial query (readiness).
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    use sea_orm::ConnectionTrait;
    let probe = sea_orm::Statement::from_string(db.get_database_backend(), "SELECT 1");
    db.execute_raw(probe).await.map(|_| ())
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

#[cfg(test)]
mod tests {
    use sea_orm::{DbBackend, Statement};

    use super::*;

    #[tokio::test]
    async fn sqlite_commits_leave_the_log_to_a_background_checkpoint() -> anyhow::Result<()> {
        let dir = std::env::temp_dir().join(format!(
            "jiaofu-checkpoint-{}-{}",
            std::process::id(),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
        ));
        let file = dir.join("jiaofu.db");
        let db = connect(&format!("sqlite://{}?mode=rwc", file.display())).await?;
        let autocheckpoint = db
            .query_one_raw(Statement::from_string(DbBackend::Sqlite, "PRAGMA wal_autocheckpoint"))
            .await?
            .map(|row| row.try_get_by_index::<i32>(0))
            .transpose()?;
        assert_eq!(autocheckpoint, Some(0), "no commit checkpoints by itself");

        // 4 MB in one commit: four times the log SQLite would have checkpointed at that commit.
        db.execute_unprepared("CREATE TABLE t (x TEXT)").await?;
        db.execute_unprepared(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) \
             INSERT INTO t SELECT hex(randomblob(1000)) FROM n",
        )
        .await?;
        let mut waited = Duration::ZERO;
        while std::fs::metadata(&file)?.len() < 4_000_000 {
            anyhow::ensure!(
                waited < CHECKPOINT_EVERY * 20,
                "the database file still holds {} bytes: the log was not checkpointed",
                std::fs::metadata(&file)?.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
            waited += Duration::from_millis(50);
        }
        db.close().await?;
        std::fs::remove_dir_all(&dir)?;
        Ok(())
    }
}
