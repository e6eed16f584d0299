use sea_orm::entity::prelude::*;

/// Opened by a failed inspection; closed by replacing, returning or accepting with a concession.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deviations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    pub item_id: i32,
    pub inspection_id: i32,
    pub description: String,
    /// open or closed.
    pub status: crate::enums::DeviationStatus,
    /// replace, return or concession.
    pub resolution: Option<crate::enums::Resolution>,
    pub resolution_note: Option<String>,
    pub client_approver: Option<String>,
    pub opened_by: Option<i32>,
    pub opened_at: DateTimeUtc,
    pub closed_by: Option<i32>,
    pub closed_at: Option<DateTimeUtc>,
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
        belongs_to = "super::inspection::Entity",
        from = "Column::InspectionId",
        to = "super::inspection::Column::Id"
    )]
    Inspection,
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

impl Related<super::inspection::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Inspection.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
