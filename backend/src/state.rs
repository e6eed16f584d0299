//! What every handler needs, cloned into each API struct.
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::{config::Settings, email::Mailer, files::Files, templates::Templates};

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub mailer: Mailer,
    pub settings: Arc<Settings>,
    pub templates: Arc<Templates>,
    /// Uploaded spreadsheets and photos, by content.
    pub files: Files,
}
