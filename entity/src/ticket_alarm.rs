use sea_orm::entity::prelude::*;

/// A clock's warning already sent for a ticket (or skipped because a higher one went out), so
/// each goes out once.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_alarms")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub ticket_id: i32,
    /// e.g. `repair:80`, `repair:breach`.
    pub key: String,
    pub sent_at: Option<DateTimeUtc>,
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
