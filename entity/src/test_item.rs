use sea_orm::entity::prelude::*;

/// A Part 1 item of a test plan, on its page, with its result once recorded.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "test_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub plan_id: i32,
    pub page: i32,
    pub position: i32,
    pub stage: crate::enums::Stage,
    pub aspect: Option<String>,
    pub name: String,
    pub module: Option<String>,
    pub expected: String,
    pub actual: Option<String>,
    pub passed: Option<bool>,
    /// The first result recorded, kept when the item is tested again.
    pub first_passed: Option<bool>,
    pub note: Option<String>,
    pub remark: Option<String>,
    pub recorded_by: Option<i32>,
    pub recorded_at: Option<DateTimeUtc>,
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
