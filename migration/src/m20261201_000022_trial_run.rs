//! The trial run (试运行): it starts when the client signs for the passwords handed over and lasts
//! the plan's number of days; both sides' run log (a day's state, events and faults, who wrote it),
//! the faults with their fix and the minutes the system was down, and the weekly summaries sent to
//! the client's project lead.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261125_000001_users::Users;
use crate::m20261125_000002_projects::Projects;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    // All or nothing on SQLite too.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TrialRuns::Table)
                    .col(pk_auto(TrialRuns::Id))
                    .col(integer_uniq(TrialRuns::ProjectId))
                    .col(date(TrialRuns::StartedOn))
                    .col(integer(TrialRuns::PlannedDays))
                    // Who gets the weekly summary: the client's project lead.
                    .col(text(TrialRuns::ReportToName))
                    .col(text(TrialRuns::ReportToEmail))
                    // The last day of the last week summarised.
                    .col(date_null(TrialRuns::SummarisedTo))
                    .col(date_null(TrialRuns::EndedOn))
                    .col(integer_null(TrialRuns::EndedBy))
                    .col(text_null(TrialRuns::Conclusion))
                    .col(timestamp_with_time_zone(TrialRuns::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TrialRuns::Table, TrialRuns::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(TrialRuns::Table, TrialRuns::EndedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TrialRunLogs::Table)
                    .col(pk_auto(TrialRunLogs::Id))
                    .col(integer(TrialRunLogs::ProjectId))
                    .col(date(TrialRunLogs::LogDate))
                    // ours or client: whose log it is.
                    .col(string(TrialRunLogs::Party))
                    // normal, degraded or down.
                    .col(string(TrialRunLogs::State))
                    .col(text(TrialRunLogs::Events))
                    .col(text_null(TrialRunLogs::Faults))
                    // The person who wrote it (the client's people have no accounts).
                    .col(text(TrialRunLogs::WrittenBy))
                    .col(integer_null(TrialRunLogs::RecordedBy))
                    .col(timestamp_with_time_zone(TrialRunLogs::RecordedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TrialRunLogs::Table, TrialRunLogs::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(TrialRunLogs::Table, TrialRunLogs::RecordedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_trial_run_logs_day_party")
                    .table(TrialRunLogs::Table)
                    .col(TrialRunLogs::ProjectId)
                    .col(TrialRunLogs::LogDate)
                    .col(TrialRunLogs::Party)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TrialRunFaults::Table)
                    .col(pk_auto(TrialRunFaults::Id))
                    .col(integer(TrialRunFaults::ProjectId))
                    .col(timestamp_with_time_zone(TrialRunFaults::OccurredAt))
                    .col(text(TrialRunFaults::Description))
                    .col(text(TrialRunFaults::ReportedBy))
                    // What was done, and when it worked again.
                    .col(text_null(TrialRunFaults::Fix))
                    .col(timestamp_with_time_zone_null(TrialRunFaults::FixedAt))
                    // Minutes the system (or the part that matters) was unavailable.
                    .col(integer(TrialRunFaults::DowntimeMinutes))
                    .col(integer_null(TrialRunFaults::RecordedBy))
                    .col(timestamp_with_time_zone(TrialRunFaults::RecordedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TrialRunFaults::Table, TrialRunFaults::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(TrialRunFaults::Table, TrialRunFaults::RecordedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            TrialRunFaults::Table.into_iden(),
            TrialRunLogs::Table.into_iden(),
            TrialRuns::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum TrialRuns {
    Table,
    Id,
    ProjectId,
    StartedOn,
    PlannedDays,
    ReportToName,
    ReportToEmail,
    SummarisedTo,
    EndedOn,
    EndedBy,
    Conclusion,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TrialRunLogs {
    Table,
    Id,
    ProjectId,
    LogDate,
    Party,
    State,
    Events,
    Faults,
    WrittenBy,
    RecordedBy,
    RecordedAt,
}

#[derive(DeriveIden)]
enum TrialRunFaults {
    Table,
    Id,
    ProjectId,
    OccurredAt,
    Description,
    ReportedBy,
    Fix,
    FixedAt,
    DowntimeMinutes,
    RecordedBy,
    RecordedAt,
}
