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
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
