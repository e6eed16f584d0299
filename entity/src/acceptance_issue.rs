use sea_orm::entity::prelude::*;

/// A leftover issue (遗留问题) found at an acceptance or during the trial run, followed until the
/// client confirms it fixed or accepts it deferred.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "acceptance_issues")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    /// 1, 2, … within the project.
    pub number: i32,
    pub source: crate::enums::IssueSource,
    pub acceptance_id: Option<i32>,
    pub description: String,
    pub severity: crate::enums::IssueSeverity,
    pub owner: String,
    pub due_on: Date,
    pub status: crate::enums::IssueStatus,
    pub resolution: Option<String>,
    pub fixed_at: Option<DateTimeUtc>,
    pub fixed_by: Option<i32>,
    pub confirmed_by: Option<String>,
    pub closed_at: Option<DateTimeUtc>,
    pub defer_reason: Option<String>,
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
    #[sea_orm(
        belongs_to = "super::acceptance::Entity",
        from = "Column::AcceptanceId",
        to = "super::acceptance::Column::Id"
    )]
    Acceptance,
}

impl Related<super::project::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Project.def()
    }
}

impl Related<super::acceptance::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Acceptance.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
