use sea_orm::entity::prelude::*;

/// A trainee's line on a session's attendance sheet (现场培训单).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "training_attendance")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub session_id: i32,
    pub trainee_id: i32,
    pub method: crate::enums::AttendanceMethod,
    /// On the tablet: the name the trainee typed.
    pub signed_name: Option<String>,
    pub signed_at: DateTimeUtc,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub recorded_by: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::training_session::Entity",
        from = "Column::SessionId",
        to = "super::training_session::Column::Id"
    )]
    Session,
}

impl Related<super::training_session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Session.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
