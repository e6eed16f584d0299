use sea_orm::entity::prelude::*;

/// A 定时电话回访: the service desk calls the client to ask how the system runs.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_calls")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    pub called_at: DateTimeUtc,
    pub contact_name: String,
    pub contact_phone: Option<String>,
    pub summary: String,
    pub called_by: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
