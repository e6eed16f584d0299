//! The monthly service statistics (维护统计汇总表) and their three rates read facts that a ticket's
//! clocks and steps already hold; they are kept on the row so a month over a million tickets
//! is one indexed, grouped query: the month it was reported in (the site's calendar), how long
//! the response and the repair took and whether their promises broke, and how many times an
//! engineer went to site. A 回访 keeps the month it was answered in. `stats_version` lets the
//! service fill the facts of rows written before they existed (and again when their rule
//! changes). A report approved by the general manager and archived by quality keeps its figures
//! as they were approved, with who and when for each step.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261125_000001_users::Users;
use crate::m20261125_000002_projects::Projects;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        let ticket_columns = [
            // yyyymm, in the project's time zone; 0 until the service has filled it.
            integer(ServiceTickets::ReportedMonth).default(0).to_owned(),
            big_integer_null(ServiceTickets::ResponseSecs).to_owned(),
            boolean(ServiceTickets::ResponseBroken).default(false).to_owned(),
            big_integer_null(ServiceTickets::RepairSecs).to_owned(),
            boolean(ServiceTickets::RepairBroken).default(false).to_owned(),
            integer(ServiceTickets::SiteVisits).default(0).to_owned(),
            small_integer(ServiceTickets::StatsVersion).default(0).to_owned(),
        ];
        for mut column in ticket_columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(ServiceTickets::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("ix_service_tickets_month_project")
                    .table(ServiceTickets::Table)
                    .col(ServiceTickets::ReportedMonth)
                    .col(ServiceTickets::ProjectId)
                    // Covering what a month's figures read, so they come from the index alone.
                    .col(ServiceTickets::SystemType)
                    .col(ServiceTickets::SiteVisits)
                    .col(ServiceTickets::ResponseSecs)
                    .col(ServiceTickets::ResponseBroken)
                    .col(ServiceTickets::RepairSecs)
                    .col(ServiceTickets::RepairBroken)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_service_tickets_stats_version")
                    .table(ServiceTickets::Table)
                    .col(ServiceTickets::StatsVersion)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ReturnVisits::Table)
                    .add_column(integer_null(ReturnVisits::AnsweredMonth))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_return_visits_answered_month")
                    .table(ReturnVisits::Table)
                    .col(ReturnVisits::AnsweredMonth)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ServiceReports::Table)
                    .col(pk_auto(ServiceReports::Id))
                    // monthly_statistics / …
                    .col(string_len(ServiceReports::Kind, 32))
                    // 2026-11, 2026-H2.
                    .col(string_len(ServiceReports::Period, 16))
                    // The project of a PM's report; none for the company's.
                    .col(integer_null(ServiceReports::ProjectId))
                    // `all`, or `project:{id}`: one report per kind, period and scope.
                    .col(string_len(ServiceReports::Scope, 32))
                    // The figures as approved (JSON).
                    .col(text(ServiceReports::Figures))
                    .col(text_null(ServiceReports::Remarks))
                    .col(integer_null(ServiceReports::ApprovedBy))
                    .col(timestamp_with_time_zone_null(ServiceReports::ApprovedAt))
                    .col(integer_null(ServiceReports::ArchivedBy))
                    .col(timestamp_with_time_zone_null(ServiceReports::ArchivedAt))
                    .col(timestamp_with_time_zone(ServiceReports::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ServiceReports::Table, ServiceReports::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ServiceReports::Table, ServiceReports::ApprovedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ServiceReports::Table, ServiceReports::ArchivedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_service_reports_period")
                    .table(ServiceReports::Table)
                    .col(ServiceReports::Kind)
                    .col(ServiceReports::Period)
                    .col(ServiceReports::Scope)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ServiceReports::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_return_visits_answered_month")
                    .table(ReturnVisits::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ReturnVisits::Table)
                    .drop_column(ReturnVisits::AnsweredMonth)
                    .to_owned(),
            )
            .await?;
        for name in ["ix_service_tickets_month_project", "ix_service_tickets_stats_version"] {
            manager
                .drop_index(Index::drop().name(name).table(ServiceTickets::Table).to_owned())
                .await?;
        }
        for column in [
            ServiceTickets::ReportedMonth,
            ServiceTickets::ResponseSecs,
            ServiceTickets::ResponseBroken,
            ServiceTickets::RepairSecs,
            ServiceTickets::RepairBroken,
            ServiceTickets::SiteVisits,
            ServiceTickets::StatsVersion,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ServiceTickets::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum ServiceTickets {
    Table,
    ProjectId,
    SystemType,
    ReportedMonth,
    ResponseSecs,
    ResponseBroken,
    RepairSecs,
    RepairBroken,
    SiteVisits,
    StatsVersion,
}

#[derive(DeriveIden, Clone, Copy)]
enum ReturnVisits {
    Table,
    AnsweredMonth,
}

#[derive(DeriveIden)]
pub enum ServiceReports {
    Table,
    Id,
    Kind,
    Period,
    ProjectId,
    Scope,
    Figures,
    Remarks,
    ApprovedBy,
    ApprovedAt,
    ArchivedBy,
    ArchivedAt,
    CreatedAt,
}
