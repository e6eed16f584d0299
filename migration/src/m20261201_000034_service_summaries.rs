//! The PM's monthly 维护总结汇报表 keeps what the PM wrote: the analysis of why faults recurred
//! (多发原因) and the measures proposed (处理方法). It is a service report of its own kind and
//! scope (`monthly_summary`, `project:{id}`); submitting it keeps its figures.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        for column in [ServiceReports::Analysis, ServiceReports::Measures] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ServiceReports::Table)
                        .add_column(text_null(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [ServiceReports::Analysis, ServiceReports::Measures] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ServiceReports::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum ServiceReports {
    Table,
    Analysis,
    Measures,
}
