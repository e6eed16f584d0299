//! The deadline that counts, stored on each task so that overdue and due-soon are SQL at any scale:
//! `due_on` is the day (the override, else the planned day) and `due_at` the instant that day ends
//! in the project's time zone — the task is overdue from then on. Both are kept by the application
//! on every change that moves them (a new schedule, a new signing date, an override, a new zone).
use chrono::{NaiveDate, NaiveTime, TimeZone};
use sea_orm::{ConnectionTrait, Statement};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: &[(&str, &[Tasks])] = &[
    ("idx_tasks_status_due_at", &[Tasks::Status, Tasks::DueAt]),
    (
        "idx_tasks_project_status_due_at",
        &[Tasks::ProjectId, Tasks::Status, Tasks::DueAt],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time. The defaults only fill existing rows
        // until the backfill below.
        manager
            .alter_table(
                Table::alter()
                    .table(Tasks::Table)
                    .add_column(ColumnDef::new(Tasks::DueOn).date().not_null().default("1970-01-01"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Tasks::Table)
                    .add_column(
                        ColumnDef::new(Tasks::DueAt)
                            .timestamp_with_time_zone()
                            .not_null()
                            .default("1970-01-01T00:00:00+00:00"),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        db.execute_unprepared("UPDATE tasks SET due_on = COALESCE(override_due_on, planned_due_on)")
            .await?;
        // The end of a day depends on the project's zone: one update per zone and day in use. (The
        // application computes the same with `domain::schedule::deadline`; a migration keeps its own
        // copy so that it never changes once landed.)
        let pairs = db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT DISTINCT p.timezone AS timezone, t.due_on AS due_on \
                 FROM tasks t JOIN projects p ON p.id = t.project_id",
            ))
            .await?;
        for row in pairs {
            let zone: String = row.try_get("", "timezone")?;
            let day: NaiveDate = row.try_get("", "due_on")?;
            let tz: chrono_tz::Tz = zone.parse().unwrap_or(chrono_tz::Asia::Shanghai);
            let next = day.succ_opt().unwrap_or(day).and_time(NaiveTime::MIN);
            let end = tz
                .from_local_datetime(&next)
                .earliest()
                .unwrap_or_else(|| next.and_utc().with_timezone(&tz))
                .to_utc();
            let in_zone = Query::select()
                .column(Projects::Id)
                .from(Projects::Table)
                .and_where(Expr::col(Projects::Timezone).eq(zone))
                .to_owned();
            let update = Query::update()
                .table(Tasks::Table)
                .value(Tasks::DueAt, end)
                .and_where(Expr::col(Tasks::DueOn).eq(day))
                .and_where(Expr::col(Tasks::ProjectId).in_subquery(in_zone))
                .to_owned();
            db.execute(&update).await?;
        }
        for (name, columns) in INDEXES {
            let mut index = Index::create();
            index.name(*name).table(Tasks::Table);
            for c in *columns {
                index.col(*c);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in INDEXES {
            manager
                .drop_index(Index::drop().name(*name).table(Tasks::Table).to_owned())
                .await?;
        }
        for column in [Tasks::DueAt, Tasks::DueOn] {
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
    ProjectId,
    Status,
    DueOn,
    DueAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Projects {
    Table,
    Id,
    Timezone,
}
