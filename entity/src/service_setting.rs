use sea_orm::entity::prelude::*;

/// A project's after-sales settings: its own service policy (else its plan's) and the client's
/// secret link for reporting faults (its hash to find it, sealed to print it again).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_settings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub project_id: i32,
    /// The project's own `ServicePolicy` as JSON; none: its plan's.
    pub policy: Option<String>,
    pub report_token_hash: Option<String>,
    pub report_token_sealed: Option<Vec<u8>>,
    pub report_token_created_at: Option<DateTimeUtc>,
    pub updated_by: Option<i32>,
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
