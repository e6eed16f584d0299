use sea_orm::entity::prelude::*;

/// A copy of an issued document handed out (the distribution log), and its loss if reported.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "document_copies")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub document_id: i32,
    pub recipient: String,
    pub handed_at: DateTimeUtc,
    pub method: String,
    pub copies: i32,
    pub note: Option<String>,
    pub recorded_by: Option<i32>,
    pub lost_reported_at: Option<DateTimeUtc>,
    pub lost_note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::issued_document::Entity",
        from = "Column::DocumentId",
        to = "super::issued_document::Column::Id"
    )]
    Document,
}

impl Related<super::issued_document::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Document.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
