//! 定时巡检 (routine inspections, `patrols` here to keep them apart from the arrival inspections)
//! and 定时电话回访: the visits planned over a project's warranty (one or two each
//! half-year, on working days), what each found per unit and check — a problem found opens a
//! ticket — and the periodic phone calls to the client.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261125_000001_users::Users;
use crate::m20261125_000002_projects::Projects;
use crate::m20261125_000007_arrival::ReceivedUnits;
use crate::m20261201_000026_service_desk::ServiceTickets;

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
                    .table(Patrols::Table)
                    .col(pk_auto(Patrols::Id))
                    .col(integer(Patrols::ProjectId))
                    // 1, 2, … over the warranty; the half-year it belongs to.
                    .col(integer(Patrols::Seq))
                    .col(integer(Patrols::HalfYear))
                    .col(date(Patrols::PlannedOn))
                    // Done: the day, who, what they say overall.
                    .col(date_null(Patrols::DoneOn))
                    .col(integer_null(Patrols::DoneBy))
                    .col(text_null(Patrols::Summary))
                    // The client's person met on site: the 巡检报告's signer.
                    .col(text_null(Patrols::ContactName))
                    .col(text_null(Patrols::ContactPhone))
                    .col(timestamp_with_time_zone(Patrols::CreatedAt))
                    .col(timestamp_with_time_zone(Patrols::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Patrols::Table, Patrols::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Patrols::Table, Patrols::DoneBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_patrols_project_seq")
                    .table(Patrols::Table)
                    .col(Patrols::ProjectId)
                    .col(Patrols::Seq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The reminders' scan: visits not done, by day.
        manager
            .create_index(
                Index::create()
                    .name("ix_patrols_planned_on")
                    .table(Patrols::Table)
                    .col(Patrols::PlannedOn)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PatrolResults::Table)
                    .col(pk_auto(PatrolResults::Id))
                    .col(integer(PatrolResults::PatrolId))
                    // The unit checked, if the check is about one.
                    .col(integer_null(PatrolResults::UnitId))
                    .col(text(PatrolResults::Item))
                    // pass / fail / na.
                    .col(string_len(PatrolResults::Result, 16))
                    .col(text_null(PatrolResults::Note))
                    // The ticket a problem found opened.
                    .col(integer_null(PatrolResults::TicketId))
                    .col(integer_null(PatrolResults::RecordedBy))
                    .col(timestamp_with_time_zone(PatrolResults::RecordedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PatrolResults::Table, PatrolResults::PatrolId)
                            .to(Patrols::Table, Patrols::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PatrolResults::Table, PatrolResults::UnitId)
                            .to(ReceivedUnits::Table, ReceivedUnits::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PatrolResults::Table, PatrolResults::TicketId)
                            .to(ServiceTickets::Table, ServiceTickets::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PatrolResults::Table, PatrolResults::RecordedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ServiceCalls::Table)
                    .col(pk_auto(ServiceCalls::Id))
                    .col(integer(ServiceCalls::ProjectId))
                    .col(timestamp_with_time_zone(ServiceCalls::CalledAt))
                    .col(text(ServiceCalls::ContactName))
                    .col(text_null(ServiceCalls::ContactPhone))
                    // What the client said: how the system runs, wishes, problems.
                    .col(text(ServiceCalls::Summary))
                    .col(integer_null(ServiceCalls::CalledBy))
                    .col(timestamp_with_time_zone(ServiceCalls::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ServiceCalls::Table, ServiceCalls::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ServiceCalls::Table, ServiceCalls::CalledBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ServiceCalls::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(PatrolResults::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Patrols::Table).to_owned())
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
pub enum Patrols {
    Table,
    Id,
    ProjectId,
    Seq,
    HalfYear,
    PlannedOn,
    DoneOn,
    DoneBy,
    Summary,
    ContactName,
    ContactPhone,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PatrolResults {
    Table,
    Id,
    PatrolId,
    UnitId,
    Item,
    Result,
    Note,
    TicketId,
    RecordedBy,
    RecordedAt,
}

#[derive(DeriveIden)]
enum ServiceCalls {
    Table,
    Id,
    ProjectId,
    CalledAt,
    ContactName,
    ContactPhone,
    Summary,
    CalledBy,
    CreatedAt,
}
