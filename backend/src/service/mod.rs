//! Use cases over the database. Transactions begin and end here; helpers take the transaction.
pub mod access;
pub mod arrival;
pub mod audit;
pub mod auth;
pub mod baseline;
pub mod dashboard;
pub mod demo;
pub mod documents;
pub mod equipment;
pub mod feeds;
pub mod history;
pub mod installation;
pub mod milestones;
pub mod plans;
pub mod projects;
pub mod schedule;
pub mod signing;
pub mod test_plans;
pub mod throttle;
pub mod users;

use crate::domain::types::Role;

/// Who is acting: a signed-in user, or the system itself (CLI, jobs).
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Option<i32>,
    pub username: String,
    pub name: String,
    pub role: Role,
}

impl Actor {
    pub fn system() -> Self {
        Self {
            id: None,
            username: "system".into(),
            name: "系统".into(),
            role: Role::Admin,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// Lower-case hex of bytes.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
