//! A project's schedule: the phases and tasks instantiated from its plan.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261125_000001_users::Users;
use crate::m20261125_000002_projects::Projects;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Phases::Table)
                    .col(pk_auto(Phases::Id))
                    .col(integer(Phases::ProjectId))
                    .col(integer(Phases::Seq))
                    .col(string(Phases::Code))
                    .col(string(Phases::Name))
                    .col(integer(Phases::OffsetDays))
                    .col(date(Phases::PlannedDueOn))
                    .col(date_null(Phases::OverrideDueOn))
                    .col(text_null(Phases::OverrideReason))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Phases::Table, Phases::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .index(
                        Index::create()
                            .name("uq_phases_project_code")
                            .col(Phases::ProjectId)
                            .col(Phases::Code)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Tasks::Table)
                    .col(pk_auto(Tasks::Id))
                    .col(integer(Tasks::ProjectId))
                    .col(integer(Tasks::PhaseId))
                    .col(integer(Tasks::Seq))
                    .col(string(Tasks::Code))
                    .col(string(Tasks::Name))
                    .col(integer(Tasks::OffsetDays))
                    .col(date(Tasks::PlannedDueOn))
                    .col(date_null(Tasks::OverrideDueOn))
                    .col(text_null(Tasks::OverrideReason))
                    .col(boolean(Tasks::WaitsOnClient).default(false))
                    // Who does it; reminders go to the assignee, else to the project's PMs.
                    .col(integer_null(Tasks::AssigneeId))
                    .col(string(Tasks::Status))
                    .col(timestamp_with_time_zone_null(Tasks::StartedAt))
                    .col(timestamp_with_time_zone_null(Tasks::FinishedAt))
                    .col(integer_null(Tasks::CompletedBy))
                    .col(text_null(Tasks::Note))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Tasks::Table, Tasks::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Tasks::Table, Tasks::PhaseId)
                            .to(Phases::Table, Phases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Tasks::Table, Tasks::CompletedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Tasks::Table, Tasks::AssigneeId)
                            .to(Users::Table, Users::Id),
                    )
                    .index(
                        Index::create()
                            .name("uq_tasks_project_code")
                            .col(Tasks::ProjectId)
                            .col(Tasks::Code)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Tasks::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Phases::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Phases {
    Table,
    Id,
    ProjectId,
    Seq,
    Code,
    Name,
    OffsetDays,
    PlannedDueOn,
    OverrideDueOn,
    OverrideReason,
}

#[derive(DeriveIden)]
pub enum Tasks {
    Table,
    Id,
    ProjectId,
    PhaseId,
    Seq,
    Code,
    Name,
    OffsetDays,
    PlannedDueOn,
    OverrideDueOn,
    OverrideReason,
    WaitsOnClient,
    AssigneeId,
    Status,
    StartedAt,
    FinishedAt,
    CompletedBy,
    Note,
    Evidence,
}
