use sea_orm::entity::prelude::*;

/// A month's service statistics summed for one project and fault category, kept in the same
/// transaction as the rows it counts.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_month_counts")]
pub struct Model {
    /// yyyymm.
    #[sea_orm(primary_key, auto_increment = false)]
    pub month: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub project_id: i32,
    /// The fault's system type; empty when it has none.
    #[sea_orm(primary_key, auto_increment = false)]
    pub system_type: String,
    pub faults: i64,
    pub site_visits: i64,
    pub responses: i64,
    pub responses_broken: i64,
    pub response_secs: i64,
    pub responses_timed: i64,
    pub repairs: i64,
    pub repairs_broken: i64,
    pub repair_secs: i64,
    pub repairs_timed: i64,
    pub spares_used: i64,
    pub visits_answered: i64,
    pub visits_unsatisfied: i64,
    pub complaints: i64,
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
