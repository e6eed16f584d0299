use sea_orm::entity::prelude::*;

/// A delivery of equipment to site; its 设备签收单 is signed by the receiver when it arrives.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shipments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    pub reference: String,
    pub dispatched_by: String,
    pub carrier: Option<String>,
    pub dispatched_on: Option<Date>,
    pub expected_on: Option<Date>,
    pub arrived_on: Option<Date>,
    pub received_by: Option<String>,
    pub receipt_signed_at: Option<DateTimeUtc>,
    pub receipt_recorded_by: Option<i32>,
    pub note: Option<String>,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
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
