//! The handover of the nine technical documents (文档移交): to whom, which issued version of each
//! with its pages and copies, and when the client signed the 技术文档交付备忘录 for them.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261125_000001_users::Users;
use crate::m20261125_000002_projects::Projects;

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
                    .table(DocumentHandovers::Table)
                    .col(pk_auto(DocumentHandovers::Id))
                    .col(integer(DocumentHandovers::ProjectId))
                    .col(text(DocumentHandovers::RecipientName))
                    .col(text(DocumentHandovers::RecipientEmail))
                    .col(text_null(DocumentHandovers::RecipientRole))
                    // The documents as handed over (JSON), frozen.
                    .col(text(DocumentHandovers::Items))
                    .col(integer_null(DocumentHandovers::CreatedBy))
                    .col(timestamp_with_time_zone(DocumentHandovers::CreatedAt))
                    .col(timestamp_with_time_zone_null(DocumentHandovers::AcknowledgedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DocumentHandovers::Table, DocumentHandovers::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(DocumentHandovers::Table, DocumentHandovers::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_document_handovers_project")
                    .table(DocumentHandovers::Table)
                    .col(DocumentHandovers::ProjectId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DocumentHandovers::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum DocumentHandovers {
    Table,
    Id,
    ProjectId,
    RecipientName,
    RecipientEmail,
    RecipientRole,
    Items,
    CreatedBy,
    CreatedAt,
    AcknowledgedAt,
}
