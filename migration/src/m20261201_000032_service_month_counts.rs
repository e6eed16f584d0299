//! A month's service statistics summed per project and fault category, kept in the same
//! transaction as the rows they count (a ticket's facts, a spare taken out, a 回访 answered), so
//! a month's page and its twelve-month trend read a few thousand sums whatever the number of
//! tickets. The category is the fault's system type, empty when it has none (the project's first
//! type is read then: a project's types may change). Inspections are counted live: whether one
//! was missed depends on the day it is read.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261125_000002_projects::Projects;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table
            .table(ServiceMonthCounts::Table)
            // yyyymm: the month a fault was reported in, or a 回访 answered in.
            .col(integer(ServiceMonthCounts::Month))
            .col(integer(ServiceMonthCounts::ProjectId))
            .col(string_len(ServiceMonthCounts::SystemType, 32))
            .primary_key(
                Index::create()
                    .col(ServiceMonthCounts::Month)
                    .col(ServiceMonthCounts::ProjectId)
                    .col(ServiceMonthCounts::SystemType),
            )
            .foreign_key(
                ForeignKey::create()
                    .from(ServiceMonthCounts::Table, ServiceMonthCounts::ProjectId)
                    .to(Projects::Table, Projects::Id)
                    .on_delete(ForeignKeyAction::Cascade),
            );
        for count in [
            ServiceMonthCounts::Faults,
            ServiceMonthCounts::SiteVisits,
            ServiceMonthCounts::Responses,
            ServiceMonthCounts::ResponsesBroken,
            ServiceMonthCounts::ResponseSecs,
            ServiceMonthCounts::ResponsesTimed,
            ServiceMonthCounts::Repairs,
            ServiceMonthCounts::RepairsBroken,
            ServiceMonthCounts::RepairSecs,
            ServiceMonthCounts::RepairsTimed,
            ServiceMonthCounts::SparesUsed,
            ServiceMonthCounts::VisitsAnswered,
            ServiceMonthCounts::VisitsUnsatisfied,
            ServiceMonthCounts::Complaints,
        ] {
            table.col(big_integer(count).default(0));
        }
        manager.create_table(table.to_owned()).await?;
        // A project's months, when one of its rows changes.
        manager
            .create_index(
                Index::create()
                    .name("ix_service_month_counts_project")
                    .table(ServiceMonthCounts::Table)
                    .col(ServiceMonthCounts::ProjectId)
                    .col(ServiceMonthCounts::Month)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ServiceMonthCounts::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ServiceMonthCounts {
    Table,
    Month,
    ProjectId,
    SystemType,
    Faults,
    SiteVisits,
    Responses,
    ResponsesBroken,
    ResponseSecs,
    ResponsesTimed,
    Repairs,
    RepairsBroken,
    RepairSecs,
    RepairsTimed,
    SparesUsed,
    VisitsAnswered,
    VisitsUnsatisfied,
    Complaints,
}
