//! The service desk (售后服务): the warranty of every installed unit of a delivered project, the
//! promises in force (the project's own policy, else its plan's), the two designated engineers
//! (专员), the client's secret link for reporting faults, and the tickets — each fault from its
//! report to its archive, with the clocks of the promises derived from its events and a scan
//! that warns before they break.
//!
//! The rules are pure and live in `domain`: `service_clock` (the clocks and their warnings),
//! `ticket_flow` (which step may follow which), `warranty` (reading a 质保期, a term's end).
pub mod alarms;
pub mod notices;
pub mod orders;
pub mod patrols;
pub mod return_visits;
pub mod settings;
pub mod spares;
pub mod statistics;
pub mod tickets;
pub mod units;

pub use settings::{ServiceSettings, policy_of};
pub use tickets::{Ticket, TicketView};
pub use units::WarrantyUnit;
