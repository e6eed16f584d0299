use sea_orm::entity::prelude::*;

/// A day of the trial-run log, kept by each side.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "trial_run_logs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    pub log_date: Date,
    /// Whose log: ours (乙方) or the client's (甲方).
    pub party: crate::enums::SignParty,
    pub state: crate::enums::RunState,
    pub events: String,
    pub faults: Option<String>,
    /// The person who wrote it.
    pub written_by: String,
    pub recorded_by: Option<i32>,
    pub recorded_at: DateTimeUtc,
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
