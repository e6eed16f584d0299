//! The append-only change history: who changed what, when, from which value to which.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(History::Table)
                    .col(big_pk_auto(History::Id))
                    // No foreign key: history outlives what it describes.
                    .col(integer_null(History::ProjectId))
                    .col(timestamp_with_time_zone(History::At))
                    .col(integer_null(History::ActorId))
                    .col(string(History::ActorName))
                    .col(string(History::Entity))
                    .col(integer_null(History::EntityId))
                    .col(string(History::Action))
                    .col(string_null(History::Field))
                    .col(text_null(History::OldValue))
                    .col(text_null(History::NewValue))
                    .col(text_null(History::Reason))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_history_project")
                    .table(History::Table)
                    .col(History::ProjectId)
                    .col(History::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(History::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum History {
    Table,
    Id,
    ProjectId,
    At,
    ActorId,
    ActorName,
    Entity,
    EntityId,
    Action,
    Field,
    OldValue,
    NewValue,
    Reason,
}
