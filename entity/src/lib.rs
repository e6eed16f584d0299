//! sea-orm entities, one module per table; they mirror the migrations.
pub mod auth_token;
pub mod change_notice;
pub mod client_contact;
pub mod equipment_decision;
pub mod equipment_item;
pub mod equipment_list;
pub mod history;
pub mod login_attempt;
pub mod outbox;
pub mod phase;
pub mod plan;
pub mod project;
pub mod project_member;
pub mod reminder_item;
pub mod task;
pub mod user;
