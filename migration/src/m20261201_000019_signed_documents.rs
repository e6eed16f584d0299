//! Signatures on any document, not only a test plan's pages: a signature and a signing request name
//! the document they concern by kind and id (`document`, `document_id`) instead of `plan_id`, and
//! `page` is the part of it signed (a test plan's page, 0 for its 预验收证书; a report's part). No
//! foreign key to the document, as it lives in one of several tables — the service checks it
//! belongs to the project.
//!
//! SQLite cannot drop a column's NOT NULL or foreign key, so both tables are built anew, the rows
//! copied with their ids (every verification code printed so far keeps answering), the old tables
//! dropped and the new ones renamed.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261125_000001_users::Users;
use crate::m20261125_000002_projects::Projects;

#[derive(DeriveMigrationName)]
pub struct Migration;

const REQUESTS_BY_DOCUMENT: &str = "idx_signing_requests_document";
const SIGNATURES_BY_DOCUMENT: &str = "idx_signatures_document";

fn belongs_to_project(table: T) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, C::ProjectId)
        .to(Projects::Table, Projects::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn by_user(table: T, column: C) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Users::Table, Users::Id)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    // All or nothing, on one connection: on SQLite a pooled connection that still holds the old
    // schema would refuse the rename.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        manager
            .create_table(
                Table::create()
                    .table(T::SigningRequestsNew)
                    .col(pk_auto(C::Id))
                    .col(integer(C::ProjectId))
                    // test_plan, acceptance, ...
                    .col(string(C::Document))
                    .col(integer(C::DocumentId))
                    .col(text(C::SignerName))
                    .col(text(C::SignerEmail))
                    .col(text_null(C::SignerRole))
                    // JSON array of the parts to sign.
                    .col(text(C::Pages))
                    .col(string(C::Method))
                    // SHA-256 of the token; the token itself is only in the link.
                    .col(string_uniq(C::TokenHash))
                    .col(timestamp_with_time_zone(C::ExpiresAt))
                    .col(timestamp_with_time_zone_null(C::OpenedAt))
                    .col(timestamp_with_time_zone_null(C::UsedAt))
                    .col(timestamp_with_time_zone_null(C::DeclinedAt))
                    .col(text_null(C::DeclineReason))
                    .col(timestamp_with_time_zone_null(C::RevokedAt))
                    .col(integer(C::RemindersSent))
                    .col(timestamp_with_time_zone(C::LastSentAt))
                    .col(integer_null(C::CreatedBy))
                    .col(timestamp_with_time_zone(C::CreatedAt))
                    .foreign_key(&mut belongs_to_project(T::SigningRequestsNew))
                    .foreign_key(&mut by_user(T::SigningRequestsNew, C::CreatedBy))
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(
            "INSERT INTO signing_requests_new (id, project_id, document, document_id, signer_name, \
             signer_email, signer_role, pages, method, token_hash, expires_at, opened_at, used_at, \
             declined_at, decline_reason, revoked_at, reminders_sent, last_sent_at, created_by, created_at) \
             SELECT id, project_id, 'test_plan', plan_id, signer_name, signer_email, signer_role, pages, \
             method, token_hash, expires_at, opened_at, used_at, declined_at, decline_reason, revoked_at, \
             reminders_sent, last_sent_at, created_by, created_at FROM signing_requests",
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(T::SignaturesNew)
                    .col(pk_auto(C::Id))
                    .col(integer(C::ProjectId))
                    .col(string(C::Document))
                    .col(integer(C::DocumentId))
                    // The part signed: a test plan's page (0 for its 预验收证书), a report's part.
                    .col(integer(C::Page))
                    .col(string(C::Party))
                    .col(text(C::SignerName))
                    .col(text_null(C::SignerEmail))
                    .col(text_null(C::SignerRole))
                    .col(integer_null(C::UserId))
                    .col(integer_null(C::RequestId))
                    .col(string(C::Method))
                    .col(timestamp_with_time_zone(C::SignedAt))
                    // The signing time in the project's time zone, as the signer saw it.
                    .col(string(C::SignedLocal))
                    .col(string_null(C::IpAddress))
                    .col(text_null(C::UserAgent))
                    // SHA-256 of the canonical content of what was signed.
                    .col(string(C::ContentSha256))
                    // Printed with the signature and answered at /verify/{code}.
                    .col(string_uniq(C::VerifyCode))
                    .col(timestamp_with_time_zone_null(C::VoidedAt))
                    .col(text_null(C::VoidReason))
                    .col(integer_null(C::VoidedBy))
                    .foreign_key(&mut belongs_to_project(T::SignaturesNew))
                    .foreign_key(&mut by_user(T::SignaturesNew, C::UserId))
                    .foreign_key(&mut by_user(T::SignaturesNew, C::VoidedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(T::SignaturesNew, C::RequestId)
                            .to(T::SigningRequestsNew, C::Id),
                    )
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(
            "INSERT INTO signatures_new (id, project_id, document, document_id, page, party, signer_name, \
             signer_email, signer_role, user_id, request_id, method, signed_at, signed_local, ip_address, \
             user_agent, content_sha256, verify_code, voided_at, void_reason, voided_by) \
             SELECT id, project_id, 'test_plan', plan_id, page, party, signer_name, signer_email, \
             signer_role, user_id, request_id, method, signed_at, signed_local, ip_address, user_agent, \
             content_sha256, verify_code, voided_at, void_reason, voided_by FROM signatures",
        )
        .await?;
        manager
            .drop_table(Table::drop().table(T::Signatures).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(T::SigningRequests).to_owned())
            .await?;
        // SQLite rewrites the new signatures' reference to the renamed requests table.
        manager
            .rename_table(
                Table::rename()
                    .table(T::SigningRequestsNew, T::SigningRequests)
                    .to_owned(),
            )
            .await?;
        manager
            .rename_table(Table::rename().table(T::SignaturesNew, T::Signatures).to_owned())
            .await?;
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            // The rows came with their ids: the sequences go on after the highest.
            for table in ["signing_requests", "signatures"] {
                db.execute_unprepared(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                     COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                ))
                .await?;
            }
        }
        for (name, table) in [
            (REQUESTS_BY_DOCUMENT, T::SigningRequests),
            (SIGNATURES_BY_DOCUMENT, T::Signatures),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(table)
                        .col(C::Document)
                        .col(C::DocumentId)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // Signatures on documents other than test plans have nowhere to go in the old tables.
        Err(DbErr::Migration(
            "signatures on documents other than test plans cannot be taken back; restore a backup".into(),
        ))
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum T {
    SigningRequests,
    SigningRequestsNew,
    Signatures,
    SignaturesNew,
}

#[derive(DeriveIden, Clone, Copy)]
enum C {
    Id,
    ProjectId,
    Document,
    DocumentId,
    SignerName,
    SignerEmail,
    SignerRole,
    Pages,
    Method,
    TokenHash,
    ExpiresAt,
    OpenedAt,
    UsedAt,
    DeclinedAt,
    DeclineReason,
    RevokedAt,
    RemindersSent,
    LastSentAt,
    CreatedBy,
    CreatedAt,
    Page,
    Party,
    UserId,
    RequestId,
    SignedAt,
    SignedLocal,
    IpAddress,
    UserAgent,
    ContentSha256,
    VerifyCode,
    VoidedAt,
    VoidReason,
    VoidedBy,
}
