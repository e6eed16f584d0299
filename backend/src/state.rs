//! What every handler needs, cloned into each API struct.
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::{config::Settings, email::Mailer, files::Files, templates::Templates, vault::Vault};

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub mailer: Mailer,
    pub settings: Arc<Settings>,
    pub templates: Arc<Templates>,
    /// Uploaded spreadsheets and photos, by content.
    pub files: Files,
    /// Seals and opens the passwords handed over to the client.
    pub vault: Arc<Vault>,
}
