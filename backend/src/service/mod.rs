//! Use cases over the database. Transactions begin and end here; helpers take the transaction.
pub mod acceptance;
pub mod access;
pub mod arrival;
pub mod audit;
pub mod auth;
pub mod baseline;
pub mod credentials;
pub mod dashboard;
pub mod demo;
pub mod document_handover;
pub mod documents;
pub mod equipment;
pub mod evaluation;
pub mod feeds;
pub mod history;
pub mod installation;
pub mod milestones;
pub mod photos;
pub mod plans;
pub mod projects;
pub mod schedule;
pub mod service_desk;
pub mod signing;
pub mod test_plans;
pub mod throttle;
pub mod training;
pub mod trial_run;
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

/// The bytes a hex text spells, or None if it is not hex.
pub fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len() / 2)
        .map(|i| u8::from_str_radix(text.get(i * 2..i * 2 + 2)?, 16).ok())
        .collect()
}

/// `column` contains `text`, ignoring case; wildcards typed by a user match themselves.
pub(crate) fn contains(column: impl sea_orm::sea_query::IntoColumnRef, text: &str) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::{
        ExprTrait,
        sea_query::{Expr, Func, LikeExpr},
    };
    let mut escaped = String::new();
    for c in text.to_lowercase().chars() {
        if matches!(c, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    Expr::expr(Func::lower(Expr::col(column))).like(LikeExpr::new(format!("%{escaped}%")).escape('\\'))
}
