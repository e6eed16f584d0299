use sea_orm::entity::prelude::*;

/// A ticket's on-site service order (上门服务单).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub ticket_id: i32,
    pub cause: String,
    /// What the fault came from, for the PM's monthly summary; none on orders filled before.
    pub cause_category: Option<crate::enums::FaultCause>,
    pub remedy: String,
    pub remaining_symptom: Option<String>,
    pub remaining_method: Option<String>,
    /// JSON list of materials used (使用器材).
    pub used_materials: String,
    /// JSON list of materials returned (退回器材).
    pub returned_materials: String,
    /// 维修费用 in fen.
    pub fee_fen: i64,
    pub repairers: String,
    pub repaired_on: Date,
    pub result: String,
    pub client_opinion: Option<String>,
    pub client_signer_name: Option<String>,
    pub client_signer_email: Option<String>,
    pub handed_in_at: Option<DateTimeUtc>,
    pub handed_in_by: Option<i32>,
    pub filled_by: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::service_ticket::Entity",
        from = "Column::TicketId",
        to = "super::service_ticket::Column::Id"
    )]
    Ticket,
}

impl ActiveModelBehavior for ActiveModel {}
