use sea_orm::entity::prelude::*;

/// The PM's reason and decision on one difference between a purchase order and the contract list.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "equipment_decisions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    pub contract_list_id: i32,
    pub order_list_id: i32,
    pub difference_key: String,
    pub reason: String,
    pub decision: String,
    /// Whose line or value the 审定版 takes; none for decisions recorded before it was asked.
    pub adopt: Option<crate::enums::Adopt>,
    pub decided_by: Option<i32>,
    pub decided_at: DateTimeUtc,
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
