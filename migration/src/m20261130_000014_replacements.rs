//! A replacement unit takes the place of the unit it replaces: `received_units.replaces_unit_id`
//! names it, both rows stay. A unit is replaced at most once (the unique index); a unit that no
//! other row replaces is the one in place. No foreign key: SQLite cannot add one to an existing
//! table, and the service checks the unit belongs to the same project and item.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX: &str = "idx_received_units_replaces_unit_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ReceivedUnits::Table)
                    .add_column(ColumnDef::new(ReceivedUnits::ReplacesUnitId).integer().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(ReceivedUnits::Table)
                    .col(ReceivedUnits::ReplacesUnitId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(ReceivedUnits::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ReceivedUnits::Table)
                    .drop_column(ReceivedUnits::ReplacesUnitId)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum ReceivedUnits {
    Table,
    ReplacesUnitId,
}
