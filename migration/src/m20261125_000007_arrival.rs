//! Phase 2 and 3 records against the approved baseline: shipments and the units they brought,
//! arrival inspections and their deviations, installation and commissioning records; and the
//! evidence a task completed by the system links to.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261125_000001_users::Users;
use crate::m20261125_000002_projects::Projects;
use crate::m20261125_000003_schedule::Tasks;
use crate::m20261125_000006_equipment::EquipmentItems;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn project_fk<T: IntoIden + Copy + 'static>(table: T, col: T) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, col)
        .to(Projects::Table, Projects::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn item_fk<T: IntoIden + Copy + 'static>(table: T, col: T) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, col)
        .to(EquipmentItems::Table, EquipmentItems::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn user_fk<T: IntoIden + Copy + 'static>(table: T, col: T) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, col)
        .to(Users::Table, Users::Id)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Shipments::Table)
                    .col(pk_auto(Shipments::Id))
                    .col(integer(Shipments::ProjectId))
                    // 发货单号 or the supplier's delivery note number.
                    .col(string(Shipments::Reference))
                    .col(text(Shipments::DispatchedBy))
                    .col(text_null(Shipments::Carrier))
                    .col(date_null(Shipments::DispatchedOn))
                    .col(date_null(Shipments::ExpectedOn))
                    .col(date_null(Shipments::ArrivedOn))
                    // 设备签收单: who signed for the goods on site, and when.
                    .col(text_null(Shipments::ReceivedBy))
                    .col(timestamp_with_time_zone_null(Shipments::ReceiptSignedAt))
                    .col(integer_null(Shipments::ReceiptRecordedBy))
                    .col(text_null(Shipments::Note))
                    .col(integer_null(Shipments::CreatedBy))
                    .col(timestamp_with_time_zone(Shipments::CreatedAt))
                    .foreign_key(&mut project_fk(Shipments::Table, Shipments::ProjectId))
                    .foreign_key(&mut user_fk(Shipments::Table, Shipments::CreatedBy))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReceivedUnits::Table)
                    .col(pk_auto(ReceivedUnits::Id))
                    .col(integer(ReceivedUnits::ProjectId))
                    .col(integer(ReceivedUnits::ShipmentId))
                    // A line of the approved baseline.
                    .col(integer(ReceivedUnits::ItemId))
                    // One unit per serial number; items without one (cable, brackets) arrive as a quantity.
                    .col(string_null(ReceivedUnits::Serial))
                    .col(double(ReceivedUnits::Quantity))
                    .col(integer_null(ReceivedUnits::CreatedBy))
                    .col(timestamp_with_time_zone(ReceivedUnits::CreatedAt))
                    .foreign_key(&mut project_fk(ReceivedUnits::Table, ReceivedUnits::ProjectId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReceivedUnits::Table, ReceivedUnits::ShipmentId)
                            .to(Shipments::Table, Shipments::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut item_fk(ReceivedUnits::Table, ReceivedUnits::ItemId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_received_units_serial")
                    .table(ReceivedUnits::Table)
                    .col(ReceivedUnits::ItemId)
                    .col(ReceivedUnits::Serial)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Inspections::Table)
                    .col(pk_auto(Inspections::Id))
                    .col(integer(Inspections::ProjectId))
                    .col(integer(Inspections::ItemId))
                    // self (our self-check) or client (organised by the client, witnessed).
                    .col(string(Inspections::Round))
                    // pass, fail or na: 随机资料检验, 外观检验, 通电测试.
                    .col(string(Inspections::Documents))
                    .col(string(Inspections::Appearance))
                    .col(string(Inspections::PowerOn))
                    .col(text_null(Inspections::Note))
                    .col(integer_null(Inspections::InspectorId))
                    .col(text_null(Inspections::Witness))
                    .col(timestamp_with_time_zone(Inspections::InspectedAt))
                    .col(timestamp_with_time_zone(Inspections::RecordedAt))
                    .foreign_key(&mut project_fk(Inspections::Table, Inspections::ProjectId))
                    .foreign_key(&mut item_fk(Inspections::Table, Inspections::ItemId))
                    .foreign_key(&mut user_fk(Inspections::Table, Inspections::InspectorId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Deviations::Table)
                    .col(pk_auto(Deviations::Id))
                    .col(integer(Deviations::ProjectId))
                    .col(integer(Deviations::ItemId))
                    .col(integer(Deviations::InspectionId))
                    .col(text(Deviations::Description))
                    // open or closed.
                    .col(string(Deviations::Status))
                    // replace, return or concession.
                    .col(string_null(Deviations::Resolution))
                    .col(text_null(Deviations::ResolutionNote))
                    // Who agreed a concession for the client.
                    .col(text_null(Deviations::ClientApprover))
                    .col(integer_null(Deviations::OpenedBy))
                    .col(timestamp_with_time_zone(Deviations::OpenedAt))
                    .col(integer_null(Deviations::ClosedBy))
                    .col(timestamp_with_time_zone_null(Deviations::ClosedAt))
                    .foreign_key(&mut project_fk(Deviations::Table, Deviations::ProjectId))
                    .foreign_key(&mut item_fk(Deviations::Table, Deviations::ItemId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Deviations::Table, Deviations::InspectionId)
                            .to(Inspections::Table, Inspections::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Installations::Table)
                    .col(pk_auto(Installations::Id))
                    .col(integer(Installations::ProjectId))
                    .col(integer(Installations::ItemId))
                    // The serial-numbered unit installed, when the item has serials.
                    .col(integer_null(Installations::UnitId))
                    .col(double(Installations::Quantity))
                    .col(text(Installations::Location))
                    .col(date(Installations::InstalledOn))
                    .col(integer_null(Installations::EngineerId))
                    .col(string_null(Installations::IpAddress))
                    .col(string_null(Installations::Firmware))
                    .col(text_null(Installations::ConfigNotes))
                    // pending, pass or fail.
                    .col(string(Installations::Commissioning))
                    .col(text_null(Installations::CommissioningNote))
                    .col(date_null(Installations::CommissionedOn))
                    .col(integer_null(Installations::CreatedBy))
                    .col(timestamp_with_time_zone(Installations::CreatedAt))
                    .col(timestamp_with_time_zone(Installations::UpdatedAt))
                    .foreign_key(&mut project_fk(Installations::Table, Installations::ProjectId))
                    .foreign_key(&mut item_fk(Installations::Table, Installations::ItemId))
                    .foreign_key(&mut user_fk(Installations::Table, Installations::EngineerId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Installations::Table, Installations::UnitId)
                            .to(ReceivedUnits::Table, ReceivedUnits::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, table, col) in [
            (
                "idx_shipments_project",
                Shipments::Table.into_iden(),
                Shipments::ProjectId.into_iden(),
            ),
            (
                "idx_received_units_project",
                ReceivedUnits::Table.into_iden(),
                ReceivedUnits::ProjectId.into_iden(),
            ),
            (
                "idx_inspections_project",
                Inspections::Table.into_iden(),
                Inspections::ProjectId.into_iden(),
            ),
            (
                "idx_deviations_project",
                Deviations::Table.into_iden(),
                Deviations::ProjectId.into_iden(),
            ),
            (
                "idx_installations_project",
                Installations::Table.into_iden(),
                Installations::ProjectId.into_iden(),
            ),
        ] {
            manager
                .create_index(Index::create().name(name).table(table).col(col).to_owned())
                .await?;
        }
        // Links to the records that completed a task (JSON list of {label, href}).
        manager
            .alter_table(
                Table::alter()
                    .table(Tasks::Table)
                    .add_column(text_null(Tasks::Evidence))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Tasks::Table)
                    .drop_column(Tasks::Evidence)
                    .to_owned(),
            )
            .await?;
        for table in [
            Installations::Table.into_iden(),
            Deviations::Table.into_iden(),
            Inspections::Table.into_iden(),
            ReceivedUnits::Table.into_iden(),
            Shipments::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Shipments {
    Table,
    Id,
    ProjectId,
    Reference,
    DispatchedBy,
    Carrier,
    DispatchedOn,
    ExpectedOn,
    ArrivedOn,
    ReceivedBy,
    ReceiptSignedAt,
    ReceiptRecordedBy,
    Note,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum ReceivedUnits {
    Table,
    Id,
    ProjectId,
    ShipmentId,
    ItemId,
    Serial,
    Quantity,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Inspections {
    Table,
    Id,
    ProjectId,
    ItemId,
    Round,
    Documents,
    Appearance,
    PowerOn,
    Note,
    InspectorId,
    Witness,
    InspectedAt,
    RecordedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Deviations {
    Table,
    Id,
    ProjectId,
    ItemId,
    InspectionId,
    Description,
    Status,
    Resolution,
    ResolutionNote,
    ClientApprover,
    OpenedBy,
    OpenedAt,
    ClosedBy,
    ClosedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Installations {
    Table,
    Id,
    ProjectId,
    ItemId,
    UnitId,
    Quantity,
    Location,
    InstalledOn,
    EngineerId,
    IpAddress,
    Firmware,
    ConfigNotes,
    Commissioning,
    CommissioningNote,
    CommissionedOn,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}
