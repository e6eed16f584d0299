use sea_orm::entity::prelude::*;

/// An entry of the append-only audit log; `hash` covers the entry and the previous entry's hash.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub project_id: Option<i32>,
    pub at: DateTimeUtc,
    pub event: String,
    pub subject: String,
    pub actor: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
