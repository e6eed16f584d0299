use sea_orm::entity::prelude::*;

/// A spare borrowed for a ticket: asked, approved (in the app, or orally and countersigned),
/// taken out, brought back or left installed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "spare_loans")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub ticket_id: i32,
    pub spare_id: i32,
    pub status: crate::enums::LoanStatus,
    pub note: Option<String>,
    pub requested_by: Option<i32>,
    pub requested_at: DateTimeUtc,
    pub approval: Option<crate::enums::LoanApproval>,
    pub approved_by: Option<i32>,
    pub approved_at: Option<DateTimeUtc>,
    pub countersign_due_on: Option<Date>,
    pub countersigned_at: Option<DateTimeUtc>,
    pub countersigned_by: Option<i32>,
    pub checked_out_at: Option<DateTimeUtc>,
    pub return_due_at: Option<DateTimeUtc>,
    pub returned_at: Option<DateTimeUtc>,
    pub installed_at: Option<DateTimeUtc>,
    pub unit_id: Option<i32>,
    pub faulty_spare_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::service_ticket::Entity",
        from = "Column::TicketId",
        to = "super::service_ticket::Column::Id"
    )]
    Ticket,
    #[sea_orm(
        belongs_to = "super::spare_part::Entity",
        from = "Column::SpareId",
        to = "super::spare_part::Column::Id"
    )]
    Spare,
}

impl ActiveModelBehavior for ActiveModel {}
