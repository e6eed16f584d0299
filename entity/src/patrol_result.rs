use sea_orm::entity::prelude::*;

/// One check of a 定时巡检 visit, on a unit or on the system; a problem found opens a ticket.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "patrol_results")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub patrol_id: i32,
    pub unit_id: Option<i32>,
    pub item: String,
    pub result: crate::enums::CheckResult,
    pub note: Option<String>,
    pub ticket_id: Option<i32>,
    pub recorded_by: Option<i32>,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::patrol::Entity",
        from = "Column::PatrolId",
        to = "super::patrol::Column::Id"
    )]
    Patrol,
}

impl Related<super::patrol::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Patrol.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
