use sea_orm::entity::prelude::*;

/// Where and how a baseline item (or one of its units) was installed, and its commissioning result.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "installations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    pub item_id: i32,
    pub unit_id: Option<i32>,
    pub quantity: f64,
    pub location: String,
    pub installed_on: Date,
    pub engineer_id: Option<i32>,
    pub ip_address: Option<String>,
    pub firmware: Option<String>,
    pub config_notes: Option<String>,
    /// pending, pass or fail.
    pub commissioning: crate::enums::Commissioning,
    pub commissioning_note: Option<String>,
    pub commissioned_on: Option<Date>,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
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
        belongs_to = "super::received_unit::Entity",
        from = "Column::UnitId",
        to = "super::received_unit::Column::Id"
    )]
    Unit,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::EngineerId",
        to = "super::user::Column::Id"
    )]
    Engineer,
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

impl Related<super::received_unit::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Unit.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Engineer.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
