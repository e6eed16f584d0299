use sea_orm::entity::prelude::*;

/// A photo taken on site, attached to an inspection, a deviation, an installation record or a
/// work-log entry. The pictures are files named by their SHA-256.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "photos")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    pub subject: crate::enums::PhotoSubject,
    pub subject_id: i32,
    pub caption: Option<String>,
    /// The photo as kept: metadata removed, at most 2560 px, JPEG.
    pub sha256: String,
    /// At most 1200 px, for the forms' appendix.
    pub print_sha256: String,
    /// At most 320 px, for the pages.
    pub thumb_sha256: String,
    pub width: i32,
    pub height: i32,
    /// Size of the photo as kept.
    pub bytes: i64,
    pub file_name: Option<String>,
    pub taken_by: Option<i32>,
    pub uploaded_at: DateTimeUtc,
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
        from = "Column::TakenBy",
        to = "super::user::Column::Id"
    )]
    TakenBy,
}

impl Related<super::project::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Project.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
