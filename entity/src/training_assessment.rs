use sea_orm::entity::prelude::*;

/// A trainee's assessment (written and practical), the remedial deadline a failed one sets.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "training_assessments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    pub trainee_id: i32,
    /// 1 for the first assessment, 2 after the first remedial training, …
    pub attempt: i32,
    pub assessed_on: Date,
    pub written_score: i32,
    pub practical_score: i32,
    pub pass_mark: i32,
    pub passed: bool,
    pub examiner: String,
    pub remark: Option<String>,
    pub remedial_due_on: Option<Date>,
    pub remedial_task_id: Option<i32>,
    pub recorded_by: Option<i32>,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::trainee::Entity",
        from = "Column::TraineeId",
        to = "super::trainee::Column::Id"
    )]
    Trainee,
}

impl Related<super::trainee::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Trainee.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
