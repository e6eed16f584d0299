//! A purchase order's own terms, which the 设备订购单 prints: the 供货单位 it is placed with, the
//! day it was placed (订购日期), the day the goods are due (交货期) and where (交货地点). Set on a
//! purchase-order version and carried to the next one; empty (or none) until stated.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        let columns = [
            string(EquipmentLists::Supplier).default("").to_owned(),
            date_null(EquipmentLists::OrderedOn).to_owned(),
            date_null(EquipmentLists::DeliveryDueOn).to_owned(),
            string(EquipmentLists::DeliveryPlace).default("").to_owned(),
        ];
        for column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(EquipmentLists::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            EquipmentLists::Supplier,
            EquipmentLists::OrderedOn,
            EquipmentLists::DeliveryDueOn,
            EquipmentLists::DeliveryPlace,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(EquipmentLists::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum EquipmentLists {
    Table,
    Supplier,
    OrderedOn,
    DeliveryDueOn,
    DeliveryPlace,
}
