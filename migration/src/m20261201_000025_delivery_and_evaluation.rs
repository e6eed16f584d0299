//! Delivery and the joint evaluation: the day the final acceptance was signed by both parties and
//! the day the warranty starts (the contractual delivery date) on the project; each side's scores
//! of the project (schedule, quality, technology, management, satisfaction) with comments — the
//! client's given through a link of their own, stored hashed; and each test item's first result.
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
        // One column per statement: SQLite alters one column at a time.
        for column in [
            date_null(Delivery::DeliveredOn).to_owned(),
            date_null(Delivery::WarrantyStartsOn).to_owned(),
        ] {
            manager
                .alter_table(Table::alter().table(Projects::Table).add_column(column).to_owned())
                .await?;
        }
        // A test item's first result, kept when it is tested again: the summary's first-time
        // pass rate. Items tested before this migration count their current result.
        manager
            .alter_table(
                Table::alter()
                    .table(TestItems::Table)
                    .add_column(boolean_null(TestItems::FirstPassed))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared("UPDATE test_items SET first_passed = passed")
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Evaluations::Table)
                    .col(pk_auto(Evaluations::Id))
                    .col(integer(Evaluations::ProjectId))
                    // ours or client.
                    .col(string(Evaluations::Party))
                    .col(text_null(Evaluations::EvaluatorName))
                    .col(text_null(Evaluations::EvaluatorRole))
                    .col(text_null(Evaluations::EvaluatorEmail))
                    // 1 (很不满意) to 5 (很满意) each, once submitted.
                    .col(integer_null(Evaluations::Schedule))
                    .col(integer_null(Evaluations::Quality))
                    .col(integer_null(Evaluations::Technology))
                    .col(integer_null(Evaluations::Management))
                    .col(integer_null(Evaluations::Satisfaction))
                    .col(text_null(Evaluations::Comments))
                    .col(timestamp_with_time_zone_null(Evaluations::SubmittedAt))
                    // The client's link: its token's hash (kept once answered, to say so) and expiry.
                    .col(text_null(Evaluations::TokenHash))
                    .col(timestamp_with_time_zone_null(Evaluations::TokenExpiresAt))
                    .col(timestamp_with_time_zone_null(Evaluations::RequestedAt))
                    .col(text_null(Evaluations::Ip))
                    .col(text_null(Evaluations::UserAgent))
                    .col(integer_null(Evaluations::RecordedBy))
                    .col(timestamp_with_time_zone(Evaluations::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Evaluations::Table, Evaluations::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Evaluations::Table, Evaluations::RecordedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_evaluations_project_party")
                    .table(Evaluations::Table)
                    .col(Evaluations::ProjectId)
                    .col(Evaluations::Party)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_evaluations_token")
                    .table(Evaluations::Table)
                    .col(Evaluations::TokenHash)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Evaluations::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(TestItems::Table)
                    .drop_column(TestItems::FirstPassed)
                    .to_owned(),
            )
            .await?;
        for column in [Delivery::DeliveredOn, Delivery::WarrantyStartsOn] {
            manager
                .alter_table(Table::alter().table(Projects::Table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Delivery {
    DeliveredOn,
    WarrantyStartsOn,
}

#[derive(DeriveIden)]
enum TestItems {
    Table,
    FirstPassed,
}

#[derive(DeriveIden)]
enum Evaluations {
    Table,
    Id,
    ProjectId,
    Party,
    EvaluatorName,
    EvaluatorRole,
    EvaluatorEmail,
    Schedule,
    Quality,
    Technology,
    Management,
    Satisfaction,
    Comments,
    SubmittedAt,
    TokenHash,
    TokenExpiresAt,
    RequestedAt,
    Ip,
    UserAgent,
    RecordedBy,
    CreatedAt,
}
