use sea_orm::entity::prelude::*;

/// Equipment a shipment brought for one baseline item: one unit per serial number, or a quantity.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "received_units")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    pub shipment_id: i32,
    pub item_id: i32,
    pub serial: Option<String>,
    pub quantity: f64,
    /// The unit this one replaced after a deviation closed as replace; that unit is no longer in place.
    pub replaces_unit_id: Option<i32>,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
    /// A replacement's own warranty end (the remaining term of the unit it replaced); none: its
    /// line's term from the project's warranty start.
    pub warranty_ends_on: Option<Date>,
    /// The serial of the unit in service here after a replacement that stayed (the receipt keeps
    /// the one that arrived).
    pub serial_in_service: Option<String>,
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
        belongs_to = "super::shipment::Entity",
        from = "Column::ShipmentId",
        to = "super::shipment::Column::Id"
    )]
    Shipment,
    #[sea_orm(
        belongs_to = "super::equipment_item::Entity",
        from = "Column::ItemId",
        to = "super::equipment_item::Column::Id"
    )]
    Item,
}

impl Related<super::project::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Project.def()
    }
}

impl Related<super::shipment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Shipment.def()
    }
}

impl Related<super::equipment_item::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Item.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
