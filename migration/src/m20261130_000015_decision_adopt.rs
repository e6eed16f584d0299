//! Which side a decided difference adopts — the purchase order's value or the contract list's — so
//! the 分项设备清单审定版 can be built from the contract list and the decisions instead of typed
//! again as a third spreadsheet. Null for decisions recorded before: they are decided again.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(EquipmentDecisions::Table)
                    .add_column(ColumnDef::new(EquipmentDecisions::Adopt).string().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(EquipmentDecisions::Table)
                    .drop_column(EquipmentDecisions::Adopt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum EquipmentDecisions {
    Table,
    Adopt,
}
