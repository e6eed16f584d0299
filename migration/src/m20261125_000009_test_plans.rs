//! Functional test plans (功能测试方案): Part 1 items laid out in pages, Part 2 procedures, the
//! signatures on each page and on the 预验收证书, the e-mailed signing requests of the client, and
//! the append-only audit log whose entries are chained by hash.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261125_000001_users::Users;
use crate::m20261125_000002_projects::Projects;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn belongs_to_project(table: TestPlanTables) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, Common::ProjectId)
        .to(Projects::Table, Projects::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn belongs_to_plan(table: TestPlanTables) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, Common::PlanId)
        .to(TestPlanTables::TestPlans, Common::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn by_user(table: TestPlanTables, column: Common) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Users::Table, Users::Id)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Common as C;
        use TestPlanTables as T;
        manager
            .create_table(
                Table::create()
                    .table(T::TestPlans)
                    .col(pk_auto(C::Id))
                    .col(integer(C::ProjectId))
                    .col(text(C::Title))
                    // Template codes it was made from, comma-separated.
                    .col(text(C::Templates))
                    .col(integer(C::ItemsPerPage))
                    // Both sides confirm the test conditions are met and name their engineers.
                    .col(text_null(C::OurEngineers))
                    .col(timestamp_with_time_zone_null(C::OurConditionsAt))
                    .col(integer_null(C::OurConditionsBy))
                    .col(text_null(C::ClientEngineers))
                    .col(timestamp_with_time_zone_null(C::ClientConditionsAt))
                    .col(text_null(C::ClientConditionsBy))
                    // The client's designated signer.
                    .col(text_null(C::ClientSignerName))
                    .col(text_null(C::ClientSignerEmail))
                    .col(timestamp_with_time_zone_null(C::CertificateIssuedAt))
                    .col(integer_null(C::CertificateIssuedBy))
                    .col(integer_null(C::CreatedBy))
                    .col(timestamp_with_time_zone(C::CreatedAt))
                    .foreign_key(&mut belongs_to_project(T::TestPlans))
                    .foreign_key(&mut by_user(T::TestPlans, C::OurConditionsBy))
                    .foreign_key(&mut by_user(T::TestPlans, C::CertificateIssuedBy))
                    .foreign_key(&mut by_user(T::TestPlans, C::CreatedBy))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(T::TestProcedures)
                    .col(pk_auto(C::Id))
                    .col(integer(C::PlanId))
                    .col(string(C::Code))
                    .col(text(C::Title))
                    // JSON array of the numbered steps.
                    .col(text(C::Steps))
                    .col(integer(C::Position))
                    .foreign_key(&mut belongs_to_plan(T::TestProcedures))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(T::TestItems)
                    .col(pk_auto(C::Id))
                    .col(integer(C::PlanId))
                    .col(integer(C::Page))
                    .col(integer(C::Position))
                    .col(string(C::Stage))
                    .col(string_null(C::Aspect))
                    .col(text(C::Name))
                    .col(string_null(C::Module))
                    .col(text(C::Expected))
                    .col(text_null(C::Actual))
                    .col(boolean_null(C::Passed))
                    // 说明: a measured value; 备注: anomalies.
                    .col(text_null(C::Note))
                    .col(text_null(C::Remark))
                    .col(integer_null(C::RecordedBy))
                    .col(timestamp_with_time_zone_null(C::RecordedAt))
                    .foreign_key(&mut belongs_to_plan(T::TestItems))
                    .foreign_key(&mut by_user(T::TestItems, C::RecordedBy))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(T::SigningRequests)
                    .col(pk_auto(C::Id))
                    .col(integer(C::ProjectId))
                    .col(integer(C::PlanId))
                    .col(text(C::SignerName))
                    .col(text(C::SignerEmail))
                    .col(text_null(C::SignerRole))
                    // JSON array of page numbers; the certificate as page 0.
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
                    .foreign_key(&mut belongs_to_project(T::SigningRequests))
                    .foreign_key(&mut belongs_to_plan(T::SigningRequests))
                    .foreign_key(&mut by_user(T::SigningRequests, C::CreatedBy))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(T::Signatures)
                    .col(pk_auto(C::Id))
                    .col(integer(C::ProjectId))
                    .col(integer(C::PlanId))
                    // The page signed; 0 for the 预验收证书.
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
                    // Printed in the page's footer and answered at /verify/{code}.
                    .col(string_uniq(C::VerifyCode))
                    .col(timestamp_with_time_zone_null(C::VoidedAt))
                    .col(text_null(C::VoidReason))
                    .col(integer_null(C::VoidedBy))
                    .foreign_key(&mut belongs_to_project(T::Signatures))
                    .foreign_key(&mut belongs_to_plan(T::Signatures))
                    .foreign_key(&mut by_user(T::Signatures, C::UserId))
                    .foreign_key(&mut by_user(T::Signatures, C::VoidedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(T::Signatures, C::RequestId)
                            .to(T::SigningRequests, C::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(T::AuditEvents)
                    .col(big_pk_auto(C::Id))
                    .col(integer_null(C::ProjectId))
                    .col(timestamp_with_time_zone(C::At))
                    // requested, sent, opened, signed, declined, voided, expired, reminded, ...
                    .col(string(C::Event))
                    .col(text(C::Subject))
                    .col(text(C::Actor))
                    .col(text(C::Detail))
                    // Each entry carries the previous entry's hash: altering one breaks the chain.
                    .col(string(C::PrevHash))
                    .col(string_uniq(C::Hash))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use TestPlanTables as T;
        for table in [
            T::AuditEvents,
            T::Signatures,
            T::SigningRequests,
            T::TestItems,
            T::TestProcedures,
            T::TestPlans,
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
pub enum TestPlanTables {
    TestPlans,
    TestProcedures,
    TestItems,
    SigningRequests,
    Signatures,
    AuditEvents,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum Common {
    Id,
    ProjectId,
    PlanId,
    Title,
    Templates,
    ItemsPerPage,
    OurEngineers,
    OurConditionsAt,
    OurConditionsBy,
    ClientEngineers,
    ClientConditionsAt,
    ClientConditionsBy,
    ClientSignerName,
    ClientSignerEmail,
    CertificateIssuedAt,
    CertificateIssuedBy,
    CreatedBy,
    CreatedAt,
    Code,
    Steps,
    Position,
    Page,
    Stage,
    Aspect,
    Name,
    Module,
    Expected,
    Actual,
    Passed,
    Note,
    Remark,
    RecordedBy,
    RecordedAt,
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
    At,
    Event,
    Subject,
    Actor,
    Detail,
    PrevHash,
    Hash,
}
