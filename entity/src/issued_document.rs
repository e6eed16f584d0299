use sea_orm::entity::prelude::*;

/// A version of a form entered in the document register, with the file as issued.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "issued_documents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    pub form: String,
    pub number: String,
    pub version: i32,
    pub title: String,
    #[sea_orm(unique)]
    pub verify_code: String,
    pub file_sha256: String,
    pub data_sha256: String,
    pub file: Vec<u8>,
    pub issued_by: Option<i32>,
    pub issued_at: DateTimeUtc,
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
