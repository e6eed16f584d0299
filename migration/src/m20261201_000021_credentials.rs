//! The 口令 handover: the delivered system's device and system accounts with their passwords
//! sealed at rest (AES-256-GCM, see `backend/src/vault.rs`), the handovers to the client's
//! designated person (what was handed over, frozen when it was made), and the vault's check value
//! that tells a service started with another key.
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
                    .table(VaultChecks::Table)
                    // One row, id 1.
                    .col(integer(VaultChecks::Id).primary_key())
                    .col(blob(VaultChecks::Sealed))
                    .col(timestamp_with_time_zone(VaultChecks::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Credentials::Table)
                    .col(pk_auto(Credentials::Id))
                    .col(integer(Credentials::ProjectId))
                    .col(text(Credentials::Target))
                    // device or system.
                    .col(string(Credentials::Kind))
                    .col(text_null(Credentials::Address))
                    .col(text(Credentials::Account))
                    // Nonce, ciphertext and tag; never the password itself.
                    .col(blob(Credentials::Sealed))
                    .col(text_null(Credentials::Role))
                    .col(text_null(Credentials::Remark))
                    .col(integer_null(Credentials::CreatedBy))
                    .col(timestamp_with_time_zone(Credentials::CreatedAt))
                    .col(timestamp_with_time_zone(Credentials::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Credentials::Table, Credentials::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Credentials::Table, Credentials::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_credentials_project")
                    .table(Credentials::Table)
                    .col(Credentials::ProjectId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CredentialHandovers::Table)
                    .col(pk_auto(CredentialHandovers::Id))
                    .col(integer(CredentialHandovers::ProjectId))
                    .col(text(CredentialHandovers::RecipientName))
                    .col(text(CredentialHandovers::RecipientEmail))
                    .col(text_null(CredentialHandovers::RecipientRole))
                    // JSON array of what was handed over, each password as sealed then.
                    .col(text(CredentialHandovers::Items))
                    .col(integer_null(CredentialHandovers::CreatedBy))
                    .col(timestamp_with_time_zone(CredentialHandovers::CreatedAt))
                    .col(timestamp_with_time_zone_null(CredentialHandovers::AcknowledgedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CredentialHandovers::Table, CredentialHandovers::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CredentialHandovers::Table, CredentialHandovers::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CredentialHandovers::Table.into_iden(),
            Credentials::Table.into_iden(),
            VaultChecks::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum VaultChecks {
    Table,
    Id,
    Sealed,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Credentials {
    Table,
    Id,
    ProjectId,
    Target,
    Kind,
    Address,
    Account,
    Sealed,
    Role,
    Remark,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CredentialHandovers {
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
