//! 回访: the service platform asks the client about a repair — during it (how fast we answered,
//! the engineer's attitude, the quality so far) and after it — by phone (the desk records the
//! answers) or by a one-time link e-mailed to the reporter. Each answer rates 满意 / 基本满意 /
//! 不满意 with a comment and says whether it is a complaint; an unhappy answer opens a follow-up
//! for the project's managers.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261125_000001_users::Users;
use crate::m20261201_000026_service_desk::ServiceTickets;

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
                    .table(ReturnVisits::Table)
                    .col(pk_auto(ReturnVisits::Id))
                    .col(integer(ReturnVisits::TicketId))
                    // during / after.
                    .col(string_len(ReturnVisits::Stage, 16))
                    // phone / link.
                    .col(string_len(ReturnVisits::Channel, 16))
                    // The link's token (hashed); who it went to; until when it opens.
                    .col(string_len_null(ReturnVisits::TokenHash, 64))
                    .col(text_null(ReturnVisits::SentTo))
                    .col(timestamp_with_time_zone_null(ReturnVisits::ExpiresAt))
                    .col(timestamp_with_time_zone(ReturnVisits::AskedAt))
                    // The answers: satisfied / basically / unsatisfied, each; a complaint or not.
                    .col(timestamp_with_time_zone_null(ReturnVisits::AnsweredAt))
                    .col(string_len_null(ReturnVisits::Response, 16))
                    .col(string_len_null(ReturnVisits::Attitude, 16))
                    .col(string_len_null(ReturnVisits::Quality, 16))
                    .col(string_len_null(ReturnVisits::Overall, 16))
                    .col(text_null(ReturnVisits::Comment))
                    .col(boolean(ReturnVisits::Complaint).default(false))
                    .col(text_null(ReturnVisits::Respondent))
                    // The follow-up an unhappy answer opens for the PMs.
                    .col(boolean(ReturnVisits::FollowUp).default(false))
                    .col(timestamp_with_time_zone_null(ReturnVisits::FollowedUpAt))
                    .col(integer_null(ReturnVisits::FollowedUpBy))
                    .col(text_null(ReturnVisits::FollowUpNote))
                    .col(integer_null(ReturnVisits::RecordedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReturnVisits::Table, ReturnVisits::TicketId)
                            .to(ServiceTickets::Table, ServiceTickets::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReturnVisits::Table, ReturnVisits::FollowedUpBy)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReturnVisits::Table, ReturnVisits::RecordedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_return_visits_token")
                    .table(ReturnVisits::Table)
                    .col(ReturnVisits::TokenHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_return_visits_ticket")
                    .table(ReturnVisits::Table)
                    .col(ReturnVisits::TicketId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ReturnVisits::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ReturnVisits {
    Table,
    Id,
    TicketId,
    Stage,
    Channel,
    TokenHash,
    SentTo,
    ExpiresAt,
    AskedAt,
    AnsweredAt,
    Response,
    Attitude,
    Quality,
    Overall,
    Comment,
    Complaint,
    Respondent,
    FollowUp,
    FollowedUpAt,
    FollowedUpBy,
    FollowUpNote,
    RecordedBy,
}
