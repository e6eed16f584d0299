use sea_orm::entity::prelude::*;

/// A 设备清单变更通知 as issued.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "change_notices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    #[sea_orm(unique)]
    pub number: String,
    pub contract_list_id: i32,
    pub order_list_id: i32,
    /// The differences with their reasons and decisions (JSON).
    pub content: String,
    pub issued_by: Option<i32>,
    pub issued_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
