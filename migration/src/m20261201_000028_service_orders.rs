//! The on-site service order (上门服务单) of a ticket, with every field of the original: what the
//! fault was and how it was removed, what is left to do, the materials used and returned, the
//! fee, who repaired it and when, the result and the client's opinion; the client's signature
//! goes through the signing engine; handed in (交回存档) within the policy's hours.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261125_000001_users::Users;
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
                    .table(ServiceOrders::Table)
                    .col(pk_auto(ServiceOrders::Id))
                    .col(integer_uniq(ServiceOrders::TicketId))
                    // 故障原因, 排除方法; 系统有待处理问题: 现存现象, 处理方法.
                    .col(text(ServiceOrders::Cause))
                    .col(text(ServiceOrders::Remedy))
                    .col(text_null(ServiceOrders::RemainingSymptom))
                    .col(text_null(ServiceOrders::RemainingMethod))
                    // 使用器材 and 退回器材: JSON lists of {name, model, quantity, serial,
                    // in_warranty, remark}.
                    .col(text(ServiceOrders::UsedMaterials))
                    .col(text(ServiceOrders::ReturnedMaterials))
                    // 维修费用 in fen (0.01 元).
                    .col(big_integer(ServiceOrders::FeeFen).default(0))
                    // 维修人署名 as printed; 维修日期; 服务结果; 用户意见或提议.
                    .col(text(ServiceOrders::Repairers))
                    .col(date(ServiceOrders::RepairedOn))
                    .col(text(ServiceOrders::Result))
                    .col(text_null(ServiceOrders::ClientOpinion))
                    // Who signs for the client (用户签章), when asked by link.
                    .col(text_null(ServiceOrders::ClientSignerName))
                    .col(text_null(ServiceOrders::ClientSignerEmail))
                    .col(timestamp_with_time_zone_null(ServiceOrders::HandedInAt))
                    .col(integer_null(ServiceOrders::HandedInBy))
                    .col(integer_null(ServiceOrders::FilledBy))
                    .col(timestamp_with_time_zone(ServiceOrders::CreatedAt))
                    .col(timestamp_with_time_zone(ServiceOrders::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ServiceOrders::Table, ServiceOrders::TicketId)
                            .to(ServiceTickets::Table, ServiceTickets::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ServiceOrders::Table, ServiceOrders::HandedInBy)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ServiceOrders::Table, ServiceOrders::FilledBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ServiceOrders::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ServiceOrders {
    Table,
    Id,
    TicketId,
    Cause,
    Remedy,
    RemainingSymptom,
    RemainingMethod,
    UsedMaterials,
    ReturnedMaterials,
    FeeFen,
    Repairers,
    RepairedOn,
    Result,
    ClientOpinion,
    ClientSignerName,
    ClientSignerEmail,
    HandedInAt,
    HandedInBy,
    FilledBy,
    CreatedAt,
    UpdatedAt,
}
