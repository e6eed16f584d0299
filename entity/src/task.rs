use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tasks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    pub phase_id: i32,
    /// The phase's code, copied (it never changes) so that open deadlines count per phase without a join.
    pub phase_code: String,
    /// Whether the project is active (in delivery), kept by `projects::update`: only then do its
    /// open tasks count as deadlines.
    pub project_active: bool,
    pub seq: i32,
    pub code: String,
    pub name: String,
    pub offset_days: i32,
    pub planned_due_on: Date,
    pub override_due_on: Option<Date>,
    pub override_reason: Option<String>,
    /// The day that counts (the override, else the planned day), stored for SQL.
    pub due_on: Date,
    /// The instant `due_on` ends in the project's time zone: overdue from then on.
    pub due_at: DateTimeUtc,
    /// The task waits on the client (their contact is reminded too).
    pub waits_on_client: bool,
    /// The user who does the task; reminders go to them, else to the project's PMs.
    pub assignee_id: Option<i32>,
    /// not_started, in_progress or done.
    pub status: crate::enums::TaskStatus,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    pub completed_by: Option<i32>,
    pub note: Option<String>,
    /// Links to the records that completed the task (JSON list of {label, href}), set by the system.
    pub evidence: Option<String>,
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
        belongs_to = "super::phase::Entity",
        from = "Column::PhaseId",
        to = "super::phase::Column::Id"
    )]
    Phase,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::AssigneeId",
        to = "super::user::Column::Id"
    )]
    Assignee,
}

impl Related<super::project::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Project.def()
    }
}

impl Related<super::phase::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Phase.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
