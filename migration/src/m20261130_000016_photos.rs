//! Photos taken on site, each attached to one record: an arrival inspection, a deviation, an
//! installation record or a work-log entry (`subject`, `subject_id`; no foreign key, as the subject
//! lives in one of four tables — the service checks it belongs to the project). The pictures
//! themselves are files kept by their SHA-256 (`files.rs`): the photo as kept (location and every
//! other metadata removed, at most 2560 px), a print copy for the forms' appendix and a thumbnail.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261125_000001_users::Users;
use crate::m20261125_000002_projects::Projects;

#[derive(DeriveMigrationName)]
pub struct Migration;

const BY_SUBJECT: &str = "idx_photos_project_subject";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Photos::Table)
                    .col(pk_auto(Photos::Id))
                    .col(integer(Photos::ProjectId))
                    // inspection, deviation, installation or work_log.
                    .col(string(Photos::Subject))
                    .col(integer(Photos::SubjectId))
                    .col(text_null(Photos::Caption))
                    .col(string(Photos::Sha256))
                    .col(string(Photos::PrintSha256))
                    .col(string(Photos::ThumbSha256))
                    .col(integer(Photos::Width))
                    .col(integer(Photos::Height))
                    .col(big_integer(Photos::Bytes))
                    // The name of the file as uploaded, for the record.
                    .col(text_null(Photos::FileName))
                    .col(integer_null(Photos::TakenBy))
                    .col(timestamp_with_time_zone(Photos::UploadedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Photos::Table, Photos::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Photos::Table, Photos::TakenBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(BY_SUBJECT)
                    .table(Photos::Table)
                    .col(Photos::ProjectId)
                    .col(Photos::Subject)
                    .col(Photos::SubjectId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Photos::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Photos {
    Table,
    Id,
    ProjectId,
    Subject,
    SubjectId,
    Caption,
    Sha256,
    PrintSha256,
    ThumbSha256,
    Width,
    Height,
    Bytes,
    FileName,
    TakenBy,
    UploadedAt,
}
