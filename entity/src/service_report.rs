use sea_orm::entity::prelude::*;

/// A service report of a period — the company's monthly 维护统计汇总表, a PM's 维护总结汇报表 —
/// with its figures as approved by the general manager and who archived it for quality.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_reports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub kind: String,
    /// `2026-11`, `2026-H2`.
    pub period: String,
    pub project_id: Option<i32>,
    /// `all`, or `project:{id}`.
    pub scope: String,
    /// The figures as approved, JSON.
    pub figures: String,
    pub remarks: Option<String>,
    /// A PM's summary: why faults recurred (多发原因), as the PM analysed them.
    pub analysis: Option<String>,
    /// A PM's summary: the measures proposed (处理方法).
    pub measures: Option<String>,
    /// The company's table: the general manager who approved it; a PM's summary: who submitted it.
    pub approved_by: Option<i32>,
    pub approved_at: Option<DateTimeUtc>,
    pub archived_by: Option<i32>,
    pub archived_at: Option<DateTimeUtc>,
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

impl ActiveModelBehavior for ActiveModel {}
