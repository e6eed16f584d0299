//! Indexes for the queries that run most: a plan's items, signatures and signing requests, an
//! audit subject's events, and the projects a user is a member of. (Login attempts are no longer
//! counted by name or address — the throttle counters are — so they need none beyond `at`.)
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: &[(&str, &str, &str)] = &[
    ("idx_test_items_plan", "test_items", "plan_id"),
    ("idx_signatures_plan", "signatures", "plan_id"),
    ("idx_signing_requests_plan", "signing_requests", "plan_id"),
    ("idx_audit_events_subject", "audit_events", "subject"),
    ("idx_project_members_user", "project_members", "user_id"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, column) in INDEXES {
            manager
                .create_index(
                    Index::create()
                        .name(*name)
                        .table(Alias::new(*table))
                        .col(Alias::new(*column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES {
            manager
                .drop_index(Index::drop().name(*name).table(Alias::new(*table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
