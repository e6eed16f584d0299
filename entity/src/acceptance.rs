use sea_orm::entity::prelude::*;

/// A project's initial (系统初验) or final (终验) acceptance: the plan both sides agree and the
/// record of the meeting. One of each per project.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "acceptances")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    pub stage: crate::enums::AcceptanceStage,
    pub starts_at: Option<DateTimeUtc>,
    pub ends_at: Option<DateTimeUtc>,
    /// How it is held: 现场检查、会议评审 …
    pub form: Option<String>,
    pub place: Option<String>,
    /// JSON arrays of {name, role, email}.
    pub our_participants: String,
    pub client_participants: String,
    pub client_signer_name: Option<String>,
    pub client_signer_email: Option<String>,
    pub agreed_at: Option<DateTimeUtc>,
    /// The client's person who agreed to the plan.
    pub agreed_by: Option<String>,
    /// The iCalendar SEQUENCE of the last invitation sent; 0 before any.
    pub invitation_sequence: i32,
    pub invited_at: Option<DateTimeUtc>,
    pub requested_at: Option<DateTimeUtc>,
    pub held_on: Option<Date>,
    /// JSON array of {item, passed, remark}.
    pub checks: String,
    pub conclusion: Option<crate::enums::AcceptanceConclusion>,
    pub opinion: Option<String>,
    pub memo: Option<String>,
    pub recorded_by: Option<i32>,
    pub recorded_at: Option<DateTimeUtc>,
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
