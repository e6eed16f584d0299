use sea_orm::entity::prelude::*;

/// One line of an imported equipment list.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "equipment_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub list_id: i32,
    /// Order within the list, from 1.
    pub position: i32,
    /// The row of the source sheet it came from.
    pub source_row: i32,
    pub category: Option<String>,
    pub seq: Option<String>,
    pub name: String,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub spec: Option<String>,
    pub quantity: Option<f64>,
    pub unit: Option<String>,
    pub unit_price: Option<f64>,
    pub amount: Option<f64>,
    pub origin: Option<String>,
    pub warranty: Option<String>,
    pub remark: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::equipment_list::Entity",
        from = "Column::ListId",
        to = "super::equipment_list::Column::Id"
    )]
    List,
}

impl Related<super::equipment_list::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::List.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
