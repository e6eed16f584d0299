//! Equipment lists as imported (every import is a new version) and their items.
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
                    .table(EquipmentLists::Table)
                    .col(pk_auto(EquipmentLists::Id))
                    .col(integer(EquipmentLists::ProjectId))
                    // contract (协议设备清单), purchase_order (设备订购单) or approved (分项设备清单审定版).
                    .col(string(EquipmentLists::Kind))
                    .col(integer(EquipmentLists::Version))
                    .col(string(EquipmentLists::FileName))
                    .col(string(EquipmentLists::FileSha256))
                    .col(string(EquipmentLists::Sheet))
                    .col(integer(EquipmentLists::HeaderRow))
                    .col(integer_null(EquipmentLists::ImportedBy))
                    .col(timestamp_with_time_zone(EquipmentLists::ImportedAt))
                    // An approved 审定版 is the baseline for arrival.
                    .col(timestamp_with_time_zone_null(EquipmentLists::ApprovedAt))
                    .col(integer_null(EquipmentLists::ApprovedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(EquipmentLists::Table, EquipmentLists::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(EquipmentLists::Table, EquipmentLists::ImportedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .index(
                        Index::create()
                            .name("uq_equipment_lists_version")
                            .col(EquipmentLists::ProjectId)
                            .col(EquipmentLists::Kind)
                            .col(EquipmentLists::Version)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EquipmentItems::Table)
                    .col(pk_auto(EquipmentItems::Id))
                    .col(integer(EquipmentItems::ListId))
                    .col(integer(EquipmentItems::Position))
                    .col(integer(EquipmentItems::SourceRow))
                    .col(string_null(EquipmentItems::Category))
                    .col(string_null(EquipmentItems::Seq))
                    .col(text(EquipmentItems::Name))
                    .col(text_null(EquipmentItems::Brand))
                    .col(text_null(EquipmentItems::Model))
                    .col(text_null(EquipmentItems::Spec))
                    .col(double_null(EquipmentItems::Quantity))
                    .col(string_null(EquipmentItems::Unit))
                    .col(double_null(EquipmentItems::UnitPrice))
                    .col(double_null(EquipmentItems::Amount))
                    .col(text_null(EquipmentItems::Origin))
                    .col(text_null(EquipmentItems::Warranty))
                    .col(text_null(EquipmentItems::Remark))
                    .foreign_key(
                        ForeignKey::create()
                            .from(EquipmentItems::Table, EquipmentItems::ListId)
                            .to(EquipmentLists::Table, EquipmentLists::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EquipmentDecisions::Table)
                    .col(pk_auto(EquipmentDecisions::Id))
                    .col(integer(EquipmentDecisions::ProjectId))
                    .col(integer(EquipmentDecisions::ContractListId))
                    .col(integer(EquipmentDecisions::OrderListId))
                    // Identifies the difference within this pair of lists.
                    .col(string(EquipmentDecisions::DifferenceKey))
                    .col(text(EquipmentDecisions::Reason))
                    .col(text(EquipmentDecisions::Decision))
                    .col(integer_null(EquipmentDecisions::DecidedBy))
                    .col(timestamp_with_time_zone(EquipmentDecisions::DecidedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(EquipmentDecisions::Table, EquipmentDecisions::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .index(
                        Index::create()
                            .name("uq_equipment_decisions")
                            .col(EquipmentDecisions::ContractListId)
                            .col(EquipmentDecisions::OrderListId)
                            .col(EquipmentDecisions::DifferenceKey)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ChangeNotices::Table)
                    .col(pk_auto(ChangeNotices::Id))
                    .col(integer(ChangeNotices::ProjectId))
                    // Project code + BG + sequence, e.g. ZJFY-2026-018-BG-01.
                    .col(string_uniq(ChangeNotices::Number))
                    .col(integer(ChangeNotices::ContractListId))
                    .col(integer(ChangeNotices::OrderListId))
                    // The differences with their reasons and decisions, as issued (JSON).
                    .col(text(ChangeNotices::Content))
                    .col(integer_null(ChangeNotices::IssuedBy))
                    .col(timestamp_with_time_zone(ChangeNotices::IssuedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ChangeNotices::Table, ChangeNotices::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_equipment_items_list")
                    .table(EquipmentItems::Table)
                    .col(EquipmentItems::ListId)
                    .col(EquipmentItems::Position)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ChangeNotices::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(EquipmentDecisions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(EquipmentItems::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(EquipmentLists::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum EquipmentLists {
    Table,
    Id,
    ProjectId,
    Kind,
    Version,
    FileName,
    FileSha256,
    Sheet,
    HeaderRow,
    ImportedBy,
    ImportedAt,
    ApprovedAt,
    ApprovedBy,
}

#[derive(DeriveIden)]
pub enum EquipmentItems {
    Table,
    Id,
    ListId,
    Position,
    SourceRow,
    Category,
    Seq,
    Name,
    Brand,
    Model,
    Spec,
    Quantity,
    Unit,
    UnitPrice,
    Amount,
    Origin,
    Warranty,
    Remark,
}

#[derive(DeriveIden)]
enum EquipmentDecisions {
    Table,
    Id,
    ProjectId,
    ContractListId,
    OrderListId,
    DifferenceKey,
    Reason,
    Decision,
    DecidedBy,
    DecidedAt,
}

#[derive(DeriveIden)]
enum ChangeNotices {
    Table,
    Id,
    ProjectId,
    Number,
    ContractListId,
    OrderListId,
    Content,
    IssuedBy,
    IssuedAt,
}
