use sea_orm::entity::prelude::*;

/// A project's functional test plan (功能测试方案), made from one or more templates.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "test_plans")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    pub title: String,
    pub templates: String,
    pub items_per_page: i32,
    pub our_engineers: Option<String>,
    pub our_conditions_at: Option<DateTimeUtc>,
    pub our_conditions_by: Option<i32>,
    pub client_engineers: Option<String>,
    pub client_conditions_at: Option<DateTimeUtc>,
    pub client_conditions_by: Option<String>,
    pub client_signer_name: Option<String>,
    pub client_signer_email: Option<String>,
    pub certificate_issued_at: Option<DateTimeUtc>,
    pub certificate_issued_by: Option<i32>,
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
