use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub password_hash: String,
    /// admin, manager, engineer or viewer.
    pub role: crate::enums::Role,
    pub disabled: bool,
    /// daily, weekly or off.
    pub reminder_frequency: crate::enums::ReminderFrequency,
    /// SHA-256 of the secret in the user's calendar feed URL.
    pub feed_token_hash: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
