use sea_orm::entity::prelude::*;

/// A handover of the nine technical documents to the client: which issued version of each, with
/// its pages and copies, frozen when it was made, and when the client signed for them.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "document_handovers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    pub recipient_name: String,
    pub recipient_email: String,
    pub recipient_role: Option<String>,
    /// JSON array of the documents handed over: {form, title, document_id, number, version,
    /// issued_on, pages, copies}.
    pub items: String,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
    /// When the client signed for them.
    pub acknowledged_at: Option<DateTimeUtc>,
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
