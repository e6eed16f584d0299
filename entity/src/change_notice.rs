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
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::project::Entity",
        from = "Column::ProjectId",
        to = "super::project::Column::Id"
    )]
    Project,
    #[sea_orm(
        belongs_to = "super::equipment_list::Entity",
        from = "Column::ContractListId",
        to = "super::equipment_list::Column::Id"
    )]
    ContractList,
    #[sea_orm(
        belongs_to = "super::equipment_list::Entity",
        from = "Column::OrderListId",
        to = "super::equipment_list::Column::Id"
    )]
    OrderList,
}

impl Related<super::project::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Project.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
