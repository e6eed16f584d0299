use sea_orm::entity::prelude::*;

/// A project's trial run (试运行): from the day the client signed for the passwords, for the
/// plan's number of days.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "trial_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub project_id: i32,
    pub started_on: Date,
    pub planned_days: i32,
    /// The client's project lead, who gets the weekly summary.
    pub report_to_name: String,
    pub report_to_email: String,
    /// The last day of the last week summarised.
    pub summarised_to: Option<Date>,
    pub ended_on: Option<Date>,
    pub ended_by: Option<i32>,
    /// What both sides concluded of it.
    pub conclusion: Option<String>,
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
