use sea_orm::entity::prelude::*;

/// A side's evaluation of the project (项目总结): schedule, quality, technology, management and
/// satisfaction scored 1 to 5, with comments; the client's given through a link of their own.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "evaluations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    pub party: crate::enums::SignParty,
    pub evaluator_name: Option<String>,
    pub evaluator_role: Option<String>,
    pub evaluator_email: Option<String>,
    pub schedule: Option<i32>,
    pub quality: Option<i32>,
    pub technology: Option<i32>,
    pub management: Option<i32>,
    pub satisfaction: Option<i32>,
    pub comments: Option<String>,
    pub submitted_at: Option<DateTimeUtc>,
    /// SHA-256 of the client's link token (kept once answered, to say so).
    pub token_hash: Option<String>,
    pub token_expires_at: Option<DateTimeUtc>,
    pub requested_at: Option<DateTimeUtc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub recorded_by: Option<i32>,
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
