//! The spare-parts store (备品备件库) and its loans for tickets: each spare with its model, serial
//! and place; a loan asked by an engineer, approved by the PM in the app or orally (then
//! countersigned within the policy's working days), taken out and brought back within its hours —
//! or left installed in place of the faulty unit, whose serial the installed unit then carries
//! in service (the receipt keeps the serial that arrived), the faulty unit taken into the store.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261125_000001_users::Users;
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
                    .table(SpareParts::Table)
                    .col(pk_auto(SpareParts::Id))
                    .col(text(SpareParts::Name))
                    .col(text_null(SpareParts::Model))
                    .col(string_null(SpareParts::Serial))
                    .col(text(SpareParts::Location))
                    .col(string(SpareParts::Status))
                    .col(text_null(SpareParts::Notes))
                    .col(integer_null(SpareParts::CreatedBy))
                    .col(timestamp_with_time_zone(SpareParts::CreatedAt))
                    .col(timestamp_with_time_zone(SpareParts::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SpareParts::Table, SpareParts::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_spare_parts_serial")
                    .table(SpareParts::Table)
                    .col(SpareParts::Serial)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SpareLoans::Table)
                    .col(pk_auto(SpareLoans::Id))
                    .col(integer(SpareLoans::TicketId))
                    .col(integer(SpareLoans::SpareId))
                    .col(string(SpareLoans::Status))
                    .col(text_null(SpareLoans::Note))
                    .col(integer_null(SpareLoans::RequestedBy))
                    .col(timestamp_with_time_zone(SpareLoans::RequestedAt))
                    // in_app or oral.
                    .col(string_null(SpareLoans::Approval))
                    .col(integer_null(SpareLoans::ApprovedBy))
                    .col(timestamp_with_time_zone_null(SpareLoans::ApprovedAt))
                    // An oral approval: the last working day to countersign it, and when and by
                    // whom it was.
                    .col(date_null(SpareLoans::CountersignDueOn))
                    .col(timestamp_with_time_zone_null(SpareLoans::CountersignedAt))
                    .col(integer_null(SpareLoans::CountersignedBy))
                    .col(timestamp_with_time_zone_null(SpareLoans::CheckedOutAt))
                    .col(timestamp_with_time_zone_null(SpareLoans::ReturnDueAt))
                    .col(timestamp_with_time_zone_null(SpareLoans::ReturnedAt))
                    .col(timestamp_with_time_zone_null(SpareLoans::InstalledAt))
                    // Installed: the unit it replaced and the faulty unit taken into the store.
                    .col(integer_null(SpareLoans::UnitId))
                    .col(integer_null(SpareLoans::FaultySpareId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SpareLoans::Table, SpareLoans::TicketId)
                            .to(ServiceTickets::Table, ServiceTickets::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SpareLoans::Table, SpareLoans::SpareId)
                            .to(SpareParts::Table, SpareParts::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SpareLoans::Table, SpareLoans::RequestedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SpareLoans::Table, SpareLoans::ApprovedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SpareLoans::Table, SpareLoans::CountersignedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SpareLoans::Table, SpareLoans::UnitId)
                            .to(ReceivedUnits::Table, ReceivedUnits::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SpareLoans::Table, SpareLoans::FaultySpareId)
                            .to(SpareParts::Table, SpareParts::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("ix_spare_loans_ticket", SpareLoans::TicketId),
            ("ix_spare_loans_spare", SpareLoans::SpareId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(SpareLoans::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(ReceivedUnits::Table)
                    .add_column(string_null(Units::SerialInService))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ReceivedUnits::Table)
                    .drop_column(Units::SerialInService)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(SpareLoans::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(SpareParts::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Units {
    SerialInService,
}

#[derive(DeriveIden)]
enum SpareParts {
    Table,
    Id,
    Name,
    Model,
    Serial,
    Location,
    Status,
    Notes,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SpareLoans {
    Table,
    Id,
    TicketId,
    SpareId,
    Status,
    Note,
    RequestedBy,
    RequestedAt,
    Approval,
    ApprovedBy,
    ApprovedAt,
    CountersignDueOn,
    CountersignedAt,
    CountersignedBy,
    CheckedOutAt,
    ReturnDueAt,
    ReturnedAt,
    InstalledAt,
    UnitId,
    FaultySpareId,
}
