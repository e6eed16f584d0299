use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tasks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    pub phase_id: i32,
    pub seq: i32,
    pub code: String,
    pub name: String,
    pub offset_days: i32,
    pub planned_due_on: Date,
    pub override_due_on: Option<Date>,
    pub override_reason: Option<String>,
    /// The task waits on the client (their contact is reminded too).
    pub waits_on_client: bool,
    /// The user who does the task; reminders go to them, else to the project's PMs.
    pub assignee_id: Option<i32>,
    /// not_started, in_progress or done.
    pub status: String,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    pub completed_by: Option<i32>,
    pub note: Option<String>,
    /// Links to the records that completed the task (JSON list of {label, href}), set by the system.
    pub evidence: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
