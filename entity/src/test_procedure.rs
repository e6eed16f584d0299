use sea_orm::entity::prelude::*;

/// A Part 2 module of a test plan: a numbered procedure (steps as a JSON array).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "test_procedures")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub plan_id: i32,
    pub code: String,
    pub title: String,
    pub steps: String,
    pub position: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::test_plan::Entity",
        from = "Column::PlanId",
        to = "super::test_plan::Column::Id"
    )]
    Plan,
}

impl Related<super::test_plan::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Plan.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
