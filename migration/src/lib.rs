//! Database schema of jiaofu. Migrations are append-only once landed: fix forward with a new one.
pub use sea_orm_migration::prelude::*;

mod m20261125_000001_users;
mod m20261125_000002_projects;
mod m20261125_000003_schedule;
mod m20261125_000004_history;
mod m20261125_000005_outbox;
mod m20261125_000006_equipment;
mod m20261125_000007_arrival;
mod m20261125_000008_documents;
mod m20261125_000009_test_plans;
mod m20261130_000010_throttle;
mod m20261130_000011_indexes;
mod m20261130_000012_deadlines;
mod m20261130_000013_open_deadlines;
mod m20261130_000014_replacements;
mod m20261130_000015_decision_adopt;
mod m20261130_000016_photos;
mod m20261130_000017_contract_number_supervisor;
mod m20261130_000018_purchase_order_terms;
mod m20261201_000019_signed_documents;
mod m20261201_000020_acceptance;
mod m20261201_000021_credentials;
mod m20261201_000022_trial_run;
mod m20261201_000023_training;
mod m20261201_000024_document_handovers;
mod m20261201_000025_delivery_and_evaluation;
mod m20261201_000026_service_desk;
mod m20261201_000027_spares;
mod m20261201_000028_service_orders;
mod m20261201_000029_patrols;
mod m20261201_000030_return_visits;
mod m20261201_000031_service_statistics;
mod m20261201_000032_service_month_counts;
mod m20261201_000033_fault_causes;
mod m20261201_000034_service_summaries;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_users::Migration),
            Box::new(m20261125_000002_projects::Migration),
            Box::new(m20261125_000003_schedule::Migration),
            Box::new(m20261125_000004_history::Migration),
            Box::new(m20261125_000005_outbox::Migration),
            Box::new(m20261125_000006_equipment::Migration),
            Box::new(m20261125_000007_arrival::Migration),
            Box::new(m20261125_000008_documents::Migration),
            Box::new(m20261125_000009_test_plans::Migration),
            Box::new(m20261130_000010_throttle::Migration),
            Box::new(m20261130_000011_indexes::Migration),
            Box::new(m20261130_000012_deadlines::Migration),
            Box::new(m20261130_000013_open_deadlines::Migration),
            Box::new(m20261130_000014_replacements::Migration),
            Box::new(m20261130_000015_decision_adopt::Migration),
            Box::new(m20261130_000016_photos::Migration),
            Box::new(m20261130_000017_contract_number_supervisor::Migration),
            Box::new(m20261130_000018_purchase_order_terms::Migration),
            Box::new(m20261201_000019_signed_documents::Migration),
            Box::new(m20261201_000020_acceptance::Migration),
            Box::new(m20261201_000021_credentials::Migration),
            Box::new(m20261201_000022_trial_run::Migration),
            Box::new(m20261201_000023_training::Migration),
            Box::new(m20261201_000024_document_handovers::Migration),
            Box::new(m20261201_000025_delivery_and_evaluation::Migration),
            Box::new(m20261201_000026_service_desk::Migration),
            Box::new(m20261201_000027_spares::Migration),
            Box::new(m20261201_000028_service_orders::Migration),
            Box::new(m20261201_000029_patrols::Migration),
            Box::new(m20261201_000030_return_visits::Migration),
            Box::new(m20261201_000031_service_statistics::Migration),
            Box::new(m20261201_000032_service_month_counts::Migration),
            Box::new(m20261201_000033_fault_causes::Migration),
            Box::new(m20261201_000034_service_summaries::Migration),
        ]
    }
}
