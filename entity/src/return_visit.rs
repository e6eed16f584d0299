use sea_orm::entity::prelude::*;

/// A 回访 of a ticket — during the repair or after it, by phone or by a one-time link — and the
/// follow-up an unhappy answer opens.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "return_visits")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub ticket_id: i32,
    pub stage: crate::enums::VisitStage,
    pub channel: crate::enums::VisitChannel,
    /// The link's token, hashed (a link only).
    #[sea_orm(unique)]
    pub token_hash: Option<String>,
    pub sent_to: Option<String>,
    pub expires_at: Option<DateTimeUtc>,
    pub asked_at: DateTimeUtc,
    pub answered_at: Option<DateTimeUtc>,
    /// 响应及时: how fast we answered.
    pub response: Option<crate::enums::Satisfaction>,
    /// 服务态度.
    pub attitude: Option<crate::enums::Satisfaction>,
    /// 维修质量.
    pub quality: Option<crate::enums::Satisfaction>,
    /// 总体评价.
    pub overall: Option<crate::enums::Satisfaction>,
    pub comment: Option<String>,
    pub complaint: bool,
    /// Who answered (the reporter, or whoever the desk spoke to).
    pub respondent: Option<String>,
    /// An unhappy answer or a complaint: the PMs follow it up.
    pub follow_up: bool,
    pub followed_up_at: Option<DateTimeUtc>,
    pub followed_up_by: Option<i32>,
    pub follow_up_note: Option<String>,
    pub recorded_by: Option<i32>,
    /// The month it was answered in, `yyyymm` on the site's calendar.
    pub answered_month: Option<i32>,
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

impl Related<super::service_ticket::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Ticket.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
