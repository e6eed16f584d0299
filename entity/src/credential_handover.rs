use sea_orm::entity::prelude::*;

/// A handover of passwords to the client's designated person: what was handed over, frozen when
/// it was made (each password as sealed then), and when they acknowledged it by signing.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credential_handovers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    pub recipient_name: String,
    pub recipient_email: String,
    pub recipient_role: Option<String>,
    /// JSON array of the credentials handed over: {id, target, kind, address, account, role,
    /// remark, sealed (hex)}.
    pub items: String,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
    /// When the recipient signed for them.
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
