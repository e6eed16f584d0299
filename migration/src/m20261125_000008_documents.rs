//! The work log (工作记录单), and the document register: every issued form with its number,
//! version, hashes and the file itself, and the distribution log of the copies handed out.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261125_000001_users::Users;
use crate::m20261125_000002_projects::Projects;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WorkLogs::Table)
                    .col(pk_auto(WorkLogs::Id))
                    .col(integer(WorkLogs::ProjectId))
                    .col(date(WorkLogs::WorkDate))
                    // Names of the people on site that day, as written on the paper form.
                    .col(text(WorkLogs::People))
                    .col(text(WorkLogs::WorkDone))
                    .col(text_null(WorkLogs::Problems))
                    .col(integer_null(WorkLogs::RecordedBy))
                    .col(timestamp_with_time_zone(WorkLogs::RecordedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WorkLogs::Table, WorkLogs::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(WorkLogs::Table, WorkLogs::RecordedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IssuedDocuments::Table)
                    .col(pk_auto(IssuedDocuments::Id))
                    .col(integer(IssuedDocuments::ProjectId))
                    // FormKind key, e.g. inspection-record.
                    .col(string(IssuedDocuments::Form))
                    // Project code + form code + sequence; the same for every version of a document.
                    .col(string(IssuedDocuments::Number))
                    .col(integer(IssuedDocuments::Version))
                    .col(text(IssuedDocuments::Title))
                    // Printed in the footer and answered at /verify/{code}.
                    .col(string_uniq(IssuedDocuments::VerifyCode))
                    .col(string(IssuedDocuments::FileSha256))
                    .col(string(IssuedDocuments::DataSha256))
                    .col(blob(IssuedDocuments::File))
                    .col(integer_null(IssuedDocuments::IssuedBy))
                    .col(timestamp_with_time_zone(IssuedDocuments::IssuedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(IssuedDocuments::Table, IssuedDocuments::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(IssuedDocuments::Table, IssuedDocuments::IssuedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_issued_documents_number_version")
                    .table(IssuedDocuments::Table)
                    .col(IssuedDocuments::Number)
                    .col(IssuedDocuments::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DocumentCopies::Table)
                    .col(pk_auto(DocumentCopies::Id))
                    .col(integer(DocumentCopies::DocumentId))
                    .col(text(DocumentCopies::Recipient))
                    .col(timestamp_with_time_zone(DocumentCopies::HandedAt))
                    // 当面 / 邮寄 / 电子邮件 ...
                    .col(string(DocumentCopies::Method))
                    .col(integer(DocumentCopies::Copies))
                    .col(text_null(DocumentCopies::Note))
                    .col(integer_null(DocumentCopies::RecordedBy))
                    // A lost copy is reported at once (the seed's confidentiality clause).
                    .col(timestamp_with_time_zone_null(DocumentCopies::LostReportedAt))
                    .col(text_null(DocumentCopies::LostNote))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DocumentCopies::Table, DocumentCopies::DocumentId)
                            .to(IssuedDocuments::Table, IssuedDocuments::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(DocumentCopies::Table, DocumentCopies::RecordedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            DocumentCopies::Table.into_iden(),
            IssuedDocuments::Table.into_iden(),
            WorkLogs::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
pub enum WorkLogs {
    Table,
    Id,
    ProjectId,
    WorkDate,
    People,
    WorkDone,
    Problems,
    RecordedBy,
    RecordedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum IssuedDocuments {
    Table,
    Id,
    ProjectId,
    Form,
    Number,
    Version,
    Title,
    VerifyCode,
    FileSha256,
    DataSha256,
    File,
    IssuedBy,
    IssuedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum DocumentCopies {
    Table,
    Id,
    DocumentId,
    Recipient,
    HandedAt,
    Method,
    Copies,
    Note,
    RecordedBy,
    LostReportedAt,
    LostNote,
}
