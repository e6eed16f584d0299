use sea_orm::entity::prelude::*;

/// A spare part in the store (备品备件库): model, serial, where it is and in what state.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "spare_parts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    pub model: Option<String>,
    #[sea_orm(unique)]
    pub serial: Option<String>,
    pub location: String,
    pub status: crate::enums::SpareStatus,
    pub notes: Option<String>,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
