//! A project's 合同编号 and its 监理单位 (the supervising engineer's company, who signs many of the
//! delivery forms in practice): printed in every form's information block, and the supervisor's
//! signature block appears where one is set. Empty when not known.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        for column in [Projects::ContractNumber, Projects::Supervisor] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Projects::Table)
                        .add_column(string(column).default(""))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Projects::ContractNumber, Projects::Supervisor] {
            manager
                .alter_table(Table::alter().table(Projects::Table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Projects {
    Table,
    ContractNumber,
    Supervisor,
}
