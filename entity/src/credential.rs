use sea_orm::entity::prelude::*;

/// A system or device account of the delivered system (口令), its password sealed at rest.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credentials")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    /// The device or system, e.g. 核心交换机 S7706.
    pub target: String,
    pub kind: crate::enums::CredentialKind,
    /// Where to log in: an IP address or URL.
    pub address: Option<String>,
    pub account: String,
    /// The password sealed with the vault's key for `credential:{project_id}`.
    pub sealed: Vec<u8>,
    /// What the account may do: 管理员, 只读 …
    pub role: Option<String>,
    pub remark: Option<String>,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
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
