//! A service order classes what the fault came from (hardware, ageing, software, network,
//! power, misuse, other), so the PM's monthly 维护总结汇报表 counts faults by cause and finds what
//! recurs. Orders filled before have none: they count as 未分类.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ServiceOrders::Table)
                    .add_column(string_len_null(ServiceOrders::CauseCategory, 24))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ServiceOrders::Table)
                    .drop_column(ServiceOrders::CauseCategory)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum ServiceOrders {
    Table,
    CauseCategory,
}
