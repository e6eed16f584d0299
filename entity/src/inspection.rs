use sea_orm::entity::prelude::*;

/// One arrival inspection of a baseline item: 随机资料检验, 外观检验, 通电测试 (pass, fail or na).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inspections")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    pub item_id: i32,
    /// self or client.
    pub round: String,
    pub documents: String,
    pub appearance: String,
    pub power_on: String,
    pub note: Option<String>,
    pub inspector_id: Option<i32>,
    pub witness: Option<String>,
    pub inspected_at: DateTimeUtc,
    pub recorded_at: DateTimeUtc,
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
        belongs_to = "super::equipment_item::Entity",
        from = "Column::ItemId",
        to = "super::equipment_item::Column::Id"
    )]
    Item,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::InspectorId",
        to = "super::user::Column::Id"
    )]
    Inspector,
}

impl Related<super::project::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Project.def()
    }
}

impl Related<super::equipment_item::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Item.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Inspector.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
