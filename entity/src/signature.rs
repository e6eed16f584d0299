use sea_orm::entity::prelude::*;

/// One party's signature on a part of a document — a test plan's page (0: its 预验收证书), an
/// acceptance report — with its evidence.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "signatures")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    /// What kind of document is signed, and which one.
    pub document: crate::enums::SignedDocument,
    pub document_id: i32,
    pub page: i32,
    pub party: crate::enums::SignParty,
    pub signer_name: String,
    pub signer_email: Option<String>,
    pub signer_role: Option<String>,
    pub user_id: Option<i32>,
    pub request_id: Option<i32>,
    pub method: crate::enums::SignMethod,
    pub signed_at: DateTimeUtc,
    pub signed_local: String,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub content_sha256: String,
    pub verify_code: String,
    pub voided_at: Option<DateTimeUtc>,
    pub void_reason: Option<String>,
    pub voided_by: Option<i32>,
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
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id"
    )]
    User,
    #[sea_orm(
        belongs_to = "super::signing_request::Entity",
        from = "Column::RequestId",
        to = "super::signing_request::Column::Id"
    )]
    Request,
}

impl Related<super::project::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Project.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl Related<super::signing_request::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Request.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
