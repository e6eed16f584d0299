//! Open deadlines counted without a join: each task keeps a copy of its phase's code (fixed once the
//! schedule is made) and of whether its project is active (kept by the application when the
//! project's status changes). Two partial indexes hold only the tasks that count — open, in an
//! active project — one by phase for the dashboard's counts, one by deadline for its items and the
//! reminder job. They replace `idx_tasks_status_due_at` of migration 000012, which SQLite's planner
//! preferred to them without statistics.
use sea_orm::ConnectionTrait;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The condition a task counts under. Queries that want these indexes must say it literally (a
/// bound parameter does not let SQLite match a partial index): `service::schedule::counting_task`.
const COUNTING: &str = "status IN ('not_started', 'in_progress') AND project_active";

const REPLACED: &str = "idx_tasks_status_due_at";

const INDEXES: &[(&str, &str)] = &[
    (
        "idx_tasks_counting_phase_due_at",
        "phase_code, due_at, project_id, phase_id",
    ),
    ("idx_tasks_counting_due_at", "due_at, project_id"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Tasks::Table)
                    .add_column(ColumnDef::new(Tasks::PhaseCode).string().not_null().default(""))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Tasks::Table)
                    .add_column(ColumnDef::new(Tasks::ProjectActive).boolean().not_null().default(true))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE tasks SET phase_code = (SELECT code FROM phases WHERE phases.id = tasks.phase_id)",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE tasks SET project_active = (SELECT status = 'active' FROM projects WHERE projects.id = tasks.project_id)",
        )
        .await?;
        for (name, columns) in INDEXES {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON tasks ({columns}) WHERE {COUNTING}"))
                .await?;
        }
        manager
            .drop_index(Index::drop().name(REPLACED).table(Tasks::Table).to_owned())
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(REPLACED)
                    .table(Tasks::Table)
                    .col(Tasks::Status)
                    .col(Tasks::DueAt)
                    .to_owned(),
            )
            .await?;
        for (name, _) in INDEXES {
            manager
                .drop_index(Index::drop().name(*name).table(Tasks::Table).to_owned())
                .await?;
        }
        for column in [Tasks::ProjectActive, Tasks::PhaseCode] {
            manager
                .alter_table(Table::alter().table(Tasks::Table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Tasks {
    Table,
    PhaseCode,
    ProjectActive,
    Status,
    DueAt,
}
