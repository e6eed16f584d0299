//! Rate-limit counters: one row per key (an account, an address, an account from an address),
//! counted up and checked in one atomic statement.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ThrottleCounters::Table)
                    .col(string(ThrottleCounters::Key).primary_key())
                    // Unix seconds: the start of the key's current window.
                    .col(big_integer(ThrottleCounters::WindowStart))
                    .col(integer(ThrottleCounters::Count))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_auth_tokens_expires_at")
                    .table(AuthTokens::Table)
                    .col(AuthTokens::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_auth_tokens_expires_at")
                    .table(AuthTokens::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(ThrottleCounters::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ThrottleCounters {
    Table,
    Key,
    WindowStart,
    Count,
}

#[derive(DeriveIden)]
enum AuthTokens {
    Table,
    ExpiresAt,
}
