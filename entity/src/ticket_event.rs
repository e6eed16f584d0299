use sea_orm::entity::prelude::*;

/// One step of a ticket's flow, by whom and when.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub ticket_id: i32,
    pub step: crate::enums::TicketStep,
    /// When it happened.
    pub at: DateTimeUtc,
    pub note: Option<String>,
    /// A pause's recorded reason.
    pub reason: Option<String>,
    pub actor_id: Option<i32>,
    /// Who, when not one of our users (the client on the report page).
    pub actor_name: Option<String>,
    pub recorded_at: DateTimeUtc,
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
        belongs_to = "super::user::Entity",
        from = "Column::ActorId",
        to = "super::user::Column::Id"
    )]
    Actor,
}

impl Related<super::service_ticket::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Ticket.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
