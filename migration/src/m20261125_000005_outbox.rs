//! The e-mail outbox and the reminder items already mailed.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(big_pk_auto(Outbox::Id))
                    // What the message is about; enqueuing the same key twice is a no-op.
                    .col(string_uniq(Outbox::IdempotencyKey))
                    .col(string(Outbox::Kind))
                    .col(integer_null(Outbox::ProjectId))
                    .col(string(Outbox::ToAddress))
                    .col(string_null(Outbox::ToName))
                    .col(string(Outbox::Subject))
                    .col(text(Outbox::BodyText))
                    .col(text_null(Outbox::BodyHtml))
                    // queued, sending, sent, failed or cancelled.
                    .col(string(Outbox::Status))
                    .col(integer(Outbox::Attempts).default(0))
                    .col(timestamp_with_time_zone(Outbox::NextAttemptAt))
                    // Transient failures are retried until then; a manual retry moves it.
                    .col(timestamp_with_time_zone(Outbox::RetryUntil))
                    .col(timestamp_with_time_zone_null(Outbox::LeaseUntil))
                    .col(string_null(Outbox::LeaseOwner))
                    .col(text_null(Outbox::LastError))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(Outbox::SentAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_due")
                    .table(Outbox::Table)
                    .col(Outbox::Status)
                    .col(Outbox::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReminderItems::Table)
                    .col(big_pk_auto(ReminderItems::Id))
                    // reminder:{task}:{kind}:{due date}:{recipient}
                    .col(string_uniq(ReminderItems::ItemKey))
                    .col(integer(ReminderItems::TaskId))
                    .col(string(ReminderItems::Recipient))
                    .col(big_integer(ReminderItems::OutboxId))
                    .col(timestamp_with_time_zone(ReminderItems::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ReminderItems::Table).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(Outbox::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    IdempotencyKey,
    Kind,
    ProjectId,
    ToAddress,
    ToName,
    Subject,
    BodyText,
    BodyHtml,
    Status,
    Attempts,
    NextAttemptAt,
    RetryUntil,
    LeaseUntil,
    LeaseOwner,
    LastError,
    CreatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum ReminderItems {
    Table,
    Id,
    ItemKey,
    TaskId,
    Recipient,
    OutboxId,
    CreatedAt,
}
