use sea_orm::entity::prelude::*;

/// A project's training plan (人员培训): when, where, who trains, what is taught, the materials handed out beforehand, the pass mark.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "trainings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub project_id: i32,
    pub starts_on: Date,
    pub ends_on: Date,
    pub place: String,
    pub trainers: String,
    pub content: String,
    pub materials: String,
    pub materials_handed_on: Option<Date>,
    /// Why it starts later than the plan's days after the initial acceptance.
    pub late_reason: Option<String>,
    pub pass_mark: i32,
    /// The day the last trainee passed.
    pub completed_on: Option<Date>,
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
}

impl Related<super::project::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Project.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
