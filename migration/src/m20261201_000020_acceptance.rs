//! Acceptance (项目验收): the initial and the final acceptance of a project — the plan both sides
//! agree (when, how, where, who), the record of the meeting (what was checked, the conclusion) —
//! and the leftover issues (遗留问题) found there or during the trial run, each followed until the
//! client confirms it fixed or accepts it deferred. An invitation e-mail carries an iCalendar
//! request, kept beside the message in the outbox.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261125_000001_users::Users;
use crate::m20261125_000002_projects::Projects;

#[derive(DeriveMigrationName)]
pub struct Migration;

const ONE_PER_STAGE: &str = "uq_acceptances_project_stage";
const ISSUE_NUMBER: &str = "uq_acceptance_issues_project_number";

fn belongs_to_project(table: Acceptances) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, Acceptances::ProjectId)
        .to(Projects::Table, Projects::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn by_user(table: Acceptances, column: Acceptances) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Users::Table, Users::Id)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    // All or nothing on SQLite too.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Acceptances as A;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(pk_auto(A::Id))
                    .col(integer(A::ProjectId))
                    // initial or final.
                    .col(string(A::Stage))
                    // The plan: when (start and end), how (现场检查、会议评审 …), where.
                    .col(timestamp_with_time_zone_null(A::StartsAt))
                    .col(timestamp_with_time_zone_null(A::EndsAt))
                    .col(text_null(A::Form))
                    .col(text_null(A::Place))
                    // JSON arrays of {name, role, email}.
                    .col(text(A::OurParticipants))
                    .col(text(A::ClientParticipants))
                    // Who signs the reports for the client.
                    .col(text_null(A::ClientSignerName))
                    .col(text_null(A::ClientSignerEmail))
                    // The client's agreement to the plan: when, and who for the client.
                    .col(timestamp_with_time_zone_null(A::AgreedAt))
                    .col(text_null(A::AgreedBy))
                    // The iCalendar SEQUENCE of the last invitation sent; 0 before any.
                    .col(integer(A::InvitationSequence))
                    .col(timestamp_with_time_zone_null(A::InvitedAt))
                    // When the final acceptance was asked for.
                    .col(timestamp_with_time_zone_null(A::RequestedAt))
                    // The record: the day it was held, a JSON array of {item, passed, remark},
                    // the conclusion (passed, conditional, failed), the opinion and the memo.
                    .col(date_null(A::HeldOn))
                    .col(text(A::Checks))
                    .col(string_null(A::Conclusion))
                    .col(text_null(A::Opinion))
                    .col(text_null(A::Memo))
                    .col(integer_null(A::RecordedBy))
                    .col(timestamp_with_time_zone_null(A::RecordedAt))
                    .col(integer_null(A::CreatedBy))
                    .col(timestamp_with_time_zone(A::CreatedAt))
                    .foreign_key(&mut belongs_to_project(A::Table))
                    .foreign_key(&mut by_user(A::Table, A::RecordedBy))
                    .foreign_key(&mut by_user(A::Table, A::CreatedBy))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(ONE_PER_STAGE)
                    .table(A::Table)
                    .col(A::ProjectId)
                    .col(A::Stage)
                    .unique()
                    .to_owned(),
            )
            .await?;
        use AcceptanceIssues as I;
        manager
            .create_table(
                Table::create()
                    .table(I::Table)
                    .col(pk_auto(I::Id))
                    .col(integer(I::ProjectId))
                    // Numbered within the project: 遗留问题 1, 2, …
                    .col(integer(I::Number))
                    // initial_acceptance, trial_run or final_acceptance.
                    .col(string(I::Source))
                    .col(integer_null(I::AcceptanceId))
                    .col(text(I::Description))
                    // minor, major or critical.
                    .col(string(I::Severity))
                    // Who fixes it (a person or a company).
                    .col(text(I::Owner))
                    .col(date(I::DueOn))
                    // open, fixed, closed (the client confirmed the fix) or deferred (the client
                    // accepted it open, in writing, with a reason).
                    .col(string(I::Status))
                    .col(text_null(I::Resolution))
                    .col(timestamp_with_time_zone_null(I::FixedAt))
                    .col(integer_null(I::FixedBy))
                    // The client's person who confirmed the fix or accepted the deferral.
                    .col(text_null(I::ConfirmedBy))
                    .col(timestamp_with_time_zone_null(I::ClosedAt))
                    .col(text_null(I::DeferReason))
                    .col(integer_null(I::CreatedBy))
                    .col(timestamp_with_time_zone(I::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(I::Table, I::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(ForeignKey::create().from(I::Table, I::AcceptanceId).to(A::Table, A::Id))
                    .foreign_key(
                        ForeignKey::create()
                            .from(I::Table, I::FixedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(I::Table, I::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(ISSUE_NUMBER)
                    .table(I::Table)
                    .col(I::ProjectId)
                    .col(I::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    // An iCalendar request (METHOD:REQUEST) sent as the message's calendar part.
                    .add_column(ColumnDef::new(Outbox::BodyCalendar).text().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .drop_column(Outbox::BodyCalendar)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(AcceptanceIssues::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Acceptances::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Acceptances {
    Table,
    Id,
    ProjectId,
    Stage,
    StartsAt,
    EndsAt,
    Form,
    Place,
    OurParticipants,
    ClientParticipants,
    ClientSignerName,
    ClientSignerEmail,
    AgreedAt,
    AgreedBy,
    InvitationSequence,
    InvitedAt,
    RequestedAt,
    HeldOn,
    Checks,
    Conclusion,
    Opinion,
    Memo,
    RecordedBy,
    RecordedAt,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AcceptanceIssues {
    Table,
    Id,
    ProjectId,
    Number,
    Source,
    AcceptanceId,
    Description,
    Severity,
    Owner,
    DueOn,
    Status,
    Resolution,
    FixedAt,
    FixedBy,
    ConfirmedBy,
    ClosedAt,
    DeferReason,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    BodyCalendar,
}
