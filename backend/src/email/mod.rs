//! E-mail: the outbox every message goes through, the transports, and one function per kind.
pub mod messages;
pub mod outbox;
pub mod transport;
pub mod webhook;

pub use transport::{Mailer, SendOutcome};
