use sea_orm::entity::prelude::*;

/// A request for the client's signature on parts of a document, sent as one e-mailed link
/// (or opened on site); only the token's hash is kept.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "signing_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    /// What kind of document is signed, and which one.
    pub document: crate::enums::SignedDocument,
    pub document_id: i32,
    pub signer_name: String,
    pub signer_email: String,
    pub signer_role: Option<String>,
    pub pages: String,
    pub method: crate::enums::SignMethod,
    pub token_hash: String,
    pub expires_at: DateTimeUtc,
    pub opened_at: Option<DateTimeUtc>,
    pub used_at: Option<DateTimeUtc>,
    pub declined_at: Option<DateTimeUtc>,
    pub decline_reason: Option<String>,
    pub revoked_at: Option<DateTimeUtc>,
    pub reminders_sent: i32,
    pub last_sent_at: DateTimeUtc,
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
