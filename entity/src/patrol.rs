use sea_orm::entity::prelude::*;

/// A 定时巡检 visit planned over a project's warranty, and when it was done.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "patrols")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    pub seq: i32,
    pub half_year: i32,
    pub planned_on: Date,
    pub done_on: Option<Date>,
    pub done_by: Option<i32>,
    pub summary: Option<String>,
    /// The client's person met on site: the 巡检报告's signer.
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
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
    #[sea_orm(has_many = "super::patrol_result::Entity")]
    Results,
}

impl Related<super::patrol_result::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Results.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
