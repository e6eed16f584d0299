//! What every handler needs, cloned into each API struct.
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::{config::Settings, email::Mailer, templates::Templates};

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub mailer: Mailer,
    pub settings: Arc<Settings>,
    pub templates: Arc<Templates>,
}
