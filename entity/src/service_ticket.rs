use sea_orm::entity::prelude::*;

/// A fault reported to the service desk (报修): the 故障信息卡, the unit and its warranty, and
/// what the clocks need — the folded events, the next deadline and when to look again.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_tickets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    /// 报修单号, e.g. BX-2026-00017.
    #[sea_orm(unique)]
    pub number: Option<String>,
    pub channel: crate::enums::TicketChannel,
    pub status: crate::enums::TicketStatus,
    pub reporter_name: String,
    pub reporter_phone: String,
    pub reporter_email: Option<String>,
    pub system_type: Option<crate::enums::SystemType>,
    pub unit_id: Option<i32>,
    pub device: Option<String>,
    pub symptom: String,
    pub fault_started_at: Option<DateTimeUtc>,
    pub reported_at: DateTimeUtc,
    pub in_warranty: bool,
    pub warranty_ends_on: Option<Date>,
    pub human_damage: bool,
    pub paid: bool,
    pub major_quality: bool,
    pub failed_repairs: i32,
    /// `domain::service_clock::ClockLog` as JSON.
    pub clock_log: String,
    pub due_at: Option<DateTimeUtc>,
    pub next_alarm_at: Option<DateTimeUtc>,
    pub breached: bool,
    pub paused: bool,
    pub closed_at: Option<DateTimeUtc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The month it was reported in, `yyyymm` on the site's calendar (the statistics' month).
    pub reported_month: i32,
    /// How long the response took, pauses excluded, once it stopped.
    pub response_secs: Option<i64>,
    /// The response promise broke (running or stopped).
    pub response_broken: bool,
    /// From arriving on site to repaired or replaced, pauses excluded, once it stopped.
    pub repair_secs: Option<i64>,
    /// The repair promise broke.
    pub repair_broken: bool,
    /// How many times an engineer arrived on site (维修次数).
    pub site_visits: i32,
    /// Which rule filled the facts above; older rows are filled again at start.
    pub stats_version: i16,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::project::Entity",
        from = "Column::ProjectId",
        to = "super::project::Column::Id"
    )]
    Project,
    #[sea_orm(
        belongs_to = "super::received_unit::Entity",
        from = "Column::UnitId",
        to = "super::received_unit::Column::Id"
    )]
    Unit,
    #[sea_orm(has_many = "super::ticket_event::Entity")]
    Events,
}

impl Related<super::project::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Project.def()
    }
}

impl Related<super::ticket_event::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Events.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
