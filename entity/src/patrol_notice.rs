use sea_orm::entity::prelude::*;

/// A warning about a 定时巡检 visit, sent once: `before:7`, `before:1`, `overdue`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "patrol_notices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub patrol_id: i32,
    pub key: String,
    pub sent_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
