//! Delivery plans, projects, our members on them and the client's contacts.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261125_000001_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Plans::Table)
                    .col(pk_auto(Plans::Id))
                    .col(string_uniq(Plans::Code))
                    .col(string(Plans::Name))
                    // The whole plan (phases, tasks, offsets, day basis) as JSON.
                    .col(text(Plans::Definition))
                    .col(boolean(Plans::Builtin))
                    .col(timestamp_with_time_zone(Plans::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Projects::Table)
                    .col(pk_auto(Projects::Id))
                    .col(string_uniq(Projects::Code))
                    .col(string(Projects::Name))
                    .col(string(Projects::ClientName))
                    .col(string(Projects::SiteAddress))
                    .col(string(Projects::Region))
                    .col(string(Projects::Category))
                    // JSON array of system-type codes.
                    .col(text(Projects::SystemTypes))
                    .col(date(Projects::ContractSignedOn))
                    .col(date_null(Projects::DeliveryDueOn))
                    .col(string(Projects::Status))
                    .col(string(Projects::Timezone))
                    .col(integer(Projects::PlanId))
                    .col(timestamp_with_time_zone(Projects::CreatedAt))
                    .col(timestamp_with_time_zone(Projects::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Projects::Table, Projects::PlanId)
                            .to(Plans::Table, Plans::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProjectMembers::Table)
                    .col(pk_auto(ProjectMembers::Id))
                    .col(integer(ProjectMembers::ProjectId))
                    .col(integer(ProjectMembers::UserId))
                    .col(string(ProjectMembers::Role))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProjectMembers::Table, ProjectMembers::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProjectMembers::Table, ProjectMembers::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .index(
                        Index::create()
                            .name("uq_project_members_project_user")
                            .col(ProjectMembers::ProjectId)
                            .col(ProjectMembers::UserId)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ClientContacts::Table)
                    .col(pk_auto(ClientContacts::Id))
                    .col(integer(ClientContacts::ProjectId))
                    .col(string(ClientContacts::Name))
                    .col(string_null(ClientContacts::Email))
                    .col(string_null(ClientContacts::Phone))
                    .col(string(ClientContacts::Role))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ClientContacts::Table, ClientContacts::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ClientContacts::Table.into_iden(),
            ProjectMembers::Table.into_iden(),
            Projects::Table.into_iden(),
            Plans::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
pub enum Plans {
    Table,
    Id,
    Code,
    Name,
    Definition,
    Builtin,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum Projects {
    Table,
    Id,
    Code,
    Name,
    ClientName,
    SiteAddress,
    Region,
    Category,
    SystemTypes,
    ContractSignedOn,
    DeliveryDueOn,
    Status,
    Timezone,
    PlanId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProjectMembers {
    Table,
    Id,
    ProjectId,
    UserId,
    Role,
}

#[derive(DeriveIden)]
enum ClientContacts {
    Table,
    Id,
    ProjectId,
    Name,
    Email,
    Phone,
    Role,
}
