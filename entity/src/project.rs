use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "projects")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub client_name: String,
    pub site_address: String,
    /// 合同编号, empty when not known.
    pub contract_number: String,
    /// 监理单位, empty when the project has none.
    pub supervisor: String,
    pub region: String,
    pub category: String,
    /// JSON array of system-type codes.
    pub system_types: String,
    pub contract_signed_on: Date,
    pub delivery_due_on: Option<Date>,
    /// active, delivered, in_warranty or closed.
    pub status: crate::enums::ProjectStatus,
    /// IANA time zone in which the project's days end (deadlines, overdue).
    pub timezone: String,
    pub plan_id: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The day the final acceptance (终验报告) was signed by both parties.
    pub delivered_on: Option<Date>,
    /// The day the warranty starts: the contractual delivery date (else the day delivered).
    pub warranty_starts_on: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::plan::Entity",
        from = "Column::PlanId",
        to = "super::plan::Column::Id"
    )]
    Plan,
}

impl Related<super::plan::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Plan.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
