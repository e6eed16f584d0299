//! The service desk (售后服务): per project, the promises in force (a policy of its own, else its
//! plan's), the two designated engineers (专员), and the client's secret link for reporting a
//! fault (its hash to find it, sealed by the vault to print it again); the tickets with their
//! events (the 16 steps, pauses, assignments), their assignees and the warnings already sent; a
//! unit's own warranty end (a replacement's).
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261125_000001_users::Users;
use crate::m20261125_000002_projects::Projects;
use crate::m20261125_000007_arrival::ReceivedUnits;

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
                    .table(ServiceSettings::Table)
                    .col(pk_auto(ServiceSettings::Id))
                    .col(integer_uniq(ServiceSettings::ProjectId))
                    // The project's own ServicePolicy as JSON; none: its plan's.
                    .col(text_null(ServiceSettings::Policy))
                    .col(text_null(ServiceSettings::ReportTokenHash))
                    .col(blob_null(ServiceSettings::ReportTokenSealed))
                    .col(timestamp_with_time_zone_null(ServiceSettings::ReportTokenCreatedAt))
                    .col(integer_null(ServiceSettings::UpdatedBy))
                    .col(timestamp_with_time_zone(ServiceSettings::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ServiceSettings::Table, ServiceSettings::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ServiceSettings::Table, ServiceSettings::UpdatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_service_settings_report_token")
                    .table(ServiceSettings::Table)
                    .col(ServiceSettings::ReportTokenHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ServiceSpecialists::Table)
                    .col(pk_auto(ServiceSpecialists::Id))
                    .col(integer(ServiceSpecialists::ProjectId))
                    .col(integer(ServiceSpecialists::UserId))
                    .col(timestamp_with_time_zone(ServiceSpecialists::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ServiceSpecialists::Table, ServiceSpecialists::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ServiceSpecialists::Table, ServiceSpecialists::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_service_specialists_project_user")
                    .table(ServiceSpecialists::Table)
                    .col(ServiceSpecialists::ProjectId)
                    .col(ServiceSpecialists::UserId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ServiceTickets::Table)
                    .col(pk_auto(ServiceTickets::Id))
                    .col(integer(ServiceTickets::ProjectId))
                    // 报修单号, e.g. BX-2026-00017 (from the id, so never two alike).
                    .col(string_null(ServiceTickets::Number))
                    .col(string(ServiceTickets::Channel))
                    .col(string(ServiceTickets::Status))
                    // The 故障信息卡: who reported it and how to reach them.
                    .col(text(ServiceTickets::ReporterName))
                    .col(text(ServiceTickets::ReporterPhone))
                    .col(text_null(ServiceTickets::ReporterEmail))
                    .col(string_null(ServiceTickets::SystemType))
                    .col(integer_null(ServiceTickets::UnitId))
                    // The device in words when no installed unit was picked.
                    .col(text_null(ServiceTickets::Device))
                    .col(text(ServiceTickets::Symptom))
                    .col(timestamp_with_time_zone_null(ServiceTickets::FaultStartedAt))
                    .col(timestamp_with_time_zone(ServiceTickets::ReportedAt))
                    // The unit's warranty at the report; human damage pays materials only; out of
                    // warranty the service is paid.
                    .col(boolean(ServiceTickets::InWarranty))
                    .col(date_null(ServiceTickets::WarrantyEndsOn))
                    .col(boolean(ServiceTickets::HumanDamage).default(false))
                    .col(boolean(ServiceTickets::Paid).default(false))
                    .col(boolean(ServiceTickets::MajorQuality).default(false))
                    .col(integer(ServiceTickets::FailedRepairs).default(0))
                    // The events folded for the clocks (domain::service_clock::ClockLog as JSON).
                    .col(text(ServiceTickets::ClockLog))
                    // The earliest running clock's deadline (the board's order) and when the scan
                    // must look at the ticket next.
                    .col(timestamp_with_time_zone_null(ServiceTickets::DueAt))
                    .col(timestamp_with_time_zone_null(ServiceTickets::NextAlarmAt))
                    .col(boolean(ServiceTickets::Breached).default(false))
                    .col(boolean(ServiceTickets::Paused).default(false))
                    .col(timestamp_with_time_zone_null(ServiceTickets::ClosedAt))
                    .col(text_null(ServiceTickets::Ip))
                    .col(text_null(ServiceTickets::UserAgent))
                    .col(integer_null(ServiceTickets::CreatedBy))
                    .col(timestamp_with_time_zone(ServiceTickets::CreatedAt))
                    .col(timestamp_with_time_zone(ServiceTickets::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ServiceTickets::Table, ServiceTickets::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ServiceTickets::Table, ServiceTickets::UnitId)
                            .to(ReceivedUnits::Table, ReceivedUnits::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ServiceTickets::Table, ServiceTickets::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns, unique) in [
            ("uq_service_tickets_number", vec![ServiceTickets::Number], true),
            ("ix_service_tickets_project", vec![ServiceTickets::ProjectId], false),
            (
                "ix_service_tickets_next_alarm",
                vec![ServiceTickets::NextAlarmAt],
                false,
            ),
            ("ix_service_tickets_reported", vec![ServiceTickets::ReportedAt], false),
        ] {
            let mut index = Index::create();
            index.name(name).table(ServiceTickets::Table);
            for column in columns {
                index.col(column);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }
        // The board: open tickets by their next deadline, those without one last. PostgreSQL reads
        // the first page straight off this index; SQLite cannot keep NULLs last in an index and
        // sorts the open tickets (tens of milliseconds at 100,000).
        let nulls_last = match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => " NULLS LAST",
            _ => "",
        };
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "CREATE INDEX ix_service_tickets_board ON service_tickets (due_at{nulls_last}, reported_at, id) \
                 WHERE closed_at IS NULL"
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TicketEvents::Table)
                    .col(pk_auto(TicketEvents::Id))
                    .col(integer(TicketEvents::TicketId))
                    .col(string(TicketEvents::Step))
                    // When it happened (a call logged afterwards says when it came).
                    .col(timestamp_with_time_zone(TicketEvents::At))
                    .col(text_null(TicketEvents::Note))
                    // A pause's recorded reason.
                    .col(text_null(TicketEvents::Reason))
                    .col(integer_null(TicketEvents::ActorId))
                    // Who, when not one of our users (the client on the report page).
                    .col(text_null(TicketEvents::ActorName))
                    .col(timestamp_with_time_zone(TicketEvents::RecordedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TicketEvents::Table, TicketEvents::TicketId)
                            .to(ServiceTickets::Table, ServiceTickets::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(TicketEvents::Table, TicketEvents::ActorId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_ticket_events_ticket_at")
                    .table(TicketEvents::Table)
                    .col(TicketEvents::TicketId)
                    .col(TicketEvents::At)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TicketAssignees::Table)
                    .col(pk_auto(TicketAssignees::Id))
                    .col(integer(TicketAssignees::TicketId))
                    .col(integer(TicketAssignees::UserId))
                    .col(timestamp_with_time_zone(TicketAssignees::AssignedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TicketAssignees::Table, TicketAssignees::TicketId)
                            .to(ServiceTickets::Table, ServiceTickets::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(TicketAssignees::Table, TicketAssignees::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_ticket_assignees_ticket_user")
                    .table(TicketAssignees::Table)
                    .col(TicketAssignees::TicketId)
                    .col(TicketAssignees::UserId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_ticket_assignees_user")
                    .table(TicketAssignees::Table)
                    .col(TicketAssignees::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TicketAlarms::Table)
                    .col(pk_auto(TicketAlarms::Id))
                    .col(integer(TicketAlarms::TicketId))
                    // e.g. repair:80, repair:breach (domain::service_clock::Alarm::key).
                    .col(string(TicketAlarms::Key))
                    // When it went out; none for a lower level a later scan skipped.
                    .col(timestamp_with_time_zone_null(TicketAlarms::SentAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TicketAlarms::Table, TicketAlarms::TicketId)
                            .to(ServiceTickets::Table, ServiceTickets::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_ticket_alarms_ticket_key")
                    .table(TicketAlarms::Table)
                    .col(TicketAlarms::TicketId)
                    .col(TicketAlarms::Key)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // A replacement unit's own warranty end (it inherits the remaining term).
        manager
            .alter_table(
                Table::alter()
                    .table(ReceivedUnits::Table)
                    .add_column(date_null(Units::WarrantyEndsOn))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ReceivedUnits::Table)
                    .drop_column(Units::WarrantyEndsOn)
                    .to_owned(),
            )
            .await?;
        for table in [
            TicketAlarms::Table.into_iden(),
            TicketAssignees::Table.into_iden(),
            TicketEvents::Table.into_iden(),
            ServiceTickets::Table.into_iden(),
            ServiceSpecialists::Table.into_iden(),
            ServiceSettings::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Units {
    WarrantyEndsOn,
}

#[derive(DeriveIden)]
pub enum ServiceSettings {
    Table,
    Id,
    ProjectId,
    Policy,
    ReportTokenHash,
    ReportTokenSealed,
    ReportTokenCreatedAt,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub enum ServiceSpecialists {
    Table,
    Id,
    ProjectId,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum ServiceTickets {
    Table,
    Id,
    ProjectId,
    Number,
    Channel,
    Status,
    ReporterName,
    ReporterPhone,
    ReporterEmail,
    SystemType,
    UnitId,
    Device,
    Symptom,
    FaultStartedAt,
    ReportedAt,
    InWarranty,
    WarrantyEndsOn,
    HumanDamage,
    Paid,
    MajorQuality,
    FailedRepairs,
    ClockLog,
    DueAt,
    NextAlarmAt,
    Breached,
    Paused,
    ClosedAt,
    Ip,
    UserAgent,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub enum TicketEvents {
    Table,
    Id,
    TicketId,
    Step,
    At,
    Note,
    Reason,
    ActorId,
    ActorName,
    RecordedAt,
}

#[derive(DeriveIden)]
pub enum TicketAssignees {
    Table,
    Id,
    TicketId,
    UserId,
    AssignedAt,
}

#[derive(DeriveIden)]
pub enum TicketAlarms {
    Table,
    Id,
    TicketId,
    Key,
    SentAt,
}
