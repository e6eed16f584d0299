use sea_orm::entity::prelude::*;

/// One imported version of a project's equipment list.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "equipment_lists")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    /// contract, purchase_order or approved.
    pub kind: crate::enums::ListKind,
    /// 1 for the first import of this kind, then 2, 3, ...
    pub version: i32,
    pub file_name: String,
    pub file_sha256: String,
    pub sheet: String,
    pub header_row: i32,
    pub imported_by: Option<i32>,
    pub imported_at: DateTimeUtc,
    /// Set when a 审定版 is approved: it is then the baseline for arrival.
    pub approved_at: Option<DateTimeUtc>,
    pub approved_by: Option<i32>,
    /// A purchase order's terms (empty on other kinds): the 供货单位 it is placed with, the day
    /// it was placed, the day the goods are due and where.
    pub supplier: String,
    pub ordered_on: Option<Date>,
    pub delivery_due_on: Option<Date>,
    pub delivery_place: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::project::Entity",
        from = "Column::ProjectId",
        to = "super::project::Column::Id"
    )]
    Project,
}

impl Related<super::project::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Project.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
